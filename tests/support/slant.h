/*
 * slant.h - a page photographed at a slant, for the OCR tests: every pixel
 * (x, y) of the photo shows the page at a projective map of (x, y) -
 * columns lean by 1.5 % and the top of the page is 5 % narrower than its
 * bottom; what falls outside the page is white. Header-only: the support
 * library does not link cairo, the OCR tests do.
 */
#ifndef KARAT_TEST_SLANT_H
#define KARAT_TEST_SLANT_H

#include <cairo.h>
#include <stdint.h>
#include <string.h>

/* The slanted photo of page (an RGB24 image surface), the same size. */
static inline cairo_surface_t *tu_slanted(cairo_surface_t *page)
{
    int w = cairo_image_surface_get_width(page), h = cairo_image_surface_get_height(page);
    cairo_surface_t *photo = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_surface_flush(page);
    const unsigned char *src = cairo_image_surface_get_data(page);
    unsigned char *dst = cairo_image_surface_get_data(photo);
    int ss = cairo_image_surface_get_stride(page), ds = cairo_image_surface_get_stride(photo);
    double cx = w / 2.0, cy = h / 2.0, p = 0.05 / h;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double d = 1 + p * (y - cy); /* numerators and d are linear: a homography */
            int sx = (int)((cx * d + (x - cx) + 0.015 * (y - cy)) / d + 0.5);
            int sy = (int)((cy * d + (y - cy)) / d + 0.5);
            uint32_t v = 0xffffff;
            if (sx >= 0 && sy >= 0 && sx < w && sy < h)
                memcpy(&v, src + (size_t)sy * ss + 4 * sx, 4);
            memcpy(dst + (size_t)y * ds + 4 * x, &v, 4);
        }
    cairo_surface_mark_dirty(photo);
    return photo;
}

#endif
