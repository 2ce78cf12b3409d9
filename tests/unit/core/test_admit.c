/*
 * test_admit.c - admission slots: the total bound, the per-client share,
 * slots given back, refusals that take nothing, bad settings refused, and
 * many threads never holding more than the bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/admit.h"

static struct admit *open_admit(int slots, int per_client)
{
    struct admit_opts o = {"test work", slots, per_client};
    struct admit *a = NULL;
    struct kr_err err = {0};
    assert_int_equal(admit_open(&o, &a, &err), KR_OK);
    return a;
}

static void test_total_and_share(void **state)
{
    struct admit *a = open_admit(3, 2);
    struct kr_err err = {0};
    (void)state;

    assert_int_equal(admit_enter(a, "key:a", &err), KR_OK);
    assert_int_equal(admit_enter(a, "key:a", &err), KR_OK);
    assert_int_equal(admit_enter(a, "key:a", &err), KR_ERATELIMIT);
    assert_string_equal(err.slug, "client_busy");
    assert_int_equal(admit_in_use(a), 2);
    assert_int_equal(admit_enter(a, "key:b", &err), KR_OK);
    assert_int_equal(admit_enter(a, "key:c", &err), KR_ERATELIMIT);
    assert_string_equal(err.slug, "busy");
    assert_non_null(strstr(err.msg, "test work"));
    assert_int_equal(admit_in_use(a), 3);
    admit_leave(a, "key:a");
    assert_int_equal(admit_enter(a, "key:c", &err), KR_OK);
    admit_leave(a, "key:a");
    admit_leave(a, "key:b");
    admit_leave(a, "key:c");
    assert_int_equal(admit_in_use(a), 0);
    admit_close(a);
}

static void test_anonymous_and_long_clients(void **state)
{
    struct admit *a = open_admit(2, 1);
    char long1[200], long2[200];
    (void)state;

    assert_int_equal(admit_enter(a, NULL, NULL), KR_OK);
    assert_int_equal(admit_enter(a, "", NULL), KR_ERATELIMIT); /* the same anonymous client */
    admit_leave(a, "");
    /* clients are compared on their first ADMIT_CLIENT_LEN-1 bytes */
    memset(long1, 'x', sizeof long1 - 1);
    long1[sizeof long1 - 1] = '\0';
    memcpy(long2, long1, sizeof long2);
    long2[150] = 'y';
    assert_int_equal(admit_enter(a, long1, NULL), KR_OK);
    assert_int_equal(admit_enter(a, long2, NULL), KR_ERATELIMIT);
    admit_leave(a, long2);
    assert_int_equal(admit_in_use(a), 0);
    admit_close(a);
}

static void test_bad_settings(void **state)
{
    const struct admit_opts bad[] = {{"w", 0, 1}, {"w", 2, 0}, {"w", 2, 3}, {"w", -1, -1}};
    struct admit *a = (struct admit *)1;
    struct kr_err err = {0};
    (void)state;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(admit_open(&bad[i], &a, &err), KR_EINVAL);
        assert_null(a);
        assert_string_equal(err.slug, "bad_config");
    }
    admit_close(NULL);
}

struct race {
    struct admit *a;
    pthread_mutex_t mu;
    int inside, most;
};

static void *racer(void *arg)
{
    struct race *r = arg;
    char client[16];
    snprintf(client, sizeof client, "c%lu", (unsigned long)(pthread_self() % 3));
    for (int i = 0; i < 2000; i++) {
        if (admit_enter(r->a, client, NULL) != KR_OK)
            continue;
        pthread_mutex_lock(&r->mu);
        r->inside++;
        r->most = r->inside > r->most ? r->inside : r->most;
        r->inside--;
        pthread_mutex_unlock(&r->mu);
        admit_leave(r->a, client);
    }
    return NULL;
}

static void test_threads_stay_within_bound(void **state)
{
    struct race r = {.a = open_admit(4, 4)};
    pthread_t t[8];
    (void)state;

    pthread_mutex_init(&r.mu, NULL);
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&t[i], NULL, racer, &r), 0);
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    assert_true(r.most >= 1 && r.most <= 4);
    assert_int_equal(admit_in_use(r.a), 0);
    pthread_mutex_destroy(&r.mu);
    admit_close(r.a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_total_and_share),
        cmocka_unit_test(test_anonymous_and_long_clients),
        cmocka_unit_test(test_bad_settings),
        cmocka_unit_test(test_threads_stay_within_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
