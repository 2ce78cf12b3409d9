/*
 * segment.c - separating a piece from a plain studio background, classically.
 *
 * Product photos of jewelry are taken on white, off-white, grey or softly
 * graded paper. We model that background as a smooth surface, a quadratic in
 * x and y per colour channel, fitted robustly to a frame of border pixels
 * (samples the piece covers are rejected as outliers over a few rounds). The
 * spread of the remaining residuals sets the thresholds, so sensor noise and
 * paper grain are measured rather than guessed.
 *
 * Then, per pixel, D = distance from the modelled background colour and:
 *   1. hysteresis: pixels with D >= hi seed the piece, which grows into
 *      connected pixels with D >= lo (faint parts of a piece attached to clear
 *      parts are kept, isolated noise is not);
 *   2. specks: separate components much smaller than the largest go;
 *   3. holes: background regions not connected to the border are judged by
 *      their colour. If most of their pixels look like the modelled background
 *      they are real holes (the inside of a hoop, ring or chain link) and stay
 *      transparent; otherwise (a white enamel, a pale stone) they are filled.
 *      This is where a saliency model such as rembg fails on jewelry;
 *   4. edges: pixels on the boundary get a soft alpha from D relative to the
 *      piece's nearby colour distance.
 * The same fit also gives a verdict: when much of the border does not fit a
 * smooth surface (a face, hair, a room), the result is flagged `complex` so
 * callers can refuse instead of producing a bad cut-out.
 *
 * The cut-out (second half of this file) runs it twice so a 12 MP photo costs
 * little: an analysis pass at about 1000 px (JPEG shrink-on-load) refuses
 * complex backgrounds and finds the piece's box; a detail pass decodes only
 * as large as the output needs, crops the box plus a margin and segments
 * that crop with its own background model, keeping the tight box as RGBA
 * with edge colours freed of the old background. Upscaling, when the piece
 * is small in the photo, is left to compose.c so it happens once.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "studio/studio_int.h"

#define MIN_SIDE  16
#define BUSY_MAX  0.30 /* border share that may differ from the background */
#define NOISE_MAX 32.0 /* border p90 residual above which the background is too busy */

struct seg {
    const struct image_px *px;
    int w, h;
    size_t n;
    struct studio_bg bg;
    unsigned char *d; /* distance to the background model, clamped to 255 */
    unsigned char *m; /* 1 = piece */
    int32_t *lab, *queue;
};

/* D for every pixel: distance between its colour and the modelled background. */
static enum kr_code distance_map(struct seg *g, struct kr_err *err)
{
    int bands = g->px->bands;
    float *row = malloc(sizeof *row * (size_t)g->w * 3);
    if (!row)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    for (int y = 0; y < g->h; y++) {
        const unsigned char *p = g->px->data + (size_t)y * g->w * bands;
        unsigned char *d = g->d + (size_t)y * g->w;
        studio__bg_row(&g->bg, y, row);
        for (int x = 0; x < g->w; x++, p += bands) {
            float e0 = p[0] - row[x * 3], e1 = p[1] - row[x * 3 + 1], e2 = p[2] - row[x * 3 + 2];
            float s = sqrtf(e0 * e0 + e1 * e1 + e2 * e2);
            d[x] = (unsigned char)(s > 255 ? 255 : s + 0.5f);
        }
    }
    free(row);
    return KR_OK;
}

/* Pixels >= hi seed the piece, which grows through 8-connected pixels >= lo. */
static void hysteresis(struct seg *g)
{
    unsigned char lo = (unsigned char)fmin(254, g->bg.lo), hi = (unsigned char)fmin(255, g->bg.hi);
    size_t head = 0, tail = 0;

    for (size_t i = 0; i < g->n; i++) {
        g->m[i] = g->d[i] >= hi ? 2 : g->d[i] >= lo ? 1 : 0;
        if (g->m[i] == 2)
            g->queue[tail++] = (int32_t)i;
    }
    while (head < tail) {
        int32_t p = g->queue[head++];
        int x = p % g->w, y = p / g->w;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) {
                int nx = x + dx, ny = y + dy;
                size_t q;
                if (nx < 0 || ny < 0 || nx >= g->w || ny >= g->h)
                    continue;
                q = (size_t)ny * g->w + nx;
                if (g->m[q] == 1) {
                    g->m[q] = 2;
                    g->queue[tail++] = (int32_t)q;
                }
            }
    }
    for (size_t i = 0; i < g->n; i++)
        g->m[i] = g->m[i] == 2;
}

/* Drop piece components far smaller than the largest one; count the rest. */
static int drop_specks(struct seg *g, struct kr_err *err)
{
    int count = studio__label(&(struct studio__mask){g->m, g->w, g->h, g->lab, g->queue}, 1, 1);
    int kept = 0;
    size_t *area, largest = 0, min_area;

    if (count <= 0)
        return 0;
    area = calloc((size_t)count + 1, sizeof *area);
    if (!area) {
        kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < g->n; i++)
        area[g->lab[i]]++;
    for (int c = 1; c <= count; c++)
        if (area[c] > largest)
            largest = area[c];
    min_area = largest / 250;
    if (min_area < 4 + g->n / 200000)
        min_area = 4 + g->n / 200000;
    for (int c = 1; c <= count; c++)
        kept += area[c] >= min_area;
    for (size_t i = 0; i < g->n; i++)
        if (g->lab[i] && area[g->lab[i]] < min_area)
            g->m[i] = 0;
    free(area);
    return kept;
}

struct region {
    size_t area, bglike;
    int border;
};

/* Enclosed background regions: holes when they look like the background. */
static enum kr_code judge_holes(struct seg *g, struct studio_seg_info *info, struct kr_err *err)
{
    int count = studio__label(&(struct studio__mask){g->m, g->w, g->h, g->lab, g->queue}, 0, 0);
    double like = fmax(3.0, g->bg.p90 * 1.15);
    size_t pin = 3 + g->n / 400000;
    struct region *r;

    if (count <= 0)
        return KR_OK;
    r = calloc((size_t)count + 1, sizeof *r);
    if (!r)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    for (size_t i = 0; i < g->n; i++) {
        int32_t l = g->lab[i];
        int x = (int)(i % (size_t)g->w), y = (int)(i / (size_t)g->w);
        if (!l)
            continue;
        r[l].area++;
        r[l].bglike += g->d[i] <= like;
        if (x == 0 || y == 0 || x == g->w - 1 || y == g->h - 1)
            r[l].border = 1;
    }
    for (int l = 1; l <= count; l++) {
        if (r[l].border)
            continue;
        if (r[l].area > pin && r[l].bglike * 2 >= r[l].area) {
            info->holes_kept++;
            r[l].border = 1; /* keep as background */
        } else {
            info->holes_filled++;
        }
    }
    for (size_t i = 0; i < g->n; i++)
        if (g->lab[i] && !r[g->lab[i]].border)
            g->m[i] = 1;
    free(r);
    return KR_OK;
}

/* Largest D among piece pixels in the 5x5 window: the piece's own contrast. */
static double local_ref(const struct seg *g, int x, int y)
{
    double ref = 0;
    for (int dy = -2; dy <= 2; dy++)
        for (int dx = -2; dx <= 2; dx++) {
            int nx = x + dx, ny = y + dy;
            size_t q;
            if (nx < 0 || ny < 0 || nx >= g->w || ny >= g->h)
                continue;
            q = (size_t)ny * g->w + nx;
            if (g->m[q] && g->d[q] > ref)
                ref = g->d[q];
        }
    return fmax(ref, g->bg.hi);
}

static int on_edge(const struct seg *g, int x, int y)
{
    size_t i = (size_t)y * g->w + x;
    unsigned char v = g->m[i];
    return (x > 0 && g->m[i - 1] != v) || (x < g->w - 1 && g->m[i + 1] != v) ||
           (y > 0 && g->m[i - g->w] != v) || (y < g->h - 1 && g->m[i + g->w] != v);
}

/* Boundary pixels of the piece whose colour is less than half-way from the
 * background to the piece's own nearby colour are mostly background. */
static void peel(struct seg *g)
{
    size_t k = 0;
    for (int y = 0; y < g->h; y++)
        for (int x = 0; x < g->w; x++) {
            size_t i = (size_t)y * g->w + x;
            if (g->m[i] && on_edge(g, x, y) && g->d[i] < 0.5 * local_ref(g, x, y))
                g->queue[k++] = (int32_t)i;
        }
    for (size_t j = 0; j < k; j++)
        g->m[g->queue[j]] = 0;
}

static void soft_alpha(const struct seg *g, unsigned char *alpha)
{
    for (int y = 0; y < g->h; y++)
        for (int x = 0; x < g->w; x++) {
            size_t i = (size_t)y * g->w + x;
            double a = g->m[i] ? 1.0 : 0.0;
            if (on_edge(g, x, y)) {
                double v = g->d[i] / local_ref(g, x, y);
                a = g->m[i] ? fmin(1.0, fmax(0.5, v)) : fmin(0.47, v < 0.15 ? 0 : v);
            }
            alpha[i] = (unsigned char)(a * 255.0 + 0.5);
        }
}

static void describe(const struct seg *g, struct studio_seg_info *info)
{
    size_t fg = 0;
    int x0 = g->w, y0 = g->h, x1 = -1, y1 = -1;
    for (int y = 0; y < g->h; y++)
        for (int x = 0; x < g->w; x++)
            if (g->m[(size_t)y * g->w + x]) {
                fg++;
                x0 = x < x0 ? x : x0;
                x1 = x > x1 ? x : x1;
                y0 = y < y0 ? y : y0;
                y1 = y > y1 ? y : y1;
            }
    info->fg_fraction = (double)fg / (double)g->n;
    if (fg) {
        info->x0 = x0;
        info->y0 = y0;
        info->x1 = x1 + 1;
        info->y1 = y1 + 1;
    }
    info->bg_noise = g->bg.border_p90;
    info->border_busy = g->bg.busy;
    if (g->bg.busy > BUSY_MAX)
        util_fmt(info->why, sizeof info->why,
                 "%.0f%% of the photo's border is not plain background (a model, hands or a "
                 "scene?)",
                 100 * g->bg.busy);
    else if (g->bg.border_p90 > NOISE_MAX)
        util_fmt(info->why, sizeof info->why, "the background is too textured (spread %.0f)",
                 g->bg.border_p90);
    else if (info->fg_fraction > 0.75)
        util_fmt(info->why, sizeof info->why, "%.0f%% of the photo differs from the background",
                 100 * info->fg_fraction);
    info->complex = info->why[0] != 0;
}

static void seg_free(struct seg *g)
{
    free(g->d);
    free(g->m);
    free(g->lab);
    free(g->queue);
    studio__bg_release(&g->bg);
}

/* The whole pipeline; g->m holds the piece afterwards. */
static enum kr_code run(struct seg *g, const struct image_px *px, struct studio_seg_info *info,
                        struct kr_err *err)
{
    enum kr_code rc;
    int kept;

    memset(g, 0, sizeof *g);
    memset(info, 0, sizeof *info);
    if (!px || !px->data || px->bands < 3 || px->width < MIN_SIDE || px->height < MIN_SIDE)
        return kr_fail(err, KRS_IMAGE_TOO_SMALL, "the image is too small to segment");
    g->px = px;
    g->w = px->width;
    g->h = px->height;
    g->n = (size_t)g->w * g->h;
    g->d = malloc(g->n);
    g->m = malloc(g->n);
    g->lab = malloc(g->n * sizeof *g->lab);
    g->queue = malloc(g->n * sizeof *g->queue);
    if (!g->d || !g->m || !g->lab || !g->queue)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory segmenting %dx%d", g->w, g->h);
    rc = studio__bg_fit_border(px, &g->bg, err);
    if (!rc)
        rc = studio__bg_grow(px, &g->bg, err);
    if (!rc)
        rc = distance_map(g, err);
    if (rc)
        return rc;
    hysteresis(g); /* a first mask, to measure the noise away from the piece */
    rc = studio__bg_restat(px, g->m, &g->bg, err);
    if (rc)
        return rc;
    hysteresis(g);
    kept = drop_specks(g, err);
    if (kept < 0)
        return KR_ENOMEM;
    info->components = kept;
    rc = judge_holes(g, info, err);
    if (rc)
        return rc;
    peel(g);
    peel(g);
    describe(g, info);
    if (!kept)
        return kr_fail(err, KRS_NO_PIECE_FOUND,
                       "nothing in the photo stands out from the background");
    return KR_OK;
}

enum kr_code studio_segment(const struct image_px *px, struct studio_mask *out,
                            struct studio_seg_info *info, struct kr_err *err)
{
    struct seg g;
    enum kr_code rc;

    memset(out, 0, sizeof *out);
    rc = run(&g, px, info, err);
    if (!rc) {
        out->alpha = malloc(g.n);
        if (!out->alpha) {
            rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
        } else {
            out->width = g.w;
            out->height = g.h;
            soft_alpha(&g, out->alpha);
        }
    }
    seg_free(&g);
    return rc;
}

/* studio_segment() without the mask: the same info, for callers that need
 * only the verdict and the box (the info never depends on the soft alpha). */
static enum kr_code segment_info(const struct image_px *px, struct studio_seg_info *info,
                                 struct kr_err *err)
{
    struct seg g;
    enum kr_code rc = run(&g, px, info, err);
    seg_free(&g);
    return rc;
}

/* Edge colours freed of the old background: C = a F + (1 - a) B  =>  F. */
static enum kr_code decontaminate(const struct seg *g, const unsigned char *alpha,
                                  struct image_px *rgba, struct kr_err *err)
{
    int bands = g->px->bands;
    float *row = malloc(sizeof *row * (size_t)g->w * 3);
    if (!row)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    for (int y = 0; y < g->h; y++) {
        int have_row = 0;
        for (int x = 0; x < g->w; x++) {
            size_t i = (size_t)y * g->w + x;
            const unsigned char *p = g->px->data + i * bands;
            unsigned char *o = rgba->data + i * 4;
            double a = alpha[i] / 255.0;
            o[3] = alpha[i];
            if (alpha[i] == 0 || alpha[i] == 255) {
                memcpy(o, p, 3);
                continue;
            }
            if (!have_row++)
                studio__bg_row(&g->bg, y, row);
            for (int k = 0; k < 3; k++) {
                double f = (p[k] - (1 - a) * row[x * 3 + k]) / a;
                o[k] = (unsigned char)(f < 0 ? 0 : f > 255 ? 255 : f + 0.5);
            }
        }
    }
    free(row);
    return KR_OK;
}

/* Segment and return the piece as RGBA of the same size: soft alpha, edge
 * colours freed of the old background. */
static enum kr_code segment_rgba(const struct image_px *px, struct image_px *rgba,
                                 struct studio_seg_info *info, struct kr_err *err)
{
    struct seg g;
    unsigned char *alpha = NULL;
    enum kr_code rc;

    memset(rgba, 0, sizeof *rgba);
    rc = run(&g, px, info, err);
    if (!rc) {
        alpha = malloc(g.n);
        rc = alpha ? studio__px_alloc(rgba, g.w, g.h, 4, 0, err)
                   : kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    }
    if (!rc) {
        soft_alpha(&g, alpha);
        rc = decontaminate(&g, alpha, rgba, err);
    }
    free(alpha);
    seg_free(&g);
    return rc;
}

void studio_mask_release(struct studio_mask *m)
{
    if (!m)
        return;
    free(m->alpha);
    memset(m, 0, sizeof *m);
}

/* ---- the cut-out: photo bytes -> the piece as RGBA ---------------------- */

#define ANALYSIS_MAX 1024
#define ANALYSIS_MIN 640
#define MARGIN       0.08 /* background kept around the box for the detail pass */

void studio_cutout_release(struct studio_cutout *c)
{
    if (!c)
        return;
    free(c->rgba.data);
    memset(c, 0, sizeof *c);
}

/* What the analysis pass learns besides the segmentation: the source as
 * stored, and the size of the analysed copy (the segmentation's pixels). */
struct analysis {
    struct image_info src;
    int width, height;
};

static enum kr_code analyse(const void *data, size_t n, long long max_pixels,
                            struct studio_seg_info *seg, struct analysis *an, struct kr_err *err)
{
    struct image_load_opts lo = {
        .max_side = ANALYSIS_MAX, .min_side = ANALYSIS_MIN, .max_pixels = max_pixels};
    struct image_px px;
    enum kr_code rc = image_load(data, n, &lo, &px, &an->src, err);

    if (rc)
        return rc;
    an->width = px.width;
    an->height = px.height;
    rc = segment_info(&px, seg, err);
    image_px_release(&px);
    if (rc)
        return rc;
    if (seg->complex)
        return kr_fail(err, KRS_BACKGROUND_TOO_COMPLEX,
                       "cannot cut the piece out reliably: %s; photograph it on a plain light "
                       "background, or configure an image provider (KARAT_IMAGE_PROVIDER)",
                       seg->why);
    return KR_OK;
}

/* Tight copy of the piece out of the segmented crop. */
static enum kr_code keep_box(const struct image_px *rgba, const struct studio_seg_info *seg,
                             struct studio_cutout *out, struct kr_err *err)
{
    return studio__px_crop(rgba, &(struct studio_box){seg->x0, seg->y0, seg->x1, seg->y1},
                           &out->rgba, err);
}

enum kr_code studio_cutout_make(const void *data, size_t n, long long max_pixels, int long_side,
                                struct studio_cutout *out, struct kr_err *err)
{
    struct analysis an;
    struct image_load_opts lo = {.max_pixels = max_pixels};
    struct image_px full = {0}, crop = {0}, rgba = {0};
    struct studio_seg_info seg2;
    struct studio_box cb;
    int src_w, src_h;
    double sa, bx, by, bw, bh, m, s, sh;
    enum kr_code rc;

    memset(out, 0, sizeof *out);
    rc = analyse(data, n, max_pixels, &out->seg, &an, err);
    if (rc)
        return rc;
    src_w = an.src.oriented_width;
    src_h = an.src.oriented_height;
    sa = (double)an.width / src_w; /* analysis pixels per source pixel */
    bx = out->seg.x0 / sa;
    by = out->seg.y0 / sa;
    bw = (out->seg.x1 - out->seg.x0) / sa;
    bh = (out->seg.y1 - out->seg.y0) / sa;
    /* decode only as large as the output needs (10 % spare), never larger than the source */
    s = fmin(1.0, 1.1 * long_side / fmax(bw, bh));
    if (s < 0.95) {
        lo.max_side = (int)ceil((src_w > src_h ? src_w : src_h) * s);
        lo.min_side = lo.max_side;
    }
    rc = image_load(data, n, &lo, &full, NULL, err);
    if (rc)
        goto out;
    sh = (double)full.width / src_w;
    m = MARGIN * fmax(bw, bh) + 3 / sa;
    cb.x0 = (int)floor((bx - m) * sh);
    cb.y0 = (int)floor((by - m) * sh);
    cb.x1 = cb.x0 + (int)ceil((bw + 2 * m) * sh);
    cb.y1 = cb.y0 + (int)ceil((bh + 2 * m) * sh);
    rc = studio__px_crop(&full, &cb, &crop, err);
    image_px_release(&full);
    if (rc)
        goto out;
    rc = segment_rgba(&crop, &rgba, &seg2, err);
    if (!rc)
        rc = keep_box(&rgba, &seg2, out, err);
    if (rc)
        goto out;
    {
        double cx0 = fmax(0, floor((bx - m) * sh)), cy0 = fmax(0, floor((by - m) * sh));
        out->box_x = (cx0 + seg2.x0) / sh;
        out->box_y = (cy0 + seg2.y0) / sh;
        out->box_w = (seg2.x1 - seg2.x0) / sh;
        out->box_h = (seg2.y1 - seg2.y0) / sh;
    }
    out->seg.holes_kept = seg2.holes_kept;
    out->seg.holes_filled = seg2.holes_filled;
    out->seg.components = seg2.components;
out:
    free(crop.data);
    free(rgba.data);
    if (rc)
        studio_cutout_release(out);
    return rc;
}
