/*
 * skucache.c - the SKU cache: what the models already said about a SKU.
 *
 * The original kept one JSON file keyed by SKU alone, so the first
 * marketplace to see a SKU fixed its text for every other, generated titles
 * were never cached under the name that was looked up, and model error
 * replies were cached as data (SEED_SYSTEM §7, §9 item 25). Here an entry is
 * a store document in ns "sku_cache" keyed by
 *     marketplace/product_type/part/fields-hash/sku
 * where part is "attributes" or "copy" and fields-hash names the exact field
 * set asked (names, limits, allowed values), so a schema change or another
 * marketplace never reuses an answer given to a different question. Values
 * are stored under their column names, only when non-empty; attribute
 * entries also record the photo's SHA-256 and are reused only for the same
 * bytes (copy is kept per SKU whatever the photo, as listing text should
 * stay stable). Callers merge: fields found here are not asked again.
 */
#include "catalog/catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/util.h"
#include "store/store.h"

#define NS_CACHE "sku_cache"

void catalog_fields_hash(const struct ai_field *f, size_t n, char out[17])
{
    struct buf b;
    char hex[65];

    buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        buf_appendf(&b, "%s\x1f%d\x1f%d", f[i].name, f[i].max_len, f[i].multi);
        for (size_t k = 0; k < f[i].nallowed; k++)
            buf_appendf(&b, "\x1f%s", f[i].allowed[k]);
        buf_append(&b, "\x1e", 1);
    }
    util_sha256_hex(b.data ? b.data : (const unsigned char *)"", b.len, hex);
    buf_release(&b);
    memcpy(out, hex, 16);
    out[16] = '\0';
}

static void cache_key(const struct sheet_schema *s, const char *part, const char *hash,
                      const char *sku, char *out, size_t n)
{
    snprintf(out, n, "%s/%s/%s/%s/%s", sheet_marketplace(s), sheet_product_type(s), part, hash,
             sku);
}

json_t *catalog_cache_get(struct catalog *c, const struct sheet_schema *s, const char *part,
                          const char *fields_hash, const char *sku, const char *image_sha)
{
    char key[512], *text = NULL;
    struct kr_err err = {0};
    json_t *doc, *values = NULL;
    enum kr_code rc;

    if (!c->o.store || !sku || !*sku)
        return NULL;
    cache_key(s, part, fields_hash, sku, key, sizeof key);
    rc = store_doc_get(c->o.store, NS_CACHE, key, &text, &err);
    if (rc) {
        if (rc != KR_ENOTFOUND)
            log_warn("sku cache: %s", err.msg);
        return NULL;
    }
    doc = json_loads(text, 0, NULL);
    free(text);
    if (!image_sha || strcmp(catalog_str(doc, "image_sha256"), image_sha) == 0)
        values = json_incref(json_object_get(doc, "values"));
    json_decref(doc);
    if (values && !json_is_object(values)) {
        json_decref(values);
        values = NULL;
    }
    return values;
}

static int worth_keeping(json_t *v)
{
    if (json_is_string(v))
        return json_string_length(v) > 0;
    if (json_is_array(v))
        return json_array_size(v) > 0;
    return json_is_number(v);
}

void catalog_cache_put(struct catalog *c, const struct sheet_schema *s, const char *part,
                       const char *fields_hash, const char *sku, const char *image_sha,
                       json_t *values)
{
    char key[512], iso[32], *text;
    struct kr_err err = {0};
    json_t *keep = json_object(), *doc, *v;
    const char *name;

    if (!c->o.store || !sku || !*sku || !keep) {
        json_decref(keep);
        return;
    }
    json_object_foreach(values, name, v)
    {
        if (worth_keeping(v))
            json_object_set(keep, name, v);
    }
    if (json_object_size(keep) == 0) {
        json_decref(keep);
        return;
    }
    util_iso8601(util_epoch_ms(), iso, sizeof iso);
    doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "sku", sku, "marketplace",
                    sheet_marketplace(s), "product_type", sheet_product_type(s), "part", part,
                    "fields", fields_hash, "updated_at", iso, "values", keep);
    if (doc && image_sha)
        json_object_set_new(doc, "image_sha256", json_string(image_sha));
    text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    cache_key(s, part, fields_hash, sku, key, sizeof key);
    if (!text || store_doc_put(c->o.store, NS_CACHE, key, text, &err))
        log_warn("sku cache: cannot record %s: %s", key, text ? err.msg : "out of memory");
    free(text);
}
