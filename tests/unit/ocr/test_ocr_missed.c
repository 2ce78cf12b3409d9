/*
 * test_ocr_missed.c - a column of print tesseract's page layout left out is
 * read after all (ocr_missed.c), and nothing else is.
 *
 * tests/data/bill_hospital_photo.jpg is bench/bill_gen.py's 14-row
 * hospital-style bill (seed 13, 07_hospital_14) as bench/bill_quality.sh
 * renders it, in its `photo` variant (rotated 1.5 degrees, blurred 0.8 px,
 * shaded, JPEG quality 60): tesseract put its Qty column (the header and
 * the one-digit values) in no block, so the table came back without it. A
 * plane whose every mark is covered by a word, or whose uncovered marks
 * are a speck or a rule's remnant, is left alone without a tesseract call.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "image/image.h"
#include "ocr/ocr.h"
#include "ocr/ocr_int.h"
#include "ocr_data.h"

static void test_hospital_photo_qty(void **state)
{
    (void)state;
    static const char *const want[] = {"Svc Dt",   "Code", "Description",
                                       "CPT Code", "Qty",  "Amount"};
    static const char qty[] = "12113231312233";
    struct ocr_table t;
    read_data_bill("bill_hospital_photo.jpg", &t);
    assert_int_equal(t.ncols, 6);
    for (size_t c = 1; c < 6; c++) /* "Svc" is read "Sve" on this photo */
        assert_string_equal(t.headers[c], want[c]);
    assert_int_equal(t.nrows, 14);
    for (size_t r = 0; r < 14; r++) {
        char q[2] = {qty[r], 0};
        assert_string_equal(t.cells[r * 6 + 4].text, q);
    }
    assert_string_equal(t.cells[5].text, "$1,957.40");
    ocr_table_free(&t);
}

/* A white plane with marks drawn as dark boxes. */
static void mark(struct ocr__grey *g, int x0, int y0, int x1, int y1)
{
    for (int y = y0; y < y1; y++)
        memset(g->px + (size_t)y * g->w + x0, 0, (size_t)(x1 - x0));
}

static void test_nothing_missed(void **state)
{
    (void)state;
    struct ocr__grey g = {600, 400, malloc(600 * 400), NULL};
    struct ocr__page p = {0};
    struct kr_err err = {0};
    assert_non_null(g.px);
    memset(g.px, 255, 600 * 400);
    for (int r = 0; r < 5; r++) { /* five lines of two words, every one read */
        struct ocr__word w = {40, 40 + 60 * r, 140, 70 + 60 * r, 90, NULL};
        mark(&g, w.x0, w.y0, w.x1, w.y1);
        assert_int_equal(ocr__page_add(&p, &w, "word", 4, &err), KR_OK);
        w.x0 = 300, w.x1 = 380;
        mark(&g, w.x0, w.y0, w.x1, w.y1);
        assert_int_equal(ocr__page_add(&p, &w, "1,234", 5, &err), KR_OK);
    }
    mark(&g, 500, 100, 503, 103); /* a speck */
    for (int r = 0; r < 5; r++)   /* a rule's remnant: 3 px wide, one line tall each */
        mark(&g, 220, 40 + 60 * r, 223, 70 + 60 * r);
    mark(&g, 460, 20, 470, 380); /* a rule left whole: one run, far taller than a line */
    /* no strip worth a read: no tesseract handle is needed */
    assert_int_equal(ocr__missed_ink(NULL, &g, &p, &err), KR_OK);
    assert_int_equal(p.n, 10);
    ocr__page_free(&p);
    ocr__grey_free(&g);
}

static int setup(void **state)
{
    (void)state;
    return image_init("test_ocr_missed", NULL) == KR_OK ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing_missed),
        cmocka_unit_test(test_hospital_photo_qty),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
