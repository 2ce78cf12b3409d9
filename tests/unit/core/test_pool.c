/*
 * test_pool.c - core/pool.h: the bound on running tasks is kept, every task
 * runs exactly once, a group waits for its own tasks only, and destroying
 * the pool runs what is queued and ends every worker. No timing: tasks that
 * must overlap wait for each other on a condition.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/pool.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int running, max_running, gate_open, exits;

static void count_task(void *arg)
{
    int *n = arg;
    pthread_mutex_lock(&mu);
    (*n)++;
    pthread_mutex_unlock(&mu);
}

/* Runs until `bound` tasks run at once (then all of them go on), recording
 * the most ever running. With fewer workers than `bound` it would wait
 * forever, so the bound is also shown to be reached. */
static int bound;
static void overlap_task(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    running++;
    if (running > max_running)
        max_running = running;
    if (running >= bound)
        pthread_cond_broadcast(&cv);
    while (running < bound && max_running < bound)
        pthread_cond_wait(&cv, &mu);
    running--;
    pthread_mutex_unlock(&mu);
}

static void gated_task(void *arg)
{
    int *done = arg;
    pthread_mutex_lock(&mu);
    while (!gate_open)
        pthread_cond_wait(&cv, &mu);
    (*done)++;
    pthread_mutex_unlock(&mu);
}

static void on_exit_hook(void)
{
    pthread_mutex_lock(&mu);
    exits++;
    pthread_mutex_unlock(&mu);
}

static void test_every_task_once(void **state)
{
    enum { N = 2000 };
    static struct pool_task tasks[N];
    static int hits[N];
    struct pool *p;
    struct pool_group g;
    (void)state;
    assert_int_equal(pool_create(4, NULL, &p, NULL), KR_OK);
    assert_int_equal(pool_threads(p), 4);
    pool_group_init(&g, p);
    for (int i = 0; i < N; i++)
        pool_submit(&g, &tasks[i], count_task, &hits[i]);
    pool_group_wait(&g);
    for (int i = 0; i < N; i++)
        assert_int_equal(hits[i], 1);
    pool_group_wait(&g); /* nothing pending: returns at once */
    pool_destroy(p);
}

/* 3 workers, 40 tasks: 3 run together, never 4. */
static void test_bound(void **state)
{
    struct pool_task tasks[40];
    struct pool *p;
    struct pool_group g;
    (void)state;
    running = max_running = 0;
    bound = 3;
    assert_int_equal(pool_create(3, NULL, &p, NULL), KR_OK);
    pool_group_init(&g, p);
    for (int i = 0; i < 40; i++)
        pool_submit(&g, &tasks[i], overlap_task, NULL);
    pool_group_wait(&g);
    assert_int_equal(max_running, 3);
    assert_int_equal(running, 0);
    pool_destroy(p);
}

/* Group b finishes and is waited for while group a's tasks are still
 * blocked: a wait covers its own group only. */
static void test_groups(void **state)
{
    struct pool_task ta[2], tb[5];
    int done_a = 0, done_b = 0;
    struct pool *p;
    struct pool_group a, b;
    (void)state;
    gate_open = 0;
    assert_int_equal(pool_create(4, NULL, &p, NULL), KR_OK);
    pool_group_init(&a, p);
    pool_group_init(&b, p);
    for (int i = 0; i < 2; i++)
        pool_submit(&a, &ta[i], gated_task, &done_a);
    for (int i = 0; i < 5; i++)
        pool_submit(&b, &tb[i], count_task, &done_b);
    pool_group_wait(&b);
    pthread_mutex_lock(&mu);
    assert_int_equal(done_b, 5);
    assert_int_equal(done_a, 0);
    gate_open = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    pool_group_wait(&a);
    assert_int_equal(done_a, 2);
    pool_destroy(p);
}

/* Destroy without waiting: queued tasks still run, every worker ends
 * through the exit hook. */
static void test_shutdown(void **state)
{
    struct pool_task tasks[100];
    int hits = 0;
    struct pool *p;
    struct pool_group g;
    (void)state;
    exits = 0;
    assert_int_equal(pool_create(2, on_exit_hook, &p, NULL), KR_OK);
    pool_group_init(&g, p);
    for (int i = 0; i < 100; i++)
        pool_submit(&g, &tasks[i], count_task, &hits);
    pool_destroy(p);
    assert_int_equal(hits, 100);
    assert_int_equal(exits, 2);
    pool_destroy(NULL);
}

static void test_bad_size(void **state)
{
    struct pool *p = (struct pool *)1;
    struct kr_err err = {0};
    (void)state;
    assert_int_equal(pool_create(0, NULL, &p, &err), KR_EINVAL);
    assert_null(p);
    assert_string_equal(err.slug, "bad_option");
    assert_int_equal(pool_create(POOL_MAX_THREADS + 1, NULL, &p, &err), KR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_task_once), cmocka_unit_test(test_bound),
        cmocka_unit_test(test_groups),          cmocka_unit_test(test_shutdown),
        cmocka_unit_test(test_bad_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
