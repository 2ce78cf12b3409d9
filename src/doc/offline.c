/*
 * offline.c - the offline bill reader: the ocr/ module behind one function.
 *
 * ocr_read_document() reads a photo, a scan or a PDF (tesseract for
 * pixels, poppler's text layer when a PDF has one) into a struct
 * ocr_table; this file moves its strings into a struct doc_table (headers,
 * cells with their confidences, extras, pages) without copying them. The
 * values are parsed by doc_extract, as for a provider's table. The limits
 * come from the config (doc_ocr_opts), so the server and `karat bill`
 * read a bill with the same settings.
 */
#include "doc/doc_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/config.h"

struct ocr_opts doc_ocr_opts(const struct config *cfg)
{
    return (struct ocr_opts){
        .max_pages = (size_t)cfg->ocr_max_pages,
        .max_pixels = (size_t)cfg->max_pixels,
        .tessdata_dir = cfg->ocr_tessdata,
        .langs = cfg->ocr_langs,
        .script_langs = cfg->ocr_script_langs,
    };
}

/* Move in's strings into out (in keeps empty arrays, freed by the caller). */
static enum kr_code move_table(struct ocr_table *in, struct doc_table *out, struct kr_err *err)
{
    size_t n = in->nrows * in->ncols;

    out->cells = calloc(n ? n : 1, sizeof *out->cells);
    out->extras = calloc(in->nextras ? in->nextras : 1, sizeof *out->extras);
    if (!out->cells || !out->extras) {
        free(out->cells);
        free(out->extras);
        out->cells = NULL;
        out->extras = NULL;
        return kr_fail(err, KRS_OUT_OF_MEMORY, "bill: table of %zu cells", n);
    }
    for (size_t i = 0; i < n; i++) {
        out->cells[i].text = in->cells[i].text ? in->cells[i].text : strdup("");
        out->cells[i].conf = in->cells[i].conf;
        in->cells[i].text = NULL;
    }
    for (size_t i = 0; i < in->nextras; i++) {
        out->extras[i] = (struct doc_extra){in->extras[i].key, in->extras[i].value, NULL};
        in->extras[i] = (struct ocr_extra){NULL, NULL};
    }
    out->headers = in->headers; /* the array itself moves */
    in->headers = NULL;
    out->ncols = in->ncols;
    out->nrows = in->nrows;
    out->nextras = in->nextras;
    out->pages = in->pages;
    in->ncols = 0;
    for (size_t i = 0; i < n; i++)
        if (!out->cells[i].text)
            return kr_fail(err, KRS_OUT_OF_MEMORY, "bill: a blank cell");
    return KR_OK;
}

enum kr_code doc__extract_offline(const struct doc_extract_req *req, struct doc_table *out,
                                  struct kr_err *err)
{
    struct ocr_table t = {0};
    enum kr_code rc = ocr_read_document(req->bytes, req->len, &req->ocr, &t, err);

    if (!rc && (rc = move_table(&t, out, err)))
        doc_table_free(out);
    ocr_table_free(&t);
    return rc;
}
