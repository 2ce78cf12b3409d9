/*
 * test_pdq.c - the PDQ math of dedup/pdq.c against naive definitions:
 * the 16x16 partial DCT, the Jarosz box filter and decimation, the quality
 * metric, median thresholding and PDQ's bit/hex layout.
 */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dedup/dedup_int.h"

#define N DEDUP_PDQ_SIDE

static unsigned int rng = 12345;
static float frand(void)
{
    rng = rng * 1103515245u + 12345u;
    return (float)((rng >> 8) & 0xffff) / 65535.0f * 255.0f;
}

static void test_dct_matches_naive(void **state)
{
    float in[N * N], out[256];
    (void)state;
    for (int i = 0; i < N * N; i++)
        in[i] = frand();
    dedup__dct64to16(in, out);
    for (int u = 0; u < 16; u++)
        for (int v = 0; v < 16; v++) {
            double s = 0;
            for (int y = 0; y < N; y++)
                for (int x = 0; x < N; x++)
                    s += (2.0 / N) * cos(M_PI / (2.0 * N) * (u + 1) * (2 * y + 1)) *
                         cos(M_PI / (2.0 * N) * (v + 1) * (2 * x + 1)) * in[y * N + x];
            if (fabs(s - out[u * 16 + v]) > 1e-2 * (1 + fabs(s)))
                fail_msg("coef %d,%d: %f vs naive %f", u, v, out[u * 16 + v], s);
        }
}

static void test_dct_of_constant_is_zero(void **state)
{
    float in[N * N], out[256];
    (void)state;
    for (int i = 0; i < N * N; i++)
        in[i] = 77.0f;
    dedup__dct64to16(in, out);
    for (int i = 0; i < 256; i++)
        assert_true(fabsf(out[i]) < 1e-2f); /* the DC term is not among the 16x16 */
}

static void test_dct_single_frequency(void **state)
{
    /* A pure cosine at vertical frequency 3, horizontal 5 lights only that
     * coefficient (row 2, column 4 of the 1-based block). */
    float in[N * N], out[256];
    (void)state;
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++)
            in[y * N + x] = (float)(cos(M_PI / (2.0 * N) * 3 * (2 * y + 1)) *
                                    cos(M_PI / (2.0 * N) * 5 * (2 * x + 1)));
    dedup__dct64to16(in, out);
    for (int i = 0; i < 256; i++) {
        if (i == 2 * 16 + 4)
            assert_true(fabsf(out[i] - 32.0f) < 1e-3f); /* (sqrt(2/64) * 64/2)^2 = 32 */
        else
            assert_true(fabsf(out[i]) < 1e-3f);
    }
}

/* Naive version of one Jarosz pass pair: centred box with shrinking edges. */
static float naive_box(const float *in, int len, int stride, int i, int window)
{
    int half = (window + 2) / 2, lo = i - (window - half), hi = i + (half - 1);
    double s = 0;
    int n = 0;
    for (int k = lo; k <= hi; k++)
        if (k >= 0 && k < len) {
            s += in[k * stride];
            n++;
        }
    return (float)(s / n);
}

static void test_downscale_matches_naive(void **state)
{
    const int rows = 300, cols = 420;
    float *plane = malloc(sizeof(float) * rows * cols),
          *work = malloc(sizeof(float) * (rows + 1) * cols);
    float *a = malloc(sizeof(float) * rows * cols), *b = malloc(sizeof(float) * rows * cols);
    float out[N * N];
    int wr = (cols + 127) / 128, wc = (rows + 127) / 128;
    (void)state;

    for (int i = 0; i < rows * cols; i++)
        a[i] = plane[i] = frand();
    for (int pass = 0; pass < 2; pass++) {
        for (int y = 0; y < rows; y++)
            for (int x = 0; x < cols; x++)
                b[y * cols + x] = naive_box(a + y * cols, cols, 1, x, wr);
        for (int y = 0; y < rows; y++)
            for (int x = 0; x < cols; x++)
                a[y * cols + x] = naive_box(b + x, rows, cols, y, wc);
    }
    dedup__pdq_downscale(plane, work, rows, cols, out);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            int y = (int)((i + 0.5) * rows / N), x = (int)((j + 0.5) * cols / N);
            assert_true(fabsf(out[i * N + j] - a[y * cols + x]) < 1e-2f);
        }
    free(plane);
    free(work);
    free(a);
    free(b);
}

static void test_quality(void **state)
{
    float b[N * N];
    (void)state;
    for (int i = 0; i < N * N; i++)
        b[i] = 128;
    assert_int_equal(dedup__pdq_quality(b), 0);
    /* Vertical stripes 0/255: 64 rows x 63 horizontal pairs of |100| each
     * -> 403200 / 90 = 4480, clamped to 100. */
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++)
            b[y * N + x] = (x & 1) ? 255.0f : 0.0f;
    assert_int_equal(dedup__pdq_quality(b), 100);
    /* A gentle ramp: each horizontal step of 2 levels gives (int)(0.78) = 0. */
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++)
            b[y * N + x] = (float)(2 * x);
    assert_int_equal(dedup__pdq_quality(b), 0);
    /* Steps of 6 levels: (int)(2.35) = 2 per pair -> 64*63*2/90 = 89. */
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++)
            b[y * N + x] = (float)(6 * x);
    assert_int_equal(dedup__pdq_quality(b), 89);
}

static void test_bits_layout_and_median(void **state)
{
    float coef[256];
    uint8_t h[DEDUP_HASH_BYTES];
    char hex[65];
    int ones = 0;
    (void)state;

    /* coef = index: values above the median (127) are indices 128..255,
     * i.e. rows 8..15 -> words 8..15 all ones -> the first 16 bytes. */
    for (int i = 0; i < 256; i++)
        coef[i] = (float)i;
    dedup__pdq_bits(coef, h);
    dedup_hash_hex(h, hex);
    assert_string_equal(hex, "ffffffffffffffffffffffffffffffff"
                             "00000000000000000000000000000000");
    /* A single high coefficient at row 0, column 0: bit 0 of word 0, the
     * last hex digit. Median of 255 zeros and one 1 is 0, so only it is set. */
    memset(coef, 0, sizeof coef);
    coef[0] = 1;
    dedup__pdq_bits(coef, h);
    dedup_hash_hex(h, hex);
    assert_string_equal(hex, "00000000000000000000000000000000"
                             "00000000000000000000000000000001");
    /* Row 1, column 9 -> word 1 bit 9 -> "0200" as the 15th group of 4. */
    memset(coef, 0, sizeof coef);
    coef[1 * 16 + 9] = 5;
    dedup__pdq_bits(coef, h);
    dedup_hash_hex(h, hex);
    assert_string_equal(hex + 56, "02000000");
    /* Random coefficients: exactly half the bits are set. */
    for (int i = 0; i < 256; i++)
        coef[i] = frand() - 128;
    dedup__pdq_bits(coef, h);
    for (int i = 0; i < DEDUP_HASH_BYTES; i++)
        ones += __builtin_popcount(h[i]);
    assert_int_equal(ones, 128);
}

static void test_hash_of_gradient_is_stable(void **state)
{
    /* Same picture at two sizes (PDQ's box filters adapt the window):
     * hashes stay within a few bits. */
    float *p1 = malloc(sizeof(float) * 400 * 400), *w1 = malloc(sizeof(float) * 401 * 400);
    float *p2 = malloc(sizeof(float) * 256 * 256), *w2 = malloc(sizeof(float) * 257 * 256);
    float b1[N * N], b2[N * N];
    uint8_t h1[32], h2[32];
    int q1, q2;
    (void)state;
    for (int y = 0; y < 400; y++)
        for (int x = 0; x < 400; x++)
            p1[y * 400 + x] = (float)(128 + 100 * sin(x / 40.0) * cos(y / 55.0) + (x > y ? 20 : 0));
    for (int y = 0; y < 256; y++)
        for (int x = 0; x < 256; x++) {
            double xs = x * 400.0 / 256, ys = y * 400.0 / 256;
            p2[y * 256 + x] =
                (float)(128 + 100 * sin(xs / 40.0) * cos(ys / 55.0) + (xs > ys ? 20 : 0));
        }
    dedup__pdq_downscale(p1, w1, 400, 400, b1);
    dedup__pdq_downscale(p2, w2, 256, 256, b2);
    dedup__pdq_hash64(b1, h1, &q1);
    dedup__pdq_hash64(b2, h2, &q2);
    assert_true(dedup_hash_distance(h1, h2) <= 12);
    assert_true(q1 > 30 && abs(q1 - q2) < 10);
    free(p1);
    free(w1);
    free(p2);
    free(w2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dct_matches_naive),
        cmocka_unit_test(test_dct_of_constant_is_zero),
        cmocka_unit_test(test_dct_single_frequency),
        cmocka_unit_test(test_downscale_matches_naive),
        cmocka_unit_test(test_quality),
        cmocka_unit_test(test_bits_layout_and_median),
        cmocka_unit_test(test_hash_of_gradient_is_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
