/*
 * flipkart_product.c - a Flipkart product page (/slug/p/itm...).
 *
 * Read in order, each filling only what is still unknown:
 *   1. the page state (window.__INITIAL_STATE__):
 *      pageDataV4.page.pageData.pageContext holds itemId, productId,
 *      titles (newTitle carries the brand), brand, pricing (finalPrice,
 *      mrp, totalDiscount) and rating (average, count);
 *   2. the JSON-LD Product (name, sku, brand, offer price, rating);
 *   3. markup: div#sellerName's first text (the seller; its rating
 *      follows in a sibling), the h1 title and the canonical link.
 * Flipkart shows no best-seller rank and no offer count on the page. A
 * page with neither structured data nor an h1 is a layout Karat does not
 * know.
 */
#include "market/market_int.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

#include "core/util.h"

static void read_context(const json_t *ctx, struct market_item *it)
{
    const json_t *titles = json_object_get(ctx, "titles");
    double count;

    market__jset(it->id, sizeof it->id, market__jstr(ctx, "itemId"));
    market__jset(it->pid, sizeof it->pid, market__jstr(ctx, "productId"));
    market__jset(it->title, sizeof it->title, market__jstr(titles, "newTitle"));
    market__jset(it->title, sizeof it->title, market__jstr(titles, "title"));
    market__jset(it->brand, sizeof it->brand, market__jstr(ctx, "brand"));
    market__jset(it->url, sizeof it->url, market__jstr(market__jpath(ctx, "seo"), "webUrl"));
    it->price = market__jnum(market__jpath(ctx, "pricing.finalPrice"), "value");
    it->mrp = market__jnum(market__jpath(ctx, "pricing.mrp"), "value");
    it->discount = market__jnum(market__jpath(ctx, "pricing"), "totalDiscount");
    it->rating = market__jnum(market__jpath(ctx, "rating"), "average");
    count = market__jnum(market__jpath(ctx, "rating"), "count");
    if (count >= 0 && count < 2e9)
        it->reviews = (long)count;
}

static void read_markup(struct market__page *p, struct market_item *it)
{
    market__text(p, NULL, "(//*[@id='sellerName']//span[not(*)])[1]", it->seller,
                 sizeof it->seller);
    if (!it->title[0])
        market__text(p, NULL, "(//h1)[1]", it->title, sizeof it->title);
    market__canonical(p, it, "/p/itm", 3, 1);
}

enum kr_code market__flipkart_product(struct market__page *p, struct market_item *out,
                                      struct kr_err *err)
{
    json_t *state = market__script_json(p, "window.__INITIAL_STATE__");
    const json_t *ctx = market__jpath(state, "pageDataV4.page.pageData.pageContext");
    json_t *ld = market__ld_find(p, "Product");
    int have_ctx = market__jstr(ctx, "itemId") != NULL;

    if (!have_ctx && !ld && !market__count(p, NULL, "//h1")) {
        json_decref(state);
        return kr_fail(err, KRS_MARKET_LAYOUT,
                       "market: a Flipkart product page with no page state, JSON-LD or title");
    }
    if (have_ctx)
        read_context(ctx, out);
    if (ld) {
        market__item_from_ld(ld, out);
        /* the JSON-LD sku is the pid, not the item id */
        if (!out->pid[0] && out->id[0] && strncmp(out->id, "ITM", 3) != 0) {
            util_strlcpy(out->pid, out->id, sizeof out->pid);
            out->id[0] = '\0';
        }
    }
    json_decref(ld);
    json_decref(state);
    read_markup(p, out);
    for (char *c = out->id; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    return KR_OK;
}
