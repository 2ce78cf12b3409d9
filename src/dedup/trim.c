/*
 * trim.c - find the item in a catalog photo before hashing it.
 *
 * Catalog photos are mostly an item on a near-uniform background, and the
 * same item is re-published re-framed: padded to a square, zoomed, cropped,
 * letterboxed. A hash of the whole canvas changes completely under those
 * (PDQ distances of 114-154 of 256 bits measured between such re-framings),
 * a hash of the item does not. So:
 *
 *   1. background = per-channel median of four thin strips along the
 *      border (a little inside it, corners left out: see border_strips); a
 *      side is background when SIDE_MIN of its strip is within BG_TOL of it. With fewer than
 * SIDES_MIN such sides there is no uniform background (a scene photo, or one with a dark strip
 * along one edge): keep the whole image. Two opposite sides are enough, so a photo letterboxed onto
 * a square canvas is cut back to the photo;
 *   2. a pixel is "item" if some channel differs from the background by
 *      more than FG_TOL; counts are kept per cell of a grid of at most
 *      GRID x GRID cells (cheap, and thin chains still light their cells);
 *   3. 8-connected groups of lit cells. The item starts as the largest
 *      group; a group joins it when it holds at least BIG_FRAC of all item
 *      pixels (two earrings side by side) or has a cell within NEAR cells of
 *      a kept cell (a tail, a chain); repeated until nothing changes.
 *      What is left out is small and apart: JPEG specks, a watermark or logo
 *      in a corner. If the kept groups hold less than KEPT_MIN of all item
 *      pixels, the content is scattered (a page of text, craters on the
 *      moon) and there is no item to cut out: whole image;
 *   4. the pixel-exact bounding box of the kept groups, its share of item
 *      pixels on the item's edge (`thin`: scene.c tells a page of text,
 *      strokes a pixel or two thick, from an item by it), plus MARGIN of its
 *      size on each side, clamped to the image (used for colours); no margin
 *      when the item fills the outline of its box (a "solid" item: a photo
 *      letterboxed or padded onto a plain canvas, framed by that box exactly
 *      as the unpadded photo is framed by its edges; the photo inside is
 *      then trimmed once more, as it would be on its own); and the
 *      centre and spread of the item (soft weights), which dedup.c uses to
 *      frame the hash: a box grows by sin(angle) x the other side when the
 *      item turns, second moments barely change.
 * Nothing found, or a box that is too small to hash, gives the whole image.
 */
#include "dedup/dedup_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SIDE_MIN  0.80 /* a side of the border is background if this much of it is */
#define SIDES_MIN 2    /* trim only with at least this many background sides */
#define BG_TOL    24   /* border pixel counts as background within this */
#define FG_TOL    16   /* item pixel: some channel differs by more than this */
#define GRID      128  /* at most GRID x GRID cells */
#define BIG_FRAC  0.25 /* a group this large (of all item pixels) is item */
#define NEAR      2    /* a group this close (cells) to the item is item */
#define KEPT_MIN  0.60 /* the item must hold this much of all item pixels */
#define MARGIN    0.02
#define SOLID_MIN 0.60 /* outline this full: a pasted photo, framed by its box */
#define SOFT_LO   8    /* soft item weight for the moments: 0 here ... */
#define SOFT_HI   40   /* ... 1 here */
#define MIN_BOX   8    /* pixels; smaller boxes are not worth hashing */

static int diff3(const unsigned char *p, const unsigned char bg[3])
{
    int d0 = abs(p[0] - bg[0]), d1 = abs(p[1] - bg[1]), d2 = abs(p[2] - bg[2]);
    int d = d0 > d1 ? d0 : d1;
    return d > d2 ? d : d2;
}

static int hist_median(const unsigned int *hist, unsigned int total)
{
    unsigned int acc = 0;
    for (int v = 0; v < 256; v++) {
        acc += hist[v];
        if (acc * 2 > total)
            return v;
    }
    return 255;
}

/* The four border strips that decide the background: each is r pixels
 * thick, starts `inset` pixels in from its edge, and leaves out the outer
 * tenth at both ends. Corners and the outermost pixels are where a copy
 * turned by a few degrees shows its white fill, so they say little about
 * the original background. */
struct strip {
    int x0, y0, x1, y1;
};

static void border_strips(int w, int h, struct strip s[4])
{
    int m = w < h ? w : h, r = m / 64 + 1, in = m / 40, ex = w / 10, ey = h / 10;
    s[0] = (struct strip){ex, in, w - ex, in + r};
    s[1] = (struct strip){ex, h - in - r, w - ex, h - in};
    s[2] = (struct strip){in, ey, in + r, h - ey};
    s[3] = (struct strip){w - in - r, ey, w - in, h - ey};
}

/* Median colour of the border strips into bg; returns how many of the four
 * sides are background (SIDE_MIN of their pixels within BG_TOL of it). */
static int border_background(const unsigned char *rgb, int w, int h, int stride,
                             unsigned char bg[3])
{
    unsigned int hist[3][256], total = 0, near[4] = {0}, count[4] = {0};
    struct strip st[4];
    int sides = 0;

    border_strips(w, h, st);
    memset(hist, 0, sizeof hist);
    for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < 4; k++)
            for (int y = st[k].y0; y < st[k].y1; y++)
                for (int x = st[k].x0; x < st[k].x1; x++) {
                    const unsigned char *p = rgb + (size_t)y * stride + (size_t)x * 3;
                    if (pass == 1) {
                        near[k] += diff3(p, bg) <= BG_TOL;
                        continue;
                    }
                    for (int c = 0; c < 3; c++)
                        hist[c][p[c]]++;
                    total++;
                    count[k]++;
                }
        if (pass == 0)
            for (int c = 0; c < 3; c++)
                bg[c] = (unsigned char)hist_median(hist[c], total);
    }
    for (int i = 0; i < 4; i++)
        sides += count[i] && near[i] >= SIDE_MIN * count[i];
    return sides;
}

struct grid {
    int gw, gh, cell;
    unsigned int *count; /* item pixels per cell */
    int *label;          /* component id per cell, -1 = unlit */
};

/* One group of lit cells: its item pixels and its box in cells (inclusive). */
struct comp {
    unsigned long mass;
    int x0, y0, x1, y1;
};

/* d[x] = diff3() of pixel x of the row (its largest channel difference from
 * the background); returns how many pixels it did (the generic version
 * does them all). */
typedef int (*diff_row_fn)(const unsigned char *row, int w, const unsigned char bg[3],
                           unsigned char *d);

static int diff_row_generic(const unsigned char *row, int w, const unsigned char bg[3],
                            unsigned char *d)
{
    for (int x = 0; x < w; x++)
        d[x] = (unsigned char)diff3(row + (size_t)x * 3, bg);
    return w;
}

#if defined(__x86_64__)
#include <immintrin.h>

/* 16 pixels (48 bytes) per step: pshufb gathers each channel into its own
 * vector, then |channel - background| by saturating subtraction both ways
 * and the maximum over the channels. */
__attribute__((target("ssse3"))) static int
diff_row_ssse3(const unsigned char *row, int w, const unsigned char bg[3], unsigned char *d)
{
    __m128i mask[3][3], bgv[3];
    int x = 0;

    for (int c = 0; c < 3; c++) {
        unsigned char m[3][16];
        for (int p = 0; p < 16; p++)
            for (int v = 0; v < 3; v++) /* byte 3p + c of the 48 sits in vector v? */
                m[v][p] = (3 * p + c) / 16 == v ? (unsigned char)((3 * p + c) % 16) : 0x80;
        for (int v = 0; v < 3; v++)
            mask[c][v] = _mm_loadu_si128((const __m128i *)m[v]);
        bgv[c] = _mm_set1_epi8((char)bg[c]);
    }
    for (; x + 16 <= w; x += 16) {
        const unsigned char *p = row + (size_t)x * 3;
        __m128i v[3], most = _mm_setzero_si128();
        for (int k = 0; k < 3; k++)
            v[k] = _mm_loadu_si128((const __m128i *)(p + 16 * k));
        for (int c = 0; c < 3; c++) {
            __m128i ch = _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(v[0], mask[c][0]),
                                                   _mm_shuffle_epi8(v[1], mask[c][1])),
                                      _mm_shuffle_epi8(v[2], mask[c][2]));
            __m128i ad = _mm_or_si128(_mm_subs_epu8(ch, bgv[c]), _mm_subs_epu8(bgv[c], ch));
            most = _mm_max_epu8(most, ad);
        }
        _mm_storeu_si128((__m128i *)(d + x), most);
    }
    return x;
}
#endif

static diff_row_fn pick_diff_row(void)
{
#if defined(__x86_64__)
    if (__builtin_cpu_supports("ssse3"))
        return diff_row_ssse3;
#endif
    return diff_row_generic;
}

/* The difference plane (w x h bytes, diff3() of every pixel), computed once
 * and read by every later step instead of the RGB pixels. */
static void diff_plane(const unsigned char *rgb, int w, int h, int stride,
                       const unsigned char bg[3], unsigned char *dp)
{
    diff_row_fn fast = pick_diff_row();
    for (int y = 0; y < h; y++) {
        const unsigned char *row = rgb + (size_t)y * stride;
        unsigned char *d = dp + (size_t)y * w;
        int done = fast(row, w, bg, d);
        diff_row_generic(row + (size_t)done * 3, w - done, bg, d + done);
    }
}

/* Item pixels (difference > FG_TOL) per cell. */
static void grid_fill(struct grid *g, const unsigned char *dp, int w, int h)
{
    for (int y = 0; y < h; y++) {
        const unsigned char *d = dp + (size_t)y * w;
        unsigned int *crow = g->count + (size_t)(y / g->cell) * g->gw;
        /* cell by cell: no division per pixel in this hot loop */
        for (int cx = 0, x = 0; cx < g->gw; cx++) {
            int xend = (cx + 1) * g->cell < w ? (cx + 1) * g->cell : w;
            unsigned int n = 0;
            for (; x < xend; x++)
                n += d[x] > FG_TOL;
            crow[cx] += n;
        }
    }
}

static void comp_add_cell(struct comp *c, int cx, int cy, unsigned int count)
{
    c->mass += count;
    c->x0 = cx < c->x0 ? cx : c->x0;
    c->x1 = cx > c->x1 ? cx : c->x1;
    c->y0 = cy < c->y0 ? cy : c->y0;
    c->y1 = cy > c->y1 ? cy : c->y1;
}

/* Label 8-connected lit cells; returns the number of groups and fills
 * comps[] (caller-sized gw*gh). */
static int grid_label(struct grid *g, struct comp *comps, int *stack)
{
    int n = 0, cells = g->gw * g->gh;
    for (int i = 0; i < cells; i++)
        g->label[i] = -1;
    for (int seed = 0; seed < cells; seed++) {
        int sp = 0;
        if (!g->count[seed] || g->label[seed] >= 0)
            continue;
        comps[n] = (struct comp){0, g->gw, g->gh, -1, -1};
        g->label[seed] = n;
        stack[sp++] = seed;
        while (sp) {
            int c = stack[--sp], cx = c % g->gw, cy = c / g->gw;
            comp_add_cell(&comps[n], cx, cy, g->count[c]);
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int nx = cx + dx, ny = cy + dy, k;
                    if (nx < 0 || ny < 0 || nx >= g->gw || ny >= g->gh)
                        continue;
                    k = ny * g->gw + nx;
                    if (g->count[k] && g->label[k] < 0) {
                        g->label[k] = n;
                        stack[sp++] = k;
                    }
                }
        }
        n++;
    }
    return n;
}

/* Is some cell of group `id` within NEAR cells of a cell of a kept group? */
static int near_kept(const struct grid *g, const struct comp *c, int id, const unsigned char *keep)
{
    for (int cy = c->y0; cy <= c->y1; cy++)
        for (int cx = c->x0; cx <= c->x1; cx++) {
            if (g->label[cy * g->gw + cx] != id)
                continue;
            for (int y = cy - NEAR; y <= cy + NEAR; y++)
                for (int x = cx - NEAR; x <= cx + NEAR; x++) {
                    int l;
                    if (x < 0 || y < 0 || x >= g->gw || y >= g->gh)
                        continue;
                    l = g->label[y * g->gw + x];
                    if (l >= 0 && l != id && keep[l])
                        return 1;
                }
        }
    return 0;
}

/* Choose the groups that make the item (see the top of the file); returns
 * 0 when they hold less than KEPT_MIN of all item pixels (scattered content
 * on a plain ground, e.g. a page of text: no single item to cut out). */
static int choose_groups(const struct grid *g, const struct comp *comps, int n, unsigned char *keep)
{
    unsigned long kept = 0;
    unsigned long total = 0;
    int best = 0, changed = 1;

    for (int i = 0; i < n; i++) {
        total += comps[i].mass;
        if (comps[i].mass > comps[best].mass)
            best = i;
    }
    keep[best] = 1;
    while (changed) {
        changed = 0;
        for (int i = 0; i < n; i++) {
            if (keep[i])
                continue;
            if (comps[i].mass >= total * BIG_FRAC || near_kept(g, &comps[i], i, keep)) {
                keep[i] = 1;
                changed = 1;
            }
        }
    }
    for (int i = 0; i < n; i++)
        kept += keep[i] ? comps[i].mass : 0;
    return kept >= total * KEPT_MIN;
}

/* Soft item weight of a pixel, in 1/(SOFT_HI - SOFT_LO) units: 0 at SOFT_LO
 * difference from the background, full at SOFT_HI; so moments do not jump
 * when a pale edge crosses FG_TOL. Integer, so the sums below are exact. */
static int soft_weight(int diff)
{
    return diff <= SOFT_LO ? 0 : diff >= SOFT_HI ? SOFT_HI - SOFT_LO : diff - SOFT_LO;
}

/* Weighted sums of the moments, in doubled coordinates (2x + 1 is twice
 * the pixel centre) so that everything stays an integer. */
struct moments {
    long long w, x, y, xx, yy;
};

/* One run [xa, xb) of row y (differences d) inside a kept cell: moments
 * and box. Row sums first, so y enters once per run. */
static void kept_run(const unsigned char *d, int xa, int xb, int y, struct moments *m, int *box)
{
    long long rw = 0, rx = 0, rxx = 0, Y = 2LL * y + 1;
    int first = -1, last = -1;
    for (int x = xa; x < xb; x++) {
        long long wt = soft_weight(d[x]), X = 2LL * x + 1;
        rw += wt;
        rx += wt * X;
        rxx += wt * X * X;
        if (d[x] > FG_TOL) {
            first = first < 0 ? x : first;
            last = x;
        }
    }
    m->w += rw;
    m->x += rx;
    m->xx += rxx;
    m->y += rw * Y;
    m->yy += rw * Y * Y;
    if (first < 0)
        return;
    box[0] = first < box[0] ? first : box[0];
    box[2] = last > box[2] ? last : box[2];
    box[1] = y < box[1] ? y : box[1];
    box[3] = y;
}

/* Pixel-exact box of item pixels inside kept cells, and the item moments.
 * Returns 0 if empty. Walks the rows cell by cell, skipping cells that are
 * not kept (most of a white background). */
static int kept_box(const struct grid *g, const unsigned char *keep, const unsigned char *dp, int w,
                    int h, struct dedup_box *b)
{
    struct moments m = {0};
    int box[4] = {w, h, -1, -1}; /* x0 y0 x1 y1, inclusive */
    for (int y = 0; y < h; y++) {
        const unsigned char *d = dp + (size_t)y * w;
        const int *lrow = g->label + (size_t)(y / g->cell) * g->gw;
        for (int cx = 0; cx < g->gw; cx++) {
            int xa = cx * g->cell, xb = xa + g->cell < w ? xa + g->cell : w;
            if (lrow[cx] >= 0 && keep[lrow[cx]])
                kept_run(d, xa, xb, y, &m, box);
        }
    }
    if (box[2] < 0 || m.w <= 0)
        return 0;
    double sw = (double)m.w, cx = m.x / sw / 2, cy = m.y / sw / 2;
    b->x0 = box[0];
    b->y0 = box[1];
    b->x1 = box[2] + 1;
    b->y1 = box[3] + 1;
    b->cx = (float)cx;
    b->cy = (float)cy;
    b->sx = (float)sqrt(fmax(m.xx / sw / 4 - cx * cx, 0.25));
    b->sy = (float)sqrt(fmax(m.yy / sw / 4 - cy * cy, 0.25));
    return 1;
}

/* Fraction of the box's outline (pixels on its four edges) that is item:
 * near 1 for a photo pasted on a plain canvas, low for an object, whose
 * outline touches its box only here and there. */
static double outline_fill(const unsigned char *dp, int w, const struct dedup_box *b)
{
    long on = 0, all = 0;
    for (int x = b->x0; x < b->x1; x++) {
        on += dp[(size_t)b->y0 * w + x] > FG_TOL;
        on += dp[(size_t)(b->y1 - 1) * w + x] > FG_TOL;
        all += 2;
    }
    for (int y = b->y0; y < b->y1; y++) {
        on += dp[(size_t)y * w + b->x0] > FG_TOL;
        on += dp[(size_t)y * w + b->x1 - 1] > FG_TOL;
        all += 2;
    }
    return all ? (double)on / all : 0;
}

/* Share of the item pixels inside b that have a background 4-neighbour. */
static float edge_share(const unsigned char *dp, int w, int h, const struct dedup_box *b)
{
    long item = 0, edge = 0;
    for (int y = b->y0; y < b->y1; y++) {
        const unsigned char *d = dp + (size_t)y * w;
        for (int x = b->x0; x < b->x1; x++) {
            if (d[x] <= FG_TOL)
                continue;
            item++;
            edge += (x > 0 && d[x - 1] <= FG_TOL) || (x + 1 < w && d[x + 1] <= FG_TOL) ||
                    (y > 0 && d[x - w] <= FG_TOL) || (y + 1 < h && d[x + w] <= FG_TOL);
        }
    }
    return item ? (float)((double)edge / (double)item) : 0.0f;
}

static void add_margin(struct dedup_box *b, int w, int h)
{
    int mx = (int)((b->x1 - b->x0) * MARGIN + 0.5), my = (int)((b->y1 - b->y0) * MARGIN + 0.5);
    b->x0 = b->x0 - mx < 0 ? 0 : b->x0 - mx;
    b->y0 = b->y0 - my < 0 ? 0 : b->y0 - my;
    b->x1 = b->x1 + mx > w ? w : b->x1 + mx;
    b->y1 = b->y1 + my > h ? h : b->y1 + my;
}

static int find_item(const unsigned char *rgb, int w, int h, int stride, struct dedup_box *box)
{
    struct grid g;
    struct comp *comps;
    unsigned char *keep, *dp;
    int *stack, n, ok = 0;
    struct dedup_box b = *box;

    g.cell = ((w > h ? w : h) + GRID - 1) / GRID;
    g.gw = (w + g.cell - 1) / g.cell;
    g.gh = (h + g.cell - 1) / g.cell;
    g.count = calloc((size_t)g.gw * g.gh, sizeof *g.count);
    g.label = malloc((size_t)g.gw * g.gh * sizeof *g.label);
    comps = malloc((size_t)g.gw * g.gh * sizeof *comps);
    stack = malloc((size_t)g.gw * g.gh * sizeof *stack);
    keep = calloc((size_t)g.gw * g.gh, 1);
    dp = malloc((size_t)w * h);
    if (!g.count || !g.label || !comps || !stack || !keep || !dp)
        goto out;
    diff_plane(rgb, w, h, stride, box->bg, dp);
    grid_fill(&g, dp, w, h);
    n = grid_label(&g, comps, stack);
    if (n && choose_groups(&g, comps, n, keep) && kept_box(&g, keep, dp, w, h, &b)) {
        b.solid = outline_fill(dp, w, &b) >= SOLID_MIN;
        b.thin = edge_share(dp, w, h, &b);
        if (!b.solid)
            add_margin(&b, w, h);
        ok = b.x1 - b.x0 >= MIN_BOX && b.y1 - b.y0 >= MIN_BOX;
    }
    if (ok)
        *box = b;
out:
    free(g.count);
    free(g.label);
    free(comps);
    free(stack);
    free(keep);
    free(dp);
    return ok;
}

static void trim_once(const unsigned char *rgb, int w, int h, int stride, struct dedup_box *box)
{
    memset(box, 0, sizeof *box);
    box->x1 = w;
    box->y1 = h;
    if (w < 2 * MIN_BOX || h < 2 * MIN_BOX)
        return;
    if (border_background(rgb, w, h, stride, box->bg) < SIDES_MIN)
        return;
    box->trimmed = find_item(rgb, w, h, stride, box);
}

void dedup__trim(const unsigned char *rgb, int w, int h, int stride, struct dedup_box *box)
{
    struct dedup_box inner;
    trim_once(rgb, w, h, stride, box);
    if (!box->trimmed || !box->solid)
        return;
    /* A photo pasted on a canvas: trim the photo itself too, so that the
     * padded copy ends where the unpadded photo would. */
    trim_once(rgb + (size_t)box->y0 * stride + (size_t)box->x0 * 3, box->x1 - box->x0,
              box->y1 - box->y0, stride, &inner);
    if (!inner.trimmed)
        return;
    inner.x0 += box->x0;
    inner.x1 += box->x0;
    inner.y0 += box->y0;
    inner.y1 += box->y0;
    inner.cx += (float)box->x0;
    inner.cy += (float)box->y0;
    *box = inner;
}
