/*
 * pdq.c - the PDQ hash math, written from the published description of
 * Meta's reference implementation (the PDQ hashing paper and its README).
 *
 * Input is a float luma plane (Y = 0.299 R + 0.587 G + 0.114 B) of the
 * trimmed item at whatever size it was decoded; dedup.c builds it. Steps:
 *   1. two X,Y passes of 1-D box filters (Jarosz), window ceil(dim / 128),
 *      windows shrink at the edges exactly as the reference's four phases;
 *   2. decimate to 64x64 by sampling cell centres;
 *   3. quality = sum of |(int)(diff * 100 / 255)| over neighbour pairs / 90;
 *   4. DCT rows/columns 1..16 (DC skipped) with
 *      D[i][j] = sqrt(2/64) cos(pi/128 (i+1)(2j+1));
 *   5. bit = coefficient > median of the 256 (lower median, as Torben's).
 * Differences from the reference are upstream of this file: no 512x512
 * nearest-neighbour pre-resize (our input comes from JPEG DCT shrink-on-load
 * and is already <= 512), and the input is the trimmed item, stretched to the
 * square like PDQ stretches any image.
 */
#include "dedup/dedup_int.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define N DEDUP_PDQ_SIDE

static float dct_matrix[16][N];
static pthread_once_t dct_once = PTHREAD_ONCE_INIT;

static void dct_init(void)
{
    const double scale = sqrt(2.0 / N);
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < N; j++)
            dct_matrix[i][j] = (float)(scale * cos((M_PI / 2 / N) * (i + 1) * (2 * j + 1)));
}

void dedup__dct64to16(const float in[N * N], float out[16 * 16])
{
    float tmp[16][N];
    pthread_once(&dct_once, dct_init);
    /* tmp = D * A (16 x 64) */
    for (int i = 0; i < 16; i++) {
        for (int k = 0; k < N; k++)
            tmp[i][k] = 0;
        for (int j = 0; j < N; j++) {
            const float d = dct_matrix[i][j];
            const float *row = in + j * N;
            for (int k = 0; k < N; k++)
                tmp[i][k] += d * row[k];
        }
    }
    /* out = tmp * D^T (16 x 16) */
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++) {
            float s = 0;
            for (int k = 0; k < N; k++)
                s += tmp[i][k] * dct_matrix[j][k];
            out[i * 16 + j] = s;
        }
}

/* One 1-D box filter over `len` consecutive samples; the window is centred
 * and shrinks at both ends (reference phases 1-4). */
static void box1d(const float *in, float *out, int len, int window)
{
    int half = (window + 2) / 2;
    int n1 = half - 1, n2 = window - half + 1, n3 = len - window, n4 = half - 1;
    int li = 0, ri = 0, oi = 0, cur = 0;
    float sum = 0;

    for (int i = 0; i < n1; i++, ri++, cur++)
        sum += in[ri];
    for (int i = 0; i < n2; i++, ri++, oi++) {
        sum += in[ri];
        cur++;
        out[oi] = sum / cur;
    }
    for (int i = 0; i < n3; i++, li++, ri++, oi++) {
        sum += in[ri];
        sum -= in[li];
        out[oi] = sum / cur;
    }
    for (int i = 0; i < n4; i++, li++, oi++) {
        sum -= in[li];
        cur--;
        out[oi] = sum / cur;
    }
}

static int jarosz_window(int old_dim, int new_dim)
{
    return (old_dim + 2 * new_dim - 1) / (2 * new_dim);
}

/* out[j] = in[j] / count for a row of n floats (the box means). */
static void row_scaled(const float *in, float *out, int n, float count)
{
    for (int j = 0; j < n; j++)
        out[j] = in[j] / count;
}

/* box1d() down every column at once: `sum` runs along the rows for all
 * columns together (cache-friendly, vectorisable) with exactly the same
 * additions in the same order per column, so the result is identical. */
static void box_cols(const float *in, float *out, float *sum, int rows, int cols, int window)
{
    int half = (window + 2) / 2;
    int n1 = half - 1, n2 = window - half + 1, n3 = rows - window, n4 = half - 1;
    int li = 0, ri = 0, oi = 0, cur = 0;

    memset(sum, 0, sizeof *sum * (size_t)cols);
    for (int i = 0; i < n1; i++, ri++, cur++)
        for (int j = 0; j < cols; j++)
            sum[j] += in[(size_t)ri * cols + j];
    for (int i = 0; i < n2; i++, ri++, oi++) {
        for (int j = 0; j < cols; j++)
            sum[j] += in[(size_t)ri * cols + j];
        row_scaled(sum, out + (size_t)oi * cols, cols, (float)++cur);
    }
    for (int i = 0; i < n3; i++, li++, ri++, oi++) {
        for (int j = 0; j < cols; j++) {
            sum[j] += in[(size_t)ri * cols + j];
            sum[j] -= in[(size_t)li * cols + j];
        }
        row_scaled(sum, out + (size_t)oi * cols, cols, (float)cur);
    }
    for (int i = 0; i < n4; i++, li++, oi++) {
        for (int j = 0; j < cols; j++)
            sum[j] -= in[(size_t)li * cols + j];
        row_scaled(sum, out + (size_t)oi * cols, cols, (float)--cur);
    }
}

void dedup__pdq_downscale(float *plane, float *work, int rows, int cols, float out[N * N])
{
    if (rows != N || cols != N) {
        int wr = jarosz_window(cols, N), wc = jarosz_window(rows, N);
        float *sum = work + (size_t)rows * cols;
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < rows; i++)
                box1d(plane + (size_t)i * cols, work + (size_t)i * cols, cols, wr);
            box_cols(work, plane, sum, rows, cols, wc);
        }
    }
    for (int oi = 0; oi < N; oi++) {
        int ii = (int)(((oi + 0.5) * rows) / N);
        for (int oj = 0; oj < N; oj++) {
            int jj = (int)(((oj + 0.5) * cols) / N);
            out[oi * N + oj] = plane[(size_t)ii * cols + jj];
        }
    }
}

int dedup__pdq_quality(const float b[N * N])
{
    int sum = 0, q;
    for (int i = 0; i < N - 1; i++)
        for (int j = 0; j < N; j++)
            sum += abs((int)(((b[i * N + j] - b[(i + 1) * N + j]) * 100.0f) / 255.0f));
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N - 1; j++)
            sum += abs((int)(((b[i * N + j] - b[i * N + j + 1]) * 100.0f) / 255.0f));
    q = sum / 90;
    return q > 100 ? 100 : q;
}

/* k-th smallest (0-based) of n floats; `v` is reordered. */
static float select_kth(float *v, int n, int k)
{
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        float pivot = v[(lo + hi) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                float t = v[i];
                v[i++] = v[j];
                v[j--] = t;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return v[k];
}

void dedup__pdq_bits(const float coef[16 * 16], uint8_t hash[DEDUP_HASH_BYTES])
{
    float tmp[256];
    float median;
    memcpy(tmp, coef, sizeof tmp);
    median = select_kth(tmp, 256, 127);
    memset(hash, 0, DEDUP_HASH_BYTES);
    /* PDQ bit k = i*16 + j sits in 16-bit word i at bit j; the hex string
     * prints word 15 first, high byte first. */
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++)
            if (coef[i * 16 + j] > median)
                hash[2 * (15 - i) + (j < 8 ? 1 : 0)] |= (uint8_t)(1u << (j & 7));
}

void dedup__pdq_hash64(const float buf[N * N], uint8_t hash[DEDUP_HASH_BYTES], int *quality)
{
    float coef[16 * 16];
    dedup__dct64to16(buf, coef);
    dedup__pdq_bits(coef, hash);
    if (quality)
        *quality = dedup__pdq_quality(buf);
}
