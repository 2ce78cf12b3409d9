/*
 * embedded_vote.c - the candidate stage of the embedded index's scene check:
 * an inverted index over the stored BRIEF descriptors (multi-index hashing),
 * so the second duplicate stage does not scan every entry.
 *
 * Keys: of each stored scene photo's keypoints, the first VOTE_KP (they are
 * stored strongest first, spread over a grid; dedup/scene.c) give one key
 * per table: table t takes bits [t VOTE_BITS, (t + 1) VOTE_BITS) of the
 * 128-bit descriptor. Each table maps a key to a bucket, a postings list of
 * slots (3 bytes each, so slots below VOTE_SLOTS = 2^24). A scene photo's
 * keys are kept with its slot (e->vkeys, 1 + 3 VOTE_KP bytes), so its
 * postings can be found again when it is removed or moved; its keypoints
 * themselves are not kept here (embedded_scene.c reads the candidates'
 * from the store).
 *
 * Query: each of the photo's dense keypoints (or its stored ones when it
 * has no dense set) looks up, in every table, its key and the VOTE_BITS keys
 * one bit away (a copy's descriptor differs from the stored one in a few of
 * the 128 bits, so an exact key alone would miss most correspondences);
 * every posting met is a vote for its slot. Slots with at least VOTE_MIN
 * votes are candidates, ranked by votes (ties by descriptor score); the
 * best go to the geometric check. A copy whose stored keypoints collect
 * fewer votes than VOTE_MIN, or rank below the cap, is missed although the
 * exhaustive check would catch it: docs/BENCHMARKS.md measures how often.
 *
 * Memory: VOTE_TABLES x 2^VOTE_BITS bucket pointers (allocated with the
 * first scene photo), and per scene photo its keys (73 bytes, a 96-byte
 * malloc chunk) and VOTE_KP x VOTE_TABLES postings of 3 bytes. A bucket is one allocation of
 * exactly 4 + 3 n + 1 bytes (a count word, n postings, a pad byte so a posting is one 4-byte load):
 * it is reallocated to the exact size on every change, which glibc does in
 * place while the chunk has room, so the slack is malloc's own rounding
 * (under 16 bytes) and its 8-byte header. A scene photo in a slot at or
 * beyond the limit (VOTE_SLOTS, or e->vote_slots when a test lowers it) is
 * refused (idx__emb_vote_add returns -2): a posting never wraps.
 *
 * Updates run under the index's write lock, queries under its read lock
 * (each query counts votes in its own array). Slots move on removal
 * (embedded.c), so a move rewrites the moved photo's postings in place.
 * Adding never leaves a photo half indexed: on a failed allocation the
 * postings already added are taken out again.
 */
#include <stdlib.h>
#include <string.h>

#include "index/index_int.h"

#define NBUCKETS ((size_t)1 << VOTE_BITS)
#define KEY_MASK ((uint32_t)NBUCKETS - 1)
#define AHEAD    8 /* lookups between prefetching a bucket and reading it */

/* Bits [off, off + VOTE_BITS) of a 128-bit descriptor (little-endian). */
static uint32_t key_of(const uint8_t d[DEDUP_SCENE_DESC], int t)
{
    uint64_t lo, hi;
    int off = t * VOTE_BITS;

    memcpy(&lo, d, 8);
    memcpy(&hi, d + 8, 8);
    if (off >= 64)
        return (uint32_t)(hi >> (off - 64)) & KEY_MASK;
    if (off + VOTE_BITS <= 64)
        return (uint32_t)(lo >> off) & KEY_MASK;
    return (uint32_t)((lo >> off) | (hi << (64 - off))) & KEY_MASK;
}

int idx__emb_vote_keys(const struct dedup_sig *sig, uint8_t **out)
{
    int nk = sig->nkp < VOTE_KP ? sig->nkp : VOTE_KP, i = 0;
    uint8_t *k;

    *out = NULL;
    if (nk <= 0)
        return 0;
    k = malloc(1 + (size_t)nk * VOTE_TABLES * VOTE_KEY_BYTES);
    if (!k)
        return -1;
    k[0] = (uint8_t)(nk * VOTE_TABLES);
    for (int p = 0; p < nk; p++)
        for (int t = 0; t < VOTE_TABLES; t++, i++) {
            uint32_t b = (uint32_t)t * (uint32_t)NBUCKETS + key_of(sig->kp[p].d, t);
            uint8_t *q = k + 1 + (size_t)i * VOTE_KEY_BYTES;
            q[0] = (uint8_t)b;
            q[1] = (uint8_t)(b >> 8);
            q[2] = (uint8_t)(b >> 16);
        }
    *out = k;
    return 0;
}

#define PAD 1 /* the byte after the last posting (4-byte loads) */

static size_t bucket_bytes(uint32_t n)
{
    return VOTE_HDR + (size_t)n * VOTE_POSTING + PAD;
}

static void set_count(uint8_t *v, uint32_t n)
{
    memcpy(v, &n, sizeof n);
}

static void set_slot(uint8_t *v, uint32_t i, uint32_t slot)
{
    uint8_t *q = v + VOTE_HDR + (size_t)i * VOTE_POSTING;
    q[0] = (uint8_t)slot;
    q[1] = (uint8_t)(slot >> 8);
    q[2] = (uint8_t)(slot >> 16);
}

/* Append slot, growing the bucket to its exact new size. */
static int bucket_push(uint8_t **b, uint32_t slot)
{
    uint32_t n = *b ? idx__vote_count(*b) : 0;
    uint8_t *v = realloc(*b, bucket_bytes(n + 1));

    if (!v)
        return -1; /* *b is unchanged */
    *b = v;
    set_slot(v, n, slot);
    v[bucket_bytes(n + 1) - PAD] = 0;
    set_count(v, n + 1);
    return 0;
}

/* Take one posting of slot out (order does not matter) and shrink the
 * bucket to its exact size; free an empty bucket. */
static void bucket_pop(uint8_t **b, uint32_t slot)
{
    uint8_t *v = *b, *w;
    uint32_t n = v ? idx__vote_count(v) : 0;

    for (uint32_t i = 0; i < n; i++)
        if (idx__vote_slot(v, i) == slot) {
            set_slot(v, i, idx__vote_slot(v, n - 1));
            set_count(v, --n);
            break;
        }
    if (v && n == 0) {
        free(v);
        *b = NULL;
    } else if (v) {
        v[bucket_bytes(n) - PAD] = 0;
        w = realloc(v, bucket_bytes(n));
        *b = w ? w : v; /* a failed shrink keeps the larger block */
    }
}

/* Remove the postings of the first `upto` keys of k. */
static void del_keys(struct emb_idx *e, uint32_t slot, const uint8_t *k, int upto)
{
    for (int i = 0; i < idx__vkey_count(k) && i < upto; i++)
        bucket_pop(&e->vbuck[idx__vkey(k, i)], slot);
}

size_t idx__emb_vote_slots(const struct emb_idx *e)
{
    return e->vote_slots ? e->vote_slots : VOTE_SLOTS;
}

int idx__emb_vote_add(struct emb_idx *e, uint32_t slot, const uint8_t *k)
{
    if (slot >= idx__emb_vote_slots(e))
        return -2;
    if (!e->vbuck) {
        e->vbuck = calloc((size_t)VOTE_TABLES * NBUCKETS, sizeof *e->vbuck);
        if (!e->vbuck)
            return -1;
    }
    for (int i = 0; i < idx__vkey_count(k); i++)
        if (bucket_push(&e->vbuck[idx__vkey(k, i)], slot) != 0) {
            del_keys(e, slot, k, i);
            return -1;
        }
    return 0;
}

void idx__emb_vote_del(struct emb_idx *e, uint32_t slot, const uint8_t *k)
{
    del_keys(e, slot, k, idx__vkey_count(k));
}

void idx__emb_vote_move(struct emb_idx *e, uint32_t to, uint32_t from, const uint8_t *k)
{
    for (int j = 0; j < idx__vkey_count(k); j++) {
        uint8_t *v = e->vbuck[idx__vkey(k, j)];
        for (uint32_t i = 0, n = v ? idx__vote_count(v) : 0; i < n; i++)
            if (idx__vote_slot(v, i) == from) {
                set_slot(v, i, to);
                break;
            }
    }
}

void idx__emb_vote_free(struct emb_idx *e)
{
    for (size_t b = 0; e->vbuck && b < (size_t)VOTE_TABLES * NBUCKETS; b++)
        free(e->vbuck[b]);
    free(e->vbuck);
    e->vbuck = NULL;
}

/* A query's vote count: votes per slot, and the slots that reached VOTE_MIN. */
struct tally {
    uint8_t *votes;
    uint32_t *cand;
    size_t ncand, cap;
    int failed;
};

static void vote_bucket(const uint8_t *v, struct tally *t)
{
    for (uint32_t i = 0, n = v ? idx__vote_count(v) : 0; i < n; i++) {
        uint32_t s = idx__vote_slot(v, i);
        if (t->votes[s] == 255)
            continue;
        if (++t->votes[s] != VOTE_MIN)
            continue;
        if (t->ncand == t->cap) {
            size_t cap = t->cap ? 2 * t->cap : 256;
            uint32_t *c = realloc(t->cand, cap * sizeof *c);
            if (!c) {
                t->failed = 1;
                return;
            }
            t->cand = c;
            t->cap = cap;
        }
        t->cand[t->ncand++] = s;
    }
}

/* The lookups of one query descriptor: its key and the keys one bit away,
 * per table, as bucket numbers into out (VOTE_TABLES (1 + VOTE_BITS)). */
static size_t lookups(const uint8_t *d, uint32_t *out)
{
    size_t n = 0;
    for (int tb = 0; tb < VOTE_TABLES; tb++) {
        uint32_t key = key_of(d, tb), base = (uint32_t)tb << VOTE_BITS;
        out[n++] = base + key;
        for (int b = 0; b < VOTE_BITS; b++)
            out[n++] = base + (key ^ (1u << b));
    }
    return n;
}

/* Vote from every bucket in keys. Each bucket costs two dependent cache
 * misses (its pointer, then its postings), so both are prefetched a few
 * lookups ahead: the misses overlap instead of queueing. */
static void vote_all(const struct emb_idx *e, const uint32_t *keys, size_t nk, struct tally *t)
{
    uint8_t *const *tab = e->vbuck;

    for (size_t i = 0; i < nk && !t->failed; i++) {
        if (i + 2 * AHEAD < nk)
            __builtin_prefetch(&tab[keys[i + 2 * AHEAD]]);
        if (i + AHEAD < nk && tab[keys[i + AHEAD]])
            __builtin_prefetch(tab[keys[i + AHEAD]]);
        vote_bucket(tab[keys[i]], t);
    }
}

struct vcand {
    uint32_t slot;
    float key;
};

/* The cap best candidates into c (at most cap + 1 entries), best first:
 * most votes, then (only among the last vote count that still fits, where
 * noise piles up) the whole-frame descriptor score. A vote histogram finds
 * that count, so the thousands of 2-vote noise slots of a large index are
 * neither scored nor sorted unless they are needed. */
static int select_top(const struct emb_idx *e, const struct dedup_sig *q, const struct tally *t,
                      int cap, struct vcand *c)
{
    size_t hist[256] = {0}, above = 0;
    int level = 255, n = 0;

    for (size_t i = 0; i < t->ncand; i++)
        hist[t->votes[t->cand[i]]]++;
    while (level > VOTE_MIN && above + hist[level] < (size_t)cap)
        above += hist[level--];
    for (size_t i = 0; i < t->ncand; i++) {
        uint32_t s = t->cand[i];
        int v = t->votes[s];
        if (v < level)
            continue;
        /* votes first; the score (-1..1) only orders equal votes */
        struct vcand x = {
            s, (float)v + 0.4f * idx__emb_score(q->desc, e->descs + (size_t)s * DEDUP_DESC_DIM)};
        int j = n < cap ? n++ : cap; /* insert into the sorted prefix, dropping the worst */
        for (; j > 0 && c[j - 1].key < x.key; j--)
            c[j] = c[j - 1];
        if (j < cap)
            c[j] = x;
    }
    return n;
}

int idx__emb_vote_top(const struct emb_idx *e, const struct dedup_sig *q, int cap, uint32_t *slots)
{
    struct tally t = {0};
    struct vcand *c = NULL;
    int n = 0, dense = q->nqkp > 0, nq = dense ? q->nqkp : q->nkp;
    uint32_t *keys = NULL;
    size_t nk = 0;

    if (!e->vbuck || e->n == 0)
        return 0;
    t.votes = calloc(e->n, 1);
    if (!t.votes)
        return -1;
    keys = malloc((size_t)nq * VOTE_TABLES * (1 + VOTE_BITS) * sizeof *keys);
    for (int i = 0; keys && i < nq; i++)
        nk += lookups(dense ? q->qkp[i].d : q->kp[i].d, keys + nk);
    if (keys)
        vote_all(e, keys, nk, &t);
    c = t.failed || !keys ? NULL : malloc(((size_t)cap + 1) * sizeof *c);
    n = c ? select_top(e, q, &t, cap, c) : -1;
    for (int i = 0; i < n; i++)
        slots[i] = c[i].slot;
    free(c);
    free(keys);
    free(t.cand);
    free(t.votes);
    return n;
}
