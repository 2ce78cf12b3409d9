/*
 * test_flipkart.c - the Flipkart parsers (src/market/flipkart_*.c): the
 * search page read from its page state (product summary widgets only, ad
 * slots apart, brands that only the state carries), the same results read
 * from markup when the state has none (last page: no Next link), a real
 * empty page, a layout Flipkart never had, and the product page (page
 * state, JSON-LD and #sellerName together).
 */
#include "market_test.h"

#include <string.h>

static const char *const ids[] = {"ITMGKHZ7ZQ3UJXKP", "ITMH8JZCVW6Y7YQZ", "ITMFZ2QYHD5GXKBR",
                                  "ITMGBN4UKFJWX6DH", "ITMKARATDEMO0001"};
static const int sponsored[] = {1, 0, 0, 1, 0};
static const int position[] = {0, 1, 2, 0, 3};
static const int sponsored_position[] = {1, 0, 0, 2, 0};
static const double price[] = {299, 449, 1249, 219, 799};
static const double mrp[] = {1499, 2299, 3999, 999, 2499};
static const double discount[] = {80, 80, 68, 78, 68};
static const long reviews[] = {12345, 8765, -1, 1200, 87};

static void check_results(const struct market_search *s)
{
    assert_int_equal(s->n, 5);
    for (int i = 0; i < 5; i++) {
        const struct market_item *it = &s->items[i];
        char pid[32];
        snprintf(pid, sizeof pid, "ERG%s", ids[i] + 3); /* the fixture's pids */
        assert_string_equal(it->id, ids[i]);
        assert_string_equal(it->pid, pid);
        assert_int_equal(it->slot, i + 1);
        assert_int_equal(it->sponsored, sponsored[i]);
        assert_int_equal(it->position, position[i]);
        assert_int_equal(it->sponsored_position, sponsored_position[i]);
        assert_float_equal(it->price, price[i], 1e-9);
        assert_float_equal(it->mrp, mrp[i], 1e-9);
        assert_float_equal(it->discount, discount[i], 1e-9);
        assert_int_equal(it->reviews, reviews[i]);
    }
    assert_true(isnan(s->items[2].rating));
    assert_float_equal(s->items[3].rating, 3.9, 1e-9);
    assert_string_equal(s->items[4].title, "Kundan Drop Earrings in 18K Gold Plating");
    assert_string_equal(s->items[4].url, "/alya-kundan-drop-earrings/p/itmkaratdemo0001"
                                         "?pid=ERGKARATDEMO0001&lid=LSTERGKARATDEMO0001QWERTY");
    assert_int_equal(s->total, 12345);
}

static void test_search_state(void **state)
{
    struct kr_err err = {0};
    struct market_search s;
    (void)state;
    assert_int_equal(mt_search(MARKET_FLIPKART, "flipkart_search.html", &s, &err), KR_OK);
    check_results(&s);
    assert_string_equal(s.items[0].brand, "Sukkhi"); /* only the state has brands */
    assert_string_equal(s.items[1].brand, "Zaveri Pearls");
    assert_int_equal(s.page, 1);
    assert_int_equal(s.has_next_page, 1);
    market_search_free(&s);
}

static void test_search_markup(void **state)
{
    struct kr_err err = {0};
    struct market_search s;
    (void)state;
    assert_int_equal(mt_search(MARKET_FLIPKART, "flipkart_search_markup.html", &s, &err), KR_OK);
    check_results(&s);
    assert_string_equal(s.items[0].brand, "");
    assert_string_equal(s.items[0].title, "Gold-plated Alloy Jhumki Earring");
    assert_int_equal(s.page, 25);
    assert_int_equal(s.has_next_page, 0);
    market_search_free(&s);
}

static void test_search_empty_and_layout(void **state)
{
    static const char empty[] =
        "<html><body><div class='_1YokD2'><div class='DUFPUZ'>"
        "<div class='BHPsUQ'>Sorry, no results found!</div>"
        "<div class='XR3cwZ'>Please check the spelling or try searching for something else</div>"
        "</div></div><script>window.__INITIAL_STATE__ = {\"pageDataV4\":{\"page\":{\"data\":{}}}};"
        "</script></body></html>";
    struct kr_err err = {0};
    struct market_search s;
    (void)state;
    assert_int_equal(market_parse_search(MARKET_FLIPKART, empty, sizeof empty - 1, &s, &err),
                     KR_OK);
    assert_int_equal(s.n, 0);
    assert_int_equal(s.has_next_page, 0);
    market_search_free(&s);
    assert_int_equal(mt_search(MARKET_FLIPKART, "amazon_changed_layout.html", &s, &err),
                     KR_EUPSTREAM);
    assert_int_equal(err.slug_id, KRS_MARKET_LAYOUT);
}

static void test_product(void **state)
{
    struct kr_err err = {0};
    struct market_item it;
    (void)state;
    assert_int_equal(mt_product(MARKET_FLIPKART, "flipkart_product.html", &it, &err), KR_OK);
    assert_string_equal(it.id, "ITMGKHZ7ZQ3UJXKP");
    assert_string_equal(it.pid, "ERGGKHZ7ZQ3UJXKP");
    assert_string_equal(it.title, "SUKKHI Gold-plated Alloy Jhumki Earring");
    assert_string_equal(it.brand, "SUKKHI");
    assert_string_equal(
        it.url,
        "https://www.flipkart.com/sukkhi-gold-plated-alloy-jhumki-earring/p/itmgkhz7zq3ujxkp");
    assert_float_equal(it.price, 299, 1e-9);
    assert_float_equal(it.mrp, 1499, 1e-9);
    assert_float_equal(it.discount, 80, 1e-9);
    assert_float_equal(it.rating, 4.1, 1e-9);
    assert_int_equal(it.reviews, 12345);
    assert_string_equal(it.seller, "SUKKHI FASHION");
    assert_string_equal(it.rank, "");
    assert_int_equal(it.offers, -1);

    assert_int_equal(mt_product(MARKET_FLIPKART, "amazon_changed_layout.html", &it, &err),
                     KR_EUPSTREAM);
    assert_int_equal(err.slug_id, KRS_MARKET_LAYOUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search_state),
        cmocka_unit_test(test_search_markup),
        cmocka_unit_test(test_search_empty_and_layout),
        cmocka_unit_test(test_product),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
