/*
 * test_image_probe.c - hostile input: what image_probe()/image_load() refuse
 * and how fast. Pixel bombs (a hand-made PNG header claiming 20000x20000,
 * and a real 1-bit 20000x20000 PNG), truncated JPEGs, empty and garbage
 * bytes, formats Karat does not accept (SVG, PDF), and format detection
 * from content rather than any file name.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

#include "core/util.h"
#include "image/image.h"

static int setup(void **state)
{
    (void)state;
    return image_init("test_image_probe", NULL) == KR_OK ? 0 : -1;
}

static uint32_t crc32_png(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return c ^ 0xffffffffu;
}

static size_t put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return 4;
}

static size_t put_chunk(unsigned char *p, const char *type, const unsigned char *data, uint32_t n)
{
    size_t o = put_be32(p, n);
    memcpy(p + o, type, 4);
    if (n)
        memcpy(p + o + 4, data, n);
    o += 4 + n;
    return o + put_be32(p + o, crc32_png(p + 4, n + 4));
}

/* A PNG that is only a header: 20000x20000 grey, then an empty IDAT, IEND. */
static size_t make_png_bomb_header(unsigned char *out)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    static const unsigned char idat[] = {0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01};
    unsigned char ihdr[13] = {0};
    size_t o = 0;
    put_be32(ihdr, 20000);
    put_be32(ihdr + 4, 20000);
    ihdr[8] = 8; /* bit depth; colour type 0 (grey) */
    memcpy(out, sig, 8);
    o = 8;
    o += put_chunk(out + o, "IHDR", ihdr, 13);
    o += put_chunk(out + o, "IDAT", idat, sizeof idat);
    o += put_chunk(out + o, "IEND", NULL, 0);
    return o;
}

static void expect_fail(const void *data, size_t n, long long max_pixels, enum kr_code code,
                        const char *slug)
{
    struct kr_err err = {0};
    struct image_load_opts o = {.max_side = 256, .max_pixels = max_pixels};
    struct image_px px = {0};
    assert_int_equal(image_load(data, n, &o, &px, NULL, &err), code);
    assert_string_equal(err.slug, slug);
    assert_null(px.data);
}

static void test_bomb_header(void **state)
{
    unsigned char png[128];
    size_t n = make_png_bomb_header(png);
    struct image_info info;
    struct kr_err err = {0};
    double t0 = util_now_ms();
    (void)state;

    assert_int_equal(image_probe(png, n, 0, &info, &err), KR_OK);
    assert_int_equal(info.width, 20000);
    assert_int_equal(info.height, 20000);
    assert_int_equal(image_probe(png, n, 50000000, &info, &err), KR_ELIMIT);
    assert_string_equal(err.slug, "too_many_pixels");
    expect_fail(png, n, 50000000, KR_ELIMIT, "too_many_pixels");
    assert_true(util_now_ms() - t0 < 500);
}

static void test_bomb_real_png(void **state)
{
    VipsImage *black;
    void *buf;
    size_t n;
    double t0;
    (void)state;

    /* A complete, valid 400-megapixel 1-bit PNG (about 60 KB). */
    assert_int_equal(vips_black(&black, 20000, 20000, NULL), 0);
    assert_int_equal(vips_pngsave_buffer(black, &buf, &n, "bitdepth", 1, "compression", 9, NULL),
                     0);
    g_object_unref(black);
    t0 = util_now_ms();
    expect_fail(buf, n, 50000000, KR_ELIMIT, "too_many_pixels");
    assert_true(util_now_ms() - t0 < 200); /* refused from the header, nothing decoded */
    g_free(buf);
}

static void test_truncated_jpeg(void **state)
{
    struct tu_img_opts o = {.width = 800, .height = 600, .seed = 2};
    size_t n;
    unsigned char *b = tu_make_image(&o, &n);
    struct image_info info;
    (void)state;

    /* The header survives, so probing works; decoding must fail. */
    assert_int_equal(image_probe(b, n * 6 / 10, 0, &info, NULL), KR_OK);
    expect_fail(b, n * 6 / 10, 0, KR_EINVAL, "corrupt_image");
    expect_fail(b, 200, 0, KR_EINVAL, "corrupt_image");
    free(b);
}

static void test_truncated_png(void **state)
{
    struct tu_img_opts o = {.width = 300, .height = 300, .seed = 4, .format = "png"};
    size_t n;
    unsigned char *b = tu_make_image(&o, &n);
    (void)state;
    expect_fail(b, n / 2, 0, KR_EINVAL, "corrupt_image");
    free(b);
}

static void test_empty_and_garbage(void **state)
{
    unsigned char junk[4096];
    const char *text = "hello, this is not an image at all\n";
    const char *svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\">"
                      "<rect width=\"10\" height=\"10\"/></svg>";
    const char *pdf = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer <<>>\n%%EOF\n";
    struct kr_err err = {0};
    (void)state;

    util_random(junk, sizeof junk);
    junk[0] = 'x'; /* never a magic number by accident */
    expect_fail("", 0, 0, KR_EINVAL, "not_an_image");
    expect_fail(NULL, 0, 0, KR_EINVAL, "not_an_image");
    expect_fail(junk, sizeof junk, 0, KR_EINVAL, "not_an_image");
    expect_fail(text, strlen(text), 0, KR_EINVAL, "not_an_image");
    expect_fail(svg, strlen(svg), 0, KR_EINVAL, "not_an_image");
    expect_fail(pdf, strlen(pdf), 0, KR_EINVAL, "not_an_image");
    assert_int_equal(image_probe(junk, 1, 0, NULL, &err), KR_EINVAL);
    assert_string_equal(err.slug, "not_an_image");
}

static void test_jpeg_magic_then_junk(void **state)
{
    unsigned char b[600];
    (void)state;
    memset(b, 0x41, sizeof b);
    b[0] = 0xff;
    b[1] = 0xd8;
    b[2] = 0xff;
    b[3] = 0xe0;
    expect_fail(b, sizeof b, 0, KR_EINVAL, "corrupt_image");
}

static void test_content_decides_format(void **state)
{
    /* The API has no file name: PNG bytes are PNG whatever the upload was
     * called (e.g. "photo.jpg"), and WebP bytes are WebP. */
    struct tu_img_opts o = {.width = 64, .height = 48, .seed = 6, .format = "png"};
    size_t n;
    unsigned char *b = tu_make_image(&o, &n);
    struct image_info info;
    (void)state;
    assert_int_equal(image_probe(b, n, 64 * 48, &info, NULL), KR_OK);
    assert_string_equal(info.format, "png");
    assert_string_equal(info.mime, "image/png");
    assert_string_equal(info.ext, ".png");
    assert_false(info.has_alpha);
    assert_int_equal(image_probe(b, n, 64 * 48 - 1, &info, NULL), KR_ELIMIT);
    free(b);

    o.format = "webp";
    b = tu_make_image(&o, &n);
    assert_int_equal(image_probe(b, n, 0, &info, NULL), KR_OK);
    assert_string_equal(info.format, "webp");
    assert_string_equal(info.ext, ".webp");
    free(b);
}

static void test_init_twice(void **state)
{
    (void)state;
    assert_int_equal(image_init("again", NULL), KR_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bomb_header),
        cmocka_unit_test(test_bomb_real_png),
        cmocka_unit_test(test_truncated_jpeg),
        cmocka_unit_test(test_truncated_png),
        cmocka_unit_test(test_empty_and_garbage),
        cmocka_unit_test(test_jpeg_magic_then_junk),
        cmocka_unit_test(test_content_decides_format),
        cmocka_unit_test(test_init_twice),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
