/*
 * image_ops.c - pixel operations on decoded buffers (see image.h):
 * resampling to an exact size and a Gaussian blur of one plane.
 *
 * Callers (the studio) work on plain byte arrays; these wrap the caller's
 * memory in a libvips image (never owning it), run one operation and copy
 * the result into a fresh buffer, so libvips objects never leave image/.
 * RGBA is premultiplied around the resize so transparent pixels do not
 * bleed their colour into the edges; the kernel is Lanczos-3 when both
 * sides shrink and bicubic otherwise.
 */
#include "image/image_int.h"

#include <stdlib.h>
#include <string.h>

/* Copy a finished VipsImage into a fresh w x h x bands buffer (cast to
 * 8 bits, edges extended when libvips rounded the size down). */
static enum kr_code to_px(VipsImage *im, int w, int h, int bands, struct image_px *out,
                          struct kr_err *err)
{
    VipsImage *c = NULL, *e = NULL;
    size_t len = 0;
    void *mem;

    if (vips_cast_uchar(im, &c, NULL))
        return image__vips_fail(err, KRS_IMAGE_OP_FAILED, "cast");
    if (vips_embed(c, &e, 0, 0, w, h, "extend", VIPS_EXTEND_COPY, NULL)) {
        g_object_unref(c);
        return image__vips_fail(err, KRS_IMAGE_OP_FAILED, "embed");
    }
    g_object_unref(c);
    mem = vips_image_write_to_memory(e, &len);
    g_object_unref(e);
    if (!mem)
        return image__vips_fail(err, KRS_IMAGE_OP_FAILED, "write to memory");
    if (len != (size_t)w * h * bands) {
        g_free(mem);
        return kr_fail(err, KRS_IMAGE_OP_FAILED, "operation gave %zu bytes", len);
    }
    out->data = mem; /* g_malloc is the system malloc, as image_px_release expects */
    out->width = w;
    out->height = h;
    out->bands = bands;
    return KR_OK;
}

/* The resize proper: a premultiplied copy when there is alpha. */
static int resample(VipsImage *src, int bands, double hs, double vs, VipsImage **out)
{
    VipsKernel k = hs < 1 && vs < 1 ? VIPS_KERNEL_LANCZOS3 : VIPS_KERNEL_CUBIC;
    VipsImage *pre = NULL, *rs = NULL;
    int rc;

    if (bands != 4)
        return vips_resize(src, out, hs, "vscale", vs, "kernel", k, NULL);
    if (vips_premultiply(src, &pre, NULL))
        return -1;
    rc = vips_resize(pre, &rs, hs, "vscale", vs, "kernel", k, NULL);
    g_object_unref(pre);
    if (rc)
        return rc;
    rc = vips_unpremultiply(rs, out, NULL);
    g_object_unref(rs);
    return rc;
}

enum kr_code image_resize(const struct image_px *in, int w, int h, struct image_px *out,
                          struct kr_err *err)
{
    VipsImage *src, *rs = NULL;
    enum kr_code rc;

    memset(out, 0, sizeof *out);
    if (w <= 0 || h <= 0 || !in->data || in->width <= 0 || in->height <= 0 || in->bands < 1 ||
        in->bands > 4)
        return kr_fail(err, KRS_BAD_SIZE, "resize %dx%dx%d to %dx%d", in->width, in->height,
                       in->bands, w, h);
    src = vips_image_new_from_memory(in->data, (size_t)in->width * in->height * in->bands,
                                     in->width, in->height, in->bands, VIPS_FORMAT_UCHAR);
    if (!src)
        return image__vips_fail(err, KRS_IMAGE_OP_FAILED, "wrap pixels");
    if (resample(src, in->bands, (double)w / in->width, (double)h / in->height, &rs)) {
        g_object_unref(src);
        return image__vips_fail(err, KRS_IMAGE_OP_FAILED, "resize");
    }
    g_object_unref(src);
    rc = to_px(rs, w, h, in->bands, out, err);
    g_object_unref(rs);
    return rc;
}

enum kr_code image_blur_plane(unsigned char *plane, int w, int h, double sigma, struct kr_err *err)
{
    VipsImage *src, *bl = NULL;
    struct image_px tmp = {0};
    enum kr_code rc;

    if (sigma < 0.3)
        return KR_OK;
    if (!plane || w <= 0 || h <= 0)
        return kr_fail(err, KRS_BAD_SIZE, "blur a %dx%d plane", w, h);
    src = vips_image_new_from_memory(plane, (size_t)w * h, w, h, 1, VIPS_FORMAT_UCHAR);
    if (!src)
        return image__vips_fail(err, KRS_IMAGE_OP_FAILED, "wrap plane");
    if (vips_gaussblur(src, &bl, sigma, "precision", VIPS_PRECISION_INTEGER, NULL)) {
        g_object_unref(src);
        return image__vips_fail(err, KRS_IMAGE_OP_FAILED, "blur");
    }
    rc = to_px(bl, w, h, 1, &tmp, err);
    g_object_unref(bl);
    g_object_unref(src);
    if (rc)
        return rc;
    memcpy(plane, tmp.data, (size_t)w * h);
    image_px_release(&tmp);
    return KR_OK;
}
