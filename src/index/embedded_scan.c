/*
 * embedded_scan.c - the first duplicate stage's scan kernels: which slots
 * of the packed hashes does some form of the query (the photo's own hash
 * and its rotation probes) reach within hmax bits?
 *
 * Every kernel returns exactly the same slots, in ascending order: the set
 * { i : min over forms k of d(x_i, f_k) <= hmax }. The generic one is
 * plain C (the oracle, and what non-x86 CPUs run); the others are picked at
 * run time by __builtin_cpu_supports (or forced with the index option
 * scan=generic|avx2|avx512, for tests and benches).
 *
 * generic: per entry, the photo's own hash first; probe k is skipped when
 *   the triangle inequality rules it out (d(x, f_k) >= d0 - r_k > hmax; the
 *   probes are sorted by r_k, so the skipped ones are a prefix).
 * avx2 / avx512: the hashes are stored as word planes (index_int.h), so
 *   one load gives word w of 4 (AVX2) or 8 (AVX-512) consecutive entries;
 *   all forms are compared while the block is in registers, with vertical
 *   adds only. The block is filtered on the first three words (192 of the
 *   256 bits, so plane 3 is not streamed at all): that partial distance is
 *   a lower bound of the full one, and for an unrelated hash (96 +- 7 bits
 *   over 192) it exceeds hmax = 72 in all but ~4 in 10^4 cases. The triangle skip
 *   works per block on the same lower bound of d0. Entries that pass the
 *   filter (rare) are decided exactly by the generic per-entry test, so the
 *   result equals the generic kernel's bit for bit.
 *   Popcount: AVX2 has none, so bytes are counted with a 16-entry nibble
 *   table (vpshufb); the query's nibbles are split once per query and the
 *   entries' once per block, so each form costs two XORs, two lookups and
 *   an add per word. AVX-512 uses VPOPCNTDQ (Ice Lake, Zen 4 and later).
 */
#include <string.h>

#include "index/index_int.h"

#define FILTER_WORDS 3 /* words of the block filter (a lower bound) */

/* Smallest Hamming distance from x to any form not ruled out by the
 * triangle inequality (see the header). */
static inline int min_reach(const uint64_t *x, const struct emb_query *Q, int hmax)
{
    const int d0 = idx__emb_hamming(x, Q->f[0].h);
    int best = d0, k = 1;
    if (d0 - Q->f[Q->n - 1].r > hmax) /* not even the farthest probe (f[0].r is 0) */
        return best;
    while (k < Q->n && d0 - Q->f[k].r > hmax)
        k++;
    for (; k < Q->n; k++) {
        int d = idx__emb_hamming(x, Q->f[k].h);
        best = d < best ? d : best;
    }
    return best;
}

static size_t scan_generic(const uint64_t *const *hw, size_t *pos, size_t end,
                           const struct emb_query *Q, size_t *out, size_t cap)
{
    const int hmax = Q->hmax;
    size_t i = *pos, m = 0;
    for (; i < end && m < cap; i++) {
        uint64_t x[EMB_WORDS];
        idx__emb_hash_at(hw, i, x);
        if (min_reach(x, Q, hmax) <= hmax)
            out[m++] = i;
    }
    *pos = i;
    return m;
}

/* The entries of a block (bit j = slot i + j) that the filter let through:
 * the exact test decides, in slot order. */
static size_t confirm(const uint64_t *const *hw, size_t i, unsigned bits, const struct emb_query *Q,
                      size_t *out)
{
    size_t m = 0;
    for (size_t j = 0; bits; j++, bits >>= 1) {
        uint64_t x[EMB_WORDS];
        if (!(bits & 1))
            continue;
        idx__emb_hash_at(hw, i + j, x);
        if (min_reach(x, Q, Q->hmax) <= Q->hmax)
            out[m++] = i + j;
    }
    return m;
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2"))) static inline __m256i nib_lo(__m256i x)
{
    return _mm256_and_si256(x, _mm256_set1_epi8(0x0f));
}

__attribute__((target("avx2"))) static inline __m256i nib_hi(__m256i x)
{
    return _mm256_and_si256(_mm256_srli_epi16(x, 4), _mm256_set1_epi8(0x0f));
}

/* Byte popcounts of a block word (split into nibbles lo, hi) XOR a form's
 * word (nibbles fl, fh). */
#define NIBCNT(lut, lo, hi, fl, fh)                                                                \
    _mm256_add_epi8(_mm256_shuffle_epi8(lut, _mm256_xor_si256(lo, fl)),                            \
                    _mm256_shuffle_epi8(lut, _mm256_xor_si256(hi, fh)))

/* Partial distances (words 0..2) of the block (nibbles lo[w], hi[w]) to a
 * form (nibbles fl[w], fh[w]): one 64-bit lane per entry. Written out, as
 * a tree of adds, so the three words' lookups run in parallel. */
__attribute__((target("avx2"))) static inline __m256i
dist3_avx2(const __m256i *lo, const __m256i *hi, const __m256i *fl, const __m256i *fh)
{
    const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2,
                                         1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    __m256i c0 = NIBCNT(lut, lo[0], hi[0], fl[0], fh[0]);
    __m256i c1 = NIBCNT(lut, lo[1], hi[1], fl[1], fh[1]);
    __m256i c2 = NIBCNT(lut, lo[2], hi[2], fl[2], fh[2]);
    return _mm256_sad_epu8(_mm256_add_epi8(_mm256_add_epi8(c0, c1), c2), _mm256_setzero_si256());
}

__attribute__((target("avx2"))) static size_t scan_avx2(const uint64_t *const *hw, size_t *pos,
                                                        size_t end, const struct emb_query *Q,
                                                        size_t *out, size_t cap)
{
    __m256i fl[1 + DEDUP_PROBES][FILTER_WORDS], fh[1 + DEDUP_PROBES][FILTER_WORDS];
    __m256i thr[1 + DEDUP_PROBES];
    const __m256i lim = _mm256_set1_epi64x(Q->hmax + 1);
    size_t i = *pos, m = 0;

    for (int k = 0; k < Q->n; k++) {
        for (int w = 0; w < FILTER_WORDS; w++) {
            __m256i f = _mm256_set1_epi64x((long long)Q->f[k].h[w]);
            fl[k][w] = nib_lo(f);
            fh[k][w] = nib_hi(f);
        }
        thr[k] = _mm256_set1_epi64x(Q->hmax + Q->f[k].r);
    }
    for (; i + 4 <= end && m + 4 <= cap; i += 4) {
        const __m256i W0 = _mm256_loadu_si256((const __m256i *)(hw[0] + i));
        const __m256i W1 = _mm256_loadu_si256((const __m256i *)(hw[1] + i));
        const __m256i W2 = _mm256_loadu_si256((const __m256i *)(hw[2] + i));
        const __m256i lo[FILTER_WORDS] = {nib_lo(W0), nib_lo(W1), nib_lo(W2)};
        const __m256i hi[FILTER_WORDS] = {nib_hi(W0), nib_hi(W1), nib_hi(W2)};
        __m256i d0 = dist3_avx2(lo, hi, fl[0], fh[0]), best = d0;
        int k = 1;
        while (k < Q->n &&
               _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(d0, thr[k]))) == 0xf)
            k++;
        for (; k < Q->n; k++) /* lanes hold at most 192: a 32-bit min is exact */
            best = _mm256_min_epu32(best, dist3_avx2(lo, hi, fl[k], fh[k]));
        unsigned bits =
            (unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(lim, best)));
        if (bits)
            m += confirm(hw, i, bits, Q, out + m);
    }
    *pos = i;
    if (i + 4 <= end && m > 0) /* out nearly full: the caller drains it, calls again */
        return m;
    return m + scan_generic(hw, pos, end, Q, out + m, cap - m); /* the last partial block */
}

#define AVX512 __attribute__((target("avx512f,avx512vpopcntdq")))

AVX512 static inline __m512i dist3_avx512(const __m512i *W, const __m512i *f)
{
    __m512i d = _mm512_popcnt_epi64(_mm512_xor_si512(W[0], f[0]));
    d = _mm512_add_epi64(d, _mm512_popcnt_epi64(_mm512_xor_si512(W[1], f[1])));
    return _mm512_add_epi64(d, _mm512_popcnt_epi64(_mm512_xor_si512(W[2], f[2])));
}

AVX512 static size_t scan_avx512(const uint64_t *const *hw, size_t *pos, size_t end,
                                 const struct emb_query *Q, size_t *out, size_t cap)
{
    __m512i f[1 + DEDUP_PROBES][FILTER_WORDS], thr[1 + DEDUP_PROBES];
    const __m512i lim = _mm512_set1_epi64(Q->hmax);
    size_t i = *pos, m = 0;

    for (int k = 0; k < Q->n; k++) {
        for (int w = 0; w < FILTER_WORDS; w++)
            f[k][w] = _mm512_set1_epi64((long long)Q->f[k].h[w]);
        thr[k] = _mm512_set1_epi64(Q->hmax + Q->f[k].r);
    }
    for (; i + 8 <= end && m + 8 <= cap; i += 8) {
        __m512i W[FILTER_WORDS] = {_mm512_loadu_si512(hw[0] + i), _mm512_loadu_si512(hw[1] + i),
                                   _mm512_loadu_si512(hw[2] + i)};
        __m512i d0 = dist3_avx512(W, f[0]), best = d0;
        int k = 1;
        while (k < Q->n && _mm512_cmpgt_epu64_mask(d0, thr[k]) == 0xff)
            k++;
        for (; k < Q->n; k++)
            best = _mm512_min_epu64(best, dist3_avx512(W, f[k]));
        unsigned bits = _mm512_cmple_epu64_mask(best, lim);
        if (bits)
            m += confirm(hw, i, bits, Q, out + m);
    }
    *pos = i;
    if (i + 8 <= end && m > 0) /* out nearly full: the caller drains it, calls again */
        return m;
    return m + scan_generic(hw, pos, end, Q, out + m, cap - m); /* the last partial block */
}
#endif

emb_scan_fn idx__emb_scan_kernel(enum emb_scan which)
{
#if defined(__x86_64__)
    int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq");
    int avx2 = __builtin_cpu_supports("avx2");
    switch (which) {
    case EMB_SCAN_AUTO:
        return avx512 ? scan_avx512 : avx2 ? scan_avx2 : scan_generic;
    case EMB_SCAN_AVX512:
        return avx512 ? scan_avx512 : NULL;
    case EMB_SCAN_AVX2:
        return avx2 ? scan_avx2 : NULL;
    case EMB_SCAN_GENERIC:
        return scan_generic;
    }
    return NULL;
#else
    return which == EMB_SCAN_AUTO || which == EMB_SCAN_GENERIC ? scan_generic : NULL;
#endif
}
