/*
 * test_body.c - request bodies over real HTTP: multipart (fields, binary
 * files, zero-byte file, repeated field), urlencoded forms, limits by
 * Content-Length and by chunked upload (413 without calling the handler),
 * field limits, malformed forms, and JSON size/depth/syntax errors.
 */
#include "fixture.h"

#define URL(path) fx_url(&f, path, url, sizeof url)

static unsigned char *pattern_bytes(size_t n, unsigned seed)
{
    unsigned char *p = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (unsigned char)(seed >> 16);
    }
    return p;
}

static json_t *file_at(json_t *j, size_t i)
{
    return json_array_get(json_object_get(j, "files"), i);
}

static void test_multipart(void **state)
{
    struct fx f;
    struct tu_resp r;
    char url[256], sha[65], sha2[65];
    size_t big = 300 * 1024;
    unsigned char *bin = pattern_bytes(big, 7), tiny[5] = {0, 1, 0, 255, 0};
    const struct tu_part parts[] = {
        {"name", NULL, NULL, "Gold ring \xe2\x82\xb9", 0},
        {"photo", "../../etc/ring.jpg", "image/jpeg", bin, big},
        {"empty", "empty.bin", "application/octet-stream", "", 0},
        {"files", "a.bin", NULL, tiny, sizeof tiny},
        {"files", "C:\\Users\\x\\b.png", "image/png", bin, 1000},
        {"note", NULL, NULL, "", 0},
    };
    json_t *j, *fl;
    (void)state;
    fx_start(&f, NULL);
    assert_int_equal(tu_post_multipart(URL("/form?a=q"), parts, 6, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    j = fx_json(&r);
    assert_string_equal(fx_str(j, "name"), "Gold ring \xe2\x82\xb9");
    assert_string_equal(fx_str(j, "note"), "");
    assert_string_equal(fx_str(j, "arg"), "q"); /* query before form */
    assert_true(json_is_true(json_object_get(j, "is_form")));
    assert_true(json_is_true(json_object_get(j, "has_photo")));
    assert_int_equal(json_array_size(json_object_get(j, "files")), 4);

    fl = file_at(j, 0);
    util_sha256_hex(bin, big, sha);
    assert_string_equal(fx_str(fl, "field"), "photo");
    assert_string_equal(fx_str(fl, "filename"), "ring.jpg"); /* never a path */
    assert_string_equal(fx_str(fl, "ctype"), "image/jpeg");
    assert_int_equal(json_integer_value(json_object_get(fl, "len")), big);
    assert_string_equal(fx_str(fl, "sha"), sha);

    fl = file_at(j, 1); /* a zero-byte file is still a file */
    assert_string_equal(fx_str(fl, "field"), "empty");
    assert_int_equal(json_integer_value(json_object_get(fl, "len")), 0);

    fl = file_at(j, 2);
    util_sha256_hex(tiny, sizeof tiny, sha2);
    assert_string_equal(fx_str(fl, "field"), "files");
    assert_int_equal(json_integer_value(json_object_get(fl, "len")), sizeof tiny);
    assert_string_equal(fx_str(fl, "sha"), sha2);
    fl = file_at(j, 3);
    assert_string_equal(fx_str(fl, "filename"), "b.png");
    assert_int_equal(json_integer_value(json_object_get(fl, "len")), 1000);
    json_decref(j);
    tu_resp_free(&r);
    free(bin);
    fx_stop(&f);
}

static void test_urlencoded(void **state)
{
    struct fx f;
    struct tu_resp r;
    char url[256];
    const char *body = "name=a+b%21&note=x%26y&a=from-form&empty=";
    json_t *j;
    (void)state;
    fx_start(&f, NULL);
    assert_int_equal(tu_post(URL("/form"), "application/x-www-form-urlencoded; charset=UTF-8", body,
                             strlen(body), NULL, &r),
                     0);
    assert_int_equal(r.status, 200);
    j = fx_json(&r);
    assert_string_equal(fx_str(j, "name"), "a b!");
    assert_string_equal(fx_str(j, "note"), "x&y");
    assert_string_equal(fx_str(j, "arg"), "from-form");
    assert_true(json_is_true(json_object_get(j, "is_form")));
    assert_int_equal(json_array_size(json_object_get(j, "files")), 0);
    json_decref(j);
    tu_resp_free(&r);

    /* a NUL byte in a text field is refused */
    assert_int_equal(
        tu_post(URL("/form"), "application/x-www-form-urlencoded", "name=a%00b", 10, NULL, &r), 0);
    fx_assert_error(&r, 400, "bad_form");
    tu_resp_free(&r);
    fx_stop(&f);
}

static void test_raw_body(void **state)
{
    struct fx f;
    struct tu_resp r;
    char url[256], sha[65];
    unsigned char *bin = pattern_bytes(70000, 3);
    json_t *j;
    (void)state;
    fx_start(&f, NULL);
    assert_int_equal(
        tu_request("PUT", URL("/body"), "application/octet-stream", bin, 70000, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    j = fx_json(&r);
    util_sha256_hex(bin, 70000, sha);
    assert_int_equal(json_integer_value(json_object_get(j, "len")), 70000);
    assert_string_equal(fx_str(j, "sha"), sha);
    json_decref(j);
    tu_resp_free(&r);

    assert_int_equal(tu_post(URL("/body"), NULL, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"len\":0"));
    tu_resp_free(&r);
    free(bin);
    fx_stop(&f);
}

static void test_limit_by_content_length(void **state)
{
    struct http_server_opts o;
    tu_http_opts(&o);
    o.limits.max_body = 1000;
    struct fx f;
    struct tu_resp r;
    char url[256];
    unsigned char *bin = pattern_bytes(5000, 1);
    struct tu_part big[] = {{"photo", "a.jpg", "image/jpeg", bin, 5000}};
    int before;
    (void)state;
    fx_start(&f, &o);
    before = fx_calls;

    tu_post(URL("/body"), "application/octet-stream", bin, 5000, NULL, &r);
    fx_assert_error(&r, 413, "too_large");
    tu_resp_free(&r);
    tu_post_multipart(URL("/form"), big, 1, NULL, &r);
    fx_assert_error(&r, 413, "too_large");
    tu_resp_free(&r);
    /* with Expect: 100-continue the body is never sent at all */
    const char *expect[] = {"Expect: 100-continue", NULL};
    tu_post(URL("/body"), "application/octet-stream", bin, 5000, expect, &r);
    fx_assert_error(&r, 413, "too_large");
    tu_resp_free(&r);
    assert_int_equal(fx_calls, before);

    /* ... not even after a "100 Continue": the 413 is the first answer */
    char reply[512];
    const char *wait = "POST /body HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                       "Content-Length: 5000\r\n\r\n";
    assert_int_equal(
        fx_raw(http_server_port(f.srv), wait, strlen(wait), reply, sizeof reply, 5000, NULL), 413);
    /* exactly at the limit is fine */
    assert_int_equal(tu_post(URL("/body"), "application/octet-stream", bin, 1000, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
    free(bin);
    fx_stop(&f);
}

/* Framing a proxy in front could read differently from us (request
 * smuggling) gets a JSON 400 and the connection closed. */
static void test_ambiguous_framing(void **state)
{
    static const char *const bad[] = {
        "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        "Content-Length: 3\r\n\r\nabc",
        "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
    };
    const char *ok = "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                     "Connection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
    struct fx f;
    char reply[2048];
    int closed = 0, before;
    (void)state;
    fx_start(&f, NULL);
    before = fx_calls;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(fx_raw(http_server_port(f.srv), bad[i], strlen(bad[i]), reply,
                                sizeof reply, 5000, &closed),
                         400);
        assert_true(closed);
        assert_non_null(strstr(reply, "\"code\":\"bad_request\""));
        assert_null(strstr(reply + 12, "HTTP/1.1")); /* nothing after: no smuggled request */
    }
    assert_int_equal(fx_calls, before);
    assert_int_equal(
        fx_raw(http_server_port(f.srv), ok, strlen(ok), reply, sizeof reply, 5000, &closed), 200);
    fx_stop(&f);
}

struct feed {
    size_t left;
};

static size_t read_cb(char *out, size_t sz, size_t n, void *u)
{
    struct feed *fd = u;
    size_t k = sz * n < fd->left ? sz * n : fd->left;
    if (k > 700)
        k = 700; /* many small chunks */
    memset(out, 'x', k);
    fd->left -= k;
    return k;
}

static size_t sink(char *d, size_t sz, size_t n, void *u)
{
    struct buf *b = u;
    buf_append(b, d, sz * n);
    return sz * n;
}

/* POST `total` bytes with Transfer-Encoding: chunked; returns the status. */
static long post_chunked(const char *url, size_t total, struct buf *body)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Transfer-Encoding: chunked");
    struct feed fd = {total};
    long status = 0;
    h = curl_slist_append(h, "Content-Type: application/octet-stream");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &fd);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return status;
}

static void test_limit_chunked(void **state)
{
    struct http_server_opts o;
    tu_http_opts(&o);
    o.limits.max_body = 10000;
    struct fx f;
    char url[256];
    struct buf b;
    int before;
    (void)state;
    fx_start(&f, &o);
    buf_init(&b, 0);
    before = fx_calls;
    assert_int_equal(post_chunked(URL("/body"), 9000, &b), 200);
    assert_non_null(strstr((char *)b.data, "\"len\":9000"));
    assert_int_equal(fx_calls, before + 1);
    buf_release(&b);

    assert_int_equal(post_chunked(URL("/body"), 50000, &b), 413);
    assert_non_null(strstr((char *)b.data, "\"code\":\"too_large\""));
    buf_release(&b);
    assert_int_equal(fx_calls, before + 1); /* handler not called */

    /* the rest of an over-limit body is read and dropped, so the client sees 413 */
    assert_int_equal(post_chunked(URL("/body"), 4u << 20, &b), 413);
    buf_release(&b);
    /* past max_body + 8 MiB of drained data the connection is dropped */
    long st = post_chunked(URL("/body"), 12u << 20, &b);
    assert_true(st == 0 || st == 413);
    buf_release(&b);
    assert_int_equal(fx_calls, before + 1);
    assert_int_equal(post_chunked(URL("/body"), 10, &b), 200);
    buf_release(&b);
    fx_stop(&f);
}

static void test_form_limits(void **state)
{
    struct http_server_opts o;
    tu_http_opts(&o);
    o.limits.max_fields = 3;
    o.limits.max_field_len = 10;
    struct fx f;
    struct tu_resp r;
    char url[256];
    const struct tu_part many[] = {{"a", NULL, NULL, "1", 0},
                                   {"b", NULL, NULL, "2", 0},
                                   {"c", "c.bin", NULL, "3", 1},
                                   {"d", NULL, NULL, "4", 0}};
    const struct tu_part longf[] = {{"name", NULL, NULL, "0123456789A", 0}};
    const struct tu_part exact[] = {{"name", NULL, NULL, "0123456789", 0}};
    int before;
    (void)state;
    fx_start(&f, &o);
    before = fx_calls;
    assert_int_equal(tu_post_multipart(URL("/form"), many, 4, NULL, &r), 0);
    fx_assert_error(&r, 413, "too_many_fields");
    tu_resp_free(&r);
    assert_int_equal(tu_post_multipart(URL("/form"), longf, 1, NULL, &r), 0);
    fx_assert_error(&r, 413, "field_too_large");
    tu_resp_free(&r);
    assert_int_equal(fx_calls, before);
    assert_int_equal(tu_post_multipart(URL("/form"), exact, 1, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
    assert_int_equal(tu_post_multipart(URL("/form"), many, 3, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
    fx_stop(&f);
}

static void test_malformed_forms(void **state)
{
    struct fx f;
    struct tu_resp r;
    char url[256];
    const char *trunc = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nval";
    (void)state;
    fx_start(&f, NULL);
    assert_int_equal(tu_post(URL("/form"), "multipart/form-data", "abc", 3, NULL, &r), 0);
    fx_assert_error(&r, 400, "bad_form");
    tu_resp_free(&r);
    assert_int_equal(
        tu_post(URL("/form"), "multipart/form-data; boundary=XyZ", trunc, strlen(trunc), NULL, &r),
        0);
    fx_assert_error(&r, 400, "bad_form");
    tu_resp_free(&r);
    /* JSON asked of a form body */
    assert_int_equal(tu_post(URL("/json"), "application/x-www-form-urlencoded", "a=1", 3, NULL, &r),
                     0);
    fx_assert_error(&r, 400, "bad_json");
    tu_resp_free(&r);
    fx_stop(&f);
}

static void post_json(struct fx *f, const char *body, long status, const char *code)
{
    struct tu_resp r;
    char url[256];
    assert_int_equal(tu_post(fx_url(f, "/json", url, sizeof url), "application/json", body,
                             strlen(body), NULL, &r),
                     0);
    if (code)
        fx_assert_error(&r, status, code);
    else
        assert_int_equal(r.status, status);
    tu_resp_free(&r);
}

static void test_json_limits(void **state)
{
    struct http_server_opts o;
    tu_http_opts(&o);
    o.limits.max_json = 100;
    o.limits.max_json_depth = 4;
    struct fx f;
    struct tu_resp r;
    char url[256], big[200];
    json_t *j;
    (void)state;
    fx_start(&f, &o);

    const char *nested = "{\"a\":[1,{\"b\":\"[[[[[[\"}]}";
    assert_int_equal(tu_post(URL("/json"), "application/json", nested, strlen(nested), NULL, &r),
                     0);
    assert_int_equal(r.status, 200);
    j = fx_json(&r);
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(json_object_get(json_object_get(j, "got"), "a"), 1), "b")),
        "[[[[[[");
    json_decref(j);
    tu_resp_free(&r);

    post_json(&f, "[[[[1]]]]", 200, NULL);
    post_json(&f, "[[[[[1]]]]]", 400, "bad_json");
    post_json(&f, "{\"a\":{\"b\":{\"c\":{\"d\":{}}}}}", 400, "bad_json");
    post_json(&f, "{\"a\": 1,}", 400, "bad_json");
    post_json(&f, "", 400, "bad_json");
    post_json(&f, "[\"\\\"[[[[[[[\"]", 200, NULL); /* escaped quote inside a string */
    post_json(&f, "\"bare\"", 400, "bad_json");    /* top level must be [] or {} */
    memset(big, ' ', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    big[0] = '1';
    post_json(&f, big, 413, "json_too_large");

    /* the error names the position */
    assert_int_equal(tu_post(URL("/json"), "application/json", "{\n \"a\" 1}", 9, NULL, &r), 0);
    j = fx_json(&r);
    assert_non_null(strstr(fx_str(j, "error"), "line 2"));
    json_decref(j);
    tu_resp_free(&r);
    fx_stop(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multipart),       cmocka_unit_test(test_urlencoded),
        cmocka_unit_test(test_raw_body),        cmocka_unit_test(test_ambiguous_framing),        cmocka_unit_test(test_limit_by_content_length),
        cmocka_unit_test(test_limit_chunked),   cmocka_unit_test(test_form_limits),
        cmocka_unit_test(test_malformed_forms), cmocka_unit_test(test_json_limits),
    };
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
