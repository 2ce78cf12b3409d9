/*
 * synth.h - synthetic jewelry photos for the studio tests, with their true
 * masks. Deterministic from a seed; nothing is committed.
 *
 *   SYN_HOOPS   two gold hoop earrings (annuli: the holes show background)
 *   SYN_CHAIN   a closed chain of small oval links (many small holes)
 *   SYN_PENDANT a solid teardrop with a pale stone in its middle
 * Backgrounds: white, off-white with a gentle gradient, or "busy" (large
 * random blocks of skin/hair-like colours, as when the piece is worn).
 * Sensor noise (sigma ~1.5) is added, then the caller encodes. Also: the
 * IoU of a segmentation mask against the truth.
 */
#ifndef KARAT_TEST_STUDIO_SYNTH_H
#define KARAT_TEST_STUDIO_SYNTH_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "studio/studio.h"

enum syn_kind { SYN_HOOPS, SYN_CHAIN, SYN_PENDANT };
enum syn_bg { SYN_WHITE, SYN_OFFWHITE, SYN_BUSY };

static inline unsigned syn_rand(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static inline double syn_gauss(unsigned *s)
{
    double u = (syn_rand(s) + 1.0) / 16777217.0, v = syn_rand(s) / 16777216.0;
    return sqrt(-2 * log(u)) * cos(6.283185307 * v);
}

/* 1 inside the piece at (x, y) for a w x h canvas. */
static inline int syn_inside(enum syn_kind k, double x, double y, int w, int h)
{
    double s = w < h ? w : h;
    if (k == SYN_HOOPS) {
        for (int i = 0; i < 2; i++) {
            double cx = w * (i ? 0.66 : 0.34), cy = h * 0.5, r = s * 0.2;
            double d = hypot(x - cx, y - cy);
            if (d < r && d > r * 0.72)
                return 1;
        }
        return 0;
    }
    if (k == SYN_CHAIN) {
        double cx = w * 0.5, cy = h * 0.5, R = s * 0.33;
        for (int i = 0; i < 36; i++) {
            double a = 6.283185307 * i / 36, lx = cx + R * cos(a), ly = cy + R * sin(a);
            double dx = x - lx, dy = y - ly, ca = cos(a + 1.5708), sa = sin(a + 1.5708);
            double u = (dx * ca + dy * sa) / (s * 0.045), v = (-dx * sa + dy * ca) / (s * 0.026);
            double d = u * u + v * v;
            if (d < 1 && d > 0.3)
                return 1;
        }
        return 0;
    }
    double cx = w * 0.5, cy = h * 0.55, r = s * 0.25, dx = (x - cx) / r, dy = (y - cy) / r;
    return dx * dx + dy * dy < 1 || (dy < 0 && dy > -1.9 && fabs(dx) < (1.9 + dy) * 0.55);
}

static inline void syn_bg_px(enum syn_bg b, int x, int y, int w, int h, double out[3])
{
    if (b == SYN_WHITE) {
        out[0] = out[1] = out[2] = 255;
    } else if (b == SYN_OFFWHITE) {
        double t = (double)(x + y) / (w + h);
        out[0] = 246 - 10 * t;
        out[1] = 242 - 10 * t;
        out[2] = 234 - 12 * t;
    } else {
        int cell = (x / (w / 6) + 3 * (y / (h / 5))) % 4;
        static const double c[4][3] = {
            {40, 30, 28}, {205, 160, 135}, {180, 130, 110}, {25, 22, 24}};
        memcpy(out, c[cell], sizeof c[cell]);
    }
}

/* RGB pixels (malloc'd) and the true mask (malloc'd, 1 = piece). */
static inline unsigned char *syn_pixels(enum syn_kind k, enum syn_bg b, int w, int h, unsigned seed,
                                        unsigned char **mask)
{
    unsigned char *px = malloc((size_t)w * h * 3), *m = malloc((size_t)w * h);
    unsigned s = seed * 2654435761u + 7;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            double c[3], n = 1.5 * syn_gauss(&s);
            int in = syn_inside(k, x + 0.5, y + 0.5, w, h);
            syn_bg_px(b, x, y, w, h, c);
            if (in) { /* gold with a sheen; the pendant has a pale stone */
                double t = 0.5 + 0.5 * sin(x * 0.02 + y * 0.013);
                double stone =
                    k == SYN_PENDANT && hypot(x - w * 0.5, y - h * 0.55) < (w < h ? w : h) * 0.1;
                c[0] = stone ? 228 : 170 + 70 * t;
                c[1] = stone ? 222 : 125 + 60 * t;
                c[2] = stone ? 235 : 40 + 40 * t;
            }
            m[i] = (unsigned char)in;
            for (int ch = 0; ch < 3; ch++) {
                double v = c[ch] + n;
                px[i * 3 + ch] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5);
            }
        }
    if (mask)
        *mask = m;
    else
        free(m);
    return px;
}

/* Encoded photo (JPEG q92 or PNG), malloc'd. */
static inline unsigned char *syn_photo(enum syn_kind k, enum syn_bg b, int w, int h, unsigned seed,
                                       const char *fmt, size_t *n)
{
    unsigned char *px = syn_pixels(k, b, w, h, seed, NULL), *out = NULL;
    struct image_px p = {w, h, 3, px};
    struct kr_err err;
    if (image_encode(&p, fmt ? fmt : "jpeg", 92, &out, n, &err))
        out = NULL;
    free(px);
    return out;
}

/* Intersection over union of a mask (alpha >= 128 counts as piece) and a
 * true mask of the same size; 1 when both are empty. */
static inline double syn_mask_iou(const struct studio_mask *m, const unsigned char *truth)
{
    size_t inter = 0, uni = 0;
    for (size_t i = 0; i < (size_t)m->width * m->height; i++) {
        int p = m->alpha[i] >= 128;
        inter += p && truth[i];
        uni += p || truth[i];
    }
    return uni ? (double)inter / (double)uni : 1.0;
}

#endif
