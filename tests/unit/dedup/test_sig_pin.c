/*
 * test_sig_pin.c - pins every output bit of dedup_compute(): a speed-up of
 * the signature code (src/dedup: trim, PDQ, descriptor, scene stage) must
 * leave each signature exactly as it was, since stored signatures, the
 * calibrated rule and the bench numbers depend on it.
 *
 * Each image's signature is folded into a 64-bit FNV-1a over every field
 * dedup_compute() sets: the hash bits, quality, the float descriptor (bit
 * patterns), the rotation probes, the stored keypoints and the dense
 * (query) keypoints with their float positions. The images: generated
 * frame-filling scenes (tests/support/scene_img.h) and windows of them (a
 * crop, a 2 degree turn, one smaller than the stored level, so the pyramid
 * enlarges it), a catalog shot (tu_make_image, JPEG), and the real
 * on-model photo tests/data/earring_on_model.jpg decoded as uploads are.
 * Counts of keypoints are checked on their own too, so a failure says
 * whether the keypoint sets or only some bits moved.
 *
 * Float determinism: the project builds C17 without extensions (no FMA
 * contraction) and without -ffast-math, on x86-64 SSE2, so the optimised
 * (-O2, scene.c -O3) and the ASan+UBSan builds give the same bits; both are
 * checked to pass with the same values. On a mismatch the test prints the
 * values it got, to re-pin deliberately after an intended change of the
 * signature (never to paper over a speed-up that moved bits).
 */
#include "testutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedup/dedup.h"
#include "scene_img.h"

#include <vips/vips.h> /* g_free */

#define SW 1200
#define SH 900

struct pin {
    const char *name;
    uint64_t fnv;
    int nkp, nqkp;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* The fold of every computed field (struct padding never enters it). */
static uint64_t sig_fold(const struct dedup_sig *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    h = fnv(h, s->hash, sizeof s->hash);
    h = fnv(h, &s->quality, sizeof s->quality);
    h = fnv(h, s->desc, sizeof s->desc);
    h = fnv(h, &s->nprobes, sizeof s->nprobes);
    for (int i = 0; i < s->nprobes; i++) {
        h = fnv(h, s->probe[i].hash, sizeof s->probe[i].hash);
        h = fnv(h, s->probe[i].desc, sizeof s->probe[i].desc);
    }
    h = fnv(h, &s->nkp, sizeof s->nkp);
    for (int i = 0; i < s->nkp; i++) {
        h = fnv(h, &s->kp[i].x, 1);
        h = fnv(h, &s->kp[i].y, 1);
        h = fnv(h, s->kp[i].d, sizeof s->kp[i].d);
    }
    h = fnv(h, &s->nqkp, sizeof s->nqkp);
    for (int i = 0; i < s->nqkp; i++) {
        h = fnv(h, &s->qkp[i].x, sizeof s->qkp[i].x);
        h = fnv(h, &s->qkp[i].y, sizeof s->qkp[i].y);
        h = fnv(h, s->qkp[i].d, sizeof s->qkp[i].d);
    }
    return h;
}

/* Prints the line to pin on a mismatch (all images are checked before the
 * test fails, so one run shows every value); returns 1 on a mismatch. */
static int check(const struct pin *want, const struct dedup_sig *s)
{
    uint64_t got = sig_fold(s);
    if (got == want->fnv && s->nkp == want->nkp && s->nqkp == want->nqkp)
        return 0;
    fprintf(stderr, "moved: {\"%s\", 0x%016" PRIx64 "ull, %d, %d}, want %016" PRIx64 " %d %d\n",
            want->name, got, s->nkp, s->nqkp, want->fnv, want->nkp, want->nqkp);
    return 1;
}

static void sig_rgb(unsigned char *rgb, int w, int h, struct dedup_sig *sig)
{
    struct image_px px = {.data = rgb, .width = w, .height = h, .bands = 3};
    struct kr_err err = {0};
    if (dedup_compute(&px, sig, &err) != KR_OK)
        fail_msg("dedup_compute: %s", err.msg);
}

static void sig_bytes(const void *data, size_t n, struct dedup_sig *sig)
{
    struct kr_err err = {0};
    if (dedup_compute_bytes(data, n, 0, sig, NULL, &err) != KR_OK)
        fail_msg("dedup_compute_bytes: %s", err.msg);
}

static const struct pin pins[] = {
    {"scene1", 0x0627b6910aa7be5dull, 56, 200},
    {"scene2", 0x73038a262d245706ull, 56, 200},
    {"scene3-jpeg", 0xce9be869f3b0602cull, 56, 200},
    {"scene1-crop10", 0x0e7d9e5bca13c5c6ull, 56, 200},
    {"scene1-turn2", 0x5bd36ca34810aaa2ull, 56, 200},
    {"catalog", 0xe6ff454eb5028063ull, 0, 0},
    {"earring", 0xff0189c0fa31142cull, 56, 200},
    {"scene4-small", 0x9c9fce89a359c9fdull, 45, 170},
};

static void test_scenes(void **state)
{
    struct dedup_sig *sig = calloc(1, sizeof *sig);
    int bad = 0;
    unsigned char *a = tu_scene(1, SW, SH), *b = tu_scene(2, SW, SH), *c = tu_scene(3, SW, SH), *w;
    size_t n = 0;
    (void)state;
    sig_rgb(a, SW, SH, sig);
    bad += check(&pins[0], sig);
    sig_rgb(b, SW, SH, sig);
    bad += check(&pins[1], sig);
    unsigned char *jpg = tu_rgb_jpeg(c, SW, SH, 85, &n);
    sig_bytes(jpg, n, sig);
    bad += check(&pins[2], sig);
    g_free(jpg);
    w = tu_scene_window(a, SW, SH, &(struct tu_window){SW / 10, SH / 10, SW * 8 / 10, SH * 8 / 10, 0});
    sig_rgb(w, SW * 8 / 10, SH * 8 / 10, sig);
    bad += check(&pins[3], sig);
    free(w);
    w = tu_scene_window(a, SW, SH, &(struct tu_window){SW / 20, SH / 20, SW * 9 / 10, SH * 9 / 10, 2});
    sig_rgb(w, SW * 9 / 10, SH * 9 / 10, sig);
    bad += check(&pins[4], sig);
    free(w);
    free(a);
    free(b);
    free(c);
    a = tu_scene(4, 280, 210); /* smaller than the stored level: upsampled */
    sig_rgb(a, 280, 210, sig);
    bad += check(&pins[7], sig);
    free(a);
    free(sig);
    assert_int_equal(bad, 0);
}

static void test_catalog(void **state)
{
    struct dedup_sig *sig = calloc(1, sizeof *sig);
    int bad = 0;
    size_t n = 0;
    unsigned char *img = tu_make_image(&(struct tu_img_opts){.width = 900, .height = 700, .seed = 7}, &n);
    (void)state;
    sig_bytes(img, n, sig);
    bad += check(&pins[5], sig);
    free(img);
    free(sig);
    assert_int_equal(bad, 0);
}

static void test_real_photo(void **state)
{
    char path[1024];
    const char *src = getenv("KARAT_SOURCE_DIR");
    struct dedup_sig *sig = calloc(1, sizeof *sig);
    int bad = 0;
    size_t n = 0;
    (void)state;
    snprintf(path, sizeof path, "%s/tests/data/earring_on_model.jpg", src ? src : ".");
    unsigned char *data = tu_read_file(path, &n);
    if (!data)
        fail_msg("%s: cannot read", path);
    sig_bytes(data, n, sig);
    bad += check(&pins[6], sig);
    free(data);
    free(sig);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenes),
        cmocka_unit_test(test_catalog),
        cmocka_unit_test(test_real_photo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
