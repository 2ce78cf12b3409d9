/*
 * doc.h - documents: supplier bills and invoices as checked tables.
 *
 * A bill is a table of product rows keyed by the table's own column
 * headers, plus "extras" (seller, GSTIN, invoice number, totals, ...). Each
 * cell keeps the string exactly as printed and, beside it, the value parsed
 * from it (doc_parse_value: Indian digit grouping "₹1,23,456.50", Rs./INR,
 * "%", a trailing "/-", weights in g/mg/ct, purity 24K/22K/18K/916/750, HSN
 * codes). doc_check() does the arithmetic a person would: qty x rate =
 * amount, weight x rate + making = amount (the columns are found from their
 * own values as well as their names), the line amounts against the
 * subtotal, CGST+SGST or IGST against the stated rate (3% for HSN
 * 7113/7117), the grand total, and OCR cells read with low confidence.
 *
 * The table is the type modules exchange; JSON is only its wire form
 * (doc_table_from_json / doc_table_json), in the original system's shape
 * {"table": [{header: value}], "extras": {key: value}}.
 *
 * Documents persist as versions in the record store's document table
 * (doc_store_*): every extraction, refinement and manual edit is a version,
 * and each client (API key digest or address) has a history of its last
 * DOC_HISTORY_MAX results that GET /undo_invoice walks back.
 *
 * POST /further_req's row filter is a small expression language
 * (doc_expr_*, grammar in doc/expr.c and docs/API.md).
 *
 * Ownership: every pointer in a struct doc_table is malloc'd and freed by
 * doc_table_free(). Thread safety: no shared state except doc_store's
 * history lock.
 */
#ifndef KARAT_DOC_DOC_H
#define KARAT_DOC_DOC_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"
#include "ocr/ocr.h"

/* Bounds on untrusted tables (a JSON body or a provider's reply). */
#define DOC_MAX_ROWS    5000
#define DOC_MAX_COLS    64
#define DOC_MAX_EXTRAS  256
#define DOC_MAX_CELL    4096 /* bytes of one cell, header or extra */
#define DOC_HISTORY_MAX 10

/* What a printed string turned out to be. */
enum doc_kind {
    DOC_EMPTY,   /* blank */
    DOC_TEXT,    /* anything that is not one of the below */
    DOC_NUMBER,  /* a plain number: "2", "1,234.5", "916" */
    DOC_MONEY,   /* with a currency mark: "₹1,23,456.50", "Rs. 500/-", "INR 20", "$2,579.90" */
    DOC_PERCENT, /* "3%", "1.5 %": num is 3, 1.5 */
    DOC_WEIGHT,  /* "10.5 g", "250mg", "1.2 ct": num in grams (1 ct = 0.2 g) */
    DOC_PURITY,  /* "22K", "18KT", "22 Karat": num is fineness per mille (22K = 916) */
    DOC_HSN,     /* "HSN 7113", "HSN: 711319": num is the code's digits */
};

struct doc_value {
    enum doc_kind kind;
    double num; /* meaningful unless kind is DOC_EMPTY or DOC_TEXT */
};

/* Parse a printed string; never fails (unrecognised text is DOC_TEXT). */
void doc_parse_value(const char *text, struct doc_value *out);
/* Does v carry a number (every kind but EMPTY and TEXT)? */
int doc_value_numeric(const struct doc_value *v);
/* The fineness of a plain number that is a hallmark (999, 995, 916, 875,
 * 750, 585, 375) or of a DOC_PURITY value; 0 when it is neither. */
int doc_purity_fineness(const struct doc_value *v);
/* Is this HSN code (digits, maybe "HSN" before them) jewellery (7113/7117)? */
int doc_hsn_jewellery(const char *text);

struct doc_cell {
    char *text;         /* as printed; never NULL ("" for a blank) */
    struct doc_value v; /* parsed from text */
    int conf;           /* OCR confidence 0..100; -1 when not read by OCR */
    char *read_as;      /* what the OCR read when doc_fix_ocr() put text right; else NULL */
};

struct doc_extra {
    char *key;
    char *value;
    char *read_as; /* as in doc_cell */
};

struct doc_table {
    size_t ncols;
    char **headers;
    size_t nrows;
    struct doc_cell *cells; /* nrows x ncols, row after row */
    size_t nextras;
    struct doc_extra *extras;
    int pages;
};

static inline struct doc_cell *doc_cell_at(const struct doc_table *t, size_t row, size_t col)
{
    return &t->cells[row * t->ncols + col];
}
void doc_table_free(struct doc_table *t);
/* A deep copy. */
enum kr_code doc_table_copy(const struct doc_table *src, struct doc_table *out, struct kr_err *err);
/* From the wire form: rows = an array of objects (headers are their keys in
 * order of first appearance; a row without a key has a blank cell), values
 * strings, numbers or null; extras = an object of scalars or NULL. Bounds
 * above; anything else is bad_json naming what is wrong. */
enum kr_code doc_table_from_json(const json_t *rows, const json_t *extras, struct doc_table *out,
                                 struct kr_err *err);
/* The rows array (a blank cell is kept as ""); new reference. */
json_t *doc_rows_json(const struct doc_table *t);
/* The extras object; new reference. */
json_t *doc_extras_json(const struct doc_table *t);

/* ---- checks ---- */
enum doc_warn_kind {
    DOC_W_LINE_AMOUNT,    /* qty x rate != amount */
    DOC_W_LINE_WEIGHT,    /* weight x rate + making != amount */
    DOC_W_SUBTOTAL,       /* sum of line amounts != subtotal */
    DOC_W_TAX,            /* CGST/SGST/IGST != rate x taxable value */
    DOC_W_GRAND_TOTAL,    /* taxable + taxes + round-off != grand total */
    DOC_W_LOW_CONFIDENCE, /* an OCR cell read with confidence under the threshold */
    DOC_W_CORRECTED,      /* a cell or extra doc_fix_ocr() put right (not arithmetic) */
};

struct doc_warning {
    enum doc_warn_kind kind;
    long row;      /* 0-based row of the table; -1 for extras */
    long col;      /* column index; -1 when the warning is about an extra */
    char key[128]; /* the extra's key when col is -1 */
    double expected, found;
    int conf; /* DOC_W_LOW_CONFIDENCE: the cell's confidence */
    char msg[256];
};

struct doc_warnings {
    size_t n;
    struct doc_warning *w; /* malloc'd */
};

struct doc_check_opts {
    int min_conf;     /* KARAT_DOC_MIN_CONFIDENCE */
    double tolerance; /* KARAT_DOC_TOLERANCE: absolute slack (rupees, grams) */
};

/* The wire name of a kind ("line_amount", "line_weight", "subtotal", "tax",
 * "grand_total", "low_confidence", "ocr_corrected"). */
const char *doc_warn_name(enum doc_warn_kind k);
/* Check t; warnings appended to out (freed with doc_warnings_free). Only
 * out of memory fails. */
enum kr_code doc_check(const struct doc_table *t, const struct doc_check_opts *o,
                       struct doc_warnings *out, struct kr_err *err);
void doc_warnings_free(struct doc_warnings *w);
/* A rupee sign the OCR read as "2", "3" or "Z" glued to an amount, put right
 * in an OCR'd table's cells and extras where the column's other cells print
 * "₹" and either the glyph (a letter, a grouping no Indian amount has) or the
 * arithmetic (fewer doc_check failures without it) says so (fix.c); what was
 * read is kept in read_as. A table with no OCR'd cell is left alone. Only out
 * of memory fails. */
enum kr_code doc_fix_ocr(struct doc_table *t, const struct doc_check_opts *o, struct kr_err *err);
/* [{"kind", "row", "column" | "extra", "expected", "found", ["confidence",] "message"}] */
json_t *doc_warnings_json(const struct doc_table *t, const struct doc_warnings *w);

/* ---- reading a bill (extract.c) ---- */
struct ai;
struct doc_extract_req {
    const void *bytes; /* an image (JPEG, PNG, WebP, HEIC) or a PDF */
    size_t len;
    int is_pdf;
    const char *prompt; /* an extra instruction for a provider; NULL = none */
    struct ai *ai;      /* read photos with its attribute provider unless offline; NULL = none */
    const char *mime;   /* the image's type ("image/jpeg" ...) for the provider */
    struct ocr_opts ocr; /* the offline reader's limits: doc_ocr_opts(cfg) */
    /* An OCR'd table's misread rupee signs put right with these checks
     * (doc_fix_ocr); NULL: the table as read. */
    const struct doc_check_opts *check;
};
struct config;
/* The offline reader's options from the config (pages, pixels, languages). */
struct ocr_opts doc_ocr_opts(const struct config *cfg);
typedef enum kr_code (*doc_extract_fn)(const struct doc_extract_req *req, struct doc_table *out,
                                       struct kr_err *err);
/* Read a bill into out (values parsed, then doc_fix_ocr with req->check): with the provider in bands of
 * AI_TABLE_ROWS rows (ai_table), the offline reader when it fails. Failures:
 * the offline reader's, or the provider's when the offline reader is not
 * installed (503 ocr_unavailable). */
enum kr_code doc_extract(const struct doc_extract_req *req, struct doc_table *out,
                         struct kr_err *err);
/* Tests only: fn stands in for the offline reader (NULL: the real one). */
void doc_extract_fake(doc_extract_fn fn);

/* ---- marketplace order invoices: POST /create_order, karat order (order.c,
 * order_rules.c) ----
 * An Amazon.in, Flipkart or Meesho tax invoice PDF read from its text layer
 * (ocr_pdf_text) by labelled fields: the marketplace is detected from the
 * text, then that marketplace's row of a small rule table names the labels
 * of each field (Order Number/Order ID, Order Date, Ship To, AWB, payment,
 * the total line) and the item table's column headers (Description, SKU,
 * HSN, Qty, Unit Price, Tax, Total). Values are the strings as printed. */
enum doc_order_field {
    DOC_ORD_ORDER_ID,
    DOC_ORD_CUSTOMER,
    DOC_ORD_DATE,
    DOC_ORD_TIME,
    DOC_ORD_ADDRESS,
    DOC_ORD_TRACKING,
    DOC_ORD_PAYMENT,
    DOC_ORD_MARKETPLACE,
    DOC_ORD_TOTAL,
    DOC_ORD_INVOICE_DATE,
    DOC_ORD_NFIELDS
};
enum doc_item_field {
    DOC_ITEM_PRICE,
    DOC_ITEM_TYPE,   /* leading letters of the seller's SKU ("earrings" of "earrings6") */
    DOC_ITEM_SKU_ID, /* the rest of it ("6") */
    DOC_ITEM_QTY,
    DOC_ITEM_SKU, /* the SKU as printed */
    DOC_ITEM_DESC,
    DOC_ITEM_HSN,
    DOC_ITEM_TAX,
    DOC_ITEM_TOTAL,
    DOC_ITEM_NFIELDS
};
struct doc_order_item {
    char *f[DOC_ITEM_NFIELDS]; /* never NULL; "" when the invoice has none */
};
struct doc_order {
    char *f[DOC_ORD_NFIELDS]; /* never NULL; "" when the invoice has none */
    size_t nitems;
    struct doc_order_item *items;
};
/* The JSON key of a field (the original's names, then Karat's). */
const char *doc_order_key(enum doc_order_field f);
const char *doc_item_key(enum doc_item_field f);
/* Read a PDF: not_a_pdf, empty_file, encrypted_pdf, too_many_pages (the PDF
 * reader's), unknown_invoice (no marketplace's layout), incomplete_invoice
 * (no order number or no item line). The rules read first; with ai's text
 * provider configured (not offline; ai may be NULL) the fields they left
 * empty, and the item lines when they found none, are asked of it and taken
 * when the invoice shows them (order_ai.c); its failure leaves the rules'
 * result. *out filled only on KR_OK. */
enum kr_code doc_order_read(const void *bytes, size_t len, const struct ocr_opts *o,
                            struct ai *ai, struct doc_order *out, struct kr_err *err);
/* The same from text already read (tests, other sources). */
enum kr_code doc_order_parse(const struct ocr_text *t, struct ai *ai, struct doc_order *out,
                             struct kr_err *err);
/* {"parsed_data": {...}, "products_data": [{...}]} (a new reference, NULL when out of memory). */
json_t *doc_order_json(const struct doc_order *o);
void doc_order_free(struct doc_order *o);

/* ---- files (files.c) ---- */
struct buf;
/* The original's legacy CSVs (Python csv.writer quoting, CRLF): the table
 * (headers, then rows) and the extras (keys line, values line). */
enum kr_code doc_csv_table(const struct doc_table *t, struct buf *out, struct kr_err *err);
enum kr_code doc_csv_extras(const struct doc_table *t, struct buf *out, struct kr_err *err);
/* An .xlsx: sheet "Table" (headers + rows) and "Extras" (Key, Value);
 * written through a private file in tmp_dir. */
enum kr_code doc_xlsx(const struct doc_table *t, const char *tmp_dir, struct buf *out,
                      struct kr_err *err);

/* ---- POST /further_req: keep columns, filter rows (expr.c, refine.c) ---- */
#define DOC_EXPR_MAX   1000 /* bytes of a filter */
#define DOC_EXPR_NODES 128
#define DOC_EXPR_DEPTH 32

struct doc_expr;
/* Parse a filter against t's headers; bad_filter (400) names what was not
 * understood (an unknown column, a missing operator or value, ...). */
enum kr_code doc_expr_parse(const char *text, const struct doc_table *t, struct doc_expr **out,
                            struct kr_err *err);
int doc_expr_match(const struct doc_expr *e, const struct doc_table *t, size_t row);
void doc_expr_free(struct doc_expr *e);

/* in, with only the columns named in `columns` (comma-separated, matched
 * ignoring case and spaces, in that order; NULL, "", "all" or "*": every
 * column) and the rows `manual` keeps (NULL, "" or "all": every row).
 * bad_filter names an unknown column or what in manual was not understood. */
enum kr_code doc_refine(const struct doc_table *in, const char *columns, const char *manual,
                        struct doc_table *out, struct kr_err *err);

/* The same with the AI layer's copy provider (for a filter doc_refine
 * cannot parse), read in bands like a bill; doc_refine_ai_ready: is that
 * provider one that can (not offline)? */
int doc_refine_ai_ready(struct ai *ai);
enum kr_code doc_refine_ai(struct ai *ai, const struct doc_table *in, const char *columns,
                           const char *manual, struct doc_table *out, struct kr_err *err);

/* ---- persistence: versions in the record store's document table ---- */
struct store;

#define DOC_ID_LEN 33 /* 32 hex digits + NUL */

enum doc_source { DOC_SRC_EXTRACT, DOC_SRC_REFINE, DOC_SRC_EDIT };
/* "extract", "refine", "edit" */
const char *doc_source_name(enum doc_source s);

struct doc_save_req {
    const char *id; /* a new version of this document; NULL or "": a new document */
    const struct doc_table *table;
    enum doc_source source;
    const char *client;    /* whose history gets it (http_req_client's string) */
    const char *bytes_sha; /* an upload's SHA-256 hex, remembered for duplicates; or NULL */
    int base_version;      /* > 0: the version an edit started from; a newer latest is
                              doc_changed (409) instead of a silent overwrite */
};

struct doc_saved {
    char id[DOC_ID_LEN];
    int version;
    /* An extraction whose table equals one stored before under another
     * document: that document's id; else "". */
    char duplicate_of[DOC_ID_LEN];
};

struct doc_state {
    char id[DOC_ID_LEN];
    int version;
    enum doc_source source;
    long long created_ms;
    struct doc_table table;
};

/* Store a version (the next one of r->id, which must exist, or version 1 of
 * a new document) and push it onto the client's history (the last
 * DOC_HISTORY_MAX results). */
enum kr_code doc_store_save(struct store *s, const struct doc_save_req *r, struct doc_saved *out,
                            struct kr_err *err);
/* A version (0 = the latest); KR_ENOTFOUND (doc_not_found) if there is none. */
enum kr_code doc_store_get(struct store *s, const char *id, int version, struct doc_state *out,
                           struct kr_err *err);
/* The document an upload with this SHA-256 made before, or "" in id. */
enum kr_code doc_store_find_upload(struct store *s, const char *bytes_sha, char id[DOC_ID_LEN],
                                   struct kr_err *err);
void doc_state_free(struct doc_state *st);

/* GET /download/: the client's last extras CSV (bucket, key) is noted at
 * every extraction; "" in both when there is none. */
enum kr_code doc_store_note_download(struct store *s, const char *client, const char *bucket,
                                     const char *key, struct kr_err *err);
struct doc_download {
    char bucket[128];
    char key[600];
};
enum kr_code doc_store_last_download(struct store *s, const char *client, struct doc_download *out,
                                     struct kr_err *err);

/* What GET /undo_invoice found (the original's answers, SEED §5.3). */
enum doc_undo {
    DOC_UNDO_NO_HISTORY, /* the client never had a result: "Undo file does not exist." */
    DOC_UNDO_EMPTY,      /* nothing left to undo: "No actions to undo." */
    DOC_UNDO_LAST_GONE,  /* the only entry was undone: "no file to undo" */
    DOC_UNDO_STATE,      /* the previous result is in *out */
};
/* Drop the client's last result; the one before it (if any) in *out. */
enum kr_code doc_store_undo(struct store *s, const char *client, enum doc_undo *what,
                            struct doc_state *out, struct kr_err *err);

#endif
