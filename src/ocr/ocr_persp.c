/*
 * ocr_persp.c - a photographed page's perspective undone (a projective warp);
 * also the page's skew angle for the deskew (ocr__skew_angle).
 *
 * A page photographed at a slant is a quadrilateral: its text lines are not
 * parallel (their angle changes from the top of the page to the bottom) and
 * its columns lean by different amounts on the left and on the right. Rules
 * then stop being straight runs of one pixel row or column, and a column's
 * cells drift sideways down the page.
 *
 * The page's own lines are measured, not its paper edges (the paper often
 * fills the frame, or lies on a background as light as itself). Bands are
 * the outer thirds of the ink's extent:
 *  - the angle of the text lines in the top and in the bottom band, each the
 *    angle whose horizontal projection of dark pixels is sharpest (the same
 *    measure as the page's deskew, ocr__skew_angle() at the end of this
 *    file, on one band);
 *  - the lean of the vertical structure in the left and the right band
 *    (the left margin, left- and right-aligned columns, vertical rules), the
 *    lean whose vertical projection is sharpest.
 * Each measured line goes through its band's strongest line (the fullest
 * bin of the projection: the left margin, a rule, a text line), and its
 * angle is measured again on that line's own samples (structures in one
 * band lean differently under perspective). The four lines meet in a
 * quadrilateral; the homography that maps the rectangle spanned by those
 * four positions onto it is the page's distortion, and the plane is
 * resampled through it (bilinear, white outside the photo).
 *
 * Only when it matters: the four lines are compared with the ones a plain
 * rotation by the page's skew angle would give; when no measured line gets
 * further than PERSP_MIN of the page's size from its rotated twin within
 * the page, nothing is done here (the caller rotates), so a clean or merely
 * rotated scan is untouched. A measured quadrilateral further than
 * PERSP_MAX from the rotation is a measurement gone wrong (a band with no
 * structure), and is not trusted either, nor are four lines less than an
 * eighth of the page apart. A band with too little ink, or whose projection
 * has no clear peak, measures the rotation's own angle.
 * Blurred print shows spurious leans: ocr_prep.c does not call this for a
 * page with soft print (7 of 9 blurred bench pages were warped otherwise).
 * Cost: each band's ink is sampled once (every pixel along the projection,
 * every 2nd-4th across it, by page size) and projected at 20-60 angles; the
 * warp is one pass over the plane.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ocr/ocr_int.h"

#define PERSP_MIN 0.004   /* of max(w, h): below this the page is only rotated */
#define PERSP_MAX 0.08    /* above this the measurement is not trusted */
#define INK 128
#define NEAR 16 /* px either side of a line that belong to it */
/* how far a projection can move a sample (|tan| <= 0.16 at up to 9 degrees) */
#define MARGIN(other) (0.16 * (other) + 8)

struct band {
    int vert;       /* 0: a horizontal band (rows a..b), 1: a vertical one (columns a..b) */
    int a, b;
    double mx, my;  /* ink centroid */
    int *pt;        /* its ink samples, x y pairs */
    long ink;
};

/* A line through (x, y): horizontal ones y = y0 + (x - x0) t, vertical x = x0 + (y - y0) t. */
struct pline {
    double x0, y0, t;
};

/* The band's ink samples: every pixel along the projection (a rule is one or
 * two pixels wide) and every step-th across it. */
static void band_points(const struct ocr__grey *g, struct band *bd, int step)
{
    double sx = 0, sy = 0;
    long n = 0, cap = 0;
    int ya = bd->vert ? 0 : bd->a, yb = bd->vert ? g->h : bd->b;
    int xa = bd->vert ? bd->a : 0, xb = bd->vert ? bd->b : g->w;
    int dy = bd->vert ? step : 1, dx = bd->vert ? 1 : step;
    for (int y = ya; y < yb; y += dy)
        for (int x = xa; x < xb; x += dx) {
            if (g->px[(size_t)y * g->w + x] >= INK)
                continue;
            if (n == cap) {
                int *np = realloc(bd->pt, sizeof(int) * 2 * (size_t)(cap = cap ? cap * 2 : 4096));
                if (!np)
                    goto out; /* what was collected still measures */
                bd->pt = np;
            }
            bd->pt[2 * n] = x;
            bd->pt[2 * n + 1] = y;
            sx += x;
            sy += y;
            n++;
        }
out:
    bd->ink = n;
    bd->mx = n ? sx / n : (xa + xb) / 2.0;
    bd->my = n ? sy / n : (ya + yb) / 2.0;
}

/* Sum of squared bin counts of the band's dark pixels projected along angle deg. */
static double band_score(const struct ocr__grey *g, const struct band *bd, double deg,
                         long *bins, int nb)
{
    double t = tan(deg * M_PI / 180.0), score = 0;
    double margin = MARGIN(bd->vert ? g->h : g->w);
    memset(bins, 0, sizeof(long) * nb);
    for (long i = 0; i < bd->ink; i++) {
        int x = bd->pt[2 * i], y = bd->pt[2 * i + 1];
        double pos = bd->vert ? x - (y - bd->my) * t : y - (x - bd->mx) * t;
        int k = ocr__ifloor((pos + margin) / 2); /* 2 px bins */
        if (k >= 0 && k < nb)
            bins[k]++;
    }
    for (int i = 0; i < nb; i++)
        score += (double)bins[i] * bins[i];
    return score;
}

/* Position of the fullest bin of the projection at angle deg: where the band's
 * strongest line (a margin, a rule, a column edge, a text line) crosses the
 * centroid's row or column. */
static double band_peak(const struct ocr__grey *g, const struct band *bd, double deg, long *bins,
                        int nb)
{
    int best = 0;
    band_score(g, bd, deg, bins, nb);
    for (int i = 1; i < nb; i++)
        best = bins[i] > bins[best] ? i : best;
    return best * 2 + 1 - MARGIN(bd->vert ? g->h : g->w);
}

/* The band's angle within centre +- range (degrees): coarse 0.1 (0.2 for
 * columns), then 0.02 steps; *pos its strongest line. No clear peak (best less
 * than 3 % above the mean of the coarse scores): centre, through the centroid. */
static double band_angle(const struct ocr__grey *g, const struct band *bd, double centre,
                         double range, double *pos)
{
    double coarse = bd->vert ? 0.2 : 0.1, best = centre, best_sc = -1, sum = 0;
    int kn = bd->vert ? 10 : 5, n = 0;
    int nb = (int)(((bd->vert ? g->w : g->h) + 2 * MARGIN(bd->vert ? g->h : g->w)) / 2) + 2;
    long *bins = calloc((size_t)nb, sizeof(long));
    *pos = bd->vert ? bd->mx : bd->my;
    if (!bins || bd->ink < 100)
        goto out;
    for (double a = centre - range; a <= centre + range + 1e-9; a += coarse, n++) {
        double sc = band_score(g, bd, a, bins, nb);
        sum += sc;
        if (sc > best_sc * 1.0001) {
            best_sc = sc;
            best = a;
        }
    }
    if (best_sc < 1.03 * sum / n) {
        best = centre;
        goto out;
    }
    double c = best;
    for (int k = -kn; k <= kn; k++) {
        double a = c + k * 0.02, sc = band_score(g, bd, a, bins, nb);
        if (sc > best_sc * 1.0001) {
            best_sc = sc;
            best = a;
        }
    }
    *pos = band_peak(g, bd, best, bins, nb);
out:
    free(bins);
    return best;
}

/* Where horizontal line h meets vertical line v. */
static void meet(const struct pline *h, const struct pline *v, double *x, double *y)
{
    /* y = h.y0 + (x - h.x0) h.t ; x = v.x0 + (y - v.y0) v.t */
    double d = 1 - h->t * v->t;
    *y = (h->y0 + (v->x0 - h->x0) * h->t - v->y0 * v->t * h->t) / d;
    *x = v->x0 + (*y - v->y0) * v->t;
}

/* Corners TL, TR, BR, BL of the four lines (top, bottom, left, right). */
static void corners(const struct pline l[4], double q[8])
{
    meet(&l[0], &l[2], &q[0], &q[1]);
    meet(&l[0], &l[3], &q[2], &q[3]);
    meet(&l[1], &l[3], &q[4], &q[5]);
    meet(&l[1], &l[2], &q[6], &q[7]);
}

/* The homography taking the unit square's corners (0,0) (1,0) (1,1) (0,1) to q
 * (Heckbert's square-to-quad): x = (a u + b v + c) / (g u + h v + 1), y likewise. */
static void square_to_quad(const double q[8], double m[8])
{
    double dx1 = q[2] - q[4], dx2 = q[6] - q[4], dx3 = q[0] - q[2] + q[4] - q[6];
    double dy1 = q[3] - q[5], dy2 = q[7] - q[5], dy3 = q[1] - q[3] + q[5] - q[7];
    double det = dx1 * dy2 - dx2 * dy1, g = 0, h = 0;
    if (fabs(det) > 1e-12) {
        g = (dx3 * dy2 - dx2 * dy3) / det;
        h = (dx1 * dy3 - dx3 * dy1) / det;
    }
    m[0] = q[2] - q[0] + g * q[2];
    m[1] = q[6] - q[0] + h * q[6];
    m[2] = q[0];
    m[3] = q[3] - q[1] + g * q[3];
    m[4] = q[7] - q[1] + h * q[7];
    m[5] = q[1];
    m[6] = g;
    m[7] = h;
}

struct warp {
    double m[8];     /* unit square -> source quad */
    double x0, y0;   /* the destination rectangle's corner */
    double sw, sh;   /* and size */
};

static enum kr_code warp_plane(struct ocr__grey *g, const struct warp *wp, struct kr_err *err)
{
    unsigned char *o = malloc((size_t)g->w * g->h);
    double *mu = malloc(sizeof(double) * 3 * (size_t)g->w); /* m[0] u, m[3] u, m[6] u per column */
    if (!o || !mu) {
        free(o);
        free(mu);
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: perspective");
    }
    const double *m = wp->m;
    for (int x = 0; x < g->w; x++) {
        double u = (x - wp->x0) / wp->sw;
        mu[3 * x] = m[0] * u;
        mu[3 * x + 1] = m[3] * u;
        mu[3 * x + 2] = m[6] * u;
    }
    for (int y = 0; y < g->h; y++) {
        double v = (y - wp->y0) / wp->sh, m1v = m[1] * v, m4v = m[4] * v, m7v = m[7] * v;
        for (int x = 0; x < g->w; x++) {
            const double *c = mu + 3 * x;
            double d = c[2] + m7v + 1;
            o[(size_t)y * g->w + x] =
                d < 0.2 ? 255 : ocr__bilinear(g, (c[0] + m1v + m[2]) / d, (c[1] + m4v + m[5]) / d);
        }
    }
    free(mu);
    free(g->px);
    g->px = o;
    return KR_OK;
}

/* The angle of the band's strongest line alone: its samples within NEAR px of
 * the line found at angle a through pos, searched again around a. A band's
 * structures lean differently under perspective (the left margin more than a
 * column in the middle); the line kept must be the one measured. */
static double line_angle(const struct ocr__grey *g, const struct band *bd, double a, double *pos)
{
    struct band near = *bd;
    double t = tan(a * M_PI / 180.0);
    near.pt = malloc(sizeof(int) * 2 * (size_t)(bd->ink ? bd->ink : 1));
    near.ink = 0;
    if (!near.pt)
        return a;
    for (long i = 0; i < bd->ink; i++) {
        int x = bd->pt[2 * i], y = bd->pt[2 * i + 1];
        double d = bd->vert ? x - (y - bd->my) * t : y - (x - bd->mx) * t;
        if (fabs(d - *pos) < NEAR) {
            near.pt[2 * near.ink] = x;
            near.pt[2 * near.ink++ + 1] = y;
        }
    }
    double p2, a2 = band_angle(g, &near, a, 1.0, &p2);
    free(near.pt);
    if (near.ink >= 100)
        *pos = p2;
    return near.ink >= 100 ? a2 : a;
}

/* The ink's extent, rows (vert 0) or columns: from the 0.5th to the 99.5th
 * percentile of dark samples, so a speck at the border does not stretch it. */
static void ink_extent(const struct ocr__grey *g, int vert, int *lo, int *hi)
{
    int n = vert ? g->w : g->h;
    long *cnt = calloc((size_t)n, sizeof(long)), total = 0, acc = 0;
    *lo = 0;
    *hi = n;
    if (!cnt)
        return;
    for (int y = 0; y < g->h; y += 4)
        for (int x = 0; x < g->w; x += 4)
            if (g->px[(size_t)y * g->w + x] < INK) {
                cnt[vert ? x : y]++;
                total++;
            }
    for (int i = 0; i < n && total; i++) {
        long before = acc;
        acc += cnt[i];
        if (before * 200 < total && acc * 200 >= total)
            *lo = i;
        if (before * 200 < total * 199 && acc * 200 >= total * 199)
            *hi = i + 1;
    }
    free(cnt);
}

/* The four measured lines and the four a rotation by skew (degrees) would give:
 * bands are the outer thirds of the ink's extent. */
static void measure(const struct ocr__grey *g, double skew, struct pline meas[4],
                    struct pline rot[4])
{
    int step = (int)(sqrt((double)g->w * g->h) / 500), y0, y1, x0, x1;
    step = step < 2 ? 2 : step > 4 ? 4 : step;
    ink_extent(g, 0, &y0, &y1);
    ink_extent(g, 1, &x0, &x1);
    struct band bd[4] = {{0, y0, y0 + (y1 - y0) / 3, 0, 0, NULL, 0},
                         {0, y1 - (y1 - y0) / 3, y1, 0, 0, NULL, 0},
                         {1, x0, x0 + (x1 - x0) / 3, 0, 0, NULL, 0},
                         {1, x1 - (x1 - x0) / 3, x1, 0, 0, NULL, 0}};
    for (int i = 0; i < 4; i++) {
        band_points(g, &bd[i], step);
        /* a page rotated by skew: rows at skew, columns leaning by -skew */
        double centre = bd[i].vert ? -skew : skew, range = bd[i].vert ? 3.6 : 0.6;
        double pos, a = band_angle(g, &bd[i], centre, range, &pos);
        a = line_angle(g, &bd[i], a, &pos);
        free(bd[i].pt);
        if (bd[i].vert)
            bd[i].mx = pos;
        else
            bd[i].my = pos;
        meas[i] = (struct pline){bd[i].mx, bd[i].my, tan(a * M_PI / 180.0)};
        rot[i] = (struct pline){bd[i].mx, bd[i].my, tan(centre * M_PI / 180.0)};
    }
}

enum kr_code ocr__unwarp(struct ocr__grey *g, double skew, int *done, struct kr_err *err)
{
    struct pline meas[4], rot[4];
    double q[8], far = 0, size = g->w > g->h ? g->w : g->h;
    *done = 0;
    if (g->w < 64 || g->h < 64)
        return KR_OK;
    measure(g, skew, meas, rot);
    for (int i = 0; i < 4; i++) { /* how far apart the two lines get on the page */
        double piv = i < 2 ? meas[i].x0 : meas[i].y0, dim = i < 2 ? g->w : g->h;
        double d = fabs(meas[i].t - rot[i].t) * (piv > dim - piv ? piv : dim - piv);
        far = d > far ? d : far;
    }
    if (far < PERSP_MIN * size || far > PERSP_MAX * size)
        return KR_OK;
    /* the rectangle the four lines should become: through their four anchors */
    struct warp wp = {.x0 = meas[2].x0, .y0 = meas[0].y0};
    wp.sw = meas[3].x0 - meas[2].x0;
    wp.sh = meas[1].y0 - meas[0].y0;
    if (wp.sw < g->w / 8.0 || wp.sh < g->h / 8.0)
        return KR_OK;
    corners(meas, q);
    square_to_quad(q, wp.m);
    enum kr_code rc = warp_plane(g, &wp, err);
    *done = rc == KR_OK;
    return rc;
}

/* The dark pixels of every 4th row and column, x y pairs: what skew_score()
 * projects (collected once, not once per angle); *n pairs. */
static int *skew_samples(const struct ocr__grey *g, size_t *n)
{
    size_t cap = 1024;
    int *pt = malloc(sizeof(int) * 2 * cap);
    *n = 0;
    for (int y = 0; pt && y < g->h; y += 4)
        for (int x = 0; x < g->w; x += 4) {
            if (g->px[(size_t)y * g->w + x] >= 128)
                continue;
            if (*n == cap) {
                int *np = realloc(pt, sizeof(int) * 4 * cap);
                if (!np) {
                    free(pt);
                    return NULL;
                }
                pt = np;
                cap *= 2;
            }
            pt[2 * *n] = x;
            pt[2 * (*n)++ + 1] = y;
        }
    return pt;
}

/* Sharpness of the horizontal projection of the samples sheared by angle a (degrees). */
static double skew_score(const struct ocr__grey *g, const int *pt, size_t n, double a, long *bins,
                         int nb)
{
    const int step = 4;
    double t = tan(a * M_PI / 180.0), score = 0;
    memset(bins, 0, sizeof(long) * nb);
    for (size_t i = 0; i < n; i++) {
        int x = pt[2 * i], y = pt[2 * i + 1];
        int b = (int)((y - (x - g->w / 2) * t) / step) + nb / 2 - g->h / step / 2;
        if (b >= 0 && b < nb)
            bins[b]++;
    }
    for (int i = 0; i < nb; i++)
        score += (double)bins[i] * bins[i];
    return score;
}

/* The page's skew for ocr_prep.c's deskew: coarse search over [-5, 5] in
 * 0.2 degree steps, then 0.04 around the best. */
double ocr__skew_angle(const struct ocr__grey *g)
{
    int nb = g->h / 4 + g->w / 4 / 10 + 8;
    double best = 0, best_score = -1, centre;
    size_t n = 0;
    long *bins = calloc((size_t)nb, sizeof(long));
    int *pt = bins ? skew_samples(g, &n) : NULL;
    if (!pt) {
        free(bins);
        return 0;
    }
    for (int a = -25; a <= 25; a++) {
        double sc = skew_score(g, pt, n, a / 5.0, bins, nb);
        if (sc > best_score * 1.0001) {
            best_score = sc;
            best = a / 5.0;
        }
    }
    centre = best;
    for (int k = -4; k <= 4; k++) {
        double a = centre + k * 0.04, sc = skew_score(g, pt, n, a, bins, nb);
        if (sc > best_score * 1.0001) {
            best_score = sc;
            best = a;
        }
    }
    free(pt);
    free(bins);
    return best;
}
