/*
 * ocr_pdf.c - words from a PDF's pages through poppler-glib, text layer
 * first, OCR second.
 *
 * The document is opened from memory; an encrypted one is refused
 * (encrypted_pdf) rather than guessed at, a damaged or empty one is
 * corrupt_pdf, and more pages than max_pages is too_many_pages before any
 * page is read. A page whose text layer has letters is read from it:
 * poppler gives one rectangle per character of poppler_page_get_text(), and
 * characters between spaces make a word (split further where the next
 * character sits on another line or a gap away: table cells often have no
 * space between them in the text) (conf -1, coordinates scaled to
 * ~300 dpi so ocr_layout.c sees the same sizes as a scan). A page without
 * text is rendered with cairo at up to 300 dpi (bounded by max_pixels) and
 * goes through the same preparation and tesseract as a photo.
 */
#include <cairo.h>
#include <math.h>
#include <poppler.h>
#include <stdlib.h>
#include <string.h>

#include "ocr/ocr_int.h"

#define SCALE (300.0 / 72.0)

static int is_space(gunichar c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == 0xa0;
}

/* The next character is not part of word w: another line, or a gap wider than a
 * third of the text height (the text layer has no space between table cells). */
static int apart(const struct ocr__word *w, int x0, int y0, int y1)
{
    int h = w->y1 - w->y0, mid = (y0 + y1) / 2;
    return mid < w->y0 || mid > w->y1 || x0 - w->x1 > h / 3 || x0 < w->x0;
}

static enum kr_code text_words(PopplerPage *pg, const char *text, struct ocr__page *p,
                               struct kr_err *err)
{
    PopplerRectangle *r = NULL;
    guint nr = 0;
    enum kr_code rc = KR_OK;
    if (!poppler_page_get_text_layout(pg, &r, &nr))
        return KR_OK;
    const char *s = text, *wstart = NULL;
    struct ocr__word w = {0};
    for (guint i = 0; i <= nr && !rc; i++) {
        gunichar c = i < nr && *s ? g_utf8_get_char(s) : ' ';
        int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
        if (!is_space(c)) {
            x0 = (int)(r[i].x1 * SCALE), y0 = (int)(r[i].y1 * SCALE);
            x1 = (int)(r[i].x2 * SCALE + 1), y1 = (int)(r[i].y2 * SCALE + 1);
            if (wstart && apart(&w, x0, y0, y1)) { /* cells are not separated by spaces */
                if ((rc = ocr__page_add(p, &w, wstart, (size_t)(s - wstart), err)))
                    break;
                wstart = NULL;
            }
        }
        if (!is_space(c)) {
            if (!wstart) {
                wstart = s;
                w = (struct ocr__word){x0, y0, x1, y1, -1, NULL};
            } else {
                w.x0 = x0 < w.x0 ? x0 : w.x0;
                w.y0 = y0 < w.y0 ? y0 : w.y0;
                w.x1 = x1 > w.x1 ? x1 : w.x1;
                w.y1 = y1 > w.y1 ? y1 : w.y1;
            }
        } else if (wstart) {
            rc = ocr__page_add(p, &w, wstart, (size_t)(s - wstart), err);
            wstart = NULL;
        }
        if (i < nr && *s)
            s = g_utf8_next_char(s);
    }
    g_free(r);
    return rc;
}

static int has_letters(const char *t)
{
    for (; t && *t; t++)
        if ((unsigned char)*t > ' ')
            return 1;
    return 0;
}

static enum kr_code render_words(PopplerPage *pg, const struct ocr_opts *o, struct ocr__page *p,
                                 struct kr_err *err)
{
    double pw, ph, sc = SCALE;
    poppler_page_get_size(pg, &pw, &ph);
    double maxpx = o && o->max_pixels ? (double)o->max_pixels : 50e6;
    if (pw * ph * sc * sc > maxpx)
        sc = sqrt(maxpx / (pw * ph));
    int w = (int)(pw * sc), h = (int)(ph * sc);
    if (w < 1 || h < 1)
        return kr_fail(err, KRS_CORRUPT_PDF, "a PDF page has no size");
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(surf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, sc, sc);
    poppler_page_render(pg, cr);
    cairo_destroy(cr);
    cairo_surface_flush(surf);
    enum kr_code rc = KR_OK;
    struct ocr__grey g = {w, h, malloc((size_t)w * h), NULL};
    if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS || !g.px) {
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: page render %dx%d", w, h);
        goto out;
    }
    int stride = cairo_image_surface_get_stride(surf);
    const unsigned char *d = cairo_image_surface_get_data(surf);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const unsigned char *px = d + (size_t)y * stride + 4 * x; /* B G R x */
            g.px[(size_t)y * w + x] = (unsigned char)((px[2] * 299 + px[1] * 587 + px[0] * 114) / 1000);
        }
    rc = o && o->text_layer_only ? ocr__prepare(&g, p, err) : ocr__read_pixels(&g, o, p, err);
out:
    ocr__grey_free(&g);
    cairo_surface_destroy(surf);
    return rc;
}

enum kr_code ocr__pdf_page_words(PopplerDocument *doc, int i, const struct ocr_opts *o,
                                 struct ocr__page *p, struct kr_err *err)
{
    PopplerPage *pg = poppler_document_get_page(doc, i);
    if (!pg)
        return kr_fail(err, KRS_CORRUPT_PDF, "PDF page %d cannot be read", i + 1);
    char *text = poppler_page_get_text(pg);
    enum kr_code rc = has_letters(text) ? text_words(pg, text, p, err) : render_words(pg, o, p, err);
    g_free(text);
    g_object_unref(pg);
    return rc;
}

static enum kr_code read_page(PopplerDocument *doc, int i, const struct ocr_opts *o,
                              struct ocr_table *t, struct ocr__carry *carry, struct kr_err *err)
{
    struct ocr__page p = {0};
    enum kr_code rc = ocr__pdf_page_words(doc, i, o, &p, err);
    if (!rc)
        rc = ocr__layout(&p, t, carry, err);
    ocr__page_free(&p);
    return rc;
}

enum kr_code ocr__pdf_open(const void *bytes, size_t len, const struct ocr_opts *o,
                           PopplerDocument **out, int *n, struct kr_err *err)
{
    GError *ge = NULL;
    GBytes *gb = g_bytes_new(bytes, len);
    PopplerDocument *doc = poppler_document_new_from_bytes(gb, NULL, &ge);
    enum kr_code rc = KR_OK;
    if (!doc) {
        int enc = ge && ge->domain == POPPLER_ERROR && ge->code == POPPLER_ERROR_ENCRYPTED;
        rc = enc ? kr_fail(err, KRS_ENCRYPTED_PDF, "the PDF is password protected")
                 : kr_fail(err, KRS_CORRUPT_PDF, "the PDF cannot be read (%s)",
                           ge ? ge->message : "unknown error");
        goto out;
    }
    *n = poppler_document_get_n_pages(doc);
    size_t cap = o && o->max_pages ? o->max_pages : 50;
    if (*n <= 0)
        rc = kr_fail(err, KRS_CORRUPT_PDF, "the PDF has no pages");
    else if ((size_t)*n > cap)
        rc = kr_fail(err, KRS_TOO_MANY_PAGES, "the PDF has %d pages; at most %zu are read", *n,
                     cap);
out:
    if (rc && doc)
        g_object_unref(doc);
    *out = rc ? NULL : doc;
    if (ge)
        g_error_free(ge);
    g_bytes_unref(gb);
    return rc;
}

enum kr_code ocr__read_pdf(const void *bytes, size_t len, const struct ocr_opts *o,
                           struct ocr_table *t, struct kr_err *err)
{
    PopplerDocument *doc;
    struct ocr__carry carry = {0};
    int n = 0;
    enum kr_code rc = ocr__pdf_open(bytes, len, o, &doc, &n, err);
    for (int i = 0; i < n && !rc; i++)
        rc = read_page(doc, i, o, t, &carry, err);
    ocr__carry_free(&carry);
    if (!rc)
        t->pages = n;
    if (doc)
        g_object_unref(doc);
    return rc;
}
