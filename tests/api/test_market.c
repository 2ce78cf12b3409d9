/*
 * test_market.c - /get_rank_product, /competitor_analysis and
 * /get_number_of_offers on the real binary, its marketplace base URLs
 * pointing at the loopback fixture server (tests/support/market_fix.h).
 *
 * Rank: organic page and position, sponsored slots apart, the second page
 * followed, "not found" only when the pages searched do not list it, a
 * captcha page an error per item (502 market_blocked when every item is
 * blocked), Flipkart answering with "itmid". Competitors: every field of
 * the product page for all three marketplaces, the workbook stored and
 * readable at the returned URL. Offers: the count, a blocked ASIN its own
 * error beside a good one. Bad input: 4xx JSON and no request sent.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "fake_ai.h"
#include "market_fix.h"
#include "testutil.h"

static struct tu_server srv;
static struct fake_ai *fix;
static char fix_env[6][128];

static int setup(void **state)
{
    const char *env[8];
    (void)state;
    fix = market_fix_start();
    market_fix_env(fix, fix_env);
    for (int i = 0; i < 6; i++)
        env[i] = fix_env[i];
    env[6] = "KARAT_MARKET_MAX_ITEMS=5";
    env[7] = NULL;
    return tu_server_start_tmp(&srv, env);
}

static int teardown(void **state)
{
    int rc;
    (void)state;
    rc = tu_server_finish(&srv);
    fake_ai_stop(fix);
    return rc;
}

static json_t *post(const char *path, const char *body, long want, const char *code)
{
    char url[256];
    struct tu_resp r;
    json_error_t je;
    json_t *j;
    snprintf(url, sizeof url, "%s%s", srv.base, path);
    assert_int_equal(tu_post(url, "application/json", body, strlen(body), NULL, &r), 0);
    if (r.status != want)
        fail_msg("%s %s: %ld %s (want %ld)", path, body, r.status, r.body, want);
    j = json_loads(r.body, 0, &je);
    if (!j)
        fail_msg("%s: not JSON: %s", path, r.body);
    if (code && strcmp(json_string_value(json_object_get(j, "code")), code))
        fail_msg("%s: %s (want code %s)", path, r.body, code);
    tu_resp_free(&r);
    return j;
}

static json_t *result(json_t *j, size_t item, size_t query)
{
    return json_array_get(json_object_get(json_array_get(j, item), "results"), query);
}

static void test_rank(void **state)
{
    json_t *j, *r;
    (void)state;
    j = post("/get_rank_product",
             "{\"asin\": \"B0TARGET01, B0TARGET02,B0SPON0002,B0NOWHERE1\","
             " \"search_query\": \"kundan earrings,blocked query\", \"marketplace\": \"Amazon\"}",
             200, NULL);
    assert_int_equal(json_array_size(j), 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "asin")),
                        "B0TARGET01");
    r = result(j, 0, 0);
    assert_string_equal(json_string_value(json_object_get(r, "search_query")), "kundan earrings");
    assert_int_equal(json_integer_value(json_object_get(r, "page")), 1);
    assert_int_equal(json_integer_value(json_object_get(r, "position_on_page")), 4);
    r = result(j, 1, 0); /* on the second page */
    assert_int_equal(json_integer_value(json_object_get(r, "page")), 2);
    assert_int_equal(json_integer_value(json_object_get(r, "position_on_page")), 2);
    assert_int_equal(json_integer_value(json_object_get(r, "pages_searched")), 2);
    r = result(j, 2, 0); /* only an ad: no organic rank, its slot apart */
    assert_string_equal(json_string_value(json_object_get(r, "page")), "not found");
    assert_int_equal(json_array_size(json_object_get(r, "sponsored")), 1);
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(r, "sponsored"), 0), "position")),
                     2);
    r = result(j, 3, 0);
    assert_string_equal(json_string_value(json_object_get(r, "position_on_page")), "not found");
    r = result(j, 3, 1); /* the captcha page: an error, never "not found" */
    assert_true(json_is_null(json_object_get(r, "page")));
    assert_string_equal(json_string_value(json_object_get(r, "code")), "market_blocked");
    json_decref(j);
    /* every item blocked: 502 */
    json_decref(post("/get_rank_product",
                     "{\"asin\": [\"B0TARGET01\"], \"search_query\": [\"blocked\"],"
                     " \"marketplace\": \"amazon\"}",
                     502, "market_blocked"));
    /* Flipkart answers with itmid */
    j = post("/get_rank_product",
             "{\"asin\": \"ITMKARATDEMO0001\", \"search_query\": \"jhumka\","
             " \"marketplace\": \"flipkart\"}",
             200, NULL);
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "itmid")),
                        "ITMKARATDEMO0001");
    assert_int_equal(json_integer_value(json_object_get(result(j, 0, 0), "position_on_page")), 3);
    json_decref(j);
}

static void check_file(const char *url)
{
    struct tu_resp r;
    assert_int_equal(tu_get(url, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_true(r.len > 100 && memcmp(r.body, "PK", 2) == 0); /* a zip: the xlsx */
    tu_resp_free(&r);
}

static void test_competitors_and_offers(void **state)
{
    json_t *j, *it;
    (void)state;
    j = post("/competitor_analysis", "{\"asins\": \"B0TARGET01\", \"marketplace\": \"amazon\"}",
             200, NULL);
    it = json_array_get(json_object_get(j, "result"), 0);
    assert_string_equal(json_string_value(json_object_get(it, "asin")), "B0TARGET01");
    assert_float_equal(json_number_value(json_object_get(it, "price")), 799, 1e-9);
    assert_int_equal(json_integer_value(json_object_get(it, "reviews")), 87);
    assert_int_equal(json_integer_value(json_object_get(it, "offers")), 4);
    assert_string_equal(json_string_value(json_object_get(it, "seller")), "Alya Jewels");
    assert_non_null(strstr(json_string_value(json_object_get(it, "best_seller_rank")), "#12,345"));
    assert_non_null(
        strstr(json_string_value(json_object_get(j, "url")), "excel_files/amazon_products.xlsx"));
    check_file(json_string_value(json_object_get(j, "url")));
    json_decref(j);
    j = post("/competitor_analysis",
             "{\"asins\": [\"ITMGKHZ7ZQ3UJXKP\"], \"marketplace\": \"flipkart\"}", 200, NULL);
    it = json_array_get(json_object_get(j, "result"), 0);
    assert_string_equal(json_string_value(json_object_get(it, "title")),
                        "SUKKHI Gold-plated Alloy Jhumki Earring");
    json_decref(j);
    j = post("/competitor_analysis", "{\"asins\": \"32169440\", \"marketplace\": \"myntra\"}", 200,
             NULL);
    it = json_array_get(json_object_get(j, "result"), 0);
    assert_string_equal(json_string_value(json_object_get(it, "style_id")), "32169440");
    assert_string_equal(json_string_value(json_object_get(it, "title")),
                        "Gold-Toned Contemporary Jhumkas");
    json_decref(j);
    j = post("/get_number_of_offers", "{\"asins\": \"B0TARGET01,B0BLOCKED1\"}", 200, NULL);
    it = json_object_get(j, "result");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(it, 0), "offers")), 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(it, 1), "code")),
                        "market_blocked");
    check_file(json_string_value(json_object_get(j, "url")));
    json_decref(j);
    json_decref(post("/competitor_analysis",
                     "{\"asins\": \"B0BLOCKED1\", \"marketplace\": \"amazon\"}", 502,
                     "market_blocked"));
}

static void test_bad_input(void **state)
{
    size_t before;
    (void)state;
    before = fake_ai_count(fix);
    json_decref(post("/get_rank_product",
                     "{\"asin\": \"\", \"search_query\": \"x\", "
                     "\"marketplace\": \"amazon\"}",
                     400, "invalid_argument"));
    json_decref(post("/get_rank_product",
                     "{\"asin\": \"B0A\", \"search_query\": [], "
                     "\"marketplace\": \"amazon\"}",
                     400, "invalid_argument"));
    json_decref(post("/get_rank_product",
                     "{\"asin\": \"B0A\", \"search_query\": \"x\", "
                     "\"marketplace\": \"myntra\"}",
                     400, "bad_marketplace"));
    json_decref(post("/competitor_analysis", "{\"asins\": \"B0A\", \"marketplace\": \"ebay\"}", 400,
                     "bad_marketplace"));
    json_decref(post("/competitor_analysis",
                     "{\"asins\": \"B0A,B0B,B0C,B0D,B0E,B0F\", "
                     "\"marketplace\": \"amazon\"}",
                     413, "too_many_items"));
    json_decref(post("/competitor_analysis", "{\"asins\": \"../etc\", \"marketplace\": \"amazon\"}",
                     400, "invalid_argument"));
    json_decref(post("/competitor_analysis", "{\"asins\": [1], \"marketplace\": \"amazon\"}", 400,
                     "bad_json"));
    json_decref(post("/get_number_of_offers", "{\"asins\": \"B0A\", \"marketplace\": \"flipkart\"}",
                     400, "bad_marketplace"));
    assert_int_equal(fake_ai_count(fix), before); /* nothing fetched */
}

static json_t *req(const char *method, const char *path, long want)
{
    char url[256];
    struct tu_resp r;
    json_t *j;
    snprintf(url, sizeof url, "%s%s", srv.base, path);
    assert_int_equal(tu_request(method, url, NULL, NULL, 0, NULL, &r), 0);
    if (r.status != want)
        fail_msg("%s %s: %ld %s (want %ld)", method, path, r.status, r.body, want);
    j = json_loads(r.body, 0, NULL);
    assert_non_null(j);
    tu_resp_free(&r);
    return j;
}

/* The watch list: add, refresh (an observation with rank, ad slot, price and
 * offers; a blocked product's observation names market_blocked), history,
 * list with the latest, delete; bad input. In the .pg variant on PostgreSQL. */
static void test_watch(void **state)
{
    char path[64];
    json_t *j, *h;
    long long id, id2;
    (void)state;
    j = post("/watch",
             "{\"marketplace\": \"amazon\", \"asin\": \"B0TARGET01\","
             " \"search_query\": \"kundan earrings\"}",
             201, NULL);
    id = json_integer_value(json_object_get(j, "id"));
    assert_true(id > 0);
    assert_string_equal(json_string_value(json_object_get(j, "asin")), "B0TARGET01");
    json_decref(j);
    j = post("/watch", "{\"marketplace\": \"amazon\", \"asin\": \"B0BLOCKED1\"}", 201, NULL);
    id2 = json_integer_value(json_object_get(j, "id"));
    json_decref(j);
    for (int round = 0; round < 2; round++) {
        snprintf(path, sizeof path, "/watch/%lld/refresh", id);
        json_decref(req("POST", path, 200));
    }
    snprintf(path, sizeof path, "/watch/%lld", id);
    j = req("GET", path, 200);
    h = json_object_get(j, "history");
    assert_int_equal(json_array_size(h), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(h, 0), "page")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(h, 0), "position_on_page")),
                     4);
    assert_float_equal(json_number_value(json_object_get(json_array_get(h, 0), "price")), 799,
                       1e-9);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(h, 0), "offers")), 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(h, 0), "error")), "");
    json_decref(j);
    snprintf(path, sizeof path, "/watch/%lld/refresh", id2);
    j = req("POST", path, 200);
    h = json_array_get(json_object_get(j, "history"), 0);
    assert_string_equal(json_string_value(json_object_get(h, "error")), "market_blocked");
    assert_true(json_is_null(json_object_get(h, "price")));
    json_decref(j);
    j = req("GET", "/watch", 200);
    assert_int_equal(json_array_size(json_object_get(j, "watches")), 2);
    h = json_object_get(json_array_get(json_object_get(j, "watches"), 0), "latest");
    assert_int_equal(json_integer_value(json_object_get(h, "position_on_page")), 4);
    json_decref(j);
    snprintf(path, sizeof path, "/watch/%lld", id2);
    json_decref(req("DELETE", path, 200));
    json_decref(req("DELETE", path, 404));
    json_decref(req("GET", path, 404));
    json_decref(req("GET", "/watch/abc", 400));
    json_decref(
        post("/watch", "{\"marketplace\": \"ebay\", \"asin\": \"B0A\"}", 400, "bad_marketplace"));
    json_decref(post("/watch", "{\"marketplace\": \"amazon\", \"asin\": \"a b\"}", 400,
                     "invalid_argument"));
    j = req("GET", "/watch", 200);
    assert_int_equal(json_array_size(json_object_get(j, "watches")), 1);
    json_decref(j);
}

/* karat watch add/list/run beside the server, on its store; and a second
 * server refreshing on its own every KARAT_WATCH_INTERVAL second. */
static void test_watch_cli_and_interval(void **state)
{
    const char *bin = getenv("KARAT_BIN");
    const char *env[10] = {0};
    char *out = NULL, path[64];
    struct tu_server s2;
    int n = 0, got = 0;
    json_t *j;
    (void)state;
    for (int i = 0; i < 6; i++)
        env[n++] = fix_env[i];
    if (srv.pg_env[0]) {
        env[n++] = "KARAT_STORE=postgres";
        env[n++] = srv.pg_env;
    }
    const char *add[] = {
        bin,       "watch",  "add",    "--market",   "flipkart", "--item", "ITMKARATDEMO0001",
        "--query", "jhumka", "--data", srv.data_dir, NULL};
    assert_int_equal(tu_run(add, env, &out), 0);
    assert_non_null(strstr(out, "\"id\""));
    free(out);
    const char *list[] = {bin, "watch", "list", "--data", srv.data_dir, NULL};
    assert_int_equal(tu_run(list, env, &out), 0);
    assert_non_null(strstr(out, "ITMKARATDEMO0001"));
    free(out);
    const char *run[] = {bin, "watch", "run", "--data", srv.data_dir, NULL};
    assert_int_equal(tu_run(run, env, &out), 0);
    assert_non_null(strstr(out, "\"refreshed\""));
    free(out);
    const char *bad[] = {bin,      "watch", "add",    "--market",   "ebay",
                         "--item", "X1",    "--data", srv.data_dir, NULL};
    assert_int_equal(tu_run(bad, env, NULL), 1);
    const char *usage[] = {bin, "watch", "frobnicate", NULL};
    assert_int_equal(tu_run(usage, NULL, NULL), 2);

    env[n] = "KARAT_WATCH_INTERVAL=1";
    assert_int_equal(tu_server_start_tmp(&s2, env), 0);
    {
        char url[256];
        struct tu_resp r;
        const char *b = "{\"marketplace\": \"myntra\", \"style_id\": \"32169440\"}";
        snprintf(url, sizeof url, "%s/watch", s2.base);
        assert_int_equal(tu_post(url, "application/json", b, strlen(b), NULL, &r), 0);
        assert_int_equal(r.status, 201);
        j = json_loads(r.body, 0, NULL);
        snprintf(path, sizeof path, "%s/watch/%lld", s2.base,
                 (long long)json_integer_value(json_object_get(j, "id")));
        json_decref(j);
        tu_resp_free(&r);
        for (int i = 0; i < 300 && !got; i++) { /* up to 30 s on a loaded machine */
            assert_int_equal(tu_get(path, NULL, &r), 0);
            j = json_loads(r.body, 0, NULL);
            got = json_array_size(json_object_get(j, "history")) > 0;
            json_decref(j);
            tu_resp_free(&r);
            if (!got)
                usleep(100000);
        }
    }
    assert_true(got);
    assert_int_equal(tu_server_finish(&s2), 0);
}

/* A store that fails to keep an observation: the refresh answers 500 and
 * the history stays empty (karat_fault, KARAT_STORE=fault); with
 * KARAT_WATCH_MAX=1 a second watch is refused (413). */
static void test_watch_store_failure(void **state)
{
    const char *env[10] = {0};
    char *karat = strdup(getenv("KARAT_BIN")), url[256], path[64];
    struct tu_server s2;
    struct tu_resp r;
    json_t *j;
    int n = 0;
    (void)state;
    for (int i = 0; i < 6; i++)
        env[n++] = fix_env[i];
    env[n++] = "KARAT_STORE=fault";
    env[n++] = "KARAT_FAULTS=store.watch_observe=*:io_error";
    env[n++] = "KARAT_WATCH_MAX=1";
    setenv("KARAT_BIN", getenv("KARAT_FAULT_BIN"), 1);
    assert_int_equal(tu_server_start_tmp(&s2, env), 0);
    setenv("KARAT_BIN", karat, 1);
    free(karat);
    snprintf(url, sizeof url, "%s/watch", s2.base);
    const char *b = "{\"marketplace\": \"amazon\", \"asin\": \"B0TARGET01\"}";
    assert_int_equal(tu_post(url, "application/json", b, strlen(b), NULL, &r), 0);
    assert_int_equal(r.status, 201);
    j = json_loads(r.body, 0, NULL);
    snprintf(path, sizeof path, "/watch/%lld",
             (long long)json_integer_value(json_object_get(j, "id")));
    json_decref(j);
    tu_resp_free(&r);
    assert_int_equal(tu_post(url, "application/json", b, strlen(b), NULL, &r), 0);
    assert_int_equal(r.status, 413); /* KARAT_WATCH_MAX=1: full */
    tu_resp_free(&r);
    snprintf(url, sizeof url, "%s%s/refresh", s2.base, path);
    assert_int_equal(tu_post(url, "application/json", "", 0, NULL, &r), 0);
    assert_int_equal(r.status, 500);
    tu_resp_free(&r);
    snprintf(url, sizeof url, "%s%s", s2.base, path);
    assert_int_equal(tu_get(url, NULL, &r), 0);
    j = json_loads(r.body, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(j, "history")), 0);
    json_decref(j);
    tu_resp_free(&r);
    assert_int_equal(tu_server_finish(&s2), 0);
}

/* SIGTERM while the interval refresh walks a long list (30 watches at 2
 * requests a second: about 15 s): the refresh stops after the current watch,
 * so the server is gone well before the list would have been done. */
static void test_watch_refresh_stops_on_signal(void **state)
{
    const char *env[10] = {0};
    char url[256];
    struct tu_server s2;
    struct tu_resp r;
    int n = 0, seen = 0;
    double t0;
    (void)state;
    for (int i = 0; i < 6; i++)
        env[n++] = fix_env[i];
    env[n++] = "KARAT_WATCH_INTERVAL=1";
    env[n++] = "KARAT_MARKET_RATE=2";
    assert_int_equal(tu_server_start_tmp(&s2, env), 0);
    snprintf(url, sizeof url, "%s/watch", s2.base);
    for (int i = 0; i < 30; i++) {
        char b[128];
        snprintf(b, sizeof b, "{\"marketplace\": \"myntra\", \"style_id\": \"%d\"}", 1000 + i);
        assert_int_equal(tu_post(url, "application/json", b, strlen(b), NULL, &r), 0);
        assert_int_equal(r.status, 201);
        tu_resp_free(&r);
    }
    for (int i = 0; i < 300 && !seen; i++) { /* a refresh has begun */
        assert_int_equal(tu_get(url, NULL, &r), 0);
        seen = strstr(r.body, "\"at\"") != NULL;
        tu_resp_free(&r);
        if (!seen)
            usleep(100000);
    }
    assert_true(seen);
    usleep(1500000); /* inside a refresh of all 30 (the first may have seen fewer) */
    t0 = util_now_ms();
    assert_int_equal(tu_server_finish(&s2), 0);
    assert_true(util_now_ms() - t0 < 8000); /* the whole list would take ~15 s */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rank),
        cmocka_unit_test(test_competitors_and_offers),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_watch),
        cmocka_unit_test(test_watch_cli_and_interval),
        cmocka_unit_test(test_watch_store_failure),
        cmocka_unit_test(test_watch_refresh_stops_on_signal),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
