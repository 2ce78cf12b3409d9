/*
 * jobs_lease.c - jobs shared by several nodes on one database (server mode,
 * a store with job claims: store.h, "job claims"). Without jobs_set_lease()
 * none of this runs and a process owns its jobs as before (embedded mode).
 *
 * Every item, and the job's finish step, has a claim row. Before a node
 * runs an item it takes the claim (SELECT ... FOR UPDATE SKIP LOCKED in the
 * store); when it cannot (another node holds it, or it is done), the item
 * becomes JOBS__ITEM_AWAY in this node's memory and is left alone. The
 * result is committed with the claim's token (the fence): a node whose
 * lease ran out and was taken over commits nothing, so a finished item is
 * never run again and never recorded twice. A job with nothing left here
 * but away items leaves memory (jobs.c, "away"); a wait on it polls the
 * store (jobs_query.c).
 *
 * One heartbeat thread per instance (the one thread jobs/ owns, and only in
 * this mode) wakes every lease/3: it renews every lease this node holds,
 * then asks the store for jobs with work free to take (items never taken,
 * or whose holder stopped renewing: a node killed mid-job) and loads each
 * one it does not have (jobs__resume), so a dead node's items resume on
 * another node once their lease has run out. A renew that fails is logged;
 * the next beat tries again, and if the lease runs out meanwhile the fence
 * keeps the result from being committed twice.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"
#include "jobs/jobs.h"
#include "jobs/jobs_int.h"
#include "store/store.h"

struct jobs_lease {
    char node[STORE_CLAIM_OWNER_MAX]; /* this process: pid + random */
    long lease_ms;
    pthread_t thread;
    int running; /* the thread was started */
    int quit;    /* guarded by the jobs lock */
    pthread_cond_t cv;
};

enum kr_code jobs_set_lease(struct jobs *j, long lease_ms, struct kr_err *err)
{
    struct jobs_lease *l;
    pthread_condattr_t ca;
    char rnd[17];

    if (j->started)
        return kr_fail(err, KRS_JOBS_STARTED, "jobs already started");
    if (!store_has_claims(j->store) || j->lease)
        return KR_OK;
    if (lease_ms < 3)
        return kr_fail(err, KRS_BAD_OPTION, "a job lease needs at least 3 ms");
    if (!(l = calloc(1, sizeof *l)))
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    util_random_hex(rnd, 8);
    snprintf(l->node, sizeof l->node, "%ld-%s", (long)getpid(), rnd);
    l->lease_ms = lease_ms;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&l->cv, &ca);
    pthread_condattr_destroy(&ca);
    j->lease = l;
    return KR_OK;
}

const char *jobs__lease_node(const struct jobs *j)
{
    return j->lease ? j->lease->node : "";
}

enum kr_code jobs__lease_added(struct jobs *j, const struct job *jb, struct kr_err *err)
{
    return j->lease ? store_claim_add(j->store, jb->id, (int)jb->total, err) : KR_OK;
}

int jobs__lease_take(struct jobs *j, const struct job *jb, int index, struct store_claim *c)
{
    struct kr_err err = {0};
    enum kr_code rc;

    *c = (struct store_claim){jb->id, index, j->lease->node, j->lease->lease_ms, 0};
    rc = store_claim_take(j->store, c, &err);
    if (rc && rc != KR_ECONFLICT) /* the store failed: leave it; a later beat retries */
        log_warn("job %s item %d: cannot take its claim: %s", jb->id, index, err.msg);
    return rc == KR_OK;
}

/* ---- the heartbeat ---- */

static int adopt_one(const char *job_id, void *ctx)
{
    struct jobs *j = ctx;
    int stop;

    pthread_mutex_lock(&j->mu);
    stop = j->stopping || j->lease->quit;
    pthread_mutex_unlock(&j->mu);
    if (!stop && jobs_id_ok(job_id))
        jobs__resume(j, job_id);
    return stop;
}

static void beat_once(struct jobs *j)
{
    struct kr_err err = {0};

    if (store_claim_renew(j->store, j->lease->node, j->lease->lease_ms, &err))
        log_warn("jobs: cannot renew this node's leases: %s", err.msg);
    if (store_claim_jobs(j->store, adopt_one, j, &err))
        log_warn("jobs: cannot look for free job items: %s", err.msg);
}

static void *beat(void *arg)
{
    struct jobs *j = arg;
    struct jobs_lease *l = j->lease;
    long every = l->lease_ms / 3;
    struct timespec until;

    pthread_mutex_lock(&j->mu);
    while (!l->quit) {
        jobs__deadline_after(&until, every);
        while (!l->quit && pthread_cond_timedwait(&l->cv, &j->mu, &until) == 0)
            ;
        if (l->quit)
            break;
        pthread_mutex_unlock(&j->mu);
        beat_once(j);
        pthread_mutex_lock(&j->mu);
    }
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

enum kr_code jobs__lease_start(struct jobs *j, struct kr_err *err)
{
    if (!j->lease)
        return KR_OK;
    if (pthread_create(&j->lease->thread, NULL, beat, j))
        return kr_fail(err, KRS_THREAD_FAILED, "cannot start the job heartbeat");
    j->lease->running = 1;
    log_info("jobs: shared with other nodes as %s, lease %ld ms", j->lease->node,
             j->lease->lease_ms);
    return KR_OK;
}

void jobs__lease_close(struct jobs *j)
{
    struct jobs_lease *l = j->lease;

    if (!l)
        return;
    if (l->running) {
        pthread_mutex_lock(&j->mu);
        l->quit = 1;
        pthread_cond_signal(&l->cv);
        pthread_mutex_unlock(&j->mu);
        pthread_join(l->thread, NULL);
    }
    pthread_cond_destroy(&l->cv);
    free(l);
    j->lease = NULL;
}
