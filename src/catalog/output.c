/*
 * output.c - from item values to what the client gets: validated rows,
 * result entries in the original's response shape, and the two files.
 *
 * The workbook is either fresh (sheet_write_xlsx: the marketplace layout) or
 * the seller's template filled in place (sheet_template_fill), read from the
 * ref captured in the job's params when the job was submitted, so a
 * template replaced or cleared meanwhile does not change a running job. The
 * stored template itself is never modified here: the filled copy is a new
 * file, and so is the CSV. That is the fix for the original, which cleared
 * the one shared template in S3 before processing and then wrote into it.
 */
#include "catalog/catalog_int.h"

#include <string.h>

#include "core/buf.h"

enum kr_code catalog_row(const struct sheet_schema *s, const char *sku, json_t *values,
                         json_t *overrides, json_t **row, json_t **warnings, struct kr_err *err)
{
    json_t *empty = NULL, *v;
    const char *name;
    enum kr_code rc;

    if (!json_is_object(values))
        values = empty = json_object();
    rc = sheet_row_build(s, sku, values, row, err);
    json_decref(empty);
    if (rc)
        return rc;
    json_object_foreach(overrides, name, v)
    {
        if (sheet_find_column(s, name))
            json_object_set(*row, name, v);
    }
    rc = sheet_validate_row(s, *row, warnings, err);
    if (rc) {
        json_decref(*row);
        *row = NULL;
    }
    return rc;
}

const char *catalog_copy_column(const struct sheet_schema *s, enum sheet_copy_role role)
{
    for (size_t i = 0; i < sheet_ncolumns(s); i++) {
        const struct sheet_column *col = sheet_column(s, i);
        if (col->source == SHEET_SRC_COPY && col->copy == role)
            return col->name;
    }
    return NULL;
}

json_t *catalog_result_entry(const struct sheet_schema *s, const char *url, const char *sku,
                             json_t *row, json_t *warnings)
{
    const char *desc = catalog_copy_column(s, SHEET_COPY_DESCRIPTION);
    json_t *attrs = json_pack("{s:s, s:s, s:s}", "filename", url, "description",
                              desc ? catalog_str(row, desc) : "", "skuid", sku);

    if (!attrs)
        return NULL;
    json_object_update(attrs, row);
    return json_pack("{s:o, s:o}", "attributes", attrs, "warnings",
                     warnings ? json_incref(warnings) : json_array());
}

json_t *catalog_failed_entry(const char *url, const char *sku, json_t *error)
{
    json_t *e = error ? json_incref(error) : json_pack("{s:s}", "message", "failed");
    return json_pack("{s:{s:s, s:s}, s:o, s:[]}", "attributes", "filename", url ? url : "", "skuid",
                     sku ? sku : "", "error", e, "warnings");
}

static enum kr_code fill_template(struct catalog *c, const struct sheet_schema *s, json_t *params,
                                  json_t *rows, struct buf *xlsx, json_t *result,
                                  struct kr_err *err)
{
    const char *ref = catalog_str(params, "template");
    enum sheet_fill_mode mode =
        json_is_true(json_object_get(params, "append")) ? SHEET_FILL_APPEND : SHEET_FILL_REPLACE;
    struct buf tpl;
    json_t *missing = NULL;
    enum kr_code rc;

    buf_init(&tpl, c->o.max_template_bytes);
    rc = c->o.io.read(c->o.io.ctx, ref, &tpl, err);
    if (rc)
        kr_err_prefix(err, "template: ");
    else
        rc = sheet_template_fill(s, tpl.data, tpl.len, rows, mode, xlsx, &missing, err);
    buf_release(&tpl);
    if (!rc)
        json_object_set_new(result, "template",
                            json_pack("{s:s, s:s, s:o}", "url", ref, "mode",
                                      mode == SHEET_FILL_APPEND ? "append" : "replace",
                                      "missing_columns", missing ? missing : json_array()));
    return rc;
}

static enum kr_code save(struct catalog *c, const char *ext, struct buf *b, const char *key,
                         json_t *result, struct kr_err *err)
{
    char where[2048];
    enum kr_code rc = c->o.io.save(c->o.io.ctx, ext, b->data, b->len, where, sizeof where, err);

    if (rc)
        kr_err_prefix(err, "saving the %s file: ", ext);
    else
        json_object_set_new(result, key, json_string(where));
    return rc;
}

enum kr_code catalog_write_files(struct catalog *c, const struct sheet_schema *s, json_t *params,
                                 json_t *rows, json_t *result, struct kr_err *err)
{
    struct buf xlsx, csv;
    enum kr_code rc;

    buf_init(&xlsx, 0);
    buf_init(&csv, 0);
    if (*catalog_str(params, "template"))
        rc = fill_template(c, s, params, rows, &xlsx, result, err);
    else
        rc = sheet_write_xlsx(s, rows, &xlsx, err);
    if (!rc)
        rc = sheet_write_csv(s, rows, &csv, err);
    if (!rc)
        rc = save(c, "xlsx", &xlsx, "excel_file", result, err);
    if (!rc)
        rc = save(c, "csv", &csv, "csv_file", result, err);
    buf_release(&xlsx);
    buf_release(&csv);
    return rc;
}
