/*
 * test_ocr_words.c - words tesseract ran together are split by their
 * symbols' boxes (ocr_read.c: split_word, on_paper, wide_gap).
 *
 * A borderless table with close columns (HSN "7117" and purity "22K" a
 * text height and a half apart), printed small and turned 2.5 degrees, on a
 * page too wide to be doubled: read in single-block mode, tesseract's LSTM
 * read some rows' two cells as one word, the gap as marks ("7117——-20K") or
 * as nothing ("7113«18k"), and the purity cell came back empty. The bench's
 * rotated 40-row render did the same (293 of 360 cells; 340 with the split).
 */
#include "testutil.h"
#include "cairo_buf.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "image/image.h"
#include "ocr/ocr.h"

#define ROWS 16

static void cell(cairo_t *cr, double x, double y, const char *s)
{
    cairo_move_to(cr, x, y);
    cairo_show_text(cr, s);
}

/* The page as a PNG: a header, ROWS rows of item, HSN, purity, weight, rate. */
static void close_columns_png(struct buf *out)
{
    static const char *const head[] = {"Item", "HSN", "Purity", "Weight", "Rate"};
    static const double x[] = {60, 200, 268, 380, 500};
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1400, 540);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_translate(cr, 20, 10);
    cairo_rotate(cr, 2.5 * M_PI / 180);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 13);
    for (int c = 0; c < 5; c++)
        cell(cr, x[c], 14, head[c]);
    for (int r = 1; r <= ROWS; r++) {
        char item[16], hsn[8], purity[8];
        snprintf(item, sizeof item, "Ring %d", r);
        snprintf(hsn, sizeof hsn, "711%d", r % 2 ? 7 : 3);
        snprintf(purity, sizeof purity, "%dK", 18 + 2 * (r % 3));
        double y = 14 + 28 * r;
        cell(cr, x[0], y, item);
        cell(cr, x[1], y, hsn);
        cell(cr, x[2], y, purity);
        cell(cr, x[3], y, "42.807");
        cell(cr, x[4], y, "6,830");
    }
    cairo_destroy(cr);
    buf_init(out, 16u << 20);
    assert_int_equal(cairo_surface_write_to_png_stream(s, tu_cairo_to_buf, out), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(s);
}

/* Every row keeps its purity in its own cell: none is empty (NULL), and no
 * HSN cell holds a purity's "K". */
static void test_close_columns_split(void **state)
{
    (void)state;
    struct ocr_opts o = {50, 50000000, NULL, "eng", 0, NULL};
    struct ocr_table t = {0};
    struct kr_err err = {0};
    struct buf b;
    close_columns_png(&b);
    assert_int_equal(ocr_read_document(b.data, b.len, &o, &t, &err), KR_OK);
    assert_int_equal(t.ncols, 5);
    assert_string_equal(t.headers[2], "Purity");
    assert_int_equal(t.nrows, ROWS);
    for (size_t r = 0; r < t.nrows; r++) {
        const char *hsn = t.cells[r * 5 + 1].text, *purity = t.cells[r * 5 + 2].text;
        if (!purity || !*purity || (hsn && strpbrk(hsn, "Kk"))) /* NULL: an empty cell */
            fail_msg("row %zu: HSN \"%s\", purity \"%s\"", r + 1, hsn ? hsn : "",
                     purity ? purity : "");
    }
    ocr_table_free(&t);
    buf_release(&b);
}

static int setup(void **state)
{
    (void)state;
    return image_init("test_ocr_words", NULL) == KR_OK ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_close_columns_split),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
