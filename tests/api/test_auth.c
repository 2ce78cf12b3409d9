/*
 * test_auth.c - KARAT_API_KEYS: every endpoint but /health needs a key,
 * given as a Bearer token or X-API-Key; errors are 401 JSON.
 */
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static struct tu_server srv;

static int setup(void **state)
{
    static const char *const env[] = {"KARAT_API_KEYS=k1-secret, k2-other", NULL};
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
    assert_int_equal(get_status("/metrics", "X-API-Key: k1-secre"), 401);
    assert_int_equal(get_status("/metrics", "Authorization: Bearer k1-secret"), 200);
    assert_int_equal(get_status("/metrics", "X-API-Key: k2-other"), 200);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health_is_public),
        cmocka_unit_test(test_key_required),
        cmocka_unit_test(test_upload_needs_key),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
