/*
 * fuzz_doc_expr.c - libFuzzer target: the /further_req row filter
 * (doc/expr.c) and the cell value parser (doc/value.c).
 *
 * The input is the filter's text (cut at the first NUL), parsed against a
 * fixed bill whose headers include spaces, punctuation and a keyword-like
 * word; a parse must either succeed or fail with bad_filter, and a parsed
 * filter is evaluated on every row. The same bytes are parsed as a cell
 * value, and refined with doc_refine() both as a filter and as a column
 * list. Nothing may leak (LSan) or read out of bounds (ASan).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "doc/doc.h"

static struct doc_table t;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    json_error_t je;
    json_t *rows = json_loads(
        "[{\"Description\":\"Gold Ring\",\"Purity\":\"22K\",\"Qty\":\"2\",\"Net Wt\":\"5.5 g\","
        "\"Rate/g\":\"6,000\",\"Amount\":\"\xe2\x82\xb9 1,23,456.50\",\"and or\":\"x\"},"
        "{\"Description\":\"Silver (925)\",\"Purity\":\"916\",\"Qty\":\"\",\"Net Wt\":\"250 mg\","
        "\"Rate/g\":\"Rs. 90/-\",\"Amount\":\"(1,200)\",\"and or\":\"\"}]",
        0, &je);
    struct kr_err err = {0};
    (void)argc;
    (void)argv;
    if (!rows || doc_table_from_json(rows, NULL, &t, &err))
        abort();
    json_decref(rows);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    struct doc_expr *e = NULL;
    struct doc_table out;
    struct doc_value v;
    struct kr_err err = {0};

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    doc_parse_value(text, &v);
    if (doc_expr_parse(text, &t, &e, &err) == KR_OK) {
        for (size_t r = 0; r < t.nrows; r++)
            (void)doc_expr_match(e, &t, r);
        doc_expr_free(e);
    } else if (e || strcmp(err.slug, "bad_filter")) {
        abort();
    }
    if (doc_refine(&t, NULL, text, &out, &err) == KR_OK)
        doc_table_free(&out);
    if (doc_refine(&t, text, NULL, &out, &err) == KR_OK)
        doc_table_free(&out);
    free(text);
    return 0;
}
