/*
 * ocr_read.c - words from pixels: tesseract, and the page word list every reader shares.
 *
 * Tesseract (C API) on a prepared grey plane:
 *
 * One TessBaseAPI per call (its init reads the traineddata, ~0.1 s), in
 * single-block mode: the page is one block of text lines, without
 * tesseract's page layout (its rule finder and column finder, 15-19 % of a
 * page's CPU, which split a table into blocks the table layout of
 * ocr_layout.c rebuilds from the word boxes anyway); ocr_rules.c has erased
 * the rules that layout removed. With single-column mode before it the
 * bench's 40- and 120-row pages took 1.11x the CPU (alternated), and 78
 * fewer of its 14,259 cells came out right, though a few pages (the 120-row
 * blurred one, a rotated one read at its own size) lost cells to
 * single-block mode (docs/BENCHMARKS.md); sparse-text mode drops short cells
 * ("1" in a Qty column). On soft print the recogniser
 * reads the plane from before the rules were erased (g->recog, given as
 * tesseract's input image: its LSTM reads that one, its layout the
 * thresholded px; ocr_prep.c says why). English traineddata
 * has no rupee sign and reads "₹" as "%": a "%" right before a digit (never
 * a real percentage) is turned back into "₹".
 * A word read across a vertical rule ocr_rules.c erased (two cells whose gap
 * tesseract did not see as a space), across a wide gap or with marks on blank
 * paper between two cells is split there by its symbols' boxes.
 * Tesseract's own messages go to /dev/null (debug_file) because library
 * code never prints. A missing language file is KRS_OCR_UNAVAILABLE.
 * Tesseract's OpenMP loops run on one thread (one core per page; a server
 * reads several bills side by side anyway, and a team spinning on a busy
 * 2-core machine cost 2.5-3.2 CPU s for a page read in 1.1-1.3 s alone):
 * before each page, omp_set_max_active_levels(0) through libgomp, looked up
 * at run time, unless the operator set OMP_THREAD_LIMIT. This replaced a
 * re-exec of the binary with OMP_THREAD_LIMIT=1 (the same CPU time).
 * Measured for speed and left out (docs/BENCHMARKS.md): tessedit_do_invert=0
 * (no change: the inverted re-read only runs on lines read with low
 * confidence), textord_tabfind_find_tables=0 (10-25 % less CPU, but other
 * text lines and other cells), per-band reading (10-30 % faster; SetRectangle
 * bands read garbage, cropped bands lost photos' cells). The handle is made by
 * ocr__tess_open() so its settings are tested; lines printed in Devanagari
 * are re-read afterwards (ocr_script.c).
 * Also the page word list helpers every reader shares.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

#include "ocr/ocr_int.h"

#define RULE_PAD 3  /* px either side of a vertical rule's centre that its residue covers */
#define SPLIT_GAP 10 /* px between two symbols of a word that a rule may separate */
#define UNSURE 60 /* a word's (a page's median) confidence under this: looked at again */
#define PAPER 240 /* a symbol whose box has no pixel darker than this lies on blank paper */

enum kr_code ocr__page_add(struct ocr__page *p, const struct ocr__word *w, const char *text,
                           size_t len, struct kr_err *err)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        struct ocr__word *nw = realloc(p->w, cap * sizeof *nw);
        if (!nw)
            return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: words");
        p->w = nw;
        p->cap = cap;
    }
    char *t = strndup(text, len);
    if (!t)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: word");
    p->w[p->n] = *w;
    p->w[p->n++].text = t;
    return KR_OK;
}

static void free_words(struct ocr__word *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(w[i].text);
    free(w);
}

void ocr__page_free(struct ocr__page *p)
{
    free_words(p->w, p->n);
    free(p->hrules);
    free(p->vrules);
    free(p->vspan);
    memset(p, 0, sizeof *p);
}

static int blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\n' && *s != '\t')
            return 0;
    return 1;
}

/* Length of a noise mark at s (what specks and rule stubs read as), else 0. */
static size_t noise_len(const char *s)
{
    static const char *const marks[] = {"\xe2\x80\x98", "\xe2\x80\x99", "\xe2\x80\x94",
                                        "\xe2\x80\x93", "\xe2\x80\x9c", "\xe2\x80\x9d",
                                        "\xc2\xab",     "\xc2\xbb",     NULL};
    if (*s && strchr("~=_|`'\"", *s))
        return 1;
    for (const char *const *m = marks; *m; m++)
        if (!strncmp(s, *m, strlen(*m)))
            return strlen(*m);
    return 0;
}

/* OCR words lose leading noise marks ("~=Mangalsutra", "‘Nose"); a word of
 * noise only is dropped; "%" before a digit is the rupee sign. */
static enum kr_code add_word(struct ocr__page *p, const struct ocr__word *w, const char *t,
                             struct kr_err *err)
{
    size_t k;
    while ((k = noise_len(t)) > 0)
        t += k;
    if (!*t)
        return KR_OK;
    if (t[0] == '%' && t[1] >= '0' && t[1] <= '9') {
        char fixed[256];
        snprintf(fixed, sizeof fixed, "\xe2\x82\xb9%s", t + 1); /* U+20B9 */
        return ocr__page_add(p, w, fixed, strlen(fixed), err);
    }
    return ocr__page_add(p, w, t, strlen(t), err);
}

/* The vertical rule (erased by ocr_prep.c) inside box x0..x1 at height
 * y0..y1 (a table's rule, not one outside it), else -1. */
static int rule_inside(const struct ocr__page *p, int x0, int x1, int y0, int y1)
{
    for (size_t i = 0; i < p->nv; i++)
        if (p->vrules[i] > x0 + RULE_PAD && p->vrules[i] < x1 - RULE_PAD &&
            (!p->vspan || (p->vspan[2 * i] < y1 && p->vspan[2 * i + 1] > y0)))
            return p->vrules[i];
    return -1;
}

/* One symbol of a word: its box and text. */
struct sym {
    int x0, y0, x1, y1;
    char t[8];
};

/* Symbol s lies on blank paper: a mark the LSTM read into the gap between
 * two cells it took for one word ("7117——-22K" for the HSN 7117 and the
 * purity 22K of a 2.5-degree rotated render read at its own size). */
static int on_paper(const struct ocr__grey *g, const struct sym *s)
{
    if (!g)
        return 0;
    for (int y = s->y0 < 0 ? 0 : s->y0; y < s->y1 && y < g->h; y++)
        for (int x = s->x0 < 0 ? 0 : s->x0; x < s->x1 && x < g->w; x++)
            if (g->px[(size_t)y * g->w + x] < PAPER)
                return 0;
    return 1;
}

/* Symbols a and b of one word h px tall are further apart than one and a
 * half times h: a space the LSTM did not read ("7113916" for two cells;
 * letters of a word sit a few px apart, words a third of a height). */
static int wide_gap(const struct sym *a, const struct sym *b, int h)
{
    return 2 * (b->x0 - a->x1) >= 3 * h;
}

/* Symbols a and b (the next) of one word h px tall are two: a rule runs
 * through the gap between them, or the gap is wide. */
static int two_words(const struct ocr__page *p, const struct sym *a, const struct sym *b, int h)
{
    return wide_gap(a, b, h) ||
           (b->x0 - a->x1 >= SPLIT_GAP &&
            rule_inside(p, a->x1 - RULE_PAD - 1, b->x0 + RULE_PAD + 1, b->y0, b->y1) >= 0);
}

/* Symbol i of n sits alone on an erased rule: what is left of the rule. */
static int residue(const struct ocr__page *p, const struct sym *s, size_t i, size_t n)
{
    return rule_inside(p, s[i].x0 - RULE_PAD - 1, s[i].x1 + RULE_PAD + 1, s[i].y0, s[i].y1) >= 0 &&
           (i == 0 || s[i].x0 - s[i - 1].x1 >= SPLIT_GAP / 2) &&
           (i + 1 == n || s[i + 1].x0 - s[i].x1 >= SPLIT_GAP / 2);
}

/* A word tesseract ran across an erased vertical rule ("7113916" for the
 * HSN 7113 and the purity 916: with the rule gone the cells' gap reads as no
 * space) is split by its symbols' boxes where a rule runs through a gap of
 * SPLIT_GAP px or more between two of them (letters of one word sit closer:
 * a group title printed across the columns is not cut); a symbol alone on
 * the rule (what is left of it: "-", "|", "l") is dropped. So is a symbol on
 * blank paper (on_paper(); g NULL: not looked for), the word split there;
 * and it is split at a gap over 1.5 times as wide as the word is tall
 * (wide_gap()). */
static enum kr_code split_word(const TessResultIterator *ri, const struct ocr__grey *g,
                               struct ocr__page *p, const struct ocr__word *whole,
                               const char *text, struct kr_err *err)
{
    TessResultIterator *si = TessResultIteratorCopy(ri);
    const TessPageIterator *pi = TessResultIteratorGetPageIteratorConst(si);
    struct sym s[64];
    size_t n = 0, len = 0;
    struct ocr__word w = *whole;
    char piece[64 * 8];
    enum kr_code rc = KR_OK;
    int last = 0;
    for (; !last && n < 64; TessResultIteratorNext(si, RIL_SYMBOL)) {
        last = TessPageIteratorIsAtFinalElement(pi, RIL_WORD, RIL_SYMBOL);
        char *t = TessResultIteratorGetUTF8Text(si, RIL_SYMBOL);
        struct sym *y = &s[n];
        if (t && strlen(t) < sizeof y->t &&
            TessPageIteratorBoundingBox(pi, RIL_SYMBOL, &y->x0, &y->y0, &y->x1, &y->y1))
            memcpy(y->t, t, strlen(t) + 1), n++;
        TessDeleteText(t);
    }
    TessResultIteratorDelete(si);
    if (!last) /* a word of more than 64 symbols: not a table's cells */
        return add_word(p, whole, text, err);
    for (size_t i = 0, prev = 0, cut = 0; i < n && rc == KR_OK; i++) {
        if (residue(p, s, i, n))
            continue;
        if (on_paper(g, &s[i])) {
            cut = 1;
            continue;
        }
        if (len && (cut || two_words(p, &s[prev], &s[i], whole->y1 - whole->y0))) {
            piece[len] = 0; /* the piece so far ends before the rule or the blank */
            rc = add_word(p, &w, piece, err);
            len = 0;
        }
        cut = 0;
        if (!len)
            w = (struct ocr__word){s[i].x0, s[i].y0, s[i].x1, s[i].y1, whole->conf, NULL};
        w.y0 = s[i].y0 < w.y0 ? s[i].y0 : w.y0;
        w.y1 = s[i].y1 > w.y1 ? s[i].y1 : w.y1;
        w.x1 = s[i].x1;
        memcpy(piece + len, s[i].t, strlen(s[i].t));
        len += strlen(s[i].t);
        prev = i;
    }
    if (rc == KR_OK && len) {
        piece[len] = 0;
        rc = add_word(p, &w, piece, err);
    }
    return rc;
}

enum kr_code ocr__tess_words(struct TessBaseAPI *api, const struct ocr__grey *g,
                             struct ocr__page *p, struct kr_err *err)
{
    TessResultIterator *ri = TessBaseAPIGetIterator(api);
    enum kr_code rc = KR_OK;
    if (!ri)
        return KR_OK; /* nothing recognised */
    do {
        struct ocr__word w = {0};
        const TessPageIterator *pi = TessResultIteratorGetPageIteratorConst(ri);
        if (!TessPageIteratorBoundingBox(pi, RIL_WORD, &w.x0, &w.y0, &w.x1, &w.y1))
            continue;
        char *t = TessResultIteratorGetUTF8Text(ri, RIL_WORD);
        if (!t)
            continue;
        float c = TessResultIteratorConfidence(ri, RIL_WORD);
        w.conf = c < 0 ? 0 : c > 100 ? 100 : (int)(c + 0.5f);
        if (!blank(t))
            rc = rule_inside(p, w.x0, w.x1, w.y0, w.y1) >= 0 || (g && w.conf < UNSURE)
                     ? split_word(ri, g, p, &w, t, err)
                     : add_word(p, &w, t, err);
        TessDeleteText(t);
    } while (rc == KR_OK && TessResultIteratorNext(ri, RIL_WORD));
    TessResultIteratorDelete(ri);
    return rc;
}

/* Tesseract's OpenMP loops on one thread: no active parallel level (libgomp,
 * which libtesseract loaded, looked up at run time: karat does not link it). */
static void one_omp_thread(void)
{
    void (*set_levels)(int);
    if (getenv("OMP_THREAD_LIMIT")) /* the operator's own choice */
        return;
    *(void **)&set_levels = dlsym(RTLD_DEFAULT, "omp_set_max_active_levels");
    if (set_levels)
        set_levels(0);
}

/* Settings given at init: messages to /dev/null, the bench's scan resolution,
 * and every text row taken as proportionally spaced (textord_all_prop): the
 * fixed-pitch test tesseract otherwise runs on each row (columns of digits
 * look fixed-pitch) cost 3-4 % of a page's CPU and changed no byte of
 * the output on the 70 bench renders (docs/BENCHMARKS.md).
 * Paragraphs are found before recognition, not after (paragraph_text_based
 * off): after it, tesseract builds every line's text through a result
 * iterator that walks the page again from its first word for each word
 * (4.8 % of a 120-row page under perf, growing with the square of its
 * length); before it, one walk per line is enough: 0.98x CPU on the 40- and
 * 120-row bench bills. Karat reads no paragraph, and for left-to-right
 * scripts (Latin, Devanagari) words, boxes and confidences are the same: the
 * JSON of the 70 bench renders and the real bill is byte for byte the same.
 * (A paragraph's direction could differ for a right-to-left language an
 * operator configures; ocr_lines.c orders words by their boxes anyway.)
 * Tesseract's table finder (textord_tabfind_find_tables) stays on: off, it
 * saved 10-25 % of a page's CPU but changed the text lines tesseract builds,
 * and cells with them (blurred pages lost 95 of 2,037, photos gained 111:
 * docs/BENCHMARKS.md), and the accuracy of every variant must hold. */
static char *const TESS_NAMES[] = {"debug_file", "user_defined_dpi", "textord_all_prop",
                                   "paragraph_text_based"};
static char *const TESS_VALUES[] = {"/dev/null", "300", "1", "0"};

enum kr_code ocr__tess_open(const struct ocr_opts *o, struct TessBaseAPI **out, struct kr_err *err)
{
    const char *langs = o && o->langs && *o->langs ? o->langs : "eng";
    const char *dir = o && o->tessdata_dir && *o->tessdata_dir ? o->tessdata_dir : NULL;
    size_t n = sizeof TESS_NAMES / sizeof *TESS_NAMES;
    TessBaseAPI *api = TessBaseAPICreate();
    *out = NULL;
    if (!api)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: tesseract handle");
    if (TessBaseAPIInit4(api, dir, langs, OEM_LSTM_ONLY, NULL, 0, (char **)TESS_NAMES,
                         (char **)TESS_VALUES, n, 0) != 0) {
        TessBaseAPIDelete(api);
        return kr_fail(err, KRS_OCR_UNAVAILABLE, "tesseract could not load language data '%s'",
                       langs);
    }
    one_omp_thread();
    TessBaseAPISetPageSegMode(api, PSM_SINGLE_BLOCK);
    *out = api;
    return KR_OK;
}

void ocr__tess_close(struct TessBaseAPI *api)
{
    if (!api)
        return;
    TessBaseAPIEnd(api);
    TessBaseAPIDelete(api);
}

/* g->recog as the image tesseract's recogniser reads (a leptonica copy the
 * handle owns from here on), after SetImage() made px the one it lays out. */
static enum kr_code recog_image(TessBaseAPI *api, const struct ocr__grey *g, struct kr_err *err)
{
    PIX *pix = pixCreate(g->w, g->h, 8);
    if (!pix)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: recogniser image");
    l_uint32 *data = pixGetData(pix);
    int wpl = pixGetWpl(pix);
    for (int y = 0; y < g->h; y++) {
        const unsigned char *row = g->recog + (size_t)y * g->w;
        l_uint32 *line = data + (size_t)y * wpl;
        for (int x = 0; x < g->w; x++)
            SET_DATA_BYTE(line, x, row[x]);
    }
    TessBaseAPISetInputImage(api, pix);
    return KR_OK;
}

/* Single-block mode reads every mark as text: a picture with no print in it
 * comes back as a few words read with little confidence, which tesseract's
 * page layout sets aside as an image. A page whose median word confidence
 * is under UNSURE is read again with that layout (single-column mode), and
 * that reading kept when it has no word or a higher median: no bill of the
 * bench's 70 renders nor the real one is read twice; a product photo is
 * (docs/BENCHMARKS.md). The median of p's words' confidences, 101 without
 * a word (a text layer's, -1, counts as sure). */
static int median_conf(const struct ocr__page *p)
{
    size_t n[101] = {0}, acc = 0;
    for (size_t i = 0; i < p->n; i++)
        n[p->w[i].conf < 0 || p->w[i].conf > 100 ? 100 : p->w[i].conf]++;
    for (int c = 0; c <= 100; c++)
        if ((acc += n[c]) * 2 > p->n)
            return c;
    return 101;
}

/* p's words, whose median confidence is was, read again with the page
 * layout; the surer reading kept. */
static enum kr_code read_with_layout(TessBaseAPI *api, struct ocr__page *p, int was,
                                     struct kr_err *err)
{
    struct ocr__word *first = p->w;
    size_t n = p->n, cap = p->cap;
    enum kr_code rc;
    p->w = NULL, p->n = p->cap = 0;
    TessBaseAPISetPageSegMode(api, PSM_SINGLE_COLUMN);
    rc = TessBaseAPIRecognize(api, NULL) != 0
             ? kr_fail(err, KRS_OCR_FAILED, "tesseract failed on the page")
             : ocr__tess_words(api, NULL, p, err);
    if (rc || median_conf(p) > was) { /* the second reading stands (or failed) */
        free_words(first, n);
        return rc;
    }
    free_words(p->w, p->n); /* the first one was no worse */
    p->w = first, p->n = n, p->cap = cap;
    return KR_OK;
}

enum kr_code ocr__tess_read(const struct ocr__grey *g, const struct ocr_opts *o,
                            struct ocr__page *p, struct kr_err *err)
{
    TessBaseAPI *api;
    enum kr_code rc = ocr__tess_open(o, &api, err);
    int med;
    if (rc)
        return rc;
    TessBaseAPISetImage(api, g->px, g->w, g->h, 1, g->w);
    if (g->recog)
        rc = recog_image(api, g, err);
    if (!rc && TessBaseAPIRecognize(api, NULL) != 0)
        rc = kr_fail(err, KRS_OCR_FAILED, "tesseract failed on the page");
    if (!rc)
        rc = ocr__tess_words(api, g, p, err);
    if (!rc && (med = median_conf(p)) < UNSURE) /* 101 without a word */
        rc = read_with_layout(api, p, med, err);
    if (!rc) /* a column of print no word covers */
        rc = ocr__missed_ink(api, g, p, err);
    ocr__tess_close(api);
    if (!rc)
        rc = ocr__script_lines(g, o, p, err);
    return rc;
}

enum kr_code ocr__read_pixels(struct ocr__grey *g, const struct ocr_opts *o,
                              struct ocr__page *p, struct kr_err *err)
{
    enum kr_code rc = ocr__prepare(g, p, err);
    if (rc)
        return rc;
    return ocr__tess_read(g, o, p, err);
}
