/*
 * order_pdf_tool.c - writes one generated marketplace tax invoice PDF
 * (tests/support/order_pdf.c, the same invoices the API tests read) to a
 * file, for the browser suite's Orders flow:
 *
 *   order_pdf amazon|flipkart|meesho|other ITEMS OUT.pdf
 *
 * ITEMS is 1-3. Exit 0 on success, 2 on bad arguments, 1 when drawing or
 * writing fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "order_pdf.h"

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
    return rc;
}
