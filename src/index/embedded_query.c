/*
 * embedded_query.c - the two scans of the "embedded" index.
 *
 * find_dups: a linear scan of the hashes (word planes; 24 bytes streamed
 * per entry, see embedded_scan.c). The query has up to 1 + DEDUP_PROBES "forms": the photo and its
 * rotation probes (dedup.h); an entry is a candidate when some form's hash
 * is within rule->hash_max bits. The scan kernels (generic C, AVX2,
 * AVX-512 VPOPCNTDQ, picked at run time) are in embedded_scan.c; they all
 * return the same slots. A candidate is confirmed by the
 * descriptor score of a form that reached it, computed as the float query
 * times the stored int8 vector / 127.
 *
 * Quantisation error bound. A stored component is q_i = round(127 x_i) with
 * |x_i| <= 1 (enforced by index.c), so the residual r = x - q/127 has
 * |r_i| <= 1/254, and the score error |a . r| (a = the exact query) is at
 * most both ||a||_1 / 254 (<= 8/254 = 0.0315 for a 64-d unit vector, about
 * 0.025 for a dense one) and ||a||_2 ||r||_2, where ||r||_2 is kept per
 * entry, rounded up, in one byte (typically 0.018, at most 0.0323). The
 * smaller of the two is the entry's bound B (about 0.018 in practice).
 * The typical error is far smaller (about 1/(127 sqrt 12) = 0.0023 for
 * independent rounding errors), but the decision uses B, so quantisation
 * never flips it:
 *   approx - B >= desc_min          -> a duplicate (certain);
 *   approx + B <  desc_min          -> not one (certain);
 *   otherwise (the "ambiguous band") -> re-scored with the exact float
 *     descriptor from idx_set_source()'s stored signature, outside the lock; without a
 *     source it is not reported. Missing a borderline duplicate stores one
 *     more copy; a false duplicate would drop a client's upload, so the
 *     index errs towards the first. At most EMB_AMBIG_MAX candidates (best
 *     first) are re-scored per query.
 * Reported scores are the approximate ones for certain hits, exact for
 * re-scored ones.
 *
 * Then the second stage for scene photos (embedded_scene.c): its matches
 * join the hits with their approximate descriptor score.
 *
 * search: the query is quantised too and every entry is scored with an
 * int8 x int8 dot product (int32, exact), top-k kept in a small heap; the
 * k winners' scores are then refined to float query x int8 / 127.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "index/index_int.h"

#define EMB_AMBIG_MAX  256
#define EMB_BLOCK      256 /* entries scored per kernel call in search */
#define EMB_SCAN_CHUNK 64  /* candidate slots collected per scan call in find_dups */

uint8_t idx__emb_quantise(const float *x, int8_t *q)
{
    double r2 = 0;

    for (int i = 0; i < DEDUP_DESC_DIM; i++) {
        long v = lrintf(x[i] * EMB_Q);
        q[i] = (int8_t)(v > EMB_Q ? EMB_Q : v < -EMB_Q ? -EMB_Q : v);
        double r = (double)x[i] - (double)q[i] / EMB_Q;
        r2 += r * r;
    }
    double units = ceil(sqrt(r2) / EMB_RESID_UNIT * (1 + 1e-9));
    return (uint8_t)(units > 255 ? 255 : units);
}

/* Dot products of q with cnt consecutive stored vectors, into out. */
static void dots_generic(const int8_t *x, size_t cnt, const int8_t *q, int32_t *out)
{
    for (size_t i = 0; i < cnt; i++, x += DEDUP_DESC_DIM) {
        int32_t s = 0;
        for (int j = 0; j < DEDUP_DESC_DIM; j++)
            s += q[j] * x[j];
        out[i] = s;
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

/* |q| (unsigned) times x with q's sign moved onto x: maddubs then gives
 * q*x pairwise; components are within +-127 so nothing saturates. */
__attribute__((target("avx2"))) static void dots_avx2(const int8_t *x, size_t cnt, const int8_t *q,
                                                      int32_t *out)
{
    const __m256i q0 = _mm256_loadu_si256((const __m256i *)q);
    const __m256i q1 = _mm256_loadu_si256((const __m256i *)(q + 32));
    const __m256i a0 = _mm256_abs_epi8(q0), a1 = _mm256_abs_epi8(q1);
    const __m256i ones = _mm256_set1_epi16(1);

    for (size_t i = 0; i < cnt; i++, x += DEDUP_DESC_DIM) {
        __m256i x0 = _mm256_loadu_si256((const __m256i *)x);
        __m256i x1 = _mm256_loadu_si256((const __m256i *)(x + 32));
        __m256i p0 = _mm256_maddubs_epi16(a0, _mm256_sign_epi8(x0, q0));
        __m256i p1 = _mm256_maddubs_epi16(a1, _mm256_sign_epi8(x1, q1));
        __m256i s = _mm256_add_epi32(_mm256_madd_epi16(p0, ones), _mm256_madd_epi16(p1, ones));
        __m128i t = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
        t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0x4e));
        t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0xb1));
        out[i] = _mm_cvtsi128_si32(t);
    }
}
#endif

typedef void (*dots_fn)(const int8_t *x, size_t cnt, const int8_t *q, int32_t *out);

static dots_fn pick_dots(void)
{
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2"))
        return dots_avx2;
#endif
    return dots_generic;
}

/* Float query against an int8 stored vector, as a score (divided by 127). */
static float dot_f_i8(const float *a, const int8_t *b)
{
    float s = 0;
    for (int i = 0; i < DEDUP_DESC_DIM; i++)
        s += a[i] * (float)b[i];
    return s / EMB_Q;
}

float idx__emb_score(const float *a, const int8_t *b)
{
    return dot_f_i8(a, b);
}

void idx__emb_dots(const struct emb_idx *e, size_t from, size_t cnt, const int8_t *q, int32_t *out)
{
    pick_dots()(e->descs + from * DEDUP_DESC_DIM, cnt, q, out);
}

static float dot_f(const float *a, const float *b)
{
    float s = 0;
    for (int i = 0; i < DEDUP_DESC_DIM; i++)
        s += a[i] * b[i];
    return s;
}

/* ---- a bounded heap of hits whose root is the worst one ------------------- */

static int worse(const struct idx_hit *a, const struct idx_hit *b)
{
    if (a->score != b->score)
        return a->score < b->score;
    if (a->hash_dist != b->hash_dist)
        return a->hash_dist > b->hash_dist;
    return a->id > b->id;
}

static void swap_hit(struct idx_hit *a, struct idx_hit *b)
{
    struct idx_hit t = *a;
    *a = *b;
    *b = t;
}

static void sift_down(struct idx_hit *h, int n, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, w = i;
        if (l < n && worse(&h[l], &h[w]))
            w = l;
        if (r < n && worse(&h[r], &h[w]))
            w = r;
        if (w == i)
            return;
        swap_hit(&h[i], &h[w]);
        i = w;
    }
}

/* Keep the best `cap` hits offered. */
static void heap_offer(struct idx_hit *h, int *n, int cap, const struct idx_hit *x)
{
    if (*n < cap) {
        int i = (*n)++;
        h[i] = *x;
        while (i > 0 && worse(&h[i], &h[(i - 1) / 2])) {
            swap_hit(&h[i], &h[(i - 1) / 2]);
            i = (i - 1) / 2;
        }
    } else if (worse(&h[0], x)) {
        h[0] = *x;
        sift_down(h, *n, 0);
    }
}

static int best_first(const void *a, const void *b)
{
    const struct idx_hit *x = a, *y = b;
    return worse(x, y) ? 1 : worse(y, x) ? -1 : 0;
}

static void finish(struct idx_hit *hits, int n)
{
    qsort(hits, (size_t)n, sizeof *hits, best_first);
    for (int i = 0; i < n; i++)
        hits[i].distance = 1.0f - hits[i].score;
}

/* ---- find_dups ------------------------------------------------------------- */

/* The per-query parts of the bound: ||a||_1 / 254 (plus the clamp slack
 * index.c allows) and ||a||_2 in EMB_RESID_UNITs. */
static void bound_terms(const float *a, float *l1_bound, float *l2_units)
{
    float l1 = 0, l2 = 0;
    for (int i = 0; i < DEDUP_DESC_DIM; i++) {
        l1 += fabsf(a[i]);
        l2 += a[i] * a[i];
    }
    *l1_bound = l1 * (0.5f / EMB_Q + 1e-4f);
    *l2_units = sqrtf(l2) * (1 + 1e-6f) * (float)EMB_RESID_UNIT;
}

/* The forms whose hash is within hmax of entry x (bit k = form k), their
 * distances into dist[]. For the few entries the scan found. */
static unsigned reach(const uint64_t *x, const struct emb_query *Q, int hmax, int *dist)
{
    unsigned mask = 0;
    for (int k = 0; k < Q->n; k++) {
        dist[k] = idx__emb_hamming(x, Q->f[k].h);
        if (dist[k] <= hmax)
            mask |= 1u << k;
    }
    return mask;
}

static void query_init(const struct dedup_sig *q, int hmax, struct emb_query *Q)
{
    int np = q->nprobes < 0 ? 0 : q->nprobes > DEDUP_PROBES ? DEDUP_PROBES : q->nprobes;
    Q->hmax = hmax;
    Q->n = 1 + np;
    for (int i = 0; i < Q->n; i++) {
        struct emb_qform *f = &Q->f[i];
        memcpy(f->h, i ? q->probe[i - 1].hash : q->hash, sizeof f->h);
        f->desc = i ? q->probe[i - 1].desc : q->desc;
        bound_terms(f->desc, &f->l1_bound, &f->l2_units);
        f->r = idx__emb_hamming(f->h, Q->f[0].h);
    }
    for (int a = 2; a < Q->n; a++) /* probes by distance from the photo */
        for (int b = a; b > 1 && Q->f[b].r < Q->f[b - 1].r; b--) {
            struct emb_qform t = Q->f[b];
            Q->f[b] = Q->f[b - 1];
            Q->f[b - 1] = t;
        }
}

/* An entry whose hash is within reach of some form: the forms that reach
 * it (bit mask; 0 once the entry is found gone), the best approximate
 * score among them, and the largest certain lower / upper bound of any
 * form's exact score. */
struct cand {
    struct idx_hit h;
    unsigned forms;
    float lo, hi;
};

/* Score slot i against the forms in c->forms: c->h gets the best
 * approximate score and its hash distance, c->lo / c->hi the bounds. */
static void score_forms(const struct emb_idx *e, size_t i, const struct emb_query *Q,
                        const int *dist, struct cand *c)
{
    float *lo = &c->lo, *hi = &c->hi;
    c->h.score = *lo = *hi = -2;
    for (int k = 0; k < Q->n; k++) {
        if (!(c->forms >> k & 1))
            continue;
        float s = dot_f_i8(Q->f[k].desc, e->descs + i * DEDUP_DESC_DIM);
        float b = fminf(Q->f[k].l1_bound, Q->f[k].l2_units * e->resid[i]) + 1e-5f;
        if (s > c->h.score) {
            c->h.score = s;
            c->h.hash_dist = dist[k];
        }
        *lo = fmaxf(*lo, s - b);
        *hi = fmaxf(*hi, s + b);
    }
}

/* Keep the best EMB_AMBIG_MAX ambiguous candidates (rarely more than a few). */
static void amb_offer(struct cand *amb, int *n, const struct cand *c)
{
    int worst = 0;
    if (*n < EMB_AMBIG_MAX) {
        amb[(*n)++] = *c;
        return;
    }
    for (int i = 1; i < *n; i++)
        if (worse(&amb[i].h, &amb[worst].h))
            worst = i;
    if (worse(&amb[worst].h, &c->h))
        amb[worst] = *c;
}

/* Read the stored signatures of ids[0..n) (n <= IDX_SOURCE_BATCH) into t
 * and found; a failure of the source comes back with its own error. */
enum kr_code idx__emb_read(const struct emb_source *src, const int64_t *ids, int n,
                           struct dedup_sig *t, uint8_t *found, struct kr_err *err)
{
    struct kr_err e = {0};
    enum kr_code rc;

    memset(found, 0, (size_t)n);
    rc = src->fn(ids, n, t, found, src->ctx, &e);
    if (rc == KR_OK)
        return KR_OK;
    /* absence is found[i] = 0; a whole call "not found", or a failure
     * without detail, is the source's bug, never a miss */
    if (rc == KR_ENOTFOUND || !e.slug)
        return kr_fail(err, KRS_INTERNAL,
                       "duplicate check: the signature source answered %s without detail",
                       kr_code_name(rc));
    if (err) {
        *err = e;
        kr_err_prefix(err, "duplicate check: reading %d stored signature(s): ", n);
    }
    return rc;
}

/* Re-score the ambiguous candidates with exact descriptors read through
 * the source, IDX_SOURCE_BATCH at a time (a candidate gone from the store
 * meanwhile gets forms 0). A source that fails (not "gone") fails the
 * query with its error: a skipped candidate could be the duplicate. */
static enum kr_code rescore(const struct emb_query *Q, const struct emb_source *src,
                            struct cand *amb, int namb, struct kr_err *err)
{
    struct dedup_sig *t = malloc(IDX_SOURCE_BATCH * sizeof *t);
    int64_t ids[IDX_SOURCE_BATCH];
    uint8_t found[IDX_SOURCE_BATCH];
    enum kr_code rc = t ? KR_OK : kr_fail(err, KRS_OUT_OF_MEMORY, "duplicate check: out of memory");

    for (int b = 0; b < namb && rc == KR_OK; b += IDX_SOURCE_BATCH) {
        int m = namb - b < IDX_SOURCE_BATCH ? namb - b : IDX_SOURCE_BATCH;
        for (int i = 0; i < m; i++)
            ids[i] = amb[b + i].h.id;
        rc = idx__emb_read(src, ids, m, t, found, err);
        for (int i = 0; i < m && rc == KR_OK; i++) {
            struct cand *c = &amb[b + i];
            float best = -2;
            if (!found[i]) {
                c->forms = 0; /* gone from the store meanwhile */
                continue;
            }
            for (int k = 0; k < Q->n; k++)
                if (c->forms >> k & 1)
                    best = fmaxf(best, dot_f(Q->f[k].desc, t[i].desc));
            c->h.score = best;
        }
    }
    free(t);
    return rc;
}

/* The second stage (embedded_scene.c): its matches that the first did not
 * find join the hits. */
static enum kr_code scene_stage(struct emb_idx *e, const struct idx_dup_query *dq,
                                struct idx_hit *hits, int *n, int max, struct kr_err *err)
{
    int cap = dq->rule->scene_candidates, m = 0;
    struct idx_hit *sh;
    enum kr_code rc;

    if (cap <= 0)
        return KR_OK;
    sh = malloc((size_t)cap * sizeof *sh);
    if (!sh)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "duplicate check: out of memory");
    rc = idx__emb_scene_dups(e, dq, sh, &m, err);
    for (int i = 0; !rc && i < m; i++) {
        int seen = 0;
        for (int j = 0; j < *n && !seen; j++)
            seen = hits[j].id == sh[i].id;
        if (!seen)
            heap_offer(hits, n, max, &sh[i]);
    }
    free(sh);
    return rc;
}

enum kr_code idx__emb_find_dups(struct idx *ix, const struct idx_dup_query *dq,
                                struct idx_hit *hits, int max, int *nhits, struct kr_err *err)
{
    const struct dedup_rule *rule = dq->rule;
    struct emb_idx *e = idx__emb_of(ix);
    struct cand amb[EMB_AMBIG_MAX];
    struct emb_query Q;
    size_t slots[EMB_SCAN_CHUNK];
    emb_scan_fn scan = idx__emb_scan_kernel(e->scan);
    int n = 0, namb = 0, hmax = rule->hash_max, dist[1 + DEDUP_PROBES];
    struct emb_source src;
    enum kr_code rc = KR_OK;

    query_init(dq->sig, hmax, &Q);
    pthread_rwlock_rdlock(&e->lock);
    src = (struct emb_source){e->source, e->source_ctx};
    for (size_t pos = 0; pos < e->n;) {
        size_t m = scan((const uint64_t *const *)e->hw, &pos, e->n, &Q, slots, EMB_SCAN_CHUNK);
        for (size_t j = 0; j < m; j++) {
            size_t i = slots[j];
            struct cand c = {.h = {.id = e->ids[i]}};
            uint64_t x[EMB_WORDS];
            idx__emb_hash_at((const uint64_t *const *)e->hw, i, x);
            c.forms = reach(x, &Q, hmax, dist);
            score_forms(e, i, &Q, dist, &c);
            if (c.lo >= rule->desc_min)
                heap_offer(hits, &n, max, &c.h);
            else if (src.fn && c.hi >= rule->desc_min)
                amb_offer(amb, &namb, &c);
        }
    }
    pthread_rwlock_unlock(&e->lock);
    if (namb)
        rc = rescore(&Q, &src, amb, namb, err);
    for (int i = 0; i < namb && rc == KR_OK; i++)
        if (amb[i].forms && amb[i].h.score >= rule->desc_min)
            heap_offer(hits, &n, max, &amb[i].h);
    if (rc == KR_OK && n == 0) /* the second stage only when the first found nothing */
        rc = scene_stage(e, dq, hits, &n, max, err);
    finish(hits, n);
    *nhits = rc ? 0 : n;
    return rc;
}

/* ---- search ---------------------------------------------------------------- */

enum kr_code idx__emb_search(struct idx *ix, const float *desc, int k, struct idx_hit *hits,
                             int *nhits, struct kr_err *err)
{
    struct emb_idx *e = idx__emb_of(ix);
    int8_t qq[DEDUP_DESC_DIM];
    int32_t blk[EMB_BLOCK];
    dots_fn dots = pick_dots();
    int n = 0;
    int32_t floor = INT32_MIN; /* score of the worst hit kept once the heap is full */

    (void)err;
    idx__emb_quantise(desc, qq);
    pthread_rwlock_rdlock(&e->lock);
    for (size_t b = 0; b < e->n; b += EMB_BLOCK) {
        size_t cnt = e->n - b < EMB_BLOCK ? e->n - b : EMB_BLOCK;
        dots(e->descs + b * DEDUP_DESC_DIM, cnt, qq, blk);
        for (size_t j = 0; j < cnt; j++) {
            if (blk[j] < floor)
                continue;
            /* scores are ints below 2^24 here, exact as floats */
            struct idx_hit h = {.id = e->ids[b + j], .score = (float)blk[j], .hash_dist = -1};
            heap_offer(hits, &n, k, &h);
            if (n == k)
                floor = (int32_t)hits[0].score;
        }
    }
    for (int i = 0; i < n; i++) {
        long s = idx__emb_slot(e, hits[i].id);
        hits[i].score = dot_f_i8(desc, e->descs + (size_t)s * DEDUP_DESC_DIM);
    }
    pthread_rwlock_unlock(&e->lock);
    finish(hits, n);
    *nhits = n;
    return KR_OK;
}
