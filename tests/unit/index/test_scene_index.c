/*
 * test_scene_index.c - the embedded index's second duplicate stage
 * (src/index/embedded_scene.c): a 10 % crop of a generated scene is found
 * among 400 other entries (half of them carrying random keypoints) through
 * the scene keypoints, and only with candidates allowed; the keypoints follow
 * their entry when removals move slots, are replaced or cleared by a re-add,
 * and leave with the entry (ASan checks nothing leaks or is freed twice).
 * Keypoints the index holds that no longer unpack fail the check with
 * store_corrupt (never read as "no candidate"), and the second stage does not
 * run once the first has found a duplicate.
 */
#include "testutil.h"

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
    sig_of(tu_scene_window(a, SW, SH, &(struct tu_window){SW / 10, SH / 10, SW * 8 / 10, SH * 8 / 10, 0}),
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

/* Is id among the duplicates the index reports for the crop? */
static int found(struct idx *ix, int64_t id, int candidates)
{
    struct dedup_rule rule;
    struct idx_hit hits[16];
    struct kr_err err = {0};
    int n = -1, hit = 0;

    dedup_rule_default(&rule, -1, -1);
    rule.scene_candidates = candidates;
    assert_int_equal(idx_find_dups(ix, &(struct idx_dup_query){crop, &rule}, hits, 16, &n, &err), KR_OK);
    for (int i = 0; i < n; i++)
        hit |= hits[i].id == id;
    return hit;
}

static void test_scene_entries(void **state)
{
    struct idx *ix = NULL;
    struct kr_err err = {0};
    struct dedup_sig *s = calloc(1, sizeof *s);
    (void)state;

    assert_true(orig->nkp > 0 && crop->nqkp > 0);
    assert_int_equal(idx_open("embedded", NULL, &ix, &err), KR_OK);
    assert_int_equal(idx_add(ix, 1000, orig, &err), KR_OK); /* early slot: removals move others */
    for (int i = 0; i < 400; i++) {
        random_sig(s);
        s->nkp = i % 2 ? 1 + i % DEDUP_SCENE_KP : 0;
        for (int k = 0; k < s->nkp; k++) {
            s->kp[k].x = (uint8_t)rnd();
            s->kp[k].y = (uint8_t)rnd();
            for (int j = 0; j < DEDUP_SCENE_DESC; j++)
                s->kp[k].d[j] = (uint8_t)rnd();
        }
        assert_int_equal(idx_add(ix, 1 + i, s, &err), KR_OK);
    }
    assert_int_equal(idx_add(ix, 2000, other, &err), KR_OK);
    assert_true(found(ix, 1000, 16));
    assert_false(found(ix, 1000, 0)); /* the first stage alone misses a 10 % crop */
    assert_false(found(ix, 2000, 16));

    /* removing entries moves the last slots into the holes */
    for (int i = 0; i < 400; i += 3)
        assert_int_equal(idx_remove(ix, 1 + i, &err), KR_OK);
    assert_int_equal(idx_remove(ix, 1000, &err), KR_OK);
    assert_false(found(ix, 1000, 16));
    assert_int_equal(idx_add(ix, 1000, orig, &err), KR_OK);
    assert_true(found(ix, 1000, 16));
    for (int i = 1; i < 400; i += 3)
        assert_int_equal(idx_remove(ix, 1 + i, &err), KR_OK);
    assert_true(found(ix, 1000, 16));

    /* a re-add replaces the keypoints: without them the stage cannot match */
    *s = *orig;
    s->nkp = 0;
    assert_int_equal(idx_add(ix, 1000, s, &err), KR_OK);
    assert_false(found(ix, 1000, 16));
    assert_int_equal(idx_add(ix, 1000, orig, &err), KR_OK);
    assert_true(found(ix, 1000, 16));

    /* bad candidate counts are refused */
    struct dedup_rule rule;
    struct idx_hit hits[4];
    int n;
    dedup_rule_default(&rule, -1, -1);
    rule.scene_candidates = -1;
    assert_int_equal(idx_find_dups(ix, &(struct idx_dup_query){crop, &rule}, hits, 4, &n, &err),
                     KR_EINVAL);
    idx_close(ix); /* frees the rest (ASan: no leak) */
    free(s);
}

/* Damaged keypoints in the index fail the check: store_corrupt, no hits. */
static void test_scene_corrupt(void **state)
{
    struct idx *ix = NULL;
    struct kr_err err = {0};
    struct dedup_rule rule;
    struct idx_hit hits[4];
    int n = -1;
    (void)state;

    assert_int_equal(idx_open("embedded", NULL, &ix, &err), KR_OK);
    assert_int_equal(idx_add(ix, 7, orig, &err), KR_OK);
    assert_true(found(ix, 7, 16));
    idx__emb_of(ix)->scene[0][0] = 0xEE; /* an unknown version byte */
    dedup_rule_default(&rule, -1, -1);
    rule.scene_candidates = 16;
    assert_int_equal(idx_find_dups(ix, &(struct idx_dup_query){crop, &rule}, hits, 4, &n, &err),
                     KR_EIO);
    assert_int_equal(err.slug_id, KRS_STORE_CORRUPT);
    assert_int_equal(n, 0);
    idx_close(ix);
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
    assert_int_equal(idx_open("embedded", NULL, &ix, &err), KR_OK);
    assert_int_equal(idx_add(ix, 1, orig, &err), KR_OK);
    assert_int_equal(idx_add(ix, 2, s, &err), KR_OK);
    dedup_rule_default(&rule, -1, -1);
    rule.scene_candidates = 16;
    assert_int_equal(idx_find_dups(ix, &(struct idx_dup_query){q, &rule}, hits, 4, &n, &err),
                     KR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(hits[0].id, 1);
    /* without entry 1 the second stage finds entry 2 */
    assert_int_equal(idx_remove(ix, 1, &err), KR_OK);
    assert_int_equal(idx_find_dups(ix, &(struct idx_dup_query){q, &rule}, hits, 4, &n, &err),
                     KR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(hits[0].id, 2);
    idx_close(ix);
    free(s);
    free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scene_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scene_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scene_after_first, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
