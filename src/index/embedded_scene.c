/*
 * embedded_scene.c - the "embedded" index's second duplicate stage: scene
 * keypoints (dedup/scene.c), so the server decides as dedup_match() does.
 *
 * Storage: each slot has a pointer to its photo's packed scene keypoints
 * (dedup_scene_pack bytes: 2 + 18 per keypoint, at most 1,010; NULL for
 * catalog shots and rows signed before the stage). Memory per entry: the
 * 8-byte pointer always, plus for a scene photo one allocation of at most
 * 1,010 bytes (glibc rounds it to a 1,024-byte chunk): about 1.03 KB per
 * scene photo, 8 bytes per catalog shot.
 *
 * Query (only when the photo being checked carries scene keypoints and the
 * rule asks for candidates): a candidate stage then verification.
 *   candidates: a linear pass keyed by the descriptor score (the query
 *     quantised to int8 against the int8 descriptors already held for the
 *     first stage: search's AVX2 kernel, 64 bytes per entry), keeping the
 *     rule->scene_candidates best entries that have keypoints (a small
 *     bounded heap);
 *   verification: their packed keypoints are copied out under the read
 *     lock, then unpacked and checked with dedup_scene_match() (the same
 *     call dedup_match() makes) outside it, so writers are not held up by
 *     the geometric checks.
 * A duplicate whose descriptor score does not rank it among the best
 * scene_candidates is missed (see docs/ARCHITECTURE.md for what that
 * costs; the pass is linear in the number of scene entries).
 */
#include <stdlib.h>
#include <string.h>

#include "index/index_int.h"

#define SCENE_BLOCK 256 /* entries scored per kernel call in the candidate pass */

/* Bytes of a packed set (its count byte says how many keypoints). */
static size_t packed_len(const uint8_t *p)
{
    return 2 + (size_t)p[1] * (2 + DEDUP_SCENE_DESC);
}

int idx__emb_scene_put(struct emb_idx *e, size_t s, const struct dedup_sig *sig)
{
    uint8_t buf[DEDUP_SCENE_BYTES], *p = NULL;
    size_t n = sig->nkp > 0 ? dedup_scene_pack(sig, buf) : 0;

    if (n) {
        p = malloc(n);
        if (!p)
            return -1;
        memcpy(p, buf, n);
    }
    idx__emb_scene_drop(e, s);
    e->scene[s] = p;
    e->nscene += p != NULL;
    return 0;
}

void idx__emb_scene_drop(struct emb_idx *e, size_t s)
{
    if (e->scene[s]) {
        free(e->scene[s]);
        e->scene[s] = NULL;
        e->nscene--;
    }
}

/* A candidate: slot and key (descriptor score). */
struct scand {
    size_t slot;
    float key;
};

/* Keep the cap best keys; root = the worst kept. */
static void offer(struct scand *h, int *n, int cap, struct scand c)
{
    int i;
    if (*n < cap) {
        i = (*n)++;
        for (; i > 0 && h[(i - 1) / 2].key > c.key; i = (i - 1) / 2)
            h[i] = h[(i - 1) / 2];
        h[i] = c;
        return;
    }
    if (c.key <= h[0].key)
        return;
    i = 0;
    for (;;) {
        int l = 2 * i + 1, r = l + 1, w = l;
        if (l >= *n)
            break;
        if (r < *n && h[r].key < h[l].key)
            w = r;
        if (h[w].key >= c.key)
            break;
        h[i] = h[w];
        i = w;
    }
    h[i] = c;
}

static int by_key_desc(const void *x, const void *y)
{
    const struct scand *a = x, *b = y;
    return (a->key < b->key) - (a->key > b->key);
}

/* Under the read lock: the best candidates' hits (id, key, hash distance)
 * and their packed keypoints into pk (DEDUP_SCENE_BYTES each). */
static int collect(struct emb_idx *e, const struct dedup_sig *q, int cap, struct idx_hit *hits,
                   uint8_t *pk, struct scand *h)
{
    int8_t qq[DEDUP_DESC_DIM];
    int32_t blk[SCENE_BLOCK];
    int n = 0;

    idx__emb_quantise(q->desc, qq);
    for (size_t b = 0; b < e->n && e->nscene; b += SCENE_BLOCK) {
        size_t cnt = e->n - b < SCENE_BLOCK ? e->n - b : SCENE_BLOCK;
        idx__emb_dots(e, b, cnt, qq, blk);
        for (size_t j = 0; j < cnt; j++)
            if (e->scene[b + j])
                offer(h, &n, cap, (struct scand){b + j, (float)blk[j]});
    }
    qsort(h, (size_t)n, sizeof *h, by_key_desc);
    for (int k = 0; k < n; k++) {
        size_t s = h[k].slot;
        const uint64_t *x = e->hashes + s * EMB_WORDS;
        uint64_t qh[EMB_WORDS];
        memcpy(qh, q->hash, sizeof qh);
        hits[k] = (struct idx_hit){.id = e->ids[s],
                                   .score = idx__emb_score(q->desc, e->descs + s * DEDUP_DESC_DIM)};
        for (int w = 0; w < EMB_WORDS; w++)
            hits[k].hash_dist += __builtin_popcountll(x[w] ^ qh[w]);
        memcpy(pk + (size_t)k * DEDUP_SCENE_BYTES, e->scene[s], packed_len(e->scene[s]));
    }
    return n;
}

enum kr_code idx__emb_scene_dups(struct emb_idx *e, const struct idx_dup_query *dq,
                                 struct idx_hit *hits, int *nhits, struct kr_err *err)
{
    const struct dedup_rule *rule = dq->rule;
    int cap = rule->scene_candidates, n = 0, m = 0;
    struct scand *h = NULL;
    uint8_t *pk = NULL;
    struct dedup_sig *t = NULL;
    enum kr_code rc = KR_OK;

    *nhits = 0;
    if (cap <= 0 || rule->scene_min <= 0 || (dq->sig->nqkp <= 0 && dq->sig->nkp <= 0))
        return KR_OK;
    h = malloc((size_t)cap * sizeof *h);
    pk = malloc((size_t)cap * DEDUP_SCENE_BYTES);
    t = malloc(sizeof *t);
    if (!h || !pk || !t) {
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "duplicate check: no memory for scene candidates");
        goto out;
    }
    pthread_rwlock_rdlock(&e->lock);
    n = collect(e, dq->sig, cap, hits, pk, h);
    pthread_rwlock_unlock(&e->lock);
    for (int k = 0; k < n && m == 0; k++) { /* best first; stop at the first duplicate */
        const uint8_t *p = pk + (size_t)k * DEDUP_SCENE_BYTES;
        t->nqkp = 0;
        if (dedup_scene_unpack(p, packed_len(p), t) != KR_OK) {
            /* the index packed these bytes itself: damaged memory, never "absent" */
            rc = kr_fail(err, KRS_STORE_CORRUPT,
                         "duplicate check: the scene keypoints held for id %lld are malformed",
                         (long long)hits[k].id);
            goto out;
        }
        if (dedup_scene_match(dq->sig, t, rule))
            hits[m++] = hits[k];
    }
    *nhits = m;
out:
    free(h);
    free(pk);
    free(t);
    return rc;
}
