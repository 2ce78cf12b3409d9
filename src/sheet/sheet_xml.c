/*
 * sheet_xml.c - a small lexical reader for the <sheetData> of a worksheet
 * part, used to fill templates without re-serialising them.
 *
 * Why lexical: a DOM round trip through libxml2 would rewrite the whole
 * part (namespace declarations, attribute quoting, empty elements), while
 * filling a template must leave every byte it does not own alone. The
 * document is first checked to be well-formed XML by libxml2 (sheet_part.c);
 * this reader then records the byte span of every <row> and <c> element so
 * the filler can copy untouched rows and cells verbatim and splice new ones.
 */
#include "sheet/sheet_int.h"

#include <stdlib.h>
#include <string.h>

/* Next markup tag at or after *pos, skipping text, comments, CDATA, PIs and
 * declarations. Returns 1 and fills t, 0 at the end, -1 if malformed. */
int sheet__xml_next_tag(const char *x, size_t n, size_t *pos, struct xml_tag *t)
{
    size_t p = *pos;
    for (;;) {
        const char *lt = memchr(x + p, '<', n - p), *e;
        char q = 0;
        if (!lt)
            return 0;
        p = (size_t)(lt - x);
        if (n - p >= 4 && memcmp(x + p, "<!--", 4) == 0) {
            e = memmem(x + p + 4, n - p - 4, "-->", 3);
            if (!e)
                return -1;
            p = (size_t)(e - x) + 3;
            continue;
        }
        if (n - p >= 9 && memcmp(x + p, "<![CDATA[", 9) == 0) {
            e = memmem(x + p + 9, n - p - 9, "]]>", 3);
            if (!e)
                return -1;
            p = (size_t)(e - x) + 3;
            continue;
        }
        if (n - p >= 2 && (x[p + 1] == '?' || x[p + 1] == '!')) {
            e = memchr(x + p, '>', n - p);
            if (!e)
                return -1;
            p = (size_t)(e - x) + 1;
            continue;
        }
        t->start = p;
        t->kind = x[p + 1] == '/' ? XML_END : XML_START;
        t->name = x + p + 1 + (t->kind == XML_END);
        t->nlen = strcspn(t->name, " \t\r\n/>");
        for (p = (size_t)(t->name - x) + t->nlen; p < n; p++) {
            if (q)
                q = x[p] == q ? 0 : q;
            else if (x[p] == '"' || x[p] == '\'')
                q = x[p];
            else if (x[p] == '>')
                break;
        }
        if (p >= n || t->nlen == 0)
            return -1;
        if (t->kind == XML_START && x[p - 1] == '/')
            t->kind = XML_EMPTY;
        t->end = p + 1;
        *pos = p + 1;
        return 1;
    }
}

int sheet__xml_is(const struct xml_tag *t, const char *local)
{
    const char *colon = memchr(t->name, ':', t->nlen);
    const char *l = colon ? colon + 1 : t->name;
    size_t ln = t->nlen - (size_t)(l - t->name);
    return ln == strlen(local) && memcmp(l, local, ln) == 0;
}

int sheet__xml_attr(const char *x, const struct xml_tag *t, const char *name, struct xml_span *val,
             struct xml_span *whole)
{
    size_t p = (size_t)(t->name - x) + t->nlen, end = t->end - 1, want = strlen(name);
    while (p < end) {
        size_t ns, nl, vs;
        char q;
        while (p < end && strchr(" \t\r\n", x[p]))
            p++;
        if (p >= end || x[p] == '/')
            return 0;
        ns = p;
        while (p < end && !strchr("= \t\r\n", x[p]))
            p++;
        nl = p - ns;
        while (p < end && x[p] != '"' && x[p] != '\'')
            p++;
        if (p >= end)
            return 0;
        q = x[p++];
        vs = p;
        while (p < end && x[p] != q)
            p++;
        if (p >= end)
            return 0;
        if (nl == want && memcmp(x + ns, name, nl) == 0) {
            if (val)
                *val = (struct xml_span){vs, p};
            if (whole)
                *whole = (struct xml_span){ns, p + 1};
            return 1;
        }
        p++;
    }
    return 0;
}

static void put_utf8(struct buf *b, unsigned long cp)
{
    unsigned char u[4];
    size_t k;
    if (cp < 0x80)
        u[0] = (unsigned char)cp, k = 1;
    else if (cp < 0x800)
        u[0] = (unsigned char)(0xC0 | cp >> 6), u[1] = (unsigned char)(0x80 | (cp & 0x3F)), k = 2;
    else if (cp < 0x10000)
        u[0] = (unsigned char)(0xE0 | cp >> 12), u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F)),
        u[2] = (unsigned char)(0x80 | (cp & 0x3F)), k = 3;
    else
        u[0] = (unsigned char)(0xF0 | cp >> 18), u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F)),
        u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F)),
        u[3] = (unsigned char)(0x80 | (cp & 0x3F)), k = 4;
    buf_append(b, u, k);
}

void sheet__xml_unescape(const char *s, size_t n, struct buf *b)
{
    static const char *const ents[][2] = {
        {"lt;", "<"}, {"gt;", ">"}, {"amp;", "&"}, {"quot;", "\""}, {"apos;", "'"}};
    for (size_t i = 0; i < n; i++) {
        const char *semi;
        if (s[i] != '&' || !(semi = memchr(s + i, ';', n - i < 12 ? n - i : 12))) {
            buf_append(b, s + i, 1);
            continue;
        }
        if (s[i + 1] == '#') {
            int hex = s[i + 2] == 'x';
            unsigned long cp = strtoul(s + i + 2 + hex, NULL, hex ? 16 : 10);
            if (cp && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF))
                put_utf8(b, cp);
        } else {
            for (size_t e = 0; e < 5; e++)
                if ((size_t)(semi - s - i) == strlen(ents[e][0]) &&
                    memcmp(s + i + 1, ents[e][0], strlen(ents[e][0])) == 0)
                    buf_append(b, ents[e][1], 1);
        }
        i = (size_t)(semi - s);
    }
}

/* "AB12" -> col 27 (0-based), row 12; 0 if malformed. */
int sheet__xml_cell_ref(const char *s, size_t n, int *col, int *row)
{
    size_t i = 0;
    long c = 0, r = 0;
    while (i < n && s[i] >= 'A' && s[i] <= 'Z' && c <= SHEET_MAX_COL)
        c = c * 26 + (s[i++] - 'A' + 1);
    if (c == 0 || c > SHEET_MAX_COL)
        return 0;
    while (i < n && s[i] >= '0' && s[i] <= '9' && r <= SHEET_MAX_ROW)
        r = r * 10 + (s[i++] - '0');
    if (i != n || r < 1 || r > SHEET_MAX_ROW)
        return 0;
    *col = (int)c - 1;
    *row = (int)r;
    return 1;
}

static int parse_int(const char *s, size_t n, int max)
{
    long v = 0;
    if (n == 0 || n > 8)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v >= 1 && v <= max ? (int)v : -1;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    void *q;
    size_t nc;
    if (need <= *cap)
        return 0;
    nc = *cap ? *cap * 2 : 256;
    while (nc < need)
        nc *= 2;
    q = realloc(*p, nc * size);
    if (!q)
        return -1;
    *p = q;
    *cap = nc;
    return 0;
}

static int add_cell(struct xml_sheet *sh, const struct xml_tag *t, struct xml_row *row)
{
    struct xml_span r;
    int col = row->ncells ? sh->cells[sh->ncells - 1].col + 1 : 0, rn = row->r;
    if (grow((void **)&sh->cells, &sh->capcells, sh->ncells + 1, sizeof *sh->cells))
        return -1;
    if (sheet__xml_attr(sh->x, t, "r", &r, NULL) &&
        (!sheet__xml_cell_ref(sh->x + r.start, r.end - r.start, &col, &rn) || rn != row->r))
        return -1;
    if (row->ncells && col <= sh->cells[sh->ncells - 1].col)
        return -1; /* cells must be in column order */
    if (col >= SHEET_MAX_COL)
        return -1;
    sh->cells[sh->ncells] = (struct xml_cell){.start = t->start,
                                              .end = t->end,
                                              .col = col,
                                              .open_end = t->end,
                                              .empty = t->kind == XML_EMPTY};
    sh->ncells++;
    row->ncells++;
    return 0;
}

static int add_row(struct xml_sheet *sh, const struct xml_tag *t)
{
    struct xml_span r;
    int prev = sh->nrows ? sh->rows[sh->nrows - 1].r : 0, rn = prev + 1;
    if (grow((void **)&sh->rows, &sh->caprows, sh->nrows + 1, sizeof *sh->rows))
        return -1;
    if (sheet__xml_attr(sh->x, t, "r", &r, NULL))
        rn = parse_int(sh->x + r.start, r.end - r.start, SHEET_MAX_ROW);
    if (rn <= prev)
        return -1; /* rows must be in ascending order */
    sh->rows[sh->nrows] = (struct xml_row){.start = t->start,
                                           .end = t->end,
                                           .open_end = t->end,
                                           .r = rn,
                                           .empty = t->kind == XML_EMPTY,
                                           .cell0 = sh->ncells};
    sh->nrows++;
    return 0;
}

/* Walk the children of <sheetData> recording rows and cells. */
static int scan_rows(struct xml_sheet *sh, size_t pos)
{
    struct xml_tag t;
    int depth = 0, rc;
    while ((rc = sheet__xml_next_tag(sh->x, sh->n, &pos, &t)) == 1) {
        if (t.kind == XML_END) {
            if (depth == 0)
                return sheet__xml_is(&t, "sheetData") ? (sh->data_close = t.start, 0) : -1;
            if (--depth == 1 && sheet__xml_is(&t, "c") && sh->nrows && sh->ncells)
                sh->cells[sh->ncells - 1].end = t.end;
            if (depth == 0 && sheet__xml_is(&t, "row"))
                sh->rows[sh->nrows - 1].end = t.end;
            continue;
        }
        if (depth == 0 && sheet__xml_is(&t, "row") && add_row(sh, &t))
            return -1;
        if (depth == 1 && sheet__xml_is(&t, "c") && add_cell(sh, &t, &sh->rows[sh->nrows - 1]))
            return -1;
        if (depth == 0 && !sheet__xml_is(&t, "row"))
            return -1;
        depth += t.kind == XML_START;
    }
    return -1;
}

int sheet__xml_sheet_scan(struct xml_sheet *sh, const char *x, size_t n)
{
    struct xml_tag t;
    size_t pos = 0;
    int rc;
    memset(sh, 0, sizeof *sh);
    sh->x = x;
    sh->n = n;
    while ((rc = sheet__xml_next_tag(x, n, &pos, &t)) == 1) {
        if (t.kind != XML_END && sheet__xml_is(&t, "dimension"))
            sh->dim = t;
        if (t.kind == XML_END || !sheet__xml_is(&t, "sheetData"))
            continue;
        sh->data_open = t;
        sh->plen = t.nlen - strlen("sheetData");
        if (sh->plen >= sizeof sh->prefix)
            return -1;
        memcpy(sh->prefix, t.name, sh->plen);
        sh->prefix[sh->plen] = '\0';
        if (t.kind == XML_EMPTY) {
            sh->data_close = t.end;
            return 0;
        }
        return scan_rows(sh, t.end);
    }
    return -1;
}

void sheet__xml_sheet_release(struct xml_sheet *sh)
{
    free(sh->rows);
    free(sh->cells);
    memset(sh, 0, sizeof *sh);
}
