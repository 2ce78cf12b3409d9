/*
 * store.h - the record store: one row per image, plus small JSON documents.
 *
 * Backends ("sqlite": embedded, WAL, versioned migrations; "postgres": a
 * PostgreSQL server shared by several nodes, bounded connection pool)
 * sit behind `const struct store_ops`; callers use the store_* wrappers.
 * The store is the source of truth: indexes are rebuilt from it, blobs are
 * checked against it (fsck).
 *
 * Besides images, a namespaced document table (ns, key) -> JSON text serves
 * jobs, the SKU cache and templates, so new features need no new backend
 * code. Each single call is atomic.
 *
 * Thread safety: a store may be used from many threads at once.
 * Ownership: strings returned through char ** are malloc'd; the caller frees.
 */
#ifndef KARAT_STORE_STORE_H
#define KARAT_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "dedup/sig.h"

/* Bounds (bytes, without the NUL) checked by the wrappers: longer values
 * are refused with KR_EINVAL, never cut. Image strings are bounded by their
 * fields below (a field must hold its NUL); sha256 is 64 lower-case hex. */
#define STORE_DOC_NS_MAX   128
#define STORE_DOC_KEY_MAX  1024
#define STORE_DOC_JSON_MAX (16 * 1024 * 1024)

struct store_image {
    int64_t id;
    char sha256[65];
    struct dedup_sig sig;
    char website[32];
    char bucket[64];
    char key[256];
    char url[1024];
    char filename[256]; /* the client's name, informational only */
    char mime[32];
    long long bytes;
    int width, height;
    int64_t created_ms;
};

struct store;

/* One change to the images table, as a node that keeps an index of it
 * replays it (multi-node sync, see change_head below). */
struct store_change {
    int64_t seq; /* strictly increasing, in commit order */
    int64_t id;
    int gone;               /* 1: the row is deleted (now or later) */
    struct store_image img; /* the row as it is now, when !gone */
};

/* A lease on one job item (index >= 0) or on the job's finish step
 * (STORE_CLAIM_FINISH); see the job-claims block at the end. */
#define STORE_CLAIM_FINISH    (-1)
#define STORE_CLAIM_OWNER_MAX 64
struct store_claim {
    const char *job_id;
    int index;
    const char *owner; /* the node holding it */
    long lease_ms;     /* how long a take lasts without a renew */
    int64_t token;     /* set by claim_take; the fence claim_complete checks */
};
/* The document claim_complete writes when (and only when) the fence holds. */
struct store_claim_doc {
    const char *ns, *key, *json;
};

/* ---- products: one row per product, with its text indexed for search ----
 * (SQLite FTS5 with bm25; PostgreSQL full-text search with ts_rank). The
 * store only stores and filters: src/product/ owns validation and meaning.
 * Strings are UTF-8; attributes, photos and listings are JSON texts the
 * store keeps as they are. */
#define STORE_PRODUCT_ID_MAX   128
#define STORE_PRODUCT_TEXT_MAX (64 * 1024) /* each string field */
struct store_product {
    const char *id, *sku, *name, *description;
    const char *attributes; /* a JSON object (text) */
    const char *colour, *category;
    double price;
    int64_t created_ms;
    const char *photos;   /* a JSON array of image ids (text) */
    const char *listings; /* a JSON array of listing objects (text) */
};
/* Filters (all optional) and paging of product_query. */
struct store_product_query {
    const char *id;                /* exact id */
    const char *category, *colour; /* equal, ASCII case ignored */
    int has_price_min, has_price_max;
    double price_min, price_max; /* inclusive */
    int has_from, has_to;
    int64_t from_ms, to_ms; /* created_ms, inclusive */
    /* Words of [a-z0-9] separated by single spaces (at most
     * STORE_PRODUCT_WORDS_MAX): with any_word 0 every word must occur, with
     * any_word 1 at least one; rows then come best match first (score:
     * larger is better). Without words, newest first, then id. */
    const char *words;
    int any_word;
    int limit, offset; /* limit 1..STORE_PRODUCT_PAGE_MAX */
};
#define STORE_PRODUCT_WORDS_MAX 256
#define STORE_PRODUCT_PAGE_MAX  10000
/* Called for each row; p's strings live until it returns. Nonzero stops. */
typedef int (*store_product_cb)(const struct store_product *p, double score, void *ctx);
/* ---- product embeddings: text vectors cached by (model, hash of the text) ----
 * A vector is stored once per model name and text hash (src/product/ makes
 * both: the model names the provider, model and size; the hash is the
 * SHA-256 hex of the text embedded), so a product whose text is unchanged
 * is never embedded again and a changed text gets a new row. */
#define STORE_EMBED_MODEL_MAX 128
#define STORE_EMBED_HASH_LEN  64 /* lower-case hex SHA-256 */
#define STORE_EMBED_DIM_MAX   4096
#define STORE_EMBED_BATCH_MAX 1000
struct store_embedding {
    const char *hash;
    int dim;
    const float *vec;
};
/* Called for each stored hash asked for (any order); vec lives until it
 * returns. Nonzero stops. */
typedef int (*store_embedding_cb)(const char *hash, const float *vec, int dim, void *ctx);
/* A lookup: hashes[0..n-1] under model. */
struct store_embedding_ask {
    const char *model;
    const char *const *hashes;
    int n;
};
struct store_prune;
struct store_prune_res;

/* ---- market watch: a watch list and its observations over time ----
 * A watch is (marketplace, item id, search query); each refresh adds an
 * observation. Unknown numbers are -1 (price included); error is "" when
 * the refresh worked, else what failed (the slug). */
#define STORE_WATCH_TEXT_MAX 512
struct store_watch {
    int64_t id;
    const char *market; /* "amazon", "flipkart", "myntra" */
    const char *item;   /* ASIN / itmid / style id */
    const char *query;  /* "" for none */
    int64_t created_ms;
};
struct store_watch_obs {
    int64_t watch_id, at_ms;
    int page, rank, sponsored; /* organic page and position; first ad slot */
    double price;
    int offers;
    const char *error;
};
typedef int (*store_watch_cb)(const struct store_watch *w, void *ctx);
typedef int (*store_watch_obs_cb)(const struct store_watch_obs *o, void *ctx);

struct store_ops {
    const char *name;
    /* `location`: the sqlite backend takes "[busy_ms=M;]PATH" (a database
     * file path), the postgres backend "[pool=N;][wait_ms=M;]CONNINFO"
     * (store_location()). */
    enum kr_code (*open)(const char *location, struct store **out, struct kr_err *err);
    /* KR_ECONFLICT if the id, or the (bucket, key), exists. */
    enum kr_code (*image_insert)(struct store *s, const struct store_image *img,
                                 struct kr_err *err);
    /* KR_ENOTFOUND if absent. */
    enum kr_code (*image_delete)(struct store *s, int64_t id, struct kr_err *err);
    enum kr_code (*image_get)(struct store *s, int64_t id, struct store_image *out,
                              struct kr_err *err);
    enum kr_code (*image_find_key)(struct store *s, const char *bucket, const char *key,
                                   struct store_image *out, struct kr_err *err);
    enum kr_code (*image_find_url)(struct store *s, const char *url, struct store_image *out,
                                   struct kr_err *err);
    /* The oldest image with these bytes; KR_ENOTFOUND if none. */
    enum kr_code (*image_find_sha)(struct store *s, const char *sha256, struct store_image *out,
                                   struct kr_err *err);
    enum kr_code (*image_update_sig)(struct store *s, int64_t id, const struct dedup_sig *sig,
                                     struct kr_err *err);
    /* Optional (NULL: image_get per id stands in): the rows of those of
     * the n ids (at most STORE_IDS_MAX) that exist, cb called once per row
     * in no set order (an id with no row is simply not reported), in one
     * round trip where the backend has round trips: what the index reads
     * to verify its candidates. cb must not call the store; nonzero stops. */
    enum kr_code (*image_get_ids)(struct store *s, const int64_t *ids, int n,
                                  int (*cb)(const struct store_image *img, void *ctx), void *ctx,
                                  struct kr_err *err);
    /* Every image in id order; cb returns nonzero to stop early. */
    enum kr_code (*image_each)(struct store *s, int (*cb)(const struct store_image *img, void *ctx),
                               void *ctx, struct kr_err *err);
    enum kr_code (*image_count)(struct store *s, long long *n, struct kr_err *err);
    /* Optional (NULL: image_each stands in): every image's id and
     * signature, the rest of *img zeroed, in no set order, as fast as the
     * backend can (what an index loads at start-up); cb must not call the
     * store (a connection may be held while it runs); nonzero stops. */
    enum kr_code (*image_sigs)(struct store *s, int (*cb)(const struct store_image *img, void *ctx),
                               void *ctx, struct kr_err *err);

    enum kr_code (*doc_put)(struct store *s, const char *ns, const char *key, const char *json,
                            struct kr_err *err);
    /* Insert only: KR_ECONFLICT (store_conflict) when (ns, key) exists, so
     * two nodes writing the same new key cannot overwrite each other. */
    enum kr_code (*doc_add)(struct store *s, const char *ns, const char *key, const char *json,
                            struct kr_err *err);
    /* KR_ENOTFOUND if absent; *json is malloc'd. */
    enum kr_code (*doc_get)(struct store *s, const char *ns, const char *key, char **json,
                            struct kr_err *err);
    /* KR_ENOTFOUND if absent. */
    enum kr_code (*doc_delete)(struct store *s, const char *ns, const char *key,
                               struct kr_err *err);
    /* Every document of ns in key order; cb returns nonzero to stop early. */
    enum kr_code (*doc_each)(struct store *s, const char *ns,
                             int (*cb)(const char *key, const char *json, void *ctx), void *ctx,
                             struct kr_err *err);
    void (*close)(struct store *s);

    /* ---- multi-node sync (branch h-sync) --------------------------------
     * Optional: NULL for a backend only one process writes (sqlite under
     * its flock); the wrappers then fail with KR_EUNSUPPORTED
     * ("store_no_sync"). A backend several nodes share numbers every
     * insert, update and delete of an image row with a sequence that
     * grows in commit order, so a node that replayed every change up to
     * seq N and then replays those after N misses nothing. */
    /* The newest change's seq (0 if none). */
    enum kr_code (*change_head)(struct store *s, int64_t *seq, struct kr_err *err);
    /* At most max changes after seq `after`, oldest first, into out[*n]. */
    enum kr_code (*changes)(struct store *s, int64_t after, struct store_change *out, int max,
                            int *n, struct kr_err *err);
    /* Block up to timeout_ms or until another node may have committed a
     * change (KR_OK either way). On a failure it has already waited. */
    enum kr_code (*change_wait)(struct store *s, int timeout_ms, struct kr_err *err);
    /* The cross-node lock an ingest holds from its duplicate re-check to
     * its commit; *token is passed back to dedup_unlock. */
    enum kr_code (*dedup_lock)(struct store *s, void **token, struct kr_err *err);
    void (*dedup_unlock)(struct store *s, void *token);
    /* ---- job claims (jobs across nodes; see the block at the end) ----
     * NULL in a backend without them (sqlite: one process owns its jobs). */
    enum kr_code (*claim_add)(struct store *s, const char *job_id, int n, struct kr_err *err);
    enum kr_code (*claim_take)(struct store *s, struct store_claim *c, struct kr_err *err);
    enum kr_code (*claim_renew)(struct store *s, const char *owner, long lease_ms,
                                struct kr_err *err);
    enum kr_code (*claim_complete)(struct store *s, const struct store_claim *c,
                                   const struct store_claim_doc *d, struct kr_err *err);
    enum kr_code (*claim_jobs)(struct store *s, int (*cb)(const char *job_id, void *ctx), void *ctx,
                               struct kr_err *err);
    /* ---- products (src/product/ owns their meaning; see the block at
     * the end). Both backends have them. */
    /* Insert or replace n rows in one transaction (all or none). */
    enum kr_code (*product_put)(struct store *s, const struct store_product *p, int n,
                                struct kr_err *err);
    enum kr_code (*product_delete)(struct store *s, const char *id, struct kr_err *err);
    enum kr_code (*product_query)(struct store *s, const struct store_product_query *q,
                                  store_product_cb cb, void *ctx, struct kr_err *err);
    /* The product count and each word's document count. */
    enum kr_code (*product_word_docs)(struct store *s, const char *words, long long *total,
                                      long long *docs, struct kr_err *err);
    /* Cached embeddings (both backends): lookup of n hashes, and an upsert
     * of n vectors in one transaction. */
    enum kr_code (*embedding_get)(struct store *s, const struct store_embedding_ask *q,
                                  store_embedding_cb cb, void *ctx, struct kr_err *err);
    enum kr_code (*embedding_put)(struct store *s, const char *model,
                                  const struct store_embedding *e, int n, struct kr_err *err);
    /* ---- market watch list (src/watch owns its meaning; see the block
     * at the end). Both backends have them. */
    enum kr_code (*watch_add)(struct store *s, const struct store_watch *w, int64_t *id,
                              struct kr_err *err);
    enum kr_code (*watch_delete)(struct store *s, int64_t id, struct kr_err *err);
    enum kr_code (*watch_each)(struct store *s, int64_t id, store_watch_cb cb, void *ctx,
                               struct kr_err *err);
    enum kr_code (*watch_observe)(struct store *s, const struct store_watch_obs *o,
                                  struct kr_err *err);
    enum kr_code (*watch_history)(struct store *s, int64_t id, int limit, store_watch_obs_cb cb,
                                  void *ctx, struct kr_err *err);
    /* ---- pruning (see the block at the end); NULL without sync ---- */
    enum kr_code (*sync_report)(struct store *s, const char *node, int64_t seq, struct kr_err *err);
    enum kr_code (*prune)(struct store *s, const struct store_prune *p, struct store_prune_res *out,
                          struct kr_err *err);
};

struct store {
    const struct store_ops *ops;
};

struct config;
/* The location store_open() takes for cfg's store: "busy_ms=M;DATA_DIR/karat.db"
 * (M = KARAT_SQLITE_BUSY_MS), or,
 * when KARAT_DATABASE_URL is set and KARAT_STORE is not "sqlite",
 * "pool=N;wait_ms=M;" + KARAT_DATABASE_URL (the postgres backend's form;
 * a decorator such as the tests' "fault" store passes it on). KR_EINVAL
 * for postgres without a URL, KR_ELIMIT if it does not fit out. */
enum kr_code store_location(const struct config *cfg, char *out, size_t n, struct kr_err *err);

const struct store_ops *store_backend(const char *name);
/* Make ops available by its name (a backend outside this folder, such as
 * the tests' fault-injecting decorators). Not thread-safe: call before any
 * store_open(). Adding the same ops again is KR_OK. */
enum kr_code store_backend_add(const struct store_ops *ops, struct kr_err *err);

enum kr_code store_open(const char *backend, const char *location, struct store **out,
                        struct kr_err *err);
enum kr_code store_image_insert(struct store *s, const struct store_image *img, struct kr_err *err);
enum kr_code store_image_delete(struct store *s, int64_t id, struct kr_err *err);
enum kr_code store_image_get(struct store *s, int64_t id, struct store_image *out,
                             struct kr_err *err);
/* The existing rows of ids (0 <= n <= STORE_IDS_MAX, else KR_EINVAL), one
 * cb call per row found, in no set order. */
#define STORE_IDS_MAX 64
enum kr_code store_image_get_ids(struct store *s, const int64_t *ids, int n,
                                 int (*cb)(const struct store_image *img, void *ctx), void *ctx,
                                 struct kr_err *err);
/* store_image_get_ids with each row put in its place among ids: cb(img, i,
 * ctx) for every position i with ids[i] == img->id (increasing i for one
 * row), at most once per position however often the backend returns the
 * row (the per-id fallback returns an id asked twice twice). A position
 * whose row does not exist gets no call (and no error); a row whose id was
 * not asked for is left out. Limits, errors and "nonzero stops" as above. */
enum kr_code store_image_get_placed(struct store *s, const int64_t *ids, int n,
                                    int (*cb)(const struct store_image *img, int i, void *ctx),
                                    void *ctx, struct kr_err *err);
/* The signatures of ids (distinct, n <= STORE_IDS_MAX) by position: sigs[i]
 * and found[i] = 1 for a row that exists, found[i] = 0 for one that does
 * not (store_image_get_placed underneath: one round trip where it counts).
 * The shape of the index's signature source (index/index.h). */
enum kr_code store_image_sigs_of(struct store *s, const int64_t *ids, int n,
                                 struct dedup_sig *sigs, uint8_t *found, struct kr_err *err);
enum kr_code store_image_find_key(struct store *s, const char *bucket, const char *key,
                                  struct store_image *out, struct kr_err *err);
enum kr_code store_image_find_url(struct store *s, const char *url, struct store_image *out,
                                  struct kr_err *err);
enum kr_code store_image_find_sha(struct store *s, const char *sha256, struct store_image *out,
                                  struct kr_err *err);
enum kr_code store_image_update_sig(struct store *s, int64_t id, const struct dedup_sig *sig,
                                    struct kr_err *err);
enum kr_code store_image_each(struct store *s, int (*cb)(const struct store_image *img, void *ctx),
                              void *ctx, struct kr_err *err);
enum kr_code store_image_count(struct store *s, long long *n, struct kr_err *err);
/* Every image's id and signature (image_sigs above; other fields may be
 * zero): what an in-memory index loads. cb must not call the store. */
enum kr_code store_image_sigs(struct store *s, int (*cb)(const struct store_image *img, void *ctx),
                              void *ctx, struct kr_err *err);
enum kr_code store_doc_add(struct store *s, const char *ns, const char *key, const char *json,
                           struct kr_err *err);
enum kr_code store_doc_put(struct store *s, const char *ns, const char *key, const char *json,
                           struct kr_err *err);
enum kr_code store_doc_get(struct store *s, const char *ns, const char *key, char **json,
                           struct kr_err *err);
enum kr_code store_doc_delete(struct store *s, const char *ns, const char *key, struct kr_err *err);
enum kr_code store_doc_each(struct store *s, const char *ns,
                            int (*cb)(const char *key, const char *json, void *ctx), void *ctx,
                            struct kr_err *err);
void store_close(struct store *s);

/* ---- multi-node sync (branch h-sync): see struct store_ops ---- */
#define STORE_CHANGES_MAX 256 /* largest max store_changes() takes */
enum kr_code store_change_head(struct store *s, int64_t *seq, struct kr_err *err);
enum kr_code store_changes(struct store *s, int64_t after, struct store_change *out, int max,
                           int *n, struct kr_err *err);
enum kr_code store_change_wait(struct store *s, int timeout_ms, struct kr_err *err);
enum kr_code store_dedup_lock(struct store *s, void **token, struct kr_err *err);
void store_dedup_unlock(struct store *s, void *token);
/* ---- job claims: several nodes working on one job table ----
 * One claim row per job item and one for the job's finish step, each with
 * an owner (a node), a lease end (the database's clock) and a token that
 * grows with every take. A take succeeds only on a row that is not done and
 * whose lease has run out (or was never taken), via SELECT ... FOR UPDATE
 * SKIP LOCKED, so two nodes never hold one row; the holder renews its
 * leases (a heartbeat); complete writes the result document and marks the
 * row done in one statement, only while the token is still the holder's,
 * so a node whose lease ran out and was taken over cannot commit (fencing),
 * and a done row is never taken again. */

/* 1 when the store has claims (postgres), 0 when one process owns its jobs. */
int store_has_claims(const struct store *s);
/* Rows for items 0..n-1 and the finish step; existing rows stay as they are. */
enum kr_code store_claim_add(struct store *s, const char *job_id, int n, struct kr_err *err);
/* Take c's row for c->owner for c->lease_ms: KR_OK with c->token, or
 * KR_ECONFLICT (claim_busy) when it is done, leased by another node, being
 * taken right now, or has no row. */
enum kr_code store_claim_take(struct store *s, struct store_claim *c, struct kr_err *err);
/* Heartbeat: extend every not-done row of owner by lease_ms from now. */
enum kr_code store_claim_renew(struct store *s, const char *owner, long lease_ms,
                               struct kr_err *err);
/* Write d and mark c's row done if c->token still holds it; KR_ECONFLICT
 * (claim_lost), nothing written, when another node took it over since. */
enum kr_code store_claim_complete(struct store *s, const struct store_claim *c,
                                  const struct store_claim_doc *d, struct kr_err *err);
/* Each job that has an item free to take (never taken, or its lease ran
 * out), or whose items are all done and whose finish step is free. */
enum kr_code store_claim_jobs(struct store *s, int (*cb)(const char *job_id, void *ctx), void *ctx,
                              struct kr_err *err);

/* ---- market watch (store_watch.c): KR_EUNSUPPORTED without the ops ---- */
/* *id gets the new watch's id. */
enum kr_code store_watch_add(struct store *s, const struct store_watch *w, int64_t *id,
                             struct kr_err *err);
/* The watch and its observations; KR_ENOTFOUND (watch_not_found) if absent. */
enum kr_code store_watch_delete(struct store *s, int64_t id, struct kr_err *err);
/* Every watch (id 0) or the one with id, oldest first. */
enum kr_code store_watch_each(struct store *s, int64_t id, store_watch_cb cb, void *ctx,
                              struct kr_err *err);
enum kr_code store_watch_observe(struct store *s, const struct store_watch_obs *o,
                                 struct kr_err *err);
/* The newest `limit` observations of a watch, newest first. */
enum kr_code store_watch_history(struct store *s, int64_t id, int limit, store_watch_obs_cb cb,
                                 void *ctx, struct kr_err *err);

/* ---- products (store_products.c) ---- */
/* Insert or replace the row with p->id (bounds: KR_EINVAL, never cut). */
enum kr_code store_product_put(struct store *s, const struct store_product *p, struct kr_err *err);
/* The same for p[0..n-1] in one transaction: all stored or none
 * (1 <= n <= STORE_PRODUCT_BATCH_MAX). */
#define STORE_PRODUCT_BATCH_MAX 1000
enum kr_code store_product_put_many(struct store *s, const struct store_product *p, int n,
                                    struct kr_err *err);
/* KR_ENOTFOUND (product_not_found) if absent. */
enum kr_code store_product_delete(struct store *s, const char *id, struct kr_err *err);
enum kr_code store_product_query(struct store *s, const struct store_product_query *q,
                                 store_product_cb cb, void *ctx, struct kr_err *err);
/* *total = the number of products; docs[i] = how many products hold the
 * i-th word of `words` (a word list as product_query takes, matched the
 * way a search matches it: the backend's own stemming): a ranking tells
 * rare words from ones nearly every product has with it. */
enum kr_code store_product_word_docs(struct store *s, const char *words, long long *total,
                                     long long *docs, struct kr_err *err);
/* Embeddings (store_products.c): cb for each of q->hashes[0..n-1] stored
 * under q->model (1 <= n <= STORE_EMBED_BATCH_MAX; absent ones are simply not
 * called back); put stores e[0..n-1] (replacing the same model + hash),
 * all or none. Bad names, hashes or sizes: KR_EINVAL. */
enum kr_code store_embedding_get(struct store *s, const struct store_embedding_ask *q,
                                 store_embedding_cb cb, void *ctx, struct kr_err *err);
enum kr_code store_embedding_put(struct store *s, const char *model,
                                 const struct store_embedding *e, int n, struct kr_err *err);
/* ---- pruning: the change feed and finished jobs' claims ----
 * Each node reports the last change it replayed (sync_report, with a name
 * unique to the running process). prune deletes, in one statement each:
 *   - changes older than changes_retention_ms that every live node (one that
 *     reported within node_ttl_ms) has replayed, never the newest change
 *     (the head stays readable), and records the highest seq deleted; a
 *     node asking for changes after a seq below it gets KR_ECONFLICT
 *     (changes_pruned) and must reload its index from the image rows;
 *   - the reports of nodes not seen within node_ttl_ms;
 *   - every claim row of a job whose finish step was done more than
 *     claims_retention_ms ago (the job's documents stay).
 * Concurrent prunes from several nodes are harmless. */
struct store_prune {
    long long changes_retention_ms, node_ttl_ms, claims_retention_ms;
};
struct store_prune_res {
    long long changes, claims, nodes_forgotten; /* rows deleted */
    long long pruned_seq;                       /* every change up to it may be gone */
};
enum kr_code store_sync_report(struct store *s, const char *node, int64_t seq, struct kr_err *err);
enum kr_code store_prune(struct store *s, const struct store_prune *p, struct store_prune_res *out,
                         struct kr_err *err);

#endif
