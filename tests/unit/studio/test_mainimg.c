/*
 * test_mainimg.c - segmentation, cut-out and the offline images (types 1, 3):
 * holes stay transparent, the white canvas is pure, the piece fills 85 % and
 * is centred without distortion, complex backgrounds are refused, bad bytes
 * fail cleanly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "studio/studio.h"
#include "synth.h"
#include "testutil.h"

static int setup(void **state)
{
    struct kr_err err;
    (void)state;
    return image_init("test", &err) == KR_OK ? 0 : -1;
}

static void segment_case(enum syn_kind k, enum syn_bg b, double min_iou, int min_holes)
{
    unsigned char *truth, *px = syn_pixels(k, b, 900, 700, 3, &truth);
    struct image_px img = {900, 700, 3, px};
    struct studio_mask m;
    struct studio_seg_info info;
    struct kr_err err;

    assert_int_equal(studio_segment(&img, &m, &info, &err), KR_OK);
    assert_false(info.complex);
    assert_true(syn_mask_iou(&m, truth) >= min_iou);
    assert_true(info.holes_kept >= min_holes);
    studio_mask_release(&m);
    free(px);
    free(truth);
}

static void test_segment_keeps_holes(void **state)
{
    (void)state;
    segment_case(SYN_HOOPS, SYN_WHITE, 0.95, 2); /* both hoop holes transparent */
    segment_case(SYN_HOOPS, SYN_OFFWHITE, 0.95, 2);
    segment_case(SYN_CHAIN, SYN_OFFWHITE, 0.85, 30); /* most of 36 link holes kept */
    segment_case(SYN_PENDANT, SYN_WHITE, 0.95, 0);   /* the pale stone is not a hole */
}

static void test_segment_flags_busy_background(void **state)
{
    unsigned char *px = syn_pixels(SYN_HOOPS, SYN_BUSY, 900, 700, 5, NULL);
    struct image_px img = {900, 700, 3, px};
    struct studio_mask m;
    struct studio_seg_info info;
    struct kr_err err;
    (void)state;
    studio_segment(&img, &m, &info, &err);
    assert_true(info.complex);
    assert_true(strlen(info.why) > 10);
    studio_mask_release(&m);
    free(px);
}

/* Cut-out of a synthetic photo; the photo itself is not kept. */
static enum kr_code cut_photo(enum syn_kind k, enum syn_bg b, int w, int h, unsigned seed,
                              const char *fmt, struct studio_cutout *c, struct kr_err *err)
{
    size_t n;
    unsigned char *jpg = syn_photo(k, b, w, h, seed, fmt, &n);
    enum kr_code rc = studio_cutout_make(jpg, n, 0, 1700, c, err);
    free(jpg);
    return rc;
}

static unsigned char *pixel(const struct image_px *p, int x, int y)
{
    return p->data + ((size_t)y * p->width + x) * p->bands;
}

static void test_white_background(void **state)
{
    struct studio_cutout c;
    struct studio_compose_opts o = {0};
    struct image_px canvas;
    struct studio_box box;
    struct kr_err err;
    int bw, bh;
    (void)state;

    assert_int_equal(cut_photo(SYN_HOOPS, SYN_OFFWHITE, 1600, 1000, 9, "jpeg", &c, &err), KR_OK);
    assert_int_equal(c.seg.components, 2);
    assert_true(c.seg.holes_kept >= 2);
    /* box in source pixels: hoops span 0.34w +- 0.2h .. 0.66w + 0.2h */
    assert_true(fabs(c.box_x - (0.34 * 1600 - 200)) < 8);
    assert_true(fabs(c.box_w - (0.32 * 1600 + 400)) < 12);
    assert_int_equal(studio_compose_white(&c, &o, &canvas, &box, &err), KR_OK);
    assert_int_equal(canvas.width, STUDIO_SIDE);
    assert_int_equal(canvas.height, STUDIO_SIDE);
    bw = box.x1 - box.x0;
    bh = box.y1 - box.y0;
    assert_int_equal(bw > bh ? bw : bh, 1700); /* 85 % of the longest side */
    assert_true(abs((box.x0 + box.x1) - STUDIO_SIDE) <= 1);
    assert_true(abs((box.y0 + box.y1) - STUDIO_SIDE) <= 1);
    /* aspect kept: 912 x 400 source box */
    assert_true(fabs((double)bw / bh - c.box_w / c.box_h) < 0.01);
    for (int i = 0; i < STUDIO_SIDE; i += 7) { /* border pure white */
        assert_memory_equal(pixel(&canvas, i, 0), "\xff\xff\xff", 3);
        assert_memory_equal(pixel(&canvas, 0, i), "\xff\xff\xff", 3);
        assert_memory_equal(pixel(&canvas, STUDIO_SIDE - 1, i), "\xff\xff\xff", 3);
    }
    /* the hole of the left hoop shows the white canvas, not the old background */
    {
        double sx = (double)bw / c.box_w;
        int hx = box.x0 + (int)((0.34 * 1600 - c.box_x) * sx),
            hy = box.y0 + (int)((500 - c.box_y) * sx);
        unsigned char *p = pixel(&canvas, hx, hy);
        assert_true(p[0] == 255 && p[1] == 255 && p[2] == 255);
        p = pixel(&canvas, hx + (int)(0.86 * 200 * sx), hy); /* on the metal */
        assert_true(p[2] < 150);
    }
    image_px_release(&canvas);
    studio_cutout_release(&c);
}

static void test_dimension_drawing(void **state)
{
    struct studio_cutout c;
    struct studio_compose_opts o = {.fill = 0.7};
    struct image_px canvas;
    struct studio_box box;
    struct studio_length h, w;
    struct kr_err err;
    int dark_below = 0, dark_right = 0, dark_left = 0;
    (void)state;

    assert_int_equal(cut_photo(SYN_PENDANT, SYN_WHITE, 900, 1200, 2, "png", &c, &err), KR_OK);
    assert_int_equal(studio_compose_white(&c, &o, &canvas, &box, &err), KR_OK);
    assert_int_equal(studio_length_parse("25mm", &h, &err), KR_OK);
    assert_int_equal(studio_length_parse("1.2 cm", &w, &err), KR_OK);
    assert_int_equal(studio_draw_dimensions(&canvas, &box, &h, &w, &err), KR_OK);
    for (int y = box.y1 + 20; y < STUDIO_SIDE; y++) /* width arrow and label under the piece */
        for (int x = box.x0; x < box.x1; x++)
            dark_below += pixel(&canvas, x, y)[0] < 100;
    for (int y = box.y0; y < box.y1; y++)
        for (int x = box.x1 + 20; x < STUDIO_SIDE; x++)
            dark_right += pixel(&canvas, x, y)[0] < 100;
    for (int y = 0; y < STUDIO_SIDE; y++)
        for (int x = 0; x < box.x0 - 5; x++)
            dark_left += pixel(&canvas, x, y)[0] < 250;
    assert_true(dark_below > 1500); /* a line ~4 px thick plus glyphs */
    assert_true(dark_right > 1500);
    assert_int_equal(dark_left, 0); /* nothing drawn on the other side */
    /* missing sizes are refused */
    h.set = 0;
    assert_int_equal(studio_draw_dimensions(&canvas, &box, &h, &w, &err), KR_EINVAL);
    assert_string_equal(err.slug, "dimensions_required");
    image_px_release(&canvas);
    studio_cutout_release(&c);
}

static void test_cutout_refuses_complex(void **state)
{
    size_t n;
    unsigned char *jpg;
    struct studio_cutout c;
    struct kr_err err;
    char path[1024];
    const char *src = getenv("KARAT_SOURCE_DIR");
    (void)state;

    assert_int_equal(cut_photo(SYN_HOOPS, SYN_BUSY, 1200, 1000, 4, "jpeg", &c, &err),
                     KR_EUNSUPPORTED);
    assert_string_equal(err.slug, "background_too_complex");
    assert_true(c.seg.complex);
    /* the real photo of an earring worn on a model */
    snprintf(path, sizeof path, "%s/tests/data/earring_on_model.jpg", src ? src : ".");
    jpg = tu_read_file(path, &n);
    assert_non_null(jpg);
    {
        assert_int_equal(studio_cutout_make(jpg, n, 0, 1700, &c, &err), KR_EUNSUPPORTED);
        assert_string_equal(err.slug, "background_too_complex");
        free(jpg);
    }
}

static void test_bad_input(void **state)
{
    struct studio_cutout c;
    struct kr_err err;
    size_t n;
    unsigned char *jpg = syn_photo(SYN_PENDANT, SYN_WHITE, 1000, 1000, 1, "jpeg", &n);
    (void)state;
    assert_int_equal(studio_cutout_make("hello, not a picture", 20, 0, 1700, &c, &err), KR_EINVAL);
    assert_string_equal(err.slug, "not_an_image");
    assert_int_equal(studio_cutout_make(jpg, n, 500000, 1700, &c, &err), KR_ELIMIT);
    assert_string_equal(err.slug, "too_many_pixels");
    assert_int_equal(studio_cutout_make(jpg, n / 3, 0, 1700, &c, &err) != KR_OK, 1);
    free(jpg);
    /* a blank photo has no piece */
    {
        unsigned char *px = malloc(600 * 600 * 3), *out;
        struct image_px p = {600, 600, 3, px};
        memset(px, 250, 600 * 600 * 3);
        assert_int_equal(image_encode(&p, "jpeg", 90, &out, &n, &err), KR_OK);
        assert_int_equal(studio_cutout_make(out, n, 0, 1700, &c, &err), KR_EINVAL);
        assert_string_equal(err.slug, "no_piece_found");
        free(out);
        free(px);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segment_keeps_holes),
        cmocka_unit_test(test_segment_flags_busy_background),
        cmocka_unit_test(test_white_background),
        cmocka_unit_test(test_dimension_drawing),
        cmocka_unit_test(test_cutout_refuses_complex),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
