/*
 * ocr_lines.c - positioned words -> text lines -> segments (ocr_layout.c's input).
 *
 * Words are grouped into lines by their vertical centres (a word joins the
 * line whose running centre is within half a word height). Inside a line,
 * words closer than a gap threshold (about one space at that size) form a
 * segment, a phrase that is one cell or one "key: value"; a vertical ruling
 * line between two words always separates them. Stray rule fragments
 * tesseract read as "|" or "_" are dropped.
 *
 * ocr_pdf_text() hands these lines out as they are (a PDF's pages read by
 * ocr_read.c, no table layout) for documents read by their labels.
 */
#include <glib-object.h>
#include <stdlib.h>
#include <string.h>

#include "ocr/ocr_int.h"

static int by_yc(const void *a, const void *b, void *ctx)
{
    const struct ocr__word *base = ctx;
    const struct ocr__word *x = &base[*(const size_t *)a], *y = &base[*(const size_t *)b];
    int ya = x->y0 + x->y1, yb = y->y0 + y->y1;
    return ya != yb ? (ya > yb) - (ya < yb) : (x->x0 > y->x0) - (x->x0 < y->x0);
}

static int by_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int junk(const char *s)
{
    for (; *s; s++)
        if (!strchr("|_-=~.,'`\"!:;[]()\\/", *s))
            return 0;
    return 1;
}

int ocr__median_height(const struct ocr__page *p)
{
    if (!p->n)
        return 10;
    int *h = malloc(sizeof(int) * p->n);
    if (!h)
        return 10;
    for (size_t i = 0; i < p->n; i++)
        h[i] = p->w[i].y1 - p->w[i].y0;
    qsort(h, p->n, sizeof(int), by_int);
    int m = h[p->n / 2];
    free(h);
    return m < 4 ? 4 : m;
}

static int rule_between(const struct ocr__page *p, int a, int b)
{
    for (size_t i = 0; i < p->nv; i++)
        if (p->vrules[i] > a && p->vrules[i] < b)
            return 1;
    return 0;
}

static enum kr_code seg_append(struct ocr__lines *L, const struct ocr__word *w, int join,
                               struct kr_err *err)
{
    if (join) {
        struct ocr__seg *s = &L->seg[L->nseg - 1];
        size_t a = strlen(s->text), b = strlen(w->text);
        char *t = realloc(s->text, a + b + 2);
        if (!t)
            return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: segment");
        t[a] = ' ';
        memcpy(t + a + 1, w->text, b + 1);
        s->text = t;
        s->x1 = w->x1;
        s->y0 = w->y0 < s->y0 ? w->y0 : s->y0;
        s->y1 = w->y1 > s->y1 ? w->y1 : s->y1;
        s->conf = w->conf < s->conf ? w->conf : s->conf;
        return KR_OK;
    }
    if (L->nseg == L->capseg) {
        size_t cap = L->capseg ? L->capseg * 2 : 128;
        struct ocr__seg *ns = realloc(L->seg, cap * sizeof *ns);
        if (!ns)
            return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: segments");
        L->seg = ns;
        L->capseg = cap;
    }
    struct ocr__seg *s = &L->seg[L->nseg];
    memset(s, 0, sizeof *s);
    if (!(s->text = strdup(w->text)))
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: segment");
    s->x0 = w->x0;
    s->x1 = w->x1;
    s->y0 = w->y0;
    s->y1 = w->y1;
    s->conf = w->conf;
    s->col = -1;
    L->nseg++;
    return KR_OK;
}

static enum kr_code line_push(struct ocr__lines *L, size_t first, struct kr_err *err)
{
    if (L->nline == L->capline) {
        size_t cap = L->capline ? L->capline * 2 : 64;
        struct ocr__line *nl = realloc(L->line, cap * sizeof *nl);
        if (!nl)
            return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: lines");
        L->line = nl;
        L->capline = cap;
    }
    struct ocr__line *l = &L->line[L->nline++];
    l->first = first;
    l->n = L->nseg - first;
    l->y0 = L->seg[first].y0;
    l->y1 = L->seg[first].y1;
    for (size_t i = first; i < L->nseg; i++) {
        l->y0 = L->seg[i].y0 < l->y0 ? L->seg[i].y0 : l->y0;
        l->y1 = L->seg[i].y1 > l->y1 ? L->seg[i].y1 : l->y1;
    }
    return KR_OK;
}

/* One line's words (indices, any order) into segments. */
static enum kr_code build_line(const struct ocr__page *p, size_t *idx, size_t n,
                               struct ocr__lines *L, struct kr_err *err)
{
    const struct ocr__word *w = p->w;
    for (size_t i = 1; i < n; i++) /* insertion sort by x: lines are short */
        for (size_t j = i; j > 0 && w[idx[j]].x0 < w[idx[j - 1]].x0; j--) {
            size_t t = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = t;
        }
    size_t first = L->nseg;
    enum kr_code rc = KR_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        const struct ocr__word *x = &w[idx[i]];
        int join = 0;
        if (L->nseg > first) {
            const struct ocr__seg *s = &L->seg[L->nseg - 1];
            int gap = x->x0 - s->x1;
            join = gap < L->gap && !rule_between(p, s->x1 - 2, x->x0 + 2);
        }
        rc = seg_append(L, x, join, err);
    }
    if (!rc && L->nseg > first)
        rc = line_push(L, first, err);
    return rc;
}

enum kr_code ocr__lines_build(const struct ocr__page *p, struct ocr__lines *L, struct kr_err *err)
{
    memset(L, 0, sizeof *L);
    L->h = ocr__median_height(p);
    L->gap = L->h * 3 / 4 + 2;
    size_t *idx = malloc(sizeof(size_t) * (p->n + 1)), n = 0;
    enum kr_code rc = KR_OK;
    if (!idx)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: lines");
    for (size_t i = 0; i < p->n; i++)
        if (!junk(p->w[i].text))
            idx[n++] = i;
    qsort_r(idx, n, sizeof(size_t), by_yc, p->w);
    size_t start = 0;
    double yc = 0;
    for (size_t i = 0; i <= n && !rc; i++) {
        double c = i < n ? (p->w[idx[i]].y0 + p->w[idx[i]].y1) / 2.0 : 0;
        if (i < n && i > start && c - yc < L->h * 0.5) {
            yc = (yc * (i - start) + c) / (i - start + 1);
            continue;
        }
        if (i > start)
            rc = build_line(p, idx + start, i - start, L, err);
        start = i;
        yc = c;
    }
    free(idx);
    if (rc)
        ocr__lines_free(L);
    return rc;
}

void ocr__lines_free(struct ocr__lines *L)
{
    for (size_t i = 0; i < L->nseg; i++)
        free(L->seg[i].text);
    free(L->seg);
    free(L->line);
    memset(L, 0, sizeof *L);
}

/* ---- ocr_pdf_text: the lines themselves, for documents read by labels ---- */

/* Move one page's segments and lines onto the end of t. */
static enum kr_code text_append(struct ocr__lines *L, int page, struct ocr_text *t,
                                struct kr_err *err)
{
    struct ocr_phrase *ph = realloc(t->ph, (t->nph + L->nseg + 1) * sizeof *ph);
    if (ph)
        t->ph = ph;
    struct ocr_text_line *ln = ph ? realloc(t->line, (t->nline + L->nline + 1) * sizeof *ln) : NULL;
    if (!ln)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: text lines");
    t->line = ln;
    for (size_t i = 0; i < L->nseg; i++) {
        const struct ocr__seg *s = &L->seg[i];
        t->ph[t->nph + i] = (struct ocr_phrase){s->x0, s->y0, s->x1, s->y1, s->text};
        L->seg[i].text = NULL; /* moved */
    }
    for (size_t i = 0; i < L->nline; i++)
        t->line[t->nline + i] =
            (struct ocr_text_line){page, t->nph + L->line[i].first, L->line[i].n};
    t->nph += L->nseg;
    t->nline += L->nline;
    return KR_OK;
}

enum kr_code ocr_pdf_text(const void *bytes, size_t len, const struct ocr_opts *o,
                          struct ocr_text *out, struct kr_err *err)
{
    struct ocr_text t = {0};
    struct _PopplerDocument *doc = NULL;
    int n = 0;
    enum kr_code rc;

    if (!len)
        return kr_fail(err, KRS_EMPTY_FILE, "the PDF is empty (0 bytes)");
    if (len < 5 || memcmp(bytes, "%PDF-", 5))
        return kr_fail(err, KRS_NOT_A_PDF, "the file is not a PDF");
    rc = ocr__pdf_open(bytes, len, o, &doc, &n, err);
    for (int i = 0; i < n && !rc; i++) {
        struct ocr__page p = {0};
        struct ocr__lines L = {0};
        if (!(rc = ocr__pdf_page_words(doc, i, o, &p, err)) &&
            !(rc = ocr__lines_build(&p, &L, err)))
            rc = text_append(&L, i, &t, err);
        ocr__lines_free(&L);
        ocr__page_free(&p);
    }
    if (doc)
        g_object_unref(doc);
    if (rc) {
        ocr_text_free(&t);
        return rc;
    }
    t.pages = n;
    *out = t;
    return KR_OK;
}

void ocr_text_free(struct ocr_text *t)
{
    for (size_t i = 0; i < t->nph; i++)
        free(t->ph[i].text);
    free(t->ph);
    free(t->line);
    memset(t, 0, sizeof *t);
}
