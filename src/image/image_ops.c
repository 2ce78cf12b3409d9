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
 *
 * The blur is libvips' integer Gaussian (vips_gaussblur, precision
 * integer, run through its plain C path since image.c turns vector code
 * off) done here in plain C: the same taps (vips_gaussmat: rint(20 e^(-x^2
 * / 2 sigma^2)) out to where the curve drops below 0.2), edges copied
 * outwards, a row pass then a column pass, each rounded to bytes as
 * (sum + scale / 2) / scale. Same bytes (tests/unit/image compare the two
 * on random planes), without libvips' regions and worker threads: the
 * sharpening blur of a 2588x4028 OCR plane cost 1.5 G instructions through
 * libvips (its worker threads), 0.46 G here (the products in 16 bits: a
 * tap is at most 20). Sigma is at most IMAGE_BLUR_SIGMA_MAX (libvips'
 * own limit), so the taps sum to at most 65535 and the division trick is
 * exact; a larger sigma, or not a number, is bad_size.
 */
#include "image/image_int.h"

#include <math.h>
#include <stdint.h>
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

/* vips_gaussmat(sigma, min_ampl 0.2, separable, integer)'s taps into m
 * (malloc'd), *n of them; their sum (the scale), or 0 if out of memory. */
static int gauss_taps(double sigma, int **m, int *n)
{
    double sig2 = 2. * sigma * sigma, lim = 8 * sigma, sum = 0;
    int max_x = (int)(lim < 0 ? 0 : lim > 5000 ? 5000 : lim), x;
    for (x = 0; x < max_x; x++)
        if (exp(-((double)(x * x)) / sig2) < 0.2)
            break;
    *n = 2 * (x - 1 > 0 ? x - 1 : 0) + 1;
    if (!(*m = malloc(sizeof(int) * (size_t)*n)))
        return 0;
    for (int i = 0; i < *n; i++) {
        int xo = i - *n / 2;
        double v = rint(20 * exp(-(double)(xo * xo) / sig2));
        (*m)[i] = (int)v;
        sum += v;
    }
    return sum == 0 ? 1 : (int)rint(sum);
}

/* The blur's taps and their rounding: (s + scale / 2) / scale by
 * multiplication, exact for s < 2^40 / scale (s <= 255.5 scale with scale
 * <= 65535): the error of the rounded-up reciprocal stays below one
 * scale-th. */
struct taps {
    int *m, n, scale;
    uint64_t inv; /* ceil(2^40 / scale) */
};

/* out[x] = the rounded quotient of sum over k of m[k] * rows[k][x]. */
static void blur_line(const struct taps *t, const unsigned char *const *rows, int w, int *acc,
                      unsigned char *out)
{
    for (int x = 0; x < w; x++)
        acc[x] = t->scale / 2;
    for (int k = 0; k < t->n; k++) {
        const unsigned char *p = rows[k];
        uint16_t c = (uint16_t)t->m[k]; /* a tap is at most 20: c * p fits 16 bits */
        for (int x = 0; x < w; x++)
            acc[x] += (uint16_t)(c * p[x]);
    }
    for (int x = 0; x < w; x++)
        out[x] = (unsigned char)(((uint64_t)acc[x] * t->inv) >> 40);
}

/* The blur's buffers: the row-pass result (w x h), the n rows a line's taps
 * read, its sums (w) and a padded row (w + n). */
struct blur_work {
    unsigned char *mid, *pad;
    const unsigned char **rows;
    int *acc;
};

/* Row pass then column pass; edges copied outwards (pad: a row with n/2
 * copies of its end pixels either side). */
static void blur_planes(const struct taps *t, const struct blur_work *b, unsigned char *plane,
                        int w, int h)
{
    int r = t->n / 2;
    unsigned char *mid = b->mid, *pad = b->pad;
    const unsigned char **rows = b->rows;
    int *acc = b->acc;
    for (int y = 0; y < h; y++) {
        const unsigned char *src = plane + (size_t)y * w;
        memset(pad, src[0], (size_t)r);
        memcpy(pad + r, src, (size_t)w);
        memset(pad + r + w, src[w - 1], (size_t)r);
        for (int k = 0; k < t->n; k++)
            rows[k] = pad + k;
        blur_line(t, rows, w, acc, mid + (size_t)y * w);
    }
    for (int y = 0; y < h; y++) {
        for (int k = 0; k < t->n; k++) {
            int yy = y + k - r;
            rows[k] = mid + (size_t)(yy < 0 ? 0 : yy >= h ? h - 1 : yy) * w;
        }
        blur_line(t, rows, w, acc, plane + (size_t)y * w);
    }
}

enum kr_code image_blur_plane(unsigned char *plane, int w, int h, double sigma, struct kr_err *err)
{
    struct taps t = {0};
    struct blur_work b;

    if (isnan(sigma) || sigma > IMAGE_BLUR_SIGMA_MAX)
        return kr_fail(err, KRS_BAD_SIZE, "blur sigma %g (at most %d)", sigma, IMAGE_BLUR_SIGMA_MAX);
    if (sigma < 0.3)
        return KR_OK;
    if (!plane || w <= 0 || h <= 0)
        return kr_fail(err, KRS_BAD_SIZE, "blur a %dx%d plane", w, h);
    t.scale = gauss_taps(sigma, &t.m, &t.n);
    if (t.scale > 65535) { /* not for sigma <= IMAGE_BLUR_SIGMA_MAX */
        free(t.m);
        return kr_fail(err, KRS_INTERNAL, "blur sigma %g: taps sum to %d", sigma, t.scale);
    }
    t.inv = t.scale ? ((1ULL << 40) + (uint64_t)t.scale - 1) / (uint64_t)t.scale : 0;
    b.mid = malloc((size_t)w * h);
    b.pad = malloc((size_t)w + (size_t)t.n);
    b.rows = malloc(sizeof(*b.rows) * (size_t)t.n);
    b.acc = malloc(sizeof(int) * (size_t)w);
    int ok = t.scale && b.mid && b.pad && b.rows && b.acc;
    if (ok)
        blur_planes(&t, &b, plane, w, h);
    free(b.acc);
    free(b.rows);
    free(b.pad);
    free(b.mid);
    free(t.m);
    return ok ? KR_OK : kr_fail(err, KRS_OUT_OF_MEMORY, "blur a %dx%d plane", w, h);
}
