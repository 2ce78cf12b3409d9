/*
 * sheet_fill.c - filling and clearing a seller's own template in place.
 *
 * The data sheet's worksheet part is streamed by sheet_walk.c through the
 * module's one XML reader and written back node by node, with its data
 * rows merged with the new ones; everything outside the worksheet part is
 * left to sheet_zip.c, which copies it unchanged. This file holds what the
 * walk needs decided: which template column each schema column owns (from
 * the header row's texts, gathered as the walk passes it), where the new
 * rows start (replace: the first data row, one pass; append: after the
 * last row with content, found by a first pass that only reads), and the
 * <dimension> widened to cover what was written.
 */
#include "sheet/sheet_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Header text as matched: up to the first blank line (Meesho puts help text
 * there), trimmed. */
void sheet__fill_header(struct sheet_fill *f, int col, const char *t)
{
    const char *cut = strstr(t, "\n\n");
    size_t n;

    if (!cut)
        cut = strstr(t, "\r\n\r\n");
    n = cut ? (size_t)(cut - t) : strlen(t);
    while (n && strchr(" \t\r\n", t[n - 1]))
        n--;
    while (n && strchr(" \t\r\n", *t))
        t++, n--;
    if (!n || f->rc)
        return;
    if (f->nhdr == f->caphdr) {
        size_t nc = f->caphdr ? f->caphdr * 2 : 64;
        struct sheet_header *h = nc <= SHEET_MAX_COL ? realloc(f->hdr, nc * sizeof *h) : NULL;
        if (!h) {
            f->rc = KR_ENOMEM;
            return;
        }
        f->hdr = h;
        f->caphdr = nc;
    }
    f->hdr[f->nhdr].col = col;
    snprintf(f->hdr[f->nhdr].text, sizeof f->hdr[f->nhdr].text, "%.*s", (int)n, t);
    f->nhdr++;
}

/* Template column for schema column c: exact name, alias, then normalised. */
static int find_header(const struct sheet_column *c, const struct sheet_header *h, size_t nh)
{
    char a[512], b[512];
    for (int pass = 0; pass < 3; pass++)
        for (size_t k = 0; k <= c->naliases; k++) {
            const char *name = k ? c->aliases[k - 1] : c->name;
            if (pass == 0 && k)
                break;
            if (pass == 2)
                sheet__norm_key(name, 0, a, sizeof a);
            for (size_t i = 0; i < nh; i++) {
                if (pass < 2 && strcmp(h[i].text, name) == 0)
                    return h[i].col;
                if (pass == 2 && a[0] && (sheet__norm_key(h[i].text, 0, b, sizeof b), 1) &&
                    strcmp(a, b) == 0)
                    return h[i].col;
            }
        }
    return -1;
}

static int own_cmp(const void *a, const void *b)
{
    return ((const struct sheet_own *)a)->col - ((const struct sheet_own *)b)->col;
}

void sheet__fill_map(struct sheet_fill *f)
{
    if (f->mapped)
        return;
    f->mapped = 1;
    f->own = calloc(f->s->ncols ? f->s->ncols : 1, sizeof *f->own);
    if (!f->own) {
        f->rc = KR_ENOMEM;
        return;
    }
    for (size_t si = 0; si < f->s->ncols; si++) {
        int col = find_header(&f->s->cols[si], f->hdr, f->nhdr), taken = 0;
        for (size_t k = 0; k < f->nown && col >= 0; k++)
            taken |= f->own[k].col == col;
        if (col >= 0 && !taken)
            f->own[f->nown++] = (struct sheet_own){col, si};
        else if (col < 0 && f->missing &&
                 json_array_append_new(f->missing, json_string(f->s->cols[si].name)))
            f->rc = KR_ENOMEM;
    }
    qsort(f->own, f->nown, sizeof *f->own, own_cmp);
}

static void cell_ref(int col, int row, char out[24])
{
    char letters[8];
    sheet__col_name(col, letters);
    snprintf(out, 24, "%s%d", letters, row);
}

/* <dimension ref="A1:X9"> widened to the rows and columns written: the
 * value's span in xml replaced. */
static enum kr_code widen_dimension(struct sheet_fill *f, struct buf *xml)
{
    char ref[64], first[24], last[24];
    int c0 = 0, r0 = 1, c1 = 0, r1 = 1, lastc = f->nown ? f->own[f->nown - 1].col : 0;
    const char *colon = strchr(f->dimref, ':');
    size_t n, old = f->dim_end - f->dim_start;

    if (!f->nrows || !f->has_dim || f->dim_end > xml->len ||
        !sheet__xml_cell_ref(f->dimref, colon ? (size_t)(colon - f->dimref) : strlen(f->dimref),
                             &c0, &r0) ||
        (colon && !sheet__xml_cell_ref(colon + 1, strlen(colon + 1), &c1, &r1)))
        return KR_OK;
    if (!colon)
        c1 = c0, r1 = r0;
    if (lastc > c1)
        c1 = lastc;
    if (f->start + (int)f->nrows - 1 > r1)
        r1 = f->start + (int)f->nrows - 1;
    cell_ref(c0, r0, first);
    cell_ref(c1, r1, last);
    n = (size_t)snprintf(ref, sizeof ref, "%s:%s", first, last);
    if (n > old && buf_reserve(xml, n - old + 1))
        return KR_ENOMEM;
    memmove(xml->data + f->dim_start + n, xml->data + f->dim_end, xml->len - f->dim_end);
    memcpy(xml->data + f->dim_start, ref, n);
    xml->len = xml->len - old + n;
    xml->data[xml->len] = '\0';
    return KR_OK;
}

static enum kr_code run(struct sheet_fill *f, const void *xlsx, size_t n,
                        const struct sheet_tpl_limits *lim, struct buf *out, struct kr_err *err)
{
    struct buf xml = {0};
    enum kr_code rc = sheet__tpl_open(&f->t, f->s, xlsx, n, lim, err);

    buf_init(&f->tmp, 0);
    buf_init(&xml, 0);
    if (!rc && f->mode == SHEET_FILL_APPEND)
        rc = sheet__fill_walk(f, NULL, err); /* reads only: the last row with content */
    if (!rc) {
        f->start = f->last_content ? f->last_content + 1 : f->s->first_data_row;
        if (f->start + (long)f->nrows - 1 > SHEET_MAX_ROW)
            rc = kr_fail(err, KRS_TOO_MANY_ROWS, "rows do not fit in the sheet");
    }
    if (!rc)
        rc = sheet__fill_walk(f, &xml, err);
    if (!rc && widen_dimension(f, &xml))
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    if (!rc)
        rc = sheet__tpl_finish(&f->t, &xml, f->formulas, out, err);
    buf_release(&xml);
    buf_release(&f->tmp);
    free(f->own);
    free(f->hdr);
    sheet__tpl_close(&f->t);
    return rc;
}

enum kr_code sheet_template_fill(const struct sheet_schema *s, const struct sheet_fill_req *req,
                                 struct buf *out, json_t **missing, struct kr_err *err)
{
    json_t *m = missing ? json_array() : NULL;
    struct sheet_fill f = {
        .s = s, .rows = req->rows, .nrows = json_array_size(req->rows), .mode = req->mode,
        .missing = m};
    enum kr_code rc;
    if (missing)
        *missing = NULL;
    if (!json_is_array(req->rows)) {
        json_decref(m);
        return kr_fail(err, KRS_BAD_ROWS, "rows must be an array");
    }
    rc = run(&f, req->xlsx, req->n, req->lim, out, err);
    if (rc || !missing)
        json_decref(m);
    else
        *missing = m;
    return rc;
}

enum kr_code sheet_template_clear(const struct sheet_schema *s, const void *xlsx, size_t n,
                                  const struct sheet_tpl_limits *lim, struct buf *out,
                                  struct kr_err *err)
{
    struct sheet_fill f = {.s = s, .mode = SHEET_FILL_REPLACE};
    return run(&f, xlsx, n, lim, out, err);
}
