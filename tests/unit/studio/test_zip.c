/*
 * test_zip.c - in-memory ZIPs: stored entries in order, exact bytes back,
 * replace in place, append when absent, empty archives, garbage refused;
 * the per-ZIP lock (different ZIPs do not wait for each other, the same ZIP
 * is changed by one caller at a time).
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zip.h>

#include "studio/studio_int.h"
#include "studio/studio.h"
#include "testutil.h"

static void test_build_and_read(void **state)
{
    static unsigned char big[300000];
    struct studio_file e[3] = {
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
    struct studio_file e[3] = {{"x1.jpg", "one", 3}, {"x2.jpg", "two", 3}, {"x3.jpg", "3", 1}};
    unsigned char *zip, *z2, *z3;
    size_t n, n2, n3;
    json_t *names;
    struct buf b;
    struct kr_err err;
    (void)state;
    assert_int_equal(studio_zip_build(e, 3, &zip, &n, &err), KR_OK);
    assert_int_equal(studio_zip_replace(zip, n, &(struct studio_file){"x2.jpg", "TWO, longer", 11},
                                        &z2, &n2, &err),
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
    assert_int_equal(
        studio_zip_replace(z2, n2, &(struct studio_file){"x4.jpg", "four", 4}, &z3, &n3, &err),
        KR_OK);
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
    assert_int_equal(
        studio_zip_replace(zip, n, &(struct studio_file){"a.jpg", "a", 1}, &z2, &n2, &err), KR_OK);
    assert_int_equal(studio_zip_names(z2, n2, &names, &err), KR_OK);
    assert_int_equal(json_array_size(names), 1);
    json_decref(names);
    free(z2);
    free(zip);
    assert_int_equal(studio_zip_replace("PK\3\4 not really a zip", 22,
                                        &(struct studio_file){"a", "b", 1}, &z2, &n2, &err),
                     KR_EINVAL);
    assert_string_equal(err.slug, "bad_zip");
    assert_null(z2);
}

/* ---- per-ZIP lock ---- */

struct locker {
    const char *key;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int got;
};

static void *lock_and_flag(void *arg)
{
    struct locker *l = arg;
    struct studio__zip_lock *h;
    struct kr_err err;
    assert_int_equal(studio__zip_lock(l->key, &h, &err), KR_OK);
    pthread_mutex_lock(&l->mu);
    l->got = 1;
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
    studio__zip_unlock(h);
    return NULL;
}

/* Wait up to `s` seconds for l->got (a generous bound: it only decides how
 * long a broken lock takes to fail, never whether a working one passes). */
static int wait_got(struct locker *l, int s)
{
    struct timespec until;
    int got;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += s;
    pthread_mutex_lock(&l->mu);
    while (!l->got && pthread_cond_timedwait(&l->cv, &l->mu, &until) == 0)
        ;
    got = l->got;
    pthread_mutex_unlock(&l->mu);
    return got;
}

static void test_zip_lock(void **state)
{
    struct locker l = {
        .key = "/out/b_123.zip", PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};
    struct studio__zip_lock *a;
    struct kr_err err;
    pthread_t t;
    (void)state;

    /* another ZIP is taken while a.zip is held */
    assert_int_equal(studio__zip_lock("/out/a_123.zip", &a, &err), KR_OK);
    assert_int_equal(pthread_create(&t, NULL, lock_and_flag, &l), 0);
    assert_true(wait_got(&l, 60));
    pthread_join(t, NULL);

    /* the same ZIP waits until a.zip is let go */
    l.key = "/out/a_123.zip";
    l.got = 0;
    assert_int_equal(pthread_create(&t, NULL, lock_and_flag, &l), 0);
    assert_false(wait_got(&l, 1));
    studio__zip_unlock(a);
    assert_true(wait_got(&l, 60));
    pthread_join(t, NULL);

    /* entries are freed when unused: the same key locks again at once */
    assert_int_equal(studio__zip_lock("/out/a_123.zip", &a, &err), KR_OK);
    studio__zip_unlock(a);
}

/* Many threads on three ZIPs: never two inside the same one. */
static int inside[3], overlaps, rounds[3];
static pthread_mutex_t count_mu = PTHREAD_MUTEX_INITIALIZER;

static void *hammer(void *arg)
{
    static const char *const keys[3] = {"k0.zip", "k1.zip", "k2.zip"};
    int k = (int)(size_t)arg % 3;
    struct kr_err err;
    for (int i = 0; i < 200; i++) {
        struct studio__zip_lock *h;
        assert_int_equal(studio__zip_lock(keys[k], &h, &err), KR_OK);
        pthread_mutex_lock(&count_mu);
        overlaps += inside[k]++;
        pthread_mutex_unlock(&count_mu);
        sched_yield();
        pthread_mutex_lock(&count_mu);
        inside[k]--;
        rounds[k]++;
        pthread_mutex_unlock(&count_mu);
        studio__zip_unlock(h);
    }
    return NULL;
}

static void test_zip_lock_same_key(void **state)
{
    pthread_t t[9];
    (void)state;
    for (size_t i = 0; i < 9; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hammer, (void *)i), 0);
    for (int i = 0; i < 9; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(overlaps, 0);
    for (int k = 0; k < 3; k++)
        assert_int_equal(rounds[k], 600);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_and_read),    cmocka_unit_test(test_replace_keeps_order),
        cmocka_unit_test(test_empty_and_garbage), cmocka_unit_test(test_zip_lock),
        cmocka_unit_test(test_zip_lock_same_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
