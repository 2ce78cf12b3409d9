/*
 * test_web.c - what the browser app reads, on the real server: the page and
 * its assets (public, with CSP; unknown or traversing names 404 as JSON),
 * GET /thumbs (a small JPEG of a stored photo, bounded sizes, ETag and
 * Cache-Control, 400/404 for bad sizes, buckets and keys), GET /images (the
 * stored photos, newest first, bounded limit) and GET /status (which
 * providers' keys are set, never the keys themselves), GET /jobs (this
 * client's jobs, newest first).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_api.h"
#include "testutil.h"

#define GKEY "status-test-google-key-5f1e9a"

static struct tu_server srv;

static int setup(void **state)
{
    static const char *const env[] = {"GOOGLE_API_KEY=" GKEY, "KARAT_ATTR_PROVIDER=offline",
                                      "KARAT_COPY_PROVIDER=offline", "KARAT_IMAGE_PROVIDER=offline",
                                      NULL};
    (void)state;
    return tu_server_start_tmp(&srv, env);
}

static int teardown(void **state)
{
    (void)state;
    return tu_server_finish(&srv);
}

static long get(const char *path, const char *const *hdrs, struct tu_resp *r)
{
    char url[1200];
    snprintf(url, sizeof url, "%s%s", srv.base, path);
    assert_int_equal(tu_get(url, hdrs, r), 0);
    return r->status;
}

static void test_app_assets(void **state)
{
    static const char *const bad[] = {"/app/nope.js", "/app/../web/app.js", "/app/%2e%2e/openapi.json",
                                      "/app/pages", "/app/pages/", "/app/app.js%00"};
    struct tu_resp r;
    char h[512];
    (void)state;
    assert_int_equal(get("/", NULL, &r), 200);
    assert_non_null(strstr(r.ctype, "text/html"));
    assert_non_null(tu_resp_header(&r, "Content-Security-Policy", h, sizeof h));
    assert_non_null(strstr(r.body, "/app/app.js"));
    tu_resp_free(&r);
    assert_int_equal(get("/app/pages/photos.js", NULL, &r), 200);
    assert_non_null(strstr(r.ctype, "text/javascript"));
    tu_resp_free(&r);
    assert_int_equal(get("/docs", NULL, &r), 200);
    tu_resp_free(&r);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long st = get(bad[i], NULL, &r);
        assert_true(st == 404 || st == 400);
        assert_non_null(strstr(r.body, "\"code\""));
        tu_resp_free(&r);
    }
}

static void test_thumbs(void **state)
{
    char *u = ca_upload(&srv, 7), path[1200], etag[160], hdr[200];
    const char *key = strstr(u, "/files/") + strlen("/files/");
    struct tu_resp r, full;
    (void)state;
    snprintf(path, sizeof path, "/thumbs/%s?w=128", key);
    assert_int_equal(get(path, NULL, &r), 200);
    assert_string_equal(r.ctype, "image/jpeg");
    assert_true(r.len > 100 && (unsigned char)r.body[0] == 0xFF && (unsigned char)r.body[1] == 0xD8);
    assert_non_null(tu_resp_header(&r, "Cache-Control", hdr, sizeof hdr));
    snprintf(etag, sizeof etag, "If-None-Match: %s", r.etag);
    snprintf(path, sizeof path, "/files/%s", key);
    assert_int_equal(get(path, NULL, &full), 200);
    assert_true(r.len < full.len);
    tu_resp_free(&full);
    tu_resp_free(&r);
    {
        const char *const hdrs[] = {etag, NULL};
        snprintf(path, sizeof path, "/thumbs/%s?w=128", key);
        assert_int_equal(get(path, hdrs, &r), 304);
        tu_resp_free(&r);
    }
    snprintf(path, sizeof path, "/thumbs/%s?w=100", key);
    assert_int_equal(get(path, NULL, &r), 400);
    tu_resp_free(&r);
    snprintf(path, sizeof path, "/thumbs/%s?w=2560", key);
    assert_int_equal(get(path, NULL, &r), 400);
    tu_resp_free(&r);
    assert_int_equal(get("/thumbs/nobucket/x.jpg", NULL, &r), 404);
    tu_resp_free(&r);
    assert_int_equal(get("/thumbs/alyaimg/missing.jpg", NULL, &r), 404);
    tu_resp_free(&r);
    free(u);
}

static void test_images_list(void **state)
{
    char *a = ca_upload(&srv, 11), *b = ca_upload(&srv, 12);
    struct tu_resp r;
    json_t *o, *imgs;
    (void)state;
    assert_int_equal(get("/images?limit=2", NULL, &r), 200);
    o = ca_json(&r);
    tu_resp_free(&r);
    imgs = json_object_get(o, "images");
    assert_int_equal(json_array_size(imgs), 2);
    assert_string_equal(ca_str(json_array_get(imgs, 0), "s3_url"), b); /* newest first */
    assert_string_equal(ca_str(json_array_get(imgs, 1), "s3_url"), a);
    assert_non_null(strstr(ca_str(json_array_get(imgs, 0), "thumb_url"), "/thumbs/alyaimg/"));
    json_decref(o);
    assert_int_equal(get("/images?limit=1&offset=1", NULL, &r), 200);
    o = ca_json(&r);
    tu_resp_free(&r);
    assert_string_equal(ca_str(json_array_get(json_object_get(o, "images"), 0), "s3_url"), a);
    json_decref(o);
    assert_int_equal(get("/images?website=blysk", NULL, &r), 200);
    o = ca_json(&r);
    tu_resp_free(&r);
    assert_int_equal(json_array_size(json_object_get(o, "images")), 0);
    json_decref(o);
    assert_int_equal(get("/images?limit=0", NULL, &r), 400);
    tu_resp_free(&r);
    assert_int_equal(get("/images?website=nope", NULL, &r), 400);
    tu_resp_free(&r);
    free(a);
    free(b);
}

static void test_status_never_shows_keys(void **state)
{
    struct tu_resp r;
    json_t *o;
    (void)state;
    assert_int_equal(get("/status", NULL, &r), 200);
    assert_null(strstr(r.body, GKEY));
    o = ca_json(&r);
    tu_resp_free(&r);
    assert_true(json_is_true(json_object_get(json_object_get(o, "keys_configured"), "gemini")));
    assert_true(json_is_false(json_object_get(json_object_get(o, "keys_configured"), "openai")));
    assert_string_equal(ca_str(json_object_get(o, "providers"), "attributes"), "offline");
    /* the .pg variant of this test runs the server on PostgreSQL */
    const char *want = getenv("KARAT_TEST_STORE") ? getenv("KARAT_TEST_STORE") : "sqlite";
    assert_string_equal(ca_str(json_object_get(o, "backends"), "store"), want);
    json_decref(o);
}

static void test_recent_jobs(void **state)
{
    long st;
    json_t *a = ca_post_photos(&srv, NULL, 1, 31, "earrings", "amazon", "JOB-A", NULL, &st);
    json_t *b = ca_post_photos(&srv, NULL, 1, 32, "earrings", "amazon", "JOB-B", NULL, &st);
    struct tu_resp r;
    json_t *o, *jobs;
    (void)state;
    assert_int_equal(st, 200);
    assert_int_equal(get("/jobs", NULL, &r), 200);
    o = ca_json(&r);
    tu_resp_free(&r);
    jobs = json_object_get(o, "jobs");
    assert_int_equal(json_array_size(jobs), 2);
    assert_string_equal(ca_str(json_array_get(jobs, 0), "job_id"), ca_str(b, "job_id"));
    assert_string_equal(ca_str(json_array_get(jobs, 1), "job_id"), ca_str(a, "job_id"));
    assert_string_equal(ca_str(json_array_get(jobs, 0), "status"), "done");
    assert_string_equal(ca_str(json_array_get(jobs, 0), "kind"), "catalog");
    json_decref(o);
    assert_int_equal(get("/jobs?limit=1", NULL, &r), 200);
    o = ca_json(&r);
    tu_resp_free(&r);
    assert_int_equal(json_array_size(json_object_get(o, "jobs")), 1);
    json_decref(o);
    assert_int_equal(get("/jobs?limit=0", NULL, &r), 400);
    tu_resp_free(&r);
    json_decref(a);
    json_decref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_app_assets),
        cmocka_unit_test(test_thumbs),
        cmocka_unit_test(test_images_list),
        cmocka_unit_test(test_status_never_shows_keys),
        cmocka_unit_test(test_recent_jobs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
