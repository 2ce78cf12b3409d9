/*
 * embedded_scene.c - the "embedded" index's second duplicate stage: scene
 * keypoints (dedup/scene.c), so the server decides as dedup_match() does.
 *
 * Storage: a scene photo's keypoints (about 1 KB) are not held in memory.
 * Each slot keeps only its candidate keys (embedded_vote.c: 1 + 3 VOTE_KP
 * bytes, NULL for catalog shots and rows signed before the stage), enough
 * to find its postings again; the keypoints stay in the store, which has
 * them anyway, and are read back for the few candidates a query verifies.
 * Memory per scene photo: the 8-byte pointer, a 96-byte chunk of keys and
 * the postings (about 100 bytes): about 200 bytes, against about 1,140
 * when the keypoints were held here (docs/BENCHMARKS.md).
 *
 * Query (only when the photo being checked carries its own stored keypoints, the
 * rule asks for candidates and the first stage found no duplicate): a
 * candidate stage then verification.
 *   candidates: the inverted index (embedded_vote.c) gives the
 *     rule->scene_candidates slots with the most votes, under the read lock;
 *   verification: outside the lock, best first, the candidates' stored
 *     signatures are read through the source (idx_set_source: the store),
 *     IDX_SOURCE_BATCH per call (one store round trip), and checked with
 *     dedup_scene_match() (the same call dedup_match() makes), stopping at
 *     the first duplicate. A candidate the store no longer has
 *     (deleted meanwhile) is skipped; any other failure of the source fails
 *     the check with its own error (never read as "no candidate"), and so
 *     does a query with candidates but no source installed.
 */
#include <stdlib.h>
#include <string.h>

#include "index/index_int.h"

int idx__emb_scene_put(struct emb_idx *e, size_t s, const struct dedup_sig *sig)
{
    uint8_t *k = NULL;

    if (idx__emb_vote_keys(sig, &k) != 0)
        return -1;
    if (k) {
        int rc = idx__emb_vote_add(e, (uint32_t)s, k);
        if (rc != 0) {
            free(k);
            return rc;
        }
    }
    idx__emb_scene_drop(e, s);
    e->vkeys[s] = k;
    e->nscene += k != NULL;
    return 0;
}

void idx__emb_scene_drop(struct emb_idx *e, size_t s)
{
    if (e->vkeys[s]) {
        idx__emb_vote_del(e, (uint32_t)s, e->vkeys[s]);
        free(e->vkeys[s]);
        e->vkeys[s] = NULL;
        e->nscene--;
    }
}

void idx__emb_scene_move(struct emb_idx *e, size_t to, size_t from)
{
    if (e->vkeys[from])
        idx__emb_vote_move(e, (uint32_t)to, (uint32_t)from, e->vkeys[from]);
    e->vkeys[to] = e->vkeys[from];
    e->vkeys[from] = NULL;
}

/* Under the read lock: the best candidates (embedded_vote.c) and their
 * hits (id, key, hash distance). Returns their number, or -1 out of memory. */
static int collect(struct emb_idx *e, const struct dedup_sig *q, int cap, struct idx_hit *hits,
                   uint32_t *slots)
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
    }
    return n;
}

/* What verification needs: the source (read outside the lock), the
 * question, and room for IDX_SOURCE_BATCH stored signatures. */
struct verifier {
    struct emb_source src;
    const struct idx_dup_query *dq;
    struct dedup_sig *t;
};

/* Verify the n candidates best first, their keypoints read IDX_SOURCE_BATCH
 * at a time, keeping the first duplicate in hits[0] (*m = 1) or none. */
static enum kr_code verify(const struct verifier *v, struct idx_hit *hits, int n, int *m,
                           struct kr_err *err)
{
    int64_t ids[IDX_SOURCE_BATCH];
    uint8_t found[IDX_SOURCE_BATCH];

    for (int b = 0; b < n && *m == 0; b += IDX_SOURCE_BATCH) {
        int cnt = n - b < IDX_SOURCE_BATCH ? n - b : IDX_SOURCE_BATCH;
        for (int i = 0; i < cnt; i++)
            ids[i] = hits[b + i].id;
        enum kr_code rc = idx__emb_read(&v->src, ids, cnt, v->t, found, err);
        if (rc != KR_OK)
            return rc;
        for (int i = 0; i < cnt && *m == 0; i++) {
            struct dedup_sig *t = &v->t[i];
            if (!found[i])
                continue; /* deleted since the candidates were counted */
            t->nqkp = 0;  /* a stored signature: its keypoints only */
            t->nprobes = 0;
            if (dedup_scene_match(v->dq->sig, t, v->dq->rule))
                hits[(*m)++] = hits[b + i];
        }
    }
    return KR_OK;
}

enum kr_code idx__emb_scene_dups(struct emb_idx *e, const struct idx_dup_query *dq,
                                 struct idx_hit *hits, int *nhits, struct kr_err *err)
{
    const struct dedup_rule *rule = dq->rule;
    int cap = rule->scene_candidates, n = 0, m = 0;
    uint32_t *h = NULL;
    struct verifier v = {.dq = dq};
    enum kr_code rc = KR_OK;

    *nhits = 0;
    /* the check needs the query's own stored set (dedup_scene_inliers): a
     * photo with a dense set only would read 16 rows to match none */
    if (cap <= 0 || rule->scene_min <= 0 || dq->sig->nkp <= 0)
        return KR_OK;
    h = malloc((size_t)cap * sizeof *h);
    v.t = malloc(IDX_SOURCE_BATCH * sizeof *v.t);
    if (!h || !v.t) {
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "duplicate check: no memory for scene candidates");
        goto out;
    }
    pthread_rwlock_rdlock(&e->lock);
    n = collect(e, dq->sig, cap, hits, h);
    v.src = (struct emb_source){e->source, e->source_ctx};
    pthread_rwlock_unlock(&e->lock);
    if (n < 0) {
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "duplicate check: no memory to count scene votes");
        goto out;
    }
    if (n > 0 && !v.src.fn) {
        rc = kr_fail(err, KRS_NO_SIGNATURE_SOURCE,
                     "duplicate check: %d scene candidate(s) but no source of stored keypoints", n);
        goto out;
    }
    rc = verify(&v, hits, n, &m, err);
    *nhits = rc ? 0 : m;
out:
    free(h);
    free(v.t);
    return rc;
}
