/*
 * request.c - turning a catalog request into a job: lists, SKUs, schema and
 * template checks, all done before anything is queued so a bad request is a
 * 400 at once rather than a failed job later.
 *
 * The original took comma-separated strings (image_urls, skuids) and paired
 * them with zip(), silently dropping photos or SKUs when the counts
 * differed; here both JSON arrays and comma strings are accepted and
 * unequal counts are an error. Without SKUs, each photo's file name (without
 * its extension) is its SKU.
 *
 * The seller templates (stored records of uploaded workbooks) follow.
 */
#include "catalog/catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "store/store.h"

static int clean_text(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

/* A list argument's rules: its name in messages, at most max entries of at
 * most max_len bytes each. */
struct list_rules {
    const char *what;
    size_t max, max_len;
};

static enum kr_code add_item(json_t *arr, const char *s, size_t len, const struct list_rules *lr,
                             struct kr_err *err)
{
    const char *what = lr->what;
    size_t max = lr->max, max_len = lr->max_len;
    char tmp[4096];

    while (len && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
        s++, len--;
    while (len &&
           (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r'))
        len--;
    if (!len)
        return KR_OK;
    if (len > max_len || len >= sizeof tmp)
        return kr_fail(err, KRS_VALUE_TOO_LONG, "an entry of %s is longer than %zu bytes", what,
                       max_len);
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    if (!clean_text(tmp))
        return kr_fail(err, KRS_BAD_VALUE, "an entry of %s has control characters", what);
    if (json_array_size(arr) >= max)
        return kr_fail(err, KRS_TOO_MANY_ITEMS, "%s: at most %zu entries", what, max);
    return json_array_append_new(arr, json_stringn(tmp, len))
               ? kr_fail(err, KRS_BAD_VALUE, "%s: entries must be UTF-8 text", what)
               : KR_OK;
}

enum kr_code catalog_list_arg(json_t *value, size_t max, size_t max_len, const char *what,
                              json_t *arr, struct kr_err *err)
{
    const struct list_rules lr = {what, max, max_len};
    enum kr_code rc = KR_OK;
    size_t i;
    json_t *v;

    if (!value || json_is_null(value))
        return KR_OK;
    if (json_is_string(value)) {
        const char *s = json_string_value(value), *comma;
        do {
            comma = strchr(s, ',');
            rc = add_item(arr, s, comma ? (size_t)(comma - s) : strlen(s), &lr, err);
            s = comma ? comma + 1 : s;
        } while (!rc && comma);
        return rc;
    }
    if (!json_is_array(value))
        return kr_fail(err, KRS_BAD_VALUE, "%s: expected a comma-separated string or a list", what);
    json_array_foreach(value, i, v)
    {
        if (!json_is_string(v))
            return kr_fail(err, KRS_BAD_VALUE, "%s: every entry must be a string", what);
        rc = add_item(arr, json_string_value(v), json_string_length(v), &lr, err);
        if (rc)
            return rc;
    }
    return KR_OK;
}

/* The default SKU of a photo: its file name without folders, query or
 * extension ("https://x/a/SKU-1.jpg?v=2" -> "SKU-1"); "item-<index+1>" when
 * nothing usable is left. */
static void sku_from_name(const char *ref, size_t index, char *out, size_t n)
{
    const char *end = ref + strcspn(ref, "?#"), *start = end, *dot = NULL;

    while (start > ref && start[-1] != '/' && start[-1] != '\\')
        start--;
    for (const char *p = start; p < end; p++)
        if (*p == '.')
            dot = p;
    if (dot && dot > start)
        end = dot;
    if (end - start <= 0 || (size_t)(end - start) >= n || (size_t)(end - start) > CATALOG_MAX_SKU)
        snprintf(out, n, "item-%zu", index + 1);
    else
        snprintf(out, n, "%.*s", (int)(end - start), start);
}

static enum kr_code pick_template(struct catalog *c, const struct sheet_schema *s,
                                  const struct catalog_req *r, json_t *params, struct kr_err *err)
{
    json_t *doc = NULL;
    enum kr_code rc;

    if (r->template_ref && *r->template_ref) {
        json_object_set_new(params, "template", json_string(r->template_ref));
    } else if (r->use_template) {
        rc = catalog_template_get(c, sheet_marketplace(s), sheet_product_type(s), &doc, err);
        if (rc && rc != KR_ENOTFOUND)
            return rc;
        if (doc)
            json_object_set(params, "template", json_object_get(doc, "url"));
        json_decref(doc);
    }
    json_object_set_new(params, "append", json_boolean(r->append));
    return KR_OK;
}

enum kr_code catalog__sku_set(json_t *skus, json_t **set, struct kr_err *err)
{
    size_t i;
    json_t *v;

    *set = json_object();
    if (!*set)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    json_array_foreach(skus, i, v)
    {
        const char *sku = json_string_value(v);
        enum kr_code rc = KR_OK;
        if (json_object_get(*set, sku))
            rc = kr_fail(err, KRS_DUPLICATE_SKU,
                         "SKU %.128s is given twice: each row needs its own", sku);
        else if (json_object_set(*set, sku, json_true()))
            rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
        if (rc) {
            json_decref(*set);
            *set = NULL;
            return rc;
        }
    }
    return KR_OK;
}

/* A SKU taken from a file name that an earlier photo already has (two
 * folders, one name): "-2", "-3", ... is appended, so every row of the
 * sheet and every cache entry stays the photo's own. The result joins taken. */
static void unique_sku(json_t *taken, char *sku, size_t n)
{
    char base[CATALOG_MAX_SKU + 1];
    util_strlcpy(base, sku, sizeof base);
    for (int k = 2; json_object_get(taken, sku); k++) {
        char suffix[16];
        int sl = snprintf(suffix, sizeof suffix, "-%d", k);
        size_t keep = strlen(base);
        if (keep + (size_t)sl > CATALOG_MAX_SKU)
            keep = CATALOG_MAX_SKU - (size_t)sl;
        snprintf(sku, n, "%.*s%s", (int)keep, base, suffix);
    }
    json_object_set(taken, sku, json_true());
}

static enum kr_code build_items(const struct catalog_req *r, json_t *items, struct kr_err *err)
{
    size_t n = json_array_size(r->refs), nsku = json_array_size(r->skus);
    char sku[CATALOG_MAX_SKU + 1];
    json_t *taken = NULL;
    enum kr_code rc = KR_OK;

    if (n == 0)
        return kr_fail(err, KRS_MISSING_IMAGES, "no image_urls (or files) given");
    if (nsku && nsku != n)
        return kr_fail(err, KRS_SKU_COUNT_MISMATCH,
                       "%zu images but %zu SKUs: give one SKU per image", n, nsku);
    if (r->sizes && json_array_size(r->sizes) != n)
        return kr_fail(err, KRS_BAD_SIZE_VALUE, "%zu images but %zu sizes: give one per image", n,
                       json_array_size(r->sizes));
    rc = catalog__sku_set(r->skus, &taken, err);
    for (size_t i = 0; !rc && i < n; i++) {
        const char *ref = json_string_value(json_array_get(r->refs, i));
        if (nsku) {
            util_strlcpy(sku, json_string_value(json_array_get(r->skus, i)), sizeof sku);
        } else {
            const char *name = json_array_size(r->names) == n
                                   ? json_string_value(json_array_get(r->names, i))
                                   : ref;
            sku_from_name(name ? name : "", i, sku, sizeof sku);
            unique_sku(taken, sku, sizeof sku);
        }
        json_t *it = ref ? json_pack("{s:s, s:s}", "url", ref, "sku", sku) : NULL;
        if (it && r->sizes)
            json_object_update(it, json_array_get(r->sizes, i));
        if (!it || json_array_append_new(items, it))
            rc = kr_fail(err, KRS_BAD_VALUE, "image %zu: not a usable reference", i);
    }
    json_decref(taken);
    return rc;
}

enum kr_code catalog__job_params(struct catalog *c, const struct catalog_req *r, json_t **params,
                                const struct sheet_schema **schema, struct kr_err *err)
{
    const struct sheet_schema *s;
    enum kr_code rc = catalog__schema(c, r->marketplace, r->product_type, &s, err);

    *params = NULL;
    *schema = s;
    if (rc == KR_ENOTFOUND && !util_file_exists(sheet_dir(c->o.schema_dir)))
        return kr_fail(err, KRS_NO_SCHEMAS,
                       "the marketplace schema folder %s is missing "
                       "(KARAT_MARKETPLACES_DIR)",
                       sheet_dir(c->o.schema_dir));
    if (rc == KR_ENOTFOUND) /* a bad request argument, not a missing resource */
        return kr_fail(err, KRS_UNKNOWN_MARKETPLACE,
                       "no marketplace sheet for %.64s / %.64s (amazon, flipkart, meesho or "
                       "shopsy; earrings, necklace or bracelet)",
                       r->marketplace, r->product_type);
    if (rc)
        return rc;
    *params = json_pack("{s:s, s:s}", "marketplace", sheet_marketplace(s), "product_type",
                        sheet_product_type(s));
    rc = *params ? pick_template(c, s, r, *params, err)
                 : kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    if (rc) {
        json_decref(*params);
        *params = NULL;
    }
    return rc;
}

enum kr_code catalog_job_input(struct catalog *c, const struct catalog_req *r, json_t **params,
                               json_t **items, struct kr_err *err)
{
    const struct sheet_schema *s;
    enum kr_code rc = catalog__job_params(c, r, params, &s, err);

    *items = NULL;
    if (rc)
        return rc;
    *items = json_array();
    rc = *items ? build_items(r, *items, err) : kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    if (rc) {
        json_decref(*params);
        json_decref(*items);
        *params = *items = NULL;
    }
    return rc;
}

/*
 * Templates: the seller's own marketplace templates.
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
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    record_key(s, key, sizeof key);
    rc = store_doc_put(c->o.store, NS_TEMPLATES, key, text, err);
    free(text);
    return rc;
}

static enum kr_code need_store(struct catalog *c, const char *marketplace, const char *type,
                               const struct sheet_schema **s, struct kr_err *err)
{
    if (!c->o.store)
        return kr_fail(err, KRS_NO_STORE, "templates need the server's store");
    return catalog__schema(c, marketplace, type, s, err);
}

/* The dry fill of an upload: proves the workbook opens within the limits
 * and finds the data sheet; *missing gets the schema columns it lacks. */
static enum kr_code check_upload(struct catalog *c, const struct sheet_schema *s, const void *xlsx,
                                 size_t n, json_t **missing, struct kr_err *err)
{
    struct buf scratch;
    json_t *none = json_array();
    enum kr_code rc =
        none ? catalog_template_admit(c, 0, err) : kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");

    if (rc) {
        json_decref(none);
        return rc;
    }
    buf_init(&scratch, 0);
    rc = sheet_template_fill(
        s, &(struct sheet_fill_req){xlsx, n, &c->tpl_limits, none, SHEET_FILL_APPEND}, &scratch,
        missing, err);
    catalog_template_release(c);
    buf_release(&scratch);
    json_decref(none);
    return rc;
}

enum kr_code catalog_template_put(struct catalog *c, const struct catalog_template_upload *up,
                                  json_t **doc, struct kr_err *err)
{
    const char *marketplace = up->marketplace, *type = up->type, *filename = up->filename;
    const void *xlsx = up->xlsx;
    size_t n = up->n;
    const struct sheet_schema *s;
    json_t *missing = NULL, *name = json_string(filename ? filename : "");
    char url[2048], iso[32];
    enum kr_code rc = need_store(c, marketplace, type, &s, err);

    *doc = NULL;
    if (!rc && !name)
        rc = kr_fail(err, KRS_BAD_FILENAME, "the file name is not UTF-8 text");
    if (!rc && n > c->o.max_template_bytes)
        rc = kr_fail(err, KRS_TEMPLATE_TOO_LARGE, "the template is larger than %zu bytes",
                     c->o.max_template_bytes);
    if (!rc)
        rc = check_upload(c, s, xlsx, n, &missing, err);
    if (!rc) {
        util_iso8601(util_epoch_ms(), iso, sizeof iso);
        *doc = json_pack("{s:s, s:s, s:s, s:O, s:I, s:s, s:O}", "marketplace", sheet_marketplace(s),
                         "product_type", sheet_product_type(s), "url", "", "filename", name,
                         "bytes", (json_int_t)n, "uploaded_at", iso, "missing_columns", missing);
        if (!*doc)
            rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    }
    /* nothing was stored before this line */
    if (!rc)
        rc = c->o.io.save(c->o.io.ctx, &(struct catalog_file){"xlsx", xlsx, n}, url, sizeof url,
                          err);
    if (!rc)
        rc = json_object_set_new(*doc, "url", json_string(url))
                 ? kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory")
                 : put_record(c, s, *doc, err);
    if (rc) {
        json_decref(*doc);
        *doc = NULL;
    }
    json_decref(name);
    json_decref(missing);
    return rc;
}

/* The stored record for (marketplace, type) and the schema it belongs to. */
static enum kr_code get_record(struct catalog *c, const char *marketplace, const char *type,
                               const struct sheet_schema **s, json_t **doc, struct kr_err *err)
{
    char key[160], *text = NULL;
    enum kr_code rc = need_store(c, marketplace, type, s, err);

    *doc = NULL;
    if (rc)
        return rc;
    record_key(*s, key, sizeof key);
    rc = store_doc_get(c->o.store, NS_TEMPLATES, key, &text, err);
    if (rc == KR_ENOTFOUND)
        return kr_fail(err, KRS_NO_TEMPLATE, "no template uploaded for %s", key);
    if (rc)
        return rc;
    *doc = json_loads(text, 0, NULL);
    free(text);
    if (!json_is_object(*doc) || !*catalog__str(*doc, "url")) {
        json_decref(*doc);
        *doc = NULL;
        return kr_fail(err, KRS_BAD_TEMPLATE_RECORD, "template record %s is damaged", key);
    }
    return KR_OK;
}

enum kr_code catalog_template_get(struct catalog *c, const char *marketplace, const char *type,
                                  json_t **doc, struct kr_err *err)
{
    const struct sheet_schema *s;
    return get_record(c, marketplace, type, &s, doc, err);
}

enum kr_code catalog_template_clear(struct catalog *c, const char *marketplace, const char *type,
                                    json_t **doc, struct kr_err *err)
{
    const struct sheet_schema *s;
    struct buf in, out;
    char url[2048], iso[32];
    enum kr_code rc = get_record(c, marketplace, type, &s, doc, err);

    if (rc)
        return rc;
    buf_init(&in, c->o.max_template_bytes);
    buf_init(&out, 0);
    rc = c->o.io.read(c->o.io.ctx, catalog__str(*doc, "url"), &in, err);
    if (!rc && !(rc = catalog_template_admit(c, 0, err))) {
        rc = sheet_template_clear(s, in.data, in.len, &c->tpl_limits, &out, err);
        catalog_template_release(c);
    }
    if (!rc)
        rc = c->o.io.save(c->o.io.ctx, &(struct catalog_file){"xlsx", out.data, out.len}, url,
                          sizeof url, err);
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
