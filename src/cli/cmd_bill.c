/*
 * cmd_bill.c - `karat bill PHOTO|PDF [--json] [--csv F] [--extras-csv F]
 * [--xlsx F] [--prompt TEXT]`: read one bill from the command line with the
 * code /process-image-and-prompt/ uses (doc_extract: the provider in bands,
 * the offline reader as fallback; doc_check's warnings).
 *
 * Prints the products CSV (the original's legacy format) to stdout, or with
 * --json {"table", "extras", "warnings"}; the warnings' messages go to
 * stderr either way. --csv, --extras-csv and --xlsx write the files.
 * Nothing is stored. Exit status: 0 read (warnings or not), 2 failure.
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "core/util.h"
#include "doc/doc.h"
#include "image/image.h"

static const struct cli_opt opts[] = {
    {"--json", 0, "print {table, extras, warnings} as JSON instead of the CSV"},
    {"--csv", 1, "write the products CSV (legacy format) to this file"},
    {"--extras-csv", 1, "write the extras CSV (legacy format) to this file"},
    {"--xlsx", 1, "write a workbook (Table and Extras sheets) to this file"},
    {"--prompt", 1, "an extra instruction for the provider"},
    {"--data", 1, "data folder (for karat.conf; nothing is written)"},
    {NULL, 0, NULL},
};

#define USAGE "karat bill PHOTO|PDF [--json] [--csv F] [--extras-csv F] [--xlsx F] [--prompt T]"

typedef enum kr_code (*writer)(const struct doc_table *t, struct buf *out, struct kr_err *err);

static enum kr_code write_one(const struct config *cfg, const struct doc_table *t, writer w,
                              const char *path, struct kr_err *err)
{
    struct buf b;
    enum kr_code rc;

    buf_init(&b, 0);
    rc = w ? w(t, &b, err) : doc_xlsx(t, config_tmp_dir(cfg), &b, err);
    if (!rc && path)
        rc = util_write_file_atomic(path, b.data, b.len, err);
    else if (!rc)
        fwrite(b.data, 1, b.len, stdout);
    buf_release(&b);
    return rc;
}

static enum kr_code files(const struct config *cfg, const struct cli_args *a,
                          const struct doc_table *t, const struct doc_warnings *w,
                          struct kr_err *err)
{
    const char *csv = cli_get(a, opts, "--csv"), *ex = cli_get(a, opts, "--extras-csv");
    const char *xlsx = cli_get(a, opts, "--xlsx");
    enum kr_code rc = KR_OK;

    if ((csv && (rc = write_one(cfg, t, doc_csv_table, csv, err))) ||
        (ex && (rc = write_one(cfg, t, doc_csv_extras, ex, err))) ||
        (xlsx && (rc = write_one(cfg, t, NULL, xlsx, err))))
        return rc;
    if (cli_get(a, opts, "--json")) {
        json_t *o = json_pack("{s:o, s:o, s:o}", "table", doc_rows_json(t), "extras",
                              doc_extras_json(t), "warnings", doc_warnings_json(t, w));
        json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(o);
        return KR_OK;
    }
    return write_one(cfg, t, doc_csv_table, NULL, err);
}

static int bill_file(const struct config *cfg, const struct cli_args *a)
{
    struct kr_err err = {0};
    const struct app_opts o = {APP_AI, NULL, NULL, NULL};
    struct app *app = NULL;
    struct doc_extract_req xr = {0};
    struct doc_table t = {0};
    struct doc_warnings w = {0};
    struct doc_check_opts co = {cfg->doc_min_confidence, cfg->doc_tolerance};
    struct image_info info;
    struct buf b;
    int rc = 2;

    buf_init(&b, (size_t)cfg->max_upload_bytes);
    if (buf_read_file(&b, a->pos[0], &err) || app_open(cfg, &o, &app, &err))
        goto fail;
    xr.bytes = b.data;
    xr.len = b.len;
    xr.is_pdf = b.len >= 5 && !memcmp(b.data, "%PDF-", 5);
    xr.prompt = cli_get(a, opts, "--prompt");
    xr.ai = app->ai;
    xr.ocr = doc_ocr_opts(cfg);
    xr.check = &co;
    if (!xr.is_pdf && image_probe(b.data, b.len, cfg->max_pixels, &info, &err))
        goto fail;
    xr.mime = xr.is_pdf ? "application/pdf" : info.mime;
    if (doc_extract(&xr, &t, &err) || doc_check(&t, &co, &w, &err) || files(cfg, a, &t, &w, &err))
        goto fail;
    for (size_t i = 0; i < w.n; i++)
        fprintf(stderr, "warning: %s: %s\n", doc_warn_name(w.w[i].kind), w.w[i].msg);
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "karat bill: %s (%s)\n", err.msg, err.slug ? err.slug : "error");
out:
    doc_warnings_free(&w);
    doc_table_free(&t);
    app_close(app);
    buf_release(&b);
    return rc;
}

int cli_cmd_bill(int argc, char **argv)
{
    return cli_run_on_file(argc, argv, opts, USAGE, bill_file);
}
