/*
 * test_probes.c - rotation probes (dedup.c): a copy turned by a few degrees,
 * whose own PDQ bits have flipped, is still found through the probe nearest
 * its angle; probes are symmetric in dedup_match(), bounded in number, and
 * absent from a signature that has none (as one read back from a store).
 *
 * The pictures are made here as raw RGB (no codec in the way): a scene of
 * overlapping soft discs and bars of different greys, then the same scene
 * turned about its centre with white fill, like the rotate family of
 * bench/dedup_quality.sh.
 */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dedup/dedup_int.h"

#define W 480
#define H 360

static int setup(void **state)
{
    (void)state;
    return image_init("test_probes", NULL) == KR_OK ? 0 : -1;
}

/* Grey level of the scene at (x, y): fine bars plus discs, all smooth
 * enough to survive PDQ's blur, fine enough that a few degrees move them
 * by a good part of their period at the frame's edges. */
static double scene(double x, double y, int seed)
{
    double v = 128 + 50 * sin((x * 0.95 + y * 0.31) / 5.0 + seed) +
               35 * sin((x * -0.22 + y * 0.97) / 4.0 + 2 * seed);
    for (int k = 0; k < 6; k++) {
        double cx = 60 + (k * 97 + seed * 31) % 360, cy = 50 + (k * 61 + seed * 17) % 260;
        double r2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
        v += (k % 2 ? 60 : -60) * exp(-r2 / (2 * 30.0 * 30.0));
    }
    return v < 0 ? 0 : v > 255 ? 255 : v;
}

/* The scene turned by deg degrees about the centre, white outside. */
static void paint(struct image_px *px, int seed, double deg)
{
    double c = cos(deg * M_PI / 180), s = sin(deg * M_PI / 180);
    px->width = W;
    px->height = H;
    px->bands = 3;
    px->data = malloc((size_t)W * H * 3);
    assert_non_null(px->data);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            /* source point of output pixel (x, y): the inverse turn */
            double dx = x + 0.5 - W / 2.0, dy = y + 0.5 - H / 2.0;
            double sx = c * dx + s * dy + W / 2.0, sy = -s * dx + c * dy + H / 2.0;
            int in = sx >= 0 && sx < W && sy >= 0 && sy < H;
            memset(px->data + ((size_t)y * W + x) * 3, in ? (int)lround(scene(sx, sy, seed)) : 255,
                   3);
        }
}

static void sig_at(int seed, double deg, struct dedup_sig *sig)
{
    struct image_px px;
    struct kr_err err = {0};
    paint(&px, seed, deg);
    assert_int_equal(dedup_compute(&px, sig, &err), KR_OK);
    free(px.data);
}

static int probe_min_distance(const struct dedup_sig *a, const struct dedup_sig *b)
{
    int best = 256;
    for (int i = 0; i < a->nprobes; i++) {
        int d = dedup_hash_distance(a->probe[i].hash, b->hash);
        best = d < best ? d : best;
    }
    return best;
}

static void test_turned_copy_found_through_a_probe(void **state)
{
    struct dedup_rule rule;
    struct dedup_sig base, turned, bare_base, bare_turned;
    (void)state;
    dedup_rule_default(&rule, -1, -1);
    sig_at(5, 0, &base);
    assert_int_equal(base.nprobes, DEDUP_PROBES);
    for (double deg = -3; deg <= 3; deg += 1.5) {
        if (deg == 0)
            continue;
        sig_at(5, deg, &turned);
        bare_base = base;
        bare_turned = turned;
        bare_base.nprobes = bare_turned.nprobes = 0;
        int d0 = dedup_hash_distance(base.hash, turned.hash);
        int dp = probe_min_distance(&turned, &base);
        /* at 3 degrees the photo's own bits have flipped past the rule;
         * at either angle a probe is much nearer */
        if (fabs(deg) == 3) { /* the first stage alone (no scene stage) */
            struct dedup_rule first = rule;
            first.scene_min = 0;
            assert_true(d0 > rule.hash_max);
            assert_false(dedup_match(&bare_base, &bare_turned, &first, NULL));
        }
        assert_true(dp <= rule.hash_max);
        assert_true(dp < d0 * 0.7);
        assert_true(dedup_match(&turned, &base, &rule, NULL));
        assert_true(dedup_match(&base, &turned, &rule, NULL));
        /* probes of one side alone are enough, from either side */
        assert_true(dedup_match(&turned, &bare_base, &rule, NULL));
        assert_true(dedup_match(&bare_base, &turned, &rule, NULL));
    }
}

static void test_probes_do_not_join_different_scenes(void **state)
{
    struct dedup_rule rule;
    struct dedup_sig a, b;
    (void)state;
    dedup_rule_default(&rule, -1, -1);
    for (int seed = 1; seed < 5; seed++) {
        sig_at(seed, 0, &a);
        sig_at(seed + 20, 2, &b);
        assert_false(dedup_match(&a, &b, &rule, NULL));
        assert_false(dedup_match(&b, &a, &rule, NULL));
    }
}

static void test_distance_is_the_matching_combination(void **state)
{
    struct dedup_rule rule;
    struct dedup_sig base, turned;
    float d_ab = -1, d_ba = -1;
    (void)state;
    dedup_rule_default(&rule, -1, -1);
    sig_at(9, 0, &base);
    sig_at(9, 3, &turned);
    assert_true(dedup_match(&base, &turned, &rule, &d_ab));
    assert_true(dedup_match(&turned, &base, &rule, &d_ba));
    assert_true(fabsf(d_ab - d_ba) < 1e-6f);
    /* the reported distance belongs to a combination that passed */
    assert_true(d_ab <= 1.0f - rule.desc_min + 1e-6f);
    assert_true(d_ab >= 0.0f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_turned_copy_found_through_a_probe),
        cmocka_unit_test(test_probes_do_not_join_different_scenes),
        cmocka_unit_test(test_distance_is_the_matching_combination),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
