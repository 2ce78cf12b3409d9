/*
 * market.c - the market watch look-ups of the original system, working:
 *   POST /get_rank_product     {"asin", "search_query", "marketplace": amazon|flipkart}
 *   POST /competitor_analysis  {"asins", "marketplace": amazon|flipkart|myntra}
 *   POST /get_number_of_offers {"asins" (or "asin"), "marketplace": amazon}
 * Lists are the original's comma-separated strings or JSON arrays of
 * strings; at most KARAT_MARKET_MAX_ITEMS ids and as many queries. Bad
 * input (no ids, a malformed id, an unsupported marketplace) is a 400
 * before anything is fetched; too many is a 413. The pages are fetched and
 * read by src/watch (politely: robots.txt, rate limit, cache, retries) and
 * each item answers on its own; when every item failed the answer is the
 * last failure's status (502 for a captcha page: market_blocked). The
 * competitor and offer sheets are stored under excel_files/ in the default
 * bucket and their URL returned, as the original did.
 */
#include "api/api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "watch/watch.h"

#define LIST_MAX 100  /* the config bound of KARAT_MARKET_MAX_ITEMS */
#define TEXT_MAX 512  /* one search query */
#define URL_LEN  1400 /* a stored file's URL */

struct list {
    char *copy; /* the comma-separated text split in place */
    const char *v[LIST_MAX];
    size_t n;
};

static int list_add(struct list *l, const char *s, size_t cap)
{
    if (l->n >= cap)
        return -1;
    l->v[l->n++] = s;
    return 0;
}

/* body[key] as a list: "a, b" or ["a", "b"]; empty entries dropped. 0, or
 * -1 after a 4xx. */
static int read_list(const json_t *body, const char *key, size_t cap, struct http_response *res,
                     struct list *l)
{
    const json_t *v = json_object_get(body, key), *e;
    size_t i;
    memset(l, 0, sizeof *l);
    if (json_is_string(v)) {
        char *save = NULL;
        l->copy = strdup(json_string_value(v));
        for (char *t = l->copy ? strtok_r(l->copy, ",", &save) : NULL; t;
             t = strtok_r(NULL, ",", &save))
            if (*util_trim(t) && list_add(l, util_trim(t), cap))
                goto too_many;
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, e)
        {
            if (!json_is_string(e)) {
                http_res_error(res, KRS_BAD_JSON, "%s: a list of strings is expected", key);
                return -1;
            }
            if (*json_string_value(e) && list_add(l, json_string_value(e), cap))
                goto too_many;
        }
    }
    if (l->n == 0) {
        http_res_error(res, KRS_INVALID_ARGUMENT,
                       "%s: give at least one (a comma-separated string "
                       "or a list)",
                       key);
        return -1;
    }
    return 0;
too_many:
    http_res_error(res, KRS_TOO_MANY_ITEMS, "%s: at most %zu in one request", key, cap);
    return -1;
}

static int check_ids(const struct list *l, struct http_response *res)
{
    for (size_t i = 0; i < l->n; i++)
        if (!watch_id_ok(l->v[i])) {
            http_res_error(res, KRS_INVALID_ARGUMENT,
                           "'%.80s' is not an ASIN or item id (1-63 letters, digits, - or _)",
                           l->v[i]);
            return -1;
        }
    return 0;
}

/* The marketplace, one of those allowed (mask of 1 << market). */
static int read_market(const json_t *body, unsigned allowed, struct http_response *res,
                       enum watch_market *m)
{
    const char *name = json_string_value(json_object_get(body, "marketplace"));
    if (!name && allowed == 1u) /* Amazon only: the marketplace may be left out */
        name = "amazon";
    if (!name || !watch_market_parse(name, m) || !(allowed & (1u << *m))) {
        http_res_error(res, KRS_BAD_MARKETPLACE, "Marketplace not supported: '%.40s' (here: %s)",
                       name ? name : "",
                       allowed == 1u   ? "amazon"
                       : allowed == 3u ? "amazon or flipkart"
                                       : "amazon, flipkart or myntra");
        return -1;
    }
    return 0;
}

/* 0 when the app can fetch; else -1 after a 503. */
static int have_fetcher(struct app *app, struct http_response *res)
{
    if (app->watch)
        return 0;
    http_res_error(res, KRS_UNAVAILABLE, "the market fetcher is not set up in this process");
    return -1;
}

/* A sheet of a look-up's entries: excel_files/<name>, the entries' cols. */
struct sheet_spec {
    const char *name;
    const char *const *cols;
    size_t ncols;
};

/* Write rows as excel_files/<name> in the default bucket; url gets its URL. */
static enum kr_code store_sheet(struct app *app, const struct sheet_spec *sp, const json_t *rows,
                                char url[URL_LEN], struct kr_err *err)
{
    char path[1024], key[128];
    struct buf b;
    enum kr_code rc;
    int fd;

    if (util_fmt(path, sizeof path, "%s/karat-market-XXXXXX", config_tmp_dir(app->cfg)))
        return kr_fail(err, KRS_WRITE_FAILED, "scratch folder path too long");
    fd = mkstemp(path);
    if (fd < 0)
        return kr_fail(err, KRS_WRITE_FAILED, "cannot create a scratch file in %s",
                       config_tmp_dir(app->cfg));
    close(fd);
    buf_init(&b, 64u << 20);
    rc = watch_xlsx_write(path, rows, sp->cols, sp->ncols, err);
    if (!rc)
        rc = buf_read_file(&b, path, err);
    unlink(path);
    util_fmt(key, sizeof key, "excel_files/%s", sp->name);
    if (!rc)
        rc = repo_put_file(app->repo, app->cfg->default_bucket, key, b.data, b.len, err);
    if (!rc)
        repo_url_for(app->repo, app->cfg->default_bucket, key, url, URL_LEN);
    buf_release(&b);
    return rc;
}

/* The answer of a look-up: 200 with the entries unless every one failed. */
static void respond(struct http_response *res, struct watch_answer *a, json_t *body);

/* {"result": entries, "url": the sheet's URL}, the sheet stored first
 * (unless every entry failed). Takes a->json. */
static void respond_with_sheet(struct app *app, struct http_response *res, struct watch_answer *a,
                               const struct sheet_spec *sp)
{
    char url[URL_LEN] = "";
    struct kr_err err = {0};
    if (a->failed < a->total && store_sheet(app, sp, a->json, url, &err)) {
        http_res_from_err(res, &err);
        json_decref(a->json);
        return;
    }
    respond(res, a, json_pack("{s:o,s:s}", "result", a->json, "url", url));
}

static void respond(struct http_response *res, struct watch_answer *a, json_t *body)
{
    if (a->total && a->failed == a->total) {
        struct kr_err e = a->last;
        kr_err_prefix(&e, "every item failed; the last: ");
        http_res_from_err(res, &e);
        json_decref(body);
    } else {
        http_res_json(res, 200, body);
    }
}

void api_get_rank_product(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct list ids = {0}, qs = {0};
    struct watch_rank_req r = {0};
    struct watch_answer a = {0};
    struct kr_err err = {0};
    json_t *body = http_req_json(req, res);

    if (!body || have_fetcher(app, res) || read_market(body, 3u, res, &r.market) ||
        read_list(body, "asin", (size_t)app->cfg->market_max_items, res, &ids) ||
        check_ids(&ids, res) ||
        read_list(body, "search_query", (size_t)app->cfg->market_max_items, res, &qs))
        goto out;
    for (size_t i = 0; i < qs.n; i++)
        if (strlen(qs.v[i]) > TEXT_MAX) {
            http_res_error(res, KRS_INVALID_ARGUMENT, "a search query is over %d bytes", TEXT_MAX);
            goto out;
        }
    r = (struct watch_rank_req){r.market, ids.v, ids.n, qs.v, qs.n, app->cfg->market_max_pages};
    if (watch_rank(app->watch, &r, &a, &err))
        http_res_from_err(res, &err);
    else
        respond(res, &a, a.json);
out:
    free(ids.copy);
    free(qs.copy); /* body is the request's (http_req_json): not ours to free */
}

static const char *const product_cols[] = {
    "asin",    "itmid",  "style_id",         "title",  "price", "mrp", "discount", "rating",
    "reviews", "offers", "best_seller_rank", "seller", "url"};

void api_competitor_analysis(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct list ids = {0};
    struct watch_answer a = {0};
    struct kr_err err = {0};
    enum watch_market m;
    char name[64];
    json_t *body = http_req_json(req, res);

    if (!body || have_fetcher(app, res) || read_market(body, 7u, res, &m) ||
        read_list(body, "asins", (size_t)app->cfg->market_max_items, res, &ids) ||
        check_ids(&ids, res))
        goto out;
    if (watch_products(app->watch, m, ids.v, ids.n, &a, &err)) {
        http_res_from_err(res, &err);
        goto out;
    }
    util_fmt(name, sizeof name, "%s_products.xlsx", watch_market_name(m));
    respond_with_sheet(
        app, res, &a,
        &(struct sheet_spec){name, product_cols, sizeof product_cols / sizeof *product_cols});
out:
    free(ids.copy);
}

void api_get_number_of_offers(struct http_request *req, struct http_response *res, void *app_)
{
    static const char *const cols[] = {"asin", "offers"};
    struct app *app = app_;
    struct list ids = {0};
    struct watch_answer a = {0};
    struct kr_err err = {0};
    enum watch_market m;
    json_t *body = http_req_json(req, res);

    if (!body || have_fetcher(app, res) || read_market(body, 1u, res, &m) ||
        read_list(body, json_object_get(body, "asins") ? "asins" : "asin",
                  (size_t)app->cfg->market_max_items, res, &ids) ||
        check_ids(&ids, res))
        goto out;
    if (watch_offers(app->watch, ids.v, ids.n, &a, &err)) {
        http_res_from_err(res, &err);
        goto out;
    }
    respond_with_sheet(app, res, &a, &(struct sheet_spec){"amazon_offers.xlsx", cols, 2});
out:
    free(ids.copy);
}
