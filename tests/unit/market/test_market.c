/*
 * test_market.c - the checks every market parse makes before reading a
 * page (src/market/market.c): site names, arguments, the page size cap,
 * and blocked pages (a captcha, an access-denied page) reported as
 * market_blocked by every parser, never read as an empty result.
 */
#include "market_test.h"

#include <string.h>

static void test_site_names(void **state)
{
    (void)state;
    assert_int_equal(market_site_from_name("Amazon"), MARKET_AMAZON);
    assert_int_equal(market_site_from_name("flipkart"), MARKET_FLIPKART);
    assert_int_equal(market_site_from_name("MYNTRA"), MARKET_MYNTRA);
    assert_int_equal(market_site_from_name("meesho"), -1);
    assert_int_equal(market_site_from_name(NULL), -1);
    assert_string_equal(market_site_name(MARKET_FLIPKART), "flipkart");
}

static void test_bad_arguments(void **state)
{
    struct kr_err err = {0};
    struct market_search s;
    struct market_item it;
    int n;
    (void)state;
    assert_int_equal(market_parse_search(MARKET_AMAZON, NULL, 0, &s, &err), KR_EINVAL);
    assert_int_equal(market_parse_search((enum market_site)7, "<p>", 3, &s, &err), KR_EINVAL);
    assert_int_equal(market_parse_product(MARKET_AMAZON, "", 0, &it, &err), KR_EINVAL);
    assert_true(isnan(it.price) && it.reviews == -1 && it.offers == -1);
    assert_int_equal(market_parse_offers(NULL, 5, &n, &err), KR_EINVAL);
    assert_int_equal(n, -1);
}

static void test_size_cap(void **state)
{
    struct kr_err err = {0};
    struct market_item it;
    size_t n = MARKET_PAGE_MAX + 1;
    char *big = malloc(n);
    (void)state;
    assert_non_null(big);
    memset(big, ' ', n);
    assert_int_equal(market_parse_product(MARKET_MYNTRA, big, n, &it, &err), KR_ELIMIT);
    assert_int_equal(err.slug_id, KRS_TOO_LARGE);
    free(big);
}

/* Every parser answers market_blocked on both blocked fixtures. */
static void test_blocked_pages(void **state)
{
    static const char *const pages[] = {"amazon_captcha.html", "access_denied.html"};
    (void)state;
    for (size_t i = 0; i < 2; i++) {
        struct kr_err err = {0};
        struct market_search s;
        struct market_item it;
        size_t len;
        char *html = mt_load(pages[i], &len);
        char why[64] = "";
        int n;

        assert_int_equal(market_is_blocked(html, len, why, sizeof why), 1);
        assert_true(why[0] != '\0');
        for (int site = 0; site < MARKET_SITE_COUNT; site++) {
            memset(&err, 0, sizeof err);
            assert_int_equal(market_parse_product(site, html, len, &it, &err), KR_EUPSTREAM);
            assert_int_equal(err.slug_id, KRS_MARKET_BLOCKED);
            memset(&err, 0, sizeof err);
            assert_int_equal(market_parse_search(site, html, len, &s, &err), KR_EUPSTREAM);
            assert_int_equal(err.slug_id, KRS_MARKET_BLOCKED);
            assert_int_equal(s.n, 0);
        }
        memset(&err, 0, sizeof err);
        assert_int_equal(market_parse_offers(html, len, &n, &err), KR_EUPSTREAM);
        assert_int_equal(err.slug_id, KRS_MARKET_BLOCKED);
        assert_string_equal(err.slug, "market_blocked");
        free(html);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_site_names),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_size_cap),
        cmocka_unit_test(test_blocked_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
