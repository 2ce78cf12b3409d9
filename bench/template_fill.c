/*
 * template_fill.c - benchmark of filling a seller's template, up to the
 * largest worksheet the default limits let in.
 *
 * For each worksheet size (MiB of XML: a header row, then rows of 10 inline
 * string cells of random hex, so it compresses about 5:1 like real sheets)
 * a Flipkart earrings workbook is zipped in memory, then filled with 1000
 * rows (replace mode) RUNS times; min and median wall time are printed with
 * the process's peak RSS after that size. Baseline in the same run: only
 * inflating the worksheet entry (libzip), the floor of any reader.
 *
 * Usage: bench_template_fill [runs] [MiB...]   (default: 5 1 16 60)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <zip.h>

#include "sheet/sheet.h"
#include "core/config.h"
#include "core/util.h"

/* The shipped KARAT_TEMPLATE_MAX_UNPACKED / KARAT_TEMPLATE_MAX_RATIO (the sheet
 * module has no defaults of its own). */
static const struct sheet_tpl_limits TPL_LIMITS = {64u << 20, 100};

#define MAX_RUNS 20
#define NS       "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NSR      "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

static const char *entry_names[] = {"[Content_Types].xml", "xl/workbook.xml",
                                    "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml"};

static char *worksheet(size_t mib, size_t *len)
{
    struct buf b;
    unsigned long long x = 88172645463325252ull;
    buf_init(&b, 0);
    buf_appendf(&b, "<worksheet xmlns=\"" NS "\"><sheetData><row r=\"1\">"
                    "<c r=\"A1\" t=\"inlineStr\"><is><t>Seller SKU ID</t></is></c>"
                    "<c r=\"B1\" t=\"inlineStr\"><is><t>Color</t></is></c></row>");
    for (int r = 2; b.len < mib << 20; r++) {
        buf_appendf(&b, "<row r=\"%d\">", r);
        for (int c = 0; c < 10; c++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf_appendf(&b, "<c r=\"%c%d\" t=\"inlineStr\"><is><t>%llx</t></is></c>", 'C' + c, r,
                        x & 0xffffffffffull);
        }
        buf_appendf(&b, "</row>");
    }
    buf_appendf(&b, "</sheetData></worksheet>");
    return (char *)buf_detach(&b, len);
}

static unsigned char *workbook(size_t mib, size_t *n)
{
    size_t wl;
    char *ws = worksheet(mib, &wl);
    const char *parts[] = {
        "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>",
        "<workbook xmlns=\"" NS "\" xmlns:r=\"" NSR "\"><sheets><sheet name=\"earring\" "
        "sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"rId1\" Type=\"" NSR "/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
        "</Relationships>",
        ws};
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, NULL);
    zip_t *za;
    zip_stat_t st;
    unsigned char *out;

    zip_source_keep(src);
    za = zip_open_from_source(src, ZIP_TRUNCATE, NULL);
    for (int i = 0; i < 4; i++)
        zip_file_add(za, entry_names[i],
                     zip_source_buffer(za, parts[i], i == 3 ? wl : strlen(parts[i]), 0), 0);
    zip_close(za);
    zip_source_stat(src, &st);
    out = malloc(st.size);
    zip_source_open(src);
    *n = (size_t)zip_source_read(src, out, st.size);
    zip_source_close(src);
    zip_source_free(src);
    free(ws);
    return out;
}

/* The floor: inflate the worksheet entry once. */
static void inflate_only(const unsigned char *x, size_t n)
{
    zip_source_t *src = zip_source_buffer_create(x, n, 0, NULL);
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY, NULL);
    zip_file_t *f = zip_fopen(za, entry_names[3], 0);
    static char chunk[1 << 16];
    while (zip_fread(f, chunk, sizeof chunk) > 0)
        ;
    zip_fclose(f);
    zip_discard(za);
}

static int cmp_ms(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void timed(const char *what, size_t mib, int runs, const struct sheet_schema *s,
                  const unsigned char *x, size_t n, const json_t *rows)
{
    double ms[MAX_RUNS];
    struct rusage ru;
    for (int i = 0; i < runs; i++) {
        struct buf out;
        struct kr_err err = {0};
        double t0 = util_now_ms();
        buf_init(&out, 0);
        if (!s)
            inflate_only(x, n);
        else if (sheet_template_fill(s,
                                     &(struct sheet_fill_req){x, n, &TPL_LIMITS, rows, SHEET_FILL_REPLACE},
                                     &out, NULL, &err))
            fprintf(stderr, "fill: %s\n", err.msg), exit(1);
        ms[i] = util_now_ms() - t0;
        buf_release(&out);
    }
    qsort(ms, (size_t)runs, sizeof ms[0], cmp_ms);
    getrusage(RUSAGE_SELF, &ru);
    printf("| %4zu | %-22s | %8.0f | %8.0f | %8ld |\n", mib, what, ms[0], ms[runs / 2],
           ru.ru_maxrss / 1024);
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    size_t sizes[16] = {1, 16, 60}, nsizes = 3;
    struct sheet_schema *s = NULL;
    struct kr_err err = {0};
    json_t *rows = json_array();

    if (runs < 1 || runs > MAX_RUNS)
        runs = 5;
    if (argc > 2)
        for (nsizes = 0; nsizes < 16 && (int)nsizes + 2 < argc; nsizes++)
            sizes[nsizes] = (size_t)atoi(argv[nsizes + 2]);
    struct config cfg;
    if (config_load(&cfg, &err) ||
        sheet_schema_load(cfg.marketplaces_dir, "flipkart", "earrings", &s, &err))
        return fprintf(stderr, "%s\n", err.msg), 1;
    config_release(&cfg);
    for (int i = 0; i < 1000; i++) {
        char sku[32];
        json_t *row = NULL, *v = json_pack("{s:s}", "Color", "Gold");
        snprintf(sku, sizeof sku, "SKU-%d", i);
        sheet_row_build(s, sku, v, &row, NULL);
        json_array_append_new(rows, row);
        json_decref(v);
    }
    printf("| MiB  | variant                | min (ms) | med (ms) | peak RSS (MiB) |\n");
    for (size_t k = 0; k < nsizes; k++) {
        size_t n;
        unsigned char *x = workbook(sizes[k], &n);
        timed("inflate only (floor)", sizes[k], runs, NULL, x, n, rows);
        timed("sheet_template_fill", sizes[k], runs, s, x, n, rows);
        printf("|      | (archive %zu KB)       |          |          |          |\n", n >> 10);
        free(x);
    }
    json_decref(rows);
    sheet_schema_free(s);
    return 0;
}
