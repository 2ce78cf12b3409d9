/*
 * test_kernels.c - the embedded index's inner loops, reached by including
 * embedded_query.c: the AVX2 dot-product kernel must equal the portable
 * one bit for bit (the machine running the tests may only exercise one of
 * them through the public API), quantisation must round and clamp, and the
 * per-entry residual code must bound the true residual norm from above.
 */
#include "testutil.h"

#include "../../../src/index/embedded_query.c"

static uint64_t state_ = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
}

static void test_dots_agree(void **state)
{
    enum { N = 777 };
    static int8_t x[N * DEDUP_DESC_DIM];
    int8_t q[DEDUP_DESC_DIM];
    int32_t a[N], b[N];
    (void)state;

    for (size_t i = 0; i < sizeof x; i++)
        x[i] = (int8_t)((int)(rnd() % 255) - 127);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < DEDUP_DESC_DIM; i++)
            q[i] = (int8_t)(round == 0 ? 127 : round == 1 ? -127 : (int)(rnd() % 255) - 127);
        dots_generic(x, N, q, a);
        pick_dots()(x, N, q, b);
        assert_memory_equal(a, b, sizeof a);
    }
    /* extremes: +-127 everywhere gives +-64*127^2 without saturation */
    memset(x, 127, DEDUP_DESC_DIM);
    memset(q, 0x81, sizeof q); /* -127 */
    pick_dots()(x, 1, q, b);
    assert_int_equal(b[0], -64 * 127 * 127);
}

static void test_quantise_and_residual(void **state)
{
    float x[DEDUP_DESC_DIM];
    int8_t q[DEDUP_DESC_DIM];
    (void)state;

    for (int round = 0; round < 2000; round++) {
        double n = 0;
        for (int i = 0; i < DEDUP_DESC_DIM; i++) {
            x[i] = (float)((double)(rnd() % 2000001) / 1000000.0 - 1.0);
            n += (double)x[i] * x[i];
        }
        if (round % 2)
            for (int i = 0; i < DEDUP_DESC_DIM; i++)
                x[i] = (float)(x[i] / sqrt(n));
        uint8_t code = idx__emb_quantise(x, q);
        double r2 = 0;
        for (int i = 0; i < DEDUP_DESC_DIM; i++) {
            double r = (double)x[i] - q[i] / 127.0;
            assert_true(fabs(r) <= 0.5 / 127 + 1e-7);
            r2 += r * r;
        }
        assert_true(code * EMB_RESID_UNIT >= sqrt(r2));
        assert_true(code * EMB_RESID_UNIT < sqrt(r2) + EMB_RESID_UNIT + 1e-12);
    }
    for (int i = 0; i < DEDUP_DESC_DIM; i++)
        x[i] = i % 2 ? 1.0001f : -1.0001f; /* the slack index.c allows */
    assert_true(idx__emb_quantise(x, q) <= 255);
    assert_int_equal(q[0], -127);
    assert_int_equal(q[1], 127);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dots_agree),
        cmocka_unit_test(test_quantise_and_residual),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
