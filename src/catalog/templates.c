/*
 * templates.c - the seller's own marketplace templates.
 *
 * A seller may upload the bulk-upload workbook the marketplace gave them
 * (POST /templates/{marketplace}/{type}); catalog jobs then fill a copy of
 * it instead of a fresh workbook. The bytes are saved through catalog_io
 * (the server puts them in the default bucket under excel_files/) and a
 * record in the store (ns "catalog_templates", key "marketplace/type")
 * points to them. Saving and clearing always write a new file and then
 * switch the record, so a job that captured the previous URL keeps reading
 * consistent bytes; nothing is edited in place in shared storage.
 */
#include "catalog/catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "store/store.h"

#define NS_TEMPLATES "catalog_templates"

static void record_key(const struct sheet_schema *s, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", sheet_marketplace(s), sheet_product_type(s));
}

static enum kr_code put_record(struct catalog *c, const struct sheet_schema *s, json_t *doc,
                               struct kr_err *err)
{
    char key[160], *text = json_dumps(doc, JSON_COMPACT);
    enum kr_code rc;

    if (!text)
        return kr_fail(err, KR_ENOMEM, NULL, "out of memory");
    record_key(s, key, sizeof key);
    rc = store_doc_put(c->o.store, NS_TEMPLATES, key, text, err);
    free(text);
    return rc;
}

static enum kr_code need_store(struct catalog *c, const char *marketplace, const char *type,
                               const struct sheet_schema **s, struct kr_err *err)
{
    if (!c->o.store)
        return kr_fail(err, KR_EUNSUPPORTED, "no_store", "templates need the server's store");
    return catalog_schema(c, marketplace, type, s, err);
}

enum kr_code catalog_template_put(struct catalog *c, const char *marketplace, const char *type,
                                  const void *xlsx, size_t n, const char *filename, json_t **doc,
                                  struct kr_err *err)
{
    const struct sheet_schema *s;
    struct buf scratch;
    json_t *rows = json_array(), *missing = NULL;
    char url[2048], iso[32];
    enum kr_code rc = need_store(c, marketplace, type, &s, err);

    *doc = NULL;
    buf_init(&scratch, 0);
    if (!rc && n > c->o.max_template_bytes)
        rc = kr_fail(err, KR_ELIMIT, "template_too_large", "the template is larger than %zu bytes",
                     c->o.max_template_bytes);
    /* A dry fill proves the workbook opens and finds the data sheet. */
    if (!rc)
        rc = sheet_template_fill(s, xlsx, n, rows, SHEET_FILL_APPEND, &scratch, &missing, err);
    if (!rc)
        rc = c->o.io.save(c->o.io.ctx, "xlsx", xlsx, n, url, sizeof url, err);
    if (!rc) {
        util_iso8601(util_epoch_ms(), iso, sizeof iso);
        *doc = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:O}", "marketplace", sheet_marketplace(s),
                         "product_type", sheet_product_type(s), "url", url, "filename",
                         filename ? filename : "", "bytes", (json_int_t)n, "uploaded_at", iso,
                         "missing_columns", missing ? missing : rows);
        rc = *doc ? put_record(c, s, *doc, err) : kr_fail(err, KR_ENOMEM, NULL, "out of memory");
    }
    if (rc) {
        json_decref(*doc);
        *doc = NULL;
    }
    buf_release(&scratch);
    json_decref(rows);
    json_decref(missing);
    return rc;
}

enum kr_code catalog_template_get(struct catalog *c, const char *marketplace, const char *type,
                                  json_t **doc, struct kr_err *err)
{
    const struct sheet_schema *s;
    char key[160], *text = NULL;
    enum kr_code rc = need_store(c, marketplace, type, &s, err);

    *doc = NULL;
    if (rc)
        return rc;
    record_key(s, key, sizeof key);
    rc = store_doc_get(c->o.store, NS_TEMPLATES, key, &text, err);
    if (rc == KR_ENOTFOUND)
        return kr_fail(err, KR_ENOTFOUND, "no_template", "no template uploaded for %s", key);
    if (rc)
        return rc;
    *doc = json_loads(text, 0, NULL);
    free(text);
    if (!json_is_object(*doc) || !*catalog_str(*doc, "url")) {
        json_decref(*doc);
        *doc = NULL;
        return kr_fail(err, KR_EIO, "bad_template_record", "template record %s is damaged", key);
    }
    return KR_OK;
}

enum kr_code catalog_template_clear(struct catalog *c, const char *marketplace, const char *type,
                                    json_t **doc, struct kr_err *err)
{
    const struct sheet_schema *s;
    struct buf in, out;
    char url[2048], iso[32];
    enum kr_code rc = catalog_template_get(c, marketplace, type, doc, err);

    if (rc)
        return rc;
    catalog_schema(c, marketplace, type, &s, err);
    buf_init(&in, c->o.max_template_bytes);
    buf_init(&out, 0);
    rc = c->o.io.read(c->o.io.ctx, catalog_str(*doc, "url"), &in, err);
    if (!rc)
        rc = sheet_template_clear(s, in.data, in.len, &out, err);
    if (!rc)
        rc = c->o.io.save(c->o.io.ctx, "xlsx", out.data, out.len, url, sizeof url, err);
    if (!rc) {
        util_iso8601(util_epoch_ms(), iso, sizeof iso);
        json_object_set_new(*doc, "url", json_string(url));
        json_object_set_new(*doc, "bytes", json_integer((json_int_t)out.len));
        json_object_set_new(*doc, "cleared_at", json_string(iso));
        json_object_set_new(*doc, "cleared_from_row", json_integer(sheet_first_data_row(s)));
        rc = put_record(c, s, *doc, err);
    }
    if (rc) {
        json_decref(*doc);
        *doc = NULL;
    }
    buf_release(&in);
    buf_release(&out);
    return rc;
}
