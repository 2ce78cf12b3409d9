/*
 * test_image_jpeg.c - the direct JPEG path (image_jpeg.c) gives exactly the
 * pixels of the libvips pipeline: same size, same bytes, for the JPEG kinds
 * sellers upload (4:2:0, 4:4:4, grey, progressive, odd sizes) at the sizes
 * dedup and the studio ask for, under every EXIF orientation; and it fails
 * where libvips fails (truncated file).
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "image/image_int.h"

static int setup(void **state)
{
    (void)state;
    return image_init("test_image_jpeg", NULL) == KR_OK ? 0 : -1;
}

struct kind {
    int w, h, bands;
    const char *subsample; /* "on" (4:2:0) or "off" (4:4:4) */
    int progressive;
    int orientation;
};

/* A JPEG of a smooth colour picture with sharp edges, made by libvips. */
static void *make_jpeg(const struct kind *k, size_t *n)
{
    unsigned char *px = malloc((size_t)k->w * k->h * k->bands);
    VipsImage *im;
    void *out = NULL;

    for (int y = 0; y < k->h; y++)
        for (int x = 0; x < k->w; x++)
            for (int c = 0; c < k->bands; c++)
                px[((size_t)y * k->w + x) * k->bands + c] =
                    (unsigned char)(((x * (c + 1) + y * (3 - c)) / 3 +
                                     ((x / 37 + y / 23) % 2) * 90) %
                                    256);
    im = vips_image_new_from_memory_copy(px, (size_t)k->w * k->h * k->bands, k->w, k->h, k->bands,
                                         VIPS_FORMAT_UCHAR);
    assert_non_null(im);
    if (k->orientation > 1)
        vips_image_set_int(im, VIPS_META_ORIENTATION, k->orientation);
    assert_int_equal(vips_jpegsave_buffer(im, &out, n, "Q", 88, "subsample_mode",
                                          strcmp(k->subsample, "on") == 0
                                              ? VIPS_FOREIGN_SUBSAMPLE_ON
                                              : VIPS_FOREIGN_SUBSAMPLE_OFF,
                                          "interlace", k->progressive, NULL),
                     0);
    g_object_unref(im);
    free(px);
    return out;
}

static void load_both(const void *data, size_t n, const struct image_load_opts *o,
                      struct image_px *direct, struct image_px *piped)
{
    struct kr_err err = {0};
    image__set_direct_jpeg(1);
    assert_int_equal(image_load(data, n, o, direct, NULL, &err), KR_OK);
    image__set_direct_jpeg(0);
    assert_int_equal(image_load(data, n, o, piped, NULL, &err), KR_OK);
    image__set_direct_jpeg(1);
}

static void assert_same(const struct image_px *a, const struct image_px *b)
{
    assert_int_equal(a->width, b->width);
    assert_int_equal(a->height, b->height);
    assert_int_equal(a->bands, b->bands);
    assert_memory_equal(a->data, b->data, (size_t)a->width * a->height * a->bands);
}

static void test_same_pixels_as_libvips(void **state)
{
    const struct kind kinds[] = {
        {1003, 757, 3, "on", 0, 1}, {1003, 757, 3, "off", 0, 1}, {640, 480, 1, "on", 0, 1},
        {1200, 900, 3, "on", 1, 1}, {333, 1011, 3, "on", 0, 1},
    };
    const struct image_load_opts opts[] = {
        {.max_side = 512, .min_side = 256}, /* dedup */
        {.max_side = 0},                    /* full size */
        {.max_side = 300, .min_side = 150},
    };
    (void)state;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        size_t n;
        void *jpg = make_jpeg(&kinds[k], &n);
        struct image_hdr hdr;
        assert_int_equal(image__probe(jpg, n, 0, NULL, &hdr, NULL), KR_OK);
        assert_true(hdr.plain_jpeg); /* so the direct path is what is compared */
        for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
            struct image_px a, b;
            load_both(jpg, n, &opts[i], &a, &b);
            assert_same(&a, &b);
            assert_int_equal(a.bands, 3);
            image_px_release(&a);
            image_px_release(&b);
        }
        g_free(jpg);
    }
}

static void test_every_orientation(void **state)
{
    const struct image_load_opts o = {.max_side = 512, .min_side = 256};
    (void)state;
    for (int orientation = 1; orientation <= 8; orientation++) {
        struct kind k = {900, 600, 3, "on", 0, orientation};
        struct image_px a, b;
        struct image_info info;
        struct image_hdr hdr;
        size_t n;
        void *jpg = make_jpeg(&k, &n);
        assert_int_equal(image__probe(jpg, n, 0, &info, &hdr, NULL), KR_OK);
        assert_int_equal(hdr.orientation, orientation);
        load_both(jpg, n, &o, &a, &b);
        assert_same(&a, &b);
        /* turned a quarter: the loaded image is portrait */
        assert_int_equal(a.width < a.height, orientation >= 5);
        assert_int_equal(a.width, info.oriented_width / 2);
        image_px_release(&a);
        image_px_release(&b);
        g_free(jpg);
    }
}

static void test_truncated_fails_both_ways(void **state)
{
    const struct image_load_opts o = {.max_side = 512, .min_side = 256};
    struct kind k = {1000, 800, 3, "on", 0, 1};
    struct image_px px;
    struct kr_err err = {0};
    size_t n;
    void *jpg = make_jpeg(&k, &n);
    (void)state;
    for (int direct = 1; direct >= 0; direct--) {
        image__set_direct_jpeg(direct);
        assert_int_equal(image_load(jpg, n * 2 / 3, &o, &px, NULL, &err), KR_EINVAL);
        assert_null(px.data);
    }
    image__set_direct_jpeg(1);
    g_free(jpg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_pixels_as_libvips),
        cmocka_unit_test(test_every_orientation),
        cmocka_unit_test(test_truncated_fails_both_ways),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
