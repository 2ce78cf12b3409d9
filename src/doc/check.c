/*
 * check.c - the arithmetic of a bill's lines, and OCR cells read badly.
 *
 * A line formula is one of three shapes over numeric columns:
 *   x * y = k           (qty x rate = amount; weight x rate = amount)
 *   x * y + m = k       (weight x rate + making = amount)
 *   x * (y + m) = k     (weight x (rate + making per gram) = amount)
 * Columns are not trusted by name alone: every candidate (all pairs of
 * numeric columns for the first shape, every weight-like column for the
 * others) is evaluated on every row, and for each target column the one
 * that holds on the most rows wins, a formula the headers name winning
 * ties. A named formula is kept even when few rows hold (a one-line bill
 * with a wrong amount must be flagged), unless it fails on every row of a
 * bill of three or more lines (then the names were misread); a formula found
 * only from values must hold on at least 2 rows and 60% of those it can be
 * evaluated on. Rows where it then fails are the warnings. Rows whose
 * expected value is 0 say nothing and are skipped. Values agree within
 * KARAT_DOC_TOLERANCE plus what the rounding of the printed factors
 * allows (expected(); no share of the amount itself: a 10-rupee slip on
 * a 38,000-rupee line is a slip).
 *
 * The subtotal, tax and grand-total checks over the extras are extras.c.
 */
#include "doc/doc_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NUMERIC 16 /* numeric columns considered for formulas */

enum shape { PRODUCT, PLUS_MAKING, PER_GRAM_MAKING };

struct formula {
    enum shape shape;
    int x, y, m, k; /* m = -1 for PRODUCT */
    int named;
    size_t hold, fail;
};

struct cols {
    enum doc_role role[DOC_MAX_COLS];
    int weightish[DOC_MAX_COLS];
    int gross[DOC_MAX_COLS]; /* "Gross Wt": a net weight beside it wins a tie */
    int tax[DOC_MAX_COLS];   /* "Tax Amount", "IGST": a line's tax, not its amount */
    int plain_amount;        /* an amount column that is not a tax column */
    int num[MAX_NUMERIC];
    size_t nnum;
};

const char *doc_warn_name(enum doc_warn_kind k)
{
    static const char *names[] = {"line_amount", "line_weight",    "subtotal",     "tax",
                                  "grand_total", "low_confidence", "ocr_corrected"};
    return (size_t)k < sizeof names / sizeof names[0] ? names[k] : "unknown";
}

void doc__squash(const char *s, char *out, size_t n)
{
    size_t o = 0;

    for (; *s && o + 1 < n; s++) {
        char c = *s;
        if (c == ' ' || c == '.' || c == '_' || c == '-' || c == '\t')
            continue;
        out[o++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out[o] = 0;
}

static int has(const char *s, const char *word)
{
    return strstr(s, word) != NULL;
}

enum doc_role doc__role_by_name(const char *header)
{
    char h[128];
    size_t n;

    doc__squash(header, h, sizeof h);
    n = strlen(h);
    if (has(h, "hsn") || has(h, "sac"))
        return DOC_R_HSN;
    if (has(h, "purity") || has(h, "karat") || has(h, "touch") || has(h, "fineness") ||
        has(h, "tunch"))
        return DOC_R_PURITY;
    if (has(h, "making") || has(h, "labour") || has(h, "labor") || !strncmp(h, "mc", 2))
        return DOC_R_MAKING;
    if ((has(h, "rate") || has(h, "price")) && !has(h, "gst") && !has(h, "tax"))
        return DOC_R_RATE;
    if (has(h, "weight") || has(h, "wt") || has(h, "gms") || has(h, "grams"))
        return DOC_R_WEIGHT;
    if (has(h, "qty") || has(h, "quantity") || has(h, "pcs") || has(h, "pieces") ||
        !strcmp(h, "nos") || !strcmp(h, "units"))
        return DOC_R_QTY;
    if (has(h, "amount") || has(h, "amt") || has(h, "total") || has(h, "value"))
        return DOC_R_AMOUNT;
    if (!strcmp(h, "no") || !strcmp(h, "#") || !strcmp(h, "sno") || !strcmp(h, "slno") ||
        !strcmp(h, "srno") || has(h, "code") || has(h, "date") || has(h, "sku") ||
        (n >= 2 && !strcmp(h + n - 2, "dt")) || has(h, "cpt") || has(h, "ndc"))
        return DOC_R_SKIP;
    return DOC_R_NONE;
}

int doc__close(double expected, double found, double tolerance)
{
    return fabs(expected - found) <= tolerance + 1e-6 * fabs(expected);
}

struct doc_warning *doc__warn(struct doc_warnings *w, enum doc_warn_kind kind, long row, long col)
{
    struct doc_warning *n = realloc(w->w, (w->n + 1) * sizeof *w->w);

    if (!n)
        return NULL;
    w->w = n;
    n = &w->w[w->n++];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->row = row;
    n->col = col;
    return n;
}

void doc_warnings_free(struct doc_warnings *w)
{
    free(w->w);
    w->w = NULL;
    w->n = 0;
}

/* Does the header name a tax ("Tax Amount", "IGST", "VAT"; "Taxable Value"
 * is the amount before tax)? */
static int tax_name(const char *header)
{
    char h[128];

    doc__squash(header, h, sizeof h);
    return (has(h, "tax") && !has(h, "taxable")) || has(h, "gst") || has(h, "vat") ||
           has(h, "cess");
}

/* Numeric columns (most non-blank cells carry a number) that may take part
 * in a formula, which of them hold weights, which taxes. */
static void find_columns(const struct doc_table *t, struct cols *c)
{
    memset(c, 0, sizeof *c);
    for (size_t col = 0; col < t->ncols && col < DOC_MAX_COLS; col++) {
        size_t filled = 0, numeric = 0, weights = 0;
        c->role[col] = doc__role_by_name(t->headers[col]);
        for (size_t r = 0; r < t->nrows; r++) {
            const struct doc_value *v = &doc_cell_at(t, r, col)->v;
            filled += v->kind != DOC_EMPTY;
            numeric += v->kind == DOC_NUMBER || v->kind == DOC_MONEY || v->kind == DOC_WEIGHT;
            weights += v->kind == DOC_WEIGHT;
        }
        c->weightish[col] = c->role[col] == DOC_R_WEIGHT || (filled && weights * 2 > filled);
        c->gross[col] = strcasestr(t->headers[col], "gross") != NULL;
        c->tax[col] = tax_name(t->headers[col]);
        c->plain_amount |= c->role[col] == DOC_R_AMOUNT && !c->tax[col];
        if (c->role[col] == DOC_R_SKIP || c->role[col] == DOC_R_HSN ||
            c->role[col] == DOC_R_PURITY || !numeric || numeric * 2 < filled ||
            c->nnum == MAX_NUMERIC)
            continue;
        c->num[c->nnum++] = (int)col;
    }
}

static double cell_num(const struct doc_table *t, size_t r, int col, int *ok)
{
    const struct doc_value *v = &doc_cell_at(t, r, (size_t)col)->v;

    if (!doc_value_numeric(v) || v->kind == DOC_PERCENT)
        *ok = 0;
    return v->num;
}

/* Half a unit of the last decimal printed in the cell (a weight "12.105"
 * may be 12.1045 to 12.1055 on the scale): 0 for a whole number (a count,
 * a rate in rupees is exact as printed). */
static double half_unit(const struct doc_table *t, size_t r, int col)
{
    const char *s = doc_cell_at(t, r, (size_t)col)->text, *dot = strrchr(s, '.');
    double u = 0.5;
    int digits = 0;

    if (!dot)
        return 0;
    for (const char *p = dot + 1; *p >= '0' && *p <= '9'; p++)
        digits++, u /= 10;
    return digits ? u : 0;
}

/* The expected value of row r; 0 in *ok when a cell has no number. *slack:
 * how far the printed factors' rounding can move it (each factor's half
 * unit times the other factor), so a slip of a few rupees on a large line
 * is still caught while a weight printed to the gram is not blamed. */
static double expected(const struct doc_table *t, const struct formula *f, size_t r, int *ok,
                       double *slack)
{
    double x = cell_num(t, r, f->x, ok), y = cell_num(t, r, f->y, ok);
    double m = f->m >= 0 ? cell_num(t, r, f->m, ok) : 0;
    double hx = half_unit(t, r, f->x), hy = half_unit(t, r, f->y);
    double hm = f->m >= 0 ? half_unit(t, r, f->m) : 0;

    switch (f->shape) {
    case PLUS_MAKING:
        *slack = hx * fabs(y) + hy * fabs(x) + hm;
        return x * y + m;
    case PER_GRAM_MAKING:
        *slack = hx * fabs(y + m) + (hy + hm) * fabs(x);
        return x * (y + m);
    default:
        *slack = hx * fabs(y) + hy * fabs(x);
        return x * y;
    }
}

static void evaluate(const struct doc_table *t, const struct cols *c, struct formula *f, double tol)
{
    f->hold = f->fail = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        int ok = 1;
        double slack, e = expected(t, f, r, &ok, &slack), k = cell_num(t, r, f->k, &ok);
        if (!ok || e == 0)
            continue;
        if (doc__close(e, k, tol + slack))
            f->hold++;
        else
            f->fail++;
    }
    enum doc_role rx = c->role[f->x], ry = c->role[f->y];
    /* a tax column beside a plain amount column is no line amount by its
     * name ("Tax Amount" next to "Net Amount" and "Total Amount") */
    f->named = c->role[f->k] == DOC_R_AMOUNT && !(c->tax[f->k] && c->plain_amount) &&
               (((rx == DOC_R_QTY || rx == DOC_R_WEIGHT) && ry == DOC_R_RATE) ||
                ((ry == DOC_R_QTY || ry == DOC_R_WEIGHT) && rx == DOC_R_RATE)) &&
               (f->m < 0 || c->role[f->m] == DOC_R_MAKING ||
                (f->shape == PLUS_MAKING && c->tax[f->m]));
}

static int acceptable(const struct formula *f)
{
    size_t n = f->hold + f->fail;

    if (f->named)
        return n > 0 && !(f->hold == 0 && n >= 3);
    return f->hold >= 2 && f->hold * 10 >= n * 6;
}

/* Is a better than b for the same target? */
static int better(const struct cols *c, const struct formula *a, const struct formula *b)
{
    if (a->hold != b->hold)
        return a->hold > b->hold;
    if (a->named != b->named)
        return a->named;
    if (a->named && (a->m >= 0) != (b->m >= 0)) /* named making column: use it */
        return a->m >= 0;
    if (c->gross[a->x] != c->gross[b->x])
        return !c->gross[a->x];
    return a->shape < b->shape;
}

static void consider(const struct doc_table *t, const struct cols *c, struct formula *cand,
                     struct formula *best, double tol)
{
    evaluate(t, c, cand, tol);
    if (acceptable(cand) && (best->k < 0 || better(c, cand, best)))
        *best = *cand;
}

/* The shapes with a third column m = xymk[2]: weight x rate + making, weight
 * x (rate + making per gram); and qty x rate + the line's tax (a "Total"
 * column that includes it, "Unit Price x Qty + Tax Amount"). */
static void plus_making(const struct doc_table *t, const struct cols *c, const int *xymk,
                        struct formula *best, double tol)
{
    int x = xymk[0], y = xymk[1], m = xymk[2], k = xymk[3];

    if (m == x || m == y || m == k || c->weightish[m])
        return;
    if (c->weightish[x]) {
        consider(t, c, &(struct formula){PLUS_MAKING, x, y, m, k, 0, 0, 0}, best, tol);
        consider(t, c, &(struct formula){PER_GRAM_MAKING, x, y, m, k, 0, 0, 0}, best, tol);
    } else if (c->tax[m] && !c->tax[k]) {
        consider(t, c, &(struct formula){PLUS_MAKING, x, y, m, k, 0, 0, 0}, best, tol);
    }
}

/* The best acceptable formula whose target is column k (best->k = -1: none). */
static void best_for(const struct doc_table *t, const struct cols *c, int k, double tol,
                     struct formula *best)
{
    best->k = -1;
    if ((c->role[k] != DOC_R_AMOUNT && c->role[k] != DOC_R_NONE) || c->weightish[k])
        return;
    for (size_t i = 0; i < c->nnum; i++)
        for (size_t j = 0; j < c->nnum; j++) {
            int x = c->num[i], y = c->num[j];
            /* an amount is no factor ("Qty x Taxable Value" is no line) */
            if (x == k || y == k || x == y || c->role[x] == DOC_R_AMOUNT ||
                c->role[y] == DOC_R_AMOUNT)
                continue;
            if (i < j)
                consider(t, c, &(struct formula){PRODUCT, x, y, -1, k, 0, 0, 0}, best, tol);
            if (c->weightish[y] || (!c->weightish[x] && i > j))
                continue;
            for (size_t l = 0; l < c->nnum; l++)
                plus_making(t, c, (int[]){x, y, c->num[l], k}, best, tol);
        }
}

static enum kr_code flag_rows(const struct doc_table *t, const struct cols *c,
                              const struct formula *f, double tol, struct doc_warnings *out)
{
    int weight = c->weightish[f->x] || c->weightish[f->y] || f->shape == PER_GRAM_MAKING ||
                 (f->shape == PLUS_MAKING && !c->tax[f->m]);

    for (size_t r = 0; r < t->nrows; r++) {
        int ok = 1;
        double slack, e = expected(t, f, r, &ok, &slack), k = cell_num(t, r, f->k, &ok);
        struct doc_warning *w;
        if (!ok || e == 0 || doc__close(e, k, tol + slack))
            continue;
        if (!(w = doc__warn(out, weight ? DOC_W_LINE_WEIGHT : DOC_W_LINE_AMOUNT, (long)r, f->k)))
            return KR_ENOMEM;
        w->expected = e;
        w->found = k;
        if (f->shape == PER_GRAM_MAKING)
            snprintf(w->msg, sizeof w->msg,
                     "row %zu: %.40s x (%.40s + %.40s) = %.2f, but %.40s "
                     "is %.2f",
                     r + 1, t->headers[f->x], t->headers[f->y], t->headers[f->m], e,
                     t->headers[f->k], k);
        else if (f->shape == PLUS_MAKING)
            snprintf(w->msg, sizeof w->msg,
                     "row %zu: %.40s x %.40s + %.40s = %.2f, but %.40s "
                     "is %.2f",
                     r + 1, t->headers[f->x], t->headers[f->y], t->headers[f->m], e,
                     t->headers[f->k], k);
        else
            snprintf(w->msg, sizeof w->msg, "row %zu: %.40s x %.40s = %.2f, but %.40s is %.2f",
                     r + 1, t->headers[f->x], t->headers[f->y], e, t->headers[f->k], k);
    }
    return KR_OK;
}

/* The line formulas' warnings; *amount_col = the column of line amounts. */
static enum kr_code check_lines(const struct doc_table *t, double tol, struct doc_warnings *out,
                                long *amount_col)
{
    struct cols c;
    struct formula best;
    size_t best_hold = 0;

    find_columns(t, &c);
    *amount_col = -1;
    for (size_t i = 0; i < c.nnum; i++) {
        best_for(t, &c, c.num[i], tol, &best);
        if (best.k < 0)
            continue;
        /* a tie goes to the line's total with its tax ("Total Amount" over
         * "Net Amount": the bill's total sums those) */
        if (*amount_col < 0 || best.hold > best_hold ||
            (best.hold == best_hold && best.m >= 0 && c.tax[best.m])) {
            *amount_col = best.k;
            best_hold = best.hold;
        }
        if (flag_rows(t, &c, &best, tol, out))
            return KR_ENOMEM;
    }
    for (size_t i = c.nnum; *amount_col < 0 && i > 0; i--) /* no formula: the last named one */
        if (c.role[c.num[i - 1]] == DOC_R_AMOUNT)
            *amount_col = c.num[i - 1];
    return KR_OK;
}

static enum kr_code check_confidence(const struct doc_table *t, int min_conf,
                                     struct doc_warnings *out)
{
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t col = 0; col < t->ncols; col++) {
            const struct doc_cell *cell = doc_cell_at(t, r, col);
            struct doc_warning *w;
            if (cell->conf < 0 || cell->conf >= min_conf)
                continue;
            if (!(w = doc__warn(out, DOC_W_LOW_CONFIDENCE, (long)r, (long)col)))
                return KR_ENOMEM;
            w->conf = cell->conf;
            snprintf(w->msg, sizeof w->msg, "row %zu: %.40s \"%.60s\" was read with confidence %d",
                     r + 1, t->headers[col], cell->text, cell->conf);
        }
    return KR_OK;
}

/* A note on what doc_fix_ocr() put right: at row/col, or (col -1) on the
 * extra named what; not arithmetic, so neither expected nor found. */
static int note_corrected(struct doc_warnings *out, long row, long col, const char *what,
                          const char *read_as, const char *now)
{
    struct doc_warning *w = doc__warn(out, DOC_W_CORRECTED, row, col);

    if (!w)
        return -1;
    if (col < 0)
        snprintf(w->key, sizeof w->key, "%s", what);
    snprintf(w->msg, sizeof w->msg,
             "%.60s was read as \"%.40s\" and taken as \"%.40s\": a \"\xe2\x82\xb9\" read as "
             "\"%c\" (check it on the bill)",
             what, read_as, now, read_as[0]);
    return 0;
}

static enum kr_code check_corrected(const struct doc_table *t, struct doc_warnings *out)
{
    char what[96];

    for (size_t r = 0; r < t->nrows; r++)
        for (size_t col = 0; col < t->ncols; col++) {
            const struct doc_cell *cell = doc_cell_at(t, r, col);
            if (!cell->read_as)
                continue;
            snprintf(what, sizeof what, "row %zu: %.60s", r + 1, t->headers[col]);
            if (note_corrected(out, (long)r, (long)col, what, cell->read_as, cell->text))
                return KR_ENOMEM;
        }
    for (size_t i = 0; i < t->nextras; i++)
        if (t->extras[i].read_as &&
            note_corrected(out, -1, -1, t->extras[i].key, t->extras[i].read_as,
                           t->extras[i].value))
            return KR_ENOMEM;
    return KR_OK;
}

enum kr_code doc_check(const struct doc_table *t, const struct doc_check_opts *o,
                       struct doc_warnings *out, struct kr_err *err)
{
    long amount_col = -1;
    enum kr_code rc;

    if (check_lines(t, o->tolerance, out, &amount_col) || check_confidence(t, o->min_conf, out) ||
        check_corrected(t, out))
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    if ((rc = doc__check_extras(t, o, amount_col, out, err)))
        return rc;
    return KR_OK;
}

/* "read_as" (the OCR's reading) and "value" (as corrected) of a note. */
static void corrected_json(const struct doc_table *t, const struct doc_warning *x, json_t *o)
{
    const char *read_as = NULL, *now = NULL;

    if (x->col >= 0 && (size_t)x->col < t->ncols && x->row >= 0 && (size_t)x->row < t->nrows) {
        read_as = doc_cell_at(t, (size_t)x->row, (size_t)x->col)->read_as;
        now = doc_cell_at(t, (size_t)x->row, (size_t)x->col)->text;
    }
    for (size_t i = 0; x->col < 0 && !read_as && i < t->nextras; i++)
        if (t->extras[i].read_as && !strcmp(t->extras[i].key, x->key)) {
            read_as = t->extras[i].read_as;
            now = t->extras[i].value;
        }
    if (read_as) {
        json_object_set_new(o, "read_as", json_string(read_as));
        json_object_set_new(o, "value", json_string(now));
    }
}

json_t *doc_warnings_json(const struct doc_table *t, const struct doc_warnings *w)
{
    json_t *a = json_array();

    for (size_t i = 0; a && i < w->n; i++) {
        const struct doc_warning *x = &w->w[i];
        json_t *o = json_object();
        json_object_set_new(o, "kind", json_string(doc_warn_name(x->kind)));
        json_object_set_new(o, "row", x->row >= 0 ? json_integer(x->row) : json_null());
        if (x->col >= 0 && (size_t)x->col < t->ncols)
            json_object_set_new(o, "column", json_string(t->headers[x->col]));
        else
            json_object_set_new(o, "extra", json_string(x->key));
        if (x->kind == DOC_W_LOW_CONFIDENCE) {
            json_object_set_new(o, "confidence", json_integer(x->conf));
        } else if (x->kind == DOC_W_CORRECTED) {
            corrected_json(t, x, o);
        } else {
            json_object_set_new(o, "expected", json_real(round(x->expected * 100) / 100));
            json_object_set_new(o, "found", json_real(round(x->found * 100) / 100));
        }
        json_object_set_new(o, "message", json_string(x->msg));
        json_array_append_new(a, o);
    }
    return a;
}
