/*
 * locate.c - where (and how large) does a generated scene show the piece?
 *
 * Image models redraw the product: they move it, scale it and often alter
 * it a little. To put the real piece back we search the scene for the
 * cut-out with masked normalised cross-correlation (only the piece's own
 * pixels count, each colour channel centred on its own mean, so lighting
 * gain and offset do not matter), coarse to fine:
 *   1. the scene at 128 px: every position, template sizes from 12 % to 95 %
 *      of the side in 12 % steps; the best few placements are kept;
 *   2. the scene at 512 px: +-6 px and +-10 % scale around each;
 *   3. the scene itself: +-3 px and +-2 % scale around the winner.
 * Templates are thinned to a few hundred (coarse) or a few thousand (fine)
 * pixels on a regular grid. Rotation is not searched: the prompts ask for
 * the piece upright, as in the photo.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "studio/studio_int.h"

#define COARSE_SIDE 128
#define MID_SIDE    512
#define KEEP        5
#define MIN_PIXELS  24

struct tmpl {
    int w, h, n;
    short *dx, *dy;
    float *t;  /* n*3, each channel zero-mean over the mask */
    double tt; /* sum of t^2 */
};

/* The cut-out halved repeatedly, so templates are cut from a source at most
 * twice their size (resampling the full cut-out for each of ~50 templates
 * would dominate). lv[0] is the caller's. */
struct pyr {
    struct image_px lv[8];
    int n;
};

struct cand {
    double x, y, scale, score; /* in the level's pixels; scale of c->rgba */
};

static void tmpl_free(struct tmpl *t)
{
    free(t->dx);
    free(t->dy);
    free(t->t);
    memset(t, 0, sizeof *t);
}

/* Template from the cut-out scaled to w x h, thinned to about `budget` pixels. */
static int tmpl_make(const struct image_px *rgba, int w, int h, int budget, struct tmpl *t)
{
    struct image_px s;
    double mean[3] = {0};
    int step, k = 0, cap;

    memset(t, 0, sizeof *t);
    if (w < 4 || h < 4 || image_resize(rgba, w, h, &s, NULL))
        return -1;
    cap = w * h;
    step = (int)floor(sqrt((double)cap / budget));
    step = step < 1 ? 1 : step;
    t->dx = malloc(sizeof *t->dx * (size_t)cap);
    t->dy = malloc(sizeof *t->dy * (size_t)cap);
    t->t = malloc(sizeof *t->t * (size_t)cap * 3);
    if (!t->dx || !t->dy || !t->t) {
        free(s.data);
        tmpl_free(t);
        return -1;
    }
    for (int y = step / 2; y < h; y += step)
        for (int x = step / 2; x < w; x += step) {
            const unsigned char *p = s.data + ((size_t)y * w + x) * 4;
            if (p[3] < 200)
                continue;
            t->dx[k] = (short)x;
            t->dy[k] = (short)y;
            for (int c = 0; c < 3; c++) {
                t->t[k * 3 + c] = p[c];
                mean[c] += p[c];
            }
            k++;
        }
    free(s.data);
    t->w = w;
    t->h = h;
    t->n = k;
    if (k < MIN_PIXELS) {
        tmpl_free(t);
        return -1;
    }
    for (int c = 0; c < 3; c++)
        mean[c] /= k;
    for (int i = 0; i < k; i++)
        for (int c = 0; c < 3; c++) {
            t->t[i * 3 + c] -= (float)mean[c];
            t->tt += (double)t->t[i * 3 + c] * t->t[i * 3 + c];
        }
    return t->tt > 1e-3 ? 0 : (tmpl_free(t), -1);
}

/* Masked NCC of the template with its top-left at (ox, oy). */
static double score_at(const struct image_px *sc, const struct tmpl *t, int ox, int oy)
{
    double st[3] = {0}, s1[3] = {0}, s2[3] = {0}, num = 0, var = 0;
    const unsigned char *base = sc->data + ((size_t)oy * sc->width + ox) * 3;
    for (int i = 0; i < t->n; i++) {
        const unsigned char *p = base + ((size_t)t->dy[i] * sc->width + t->dx[i]) * 3;
        for (int c = 0; c < 3; c++) {
            st[c] += t->t[i * 3 + c] * p[c];
            s1[c] += p[c];
            s2[c] += (double)p[c] * p[c];
        }
    }
    for (int c = 0; c < 3; c++) {
        num += st[c];
        var += s2[c] - s1[c] * s1[c] / t->n;
    }
    return var > 1e-6 ? num / sqrt(t->tt * var) : 0;
}

static void keep_best(struct cand *best, const struct cand *c)
{
    for (int i = 0; i < KEEP; i++) /* one candidate per neighbourhood */
        if (fabs(best[i].x - c->x) < 4 && fabs(best[i].y - c->y) < 4 &&
            fabs(best[i].scale / c->scale - 1) < 0.15) {
            if (c->score > best[i].score)
                best[i] = *c;
            return;
        }
    int worst = 0;
    for (int i = 1; i < KEEP; i++)
        if (best[i].score < best[worst].score)
            worst = i;
    if (c->score > best[worst].score)
        best[worst] = *c;
}

static void pyr_make(const struct image_px *rgba, struct pyr *p)
{
    memset(p, 0, sizeof *p);
    p->lv[0] = *rgba;
    p->n = 1;
    while (p->n < 8 && p->lv[p->n - 1].width >= 64 && p->lv[p->n - 1].height >= 64 &&
           !image_resize(&p->lv[p->n - 1], p->lv[p->n - 1].width / 2, p->lv[p->n - 1].height / 2,
                         &p->lv[p->n], NULL))
        p->n++;
}

static void pyr_free(struct pyr *p)
{
    for (int i = 1; i < p->n; i++)
        free(p->lv[i].data);
}

/* The smallest level still at least twice w wide (or the full cut-out). */
static const struct image_px *pyr_pick(const struct pyr *p, int w)
{
    int i = p->n - 1;
    while (i > 0 && p->lv[i].width < 2 * w)
        i--;
    return &p->lv[i];
}

/* Where a search looks: top-left positions x0..x1, y0..y1 (level pixels). */
struct window {
    double x0, x1, y0, y1;
};

/* One refinement pass: the next level has k times the pixels of the last;
 * positions within rad, scales within srange of each candidate's; the
 * template's pixel budget. */
struct pass {
    double k;
    int rad;
    double srange;
    int budget;
};

/* Search the window for a template of the cut-out at `scale`. */
static void search(const struct image_px *sc, const struct pyr *py, double scale,
                   const struct window *win, int budget, struct cand *best)
{
    double x0 = win->x0, x1 = win->x1, y0 = win->y0, y1 = win->y1;
    const struct image_px *rgba = &py->lv[0];
    struct tmpl t;
    int w = (int)lround(rgba->width * scale), h = (int)lround(rgba->height * scale);
    if (w > sc->width || h > sc->height || tmpl_make(pyr_pick(py, w), w, h, budget, &t))
        return;
    for (int y = (int)fmax(0, y0); y <= (int)fmin(sc->height - h, y1); y++)
        for (int x = (int)fmax(0, x0); x <= (int)fmin(sc->width - w, x1); x++) {
            struct cand c = {x, y, scale, score_at(sc, &t, x, y)};
            keep_best(best, &c);
        }
    tmpl_free(&t);
}

/* Refine candidates on level `lv` (pass->k times the pixels of theirs). */
static void refine(const struct image_px *lv, const struct pyr *py, const struct cand *in,
                   const struct pass *pass, struct cand *out)
{
    double k = pass->k, srange = pass->srange;
    int rad = pass->rad;
    const struct image_px *rgba = &py->lv[0];
    for (int i = 0; i < KEEP; i++)
        out[i] = (struct cand){0, 0, 1, -2};
    for (int i = 0; i < KEEP; i++) {
        if (in[i].score <= -1)
            continue;
        for (int j = -2; j <= 2; j++) {
            double sc = in[i].scale * k * (1 + srange * j / 2);
            double cx = (in[i].x + rgba->width * in[i].scale / 2) * k - rgba->width * sc / 2;
            double cy = (in[i].y + rgba->height * in[i].scale / 2) * k - rgba->height * sc / 2;
            search(lv, py, sc, &(struct window){cx - rad, cx + rad, cy - rad, cy + rad},
                   pass->budget, out);
        }
    }
}

static enum kr_code level(const struct image_px *scene, int side, struct image_px *out, double *k,
                          struct kr_err *err)
{
    int lng = scene->width > scene->height ? scene->width : scene->height;
    *k = (double)side / lng;
    return image_resize(scene, (int)lround(scene->width * *k), (int)lround(scene->height * *k), out,
                        err);
}

static int best_of(const struct cand *c)
{
    int b = 0;
    for (int i = 1; i < KEEP; i++)
        if (c[i].score > c[b].score)
            b = i;
    return b;
}

enum kr_code studio_locate(const struct image_px *scene, const struct studio_cutout *c,
                           double min_score, struct studio_place *out, struct kr_err *err)
{
    struct image_px l0 = {0}, l1 = {0};
    struct cand a[KEEP], b[KEEP], f[KEEP];
    struct pyr py;
    const struct image_px *rgba = &c->rgba;
    int lng = rgba->width > rgba->height ? rgba->width : rgba->height, i;
    double k0, k1;
    enum kr_code rc;

    memset(out, 0, sizeof *out);
    if (scene->bands != 3 || !rgba->data)
        return kr_fail(err, KRS_BAD_PIXELS, "scene must be RGB and the cut-out set");
    rc = level(scene, COARSE_SIDE, &l0, &k0, err);
    if (!rc)
        rc = level(scene, MID_SIDE, &l1, &k1, err);
    if (rc)
        goto out;
    pyr_make(rgba, &py);
    for (i = 0; i < KEEP; i++)
        a[i] = (struct cand){0, 0, 1, -2};
    for (double frac = 0.12; frac <= 0.95; frac *= 1.12)
        search(&l0, &py, frac * COARSE_SIDE / lng, &(struct window){0, COARSE_SIDE, 0, COARSE_SIDE},
               300, a);
    refine(&l1, &py, a, &(struct pass){k1 / k0, 6, 0.10, 1500}, b);
    i = best_of(b);
    b[0] = b[i];
    for (i = 1; i < KEEP; i++)
        b[i].score = -2;
    refine(scene, &py, b, &(struct pass){1 / k1, 3, 0.02, 4000}, f);
    pyr_free(&py);
    i = best_of(f);
    out->x = f[i].x;
    out->y = f[i].y;
    out->scale = f[i].scale;
    out->score = f[i].score;
    if (out->score < min_score)
        rc = kr_retryable(err, kr_fail(err, KRS_PIECE_NOT_IN_SCENE,
                                       "the generated scene does not show the piece "
                                       "recognisably (best match %.2f, %.2f needed)",
                                       out->score, min_score));
out:
    free(l0.data);
    free(l1.data);
    return rc;
}
