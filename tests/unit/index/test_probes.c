/*
 * test_probes.c - find_dups with rotation probes (dedup.h): an entry reached
 * only through a probe is found, and the index's decisions equal
 * dedup_match() applied to every stored signature, both with the
 * CPU-specific scan (AVX-512 where the machine has it), the AVX2 one (where
 * it has AVX2) and the generic one ("scan=generic"). Queries straddle both
 * thresholds on purpose.
 */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "index/index.h"

#include "synth.h"

#define N_STORED 3000
#define N_QUERY  300

/* [0, 1) */
static double unit_interval(void)
{
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

/* h = src with `bits` distinct bits flipped. */
static void flipped(const uint8_t *src, int bits, uint8_t *h)
{
    memcpy(h, src, DEDUP_HASH_BYTES);
    flip_bits(h, bits);
}

static struct dedup_sig stored[N_STORED];

static enum kr_code stored_of(const int64_t *ids, int n, struct dedup_sig *sigs, uint8_t *found,
                              void *ctx, struct kr_err *err)
{
    (void)ctx;
    (void)err;
    for (int i = 0; i < n; i++) {
        found[i] = ids[i] >= 0 && ids[i] < N_STORED;
        if (found[i])
            sigs[i] = stored[ids[i]];
    }
    return KR_OK;
}

/* A query: its own hash random (or near an entry), each probe random or
 * near an entry, with distances and scores around the rule's thresholds. */
static void make_query(struct dedup_sig *q, int variant)
{
    memset(q, 0, sizeof *q);
    random_hash(q->hash);
    random_unit(q->desc);
    if (variant % 5 == 0) {
        const struct dedup_sig *t = &stored[rnd() % N_STORED];
        flipped(t->hash, 50 + (int)(rnd() % 40), q->hash);
        at_score(t->desc, 0.95 + 0.05 * unit_interval(), q->desc);
    }
    q->nprobes = DEDUP_PROBES;
    for (int k = 0; k < DEDUP_PROBES; k++) {
        struct dedup_probe *p = &q->probe[k];
        random_hash(p->hash);
        random_unit(p->desc);
        if ((variant + k) % 3 == 0) {
            const struct dedup_sig *t = &stored[rnd() % N_STORED];
            flipped(t->hash, 40 + (int)(rnd() % 50), p->hash);
            at_score(t->desc, 0.95 + 0.05 * unit_interval(), p->desc);
        }
    }
}

static struct idx *filled(const char *opts)
{
    struct idx *ix = NULL;
    struct kr_err err = {0};
    assert_int_equal(idx_open("embedded", opts, &ix, &err), KR_OK);
    for (int i = 0; i < N_STORED; i++)
        assert_int_equal(idx_add(ix, i, &stored[i], &err), KR_OK);
    idx_set_source(ix, stored_of, NULL);
    return ix;
}

static void fill_stored(void)
{
    for (int i = 0; i < N_STORED; i++) {
        random_sig(&stored[i]);
    }
}

static void test_probe_only_match(void **state)
{
    struct dedup_rule rule;
    struct dedup_sig q;
    struct idx_hit hits[8];
    struct kr_err err = {0};
    int n;
    (void)state;
    fill_stored();
    struct idx *ix = filled(NULL);
    dedup_rule_default(&rule, -1, -1);
    memset(&q, 0, sizeof q);
    random_hash(q.hash); /* the photo itself reaches nothing */
    random_unit(q.desc);
    q.nprobes = DEDUP_PROBES;
    for (int k = 0; k < DEDUP_PROBES; k++) {
        random_hash(q.probe[k].hash);
        random_unit(q.probe[k].desc);
    }
    flipped(stored[1234].hash, 30, q.probe[2].hash);
    at_score(stored[1234].desc, 0.995, q.probe[2].desc);
    assert_int_equal(idx_find_dups(ix, &(struct idx_dup_query){&q, &rule}, hits, 8, &n, &err),
                     KR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(hits[0].id, 1234);
    assert_int_equal(hits[0].hash_dist, 30);
    assert_true(fabsf(hits[0].score - 0.995f) < 0.02f);
    q.nprobes = 0; /* without its probes the same photo finds nothing */
    assert_int_equal(idx_find_dups(ix, &(struct idx_dup_query){&q, &rule}, hits, 8, &n, &err),
                     KR_OK);
    assert_int_equal(n, 0);
    idx_close(ix);
}

static int has(const struct idx_hit *h, int n, int64_t id)
{
    for (int i = 0; i < n; i++)
        if (h[i].id == id)
            return 1;
    return 0;
}

static void test_scans_agree_with_the_rule(void **state)
{
    struct dedup_rule rule;
    struct idx_hit a[32], b[32];
    struct kr_err err = {0};
    int found = 0;
    (void)state;
    fill_stored();
    struct idx *fast = filled("capacity=4000");
    struct idx *generic = filled("capacity=4000,scan=generic");
    struct idx *avx2 = NULL; /* the kernel a CPU without AVX-512 runs, if this one has AVX2 */
    if (idx_open("embedded", "scan=avx2", &avx2, &err) == KR_OK) {
        idx_close(avx2);
        avx2 = filled("capacity=4000,scan=avx2");
    }
    dedup_rule_default(&rule, -1, -1);
    for (int v = 0; v < N_QUERY; v++) {
        struct dedup_sig q;
        int na, nb, want = 0;
        make_query(&q, v);
        assert_int_equal(idx_find_dups(fast, &(struct idx_dup_query){&q, &rule}, a, 32, &na, &err),
                         KR_OK);
        assert_int_equal(
            idx_find_dups(generic, &(struct idx_dup_query){&q, &rule}, b, 32, &nb, &err), KR_OK);
        if (avx2) { /* the same hits in the same order as the generic scan */
            struct idx_hit c[32];
            int nc;
            assert_int_equal(
                idx_find_dups(avx2, &(struct idx_dup_query){&q, &rule}, c, 32, &nc, &err), KR_OK);
            assert_int_equal(nc, nb);
            for (int i = 0; i < nc; i++)
                assert_int_equal(c[i].id, b[i].id);
        }
        for (int i = 0; i < N_STORED; i++) {
            int m = dedup_match(&q, &stored[i], &rule, NULL);
            want += m;
            assert_int_equal(has(a, na, i), m);
            assert_int_equal(has(b, nb, i), m);
        }
        assert_int_equal(na, want);
        assert_int_equal(nb, want);
        for (int i = 0; i < na; i++) {
            assert_true(a[i].hash_dist <= rule.hash_max);
            assert_int_equal(a[i].id, b[i].id);
            assert_int_equal(a[i].hash_dist, b[i].hash_dist);
        }
        found += want;
    }
    assert_true(found > 20); /* the queries did reach entries */
    idx_close(fast);
    idx_close(generic);
    if (avx2)
        idx_close(avx2);
}

static void test_scan_option(void **state)
{
    struct idx *ix = NULL;
    struct kr_err err = {0};
    (void)state;
    assert_int_equal(idx_open("embedded", "scan=generic", &ix, &err), KR_OK);
    idx_close(ix);
    assert_int_equal(idx_open("embedded", "scan=auto,capacity=5", &ix, &err), KR_OK);
    idx_close(ix);
    assert_int_equal(idx_open("embedded", "scan=fastest", &ix, &err), KR_EINVAL);
    assert_int_equal(idx_open("embedded", "capacity=5,,scan=auto", &ix, &err), KR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_only_match),
        cmocka_unit_test(test_scans_agree_with_the_rule),
        cmocka_unit_test(test_scan_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
