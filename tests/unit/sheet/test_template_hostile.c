/*
 * test_template_hostile.c - seller templates built to hurt: the worksheet
 * as the first, a middle or the last zip entry (libzip once wrote the new
 * package back into the caller's buffer), a DOCTYPE in any part, inflated
 * parts past the limits, a corrupt central directory. Archives are made in
 * memory (xlsx_make.h); every case must fail cleanly with bad_template /
 * template_too_large or succeed leaving the input bytes untouched.
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

/* Fill and clear a workbook whose worksheet is entry pos; the input copy
 * stays as it was and the output reads back. */
static void fill_at(int pos)
{
    struct tu_xlsx_parts p = {.sheet_pos = pos};
    size_t n;
    unsigned char *x = tu_xlsx_min(&p, &n), *copy = malloc(n);
    struct buf out, cleared;
    struct kr_err err = {0};
    json_t *rows = tu_fk_one_row();
    char *v;

    memcpy(copy, x, n);
    buf_init(&out, 0);
    buf_init(&cleared, 0);
    if (sheet_template_fill(tu_fk, &(struct sheet_fill_req){copy, n, &TPL_LIMITS, rows, SHEET_FILL_REPLACE},
                            &out, NULL, &err))
        fail_msg("position %d: %s", pos, err.msg);
    assert_memory_equal(copy, x, n);
    v = tu_xlsx_cell_mem(out.data, out.len, "earring", "A5");
    assert_non_null(v);
    assert_string_equal(v, "SKU-1");
    free(v);
    v = tu_xlsx_cell_mem(out.data, out.len, "earring", "B5");
    assert_string_equal(v, "Gold");
    free(v);
    assert_int_equal(sheet_template_clear(tu_fk, out.data, out.len, &TPL_LIMITS, &cleared, &err), KR_OK);
    v = tu_xlsx_cell_mem(cleared.data, cleared.len, "earring", "A1");
    assert_string_equal(v, "Seller SKU ID");
    free(v);
    v = tu_xlsx_cell_mem(cleared.data, cleared.len, "earring", "A5");
    assert_true(!v || !*v);
    free(v);
    buf_release(&out);
    buf_release(&cleared);
    json_decref(rows);
    free(copy);
    free(x);
}

static void test_sheet_first_middle_last(void **state)
{
    (void)state;
    fill_at(0);
    fill_at(1);
    fill_at(-1);
}

/* Fill and clear of x both fail with code/slug and a message holding why. */
static void refused(const unsigned char *x, size_t n, const struct sheet_tpl_limits *lim,
                    enum kr_code code, const char *slug, const char *why)
{
    struct buf out;
    struct kr_err err = {0};
    json_t *rows = tu_fk_one_row();

    buf_init(&out, 0);
    assert_int_equal(
        sheet_template_fill(tu_fk, &(struct sheet_fill_req){x, n, lim, rows, SHEET_FILL_APPEND}, &out,
                            NULL, &err),
        code);
    assert_string_equal(err.slug, slug);
    if (!strstr(err.msg, why))
        fail_msg("'%s' does not say '%s'", err.msg, why);
    memset(&err, 0, sizeof err);
    assert_int_equal(sheet_template_clear(tu_fk, x, n, lim, &out, &err), code);
    assert_string_equal(err.slug, slug);
    assert_int_equal(out.len, 0);
    buf_release(&out);
    json_decref(rows);
}

static void refused_parts(const struct tu_xlsx_parts *p, const char *why)
{
    size_t n;
    unsigned char *x = tu_xlsx_min(p, &n);
    refused(x, n, &TPL_LIMITS, KR_EINVAL, "bad_template", why);
    free(x);
}

/* An entity in the sheet name, the shared strings or the worksheet: the
 * part is refused for its DOCTYPE, before anything is expanded. */
static void test_doctype_refused(void **state)
{
    char *wb =
        tu_xml_laughs("<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/"
                      "main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/"
                      "relationships\"><sheets><sheet name=\"earring",
                      "\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>", 10000, 2000);
    char *sst =
        tu_xml_laughs("<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
                      "<si><t>",
                      "</t></si></sst>", 10000, 2000);
    char *ws =
        tu_xml_laughs("<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/"
                      "main\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>",
                      "</t></is></c></row></sheetData></worksheet>", 10, 3);
    (void)state;
    refused_parts(&(struct tu_xlsx_parts){.workbook = wb}, "DOCTYPE");
    refused_parts(&(struct tu_xlsx_parts){.sst = sst, .sheet_pos = -1}, "DOCTYPE");
    refused_parts(&(struct tu_xlsx_parts){.sheet = ws, .sheet_pos = 1}, "DOCTYPE");
    /* UTF-16 would hide a DOCTYPE from the prolog check: only UTF-8 parts */
    refused_parts(&(struct tu_xlsx_parts){.sheet = "\xff\xfe<\0w\0/\0>\0", .sheet_len = 10},
                  "not UTF-8");
    free(wb);
    free(sst);
    free(ws);
}

/* A worksheet of n bytes: one cell, then padding (spaces: compresses
 * 1000:1; digits of a counter in attributes: hardly at all). */
static unsigned char *padded(size_t n, int dense, size_t *len)
{
    struct buf b;
    unsigned char *x;
    buf_init(&b, 0);
    buf_appendf(&b, "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/"
                    "main\"><sheetData>");
    for (unsigned long i = 0; b.len < n; i++)
        if (dense)
            buf_appendf(&b, "<row r=\"%lu\" x=\"%lx%lu\"/>", i + 1, i * 2654435761u, i);
        else
            buf_append(&b, "                                ", 32);
    buf_appendf(&b, "</sheetData></worksheet>");
    x = tu_xlsx_min(
        &(struct tu_xlsx_parts){.sheet = (char *)b.data, .sheet_len = b.len, .sheet_pos = -1}, len);
    buf_release(&b);
    return x;
}

static void test_zip_bombs_refused(void **state)
{
    size_t n;
    unsigned char *x;
    struct sheet_tpl_limits small = {2u << 20, 100};
    (void)state;
    /* 8 MiB from a few KB: the ratio */
    x = padded(8u << 20, 0, &n);
    assert_true(n < 64 * 1024);
    refused(x, n, &TPL_LIMITS, KR_ELIMIT, "template_too_large", "ratio");
    free(x);
    /* past the unpacked total (the ratio is fine) */
    x = padded(3u << 20, 1, &n);
    refused(x, n, &small, KR_ELIMIT, "template_too_large", "unpacks");
    free(x);
    /* the same file within the limits is accepted */
    struct sheet_tpl_limits big = {4u << 20, 100};
    struct buf out;
    buf_init(&out, 0);
    json_t *rows = tu_fk_one_row();
    assert_int_equal(sheet_template_fill(tu_fk,
                                         &(struct sheet_fill_req){x = padded(3u << 20, 1, &n), n,
                                                                  &big, rows, SHEET_FILL_REPLACE},
                                         &out, NULL, NULL),
                     KR_OK);
    free(x);
    buf_release(&out);
    json_decref(rows);
}

/* A central directory pointing one byte off a local header: 400, not an
 * I/O error, whichever entry it is. */
static void test_corrupt_central_directory(void **state)
{
    static const char *const names[] = {"[Content_Types].xml", "xl/worksheets/sheet1.xml",
                                        "xl/workbook.xml"};
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        size_t n;
        unsigned char *x = tu_xlsx_min(&(struct tu_xlsx_parts){.sheet_pos = 1}, &n);
        assert_int_equal(tu_zip_break_offset(x, n, names[i]), 0);
        refused(x, n, &TPL_LIMITS, KR_EINVAL, "bad_template", "zip");
        free(x);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sheet_first_middle_last),
        cmocka_unit_test(test_doctype_refused),
        cmocka_unit_test(test_zip_bombs_refused),
        cmocka_unit_test(test_corrupt_central_directory),
    };
    return cmocka_run_group_tests(tests, tu_fk_setup, tu_fk_teardown);
}
