/*
 * test_routes_auth.c - every route of the table Karat serves (api_routes())
 * needs an API key, except GET /health and the browser app's static parts
 * (the page, its assets, /openapi.json, /docs: they hold no data): each route
 * is called with no key and with a wrong key and must answer 401 without its
 * handler running; the static public ones answer 200 without a key.
 * Walking the table itself means a new endpoint is covered the day it is
 * added. The handlers never run, so the app is empty.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "core/log.h"
#include "http/http.h"
#include "testutil.h"

#define KEY "route-test-key-0123456789"

/* The pattern with every {param} filled in. */
static void fill_pattern(const char *pattern, char *out, size_t n)
{
    size_t k = 0;
    for (const char *p = pattern; *p && k + 8 < n; p++) {
        if (*p != '{') {
            out[k++] = *p;
            continue;
        }
        k += (size_t)snprintf(out + k, n - k, "x1");
        p = strchr(p, '}');
    }
    out[k] = '\0';
}

static long call(const char *method, const char *url, const char *header)
{
    const char *h[] = {header, NULL};
    struct tu_resp r;
    long st;
    int rc = strcmp(method, "GET") == 0 ? tu_get(url, header ? h : NULL, &r)
             : strcmp(method, "POST") == 0
                 ? tu_post(url, "application/json", "{}", 2, header ? h : NULL, &r)
                 : tu_request(method, url, NULL, NULL, 0, header ? h : NULL, &r);
    assert_int_equal(rc, 0);
    st = r.status;
    if (st == 401 && strcmp(method, "HEAD") != 0)
        assert_non_null(strstr(r.body, "\"unauthorized\""));
    tu_resp_free(&r);
    return st;
}

static void test_every_route_needs_a_key(void **state)
{
    struct http_server_opts o;
    tu_http_opts(&o);
    o.api_keys = KEY;
    struct app app = {0};
    struct http_server *s = NULL;
    struct kr_err err = {0};
    size_t n, checked = 0;
    const struct http_route *routes = api_routes(&n);
    (void)state;
    log_set_level(LOG_WARN);
    assert_int_equal(http_server_start(&o, routes, n, &app, &s, &err), KR_OK);
    for (size_t i = 0; i < n; i++) {
        char path[256], url[320];
        fill_pattern(routes[i].pattern, path, sizeof path);
        snprintf(url, sizeof url, "http://127.0.0.1:%d%s", http_server_port(s), path);
        if (routes[i].flags & HTTP_PUBLIC) {
            static const char *const pub[] = {"/health", "/", "/app/{path}", "/openapi.json",
                                              "/docs"};
            size_t k = 0;
            while (k < sizeof pub / sizeof pub[0] && strcmp(pub[k], routes[i].pattern) != 0)
                k++;
            assert_true(k < sizeof pub / sizeof pub[0]); /* only these are public */
            if (k >= 3 || k == 1) /* static: no app part needed */
                assert_int_equal(call(routes[i].method, url, NULL), 200);
            continue;
        }
        assert_int_equal(call(routes[i].method, url, NULL), 401);
        assert_int_equal(call(routes[i].method, url, "X-API-Key: wrong-key-0123456789"), 401);
        assert_int_equal(call(routes[i].method, url, "Authorization: Bearer " KEY "x"), 401);
        checked++;
    }
    assert_true(checked >= 15);
    http_server_stop(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_route_needs_a_key),
    };
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
