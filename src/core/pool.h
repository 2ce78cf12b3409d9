/*
 * pool.h - one bounded pool of worker threads per process.
 *
 * Work that fans out per request (the studio renders each image type of a
 * /generate-images request in parallel) runs here instead of on threads
 * started per request: with 512 connections, per-request threads would be
 * unbounded. The pool's N threads are created once (pool_create) by whoever
 * assembles the process and handed down as an explicit option; at most N
 * tasks run at once across all callers, the rest wait in one FIFO queue.
 *
 * A caller groups the tasks it submits (struct pool_group) and waits for
 * exactly those (pool_group_wait). Task records are the caller's memory
 * (struct pool_task, usually inside the caller's per-item struct), so
 * submitting never allocates and cannot fail for lack of memory.
 *
 * Rules: a task must not wait for a group of the same pool (with every
 * worker waiting, nothing would run the tasks they wait for). pool_destroy()
 * runs what is queued, then joins the threads; nobody may submit or wait
 * during or after it.
 *
 * Thread safety: pool_submit and pool_group_wait may be called from any
 * thread; a group belongs to the thread that waits for it.
 */
#ifndef KARAT_CORE_POOL_H
#define KARAT_CORE_POOL_H

#include "core/err.h"

struct pool;
struct pool_group;

/* One unit of work; fill-in is pool_submit's. */
struct pool_task {
    void (*fn)(void *arg);
    void *arg;
    struct pool_group *group;
    struct pool_task *next;
};

/* Tasks a caller waits for together. */
struct pool_group {
    struct pool *pool;
    int pending; /* submitted and not finished (under the pool's lock) */
};

#define POOL_MAX_THREADS 256

/* Start `threads` workers (1..POOL_MAX_THREADS, else KR_EINVAL).
 * thread_exit (may be NULL) runs on each worker just before it ends (e.g.
 * image_thread_cleanup, for libraries with per-thread buffers). */
enum kr_code pool_create(int threads, void (*thread_exit)(void), struct pool **out,
                         struct kr_err *err);
/* Run what is queued, stop and join the workers, free the pool. NULL is fine. */
void pool_destroy(struct pool *p);
int pool_threads(const struct pool *p);

void pool_group_init(struct pool_group *g, struct pool *p);
/* Queue fn(arg) in group g, using *t as its record (t must stay valid
 * until pool_group_wait returns). */
void pool_submit(struct pool_group *g, struct pool_task *t, void (*fn)(void *), void *arg);
/* Block until every task submitted to g has finished. */
void pool_group_wait(struct pool_group *g);

#endif
