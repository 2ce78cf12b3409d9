/*
 * order_ai.c - an order invoice's fields the rules did not find, asked of
 * the AI provider (POST /create_order, karat order, when a text provider
 * is configured).
 *
 * The offline rules (order.c, order_rules.c) always read first and their
 * values stay: only fields they left empty are asked (ai_order_fields, the
 * copy provider with the fields as its JSON schema, the captions' key
 * pools and retries). The invoice's text goes as lines of " | "-separated
 * phrases. A value is accepted only when it is on the invoice: every word
 * of it (compared without case, punctuation around it ignored) occurs in
 * the invoice's text, so a model cannot add an order number, a name or an
 * amount the document does not carry. A provider that fails or answers
 * unusably changes nothing: the offline result is the answer.
 *
 * When the rules found no item line (a layout whose item table they do not
 * know), the item lines are asked too, as one list field "item_lines" of
 * "description | SKU | quantity | unit price | total" strings ("-" for a
 * cell the invoice does not show): a list of strings is what the providers'
 * schemas and ai__validate take, and one string per item cannot misalign the
 * way parallel lists can. An item is taken when its quantity is a whole
 * number and its description is on the invoice; each of its other values
 * only when it is on the invoice (else ""), as for the fields.
 */
#include "doc/doc_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "ai/ai.h"
#include "core/buf.h"

#define FIELD_MAX_LEN 300
#define ITEMS_MAX     200 /* item lines taken from one reply */
#define ITEM_LINES    "item_lines"

static const char ITEM_LINES_DESC[] =
    "every item line of the invoice's item table, one string per item: its description | "
    "seller SKU | quantity | unit price | line total, each as printed, separated by \" | \", "
    "\"-\" for what the line does not show";

static const char *const DESCRIPTION[DOC_ORD_NFIELDS] = {
    "the marketplace's order number or order ID",
    "the buyer's name (the Ship To / Deliver To block's first line)",
    "the order date",
    "the order time",
    "the shipping (Ship To / Deliver To) address without the name, lines joined with \", \"",
    "the courier tracking number (AWB)",
    "the payment method (prepaid, COD, card...)",
    "the marketplace",
    "the order's grand total as printed",
    "the invoice date",
};

/* The text as lines of " | "-joined phrases (NUL-terminated in b). */
static enum kr_code invoice_text(const struct ocr_text *t, struct buf *b, struct kr_err *err)
{
    enum kr_code rc = KR_OK;
    for (size_t l = 0; l < t->nline && !rc; l++) {
        for (size_t i = 0; i < t->line[l].n && !rc; i++)
            rc = buf_appendf(b, "%s%s", i ? " | " : "", t->ph[t->line[l].first + i].text);
        if (!rc)
            rc = buf_append(b, "\n", 1);
    }
    if (!rc)
        rc = buf_append(b, "", 1);
    return rc ? kr_fail(err, KRS_OUT_OF_MEMORY, "order: invoice text") : KR_OK;
}

/* Lower-case copy of s[0..n) with punctuation at both ends dropped. */
static size_t word_of(const char *s, size_t n, char *out, size_t cap)
{
    while (n && ispunct((unsigned char)*s))
        s++, n--;
    while (n && ispunct((unsigned char)s[n - 1]))
        n--;
    if (n >= cap)
        n = cap - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[n] = 0;
    return n;
}

/* Is every word of v in the (lower-cased) invoice text? */
static int value_on(const char *v, const char *text_lower)
{
    char w[FIELD_MAX_LEN + 1];
    size_t words = 0;
    for (const char *p = v; *p;) {
        while (*p && isspace((unsigned char)*p))
            p++;
        size_t n = 0;
        while (p[n] && !isspace((unsigned char)p[n]))
            n++;
        if (n && word_of(p, n, w, sizeof w)) {
            if (!strstr(text_lower, w))
                return 0;
            words++;
        }
        p += n;
    }
    return words > 0;
}

/* Take the reply's accepted values into the empty fields of o. */
static enum kr_code merge(json_t *reply, char *text_lower, struct doc_order *o,
                          struct kr_err *err)
{
    for (char *c = text_lower; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    for (int f = 0; f < DOC_ORD_NFIELDS; f++) {
        const char *v = json_string_value(json_object_get(reply, doc_order_key(f)));
        if (!v || !*v || (o->f[f] && *o->f[f]) || !value_on(v, text_lower))
            continue;
        char *copy = doc__strndup_trim(v, strlen(v));
        if (!copy)
            return kr_fail(err, KRS_OUT_OF_MEMORY, "order: fields");
        free(o->f[f]);
        o->f[f] = copy;
    }
    return KR_OK;
}

/* One "desc | sku | qty | price | total" line into a new item of o when its
 * quantity is a whole number and its description is on the invoice. */
static int take_item(const char *line, const char *text_lower, struct doc_order *o)
{
    static const int slot[] = {DOC_ITEM_DESC, DOC_ITEM_SKU, DOC_ITEM_QTY, DOC_ITEM_PRICE,
                               DOC_ITEM_TOTAL};
    char cell[5][FIELD_MAX_LEN + 1] = {{0}};
    const char *p = line;
    size_t k = 0, n;

    for (; k < 5 && *p; k++) {
        const char *bar = strchr(p, '|');
        n = bar ? (size_t)(bar - p) : strlen(p);
        char *c = doc__strndup_trim(p, n < FIELD_MAX_LEN ? n : FIELD_MAX_LEN);
        if (!c)
            return -1;
        if (strcmp(c, "-") && value_on(c, text_lower))
            snprintf(cell[k], sizeof cell[k], "%s", c);
        free(c);
        p = bar ? bar + 1 : p + n;
    }
    for (n = 0; isdigit((unsigned char)cell[2][n]); n++)
        ;
    if (!cell[0][0] || !n || cell[2][n] || n > 5 || strtol(cell[2], NULL, 10) <= 0)
        return 0; /* not an item line the invoice shows */
    if (doc__order_add_item(o))
        return -1;
    struct doc_order_item *it = &o->items[o->nitems - 1];
    for (k = 0; k < 5; k++)
        if (cell[k][0] && doc__order_put(&it->f[slot[k]], cell[k], strlen(cell[k]), 0))
            return -1;
    return doc__order_finish_item(it);
}

/* The reply's item lines into o (which has none). */
static enum kr_code merge_items(json_t *reply, const char *text_lower, struct doc_order *o,
                                struct kr_err *err)
{
    json_t *lines = json_object_get(reply, ITEM_LINES), *l;
    size_t i;

    json_array_foreach(lines, i, l)
    {
        if (o->nitems >= ITEMS_MAX || !json_is_string(l))
            break;
        if (take_item(json_string_value(l), text_lower, o))
            return kr_fail(err, KRS_OUT_OF_MEMORY, "order: items");
    }
    return KR_OK;
}

enum kr_code doc__order_complete(struct ai *ai, const struct ocr_text *t, struct doc_order *o,
                                 struct kr_err *err)
{
    struct ai_field fields[DOC_ORD_NFIELDS + 1];
    struct kr_err aerr = {0};
    struct buf b;
    json_t *reply = NULL;
    size_t n = 0;
    enum kr_code rc;

    if (!doc_refine_ai_ready(ai))
        return KR_OK;
    for (int f = 0; f < DOC_ORD_NFIELDS; f++)
        if (f != DOC_ORD_MARKETPLACE && (!o->f[f] || !*o->f[f]))
            fields[n++] = (struct ai_field){doc_order_key(f), DESCRIPTION[f], NULL, 0,
                                            FIELD_MAX_LEN, 0};
    if (!o->nitems) /* the rules found no item line: ask for them too */
        fields[n++] = (struct ai_field){ITEM_LINES, ITEM_LINES_DESC, NULL, 0, FIELD_MAX_LEN, 1};
    if (!n)
        return KR_OK;
    buf_init(&b, 1u << 20);
    if ((rc = invoice_text(t, &b, err)))
        goto out;
    struct ai_order_req req = {(const char *)b.data, fields, n};
    if (ai_order_fields(ai, &req, &reply, &aerr) == KR_OK) /* else: the offline result stands */
        rc = merge(reply, (char *)b.data, o, err);
    if (!rc && reply && !o->nitems)
        rc = merge_items(reply, (const char *)b.data, o, err);
out:
    json_decref(reply);
    buf_release(&b);
    return rc;
}
