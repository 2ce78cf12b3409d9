/*
 * test_sheet_xlsx.c - fresh marketplace spreadsheets, read back cell by cell
 * with an independent reader (tests/support/xlsx_read.c): sheet names and
 * order, header rows where the template has them, columns in order, fixed
 * and validated values, dropdowns (inline and on the hidden list sheet),
 * and the CSV of the same rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sheet/sheet.h"
#include "testutil.h"
#include "xlsx_read.h"

static char dir[1024], tmp[512];

static struct sheet_schema *load(const char *mp, const char *type)
{
    struct sheet_schema *s = NULL;
    char path[1200];
    json_t *p = NULL;
    snprintf(path, sizeof path, "%s/../profiles/example.json", dir);
    assert_int_equal(sheet_schema_load(dir, mp, type, &s, NULL), KR_OK);
    assert_int_equal(sheet_profile_load(path, &p, NULL), KR_OK);
    assert_int_equal(sheet_apply_profile(s, p, NULL), KR_OK);
    json_decref(p);
    return s;
}

/* Three validated rows for s. */
static json_t *rows_for(struct sheet_schema *s, const char *title_col, const char *desc_col)
{
    json_t *rows = json_array();
    for (int i = 0; i < 3; i++) {
        char sku[32];
        json_t *row = NULL, *w = NULL;
        json_t *v =
            json_pack("{s:s, s:s}", title_col, "<Kundan> & \"jhumka\" \xe2\x82\xb9 earrings",
                      desc_col, "Line one.\nLine two with  spaces ");
        snprintf(sku, sizeof sku, "SKU-%d.%d", i, i);
        assert_int_equal(sheet_row_build(s, sku, v, &row, NULL), KR_OK);
        assert_int_equal(sheet_validate_row(s, row, &w, NULL), KR_OK);
        json_array_append_new(rows, row);
        json_decref(w);
        json_decref(v);
    }
    return rows;
}

static void ref(int col, int row, char out[16])
{
    char letters[8] = "";
    int k = 0, c = col + 1;
    char rev[8];
    while (c > 0) {
        rev[k++] = (char)('A' + (c - 1) % 26);
        c = (c - 1) / 26;
    }
    for (int i = 0; i < k; i++)
        letters[i] = rev[k - 1 - i];
    letters[k] = '\0';
    snprintf(out, 16, "%s%d", letters, row);
}

static void expect_cell(const char *path, const char *sheet, int col, int row, const char *want)
{
    char r[16];
    ref(col, row, r);
    char *got = tu_xlsx_cell(path, sheet, r);
    if (want && *want) {
        if (!got || strcmp(got, want) != 0)
            fail_msg("%s!%s: got '%s', want '%s'", sheet, r, got ? got : "(none)", want);
    } else if (got && *got) {
        fail_msg("%s!%s: got '%s', want empty", sheet, r, got);
    }
    free(got);
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void test_amazon_layout(void **state)
{
    char path[700];
    struct sheet_schema *s = load("amazon", "earrings");
    json_t *rows = rows_for(s, "item_name", "product_description");
    (void)state;
    snprintf(path, sizeof path, "%s/amazon.xlsx", tmp);
    assert_int_equal(sheet_write_xlsx_file(s, rows, path, NULL), KR_OK);

    assert_int_equal(tu_xlsx_sheet_count(path), 2);
    char *n0 = tu_xlsx_sheet_name(path, 0), *n1 = tu_xlsx_sheet_name(path, 1);
    assert_string_equal(n0, "Template");
    assert_string_equal(n1, "Lists");
    free(n0);
    free(n1);
    char *wb = (char *)tu_xlsx_entry(path, "xl/workbook.xml", NULL);
    assert_non_null(strstr(wb, "state=\"hidden\""));
    free(wb);

    expect_cell(path, "Template", 0, 1, "TemplateType=fptcustom");
    for (size_t c = 0; c < sheet_ncolumns(s); c++) {
        const struct sheet_column *col = sheet_column(s, c);
        expect_cell(path, "Template", (int)c, 3, col->name); /* header keys, in order */
        for (int r = 0; r < 3; r++) {
            json_t *row = json_array_get(rows, (size_t)r);
            const char *v = json_string_value(json_object_get(row, col->name));
            expect_cell(path, "Template", (int)c, 4 + r, v);
        }
    }
    /* spot checks against the spec */
    expect_cell(path, "Template", 0, 3, "feed_product_type");
    expect_cell(path, "Template", 0, 4, "earrings");
    expect_cell(path, "Template", 1, 4, "SKU-0.0");
    expect_cell(path, "Template", 1, 7, NULL); /* no 4th row */
    size_t tc = 0;
    while (strcmp(sheet_column(s, tc)->name, "product_tax_code"))
        tc++;
    expect_cell(path, "Template", (int)tc, 6, "A_GEN_JEWELLERY");

    /* dropdowns: one per allowed-value column; long lists point at Lists */
    char *xml = tu_xlsx_sheet_xml(path, "Template");
    int want = 0;
    for (size_t c = 0; c < sheet_ncolumns(s); c++)
        want += sheet_column(s, c)->nallowed > 0;
    assert_int_equal(count(xml, "<dataValidation "), want);
    assert_int_equal(count(xml, "Lists!$"), 4); /* stone colours x2, material, gem type */
    assert_true(
        strstr(xml, "&quot;Lobster Claw,Spring Ring,Box Clasp,Toggle,S-Hook,Magnetic&quot;") ||
        strstr(xml, "\"Lobster Claw,Spring Ring,Box Clasp,Toggle,S-Hook,Magnetic\""));
    free(xml);
    expect_cell(path, "Lists", 0, 1, sheet_find_column(s, "stone_color")->allowed[0]);
    json_decref(rows);
    sheet_schema_free(s);
}

static void test_meesho_position_and_buffer(void **state)
{
    struct buf b;
    struct kr_err err = {0};
    char dir[512];
    struct sheet_schema *s = load("meesho", "earrings");
    json_t *rows = rows_for(s, "Product Name", "Product Description");
    (void)state;
    buf_init(&b, 0);
    /* the scratch folder is the caller's (KARAT_TMP_DIR), never guessed here */
    assert_int_equal(sheet_write_xlsx(s, rows, NULL, &b, &err), KR_EINVAL);
    assert_string_equal(err.slug, "bad_option");
    tu_tmpdir(dir, sizeof dir);
    assert_int_equal(sheet_write_xlsx(s, rows, dir, &b, NULL), KR_OK);
    assert_int_equal(rmdir(dir), 0); /* nothing left behind in it */
    assert_true(b.len > 1000);
    /* the data sheet is the second one, as in Meesho's template */
    char *c = tu_xlsx_cell_mem(b.data, b.len, "Listings", "A3");
    assert_string_equal(c, "Fields + Description:");
    free(c);
    c = tu_xlsx_cell_mem(b.data, b.len, "Listings", "A5");
    assert_string_equal(c, "SKU-0.0");
    free(c);
    c = tu_xlsx_cell_mem(b.data, b.len, "Listings", "B5");
    assert_string_equal(c, "<Kundan> & \"jhumka\" \xe2\x82\xb9 earrings");
    free(c);
    c = tu_xlsx_cell_mem(b.data, b.len, NULL, "A1"); /* first sheet: the placeholder */
    assert_non_null(strstr(c, "'Listings'"));
    free(c);
    buf_release(&b);
    json_decref(rows);
    sheet_schema_free(s);
}

static void test_numbers_and_empty(void **state)
{
    char path[700];
    struct sheet_schema *s = load("flipkart", "earrings");
    json_t *rows = json_array();
    (void)state;
    snprintf(path, sizeof path, "%s/empty.xlsx", tmp);
    assert_int_equal(sheet_write_xlsx_file(s, rows, path, NULL), KR_OK);
    expect_cell(path, "earring", 0, 1, "Seller SKU ID");
    expect_cell(path, "earring", 0, 5, NULL);
    json_t *row = NULL;
    assert_int_equal(sheet_row_build(s, "E1", NULL, &row, NULL), KR_OK);
    json_array_append_new(rows, row);
    assert_int_equal(sheet_write_xlsx_file(s, rows, path, NULL), KR_OK);
    char *xml = tu_xlsx_sheet_xml(path, "earring");
    /* MRP (INR) is numeric: a plain <v>599</v> number cell, not a string */
    assert_non_null(strstr(xml, "<v>599</v>"));
    free(xml);
    expect_cell(path, "earring", 0, 5, "E1");
    json_decref(rows);
    rows = json_object(); /* not an array */
    assert_int_equal(sheet_write_xlsx_file(s, rows, path, NULL), KR_EINVAL);
    json_decref(rows);
    sheet_schema_free(s);
}

static void test_csv(void **state)
{
    struct buf b;
    struct sheet_schema *s = load("meesho", "necklace");
    json_t *rows = rows_for(s, "Product Name", "Product Description");
    (void)state;
    json_object_set_new(json_array_get(rows, 2), "Product Name", json_string("=HYPERLINK(1)"));
    buf_init(&b, 0);
    assert_int_equal(sheet_write_csv(s, rows, &b, NULL), KR_OK);
    const char *t = (const char *)b.data;
    assert_int_equal(strncmp(t, "Fields + Description:,Product Name,Base Metal,", 46), 0);
    assert_int_equal(count(t, "\r\n"), 4); /* header + 3 rows; cell newlines stay \n */
    assert_non_null(strstr(t, "\r\nSKU-0.0,\"<Kundan> & \"\"jhumka\"\" \xe2\x82\xb9 earrings\","));
    assert_non_null(strstr(t, "\"Line one.\nLine two with  spaces\""));
    assert_non_null(strstr(t, ",\"'=HYPERLINK(1)\","));
    buf_release(&b);
    json_decref(rows);
    sheet_schema_free(s);
}

static int setup(void **state)
{
    const char *src = getenv("KARAT_SOURCE_DIR");
    (void)state;
    snprintf(dir, sizeof dir, "%s/data/marketplaces", src ? src : ".");
    tu_tmpdir(tmp, sizeof tmp);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tu_rmrf(tmp);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amazon_layout),
        cmocka_unit_test(test_meesho_position_and_buffer),
        cmocka_unit_test(test_numbers_and_empty),
        cmocka_unit_test(test_csv),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
