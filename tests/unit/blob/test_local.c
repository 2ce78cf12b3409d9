/*
 * test_local.c - what only the "local" blob backend has: the name rule
 * (blob_name_ok), its folder layout (objects under BUCKET/, staged bytes
 * under .staging/BUCKET/, nothing created for a refused name, crash
 * leftovers never listed) and links that lead outside its root. The
 * contract every backend keeps (round trips, limits, refusals, the stage/
 * publish protocol, listing) is test_contract.c, run on this backend too.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob/blob.h"
#include "blob/blob_int.h"
#include "blob_test.h"

struct fx {
    char dir[512];
    struct blob *b;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct kr_err err = {0};

    tu_tmpdir(f->dir, sizeof f->dir);
    assert_int_equal(blob_open("local", f->dir, &f->b, &err), KR_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    blob_close(f->b);
    tu_rmrf(f->dir);
    free(f);
    return 0;
}

static void path_of(struct fx *f, const char *rel, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", f->dir, rel);
}

static int exists(struct fx *f, const char *rel)
{
    char p[1024];
    struct stat st;
    path_of(f, rel, p, sizeof p);
    return stat(p, &st) == 0;
}

static void test_names(void **state)
{
    (void)state;
    assert_true(blob_name_ok("alyaimg", 0));
    assert_true(blob_name_ok("gen_images/x.png", 1));
    assert_true(blob_name_ok("20260101120000123456.jpg", 1));
    assert_false(blob_name_ok("gen_images/x.png", 0)); /* no '/' in buckets */
    assert_false(blob_name_ok("", 1));
    assert_false(blob_name_ok(NULL, 1));
    assert_false(blob_name_ok("../../etc/passwd", 1));
    assert_false(blob_name_ok("/abs", 1));
    assert_false(blob_name_ok("a/../../b", 1));
    assert_false(blob_name_ok("%2e%2e", 1));
    assert_false(blob_name_ok("a/./b", 1));
    assert_false(blob_name_ok("a//b", 1));
    assert_false(blob_name_ok("a/", 1));
    assert_false(blob_name_ok(".hidden", 1));
    assert_false(blob_name_ok("a/.tmp-1", 1));
    assert_false(blob_name_ok("a b", 1));
    assert_false(blob_name_ok("a\nb", 1));
    assert_false(blob_name_ok("a\\b", 1));
    assert_false(blob_name_ok("caf\xc3\xa9", 1));

    char longname[300];
    memset(longname, 'a', sizeof longname);
    longname[255] = '\0';
    assert_true(blob_name_ok(longname, 1));
    longname[255] = 'a';
    longname[256] = '\0';
    assert_false(blob_name_ok(longname, 1));
}

/* A refused name creates nothing: no bucket folder, no staging folder. */
static void test_refused_name_creates_nothing(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    const char *bad[] = {"../../etc/passwd", "/abs", "a/../../b", "..", ".staging/x"};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(blob_put(f->b, "bk", bad[i], "x", 1, &err), KR_EINVAL);
        assert_int_equal(blob_stage(f->b, "bk", bad[i], "x", 1, &err), KR_EINVAL);
    }
    assert_false(exists(f, "bk"));
    assert_false(exists(f, ".staging/bk"));
}

/* Objects are files under BUCKET/ (folders in keys created); staged bytes
 * live under .staging/BUCKET/ until published, and go back there when
 * unpublished. */
static void test_layout(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};

    assert_int_equal(blob_put(f->b, "alyaimg", "gen_images/x/y.png", "png", 3, &err), KR_OK);
    assert_true(exists(f, "alyaimg/gen_images/x/y.png"));
    assert_int_equal(blob_stage(f->b, "bk", "gen_images/x.png", "img", 3, &err), KR_OK);
    assert_true(exists(f, ".staging/bk/gen_images/x.png"));
    assert_false(exists(f, "bk/gen_images/x.png"));
    assert_int_equal(blob_publish(f->b, "bk", "gen_images/x.png", &err), KR_OK);
    assert_false(exists(f, ".staging/bk/gen_images/x.png"));
    assert_true(exists(f, "bk/gen_images/x.png"));
    assert_int_equal(blob_unpublish(f->b, "bk", "gen_images/x.png", &err), KR_OK);
    assert_true(exists(f, ".staging/bk/gen_images/x.png"));
    assert_false(exists(f, "bk/gen_images/x.png"));
    assert_int_equal(blob_discard(f->b, "bk", "gen_images/x.png", &err), KR_OK);
    assert_false(exists(f, ".staging/bk/gen_images/x.png"));
}

static int count_cb(const char *bucket, const char *key, void *ctx)
{
    (void)bucket;
    (void)key;
    ++*(int *)ctx;
    return 0;
}

/* A leftover temp file of a write cut short by a crash is never listed. */
static void test_temp_files_not_listed(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    char p[1024];
    int n = 0;

    assert_int_equal(blob_put(f->b, "alyaimg", "1.jpg", "a", 1, &err), KR_OK);
    path_of(f, "alyaimg/.tmp-deadbeef", p, sizeof p);
    tu_write_file(p, "junk", 4);
    assert_int_equal(blob_list(f->b, 0, count_cb, &n, &err), KR_OK);
    assert_int_equal(n, 1);
}

static void refused(enum kr_code rc, const struct kr_err *err)
{
    assert_int_equal(rc, KR_EIO);
    assert_string_equal(err->slug, "blob_symlink_refused");
}

/* Links inside the root (a bucket folder, a folder inside a bucket, a
 * staging folder, an object) lead outside it: every operation through one
 * is refused as an error (not "not found"), and nothing outside is read,
 * written or deleted. */
static void symlinks_refused(struct fx *f)
{
    char out_dir[256], p[1024], q[1024];
    struct kr_err err = {0};
    struct buf out;
    long long size;

    tu_tmpdir(out_dir, sizeof out_dir);
    snprintf(p, sizeof p, "%s/secret.jpg", out_dir);
    tu_write_file(p, "S", 1);
    path_of(f, "bk", q, sizeof q);
    assert_int_equal(symlink(out_dir, q), 0);
    path_of(f, "b2", q, sizeof q);
    assert_int_equal(mkdir(q, 0755), 0);
    path_of(f, "b2/sub", q, sizeof q);
    assert_int_equal(symlink(out_dir, q), 0);
    path_of(f, ".staging/bk", q, sizeof q);
    assert_int_equal(symlink(out_dir, q), 0);
    path_of(f, "b2/file.jpg", q, sizeof q);
    assert_int_equal(symlink(p, q), 0);

    buf_init(&out, 1024);
    refused(blob_get(f->b, "bk", "secret.jpg", &out, &err), &err);
    refused(blob_stat(f->b, "bk", "secret.jpg", &size, &err), &err);
    refused(blob_stat(f->b, "b2", "sub/secret.jpg", &size, &err), &err);
    refused(blob_stat(f->b, "b2", "file.jpg", &size, &err), &err);
    refused(blob_remove(f->b, "bk", "secret.jpg", &err), &err);
    refused(blob_remove(f->b, "b2", "sub/secret.jpg", &err), &err);
    refused(blob_unpublish(f->b, "bk", "secret.jpg", &err), &err);
    refused(blob_put(f->b, "bk", "new.jpg", "x", 1, &err), &err);
    refused(blob_put(f->b, "b2", "sub/deeper/new.jpg", "x", 1, &err), &err);
    refused(blob_stage(f->b, "bk", "staged.jpg", "x", 1, &err), &err);
    refused(blob_discard(f->b, "bk", "secret.jpg", &err), &err);
    buf_release(&out);

    assert_int_equal(access(p, F_OK), 0);
    snprintf(q, sizeof q, "%s/new.jpg", out_dir);
    assert_int_equal(access(q, F_OK), -1);
    snprintf(q, sizeof q, "%s/deeper", out_dir);
    assert_int_equal(access(q, F_OK), -1);
    snprintf(q, sizeof q, "%s/staged.jpg", out_dir);
    assert_int_equal(access(q, F_OK), -1);
    /* real folders still work */
    assert_int_equal(blob_put(f->b, "b2", "real/new.jpg", "x", 1, &err), KR_OK);
    assert_blob(f->b, "b2", "real/new.jpg", "x", 1);
    /* a linked staging folder is not listed through */
    path_of(f, ".staging", q, sizeof q);
    tu_rmrf(q);
    assert_int_equal(symlink(out_dir, q), 0);
    refused(blob_list(f->b, 1, count_cb, &(int){0}, &err), &err);
    tu_rmrf(out_dir);
}

static void test_symlinked_folders_refused(void **state)
{
    symlinks_refused(*state);
}

/* The same where the kernel has no openat2: the per-component walk. */
static void test_symlinked_folders_refused_without_openat2(void **state)
{
    blob__local_force_walk(1);
    symlinks_refused(*state);
    blob__local_force_walk(0);
}

static void test_open_errors(void **state)
{
    struct kr_err err = {0};
    struct blob *b = NULL;
    (void)state;
    assert_int_equal(blob_open("nosuch", "/tmp", &b, &err), KR_EUNSUPPORTED);
    assert_null(b);
    assert_int_equal(blob_open("local", "", &b, &err), KR_EINVAL);
    assert_int_equal(blob_open("local", "/proc/self/nope/x", &b, &err), KR_EIO);
    assert_non_null(blob_backend("local"));
    assert_null(blob_backend("s4"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test_setup_teardown(test_refused_name_creates_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_temp_files_not_listed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlinked_folders_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlinked_folders_refused_without_openat2, setup,
                                        teardown),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
