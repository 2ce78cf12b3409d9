/*
 * test_local.c - the "local" blob backend: round trips, the stage/publish/
 * unpublish/discard protocol, listing, limits, and path traversal refusals.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob/blob.h"
#include "blob/blob_int.h"

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

static void assert_get(struct blob *b, const char *bucket, const char *key, const char *want)
{
    struct buf out;
    struct kr_err err = {0};
    buf_init(&out, 1 << 20);
    assert_int_equal(blob_get(b, bucket, key, &out, &err), KR_OK);
    assert_int_equal(out.len, strlen(want));
    assert_memory_equal(out.data, want, out.len);
    buf_release(&out);
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

static void test_traversal_refused(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    struct buf out;
    long long size;
    const char *bad[] = {"../../etc/passwd", "/abs",  "a/../../b", "%2e%2e", "..", "a/..",
                         ".staging/x",       "x\x01y"};

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
    /* Nothing was written outside (or inside) the directory. */
    assert_false(exists(f, "bk"));
    buf_release(&out);
}

static void test_put_get_stat_remove(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    long long size = -1;

    assert_int_equal(blob_put(f->b, "alyaimg", "a.jpg", "hello", 5, &err), KR_OK);
    assert_true(exists(f, "alyaimg/a.jpg"));
    assert_get(f->b, "alyaimg", "a.jpg", "hello");
    assert_int_equal(blob_stat(f->b, "alyaimg", "a.jpg", &size, &err), KR_OK);
    assert_int_equal(size, 5);

    /* put replaces atomically, and leaves no temp files behind */
    assert_int_equal(blob_put(f->b, "alyaimg", "a.jpg", "bye", 3, &err), KR_OK);
    assert_get(f->b, "alyaimg", "a.jpg", "bye");

    /* keys with folders: parents are created */
    assert_int_equal(blob_put(f->b, "alyaimg", "gen_images/x/y.png", "png", 3, &err), KR_OK);
    assert_get(f->b, "alyaimg", "gen_images/x/y.png", "png");

    /* empty objects are fine */
    assert_int_equal(blob_put(f->b, "alyaimg", "empty", NULL, 0, &err), KR_OK);
    assert_int_equal(blob_stat(f->b, "alyaimg", "empty", &size, &err), KR_OK);
    assert_int_equal(size, 0);

    assert_int_equal(blob_remove(f->b, "alyaimg", "a.jpg", &err), KR_OK);
    assert_int_equal(blob_stat(f->b, "alyaimg", "a.jpg", &size, &err), KR_ENOTFOUND);
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

static void test_stage_publish_cycle(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    struct buf out;
    long long size;

    buf_init(&out, 100);
    assert_int_equal(blob_stage(f->b, "bk", "gen_images/x.png", "img", 3, &err), KR_OK);
    assert_true(exists(f, ".staging/bk/gen_images/x.png"));
    /* staged bytes are not an object yet */
    assert_int_equal(blob_get(f->b, "bk", "gen_images/x.png", &out, &err), KR_ENOTFOUND);

    assert_int_equal(blob_publish(f->b, "bk", "gen_images/x.png", &err), KR_OK);
    assert_false(exists(f, ".staging/bk/gen_images/x.png"));
    assert_get(f->b, "bk", "gen_images/x.png", "img");
    /* publishing again is idempotent (crash recovery may repeat it) */
    assert_int_equal(blob_publish(f->b, "bk", "gen_images/x.png", &err), KR_OK);

    assert_int_equal(blob_unpublish(f->b, "bk", "gen_images/x.png", &err), KR_OK);
    assert_int_equal(blob_stat(f->b, "bk", "gen_images/x.png", &size, &err), KR_ENOTFOUND);
    assert_true(exists(f, ".staging/bk/gen_images/x.png"));
    assert_int_equal(blob_unpublish(f->b, "bk", "gen_images/x.png", &err), KR_OK);

    assert_int_equal(blob_discard(f->b, "bk", "gen_images/x.png", &err), KR_OK);
    assert_false(exists(f, ".staging/bk/gen_images/x.png"));
    assert_int_equal(blob_discard(f->b, "bk", "gen_images/x.png", &err), KR_OK);

    /* neither staged nor published */
    assert_int_equal(blob_publish(f->b, "bk", "gen_images/x.png", &err), KR_ENOTFOUND);
    assert_int_equal(blob_unpublish(f->b, "bk", "gen_images/x.png", &err), KR_ENOTFOUND);
    buf_release(&out);
}

struct seen {
    char items[16][300];
    int n;
    int stop_after;
};

static int collect(const char *bucket, const char *key, void *ctx)
{
    struct seen *s = ctx;
    if (s->n < 16)
        snprintf(s->items[s->n++], sizeof s->items[0], "%s|%s", bucket, key);
    return s->stop_after && s->n >= s->stop_after;
}

static int has(const struct seen *s, const char *item)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->items[i], item) == 0)
            return 1;
    return 0;
}

static void test_list(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    struct seen s = {0};
    char p[1024];

    assert_int_equal(blob_put(f->b, "alyaimg", "1.jpg", "a", 1, &err), KR_OK);
    assert_int_equal(blob_put(f->b, "alyaimg", "gen_images/2.png", "b", 1, &err), KR_OK);
    assert_int_equal(blob_put(f->b, "blyskimg", "3.jpg", "c", 1, &err), KR_OK);
    assert_int_equal(blob_stage(f->b, "alyaimg", "4.jpg", "d", 1, &err), KR_OK);
    /* a leftover temp file from a crash is never listed */
    path_of(f, "alyaimg/.tmp-deadbeef", p, sizeof p);
    tu_write_file(p, "junk", 4);

    assert_int_equal(blob_list(f->b, 0, collect, &s, &err), KR_OK);
    assert_int_equal(s.n, 3);
    assert_true(has(&s, "alyaimg|1.jpg"));
    assert_true(has(&s, "alyaimg|gen_images/2.png"));
    assert_true(has(&s, "blyskimg|3.jpg"));

    memset(&s, 0, sizeof s);
    assert_int_equal(blob_list(f->b, 1, collect, &s, &err), KR_OK);
    assert_int_equal(s.n, 1);
    assert_true(has(&s, "alyaimg|4.jpg"));

    memset(&s, 0, sizeof s);
    s.stop_after = 2;
    assert_int_equal(blob_list(f->b, 0, collect, &s, &err), KR_OK);
    assert_int_equal(s.n, 2);
}

static int count_cb(const char *bucket, const char *key, void *ctx)
{
    (void)bucket;
    (void)key;
    ++*(int *)ctx;
    return 0;
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
    assert_get(f->b, "b2", "real/new.jpg", "x");
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
        cmocka_unit_test_setup_teardown(test_traversal_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_get_stat_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stage_publish_cycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlinked_folders_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlinked_folders_refused_without_openat2, setup,
                                        teardown),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
