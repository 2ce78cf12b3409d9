/*
 * test_ocr_rules.c - the ruling lines ocr__prepare() finds and erases
 * (ocr_rules.c).
 *
 * On a page straightened from a slanted photo (ocr_persp.c) a rule is also a run of dark rows bridging gaps of up to 12 px (a
 * photographed rule breaks up). A broken rule that runs into the bottom of
 * the photo ends, once the page is straightened, a few white rows above the
 * plane's last row (the warp samples white outside the photo; 8 rows here):
 * fewer than a gap, so its run was never closed and the rule was not found
 * (its pieces are shorter than a rule, so no unbroken run found it either).
 */
#include "testutil.h"
#include "order_pdf.h"
#include "slant.h"

#include <cairo.h>
#include <stdlib.h>
#include <string.h>

#include "ocr/ocr_int.h"

#define W 1500
#define H 760
#define DASHED_X 1410 /* the broken rule, right of the table, down to the page's bottom */

/* A small ruled bill at the photo's size: a title, key: value lines, a 4 x 4 table, a
 * total line; and right of the table a rule broken every 34 px by 4 px
 * (each piece shorter than a rule, 9/10 of it dark) from the table's top to
 * the bottom of the page. */
static void draw_page(cairo_t *cr)
{
    static const char *const cells[4][4] = {
        {"Item", "Purity", "Net Wt", "Amount"},
        {"Gold Ring", "22K", "4.520", "30,962.00"},
        {"Jhumka Earrings", "916", "12.105", "82,314.00"},
        {"Bangle Pair", "18K", "21.330", "1,19,448.00"},
    };
    static const int colx[] = {100, 520, 700, 900, 1320};
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
    opdf_text(cr, 100, 90, "Laxmi Gold Palace", 22);
    opdf_text(cr, 100, 135, "Invoice No: INV/2026/0042", 22);
    opdf_text(cr, 100, 170, "Date: 14/03/2026", 22);
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++)
            opdf_text(cr, colx[c] + 9, 270 + 51 * r + 12, cells[r][c], 22);
    opdf_text(cr, 900 + 9, 270 + 51 * 4 + 45, "2,32,724.00", 22);
    cairo_set_line_width(cr, 2.25);
    for (int r = 0; r <= 4; r++) {
        cairo_move_to(cr, colx[0], 270 + 51 * r);
        cairo_line_to(cr, colx[4], 270 + 51 * r);
    }
    for (int c = 0; c < 5; c++) {
        cairo_move_to(cr, colx[c], 270);
        cairo_line_to(cr, colx[c], 270 + 51 * 4);
    }
    cairo_stroke(cr);
    cairo_set_line_width(cr, 3);
    cairo_set_dash(cr, (const double[]){34, 4}, 2, 0);
    cairo_move_to(cr, DASHED_X + 0.5, 270);
    cairo_line_to(cr, DASHED_X + 0.5, H + 40);
    cairo_stroke(cr);
}

/* The page photographed at a slant (slant.h), as a grey plane. */
static void slanted_plane(struct ocr__grey *g)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_t *cr = cairo_create(s);
    draw_page(cr);
    cairo_destroy(cr);
    cairo_surface_t *photo = tu_slanted(s);
    const unsigned char *src = cairo_image_surface_get_data(photo);
    int stride = cairo_image_surface_get_stride(photo);
    g->w = W;
    g->h = H;
    g->px = malloc((size_t)W * H);
    g->recog = NULL;
    assert_non_null(g->px);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            g->px[(size_t)y * W + x] = src[(size_t)y * stride + 4 * x + 1]; /* grey: G */
    cairo_surface_destroy(photo);
    cairo_surface_destroy(s);
}

/* The broken rule is found, down to the bottom of the straightened page,
 * and erased there (before the fix: the table's five rules only). */
static void test_broken_rule_to_bottom(void **state)
{
    (void)state;
    struct ocr__grey g, copy;
    struct ocr__page p = {0};
    struct kr_err err = {0};
    int warped = 0, dark = 0;
    slanted_plane(&g);
    copy = g;
    assert_non_null(copy.px = malloc((size_t)W * H));
    memcpy(copy.px, g.px, (size_t)W * H);
    assert_int_equal(ocr__unwarp(&copy, ocr__skew_angle(&copy), &warped, &err), KR_OK);
    assert_int_equal(warped, 1); /* the premise: a page the warp straightens */
    free(copy.px);
    assert_int_equal(ocr__prepare(&g, &p, &err), KR_OK);
    assert_int_equal(g.h, H); /* not scaled */
    assert_int_equal(p.nv, 6);
    for (size_t i = 0; i < 5; i++) /* the table's */
        assert_true(p.vspan[2 * i + 1] < 560);
    assert_true(abs(p.vrules[5] - DASHED_X) <= 8);
    assert_true(p.vspan[10] <= 280 && p.vspan[11] >= H - 12);
    for (int y = 560; y < H; y++)
        for (int x = p.vrules[5] - 4; x <= p.vrules[5] + 4; x++)
            dark += g.px[(size_t)y * W + x] < 160; /* a piece's grey end may stay */
    assert_int_equal(dark, 0);
    ocr__page_free(&p);
    ocr__grey_free(&g);
}

/* A header band printed white on black with soft edges (its first and last
 * rows a grey darker than a rule's threshold, as a photo's anti-aliasing
 * leaves them) is inverted; those edge rows, dark once inverted, are erased
 * too (before: two dark lines as wide as the table, which single-block
 * tesseract read as one word hiding the header words on their lines). */
static void test_band_edges_erased(void **state)
{
    (void)state;
    enum { BW = 1400, BH = 600, TOP = 200, BOTTOM = 260 };
    struct ocr__grey g = {BW, BH, malloc((size_t)BW * BH), NULL};
    struct ocr__page p = {0};
    struct kr_err err = {0};
    assert_non_null(g.px);
    memset(g.px, 255, (size_t)BW * BH);
    for (int y = TOP; y < BOTTOM; y++) /* the band, 100..1300 */
        memset(g.px + (size_t)y * BW + 100, y == TOP || y == BOTTOM - 1 ? 170 : 30, 1200);
    for (int y = 300; y < 320; y++) /* some print below it */
        for (int x = 120; x < 600; x += 24)
            memset(g.px + (size_t)y * BW + x, 20, 12);
    assert_int_equal(ocr__prepare(&g, &p, &err), KR_OK);
    assert_int_equal(g.w, BW); /* not scaled */
    assert_int_equal(p.nh, 2); /* the band's two edges */
    for (int y = 0; y < BH; y++) {
        int run = 0, longest = 0;
        for (int x = 0; x < BW; x++) {
            run = g.px[(size_t)y * BW + x] < 190 ? run + 1 : 0;
            longest = run > longest ? run : longest;
        }
        if (longest >= 200)
            fail_msg("row %d: a dark run %d px long", y, longest);
    }
    ocr__page_free(&p);
    ocr__grey_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_broken_rule_to_bottom),
        cmocka_unit_test(test_band_edges_erased),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
