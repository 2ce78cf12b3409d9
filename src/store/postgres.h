/*
 * postgres.h - private to src/store: the "postgres" backend's parts.
 *
 *   postgres.c          the instance, its bounded connection pool,
 *                       statement execution, error mapping, open/close;
 *   postgres_docs.c     the documents table;
 *   postgres_images.c   the images table: parameters and row decoding;
 *   postgres_migrate.c  the schema: versioned migrations under an
 *                       advisory lock;
 *   postgres_claims.c   job claims: leases on job items for several nodes;
 *   postgres_products.c the products table and its full-text search.
 *
 * Location: `[pool=N;][wait_ms=M;]CONNINFO`, where CONNINFO is a libpq
 * connection string ("host=/run/pg dbname=karat") or URI
 * ("postgresql://user:pw@host/db"); store_location() builds it from the
 * configuration (KARAT_DATABASE_URL, KARAT_DB_POOL_SIZE,
 * KARAT_DB_POOL_WAIT_MS).
 *
 * Concurrency model: at most `pool` connections, each used by one thread
 * at a time for the length of one store call. A call that finds every
 * connection busy waits up to `wait_ms` for one and then fails with
 * KR_ETIMEOUT; it never waits without bound. Scans (image_each, doc_each)
 * read in keyset pages and hold no connection while their callback runs,
 * so a callback may use the store even with a pool of one.
 *
 * Statements: every statement is prepared once per connection (named
 * "kN", N its enum value) on first use and run with PQexecPrepared; values
 * only ever travel as parameters. Results come back in binary form.
 *
 * A connection that breaks (server restart, network) is closed and its
 * slot freed; the next call opens a new one. A read that fails because its
 * connection broke is tried once more on a fresh connection; a write is
 * not (it may have committed), it reports KR_EIO.
 */
#ifndef KARAT_STORE_POSTGRES_H
#define KARAT_STORE_POSTGRES_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>

#include "store/store.h"

#define PG_POOL_MAX     256
#define PG_PAGE_ROWS    500 /* rows per page of a scan */
#define PG_CONNINFO_MAX 4096

/* Multi-node sync (postgres_sync.c, schema v2): advisory lock keys (any
 * constants unique to Karat: "KaratChg", "KaratDup" in ASCII) and the
 * NOTIFY channel. */
#define PG_CHANGES_LOCK    "5431748388473497703"
#define PG_DEDUP_LOCK      "5431748388473566576"
#define PG_CHANGES_CHANNEL "karat_images"

/* Every statement the backend runs. */
enum pg_stmt {
    PG_IMG_INSERT,
    PG_IMG_DELETE,
    PG_IMG_GET,
    PG_IMG_FIND_KEY,
    PG_IMG_FIND_URL,
    PG_IMG_FIND_SHA,
    PG_IMG_UPDATE_SIG,
    PG_IMG_PAGE,
    PG_IMG_COUNT,
    PG_IMG_GET_IDS,
    PG_DOC_PUT,
    PG_DOC_ADD,
    PG_DOC_GET,
    PG_DOC_DELETE,
    PG_DOC_FIRST_PAGE,
    PG_DOC_PAGE,
    PG_SYNC_HEAD, /* multi-node sync (postgres_sync.c) */
    PG_SYNC_PAGE,
    PG_SYNC_REPORT, /* pruning (postgres_prune.c) */
    PG_PRUNE_CHANGES,
    PG_PRUNE_CLAIMS,
    /* job claims (postgres_claims.c) */
    PG_CLAIM_ADD,
    PG_CLAIM_TAKE,
    PG_CLAIM_RENEW,
    PG_CLAIM_COMPLETE,
    PG_CLAIM_JOBS,
    /* products (postgres_products.c) */
    PG_PROD_PUT,
    PG_PROD_DELETE,
    PG_PROD_QUERY,
    PG_PROD_DOCS,
    PG_PROD_COUNT,
    PG_EMB_GET, /* product embeddings (postgres_products.c) */
    PG_EMB_PUT,
    /* market watch (postgres_watch.c) */
    PG_WATCH_ADD,
    PG_WATCH_DELETE,
    PG_WATCH_EACH,
    PG_WATCH_OBSERVE,
    PG_WATCH_HISTORY,
    PG_NSTMT
};

struct pg_conn {
    PGconn *db;
    unsigned long long prepared; /* bit i: statement i is prepared */
    struct pg_conn *next;
};

struct pg_store {
    struct store base;
    char conninfo[PG_CONNINFO_MAX];
    int pool_max, wait_ms;
    pthread_mutex_t mu; /* guards idle, nopen */
    pthread_cond_t freed;
    struct pg_conn *idle;
    int nopen;                /* connections open or being opened, idle or busy */
    PGconn *listen_db;        /* change_wait's own LISTEN connection (one caller) */
    atomic_llong round_trips; /* requests sent to the server (prepares too) */
};

/* One statement's parameters: text values, except binary ones (bytea)
 * given with their lengths. At most 16. */
struct pg_params {
    int n;
    const char *v[16];
    int len[16];
    int fmt[16];
    char num[16][24]; /* storage for numbers turned to text */
};

void store_pg__text(struct pg_params *p, const char *v);
void store_pg__int(struct pg_params *p, long long v);
void store_pg__bin(struct pg_params *p, const void *v, int len);

/* Requests this store has sent to PostgreSQL so far: each statement run,
 * prepare, lock call and LISTEN is one round trip (tests and benchmarks
 * count what an operation costs with it). */
long long store_pg__round_trips(struct store *s);

/* Checked downcast (aborts on a foreign struct store). */
struct pg_store *store_pg__of(struct store *s);

/* Run statement id with p on a pooled connection; *res (binary results)
 * is the caller's to PQclear on KR_OK. `reads`: the statement changes
 * nothing, so it may be retried once on a fresh connection. */
enum kr_code store_pg__exec(struct store *s, enum pg_stmt id, const struct pg_params *p,
                            PGresult **res, struct kr_err *err);

/* Map a failed result (or, res NULL, the connection's state) to a kr_code
 * with err filled ("store: what: ..."): unique violation -> KR_ECONFLICT,
 * other constraint -> KR_EINVAL, lock/serialization/cancel -> KR_ETIMEOUT,
 * out of memory -> KR_ENOMEM, program limit -> KR_ELIMIT, bad value ->
 * KR_EINVAL, the rest (connection failures too) -> KR_EIO. */
enum kr_code store_pg__fail(PGconn *db, const PGresult *res, const char *what, struct kr_err *err);

/* Run statement id once per parameter set p[0..n-1] in one transaction
 * on one connection (all or none); no results are kept. */
enum kr_code store_pg__exec_batch(struct store *s, enum pg_stmt id, const struct pg_params *p,
                                  int n, struct kr_err *err);

/* Rows changed by a command result (0 if none or unparsable). */
long long store_pg__changes(const PGresult *res);

/* Binary result decoding; KR_EIO ("store_corrupt") on a wrong length. */
enum kr_code store_pg__get_i64(const PGresult *r, int row, int col, int64_t *v, struct kr_err *err);
enum kr_code store_pg__get_i32(const PGresult *r, int row, int col, int *v, struct kr_err *err);

/* The SQL of statement id (postgres_images.c, postgres_docs.c). */
extern const char *const store_pg__image_sql[PG_NSTMT];
extern const char *const store_pg__doc_sql[PG_NSTMT];
extern const char *const store_pg__sync_sql[PG_NSTMT];
extern const char *const store_pg__claim_sql[PG_NSTMT];
extern const char *const store_pg__product_sql[PG_NSTMT];
extern const char *const store_pg__watch_sql[PG_NSTMT];
extern const char *const store_pg__prune_sql[PG_NSTMT];

/* Pool: check a connection out (waiting up to wait_ms), give it back;
 * `broken` closes it instead. Tests use these to hold connections. */
enum kr_code store_pg__acquire(struct pg_store *s, struct pg_conn **out, struct kr_err *err);
void store_pg__release(struct pg_store *s, struct pg_conn *c, int broken);

/* ---- schema (postgres_migrate.c) ---- */

int store_pg__latest(void);
/* Bring the database to the newest schema, under an advisory lock, in one
 * transaction; a database newer than this build is KR_EUNSUPPORTED. */
enum kr_code store_pg__migrate(PGconn *db, struct kr_err *err);

/* ---- ops ---- */

enum kr_code store_pg__image_insert(struct store *s, const struct store_image *img,
                                    struct kr_err *err);
enum kr_code store_pg__image_delete(struct store *s, int64_t id, struct kr_err *err);
enum kr_code store_pg__image_get(struct store *s, int64_t id, struct store_image *out,
                                 struct kr_err *err);
enum kr_code store_pg__image_find_key(struct store *s, const char *bucket, const char *key,
                                      struct store_image *out, struct kr_err *err);
enum kr_code store_pg__image_find_url(struct store *s, const char *url, struct store_image *out,
                                      struct kr_err *err);
enum kr_code store_pg__image_find_sha(struct store *s, const char *sha256, struct store_image *out,
                                      struct kr_err *err);
enum kr_code store_pg__image_update_sig(struct store *s, int64_t id, const struct dedup_sig *sig,
                                        struct kr_err *err);
enum kr_code store_pg__image_each(struct store *s,
                                  int (*cb)(const struct store_image *img, void *ctx), void *ctx,
                                  struct kr_err *err);
enum kr_code store_pg__image_count(struct store *s, long long *n, struct kr_err *err);
enum kr_code store_pg__image_get_ids(struct store *s, const int64_t *ids, int n,
                                     int (*cb)(const struct store_image *img, void *ctx), void *ctx,
                                     struct kr_err *err);
enum kr_code store_pg__image_sigs(struct store *s,
                                  int (*cb)(const struct store_image *img, void *ctx), void *ctx,
                                  struct kr_err *err);
/* Row `row` of a result whose first columns are STORE__IMAGE_COLS, in order. */
enum kr_code store_pg__decode_row(const PGresult *r, int row, struct store_image *o,
                                  struct kr_err *err);

enum kr_code store_pg__doc_add(struct store *s, const char *ns, const char *key, const char *json,
                               struct kr_err *err);
enum kr_code store_pg__doc_put(struct store *s, const char *ns, const char *key, const char *json,
                               struct kr_err *err);
enum kr_code store_pg__doc_get(struct store *s, const char *ns, const char *key, char **json,
                               struct kr_err *err);
enum kr_code store_pg__doc_delete(struct store *s, const char *ns, const char *key,
                                  struct kr_err *err);
enum kr_code store_pg__doc_each(struct store *s, const char *ns,
                                int (*cb)(const char *key, const char *json, void *ctx), void *ctx,
                                struct kr_err *err);

/* ---- multi-node sync (postgres_sync.c, branch h-sync) ---- */

enum kr_code store_pg__change_head(struct store *s, int64_t *seq, struct kr_err *err);
enum kr_code store_pg__sync_report(struct store *s, const char *node, int64_t seq,
                                   struct kr_err *err);
enum kr_code store_pg__prune(struct store *s, const struct store_prune *p,
                             struct store_prune_res *out, struct kr_err *err);
enum kr_code store_pg__changes_since(struct store *s, int64_t after, struct store_change *out,
                                     int max, int *n, struct kr_err *err);
enum kr_code store_pg__change_wait(struct store *s, int timeout_ms, struct kr_err *err);
enum kr_code store_pg__dedup_lock(struct store *s, void **token, struct kr_err *err);
void store_pg__dedup_unlock(struct store *s, void *token);
/* Close the LISTEN connection (pg_close). */
void store_pg__sync_close(struct pg_store *q);
/* ---- job claims (postgres_claims.c) ---- */
enum kr_code store_pg__claim_add(struct store *s, const char *job_id, int n, struct kr_err *err);
enum kr_code store_pg__claim_take(struct store *s, struct store_claim *c, struct kr_err *err);
enum kr_code store_pg__claim_renew(struct store *s, const char *owner, long lease_ms,
                                   struct kr_err *err);
enum kr_code store_pg__claim_complete(struct store *s, const struct store_claim *c,
                                      const struct store_claim_doc *d, struct kr_err *err);
enum kr_code store_pg__claim_jobs(struct store *s, int (*cb)(const char *job_id, void *ctx),
                                  void *ctx, struct kr_err *err);

/* ---- products (postgres_products.c) ---- */
enum kr_code store_pg__product_put(struct store *s, const struct store_product *p, int n,
                                   struct kr_err *err);
enum kr_code store_pg__product_delete(struct store *s, const char *id, struct kr_err *err);
enum kr_code store_pg__product_query(struct store *s, const struct store_product_query *q,
                                     store_product_cb cb, void *ctx, struct kr_err *err);
enum kr_code store_pg__product_word_docs(struct store *s, const char *words, long long *total,
                                         long long *docs, struct kr_err *err);
enum kr_code store_pg__embedding_get(struct store *s, const struct store_embedding_ask *q,
                                     store_embedding_cb cb, void *ctx, struct kr_err *err);
enum kr_code store_pg__embedding_put(struct store *s, const char *model,
                                     const struct store_embedding *e, int n, struct kr_err *err);

/* ---- market watch (postgres_watch.c) ---- */
enum kr_code store_pg__watch_add(struct store *s, const struct store_watch *w, int64_t *id,
                                 struct kr_err *err);
enum kr_code store_pg__watch_delete(struct store *s, int64_t id, struct kr_err *err);
enum kr_code store_pg__watch_each(struct store *s, int64_t id, store_watch_cb cb, void *ctx,
                                  struct kr_err *err);
enum kr_code store_pg__watch_observe(struct store *s, const struct store_watch_obs *o,
                                     struct kr_err *err);
enum kr_code store_pg__watch_history(struct store *s, int64_t id, int limit, store_watch_obs_cb cb,
                                     void *ctx, struct kr_err *err);

#endif
