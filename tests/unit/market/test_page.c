/*
 * test_page.c - the helpers every market parser shares (src/market/page.c
 * and embedded.c): Indian price parsing, counts with K/L/M, ratings, text
 * cleaning (NBSP, direction marks, cuts on a code point boundary), result
 * positions and their cap, JSON-LD and inline-state extraction.
 */
#include "market_test.h"

#include <string.h>

#include "market/market_int.h"

static void test_numbers(void **state)
{
    (void)state;
    assert_float_equal(market__number("₹1,23,456"), 123456, 1e-9);
    assert_float_equal(market__number("₹1,23,456.50"), 123456.5, 1e-9);
    assert_float_equal(market__number("Rs. 1,299.00"), 1299, 1e-9);
    assert_float_equal(market__number("-73%"), 73, 1e-9);
    assert_true(isnan(market__number("₹")));
    assert_true(isnan(market__number(NULL)));
    assert_float_equal(market__number("1,"), 1, 1e-9);
    assert_int_equal(market__count_of("(1.2K)"), 1200);
    assert_int_equal(market__count_of("1.3k Ratings"), 1300);
    assert_int_equal(market__count_of("2 L ratings"), 200000);
    assert_int_equal(market__count_of("12,345 Ratings"), 12345);
    assert_int_equal(market__count_of("1 Lakh"), 1); /* only a bare L is a lakh */
    assert_int_equal(market__count_of("no digits"), -1);
    assert_int_equal(market__count_of("99999999999999999999"), -1);
    assert_float_equal(market__rating("4.1 out of 5 stars"), 4.1, 1e-9);
    assert_true(isnan(market__rating("12 out of 5")));
}

static void test_clean(void **state)
{
    char out[16];
    (void)state;
    market__clean("  Date\xe2\x80\x8f :\xc2\xa0\xe2\x80\x8e 12 \n\t March ", out, sizeof out);
    assert_string_equal(out, "Date : 12 March");
    market__clean("abcdefghijklm\xe2\x82\xb9", out, sizeof out); /* "₹" would be cut: dropped */
    assert_string_equal(out, "abcdefghijklm");
    market__clean("abcdefghijklmn ", out, sizeof out);
    assert_string_equal(out, "abcdefghijklmn");
    market__clean(NULL, out, sizeof out);
    assert_string_equal(out, "");
}

static void test_positions_and_cap(void **state)
{
    struct kr_err err = {0};
    struct market_search s = {0};
    struct market_item it;
    (void)state;
    market__item_reset(&it);
    for (int i = 0; i < MARKET_ITEMS_MAX + 5; i++) {
        it.sponsored = i % 3 == 0;
        assert_int_equal(market__search_add(&s, &it, &err), KR_OK);
    }
    assert_int_equal(s.n, MARKET_ITEMS_MAX);
    assert_int_equal(s.items[0].sponsored_position, 1);
    assert_int_equal(s.items[1].position, 1);
    assert_int_equal(s.items[2].position, 2);
    assert_int_equal(s.items[3].sponsored_position, 2);
    assert_int_equal(s.items[MARKET_ITEMS_MAX - 1].slot, MARKET_ITEMS_MAX);
    market_search_free(&s);
}

static void test_embedded(void **state)
{
    static const char page[] =
        "<html><head><script type='application/ld+json'>[{\"@type\":[\"Thing\",\"Product\"],"
        "\"name\":\"N\",\"offers\":[{\"price\":\"1,299.00\"},{\"price\":5}],"
        "\"aggregateRating\":{\"ratingValue\":9,\"reviewCount\":\"12\"}}]</script></head>"
        "<body><script>var a = 1; window.__myx  =  {\"k\": [1, 2]}; more();</script>"
        "<script>window.__nojson = 5;</script></body></html>";
    struct kr_err err = {0};
    struct market__page p;
    struct market_item it;
    json_t *ld, *st;
    (void)state;
    assert_int_equal(market__page_open(page, sizeof page - 1, &p, &err), KR_OK);
    ld = market__ld_find(&p, "Product");
    assert_non_null(ld);
    market__item_reset(&it);
    market__item_from_ld(ld, &it);
    market__item_finish(&it);
    assert_string_equal(it.title, "N");
    assert_float_equal(it.price, 1299, 1e-9);
    assert_int_equal(it.offers, 2);
    assert_true(isnan(it.rating)); /* 9 is no star rating */
    assert_int_equal(it.reviews, 12);
    json_decref(ld);
    assert_null(market__ld_find(&p, "Organization"));
    st = market__script_json(&p, "window.__myx");
    assert_non_null(st);
    assert_int_equal(json_array_size(json_object_get(st, "k")), 2);
    json_decref(st);
    assert_null(market__script_json(&p, "window.__nojson"));
    assert_null(market__script_json(&p, "window.__absent"));
    market__page_close(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_positions_and_cap),
        cmocka_unit_test(test_embedded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
