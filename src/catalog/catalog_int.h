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
#include "sheet/sheet.h"
#include "jobs/jobs.h"

#define CATALOG_MAX_SCHEMAS 64
#define CATALOG_MAX_FIELDS  256

struct catalog_schema_slot {
    char code[16]; /* "ama_ear": first three letters of each name, as the original */
    struct sheet_schema *s;
};

struct catalog {
    struct catalog_opts o; /* profile: own reference */
    pthread_mutex_t mu;    /* guards the schema cache and tpl_busy */
    struct catalog_schema_slot schemas[CATALOG_MAX_SCHEMAS];
    size_t nschemas;
    struct jobs_kind kinds[2];
    struct sheet_tpl_limits tpl_limits;
    pthread_cond_t tpl_cv; /* template slots, under mu */
    int tpl_busy;
    atomic_llong copy_reasks;
    atomic_llong extract_calls, copy_calls, cache_hits, cache_misses, items_ok, items_failed;
};

/* The schema for (marketplace, type), loaded once and shared read-only. */
enum kr_code catalog__schema(struct catalog *c, const char *marketplace, const char *type,
                            const struct sheet_schema **out, struct kr_err *err);

/* ---- SKU cache (item.c, end) ---- */

/* Hex digest naming a field set (names, limits, allowed values). */
void catalog__fields_hash(const struct ai_field *f, size_t n, char out[17]);
/* What names a cache entry: the SKU, the schema, the part ("attributes" or
 * "copy") and the fields hash; image_sha (may be NULL) the photo's bytes. */
struct catalog_cache_id {
    const struct sheet_schema *s;
    const char *part;
    const char *fields_hash;
    const char *sku;
    const char *image_sha;
};
/* The cached values for id: a new object, or NULL on a miss. When
 * id->image_sha is given, an entry recorded for other photo bytes is a
 * miss. Lookup failures are misses. */
json_t *catalog__cache_get(struct catalog *c, const struct catalog_cache_id *id);
/* Record values under id (only non-empty strings/numbers/arrays are kept).
 * Failures are logged, never fatal. */
void catalog__cache_put(struct catalog *c, const struct catalog_cache_id *id, json_t *values);

/* ---- requests (request.c) ---- */

/* Params shared by both kinds: canonical marketplace/type, template, append;
 * *schema is the schema they name. */
enum kr_code catalog__job_params(struct catalog *c, const struct catalog_req *r, json_t **params,
                                const struct sheet_schema **schema, struct kr_err *err);
/* The request's SKUs as a set (*set: a new object keyed by SKU, which callers
 * extend with the SKUs and family codes they add); KR_EINVAL "duplicate_sku"
 * for a SKU given twice. */
enum kr_code catalog__sku_set(json_t *skus, json_t **set, struct kr_err *err);

/* ---- per item (item.c) ---- */

/* Job item {"url", "sku", "height_mm"?, "width_mm"?} -> the item result
 * {"url","sku","image_sha256","values","notes","cached":{"attributes","copy"}}.
 * A given height / width fills the schema's height / width measurement
 * columns (in each column's unit) before the copy is written. */
enum kr_code catalog__item_run(struct catalog *c, const struct sheet_schema *s, const json_t *in,
                               json_t **result, struct kr_err *err);

/* ---- output (pipeline.c, end) ---- */

/* What a sheet row is made of: the item's SKU and values, and overrides
 * ({column: text}, may be NULL; only columns the schema has). */
struct catalog_row_src {
    const char *sku;
    json_t *values;
    json_t *overrides;
};
/* One sheet row: built from src's values, then the overrides set, then
 * validated; *row and *warnings are new. */
enum kr_code catalog__row(const struct sheet_schema *s, const struct catalog_row_src *src,
                          json_t **row, json_t **warnings, struct kr_err *err);
/* Name of the first copy column with this role, or NULL. */
const char *catalog__copy_column(const struct sheet_schema *s, enum sheet_copy_role role);
/* Fields the attribute step left for the seller, from its notes
 * ({field: reason}): a "missing_required" warning on such a field becomes
 * "needs_review" (value: the reason), and a reason starting "needs review"
 * adds one. */
void catalog__add_review(json_t *warnings, json_t *notes);
/* {"attributes": {filename, skuid, description, ...row}, "warnings": [...],
 * "quality": {...}}: rates the row (sheet_row_score): "quality" {"score", "passed",
 * "reasons"} in the entry, a "severity" on each warning, and the score and
 * reasons on the row (SHEET_KEY_SCORE/REASONS, for the CSV). */
json_t *catalog__result_entry(const struct sheet_schema *s, const char *url, const char *sku,
                             json_t *row, json_t *warnings);
/* Write the xlsx (fresh, or o->params' template filled) and the CSV of
 * o->rows; sets "excel_file", "csv_file" (and, with a template, "template":
 * {"url", "mode", "missing_columns"}) on o->out. */
struct catalog_out;
enum kr_code catalog__write_files(struct catalog *c, const struct catalog_out *o,
                                  struct kr_err *err);

/* The finish step both job kinds share (catalog__finish): the kind's rows
 * callback fills rows and results from the items; then no rows is
 * KR_EUPSTREAM "no_rows" (naming the first item's error), else the files
 * are written and out, {"results", ...the kind's keys, "marketplace",
 * "product_type", "rows", "excel_file", "csv_file"}, is the job's result. */
struct catalog_out {
    const struct sheet_schema *s;
    json_t *params;
    json_t *rows;            /* the sheet's rows, in order */
    json_t *results;         /* the response entries, in order */
    json_t *out;             /* the response: a rows callback may add keys */
    const char *first_error; /* message of the first failed item, or NULL */
};
typedef enum kr_code (*catalog_rows_fn)(struct catalog_out *o, json_t *inputs,
                                        const struct jobs_item *items, size_t n,
                                        struct kr_err *err);
enum kr_code catalog__finish(struct catalog *c, const char *kind, const struct jobs_finished *f,
                             catalog_rows_fn rows, json_t **result, struct kr_err *err);
/* A failed item's entry {"attributes": {filename, skuid}, "error": {...},
 * "warnings": []} (new) from its job doc; the error's message becomes
 * o->first_error when none is set yet. */
json_t *catalog__failed_entry(struct catalog_out *o, const char *url, const char *sku,
                             const struct jobs_item *it);

/* Job callbacks. */
enum kr_code catalog__job_item(void *ctx, const struct jobs_work_item *w, json_t **result,
                               struct kr_err *err);
enum kr_code catalog__job_finish(void *ctx, const struct jobs_finished *f, json_t **result,
                                 struct kr_err *err);
enum kr_code catalog__var_finish(void *ctx, const struct jobs_finished *f, json_t **result,
                                 struct kr_err *err);

/* Small helpers. */
const char *catalog__str(json_t *o, const char *key); /* "" when absent */

#endif
