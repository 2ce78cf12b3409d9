/*
 * test_metrics.c - /metrics text: per-route counters by status class, the
 * latency histogram (cumulative buckets, _sum, _count), application
 * gauges/counters with escaped labels, invalid names dropped, and counts
 * that stay exact when many threads record at once.
 */
#include <math.h>
#include <pthread.h>

#include "fixture.h"
#include "http/http_int.h"

#define URL(path) fx_url(&f, path, url, sizeof url)

static char *render(void)
{
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(http_metrics_render(&b), KR_OK);
    return (char *)buf_detach(&b, NULL);
}

/* The value on the line that starts with `series ` (-1 if there is none). */
static double value_of(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, series, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
    return -1;
}

static void get(const char *url, long status)
{
    struct tu_resp r;
    assert_int_equal(tu_get(url, NULL, &r), 0);
    assert_int_equal(r.status, status);
    tu_resp_free(&r);
}

static void test_route_metrics(void **state)
{
    struct fx f;
    struct tu_resp r;
    char url[256];
    const char *h = "karat_http_request_duration_ms";
    char series[256];
    (void)state;
    fx_start(&f, NULL);
    for (int i = 0; i < 3; i++)
        get(URL("/hello"), 200);
    get(URL("/items/1"), 200);
    get(URL("/items/search"), 200);
    get(URL("/nope"), 404);
    get(URL("/nothing"), 500);
    get(URL("/slow"), 200);

    /* a request is counted when MHD reports it complete, which may come just
       after its client has the answer: read /metrics until the last one shows */
    snprintf(series, sizeof series, "%s_bucket{method=\"GET\",route=\"/slow\",le=\"+Inf\"}", h);
    for (int i = 0;; i++) {
        assert_int_equal(tu_get(URL("/metrics"), NULL, &r), 0);
        if (value_of(r.body, series) == 1 || i == 500)
            break;
        tu_resp_free(&r);
        usleep(10000);
    }
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "# HELP karat_http_requests_total "));
    assert_non_null(strstr(r.body, "# TYPE karat_http_requests_total counter\n"));
    assert_non_null(strstr(r.body, "# TYPE karat_http_request_duration_ms histogram\n"));
    assert_true(
        value_of(r.body,
                 "karat_http_requests_total{method=\"GET\",route=\"/hello\",status=\"2xx\"}") == 3);
    /* the route's name, not its pattern, is the label */
    assert_true(
        value_of(r.body,
                 "karat_http_requests_total{method=\"GET\",route=\"item\",status=\"2xx\"}") == 1);
    assert_true(value_of(r.body, "karat_http_requests_total{method=\"-\",route=\"(unmatched)\","
                                 "status=\"4xx\"}") == 1);
    assert_true(value_of(r.body, "karat_http_requests_total{method=\"GET\",route=\"/nothing\","
                                 "status=\"5xx\"}") == 1);
    /* histogram: cumulative buckets ending in +Inf == _count */
    double prev = 0;
    const char *les[] = {"1",   "5",    "10",   "25",   "50",    "100", "250",
                         "500", "1000", "2500", "5000", "10000", "+Inf"};
    for (size_t i = 0; i < 13; i++) {
        double v;
        snprintf(series, sizeof series, "%s_bucket{method=\"GET\",route=\"/hello\",le=\"%s\"}", h,
                 les[i]);
        v = value_of(r.body, series);
        assert_true(v >= prev);
        prev = v;
    }
    assert_true(prev == 3);
    snprintf(series, sizeof series, "%s_count{method=\"GET\",route=\"/hello\"}", h);
    assert_true(value_of(r.body, series) == 3);
    snprintf(series, sizeof series, "%s_sum{method=\"GET\",route=\"/hello\"}", h);
    assert_true(value_of(r.body, series) >= 0);
    /* the 1.5 s handler lands above 1000 ms (on a loaded machine it may take
       longer than 2500 ms, so only +Inf is certain to hold it) */
    snprintf(series, sizeof series, "%s_bucket{method=\"GET\",route=\"/slow\",le=\"1000\"}", h);
    assert_true(value_of(r.body, series) == 0);
    snprintf(series, sizeof series, "%s_bucket{method=\"GET\",route=\"/slow\",le=\"+Inf\"}", h);
    assert_true(value_of(r.body, series) == 1);
    snprintf(series, sizeof series, "%s_sum{method=\"GET\",route=\"/slow\"}", h);
    assert_true(value_of(r.body, series) >= 1400);
    /* a route never called still has its (zero) histogram */
    snprintf(series, sizeof series, "%s_count{method=\"POST\",route=\"/json\"}", h);
    assert_true(value_of(r.body, series) == 0);
    assert_true(value_of(r.body, "karat_http_requests_in_flight") == 1); /* this request */
    tu_resp_free(&r);
    fx_stop(&f);
}

static void test_app_metrics(void **state)
{
    char name[256], *text;
    (void)state;
    http_metrics_set_gauge("karat_jobs_queued", "Jobs waiting to run.", 3);
    http_metrics_set_gauge("karat_jobs_queued", "ignored help", 5);
    assert_int_equal(
        http_metrics_name(name, sizeof name, "karat_ai_calls_total", "provider", "ge\"mi\\n\ni"),
        KR_OK);
    http_metrics_add_counter(name, "AI calls.\nBy provider \\ model.", 2);
    http_metrics_add_counter(name, NULL, 1.5);
    http_metrics_add_counter(name, NULL, -10); /* counters never go down */
    http_metrics_add_counter("karat_ai_calls_total{provider=\"openai\"}", NULL, 1);
    http_metrics_set_gauge("karat_ratio", "", NAN);
    const char *bad[] = {"1bad", "bad name", "x{unterminated", "x{a=\"b}", "x{a=b}", "x{a=\"\\q\"}",
                         "",     "x{}y"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        http_metrics_set_gauge(bad[i], "bad", 1);
    http_metrics_set_gauge(NULL, "bad", 1);
    assert_int_equal(http_metrics_name(name, 10, "karat_long_family_name", "l", "v"), KR_ELIMIT);

    text = render();
    assert_non_null(strstr(text, "# HELP karat_jobs_queued Jobs waiting to run.\n"
                                 "# TYPE karat_jobs_queued gauge\nkarat_jobs_queued 5\n"));
    assert_non_null(strstr(text, "# HELP karat_ai_calls_total AI calls.\\nBy provider \\\\ model.\n"
                                 "# TYPE karat_ai_calls_total counter\n"
                                 "karat_ai_calls_total{provider=\"ge\\\"mi\\\\n\\ni\"} 3.5\n"
                                 "karat_ai_calls_total{provider=\"openai\"} 1\n"));
    assert_non_null(strstr(text, "karat_ratio NaN\n"));
    assert_null(strstr(text, "bad"));
    assert_null(strstr(text, "unterminated"));
    free(text);
}

#define THREADS 8
#define ROUNDS  2000

static void *hammer(void *arg)
{
    int id = *(int *)arg;
    for (int i = 0; i < ROUNDS; i++) {
        http__metrics_observe(id, 200 + (i % 2) * 300, (double)(i % 20));
        http_metrics_add_counter("karat_test_hammer_total", "Test.", 1);
        http__metrics_inflight(1);
        http__metrics_inflight(-1);
    }
    return NULL;
}

static void test_threads(void **state)
{
    pthread_t t[THREADS];
    int id = http__metrics_route_id("PUT", "/hammer");
    char *text;
    (void)state;
    assert_int_equal(http__metrics_route_id("PUT", "/hammer"), id); /* same series */
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, hammer, &id);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    text = render();
    assert_true(value_of(text, "karat_test_hammer_total") == THREADS * ROUNDS);
    assert_true(value_of(text, "karat_http_requests_total{method=\"PUT\",route=\"/hammer\","
                               "status=\"2xx\"}") == THREADS * ROUNDS / 2);
    assert_true(value_of(text, "karat_http_requests_total{method=\"PUT\",route=\"/hammer\","
                               "status=\"5xx\"}") == THREADS * ROUNDS / 2);
    assert_true(value_of(text, "karat_http_request_duration_ms_count{method=\"PUT\","
                               "route=\"/hammer\"}") == THREADS * ROUNDS);
    assert_true(value_of(text, "karat_http_request_duration_ms_bucket{method=\"PUT\","
                               "route=\"/hammer\",le=\"1\"}") == THREADS * ROUNDS * 2 / 20);
    assert_true(value_of(text, "karat_http_requests_in_flight") == 0);
    free(text);
    http__metrics_observe(-1, 200, 1); /* ignored, no crash */
    http__metrics_observe(id, 42, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_metrics),
        cmocka_unit_test(test_app_metrics),
        cmocka_unit_test(test_threads),
    };
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
