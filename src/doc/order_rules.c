/*
 * order_rules.c - the marketplace invoice layouts as data, and the labelled
 * fields read with them.
 *
 * One row of RULES per marketplace: the words that name it anywhere on the
 * invoice (detection; the first row with a hit wins, so the more specific
 * names come first), the labels of each order field, and the headers of its
 * item table. A label matches a phrase that starts with it, ignoring case,
 * when the label ends at a word boundary ("Tax" does not match "Taxable
 * Value"; "Order No" does not match "Order Number").
 *
 * A field's value is what follows its label in the same phrase ("Order ID:
 * OD1234" -> "OD1234", after ":", "#", "-" or "."), else the phrase right
 * below the label (a row of labels over a row of values), else the next
 * phrase on the line; never a phrase that is itself a label. The Ship To block is the
 * lines below its label that start at the label's left edge (so a two-column
 * Billing/Shipping layout keeps its columns apart), up to a gap, another
 * label or "key: value" phrase: its first line is the customer's name, the
 * rest the address. A date with a time ("05-10-2024, 02:41 PM") is split
 * into order_date and order_time; a separate time label keeps only the time.
 */
#include "doc/doc_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BLOCK_MAX 8 /* lines of a Ship To block */

static const struct doc__order_rules RULES[] = {
    {.marketplace = "Meesho",
     .detect = {"meesho", NULL},
     .field = {[DOC_ORD_ORDER_ID] = {"Purchase Order No", "Order Number", "Order No", NULL},
               [DOC_ORD_CUSTOMER] = {"Customer Address", "Ship To", "Bill To", NULL},
               [DOC_ORD_DATE] = {"Order Date", NULL},
               [DOC_ORD_TIME] = {"Order Time", NULL},
               [DOC_ORD_TRACKING] = {"AWB No", "AWB", "Tracking ID", NULL},
               [DOC_ORD_PAYMENT] = {"Payment Mode", "Payment Method", "Mode of Payment", NULL},
               [DOC_ORD_TOTAL] = {"Total", NULL},
               [DOC_ORD_INVOICE_DATE] = {"Invoice Date", NULL}},
     .col = {[DOC_COL_DESC] = {"Description", "Product", NULL},
             [DOC_COL_SKU] = {"SKU", NULL},
             [DOC_COL_HSN] = {"HSN", NULL},
             [DOC_COL_QTY] = {"Qty", "Quantity", NULL},
             [DOC_COL_PRICE] = {"Gross Amount", "Unit Price", NULL},
             [DOC_COL_TAX] = {"Taxes", "Tax", NULL},
             [DOC_COL_TOTAL] = {"Total", NULL}}},
    {.marketplace = "Flipkart",
     .detect = {"flipkart", NULL},
     .field = {[DOC_ORD_ORDER_ID] = {"Order ID", "Order No", NULL},
               [DOC_ORD_CUSTOMER] = {"Ship To", "Shipping Address", NULL},
               [DOC_ORD_DATE] = {"Order Date", NULL},
               [DOC_ORD_TIME] = {"Order Time", NULL},
               [DOC_ORD_TRACKING] = {"AWB No", "AWB", "Tracking ID", NULL},
               [DOC_ORD_PAYMENT] = {"Payment Mode", "Mode of Payment", "Payment Method", NULL},
               [DOC_ORD_TOTAL] = {"Grand Total", NULL},
               [DOC_ORD_INVOICE_DATE] = {"Invoice Date", NULL}},
     .col = {[DOC_COL_DESC] = {"Product", "Description", "Title", NULL},
             [DOC_COL_SKU] = {"SKU", NULL},
             [DOC_COL_HSN] = {"HSN", NULL},
             [DOC_COL_QTY] = {"Qty", "Quantity", NULL},
             [DOC_COL_PRICE] = {"Gross Amount", "Unit Price", "Price", NULL},
             [DOC_COL_TAX] = {"IGST", "Tax", NULL},
             [DOC_COL_TOTAL] = {"Total", NULL}}},
    {.marketplace = "Amazon",
     .detect = {"amazon", "Bill of Supply/Cash Memo", NULL},
     .field = {[DOC_ORD_ORDER_ID] = {"Order Number", "Order No", "Order ID", NULL},
               [DOC_ORD_CUSTOMER] = {"Shipping Address", "Ship To", NULL},
               [DOC_ORD_DATE] = {"Order Date", NULL},
               [DOC_ORD_TIME] = {"Date & Time", "Order Time", NULL},
               [DOC_ORD_TRACKING] = {"AWB No", "AWB", "Tracking ID", NULL},
               [DOC_ORD_PAYMENT] = {"Mode of Payment", "Payment Mode", "Payment Method", NULL},
               [DOC_ORD_TOTAL] = {"TOTAL", "Grand Total", NULL},
               [DOC_ORD_INVOICE_DATE] = {"Invoice Date", NULL}},
     .col = {[DOC_COL_DESC] = {"Description", "Product", "Item", NULL},
             [DOC_COL_SKU] = {"SKU", NULL},
             [DOC_COL_HSN] = {"HSN", NULL},
             [DOC_COL_QTY] = {"Qty", "Quantity", NULL},
             [DOC_COL_PRICE] = {"Unit Price", "Price", NULL},
             [DOC_COL_TAX] = {"Tax Amount", "Tax", NULL},
             [DOC_COL_TOTAL] = {"Total Amount", "Total", NULL}}},
};

static int ci_contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (!strncasecmp(hay, needle, n))
            return 1;
    return 0;
}

const struct doc__order_rules *doc__order_detect(const struct ocr_text *t)
{
    for (size_t r = 0; r < sizeof RULES / sizeof RULES[0]; r++)
        for (size_t i = 0; i < t->nph; i++)
            for (const char *const *d = RULES[r].detect; *d; d++)
                if (ci_contains(t->ph[i].text, *d))
                    return &RULES[r];
    return NULL;
}

size_t doc__label_at(const char *s, const char *const *labels)
{
    for (; *labels; labels++) {
        size_t n = strlen(*labels);
        if (!strncasecmp(s, *labels, n) && !isalnum((unsigned char)s[n]))
            return n;
    }
    return 0;
}

const char *doc__after_label(const char *s, size_t label_len)
{
    s += label_len;
    while (*s && strchr(" :#-.", *s))
        s++;
    return s;
}

int doc__is_label(const struct doc__order_rules *r, const char *s)
{
    static const char *const other[] = {"Invoice No", "Invoice Number", "GSTIN", "PAN",
                                        "Place of", NULL};
    if (doc__label_at(s, other))
        return 1;
    for (int f = 0; f < DOC_ORD_NFIELDS; f++)
        if (doc__label_at(s, r->field[f]))
            return 1;
    for (int c = 0; c < DOC_NCOLS; c++)
        if (doc__label_at(s, r->col[c]))
            return 1;
    return strstr(s, ": ") != NULL || s[strlen(s) - (*s ? 1 : 0)] == ':';
}

char *doc__strndup_trim(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && (isspace((unsigned char)s[n - 1]) || s[n - 1] == ','))
        n--;
    return strndup(s, n);
}

/* Where is the first phrase starting with one of labels: its index, -1 none. */
static long find_label(const struct ocr_text *t, const char *const *labels, size_t *llen)
{
    for (size_t i = 0; i < t->nph; i++)
        if ((*llen = doc__label_at(t->ph[i].text, labels)) > 0)
            return (long)i;
    return -1;
}

static size_t line_of(const struct ocr_text *t, size_t ph)
{
    for (size_t l = 0; l < t->nline; l++)
        if (ph >= t->line[l].first && ph < t->line[l].first + t->line[l].n)
            return l;
    return 0;
}

/* The phrase of line l that starts near x (within tol), -1 none. */
static long phrase_near(const struct ocr_text *t, size_t l, int x, int tol)
{
    for (size_t i = t->line[l].first; i < t->line[l].first + t->line[l].n; i++)
        if (abs(t->ph[i].x0 - x) <= tol)
            return (long)i;
    return -1;
}

/* A field's value: after its label, the next phrase, or the phrase below. */
static const char *field_value(const struct ocr_text *t, const struct doc__order_rules *r,
                               const char *const *labels)
{
    size_t llen, l;
    long i = find_label(t, labels, &llen);
    if (i < 0)
        return NULL;
    const struct ocr_phrase *p = &t->ph[i];
    const char *v = doc__after_label(p->text, llen);
    if (*v)
        return v;
    l = line_of(t, (size_t)i);
    if (l + 1 < t->nline && t->line[l + 1].page == t->line[l].page) { /* a column of labels */
        long below = phrase_near(t, l + 1, p->x0, p->y1 - p->y0);
        if (below >= 0 && !doc__is_label(r, t->ph[below].text))
            return t->ph[below].text;
    }
    if ((size_t)i + 1 < t->line[l].first + t->line[l].n && !doc__is_label(r, p[1].text))
        return p[1].text;
    return NULL;
}

static enum kr_code set(struct doc_order *o, int f, const char *v, size_t n, struct kr_err *err)
{
    char *c = doc__strndup_trim(v, n);
    if (!c)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "order: field");
    free(o->f[f]);
    o->f[f] = c;
    return KR_OK;
}

/* "hh:mm[:ss][ AM|PM]" in s: its start, *n its length; NULL none. */
static const char *find_time(const char *s, size_t *n)
{
    for (const char *p = s; *p; p++) {
        const char *q = p;
        if (!isdigit((unsigned char)*q) || (p > s && isdigit((unsigned char)p[-1])))
            continue;
        q += isdigit((unsigned char)q[1]) ? 2 : 1;
        if (*q != ':' || !isdigit((unsigned char)q[1]) || !isdigit((unsigned char)q[2]))
            continue;
        q += 3;
        if (*q == ':' && isdigit((unsigned char)q[1]) && isdigit((unsigned char)q[2]))
            q += 3;
        const char *m = *q == ' ' ? q + 1 : q;
        if ((m[0] == 'A' || m[0] == 'P' || m[0] == 'a' || m[0] == 'p') &&
            (m[1] == 'M' || m[1] == 'm') && !isalpha((unsigned char)m[2]))
            q = m + 2;
        *n = (size_t)(q - p);
        return p;
    }
    return NULL;
}

/* The Ship To block: customer name, then the address lines joined by ", ". */
static enum kr_code ship_to(const struct ocr_text *t, const struct doc__order_rules *r,
                            struct doc_order *o, struct kr_err *err)
{
    size_t llen, l, got = 0;
    long i = find_label(t, r->field[DOC_ORD_CUSTOMER], &llen);
    char addr[2048] = "";
    if (i < 0)
        return KR_OK;
    const struct ocr_phrase *lab = &t->ph[i];
    int h = lab->y1 - lab->y0, last_y = lab->y1;
    const char *first = doc__after_label(lab->text, llen);
    enum kr_code rc = *first ? set(o, DOC_ORD_CUSTOMER, first, strlen(first), err) : KR_OK;
    got = *first ? 1 : 0;
    for (l = line_of(t, (size_t)i) + 1; !rc && l < t->nline && got < BLOCK_MAX; l++) {
        long p = phrase_near(t, l, lab->x0, h);
        if (p < 0 || t->line[l].page != t->line[line_of(t, (size_t)i)].page ||
            t->ph[p].y0 - last_y > 2 * h || doc__is_label(r, t->ph[p].text))
            break;
        last_y = t->ph[p].y1;
        const char *s = t->ph[p].text;
        if (got++ == 0) {
            rc = set(o, DOC_ORD_CUSTOMER, s, strlen(s), err);
            continue;
        }
        size_t a = strlen(addr);
        if (a + strlen(s) + 3 < sizeof addr)
            snprintf(addr + a, sizeof addr - a, "%s%s", a ? ", " : "", s);
    }
    return rc ? rc : set(o, DOC_ORD_ADDRESS, addr, strlen(addr), err);
}

enum kr_code doc__order_fields(const struct ocr_text *t, const struct doc__order_rules *r,
                               struct doc_order *o, struct kr_err *err)
{
    static const int plain[] = {DOC_ORD_ORDER_ID, DOC_ORD_DATE, DOC_ORD_TRACKING,
                                DOC_ORD_PAYMENT, DOC_ORD_INVOICE_DATE};
    enum kr_code rc = KR_OK;
    const char *v, *tm;
    size_t n;

    for (size_t k = 0; k < sizeof plain / sizeof plain[0] && !rc; k++)
        if ((v = field_value(t, r, r->field[plain[k]])))
            rc = set(o, plain[k], v, strlen(v), err);
    if (!rc && o->f[DOC_ORD_DATE] && (tm = find_time(o->f[DOC_ORD_DATE], &n))) { /* "05-10-2024, 02:41 PM" */
        const char *d = o->f[DOC_ORD_DATE];
        if (!(rc = set(o, DOC_ORD_TIME, tm, n, err)))
            rc = set(o, DOC_ORD_DATE, d, (size_t)(tm - d), err);
    } else if (!rc && (v = field_value(t, r, r->field[DOC_ORD_TIME])) && (tm = find_time(v, &n)))
        rc = set(o, DOC_ORD_TIME, tm, n, err);
    return rc ? rc : ship_to(t, r, o, err);
}
