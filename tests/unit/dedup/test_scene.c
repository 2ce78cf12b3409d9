/*
 * test_scene.c - the scene stage (src/dedup/scene.c, scene_match.c) on
 * generated textured scenes that fill the frame (no plain background, so the
 * first stage sees a scene): a 10 % crop and a 2 degree turn (cropped to hide
 * the corners) of a scene match it through the second stage, a different
 * scene does not, the sizes stay within their bounds, and the stored form
 * round-trips and refuses malformed bytes.
 */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dedup/dedup_int.h"

#define SW 1200
#define SH 900

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* A frame-filling scene: a smooth colour gradient, then 160 filled
 * rectangles and discs of random colours, sizes and places. */
static unsigned char *make_scene(uint32_t seed)
{
    unsigned char *p = malloc((size_t)SW * SH * 3);
    uint32_t s = seed * 2654435761u + 1;
    assert_non_null(p);
    for (int y = 0; y < SH; y++)
        for (int x = 0; x < SW; x++) {
            unsigned char *o = p + ((size_t)y * SW + x) * 3;
            o[0] = (unsigned char)(60 + x * 120 / SW);
            o[1] = (unsigned char)(90 + y * 100 / SH);
            o[2] = (unsigned char)(140 - x * 60 / SW);
        }
    for (int k = 0; k < 160; k++) {
        int cx = (int)(rnd(&s) % SW), cy = (int)(rnd(&s) % SH), r = 10 + (int)(rnd(&s) % 60);
        unsigned char c[3] = {(unsigned char)rnd(&s), (unsigned char)rnd(&s), (unsigned char)rnd(&s)};
        int disc = rnd(&s) & 1;
        for (int y = cy - r; y <= cy + r; y++)
            for (int x = cx - r; x <= cx + r; x++) {
                if (x < 0 || y < 0 || x >= SW || y >= SH)
                    continue;
                if (disc && (x - cx) * (x - cx) + (y - cy) * (y - cy) > r * r)
                    continue;
                memcpy(p + ((size_t)y * SW + x) * 3, c, 3);
            }
    }
    return p;
}

/* The window [x0, x0+w) x [y0, y0+h) of the scene turned by deg about its
 * centre (bilinear), as an image of w x h. */
static unsigned char *window(const unsigned char *src, int x0, int y0, int w, int h, double deg)
{
    unsigned char *o = malloc((size_t)w * h * 3);
    double c = cos(deg * M_PI / 180), sn = sin(deg * M_PI / 180);
    assert_non_null(o);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double px = x0 + x - SW / 2.0, py = y0 + y - SH / 2.0;
            double sx = c * px - sn * py + SW / 2.0, sy = sn * px + c * py + SH / 2.0;
            int ix = (int)floor(sx), iy = (int)floor(sy);
            double fx = sx - ix, fy = sy - iy;
            ix = ix < 0 ? 0 : ix > SW - 2 ? SW - 2 : ix;
            iy = iy < 0 ? 0 : iy > SH - 2 ? SH - 2 : iy;
            for (int ch = 0; ch < 3; ch++) {
                const unsigned char *a = src + ((size_t)iy * SW + ix) * 3 + ch;
                double v = a[0] * (1 - fx) * (1 - fy) + a[3] * fx * (1 - fy) +
                           a[SW * 3] * (1 - fx) * fy + a[SW * 3 + 3] * fx * fy;
                o[((size_t)y * w + x) * 3 + ch] = (unsigned char)lround(v);
            }
        }
    return o;
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
        cmocka_unit_test(test_pack_roundtrip_and_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
