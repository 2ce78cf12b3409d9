/*
 * test_jobs.c - the job runner: items run on the given worker pool (and a
 * task still queued there at shutdown stays pending), the concurrency bound, failure isolation,
 * round-robin between jobs, waiting, persistence across a restart, resuming
 * after a kill -9 without redoing finished items, unknown kinds, and the
 * admission bound on active jobs (per owner, given back when a job ends or a
 * submit fails, taken again on resume).
 */
#include "testutil.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/admit.h"
#include "core/pool.h"
#include "core/util.h"
#include "jobs/jobs.h"
#include "store/store.h"

#define MAX_ITEMS 64

/* What the test kind saw; reset per test. */
static struct {
    atomic_int inflight, max_inflight, finishes, finish_mismatch;
    atomic_int calls[MAX_ITEMS];
    pthread_t tid[MAX_ITEMS]; /* the thread item i ran on */
    int sleep_ms;
    atomic_int hold;      /* items wait while set */
    int fail_every;       /* item i fails when fail_every && i % fail_every == fail_every - 1 */
    size_t finish_n;      /* what finish() received: how many items, */
    int finish_status[MAX_ITEMS]; /* each one's status and code */
    int finish_code[MAX_ITEMS];
    char finish_slug[MAX_ITEMS][32]; /* and a failed one's error "code" */
    pthread_mutex_t mu;
} T = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void reset(int sleep_ms, int fail_every)
{
    atomic_store(&T.inflight, 0);
    atomic_store(&T.max_inflight, 0);
    atomic_store(&T.finishes, 0);
    for (int i = 0; i < MAX_ITEMS; i++)
        atomic_store(&T.calls[i], 0);
    T.sleep_ms = sleep_ms;
    T.fail_every = fail_every;
    T.finish_n = 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static enum kr_code run_item(void *ctx, const struct jobs_work_item *w, json_t **result,
                             struct kr_err *err)
{
    json_t *params = w->params, *item = w->item;
    size_t index = w->index;
    int now = atomic_fetch_add(&T.inflight, 1) + 1, max;
    (void)ctx;
    while ((max = atomic_load(&T.max_inflight)) < now &&
           !atomic_compare_exchange_weak(&T.max_inflight, &max, now))
        ;
    if (index < MAX_ITEMS) {
        atomic_fetch_add(&T.calls[index], 1);
        T.tid[index] = pthread_self();
    }
    sleep_ms(T.sleep_ms);
    while (atomic_load(&T.hold))
        sleep_ms(2);
    atomic_fetch_sub(&T.inflight, 1);
    if (T.fail_every && (int)index % T.fail_every == T.fail_every - 1)
        return kr_fail(err, KRS_AI_REQUEST_FAILED, "item %zu failed on purpose", index);
    *result =
        json_pack("{s:I, s:O, s:O}", "square", json_integer_value(item) * json_integer_value(item),
                  "item", item, "tag", json_object_get(params, "tag"));
    return KR_OK;
}

static enum kr_code finish(void *ctx, const struct jobs_finished *f, json_t **result,
                           struct kr_err *err)
{
    const char *job_id = f->job_id;
    json_t *inputs = f->inputs;
    const struct jobs_item *items = f->items;
    size_t n = f->n;
    long long sum = 0;
    (void)ctx;
    if (json_array_size(inputs) != n)
        atomic_store(&T.finish_mismatch, 1);
    atomic_fetch_add(&T.finishes, 1);
    pthread_mutex_lock(&T.mu);
    T.finish_n = n;
    for (size_t i = 0; i < n && i < MAX_ITEMS; i++) {
        T.finish_status[i] = items[i].status;
        T.finish_code[i] = items[i].code;
        snprintf(T.finish_slug[i], sizeof T.finish_slug[i], "%s",
                 json_string_value(json_object_get(items[i].error, "code"))
                     ? json_string_value(json_object_get(items[i].error, "code"))
                     : "");
    }
    pthread_mutex_unlock(&T.mu);
    for (size_t i = 0; i < n; i++)
        sum += json_integer_value(json_object_get(items[i].result, "square"));
    if (sum == 0)
        return kr_fail(err, KRS_NOTHING_DONE, "job %s: every item failed", job_id);
    *result = json_pack("{s:I}", "sum", (json_int_t)sum);
    return KR_OK;
}

static const struct jobs_kind square_kind = {"square", NULL, run_item, finish};

static json_t *numbers(int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_integer(i));
    return a;
}

static long long sum_squares(int n, int fail_every)
{
    long long s = 0;
    for (int i = 0; i < n; i++)
        if (!(fail_every && i % fail_every == fail_every - 1))
            s += (long long)i * i;
    return s;
}

/* jobs on a pool of their own, as the app gives them the process's one:
 * 8 threads, more than any test lets jobs use, so the jobs' own bound shows. */
static struct pool *P;

static enum kr_code tj_open(struct store *s, int max_running, struct jobs **j, struct kr_err *err)
{
    assert_null(P);
    assert_int_equal(pool_create(8, NULL, &P, err), KR_OK);
    return jobs_open(s, P, max_running, j, err);
}

static void tj_close(struct jobs *j)
{
    jobs_close(j);
    pool_destroy(P);
    P = NULL;
}

static struct jobs *open_jobs(struct store *s, int workers)
{
    struct jobs *j = NULL;
    struct kr_err err = {0};
    assert_int_equal(tj_open(s, workers, &j, &err), KR_OK);
    assert_int_equal(jobs_register(j, &square_kind, &err), KR_OK);
    assert_int_equal(jobs_start(j, &err), KR_OK);
    return j;
}

static void submit(struct jobs *j, int n, char id[JOBS_ID_LEN])
{
    struct kr_err err = {0};
    json_t *items = numbers(n), *params = json_pack("{s:s}", "tag", "t1");
    assert_int_equal(
        jobs_submit(j, &(struct jobs_submit_req){NULL, "square", params, items}, id, &err), KR_OK);
    assert_true(jobs_id_ok(id));
    json_decref(items);
    json_decref(params);
}

static long long result_sum(struct jobs *j, const char *id)
{
    json_t *r = NULL;
    struct kr_err err = {0};
    long long v;
    assert_int_equal(jobs_result(j, id, &r, &err), KR_OK);
    v = json_integer_value(json_object_get(r, "sum"));
    json_decref(r);
    return v;
}

static void test_concurrency_bound(void **state)
{
    char id[JOBS_ID_LEN];
    struct kr_err err = {0};
    struct jobs *j;
    (void)state;

    reset(30, 0);
    j = open_jobs(NULL, 3);
    submit(j, 12, id);
    assert_int_equal(jobs_wait(j, id, 10000, &err), KR_OK);
    assert_int_equal(atomic_load(&T.max_inflight), 3); /* the bound, and reached */
    for (int i = 0; i < 12; i++)
        assert_int_equal(atomic_load(&T.calls[i]), 1);
    assert_int_equal(atomic_load(&T.finishes), 1);
    assert_int_equal(atomic_load(&T.finish_mismatch), 0);
    assert_int_equal(result_sum(j, id), sum_squares(12, 0));
    tj_close(j);
}

static void test_failure_isolation(void **state)
{
    char id[JOBS_ID_LEN];
    struct kr_err err = {0};
    json_t *st = NULL, *items;
    struct jobs *j;
    (void)state;

    reset(1, 4); /* items 3 and 7 fail */
    j = open_jobs(NULL, 2);
    submit(j, 10, id);
    assert_int_equal(jobs_wait(j, id, 10000, &err), KR_OK);
    assert_int_equal(jobs_status(j, id, &st, &err), KR_OK);
    assert_string_equal(json_string_value(json_object_get(st, "status")), "done");
    assert_int_equal(json_integer_value(json_object_get(st, "total")), 10);
    assert_int_equal(json_integer_value(json_object_get(st, "done")), 10);
    assert_int_equal(json_integer_value(json_object_get(st, "succeeded")), 8);
    assert_int_equal(json_integer_value(json_object_get(st, "failed")), 2);
    items = json_object_get(st, "items");
    for (int i = 0; i < 10; i++) {
        json_t *it = json_array_get(items, (size_t)i);
        int bad = i == 3 || i == 7;
        assert_string_equal(json_string_value(json_object_get(it, "status")),
                            bad ? "failed" : "done");
        assert_int_equal(json_integer_value(json_object_get(it, "item")), i);
        if (bad)
            assert_string_equal(
                json_string_value(json_object_get(json_object_get(it, "error"), "code")),
                "ai_request_failed");
        else
            assert_null(json_object_get(it, "error"));
    }
    assert_int_equal(json_integer_value(json_object_get(json_object_get(st, "result"), "sum")),
                     sum_squares(10, 4));
    /* finish() saw every item as types, the failed ones with their code and error */
    assert_int_equal(T.finish_n, 10);
    for (int i = 0; i < 10; i++) {
        int bad = i == 3 || i == 7;
        assert_int_equal(T.finish_status[i], bad ? JOBS_ITEM_FAILED : JOBS_ITEM_DONE);
        assert_int_equal(T.finish_code[i], bad ? KR_EUPSTREAM : KR_OK);
        assert_string_equal(T.finish_slug[i], bad ? "ai_request_failed" : "");
    }
    json_decref(st);
    tj_close(j);
}

static void test_all_failed_fails_job(void **state)
{
    char id[JOBS_ID_LEN];
    struct kr_err err = {0};
    json_t *st = NULL, *r = NULL;
    struct jobs_outcome oc;
    struct jobs *j;
    (void)state;

    reset(0, 1); /* every item fails */
    j = open_jobs(NULL, 2);
    submit(j, 3, id);
    assert_int_equal(jobs_wait(j, id, 10000, &err), KR_OK);
    assert_int_equal(jobs_status(j, id, &st, &err), KR_OK);
    assert_string_equal(json_string_value(json_object_get(st, "status")), "failed");
    assert_string_equal(json_string_value(json_object_get(json_object_get(st, "error"), "code")),
                        "nothing_done");
    /* the same in types: the job's code, and the code its failed items share */
    assert_int_equal(jobs_outcome(j, id, &oc, &err), KR_OK);
    assert_int_equal(oc.state, JOBS_FAILED);
    assert_int_equal(oc.code, KR_EUPSTREAM);
    assert_int_equal(oc.items_code, KR_EUPSTREAM);
    assert_int_not_equal(jobs_result(j, id, &r, &err), KR_OK);
    assert_null(r);
    json_decref(st);
    tj_close(j);
}

static void test_round_robin_and_wait(void **state)
{
    char big[JOBS_ID_LEN], small[JOBS_ID_LEN];
    struct kr_err err = {0};
    json_t *st = NULL;
    struct jobs *j;
    (void)state;

    reset(20, 0);
    j = open_jobs(NULL, 1);
    submit(j, 30, big);
    sleep_ms(30);
    submit(j, 1, small);
    /* the small job does not queue behind the 30 items of the big one */
    assert_int_equal(jobs_wait(j, small, 5000, &err), KR_OK);
    assert_int_equal(jobs_status(j, big, &st, &err), KR_OK);
    assert_string_equal(json_string_value(json_object_get(st, "status")), "running");
    assert_true(json_integer_value(json_object_get(st, "done")) < 10);
    json_decref(st);
    /* a short wait times out while the big one runs */
    assert_int_equal(jobs_wait(j, big, 10, &err), KR_ETIMEOUT);
    assert_int_equal(jobs_wait(j, big, -1, &err), KR_OK);
    assert_int_equal(result_sum(j, big), sum_squares(30, 0));
    tj_close(j);
}

static void test_bad_input(void **state)
{
    char id[JOBS_ID_LEN];
    struct kr_err err = {0};
    json_t *st = NULL, *empty = json_array(), *obj = json_object();
    struct jobs *j;
    (void)state;

    reset(0, 0);
    j = open_jobs(NULL, 1);
    assert_int_equal(
        jobs_submit(j, &(struct jobs_submit_req){NULL, "square", NULL, empty}, id, &err),
        KR_EINVAL);
    assert_int_equal(jobs_submit(j, &(struct jobs_submit_req){NULL, "square", NULL, obj}, id, &err),
                     KR_EINVAL);
    assert_int_equal(jobs_submit(j, &(struct jobs_submit_req){NULL, "nope", NULL, obj}, id, &err),
                     KR_EINVAL);
    assert_int_equal(jobs_status(j, "0123456789abcdef0123456789abcdef", &st, &err), KR_ENOTFOUND);
    assert_int_equal(jobs_status(j, "../../etc/passwd", &st, &err), KR_ENOTFOUND);
    assert_int_equal(jobs_wait(j, "zz", 10, &err), KR_ENOTFOUND);
    assert_false(jobs_id_ok("0123456789ABCDEF0123456789abcdef"));
    assert_false(jobs_id_ok(NULL));
    assert_null(st);
    json_decref(empty);
    json_decref(obj);
    tj_close(j);
}

/* ---- with a store ---- */

static struct store *open_store(const char *dir)
{
    char path[600];
    struct store *s = NULL;
    struct kr_err err = {0};
    snprintf(path, sizeof path, "%s/karat.db", dir);
    assert_int_equal(store_open("sqlite", path, &s, &err), KR_OK);
    return s;
}

static void test_persisted_status_after_restart(void **state)
{
    char dir[512], id[JOBS_ID_LEN];
    struct kr_err err = {0};
    json_t *st = NULL;
    struct jobs_outcome oc;
    struct store *s;
    struct jobs *j;
    (void)state;

    tu_tmpdir(dir, sizeof dir);
    reset(1, 5);
    s = open_store(dir);
    j = open_jobs(s, 2);
    submit(j, 6, id);
    assert_int_equal(jobs_wait(j, id, 10000, &err), KR_OK);
    tj_close(j);
    store_close(s);

    s = open_store(dir);
    j = open_jobs(s, 2);
    assert_int_equal(jobs_status(j, id, &st, &err), KR_OK);
    assert_string_equal(json_string_value(json_object_get(st, "status")), "done");
    assert_int_equal(json_integer_value(json_object_get(st, "succeeded")), 5);
    assert_int_equal(json_integer_value(json_object_get(st, "failed")), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(st, "items"), 4), "status")),
                        "failed");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(st, "result"), "sum")),
                     sum_squares(6, 5));
    assert_non_null(json_object_get(st, "finished_at"));
    assert_int_equal(jobs_wait(j, id, 0, &err), KR_OK); /* ended: no waiting */
    assert_int_equal(result_sum(j, id), sum_squares(6, 5));
    /* the failed item's code comes back from the stored document */
    assert_int_equal(jobs_outcome(j, id, &oc, &err), KR_OK);
    assert_int_equal(oc.state, JOBS_DONE);
    assert_int_equal(oc.code, KR_OK);
    assert_int_equal(oc.items_code, KR_EUPSTREAM);
    json_decref(st);
    tj_close(j);
    store_close(s);
    tu_rmrf(dir);
}

static int count_cb(const char *key, const char *json, void *ctx)
{
    char *seen = ctx;
    int idx = atoi(key);
    (void)json;
    if (idx >= 0 && idx < MAX_ITEMS)
        seen[idx] = 1;
    return 0;
}

/* Item docs present for job id: marks seen[index]; returns the count. */
static int finished_items(struct store *s, const char *id, char *seen)
{
    char ns[64];
    int n = 0;
    struct kr_err err = {0};
    memset(seen, 0, MAX_ITEMS);
    snprintf(ns, sizeof ns, "job_items:%s", id);
    assert_int_equal(store_doc_each(s, ns, count_cb, seen, &err), KR_OK);
    for (int i = 0; i < MAX_ITEMS; i++)
        n += seen[i];
    return n;
}

/* The child: submit a slow 20-item job, report its id, work until killed. */
static void crash_child(const char *dir, int fd)
{
    char id[JOBS_ID_LEN];
    struct store *s = open_store(dir);
    struct jobs *j = open_jobs(s, 2);
    submit(j, 20, id);
    if (write(fd, id, JOBS_ID_LEN) != JOBS_ID_LEN)
        _exit(3);
    for (;;)
        sleep_ms(1000);
}

static void test_resume_after_kill(void **state)
{
    char dir[512], id[JOBS_ID_LEN] = {0}, before[MAX_ITEMS], after[MAX_ITEMS];
    int fds[2], status, nbefore = 0;
    struct kr_err err = {0};
    struct store *s;
    struct jobs *j;
    json_t *st = NULL;
    pid_t pid;
    (void)state;

    tu_tmpdir(dir, sizeof dir);
    reset(40, 0);
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        crash_child(dir, fds[1]);
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], id, JOBS_ID_LEN), JOBS_ID_LEN);
    close(fds[0]);
    s = open_store(dir);
    for (int tries = 0; tries < 500 && nbefore < 6; tries++) {
        sleep_ms(10);
        nbefore = finished_items(s, id, before);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status));
    nbefore = finished_items(s, id, before);
    assert_true(nbefore >= 6 && nbefore < 20);

    reset(1, 0);
    j = open_jobs(s, 3);
    assert_int_equal(jobs_wait(j, id, 10000, &err), KR_OK);
    for (int i = 0; i < 20; i++) /* finished items never redone, the rest done once */
        assert_int_equal(atomic_load(&T.calls[i]), before[i] ? 0 : 1);
    assert_int_equal(finished_items(s, id, after), 20);
    assert_int_equal(result_sum(j, id), sum_squares(20, 0));
    assert_int_equal(jobs_status(j, id, &st, &err), KR_OK);
    assert_int_equal(json_integer_value(json_object_get(st, "succeeded")), 20);
    json_decref(st);
    tj_close(j);
    store_close(s);
    tu_rmrf(dir);
}

static void test_graceful_close_resumes(void **state)
{
    char dir[512], id[JOBS_ID_LEN], before[MAX_ITEMS];
    struct kr_err err = {0};
    struct store *s;
    struct jobs *j;
    int n;
    (void)state;

    tu_tmpdir(dir, sizeof dir);
    reset(30, 0);
    s = open_store(dir);
    j = open_jobs(s, 2);
    submit(j, 12, id);
    sleep_ms(80);
    tj_close(j); /* in-flight items finish, the rest stay pending */
    n = finished_items(s, id, before);
    assert_true(n >= 2 && n < 12);

    reset(0, 0);
    j = open_jobs(s, 2);
    assert_int_equal(jobs_wait(j, id, 10000, &err), KR_OK);
    for (int i = 0; i < 12; i++)
        assert_int_equal(atomic_load(&T.calls[i]), before[i] ? 0 : 1);
    assert_int_equal(result_sum(j, id), sum_squares(12, 0));
    tj_close(j);
    store_close(s);
    tu_rmrf(dir);
}

static const struct jobs_kind ghost_kind = {"ghost", NULL, run_item, finish};

static void test_unknown_kind_on_resume(void **state)
{
    char dir[512], id[JOBS_ID_LEN];
    struct kr_err err = {0};
    struct store *s;
    struct jobs *j;
    json_t *items = numbers(2), *st = NULL;
    (void)state;

    tu_tmpdir(dir, sizeof dir);
    s = open_store(dir);
    /* submitted but never started: stays queued in the store */
    assert_int_equal(tj_open(s, 1, &j, &err), KR_OK);
    assert_int_equal(jobs_register(j, &ghost_kind, &err), KR_OK);
    assert_int_equal(jobs_submit(j, &(struct jobs_submit_req){NULL, "ghost", NULL, items}, id, &err), KR_OK);
    tj_close(j);
    assert_int_equal(tj_open(s, 1, &j, &err), KR_OK); /* not started: no workers */
    assert_int_equal(jobs_wait(j, id, 0, &err), KR_ETIMEOUT);
    tj_close(j);

    reset(0, 0);
    j = open_jobs(s, 1); /* "ghost" is not registered any more */
    assert_int_equal(jobs_wait(j, id, 5000, &err), KR_OK);
    assert_int_equal(jobs_status(j, id, &st, &err), KR_OK);
    assert_string_equal(json_string_value(json_object_get(st, "status")), "failed");
    assert_string_equal(json_string_value(json_object_get(json_object_get(st, "error"), "code")),
                        "unknown_kind");
    assert_int_equal(atomic_load(&T.calls[0]), 0);
    json_decref(st);
    json_decref(items);
    tj_close(j);
    store_close(s);
    tu_rmrf(dir);
}

static void submit_as(struct jobs *j, const char *owner, char id[JOBS_ID_LEN])
{
    struct kr_err err = {0};
    json_t *items = numbers(2);
    assert_int_equal(jobs_reserve(j, owner, &err), KR_OK);
    assert_int_equal(
        jobs_submit(j, &(struct jobs_submit_req){owner, "square", NULL, items}, id, &err), KR_OK);
    json_decref(items);
}

static void test_admission(void **state)
{
    const struct admit_opts ao = {"jobs", 2, 1};
    char dir[512], ida[JOBS_ID_LEN], idb[JOBS_ID_LEN];
    struct kr_err err = {0};
    struct admit *a;
    struct store *s;
    struct jobs *j;
    json_t *items = numbers(1);
    (void)state;

    tu_tmpdir(dir, sizeof dir);
    s = open_store(dir);
    assert_int_equal(admit_open(&ao, &a, &err), KR_OK);
    assert_int_equal(tj_open(s, 1, &j, &err), KR_OK); /* not started: jobs stay queued */
    jobs_set_admission(j, a);
    assert_int_equal(jobs_register(j, &square_kind, &err), KR_OK);
    submit_as(j, "key:a", ida);
    assert_int_equal(jobs_reserve(j, "key:a", &err), KR_ERATELIMIT);
    assert_string_equal(err.slug, "client_busy");
    /* a submit that fails gives its reservation back */
    assert_int_equal(jobs_reserve(j, "key:b", &err), KR_OK);
    assert_int_equal(
        jobs_submit(j, &(struct jobs_submit_req){"key:b", "nope", NULL, items}, idb, &err),
        KR_EINVAL);
    assert_int_equal(admit_in_use(a), 1);
    submit_as(j, "key:b", idb);
    assert_int_equal(jobs_reserve(j, "key:c", &err), KR_ERATELIMIT);
    assert_string_equal(err.slug, "busy");
    tj_close(j);
    admit_close(a);

    /* after a restart the resumed jobs hold their owners' slots until they end */
    reset(0, 0);
    atomic_store(&T.hold, 1);
    assert_int_equal(admit_open(&ao, &a, &err), KR_OK);
    assert_int_equal(tj_open(s, 2, &j, &err), KR_OK);
    jobs_set_admission(j, a);
    assert_int_equal(jobs_register(j, &square_kind, &err), KR_OK);
    assert_int_equal(jobs_start(j, &err), KR_OK);
    assert_int_equal(admit_in_use(a), 2);
    assert_int_equal(jobs_reserve(j, "key:a", &err), KR_ERATELIMIT);
    atomic_store(&T.hold, 0);
    assert_int_equal(jobs_wait(j, ida, 10000, &err), KR_OK);
    assert_int_equal(jobs_wait(j, idb, 10000, &err), KR_OK);
    assert_int_equal(admit_in_use(a), 0);
    assert_int_equal(jobs_reserve(j, "key:a", &err), KR_OK);
    jobs_unreserve(j, "key:a");
    /* one owner's recent jobs, from the store (GET /jobs) */
    {
        json_t *list = NULL;
        assert_int_equal(jobs_recent(j, "key:a", 10, &list, &err), KR_OK);
        assert_int_equal(json_array_size(list), 1);
        assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "job_id")),
                            ida);
        assert_non_null(json_string_value(json_object_get(json_array_get(list, 0), "status")));
        assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "total")), 2);
        json_decref(list);
        assert_int_equal(jobs_recent(j, "key:c", 10, &list, &err), KR_OK);
        assert_int_equal(json_array_size(list), 0);
        json_decref(list);
        assert_int_equal(jobs_recent(j, "key:a", 0, &list, &err), KR_EINVAL);
        assert_null(list);
    }
    json_decref(items);
    tj_close(j);
    admit_close(a);
    store_close(s);
    tu_rmrf(dir);
}

/* A pool task that holds its thread until `hold_pool` is cleared, and says
 * which thread that is. */
static atomic_int hold_pool;
static pthread_t pool_tid;

static void hold_thread(void *arg)
{
    (void)arg;
    pool_tid = pthread_self();
    while (atomic_load(&hold_pool))
        sleep_ms(2);
}

static void test_items_run_on_the_pool(void **state)
{
    char id[JOBS_ID_LEN];
    struct kr_err err = {0};
    struct pool *pool;
    struct pool_group g;
    struct pool_task t;
    struct jobs *j;
    (void)state;

    reset(1, 0);
    assert_int_equal(pool_create(1, NULL, &pool, &err), KR_OK);
    pool_group_init(&g, pool);
    pool_submit(&g, &t, hold_thread, NULL); /* not held: it only names the thread */
    pool_group_wait(&g);
    assert_int_equal(jobs_open(NULL, pool, 4, &j, &err), KR_OK);
    assert_int_equal(jobs_register(j, &square_kind, &err), KR_OK);
    assert_int_equal(jobs_start(j, &err), KR_OK);
    submit(j, 6, id);
    assert_int_equal(jobs_wait(j, id, 10000, &err), KR_OK);
    /* every item on the pool's one thread, so one at a time despite max_running 4 */
    for (int i = 0; i < 6; i++)
        assert_true(pthread_equal(T.tid[i], pool_tid));
    assert_int_equal(atomic_load(&T.max_inflight), 1);
    assert_int_equal(result_sum(j, id), sum_squares(6, 0));
    jobs_close(j);
    pool_destroy(pool);
}

static void test_stop_leaves_queued_items(void **state)
{
    char dir[512], id[JOBS_ID_LEN];
    struct kr_err err = {0};
    struct pool *pool;
    struct pool_group g;
    struct pool_task t;
    struct store *s;
    struct jobs *j;
    (void)state;

    tu_tmpdir(dir, sizeof dir);
    s = open_store(dir);
    reset(0, 0);
    assert_int_equal(pool_create(1, NULL, &pool, &err), KR_OK);
    atomic_store(&hold_pool, 1);
    pool_group_init(&g, pool);
    pool_submit(&g, &t, hold_thread, NULL); /* the pool's thread is busy */
    assert_int_equal(jobs_open(s, pool, 2, &j, &err), KR_OK);
    assert_int_equal(jobs_register(j, &square_kind, &err), KR_OK);
    assert_int_equal(jobs_start(j, &err), KR_OK);
    submit(j, 4, id); /* two items queued on the pool behind the busy thread */
    jobs_stop(j);
    atomic_store(&hold_pool, 0);
    pool_group_wait(&g);
    jobs_close(j); /* the queued tasks ran after the stop: they give their items back */
    pool_destroy(pool);
    for (int i = 0; i < 4; i++)
        assert_int_equal(atomic_load(&T.calls[i]), 0);

    j = open_jobs(s, 2); /* resumed: every item runs, once */
    assert_int_equal(jobs_wait(j, id, 10000, &err), KR_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal(atomic_load(&T.calls[i]), 1);
    assert_int_equal(result_sum(j, id), sum_squares(4, 0));
    tj_close(j);
    store_close(s);
    tu_rmrf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_items_run_on_the_pool),
        cmocka_unit_test(test_stop_leaves_queued_items),
        cmocka_unit_test(test_concurrency_bound),
        cmocka_unit_test(test_failure_isolation),
        cmocka_unit_test(test_all_failed_fails_job),
        cmocka_unit_test(test_round_robin_and_wait),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_persisted_status_after_restart),
        cmocka_unit_test(test_resume_after_kill),
        cmocka_unit_test(test_graceful_close_resumes),
        cmocka_unit_test(test_unknown_kind_on_resume),
        cmocka_unit_test(test_admission),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    return rc;
}
