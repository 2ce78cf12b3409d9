/*
 * test_images.c - API tests for the image endpoints against the real
 * server on a loopback port: upload with duplicate detection, the compat
 * response keys, search, delete, stored files, and every bad input the
 * foundation issue names (each must give a 4xx JSON error and store nothing).
 */
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vips/vips.h>

static struct tu_server srv;

static int setup(void **state)
{
    (void)state;
    if (VIPS_INIT("test"))
        return -1;
    return tu_server_start_tmp(&srv, NULL);
}

static int teardown(void **state)
{
    (void)state;
    return tu_server_finish(&srv);
}

static void url(char *out, size_t n, const char *path)
{
    snprintf(out, n, "%s%s", srv.base, path);
}

/* POST file (+ optional website/check_duplicate) and parse the JSON reply. */
static json_t *upload(const char *path, const void *data, size_t n, const char *fname,
                      const char *extra_name, const char *extra_val, long *status)
{
    char u[512];
    struct tu_part parts[2] = {{"file", fname, "image/jpeg", data, n},
                               {extra_name, NULL, NULL, extra_val, 0}};
    struct tu_resp r;
    json_t *j;
    int rc;
    url(u, sizeof u, path);
    rc = tu_post_multipart(u, parts, extra_name ? 2 : 1, NULL, &r);
    *status = r.status;
    j = rc == 0 ? json_loads(r.body, 0, NULL) : NULL;
    if (!j)
        fprintf(stderr, "%s: %s (status %ld): %.300s\n", path,
                rc ? "the exchange failed" : "not JSON", r.status, r.body);
    tu_resp_free(&r); /* before asserting: nothing leaks when it fails */
    assert_non_null(j);
    return j;
}

static unsigned char *item(int seed, int w, int h, double scale, int q, size_t *n)
{
    struct tu_img_opts o = {.width = w, .height = h, .seed = seed, .scale = scale, .quality = q};
    return tu_make_image(&o, n);
}

static long long images_indexed(void)
{
    char u[256];
    struct tu_resp r;
    json_t *j;
    long long n;
    url(u, sizeof u, "/health");
    assert_int_equal(tu_get(u, NULL, &r), 0);
    j = json_loads(r.body, 0, NULL);
    n = json_integer_value(json_object_get(j, "images_indexed"));
    json_decref(j);
    tu_resp_free(&r);
    return n;
}

static void test_new_then_duplicate(void **state)
{
    size_t n1, n2;
    unsigned char *a = item(101, 1200, 1200, 0.6, 92, &n1);
    unsigned char *b = item(101, 800, 800, 0.45, 70, &n2); /* resized, re-framed, re-encoded */
    long st;
    json_t *j;
    (void)state;

    j = upload("/image_similarity_search", a, n1, "ring.jpg", NULL, NULL, &st);
    assert_int_equal(st, 200);
    assert_true(json_is_false(json_object_get(j, "duplicate_found")));
    assert_string_equal(json_string_value(json_object_get(j, "image_name")), "ring.jpg");
    const char *s3 = json_string_value(json_object_get(j, "s3_url"));
    assert_true(tu_file_url_in(s3, "alyaimg"));
    char first[1024];
    snprintf(first, sizeof first, "%s", s3);
    json_decref(j);

    j = upload("/image_similarity_search", b, n2, "ring-copy.jpg", NULL, NULL, &st);
    assert_int_equal(st, 200);
    assert_true(json_is_true(json_object_get(j, "duplicate_found")));
    json_t *res0 = json_array_get(json_object_get(j, "results"), 0);
    assert_non_null(res0);
    assert_string_equal(json_string_value(json_object_get(res0, "path")), first);
    assert_true(json_is_integer(json_object_get(res0, "id")));
    assert_true(json_is_number(json_object_get(res0, "distance")));
    double dist = json_number_value(json_object_get(res0, "distance"));
    assert_true(dist >= 0.0 && dist < 0.05);
    json_decref(j);

    /* the stored file is served with its type and an ETag */
    struct tu_resp r;
    assert_int_equal(tu_get(first, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, n1);
    assert_memory_equal(r.body, a, n1);
    assert_string_equal(r.ctype, "image/jpeg");
    assert_true(strlen(r.etag) > 2);
    tu_resp_free(&r);
    free(a);
    free(b);
}

static void test_different_items_not_duplicates(void **state)
{
    long st;
    (void)state;
    for (int seed = 200; seed < 206; seed++) {
        size_t n;
        unsigned char *a = item(seed, 900, 900, 0.7, 90, &n);
        json_t *j = upload("/image_similarity_search", a, n, "x.jpg", NULL, NULL, &st);
        assert_int_equal(st, 200);
        assert_true(json_is_false(json_object_get(j, "duplicate_found")));
        json_decref(j);
        free(a);
    }
}

static void test_check_duplicate_no(void **state)
{
    size_t n;
    unsigned char *a = item(300, 700, 700, 0.7, 90, &n);
    long st;
    json_t *j;
    char u[512];
    (void)state;
    j = upload("/image_similarity_search", a, n, "a.jpg", NULL, NULL, &st);
    json_decref(j);
    /* query-string form of the parameter, as the original read it */
    url(u, sizeof u, "/image_similarity_search?check_duplicate=no");
    struct tu_part p = {"file", "a.jpg", "image/jpeg", a, n};
    struct tu_resp r;
    assert_int_equal(tu_post_multipart(u, &p, 1, NULL, &r), 0);
    j = json_loads(r.body, 0, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(j, "duplicate_check")), "skipped");
    assert_true(json_is_false(json_object_get(j, "duplicate_found")));
    json_decref(j);
    tu_resp_free(&r);
    free(a);
}

static void test_upload_and_index_then_search(void **state)
{
    size_t n;
    unsigned char *a = item(400, 1000, 1000, 0.7, 90, &n);
    long st;
    json_t *j;
    (void)state;
    j = upload("/upload-and-index", a, n, "s.jpg", "website", "blysk", &st);
    assert_int_equal(st, 200);
    assert_true(json_is_true(json_object_get(j, "indexed")));
    assert_true(tu_file_url_in(json_string_value(json_object_get(j, "s3_url")), "blyskimg"));
    json_int_t id = json_integer_value(json_object_get(j, "id"));
    json_decref(j);

    j = upload("/image-search", a, n, "q.jpg", "top_k", "3", &st);
    assert_int_equal(st, 200);
    json_t *results = json_object_get(j, "results");
    assert_true(json_array_size(results) >= 1 && json_array_size(results) <= 3);
    json_t *best = json_array_get(results, 0);
    assert_int_equal(json_integer_value(json_object_get(best, "id")), id);
    double score = json_real_value(json_object_get(best, "score"));
    assert_true(score > 0.99);
    for (size_t i = 1; i < json_array_size(results); i++)
        assert_true(json_real_value(json_object_get(json_array_get(results, i), "score")) <=
                    score + 1e-6);
    json_decref(j);
    free(a);
}

static void test_delete(void **state)
{
    size_t n;
    unsigned char *a = item(500, 800, 800, 0.7, 90, &n);
    long st;
    json_t *j;
    char u[512], body[2048];
    struct tu_resp r;
    (void)state;
    j = upload("/image_similarity_search", a, n, "d.jpg", NULL, NULL, &st);
    char s3[1024];
    snprintf(s3, sizeof s3, "%s", json_string_value(json_object_get(j, "s3_url")));
    json_decref(j);
    long long before = images_indexed();

    url(u, sizeof u, "/delete_image");
    snprintf(body, sizeof body,
             "{\"s3_url\": \"%s, https://alyaimg.s3.amazonaws.com/x.jpg, not a url\"}", s3);
    assert_int_equal(tu_post(u, "application/json", body, strlen(body), NULL, &r), 0);
    assert_int_equal(r.status, 200);
    j = json_loads(r.body, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "partial");
    json_t *res = json_object_get(j, "results");
    assert_int_equal(json_array_size(res), 3);
    assert_true(json_is_true(json_object_get(json_array_get(res, 0), "deleted")));
    assert_true(json_is_false(json_object_get(json_array_get(res, 1), "deleted")));
    json_decref(j);
    tu_resp_free(&r);
    assert_int_equal(images_indexed(), before - 1);
    assert_int_equal(tu_get(s3, NULL, &r), 0);
    assert_int_equal(r.status, 404);
    tu_resp_free(&r);

    /* the same photo can be uploaded again: nothing of it is left */
    j = upload("/image_similarity_search", a, n, "d.jpg", NULL, NULL, &st);
    assert_true(json_is_false(json_object_get(j, "duplicate_found")));
    json_decref(j);
    free(a);
}

/* A stored file's path on another host (or scheme, or port) is not this
 * server's URL: refused with a 4xx JSON per URL, and the file stays. */
static void test_delete_foreign_host_refused(void **state)
{
    size_t n;
    unsigned char *a = item(510, 640, 640, 0.7, 90, &n);
    const char *hosts[] = {"https://any-other-host", "http://evil.test:%d", "https://127.0.0.1:%d",
                           "http://127.0.0.1:%d@evil.test"};
    char u[512], s3[1024], body[6000], host[128];
    struct tu_resp r;
    long st;
    json_t *j = upload("/image_similarity_search", a, n, "f.jpg", NULL, NULL, &st);
    (void)state;
    snprintf(s3, sizeof s3, "%s", json_string_value(json_object_get(j, "s3_url")));
    json_decref(j);
    const char *path = strstr(s3, "/files/");
    long long before = images_indexed();

    snprintf(body, sizeof body, "{\"s3_url\": \"");
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        snprintf(host, sizeof host, hosts[i], srv.port);
        snprintf(body + strlen(body), sizeof body - strlen(body), "%s%s%s", i ? ", " : "", host,
                 path);
    }
    snprintf(body + strlen(body), sizeof body - strlen(body), "\"}");
    url(u, sizeof u, "/delete_image");
    assert_int_equal(tu_post(u, "application/json", body, strlen(body), NULL, &r), 0);
    assert_int_equal(r.status, 404);
    j = json_loads(r.body, 0, NULL);
    tu_resp_free(&r);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "failed");
    json_t *res = json_object_get(j, "results");
    assert_int_equal(json_array_size(res), sizeof hosts / sizeof hosts[0]);
    for (size_t i = 0; i < json_array_size(res); i++) {
        json_t *one = json_array_get(res, i);
        assert_true(json_is_false(json_object_get(one, "deleted")));
        assert_string_equal(json_string_value(json_object_get(one, "code")), "not_karat_url");
    }
    json_decref(j);
    assert_int_equal(images_indexed(), before);
    assert_int_equal(tu_get(s3, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
    free(a);
}

/* ---- bad input: 4xx JSON with "error" and "code", nothing stored ---- */

/* status by pointer: read after the upload in the same call has set it */
static void expect_error(const long *status, json_t *j, long want, const char *code)
{
    long st = *status;
    int has_error = json_string_value(json_object_get(j, "error")) != NULL;
    const char *c = json_string_value(json_object_get(j, "code"));
    char got_code[64];
    snprintf(got_code, sizeof got_code, "%s", c ? c : "");
    json_decref(j); /* before asserting: nothing leaks when it fails */
    assert_int_equal(st, want);
    assert_true(has_error);
    if (code)
        assert_string_equal(got_code, code);
}

static void test_bad_inputs(void **state)
{
    long st;
    size_t n;
    unsigned char *a = item(600, 600, 600, 0.7, 90, &n);
    long long before = images_indexed();
    (void)state;

    expect_error(&st, upload("/image_similarity_search", "", 0, "e.jpg", NULL, NULL, &st), 400,
                 "empty_file");
    expect_error(&st, upload("/image_similarity_search", a, n / 2, "t.jpg", NULL, NULL, &st), 400,
                 NULL);
    expect_error(&st,
                 upload("/image_similarity_search", "hello world", 11, "h.jpg", NULL, NULL, &st),
                 400, "not_an_image");
    expect_error(&st, upload("/image_similarity_search", a, n, "w.jpg", "website", "amazon", &st),
                 400, "invalid_website");
    expect_error(&st, upload("/image_similarity_search", a, n, "w.jpg", "top_k", "-3", &st), 400,
                 NULL);
    expect_error(&st, upload("/image-search", "", 0, "e.jpg", NULL, NULL, &st), 400, NULL);
    assert_int_equal(images_indexed(), before);

    /* the original's exact message for an unknown website */
    json_t *j = upload("/image_similarity_search", a, n, "w.jpg", "website", "zzz", &st);
    assert_string_equal(json_string_value(json_object_get(j, "error")),
                        "Invalid website. Use 'alya' or 'blysk'");
    json_decref(j);
    free(a);
}

static void test_png_named_jpg_and_traversal_name(void **state)
{
    struct tu_img_opts o = {.width = 640, .height = 640, .seed = 700, .format = "png"};
    size_t n;
    unsigned char *png = tu_make_image(&o, &n);
    long st;
    json_t *j;
    struct tu_resp r;
    (void)state;
    j = upload("/image_similarity_search", png, n, "../../etc/passwd", NULL, NULL, &st);
    assert_int_equal(st, 200);
    const char *s3 = json_string_value(json_object_get(j, "s3_url"));
    assert_null(strstr(s3, "passwd"));
    assert_null(strstr(s3, ".."));
    assert_string_equal(json_string_value(json_object_get(j, "image_name")), "passwd");
    /* the key gets the detected type's extension, and the file is served as PNG */
    assert_non_null(strstr(s3, ".png"));
    assert_int_equal(tu_get(s3, NULL, &r), 0);
    assert_string_equal(r.ctype, "image/png");
    tu_resp_free(&r);
    json_decref(j);
    free(png);
}

static void test_no_multipart_and_missing_field(void **state)
{
    char u[512];
    struct tu_resp r;
    json_t *j;
    struct tu_part p = {"website", NULL, NULL, "alya", 0};
    (void)state;
    url(u, sizeof u, "/image_similarity_search");
    assert_int_equal(tu_post(u, "application/json", "{}", 2, NULL, &r), 0);
    assert_int_equal(r.status, 415);
    tu_resp_free(&r);
    assert_int_equal(tu_post(u, "image/jpeg", "", 0, NULL, &r), 0); /* 0-byte body */
    assert_true(r.status >= 400 && r.status < 500);
    j = json_loads(r.body, 0, NULL);
    assert_non_null(json_object_get(j, "error"));
    json_decref(j);
    tu_resp_free(&r);
    assert_int_equal(tu_post_multipart(u, &p, 1, NULL, &r), 0);
    assert_int_equal(r.status, 400);
    j = json_loads(r.body, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "code")), "missing_file");
    json_decref(j);
    tu_resp_free(&r);
}

/* 26 MiB of junk, allocated outside the test so a failing assertion (which
 * leaves the test at once) cannot leak it. */
static int big_setup(void **state)
{
    *state = malloc(26u << 20);
    if (!*state)
        return -1;
    memset(*state, 0x5a, 26u << 20);
    return 0;
}

static int big_teardown(void **state)
{
    free(*state);
    return 0;
}

/* The simplest client there is: write the whole request, then read the
 * reply (0 if it got none: reset, or closed first). */
static long send_then_read(const void *body, size_t n)
{
    char head[256], reply[512] = "";
    size_t got = 0;
    ssize_t k = 0;
    int fd = tu_connect(srv.port, 0);
    snprintf(head, sizeof head,
             "POST /image_similarity_search HTTP/1.1\r\nHost: x\r\nContent-Type: "
             "multipart/form-data; boundary=zz\r\nContent-Length: %zu\r\n\r\n",
             n);
    k = send(fd, head, strlen(head), MSG_NOSIGNAL);
    for (size_t off = 0; k > 0 && off < n; off += (size_t)k)
        k = send(fd, (const char *)body + off, n - off, MSG_NOSIGNAL);
    while (k > 0 && got < sizeof reply - 1 &&
           (k = recv(fd, reply + got, sizeof reply - 1 - got, 0)) > 0)
        got += (size_t)k;
    close(fd);
    return strncmp(reply, "HTTP/1.1 ", 9) == 0 && strstr(reply, "\"too_large\"") ? atol(reply + 9)
                                                                                 : 0;
}

static void test_too_large(void **state)
{
    long st;
    VipsImage *im = NULL;
    void *jpg = NULL;
    size_t jn = 0;
    long long before = images_indexed();
    /* over the 25 MiB limit with no Expect: 100-continue, so the whole body
       is on its way when the server decides: the client must still read the
       413, every time (the server drains the declared body before answering
       instead of resetting a connection that is still being written) */
    for (int i = 0; i < 4; i++)
        expect_error(
            &st, upload("/image_similarity_search", *state, 26u << 20, "big.jpg", NULL, NULL, &st),
            413, "too_large");
    assert_int_equal(send_then_read(*state, 26u << 20), 413);
    /* 60 MP: small file, refused from its header */
    assert_int_equal(vips_black(&im, 8000, 7500, NULL), 0);
    assert_int_equal(vips_jpegsave_buffer(im, &jpg, &jn, "Q", 50, NULL), 0);
    g_object_unref(im);
    json_t *j = upload("/image_similarity_search", jpg, jn, "huge.jpg", NULL, NULL, &st);
    g_free(jpg);
    expect_error(&st, j, 413, "too_many_pixels");
    assert_int_equal(images_indexed(), before);
}

static void test_delete_bad_json(void **state)
{
    char u[512];
    struct tu_resp r;
    (void)state;
    url(u, sizeof u, "/delete_image");
    assert_int_equal(tu_post(u, "application/json", "{\"s3_url\": ", 11, NULL, &r), 0);
    assert_int_equal(r.status, 400);
    tu_resp_free(&r);
    assert_int_equal(tu_post(u, "application/json", "{}", 2, NULL, &r), 0);
    assert_int_equal(r.status, 400);
    tu_resp_free(&r);
}

static void test_files_and_unknown_paths(void **state)
{
    char u[512];
    struct tu_resp r;
    (void)state;
    url(u, sizeof u, "/files/alyaimg/..%2F..%2Fetc%2Fpasswd");
    assert_int_equal(tu_get(u, NULL, &r), 0);
    assert_int_equal(r.status, 404);
    tu_resp_free(&r);
    url(u, sizeof u, "/files/otherbucket/x.jpg");
    assert_int_equal(tu_get(u, NULL, &r), 0);
    assert_int_equal(r.status, 404);
    tu_resp_free(&r);
    url(u, sizeof u, "/reindex_images");
    assert_int_equal(tu_get(u, NULL, &r), 0);
    assert_int_equal(r.status, 404);
    tu_resp_free(&r);
}

static void test_metrics(void **state)
{
    char u[512];
    struct tu_resp r;
    (void)state;
    url(u, sizeof u, "/metrics");
    assert_int_equal(tu_get(u, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "karat_images_indexed"));
    assert_non_null(strstr(r.body, "karat_duplicates_found"));
    assert_non_null(strstr(r.body, "image_similarity_search"));
    /* each backend's call latency and failures (the earlier tests uploaded) */
    assert_non_null(strstr(r.body, "# TYPE karat_backend_duration_ms histogram"));
    assert_non_null(
        strstr(r.body, "karat_backend_duration_ms_bucket{backend=\"store\",le=\"+Inf\"}"));
    assert_non_null(strstr(r.body, "karat_backend_duration_ms_count{backend=\"blob\"}"));
    assert_non_null(strstr(r.body, "karat_backend_errors_total{backend=\"store\"} 0\n"));
    assert_non_null(strstr(r.body, "karat_backend_errors_total{backend=\"blob\"} 0\n"));
    tu_resp_free(&r);
}

/* /health: the store and the blob store checked live, with latency and call
 * statistics; the providers' statistics (no provider is called). */
static void test_health_backends(void **state)
{
    char u[512];
    struct tu_resp r;
    json_t *j, *b;
    const char *names[] = {"store", "blob"};
    (void)state;
    url(u, sizeof u, "/health");
    assert_int_equal(tu_get(u, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    j = json_loads(r.body, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "ok");
    b = json_object_get(j, "backends");
    for (int i = 0; i < 2; i++) {
        json_t *o = json_object_get(b, names[i]);
        assert_true(json_is_true(json_object_get(o, "ok")));
        assert_true(json_is_string(json_object_get(o, "backend")));
        assert_true(json_real_value(json_object_get(o, "latency_ms")) >= 0);
        assert_true(json_integer_value(json_object_get(o, "calls")) > 0);
        assert_int_equal(json_integer_value(json_object_get(o, "errors")), 0);
        assert_true(json_is_real(json_object_get(o, "mean_ms")));
    }
    assert_string_equal(json_string_value(json_object_get(json_object_get(b, "store"), "backend")),
                        getenv("KARAT_TEST_STORE") ? getenv("KARAT_TEST_STORE") : "sqlite");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(json_object_get(b, "providers"), "gemini"), "calls")),
                     0);
    json_decref(j);
    tu_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_then_duplicate),
        cmocka_unit_test(test_different_items_not_duplicates),
        cmocka_unit_test(test_check_duplicate_no),
        cmocka_unit_test(test_upload_and_index_then_search),
        cmocka_unit_test(test_delete),
        cmocka_unit_test(test_delete_foreign_host_refused),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_png_named_jpg_and_traversal_name),
        cmocka_unit_test(test_no_multipart_and_missing_field),
        cmocka_unit_test_setup_teardown(test_too_large, big_setup, big_teardown),
        cmocka_unit_test(test_delete_bad_json),
        cmocka_unit_test(test_files_and_unknown_paths),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_health_backends),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
