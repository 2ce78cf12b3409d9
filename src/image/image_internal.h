/*
 * image_internal.h - helpers shared by the files of the image module only.
 *
 * image.c owns start-up, header probing and encoding; image_load.c owns the
 * decode pipeline. Both turn libvips failures into kr_err the same way and
 * both need to know which loader (format) a probe found.
 */
#ifndef KARAT_IMAGE_INTERNAL_H
#define KARAT_IMAGE_INTERNAL_H

#include <vips/vips.h>

#include "image/image.h"

/* The formats Karat accepts; anything else libvips could read is refused. */
enum image_fmt {
    IMAGE_FMT_NONE = 0,
    IMAGE_FMT_JPEG,
    IMAGE_FMT_PNG,
    IMAGE_FMT_WEBP,
    IMAGE_FMT_HEIF,
    IMAGE_FMT_GIF,
    IMAGE_FMT_TIFF
};

/* Which accepted format these bytes are, from the loader libvips picks by
 * sniffing the first bytes (no decode). IMAGE_FMT_NONE if none. */
enum image_fmt image__sniff(const void *data, size_t n);

/* Open a lazy (header read, pixels on demand), sequential VipsImage over the
 * caller's bytes, failing on truncation. `shrink` (1, 2, 4, 8) is JPEG
 * DCT-domain shrink-on-load and `scale` (0 < scale <= 1) WebP decode scaling;
 * other formats ignore them. Returns NULL on failure (vips error set). */
VipsImage *image__open(const void *data, size_t n, enum image_fmt fmt, int shrink, double scale);

/* Fill err from the libvips error buffer, clearing it. */
enum kr_code image__vips_fail(struct kr_err *err, enum kr_code code, const char *slug,
                              const char *what);

#endif
