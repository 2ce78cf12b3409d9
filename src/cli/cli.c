/*
 * cli.c - the command table, help, and the small option parser every
 * command shares.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "image/image.h"

struct cli_command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct cli_command commands[] = {
    {"serve", cli_cmd_serve, "start the HTTP server"},
    {"index", cli_cmd_index, "bulk-index a folder of photos into the store"},
    {"dedup", cli_cmd_dedup, "find duplicates among image files (touches no store)"},
    {"fsck", cli_cmd_fsck, "check (and --repair) rows, blobs and index entries"},
    {"config", cli_cmd_config, "print the effective configuration (secrets masked)"},
    {"caption", cli_cmd_caption, "caption one photo and print the /generate_caption JSON"},
    {"bill", cli_cmd_bill, "read a bill photo or PDF into a checked table (CSV, --json, --xlsx)"},
    {"catalog", cli_cmd_catalog, "photos -> a marketplace sheet (.xlsx + .csv), as /catalog-ai"},
    {"products", cli_cmd_products, "import products (CSV, JSON, a URL, --sync) or list them"},
    {"watch", cli_cmd_watch, "market watch list: add a product x query, list, run (observe now)"},
    {"images", cli_cmd_images,
     "marketplace images from one photo into a folder, as /generate-images"},
    {"check-image", cli_cmd_check_image, "main-image compliance of a photo (exit 1 when it fails)"},
    {"order", cli_cmd_order, "read an Amazon.in/Flipkart/Meesho invoice PDF (as /create_order)"},
    {"lint-sheet", cli_cmd_lint_sheet,
     "listing rules on every row of a bulk sheet (exit 1 when one fails)"},
    {"import-legacy", cli_cmd_import_legacy,
     "adopt the original system's S3 bucket in place (rows for its photos)"},
    {"migrate-to-server", cli_cmd_migrate_to_server,
     "copy an embedded data folder into PostgreSQL + S3"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: karat COMMAND [options] [args]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "  %-12s %s\n", "help", "this text; `karat CMD --help` for one command");
    fprintf(f, "\nEvery command that touches the store takes --data DIR "
               "(default $KARAT_DATA_DIR, else ./var).\n");
}

int cli_main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "-h")) {
        if (argc >= 3 && strcmp(argv[1], "help") == 0) {
            char *sub[] = {argv[2], "--help", NULL};
            for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
                if (strcmp(commands[i].name, argv[2]) == 0)
                    return commands[i].fn(2, sub) == CLI_HELP ? 0 : 2;
        }
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(commands[i].name, argv[1]) == 0) {
            int rc = commands[i].fn(argc - 1, argv + 1);
            return rc == CLI_HELP ? 0 : rc; /* --help is success */
        }
    }
    fprintf(stderr, "karat: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}

static int find_opt(const struct cli_opt *opts, const char *name, size_t len)
{
    for (int i = 0; opts && opts[i].name; i++)
        if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
            return i;
    return -1;
}

static void print_usage(const char *usage, const struct cli_opt *opts)
{
    printf("usage: %s\n\noptions:\n", usage);
    for (int i = 0; opts && opts[i].name; i++)
        printf("  %-22s %s\n", opts[i].name, opts[i].help);
    printf("  %-22s %s\n", "--help", "show this help");
}

int cli_parse(int argc, char **argv, const struct cli_opt *opts, const char *usage,
              struct cli_args *out)
{
    static char *pos_store[256];
    memset(out, 0, sizeof *out);
    out->pos = pos_store;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *eq;
        int k;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            print_usage(usage, opts);
            return CLI_HELP;
        }
        if (strncmp(a, "--", 2) != 0 || !strcmp(a, "--")) {
            if (out->npos < 256)
                out->pos[out->npos++] = argv[i];
            continue;
        }
        eq = strchr(a, '=');
        k = find_opt(opts, a, eq ? (size_t)(eq - a) : strlen(a));
        if (k < 0) {
            fprintf(stderr, "unknown option %s (see --help)\n", a);
            return 2;
        }
        if (opts[k].has_arg) {
            const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v) {
                fprintf(stderr, "option %s needs a value\n", opts[k].name);
                return 2;
            }
            out->values[k] = v;
            if (out->nmulti[k] < 64)
                out->multi[k][out->nmulti[k]++] = v;
        } else {
            out->values[k] = "1";
        }
    }
    return 0;
}

const char *cli_get(const struct cli_args *a, const struct cli_opt *opts, const char *name)
{
    int k = find_opt(opts, name, strlen(name));
    return k < 0 ? NULL : a->values[k];
}

int cli_config(struct config *cfg, const char *data_dir)
{
    struct kr_err err = {0};
    if (config_load(cfg, &err)) {
        fprintf(stderr, "karat: configuration: %s\n", err.msg);
        return 2;
    }
    if (data_dir && config_set(cfg, "KARAT_DATA_DIR", data_dir, &err)) {
        fprintf(stderr, "karat: %s\n", err.msg);
        return 2;
    }
    return 0;
}

int cli_start(struct config *cfg, const char *data_dir)
{
    struct kr_err err = {0};
    if (cli_config(cfg, data_dir))
        return 2;
    if (image_init("karat", &err)) {
        fprintf(stderr, "karat: %s\n", err.msg);
        config_release(cfg);
        return 2;
    }
    return 0;
}

void cli_finish(struct config *cfg)
{
    image_shutdown();
    config_release(cfg);
}

int cli_run_on_file(int argc, char **argv, const struct cli_opt *opts, const char *usage,
                    cli_file_fn run)
{
    struct cli_args a;
    struct config cfg;
    int rc = cli_parse(argc, argv, opts, usage, &a);

    if (rc)
        return rc;
    if (a.npos != 1) {
        fprintf(stderr, "usage: %s\n", usage);
        return 2;
    }
    if ((rc = cli_start(&cfg, cli_get(&a, opts, "--data"))) != 0)
        return rc;
    rc = run(&cfg, &a);
    cli_finish(&cfg);
    return rc;
}

int cli_set(struct config *cfg, const char *name, const char *value)
{
    struct kr_err err = {0};
    if (!value || config_set(cfg, name, value, &err) == KR_OK)
        return 0;
    fprintf(stderr, "karat: %s\n", err.msg);
    return 2;
}
