/*
 * test_sheet_template.c - filling a seller's own template in place.
 *
 * The template is made here with libxlsxwriter the way marketplace files
 * look: an instructions sheet, the data sheet with header/metadata rows,
 * styles, a dropdown, frozen panes and old data rows, and a list sheet.
 * After a fill, every zip entry but the data sheet must be byte-identical,
 * the data sheet's untouched rows and its validations must be unchanged,
 * and the data rows must hold the new values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>
#include <zip.h>

#include "sheet/sheet.h"
#include "testutil.h"
#include "xlsx_read.h"

/* The shipped KARAT_TEMPLATE_MAX_UNPACKED / KARAT_TEMPLATE_MAX_RATIO (the sheet
 * module has no defaults of its own). */
static const struct sheet_tpl_limits TPL_LIMITS = {64u << 20, 100};

static char dir[1024], tmp[512], tpl_path[700];
static struct sheet_schema *fk;

/* Flipkart earrings template: sheet "earring" third, headers in row 1,
 * metadata rows 2-4, two old data rows, a pre-styled empty row 7. */
static void make_template(const char *path)
{
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ins = workbook_add_worksheet(wb, "Index");
    lxw_worksheet *help = workbook_add_worksheet(wb, "Instructions");
    lxw_worksheet *ws = workbook_add_worksheet(wb, "earring");
    lxw_worksheet *vals = workbook_add_worksheet(wb, "Valid Values");
    lxw_format *head = workbook_add_format(wb), *fill = workbook_add_format(wb);
    static const char *const hdr[] = {"Flipkart Serial Number",
                                      "Seller SKU ID",
                                      "Listing Status",
                                      "MRP (INR)",
                                      "Type",
                                      "Color",
                                      "Description",
                                      "Search Keywords",
                                      "Local delivery charge (INR)",
                                      "brand",
                                      "Occasion\n\nThe occasion it suits"};
    char *types[] = {"Studs", "Jhumki", "Hoops", NULL};
    lxw_data_validation dv = {.validate = LXW_VALIDATION_TYPE_LIST, .value_list = types};

    format_set_bold(head);
    format_set_bg_color(head, 0xFFFF00);
    format_set_bg_color(fill, 0xDDEEFF);
    worksheet_write_string(ins, 0, 0, "Flipkart listing file", NULL);
    worksheet_write_string(help, 0, 0, "Fill from row 5", NULL);
    for (int c = 0; c < 11; c++) {
        worksheet_write_string(ws, 0, (lxw_col_t)c, hdr[c], head);
        worksheet_write_string(ws, 1, (lxw_col_t)c, "mandatory", NULL);
        worksheet_write_string(ws, 2, (lxw_col_t)c, "text", NULL);
        worksheet_write_string(ws, 3, (lxw_col_t)c, "example", NULL);
    }
    worksheet_write_number(ws, 4, 0, 1, NULL);
    worksheet_write_string(ws, 4, 1, "OLD-1", NULL);
    worksheet_write_string(ws, 4, 4, "Studs", NULL);
    worksheet_write_formula(ws, 5, 0, "=A5+1", NULL);
    worksheet_write_string(ws, 5, 1, "OLD-2", NULL);
    worksheet_write_blank(ws, 6, 1, fill);
    worksheet_write_blank(ws, 6, 4, fill);
    worksheet_data_validation_range(ws, 4, 4, 999, 4, &dv);
    worksheet_freeze_panes(ws, 1, 2);
    worksheet_set_column(ws, 0, 10, 22, NULL);
    worksheet_write_string(vals, 0, 0, "Studs", NULL);
    worksheet_activate(ws);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
}

static json_t *rows_of(int n, const char *prefix)
{
    json_t *rows = json_array();
    for (int i = 0; i < n; i++) {
        char sku[32];
        json_t *row = NULL, *w = NULL;
        json_t *v =
            json_pack("{s:s, s:s, s:s, s:s, s:s}", "Type", "jhumki earrings", "Color", "Gold",
                      "Description", "Kundan <jhumka> & pearls \xe2\x82\xb9", "Search Keywords",
                      "jhumka::earrings", "Occasion", "wedding and engagement");
        snprintf(sku, sizeof sku, "%s-%d", prefix, i + 1);
        assert_int_equal(sheet_row_build(fk, sku, v, &row, NULL), KR_OK);
        assert_int_equal(sheet_validate_row(fk, row, &w, NULL), KR_OK);
        json_decref(w);
        json_decref(v);
        json_array_append_new(rows, row);
    }
    return rows;
}

static void save(const struct buf *b, const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", tmp, name);
    tu_write_file(out, b->data, b->len);
}

/* Every entry but `except` has the same bytes in a and b. */
static void same_entries(const char *a, const char *b, const char *except)
{
    int n = tu_xlsx_entry_count(a);
    assert_true(n > 5);
    assert_int_equal(tu_xlsx_entry_count(b), n - (except && strstr(except, "calcChain") ? 1 : 0));
    for (int i = 0; i < n; i++) {
        char *name = tu_xlsx_entry_name(a, i);
        size_t la = 0, lb = 0;
        unsigned char *x = tu_xlsx_entry(a, name, &la), *y = tu_xlsx_entry(b, name, &lb);
        if (!except || !strstr(except, name)) {
            if (!y || la != lb || memcmp(x, y, la) != 0)
                fail_msg("entry %s changed", name);
        }
        free(x);
        free(y);
        free(name);
    }
}

static char *between(const char *s, const char *a, const char *b)
{
    const char *p = strstr(s, a), *q = p ? strstr(p, b) : NULL;
    return q ? strndup(p, (size_t)(q - p) + strlen(b)) : NULL;
}

static void expect(const char *path, const char *ref, const char *want)
{
    char *got = tu_xlsx_cell(path, "earring", ref);
    if (want ? !got || strcmp(got, want) : got && *got)
        fail_msg("%s: got '%s', want '%s'", ref, got ? got : "(none)", want ? want : "(empty)");
    free(got);
}

static void test_replace_keeps_everything_else(void **state)
{
    struct buf in, out;
    char path[800];
    json_t *rows = rows_of(2, "NEW"), *missing = NULL;
    (void)state;
    buf_init(&in, 0);
    buf_init(&out, 0);
    assert_int_equal(buf_read_file(&in, tpl_path, NULL), KR_OK);
    assert_int_equal(sheet_template_fill(
                         fk,
                         &(struct sheet_fill_req){in.data, in.len, &TPL_LIMITS, rows, SHEET_FILL_REPLACE},
                         &out, &missing, NULL),
                     KR_OK);
    save(&out, "replaced.xlsx", path, sizeof path);
    char *part = tu_xlsx_sheet_part(path, "earring");
    same_entries(tpl_path, path, part);

    /* header and metadata rows untouched */
    expect(path, "B1", "Seller SKU ID");
    expect(path, "A3", "text");
    expect(path, "K1", "Occasion\n\nThe occasion it suits");
    /* data rows */
    expect(path, "B5", "NEW-1");
    expect(path, "B6", "NEW-2");
    expect(path, "C5", "Active");
    expect(path, "D5", "599");
    expect(path, "E5", "Jhumki Earring"); /* normalised to the allowed spelling */
    expect(path, "G6", "Kundan <jhumka> & pearls \xe2\x82\xb9");
    expect(path, "I5", "0");                    /* matched through its alias */
    expect(path, "J5", "Alya Jewels");          /* "brand": case-insensitive header */
    expect(path, "K5", "Wedding & Engagement"); /* Meesho-style header cut at the blank line */
    expect(path, "A5", NULL);                   /* replace clears columns we do not own */
    expect(path, "A6", NULL);                   /* ... including the formula */
    expect(path, "B7", NULL);

    char *a = tu_xlsx_sheet_xml(tpl_path, "earring"), *b = tu_xlsx_sheet_xml(path, "earring");
    char *va = between(a, "<dataValidations", "</dataValidations>");
    char *vb = between(b, "<dataValidations", "</dataValidations>");
    assert_non_null(va);
    assert_string_equal(va, vb);
    char *ra = between(a, "<row r=\"1\"", "</row>"), *rb = between(b, "<row r=\"1\"", "</row>");
    assert_string_equal(ra, rb); /* header row copied byte for byte */
    char *pa = between(a, "<sheetViews", "</cols>"), *pb = between(b, "<sheetViews", "</cols>");
    assert_string_equal(pa, pb);                    /* frozen panes, column widths */
    assert_non_null(strstr(b, "<c r=\"B7\" s=\"")); /* the styled empty row keeps its style */
    assert_null(strstr(b, "<f>"));
    assert_non_null(strstr(b, "<dimension ref=\"A1:K7\""));
    /* the schema columns the template lacks are reported */
    assert_true(json_array_size(missing) > 10);
    int has_model = 0, has_local = 0;
    for (size_t i = 0; i < json_array_size(missing); i++) {
        const char *m = json_string_value(json_array_get(missing, i));
        has_model |= strcmp(m, "Model Number") == 0;
        has_local |= strcmp(m, "Local handling fee (INR)") == 0;
    }
    assert_true(has_model);
    assert_false(has_local);
    free(va), free(vb), free(ra), free(rb), free(pa), free(pb), free(a), free(b), free(part);
    json_decref(missing);
    json_decref(rows);
    buf_release(&in);
    buf_release(&out);
}

static void test_append_then_clear(void **state)
{
    struct buf in, mid, out;
    char p1[800], p2[800];
    json_t *rows = rows_of(2, "APP");
    (void)state;
    buf_init(&in, 0), buf_init(&mid, 0), buf_init(&out, 0);
    assert_int_equal(buf_read_file(&in, tpl_path, NULL), KR_OK);
    assert_int_equal(sheet_template_fill(
                         fk,
                         &(struct sheet_fill_req){in.data, in.len, &TPL_LIMITS, rows, SHEET_FILL_APPEND},
                         &mid, NULL, NULL),
                     KR_OK);
    save(&mid, "appended.xlsx", p1, sizeof p1);
    expect(p1, "B5", "OLD-1"); /* old rows stay */
    expect(p1, "E5", "Studs");
    expect(p1, "B6", "OLD-2");
    expect(p1, "B7", "APP-1"); /* the styled empty row is reused, not duplicated */
    expect(p1, "B8", "APP-2");
    char *x = tu_xlsx_sheet_xml(p1, "earring");
    assert_non_null(strstr(x, "<f>A5+1</f>"));
    assert_non_null(strstr(x, "<c r=\"B7\" s=\""));
    assert_null(strstr(strstr(x, "<row r=\"7\"") + 5, "<row r=\"7\""));
    free(x);

    assert_int_equal(sheet_template_clear(fk, mid.data, mid.len, &TPL_LIMITS, &out, NULL), KR_OK);
    save(&out, "cleared.xlsx", p2, sizeof p2);
    expect(p2, "B1", "Seller SKU ID");
    expect(p2, "B4", "example");
    for (int r = 5; r <= 8; r++) {
        char ref[8];
        snprintf(ref, sizeof ref, "B%d", r);
        expect(p2, ref, NULL);
    }
    char *part = tu_xlsx_sheet_part(p2, "earring");
    same_entries(tpl_path, p2, part);
    free(part);
    json_decref(rows);
    buf_release(&in), buf_release(&mid), buf_release(&out);
}

/* A template with a calculation chain: removing formulas must drop it. */
static void test_calc_chain_dropped(void **state)
{
    static const char chain[] = "<calcChain xmlns=\"http://schemas.openxmlformats.org/"
                                "spreadsheetml/2006/main\"><c r=\"A6\" i=\"3\"/></calcChain>";
    char path[800], outp[800];
    struct buf in, out;
    (void)state;
    snprintf(path, sizeof path, "%s/chain.xlsx", tmp);
    make_template(path);
    char *ct = (char *)tu_xlsx_entry(path, "[Content_Types].xml", NULL),
         *end = strstr(ct, "</Types>");
    char types[8192];
    snprintf(types, sizeof types,
             "%.*s<Override PartName=\"/xl/calcChain.xml\" ContentType=\"application/"
             "vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml\"/></Types>",
             (int)(end - ct), ct);
    free(ct);
    zip_t *za = zip_open(path, 0, NULL);
    zip_source_t *s = zip_source_buffer(za, chain, strlen(chain), 0);
    assert_true(zip_file_add(za, "xl/calcChain.xml", s, 0) >= 0);
    s = zip_source_buffer(za, types, strlen(types), 0);
    assert_true(zip_file_replace(za, (zip_uint64_t)zip_name_locate(za, "[Content_Types].xml", 0), s,
                                 0) == 0);
    assert_int_equal(zip_close(za), 0);
    ct = (char *)tu_xlsx_entry(path, "[Content_Types].xml", NULL);
    assert_non_null(strstr(ct, "calcChain"));
    free(ct);
    buf_init(&in, 0), buf_init(&out, 0);
    assert_int_equal(buf_read_file(&in, path, NULL), KR_OK);
    assert_int_equal(sheet_template_clear(fk, in.data, in.len, &TPL_LIMITS, &out, NULL), KR_OK);
    save(&out, "nochain.xlsx", outp, sizeof outp);
    assert_null(tu_xlsx_entry(outp, "xl/calcChain.xml", NULL));
    ct = (char *)tu_xlsx_entry(outp, "[Content_Types].xml", NULL);
    assert_null(strstr(ct, "calcChain"));
    assert_non_null(strstr(ct, "</Types>"));
    free(ct);
    buf_release(&in), buf_release(&out);
}

static void test_bad_templates(void **state)
{
    struct buf in, out;
    struct kr_err err = {0};
    json_t *rows = json_array();
    struct sheet_schema *mee = NULL;
    (void)state;
    buf_init(&out, 0);
    assert_int_equal(
        sheet_template_fill(fk,
                            &(struct sheet_fill_req){"not a zip", 9, &TPL_LIMITS, rows, SHEET_FILL_APPEND},
                            &out, NULL, &err),
        KR_EINVAL);
    assert_string_equal(err.slug, "bad_template");
    /* no limits given: refused, never a default of the sheet module's own */
    assert_int_equal(
        sheet_template_fill(fk, &(struct sheet_fill_req){"not a zip", 9, NULL, rows,
                                                         SHEET_FILL_APPEND},
                            &out, NULL, &err),
        KR_EINVAL);
    assert_string_equal(err.slug, "bad_option");
    /* a valid zip that is not a workbook */
    char path[800];
    snprintf(path, sizeof path, "%s/plain.zip", tmp);
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, NULL);
    zip_file_add(za, "hello.txt", zip_source_buffer(za, "hi", 2, 0), 0);
    zip_close(za);
    buf_init(&in, 0);
    assert_int_equal(buf_read_file(&in, path, NULL), KR_OK);
    assert_int_equal(sheet_template_clear(fk, in.data, in.len, &TPL_LIMITS, &out, &err), KR_EINVAL);
    buf_release(&in);
    /* Meesho wants its sheet at position 2; a one-sheet workbook has none */
    assert_int_equal(sheet_schema_load(dir, "meesho", "earrings", &mee, NULL), KR_OK);
    snprintf(path, sizeof path, "%s/one.xlsx", tmp);
    lxw_workbook *wb = workbook_new(path);
    workbook_add_worksheet(wb, "Only");
    workbook_close(wb);
    assert_int_equal(buf_read_file(&in, path, NULL), KR_OK);
    assert_int_equal(sheet_template_clear(mee, in.data, in.len, &TPL_LIMITS, &out, &err), KR_EINVAL);
    assert_non_null(strstr(err.msg, "sheet 2"));
    /* truncated zip */
    assert_int_equal(sheet_template_clear(mee, in.data, in.len / 2, &TPL_LIMITS, &out, &err), KR_EINVAL);
    sheet_schema_free(mee);
    buf_release(&in);
    buf_release(&out);
    json_decref(rows);
}

static int setup(void **state)
{
    const char *src = getenv("KARAT_SOURCE_DIR");
    (void)state;
    snprintf(dir, sizeof dir, "%s/data/marketplaces", src ? src : ".");
    tu_tmpdir(tmp, sizeof tmp);
    snprintf(tpl_path, sizeof tpl_path, "%s/template.xlsx", tmp);
    make_template(tpl_path);
    return sheet_schema_load(dir, "flipkart", "earrings", &fk, NULL);
}

static int teardown(void **state)
{
    (void)state;
    sheet_schema_free(fk);
    tu_rmrf(tmp);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replace_keeps_everything_else),
        cmocka_unit_test(test_append_then_clear),
        cmocka_unit_test(test_calc_chain_dropped),
        cmocka_unit_test(test_bad_templates),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
