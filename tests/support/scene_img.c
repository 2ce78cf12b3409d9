/*
 * scene_img.c - generated scene photos for the duplicate tests (scene_img.h).
 */
#include "scene_img.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void shape(unsigned char *p, int w, int h, uint32_t *s)
{
    int cx = (int)(rnd(s) % (uint32_t)w), cy = (int)(rnd(s) % (uint32_t)h), r = 10 + (int)(rnd(s) % 60);
    unsigned char c[3] = {(unsigned char)rnd(s), (unsigned char)rnd(s), (unsigned char)rnd(s)};
    int disc = rnd(s) & 1;

    for (int y = cy - r; y <= cy + r; y++)
        for (int x = cx - r; x <= cx + r; x++) {
            if (x < 0 || y < 0 || x >= w || y >= h)
                continue;
            if (disc && (x - cx) * (x - cx) + (y - cy) * (y - cy) > r * r)
                continue;
            memcpy(p + ((size_t)y * w + x) * 3, c, 3);
        }
}

unsigned char *tu_scene(uint32_t seed, int w, int h)
{
    unsigned char *p = malloc((size_t)w * h * 3);
    uint32_t s = seed * 2654435761u + 1;

    if (!p)
        abort();
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned char *o = p + ((size_t)y * w + x) * 3;
            o[0] = (unsigned char)(60 + x * 120 / w);
            o[1] = (unsigned char)(90 + y * 100 / h);
            o[2] = (unsigned char)(140 - x * 60 / w);
        }
    for (int k = 0; k < 160; k++)
        shape(p, w, h, &s);
    return p;
}

unsigned char *tu_scene_window(const unsigned char *src, int sw, int sh, const struct tu_window *win)
{
    int w = win->w, h = win->h;
    unsigned char *o = malloc((size_t)w * h * 3);
    double c = cos(win->deg * M_PI / 180), sn = sin(win->deg * M_PI / 180);

    if (!o)
        abort();
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double px = win->x0 + x - sw / 2.0, py = win->y0 + y - sh / 2.0;
            double sx = c * px - sn * py + sw / 2.0, sy = sn * px + c * py + sh / 2.0;
            int ix = (int)floor(sx), iy = (int)floor(sy);
            double fx = sx - ix, fy = sy - iy;
            ix = ix < 0 ? 0 : ix > sw - 2 ? sw - 2 : ix;
            iy = iy < 0 ? 0 : iy > sh - 2 ? sh - 2 : iy;
            for (int ch = 0; ch < 3; ch++) {
                const unsigned char *a = src + ((size_t)iy * sw + ix) * 3 + ch;
                double v = a[0] * (1 - fx) * (1 - fy) + a[3] * fx * (1 - fy) +
                           a[sw * 3] * (1 - fx) * fy + a[sw * 3 + 3] * fx * fy;
                o[((size_t)y * w + x) * 3 + ch] = (unsigned char)lround(v);
            }
        }
    return o;
}

unsigned char *tu_rgb_jpeg(const unsigned char *rgb, int w, int h, int q, size_t *n)
{
    VipsImage *im = vips_image_new_from_memory(rgb, (size_t)w * h * 3, w, h, 3, VIPS_FORMAT_UCHAR);
    void *out = NULL;
    int rc = im ? vips_jpegsave_buffer(im, &out, n, "Q", q, NULL) : -1;

    if (im)
        g_object_unref(im);
    if (rc) {
        fprintf(stderr, "tu_rgb_jpeg: %s\n", vips_error_buffer());
        abort();
    }
    return out;
}
