/*
 * compose.c - putting a cut-out on a canvas: the pure white main image, the
 * square letterbox for scenes, and alpha pasting.
 *
 * The white canvas starts at exactly RGB 255 and only the piece (and an
 * optional soft contact shadow right below it) is blended in, so the border
 * stays pure white through JPEG encoding: flat 8x8 blocks of 255 decode back
 * to 255. The piece is resampled once, straight from the cut-out to its
 * final size (aspect ratio kept), and centred.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "studio/internal.h"

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
        return kr_fail(err, KR_ENOMEM, "out_of_memory", "out of memory");
    for (int y = 0; y < piece->height; y++) {
        int py = pad + (int)(y * SHADOW_SQUASH);
        for (int x = 0; x < piece->width; x++) {
            unsigned char a = piece->data[((size_t)y * piece->width + x) * 4 + 3];
            unsigned char *p = plane + (size_t)py * sw + pad + x;
            if (a > *p)
                *p = a;
        }
    }
    rc = studio_plane_blur(plane, sw, sh, side * SHADOW_SIGMA, err);
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
    double fill = o && o->fill > 0 ? o->fill : STUDIO_FILL;
    const struct image_px *src = &c->rgba;
    struct image_px piece = {0};
    double scale;
    int w, h, ox, oy;
    enum kr_code rc;

    memset(out, 0, sizeof *out);
    if (!src->data || src->bands != 4 || src->width < 1 || src->height < 1)
        return kr_fail(err, KR_EINVAL, "no_piece_found", "the cut-out is empty");
    if (side < 64 || side > 10000 || fill <= 0.05 || fill > 1)
        return kr_fail(err, KR_EINVAL, "bad_canvas", "canvas %d px at fill %.2f", side, fill);
    scale = fill * side / (src->width > src->height ? src->width : src->height);
    w = (int)lround(src->width * scale);
    h = (int)lround(src->height * scale);
    w = w < 1 ? 1 : w;
    h = h < 1 ? 1 : h;
    rc = studio_px_resize(src, w, h, &piece, err);
    if (!rc)
        rc = studio_px_alloc(out, side, side, 3, 255, err);
    if (rc)
        goto out;
    ox = (side - w) / 2;
    oy = (side - h) / 2;
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
        return kr_fail(err, KR_EINVAL, "bad_pixels", "expected RGB");
    rc = studio_px_alloc(&pad, m, m, 3, 255, err);
    if (rc)
        return rc;
    for (int y = 0; y < in->height; y++)
        memcpy(pad.data + ((size_t)(y + (m - in->height) / 2) * m + (m - in->width) / 2) * 3,
               in->data + (size_t)y * in->width * 3, (size_t)in->width * 3);
    if (m == side) {
        *out = pad;
        return KR_OK;
    }
    rc = studio_px_resize(&pad, side, side, out, err);
    free(pad.data);
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
        return kr_fail(err, KR_EINVAL, "bad_placement", "placement scale %.3f is out of range",
                       place->scale);
    rc = studio_px_resize(&c->rgba, w, h, &piece, err);
    if (rc)
        return rc;
    blend(scene, &piece, (int)lround(place->x), (int)lround(place->y));
    free(piece.data);
    return KR_OK;
}
