/*
 * sqlite_watch.c - the market watch list of the "sqlite" store backend:
 * the tables watches and watch_obs (schema v6, sqlite_migrate.c). A watch's
 * id is its AUTOINCREMENT rowid (never reused after a delete); deleting a
 * watch deletes its observations in the same transaction.
 */
#include <string.h>

#include "store/sqlite.h"

const char *const store_sq_watch_sql[SQ_NSTMT] = {
    [SQ_WATCH_ADD] =
        "INSERT INTO watches (market, item, query, created_ms) VALUES (?1, ?2, ?3, ?4)",
    [SQ_WATCH_DELETE] = "DELETE FROM watches WHERE id = ?1",
    [SQ_WATCH_DELETE_OBS] = "DELETE FROM watch_obs WHERE watch_id = ?1",
    [SQ_WATCH_EACH] = "SELECT id, market, item, query, created_ms FROM watches"
                      " WHERE ?1 = 0 OR id = ?1 ORDER BY id",
    [SQ_WATCH_OBSERVE] = "INSERT INTO watch_obs (watch_id, at_ms, page, rank, sponsored, price,"
                         " offers, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [SQ_WATCH_HISTORY] = "SELECT watch_id, at_ms, page, rank, sponsored, price, offers, error"
                         " FROM watch_obs WHERE watch_id = ?1 ORDER BY at_ms DESC, rowid DESC"
                         " LIMIT ?2",
};

static enum kr_code ok(sqlite3_stmt *st, int rc, struct kr_err *err)
{
    return rc == SQLITE_OK ? KR_OK : store_sq_fail(sqlite3_db_handle(st), rc, "bind", err);
}

static const char *col(sqlite3_stmt *st, int i)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    return v ? v : "";
}

enum kr_code store_sq_watch_add(struct store *s, const struct store_watch *w, int64_t *id,
                                struct kr_err *err)
{
    struct sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    enum kr_code rc = store_sq_begin(s, SQ_WATCH_ADD, &c, &st, err);
    const char *v[] = {w->market, w->item, w->query};

    for (int i = 0; !rc && i < 3; i++)
        rc = store_sq_bind_text(st, i + 1, v[i], STORE_WATCH_TEXT_MAX, err);
    if (!rc)
        rc = ok(st, sqlite3_bind_int64(st, 4, w->created_ms), err);
    if (!rc)
        rc = store_sq_run(c->db, st, "add watch", err);
    if (!rc)
        *id = sqlite3_last_insert_rowid(c->db);
    store_sq_end(s, c, st);
    return rc;
}

/* Run statement id of c with ?1 = wid; *changes gets the rows it touched. */
static enum kr_code run_id(struct sq_conn *c, enum sq_stmt id, int64_t wid, int *changes,
                           struct kr_err *err)
{
    sqlite3_stmt *st = NULL;
    enum kr_code rc = store_sq_stmt(c, id, &st, err);
    if (!rc)
        rc = ok(st, sqlite3_bind_int64(st, 1, wid), err);
    if (!rc)
        rc = store_sq_run(c->db, st, "delete watch", err);
    if (!rc)
        *changes = sqlite3_changes(c->db);
    return rc;
}

enum kr_code store_sq_watch_delete(struct store *s, int64_t id, struct kr_err *err)
{
    struct sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    int n = 0, m = 0;
    enum kr_code rc = store_sq_begin(s, SQ_WATCH_DELETE, &c, &st, err);
    int brc = rc ? SQLITE_OK : sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

    if (!rc && brc != SQLITE_OK)
        rc = store_sq_fail(c->db, brc, "begin delete watch", err);
    if (!rc)
        rc = run_id(c, SQ_WATCH_DELETE_OBS, id, &m, err);
    if (!rc)
        rc = run_id(c, SQ_WATCH_DELETE, id, &n, err);
    if (!rc && n == 0)
        rc = kr_fail(err, KRS_WATCH_NOT_FOUND, "no watch %lld", (long long)id);
    if (!rc && (brc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
        rc = store_sq_fail(c->db, brc, "commit delete watch", err);
    store_sq_end(s, c, st); /* rolls back an open transaction */
    return rc;
}

enum kr_code store_sq_watch_each(struct store *s, int64_t id, store_watch_cb cb, void *ctx,
                                 struct kr_err *err)
{
    struct sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    int step = SQLITE_DONE;
    enum kr_code rc = store_sq_begin(s, SQ_WATCH_EACH, &c, &st, err);

    if (!rc)
        rc = ok(st, sqlite3_bind_int64(st, 1, id), err);
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_watch w = {sqlite3_column_int64(st, 0), col(st, 1), col(st, 2), col(st, 3),
                                sqlite3_column_int64(st, 4)};
        if (cb(&w, ctx))
            break;
    }
    if (!rc && step != SQLITE_ROW && step != SQLITE_DONE)
        rc = store_sq_fail(c->db, step, "list watches", err);
    store_sq_end(s, c, st);
    return rc;
}

enum kr_code store_sq_watch_observe(struct store *s, const struct store_watch_obs *o,
                                    struct kr_err *err)
{
    struct sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    const int ints[] = {o->page, o->rank, o->sponsored};
    enum kr_code rc = store_sq_begin(s, SQ_WATCH_OBSERVE, &c, &st, err);

    if (!rc)
        rc = ok(st, sqlite3_bind_int64(st, 1, o->watch_id), err);
    if (!rc)
        rc = ok(st, sqlite3_bind_int64(st, 2, o->at_ms), err);
    for (int i = 0; !rc && i < 3; i++)
        rc = ok(st, sqlite3_bind_int(st, 3 + i, ints[i]), err);
    if (!rc)
        rc = ok(st, sqlite3_bind_double(st, 6, o->price), err);
    if (!rc)
        rc = ok(st, sqlite3_bind_int(st, 7, o->offers), err);
    if (!rc)
        rc = store_sq_bind_text(st, 8, o->error ? o->error : "", STORE_WATCH_TEXT_MAX, err);
    if (!rc)
        rc = store_sq_run(c->db, st, "add observation", err);
    store_sq_end(s, c, st);
    return rc;
}

enum kr_code store_sq_watch_history(struct store *s, int64_t id, int limit, store_watch_obs_cb cb,
                                    void *ctx, struct kr_err *err)
{
    struct sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    int step = SQLITE_DONE;
    enum kr_code rc = store_sq_begin(s, SQ_WATCH_HISTORY, &c, &st, err);

    if (!rc)
        rc = ok(st, sqlite3_bind_int64(st, 1, id), err);
    if (!rc)
        rc = ok(st, sqlite3_bind_int(st, 2, limit), err);
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_watch_obs o = {sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                                    sqlite3_column_int(st, 2),   sqlite3_column_int(st, 3),
                                    sqlite3_column_int(st, 4),   sqlite3_column_double(st, 5),
                                    sqlite3_column_int(st, 6),   col(st, 7)};
        if (cb(&o, ctx))
            break;
    }
    if (!rc && step != SQLITE_ROW && step != SQLITE_DONE)
        rc = store_sq_fail(c->db, step, "watch history", err);
    store_sq_end(s, c, st);
    return rc;
}
