/*
 * legacy.c - the original system's SKU cache carried into Karat's.
 *
 * The original kept one file, data_store.json: { "SKU": { field: value } },
 * keyed by SKU alone (not by marketplace or product type), bullet points
 * nested as "bullet_points": {"bullet_point1": ..}, a missing value written
 * as false, and a model's error reply ({"error", "raw"}) cached as if it
 * were data. Karat's cache (item.c) is keyed by marketplace, product type,
 * part and the exact field set asked, which the original's entries cannot
 * name. So each SKU becomes one document in ns "sku_cache" under key
 * "legacy/SKU" (no Karat key starts with "legacy/": its first segment is a
 * marketplace), shaped as Karat's entries are:
 *   {"sku", "part": "legacy", "source": "data_store.json", "updated_at",
 *    "values": {field: text}}
 * where values holds the non-empty strings only, "bullet_points" flattened
 * back to bullet_point1.., field names kept as the original wrote them
 * (title, description, item_name, "Product Name", ...). An entry holding
 * "error" or "raw" (a cached model failure) or no usable value is skipped.
 * A SKU whose legacy document exists is kept as it is (idempotent).
 */
#include "catalog/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "store/store.h"

#define NS_CACHE "sku_cache"

static void keep_value(json_t *values, const char *name, json_t *v)
{
    const char *s = json_string_value(v);
    if (s && *s && strlen(name) < 128)
        json_object_set(values, name, v);
}

/* The usable values of one entry, or NULL when there are none. */
static json_t *legacy_values(json_t *entry)
{
    json_t *values, *v, *bv;
    const char *name, *bname;

    if (!json_is_object(entry) || json_object_get(entry, "error") || json_object_get(entry, "raw"))
        return NULL;
    values = json_object();
    json_object_foreach(entry, name, v)
    {
        if (strcmp(name, "bullet_points") == 0 && json_is_object(v)) {
            json_object_foreach(v, bname, bv) keep_value(values, bname, bv);
        } else {
            keep_value(values, name, v);
        }
    }
    if (values && json_object_size(values) == 0) {
        json_decref(values);
        values = NULL;
    }
    return values;
}

static enum kr_code import_one(struct store *s, const char *sku, json_t *entry,
                               struct catalog_legacy_stats *st, struct kr_err *err)
{
    char key[STORE_DOC_KEY_MAX + 1], iso[32], *have = NULL, *text;
    struct kr_err e = {0};
    json_t *values = legacy_values(entry), *doc;
    enum kr_code rc;

    st->skus++;
    if (!values || !*sku || util_fmt(key, sizeof key, "legacy/%s", sku)) {
        json_decref(values);
        st->skipped++;
        return KR_OK;
    }
    rc = store_doc_get(s, NS_CACHE, key, &have, &e);
    free(have);
    if (rc != KR_ENOTFOUND) {
        json_decref(values);
        if (rc)
            return kr_fail(err, e.slug_id, "sku cache: %s", e.msg);
        st->kept++;
        return KR_OK;
    }
    util_iso8601(util_epoch_ms(), iso, sizeof iso);
    doc = json_pack("{s:s, s:s, s:s, s:s, s:o}", "sku", sku, "part", "legacy", "source",
                    "data_store.json", "updated_at", iso, "values", values);
    text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text)
        return kr_fail(err, KRS_INTERNAL, "sku cache: out of memory");
    rc = store_doc_put(s, NS_CACHE, key, text, err);
    free(text);
    st->imported += rc == KR_OK;
    return rc;
}

enum kr_code catalog_import_legacy_cache(struct store *s, const char *json,
                                         struct catalog_legacy_stats *st, struct kr_err *err)
{
    json_error_t je;
    json_t *root, *entry;
    const char *sku;
    enum kr_code rc = KR_OK;

    memset(st, 0, sizeof *st);
    if (!s || !json || strlen(json) > STORE_DOC_JSON_MAX)
        return kr_fail(err, KRS_BAD_JSON, "sku cache: missing or too large");
    root = json_loads(json, 0, &je);
    if (!json_is_object(root)) {
        json_decref(root);
        return kr_fail(err, KRS_BAD_JSON, "sku cache: not a JSON object (line %d: %s)", je.line,
                       root ? "not an object" : je.text);
    }
    json_object_foreach(root, sku, entry)
    {
        rc = import_one(s, sku, entry, st, err);
        if (rc)
            break;
    }
    json_decref(root);
    return rc;
}
