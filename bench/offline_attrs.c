/*
 * offline_attrs.c - accuracy of the offline photo analysis
 * (ai_analyse_image) on a development set with known truth, drawn here
 * with cairo at bench time (nothing is committed).
 *
 *   bench_offline_attrs [--n N] [--threshold T] [--dump DIR] [--photo FILE]
 *
 * Each piece: a metal (gold, silver, rose gold, oxidised silver), a
 * silhouette (stud, hoop, drop, jhumka), single or pair, 0-3 coloured
 * stones, 0-2 pearls, on white, off-white or a light gradient. The set is
 * the same for the same N (fixed seed). For each attribute it prints the
 * accuracy over the answers given (confidence >= threshold) and how often
 * the answer was left for review instead. --photo FILE prints the analysis
 * of one real photo instead (a look, no truth).
 */
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai.h"
#include "core/buf.h"
#include "image/image.h"

static const char *const metals[] = {"gold", "silver", "rose gold", "oxidised silver"};
static const double metal_rgb[][3] = {
    {0.83, 0.69, 0.22}, {0.78, 0.78, 0.80}, {0.80, 0.52, 0.50}, {0.36, 0.36, 0.38}};
static const char *const shapes[] = {"stud", "hoop", "drop", "jhumka"};
static const double stone_rgb[][3] = {{0.80, 0.05, 0.15}, {0.05, 0.55, 0.20}, {0.10, 0.25, 0.80}};

struct truth {
    int metal, shape, pair, stones, pearls, bg;
};

static unsigned lcg(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7fff;
}

static void metal(cairo_t *c, const struct truth *t)
{
    const double *m = metal_rgb[t->metal];
    cairo_set_source_rgb(c, m[0], m[1], m[2]);
}

static void blob(cairo_t *c, double x, double y, double r)
{
    cairo_new_sub_path(c);
    cairo_arc(c, x, y, r, 0, 2 * M_PI);
    cairo_fill(c);
}

static void pearl(cairo_t *c, double x, double y)
{
    cairo_pattern_t *p = cairo_pattern_create_radial(x - 4, y - 4, 2, x, y, 12);
    cairo_pattern_add_color_stop_rgb(p, 0, 1, 1, 1);
    cairo_pattern_add_color_stop_rgb(p, 1, 0.93, 0.91, 0.86);
    cairo_set_source(c, p);
    blob(c, x, y, 12);
    cairo_pattern_destroy(p);
}

/* One piece centred at cx; returns the y where pearls hang. */
static double piece(cairo_t *c, const struct truth *t, double cx, double cy, double *sx)
{
    metal(c, t);
    *sx = cx;
    switch (t->shape) {
    case 0: /* stud */
        blob(c, cx, cy, 48);
        return cy + 40;
    case 1: /* hoop */
        cairo_set_line_width(c, 18);
        cairo_arc(c, cx, cy, 95, 0, 2 * M_PI);
        cairo_stroke(c);
        return cy + 95;
    case 2: /* drop: hook, stem, teardrop */
        blob(c, cx, cy - 130, 16);
        cairo_rectangle(c, cx - 4, cy - 130, 8, 80);
        cairo_fill(c);
        cairo_save(c);
        cairo_translate(c, cx, cy + 30);
        cairo_scale(c, 1, 2.2);
        blob(c, 0, 0, 36);
        cairo_restore(c);
        return cy + 100;
    default: /* jhumka: stud on top, a bell below */
        blob(c, cx, cy - 110, 26);
        cairo_move_to(c, cx - 18, cy - 90);
        cairo_line_to(c, cx + 18, cy - 90);
        cairo_line_to(c, cx + 70, cy + 40);
        cairo_curve_to(c, cx + 40, cy + 60, cx - 40, cy + 60, cx - 70, cy + 40);
        cairo_close_path(c);
        cairo_fill(c);
        return cy + 55;
    }
}

static void draw(cairo_t *c, const struct truth *t, int w, int h)
{
    cairo_pattern_t *bg = cairo_pattern_create_linear(0, 0, 0, h);
    double g0 = t->bg == 0 ? 1 : t->bg == 1 ? 0.96 : 0.90, g1 = t->bg == 2 ? 0.98 : g0;
    cairo_pattern_add_color_stop_rgb(bg, 0, g0, g0 - (t->bg == 1) * 0.02, g0 - (t->bg == 1) * 0.06);
    cairo_pattern_add_color_stop_rgb(bg, 1, g1, g1 - (t->bg == 1) * 0.02, g1 - (t->bg == 1) * 0.06);
    cairo_set_source(c, bg);
    cairo_paint(c);
    cairo_pattern_destroy(bg);
    for (int k = 0; k <= t->pair; k++) {
        double cx = t->pair ? (k ? w * 0.72 : w * 0.28) : w * 0.5, sx;
        double low = piece(c, t, cx, h * 0.5, &sx);
        for (int s = 0; s < t->stones; s++) {
            const double *rgb = stone_rgb[s];
            cairo_set_source_rgb(c, rgb[0], rgb[1], rgb[2]);
            blob(c, sx - 26 + 26 * s, t->shape == 1 ? h * 0.5 + 95 : h * 0.5 + 10, 11);
        }
        for (int p = 0; p < t->pearls; p++)
            pearl(c, sx - 14 + 28 * p, low + 10);
    }
}

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int n)
{
    return buf_append(closure, data, n) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

struct tally {
    int right, answered, n;
};

static void count(struct tally *t, double conf, double thr, int ok)
{
    t->n++;
    if (conf >= thr)
        t->answered++, t->right += ok;
}

static void report(const char *name, const struct tally *t)
{
    printf("%-14s accuracy %.3f over %d answered of %d; left for review %.1f%%\n", name,
           t->answered ? (double)t->right / t->answered : 0, t->answered, t->n,
           t->n ? 100.0 * (t->n - t->answered) / t->n : 0);
}

static int look(const char *path)
{
    struct buf b;
    struct ai_analysis a;
    struct kr_err err = {0};
    buf_init(&b, 0);
    if (buf_read_file(&b, path, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    struct ai_image im = {b.data, b.len, "image/jpeg"};
    if (ai_analyse_image(&im, 50000000, "earrings", &a, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    printf("%s: metal %s (%.2f), stones %d [%s] (%.2f), pearls %d (%.2f), pair %d (%.2f), "
           "symmetry %.2f, silhouette %s (%.2f)\n",
           path, a.metal, a.metal_conf, a.stones, a.stone_colours, a.stones_conf, a.pearls,
           a.pearls_conf, a.pair, a.pair_conf, a.symmetry, a.shape, a.shape_conf);
    buf_release(&b);
    return 0;
}

int main(int argc, char **argv)
{
    int n = 240;
    double thr = 0.6;
    const char *dump = NULL, *photo = NULL;
    struct tally tm = {0}, ts = {0}, tp = {0}, tpair = {0}, tshape = {0};
    unsigned seed = 12;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--n"))
            n = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--threshold"))
            thr = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--dump"))
            dump = argv[i + 1];
        else if (!strcmp(argv[i], "--photo"))
            photo = argv[i + 1];
    }
    if (image_init(argv[0], NULL))
        return 1;
    if (photo)
        return look(photo);
    for (int i = 0; i < n; i++) {
        struct truth t = {lcg(&seed) % 4,        lcg(&seed) % 4,        (int)(lcg(&seed) % 2),
                          (int)(lcg(&seed) % 4), (int)(lcg(&seed) % 3), (int)(lcg(&seed) % 3)};
        cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 800, 600);
        cairo_t *c = cairo_create(s);
        struct buf png;
        struct ai_analysis a;
        struct kr_err err = {0};
        buf_init(&png, 0);
        draw(c, &t, 800, 600);
        cairo_surface_write_to_png_stream(s, to_buf, &png);
        if (dump) {
            char path[512];
            snprintf(path, sizeof path, "%s/piece-%03d.png", dump, i);
            cairo_surface_write_to_png(s, path);
        }
        struct ai_image im = {png.data, png.len, "image/png"};
        if (ai_analyse_image(&im, 50000000, "earrings", &a, &err)) {
            fprintf(stderr, "piece %d: %s\n", i, err.msg);
            return 1;
        }
        count(&tm, a.metal_conf, thr, !strcmp(a.metal, metals[t.metal]));
        count(&ts, a.stones_conf, thr, (a.stones > 0) == (t.stones > 0));
        count(&tp, a.pearls_conf, thr, (a.pearls > 0) == (t.pearls > 0));
        count(&tpair, a.pair_conf, thr, a.pair == t.pair);
        count(&tshape, a.shape_conf, thr, !strcmp(a.shape, shapes[t.shape]));
        if (getenv("BENCH_VERBOSE"))
            printf("%d truth m=%s s=%s pair=%d st=%d pe=%d | got m=%s(%.2f) st=%d(%.2f) "
                   "pe=%d(%.2f) pair=%d(%.2f) shape=%s(%.2f)\n",
                   i, metals[t.metal], shapes[t.shape], t.pair, t.stones, t.pearls, a.metal,
                   a.metal_conf, a.stones, a.stones_conf, a.pearls, a.pearls_conf, a.pair,
                   a.pair_conf, a.shape, a.shape_conf);
        buf_release(&png);
        cairo_destroy(c);
        cairo_surface_destroy(s);
    }
    printf("offline analysis, %d rendered pieces, threshold %.2f\n", n, thr);
    report("metal tone", &tm);
    report("stone presence", &ts);
    report("pearls", &tp);
    report("pair/single", &tpair);
    report("silhouette", &tshape);
    return 0;
}
