/*
 * measure.c - ai_measure_image(): what can be known about a jewellery photo
 * without a model, deterministically.
 *
 * The photo is decoded at most 512 px on its longest side (the grade's
 * resolution rule uses the full size from the header). Then:
 *  1. background: the median colour of a border frame and how much the
 *     frame varies -> "white", "off-white", "plain" or "complex";
 *  2. item: pixels far enough from the background colour; their bounding
 *     box gives fill (box area / image area) and aspect (width / height);
 *  3. sharpness: variance of the 4-neighbour Laplacian of luminance inside
 *     the box; exposure: the item's mean luminance 0..1;
 *  4. colours: every item pixel is named in jewellery vocabulary from its
 *     hue, saturation and value (gold, rose gold, silver, oxidised silver,
 *     white, pearl, black, red, green, blue, ...); the largest metal class is
 *     the metal, the largest other class the stone colour, and the overall
 *     colour is the largest class, or "multicolour" when three or more
 *     classes each cover a good share of the item;
 *  5. grade: A, B or C from resolution, sharpness, exposure, background and
 *     framing, with the reasons written out.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai_int.h"
#include "core/util.h"
#include "image/image.h"

#define MEASURE_SIDE 512

const char *const ai__cls_name[C_COUNT] = {
    "gold",   "rose gold", "silver", "oxidised silver", "white", "pearl",  "black", "red",
    "orange", "yellow",    "green",  "turquoise",       "blue",  "purple", "pink",  "brown"};


static void hsv(const unsigned char *p, double *h, double *s, double *v)
{
    double r = p[0] / 255.0, g = p[1] / 255.0, b = p[2] / 255.0;
    double mx = fmax(r, fmax(g, b)), mn = fmin(r, fmin(g, b)), d = mx - mn;
    *v = mx;
    *s = mx > 0 ? d / mx : 0;
    if (d <= 0)
        *h = 0;
    else if (mx == r)
        *h = fmod(60 * ((g - b) / d) + 360, 360);
    else if (mx == g)
        *h = 60 * ((b - r) / d) + 120;
    else
        *h = 60 * ((r - g) / d) + 240;
}

enum ai_cls ai__classify(const unsigned char *p)
{
    double h, s, v;
    hsv(p, &h, &s, &v);
    if (v < 0.16)
        return C_BLACK;
    if (s < 0.10)
        return v > 0.88 ? C_WHITE : v > 0.55 ? C_SILVER : v > 0.28 ? C_OXID : C_BLACK;
    if (s < 0.22 && v > 0.78 && h >= 20 && h < 70)
        return C_PEARL;
    if (s < 0.18)
        return v > 0.55 ? C_SILVER : C_OXID;
    if (h >= 38 && h < 62)
        return s > 0.8 && v > 0.85 && h >= 50 ? C_YELLOW : v < 0.35 ? C_BROWN : C_GOLD;
    if ((h >= 345 || h < 38) && s < 0.5 && v > 0.55)
        return C_ROSE;
    if (h >= 15 && h < 38)
        return v < 0.55 ? C_BROWN : C_ORANGE;
    if (h >= 345 || h < 15)
        return C_RED;
    if (h < 70)
        return C_YELLOW;
    if (h < 165)
        return C_GREEN;
    if (h < 195)
        return C_TEAL;
    if (h < 255)
        return C_BLUE;
    if (h < 290)
        return C_PURPLE;
    return C_PINK;
}

static double luma(const unsigned char *p)
{
    return 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
}

static int cmp_uc(const void *a, const void *b)
{
    return *(const unsigned char *)a - *(const unsigned char *)b;
}

/* Median border colour and its spread (mean distance from the median). */
void ai__border_stats(const struct image_px *px, unsigned char bg[3], double *spread)
{
    int w = px->width, h = px->height, m = (w < h ? w : h) / 25 + 1;
    size_t n = 0, cap = (size_t)2 * m * (w + h);
    unsigned char *ch = malloc(cap * 3);
    double sum = 0;
    if (!ch) {
        bg[0] = bg[1] = bg[2] = 255;
        *spread = 0;
        return;
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if ((x < m || x >= w - m || y < m || y >= h - m) && n < cap) {
                const unsigned char *p = px->data + ((size_t)y * w + x) * 3;
                for (int k = 0; k < 3; k++)
                    ch[k * cap + n] = p[k];
                n++;
            }
    for (int k = 0; k < 3; k++) {
        qsort(ch + k * cap, n, 1, cmp_uc);
        bg[k] = ch[k * cap + n / 2];
    }
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 3; k++)
            sum += abs((int)ch[k * cap + i] - bg[k]);
    *spread = n ? sum / (3.0 * n) : 0;
    free(ch);
}

static const char *background_name(const unsigned char bg[3], double spread)
{
    int mx = bg[0], mn = bg[0];
    for (int k = 1; k < 3; k++) {
        mx = bg[k] > mx ? bg[k] : mx;
        mn = bg[k] < mn ? bg[k] : mn;
    }
    if (spread > 14)
        return "complex";
    if (mn >= 232 && mx - mn < 18)
        return "white";
    if (mn >= 195 && mx - mn < 32)
        return "off-white";
    return "plain";
}

struct item {
    int x0, y0, x1, y1;
    size_t count;
    size_t cls[C_COUNT];
    double luma_sum;
};

static void find_item(const struct image_px *px, const unsigned char bg[3], double spread,
                      struct item *it)
{
    int w = px->width, h = px->height;
    int thr = (int)fmax(40.0, 3.5 * spread);
    memset(it, 0, sizeof *it);
    it->x0 = w;
    it->y0 = h;
    it->x1 = it->y1 = -1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const unsigned char *p = px->data + ((size_t)y * w + x) * 3;
            int d = abs(p[0] - bg[0]) + abs(p[1] - bg[1]) + abs(p[2] - bg[2]);
            if (d < thr)
                continue;
            it->count++;
            it->cls[ai__classify(p)]++;
            it->luma_sum += luma(p);
            it->x0 = x < it->x0 ? x : it->x0;
            it->x1 = x > it->x1 ? x : it->x1;
            it->y0 = y < it->y0 ? y : it->y0;
            it->y1 = y > it->y1 ? y : it->y1;
        }
}

static double laplacian_var(const struct image_px *px, int x0, int y0, int x1, int y1)
{
    int w = px->width;
    double sum = 0, sq = 0;
    size_t n = 0;
    x0 = x0 < 1 ? 1 : x0;
    y0 = y0 < 1 ? 1 : y0;
    x1 = x1 > px->width - 2 ? px->width - 2 : x1;
    y1 = y1 > px->height - 2 ? px->height - 2 : y1;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            const unsigned char *p = px->data + ((size_t)y * w + x) * 3;
            double l = 4 * luma(p) - luma(p - 3) - luma(p + 3) - luma(p - (size_t)w * 3) -
                       luma(p + (size_t)w * 3);
            sum += l;
            sq += l * l;
            n++;
        }
    return n ? sq / n - (sum / n) * (sum / n) : 0;
}

static void name_colours(const struct item *it, struct ai_measure *m)
{
    int best_metal = -1, best_other = -1, best = 0, big = 0;
    for (int c = 0; c < C_COUNT; c++) {
        if (IS_METAL(c) && (best_metal < 0 || it->cls[c] > it->cls[best_metal]))
            best_metal = c;
        if (!IS_METAL(c) && (best_other < 0 || it->cls[c] > it->cls[best_other]))
            best_other = c;
        if (it->cls[c] > it->cls[best])
            best = c;
        big += it->cls[c] * 100 >= it->count * 12;
    }
    if (!it->count)
        return;
    if (it->cls[best_metal] * 100 >= it->count * 15)
        util_strlcpy(m->metal, ai__cls_name[best_metal], sizeof m->metal);
    if (it->cls[best_other] * 100 >= it->count * 10)
        util_strlcpy(m->stone, ai__cls_name[best_other], sizeof m->stone);
    util_strlcpy(m->colour, big >= 3 ? "multicolour" : ai__cls_name[best], sizeof m->colour);
}

static void add_reason(struct ai_measure *m, const char *r)
{
    size_t n = strlen(m->grade_reason);
    snprintf(m->grade_reason + n, sizeof m->grade_reason - n, "%s%s", n ? "; " : "", r);
}

static void grade(struct ai_measure *m, int touches_edge)
{
    int side = m->width < m->height ? m->width : m->height, c = 0, b = 0;
    m->grade_reason[0] = '\0';
    if (side < 500)
        c++, add_reason(m, "low resolution");
    else if (side < 1000)
        b++, add_reason(m, "resolution below 1000 px");
    if (m->fill <= 0)
        c++, add_reason(m, "no item found");
    else if (m->fill < 0.04)
        c++, add_reason(m, "item very small in frame");
    else if (m->fill < 0.12)
        b++, add_reason(m, "item small in frame");
    if (m->sharpness < 8)
        c++, add_reason(m, "blurry");
    else if (m->sharpness < 25)
        b++, add_reason(m, "soft focus");
    if (m->exposure > 0 && (m->exposure < 0.12 || m->exposure > 0.95))
        c++, add_reason(m, m->exposure < 0.12 ? "very dark" : "overexposed");
    else if (m->exposure > 0 && m->exposure < 0.22)
        b++, add_reason(m, "dark");
    if (strcmp(m->background, "complex") == 0)
        b++, add_reason(m, "busy background");
    else if (strcmp(m->background, "plain") == 0)
        b++, add_reason(m, "coloured background");
    if (touches_edge)
        b++, add_reason(m, "item touches the frame edge");
    m->grade = c || b >= 3 ? 'C' : b ? 'B' : 'A';
    if (!m->grade_reason[0])
        util_strlcpy(m->grade_reason, "sharp, well exposed, clean background",
                     sizeof m->grade_reason);
}

enum kr_code ai_measure_image(const struct ai_image *img, long long max_pixels,
                              struct ai_measure *out, struct kr_err *err)
{
    struct image_load_opts o = {.max_side = MEASURE_SIDE, .max_pixels = max_pixels};
    struct image_px px = {0};
    struct image_info info;
    unsigned char bg[3];
    double spread;
    struct item it;
    enum kr_code rc;

    memset(out, 0, sizeof *out);
    if (!img || !img->data || !img->len)
        return kr_fail(err, KRS_MISSING_IMAGE, "no image to measure");
    rc = image_load(img->data, img->len, &o, &px, &info, err);
    if (rc)
        return rc;
    out->width = info.oriented_width;
    out->height = info.oriented_height;
    ai__border_stats(&px, bg, &spread);
    util_strlcpy(out->background, background_name(bg, spread), sizeof out->background);
    find_item(&px, bg, spread, &it);
    if (it.count * 1000 >= (size_t)px.width * px.height * 2) {
        int bw = it.x1 - it.x0 + 1, bh = it.y1 - it.y0 + 1;
        out->fill = (double)bw * bh / ((double)px.width * px.height);
        out->aspect = (double)bw / bh;
        out->exposure = it.luma_sum / it.count / 255.0;
        out->sharpness = laplacian_var(&px, it.x0 - 2, it.y0 - 2, it.x1 + 2, it.y1 + 2);
        name_colours(&it, out);
    } else {
        out->sharpness = laplacian_var(&px, 0, 0, px.width - 1, px.height - 1);
    }
    grade(out, it.count &&
                   (it.x0 == 0 || it.y0 == 0 || it.x1 == px.width - 1 || it.y1 == px.height - 1));
    image_px_release(&px);
    return KR_OK;
}
