/*
 * amazon_product.c - an Amazon.in product page (/dp/ASIN).
 *
 * A JSON-LD Product, when the page has one, is read first (title, sku,
 * brand, price, offer count, seller, rating); the markup then fills what
 * is still unknown, by element ids that have been stable for years:
 *   title #productTitle, ASIN input#ASIN (else the canonical /dp/ link),
 *   brand #bylineInfo ("Visit the X Store", "Brand: X"),
 *   price .priceToPay / the core price block's .a-price .a-offscreen,
 *   M.R.P. the struck-through price (data-a-strike), discount
 *   .savingsPercentage, rating #acrPopover's title (or its star text),
 *   ratings #acrCustomerReviewText, seller #sellerProfileTriggerId, the
 *   2024 merchant-info block's text, or the "Sold by" sentence of
 *   #merchant-info, offers "New (4) from" in the offer-listing
 *   link, Best Sellers Rank from the detail bullets or the product details
 *   table (the "(See Top 100 in ...)" links dropped).
 * Amazon's "page not found" page is KR_ENOTFOUND (not_found); a page with
 * neither structured data nor #productTitle is a layout Karat does not know.
 */
#include "market/market_int.h"

#include <math.h>
#include <string.h>

#include "core/util.h"

#define CORE_PRICE "//*[starts-with(@id,'corePrice') or @id='apex_desktop']"

static const char *const price_paths[] = {
    CORE_PRICE "//span[" MARKET_CLASS("priceToPay") "]/span[@class='a-offscreen']",
    CORE_PRICE "//span[" MARKET_CLASS("a-price") " and not(@data-a-strike)]"
                                                 "/span[@class='a-offscreen']",
    "//*[@id='priceblock_dealprice' or @id='priceblock_ourprice']",
};

/* The first path in paths[0..n) with a non-empty text, into out. */
static int first_text(struct market__page *p, const char *const *paths, size_t n, char *out,
                      size_t on)
{
    for (size_t i = 0; i < n; i++)
        if (market__text(p, NULL, paths[i], out, on))
            return 1;
    return 0;
}

/* Remove every "(See Top 100 in ...)" from s, in place, and clean it. */
static void drop_see_top(char *s, size_t n)
{
    char *at;
    while ((at = strstr(s, "(See Top")) != NULL) {
        char *close = strchr(at, ')');
        if (!close)
            break;
        memmove(at, close + 1, strlen(close + 1) + 1);
    }
    market__clean(s, s, n);
}

static void read_rank(struct market__page *p, struct market_item *it)
{
    char buf[MARKET_TITLE_MAX];
    const char *text = buf;

    if (market__text(
            p, NULL,
            "//*[@id='detailBulletsWrapper_feature_div' or @id='detailBullets_feature_div']"
            "//li[.//span[" MARKET_CLASS("a-text-bold") "][contains(.,'Best Sellers Rank')]]",
            buf, sizeof buf)) {
        const char *colon = strchr(buf, ':');
        text = colon ? colon + 1 : buf;
    } else if (!market__text(p, NULL,
                             "//table[starts-with(@id,'productDetails')]"
                             "//tr[th[contains(.,'Best Sellers Rank')]]/td",
                             buf, sizeof buf)) {
        return;
    }
    market__clean(text, it->rank, sizeof it->rank);
    drop_see_top(it->rank, sizeof it->rank);
}

/* "Sold by X and Fulfilled by Amazon." -> "X". */
static void seller_from_sentence(const char *s, char *out, size_t n)
{
    const char *at = strstr(s, "Sold by ");
    size_t k;
    if (!at)
        return;
    at += 8;
    k = strcspn(at, ".");
    if (strstr(at, " and ") && (size_t)(strstr(at, " and ") - at) < k)
        k = (size_t)(strstr(at, " and ") - at);
    if (k >= n)
        k = n - 1;
    memcpy(out, at, k);
    out[k] = '\0';
    market__clean(out, out, n);
}

/* "Visit the Alya Store" / "Brand: Alya" -> "Alya". */
static void brand_from_byline(char *s, size_t n)
{
    size_t len = strlen(s);
    if (strncmp(s, "Visit the ", 10) == 0 && len > 16 && strcmp(s + len - 6, " Store") == 0) {
        s[len - 6] = '\0';
        memmove(s, s + 10, len - 10 - 6 + 1);
    } else if (strncmp(s, "Brand: ", 7) == 0) {
        memmove(s, s + 7, len - 7 + 1);
    }
    market__clean(s, s, n);
}

/* Rating, ratings count, seller and offer count. */
static void read_people(struct market__page *p, struct market_item *it)
{
    char buf[MARKET_TEXT_MAX];

    if (isnan(it->rating) &&
        (market__text(p, NULL, "//*[@id='acrPopover']/@title", buf, sizeof buf) ||
         market__text(p, NULL, "//*[@id='acrPopover']//span[@class='a-icon-alt']", buf,
                      sizeof buf)))
        it->rating = market__rating(buf);
    if (it->reviews < 0 &&
        market__text(p, NULL, "//*[@id='acrCustomerReviewText']", buf, sizeof buf))
        it->reviews = market__count_of(buf);
    if (!it->seller[0] &&
        !market__text(p, NULL, "//*[@id='sellerProfileTriggerId']", it->seller,
                      sizeof it->seller) &&
        !market__text(p, NULL,
                      "//*[@id='merchantInfoFeature_feature_div']"
                      "//*[" MARKET_CLASS("offer-display-feature-text-message") "]",
                      it->seller, sizeof it->seller) &&
        market__text(p, NULL, "//*[@id='merchant-info']", buf, sizeof buf))
        seller_from_sentence(buf, it->seller, sizeof it->seller);
    if (it->offers < 0 &&
        market__text(p, NULL,
                     "//*[@id='olpLinkWidget_feature_div' or contains(@id,'aod-ingress')]"
                     "//span[starts-with(normalize-space(.),'New (')]",
                     buf, sizeof buf))
        it->offers = (int)market__count_of(buf);
}

static void read_markup(struct market__page *p, struct market_item *it)
{
    char buf[MARKET_TEXT_MAX];

    if (!it->title[0])
        market__text(p, NULL, "//*[@id='productTitle']", it->title, sizeof it->title);
    if (!it->id[0])
        market__text(p, NULL, "//input[@id='ASIN']/@value", it->id, sizeof it->id);
    market__canonical(p, it, "/dp/", 4, 0);
    if (!it->brand[0] && market__text(p, NULL, "//*[@id='bylineInfo']", buf, sizeof buf)) {
        brand_from_byline(buf, sizeof buf);
        util_strlcpy(it->brand, buf, sizeof it->brand);
    }
    if (isnan(it->price) && first_text(p, price_paths, 3, buf, sizeof buf))
        it->price = market__number(buf);
    if (isnan(it->mrp) &&
        market__text(p, NULL, CORE_PRICE "//span[@data-a-strike='true']/span[@class='a-offscreen']",
                     buf, sizeof buf))
        it->mrp = market__number(buf);
    if (isnan(it->discount) &&
        market__text(p, NULL, CORE_PRICE "//*[" MARKET_CLASS("savingsPercentage") "]", buf,
                     sizeof buf))
        it->discount = market__number(buf);
    read_people(p, it);
    read_rank(p, it);
}

enum kr_code market__amazon_product(struct market__page *p, struct market_item *out,
                                    struct kr_err *err)
{
    json_t *ld = market__ld_find(p, "Product");
    int title = market__count(p, NULL, "//*[@id='productTitle']") > 0;

    if (!ld && !title) {
        if (market__count(p, NULL, "//*[contains(text(),\"couldn't find that page\")]"))
            return kr_fail(err, KRS_NOT_FOUND, "market: Amazon has no such product page");
        return kr_fail(err, KRS_MARKET_LAYOUT,
                       "market: an Amazon product page with neither JSON-LD nor #productTitle");
    }
    if (ld)
        market__item_from_ld(ld, out);
    json_decref(ld);
    read_markup(p, out);
    return KR_OK;
}
