/*
 * test_bill_inputs.c - the inputs POST /process-image-and-prompt/ takes,
 * offline, on the real server.
 *
 * A three-page PDF bill drawn here (page 1 with a text layer, page 2 an
 * image only - a scan, so it is OCR'd - page 3 a text layer again; each page
 * repeats the table's header, the last one carries the grand total): every
 * page is read and the eight rows come back in page order. The real
 * photographed bill as HEIC (encoded here with libvips' heifsave, which
 * Debian's libheif backs) reads like the PNG. Refusals with their codes:
 * 0 bytes (empty_file), an encrypted PDF (encrypted_pdf, when qpdf is
 * installed) and a 300-page PDF against the default 50-page cap (413
 * too_many_pages, before any page is read). Amazon and Meesho invoice PDFs
 * get their item table's header, not the letterhead or field labels above,
 * and no warning (Amazon.in, Flipkart, Meesho: correct one-item invoices).
 * A second copy of an invoice that differs in its bytes but reads the same
 * is stored and reported as a duplicate of the first (by its content).
 */
#include <cairo-pdf.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

#include "order_pdf.h"
#include "cairo_buf.h"
#include "testutil.h"

#define NROWS 8
static const char *const HDR[] = {"Item", "Purity", "Net Wt", "Rate/g", "Amount"};
static const char *const ROW[NROWS][5] = {
    {"Gold Ring", "22K", "4.520", "6,850", "30,962.00"},
    {"Jhumka Earrings", "916", "12.105", "6,800", "82,314.00"},
    {"Bangle Pair", "18K", "21.330", "5,600", "1,19,448.00"},
    {"Nose Pin", "22K", "0.850", "6,850", "5,822.50"},
    {"Gold Chain", "916", "15.200", "6,800", "1,03,360.00"},
    {"Pendant", "18K", "3.400", "5,600", "19,040.00"},
    {"Anklet Pair", "22K", "9.750", "6,850", "66,787.50"},
    {"Kada", "916", "18.600", "6,800", "1,26,480.00"},
};
static const int FIRST[] = {0, 3, 6, NROWS}; /* rows of page p: FIRST[p]..FIRST[p+1] */
static const int COLX[] = {40, 330, 430, 560, 700};
/* item, purity, net weight, rate, amount */
static const char *const HDR_HI[] = {"\xe0\xa4\xb5\xe0\xa4\xbf\xe0\xa4\xb5\xe0\xa4\xb0\xe0\xa4\xa3",
                                     "\xe0\xa4\xb6\xe0\xa5\x81\xe0\xa4\xa6\xe0\xa5\x8d\xe0\xa4\xa7\xe0\xa4\xa4\xe0\xa4\xbe",
                                     "\xe0\xa4\xb5\xe0\xa4\x9c\xe0\xa4\xa8",
                                     "\xe0\xa4\xa6\xe0\xa4\xb0",
                                     "\xe0\xa4\xb0\xe0\xa4\xbe\xe0\xa4\xb6\xe0\xa4\xbf"};

static void draw_page(cairo_t *cr, int page, const char *const *hdr)
{
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
    if (page == 0) {
        opdf_text(cr, 40, 30, "Laxmi Gold Palace", 15);
        opdf_text(cr, 40, 60, "Invoice No: INV/2026/0107", 15);
    } else {
        char s[40];
        snprintf(s, sizeof s, "Page %d of 3", page + 1);
        opdf_text(cr, 40, 30, s, 15);
    }
    for (int c = 0; c < 5; c++)
        opdf_text(cr, COLX[c] + 6, 148, hdr[c], 15);
    int y = 182;
    for (int r = FIRST[page]; r < FIRST[page + 1]; r++, y += 34)
        for (int c = 0; c < 5; c++)
            opdf_text(cr, COLX[c] + 6, y, ROW[r][c], 15);
    if (page == 2) {
        opdf_text(cr, 560, y + 30, "Grand Total", 15);
        opdf_text(cr, 700, y + 30, "5,53,214.00", 15);
    }
}

/* Pages 1 and 3 as text, page 2 as a 2x raster (a scan); blank pages > 0: that many empty pages. */
static void three_page_pdf(int blank_pages, struct buf *out)
{
    buf_init(out, 64u << 20);
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(tu_cairo_to_buf, out, 920, 420);
    cairo_t *cr = cairo_create(s);
    for (int p = 0; p < (blank_pages ? blank_pages : 3); p++) {
        if (blank_pages) {
            cairo_show_page(cr);
            continue;
        }
        if (p != 1) {
            draw_page(cr, p, HDR);
        } else {
            cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1840, 840);
            cairo_t *ic = cairo_create(img);
            cairo_scale(ic, 2, 2);
            draw_page(ic, p, HDR);
            cairo_destroy(ic);
            cairo_save(cr);
            cairo_scale(cr, 0.5, 0.5);
            cairo_set_source_surface(cr, img, 0, 0);
            cairo_paint(cr);
            cairo_restore(cr);
            cairo_surface_destroy(img);
        }
        cairo_show_page(cr);
    }
    cairo_destroy(cr);
    cairo_surface_finish(s);
    cairo_surface_destroy(s);
}

static json_t *upload(const struct tu_server *s, const char *name, const char *type,
                      const void *data, size_t n, long want, const char *code)
{
    char url[256];
    struct tu_part parts[] = {{"image", name, type, data, n}};
    struct tu_resp r;
    json_error_t je;
    json_t *j;

    snprintf(url, sizeof url, "%s/process-image-and-prompt/", s->base);
    assert_int_equal(tu_post_multipart(url, parts, 1, NULL, &r), 0);
    if (r.status != want)
        fail_msg("upload %s: %ld %s (want %ld)", name, r.status, r.body, want);
    j = json_loads(r.body, 0, &je);
    assert_non_null(j);
    if (code && strcmp(json_string_value(json_object_get(j, "code")), code))
        fail_msg("upload %s: %s (want code %s)", name, r.body, code);
    tu_resp_free(&r);
    return j;
}

static void test_multi_page_pdf(void **state)
{
    struct tu_server s;
    static const char *const env[] = {NULL};
    struct buf b;
    (void)state;

    three_page_pdf(0, &b);
    assert_int_equal(tu_server_start_tmp(&s, env), 0);
    json_t *j = upload(&s, "bill.pdf", "application/pdf", b.data, b.len, 200, NULL);
    json_t *table = json_object_get(j, "table"), *extras = json_object_get(j, "extras");
    if (json_array_size(table) != NROWS)
        fail_msg("%zu rows, want %d: %s", json_array_size(table), NROWS,
                 json_dumps(table, JSON_COMPACT));
    for (size_t r = 0; r < NROWS; r++) {
        json_t *row = json_array_get(table, r);
        assert_int_equal(json_object_size(row), 5);
        for (size_t c = 0; c < 5; c++) {
            const char *got = json_string_value(json_object_get(row, HDR[c]));
            if (!got || strcmp(got, ROW[r][c]))
                fail_msg("row %zu %s: %s, want %s", r + 1, HDR[c], got ? got : "(none)",
                         ROW[r][c]);
        }
    }
    assert_string_equal(json_string_value(json_object_get(extras, "Invoice No")),
                        "INV/2026/0107");
    assert_string_equal(json_string_value(json_object_get(extras, "Grand Total")),
                        "5,53,214.00");
    json_decref(j);
    buf_release(&b);
    assert_int_equal(tu_server_finish(&s), 0);
}

static void test_heic_photo(void **state)
{
    struct tu_server s;
    static const char *const env[] = {NULL};
    char path[1024];
    const char *src = getenv("KARAT_SOURCE_DIR");
    void *heic = NULL;
    size_t n = 0;
    (void)state;

    assert_int_equal(VIPS_INIT("test"), 0);
    snprintf(path, sizeof path, "%s/tests/data/bill_sample.png", src ? src : ".");
    VipsImage *im = vips_image_new_from_file(path, NULL);
    assert_non_null(im);
    if (vips_heifsave_buffer(im, &heic, &n, "compression", VIPS_FOREIGN_HEIF_COMPRESSION_HEVC,
                             "Q", 90, NULL))
        fail_msg("heifsave: %s", vips_error_buffer());
    g_object_unref(im);
    assert_memory_equal((char *)heic + 4, "ftypheic", 8);
    assert_int_equal(tu_server_start_tmp(&s, env), 0);
    json_t *j = upload(&s, "bill.heic", "image/heic", heic, n, 200, NULL);
    json_t *table = json_object_get(j, "table");
    assert_int_equal(json_array_size(table), 11); /* as the PNG (test_bills_image.c) */
    assert_int_equal(json_object_size(json_array_get(table, 0)), 7);
    assert_string_equal(json_string_value(json_object_get(json_array_get(table, 0), "Amount")),
                        "$2,579.90");
    json_decref(j);
    g_free(heic);
    assert_int_equal(tu_server_finish(&s), 0);
}

/* The first page (three rows) with Hindi headers, as a 2x PNG scan. */
static unsigned char *hindi_png(size_t *n)
{
    struct buf b;
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1840, 840);
    cairo_t *ic = cairo_create(img);
    cairo_scale(ic, 2, 2);
    draw_page(ic, 0, HDR_HI);
    cairo_destroy(ic);
    buf_init(&b, 64u << 20);
    assert_int_equal(cairo_surface_write_to_png_stream(img, tu_cairo_to_buf, &b), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(img);
    *n = b.len;
    return (unsigned char *)b.data;
}

/* The Hindi headers read as printed, the rows under them as with English
 * headers (Debian's tesseract-ocr-hin), with the environment env. */
static void hindi_headers(const char *const *env)
{
    struct tu_server s;
    size_t n;
    unsigned char *png = hindi_png(&n);

    assert_int_equal(tu_server_start_tmp(&s, env), 0);
    json_t *j = upload(&s, "bill.png", "image/png", png, n, 200, NULL);
    json_t *table = json_object_get(j, "table");
    char *dump = json_dumps(table, JSON_COMPACT);
    if (json_array_size(table) != 3)
        fail_msg("%zu rows, want 3: %s", json_array_size(table), dump);
    for (size_t r = 0; r < 3; r++)
        for (size_t c = 0; c < 5; c++) {
            const char *got = json_string_value(json_object_get(json_array_get(table, r), HDR_HI[c]));
            if (!got || strcmp(got, ROW[r][c]))
                fail_msg("row %zu column %zu: %s, want %s; table %s", r + 1, c + 1,
                         got ? got : "(none)", ROW[r][c], dump);
        }
    free(dump);
    json_decref(j);
    free(png);
    assert_int_equal(tu_server_finish(&s), 0);
}

/* KARAT_OCR_LANGS=eng+hin: every line read with both. */
static void test_hindi_headers(void **state)
{
    static const char *const env[] = {"KARAT_OCR_LANGS=eng+hin", NULL};
    (void)state;
    hindi_headers(env);
}

/* The defaults (eng, KARAT_OCR_SCRIPT_LANGS=hin+eng): the header line is
 * found by its Devanagari headlines and re-read; no configuration needed. */
static void test_hindi_headers_default_langs(void **state)
{
    static const char *const env[] = {NULL};
    (void)state;
    hindi_headers(env);
}

/* Marketplace invoices sent as bills: the item table's own header is chosen,
 * not the letterhead above it (Amazon's "amazon.in" / "Tax Invoice/...") nor
 * a row of field labels over their values (Meesho's "Purchase Order No." ...). */
static void test_invoice_headers(void **state)
{
    struct tu_server s;
    static const char *const env[] = {NULL};
    static const char *const want[][2] = {{"Sl. No", "Total Amount"}, {"", ""}, {"SKU", "Total"}};
    struct opdf o;
    struct buf b;
    (void)state;

    assert_int_equal(tu_server_start_tmp(&s, env), 0);
    for (enum opdf_market m = OPDF_AMAZON; m <= OPDF_MEESHO; m += 2) {
        order_pdf_sample(m, 1, &o);
        assert_int_equal(order_pdf_make(&o, &b), 0);
        json_t *j = upload(&s, "invoice.pdf", "application/pdf", b.data, b.len, 200, NULL);
        json_t *row = json_array_get(json_object_get(j, "table"), 0);
        const char *first = json_object_iter_key(json_object_iter(row));
        if (!first || strcmp(first, want[m][0]) || !json_object_get(row, want[m][1]) ||
            json_object_size(row) != 9)
            fail_msg("%s: first row %s", o.marketplace, json_dumps(row, JSON_COMPACT));
        assert_string_equal(json_string_value(json_object_get(row, want[m][1])), o.items[0].total);
        json_decref(j);
        buf_release(&b);
    }
    assert_int_equal(tu_server_finish(&s), 0);
}

/* The same invoices (all three marketplaces, one item each) are correct
 * bills: their text layer has no OCR confidence to warn about (blank cells
 * included), and Unit Price x Qty is the Net Amount, not the Tax Amount or
 * the Total Amount (which adds the tax): no warning at all. */
static void test_invoice_warnings(void **state)
{
    struct tu_server s;
    static const char *const env[] = {NULL};
    struct opdf o;
    struct buf b;
    (void)state;

    assert_int_equal(tu_server_start_tmp(&s, env), 0);
    for (enum opdf_market m = OPDF_AMAZON; m <= OPDF_MEESHO; m++) {
        order_pdf_sample(m, 1, &o);
        assert_int_equal(order_pdf_make(&o, &b), 0);
        json_t *j = upload(&s, "invoice.pdf", "application/pdf", b.data, b.len, 200, NULL);
        json_t *w = json_object_get(j, "warnings");
        if (json_array_size(w))
            fail_msg("%s: %s", o.marketplace, json_dumps(w, JSON_COMPACT));
        json_decref(j);
        buf_release(&b);
    }
    assert_int_equal(tu_server_finish(&s), 0);
}

/* The same invoice in other bytes (a comment after %%EOF, as a re-save
 * may add): read again, its table and extras equal the first's, so it is
 * stored as a new document reported as a duplicate of the first; another
 * invoice is not. */
static void test_duplicate_by_content(void **state)
{
    struct tu_server s;
    static const char *const env[] = {NULL};
    struct opdf o;
    struct buf b;
    char first[64];
    json_t *j;
    (void)state;

    assert_int_equal(tu_server_start_tmp(&s, env), 0);
    order_pdf_sample(OPDF_MEESHO, 1, &o);
    assert_int_equal(order_pdf_make(&o, &b), 0);
    j = upload(&s, "invoice.pdf", "application/pdf", b.data, b.len, 200, NULL);
    assert_null(json_object_get(j, "duplicate_of"));
    snprintf(first, sizeof first, "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
    assert_int_equal(buf_appendf(&b, "%% saved again\n"), KR_OK);
    j = upload(&s, "invoice copy.pdf", "application/pdf", b.data, b.len, 200, NULL);
    assert_string_not_equal(json_string_value(json_object_get(j, "id")), first);
    assert_non_null(json_object_get(j, "duplicate_of"));
    assert_string_equal(json_string_value(json_object_get(j, "duplicate_of")), first);
    json_decref(j);
    buf_release(&b);
    order_pdf_sample(OPDF_MEESHO, 3, &o);
    assert_int_equal(order_pdf_make(&o, &b), 0);
    j = upload(&s, "other.pdf", "application/pdf", b.data, b.len, 200, NULL);
    assert_null(json_object_get(j, "duplicate_of"));
    json_decref(j);
    buf_release(&b);
    assert_int_equal(tu_server_finish(&s), 0);
}

static void test_refused_pdfs(void **state)
{
    struct tu_server s;
    static const char *const env[] = {NULL};
    struct buf b;
    size_t n = 0;
    (void)state;

    assert_int_equal(tu_server_start_tmp(&s, env), 0);
    json_decref(upload(&s, "bill.pdf", "application/pdf", "", 0, 400, "empty_file"));
    three_page_pdf(300, &b); /* KARAT_OCR_MAX_PAGES is 50 by default */
    json_decref(upload(&s, "long.pdf", "application/pdf", b.data, b.len, 413, "too_many_pages"));
    buf_release(&b);
    three_page_pdf(0, &b);
    unsigned char *enc = opdf_encrypt(b.data, b.len, &n);
    if (enc) /* qpdf is in scripts/bootstrap; without it the case is skipped */
        json_decref(upload(&s, "locked.pdf", "application/pdf", enc, n, 400, "encrypted_pdf"));
    free(enc);
    buf_release(&b);
    assert_int_equal(tu_server_finish(&s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multi_page_pdf),
        cmocka_unit_test(test_heic_photo),
        cmocka_unit_test(test_hindi_headers),
        cmocka_unit_test(test_hindi_headers_default_langs),
        cmocka_unit_test(test_invoice_headers),
        cmocka_unit_test(test_invoice_warnings),
        cmocka_unit_test(test_duplicate_by_content),
        cmocka_unit_test(test_refused_pdfs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
