/*
 * karat_fault.c - the `karat` binary plus the fault-injecting backends of
 * tests/support/fault.h, for API tests of failure paths (never installed).
 *
 * KARAT_BLOB=fault / KARAT_STORE=fault select the decorators; KARAT_FAULTS
 * holds the rules ("store.image_find_sha=2:io_error,blob.stat=*:io_error").
 * KARAT_FAKE_BILL_ROWS=N reads every bill as a generated jewellery GST bill
 * of N rows (doc_extract_fake) whose row 3 has an amount 100 too high, for
 * the bill endpoints' API tests while this build has no offline reader.
 * With KARAT_FAKE_BILL_OCR=1 as well, the bill is "read by OCR" (cells with
 * a confidence), its amounts print "₹", and row 6's "₹" was read as "2"
 * (doc_fix_ocr puts it right and notes it).
 */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "cli/cli.h"
#include "doc/doc.h"
#include "fault.h"

static json_t *fake_rows(int n, double *sum)
{
    json_t *rows = json_array();
    char wt[32], amt[32], making[32], no[16];

    *sum = 0;
    for (int i = 0; i < n; i++) {
        double w = 1.5 + i % 7, m = 500 + 10 * i, a = w * 6000 + m + (i == 3 ? 100 : 0);
        snprintf(no, sizeof no, "%d", i + 1);
        snprintf(wt, sizeof wt, "%.3f g", w);
        snprintf(making, sizeof making, "%.0f", m);
        const char *sign = !getenv("KARAT_FAKE_BILL_OCR") ? "" : i == 5 ? "2" : "\xe2\x82\xb9";
        snprintf(amt, sizeof amt, "%s%.2f", sign, a);
        *sum += a;
        json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Sl No",
                                              no, "Description", "22K Gold Ring", "HSN", "7113",
                                              "Purity", "22K", "Net Wt", wt, "Rate/g", "6,000",
                                              "Making", making, "Amount", amt));
    }
    return rows;
}

static enum kr_code fake_bill(const struct doc_extract_req *req, struct doc_table *out,
                              struct kr_err *err)
{
    double sum;
    char s[32], tax[32], total[32];
    json_t *rows = fake_rows(atoi(getenv("KARAT_FAKE_BILL_ROWS")), &sum), *extras;
    enum kr_code rc;

    snprintf(s, sizeof s, "%.2f", sum);
    snprintf(tax, sizeof tax, "%.2f", sum * 0.015);
    snprintf(total, sizeof total, "%.2f", sum * 1.03);
    extras = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "Seller", "Shree Karigar Works",
                       "Invoice No", (json_int_t)req->len, "Taxable Value", s, "CGST @ 1.5%", tax,
                       "SGST @ 1.5%", tax, "Grand Total", total);
    rc = doc_table_from_json(rows, extras, out, err);
    for (size_t i = 0; !rc && getenv("KARAT_FAKE_BILL_OCR") && i < out->nrows * out->ncols; i++)
        out->cells[i].conf = 90;
    json_decref(rows);
    json_decref(extras);
    return rc;
}

int main(int argc, char **argv)
{
    const char *spec = getenv("KARAT_FAULTS");

    fault_register();
    if (getenv("KARAT_FAKE_BILL_ROWS"))
        doc_extract_fake(fake_bill);
    if (spec && fault_arm_spec(spec)) {
        fprintf(stderr, "karat_fault: cannot parse KARAT_FAULTS '%s'\n", spec);
        return 2;
    }
    return cli_main(argc, argv);
}
