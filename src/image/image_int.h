/*
 * image_int.h - helpers shared by the files of the image module only.
 *
 * image.c owns start-up, header probing and encoding; image_load.c owns the
 * decode pipeline. Both turn libvips failures into kr_err the same way and
 * both need to know which loader (format) a probe found.
 */
#ifndef KARAT_IMAGE_IMAGE_INT_H
#define KARAT_IMAGE_IMAGE_INT_H

#include <vips/vips.h>
#include <vips/vector.h>

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

/* What image_load() needs from the probe beyond struct image_info. */
struct image_hdr {
    enum image_fmt fmt;
    int orientation; /* EXIF orientation 1..8 (1 = as stored) */
    int plain_jpeg;  /* JPEG, grey or YCbCr, 8-bit, no ICC profile: image_jpeg.c can decode it */
    int grey8;       /* 8-bit grey: image__grey8() */
};

/* 1 when im is one 8-bit band of grey (interpretation b-w) without an ICC
 * profile: its sRGB conversion only copies that band into three. */
int image__grey8(VipsImage *im);

/* image_probe() that also fills hdr. */
enum kr_code image__probe(const void *data, size_t n, long long max_pixels, struct image_info *info,
                          struct image_hdr *hdr, struct kr_err *err);

/* ---- image_jpeg.c ---- */

/* Decode a plain JPEG of stored size inf->width x inf->height (from the
 * probe) to RGB at 1/shrink (1, 2, 4, 8) with libjpeg-turbo, exactly as
 * libvips' jpegload would; no orientation applied. */
enum kr_code image__jpeg_decode(const void *data, size_t n, const struct image_info *inf,
                                int shrink, struct image_px *out, struct kr_err *err);
/* Turn px (any bands) as EXIF orientation 2..8 says; 0, or -1 if out of memory. */
int image__orient_rgb(struct image_px *px, int orientation);

/* ---- image_load.c ---- */

/* 0 sends plain JPEGs through libvips too (tests compare the two paths). */
void image__set_direct_jpeg(int on);

/* Fill err from the libvips error buffer, clearing it. */
enum kr_code image__vips_fail(struct kr_err *err, enum kr_slug slug, const char *what);

#endif
