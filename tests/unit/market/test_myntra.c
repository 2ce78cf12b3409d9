/*
 * test_myntra.c - the Myntra product parser (src/market/myntra_product.c):
 * the page state in window.__myx, the pdp-* markup of a rendered page
 * when there is no state, and a layout Myntra never had. Myntra search
 * pages are not read (unsupported, after the blocked check).
 */
#include "market_test.h"

#include <string.h>

static void test_state(void **state)
{
    struct kr_err err = {0};
    struct market_item it;
    (void)state;
    assert_int_equal(mt_product(MARKET_MYNTRA, "myntra_product.html", &it, &err), KR_OK);
    assert_string_equal(it.id, "32169440");
    assert_string_equal(it.title, "Gold-Toned Contemporary Jhumkas");
    assert_string_equal(it.brand, "Zaveri Pearls");
    assert_string_equal(it.url, "https://www.myntra.com/jhumka/zaveri-pearls/"
                                "zaveri-pearls-gold-toned-contemporary-jhumkas/32169440/buy");
    assert_float_equal(it.price, 749, 1e-9);
    assert_float_equal(it.mrp, 2499, 1e-9);
    assert_float_equal(it.discount, 70, 1e-9);
    assert_float_equal(it.rating, 4.2136, 1e-9);
    assert_int_equal(it.reviews, 1342);
    assert_string_equal(it.seller, "Zaveri Pearls Pvt Ltd");
    assert_int_equal(it.offers, 2);
}

static void test_markup(void **state)
{
    struct kr_err err = {0};
    struct market_item it;
    (void)state;
    assert_int_equal(mt_product(MARKET_MYNTRA, "myntra_product_markup.html", &it, &err), KR_OK);
    assert_string_equal(it.id, "32169440");
    assert_string_equal(it.title, "Gold-Toned Contemporary Jhumkas");
    assert_string_equal(it.brand, "Zaveri Pearls");
    assert_float_equal(it.price, 749, 1e-9);
    assert_float_equal(it.mrp, 2499, 1e-9);
    assert_float_equal(it.discount, 70, 1e-9);
    assert_float_equal(it.rating, 4.2, 1e-9);
    assert_int_equal(it.reviews, 1300); /* "1.3k Ratings" */
    assert_string_equal(it.seller, "Zaveri Pearls Pvt Ltd");
    assert_int_equal(it.offers, -1);
}

static void test_layout_and_search(void **state)
{
    struct kr_err err = {0};
    struct market_item it;
    struct market_search s;
    (void)state;
    assert_int_equal(mt_product(MARKET_MYNTRA, "amazon_changed_layout.html", &it, &err),
                     KR_EUPSTREAM);
    assert_int_equal(err.slug_id, KRS_MARKET_LAYOUT);
    memset(&err, 0, sizeof err);
    assert_int_equal(mt_search(MARKET_MYNTRA, "myntra_product.html", &s, &err), KR_EUNSUPPORTED);
    assert_int_equal(err.slug_id, KRS_UNSUPPORTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state),
        cmocka_unit_test(test_markup),
        cmocka_unit_test(test_layout_and_search),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
