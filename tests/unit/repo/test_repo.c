/*
 * test_repo.c - the repository's write protocol and its crash recovery.
 *
 * Each crash state is produced by doing part of the protocol by hand with
 * the backends (as a process killed at that instant would leave it), then
 * reopening: the rule "staged blob + row -> published; staged blob without
 * row -> discarded" must hold, and fsck must then find nothing.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "image/image.h"
#include "repo/repo.h"

static char dir[256];
static struct config cfg;

static int setup(void **state)
{
    struct kr_err err = {0};
    (void)state;
    tu_tmpdir(dir, sizeof dir);
    if (image_init("test", &err) || config_load(&cfg, &err) ||
        config_set(&cfg, "KARAT_DATA_DIR", dir, &err))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    config_release(&cfg);
    tu_rmrf(dir);
    return 0;
}

static struct repo *open_repo(void)
{
    struct repo *r = NULL;
    struct kr_err err = {0};
    if (repo_open(&cfg, "http://example.test:8000", &r, &err))
        fail_msg("repo_open: %s", err.msg);
    return r;
}

static unsigned char *photo(int seed, size_t *n)
{
    struct tu_img_opts o = {.width = 640, .height = 640, .seed = seed};
    return tu_make_image(&o, n);
}

static struct repo_ingest_res ingest(struct repo *r, int seed, int check)
{
    size_t n;
    unsigned char *p = photo(seed, &n);
    struct repo_ingest_req req = {p, n, "x.jpg", "alyaimg", "alya", check, 3, NULL};
    struct repo_ingest_res res;
    struct kr_err err = {0};
    if (repo_ingest(r, &req, &res, &err))
        fail_msg("ingest: %s", err.msg);
    free(p);
    return res;
}

static long long fsck_problems(struct repo *r)
{
    long long problems = -1;
    struct kr_err err = {0};
    assert_int_equal(repo_fsck(r, 0, NULL, NULL, &problems, &err), KR_OK);
    return problems;
}

static void test_ingest_dedup_delete(void **state)
{
    struct repo *r = open_repo();
    struct kr_err err = {0};
    (void)state;
    struct repo_ingest_res a = ingest(r, 1, 1);
    assert_false(a.duplicate);
    assert_non_null(strstr(a.image.url, "http://example.test:8000/files/alyaimg/"));
    struct repo_ingest_res again = ingest(r, 1, 1);
    assert_true(again.duplicate);
    assert_int_equal(again.nmatches, 1);
    assert_int_equal(again.matches[0].id, a.image.id);
    assert_true(again.matches[0].distance < 1e-6);
    struct repo_ingest_res forced = ingest(r, 1, 0); /* same bytes, check skipped */
    assert_false(forced.duplicate);
    assert_int_not_equal(forced.image.id, a.image.id);
    assert_int_equal(repo_index_count(r), 2);
    assert_int_equal(repo_delete_url(r, forced.image.url, NULL, &err), KR_OK);
    assert_int_equal(repo_delete_url(r, forced.image.url, NULL, &err), KR_ENOTFOUND);
    assert_int_equal(repo_delete_url(r, "https://elsewhere.test/x.jpg", NULL, &err), KR_EINVAL);
    assert_int_equal(repo_index_count(r), 1);
    assert_int_equal(fsck_problems(r), 0);
    repo_close(r);
}

static void test_not_an_image_changes_nothing(void **state)
{
    struct repo *r = open_repo();
    struct repo_ingest_req req = {"garbage", 7, "g.jpg", "alyaimg", "alya", 1, 1, NULL};
    struct repo_ingest_res res;
    struct kr_err err = {0};
    size_t before = repo_index_count(r);
    (void)state;
    assert_int_equal(repo_ingest(r, &req, &res, &err), KR_EINVAL);
    assert_int_equal(repo_index_count(r), before);
    req.bucket = "../etc";
    assert_int_equal(repo_ingest(r, &req, &res, &err), KR_EINVAL);
    repo_close(r);
}

/* Crash after the blob was staged, before the row: the upload disappears. */
static void test_recover_staged_without_row(void **state)
{
    struct repo *r = open_repo();
    struct kr_err err = {0};
    size_t n, before;
    long long size;
    unsigned char *p = photo(77, &n);
    (void)state;
    before = repo_index_count(r);
    assert_int_equal(blob_stage(repo_blob(r), "alyaimg", "crashed.jpg", p, n, &err), KR_OK);
    repo_close(r);
    r = open_repo();
    assert_int_equal(blob_stat(repo_blob(r), "alyaimg", "crashed.jpg", &size, &err), KR_ENOTFOUND);
    assert_int_equal(repo_index_count(r), before);
    assert_int_equal(fsck_problems(r), 0);
    repo_close(r);
    free(p);
}

/* Crash after the row commit, before publish: start-up finishes the upload. */
static void test_recover_row_before_publish(void **state)
{
    struct repo *r = open_repo();
    struct kr_err err = {0};
    long long size;
    (void)state;
    struct repo_ingest_res a = ingest(r, 88, 1);
    assert_int_equal(blob_unpublish(repo_blob(r), a.image.bucket, a.image.key, &err), KR_OK);
    repo_close(r);
    r = open_repo();
    assert_int_equal(blob_stat(repo_blob(r), a.image.bucket, a.image.key, &size, &err), KR_OK);
    assert_int_equal(size, a.image.bytes);
    assert_int_equal(fsck_problems(r), 0);
    /* and it is still found as a duplicate after the restart */
    assert_true(ingest(r, 88, 1).duplicate);
    repo_close(r);
}

static void test_parse_url(void **state)
{
    struct repo *r = open_repo();
    struct repo_object o;
    char *b = o.bucket, *k = o.key;
    struct kr_err err = {0};
    (void)state;
    assert_int_equal(repo_parse_url(r, "http://example.test:8000/files/alyaimg/1.jpg", &o, &err),
                     KR_OK);
    assert_string_equal(b, "alyaimg");
    assert_string_equal(k, "1.jpg");
    assert_int_equal(repo_parse_url(r, "alyaimg/gen_images/x.png", &o, &err), KR_OK);
    assert_string_equal(k, "gen_images/x.png");
    assert_int_equal(repo_parse_url(r, "http://h/files/alyaimg/../../etc/passwd", &o, &err),
                     KR_EINVAL);
    assert_int_equal(repo_parse_url(r, "ftp://h/files/a/b", &o, &err), KR_EINVAL);
    assert_int_equal(repo_parse_url(r, "http://h/x/files/a/b", &o, &err), KR_EINVAL);
    repo_close(r);
}

static int own(struct repo *r, const char *url)
{
    struct repo_object o;
    struct kr_err err = {0};
    enum kr_code rc = repo_parse_url(r, url, &o, &err);
    assert_int_equal(repo_own_url(r, url), rc == KR_OK); /* no bare "bucket/key" here */
    if (rc == KR_OK)
        assert_string_equal(o.key, "1.jpg");
    else
        assert_string_equal(err.slug, "not_karat_url");
    return rc == KR_OK;
}

struct own_case {
    const char *url;
    int own;
};

static void own_cases(const struct own_case *c, size_t n)
{
    struct repo *r = open_repo();
    for (size_t i = 0; i < n; i++)
        if (own(r, c[i].url) != c[i].own)
            fail_msg("%s: expected %s", c[i].url, c[i].own ? "own" : "foreign");
    repo_close(r);
}

/* Only URLs on this server's scheme + host + port (+ path prefix) are its
 * own: another host's URL with the same path names none of its files. */
static void test_own_url_checks_the_host(void **state)
{
    static const struct own_case listen_only[] = {
        {"http://example.test:8000/files/alyaimg/1.jpg", 1},
        {"HTTP://Example.TEST:8000/files/alyaimg/1.jpg", 1},
        {"/files/alyaimg/1.jpg", 1},
        {"https://any-other-host/files/alyaimg/1.jpg", 0},
        {"http://other.test:8000/files/alyaimg/1.jpg", 0},
        {"https://example.test:8000/files/alyaimg/1.jpg", 0},
        {"http://example.test:8001/files/alyaimg/1.jpg", 0},
        {"http://example.test/files/alyaimg/1.jpg", 0},
        {"http://example.test:8000@evil.test/files/alyaimg/1.jpg", 0},
        {"http://evil.test\\@example.test:8000/files/alyaimg/1.jpg", 0},
        {"http://example.test.evil.test:8000/files/alyaimg/1.jpg", 0},
        {"http://example.test:8000/x/files/alyaimg/1.jpg", 0},
        {"//example.test:8000/files/alyaimg/1.jpg", 0},
    };
    /* a public base with a path; the listen address stays this server's too */
    static const struct own_case with_public[] = {
        {"https://cdn.example.test/karat/files/alyaimg/1.jpg", 1},
        {"https://cdn.example.test:443/karat/files/alyaimg/1.jpg", 1},
        {"http://example.test:8000/files/alyaimg/1.jpg", 1},
        {"https://cdn.example.test/files/alyaimg/1.jpg", 0},
        {"http://cdn.example.test/karat/files/alyaimg/1.jpg", 0},
        {"https://cdn.example.test:8443/karat/files/alyaimg/1.jpg", 0},
    };
    struct kr_err err = {0};
    (void)state;
    own_cases(listen_only, sizeof listen_only / sizeof listen_only[0]);
    assert_int_equal(config_set(&cfg, "KARAT_PUBLIC_URL", "https://CDN.example.test/karat/", &err),
                     KR_OK);
    own_cases(with_public, sizeof with_public / sizeof with_public[0]);
    assert_int_equal(config_set(&cfg, "KARAT_PUBLIC_URL", "", &err), KR_OK);
}

/* ---- uploads of one photo at the same time --------------------------------- */

#define RACERS 6

struct racer {
    struct repo *r;
    pthread_barrier_t *go;
    unsigned char *bytes;
    size_t n;
    struct repo_ingest_res res;
    enum kr_code rc;
};

static void *race(void *arg)
{
    struct racer *x = arg;
    struct repo_ingest_req req = {x->bytes, x->n, "x.jpg", "alyaimg", "alya", 1, 3, NULL};
    struct kr_err err = {0};
    pthread_barrier_wait(x->go);
    x->rc = repo_ingest(x->r, &req, &x->res, &err);
    return NULL;
}

/* Re-encodings of one photo (different bytes, one item) uploaded at once:
 * each checks before the others commit, so the check under the write lock
 * is what keeps all but one out. */
static void test_concurrent_copies_store_one(void **state)
{
    struct repo *r = open_repo();
    struct racer x[RACERS];
    pthread_t th[RACERS];
    pthread_barrier_t go;
    size_t before = repo_index_count(r);
    int stored = 0;
    (void)state;
    pthread_barrier_init(&go, NULL, RACERS);
    for (int i = 0; i < RACERS; i++) {
        struct tu_img_opts o = {.width = 640, .height = 640, .seed = 77, .quality = 70 + 4 * i};
        x[i] = (struct racer){.r = r, .go = &go};
        x[i].bytes = tu_make_image(&o, &x[i].n);
        pthread_create(&th[i], NULL, race, &x[i]);
    }
    for (int i = 0; i < RACERS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(x[i].rc, KR_OK);
        stored += !x[i].res.duplicate;
        free(x[i].bytes);
    }
    pthread_barrier_destroy(&go);
    assert_int_equal(stored, 1);
    assert_int_equal(repo_index_count(r), before + 1);
    assert_int_equal(fsck_problems(r), 0);
    repo_close(r);
}

static void test_second_process_refused(void **state)
{
    struct repo *r = open_repo(), *r2 = NULL;
    struct kr_err err = {0};
    (void)state;
    assert_int_equal(repo_open(&cfg, "http://x", &r2, &err), KR_ECONFLICT);
    assert_string_equal(err.slug, "data_dir_busy");
    repo_close(r);
}

/* Server-made keys: the folder, 20 digits of time, 8 hex digits, the
 * extension (".jpg" by default); never the same twice. */
static void key_shape(const char *key, const char *prefix, const char *ext)
{
    size_t p = strlen(prefix);
    assert_int_equal(strlen(key), p + 28 + strlen(ext));
    assert_memory_equal(key, prefix, p);
    for (size_t i = p; i < p + 28; i++)
        assert_non_null(strchr(i < p + 20 ? "0123456789" : "0123456789abcdef", key[i]));
    assert_string_equal(key + p + 28, ext);
}

static void test_new_key(void **state)
{
    char a[160], b[160];
    (void)state;
    repo_new_key("excel_files/", ".xlsx", a, sizeof a);
    key_shape(a, "excel_files/", ".xlsx");
    repo_new_key(NULL, NULL, b, sizeof b);
    key_shape(b, "", ".jpg");
    repo_new_key("", ".png", b, sizeof b);
    key_shape(b, "", ".png");
    repo_new_key("catalog_uploads/", ".xlsx", b, sizeof b);
    assert_string_not_equal(a + strlen("excel_files/"), b + strlen("catalog_uploads/"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ingest_dedup_delete),
        cmocka_unit_test(test_not_an_image_changes_nothing),
        cmocka_unit_test(test_recover_staged_without_row),
        cmocka_unit_test(test_recover_row_before_publish),
        cmocka_unit_test(test_parse_url),
        cmocka_unit_test(test_own_url_checks_the_host),
        cmocka_unit_test(test_concurrent_copies_store_one),
        cmocka_unit_test(test_second_process_refused),
        cmocka_unit_test(test_new_key),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
