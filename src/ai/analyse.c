/*
 * analyse.c - ai_analyse_image(): what the cut-out piece itself shows,
 * offline and deterministic, each answer with a confidence 0..1.
 *
 * The photo is decoded at most 384 px on its longest side. The piece is
 * the cut a segmenter from a layer above gives (app/ hands in the studio's
 * segmentation, struct ai_segmenter), or, without one or when it fails,
 * every pixel far enough from the border's median colour (measure.c's cut).
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
 *   - stone cluster (kundan / polki-like): five or more small regions that
 *     are not metal (coloured, or pale holes in the cut), each framed in
 *     metal, close together. A pale region framed in metal is a set stone,
 *     never a pearl.
 *   - silhouette per product type from the first part's box, fill, mirror
 *     symmetry and runs: earrings: an asymmetric part is an ear cuff, a
 *     hollow centre a hoop, upper-middle rows split by the crescent's horns
 *     a chandbali, wider at the bottom a jhumka, tall and thin a drop, small
 *     and solid a stud; necklaces: two or more strands across the centre
 *     line layered, a thick shallow band a choker, a long mass at the bottom
 *     a pendant, else a chain; bracelets: a ring closed on four sides is a
 *     bangle (thin band) or a kada (band over 8 % of the box), a long low
 *     piece a chain, a ring with a gap on one side a cuff.
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
    int id;  /* its label in scan.lab */
};

struct scan {
    int w, h;
    unsigned char *mask; /* 1 = piece */
    unsigned char *cls;  /* ai_cls per pixel */
    unsigned char *weak; /* 1 = a little off the background, inside the piece's box */
    unsigned char *seen; /* enclosed()'s flood, cleared after each use */
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
    int np = 0, id = 0;
    size_t tally[C_COUNT];
    memset(s->lab, 0, sizeof(int) * (size_t)s->w * s->h);
    for (int i = 0; i < s->w * s->h; i++) {
        if (s->lab[i] || !want(s, i))
            continue;
        struct part p = {s->w, s->h, -1, -1, 0, 0, ++id};
        int head = 0, tail = 0;
        memset(tally, 0, sizeof tally);
        s->queue[tail++] = i;
        s->lab[i] = id;
        while (head < tail) {
            int q = s->queue[head++], x = q % s->w, y = q / s->w;
            int nb[4] = {x > 0 ? q - 1 : -1, x < s->w - 1 ? q + 1 : -1, y > 0 ? q - s->w : -1,
                         y < s->h - 1 ? q + s->w : -1};
            p.n++, tally[s->cls[q]]++;
            p.x0 = x < p.x0 ? x : p.x0, p.x1 = x > p.x1 ? x : p.x1;
            p.y0 = y < p.y0 ? y : p.y0, p.y1 = y > p.y1 ? y : p.y1;
            for (int k = 0; k < 4; k++)
                if (nb[k] >= 0 && !s->lab[nb[k]] && want(s, nb[k]))
                    s->lab[nb[k]] = id, s->queue[tail++] = nb[k];
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

/* 1 when component p is enclosed by metal of the piece: a flood from it
 * through everything that is not metal stays small and off the frame's
 * edge (a stone set in metal), where a pearl's flood runs out into the
 * background. Uses s->queue and s->seen (left cleared). */
static int enclosed(struct scan *s, const struct part *p)
{
    int head = 0, tail = 0, open = 0, cap = 4 * (p->x1 - p->x0 + 3) * (p->y1 - p->y0 + 3);
    for (int y = p->y0; y <= p->y1 && !tail; y++)
        for (int x = p->x0; x <= p->x1 && !tail; x++)
            if (s->lab[y * s->w + x] == p->id)
                s->queue[tail++] = y * s->w + x, s->seen[y * s->w + x] = 1;
    while (head < tail && !open) {
        int q = s->queue[head++], x = q % s->w, y = q / s->w;
        int nb[4] = {x > 0 ? q - 1 : -1, x < s->w - 1 ? q + 1 : -1, y > 0 ? q - s->w : -1,
                     y < s->h - 1 ? q + s->w : -1};
        for (int k = 0; k < 4 && !open; k++) {
            if (nb[k] < 0 || tail >= cap) {
                open = 1;
                break;
            }
            if (!s->seen[nb[k]] && !(s->mask[nb[k]] && IS_METAL(s->cls[nb[k]])))
                s->seen[nb[k]] = 1, s->queue[tail++] = nb[k];
        }
    }
    for (int i = 0; i < tail; i++)
        s->seen[s->queue[i]] = 0;
    return !open;
}

/* Set-stone candidates: anything that is not metal of the piece (a
 * coloured stone, or a pale one the background cut leaves as a hole). */
static int want_set(const struct scan *s, int i)
{
    return !s->mask[i] || !IS_METAL(s->cls[i]);
}

/* A kundan / polki-like cluster: five or more small stones, each framed in
 * metal, whose centres lie within four stone widths of one of them. */
static void stone_cluster(struct scan *s, size_t piece, struct ai_analysis *a)
{
    struct part st[MAX_PARTS];
    double cx[MAX_PARTS], cy[MAX_PARTS], d[MAX_PARTS];
    int ns = label(s, want_set, piece / 600 + 4, st, MAX_PARTS), k = 0, best = 0;
    for (int i = 0; i < ns; i++) {
        /* each of want_set's components is bounded by metal or runs into
         * the background: small ones off the frame's edge are set stones */
        if (st[i].n * 12 > piece || st[i].x0 == 0 || st[i].y0 == 0 || st[i].x1 == s->w - 1 ||
            st[i].y1 == s->h - 1)
            continue;
        cx[k] = (st[i].x0 + st[i].x1) / 2.0, cy[k] = (st[i].y0 + st[i].y1) / 2.0;
        d[k++] = sqrt((double)st[i].n);
    }
    for (int i = 0; i < k; i++) {
        int near = 0;
        for (int j = 0; j < k; j++)
            near += hypot(cx[i] - cx[j], cy[i] - cy[j]) <= 4 * d[i];
        best = near > best ? near : best;
    }
    a->cluster = best >= 5;
    a->cluster_conf = a->cluster ? clamp01(0.55 + 0.08 * (best - 5)) : clamp01(0.95 - 0.1 * best);
    if (a->cluster && a->stones < best)
        a->stones = best;
    if (a->cluster && a->stones_conf < a->cluster_conf)
        a->stones_conf = a->cluster_conf;
}

static void stones_and_pearls(struct scan *s, size_t piece, struct ai_analysis *a)
{
    struct part st[MAX_PARTS], pe[MAX_PARTS];
    size_t min = piece / 400 + 6, covered = 0;
    int ns = label(s, want_stone, min, st, MAX_PARTS), np, round = 0, loose = 0;
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
        if (enclosed(s, &pe[i]))
            continue; /* a pale stone framed in metal is a set stone (polki), not a pearl */
        loose++;
        round += fill > 0.5 && bw >= 4 && bh >= 4 && asp > 0.65 && asp < 1.5 && pe[i].n * 8 < piece;
    }
    a->pearls = round;
    a->pearls_conf = round ? clamp01(0.6 + 0.15 * round) : loose ? 0.5 : 0.85;
    stone_cluster(s, piece, a);
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

/* 1 if the centre of the part's box lies in a gap of background, enclosed
 * left and right by the part, at least a quarter of the box wide (a small
 * pale stone at the centre is not a hollow). */
static int hollow(const struct scan *s, const struct part *p)
{
    int cx = (p->x0 + p->x1) / 2, cy = (p->y0 + p->y1) / 2, l = cx, r = cx;
    if (s->mask[cy * s->w + cx])
        return 0;
    while (l >= p->x0 && !s->mask[cy * s->w + l])
        l--;
    while (r <= p->x1 && !s->mask[cy * s->w + r])
        r++;
    if (!(l >= p->x0 && r <= p->x1 && (r - l) * 4 >= p->x1 - p->x0 + 1))
        return 0;
    /* and metal above and below it: a wave crossing the centre row is no ring */
    for (int d = -1; d <= 1; d += 2) {
        int y = cy;
        while (y >= p->y0 && y <= p->y1 && !s->mask[y * s->w + cx])
            y += d;
        if (y < p->y0 || y > p->y1)
            return 0;
    }
    return 1;
}

/* 1 if the box's centre is background with the band above, below and on
 * one side only: a ring with a gap (a cuff seen from above). */
static int open_ring(const struct scan *s, const struct part *p)
{
    int cx = (p->x0 + p->x1) / 2, cy = (p->y0 + p->y1) / 2, side[2] = {0, 0};
    if (s->mask[cy * s->w + cx])
        return 0;
    for (int d = -1; d <= 1; d += 2) {
        int y = cy, x = cx;
        while (y >= p->y0 && y <= p->y1 && !s->mask[y * s->w + cx])
            y += d;
        if (y < p->y0 || y > p->y1)
            return 0; /* open above or below */
        while (x >= p->x0 && x <= p->x1 && !s->mask[cy * s->w + x])
            x += d;
        side[d > 0] = x >= p->x0 && x <= p->x1;
    }
    return side[0] != side[1];
}

/* The thickness of a ring's band: the run of mask pixels inward from the
 * left edge of the box along its centre row. */
static int band_width(const struct scan *s, const struct part *p)
{
    int cy = (p->y0 + p->y1) / 2, x = p->x0;
    while (x <= p->x1 && !s->mask[cy * s->w + x])
        x++;
    int from = x;
    while (x <= p->x1 && s->mask[cy * s->w + x])
        x++;
    return x - from;
}

/* Runs of the part's mask along row y (horizontal) or column x (vertical),
 * gaps shorter than 3 px bridged. */
static int runs(const struct scan *s, const struct part *p, int at, int vertical)
{
    int n = 0, gap = 3, lo = vertical ? p->y0 : p->x0, hi = vertical ? p->y1 : p->x1;
    for (int i = lo; i <= hi; i++) {
        int on = 0;
        for (int d = -1; d <= 1 && !on; d++) { /* three columns / rows wide */
            int x = vertical ? at + d : i, y = vertical ? i : at + d;
            on = x >= 0 && y >= 0 && x < s->w && y < s->h && s->mask[y * s->w + x];
        }
        if (on)
            n += gap >= 3, gap = 0;
        else
            gap++;
    }
    return n;
}

/* 1 when row y of the part has a gap between its first and last pixel
 * that is open to the top of the box (a column clear of the part above
 * it): the inside of a crescent, not a hole such as a pale set stone. */
static int open_gap(const struct scan *s, const struct part *p, int y)
{
    int lo = p->x0, hi = p->x1;
    while (lo <= hi && !s->mask[y * s->w + lo])
        lo++;
    while (hi >= lo && !s->mask[y * s->w + hi])
        hi--;
    for (int x = lo + 1; x < hi; x++) {
        int yy = y;
        while (yy >= p->y0 && !s->mask[yy * s->w + x])
            yy--;
        if (yy < p->y0)
            return 1;
    }
    return 0;
}

/* Rows of the box's band [f0, f1) (fractions of its height) in which the
 * part is split, by a gap open to the top, into two or more runs spread
 * over most of its width. */
static double split_rows(const struct scan *s, const struct part *p, double f0, double f1)
{
    int bh = p->y1 - p->y0 + 1, bw = p->x1 - p->x0 + 1, n = 0, all = 0;
    for (int y = p->y0 + (int)(bh * f0); y < p->y0 + (int)(bh * f1); y++, all++)
        n += runs(s, p, y, 0) >= 2 && span(s, p, y, y + 1) * 10 >= bw * 7 && open_gap(s, p, y);
    return all ? (double)n / all : 0;
}

/* Length of the lowest run of the part within 3 px of column cx, gaps
 * under 3 px bridged (a pendant, or pearls hanging side by side). */
static int bottom_run(const struct scan *s, const struct part *p, int cx)
{
    int len = 0, gap = 0;
    for (int y = p->y1; y >= p->y0 && gap < 3; y--) {
        int on = 0;
        for (int x = cx - 3; x <= cx + 3 && !on; x++)
            on = x >= 0 && x < s->w && s->mask[y * s->w + x];
        gap = on ? 0 : gap + 1;
        len += on || (len && gap < 3);
    }
    return len;
}

static void set_shape(struct ai_analysis *a, const char *shape, double conf)
{
    util_strlcpy(a->shape, shape, sizeof a->shape);
    a->shape_conf = clamp01(conf);
}

/* Earrings: an ear cuff is the one that is not mirror-symmetric; a hoop a
 * ring; a chandbali a crescent whose horns rise beside the stem (its upper
 * middle rows split); a jhumka wider at the bottom; a drop tall; a stud
 * small and solid. */
static void earring_shape(const struct scan *s, const struct part *p, double sym,
                          struct ai_analysis *a)
{
    double bw = p->x1 - p->x0 + 1, bh = p->y1 - p->y0 + 1, tall = bh / bw;
    int third = (int)(bh / 3), top = span(s, p, p->y0, p->y0 + third),
        low = span(s, p, p->y1 - (int)(bh * 0.08), p->y1 + 1);
    double split = split_rows(s, p, 0.35, 0.7);
    if (sym < 0.6)
        set_shape(a, "ear cuff", 0.5 + (0.6 - sym) * 2);
    else if (hollow(s, p) && tall < 1.35)
        set_shape(a, "hoop", 0.6 + (1.35 - tall));
    else if (split >= 0.4 && tall < 1.8)
        set_shape(a, "chandbali", 0.5 + (split - 0.4));
    else if (tall > 1.0 && low >= 0.75 * bw && top <= 0.5 * bw)
        set_shape(a, "jhumka", 0.5 + (low / bw - 0.75) * 2);
    else if (tall > 1.6)
        set_shape(a, "drop", 0.5 + (tall - 1.6));
    else
        set_shape(a, "stud", 0.5 + (1.6 - tall) / 1.2);
}

/* Necklaces, laid flat: strands crossing the centre line; two or more make
 * "layered"; one thick, shallow band a choker; a long hanging mass at the
 * bottom a pendant; else a chain. */
static void necklace_shape(const struct scan *s, const struct part *p, struct ai_analysis *a)
{
    double bw = p->x1 - p->x0 + 1, bh = p->y1 - p->y0 + 1;
    int cx = (p->x0 + p->x1) / 2, strands = runs(s, p, cx, 1), last = bottom_run(s, p, cx);
    int side = 0; /* the band's thickness a quarter of the way across */
    for (int y = p->y0; y <= p->y1; y++)
        side += s->mask[y * s->w + p->x0 + (int)(bw / 4)];
    if (strands >= 2)
        set_shape(a, "layered", 0.6 + 0.15 * (strands - 2));
    else if (bw / bh > 1.6 && side >= bw * 0.045)
        set_shape(a, "choker", 0.5 + (bw / bh - 1.6) + (side / bw - 0.045) * 4);
    else if (last >= bh * 0.15)
        set_shape(a, "pendant", 0.5 + (last / bh - 0.15) * 3);
    else
        set_shape(a, "chain", 0.5 + (0.15 - last / bh) * 3);
}

static void silhouette(const struct scan *s, const struct part *p, const char *type,
                       struct ai_analysis *a)
{
    double bw = p->x1 - p->x0 + 1, bh = p->y1 - p->y0 + 1, fill = p->n / (bw * bh);
    if (type && strstr(type, "neck")) {
        necklace_shape(s, p, a);
    } else if (type && strstr(type, "brace")) {
        if (hollow(s, p)) { /* a closed ring: thin (bangle) or thick (kada) band */
            double band = band_width(s, p) / bw;
            set_shape(a, band > 0.08 ? "kada" : "bangle", 0.6 + fabs(band - 0.08) * 5);
        }
        else if (bw / bh > 2.5) /* a chain lies long and low */
            set_shape(a, "chain", 0.6 + fmin(0.3, (bw / bh - 2.5) * 0.1));
        else if (fill < 0.15)
            set_shape(a, "chain", 0.5 + (0.15 - fill) * 3);
        else /* an open band: a ring with a gap on one side */
            set_shape(a, "cuff", open_ring(s, p) ? 0.75 : 0.5);
    } else {
        earring_shape(s, p, a->symmetry, a);
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
    a->pair_conf /= 2, a->symmetry_conf /= 2, a->shape_conf /= 2, a->cluster_conf /= 2;
}

static enum kr_code scan_alloc(struct scan *s, int w, int h)
{
    size_t n = (size_t)w * h;
    s->w = w, s->h = h;
    s->mask = calloc(n, 1);
    s->cls = calloc(n, 1);
    s->weak = calloc(n, 1);
    s->seen = calloc(n, 1);
    s->lab = calloc(n, sizeof *s->lab);
    s->queue = calloc(n, sizeof *s->queue);
    return s->mask && s->cls && s->weak && s->seen && s->lab && s->queue ? KR_OK : KR_ENOMEM;
}

static void scan_free(struct scan *s)
{
    free(s->mask);
    free(s->cls);
    free(s->weak);
    free(s->seen);
    free(s->lab);
    free(s->queue);
}

enum kr_code ai_analyse_image(const struct ai_image *img, long long max_pixels, const char *type,
                              const struct ai_segmenter *seg, struct ai_analysis *out,
                              struct kr_err *err)
{
    struct image_load_opts o = {.max_side = SIDE, .max_pixels = max_pixels};
    struct image_px px = {0};
    struct image_info info;
    struct scan s = {0};
    unsigned char bg[3];
    double spread;
    size_t piece = 0;
    int cut = 0;
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
    if ((cut = ai__cut_within(s.mask, &px, seg, &piece, err)) < 0) {
        rc = err && err->code ? err->code : KR_ENOMEM;
        goto out;
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
    /* a cut from above has judged the background itself (it fails on a busy one) */
    if (piece * 100 > (size_t)s.w * s.h * PIECE_MAX_PCT || (!cut && spread > BUSY_SPREAD))
        doubt_all(out); /* not a cut-out piece: worn on a model, or a busy scene */
out:
    scan_free(&s);
    image_px_release(&px);
    return rc;
}
