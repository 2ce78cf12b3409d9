/*
 * test_fuzz.c - "never crash on any input": random paths through the route
 * matcher and decoders, hand-made malformed requests and randomly mutated
 * multipart uploads over raw sockets, and many clients at once. After the
 * abuse the server must still answer normally; ASan/UBSan/LSan do the rest.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "fixture.h"
#include "http/http_int.h"

static unsigned rnd(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7fff;
}

static void test_fuzz_matcher(void **state)
{
    static const char alpha[] = "/ab%0{}2Ff.+?x";
    struct http_croute *cr = NULL;
    struct kr_err err = {0};
    unsigned seed = 1;
    (void)state;
    assert_int_equal(
        http__routes_compile(fx_routes, sizeof fx_routes / sizeof fx_routes[0], &cr, &err), KR_OK);
    for (int i = 0; i < 20000; i++) {
        char path[64], dec[64], q[64];
        struct http_arena a = {0};
        struct http_kv kv[8];
        struct http_match m;
        size_t n = rnd(&seed) % 40;
        for (size_t k = 0; k < n; k++)
            path[k] = alpha[rnd(&seed) % (sizeof alpha - 1)];
        path[n] = '\0';
        if (http__route_match(cr, sizeof fx_routes / sizeof fx_routes[0], i % 2 ? "GET" : "HEAD",
                             path, &a, &m) == HTTP_MATCH_OK)
            for (int p = 0; p < m.nparams; p++)
                assert_true(strlen(m.params[p].value) > 0);
        memcpy(dec, path, n + 1);
        assert_true(http__pct_decode(dec, n, 1) <= n);
        memcpy(q, path, n + 1);
        assert_true(http__query_parse(&a, q, kv, 8) <= 8);
        assert_true(http__json_depth((const unsigned char *)path, n, 5) <= 6);
        http__arena_free(&a);
    }
    free(cr);
}

/* Send raw bytes, return the status of the reply (0: none, connection closed). */
static int raw_exchange(int port, const void *data, size_t n)
{
    char reply[256];
    return fx_raw(port, data, n, reply, sizeof reply, 400, NULL);
}

static void assert_alive(const struct fx *f)
{
    struct tu_resp r;
    char url[128];
    assert_int_equal(tu_get(fx_url(f, "/hello", url, sizeof url), NULL, &r), 0);
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
}

static void test_malformed_requests(void **state)
{
    static const char *const reqs[] = {
        "",
        "\r\n\r\n",
        "GET\r\n\r\n",
        "GET /hello\r\n\r\n",
        "GET /hello HTTP/9.9\r\n\r\n",
        "GET hello HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET * HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET http://x/hello HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /hello HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
        "GET /hello HTTP/1.1\r\nHost: x\r\n: empty\r\n\r\n",
        "GET /he\x01llo HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /items/%ff%fe%00 HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /items/1?%00=%00 HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
        "chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "ffffffffffffffffff\r\nabc\r\n",
        "POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=\r\n"
        "Content-Length: 4\r\n\r\nabcd",
        "POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        "Content-Length: 40\r\n\r\n--b\r\nContent-Disposition: form-data\r\n\r\n\r\n--b--",
        "POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Content-Length: 9\r\n\r\n=&&%%%=%0",
        "POST /json HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n{\"a\":\0",
        "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
        "BREW /hello HTTP/1.1\r\nHost: x\r\n\r\n",
        "GETTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT /hello HTTP/1.1\r\nHost: x\r\n\r\n",
    };
    struct fx f;
    int port;
    (void)state;
    fx_start(&f, NULL);
    port = http_server_port(f.srv);
    /* absolute-form targets are routed by their path */
    assert_int_equal(raw_exchange(port, reqs[7], strlen(reqs[7])), 200);
    /* a preflight's body is read and dropped */
    const char *opt = "OPTIONS /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde";
    assert_int_equal(raw_exchange(port, opt, strlen(opt)), 204);
    /* conflicting lengths are refused (request smuggling) */
    assert_int_equal(raw_exchange(port, reqs[15], strlen(reqs[15])), 400);
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        int st = raw_exchange(port, reqs[i], strlen(reqs[i]) + (i == 21 ? 1 : 0));
        if (st != 0 && (st < 200 || st > 599))
            fail_msg("request %zu: status %d", i, st);
        if (st >= 500 && st != 505 && st != 501)
            fail_msg("request %zu: server error %d", i, st);
    }
    /* a header block far over MHD's per-connection memory */
    char *huge = malloc(200000);
    int n = snprintf(huge, 200000, "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(huge + n, 'a', 150000);
    memcpy(huge + n + 150000, "\r\n\r\n", 5);
    assert_true(raw_exchange(port, huge, strlen(huge)) != 200);
    free(huge);
    assert_alive(&f);
    fx_stop(&f);
}

/* A valid multipart request whose body is then mutated (length kept right). */
static size_t mutated_upload(char *out, size_t cap, unsigned *seed)
{
    char body[2048];
    size_t bl = 0, hl;
    bl += (size_t)snprintf(body + bl, sizeof body - bl,
                           "--XB\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nring\r\n"
                           "--XB\r\nContent-Disposition: form-data; name=\"photo\"; "
                           "filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n");
    for (int i = 0; i < 300; i++)
        body[bl++] = (char)rnd(seed);
    bl += (size_t)snprintf(body + bl, sizeof body - bl, "\r\n--XB--\r\n");
    for (unsigned m = rnd(seed) % 6; m > 0; m--) {
        size_t at = rnd(seed) % bl;
        switch (rnd(seed) % 3) {
        case 0:
            body[at] = (char)rnd(seed);
            break;
        case 1: /* cut */
            bl = at;
            break;
        default: /* duplicate a slice */
            if (bl + 64 < sizeof body) {
                memmove(body + at + 32, body + at, bl - at);
                bl += 32;
            }
        }
    }
    hl = (size_t)snprintf(out, cap,
                          "POST /form HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                          "Content-Type: multipart/form-data; boundary=XB\r\n"
                          "Content-Length: %zu\r\n\r\n",
                          bl);
    memcpy(out + hl, body, bl);
    return hl + bl;
}

static void test_mutated_multipart(void **state)
{
    struct http_server_opts o;
    tu_http_opts(&o);
    o.limits.max_fields = 4;
    o.limits.max_field_len = 64;
    struct fx f;
    unsigned seed = 42;
    int port, seen[6] = {0};
    (void)state;
    fx_start(&f, &o);
    port = http_server_port(f.srv);
    for (int i = 0; i < 150; i++) {
        char req[4096];
        size_t n = mutated_upload(req, sizeof req, &seed);
        int st = raw_exchange(port, req, n);
        if (st != 200 && st != 400 && st != 413)
            fail_msg("mutation %d: status %d", i, st);
        seen[st / 100]++;
    }
    assert_true(seen[2] > 0); /* some survive intact */
    assert_true(seen[4] > 0); /* and some are refused */
    assert_alive(&f);
    fx_stop(&f);
}

struct client {
    const struct fx *f;
    int ok;
};

static void *client_run(void *arg)
{
    struct client *c = arg;
    char url[128];
    const struct tu_part parts[] = {{"name", NULL, NULL, "x", 0},
                                    {"photo", "p.jpg", "image/jpeg", "\xff\xd8\xff", 3}};
    for (int i = 0; i < 25; i++) {
        struct tu_resp r;
        int rc =
            i % 2 ? tu_get(fx_url(c->f, "/items/5?q=1", url, sizeof url), NULL, &r)
                  : tu_post_multipart(fx_url(c->f, "/form", url, sizeof url), parts, 2, NULL, &r);
        c->ok += rc == 0 && r.status == 200;
        tu_resp_free(&r);
    }
    return NULL;
}

static void test_many_clients(void **state)
{
    struct fx f;
    pthread_t t[8];
    struct client c[8];
    (void)state;
    fx_start(&f, NULL);
    for (int i = 0; i < 8; i++) {
        c[i] = (struct client){&f, 0};
        pthread_create(&t[i], NULL, client_run, &c[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(c[i].ok, 25);
    }
    fx_stop(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fuzz_matcher),
        cmocka_unit_test(test_malformed_requests),
        cmocka_unit_test(test_mutated_multipart),
        cmocka_unit_test(test_many_clients),
    };
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
