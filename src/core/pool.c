/*
 * pool.c - the bounded worker pool (see pool.h).
 *
 * One mutex guards the FIFO queue, every group's pending count and the
 * stopping flag. Workers sleep on `work` until a task is queued or the pool
 * stops; a finished task decrements its group's count and, when that
 * reaches zero, wakes the waiters on `done` (one condition for all groups:
 * each waiter re-checks its own count, and groups finish rarely enough that
 * a broadcast costs nothing). Stopping lets the workers drain the queue
 * first, so no submitted task is lost.
 */
#include "core/pool.h"

#include <pthread.h>
#include <stdlib.h>

struct pool {
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    struct pool_task *head, *tail;
    int stopping;
    int nthreads;
    void (*thread_exit)(void);
    pthread_t th[];
};

static void *worker(void *arg)
{
    struct pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        struct pool_task *t = p->head;
        if (!t) {
            if (p->stopping)
                break;
            pthread_cond_wait(&p->work, &p->mu);
            continue;
        }
        p->head = t->next;
        if (!p->head)
            p->tail = NULL;
        pthread_mutex_unlock(&p->mu);
        t->fn(t->arg);
        pthread_mutex_lock(&p->mu);
        /* t may be gone once the count hits zero: read the group first. */
        struct pool_group *g = t->group;
        if (--g->pending == 0)
            pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    if (p->thread_exit)
        p->thread_exit();
    return NULL;
}

/* Stop the first n workers and free p (creation failures and destroy). */
static void stop(struct pool *p, int n)
{
    pthread_mutex_lock(&p->mu);
    p->stopping = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < n; i++)
        pthread_join(p->th[i], NULL);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

enum kr_code pool_create(int threads, void (*thread_exit)(void), struct pool **out,
                         struct kr_err *err)
{
    struct pool *p;

    *out = NULL;
    if (threads < 1 || threads > POOL_MAX_THREADS)
        return kr_fail(err, KRS_BAD_OPTION, "a pool needs 1..%d threads, not %d", POOL_MAX_THREADS,
                       threads);
    p = calloc(1, sizeof *p + (size_t)threads * sizeof p->th[0]);
    if (!p)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory for a pool");
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    p->thread_exit = thread_exit;
    for (int i = 0; i < threads; i++) {
        int e = pthread_create(&p->th[i], NULL, worker, p);
        if (e) {
            stop(p, i);
            return kr_fail(err, KRS_THREAD_FAILED, "cannot start pool thread %d of %d (error %d)",
                           i + 1, threads, e);
        }
    }
    p->nthreads = threads;
    *out = p;
    return KR_OK;
}

void pool_destroy(struct pool *p)
{
    if (p)
        stop(p, p->nthreads);
}

int pool_threads(const struct pool *p)
{
    return p ? p->nthreads : 0;
}

void pool_group_init(struct pool_group *g, struct pool *p)
{
    g->pool = p;
    g->pending = 0;
}

void pool_submit(struct pool_group *g, struct pool_task *t, void (*fn)(void *), void *arg)
{
    struct pool *p = g->pool;
    *t = (struct pool_task){fn, arg, g, NULL};
    pthread_mutex_lock(&p->mu);
    g->pending++;
    if (p->tail)
        p->tail->next = t;
    else
        p->head = t;
    p->tail = t;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
}

void pool_group_wait(struct pool_group *g)
{
    struct pool *p = g->pool;
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    while (g->pending > 0)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}
