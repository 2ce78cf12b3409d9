/*
 * refine.c - POST /further_req offline: keep the named columns, then the
 * rows the filter (expr.c) keeps. The extras and the OCR confidences of
 * the kept cells go along unchanged.
 */
#include "doc/doc_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"

static int everything(const char *s)
{
    size_t n;

    if (!s)
        return 1;
    s += strspn(s, " \t\r\n");
    n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return n == 0 || (n == 1 && *s == '*') || (n == 3 && !strncasecmp(s, "all", 3));
}

/* The columns named in list, in its order, into cols. */
static enum kr_code pick_columns(const struct doc_table *in, const char *list, size_t *cols,
                                 size_t *n, struct kr_err *err)
{
    char name[DOC_MAX_CELL + 1], want[DOC_MAX_CELL + 1], have[DOC_MAX_CELL + 1];
    const char *p = list;

    *n = 0;
    if (everything(list)) {
        for (size_t c = 0; c < in->ncols; c++)
            cols[(*n)++] = c;
        return KR_OK;
    }
    while (*p) {
        size_t len = strcspn(p, ","), c;
        snprintf(name, sizeof name, "%.*s", (int)(len < DOC_MAX_CELL ? len : DOC_MAX_CELL), p);
        p += len + (p[len] == ',');
        doc__squash(util_trim(name), want, sizeof want);
        if (!*want)
            continue;
        for (c = 0; c < in->ncols; c++) {
            doc__squash(in->headers[c], have, sizeof have);
            if (!strcmp(want, have))
                break;
        }
        if (c == in->ncols)
            return kr_fail(err, KRS_BAD_FILTER, "columns: no column \"%.80s\"", util_trim(name));
        int dup = 0;
        for (size_t i = 0; i < *n; i++)
            dup |= cols[i] == c;
        if (!dup && *n < DOC_MAX_COLS)
            cols[(*n)++] = c;
    }
    if (!*n) /* " , ": separators and no name */
        return kr_fail(err, KRS_BAD_FILTER,
                       "columns: no column named in \"%.80s\" (\"\" or \"all\" keeps every one)",
                       list);
    return KR_OK;
}

/* out = the chosen columns of in's rows where keep[r]; strings copied. */
static enum kr_code project(const struct doc_table *in, const size_t *cols, size_t ncols,
                            const unsigned char *keep, struct doc_table *out, struct kr_err *err)
{
    struct doc_table t = {0};
    size_t rows = 0;
    int bad = 0;

    for (size_t r = 0; r < in->nrows; r++)
        rows += keep[r];
    t.headers = calloc(ncols ? ncols : 1, sizeof *t.headers);
    t.cells = calloc(rows && ncols ? rows * ncols : 1, sizeof *t.cells);
    t.extras = calloc(in->nextras ? in->nextras : 1, sizeof *t.extras);
    if (!t.headers || !t.cells || !t.extras)
        goto oom;
    t.ncols = ncols;
    t.pages = in->pages;
    for (size_t c = 0; c < ncols; c++)
        bad |= !(t.headers[c] = strdup(in->headers[cols[c]]));
    for (size_t r = 0; r < in->nrows; r++) {
        if (!keep[r])
            continue;
        for (size_t c = 0; c < ncols; c++) {
            struct doc_cell *d = &t.cells[t.nrows * ncols + c];
            *d = *doc_cell_at(in, r, cols[c]);
            bad |= !(d->text = strdup(d->text));
            bad |= doc__dup_read_as(&d->read_as);
        }
        t.nrows++;
    }
    for (; t.nextras < in->nextras; t.nextras++) {
        bad |= !(t.extras[t.nextras].key = strdup(in->extras[t.nextras].key));
        bad |= !(t.extras[t.nextras].value = strdup(in->extras[t.nextras].value));
        t.extras[t.nextras].read_as = in->extras[t.nextras].read_as;
        bad |= doc__dup_read_as(&t.extras[t.nextras].read_as);
    }
    if (bad)
        goto oom;
    *out = t;
    return KR_OK;
oom:
    doc_table_free(&t);
    return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
}

enum kr_code doc_refine(const struct doc_table *in, const char *columns, const char *manual,
                        struct doc_table *out, struct kr_err *err)
{
    size_t cols[DOC_MAX_COLS], ncols;
    struct doc_expr *e = NULL;
    unsigned char *keep = calloc(in->nrows ? in->nrows : 1, 1);
    enum kr_code rc;

    memset(out, 0, sizeof *out);
    if (!keep)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    if ((rc = pick_columns(in, columns, cols, &ncols, err)) ||
        (!everything(manual) && (rc = doc_expr_parse(manual, in, &e, err))))
        goto out;
    for (size_t r = 0; r < in->nrows; r++)
        keep[r] = !e || doc_expr_match(e, in, r);
    rc = project(in, cols, ncols, keep, out, err);
out:
    doc_expr_free(e);
    free(keep);
    return rc;
}
