/*
 * ocr_script.c - lines in another script re-read with that script's model.
 *
 * The page is read with the configured languages (`eng` by default: adding
 * `hin` to a whole page cost 67 % more CPU and read Latin codes worse). A
 * line printed in Devanagari is then found on the prepared plane by its
 * headline (shirorekha): every Devanagari word hangs from one horizontal
 * stroke as long as the word, so two or more unbroken runs of ink pixels in
 * one pixel row, each between 1.5 and 15 text heights long, in the upper part
 * of the line, mark the line (two: a bold Latin logo or title can join two
 * letters into one such run; 15: longer runs are rules or the edge of a
 * dark band, which the plane looked at may still hold), with letters hanging from
 * them (stems right under the stroke: a band's edge has a gap). Latin print has no stroke that
 * long (a "T" bar is under one height; underlines sit at the bottom). Such a
 * line's band is cropped from the plane and read again with the script
 * languages (KARAT_OCR_SCRIPT_LANGS, "hin+eng") as one block (single-column
 * layout on a cropped band lost header words on slanted photos), and its
 * words replace the first reading's words inside the band. An English bill
 * pays for the scan of its lines' upper parts only; a Hindi-header bill pays
 * for one more tesseract init and its Hindi lines.
 *
 * Soft print (an out-of-focus photo, whose ink floor on the prepared plane
 * is grey): a thin headline blurs to 100-140 grey, lighter than crisp
 * print's ink level. Such a page is looked at on the plane tesseract's
 * recogniser read (g->recog: its rules kept, sharpened; read from the
 * rule-erased plane the Hindi test bill's first header came out with an
 * extra virama). There the headline is looked for at the page's own ink
 * level (a little lighter than its floor, at most SOFT_INK, darker than the
 * rules), and the band is re-read with what is lighter than that made white
 * and the rest stretched to black (read as it is, tesseract found no word
 * in the blurred band between its grey rules). A band re-read into no word
 * at all keeps the first reading.
 *
 * Not found means absent: when the script's traineddata is not installed the
 * first reading stands. Nothing is re-read when the page languages already
 * include the script languages.
 */
#include <stdlib.h>
#include <string.h>

#include <tesseract/capi.h>

#include "ocr/ocr_int.h"

#define INK      128 /* darker than this on the prepared plane is ink */
#define SOFT     100 /* an ink floor above this: soft (blurred) print */
#define SOFT_INK 170 /* the ink level of soft print at most (its rules' grey is lighter) */

/* Ink pixels of row y in [a, b), ink darker than ink. */
static int ink_in(const struct ocr__grey *g, int y, int a, int b, int ink)
{
    const unsigned char *r = g->px + (size_t)y * g->w;
    int n = 0;
    for (int x = a; x < b; x++)
        n += r[x] < ink;
    return n;
}

/* The ink level headlines are looked for at: INK, or on a page of soft
 * print (a blurred photo: its thin headline stays grey, 100-140 where the
 * letters' stems are near black) a little lighter than its ink floor (the
 * grey below which a tenth of the ink pixels lie), at most SOFT_INK. */
static int ink_level(const struct ocr__grey *g)
{
    size_t hist[256] = {0}, ink = 0, n = (size_t)g->w * g->h, acc = 0;
    int floor = 230;
    for (size_t i = 0; i < n; i += 3)
        hist[g->px[i]]++;
    for (int v = 0; v < 230; v++)
        ink += hist[v];
    for (int v = 0; v < 230; v++)
        if ((acc += hist[v]) * 10 >= ink) {
            floor = v;
            break;
        }
    if (floor <= SOFT)
        return INK;
    return floor + 15 < SOFT_INK ? floor + 15 : SOFT_INK;
}

/* Letters hang from the stroke at row y over [a, b): past the stroke's own
 * rows (mostly ink), the next rows hold stems (a tenth of them ink). A
 * leftover edge of a dark band has a gap under it instead. */
static int hanging(const struct ocr__grey *g, int y, int a, int b, const int *h_ink)
{
    int len = b - a, t = 0, h = h_ink[0], ink = h_ink[1];
    while (y + t < g->h && t < h / 2 && ink_in(g, y + t, a, b, ink) * 10 >= len * 8)
        t++;
    for (int k = 1; k <= 2; k++)
        if (y + t + k >= g->h || ink_in(g, y + t + k, a, b, ink) * 10 < len)
            return 0;
    return 1;
}

/* Runs of ink in row y between x0 and x1 as long as a headline: at least
 * 1.5 text heights h, at most 15 (longer is a rule), with letters hanging
 * from it. */
static int headline_runs(const struct ocr__grey *g, int y, int x0, int x1, const int *h_ink)
{
    const unsigned char *r = g->px + (size_t)y * g->w;
    int n = 0, cur = 0, h = h_ink[0];
    for (int x = x0; x <= x1; x++) {
        if (x < x1 && r[x] < h_ink[1]) {
            cur++;
            continue;
        }
        if (cur * 2 >= h * 3 && cur <= h * 15 && hanging(g, y, x - cur, x, h_ink))
            n++;
        cur = 0;
    }
    return n;
}

/* ocr__headline with ink darker than ink. */
static int headline_at(const struct ocr__grey *g, const int *box, int h, int ink)
{
    int x0 = box[0], y0 = box[1], x1 = box[2], y1 = box[3], h_ink[2] = {h, ink};
    x0 = x0 < 0 ? 0 : x0;
    x1 = x1 > g->w ? g->w : x1;
    y0 = y0 < 0 ? 0 : y0;
    int top = y0 + (y1 - y0) * 3 / 5; /* the stroke is above the middle */
    top = top > g->h ? g->h : top;
    for (int y = y0; y < top; y++)
        if (headline_runs(g, y, x0, x1, h_ink) >= 2)
            return 1;
    return 0;
}

int ocr__headline(const struct ocr__grey *g, int x0, int y0, int x1, int y1, int h)
{
    return headline_at(g, (int[]){x0, y0, x1, y1}, h, INK);
}

/* The words of the line that starts at word i: those whose middle lies
 * within the first word's height; *a..*b their vertical extent. */
static size_t line_end(const struct ocr__page *p, size_t i, int *a, int *b)
{
    int y0 = p->w[i].y0, y1 = p->w[i].y1;
    size_t j = i + 1;
    for (; j < p->n; j++) {
        int mid = (p->w[j].y0 + p->w[j].y1) / 2;
        if (mid < y0 || mid > y1)
            break;
    }
    *a = y0, *b = y1;
    for (size_t k = i; k < j; k++) {
        *a = p->w[k].y0 < *a ? p->w[k].y0 : *a;
        *b = p->w[k].y1 > *b ? p->w[k].y1 : *b;
    }
    return j;
}

/* Words of p whose middle lies in [a, b) are dropped. */
static void drop_band(struct ocr__page *p, int a, int b)
{
    size_t k = 0;
    for (size_t i = 0; i < p->n; i++) {
        int mid = (p->w[i].y0 + p->w[i].y1) / 2;
        if (mid >= a && mid < b)
            free(p->w[i].text);
        else
            p->w[k++] = p->w[i];
    }
    p->n = k;
}

/* Band [a, b) read with api; its words replace p's words there. */
static enum kr_code reread(struct TessBaseAPI *api, const struct ocr__grey *g, const int *ab_ink,
                           struct ocr__page *p, struct kr_err *err)
{
    struct ocr__page band = {0};
    enum kr_code rc = KR_OK;
    int a = ab_ink[0], b = ab_ink[1], ink = ab_ink[2];
    size_t n = (size_t)g->w * (size_t)(b - a);
    unsigned char *px = g->px + (size_t)a * g->w, *clean = NULL;
    if (ink > INK) { /* soft print: its grey haze and rules (lighter than ink) made white */
        if (!(clean = malloc(n)))
            return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: script band");
        for (size_t i = 0; i < n; i++)
            clean[i] = px[i] < ink ? (unsigned char)(px[i] * 255 / ink) : 255;
        px = clean;
    }
    TessBaseAPISetImage(api, px, g->w, b - a, 1, g->w);
    if (TessBaseAPIRecognize(api, NULL) != 0)
        rc = kr_fail(err, KRS_OCR_FAILED, "tesseract failed on a line");
    else
        rc = ocr__tess_words(api, NULL, &band, err);
    if (rc || band.n == 0) /* nothing read again: the first reading stands */
        goto out;
    drop_band(p, a, b);
    for (size_t i = 0; i < band.n && !rc; i++) {
        struct ocr__word w = band.w[i];
        w.y0 += a, w.y1 += a;
        rc = ocr__page_add(p, &w, w.text, strlen(w.text), err);
    }
out:
    free(clean);
    ocr__page_free(&band);
    return rc;
}

static int has_langs(const char *langs, const char *want)
{
    return langs && want && strstr(langs, want) != NULL;
}

/* Bands [a, b) of the lines with a headline, in page order, merged where
 * they overlap; *n their count (bands holds 2 * p->n ints). */
static size_t headline_bands(const struct ocr__grey *g, const struct ocr__page *p, int ink,
                             int *bands)
{
    int h = ocr__median_height(p), pad = h / 3 + 2;
    size_t n = 0;
    for (size_t i = 0, j; i < p->n; i = j) {
        int a, b;
        j = line_end(p, i, &a, &b);
        a = a - pad < 0 ? 0 : a - pad;
        b = b + pad > g->h ? g->h : b + pad;
        if (!headline_at(g, (int[]){0, a, g->w, b}, h, ink))
            continue;
        if (n && a <= bands[2 * n - 1]) { /* overlaps the last band */
            bands[2 * n - 2] = a < bands[2 * n - 2] ? a : bands[2 * n - 2];
            bands[2 * n - 1] = b > bands[2 * n - 1] ? b : bands[2 * n - 1];
            continue;
        }
        bands[2 * n] = a, bands[2 * n + 1] = b;
        n++;
    }
    return n;
}

enum kr_code ocr__script_lines(const struct ocr__grey *g, const struct ocr_opts *o,
                               struct ocr__page *p, struct kr_err *err)
{
    const char *langs = o && o->langs && *o->langs ? o->langs : "eng";
    const char *script = o ? o->script_langs : NULL;
    if (!script || !*script || has_langs(langs, script) || p->n == 0)
        return KR_OK;
    int *bands = malloc(sizeof(int) * 2 * p->n);
    if (!bands)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: script lines");
    const struct ocr__grey v = {g->w, g->h, g->recog ? g->recog : g->px, NULL};
    g = &v;
    int ink = ink_level(g);
    size_t n = headline_bands(g, p, ink, bands);
    struct TessBaseAPI *api = NULL;
    struct ocr_opts so = *o;
    so.langs = script;
    enum kr_code rc = n ? ocr__tess_open(&so, &api, err) : KR_OK;
    if (rc == KR_EUNSUPPORTED) /* the script's traineddata is not installed */
        rc = KR_OK, n = 0;
    if (api) /* a band is one block of lines: no page layout (photos kept their header) */
        TessBaseAPISetPageSegMode(api, PSM_SINGLE_BLOCK);
    for (size_t i = 0; i < n && !rc; i++)
        rc = reread(api, g, (int[]){bands[2 * i], bands[2 * i + 1], ink}, p, err);
    ocr__tess_close(api);
    free(bands);
    return rc;
}
