/*
 * test_scene.c - the scene stage (src/dedup/scene.c, scene_match.c) on
 * generated textured scenes that fill the frame (no plain background, so the
 * first stage sees a scene): a 10 % crop and a 2 degree turn (cropped to hide
 * the corners) of a scene match it through the second stage, a different
 * scene does not, a photo the trim step cuts but whose box covers most of
 * the frame keeps the stage while a catalog shot skips it, a page of text
 * (its lines a third of the page) keeps it too and its crop matches it
 * while another page of the same layout does not, the sizes stay
 * within their bounds, and the stored form
 * round-trips and refuses malformed bytes.
 */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dedup/dedup_int.h"
#include "scene_img.h"

#define SW 1200
#define SH 900

/* A frame-filling scene (tests/support/scene_img.h). */
static unsigned char *make_scene(uint32_t seed)
{
    return tu_scene(seed, SW, SH);
}

/* The window [x0, x0+w) x [y0, y0+h) of the scene turned by deg about its
 * centre, as an image of w x h. */
static unsigned char *window(const unsigned char *src, int x0, int y0, int w, int h, double deg)
{
    return tu_scene_window(src, SW, SH, &(struct tu_window){x0, y0, w, h, deg});
}

static void sig_of(unsigned char *rgb, int w, int h, struct dedup_sig *sig)
{
    struct image_px px = {.data = rgb, .width = w, .height = h, .bands = 3};
    struct kr_err err = {0};
    if (dedup_compute(&px, sig, &err) != KR_OK)
        fail_msg("dedup_compute: %s", err.msg);
}

/* What a store keeps of a signature: no probes, no dense keypoints. */
static void stored(const struct dedup_sig *in, struct dedup_sig *out)
{
    memset(out, 0, sizeof *out);
    memcpy(out->hash, in->hash, sizeof out->hash);
    memcpy(out->desc, in->desc, sizeof out->desc);
    out->quality = in->quality;
    out->nkp = in->nkp;
    memcpy(out->kp, in->kp, sizeof out->kp);
}

static struct dedup_sig *orig, *other, *crop, *turn, *keep;

static int setup(void **state)
{
    unsigned char *a = make_scene(1), *b = make_scene(2), *w;
    (void)state;
    orig = calloc(5, sizeof *orig);
    other = orig + 1;
    crop = orig + 2;
    turn = orig + 3;
    keep = orig + 4;
    sig_of(a, SW, SH, orig);
    sig_of(b, SW, SH, other);
    w = window(a, SW / 10, SH / 10, SW * 8 / 10, SH * 8 / 10, 0); /* 10 % per side */
    sig_of(w, SW * 8 / 10, SH * 8 / 10, crop);
    free(w);
    w = window(a, SW / 20, SH / 20, SW * 9 / 10, SH * 9 / 10, 2); /* 2 degrees, 5 % crop */
    sig_of(w, SW * 9 / 10, SH * 9 / 10, turn);
    free(w);
    stored(orig, keep);
    free(a);
    free(b);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(orig);
    return 0;
}

static int rule_match(const struct dedup_sig *a, const struct dedup_sig *b)
{
    struct dedup_rule rule;
    dedup_rule_default(&rule, -1, -1);
    return dedup_match(a, b, &rule, NULL);
}

static void test_scene_has_keypoints(void **state)
{
    (void)state;
    assert_true(orig->nkp > 20 && orig->nkp <= DEDUP_SCENE_KP);
    assert_true(orig->nqkp > orig->nkp && orig->nqkp <= DEDUP_SCENE_QKP);
    assert_true(DEDUP_SCENE_BYTES <= 1024);
}

static void test_crop_matches(void **state)
{
    struct dedup_rule rule;
    (void)state;
    dedup_rule_default(&rule, -1, -1);
    /* the first stage alone misses a 10 % crop of a scene; the second catches it */
    assert_int_equal(dedup_hash_distance(crop->hash, keep->hash) <= rule.hash_max &&
                         dedup_desc_score(crop->desc, keep->desc) >= rule.desc_min,
                     0);
    assert_true(dedup_scene_inliers(crop, keep) >= rule.scene_min);
    assert_true(rule_match(crop, keep));
}

static void test_turn_matches(void **state)
{
    (void)state;
    assert_true(rule_match(turn, keep));
    /* the stored side may come first too: b's dense set against a's keypoints */
    assert_true(rule_match(keep, turn));
}

static void test_other_scene_does_not_match(void **state)
{
    struct dedup_sig o;
    (void)state;
    stored(other, &o);
    assert_false(rule_match(crop, &o));
    assert_false(rule_match(turn, &o));
    assert_false(rule_match(other, keep));
    assert_true(dedup_scene_inliers(crop, &o) < 8);
}

/* White outside an ellipse inscribed in the frame, or (small) outside a
 * centred disc of a third of the frame's height in radius (not a
 * rectangle, which would read as a pasted photo): the trim step cuts both, the
 * first is a photo it misreads (a texture with pale edges, a moon on black),
 * the second a catalog shot. */
static void whiten_outside(unsigned char *p, int small)
{
    for (int y = 0; y < SH; y++)
        for (int x = 0; x < SW; x++) {
            double u = (x - SW / 2.0) / (SW * 0.45), v = (y - SH / 2.0) / (SH * 0.45);
            double r2 = (x - SW / 2.0) * (x - SW / 2.0) + (y - SH / 2.0) * (y - SH / 2.0);
            int in = small ? r2 < SH * SH / 9.0 : u * u + v * v <= 1;
            if (!in)
                memset(p + ((size_t)y * SW + x) * 3, 255, 3);
        }
}

static void test_trimmed_photo_keeps_the_stage(void **state)
{
    unsigned char *a = make_scene(3), *w;
    struct dedup_sig *s = calloc(3, sizeof *s);
    (void)state;
    whiten_outside(a, 0);
    sig_of(a, SW, SH, &s[0]);
    /* the box covers most of the frame: stored keypoints, analysed whole */
    assert_true(s[0].nkp > 20);
    stored(&s[0], &s[1]);
    w = window(a, SW / 10, SH / 10, SW * 8 / 10, SH * 8 / 10, 0);
    sig_of(w, SW * 8 / 10, SH * 8 / 10, &s[2]);
    free(w);
    assert_true(rule_match(&s[2], &s[1]));
    /* a catalog shot (the item two thirds of the height) skips the stage */
    free(a);
    a = make_scene(3);
    whiten_outside(a, 1);
    sig_of(a, SW, SH, &s[0]);
    assert_int_equal(s[0].nkp, 0);
    assert_int_equal(s[0].nqkp, 0);
    free(a);
    free(s);
}

/* A page of text: PW x PH paper with lines of made-up glyphs (strokes one
 * pixel thick in a 6 x 9 cell, words of 2-8, ragged right) in a block at
 * the top left covering about a third of the page, like a printed page
 * decoded at dedup's size. Pages of other seeds share the layout. */
#define PW 620
#define PH 877

static uint32_t page_rand(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void ink(unsigned char *p, int x, int y)
{
    memset(p + ((size_t)y * PW + x) * 3, 32, 3);
}

static void glyph(unsigned char *p, int x, int y, uint32_t *s)
{
    int strokes = 2 + (int)(page_rand(s) % 2);
    for (int k = 0; k < strokes; k++) {
        int r = (int)(page_rand(s) % 6);
        if (r < 3) /* a vertical stroke at the left, middle or right */
            for (int v = (int)(page_rand(s) % 3); v < 9; v++)
                ink(p, x + r * 2, y + v);
        else /* a horizontal one at the top, middle or bottom */
            for (int u = 0; u < 5; u++)
                ink(p, x + u, y + (r - 3) * 4);
    }
}

static unsigned char *make_page(uint32_t seed)
{
    unsigned char *p = malloc((size_t)PW * PH * 3);
    uint32_t s = seed * 2654435761u + 1;
    for (size_t i = 0; i < (size_t)PW * PH; i++)
        memcpy(p + i * 3, (const unsigned char[3]){244, 241, 234}, 3);
    for (int y = 55; y + 9 < PH * 68 / 100; y += 13) {
        int end = PW * 50 / 100 + (int)(page_rand(&s) % (PW / 10));
        for (int x = 45; x + 6 < end;) {
            int len = 2 + (int)(page_rand(&s) % 7);
            for (int g = 0; g < len && x + 6 < end; g++, x += 7)
                glyph(p, x, y, &s);
            x += 7;
        }
    }
    return p;
}

static void test_page_of_text_keeps_the_stage(void **state)
{
    unsigned char *a = make_page(1), *b = make_page(2), *w;
    struct dedup_sig *s = calloc(4, sizeof *s);
    (void)state;
    sig_of(a, PW, PH, &s[0]);
    /* the box of lines covers about a third of the page, yet the page is
     * analysed whole: it has keypoints like a scene */
    assert_true(s[0].nkp > 20);
    assert_true(s[0].nqkp > s[0].nkp);
    stored(&s[0], &s[1]);
    /* a 20 % crop (per side) of it matches it */
    w = tu_scene_window(a, PW, PH, &(struct tu_window){PW / 5, PH / 5, PW * 3 / 5, PH * 3 / 5, 0});
    sig_of(w, PW * 3 / 5, PH * 3 / 5, &s[2]);
    free(w);
    assert_true(rule_match(&s[2], &s[1]));
    /* another page of the same font and layout matches neither */
    sig_of(b, PW, PH, &s[3]);
    assert_true(s[3].nkp > 20);
    assert_true(dedup_scene_inliers(&s[3], &s[1]) < 8);
    assert_false(rule_match(&s[3], &s[1]));
    stored(&s[3], &s[0]);
    assert_false(rule_match(&s[2], &s[0]));
    free(a);
    free(b);
    free(s);
}

static void test_pack_roundtrip_and_refusals(void **state)
{
    uint8_t b[DEDUP_SCENE_BYTES + 8];
    struct dedup_sig *s = calloc(1, sizeof *s);
    size_t n = dedup_scene_pack(orig, b);
    (void)state;
    assert_int_equal(n, 2 + (size_t)orig->nkp * (2 + DEDUP_SCENE_DESC));
    assert_true(n <= DEDUP_SCENE_BYTES);
    assert_int_equal(dedup_scene_unpack(b, n, s), KR_OK);
    assert_int_equal(s->nkp, orig->nkp);
    assert_memory_equal(s->kp, orig->kp, (size_t)orig->nkp * sizeof s->kp[0]);
    /* no bytes: no keypoints (a row from before the stage) */
    assert_int_equal(dedup_scene_unpack(b, 0, s), KR_OK);
    assert_int_equal(s->nkp, 0);
    /* truncated, too long, wrong version, count out of range: refused */
    assert_int_equal(dedup_scene_unpack(b, n - 1, s), KR_EINVAL);
    assert_int_equal(dedup_scene_unpack(b, n + 1, s), KR_EINVAL);
    b[0] = 9;
    assert_int_equal(dedup_scene_unpack(b, n, s), KR_EINVAL);
    b[0] = 1;
    b[1] = DEDUP_SCENE_KP + 1;
    assert_int_equal(dedup_scene_unpack(b, n, s), KR_EINVAL);
    b[1] = 0;
    assert_int_equal(dedup_scene_unpack(b, 2, s), KR_EINVAL);
    assert_int_equal(dedup_scene_pack(s, b), 0); /* nkp was left 0 by the refusal */
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scene_has_keypoints),
        cmocka_unit_test(test_crop_matches),
        cmocka_unit_test(test_turn_matches),
        cmocka_unit_test(test_other_scene_does_not_match),
        cmocka_unit_test(test_trimmed_photo_keeps_the_stage),
        cmocka_unit_test(test_page_of_text_keeps_the_stage),
        cmocka_unit_test(test_pack_roundtrip_and_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
