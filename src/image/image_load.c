/*
 * image_load.c - the bounded decode pipeline behind image_load().
 *
 *   probe (header only: format allow-list, width*height limit)
 *   -> open with shrink-on-load (JPEG DCT scaling 1/2, 1/4, 1/8; WebP scaled
 *      decode), sequential access, fail on truncation
 *   -> resize to max_side (alpha premultiplied while resampling)
 *   -> colour to 8-bit sRGB (embedded ICC profile or CMYK -> sRGB, grey and
 *      16-bit via vips_colourspace)
 *   -> flatten alpha onto white, or keep/add it
 *   -> EXIF orientation -> interleaved bytes.
 * With opts->grey an 8-bit grey source skips the colour and alpha steps and
 * comes back as its one band (the bill reader's grey plane, without the
 * copy into three bands and back).
 * A plain JPEG (grey or YCbCr, no ICC profile) whose DCT shrink alone gives
 * the size asked for skips the pipeline: image_jpeg.c decodes it with the
 * same libjpeg-turbo settings to the same bytes, without libvips'
 * per-image operation objects, line cache and copies.
 *
 * Why not vips_thumbnail_buffer(): it keeps at least a 2x margin above the
 * target before its final resize, so a 4000x3000 JPEG asked at 512 px is
 * decoded at 1/2 (2000x1500) instead of 1/4 (1000x750), about twice the
 * work; the DCT shrink is already a proper low-pass filter. This file picks
 * the largest JPEG shrink whose output is still >= max_side and lets
 * vips_resize() do the last (< 2x) step. With opts->min_side the caller
 * accepts any size in [min_side, max_side], and the resampling pass (a third
 * of the time for a 12 MP JPEG at 1/8) is skipped whenever the shrink lands
 * there. Resizing happens before colour conversion and rotation, so those
 * run on the small image.
 */
#include "image/image_int.h"

#include <stdatomic.h>
#include <string.h>

/* Make *next (just written by the vips call whose result is rc) the current
 * image. `next` is passed by address so it is read after the call ran. */
static int step(VipsImage **cur, VipsImage **next, int rc)
{
    if (rc)
        return -1;
    g_object_unref(*cur);
    *cur = *next;
    return 0;
}

/* The largest JPEG shrink whose output keeps the longest side >= target
 * (libjpeg rounds scaled sizes up, so floor division is conservative) and
 * the shortest side >= 1 pixel: libvips sizes the shrunk image with floor
 * division and aborts the process on a zero side (a 2056x4 strip shrunk 8x). */
static int jpeg_shrink_for(const struct image_info *inf, int target)
{
    int longest = inf->width > inf->height ? inf->width : inf->height;
    int shortest = inf->width > inf->height ? inf->height : inf->width;
    int s = 1;
    if (target <= 0)
        return 1;
    while (s < 8 && longest / (s * 2) >= target && shortest / (s * 2) >= 1)
        s *= 2;
    return s;
}

/* The size the JPEG shrink must keep: max_side, or min_side when the caller
 * accepts any size between the two. */
static int shrink_target(const struct image_load_opts *o)
{
    if (o->max_side > 0 && o->min_side > 0 && o->min_side < o->max_side)
        return o->min_side;
    return o->max_side;
}

static VipsImage *open_scaled(const void *data, size_t n, enum image_fmt fmt,
                              const struct image_info *info, const struct image_load_opts *o)
{
    int longest = info->width > info->height ? info->width : info->height;
    double scale = 1.0;
    if (fmt == IMAGE_FMT_WEBP && o->max_side > 0 && longest > o->max_side)
        scale = (double)o->max_side / longest;
    return image__open(data, n, fmt, jpeg_shrink_for(info, shrink_target(o)), scale);
}

static int resize_to(VipsImage **cur, int max_side)
{
    int w = vips_image_get_width(*cur), h = vips_image_get_height(*cur);
    int longest = w > h ? w : h;
    VipsBandFormat fmt = vips_image_get_format(*cur);
    int alpha = vips_image_hasalpha(*cur);
    double scale;
    VipsImage *t;

    if (max_side <= 0 || longest <= max_side)
        return 0;
    scale = (double)max_side / longest;
    if (alpha && step(cur, &t, vips_premultiply(*cur, &t, NULL)))
        return -1;
    if (step(cur, &t, vips_resize(*cur, &t, scale, NULL)))
        return -1;
    if (alpha && step(cur, &t, vips_unpremultiply(*cur, &t, NULL)))
        return -1;
    if (vips_image_get_format(*cur) != fmt && step(cur, &t, vips_cast(*cur, &t, fmt, NULL)))
        return -1;
    return 0;
}

static int to_srgb8(VipsImage **cur)
{
    VipsImage *t;
    int cmyk = vips_image_guess_interpretation(*cur) == VIPS_INTERPRETATION_CMYK;
    int icc = vips_image_get_typeof(*cur, VIPS_META_ICC_NAME) != 0;

    if (cmyk || icc) {
        int rc = vips_icc_transform(*cur, &t, "srgb", "embedded", TRUE, "input_profile",
                                    cmyk ? "cmyk" : "srgb", "depth", 8, NULL);
        if (rc)
            vips_error_clear(); /* a broken profile: fall back to the plain conversion */
        else if (step(cur, &t, rc))
            return -1;
    }
    if (vips_image_get_interpretation(*cur) != VIPS_INTERPRETATION_sRGB ||
        vips_image_get_format(*cur) != VIPS_FORMAT_UCHAR) {
        if (step(cur, &t, vips_colourspace(*cur, &t, VIPS_INTERPRETATION_sRGB, NULL)))
            return -1;
    }
    if (vips_image_get_format(*cur) != VIPS_FORMAT_UCHAR &&
        step(cur, &t, vips_cast(*cur, &t, VIPS_FORMAT_UCHAR, NULL)))
        return -1;
    /* Odd sources (e.g. multi-band TIFF) may still carry extra bands. */
    if (vips_image_get_bands(*cur) > 4 &&
        step(cur, &t, vips_extract_band(*cur, &t, 0, "n", 4, NULL)))
        return -1;
    return 0;
}

static int set_alpha(VipsImage **cur, int keep_alpha)
{
    VipsImage *t;
    int bands = vips_image_get_bands(*cur);
    int alpha = bands == 2 || bands == 4;

    if (bands < 3 && step(cur, &t, vips_colourspace(*cur, &t, VIPS_INTERPRETATION_sRGB, NULL)))
        return -1;
    if (keep_alpha && !alpha)
        return step(cur, &t, vips_bandjoin_const1(*cur, &t, 255.0, NULL));
    if (!keep_alpha && alpha) {
        VipsArrayDouble *white = vips_array_double_newv(3, 255.0, 255.0, 255.0);
        int rc = vips_flatten(*cur, &t, "background", white, NULL);
        vips_area_unref(VIPS_AREA(white));
        if (step(cur, &t, rc))
            return -1;
        if (vips_image_get_format(*cur) != VIPS_FORMAT_UCHAR)
            return step(cur, &t, vips_cast(*cur, &t, VIPS_FORMAT_UCHAR, NULL));
    }
    return 0;
}

/* EXIF orientation needs random access, so it runs on an in-memory copy,
 * and only when the tag asks for a change. */
static int orient(VipsImage **cur)
{
    VipsImage *t;
    if (vips_image_get_orientation(*cur) <= 1)
        return 0;
    t = vips_image_copy_memory(*cur);
    if (step(cur, &t, t ? 0 : -1))
        return -1;
    return step(cur, &t, vips_autorot(*cur, &t, NULL));
}

/* Rows evaluated per region request: the region's own buffer stays this
 * small while the caller's buffer receives the whole image. */
#define READ_STRIP 128

/* All pixels of im as one interleaved buffer (g_malloc'd). The pipeline is
 * evaluated by this thread through one region, top to bottom in strips
 * (sequential loaders need that order): unlike vips_image_write_to_memory()
 * no worker threads are woken, which for a 512 px image costs more than the
 * work itself. */
static void *read_pixels(VipsImage *im, size_t *size)
{
    VipsRegion *reg = vips_region_new(im);
    int w = vips_image_get_width(im), h = vips_image_get_height(im);
    size_t line = VIPS_IMAGE_SIZEOF_LINE(im);
    unsigned char *mem = reg ? g_try_malloc(line * h) : NULL;

    for (int y = 0; mem && y < h; y += READ_STRIP) {
        VipsRect strip = {0, y, w, h - y < READ_STRIP ? h - y : READ_STRIP};
        if (vips_region_prepare(reg, &strip) != 0) {
            g_free(mem);
            mem = NULL;
            break;
        }
        for (int k = 0; k < strip.height; k++)
            memcpy(mem + line * (y + k), VIPS_REGION_ADDR(reg, 0, y + k), line);
    }
    if (reg)
        g_object_unref(reg);
    if (mem)
        *size = line * h;
    return mem;
}

/* The decoded pixels into out: 3 or 4 bands, or 1 when the caller asked
 * for a grey source as it is (grey), never otherwise. */
static enum kr_code finish(VipsImage *im, int grey, struct image_px *out, struct kr_err *err)
{
    size_t size = 0;
    int w = vips_image_get_width(im), h = vips_image_get_height(im);
    int bands = vips_image_get_bands(im);
    void *mem = read_pixels(im, &size);

    if (!mem)
        return image__vips_fail(err, KRS_CORRUPT_IMAGE, "cannot decode the image");
    if (size != (size_t)w * h * bands || (bands != 3 && bands != 4 && !(grey && bands == 1))) {
        g_free(mem);
        return kr_fail(err, KRS_DECODE_SHAPE, "decoder returned %dx%dx%d", w, h, bands);
    }
    out->width = w;
    out->height = h;
    out->bands = bands;
    out->data = mem;
    return KR_OK;
}

static atomic_int direct_jpeg = 1;

void image__set_direct_jpeg(int on)
{
    atomic_store(&direct_jpeg, on);
}

/* The DCT shrink for the direct JPEG path (image_jpeg.c) when it gives
 * what the libvips pipeline would: a plain JPEG whose DCT shrink alone
 * reaches the size asked for, no alpha wanted; 0 when the path does not apply. */
static int direct_shrink(const struct image_hdr *hdr, const struct image_info *inf,
                         const struct image_load_opts *o)
{
    int longest = inf->width > inf->height ? inf->width : inf->height;
    int shrink = jpeg_shrink_for(inf, shrink_target(o));

    if (!hdr->plain_jpeg || o->keep_alpha || !atomic_load(&direct_jpeg) ||
        (o->max_side > 0 && longest / shrink > o->max_side))
        return 0;
    return shrink;
}

/* A grey JPEG decoded to RGB repeats each value three times: one is kept
 * (opts->grey). */
static void keep_one_band(struct image_px *px)
{
    size_t n = (size_t)px->width * px->height;
    void *smaller;
    for (size_t i = 0; i < n; i++)
        px->data[i] = px->data[3 * i];
    px->bands = 1;
    /* give back the other two thirds (OCR keeps the plane for a whole read);
     * if the allocator cannot, the larger block still holds the band */
    if ((smaller = g_try_realloc(px->data, n ? n : 1)))
        px->data = smaller;
}

/* The pipeline after the resize: sRGB and alpha as asked, unless a grey
 * result was asked for and im is 8-bit grey (that conversion would only
 * copy its band into three); then the EXIF orientation. */
static int convert(VipsImage **im, const struct image_load_opts *o)
{
    int grey = o->grey && !o->keep_alpha && image__grey8(*im);
    if (!grey && (to_srgb8(im) || set_alpha(im, o->keep_alpha)))
        return -1;
    return orient(im);
}

/* Turn the directly decoded pixels as the EXIF orientation says. */
static enum kr_code orient_direct(struct image_px *out, int orientation, struct kr_err *err)
{
    if (image__orient_rgb(out, orientation) == 0)
        return KR_OK;
    image_px_release(out);
    return kr_fail(err, KRS_OUT_OF_MEMORY, "no memory to turn the image");
}

enum kr_code image_load(const void *data, size_t n, const struct image_load_opts *opts,
                        struct image_px *out, struct image_info *info, struct kr_err *err)
{
    struct image_load_opts o = {0};
    struct image_info inf;
    struct image_hdr hdr;
    enum kr_code code;
    VipsImage *im;
    int shrink;

    memset(out, 0, sizeof *out);
    if (opts)
        o = *opts;
    code = image__probe(data, n, o.max_pixels, &inf, &hdr, err);
    if (code != KR_OK)
        return code;
    shrink = direct_shrink(&hdr, &inf, &o);
    if (shrink) {
        code = image__jpeg_decode(data, n, &inf, shrink, out, err);
        if (code == KR_OK)
            code = orient_direct(out, hdr.orientation, err);
        if (code == KR_OK && o.grey && hdr.grey8 && out->bands == 3)
            keep_one_band(out);
        goto done;
    }
    im = open_scaled(data, n, hdr.fmt, &inf, &o);
    if (!im)
        return image__vips_fail(err, KRS_CORRUPT_IMAGE, "cannot open the image");
    if (resize_to(&im, o.max_side) || convert(&im, &o)) {
        g_object_unref(im);
        return image__vips_fail(err, KRS_CORRUPT_IMAGE, "cannot decode the image");
    }
    code = finish(im, o.grey, out, err);
    g_object_unref(im);
done:
    if (code == KR_OK && info)
        *info = inf;
    return code;
}
