/*
 * test_repo_s3.c - the repository on the "s3" blob backend, against a real
 * S3 protocol server (tests/support/s3_server.h) with faults injected by
 * its proxy (5xx, stalls) and by the store decorator (tests/support/fault.h).
 *
 * What must hold: an object is written before its row and deleted after
 * it, so no failure leaves a row without its object; what a failure leaves
 * is an object without a row, which fsck lists once it is older than
 * KARAT_FSCK_GRACE and --repair deletes; a row whose object answers 404 is
 * reported; any other S3 error stops fsck before it changes anything. And
 * the one own-URL rule knows the S3 URL forms of every configured bucket.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "fault.h"
#include "repo/repo.h"
#include "s3_server.h"

static struct s3srv srv;
static char dir[256];
static struct config cfg;

static int group_setup(void **state)
{
    (void)state;
    fault_register();
    return s3srv_group_start(&srv);
}

static int group_teardown(void **state)
{
    (void)state;
    s3srv_stop(&srv);
    return 0;
}

static int setup(void **state)
{
    struct kr_err err = {0};
    struct blob *b;
    (void)state;
    fault_reset();
    tu_tmpdir(dir, sizeof dir);
    if (config_load(&cfg, &err) || config_set(&cfg, "KARAT_DATA_DIR", dir, &err) ||
        config_set(&cfg, "KARAT_STORE", "fault", &err))
        return -1;
    if (blob_open_cfg("s3", "", &cfg, &b, &err) || s3srv_empty(b))
        return -1;
    blob_close(b);
    s3srv_reset(&srv);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fault_reset();
    config_release(&cfg);
    tu_rmrf(dir);
    return 0;
}

static struct repo *open_repo(void)
{
    struct repo *r;
    struct kr_err err = {0};
    if (repo_open(&cfg, "http://127.0.0.1:8000", &r, &err))
        fail_msg("repo_open: %s", err.msg);
    return r;
}

static enum kr_code try_ingest(struct repo *r, int seed, struct repo_ingest_res *res,
                               struct kr_err *err)
{
    struct tu_img_opts o = {.width = 400, .height = 400, .seed = seed};
    size_t n;
    unsigned char *p = tu_make_image(&o, &n);
    struct repo_ingest_req req = {p, n, "x.jpg", "alyaimg", "alya", 1, 3, NULL};
    enum kr_code rc = repo_ingest(r, &req, res, err);
    free(p);
    return rc;
}

static struct store_image ingest(struct repo *r, int seed)
{
    struct repo_ingest_res res;
    struct kr_err err = {0};
    if (try_ingest(r, seed, &res, &err))
        fail_msg("ingest: %s", err.msg);
    assert_false(res.duplicate);
    return res.image;
}

static long long rows(struct repo *r)
{
    long long n = -1;
    struct kr_err err = {0};
    assert_int_equal(store_image_count(repo_store(r), &n, &err), KR_OK);
    return n;
}

static int count_cb(const char *bucket, const char *key, void *ctx)
{
    (void)bucket;
    (void)key;
    ++*(long long *)ctx;
    return 0;
}

static long long objects(struct repo *r)
{
    long long n = 0;
    struct kr_err err = {0};
    assert_int_equal(blob_list(repo_blob(r), 0, count_cb, &n, &err), KR_OK);
    return n;
}

static long long fsck(struct repo *r, int repair, enum kr_code want)
{
    long long problems = -1;
    struct kr_err err = {0};
    struct buf report;
    buf_init(&report, 1 << 20);
    assert_int_equal(repo_fsck(r, repair, &report, NULL, &problems, &err), want);
    buf_release(&report);
    return problems;
}

static void test_ingest_url_delete(void **state)
{
    struct repo *r = open_repo();
    struct store_image img = ingest(r, 1);
    struct kr_err err = {0};
    char want[600];
    long long size;
    (void)state;

    snprintf(want, sizeof want, "%s/alyaimg/%s", srv.endpoint, img.key);
    assert_string_equal(img.url, want); /* the endpoint's path-style URL */
    assert_true(repo_own_url(r, img.url));
    assert_int_equal(blob_stat(repo_blob(r), "alyaimg", img.key, &size, &err), KR_OK);
    assert_int_equal(size, img.bytes);
    assert_int_equal(rows(r), 1);
    assert_int_equal(repo_delete_url(r, img.url, NULL, &err), KR_OK);
    assert_int_equal(rows(r), 0);
    assert_int_equal(objects(r), 0);
    assert_int_equal(fsck(r, 0, KR_OK), 0);
    repo_close(r);
}

/* S3 failing the upload: retried on 5xx; when it keeps failing, no row. */
static void test_upload_failures(void **state)
{
    struct repo *r = open_repo();
    struct repo_ingest_res res;
    struct kr_err err = {0};
    (void)state;

    s3srv_fault(&srv, "PUT", "", 503, "SlowDown", 2, 0);
    assert_int_equal(try_ingest(r, 2, &res, &err), KR_OK);
    assert_int_equal(rows(r), 1);
    s3srv_fault(&srv, "PUT", "", 500, "InternalError", 100, 0);
    assert_int_equal(try_ingest(r, 3, &res, &err), KR_EUPSTREAM);
    assert_int_equal(rows(r), 1);
    assert_int_equal(objects(r), 1);
    s3srv_reset(&srv);
    /* the row cannot be committed: the object written first is deleted */
    fault_arm("store.image_insert", 1, KR_EIO);
    assert_int_equal(try_ingest(r, 4, &res, &err), KR_EIO);
    assert_int_equal(rows(r), 1);
    assert_int_equal(objects(r), 1);
    assert_int_equal(s3srv_count(&srv, "DELETE"), 1);
    assert_int_equal(fsck(r, 0, KR_OK), 0);
    repo_close(r);
}

/* A delete whose DELETE fails leaves an object without a row, never a
 * row without its object; fsck leaves it alone during the grace period,
 * then lists it and --repair deletes it. A HEAD that fails stops the
 * delete before any change. */
static void test_delete_failures_and_grace(void **state)
{
    struct repo *r = open_repo();
    struct store_image a = ingest(r, 5), b = ingest(r, 6);
    struct kr_err err = {0};
    (void)state;

    s3srv_fault(&srv, "HEAD", "", 503, "SlowDown", 100, 0);
    assert_int_equal(repo_delete_url(r, a.url, NULL, &err), KR_ERATELIMIT);
    assert_int_equal(rows(r), 2);
    s3srv_reset(&srv);
    s3srv_fault(&srv, "DELETE", "", 500, "InternalError", 100, 0);
    assert_int_equal(repo_delete_url(r, a.url, NULL, &err), KR_OK);
    assert_int_equal(s3srv_count(&srv, "DELETE"), 5); /* retried, then given up */
    s3srv_reset(&srv);
    assert_int_equal(rows(r), 1);
    assert_int_equal(objects(r), 2);
    assert_int_equal(fsck(r, 1, KR_OK), 0); /* younger than an hour: an upload in flight? */
    assert_int_equal(objects(r), 2);
    cfg.fsck_grace_s = 0;
    assert_int_equal(fsck(r, 0, KR_OK), 1);
    assert_int_equal(fsck(r, 1, KR_OK), 1);
    assert_int_equal(objects(r), 1);
    assert_int_equal(fsck(r, 0, KR_OK), 0);
    assert_int_equal(rows(r), 1);
    (void)b;
    repo_close(r);
}

/* A row whose object answers 404 is reported; any other S3 error (the
 * HEAD of a row's object, the listing) stops fsck before any change. */
static void test_fsck_reports_and_stops(void **state)
{
    struct repo *r = open_repo();
    struct store_image a = ingest(r, 7);
    struct kr_err err = {0};
    (void)state;

    ingest(r, 8);
    cfg.fsck_grace_s = 0;
    assert_int_equal(blob_put(repo_blob(r), "blyskimg", "20250101000000000000aaaa.jpg", "x", 1,
                              &err),
                     KR_OK); /* an orphan */
    assert_int_equal(blob_remove(repo_blob(r), "alyaimg", a.key, &err), KR_OK);
    assert_int_equal(fsck(r, 0, KR_OK), 2);
    s3srv_fault(&srv, "HEAD", "", 500, "InternalError", 100, 0);
    fsck(r, 1, KR_EUPSTREAM);
    s3srv_reset(&srv);
    s3srv_fault(&srv, "GET", "", 503, "SlowDown", 100, 0); /* the listing */
    fsck(r, 1, KR_ERATELIMIT);
    s3srv_reset(&srv);
    s3srv_fault(&srv, "HEAD", "", 0, "", 1, 5.0); /* a stall past KARAT_S3_TIMEOUT is retried */
    cfg.s3_timeout_s = 2;
    assert_int_equal(rows(r), 2);
    assert_int_equal(objects(r), 2);
    repo_close(r);
    r = open_repo(); /* with the 2 s timeout */
    assert_int_equal(fsck(r, 1, KR_OK), 2);
    assert_int_equal(rows(r), 1);
    assert_int_equal(objects(r), 1);
    repo_close(r);
}

/* The fault decorator over s3 (KARAT_FAULT_BLOB_INNER=s3): the backend's
 * caps pass through (S3 URLs, in place), and a failing stage or delete
 * leaves no row without its object. */
static void test_fault_decorator_over_s3(void **state)
{
    struct repo *r;
    struct repo_ingest_res res;
    struct kr_err err = {0};
    struct store_image a;
    (void)state;

    setenv("KARAT_FAULT_BLOB_INNER", "s3", 1);
    assert_int_equal(config_set(&cfg, "KARAT_BLOB", "fault", &err), KR_OK);
    r = open_repo();
    assert_true(blob_caps(repo_blob(r)) & BLOB_IN_PLACE);
    a = ingest(r, 9);
    assert_non_null(strstr(a.url, srv.endpoint));
    fault_arm("blob.stage", 1, KR_ETIMEOUT);
    assert_int_equal(try_ingest(r, 10, &res, &err), KR_ETIMEOUT);
    assert_int_equal(rows(r), 1);
    fault_arm("blob.discard", 1, KR_EIO);
    assert_int_equal(repo_delete_url(r, a.url, NULL, &err), KR_OK);
    assert_int_equal(rows(r), 0);
    assert_int_equal(objects(r), 1); /* the object outlives its row, never the reverse */
    cfg.fsck_grace_s = 0;
    assert_int_equal(fsck(r, 1, KR_OK), 1);
    assert_int_equal(objects(r), 0);
    repo_close(r);
    unsetenv("KARAT_FAULT_BLOB_INNER");
}

static void assert_own(struct repo *r, const char *url, const char *bucket, const char *key)
{
    struct repo_object o;
    struct kr_err err = {0};
    if (!repo_own_url(r, url))
        fail_msg("not own: %s", url);
    assert_int_equal(repo_parse_url(r, url, &o, &err), KR_OK);
    assert_string_equal(o.bucket, bucket);
    assert_string_equal(o.key, key);
}

static void test_own_url_forms(void **state)
{
    struct repo *r;
    struct kr_err err = {0};
    char url[600];
    const char *foreign[] = {
        "https://otherbucket.s3.amazonaws.com/k.jpg",
        "https://alyaimg.s3.amazonaws.com.evil.example/k.jpg",
        "https://alyaimg.s3.amazonaws.com:444/k.jpg",
        "https://alyaimg.s3.amazonaws.com/k.jpg?versionId=1",
        "https://user@alyaimg.s3.amazonaws.com/k.jpg",
        "https://alyaimg.s3.amazonaws.com/%2e%2e/etc/passwd",
        "https://alyaimg.s3.amazonaws.com/a%20b.jpg",
        "https://alyaimg.example.com/k.jpg",
        "https://s3.amazonaws.com/otherbucket/k.jpg",
        "https://alyaimg.s3x.amazonaws.com/k.jpg",
        "https://cdn.example.com/other/k.jpg",
    };
    (void)state;

    assert_int_equal(config_set(&cfg, "KARAT_S3_PUBLIC_BASE", "blyskimg=https://cdn.example.com/img/",
                                &err),
                     KR_OK);
    r = open_repo();
    assert_own(r, "https://alyaimg.s3.amazonaws.com/20260101120000123456abcdef01.jpg", "alyaimg",
               "20260101120000123456abcdef01.jpg");
    assert_own(r, "https://blyskimg.s3.ap-south-1.amazonaws.com/gen_images/a_type1.png",
               "blyskimg", "gen_images/a_type1.png");
    assert_own(r, "http://alyaimg.s3-ap-south-1.amazonaws.com/k.jpg", "alyaimg", "k.jpg");
    assert_own(r, "https://s3.amazonaws.com/alyaimg/excel_files/x.xlsx", "alyaimg",
               "excel_files/x.xlsx");
    assert_own(r, "https://s3.eu-west-1.amazonaws.com/blyskimg/k.jpg", "blyskimg", "k.jpg");
    assert_own(r, "https://ALYAIMG.S3.AMAZONAWS.COM/gen_images%2Fb_prompt0.png", "alyaimg",
               "gen_images/b_prompt0.png"); /* quoted keys */
    assert_own(r, "https://alyaimg.s3.amazonaws.com/k%2Ejpg", "alyaimg", "k.jpg");
    assert_own(r, "https://cdn.example.com/img/gen_images/z.zip", "blyskimg", "gen_images/z.zip");
    snprintf(url, sizeof url, "%s/blyskimg/k.jpg", srv.endpoint);
    assert_own(r, url, "blyskimg", "k.jpg");
    assert_own(r, "http://127.0.0.1:8000/files/alyaimg/k.jpg", "alyaimg", "k.jpg");
    for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++)
        if (repo_own_url(r, foreign[i]))
            fail_msg("taken as own: %s", foreign[i]);
    repo_url_for(r, "blyskimg", "k.jpg", url, sizeof url);
    assert_string_equal(url, "https://cdn.example.com/img/k.jpg");
    repo_close(r);

    /* AWS itself (no endpoint): the original's URL form; and a named endpoint */
    assert_int_equal(config_set(&cfg, "AWS_ENDPOINT_URL", "", &err), KR_OK);
    r = open_repo();
    repo_url_for(r, "alyaimg", "k.jpg", url, sizeof url);
    assert_string_equal(url, "https://alyaimg.s3.amazonaws.com/k.jpg");
    /* only images are public: spreadsheets and ZIPs are served by Karat */
    repo_url_for(r, "alyaimg", "excel_files/x.xlsx", url, sizeof url);
    assert_string_equal(url, "http://127.0.0.1:8000/files/alyaimg/excel_files/x.xlsx");
    repo_url_for(r, "alyaimg", "gen_images/b.zip", url, sizeof url);
    assert_string_equal(url, "http://127.0.0.1:8000/files/alyaimg/gen_images/b.zip");
    repo_url_for(r, "alyaimg", "gen_images/b_type1.png", url, sizeof url);
    assert_string_equal(url, "https://alyaimg.s3.amazonaws.com/gen_images/b_type1.png");
    repo_close(r);
    assert_int_equal(config_set(&cfg, "AWS_ENDPOINT_URL", "https://minio.example.com/", &err),
                     KR_OK);
    r = open_repo();
    repo_url_for(r, "alyaimg", "k.jpg", url, sizeof url);
    assert_string_equal(url, "https://minio.example.com/alyaimg/k.jpg");
    assert_own(r, url, "alyaimg", "k.jpg");
    assert_own(r, "https://alyaimg.minio.example.com/k.jpg", "alyaimg", "k.jpg");
    assert_false(repo_own_url(r, "http://alyaimg.minio.example.com/k.jpg"));
    repo_close(r);

    /* the local backend: S3 URLs are not this server's */
    assert_int_equal(config_set(&cfg, "KARAT_BLOB", "local", &err), KR_OK);
    r = open_repo();
    assert_false(repo_own_url(r, "https://alyaimg.s3.amazonaws.com/k.jpg"));
    repo_url_for(r, "alyaimg", "k.jpg", url, sizeof url);
    assert_string_equal(url, "http://127.0.0.1:8000/files/alyaimg/k.jpg");
    repo_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ingest_url_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upload_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_failures_and_grace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fsck_reports_and_stops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_decorator_over_s3, setup, teardown),
        cmocka_unit_test_setup_teardown(test_own_url_forms, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
