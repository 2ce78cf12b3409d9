/*
 * desc.c - the 64-float descriptor of the item.
 *
 * Two jobs: the second signal of the duplicate rule (two different but
 * similar items - two coins, two gold hoops - can sit close in PDQ space,
 * where the sign bits of weak DCT coefficients are noisy, while the real
 * valued layout still differs), and "similar images" ranking by inner
 * product. Parts, each scaled on its own so their share of the inner
 * product is fixed, then the whole vector is L2-normalised:
 *
 *   L  49  7x7 grid of mean luma of the hashed 64x64 buffer (the item frame,
 *          stretched like the hash), mean removed, unit length: layout,
 *          invariant to brightness and contrast. For scenes and pasted
 *          photos the outer 4/64 of the frame is left out: that is where a
 *          slightly rotated copy shows its fill and where corner watermarks
 *          sit;
 *   C   8  2x2 grid of mean opponent chroma (R-G, (R+G)/2-B) of the item's
 *          pixels /64, weight W_C, absolute (not normalised): grey items
 *          have a short C, gold and silver differ;
 *   S   1  log aspect ratio of the item box / 2, weight W_S (the hash frame
 *          is stretched, this keeps what stretching throws away);
 *   -   6  reserved, zero.
 *
 * Grid size, inset and weights were chosen on the development set (see
 * docs/BENCHMARKS.md): finer grids separate the look-alike coins better
 * but follow a 2 degree rotation less; more colour weight hurt recall under
 * saturation and white-balance changes more than it helped separation.
 */
#include "dedup/dedup_int.h"

#include <math.h>
#include <string.h>

#define L_SIDE  7
#define L_DIMS  (L_SIDE * L_SIDE)
#define L_INSET 4 /* of 64: border left out for scenes and pasted photos */
#define C_SIDE  2
#define C_DIMS  (C_SIDE * C_SIDE * 2)
#define W_C     0.15f
#define W_S     0.15f
#define FG_TOL  16 /* an item pixel differs from the background by more (as trim.c) */

static void normalise(float *v, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += (double)v[i] * v[i];
    if (s <= 1e-12) {
        memset(v, 0, sizeof *v * (size_t)n);
        return;
    }
    s = 1.0 / sqrt(s);
    for (int i = 0; i < n; i++)
        v[i] = (float)(v[i] * s);
}

static void luma_grid(const float *b, int inset, float *out)
{
    const int span = DEDUP_PDQ_SIDE - 2 * inset;
    double mean = 0;
    for (int gy = 0; gy < L_SIDE; gy++)
        for (int gx = 0; gx < L_SIDE; gx++) {
            int y0 = inset + gy * span / L_SIDE, y1 = inset + (gy + 1) * span / L_SIDE;
            int x0 = inset + gx * span / L_SIDE, x1 = inset + (gx + 1) * span / L_SIDE;
            double s = 0;
            for (int y = y0; y < y1; y++)
                for (int x = x0; x < x1; x++)
                    s += b[y * DEDUP_PDQ_SIDE + x];
            out[gy * L_SIDE + gx] = (float)(s / ((y1 - y0) * (x1 - x0)));
            mean += out[gy * L_SIDE + gx];
        }
    mean /= L_DIMS;
    for (int i = 0; i < L_DIMS; i++)
        out[i] = (float)(out[i] - mean);
    normalise(out, L_DIMS);
}

static int is_item(const unsigned char *p, const struct dedup_box *box)
{
    if (!box->trimmed)
        return 1;
    for (int c = 0; c < 3; c++) {
        int d = p[c] - box->bg[c];
        if (d > FG_TOL || d < -FG_TOL)
            return 1;
    }
    return 0;
}

/* One grid cell's sums: the two opponent chroma channels and the pixel count. */
struct chroma_sum {
    double a, b, n;
};

/* Add the chroma of the item pixels of row[x0, x1) to one cell's sums.
 * Per pixel a = r - g and b = (r + g) / 2 - b are integers and halves, so
 * the run is summed in integers (a, and 2b) and added once: every partial
 * sum is exact in a double (far below 2^52), so the cell's sums are the
 * same bits as when each pixel is added to them in turn. */
static void chroma_run(const unsigned char *row, int x0, int x1, const struct dedup_box *box,
                       struct chroma_sum *sum)
{
    long long a = 0, b2 = 0, n = 0;
    if (!box->trimmed)
        for (int x = x0; x < x1; x++) {
            const unsigned char *p = row + (size_t)x * 3;
            a += p[0] - p[1];
            b2 += p[0] + p[1] - 2 * p[2];
        }
    else
        for (int x = x0; x < x1; x++) {
            const unsigned char *p = row + (size_t)x * 3;
            if (!is_item(p, box))
                continue;
            a += p[0] - p[1];
            b2 += p[0] + p[1] - 2 * p[2];
            n++;
        }
    sum->a += (double)a;
    sum->b += (double)b2 / 2;
    sum->n += (double)(box->trimmed ? n : (x1 > x0 ? x1 - x0 : 0));
}

/* Mean opponent chroma of the item's pixels in each cell of a 2x2 grid of
 * the box, /64, times W_C. A pixel x is in the left column when
 * (x - x0) * 2 / bw == 0, i.e. x - x0 < (bw + 1) / 2 (no division per pixel). */
_Static_assert(C_SIDE == 2, "chroma_grid splits each row into two columns");

static void chroma_grid(const unsigned char *rgb, int stride, const struct dedup_box *box,
                        float *out)
{
    struct chroma_sum sum[C_SIDE * C_SIDE] = {0};
    int bw = box->x1 - box->x0, bh = box->y1 - box->y0, xm = box->x0 + (bw + 1) / 2;
    for (int y = box->y0; y < box->y1; y++) {
        const unsigned char *row = rgb + (size_t)y * stride;
        int c = (y - box->y0) * C_SIDE / bh * C_SIDE;
        chroma_run(row, box->x0, xm, box, &sum[c]);
        chroma_run(row, xm, box->x1, box, &sum[c + 1]);
    }
    for (int i = 0; i < C_SIDE * C_SIDE; i++) {
        double k = sum[i].n > 0 ? W_C / (64.0 * sum[i].n) : 0;
        out[2 * i] = (float)(sum[i].a * k);
        out[2 * i + 1] = (float)(sum[i].b * k);
    }
}

void dedup__describe(const float luma64[DEDUP_PDQ_SIDE * DEDUP_PDQ_SIDE], const unsigned char *rgb,
                    int stride, const struct dedup_box *box, float desc[DEDUP_DESC_DIM])
{
    int scene = !box->trimmed || box->solid;
    double bw = box->x1 - box->x0, bh = box->y1 - box->y0;
    memset(desc, 0, sizeof(float) * DEDUP_DESC_DIM);
    luma_grid(luma64, scene ? L_INSET : 0, desc);
    chroma_grid(rgb, stride, box, desc + L_DIMS);
    desc[L_DIMS + C_DIMS] = (float)(log(bw / bh) / 2 * W_S);
    normalise(desc, DEDUP_DESC_DIM);
}

void dedup__describe_turned(const float luma64[DEDUP_PDQ_SIDE * DEDUP_PDQ_SIDE],
                           const struct dedup_box *box, const float canon[DEDUP_DESC_DIM],
                           float desc[DEDUP_DESC_DIM])
{
    int scene = !box->trimmed || box->solid;
    double k = 0;
    /* The canonical layout part is unit length times k (the whole vector's
     * normalisation), so a new unit layout times k keeps the proportions. */
    for (int i = 0; i < L_DIMS; i++)
        k += (double)canon[i] * canon[i];
    k = sqrt(k);
    luma_grid(luma64, scene ? L_INSET : 0, desc);
    for (int i = 0; i < L_DIMS; i++)
        desc[i] = (float)(desc[i] * k);
    memcpy(desc + L_DIMS, canon + L_DIMS, sizeof(float) * (DEDUP_DESC_DIM - L_DIMS));
}
