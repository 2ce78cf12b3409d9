/*
 * myntra_product.c - a Myntra product page (/category/brand/slug/ID/buy).
 *
 * Myntra renders its pages in the browser from the state it assigns to
 * window.__myx, so that state is read first: pdpData.id, name,
 * brand.name, price.discounted and price.mrp (else mrp), the discount
 * percent, ratings.averageRating and ratings.totalCount, and the sellers
 * (the first is shown as the seller; their number is the offer count).
 * A JSON-LD Product fills what the state lacks. The pdp-* markup of a
 * rendered page is the fallback (title .pdp-name, brand .pdp-title, price
 * .pdp-price, MRP .pdp-mrp, .pdp-discount, .index-overallRating,
 * .index-ratingsCount "1.3k Ratings", the supplier's seller name). The
 * style id also comes from the canonical link (".../32169440/buy"). A page
 * with none of these is a layout Karat does not know.
 */
#include "market/market_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void read_state(const json_t *pdp, struct market_item *it)
{
    const json_t *sellers = json_object_get(pdp, "sellers");
    const json_t *id = json_object_get(pdp, "id");
    double count;

    if (json_is_integer(id))
        snprintf(it->id, sizeof it->id, "%lld", (long long)json_integer_value(id));
    market__jset(it->id, sizeof it->id, market__jstr(pdp, "id"));
    market__jset(it->title, sizeof it->title, market__jstr(pdp, "name"));
    market__jset(it->brand, sizeof it->brand, market__jstr(json_object_get(pdp, "brand"), "name"));
    it->price = market__jnum(json_object_get(pdp, "price"), "discounted");
    it->mrp = market__jnum(json_object_get(pdp, "price"), "mrp");
    if (isnan(it->mrp))
        it->mrp = market__jnum(pdp, "mrp");
    it->discount = market__jnum(market__jpath(pdp, "price.discount"), "discountPercent");
    it->rating = market__jnum(json_object_get(pdp, "ratings"), "averageRating");
    count = market__jnum(json_object_get(pdp, "ratings"), "totalCount");
    if (count >= 0 && count < 2e9)
        it->reviews = (long)count;
    market__jset(it->seller, sizeof it->seller,
                 market__jstr(json_array_get(sellers, 0), "sellerName"));
    if (json_array_size(sellers) > 0)
        it->offers = (int)json_array_size(sellers);
}

static void read_markup(struct market__page *p, struct market_item *it)
{
    char buf[MARKET_URL_MAX];

    if (!it->title[0])
        market__text(p, NULL, "//h1[" MARKET_CLASS("pdp-name") "]", it->title, sizeof it->title);
    if (!it->brand[0])
        market__text(p, NULL, "//h1[" MARKET_CLASS("pdp-title") "]", it->brand, sizeof it->brand);
    if (isnan(it->price) &&
        market__text(p, NULL, "//*[" MARKET_CLASS("pdp-price") "]", buf, sizeof buf))
        it->price = market__number(buf);
    if (isnan(it->mrp) &&
        market__text(p, NULL, "//*[" MARKET_CLASS("pdp-mrp") "]", buf, sizeof buf))
        it->mrp = market__number(buf);
    if (isnan(it->discount) &&
        market__text(p, NULL, "//*[" MARKET_CLASS("pdp-discount") "]", buf, sizeof buf))
        it->discount = market__number(buf);
    if (isnan(it->rating) &&
        market__text(p, NULL, "//*[" MARKET_CLASS("index-overallRating") "]/div[1]", buf,
                     sizeof buf))
        it->rating = market__rating(buf);
    if (it->reviews < 0 &&
        market__text(p, NULL, "//*[" MARKET_CLASS("index-ratingsCount") "]", buf, sizeof buf))
        it->reviews = market__count_of(buf);
    if (!it->seller[0])
        market__text(p, NULL, "//*[" MARKET_CLASS("supplier-productSellerName") "]/span",
                     it->seller, sizeof it->seller);
    if (market__text(p, NULL, "//link[@rel='canonical']/@href", buf, sizeof buf)) {
        char *end = strstr(buf, "/buy");
        market__jset(it->url, sizeof it->url, buf);
        if (end && !it->id[0]) {
            char *start = end;
            while (start > buf && start[-1] >= '0' && start[-1] <= '9')
                start--;
            if (start < end && start > buf && start[-1] == '/' && end - start < MARKET_ID_MAX) {
                memcpy(it->id, start, (size_t)(end - start));
                it->id[end - start] = '\0';
            }
        }
    }
}

enum kr_code market__myntra_product(struct market__page *p, struct market_item *out,
                                    struct kr_err *err)
{
    json_t *state = market__script_json(p, "window.__myx");
    const json_t *pdp = json_object_get(state, "pdpData");
    json_t *ld = json_is_object(pdp) ? NULL : market__ld_find(p, "Product");

    if (!json_is_object(pdp) && !ld &&
        !market__count(p, NULL, "//h1[" MARKET_CLASS("pdp-name") "]")) {
        json_decref(state);
        return kr_fail(err, KRS_MARKET_LAYOUT,
                       "market: a Myntra product page with no page state, JSON-LD or pdp markup");
    }
    if (json_is_object(pdp))
        read_state(pdp, out);
    if (ld)
        market__item_from_ld(ld, out);
    json_decref(ld);
    json_decref(state);
    read_markup(p, out);
    return KR_OK;
}
