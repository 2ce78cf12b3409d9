/*
 * test_cli.c - the CLI on real files: `karat dedup --json`, `karat index`
 * (then again: everything skipped), `karat fsck` before and after damage,
 * `--repair`, and `karat config` masking secrets.
 */
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vips/vips.h>

static char dir[256], photos[300], data[300];

static void write_item(const char *name, int seed, int w, double scale, int q)
{
    struct tu_img_opts o = {.width = w, .height = w, .seed = seed, .scale = scale, .quality = q};
    tu_write_image(photos, name, &o);
}

static int setup(void **state)
{
    (void)state;
    if (VIPS_INIT("test"))
        return -1;
    tu_tmpdir(dir, sizeof dir);
    snprintf(photos, sizeof photos, "%s/photos", dir);
    snprintf(data, sizeof data, "%s/data", dir);
    mkdir(photos, 0755);
    write_item("a.jpg", 11, 1000, 0.7, 92);
    write_item("a-small.jpg", 11, 500, 0.7, 75); /* resized + re-encoded copy of a */
    write_item("a-reframed.jpg", 11, 1000, 0.5, 90);
    write_item("b.jpg", 12, 1000, 0.7, 92);
    write_item("c.jpg", 13, 1000, 0.7, 92);
    char bad[600];
    snprintf(bad, sizeof bad, "%s/broken.jpg", photos);
    tu_write_file(bad, "not a photo", 11);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tu_rmrf(dir);
    return 0;
}

static int karat(char **out, const char *a1, const char *a2, const char *a3, const char *a4)
{
    const char *argv[] = {getenv("KARAT_BIN"), a1, a2, a3, a4, NULL};
    return tu_run(argv, NULL, out);
}

static int in_group(json_t *g, const char *suffix)
{
    size_t i;
    json_t *v;
    json_array_foreach(g, i, v)
    {
        const char *s = json_string_value(v);
        if (strlen(s) >= strlen(suffix) && !strcmp(s + strlen(s) - strlen(suffix), suffix))
            return 1;
    }
    return 0;
}

static void test_dedup_json(void **state)
{
    char *out = NULL;
    (void)state;
    assert_int_equal(karat(&out, "dedup", "--json", photos, NULL), 0);
    json_t *j = json_loads(out, 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "images")), 6);
    json_t *groups = json_object_get(j, "groups");
    assert_int_equal(json_array_size(groups), 1);
    json_t *g = json_array_get(groups, 0);
    assert_int_equal(json_array_size(g), 3);
    assert_true(in_group(g, "/a.jpg") && in_group(g, "/a-small.jpg") &&
                in_group(g, "/a-reframed.jpg"));
    assert_int_equal(json_array_size(json_object_get(j, "pairs")), 3);
    json_t *p0 = json_array_get(json_object_get(j, "pairs"), 0);
    assert_true(json_is_number(json_object_get(p0, "distance")));
    assert_int_equal(json_array_size(json_object_get(j, "errors")), 1);
    json_decref(j);
    free(out);
}

static void test_index_then_fsck(void **state)
{
    char *out = NULL, dd[400];
    (void)state;
    snprintf(dd, sizeof dd, "--data=%s", data);
    /* broken.jpg fails -> exit 1, the rest is indexed; copies of a are duplicates */
    assert_int_equal(karat(&out, "index", photos, dd, NULL), 1);
    assert_non_null(strstr(out, "indexed 3,"));
    assert_non_null(strstr(out, "duplicates 2,"));
    assert_non_null(strstr(out, "broken.jpg"));
    free(out);
    assert_int_equal(karat(&out, "index", dd, photos, NULL), 1); /* options after args too */
    assert_non_null(strstr(out, "skipped 3 "));
    free(out);
    assert_int_equal(karat(&out, "fsck", dd, NULL, NULL), 0);
    assert_non_null(strstr(out, "0 problem(s)"));
    free(out);
}

static void test_fsck_finds_and_repairs(void **state)
{
    char *out = NULL, dd[400], cmd[1200];
    (void)state;
    snprintf(dd, sizeof dd, "--data=%s", data);
    /* damage: remove one stored blob, plant a stray one */
    snprintf(cmd, sizeof cmd,
             "f=$(ls %s/blobs/alyaimg | head -1) && rm %s/blobs/alyaimg/$f && "
             "cp %s/b.jpg %s/blobs/alyaimg/stray.jpg",
             data, data, photos, data);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(karat(&out, "fsck", dd, NULL, NULL), 1);
    assert_non_null(strstr(out, "blob is missing"));
    assert_non_null(strstr(out, "no row refers to it"));
    free(out);
    assert_int_equal(karat(&out, "fsck", "--repair", dd, NULL), 1);
    free(out);
    assert_int_equal(karat(&out, "fsck", dd, NULL, NULL), 0);
    free(out);
}

static void test_config_masks_secrets(void **state)
{
    const char *argv[] = {getenv("KARAT_BIN"), "config", NULL};
    const char *env[] = {"KARAT_API_KEYS=supersecret", NULL};
    char *out = NULL;
    (void)state;
    assert_int_equal(tu_run(argv, env, &out), 0);
    assert_null(strstr(out, "supersecret"));
    assert_non_null(strstr(out, "KARAT_API_KEYS=****"));
    assert_non_null(strstr(out, "KARAT_BUCKETS=alya=alyaimg,blysk=blyskimg"));
    free(out);

    /* the database password, in both libpq forms */
    const char *kv[] = {"KARAT_STORE=postgres",
                        "KARAT_DATABASE_URL=host=db dbname=karat password=pgsecret", NULL};
    assert_int_equal(tu_run(argv, kv, &out), 0);
    assert_null(strstr(out, "pgsecret"));
    assert_non_null(strstr(out, "KARAT_DATABASE_URL=host=db dbname=karat password=****\n"));
    free(out);
    const char *uri[] = {"KARAT_DATABASE_URL=postgresql://karat:pgsecret@db/karat", NULL};
    assert_int_equal(tu_run(argv, uri, &out), 0);
    assert_null(strstr(out, "pgsecret"));
    assert_non_null(strstr(out, "KARAT_DATABASE_URL=postgresql://karat:****@db/karat\n"));
    free(out);
}

static void test_help(void **state)
{
    char *out = NULL;
    (void)state;
    assert_int_equal(karat(&out, "help", NULL, NULL, NULL), 0);
    assert_non_null(strstr(out, "index"));
    free(out);
    assert_int_equal(karat(&out, "index", "--help", NULL, NULL), 0);
    assert_non_null(strstr(out, "--website"));
    free(out);
    assert_int_equal(karat(&out, "nonsense", NULL, NULL, NULL), 2);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dedup_json),
        cmocka_unit_test(test_index_then_fsck),
        cmocka_unit_test(test_fsck_finds_and_repairs),
        cmocka_unit_test(test_config_masks_secrets),
        cmocka_unit_test(test_help),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
