/*
 * sheet_walk.c - one pass of the template filler over the data sheet's
 * worksheet part, driven by the node stream of the module's one XML reader
 * (sheet_xml.c), written back through its serialiser.
 *
 * Every node is written back as read except inside the worksheet's
 * <sheetData> - the root's child in SpreadsheetML's namespace, under any
 * prefix; one inside a comment, CDATA, a PI or a foreign element is not
 * it. There, rows above the first data row are copied; data rows are
 * merged in ascending order with the new rows, so pre-styled empty rows
 * are reused rather than duplicated; owned cells are rewritten as inline
 * strings (or numbers) keeping the template's cell style; in replace mode
 * every other cell of a data row keeps only its style. Rows must ascend and
 * cells within a row must be in column order, with references that agree,
 * else the layout is unsupported. The <dimension> value's span in the
 * output is recorded so sheet_fill.c can widen it once the columns are
 * known. With no output (x.out NULL, start 0) the pass only reads: append
 * mode's first pass, which finds the last row with content.
 */
#include "sheet/sheet_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ATTR_MAX 64 /* r, s and t of rows and cells */

static void puts_(struct sheet_fill *f, const char *s)
{
    sheet__xml_puts(&f->x, s);
}

static void cell_ref(int col, int row, char out[24])
{
    char letters[8];
    sheet__col_name(col, letters);
    snprintf(out, 24, "%s%d", letters, row);
}

/* <c r="B5" s="3"/> or nothing: a cell with its value gone, style kept. */
static void put_styled_empty(struct sheet_fill *f, int col, int row, const char *style)
{
    char ref[24];
    if (!style)
        return;
    cell_ref(col, row, ref);
    puts_(f, "<"), puts_(f, f->prefix), puts_(f, "c r=\""), puts_(f, ref), puts_(f, "\" s=\"");
    sheet__xml_put_escaped(&f->x, style, 1);
    puts_(f, "\"/>");
}

static void put_value_cell(struct sheet_fill *f, int col, int row, const char *style,
                           const char *text, int numeric)
{
    const char *p = f->prefix;
    char ref[24];
    size_t n = strlen(text);
    int num = numeric && sheet__is_number(text, NULL);
    int keep =
        n && (strchr(" \t\n", text[0]) || strchr(" \t\n", text[n - 1]) || strchr(text, '\n'));

    if (!n) {
        put_styled_empty(f, col, row, style);
        return;
    }
    cell_ref(col, row, ref);
    puts_(f, "<"), puts_(f, p), puts_(f, "c r=\""), puts_(f, ref), puts_(f, "\"");
    if (style)
        puts_(f, " s=\""), sheet__xml_put_escaped(&f->x, style, 1), puts_(f, "\"");
    if (num) {
        puts_(f, "><"), puts_(f, p), puts_(f, "v>"), puts_(f, text);
        puts_(f, "</"), puts_(f, p), puts_(f, "v></"), puts_(f, p), puts_(f, "c>");
        return;
    }
    puts_(f, " t=\"inlineStr\"><"), puts_(f, p), puts_(f, "is><"), puts_(f, p), puts_(f, "t");
    puts_(f, keep ? " xml:space=\"preserve\">" : ">");
    if (f->x.out && !f->x.rc && sheet__xml_escape(f->x.out, text, n))
        f->x.rc = KR_ENOMEM;
    puts_(f, "</"), puts_(f, p), puts_(f, "t></"), puts_(f, p), puts_(f, "is></"), puts_(f, p);
    puts_(f, "c>");
}

/* The owned cells of a new row left of column upto (-1: all). */
static void put_owned(struct sheet_fill *f, const json_t *row, size_t *oi, int upto, int r)
{
    for (; row && *oi < f->nown && (upto < 0 || f->own[*oi].col < upto); (*oi)++) {
        const struct sheet_column *col = &f->s->cols[f->own[*oi].si];
        put_value_cell(f, f->own[*oi].col, r, NULL, sheet__row_text(row, col->name), col->numeric);
    }
}

static void put_new_row(struct sheet_fill *f, int r, const json_t *row)
{
    char num[16];
    size_t oi = 0;
    snprintf(num, sizeof num, "%d", r);
    puts_(f, "<"), puts_(f, f->prefix), puts_(f, "row r=\""), puts_(f, num), puts_(f, "\">");
    put_owned(f, row, &oi, -1, r);
    puts_(f, "</"), puts_(f, f->prefix), puts_(f, "row>");
}

/* The current <c> read to its end (written when copy): its text, shared
 * strings resolved, into f->tmp; *formula set if it has one. 0, or -1 when
 * the part stopped. */
static int read_cell(struct sheet_fill *f, int copy, int shared, int *formula)
{
    int depth = sheet__xml_depth(&f->x), in_v = 0, in_t = 0, rph = 0, got = 1;
    int empty = xmlTextReaderIsEmptyElement(f->x.r);

    f->tmp.len = 0;
    *formula = 0;
    if (copy)
        sheet__xml_copy(&f->x);
    while (!empty && (got = sheet__xml_read(&f->x)) == 1) {
        int type = sheet__xml_type(&f->x);
        if (copy)
            sheet__xml_copy(&f->x);
        if (type == XML_READER_TYPE_END_ELEMENT && sheet__xml_depth(&f->x) == depth)
            break;
        if (type == XML_READER_TYPE_ELEMENT || type == XML_READER_TYPE_END_ELEMENT) {
            int open = type == XML_READER_TYPE_ELEMENT && !xmlTextReaderIsEmptyElement(f->x.r);
            if (sheet__xml_is(&f->x, "v", 0))
                in_v = open;
            else if (sheet__xml_is(&f->x, "t", 0))
                in_t = open;
            else if (sheet__xml_is(&f->x, "rPh", 0))
                rph = open;
            else if (sheet__xml_is(&f->x, "f", 0))
                *formula = 1;
        } else if ((in_v || (in_t && !rph)) && type != XML_READER_TYPE_COMMENT &&
                   type != XML_READER_TYPE_PROCESSING_INSTRUCTION) {
            const char *v = (const char *)xmlTextReaderConstValue(f->x.r);
            if (v && buf_append(&f->tmp, v, strlen(v)))
                f->rc = KR_ENOMEM;
        }
    }
    if (got != 1)
        return -1;
    if (shared && f->tmp.len && f->tmp.len < 16) {
        char num[16];
        memcpy(num, f->tmp.data, f->tmp.len);
        num[f->tmp.len] = '\0';
        unsigned long i = strtoul(num, NULL, 10);
        f->tmp.len = 0;
        if (i < f->t.nsst && buf_append(&f->tmp, f->t.sst[i], strlen(f->t.sst[i])))
            f->rc = KR_ENOMEM;
    }
    if (!f->tmp.len && buf_reserve(&f->tmp, 1))
        f->rc = KR_ENOMEM;
    if (f->tmp.data)
        f->tmp.data[f->tmp.len] = '\0';
    return 0;
}

/* A row being walked. */
struct row_walk {
    int r, rewrite;    /* row number; rewritten (else copied) */
    const json_t *row; /* its new values, or NULL */
    int prev;          /* last column seen */
    size_t oi;         /* next owned column to write */
    int content;       /* a cell has a value or formula */
};

/* The current <c> of the row: copied, rewritten with its new value, or
 * cleared to its style. 0, or -1 to stop. */
static int walk_cell(struct sheet_fill *f, struct row_walk *w)
{
    char ref[ATTR_MAX], style[ATTR_MAX], ty[ATTR_MAX];
    int col = w->prev + 1, rn = w->r, formula = 0, owned, copy;
    int has_r = sheet__xml_attr(&f->x, "r", ref, sizeof ref);
    int has_s = sheet__xml_attr(&f->x, "s", style, sizeof style);
    int shared = sheet__xml_attr(&f->x, "t", ty, sizeof ty) == 1 && strcmp(ty, "s") == 0;

    if (has_r < 0 || has_s < 0 ||
        (has_r && (!sheet__xml_cell_ref(ref, strlen(ref), &col, &rn) || rn != w->r)))
        return f->bad = "a cell reference is not its row's", -1;
    if (col <= w->prev || col >= SHEET_MAX_COL)
        return f->bad = "cells are not in column order", -1;
    if (w->rewrite)
        put_owned(f, w->row, &w->oi, col, w->r);
    owned = w->rewrite && w->row && w->oi < f->nown && f->own[w->oi].col == col;
    copy = !w->rewrite || (!owned && f->mode != SHEET_FILL_REPLACE);
    if (read_cell(f, copy, shared, &formula))
        return -1;
    w->content |= formula || f->tmp.len;
    w->prev = col;
    if (w->r == f->s->header_row && !f->mapped)
        sheet__fill_header(f, col, (const char *)f->tmp.data);
    if (f->on_cell && w->r >= f->s->first_data_row && f->tmp.len)
        f->on_cell(f, w->r, col, (const char *)f->tmp.data);
    if (copy)
        return 0;
    f->formulas |= formula;
    if (owned) {
        const struct sheet_column *c = &f->s->cols[f->own[w->oi++].si];
        put_value_cell(f, col, w->r, has_s ? style : NULL, sheet__row_text(w->row, c->name),
                       c->numeric);
    } else {
        put_styled_empty(f, col, w->r, has_s ? style : NULL);
    }
    return 0;
}

/* The current <row> read to its end: copied, or rewritten (with the
 * spans attribute dropped: its cells may change). */
static void walk_row(struct sheet_fill *f, struct row_walk *w)
{
    int depth = sheet__xml_depth(&f->x), empty = xmlTextReaderIsEmptyElement(f->x.r);
    const char *qn = (const char *)xmlTextReaderConstName(f->x.r);
    char name[64], rr[16];

    if (strlen(qn) >= sizeof name) {
        f->bad = "a row's name is too long";
        return;
    }
    memcpy(name, qn, strlen(qn) + 1);
    if (w->rewrite) {
        struct sheet_xml_open o = {.drop = "spans", .open = 1};
        sheet__xml_put_open(&f->x, &o);
        if (!sheet__xml_attr(&f->x, "r", rr, sizeof rr) && snprintf(rr, sizeof rr, "%d", w->r))
            puts_(f, " r=\""), puts_(f, rr), puts_(f, "\"");
        puts_(f, ">");
    } else {
        sheet__xml_copy(&f->x);
    }
    while (!empty && !f->bad && sheet__xml_read(&f->x) == 1) {
        int type = sheet__xml_type(&f->x), d = sheet__xml_depth(&f->x);
        if (type == XML_READER_TYPE_END_ELEMENT && d == depth) {
            if (!w->rewrite)
                sheet__xml_copy(&f->x);
            break;
        }
        if (type == XML_READER_TYPE_ELEMENT && d == depth + 1 && sheet__xml_is(&f->x, "c", 0)) {
            if (walk_cell(f, w))
                return;
        } else {
            sheet__xml_copy(&f->x);
        }
    }
    if (w->rewrite) {
        put_owned(f, w->row, &w->oi, -1, w->r);
        puts_(f, "</"), puts_(f, name), puts_(f, ">");
    }
}

static int parse_row(const char *s, int max)
{
    long v = 0;
    size_t n = strlen(s);
    if (n == 0 || n > 8)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v >= 1 && v <= max ? (int)v : -1;
}

/* The current <row> of sheetData after the row numbered *prev: new rows
 * before it, then it copied, merged with its new values, or cleared. */
static void walk_data_row(struct sheet_fill *f, int *prev)
{
    struct row_walk w = {.prev = -1};
    char num[16];
    int has = sheet__xml_attr(&f->x, "r", num, sizeof num);
    const struct sheet_schema *s = f->s;

    w.r = has ? (has > 0 ? parse_row(num, SHEET_MAX_ROW) : -1) : *prev + 1;
    if (w.r <= *prev) {
        f->bad = "rows are not in ascending order";
        return;
    }
    *prev = w.r;
    if (w.r >= s->first_data_row)
        sheet__fill_map(f);
    for (; f->start && f->k < f->nrows && f->start + (int)f->k < w.r; f->k++)
        put_new_row(f, f->start + (int)f->k, json_array_get(f->rows, f->k));
    if (f->start && w.r >= f->start && (size_t)(w.r - f->start) < f->nrows) {
        w.rewrite = 1;
        w.row = json_array_get(f->rows, (size_t)(w.r - f->start));
        f->k = (size_t)(w.r - f->start) + 1;
    } else {
        w.rewrite = f->start && w.r >= s->first_data_row && f->mode == SHEET_FILL_REPLACE;
    }
    walk_row(f, &w);
    if (w.r >= s->first_data_row && w.content)
        f->last_content = w.r;
}

/* The worksheet's <sheetData> read to its end (a self-closing one opened). */
static void walk_data(struct sheet_fill *f)
{
    const char *pre = (const char *)xmlTextReaderConstPrefix(f->x.r);
    int empty = xmlTextReaderIsEmptyElement(f->x.r), prev = 0;
    struct sheet_xml_open o = {.open = 1};

    if (pre && snprintf(f->prefix, sizeof f->prefix, "%s:", pre) >= (int)sizeof f->prefix) {
        f->bad = "the sheetData prefix is too long";
        return;
    }
    sheet__xml_put_open(&f->x, &o);
    puts_(f, ">");
    while (!empty && !f->bad && !f->rc && !f->x.why) {
        int got = sheet__xml_read(&f->x), type = sheet__xml_type(&f->x);
        if (got != 1) {
            f->bad = got ? NULL : "the sheetData is not closed";
            return;
        }
        if (type == XML_READER_TYPE_END_ELEMENT && sheet__xml_depth(&f->x) == 1)
            break;
        if (type != XML_READER_TYPE_ELEMENT || sheet__xml_depth(&f->x) != 2)
            sheet__xml_copy(&f->x);
        else if (!sheet__xml_is(&f->x, "row", 0))
            f->bad = "sheetData holds something other than rows";
        else
            walk_data_row(f, &prev);
    }
    sheet__fill_map(f);
    for (; f->start && f->k < f->nrows; f->k++)
        put_new_row(f, f->start + (int)f->k, json_array_get(f->rows, f->k));
    puts_(f, "</"), puts_(f, f->prefix), puts_(f, "sheetData>");
}

/* <dimension>, its ref recorded and marked. */
static void put_dimension(struct sheet_fill *f)
{
    struct sheet_xml_open o = {.mark = "ref"};
    f->has_dim = sheet__xml_attr(&f->x, "ref", f->dimref, sizeof f->dimref) == 1;
    sheet__xml_put_open(&f->x, &o);
    f->dim_start = o.mark_start;
    f->dim_end = o.mark_end;
}

enum kr_code sheet__fill_walk(struct sheet_fill *f, struct buf *out, struct kr_err *err)
{
    enum kr_code rc = sheet__xml_open(&f->x, &f->t.xml, f->t.part, err);
    int seen = 0;

    if (rc)
        return rc;
    f->x.out = out;
    f->k = 0;
    f->has_dim = 0;
    f->dim_start = f->dim_end = 0;
    f->prefix[0] = '\0';
    while (!f->bad && !f->rc && !f->x.rc && !f->x.why && sheet__xml_read(&f->x) == 1) {
        int el = sheet__xml_type(&f->x) == XML_READER_TYPE_ELEMENT;
        if (el && !seen && sheet__xml_depth(&f->x) == 1 && sheet__xml_is(&f->x, "sheetData", 1))
            seen = 1, walk_data(f);
        else if (el && !f->has_dim && sheet__xml_depth(&f->x) == 1 &&
                 sheet__xml_is(&f->x, "dimension", 1))
            put_dimension(f);
        else
            sheet__xml_copy(&f->x);
    }
    if (f->x.why || f->x.rc)
        rc = sheet__xml_fail(&f->x, err);
    else if (f->rc)
        rc = kr_fail(err, kr_slug_grow(f->rc), "out of memory");
    else if (f->bad || !seen)
        rc = kr_fail(err, KRS_BAD_TEMPLATE, "template: unsupported worksheet layout (%s)",
                     f->bad ? f->bad : "no sheetData");
    sheet__xml_close(&f->x);
    return rc;
}
