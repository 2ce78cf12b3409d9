/*
 * cmd_products.c - `karat products import FILE|URL`, `karat products
 * import --sync [filters]` and `karat products list [filters]`.
 *
 * The same product module as /products: import reads a CSV or JSON file
 * (a URL is fetched through the SSRF-guarded fetch, KARAT_FETCH_*), --sync
 * pulls from KARAT_PRODUCTS_URL with the filters; list prints the JSON
 * page GET /products answers. Works on the store in the data folder
 * (APP_STORE: no repository lock, so it runs beside `karat serve`).
 * Exit status: 0 done, 1 the import or query failed, 2 usage.
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "core/buf.h"
#include "core/log.h"
#include "net/net.h"
#include "product/product.h"

#define USAGE                                                                                      \
    "karat products import FILE|URL | import --sync | list  [--category C] [--colour C] "          \
    "[--min-price N] [--max-price N] [--from DATE] [--to DATE] [--q TEXT] [--limit N] "            \
    "[--offset N] [--data DIR]"

static const struct cli_opt opts[] = {
    {"--sync", 0, "import: pull from KARAT_PRODUCTS_URL with the filters"},
    {"--category", 1, "filter: category (any case)"},
    {"--colour", 1, "filter: colour (any case)"},
    {"--min-price", 1, "filter: lowest price"},
    {"--max-price", 1, "filter: highest price"},
    {"--from", 1, "filter: created on or after (YYYY-MM-DD)"},
    {"--to", 1, "filter: created on or before (YYYY-MM-DD)"},
    {"--q", 1, "list: words that must occur in the product's text"},
    {"--limit", 1, "list: rows per page (1..200, default 50)"},
    {"--offset", 1, "list: rows to skip"},
    {"--data", 1, "data folder (KARAT_DATA_DIR, default ./var)"},
    {NULL, 0, NULL},
};

static int int_opt(const struct cli_args *a, const char *name, int def)
{
    const char *v = cli_get(a, opts, name);
    char *end;
    long n = v ? strtol(v, &end, 10) : def;
    return v && (*end || n < -1 || n > 1000000) ? -1 : (int)n; /* -1: refused by the module */
}

static void filter_of(const struct cli_args *a, struct product_filter *f)
{
    *f = (struct product_filter){.category = cli_get(a, opts, "--category"),
                                 .colour = cli_get(a, opts, "--colour"),
                                 .min_price = cli_get(a, opts, "--min-price"),
                                 .max_price = cli_get(a, opts, "--max-price"),
                                 .from = cli_get(a, opts, "--from"),
                                 .to = cli_get(a, opts, "--to"),
                                 .text = cli_get(a, opts, "--q"),
                                 .limit = int_opt(a, "--limit", 50),
                                 .offset = int_opt(a, "--offset", 0)};
}

static enum kr_code do_import(struct app *app, const struct cli_args *a, struct kr_err *err)
{
    struct product_import_stats st = {0};
    struct net_fetch_opts o;
    struct product_filter f;
    struct buf b;
    enum kr_code rc;
    const char *src = a->npos > 1 ? a->pos[1] : NULL;

    net_fetch_opts_from_config(app->cfg, &o);
    filter_of(a, &f);
    if (cli_get(a, opts, "--sync")) {
        rc = product_sync(app->store, app->cfg->products_url, &o, &f, &st, err);
    } else {
        buf_init(&b, (size_t)app->cfg->max_upload_bytes);
        rc = !strncmp(src, "http://", 7) || !strncmp(src, "https://", 8)
                 ? net_fetch(src, &o, &b, NULL, 0, err)
                 : buf_read_file(&b, src, err);
        if (!rc)
            rc = product_import(app->store, b.data ? (const char *)b.data : "", b.len, &st, err);
        buf_release(&b);
    }
    if (!rc)
        printf("{\"imported\": %d}\n", st.imported);
    return rc;
}

static enum kr_code do_list(struct app *app, const struct cli_args *a, struct kr_err *err)
{
    struct product_filter f;
    json_t *out = NULL;
    enum kr_code rc;

    filter_of(a, &f);
    rc = product_list_json(app->store, &f, &out, err);
    if (!rc) {
        json_dumpf(out, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    }
    json_decref(out);
    return rc;
}

int cli_cmd_products(int argc, char **argv)
{
    const struct app_opts o = {APP_STORE, "http://127.0.0.1:8000", NULL, NULL};
    struct app *app = NULL;
    struct kr_err err = {0};
    struct cli_args a;
    struct config cfg;
    const char *verb;
    int rc = cli_parse(argc, argv, opts, USAGE, &a);

    if (rc)
        return rc;
    verb = a.npos > 0 ? a.pos[0] : "";
    if (!(strcmp(verb, "list") == 0 && a.npos == 1) &&
        !(strcmp(verb, "import") == 0 && a.npos == (cli_get(&a, opts, "--sync") ? 1 : 2))) {
        fprintf(stderr, "usage: %s\n", USAGE);
        return 2;
    }
    if (cli_config(&cfg, cli_get(&a, opts, "--data")))
        return 2;
    log_set_level(LOG_WARN);
    if (app_open(&cfg, &o, &app, &err)) {
        fprintf(stderr, "karat products: %s\n", err.msg);
        config_release(&cfg);
        return 2;
    }
    rc = strcmp(verb, "list") == 0 ? do_list(app, &a, &err) : do_import(app, &a, &err);
    if (rc)
        fprintf(stderr, "karat products: %s (%s)\n", err.msg, err.slug);
    app_close(app);
    config_release(&cfg);
    return rc ? 1 : 0;
}
