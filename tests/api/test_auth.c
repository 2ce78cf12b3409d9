/*
 * test_auth.c - KARAT_API_KEYS: every endpoint but /health needs a key,
 * given as a Bearer token or X-API-Key; errors are 401 JSON. Settings that
 * would switch authentication off by mistake stop `karat serve` (exit 2);
 * KARAT_ALLOW_NO_AUTH is reported by /health. (Every route of the table
 * needing a key: tests/unit/api/test_routes_auth.c.)
 */
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct tu_server srv;

static int setup(void **state)
{
    static const char *const env[] = {"KARAT_API_KEYS=k1-secret-0123456, k2-other-0123456", NULL};
    (void)state;
    return tu_server_start_tmp(&srv, env);
}

static int teardown(void **state)
{
    (void)state;
    return tu_server_finish(&srv);
}

static long get_status(const char *path, const char *header)
{
    char u[256];
    const char *hdrs[] = {header, NULL};
    struct tu_resp r;
    long st;
    snprintf(u, sizeof u, "%s%s", srv.base, path);
    assert_int_equal(tu_get(u, header ? hdrs : NULL, &r), 0);
    st = r.status;
    if (st == 401) {
        json_t *j = json_loads(r.body, 0, NULL);
        assert_string_equal(json_string_value(json_object_get(j, "code")), "unauthorized");
        json_decref(j);
    }
    tu_resp_free(&r);
    return st;
}

static void test_health_is_public(void **state)
{
    (void)state;
    assert_int_equal(get_status("/health", NULL), 200);
}

static void test_key_required(void **state)
{
    (void)state;
    assert_int_equal(get_status("/metrics", NULL), 401);
    assert_int_equal(get_status("/metrics", "Authorization: Bearer wrong"), 401);
    assert_int_equal(get_status("/metrics", "X-API-Key: k1-secret-012345"), 401);
    assert_int_equal(get_status("/metrics", "Authorization: Bearer k1-secret-0123456"), 200);
    assert_int_equal(get_status("/metrics", "X-API-Key: k2-other-0123456"), 200);
}

static void test_upload_needs_key(void **state)
{
    char u[256];
    struct tu_part p = {"file", "a.jpg", "image/jpeg", "xx", 2};
    struct tu_resp r;
    (void)state;
    snprintf(u, sizeof u, "%s/image_similarity_search", srv.base);
    assert_int_equal(tu_post_multipart(u, &p, 1, NULL, &r), 0);
    assert_int_equal(r.status, 401);
    tu_resp_free(&r);
}

/* `karat serve` with these settings; its exit status (it must not start). */
static int serve_status(const char *listen, const char *const *env)
{
    char dir[256];
    const char *argv[] = {getenv("KARAT_BIN"), "serve", "--listen", listen, "--data", dir, NULL};
    int rc;
    tu_tmpdir(dir, sizeof dir);
    rc = tu_run(argv, env, NULL);
    tu_rmrf(dir);
    return rc;
}

static void test_refuses_auth_off_by_mistake(void **state)
{
    const char *const commas[] = {"KARAT_API_KEYS=,", NULL};
    const char *const spaces[] = {"KARAT_API_KEYS= , ", NULL};
    const char *const shortk[] = {"KARAT_API_KEYS=0123456789abcdef,0123456789abcde", NULL};
    const char *const none[] = {"KARAT_API_KEYS=", NULL};
    (void)state;
    assert_int_equal(serve_status("127.0.0.1:0", commas), 2);
    assert_int_equal(serve_status("127.0.0.1:0", spaces), 2);
    assert_int_equal(serve_status("127.0.0.1:0", shortk), 2);
    assert_int_equal(serve_status("0.0.0.0:0", none), 2); /* no keys beyond loopback */
}

static void test_allow_no_auth_is_reported(void **state)
{
    static const char *const env[] = {"KARAT_API_KEYS=", "KARAT_ALLOW_NO_AUTH=1", NULL};
    struct tu_server open_srv;
    struct tu_resp r;
    char u[256];
    json_t *j, *w;
    (void)state;
    assert_int_equal(tu_server_start_tmp(&open_srv, env), 0);
    snprintf(u, sizeof u, "%s/health", open_srv.base);
    assert_int_equal(tu_get(u, NULL, &r), 0);
    j = json_loads(r.body, 0, NULL);
    tu_resp_free(&r);
    w = json_object_get(j, "warnings");
    assert_true(json_is_array(w) && json_array_size(w) == 1);
    assert_non_null(strstr(json_string_value(json_array_get(w, 0)), "authentication is off"));
    json_decref(j);
    assert_int_equal(tu_server_finish(&open_srv), 0);
    /* the server with keys says nothing of the kind */
    snprintf(u, sizeof u, "%s/health", srv.base);
    assert_int_equal(tu_get(u, NULL, &r), 0);
    assert_null(strstr(r.body, "warnings"));
    tu_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health_is_public),
        cmocka_unit_test(test_key_required),
        cmocka_unit_test(test_upload_needs_key),
        cmocka_unit_test(test_refuses_auth_off_by_mistake),
        cmocka_unit_test(test_allow_no_auth_is_reported),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
