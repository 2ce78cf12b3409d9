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
 */
#include "doc/doc_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "ai/ai.h"
#include "core/buf.h"

#define FIELD_MAX_LEN 300

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

enum kr_code doc__order_complete(struct ai *ai, const struct ocr_text *t, struct doc_order *o,
                                 struct kr_err *err)
{
    struct ai_field fields[DOC_ORD_NFIELDS];
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
    if (!n)
        return KR_OK;
    buf_init(&b, 1u << 20);
    if ((rc = invoice_text(t, &b, err)))
        goto out;
    struct ai_order_req req = {(const char *)b.data, fields, n};
    if (ai_order_fields(ai, &req, &reply, &aerr) == KR_OK) /* else: the offline result stands */
        rc = merge(reply, (char *)b.data, o, err);
out:
    json_decref(reply);
    buf_release(&b);
    return rc;
}
