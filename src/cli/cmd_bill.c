/*
 * cmd_bill.c - `karat bill PHOTO|PDF [--json] [--csv FILE] [--extras-csv FILE] [--xlsx FILE]`.
 *
 * Reads a bill offline (ocr_read_document: tesseract for photos and scans,
 * the text layer for PDFs that have one) and prints the table. Default
 * output is a readable listing (headers, rows separated by " | ", then the
 * extras); --json prints the /process-image-and-prompt/ shape
 * {"table": [{header: value}], "extras": {...}}. --csv writes the products
 * CSV and --extras-csv the extras CSV in the original's legacy formats;
 * --xlsx writes both sheets. Exit 0 on success, 1 when no table was found,
 * 2 when the file cannot be read (not an image or PDF, limits, encrypted).
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"
#include "ocr/ocr.h"

#define USAGE "karat bill PHOTO|PDF [--json] [--csv FILE] [--extras-csv FILE] [--xlsx FILE]"

static const struct cli_opt opts[] = {
    {"--json", 0, "print {\"table\": [...], \"extras\": {...}} instead of the listing"},
    {"--csv", 1, "write the table as CSV (header row, one row per line of the bill)"},
    {"--extras-csv", 1, "write the extras as CSV (one key row, one value row)"},
    {"--xlsx", 1, "write the table and the extras as an .xlsx workbook"},
    {"--data", 1, "data folder (for karat.conf: KARAT_OCR_*, KARAT_MAX_PIXELS)"},
    {NULL, 0, NULL},
};

static void listing(const struct ocr_table *t)
{
    for (size_t c = 0; c < t->ncols; c++)
        printf("%s%s", c ? " | " : "", t->headers[c]);
    printf("\n");
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *v = t->cells[r * t->ncols + c].text;
            printf("%s%s", c ? " | " : "", v ? v : "");
        }
        printf("\n");
    }
    for (size_t i = 0; i < t->nextras; i++)
        printf("%s: %s\n", t->extras[i].key, t->extras[i].value);
}

typedef enum kr_code (*csv_fn)(const struct ocr_table *, struct buf *, struct kr_err *);

static int write_csv(const struct ocr_table *t, const char *path, csv_fn fn)
{
    struct buf b;
    struct kr_err err = {0};
    int rc = 0;
    buf_init(&b, 256u << 20);
    if (fn(t, &b, &err) || util_write_file_atomic(path, b.data, b.len, &err)) {
        fprintf(stderr, "karat bill: %s: %s\n", path, err.msg);
        rc = 2;
    }
    buf_release(&b);
    return rc;
}

static int outputs(const struct ocr_table *t, const struct cli_args *a)
{
    const char *csv = cli_get(a, opts, "--csv"), *ecsv = cli_get(a, opts, "--extras-csv");
    const char *xlsx = cli_get(a, opts, "--xlsx");
    struct kr_err err = {0};
    if (csv && write_csv(t, csv, ocr_table_csv))
        return 2;
    if (ecsv && write_csv(t, ecsv, ocr_extras_csv))
        return 2;
    if (xlsx && ocr_table_xlsx(t, xlsx, &err)) {
        fprintf(stderr, "karat bill: %s: %s\n", xlsx, err.msg);
        return 2;
    }
    if (!cli_get(a, opts, "--json")) {
        listing(t);
        return 0;
    }
    json_t *j = ocr_table_json(t);
    if (!j)
        return 2;
    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(j);
    return 0;
}

static int run(const struct config *cfg, const char *path, const struct cli_args *a)
{
    struct buf b;
    struct kr_err err = {0};
    struct ocr_table t = {0};
    struct ocr_opts o = {(size_t)cfg->ocr_max_pages, (size_t)cfg->max_pixels, cfg->ocr_tessdata,
                         cfg->ocr_langs, 0};
    int rc = 2;
    buf_init(&b, (size_t)cfg->max_upload_bytes);
    if (buf_read_file(&b, path, &err) || ocr_read_document(b.data, b.len, &o, &t, &err)) {
        fprintf(stderr, "karat bill: %s: %s (%s)\n", path, err.msg, err.slug);
        rc = err.slug_id == KRS_NO_TABLE_FOUND ? 1 : 2;
        goto out;
    }
    rc = outputs(&t, a);
out:
    ocr_table_free(&t);
    buf_release(&b);
    return rc;
}

int cli_cmd_bill(int argc, char **argv)
{
    struct cli_args a;
    struct config cfg;
    int rc = cli_parse(argc, argv, opts, USAGE, &a);
    if (rc)
        return rc;
    if (a.npos != 1) {
        fprintf(stderr, "usage: %s\n", USAGE);
        return 2;
    }
    if (cli_start(&cfg, cli_get(&a, opts, "--data")))
        return 2;
    rc = run(&cfg, a.pos[0], &a);
    cli_finish(&cfg);
    return rc;
}
