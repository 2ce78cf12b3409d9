/*
 * test_template_calc_refs.c - what leaves the package with the calculation
 * chain when a fill removes formulas: the chain's part, its relationship
 * and its content-type override, and nothing else.
 *
 * The filler once dropped every empty element of workbook.xml.rels and
 * [Content_Types].xml with "calcChain" anywhere in an attribute. A shared
 * strings relationship whose target merely contained the word went too,
 * so the output's reader fell back to xl/sharedStrings.xml: a different
 * (here stale, not UTF-8) part, and the filled workbook could not be
 * filled again ("xl/sharedStrings.xml is not well-formed XML"; found by
 * fuzz_xlsx_template). The template is built in memory (xlsx_make.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sheet/sheet.h"
#include "shipped_schema.h"
#include "testutil.h"
#include "xlsx_make.h"
#include "xlsx_read.h"

/* The shipped KARAT_TEMPLATE_MAX_UNPACKED / KARAT_TEMPLATE_MAX_RATIO (the sheet
 * module has no defaults of its own). */
static const struct sheet_tpl_limits TPL_LIMITS = {64u << 20, 100};

#define NS_MAIN "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NS_PKG  "http://schemas.openxmlformats.org/package/2006/"
#define NS_REL  "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

static const char types[] =
    "<Types xmlns=\"" NS_PKG "content-types\">"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Default Extension=\"rels\" ContentType=\"application/"
    "vnd.openxmlformats-package.relationships+xml\"/>"
    "<Override PartName=\"/xl/calcChain.xml\" ContentType=\"application/"
    "vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml\"/></Types>";
static const char workbook[] = "<workbook xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\"><sheets>"
                               "<sheet name=\"earring\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
/* The shared strings part's name contains "calcChain"; only rId3 is the chain. */
static const char rels[] =
    "<Relationships xmlns=\"" NS_PKG "relationships\">"
    "<Relationship Id=\"rId1\" Type=\"" NS_REL "/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"" NS_REL "/sharedStrings\" Target=\"strings_calcChain.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"" NS_REL "/calcChain\" Target=\"calcChain.xml\"/>"
    "</Relationships>";
/* Headers from shared strings; a formula in the first data row (row 5). */
static const char sheet[] = "<worksheet xmlns=\"" NS_MAIN "\"><sheetData>"
                            "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c></row>"
                            "<row r=\"5\"><c r=\"C5\"><f>1+1</f><v>2</v></c></row>"
                            "</sheetData></worksheet>";
static const char strings[] = "<sst xmlns=\"" NS_MAIN "\" count=\"2\" uniqueCount=\"2\">"
                              "<si><t>Seller SKU ID</t></si><si><t>Color</t></si></sst>";
/* A stale part nothing names, not UTF-8 (a lone 0xE4). */
static const char stale[] = "<sst xmlns=\"" NS_MAIN "\"><si><t>Seller SKU \xE4</t></si></sst>";
static const char chain[] = "<calcChain xmlns=\"" NS_MAIN "\"><c r=\"C5\" i=\"1\"/></calcChain>";

static void fill(const void *in, size_t n, enum sheet_fill_mode mode, json_t *rows, struct buf *out)
{
    struct kr_err err = {0};
    buf_init(out, 0);
    if (sheet_template_fill(tu_fk, &(struct sheet_fill_req){in, n, &TPL_LIMITS, rows, mode},
                            out, NULL, &err) != KR_OK)
        fail_msg("fill refused: %s", err.msg);
}

static void cell_is(const struct buf *b, const char *ref, const char *want)
{
    char *v = tu_xlsx_cell_mem(b->data, b->len, "earring", ref);
    if (!v || strcmp(v, want) != 0)
        fail_msg("%s is '%s', not '%s'", ref, v ? v : "(none)", want);
    free(v);
}

/* Entry name of the package b, NUL-terminated (malloc'd; NULL if absent). */
static char *entry(const struct buf *b, const char *name)
{
    char tmp[512], path[600];
    char *v;
    tu_tmpdir(tmp, sizeof tmp);
    snprintf(path, sizeof path, "%s/out.xlsx", tmp);
    tu_write_file(path, b->data, b->len);
    v = (char *)tu_xlsx_entry(path, name, NULL);
    tu_rmrf(tmp);
    return v;
}

static void test_only_the_chain_goes(void **state)
{
    const struct tu_zip_entry e[] = {
        {"[Content_Types].xml", types, 0},    {"xl/workbook.xml", workbook, 0},
        {"xl/_rels/workbook.xml.rels", rels, 0}, {"xl/worksheets/sheet1.xml", sheet, 0},
        {"xl/strings_calcChain.xml", strings, 0}, {"xl/sharedStrings.xml", stale, 0},
        {"xl/calcChain.xml", chain, 0}};
    struct buf once, twice;
    json_t *rows = tu_fk_one_row();
    size_t n;
    unsigned char *in = tu_zip_make(e, sizeof e / sizeof e[0], &n);
    char *v;
    (void)state;
    fill(in, n, SHEET_FILL_REPLACE, rows, &once);
    cell_is(&once, "A5", "SKU-1");
    cell_is(&once, "B5", "Gold");
    v = entry(&once, "xl/_rels/workbook.xml.rels");
    assert_non_null(strstr(v, "Target=\"strings_calcChain.xml\""));
    assert_null(strstr(v, "/calcChain\""));
    free(v);
    v = entry(&once, "[Content_Types].xml");
    assert_null(strstr(v, "calcChain"));
    free(v);
    assert_null(entry(&once, "xl/calcChain.xml"));
    /* its own output fills again, its headers still found */
    fill(once.data, once.len, SHEET_FILL_APPEND, rows, &twice);
    cell_is(&twice, "A6", "SKU-1");
    cell_is(&twice, "B6", "Gold");
    json_decref(rows);
    free(in);
    buf_release(&once), buf_release(&twice);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_only_the_chain_goes),
    };
    return cmocka_run_group_tests(tests, tu_fk_setup, tu_fk_teardown);
}
