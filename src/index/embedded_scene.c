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
 * Query (only when the photo being checked carries scene keypoints, the
 * rule asks for candidates and the first stage found no duplicate): a
 * candidate stage then verification.
 *   candidates: the inverted index over the stored descriptors
 *     (embedded_vote.c) gives the rule->scene_candidates slots with the
 *     most votes; it is kept up to date here (put, drop, move);
 *   verification: their packed keypoints are copied out under the read
 *     lock, then unpacked and checked with dedup_scene_match() (the same
 *     call dedup_match() makes) outside it, best first, stopping at the
 *     first duplicate, so writers are not held up by the geometric checks.
 *     Bytes that do not unpack fail the check with store_corrupt (the index
 *     packed them itself, so that is damaged memory, not "no keypoints").
 */
#include <stdlib.h>
#include <string.h>

#include "index/index_int.h"

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
        int rc = idx__emb_vote_add(e, (uint32_t)s, p);
        if (rc != 0) {
            free(p);
            return rc;
        }
    }
    idx__emb_scene_drop(e, s);
    e->scene[s] = p;
    e->nscene += p != NULL;
    return 0;
}

void idx__emb_scene_drop(struct emb_idx *e, size_t s)
{
    if (e->scene[s]) {
        idx__emb_vote_del(e, (uint32_t)s, e->scene[s]);
        free(e->scene[s]);
        e->scene[s] = NULL;
        e->nscene--;
    }
}

void idx__emb_scene_move(struct emb_idx *e, size_t to, size_t from)
{
    if (e->scene[from])
        idx__emb_vote_move(e, (uint32_t)to, (uint32_t)from, e->scene[from]);
    e->scene[to] = e->scene[from];
    e->scene[from] = NULL;
}

/* Under the read lock: the best candidates (embedded_vote.c), their hits
 * (id, key, hash distance) and their packed keypoints into pk
 * (DEDUP_SCENE_BYTES each). Returns their number, or -1 out of memory. */
static int collect(struct emb_idx *e, const struct dedup_sig *q, int cap, struct idx_hit *hits,
                   uint8_t *pk, uint32_t *slots)
{
    int n = idx__emb_vote_top(e, q, cap, slots);

    for (int k = 0; k < n; k++) {
        size_t s = slots[k];
        uint64_t x[EMB_WORDS], qh[EMB_WORDS];
        idx__emb_hash_at((const uint64_t *const *)e->hw, s, x);
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
    uint32_t *h = NULL;
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
    if (n < 0) {
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "duplicate check: no memory to count scene votes");
        goto out;
    }
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
