/*
 * cutout.c - from photo bytes to the piece as RGBA at the resolution the
 * outputs need, in two passes so a 12 MP photo costs little.
 *
 *   1. analysis: decode at about 1000 px (JPEG shrink-on-load), segment,
 *      refuse complex backgrounds, find the piece's bounding box;
 *   2. detail: decode again only as large as needed for the piece to reach
 *      `long_side` pixels (never larger than the source), crop the box plus
 *      a margin of background, segment that crop (its own background model
 *      and noise figures, now at full detail) and keep the tight box as
 *      RGBA with edge colours freed of the old background.
 * Upscaling, when the piece is small in the photo, is left to compose.c so
 * it happens once, straight to the output size.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "studio/internal.h"

#define ANALYSIS_MAX 1024
#define ANALYSIS_MIN 640
#define MARGIN       0.08 /* background kept around the box for the detail pass */

void studio_cutout_release(struct studio_cutout *c)
{
    if (!c)
        return;
    free(c->rgba.data);
    memset(c, 0, sizeof *c);
}

static enum kr_code analyse(const void *data, size_t n, long long max_pixels,
                            struct studio_seg_info *seg, int *aw, int *ah, struct image_info *info,
                            struct kr_err *err)
{
    struct image_load_opts lo = {
        .max_side = ANALYSIS_MAX, .min_side = ANALYSIS_MIN, .max_pixels = max_pixels};
    struct image_px px;
    struct studio_mask m;
    enum kr_code rc = image_load(data, n, &lo, &px, info, err);

    if (rc)
        return rc;
    *aw = px.width;
    *ah = px.height;
    rc = studio_segment(&px, &m, seg, err);
    image_px_release(&px);
    studio_mask_release(&m);
    if (rc)
        return rc;
    if (seg->complex)
        return kr_fail(err, KR_EUNSUPPORTED, "background_too_complex",
                       "cannot cut the piece out reliably: %s; photograph it on a plain light "
                       "background, or configure an image provider (KARAT_IMAGE_PROVIDER)",
                       seg->why);
    return KR_OK;
}

/* Tight copy of the piece out of the segmented crop. */
static enum kr_code keep_box(const struct image_px *rgba, const struct studio_seg_info *seg,
                             struct studio_cutout *out, struct kr_err *err)
{
    return studio_px_crop(rgba, seg->x0, seg->y0, seg->x1 - seg->x0, seg->y1 - seg->y0, &out->rgba,
                          err);
}

enum kr_code studio_cutout_make(const void *data, size_t n, long long max_pixels, int long_side,
                                struct studio_cutout *out, struct kr_err *err)
{
    struct image_info info;
    struct image_load_opts lo = {.max_pixels = max_pixels};
    struct image_px full = {0}, crop = {0}, rgba = {0};
    struct studio_seg_info seg2;
    int aw, ah, src_w, src_h;
    double sa, bx, by, bw, bh, m, s, sh;
    enum kr_code rc;

    memset(out, 0, sizeof *out);
    rc = analyse(data, n, max_pixels, &out->seg, &aw, &ah, &info, err);
    if (rc)
        return rc;
    src_w = info.oriented_width;
    src_h = info.oriented_height;
    sa = (double)aw / src_w; /* analysis pixels per source pixel */
    bx = out->seg.x0 / sa;
    by = out->seg.y0 / sa;
    bw = (out->seg.x1 - out->seg.x0) / sa;
    bh = (out->seg.y1 - out->seg.y0) / sa;
    /* decode only as large as the output needs (10 % spare), never larger than the source */
    s = fmin(1.0, 1.1 * long_side / fmax(bw, bh));
    if (s < 0.95) {
        lo.max_side = (int)ceil((src_w > src_h ? src_w : src_h) * s);
        lo.min_side = lo.max_side;
    }
    rc = image_load(data, n, &lo, &full, NULL, err);
    if (rc)
        goto out;
    sh = (double)full.width / src_w;
    m = MARGIN * fmax(bw, bh) + 3 / sa;
    rc = studio_px_crop(&full, (int)floor((bx - m) * sh), (int)floor((by - m) * sh),
                        (int)ceil((bw + 2 * m) * sh), (int)ceil((bh + 2 * m) * sh), &crop, err);
    image_px_release(&full);
    if (rc)
        goto out;
    rc = studio_segment_rgba(&crop, &rgba, &seg2, err);
    if (!rc)
        rc = keep_box(&rgba, &seg2, out, err);
    if (rc)
        goto out;
    out->src_width = src_w;
    out->src_height = src_h;
    {
        double cx0 = fmax(0, floor((bx - m) * sh)), cy0 = fmax(0, floor((by - m) * sh));
        out->box_x = (cx0 + seg2.x0) / sh;
        out->box_y = (cy0 + seg2.y0) / sh;
        out->box_w = (seg2.x1 - seg2.x0) / sh;
        out->box_h = (seg2.y1 - seg2.y0) / sh;
    }
    out->seg.holes_kept = seg2.holes_kept;
    out->seg.holes_filled = seg2.holes_filled;
    out->seg.components = seg2.components;
out:
    free(crop.data);
    free(rgba.data);
    if (rc)
        studio_cutout_release(out);
    return rc;
}
