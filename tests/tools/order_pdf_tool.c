/*
 * order_pdf_tool.c - writes one generated marketplace tax invoice PDF
 * (tests/support/order_pdf.c, the same invoices the API tests read) to a
 * file, for the browser suite's Orders flow:
 *
 *   order_pdf amazon|flipkart|meesho|other ITEMS OUT.pdf
 *
 * and prints what Karat should read from it, in /create_order's shape
 * ({"parsed_data": {...}, "products_data": [...]}, every field Karat
 * returns), for bench/bill_quality.sh's invoice field accuracy. ITEMS is
 * 1-3. Exit 0 on success, 2 on bad arguments, 1 when drawing or writing
 * fails.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "order_pdf.h"

static void print_truth(const struct opdf *w)
{
    json_t *items = json_array();
    for (size_t i = 0; i < w->n; i++) {
        const struct opdf_item *it = &w->items[i];
        json_array_append_new(
            items, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "product_price", it->price,
                             "item_type", it->item_type, "sku_id", it->sku_id, "quantity", it->qty,
                             "sku", it->sku, "description", it->title, "hsn", it->hsn, "tax",
                             it->tax, "total", it->total));
    }
    json_t *pd = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "order_id", w->order_id,
                           "customer_name", w->customer, "order_date", w->date, "order_time",
                           w->time, "shipping_address", w->address, "tracking_id", w->tracking,
                           "payment_method", w->payment, "marketplace", w->marketplace,
                           "total_price_order", w->total, "invoice_date", w->invoice_date);
    json_t *o = json_pack("{s:o,s:o}", "parsed_data", pd, "products_data", items);
    json_dumpf(o, stdout, JSON_PRESERVE_ORDER | JSON_COMPACT);
    putchar('\n');
    json_decref(o);
}

int main(int argc, char **argv)
{
    static const char *const names[] = {"amazon", "flipkart", "meesho", "other"};
    struct opdf w;
    struct buf b;
    int m = -1, rc = 1;
    long n = argc == 4 ? strtol(argv[2], NULL, 10) : 0;
    FILE *f;

    for (int i = 0; argc == 4 && i < 4; i++)
        if (!strcmp(argv[1], names[i]))
            m = i;
    if (m < 0 || n < 1 || n > 3) {
        fprintf(stderr, "usage: order_pdf amazon|flipkart|meesho|other ITEMS(1-3) OUT.pdf\n");
        return 2;
    }
    order_pdf_sample((enum opdf_market)m, (size_t)n, &w);
    if (order_pdf_make(&w, &b))
        return 1;
    f = fopen(argv[3], "wb");
    if (f && fwrite(b.data, 1, b.len, f) == b.len)
        rc = 0;
    if (f && fclose(f))
        rc = 1;
    buf_release(&b);
    if (rc)
        fprintf(stderr, "order_pdf: cannot write %s\n", argv[3]);
    else if (m != OPDF_OTHER)
        print_truth(&w);
    return rc;
}
