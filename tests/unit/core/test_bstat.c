/*
 * test_bstat.c - per-backend call statistics (core/bstat.h): which codes
 * are a backend's failures, the histogram buckets, the fixed table.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "core/bstat.h"

static void test_failures_are_the_backends_own(void **state)
{
    struct bstat st;
    double t0 = bstat_start();
    (void)state;
    assert_int_equal(bstat_get("t.codes", &st), -1); /* nothing yet */
    assert_int_equal(bstat_done("t.codes", t0, KR_OK), KR_OK);
    assert_int_equal(bstat_done("t.codes", t0, KR_ENOTFOUND), KR_ENOTFOUND);
    assert_int_equal(bstat_done("t.codes", t0, KR_ECONFLICT), KR_ECONFLICT);
    assert_int_equal(bstat_done("t.codes", t0, KR_EINVAL), KR_EINVAL);
    assert_int_equal(bstat_get("t.codes", &st), 0);
    assert_int_equal(st.calls, 4);
    assert_int_equal(st.errors, 0);
    assert_int_equal(st.last_error_epoch_ms, 0);
    assert_int_equal(bstat_done("t.codes", t0, KR_EIO), KR_EIO);
    assert_int_equal(bstat_done("t.codes", t0, KR_ETIMEOUT), KR_ETIMEOUT);
    assert_int_equal(bstat_get("t.codes", &st), 0);
    assert_int_equal(st.calls, 6);
    assert_int_equal(st.errors, 2);
    assert_true(st.last_error_epoch_ms > 0);
}

static void test_buckets_and_sum(void **state)
{
    struct bstat st;
    uint64_t total = 0;
    (void)state;
    bstat_observe("t.hist", 0.5, 0);  /* <= 1 */
    bstat_observe("t.hist", 1.0, 0);  /* <= 1 (bounds are inclusive) */
    bstat_observe("t.hist", 7.0, 0);  /* <= 10 */
    bstat_observe("t.hist", 1e6, 1);  /* +Inf */
    bstat_observe("t.hist", -3.0, 0); /* clock oddity: counted as 0 */
    assert_int_equal(bstat_get("t.hist", &st), 0);
    assert_int_equal(st.bucket[0], 3);
    assert_int_equal(st.bucket[2], 1);
    assert_int_equal(st.bucket[BSTAT_BUCKETS], 1);
    for (int b = 0; b <= BSTAT_BUCKETS; b++)
        total += st.bucket[b];
    assert_int_equal(total, st.calls);
    assert_true(st.sum_ms > 1e6 && st.sum_ms < 1e6 + 9);
    assert_true(st.last_ms == 0);
    assert_int_equal(st.errors, 1);
}

/* Past BSTAT_MAX names new ones are dropped; known ones keep counting. */
static void test_table_is_bounded(void **state)
{
    struct bstat all[BSTAT_MAX + 4], st;
    char name[32];
    int n;
    (void)state;
    for (int i = 0; i < BSTAT_MAX + 4; i++) {
        snprintf(name, sizeof name, "t.many%d", i);
        bstat_observe(name, 1, 0);
    }
    n = bstat_snapshot(all, BSTAT_MAX + 4);
    assert_int_equal(n, BSTAT_MAX);
    assert_int_equal(bstat_get("t.many19", &st), -1);
    bstat_observe("t.hist", 2, 0);
    assert_int_equal(bstat_get("t.hist", &st), 0);
    assert_int_equal(st.calls, 6);
    bstat_observe("", 1, 1); /* no name: ignored */
    assert_int_equal(bstat_snapshot(all, 2), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failures_are_the_backends_own),
        cmocka_unit_test(test_buckets_and_sum),
        cmocka_unit_test(test_table_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
