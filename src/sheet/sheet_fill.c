/*
 * sheet_fill.c - filling and clearing a seller's own template in place.
 *
 * The data sheet's XML is rebuilt from byte spans (sheet_xml.c): rows above
 * the first data row and every cell of a column the schema does not own are
 * copied verbatim; owned cells are rewritten as inline strings (or numbers)
 * keeping the template's cell style; cleared cells keep only their style.
 * Rows are merged in ascending order with new ones, so pre-styled empty
 * rows in a template are reused rather than duplicated, and <dimension> is
 * widened to cover what was written. Everything outside the worksheet part
 * is left to sheet_zip.c, which copies it unchanged.
 */
#include "sheet/sheet_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct own {
    int col;   /* template column */
    size_t si; /* schema column */
};

struct fill {
    const struct sheet_schema *s;
    struct tpl t;
    struct xml_sheet sh;
    struct own *own; /* owned columns, by template column */
    size_t nown;
    const json_t *rows;
    size_t nrows;
    enum sheet_fill_mode mode;
    int start, formulas;
    struct buf body, tmp;
    enum kr_code rc;
};

static void put(struct fill *f, const void *p, size_t n)
{
    if (!f->rc && buf_append(&f->body, p, n))
        f->rc = KR_ENOMEM;
}

static void puts_(struct fill *f, const char *s)
{
    put(f, s, strlen(s));
}

static void cell_ref(int col, int row, char out[24])
{
    char letters[8];
    sheet__col_name(col, letters);
    snprintf(out, 24, "%s%d", letters, row);
}

/* Start tag of the element at span start (a row or a cell). */
static struct xml_tag open_tag(const struct fill *f, size_t start)
{
    struct xml_tag t = {0};
    size_t pos = start;
    sheet__xml_next_tag(f->sh.x, f->sh.n, &pos, &t);
    return t;
}

/* <c r="B5" s="3"/> or nothing: a cell with its value gone, style kept. */
static void put_styled_empty(struct fill *f, int col, int row, const struct xml_tag *old)
{
    struct xml_span s;
    char ref[24];
    if (!old || !sheet__xml_attr(f->sh.x, old, "s", &s, NULL))
        return;
    cell_ref(col, row, ref);
    puts_(f, "<");
    puts_(f, f->sh.prefix);
    puts_(f, "c r=\"");
    puts_(f, ref);
    puts_(f, "\" s=\"");
    put(f, f->sh.x + s.start, s.end - s.start);
    puts_(f, "\"/>");
}

static void put_value_cell(struct fill *f, int col, int row, const struct xml_tag *old,
                           const char *text, int numeric)
{
    const char *p = f->sh.prefix;
    struct xml_span s;
    char ref[24];
    size_t n = strlen(text);
    int num = numeric && sheet__is_number(text, NULL);
    int keep =
        n && (strchr(" \t\n", text[0]) || strchr(" \t\n", text[n - 1]) || strchr(text, '\n'));

    if (!n) {
        put_styled_empty(f, col, row, old);
        return;
    }
    cell_ref(col, row, ref);
    puts_(f, "<"), puts_(f, p), puts_(f, "c r=\""), puts_(f, ref), puts_(f, "\"");
    if (old && sheet__xml_attr(f->sh.x, old, "s", &s, NULL))
        puts_(f, " s=\""), put(f, f->sh.x + s.start, s.end - s.start), puts_(f, "\"");
    if (num) {
        puts_(f, "><"), puts_(f, p), puts_(f, "v>"), puts_(f, text);
        puts_(f, "</"), puts_(f, p), puts_(f, "v></"), puts_(f, p), puts_(f, "c>");
        return;
    }
    puts_(f, " t=\"inlineStr\"><"), puts_(f, p), puts_(f, "is><"), puts_(f, p), puts_(f, "t");
    puts_(f, keep ? " xml:space=\"preserve\">" : ">");
    if (!f->rc && sheet__xml_escape(&f->body, text, n))
        f->rc = KR_ENOMEM;
    puts_(f, "</"), puts_(f, p), puts_(f, "t></"), puts_(f, p), puts_(f, "is></"), puts_(f, p);
    puts_(f, "c>");
}

/* An existing cell of a data row that we do not own: kept, or cleared. */
static void put_other_cell(struct fill *f, const struct xml_cell *c, int row, int clear)
{
    int formula = 0;
    if (!clear) {
        put(f, f->sh.x + c->start, c->end - c->start);
        return;
    }
    sheet__tpl_cell_text(&f->t, &f->sh, c, &f->tmp, &formula);
    f->formulas |= formula;
    struct xml_tag old = open_tag(f, c->start);
    put_styled_empty(f, c->col, row, &old);
}

/* <row ...> with the original attributes except spans (cells may change). */
static void put_row_open(struct fill *f, const struct xml_row *er, int r)
{
    char num[16];
    if (!er) {
        snprintf(num, sizeof num, "%d", r);
        puts_(f, "<"), puts_(f, f->sh.prefix), puts_(f, "row r=\""), puts_(f, num), puts_(f, "\">");
        return;
    }
    struct xml_tag t = open_tag(f, er->start);
    struct xml_span sp, rr;
    size_t end = t.end - (t.kind == XML_EMPTY ? 2 : 1);
    if (sheet__xml_attr(f->sh.x, &t, "spans", NULL, &sp)) {
        put(f, f->sh.x + t.start, sp.start - t.start);
        put(f, f->sh.x + sp.end, end - sp.end);
    } else {
        put(f, f->sh.x + t.start, end - t.start);
    }
    if (!sheet__xml_attr(f->sh.x, &t, "r", &rr, NULL)) {
        snprintf(num, sizeof num, " r=\"%d\"", r);
        puts_(f, num);
    }
    puts_(f, ">");
}

static void put_row_close(struct fill *f, const struct xml_row *er)
{
    struct xml_tag t;
    if (!er) {
        puts_(f, "</"), puts_(f, f->sh.prefix), puts_(f, "row>");
        return;
    }
    t = open_tag(f, er->start);
    puts_(f, "</"), put(f, t.name, t.nlen), puts_(f, ">");
}

/* One data row: existing cells merged with the owned columns (row == NULL
 * for a row that is only cleared). */
static void put_row(struct fill *f, const struct xml_row *er, int r, const json_t *row)
{
    size_t ci = 0, oi = 0, nc = er ? er->ncells : 0;
    int clear = f->mode == SHEET_FILL_REPLACE;
    put_row_open(f, er, r);
    while (ci < nc || (row && oi < f->nown)) {
        const struct xml_cell *c = ci < nc ? &f->sh.cells[er->cell0 + ci] : NULL;
        const struct own *o = row && oi < f->nown ? &f->own[oi] : NULL;
        if (c && (!o || c->col < o->col)) {
            put_other_cell(f, c, r, clear);
            ci++;
            continue;
        }
        const struct sheet_column *col = &f->s->cols[o->si];
        struct xml_tag old = c && c->col == o->col ? open_tag(f, c->start) : (struct xml_tag){0};
        if (c && c->col == o->col) {
            int formula = 0;
            sheet__tpl_cell_text(&f->t, &f->sh, c, &f->tmp, &formula);
            f->formulas |= formula;
            ci++;
        }
        put_value_cell(f, o->col, r, old.name ? &old : NULL, sheet__row_text(row, col->name),
                       col->numeric);
        oi++;
    }
    put_row_close(f, er);
}

static void put_body(struct fill *f)
{
    size_t k = 0;
    for (size_t i = 0; i < f->sh.nrows && !f->rc; i++) {
        const struct xml_row *er = &f->sh.rows[i];
        for (; k < f->nrows && f->start + (int)k < er->r; k++)
            put_row(f, NULL, f->start + (int)k, json_array_get(f->rows, k));
        if (er->r < f->s->first_data_row) {
            put(f, f->sh.x + er->start, er->end - er->start);
        } else if (er->r >= f->start && (size_t)(er->r - f->start) < f->nrows) {
            put_row(f, er, er->r, json_array_get(f->rows, (size_t)(er->r - f->start)));
            k = (size_t)(er->r - f->start) + 1;
        } else if (f->mode == SHEET_FILL_REPLACE) {
            put_row(f, er, er->r, NULL);
        } else {
            put(f, f->sh.x + er->start, er->end - er->start);
        }
    }
    for (; k < f->nrows && !f->rc; k++)
        put_row(f, NULL, f->start + (int)k, json_array_get(f->rows, k));
}

/* Header text as matched: up to the first blank line (Meesho puts help text
 * there), trimmed. */
static void header_text(struct fill *f, const struct xml_cell *c, char *out, size_t cap)
{
    const char *t, *cut;
    size_t n;
    sheet__tpl_cell_text(&f->t, &f->sh, c, &f->tmp, NULL);
    t = f->tmp.data ? (const char *)f->tmp.data : "";
    cut = strstr(t, "\n\n");
    if (!cut)
        cut = strstr(t, "\r\n\r\n");
    n = cut ? (size_t)(cut - t) : strlen(t);
    while (n && strchr(" \t\r\n", t[n - 1]))
        n--;
    while (n && strchr(" \t\r\n", *t))
        t++, n--;
    snprintf(out, cap, "%.*s", (int)n, t);
}

struct header {
    int col;
    char text[256];
};

/* Template column for schema column c: exact name, alias, then normalised. */
static int find_header(const struct sheet_column *c, const struct header *h, size_t nh)
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
    return ((const struct own *)a)->col - ((const struct own *)b)->col;
}

static enum kr_code map_columns(struct fill *f, json_t *missing)
{
    const struct xml_row *hr = NULL;
    struct header *h;
    size_t nh = 0;

    for (size_t i = 0; i < f->sh.nrows && !hr; i++)
        if (f->sh.rows[i].r == f->s->header_row)
            hr = &f->sh.rows[i];
    h = calloc(hr && hr->ncells ? hr->ncells : 1, sizeof *h);
    f->own = calloc(f->s->ncols, sizeof *f->own);
    if (!h || !f->own) {
        free(h);
        return KR_ENOMEM;
    }
    for (size_t i = 0; hr && i < hr->ncells; i++) {
        const struct xml_cell *c = &f->sh.cells[hr->cell0 + i];
        header_text(f, c, h[nh].text, sizeof h[nh].text);
        if (h[nh].text[0])
            h[nh++].col = c->col;
    }
    for (size_t si = 0; si < f->s->ncols; si++) {
        int col = find_header(&f->s->cols[si], h, nh), taken = 0;
        for (size_t k = 0; k < f->nown && col >= 0; k++)
            taken |= f->own[k].col == col;
        if (col >= 0 && !taken)
            f->own[f->nown++] = (struct own){col, si};
        else if (col < 0 && missing &&
                 json_array_append_new(missing, json_string(f->s->cols[si].name)))
            f->rc = KR_ENOMEM;
    }
    free(h);
    qsort(f->own, f->nown, sizeof *f->own, own_cmp);
    return f->rc;
}

static int row_has_content(struct fill *f, const struct xml_row *er)
{
    for (size_t i = 0; i < er->ncells; i++) {
        int formula = 0;
        sheet__tpl_cell_text(&f->t, &f->sh, &f->sh.cells[er->cell0 + i], &f->tmp, &formula);
        if (formula || f->tmp.len)
            return 1;
    }
    return 0;
}

/* Replace: the first data row. Append: after the last row with content. */
static void pick_start(struct fill *f)
{
    f->start = f->s->first_data_row;
    if (f->mode != SHEET_FILL_APPEND)
        return;
    for (size_t i = f->sh.nrows; i-- > 0;) {
        const struct xml_row *er = &f->sh.rows[i];
        if (er->r < f->s->first_data_row)
            break;
        if (row_has_content(f, er)) {
            f->start = er->r + 1;
            break;
        }
    }
}

/* <dimension ref="A1:X9"> widened to the rows and columns written. */
static enum kr_code put_prefix(struct fill *f, struct buf *xml, size_t upto)
{
    struct xml_span v;
    char ref[64], first[24];
    int c0 = 0, r0 = 1, c1 = 0, r1 = 1, lastc = f->nown ? f->own[f->nown - 1].col : 0;
    const char *x = f->sh.x;
    const char *colon;

    if (!f->nrows || !f->sh.dim.name || !sheet__xml_attr(x, &f->sh.dim, "ref", &v, NULL) ||
        v.end - v.start >= sizeof ref)
        return buf_append(xml, x, upto);
    snprintf(ref, sizeof ref, "%.*s", (int)(v.end - v.start), x + v.start);
    colon = strchr(ref, ':');
    if (!sheet__xml_cell_ref(ref, colon ? (size_t)(colon - ref) : strlen(ref), &c0, &r0) ||
        (colon && !sheet__xml_cell_ref(colon + 1, strlen(colon + 1), &c1, &r1)))
        return buf_append(xml, x, upto);
    if (!colon)
        c1 = c0, r1 = r0;
    cell_ref(c0, r0, first);
    if (lastc > c1)
        c1 = lastc;
    if (f->start + (int)f->nrows - 1 > r1)
        r1 = f->start + (int)f->nrows - 1;
    cell_ref(c1, r1, ref);
    if (buf_append(xml, x, v.start) || buf_appendf(xml, "%s:%s", first, ref))
        return KR_ENOMEM;
    return buf_append(xml, x + v.end, upto - v.end);
}

static enum kr_code assemble(struct fill *f, struct buf *xml)
{
    const struct xml_tag *d = &f->sh.data_open;
    const char *x = f->sh.x, *p = f->sh.prefix;
    enum kr_code rc;

    buf_init(xml, 0);
    put_body(f);
    if (f->rc)
        return f->rc;
    if (d->kind == XML_EMPTY) {
        rc = put_prefix(f, xml, d->start);
        if (!rc)
            rc = buf_appendf(xml, "<%ssheetData>", p);
    } else {
        rc = put_prefix(f, xml, d->end);
    }
    if (!rc)
        rc = buf_append(xml, f->body.data ? f->body.data : (unsigned char *)"", f->body.len);
    if (!rc && d->kind == XML_EMPTY)
        rc = buf_appendf(xml, "</%ssheetData>", p);
    if (!rc)
        rc = buf_append(xml, x + f->sh.data_close, f->sh.n - f->sh.data_close);
    return rc;
}

static enum kr_code run(const struct sheet_schema *s, const struct sheet_fill_req *req,
                        struct buf *out, json_t *missing, struct kr_err *err)
{
    struct fill f = {
        .s = s, .rows = req->rows, .nrows = json_array_size(req->rows), .mode = req->mode};
    struct buf xml = {0};
    enum kr_code rc = sheet__tpl_open(&f.t, s, req->xlsx, req->n, req->lim, err);

    buf_init(&f.body, 0);
    buf_init(&f.tmp, 0);
    if (!rc && sheet__xml_sheet_scan(&f.sh, (const char *)f.t.xml.data, f.t.xml.len))
        rc = kr_fail(err, KRS_BAD_TEMPLATE, "template: unsupported worksheet layout");
    if (!rc && (rc = map_columns(&f, missing)))
        kr_fail(err, kr_slug_grow(rc), "out of memory");
    if (!rc) {
        pick_start(&f);
        if (f.start + (long)f.nrows - 1 > SHEET_MAX_ROW)
            rc = kr_fail(err, KRS_TOO_MANY_ROWS, "rows do not fit in the sheet");
    }
    if (!rc && (rc = assemble(&f, &xml)))
        kr_fail(err, kr_slug_grow(rc), "out of memory");
    if (!rc)
        rc = sheet__tpl_finish(&f.t, &xml, f.formulas, out, err);
    buf_release(&xml);
    buf_release(&f.body);
    buf_release(&f.tmp);
    free(f.own);
    sheet__xml_sheet_release(&f.sh);
    sheet__tpl_close(&f.t);
    return rc;
}

enum kr_code sheet_template_fill(const struct sheet_schema *s, const struct sheet_fill_req *req,
                                 struct buf *out, json_t **missing, struct kr_err *err)
{
    json_t *m = missing ? json_array() : NULL;
    enum kr_code rc;
    if (missing)
        *missing = NULL;
    if (!json_is_array(req->rows))
        return kr_fail(err, KRS_BAD_ROWS, "rows must be an array");
    rc = run(s, req, out, m, err);
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
    json_t *none = json_array();
    struct sheet_fill_req req = {xlsx, n, lim, none, SHEET_FILL_REPLACE};
    enum kr_code rc = none ? run(s, &req, out, NULL, err)
                           : kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    json_decref(none);
    return rc;
}
