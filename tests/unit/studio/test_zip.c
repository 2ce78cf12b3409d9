/*
 * test_zip.c - in-memory ZIPs: stored entries in order, exact bytes back,
 * replace in place, append when absent, empty archives, garbage refused.
 */
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "studio/studio.h"
#include "testutil.h"

static void test_build_and_read(void **state)
{
    static unsigned char big[300000];
    struct studio_zip_entry e[3] = {
        {"a_type1.jpg", "first file", 10}, {"a_type3.jpg", big, sizeof big}, {"a.txt", "", 0}};
    unsigned char *zip;
    size_t n;
    json_t *names;
    struct buf b;
    struct kr_err err;
    (void)state;
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (unsigned char)(i * 7 + (i >> 9));
    assert_int_equal(studio_zip_build(e, 3, &zip, &n, &err), KR_OK);
    assert_true(n > sizeof big); /* stored: no smaller than its contents */
    assert_int_equal(studio_zip_names(zip, n, &names, &err), KR_OK);
    assert_int_equal(json_array_size(names), 3);
    assert_string_equal(json_string_value(json_array_get(names, 0)), "a_type1.jpg");
    assert_string_equal(json_string_value(json_array_get(names, 1)), "a_type3.jpg");
    json_decref(names);
    buf_init(&b, 0);
    assert_int_equal(studio_zip_read(zip, n, "a_type3.jpg", &b, &err), KR_OK);
    assert_int_equal(b.len, sizeof big);
    assert_memory_equal(b.data, big, sizeof big);
    buf_release(&b);
    assert_int_equal(studio_zip_read(zip, n, "missing.jpg", &b, &err), KR_ENOTFOUND);
    { /* every entry is STORED */
        zip_error_t ze;
        zip_source_t *s = zip_source_buffer_create(zip, n, 0, &ze);
        zip_t *za = zip_open_from_source(s, ZIP_RDONLY, &ze);
        zip_stat_t st;
        assert_non_null(za);
        for (int i = 0; i < 3; i++) {
            assert_int_equal(zip_stat_index(za, i, 0, &st), 0);
            assert_int_equal(st.comp_method, ZIP_CM_STORE);
        }
        zip_discard(za);
    }
    free(zip);
}

static void test_replace_keeps_order(void **state)
{
    struct studio_zip_entry e[3] = {{"x1.jpg", "one", 3}, {"x2.jpg", "two", 3}, {"x3.jpg", "3", 1}};
    unsigned char *zip, *z2, *z3;
    size_t n, n2, n3;
    json_t *names;
    struct buf b;
    struct kr_err err;
    (void)state;
    assert_int_equal(studio_zip_build(e, 3, &zip, &n, &err), KR_OK);
    assert_int_equal(studio_zip_replace(zip, n, "x2.jpg", "TWO, longer", 11, &z2, &n2, &err),
                     KR_OK);
    assert_int_equal(studio_zip_names(z2, n2, &names, &err), KR_OK);
    assert_int_equal(json_array_size(names), 3);
    assert_string_equal(json_string_value(json_array_get(names, 1)), "x2.jpg"); /* same place */
    json_decref(names);
    buf_init(&b, 0);
    assert_int_equal(studio_zip_read(z2, n2, "x2.jpg", &b, &err), KR_OK);
    assert_int_equal(b.len, 11);
    assert_memory_equal(b.data, "TWO, longer", 11);
    buf_release(&b);
    assert_int_equal(studio_zip_read(z2, n2, "x1.jpg", &b, &err), KR_OK);
    assert_memory_equal(b.data, "one", 3);
    buf_release(&b);
    /* the input is untouched */
    assert_int_equal(studio_zip_read(zip, n, "x2.jpg", &b, &err), KR_OK);
    assert_memory_equal(b.data, "two", 3);
    buf_release(&b);
    /* absent -> appended */
    assert_int_equal(studio_zip_replace(z2, n2, "x4.jpg", "four", 4, &z3, &n3, &err), KR_OK);
    assert_int_equal(studio_zip_names(z3, n3, &names, &err), KR_OK);
    assert_int_equal(json_array_size(names), 4);
    assert_string_equal(json_string_value(json_array_get(names, 3)), "x4.jpg");
    json_decref(names);
    free(zip);
    free(z2);
    free(z3);
}

static void test_empty_and_garbage(void **state)
{
    unsigned char *zip, *z2;
    size_t n, n2;
    json_t *names;
    struct kr_err err;
    (void)state;
    assert_int_equal(studio_zip_build(NULL, 0, &zip, &n, &err), KR_OK);
    assert_int_equal(n, 22);
    assert_int_equal(studio_zip_names(zip, n, &names, &err), KR_OK);
    assert_int_equal(json_array_size(names), 0);
    json_decref(names);
    assert_int_equal(studio_zip_replace(zip, n, "a.jpg", "a", 1, &z2, &n2, &err), KR_OK);
    assert_int_equal(studio_zip_names(z2, n2, &names, &err), KR_OK);
    assert_int_equal(json_array_size(names), 1);
    json_decref(names);
    free(z2);
    free(zip);
    assert_int_equal(studio_zip_replace("PK\3\4 not really a zip", 22, "a", "b", 1, &z2, &n2, &err),
                     KR_EINVAL);
    assert_string_equal(err.slug, "bad_zip");
    assert_null(z2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_and_read),
        cmocka_unit_test(test_replace_keeps_order),
        cmocka_unit_test(test_empty_and_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
