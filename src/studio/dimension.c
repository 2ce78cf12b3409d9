/*
 * dimension.c - the dimension image (type 3): height and width arrows with
 * labels around the piece, drawn with cairo and pango in DejaVu Sans.
 *
 * The canvas comes from studio_compose_white() (generate.c uses a smaller
 * fill for this type, so the arrows and labels have room in the margin).
 * The width arrow runs under the piece from its left to its right edge, the
 * height arrow along its right side; thin extension lines tie each arrow to
 * the piece's bounding box, and the labels ("25 mm") sit outside the arrows,
 * never over the piece. Sizes scale with the canvas side.
 *
 * Pango's font map is process-wide state; drawing is serialised by a mutex
 * (a few milliseconds per image).
 */
#include <cairo.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "studio/internal.h"

#define INK      0.13 /* grey level of arrows and text */
#define FONT     "DejaVu Sans"
#define FONT_PX  0.022 /* label size, share of the side */
#define GAP      0.035 /* arrow distance from the piece */
#define LINE_W   0.0022
#define HEAD_LEN 0.016
#define HEAD_W   0.007

static pthread_mutex_t draw_lock = PTHREAD_MUTEX_INITIALIZER;

static void arrow_head(cairo_t *cr, double x, double y, double dx, double dy, double len,
                       double half)
{
    cairo_move_to(cr, x, y);
    cairo_line_to(cr, x - dx * len - dy * half, y - dy * len + dx * half);
    cairo_line_to(cr, x - dx * len + dy * half, y - dy * len - dx * half);
    cairo_close_path(cr);
    cairo_fill(cr);
}

/* A double-headed arrow from (x0, y0) to (x1, y1). */
static void arrow(cairo_t *cr, double x0, double y0, double x1, double y1, double side)
{
    double len = hypot(x1 - x0, y1 - y0), dx = (x1 - x0) / len, dy = (y1 - y0) / len;
    double hl = HEAD_LEN * side, hw = HEAD_W * side;
    cairo_set_line_width(cr, LINE_W * side);
    cairo_move_to(cr, x0 + dx * hl * 0.8, y0 + dy * hl * 0.8);
    cairo_line_to(cr, x1 - dx * hl * 0.8, y1 - dy * hl * 0.8);
    cairo_stroke(cr);
    arrow_head(cr, x1, y1, dx, dy, hl, hw);
    arrow_head(cr, x0, y0, -dx, -dy, hl, hw);
}

static void extension(cairo_t *cr, double x0, double y0, double x1, double y1, double side)
{
    static const double dash[] = {8, 6};
    cairo_save(cr);
    cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
    cairo_set_line_width(cr, LINE_W * side * 0.6);
    cairo_set_dash(cr, dash, 2, 0);
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1, y1);
    cairo_stroke(cr);
    cairo_restore(cr);
}

/* Draw `text` with its left-top at (x, y); returns its size. With measure_only, only measures. */
static void label(cairo_t *cr, const char *text, double px, double x, double y, int measure_only,
                  double *tw, double *th)
{
    PangoLayout *lay = pango_cairo_create_layout(cr);
    PangoFontDescription *fd = pango_font_description_from_string(FONT " Bold");
    int w, h;
    pango_font_description_set_absolute_size(fd, px * PANGO_SCALE);
    pango_layout_set_font_description(lay, fd);
    pango_layout_set_text(lay, text, -1);
    pango_layout_get_pixel_size(lay, &w, &h);
    *tw = w;
    *th = h;
    if (!measure_only) {
        cairo_move_to(cr, x, y);
        pango_cairo_show_layout(cr, lay);
    }
    pango_font_description_free(fd);
    g_object_unref(lay);
}

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void draw(cairo_t *cr, int side, const struct studio_box *b, const char *ht, const char *wt)
{
    double gap = GAP * side, px = FONT_PX * side, tw, th;
    double yw = b->y1 + gap, xh = b->x1 + gap;

    cairo_set_source_rgb(cr, INK, INK, INK);
    /* width: under the piece */
    extension(cr, b->x0, b->y1 + 0.2 * gap, b->x0, yw + 0.4 * gap, side);
    extension(cr, b->x1, b->y1 + 0.2 * gap, b->x1, yw + 0.4 * gap, side);
    cairo_set_source_rgb(cr, INK, INK, INK);
    arrow(cr, b->x0, yw, b->x1, yw, side);
    label(cr, wt, px, 0, 0, 1, &tw, &th);
    label(cr, wt, px, clampd((b->x0 + b->x1 - tw) / 2, 4, side - tw - 4),
          clampd(yw + 0.35 * gap, 4, side - th - 4), 0, &tw, &th);
    /* height: right of the piece */
    extension(cr, b->x1 + 0.2 * gap, b->y0, xh + 0.4 * gap, b->y0, side);
    extension(cr, b->x1 + 0.2 * gap, b->y1, xh + 0.4 * gap, b->y1, side);
    cairo_set_source_rgb(cr, INK, INK, INK);
    arrow(cr, xh, b->y0, xh, b->y1, side);
    label(cr, ht, px, 0, 0, 1, &tw, &th);
    label(cr, ht, px, clampd(xh + 0.5 * gap, 4, side - tw - 4),
          clampd((b->y0 + b->y1 - th) / 2, 4, side - th - 4), 0, &tw, &th);
}

enum kr_code studio_draw_dimensions(struct image_px *canvas, const struct studio_box *box,
                                    const struct studio_length *height,
                                    const struct studio_length *width, struct kr_err *err)
{
    cairo_surface_t *s;
    cairo_t *cr;
    unsigned char *data;
    int stride, w = canvas->width, h = canvas->height;
    char ht[48], wt[48];

    if (!height || !width || !height->set || !width->set)
        return kr_fail(err, KR_EINVAL, "dimensions_required",
                       "the dimension image needs both height and width");
    if (canvas->bands != 3)
        return kr_fail(err, KR_EINVAL, "bad_pixels", "expected an RGB canvas");
    studio_length_format(height, ht, sizeof ht);
    studio_length_format(width, wt, sizeof wt);
    s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return kr_fail(err, KR_ENOMEM, "out_of_memory", "cannot make a %dx%d drawing surface", w,
                       h);
    }
    data = cairo_image_surface_get_data(s);
    stride = cairo_image_surface_get_stride(s);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const unsigned char *p = canvas->data + ((size_t)y * w + x) * 3;
            ((uint32_t *)(data + (size_t)y * stride))[x] =
                0xff000000u | (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
        }
    cairo_surface_mark_dirty(s);
    pthread_mutex_lock(&draw_lock);
    cr = cairo_create(s);
    draw(cr, w < h ? w : h, box, ht, wt);
    cairo_destroy(cr);
    pthread_mutex_unlock(&draw_lock);
    cairo_surface_flush(s);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t v = ((const uint32_t *)(data + (size_t)y * stride))[x];
            unsigned char *p = canvas->data + ((size_t)y * w + x) * 3;
            p[0] = (unsigned char)(v >> 16);
            p[1] = (unsigned char)(v >> 8);
            p[2] = (unsigned char)v;
        }
    cairo_surface_destroy(s);
    return KR_OK;
}
