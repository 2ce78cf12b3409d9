/*
 * image.h - decoding untrusted image bytes with libvips, bounded.
 *
 * Everything that looks at pixels starts here. image_probe() reads only the
 * header (format, size) so limits are enforced before any decode;
 * image_load() decodes with shrink-on-load to at most `max_side` pixels on
 * the longest side (JPEG DCT scaling, WebP/HEIC thumbnails), applies the EXIF
 * orientation, converts to 8-bit sRGB and flattens alpha onto white. A
 * decompression bomb (width*height over the limit) is refused from the
 * header with KR_ELIMIT ("too_many_pixels"); bytes that are not an image,
 * or are truncated, fail with KR_EINVAL ("not_an_image" / "corrupt_image").
 *
 * Ownership: image_px_release() frees what image_load() filled.
 * Thread safety: all functions may be called from any thread after image_init().
 */
#ifndef KARAT_IMAGE_IMAGE_H
#define KARAT_IMAGE_IMAGE_H

#include <stddef.h>

#include "core/err.h"

struct image_info {
    int width, height;   /* as stored, before orientation */
    int oriented_width;  /* after EXIF orientation */
    int oriented_height;
    const char *format;  /* "jpeg", "png", "webp", "heif", "gif", "tiff" (static) */
    const char *mime;    /* "image/jpeg" ... (static) */
    const char *ext;     /* ".jpg", ".png" ... (static) */
    int has_alpha;
};

/* Interleaved 8-bit pixels, `bands` = 3 (RGB) or 4 (RGBA when keep_alpha). */
struct image_px {
    int width, height, bands;
    unsigned char *data; /* width*height*bands bytes, owned */
};

/* Once per process (main, tests): vips_init, cache limits, untrusted-loader block. */
enum kr_code image_init(const char *argv0, struct kr_err *err);
void image_shutdown(void);

enum kr_code image_probe(const void *data, size_t n, long long max_pixels, struct image_info *info,
                         struct kr_err *err);

struct image_load_opts {
    int max_side;         /* longest side of the result; 0 = full size */
    long long max_pixels; /* refuse larger sources (0 = no limit) */
    int keep_alpha;       /* 1: RGBA, alpha kept; 0: RGB flattened on white */
};

enum kr_code image_load(const void *data, size_t n, const struct image_load_opts *opts,
                        struct image_px *out, struct image_info *info, struct kr_err *err);
void image_px_release(struct image_px *px);

/* Encode RGB/RGBA pixels: format "jpeg" (quality 1..100) or "png". Output malloc'd. */
enum kr_code image_encode(const struct image_px *px, const char *format, int quality,
                          unsigned char **out, size_t *out_len, struct kr_err *err);

#endif
