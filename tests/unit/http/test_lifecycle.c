/*
 * test_lifecycle.c - the server's life: a slow handler does not block other
 * clients (thread-per-connection), stop while a handler runs, start/stop
 * cycles leave no socket behind, listen addresses (IPv4, [IPv6], 0.0.0.0,
 * port 0, port taken, malformed) and route tables refused at start; settings
 * that would switch authentication off by mistake refused at start.
 */
#include <fcntl.h>
#include <pthread.h>

#include "fixture.h"

#define URL(path) fx_url(&f, path, url, sizeof url)

static void *slow_get(void *arg)
{
    struct tu_resp r;
    long *status = arg;
    char url[256];
    snprintf(url, sizeof url, "%s/slow", (const char *)(status + 1));
    tu_get(url, NULL, &r);
    *status = r.status;
    tu_resp_free(&r);
    return NULL;
}

static void test_slow_handler_does_not_block(void **state)
{
    struct fx f;
    struct tu_resp r;
    char url[256];
    long arg[16] = {0};
    pthread_t t[2];
    double t0, took;
    (void)state;
    fx_start(&f, NULL);
    snprintf((char *)(arg + 1), sizeof arg - sizeof arg[0], "%s", f.base);
    pthread_create(&t[0], NULL, slow_get, arg);
    usleep(200 * 1000); /* the slow handler is running now */
    t0 = util_now_ms();
    assert_int_equal(tu_get(URL("/hello"), NULL, &r), 0);
    took = util_now_ms() - t0;
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
    assert_true(took < 500);
    pthread_join(t[0], NULL);
    assert_int_equal(arg[0], 200);
    fx_stop(&f);
}

/* stop while a handler is still running: it finishes, nothing leaks */
static void test_stop_with_request_in_flight(void **state)
{
    struct fx f;
    long arg[16] = {0};
    pthread_t t;
    double t0;
    (void)state;
    fx_start(&f, NULL);
    snprintf((char *)(arg + 1), sizeof arg - sizeof arg[0], "%s", f.base);
    pthread_create(&t, NULL, slow_get, arg);
    usleep(300 * 1000);
    t0 = util_now_ms();
    fx_stop(&f);
    assert_true(util_now_ms() - t0 < 5000);
    pthread_join(t, NULL);
}

static void test_listen(void **state)
{
    struct http_server_opts o;
    tu_http_opts(&o);
    struct http_server *a = NULL, *b = NULL;
    struct kr_err err = {0};
    char addr[64];
    (void)state;
    log_set_level(LOG_WARN);
    assert_int_equal(http_server_start(&o, fx_routes, 1, NULL, &a, &err), KR_OK);
    assert_true(http_server_port(a) > 0);
    snprintf(addr, sizeof addr, "127.0.0.1:%d", http_server_port(a));
    o.listen = addr;
    assert_int_equal(http_server_start(&o, fx_routes, 1, NULL, &b, &err), KR_ECONFLICT);
    assert_null(b);
    assert_string_equal(err.slug, "address_in_use");
    assert_non_null(strstr(err.msg, "already in use"));
    http_server_stop(a);

    /* the port is free again after stop */
    assert_int_equal(http_server_start(&o, fx_routes, 1, NULL, &b, &err), KR_OK);
    http_server_stop(b);

    const char *bad[] = {"nope",    "127.0.0.1:99999", "::1:80", "127.0.0.1:",
                         "[::1]80", "127.0.0.1:-1",    "",       "no.such.host.invalid:80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o.listen = bad[i];
        b = NULL;
        assert_int_equal(http_server_start(&o, fx_routes, 1, NULL, &b, &err), KR_EINVAL);
        assert_null(b);
    }
    http_server_stop(NULL);
}

static int open_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < 4096; fd++)
        n += fcntl(fd, F_GETFD) != -1;
    return n;
}

/* start/stop leaves no socket or thread behind (ASan/LSan check memory) */
static void test_start_stop_cycles(void **state)
{
    int before;
    (void)state;
    before = open_fds();
    for (int i = 0; i < 5; i++) {
        struct fx f;
        struct tu_resp r;
        char url[256];
        fx_start(&f, NULL);
        assert_int_equal(tu_get(fx_url(&f, "/hello", url, sizeof url), NULL, &r), 0);
        tu_resp_free(&r);
        fx_stop(&f);
    }
    assert_int_equal(open_fds(), before);
}

static void test_ipv6_and_wildcard(void **state)
{
    struct http_server_opts o;
    tu_http_opts(&o);
    o.listen = "[::1]:0";
    struct http_server *s = NULL;
    struct kr_err err = {0};
    struct tu_resp r;
    char url[128];
    (void)state;
    log_set_level(LOG_WARN);
    if (http_server_start(&o, fx_routes, 1, NULL, &s, &err) == KR_OK) {
        snprintf(url, sizeof url, "http://[::1]:%d/hello", http_server_port(s));
        assert_int_equal(tu_get(url, NULL, &r), 0);
        assert_int_equal(r.status, 200);
        tu_resp_free(&r);
        http_server_stop(s);
    } else {
        print_message("no IPv6 loopback here: %s\n", err.msg);
    }
    o.listen = "0.0.0.0:0";
    assert_int_equal(http_server_start(&o, fx_routes, 1, NULL, &s, &err), KR_EINVAL);
    assert_string_equal(err.slug, "no_auth"); /* no keys beyond loopback: said explicitly */
    o.allow_no_auth = 1;
    assert_int_equal(http_server_start(&o, fx_routes, 1, NULL, &s, &err), KR_OK);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/hello", http_server_port(s));
    assert_int_equal(tu_get(url, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
    http_server_stop(s);
}

static void test_bad_route_tables(void **state)
{
    struct http_server_opts o;
    tu_http_opts(&o);
    struct http_server *s = NULL;
    struct kr_err err = {0};
    const struct http_route bad[][1] = {
        {{"GET", "nope", h_hello, 0, NULL}},
        {{"GET", "/a/{x}", h_hello, HTTP_PREFIX | 0, NULL}},
        {{"GET", "/a/b", h_hello, HTTP_PREFIX, NULL}},
        {{"GET", "/a/{x", h_hello, 0, NULL}},
        {{"GET", "/a/b{x}", h_hello, 0, NULL}},
        {{"GET", "/a", NULL, 0, NULL}},
        {{NULL, "/a", h_hello, 0, NULL}},
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        enum kr_code rc = http_server_start(&o, bad[i], 1, NULL, &s, &err);
        if (i == 1) { /* the valid one */
            assert_int_equal(rc, KR_OK);
            http_server_stop(s);
            continue;
        }
        assert_int_equal(rc, KR_EINVAL);
        assert_string_equal(err.slug, "bad_route");
    }
}

static enum kr_code check(const char *listen, const char *keys, int allow, struct kr_err *err)
{
    struct http_server_opts o;
    tu_http_opts(&o);
    o.listen = listen;
    o.api_keys = keys;
    o.allow_no_auth = allow;
    return http_server_check(&o, err);
}

/* Keys that parse to nothing or are short never mean "no auth": they are
 * refused, as is no auth at all on a non-loopback address unless allowed. */
static void test_auth_settings(void **state)
{
    struct kr_err err = {0};
    const char *none[] = {",", " , ", " ", ",,,", " ,\t, "};
    const char *good = "0123456789abcdef, key-two-long-enough";
    char many[40 * 20] = "";
    (void)state;
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        assert_int_equal(check("127.0.0.1:0", none[i], 0, &err), KR_EINVAL);
        assert_string_equal(err.slug, "bad_api_keys");
        assert_int_equal(check("0.0.0.0:0", none[i], 1, &err), KR_EINVAL); /* even if allowed */
    }
    assert_int_equal(check("127.0.0.1:0", "0123456789abcdef, short-key", 0, &err), KR_EINVAL);
    assert_non_null(strstr(err.msg, "key 2 is 9 characters"));
    for (int i = 0; i < 33; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "key-%02d-0123456789,", i);
    assert_int_equal(check("127.0.0.1:0", many, 0, &err), KR_EINVAL);
    assert_int_equal(check("0.0.0.0:0", good, 0, &err), KR_OK);
    /* no keys: loopback only, unless allowed */
    assert_int_equal(check("127.0.0.1:0", "", 0, &err), KR_OK);
    assert_int_equal(check("[::1]:0", NULL, 0, &err), KR_OK);
    assert_int_equal(check("localhost:0", NULL, 0, &err), KR_OK);
    const char *open[] = {"0.0.0.0:0", "[::]:0", ":0", "192.0.2.1:0"};
    for (size_t i = 0; i < sizeof open / sizeof open[0]; i++) {
        assert_int_equal(check(open[i], "", 0, &err), KR_EINVAL);
        assert_string_equal(err.slug, "no_auth");
        assert_int_equal(check(open[i], "", 1, &err), KR_OK);
    }
}

static void test_trusted_proxy_settings(void **state)
{
    struct http_server_opts o;
    tu_http_opts(&o);
    struct kr_err err = {0};
    const char *ok[] = {"", "10.0.0.0/8", "192.0.2.7, fd00::/8", "::1/128,127.0.0.1/32"};
    const char *bad[] = {"10.0.0.0/33", "example.com", "10.0.0.0/", "::/129", "1.2.3.4/x"};
    (void)state;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        o.trusted_proxies = ok[i];
        assert_int_equal(http_server_check(&o, &err), KR_OK);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o.trusted_proxies = bad[i];
        assert_int_equal(http_server_check(&o, &err), KR_EINVAL);
        assert_string_equal(err.slug, "bad_trusted_proxies");
    }
}

/* No defaults below the config table: a missing number is refused, by the
 * check and by start, before anything listens. */
static void test_numbers_required(void **state)
{
    struct http_server_opts o;
    struct http_server *s = NULL;
    struct kr_err err = {0};
    (void)state;
    for (int i = 0; i < 10; i++) {
        tu_http_opts(&o);
        assert_int_equal(http_server_check(&o, &err), KR_OK);
        int *n[] = {&o.conn_timeout_s, &o.head_timeout_s, &o.body_timeout_s, &o.max_conns_per_ip,
                    &o.retry_after_s, &o.limits.max_json_depth, &o.limits.max_fields};
        size_t *z[] = {&o.limits.max_body, &o.limits.max_json, &o.limits.max_field_len};
        if (i < 7)
            *n[i] = 0;
        else
            *z[i - 7] = 0;
        assert_int_equal(http_server_check(&o, &err), KR_EINVAL);
        assert_string_equal(err.slug, "bad_option");
        assert_int_equal(http_server_start(&o, fx_routes, 1, NULL, &s, &err), KR_EINVAL);
        assert_null(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slow_handler_does_not_block),
        cmocka_unit_test(test_stop_with_request_in_flight),
        cmocka_unit_test(test_start_stop_cycles),
        cmocka_unit_test(test_listen),
        cmocka_unit_test(test_ipv6_and_wildcard),
        cmocka_unit_test(test_bad_route_tables),
        cmocka_unit_test(test_auth_settings),
        cmocka_unit_test(test_trusted_proxy_settings),
        cmocka_unit_test(test_numbers_required),
    };
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
