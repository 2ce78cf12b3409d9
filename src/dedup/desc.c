/*
 * desc.c - the 64-float descriptor of the trimmed item.
 *
 * Two jobs: the second signal of the duplicate rule (two different but
 * similar items - two coins, two gold hoops - can sit close in PDQ space,
 * but differ in layout, colour or shape), and "similar images" ranking by
 * inner product. Parts, each normalised on its own and then weighted so
 * their contributions to the inner product are fixed:
 *
 *   L  36  6x6 grid of mean luma over the item box (stretched like the hash),
 *          mean removed, unit length: layout, brightness/contrast invariant;
 *   C  18  3x3 grid of mean opponent chroma (R-G, (R+G)/2-B) of item pixels,
 *          on an absolute scale: grey items have a short C, gold and silver
 *          differ;
 *   S  10  shape and colour statistics: log aspect of the box, fill ratio,
 *          item chroma mean/spread, luma spread (nothing that depends on
 *          where the item sits or how large it is on the canvas: re-framed
 *          copies must score the same).
 *
 * The whole vector is L2-normalised, so an inner product is a weighted mix
 * of the part similarities.
 */
#include "dedup/dedup_internal.h"

#include <math.h>
#include <string.h>

#define L_SIDE 6
#define C_SIDE 3
#define L_DIMS (L_SIDE * L_SIDE)
#define C_DIMS (C_SIDE * C_SIDE * 2)
#define S_DIMS (DEDUP_DESC_DIM - L_DIMS - C_DIMS)

#define W_L    1.0f
#define W_C    0.6f
#define W_S    0.4f
#define FG_TOL 28

static void normalise(float *v, int n, float weight)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += (double)v[i] * v[i];
    if (s <= 1e-12) {
        memset(v, 0, sizeof *v * (size_t)n);
        return;
    }
    s = weight / sqrt(s);
    for (int i = 0; i < n; i++)
        v[i] = (float)(v[i] * s);
}

static void luma_grid(const float *b, float *out)
{
    double mean = 0;
    for (int gy = 0; gy < L_SIDE; gy++)
        for (int gx = 0; gx < L_SIDE; gx++) {
            int y0 = gy * DEDUP_PDQ_SIDE / L_SIDE, y1 = (gy + 1) * DEDUP_PDQ_SIDE / L_SIDE;
            int x0 = gx * DEDUP_PDQ_SIDE / L_SIDE, x1 = (gx + 1) * DEDUP_PDQ_SIDE / L_SIDE;
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
    normalise(out, L_DIMS, W_L);
}

struct colour_acc {
    double a[C_SIDE * C_SIDE], b[C_SIDE * C_SIDE], n[C_SIDE * C_SIDE];
    double sa, sb, saa, sbb, sy, syy, count;
};

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

static void colour_scan(const unsigned char *rgb, int stride, const struct dedup_box *box,
                        struct colour_acc *acc)
{
    int bw = box->x1 - box->x0, bh = box->y1 - box->y0;
    memset(acc, 0, sizeof *acc);
    for (int y = box->y0; y < box->y1; y++) {
        const unsigned char *row = rgb + (size_t)y * stride;
        int cy = (y - box->y0) * C_SIDE / bh;
        for (int x = box->x0; x < box->x1; x++) {
            const unsigned char *p = row + (size_t)x * 3;
            int cell = cy * C_SIDE + (x - box->x0) * C_SIDE / bw;
            double a, b, l;
            if (!is_item(p, box))
                continue;
            a = (double)p[0] - p[1];
            b = ((double)p[0] + p[1]) / 2 - p[2];
            l = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
            acc->a[cell] += a;
            acc->b[cell] += b;
            acc->n[cell] += 1;
            acc->sa += a;
            acc->sb += b;
            acc->saa += a * a;
            acc->sbb += b * b;
            acc->sy += l;
            acc->syy += l * l;
            acc->count += 1;
        }
    }
}

static void colour_parts(const struct colour_acc *acc, const struct dedup_box *box, float *c,
                         float *s)
{
    double n = acc->count > 0 ? acc->count : 1;
    double ma = acc->sa / n, mb = acc->sb / n, my = acc->sy / n;
    double va = acc->saa / n - ma * ma, vb = acc->sbb / n - mb * mb, vy = acc->syy / n - my * my;
    double bw = box->x1 - box->x0, bh = box->y1 - box->y0;

    for (int i = 0; i < C_SIDE * C_SIDE; i++) {
        double k = acc->n[i] > 0 ? 1.0 / acc->n[i] : 0;
        c[2 * i] = (float)(acc->a[i] * k / 64.0);
        c[2 * i + 1] = (float)(acc->b[i] * k / 64.0);
    }
    for (int i = 0; i < C_DIMS; i++)
        c[i] *= W_C;
    memset(s, 0, sizeof *s * S_DIMS);
    s[0] = (float)(log(bw / bh) / 2);
    s[1] = (float)(acc->count / (bw * bh));
    s[2] = (float)(ma / 64.0);
    s[3] = (float)(mb / 64.0);
    s[4] = (float)(sqrt(va > 0 ? va : 0) / 64.0);
    s[5] = (float)(sqrt(vb > 0 ? vb : 0) / 64.0);
    s[6] = (float)(sqrt(vy > 0 ? vy : 0) / 64.0);
    for (int i = 0; i < S_DIMS; i++)
        s[i] *= W_S;
}

void dedup_describe(const float luma64[DEDUP_PDQ_SIDE * DEDUP_PDQ_SIDE], const unsigned char *rgb,
                    int w, int h, int stride, const struct dedup_box *box,
                    float desc[DEDUP_DESC_DIM])
{
    struct colour_acc acc;
    luma_grid(luma64, desc);
    colour_scan(rgb, stride, box, &acc);
    (void)w;
    (void)h;
    colour_parts(&acc, box, desc + L_DIMS, desc + L_DIMS + C_DIMS);
    normalise(desc, DEDUP_DESC_DIM, 1.0f);
}
