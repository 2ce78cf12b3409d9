/*
 * watch.c - the market watch list (Karat's own; the original had none):
 *   POST   /watch       {"marketplace", "asin" | "itmid" | "item", "search_query"?} -> 201 the
 * watch GET    /watch       {"watches": [watch + its latest observation]} GET    /watch/{id}
 * {"watch", "history": [observations, newest first]} DELETE /watch/{id}  {"deleted": id} POST
 * /watch/{id}/refresh  one observation now -> {"watch", "history"} The store keeps the list and
 * every observation (src/store, both backends); `karat watch run` and `karat serve` with
 * KARAT_WATCH_INTERVAL refresh it. Needs the server's store (400 no_store without one).
 */
#include "api/api_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "watch/watch.h"

#define HISTORY_MAX 500 /* observations GET /watch/{id} returns */

static int need_store(struct app *app, struct http_response *res)
{
    if (app->store)
        return 0;
    http_res_error(res, KRS_NO_STORE, "the watch list needs the server's store");
    return -1;
}

static json_t *obs_json(const struct store_watch_obs *o)
{
    char at[40];
    util_iso8601(o->at_ms, at, sizeof at);
    return json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:s}", "at", at, "page",
                     o->page >= 0 ? json_integer(o->page) : json_null(), "position_on_page",
                     o->rank >= 0 ? json_integer(o->rank) : json_null(), "sponsored_position",
                     o->sponsored >= 0 ? json_integer(o->sponsored) : json_null(), "price",
                     o->price >= 0 ? json_real(o->price) : json_null(), "offers",
                     o->offers >= 0 ? json_integer(o->offers) : json_null(), "error", o->error);
}

static json_t *watch_json(const struct store_watch *w)
{
    char at[40];
    enum watch_market m = WATCH_AMAZON;
    watch_market_parse(w->market, &m);
    util_iso8601(w->created_ms, at, sizeof at);
    return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)w->id, "marketplace", w->market,
                     watch_id_key(m), w->item, "item", w->item, "search_query", w->query,
                     "created_at", at);
}

static int add_obs(const struct store_watch_obs *o, void *ctx)
{
    json_array_append_new(ctx, obs_json(o));
    return 0;
}

struct listing {
    struct app *app;
    json_t *arr;
    int limit; /* observations per watch */
    struct kr_err err;
    enum kr_code rc;
};

static int add_watch(const struct store_watch *w, void *ctx)
{
    struct listing *l = ctx;
    json_t *o = watch_json(w), *h = json_array();
    l->rc = store_watch_history(l->app->store, w->id, l->limit, add_obs, h, &l->err);
    if (l->limit == 1) {
        json_object_set(o, "latest", json_array_size(h) ? json_array_get(h, 0) : json_null());
        json_decref(h);
    } else {
        json_object_set_new(o, "history", h);
    }
    json_array_append_new(l->arr, o);
    return l->rc != KR_OK;
}

/* The watch id of the path; -1 after a 400. */
static int path_id(struct http_request *req, struct http_response *res, int64_t *id)
{
    const char *v = http_req_param(req, "id");
    char *end = NULL;
    long long n = v ? strtoll(v, &end, 10) : 0;
    if (!v || end == v || *end || n <= 0) {
        http_res_error(res, KRS_INVALID_ARGUMENT, "a watch id is a positive integer");
        return -1;
    }
    *id = n;
    return 0;
}

/* {"watch", "history"} of id, or the failure. */
static void answer_one(struct app *app, struct http_response *res, int64_t id)
{
    struct listing l = {app, json_array(), HISTORY_MAX, {0}, KR_OK};
    enum kr_code rc = store_watch_each(app->store, id, add_watch, &l, &l.err);
    json_t *w = json_array_get(l.arr, 0);
    if (!rc)
        rc = l.rc;
    if (!rc && !w)
        rc = kr_fail(&l.err, KRS_WATCH_NOT_FOUND, "no watch %lld", (long long)id);
    if (rc) {
        http_res_from_err(res, &l.err);
    } else {
        json_t *h = json_incref(json_object_get(w, "history"));
        json_object_del(w, "history");
        http_res_json(res, 200, json_pack("{s:O,s:o}", "watch", w, "history", h));
    }
    json_decref(l.arr);
}

void api_watch_list(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct listing l = {app, json_array(), 1, {0}, KR_OK};
    enum kr_code rc;
    (void)req;
    if (need_store(app, res)) {
        json_decref(l.arr);
        return;
    }
    rc = store_watch_each(app->store, 0, add_watch, &l, &l.err);
    if (rc || l.rc) {
        http_res_from_err(res, &l.err);
        json_decref(l.arr);
        return;
    }
    http_res_json(res, 200, json_pack("{s:o}", "watches", l.arr));
}

void api_watch_get(struct http_request *req, struct http_response *res, void *app_)
{
    int64_t id;
    if (need_store(app_, res) || path_id(req, res, &id))
        return;
    answer_one(app_, res, id);
}

void api_watch_delete(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct kr_err err = {0};
    int64_t id;
    if (need_store(app, res) || path_id(req, res, &id))
        return;
    if (store_watch_delete(app->store, id, &err))
        http_res_from_err(res, &err);
    else
        http_res_json(res, 200, json_pack("{s:I}", "deleted", (json_int_t)id));
}

/* The watch of a POST /watch body into w (strings borrowed from body). */
static int read_watch(const json_t *body, struct http_response *res, struct store_watch *w)
{
    static const char *const keys[] = {"asin", "itmid", "style_id", "item"};
    const char *q = json_string_value(json_object_get(body, "search_query"));
    enum watch_market m;
    memset(w, 0, sizeof *w);
    w->market = json_string_value(json_object_get(body, "marketplace"));
    for (size_t i = 0; i < 4 && !w->item; i++)
        w->item = json_string_value(json_object_get(body, keys[i]));
    if (!w->market || !watch_market_parse(w->market, &m)) {
        http_res_error(res, KRS_BAD_MARKETPLACE, "marketplace: amazon, flipkart or myntra");
        return -1;
    }
    if (!watch_id_ok(w->item)) {
        http_res_error(res, KRS_INVALID_ARGUMENT,
                       "asin (or itmid, style_id, item): 1-63 letters, digits, - or _");
        return -1;
    }
    if (q && (strlen(q) > 200 || (*q && m == WATCH_MYNTRA))) {
        http_res_error(res, KRS_INVALID_ARGUMENT,
                       "search_query: at most 200 bytes, and no "
                       "search rank on Myntra");
        return -1;
    }
    w->market = watch_market_name(m);
    w->query = q ? q : "";
    w->created_ms = util_epoch_ms();
    return 0;
}

static int count_one(const struct store_watch *w, void *ctx)
{
    (void)w;
    ++*(long *)ctx;
    return 0;
}

void api_watch_add(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct store_watch w;
    struct kr_err err = {0};
    json_t *body = http_req_json(req, res); /* the request's: not ours to free */
    long n = 0;
    if (!body || need_store(app, res) || read_watch(body, res, &w))
        return;
    if (store_watch_each(app->store, 0, count_one, &n, &err)) {
        http_res_from_err(res, &err);
        return;
    }
    if (n >= app->cfg->watch_max) {
        http_res_error(res, KRS_TOO_MANY_ITEMS, "the watch list is full (KARAT_WATCH_MAX = %d)",
                       app->cfg->watch_max);
        return;
    }
    if (store_watch_add(app->store, &w, &w.id, &err))
        http_res_from_err(res, &err);
    else
        http_res_json(res, 201, watch_json(&w));
}

void api_watch_refresh(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct kr_err err = {0};
    struct watch_run_res r;
    int64_t id;
    if (need_store(app, res) || path_id(req, res, &id))
        return;
    if (!app->watch) {
        http_res_error(res, KRS_UNAVAILABLE, "the market fetcher is not set up in this process");
        return;
    }
    if (watch_refresh(app->watch, app->store,
                      &(struct watch_run){.id = id, .max_pages = app->cfg->market_max_pages}, &r,
                      &err))
        http_res_from_err(res, &err);
    else
        answer_one(app, res, id);
}
