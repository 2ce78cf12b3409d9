/*
 * postgres_sync.c - what lets several nodes share one PostgreSQL store and
 * keep their in-memory indexes current (schema v2, postgres_migrate.c).
 *
 * Changes: a trigger on images appends (seq, id, gone) to image_changes
 * for every insert, update and delete, after taking a transaction-scoped
 * advisory lock (PG_CHANGES_LOCK). Writers of image rows therefore commit
 * one after the other and seqs become visible in order: a node that has
 * replayed every change up to N and then reads those after N misses
 * nothing, whatever notifications it missed. changes() reads one bounded
 * page (keyset on seq) joined with the current row of each id not gone,
 * in one statement; a row deleted since then is reported gone (its delete
 * follows anyway).
 *
 * Wake-ups: change_wait() holds its own connection (not from the pool)
 * that LISTENs on PG_CHANGES_CHANNEL; the trigger's pg_notify() reaches it
 * when the writer commits. It only shortens the wait: the caller catches
 * up after every wait, timed out or not. A broken connection is closed and
 * opened again on the next call (after which the caller's catch-up covers
 * what was missed meanwhile).
 *
 * The duplicate lock: dedup_lock() checks a pool connection out, takes
 * the session-level advisory lock PG_DEDUP_LOCK on it and returns the
 * connection as the token; dedup_unlock() releases both. A node that dies
 * holding it loses its session, and with it the lock.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres.h"
#include "store/store_int.h"

const char *const store_pg__sync_sql[PG_NSTMT] = {
    [PG_SYNC_HEAD] = "SELECT coalesce(max(seq), 0)::bigint FROM image_changes",
    /* the image columns first (NULL when gone), so the row decodes as a
     * plain image row; then the change's own. A mark row (seq -1, id P)
     * comes first when changes up to P > $1 were pruned (postgres_prune.c). */
    [PG_SYNC_PAGE] = "SELECT i.*, c.seq, c.id, c.gone FROM"
                     " (SELECT seq, id, gone FROM image_changes WHERE seq > $1"
                     "  UNION ALL SELECT -1, seq, false FROM sync_pruned WHERE seq > $1) c"
                     " LEFT JOIN (SELECT " STORE__IMAGE_COLS " FROM images) i"
                     " ON i.id = c.id AND c.seq > 0 AND NOT c.gone"
                     " ORDER BY c.seq LIMIT $2",
};

/* Columns of a PG_SYNC_PAGE row after the image's. */
enum { SYNC_C_SEQ = STORE__C_SCENE + 1, SYNC_C_ID, SYNC_C_GONE };

enum kr_code store_pg__change_head(struct store *s, int64_t *seq, struct kr_err *err)
{
    PGresult *r = NULL;
    enum kr_code rc = store_pg__exec(s, PG_SYNC_HEAD, NULL, &r, err);

    if (!rc)
        rc = PQntuples(r) == 1 ? store_pg__get_i64(r, 0, 0, seq, err)
                               : kr_fail(err, KRS_STORE_IO, "store: change head: no row");
    PQclear(r);
    return rc;
}

/* One change of a page: its seq and id, and the row unless it is gone.
 * The row comes with the change (one round trip a page, not one a
 * change); a row deleted since reads as gone: its own change follows. */
static enum kr_code fill_change(const PGresult *r, int row, struct store_change *c,
                                struct kr_err *err)
{
    enum kr_code rc = store_pg__get_i64(r, row, SYNC_C_SEQ, &c->seq, err);

    if (!rc)
        rc = store_pg__get_i64(r, row, SYNC_C_ID, &c->id, err);
    if (rc)
        return rc;
    if (PQgetisnull(r, row, SYNC_C_GONE) || PQgetlength(r, row, SYNC_C_GONE) != 1)
        return kr_fail(err, KRS_STORE_CORRUPT, "store: image_changes.gone is malformed");
    c->gone = *PQgetvalue(r, row, SYNC_C_GONE) != 0 || PQgetisnull(r, row, STORE__C_ID);
    if (c->gone)
        return KR_OK;
    return store_pg__decode_row(r, row, &c->img, err);
}

/* KR_ECONFLICT (changes_pruned) when the page starts with the mark row
 * (-1, P): changes after `after` up to P may be gone (postgres_prune.c). */
static enum kr_code pruned_past(const PGresult *r, int64_t after, struct kr_err *err)
{
    int64_t seq = 0, upto = 0;
    enum kr_code rc = store_pg__get_i64(r, 0, SYNC_C_SEQ, &seq, err);

    if (rc || seq != -1)
        return rc;
    rc = store_pg__get_i64(r, 0, SYNC_C_ID, &upto, err);
    return rc ? rc
              : kr_fail(err, KRS_CHANGES_PRUNED,
                        "store: changes after %lld were pruned (up to %lld): reload the index",
                        (long long)after, (long long)upto);
}

enum kr_code store_pg__changes_since(struct store *s, int64_t after, struct store_change *out,
                                     int max, int *n, struct kr_err *err)
{
    struct pg_params p = {0};
    PGresult *r = NULL;
    enum kr_code rc;

    store_pg__int(&p, after);
    store_pg__int(&p, max);
    rc = store_pg__exec(s, PG_SYNC_PAGE, &p, &r, err);
    if (!rc && PQntuples(r) > 0)
        rc = pruned_past(r, after, err);
    for (int i = 0; !rc && i < PQntuples(r) && i < max; i++) {
        memset(&out[i], 0, sizeof out[i]);
        rc = fill_change(r, i, &out[i], err);
        if (!rc)
            *n = i + 1;
    }
    if (rc)
        *n = 0;
    PQclear(r);
    return rc;
}

/* ---- wake-ups -------------------------------------------------------------- */

void store_pg__sync_close(struct pg_store *q)
{
    if (q->listen_db) {
        PQfinish(q->listen_db);
        q->listen_db = NULL;
    }
}

static enum kr_code listen_open(struct pg_store *q, struct kr_err *err)
{
    PGresult *r;
    enum kr_code rc = KR_OK;

    q->listen_db = PQconnectdb(q->conninfo);
    if (!q->listen_db)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "store: out of memory");
    if (PQstatus(q->listen_db) != CONNECTION_OK) {
        rc = store_pg__fail(q->listen_db, NULL, "connect to listen", err);
    } else {
        atomic_fetch_add(&q->round_trips, 1);
        r = PQexec(q->listen_db, "LISTEN " PG_CHANGES_CHANNEL);
        if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
            rc = store_pg__fail(q->listen_db, r, "listen", err);
        PQclear(r);
    }
    if (rc)
        store_pg__sync_close(q);
    return rc;
}

/* 1 if a notification was waiting (all of them consumed). */
static int drain(PGconn *db)
{
    PGnotify *nf;
    int got = 0;

    while ((nf = PQnotifies(db)) != NULL) {
        got = 1;
        PQfreemem(nf);
    }
    return got;
}

enum kr_code store_pg__change_wait(struct store *s, int timeout_ms, struct kr_err *err)
{
    struct pg_store *q = store_pg__of(s);
    struct pollfd pfd;
    enum kr_code rc;

    if (!q->listen_db) {
        rc = listen_open(q, err);
        if (rc)
            poll(NULL, 0, timeout_ms); /* the caller's loop must not spin */
        return rc;                     /* a fresh LISTEN: the caller catches up now */
    }
    if (drain(q->listen_db))
        return KR_OK;
    pfd.fd = PQsocket(q->listen_db);
    pfd.events = POLLIN;
    pfd.revents = 0;
    if (pfd.fd < 0 || poll(&pfd, 1, timeout_ms) < 0 || !PQconsumeInput(q->listen_db) ||
        PQstatus(q->listen_db) != CONNECTION_OK) {
        rc = store_pg__fail(q->listen_db, NULL, "wait for changes", err);
        store_pg__sync_close(q);
        return rc;
    }
    drain(q->listen_db);
    return KR_OK;
}

/* ---- the cross-node duplicate lock ----------------------------------------- */

static enum kr_code lock_call(struct pg_store *q, struct pg_conn *c, const char *sql,
                              struct kr_err *err)
{
    PGresult *r = (atomic_fetch_add(&q->round_trips, 1), PQexec(c->db, sql));
    enum kr_code rc = r && PQresultStatus(r) == PGRES_TUPLES_OK
                          ? KR_OK
                          : store_pg__fail(c->db, r, "duplicate lock", err);
    PQclear(r);
    return rc;
}

enum kr_code store_pg__dedup_lock(struct store *s, void **token, struct kr_err *err)
{
    struct pg_store *q = store_pg__of(s);
    struct pg_conn *c = NULL;
    enum kr_code rc = store_pg__acquire(q, &c, err);

    if (rc)
        return rc;
    rc = lock_call(q, c, "SELECT pg_advisory_lock(" PG_DEDUP_LOCK ")", err);
    if (rc) {
        store_pg__release(q, c, 1); /* whether it holds the lock is unknown */
        return rc;
    }
    *token = c;
    return KR_OK;
}

void store_pg__dedup_unlock(struct store *s, void *token)
{
    struct pg_store *q = store_pg__of(s);
    struct pg_conn *c = token;
    struct kr_err e = {0};

    /* a failed unlock closes the connection, which ends the session's lock */
    store_pg__release(q, c,
                      lock_call(q, c, "SELECT pg_advisory_unlock(" PG_DEDUP_LOCK ")", &e) != 0);
}
