/*
 * compliance.c - does an image pass a marketplace's main-image rules?
 *
 * Rules (the marketplaces' published main-image requirements):
 *   amazon   - background pure white 255,255,255; the product fills >= 85 %
 *              (its longest side); longest side 500..10000 px (>= 1000 for
 *              zoom, jewelry pages cap it at 2100: both warnings);
 *              JPEG, TIFF, GIF or PNG; sRGB; no transparency.
 *   flipkart - at least 500 x 500 (1000 x 1000 recommended, 1:1 preferred:
 *              warnings); JPEG or PNG; white or light background.
 *   meesho   - 1:1 square at least 1200 x 1200, or 3:4 portrait at least
 *              1080 x 1440 (the size Karat makes with size 1080x1440); JPEG;
 *              white or very light background.
 * The 3:4 size is flagged where it does not belong: Flipkart prefers 1:1
 * (a warning); Amazon has no aspect rule (fill and size still apply).
 * Measurements: the border frame (1 % of the side, at least 2 px) decides
 * the background: "pure" means every channel >= 254 (JPEG rounding), "light"
 * every channel >= 235. The product box is where rows and columns hold
 * pixels clearly off white (a channel < 246), ignoring isolated specks; fill
 * = box's longest side / the image's side in that direction, whichever is
 * larger. Analysis runs on a copy at most 1600 px long.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "studio/studio_int.h"

#define ANALYSE_MAX 1600
#define PURE        254
#define LIGHT       235
#define INK         246

struct rules {
    const char *name;
    int bg_pure;     /* 1: pure white, 0: white or light */
    double bg_share; /* share of the border that must pass */
    double min_fill; /* 0 = no rule */
    int min_side;    /* both sides at least */
    int min_long;    /* longest side at least */
    int max_long;
    int square;   /* 1: required, 0: preferred (warning) */
    int portrait; /* 1: a 3:4 portrait counts as well as a square */
    const char *formats[5];
};

static const struct rules market[] = {
    {"amazon", 1, 0.99, 0.85, 1, 500, 10000, -1, 0, {"jpeg", "tiff", "gif", "png", NULL}},
    {"flipkart", 0, 0.95, 0, 500, 500, 10000, 0, 0, {"jpeg", "png", NULL}},
    {"meesho", 0, 0.95, 0, 1080, 1200, 10000, 1, 1, {"jpeg", NULL}},
};

static const struct rules *find_rules(const char *name)
{
    for (size_t i = 0; i < sizeof market / sizeof *market; i++)
        if (util_streq_ci(market[i].name, name))
            return &market[i];
    return NULL;
}

int studio_marketplace_ok(const char *name)
{
    return name && find_rules(name) != NULL;
}

struct measure {
    double pure, light; /* share of border pixels */
    double fill;
    int bx0, by0, bx1, by1; /* product box in analysed pixels */
};

static void border_stats(const struct image_px *px, struct measure *m)
{
    int w = px->width, h = px->height, bw = (w < h ? w : h) / 100;
    size_t all = 0, pure = 0, light = 0;
    if (bw < 2)
        bw = 2;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const unsigned char *p;
            int lo;
            if (y >= bw && y < h - bw && x == bw)
                x = w - bw;
            p = px->data + ((size_t)y * w + x) * px->bands;
            lo = p[0] < p[1] ? p[0] : p[1];
            lo = lo < p[2] ? lo : p[2];
            all++;
            pure += lo >= PURE;
            light += lo >= LIGHT;
        }
    m->pure = all ? (double)pure / (double)all : 0;
    m->light = all ? (double)light / (double)all : 0;
}

/* First and last index whose count reaches `need`. */
static void span(const int *count, int n, int need, int *a, int *b)
{
    *a = 0;
    *b = -1;
    for (int i = 0; i < n; i++)
        if (count[i] >= need) {
            *a = i;
            break;
        }
    for (int i = n - 1; i >= 0; i--)
        if (count[i] >= need) {
            *b = i;
            break;
        }
}

static enum kr_code fill_stats(const struct image_px *px, struct measure *m, struct kr_err *err)
{
    int w = px->width, h = px->height;
    int *rows = calloc((size_t)h, sizeof *rows), *cols = calloc((size_t)w, sizeof *cols);
    if (!rows || !cols) {
        free(rows);
        free(cols);
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const unsigned char *p = px->data + ((size_t)y * w + x) * px->bands;
            if (p[0] < INK || p[1] < INK || p[2] < INK) {
                rows[y]++;
                cols[x]++;
            }
        }
    span(cols, w, 2, &m->bx0, &m->bx1);
    span(rows, h, 2, &m->by0, &m->by1);
    if (m->bx1 >= m->bx0 && m->by1 >= m->by0)
        m->fill = fmax((m->bx1 - m->bx0 + 1) / (double)w, (m->by1 - m->by0 + 1) / (double)h);
    free(rows);
    free(cols);
    return KR_OK;
}

static void add_check(json_t *checks, json_t *fails, const char *name, int ok, json_t *detail,
                      const char *why)
{
    json_object_set_new(detail, "ok", json_boolean(ok));
    json_object_set_new(checks, name, detail);
    if (!ok)
        json_array_append_new(fails, json_sprintf("%s: %s", name, why));
}

static void check_background(const struct rules *r, const struct measure *m, json_t *checks,
                             json_t *fails)
{
    double share = r->bg_pure ? m->pure : m->light;
    char why[128];
    util_fmt(why, sizeof why, "%.1f%% of the border is %s, %.0f%% needed", 100 * share,
             r->bg_pure ? "pure white (255,255,255)" : "white or light", 100 * r->bg_share);
    add_check(checks, fails, "background", share >= r->bg_share,
              json_pack("{s:s, s:f, s:f, s:f}", "required", r->bg_pure ? "pure white" : "light",
                        "pure_white_share", round(m->pure * 1e4) / 1e4, "light_share",
                        round(m->light * 1e4) / 1e4, "min_share", r->bg_share),
              why);
}

static void check_fill(const struct rules *r, const struct measure *m, json_t *checks,
                       json_t *fails)
{
    char why[96];
    /* half a percent for edge anti-aliasing, which the measurement cannot see */
    int ok = r->min_fill <= 0 || m->fill >= r->min_fill - 0.005;
    util_fmt(why, sizeof why, "the product spans %.1f%% of the image, %.0f%% needed", 100 * m->fill,
             100 * r->min_fill);
    add_check(checks, fails, "fill", ok,
              json_pack("{s:f, s:f}", "ratio", round(m->fill * 1000) / 1000, "min", r->min_fill),
              why);
}

static void check_size(const struct rules *r, const struct image_info *in, json_t *checks,
                       json_t *fails, json_t *warns)
{
    int w = in->oriented_width, h = in->oriented_height, lng = w > h ? w : h, sht = w < h ? w : h;
    int square = abs(w - h) <= lng / 100;
    int portrait = w < h && abs(4 * w - 3 * h) <= h / 25; /* 3:4 within 1 % */
    int aspect = square || (r->portrait && portrait);
    char why[160];
    int ok = sht >= r->min_side && lng >= r->min_long && lng <= r->max_long &&
             (r->square != 1 || aspect);
    util_fmt(why, sizeof why, "%dx%d px; needs %s%d..%d px on the longest side%s", w, h,
             r->min_side > 1 ? "both sides >= min, " : "", r->min_long, r->max_long,
             r->square != 1 ? ""
             : r->portrait  ? " and 1:1 (>= 1200x1200) or 3:4 (>= 1080x1440)"
                            : " and a 1:1 square");
    add_check(checks, fails, "size", ok,
              json_pack("{s:i, s:i, s:i, s:i, s:b, s:b}", "width", w, "height", h, "min_side",
                        r->min_long, "max_side", r->max_long, "square", square, "portrait_3_4",
                        portrait),
              why);
    if (lng < 1000)
        json_array_append_new(warns, json_sprintf("size: %d px is below 1000 px, so no zoom", lng));
    if (!strcmp(r->name, "amazon") && lng > 2100)
        json_array_append_new(warns, json_sprintf("size: jewelry pages ask for at most 2100 px"));
    if (r->square == 0 && !square)
        json_array_append_new(warns, json_string("size: a 1:1 square is preferred"));
}

static void check_format(const struct rules *r, const struct image_info *in, json_t *checks,
                         json_t *fails)
{
    int ok = 0, srgb;
    json_t *allowed = json_array();
    char why[128];
    for (int i = 0; r->formats[i]; i++) {
        ok |= !strcmp(r->formats[i], in->format);
        json_array_append_new(allowed, json_string(r->formats[i]));
    }
    util_fmt(why, sizeof why, "%s is not accepted", in->format);
    add_check(checks, fails, "format", ok,
              json_pack("{s:s, s:o}", "value", in->format, "allowed", allowed), why);
    srgb = (!strcmp(in->colour, "srgb") || !strcmp(in->colour, "b-w")) &&
           (!in->has_icc || in->icc_srgb);
    util_fmt(why, sizeof why, "%s%s; sRGB needed", in->colour,
             in->has_icc && !in->icc_srgb ? " with a non-sRGB ICC profile" : "");
    add_check(checks, fails, "colour_space", srgb,
              json_pack("{s:s, s:s}", "value", in->colour, "icc",
                        !in->has_icc   ? "none"
                        : in->icc_srgb ? "srgb"
                                       : "other"),
              why);
    add_check(checks, fails, "transparency", !in->has_alpha,
              json_pack("{s:b}", "has_alpha", in->has_alpha),
              "the image has an alpha channel; flatten it onto white");
}

enum kr_code studio_check_image(const struct studio_check_req *req, json_t **report, int *ok,
                                struct kr_err *err)
{
    const void *data = req->data;
    size_t n = req->n;
    long long max_pixels = req->max_pixels;
    const struct rules *r = find_rules(req->marketplace ? req->marketplace : STUDIO_MARKETPLACE);
    struct image_info in;
    struct image_load_opts lo = {.max_side = ANALYSE_MAX, .max_pixels = max_pixels};
    struct image_px px = {0};
    struct measure m = {0};
    json_t *checks, *fails, *warns;
    enum kr_code rc;

    *report = NULL;
    *ok = 0;
    if (!r)
        return kr_fail(err, KRS_BAD_MARKETPLACE, "marketplace must be amazon, flipkart or meesho");
    rc = image_probe(data, n, max_pixels, &in, err);
    if (!rc)
        rc = image_load(data, n, &lo, &px, NULL, err);
    if (!rc)
        rc = fill_stats(&px, &m, err);
    if (rc)
        goto out;
    border_stats(&px, &m);
    checks = json_object();
    fails = json_array();
    warns = json_array();
    check_background(r, &m, checks, fails);
    check_fill(r, &m, checks, fails);
    check_size(r, &in, checks, fails, warns);
    check_format(r, &in, checks, fails);
    *ok = json_array_size(fails) == 0;
    *report = json_pack("{s:s, s:b, s:o, s:o, s:o}", "marketplace", r->name, "ok", *ok, "checks",
                        checks, "failures", fails, "warnings", warns);
    if (!*report)
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
out:
    image_px_release(&px);
    return rc;
}
