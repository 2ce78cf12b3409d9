/*
 * cmd_watch.c - `karat watch add|list|run`: the market watch list from the
 * command line, on the store in the data folder (APP_STORE: no repository
 * lock, so it runs beside `karat serve`).
 *   karat watch add --market amazon --item B0... [--query "kundan earrings"]
 *   karat watch list                 the watches, JSON
 *   karat watch run [--id N]         observe every watch (or one) now
 * `run` fetches the marketplaces' pages through the polite fetcher
 * (KARAT_MARKET_*) and stores one observation per watch; its JSON says how
 * many were refreshed and how many had a part that failed.
 * Exit status: 0 done, 1 the store or a look-up failed, 2 usage.
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "core/log.h"
#include "core/util.h"
#include "watch/watch.h"

#define USAGE                                                                                      \
    "karat watch add --market amazon|flipkart|myntra --item ID [--query TEXT] | list | "           \
    "run [--id N]  [--data DIR]"

static const struct cli_opt opts[] = {
    {"--market", 1, "add: amazon, flipkart or myntra"},
    {"--item", 1, "add: the ASIN, Flipkart itmid or Myntra style id"},
    {"--query", 1, "add: the search query whose rank is tracked (optional)"},
    {"--id", 1, "run: only this watch"},
    {"--data", 1, "data folder (KARAT_DATA_DIR, default ./var)"},
    {NULL, 0, NULL},
};

static int print_watch(const struct store_watch *w, void *ctx)
{
    json_array_append_new(ctx,
                          json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)w->id, "marketplace",
                                    w->market, "item", w->item, "search_query", w->query));
    return 0;
}

static enum kr_code do_add(struct app *app, const struct cli_args *a, struct kr_err *err)
{
    enum watch_market m;
    const char *q = cli_get(a, opts, "--query");
    struct store_watch w = {0, cli_get(a, opts, "--market"), cli_get(a, opts, "--item"), q ? q : "",
                            util_epoch_ms()};
    enum kr_code rc;
    if (!w.market || !watch_market_parse(w.market, &m))
        return kr_fail(err, KRS_BAD_MARKETPLACE, "--market: amazon, flipkart or myntra");
    if (!watch_id_ok(w.item))
        return kr_fail(err, KRS_INVALID_ARGUMENT, "--item: 1-63 letters, digits, - or _");
    w.market = watch_market_name(m);
    rc = store_watch_add(app->store, &w, &w.id, err);
    if (!rc)
        printf("{\"id\": %lld}\n", (long long)w.id);
    return rc;
}

static enum kr_code do_list(struct app *app, struct kr_err *err)
{
    json_t *arr = json_array();
    enum kr_code rc = store_watch_each(app->store, 0, print_watch, arr, err);
    if (!rc) {
        json_dumpf(arr, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    }
    json_decref(arr);
    return rc;
}

static enum kr_code do_run(struct app *app, const struct cli_args *a, struct kr_err *err)
{
    const char *id = cli_get(a, opts, "--id");
    struct watch_run run = {.id = id ? strtoll(id, NULL, 10) : 0,
                            .max_pages = app->cfg->market_max_pages};
    struct watch_run_res res;
    enum kr_code rc;
    if (id && run.id <= 0)
        return kr_fail(err, KRS_INVALID_ARGUMENT, "--id: a positive watch id");
    rc = watch_refresh(app->watch, app->store, &run, &res, err);
    if (!rc)
        printf("{\"refreshed\": %d, \"failed\": %d}\n", res.refreshed, res.failed);
    return rc;
}

int cli_cmd_watch(int argc, char **argv)
{
    struct app_opts o = {APP_STORE, "http://127.0.0.1:8000", NULL, NULL};
    struct app *app = NULL;
    struct kr_err err = {0};
    struct cli_args a;
    struct config cfg;
    const char *verb;
    int rc = cli_parse(argc, argv, opts, USAGE, &a);

    if (rc)
        return rc;
    verb = a.npos == 1 ? a.pos[0] : "";
    if (strcmp(verb, "add") && strcmp(verb, "list") && strcmp(verb, "run")) {
        fprintf(stderr, "usage: %s\n", USAGE);
        return 2;
    }
    if (cli_config(&cfg, cli_get(&a, opts, "--data")))
        return 2;
    log_set_level(LOG_WARN);
    if (strcmp(verb, "run") == 0)
        o.parts |= APP_AI; /* libcurl and the market fetcher */
    if (app_open(&cfg, &o, &app, &err)) {
        fprintf(stderr, "karat watch: %s\n", err.msg);
        config_release(&cfg);
        return 2;
    }
    rc = !strcmp(verb, "add")    ? do_add(app, &a, &err)
         : !strcmp(verb, "list") ? do_list(app, &err)
                                 : do_run(app, &a, &err);
    if (rc)
        fprintf(stderr, "karat watch: %s (%s)\n", err.msg, err.slug);
    app_close(app);
    config_release(&cfg);
    return rc ? 1 : 0;
}
