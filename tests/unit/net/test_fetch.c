/*
 * test_fetch.c - the SSRF guard in net_fetch: loopback refused unless
 * allow_private, schemes other than http(s) refused, redirects re-checked
 * and limited, oversize refused, non-2xx reported; and the address
 * classifier on the special ranges.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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

/* Explicit options, as net_fetch_opts_from_config gives them. */
static struct net_fetch_opts opts(int allow_private)
{
    return (struct net_fetch_opts){.max_bytes = 1 << 20,
                                   .timeout_ms = 5000,
                                   .max_redirects = 3,
                                   .allow_private = allow_private};
}

static enum kr_code fetch(const char *path, int allow, int max_redirects, struct buf *out,
                          struct kr_err *err)
{
    char url[256];
    struct net_fetch_opts o = {.allow_private = allow,
                               .max_redirects = max_redirects,
                               .max_bytes = 4096,
                               .timeout_ms = 5000};
    snprintf(url, sizeof url, "%s%s", fake_ai_base(srv), path);
    return net_fetch(url, &o, out, NULL, 0, err);
}

static void test_loopback_refused_then_allowed(void **state)
{
    struct buf out;
    struct kr_err err = {0};
    char ct[64] = "";
    char url[256];
    struct fake_reply img = {200, "JPEGDATA", 0, "image/jpeg", NULL, 0};
    struct net_fetch_opts o = opts(1);
    size_t before = fake_ai_count(srv);
    (void)state;

    buf_init(&out, 0);
    assert_int_equal(fetch("/a.jpg", 0, 3, &out, &err), KR_EINVAL);
    assert_string_equal(err.slug, "url_refused");
    assert_non_null(strstr(err.msg, "127.0.0.1"));
    assert_int_equal(fake_ai_count(srv), before); /* never connected */

    fake_ai_push_reply(srv, &img);
    snprintf(url, sizeof url, "%s/a.jpg", fake_ai_base(srv));
    assert_int_equal(net_fetch(url, &o, &out, ct, sizeof ct, &err), KR_OK);
    assert_int_equal(out.len, 8);
    assert_memory_equal(out.data, "JPEGDATA", 8);
    assert_string_equal(ct, "image/jpeg");
    buf_release(&out);
}

static void test_name_resolving_to_loopback_refused(void **state)
{
    struct buf out;
    struct kr_err err = {0};
    const struct net_fetch_opts def = opts(0);
    char url[256];
    (void)state;
    buf_init(&out, 0);
    /* "localhost" and numeric spellings of 127.0.0.1 are judged by address */
    snprintf(url, sizeof url, "http://localhost:%d/x", fake_ai_port(srv));
    assert_int_equal(net_fetch(url, &def, &out, NULL, 0, &err), KR_EINVAL);
    assert_string_equal(err.slug, "url_refused");
    snprintf(url, sizeof url, "http://2130706433:%d/x", fake_ai_port(srv));
    assert_int_equal(net_fetch(url, &def, &out, NULL, 0, &err), KR_EINVAL);
    snprintf(url, sizeof url, "http://[::ffff:127.0.0.1]:%d/x", fake_ai_port(srv));
    assert_int_equal(net_fetch(url, &def, &out, NULL, 0, &err), KR_EINVAL);
    buf_release(&out);
}

/* Every spelling of the loopback fake server (numeric, octal, hex, short,
 * IPv6-embedded, with credentials, trailing dots, case) is refused or fails,
 * and none ever reaches it. */
static void test_url_forms_never_connect(void **state)
{
    static const char *const forms[] = {
        "http://127.0.0.1:%d/x",
        "http://localhost:%d/x",
        "http://LOCALHOST:%d/x",
        "http://localhost.:%d/x",
        "http://127.0.0.1.:%d/x",
        "http://127.1:%d/x",
        "http://127.0.1:%d/x",
        "http://2130706433:%d/x",
        "http://0x7f000001:%d/x",
        "http://0x7f.0.0.1:%d/x",
        "http://0177.0.0.1:%d/x",
        "http://017700000001:%d/x",
        "http://127.000.000.001:%d/x",
        "http://0.0.0.0:%d/x",
        "http://0:%d/x",
        "http://[::1]:%d/x",
        "http://[::]:%d/x",
        "http://[::ffff:127.0.0.1]:%d/x",
        "http://[::ffff:7f00:1]:%d/x",
        "http://[0:0:0:0:0:ffff:127.0.0.1]:%d/x",
        "http://[::127.0.0.1]:%d/x",
        "http://[64:ff9b::7f00:1]:%d/x",
        "http://[2002:7f00:1::1]:%d/x",
        "http://[::ffff:0:7f00:1]:%d/x",
        "http://user:pass@127.0.0.1:%d/x",
        "http://example.invalid@127.0.0.1:%d/x",
        "http://127.0.0.1:%d/x#@example.com",
        "http://127.0.0.1:%d/%%2e%%2e/x",
        "HTTP://127.0.0.1:%d/x",
        "https://127.0.0.1:%d/x",
        "http://127.0.0.1:%d\\@example.invalid/x",
        " http://127.0.0.1:%d/x",
    };
    struct buf out;
    struct kr_err err = {0};
    const struct net_fetch_opts def = opts(0);
    size_t before = fake_ai_count(srv);
    char url[256];
    (void)state;

    buf_init(&out, 0);
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        snprintf(url, sizeof url, forms[i], fake_ai_port(srv));
        kr_err_clear(&err);
        if (net_fetch(url, &def, &out, NULL, 0, &err) == KR_OK)
            fail_msg("fetched %s", url);
        assert_int_equal(fake_ai_count(srv), before);
    }
    buf_release(&out);
}

static void test_schemes_refused(void **state)
{
    struct buf out;
    struct kr_err err = {0};
    struct net_fetch_opts o = opts(1);
    const char *bad[] = {"ftp://127.0.0.1/x",
                         "file:///etc/passwd",
                         "gopher://127.0.0.1/",
                         "dict://127.0.0.1:11211/",
                         "javascript:alert(1)",
                         "",
                         NULL};
    (void)state;
    buf_init(&out, 0);
    for (int i = 0; bad[i]; i++) {
        kr_err_clear(&err);
        assert_int_equal(net_fetch(bad[i], &o, &out, NULL, 0, &err), KR_EINVAL);
        assert_string_equal(err.slug, "url_refused");
    }
    assert_int_equal(net_fetch(NULL, &o, &out, NULL, 0, &err), KR_EINVAL);
    /* no defaults here: options are required, each of them */
    assert_int_equal(net_fetch("http://127.0.0.1/x", NULL, &out, NULL, 0, &err), KR_EINVAL);
    assert_string_equal(err.slug, "bad_option");
    o.timeout_ms = 0;
    assert_int_equal(net_fetch("http://127.0.0.1/x", &o, &out, NULL, 0, &err), KR_EINVAL);
    assert_string_equal(err.slug, "bad_option");
    o = opts(1);
    o.max_bytes = 0;
    assert_int_equal(net_fetch("http://127.0.0.1/x", &o, &out, NULL, 0, &err), KR_EINVAL);
    assert_string_equal(err.slug, "bad_option");
    buf_release(&out);
}

static void test_oversize_refused(void **state)
{
    struct buf out;
    struct kr_err err = {0};
    char *big = malloc(10001);
    (void)state;
    memset(big, 'y', 10000);
    big[10000] = 0;
    buf_init(&out, 0);
    fake_ai_push(srv, 200, big);
    assert_int_equal(fetch("/big", 1, 3, &out, &err), KR_ELIMIT);
    assert_int_equal(out.len, 0);
    free(big);
    buf_release(&out);
}

static void test_redirects(void **state)
{
    struct buf out;
    struct kr_err err = {0};
    char hdr[256];
    struct fake_reply to_file = {302, "", 0, NULL, "Location: file:///etc/passwd\n", 0};
    struct fake_reply ok = {200, "FINAL", 0, "image/png", NULL, 0};
    size_t before;
    (void)state;
    buf_init(&out, 0);

    /* one hop to a relative location, then the image */
    struct fake_reply hop = {301, "", 0, NULL, "Location: /final.png\n", 0};
    fake_ai_push_reply(srv, &hop);
    fake_ai_push_reply(srv, &ok);
    before = fake_ai_count(srv);
    assert_int_equal(fetch("/start", 1, 3, &out, &err), KR_OK);
    assert_memory_equal(out.data, "FINAL", 5);
    assert_string_equal(fake_ai_request(srv, before + 1)->url, "/final.png");

    /* a redirect to a refused scheme is re-checked */
    fake_ai_push_reply(srv, &to_file);
    assert_int_equal(fetch("/r", 1, 3, &out, &err), KR_EINVAL);
    assert_string_equal(err.slug, "url_refused");

    /* more than 3 hops */
    snprintf(hdr, sizeof hdr, "Location: %s/loop\n", fake_ai_base(srv));
    struct fake_reply loop = {302, "", 0, NULL, hdr, 0};
    for (int i = 0; i < 4; i++)
        fake_ai_push_reply(srv, &loop);
    before = fake_ai_count(srv);
    assert_int_equal(fetch("/loop", 1, 3, &out, &err), KR_EUPSTREAM);
    assert_int_equal(fake_ai_count(srv) - before, 4);
    assert_int_equal(fake_ai_pending(srv), 0);
    buf_release(&out);
}

static void test_non_2xx(void **state)
{
    struct buf out;
    struct kr_err err = {0};
    (void)state;
    buf_init(&out, 0);
    fake_ai_push(srv, 404, "nope");
    assert_int_equal(fetch("/missing", 1, 3, &out, &err), KR_EUPSTREAM);
    assert_string_equal(err.slug, "fetch_failed");
    buf_release(&out);
}

static int pub4(const char *ip)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    inet_pton(AF_INET, ip, &sa.sin_addr);
    return net_addr_public((struct sockaddr *)&sa);
}

static int pub6(const char *ip)
{
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, ip, &sa.sin6_addr);
    return net_addr_public((struct sockaddr *)&sa);
}

static void test_address_classes(void **state)
{
    const char *priv4[] = {"127.0.0.1",   "10.1.2.3",        "172.16.0.1", "172.31.255.255",
                           "192.168.1.1", "169.254.169.254", "0.0.0.0",    "100.64.0.1",
                           "224.0.0.1",   "255.255.255.255", NULL};
    const char *pub4s[] = {"8.8.8.8", "172.32.0.1", "93.184.216.34", "1.1.1.1", NULL};
    const char *priv6[] = {"::1",
                           "::",
                           "fe80::1",
                           "fc00::1",
                           "fd12:3456::1",
                           "ff02::1",
                           "::ffff:10.0.0.1",
                           "::ffff:127.0.0.1",
                           "64:ff9b::7f00:1",
                           "2002:7f00:1::1",
                           "::ffff:0:7f00:1", /* IPv4-translated (SIIT) */
                           "::ffff:0:a00:1",
                           "::ffff:0:808:808",  /* translated: never a real peer */
                           "64:ff9b:1::7f00:1", /* local-use NAT64 */
                           "64:ff9b:1:2::808:808",
                           "2001:0:4136:e378::1", /* Teredo */
                           "2001::1",
                           "100::1",     /* discard-only */
                           "2001:2::1",  /* benchmarking */
                           "2001:10::1", /* ORCHID */
                           NULL};
    const char *pub6s[] = {"2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808",
                           "2001:4860:4860::8888", "2001:200::1",    NULL};
    (void)state;
    for (int i = 0; priv4[i]; i++)
        assert_false(pub4(priv4[i]));
    for (int i = 0; pub4s[i]; i++)
        assert_true(pub4(pub4s[i]));
    for (int i = 0; priv6[i]; i++)
        assert_false(pub6(priv6[i]));
    for (int i = 0; pub6s[i]; i++)
        assert_true(pub6(pub6s[i]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loopback_refused_then_allowed),
        cmocka_unit_test(test_name_resolving_to_loopback_refused),
        cmocka_unit_test(test_url_forms_never_connect),
        cmocka_unit_test(test_schemes_refused),
        cmocka_unit_test(test_oversize_refused),
        cmocka_unit_test(test_redirects),
        cmocka_unit_test(test_non_2xx),
        cmocka_unit_test(test_address_classes),
    };
    net_global_init(NULL);
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    net_global_cleanup();
    return rc;
}
