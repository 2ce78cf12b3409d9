/*
 * flipkart_search.c - a Flipkart search results page.
 *
 * Structured data first: the page state in window.__INITIAL_STATE__ holds
 * the results as widgets of type PRODUCT_SUMMARY (pageDataV4.page.data,
 * slot by slot, in page order), each listing products whose
 * productInfo.value carries id (the pid), itemId, titles.title,
 * productBrand, pricing (finalPrice.value, mrp.value, totalDiscount),
 * rating (average, count) and baseUrl. An ad slot has a non-null adInfo
 * next to its productInfo (or isSponsored / sponsored true in the value).
 * Other widgets (recently viewed, filters) are not results.
 *
 * Markup is the fallback when the state has no product widget: a result
 * is a div[@data-id] (the pid) holding a link to /p/itm...; title from the
 * link's title attribute or the image's alt text, prices from the leaf
 * texts that start with "₹" (the selling price, then the struck MRP), the
 * "% off" text, productRating_* for stars, "(12,345)" for the ratings,
 * and an "Ad" / "Sponsored" mark for ad slots.
 *
 * Item ids are upper case ("ITM..."), as the state writes them (links
 * write them in lower case). Page number and next page come from the
 * server-rendered pager in both cases ("Page 1 of 25", a "Next" link);
 * "Sorry, no results found!" with no result is a real empty page.
 */
#include "market/market_int.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

#define WALK_DEPTH 24 /* how deep the state is searched for widgets */

static void upper(char *s)
{
    for (; *s; s++)
        *s = (char)toupper((unsigned char)*s);
}

static int truthy(const json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

static void read_state_product(const json_t *prod, struct market_item *it)
{
    const json_t *v = market__jpath(prod, "productInfo.value");
    const json_t *ad = json_object_get(prod, "adInfo");
    double count;

    market__item_reset(it);
    market__jset(it->id, sizeof it->id, market__jstr(v, "itemId"));
    upper(it->id);
    market__jset(it->pid, sizeof it->pid, market__jstr(v, "id"));
    market__jset(it->title, sizeof it->title, market__jstr(market__jpath(v, "titles"), "title"));
    market__jset(it->brand, sizeof it->brand, market__jstr(v, "productBrand"));
    market__jset(it->url, sizeof it->url, market__jstr(v, "baseUrl"));
    market__id_after(it->url, "/p/itm", 3, 1, it->id, sizeof it->id);
    it->price = market__jnum(market__jpath(v, "pricing.finalPrice"), "value");
    it->mrp = market__jnum(market__jpath(v, "pricing.mrp"), "value");
    it->discount = market__jnum(market__jpath(v, "pricing"), "totalDiscount");
    it->rating = market__jnum(market__jpath(v, "rating"), "average");
    count = market__jnum(market__jpath(v, "rating"), "count");
    it->reviews = count >= 0 && count < 2e9 ? (long)count : -1;
    it->sponsored = (json_is_object(ad) && json_object_size(ad) > 0) || truthy(v, "isSponsored") ||
                    truthy(v, "sponsored") || truthy(prod, "isSponsored");
}

struct walk {
    struct market_search *out;
    int widgets;
    enum kr_code rc;
    struct kr_err *err;
};

/* Depth-first over the state, in document order, for product widgets. */
static void walk(const json_t *v, int depth, struct walk *w)
{
    const char *key;
    const json_t *c, *p;
    size_t i;

    if (depth > WALK_DEPTH || w->rc != KR_OK)
        return;
    if (json_is_object(v)) {
        const char *type = market__jstr(json_object_get(v, "widget"), "type");
        if (type && strncmp(type, "PRODUCT_SUMMARY", 15) == 0) {
            struct market_item it;
            w->widgets++;
            json_array_foreach(market__jpath(v, "widget.data.products"), i, p)
            {
                if (w->rc != KR_OK || !market__jpath(p, "productInfo.value"))
                    continue;
                read_state_product(p, &it);
                w->rc = market__search_add(w->out, &it, w->err);
            }
            return;
        }
        json_object_foreach((json_t *)v, key, c) walk(c, depth + 1, w);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, c) walk(c, depth + 1, w);
    }
}

static void read_card(struct market__page *p, xmlNodePtr card, struct market_item *it)
{
    char buf[MARKET_TEXT_MAX];
    xmlXPathObjectPtr r;
    xmlChar *pid = xmlGetProp(card, (const xmlChar *)"data-id");

    market__item_reset(it);
    market__clean(pid ? (const char *)pid : "", it->pid, sizeof it->pid);
    xmlFree(pid);
    market__text(p, card, "(.//a[contains(@href,'/p/itm')]/@href)[1]", it->url, sizeof it->url);
    market__id_after(it->url, "/p/itm", 3, 1, it->id, sizeof it->id);
    if (!market__text(p, card, "(.//a[contains(@href,'/p/itm')]/@title)[1]", it->title,
                      sizeof it->title))
        market__text(p, card, "(.//img/@alt)[1]", it->title, sizeof it->title);
    r = market__nodes(p, card, ".//*[not(*)][starts-with(normalize-space(.),'₹')]");
    if (r) {
        market__node_text(r->nodesetval->nodeTab[0], buf, sizeof buf);
        it->price = market__number(buf);
        if (r->nodesetval->nodeNr > 1) {
            market__node_text(r->nodesetval->nodeTab[1], buf, sizeof buf);
            it->mrp = market__number(buf);
        }
    }
    xmlXPathFreeObject(r);
    if (market__text(p, card, ".//*[not(*)][contains(., '% off')]", buf, sizeof buf))
        it->discount = market__number(buf);
    if (market__text(p, card, ".//span[starts-with(@id,'productRating_')]", buf, sizeof buf))
        it->rating = market__rating(buf);
    if (market__text(p, card, ".//span[not(*)][starts-with(normalize-space(.),'(')]", buf,
                     sizeof buf))
        it->reviews = market__count_of(buf);
    it->sponsored = market__count(p, card,
                                  ".//*[not(*)][normalize-space(.)='Ad' or "
                                  "normalize-space(.)='Sponsored']") > 0;
}

/* "Page 3 of 25", a Next link, "Showing 1 – 40 of 12,345 results". */
static void read_pager(struct market__page *p, struct market_search *out)
{
    char buf[MARKET_TEXT_MAX];
    const char *of;

    if (market__text(p, NULL,
                     "(//span[not(*)][starts-with(normalize-space(.),'Page ')]"
                     "[contains(.,' of ')])[1]",
                     buf, sizeof buf))
        out->page = (int)market__count_of(buf);
    out->has_next_page =
        market__count(p, NULL, "//a[normalize-space(.)='Next'][contains(@href,'page=')]") > 0;
    out->total = -1;
    if (market__text(p, NULL, "(//span[starts-with(normalize-space(.),'Showing ')])[1]", buf,
                     sizeof buf) &&
        (of = strstr(buf, " of ")) != NULL)
        out->total = market__count_of(of + 4);
}

enum kr_code market__flipkart_search(struct market__page *p, struct market_search *out,
                                     struct kr_err *err)
{
    json_t *state = market__script_json(p, "window.__INITIAL_STATE__");
    struct walk w = {out, 0, KR_OK, err};

    if (state)
        walk(state, 0, &w);
    json_decref(state);
    if (w.rc != KR_OK)
        return w.rc;
    if (w.widgets == 0) {
        enum kr_code rc = market__search_nodes(p, "//div[@data-id][.//a[contains(@href,'/p/itm')]]",
                                               read_card, out, err);
        if (rc != KR_OK)
            return rc;
    }
    read_pager(p, out);
    if (out->n == 0 && !market__count(p, NULL,
                                      "//*[not(self::script)]"
                                      "[contains(text(),'Sorry, no results found')]"))
        return kr_fail(err, KRS_MARKET_LAYOUT,
                       "market: a Flipkart page with no search results and no 'no results' "
                       "notice");
    return KR_OK;
}
