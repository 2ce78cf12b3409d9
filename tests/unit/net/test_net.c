/*
 * test_net.c - net_perform against the loopback fake server: methods,
 * headers, JSON and multipart bodies on the wire, the response cap,
 * timeouts, retry headers captured, and refused URLs.
 */
#include <stdlib.h>
#include <string.h>

#include "fake_ai.h"
#include "net/net.h"
#include "testutil.h"

static struct fake_ai *srv;

static int setup(void **state)
{
    (void)state;
    srv = fake_ai_start();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fake_ai_stop(srv);
    return 0;
}

static void url_for(char *out, size_t n, const char *path)
{
    snprintf(out, n, "%s%s", fake_ai_base(srv), path);
}

static void test_post_json(void **state)
{
    char url[256];
    const char *hdrs[] = {"Content-Type: application/json", "x-goog-api-key: k1", NULL};
    const char *body = "{\"a\":1}";
    struct net_request req = {.url = url,
                              .headers = hdrs,
                              .body = body,
                              .body_len = strlen(body),
                              .timeout_ms = 5000,
                              .max_response = 1 << 20};
    struct net_response r;
    struct kr_err err = {0};
    struct fake_reply rep = {
        200, "{\"ok\":true}", 0, NULL, "retry-after: 3\nretry-after-ms: 1500\n", 0};
    size_t before = fake_ai_count(srv);
    (void)state;

    url_for(url, sizeof url, "/v1beta/models/m:generateContent");
    fake_ai_push_reply(srv, &rep);
    net_response_init(&r);
    assert_int_equal(net_perform(&req, &r, &err), KR_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal((char *)r.body.data, "{\"ok\":true}");
    assert_string_equal(r.content_type, "application/json");
    assert_string_equal(r.retry_after, "3");
    assert_string_equal(r.retry_after_ms, "1500");
    const struct fake_request *got = fake_ai_request(srv, before);
    assert_non_null(got);
    assert_string_equal(got->method, "POST");
    assert_string_equal(got->url, "/v1beta/models/m:generateContent");
    assert_string_equal(fake_req_header(got, "x-goog-api-key"), "k1");
    assert_int_equal(got->body_len, strlen(body));
    assert_memory_equal(got->body, body, strlen(body));
    net_response_release(&r);
}

static void test_status_is_not_error_and_get(void **state)
{
    char url[256];
    struct net_request req = {.url = url, .timeout_ms = 5000, .max_response = 1 << 20};
    struct net_response r;
    struct kr_err err = {0};
    size_t before = fake_ai_count(srv);
    (void)state;

    url_for(url, sizeof url, "/x?q=1");
    fake_ai_push(srv, 429, "{\"error\":{}}");
    net_response_init(&r);
    assert_int_equal(net_perform(&req, &r, &err), KR_OK);
    assert_int_equal(r.status, 429);
    assert_string_equal(fake_ai_request(srv, before)->method, "GET");
    assert_string_equal(fake_ai_request(srv, before)->url, "/x?q=1");
    net_response_release(&r);
}

static void test_multipart(void **state)
{
    char url[256];
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', 0, 1, 2, 3};
    struct net_part parts[] = {
        {"model", NULL, NULL, "gpt-image-1.5", 13},
        {"image[]", "a.png", "image/png", png, sizeof png},
        {"image[]", "b.jpg", "image/jpeg", "JPEG", 4},
    };
    struct net_request req = {
        .url = url, .parts = parts, .nparts = 3, .timeout_ms = 5000, .max_response = 1 << 20};
    struct net_response r;
    struct kr_err err = {0};
    size_t before = fake_ai_count(srv);
    (void)state;

    url_for(url, sizeof url, "/v1/images/edits");
    fake_ai_push(srv, 200, "{}");
    net_response_init(&r);
    assert_int_equal(net_perform(&req, &r, &err), KR_OK);
    const struct fake_request *got = fake_ai_request(srv, before);
    assert_string_equal(got->method, "POST");
    assert_int_equal(got->nparts, 3);
    assert_memory_equal(fake_req_part(got, "model", 0)->data, "gpt-image-1.5", 13);
    const struct fake_part *a = fake_req_part(got, "image[]", 0),
                           *b = fake_req_part(got, "image[]", 1);
    assert_string_equal(a->filename, "a.png");
    assert_string_equal(a->content_type, "image/png");
    assert_int_equal(a->len, sizeof png);
    assert_memory_equal(a->data, png, sizeof png);
    assert_string_equal(b->content_type, "image/jpeg");
    net_response_release(&r);
}

static void test_response_cap(void **state)
{
    char url[256];
    char *big = malloc(100001);
    struct net_request req = {.url = url, .max_response = 1000, .timeout_ms = 5000};
    struct net_response r;
    struct kr_err err = {0};
    (void)state;

    memset(big, 'x', 100000);
    big[100000] = 0;
    url_for(url, sizeof url, "/big");
    fake_ai_push(srv, 200, big);
    net_response_init(&r);
    assert_int_equal(net_perform(&req, &r, &err), KR_ELIMIT);
    assert_string_equal(err.slug, "too_large");
    assert_true(r.body.len <= 1000);
    net_response_release(&r);
    free(big);
}

static void test_timeout(void **state)
{
    char url[256];
    struct net_request req = {.url = url, .timeout_ms = 300, .max_response = 1 << 20};
    struct net_response r;
    struct kr_err err = {0};
    struct fake_reply slow = {200, "{}", 0, NULL, NULL, 1500};
    (void)state;

    url_for(url, sizeof url, "/slow");
    fake_ai_push_reply(srv, &slow);
    net_response_init(&r);
    assert_int_equal(net_perform(&req, &r, &err), KR_ETIMEOUT);
    net_response_release(&r);
}

static void test_bad_urls(void **state)
{
    struct net_response r;
    struct kr_err err = {0};
    const char *bad[] = {"ftp://127.0.0.1/x", "file:///etc/passwd", "no-scheme", "http://", NULL};
    (void)state;
    net_response_init(&r);
    for (int i = 0; bad[i]; i++) {
        struct net_request req = {.url = bad[i]};
        assert_false(net_url_ok(bad[i]));
        assert_int_equal(net_perform(&req, &r, &err), KR_EINVAL);
    }
    assert_true(net_url_ok("https://example.com/a.jpg"));
    /* no defaults here: a request without a timeout or a size cap is refused */
    struct net_request none = {.url = "http://127.0.0.1:1/", .max_response = 1 << 20};
    assert_int_equal(net_perform(&none, &r, &err), KR_EINVAL);
    assert_string_equal(err.slug, "bad_option");
    none = (struct net_request){.url = "http://127.0.0.1:1/", .timeout_ms = 1000};
    assert_int_equal(net_perform(&none, &r, &err), KR_EINVAL);
    assert_string_equal(err.slug, "bad_option");
    /* nothing listening: a transport error, not a crash */
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", tu_free_port());
    struct net_request req = {.url = url, .timeout_ms = 2000, .max_response = 1 << 20};
    assert_int_equal(net_perform(&req, &r, &err), KR_EUPSTREAM);
    net_response_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_post_json), cmocka_unit_test(test_status_is_not_error_and_get),
        cmocka_unit_test(test_multipart), cmocka_unit_test(test_response_cap),
        cmocka_unit_test(test_timeout),   cmocka_unit_test(test_bad_urls),
    };
    net_global_init(NULL);
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    net_global_cleanup();
    return rc;
}
