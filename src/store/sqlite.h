/*
 * sqlite.h - private to src/store: the "sqlite" backend's parts.
 *
 *   sqlite.c          the instance, its connection pool, open/close,
 *                     error mapping, and the document table;
 *   sqlite_images.c   the images table: row encoding and the image ops;
 *   sqlite_migrate.c  the schema: versioned migrations;
 *   sqlite_products.c the products table and its full-text index.
 *
 * Concurrency model: a pool of connections, each used by one thread at a
 * time (checked out for the length of one store call, so SQLite can run in
 * its cheaper multi-thread mode). A call takes an idle connection or opens
 * a new one, so calls never wait for each other in Karat code, and a
 * callback of image_each/doc_each may itself call the store. WAL lets
 * readers run beside the single writer; writers queue inside SQLite
 * (busy_timeout: the location's busy_ms, KARAT_SQLITE_BUSY_MS). At most
 * SQ_MAX_IDLE connections are kept when idle.
 *
 * The migration entry points are public (store_sqlite_*) so tests can
 * build a database at an old schema version and check the upgrade.
 */
#ifndef KARAT_STORE_SQLITE_H
#define KARAT_STORE_SQLITE_H

#include <pthread.h>
#include <sqlite3.h>

#include "store/store.h"

#define SQ_MAX_IDLE 8
/* busy_timeout for a location without "busy_ms=M;" (a bare path: tests and
 * bench programs); store_location() always writes KARAT_SQLITE_BUSY_MS. */
#define SQ_BUSY_BARE_MS 10000
#define SQ_PATH_MAX     4096

/* Every statement the backend runs more than once, prepared once per
 * connection on first use. */
enum sq_stmt {
    SQ_IMG_INSERT,
    SQ_IMG_DELETE,
    SQ_IMG_GET,
    SQ_IMG_FIND_KEY,
    SQ_IMG_FIND_URL,
    SQ_IMG_FIND_SHA,
    SQ_IMG_UPDATE_SIG,
    SQ_IMG_EACH,
    SQ_IMG_COUNT,
    SQ_DOC_PUT,
    SQ_DOC_ADD,
    SQ_DOC_GET,
    SQ_DOC_DELETE,
    SQ_DOC_EACH,
    SQ_PROD_PUT, /* products (sqlite_products.c) */
    SQ_PROD_DELETE,
    SQ_PROD_LIST,
    SQ_PROD_SEARCH,
    SQ_PROD_DOCS,
    SQ_PROD_COUNT,
    SQ_EMB_GET, /* product embeddings (sqlite_products.c) */
    SQ_EMB_PUT,
    SQ_WATCH_ADD, /* market watch (sqlite_watch.c) */
    SQ_WATCH_DELETE,
    SQ_WATCH_DELETE_OBS,
    SQ_WATCH_EACH,
    SQ_WATCH_OBSERVE,
    SQ_WATCH_HISTORY,
    SQ_NSTMT
};

struct sq_conn {
    sqlite3 *db;
    sqlite3_stmt *st[SQ_NSTMT];
    struct sq_conn *next;
};

struct sq_store {
    struct store base;
    char path[SQ_PATH_MAX];
    int busy_ms;        /* sqlite3_busy_timeout of every connection */
    pthread_mutex_t mu; /* guards idle / nidle */
    struct sq_conn *idle;
    int nidle;
};

/* Checked downcast (aborts on a foreign struct store). */
struct sq_store *store_sq_of(struct store *s);

/* Check a connection out of the pool (opening one if none is idle), and
 * give it back. */
enum kr_code store_sq_acquire(struct sq_store *s, struct sq_conn **out, struct kr_err *err);
void store_sq_release(struct sq_store *s, struct sq_conn *c);

/* Check out a connection with its statement `id` ready (reset, unbound);
 * *c and *st start NULL and must be handed to store_sq_end() whatever
 * the result. */
enum kr_code store_sq_begin(struct store *s, enum sq_stmt id, struct sq_conn **c, sqlite3_stmt **st,
                            struct kr_err *err);
/* Reset st (may be NULL) and give c (may be NULL) back to the pool. */
void store_sq_end(struct store *s, struct sq_conn *c, sqlite3_stmt *st);

/* The prepared statement `id` of c, reset and with no bindings. */
enum kr_code store_sq_stmt(struct sq_conn *c, enum sq_stmt id, sqlite3_stmt **out,
                           struct kr_err *err);

/* Map a SQLite result code to a kr_code and fill err ("store: what: ..."):
 * constraint violations -> KR_ECONFLICT, busy/locked -> KR_ETIMEOUT,
 * out of memory -> KR_ENOMEM, too big -> KR_ELIMIT, the rest -> KR_EIO. */
enum kr_code store_sq_fail(sqlite3 *db, int rc, const char *what, struct kr_err *err);

/* Run one statement to completion (no rows expected); KR_OK on SQLITE_DONE.
 * The statement is reset afterwards. */
enum kr_code store_sq_run(sqlite3 *db, sqlite3_stmt *st, const char *what, struct kr_err *err);

/* Bind a string, or fail KR_EINVAL if it is longer than max bytes. */
enum kr_code store_sq_bind_text(sqlite3_stmt *st, int col, const char *v, size_t max,
                                struct kr_err *err);

/* ---- schema (sqlite_migrate.c) ---- */

/* The newest schema version this build knows. */
int store_sqlite_latest(void);
/* The database's version (0 for an empty database). */
enum kr_code store_sqlite_version(sqlite3 *db, int *version, struct kr_err *err);
/* Bring db up to `target` (<= latest), one transaction per step. A database
 * newer than this build is refused with KR_EUNSUPPORTED. */
enum kr_code store_sqlite_migrate(sqlite3 *db, int target, struct kr_err *err);

/* ---- images (sqlite_images.c) ---- */

extern const char *const store_sq_image_sql[];

enum kr_code store_sq_image_insert(struct store *s, const struct store_image *img,
                                   struct kr_err *err);
enum kr_code store_sq_image_delete(struct store *s, int64_t id, struct kr_err *err);
enum kr_code store_sq_image_get(struct store *s, int64_t id, struct store_image *out,
                                struct kr_err *err);
enum kr_code store_sq_image_find_key(struct store *s, const char *bucket, const char *key,
                                     struct store_image *out, struct kr_err *err);
enum kr_code store_sq_image_find_url(struct store *s, const char *url, struct store_image *out,
                                     struct kr_err *err);
enum kr_code store_sq_image_find_sha(struct store *s, const char *sha256, struct store_image *out,
                                     struct kr_err *err);
enum kr_code store_sq_image_update_sig(struct store *s, int64_t id, const struct dedup_sig *sig,
                                       struct kr_err *err);
enum kr_code store_sq_image_each(struct store *s,
                                 int (*cb)(const struct store_image *img, void *ctx), void *ctx,
                                 struct kr_err *err);
enum kr_code store_sq_image_count(struct store *s, long long *n, struct kr_err *err);

/* ---- products (sqlite_products.c) ---- */

extern const char *const store_sq_product_sql[];
enum kr_code store_sq_product_put(struct store *s, const struct store_product *p, int n,
                                  struct kr_err *err);
enum kr_code store_sq_product_delete(struct store *s, const char *id, struct kr_err *err);
enum kr_code store_sq_product_word_docs(struct store *s, const char *words, long long *total,
                                        long long *docs, struct kr_err *err);
enum kr_code store_sq_embedding_get(struct store *s, const struct store_embedding_ask *q,
                                    store_embedding_cb cb, void *ctx, struct kr_err *err);
enum kr_code store_sq_embedding_put(struct store *s, const char *model,
                                    const struct store_embedding *e, int n, struct kr_err *err);
enum kr_code store_sq_product_query(struct store *s, const struct store_product_query *q,
                                    store_product_cb cb, void *ctx, struct kr_err *err);

/* ---- market watch (sqlite_watch.c) ---- */
extern const char *const store_sq_watch_sql[];
enum kr_code store_sq_watch_add(struct store *s, const struct store_watch *w, int64_t *id,
                          struct kr_err *err);
enum kr_code store_sq_watch_delete(struct store *s, int64_t id, struct kr_err *err);
enum kr_code store_sq_watch_each(struct store *s, int64_t id, store_watch_cb cb, void *ctx,
                           struct kr_err *err);
enum kr_code store_sq_watch_observe(struct store *s, const struct store_watch_obs *o,
                              struct kr_err *err);
enum kr_code store_sq_watch_history(struct store *s, int64_t id, int limit, store_watch_obs_cb cb,
                              void *ctx, struct kr_err *err);

#endif
