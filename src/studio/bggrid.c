/*
 * bggrid.c - the background model's correction grid (see bgmodel.c).
 *
 * The photo is cut into coarse cells (about 64 along the longest side).
 * Border cells whose median colour fits the fitted surface start as known;
 * then, wave after wave, a cell whose known neighbours predict its colour
 * (their corrections applied to the surface at the cell) joins when its
 * median agrees within a tolerance set by the measured noise. Requiring the
 * median, not a share of pixels, to agree means a cell the piece mostly
 * covers is refused and a pale piece cannot drag the estimate inwards cell
 * by cell. Cells never reached (under the piece) are filled from their
 * neighbours and the grid is smoothed once.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "studio/studio_int.h"

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

static enum kr_code x_tables(struct studio_bg *bg, struct kr_err *err)
{
    bg->gx0 = malloc(sizeof *bg->gx0 * (size_t)bg->w);
    bg->gfx = malloc(sizeof *bg->gfx * (size_t)bg->w);
    if (!bg->gx0 || !bg->gfx)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
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

/* Colour of the background in cell number `cell` (cy * gw + cx). The
 * cell's per-channel median must lie within `tol` of the prediction (so a
 * cell the piece mostly covers is refused, and a pale piece cannot drag the
 * estimate along cell by cell); the estimate is then the mean of the pixels
 * within bg->lo of the median. Returns 1 when the cell was accepted. */
static int cell_estimate(const struct image_px *px, const struct studio_bg *bg, int cell,
                         const float pred[3], double tol, float out[3])
{
    double near = bg->lo;
    int x0 = cell % bg->gw * bg->cell, y0 = cell / bg->gw * bg->cell;
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
    studio__bg_surface(bg, (int)fmin(bg->w - 1, (cx + 0.5) * bg->cell),
                      (int)fmin(bg->h - 1, (cy + 0.5) * bg->cell), out);
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
            if (cell_estimate(px, bg, cy * gw + cx, pred, bg->hi, est)) {
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
                if (!cell_estimate(px, bg, cy * gw + cx, pred, tol, est)) {
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
enum kr_code studio__bg_grow(const struct image_px *px, struct studio_bg *bg, struct kr_err *err)
{
    int longest = bg->w > bg->h ? bg->w : bg->h;
    float *cnt;
    unsigned char *st;
    enum kr_code rc;

    studio__bg_release(bg);
    bg->cell = longest / 64 > 4 ? longest / 64 : 4;
    bg->gw = (bg->w + bg->cell - 1) / bg->cell;
    bg->gh = (bg->h + bg->cell - 1) / bg->cell;
    if (bg->gw > STUDIO_BG_GRID_MAX || bg->gh > STUDIO_BG_GRID_MAX)
        bg->cell = (longest + STUDIO_BG_GRID_MAX - 1) / STUDIO_BG_GRID_MAX + 1;
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
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    }
    grow_cells(px, bg, st, cnt);
    fill_grid(bg->corr, cnt, bg->gw, bg->gh);
    smooth_grid(bg->corr, bg->gw, bg->gh);
    free(cnt);
    free(st);
    return KR_OK;
}
