/*
 * catalog.h - the catalog pipeline: product photos + SKUs -> marketplace
 * listing rows -> a spreadsheet, run as jobs (jobs/).
 *
 * Per item (one photo, one SKU), in a job worker:
 *   read the photo (Karat's own file URLs from the blob store, other URLs
 *   through the SSRF-safe fetch, local paths for the CLI; all through
 *   catalog_io) -> check it is an image -> attributes and measurements from
 *   the vision model (ai_extract) -> listing copy (ai_copy) -> the item's
 *   values, persisted by the job runner as soon as the item finishes.
 * Both model steps go through the SKU cache (store documents keyed by SKU,
 * marketplace, product type and the exact field set): a field already known
 * for the SKU is never asked again, only the missing ones are; errors and
 * blank answers are never cached; attributes are reused only for the same
 * photo bytes.
 * When every item has finished (finish step): rows are built and validated
 * with the marketplace schema (sheet.h), then written as a fresh .xlsx in
 * the marketplace layout, or into the seller's own template when one is
 * stored for (marketplace, type), plus a CSV. Output files always get new
 * names (catalog_io.save), so concurrent requests share nothing. Failed
 * items carry their error into the results and leave the sheet with the
 * good rows.
 *
 * The variations kind (catalog_ai_variations) groups photos into Amazon-style
 * parent/child families (colour, size, colour+size), see variations.c.
 *
 * Ownership: JSON returned through json_t ** is a new reference.
 * Thread safety: a struct catalog is shared by every job worker and request.
 */
#ifndef KARAT_CATALOG_CATALOG_H
#define KARAT_CATALOG_CATALOG_H

#include <jansson.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

struct ai;
struct config;
struct jobs;
struct store;
struct catalog;

#define CATALOG_JOB            "catalog"
#define CATALOG_VARIATIONS_JOB "catalog_variations"
#define CATALOG_MAX_SKU        128  /* bytes */
#define CATALOG_MAX_REF        2048 /* bytes of one image URL / path */
#define CATALOG_MAX_SIZES      32   /* sizes in one variations request */

/* How the pipeline reaches bytes outside itself. The server reads Karat URLs
 * from the blob store and fetches other URLs with net_fetch; the CLI reads
 * local paths. */
/* An output file: its kind, ext ("xlsx" or "csv"), and its bytes. */
struct catalog_file {
    const char *ext;
    const void *data;
    size_t len;
};

/* One photo a catalog job made a listing of (catalog_io.listed). */
struct catalog_listed {
    const char *ref; /* the photo's URL */
    const char *sku, *marketplace, *product_type;
    const json_t *values; /* the row's values by field */
};

struct catalog_io {
    void *ctx;
    /* The bytes at ref (a photo or a template) into out (bounded by out->max). */
    enum kr_code (*read)(void *ctx, const char *ref, struct buf *out, struct kr_err *err);
    /* Keep an output file under a new name; where receives the URL (server)
     * or path (CLI) to report. */
    enum kr_code (*save)(void *ctx, const struct catalog_file *f, char *where, size_t wn,
                         struct kr_err *err);
    /* Optional (NULL: nothing): told of each photo a job listed, after its
     * item succeeded (the server records it as a product). Best effort: it
     * cannot fail the item. */
    void (*listed)(void *ctx, const struct catalog_listed *l);
};

struct catalog_opts {
    struct ai *ai;          /* required */
    struct store *store;    /* SKU cache and seller templates; NULL = neither */
    const char *schema_dir; /* marketplace schemas (KARAT_MARKETPLACES_DIR; see sheet_dir()) */
    const char *tmp_dir;    /* scratch files of the workbook writer (config_tmp_dir()) */
    json_t *profile;        /* seller profile (borrowed, may be NULL) */
    struct catalog_io io;
    /* limits, all required (> 0): catalog_opts_from_config fills them */
    size_t max_image_bytes;    /* per photo */
    size_t max_template_bytes; /* a seller template's archive */
    long long max_pixels;      /* a decoded photo */
    /* seller templates, checked at upload and at every later use */
    size_t max_template_unpacked; /* total uncompressed bytes */
    unsigned max_template_ratio;  /* uncompressed per archive byte */
    int template_concurrency;     /* template parses/fills at once */
};

/* The schema and temporary folders and limits of o from the configuration (the caller adds
 * ai, store, profile and io). */
void catalog_opts_from_config(const struct config *cfg, struct catalog_opts *o);
/* KR_EINVAL "bad_option" when a required option is missing. */
enum kr_code catalog_open(const struct catalog_opts *o, struct catalog **out, struct kr_err *err);
void catalog_close(struct catalog *c);

/* Register the CATALOG_JOB and CATALOG_VARIATIONS_JOB kinds (before jobs_start). */
enum kr_code catalog_register_jobs(struct catalog *c, struct jobs *j, struct kr_err *err);

/* ---- requests -> job input ---- */

/* Split "a, b,,c" on commas into trimmed non-empty strings appended to arr;
 * a JSON array of strings is accepted as well. KR_ELIMIT past max items;
 * KR_EINVAL for an item longer than max_len bytes or with control bytes. */
enum kr_code catalog_list_arg(json_t *value, size_t max, size_t max_len, const char *what,
                              json_t *arr, struct kr_err *err);

struct catalog_req {
    const char *marketplace;  /* "amazon", "Flipkart", "mee" ... */
    const char *product_type; /* "earrings", "necklace", "bracelet" */
    json_t *refs;             /* array of photo refs (URLs or, CLI, paths) */
    json_t *skus;             /* array, same length, or empty/NULL: from the refs' file names */
    int use_template;         /* 1: the seller template stored for (marketplace, type) if any */
    const char *template_ref; /* explicit template (CLI --template); overrides the stored one */
    int append;               /* fill the template after its existing rows */
    json_t *names;            /* without skus: array, same length as refs, of the names the
                                 default SKUs come from (uploads: the client's file name);
                                 NULL: the refs */
    json_t *sizes; /* NULL, or an array as long as refs of {"height_mm", "width_mm"} (numbers,
                      either may be absent): the piece's size as the seller gives it; it fills
                      the schema's height / width measurement columns */
};

/* Check a request and build the job's params and items (new references).
 * KR_EINVAL "unknown_marketplace" for a combination without a schema
 * (KR_EIO "no_schemas" when the schema folder itself is missing). */
enum kr_code catalog_job_input(struct catalog *c, const struct catalog_req *r, json_t **params,
                               json_t **items, struct kr_err *err);

struct catalog_var_req {
    struct catalog_req base; /* marketplace, type, refs, skus, template */
    json_t *group_sizes;     /* array of integers: SKUs per group */
    json_t *categories;      /* array: "color" | "size" | "colorsize" per group */
    json_t *sizes;           /* array of size names (size and colorsize groups) */
};
enum kr_code catalog_variations_input(struct catalog *c, const struct catalog_var_req *r,
                                      json_t **params, json_t **items, struct kr_err *err);

/* ---- seller templates (store ns "catalog_templates", key "marketplace/type") ---- */

/* Check an uploaded .xlsx against the schema, save it (catalog_io.save, so
 * the server puts it under excel_files/ in the default bucket) and record it.
 * Everything is checked first: a bad workbook (KR_EINVAL "bad_template",
 * KR_ELIMIT "template_too_large"), a file name that is not UTF-8 text
 * (KR_EINVAL "bad_filename") or a full house (KR_ERATELIMIT "busy") saves
 * and records nothing.
 * *doc: {"marketplace","product_type","url","filename","bytes","uploaded_at",
 * "missing_columns":[...]}. */
struct catalog_template_upload {
    const char *marketplace;
    const char *type; /* product type */
    const void *xlsx;
    size_t n;
    const char *filename; /* the client's, as displayed (may be NULL) */
};
enum kr_code catalog_template_put(struct catalog *c, const struct catalog_template_upload *up,
                                  json_t **doc, struct kr_err *err);
/* KR_ENOTFOUND ("no_template") when the seller has none for the pair. */
enum kr_code catalog_template_get(struct catalog *c, const char *marketplace, const char *type,
                                  json_t **doc, struct kr_err *err);
/* Reset the stored template's data rows: the cleared workbook is saved under
 * a new name and the record points to it (jobs that already captured the old
 * one are unaffected). *doc as for put, plus "cleared_from_row". */
enum kr_code catalog_template_clear(struct catalog *c, const char *marketplace, const char *type,
                                    json_t **doc, struct kr_err *err);

/* Template work (opening, checking and filling a seller's workbook) costs
 * memory in proportion to the workbook, so at most opts.template_concurrency
 * run at once. Admit takes a slot: wait = 0 answers KR_ERATELIMIT ("busy";
 * HTTP 429) when all are taken, wait = 1 blocks until one is free. Each KR_OK
 * is paired with one release. Upload and clear admit without waiting, job
 * output waits. (The API's per-client share of template requests is
 * core/admit.h, in front of this machine-wide bound.) */
enum kr_code catalog_template_admit(struct catalog *c, int wait, struct kr_err *err);
void catalog_template_release(struct catalog *c);

/* ---- counters (tests, /metrics) ---- */
struct catalog_stats {
    long long extract_calls, copy_calls; /* model calls made */
    long long copy_reasks;               /* copy calls that re-asked after a rule check */
    long long cache_hits, cache_misses;  /* per (item, step) */
    long long items_ok, items_failed;
};
void catalog_get_stats(struct catalog *c, struct catalog_stats *out);

/* The original system's SKU cache (its data_store.json: an object keyed by
 * SKU, each value an object of fields, bullet points nested under
 * "bullet_points") into the store's "sku_cache" namespace, one document per
 * SKU under key "legacy/SKU" (legacy.c says the mapping). A SKU that has its
 * document already is left as it is. Bounded: json is at most
 * STORE_DOC_JSON_MAX bytes. */
struct store;
struct catalog_legacy_stats {
    long long skus, imported, kept, skipped;
};
enum kr_code catalog_import_legacy_cache(struct store *s, const char *json,
                                         struct catalog_legacy_stats *st, struct kr_err *err);

#endif
