/*
 * ocr_tess.c - libtesseract (C API) on a prepared grey plane -> words.
 *
 * One TessBaseAPI per call (its init reads the traineddata, ~0.1 s), in
 * single-column mode: on ruled and borderless bills alike it keeps short
 * cells ("1" in a Qty column) that sparse-text mode drops and does not
 * split a table into blocks the way automatic mode does; the layout is
 * rebuilt from the word boxes in ocr_layout.c anyway. English traineddata
 * has no rupee sign and reads "₹" as "%": a "%" right before a digit (never
 * a real percentage) is turned back into "₹".
 * Tesseract's own messages go to /dev/null (debug_file) because library
 * code never prints. A missing language file is KRS_OCR_UNAVAILABLE.
 * Tesseract's OpenMP team is limited process-wide by main.c
 * (OMP_THREAD_LIMIT=1 unless the operator set it): one core per page.
 * Also the page word list helpers every reader shares.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tesseract/capi.h>

#include "ocr/ocr_int.h"

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

void ocr__page_free(struct ocr__page *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->w[i].text);
    free(p->w);
    free(p->hrules);
    free(p->vrules);
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

static enum kr_code collect(TessBaseAPI *api, struct ocr__page *p, struct kr_err *err)
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
            rc = add_word(p, &w, t, err);
        TessDeleteText(t);
    } while (rc == KR_OK && TessResultIteratorNext(ri, RIL_WORD));
    TessResultIteratorDelete(ri);
    return rc;
}

enum kr_code ocr__tess_read(const struct ocr__grey *g, const struct ocr_opts *o,
                            struct ocr__page *p, struct kr_err *err)
{
    const char *langs = o && o->langs && *o->langs ? o->langs : "eng";
    const char *dir = o && o->tessdata_dir && *o->tessdata_dir ? o->tessdata_dir : NULL;
    char *names[] = {"debug_file", "user_defined_dpi"};
    char *values[] = {"/dev/null", "300"};
    enum kr_code rc = KR_OK;
    TessBaseAPI *api = TessBaseAPICreate();
    if (!api)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: tesseract handle");
    if (TessBaseAPIInit4(api, dir, langs, OEM_LSTM_ONLY, NULL, 0, names, values, 2, 0) != 0) {
        rc = kr_fail(err, KRS_OCR_UNAVAILABLE, "tesseract could not load language data '%s'",
                     langs);
        goto out;
    }
    TessBaseAPISetPageSegMode(api, PSM_SINGLE_COLUMN);
    TessBaseAPISetImage(api, g->px, g->w, g->h, 1, g->w);
    if (TessBaseAPIRecognize(api, NULL) != 0) {
        rc = kr_fail(err, KRS_OCR_FAILED, "tesseract failed on the page");
        goto out;
    }
    rc = collect(api, p, err);
out:
    TessBaseAPIEnd(api);
    TessBaseAPIDelete(api);
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
