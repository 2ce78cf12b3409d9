/*
 * internal.h - helpers shared by the studio's own files (not public API).
 *
 * Pixel buffers are `struct image_px` (interleaved 8-bit, 3 or 4 bands) as
 * image/ hands them out. The few libvips calls the studio needs beyond
 * image/'s API (resampling, a header peek for colour space) live in
 * pixels.c, so the rest of the studio is plain loops over bytes.
 */
#ifndef KARAT_STUDIO_INTERNAL_H
#define KARAT_STUDIO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "image/image.h"
#include "ai/ai.h"
#include "studio/studio.h"

/* Allocate width*height*bands bytes, filled with `fill`. */
enum kr_code studio_px_alloc(struct image_px *px, int width, int height, int bands,
                             unsigned char fill, struct kr_err *err);
/* Copy of a rectangle (clipped to the image). */
enum kr_code studio_px_crop(const struct image_px *in, int x, int y, int w, int h,
                            struct image_px *out, struct kr_err *err);
/* Resample to exactly w x h (Lanczos-3 down, bicubic up) with libvips. RGBA
 * is premultiplied around the resize so transparent pixels do not bleed. */
enum kr_code studio_px_resize(const struct image_px *in, int w, int h, struct image_px *out,
                              struct kr_err *err);
/* Gaussian blur of a single-band plane in place (sigma in pixels). */
enum kr_code studio_plane_blur(unsigned char *plane, int w, int h, double sigma,
                               struct kr_err *err);

/* What libvips says about encoded bytes beyond image_probe(): the colour
 * interpretation ("srgb", "cmyk", "b-w", "rgb16", ...), whether an ICC
 * profile is embedded and whether it claims sRGB. */
struct studio_colour_info {
    char interpretation[16];
    int bands;
    int has_icc;
    int icc_srgb;
    int progressive;
};
enum kr_code studio_colour_peek(const void *data, size_t n, struct studio_colour_info *ci,
                                struct kr_err *err);

/* Region labelling over a byte mask: pixels equal to `want` get labels
 * 1..count in lab (others 0); conn8 picks 8- over 4-connectivity. Returns
 * the count. `queue` must hold w*h entries. */
int studio_label(const unsigned char *m, int w, int h, unsigned char want, int conn8, int32_t *lab,
                 int32_t *queue);

/* The background of a photo: a smooth surface fitted to the border plus a
 * coarse correction grid learnt from every background pixel (bgmodel.c). */
#define STUDIO_BG_GRID_MAX 80 /* grid cells per side at most (cell = longest side / 64, >= 4) */
struct studio_bg {
    double coef[3][6]; /* per channel: 1, u, v, u^2, v^2, uv over [-1,1]^2 */
    int w, h;          /* image the model describes */
    int cell, gw, gh;  /* correction grid (bggrid.c): cell size in pixels, grid size */
    float *corr;       /* gw*gh*3 mean residuals, NULL before studio_bg_refine */
    int *gx0;          /* per column: left grid cell */
    float *gfx;        /* per column: weight of the right cell */
    double p90, p99;   /* residual percentiles of background pixels */
    double border_p90; /* p90 on the border, from the first fit */
    double busy;       /* share of border samples that are not background */
    double lo, hi;     /* hysteresis thresholds on the distance to the model */
};
enum kr_code studio_bg_fit_border(const struct image_px *px, struct studio_bg *bg,
                                  struct kr_err *err);
/* Learn the correction grid, growing from the border inwards. */
enum kr_code studio_bg_grow(const struct image_px *px, struct studio_bg *bg, struct kr_err *err);
/* Measure the noise again over pixels away from `fg` (1 = piece). */
enum kr_code studio_bg_restat(const struct image_px *px, const unsigned char *fg,
                              struct studio_bg *bg, struct kr_err *err);
/* The smooth surface alone at pixel (x, y). */
void studio_bg_surface(const struct studio_bg *bg, double x, double y, float out[3]);
/* Model colours of row y: out[x*3+k]. */
void studio_bg_row(const struct studio_bg *bg, int y, float *out);
void studio_bg_release(struct studio_bg *bg);

/* Segment and return the piece as RGBA of the same size: soft alpha, edge
 * colours freed of the old background (see segment.c). */
enum kr_code studio_segment_rgba(const struct image_px *px, struct image_px *rgba,
                                 struct studio_seg_info *info, struct kr_err *err);

/* Cut-out from a provider-made white-background version of the photo, for
 * photos too busy to cut out classically (scene.c). */
enum kr_code studio_cutout_via_ai(struct ai *ai, const void *data, size_t n, const char *mime,
                                  long long max_pixels, int long_side, struct studio_cutout *out,
                                  struct kr_err *err);

/* What every item of one request shares (generate.c). */
struct studio_work {
    const struct studio_env *env;
    long long max_pixels;
    enum studio_product product;
    struct studio_length height, width;
    int shadow;
    const char *marketplace;
    const struct studio_cutout *cut; /* NULL when the cut-out failed: */
    enum kr_code cut_rc;             /* ... why, for the items that need it */
    struct kr_err cut_err;
};
/* Check the source bytes (the request's only hard failures) and cut the
 * piece out (failures recorded in w->cut_rc / cut_err). */
enum kr_code studio_work_prepare(const struct studio_env *env, const struct studio_source *src,
                                 struct studio_cutout *cut, struct studio_work *w,
                                 struct kr_err *err);
/* Render one type as JPEG bytes (malloc'd) with its compliance report. */
enum kr_code studio_item_render(const struct studio_work *w, int type, unsigned char **jpg,
                                size_t *len, json_t **compliance, struct kr_err *err);
/* One gen_images entry; e != NULL makes it an error entry. */
json_t *studio_item_json(int index, int type, const char *url, json_t *compliance,
                         const struct kr_err *e);
/* File-name stem of a source name: [A-Za-z0-9_-], at most 48, "image" if empty. */
void studio_source_stem(const char *name, char *out, size_t n);

/* Zero the info and mark nothing found. */
void studio_seg_info_clear(struct studio_seg_info *info);

/* Fresh unique token for output names: 12 hex digits from the clock and
 * randomness. */
void studio_run_id(char *out, size_t n);

#endif
