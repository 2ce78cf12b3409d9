/*
 * compose.c - putting a cut-out on a canvas: the pure white main image, the
 * square letterbox for scenes, and alpha pasting.
 *
 * The white canvas starts at exactly RGB 255 and only the piece (and an
 * optional soft contact shadow right below it) is blended in, so the border
 * stays pure white through JPEG encoding: flat 8x8 blocks of 255 decode back
 * to 255. The piece is resampled once, straight from the cut-out to its
 * final size (aspect ratio kept), and centred. A 3:4 canvas (1080 x 1440,
 * Meesho) is composed the same way: the piece fits `fill` of both sides,
 * never stretched. A 3:4 scene is re-composed from the square one
 * (studio_portrait): a full-height window centred on the piece, or the
 * whole scene letterboxed when the piece is too wide for the window.
 *
 * The dimension image (type 3, second half): height and width arrows with
 * labels around the piece, drawn with cairo and pango in DejaVu Sans on the
 * white canvas (made at 70 % fill so they have room). The width arrow runs
 * under the piece, the height arrow along its right side, thin dashed lines
 * tie them to the bounding box, labels ("25 mm") sit outside, never over the
 * piece. Pango's font map is process-wide; drawing is serialised by a mutex.
 */
#include <cairo.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "studio/studio_int.h"

#define SHADOW_OPACITY 0.28
#define SHADOW_DROP    0.010 /* of the canvas side */
#define SHADOW_SIGMA   0.008
#define SHADOW_SQUASH  0.12 /* the shadow is the alpha flattened vertically */

/* dst = a * src + (1 - a) * dst for an RGBA sprite at (ox, oy), clipped. */
static void blend(struct image_px *dst, const struct image_px *src, int ox, int oy)
{
    for (int y = 0; y < src->height; y++) {
        int dy = oy + y;
        if (dy < 0 || dy >= dst->height)
            continue;
        for (int x = 0; x < src->width; x++) {
            int dx = ox + x;
            const unsigned char *s = src->data + ((size_t)y * src->width + x) * 4;
            unsigned char *d;
            if (dx < 0 || dx >= dst->width || s[3] == 0)
                continue;
            d = dst->data + ((size_t)dy * dst->width + dx) * dst->bands;
            if (s[3] == 255) {
                memcpy(d, s, 3);
                continue;
            }
            for (int k = 0; k < 3; k++)
                d[k] = (unsigned char)((s[k] * s[3] + d[k] * (255 - s[3]) + 127) / 255);
        }
    }
}

/* A soft grey ellipse-ish shadow: the piece's alpha squashed towards its
 * bottom edge, blurred, darkening the canvas multiplicatively. */
static enum kr_code shadow(struct image_px *canvas, const struct image_px *piece, int ox, int oy,
                           struct kr_err *err)
{
    int side = canvas->width, pad = (int)(side * SHADOW_SIGMA * 4) + 2;
    int sw = piece->width + 2 * pad, sh = (int)(piece->height * SHADOW_SQUASH) + 2 * pad;
    unsigned char *plane = calloc((size_t)sw * sh, 1);
    enum kr_code rc;

    if (!plane)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    for (int y = 0; y < piece->height; y++) {
        int py = pad + (int)(y * SHADOW_SQUASH);
        for (int x = 0; x < piece->width; x++) {
            unsigned char a = piece->data[((size_t)y * piece->width + x) * 4 + 3];
            unsigned char *p = plane + (size_t)py * sw + pad + x;
            if (a > *p)
                *p = a;
        }
    }
    rc = image_blur_plane(plane, sw, sh, side * SHADOW_SIGMA, err);
    if (!rc) {
        int top = oy + piece->height - (int)(piece->height * SHADOW_SQUASH / 2) +
                  (int)(side * SHADOW_DROP) - pad;
        for (int y = 0; y < sh; y++)
            for (int x = 0; x < sw; x++) {
                int cx = ox - pad + x, cy = top + y;
                double f = 1 - SHADOW_OPACITY * plane[(size_t)y * sw + x] / 255.0;
                unsigned char *d;
                if (cx < 0 || cy < 0 || cx >= canvas->width || cy >= canvas->height)
                    continue;
                d = canvas->data + ((size_t)cy * canvas->width + cx) * canvas->bands;
                for (int k = 0; k < 3; k++)
                    d[k] = (unsigned char)(d[k] * f + 0.5);
            }
    }
    free(plane);
    return rc;
}

enum kr_code studio_compose_white(const struct studio_cutout *c,
                                  const struct studio_compose_opts *o, struct image_px *out,
                                  struct studio_box *box, struct kr_err *err)
{
    int side = o && o->side > 0 ? o->side : STUDIO_SIDE;
    int cw = side, ch = o && o->height > 0 ? o->height : side;
    double fill = o && o->fill > 0 ? o->fill : STUDIO_FILL;
    const struct image_px *src = &c->rgba;
    struct image_px piece = {0};
    double scale;
    int w, h, ox, oy;
    enum kr_code rc;

    memset(out, 0, sizeof *out);
    if (!src->data || src->bands != 4 || src->width < 1 || src->height < 1)
        return kr_fail(err, KRS_NO_PIECE_FOUND, "the cut-out is empty");
    if (cw < 64 || cw > 10000 || ch < 64 || ch > 10000 || fill <= 0.05 || fill > 1)
        return kr_fail(err, KRS_BAD_CANVAS, "canvas %dx%d px at fill %.2f", cw, ch, fill);
    scale = fmin(fill * cw / src->width, fill * ch / src->height);
    w = (int)lround(src->width * scale);
    h = (int)lround(src->height * scale);
    w = w < 1 ? 1 : w;
    h = h < 1 ? 1 : h;
    rc = image_resize(src, w, h, &piece, err);
    if (!rc)
        rc = studio__px_alloc(out, cw, ch, 3, 255, err);
    if (rc)
        goto out;
    ox = (cw - w) / 2;
    oy = (ch - h) / 2;
    if (o && o->shadow)
        rc = shadow(out, &piece, ox, oy, err);
    if (rc)
        goto out;
    blend(out, &piece, ox, oy);
    if (box)
        *box = (struct studio_box){ox, oy, ox + w, oy + h};
out:
    free(piece.data);
    if (rc) {
        free(out->data);
        memset(out, 0, sizeof *out);
    }
    return rc;
}

enum kr_code studio_square(const struct image_px *in, int side, struct image_px *out,
                           struct kr_err *err)
{
    int m = in->width > in->height ? in->width : in->height;
    struct image_px pad;
    enum kr_code rc;

    memset(out, 0, sizeof *out);
    if (in->bands != 3)
        return kr_fail(err, KRS_BAD_PIXELS, "expected RGB");
    rc = studio__px_alloc(&pad, m, m, 3, 255, err);
    if (rc)
        return rc;
    for (int y = 0; y < in->height; y++)
        memcpy(pad.data + ((size_t)(y + (m - in->height) / 2) * m + (m - in->width) / 2) * 3,
               in->data + (size_t)y * in->width * 3, (size_t)in->width * 3);
    if (m == side) {
        *out = pad;
        return KR_OK;
    }
    rc = image_resize(&pad, side, side, out, err);
    free(pad.data);
    return rc;
}

enum kr_code studio_portrait(const struct image_px *square, const struct studio_box *piece,
                             const int size[2], struct image_px *out, struct kr_err *err)
{
    int s = square->width, ww = (int)lround((double)s * size[0] / size[1]);
    int cx = (piece->x0 + piece->x1) / 2, x0 = cx - ww / 2;
    struct image_px mid = {0};
    enum kr_code rc;

    memset(out, 0, sizeof *out);
    if (square->bands != 3 || square->height != s || size[0] < 1 || size[0] >= size[1])
        return kr_fail(err, KRS_BAD_CANVAS, "re-composing needs an RGB square and a w < h size");
    if (piece->x1 - piece->x0 <= ww * 0.92) { /* a window of the scene around the piece */
        x0 = x0 < 0 ? 0 : x0 + ww > s ? s - ww : x0;
        rc = studio__px_crop(square, &(struct studio_box){x0, 0, x0 + ww, s}, &mid, err);
    } else { /* the piece would be cut: the whole scene, white above and below */
        int hh = (int)lround((double)s * size[1] / size[0]);
        rc = studio__px_alloc(&mid, s, hh, 3, 255, err);
        if (!rc)
            memcpy(mid.data + (size_t)((hh - s) / 2) * s * 3, square->data, (size_t)s * s * 3);
    }
    if (!rc)
        rc = image_resize(&mid, size[0], size[1], out, err);
    free(mid.data);
    return rc;
}

enum kr_code studio_paste(struct image_px *scene, const struct studio_cutout *c,
                          const struct studio_place *place, struct kr_err *err)
{
    struct image_px piece = {0};
    int w = (int)lround(c->rgba.width * place->scale),
        h = (int)lround(c->rgba.height * place->scale);
    enum kr_code rc;
    if (w < 1 || h < 1 || w > 4 * scene->width || h > 4 * scene->height)
        return kr_fail(err, KRS_BAD_PLACEMENT, "placement scale %.3f is out of range",
                       place->scale);
    rc = image_resize(&c->rgba, w, h, &piece, err);
    if (rc)
        return rc;
    blend(scene, &piece, (int)lround(place->x), (int)lround(place->y));
    free(piece.data);
    return KR_OK;
}

/* ---- the dimension image (type 3) --------------------------------------- */

#define INK      0.13 /* grey level of arrows and text */
#define FONT     "DejaVu Sans"
#define FONT_PX  0.022 /* label size, share of the side */
#define GAP      0.035 /* arrow distance from the piece */
#define LINE_W   0.0022
#define HEAD_LEN 0.016
#define HEAD_W   0.007

static pthread_mutex_t draw_lock = PTHREAD_MUTEX_INITIALIZER;

/* An arrow head at (x, y) pointing along (dx, dy), sized for a canvas of `side` pixels. */
static void arrow_head(cairo_t *cr, double x, double y, double dx, double dy, double side)
{
    double len = HEAD_LEN * side, half = HEAD_W * side;
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
    double hl = HEAD_LEN * side;
    cairo_set_line_width(cr, LINE_W * side);
    cairo_move_to(cr, x0 + dx * hl * 0.8, y0 + dy * hl * 0.8);
    cairo_line_to(cr, x1 - dx * hl * 0.8, y1 - dy * hl * 0.8);
    cairo_stroke(cr);
    arrow_head(cr, x1, y1, dx, dy, side);
    arrow_head(cr, x0, y0, -dx, -dy, side);
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

/* `text` laid out in the label font, px pixels high (g_object_unref it). */
static PangoLayout *label_layout(cairo_t *cr, const char *text, double px)
{
    PangoLayout *lay = pango_cairo_create_layout(cr);
    PangoFontDescription *fd = pango_font_description_from_string(FONT " Bold");
    pango_font_description_set_absolute_size(fd, px * PANGO_SCALE);
    pango_layout_set_font_description(lay, fd);
    pango_layout_set_text(lay, text, -1);
    pango_font_description_free(fd);
    return lay;
}

/* The size `text` takes as a label. */
static void label_size(cairo_t *cr, const char *text, double px, double *tw, double *th)
{
    PangoLayout *lay = label_layout(cr, text, px);
    int w, h;
    pango_layout_get_pixel_size(lay, &w, &h);
    *tw = w;
    *th = h;
    g_object_unref(lay);
}

/* Draw `text` with its left-top at (x, y). */
static void label(cairo_t *cr, const char *text, double px, double x, double y)
{
    PangoLayout *lay = label_layout(cr, text, px);
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, lay);
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
    label_size(cr, wt, px, &tw, &th);
    label(cr, wt, px, clampd((b->x0 + b->x1 - tw) / 2, 4, side - tw - 4),
          clampd(yw + 0.35 * gap, 4, side - th - 4));
    /* height: right of the piece */
    extension(cr, b->x1 + 0.2 * gap, b->y0, xh + 0.4 * gap, b->y0, side);
    extension(cr, b->x1 + 0.2 * gap, b->y1, xh + 0.4 * gap, b->y1, side);
    cairo_set_source_rgb(cr, INK, INK, INK);
    arrow(cr, xh, b->y0, xh, b->y1, side);
    label_size(cr, ht, px, &tw, &th);
    label(cr, ht, px, clampd(xh + 0.5 * gap, 4, side - tw - 4),
          clampd((b->y0 + b->y1 - th) / 2, 4, side - th - 4));
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
        return kr_fail(err, KRS_DIMENSIONS_REQUIRED,
                       "the dimension image needs both height and width");
    if (canvas->bands != 3)
        return kr_fail(err, KRS_BAD_PIXELS, "expected an RGB canvas");
    studio_length_format(height, ht, sizeof ht);
    studio_length_format(width, wt, sizeof wt);
    s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return kr_fail(err, KRS_OUT_OF_MEMORY, "cannot make a %dx%d drawing surface", w, h);
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
