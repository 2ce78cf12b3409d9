/*
 * ocr_missed.c - a column of print no word of tesseract's covers, read.
 *
 * With its page layout (single-column mode, as karat read pages until the
 * single-block mode of ocr_read.c, and still re-reads a page of unsure
 * words) tesseract could leave a whole narrow column out of every block
 * (the hospital bill's Qty column, its header and its one-digit values, on
 * the bench's `photo` variant: the column's blobs were in no block, so no
 * word was ever read there); in single-block mode any print it did not
 * read is looked for the same way. After the page is read,
 * its ink (darker than INK on the prepared plane) that no word's box covers
 * is looked at: a vertical strip of it (columns of such ink, with gaps of
 * under half a text height) that holds at least MIN_GLYPHS glyph rows (runs
 * of rows with ink, each half to twice the median word height: text, not a
 * rule's remnant or a speck) and is at least a quarter of a text height
 * wide is cropped (the covered words whitened out) and read with the same
 * handle as one block; its words join the page's, but for a single glyph
 * within a text height (the first reading's) of a word already read on its line (a piece of that
 * word that fell outside its box: "e" of "Temple"). So a page whose ink was
 * all read costs one pass over its pixels, and only a missed column costs
 * a tesseract call of its size. At most MAX_STRIPS strips per page. The
 * strips are cut from px (the rules erased) even on soft print, whose
 * recogniser read g->recog: a strip read as one block has no page layout to
 * take a rule out of it.
 */
#include <stdlib.h>
#include <string.h>

#include <tesseract/capi.h>

#include "core/utf8.h"
#include "ocr/ocr_int.h"

#define INK        128 /* darker than this on the prepared plane is ink */
#define MIN_GLYPHS 3   /* glyph rows a strip needs: a column of values, not one mark */
#define MAX_STRIPS 8

enum { M_INK = 1, M_COVERED = 2 };

/* mask: M_INK for ink, M_COVERED inside a word's box padded by pad. */
static unsigned char *mask_of(const struct ocr__grey *g, const struct ocr__page *p, int pad)
{
    size_t n = (size_t)g->w * g->h;
    unsigned char *m = malloc(n);
    if (!m)
        return NULL;
    for (size_t i = 0; i < n; i++)
        m[i] = g->px[i] < INK ? M_INK : 0;
    for (size_t i = 0; i < p->n; i++) {
        int x0 = p->w[i].x0 - pad, x1 = p->w[i].x1 + pad;
        int y0 = p->w[i].y0 - pad, y1 = p->w[i].y1 + pad;
        x0 = x0 < 0 ? 0 : x0, y0 = y0 < 0 ? 0 : y0;
        x1 = x1 > g->w ? g->w : x1, y1 = y1 > g->h ? g->h : y1;
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++)
                m[(size_t)y * g->w + x] |= M_COVERED;
    }
    return m;
}

static int uncovered(const unsigned char *m, size_t i)
{
    return m[i] == M_INK;
}

/* Glyph rows of strip [xa, xb): runs of rows with uncovered ink, h/2 to 2h
 * tall; their extent into *ya..*yb. */
static int glyph_rows(const struct ocr__grey *g, const unsigned char *m, const int *xab, int h,
                      int *ya, int *yb)
{
    int n = 0, run = 0;
    *ya = -1;
    for (int y = 0; y <= g->h; y++) {
        int ink = 0;
        for (int x = xab[0]; y < g->h && x < xab[1] && !ink; x++)
            ink = uncovered(m, (size_t)y * g->w + x);
        if (ink) {
            run++;
            continue;
        }
        if (run * 2 >= h && run <= 2 * h) {
            n++;
            *ya = *ya < 0 ? y - run : *ya;
            *yb = y;
        }
        run = 0;
    }
    return n;
}

/* A single glyph beside a word of the first reading (within a text height on
 * its line): what was left of that word outside its box ("e" of "Temple"),
 * not a cell of the missed column (a Qty "1" stands far from its line's
 * other words). */
static int fragment(const struct ocr__page *p, size_t n0, const struct ocr__word *w, int h)
{
    int mid = (w->y0 + w->y1) / 2;
    if (utf8_chars(w->text, strlen(w->text)) > 1)
        return 0; /* more than one character */
    for (size_t i = 0; i < n0; i++)
        if (mid >= p->w[i].y0 && mid <= p->w[i].y1 && w->x0 < p->w[i].x1 + h &&
            w->x1 > p->w[i].x0 - h)
            return 1;
    return 0;
}

/* What every strip of a page is read with: the handle, the prepared plane,
 * its ink mask and the page's text height (of the first reading). */
struct missed {
    struct TessBaseAPI *api;
    const struct ocr__grey *g;
    const unsigned char *m;
    int th;
};

/* Crop [x0, x1) x [y0, y1) of the plane with covered pixels made white;
 * read as one block; its words added to p, but for fragments. */
static enum kr_code read_strip(const struct missed *ms, const int *box, struct ocr__page *p,
                               struct kr_err *err)
{
    const struct ocr__grey *g = ms->g;
    const unsigned char *m = ms->m;
    int x0 = box[0], y0 = box[1], w = box[2] - box[0], h = box[3] - box[1];
    unsigned char *c = malloc((size_t)w * h);
    struct ocr__page strip = {0};
    enum kr_code rc = KR_OK;
    size_t n0 = p->n;
    if (!c)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: missed column");
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)(y0 + y) * g->w + x0 + x;
            c[(size_t)y * w + x] = m[i] & M_COVERED ? 255 : g->px[i];
        }
    TessBaseAPISetImage(ms->api, c, w, h, 1, w);
    if (TessBaseAPIRecognize(ms->api, NULL) != 0)
        rc = kr_fail(err, KRS_OCR_FAILED, "tesseract failed on a column");
    else
        rc = ocr__tess_words(ms->api, NULL, &strip, err);
    for (size_t i = 0; i < strip.n && !rc; i++) {
        struct ocr__word wd = strip.w[i];
        wd.x0 += x0, wd.x1 += x0, wd.y0 += y0, wd.y1 += y0;
        if (!fragment(p, n0, &wd, ms->th))
            rc = ocr__page_add(p, &wd, wd.text, strlen(wd.text), err);
    }
    ocr__page_free(&strip);
    free(c);
    return rc;
}

/* Strips of uncovered ink worth a read: [x0, y0, x1, y1] each into boxes;
 * their count, -1 out of memory. */
static long find_strips(const struct ocr__grey *g, const unsigned char *m, int h, int *boxes)
{
    long n = 0;
    int *col = calloc((size_t)g->w + 1, sizeof *col);
    if (!col)
        return -1;
    for (int y = 0; y < g->h; y++)
        for (int x = 0; x < g->w; x++)
            col[x] += uncovered(m, (size_t)y * g->w + x);
    for (int x = 0, start = -1, gap = 0; x <= g->w && n < MAX_STRIPS; x++) {
        if (x < g->w && col[x] > 0) {
            start = start < 0 ? x : start;
            gap = 0;
            continue;
        }
        if (start < 0 || (x < g->w && ++gap <= h / 2))
            continue;
        int xab[2] = {start, x - gap}, ya, yb;
        start = -1, gap = 0;
        if ((xab[1] - xab[0]) * 4 < h || glyph_rows(g, m, xab, h, &ya, &yb) < MIN_GLYPHS)
            continue;
        int *b = boxes + 4 * n++;
        b[0] = xab[0] - h / 2 < 0 ? 0 : xab[0] - h / 2;
        b[1] = ya - h / 2 < 0 ? 0 : ya - h / 2;
        b[2] = xab[1] + h / 2 > g->w ? g->w : xab[1] + h / 2;
        b[3] = yb + h / 2 > g->h ? g->h : yb + h / 2;
    }
    free(col);
    return n;
}

enum kr_code ocr__missed_ink(struct TessBaseAPI *api, const struct ocr__grey *g,
                             struct ocr__page *p, struct kr_err *err)
{
    int h = p->n ? ocr__median_height(p) : 0, boxes[4 * MAX_STRIPS];
    enum kr_code rc = KR_OK;
    if (h < 4)
        return KR_OK;
    unsigned char *m = mask_of(g, p, h / 4);
    if (!m)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: missed ink");
    long n = find_strips(g, m, h, boxes);
    if (n < 0)
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: missed ink");
    if (n > 0)
        TessBaseAPISetPageSegMode(api, PSM_SINGLE_BLOCK);
    struct missed ms = {api, g, m, h};
    for (long i = 0; i < n && !rc; i++)
        rc = read_strip(&ms, boxes + 4 * i, p, err);
    free(m);
    return rc;
}
