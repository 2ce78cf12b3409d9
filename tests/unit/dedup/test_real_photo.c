/*
 * test_real_photo.c - issue 15's everyday edits on a real on-model photo
 * (tests/data/earring_on_model.jpg, 4000x4800, an earring worn by a model:
 * skin, hair and cloth fill the frame, so the first stage's whole-frame hash
 * does not survive a re-crop and the scene stage must catch it).
 *
 * Copies are made here with libvips as a seller's tools make them, each
 * re-encoded as JPEG: a square crop for Amazon, a 3:4 crop resized to
 * 1080x1440 for Meesho, centre and corner crops of 10 % and a 20 % crop, a 2 and a -5
 * degree straightening cropped to hide the corners, a bordered crop. Every
 * one must match the original by dedup_match() (what `karat dedup` and the
 * index decide). The negatives: the photo's top and bottom thirds (same
 * model, light and camera, no shared content), a generated scene, and the
 * real bill photo.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

#include "dedup/dedup.h"
#include "scene_img.h"

static VipsImage *photo;

static int setup(void **state)
{
    char path[1024];
    const char *src = getenv("KARAT_SOURCE_DIR");
    (void)state;
    if (VIPS_INIT("test"))
        return -1;
    snprintf(path, sizeof path, "%s/tests/data/earring_on_model.jpg", src ? src : ".");
    photo = vips_image_new_from_file(path, "access", VIPS_ACCESS_RANDOM, NULL);
    if (!photo || vips_image_wio_input(photo))
        fprintf(stderr, "%s: %s\n", path, vips_error_buffer());
    return photo ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    g_object_unref(photo);
    return 0;
}

/* The signature of im saved as JPEG q (what an upload of it carries). */
static void sig_of(VipsImage *im, int q, struct dedup_sig *sig)
{
    void *buf = NULL;
    size_t n = 0;
    struct kr_err err = {0};
    if (vips_jpegsave_buffer(im, &buf, &n, "Q", q, NULL))
        fail_msg("jpegsave: %s", vips_error_buffer());
    if (dedup_compute_bytes(buf, n, 0, sig, NULL, &err) != KR_OK)
        fail_msg("dedup_compute_bytes: %s", err.msg);
    g_free(buf);
}

/* A copy: the area (fractions of the frame) of the photo turned by deg
 * about its centre, optionally resized to exactly rw x rh and given a
 * border of bpct % of its width in white. */
struct edit {
    const char *name;
    double deg, x0, y0, x1, y1;
    int rw, rh, bpct;
};

static VipsImage *apply(const struct edit *e)
{
    VipsImage *t[4] = {0}, *out = NULL;
    int W = photo->Xsize, H = photo->Ysize;
    VipsImage *in = photo;
    double ox = 0, oy = 0;
    if (e->deg != 0) {
        if (vips_similarity(photo, &t[0], "angle", e->deg, NULL))
            goto out;
        in = t[0]; /* a larger canvas, the photo's centre at its centre */
        ox = (in->Xsize - W) / 2.0;
        oy = (in->Ysize - H) / 2.0;
    }
    if (vips_extract_area(in, &t[1], (int)(ox + e->x0 * W), (int)(oy + e->y0 * H),
                          (int)((e->x1 - e->x0) * W), (int)((e->y1 - e->y0) * H), NULL))
        goto out;
    in = t[1];
    if (e->rw && vips_resize(in, &t[2], (double)e->rw / in->Xsize, "vscale",
                             (double)e->rh / in->Ysize, NULL))
        goto out;
    in = e->rw ? t[2] : in;
    if (e->bpct) {
        int b = in->Xsize * e->bpct / 100;
        if (vips_embed(in, &t[3], b, b, in->Xsize + 2 * b, in->Ysize + 2 * b, "extend",
                       VIPS_EXTEND_WHITE, NULL))
            goto out;
        in = t[3];
    }
    out = in;
    g_object_ref(out);
out:
    for (int i = 0; i < 4; i++)
        if (t[i])
            g_object_unref(t[i]);
    if (!out)
        fail_msg("%s: %s", e->name, vips_error_buffer());
    return out;
}

static void test_seller_edits_are_duplicates(void **state)
{
    static const struct edit edits[] = {
        {"square for Amazon", 0, 0, 1.0 / 12, 1, 11.0 / 12, 0, 0, 0},
        {"3:4 1080x1440", 0, 0.05, 0, 0.95, 1, 1080, 1440, 0},
        {"10 % per side", 0, 0.1, 0.1, 0.9, 0.9, 0, 0, 0},
        {"10 % off two sides", 0, 0, 0, 0.9, 0.9, 0, 0, 0},
        {"20 % per side", 0, 0.2, 0.2, 0.8, 0.8, 0, 0, 0},
        {"straightened 2 deg", 2, 0.05, 0.05, 0.95, 0.95, 0, 0, 0},
        {"straightened -5 deg", -5, 0.12, 0.1, 0.88, 0.9, 0, 0, 0},
        {"cropped and bordered", 0, 0.1, 0.1, 0.9, 0.9, 0, 0, 6},
    };
    struct dedup_rule rule;
    struct dedup_sig *orig = malloc(sizeof *orig), *copy = malloc(sizeof *copy);
    int missed = 0;
    (void)state;
    assert_non_null(orig);
    assert_non_null(copy);
    dedup_rule_default(&rule, -1, -1);
    sig_of(photo, 90, orig);
    assert_true(orig->nkp > 0); /* a scene: it carries keypoints */
    for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
        VipsImage *im = apply(&edits[i]);
        sig_of(im, 85, copy);
        g_object_unref(im);
        int hit = dedup_match(copy, orig, &rule, NULL);
        fprintf(stderr, "%-22s %s (hash distance %d, %d scene inliers)\n", edits[i].name,
                hit ? "duplicate" : "MISSED", dedup_hash_distance(copy->hash, orig->hash),
                dedup_scene_inliers(copy, orig));
        missed += !hit;
    }
    free(orig);
    free(copy);
    assert_int_equal(missed, 0);
}

static void test_other_pictures_are_not(void **state)
{
    static const struct edit top = {"top third", 0, 0, 0, 1, 1.0 / 3, 0, 0, 0};
    static const struct edit bottom = {"bottom third", 0, 0, 2.0 / 3, 1, 1, 0, 0, 0};
    struct dedup_rule rule;
    struct dedup_sig *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    struct kr_err err = {0};
    char path[1024];
    const char *src = getenv("KARAT_SOURCE_DIR");
    unsigned char *rgb, *jpg;
    size_t n;
    VipsImage *im;
    (void)state;
    assert_non_null(a);
    assert_non_null(b);
    dedup_rule_default(&rule, -1, -1);
    im = apply(&top);
    sig_of(im, 90, a);
    g_object_unref(im);
    im = apply(&bottom);
    sig_of(im, 90, b);
    g_object_unref(im);
    assert_false(dedup_match(a, b, &rule, NULL));
    assert_false(dedup_match(b, a, &rule, NULL));
    sig_of(photo, 90, a);
    rgb = tu_scene(7, 1200, 1440);
    jpg = tu_rgb_jpeg(rgb, 1200, 1440, 90, &n);
    assert_int_equal(dedup_compute_bytes(jpg, n, 0, b, NULL, &err), KR_OK);
    free(rgb);
    g_free(jpg);
    assert_false(dedup_match(a, b, &rule, NULL));
    assert_false(dedup_match(b, a, &rule, NULL));
    snprintf(path, sizeof path, "%s/tests/data/bill_sample.png", src ? src : ".");
    im = vips_image_new_from_file(path, NULL);
    assert_non_null(im);
    sig_of(im, 90, b);
    g_object_unref(im);
    assert_false(dedup_match(a, b, &rule, NULL));
    assert_false(dedup_match(b, a, &rule, NULL));
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seller_edits_are_duplicates),
        cmocka_unit_test(test_other_pictures_are_not),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
