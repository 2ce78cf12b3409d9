/*
 * order_pdf.h - marketplace tax-invoice PDFs for tests: Amazon.in, Flipkart
 * and Meesho layouts (labels, a Ship To block, an item table, a total line)
 * drawn with pango on cairo's PDF surface, so they have a real text layer.
 *
 * order_pdf_sample() fills deterministic data for a marketplace and a number
 * of items (1-3); order_pdf_make() draws it. The test compares what Karat
 * reads with the same struct. OPDF_OTHER draws an invoice of a shop that is
 * none of the three (no marketplace named), for the unknown-layout error.
 */
#ifndef KARAT_ORDER_PDF_H
#define KARAT_ORDER_PDF_H

#include <stddef.h>

#include <cairo.h>

#include "core/buf.h"

enum opdf_market { OPDF_AMAZON, OPDF_FLIPKART, OPDF_MEESHO, OPDF_OTHER };

struct opdf_item {
    const char *title, *sku, *item_type, *sku_id, *hsn, *qty, *price, *tax, *total;
};
struct opdf {
    enum opdf_market market;
    const char *marketplace; /* as Karat names it */
    const char *order_id, *customer, *addr[2], *address, *date, *time, *invoice_date;
    const char *tracking, *payment, *total;
    size_t n;
    struct opdf_item items[3];
    const char *qty_header; /* Amazon's quantity header; NULL: "Qty" ("Pcs": one the rules do
                               not know, so they find no item line) */
};

void order_pdf_sample(enum opdf_market m, size_t nitems, struct opdf *o);
/* The PDF into out (initialised here; release with buf_release). 0 on success. */
int order_pdf_make(const struct opdf *o, struct buf *out);

/* Text at (x, y) in DejaVu Sans of px units: a real text layer on a PDF surface. */
void opdf_text(cairo_t *cr, double x, double y, const char *s, int px);
/* The PDF encrypted with qpdf (user password "secret"), malloc'd; NULL when
 * qpdf is not installed (the caller skips). */
unsigned char *opdf_encrypt(const void *pdf, size_t n, size_t *out_n);

#endif
