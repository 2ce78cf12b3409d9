/*
 * test_image_load.c - image_load(): formats, shrink-on-load, colour
 * conversion (grey, 16-bit, CMYK, alpha), EXIF orientation, encode round
 * trips and concurrent use. Inputs are synthesised with libvips here.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

#include "image/image.h"

static int setup(void **state)
{
    (void)state;
    return image_init("test_image_load", NULL) == KR_OK ? 0 : -1;
}

/* w x h image: left half `left` colour, right half `right` colour. */
static VipsImage *halves(int w, int h, const unsigned char left[3], const unsigned char right[3])
{
    unsigned char *px = malloc((size_t)w * h * 3);
    VipsImage *im;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            memcpy(px + ((size_t)y * w + x) * 3, x < w / 2 ? left : right, 3);
    im = vips_image_new_from_memory_copy(px, (size_t)w * h * 3, w, h, 3, VIPS_FORMAT_UCHAR);
    free(px);
    return im;
}

static const unsigned char *pixel(const struct image_px *px, int x, int y)
{
    return px->data + ((size_t)y * px->width + x) * px->bands;
}

static void assert_near(const unsigned char *p, int r, int g, int b, int tol)
{
    if (abs(p[0] - r) > tol || abs(p[1] - g) > tol || abs(p[2] - b) > tol)
        fail_msg("pixel %d,%d,%d is not within %d of %d,%d,%d", p[0], p[1], p[2], tol, r, g, b);
}

static void load_ok(const void *data, size_t n, int max_side, int keep_alpha, struct image_px *px,
                    struct image_info *info)
{
    struct image_load_opts o = {.max_side = max_side, .max_pixels = 0, .keep_alpha = keep_alpha};
    struct kr_err err = {0};
    enum kr_code rc = image_load(data, n, &o, px, info, &err);
    if (rc != KR_OK)
        fail_msg("image_load: %s (%s)", err.msg, err.slug);
}

static void test_formats(void **state)
{
    const char *fmts[] = {"jpeg", "png", "webp"};
    const char *mimes[] = {"image/jpeg", "image/png", "image/webp"};
    (void)state;
    for (int i = 0; i < 3; i++) {
        struct tu_img_opts o = {.width = 640, .height = 480, .seed = 3, .format = fmts[i]};
        size_t n;
        unsigned char *b = tu_make_image(&o, &n);
        struct image_px px;
        struct image_info info;
        load_ok(b, n, 0, 0, &px, &info);
        assert_string_equal(info.format, fmts[i]);
        assert_string_equal(info.mime, mimes[i]);
        assert_int_equal(info.width, 640);
        assert_int_equal(info.height, 480);
        assert_int_equal(px.width, 640);
        assert_int_equal(px.height, 480);
        assert_int_equal(px.bands, 3);
        assert_near(pixel(&px, 2, 2), 255, 255, 255, 6); /* white background */
        image_px_release(&px);
        free(b);
    }
}

static void test_shrink_on_load(void **state)
{
    struct tu_img_opts o = {.width = 2400, .height = 1800, .seed = 5};
    size_t n;
    unsigned char *b = tu_make_image(&o, &n);
    struct image_px px;
    struct image_info info;
    (void)state;

    load_ok(b, n, 512, 0, &px, &info);
    assert_int_equal(px.width, 512);
    assert_int_equal(px.height, 384);
    assert_int_equal(info.width, 2400);
    image_px_release(&px);
    /* never upscaled */
    load_ok(b, n, 4000, 0, &px, NULL);
    assert_int_equal(px.width, 2400);
    assert_int_equal(px.height, 1800);
    image_px_release(&px);
    free(b);
}

static void test_shrink_keeps_content(void **state)
{
    unsigned char red[3] = {220, 20, 30}, blue[3] = {20, 40, 200};
    VipsImage *im = halves(3000, 1000, red, blue);
    void *buf;
    size_t n;
    struct image_px px;
    (void)state;

    assert_int_equal(vips_jpegsave_buffer(im, &buf, &n, "Q", 90, NULL), 0);
    load_ok(buf, n, 300, 0, &px, NULL);
    assert_int_equal(px.width, 300);
    assert_int_equal(px.height, 100);
    assert_near(pixel(&px, 40, 50), 220, 20, 30, 12);
    assert_near(pixel(&px, 260, 50), 20, 40, 200, 12);
    image_px_release(&px);
    g_free(buf);
    g_object_unref(im);
}

static void test_exif_orientation(void **state)
{
    unsigned char red[3] = {230, 10, 10}, blue[3] = {10, 10, 230};
    VipsImage *im = halves(400, 200, red, blue);
    struct image_info info;
    struct image_px px;
    void *buf;
    size_t n;
    (void)state;

    /* Orientation 6: the stored image must be turned 90 degrees clockwise,
     * so its left (red) half ends up on top. */
    vips_image_set_int(im, VIPS_META_ORIENTATION, 6);
    assert_int_equal(vips_jpegsave_buffer(im, &buf, &n, "Q", 92, NULL), 0);
    assert_int_equal(image_probe(buf, n, 0, &info, NULL), KR_OK);
    assert_int_equal(info.width, 400);
    assert_int_equal(info.oriented_width, 200);
    assert_int_equal(info.oriented_height, 400);

    load_ok(buf, n, 0, 0, &px, NULL);
    assert_int_equal(px.width, 200);
    assert_int_equal(px.height, 400);
    assert_near(pixel(&px, 100, 50), 230, 10, 10, 20);
    assert_near(pixel(&px, 100, 350), 10, 10, 230, 20);
    image_px_release(&px);

    load_ok(buf, n, 100, 0, &px, NULL); /* shrunk and rotated */
    assert_int_equal(px.width, 50);
    assert_int_equal(px.height, 100);
    assert_near(pixel(&px, 25, 10), 230, 10, 10, 25);
    image_px_release(&px);
    g_free(buf);
    g_object_unref(im);
}

static void test_alpha(void **state)
{
    /* RGBA: left half opaque green, right half fully transparent. */
    int w = 64, h = 32;
    unsigned char *rgba = calloc((size_t)w * h, 4);
    VipsImage *im;
    struct image_px px;
    struct image_info info;
    void *buf;
    size_t n;
    (void)state;

    for (int y = 0; y < h; y++)
        for (int x = 0; x < w / 2; x++)
            memcpy(rgba + ((size_t)y * w + x) * 4, (unsigned char[]){0, 200, 0, 255}, 4);
    im = vips_image_new_from_memory(rgba, (size_t)w * h * 4, w, h, 4, VIPS_FORMAT_UCHAR);
    assert_int_equal(vips_pngsave_buffer(im, &buf, &n, NULL), 0);

    load_ok(buf, n, 0, 0, &px, &info);
    assert_true(info.has_alpha);
    assert_int_equal(px.bands, 3);
    assert_near(pixel(&px, 5, 5), 0, 200, 0, 2);
    assert_near(pixel(&px, 60, 5), 255, 255, 255, 0); /* flattened on white */
    image_px_release(&px);

    load_ok(buf, n, 0, 1, &px, NULL);
    assert_int_equal(px.bands, 4);
    assert_int_equal(pixel(&px, 5, 5)[3], 255);
    assert_int_equal(pixel(&px, 60, 5)[3], 0);
    image_px_release(&px);
    g_free(buf);
    g_object_unref(im);
    free(rgba);
}

static void test_keep_alpha_on_opaque(void **state)
{
    struct tu_img_opts o = {.width = 100, .height = 80, .seed = 1};
    size_t n;
    unsigned char *b = tu_make_image(&o, &n);
    struct image_px px;
    (void)state;
    load_ok(b, n, 0, 1, &px, NULL);
    assert_int_equal(px.bands, 4);
    assert_int_equal(pixel(&px, 3, 3)[3], 255);
    image_px_release(&px);
    free(b);
}

static void test_grey_16bit_cmyk(void **state)
{
    unsigned char red[3] = {200, 30, 30}, grey[3] = {128, 128, 128};
    VipsImage *im = halves(200, 100, red, grey), *t, *u;
    struct image_px px;
    void *buf;
    size_t n;
    (void)state;

    /* grey JPEG */
    assert_int_equal(vips_colourspace(im, &t, VIPS_INTERPRETATION_B_W, NULL), 0);
    assert_int_equal(vips_jpegsave_buffer(t, &buf, &n, "Q", 95, NULL), 0);
    g_object_unref(t);
    load_ok(buf, n, 0, 0, &px, NULL);
    assert_int_equal(px.bands, 3);
    assert_near(pixel(&px, 150, 50), 128, 128, 128, 6);
    assert_int_equal(pixel(&px, 150, 50)[0], pixel(&px, 150, 50)[2]);
    image_px_release(&px);
    g_free(buf);

    /* 16-bit RGB PNG */
    assert_int_equal(vips_colourspace(im, &t, VIPS_INTERPRETATION_RGB16, NULL), 0);
    assert_int_equal(vips_pngsave_buffer(t, &buf, &n, "bitdepth", 16, NULL), 0);
    g_object_unref(t);
    load_ok(buf, n, 0, 0, &px, NULL);
    assert_near(pixel(&px, 20, 50), 200, 30, 30, 3);
    image_px_release(&px);
    g_free(buf);

    /* CMYK JPEG (converted with libvips' built-in CMYK profile) */
    assert_int_equal(vips_colourspace(im, &t, VIPS_INTERPRETATION_CMYK, NULL), 0);
    assert_int_equal(vips_copy(t, &u, NULL), 0);
    vips_image_remove(u, VIPS_META_ICC_NAME); /* no embedded profile: the harder case */
    assert_int_equal(vips_jpegsave_buffer(u, &buf, &n, "Q", 95, NULL), 0);
    g_object_unref(u);
    g_object_unref(t);
    load_ok(buf, n, 0, 0, &px, NULL);
    assert_int_equal(px.bands, 3);
    assert_true(pixel(&px, 20, 50)[0] > 150 && pixel(&px, 20, 50)[1] < 90);
    assert_true(abs(pixel(&px, 150, 50)[0] - pixel(&px, 150, 50)[2]) < 25);
    image_px_release(&px);
    g_free(buf);
    g_object_unref(im);
}

/* A long thin JPEG: the shrink-on-load that fits the long side must not
 * scale the short side to nothing. Before the fix, libvips aborted the
 * process (assertion "bad dimensions") on a 4-pixel-high strip shrunk 8x:
 * a crafted 348-byte upload stopped the server (found by
 * tests/fuzz/fuzz_image; the input is tests/fuzz/corpus/image/thin_cmyk.jpg). */
static void test_thin_strip(void **state)
{
    static const int sizes[][2] = {{2056, 4}, {4112, 4}, {4112, 1}, {3, 2400}};
    unsigned char red[3] = {200, 30, 30}, grey[3] = {128, 128, 128};
    (void)state;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        int w = sizes[i][0], h = sizes[i][1];
        VipsImage *im = halves(w, h, red, grey), *t;
        struct image_load_opts fast = {.max_side = 256, .min_side = 128};  /* fuzz_image */
        struct image_load_opts dedup = {.max_side = 512, .min_side = 256}; /* dedup.c */
        struct image_px px;
        struct kr_err err = {0};
        void *buf[2];
        size_t n[2];

        assert_int_equal(vips_jpegsave_buffer(im, &buf[0], &n[0], "Q", 90, NULL), 0);
        assert_int_equal(vips_colourspace(im, &t, VIPS_INTERPRETATION_CMYK, NULL), 0);
        assert_int_equal(vips_jpegsave_buffer(t, &buf[1], &n[1], "Q", 90, NULL), 0);
        for (int k = 0; k < 2; k++) {
            assert_int_equal(image_load(buf[k], n[k], &fast, &px, NULL, &err), KR_OK);
            assert_true(px.width >= 1 && px.height >= 1 && px.width <= 256 && px.height <= 256);
            image_px_release(&px);
            assert_int_equal(image_load(buf[k], n[k], &dedup, &px, NULL, &err), KR_OK);
            assert_true(px.width >= 1 && px.height >= 1 && px.width <= 512 && px.height <= 512);
            image_px_release(&px);
            g_free(buf[k]);
        }
        g_object_unref(t);
        g_object_unref(im);
    }
}

static void test_encode_round_trip(void **state)
{
    unsigned char red[3] = {200, 30, 30}, blue[3] = {30, 30, 200};
    VipsImage *im = halves(120, 60, red, blue);
    struct image_px src = {.width = 120, .height = 60, .bands = 3}, px;
    unsigned char *out;
    size_t n;
    struct image_info info;
    struct kr_err err = {0};
    (void)state;

    src.data = vips_image_write_to_memory(im, &n);
    assert_int_equal(image_encode(&src, "png", 0, &out, &n, &err), KR_OK);
    load_ok(out, n, 0, 0, &px, &info);
    assert_string_equal(info.format, "png");
    assert_memory_equal(px.data, src.data, (size_t)120 * 60 * 3); /* lossless */
    image_px_release(&px);
    free(out);

    assert_int_equal(image_encode(&src, "jpeg", 85, &out, &n, &err), KR_OK);
    load_ok(out, n, 0, 0, &px, &info);
    assert_string_equal(info.format, "jpeg");
    assert_near(pixel(&px, 10, 10), 200, 30, 30, 12);
    image_px_release(&px);
    free(out);

    assert_int_equal(image_encode(&src, "gif", 85, &out, &n, &err), KR_EINVAL);
    assert_int_equal(image_encode(&src, "jpeg", 0, &out, &n, &err), KR_EINVAL);
    src.bands = 2;
    assert_int_equal(image_encode(&src, "png", 0, &out, &n, &err), KR_EINVAL);
    assert_null(out);
    g_free(src.data);
    g_object_unref(im);
}

struct thread_job {
    const unsigned char *data;
    size_t n;
    unsigned long sum;
    int ok;
};

static void *load_thread(void *arg)
{
    struct thread_job *j = arg;
    struct image_load_opts o = {.max_side = 256};
    for (int k = 0; k < 5; k++) {
        struct image_px px;
        unsigned long s = 0;
        if (image_load(j->data, j->n, &o, &px, NULL, NULL) != KR_OK)
            return NULL;
        for (size_t i = 0; i < (size_t)px.width * px.height * 3; i++)
            s += px.data[i];
        image_px_release(&px);
        if (k > 0 && s != j->sum)
            return NULL;
        j->sum = s;
    }
    j->ok = 1;
    image_thread_cleanup();
    return NULL;
}

static void test_threads(void **state)
{
    struct tu_img_opts o = {.width = 1200, .height = 900, .seed = 9};
    size_t n;
    unsigned char *b = tu_make_image(&o, &n);
    pthread_t th[4];
    struct thread_job jobs[4];
    (void)state;

    for (int i = 0; i < 4; i++) {
        jobs[i] = (struct thread_job){.data = b, .n = n};
        pthread_create(&th[i], NULL, load_thread, &jobs[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_true(jobs[i].ok);
        assert_int_equal(jobs[i].sum, jobs[0].sum);
    }
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_shrink_on_load),
        cmocka_unit_test(test_shrink_keeps_content),
        cmocka_unit_test(test_exif_orientation),
        cmocka_unit_test(test_alpha),
        cmocka_unit_test(test_keep_alpha_on_opaque),
        cmocka_unit_test(test_grey_16bit_cmyk),
        cmocka_unit_test(test_thin_strip),
        cmocka_unit_test(test_encode_round_trip),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
