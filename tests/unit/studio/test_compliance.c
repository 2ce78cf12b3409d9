/*
 * test_compliance.c - the main-image report: each rule passes and fails on
 * an image made for it (background, fill, size, square, format,
 * transparency), per marketplace.
 */
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

#include "studio/studio.h"
#include "testutil.h"

static int setup(void **state)
{
    struct kr_err err;
    (void)state;
    return image_init("test", &err) == KR_OK ? 0 : -1;
}

/* w x h canvas of `bg` with a dark square spanning `fill` of the side; encoded. */
static unsigned char *canvas(int w, int h, int bands, unsigned char bg, double fill,
                             const char *fmt, size_t *n)
{
    unsigned char *px = malloc((size_t)w * h * bands), *out = NULL;
    int s = (int)((w < h ? w : h) * fill), x0 = (w - s) / 2, y0 = (h - s) / 2;
    struct image_px p = {w, h, bands, px};
    struct kr_err err;
    memset(px, bg, (size_t)w * h * bands);
    for (int y = y0; y < y0 + s; y++)
        for (int x = x0; x < x0 + s; x++)
            for (int k = 0; k < 3; k++)
                px[((size_t)y * w + x) * bands + k] = (unsigned char)(60 + 40 * k);
    if (!strcmp(fmt, "webp")) {
        VipsImage *im =
            vips_image_new_from_memory(px, (size_t)w * h * bands, w, h, bands, VIPS_FORMAT_UCHAR);
        void *buf = NULL;
        assert_int_equal(vips_webpsave_buffer(im, &buf, n, NULL), 0);
        g_object_unref(im);
        out = buf;
    } else {
        assert_int_equal(image_encode(&p, fmt, 92, &out, n, &err), KR_OK);
    }
    free(px);
    return out;
}

static json_t *check(const unsigned char *img, size_t n, const char *market, int *ok)
{
    json_t *rep = NULL;
    struct kr_err err;
    assert_int_equal(
        studio_check_image(&(struct studio_check_req){img, n, market, 0}, &rep, ok, &err), KR_OK);
    assert_non_null(rep);
    return rep;
}

static int check_ok(json_t *rep, const char *name)
{
    return json_is_true(
        json_object_get(json_object_get(json_object_get(rep, "checks"), name), "ok"));
}

static void test_good_main_image(void **state)
{
    size_t n;
    unsigned char *img = canvas(2000, 2000, 3, 255, 0.86, "jpeg", &n);
    int ok;
    json_t *rep = check(img, n, "amazon", &ok);
    (void)state;
    assert_true(ok);
    assert_int_equal(json_array_size(json_object_get(rep, "failures")), 0);
    assert_true(fabs(json_real_value(json_object_get(
                         json_object_get(json_object_get(rep, "checks"), "fill"), "ratio")) -
                     0.86) < 0.002);
    json_decref(rep);
    rep = check(img, n, "meesho", &ok);
    assert_true(ok);
    json_decref(rep);
    free(img);
}

static void test_each_rule_fails(void **state)
{
    size_t n;
    int ok;
    unsigned char *img;
    json_t *rep;
    (void)state;

    img = canvas(2000, 2000, 3, 244, 0.86, "jpeg", &n); /* off-white */
    rep = check(img, n, "amazon", &ok);
    assert_false(ok);
    assert_false(check_ok(rep, "background"));
    assert_true(check_ok(rep, "fill"));
    json_decref(rep);
    rep = check(img, n, "flipkart", &ok); /* light is enough there */
    assert_true(check_ok(rep, "background"));
    json_decref(rep);
    free(img);

    img = canvas(2000, 2000, 3, 255, 0.6, "jpeg", &n); /* small piece */
    rep = check(img, n, "amazon", &ok);
    assert_false(ok);
    assert_false(check_ok(rep, "fill"));
    assert_non_null(
        strstr(json_string_value(json_array_get(json_object_get(rep, "failures"), 0)), "60.0%"));
    json_decref(rep);
    free(img);

    img = canvas(450, 450, 3, 255, 0.9, "jpeg", &n); /* too small */
    rep = check(img, n, "amazon", &ok);
    assert_false(check_ok(rep, "size"));
    json_decref(rep);
    free(img);

    img = canvas(1600, 1200, 3, 255, 0.9, "jpeg", &n); /* not square: meesho requires 1:1 */
    rep = check(img, n, "meesho", &ok);
    assert_false(check_ok(rep, "size"));
    json_decref(rep);
    rep = check(img, n, "flipkart", &ok); /* only preferred there: a warning */
    assert_true(check_ok(rep, "size"));
    assert_true(json_array_size(json_object_get(rep, "warnings")) >= 1);
    json_decref(rep);
    free(img);

    img = canvas(1200, 1200, 4, 255, 0.9, "png", &n); /* alpha channel */
    rep = check(img, n, "amazon", &ok);
    assert_false(check_ok(rep, "transparency"));
    assert_true(check_ok(rep, "format"));
    json_decref(rep);
    rep = check(img, n, "meesho", &ok); /* JPEG only */
    assert_false(check_ok(rep, "format"));
    json_decref(rep);
    free(img);

    img = canvas(1200, 1200, 3, 255, 0.9, "webp", &n);
    rep = check(img, n, "amazon", &ok);
    assert_false(check_ok(rep, "format"));
    json_decref(rep);
    free(img);
}

/* 3:4 portraits: Meesho takes 1080x1440 (and refuses a smaller 3:4 or a
 * small square), Flipkart warns, Amazon has no aspect rule. */
static void test_portrait(void **state)
{
    size_t n;
    int ok;
    unsigned char *img = canvas(1080, 1440, 3, 255, 0.86, "jpeg", &n);
    json_t *rep = check(img, n, "meesho", &ok);
    (void)state;
    assert_true(ok);
    assert_true(json_is_true(json_object_get(
        json_object_get(json_object_get(rep, "checks"), "size"), "portrait_3_4")));
    json_decref(rep);
    rep = check(img, n, "flipkart", &ok);
    assert_true(ok);
    assert_true(json_array_size(json_object_get(rep, "warnings")) >= 1);
    json_decref(rep);
    rep = check(img, n, "amazon", &ok);
    assert_true(check_ok(rep, "size"));
    json_decref(rep);
    free(img);
    img = canvas(900, 1200, 3, 255, 0.86, "jpeg", &n);
    rep = check(img, n, "meesho", &ok);
    assert_false(check_ok(rep, "size"));
    json_decref(rep);
    free(img);
    img = canvas(1100, 1100, 3, 255, 0.86, "jpeg", &n);
    rep = check(img, n, "meesho", &ok);
    assert_false(check_ok(rep, "size"));
    json_decref(rep);
    free(img);
}

static void test_bad_args(void **state)
{
    json_t *rep;
    int ok;
    struct kr_err err;
    size_t n;
    unsigned char *img = canvas(600, 600, 3, 255, 0.9, "jpeg", &n);
    (void)state;
    assert_int_equal(
        studio_check_image(&(struct studio_check_req){"nope", 4, "amazon", 0}, &rep, &ok, &err),
        KR_EINVAL);
    assert_int_equal(
        studio_check_image(&(struct studio_check_req){img, n, "etsy", 0}, &rep, &ok, &err),
        KR_EINVAL);
    assert_string_equal(err.slug, "bad_marketplace");
    assert_int_equal(
        studio_check_image(&(struct studio_check_req){img, n, "amazon", 1000}, &rep, &ok, &err),
        KR_ELIMIT);
    free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_main_image),
        cmocka_unit_test(test_each_rule_fails),
        cmocka_unit_test(test_bad_args),
        cmocka_unit_test(test_portrait),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
