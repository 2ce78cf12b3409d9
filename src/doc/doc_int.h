/*
 * doc_int.h - what the files of doc/ share (not public).
 */
#ifndef KARAT_DOC_INT_H
#define KARAT_DOC_INT_H

#include "doc/doc.h"

#include <string.h>

/* doc_table_from_json with another row bound (persist.c reads a stored
 * version with a header row in front: DOC_MAX_ROWS + 1). */
enum kr_code doc__table_from_json(const json_t *rows, const json_t *extras, size_t max_rows,
                                  struct doc_table *out, struct kr_err *err);

/* *s (a read_as, maybe NULL) replaced by a copy of it; 1 when out of memory
 * (then *s is NULL). */
int doc__dup_read_as(char **s);

/* Column roles doc_check() looks for. */
enum doc_role {
    DOC_R_NONE,
    DOC_R_QTY,
    DOC_R_RATE,
    DOC_R_AMOUNT,
    DOC_R_WEIGHT,
    DOC_R_MAKING,
    DOC_R_HSN,
    DOC_R_PURITY,
    DOC_R_SKIP, /* serial numbers, codes, dates: never part of a formula */
};

/* The role a header's words give a column (name only). */
enum doc_role doc__role_by_name(const char *header);
/* Lower-case s without spaces, dots, underscores and hyphens into out. */
void doc__squash(const char *s, char *out, size_t n);

/* Append a warning (printf-style message); only out of memory fails. */
struct doc_warning *doc__warn(struct doc_warnings *w, enum doc_warn_kind kind, long row, long col);
/* Is found within tolerance of expected (plus float noise)? */
int doc__close(double expected, double found, double tolerance);
/* The extras checks (subtotal, taxes, grand total) given the line amounts. */
enum kr_code doc__check_extras(const struct doc_table *t, const struct doc_check_opts *o,
                               long amount_col, struct doc_warnings *out, struct kr_err *err);

/* offline.c: the offline reader (ocr_read_document, moved into a doc_table). */
enum kr_code doc__extract_offline(const struct doc_extract_req *req, struct doc_table *out,
                                  struct kr_err *err);

/* ---- order invoices (order_rules.c; order.c reads with them) ---- */
enum doc__col { DOC_COL_DESC, DOC_COL_SKU, DOC_COL_HSN, DOC_COL_QTY, DOC_COL_PRICE,
                DOC_COL_TAX, DOC_COL_TOTAL, DOC_NCOLS };
typedef const char *const doc__labels[6]; /* NULL-terminated, first match wins */
struct doc__order_rules {
    const char *marketplace;
    doc__labels detect;                    /* text anywhere that names the marketplace */
    doc__labels field[DOC_ORD_NFIELDS];    /* labels of each field (customer: the Ship To block) */
    doc__labels col[DOC_NCOLS];            /* the item table's headers */
};  /* field[DOC_ORD_TOTAL] labels the line below the items that carries the total */
/* The rules of the marketplace t comes from, NULL when none. */
const struct doc__order_rules *doc__order_detect(const struct ocr_text *t);
/* Length of the label of labels that s starts with (case-insensitive, ending at a
 * word boundary), 0 when none. */
size_t doc__label_at(const char *s, const char *const *labels);
/* s after a label: spaces and ":#-" skipped. */
const char *doc__after_label(const char *s, size_t label_len);
/* Does any field label, column header or end label of r start s? */
int doc__is_label(const struct doc__order_rules *r, const char *s);
/* The labelled fields of t into o->f (order_rules.c); the marketplace and the
 * total are set by order.c. */
enum kr_code doc__order_fields(const struct ocr_text *t, const struct doc__order_rules *r,
                               struct doc_order *o, struct kr_err *err);
/* The fields o lacks asked of ai's text provider when one is configured
 * (order_ai.c), and its item lines when the rules found none; only values
 * found on the invoice t are taken. A provider failure leaves o as it was
 * (KR_OK); only out of memory fails. */
enum kr_code doc__order_complete(struct ai *ai, const struct ocr_text *t, struct doc_order *o,
                                 struct kr_err *err);
/* order.c's item helpers, for order_ai.c's items: a blank item appended (-1
 * when out of memory); *slot replaced by a trimmed copy of s[0..n) (append:
 * after a space); an item's SKU/HSN from its description, item_type and
 * sku_id split, the fields it lacks set to "". */
int doc__order_add_item(struct doc_order *o);
int doc__order_put(char **slot, const char *s, size_t n, int append);
int doc__order_finish_item(struct doc_order_item *it);
/* A trimmed copy of s[0..n) (NULL when out of memory). */
char *doc__strndup_trim(const char *s, size_t n);

#endif
