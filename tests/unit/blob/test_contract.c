/*
 * test_contract.c - the blob contract, run against every backend: round
 * trips (replace, folders in keys, empty objects, absent is "not found",
 * removing an absent object is fine), the read limit, names that are
 * refused before anything is written, the stage/publish/unpublish/discard
 * protocol, and listing (published or staged, stopping early).
 *
 * The backend is KARAT_BLOB as config_load() reads it: "local" (default, a
 * fresh folder per test) or "s3". ctest runs this file once per backend:
 * unit.blob.test_contract, and unit.blob.test_contract.s3 through with_s3
 * (a real S3 protocol server, tests/support/s3_server.h).
 *
 * Staging differs by design (blob.h): a backend with BLOB_IN_PLACE writes
 * the final object when staging and publish has nothing to move; the
 * others keep staged bytes invisible until published. The tests say which
 * answer each kind gives. What only one backend has (the local folder's
 * layout and link refusals, S3 paging, signatures, retries) stays in
 * test_local.c and test_s3.c.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob/blob.h"
#include "blob_test.h"
#include "core/config.h"
#include "core/util.h"
#include "s3_server.h"

struct fx {
    char dir[512];
    struct config cfg;
    struct blob *b;
    int in_place;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct kr_err err = {0};

    tu_tmpdir(f->dir, sizeof f->dir);
    assert_int_equal(config_load(&f->cfg, &err), KR_OK);
    /* every bucket the tests use is listed (and emptied on a shared server) */
    assert_int_equal(config_set(&f->cfg, "KARAT_BUCKETS", S3SRV_BUCKET_MAP, &err), KR_OK);
    assert_int_equal(blob_open_cfg(f->cfg.blob_backend, f->dir, &f->cfg, &f->b, &err), KR_OK);
    f->in_place = (blob_caps(f->b) & BLOB_IN_PLACE) != 0;
    assert_int_equal(f->in_place, strcmp(f->cfg.blob_backend, "s3") == 0); /* the one asked for */
    assert_int_equal(s3srv_empty(f->b), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    blob_close(f->b);
    config_release(&f->cfg);
    tu_rmrf(f->dir);
    free(f);
    return 0;
}

/* How many objects (or staged ones) the backend lists. */
static int listed(struct fx *f, int staged)
{
    struct seen s = {0};
    struct kr_err err = {0};
    assert_int_equal(blob_list(f->b, staged, collect, &s, &err), KR_OK);
    return s.n;
}

static void test_put_get_stat_remove(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    long long size = -1, ms = 0;

    assert_int_equal(blob_put(f->b, "alyaimg", "a.jpg", "hello", 5, &err), KR_OK);
    assert_blob(f->b, "alyaimg", "a.jpg", "hello", 5);
    assert_int_equal(blob_stat(f->b, "alyaimg", "a.jpg", &size, &err), KR_OK);
    assert_int_equal(size, 5);
    assert_int_equal(blob_mtime(f->b, "alyaimg", "a.jpg", &ms, &err), KR_OK);
    assert_true(ms > util_epoch_ms() - 600000 && ms < util_epoch_ms() + 600000);

    /* put replaces the object */
    assert_int_equal(blob_put(f->b, "alyaimg", "a.jpg", "bye", 3, &err), KR_OK);
    assert_blob(f->b, "alyaimg", "a.jpg", "bye", 3);

    /* keys with folders */
    assert_int_equal(blob_put(f->b, "alyaimg", "gen_images/x/y.png", "png", 3, &err), KR_OK);
    assert_blob(f->b, "alyaimg", "gen_images/x/y.png", "png", 3);

    /* empty objects are fine */
    assert_int_equal(blob_put(f->b, "alyaimg", "empty", NULL, 0, &err), KR_OK);
    assert_int_equal(blob_stat(f->b, "alyaimg", "empty", &size, &err), KR_OK);
    assert_int_equal(size, 0);

    assert_int_equal(blob_remove(f->b, "alyaimg", "a.jpg", &err), KR_OK);
    assert_int_equal(blob_stat(f->b, "alyaimg", "a.jpg", &size, &err), KR_ENOTFOUND);
    assert_int_equal(blob_mtime(f->b, "alyaimg", "a.jpg", &ms, &err), KR_ENOTFOUND);
    assert_int_equal(blob_remove(f->b, "alyaimg", "a.jpg", &err), KR_OK); /* absent is fine */
    /* a folder is not an object */
    assert_int_equal(blob_stat(f->b, "alyaimg", "gen_images", &size, &err), KR_ENOTFOUND);
}

static void test_get_limit(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    struct buf out;
    char data[1000];

    memset(data, 'z', sizeof data);
    assert_int_equal(blob_put(f->b, "b", "big", data, sizeof data, &err), KR_OK);
    buf_init(&out, 999);
    assert_int_equal(blob_get(f->b, "b", "big", &out, &err), KR_ELIMIT);
    assert_int_equal(out.len, 0);
    buf_release(&out);
    buf_init(&out, 1000);
    assert_int_equal(blob_get(f->b, "b", "big", &out, &err), KR_OK);
    assert_int_equal(out.len, 1000);
    buf_release(&out);
    assert_int_equal(blob_get(f->b, "b", "missing", &out, &err), KR_ENOTFOUND);
}

/* Every operation refuses a name that could leave its place, before any
 * request or write: nothing is stored, staged or listed afterwards. */
static void test_names_refused(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    struct buf out;
    long long size;
    const char *bad[] = {"../../etc/passwd", "/abs", "a/../../b", "%2e%2e",    "..",
                         "a/..",             "a b",  "x\x01y",    ".staging/x"};

    buf_init(&out, 1024);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(blob_put(f->b, "bk", bad[i], "x", 1, &err), KR_EINVAL);
        assert_int_equal(blob_stage(f->b, "bk", bad[i], "x", 1, &err), KR_EINVAL);
        assert_int_equal(blob_get(f->b, "bk", bad[i], &out, &err), KR_EINVAL);
        assert_int_equal(blob_stat(f->b, "bk", bad[i], &size, &err), KR_EINVAL);
        assert_int_equal(blob_remove(f->b, "bk", bad[i], &err), KR_EINVAL);
        assert_int_equal(blob_publish(f->b, "bk", bad[i], &err), KR_EINVAL);
        assert_int_equal(blob_unpublish(f->b, "bk", bad[i], &err), KR_EINVAL);
        assert_int_equal(blob_discard(f->b, "bk", bad[i], &err), KR_EINVAL);
        assert_int_equal(blob_put(f->b, bad[i], "k", "x", 1, &err), KR_EINVAL);
    }
    assert_int_equal(blob_put(f->b, ".staging", "k", "x", 1, &err), KR_EINVAL);
    assert_int_equal(blob_put(f->b, "a/b", "k", "x", 1, &err), KR_EINVAL);
    assert_int_equal(listed(f, 0), 0);
    assert_int_equal(listed(f, 1), 0);
    buf_release(&out);
}

/* stage -> publish -> unpublish -> discard, each step repeatable (crash
 * recovery may repeat it). */
static void test_stage_publish_cycle(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    struct buf out;
    long long size;
    const char *k = "gen_images/x.png";

    buf_init(&out, 100);
    assert_int_equal(blob_stage(f->b, "bk", k, "img", 3, &err), KR_OK);
    /* staged bytes are an object only where staging is in place */
    assert_int_equal(blob_get(f->b, "bk", k, &out, &err), f->in_place ? KR_OK : KR_ENOTFOUND);
    assert_int_equal(listed(f, 1), f->in_place ? 0 : 1);

    assert_int_equal(blob_publish(f->b, "bk", k, &err), KR_OK);
    assert_int_equal(listed(f, 1), 0);
    assert_blob(f->b, "bk", k, "img", 3);
    assert_int_equal(blob_publish(f->b, "bk", k, &err), KR_OK);

    assert_int_equal(blob_unpublish(f->b, "bk", k, &err), KR_OK);
    assert_int_equal(blob_stat(f->b, "bk", k, &size, &err), f->in_place ? KR_OK : KR_ENOTFOUND);
    assert_int_equal(listed(f, 1), f->in_place ? 0 : 1);
    assert_int_equal(blob_unpublish(f->b, "bk", k, &err), KR_OK);

    assert_int_equal(blob_discard(f->b, "bk", k, &err), KR_OK);
    assert_int_equal(blob_stat(f->b, "bk", k, &size, &err), KR_ENOTFOUND);
    assert_int_equal(listed(f, 1), 0);
    assert_int_equal(blob_discard(f->b, "bk", k, &err), KR_OK);

    /* neither staged nor published */
    assert_int_equal(blob_unpublish(f->b, "bk", k, &err), KR_ENOTFOUND);
    if (!f->in_place) /* in place, publish has nothing to check */
        assert_int_equal(blob_publish(f->b, "bk", k, &err), KR_ENOTFOUND);
    buf_release(&out);
}

static void test_list(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    struct seen s = {0};

    assert_int_equal(blob_put(f->b, "alyaimg", "1.jpg", "a", 1, &err), KR_OK);
    assert_int_equal(blob_put(f->b, "alyaimg", "gen_images/2.png", "b", 1, &err), KR_OK);
    assert_int_equal(blob_put(f->b, "blyskimg", "3.jpg", "c", 1, &err), KR_OK);
    assert_int_equal(blob_stage(f->b, "alyaimg", "4.jpg", "d", 1, &err), KR_OK);

    assert_int_equal(blob_list(f->b, 0, collect, &s, &err), KR_OK);
    assert_int_equal(s.n, f->in_place ? 4 : 3);
    assert_true(has(&s, "alyaimg|1.jpg"));
    assert_true(has(&s, "alyaimg|gen_images/2.png"));
    assert_true(has(&s, "blyskimg|3.jpg"));
    assert_int_equal(has(&s, "alyaimg|4.jpg"), f->in_place);

    memset(&s, 0, sizeof s);
    assert_int_equal(blob_list(f->b, 1, collect, &s, &err), KR_OK);
    assert_int_equal(s.n, f->in_place ? 0 : 1);
    assert_int_equal(has(&s, "alyaimg|4.jpg"), !f->in_place);

    /* the callback stops the listing */
    memset(&s, 0, sizeof s);
    s.stop_after = 2;
    assert_int_equal(blob_list(f->b, 0, collect, &s, &err), KR_OK);
    assert_int_equal(s.n, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_get_stat_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stage_publish_cycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
