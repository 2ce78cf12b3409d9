/*
 * trim.c - find the item in a catalog photo before hashing it.
 *
 * Catalog photos are mostly an item on a near-uniform background, and the
 * same item is re-published re-framed: padded to a square, zoomed, cropped,
 * letterboxed. A hash of the whole canvas changes completely under those
 * (DEDUP.md section 1.7c: 114-154 bits), a hash of the item does not. So:
 *
 *   1. background = per-channel median of a thin ring along the border;
 *      if fewer than RING_MIN of the ring pixels are within BG_TOL of it,
 *      there is no uniform background (a scene photo): keep the whole image;
 *   2. a pixel is "item" if some channel differs from the background by
 *      more than FG_TOL; counts are kept per cell of a grid of at most
 *      GRID x GRID cells (cheap, and thin chains still light their cells);
 *   3. 8-connected groups of lit cells; groups with less than KEEP_FRAC of
 *      the largest group's item pixels are dropped (JPEG specks, a small
 *      watermark or logo in a corner), the others are the item (two
 *      earrings side by side stay two kept groups);
 *   4. the pixel-exact bounding box of the kept groups, plus MARGIN of its
 *      size on each side, clamped to the image.
 * Nothing found, or a box that is too small to hash, gives the whole image.
 */
#include "dedup/dedup_internal.h"

#include <stdlib.h>
#include <string.h>

#define RING_MIN  0.40 /* fraction of the border that must be background */
#define BG_TOL    24   /* border pixel counts as background within this */
#define FG_TOL    28   /* item pixel: some channel differs by more than this */
#define GRID      128  /* at most GRID x GRID cells */
#define KEEP_FRAC 0.15
#define MARGIN    0.02
#define MIN_BOX   8 /* pixels; smaller boxes are not worth hashing */

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

/* Median colour of the border ring; returns the fraction of ring pixels
 * within BG_TOL of it. */
static double border_background(const unsigned char *rgb, int w, int h, int stride,
                                unsigned char bg[3])
{
    unsigned int hist[3][256];
    unsigned int total = 0, near = 0;
    int r = (w < h ? w : h) / 64 + 1;

    memset(hist, 0, sizeof hist);
    for (int pass = 0; pass < 2; pass++) {
        for (int y = 0; y < h; y++) {
            const unsigned char *row = rgb + (size_t)y * stride;
            int edge_row = y < r || y >= h - r;
            for (int x = 0; x < w; x++) {
                const unsigned char *p;
                if (!edge_row && x == r)
                    x = w - r; /* skip the inside of the row */
                p = row + (size_t)x * 3;
                if (pass == 0) {
                    for (int c = 0; c < 3; c++)
                        hist[c][p[c]]++;
                    total++;
                } else if (diff3(p, bg) <= BG_TOL) {
                    near++;
                }
            }
        }
        if (pass == 0)
            for (int c = 0; c < 3; c++)
                bg[c] = (unsigned char)hist_median(hist[c], total);
    }
    return total ? (double)near / total : 0;
}

struct grid {
    int gw, gh, cell;
    unsigned int *count; /* item pixels per cell */
    int *label;          /* component id per cell, -1 = unlit */
};

static void grid_fill(struct grid *g, const unsigned char *rgb, int w, int h, int stride,
                      const unsigned char bg[3])
{
    for (int y = 0; y < h; y++) {
        const unsigned char *row = rgb + (size_t)y * stride;
        unsigned int *crow = g->count + (size_t)(y / g->cell) * g->gw;
        for (int x = 0; x < w; x++)
            if (diff3(row + (size_t)x * 3, bg) > FG_TOL)
                crow[x / g->cell]++;
    }
}

/* Label 8-connected lit cells; returns the number of components and fills
 * mass[] (item pixels per component, caller-sized gw*gh). */
static int grid_label(struct grid *g, unsigned long *mass, int *stack)
{
    int n = 0, cells = g->gw * g->gh;
    for (int i = 0; i < cells; i++)
        g->label[i] = -1;
    for (int seed = 0; seed < cells; seed++) {
        int sp = 0;
        if (!g->count[seed] || g->label[seed] >= 0)
            continue;
        mass[n] = 0;
        g->label[seed] = n;
        stack[sp++] = seed;
        while (sp) {
            int c = stack[--sp], cx = c % g->gw, cy = c / g->gw;
            mass[n] += g->count[c];
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

/* Pixel-exact box of item pixels inside kept cells. Returns 0 if empty. */
static int kept_box(const struct grid *g, const unsigned char *keep, const unsigned char *rgb,
                    int w, int h, int stride, const unsigned char bg[3], struct dedup_box *b)
{
    int x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (int y = 0; y < h; y++) {
        const unsigned char *row = rgb + (size_t)y * stride;
        const int *lrow = g->label + (size_t)(y / g->cell) * g->gw;
        for (int x = 0; x < w; x++) {
            int l = lrow[x / g->cell];
            if (l < 0 || !keep[l] || diff3(row + (size_t)x * 3, bg) <= FG_TOL)
                continue;
            if (x < x0)
                x0 = x;
            if (x > x1)
                x1 = x;
            if (y < y0)
                y0 = y;
            y1 = y;
        }
    }
    if (x1 < 0)
        return 0;
    b->x0 = x0;
    b->y0 = y0;
    b->x1 = x1 + 1;
    b->y1 = y1 + 1;
    return 1;
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
    unsigned long *mass, best = 0;
    unsigned char *keep;
    int *stack, n, ok = 0;
    struct dedup_box b = *box;

    g.cell = ((w > h ? w : h) + GRID - 1) / GRID;
    g.gw = (w + g.cell - 1) / g.cell;
    g.gh = (h + g.cell - 1) / g.cell;
    g.count = calloc((size_t)g.gw * g.gh, sizeof *g.count);
    g.label = malloc((size_t)g.gw * g.gh * sizeof *g.label);
    mass = malloc((size_t)g.gw * g.gh * sizeof *mass);
    stack = malloc((size_t)g.gw * g.gh * sizeof *stack);
    keep = calloc((size_t)g.gw * g.gh, 1);
    if (!g.count || !g.label || !mass || !stack || !keep)
        goto out;
    grid_fill(&g, rgb, w, h, stride, box->bg);
    n = grid_label(&g, mass, stack);
    for (int i = 0; i < n; i++)
        if (mass[i] > best)
            best = mass[i];
    for (int i = 0; i < n; i++)
        keep[i] = mass[i] >= best * KEEP_FRAC;
    if (n && kept_box(&g, keep, rgb, w, h, stride, box->bg, &b)) {
        add_margin(&b, w, h);
        ok = b.x1 - b.x0 >= MIN_BOX && b.y1 - b.y0 >= MIN_BOX;
    }
    if (ok) {
        box->x0 = b.x0;
        box->y0 = b.y0;
        box->x1 = b.x1;
        box->y1 = b.y1;
    }
out:
    free(g.count);
    free(g.label);
    free(mass);
    free(stack);
    free(keep);
    return ok;
}

void dedup_trim(const unsigned char *rgb, int w, int h, int stride, struct dedup_box *box)
{
    memset(box, 0, sizeof *box);
    box->x1 = w;
    box->y1 = h;
    if (w < 2 * MIN_BOX || h < 2 * MIN_BOX)
        return;
    if (border_background(rgb, w, h, stride, box->bg) < RING_MIN)
        return;
    box->trimmed = find_item(rgb, w, h, stride, box);
}
