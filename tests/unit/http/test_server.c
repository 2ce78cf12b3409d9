/*
 * test_server.c - the http server over real loopback HTTP: routing, params,
 * 404/405, auth, error shape, status mapping, ETag, CORS, keep-alive,
 * base URL, log line. Bodies, forms, JSON and limits are in test_body.c;
 * metrics in test_metrics.c; start/stop, listen and concurrency in test_lifecycle.c.
 */

#include <unistd.h>

#include "fixture.h"

#define URL(path) fx_url(&f, path, url, sizeof url)

static void get_json(const char *url, const char *const *hdr, long status, struct tu_resp *r,
                     json_t **j)
{
    assert_int_equal(tu_get(url, hdr, r), 0);
    assert_int_equal(r->status, status);
    *j = fx_json(r);
}

static void test_routing_and_params(void **state)
{
    struct fx f;
    struct tu_resp r;
    char url[256];
    json_t *j;
    (void)state;
    fx_start(&f, NULL);

    get_json(URL("/hello"), NULL, 200, &r, &j);
    assert_string_equal(fx_str(j, "hello"), "world");
    assert_string_equal(r.ctype, "application/json");
    json_decref(j);
    tu_resp_free(&r);

    get_json(URL("/items/42"), NULL, 200, &r, &j);
    assert_string_equal(fx_str(j, "id"), "42");
    assert_string_equal(fx_str(j, "path"), "/items/42");
    json_decref(j);
    tu_resp_free(&r);

    /* the literal route wins although the {id} route comes first in the table */
    get_json(URL("/items/search"), NULL, 200, &r, &j);
    assert_true(json_is_true(json_object_get(j, "search")));
    json_decref(j);
    tu_resp_free(&r);

    /* params are decoded after matching: %2F stays inside the param */
    get_json(URL("/items/a%20b%2Fc+d"), NULL, 200, &r, &j);
    assert_string_equal(fx_str(j, "id"), "a b/c+d");
    json_decref(j);
    tu_resp_free(&r);

    /* a trailing slash is ignored */
    get_json(URL("/items/7/"), NULL, 200, &r, &j);
    assert_string_equal(fx_str(j, "id"), "7");
    json_decref(j);
    tu_resp_free(&r);

    /* HTTP_PREFIX: the last param takes the rest, slashes included */
    get_json(URL("/files/bk/dir/sub/ring%201.jpg"), NULL, 200, &r, &j);
    assert_string_equal(fx_str(j, "bucket"), "bk");
    assert_string_equal(fx_str(j, "key"), "dir/sub/ring 1.jpg");
    json_decref(j);
    tu_resp_free(&r);

    /* query string: '+' and %XX decoded; first value wins */
    get_json(URL("/items/1?q=a+b%26c&a=1&a=2&flag"), NULL, 200, &r, &j);
    assert_string_equal(fx_str(j, "q"), "a b&c");
    assert_string_equal(fx_str(j, "arg"), "1");
    json_decref(j);
    tu_resp_free(&r);

    /* DELETE on the same pattern reaches the handler */
    assert_int_equal(tu_request("DELETE", URL("/items/9"), NULL, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
    fx_stop(&f);
}

static void test_bad_paths(void **state)
{
    struct fx f;
    struct tu_resp r;
    char url[256];
    (void)state;
    fx_start(&f, NULL);

    assert_int_equal(tu_get(URL("/items/a%00b"), NULL, &r), 0);
    fx_assert_error(&r, 400, "bad_path");
    tu_resp_free(&r);

    assert_int_equal(tu_get(URL("/files/b/x%00"), NULL, &r), 0);
    fx_assert_error(&r, 400, "bad_path");
    tu_resp_free(&r);

    assert_int_equal(tu_get(URL("/hello?x=%00"), NULL, &r), 0);
    fx_assert_error(&r, 400, "bad_query");
    tu_resp_free(&r);

    /* a prefix param must not be empty; "//" gives an empty segment */
    assert_int_equal(tu_get(URL("/files/bk"), NULL, &r), 0);
    fx_assert_error(&r, 404, "not_found");
    tu_resp_free(&r);
    assert_int_equal(tu_get(URL("/items//"), NULL, &r), 0);
    assert_int_equal(r.status, 404);
    tu_resp_free(&r);

    /* invalid escapes are kept as they are */
    assert_int_equal(tu_get(URL("/items/%zz%4"), NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"%zz%4\""));
    tu_resp_free(&r);
    fx_stop(&f);
}

static void test_not_found_and_method(void **state)
{
    struct fx f;
    struct tu_resp r;
    char url[256], allow[128];
    (void)state;
    fx_start(&f, NULL);

    assert_int_equal(tu_get(URL("/nope"), NULL, &r), 0);
    fx_assert_error(&r, 404, "not_found");
    tu_resp_free(&r);

    assert_int_equal(tu_post(URL("/hello"), "text/plain", "x", 1, NULL, &r), 0);
    fx_assert_error(&r, 405, "method_not_allowed");
    assert_non_null(tu_resp_header(&r, "Allow", allow, sizeof allow));
    assert_string_equal(allow, "GET, HEAD, OPTIONS");
    tu_resp_free(&r);

    assert_int_equal(tu_request("PUT", URL("/items/3"), NULL, NULL, 0, NULL, &r), 0);
    fx_assert_error(&r, 405, "method_not_allowed");
    assert_non_null(tu_resp_header(&r, "Allow", allow, sizeof allow));
    assert_string_equal(allow, "GET, DELETE, HEAD, OPTIONS");
    tu_resp_free(&r);

    /* HEAD uses the GET route, without a body */
    assert_int_equal(tu_request("HEAD", URL("/hello"), NULL, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 0);
    tu_resp_free(&r);
    fx_stop(&f);
}

static void test_auth(void **state)
{
    struct http_server_opts o;
    tu_http_opts(&o);
    o.api_keys = " key-one-16-chars , secret-two-16-ch,";
    o.conn_timeout_s = 10;
    struct fx f;
    struct tu_resp r;
    char url[256];
    int before;
    (void)state;
    fx_start(&f, &o);
    before = fx_calls;

    assert_int_equal(tu_get(URL("/hello"), NULL, &r), 0);
    fx_assert_error(&r, 401, "unauthorized");
    tu_resp_free(&r);
    const char *wrong[] = {"Authorization: Bearer k2", NULL};
    const char *prefix[] = {"X-API-Key: k", NULL};
    const char *longer[] = {"Authorization: Bearer secret-two-16-chx", NULL};
    const char *basic[] = {"Authorization: Basic key-one-16-chars", NULL};
    const char *const *bad[] = {wrong, prefix, longer, basic};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(tu_get(URL("/hello"), bad[i], &r), 0);
        fx_assert_error(&r, 401, "unauthorized");
        tu_resp_free(&r);
    }
    /* a POST with a body is refused before the body is read */
    assert_int_equal(tu_post(URL("/body"), "text/plain", "abc", 3, NULL, &r), 0);
    fx_assert_error(&r, 401, "unauthorized");
    tu_resp_free(&r);
    assert_int_equal(fx_calls, before);

    const char *bearer[] = {"Authorization: bearer secret-two-16-ch", NULL};
    const char *xkey[] = {"X-API-Key: key-one-16-chars", NULL};
    const char *both[] = {"X-API-Key: nope", "Authorization: Bearer key-one-16-chars", NULL};
    const char *const *good[] = {bearer, xkey, both};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(tu_get(URL("/hello"), good[i], &r), 0);
        assert_int_equal(r.status, 200);
        tu_resp_free(&r);
    }
    assert_int_equal(fx_calls, before + 3);

    /* public route, and unknown paths say 404 without a key */
    assert_int_equal(tu_get(URL("/health"), NULL, &r), 0);
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
    assert_int_equal(tu_get(URL("/nope"), NULL, &r), 0);
    assert_int_equal(r.status, 404);
    tu_resp_free(&r);
    fx_stop(&f);
}

static void test_error_shape_and_status_map(void **state)
{
    /* one slug of each code, and the slugs whose status is their own */
    static const struct {
        enum kr_slug slug;
        long status;
    } map[] = {{KRS_BAD_JSON, 400},
               {KRS_NOT_FOUND, 404},
               {KRS_STORE_CONFLICT, 409},
               {KRS_TOO_LARGE, 413},
               {KRS_UNSUPPORTED, 400},
               {KRS_UNAUTHORIZED, 401},
               {KRS_BUSY, 429},
               {KRS_AI_QUOTA, 503},
               {KRS_TIMEOUT, 504},
               {KRS_FETCH_FAILED, 502},
               {KRS_STORE_IO, 500},
               {KRS_OUT_OF_MEMORY, 500},
               {KRS_INTERNAL, 500},
               {KRS_UNSUPPORTED_MEDIA_TYPE, 415},
               {KRS_METHOD_NOT_ALLOWED, 405},
               {KRS_AI_UNAVAILABLE, 503}};
    struct fx f;
    struct tu_resp r;
    char url[256], path[64];
    (void)state;
    fx_start(&f, NULL);
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        json_t *j;
        snprintf(path, sizeof path, "/err/%d", (int)map[i].slug);
        assert_int_equal(tu_get(URL(path), NULL, &r), 0);
        fx_assert_error(&r, map[i].status, kr_slug_text(map[i].slug));
        j = fx_json(&r);
        assert_string_equal(fx_str(j, "error"), "failed: \"quoted\n\"");
        json_decref(j);
        tu_resp_free(&r);
        assert_int_equal(kr_slug_status(map[i].slug), map[i].status);
    }

    /* a handler that sets nothing gives a 500 JSON error */
    assert_int_equal(tu_get(URL("/nothing"), NULL, &r), 0);
    fx_assert_error(&r, 500, "internal");
    tu_resp_free(&r);
    fx_stop(&f);
}

static void test_etag_and_headers(void **state)
{
    struct fx f;
    struct tu_resp r;
    char url[256], v[128];
    (void)state;
    fx_start(&f, NULL);

    assert_int_equal(tu_get(URL("/etag"), NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.etag, "\"v1-abc\"");
    assert_string_equal(r.ctype, "text/plain");
    assert_string_equal(r.body, "tagged");
    assert_string_equal(tu_resp_header(&r, "X-Test", v, sizeof v), "yes");
    assert_string_equal(tu_resp_header(&r, "Cache-Control", v, sizeof v), "max-age=60");
    assert_null(tu_resp_header(&r, "bad header line", v, sizeof v));
    tu_resp_free(&r);

    const char *same[] = {"If-None-Match: \"other\", \"v1-abc\"", NULL};
    const char *weak[] = {"If-None-Match: W/\"v1-abc\"", NULL};
    const char *star[] = {"If-None-Match: *", NULL};
    const char *const *hit[] = {same, weak, star};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(tu_get(URL("/etag"), hit[i], &r), 0);
        assert_int_equal(r.status, 304);
        assert_int_equal(r.len, 0);
        assert_string_equal(r.etag, "\"v1-abc\"");
        tu_resp_free(&r);
    }
    const char *miss[] = {"If-None-Match: \"v2\"", NULL};
    assert_int_equal(tu_get(URL("/etag"), miss, &r), 0);
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
    fx_stop(&f);
}

static void test_cors(void **state)
{
    struct http_server_opts o;
    tu_http_opts(&o);
    o.cors_origins = "https://shop.example, http://localhost:3000";
    o.api_keys = "key-one-16-chars";
    struct fx f;
    struct tu_resp r;
    char url[256], v[128];
    (void)state;
    fx_start(&f, &o);

    const char *pre[] = {"Origin: https://shop.example", "Access-Control-Request-Method: POST",
                         "Access-Control-Request-Headers: authorization", NULL};
    assert_int_equal(tu_request("OPTIONS", URL("/items/1"), NULL, NULL, 0, pre, &r), 0);
    assert_int_equal(r.status, 204);
    assert_string_equal(tu_resp_header(&r, "Access-Control-Allow-Origin", v, sizeof v),
                        "https://shop.example");
    assert_string_equal(tu_resp_header(&r, "Access-Control-Allow-Methods", v, sizeof v),
                        "GET, DELETE, HEAD, OPTIONS");
    assert_non_null(
        strstr(tu_resp_header(&r, "Access-Control-Allow-Headers", v, sizeof v), "Authorization"));
    assert_null(tu_resp_header(&r, "Access-Control-Allow-Credentials", v, sizeof v));
    tu_resp_free(&r);

    const char *evil[] = {"Origin: https://evil.example", NULL};
    assert_int_equal(tu_request("OPTIONS", URL("/hello"), NULL, NULL, 0, evil, &r), 0);
    assert_int_equal(r.status, 204);
    assert_null(tu_resp_header(&r, "Access-Control-Allow-Origin", v, sizeof v));
    tu_resp_free(&r);

    assert_int_equal(tu_request("OPTIONS", URL("/nope"), NULL, NULL, 0, pre, &r), 0);
    assert_int_equal(r.status, 404);
    tu_resp_free(&r);

    /* actual requests: echoed for allowed origins, also on errors */
    const char *ok[] = {"Origin: http://localhost:3000", "X-API-Key: key-one-16-chars", NULL};
    assert_int_equal(tu_get(URL("/hello"), ok, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(tu_resp_header(&r, "Access-Control-Allow-Origin", v, sizeof v),
                        "http://localhost:3000");
    assert_string_equal(tu_resp_header(&r, "Vary", v, sizeof v), "Origin");
    tu_resp_free(&r);
    assert_int_equal(tu_get(URL("/hello"), pre, &r), 0);
    assert_int_equal(r.status, 401);
    assert_non_null(tu_resp_header(&r, "Access-Control-Allow-Origin", v, sizeof v));
    tu_resp_free(&r);
    assert_int_equal(tu_get(URL("/health"), evil, &r), 0);
    assert_null(tu_resp_header(&r, "Access-Control-Allow-Origin", v, sizeof v));
    /* the answer depended on Origin even though it matched nothing: a cache
       must not give it to an allowed origin */
    assert_string_equal(tu_resp_header(&r, "Vary", v, sizeof v), "Origin");
    tu_resp_free(&r);
    assert_int_equal(tu_get(URL("/health"), NULL, &r), 0);
    assert_string_equal(tu_resp_header(&r, "Vary", v, sizeof v), "Origin");
    tu_resp_free(&r);
    fx_stop(&f);
    fx_start(&f, NULL); /* no CORS: nothing depends on Origin */
    assert_int_equal(tu_get(URL("/hello"), ok, &r), 0);
    assert_null(tu_resp_header(&r, "Vary", v, sizeof v));
    tu_resp_free(&r);
    fx_stop(&f);
}

static size_t sink(char *d, size_t sz, size_t n, void *u)
{
    (void)d;
    (void)u;
    return sz * n;
}

static void test_keep_alive(void **state)
{
    struct fx f;
    char url[256];
    CURL *c = curl_easy_init();
    long conns[3], status[3];
    const char *paths[3] = {"/hello", "/nope", "/items/1"};
    (void)state;
    fx_start(&f, NULL);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    for (int i = 0; i < 3; i++) {
        curl_easy_setopt(c, CURLOPT_URL, URL(paths[i]));
        assert_int_equal(curl_easy_perform(c), CURLE_OK);
        curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &conns[i]);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status[i]);
    }
    curl_easy_cleanup(c);
    assert_int_equal(status[0], 200);
    assert_int_equal(status[1], 404);
    assert_int_equal(status[2], 200);
    assert_int_equal(conns[0], 1);
    assert_int_equal(conns[1], 0); /* re-used, also after a 404 */
    assert_int_equal(conns[2], 0);
    fx_stop(&f);
}

/* GET /base with extra headers; its "base". */
static void base_is(const struct fx *f, const char **hdrs, const char *want)
{
    struct tu_resp r;
    char url[256];
    json_t *j;
    get_json(fx_url(f, "/base", url, sizeof url), hdrs, 200, &r, &j);
    assert_string_equal(fx_str(j, "base"), want);
    json_decref(j);
    tu_resp_free(&r);
}

/* Returned URLs: a Host is used only when allowed (by default the listen
 * host, localhost and the machine's names), X-Forwarded-* only from a trusted
 * proxy; anything else gets the listen address. */
static void test_base_url(void **state)
{
    struct fx f;
    struct http_server_opts o;
    char want[128], me[256] = "", mine[300];
    (void)state;
    fx_start(&f, NULL);
    base_is(&f, NULL, f.base);
    base_is(&f, (const char *[]){"Host: shop.example:8443", NULL}, f.base); /* spoofed */
    base_is(&f, (const char *[]){"Host: evil.example/<script>", NULL}, f.base);
    snprintf(want, sizeof want, "http://localhost:%d", http_server_port(f.srv));
    snprintf(mine, sizeof mine, "Host: localhost:%d", http_server_port(f.srv));
    base_is(&f, (const char *[]){mine, NULL}, want);
    if (gethostname(me, sizeof me - 1) == 0 && *me && !strchr(me, ' ')) {
        char h[300], w[300];
        snprintf(h, sizeof h, "Host: %s:81", me);
        snprintf(w, sizeof w, "http://%s:81", me);
        base_is(&f, (const char *[]){h, NULL}, w); /* the machine's own name */
    }
    /* X-Forwarded-* from a peer that is not a trusted proxy: ignored */
    base_is(&f,
            (const char *[]){"X-Forwarded-Host: localhost", "X-Forwarded-Proto: https", NULL},
            f.base);
    fx_stop(&f);

    tu_http_opts(&o);
    o.conn_timeout_s = 10;
    o.allowed_hosts = "shop.example, .brand.example";
    fx_start(&f, &o);
    base_is(&f, (const char *[]){"Host: shop.example:8443", NULL}, "http://shop.example:8443");
    base_is(&f, (const char *[]){"Host: SHOP.example", NULL}, "http://SHOP.example");
    base_is(&f, (const char *[]){"Host: img.brand.example", NULL}, "http://img.brand.example");
    base_is(&f, (const char *[]){"Host: notbrand.example", NULL}, f.base);
    base_is(&f, (const char *[]){mine, NULL}, f.base); /* a list replaces the defaults */
    base_is(&f, (const char *[]){"X-Forwarded-Host: shop.example", NULL}, f.base);
    fx_stop(&f);

    o.trusted_proxies = "127.0.0.1";
    fx_start(&f, &o);
    base_is(&f,
            (const char *[]){"Host: 127.0.0.1", "X-Forwarded-Host: shop.example, inner",
                             "X-Forwarded-Proto: https", NULL},
            "https://shop.example");
    base_is(&f, (const char *[]){"X-Forwarded-Host: evil.example", NULL}, f.base);
    fx_stop(&f);
}

static void test_log_line(void **state)
{
    struct fx f;
    struct tu_resp r;
    char url[256], text[4096] = "";
    FILE *log = tmpfile();
    size_t n;
    (void)state;
    fx_start(&f, NULL);
    log_set_stream(log);
    log_set_level(LOG_INFO);
    assert_int_equal(tu_get(URL("/items/7?token=secret123"), NULL, &r), 0);
    tu_resp_free(&r);
    assert_int_equal(tu_get(URL("/nope"), NULL, &r), 0);
    tu_resp_free(&r);
    fx_stop(&f); /* completion callbacks have run */
    log_set_level(LOG_WARN);
    log_set_stream(stderr);
    rewind(log);
    n = fread(text, 1, sizeof text - 1, log);
    text[n] = '\0';
    fclose(log);
    assert_non_null(strstr(text, "GET /items/7 200 "));
    assert_non_null(strstr(text, "GET /nope 404 "));
    assert_non_null(strstr(text, "ms"));
    assert_null(strstr(text, "secret123"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routing_and_params),
        cmocka_unit_test(test_bad_paths),
        cmocka_unit_test(test_not_found_and_method),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_error_shape_and_status_map),
        cmocka_unit_test(test_etag_and_headers),
        cmocka_unit_test(test_cors),
        cmocka_unit_test(test_keep_alive),
        cmocka_unit_test(test_base_url),
        cmocka_unit_test(test_log_line),
    };
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
