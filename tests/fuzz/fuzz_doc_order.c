/*
 * fuzz_doc_order.c - libFuzzer target: the marketplace invoice reader
 * (doc_order_parse: detection, labelled fields, the Ship To block, the item
 * table, SKU splitting) on arbitrary text.
 *
 * The input is phrases, one per line "x0 y0 x1 y1 text" (what ocr_pdf_text
 * hands out); a line of the text starts where y0 changes. At most 4000
 * phrases, valid UTF-8 (as the PDF reader's text always is; other input is
 * skipped). Checks: an error with a slug, or an order whose every field and
 * item field is a string (read here so ASan sees them) and whose JSON builds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc/doc.h"

#define PHRASES_MAX 4000

static void check(const struct ocr_text *t)
{
    struct doc_order o = {0};
    struct kr_err err = {0};
    size_t sum = 0;
    if (doc_order_parse(t, NULL, &o, &err)) {
        if (!err.slug)
            abort();
        return;
    }
    for (int f = 0; f < DOC_ORD_NFIELDS; f++)
        sum += strlen(o.f[f]);
    for (size_t i = 0; i < o.nitems; i++)
        for (int f = 0; f < DOC_ITEM_NFIELDS; f++)
            sum += strlen(o.items[i].f[f]);
    json_t *j = doc_order_json(&o);
    if (!j)
        abort();
    json_decref(j);
    doc_order_free(&o);
    (void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    struct ocr_text t = {0};
    json_t *utf8 = json_stringn((const char *)data, n); /* NULL: not valid UTF-8 */
    char *s = utf8 ? malloc(n + 1) : NULL, *save = NULL;
    json_decref(utf8);
    if (!s)
        return 0;
    memcpy(s, data, n);
    s[n] = 0;
    t.ph = calloc(PHRASES_MAX, sizeof *t.ph);
    t.line = calloc(PHRASES_MAX, sizeof *t.line);
    if (!t.ph || !t.line)
        goto out;
    for (char *l = strtok_r(s, "\n", &save); l && t.nph < PHRASES_MAX;
         l = strtok_r(NULL, "\n", &save)) {
        struct ocr_phrase p = {0};
        int used = 0;
        if (sscanf(l, "%d %d %d %d %n", &p.x0, &p.y0, &p.x1, &p.y1, &used) < 4 || !used)
            continue;
        if (!(p.text = strdup(l + used)))
            break;
        if (!t.nph || t.ph[t.nph - 1].y0 != p.y0)
            t.line[t.nline++] = (struct ocr_text_line){0, t.nph, 0};
        t.line[t.nline - 1].n++;
        t.ph[t.nph++] = p;
    }
    t.pages = 1;
    check(&t);
out:
    ocr_text_free(&t);
    free(s);
    return 0;
}
