/*
 * jobs_query.c - the read side of the jobs module (see jobs.h): status,
 * outcome, result and wait.
 *
 * A job is looked up in this process's memory first (a reference is taken
 * and the jobs lock held while it is read), then in the store. With job
 * claims (several nodes on PostgreSQL, jobs_lease.c) status, outcome and
 * result always read the store, which is the one current view, and a wait
 * for a job that another node carries on polls the store every
 * JOBS__POLL_MS until the job ends or the time is up.
 */
#include "jobs/jobs.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobs/jobs_int.h"
#include "store/store.h"

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

/* The items this node is running on a job read from the store (which
 * records only finished items) show as running. */
static void overlay_running(struct jobs *j, struct job *fresh)
{
    struct job *mem;

    pthread_mutex_lock(&j->mu);
    mem = jobs__list_find(j->active, fresh->id);
    for (size_t i = 0; mem && i < mem->total && i < fresh->total; i++)
        if (mem->st[i] == JOBS_ITEM_RUNNING && fresh->st[i] == JOBS_ITEM_PENDING) {
            fresh->st[i] = JOBS_ITEM_RUNNING;
            fresh->n_running++;
        }
    pthread_mutex_unlock(&j->mu);
}

static void release(struct jobs *j, struct job *jb, int mem)
{
    if (!mem) {
        jobs__job_free(jb);
        return;
    }
    pthread_mutex_lock(&j->mu);
    jobs__unref(jb);
    pthread_mutex_unlock(&j->mu);
}

/* Run fn on the job with the lock held when the job lives in memory. */
static enum kr_code with_job(struct jobs *j, const char *id,
                             enum kr_code (*fn)(struct job *jb, void *out, struct kr_err *err),
                             void *out, struct kr_err *err)
{
    struct job *jb;
    int mem = 0;
    enum kr_code rc;

    /* Several nodes: the store is the one current view (another node may
     * have finished items this node holds in memory). */
    if (j->lease && jobs_id_ok(id)) {
        rc = jobs__doc_load(j->store, id, &jb, err);
        if (rc == KR_ENOTFOUND)
            rc = kr_fail(err, KRS_JOB_NOT_FOUND, "no such job");
        if (!rc)
            overlay_running(j, jb);
    } else {
        rc = lookup(j, id, &jb, &mem, err);
    }
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

enum kr_code jobs_result(struct jobs *j, const char *id, json_t **out, struct kr_err *err)
{
    return with_job(j, id, result_of, out, err);
}

void jobs__deadline_after(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Several nodes: poll the store until the job ends or the deadline. */
static enum kr_code wait_store(struct jobs *j, const char *id, long timeout_ms,
                               struct kr_err *err)
{
    struct timespec until, now;
    enum kr_code rc;

    jobs__deadline_after(&until, timeout_ms < 0 ? 365L * 86400 * 1000 : timeout_ms);
    for (;;) {
        struct job *jb = NULL;
        if ((rc = jobs__doc_load(j->store, id, &jb, err)))
            return rc;
        rc = jb->state >= JOBS_DONE ? KR_OK : KR_ETIMEOUT;
        jobs__job_free(jb);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (rc == KR_OK)
            return KR_OK;
        pthread_mutex_lock(&j->mu);
        int stopping = j->stopping;
        pthread_mutex_unlock(&j->mu);
        if (stopping)
            return kr_fail(err, KRS_SHUTTING_DOWN, "the server is stopping");
        if (now.tv_sec > until.tv_sec ||
            (now.tv_sec == until.tv_sec && now.tv_nsec >= until.tv_nsec))
            return kr_fail(err, KRS_JOB_RUNNING, "job %s is still running", id);
        nanosleep(&(struct timespec){0, JOBS__POLL_MS * 1000000L}, NULL);
    }
}

enum kr_code jobs_wait(struct jobs *j, const char *id, long timeout_ms, struct kr_err *err)
{
    struct job *jb;
    int mem, timed_out = 0, away;
    struct timespec until;
    enum kr_code rc = lookup(j, id, &jb, &mem, err);

    if (rc)
        return rc;
    if (!mem) { /* from the store: it ended, or no instance here has started it yet */
        if (jb->state < JOBS_DONE && j->lease) {
            jobs__job_free(jb);
            return wait_store(j, id, timeout_ms, err);
        }
        if (jb->state < JOBS_DONE)
            rc = kr_fail(err, KRS_JOB_RUNNING, "job %s has not finished", id);
        jobs__job_free(jb);
        return rc;
    }
    if (timeout_ms >= 0)
        jobs__deadline_after(&until, timeout_ms);
    pthread_mutex_lock(&j->mu);
    while (!jb->ended && !jb->away && !j->stopping && !timed_out)
        if (timeout_ms < 0)
            pthread_cond_wait(&j->cv, &j->mu);
        else
            timed_out = pthread_cond_timedwait(&j->cv, &j->mu, &until) == ETIMEDOUT;
    away = jb->away && !jb->ended && !j->stopping && !timed_out;
    if (!jb->ended && !away)
        rc = j->stopping ? kr_fail(err, KRS_SHUTTING_DOWN, "the server is stopping")
                         : kr_fail(err, KRS_JOB_RUNNING, "job %s is still running", id);
    jobs__unref(jb);
    pthread_mutex_unlock(&j->mu);
    /* another node carries on with it (the remaining time is approximate) */
    return away ? wait_store(j, id, timeout_ms, err) : rc;
}
