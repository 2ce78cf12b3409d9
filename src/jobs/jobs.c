/*
 * jobs.c - the job queue, run on the process's worker pool (see jobs.h).
 *
 * jobs/ owns no threads. One mutex guards the active list, every job's
 * mutable fields and the run slots; one condition variable wakes waiters (a
 * job ended, shutdown). dispatch() fills free run slots (at most
 * `max_running`) with the next thing to do and submits each to the pool
 * (core/pool.h) as a task of the instance's one group: it takes the first
 * job in the active list that has a pending item, claims the item and moves
 * that job to the tail, which makes the work round-robin across jobs. The
 * item runs on a pool thread without the lock; its result is written to the
 * store before it is marked finished in memory, and the finished task calls
 * dispatch() again. A job whose items have all finished gets its finish()
 * call as one more task; the job document is then rewritten with the final
 * state and, with a store, the job leaves memory (jobs_status reads it back).
 * A task that starts after jobs_stop() gives its claim back (the item stays
 * pending, and persisted jobs resume it on the next start); jobs_close()
 * waits for the group, so no task outlives the instance.
 */
#include "jobs/jobs.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/admit.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/util.h"
#include "jobs/jobs_int.h"
#include "store/store.h"

#define MAX_KINDS     16
#define KEEP_FINISHED 64 /* memory-only mode: finished jobs kept for jobs_status */

struct task {
    struct job *jb;
    size_t index;
    int finish; /* 1: run finish(), else run item `index` */
};

/* One task on the pool: its record, what it does, whose it is. */
struct slot {
    struct pool_task pt;
    struct task t;
    struct jobs *j;
    int busy;
};

struct jobs {
    struct store *store;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct pool_group group; /* every task this instance submitted */
    struct slot *slots;      /* max_running of them */
    int max_running, started, stopping;
    const struct jobs_kind *kinds[MAX_KINDS];
    int nkinds;
    struct job *active;   /* queued/running/finishing */
    struct job *finished; /* memory-only mode, oldest first */
    int nfinished;
    struct jobs_stats stats;
    struct admit *admit; /* NULL: no bound on active jobs */
};

static const struct jobs_kind *find_kind(struct jobs *j, const char *name)
{
    for (int i = 0; i < j->nkinds; i++)
        if (strcmp(j->kinds[i]->name, name) == 0)
            return j->kinds[i];
    return NULL;
}

enum kr_code jobs_open(struct store *store, struct pool *pool, int max_running, struct jobs **out,
                       struct kr_err *err)
{
    struct jobs *j;
    pthread_condattr_t ca;

    *out = NULL;
    if (!pool || max_running < 1 || max_running > JOBS_MAX_RUNNING)
        return kr_fail(err, KRS_BAD_OPTION, "jobs need a pool and 1..%d items at once",
                       JOBS_MAX_RUNNING);
    j = calloc(1, sizeof *j);
    if (j)
        j->slots = calloc((size_t)max_running, sizeof *j->slots);
    if (!j || !j->slots) {
        free(j);
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    }
    j->store = store;
    j->max_running = max_running;
    pool_group_init(&j->group, pool);
    pthread_mutex_init(&j->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&j->cv, &ca);
    pthread_condattr_destroy(&ca);
    *out = j;
    return KR_OK;
}

enum kr_code jobs_register(struct jobs *j, const struct jobs_kind *kind, struct kr_err *err)
{
    if (!kind || !kind->name || !kind->run_item || strlen(kind->name) >= 64)
        return kr_fail(err, KRS_BAD_JOB_KIND, "a job kind needs a name and run_item");
    if (j->started || j->nkinds == MAX_KINDS || find_kind(j, kind->name))
        return kr_fail(err, KRS_JOB_KIND_TAKEN, "cannot register job kind %s", kind->name);
    j->kinds[j->nkinds++] = kind;
    return KR_OK;
}

static void unref(struct job *jb)
{
    assert(!jb || jb->refs > 0);
    if (jb && --jb->refs == 0)
        jobs__job_free(jb);
}

/* ---- tasks on the pool ---- */

static int all_finished(const struct job *jb)
{
    return jb->n_ok + jb->n_failed == jb->total && jb->n_running == 0;
}

/* Next thing to do, lock held; 0 if none. */
static int next_task(struct jobs *j, struct task *t)
{
    for (struct job *jb = j->active; jb; jb = jb->next) {
        if (jb->finishing || jb->state >= JOBS_DONE)
            continue;
        while (jb->cursor < jb->total && jb->st[jb->cursor] != JOBS_ITEM_PENDING)
            jb->cursor++;
        if (jb->cursor < jb->total) {
            t->jb = jb;
            t->index = jb->cursor++;
            t->finish = 0;
            jb->st[t->index] = JOBS_ITEM_RUNNING;
            jb->n_running++;
            jb->state = JOBS_RUNNING;
            jb->refs++;
            jobs__list_remove(&j->active, jb); /* round robin: to the tail */
            jobs__list_append(&j->active, jb);
            return 1;
        }
        if (all_finished(jb)) {
            *t = (struct task){jb, 0, 1};
            jb->finishing = 1;
            jb->refs++;
            return 1;
        }
    }
    return 0;
}

static void run_item(struct jobs *j, struct task *t)
{
    struct job *jb = t->jb;
    struct kr_err err = {0}, perr = {0};
    json_t *result = NULL, *doc, *item = json_array_get(jb->items, t->index);
    struct jobs_work_item w = {jb->id, jb->params, t->index, item};
    enum kr_code rc = jb->kind->run_item(jb->kind->ctx, &w, &result, &err);

    if (rc != KR_OK) {
        json_decref(result);
        result = NULL;
        log_warn("job %s item %zu failed: %s", jb->id, t->index, err.msg);
    }
    doc = jobs__item_doc(rc == KR_OK, result, rc ? jobs__err_json(&err) : NULL);
    /* Durable first, visible second: a finished item is never redone. */
    if (j->store && doc && jobs__doc_put_item(j->store, jb->id, t->index, doc, &perr))
        log_error("job %s item %zu: cannot persist: %s", jb->id, t->index, perr.msg);
    pthread_mutex_lock(&j->mu);
    assert(jb->n_running > 0 && jb->st[t->index] == JOBS_ITEM_RUNNING);
    jb->n_running--;
    jobs__job_set_item(jb, t->index, doc ? doc : jobs__item_doc(0, NULL, NULL), rc);
    if (rc == KR_OK)
        j->stats.items_done++;
    else
        j->stats.items_failed++;
    pthread_mutex_unlock(&j->mu);
}

/* Job ended (lock held): leave memory once persisted. */
static void retire(struct jobs *j, struct job *jb)
{
    jobs__list_remove(&j->active, jb);
    if (j->store) {
        unref(jb);
        return;
    }
    jobs__list_append(&j->finished, jb);
    j->nfinished++;
    while (j->nfinished > KEEP_FINISHED) {
        struct job *old = j->finished;
        j->finished = old->next;
        j->nfinished--;
        unref(old);
    }
}

static void run_finish(struct jobs *j, struct task *t)
{
    struct job *jb = t->jb;
    struct kr_err err = {0}, perr = {0};
    json_t *result = NULL;
    enum kr_code rc = KR_OK;

    if (!jb->kind)
        rc = kr_fail(&err, KRS_UNKNOWN_KIND, "job kind %s is not available", jb->kind_name);
    else if (jb->kind->finish)
        rc = jobs__job_finish(jb, &result, &err);
    pthread_mutex_lock(&j->mu);
    jb->state = rc ? JOBS_FAILED : JOBS_DONE;
    jb->result = rc ? NULL : result;
    jb->error = rc ? jobs__err_json(&err) : NULL;
    jb->err_code = rc;
    jb->finished_ms = jb->updated_ms = util_epoch_ms();
    jb->finishing = 0;
    if (jb->admitted) /* ended: its owner may submit again as soon as it sees that */
        admit_leave(j->admit, jb->owner);
    jb->admitted = 0;
    if (rc)
        j->stats.jobs_failed++;
    else
        j->stats.jobs_done++;
    pthread_mutex_unlock(&j->mu);
    if (rc) {
        json_decref(result);
        log_warn("job %s failed: %s", jb->id, err.msg);
    }
    if (j->store && jobs__doc_put_job(j->store, jb, &perr))
        log_error("job %s: cannot persist its end: %s", jb->id, perr.msg);
    pthread_mutex_lock(&j->mu);
    retire(j, jb);
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
}

/* A claimed task that will not run (shutdown), lock held: back to pending. */
static void unclaim(struct task *t)
{
    struct job *jb = t->jb;
    if (t->finish) {
        jb->finishing = 0;
        return;
    }
    jb->st[t->index] = JOBS_ITEM_PENDING;
    jb->n_running--;
    if (t->index < jb->cursor)
        jb->cursor = t->index;
}

static void dispatch(struct jobs *j);

/* The pool task: run the claimed item or finish(), then dispatch more. */
static void slot_run(void *arg)
{
    struct slot *s = arg;
    struct jobs *j = s->j;
    int skip;

    pthread_mutex_lock(&j->mu);
    if ((skip = j->stopping))
        unclaim(&s->t);
    pthread_mutex_unlock(&j->mu);
    if (!skip && s->t.finish)
        run_finish(j, &s->t);
    else if (!skip)
        run_item(j, &s->t);
    pthread_mutex_lock(&j->mu);
    unref(s->t.jb);
    s->busy = 0;
    dispatch(j);
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
}

/* Fill free slots with work and hand them to the pool (lock held). */
static void dispatch(struct jobs *j)
{
    for (int i = 0; i < j->max_running && j->started && !j->stopping; i++) {
        struct slot *s = &j->slots[i];
        if (s->busy)
            continue;
        if (!next_task(j, &s->t))
            return;
        s->busy = 1;
        s->j = j;
        pool_submit(&j->group, &s->pt, slot_run, s);
    }
}

/* ---- start, submit ---- */

static void resume_one(const char *id, void *ctx)
{
    struct jobs *j = ctx;
    struct job *jb = NULL;
    struct kr_err err = {0};

    if (jobs__doc_load(j->store, id, &jb, &err)) {
        log_error("job %s: cannot resume: %s", id, err.msg);
        return;
    }
    jb->kind = find_kind(j, jb->kind_name);
    if (!jb->kind) { /* no item will run; the finish task marks the job failed */
        struct kr_err e = {0};
        kr_fail(&e, KRS_UNKNOWN_KIND, "job kind %s is not available", jb->kind_name);
        for (size_t i = 0; i < jb->total; i++)
            if (jb->st[i] == JOBS_ITEM_PENDING)
                jobs__job_set_item(jb, i, jobs__item_doc(0, NULL, jobs__err_json(&e)), e.code);
    }
    jb->refs = 1;
    /* Already accepted: it runs even if a smaller bound is now full. */
    jb->admitted = j->admit && admit_enter(j->admit, jb->owner, NULL) == KR_OK;
    log_info("job %s: resuming, %zu of %zu items already finished", id, jb->n_ok + jb->n_failed,
             jb->total);
    jobs__list_append(&j->active, jb);
}

enum kr_code jobs_start(struct jobs *j, struct kr_err *err)
{
    enum kr_code rc = KR_OK;

    if (j->started)
        return kr_fail(err, KRS_JOBS_STARTED, "jobs already started");
    if (j->store)
        rc = jobs__doc_each_unfinished(j->store, resume_one, j, err);
    if (rc)
        return rc;
    pthread_mutex_lock(&j->mu);
    j->started = 1;
    dispatch(j);
    pthread_mutex_unlock(&j->mu);
    return KR_OK;
}

void jobs_set_admission(struct jobs *j, struct admit *a)
{
    j->admit = a;
}

enum kr_code jobs_reserve(struct jobs *j, const char *owner, struct kr_err *err)
{
    return j->admit ? admit_enter(j->admit, owner ? owner : "", err) : KR_OK;
}

void jobs_unreserve(struct jobs *j, const char *owner)
{
    if (j->admit)
        admit_leave(j->admit, owner ? owner : "");
}

enum kr_code jobs_submit(struct jobs *j, const struct jobs_submit_req *req, char id[JOBS_ID_LEN],
                         struct kr_err *err)
{
    const char *owner = req->owner, *kind = req->kind;
    json_t *params = req->params, *items = req->items;
    const struct jobs_kind *k = find_kind(j, kind ? kind : "");
    struct job *jb = NULL;
    enum kr_code rc;

    if (!k) {
        rc = kr_fail(err, KRS_UNKNOWN_JOB_KIND, "unknown job kind %s", kind);
        goto out;
    }
    if (!json_is_array(items) || json_array_size(items) == 0) {
        rc = kr_fail(err, KRS_NO_ITEMS, "a job needs at least one item");
        goto out;
    }
    if (json_array_size(items) > JOBS_MAX_ITEMS) {
        rc = kr_fail(err, KRS_TOO_MANY_ITEMS, "a job takes at most %d items", JOBS_MAX_ITEMS);
        goto out;
    }
    util_random_hex(id, (JOBS_ID_LEN - 1) / 2);
    if (!(jb = jobs__job_new(id, kind, params, items))) {
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
        goto out;
    }
    jb->kind = k;
    jb->refs = 1;
    util_strlcpy(jb->owner, owner ? owner : "", sizeof jb->owner);
    jb->admitted = j->admit != NULL;
    if (j->store && (rc = jobs__doc_put_job(j->store, jb, err)))
        goto out;
    pthread_mutex_lock(&j->mu);
    jobs__list_append(&j->active, jb);
    dispatch(j);
    pthread_mutex_unlock(&j->mu);
    return KR_OK;
out:
    jobs_unreserve(j, owner);
    if (jb)
        jobs__job_free(jb);
    return rc;
}

/* ---- queries ---- */

/* The job, from memory (ref taken) or the store (fresh); *mem says which. */
static enum kr_code lookup(struct jobs *j, const char *id, struct job **out, int *mem,
                           struct kr_err *err)
{
    struct job *jb;

    if (!jobs_id_ok(id))
        return kr_fail(err, KRS_JOB_NOT_FOUND, "no such job");
    pthread_mutex_lock(&j->mu);
    jb = jobs__list_find(j->active, id);
    if (!jb)
        jb = jobs__list_find(j->finished, id);
    if (jb)
        jb->refs++;
    pthread_mutex_unlock(&j->mu);
    *mem = jb != NULL;
    if ((*out = jb))
        return KR_OK;
    if (!j->store)
        return kr_fail(err, KRS_JOB_NOT_FOUND, "no such job");
    enum kr_code rc = jobs__doc_load(j->store, id, out, err);
    if (rc == KR_ENOTFOUND)
        return kr_fail(err, KRS_JOB_NOT_FOUND, "no such job");
    return rc;
}

static void release(struct jobs *j, struct job *jb, int mem)
{
    if (!mem) {
        jobs__job_free(jb);
        return;
    }
    pthread_mutex_lock(&j->mu);
    unref(jb);
    pthread_mutex_unlock(&j->mu);
}

/* Run fn on the job with the lock held when the job lives in memory. */
static enum kr_code with_job(struct jobs *j, const char *id,
                             enum kr_code (*fn)(struct job *jb, void *out, struct kr_err *err),
                             void *out, struct kr_err *err)
{
    struct job *jb;
    int mem;
    enum kr_code rc = lookup(j, id, &jb, &mem, err);

    if (rc)
        return rc;
    if (mem)
        pthread_mutex_lock(&j->mu);
    rc = fn(jb, out, err);
    if (mem)
        pthread_mutex_unlock(&j->mu);
    release(j, jb, mem);
    return rc;
}

static enum kr_code view_of(struct job *jb, void *out_, struct kr_err *err)
{
    json_t **out = out_;
    *out = jobs__job_view(jb);
    return *out ? KR_OK : kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
}

static enum kr_code outcome_of(struct job *jb, void *out, struct kr_err *err)
{
    (void)err;
    jobs__job_outcome(jb, out);
    return KR_OK;
}

static enum kr_code result_of(struct job *jb, void *out_, struct kr_err *err)
{
    json_t **out = out_;
    if (jb->state == JOBS_DONE) {
        *out = json_incref(jb->result ? jb->result : json_null());
        return KR_OK;
    }
    if (jb->state == JOBS_FAILED)
        return kr_fail(err, KRS_JOB_FAILED, "%s",
                       json_string_value(json_object_get(jb->error, "message")));
    return kr_fail(err, KRS_JOB_NOT_FINISHED, "job %s has not finished", jb->id);
}

enum kr_code jobs_outcome(struct jobs *j, const char *id, struct jobs_outcome *out,
                          struct kr_err *err)
{
    return with_job(j, id, outcome_of, out, err);
}

enum kr_code jobs_status(struct jobs *j, const char *id, json_t **out, struct kr_err *err)
{
    return with_job(j, id, view_of, out, err);
}

struct store *jobs__store(struct jobs *j)
{
    return j->store;
}

enum kr_code jobs_result(struct jobs *j, const char *id, json_t **out, struct kr_err *err)
{
    return with_job(j, id, result_of, out, err);
}

static void deadline_after(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

enum kr_code jobs_wait(struct jobs *j, const char *id, long timeout_ms, struct kr_err *err)
{
    struct job *jb;
    int mem, timed_out = 0;
    struct timespec until;
    enum kr_code rc = lookup(j, id, &jb, &mem, err);

    if (rc)
        return rc;
    if (!mem) { /* from the store: it ended, or no instance has started it yet */
        if (jb->state < JOBS_DONE)
            rc = kr_fail(err, KRS_JOB_RUNNING, "job %s has not finished", id);
        jobs__job_free(jb);
        return rc;
    }
    if (timeout_ms >= 0)
        deadline_after(&until, timeout_ms);
    pthread_mutex_lock(&j->mu);
    while (jb->state < JOBS_DONE && !j->stopping && !timed_out)
        if (timeout_ms < 0)
            pthread_cond_wait(&j->cv, &j->mu);
        else
            timed_out = pthread_cond_timedwait(&j->cv, &j->mu, &until) == ETIMEDOUT;
    if (jb->state < JOBS_DONE)
        rc = j->stopping ? kr_fail(err, KRS_SHUTTING_DOWN, "the server is stopping")
                         : kr_fail(err, KRS_JOB_RUNNING, "job %s is still running", id);
    unref(jb);
    pthread_mutex_unlock(&j->mu);
    return rc;
}

void jobs_get_stats(struct jobs *j, struct jobs_stats *out)
{
    pthread_mutex_lock(&j->mu);
    *out = j->stats;
    out->active_jobs = out->running_items = 0;
    for (struct job *jb = j->active; jb; jb = jb->next) {
        out->active_jobs++;
        out->running_items += (long long)jb->n_running;
    }
    pthread_mutex_unlock(&j->mu);
}

static void free_list(struct job *head)
{
    while (head) {
        struct job *next = head->next;
        jobs__job_free(head);
        head = next;
    }
}

void jobs_stop(struct jobs *j)
{
    if (!j)
        return;
    pthread_mutex_lock(&j->mu);
    j->stopping = 1;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
}

void jobs_close(struct jobs *j)
{
    if (!j)
        return;
    jobs_stop(j);
    pool_group_wait(&j->group); /* tasks already on the pool give their claims back */
    free(j->slots);
    free_list(j->active);
    free_list(j->finished);
    pthread_cond_destroy(&j->cv);
    pthread_mutex_destroy(&j->mu);
    free(j);
}
