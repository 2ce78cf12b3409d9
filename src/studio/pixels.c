/*
 * pixels.c - the studio's small pixel toolbox: allocation, crops, libvips
 * resampling and blur, a colour-space peek at encoded bytes and region
 * labelling.
 *
 * Everything else in studio/ works on plain byte arrays; libvips is only
 * called here (wrapping the caller's memory, never owning it) so that the
 * rules about its objects (unref on every path) stay in one file.
 */
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

#include "core/util.h"
#include "studio/internal.h"

enum kr_code studio_px_alloc(struct image_px *px, int width, int height, int bands,
                             unsigned char fill, struct kr_err *err)
{
    size_t n;
    memset(px, 0, sizeof *px);
    if (width <= 0 || height <= 0 || bands < 1 || bands > 4 || width > 65535 || height > 65535)
        return kr_fail(err, KR_EINVAL, "bad_size", "bad pixel buffer size %dx%dx%d", width, height,
                       bands);
    n = (size_t)width * height * bands;
    px->data = malloc(n);
    if (!px->data)
        return kr_fail(err, KR_ENOMEM, "out_of_memory", "out of memory for %dx%d pixels", width,
                       height);
    memset(px->data, fill, n);
    px->width = width;
    px->height = height;
    px->bands = bands;
    return KR_OK;
}

enum kr_code studio_px_crop(const struct image_px *in, int x, int y, int w, int h,
                            struct image_px *out, struct kr_err *err)
{
    enum kr_code rc;
    int x1 = x + w, y1 = y + h;
    if (x < 0)
        x = 0;
    if (y < 0)
        y = 0;
    if (x1 > in->width)
        x1 = in->width;
    if (y1 > in->height)
        y1 = in->height;
    rc = studio_px_alloc(out, x1 - x, y1 - y, in->bands, 0, err);
    if (rc)
        return rc;
    for (int r = 0; r < out->height; r++)
        memcpy(out->data + (size_t)r * out->width * in->bands,
               in->data + ((size_t)(y + r) * in->width + x) * in->bands,
               (size_t)out->width * in->bands);
    return KR_OK;
}

static enum kr_code vips_fail(struct kr_err *err, const char *what)
{
    enum kr_code rc =
        kr_fail(err, KR_EINTERNAL, "image_op_failed", "%s: %s", what, vips_error_buffer());
    vips_error_clear();
    return rc;
}

/* Copy a finished VipsImage of the right shape into a fresh image_px. */
static enum kr_code vips_to_px(VipsImage *im, int w, int h, int bands, struct image_px *out,
                               struct kr_err *err)
{
    VipsImage *c = NULL, *e = NULL;
    size_t len = 0;
    void *mem;
    enum kr_code rc;

    if (vips_cast_uchar(im, &c, NULL))
        return vips_fail(err, "cast");
    if (vips_embed(c, &e, 0, 0, w, h, "extend", VIPS_EXTEND_COPY, NULL)) {
        g_object_unref(c);
        return vips_fail(err, "embed");
    }
    g_object_unref(c);
    mem = vips_image_write_to_memory(e, &len);
    g_object_unref(e);
    if (!mem)
        return vips_fail(err, "write to memory");
    if (len != (size_t)w * h * bands) {
        g_free(mem);
        return kr_fail(err, KR_EINTERNAL, "image_op_failed", "resize gave %zu bytes", len);
    }
    rc = studio_px_alloc(out, w, h, bands, 0, err);
    if (!rc)
        memcpy(out->data, mem, len);
    g_free(mem);
    return rc;
}

enum kr_code studio_px_resize(const struct image_px *in, int w, int h, struct image_px *out,
                              struct kr_err *err)
{
    VipsImage *src, *pre = NULL, *rs = NULL, *un = NULL;
    double hs = (double)w / in->width, vs = (double)h / in->height;
    VipsKernel k = hs < 1 && vs < 1 ? VIPS_KERNEL_LANCZOS3 : VIPS_KERNEL_CUBIC;
    enum kr_code rc;

    memset(out, 0, sizeof *out);
    if (w <= 0 || h <= 0)
        return kr_fail(err, KR_EINVAL, "bad_size", "resize to %dx%d", w, h);
    src = vips_image_new_from_memory(in->data, (size_t)in->width * in->height * in->bands,
                                     in->width, in->height, in->bands, VIPS_FORMAT_UCHAR);
    if (!src)
        return vips_fail(err, "wrap pixels");
    if (in->bands == 4) {
        if (vips_premultiply(src, &pre, NULL)) {
            g_object_unref(src);
            return vips_fail(err, "premultiply");
        }
    } else {
        pre = src;
        g_object_ref(pre);
    }
    g_object_unref(src);
    if (vips_resize(pre, &rs, hs, "vscale", vs, "kernel", k, NULL)) {
        g_object_unref(pre);
        return vips_fail(err, "resize");
    }
    g_object_unref(pre);
    if (in->bands == 4) {
        if (vips_unpremultiply(rs, &un, NULL)) {
            g_object_unref(rs);
            return vips_fail(err, "unpremultiply");
        }
        g_object_unref(rs);
        rs = un;
    }
    rc = vips_to_px(rs, w, h, in->bands, out, err);
    g_object_unref(rs);
    return rc;
}

enum kr_code studio_plane_blur(unsigned char *plane, int w, int h, double sigma, struct kr_err *err)
{
    VipsImage *src, *bl = NULL;
    struct image_px tmp;
    enum kr_code rc;

    if (sigma < 0.3)
        return KR_OK;
    src = vips_image_new_from_memory(plane, (size_t)w * h, w, h, 1, VIPS_FORMAT_UCHAR);
    if (!src)
        return vips_fail(err, "wrap plane");
    if (vips_gaussblur(src, &bl, sigma, "precision", VIPS_PRECISION_INTEGER, NULL)) {
        g_object_unref(src);
        return vips_fail(err, "blur");
    }
    rc = vips_to_px(bl, w, h, 1, &tmp, err);
    g_object_unref(bl);
    g_object_unref(src);
    if (rc)
        return rc;
    memcpy(plane, tmp.data, (size_t)w * h);
    image_px_release(&tmp);
    return KR_OK;
}

static const char *interp_name(VipsInterpretation i)
{
    switch (i) {
    case VIPS_INTERPRETATION_sRGB:
        return "srgb";
    case VIPS_INTERPRETATION_RGB:
        return "rgb";
    case VIPS_INTERPRETATION_CMYK:
        return "cmyk";
    case VIPS_INTERPRETATION_B_W:
        return "b-w";
    case VIPS_INTERPRETATION_GREY16:
        return "grey16";
    case VIPS_INTERPRETATION_RGB16:
        return "rgb16";
    case VIPS_INTERPRETATION_scRGB:
        return "scrgb";
    case VIPS_INTERPRETATION_LAB:
        return "lab";
    default:
        return "other";
    }
}

enum kr_code studio_colour_peek(const void *data, size_t n, struct studio_colour_info *ci,
                                struct kr_err *err)
{
    VipsImage *im;
    const void *icc = NULL;
    size_t icc_len = 0;

    memset(ci, 0, sizeof *ci);
    im = vips_image_new_from_buffer(data, n, "", "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    if (!im) {
        vips_error_clear();
        return kr_fail(err, KR_EINVAL, "not_an_image", "the bytes are not an image");
    }
    util_strlcpy(ci->interpretation, interp_name(vips_image_get_interpretation(im)),
                 sizeof ci->interpretation);
    if (vips_image_get_typeof(im, VIPS_META_ICC_NAME) &&
        !vips_image_get_blob(im, VIPS_META_ICC_NAME, &icc, &icc_len) && icc_len > 0) {
        ci->has_icc = 1;
        ci->icc_srgb = memmem(icc, icc_len, "sRGB", 4) != NULL;
    }
    g_object_unref(im);
    return KR_OK;
}

int studio_label(const unsigned char *m, int w, int h, unsigned char want, int conn8, int32_t *lab,
                 int32_t *queue)
{
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
