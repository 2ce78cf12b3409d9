/*
 * lookup.c - the market look-ups behind /get_rank_product,
 * /competitor_analysis and /get_number_of_offers: build the marketplace's
 * URL, fetch it with the polite fetcher (fetch.c), read it with the market
 * parsers (src/market), and give the answer as JSON in the original
 * system's shapes.
 *
 * Every item answers on its own: a page that fails (captcha or access
 * denied: market_blocked; an unknown layout: market_layout; robots.txt,
 * HTTP or network failures) gives that item an "error"/"detail"/"code"
 * entry and null values, never "not found". "not found" is said only of a
 * product a search really did not list in the pages searched. The caller
 * is told how many items failed, and with what, so it can answer 502 when
 * every one did.
 *
 * URLs (relative to the marketplace's base URL):
 *   Amazon   search /s?k=Q&page=N   product /dp/ASIN   offers /gp/offer-listing/ASIN
 *   Flipkart search /search?q=Q&page=N   product /product/p/ITMID
 *   Myntra   product /STYLEID
 */
#include <curl/curl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "market/market.h"
#include "watch/watch_int.h"

_Static_assert((int)WATCH_AMAZON == (int)MARKET_AMAZON &&
                   (int)WATCH_FLIPKART == (int)MARKET_FLIPKART &&
                   (int)WATCH_MYNTRA == (int)MARKET_MYNTRA,
               "watch_market and market_site name the same sites in the same order");

int watch_id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n >= MARKET_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= 'A' && id[i] <= 'Z') || (id[i] >= 'a' && id[i] <= 'z') ||
              (id[i] >= '0' && id[i] <= '9') || id[i] == '-' || id[i] == '_'))
            return 0;
    return 1;
}

const char *watch_id_key(enum watch_market m)
{
    return m == WATCH_FLIPKART ? "itmid" : m == WATCH_MYNTRA ? "style_id" : "asin";
}

/* Fetch url and keep the failure, if any, in err. */
static enum kr_code fetch_page(struct watch_fetcher *f, const char *url, struct buf *page,
                               struct kr_err *err)
{
    buf_init(page, 0);
    return watch_fetch(f, url, page, err);
}

#define URL_MAX 2048

static enum kr_code search_url(struct watch_fetcher *f, enum watch_market m, const char *q,
                               int page, char out[URL_MAX], struct kr_err *err)
{
    const size_t n = URL_MAX;
    char *esc = curl_easy_escape(NULL, q, 0);
    enum kr_code rc;
    if (!esc)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    rc = util_fmt(out, n, m == WATCH_FLIPKART ? "%s/search?q=%s&page=%d" : "%s/s?k=%s&page=%d",
                  watch_market_base(f, m), esc, page);
    curl_free(esc);
    return rc ? kr_fail(err, KRS_INVALID_ARGUMENT, "search query too long") : KR_OK;
}

void watch__error_fields(json_t *o, const struct kr_err *e)
{
    json_object_set_new(o, "error", json_string(e->msg));
    json_object_set_new(o, "detail", json_string(e->msg));
    json_object_set_new(o, "code", json_string(kr_slug_text(e->slug_id)));
}

/* The search pages of one query, fetched in order until every id is found
 * organically, there is no next page, max_pages are read, or one fails. */
struct query_pages {
    struct market_search page[WATCH_PAGES_MAX];
    int n;
    struct kr_err err; /* the failure that stopped it; code 0: none */
    int failed_at;     /* page number that failed, 0 when none did */
};

static int all_found(const struct query_pages *qp, const struct watch_rank_req *r)
{
    for (size_t i = 0; i < r->nids; i++) {
        int found = 0;
        for (int p = 0; p < qp->n && !found; p++)
            for (int k = 0; k < qp->page[p].n && !found; k++)
                found = !qp->page[p].items[k].sponsored &&
                        strcasecmp(qp->page[p].items[k].id, r->ids[i]) == 0;
        if (!found)
            return 0;
    }
    return 1;
}

static void read_query(struct watch_fetcher *f, const struct watch_rank_req *r, const char *q,
                       struct query_pages *qp)
{
    char url[URL_MAX];
    struct buf page = {0};
    memset(qp, 0, sizeof *qp);
    for (int p = 1; p <= r->max_pages && p <= WATCH_PAGES_MAX; p++) {
        enum kr_code rc = search_url(f, r->market, q, p, url, &qp->err);
        if (!rc)
            rc = fetch_page(f, url, &page, &qp->err);
        if (!rc)
            rc = market_parse_search((enum market_site)r->market, (const char *)page.data, page.len,
                                     &qp->page[qp->n], &qp->err);
        buf_release(&page);
        if (rc) {
            qp->failed_at = p;
            return;
        }
        qp->n++;
        if (!qp->page[qp->n - 1].has_next_page || all_found(qp, r))
            return;
    }
}

/* {"search_query", "page", "position_on_page", "sponsored": [{"page","position"}]} */
static json_t *rank_result(const struct query_pages *qp, const char *id, const char *q, int *failed)
{
    json_t *o = json_object(), *sp = json_array();
    int page = 0, pos = 0;
    for (int p = 0; p < qp->n; p++)
        for (int k = 0; k < qp->page[p].n; k++) {
            const struct market_item *it = &qp->page[p].items[k];
            if (strcasecmp(it->id, id) != 0)
                continue;
            if (it->sponsored)
                json_array_append_new(sp, json_pack("{s:i,s:i}", "page", qp->page[p].page,
                                                    "position", it->sponsored_position));
            else if (!page) {
                page = qp->page[p].page > 0 ? qp->page[p].page : p + 1;
                pos = it->position;
            }
        }
    json_object_set_new(o, "search_query", json_string(q));
    if (page) {
        json_object_set_new(o, "page", json_integer(page));
        json_object_set_new(o, "position_on_page", json_integer(pos));
    } else if (qp->failed_at) {
        json_object_set_new(o, "page", json_null());
        json_object_set_new(o, "position_on_page", json_null());
        watch__error_fields(o, &qp->err);
        (*failed)++;
    } else {
        json_object_set_new(o, "page", json_string("not found"));
        json_object_set_new(o, "position_on_page", json_string("not found"));
    }
    json_object_set_new(o, "sponsored", sp);
    json_object_set_new(o, "pages_searched", json_integer(qp->n));
    return o;
}

enum kr_code watch_rank(struct watch_fetcher *f, const struct watch_rank_req *r,
                        struct watch_answer *ans, struct kr_err *err)
{
    struct query_pages *qp = calloc(r->nqueries ? r->nqueries : 1, sizeof *qp);
    json_t *arr = json_array();
    if (!qp || !arr) {
        free(qp);
        json_decref(arr);
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    }
    memset(ans, 0, sizeof *ans);
    for (size_t q = 0; q < r->nqueries; q++)
        read_query(f, r, r->queries[q], &qp[q]);
    for (size_t i = 0; i < r->nids; i++) {
        json_t *one = json_object(), *res = json_array();
        int failed = 0;
        for (size_t q = 0; q < r->nqueries; q++)
            json_array_append_new(res, rank_result(&qp[q], r->ids[i], r->queries[q], &failed));
        json_object_set_new(one, watch_id_key(r->market), json_string(r->ids[i]));
        json_object_set_new(one, "results", res);
        json_array_append_new(arr, one);
        ans->total += (int)r->nqueries;
        ans->failed += failed;
    }
    for (size_t q = 0; q < r->nqueries; q++) {
        if (qp[q].failed_at && !ans->last.code)
            ans->last = qp[q].err;
        for (int p = 0; p < qp[q].n; p++)
            market_search_free(&qp[q].page[p]);
    }
    free(qp);
    ans->json = arr;
    return KR_OK;
}

static json_t *num_or_null(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

/* One product page read into its JSON entry. */
static json_t *product_json(struct watch_fetcher *f, enum watch_market m, const char *id,
                            struct market_item *it, struct kr_err *e)
{
    static const char *const fmt[WATCH_NMARKETS] = {"%s/dp/%s", "%s/product/p/%s", "%s/%s"};
    char url[1024];
    struct buf page = {0};
    enum kr_code rc;
    json_t *o = json_object();

    memset(it, 0, sizeof *it);
    json_object_set_new(o, watch_id_key(m), json_string(id));
    rc = util_fmt(url, sizeof url, fmt[m], watch_market_base(f, m), id);
    rc = rc ? kr_fail(e, KRS_INVALID_ARGUMENT, "id too long") : fetch_page(f, url, &page, e);
    if (!rc)
        rc = market_parse_product((enum market_site)m, (const char *)page.data, page.len, it, e);
    buf_release(&page);
    if (rc) {
        watch__error_fields(o, e);
        return o;
    }
    json_object_set_new(o, "title", json_string(it->title));
    json_object_set_new(o, "price", num_or_null(it->price));
    json_object_set_new(o, "mrp", num_or_null(it->mrp));
    json_object_set_new(o, "discount", num_or_null(it->discount));
    json_object_set_new(o, "rating", num_or_null(it->rating));
    json_object_set_new(o, "reviews", it->reviews >= 0 ? json_integer(it->reviews) : json_null());
    json_object_set_new(o, "best_seller_rank", json_string(it->rank));
    json_object_set_new(o, "seller", json_string(it->seller));
    json_object_set_new(o, "offers", it->offers >= 0 ? json_integer(it->offers) : json_null());
    json_object_set_new(o, "url", json_string(url));
    return o;
}

enum kr_code watch_products(struct watch_fetcher *f, enum watch_market m, const char *const *ids,
                            size_t n, struct watch_answer *ans, struct kr_err *err)
{
    json_t *arr = json_array();
    if (!arr)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    memset(ans, 0, sizeof *ans);
    for (size_t i = 0; i < n; i++) {
        struct market_item it;
        struct kr_err e = {0};
        json_array_append_new(arr, product_json(f, m, ids[i], &it, &e));
        ans->total++;
        if (e.code) {
            ans->failed++;
            ans->last = e;
        }
    }
    ans->json = arr;
    return KR_OK;
}

enum kr_code watch_offers(struct watch_fetcher *f, const char *const *ids, size_t n,
                          struct watch_answer *ans, struct kr_err *err)
{
    json_t *arr = json_array();
    if (!arr)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    memset(ans, 0, sizeof *ans);
    for (size_t i = 0; i < n; i++) {
        char url[1024];
        struct buf page = {0};
        struct kr_err e = {0};
        int count = -1;
        json_t *o = json_pack("{s:s}", "asin", ids[i]);
        enum kr_code rc = util_fmt(url, sizeof url, "%s/gp/offer-listing/%s",
                                   watch_market_base(f, WATCH_AMAZON), ids[i]);
        rc = rc ? kr_fail(&e, KRS_INVALID_ARGUMENT, "id too long") : fetch_page(f, url, &page, &e);
        if (!rc)
            rc = market_parse_offers((const char *)page.data, page.len, &count, &e);
        buf_release(&page);
        ans->total++;
        if (rc) {
            json_object_set_new(o, "offers", json_null());
            watch__error_fields(o, &e);
            ans->failed++;
            ans->last = e;
        } else {
            json_object_set_new(o, "offers", json_integer(count));
        }
        json_array_append_new(arr, o);
    }
    ans->json = arr;
    return KR_OK;
}
