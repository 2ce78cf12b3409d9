/*
 * orders.c - POST /create_order: a marketplace order/tax invoice PDF ->
 * {"parsed_data": {...}, "products_data": [{...}, ...]}.
 *
 * The original sent the PDF to Gemini's file API and split comma-joined
 * strings into items; Karat reads it offline (doc_order_read: the PDF's text
 * layer with Amazon.in, Flipkart and Meesho label rules), one products_data
 * element per item line; with a text AI provider configured the fields the
 * rules left empty are asked of it (doc/order_ai.c). The upload is multipart `file`; the original's
 * 200 {"error": "Only PDF files are allowed"} for anything else is a 400
 * not_a_pdf here, judged by the bytes (not the client's content type). A
 * 0-byte, damaged, encrypted or too long PDF gets the reader's 4xx; an
 * invoice of another layout is 400 unknown_invoice. Reading takes one of
 * the bills' admission slots (a scanned page is OCR'd). Nothing is stored.
 */
#include "api/api_int.h"

#include <string.h>

#include "doc/doc.h"

void api_create_order(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    const struct http_file *f;
    struct doc_order o = {0};
    struct kr_err err = {0};
    struct ocr_opts opts;
    char client[ADMIT_CLIENT_LEN];
    json_t *j;

    if (api__image_file(req, res, "file", &f))
        return;
    if (f->len < 5 || memcmp(f->data, "%PDF-", 5)) {
        http_res_error(res, KRS_NOT_A_PDF, "only PDF files are allowed: the upload is not a PDF");
        return;
    }
    if (api__admit(app, APP_WORK_BILLS, req, res, client))
        return;
    opts = doc_ocr_opts(app->cfg);
    if (doc_order_read(f->data, f->len, &opts, app->ai, &o, &err))
        http_res_from_err(res, &err);
    else if (!(j = doc_order_json(&o)))
        http_res_error(res, KRS_OUT_OF_MEMORY, "order: JSON");
    else
        http_res_json(res, 200, j);
    api__release(app, APP_WORK_BILLS, client);
    doc_order_free(&o);
}
