/*
 * ocr.h - offline extraction of a bill's table from a photo, a scan or a PDF.
 *
 * ocr_read_document() takes the uploaded bytes as they are (JPEG, PNG, WebP,
 * HEIC or PDF; sniffed, not trusted by name) and returns the bill's table:
 * the table's own header texts, one row of cells per product line (text as
 * printed, UTF-8, with ₹ , % kept) and the other details of the bill as
 * key/value "extras" (seller, GSTIN, invoice number, date, totals...).
 *
 * Images are decoded through image/ (bounded by max_pixels before any
 * decode), deskewed and contrast-normalised, then read by libtesseract with
 * word boxes and confidences. A PDF page with a text layer is read from that
 * layer through poppler (conf -1, never OCR'd); a page without one is
 * rendered and OCR'd. Table structure comes from the word boxes: rows from
 * baselines, columns from the header row's words and the alignment of the
 * words below it; ruled tables' lines are removed before OCR. Lines above the
 * header with "key: value" shape and lines from a total line down are extras.
 *
 * Errors (slugs): not_a_document (not an image or PDF), empty_file,
 * too_many_pages, encrypted_pdf, image_too_large, no_table_found,
 * ocr_unavailable (tesseract or its language data missing).
 *
 * Ownership: *out is filled only on KR_OK; free it with ocr_table_free()
 * (also safe on a zeroed table). Thread safety: any thread, after
 * image_init(); each call has its own tesseract handle.
 */
#ifndef KARAT_OCR_OCR_H
#define KARAT_OCR_OCR_H

#include <stddef.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/err.h"

/* text as printed (UTF-8, ₹ , % kept); conf 0-100, or -1 when nothing was OCR'd: it came
 * from a PDF text layer, or the cell is blank */
struct ocr_cell {
    char *text;
    int conf;
};
struct ocr_extra {
    char *key;
    char *value;
};
struct ocr_table {
    size_t ncols;
    char **headers; /* the table's own header texts */
    size_t nrows;
    struct ocr_cell *cells; /* nrows * ncols, row-major */
    size_t nextras;
    struct ocr_extra *extras; /* seller, GSTIN, invoice no, date, totals... */
    int pages;
};
struct ocr_opts {
    size_t max_pages;
    size_t max_pixels;
    const char *tessdata_dir; /* NULL or "": tesseract's default */
    const char *langs;        /* "eng+hin"; NULL or "": "eng" */
    int text_layer_only;      /* 1: PDF pages without a text layer are rendered but not OCR'd
                               * (they add nothing); for the fuzz target. 0: OCR them. */
    const char *script_langs; /* "hin+eng": lines printed in Devanagari re-read with these;
                               * NULL or "": none */
};

enum kr_code ocr_read_document(const void *bytes, size_t len, const struct ocr_opts *o,
                               struct ocr_table *out, struct kr_err *err);
void ocr_table_free(struct ocr_table *t);


/* A PDF's text as lines of phrases with their boxes, for documents read by
 * labelled fields rather than as one table (marketplace invoices; doc/order.c).
 * The same reading, limits and errors as ocr_read_document() on a PDF (text
 * layer first, a page without one OCR'd unless text_layer_only), without the
 * table layout; other bytes are not_a_pdf, none empty_file. A phrase is words closer than about a space (one cell, one
 * "Label: value"); boxes in page pixels at ~300 dpi, y down. Lines are in
 * reading order, page by page. Fill *out only on KR_OK; free with
 * ocr_text_free() (safe on a zeroed struct). */
struct ocr_phrase {
    int x0, y0, x1, y1;
    char *text;
};
struct ocr_text_line {
    int page;        /* 0-based */
    size_t first, n; /* its phrases ph[first..first+n), left to right */
};
struct ocr_text {
    struct ocr_phrase *ph;
    size_t nph;
    struct ocr_text_line *line;
    size_t nline;
    int pages;
};
enum kr_code ocr_pdf_text(const void *bytes, size_t len, const struct ocr_opts *o,
                          struct ocr_text *out, struct kr_err *err);
void ocr_text_free(struct ocr_text *t);

#endif
