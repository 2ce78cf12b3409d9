/*
 * studio_int.h - helpers shared by the studio's own files (not public API).
 *
 * Pixel buffers are `struct image_px` (interleaved 8-bit, 3 or 4 bands) as
 * image/ hands them out; resampling and blur are image/'s too
 * (image_resize, image_blur_plane), so the studio never calls libvips and
 * is plain loops over bytes.
 */
#ifndef KARAT_STUDIO_STUDIO_INT_H
#define KARAT_STUDIO_STUDIO_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "image/image.h"
#include "ai/ai.h"
#include "studio/studio.h"

/* Allocate width*height*bands bytes, filled with `fill`. */
enum kr_code studio__px_alloc(struct image_px *px, int width, int height, int bands,
                             unsigned char fill, struct kr_err *err);
/* Copy of the rectangle r (x1/y1 exclusive; clipped to the image). */
enum kr_code studio__px_crop(const struct image_px *in, const struct studio_box *r,
                             struct image_px *out, struct kr_err *err);
/* Hold the lock of one ZIP (key: its URL) while it is read, changed and
 * written back; different keys do not wait for each other. */
struct studio__zip_lock;
enum kr_code studio__zip_lock(const char *key, struct studio__zip_lock **out, struct kr_err *err);
void studio__zip_unlock(struct studio__zip_lock *l);

/* A w x h byte mask to label, with the labels (out) and a work queue, w*h entries each. */
struct studio__mask {
    const unsigned char *m;
    int w, h;
    int32_t *lab;
    int32_t *queue;
};
/* Region labelling over a byte mask: pixels equal to `want` get labels
 * 1..count in mk->lab (others 0); conn8 picks 8- over 4-connectivity.
 * Returns the count. */
int studio__label(const struct studio__mask *mk, unsigned char want, int conn8);

/* The background of a photo: a smooth surface fitted to the border plus a
 * coarse correction grid learnt from every background pixel (bgmodel.c). */
#define STUDIO_BG_GRID_MAX 80 /* grid cells per side at most (cell = longest side / 64, >= 4) */
struct studio_bg {
    double coef[3][6]; /* per channel: 1, u, v, u^2, v^2, uv over [-1,1]^2 */
    int w, h;          /* image the model describes */
    int cell, gw, gh;  /* correction grid (bggrid.c): cell size in pixels, grid size */
    float *corr;       /* gw*gh*3 mean residuals, NULL before studio__bg_grow */
    int *gx0;          /* per column: left grid cell */
    float *gfx;        /* per column: weight of the right cell */
    double p90, p99;   /* residual percentiles of background pixels */
    double border_p90; /* p90 on the border, from the first fit */
    double busy;       /* share of border samples that are not background */
    double lo, hi;     /* hysteresis thresholds on the distance to the model */
};
enum kr_code studio__bg_fit_border(const struct image_px *px, struct studio_bg *bg,
                                  struct kr_err *err);
/* Learn the correction grid, growing from the border inwards. */
enum kr_code studio__bg_grow(const struct image_px *px, struct studio_bg *bg, struct kr_err *err);
/* Measure the noise again over pixels away from `fg` (1 = piece). */
enum kr_code studio__bg_restat(const struct image_px *px, const unsigned char *fg,
                              struct studio_bg *bg, struct kr_err *err);
/* The smooth surface alone at pixel (x, y). */
void studio__bg_surface(const struct studio_bg *bg, double x, double y, float out[3]);
/* Model colours of row y: out[x*3+k]. */
void studio__bg_row(const struct studio_bg *bg, int y, float *out);
void studio__bg_release(struct studio_bg *bg);

/* Cut-out from a provider-made white-background version of the photo, for
 * photos too busy to cut out classically (scene.c). */
enum kr_code studio__cutout_via_ai(struct ai *ai, const struct ai_image *photo,
                                   long long max_pixels, int long_side, struct studio_cutout *out,
                                   struct kr_err *err);

/* 1 when no image provider can be called: none configured, or "offline". */
int studio__ai_offline(const struct ai *ai);
/* KR_EUNSUPPORTED "image_provider_offline" for a scene type while studio__ai_offline(). */
enum kr_code studio__ai_offline_error(int type, struct kr_err *err);

#endif
