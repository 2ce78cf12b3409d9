/*
 * image.c - libvips start-up, header probing and encoding (see image.h).
 *
 * The decode pipeline itself lives in image_load.c. This file decides what
 * Karat accepts: only the loaders in `formats` below (JPEG, PNG, WebP,
 * HEIF/AVIF, GIF, TIFF), found by libvips' magic-byte sniffing, never by a
 * file name. SVG, PDF, ImageMagick and the other loaders libvips could reach
 * are refused as "not_an_image" before they parse a byte; the untrusted ones
 * are also blocked inside libvips (vips_block_untrusted_set) as a second
 * fence. Limits (width*height) are checked from the header, before pixels
 * are decoded.
 *
 * libvips settings chosen in image_init():
 *   - concurrency 1 per pipeline (VIPS_CONCURRENCY overrides): callers run
 *     many images in parallel, and a 512 px decode gains nothing from more
 *     worker threads;
 *   - the operation cache is off (max 0): decoded bytes are never asked for
 *     twice, and a cache keyed on a buffer address could hand back pixels of
 *     an older buffer that lived at the same address;
 *   - libvips warnings go to log_debug instead of stderr.
 */
#include "image/image_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_failed;
static char init_msg[256];
static const char *init_argv0;

struct fmt_row {
    enum image_fmt fmt;
    const char *loader; /* lower-case fragment of the libvips loader class name */
    const char *name, *mime, *ext;
};

static const struct fmt_row formats[] = {
    {IMAGE_FMT_JPEG, "jpeg", "jpeg", "image/jpeg", ".jpg"},
    {IMAGE_FMT_PNG, "png", "png", "image/png", ".png"},
    {IMAGE_FMT_WEBP, "webp", "webp", "image/webp", ".webp"},
    {IMAGE_FMT_HEIF, "heif", "heif", "image/heif", ".heic"},
    {IMAGE_FMT_GIF, "gif", "gif", "image/gif", ".gif"},
    {IMAGE_FMT_TIFF, "tiff", "tiff", "image/tiff", ".tif"},
};

static void vips_log_sink(const char *domain, GLogLevelFlags level, const char *msg, void *ud)
{
    (void)level;
    (void)ud;
    log_debug("%s: %s", domain ? domain : "vips", msg);
}

static void do_init(void)
{
    if (vips_init(init_argv0 ? init_argv0 : "karat") != 0) {
        init_failed = 1;
        snprintf(init_msg, sizeof init_msg, "%s", vips_error_buffer());
        vips_error_clear();
        return;
    }
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    vips_block_untrusted_set(TRUE);
    /* No run-time generated vector code (liborc): freeing an orc program
     * while other threads build and run theirs crashed a catalog job under
     * load (a SEGV in orc_code_free, under api.test_catalog_variations with
     * ASan). Karat's hot paths decode with libjpeg-turbo and hash with its
     * own SIMD code; what libvips then does in plain C (resampling,
     * convolution for the studio) is measured in docs/BENCHMARKS.md. */
    vips_vector_set_enabled(FALSE);
    if (!getenv("VIPS_CONCURRENCY"))
        vips_concurrency_set(1);
    g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO,
                      vips_log_sink, NULL);
}

enum kr_code image_init(const char *argv0, struct kr_err *err)
{
    init_argv0 = argv0;
    pthread_once(&init_once, do_init);
    if (init_failed)
        return kr_fail(err, KRS_VIPS_INIT, "libvips start-up failed: %s", init_msg);
    return KR_OK;
}

void image_shutdown(void)
{
    /* vips_shutdown() cannot be undone; the process is ending anyway. Only
     * the per-thread buffers of the calling thread are released here. */
    vips_thread_shutdown();
}

void image_thread_cleanup(void)
{
    vips_thread_shutdown();
}

enum kr_code image__vips_fail(struct kr_err *err, enum kr_slug slug, const char *what)
{
    char detail[200];
    snprintf(detail, sizeof detail, "%s", vips_error_buffer());
    vips_error_clear();
    for (char *p = detail; *p; p++)
        if (*p == '\n')
            *p = ' ';
    return kr_fail(err, slug, "%s: %s", what, detail[0] ? detail : "libvips failed");
}

enum image_fmt image__sniff(const void *data, size_t n)
{
    const char *cls;
    char low[64];
    size_t i;

    if (!data || n == 0)
        return IMAGE_FMT_NONE;
    cls = vips_foreign_find_load_buffer(data, n);
    if (!cls) {
        vips_error_clear();
        return IMAGE_FMT_NONE;
    }
    for (i = 0; cls[i] && i + 1 < sizeof low; i++)
        low[i] = (char)((cls[i] >= 'A' && cls[i] <= 'Z') ? cls[i] + 32 : cls[i]);
    low[i] = 0;
    /* VipsForeignLoadJpegBuffer, ...PngBuffer, ...NsgifBuffer, ...HeifBuffer */
    for (size_t k = 0; k < sizeof formats / sizeof formats[0]; k++)
        if (strstr(low, formats[k].loader) && strstr(low, "buffer"))
            return formats[k].fmt;
    return IMAGE_FMT_NONE;
}

VipsImage *image__open(const void *data, size_t n, enum image_fmt fmt, int shrink, double scale)
{
    /* vips wants a non-const pointer but never writes through it. */
    void *buf = (void *)data;
    if (fmt == IMAGE_FMT_JPEG && shrink > 1)
        return vips_image_new_from_buffer(buf, n, "", "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                          VIPS_FAIL_ON_TRUNCATED, "shrink", shrink, NULL);
    if (fmt == IMAGE_FMT_WEBP && scale > 0 && scale < 1)
        return vips_image_new_from_buffer(buf, n, "", "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                          VIPS_FAIL_ON_TRUNCATED, "scale", scale, NULL);
    return vips_image_new_from_buffer(buf, n, "", "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                      VIPS_FAIL_ON_TRUNCATED, NULL);
}

static const char *colour_name(VipsInterpretation i)
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

/* Interpretation and ICC profile, as the header says. */
static void fill_colour(VipsImage *im, struct image_info *info)
{
    const void *icc = NULL;
    size_t icc_len = 0;
    info->colour = colour_name(vips_image_get_interpretation(im));
    if (vips_image_get_typeof(im, VIPS_META_ICC_NAME) &&
        !vips_image_get_blob(im, VIPS_META_ICC_NAME, &icc, &icc_len) && icc_len > 0) {
        info->has_icc = 1;
        info->icc_srgb = memmem(icc, icc_len, "sRGB", 4) != NULL;
    }
}

static void fill_info(VipsImage *im, enum image_fmt fmt, struct image_info *info)
{
    const struct fmt_row *row = &formats[0];
    const char *compression = NULL;

    for (size_t k = 0; k < sizeof formats / sizeof formats[0]; k++)
        if (formats[k].fmt == fmt)
            row = &formats[k];
    memset(info, 0, sizeof *info);
    info->width = vips_image_get_width(im);
    info->height = vips_image_get_height(im);
    info->oriented_width = info->width;
    info->oriented_height = info->height;
    if (vips_image_get_orientation_swap(im)) {
        info->oriented_width = info->height;
        info->oriented_height = info->width;
    }
    info->format = row->name;
    info->mime = row->mime;
    info->ext = row->ext;
    if (fmt == IMAGE_FMT_HEIF && vips_image_get_typeof(im, "heif-compression") &&
        vips_image_get_string(im, "heif-compression", &compression) == 0 && compression &&
        strcmp(compression, "av1") == 0) {
        info->mime = "image/avif";
        info->ext = ".avif";
    }
    vips_error_clear();
    info->has_alpha = vips_image_hasalpha(im) ? 1 : 0;
    fill_colour(im, info);
}

/* A JPEG image_jpeg.c decodes exactly as libvips would: 8-bit grey or
 * YCbCr, no ICC profile to apply, not CMYK. */
static int plain_jpeg(VipsImage *im, enum image_fmt fmt)
{
    int bands = vips_image_get_bands(im);
    return fmt == IMAGE_FMT_JPEG && (bands == 1 || bands == 3) &&
           vips_image_get_format(im) == VIPS_FORMAT_UCHAR &&
           vips_image_get_typeof(im, VIPS_META_ICC_NAME) == 0 &&
           vips_image_guess_interpretation(im) != VIPS_INTERPRETATION_CMYK;
}

int image__grey8(VipsImage *im)
{
    return vips_image_get_bands(im) == 1 && vips_image_get_format(im) == VIPS_FORMAT_UCHAR &&
           vips_image_get_interpretation(im) == VIPS_INTERPRETATION_B_W &&
           vips_image_get_typeof(im, VIPS_META_ICC_NAME) == 0;
}

enum kr_code image__probe(const void *data, size_t n, long long max_pixels, struct image_info *info,
                          struct image_hdr *hdr, struct kr_err *err)
{
    enum image_fmt fmt;
    VipsImage *im;
    long long pixels;

    if (!data || n == 0)
        return kr_fail(err, KRS_NOT_AN_IMAGE, "empty file: no image bytes");
    fmt = image__sniff(data, n);
    if (fmt == IMAGE_FMT_NONE)
        return kr_fail(err, KRS_NOT_AN_IMAGE,
                       "not a supported image (JPEG, PNG, WebP, HEIC/AVIF, GIF or TIFF expected)");
    im = image__open(data, n, fmt, 1, 1.0);
    if (!im)
        return image__vips_fail(err, KRS_CORRUPT_IMAGE, "cannot read the image header");
    pixels = (long long)vips_image_get_width(im) * vips_image_get_height(im);
    if (max_pixels > 0 && pixels > max_pixels) {
        int w = vips_image_get_width(im), h = vips_image_get_height(im);
        g_object_unref(im);
        return kr_fail(err, KRS_TOO_MANY_PIXELS,
                       "image is %dx%d (%lld pixels); the limit is %lld pixels", w, h, pixels,
                       max_pixels);
    }
    if (info)
        fill_info(im, fmt, info);
    if (hdr) {
        hdr->fmt = fmt;
        hdr->orientation = vips_image_get_orientation(im);
        hdr->plain_jpeg = plain_jpeg(im, fmt);
        hdr->grey8 = image__grey8(im);
    }
    g_object_unref(im);
    return KR_OK;
}

enum kr_code image_probe(const void *data, size_t n, long long max_pixels, struct image_info *info,
                         struct kr_err *err)
{
    return image__probe(data, n, max_pixels, info, NULL, err);
}

void image_px_release(struct image_px *px)
{
    if (!px)
        return;
    g_free(px->data);
    px->data = NULL;
    px->width = px->height = px->bands = 0;
}

static enum kr_code check_px(const struct image_px *px, struct kr_err *err)
{
    if (!px || !px->data || px->width <= 0 || px->height <= 0)
        return kr_fail(err, KRS_BAD_PIXELS, "no pixels to encode");
    if (px->bands != 3 && px->bands != 4)
        return kr_fail(err, KRS_BAD_PIXELS, "pixels must have 3 or 4 bands, not %d", px->bands);
    if ((long long)px->width * px->height > (1LL << 31) / px->bands)
        return kr_fail(err, KRS_TOO_MANY_PIXELS, "image too large to encode");
    return KR_OK;
}

enum kr_code image_encode(const struct image_px *px, const char *format, int quality,
                          unsigned char **out, size_t *out_len, struct kr_err *err)
{
    VipsImage *im = NULL, *flat = NULL;
    void *buf = NULL;
    size_t len = 0;
    int rc = -1, is_jpeg = format && strcmp(format, "jpeg") == 0;
    enum kr_code code = check_px(px, err);

    *out = NULL;
    *out_len = 0;
    if (code != KR_OK)
        return code;
    if (!is_jpeg && !(format && strcmp(format, "png") == 0))
        return kr_fail(err, KRS_BAD_FORMAT, "cannot encode to '%s' (jpeg or png)",
                       format ? format : "(null)");
    if (is_jpeg && (quality < 1 || quality > 100))
        return kr_fail(err, KRS_BAD_QUALITY, "JPEG quality %d is not in 1..100", quality);
    im = vips_image_new_from_memory(px->data, (size_t)px->width * px->height * px->bands, px->width,
                                    px->height, px->bands, VIPS_FORMAT_UCHAR);
    if (!im)
        return image__vips_fail(err, KRS_ENCODE_FAILED, "cannot wrap pixels");
    im->Type = VIPS_INTERPRETATION_sRGB;
    if (is_jpeg && px->bands == 4) {
        VipsArrayDouble *white = vips_array_double_newv(3, 255.0, 255.0, 255.0);
        rc = vips_flatten(im, &flat, "background", white, NULL);
        vips_area_unref(VIPS_AREA(white));
        if (rc)
            goto out;
    }
    if (is_jpeg)
        rc = vips_jpegsave_buffer(flat ? flat : im, &buf, &len, "Q", quality, "strip", TRUE, NULL);
    else
        rc = vips_pngsave_buffer(im, &buf, &len, "strip", TRUE, NULL);
out:
    if (flat)
        g_object_unref(flat);
    g_object_unref(im);
    if (rc)
        return image__vips_fail(err, KRS_ENCODE_FAILED, "encoding failed");
    *out = buf; /* g_malloc is the system malloc: callers free() it */
    *out_len = len;
    return KR_OK;
}
