/*
 * test_dedup.c - the signature and the rule end to end on synthetic catalog
 * photos (tu_make_image): trim finds the item, the same item re-encoded,
 * resized or re-framed matches, different items do not, and the public
 * helpers (distance, score, hex) behave.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedup/dedup_int.h"

static int setup(void **state)
{
    (void)state;
    return image_init("test_dedup", NULL) == KR_OK ? 0 : -1;
}

static void sig_of(const struct tu_img_opts *o, struct dedup_sig *sig)
{
    size_t n;
    unsigned char *b = tu_make_image(o, &n);
    struct kr_err err = {0};
    if (dedup_compute_bytes(b, n, 0, sig, NULL, &err) != KR_OK)
        fail_msg("dedup_compute_bytes: %s", err.msg);
    free(b);
}

static int matches(const struct dedup_sig *a, const struct dedup_sig *b)
{
    struct dedup_rule rule;
    dedup_rule_default(&rule, -1, -1);
    return dedup_match(a, b, &rule, NULL);
}

static void test_trim_finds_box(void **state)
{
    /* 800x600 canvas, seed 7 item at scale 0.5: the item is centred, its
     * height is 0.5 * 600 = 300 px (rows 150..450). */
    struct tu_img_opts o = {.width = 800, .height = 600, .seed = 7, .scale = 0.5, .format = "png"};
    size_t n;
    unsigned char *b = tu_make_image(&o, &n);
    struct image_load_opts lo = {0};
    struct image_px px;
    struct dedup_box box;
    (void)state;

    assert_int_equal(image_load(b, n, &lo, &px, NULL, NULL), KR_OK);
    dedup__trim(px.data, px.width, px.height, px.width * 3, &box);
    assert_true(box.trimmed);
    assert_int_equal(box.bg[0], 255);
    /* margin is 2 % of the box on each side */
    assert_in_range(box.y0, 150 - 10, 150);
    assert_in_range(box.y1, 450, 450 + 10);
    assert_true(box.x0 > 100 && box.x1 < 700);
    assert_true(abs((box.x0 + box.x1) / 2 - 400) <= 2);
    image_px_release(&px);
    free(b);
}

static void test_trim_ignores_corner_mark_and_keeps_scenes(void **state)
{
    int w = 400, h = 300;
    unsigned char *rgb = malloc((size_t)w * h * 3);
    struct dedup_box box;
    (void)state;

    memset(rgb, 250, (size_t)w * h * 3);
    for (int y = 100; y < 200; y++) /* the item */
        for (int x = 150; x < 260; x++)
            memset(rgb + ((size_t)y * w + x) * 3, 40, 3);
    for (int y = 280; y < 284; y++) /* a thin mark in the corner */
        for (int x = 360; x < 390; x++)
            memset(rgb + ((size_t)y * w + x) * 3, 120, 3);
    dedup__trim(rgb, w, h, w * 3, &box);
    assert_true(box.trimmed);
    assert_int_equal(box.bg[1], 250);
    assert_in_range(box.x0, 145, 150);
    assert_in_range(box.x1, 260, 265);
    assert_in_range(box.y0, 95, 100);
    assert_in_range(box.y1, 200, 205);

    /* A "scene": no uniform border -> whole image. */
    for (size_t i = 0; i < (size_t)w * h * 3; i++)
        rgb[i] = (unsigned char)((i * 2654435761u) >> 24);
    dedup__trim(rgb, w, h, w * 3, &box);
    assert_false(box.trimmed);
    assert_int_equal(box.x0, 0);
    assert_int_equal(box.x1, w);
    assert_int_equal(box.y1, h);
    free(rgb);
}

static void test_same_item_matches(void **state)
{
    /* Seed 23 paints a texture of moderate frequency. Some seeds paint
     * stripes a few pixels apart at the 64x64 PDQ grid, which alias when the
     * item is redrawn at another size (a PDQ property, not a trim problem;
     * bench/dedup_quality.sh measures real photos). */
    struct tu_img_opts o = {.width = 1000, .height = 1000, .seed = 23};
    struct dedup_sig base, s;
    (void)state;
    sig_of(&o, &base);
    assert_true(base.quality > 0);

    o.quality = 60; /* re-encoded */
    sig_of(&o, &s);
    assert_true(matches(&base, &s));
    o.quality = 90;

    o.format = "png";
    sig_of(&o, &s);
    assert_true(matches(&base, &s));
    o.format = "webp";
    sig_of(&o, &s);
    assert_true(matches(&base, &s));
    o.format = NULL;

    o.width = o.height = 500; /* resized */
    sig_of(&o, &s);
    assert_true(matches(&base, &s));

    o.width = o.height = 1000; /* re-framed: smaller on the canvas */
    o.scale = 0.45;
    sig_of(&o, &s);
    assert_true(matches(&base, &s));

    o.scale = 0.7; /* re-framed: wider canvas, light grey background */
    o.width = 1400;
    o.bg = 245;
    sig_of(&o, &s);
    assert_true(matches(&base, &s));
}

static void test_different_items_do_not_match(void **state)
{
    struct dedup_sig sigs[12];
    int far = 0;
    (void)state;
    for (int i = 0; i < 12; i++) {
        struct tu_img_opts o = {.width = 800, .height = 800, .seed = 100 + i};
        sig_of(&o, &sigs[i]);
    }
    for (int i = 0; i < 12; i++)
        for (int j = i + 1; j < 12; j++) {
            assert_false(matches(&sigs[i], &sigs[j]));
            far += dedup_hash_distance(sigs[i].hash, sigs[j].hash) > 40;
        }
    assert_true(far > 50); /* of 66 pairs, most are far apart in hash space */
}

static void test_distance_and_score(void **state)
{
    struct tu_img_opts o = {.width = 600, .height = 600, .seed = 3};
    struct dedup_sig a, b;
    struct dedup_rule rule;
    uint8_t h1[32] = {0}, h2[32] = {0};
    float dist = -1, norm = 0;
    (void)state;

    sig_of(&o, &a);
    sig_of(&o, &b);
    assert_int_equal(dedup_hash_distance(a.hash, b.hash), 0);
    for (int i = 0; i < DEDUP_DESC_DIM; i++)
        norm += a.desc[i] * a.desc[i];
    assert_true(fabsf(norm - 1.0f) < 1e-4f);
    assert_true(fabsf(dedup_desc_score(a.desc, b.desc) - 1.0f) < 1e-4f);
    dedup_rule_default(&rule, -1, -1);
    assert_true(dedup_match(&a, &b, &rule, &dist));
    assert_true(fabsf(dist) < 1e-4f);

    h2[0] = 0xff;
    h2[31] = 0x01;
    h2[17] = 0x10;
    assert_int_equal(dedup_hash_distance(h1, h2), 10);
    memset(h2, 0xff, sizeof h2);
    assert_int_equal(dedup_hash_distance(h1, h2), 256);

    /* overrides */
    dedup_rule_default(&rule, 7, 0.5);
    assert_int_equal(rule.hash_max, 7);
    assert_true(fabsf(rule.desc_min - 0.5f) < 1e-6f);
    dedup_rule_default(&rule, -1, -1);
    assert_true(rule.hash_max > 0 && rule.hash_max < 128);
    assert_true(rule.desc_min > 0 && rule.desc_min < 1);
    /* a hash match alone is not enough: the descriptor must agree too */
    b.desc[0] = -b.desc[0];
    for (int i = 1; i < DEDUP_DESC_DIM; i++)
        b.desc[i] = 0;
    b.nprobes = 0; /* b's probes still carry the old descriptor */
    assert_false(dedup_match(&a, &b, &rule, &dist));
    assert_true(dist > 0.5f);
}

static void test_hex_round_trip(void **state)
{
    uint8_t h[32], back[32];
    char hex[65], upper[65], longer[80];
    (void)state;
    for (int i = 0; i < 32; i++)
        h[i] = (uint8_t)(i * 37 + 5);
    dedup_hash_hex(h, hex);
    assert_int_equal(strlen(hex), 64);
    assert_int_equal(dedup_hash_parse(hex, back), KR_OK);
    assert_memory_equal(h, back, 32);
    for (int i = 0; i < 65; i++)
        upper[i] = (char)(hex[i] >= 'a' && hex[i] <= 'f' ? hex[i] - 32 : hex[i]);
    assert_int_equal(dedup_hash_parse(upper, back), KR_OK);
    assert_memory_equal(h, back, 32);
    assert_int_equal(dedup_hash_parse("abc", back), KR_EINVAL);
    assert_int_equal(dedup_hash_parse(NULL, back), KR_EINVAL);
    hex[10] = 'g';
    assert_int_equal(dedup_hash_parse(hex, back), KR_EINVAL);
    hex[10] = '0';
    snprintf(longer, sizeof longer, "%s0", hex); /* 65 digits */
    assert_int_equal(dedup_hash_parse(longer, back), KR_EINVAL);
}

static void test_bad_input(void **state)
{
    struct dedup_sig s;
    struct kr_err err = {0};
    struct image_px px = {.width = 10, .height = 10, .bands = 2};
    unsigned char data[300] = {0};
    (void)state;
    assert_int_equal(dedup_compute_bytes("nope", 4, 0, &s, NULL, &err), KR_EINVAL);
    assert_string_equal(err.slug, "not_an_image");
    px.data = data;
    assert_int_equal(dedup_compute(&px, &s, &err), KR_EINVAL);
    assert_int_equal(dedup_compute(NULL, &s, &err), KR_EINVAL);
    /* tiny and flat images still give a signature */
    px.bands = 3;
    px.width = px.height = 3;
    assert_int_equal(dedup_compute(&px, &s, &err), KR_OK);
    assert_int_equal(s.quality, 0);
}

static void test_rgba_and_large_pixels(void **state)
{
    /* RGBA input is flattened on white; a large buffer is reduced first.
     * Both give the signature of the same picture as plain RGB. */
    int w = 2400, h = 1600;
    struct image_px rgb = {.width = w, .height = h, .bands = 3};
    struct image_px rgba = {.width = w / 2, .height = h / 2, .bands = 4};
    struct dedup_sig a, b;
    (void)state;
    rgb.data = malloc((size_t)w * h * 3);
    rgba.data = malloc((size_t)w * h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int in = (x - 1200) * (x - 1200) / 4 + (y - 800) * (y - 800) < 500 * 500;
            unsigned char v =
                in ? (unsigned char)(60 + (x / 300 % 2) * 80 + (y / 250 % 2) * 40) : 255;
            memset(rgb.data + ((size_t)y * w + x) * 3, v, 3);
            if (x % 2 == 0 && y % 2 == 0) {
                unsigned char *p = rgba.data + ((size_t)(y / 2) * (w / 2) + x / 2) * 4;
                memset(p, in ? v : 0, 3);
                p[3] = in ? 255 : 0; /* transparent outside: white once flattened */
            }
        }
    assert_int_equal(dedup_compute(&rgb, &a, NULL), KR_OK);
    assert_int_equal(dedup_compute(&rgba, &b, NULL), KR_OK);
    /* same picture at 800 and 1200 px: a resize, well inside the rule */
    assert_true(dedup_hash_distance(a.hash, b.hash) <= 32);
    assert_true(dedup_desc_score(a.desc, b.desc) > 0.99f);
    assert_true(matches(&a, &b));
    free(rgb.data);
    free(rgba.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trim_finds_box),
        cmocka_unit_test(test_trim_ignores_corner_mark_and_keeps_scenes),
        cmocka_unit_test(test_same_item_matches),
        cmocka_unit_test(test_different_items_do_not_match),
        cmocka_unit_test(test_distance_and_score),
        cmocka_unit_test(test_hex_round_trip),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_rgba_and_large_pixels),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
