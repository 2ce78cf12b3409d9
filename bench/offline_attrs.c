/*
 * offline_attrs.c - accuracy of the offline photo analysis
 * (ai_analyse_image) on a development set with known truth, drawn here
 * with cairo at bench time (nothing is committed).
 *
 *   bench_offline_attrs [--n N] [--threshold T] [--dump DIR] [--photo FILE] [--studio 1]
 *
 * Each piece: a metal (gold, silver, rose gold, oxidised silver), a
 * silhouette (stud, hoop, drop, jhumka), single or pair, 0-3 coloured
 * stones, 0-2 pearls, on white, off-white or a light gradient. The set is
 * the same for the same N (fixed seed). For each attribute it prints the
 * accuracy over the answers given (confidence >= threshold) and how often
 * the answer was left for review instead. --photo FILE prints the analysis
 * of one real photo instead (a look, no truth). --studio 1 gives the
 * analysis the studio's segmentation as its cut (what the server does).
 */
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "ai/ai.h"
#include "app/app.h"
#include "core/buf.h"
#include "image/image.h"

static const char *const metals[] = {"gold", "silver", "rose gold", "oxidised silver"};
static const double metal_rgb[][3] = {
    {0.83, 0.69, 0.22}, {0.78, 0.78, 0.80}, {0.80, 0.52, 0.50}, {0.36, 0.36, 0.38}};
/* Silhouettes per product type: earrings 0..5, necklaces 6..9, bracelets 10..13. */
#define N_EAR   6
#define N_NECK  4
#define N_BRACE 4
#define N_SHAPE (N_EAR + N_NECK + N_BRACE)
static const char *const shapes[] = {"stud",     "hoop",   "drop",  "jhumka",  "chandbali",
                                     "ear cuff", "choker", "chain", "pendant", "layered",
                                     "bangle",   "kada",   "chain", "cuff"};
static const double stone_rgb[][3] = {{0.80, 0.05, 0.15}, {0.05, 0.55, 0.20}, {0.10, 0.25, 0.80}};
/* kundan / polki glass: white, red, green */
static const double glass_rgb[][3] = {{0.97, 0.98, 1.00}, {0.80, 0.05, 0.15}, {0.05, 0.55, 0.20}};

struct truth {
    int metal, shape, pair, stones, pearls, bg, cluster;
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

/* Where stones sit on a piece, where pearls hang, and whether the stones
 * line up vertically (along an ear cuff's side). */
struct anchor {
    double sx, sy, low;
    int vertical;
};

static void drop(cairo_t *c, double cx, double cy)
{
    blob(c, cx, cy - 130, 16);
    cairo_rectangle(c, cx - 4, cy - 130, 8, 80);
    cairo_fill(c);
    cairo_save(c);
    cairo_translate(c, cx, cy + 30);
    cairo_scale(c, 1, 2.2);
    blob(c, 0, 0, 36);
    cairo_restore(c);
}

static void jhumka(cairo_t *c, double cx, double cy)
{
    blob(c, cx, cy - 110, 26);
    cairo_move_to(c, cx - 18, cy - 90);
    cairo_line_to(c, cx + 18, cy - 90);
    cairo_line_to(c, cx + 70, cy + 40);
    cairo_curve_to(c, cx + 40, cy + 60, cx - 40, cy + 60, cx - 70, cy + 40);
    cairo_close_path(c);
    cairo_fill(c);
}

/* chandbali: a stud, a stem, and a crescent moon with its horns up */
static void chandbali(cairo_t *c, double cx, double cy)
{
    blob(c, cx, cy - 125, 22);
    cairo_rectangle(c, cx - 4, cy - 110, 8, 150);
    cairo_fill(c);
    cairo_save(c); /* the outer disc less the inner one */
    cairo_new_sub_path(c);
    cairo_arc(c, cx, cy + 10, 85, 0, 2 * M_PI);
    cairo_clip(c);
    cairo_set_fill_rule(c, CAIRO_FILL_RULE_EVEN_ODD);
    cairo_rectangle(c, cx - 100, cy - 100, 200, 220);
    cairo_new_sub_path(c);
    cairo_arc(c, cx, cy - 35, 70, 0, 2 * M_PI);
    cairo_fill(c);
    cairo_restore(c);
}

/* ear cuff: a tall band open towards the ear (left), a bead at each end */
static void ear_cuff(cairo_t *c, double cx, double cy)
{
    cairo_save(c);
    cairo_translate(c, cx, cy);
    cairo_scale(c, 0.6, 1.0);
    cairo_arc(c, 0, 0, 110, -0.7 * M_PI, 0.7 * M_PI);
    cairo_restore(c);
    cairo_set_line_width(c, 20);
    cairo_stroke(c);
    blob(c, cx + 66 * cos(0.7 * M_PI), cy + 110 * sin(0.7 * M_PI), 14);
    blob(c, cx + 66 * cos(-0.7 * M_PI), cy + 110 * sin(-0.7 * M_PI), 14);
}

/* One earring centred at cx. */
static struct anchor earring(cairo_t *c, const struct truth *t, double cx, double cy)
{
    metal(c, t);
    switch (t->shape) {
    case 0: /* stud */
        blob(c, cx, cy, 48);
        return (struct anchor){cx, cy, cy + 40, 0};
    case 1: /* hoop */
        cairo_set_line_width(c, 18);
        cairo_new_sub_path(c);
        cairo_arc(c, cx, cy, 95, 0, 2 * M_PI);
        cairo_stroke(c);
        return (struct anchor){cx, cy + 95, cy + 95, 0};
    case 2: /* drop: hook, stem, teardrop */
        drop(c, cx, cy);
        return (struct anchor){cx, cy + 10, cy + 100, 0};
    case 3: /* jhumka: stud on top, a bell below */
        jhumka(c, cx, cy);
        return (struct anchor){cx, cy + 10, cy + 55, 0};
    case 4:
        chandbali(c, cx, cy);
        return (struct anchor){cx, cy + 65, cy + 92, 0};
    default:
        ear_cuff(c, cx, cy);
        return (struct anchor){cx + 66, cy, cy + 112, 1};
    }
}

/* One necklace, laid flat as a U from (200,80) to (600,80). */
static struct anchor necklace(cairo_t *c, const struct truth *t, int w)
{
    double l = w * 0.25, r = w * 0.75, top = 80;
    metal(c, t);
    cairo_set_line_cap(c, CAIRO_LINE_CAP_ROUND);
    if (t->shape == 6) { /* choker: a short, thick band */
        cairo_set_line_width(c, 26);
        cairo_move_to(c, l + 20, top + 120);
        cairo_curve_to(c, l + 40, top + 300, r - 40, top + 300, r - 20, top + 120);
        cairo_stroke(c);
        return (struct anchor){w * 0.5, top + 255, top + 268, 0};
    }
    cairo_set_line_width(c, 6);
    int strands = t->shape == 9 ? 3 : 1;
    double bottom = 0;
    for (int k = 0; k < strands; k++) {
        double depth = strands == 1 ? 440 : 300 + 100 * k;
        cairo_move_to(c, l, top);
        cairo_curve_to(c, l + 20, top + depth, r - 20, top + depth, r, top);
        cairo_stroke(c);
        bottom = top + depth * 0.75;
    }
    if (t->shape == 8) { /* pendant: a teardrop hanging from the chain */
        cairo_save(c);
        cairo_translate(c, w * 0.5, bottom + 40);
        cairo_scale(c, 1, 1.4);
        blob(c, 0, 0, 30);
        cairo_restore(c);
        return (struct anchor){w * 0.5, bottom + 40, bottom + 82, 0};
    }
    return (struct anchor){w * 0.5, bottom, bottom + 3, 0};
}

/* One bracelet seen from above, centred: a closed thin ring (bangle), a
 * closed thick one (kada), a chain of links laid in a gentle wave, or an
 * open thick band with its opening to the right (cuff). */
static struct anchor bracelet(cairo_t *c, const struct truth *t, int w, int h)
{
    double cx = w * 0.5, cy = h * 0.5, r = 150;
    metal(c, t);
    if (t->shape == 12) { /* chain: links along a wave, a clasp at one end */
        cairo_set_line_width(c, 6);
        for (int k = 0; k < 40; k++) { /* links overlapping, as a curb chain lies */
            double x = w * 0.18 + k * 12, y = cy + 40 * sin(k * 0.3);
            cairo_new_sub_path(c);
            cairo_arc(c, x, y, 7, 0, 2 * M_PI);
            cairo_stroke(c);
        }
        blob(c, w * 0.18 - 14, cy, 8);
        return (struct anchor){w * 0.18 + 20 * 12, cy + 40 * sin(20 * 0.3), cy + 60, 0};
    }
    cairo_set_line_width(c, t->shape == 10 ? 12 : t->shape == 11 ? 46 : 40);
    cairo_new_sub_path(c);
    if (t->shape == 13)
        cairo_arc(c, cx, cy, r, 0.75, 2 * M_PI - 0.75);
    else
        cairo_arc(c, cx, cy, r, 0, 2 * M_PI);
    cairo_stroke(c);
    return (struct anchor){cx, cy + r, cy + r + 26, 0};
}

/* A kundan / polki-like cluster: a metal backing, seven glass stones each
 * framed in metal (a rosette). */
static void cluster(cairo_t *c, const struct truth *t, double x, double y, unsigned *seed)
{
    metal(c, t);
    blob(c, x, y, 34);
    for (int k = 0; k < 7; k++) {
        double a = k * M_PI / 3, d = k == 6 ? 0 : 22;
        double sx = x + d * cos(a), sy = y + d * sin(a);
        const double *g = glass_rgb[k == 6 ? 1 + (int)(*seed % 2) : (int)(lcg(seed) % 3)];
        metal(c, t);
        blob(c, sx, sy, 11);
        cairo_set_source_rgb(c, g[0], g[1], g[2]);
        blob(c, sx, sy, 8);
    }
}

static void draw(cairo_t *c, const struct truth *t, int w, int h, unsigned *seed)
{
    cairo_pattern_t *bg = cairo_pattern_create_linear(0, 0, 0, h);
    double g0 = t->bg == 0 ? 1 : t->bg == 1 ? 0.96 : 0.90, g1 = t->bg == 2 ? 0.98 : g0;
    cairo_pattern_add_color_stop_rgb(bg, 0, g0, g0 - (t->bg == 1) * 0.02, g0 - (t->bg == 1) * 0.06);
    cairo_pattern_add_color_stop_rgb(bg, 1, g1, g1 - (t->bg == 1) * 0.02, g1 - (t->bg == 1) * 0.06);
    cairo_set_source(c, bg);
    cairo_paint(c);
    cairo_pattern_destroy(bg);
    for (int k = 0; k <= t->pair; k++) {
        double cx = t->pair ? (k ? w * 0.72 : w * 0.28) : w * 0.5;
        struct anchor an = t->shape >= N_EAR + N_NECK ? bracelet(c, t, w, h)
                           : t->shape >= N_EAR   ? necklace(c, t, w)
                                                 : earring(c, t, cx, h * 0.5);
        if (t->cluster)
            cluster(c, t, an.sx, an.sy, seed);
        for (int s = 0; s < t->stones && !t->cluster; s++) {
            const double *rgb = stone_rgb[s];
            cairo_set_source_rgb(c, rgb[0], rgb[1], rgb[2]);
            blob(c, an.sx - 26 * !an.vertical + 26 * s * !an.vertical,
                 an.sy - 26 * an.vertical + 26 * s * an.vertical, 11);
        }
        double low = t->cluster && an.sy + 34 > an.low ? an.sy + 34 : an.low;
        for (int p = 0; p < t->pearls; p++)
            pearl(c, an.sx - 14 + 28 * p - 66 * an.vertical, low + 10);
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

static const struct ai_segmenter *seg; /* --studio: the studio's cut */

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); /* CPU: steadier than wall on a shared machine */
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
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
    if (ai_analyse_image(&im, 50000000, "earrings", seg, &a, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    printf("%s: metal %s (%.2f), stones %d [%s] (%.2f), pearls %d (%.2f), pair %d (%.2f), "
           "symmetry %.2f, silhouette %s (%.2f), stone cluster %d (%.2f)\n",
           path, a.metal, a.metal_conf, a.stones, a.stone_colours, a.stones_conf, a.pearls,
           a.pearls_conf, a.pair, a.pair_conf, a.symmetry, a.shape, a.shape_conf, a.cluster,
           a.cluster_conf);
    buf_release(&b);
    return 0;
}

struct tallies {
    struct tally metal, stones, pearls, pair, shape, cluster, cls[N_SHAPE];
};

static void score(struct tallies *tt, const struct truth *t, const struct ai_analysis *a,
                  double thr)
{
    count(&tt->metal, a->metal_conf, thr, !strcmp(a->metal, metals[t->metal]));
    count(&tt->stones, a->stones_conf, thr, (a->stones > 0) == (t->stones > 0 || t->cluster > 0));
    count(&tt->pearls, a->pearls_conf, thr, (a->pearls > 0) == (t->pearls > 0));
    count(&tt->pair, a->pair_conf, thr, a->pair == t->pair);
    count(&tt->shape, a->shape_conf, thr, !strcmp(a->shape, shapes[t->shape]));
    count(&tt->cls[t->shape], a->shape_conf, thr, !strcmp(a->shape, shapes[t->shape]));
    count(&tt->cluster, a->cluster_conf, thr, a->cluster == t->cluster);
}

static void report_all(const struct tallies *tt, int n, double thr)
{
    printf("offline analysis, %d rendered pieces, threshold %.2f\n", n, thr);
    report("metal tone", &tt->metal);
    report("stone presence", &tt->stones);
    report("pearls", &tt->pearls);
    report("pair/single", &tt->pair);
    report("stone cluster", &tt->cluster);
    report("silhouette", &tt->shape);
    for (int k = 0; k < N_SHAPE; k++) {
        char name[40];
        snprintf(name, sizeof name, "  %s%s", shapes[k], k == 7 ? " (n)" : k == 12 ? " (b)" : "");
        report(name, &tt->cls[k]);
    }
}

/* Piece i of the set: the same for the same seed. */
static struct truth next_truth(unsigned *seed)
{
    struct truth t = {lcg(seed) % 4,
                      lcg(seed) % 4,
                      (int)(lcg(seed) % 2),
                      (int)(lcg(seed) % 4),
                      (int)(lcg(seed) % 3),
                      (int)(lcg(seed) % 3),
                      0};
    int kind = (int)(lcg(seed) % 4); /* 0, 1 earrings; 2 necklace; 3 bracelet */
    t.shape = kind == 2   ? N_EAR + (int)(lcg(seed) % N_NECK)
              : kind == 3 ? N_EAR + N_NECK + (int)(lcg(seed) % N_BRACE)
                          : (int)(lcg(seed) % N_EAR);
    t.pair = kind >= 2 ? 0 : t.pair;
    t.cluster = lcg(seed) % 4 == 0 && t.shape != 7 && t.shape != 9 && t.shape != 12;
    return t;
}

static const struct ai_segmenter studio_cut = {app_segment_cut, NULL};

int main(int argc, char **argv)
{
    int n = 360;
    double thr = 0.6;
    const char *dump = NULL, *photo = NULL;
    struct tallies tt;
    unsigned seed = 12;
    double ms = 0;
    memset(&tt, 0, sizeof tt);
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--n"))
            n = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--threshold"))
            thr = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--dump"))
            dump = argv[i + 1];
        else if (!strcmp(argv[i], "--photo"))
            photo = argv[i + 1];
        else if (!strcmp(argv[i], "--studio") && atoi(argv[i + 1]))
            seg = &studio_cut;
    }
    if (image_init(argv[0], NULL))
        return 1;
    if (photo)
        return look(photo);
    for (int i = 0; i < n; i++) {
        struct truth t = next_truth(&seed);
        const char *type = t.shape >= N_EAR + N_NECK ? "bracelets"
                           : t.shape >= N_EAR        ? "necklaces"
                                                     : "earrings";
        cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 800, 600);
        cairo_t *c = cairo_create(s);
        struct buf png;
        struct ai_analysis a;
        struct kr_err err = {0};
        buf_init(&png, 0);
        draw(c, &t, 800, 600, &seed);
        cairo_surface_write_to_png_stream(s, to_buf, &png);
        if (dump) {
            char path[512];
            snprintf(path, sizeof path, "%s/piece-%03d.png", dump, i);
            cairo_surface_write_to_png(s, path);
        }
        struct ai_image im = {png.data, png.len, "image/png"};
        double t0 = now_ms();
        if (ai_analyse_image(&im, 50000000, type, seg, &a, &err)) {
            fprintf(stderr, "piece %d: %s\n", i, err.msg);
            return 1;
        }
        ms += now_ms() - t0;
        score(&tt, &t, &a, thr);
        if (getenv("BENCH_VERBOSE"))
            printf("%d truth m=%s s=%s pair=%d st=%d pe=%d cl=%d | got m=%s(%.2f) st=%d(%.2f) "
                   "pe=%d(%.2f) pair=%d(%.2f) shape=%s(%.2f) cl=%d(%.2f) sym=%.2f\n",
                   i, metals[t.metal], shapes[t.shape], t.pair, t.stones, t.pearls, t.cluster,
                   a.metal, a.metal_conf, a.stones, a.stones_conf, a.pearls, a.pearls_conf, a.pair,
                   a.pair_conf, a.shape, a.shape_conf, a.cluster, a.cluster_conf, a.symmetry);
        buf_release(&png);
        cairo_destroy(c);
        cairo_surface_destroy(s);
    }
    report_all(&tt, n, thr);
    printf("cut: %s; analysis %.1f ms of CPU per piece (decode included)\n",
           seg ? "studio segmentation" : "own (border colour)", n ? ms / n : 0);
    return 0;
}
