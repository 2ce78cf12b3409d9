/*
 * order.c - a marketplace order/tax invoice PDF -> the order and its items
 * (POST /create_order, karat order).
 *
 * The PDF's text comes from ocr_pdf_text() (the text layer with positions;
 * a scanned page is OCR'd). doc__order_detect() picks the marketplace's rule
 * row (order_rules.c) and doc__order_fields() reads the labelled fields.
 * The item table is read here: its header is the first line with both a
 * description and a quantity header; every phrase of the lines below goes
 * to the header column it overlaps most (each header phrase is a column, a
 * header the rules do not name is one too, so it keeps its cells from its
 * neighbours). A line whose quantity cell is a whole number starts an item;
 * a line with only a description continues the item above (a wrapped title,
 * or "SKU: earrings6" / "HSN: 7117" under it); a line without a quantity but
 * with other cells (Amazon's "Shipping Charges" under an item) is skipped. The items end at the total
 * line (the rules' total labels), whose last amount is total_price_order.
 *
 * An item's SKU is its SKU column, else "SKU[ ID]: X" in its description,
 * else a trailing "(X)" (Amazon prints the seller SKU so); item_type and
 * sku_id split it as the original did ("earrings6" -> "earrings", "6").
 * Every item is one element of products_data: never comma-joined strings.
 */
#include "doc/doc_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#define COLS_MAX 24 /* header phrases of an item table */

static const char *const ORD_KEYS[DOC_ORD_NFIELDS] = {
    "order_id",       "customer_name",  "order_date",  "order_time",        "shipping_address",
    "tracking_id",    "payment_method", "marketplace", "total_price_order", "invoice_date"};
static const char *const ITEM_KEYS[DOC_ITEM_NFIELDS] = {
    "product_price", "item_type", "sku_id", "quantity", "sku",
    "description",   "hsn",       "tax",    "total"};

const char *doc_order_key(enum doc_order_field f)
{
    return (unsigned)f < DOC_ORD_NFIELDS ? ORD_KEYS[f] : "";
}

const char *doc_item_key(enum doc_item_field f)
{
    return (unsigned)f < DOC_ITEM_NFIELDS ? ITEM_KEYS[f] : "";
}

void doc_order_free(struct doc_order *o)
{
    for (int f = 0; f < DOC_ORD_NFIELDS; f++)
        free(o->f[f]);
    for (size_t i = 0; i < o->nitems; i++)
        for (int f = 0; f < DOC_ITEM_NFIELDS; f++)
            free(o->items[i].f[f]);
    free(o->items);
    memset(o, 0, sizeof *o);
}

json_t *doc_order_json(const struct doc_order *o)
{
    json_t *pd = json_object(), *items = json_array(), *out = json_object();
    if (!pd || !items || !out)
        goto fail;
    for (int f = 0; f < DOC_ORD_NFIELDS; f++)
        if (json_object_set_new(pd, ORD_KEYS[f], json_string(o->f[f] ? o->f[f] : "")))
            goto fail;
    for (size_t i = 0; i < o->nitems; i++) {
        json_t *it = json_object();
        if (json_array_append_new(items, it))
            goto fail;
        for (int f = 0; f < DOC_ITEM_NFIELDS; f++)
            if (json_object_set_new(it, ITEM_KEYS[f], json_string(o->items[i].f[f])))
                goto fail;
    }
    if (!json_object_set_new(out, "parsed_data", pd) &&
        !json_object_set_new(out, "products_data", items))
        return out;
    pd = items = NULL;
fail:
    json_decref(pd);
    json_decref(items);
    json_decref(out);
    return NULL;
}

/* Replace *slot with a trimmed copy of s[0..n), or append it after a space. */
static int put(char **slot, const char *s, size_t n, int append)
{
    char *v = doc__strndup_trim(s, n), *j;
    if (!v)
        return -1;
    if (append && *slot && **slot && *v) {
        size_t jn = strlen(*slot) + strlen(v) + 2;
        if (!(j = malloc(jn)))
            return free(v), -1;
        snprintf(j, jn, "%s %s", *slot, v);
        free(v);
        v = j;
    }
    free(*slot);
    *slot = v;
    return 0;
}

int doc__order_put(char **slot, const char *s, size_t n, int append)
{
    return put(slot, s, n, append);
}

struct table {
    int x0[COLS_MAX];
    int kind[COLS_MAX]; /* enum doc__col, -1 a column the rules do not name */
    size_t n;
};

/* Is line l an item table's header? Each column kind takes the phrase of its
 * first label that matches ("Tax Amount" before "Tax", so "Tax Rate" stays
 * a column of its own). */
static int header_of(const struct ocr_text *t, const struct doc__order_rules *r, size_t l,
                     struct table *tb)
{
    size_t first = t->line[l].first;
    int seen[DOC_NCOLS] = {0};
    tb->n = t->line[l].n < COLS_MAX ? t->line[l].n : COLS_MAX;
    for (size_t j = 0; j < tb->n; j++)
        tb->x0[j] = t->ph[first + j].x0, tb->kind[j] = -1;
    for (int c = 0; c < DOC_NCOLS; c++)
        for (const char *const *lab = r->col[c]; *lab && !seen[c]; lab++)
            for (size_t j = 0; j < tb->n && !seen[c]; j++) {
                const char *one[] = {*lab, NULL};
                if (tb->kind[j] < 0 && doc__label_at(t->ph[first + j].text, one))
                    tb->kind[j] = c, seen[c] = 1;
            }
    return seen[DOC_COL_DESC] && seen[DOC_COL_QTY];
}

/* The column a phrase overlaps most (columns run from a header's left edge to the next's). */
static int column_of(const struct table *tb, const struct ocr_phrase *p)
{
    int best = -1, bo = -1;
    for (size_t c = 0; c < tb->n; c++) {
        int a = c ? tb->x0[c] : -1000000, b = c + 1 < tb->n ? tb->x0[c + 1] : 1000000;
        int lo = p->x0 > a ? p->x0 : a, hi = p->x1 < b ? p->x1 : b;
        if (hi - lo > bo)
            bo = hi - lo, best = tb->kind[c];
    }
    return best;
}

static int whole_number(const char *s)
{
    const char *p = s;
    if (!s || !isdigit((unsigned char)*s))
        return 0;
    while (isdigit((unsigned char)*p))
        p++;
    return !*p && p - s < 6 && strtol(s, NULL, 10) > 0;
}

int doc__order_add_item(struct doc_order *o)
{
    struct doc_order_item *it = realloc(o->items, (o->nitems + 1) * sizeof *it);
    if (!it)
        return -1;
    o->items = it;
    memset(&it[o->nitems++], 0, sizeof *it);
    return 0;
}

/* One line of the table: a new item, a continuation of the last, or nothing. */
static int table_line(const struct ocr_text *t, size_t l, const struct table *tb,
                      struct doc_order *o)
{
    char *cell[DOC_NCOLS] = {0};
    int rc = 0, others = 0; /* phrases outside the description column */
    for (size_t i = t->line[l].first; i < t->line[l].first + t->line[l].n && !rc; i++) {
        int c = column_of(tb, &t->ph[i]);
        others += c != DOC_COL_DESC;
        if (c >= 0)
            rc = put(&cell[c], t->ph[i].text, strlen(t->ph[i].text), 1);
    }
    static const int map[DOC_NCOLS] = {DOC_ITEM_DESC, DOC_ITEM_SKU, DOC_ITEM_HSN, DOC_ITEM_QTY,
                                       DOC_ITEM_PRICE, DOC_ITEM_TAX, DOC_ITEM_TOTAL};
    int fresh = whole_number(cell[DOC_COL_QTY]) && cell[DOC_COL_DESC];
    if (!fresh && others) /* a charge line under the item ("Shipping Charges ₹40.00") */
        goto out;
    if (!rc && fresh)
        rc = doc__order_add_item(o);
    for (int c = 0; c < DOC_NCOLS && !rc && o->nitems; c++)
        if (cell[c] && (fresh || c == DOC_COL_DESC)) /* continuation: the description only */
            rc = put(&o->items[o->nitems - 1].f[map[c]], cell[c], strlen(cell[c]), !fresh);
out:
    for (int c = 0; c < DOC_NCOLS; c++)
        free(cell[c]);
    return rc;
}

/* Where one of labels starts a word of s, NULL nowhere. */
static const char *label_start(const char *s, const char *const *labels)
{
    for (const char *p = s; *p; p++)
        if ((p == s || !isalnum((unsigned char)p[-1])) && doc__label_at(p, labels))
            return p;
    return NULL;
}

/* "LABEL: value" inside s (at a word start): the value's token, *n its length. */
static const char *labelled(const char *s, const char *const *labels, size_t *n)
{
    const char *p = label_start(s, labels), *v;
    if (!p)
        return NULL;
    v = doc__after_label(p, doc__label_at(p, labels));
    for (*n = 0; v[*n] && !strchr(" ,|()", v[*n]); (*n)++)
        ;
    return *n ? v : NULL;
}

/* SKU and HSN from the description when they have no column; item_type and sku_id. */
int doc__order_finish_item(struct doc_order_item *it)
{
    static const char *const sku_l[] = {"SKU ID", "SKU", NULL}, *const hsn_l[] = {"HSN/SAC", "HSN", NULL};
    const char *d = it->f[DOC_ITEM_DESC] ? it->f[DOC_ITEM_DESC] : "", *v;
    size_t n;
    if (!it->f[DOC_ITEM_SKU] && (v = labelled(d, sku_l, &n)) && put(&it->f[DOC_ITEM_SKU], v, n, 0))
        return -1;
    if (!it->f[DOC_ITEM_HSN] && (v = labelled(d, hsn_l, &n)) && put(&it->f[DOC_ITEM_HSN], v, n, 0))
        return -1;
    const char *open = strrchr(d, '('), *close = open ? strchr(open, ')') : NULL;
    if (!it->f[DOC_ITEM_SKU] && close && close > open + 1) { /* "Jhumka Earrings (earrings6)" */
        if (put(&it->f[DOC_ITEM_SKU], open + 1, (size_t)(close - open - 1), 0) ||
            put(&it->f[DOC_ITEM_DESC], d, (size_t)(open - d), 0))
            return -1;
    }
    d = it->f[DOC_ITEM_DESC] ? it->f[DOC_ITEM_DESC] : "";
    const char *cut = label_start(d, sku_l), *h = label_start(d, hsn_l);
    if (h && (!cut || h < cut))
        cut = h;
    if (cut && put(&it->f[DOC_ITEM_DESC], d, (size_t)(cut - d), 0)) /* the title ends there */
        return -1;
    const char *sku = it->f[DOC_ITEM_SKU] ? it->f[DOC_ITEM_SKU] : "", *e = sku;
    while (isalpha((unsigned char)*e))
        e++;
    if (put(&it->f[DOC_ITEM_TYPE], sku, (size_t)(e - sku), 0))
        return -1;
    while (*e && strchr(" -_", *e))
        e++;
    if (put(&it->f[DOC_ITEM_SKU_ID], e, strlen(e), 0))
        return -1;
    for (int f = 0; f < DOC_ITEM_NFIELDS; f++)
        if (!it->f[f] && put(&it->f[f], "", 0, 0))
            return -1;
    return 0;
}

/* The total line's last amount (the label phrase's own rest when it is alone). */
static int total_of(const struct ocr_text *t, const struct doc__order_rules *r, size_t l,
                    struct doc_order *o)
{
    for (size_t i = t->line[l].first + t->line[l].n; i-- > t->line[l].first;) {
        const char *s = t->ph[i].text;
        size_t ll = i == t->line[l].first ? doc__label_at(s, r->field[DOC_ORD_TOTAL]) : 0;
        s = ll ? doc__after_label(s, ll) : s;
        if (strpbrk(s, "0123456789"))
            return put(&o->f[DOC_ORD_TOTAL], s, strlen(s), 0);
    }
    return 0;
}

static enum kr_code items(const struct ocr_text *t, const struct doc__order_rules *r,
                          struct doc_order *o, struct kr_err *err)
{
    struct table tb = {0}, again;
    size_t l = 0;
    while (l < t->nline && !header_of(t, r, l, &tb))
        l++;
    for (l++; l < t->nline; l++) {
        if (doc__label_at(t->ph[t->line[l].first].text, r->field[DOC_ORD_TOTAL])) {
            if (total_of(t, r, l, o))
                return kr_fail(err, KRS_OUT_OF_MEMORY, "order: total");
            break;
        }
        if (header_of(t, r, l, &again)) { /* the header repeated on the next page */
            tb = again;
            continue;
        }
        if (table_line(t, l, &tb, o))
            return kr_fail(err, KRS_OUT_OF_MEMORY, "order: items");
    }
    for (size_t i = 0; i < o->nitems; i++)
        if (doc__order_finish_item(&o->items[i]))
            return kr_fail(err, KRS_OUT_OF_MEMORY, "order: items");
    return KR_OK;
}

enum kr_code doc_order_parse(const struct ocr_text *t, struct ai *ai, struct doc_order *out,
                             struct kr_err *err)
{
    struct doc_order o = {0};
    const struct doc__order_rules *r = doc__order_detect(t);
    enum kr_code rc;

    if (!r)
        return kr_fail(err, KRS_UNKNOWN_INVOICE,
                       "not an Amazon.in, Flipkart or Meesho tax invoice (no marketplace named "
                       "in its text)");
    if ((rc = doc__order_fields(t, r, &o, err)) || (rc = items(t, r, &o, err)) ||
        (rc = doc__order_complete(ai, t, &o, err)))
        goto out;
    for (int f = 0; f < DOC_ORD_NFIELDS; f++)
        if (!o.f[f] && put(&o.f[f], f == DOC_ORD_MARKETPLACE ? r->marketplace : "",
                           f == DOC_ORD_MARKETPLACE ? strlen(r->marketplace) : 0, 0)) {
            rc = kr_fail(err, KRS_OUT_OF_MEMORY, "order: fields");
            goto out;
        }
    if (!*o.f[DOC_ORD_ORDER_ID] || !o.nitems)
        rc = kr_fail(err, KRS_INCOMPLETE_INVOICE, "a %s invoice without %s", r->marketplace,
                     !*o.f[DOC_ORD_ORDER_ID] ? "an order number" : "item lines (no Qty column)");
out:
    if (rc)
        doc_order_free(&o);
    else
        *out = o;
    return rc;
}

enum kr_code doc_order_read(const void *bytes, size_t len, const struct ocr_opts *o,
                            struct ai *ai, struct doc_order *out, struct kr_err *err)
{
    struct ocr_text t = {0};
    enum kr_code rc = ocr_pdf_text(bytes, len, o, &t, err);
    if (!rc)
        rc = doc_order_parse(&t, ai, out, err);
    ocr_text_free(&t);
    return rc;
}
