/*
 * test_s3.c - the "s3" blob backend against a real S3 protocol server
 * (s3rver behind the SigV4-verifying proxy, tests/support/s3_server.h),
 * what only S3 has: listing with pages, refused names sent to no one,
 * signatures (a wrong secret is refused, and is an error, never "absent"),
 * Content-Type per object, multipart uploads, retries (5xx, SlowDown and
 * stalls are retried, 4xx never) and request addressing. The contract
 * every backend keeps (round trips, limits, in-place staging, listing) is
 * test_contract.c, which ctest also runs on S3 (unit.blob.test_contract.s3).
 */
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob/blob.h"
#include "blob/s3_int.h"
#include "blob_test.h"
#include "core/util.h"
#include "s3_server.h"

static struct s3srv srv;

struct fx {
    struct config cfg;
    struct blob *b;
};

static int group_setup(void **state)
{
    (void)state;
    return s3srv_group_start(&srv);
}

static int group_teardown(void **state)
{
    (void)state;
    s3srv_stop(&srv);
    return 0;
}

static struct fx *open_with(const char *name, const char *value)
{
    struct fx *f = calloc(1, sizeof *f);
    struct kr_err err = {0};

    assert_int_equal(config_load(&f->cfg, &err), KR_OK);
    if (name)
        assert_int_equal(config_set(&f->cfg, name, value, &err), KR_OK);
    assert_int_equal(blob_open_cfg("s3", "unused", &f->cfg, &f->b, &err), KR_OK);
    assert_true(blob_caps(f->b) & BLOB_IN_PLACE);
    return f;
}

static int setup(void **state)
{
    struct fx *f = open_with(NULL, NULL);
    assert_int_equal(s3srv_empty(f->b), 0);
    s3srv_reset(&srv);
    *state = f;
    return 0;
}

static void close_fx(struct fx *f)
{
    blob_close(f->b);
    config_release(&f->cfg);
    free(f);
}

static int teardown(void **state)
{
    close_fx(*state);
    return 0;
}

static void test_list_pages(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    struct seen s = {0};
    char key[32];

    assert_int_equal(blob_put(f->b, "alyaimg", "gen_images/2.png", "b", 1, &err), KR_OK);
    assert_int_equal(blob_put(f->b, "blyskimg", "3.jpg", "c", 1, &err), KR_OK);
    for (int i = 0; i < 7; i++) {
        snprintf(key, sizeof key, "p%d.jpg", i);
        assert_int_equal(blob_put(f->b, "alyaimg", key, "a", 1, &err), KR_OK);
    }
    blob__s3_list_page(2); /* 8 keys in alyaimg: 4 pages with continuation tokens */
    assert_int_equal(blob_list(f->b, 0, collect, &s, &err), KR_OK);
    assert_int_equal(s.n, 9);
    assert_true(has(&s, "alyaimg|gen_images/2.png"));
    assert_true(has(&s, "alyaimg|p6.jpg"));
    assert_true(has(&s, "blyskimg|3.jpg"));
    assert_true(s3srv_count(&srv, "GET") >= 5);
    memset(&s, 0, sizeof s);
    s.stop_after = 3;
    assert_int_equal(blob_list(f->b, 0, collect, &s, &err), KR_OK);
    assert_int_equal(s.n, 3);
    blob__s3_list_page(0);
}

struct walk_seen {
    long gets_at_first, gets_at_last; /* list requests made when a key arrived */
    int keys, skipped;
    char why[128];
};

static int walk_key(const char *bucket, const char *key, void *ctx)
{
    struct walk_seen *w = ctx;
    long gets = s3srv_count(&srv, "GET");
    (void)bucket;
    (void)key;
    if (w->keys++ == 0)
        w->gets_at_first = gets;
    w->gets_at_last = gets;
    return 0;
}

static void walk_skipped(const char *bucket, const char *key, const char *why, void *ctx)
{
    struct walk_seen *w = ctx;
    assert_string_equal(bucket, "alyaimg");
    assert_string_equal(key, "my ring.jpg");
    w->skipped++;
    snprintf(w->why, sizeof w->why, "%s", why);
}

/* blob_list_all hands keys over page by page as they are read (the first
 * before the second page is asked for), and reports the key with a space
 * (written by another client) with why it passed it over. */
static void test_list_all_streams_and_reports(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    struct walk_seen w = {0};
    char key[32];

    for (int i = 0; i < 6; i++) {
        snprintf(key, sizeof key, "p%d.jpg", i);
        assert_int_equal(blob_put(f->b, "alyaimg", key, "a", 1, &err), KR_OK);
    }
    assert_int_equal(s3srv_put_raw(&srv, "alyaimg", "my%20ring.jpg", "b", 1), 200);
    s3srv_reset(&srv);
    blob__s3_list_page(2); /* 7 keys: 4 pages */
    assert_int_equal(blob_list_all(f->b, &(struct blob_walk){walk_key, walk_skipped, &w}, &err),
                     KR_OK);
    blob__s3_list_page(0);
    assert_int_equal(w.keys, 6);
    assert_int_equal(w.skipped, 1);
    assert_string_equal(w.why, "contains a space");
    assert_int_equal(w.gets_at_first, 1);
    assert_true(w.gets_at_last >= 3);
    assert_string_equal(blob_name_problem("a/.hidden", 1), "a name or folder starting with '.'");
    assert_null(blob_name_problem("gen_images/a.png", 1));
}

/* n PUT + HEAD pairs on b; the connections b opened meanwhile. */
static long put_stat_rounds(struct blob *b, const char *prefix, int n)
{
    struct kr_err err = {0};
    long before = blob__s3_connects(b), size = 0;
    char key[64];
    for (int i = 0; i < n; i++) {
        long long sz = 0;
        snprintf(key, sizeof key, "%s%d.jpg", prefix, i);
        assert_int_equal(blob_put(b, "alyaimg", key, "abc", 3, &err), KR_OK);
        assert_int_equal(blob_stat(b, "alyaimg", key, &sz, &err), KR_OK);
        size += (long)sz;
    }
    assert_int_equal(size, 3L * n);
    return blob__s3_connects(b) - before;
}

struct rounds {
    struct blob *b;
    char prefix[16];
};

static void *rounds_thread(void *arg)
{
    struct rounds *r = arg;
    put_stat_rounds(r->b, r->prefix, 10);
    return NULL;
}

/* Requests reuse connections (KARAT_S3_CONNECTIONS, default 16): 40
 * sequential requests open one, 4 threads at once at most one each more;
 * with 0 every request opens its own (the behaviour before the pool). */
static void test_connections_reused(void **state)
{
    struct fx *f = *state, *none;
    pthread_t th[4];
    struct rounds r[4];
    long opened;

    assert_true(put_stat_rounds(f->b, "seq", 20) <= 1);
    opened = blob__s3_connects(f->b);
    for (int i = 0; i < 4; i++) {
        r[i].b = f->b;
        snprintf(r[i].prefix, sizeof r[i].prefix, "t%d-", i);
        assert_int_equal(pthread_create(&th[i], NULL, rounds_thread, &r[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    assert_true(blob__s3_connects(f->b) - opened <= 4); /* 80 requests */
    none = open_with("KARAT_S3_CONNECTIONS", "0");
    assert_int_equal(put_stat_rounds(none->b, "new", 10), 20);
    close_fx(none);
}

/* A refused name never reaches the server (the contract test checks the
 * refusals themselves). */
static void test_names_sent_to_no_one(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    const char *bad[] = {"../../etc/passwd", "/abs", "a/../../b", "%2e%2e", "a b", "x\x01y"};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(blob_put(f->b, "bk", bad[i], "x", 1, &err), KR_EINVAL);
        assert_int_equal(blob_stage(f->b, "bk", bad[i], "x", 1, &err), KR_EINVAL);
    }
    assert_int_equal(s3srv_count(&srv, "PUT"), 0);
}

static void test_content_types(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    const char *pairs[][2] = {
        {"a.jpg", "image/jpeg"},
        {"gen_images/b_type1.png", "image/png"},
        {"gen_images/b.zip", "application/zip"},
        {"excel_files/c.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        {"d.webp", "image/webp"},
    };
    char path[300], type[200];

    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        assert_int_equal(blob_put(f->b, "alyaimg", pairs[i][0], "x", 1, &err), KR_OK);
        snprintf(path, sizeof path, "/alyaimg/%s", pairs[i][0]);
        s3srv_type(&srv, path, type, sizeof type);
        assert_string_equal(type, pairs[i][1]);
    }
}

/* The proxy recomputes every signature: a wrong secret is refused, and a
 * refusal is an error, never "not found". */
static void test_wrong_secret_refused(void **state)
{
    struct fx *f = *state, *bad;
    struct kr_err err = {0};
    struct buf out;
    long long size;

    assert_int_equal(blob_put(f->b, "bk", "k.jpg", "x", 1, &err), KR_OK);
    bad = open_with("AWS_SECRET_ACCESS_KEY", "not-the-secret");
    assert_int_equal(blob_put(bad->b, "bk", "k2.jpg", "x", 1, &err), KR_EUPSTREAM);
    assert_non_null(strstr(err.msg, "SignatureDoesNotMatch"));
    assert_int_equal(blob_stat(bad->b, "bk", "k.jpg", &size, &err), KR_EUPSTREAM);
    assert_int_equal(blob_stat(bad->b, "bk", "nothere.jpg", &size, &err), KR_EUPSTREAM);
    buf_init(&out, 1024);
    assert_int_equal(blob_get(bad->b, "bk", "k.jpg", &out, &err), KR_EUPSTREAM);
    buf_release(&out);
    assert_int_equal(blob_list(bad->b, 0, collect, &(struct seen){0}, &err), KR_EUPSTREAM);
    assert_int_equal(blob_remove(bad->b, "bk", "k.jpg", &err), KR_EUPSTREAM);
    assert_int_equal(blob_stat(f->b, "bk", "k.jpg", &size, &err), KR_OK); /* still there */
    assert_int_equal(blob_stat(f->b, "bk", "k2.jpg", &size, &err), KR_ENOTFOUND);
    assert_int_equal(s3srv_count(&srv, "PUT"), 2); /* 403 is not retried */
    close_fx(bad);
}

/* A session token goes in x-amz-security-token, signed with the rest. */
static void test_session_token_signed(void **state)
{
    struct fx *f = open_with("AWS_SESSION_TOKEN", "token/with+odd=chars");
    struct kr_err err = {0};
    (void)state;
    assert_int_equal(blob_put(f->b, "bk", "t.jpg", "x", 1, &err), KR_OK);
    assert_blob(f->b, "bk", "t.jpg", "x", 1);
    close_fx(f);
}

/* A bucket that does not exist is an error, not a missing object. */
static void test_missing_bucket_is_error(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    long long size;
    struct buf out;

    buf_init(&out, 1024);
    assert_int_equal(blob_stat(f->b, "nosuchbucket", "a.jpg", &size, &err), KR_EUPSTREAM);
    assert_int_equal(blob_unpublish(f->b, "nosuchbucket", "a.jpg", &err), KR_EUPSTREAM);
    assert_int_equal(blob_get(f->b, "nosuchbucket", "a.jpg", &out, &err), KR_EUPSTREAM);
    assert_int_equal(blob_remove(f->b, "nosuchbucket", "a.jpg", &err), KR_EUPSTREAM);
    buf_release(&out);
}

static unsigned char *pattern(size_t n)
{
    unsigned char *p = malloc(n);
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 131u + (i >> 13));
    return p;
}

static void test_multipart(void **state)
{
    struct fx *f = open_with("KARAT_S3_MULTIPART_BYTES", "5MiB");
    struct kr_err err = {0};
    size_t n = (12u << 20) + 12345;
    unsigned char *data = pattern(n);
    long long size;
    char type[64];

    (void)state;
    s3srv_reset(&srv);
    assert_int_equal(blob_put(f->b, "alyaimg", "gen_images/big.zip", data, n, &err), KR_OK);
    assert_int_equal(s3srv_count(&srv, "POST"), 2); /* initiate + complete */
    assert_int_equal(s3srv_count(&srv, "PUT"), 2);  /* parts of 8 MiB */
    assert_int_equal(blob_stat(f->b, "alyaimg", "gen_images/big.zip", &size, &err), KR_OK);
    assert_int_equal(size, (long long)n);
    assert_blob(f->b, "alyaimg", "gen_images/big.zip", data, n);
    s3srv_type(&srv, "/alyaimg/gen_images/big.zip", type, sizeof type);
    assert_string_equal(type, "application/zip"); /* sent with the initiate */
    /* a part that keeps failing: no object, and the upload is aborted */
    s3srv_reset(&srv);
    s3srv_fault(&srv, "PUT", "failing.zip", 500, "InternalError", 100, 0);
    assert_int_equal(blob_put(f->b, "alyaimg", "failing.zip", data, n, &err), KR_EUPSTREAM);
    assert_int_equal(blob_stat(f->b, "alyaimg", "failing.zip", &size, &err), KR_ENOTFOUND);
    assert_int_equal(s3srv_count(&srv, "DELETE"), 1);
    free(data);
    close_fx(f);
}

/* 503 SlowDown, 500 and a stalled request are retried; a 4xx is not. */
static void test_retries(void **state)
{
    struct fx *f = open_with("KARAT_S3_TIMEOUT", "2"), *few;
    struct kr_err err = {0};
    long long size;

    (void)state;
    s3srv_fault(&srv, "PUT", "r1.jpg", 503, "SlowDown", 2, 0);
    assert_int_equal(blob_put(f->b, "bk", "r1.jpg", "x", 1, &err), KR_OK);
    assert_int_equal(s3srv_count(&srv, "PUT"), 3);
    s3srv_fault(&srv, "HEAD", "r1.jpg", 500, "InternalError", 1, 0);
    assert_int_equal(blob_stat(f->b, "bk", "r1.jpg", &size, &err), KR_OK);
    assert_int_equal(s3srv_count(&srv, "HEAD"), 2);
    s3srv_fault(&srv, "DELETE", "r1.jpg", 0, "", 1, 4.0); /* stalls past the 2 s timeout */
    assert_int_equal(blob_remove(f->b, "bk", "r1.jpg", &err), KR_OK);
    assert_int_equal(s3srv_count(&srv, "DELETE"), 2);
    s3srv_fault(&srv, "PUT", "r2.jpg", 400, "InvalidRequest", 1, 0);
    assert_int_equal(blob_put(f->b, "bk", "r2.jpg", "x", 1, &err), KR_EUPSTREAM);
    assert_int_equal(s3srv_count(&srv, "PUT"), 4); /* once */
    s3srv_fault(&srv, "PUT", "r3.jpg", 404, "NoSuchUpload", 1, 0);
    assert_int_equal(blob_put(f->b, "bk", "r3.jpg", "x", 1, &err), KR_EUPSTREAM);
    assert_int_equal(s3srv_count(&srv, "PUT"), 5);
    few = open_with("KARAT_S3_ATTEMPTS", "3");
    s3srv_fault(&srv, "PUT", "r4.jpg", 503, "SlowDown", 10, 0);
    assert_int_equal(blob_put(few->b, "bk", "r4.jpg", "x", 1, &err), KR_ERATELIMIT);
    assert_int_equal(s3srv_count(&srv, "PUT"), 8);
    assert_int_equal(blob_stat(f->b, "bk", "r4.jpg", &size, &err), KR_ENOTFOUND);
    close_fx(few);
    close_fx(f);
}

static void url_of(const char *name, const char *value, const char *key, const char *want)
{
    struct fx *f = open_with(name, value);
    char url[600];
    blob__s3_url((struct s3_blob *)f->b, "alyaimg", key, url, sizeof url);
    assert_string_equal(url, want);
    close_fx(f);
}

/* Request addressing: virtual-hosted unless forced, or the endpoint is an IP. */
static void test_addressing(void **state)
{
    (void)state;
    setenv("AWS_ENDPOINT_URL", "", 1);
    url_of(NULL, NULL, "gen_images/a b.png",
           "https://alyaimg.s3.us-east-1.amazonaws.com/gen_images/a%20b.png");
    url_of("KARAT_S3_PATH_STYLE", "1", "k.jpg", "https://s3.us-east-1.amazonaws.com/alyaimg/k.jpg");
    url_of("AWS_ENDPOINT_URL", "https://minio.example.com:9000/", "k.jpg",
           "https://alyaimg.minio.example.com:9000/k.jpg");
    url_of("AWS_ENDPOINT_URL", "http://10.1.2.3:9000", "k.jpg",
           "http://10.1.2.3:9000/alyaimg/k.jpg");
    url_of("AWS_ENDPOINT_URL", "http://localhost:9000/s3", NULL,
           "http://localhost:9000/s3/alyaimg");
    setenv("AWS_ENDPOINT_URL", srv.endpoint, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_list_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names_sent_to_no_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_all_streams_and_reports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connections_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_content_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_secret_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_token_signed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_bucket_is_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_multipart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retries, setup, teardown),
        cmocka_unit_test(test_addressing),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
