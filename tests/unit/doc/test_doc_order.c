/*
 * test_doc_order.c - marketplace order invoices (doc/order.c, order_rules.c):
 * generated Amazon.in, Flipkart and Meesho tax-invoice PDFs (order_pdf.h,
 * real text layers) with 1 and 3 items come back with every field right and
 * every item its own products_data element; an invoice of none of the three
 * is unknown_invoice, a marketplace invoice without items incomplete_invoice;
 * not a PDF, 0 bytes, encrypted and over-page-limit PDFs are refused.
 */
#include "testutil.h"
#include "cairo_buf.h"

#include <cairo-pdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc/doc.h"
#include "order_pdf.h"

static const struct ocr_opts OPTS = {5, 50000000, NULL, "eng", 1, NULL};

static void expect_fail(const void *bytes, size_t n, const char *slug)
{
    struct doc_order o = {0};
    struct kr_err err = {0};
    assert_int_not_equal(doc_order_read(bytes, n, &OPTS, NULL, &o, &err), KR_OK);
    if (!err.slug || strcmp(err.slug, slug))
        fail_msg("want %s, got %s (%s)", slug, err.slug ? err.slug : "-", err.msg);
    assert_null(o.items);
}

static void check(enum opdf_market m, size_t n)
{
    struct opdf want;
    struct buf b;
    struct doc_order o = {0};
    struct kr_err err = {0};

    order_pdf_sample(m, n, &want);
    assert_int_equal(order_pdf_make(&want, &b), 0);
    if (doc_order_read(b.data, b.len, &OPTS, NULL, &o, &err))
        fail_msg("%s x%zu: %s (%s)", want.marketplace, n, err.msg, err.slug);
    const char *pf[DOC_ORD_NFIELDS] = {want.order_id, want.customer, want.date, want.time,
                                       want.address, want.tracking, want.payment,
                                       want.marketplace, want.total, want.invoice_date};
    for (int f = 0; f < DOC_ORD_NFIELDS; f++)
        if (strcmp(o.f[f], pf[f]))
            fail_msg("%s x%zu: %s = '%s', want '%s'", want.marketplace, n, doc_order_key(f),
                     o.f[f], pf[f]);
    assert_int_equal(o.nitems, n);
    for (size_t i = 0; i < n; i++) {
        const struct opdf_item *w = &want.items[i];
        const char *itf[DOC_ITEM_NFIELDS] = {w->price, w->item_type, w->sku_id, w->qty, w->sku,
                                             w->title, w->hsn, w->tax, w->total};
        for (int f = 0; f < DOC_ITEM_NFIELDS; f++)
            if (strcmp(o.items[i].f[f], itf[f]))
                fail_msg("%s x%zu item %zu: %s = '%s', want '%s'", want.marketplace, n, i,
                         doc_item_key(f), o.items[i].f[f], itf[f]);
    }
    doc_order_free(&o);
    buf_release(&b);
}

static void test_amazon(void **state)
{
    (void)state;
    check(OPDF_AMAZON, 1);
    check(OPDF_AMAZON, 3);
}

static void test_flipkart(void **state)
{
    (void)state;
    check(OPDF_FLIPKART, 1);
    check(OPDF_FLIPKART, 3);
}

static void test_meesho(void **state)
{
    (void)state;
    check(OPDF_MEESHO, 1);
    check(OPDF_MEESHO, 3);
}

/* The original's wire shape: parsed_data's nine keys, one object per item. */
static void test_json_shape(void **state)
{
    (void)state;
    struct opdf want;
    struct buf b;
    struct doc_order o = {0};
    struct kr_err err = {0};
    static const char *const keys[] = {"order_id", "customer_name", "order_date", "order_time",
                                       "shipping_address", "tracking_id", "payment_method",
                                       "marketplace", "total_price_order"};

    order_pdf_sample(OPDF_FLIPKART, 3, &want);
    assert_int_equal(order_pdf_make(&want, &b), 0);
    assert_int_equal(doc_order_read(b.data, b.len, &OPTS, NULL, &o, &err), KR_OK);
    json_t *j = doc_order_json(&o), *pd = json_object_get(j, "parsed_data");
    json_t *items = json_object_get(j, "products_data");
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        assert_true(json_is_string(json_object_get(pd, keys[k])));
    assert_int_equal(json_array_size(items), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 1), "sku_id")),
                        "12");
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 1), "item_type")),
                        "necklace");
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 1), "quantity")),
                        "2");
    json_decref(j);
    doc_order_free(&o);
    buf_release(&b);
}

static void test_unknown_and_incomplete(void **state)
{
    (void)state;
    struct opdf want;
    struct buf b;

    order_pdf_sample(OPDF_OTHER, 1, &want);
    assert_int_equal(order_pdf_make(&want, &b), 0);
    expect_fail(b.data, b.len, "unknown_invoice");
    buf_release(&b);
    order_pdf_sample(OPDF_MEESHO, 0, &want); /* a Meesho invoice with no item lines */
    assert_int_equal(order_pdf_make(&want, &b), 0);
    expect_fail(b.data, b.len, "incomplete_invoice");
    buf_release(&b);
}

/* Text without an order date, a Ship To block or a total line (found by fuzzing:
 * the missing date crashed the time split): the fields it lacks are "". */
static void test_sparse_text(void **state)
{
    (void)state;
    char a[] = "amazon.in", b[] = "Order Number: 171-1", c[] = "Description", d[] = "Qty",
         e[] = "Silver Ring (ring7)", f[] = "2";
    struct ocr_phrase ph[] = {{0, 0, 200, 40, a},      {0, 100, 500, 140, b},
                              {0, 200, 300, 240, c},   {600, 200, 700, 240, d},
                              {0, 300, 400, 340, e},   {600, 300, 630, 340, f}};
    struct ocr_text_line ln[] = {{0, 0, 1}, {0, 1, 1}, {0, 2, 2}, {0, 4, 2}};
    struct ocr_text t = {ph, 6, ln, 4, 1};
    struct doc_order o = {0};
    struct kr_err err = {0};

    assert_int_equal(doc_order_parse(&t, NULL, &o, &err), KR_OK);
    assert_string_equal(o.f[DOC_ORD_ORDER_ID], "171-1");
    assert_string_equal(o.f[DOC_ORD_DATE], "");
    assert_string_equal(o.f[DOC_ORD_TIME], "");
    assert_string_equal(o.f[DOC_ORD_CUSTOMER], "");
    assert_string_equal(o.f[DOC_ORD_TOTAL], "");
    assert_int_equal(o.nitems, 1);
    assert_string_equal(o.items[0].f[DOC_ITEM_QTY], "2");
    assert_string_equal(o.items[0].f[DOC_ITEM_TYPE], "ring");
    assert_string_equal(o.items[0].f[DOC_ITEM_SKU_ID], "7");
    assert_string_equal(o.items[0].f[DOC_ITEM_DESC], "Silver Ring");
    doc_order_free(&o);
}

/* A wrapped title continues its item; a charge line under it does not. */
static void test_continuation_lines(void **state)
{
    (void)state;
    char a[] = "Flipkart", b[] = "Order ID: OD1", c[] = "Product", d[] = "Qty", e[] = "Silver Toe",
         f[] = "1", g[] = "Ring Pair", h[] = "Shipping Charges", i[] = "40.00";
    struct ocr_phrase ph[] = {{0, 0, 200, 40, a},     {0, 100, 500, 140, b},
                              {0, 200, 300, 240, c},  {600, 200, 700, 240, d},
                              {0, 300, 400, 340, e},  {600, 300, 630, 340, f},
                              {0, 350, 400, 390, g},  {0, 400, 400, 440, h},
                              {600, 400, 700, 440, i}};
    struct ocr_text_line ln[] = {{0, 0, 1}, {0, 1, 1}, {0, 2, 2}, {0, 4, 2}, {0, 6, 1}, {0, 7, 2}};
    struct ocr_text t = {ph, 9, ln, 6, 1};
    struct doc_order o = {0};
    struct kr_err err = {0};

    assert_int_equal(doc_order_parse(&t, NULL, &o, &err), KR_OK);
    assert_int_equal(o.nitems, 1);
    assert_string_equal(o.items[0].f[DOC_ITEM_DESC], "Silver Toe Ring Pair");
    assert_string_equal(o.items[0].f[DOC_ITEM_QTY], "1");
    doc_order_free(&o);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    struct buf b;

    expect_fail("", 0, "empty_file");
    expect_fail("\x89PNG\r\n\x1a\n not a pdf", 17, "not_a_pdf");
    expect_fail("%PDF-1.4 garbage", 16, "corrupt_pdf");
    buf_init(&b, 1u << 20); /* six pages, the limit is five */
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(tu_cairo_to_buf, &b, 200, 200);
    cairo_t *cr = cairo_create(s);
    for (int i = 0; i < 6; i++)
        cairo_show_page(cr);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    expect_fail(b.data, b.len, "too_many_pages");
    buf_release(&b);
    struct opdf want;
    order_pdf_sample(OPDF_AMAZON, 1, &want);
    assert_int_equal(order_pdf_make(&want, &b), 0);
    size_t n = 0;
    unsigned char *enc = opdf_encrypt(b.data, b.len, &n);
    buf_release(&b);
    if (!enc)
        skip(); /* no qpdf */
    expect_fail(enc, n, "encrypted_pdf");
    free(enc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amazon),
        cmocka_unit_test(test_flipkart),
        cmocka_unit_test(test_meesho),
        cmocka_unit_test(test_json_shape),
        cmocka_unit_test(test_unknown_and_incomplete),
        cmocka_unit_test(test_sparse_text),
        cmocka_unit_test(test_continuation_lines),
        cmocka_unit_test(test_bad_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
