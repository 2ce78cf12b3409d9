/*
 * image_jpeg.c - the direct JPEG path of image_load() for plain JPEGs.
 *
 * Most catalog photos are plain JPEGs: YCbCr or grey, 8-bit, no ICC
 * profile. For those, image_load() (image_load.c) hands the bytes to
 * libjpeg-turbo's TurboJPEG API here instead of building a libvips
 * pipeline. It is the same decoder libvips' jpegload drives, with the same
 * settings (DCT-domain scaling 1/2, 1/4, 1/8, accurate integer IDCT, fancy
 * upsampling, RGB out, a warning such as a truncated file is an error), so
 * the pixels are byte-identical to the libvips path (tests/unit/image
 * compare the two); what it saves is the pipeline around the decoder:
 * operation objects, the sequential line cache and region copies, about a
 * tenth of the work for a 12 MP photo decoded at 1/8.
 *
 * The header was already checked by image_probe() through libvips (format
 * allow-list, pixel limit, EXIF orientation, ICC, CMYK); anything that is
 * not plain takes the libvips path. EXIF orientation is applied here to the
 * small decoded image (image__orient_rgb).
 */
#include "image/image_int.h"

#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

/* Source pixel of output (x, y) for each EXIF orientation (2..8), the
 * inverse of the turn libvips' autorot applies; px has the stored size. */
static void source_of(int orientation, int x, int y, const struct image_px *px, int *sx, int *sy)
{
    int w = px->width, h = px->height;
    switch (orientation) {
    case 2:
        *sx = w - 1 - x, *sy = y;
        break; /* mirror left-right */
    case 3:
        *sx = w - 1 - x, *sy = h - 1 - y;
        break; /* 180 */
    case 4:
        *sx = x, *sy = h - 1 - y;
        break; /* mirror top-bottom */
    case 5:
        *sx = y, *sy = x;
        break; /* transpose */
    case 6:
        *sx = y, *sy = h - 1 - x;
        break; /* 90 clockwise */
    case 7:
        *sx = w - 1 - y, *sy = h - 1 - x;
        break; /* transverse */
    case 8:
        *sx = w - 1 - y, *sy = x;
        break; /* 90 anticlockwise */
    default:
        *sx = x, *sy = y;
        break;
    }
}

int image__orient_rgb(struct image_px *px, int orientation)
{
    int w = px->width, h = px->height, swap = orientation >= 5 && orientation <= 8;
    int ow = swap ? h : w, oh = swap ? w : h, b = px->bands;
    unsigned char *out;

    if (orientation < 2 || orientation > 8)
        return 0;
    out = g_try_malloc((size_t)ow * oh * b);
    if (!out)
        return -1;
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++) {
            int sx, sy;
            source_of(orientation, x, y, px, &sx, &sy);
            memcpy(out + ((size_t)y * ow + x) * b, px->data + ((size_t)sy * w + sx) * b, (size_t)b);
        }
    g_free(px->data);
    px->data = out;
    px->width = ow;
    px->height = oh;
    return 0;
}

/* Keep the top-left cw x ch pixels of px (rows moved up in place). */
static void crop_to(struct image_px *px, int cw, int ch)
{
    size_t row = (size_t)cw * px->bands;
    if (cw >= px->width && ch >= px->height)
        return;
    for (int y = 0; y < ch; y++)
        memmove(px->data + row * y, px->data + (size_t)y * px->width * px->bands, row);
    px->width = cw;
    px->height = ch;
}

enum kr_code image__jpeg_decode(const void *data, size_t n, const struct image_info *inf,
                                int shrink, struct image_px *out, struct kr_err *err)
{
    tjhandle tj = tjInitDecompress();
    int w = inf->width, h = inf->height, ow, oh;
    unsigned char *pix = NULL;
    enum kr_code rc = KR_OK;

    memset(out, 0, sizeof *out);
    if (!tj)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "cannot start the JPEG decoder");
    /* libjpeg rounds scaled sizes up (as TJSCALED does); libvips then cuts
     * the result to the rounded-down size, and so does this file */
    ow = (w + shrink - 1) / shrink;
    oh = (h + shrink - 1) / shrink;
    pix = g_try_malloc((size_t)ow * oh * 3);
    if (!pix) {
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "no memory for a %dx%d image", ow, oh);
        goto out;
    }
    if (tjDecompress2(tj, data, (unsigned long)n, pix, ow, 0, oh, TJPF_RGB,
                      TJFLAG_ACCURATEDCT | TJFLAG_STOPONWARNING) != 0) {
        rc = kr_fail(err, KRS_CORRUPT_IMAGE, "cannot decode the image: %s", tjGetErrorStr2(tj));
        goto out;
    }
    *out = (struct image_px){.width = ow, .height = oh, .bands = 3, .data = pix};
    crop_to(out, w / shrink > 0 ? w / shrink : 1, h / shrink > 0 ? h / shrink : 1);
    pix = NULL;
out:
    g_free(pix);
    tjDestroy(tj);
    return rc;
}
