/*
 * sqlite.c - the "sqlite" store backend: connections, open/close, errors,
 * and the documents table. Images are in sqlite_images.c, the schema in
 * sqlite_migrate.c; the concurrency model is described in sqlite.h.
 *
 * Durability: journal_mode=WAL with synchronous=FULL. In WAL mode FULL
 * fsyncs the WAL at every commit, so once a call that writes returns, the
 * change survives a process crash *and* a power loss or kernel panic.
 * NORMAL would skip that fsync: still safe against a process crash (the
 * WAL is in the OS page cache) and never corrupt, but a power loss could
 * roll back the last commits. repo/ tells a client "stored" right after the
 * row commit and recovers staged blobs by the presence of their rows, so a
 * commit that is later rolled back would lose an acknowledged upload: the
 * one fsync per commit is the price, paid by writers only.
 *
 * `location` is `[busy_ms=M;]PATH`: a file path (created if missing, with
 * its parent folder expected to exist), after the milliseconds a writer
 * waits for another (store_location() writes KARAT_SQLITE_BUSY_MS; a bare
 * path gets SQ_BUSY_BARE_MS). In-memory databases are refused: every pooled
 * connection would see a different empty database.
 */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "store/sqlite.h"

extern const struct store_ops store_sqlite_ops;

static const char *const doc_sql[SQ_NSTMT] = {
    [SQ_DOC_PUT] = "INSERT INTO docs (ns, \"key\", json, updated_ms) VALUES (?1, ?2, ?3, ?4)"
                   " ON CONFLICT (ns, \"key\") DO UPDATE"
                   " SET json = excluded.json, updated_ms = excluded.updated_ms",
    [SQ_DOC_ADD] = "INSERT INTO docs (ns, \"key\", json, updated_ms) VALUES (?1, ?2, ?3, ?4)",
    [SQ_DOC_GET] = "SELECT json FROM docs WHERE ns = ?1 AND \"key\" = ?2",
    [SQ_DOC_DELETE] = "DELETE FROM docs WHERE ns = ?1 AND \"key\" = ?2",
    [SQ_DOC_EACH] = "SELECT \"key\", json FROM docs WHERE ns = ?1 ORDER BY \"key\"",
};

struct sq_store *store_sq_of(struct store *s)
{
    if (!s || s->ops != &store_sqlite_ops)
        abort();
    return (struct sq_store *)s;
}

enum kr_code store_sq_fail(sqlite3 *db, int rc, const char *what, struct kr_err *err)
{
    const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);

    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
        if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
            return kr_fail(err, KRS_STORE_CONFLICT, "store: %s: %s", what, msg);
        return kr_fail(err, KRS_STORE_CONSTRAINT, "store: %s: %s", what, msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return kr_fail(err, KRS_STORE_BUSY, "store: %s: %s", what, msg);
    case SQLITE_NOMEM:
        return kr_fail(err, KRS_OUT_OF_MEMORY, "store: %s: %s", what, msg);
    case SQLITE_TOOBIG:
        return kr_fail(err, KRS_TOO_LARGE, "store: %s: %s", what, msg);
    default:
        return kr_fail(err, KRS_STORE_IO, "store: %s: %s", what, msg);
    }
}

enum kr_code store_sq_run(sqlite3 *db, sqlite3_stmt *st, const char *what, struct kr_err *err)
{
    int rc = sqlite3_step(st);
    enum kr_code code = rc == SQLITE_DONE ? KR_OK : store_sq_fail(db, rc, what, err);
    sqlite3_reset(st);
    return code;
}

enum kr_code store_sq_bind_text(sqlite3_stmt *st, int col, const char *v, size_t max,
                                struct kr_err *err)
{
    size_t len = strnlen(v, max + 1);
    int rc;

    if (len > max)
        return kr_fail(err, KRS_STORE_VALUE_TOO_LONG,
                       "store: value for column %d is longer than %zu bytes", col, max);
    rc = sqlite3_bind_text(st, col, v, (int)len, SQLITE_STATIC);
    return rc == SQLITE_OK ? KR_OK : store_sq_fail(sqlite3_db_handle(st), rc, "bind", err);
}

enum kr_code store_sq_stmt(struct sq_conn *c, enum sq_stmt id, sqlite3_stmt **out,
                           struct kr_err *err)
{
    const char *sql = doc_sql[id]                ? doc_sql[id]
                      : store_sq_product_sql[id] ? store_sq_product_sql[id]
                      : store_sq_watch_sql[id]   ? store_sq_watch_sql[id]
                                                 : store_sq_image_sql[id];

    if (!c->st[id]) {
        int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->st[id], NULL);
        if (rc != SQLITE_OK)
            return store_sq_fail(c->db, rc, "prepare", err);
    } else {
        sqlite3_reset(c->st[id]);
        sqlite3_clear_bindings(c->st[id]);
    }
    *out = c->st[id];
    return KR_OK;
}

/* ---- connections ----------------------------------------------------------- */

static void conn_close(struct sq_conn *c)
{
    for (int i = 0; i < SQ_NSTMT; i++)
        sqlite3_finalize(c->st[i]);
    sqlite3_close(c->db);
    free(c);
}

static enum kr_code conn_open(struct sq_store *s, struct sq_conn **out, struct kr_err *err)
{
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    struct sq_conn *c = calloc(1, sizeof *c);
    int rc;

    if (!c)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "store: out of memory");
    rc = sqlite3_open_v2(s->path, &c->db, flags, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_extended_result_codes(c->db, 1);
        sqlite3_busy_timeout(c->db, s->busy_ms);
        rc = sqlite3_exec(c->db, "PRAGMA synchronous = FULL; PRAGMA temp_store = MEMORY", NULL,
                          NULL, NULL);
    }
    if (rc != SQLITE_OK) {
        enum kr_code code = store_sq_fail(c->db, rc, s->path, err);
        conn_close(c);
        return code;
    }
    *out = c;
    return KR_OK;
}

enum kr_code store_sq_acquire(struct sq_store *s, struct sq_conn **out, struct kr_err *err)
{
    struct sq_conn *c;

    pthread_mutex_lock(&s->mu);
    c = s->idle;
    if (c) {
        s->idle = c->next;
        s->nidle--;
    }
    pthread_mutex_unlock(&s->mu);
    if (c) {
        *out = c;
        return KR_OK;
    }
    return conn_open(s, out, err);
}

void store_sq_release(struct sq_store *s, struct sq_conn *c)
{
    if (!c)
        return;
    if (!sqlite3_get_autocommit(c->db)) /* never hand on an open transaction */
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_lock(&s->mu);
    if (s->nidle < SQ_MAX_IDLE) {
        c->next = s->idle;
        s->idle = c;
        s->nidle++;
        c = NULL;
    }
    pthread_mutex_unlock(&s->mu);
    if (c)
        conn_close(c);
}

enum kr_code store_sq_begin(struct store *s, enum sq_stmt id, struct sq_conn **c, sqlite3_stmt **st,
                            struct kr_err *err)
{
    enum kr_code rc = store_sq_acquire(store_sq_of(s), c, err);
    return rc ? rc : store_sq_stmt(*c, id, st, err);
}

void store_sq_end(struct store *s, struct sq_conn *c, sqlite3_stmt *st)
{
    if (st)
        sqlite3_reset(st);
    store_sq_release(store_sq_of(s), c);
}

/* ---- open / close ---------------------------------------------------------- */

/* WAL is a property of the database file: set once, checked. */
static enum kr_code set_wal(sqlite3 *db, struct kr_err *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
    int wal;

    if (rc != SQLITE_OK)
        return store_sq_fail(db, rc, "journal_mode", err);
    rc = sqlite3_step(st);
    wal = rc == SQLITE_ROW && util_streq_ci((const char *)sqlite3_column_text(st, 0), "wal");
    enum kr_code code = rc == SQLITE_ROW ? KR_OK : store_sq_fail(db, rc, "journal_mode", err);
    sqlite3_finalize(st);
    if (!code && !wal)
        code = kr_fail(err, KRS_STORE_NO_WAL, "store: cannot switch %s to WAL mode",
                       sqlite3_db_filename(db, "main"));
    return code;
}

static void sq_close(struct store *s)
{
    struct sq_store *q = store_sq_of(s);

    while (q->idle) {
        struct sq_conn *c = q->idle;
        q->idle = c->next;
        conn_close(c);
    }
    pthread_mutex_destroy(&q->mu);
    free(q);
}

/* The "busy_ms=M;" prefix of a location, if any: *ms and the path after it. */
static enum kr_code parse_busy(const char **location, int *ms, struct kr_err *err)
{
    const char *loc = *location;
    char *end;
    long v;

    *ms = SQ_BUSY_BARE_MS;
    if (!loc || strncmp(loc, "busy_ms=", 8) != 0)
        return KR_OK;
    v = strtol(loc + 8, &end, 10);
    if (*end != ';' || v < 1 || v > 3600000)
        return kr_fail(err, KRS_BAD_LOCATION, "store: bad busy_ms in location");
    *ms = (int)v;
    *location = end + 1;
    return KR_OK;
}

static enum kr_code sq_open(const char *location, struct store **out, struct kr_err *err)
{
    struct sq_store *q;
    struct sq_conn *c = NULL;
    enum kr_code rc;
    int busy_ms;

    if ((rc = parse_busy(&location, &busy_ms, err)))
        return rc;
    if (!location || !*location || strcmp(location, ":memory:") == 0 ||
        strncmp(location, "file:", 5) == 0)
        return kr_fail(err, KRS_BAD_LOCATION, "store: need a database file path");
    q = calloc(1, sizeof *q);
    if (!q)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "store: out of memory");
    q->base.ops = &store_sqlite_ops;
    q->busy_ms = busy_ms;
    pthread_mutex_init(&q->mu, NULL);
    if (util_strlcpy(q->path, location, sizeof q->path) >= sizeof q->path) {
        sq_close(&q->base);
        return kr_fail(err, KRS_PATH_TOO_LONG, "store: database path too long");
    }
    rc = conn_open(q, &c, err);
    if (!rc)
        rc = set_wal(c->db, err);
    if (!rc)
        rc = store_sqlite_migrate(c->db, store_sqlite_latest(), err);
    if (c)
        store_sq_release(q, c);
    if (rc) {
        sq_close(&q->base);
        return rc;
    }
    *out = &q->base;
    return KR_OK;
}

/* ---- documents ------------------------------------------------------------- */

/* Bind (ns, key) to ?1, ?2 of a begun document statement (key may be NULL). */
static enum kr_code doc_bind(sqlite3_stmt *st, const char *ns, const char *key, struct kr_err *err)
{
    enum kr_code rc = store_sq_bind_text(st, 1, ns, STORE_DOC_NS_MAX, err);

    if (!rc && key)
        rc = store_sq_bind_text(st, 2, key, STORE_DOC_KEY_MAX, err);
    return rc;
}

/* SQ_DOC_PUT (insert or replace) or SQ_DOC_ADD (insert only). */
static enum kr_code doc_write(struct store *s, enum sq_stmt id, const char *ns, const char *key,
                              const char *json, struct kr_err *err)
{
    struct sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    enum kr_code rc = store_sq_begin(s, id, &c, &st, err);

    if (!rc)
        rc = doc_bind(st, ns, key, err);
    if (!rc)
        rc = store_sq_bind_text(st, 3, json, STORE_DOC_JSON_MAX, err);
    if (!rc)
        rc = sqlite3_bind_int64(st, 4, util_epoch_ms()) == SQLITE_OK
                 ? store_sq_run(c->db, st, id == SQ_DOC_ADD ? "add document" : "put document", err)
                 : store_sq_fail(c->db, SQLITE_ERROR, "bind", err);
    store_sq_end(s, c, st);
    return rc;
}

static enum kr_code sq_doc_put(struct store *s, const char *ns, const char *key, const char *json,
                               struct kr_err *err)
{
    return doc_write(s, SQ_DOC_PUT, ns, key, json, err);
}

static enum kr_code sq_doc_add(struct store *s, const char *ns, const char *key, const char *json,
                               struct kr_err *err)
{
    return doc_write(s, SQ_DOC_ADD, ns, key, json, err);
}

static enum kr_code sq_doc_get(struct store *s, const char *ns, const char *key, char **json,
                               struct kr_err *err)
{
    struct sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    enum kr_code rc = store_sq_begin(s, SQ_DOC_GET, &c, &st, err);
    int step;

    if (!rc)
        rc = doc_bind(st, ns, key, err);
    if (rc)
        goto out;
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        const void *text = sqlite3_column_text(st, 0); /* before _bytes, as SQLite asks */
        int n = sqlite3_column_bytes(st, 0);
        *json = text ? malloc((size_t)n + 1) : NULL;
        if (*json) {
            memcpy(*json, text, (size_t)n);
            (*json)[n] = '\0';
        } else {
            rc = kr_fail(err, KRS_OUT_OF_MEMORY, "store: out of memory reading a document");
        }
    } else if (step == SQLITE_DONE) {
        rc = kr_fail(err, KRS_DOC_NOT_FOUND, "store: no document %s/%s", ns, key);
    } else {
        rc = store_sq_fail(c->db, step, "get document", err);
    }
out:
    store_sq_end(s, c, st);
    return rc;
}

static enum kr_code sq_doc_delete(struct store *s, const char *ns, const char *key,
                                  struct kr_err *err)
{
    struct sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    enum kr_code rc = store_sq_begin(s, SQ_DOC_DELETE, &c, &st, err);

    if (!rc)
        rc = doc_bind(st, ns, key, err);
    if (!rc)
        rc = store_sq_run(c->db, st, "delete document", err);
    if (!rc && sqlite3_changes(c->db) == 0)
        rc = kr_fail(err, KRS_DOC_NOT_FOUND, "store: no document %s/%s", ns, key);
    store_sq_end(s, c, st);
    return rc;
}

static enum kr_code sq_doc_each(struct store *s, const char *ns,
                                int (*cb)(const char *key, const char *json, void *ctx), void *ctx,
                                struct kr_err *err)
{
    struct sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    enum kr_code rc = store_sq_begin(s, SQ_DOC_EACH, &c, &st, err);
    int step = SQLITE_DONE;

    if (!rc)
        rc = doc_bind(st, ns, NULL, err);
    if (rc)
        goto out;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 0);
        const char *json = (const char *)sqlite3_column_text(st, 1);
        if (cb(key ? key : "", json ? json : "", ctx))
            break;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = store_sq_fail(c->db, step, "list documents", err);
out:
    store_sq_end(s, c, st);
    return rc;
}

const struct store_ops store_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .image_insert = store_sq_image_insert,
    .image_delete = store_sq_image_delete,
    .image_get = store_sq_image_get,
    .image_find_key = store_sq_image_find_key,
    .image_find_url = store_sq_image_find_url,
    .image_find_sha = store_sq_image_find_sha,
    .image_update_sig = store_sq_image_update_sig,
    .image_each = store_sq_image_each,
    .image_count = store_sq_image_count,
    .doc_put = sq_doc_put,
    .doc_add = sq_doc_add,
    .doc_get = sq_doc_get,
    .doc_delete = sq_doc_delete,
    .doc_each = sq_doc_each,
    .close = sq_close,
    .product_put = store_sq_product_put,
    .product_delete = store_sq_product_delete,
    .product_query = store_sq_product_query,
    .product_word_docs = store_sq_product_word_docs,
    .embedding_get = store_sq_embedding_get,
    .embedding_put = store_sq_embedding_put,
    .watch_add = store_sq_watch_add,
    .watch_delete = store_sq_watch_delete,
    .watch_each = store_sq_watch_each,
    .watch_observe = store_sq_watch_observe,
    .watch_history = store_sq_watch_history,
};
