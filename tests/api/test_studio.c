/*
 * test_studio.c - API tests for /generate-images and /regenerate-image
 * against the real server (offline image provider): the offline types are
 * made, stored under S3_BUCKET/gen_images/ and zipped; every bad input gives
 * a 4xx JSON error; a failed regeneration leaves the old image and ZIP
 * byte for byte; a good one replaces both.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

#include "../unit/studio/synth.h"
#include "catalog_api.h"
#include "testutil.h"

static struct tu_server srv;

static int setup(void **state)
{
    static const char *const env[] = {"KARAT_IMAGE_PROVIDER=offline", "KARAT_MAX_PIXELS=3000000",
                                      NULL};
    (void)state;
    if (VIPS_INIT("test"))
        return -1;
    return tu_server_start_tmp(&srv, env);
}

static int teardown(void **state)
{
    (void)state;
    return tu_server_finish(&srv);
}

/* Store a photo through the upload endpoint; returns its Karat URL (malloc'd). */
static char *store_photo(const void *data, size_t n)
{
    char u[512];
    struct tu_part p = {"file", "photo.jpg", "image/jpeg", data, n};
    struct tu_resp r;
    json_t *j;
    char *out;
    snprintf(u, sizeof u, "%s/upload-and-index", srv.base);
    assert_int_equal(tu_post_multipart(u, &p, 1, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    j = ca_json(&r);
    out = strdup(ca_str(j, "s3_url"));
    json_decref(j);
    tu_resp_free(&r);
    return out;
}

static unsigned char *plain_photo(int seed, size_t *n)
{
    struct tu_img_opts o = {.width = 1600, .height = 1200, .seed = seed, .scale = 0.6, .bg = 247};
    return tu_make_image(&o, n);
}

/* A photo with no plain background: hoops on big blocks of skin and hair
 * tones (synth.h; encoded here, the api tests do not link image/). */
static unsigned char *busy_photo(size_t *n)
{
    int w = 1200, h = 1000;
    unsigned char *px = syn_pixels(SYN_HOOPS, SYN_BUSY, w, h, 4, NULL);
    void *out = NULL;
    VipsImage *im = vips_image_new_from_memory(px, (size_t)w * h * 3, w, h, 3, VIPS_FORMAT_UCHAR);
    assert_int_equal(vips_jpegsave_buffer(im, &out, n, "Q", 90, NULL), 0);
    g_object_unref(im);
    free(px);
    return out;
}

static json_t *post_json(const char *path, const char *body, long *status)
{
    json_t *b = json_loads(body, 0, NULL), *j;
    assert_non_null(b);
    j = ca_post_json(&srv, path, b, status);
    json_decref(b);
    return j;
}

static json_t *generate(const char *src, const char *extra, long *status)
{
    char body[4096];
    snprintf(body, sizeof body, "{\"s3_urls\": \"%s\", \"product_type\": \"earrings\"%s%s}", src,
             extra ? ", " : "", extra ? extra : "");
    return post_json("/generate-images", body, status);
}

static void test_generate_offline(void **state)
{
    size_t n, len;
    unsigned char *jpg = plain_photo(3, &n), *bytes;
    char *src = store_photo(jpg, n);
    long st;
    json_t *res = generate(src, "\"image_types\": [1, 3, 2], \"height\": \"25mm\", \"width\": 12",
                           &st),
           *it;
    VipsImage *im;
    (void)state;

    if (st != 200)
        fprintf(stderr, "%ld %s\n", st, json_dumps(res, 0));
    assert_int_equal(st, 200);
    assert_string_equal(ca_str(res, "original_image_url"), src);
    it = json_array_get(json_object_get(res, "gen_images"), 0);
    if (!*ca_str(it, "image_url"))
        fprintf(stderr, "%s\n", json_dumps(it, 0));
    assert_non_null(strstr(ca_str(it, "image_url"), "/files/alyaimg/gen_images/"));
    assert_true(json_is_true(json_object_get(json_object_get(it, "compliance"), "ok")));
    bytes = ca_download(&srv, ca_str(it, "image_url"), &len);
    im = vips_image_new_from_buffer(bytes, len, "", NULL);
    assert_non_null(im);
    assert_int_equal(vips_image_get_width(im), 2000);
    assert_int_equal(vips_image_get_height(im), 2000);
    g_object_unref(im);
    free(bytes);
    it = json_array_get(json_object_get(res, "gen_images"), 2);
    assert_string_equal(ca_str(it, "code"), "image_provider_offline");
    assert_true(json_is_null(json_object_get(it, "image_url"))); /* always there, null on failure */
    bytes = ca_download(&srv, ca_str(res, "zip_url"), &len);
    assert_true(len > 1000 && bytes[0] == 'P' && bytes[1] == 'K');
    free(bytes);
    json_decref(res);
    free(src);
    free(jpg);
}

/* "size": "1080x1440" makes 3:4 images that pass Meesho's rules. */
static void test_generate_portrait(void **state)
{
    size_t n, len;
    unsigned char *jpg = plain_photo(5, &n), *bytes;
    char *src = store_photo(jpg, n);
    long st;
    json_t *res = generate(src, "\"image_types\": [1], \"size\": \"1080x1440\", "
                                "\"marketplace\": \"meesho\"",
                           &st),
           *it;
    VipsImage *im;
    (void)state;
    assert_int_equal(st, 200);
    it = json_array_get(json_object_get(res, "gen_images"), 0);
    assert_true(json_is_true(json_object_get(json_object_get(it, "compliance"), "ok")));
    bytes = ca_download(&srv, ca_str(it, "image_url"), &len);
    im = vips_image_new_from_buffer(bytes, len, "", NULL);
    assert_non_null(im);
    assert_int_equal(vips_image_get_width(im), 1080);
    assert_int_equal(vips_image_get_height(im), 1440);
    g_object_unref(im);
    free(bytes);
    json_decref(res);
    res = generate(src, "\"image_types\": [1], \"size\": \"500x500\"", &st);
    assert_int_equal(st, 400);
    assert_string_equal(ca_str(res, "code"), "bad_image_size");
    json_decref(res);
    free(src);
    free(jpg);
}

static void expect_400(json_t *res, long st, const char *code)
{
    if (st != 400 || strcmp(ca_str(res, "code"), code))
        fprintf(stderr, "got %ld %s\n", st, json_dumps(res, 0));
    assert_int_equal(st, 400);
    assert_string_equal(ca_str(res, "code"), code);
    assert_non_null(json_string_value(json_object_get(res, "error")));
    json_decref(res);
}

static void test_bad_input(void **state)
{
    size_t n;
    unsigned char *jpg = plain_photo(4, &n);
    char *src = store_photo(jpg, n), missing[512];
    long st;
    json_t *res;
    (void)state;

    res = generate(src, "\"image_types\": [1, 9]", &st);
    expect_400(res, st, "unknown_image_type");
    res = generate(src, "\"image_types\": [3]", &st);
    expect_400(res, st, "dimensions_required");
    res = generate("https://alyaimg.s3.amazonaws.com/photo.jpg", NULL, &st);
    expect_400(res, st, "not_karat_url");
    snprintf(missing, sizeof missing, "%s/files/alyaimg/20240101000000000000-none.jpg", srv.base);
    res = generate(missing, NULL, &st);
    expect_400(res, st, "source_not_found");
    res = post_json("/generate-images", "{\"s3_urls\": \"x\", \"product_type\": \"ring\"}", &st);
    expect_400(res, st, "invalid_product_type");
    res = post_json("/generate-images", "{\"product_type\": \"ear\"}", &st);
    expect_400(res, st, "missing_s3_urls");
    /* a Karat file that is not an image: the ZIP of an earlier request */
    res = generate(src, "\"image_types\": [1]", &st);
    assert_int_equal(st, 200);
    {
        char zip[1024], gen1[1024];
        json_t *r2;
        snprintf(zip, sizeof zip, "%s", ca_str(res, "zip_url"));
        snprintf(gen1, sizeof gen1, "%s",
                 ca_str(json_array_get(json_object_get(res, "gen_images"), 0), "image_url"));
        json_decref(res);
        res = generate(zip, "\"image_types\": [1]", &st);
        expect_400(res, st, "not_an_image");
        /* huge: the 2000 x 2000 output is over this server's 3 MP limit */
        r2 = generate(gen1, "\"image_types\": [1]", &st);
        assert_int_equal(st, 413);
        assert_string_equal(ca_str(r2, "code"), "too_many_pixels");
        json_decref(r2);
    }
    free(src);
    free(jpg);
}

static json_t *regenerate(const char *orig, const char *old, const char *zip, long *status)
{
    char u[512];
    struct tu_part p[5] = {{"original_image_url", NULL, NULL, orig, 0},
                           {"old_generated_url", NULL, NULL, old, 0},
                           {"old_zip_url", NULL, NULL, zip, 0},
                           {"product_type", NULL, NULL, "earrings", 0},
                           {"prompt_index", NULL, NULL, "0", 0}};
    struct tu_resp r;
    json_t *j;
    snprintf(u, sizeof u, "%s/regenerate-image", srv.base);
    assert_int_equal(tu_post_multipart(u, p, 5, NULL, &r), 0);
    *status = r.status;
    j = ca_json(&r);
    tu_resp_free(&r);
    return j;
}

static void test_regenerate(void **state)
{
    size_t n1, n2, n3, li, lz, li2, lz2;
    unsigned char *a = plain_photo(5, &n1), *b = plain_photo(6, &n2), *c = busy_photo(&n3);
    char *src_a = store_photo(a, n1), *src_b = store_photo(b, n2), *src_c = store_photo(c, n3);
    char old[1024], zip[1024];
    unsigned char *img0, *zip0, *img1, *zip1;
    long st;
    json_t *res = generate(src_a, "\"image_types\": [1]", &st), *r;
    (void)state;

    assert_int_equal(st, 200);
    snprintf(old, sizeof old, "%s",
             ca_str(json_array_get(json_object_get(res, "gen_images"), 0), "image_url"));
    snprintf(zip, sizeof zip, "%s", ca_str(res, "zip_url"));
    json_decref(res);
    img0 = ca_download(&srv, old, &li);
    zip0 = ca_download(&srv, zip, &lz);

    /* generation fails (busy photo): nothing changes */
    r = regenerate(src_c, old, zip, &st);
    assert_int_equal(st, 400);
    assert_string_equal(ca_str(r, "code"), "background_too_complex");
    json_decref(r);
    img1 = ca_download(&srv, old, &li2);
    zip1 = ca_download(&srv, zip, &lz2);
    assert_int_equal(li2, li);
    assert_memory_equal(img1, img0, li);
    assert_int_equal(lz2, lz);
    assert_memory_equal(zip1, zip0, lz);
    free(img1);
    free(zip1);

    /* only generated files may be replaced */
    r = regenerate(src_b, src_a, zip, &st);
    assert_int_equal(st, 400);
    assert_string_equal(ca_str(r, "code"), "not_generated_file");
    json_decref(r);

    /* success: same URLs, new bytes in the file and in the ZIP */
    r = regenerate(src_b, old, zip, &st);
    assert_int_equal(st, 200);
    assert_string_equal(ca_str(r, "image_url"), old);
    assert_string_equal(ca_str(r, "zip_url"), zip);
    json_decref(r);
    img1 = ca_download(&srv, old, &li2);
    zip1 = ca_download(&srv, zip, &lz2);
    assert_true(li2 != li || memcmp(img1, img0, li) != 0);
    assert_true(lz2 != lz || memcmp(zip1, zip0, lz) != 0);
    assert_non_null(memmem(zip1, lz2, img1, li2)); /* stored entry = the new file */
    free(img1);
    free(zip1);
    free(img0);
    free(zip0);
    free(src_a);
    free(src_b);
    free(src_c);
    free(a);
    free(b);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate_offline),
        cmocka_unit_test(test_generate_portrait),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_regenerate),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
