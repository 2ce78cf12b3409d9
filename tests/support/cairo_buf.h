/*
 * cairo_buf.h - cairo's write callback into a struct buf, for the tests that
 * draw a page (PNG or PDF) with cairo and hand its bytes to a reader:
 * cairo_surface_write_to_png_stream(s, tu_cairo_to_buf, &b) or
 * cairo_pdf_surface_create_for_stream(tu_cairo_to_buf, &b, w, h).
 */
#ifndef KARAT_TESTS_CAIRO_BUF_H
#define KARAT_TESTS_CAIRO_BUF_H

#include <cairo.h>

#include "core/buf.h"

static inline cairo_status_t tu_cairo_to_buf(void *closure, const unsigned char *data,
                                             unsigned int n)
{
    return buf_append(closure, data, n) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

#endif
