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
 * studio_bg_row() evaluates surface + bilinear correction for one row.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "studio/internal.h"

#define NB          6     /* basis terms: 1, u, v, u^2, v^2, uv */
#define MAX_SAMPLES 30000 /* samples for the fit and for the statistics */
#define GROW        3     /* pixels around the first mask left out of the grid */
#define GRID_MAX    80    /* cells per side at most (cell = longest side / 64, >= 4) */

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

enum kr_code studio_bg_fit_border(const struct image_px *px, struct studio_bg *bg,
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
        rc = kr_fail(err, KR_ENOMEM, "out_of_memory", "out of memory");
        goto out;
    }
    ns = collect_border(px, s);
    for (int it = 0; it < 5; it++) {
        if (fit_once(s, ns, bg)) {
            rc = kr_fail(err, KR_EINVAL, "no_background", "the photo has no usable border");
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
static void fill_grid(float *g, float *cnt, int gw, int gh)
{
    float *next = malloc(sizeof *next * (size_t)gw * gh);
    int empty = 1;
    if (!next)
        return;
    for (int wave = 0; empty && wave < gw + gh; wave++) {
        empty = 0;
        memcpy(next, cnt, sizeof *next * (size_t)gw * gh);
        for (int y = 0; y < gh; y++)
            for (int x = 0; x < gw; x++) {
                float s[3] = {0}, n = 0;
                if (cnt[y * gw + x] > 0)
                    continue;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        int nx = x + dx, ny = y + dy;
                        if (nx < 0 || ny < 0 || nx >= gw || ny >= gh || cnt[ny * gw + nx] <= 0)
                            continue;
                        for (int k = 0; k < 3; k++)
                            s[k] += g[(ny * gw + nx) * 3 + k];
                        n++;
                    }
                if (n > 0) {
                    for (int k = 0; k < 3; k++)
                        g[(y * gw + x) * 3 + k] = s[k] / n;
                    next[y * gw + x] = -1; /* filled this wave; usable from the next */
                } else {
                    empty = 1;
                }
            }
        for (int i = 0; i < gw * gh; i++)
            cnt[i] = next[i] != 0 ? 1.0f : 0.0f;
    }
    free(next);
}

static void smooth_grid(float *g, int gw, int gh)
{
    float *t = malloc(sizeof *t * (size_t)gw * gh * 3);
    if (!t)
        return;
    memcpy(t, g, sizeof *t * (size_t)gw * gh * 3);
    for (int y = 0; y < gh; y++)
        for (int x = 0; x < gw; x++)
            for (int k = 0; k < 3; k++) {
                float s = 0, n = 0;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        int nx = x + dx, ny = y + dy;
                        if (nx < 0 || ny < 0 || nx >= gw || ny >= gh)
                            continue;
                        s += t[(ny * gw + nx) * 3 + k];
                        n++;
                    }
                g[(y * gw + x) * 3 + k] = s / n;
            }
    free(t);
}

void studio_bg_row(const struct studio_bg *bg, int y, float *out)
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
    float gr[GRID_MAX * 3];
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
static enum kr_code x_tables(struct studio_bg *bg, struct kr_err *err)
{
    bg->gx0 = malloc(sizeof *bg->gx0 * (size_t)bg->w);
    bg->gfx = malloc(sizeof *bg->gfx * (size_t)bg->w);
    if (!bg->gx0 || !bg->gfx)
        return kr_fail(err, KR_ENOMEM, "out_of_memory", "out of memory");
    for (int x = 0; x < bg->w; x++) {
        double gx = (x + 0.5) / bg->cell - 0.5;
        int x0 = (int)floor(gx);
        float fx = (float)(gx - x0);
        if (x0 < 0) {
            x0 = 0;
            fx = 0;
        }
        if (x0 >= bg->gw - 1) {
            x0 = bg->gw - 1;
            fx = 0;
        }
        bg->gx0[x] = x0;
        bg->gfx[x] = fx;
    }
    return KR_OK;
}

/* Colour of the background in cell (cx, cy). The cell's per-channel median
 * must lie within `tol` of the prediction (so a cell the piece mostly covers
 * is refused, and a pale piece cannot drag the estimate along cell by cell);
 * the estimate is then the mean of the pixels within `near` of the median.
 * Returns 1 when the cell was accepted. */
static int cell_estimate(const struct image_px *px, const struct studio_bg *bg, int cx, int cy,
                         const float pred[3], double tol, double near, float out[3])
{
    int x0 = cx * bg->cell, y0 = cy * bg->cell;
    int x1 = x0 + bg->cell < bg->w ? x0 + bg->cell : bg->w;
    int y1 = y0 + bg->cell < bg->h ? y0 + bg->cell : bg->h;
    unsigned hist[3][256];
    double sum[3] = {0}, n2 = near * near, dist = 0;
    float med[3];
    size_t acc = 0, all = (size_t)(x1 - x0) * (y1 - y0);

    memset(hist, 0, sizeof hist);
    for (int y = y0; y < y1; y++) {
        const unsigned char *p = px->data + ((size_t)y * bg->w + x0) * px->bands;
        for (int x = x0; x < x1; x++, p += px->bands)
            for (int k = 0; k < 3; k++)
                hist[k][p[k]]++;
    }
    for (int k = 0; k < 3; k++) {
        size_t c = 0;
        int v = 0;
        while (v < 255 && (c += hist[k][v]) * 2 < all)
            v++;
        med[k] = (float)v;
        dist += (med[k] - pred[k]) * (med[k] - pred[k]);
    }
    if (!all || dist >= tol * tol)
        return 0;
    for (int y = y0; y < y1; y++) {
        const unsigned char *p = px->data + ((size_t)y * bg->w + x0) * px->bands;
        for (int x = x0; x < x1; x++, p += px->bands) {
            float e0 = p[0] - med[0], e1 = p[1] - med[1], e2 = p[2] - med[2];
            if (e0 * e0 + e1 * e1 + e2 * e2 >= n2)
                continue;
            for (int k = 0; k < 3; k++)
                sum[k] += p[k];
            acc++;
        }
    }
    for (int k = 0; k < 3; k++)
        out[k] = acc ? (float)(sum[k] / (double)acc) : med[k];
    return 1;
}

static void surface_cell(const struct studio_bg *bg, int cx, int cy, float out[3])
{
    double m[3];
    double xc = fmin(bg->w - 1, (cx + 0.5) * bg->cell), yc = fmin(bg->h - 1, (cy + 0.5) * bg->cell);
    surface_at(bg, norm_u((int)xc, bg->w), norm_u((int)yc, bg->h), m);
    for (int k = 0; k < 3; k++)
        out[k] = (float)m[k];
}

enum { CELL_UNKNOWN = 0, CELL_KNOWN = 1, CELL_NEW = 2, CELL_PIECE = 8 };

/* Prediction for a cell from its known neighbours' corrections. */
static int predict(const struct studio_bg *bg, const unsigned char *st, int cx, int cy,
                   float pred[3])
{
    float s[3] = {0}, sc[3];
    int n = 0;
    for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) {
            int nx = cx + dx, ny = cy + dy;
            if (nx < 0 || ny < 0 || nx >= bg->gw || ny >= bg->gh ||
                st[ny * bg->gw + nx] != CELL_KNOWN)
                continue;
            for (int k = 0; k < 3; k++)
                s[k] += bg->corr[(ny * bg->gw + nx) * 3 + k];
            n++;
        }
    if (!n)
        return 0;
    surface_cell(bg, cx, cy, sc);
    for (int k = 0; k < 3; k++)
        pred[k] = sc[k] + s[k] / (float)n;
    return n;
}

/* Learn cell colours from the border inwards: a cell joins when enough of its
 * pixels agree with what its known neighbours predict. Cells the piece fills
 * never agree; they are filled from around afterwards. */
static void grow_cells(const struct image_px *px, struct studio_bg *bg, unsigned char *st,
                       float *cnt)
{
    double tol = fmax(6.0, 0.5 * bg->lo);
    int gw = bg->gw, gh = bg->gh, progress = 1;

    for (int cy = 0; cy < gh; cy++)
        for (int cx = 0; cx < gw; cx++) {
            float pred[3], est[3];
            if (cx && cy && cx < gw - 1 && cy < gh - 1)
                continue;
            surface_cell(bg, cx, cy, pred);
            if (cell_estimate(px, bg, cx, cy, pred, bg->hi, bg->lo, est)) {
                for (int k = 0; k < 3; k++)
                    bg->corr[(cy * gw + cx) * 3 + k] = est[k] - pred[k];
                st[cy * gw + cx] = CELL_KNOWN;
            }
        }
    while (progress) {
        progress = 0;
        for (int cy = 0; cy < gh; cy++)
            for (int cx = 0; cx < gw; cx++) {
                unsigned char *c = &st[cy * gw + cx];
                float pred[3], est[3], sc[3];
                if (*c == CELL_KNOWN || *c == CELL_NEW || *c >= CELL_PIECE + 3 ||
                    !predict(bg, st, cx, cy, pred))
                    continue;
                if (!cell_estimate(px, bg, cx, cy, pred, tol, bg->lo, est)) {
                    *c = *c < CELL_PIECE ? CELL_PIECE : *c + 1; /* at most three tries */
                    continue;
                }
                surface_cell(bg, cx, cy, sc);
                for (int k = 0; k < 3; k++)
                    bg->corr[(cy * gw + cx) * 3 + k] = est[k] - sc[k];
                *c = CELL_NEW;
                progress = 1;
            }
        for (int i = 0; i < gw * gh; i++)
            st[i] = st[i] == CELL_NEW ? CELL_KNOWN : st[i];
    }
    for (int i = 0; i < gw * gh; i++)
        cnt[i] = st[i] == CELL_KNOWN ? 1.0f : 0.0f;
}

/* Residual percentiles over background pixels with the full model. */
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
                studio_bg_row(bg, y, row);
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

enum kr_code studio_bg_grow(const struct image_px *px, struct studio_bg *bg, struct kr_err *err)
{
    int longest = bg->w > bg->h ? bg->w : bg->h;
    float *cnt;
    unsigned char *st;
    enum kr_code rc;

    studio_bg_release(bg);
    bg->cell = longest / 64 > 4 ? longest / 64 : 4;
    bg->gw = (bg->w + bg->cell - 1) / bg->cell;
    bg->gh = (bg->h + bg->cell - 1) / bg->cell;
    if (bg->gw > GRID_MAX || bg->gh > GRID_MAX)
        bg->cell = (longest + GRID_MAX - 1) / GRID_MAX + 1;
    bg->gw = (bg->w + bg->cell - 1) / bg->cell;
    bg->gh = (bg->h + bg->cell - 1) / bg->cell;
    rc = x_tables(bg, err);
    if (rc)
        return rc;
    cnt = calloc((size_t)bg->gw * bg->gh, sizeof *cnt);
    st = calloc((size_t)bg->gw * bg->gh, 1);
    bg->corr = calloc((size_t)bg->gw * bg->gh * 3, sizeof *bg->corr);
    if (!cnt || !st || !bg->corr) {
        free(cnt);
        free(st);
        return kr_fail(err, KR_ENOMEM, "out_of_memory", "out of memory");
    }
    grow_cells(px, bg, st, cnt);
    fill_grid(bg->corr, cnt, bg->gw, bg->gh);
    smooth_grid(bg->corr, bg->gw, bg->gh);
    free(cnt);
    free(st);
    return KR_OK;
}

enum kr_code studio_bg_restat(const struct image_px *px, const unsigned char *fg,
                              struct studio_bg *bg, struct kr_err *err)
{
    size_t n = (size_t)bg->w * bg->h;
    unsigned char *near = malloc(n), *tmp = malloc(n);
    float *row = malloc(sizeof *row * (size_t)bg->w * 3);
    unsigned *hist = malloc(sizeof *hist * HBINS);
    struct sample *s = malloc(sizeof *s * (MAX_SAMPLES + 64));
    enum kr_code rc = KR_OK;

    if (!near || !tmp || !row || !hist || !s) {
        rc = kr_fail(err, KR_ENOMEM, "out_of_memory", "out of memory");
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

void studio_bg_release(struct studio_bg *bg)
{
    free(bg->corr);
    free(bg->gx0);
    free(bg->gfx);
    bg->corr = NULL;
    bg->gx0 = NULL;
    bg->gfx = NULL;
}
