/*
 * config.h - Karat's effective configuration, from one declarative table.
 *
 * Sources, later ones winning: built-in defaults, an optional KEY=VALUE file
 * (KARAT_CONFIG, else DATA_DIR/karat.conf if present), the process
 * environment, then explicit overrides such as CLI flags (config_set).
 * Every variable is listed once in config.c's table with its type, default,
 * whether it is a secret, and a one-line description; `karat config` and
 * docs/CONFIG.md come from the same table.
 *
 * Ownership: config_load() fills a struct the caller owns; config_release()
 * frees its strings.
 */
#ifndef KARAT_CORE_CONFIG_H
#define KARAT_CORE_CONFIG_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

struct config {
    /* server */
    char *listen;
    char *data_dir;
    char *public_url;
    char *api_keys;
    int allow_no_auth;
    char *trusted_proxies;
    char *allowed_hosts;
    int conn_timeout_s;
    int header_timeout_s;
    int body_timeout_s;
    int shutdown_timeout_s;
    int max_conns_per_ip;
    int threads;
    char *log_level;
    char *cors_origins;
    /* limits for untrusted input */
    long long max_upload_bytes;
    long long max_pixels;
    /* offline bill extraction (ocr/) */
    int ocr_max_pages;
    char *ocr_langs;
    char *ocr_script_langs;
    char *ocr_tessdata;
    long long max_json_bytes;
    int max_json_depth;
    int max_form_fields;
    long long max_field_bytes;
    int max_batch;
    /* storage */
    char *store_backend;
    char *blob_backend;
    char *index_backend;
    char *buckets;
    char *default_bucket;
    char *collection_name;
    int reindex_on_startup;
    int clean_orphans_on_startup;
    /* server store (PostgreSQL) */
    char *database_url;
    int db_pool_size;
    int db_pool_wait_ms;
    int sync_interval_ms; /* multi-node index catch-up period (repo/sync.c) */
    int prune_interval_s, changes_retention_s, sync_node_ttl_s, claims_retention_s; /* pruning */
    int sqlite_busy_ms;
    char *tmp_dir;
    /* ---- S3 blob backend (blob/s3.c; docs/DEPLOY.md "## S3") */
    char *aws_access_key_id;
    char *aws_secret_access_key;
    char *aws_session_token;
    char *aws_region;
    char *aws_endpoint_url;
    int s3_path_style;
    char *s3_public_base;
    long long s3_multipart_bytes;
    long long s3_part_bytes;
    int s3_connect_timeout_s;
    int s3_timeout_s;
    int s3_connections; /* idle S3 connections kept for reuse (blob/s3_http.c) */
    int s3_attempts;
    int s3_backoff_ms;
    int s3_backoff_cap_ms;
    int fsck_grace_s;
    /* ---- end S3 */
    /* duplicate detection */
    int dedup_hash_max;
    double dedup_desc_min;
    int dedup_scene_candidates;
    double offline_min_confidence; /* offline analysis: blank below this */
    /* AI providers (issue: AI layer) */
    char *attr_provider;
    char *copy_provider;
    char *image_provider;
    char *gemini_base_url;
    char *gemini_model;
    char *gemini_image_model;
    char *openai_base_url;
    char *openai_model;
    char *openai_image_model;
    char *embed_provider; /* text embeddings for collections (ai/embed.c) */
    char *gemini_embed_model;
    char *openai_embed_model;
    int embed_dim;
    double collection_embed_weight; /* src/product: embeddings vs BM25 */
    int collection_candidates;
    int ai_concurrency;
    int ai_timeout_s;
    int ai_attempts;
    int ai_backoff_ms;
    int ai_backoff_cap_ms;
    int ai_rate_wait_ms;
    long long ai_max_response;
    int ai_key_rest_s;
    int ai_honour_wait_ms;
    int connect_timeout_s;
    int fetch_allow_private;
    char *products_url; /* KARAT_PRODUCTS_URL: upstream products API (src/product) */
    int fetch_timeout_s;
    int fetch_max_redirects;
    char *seller_profile;
    /* marketplace sheets (sheet/sheet.h) */
    char *marketplaces_dir;
    /* bills and invoices (doc/) */
    int doc_min_confidence;
    double doc_tolerance;
    int bill_slots;
    int bill_slots_per_client;
    /* background jobs (catalog pipeline) */
    int job_workers;
    int job_sync_wait_s;
    int job_lease_ms;
    /* admission: bounded expensive work (core/admit.h), 429 when full */
    int max_active_jobs;
    int max_jobs_per_client;
    int studio_slots;
    int studio_slots_per_client;
    int template_slots_per_client;
    int retry_after_s;
    /* seller templates (catalog/) */
    long long template_max_unpacked;
    int template_max_ratio;
    int template_concurrency;
    /* image studio (studio/): default image types per product */
    char *image_types_earrings;
    char *image_types_bracelet;
    char *image_types_necklace;
    int studio_workers;
    long long studio_max_image_bytes;
    long long studio_max_zip_bytes;
    /* market watch (watch/; rows in core/config_market.h) */
    char *market_amazon_url;
    char *market_flipkart_url;
    char *market_myntra_url;
    char *market_user_agent;
    double market_rate;
    int market_burst;
    int market_cache_ttl_s;
    int market_robots_ttl_s;
    int market_attempts;
    int market_backoff_ms;
    int market_timeout_s;
    long long market_max_bytes;
    int market_max_pages;
    int market_max_items;
    int watch_interval_s;
    int watch_max;
};

enum config_type { CONFIG_STR, CONFIG_INT, CONFIG_SIZE, CONFIG_BOOL, CONFIG_DOUBLE };

#define CONFIG_SECRET_DSN 2

struct config_var {
    const char *name; /* environment variable / file key */
    enum config_type type;
    size_t offset;
    const char *def;
    int secret; /* 1: shown as ****(set); CONFIG_SECRET_DSN: only its password masked */
    const char *help;
};

/* The table, NULL-name terminated (for docs and `karat config`). */
const struct config_var *config_vars(void);

enum kr_code config_load(struct config *cfg, struct kr_err *err);
/* Only the table's defaults (no file, no environment). */
enum kr_code config_defaults(struct config *cfg, struct kr_err *err);
void config_release(struct config *cfg);
/* Set one variable by name, parsing value by its type. */
enum kr_code config_set(struct config *cfg, const char *name, const char *value,
                        struct kr_err *err);
/* "NAME=value" lines, secrets masked, into out. */
enum kr_code config_dump(const struct config *cfg, struct buf *out);

/* A libpq connection string or URI with its password replaced by ****
 * ("password=****", "postgresql://user:****@host/db", "?password=****"). */
void config_mask_dsn(const char *dsn, char *out, size_t n);

/* Bucket for a website name ("alya" -> "alyaimg"), case-insensitive; NULL if unknown.
 * Writes into out (size n). */
const char *config_bucket_for(const struct config *cfg, const char *website, char *out, size_t n);
/* "'alya' or 'blysk'" style list of website names, for error messages. */
void config_website_list(const struct config *cfg, char *out, size_t n);
/* Is bucket one of the configured buckets? */
int config_bucket_known(const struct config *cfg, const char *bucket);
/* The value of name in a "name=value,name2=value2" map (whitespace around
 * either trimmed) into out; NULL when map has no such name. */
const char *config_map_get(const char *map, const char *name, char *out, size_t n);
/* The folder for scratch files: KARAT_TMP_DIR, else $TMPDIR, else /tmp (the
 * table's documented default; the string is cfg's or the environment's). */
const char *config_tmp_dir(const struct config *cfg);
/* Values from environment variables that are lists: GOOGLE_API_KEY, GOOGLE_API_KEY2..N. */
int config_env_key_pool(const char *base, char **out, int max);

#endif
