/*
 * index_int.h - private to src/index: the "embedded" backend's instance
 * struct, shared by embedded.c (storage, id map, updates),
 * embedded_query.c (the scans behind find_dups and search) and
 * embedded_scene.c (the second duplicate stage).
 *
 * Layout (structure of arrays, one slot per entry, slots 0..n-1 dense):
 *   ids[n]          int64 ids
 *   hw[4][n]        the 256-bit hashes as 4 planes of uint64 words (word w
 *                   of slot s is hw[w][s]); the dup scan streams planes
 *                   0-2 (24 bytes per entry) and reads plane 3 only for
 *                   the rare entries that pass its filter
 *   descs[64 n]     descriptors quantised to int8, q = round(127 x)
 *   resid[n]        upper bound of ||x - q/127||_2 in units of EMB_RESID_UNIT
 *                   (tightens find_dups' error bound; see embedded_query.c)
 *   table[tcap]     open-addressing id -> slot map (uint32 slot, linear
 *                   probing, load <= 1/2, backward-shift deletion)
 *   vkeys[n]        the scene candidates' keys of a scene photo, or NULL
 *                   (embedded_vote.c); its keypoints themselves stay in the
 *                   store and are read through the source at verification
 *   vbuck[...]      the scene candidates' inverted index (embedded_vote.c)
 * 113 bytes per entry plus 4-8 bytes of map: about 120 MB at 10^6, plus
 * per scene photo its keys (a 96-byte malloc chunk at VOTE_KP keys; catalog
 * shots have none) and VOTE_KP postings of 3 bytes in the inverted index
 * with about 23 bytes of bucket overhead and 8 of the bucket-pointer table
 * at 10^6 (embedded_vote.c): about 200 bytes per scene photo.
 * Removal moves the last slot into the hole, so slots stay dense.
 */
#ifndef KARAT_INDEX_INDEX_INT_H
#define KARAT_INDEX_INDEX_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "index/index.h"

#define EMB_WORDS (DEDUP_HASH_BYTES / 8)
#define EMB_Q     127 /* quantisation scale */
/* With |x_i| <= 1.0001 each residual is <= 0.5/127 + 1e-4, so the norm over
 * 64 dims is <= 0.0323: 255 units of 0.0325/255 always suffice. */
#define EMB_RESID_UNIT (0.0325 / 255)

/* The scene candidates' inverted index (embedded_vote.c): keys of
 * VOTE_BITS bits, VOTE_TABLES keys per keypoint, the first VOTE_KP stored
 * keypoints of a photo indexed, VOTE_MIN votes to be a candidate. */
#define VOTE_BITS   20
#define VOTE_TABLES 1
#define VOTE_KP     24
#define VOTE_MIN    2
/* A bucket: a uint32 count, then 3-byte little-endian slots, then a pad
 * byte; so postings name slots below VOTE_SLOTS. */
#define VOTE_HDR     4
#define VOTE_POSTING 3
#define VOTE_SLOTS   ((size_t)1 << 24)
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the scene postings and keys are read as little-endian words"
#endif

static inline uint32_t idx__vote_count(const uint8_t *b)
{
    uint32_t n;
    memcpy(&n, b, sizeof n);
    return n;
}

/* Posting i of bucket b (one 4-byte load; the pad byte makes the last safe). */
static inline uint32_t idx__vote_slot(const uint8_t *b, uint32_t i)
{
    uint32_t x;
    memcpy(&x, b + VOTE_HDR + (size_t)i * VOTE_POSTING, sizeof x);
    return x & 0xFFFFFFu; /* little-endian: the low 3 bytes */
}

/* The query's hash forms for the first stage's scan: the photo itself and
 * its rotation probes (dedup.h), with each one's descriptor bound terms
 * (embedded_query.c). */
struct emb_qform {
    uint64_t h[EMB_WORDS];
    const float *desc;
    float l1_bound, l2_units;
    int r; /* Hamming distance from form 0 (the photo's own hash) */
};

struct emb_query {
    int hmax; /* the rule's largest Hamming distance */
    int n;    /* forms: 1 + the probes, the probes sorted by r */
    struct emb_qform f[1 + DEDUP_PROBES];
};

/* The scan kernels (embedded_scan.c); all return the same slots. */
enum emb_scan { EMB_SCAN_AUTO, EMB_SCAN_GENERIC, EMB_SCAN_AVX2, EMB_SCAN_AVX512 };

/* Slots in [*pos, end) that some form of Q reaches within Q->hmax bits go
 * to out in ascending order (at most cap); *pos moves past the slots looked
 * at. Returns how many. */
typedef size_t (*emb_scan_fn)(const uint64_t *const *hw, size_t *pos, size_t end,
                              const struct emb_query *Q, size_t *out, size_t cap);

/* The kernel `which` (AUTO: the fastest this CPU runs), or NULL when this
 * CPU lacks it. */
emb_scan_fn idx__emb_scan_kernel(enum emb_scan which);

/* Slot s's hash from the word planes hw. */
static inline void idx__emb_hash_at(const uint64_t *const *hw, size_t s, uint64_t x[EMB_WORDS])
{
    for (int w = 0; w < EMB_WORDS; w++)
        x[w] = hw[w][s];
}

static inline int idx__emb_hamming(const uint64_t *x, const uint64_t *q)
{
    return __builtin_popcountll(x[0] ^ q[0]) + __builtin_popcountll(x[1] ^ q[1]) +
           __builtin_popcountll(x[2] ^ q[2]) + __builtin_popcountll(x[3] ^ q[3]);
}

struct emb_idx {
    struct idx base;
    pthread_rwlock_t lock;
    size_t n, cap;
    int64_t *ids;
    uint64_t *hw[EMB_WORDS]; /* hash word planes */
    int8_t *descs;
    uint8_t *resid;
    uint8_t **vkeys;   /* per slot: its scene keys (idx__emb_vote_keys), or NULL */
    size_t nscene;     /* slots with scene keys */
    uint8_t **vbuck;   /* VOTE_TABLES x 2^VOTE_BITS postings lists, or NULL */
    size_t vote_slots; /* 0: VOTE_SLOTS; tests lower it (idx__emb_vote_slots) */
    uint32_t *table;
    size_t tmask;         /* table size - 1 (a power of two) */
    idx_source_fn source; /* stored signatures (idx_set_source), or NULL */
    void *source_ctx;
    enum emb_scan scan; /* option scan=: the find_dups kernel (embedded_scan.c) */
};

/* Checked downcast (aborts on a foreign struct idx). */
struct emb_idx *idx__emb_of(struct idx *ix);

/* Slot of id, or -1. Caller holds the lock. */
long idx__emb_slot(const struct emb_idx *e, int64_t id);

/* q[i] = round(127 x[i]) clamped to [-127, 127]; returns the residual
 * norm ||x - q/127||_2 rounded up to EMB_RESID_UNITs (at most 255). */
uint8_t idx__emb_quantise(const float *x, int8_t *q);

/* The stored signatures of ids[0..n) (n <= IDX_SOURCE_BATCH) through
 * source into t and found (index.h); a failure comes back with the
 * source's own error, prefixed. No lock held. */
struct emb_source {
    idx_source_fn fn;
    void *ctx;
};
enum kr_code idx__emb_read(const struct emb_source *src, const int64_t *ids, int n,
                           struct dedup_sig *t, uint8_t *found, struct kr_err *err);

enum kr_code idx__emb_find_dups(struct idx *ix, const struct idx_dup_query *dq,
                                struct idx_hit *hits, int max, int *nhits, struct kr_err *err);
/* Descriptor score of a float query against a stored int8 vector. */
float idx__emb_score(const float *a, const int8_t *b);

/* int8 dot products of the quantised query q with slots [from, from+cnt)
 * (the search kernel: AVX2 where the CPU has it). Caller holds the lock. */
void idx__emb_dots(const struct emb_idx *e, size_t from, size_t cnt, const int8_t *q, int32_t *out);

/* Slot s's scene keys from sig (replacing any; none if sig has no
 * keypoints): 0; -1 out of memory, -2 slot beyond the postings' range (the
 * old ones are then kept). drop frees them. Caller holds the write lock. */
int idx__emb_scene_put(struct emb_idx *e, size_t s, const struct dedup_sig *sig);
void idx__emb_scene_drop(struct emb_idx *e, size_t s);
/* Slot from's keys move to slot to (to's were dropped). */
void idx__emb_scene_move(struct emb_idx *e, size_t to, size_t from);

/* A scene photo's keys: a count byte, then that many 3-byte bucket numbers
 * (table t's key of keypoint k is bucket t 2^VOTE_BITS + key), in add
 * order. */
#define VOTE_KEY_BYTES 3
#if VOTE_TABLES * (1 << VOTE_BITS) > (1 << 24)
#error "a scene key is a 3-byte bucket number"
#endif
#if VOTE_KP * VOTE_TABLES > 255
#error "a photo's key count is one byte"
#endif
static inline int idx__vkey_count(const uint8_t *k)
{
    return k[0];
}

static inline uint32_t idx__vkey(const uint8_t *k, int i)
{
    const uint8_t *q = k + 1 + (size_t)i * VOTE_KEY_BYTES;
    return q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16;
}

/* The keys of sig's first VOTE_KP keypoints into *out (a malloc'd block;
 * NULL when sig has no keypoints): 0, or -1 out of memory. */
int idx__emb_vote_keys(const struct dedup_sig *sig, uint8_t **out);
/* The inverted index over a slot's keys k: add (0; -1 out of memory, -2
 * slot at or beyond idx__emb_vote_slots(); nothing added on failure),
 * delete, and rename a slot's postings; free all. Caller holds the write
 * lock. */
size_t idx__emb_vote_slots(const struct emb_idx *e);
int idx__emb_vote_add(struct emb_idx *e, uint32_t slot, const uint8_t *k);
void idx__emb_vote_del(struct emb_idx *e, uint32_t slot, const uint8_t *k);
void idx__emb_vote_move(struct emb_idx *e, uint32_t to, uint32_t from, const uint8_t *k);
void idx__emb_vote_free(struct emb_idx *e);
/* Up to cap slots with the most votes from q's keypoints (at least
 * VOTE_MIN), best first, into slots: their number, or -1 out of memory.
 * Caller holds the read lock. */
int idx__emb_vote_top(const struct emb_idx *e, const struct dedup_sig *q, int cap, uint32_t *slots);
/* The second stage: entries with scene keys whose stored keypoints (read
 * through the source) dedup_scene_match() calls duplicates of dq->sig,
 * among the rule->scene_candidates with the most votes (embedded_vote.c)
 * (hits must hold that many). Takes the read lock itself. */
enum kr_code idx__emb_scene_dups(struct emb_idx *e, const struct idx_dup_query *dq,
                                 struct idx_hit *hits, int *nhits, struct kr_err *err);

enum kr_code idx__emb_search(struct idx *ix, const float *desc, int k, struct idx_hit *hits,
                             int *nhits, struct kr_err *err);

#endif
