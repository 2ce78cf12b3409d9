/*
 * ocr_layout.c - one page's lines and segments -> header, rows, extras.
 *
 * The header is the line (no digits in most segments, no "key:" shape)
 * whose segments best explain the lines below it: every later segment that
 * lines up with one of its segments (overlap, or left/right/centre edges
 * within two word heights) scores a point. Lines starting "key: value" do
 * not score (they are extras), and a candidate's scoring stops at a wider
 * candidate further down (more segments, and not its own digit-free second
 * or third line), so a letterhead ("amazon.in" "Tax Invoice") or a row of
 * field labels over their values above the real header is not taken for it. Lines right below it with no
 * digits and no rule between are the header's second and third lines
 * ("CPT /" "HCPCS" "Code"). Body segments are then assigned to the column
 * they overlap most, or whose edge they line up with. A body line with
 * one cell (or a third of the columns at most), all text, close to the line
 * above and no rule between, continues the row above (multi-line cells);
 * otherwise a lone text phrase in a wide table is a group title
 * ("LABORATORY-GENERAL") and is left out, as the original's output does.
 * The table ends at a total line (Total, Sub Total, Grand Total, कुल,
 * Amount Payable...): it and every line below are extras, as are
 * "key: value" lines above the header.
 *
 * A PDF's later page whose table goes on without repeating the header
 * (a long bill printed over pages) is read with the columns of the last
 * header found (struct ocr__carry): its "key: value" lines are extras and
 * its other lines rows, up to a total line. Without a carried header such
 * a page adds only extras, as before.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ocr/ocr_int.h"

static int has_digit(const char *s)
{
    for (; *s; s++)
        if (isdigit((unsigned char)*s))
            return 1;
    return 0;
}

static int is_kv(const char *s)
{
    const char *c = strchr(s, ':');
    return c && (c[1] == 0 || c[1] == ' ');
}

static int is_total(const struct ocr__lines *L, const struct ocr__line *l)
{
    static const char *const words[] = {"total", "grand total", "sub total", "subtotal",
                                        "amount payable", "net payable", "balance due",
                                        "\xe0\xa4\x95\xe0\xa5\x81\xe0\xa4\xb2", NULL};
    for (size_t i = 0; i < l->n && i < 3; i++)
        for (const char *const *w = words; *w; w++)
            if (strcasestr(L->seg[l->first + i].text, *w))
                return 1;
    return 0;
}

static int header_candidate(const struct ocr__lines *L, const struct ocr__line *l)
{
    size_t digits = 0;
    if (l->n < 2)
        return 0;
    for (size_t i = 0; i < l->n; i++) {
        const char *t = L->seg[l->first + i].text;
        if (is_kv(t))
            return 0;
        digits += has_digit(t);
    }
    return digits * 3 <= l->n;
}

/* Column of segment s among the header columns h[0..n), or -1. */
static int match_col(const struct ocr__seg *h, size_t n, const struct ocr__seg *s, int tol)
{
    int best = -1, best_ov = 0, best_d = tol + 1;
    for (size_t j = 0; j < n; j++) {
        int a = s->x0 > h[j].x0 ? s->x0 : h[j].x0, b = s->x1 < h[j].x1 ? s->x1 : h[j].x1;
        if (b - a > best_ov) {
            best_ov = b - a;
            best = (int)j;
        }
    }
    if (best >= 0)
        return best;
    for (size_t j = 0; j < n; j++) {
        int dl = abs(s->x0 - h[j].x0), dr = abs(s->x1 - h[j].x1);
        int dc = abs((s->x0 + s->x1) - (h[j].x0 + h[j].x1)) / 2;
        int d = dl < dr ? dl : dr;
        d = dc < d ? dc : d;
        if (d < best_d) {
            best_d = d;
            best = (int)j;
        }
    }
    return best;
}

static int rule_between(const struct ocr__page *p, int a, int b)
{
    for (size_t i = 0; i < p->nh; i++)
        if (p->hrules[i] >= a && p->hrules[i] <= b)
            return 1;
    return 0;
}

static size_t find_header(const struct ocr__lines *L, size_t *score_out)
{
    size_t best = (size_t)-1, best_score = 0;
    for (size_t i = 0; i < L->nline; i++) {
        const struct ocr__line *h = &L->line[i];
        if (!header_candidate(L, h) || is_total(L, h))
            continue;
        size_t score = 0;
        int body = 0; /* a line with digits seen: no more header continuation lines */
        for (size_t k = i + 1; k < L->nline && !is_total(L, &L->line[k]); k++) {
            const struct ocr__line *l = &L->line[k];
            size_t m = 0;
            /* a wider header further down starts the table: this line (a
             * letterhead, "amazon.in  Tax Invoice", or a row of field labels
             * over their values) explains nothing past it */
            if ((body || k > i + 2) && l->n > h->n && header_candidate(L, l))
                break;
            for (size_t s = 0; s < l->n && !body; s++)
                body = has_digit(L->seg[l->first + s].text);
            if (is_kv(L->seg[l->first].text)) /* "Order Number: ..." is an extra */
                continue;
            for (size_t s = 0; s < l->n; s++)
                m += match_col(L->seg + h->first, h->n, &L->seg[l->first + s], 2 * L->h) >= 0;
            if (m >= 2)
                score += m;
        }
        if (score > best_score) {
            best_score = score;
            best = i;
        }
    }
    *score_out = best_score;
    return best;
}

/* ---- output ------------------------------------------------------------ */

static enum kr_code add_extra(struct ocr_table *t, const char *k, size_t kn, const char *v,
                              struct kr_err *err)
{
    while (kn && (k[kn - 1] == ':' || k[kn - 1] == ' '))
        kn--;
    while (*v == ' ' || *v == ':')
        v++;
    size_t words = 1;
    for (size_t i = 0; i < kn; i++)
        words += k[i] == ' ';
    if (!kn || !*v || words > 4) /* a sentence with a colon in it is not a field */
        return KR_OK;
    struct ocr_extra *ne = realloc(t->extras, (t->nextras + 1) * sizeof *ne);
    if (!ne)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: extras");
    t->extras = ne;
    ne[t->nextras].key = strndup(k, kn);
    ne[t->nextras].value = strdup(v);
    if (!ne[t->nextras].key || !ne[t->nextras].value) {
        free(ne[t->nextras].key);
        free(ne[t->nextras].value);
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: extras");
    }
    t->nextras++;
    return KR_OK;
}

/* "Key: value" segments; below the table also "Key ... value" (last segment). */
static enum kr_code line_extras(const struct ocr__lines *L, const struct ocr__line *l, int below,
                                struct ocr_table *t, struct kr_err *err)
{
    enum kr_code rc = KR_OK;
    int any = 0;
    for (size_t i = 0; i < l->n && !rc; i++) {
        const char *s = L->seg[l->first + i].text, *c = strchr(s, ':');
        if (!c || !is_kv(s))
            continue;
        any = 1;
        if (c[1] == 0 && i + 1 < l->n)
            rc = add_extra(t, s, (size_t)(c - s), L->seg[l->first + ++i].text, err);
        else
            rc = add_extra(t, s, (size_t)(c - s), c + 1, err);
    }
    if (rc || any || !below || l->n < 2 || !has_digit(L->seg[l->first + l->n - 1].text))
        return rc; /* below the table a line without a colon is "label ... amount" */
    char key[512] = "";
    for (size_t i = 0; i + 1 < l->n; i++) {
        if (i)
            strncat(key, " ", sizeof key - strlen(key) - 1);
        strncat(key, L->seg[l->first + i].text, sizeof key - strlen(key) - 1);
    }
    return add_extra(t, key, strlen(key), L->seg[l->first + l->n - 1].text, err);
}

static enum kr_code cell_join(struct ocr_cell *c, const struct ocr__seg *s, struct kr_err *err)
{
    size_t a = c->text ? strlen(c->text) : 0, b = strlen(s->text);
    char *t = realloc(c->text, a + b + 2);
    if (!t)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: cell");
    if (a)
        t[a++] = ' ';
    memcpy(t + a, s->text, b + 1);
    c->text = t;
    c->conf = (a == 0 || s->conf < c->conf) ? s->conf : c->conf;
    return KR_OK;
}

static enum kr_code new_row(struct ocr_table *t, struct kr_err *err)
{
    struct ocr_cell *nc = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof *nc);
    if (!nc)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: rows");
    t->cells = nc;
    memset(nc + t->nrows * t->ncols, 0, t->ncols * sizeof *nc);
    for (size_t i = 0; i < t->ncols; i++) /* a blank cell was read by nothing: no confidence */
        nc[t->nrows * t->ncols + i].conf = -1;
    t->nrows++;
    return KR_OK;
}

/* ---- the page ----------------------------------------------------------- */

struct body {
    const struct ocr__page *p;
    const struct ocr__lines *L;
    struct ocr__seg *cols; /* header segments, widened by continuation lines */
    size_t ncols;
    int prev_y1;     /* bottom of the previous body line, -1 none */
    size_t row_base; /* first row this page added */
};

static int continues(const struct body *b, const struct ocr__line *l, const int *col)
{
    size_t filled = 0;
    if (b->prev_y1 < 0)
        return 0;
    for (size_t i = 0; i < l->n; i++) {
        if (has_digit(b->L->seg[l->first + i].text))
            return 0;
        filled += col[i] >= 0;
    }
    size_t lim = b->ncols / 3 ? b->ncols / 3 : 1;
    return filled <= lim && l->y0 - b->prev_y1 < b->L->h * 9 / 10 &&
           !rule_between(b->p, b->prev_y1, l->y0);
}

/* A token made of digits with currency signs and separators only ("1", "$86.00", "2,579.90"). */
static int numeric_token(const char *s)
{
    int digits = 0;
    if (!strncmp(s, "\xe2\x82\xb9", 3)) /* ₹ */
        s += 3;
    for (; *s; s++) {
        if (isdigit((unsigned char)*s))
            digits++;
        else if (!strchr("$.,-/%", *s))
            return 0;
    }
    return digits > 0;
}

/* One or two phrases, none of them a number, across a table of four or more
 * columns: a group title ("LABORATORY-GENERAL"), not a line item. */
static int section_title(const struct body *b, const struct ocr__line *l)
{
    if (b->ncols < 4 || l->n > 2)
        return 0;
    for (size_t i = 0; i < l->n; i++) {
        const char *t = b->L->seg[l->first + i].text, *sp;
        if (numeric_token(t))
            return 0;
        for (sp = t; (sp = strchr(sp, ' ')); sp++)
            if (numeric_token(sp + 1))
                return 0;
    }
    return 1;
}

static enum kr_code body_line(struct body *b, const struct ocr__line *l, struct ocr_table *t,
                              struct kr_err *err)
{
    int col[64];
    size_t n = l->n < 64 ? l->n : 64;
    enum kr_code rc;
    for (size_t i = 0; i < n; i++)
        col[i] = match_col(b->cols, b->ncols, &b->L->seg[l->first + i], 4 * b->L->h);
    int cont = t->nrows > b->row_base && continues(b, l, col);
    if (!cont && section_title(b, l)) {
        b->prev_y1 = -1; /* "LABORATORY-GENERAL": a group title, not a line item */
        return KR_OK;
    }
    if (!cont && (rc = new_row(t, err)))
        return rc;
    struct ocr_cell *row = t->cells + (t->nrows - 1) * t->ncols;
    for (size_t i = 0; i < n; i++)
        if (col[i] >= 0 && (rc = cell_join(&row[col[i]], &b->L->seg[l->first + i], err)))
            return rc;
    b->prev_y1 = l->y1;
    return KR_OK;
}

/* Header line h plus its continuation lines; returns the first body line. */
static size_t header_cols(const struct ocr__page *p, const struct ocr__lines *L, size_t h,
                          struct ocr__seg *cols, size_t *ncols)
{
    const struct ocr__line *hl = &L->line[h];
    *ncols = hl->n < 64 ? hl->n : 64;
    for (size_t i = 0; i < *ncols; i++) {
        cols[i] = L->seg[hl->first + i];
        cols[i].text = strdup(cols[i].text);
    }
    size_t k = h + 1;
    for (int prev_y1 = hl->y1; k < L->nline && k < h + 3; k++) {
        const struct ocr__line *l = &L->line[k];
        if (l->y0 - prev_y1 > L->h * 7 / 10 || rule_between(p, prev_y1, l->y0))
            break;
        int ok = 1;
        for (size_t s = 0; s < l->n && ok; s++)
            ok = !has_digit(L->seg[l->first + s].text) &&
                 match_col(cols, *ncols, &L->seg[l->first + s], L->h) >= 0;
        if (!ok)
            break;
        for (size_t s = 0; s < l->n; s++) {
            int c = match_col(cols, *ncols, &L->seg[l->first + s], L->h);
            struct ocr_cell tmp = {cols[c].text, 0};
            if (cell_join(&tmp, &L->seg[l->first + s], NULL) == KR_OK)
                cols[c].text = tmp.text;
        }
        prev_y1 = l->y1;
    }
    return k;
}

static enum kr_code set_headers(struct ocr_table *t, struct ocr__seg *cols, size_t ncols,
                                struct kr_err *err)
{
    if (t->ncols) /* a later page: its header repeats the first page's */
        return KR_OK;
    if (!(t->headers = calloc(ncols, sizeof(char *))))
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: headers");
    for (size_t i = 0; i < ncols; i++) {
        t->headers[i] = cols[i].text ? cols[i].text : strdup("");
        cols[i].text = NULL;
        if (!t->headers[i])
            return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: headers");
    }
    t->ncols = ncols;
    return KR_OK;
}

void ocr__carry_free(struct ocr__carry *c)
{
    for (size_t i = 0; i < c->ncols; i++)
        free(c->cols[i].text);
    c->ncols = 0;
}

/* Remember this page's header columns for the pages after it. */
static void carry_keep(struct ocr__carry *c, const struct ocr__seg *cols, size_t ncols)
{
    ocr__carry_free(c);
    for (size_t i = 0; i < ncols; i++) {
        c->cols[i] = cols[i];
        c->cols[i].text = strdup(cols[i].text ? cols[i].text : "");
        if (!c->cols[i].text) { /* out of memory: carry nothing */
            c->ncols = i;
            ocr__carry_free(c);
            return;
        }
    }
    c->ncols = ncols;
}

/* A page with no header of its own continuing the carried table. */
static enum kr_code continuation(const struct ocr__page *p, struct ocr__lines *L,
                                 struct ocr__carry *c, struct ocr_table *t, struct kr_err *err)
{
    struct body b = {p, L, c->cols, c->ncols, -1, t->nrows};
    enum kr_code rc = KR_OK;
    size_t k = 0;

    for (; k < L->nline && !is_total(L, &L->line[k]) && !rc; k++) {
        const struct ocr__line *l = &L->line[k];
        rc = l->n == 1 && is_kv(L->seg[l->first].text) ? line_extras(L, l, 0, t, err)
                                                        : body_line(&b, l, t, err);
    }
    for (; k < L->nline && !rc; k++)
        rc = line_extras(L, &L->line[k], 1, t, err);
    return rc;
}

enum kr_code ocr__layout(const struct ocr__page *p, struct ocr_table *t, struct ocr__carry *carry,
                         struct kr_err *err)
{
    struct ocr__lines L;
    struct ocr__seg cols[64];
    size_t ncols = 0, score = 0, h, k;
    enum kr_code rc = ocr__lines_build(p, &L, err);
    if (rc)
        return rc;
    h = find_header(&L, &score);
    if ((h == (size_t)-1 || score < 2) && carry && carry->ncols && carry->ncols == t->ncols) {
        rc = continuation(p, &L, carry, t, err);
        goto out;
    }
    for (size_t i = 0; i < L.nline && i < h && !rc; i++)
        rc = line_extras(&L, &L.line[i], 0, t, err);
    if (rc || h == (size_t)-1 || score < 2)
        goto out;
    k = header_cols(p, &L, h, cols, &ncols);
    if (t->ncols && t->ncols != ncols) {
        rc = KR_OK; /* a different table on a later page: its rows are not ours */
        goto out;
    }
    if ((rc = set_headers(t, cols, ncols, err)))
        goto out;
    if (carry)
        carry_keep(carry, cols, ncols);
    struct body b = {p, &L, cols, ncols, -1, t->nrows};
    for (; k < L.nline && !is_total(&L, &L.line[k]) && !rc; k++)
        rc = body_line(&b, &L.line[k], t, err);
    for (; k < L.nline && !rc; k++)
        rc = line_extras(&L, &L.line[k], 1, t, err);
out:
    for (size_t i = 0; i < ncols; i++)
        free(cols[i].text);
    ocr__lines_free(&L);
    return rc;
}
