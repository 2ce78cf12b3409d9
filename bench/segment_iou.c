/*
 * segment_iou.c - how well studio_segment() separates objects from plain
 * backgrounds, measured against ground truth.
 *
 * The set is built here, reproducibly, from tuxpaint-stamps-default (Debian
 * package, fetched by bench/segment_iou.sh): every stamp PNG in the food,
 * animals, plants, household and vehicles folders is an object with a
 * transparent background, so its alpha channel is the true mask. Each stamp
 * whose object is at least 160 px is scaled to 60 % of an 800x800 canvas
 * (at most 2x up, so edges stay as sharp as a photo's), shifted by a seeded offset and
 * composited on four backgrounds:
 *   white     - RGB 255
 *   offwhite  - warm/grey paper tones (e.g. 245,241,232)
 *   gradient  - light linear (random direction) or radial gradients, ~40 levels
 *               end to end; the radial one is a lamp's hot spot, Gaussian
 *               fall-off (sigma 0.35 of the side) from the centre
 *   textured  - light paper with three octaves of value noise (+-10) and grain
 * then sensor noise (sigma 1.5) is added and the photo goes through a JPEG
 * round trip at quality 92, like a real upload. IoU compares alpha >= 128 of
 * the truth and of the segmentation.
 *
 * Usage: bench_segment_iou STAMPS_DIR [--limit N] [--dump DIR]
 * Prints per-background and per-category tables (markdown).
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <vips/vips.h>

#include "../tests/unit/studio/synth.h"
#include "core/util.h"
#include "image/image.h"
#include "studio/studio.h"

#define CANVAS     800
#define MAXF       1024
#define NBG        4
#define NCAT       5
#define MIN_NATIVE 160 /* stamps smaller than this are skipped: at most 2x upscaling */

static const char *bg_names[NBG] = {"white", "offwhite", "gradient", "textured"};
static const char *cats[NCAT] = {"food", "animals", "plants", "household", "vehicles"};

struct file {
    char path[1024];
    int cat;
};

static struct file files[MAXF];
static int nfiles;

static unsigned int rng_state;
static double rnd(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (rng_state >> 8) / 16777216.0;
}
static double gauss(void)
{
    double u = rnd() + 1e-9, v = rnd();
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const struct file *)a)->path, ((const struct file *)b)->path);
}

static void walk(const char *dir, int cat)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        return;
    while ((e = readdir(d)) && nfiles < MAXF) {
        char p[1024];
        struct stat st;
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (stat(p, &st))
            continue;
        if (S_ISDIR(st.st_mode))
            walk(p, cat);
        else if (l > 4 && strcmp(e->d_name + l - 4, ".png") == 0 && !strstr(e->d_name, "_mirror"))
            util_strlcpy(files[nfiles].path, p, sizeof files[nfiles].path),
                files[nfiles++].cat = cat;
    }
    closedir(d);
}

static int alpha_box(VipsImage *c, int *left, int *top, int *w, int *h)
{
    size_t len;
    unsigned char *m = vips_image_write_to_memory(c, &len);
    int iw = vips_image_get_width(c), ih = vips_image_get_height(c);
    int x0 = iw, y0 = ih, x1 = -1, y1 = -1;
    if (!m)
        return -1;
    for (int y = 0; y < ih; y++)
        for (int x = 0; x < iw; x++)
            if (m[((size_t)y * iw + x) * 4 + 3] >= 64) {
                x0 = x < x0 ? x : x0;
                x1 = x > x1 ? x : x1;
                y0 = y < y0 ? y : y0;
                y1 = y > y1 ? y : y1;
            }
    g_free(m);
    *left = x0;
    *top = y0;
    *w = x1 - x0 + 1;
    *h = y1 - y0 + 1;
    return x1 < 0 ? -1 : 0;
}

/* Stamp -> RGBA scaled so its alpha bbox has long side `side`. */
static int load_stamp(const char *path, int side, struct image_px *out)
{
    VipsImage *im = vips_image_new_from_file(path, NULL), *t = NULL, *c = NULL;
    size_t len;
    void *mem;
    int left, top, w, h;

    if (!im)
        return -1;
    if (vips_image_get_bands(im) < 2 || !vips_image_hasalpha(im) ||
        vips_colourspace(im, &t, VIPS_INTERPRETATION_sRGB, NULL)) {
        g_object_unref(im);
        return -1;
    }
    g_object_unref(im);
    if (vips_cast_uchar(t, &c, NULL) || vips_image_get_bands(c) != 4) {
        g_object_unref(t);
        if (c)
            g_object_unref(c);
        return -1;
    }
    g_object_unref(t);
    /* crop to the alpha bounding box */
    VipsImage *cr = NULL, *pre = NULL, *rs = NULL, *un = NULL, *fin = NULL;
    if (alpha_box(c, &left, &top, &w, &h) || w < 48 || h < 48) {
        g_object_unref(c);
        return -1;
    }
    vips_extract_area(c, &cr, left, top, w, h, NULL);
    g_object_unref(c);

    if ((w > h ? w : h) < MIN_NATIVE) {
        g_object_unref(cr);
        return -1;
    }
    double s = fmin(2.0, (double)side / (w > h ? w : h));
    vips_premultiply(cr, &pre, NULL);
    vips_resize(pre, &rs, s, "kernel", VIPS_KERNEL_LANCZOS3, NULL);
    vips_unpremultiply(rs, &un, NULL);
    vips_cast_uchar(un, &fin, NULL);
    g_object_unref(cr);
    g_object_unref(pre);
    g_object_unref(rs);
    g_object_unref(un);
    mem = vips_image_write_to_memory(fin, &len);
    out->width = vips_image_get_width(fin);
    out->height = vips_image_get_height(fin);
    out->bands = 4;
    out->data = mem;
    g_object_unref(fin);
    return mem ? 0 : -1;
}

/* Smooth value noise at grid spacing s, seeded. */
static double vnoise(const float *grid, int gw, double x, double y, double s)
{
    int ix = (int)(x / s), iy = (int)(y / s);
    double fx = x / s - ix, fy = y / s - iy;
    fx = fx * fx * (3 - 2 * fx);
    fy = fy * fy * (3 - 2 * fy);
    double a = grid[iy * gw + ix], b = grid[iy * gw + ix + 1];
    double c = grid[(iy + 1) * gw + ix], d = grid[(iy + 1) * gw + ix + 1];
    return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
}

static void background(int kind, float *bg)
{
    static const double offw[3][3] = {{245, 241, 232}, {238, 238, 234}, {250, 246, 238}};
    int pick = (int)(rnd() * 3);
    double ang = rnd() * 2 * M_PI, radial = rnd() < 0.5;
    double c0[3] = {250, 250, 249}, c1[3] = {212 + rnd() * 10, 214 + rnd() * 10, 222};
    enum { GW = CANVAS / 4 + 3 };
    static float grid[3][GW * GW];
    for (int o = 0; o < 3; o++)
        for (int i = 0; i < GW * GW; i++)
            grid[o][i] = (float)(rnd() * 2 - 1);
    for (int y = 0; y < CANVAS; y++)
        for (int x = 0; x < CANVAS; x++) {
            float *p = bg + ((size_t)y * CANVAS + x) * 3;
            double u = (double)x / CANVAS - 0.5, v = (double)y / CANVAS - 0.5, t, n;
            for (int k = 0; k < 3; k++) {
                switch (kind) {
                case 0:
                    p[k] = 255;
                    break;
                case 1:
                    p[k] = (float)offw[pick][k];
                    break;
                case 2:
                    t = radial ? 1 - exp(-(u * u + v * v) / (2 * 0.35 * 0.35))
                               : 0.5 + u * cos(ang) + v * sin(ang);
                    p[k] = (float)(c0[k] + (c1[k] - c0[k]) * fmin(1, fmax(0, t)));
                    break;
                default:
                    n = 6 * vnoise(grid[0], GW, x, y, 64) + 3 * vnoise(grid[1], GW, x, y, 16) +
                        1.5 * vnoise(grid[2], GW, x, y, 4);
                    p[k] = (float)((k == 0 ? 236 : k == 1 ? 230 : 220) + n);
                }
            }
        }
}

/* Composite, add noise, JPEG round trip; gt receives the true mask. */
static int make_photo(const struct image_px *st, int kind, struct image_px *photo,
                      unsigned char *gt)
{
    static float bg[CANVAS * CANVAS * 3];
    unsigned char *rgb = malloc((size_t)CANVAS * CANVAS * 3);
    int ox = (CANVAS - st->width) / 2 + (int)((rnd() - 0.5) * 80);
    int oy = (CANVAS - st->height) / 2 + (int)((rnd() - 0.5) * 80);
    unsigned char *jpg = NULL;
    size_t jlen = 0;
    struct kr_err err;
    struct image_load_opts lo = {0};
    int rc;

    background(kind, bg);
    memset(gt, 0, (size_t)CANVAS * CANVAS);
    for (int y = 0; y < CANVAS; y++)
        for (int x = 0; x < CANVAS; x++) {
            size_t i = (size_t)y * CANVAS + x;
            int sx = x - ox, sy = y - oy;
            double a = 0;
            const unsigned char *s = NULL;
            if (sx >= 0 && sy >= 0 && sx < st->width && sy < st->height) {
                s = st->data + ((size_t)sy * st->width + sx) * 4;
                a = s[3] / 255.0;
                gt[i] = s[3] >= 128;
            }
            double grain = kind == 3 ? 3 * gauss() : 0, noise = 1.5 * gauss();
            for (int k = 0; k < 3; k++) {
                double v = (1 - a) * (bg[i * 3 + k] + grain) + (s ? a * s[k] : 0) + noise;
                rgb[i * 3 + k] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5);
            }
        }
    struct image_px src = {CANVAS, CANVAS, 3, rgb};
    rc = image_encode(&src, "jpeg", 92, &jpg, &jlen, &err);
    free(rgb);
    if (rc)
        return -1;
    rc = image_load(jpg, jlen, &lo, photo, NULL, &err);
    free(jpg);
    return rc ? -1 : 0;
}

/* Debug picture: kept piece as is, missed piece blue, extra red, background dimmed. */
static void dump(const char *dir, int idx, int kind, const struct image_px *photo,
                 const struct studio_mask *m, const unsigned char *gt)
{
    char p[1200];
    unsigned char *jpg;
    size_t n;
    struct kr_err err;
    struct image_px mk = {m->width, m->height, 3, malloc((size_t)m->width * m->height * 3)};
    for (size_t i = 0; i < (size_t)m->width * m->height; i++) {
        int p = m->alpha[i] >= 128;
        for (int k = 0; k < 3; k++) {
            unsigned char v = photo->data[i * 3 + k];
            mk.data[i * 3 + k] = p && gt[i] ? v
                                 : p        ? (k == 0 ? 255 : 0)
                                 : gt[i]    ? (k == 2 ? 255 : 0)
                                            : (unsigned char)(v / 3);
        }
    }
    snprintf(p, sizeof p, "%s/%03d_%s.jpg", dir, idx, bg_names[kind]);
    if (!image_encode(&mk, "jpeg", 85, &jpg, &n, &err)) {
        FILE *f = fopen(p, "wb");
        if (f) {
            fwrite(jpg, 1, n, f);
            fclose(f);
        }
        free(jpg);
    }
    free(mk.data);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : NULL, *dumpdir = NULL;
    int limit = MAXF, used = 0, complex[NBG] = {0}, catn[NCAT] = {0};
    static double scores[NBG][MAXF];
    double catsum[NCAT][NBG] = {{0}}, ms[NBG] = {0};
    unsigned char *gt = malloc((size_t)CANVAS * CANVAS);
    struct kr_err err;

    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--limit") && i + 1 < argc)
            limit = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--dump") && i + 1 < argc)
            dumpdir = argv[++i];
    }
    if (!dir || image_init(argv[0], &err)) {
        fprintf(stderr, "usage: bench_segment_iou STAMPS_DIR [--limit N] [--dump DIR]\n");
        return 2;
    }
    for (int c = 0; c < NCAT; c++) {
        char p[1024];
        int before = nfiles;
        snprintf(p, sizeof p, "%s/%s", dir, cats[c]);
        walk(p, c);
        qsort(files + before, (size_t)(nfiles - before), sizeof *files, cmp_file);
    }
    for (int f = 0; f < nfiles && used < limit; f++) {
        struct image_px st;
        if (load_stamp(files[f].path, CANVAS * 6 / 10, &st))
            continue;
        for (int k = 0; k < NBG; k++) {
            struct image_px photo;
            struct studio_mask m;
            struct studio_seg_info info;
            double t0, s = 0;
            rng_state = (unsigned)(f * 7919 + k * 104729 + 17);
            if (make_photo(&st, k, &photo, gt))
                continue;
            t0 = util_now_ms();
            if (!studio_segment(&photo, &m, &info, &err)) {
                ms[k] += util_now_ms() - t0;
                s = syn_mask_iou(&m, gt);
                complex[k] += info.complex;
                if (dumpdir && s < 0.9)
                    dump(dumpdir, used, k, &photo, &m, gt);
                studio_mask_release(&m);
            }
            if (dumpdir && s < 0.9)
                fprintf(stderr, "%03d %-9s %.3f %s\n", used, bg_names[k], s, files[f].path);
            scores[k][used] = s;
            catsum[files[f].cat][k] += s;
            image_px_release(&photo);
        }
        catn[files[f].cat]++;
        g_free(st.data);
        used++;
    }
    printf("stamps: %d (of %d PNGs; object >= %d px), canvas %dx%d, object long side <= %d px\n\n",
           used, nfiles, MIN_NATIVE, CANVAS, CANVAS, CANVAS * 6 / 10);
    printf("| background | n | mean IoU | median | p10 | min | >= 0.95 | flagged complex | "
           "ms/image |\n");
    printf("|---|---|---|---|---|---|---|---|---|\n");
    for (int k = 0; k < NBG; k++) {
        double sum = 0, sorted[MAXF];
        int good = 0;
        memcpy(sorted, scores[k], sizeof(double) * used);
        qsort(sorted, (size_t)used, sizeof(double), cmp_double);
        for (int i = 0; i < used; i++) {
            sum += sorted[i];
            good += sorted[i] >= 0.95;
        }
        printf("| %s | %d | %.4f | %.4f | %.4f | %.4f | %d | %d | %.1f |\n", bg_names[k], used,
               sum / used, sorted[used / 2], sorted[used / 10], sorted[0], good, complex[k],
               ms[k] / used);
    }
    printf("\n| category | n |");
    for (int k = 0; k < NBG; k++)
        printf(" %s |", bg_names[k]);
    printf("\n|---|---|---|---|---|---|\n");
    for (int c = 0; c < NCAT; c++) {
        printf("| %s | %d |", cats[c], catn[c]);
        for (int k = 0; k < NBG; k++)
            printf(" %.4f |", catn[c] ? catsum[c][k] / catn[c] : 0);
        printf("\n");
    }
    free(gt);
    image_shutdown();
    return 0;
}
