/*
 * fix.c - a "₹" the OCR read as a digit, put right where a person would.
 *
 * Tesseract's English data has no rupee sign. A clear "₹" reads as "%" (put
 * right in ocr/), a soft one as "2", "3" or "Z" glued to the amount:
 * "₹1,533.39" comes back as "21,533.39", "₹499.65" as "2499.65". Left alone,
 * the arithmetic checks then fire on a correct bill (the line, the sub total,
 * the taxes and the grand total around it). A person reading the bill would
 * not be fooled, and for the same reasons this file is not. Only a bill that
 * is Indian by its own evidence (a "₹", a lakh-grouped "1,02,226.25", GST or
 * HSN in a key or header) is touched, and only a string with no "₹" that
 * starts with a glyph "₹" is misread as ("2", "3", "Z") and is a number
 * without it. Such a string is put right when
 *   1. the glyph itself cannot be what is printed: a letter ("Z75,826.84" is
 *      no number); or, on a bill that shows "₹" or lakh grouping, digits
 *      grouped as no Indian amount is that become so without it
 *      ("275,826.84": a lakh grouping's first group has one or two digits;
 *      a bill known Indian by its GST words alone may print western
 *      grouping, so there only rule 2 applies); or
 *   2. a "₹" stands there on the print's evidence - the other cells of its
 *      column show one (for an extra: another total does), a "₹" misread by
 *      its grouping counting as shown, or its own grouping says so - and
 *      the bill's arithmetic has fewer failures with the value without the
 *      glyph than with it (qty x rate = amount, weight x rate + making =
 *      amount, the sum of the lines = the sub total, the taxes, the grand
 *      total: doc_check). This pass runs again while it corrects anything
 *      (a CGST and the grand total both misread mend together).
 * So a wrong amount that merely starts with a stray digit stays as read and
 * is warned about when its column prints no "₹", when its "₹" was read (it
 * has one), or when dropping the digit mends nothing. Only OCR'd tables are
 * touched (a cell confidence >= 0; a PDF's text layer is exact). The
 * correction stays visible: the cell (or extra) keeps what was read in
 * read_as, and doc_check reports it as an "ocr_corrected" note on that cell.
 * Cost: one doc_check per candidate of rule 2 (the failure count of the
 * table as it stands is carried from trial to trial, a kept fix's count
 * becoming it), plus one; at most MAX_TRIALS candidates per bill. A
 * failing doc_check (out of memory) is returned with its own kr_err.
 */
#include "doc/doc_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define RUPEE        "\xe2\x82\xb9"
#define MAX_TRIALS   64 /* arithmetic trials per bill (one doc_check each) */
#define MISREAD_AS   "23Zz"

/* s is digits in Indian grouping with at least one comma ("1,23,456.50");
 * anything after the number but a ".dd" fails. */
static int indian_grouped(const char *s)
{
    size_t n = 0;

    while (isdigit((unsigned char)s[n]))
        n++;
    if (n < 1 || n > 2 || s[n] != ',')
        return 0;
    s += n;
    for (;;) {
        if (s[0] != ',' || !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[2]))
            return 0;
        if (isdigit((unsigned char)s[3])) { /* ",ddd": the last group */
            s += 4;
            break;
        }
        s += 3;
    }
    if (*s == '.')
        return isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2]) && !s[3];
    return !*s;
}

/* Could s be an amount whose "₹" was read as its first glyph? */
static int candidate(const char *s)
{
    struct doc_value v;

    if (!s || !s[0] || !strchr(MISREAD_AS, s[0]) || !isdigit((unsigned char)s[1]) ||
        strstr(s, RUPEE))
        return 0;
    doc_parse_value(s + 1, &v);
    return v.kind == DOC_NUMBER || v.kind == DOC_MONEY;
}

/* The glyph is no digit ("Z75,826.84"). */
static int letter_glyph(const char *s)
{
    return !isdigit((unsigned char)s[0]);
}

/* Digits grouped as no Indian amount is that become so without the first
 * ("275,826.84": a lakh grouping's first group has one or two digits). */
static int grouping_glyph(const char *s)
{
    return !indian_grouped(s) && indian_grouped(s + 1);
}

/* Does s show a "₹", or a "₹" misread by its grouping? */
static int shows_rupee(const char *s)
{
    return strstr(s, RUPEE) || (candidate(s) && grouping_glyph(s));
}

/* A rupee sign or a lakh-grouped number (",dd," in digits) in s. */
static int indian_text(const char *s)
{
    if (strstr(s, RUPEE))
        return 1;
    for (; *s; s++)
        if (isdigit((unsigned char)s[0]) && s[1] == ',' && isdigit((unsigned char)s[2]) &&
            isdigit((unsigned char)s[3]) && s[4] == ',' && isdigit((unsigned char)s[5]))
            return 1;
    return 0;
}

/* GST words in a key or header: "CGST 1.5%", "GSTIN", "HSN". */
static int indian_key(const char *s)
{
    return strcasestr(s, "gst") || strcasestr(s, "hsn");
}

/* Is the bill Indian by its own evidence? strong: a "₹" or a lakh-grouped
 * number on it (then its amounts use Indian grouping, and a grouping that
 * is not Indian is a misread glyph); else 1 for GST or HSN words alone
 * (Indian, but such a bill may print western grouping: only the
 * arithmetic may then correct). */
static int bill_is_indian(const struct doc_table *t, int strong)
{
    for (size_t i = 0; i < t->nextras; i++)
        if (indian_text(t->extras[i].value) || (!strong && indian_key(t->extras[i].key)))
            return 1;
    for (size_t c = 0; !strong && c < t->ncols; c++)
        if (indian_key(t->headers[c]))
            return 1;
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        if (indian_text(t->cells[i].text))
            return 1;
    return 0;
}

/* Do most of the other non-blank cells of column col print "₹" (or show a
 * misread one)? */
static int column_prints_rupee(const struct doc_table *t, size_t row, size_t col)
{
    size_t filled = 0, rupee = 0;

    for (size_t r = 0; r < t->nrows; r++) {
        const char *s = doc_cell_at(t, r, col)->text;
        if (r == row || !s[0])
            continue;
        filled++;
        rupee += shows_rupee(s);
    }
    return rupee && rupee * 2 >= filled;
}

/* Does another extra print "₹" (the totals are printed alike: a misread
 * one may be among them)? */
static int extras_print_rupee(const struct doc_table *t, size_t idx)
{
    for (size_t i = 0; i < t->nextras; i++)
        if (i != idx && shows_rupee(t->extras[i].value))
            return 1;
    return 0;
}

/* The arithmetic warnings doc_check raises on t into *n; doc_check's
 * failure (out of memory) with its own err. */
static enum kr_code failures(const struct doc_table *t, const struct doc_check_opts *o, long *n,
                             struct kr_err *err)
{
    struct doc_warnings w = {0};
    enum kr_code rc;

    *n = 0;
    if ((rc = doc_check(t, o, &w, err)))
        goto out;
    for (size_t i = 0; i < w.n; i++)
        *n += w.w[i].kind != DOC_W_LOW_CONFIDENCE && w.w[i].kind != DOC_W_CORRECTED;
out:
    doc_warnings_free(&w);
    return rc;
}

/* One string (a cell's text or an extra's value) that may be fixed. */
struct spot {
    char **text;
    char **read_as;
    struct doc_value *v; /* the cell's parsed value; NULL for an extra */
};

/* Put "₹" for the first glyph of *s->text; the old text into read_as. */
static int swap_in(const struct spot *s)
{
    const char *old = *s->text;
    size_t n = strlen(old);
    char *fixed = malloc(n + sizeof RUPEE);

    if (!fixed)
        return -1;
    memcpy(fixed, RUPEE, sizeof RUPEE - 1);
    memcpy(fixed + sizeof RUPEE - 1, old + 1, n);
    *s->read_as = *s->text;
    *s->text = fixed;
    if (s->v)
        doc_parse_value(fixed, s->v);
    return 0;
}

static void swap_back(const struct spot *s)
{
    free(*s->text);
    *s->text = *s->read_as;
    *s->read_as = NULL;
    if (s->v)
        doc_parse_value(*s->text, s->v);
}

/* What pass 2 carries from trial to trial: the doc_check failure count of
 * the table as it stands (-1: not counted yet; a trial swapped back leaves
 * the table and so its count unchanged, a kept one brings its own count),
 * the trials made (MAX_TRIALS at most) and the fixes kept. */
struct trial_state {
    const struct doc_check_opts *o;
    long failing;
    int trials;
    int fixed;
};

/* Fix s when the bill's arithmetic has fewer failures with the fix than
 * without it. */
static enum kr_code try_fix(struct doc_table *t, struct trial_state *st, const struct spot *s,
                            struct kr_err *err)
{
    long after;
    enum kr_code rc;

    if (st->trials >= MAX_TRIALS)
        return KR_OK;
    st->trials += 1;
    if (st->failing < 0 && (rc = failures(t, st->o, &st->failing, err)))
        return rc;
    if (st->failing == 0)
        return KR_OK; /* nothing fails: nothing to mend */
    if (swap_in(s))
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    if ((rc = failures(t, st->o, &after, err))) {
        swap_back(s); /* never a half-tried fix in the table */
        return rc;
    }
    if (after >= st->failing) {
        swap_back(s);
        return KR_OK;
    }
    st->failing = after; /* the table now has the fix */
    st->fixed++;
    return KR_OK;
}

/* Pass 1 (the glyph alone): every candidate whose first glyph is a letter,
 * or (strong: the bill shows "₹" or lakh grouping) whose grouping is wrong. */
static int fix_glyphs(struct doc_table *t, int strong)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++) {
        struct doc_cell *c = &t->cells[i];
        if (c->conf >= 0 && !c->read_as && candidate(c->text) &&
            (letter_glyph(c->text) || (strong && grouping_glyph(c->text))) &&
            swap_in(&(struct spot){&c->text, &c->read_as, &c->v}))
            return -1;
    }
    for (size_t i = 0; i < t->nextras; i++) {
        struct doc_extra *x = &t->extras[i];
        if (!x->read_as && candidate(x->value) &&
            (letter_glyph(x->value) || (strong && grouping_glyph(x->value))) &&
            swap_in(&(struct spot){&x->value, &x->read_as, NULL}))
            return -1;
    }
    return 0;
}

/* Pass 2 (place and arithmetic): candidates where a "₹" stands on the
 * print's evidence (their column or another total shows one, or their own
 * grouping does), fixed when that mends the arithmetic; st->fixed counts
 * them. Run again while it fixes any: one correction can let another's
 * arithmetic hold (a CGST and a grand total both misread). */
static enum kr_code fix_by_arithmetic(struct doc_table *t, struct trial_state *st,
                                      struct kr_err *err)
{
    enum kr_code rc;

    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            struct doc_cell *cell = doc_cell_at(t, r, c);
            if (cell->conf < 0 || cell->read_as || !candidate(cell->text) ||
                !(grouping_glyph(cell->text) || column_prints_rupee(t, r, c)))
                continue;
            if ((rc = try_fix(t, st, &(struct spot){&cell->text, &cell->read_as, &cell->v}, err)))
                return rc;
        }
    for (size_t i = 0; i < t->nextras; i++) {
        struct doc_extra *x = &t->extras[i];
        if (x->read_as || !candidate(x->value) ||
            !(grouping_glyph(x->value) || extras_print_rupee(t, i)))
            continue;
        if ((rc = try_fix(t, st, &(struct spot){&x->value, &x->read_as, NULL}, err)))
            return rc;
    }
    return KR_OK;
}

static int read_by_ocr(const struct doc_table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        if (t->cells[i].conf >= 0)
            return 1;
    return 0;
}

enum kr_code doc_fix_ocr(struct doc_table *t, const struct doc_check_opts *o, struct kr_err *err)
{
    struct trial_state st = {.o = o, .failing = -1, .trials = 0, .fixed = 1};
    enum kr_code rc;

    if (!read_by_ocr(t) || !bill_is_indian(t, 0))
        return KR_OK;
    if (fix_glyphs(t, bill_is_indian(t, 1)))
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    for (int round = 0; st.fixed && round < 3; round++) {
        st.fixed = 0;
        if ((rc = fix_by_arithmetic(t, &st, err)))
            return rc;
    }
    return KR_OK;
}
