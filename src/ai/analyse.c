/*
 * analyse.c - ai_analyse_image(): what the cut-out piece itself shows,
 * offline and deterministic, each answer with a confidence 0..1.
 *
 * The photo is decoded at most 384 px on its longest side. The piece is
 * every pixel far enough from the border's median colour (the same cut as
 * measure.c; the studio's segmentation lives in a module above this one).
 * Then, on that mask:
 *   - parts: 4-connected components; tiny ones (dust, noise) are dropped.
 *     Two big parts of similar area side by side make a pair.
 *   - metal tone: the metal colour classes of the piece's pixels; two
 *     tones each over 30% of the metal make "multi-tone".
 *   - stones: components of saturated, non-metal pixels inside the piece
 *     (how many, which colour names); pearls: round components of bright,
 *     low-saturation pixels.
 *   - symmetry: the first part mirrored about its own box's vertical axis,
 *     as intersection over union.
 *   - silhouette per product type from the first part's box and fill: a
 *     hollow centre is a hoop (earrings) or a bangle (bracelets), a tall
 *     thin part a drop, a part wider at the bottom a jhumka, a small solid
 *     one a stud; a wide open curve a choker, a sparse thin one a chain.
 * A "piece" that covers most of the frame (a model wearing it, a scene)
 * has every confidence halved, so its answers go to review.
 * Confidences are margins: how far the deciding measure is from its
 * threshold, scaled to 0..1. Callers leave a field blank below their
 * threshold (KARAT_OFFLINE_MIN_CONFIDENCE).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai_int.h"
#include "core/util.h"
#include "image/image.h"

#define SIDE      384
#define MAX_PARTS 64
/* A "piece" covering more of the frame than this (%) is a person or a
 * scene, not a cut-out piece: every answer is halved in confidence. */
#define PIECE_MAX_PCT 35
#define BUSY_SPREAD   14 /* border spread of a busy background (measure.c's "complex") */

struct part {
    int x0, y0, x1, y1;
    size_t n;
    int cls; /* majority class (stone / pearl components) */
};

struct scan {
    int w, h;
    unsigned char *mask; /* 1 = piece */
    unsigned char *cls;  /* ai_cls per pixel */
    unsigned char *weak; /* 1 = a little off the background, inside the piece's box */
    int *lab;            /* component labels */
    int *queue;
    struct part parts[MAX_PARTS];
    int nparts;
};

static double clamp01(double v)
{
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* Components of pixels where want(cls, mask) holds; parts under min px are dropped. */
static int label(struct scan *s, int (*want)(const struct scan *, int), size_t min,
                 struct part *out, int max)
{
    int np = 0;
    size_t tally[C_COUNT];
    memset(s->lab, 0, sizeof(int) * (size_t)s->w * s->h);
    for (int i = 0; i < s->w * s->h; i++) {
        if (s->lab[i] || !want(s, i))
            continue;
        struct part p = {s->w, s->h, -1, -1, 0, 0};
        int head = 0, tail = 0;
        memset(tally, 0, sizeof tally);
        s->queue[tail++] = i;
        s->lab[i] = 1;
        while (head < tail) {
            int q = s->queue[head++], x = q % s->w, y = q / s->w;
            int nb[4] = {x > 0 ? q - 1 : -1, x < s->w - 1 ? q + 1 : -1, y > 0 ? q - s->w : -1,
                         y < s->h - 1 ? q + s->w : -1};
            p.n++, tally[s->cls[q]]++;
            p.x0 = x < p.x0 ? x : p.x0, p.x1 = x > p.x1 ? x : p.x1;
            p.y0 = y < p.y0 ? y : p.y0, p.y1 = y > p.y1 ? y : p.y1;
            for (int k = 0; k < 4; k++)
                if (nb[k] >= 0 && !s->lab[nb[k]] && want(s, nb[k]))
                    s->lab[nb[k]] = 1, s->queue[tail++] = nb[k];
        }
        for (int c = 0; c < C_COUNT; c++)
            if (tally[c] > tally[p.cls])
                p.cls = c;
        if (p.n >= min && np < max)
            out[np++] = p;
    }
    return np;
}

static int want_piece(const struct scan *s, int i)
{
    return s->mask[i];
}

static int want_stone(const struct scan *s, int i)
{
    int c = s->cls[i];
    return s->mask[i] && !IS_METAL(c) && c != C_WHITE && c != C_PEARL && c != C_BLACK &&
           c != C_BROWN;
}

/* Pearl candidates: bright, low-saturation pixels near the piece, with a
 * weaker cut than the piece's (a pearl is close to a white background). */
static int want_pearl(const struct scan *s, int i)
{
    return s->weak[i] && (s->cls[i] == C_PEARL || s->cls[i] == C_WHITE);
}

static int by_size(const void *a, const void *b)
{
    size_t x = ((const struct part *)a)->n, y = ((const struct part *)b)->n;
    return x < y ? 1 : x > y ? -1 : 0;
}

static void metal_tone(const struct scan *s, struct ai_analysis *a)
{
    size_t t[4] = {0}, all = 0;
    int best = 0, second = 1;
    for (int i = 0; i < s->w * s->h; i++)
        if (s->mask[i] && IS_METAL(s->cls[i]))
            t[s->cls[i]]++, all++;
    for (int c = 1; c < 4; c++)
        if (t[c] > t[best])
            best = c;
    second = best == 0 ? 1 : 0;
    for (int c = 0; c < 4; c++)
        if (c != best && t[c] > t[second])
            second = c;
    if (!all)
        return;
    double top = (double)t[best] / all, next = (double)t[second] / all;
    int multi = next >= 0.3 && !(best >= C_SILVER && second >= C_SILVER);
    util_strlcpy(a->metal, multi ? "multi-tone" : ai__cls_name[best], sizeof a->metal);
    a->metal_conf = multi ? clamp01((next - 0.3) / 0.2 + 0.5) : clamp01((top - 0.4) / 0.4);
}

static void stones_and_pearls(struct scan *s, size_t piece, struct ai_analysis *a)
{
    struct part st[MAX_PARTS], pe[MAX_PARTS];
    size_t min = piece / 400 + 6, covered = 0;
    int ns = label(s, want_stone, min, st, MAX_PARTS), np, round = 0;
    a->stones = ns;
    a->stone_colours[0] = '\0';
    for (int i = 0; i < ns; i++) {
        const char *name = ai__cls_name[st[i].cls];
        covered += st[i].n;
        if (!strstr(a->stone_colours, name) &&
            strlen(a->stone_colours) + strlen(name) + 3 < sizeof a->stone_colours)
            snprintf(a->stone_colours + strlen(a->stone_colours),
                     sizeof a->stone_colours - strlen(a->stone_colours), "%s%s",
                     a->stone_colours[0] ? ", " : "", name);
    }
    /* no coloured region at all is as sure as several clear ones */
    a->stones_conf = ns ? clamp01(0.5 + (double)covered / piece * 4) : 0.9;
    np = label(s, want_pearl, min, pe, MAX_PARTS);
    for (int i = 0; i < np; i++) {
        double bw = pe[i].x1 - pe[i].x0 + 1, bh = pe[i].y1 - pe[i].y0 + 1;
        double fill = pe[i].n / (bw * bh), asp = bw / bh;
        round += fill > 0.35 && asp > 0.65 && asp < 1.5 && pe[i].n * 8 < piece;
    }
    a->pearls = round;
    a->pearls_conf = round ? clamp01(0.6 + 0.15 * round) : np ? 0.5 : 0.85;
}

/* Mirror IoU of part p about its box's vertical axis. */
static double symmetry(const struct scan *s, const struct part *p)
{
    size_t inter = 0, uni = 0;
    for (int y = p->y0; y <= p->y1; y++)
        for (int x = p->x0; x <= p->x1; x++) {
            int m = p->x0 + p->x1 - x;
            int a = s->mask[y * s->w + x], b = s->mask[y * s->w + m];
            inter += a && b;
            uni += a || b;
        }
    return uni ? (double)inter / uni : 0;
}

/* Width of the part's mask in rows [y0, y1). */
static int span(const struct scan *s, const struct part *p, int y0, int y1)
{
    int lo = s->w, hi = -1;
    for (int y = y0; y < y1; y++)
        for (int x = p->x0; x <= p->x1; x++)
            if (s->mask[y * s->w + x])
                lo = x < lo ? x : lo, hi = x > hi ? x : hi;
    return hi >= lo ? hi - lo + 1 : 0;
}

/* 1 if the centre of the part's box is background enclosed by the part. */
static int hollow(const struct scan *s, const struct part *p)
{
    int cx = (p->x0 + p->x1) / 2, cy = (p->y0 + p->y1) / 2;
    int hit = 0;
    if (s->mask[cy * s->w + cx])
        return 0;
    for (int x = cx; x >= p->x0 && !hit; x--)
        hit = s->mask[cy * s->w + x];
    for (int x = cx, h2 = 0; x <= p->x1 && !h2; x++)
        h2 = s->mask[cy * s->w + x], hit += h2;
    return hit == 2;
}

static void set_shape(struct ai_analysis *a, const char *shape, double conf)
{
    util_strlcpy(a->shape, shape, sizeof a->shape);
    a->shape_conf = clamp01(conf);
}

static void silhouette(const struct scan *s, const struct part *p, const char *type,
                       struct ai_analysis *a)
{
    double bw = p->x1 - p->x0 + 1, bh = p->y1 - p->y0 + 1, fill = p->n / (bw * bh);
    double tall = bh / bw;
    int third = (int)(bh / 3), top = span(s, p, p->y0, p->y0 + third),
        low = span(s, p, p->y1 - (int)(bh * 0.08), p->y1 + 1);
    if (type && strstr(type, "neck")) {
        if (fill < 0.12)
            set_shape(a, "chain", 0.5 + (0.12 - fill) * 4);
        else if (bw / bh > 1.6 && hollow(s, p))
            set_shape(a, "choker", 0.5 + (bw / bh - 1.6));
        else
            set_shape(a, "pendant", 0.5 + fabs(fill - 0.12));
    } else if (type && strstr(type, "brace")) {
        if (hollow(s, p))
            set_shape(a, fill > 0.45 ? "kada" : "bangle", 0.6 + fabs(fill - 0.45));
        else if (fill < 0.15)
            set_shape(a, "chain", 0.5 + (0.15 - fill) * 3);
        else
            set_shape(a, "cuff", 0.5);
    } else if (hollow(s, p) && tall < 1.35) {
        set_shape(a, "hoop", 0.6 + (1.35 - tall));
    } else if (tall > 1.0 && low >= 0.75 * bw && top <= 0.5 * bw) {
        set_shape(a, "jhumka", 0.5 + (low / bw - 0.75) * 2);
    } else if (tall > 1.6) {
        set_shape(a, "drop", 0.5 + (tall - 1.6));
    } else {
        set_shape(a, "stud", 0.5 + (1.6 - tall) / 1.2);
    }
}

static void pair_of(const struct scan *s, struct ai_analysis *a)
{
    const struct part *p = s->parts;
    if (s->nparts >= 2) {
        double r = (double)p[1].n / p[0].n;
        int side = p[1].x0 > p[0].x1 || p[0].x0 > p[1].x1;
        a->pair = r > 0.6 && side;
        a->pair_conf = a->pair ? clamp01(0.5 + (r - 0.6) * 1.25) : clamp01(0.5 + (0.6 - r));
    } else {
        a->pair = 0;
        a->pair_conf = s->nparts ? 0.9 : 0;
    }
}

/* s->weak: pixels at least a little off the background inside the parts'
 * box grown by a tenth. */
static void weak_mask(struct scan *s, const struct image_px *px, const unsigned char bg[3])
{
    int x0 = s->w, y0 = s->h, x1 = -1, y1 = -1, mx, my;
    for (int k = 0; k < s->nparts; k++) {
        const struct part *p = &s->parts[k];
        x0 = p->x0 < x0 ? p->x0 : x0, y0 = p->y0 < y0 ? p->y0 : y0;
        x1 = p->x1 > x1 ? p->x1 : x1, y1 = p->y1 > y1 ? p->y1 : y1;
    }
    mx = (x1 - x0) / 10 + 2, my = (y1 - y0) / 10 + 2;
    for (int y = y0 - my; y <= y1 + my; y++)
        for (int x = x0 - mx; x <= x1 + mx; x++) {
            if (x < 0 || y < 0 || x >= s->w || y >= s->h)
                continue;
            const unsigned char *p = px->data + ((size_t)y * s->w + x) * 3;
            s->weak[y * s->w + x] = s->mask[y * s->w + x] ||
                                    abs(p[0] - bg[0]) + abs(p[1] - bg[1]) + abs(p[2] - bg[2]) >= 12;
        }
}

static void doubt_all(struct ai_analysis *a)
{
    a->metal_conf /= 2, a->stones_conf /= 2, a->pearls_conf /= 2;
    a->pair_conf /= 2, a->symmetry_conf /= 2, a->shape_conf /= 2;
}

static enum kr_code scan_alloc(struct scan *s, int w, int h)
{
    size_t n = (size_t)w * h;
    s->w = w, s->h = h;
    s->mask = calloc(n, 1);
    s->cls = calloc(n, 1);
    s->weak = calloc(n, 1);
    s->lab = calloc(n, sizeof *s->lab);
    s->queue = calloc(n, sizeof *s->queue);
    return s->mask && s->cls && s->weak && s->lab && s->queue ? KR_OK : KR_ENOMEM;
}

static void scan_free(struct scan *s)
{
    free(s->mask);
    free(s->cls);
    free(s->weak);
    free(s->lab);
    free(s->queue);
}

enum kr_code ai_analyse_image(const struct ai_image *img, long long max_pixels, const char *type,
                              struct ai_analysis *out, struct kr_err *err)
{
    struct image_load_opts o = {.max_side = SIDE, .max_pixels = max_pixels};
    struct image_px px = {0};
    struct image_info info;
    struct scan s = {0};
    unsigned char bg[3];
    double spread;
    size_t piece = 0;
    enum kr_code rc;

    memset(out, 0, sizeof *out);
    if (!img || !img->data || !img->len)
        return kr_fail(err, KRS_MISSING_IMAGE, "no image to analyse");
    if ((rc = image_load(img->data, img->len, &o, &px, &info, err)))
        return rc;
    if (scan_alloc(&s, px.width, px.height)) {
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
        goto out;
    }
    ai__border_stats(&px, bg, &spread);
    int thr = (int)fmax(40.0, 3.5 * spread);
    for (int i = 0; i < s.w * s.h; i++) {
        const unsigned char *p = px.data + (size_t)i * 3;
        s.cls[i] = (unsigned char)ai__classify(p);
        s.mask[i] = abs(p[0] - bg[0]) + abs(p[1] - bg[1]) + abs(p[2] - bg[2]) >= thr;
        piece += s.mask[i];
    }
    if (piece < (size_t)s.w * s.h / 500)
        goto out; /* nothing to analyse: every confidence stays 0 */
    s.nparts = label(&s, want_piece, piece / 50 + 1, s.parts, MAX_PARTS);
    qsort(s.parts, (size_t)s.nparts, sizeof *s.parts, by_size);
    weak_mask(&s, &px, bg);
    metal_tone(&s, out);
    stones_and_pearls(&s, piece, out);
    pair_of(&s, out);
    if (s.nparts) {
        out->symmetry = symmetry(&s, &s.parts[0]);
        out->symmetry_conf = 0.8;
        silhouette(&s, &s.parts[0], type, out);
    }
    if (piece * 100 > (size_t)s.w * s.h * PIECE_MAX_PCT || spread > BUSY_SPREAD)
        doubt_all(out); /* not a cut-out piece: worn on a model, or a busy scene */
out:
    scan_free(&s);
    image_px_release(&px);
    return rc;
}
