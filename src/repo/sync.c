/*
 * sync.c - keeping this node's in-memory index current with a store that
 * other nodes write too (server mode: KARAT_STORE=postgres).
 *
 * The store numbers every change to an image row with a seq that grows in
 * commit order (store.h, "multi-node sync"). At start-up the node notes
 * the head seq *before* it loads the index, so a change committed during
 * the load is replayed afterwards (replaying is idempotent: an add
 * replaces, a remove of an absent id is nothing). From then on the node
 * replays every change after the last one it replayed, in bounded pages:
 *   - a thread waits in store_change_wait() (woken by the store's
 *     notification when another node commits, or after
 *     KARAT_SYNC_INTERVAL_MS at the latest) and catches up; so a lost
 *     notification or a re-opened connection costs at most one period;
 *   - an ingest catches up under the store's duplicate lock before its
 *     final duplicate check (ingest.c), so it sees every row any node
 *     committed before it: two nodes cannot both store one photo.
 * A catch-up that fails leaves seq where it was and is retried; it is
 * counted in sync.failures (for /health).
 *
 * A store one process owns (sqlite under the data folder's flock) shares
 * no changes: sync stays off and nothing here runs.
 */
#include "repo/repo_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"

#define SYNC_PAGE 64 /* changes read per store call */

enum kr_code repo__sync_init(struct repo *r, struct kr_err *err)
{
    struct kr_err e = {0};
    int64_t head = 0;
    enum kr_code rc = store_change_head(r->store, &head, &e);

    if (rc == KR_EUNSUPPORTED)
        return KR_OK; /* embedded: one process writes the store */
    if (rc)
        return kr_fail(err, e.slug_id, "index sync: %s", e.msg);
    r->sync.page = calloc(SYNC_PAGE, sizeof *r->sync.page);
    if (!r->sync.page)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    pthread_mutex_init(&r->sync.mu, NULL);
    atomic_store(&r->sync.seq, head);
    r->sync.on = 1;
    return KR_OK;
}

/* Replay one change into the index. */
static enum kr_code apply(struct repo *r, const struct store_change *c, struct kr_err *err)
{
    struct kr_err e = {0};
    enum kr_code rc;

    if (!c->gone)
        return repo__idx_add(r, c->id, &c->img.sig, err);
    rc = idx_remove(r->idx, c->id, &e);
    if (rc && rc != KR_ENOTFOUND)
        return kr_fail(err, e.slug_id, "index sync: %s", e.msg);
    return KR_OK;
}

enum kr_code repo__sync_catch_up(struct repo *r, struct kr_err *err)
{
    enum kr_code rc = KR_OK;
    int n = SYNC_PAGE;

    if (!r->sync.on)
        return KR_OK;
    pthread_mutex_lock(&r->sync.mu);
    while (!rc && n == SYNC_PAGE) {
        rc = store_changes(r->store, atomic_load(&r->sync.seq), r->sync.page, SYNC_PAGE, &n, err);
        for (int i = 0; !rc && i < n; i++) {
            rc = apply(r, &r->sync.page[i], err);
            if (!rc)
                atomic_store(&r->sync.seq, r->sync.page[i].seq);
        }
    }
    if (!rc)
        atomic_store(&r->sync.last_ms, util_epoch_ms());
    else
        atomic_fetch_add(&r->sync.failures, 1);
    pthread_mutex_unlock(&r->sync.mu);
    return rc;
}

static void *sync_main(void *arg)
{
    struct repo *r = arg;
    int failing = 0; /* log the first failure of a streak, not every retry */

    while (!atomic_load(&r->sync.stop)) {
        struct kr_err e = {0};
        enum kr_code rc = store_change_wait(r->store, r->cfg->sync_interval_ms, &e);
        if (atomic_load(&r->sync.stop))
            break;
        if (!rc)
            rc = repo__sync_catch_up(r, &e);
        else
            atomic_fetch_add(&r->sync.failures, 1);
        if (rc && !failing)
            log_warn("index sync: %s (retrying every %d ms)", e.msg, r->cfg->sync_interval_ms);
        else if (!rc && failing)
            log_info("index sync: caught up again");
        failing = rc != KR_OK;
    }
    return NULL;
}

enum kr_code repo__sync_start(struct repo *r, struct kr_err *err)
{
    enum kr_code rc;

    if (!r->sync.on)
        return KR_OK;
    rc = repo__sync_catch_up(r, err); /* what was committed during the load */
    if (rc)
        return rc;
    if (pthread_create(&r->sync.thread, NULL, sync_main, r) != 0)
        return kr_fail(err, KRS_THREAD_FAILED, "index sync: cannot start its thread");
    r->sync.started = 1;
    return KR_OK;
}

void repo__sync_stop(struct repo *r)
{
    if (!r->sync.on)
        return;
    atomic_store(&r->sync.stop, 1);
    if (r->sync.started) /* it notices within one KARAT_SYNC_INTERVAL_MS */
        pthread_join(r->sync.thread, NULL);
    r->sync.started = 0;
    r->sync.on = 0;
    pthread_mutex_destroy(&r->sync.mu);
    free(r->sync.page);
    r->sync.page = NULL;
}

enum kr_code repo_sync_status(struct repo *r, struct repo_sync_status *st, struct kr_err *err)
{
    int64_t head = 0;
    long long last;
    enum kr_code rc;

    memset(st, 0, sizeof *st);
    if (!r->sync.on)
        return KR_OK;
    st->on = 1;
    st->seq = atomic_load(&r->sync.seq);
    st->failures = atomic_load(&r->sync.failures);
    last = atomic_load(&r->sync.last_ms);
    st->since_ms = last ? util_epoch_ms() - last : -1;
    if (st->since_ms < -1)
        st->since_ms = 0;
    rc = store_change_head(r->store, &head, err);
    if (rc)
        return rc;
    st->head = head;
    st->lag = head > st->seq ? head - st->seq : 0;
    return KR_OK;
}
