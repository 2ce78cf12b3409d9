/*
 * test_scene_index.c - the embedded index's second duplicate stage
 * (src/index/embedded_scene.c): a 10 % crop of a generated scene is found
 * among 400 other entries (half of them carrying random keypoints) through
 * the scene keypoints, and only with candidates allowed; an entry's keys
 * follow it when removals move slots, are replaced or cleared by a re-add,
 * and leave with the entry (ASan checks nothing leaks or is freed twice).
 * The keypoints are read at verification from a source (here a table in
 * the test, as the store in repo/): a source that fails fails the check
 * with its own error (never read as "no candidate"), a candidate the source
 * no longer has is skipped, and candidates with no source installed fail
 * with no_signature_source. The index holds no keypoints itself: only keys.
 * The second stage does not run once the first has found a duplicate.
 */
#include "testutil.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "index/index.h"
#include "index/index_int.h"
#include "scene_img.h"

#include "synth.h"

#define SW 1200
#define SH 900

static struct dedup_sig *orig, *crop, *other;

static void sig_of(unsigned char *rgb, int w, int h, struct dedup_sig *sig)
{
    struct image_px px = {.data = rgb, .width = w, .height = h, .bands = 3};
    struct kr_err err = {0};
    if (dedup_compute(&px, sig, &err) != KR_OK)
        fail_msg("dedup_compute: %s", err.msg);
    free(rgb);
}

/* What the store gives back: no probes, no dense keypoints. */
static void as_stored(struct dedup_sig *s)
{
    s->nprobes = 0;
    s->nqkp = 0;
}

static int setup(void **state)
{
    unsigned char *a = tu_scene(1, SW, SH);
    (void)state;
    orig = calloc(3, sizeof *orig);
    crop = orig + 1;
    other = orig + 2;
    sig_of(tu_scene_window(a, SW, SH,
                           &(struct tu_window){SW / 10, SH / 10, SW * 8 / 10, SH * 8 / 10, 0}),
           SW * 8 / 10, SH * 8 / 10, crop);
    sig_of(a, SW, SH, orig);
    sig_of(tu_scene(2, SW, SH), SW, SH, other);
    as_stored(orig);
    as_stored(other);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(orig);
    return 0;
}

/* The test's store: what each id was last added with. */
#define SRC_MAX 512
static struct src {
    int64_t id[SRC_MAX];
    struct dedup_sig *sig[SRC_MAX];
    int n;
    enum kr_code fail; /* KR_OK, or what every read returns */
    enum kr_code raw;  /* KR_OK, or returned as is, err untouched (a faulty source) */
    int calls;
} src;

static int src_find(int64_t id)
{
    for (int i = 0; i < src.n; i++)
        if (src.id[i] == id)
            return i;
    return -1;
}

static enum kr_code src_read(const int64_t *ids, int n, struct dedup_sig *sigs, uint8_t *found,
                             void *ctx, struct kr_err *err)
{
    (void)ctx;
    src.calls++;
    assert_true(n >= 1 && n <= IDX_SOURCE_BATCH);
    if (src.raw)
        return src.raw;
    if (src.fail && src.fail != KR_ENOTFOUND)
        return kr_fail(err, KRS_STORE_CORRUPT, "test: row %lld is damaged", (long long)ids[0]);
    for (int i = 0; i < n; i++) {
        int k = src_find(ids[i]);
        found[i] = src.fail != KR_ENOTFOUND && k >= 0 && src.sig[k];
        if (found[i])
            sigs[i] = *src.sig[k];
    }
    return KR_OK;
}

/* idx_add, and the source remembers the signature (NULL: removed). */
static void put(struct idx *ix, int64_t id, const struct dedup_sig *sig)
{
    struct kr_err err = {0};
    int i = src_find(id);

    if (sig)
        assert_int_equal(idx_add(ix, id, sig, &err), KR_OK);
    else
        assert_int_equal(idx_remove(ix, id, &err), KR_OK);
    if (i < 0) {
        assert_true(src.n < SRC_MAX);
        i = src.n++;
        src.id[i] = id;
    }
    if (sig && !src.sig[i])
        src.sig[i] = malloc(sizeof *src.sig[i]);
    if (sig)
        *src.sig[i] = *sig;
    else {
        free(src.sig[i]);
        src.sig[i] = NULL;
    }
}

static struct idx *open_with_source(void)
{
    struct idx *ix = NULL;
    struct kr_err err = {0};
    assert_int_equal(idx_open("embedded", NULL, &ix, &err), KR_OK);
    idx_set_source(ix, src_read, NULL);
    return ix;
}

static void src_clear(void)
{
    for (int i = 0; i < src.n; i++)
        free(src.sig[i]);
    memset(&src, 0, sizeof src);
}

/* Is id among the duplicates the index reports for the crop? */
static int found(struct idx *ix, int64_t id, int candidates)
{
    struct dedup_rule rule;
    struct idx_hit hits[16];
    struct kr_err err = {0};
    int n = -1, hit = 0;

    dedup_rule_default(&rule, -1, -1);
    rule.scene_candidates = candidates;
    assert_int_equal(idx_find_dups(ix, &(struct idx_dup_query){crop, &rule}, hits, 16, &n, &err),
                     KR_OK);
    for (int i = 0; i < n; i++)
        hit |= hits[i].id == id;
    return hit;
}

static void test_scene_entries(void **state)
{
    struct idx *ix = open_with_source();
    struct dedup_sig *s = calloc(1, sizeof *s);
    (void)state;

    assert_true(orig->nkp > 0 && crop->nqkp > 0);
    put(ix, 1000, orig); /* early slot: removals move others */
    for (int i = 0; i < 400; i++) {
        random_sig(s);
        s->nkp = i % 2 ? 1 + i % DEDUP_SCENE_KP : 0;
        for (int k = 0; k < s->nkp; k++) {
            s->kp[k].x = (uint8_t)rnd();
            s->kp[k].y = (uint8_t)rnd();
            for (int j = 0; j < DEDUP_SCENE_DESC; j++)
                s->kp[k].d[j] = (uint8_t)rnd();
        }
        put(ix, 1 + i, s);
    }
    put(ix, 2000, other);
    assert_true(found(ix, 1000, 16));
    assert_false(found(ix, 1000, 0)); /* the first stage alone misses a 10 % crop */
    assert_false(found(ix, 2000, 16));

    /* removing entries moves the last slots into the holes */
    for (int i = 0; i < 400; i += 3)
        put(ix, 1 + i, NULL);
    put(ix, 1000, NULL);
    assert_false(found(ix, 1000, 16));
    put(ix, 1000, orig);
    assert_true(found(ix, 1000, 16));
    for (int i = 1; i < 400; i += 3)
        put(ix, 1 + i, NULL);
    assert_true(found(ix, 1000, 16));

    /* a re-add replaces the keys: without keypoints the stage cannot match */
    *s = *orig;
    s->nkp = 0;
    put(ix, 1000, s);
    assert_false(found(ix, 1000, 16));
    put(ix, 1000, orig);
    assert_true(found(ix, 1000, 16));

    /* the index keeps keys, never the keypoints */
    struct emb_idx *e = idx__emb_of(ix);
    const uint8_t *k = e->vkeys[idx__emb_slot(e, 1000)];
    assert_int_equal(idx__vkey_count(k), VOTE_KP * VOTE_TABLES);
    assert_true(malloc_usable_size((void *)k) < 100); /* 1 + 3 x 24 bytes, not ~1 KB */

    /* bad candidate counts are refused */
    struct dedup_rule rule;
    struct idx_hit hits[4];
    struct kr_err err = {0};
    int n;
    dedup_rule_default(&rule, -1, -1);
    rule.scene_candidates = -1;
    assert_int_equal(idx_find_dups(ix, &(struct idx_dup_query){crop, &rule}, hits, 4, &n, &err),
                     KR_EINVAL);
    idx_close(ix); /* frees the rest (ASan: no leak) */
    free(s);
    src_clear();
}

/* The check with rule's default candidates: its code, hits and slug. */
static enum kr_code check(struct idx *ix, int *n, struct kr_err *err)
{
    struct dedup_rule rule;
    struct idx_hit hits[4];

    dedup_rule_default(&rule, -1, -1);
    rule.scene_candidates = 16;
    *n = -1;
    memset(err, 0, sizeof *err);
    return idx_find_dups(ix, &(struct idx_dup_query){crop, &rule}, hits, 4, n, err);
}

/* A failing source fails the check with its own error, no hits; a
 * candidate the source no longer has is no duplicate; without a source,
 * candidates cannot be verified: no_signature_source. */
static void test_scene_source(void **state)
{
    struct idx *ix = open_with_source();
    struct kr_err err;
    int n;
    (void)state;

    put(ix, 7, orig);
    assert_true(found(ix, 7, 16));
    src.fail = KR_EIO;
    assert_int_equal(check(ix, &n, &err), KR_EIO);
    assert_int_equal(err.slug_id, KRS_STORE_CORRUPT);
    assert_non_null(strstr(err.msg, "row 7 is damaged"));
    assert_int_equal(n, 0);
    src.fail = KR_ENOTFOUND; /* deleted from the store, not yet from the index */
    assert_int_equal(check(ix, &n, &err), KR_OK);
    assert_int_equal(n, 0);
    src.fail = KR_OK;
    /* a source that answers "not found" for the whole call, or fails
     * without saying why, is a bug: never a miss, never "not found" */
    src.raw = KR_ENOTFOUND;
    assert_int_equal(check(ix, &n, &err), kr_slug_code(KRS_INTERNAL));
    assert_int_equal(err.slug_id, KRS_INTERNAL);
    assert_int_equal(n, 0);
    src.raw = KR_EIO;
    assert_int_equal(check(ix, &n, &err), kr_slug_code(KRS_INTERNAL));
    assert_int_equal(err.slug_id, KRS_INTERNAL);
    src.raw = KR_OK;
    idx_set_source(ix, NULL, NULL);
    assert_int_equal(check(ix, &n, &err), KR_EIO);
    assert_int_equal(err.slug_id, KRS_NO_SIGNATURE_SOURCE);
    assert_int_equal(n, 0);
    idx_close(ix);
    src_clear();
}

/* A query with a dense set but no stored set of its own (a photo whose
 * trimmed box covers 50-65 % of the frame) cannot pass the check
 * (dedup_scene_inliers needs both stored sets): the stage is skipped, no
 * candidate's row is read. */
static void test_scene_query_without_stored_set(void **state)
{
    struct idx *ix = open_with_source();
    struct dedup_sig *q = malloc(sizeof *q);
    struct dedup_rule rule;
    struct idx_hit hits[4];
    struct kr_err err = {0};
    int n = -1;
    (void)state;

    put(ix, 7, orig);
    *q = *crop;
    q->nkp = 0;
    assert_true(q->nqkp > 0);
    dedup_rule_default(&rule, -1, -1);
    rule.scene_candidates = 16;
    src.calls = 0;
    assert_int_equal(idx_find_dups(ix, &(struct idx_dup_query){q, &rule}, hits, 4, &n, &err), KR_OK);
    assert_int_equal(n, 0);
    assert_int_equal(src.calls, 0);
    /* the gate above and the check agree: if dedup_scene_inliers() ever
     * takes a dense set alone, this fails and the gate must change too */
    assert_false(dedup_scene_match(q, orig, &rule));
    assert_true(found(ix, 7, 16)); /* the crop itself, with its stored set, still matches */
    assert_true(src.calls > 0);
    free(q);
    idx_close(ix);
    src_clear();
}

/* A first-stage duplicate ends the check: entry 2 (orig's keypoints under
 * another hash and descriptor) would match in the second stage only. */
static void test_scene_after_first(void **state)
{
    struct idx *ix = NULL;
    struct kr_err err = {0};
    struct dedup_rule rule;
    struct dedup_sig *s = malloc(sizeof *s), *q = malloc(sizeof *q);
    struct idx_hit hits[4];
    int n = -1;
    (void)state;

    *q = *crop;
    memcpy(q->hash, orig->hash, sizeof q->hash); /* the first stage finds entry 1 */
    memcpy(q->desc, orig->desc, sizeof q->desc);
    q->nprobes = 0;
    *s = *orig;
    random_hash(s->hash);
    random_unit(s->desc);
    ix = open_with_source();
    put(ix, 1, orig);
    put(ix, 2, s);
    dedup_rule_default(&rule, -1, -1);
    rule.scene_candidates = 16;
    assert_int_equal(idx_find_dups(ix, &(struct idx_dup_query){q, &rule}, hits, 4, &n, &err),
                     KR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(hits[0].id, 1);
    /* without entry 1 the second stage finds entry 2 */
    put(ix, 1, NULL);
    assert_int_equal(idx_find_dups(ix, &(struct idx_dup_query){q, &rule}, hits, 4, &n, &err),
                     KR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(hits[0].id, 2);
    idx_close(ix);
    src_clear();
    free(s);
    free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scene_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scene_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scene_query_without_stored_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scene_after_first, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
