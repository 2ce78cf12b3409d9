/*
 * cmd_catalog.c - `karat catalog`: photos -> a marketplace sheet, offline
 * or with the configured AI providers, without a server.
 *
 *   karat catalog --marketplace amazon --type earrings [--sku S]... [--skus A,B]
 *                 [--template T.xlsx [--append]] [--csv out.csv] [--data DIR]
 *                 -o out.xlsx IMAGE|URL|FOLDER...
 *
 * The same pipeline as POST /catalog-ai (catalog/), run as an in-memory job
 * with KARAT_JOB_WORKERS photos at once. Photos are local files (folders are
 * walked for image names, sorted) or http(s) URLs fetched under the SSRF
 * rules. With --data (or KARAT_DATA_DIR) the SKU cache in that folder's
 * store is used, so re-running the same SKUs asks the models nothing again,
 * and each photo listed is recorded there as a product (named by its SKU,
 * with the listing), as the server's catalog jobs do.
 * --template fills the seller's own workbook (the file itself is not
 * changed; the result goes to -o). Exit status: 0 all rows written, 1 some
 * photos failed (the sheet has the others) or nothing could be written,
 * 2 usage.
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "catalog/catalog.h"
#include "cli/walk.h"
#include "core/log.h"
#include "core/util.h"
#include "jobs/jobs.h"
#include "net/net.h"
#include "studio/studio.h"

static const struct cli_opt opts[] = {
    {"--marketplace", 1, "amazon, flipkart, meesho or shopsy"},
    {"--type", 1, "earrings, necklace or bracelet"},
    {"--sku", 1, "SKU of the next photo (repeat; default: the file name)"},
    {"--skus", 1, "comma-separated SKUs, one per photo"},
    {"--template", 1, "fill this marketplace template (.xlsx) instead of a fresh workbook"},
    {"--append", 0, "with --template: add after the template's existing rows"},
    {"--output", 1, "the .xlsx to write (also -o)"},
    {"--csv", 1, "also the CSV here (default: the output name with .csv)"},
    {"--profile", 1, "seller profile JSON (default KARAT_SELLER_PROFILE)"},
    {"--data", 1, "data folder whose store holds the SKU cache (default: no cache)"},
    {"--height", 1,
     "the piece's height for every photo (\"32mm\", \"3.2cm\"; a bare number is mm)"},
    {"--width", 1, "the piece's width for every photo (as --height)"},
    {NULL, 0, NULL},
};

#define USAGE                                                                                      \
    "karat catalog --marketplace M --type T [--sku S]... [--template T.xlsx] "                     \
    "[--height L] [--width L] -o out.xlsx IMAGE..."

struct cli_io {
    const struct config *cfg;
    const char *xlsx_path, *csv_path;
    struct app *app; /* set once open: listed photos become products in its store */
};

static enum kr_code io_read(void *ctx, const char *ref, struct buf *out, struct kr_err *err)
{
    struct cli_io *io = ctx;
    struct net_fetch_opts o;

    if (strncmp(ref, "http://", 7) && strncmp(ref, "https://", 8))
        return buf_read_file(out, ref, err);
    net_fetch_opts_from_config(io->cfg, &o); /* out->max lowers its size cap */
    return net_fetch(ref, &o, out, NULL, 0, err);
}

static enum kr_code io_save(void *ctx, const struct catalog_file *f, char *where, size_t wn,
                            struct kr_err *err)
{
    struct cli_io *io = ctx;
    const char *path = strcmp(f->ext, "csv") == 0 ? io->csv_path : io->xlsx_path;

    util_strlcpy(where, path, wn);
    return util_write_file_atomic(path, f->data, f->len, err);
}

/* A listed photo: a product in the --data store (none without one). */
static void io_listed(void *ctx, const struct catalog_listed *l)
{
    struct cli_io *io = ctx;

    if (io->app && io->app->store)
        app_note_listed(io->app, l);
}

/* Positional arguments -> photo refs, in the order given (folders sorted). */
static int collect(const struct cli_args *a, json_t *refs)
{
    for (int i = 0; i < a->npos; i++) {
        struct cli_walk_list l;
        if (!strncmp(a->pos[i], "http://", 7) || !strncmp(a->pos[i], "https://", 8)) {
            json_array_append_new(refs, json_string(a->pos[i]));
            continue;
        }
        if (cli_walk_collect(&a->pos[i], 1, &l))
            return -1;
        for (size_t k = 0; k < l.n; k++)
            json_array_append_new(refs, json_string(l.v[k]));
        cli_walk_free(&l);
    }
    return json_array_size(refs) ? 0 : -1;
}

static int collect_skus(const struct cli_args *a, json_t *skus, struct kr_err *err)
{
    int k = 0;
    while (opts[k].name && strcmp(opts[k].name, "--sku"))
        k++;
    json_t *v = json_array();
    enum kr_code rc = KR_OK;

    for (int i = 0; i < a->nmulti[k]; i++)
        json_array_append_new(v, json_string(a->multi[k][i]));
    if (cli_get(a, opts, "--skus"))
        json_array_append_new(v, json_string(cli_get(a, opts, "--skus")));
    for (size_t i = 0; i < json_array_size(v); i++)
        if ((rc = catalog_list_arg(json_array_get(v, i), 100000, CATALOG_MAX_SKU, "SKUs", skus,
                                   err)))
            break;
    json_decref(v);
    return rc ? -1 : 0;
}

/* "dir/out.xlsx" -> "dir/out.csv" */
static void csv_name(const char *xlsx, char *out, size_t n)
{
    const char *slash = strrchr(xlsx, '/'), *dot = strrchr(xlsx, '.');
    size_t len = strlen(xlsx);

    if (dot && (!slash || dot > slash + 1))
        len = (size_t)(dot - xlsx);
    snprintf(out, n, "%.*s.csv", (int)len, xlsx);
}

/* Print per-photo problems; returns the number of failed photos. */
static int report(json_t *st, json_t *result)
{
    json_t *it, *r;
    size_t i;
    int failed = 0;

    json_array_foreach(json_object_get(st, "items"), i, it)
    {
        json_t *e = json_object_get(it, "error");
        if (!e)
            continue;
        failed++;
        fprintf(stderr, "karat catalog: %s: %s (%s)\n",
                json_string_value(json_object_get(json_object_get(it, "item"), "url")),
                json_string_value(json_object_get(e, "message")),
                json_string_value(json_object_get(e, "code")));
    }
    json_array_foreach(json_object_get(result, "results"), i, r)
    {
        size_t nw = json_array_size(json_object_get(r, "warnings"));
        if (nw)
            fprintf(stderr, "karat catalog: %s: %zu warning(s)\n",
                    json_string_value(json_object_get(json_object_get(r, "attributes"), "skuid")),
                    nw);
    }
    return failed;
}

struct run {
    struct config cfg;
    struct cli_io io;
    struct app *app;
};

/* The app with a catalog whose io is the command line's; with --data (or
 * KARAT_DATA_DIR) the store alone, for the SKU cache. Jobs stay in memory. */
static enum kr_code open_all(struct run *r, const struct cli_args *a, struct kr_err *err)
{
    const struct catalog_io io = {&r->io, io_read, io_save, io_listed};
    struct app_opts o = {APP_CATALOG, NULL, cli_get(a, opts, "--profile"), &io};
    enum kr_code rc;

    if (o.profile && !*o.profile)
        o.profile = NULL;
    if (cli_get(a, opts, "--data") || getenv("KARAT_DATA_DIR"))
        o.parts |= APP_STORE;
    if ((rc = app_open(&r->cfg, &o, &r->app, err)))
        return rc;
    r->io.app = r->app;
    return app_start(r->app, err);
}

/* --height / --width (one length for every photo) into *sizes: n objects
 * {"height_mm", "width_mm"} as the API's height / width make them; neither
 * given: *sizes stays NULL. */
static enum kr_code given_sizes(const struct cli_args *a, size_t n, json_t **sizes,
                                struct kr_err *err)
{
    static const char *const flag[2] = {"--height", "--width"}, *const key[2] = {"height_mm",
                                                                               "width_mm"};
    struct studio_length l[2] = {{0}, {0}};
    enum kr_code rc = KR_OK;

    for (int k = 0; k < 2 && !rc; k++)
        if (cli_get(a, opts, flag[k]) &&
            (rc = studio_length_parse(cli_get(a, opts, flag[k]), &l[k], err)))
            kr_err_prefix(err, "%s: ", flag[k]);
    if (rc || (!l[0].set && !l[1].set))
        return rc;
    *sizes = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        for (int k = 0; k < 2; k++)
            if (l[k].set)
                json_object_set_new(o, key[k],
                                    json_real(l[k].unit[0] == 'c' ? l[k].value * 10 : l[k].value));
        json_array_append_new(*sizes, o);
    }
    return KR_OK;
}

static int run_catalog(struct run *r, const struct cli_args *a, json_t *refs, json_t *skus)
{
    struct catalog_req q = {
        cli_get(a, opts, "--marketplace"), cli_get(a, opts, "--type"),           refs, skus, 0,
        cli_get(a, opts, "--template"),    cli_get(a, opts, "--append") != NULL, NULL, NULL};
    json_t *params = NULL, *items = NULL, *st = NULL, *result = NULL;
    char id[JOBS_ID_LEN];
    struct kr_err err = {0};
    int failed, rc = 1;

    if (given_sizes(a, json_array_size(refs), &q.sizes, &err) || open_all(r, a, &err) ||
        catalog_job_input(r->app->catalog, &q, &params, &items, &err) ||
        jobs_submit(r->app->jobs, &(struct jobs_submit_req){NULL, CATALOG_JOB, params, items}, id,
                    &err) ||
        jobs_wait(r->app->jobs, id, -1, &err) || jobs_status(r->app->jobs, id, &st, &err)) {
        fprintf(stderr, "karat catalog: %s (%s)\n", err.msg, err.slug ? err.slug : "error");
        goto out;
    }
    result = json_object_get(st, "result");
    failed = report(st, result);
    if (!result) {
        fprintf(stderr, "karat catalog: %s\n",
                json_string_value(json_object_get(json_object_get(st, "error"), "message")));
        goto out;
    }
    printf("%s: %lld rows (%d failed)\n%s\n",
           json_string_value(json_object_get(result, "excel_file")),
           (long long)json_integer_value(json_object_get(result, "rows")), failed,
           json_string_value(json_object_get(result, "csv_file")));
    rc = failed ? 1 : 0;
out:
    json_decref(q.sizes);
    json_decref(params);
    json_decref(items);
    json_decref(st);
    return rc;
}

int cli_cmd_catalog(int argc, char **argv)
{
    struct cli_args a;
    struct run r = {0};
    struct kr_err err = {0};
    json_t *refs = json_array(), *skus = json_array();
    char csv[4096];
    int rc;

    for (int i = 1; i < argc; i++) /* the one short option */
        if (strcmp(argv[i], "-o") == 0)
            argv[i] = "--output";
    rc = cli_parse(argc, argv, opts, USAGE, &a);
    if (!rc && (!cli_get(&a, opts, "--marketplace") || !cli_get(&a, opts, "--type") ||
                !cli_get(&a, opts, "--output") || a.npos == 0)) {
        fprintf(stderr, "usage: %s\n", USAGE);
        rc = 2;
    }
    if (!rc && (collect(&a, refs) || collect_skus(&a, skus, &err))) {
        fprintf(stderr, "karat catalog: %s\n", err.msg[0] ? err.msg : "no photos");
        rc = 2;
    }
    if (!rc && (rc = cli_start(&r.cfg, cli_get(&a, opts, "--data"))) == 0) {
        log_set_level(log_level_parse(r.cfg.log_level));
        csv_name(cli_get(&a, opts, "--output"), csv, sizeof csv);
        r.io = (struct cli_io){&r.cfg, cli_get(&a, opts, "--output"),
                               cli_get(&a, opts, "--csv") ? cli_get(&a, opts, "--csv") : csv, NULL};
        rc = run_catalog(&r, &a, refs, skus);
        app_close(r.app);
        cli_finish(&r.cfg);
    }
    json_decref(refs);
    json_decref(skus);
    return rc;
}
