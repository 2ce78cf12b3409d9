/*
 * test_image_ops.c - image/'s operations on decoded buffers (image_resize,
 * image_blur_plane) and the colour facts image_probe() reports, which the
 * studio used to get by calling libvips itself.
 */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

#include "image/image.h"

static int setup(void **state)
{
    (void)state;
    return image_init("test_image_ops", NULL) == KR_OK ? 0 : -1;
}

/* Exact output size; RGBA is premultiplied, so the colour of fully
 * transparent pixels does not bleed into opaque ones. */
static void test_resize(void **state)
{
    struct image_px in = {16, 16, 4, malloc(16 * 16 * 4)}, out;
    struct kr_err err = {0};
    (void)state;
    for (int i = 0; i < 16 * 16; i++) {
        int left = i % 16 < 8;
        unsigned char px[4] = {left ? 255 : 0, left ? 0 : 255, 0, left ? 255 : 0};
        memcpy(in.data + i * 4, px, 4);
    }
    assert_int_equal(image_resize(&in, 7, 5, &out, &err), KR_OK);
    assert_int_equal(out.width, 7);
    assert_int_equal(out.height, 5);
    assert_int_equal(out.bands, 4);
    for (int y = 0; y < 5; y++)
        for (int x = 0; x < 7; x++) {
            const unsigned char *p = out.data + (y * 7 + x) * 4;
            if (p[3] > 16) /* any visibly opaque pixel is red, never green-tinted */
                assert_true(p[1] < 8);
        }
    image_px_release(&out);
    assert_int_equal(image_resize(&in, 40, 33, &out, &err), KR_OK); /* up, odd sizes */
    assert_int_equal(out.width, 40);
    assert_int_equal(out.height, 33);
    image_px_release(&out);
    assert_int_equal(image_resize(&in, 0, 5, &out, &err), KR_EINVAL);
    assert_null(out.data);
    free(in.data);
}

static void test_blur_plane(void **state)
{
    unsigned char plane[21 * 21] = {0};
    struct kr_err err = {0};
    (void)state;
    plane[10 * 21 + 10] = 255;
    assert_int_equal(image_blur_plane(plane, 21, 21, 0.1, &err), KR_OK); /* too small: no-op */
    assert_int_equal(plane[10 * 21 + 10], 255);
    assert_int_equal(plane[10 * 21 + 11], 0);
    assert_int_equal(image_blur_plane(plane, 21, 21, 2.0, &err), KR_OK);
    assert_true(plane[10 * 21 + 10] < 255);
    assert_true(plane[10 * 21 + 11] > 0);
    assert_true(plane[10 * 21 + 10] >= plane[10 * 21 + 12]); /* peak stays in the middle */
    assert_int_equal(plane[0], 0);
    assert_int_equal(image_blur_plane(NULL, 21, 21, 2.0, &err), KR_EINVAL);
    /* beyond libvips' own sigma limit, or not a number: refused, nothing printed */
    assert_int_equal(image_blur_plane(plane, 21, 21, IMAGE_BLUR_SIGMA_MAX + 1.0, &err), KR_EINVAL);
    assert_string_equal(err.slug, "bad_size");
    assert_int_equal(image_blur_plane(plane, 21, 21, NAN, &err), KR_EINVAL);
    assert_int_equal(image_blur_plane(plane, 1, 1, IMAGE_BLUR_SIGMA_MAX, &err), KR_OK);
}

/* image_blur_plane() is libvips' integer Gaussian done in plain C: the same
 * bytes as vips_gaussblur (precision integer, vector code off as image_init
 * leaves it) on random planes, edges and planes smaller than the mask
 * included. */
static void test_blur_plane_as_libvips(void **state)
{
    const double sigmas[] = {0.3, 0.6, 1.0, 1.2, 2.0, 3.7, 9.5};
    const int sizes[][2] = {{1, 1}, {2, 9}, {7, 3}, {37, 23}, {130, 61}};
    unsigned seed = 12345;
    (void)state;
    for (size_t s = 0; s < sizeof sigmas / sizeof *sigmas; s++)
        for (size_t z = 0; z < sizeof sizes / sizeof *sizes; z++) {
            int w = sizes[z][0], h = sizes[z][1];
            unsigned char *mine = malloc((size_t)w * h);
            struct kr_err err = {0};
            VipsImage *in, *out = NULL;
            size_t len = 0;
            for (int i = 0; i < w * h; i++) {
                seed = seed * 1103515245u + 12345u;
                mine[i] = (unsigned char)(i % 5 == 0 ? (seed >> 16) & 255 : 40 + (seed >> 24) % 8);
            }
            in = vips_image_new_from_memory_copy(mine, (size_t)w * h, w, h, 1, VIPS_FORMAT_UCHAR);
            assert_non_null(in);
            assert_int_equal(vips_gaussblur(in, &out, sigmas[s], "precision",
                                            VIPS_PRECISION_INTEGER, NULL), 0);
            unsigned char *ref = vips_image_write_to_memory(out, &len);
            assert_int_equal(len, (size_t)w * h);
            assert_int_equal(image_blur_plane(mine, w, h, sigmas[s], &err), KR_OK);
            assert_memory_equal(mine, ref, len);
            g_free(ref);
            g_object_unref(out);
            g_object_unref(in);
            free(mine);
        }
}

/* opts.grey: an 8-bit grey PNG or JPEG comes back as its one band, the
 * value the RGB load repeats three times; an RGB source stays RGB. */
static void test_load_grey(void **state)
{
    unsigned char px[40 * 30];
    const char *savers[] = {"png", "jpeg"};
    (void)state;
    for (int i = 0; i < 40 * 30; i++)
        px[i] = (unsigned char)(i * 7 % 251);
    for (int k = 0; k < 2; k++) {
        VipsImage *im = vips_image_new_from_memory(px, sizeof px, 40, 30, 1, VIPS_FORMAT_UCHAR);
        void *buf = NULL;
        size_t len = 0;
        struct image_px rgb, grey;
        struct image_load_opts o = {0};
        struct kr_err err = {0};
        assert_non_null(im);
        assert_int_equal(k ? vips_jpegsave_buffer(im, &buf, &len, NULL)
                           : vips_pngsave_buffer(im, &buf, &len, NULL), 0);
        assert_int_equal(image_load(buf, len, &o, &rgb, NULL, &err), KR_OK);
        o.grey = 1;
        assert_int_equal(image_load(buf, len, &o, &grey, NULL, &err), KR_OK);
        assert_int_equal(rgb.bands, 3);
        assert_int_equal(grey.bands, 1);
        assert_int_equal(grey.width, 40);
        assert_int_equal(grey.height, 30);
        for (int i = 0; i < 40 * 30; i++)
            if (grey.data[i] != rgb.data[3 * i] || rgb.data[3 * i] != rgb.data[3 * i + 2])
                fail_msg("%s pixel %d: grey %d, rgb %d", savers[k], i, grey.data[i], rgb.data[3 * i]);
        image_px_release(&rgb);
        image_px_release(&grey);
        g_free(buf);
        g_object_unref(im);
    }
    struct tu_img_opts to = {.width = 32, .height = 24, .seed = 5, .format = "png"};
    size_t n;
    unsigned char *b = tu_make_image(&to, &n);
    struct image_load_opts o = {.grey = 1};
    struct image_px out;
    assert_int_equal(image_load(b, n, &o, &out, NULL, NULL), KR_OK);
    assert_int_equal(out.bands, 3); /* colour stays colour */
    image_px_release(&out);
    free(b);
}

/* Colour interpretation and ICC facts come with the probe. */
static void test_probe_colour(void **state)
{
    struct tu_img_opts o = {.width = 32, .height = 24, .seed = 3, .format = "jpeg"};
    size_t n, len = 0;
    unsigned char *b = tu_make_image(&o, &n);
    struct image_info info;
    VipsImage *grey = NULL;
    void *gb = NULL;
    (void)state;
    assert_int_equal(image_probe(b, n, 0, &info, NULL), KR_OK);
    assert_string_equal(info.colour, "srgb");
    assert_false(info.has_icc);
    free(b);

    assert_int_equal(vips_black(&grey, 16, 16, NULL), 0);
    assert_int_equal(vips_pngsave_buffer(grey, &gb, &len, NULL), 0);
    g_object_unref(grey);
    assert_int_equal(image_probe(gb, len, 0, &info, NULL), KR_OK);
    assert_string_equal(info.colour, "b-w");
    g_free(gb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resize),
        cmocka_unit_test(test_blur_plane),
        cmocka_unit_test(test_blur_plane_as_libvips),
        cmocka_unit_test(test_load_grey),
        cmocka_unit_test(test_probe_colour),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
