/*
 * image.h - decoding untrusted image bytes with libvips, bounded.
 *
 * Everything that looks at pixels starts here. image_probe() reads only the
 * header (format, size) so limits are enforced before any decode;
 * image_load() decodes with shrink-on-load to at most `max_side` pixels on
 * the longest side (JPEG DCT scaling, WebP/HEIC thumbnails), applies the EXIF
 * orientation, converts to 8-bit sRGB (or, asked with `grey`, keeps an 8-bit
 * grey source as its one band) and flattens alpha onto white. A
 * decompression bomb (width*height over the limit) is refused from the
 * header with KR_ELIMIT ("too_many_pixels"); bytes that are not an image,
 * or are truncated, fail with KR_EINVAL ("not_an_image" / "corrupt_image").
 *
 * image_resize() and image_blur_plane() work on decoded buffers (the
 * studio's compositing). libvips is called only inside image/: nothing in
 * this header exposes its types.
 *
 * Ownership: image_px_release() frees what image_load() and image_resize()
 * filled (any buffer from malloc, too).
 * Thread safety: all functions may be called from any thread after image_init().
 */
#ifndef KARAT_IMAGE_IMAGE_H
#define KARAT_IMAGE_IMAGE_H

#include <stddef.h>

#include "core/err.h"

struct image_info {
    int width, height;  /* as stored, before orientation */
    int oriented_width; /* after EXIF orientation */
    int oriented_height;
    const char *format; /* "jpeg", "png", "webp", "heif", "gif", "tiff" (static) */
    const char *mime;   /* "image/jpeg" ... (static) */
    const char *ext;    /* ".jpg", ".png" ... (static) */
    int has_alpha;
    /* Colour as stored: libvips' interpretation ("srgb", "rgb", "cmyk",
     * "b-w", "grey16", "rgb16", "scrgb", "lab" or "other"; static), whether
     * an ICC profile is embedded and whether that profile names sRGB. */
    const char *colour;
    int has_icc;
    int icc_srgb;
};

/* Interleaved 8-bit sRGB pixels, `bands` = 3 (RGB), or 4 (RGBA) whenever
 * keep_alpha was asked for (opaque sources get alpha 255), or 1 (grey) when
 * `grey` was asked for and the source is 8-bit grey. */
struct image_px {
    int width, height, bands;
    unsigned char *data; /* width*height*bands bytes, owned */
};

/* Once per process (main, tests): vips_init, cache limits, untrusted-loader block. */
enum kr_code image_init(const char *argv0, struct kr_err *err);
void image_shutdown(void);
/* Threads the caller created (not libvips') call this before they exit so
 * libvips' per-thread buffers are freed. */
void image_thread_cleanup(void);

enum kr_code image_probe(const void *data, size_t n, long long max_pixels, struct image_info *info,
                         struct kr_err *err);

struct image_load_opts {
    int max_side;         /* longest side of the result; 0 = full size */
    long long max_pixels; /* refuse larger sources (0 = no limit) */
    int keep_alpha;       /* 1: RGBA, alpha kept; 0: RGB flattened on white */
    /* 0: the longest side is exactly min(max_side, source). > 0: any longest
     * side in [min_side, max_side] will do, so a JPEG shrink-on-load (1/2,
     * 1/4, 1/8) that lands in that range is returned without a resampling
     * pass (faster; used by dedup/). Added field: zero keeps the old meaning. */
    int min_side;
    /* 1: an 8-bit grey source (one band, no alpha, no ICC profile) comes back
     * as that one band (bands = 1), the value RGB would repeat three times;
     * other sources as RGB. Not with keep_alpha. Used by ocr/ (the bill
     * reader wants grey). Added field: zero keeps the old meaning. */
    int grey;
};

enum kr_code image_load(const void *data, size_t n, const struct image_load_opts *opts,
                        struct image_px *out, struct image_info *info, struct kr_err *err);
void image_px_release(struct image_px *px);

/* Resample to exactly w x h (Lanczos-3 when both sides shrink, else
 * bicubic); 1..4 bands, RGBA premultiplied around the resize so transparent
 * pixels do not bleed. *out is new (image_px_release). */
enum kr_code image_resize(const struct image_px *in, int w, int h, struct image_px *out,
                          struct kr_err *err);
/* Gaussian blur of a single-band w x h plane in place (sigma in pixels;
 * below 0.3 nothing changes; above IMAGE_BLUR_SIGMA_MAX, or not a number,
 * KR_EINVAL bad_size). */
#define IMAGE_BLUR_SIGMA_MAX 1000
enum kr_code image_blur_plane(unsigned char *plane, int w, int h, double sigma, struct kr_err *err);

/* Encode RGB/RGBA pixels: format "jpeg" (quality 1..100) or "png". Output malloc'd. */
enum kr_code image_encode(const struct image_px *px, const char *format, int quality,
                          unsigned char **out, size_t *out_len, struct kr_err *err);

#endif
