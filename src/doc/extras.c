/*
 * extras.c - the checks over a bill's totals: subtotal, GST, grand total.
 *
 * Extras are recognised by their key's words (case, spaces and dots
 * ignored) and their value's kind:
 *   subtotal     "Sub Total", "Taxable Value", "Total Charges", "... before tax"
 *   taxes        keys with CGST / SGST / UTGST / IGST; a percent value is that
 *                tax's rate, a money value its amount; a rate may also sit
 *                in the key ("CGST @ 1.5%")
 *   GST rate     a percent under a key with "gst" or "tax" in it
 *   round-off    a key with "round"
 *   grand total  "Grand Total", "Net Amount", "Invoice Total", "Amount
 *                Payable", "Total Amount", "Bill Amount", or just "Total"
 *   HSN          a key with "hsn" (its value's code)
 * The taxable value is the subtotal, else the sum of the line amounts.
 * Rates: a tax's own rate, else the stated GST rate (halved for CGST and
 * SGST), else 3% in all when the bill's HSN codes (an HSN column or extra)
 * are jewellery (7113/7117); with no rate at all only CGST = SGST is checked.
 */
#include "doc/doc_int.h"

#include <stdio.h>
#include <string.h>

enum tax { CGST, SGST, UTGST, IGST, NTAX };
static const char *tax_names[NTAX] = {"cgst", "sgst", "utgst", "igst"};

struct totals {
    long subtotal, grand, round_off; /* extras indexes, -1 = absent */
    long tax[NTAX];
    double tax_rate[NTAX]; /* percent; 0 = not stated */
    double gst_rate;       /* stated overall rate; 0 = none */
    int jewellery;         /* an HSN code is 7113/7117 */
    double v[DOC_MAX_EXTRAS];
};

static int is_grand(const char *k)
{
    static const char *words[] = {"grandtotal",   "nettotal",      "netamount",  "invoicetotal",
                                  "invoicevalue", "amountpayable", "netpayable", "totalpayable",
                                  "billamount",   "totalamount"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strstr(k, words[i]))
            return 1;
    return !strcmp(k, "total") || !strcmp(k, "totalrs") || !strcmp(k, "total(rs)");
}

static int is_subtotal(const char *k)
{
    return strstr(k, "subtotal") || strstr(k, "taxable") || strstr(k, "totalcharges") ||
           strstr(k, "beforetax");
}

/* A percent written inside a key: "CGST@1.5%" -> 1.5; 0 if none. */
static double rate_in_key(const char *k)
{
    const char *pct = strchr(k, '%');
    const char *p = pct;
    struct doc_value v;
    char num[32];

    if (!pct)
        return 0;
    while (p > k && ((p[-1] >= '0' && p[-1] <= '9') || p[-1] == '.'))
        p--;
    if (p == pct || (size_t)(pct - p) >= sizeof num - 1)
        return 0;
    memcpy(num, p, (size_t)(pct - p));
    num[pct - p] = '%';
    num[pct - p + 1] = 0;
    doc_parse_value(num, &v);
    return v.kind == DOC_PERCENT ? v.num : 0;
}

static void classify_one(const struct doc_table *t, size_t i, struct totals *s)
{
    char k[128];
    struct doc_value v;

    doc__squash(t->extras[i].key, k, sizeof k);
    doc_parse_value(t->extras[i].value, &v);
    s->v[i] = v.num;
    if (strstr(k, "hsn")) {
        s->jewellery |= doc_hsn_jewellery(t->extras[i].value);
        return;
    }
    for (int x = 0; x < NTAX; x++)
        if (strstr(k, tax_names[x]) && !strstr(k, "gstin")) {
            if (v.kind == DOC_PERCENT)
                s->tax_rate[x] = v.num;
            else if (doc_value_numeric(&v) && s->tax[x] < 0) {
                s->tax[x] = (long)i;
                if (!s->tax_rate[x])
                    s->tax_rate[x] = rate_in_key(t->extras[i].key);
            }
            return;
        }
    if (v.kind == DOC_PERCENT && (strstr(k, "gst") || strstr(k, "tax")))
        s->gst_rate = v.num;
    else if (!doc_value_numeric(&v) || v.kind == DOC_PERCENT)
        return;
    else if (strstr(k, "round"))
        s->round_off = (long)i;
    else if (is_subtotal(k) && s->subtotal < 0)
        s->subtotal = (long)i;
    else if (is_grand(k) && s->grand < 0)
        s->grand = (long)i;
}

static void classify(const struct doc_table *t, struct totals *s)
{
    memset(s, 0, sizeof *s);
    s->subtotal = s->grand = s->round_off = -1;
    for (int x = 0; x < NTAX; x++)
        s->tax[x] = -1;
    for (size_t i = 0; i < t->nextras && i < DOC_MAX_EXTRAS; i++)
        classify_one(t, i, s);
    for (size_t c = 0; c < t->ncols; c++)
        if (doc__role_by_name(t->headers[c]) == DOC_R_HSN)
            for (size_t r = 0; r < t->nrows; r++)
                s->jewellery |= doc_hsn_jewellery(doc_cell_at(t, r, c)->text);
}

/* ef: the expected value, then the one found. */
static enum kr_code warn_extra(const struct doc_table *t, struct doc_warnings *out,
                               enum doc_warn_kind kind, long idx, const double ef[2],
                               const char *what)
{
    struct doc_warning *w = doc__warn(out, kind, -1, -1);
    double found = ef[1];

    if (!w)
        return KR_ENOMEM;
    w->expected = ef[0];
    w->found = found;
    snprintf(w->key, sizeof w->key, "%s", t->extras[idx].key);
    snprintf(w->msg, sizeof w->msg, "%.60s is %.2f, but %.120s = %.2f", t->extras[idx].key, found,
             what, ef[0]);
    return KR_OK;
}

/* The rate (percent) one tax should have; 0 when nothing says. */
static double rate_of(const struct totals *s, enum tax x)
{
    double total = s->gst_rate ? s->gst_rate : s->jewellery ? 3.0 : 0;

    if (s->tax_rate[x])
        return s->tax_rate[x];
    return x == IGST ? total : total / 2;
}

static enum kr_code check_taxes(const struct doc_table *t, const struct totals *s, double taxable,
                                double tol, struct doc_warnings *out)
{
    char what[160];

    for (int x = 0; x < NTAX; x++) {
        double rate = rate_of(s, (enum tax)x), want = taxable * rate / 100;
        if (s->tax[x] < 0 || !rate || doc__close(want, s->v[s->tax[x]], tol))
            continue;
        snprintf(what, sizeof what, "%.4g%% of the taxable value %.2f", rate, taxable);
        if (warn_extra(t, out, DOC_W_TAX, s->tax[x], (double[2]){want, s->v[s->tax[x]]}, what))
            return KR_ENOMEM;
    }
    if (s->tax[CGST] >= 0 && s->tax[SGST] >= 0 && !rate_of(s, CGST) && !rate_of(s, SGST) &&
        !doc__close(s->v[s->tax[CGST]], s->v[s->tax[SGST]], tol)) {
        snprintf(what, sizeof what, "%.60s (CGST and SGST are equal halves)",
                 t->extras[s->tax[CGST]].key);
        if (warn_extra(t, out, DOC_W_TAX, s->tax[SGST],
                       (double[2]){s->v[s->tax[CGST]], s->v[s->tax[SGST]]}, what))
            return KR_ENOMEM;
    }
    return KR_OK;
}

enum kr_code doc__check_extras(const struct doc_table *t, const struct doc_check_opts *o,
                               long amount_col, struct doc_warnings *out, struct kr_err *err)
{
    struct totals s;
    double sum = 0, taxable, taxes = 0, want;
    size_t lines = 0;
    int have_taxes = 0;

    classify(t, &s);
    for (size_t r = 0; amount_col >= 0 && r < t->nrows; r++) {
        const struct doc_value *v = &doc_cell_at(t, r, (size_t)amount_col)->v;
        if (doc_value_numeric(v) && v->kind != DOC_PERCENT)
            sum += v->num, lines++;
    }
    /* each printed amount may be rounded to the paisa: n halves of a paisa */
    if (s.subtotal >= 0 && lines && !doc__close(sum, s.v[s.subtotal], o->tolerance + 0.005 * lines) &&
        warn_extra(t, out, DOC_W_SUBTOTAL, s.subtotal, (double[2]){sum, s.v[s.subtotal]},
                   "the sum of the line amounts"))
        goto oom;
    if (s.subtotal < 0 && !lines)
        return KR_OK;
    taxable = s.subtotal >= 0 ? s.v[s.subtotal] : sum;
    if (check_taxes(t, &s, taxable, o->tolerance, out))
        goto oom;
    for (int x = 0; x < NTAX; x++)
        if (s.tax[x] >= 0)
            taxes += s.v[s.tax[x]], have_taxes = 1;
    want = taxable + taxes + (s.round_off >= 0 ? s.v[s.round_off] : 0);
    if (s.grand >= 0 && !doc__close(want, s.v[s.grand], o->tolerance) &&
        warn_extra(t, out, DOC_W_GRAND_TOTAL, s.grand, (double[2]){want, s.v[s.grand]},
                   have_taxes ? "the taxable value + taxes (+ round-off)"
                              : "the sum of the line amounts (+ round-off)"))
        goto oom;
    return KR_OK;
oom:
    return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
}
