/*
 * catalog_int.h - what the parts of the catalog pipeline share (not public):
 * the struct catalog, the schema cache, the SKU cache, per-item processing
 * and the output step. See catalog.h for the design.
 */
#ifndef KARAT_CATALOG_INT_H
#define KARAT_CATALOG_INT_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

#include "ai/ai.h"
#include "catalog/catalog.h"
#include "catalog/sheet.h"
#include "jobs/jobs.h"

#define CATALOG_MAX_SCHEMAS 64
#define CATALOG_MAX_FIELDS  256

struct catalog_schema_slot {
    char code[16]; /* "ama_ear": first three letters of each name, as the original */
    struct sheet_schema *s;
};

struct catalog {
    struct catalog_opts o; /* profile: own reference */
    pthread_mutex_t mu;    /* guards the schema cache */
    struct catalog_schema_slot schemas[CATALOG_MAX_SCHEMAS];
    size_t nschemas;
    struct jobs_kind kinds[2];
    atomic_llong extract_calls, copy_calls, cache_hits, cache_misses, items_ok, items_failed;
};

/* The schema for (marketplace, type), loaded once and shared read-only. */
enum kr_code catalog_schema(struct catalog *c, const char *marketplace, const char *type,
                            const struct sheet_schema **out, struct kr_err *err);

/* ---- SKU cache (item.c, end) ---- */

/* Hex digest naming a field set (names, limits, allowed values). */
void catalog_fields_hash(const struct ai_field *f, size_t n, char out[17]);
/* The cached values for (sku, schema, part, fields hash): *values is a new
 * object, or NULL on a miss. When image_sha is given, an entry recorded for
 * other photo bytes is a miss. Lookup failures are misses. */
json_t *catalog_cache_get(struct catalog *c, const struct sheet_schema *s, const char *part,
                          const char *fields_hash, const char *sku, const char *image_sha);
/* Record values (only non-empty strings/numbers/arrays are kept). Failures
 * are logged, never fatal. */
void catalog_cache_put(struct catalog *c, const struct sheet_schema *s, const char *part,
                       const char *fields_hash, const char *sku, const char *image_sha,
                       json_t *values);

/* ---- requests (request.c) ---- */

/* Params shared by both kinds: canonical marketplace/type, template, append. */
enum kr_code catalog_job_params(struct catalog *c, const struct catalog_req *r, json_t **params,
                                struct kr_err *err);

/* ---- per item (item.c) ---- */

/* Photo + SKU -> the item result {"url","sku","image_sha256","values",
 * "notes","cached":{"attributes","copy"}}. */
enum kr_code catalog_item_run(struct catalog *c, const struct sheet_schema *s, const char *ref,
                              const char *sku, json_t **result, struct kr_err *err);

/* ---- output (pipeline.c, end) ---- */

/* One sheet row from an item's values: built, then overrides ({column:
 * text}, may be NULL; only columns the schema has) set, then validated;
 * *row and *warnings are new. */
enum kr_code catalog_row(const struct sheet_schema *s, const char *sku, json_t *values,
                         json_t *overrides, json_t **row, json_t **warnings, struct kr_err *err);
/* Name of the first copy column with this role, or NULL. */
const char *catalog_copy_column(const struct sheet_schema *s, enum sheet_copy_role role);
/* {"attributes": {filename, skuid, description, ...row}, "warnings": [...]} */
json_t *catalog_result_entry(const struct sheet_schema *s, const char *url, const char *sku,
                             json_t *row, json_t *warnings);
/* {"attributes": {filename, skuid}, "error": {...}, "warnings": []} */
json_t *catalog_failed_entry(const char *url, const char *sku, json_t *error);
/* Write the xlsx (fresh, or the params' template filled) and the CSV of
 * rows; sets "excel_file", "csv_file" (and "template_missing_columns") on result. */
enum kr_code catalog_write_files(struct catalog *c, const struct sheet_schema *s, json_t *params,
                                 json_t *rows, json_t *result, struct kr_err *err);

/* Job callbacks. */
enum kr_code catalog_job_item(void *ctx, const char *job_id, json_t *params, size_t index,
                              json_t *item, json_t **result, struct kr_err *err);
enum kr_code catalog_job_finish(void *ctx, const char *job_id, json_t *params, json_t *inputs,
                                json_t *docs, json_t **result, struct kr_err *err);
enum kr_code catalog_var_finish(void *ctx, const char *job_id, json_t *params, json_t *inputs,
                                json_t *docs, json_t **result, struct kr_err *err);

/* Small helpers. */
const char *catalog_str(json_t *o, const char *key); /* "" when absent */

#endif
