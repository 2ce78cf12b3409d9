/*
 * jobs_int.h - the in-memory job shared by the two halves of the jobs module:
 * jobs.c (queue, pool tasks, public calls) and job_doc.c (the job and item
 * documents in the store, and the client view). Not a public header.
 *
 * Locking: every field below that changes after creation is guarded by the
 * owning `struct jobs` mutex; params and items never change once created and
 * are read without the lock.
 */
#ifndef KARAT_JOBS_JOBS_INT_H
#define KARAT_JOBS_JOBS_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include <pthread.h>

#include "core/admit.h"
#include "core/pool.h"
#include "core/err.h"
#include "jobs/jobs.h"

struct job {
    char id[JOBS_ID_LEN];
    char kind_name[64];
    const struct jobs_kind *kind; /* NULL when the kind is not registered */
    json_t *params;               /* object (possibly empty) */
    json_t *items;                /* array of inputs */
    size_t total;
    unsigned char *st;    /* enum jobs_item_status per item */
    unsigned char *codes; /* a failed item's enum kr_code (KR_OK: none recorded) */
    json_t *docs;         /* array: null or {"status","result","error"} per item */
    size_t cursor;     /* no pending item before this index */
    size_t n_ok, n_failed, n_running;
    enum jobs_state state;
    int finishing;          /* finish() is running */
    json_t *result, *error; /* set when the job ends */
    enum kr_code err_code;  /* a failed job's error code */
    int64_t created_ms, updated_ms, finished_ms;
    int refs;
    char owner[ADMIT_CLIENT_LEN]; /* who submitted it (admission share); "" = nobody */
    int admitted;                 /* holds a slot of the jobs' admission */
    int away;  /* left memory unfinished: another node holds its remaining work */
    int ended; /* ended and its end persisted: what jobs_wait waits for */
    struct job *next;             /* active list */
};

#define JOBS__MAX_KINDS     16
#define JOBS__POLL_MS 250 /* a wait for a job another node runs polls the store */
#define JOBS__KEEP_FINISHED 64 /* memory-only mode: finished jobs kept for jobs_status */

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

struct jobs_lease;

struct jobs {
    struct store *store;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct pool_group group; /* every task this instance submitted */
    struct slot *slots;      /* max_running of them */
    int max_running, started, stopping;
    const struct jobs_kind *kinds[JOBS__MAX_KINDS];
    int nkinds;
    struct job *active;   /* queued/running/finishing */
    struct job *finished; /* memory-only mode, oldest first */
    int nfinished;
    struct jobs_stats stats;
    struct admit *admit; /* NULL: no bound on active jobs */
    struct jobs_lease *lease; /* NULL: this process owns its jobs (no claims) */
};

struct timespec;
/* *ts = now + ms on CLOCK_MONOTONIC (the jobs' condition variables' clock). */
void jobs__deadline_after(struct timespec *ts, long ms);

/* Drop a reference (the owning jobs' lock held); frees at zero. */
void jobs__unref(struct job *jb);

/* A new job holding references to params/items; NULL on allocation failure. */
struct job *jobs__job_new(const char *id, const char *kind_name, json_t *params, json_t *items);
void jobs__job_free(struct job *jb);

/* The active and finished lists, linked through `next` (caller's lock held). */
void jobs__list_append(struct job **head, struct job *jb);
int jobs__list_remove(struct job **head, struct job *jb); /* 1 if it was there */
struct job *jobs__list_find(struct job *head, const char *id);

const char *jobs__state_name(enum jobs_state s);
/* {"code", "kind", "message"} for an error. */
json_t *jobs__err_json(const struct kr_err *err);
/* The code of such an error document ("kind", read back once where a stored
 * document is loaded): KR_EUPSTREAM when it has none or an unknown one. */
enum kr_code jobs__err_code(json_t *error);

/* {"status": "done"|"failed", "result", "error"} for a finished item; steals
 * result and error; NULL on allocation failure. */
json_t *jobs__item_doc(int ok, json_t *result, json_t *error);
/* Record a finished item in memory: its document (stolen) and how it ended
 * (KR_OK: done; otherwise failed with that code). */
void jobs__job_set_item(struct job *jb, size_t index, json_t *doc, enum kr_code code);

/* Call the kind's finish() with the items as types (every item has
 * finished, so nothing read here changes any more: no lock needed). */
enum kr_code jobs__job_finish(struct job *jb, json_t **result, struct kr_err *err);
/* How the job stands (jobs_outcome). */
void jobs__job_outcome(const struct job *jb, struct jobs_outcome *out);


/* Store documents. */
enum kr_code jobs__doc_put_job(struct store *s, const struct job *jb, struct kr_err *err);
enum kr_code jobs__doc_put_item(struct store *s, const char *id, size_t index, json_t *doc,
                               struct kr_err *err);
/* Load a job and its finished items; KR_ENOTFOUND if absent. */
enum kr_code jobs__doc_load(struct store *s, const char *id, struct job **out, struct kr_err *err);
/* Call cb for every persisted job that has not ended (ids collected first, so
 * cb may use the store). */
enum kr_code jobs__doc_each_unfinished(struct store *s, void (*cb)(const char *id, void *ctx),
                                      void *ctx, struct kr_err *err);

/* ---- several nodes (jobs_lease.c); nothing of it runs without a lease ---- */

struct store_claim;
/* In st[]: done or held by another node; this node leaves it alone. */
#define JOBS__ITEM_AWAY 4

/* The claim rows of a job just persisted (KR_OK without a lease). */
enum kr_code jobs__lease_added(struct jobs *j, const struct job *jb, struct kr_err *err);
/* Take the claim of item `index` (or STORE_CLAIM_FINISH) into *c: 1 if this
 * node now holds it, 0 if not (done, held elsewhere, or the store failed). */
int jobs__lease_take(struct jobs *j, const struct job *jb, int index, struct store_claim *c);
const char *jobs__lease_node(const struct jobs *j);
/* Start the heartbeat thread (jobs_start); stop and free (jobs_close). */
enum kr_code jobs__lease_start(struct jobs *j, struct kr_err *err);
void jobs__lease_close(struct jobs *j);
/* Load job id from the store into memory and run it, unless it is there
 * already, has ended, or the instance is stopping (jobs.c). */
void jobs__resume(struct jobs *j, const char *id);

/* Write a finished item's document (borrowed) or the job's final document
 * only while c (taken by jobs__lease_take) still holds: KR_ECONFLICT
 * (claim_lost), nothing written, when another node took it over. */
enum kr_code jobs__doc_commit_item(struct store *s, const struct store_claim *c, json_t *doc,
                                   struct kr_err *err);
enum kr_code jobs__doc_commit_job(struct store *s, const struct store_claim *c,
                                  const struct job *jb, struct kr_err *err);

/* The client view described in jobs.h (new reference; NULL on allocation failure). */
json_t *jobs__job_view(const struct job *jb);

#endif
