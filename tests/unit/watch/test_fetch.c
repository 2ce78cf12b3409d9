/*
 * test_fetch.c - the market fetcher against a loopback server started here:
 * per-host rate limit (request times counted on the server side, bounds
 * generous for a loaded machine), retries (503 then 200; 429; never a 404),
 * robots.txt (Disallow for "*" and for our product token, longest match,
 * fetched once per TTL), the page cache within its TTL, the allow-list (any
 * other host refused before a byte is sent), the size cap; and the
 * robots.txt matcher on its own; redirects (on the host and re-checked,
 * never off it, at most three).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "fake_ai.h"
#include "net/net.h"
#include "testutil.h"
#include "watch/watch.h"
#include "watch/watch_int.h"

static struct fake_ai *srv;

/* What the server answers, per test. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static const char *robots_txt; /* NULL: robots.txt is a 404 */
static int flaky_left;         /* /flaky answers 503 this many times, then 200 */
static int flaky_status;
static double times[64];
static char paths[64][128];
static size_t nreq;

static void respond(const struct fake_request *r, struct fake_reply *out, void *arg)
{
    char body[256];
    const char *ct;
    (void)arg;
    pthread_mutex_lock(&mu);
    if (nreq < 64) {
        times[nreq] = util_now_ms();
        util_strlcpy(paths[nreq++], r->url, sizeof paths[0]);
    }
    ct = "text/html";
    out->status = 200;
    snprintf(body, sizeof body, "<html>page %s</html>", r->url);
    if (strcmp(r->url, "/robots.txt") == 0) {
        out->status = robots_txt ? 200 : 404;
        snprintf(body, sizeof body, "%s", robots_txt ? robots_txt : "");
        ct = "text/plain";
    } else if (strncmp(r->url, "/flaky", 6) == 0 && flaky_left > 0) {
        flaky_left--;
        out->status = flaky_status;
    } else if (strncmp(r->url, "/missing", 8) == 0) {
        out->status = 404;
    } else if (strncmp(r->url, "/redir", 6) == 0 || strncmp(r->url, "/offsite", 8) == 0 ||
               strncmp(r->url, "/loop", 5) == 0) {
        out->status = r->url[1] == 'r' ? 301 : 302;
        out->headers = strdup(r->url[1] == 'r'   ? "Location: /private/ok/target\n"
                              : r->url[1] == 'o' ? "Location: http://example.com/x\n"
                                                 : "Location: /loop\n");
    } else if (strncmp(r->url, "/big", 4) == 0) {
        memset(body, 'x', sizeof body - 1);
        body[sizeof body - 1] = '\0';
    }
    pthread_mutex_unlock(&mu);
    out->body = strdup(body); /* the server frees body and type */
    out->content_type = strdup(ct);
}

static size_t count_path(const char *prefix)
{
    size_t n = 0;
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < nreq; i++)
        n += strncmp(paths[i], prefix, strlen(prefix)) == 0;
    pthread_mutex_unlock(&mu);
    return n;
}

static int setup_each(void **state)
{
    (void)state;
    srv = fake_ai_start();
    fake_ai_set_responder(srv, respond, NULL);
    nreq = 0;
    robots_txt = NULL;
    flaky_left = 0;
    flaky_status = 503;
    return 0;
}

static int teardown_each(void **state)
{
    (void)state;
    fake_ai_stop(srv);
    return 0;
}

/* Every market on the loopback server; fast retries; no rate limit unless set. */
static struct watch_fetcher *open_fetcher(double rate, int cache_ttl)
{
    struct watch_fetch_opts o = {.base = {fake_ai_base(srv), fake_ai_base(srv), fake_ai_base(srv)},
                                 .user_agent = "KaratBot/1.0 (test)",
                                 .rate = rate,
                                 .burst = 1,
                                 .cache_ttl_s = cache_ttl,
                                 .robots_ttl_s = 3600,
                                 .attempts = 3,
                                 .backoff_ms = 10,
                                 .timeout_ms = 10000,
                                 .max_bytes = 100};
    struct watch_fetcher *f = NULL;
    struct kr_err err = {0};
    assert_int_equal(watch_fetcher_open(&o, &f, &err), KR_OK);
    return f;
}

static enum kr_code get(struct watch_fetcher *f, const char *path, struct kr_err *err)
{
    char url[256];
    struct buf out;
    enum kr_code rc;
    buf_init(&out, 0);
    snprintf(url, sizeof url, "%s%s", fake_ai_base(srv), path);
    rc = watch_fetch(f, url, &out, err);
    if (!rc)
        assert_non_null(strstr((const char *)out.data, "<html>"));
    buf_release(&out);
    return rc;
}

static void *fetch_two(void *arg)
{
    struct watch_fetcher *f = arg;
    char path[32];
    struct kr_err err = {0};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "/p%lu-%d", (unsigned long)pthread_self() % 1000, i);
        if (get(f, path, &err) != KR_OK)
            return (void *)1;
    }
    return NULL;
}

/* 5 requests a second, burst 1: 3 threads x 2 pages + robots.txt = 7
 * requests, so at least 6 gaps of 200 ms on the server's clock. */
static void test_rate_limit(void **state)
{
    struct watch_fetcher *f = open_fetcher(5, 0);
    pthread_t th[3];
    void *res;
    double t0 = util_now_ms();
    (void)state;
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&th[i], NULL, fetch_two, f), 0);
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], &res);
        assert_null(res);
    }
    assert_int_equal(nreq, 7);
    assert_true(util_now_ms() - t0 >= 6 * 200 - 5);    /* the client's own clock */
    assert_true(times[6] - times[0] >= 6 * 200 * 0.6); /* the server's, jitter allowed */
    assert_int_equal(count_path("/robots.txt"), 1);
    watch_fetcher_close(f);
}

static void test_retries(void **state)
{
    struct watch_fetcher *f = open_fetcher(0, 0);
    struct kr_err err = {0};
    (void)state;
    flaky_left = 1; /* 503 then 200 */
    assert_int_equal(get(f, "/flaky1", &err), KR_OK);
    assert_int_equal(count_path("/flaky1"), 2);
    flaky_left = 1;
    flaky_status = 429;
    assert_int_equal(get(f, "/flaky2", &err), KR_OK);
    assert_int_equal(count_path("/flaky2"), 2);
    flaky_left = 10; /* more than the attempts */
    flaky_status = 503;
    assert_int_equal(get(f, "/flaky3", &err), KR_EUPSTREAM);
    assert_int_equal(err.slug_id, KRS_MARKET_UNAVAILABLE);
    assert_int_equal(count_path("/flaky3"), 3);
    /* a 404 is asked once and is "not found" of its own kind */
    assert_int_equal(get(f, "/missing", &err), KR_ENOTFOUND);
    assert_int_equal(err.slug_id, KRS_MARKET_PAGE_NOT_FOUND);
    assert_int_equal(count_path("/missing"), 1);
    /* another 4xx is not retried either */
    flaky_left = 5;
    flaky_status = 403;
    assert_int_equal(get(f, "/flaky4", &err), KR_EUPSTREAM);
    assert_int_equal(err.slug_id, KRS_FETCH_FAILED);
    assert_int_equal(count_path("/flaky4"), 1);
    watch_fetcher_close(f);
}

static void test_robots(void **state)
{
    struct watch_fetcher *f;
    struct kr_err err = {0};
    (void)state;
    robots_txt = "# test\nUser-agent: *\nDisallow: /s\n\nUser-agent: other\nUser-agent: karatbot\n"
                 "Disallow: /private\nAllow: /private/ok\nDisallow: /*.pdf$\n";
    f = open_fetcher(0, 0);
    assert_int_equal(get(f, "/private/x", &err), KR_EUPSTREAM);
    assert_int_equal(err.slug_id, KRS_ROBOTS_DISALLOWED);
    assert_int_equal(count_path("/private"), 0); /* never asked */
    assert_int_equal(get(f, "/private/ok/1", &err), KR_OK);
    assert_int_equal(get(f, "/s?k=ring", &err), KR_OK); /* "*" group not ours */
    assert_int_equal(get(f, "/a/b.pdf", &err), KR_EUPSTREAM);
    assert_int_equal(get(f, "/a/b.pdfx", &err), KR_OK);
    assert_int_equal(count_path("/robots.txt"), 1); /* once per TTL */
    watch_fetcher_close(f);
}

static void test_cache(void **state)
{
    struct watch_fetcher *f = open_fetcher(0, 60);
    struct kr_err err = {0};
    (void)state;
    assert_int_equal(get(f, "/page?q=1", &err), KR_OK);
    assert_int_equal(get(f, "/page?q=1", &err), KR_OK);
    assert_int_equal(count_path("/page"), 1);
    assert_int_equal(get(f, "/page?q=2", &err), KR_OK);
    assert_int_equal(count_path("/page"), 2);
    watch_fetcher_close(f);
    f = open_fetcher(0, 0); /* no cache */
    assert_int_equal(get(f, "/page?q=1", &err), KR_OK);
    assert_int_equal(get(f, "/page?q=1", &err), KR_OK);
    assert_int_equal(count_path("/page?q=1"), 3);
    watch_fetcher_close(f);
}

static void test_allow_list_and_cap(void **state)
{
    struct watch_fetcher *f = open_fetcher(0, 0);
    struct kr_err err = {0};
    struct buf out;
    char url[256];
    const char *refused[] = {"http://example.com/x", "ftp://127.0.0.1/x", "not a url", NULL};
    (void)state;
    buf_init(&out, 0);
    snprintf(url, sizeof url, "http://localhost:%d/x", fake_ai_port(srv));
    assert_int_equal(watch_fetch(f, url, &out, &err), KR_EINVAL);
    assert_int_equal(err.slug_id, KRS_MARKET_HOST_REFUSED);
    snprintf(url, sizeof url, "http://u:p@127.0.0.1:%d/x", fake_ai_port(srv));
    assert_int_equal(watch_fetch(f, url, &out, &err), KR_EINVAL);
    for (int i = 0; refused[i]; i++) {
        assert_int_equal(watch_fetch(f, refused[i], &out, &err), KR_EINVAL);
        assert_int_equal(err.slug_id, KRS_MARKET_HOST_REFUSED);
    }
    assert_int_equal(nreq, 0);
    assert_int_equal(get(f, "/big", &err), KR_ELIMIT); /* 255 bytes > 100 */
    assert_int_equal(count_path("/big"), 1);
    assert_string_equal(watch_market_base(f, WATCH_FLIPKART), fake_ai_base(srv));
    buf_release(&out);
    watch_fetcher_close(f);
}

/* Redirects: followed on the marketplace host (robots.txt checked again),
 * never off it, at most three. */
static void test_redirects(void **state)
{
    struct watch_fetcher *f;
    struct kr_err err = {0};
    (void)state;
    robots_txt = "User-agent: *\nDisallow: /private/ok/target\n";
    f = open_fetcher(0, 60);
    assert_int_equal(get(f, "/redir", &err), KR_EUPSTREAM); /* the target is disallowed */
    assert_int_equal(err.slug_id, KRS_ROBOTS_DISALLOWED);
    assert_int_equal(count_path("/private"), 0);
    watch_fetcher_close(f);
    robots_txt = NULL;
    f = open_fetcher(0, 60);
    assert_int_equal(get(f, "/redir", &err), KR_OK);
    assert_int_equal(count_path("/private/ok/target"), 1);
    assert_int_equal(get(f, "/redir", &err), KR_OK); /* cached under the first URL */
    assert_int_equal(count_path("/redir"), 2);
    assert_int_equal(get(f, "/offsite", &err), KR_EINVAL);
    assert_int_equal(err.slug_id, KRS_MARKET_HOST_REFUSED);
    assert_int_equal(get(f, "/loop", &err), KR_EUPSTREAM);
    assert_int_equal(err.slug_id, KRS_FETCH_FAILED);
    assert_int_equal(count_path("/loop"), 4); /* the first and three redirects */
    watch_fetcher_close(f);
}

static void test_robots_matcher(void **state)
{
    struct watch_robots r;
    char tok[64];
    const char *txt = "User-agent: *\nDisallow: /\nAllow: /$\nAllow: /dp/\nDisallow: /dp/*/offers\n"
                      "Disallow:\nAllow: /gp/*?ie=\n";
    (void)state;
    watch__ua_token("KaratBot/1.0 (+x)", tok, sizeof tok);
    assert_string_equal(tok, "KaratBot");
    assert_int_equal(watch__robots_parse(txt, strlen(txt), tok, &r, NULL), KR_OK);
    assert_true(watch__robots_allowed(&r, "/"));
    assert_false(watch__robots_allowed(&r, "/s?k=x"));
    assert_true(watch__robots_allowed(&r, "/dp/B0TEST"));
    assert_false(watch__robots_allowed(&r, "/dp/B0TEST/offers"));
    assert_true(watch__robots_allowed(&r, "/gp/a?ie=UTF8"));
    assert_true(watch__robots_allowed(&r, "/robots.txt"));
    watch__robots_release(&r);
    assert_int_equal(watch__robots_parse("", 0, tok, &r, NULL), KR_OK);
    assert_true(watch__robots_allowed(&r, "/anything"));
    watch__robots_release(&r);
}

static void test_bad_options(void **state)
{
    struct watch_fetch_opts o = {.base = {"https://a.example", "file:///x", "https://c.example"},
                                 .user_agent = "K",
                                 .burst = 1,
                                 .robots_ttl_s = 1,
                                 .attempts = 1,
                                 .timeout_ms = 1,
                                 .max_bytes = 1};
    struct watch_fetcher *f = NULL;
    struct kr_err err = {0};
    enum watch_market m;
    (void)state;
    assert_int_equal(watch_fetcher_open(&o, &f, &err), KR_EINVAL);
    assert_int_equal(err.slug_id, KRS_BAD_OPTION);
    o.base[1] = "http://b.example/";
    o.attempts = 0;
    assert_int_equal(watch_fetcher_open(&o, &f, &err), KR_EINVAL);
    assert_null(f);
    assert_true(watch_market_parse("Flipkart", &m));
    assert_int_equal(m, WATCH_FLIPKART);
    assert_false(watch_market_parse("ebay", &m));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rate_limit, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_retries, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_robots, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_cache, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_allow_list_and_cap, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_redirects, setup_each, teardown_each),
        cmocka_unit_test(test_robots_matcher),
        cmocka_unit_test(test_bad_options),
    };
    net_global_init(NULL);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    net_global_cleanup();
    return rc;
}
