/*
 * test_faults.c - the server under a failing store or disk: errors are
 * answered as 5xx JSON and never taken for "not found" or "no duplicate".
 *
 * The servers here are `karat_fault` (KARAT_FAULT_BIN): the real karat
 * with the fault-injecting backends of tests/support/fault.h selected by
 * KARAT_STORE=fault / KARAT_BLOB=fault and rules in KARAT_FAULTS.
 */
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

static int setup(void **state)
{
    (void)state;
    return VIPS_INIT("test") ? -1 : 0;
}

/* Start `bin` (an environment variable naming a binary) on dir. */
static int start(struct tu_server *s, const char *bin, const char *dir, const char *const *env)
{
    char *karat = strdup(getenv("KARAT_BIN"));
    int rc;
    setenv("KARAT_BIN", getenv(bin), 1);
    rc = tu_server_start(s, dir, env);
    setenv("KARAT_BIN", karat, 1);
    free(karat);
    return rc;
}

static json_t *call(const struct tu_server *s, const char *path, const char *json,
                    const void *photo, size_t n, long *status)
{
    char u[256];
    struct tu_part part = {"file", "ring.jpg", "image/jpeg", photo, n};
    struct tu_resp r;
    json_t *j;
    snprintf(u, sizeof u, "%s%s", s->base, path);
    if (json)
        assert_int_equal(tu_post(u, "application/json", json, strlen(json), NULL, &r), 0);
    else
        assert_int_equal(tu_post_multipart(u, &part, 1, NULL, &r), 0);
    *status = r.status;
    j = json_loads(r.body, 0, NULL);
    assert_non_null(j);
    tu_resp_free(&r);
    return j;
}

static long long indexed(const struct tu_server *s)
{
    char u[256];
    struct tu_resp r;
    long long n;
    snprintf(u, sizeof u, "%s/health", s->base);
    assert_int_equal(tu_get(u, NULL, &r), 0);
    json_t *j = json_loads(r.body, 0, NULL);
    n = json_integer_value(json_object_get(j, "images_indexed"));
    json_decref(j);
    tu_resp_free(&r);
    return n;
}

static long status_of(const char *url)
{
    struct tu_resp r;
    long st;
    assert_int_equal(tu_get(url, NULL, &r), 0);
    st = r.status;
    tu_resp_free(&r);
    return st;
}

static void expect_5xx(long status, json_t *j)
{
    assert_true(status >= 500 && status < 600);
    assert_non_null(json_string_value(json_object_get(j, "error")));
    assert_string_equal(json_string_value(json_object_get(j, "code")), "injected_fault");
    json_decref(j);
}

static char *upload(const struct tu_server *s, const void *photo, size_t n)
{
    long st;
    json_t *j = call(s, "/image_similarity_search", NULL, photo, n, &st);
    assert_int_equal(st, 200);
    assert_true(json_is_false(json_object_get(j, "duplicate_found")));
    char *url = strdup(json_string_value(json_object_get(j, "s3_url")));
    json_decref(j);
    return url;
}

/* The second upload's duplicate lookup fails: 500, nothing stored. A delete
 * whose file cannot be moved: 500 (not 404), the file stays. */
static void test_failing_lookup_is_5xx_and_stores_nothing(void **state)
{
    const char *env[] = {"KARAT_STORE=fault", "KARAT_BLOB=fault",
                         "KARAT_FAULTS=store.image_find_sha=2:io_error,blob.unpublish=1:io_error",
                         NULL};
    struct tu_img_opts o = {.width = 480, .height = 480, .seed = 808};
    struct tu_server s;
    char body[1200];
    size_t n;
    long st;
    unsigned char *photo = tu_make_image(&o, &n);
    (void)state;
    char dir[256];
    tu_tmpdir(dir, sizeof dir);
    assert_int_equal(start(&s, "KARAT_FAULT_BIN", dir, env), 0);
    char *url = upload(&s, photo, n);
    expect_5xx(st, call(&s, "/image_similarity_search", NULL, photo, n, &st));
    assert_int_equal(indexed(&s), 1);

    snprintf(body, sizeof body, "{\"s3_url\": \"%s\"}", url);
    expect_5xx(st, call(&s, "/delete_image", body, NULL, 0, &st));
    assert_int_equal(status_of(url), 200);
    json_decref(call(&s, "/delete_image", body, NULL, 0, &st));
    assert_int_equal(st, 200);
    assert_int_equal(status_of(url), 404);
    free(url);
    free(photo);
    assert_int_equal(tu_server_finish(&s), 0);
}

/* `karat fsck --repair` with a failing blob_stat, then CLEAN_ORPHANS_ON_STARTUP
 * with a store that fails row lookups: each refuses (exit 2, no start) and
 * deletes nothing; healthy, the server serves every file. */
static void test_startup_clean_orphans_failing_store_deletes_nothing(void **state)
{
    const char *bad[] = {"KARAT_STORE=fault", "CLEAN_ORPHANS_ON_STARTUP=true",
                         "KARAT_FAULTS=store.image_find_key=*:io_error", NULL};
    const char *good[] = {"CLEAN_ORPHANS_ON_STARTUP=true", NULL};
    struct tu_server s;
    char dir[256], *url[2], log[600];
    (void)state;
    tu_tmpdir(dir, sizeof dir);
    assert_int_equal(tu_server_start(&s, dir, NULL), 0);
    for (int i = 0; i < 2; i++) {
        struct tu_img_opts o = {.width = 480, .height = 480, .seed = 900 + i};
        size_t n;
        unsigned char *p = tu_make_image(&o, &n);
        url[i] = upload(&s, p, n);
        free(p);
    }
    assert_int_equal(tu_server_stop(&s), 0);

    /* karat fsck --repair with every blob_stat failing: exit 2, nothing removed */
    const char *argv[] = {getenv("KARAT_FAULT_BIN"), "fsck", "--repair", "--data", dir, NULL};
    const char *stat_fails[] = {"KARAT_BLOB=fault", "KARAT_FAULTS=blob.stat=*:io_error", NULL};
    assert_int_equal(tu_run(argv, stat_fails, NULL), 2);

    assert_int_equal(start(&s, "KARAT_FAULT_BIN", dir, bad), -1);
    snprintf(log, sizeof log, "%s", s.log_path);
    unsigned char *text = tu_read_file(log, &(size_t){0});
    assert_non_null(text);
    assert_non_null(strstr((char *)text, "injected fault"));
    free(text);
    remove(log);

    assert_int_equal(tu_server_start(&s, dir, good), 0);
    assert_int_equal(indexed(&s), 2);
    for (int i = 0; i < 2; i++) {
        char u[1200];
        snprintf(u, sizeof u, "%s%s", s.base, strstr(url[i], "/files/"));
        assert_int_equal(status_of(u), 200);
        free(url[i]);
    }
    assert_int_equal(tu_server_finish(&s), 0);
}

static json_t *get_json(const struct tu_server *s, const char *path)
{
    char u[256];
    struct tu_resp r;
    json_t *j;
    snprintf(u, sizeof u, "%s%s", s->base, path);
    assert_int_equal(tu_get(u, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    j = json_loads(r.body, 0, NULL);
    assert_non_null(j);
    tu_resp_free(&r);
    return j;
}

/* /health checks each backend live: with every blob lookup failing it says
 * "degraded", names the blob store and its error, and the store stays ok;
 * /metrics counts the blob store's failures. */
static void test_health_names_the_failing_backend(void **state)
{
    const char *env[] = {"KARAT_BLOB=fault", "KARAT_FAULTS=blob.stat=*:io_error", NULL};
    struct tu_server s;
    struct tu_resp r;
    char dir[256], u[256], *line;
    json_t *h, *blob, *store;
    (void)state;
    tu_tmpdir(dir, sizeof dir);
    assert_int_equal(start(&s, "KARAT_FAULT_BIN", dir, env), 0);
    h = get_json(&s, "/health");
    assert_string_equal(json_string_value(json_object_get(h, "status")), "degraded");
    blob = json_object_get(json_object_get(h, "backends"), "blob");
    store = json_object_get(json_object_get(h, "backends"), "store");
    assert_true(json_is_false(json_object_get(blob, "ok")));
    assert_string_equal(json_string_value(json_object_get(blob, "backend")), "fault");
    assert_non_null(strstr(json_string_value(json_object_get(blob, "error")), "injected"));
    assert_true(json_integer_value(json_object_get(blob, "errors")) >= 1);
    assert_non_null(json_object_get(blob, "last_error_at"));
    assert_true(json_is_true(json_object_get(store, "ok")));
    assert_true(json_real_value(json_object_get(store, "latency_ms")) >= 0);
    json_decref(h);

    snprintf(u, sizeof u, "%s/metrics", s.base);
    assert_int_equal(tu_get(u, NULL, &r), 0);
    line = strstr(r.body, "karat_backend_errors_total{backend=\"blob\"} ");
    assert_non_null(line);
    assert_true(atol(line + strlen("karat_backend_errors_total{backend=\"blob\"} ")) >= 1);
    assert_non_null(strstr(r.body, "karat_backend_errors_total{backend=\"store\"} 0\n"));
    tu_resp_free(&r);
    assert_int_equal(tu_server_finish(&s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failing_lookup_is_5xx_and_stores_nothing),
        cmocka_unit_test(test_startup_clean_orphans_failing_store_deletes_nothing),
        cmocka_unit_test(test_health_names_the_failing_backend),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
