/*
 * test_template_xml.c - where the worksheet's <sheetData> is, as XML says.
 *
 * The filler must find the data where an XML parser does - the root's
 * <sheetData> child in SpreadsheetML's namespace, under any prefix - and
 * nowhere else: not in a processing instruction that merely contains the
 * text "<sheetData/>" (a byte scanner once ended the PI at its first '>'),
 * not in a foreign element of the same local name, not in a comment or a
 * CDATA section. Results are read back with the test's own libxml2 DOM
 * reader (xlsx_read.c), which is the "parser" side of that agreement. Also
 * a prefixed worksheet, a self-closing <sheetData/>, and a 50 MB worksheet
 * (streamed: filled in bounded memory; past the unpacked limit: refused).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "sheet/sheet.h"
#include "shipped_schema.h"
#include "testutil.h"
#include "xlsx_make.h"
#include "xlsx_read.h"

/* The shipped KARAT_TEMPLATE_MAX_UNPACKED / KARAT_TEMPLATE_MAX_RATIO (the sheet
 * module has no defaults of its own). */
static const struct sheet_tpl_limits TPL_LIMITS = {64u << 20, 100};

#define NS "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define HEAD                                                                                       \
    "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>Seller SKU ID</t></is></c>"                   \
    "<c r=\"B1\" t=\"inlineStr\"><is><t>Color</t></is></c></row>"

/* The worksheet part of out, NUL-terminated (malloc'd). */
static char *sheet_xml(const struct buf *out)
{
    char path[600], tmp[512], *x;
    tu_tmpdir(tmp, sizeof tmp);
    snprintf(path, sizeof path, "%s/out.xlsx", tmp);
    tu_write_file(path, out->data, out->len);
    x = tu_xlsx_sheet_xml(path, "earring");
    tu_rmrf(tmp);
    return x;
}

/* Fill worksheet ws (replace) and expect the row where a DOM reader sees
 * it; the worksheet XML of the result into *xml if asked. */
static void fills(const char *ws, char **xml)
{
    size_t n;
    unsigned char *x = tu_xlsx_min(&(struct tu_xlsx_parts){.sheet = ws}, &n);
    struct buf out;
    struct kr_err err = {0};
    json_t *rows = tu_fk_one_row();
    char *v;

    buf_init(&out, 0);
    if (sheet_template_fill(tu_fk, &(struct sheet_fill_req){x, n, &TPL_LIMITS, rows, SHEET_FILL_REPLACE}, &out, NULL, &err))
        fail_msg("%s", err.msg);
    v = tu_xlsx_cell_mem(out.data, out.len, "earring", "A5");
    if (!v || strcmp(v, "SKU-1") != 0)
        fail_msg("A5 is '%s', not SKU-1: the rows went elsewhere", v ? v : "(none)");
    free(v);
    v = tu_xlsx_cell_mem(out.data, out.len, "earring", "B5");
    assert_non_null(v);
    assert_string_equal(v, "Gold");
    free(v);
    if (xml)
        *xml = sheet_xml(&out);
    buf_release(&out);
    json_decref(rows);
    free(x);
}

static void test_sheetdata_in_a_pi(void **state)
{
    char *xml = NULL;
    (void)state;
    fills("<worksheet xmlns=\"" NS "\"><?karat note> <sheetData/> ?><sheetData>" HEAD
          "</sheetData></worksheet>",
          &xml);
    assert_non_null(strstr(xml, "<?karat note> <sheetData/> ?>")); /* kept as it was */
    free(xml);
}

static void test_sheetdata_of_another_namespace(void **state)
{
    char *xml = NULL;
    (void)state;
    fills("<worksheet xmlns=\"" NS "\"><sheetPr><o:sheetData xmlns:o=\"urn:other\"/></sheetPr>"
          "<sheetData>" HEAD "</sheetData></worksheet>",
          &xml);
    assert_non_null(strstr(xml, "<o:sheetData xmlns:o=\"urn:other\"/>"));
    free(xml);
}

static void test_sheetdata_in_comment_and_cdata(void **state)
{
    char *xml = NULL;
    (void)state;
    fills("<worksheet xmlns=\"" NS "\"><!-- <sheetData/> --><sheetPr><![CDATA[<sheetData>]]>"
          "</sheetPr><sheetData>" HEAD "</sheetData></worksheet>",
          &xml);
    assert_non_null(strstr(xml, "<!-- <sheetData/> -->"));
    assert_non_null(strstr(xml, "<![CDATA[<sheetData>]]>"));
    free(xml);
}

/* A prefixed worksheet: new rows and cells take the prefix. */
static void test_prefixed(void **state)
{
    char *xml = NULL;
    (void)state;
    fills("<x:worksheet xmlns:x=\"" NS "\"><x:dimension ref=\"A1:B1\"/><x:sheetData>"
          "<x:row r=\"1\"><x:c r=\"A1\" t=\"inlineStr\"><x:is><x:t>Seller SKU ID</x:t></x:is></x:c>"
          "<x:c r=\"B1\" t=\"inlineStr\"><x:is><x:t>Color</x:t></x:is></x:c></x:row>"
          "</x:sheetData></x:worksheet>",
          &xml);
    assert_non_null(strstr(xml, "<x:row r=\"5\"><x:c r=\"A5\" t=\"inlineStr\"><x:is><x:t>SKU-1"));
    assert_non_null(strstr(xml, "<x:dimension ref=\"A1:"));
    assert_null(strstr(xml, "<row"));
    free(xml);
}

/* <sheetData/>: opened for the new rows; no header row, so every column
 * is missing and the row is empty, but the part stays valid. */
static void test_self_closing(void **state)
{
    size_t n;
    unsigned char *x = tu_xlsx_min(
        &(struct tu_xlsx_parts){.sheet = "<worksheet xmlns=\"" NS "\"><sheetData/></worksheet>"},
        &n);
    struct buf out, again;
    json_t *rows = tu_fk_one_row(), *missing = NULL;
    char *xml;
    (void)state;
    buf_init(&out, 0);
    buf_init(&again, 0);
    assert_int_equal(
        sheet_template_fill(tu_fk, &(struct sheet_fill_req){x, n, &TPL_LIMITS, rows, SHEET_FILL_APPEND}, &out, &missing, NULL), KR_OK);
    assert_int_equal(json_array_size(missing), sheet_ncolumns(tu_fk));
    xml = sheet_xml(&out);
    assert_non_null(strstr(xml, "<sheetData><row r=\"5\"></row></sheetData>"));
    assert_int_equal(sheet_template_clear(tu_fk, out.data, out.len, &TPL_LIMITS, &again, NULL), KR_OK);
    free(xml);
    json_decref(missing);
    json_decref(rows);
    buf_release(&out);
    buf_release(&again);
    free(x);
}

/* A worksheet of about mib MiB: the header row, then rows of ten cells up
 * to row *last. */
static unsigned char *big(size_t mib, size_t *len, int *last)
{
    struct buf b;
    unsigned char *x;
    buf_init(&b, 0);
    buf_appendf(&b, "<worksheet xmlns=\"" NS "\"><dimension ref=\"A1:L2\"/><sheetData>" HEAD);
    for (int r = 2; b.len < mib << 20; r++) {
        *last = r;
        buf_appendf(&b, "<row r=\"%d\">", r);
        for (int c = 0; c < 10; c++) /* values zlib does not crawl over */
            buf_appendf(&b, "<c r=\"%c%d\"><v>%u</v></c>", 'C' + c, r,
                        (unsigned)(r * 2654435761u + (unsigned)c * 40503u) >> 8);
        buf_appendf(&b, "</row>");
    }
    buf_appendf(&b, "</sheetData></worksheet>");
    x = tu_xlsx_min(
        &(struct tu_xlsx_parts){.sheet = (char *)b.data, .sheet_len = b.len, .sheet_pos = -1}, len);
    buf_release(&b);
    return x;
}

static long peak_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

#ifdef __SANITIZE_ADDRESS__
#define BIG_MIB 8 /* the same path, at a size ASan runs in seconds */
#else
#define BIG_MIB 50
#endif

static void test_huge_worksheet(void **state)
{
    size_t n;
    int last = 0;
    unsigned char *x = big(BIG_MIB, &n, &last);
    struct buf out;
    struct kr_err err = {0};
    struct sheet_tpl_limits small = {(BIG_MIB / 2) << 20, 100};
    json_t *rows = tu_fk_one_row();
    long before;
    char want[128], *xml;
    (void)state;
    buf_init(&out, 0);
    /* past the unpacked limit: a limit error, nothing inflated */
    assert_int_equal(
        sheet_template_fill(tu_fk, &(struct sheet_fill_req){x, n, &small, rows, SHEET_FILL_APPEND}, &out, NULL, &err),
        KR_ELIMIT);
    assert_string_equal(err.slug, "template_too_large");
    /* within the default limits: streamed, the old rows kept */
    before = peak_kib();
    assert_int_equal(sheet_template_fill(tu_fk, &(struct sheet_fill_req){x, n, &TPL_LIMITS, rows, SHEET_FILL_APPEND}, &out, NULL, &err),
                     KR_OK);
#ifndef __SANITIZE_ADDRESS__
    /* the package, the inflated part and the new part: no tree (which
     * would take several times the part) */
    if (peak_kib() - before > 4 * BIG_MIB * 1024)
        fail_msg("peak RSS grew by %ld KiB for a %d MiB worksheet", peak_kib() - before, BIG_MIB);
#else
    (void)before;
#endif
    xml = sheet_xml(&out);
    snprintf(want, sizeof want, "<row r=\"2\"><c r=\"C2\"><v>%u</v></c>", (2 * 2654435761u) >> 8);
    assert_non_null(strstr(xml, want));
    snprintf(want, sizeof want, "<row r=\"%d\"><c r=\"A%d\" t=\"inlineStr\"><is><t>SKU-1<",
             last + 1, last + 1);
    assert_non_null(strstr(xml, want)); /* appended after the last row */
    snprintf(want, sizeof want, "<dimension ref=\"A1:L%d\"/>", last + 1);
    assert_non_null(strstr(xml, want));
    free(xml);
    json_decref(rows);
    buf_release(&out);
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sheetdata_in_a_pi),
        cmocka_unit_test(test_sheetdata_of_another_namespace),
        cmocka_unit_test(test_sheetdata_in_comment_and_cdata),
        cmocka_unit_test(test_prefixed),
        cmocka_unit_test(test_self_closing),
        cmocka_unit_test(test_huge_worksheet),
    };
    return cmocka_run_group_tests(tests, tu_fk_setup, tu_fk_teardown);
}
