/*
 * test_repo_faults.c - a failing backend is never read as "absent".
 *
 * The repository runs on the "fault" blob and store backends
 * (tests/support/fault.h): the real local/sqlite ones, with chosen calls
 * failing with chosen codes. Every test first makes the state where the old
 * code lost data (a lookup error taken for KR_ENOTFOUND), then checks that
 * the operation stops with the error and changes nothing, and that the
 * same operation without the fault does what it should.
 */
#include "testutil.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "fault.h"
#include "image/image.h"
#include "repo/repo.h"
#include "scene_img.h"

static char dir[256];
static struct config cfg;

static int setup(void **state)
{
    struct kr_err err = {0};
    (void)state;
    fault_register();
    fault_reset();
    tu_tmpdir(dir, sizeof dir);
    if (config_load(&cfg, &err) || config_set(&cfg, "KARAT_DATA_DIR", dir, &err) ||
        config_set(&cfg, "KARAT_STORE", "fault", &err) ||
        config_set(&cfg, "KARAT_BLOB", "fault", &err))
        return -1;
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

static enum kr_code try_open(struct repo **r, struct kr_err *err)
{
    *r = NULL;
    return repo_open(&cfg, "http://127.0.0.1:8000", r, err);
}

static struct repo *open_repo(void)
{
    struct repo *r;
    struct kr_err err = {0};
    if (try_open(&r, &err))
        fail_msg("repo_open: %s", err.msg);
    return r;
}

static unsigned char *photo(int seed, int quality, size_t *n)
{
    struct tu_img_opts o = {.width = 480, .height = 480, .seed = seed, .quality = quality};
    return tu_make_image(&o, n);
}

static enum kr_code try_ingest(struct repo *r, int seed, int quality, struct repo_ingest_res *res,
                               struct kr_err *err)
{
    size_t n;
    unsigned char *p = photo(seed, quality, &n);
    struct repo_ingest_req req = {p, n, "x.jpg", "alyaimg", "alya", 1, 3, NULL};
    enum kr_code rc = repo_ingest(r, &req, res, err);
    free(p);
    return rc;
}

static struct store_image ingest(struct repo *r, int seed)
{
    struct repo_ingest_res res;
    struct kr_err err = {0};
    if (try_ingest(r, seed, 90, &res, &err))
        fail_msg("ingest: %s", err.msg);
    assert_false(res.duplicate);
    return res.image;
}

/* Another encoding of seed's photo, stored without the duplicate check: its id. */
static int64_t ingest_copy(struct repo *r, int seed, int quality)
{
    struct repo_ingest_res res;
    struct kr_err err = {0};
    size_t n;
    unsigned char *p = photo(seed, quality, &n);
    struct repo_ingest_req req = {p, n, "x.jpg", "alyaimg", "alya", 0, 3, NULL};
    if (repo_ingest(r, &req, &res, &err))
        fail_msg("ingest: %s", err.msg);
    free(p);
    return res.image.id;
}

static long long rows(struct repo *r)
{
    long long n = -1;
    struct kr_err err = {0};
    fault_reset(); /* counting must not trip a rule; callers re-arm */
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

/* Objects published (staged 0) or staged (1). */
static long long objects(struct repo *r, int staged)
{
    long long n = 0;
    struct kr_err err = {0};
    fault_reset();
    assert_int_equal(blob_list(repo_blob(r), staged, count_cb, &n, &err), KR_OK);
    return n;
}

static long long repair(struct repo *r, enum kr_code want)
{
    long long problems = -1;
    struct kr_err err = {0};
    assert_int_equal(repo_fsck(r, 1, NULL, NULL, &problems, &err), want);
    if (want)
        assert_non_null(strstr(err.msg, "injected fault"));
    return problems;
}

/* One real missing blob among three rows: with blob_stat failing (every
 * call, or only the third), fsck --repair stops and deletes no row; then,
 * healthy, it removes exactly the one dangling row. */
static void test_fsck_failing_blob_stat_deletes_nothing(void **state)
{
    struct repo *r = open_repo();
    struct store_image img[3];
    struct kr_err err = {0};
    (void)state;
    for (int i = 0; i < 3; i++)
        img[i] = ingest(r, 10 + i);
    assert_int_equal(blob_remove(repo_blob(r), img[1].bucket, img[1].key, &err), KR_OK);

    fault_arm("blob.stat", 0, KR_EIO);
    repair(r, KR_EIO);
    assert_int_equal(rows(r), 3);
    fault_arm("blob.stat", 3, KR_EUPSTREAM); /* e.g. a remote store timing out once */
    repair(r, KR_EUPSTREAM);
    assert_int_equal(fault_fired("blob.stat"), 1);
    assert_int_equal(rows(r), 3);
    assert_int_equal(repo_index_count(r), 3);

    assert_int_equal(repair(r, KR_OK), 1);
    assert_int_equal(rows(r), 2);
    assert_int_equal(repo_index_count(r), 2);
    repo_close(r);
}

/* With the store failing row lookups, fsck --repair discards no blob. */
static void test_fsck_failing_store_keeps_blobs(void **state)
{
    struct repo *r = open_repo();
    (void)state;
    ingest(r, 20);
    ingest(r, 21);
    fault_arm("store.image_find_key", 0, KR_EIO);
    repair(r, KR_EIO);
    assert_int_equal(objects(r, 0), 2);
    fault_arm("store.image_get", 2, KR_EIO); /* the row pass and the index pass */
    repair(r, KR_EIO);
    assert_int_equal(objects(r, 0), 2);
    assert_int_equal(rows(r), 2);
    assert_int_equal(repair(r, KR_OK), 0);
    repo_close(r);
}

/* CLEAN_ORPHANS_ON_STARTUP with a failing store or blob backend: start-up
 * fails with the error and nothing is deleted. */
static void test_startup_clean_orphans_failing_backend_deletes_nothing(void **state)
{
    const char *ops[] = {"store.image_find_key", "blob.stat", "store.image_get"};
    struct repo *r = open_repo();
    struct kr_err err = {0};
    (void)state;
    ingest(r, 30);
    ingest(r, 31);
    repo_close(r);
    assert_int_equal(config_set(&cfg, "CLEAN_ORPHANS_ON_STARTUP", "true", &err), KR_OK);
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        fault_reset();
        fault_arm(ops[i], 0, KR_EIO);
        assert_int_equal(try_open(&r, &err), KR_EIO);
        assert_null(r);
        assert_non_null(strstr(err.msg, "injected fault"));
    }
    fault_reset();
    r = open_repo();
    assert_int_equal(rows(r), 2);
    assert_int_equal(objects(r, 0), 2);
    assert_int_equal(repo_index_count(r), 2);
    repo_close(r);
}

/* Crash between the row commit and the publish, then a start-up whose row
 * lookup fails: the staged blob is kept (not discarded as rowless) and the
 * next healthy start-up publishes it. */
static void test_recovery_failing_lookup_keeps_staged_blob(void **state)
{
    struct repo *r = open_repo();
    struct kr_err err = {0};
    long long size;
    (void)state;
    struct store_image a = ingest(r, 40);
    assert_int_equal(blob_unpublish(repo_blob(r), a.bucket, a.key, &err), KR_OK);
    repo_close(r);
    fault_arm("store.image_find_key", 0, KR_EIO);
    assert_int_equal(try_open(&r, &err), KR_EIO);
    fault_reset();
    r = open_repo();
    assert_int_equal(blob_stat(repo_blob(r), a.bucket, a.key, &size, &err), KR_OK);
    assert_int_equal(size, a.bytes);
    repo_close(r);
}

/* The duplicate check cannot read the store: the upload is refused with the
 * error (nothing stored, nothing left staged) instead of stored as new. */
static void test_ingest_failing_lookup_stores_nothing(void **state)
{
    struct repo *r = open_repo();
    struct repo_ingest_res res;
    struct kr_err err = {0};
    (void)state;
    ingest(r, 50);
    /* exact bytes: the sha lookup fails */
    fault_arm("store.image_find_sha", 1, KR_EIO);
    assert_int_equal(try_ingest(r, 50, 90, &res, &err), KR_EIO);
    /* a re-encoded copy: the row of the index's hit cannot be read */
    fault_arm("store.image_get_ids", 1, KR_EIO);
    assert_int_equal(try_ingest(r, 50, 75, &res, &err), KR_EIO);
    assert_int_equal(fault_fired("store.image_get_ids"), 1);
    assert_non_null(strstr(err.msg, "duplicate check: the index's hits: "));
    assert_false(res.duplicate);
    assert_int_equal(rows(r), 1);
    assert_int_equal(objects(r, 0), 1);
    assert_int_equal(objects(r, 1), 0);
    assert_int_equal(repo_index_count(r), 1);
    /* healthy again: the copy is found as the duplicate it is */
    assert_int_equal(try_ingest(r, 50, 75, &res, &err), KR_OK);
    assert_true(res.duplicate);
    repo_close(r);
}

/* The rows of the index's hits come in one batch read (store_image_get_ids,
 * one round trip in server mode), never one image_get per hit: with every
 * image_get failing, a copy of a photo stored three times still finds its
 * three matches, in the index's order. */
static void test_ingest_reads_hits_in_one_batch(void **state)
{
    struct repo *r = open_repo();
    struct repo_ingest_res res;
    struct kr_err err = {0};
    int64_t ids[3];
    (void)state;
    for (int i = 0; i < 3; i++) /* three encodings, all stored on purpose */
        ids[i] = ingest_copy(r, 60, 90 - 10 * i);
    fault_arm("store.image_get", 0, KR_EIO);
    assert_int_equal(try_ingest(r, 60, 55, &res, &err), KR_OK);
    assert_int_equal(fault_fired("store.image_get"), 0);
    assert_true(res.duplicate);
    assert_int_equal(res.nmatches, 3);
    for (int i = 0; i < 3; i++) {
        int seen = 0;
        for (int j = 0; j < 3; j++)
            seen += res.matches[j].id == ids[i];
        assert_int_equal(seen, 1);
        assert_true(i == 0 || res.matches[i].score <= res.matches[i - 1].score);
    }
    assert_int_equal(rows(r), 3);
    repo_close(r);
}

/* So do the rows of a search's hits; a failing batch read fails the search
 * with the store's error (never fewer results as if the rows were gone). */
static void test_search_reads_hits_in_one_batch(void **state)
{
    struct repo *r = open_repo();
    struct repo_match hits[8];
    struct kr_err err = {0};
    size_t len;
    int n = -1;
    (void)state;
    for (int i = 0; i < 5; i++)
        ingest(r, 70 + i);
    unsigned char *p = photo(72, 80, &len);
    fault_arm("store.image_get", 0, KR_EIO);
    assert_int_equal(repo_search(r, &(struct repo_search_req){p, len, 5}, hits, &n, &err), KR_OK);
    assert_int_equal(fault_fired("store.image_get"), 0);
    assert_int_equal(n, 5);
    for (int i = 1; i < n; i++)
        assert_true(hits[i].score <= hits[i - 1].score);
    fault_reset();
    fault_arm("store.image_get_ids", 1, KR_EIO);
    assert_int_equal(repo_search(r, &(struct repo_search_req){p, len, 5}, hits, &n, &err), KR_EIO);
    assert_int_equal(n, 0);
    assert_non_null(strstr(err.msg, "search: "));
    free(p);
    repo_close(r);
}

/* A hit whose row was deleted between the index scan and the row read (a
 * concurrent delete; here the row goes, the index entry stays) is never
 * reported, and the duplicate check reads on to fill top_k: with the best
 * hit gone, top_k 1 still reports the next one, top_k 3 the other two; a
 * search reports the rows that are left. */
static void test_hits_gone_meanwhile_skipped(void **state)
{
    struct repo *r = open_repo();
    struct repo_ingest_res res;
    struct repo_match hits[4];
    struct kr_err err = {0};
    size_t len;
    int n = -1;
    unsigned char *p = photo(60, 55, &len);
    struct repo_ingest_req req = {p, len, "x.jpg", "alyaimg", "alya", 1, 3, NULL};
    (void)state;
    for (int i = 0; i < 3; i++) /* three encodings, all stored on purpose */
        ingest_copy(r, 60, 90 - 10 * i);
    assert_int_equal(repo_ingest(r, &req, &res, &err), KR_OK);
    assert_int_equal(res.nmatches, 3);
    int64_t gone = res.matches[0].id, next = res.matches[1].id;
    assert_int_equal(store_image_delete(repo_store(r), gone, &err), KR_OK);
    req.top_k = 1;
    assert_int_equal(repo_ingest(r, &req, &res, &err), KR_OK);
    assert_true(res.duplicate);
    assert_int_equal(res.nmatches, 1);
    assert_true(res.matches[0].id == next);
    req.top_k = 3;
    assert_int_equal(repo_ingest(r, &req, &res, &err), KR_OK);
    assert_int_equal(res.nmatches, 2);
    assert_true(res.matches[0].id != gone && res.matches[1].id != gone);
    assert_int_equal(repo_search(r, &(struct repo_search_req){p, len, 3}, hits, &n, &err), KR_OK);
    assert_int_equal(n, 2);
    assert_true(hits[0].id != gone && hits[1].id != gone);
    assert_int_equal(rows(r), 2);
    free(p);
    repo_close(r);
}

/* A scene photo's crop: its duplicate is found only by the second stage,
 * which reads the candidates' keypoints from the store. When that read
 * fails, the upload is refused with the error (never stored as new); when
 * it works, the crop is the duplicate it is. */
static enum kr_code ingest_rgb(struct repo *r, const unsigned char *rgb, int w, int h,
                               struct repo_ingest_res *res, struct kr_err *err)
{
    size_t n;
    unsigned char *p = tu_rgb_jpeg(rgb, w, h, 90, &n);
    struct repo_ingest_req req = {p, n, "s.jpg", "alyaimg", "alya", 1, 3, NULL};
    enum kr_code rc = repo_ingest(r, &req, res, err);
    g_free(p);
    return rc;
}

static void test_scene_check_failing_read_stores_nothing(void **state)
{
    enum { W = 1200, H = 900 };
    struct repo *r = open_repo();
    struct repo_ingest_res res;
    struct kr_err err = {0};
    unsigned char *a = tu_scene(5, W, H);
    unsigned char *c =
        tu_scene_window(a, W, H, &(struct tu_window){W / 10, H / 10, W * 8 / 10, H * 8 / 10, 0});
    (void)state;

    assert_int_equal(ingest_rgb(r, a, W, H, &res, &err), KR_OK);
    assert_false(res.duplicate);
    fault_arm("store.image_get_ids", 1, KR_EIO);
    memset(&res, 0, sizeof res);
    assert_int_equal(ingest_rgb(r, c, W * 8 / 10, H * 8 / 10, &res, &err), KR_EIO);
    assert_int_equal(fault_fired("store.image_get_ids"), 1);
    assert_non_null(strstr(err.msg, "stored signature"));
    assert_false(res.duplicate);
    assert_int_equal(rows(r), 1);
    assert_int_equal(objects(r, 0), 1);
    assert_int_equal(objects(r, 1), 0);
    assert_int_equal(repo_index_count(r), 1);
    assert_int_equal(ingest_rgb(r, c, W * 8 / 10, H * 8 / 10, &res, &err), KR_OK);
    assert_true(res.duplicate);
    assert_int_equal(rows(r), 1);
    free(a);
    free(c);
    repo_close(r);
}

/* The blob cannot be moved out of the way: the delete fails and keeps the row. */
static void test_delete_failing_unpublish_keeps_row(void **state)
{
    struct repo *r = open_repo();
    struct store_image got;
    struct kr_err err = {0};
    long long size;
    (void)state;
    struct store_image a = ingest(r, 60);
    fault_arm("blob.unpublish", 1, KR_EIO);
    assert_int_equal(repo_delete_url(r, a.url, NULL, &err), KR_EIO);
    assert_int_equal(store_image_get(repo_store(r), a.id, &got, &err), KR_OK);
    assert_int_equal(blob_stat(repo_blob(r), a.bucket, a.key, &size, &err), KR_OK);
    fault_arm("store.image_find_url", 1, KR_EIO);
    assert_int_equal(repo_delete_url(r, a.url, NULL, &err), KR_EIO);
    assert_int_equal(rows(r), 1);
    assert_int_equal(repo_delete_url(r, a.url, NULL, &err), KR_OK);
    assert_int_equal(rows(r), 0);
    repo_close(r);
}

/* Re-indexing with unreadable blobs stops with the error (an entry skipped
 * in silence would let a duplicate of that photo in later). */
static void test_reindex_failing_blob_stops(void **state)
{
    struct repo *r = open_repo();
    struct kr_err err = {0};
    long long n = -1;
    (void)state;
    ingest(r, 70);
    ingest(r, 71);
    fault_arm("blob.get", 2, KR_EIO);
    assert_int_equal(repo_reindex(r, &n, &err), KR_EIO);
    fault_reset();
    assert_int_equal(repo_reindex(r, &n, &err), KR_OK);
    assert_int_equal(n, 2);
    repo_close(r);
}

int main(void)
{
    struct kr_err err = {0};
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fsck_failing_blob_stat_deletes_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fsck_failing_store_keeps_blobs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_startup_clean_orphans_failing_backend_deletes_nothing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_recovery_failing_lookup_keeps_staged_blob, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ingest_failing_lookup_stores_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ingest_reads_hits_in_one_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_reads_hits_in_one_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hits_gone_meanwhile_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scene_check_failing_read_stores_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_delete_failing_unpublish_keeps_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reindex_failing_blob_stops, setup, teardown),
    };
    if (image_init("test", &err))
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
