/*
 * cmd_fsck.c - `karat fsck [--repair]` and `karat config`.
 *
 * fsck opens the repository (which itself finishes or removes interrupted
 * uploads), checks rows <-> blobs <-> index entries, prints what it found,
 * and exits 1 only when it found a real inconsistency (leftover temporary
 * uploads are not one). config prints the effective settings, secrets masked.
 */
#include "cli/cli.h"

#include <stdio.h>

#include "app/app.h"
#include "core/log.h"
#include "image/image.h"
#include "repo/repo.h"

static const struct cli_opt fsck_opts[] = {
    {"--repair", 0, "fix what is found (remove dangling rows and entries, unreferenced blobs)"},
    {"--data", 1, "data folder (KARAT_DATA_DIR, default ./var)"},
    {NULL, 0, NULL},
};

static int run_fsck(struct config *cfg, int repair)
{
    const struct app_opts o = {APP_REPO, "http://127.0.0.1:8000", NULL, NULL};
    struct app *app = NULL;
    struct kr_err err = {0};
    struct buf report;
    long long problems = 0;
    int rc = 1;

    log_set_level(LOG_WARN);
    if (app_open(cfg, &o, &app, &err)) {
        fprintf(stderr, "karat fsck: %s\n", err.msg);
        return 2;
    }
    buf_init(&report, 0);
    if (repo_fsck(app->repo, repair, &report, NULL, &problems, &err)) {
        fprintf(stderr, "karat fsck: %s\n", err.msg);
        rc = 2;
    } else {
        fputs(report.data ? (const char *)report.data : "", stdout);
        rc = problems ? 1 : 0;
    }
    buf_release(&report);
    app_close(app);
    return rc;
}

int cli_cmd_fsck(int argc, char **argv)
{
    struct cli_args a;
    struct config cfg;
    int rc = cli_parse(argc, argv, fsck_opts, "karat fsck [--repair] [--data DIR]", &a);

    if (rc)
        return rc;
    if (cli_start(&cfg, cli_get(&a, fsck_opts, "--data")))
        return 2;
    rc = run_fsck(&cfg, cli_get(&a, fsck_opts, "--repair") != NULL);
    cli_finish(&cfg);
    return rc;
}

static const struct cli_opt config_opts[] = {
    {"--data", 1, "data folder (KARAT_DATA_DIR, default ./var)"},
    {"--vars", 0, "list every variable with its default and meaning"},
    {NULL, 0, NULL},
};

static void print_vars(void)
{
    for (const struct config_var *v = config_vars(); v->name; v++)
        printf("%-26s default %-12s %s\n", v->name, *v->def ? v->def : "(empty)", v->help);
}

int cli_cmd_config(int argc, char **argv)
{
    struct cli_args a;
    struct config cfg;
    struct buf out;
    int rc = cli_parse(argc, argv, config_opts, "karat config [--vars] [--data DIR]", &a);

    if (rc)
        return rc;
    if (cli_get(&a, config_opts, "--vars")) {
        print_vars();
        return 0;
    }
    if (cli_config(&cfg, cli_get(&a, config_opts, "--data")))
        return 2;
    buf_init(&out, 0);
    config_dump(&cfg, &out);
    fputs(out.data ? (const char *)out.data : "", stdout);
    buf_release(&out);
    config_release(&cfg);
    return 0;
}
