/*
 * ocr.c - ocr_read_document(): sniff the bytes, read every page, check limits.
 *
 * "%PDF-" bytes go to ocr_pdf.c; anything else must be an image that
 * image_probe() recognises (JPEG, PNG, WebP, HEIC when libvips has the heif
 * loader), checked against max_pixels from the header before decoding.
 * The decoded RGB is turned grey here (a grey source is loaded as grey) and
 * handed to ocr_prep.c + tesseract;
 * the words go through ocr_layout.c, and known glyph misreadings are put
 * right (ocr_fix.c). A page with no header line and no rows
 * is "no_table_found".
 *
 * The result is plain cells and extras; doc/ turns it into the original's
 * JSON, CSV and xlsx shapes (doc/files.c), which are tested there.
 */
#include "ocr/ocr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "ocr/ocr_int.h"

void ocr_table_free(struct ocr_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ncols; i++)
        free(t->headers ? t->headers[i] : NULL);
    for (size_t i = 0; t->cells && i < t->nrows * t->ncols; i++)
        free(t->cells[i].text);
    for (size_t i = 0; i < t->nextras; i++) {
        free(t->extras[i].key);
        free(t->extras[i].value);
    }
    free(t->headers);
    free(t->cells);
    free(t->extras);
    memset(t, 0, sizeof *t);
}

static enum kr_code grey_from_px(struct image_px *px, struct ocr__grey *g, struct kr_err *err)
{
    size_t n = (size_t)px->width * px->height;
    if (px->bands == 1) { /* a grey source, loaded as grey: the plane itself (g_malloc is malloc) */
        g->px = px->data;
        px->data = NULL;
        g->w = px->width;
        g->h = px->height;
        return KR_OK;
    }
    if (!(g->px = malloc(n ? n : 1)))
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: grey plane");
    g->w = px->width;
    g->h = px->height;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *s = px->data + i * px->bands;
        g->px[i] = (unsigned char)((s[0] * 299 + s[1] * 587 + s[2] * 114 + 500) / 1000);
    }
    return KR_OK;
}

static enum kr_code read_image(const void *bytes, size_t len, const struct ocr_opts *o,
                               struct ocr_table *t, struct kr_err *err)
{
    struct image_info info;
    struct image_px px = {0};
    struct ocr__grey g = {0};
    struct ocr__page page = {0};
    long long maxpx = o && o->max_pixels ? (long long)o->max_pixels : 0;
    enum kr_code rc = image_probe(bytes, len, maxpx, &info, err);
    if (rc == KR_EINVAL) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        return kr_fail(err, KRS_NOT_A_DOCUMENT, "not an image or PDF (%s)", why);
    }
    if (rc)
        return rc;
    struct image_load_opts lo = {.max_side = 0, .max_pixels = maxpx, .grey = 1};
    if ((rc = image_load(bytes, len, &lo, &px, &info, err)) ||
        (rc = grey_from_px(&px, &g, err)))
        goto out;
    image_px_release(&px);
    if ((rc = ocr__read_pixels(&g, o, &page, err)) || (rc = ocr__layout(&page, t, NULL, err)))
        goto out;
    ocr__fix_misreads(t);
    t->pages = 1;
out:
    image_px_release(&px);
    ocr__grey_free(&g);
    ocr__page_free(&page);
    return rc;
}

enum kr_code ocr_read_document(const void *bytes, size_t len, const struct ocr_opts *o,
                               struct ocr_table *out, struct kr_err *err)
{
    struct ocr_table t = {0};
    enum kr_code rc;
    memset(out, 0, sizeof *out);
    if (!bytes || len == 0)
        return kr_fail(err, KRS_EMPTY_FILE, "the document is empty (0 bytes)");
    if (len >= 5 && memcmp(bytes, "%PDF-", 5) == 0)
        rc = ocr__read_pdf(bytes, len, o, &t, err);
    else
        rc = read_image(bytes, len, o, &t, err);
    if (rc == KR_OK && t.ncols == 0 && t.nrows == 0)
        rc = kr_fail(err, KRS_NO_TABLE_FOUND, "no table with a header row was found");
    if (rc) {
        ocr_table_free(&t);
        return rc;
    }
    *out = t;
    return KR_OK;
}
