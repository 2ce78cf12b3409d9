/*
 * cli.h - `karat` subcommands (serve, index, dedup, fsck, config, ...).
 *
 * cli_main() dispatches through one command table (cli.c); each command
 * lives in its own file cmd_<name>.c and uses the same core code as the
 * server. Every command accepts --data DIR (default KARAT_DATA_DIR, else
 * ./var) where it touches the store, options before or after arguments,
 * and --help. Commands return the process exit status.
 */
#ifndef KARAT_CLI_CLI_H
#define KARAT_CLI_CLI_H

#include "core/config.h"

int cli_main(int argc, char **argv);

/* One option a command accepts. */
struct cli_opt {
    const char *name;  /* "--data" */
    int has_arg;       /* 1: takes a value */
    const char *help;
};

/* Parsed command line: options (by name) and positional arguments. */
struct cli_args {
    int npos;
    char **pos;                  /* positional arguments (pointers into argv) */
    const char *values[32];      /* value per opt index (or "1" for flags) */
    const char *multi[32][64];   /* every value of repeatable options */
    int nmulti[32];
};

/* Returned by cli_parse() (and passed up by commands) after --help printed
 * the usage: cli_main() turns it into exit status 0. */
#define CLI_HELP (-1)

/* Parse argv[1..] (argv[0] is the command name) against opts (NULL-name
 * terminated). Returns 0, or prints the problem to stderr and returns 2.
 * --help prints usage and returns CLI_HELP; commands return it as is. */
int cli_parse(int argc, char **argv, const struct cli_opt *opts, const char *usage,
              struct cli_args *out);
const char *cli_get(const struct cli_args *a, const struct cli_opt *opts, const char *name);

/* Load configuration and apply --data / --listen style overrides; prints and
 * returns nonzero on error. */
int cli_config(struct config *cfg, const char *data_dir);
/* cli_config() + image_init(): what every command that looks at photos
 * needs first. Prints and returns 2 on error (nothing to release then). */
int cli_start(struct config *cfg, const char *data_dir);
/* The matching image_shutdown() + config_release(). */
void cli_finish(struct config *cfg);
/* A command on one file: parse, exactly one positional argument (else the
 * usage and 2), cli_start with --data, run(cfg, args), cli_finish. */
typedef int (*cli_file_fn)(const struct config *cfg, const struct cli_args *a);
int cli_run_on_file(int argc, char **argv, const struct cli_opt *opts, const char *usage,
                    cli_file_fn run);
/* A command-line flag overriding a configuration variable: value NULL (flag
 * not given) changes nothing; a bad value prints why and returns 2. */
int cli_set(struct config *cfg, const char *name, const char *value);

int cli_cmd_serve(int argc, char **argv);
int cli_cmd_index(int argc, char **argv);
int cli_cmd_dedup(int argc, char **argv);
int cli_cmd_fsck(int argc, char **argv);
int cli_cmd_config(int argc, char **argv);
int cli_cmd_caption(int argc, char **argv);
int cli_cmd_bill(int argc, char **argv);
int cli_cmd_catalog(int argc, char **argv);
int cli_cmd_images(int argc, char **argv);
int cli_cmd_check_image(int argc, char **argv);
int cli_cmd_order(int argc, char **argv);
int cli_cmd_lint_sheet(int argc, char **argv);
int cli_cmd_import_legacy(int argc, char **argv);
int cli_cmd_migrate_to_server(int argc, char **argv);
int cli_cmd_products(int argc, char **argv);
int cli_cmd_watch(int argc, char **argv);

#endif
