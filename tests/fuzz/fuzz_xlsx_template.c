/*
 * fuzz_xlsx_template.c - libFuzzer target: the seller-template reader
 * (sheet/sheet_zip.c, sheet_xml.c, sheet_part.c, sheet_walk.c, sheet_fill.c) as POST /templates and
 * /clear_excel_file reach it: sheet_template_fill() then
 * sheet_template_clear(), and a template that filled must fill again from
 * its own output.
 *
 * An input is either an .xlsx as uploaded (it starts with "PK"), or a
 * package spelled out as text, each part introduced by a line
 *   ==> xl/workbook.xml <==
 * which the harness stores uncompressed in a fresh zip with libzip. The
 * text form lets mutations reach the XML (workbook, relationships, shared
 * strings, the worksheet) instead of breaking deflate streams and CRCs;
 * the raw form keeps the zip reader itself in play. Every input is
 * filled with three marketplace schemas (Flipkart: data sheet by name;
 * Meesho: by position; Amazon: by name in any case, header on row 3); the
 * fill mode and the schema that clears come from the input's length.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "sheet/sheet.h"
#include "core/buf.h"
#include "core/config.h"

/* The shipped KARAT_TEMPLATE_MAX_UNPACKED / KARAT_TEMPLATE_MAX_RATIO (the sheet
 * module has no defaults of its own). */
static const struct sheet_tpl_limits TPL_LIMITS = {64u << 20, 100};

#define MARK "==> "
#define END  " <==\n"

static const char *const schema_names[][2] = {
    {"flipkart", "earrings"}, {"meesho", "earrings"}, {"amazon", "earrings"}};
#define NSCHEMAS (sizeof schema_names / sizeof schema_names[0])
static struct sheet_schema *schemas[NSCHEMAS];
static json_t *rows;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct kr_err err = {0};
    struct config cfg;
    json_t *row = NULL, *values = json_pack("{s:s, s:s}", "Color", "Gold", "brand", "Karat");
    (void)argc;
    (void)argv;
    if (config_load(&cfg, &err)) /* the schema folder, as karat itself finds it */
        abort();
    for (size_t i = 0; i < NSCHEMAS; i++)
        if (sheet_schema_load(cfg.marketplaces_dir, schema_names[i][0], schema_names[i][1],
                              &schemas[i], &err)) {
            fprintf(stderr, "fuzz_xlsx_template: %s\n", err.msg);
            abort();
        }
    config_release(&cfg);
    rows = json_array();
    if (sheet_row_build(schemas[0], "SKU-1", values, &row, &err))
        abort();
    json_array_append_new(rows, row);
    json_decref(values);
    return 0;
}

/* Add one "==> name <==" part to za (stored, not compressed). */
static void add_part(zip_t *za, const char *name, const uint8_t *data, size_t n)
{
    zip_source_t *src = zip_source_buffer(za, data, n, 0);
    zip_int64_t idx = src ? zip_file_add(za, name, src, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8) : -1;
    if (idx < 0) {
        zip_source_free(src);
        return;
    }
    zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
}

/* The text form -> a zip in out; 0 when nothing usable was in it. */
static int pack(const uint8_t *data, size_t n, struct buf *out)
{
    zip_error_t ze;
    zip_source_t *mem;
    zip_t *za;
    size_t pos = 0;
    int parts = 0;
    zip_int64_t got;
    char chunk[16384];

    zip_error_init(&ze);
    mem = zip_source_buffer_create(NULL, 0, 0, &ze);
    za = mem ? zip_open_from_source(mem, ZIP_TRUNCATE, &ze) : NULL;
    zip_error_fini(&ze);
    if (!za) {
        zip_source_free(mem);
        return 0;
    }
    zip_source_keep(mem);
    while (pos + 4 < n && memcmp(data + pos, MARK, 4) == 0) {
        const uint8_t *end = memmem(data + pos, n - pos, END, 5);
        const uint8_t *next;
        char name[256];
        size_t nlen = end ? (size_t)(end - data) - pos - 4 : 0, start, stop;
        if (!end || nlen == 0 || nlen >= sizeof name)
            break;
        memcpy(name, data + pos + 4, nlen);
        name[nlen] = '\0';
        start = (size_t)(end - data) + 5;
        next = memmem(data + start, n - start, "\n" MARK, 5);
        stop = next ? (size_t)(next - data) : n;
        add_part(za, name, data + start, stop - start);
        parts++;
        pos = next ? stop + 1 : n;
    }
    if (zip_close(za) < 0) {
        zip_discard(za);
        zip_source_free(mem);
        return 0;
    }
    if (zip_source_open(mem) == 0) {
        while ((got = zip_source_read(mem, chunk, sizeof chunk)) > 0)
            buf_append(out, chunk, (size_t)got);
        zip_source_close(mem);
    }
    zip_source_free(mem);
    return parts > 0 && out->len > 0;
}

/* Fill with schema s; a template that filled must fill again from the output. */
static void fill(const struct sheet_schema *s, const void *xlsx, size_t len,
                 enum sheet_fill_mode mode)
{
    struct buf filled, again;
    struct kr_err err = {0};
    json_t *missing = NULL;

    buf_init(&filled, 0);
    buf_init(&again, 0);
    if (sheet_template_fill(s, &(struct sheet_fill_req){xlsx, len, &TPL_LIMITS, rows, mode}, &filled,
                            &missing, &err) == KR_OK) {
        if (sheet_template_fill(
                s, &(struct sheet_fill_req){filled.data, filled.len, &TPL_LIMITS, rows, SHEET_FILL_APPEND},
                &again, NULL, &err) != KR_OK) {
            fprintf(stderr, "fuzz_xlsx_template: own output refused: %s\n", err.msg);
            abort();
        }
    } else if (!err.msg[0]) {
        abort();
    }
    json_decref(missing);
    buf_release(&filled);
    buf_release(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    struct buf packed, cleared;
    struct kr_err err = {0};
    const void *xlsx = data;
    size_t len = n;

    buf_init(&packed, 64u << 20);
    buf_init(&cleared, 0);
    if (n < 2 || memcmp(data, "PK", 2) != 0) {
        if (!pack(data, n, &packed))
            goto out;
        xlsx = packed.data;
        len = packed.len;
    }
    for (size_t i = 0; i < NSCHEMAS; i++)
        fill(schemas[i], xlsx, len, n % 2 ? SHEET_FILL_APPEND : SHEET_FILL_REPLACE);
    if (sheet_template_clear(schemas[n % NSCHEMAS], xlsx, len, &TPL_LIMITS, &cleared, &err) != KR_OK &&
        !err.msg[0])
        abort();
out:
    buf_release(&packed);
    buf_release(&cleared);
    return 0;
}
