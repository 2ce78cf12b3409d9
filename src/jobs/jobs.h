/*
 * jobs.h - background jobs: a list of items worked through on the process's
 * worker pool (core/pool.h), persisted in the store so that a restarted
 * server resumes where it stopped.
 *
 * A job has a kind (registered once: "catalog", "variations" ...), JSON
 * parameters and a JSON array of items. jobs/ owns no threads (but one
 * heartbeat with jobs_set_lease, below): it keeps the
 * queue and submits one item at a time to the pool, round-robin across the
 * active jobs, so a small synchronous request is not stuck behind a
 * 1,000-item batch, and no more than `max_running` items are on the pool at
 * once in the whole process (that is the concurrency bound the AI providers
 * see). The pool is shared with other work (the studio's images), so an
 * item may also wait there for a free thread. A failing item carries its
 * error and never stops the others. When
 * every item has finished, the kind's finish() turns the item results into
 * the job result (for the catalog: the spreadsheet files).
 *
 * Persistence (when a store is given), in the store's document table:
 *   ns "jobs",            key ID        -> the job: kind, params, items, state,
 *                                          result, error, times
 *   ns "job_items:ID",    key "000042"  -> one finished item: status, result, error
 * The job is written before jobs_submit() returns, and each item as soon as
 * it finishes, so after a crash jobs_start() reloads unfinished jobs and runs
 * only the items that have no document yet (finished items, failed ones
 * included, are never redone). Without a store, jobs live in memory only
 * (the CLI) and the last few finished ones are kept for jobs_status().
 *
 * Several nodes (jobs_set_lease, a store with job claims: PostgreSQL): any
 * number of processes share the job table. A node takes an item's claim
 * (a lease, renewed by a heartbeat thread every third of it) before running
 * it and commits the result only while the claim is still its own, so an
 * item runs on one node at a time and a finished item never runs again;
 * the items of a node that stops renewing (killed) are taken over by
 * another node once their lease has run out. Status, outcome and result
 * then read the store (any node answers for any job). See jobs_lease.c.
 *
 * Thread safety: every function may be called from any thread, except that
 * jobs_register() must precede jobs_start() and jobs_close() must come last
 * (no caller may still be inside jobs_wait()).
 * Ownership: JSON passed in is borrowed (the job takes its own references);
 * JSON returned through json_t ** is a new reference owned by the caller.
 */
#ifndef KARAT_JOBS_JOBS_H
#define KARAT_JOBS_JOBS_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"

struct admit;
struct pool;
struct store;
struct jobs;

#define JOBS_ID_LEN    33     /* 32 hex digits + NUL */
#define JOBS_MAX_ITEMS   100000 /* hard cap per job; callers apply the configured batch limit */
#define JOBS_MAX_RUNNING 1024   /* most items on the pool at once (jobs_open) */

/* States as types: callers decide on these, the JSON words ("queued",
 * "done" ...) are only for the client view and the stored documents. */
enum jobs_state { JOBS_QUEUED = 0, JOBS_RUNNING, JOBS_DONE, JOBS_FAILED };
enum jobs_item_status { JOBS_ITEM_PENDING = 0, JOBS_ITEM_RUNNING, JOBS_ITEM_DONE, JOBS_ITEM_FAILED };

/* One finished item as finish() sees it (all borrowed, valid during the call). */
struct jobs_item {
    enum jobs_item_status status; /* JOBS_ITEM_DONE or JOBS_ITEM_FAILED */
    json_t *result;               /* a done item's result; NULL when it has none */
    enum kr_code code;            /* a failed item's error code; KR_OK otherwise */
    json_t *error;                /* a failed item's error as clients see it,
                                     {"code", "kind", "message"}; NULL otherwise */
};

/* One item of a job to work on: the job's params and its item `index`. */
struct jobs_work_item {
    const char *job_id;
    json_t *params;
    size_t index;
    json_t *item;
};

/* A job whose items have all finished. inputs: the submitted items;
 * items[i] (n of them, one per input): how item i ended. */
struct jobs_finished {
    const char *job_id;
    json_t *params;
    json_t *inputs;
    const struct jobs_item *items;
    size_t n;
};

struct jobs_kind {
    const char *name; /* stable: it is persisted with every job */
    void *ctx;        /* handed back to both callbacks */
    /* Work on one item. On success *result (may stay NULL) is a new
     * reference kept as the item's result. On failure only this item is
     * marked failed, with err as its error; it is not retried. */
    enum kr_code (*run_item)(void *ctx, const struct jobs_work_item *w, json_t **result,
                             struct kr_err *err);
    /* Called once every item has finished. *result (new reference) becomes
     * the job's result; a failure marks the job failed. May run again after
     * a restart if the process died inside it. NULL: the job result is null. */
    enum kr_code (*finish)(void *ctx, const struct jobs_finished *f, json_t **result,
                           struct kr_err *err);
};

/* store may be NULL (memory only). pool (borrowed; it must outlive the
 * instance) runs the items, at most max_running (1..JOBS_MAX_RUNNING) at
 * once. A run_item() or finish() must not wait for a group of that pool. */
enum kr_code jobs_open(struct store *store, struct pool *pool, int max_running, struct jobs **out,
                       struct kr_err *err);
/* The kind (and what it points to) must outlive the jobs instance. */
enum kr_code jobs_register(struct jobs *j, const struct jobs_kind *kind, struct kr_err *err);
/* Share jobs with other nodes on the same store (before jobs_start): only
 * when the store has job claims (store_has_claims; KR_OK and no change
 * otherwise, so embedded mode stays as it is). lease_ms: how long a node
 * holds an item without renewing; it renews every lease_ms / 3. */
enum kr_code jobs_set_lease(struct jobs *j, long lease_ms, struct kr_err *err);
/* Reload unfinished jobs from the store and start submitting items. A reloaded job
 * whose kind is not registered is marked failed ("unknown_kind"). */
enum kr_code jobs_start(struct jobs *j, struct kr_err *err);

/* Bound the jobs that are queued or running at once, overall and per owner
 * (core/admit.h): a job holds one slot from jobs_reserve() until it ends, and
 * a resumed job takes its owner's slot again. Borrowed; it must outlive j.
 * Call before jobs_start(). Without it any number of jobs is accepted. */
void jobs_set_admission(struct jobs *j, struct admit *a);

/* Take owner's slot for a job about to be submitted, so that a caller refuses
 * before it does any work or side effect: KR_ERATELIMIT ("busy",
 * "client_busy") when there is none (KR_OK without an admission). The slot
 * goes to the job jobs_submit() creates, or back with jobs_unreserve() when
 * the caller gives up first. */
enum kr_code jobs_reserve(struct jobs *j, const char *owner, struct kr_err *err);
void jobs_unreserve(struct jobs *j, const char *owner);

/* A job to queue: owner is the client it counts against (NULL = anonymous),
 * kind the name of one jobs_register() added, items a non-empty array. */
struct jobs_submit_req {
    const char *owner;
    const char *kind;
    json_t *params;
    json_t *items;
};

/* Queue a job. The owner must hold a reservation when an admission is set;
 * the job keeps it until it ends, and a failed submit gives it back.
 * id receives the new job's id. */
enum kr_code jobs_submit(struct jobs *j, const struct jobs_submit_req *req, char id[JOBS_ID_LEN],
                         struct kr_err *err);

/* The client view of a job:
 *   {"job_id", "kind", "status": "queued"|"running"|"done"|"failed",
 *    "total", "done" (finished items), "succeeded", "failed", "running",
 *    "items": [{"index", "status": "pending"|"running"|"done"|"failed",
 *               "item": <input>, "error": {"code", "message"}?}],
 *    "result"?, "error"?, "created_at", "updated_at", "finished_at"?}
 * KR_ENOTFOUND for an unknown id. */
enum kr_code jobs_status(struct jobs *j, const char *id, json_t **out, struct kr_err *err);
/* How a job stands, in types, for callers that act on it (the client view
 * is jobs_status). KR_ENOTFOUND for an unknown id. */
struct jobs_outcome {
    enum jobs_state state;
    enum kr_code code;       /* a failed job: its error's code (KR_EUPSTREAM if it has none) */
    enum kr_code items_code; /* the code every failed item shares; KR_OK when no item
                                failed or their codes differ */
};
enum kr_code jobs_outcome(struct jobs *j, const char *id, struct jobs_outcome *out,
                          struct kr_err *err);
/* The job's result once it is done (new reference; KR_ECONFLICT while it runs,
 * the job's own error when it failed). */
enum kr_code jobs_result(struct jobs *j, const char *id, json_t **out, struct kr_err *err);

/* Block until the job is done or failed. timeout_ms < 0 waits for ever;
 * KR_ETIMEOUT if it is still running when the time is up, KR_ENOTFOUND if
 * there is no such job, KR_EIO if the instance is shutting down. */
enum kr_code jobs_wait(struct jobs *j, const char *id, long timeout_ms, struct kr_err *err);

/* The `limit` (1..JOBS_RECENT_MAX) most recently created jobs of owner, newest
 * first, as *out = [{"job_id", "kind", "status", "total", "created_ms",
 * "finished_ms"}] (new reference), read from the store's job documents.
 * A document that does not parse stops it (bad_job_doc); a memory-only
 * instance has no listing (KR_EINTERNAL: a wiring bug). */
#define JOBS_RECENT_MAX 50
enum kr_code jobs_recent(struct jobs *j, const char *owner, size_t limit, json_t **out,
                         struct kr_err *err);

/* Valid job id syntax (32 lower-case hex digits). */
int jobs_id_ok(const char *id);

/* Counters for /metrics. */
struct jobs_stats {
    long long active_jobs;                                      /* queued or running */
    long long running_items; /* items handed to the pool: running, or waiting for a thread */
    long long items_done, items_failed, jobs_done, jobs_failed; /* since start */
};
void jobs_get_stats(struct jobs *j, struct jobs_stats *out);

/* Begin shutting down: no new item starts, and every jobs_wait() returns
 * KR_EIO "shutting_down" at once (so a server can stop its HTTP side without
 * waiting for long jobs). Items already running finish; those still queued
 * on the pool stay pending. */
void jobs_stop(struct jobs *j);

/* Stop, wait for the items running on the pool (unfinished items stay
 * persisted and resume on the next start) and free everything. Before the
 * pool is destroyed. NULL is fine. */
void jobs_close(struct jobs *j);

#endif
