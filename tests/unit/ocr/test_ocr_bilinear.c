/*
 * test_ocr_bilinear.c - ocr__bilinear() (ocr_int.h), the deskew's and the
 * warp's sample, is white (255) for every point outside the plane, like
 * the sample it replaced: a NaN coordinate, one at or beyond 2^31 (the
 * warp divides by a denominator that only has to reach 0.2), and the last
 * row and column (no neighbour to blend with). Inside, it is the bilinear
 * blend rounded, as a floor()-based reference computes it.
 */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ocr/ocr_int.h"

/* The sample ocr__bilinear() replaced (ocr_persp.c before 0ea8c38), with
 * the range checked in double so that it is defined for any input. */
static unsigned char reference(const struct ocr__grey *g, double sx, double sy)
{
    if (!(sx >= 0 && sy >= 0 && sx < g->w - 1 && sy < g->h - 1))
        return 255;
    int x0 = (int)floor(sx), y0 = (int)floor(sy);
    double fx = sx - x0, fy = sy - y0;
    const unsigned char *r = g->px + (size_t)y0 * g->w + x0;
    return (unsigned char)((r[0] * (1 - fx) + r[1] * fx) * (1 - fy) +
                           (r[g->w] * (1 - fx) + r[g->w + 1] * fx) * fy + 0.5);
}

/* volatile: the compiler must not fold the conversions at build time. */
static unsigned char sample(const struct ocr__grey *g, volatile double sx, volatile double sy)
{
    return ocr__bilinear(g, sx, sy);
}

static void test_inside_as_reference(void **state)
{
    unsigned char px[8 * 6];
    struct ocr__grey g = {8, 6, px, NULL};
    (void)state;
    for (int i = 0; i < 8 * 6; i++)
        px[i] = (unsigned char)(i * 37 % 256);
    memset(px + 8, 200, 3); /* four equal neighbours at (0..1, 1..2) */
    memcpy(px + 16, px + 8, 3);
    for (double sy = -1.5; sy <= 7; sy += 0.25)
        for (double sx = -1.5; sx <= 9; sx += 0.125)
            assert_int_equal(sample(&g, sx, sy), reference(&g, sx, sy));
}

static void test_outside_is_white(void **state)
{
    unsigned char px[8 * 6];
    struct ocr__grey g = {8, 6, px, NULL};
    const double far[] = {NAN, 2147483648.0, 3e9, 1e300, INFINITY};
    (void)state;
    memset(px, 0, sizeof px);
    for (size_t i = 0; i < sizeof far / sizeof *far; i++) {
        assert_int_equal(sample(&g, far[i], 2.0), 255);
        assert_int_equal(sample(&g, 2.0, far[i]), 255);
        assert_int_equal(sample(&g, far[i], far[i]), 255);
    }
    assert_int_equal(sample(&g, 7.0, 2.0), 255); /* last column */
    assert_int_equal(sample(&g, 2.0, 5.0), 255); /* last row */
    assert_int_equal(sample(&g, 6.999, 4.999), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inside_as_reference),
        cmocka_unit_test(test_outside_is_white),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
