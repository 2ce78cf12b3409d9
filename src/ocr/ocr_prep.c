/*
 * ocr_prep.c - a bill photo's grey plane made ready for tesseract.
 *
 * Steps, in order, on the grey plane decoded by image/:
 *  1. small images are doubled (tesseract reads best at ~20 px x-height);
 *  2. uneven light is flattened: the page background is estimated as the
 *     brightest value per 32 px block (smoothed, interpolated) and every
 *     pixel divided by it, then the histogram is stretched;
 *     print whose darkest tenth stays grey (blurred, out of focus) gets an
 *     unsharp mask, after step 3;
 *  3. deskew: the angle in [-5, 5] degrees whose horizontal projection of
 *     dark pixels is sharpest (sum of squared bin counts; ocr_persp.c) is undone; a
 *     photo taken at a slant (more than a rotation) is warped back to a
 *     rectangle instead (ocr_persp.c), unless its print is soft (blurred
 *     text shows spurious leans);
 *  4. ruling lines found, recorded and erased (ocr_rules.c). On soft print
 *     the plane as it was before is kept in g->recog for tesseract's
 *     recogniser (ocr_read.c): its layout reads the erased plane, its LSTM
 *     the words' images with the rules' blurred fringes around them, as it
 *     read them when tesseract's own page layout removed the rules (only
 *     from its black-and-white copy). The LSTM read the erased plane worse,
 *     with marks such as "(", "." or "s" beside cells next to a rule (the
 *     25-row blurred bench page: 198 of 225 cells, 218 so);
 *  5. near-white is made white when the paper is not white (under half the
 *     pixels 255: a photo's paper, divided by its block's background, lands
 *     on 250-254): 254 becomes 255. Tesseract's layout spent a third of a
 *     40-row photo's CPU in column-partition grid searches over such paper
 *     (3.7 -> 2.7 CPU s, same cells); on white paper 254 is print's edge and
 *     lifting it cost cells, as lifting from 250 or 240 did on photos.
 * No libvips here: the pixels came from image_load(); this is plain C.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "ocr/ocr_int.h"

#define BLOCK 32
#define SOFT_INK 110 /* ink floor above this: blurred print, sharpened */
#define NEAR_WHITE 254 /* from here on a pixel is paper (step 5) */

/* Bilinear 2x: every source weight is 0, 1/4, 3/4 or 1, so the sum is
 * exact in sixteenths; (s + 8) >> 4 rounds it as (v + 0.5) did in double. */
static void up_weights(int i, int n, int *i0, int *i1, int *w1)
{
    *i0 = i == 0 ? 0 : (i - 1) / 2; /* floor((i + 0.5) / 2 - 0.5), at least 0 */
    *i1 = *i0 + 1 < n ? *i0 + 1 : *i0;
    *w1 = i == 0 ? 0 : i % 2 ? 1 : 3; /* quarters of the second source pixel */
}

/* The two source rows blended first (col, in quarters), then each pair of
 * output pixels from two of those (weights 3:1 and 1:3, the ends 4): the
 * same integer sums as weighting all four source pixels at once. */
static enum kr_code upscale2(struct ocr__grey *g, struct kr_err *err)
{
    int w = g->w * 2, h = g->h * 2, n = g->w;
    if (n < 1 || h < 1) /* nothing to scale (the writes below assume a column) */
        return KR_OK;
    unsigned char *o = malloc((size_t)w * h);
    int *col = malloc(sizeof(int) * (size_t)n);
    if (!o || !col) {
        free(o);
        free(col);
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: upscale");
    }
    for (int y = 0; y < h; y++) {
        int y0, y1, fy;
        up_weights(y, g->h, &y0, &y1, &fy);
        const unsigned char *r0 = g->px + (size_t)y0 * n, *r1 = g->px + (size_t)y1 * n;
        unsigned char *out = o + (size_t)y * w;
        for (int x = 0; x < n; x++)
            col[x] = r0[x] * (4 - fy) + r1[x] * fy;
        out[0] = (unsigned char)((4 * col[0] + 8) >> 4);
        for (int k = 0; k + 1 < n; k++) {
            out[2 * k + 1] = (unsigned char)((3 * col[k] + col[k + 1] + 8) >> 4);
            out[2 * k + 2] = (unsigned char)((col[k] + 3 * col[k + 1] + 8) >> 4);
        }
        out[w - 1] = (unsigned char)((4 * col[n - 1] + 8) >> 4);
    }
    free(col);
    free(g->px);
    g->px = o;
    g->w = w;
    g->h = h;
    return KR_OK;
}

/* Background per block = its brightest pixels (95th percentile), 3x3 smoothed. */
static void block_background(const struct ocr__grey *g, int bw, int bh, float *bg)
{
    for (int by = 0; by < bh; by++)
        for (int bx = 0; bx < bw; bx++) {
            unsigned hist[256] = {0}, n = 0;
            int x0 = bx * BLOCK, x1 = x0 + BLOCK < g->w ? x0 + BLOCK : g->w;
            for (int y = by * BLOCK; y < (by + 1) * BLOCK && y < g->h; y++, n += x1 - x0)
                for (const unsigned char *r = g->px + (size_t)y * g->w, *p = r + x0; p < r + x1; p++)
                    hist[*p]++;
            unsigned acc = 0, v = 255;
            while (v > 0 && (acc += hist[v]) < n / 20 + 1)
                v--;
            bg[by * bw + bx] = v < 40 ? 40 : (float)v;
        }
    float *tmp = malloc(sizeof(float) * bw * bh);
    if (!tmp)
        return;
    for (int by = 0; by < bh; by++)
        for (int bx = 0; bx < bw; bx++) {
            float m = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int yy = by + dy, xx = bx + dx;
                    if (yy >= 0 && yy < bh && xx >= 0 && xx < bw && bg[yy * bw + xx] > m)
                        m = bg[yy * bw + xx];
                }
            tmp[by * bw + bx] = m;
        }
    memcpy(bg, tmp, sizeof(float) * bw * bh);
    free(tmp);
}

static enum kr_code normalise(struct ocr__grey *g, struct kr_err *err)
{
    int bw = (g->w + BLOCK - 1) / BLOCK, bh = (g->h + BLOCK - 1) / BLOCK, row = -1;
    float *bg = malloc(sizeof(float) * bw * bh);
    double *fxs = malloc(sizeof(double) * 3 * (size_t)g->w); /* fx, then two rows */
    int *xs = malloc(sizeof(int) * 2 * (size_t)g->w);
    if (!bg || !fxs || !xs) {
        free(bg);
        free(fxs);
        free(xs);
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: background");
    }
    double *top = fxs + g->w, *bot = fxs + 2 * (size_t)g->w;
    block_background(g, bw, bh, bg);
    for (int x = 0; x < g->w; x++) {
        double gx = (x + 0.5) / BLOCK - 0.5;
        int x0 = gx < 0 ? 0 : (int)gx;
        xs[2 * x] = x0;
        xs[2 * x + 1] = x0 + 1 < bw ? x0 + 1 : x0;
        fxs[x] = gx - x0 < 0 ? 0 : gx - x0;
    }
    for (int y = 0; y < g->h; y++) {
        double gy = (y + 0.5) / BLOCK - 0.5;
        int y0 = gy < 0 ? 0 : (int)gy, y1 = y0 + 1 < bh ? y0 + 1 : y0;
        double fy = gy - y0 < 0 ? 0 : gy - y0;
        for (int x = 0; row != y0 && x < g->w; x++) { /* rows y0, y1 across the page */
            const float *b0 = bg + y0 * bw, *b1 = bg + y1 * bw;
            top[x] = b0[xs[2 * x]] * (1 - fxs[x]) + b0[xs[2 * x + 1]] * fxs[x];
            bot[x] = b1[xs[2 * x]] * (1 - fxs[x]) + b1[xs[2 * x + 1]] * fxs[x];
        }
        row = y0;
        unsigned char *r = g->px + (size_t)y * g->w;
        for (int x = 0; x < g->w; x++) {
            double b = top[x] * (1 - fy) + bot[x] * fy, v;
            if (r[x] == 255 && b <= 255)
                continue; /* 255 * 255 / b >= 255: stays white, no division */
            v = 255.0 * r[x] / b;
            r[x] = v >= 255 ? 255 : (unsigned char)v;
        }
    }
    free(bg);
    free(fxs);
    free(xs);
    return KR_OK;
}

static enum kr_code rotate(struct ocr__grey *g, double deg, struct kr_err *err)
{
    unsigned char *o = malloc((size_t)g->w * g->h);
    double *col = malloc(sizeof(double) * 2 * (size_t)g->w); /* c (x - cx), -s (x - cx) */
    if (!o || !col) {
        free(o);
        free(col);
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: deskew");
    }
    double c = cos(deg * M_PI / 180), s = sin(deg * M_PI / 180);
    double cx = g->w / 2.0, cy = g->h / 2.0;
    for (int x = 0; x < g->w; x++) {
        col[2 * x] = c * (x - cx);
        col[2 * x + 1] = -s * (x - cx);
    }
    for (int y = 0; y < g->h; y++) {
        double ys = s * (y - cy), yc = c * (y - cy);
        for (int x = 0; x < g->w; x++) {
            /* the page was rotated by -deg: sample the source at +deg */
            double sx = col[2 * x] + ys + cx, sy = col[2 * x + 1] + yc + cy;
            o[(size_t)y * g->w + x] = ocr__bilinear(g, sx, sy);
        }
    }
    free(col);
    free(g->px);
    g->px = o;
    return KR_OK;
}

/* Unsharp mask (sigma 2, amount 1): photographed and re-compressed text gets its edges back. */
static enum kr_code sharpen(struct ocr__grey *g, struct kr_err *err)
{
    size_t n = (size_t)g->w * g->h;
    unsigned char *b = malloc(n);
    enum kr_code rc;
    if (!b)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: sharpen");
    memcpy(b, g->px, n);
    if ((rc = image_blur_plane(b, g->w, g->h, 2.0, err)) == KR_OK)
        for (size_t i = 0; i < n; i++) {
            int v = 2 * g->px[i] - b[i];
            g->px[i] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    free(b);
    return rc;
}

/* Darkness of the ink: the grey value below which a tenth of the ink pixels
 * (< 230) lie. Crisp print reaches near black; blurred print stays grey. */
static int ink_floor(const struct ocr__grey *g)
{
    size_t hist[256] = {0}, ink = 0, n = (size_t)g->w * g->h, acc = 0;
    for (size_t i = 0; i < n; i += 3)
        hist[g->px[i]]++;
    for (int v = 0; v < 230; v++)
        ink += hist[v];
    for (int v = 0; v < 230; v++)
        if ((acc += hist[v]) * 10 >= ink)
            return v;
    return 230;
}

/* Step 5: on paper that is not white (under half of px's pixels 255), 254
 * is 255, in px and in recog alike (its rules not erased, it is decided on px). */
static void whiten(struct ocr__grey *g)
{
    size_t white = 0, n = (size_t)g->w * g->h;
    for (size_t i = 0; i < n; i++)
        white += g->px[i] == 255;
    for (size_t i = 0; white < n / 2 && i < n; i++) {
        if (g->px[i] >= NEAR_WHITE)
            g->px[i] = 255;
        if (g->recog && g->recog[i] >= NEAR_WHITE)
            g->recog[i] = 255;
    }
}

/* Soft print: sharpened, and that plane kept for the recogniser (step 4). */
static enum kr_code sharpen_and_keep(struct ocr__grey *g, struct kr_err *err)
{
    size_t n = (size_t)g->w * g->h;
    enum kr_code rc = sharpen(g, err);
    if (rc)
        return rc;
    if (!(g->recog = malloc(n)))
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: plane");
    memcpy(g->recog, g->px, n);
    return KR_OK;
}

enum kr_code ocr__prepare(struct ocr__grey *g, struct ocr__page *p, struct kr_err *err)
{
    enum kr_code rc;
    if (g->w < 1300 && (long long)g->w * g->h * 4 <= 60000000LL && (rc = upscale2(g, err)))
        return rc;
    if ((rc = normalise(g, err)))
        return rc;
    int soft = ink_floor(g) > SOFT_INK;
    double a = ocr__skew_angle(g);
    int warped = 0;
    /* blurred print shows spurious leans: such a page is only rotated */
    if (!soft && (rc = ocr__unwarp(g, a, &warped, err)))
        return rc;
    if (!warped && fabs(a) >= 0.15 && (rc = rotate(g, -a, err)))
        return rc;
    if (soft && (rc = sharpen_and_keep(g, err)))
        return rc;
    if ((rc = ocr__rules(g, p, warped, err)))
        return rc;
    whiten(g);
    p->width = g->w;
    p->height = g->h;
    return KR_OK;
}
