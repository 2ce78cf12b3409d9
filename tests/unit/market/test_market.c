/*
 * test_market.c - the checks every market parse makes before reading a
 * page (src/market/market.c): site names, arguments, the page size cap,
 * and blocked pages (a captcha, an access-denied page) reported as
 * market_blocked by every parser, never read as an empty result; parses
 * on several threads at once.
 */
#include "market_test.h"

#include <pthread.h>
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

/* Four threads parse the same pages at once and all read the same values. */
static void *parse_many(void *arg)
{
    const char *html = arg;
    long bad = 0;
    for (int i = 0; i < 20; i++) {
        struct kr_err err = {0};
        struct market_search s;
        if (market_parse_search(MARKET_AMAZON, html, strlen(html), &s, &err) != KR_OK || s.n != 6 ||
            strcmp(s.items[5].id, "B0TARGET01") != 0 || s.items[5].position != 4)
            bad++;
        market_search_free(&s);
    }
    return (void *)bad;
}

static void test_threads(void **state)
{
    pthread_t t[4];
    size_t len;
    char *html = mt_load("amazon_search_p1.html", &len);
    (void)state;
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, parse_many, html), 0);
    for (int i = 0; i < 4; i++) {
        void *bad;
        assert_int_equal(pthread_join(t[i], &bad), 0);
        assert_int_equal((long)bad, 0);
    }
    free(html);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_site_names), cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_size_cap),   cmocka_unit_test(test_blocked_pages),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
