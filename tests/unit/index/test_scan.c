/*
 * test_scan.c - the first duplicate stage's scan kernels (embedded_scan.c)
 * must return exactly what the generic C kernel returns: the same slots in
 * the same order, however the caller chunks the output. Random hashes, with
 * entries planted at exactly hmax and hmax + 1 bits from some form (the
 * photo or a probe), some with all their differing bits outside the blocked
 * kernels' three-word filter, some inside it; probes both unrelated to the
 * photo's hash (nothing skipped) and near it (the triangle skip). Kernels
 * this CPU lacks are skipped (and refused as an index option).
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "index/index.h"
#include "index/index_int.h"

#include "synth.h"

#define N_ENTRIES 5003 /* not a multiple of any block */

/* x = h with `bits` distinct bits flipped, chosen within words [w0, w1). */
static void flip_in(const uint64_t *h, int bits, int w0, int w1, uint64_t *x)
{
    memcpy(x, h, EMB_WORDS * sizeof *x);
    for (int done = 0; done < bits;) {
        int b = w0 * 64 + (int)(rnd() % (uint64_t)((w1 - w0) * 64));
        uint64_t m = 1ULL << (b % 64);
        if ((x[b / 64] ^ h[b / 64]) & m)
            continue;
        x[b / 64] ^= m;
        done++;
    }
}

/* A query of 1 + np forms; near: probes 20-70 bits from the photo. */
static void make_query(struct emb_query *Q, int np, int near, int hmax)
{
    memset(Q, 0, sizeof *Q);
    Q->hmax = hmax;
    Q->n = 1 + np;
    for (int w = 0; w < EMB_WORDS; w++)
        Q->f[0].h[w] = rnd();
    for (int k = 1; k < Q->n; k++) {
        if (near)
            flip_in(Q->f[0].h, 20 + 10 * k, 0, EMB_WORDS, Q->f[k].h);
        else
            for (int w = 0; w < EMB_WORDS; w++)
                Q->f[k].h[w] = rnd();
        Q->f[k].r = idx__emb_hamming(Q->f[k].h, Q->f[0].h);
    }
    for (int a = 2; a < Q->n; a++) /* sorted by r, as query_init does */
        for (int b = a; b > 1 && Q->f[b].r < Q->f[b - 1].r; b--) {
            struct emb_qform t = Q->f[b];
            Q->f[b] = Q->f[b - 1];
            Q->f[b - 1] = t;
        }
}

/* Random entries, every 7th planted at hmax or hmax + 1 from a form. */
static void fill(uint64_t *h, const struct emb_query *Q)
{
    for (size_t i = 0; i < N_ENTRIES; i++) {
        uint64_t *x = h + i * EMB_WORDS;
        if (i % 7) {
            for (int w = 0; w < EMB_WORDS; w++)
                x[w] = rnd();
            continue;
        }
        const uint64_t *f = Q->f[rnd() % (uint64_t)Q->n].h;
        int d = Q->hmax + (int)(rnd() % 2);
        switch (rnd() % 3) {
        case 0: /* anywhere */
            flip_in(f, d, 0, EMB_WORDS, x);
            break;
        case 1: /* the filter's words see at most d - 64 of them */
            flip_in(f, d - 64, 0, 3, x);
            x[3] = ~f[3];
            break;
        default: /* all within the filter's words */
            flip_in(f, d, 0, 3, x);
        }
    }
}

/* All slots the kernel returns for the rows h (stored as the index does,
 * in word planes), draining it in chunks of cap. */
static size_t run(emb_scan_fn scan, const uint64_t *h, const struct emb_query *Q, size_t cap,
                  size_t *out)
{
    static uint64_t plane[EMB_WORDS][N_ENTRIES];
    const uint64_t *hw[EMB_WORDS] = {plane[0], plane[1], plane[2], plane[3]};
    size_t n = 0, pos = 0, chunk[80];
    for (size_t i = 0; i < N_ENTRIES; i++)
        for (int w = 0; w < EMB_WORDS; w++)
            plane[w][i] = h[i * EMB_WORDS + w];
    while (pos < N_ENTRIES) {
        size_t before = pos, m = scan(hw, &pos, N_ENTRIES, Q, chunk, cap);
        assert_true(m <= cap);
        assert_true(pos > before); /* progress on every call */
        memcpy(out + n, chunk, m * sizeof *chunk);
        n += m;
    }
    return n;
}

static void test_kernels_equal_generic(void **state)
{
    static uint64_t h[N_ENTRIES * EMB_WORDS];
    static size_t want[N_ENTRIES], got[N_ENTRIES];
    static const size_t caps[] = {64, 1, 3, 4, 5, 8, 9, 80};
    const enum emb_scan kernels[] = {EMB_SCAN_AUTO, EMB_SCAN_AVX2, EMB_SCAN_AVX512};
    emb_scan_fn generic = idx__emb_scan_kernel(EMB_SCAN_GENERIC);
    int ran = 0;
    (void)state;

    assert_non_null(generic);
    for (int round = 0; round < 24; round++) {
        struct emb_query Q;
        int hmax = round % 3 == 0 ? 72 : round % 3 == 1 ? 60 : 100;
        make_query(&Q, round % 5, round % 2, hmax);
        fill(h, &Q);
        size_t nw = run(generic, h, &Q, 64, want);
        assert_true(nw >= N_ENTRIES / 7 / 8); /* planted at hmax: found */
        for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++)
            for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++) {
                emb_scan_fn scan = idx__emb_scan_kernel(kernels[k]);
                if (!scan)
                    continue; /* this CPU lacks it */
                size_t ng = run(scan, h, &Q, caps[c], got);
                assert_int_equal(ng, nw);
                assert_memory_equal(got, want, nw * sizeof *want);
                ran++;
            }
    }
    assert_true(ran > 0);
}

/* Planted entries at hmax are in, at hmax + 1 out, whatever the kernel. */
static void test_boundary(void **state)
{
    static uint64_t h[N_ENTRIES * EMB_WORDS];
    struct emb_query Q;
    size_t out[N_ENTRIES];
    (void)state;

    make_query(&Q, 4, 0, 72);
    for (size_t i = 0; i < N_ENTRIES; i++) /* far from every form */
        for (int w = 0; w < EMB_WORDS; w++)
            h[i * EMB_WORDS + w] = ~Q.f[0].h[w] ^ (rnd() & rnd() & rnd());
    memset(h + 100 * EMB_WORDS, 0, 2 * EMB_WORDS * sizeof *h);
    flip_in(Q.f[3].h, 72, 0, EMB_WORDS, h + 100 * EMB_WORDS);
    flip_in(Q.f[3].h, 73, 0, EMB_WORDS, h + 101 * EMB_WORDS);
    for (int k = EMB_SCAN_GENERIC; k <= EMB_SCAN_AVX512; k++) {
        emb_scan_fn scan = idx__emb_scan_kernel((enum emb_scan)k);
        if (!scan)
            continue;
        size_t n = run(scan, h, &Q, 64, out);
        int has100 = 0, has101 = 0;
        for (size_t j = 0; j < n; j++) {
            has100 |= out[j] == 100;
            has101 |= out[j] == 101;
        }
        assert_true(has100);
        assert_false(has101);
    }
}

static void test_scan_options(void **state)
{
    struct idx *ix = NULL;
    struct kr_err err = {0};
    static const char *const opts[] = {"scan=generic", "scan=avx2", "scan=avx512", "scan=auto"};
    static const enum emb_scan k[] = {EMB_SCAN_GENERIC, EMB_SCAN_AVX2, EMB_SCAN_AVX512,
                                      EMB_SCAN_AUTO};
    (void)state;

    for (int i = 0; i < 4; i++) {
        enum kr_code rc = idx_open("embedded", opts[i], &ix, &err);
        assert_int_equal(rc, idx__emb_scan_kernel(k[i]) ? KR_OK : KR_EINVAL);
        if (rc == KR_OK)
            idx_close(ix);
    }
    assert_int_equal(idx_open("embedded", "scan=sse9", &ix, &err), KR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernels_equal_generic),
        cmocka_unit_test(test_boundary),
        cmocka_unit_test(test_scan_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
