/*
 * test_embedded.c - the "embedded" index against brute-force references:
 * the id map under random add/remove, find_dups decisions (including the
 * quantisation band and exact re-scoring), top-k search, argument checks,
 * and concurrent use. Signatures are synthetic (random bits, random unit
 * vectors), independent of dedup_compute.
 */
#include "testutil.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "index/index.h"

#include "synth.h"

static int hamming(const uint8_t *a, const uint8_t *b)
{
    int d = 0;
    for (int i = 0; i < DEDUP_HASH_BYTES; i++)
        d += __builtin_popcount((unsigned)(a[i] ^ b[i]));
    return d;
}

static struct idx *open_idx(const char *opts)
{
    struct idx *ix = NULL;
    struct kr_err err = {0};
    assert_int_equal(idx_open("embedded", opts, &ix, &err), KR_OK);
    return ix;
}

/* ---- tests ----------------------------------------------------------------- */

static void test_add_remove_replace(void **state)
{
    struct idx *ix = open_idx(NULL);
    struct dedup_sig s;
    struct kr_err err = {0};
    struct idx_hit hits[4];
    struct dedup_rule exact_rule = {.hash_max = 0, .desc_min = 0.9f};
    int n;
    (void)state;

    random_sig(&s);
    assert_int_equal(idx_add(ix, 42, &s, &err), KR_OK);
    assert_true(idx_contains(ix, 42));
    assert_false(idx_contains(ix, 43));
    assert_int_equal(idx_count(ix), 1);

    assert_int_equal(idx_find_dups(ix, &(struct idx_dup_query){&s, &exact_rule}, hits, 4, &n, &err),
                     KR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(hits[0].id, 42);
    assert_int_equal(hits[0].hash_dist, 0);
    assert_true(fabsf(hits[0].score - 1.0f) < 0.03f);
    assert_true(fabsf(hits[0].distance - (1.0f - hits[0].score)) < 1e-6f);

    /* replace: same id, new signature; the old one no longer matches */
    struct dedup_sig s2;
    random_sig(&s2);
    assert_int_equal(idx_add(ix, 42, &s2, &err), KR_OK);
    assert_int_equal(idx_count(ix), 1);
    assert_int_equal(idx_find_dups(ix, &(struct idx_dup_query){&s, &exact_rule}, hits, 4, &n, &err),
                     KR_OK);
    assert_int_equal(n, 0);
    assert_int_equal(
        idx_find_dups(ix, &(struct idx_dup_query){&s2, &exact_rule}, hits, 4, &n, &err), KR_OK);
    assert_int_equal(n, 1);

    assert_int_equal(idx_remove(ix, 42, &err), KR_OK);
    assert_int_equal(idx_remove(ix, 42, &err), KR_ENOTFOUND);
    assert_int_equal(idx_count(ix), 0);
    idx_close(ix);
}

struct idset {
    int64_t *ids;
    size_t n;
};

static int collect_id(int64_t id, void *ctx)
{
    struct idset *s = ctx;
    s->ids[s->n++] = id;
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Random add/remove against a presence bitmap; ids collide on purpose
 * (small range) so replace, swap-with-last and backward-shift all run. */
static void test_map_random_ops(void **state)
{
    enum { RANGE = 5000, OPS = 60000 };
    struct idx *ix = open_idx("capacity=10");
    static unsigned char present[RANGE];
    struct kr_err err = {0};
    struct dedup_sig s;
    size_t count = 0;
    (void)state;

    memset(present, 0, sizeof present);
    random_sig(&s);
    for (int op = 0; op < OPS; op++) {
        int64_t id = (int64_t)(rnd() % RANGE) * 7919 - 100000; /* negative ids too */
        size_t k = (size_t)((id + 100000) / 7919);
        if (rnd() % 3) {
            assert_int_equal(idx_add(ix, id, &s, &err), KR_OK);
            count += !present[k];
            present[k] = 1;
        } else {
            assert_int_equal(idx_remove(ix, id, &err), present[k] ? KR_OK : KR_ENOTFOUND);
            count -= present[k];
            present[k] = 0;
        }
        if (op % 997 == 0)
            assert_int_equal(idx_contains(ix, id), present[k]);
    }
    assert_int_equal(idx_count(ix), count);
    struct idset got = {.ids = malloc(RANGE * sizeof(int64_t))};
    idx_each(ix, collect_id, &got);
    assert_int_equal(got.n, count);
    qsort(got.ids, got.n, sizeof *got.ids, cmp_i64);
    size_t j = 0;
    for (size_t k = 0; k < RANGE; k++) {
        if (!present[k])
            continue;
        assert_int_equal(got.ids[j], (int64_t)k * 7919 - 100000);
        assert_true(idx_contains(ix, got.ids[j]));
        j++;
    }
    free(got.ids);
    idx_close(ix);
}

/* N random entries plus planted near-duplicates of a query; the index must
 * agree with brute force on every entry outside the quantisation band. */
static void test_find_dups_vs_brute_force(void **state)
{
    enum { N = 20000 };
    struct idx *ix = open_idx(NULL);
    struct dedup_sig *sigs = malloc(N * sizeof *sigs), q;
    struct dedup_rule rule = {.hash_max = 31, .desc_min = 0.95f};
    struct idx_hit hits[64];
    struct kr_err err = {0};
    int n;
    (void)state;

    random_sig(&q);
    for (int i = 0; i < N; i++) {
        random_sig(&sigs[i]);
        if (i % 1000 == 0) { /* near-duplicates at various distances and scores */
            memcpy(sigs[i].hash, q.hash, sizeof q.hash);
            flip_bits(sigs[i].hash, (i / 1000 % 12) * 3); /* 0, 3, ..., 33 bits */
            at_score(q.desc, 0.90 + 0.005 * (double)(i / 1000), sigs[i].desc);
        }
        assert_int_equal(idx_add(ix, i, &sigs[i], &err), KR_OK);
    }
    assert_int_equal(idx_find_dups(ix, &(struct idx_dup_query){&q, &rule}, hits, 64, &n, &err),
                     KR_OK);
    int expect_certain = 0;
    for (int i = 0; i < N; i++) {
        int d = hamming(sigs[i].hash, q.hash);
        float sc = dot(sigs[i].desc, q.desc);
        if (d <= rule.hash_max && sc >= rule.desc_min + 0.03f)
            expect_certain++;
    }
    assert_true(expect_certain >= 3);
    assert_true(n >= expect_certain);
    for (int i = 0; i < n; i++) {
        const struct dedup_sig *s = &sigs[hits[i].id];
        float exact = dot(s->desc, q.desc);
        assert_int_equal(hits[i].hash_dist, hamming(s->hash, q.hash));
        assert_true(hits[i].hash_dist <= rule.hash_max);
        assert_true(exact >= rule.desc_min); /* never a false duplicate */
        assert_true(fabsf(hits[i].score - exact) < 0.01f);
        if (i > 0)
            assert_true(hits[i - 1].distance <= hits[i].distance);
    }
    /* max truncates to the best ones */
    struct idx_hit two[2];
    assert_int_equal(idx_find_dups(ix, &(struct idx_dup_query){&q, &rule}, two, 2, &n, &err),
                     KR_OK);
    assert_int_equal(n, 2);
    assert_int_equal(two[0].id, hits[0].id);
    assert_int_equal(two[1].id, hits[1].id);
    free(sigs);
    idx_close(ix);
}

struct exact_src {
    const struct dedup_sig *sigs;
    int n, calls;
    int fail; /* 1: the source fails (as a store that cannot be read) */
};

/* calls counts the ids read. */
static enum kr_code exact_desc(const int64_t *ids, int n, struct dedup_sig *sigs, uint8_t *found,
                               void *ctx, struct kr_err *err)
{
    struct exact_src *src = ctx;
    __atomic_add_fetch(&src->calls, n, __ATOMIC_RELAXED);
    if (src->fail)
        return kr_fail(err, KRS_STORE_CORRUPT, "test: the source cannot read id %lld",
                       (long long)ids[0]);
    for (int i = 0; i < n; i++) {
        found[i] = ids[i] >= 0 && ids[i] < src->n;
        if (found[i])
            sigs[i] = src->sigs[ids[i]];
    }
    return KR_OK;
}

/* Entries just above and just below desc_min: without an exact source the
 * borderline duplicate is withheld; with one, the decision is exact. */
static void test_quantisation_band(void **state)
{
    struct idx *ix = open_idx(NULL);
    struct dedup_sig sigs[2], q;
    struct dedup_rule rule = {.hash_max = 10, .desc_min = 0.95f};
    struct exact_src src = {.sigs = sigs, .n = 2};
    struct idx_hit hits[4];
    struct kr_err err = {0};
    int n;
    (void)state;

    random_sig(&q);
    for (int i = 0; i < 2; i++) {
        memcpy(sigs[i].hash, q.hash, sizeof q.hash);
        flip_bits(sigs[i].hash, 2);
        at_score(q.desc, i == 0 ? 0.953 : 0.947, sigs[i].desc);
        assert_int_equal(idx_add(ix, i, &sigs[i], &err), KR_OK);
    }
    assert_int_equal(idx_find_dups(ix, &(struct idx_dup_query){&q, &rule}, hits, 4, &n, &err),
                     KR_OK);
    assert_int_equal(n, 0);

    idx_set_source(ix, exact_desc, &src);
    assert_int_equal(idx_find_dups(ix, &(struct idx_dup_query){&q, &rule}, hits, 4, &n, &err),
                     KR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(hits[0].id, 0);
    assert_true(fabsf(hits[0].score - dot(sigs[0].desc, q.desc)) < 1e-5f);
    assert_int_equal(src.calls, 2);

    /* a source that fails fails the query: the skipped entry could be the duplicate */
    src.fail = 1;
    assert_int_equal(idx_find_dups(ix, &(struct idx_dup_query){&q, &rule}, hits, 4, &n, &err),
                     KR_EIO);
    assert_int_equal(n, 0);
    assert_int_equal(err.slug_id, KRS_STORE_CORRUPT); /* the source's own error */
    src.fail = 0;

    /* a clear duplicate never needs the exact source */
    assert_int_equal(idx_remove(ix, 1, &err), KR_OK);
    src.calls = 0;
    assert_int_equal(idx_find_dups(ix, &(struct idx_dup_query){&sigs[0], &rule}, hits, 4, &n, &err),
                     KR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(src.calls, 0);
    idx_close(ix);
}

static void test_search_top_k(void **state)
{
    enum { N = 5000 };
    struct idx *ix = open_idx(NULL);
    struct dedup_sig s;
    float q[DEDUP_DESC_DIM];
    const double planted[5] = {0.99, 0.9, 0.8, 0.7, 0.6};
    struct idx_hit hits[5];
    struct kr_err err = {0};
    int n;
    (void)state;

    random_unit(q);
    for (int i = 0; i < N; i++) {
        random_sig(&s);
        if (i % 1000 == 7)
            at_score(q, planted[i / 1000], s.desc);
        assert_int_equal(idx_add(ix, 100 + i, &s, &err), KR_OK);
    }
    assert_int_equal(idx_search(ix, q, 5, hits, &n, &err), KR_OK);
    assert_int_equal(n, 5);
    for (int r = 0; r < 5; r++) {
        assert_int_equal(hits[r].id, 100 + 1000 * r + 7);
        assert_true(fabsf(hits[r].score - (float)planted[r]) < 0.02f);
        assert_int_equal(hits[r].hash_dist, -1);
    }
    /* k larger than the index */
    struct idx *small = open_idx(NULL);
    struct idx_hit many[10];
    assert_int_equal(idx_add(small, 1, &s, &err), KR_OK);
    assert_int_equal(idx_search(small, q, 10, many, &n, &err), KR_OK);
    assert_int_equal(n, 1);
    idx_close(small);
    idx_close(ix);
}

static void test_bad_arguments(void **state)
{
    struct idx *ix = open_idx(NULL), *none = NULL;
    struct dedup_sig s;
    struct dedup_rule rule = {.hash_max = 31, .desc_min = 0.95f};
    struct idx_hit hits[2];
    struct kr_err err = {0};
    int n = 99;
    (void)state;

    random_sig(&s);
    s.desc[3] = NAN;
    assert_int_equal(idx_add(ix, 1, &s, &err), KR_EINVAL);
    s.desc[3] = 1.5f;
    assert_int_equal(idx_add(ix, 1, &s, &err), KR_EINVAL);
    assert_int_equal(idx_find_dups(ix, &(struct idx_dup_query){&s, &rule}, hits, 2, &n, &err),
                     KR_EINVAL);
    assert_int_equal(n, 0);
    random_sig(&s);
    assert_int_equal(idx_add(ix, 1, NULL, &err), KR_EINVAL);
    assert_int_equal(
        idx_find_dups(ix, &(struct idx_dup_query){&s, &rule}, hits, IDX_MAX_HITS + 1, &n, &err),
        KR_EINVAL);
    assert_int_equal(idx_find_dups(ix, &(struct idx_dup_query){&s, &rule}, hits, -1, &n, &err),
                     KR_EINVAL);
    rule.hash_max = 257;
    assert_int_equal(idx_find_dups(ix, &(struct idx_dup_query){&s, &rule}, hits, 2, &n, &err),
                     KR_EINVAL);
    rule.hash_max = 31;
    rule.desc_min = NAN;
    assert_int_equal(idx_find_dups(ix, &(struct idx_dup_query){&s, &rule}, hits, 2, &n, &err),
                     KR_EINVAL);
    assert_int_equal(idx_search(ix, s.desc, 0, hits, &n, &err), KR_OK);
    assert_int_equal(n, 0);
    assert_int_equal(idx_search(ix, NULL, 2, hits, &n, &err), KR_EINVAL);
    assert_int_equal(idx_open("embedded", "capacity=-5", &none, &err), KR_EINVAL);
    assert_int_equal(idx_open("embedded", "capacity=12x", &none, &err), KR_EINVAL);
    assert_int_equal(idx_open("embedded", "shards=4", &none, &err), KR_EINVAL);
    assert_int_equal(idx_open("milvus-ish", NULL, &none, &err), KR_EUNSUPPORTED);
    assert_null(none);
    idx_close(ix);
}

static int stop_and_remove(int64_t id, void *ctx)
{
    struct idx *ix = ctx;
    struct kr_err err = {0};
    assert_int_equal(idx_remove(ix, id, &err), KR_OK); /* cb may modify the index */
    return idx_count(ix) <= 5;
}

static void test_each_can_modify(void **state)
{
    struct idx *ix = open_idx(NULL);
    struct dedup_sig s;
    struct kr_err err = {0};
    (void)state;

    random_sig(&s);
    for (int i = 0; i < 10; i++)
        assert_int_equal(idx_add(ix, i, &s, &err), KR_OK);
    idx_each(ix, stop_and_remove, ix);
    assert_int_equal(idx_count(ix), 5);
    idx_close(ix);
}

struct worker {
    struct idx *ix;
    int64_t base;
    int writer;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    struct dedup_sig s;
    struct dedup_rule rule = {.hash_max = 31, .desc_min = 0.9f};
    struct idx_hit hits[8];
    struct kr_err err = {0};
    int n;

    memset(&s, 0, sizeof s);
    s.desc[(int)(w->base % DEDUP_DESC_DIM)] = 1.0f;
    for (int i = 0; i < 3000; i++) {
        if (w->writer) {
            if (idx_add(w->ix, w->base + i, &s, &err) != KR_OK)
                return "add";
            if (i % 3 == 0 && idx_remove(w->ix, w->base + i, &err) != KR_OK)
                return "remove";
        } else if (idx_find_dups(w->ix, &(struct idx_dup_query){&s, &rule}, hits, 8, &n, &err) !=
                       KR_OK ||
                   idx_search(w->ix, s.desc, 8, hits, &n, &err) != KR_OK) {
            return "query";
        }
    }
    return NULL;
}

static void test_concurrent(void **state)
{
    struct idx *ix = open_idx(NULL);
    struct worker w[4];
    pthread_t t[4];
    (void)state;

    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){.ix = ix, .base = (int64_t)i * 100000 + i, .writer = i < 2};
        pthread_create(&t[i], NULL, work, &w[i]);
    }
    for (int i = 0; i < 4; i++) {
        void *res;
        pthread_join(t[i], &res);
        assert_null(res);
    }
    assert_int_equal(idx_count(ix), 2 * 2000);
    idx_close(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_remove_replace),
        cmocka_unit_test(test_map_random_ops),
        cmocka_unit_test(test_find_dups_vs_brute_force),
        cmocka_unit_test(test_quantisation_band),
        cmocka_unit_test(test_search_top_k),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_each_can_modify),
        cmocka_unit_test(test_concurrent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
