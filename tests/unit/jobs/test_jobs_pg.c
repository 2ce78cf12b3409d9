/*
 * test_jobs_pg.c - jobs shared by two "nodes" in one process: two jobs
 * instances, each with its own PostgreSQL store handle and worker pool, on
 * one database, with short leases (jobs_set_lease). Jobs submitted on
 * either node are worked on by both (a node with free workers takes items
 * the other has not taken yet), every item runs exactly once, finish()
 * runs once per job, and either node answers for every job. A failed lease
 * (the heartbeat cannot renew: store.claim_renew fails through the fault
 * decorator, as for a node cut off from the database) lets the other node
 * take the item over, and the late result of the first node is refused by
 * the fence, so the job records the item once.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/pool.h"
#include "fault.h"
#include "jobs/jobs.h"
#include "pgtest.h"
#include "store/store.h"

#define N_ITEMS 40

static struct {
    atomic_int calls[N_ITEMS];
    atomic_int finishes;
    atomic_int hold_item; /* item that waits while `hold` is set; -1 none */
    atomic_int hold, held;
} T;

static enum kr_code count_item(void *ctx, const struct jobs_work_item *w, json_t **result,
                               struct kr_err *err)
{
    (void)ctx;
    (void)err;
    atomic_fetch_add(&T.calls[w->index], 1);
    if ((int)w->index == atomic_load(&T.hold_item)) {
        atomic_store(&T.held, 1);
        while (atomic_load(&T.hold))
            nanosleep(&(struct timespec){0, 5 * 1000000L}, NULL);
    }
    nanosleep(&(struct timespec){0, 10 * 1000000L}, NULL);
    *result = json_integer((json_int_t)w->index);
    return KR_OK;
}

static enum kr_code count_finish(void *ctx, const struct jobs_finished *f, json_t **result,
                                 struct kr_err *err)
{
    long long sum = 0;
    (void)ctx;
    (void)err;
    atomic_fetch_add(&T.finishes, 1);
    for (size_t i = 0; i < f->n; i++)
        sum += json_integer_value(f->items[i].result);
    *result = json_pack("{s:I}", "sum", (json_int_t)sum);
    return KR_OK;
}

static const struct jobs_kind count_kind = {"count", NULL, count_item, count_finish};

struct node {
    struct store *s;
    struct pool *p;
    struct jobs *j;
};

static void node_open(struct node *n, const char *backend, const char *loc, long lease_ms)
{
    struct kr_err err = {0};
    assert_int_equal(store_open(backend, loc, &n->s, &err), KR_OK);
    assert_int_equal(pool_create(4, NULL, &n->p, &err), KR_OK);
    assert_int_equal(jobs_open(n->s, n->p, 2, &n->j, &err), KR_OK);
    assert_int_equal(jobs_set_lease(n->j, lease_ms, &err), KR_OK);
    assert_int_equal(jobs_register(n->j, &count_kind, &err), KR_OK);
    assert_int_equal(jobs_start(n->j, &err), KR_OK);
}

static void node_close(struct node *n)
{
    jobs_close(n->j);
    pool_destroy(n->p);
    store_close(n->s);
}

static void submit(struct node *n, int items, char id[JOBS_ID_LEN])
{
    struct kr_err err = {0};
    json_t *a = json_array(), *params = json_object();
    for (int i = 0; i < items; i++)
        json_array_append_new(a, json_integer(i));
    assert_int_equal(
        jobs_submit(n->j, &(struct jobs_submit_req){NULL, "count", params, a}, id, &err), KR_OK);
    json_decref(a);
    json_decref(params);
}

static long long sum_of(struct node *n, const char *id)
{
    json_t *r = NULL;
    struct kr_err err = {0};
    long long v;
    assert_int_equal(jobs_result(n->j, id, &r, &err), KR_OK);
    v = json_integer_value(json_object_get(r, "sum"));
    json_decref(r);
    return v;
}

static void reset(void)
{
    for (int i = 0; i < N_ITEMS; i++)
        atomic_store(&T.calls[i], 0);
    atomic_store(&T.finishes, 0);
    atomic_store(&T.hold_item, -1);
    atomic_store(&T.hold, 0);
    atomic_store(&T.held, 0);
}

static void test_two_nodes_each_item_once(void **state)
{
    char url[1024], loc[1200], id[JOBS_ID_LEN];
    struct node a, b;
    struct kr_err err = {0};
    (void)state;

    reset();
    tu_pg_create_db(url, sizeof url);
    snprintf(loc, sizeof loc, "pool=4;wait_ms=10000;%s", url);
    node_open(&a, "postgres", loc, 600);
    node_open(&b, "postgres", loc, 600);
    submit(&a, N_ITEMS, id);
    assert_int_equal(jobs_wait(a.j, id, 120000, &err), KR_OK);
    assert_int_equal(jobs_wait(b.j, id, 120000, &err), KR_OK);
    for (int i = 0; i < N_ITEMS; i++)
        assert_int_equal(atomic_load(&T.calls[i]), 1);
    assert_int_equal(atomic_load(&T.finishes), 1);
    assert_int_equal(sum_of(&a, id), N_ITEMS * (N_ITEMS - 1) / 2);
    assert_int_equal(sum_of(&b, id), N_ITEMS * (N_ITEMS - 1) / 2);
    node_close(&a);
    node_close(&b);
    tu_pg_drop_db(url);
}

static void test_lost_lease_is_fenced(void **state)
{
    char url[1024], loc[1200], id[JOBS_ID_LEN];
    struct node a, b;
    struct kr_err err = {0};
    json_t *st = NULL;
    (void)state;

    reset();
    fault_register();
    tu_pg_create_db(url, sizeof url);
    snprintf(loc, sizeof loc, "pool=4;wait_ms=10000;%s", url);
    node_open(&a, "fault", loc, 600); /* a's heartbeat will fail */
    atomic_store(&T.hold_item, 0);
    atomic_store(&T.hold, 1);
    fault_arm("store.claim_renew", 0, KR_EIO);
    submit(&a, 1, id);
    for (int i = 0; i < 6000 && !atomic_load(&T.held); i++)
        nanosleep(&(struct timespec){0, 5 * 1000000L}, NULL);
    assert_int_equal(atomic_load(&T.held), 1); /* a runs item 0 and cannot renew */
    atomic_store(&T.hold_item, -1);           /* b's run of it does not wait */
    node_open(&b, "postgres", loc, 600);
    assert_int_equal(jobs_wait(b.j, id, 120000, &err), KR_OK); /* b took over and finished */
    atomic_store(&T.hold, 0);                                   /* a's late result: fenced */
    assert_int_equal(jobs_wait(a.j, id, 120000, &err), KR_OK);
    assert_true(fault_fired("store.claim_renew") > 0);
    fault_reset();
    assert_int_equal(atomic_load(&T.calls[0]), 2); /* ran on both; recorded once */
    assert_int_equal(atomic_load(&T.finishes), 1);
    assert_int_equal(jobs_status(a.j, id, &st, &err), KR_OK);
    assert_string_equal(json_string_value(json_object_get(st, "status")), "done");
    assert_int_equal(json_integer_value(json_object_get(st, "succeeded")), 1);
    json_decref(st);
    node_close(&a);
    node_close(&b);
    tu_pg_drop_db(url);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_nodes_each_item_once),
        cmocka_unit_test(test_lost_lease_is_fenced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
