/*
 * test_amazon.c - the Amazon.in parsers (src/market/amazon_*.c) on the
 * hand-written fixtures of tests/data/market, value by value: organic and
 * sponsored positions, widgets that are not results, both title layouts,
 * Indian digit grouping, "1.2K" counts, pagination on the first and last
 * page, a real empty page, a changed layout (never empty, never "not
 * found"), product pages with and without JSON-LD (structured data wins),
 * and the offer count.
 */
#include "market_test.h"

#include <string.h>

struct want {
    const char *id;
    int sponsored, position, sponsored_position;
    double price, mrp, discount, rating;
    long reviews;
};

static void check(const struct market_item *it, const struct want *w, int slot)
{
    assert_string_equal(it->id, w->id);
    assert_int_equal(it->slot, slot);
    assert_int_equal(it->sponsored, w->sponsored);
    assert_int_equal(it->position, w->position);
    assert_int_equal(it->sponsored_position, w->sponsored_position);
#define SAME(a, b) (isnan(b) ? assert_true(isnan(a)) : assert_float_equal(a, b, 1e-9))
    SAME(it->price, w->price);
    SAME(it->mrp, w->mrp);
    SAME(it->discount, w->discount);
    SAME(it->rating, w->rating);
#undef SAME
    assert_int_equal(it->reviews, w->reviews);
}

static void test_search_page1(void **state)
{
    static const struct want want[] = {
        {"B0SPON0001", 1, 0, 1, 299, 1999, 85, 3.9, 5120},
        {"B0ORG00001", 0, 1, 0, 349, 1299, 73, 4.1, 2345},
        {"B0ORG00002", 0, 2, 0, 123456, NAN, NAN, 4.5, 1200},
        {"B0SPON0002", 1, 0, 2, 199, NAN, NAN, NAN, -1},
        {"B0ORG00003", 0, 3, 0, NAN, NAN, NAN, NAN, -1},
        {"B0TARGET01", 0, 4, 0, 799, 2499, 68, 4.0, 87},
    };
    struct kr_err err = {0};
    struct market_search s;
    (void)state;
    assert_int_equal(mt_search(MARKET_AMAZON, "amazon_search_p1.html", &s, &err), KR_OK);
    assert_int_equal(s.n, 6); /* the brand carousel and the empty-asin row are not results */
    for (int i = 0; i < 6; i++)
        check(&s.items[i], &want[i], i + 1);
    assert_int_equal(s.page, 1);
    assert_int_equal(s.has_next_page, 1);
    assert_int_equal(s.total, 2000);
    assert_string_equal(s.items[0].title,
                        "Shining Diva Fashion Gold Plated Jhumka Earrings for Women");
    assert_string_equal(s.items[0].brand, "SHINING DIVA");
    assert_string_equal(s.items[1].title,
                        "Zaveri Pearls Gold Tone Traditional Jhumki Earrings For Women-ZPFK9371");
    assert_string_equal(s.items[1].brand, "");
    assert_string_equal(s.items[2].brand, "Tanishq");
    assert_string_equal(s.items[4].title, "Generic Gold Hoop Earrings & Studs Combo");
    assert_string_equal(s.items[5].url, "/Karat-Demo-Kundan-Earrings/dp/B0TARGET01/ref=sr_1_4");
    assert_string_equal(s.items[1].url,
                        "/Zaveri-Pearls-Traditional-Earrings-ZPFK9371/dp/B0ORG00001/"
                        "ref=sr_1_1?keywords=gold+earrings&qid=1764650000&sr=8-1");
    market_search_free(&s);
    assert_null(s.items);
}

static void test_search_last_page(void **state)
{
    static const struct want want[] = {
        {"B0ORG00010", 0, 1, 0, 455, NAN, NAN, NAN, -1},
        {"B0SPON0003", 1, 0, 1, NAN, NAN, NAN, NAN, -1},
        {"B0TARGET02", 0, 2, 0, 1050, NAN, NAN, NAN, -1},
    };
    struct kr_err err = {0};
    struct market_search s;
    (void)state;
    assert_int_equal(mt_search(MARKET_AMAZON, "amazon_search_p2.html", &s, &err), KR_OK);
    assert_int_equal(s.n, 3);
    for (int i = 0; i < 3; i++)
        check(&s.items[i], &want[i], i + 1);
    assert_int_equal(s.page, 2);
    assert_int_equal(s.has_next_page, 0); /* Next is a disabled span */
    assert_int_equal(s.total, 51);
    market_search_free(&s);
}

static void test_search_empty_and_layout(void **state)
{
    struct kr_err err = {0};
    struct market_search s;
    (void)state;
    assert_int_equal(mt_search(MARKET_AMAZON, "amazon_search_empty.html", &s, &err), KR_OK);
    assert_int_equal(s.n, 0);
    assert_int_equal(s.page, 1);
    assert_int_equal(s.has_next_page, 0);
    market_search_free(&s);

    assert_int_equal(mt_search(MARKET_AMAZON, "amazon_changed_layout.html", &s, &err),
                     KR_EUPSTREAM);
    assert_int_equal(err.slug_id, KRS_MARKET_LAYOUT);
    assert_null(s.items);
    /* an Amazon page is not a Flipkart search either */
    memset(&err, 0, sizeof err);
    assert_int_equal(mt_search(MARKET_FLIPKART, "amazon_search_p1.html", &s, &err), KR_EUPSTREAM);
    assert_int_equal(err.slug_id, KRS_MARKET_LAYOUT);
}

static void test_product_markup(void **state)
{
    struct kr_err err = {0};
    struct market_item it;
    (void)state;
    assert_int_equal(mt_product(MARKET_AMAZON, "amazon_product.html", &it, &err), KR_OK);
    assert_string_equal(it.id, "B0TARGET01");
    assert_string_equal(it.title,
                        "Alya Kundan Drop Earrings in 18K Gold Plating for Women and Girls");
    assert_string_equal(it.url, "https://www.amazon.in/Alya-Kundan-Drop-Earrings/dp/B0TARGET01");
    assert_string_equal(it.brand, "Alya");
    assert_float_equal(it.price, 799, 1e-9);
    assert_float_equal(it.mrp, 2499, 1e-9);
    assert_float_equal(it.discount, 68, 1e-9);
    assert_float_equal(it.rating, 4.0, 1e-9);
    assert_int_equal(it.reviews, 87);
    assert_string_equal(it.seller, "Alya Jewels");
    assert_int_equal(it.offers, 4);
    assert_string_equal(it.rank, "#12,345 in Jewellery #87 in Drop & Dangle Earrings");
    assert_int_equal(it.sponsored, 0);
}

static void test_product_json_ld(void **state)
{
    struct kr_err err = {0};
    struct market_item it;
    (void)state;
    assert_int_equal(mt_product(MARKET_AMAZON, "amazon_product_ld.html", &it, &err), KR_OK);
    assert_string_equal(it.id, "B0ORG00001");
    /* JSON-LD over markup: the name, not "(markup title)"; 349, not 360 */
    assert_string_equal(it.title,
                        "Zaveri Pearls Gold Tone Traditional Jhumki Earrings For Women-ZPFK9371");
    assert_float_equal(it.price, 349, 1e-9);
    assert_string_equal(it.url, "https://www.amazon.in/dp/B0ORG00001");
    assert_string_equal(it.brand, "Zaveri Pearls");
    assert_string_equal(it.seller, "Zaveri Pearls India");
    assert_int_equal(it.offers, 3);
    assert_float_equal(it.rating, 4.1, 1e-9);
    assert_int_equal(it.reviews, 2345);
    /* markup fills what JSON-LD lacks */
    assert_float_equal(it.mrp, 1299, 1e-9);
    assert_float_equal(it.discount, 73, 1e-9); /* computed: (1299-349)/1299 */
    assert_string_equal(it.rank, "#4,210 in Jewellery #33 in Jhumki Earrings");
}

static void test_product_layout_and_missing(void **state)
{
    static const char dog[] = "<html><head><title>Page Not Found</title></head><body>"
                              "<div><b>Sorry! We couldn't find that page. Try searching or go to "
                              "Amazon's home page.</b></div></body></html>";
    struct kr_err err = {0};
    struct market_item it;
    (void)state;
    assert_int_equal(mt_product(MARKET_AMAZON, "amazon_changed_layout.html", &it, &err),
                     KR_EUPSTREAM);
    assert_int_equal(err.slug_id, KRS_MARKET_LAYOUT);
    assert_string_equal(it.title, "");
    assert_true(isnan(it.price));
    memset(&err, 0, sizeof err);
    assert_int_equal(market_parse_product(MARKET_AMAZON, dog, sizeof dog - 1, &it, &err),
                     KR_ENOTFOUND);
    assert_int_equal(err.slug_id, KRS_NOT_FOUND);
}

/* The fallbacks: rating only as star text, seller in the 2024 merchant
 * block, id from the canonical link, price in the apex block, brand as
 * "Brand: X", offers in the aod ingress box, rank in a details table. */
static void test_product_fallbacks(void **state)
{
    static const char page[] =
        "<html><head><link rel='canonical' href='https://www.amazon.in/x/dp/B0FALLBK01?th=1'>"
        "</head><body><span id='productTitle'> T </span><a id='bylineInfo'>Brand: Sukkhi</a>"
        "<div id='apex_desktop'><span class='a-price'><span class='a-offscreen'>&#8377;1,050.50"
        "</span></span></div><span id='acrPopover'><i><span class='a-icon-alt'>4.4 out of 5 "
        "stars</span></i></span><span id='acrCustomerReviewText'>1,204 ratings</span>"
        "<div id='merchantInfoFeature_feature_div'><span class='a-size-small "
        "offer-display-feature-text-message'>Sukkhi Fashion Store</span></div>"
        "<div id='dynamic-aod-ingress-box'><span>New (12) from</span></div>"
        "<table id='productDetails_db_sections'><tr><th>Best Sellers Rank</th><td>#9 in Jewellery"
        " (See Top 100 in Jewellery)</td></tr></table></body></html>";
    struct kr_err err = {0};
    struct market_item it;
    (void)state;
    assert_int_equal(market_parse_product(MARKET_AMAZON, page, sizeof page - 1, &it, &err), KR_OK);
    assert_string_equal(it.id, "B0FALLBK01");
    assert_string_equal(it.title, "T");
    assert_string_equal(it.brand, "Sukkhi");
    assert_float_equal(it.price, 1050.5, 1e-9);
    assert_float_equal(it.rating, 4.4, 1e-9);
    assert_int_equal(it.reviews, 1204);
    assert_string_equal(it.seller, "Sukkhi Fashion Store");
    assert_int_equal(it.offers, 12);
    assert_string_equal(it.rank, "#9 in Jewellery");
    assert_true(isnan(it.mrp) && isnan(it.discount));
}

static void test_offers(void **state)
{
    /* the list alone (no stated count): pinned + listed offers */
    static const char listed[] = "<div id='aod-container'><div id='aod-pinned-offer'>a</div>"
                                 "<div id='aod-offer-list'><div id='aod-offer'>b</div><div "
                                 "id='aod-offer'>c</div></div></div>";
    static const char none[] = "<div id='aod-container'><div id='aod-offer-list'></div></div>";
    static const char olp[] =
        "<div id='olpOfferList'><div class='a-row a-spacing-mini olpOffer'>x</div>"
        "<div class='a-row olpOffer'>y</div></div>";
    struct kr_err err = {0};
    size_t len;
    char *html = mt_load("amazon_offers.html", &len);
    int n = 0;
    (void)state;
    assert_int_equal(market_parse_offers(html, len, &n, &err), KR_OK);
    assert_int_equal(n, 4);
    free(html);
    assert_int_equal(market_parse_offers(listed, sizeof listed - 1, &n, &err), KR_OK);
    assert_int_equal(n, 3);
    assert_int_equal(market_parse_offers(none, sizeof none - 1, &n, &err), KR_OK);
    assert_int_equal(n, 0);
    assert_int_equal(market_parse_offers(olp, sizeof olp - 1, &n, &err), KR_OK);
    assert_int_equal(n, 2);
    html = mt_load("amazon_product.html", &len); /* not an offer page */
    assert_int_equal(market_parse_offers(html, len, &n, &err), KR_EUPSTREAM);
    assert_int_equal(err.slug_id, KRS_MARKET_LAYOUT);
    assert_int_equal(n, -1);
    free(html);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search_page1),
        cmocka_unit_test(test_search_last_page),
        cmocka_unit_test(test_search_empty_and_layout),
        cmocka_unit_test(test_product_markup),
        cmocka_unit_test(test_product_json_ld),
        cmocka_unit_test(test_product_layout_and_missing),
        cmocka_unit_test(test_product_fallbacks),
        cmocka_unit_test(test_offers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
