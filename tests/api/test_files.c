/*
 * test_files.c - GET /files/{bucket}/{key} against hostile paths on the real
 * server: dot segments in every encoding (plain, percent, double-percent,
 * overlong UTF-8, backslash, mixed case), absolute paths, NUL bytes, unknown
 * and traversing buckets. Each answers 400 or 404 as JSON and none ever
 * serves a byte from outside the blob folder (a marker file placed in the
 * data folder, the database, /etc/passwd). A stored photo is still served.
 * Returned URLs follow an allowed Host only (test_returned_urls).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_api.h"
#include "testutil.h"

#define MARKER "KARAT-TRAVERSAL-MARKER-51d3"

static struct tu_server srv;

static int setup(void **state)
{
    static const char *const env[] = {NULL};
    char path[700];
    (void)state;
    if (tu_server_start_tmp(&srv, env))
        return -1;
    snprintf(path, sizeof path, "%s/secret.txt", srv.data_dir);
    tu_write_file(path, MARKER, strlen(MARKER));
    snprintf(path, sizeof path, "%s/blobs/secret.txt", srv.data_dir);
    tu_write_file(path, MARKER, strlen(MARKER));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return tu_server_finish(&srv);
}

static void test_traversal_variants(void **state)
{
    static const char *const paths[] = {
        "/files/alyaimg/../secret.txt",
        "/files/alyaimg/../../secret.txt",
        "/files/alyaimg/..%2fsecret.txt",
        "/files/alyaimg/..%2Fsecret.txt",
        "/files/alyaimg/%2e%2e/secret.txt",
        "/files/alyaimg/%2e%2e%2fsecret.txt",
        "/files/alyaimg/%2E%2E%2F%2E%2E%2Fsecret.txt",
        "/files/alyaimg/.%2e/secret.txt",
        "/files/alyaimg/%252e%252e%252fsecret.txt",
        "/files/alyaimg/..%5csecret.txt",
        "/files/alyaimg/..\\secret.txt",
        "/files/alyaimg/%c0%ae%c0%ae/secret.txt",
        "/files/alyaimg/%c0%ae%c0%ae%c0%afsecret.txt",
        "/files/alyaimg/....//secret.txt",
        "/files/alyaimg/..;/secret.txt",
        "/files/alyaimg/./../secret.txt",
        "/files/alyaimg/%2e/%2e%2e/secret.txt",
        "/files/alyaimg/gen_images/../../secret.txt",
        "/files/alyaimg/gen_images/%2e%2e/%2e%2e/karat.db",
        "/files/alyaimg/../../karat.db",
        "/files/alyaimg/%2fetc%2fpasswd",
        "/files/alyaimg//etc/passwd",
        "/files/alyaimg/../../../../../../../../etc/passwd",
        "/files/alyaimg/secret.txt%00.jpg",
        "/files/alyaimg/%00../secret.txt",
        "/files/../secret.txt",
        "/files/%2e%2e/secret.txt",
        "/files/..%2f..%2fsecret.txt/x",
        "/files/blobs/secret.txt",
        "/files/alyaimg/.staging/x.jpg",
        "/files/alyaimg/.",
        "/files/alyaimg/..",
    };
    char url[1024];
    struct tu_resp r;
    (void)state;

    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        snprintf(url, sizeof url, "%s%s", srv.base, paths[i]);
        assert_int_equal(tu_get(url, NULL, &r), 0);
        if (r.status != 400 && r.status != 404)
            fail_msg("%s: status %ld", paths[i], r.status);
        if (r.body && (strstr(r.body, MARKER) || strstr(r.body, "root:") ||
                       strstr(r.body, "SQLite format")))
            fail_msg("%s: served a file from outside the blob folder", paths[i]);
        assert_non_null(strstr(r.ctype, "application/json"));
        tu_resp_free(&r);
    }
}

static void test_stored_photo_still_served(void **state)
{
    char *u = ca_upload(&srv, 5), local[1024];
    struct tu_resp r;
    (void)state;
    ca_local_url(&srv, u, local, sizeof local);
    assert_int_equal(tu_get(local, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_true(r.len > 100);
    tu_resp_free(&r);
    free(u);
}

/* Returned URLs with KARAT_PUBLIC_URL unset: a spoofed Host gets the listen
 * address; an allowed one (localhost, by default) is used, and a URL handed
 * out under it is still this server's own in a later request. */
static void test_returned_urls(void **state)
{
    char host[64], want[128], body[1024], url[256];
    const char *evil[] = {"Host: evil.example", NULL}, *local[] = {host, NULL};
    char *u;
    struct tu_resp r;
    (void)state;
    u = ca_upload_as(&srv, 6, evil);
    snprintf(want, sizeof want, "%s/files/", srv.base);
    assert_memory_equal(u, want, strlen(want));
    assert_null(strstr(u, "evil"));
    free(u);
    snprintf(host, sizeof host, "Host: localhost:%d", srv.port);
    u = ca_upload_as(&srv, 7, local);
    snprintf(want, sizeof want, "http://localhost:%d/files/", srv.port);
    assert_memory_equal(u, want, strlen(want));
    snprintf(body, sizeof body, "{\"s3_urls\": \"%s\", \"product_type\": \"ear\", "
             "\"image_types\": [1]}", u);
    snprintf(url, sizeof url, "%s/generate-images", srv.base); /* Host: 127.0.0.1:PORT */
    assert_int_equal(tu_post(url, "application/json", body, strlen(body), NULL, &r), 0);
    if (r.status != 200)
        fprintf(stderr, "%.*s\n", (int)r.len, r.body);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, srv.base)); /* this request's URLs: its own allowed Host */
    tu_resp_free(&r);
    free(u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_traversal_variants),
        cmocka_unit_test(test_stored_photo_still_served),
        cmocka_unit_test(test_returned_urls),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
