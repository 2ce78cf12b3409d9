/*
 * index.h - the similarity index: which stored images look like this one.
 *
 * Backends ("embedded": in-process arrays scanned with popcount and int8
 * dot products; "milvus" later) sit behind `const struct idx_ops`. Callers
 * use the idx_* wrappers only. The index is a cache of the store: it is
 * filled from the store at start-up and updated by repo/ in the same step
 * that commits a row, so it never holds an id the store does not.
 *
 * Two questions: idx_find_dups() answers "which entries does the duplicate
 * rule match?" (range query on the hash, confirmed by the descriptor);
 * idx_search() answers "top-k by descriptor inner product".
 *
 * Thread safety: every operation may be called concurrently (backends lock).
 */
#ifndef KARAT_INDEX_INDEX_H
#define KARAT_INDEX_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "dedup/dedup.h"

/* Largest `max` / `k` a query may ask for (KR_EINVAL above). */
#define IDX_MAX_HITS 10000

/* The stored signatures of ids[0..n), for what a backend does not keep in
 * full: the embedded index keeps descriptors as int8 and, of the scene
 * keypoints, only their candidate keys. n is at most IDX_SOURCE_BATCH (one
 * store round trip). For each i: fill sigs[i] (at least desc, nkp and kp)
 * and set found[i] = 1, or found[i] = 0 if ids[i] is unknown (deleted
 * meanwhile). Return KR_OK, or any other code with err set if the source
 * failed (find_dups then fails with it: a failure is never taken for
 * "unknown"). Called without any index lock held, possibly from many
 * threads. */
#define IDX_SOURCE_BATCH 16
typedef enum kr_code (*idx_source_fn)(const int64_t *ids, int n, struct dedup_sig *sigs,
                                      uint8_t *found, void *ctx, struct kr_err *err);

struct idx_hit {
    int64_t id;
    float score;    /* descriptor inner product, higher = more alike */
    float distance; /* 1 - score */
    int hash_dist;  /* Hamming distance of the hashes */
};

/* A duplicate question: which entries does `rule` call duplicates of `sig`? */
struct idx_dup_query {
    const struct dedup_sig *sig;
    const struct dedup_rule *rule;
};

struct idx;

struct idx_ops {
    const char *name;
    /* Create an empty index. `opts` is backend-specific (may be NULL). */
    enum kr_code (*open)(const char *opts, struct idx **out, struct kr_err *err);
    /* Add or replace the entry for id. */
    enum kr_code (*add)(struct idx *ix, int64_t id, const struct dedup_sig *sig,
                        struct kr_err *err);
    /* Remove id; KR_ENOTFOUND if absent. */
    enum kr_code (*remove)(struct idx *ix, int64_t id, struct kr_err *err);
    /* Entries the rule calls duplicates of q, best (smallest distance) first, at most max. */
    enum kr_code (*find_dups)(struct idx *ix, const struct idx_dup_query *q, struct idx_hit *hits,
                              int max, int *nhits, struct kr_err *err);
    /* Top-k entries by descriptor score, best first. */
    enum kr_code (*search)(struct idx *ix, const float *desc, int k, struct idx_hit *hits,
                           int *nhits, struct kr_err *err);
    /* 1 if id is present. */
    int (*contains)(struct idx *ix, int64_t id);
    size_t (*count)(struct idx *ix);
    /* Call cb for every id (for fsck); stops when cb returns nonzero. */
    void (*each)(struct idx *ix, int (*cb)(int64_t id, void *ctx), void *ctx);
    void (*close)(struct idx *ix);
    /* Optional (NULL = not needed): where find_dups() reads stored
     * signatures: exact descriptors to re-score candidates whose lossy
     * score is too close to rule->desc_min to decide (without a source such
     * candidates are not reported: a false "duplicate" would drop an
     * upload), and the scene keypoints of the second stage's candidates
     * (without a source, a query that has candidates to verify fails with
     * no_signature_source). */
    void (*set_source)(struct idx *ix, idx_source_fn fn, void *ctx);
};

/* Every index embeds this as its first member. */
struct idx {
    const struct idx_ops *ops;
};

/* Look a backend up by name ("embedded"); NULL if unknown or not built. */
const struct idx_ops *idx_backend(const char *name);

enum kr_code idx_open(const char *backend, const char *opts, struct idx **out, struct kr_err *err);
enum kr_code idx_add(struct idx *ix, int64_t id, const struct dedup_sig *sig, struct kr_err *err);
enum kr_code idx_remove(struct idx *ix, int64_t id, struct kr_err *err);
enum kr_code idx_find_dups(struct idx *ix, const struct idx_dup_query *q, struct idx_hit *hits,
                           int max, int *nhits, struct kr_err *err);
enum kr_code idx_search(struct idx *ix, const float *desc, int k, struct idx_hit *hits, int *nhits,
                        struct kr_err *err);
int idx_contains(struct idx *ix, int64_t id);
size_t idx_count(struct idx *ix);
void idx_each(struct idx *ix, int (*cb)(int64_t id, void *ctx), void *ctx);
void idx_close(struct idx *ix);
/* Install the stored-signature source (e.g. a store lookup); no-op for
 * backends that keep whole signatures. fn NULL removes it. */
void idx_set_source(struct idx *ix, idx_source_fn fn, void *ctx);

#endif
