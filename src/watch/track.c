/*
 * track.c - the watch list over time: refreshing a watch (marketplace, item,
 * query) records one observation: the organic page and position of the item
 * in the query's search results and its first ad slot (Amazon and Flipkart;
 * a watch without a query, or on Myntra, has none), and the price and offer
 * count of its product page. The look-ups are lookup.c's; a part that fails
 * leaves its numbers -1 and names the failure (its slug) in the
 * observation, so the history shows a blocked day as blocked, not as a
 * product that vanished. The store is the caller's (the app's).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "watch/watch_int.h"

static int int_or(const json_t *v, int def)
{
    return json_is_integer(v) ? (int)json_integer_value(v) : def;
}

/* Rank part: page/rank/sponsored of o from the one result. */
static void observe_rank(struct watch_fetcher *f, enum watch_market m, const struct store_watch *w,
                         int max_pages, struct store_watch_obs *o, struct kr_err *e)
{
    const char *ids[1] = {w->item}, *qs[1] = {w->query};
    struct watch_rank_req r = {m, ids, 1, qs, 1, max_pages};
    struct watch_answer a = {0};
    json_t *res, *sp;
    if (watch_rank(f, &r, &a, e))
        return;
    res = json_array_get(json_object_get(json_array_get(a.json, 0), "results"), 0);
    if (a.failed)
        *e = a.last;
    o->page = int_or(json_object_get(res, "page"), -1);
    o->rank = int_or(json_object_get(res, "position_on_page"), -1);
    sp = json_array_get(json_object_get(res, "sponsored"), 0);
    o->sponsored = int_or(json_object_get(sp, "position"), -1);
    json_decref(a.json);
}

/* Product part: price and offers. */
static void observe_product(struct watch_fetcher *f, enum watch_market m,
                            const struct store_watch *w, struct store_watch_obs *o,
                            struct kr_err *e)
{
    const char *ids[1] = {w->item};
    struct watch_answer a = {0};
    json_t *it, *price;
    if (watch_products(f, m, ids, 1, &a, e))
        return;
    it = json_array_get(a.json, 0);
    if (a.failed)
        *e = a.last;
    price = json_object_get(it, "price");
    o->price = json_is_number(price) ? json_number_value(price) : -1;
    o->offers = int_or(json_object_get(it, "offers"), -1);
    json_decref(a.json);
}

void watch_observe(struct watch_fetcher *f, const struct store_watch *w, int max_pages,
                   struct store_watch_obs *o, char *why, size_t why_n)
{
    enum watch_market m;
    struct kr_err e = {0};
    *o = (struct store_watch_obs){w->id, util_epoch_ms(), -1, -1, -1, -1, -1, why};
    why[0] = '\0';
    if (!watch_market_parse(w->market, &m)) {
        util_strlcpy(why, "bad_marketplace", why_n);
        return;
    }
    if (w->query[0] && m != WATCH_MYNTRA)
        observe_rank(f, m, w, max_pages, o, &e);
    if (e.code)
        util_strlcpy(why, kr_slug_text(e.slug_id), why_n);
    memset(&e, 0, sizeof e);
    observe_product(f, m, w, o, &e);
    if (e.code && !why[0])
        util_strlcpy(why, kr_slug_text(e.slug_id), why_n);
}

struct collect {
    struct store_watch *w;
    char (*text)[3][STORE_WATCH_TEXT_MAX + 1];
    size_t n, cap;
    int oom;
};

static int collect_one(const struct store_watch *w, void *ctx)
{
    struct collect *c = ctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        struct store_watch *nw = realloc(c->w, cap * sizeof *nw);
        char(*nt)[3][STORE_WATCH_TEXT_MAX + 1] = nw ? realloc(c->text, cap * sizeof *nt) : NULL;
        if (nw)
            c->w = nw;
        if (!nt)
            return c->oom = 1;
        c->text = nt;
        c->cap = cap;
    }
    util_strlcpy(c->text[c->n][0], w->market, sizeof c->text[0][0]);
    util_strlcpy(c->text[c->n][1], w->item, sizeof c->text[0][0]);
    util_strlcpy(c->text[c->n][2], w->query, sizeof c->text[0][0]);
    c->w[c->n] = *w; /* its strings point into text once the list is complete */
    c->n++;
    return 0;
}

enum kr_code watch_refresh(struct watch_fetcher *f, struct store *s, const struct watch_run *run,
                           struct watch_run_res *res, struct kr_err *err)
{
    struct collect c = {0};
    enum kr_code rc = store_watch_each(s, run->id, collect_one, &c, err);
    memset(res, 0, sizeof *res);
    if (!rc && c.oom)
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory listing watches");
    if (!rc && run->id && c.n == 0)
        rc = kr_fail(err, KRS_WATCH_NOT_FOUND, "no watch %lld", (long long)run->id);
    for (size_t i = 0; i < c.n; i++) { /* text may have moved while it grew */
        c.w[i].market = c.text[i][0];
        c.w[i].item = c.text[i][1];
        c.w[i].query = c.text[i][2];
    }
    for (size_t i = 0; !rc && i < c.n && !(run->stop && run->stop(run->stop_ctx)); i++) {
        struct store_watch_obs o;
        char why[64];
        watch_observe(f, &c.w[i], run->max_pages, &o, why, sizeof why);
        rc = store_watch_observe(s, &o, err);
        res->refreshed++;
        res->failed += why[0] != '\0';
    }
    free(c.w);
    free(c.text);
    return rc;
}
