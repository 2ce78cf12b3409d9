/*
 * bgmodel.c - what the background of a product photo looks like, everywhere,
 * including behind the piece.
 *
 * Two layers:
 *   1. a smooth surface: per channel a quadratic in (u, v) in [-1, 1]^2,
 *      fitted by least squares to a frame of border pixels; samples the piece
 *      covers are rejected over a few rounds (threshold from the median
 *      residual). Its residuals on the border give the first noise figures
 *      and the "busy border" share used to refuse complex photos;
 *   2. a correction grid: once a first mask is known, the mean residual of
 *      the background pixels (the mask grown by a few pixels excluded) per
 *      coarse cell, cells under the piece filled in from their neighbours in
 *      waves, then smoothed. It follows what a quadratic cannot (a lamp's
 *      hot spot, a radial fall-off, large paper undulations); the noise
 *      figures are then measured again over all background pixels.
 * studio__bg_row() evaluates surface + bilinear correction for one row.
 * The correction grid itself is learnt in bggrid.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "studio/studio_int.h"

#define NB          6     /* basis terms: 1, u, v, u^2, v^2, uv */
#define MAX_SAMPLES 30000 /* samples for the fit and for the statistics */
#define GROW        3     /* pixels around the first mask left out of the grid */

struct sample {
    float u, v, c[3], r;
    unsigned char in;
};

static double norm_u(int x, int w)
{
    return w > 1 ? 2.0 * x / (w - 1) - 1.0 : 0.0;
}

static void basis(double u, double v, double b[NB])
{
    b[0] = 1;
    b[1] = u;
    b[2] = v;
    b[3] = u * u;
    b[4] = v * v;
    b[5] = u * v;
}

/* Solve the NB x NB system a x = b (Gaussian elimination with pivoting). */
static int solve(double a[NB][NB], double b[NB], double x[NB])
{
    for (int c = 0; c < NB; c++) {
        int p = c;
        for (int r = c + 1; r < NB; r++)
            if (fabs(a[r][c]) > fabs(a[p][c]))
                p = r;
        if (fabs(a[p][c]) < 1e-12)
            return -1;
        for (int k = 0; k < NB; k++) {
            double t = a[c][k];
            a[c][k] = a[p][k];
            a[p][k] = t;
        }
        double t = b[c];
        b[c] = b[p];
        b[p] = t;
        for (int r = c + 1; r < NB; r++) {
            double f = a[r][c] / a[c][c];
            for (int k = c; k < NB; k++)
                a[r][k] -= f * a[c][k];
            b[r] -= f * b[c];
        }
    }
    for (int c = NB - 1; c >= 0; c--) {
        double s = b[c];
        for (int k = c + 1; k < NB; k++)
            s -= a[c][k] * x[k];
        x[c] = s / a[c][c];
    }
    return 0;
}

static int fit_once(const struct sample *s, size_t ns, struct studio_bg *bg)
{
    double a[NB][NB] = {{0}}, rhs[3][NB] = {{0}}, b[NB];
    size_t used = 0;

    for (size_t i = 0; i < ns; i++) {
        if (!s[i].in)
            continue;
        basis(s[i].u, s[i].v, b);
        for (int r = 0; r < NB; r++) {
            for (int c = 0; c < NB; c++)
                a[r][c] += b[r] * b[c];
            for (int k = 0; k < 3; k++)
                rhs[k][r] += b[r] * s[i].c[k];
        }
        used++;
    }
    if (used < NB * 4)
        return -1;
    for (int r = 0; r < NB; r++)
        a[r][r] += 1e-6 * (double)used;
    for (int k = 0; k < 3; k++) {
        double aa[NB][NB];
        memcpy(aa, a, sizeof aa);
        if (solve(aa, rhs[k], bg->coef[k]))
            return -1;
    }
    return 0;
}

static void surface_at(const struct studio_bg *bg, double u, double v, double out[3])
{
    double b[NB];
    basis(u, v, b);
    for (int k = 0; k < 3; k++) {
        double s = 0;
        for (int t = 0; t < NB; t++)
            s += bg->coef[k][t] * b[t];
        out[k] = s;
    }
}

void studio__bg_surface(const struct studio_bg *bg, double x, double y, float out[3])
{
    double m[3];
    surface_at(bg, bg->w > 1 ? 2.0 * x / (bg->w - 1) - 1.0 : 0.0,
               bg->h > 1 ? 2.0 * y / (bg->h - 1) - 1.0 : 0.0, m);
    for (int k = 0; k < 3; k++)
        out[k] = (float)m[k];
}

#define HBINS 2048 /* residual histogram: 1/4 level per bin up to 512 */

/* Percentile q (0..1) of the residuals of samples with in == 1. */
static double percentile(const struct sample *s, size_t ns, unsigned *hist, double q)
{
    size_t k = 0, want, acc = 0;
    memset(hist, 0, sizeof *hist * HBINS);
    for (size_t i = 0; i < ns; i++)
        if (s[i].in) {
            int b = (int)(s[i].r * 4);
            hist[b < HBINS ? b : HBINS - 1]++;
            k++;
        }
    if (!k)
        return 0;
    want = (size_t)(q * (double)(k - 1)) + 1;
    for (int b = 0; b < HBINS; b++) {
        acc += hist[b];
        if (acc >= want)
            return (b + 0.5) / 4.0;
    }
    return HBINS / 4.0;
}

static void put_sample(const struct image_px *px, int x, int y, struct sample *s)
{
    const unsigned char *p = px->data + ((size_t)y * px->width + x) * px->bands;
    *s = (struct sample){
        .u = (float)norm_u(x, px->width), .v = (float)norm_u(y, px->height), .in = 1};
    for (int c = 0; c < 3; c++)
        s->c[c] = p[c];
}

static size_t collect_border(const struct image_px *px, struct sample *s)
{
    int w = px->width, h = px->height, bw = (w < h ? w : h) / 50;
    size_t frame, step, k = 0, count = 0;

    if (bw < 2)
        bw = 2;
    frame = (size_t)2 * bw * w + (size_t)2 * bw * (h - 2 * bw);
    step = frame / MAX_SAMPLES + 1;
    for (int y = 0; y < h; y++) {
        int edge_row = y < bw || y >= h - bw;
        for (int x = 0; x < w; x++) {
            if (!edge_row && x == bw)
                x = w - bw; /* jump over the interior */
            if (count++ % step == 0)
                put_sample(px, x, y, &s[k++]);
        }
    }
    return k;
}

static void residuals(const struct studio_bg *bg, struct sample *s, size_t ns)
{
    for (size_t i = 0; i < ns; i++) {
        double m[3], d = 0;
        surface_at(bg, s[i].u, s[i].v, m);
        for (int c = 0; c < 3; c++)
            d += (s[i].c[c] - m[c]) * (s[i].c[c] - m[c]);
        s[i].r = (float)sqrt(d);
    }
}

static void set_thresholds(struct studio_bg *bg)
{
    bg->lo = fmax(8.0, 1.3 * bg->p99 + 2.0);
    bg->hi = fmax(20.0, 2.2 * bg->lo);
}

enum kr_code studio__bg_fit_border(const struct image_px *px, struct studio_bg *bg,
                                  struct kr_err *err)
{
    struct sample *s = malloc(sizeof *s * (MAX_SAMPLES + 64));
    unsigned *tmp = malloc(sizeof *tmp * HBINS);
    size_t ns, busy = 0;
    enum kr_code rc = KR_OK;

    memset(bg, 0, sizeof *bg);
    bg->w = px->width;
    bg->h = px->height;
    if (!s || !tmp) {
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
        goto out;
    }
    ns = collect_border(px, s);
    for (int it = 0; it < 5; it++) {
        if (fit_once(s, ns, bg)) {
            rc = kr_fail(err, KRS_NO_BACKGROUND, "the photo has no usable border");
            goto out;
        }
        residuals(bg, s, ns);
        double thr = 3.5 * percentile(s, ns, tmp, 0.5) + 6;
        for (size_t i = 0; i < ns; i++)
            s[i].in = s[i].r < thr;
    }
    bg->p90 = percentile(s, ns, tmp, 0.90);
    bg->p99 = percentile(s, ns, tmp, 0.99);
    set_thresholds(bg);
    for (size_t i = 0; i < ns; i++)
        busy += s[i].r >= bg->hi;
    bg->busy = ns ? (double)busy / (double)ns : 1.0;
    bg->border_p90 = bg->p90;
out:
    free(s);
    free(tmp);
    return rc;
}

/* Grow a byte mask by r pixels (square), separably with running counts. */
static void grow(const unsigned char *in, unsigned char *out, unsigned char *tmp, int w, int h,
                 int r)
{
    for (int y = 0; y < h; y++) {
        const unsigned char *row = in + (size_t)y * w;
        int run = 0;
        for (int x = 0; x < w + r; x++) {
            if (x < w)
                run += row[x] != 0;
            if (x - 2 * r - 1 >= 0)
                run -= row[x - 2 * r - 1] != 0;
            if (x - r >= 0)
                tmp[(size_t)y * w + x - r] = run > 0;
        }
    }
    for (int x = 0; x < w; x++) {
        int run = 0;
        for (int y = 0; y < h + r; y++) {
            if (y < h)
                run += tmp[(size_t)y * w + x];
            if (y - 2 * r - 1 >= 0)
                run -= tmp[(size_t)(y - 2 * r - 1) * w + x];
            if (y - r >= 0)
                out[(size_t)(y - r) * w + x] = run > 0;
        }
    }
}

/* Cells without background samples take the mean of filled neighbours, in waves. */
void studio__bg_row(const struct studio_bg *bg, int y, float *out)
{
    double v = norm_u(y, bg->h), a[3], b[3], c[3];
    const struct studio_bg *f = bg;
    for (int k = 0; k < 3; k++) { /* surface = a + b*u + c*u^2 along the row */
        a[k] = f->coef[k][0] + f->coef[k][2] * v + f->coef[k][4] * v * v;
        b[k] = f->coef[k][1] + f->coef[k][5] * v;
        c[k] = f->coef[k][3];
    }
    for (int x = 0; x < bg->w; x++) {
        double u = norm_u(x, bg->w);
        for (int k = 0; k < 3; k++)
            out[x * 3 + k] = (float)(a[k] + b[k] * u + c[k] * u * u);
    }
    if (!bg->corr)
        return;
    /* bilinear between cell centres: first along y into one grid row, then x */
    float gr[STUDIO_BG_GRID_MAX * 3];
    double gy = (y + 0.5) / bg->cell - 0.5;
    int y0 = (int)floor(gy), y1 = y0 + 1;
    float fy = (float)(gy - y0);
    y0 = y0 < 0 ? 0 : y0 >= bg->gh ? bg->gh - 1 : y0;
    y1 = y1 < 0 ? 0 : y1 >= bg->gh ? bg->gh - 1 : y1;
    for (int i = 0; i < bg->gw * 3; i++)
        gr[i] = bg->corr[y0 * bg->gw * 3 + i] * (1 - fy) + bg->corr[y1 * bg->gw * 3 + i] * fy;
    for (int x = 0; x < bg->w; x++) {
        int x0 = bg->gx0[x], x1 = x0 + 1 < bg->gw ? x0 + 1 : x0;
        float fx = bg->gfx[x];
        for (int k = 0; k < 3; k++)
            out[x * 3 + k] += gr[x0 * 3 + k] * (1 - fx) + gr[x1 * 3 + k] * fx;
    }
}

/* Column -> left grid cell and weight, once per model. */
static void restat(const struct image_px *px, const unsigned char *near, struct studio_bg *bg,
                   float *row, struct sample *s, unsigned *tmp)
{
    size_t total = (size_t)bg->w * bg->h, step = total / MAX_SAMPLES + 1, k = 0;
    for (int y = 0; y < bg->h; y++) {
        const unsigned char *p = px->data + (size_t)y * bg->w * px->bands;
        int any = 0;
        for (int x = (int)(((size_t)y * bg->w) % step); x < bg->w && k < MAX_SAMPLES;
             x += (int)step) {
            double d = 0;
            if (near[(size_t)y * bg->w + x])
                continue;
            if (!any++)
                studio__bg_row(bg, y, row);
            for (int c = 0; c < 3; c++)
                d += (p[x * px->bands + c] - row[x * 3 + c]) *
                     (p[x * px->bands + c] - row[x * 3 + c]);
            s[k++] = (struct sample){.r = (float)sqrt(d), .in = 1};
        }
    }
    if (k < 200)
        return; /* too little background to say more than the border did */
    bg->p90 = percentile(s, k, tmp, 0.90);
    bg->p99 = percentile(s, k, tmp, 0.99);
    set_thresholds(bg);
}

enum kr_code studio__bg_restat(const struct image_px *px, const unsigned char *fg,
                              struct studio_bg *bg, struct kr_err *err)
{
    size_t n = (size_t)bg->w * bg->h;
    unsigned char *near = malloc(n), *tmp = malloc(n);
    float *row = malloc(sizeof *row * (size_t)bg->w * 3);
    unsigned *hist = malloc(sizeof *hist * HBINS);
    struct sample *s = malloc(sizeof *s * (MAX_SAMPLES + 64));
    enum kr_code rc = KR_OK;

    if (!near || !tmp || !row || !hist || !s) {
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    } else {
        grow(fg, near, tmp, bg->w, bg->h, GROW);
        restat(px, near, bg, row, s, hist);
    }
    free(near);
    free(tmp);
    free(row);
    free(hist);
    free(s);
    return rc;
}

void studio__bg_release(struct studio_bg *bg)
{
    free(bg->corr);
    free(bg->gx0);
    free(bg->gfx);
    bg->corr = NULL;
    bg->gx0 = NULL;
    bg->gfx = NULL;
}
