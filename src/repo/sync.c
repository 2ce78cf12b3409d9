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
 * Pruning (store.h, "pruning"): the thread reports the node's progress
 * (the last seq replayed) every few seconds, and every KARAT_PRUNE_INTERVAL
 * asks the store to prune changes every live node has replayed that are
 * older than KARAT_CHANGES_RETENTION, and finished jobs' claims. A node
 * that was not live then (stalled longer than KARAT_SYNC_NODE_TTL) finds
 * the changes it needs gone (changes_pruned): it reloads every row into
 * its index, drops the entries whose row is gone, and goes on from the
 * head it noted before the reload (like a start-up).
 *
 * A store one process owns (sqlite under the data folder's flock) shares
 * no changes: sync stays off and nothing here runs.
 */
#include "repo/repo_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    {
        char host[64] = "";
        gethostname(host, sizeof host - 1);
        snprintf(r->sync.node, sizeof r->sync.node, "%s:%ld:%lld", host, (long)getpid(),
                 (long long)util_epoch_ms());
    }
    r->sync.pruned_ms = util_now_ms();
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

struct stale_ctx {
    int64_t *ids;
    size_t n, cap;
    int oom;
};

static int note_id(int64_t id, void *ctx)
{
    struct stale_ctx *c = ctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 1024;
        int64_t *v = realloc(c->ids, cap * sizeof *v);
        if (!v) {
            c->oom = 1;
            return 1;
        }
        c->ids = v;
        c->cap = cap;
    }
    c->ids[c->n++] = id;
    return 0;
}

/* Index entries whose row is gone leave the index (one lookup each: this
 * only runs after a prune passed the node by). */
static enum kr_code drop_stale(struct repo *r, struct kr_err *err)
{
    struct stale_ctx c = {0};
    enum kr_code rc = KR_OK;

    idx_each(r->idx, note_id, &c);
    if (c.oom)
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "index sync: out of memory");
    for (size_t i = 0; !rc && i < c.n; i++) {
        struct store_image img;
        struct kr_err e = {0};
        rc = repo__found(store_image_get(r->store, c.ids[i], &img, &e), &e, err,
                         "index sync: reload");
        if (rc == KR_ENOTFOUND) {
            idx_remove(r->idx, c.ids[i], &e);
            rc = KR_OK;
        }
    }
    free(c.ids);
    return rc;
}

/* Changes this node needed were pruned: reload like a start-up (note the
 * head, add every row, drop entries without a row), then go on from it. */
static enum kr_code reload(struct repo *r, struct kr_err *err)
{
    int64_t head = 0;
    enum kr_code rc = store_change_head(r->store, &head, err);

    log_warn("index sync: changes this node had not replayed were pruned; reloading the index");
    if (!rc)
        rc = repo__load_index(r, err);
    if (!rc)
        rc = drop_stale(r, err);
    if (!rc) {
        atomic_store(&r->sync.seq, head);
        atomic_fetch_add(&r->sync.reloads, 1);
    }
    return rc;
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
        if (rc == KR_ECONFLICT && err && err->slug_id == KRS_CHANGES_PRUNED) {
            rc = reload(r, err);
            n = SYNC_PAGE; /* then what came after the head it noted */
            continue;
        }
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

/* After a good catch-up: report this node's progress every few seconds
 * (well inside KARAT_SYNC_NODE_TTL), and prune every KARAT_PRUNE_INTERVAL.
 * Failures are logged and retried next time: pruning is housekeeping. */
static void housekeeping(struct repo *r)
{
    const struct config *c = r->cfg;
    double now = util_now_ms(), every = c->sync_node_ttl_s * 250.0;
    struct kr_err e = {0};

    if (every > 5000)
        every = 5000;
    if (!r->sync.report_ms || now - r->sync.report_ms >= every) {
        if (store_sync_report(r->store, r->sync.node, atomic_load(&r->sync.seq), &e))
            log_warn("index sync: progress report: %s", e.msg);
        r->sync.report_ms = now;
    }
    if (c->prune_interval_s > 0 && now - r->sync.pruned_ms >= c->prune_interval_s * 1000.0) {
        struct store_prune p = {c->changes_retention_s * 1000LL, c->sync_node_ttl_s * 1000LL,
                                c->claims_retention_s * 1000LL};
        struct store_prune_res res;
        r->sync.pruned_ms = now;
        if (store_prune(r->store, &p, &res, &e))
            log_warn("prune: %s", e.msg);
        else if (res.changes || res.claims || res.nodes_forgotten)
            log_info("prune: %lld change(s), %lld job claim(s), %lld silent node(s)", res.changes,
                     res.claims, res.nodes_forgotten);
    }
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
        if (!rc)
            housekeeping(r);
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
    st->reloads = atomic_load(&r->sync.reloads);
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
