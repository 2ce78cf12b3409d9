/*
 * pixels.c - the studio's small pixel toolbox: allocation, crops and region
 * labelling.
 *
 * studio/ works on plain byte arrays; resampling and blur are image/'s
 * (image_resize, image_blur_plane), so no libvips call is made here.
 */
#include <stdlib.h>
#include <string.h>

#include "studio/studio_int.h"

enum kr_code studio__px_alloc(struct image_px *px, int width, int height, int bands,
                             unsigned char fill, struct kr_err *err)
{
    size_t n;
    memset(px, 0, sizeof *px);
    if (width <= 0 || height <= 0 || bands < 1 || bands > 4 || width > 65535 || height > 65535)
        return kr_fail(err, KRS_BAD_SIZE, "bad pixel buffer size %dx%dx%d", width, height, bands);
    n = (size_t)width * height * bands;
    px->data = malloc(n);
    if (!px->data)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory for %dx%d pixels", width, height);
    memset(px->data, fill, n);
    px->width = width;
    px->height = height;
    px->bands = bands;
    return KR_OK;
}

enum kr_code studio__px_crop(const struct image_px *in, const struct studio_box *r,
                             struct image_px *out, struct kr_err *err)
{
    enum kr_code rc;
    int x = r->x0, y = r->y0, x1 = r->x1, y1 = r->y1;
    if (x < 0)
        x = 0;
    if (y < 0)
        y = 0;
    if (x1 > in->width)
        x1 = in->width;
    if (y1 > in->height)
        y1 = in->height;
    rc = studio__px_alloc(out, x1 - x, y1 - y, in->bands, 0, err);
    if (rc)
        return rc;
    for (int r = 0; r < out->height; r++)
        memcpy(out->data + (size_t)r * out->width * in->bands,
               in->data + ((size_t)(y + r) * in->width + x) * in->bands,
               (size_t)out->width * in->bands);
    return KR_OK;
}

int studio__label(const struct studio__mask *mk, unsigned char want, int conn8)
{
    const unsigned char *m = mk->m;
    int w = mk->w, h = mk->h;
    int32_t *lab = mk->lab, *queue = mk->queue;
    static const int dx[8] = {1, -1, 0, 0, 1, 1, -1, -1}, dy[8] = {0, 0, 1, -1, 1, -1, 1, -1};
    int nb = conn8 ? 8 : 4, count = 0;
    size_t total = (size_t)w * h;

    memset(lab, 0, total * sizeof *lab);
    for (size_t s = 0; s < total; s++) {
        size_t head = 0, tail = 0;
        if (m[s] != want || lab[s])
            continue;
        if (count == INT32_MAX)
            return -1;
        lab[s] = ++count;
        queue[tail++] = (int32_t)s;
        while (head < tail) {
            int32_t p = queue[head++];
            int x = p % w, y = p / w;
            for (int k = 0; k < nb; k++) {
                int nx = x + dx[k], ny = y + dy[k];
                size_t q;
                if (nx < 0 || ny < 0 || nx >= w || ny >= h)
                    continue;
                q = (size_t)ny * w + nx;
                if (m[q] == want && !lab[q]) {
                    lab[q] = count;
                    queue[tail++] = (int32_t)q;
                }
            }
        }
    }
    return count;
}
