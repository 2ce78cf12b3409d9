/*
 * config.c - the configuration table and its loaders (see config.h).
 *
 * To add a variable: add a field to struct config and one row below (and, for a
 * number, its range in bounds); `karat config --help` and docs/CONFIG.md show its help. */
#include "core/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/config_market.h"
#include "core/util.h"

#define OFF(f) offsetof(struct config, f)

static const struct config_var vars[] = {
    {"KARAT_LISTEN", CONFIG_STR, OFF(listen), "127.0.0.1:8000", 0,
     "HOST:PORT to listen on. Without KARAT_API_KEYS only a loopback address is accepted unless "
     "KARAT_ALLOW_NO_AUTH is set."},
    {"KARAT_DATA_DIR", CONFIG_STR, OFF(data_dir), "./var", 0,
     "Folder for the embedded database, blobs and temporary uploads."},
    {"KARAT_PUBLIC_URL", CONFIG_STR, OFF(public_url), "", 0,
     "Base of public file URLs (KARAT_PUBLIC_URL/files/BUCKET/KEY); default http://HOST:PORT."},
    {"KARAT_API_KEYS", CONFIG_STR, OFF(api_keys), "", 1,
     "Comma-separated API keys of at least 16 characters; when set every endpoint but /health "
     "needs one (Bearer or X-API-Key). Set but giving no key: `karat serve` refuses to start."},
    {"KARAT_ALLOW_NO_AUTH", CONFIG_BOOL, OFF(allow_no_auth), "false", 0,
     "Serve without KARAT_API_KEYS on a non-loopback address (else `karat serve` refuses to "
     "start); warned about at start and in /health."},
    {"KARAT_TRUSTED_PROXIES", CONFIG_STR, OFF(trusted_proxies), "", 0,
     "Comma-separated proxy addresses or CIDRs whose X-Forwarded-For names the client for the "
     "per-address limit and whose X-Forwarded-Host/-Proto may form URLs (empty: none)."},
    {"KARAT_ALLOWED_HOSTS", CONFIG_STR, OFF(allowed_hosts), "", 0,
     "Host names whose Host may form returned URLs (empty: listen host, localhost, own name)."},
    {"KARAT_CONN_TIMEOUT", CONFIG_INT, OFF(conn_timeout_s), "120", 0,
     "Seconds an idle or stalled client connection is kept."},
    {"KARAT_HEADER_TIMEOUT", CONFIG_INT, OFF(header_timeout_s), "30", 0,
     "Seconds a connection may take to send a whole request head (also the keep-alive idle "
     "limit), however steadily it trickles."},
    {"KARAT_BODY_TIMEOUT", CONFIG_INT, OFF(body_timeout_s), "300", 0,
     "Seconds a request may take to send its whole body."},
    {"KARAT_SHUTDOWN_TIMEOUT", CONFIG_INT, OFF(shutdown_timeout_s), "10", 0,
     "Seconds running requests get to finish after SIGTERM/SIGINT; then the server exits "
     "anyway (status 3)."},
    {"KARAT_MAX_CONNS_PER_IP", CONFIG_INT, OFF(max_conns_per_ip), "64", 0,
     "Most simultaneous connections from one client address; more are closed at once."},
    {"KARAT_THREADS", CONFIG_INT, OFF(threads), "0", 0,
     "Worker threads for bulk work (0 = automatic: `karat index` 3 per core, `karat dedup` one per "
     "core)."},
    {"KARAT_LOG_LEVEL", CONFIG_STR, OFF(log_level), "info", 0, "debug, info, warn, error or off."},
    {"KARAT_CORS_ORIGINS", CONFIG_STR, OFF(cors_origins), "", 0,
     "Comma-separated origins allowed by CORS (empty: no CORS headers; never '*' with "
     "credentials)."},
    {"KARAT_MAX_UPLOAD_BYTES", CONFIG_SIZE, OFF(max_upload_bytes), "25MiB", 0,
     "Largest accepted request body / uploaded file; larger gets 413 and nothing is stored."},
    {"KARAT_MAX_PIXELS", CONFIG_SIZE, OFF(max_pixels), "50000000", 0,
     "Largest decoded image (width x height); larger gets 413 before a full decode."},
    {"KARAT_OCR_MAX_PAGES", CONFIG_INT, OFF(ocr_max_pages), "50", 0,
     "Most pages of a bill or invoice PDF read offline; more gets 413 too_many_pages."},
    {"KARAT_OCR_LANGS", CONFIG_STR, OFF(ocr_langs), "eng", 0,
     "Tesseract languages for offline bill reading, '+'-joined (eng+hin also reads Hindi "
     "headers; each language's traineddata must be installed)."},
    {"KARAT_OCR_SCRIPT_LANGS", CONFIG_STR, OFF(ocr_script_langs), "hin+eng", 0,
     "Tesseract languages that re-read the lines printed in Devanagari (found by their "
     "headline stroke) after the page is read with KARAT_OCR_LANGS; empty: none."},
    {"KARAT_OCR_TESSDATA", CONFIG_STR, OFF(ocr_tessdata), "", 0,
     "Folder with tesseract's *.traineddata (empty: tesseract's own default)."},
    {"KARAT_MAX_JSON_BYTES", CONFIG_SIZE, OFF(max_json_bytes), "1MiB", 0,
     "Largest JSON request body."},
    {"KARAT_MAX_JSON_DEPTH", CONFIG_INT, OFF(max_json_depth), "32", 0,
     "Deepest nesting accepted in a JSON request body."},
    {"KARAT_MAX_FORM_FIELDS", CONFIG_INT, OFF(max_form_fields), "64", 0,
     "Most parts (fields and files) in one multipart or urlencoded form; more gets 413."},
    {"KARAT_MAX_FIELD_BYTES", CONFIG_SIZE, OFF(max_field_bytes), "1MiB", 0,
     "Largest non-file form field (a prompt, a list of SKUs or URLs); larger gets 413."},
    {"KARAT_MAX_BATCH", CONFIG_INT, OFF(max_batch), "500", 0,
     "Most items (URLs, SKUs, images) accepted in one request."},
    {"KARAT_STORE", CONFIG_STR, OFF(store_backend), "sqlite", 0,
     "Record store backend: sqlite (embedded, in KARAT_DATA_DIR) or postgres (KARAT_DATABASE_URL)."},
    /* server store (PostgreSQL) */
    {"KARAT_DATABASE_URL", CONFIG_STR, OFF(database_url), "", CONFIG_SECRET_DSN,
     "PostgreSQL connection for KARAT_STORE=postgres: a libpq connection string "
     "(host=/run/postgresql dbname=karat) or URI (postgresql://user:password@host/karat); "
     "`karat config` masks its password."},
    {"KARAT_DB_POOL_SIZE", CONFIG_INT, OFF(db_pool_size), "8", 0,
     "Most PostgreSQL connections one node opens."},
    {"KARAT_DB_POOL_WAIT_MS", CONFIG_INT, OFF(db_pool_wait_ms), "10000", 0,
     "Milliseconds a store call waits for a free PostgreSQL connection when all are busy; then it "
     "fails (504 store_busy)."},
    {"KARAT_SYNC_INTERVAL_MS", CONFIG_INT, OFF(sync_interval_ms), "500", 0,
     "Server store: ms between index catch-ups with other nodes' rows (NOTIFY wakes sooner)."},
    {"KARAT_PRUNE_INTERVAL", CONFIG_INT, OFF(prune_interval_s), "600", 0,
     "Server store: seconds between prunes of the change feed and finished job claims (0: never)."},
    {"KARAT_CHANGES_RETENTION", CONFIG_INT, OFF(changes_retention_s), "86400", 0,
     "Server store: seconds a replayed change stays in the change feed (image_changes)."},
    {"KARAT_SYNC_NODE_TTL", CONFIG_INT, OFF(sync_node_ttl_s), "600", 0,
     "Server store: seconds after its last progress report that a node stops holding back pruning."},
    {"KARAT_CLAIMS_RETENTION", CONFIG_INT, OFF(claims_retention_s), "604800", 0,
     "Server store: seconds a finished job's claim rows (job_claims) are kept."},
    {"KARAT_SQLITE_BUSY_MS", CONFIG_INT, OFF(sqlite_busy_ms), "10000", 0,
     "Milliseconds a write to the embedded (sqlite) store waits for another writer to finish; "
     "then it fails (504 store_busy)."},
    {"KARAT_TMP_DIR", CONFIG_STR, OFF(tmp_dir), "", 0,
     "Folder for scratch files (the spreadsheet writer's); empty: $TMPDIR, else /tmp."},
    {"KARAT_BLOB", CONFIG_STR, OFF(blob_backend), "local", 0, "Blob store backend: local or s3."},
    {"KARAT_INDEX", CONFIG_STR, OFF(index_backend), "embedded", 0,
     "Similarity index backend: embedded."},
    {"KARAT_BUCKETS", CONFIG_STR, OFF(buckets), "alya=alyaimg,blysk=blyskimg", 0,
     "Website-to-bucket map, comma-separated website=bucket pairs."},
    {"S3_BUCKET", CONFIG_STR, OFF(default_bucket), "alyaimg", 0,
     "Default bucket: generated images, ZIPs and spreadsheets go here."},
    {"COLLECTION_NAME", CONFIG_STR, OFF(collection_name), "image_embeddings_ip", 0,
     "Accepted for compatibility with the original's settings (its vector collection); unused."},
    {"REINDEX_ON_STARTUP", CONFIG_BOOL, OFF(reindex_on_startup), "false", 0,
     "Rebuild hashes and descriptors of every stored image from its blob at start-up."},
    {"CLEAN_ORPHANS_ON_STARTUP", CONFIG_BOOL, OFF(clean_orphans_on_startup), "false", 0,
     "Run `karat fsck --repair` at start-up."},
    /* ---- S3 blob backend (KARAT_BLOB=s3) */
    {"AWS_ACCESS_KEY_ID", CONFIG_STR, OFF(aws_access_key_id), "", 0,
     "S3 access key id (KARAT_BLOB=s3)."},
    {"AWS_SECRET_ACCESS_KEY", CONFIG_STR, OFF(aws_secret_access_key), "", 1,
     "S3 secret access key; requests are signed with AWS Signature Version 4."},
    {"AWS_SESSION_TOKEN", CONFIG_STR, OFF(aws_session_token), "", 1,
     "S3 session token of temporary credentials, sent as x-amz-security-token (empty: none)."},
    {"AWS_REGION", CONFIG_STR, OFF(aws_region), "us-east-1", 0,
     "Region the S3 requests are signed for (and of the amazonaws.com endpoint used)."},
    {"AWS_ENDPOINT_URL", CONFIG_STR, OFF(aws_endpoint_url), "", 0,
     "Endpoint of an S3-compatible service (MinIO, Ceph RGW, R2), e.g. http://10.0.0.5:9000; "
     "empty: AWS S3 (https://s3.REGION.amazonaws.com). Public URLs then default to "
     "ENDPOINT/BUCKET/KEY."},
    {"KARAT_S3_PATH_STYLE", CONFIG_BOOL, OFF(s3_path_style), "false", 0,
     "Address buckets path-style (ENDPOINT/BUCKET/KEY) instead of virtual-hosted "
     "(BUCKET.HOST/KEY); implied when AWS_ENDPOINT_URL's host is an IP address or localhost."},
    {"KARAT_S3_PUBLIC_BASE", CONFIG_STR, OFF(s3_public_base), "", 0,
     "Public URL base per bucket (a CDN), comma-separated bucket=base pairs; an image's URL is "
     "BASE/KEY. Buckets not listed: https://BUCKET.s3.amazonaws.com/KEY, or "
     "AWS_ENDPOINT_URL/BUCKET/KEY when an endpoint is set. Other files keep /files/ URLs."},
    {"KARAT_S3_MULTIPART_BYTES", CONFIG_SIZE, OFF(s3_multipart_bytes), "16MiB", 0,
     "Objects larger than this are uploaded to S3 in parts (multipart upload)."},
    {"KARAT_S3_PART_BYTES", CONFIG_SIZE, OFF(s3_part_bytes), "8MiB", 0,
     "Size of each part of a multipart upload (S3's minimum is 5 MiB)."},
    {"KARAT_S3_CONNECT_TIMEOUT", CONFIG_INT, OFF(s3_connect_timeout_s), "10", 0,
     "Seconds to connect to the S3 endpoint."},
    {"KARAT_S3_TIMEOUT", CONFIG_INT, OFF(s3_timeout_s), "120", 0,
     "Seconds one S3 request may take in total; then it is retried like a 5xx."},
    {"KARAT_S3_CONNECTIONS", CONFIG_INT, OFF(s3_connections), "16", 0,
     "S3: idle connections kept open for reuse per process (0: a new connection per request)."},
    {"KARAT_S3_ATTEMPTS", CONFIG_INT, OFF(s3_attempts), "5", 0,
     "Most attempts per S3 request: 500, 502, 503 (SlowDown), 504, RequestTimeout and "
     "connection failures or timeouts are retried; no other 4xx is."},
    {"KARAT_S3_BACKOFF_MS", CONFIG_INT, OFF(s3_backoff_ms), "200", 0,
     "First wait before an S3 retry, in milliseconds; doubled per attempt (with jitter)."},
    {"KARAT_S3_BACKOFF_CAP_MS", CONFIG_INT, OFF(s3_backoff_cap_ms), "5000", 0,
     "Longest wait between S3 retries, in milliseconds."},
    {"KARAT_FSCK_GRACE", CONFIG_INT, OFF(fsck_grace_s), "3600", 0,
     "Seconds an object of an in-place backend (s3) without a row is left alone by fsck: it may "
     "be an upload in flight on another node. Older ones are listed and removed by --repair."},
    /* ---- end S3 */
    {"KARAT_DEDUP_HASH_MAX", CONFIG_INT, OFF(dedup_hash_max), "-1", 0,
     "Override the duplicate rule's largest PDQ distance (-1 = built-in calibrated value)."},
    {"KARAT_DEDUP_DESC_MIN", CONFIG_DOUBLE, OFF(dedup_desc_min), "-1", 0,
     "Override the duplicate rule's smallest descriptor score (-1 = built-in calibrated value)."},
    {"KARAT_DEDUP_SCENE_CANDIDATES", CONFIG_INT, OFF(dedup_scene_candidates), "16", 0,
     "Scene photos (on-model, lifestyle) the duplicate check verifies with the keypoint stage: "
     "the stored scene photos with the most keypoint votes (0 = no keypoint stage)."},
    {"KARAT_ATTR_PROVIDER", CONFIG_STR, OFF(attr_provider), "", 0,
     "Provider for attribute extraction: offline, gemini or openai (default: gemini if a key is "
     "set, else offline)."},
    {"KARAT_COPY_PROVIDER", CONFIG_STR, OFF(copy_provider), "", 0,
     "Provider for listing copy: offline, gemini or openai (default: openai if a key is set, else "
     "offline)."},
    {"KARAT_IMAGE_PROVIDER", CONFIG_STR, OFF(image_provider), "", 0,
     "Provider for image generation: offline, gemini or openai (default: openai if a key is set, "
     "else offline)."},
    {"GEMINI_BASE_URL", CONFIG_STR, OFF(gemini_base_url),
     "https://generativelanguage.googleapis.com", 0,
     "Base URL of the Gemini API (tests point it at a local fake)."},
    {"GEMINI_MODEL", CONFIG_STR, OFF(gemini_model), "gemini-2.0-flash", 0,
     "Gemini text/vision model."},
    {"GEMINI_IMAGE_MODEL", CONFIG_STR, OFF(gemini_image_model), "gemini-2.5-flash-image", 0,
     "Gemini image model."},
    {"OPENAI_BASE_URL", CONFIG_STR, OFF(openai_base_url), "https://api.openai.com", 0,
     "Base URL of the OpenAI API (tests point it at a local fake)."},
    {"OPENAI_MODEL", CONFIG_STR, OFF(openai_model), "gpt-4.1", 0, "OpenAI chat model."},
    {"OPENAI_IMAGE_MODEL", CONFIG_STR, OFF(openai_image_model), "gpt-image-1.5", 0,
     "OpenAI image model."},
    {"KARAT_EMBED_PROVIDER", CONFIG_STR, OFF(embed_provider), "", 0,
     "Provider for product text embeddings (collection ranking): offline (none), gemini or "
     "openai (default: gemini if a Gemini key is set, else openai if an OpenAI key is set, else "
     "offline)."},
    {"GEMINI_EMBED_MODEL", CONFIG_STR, OFF(gemini_embed_model), "gemini-embedding-001", 0,
     "Gemini text embedding model (text-embedding-004 was retired in January 2026)."},
    {"OPENAI_EMBED_MODEL", CONFIG_STR, OFF(openai_embed_model), "text-embedding-3-small", 0,
     "OpenAI text embedding model."},
    {"KARAT_EMBED_DIM", CONFIG_INT, OFF(embed_dim), "768", 0,
     "Size of the text embeddings asked for (1..4096; part of the cache key)."},
    {"KARAT_COLLECTION_EMBED_WEIGHT", CONFIG_DOUBLE, OFF(collection_embed_weight), "0.7", 0,
     "Collections with embeddings: weight (0..1) of the embedding similarity against the "
     "full-text score."},
    {"KARAT_COLLECTION_CANDIDATES", CONFIG_INT, OFF(collection_candidates), "2000", 0,
     "Collections with embeddings: most filtered products (newest first) ranked by meaning per "
     "request (1..10000)."},
    {"KARAT_AI_CONCURRENCY", CONFIG_INT, OFF(ai_concurrency), "4", 0,
     "Most calls in flight to one AI provider."},
    {"KARAT_AI_TIMEOUT", CONFIG_INT, OFF(ai_timeout_s), "60", 0,
     "Seconds before an AI call times out."},
    {"KARAT_OFFLINE_MIN_CONFIDENCE", CONFIG_DOUBLE, OFF(offline_min_confidence), "0.6", 0,
     "Offline photo analysis: an attribute below this confidence (0..1) is left blank for the "
     "seller with a needs-review note."},
    {"KARAT_AI_ATTEMPTS", CONFIG_INT, OFF(ai_attempts), "5", 0,
     "Most HTTP attempts per AI call (retries on 408/409/5xx and connection failures)."},
    {"KARAT_AI_BACKOFF_MS", CONFIG_INT, OFF(ai_backoff_ms), "500", 0,
     "First wait before an AI retry, in milliseconds; doubled per attempt."},
    {"KARAT_AI_BACKOFF_CAP_MS", CONFIG_INT, OFF(ai_backoff_cap_ms), "8000", 0,
     "Longest wait between AI retries, in milliseconds."},
    {"KARAT_AI_RATE_WAIT_MS", CONFIG_INT, OFF(ai_rate_wait_ms), "30000", 0,
     "Longest an AI call waits for a rate-limited key to cool down, in milliseconds."},
    {"KARAT_AI_MAX_RESPONSE", CONFIG_SIZE, OFF(ai_max_response), "64MiB", 0,
     "Largest reply body read from an AI provider (a generated image in JSON is base64); larger "
     "fails the call."},
    {"KARAT_AI_KEY_REST", CONFIG_INT, OFF(ai_key_rest_s), "3600", 0,
     "Seconds an AI key that ran out of quota, or was refused, is left unused."},
    {"KARAT_AI_HONOUR_WAIT_MS", CONFIG_INT, OFF(ai_honour_wait_ms), "120000", 0,
     "Longest cool-down a provider may name for a rate-limited key (retry-after) that is taken "
     "as given, in milliseconds; a longer one is replaced by the retry backoff."},
    {"KARAT_CONNECT_TIMEOUT", CONFIG_INT, OFF(connect_timeout_s), "10", 0,
     "Seconds an outbound connection (AI providers, fetched image URLs) may take to open."},
    {"KARAT_FETCH_ALLOW_PRIVATE", CONFIG_BOOL, OFF(fetch_allow_private), "false", 0,
     "Allow fetching image URLs on loopback, private and link-local addresses."},
    {"KARAT_FETCH_TIMEOUT", CONFIG_INT, OFF(fetch_timeout_s), "15", 0,
     "Seconds a fetch of a caller's image URL may take in all, redirects included."},
    {"KARAT_FETCH_MAX_REDIRECTS", CONFIG_INT, OFF(fetch_max_redirects), "3", 0,
     "Redirects a fetch of a caller's image URL follows, each checked again (0 = none)."},
    {"KARAT_PRODUCTS_URL", CONFIG_STR, OFF(products_url), "", 0,
     "Upstream products API (the original's contract: form POST of the filters, answer "
     "{\"data\": [...]}), synced on demand; empty = none."},
    {"KARAT_SELLER_PROFILE", CONFIG_STR, OFF(seller_profile), "", 0,
     "Seller profile file with fixed marketplace values (brand, HSN, GST...)."},
    {"KARAT_MARKETPLACES_DIR", CONFIG_STR, OFF(marketplaces_dir), "data/marketplaces", 0,
     "Folder of marketplace sheet schemas (<marketplace>_<type>.json); adding a file adds a "
     "marketplace."},
    {"KARAT_DOC_MIN_CONFIDENCE", CONFIG_INT, OFF(doc_min_confidence), "60", 0,
     "Bills: an OCR cell read with a confidence (0..100) under this is flagged in warnings."},
    {"KARAT_DOC_TOLERANCE", CONFIG_DOUBLE, OFF(doc_tolerance), "1", 0,
     "Bills: absolute slack (rupees) of the arithmetic checks, besides the rounding of the "
     "printed factors (bills round to the rupee)."},
    {"KARAT_BILL_SLOTS", CONFIG_INT, OFF(bill_slots), "4", 0,
     "Bills read at once (/process-image-and-prompt/: OCR or provider calls); one more gets 429."},
    {"KARAT_BILL_SLOTS_PER_CLIENT", CONFIG_INT, OFF(bill_slots_per_client), "2", 0,
     "Bills one client may have being read at once."},
    {"KARAT_JOB_WORKERS", CONFIG_INT, OFF(job_workers), "8", 0,
     "Catalog photos processed at once across all jobs, on the one worker pool (of "
     "KARAT_JOB_WORKERS "
     "+ KARAT_STUDIO_WORKERS threads); 2 x KARAT_AI_CONCURRENCY keeps both the attribute and the "
     "copy provider busy."},
    {"KARAT_JOB_SYNC_WAIT", CONFIG_INT, OFF(job_sync_wait_s), "300", 0,
     "Seconds a request without ?async=1 waits for its job; after that it gets 202 and the job "
     "id."},
    {"KARAT_JOB_LEASE_MS", CONFIG_INT, OFF(job_lease_ms), "30000", 0,
     "Server mode: ms a node holds a job item unrenewed (renewed every third; then others resume "
     "it)."},
    {"KARAT_MAX_ACTIVE_JOBS", CONFIG_INT, OFF(max_active_jobs), "64", 0,
     "Catalog jobs queued or running at once; one more is refused with 429 and Retry-After."},
    {"KARAT_MAX_JOBS_PER_CLIENT", CONFIG_INT, OFF(max_jobs_per_client), "8", 0,
     "Catalog jobs one client (API key, or address without keys) may have queued or running."},
    {"KARAT_STUDIO_SLOTS", CONFIG_INT, OFF(studio_slots), "4", 0,
     "/generate-images and /regenerate-image requests worked on at once (each uses up to 8 "
     "threads and a few hundred MB); more get 429."},
    {"KARAT_STUDIO_SLOTS_PER_CLIENT", CONFIG_INT, OFF(studio_slots_per_client), "2", 0,
     "Image studio requests one client may have running at once."},
    {"KARAT_TEMPLATE_SLOTS_PER_CLIENT", CONFIG_INT, OFF(template_slots_per_client), "1", 0,
     "Template uploads and /clear_excel_file requests one client may have running at once (at "
     "most KARAT_TEMPLATE_CONCURRENCY)."},
    {"KARAT_RETRY_AFTER", CONFIG_INT, OFF(retry_after_s), "5", 0,
     "Seconds sent in Retry-After when Karat answers 429 because its work slots are full."},
    {"KARAT_TEMPLATE_MAX_UNPACKED", CONFIG_SIZE, OFF(template_max_unpacked), "64MiB", 0,
     "Most uncompressed bytes in a seller template (all zip entries); larger gets 413 at upload "
     "and fails a later fill or clear."},
    {"KARAT_TEMPLATE_MAX_RATIO", CONFIG_INT, OFF(template_max_ratio), "100", 0,
     "Highest compression ratio of a seller template (uncompressed / archive bytes, judged past "
     "1 MiB uncompressed); higher gets 413."},
    {"KARAT_TEMPLATE_CONCURRENCY", CONFIG_INT, OFF(template_concurrency), "2", 0,
     "Seller templates opened or filled at once; a template upload or clear past it gets 429 with "
     "Retry-After, a catalog job waits."},
    {"KARAT_IMAGE_TYPES_EARRINGS", CONFIG_STR, OFF(image_types_earrings), "1,2,4,5", 0,
     "Image types /generate-images makes for earrings when the request names none (1 White "
     "Background, 2 Hand Holding, 3 Dimension Image, 4 Lifestyle Nature, 5 Model Wearing, 6 Pastel "
     "Gradient, 7 Rich Backdrop, 8 Props Flat Lay)."},
    {"KARAT_IMAGE_TYPES_BRACELET", CONFIG_STR, OFF(image_types_bracelet), "1,6,7,2", 0,
     "Default image types for bracelets (same numbers as KARAT_IMAGE_TYPES_EARRINGS)."},
    {"KARAT_IMAGE_TYPES_NECKLACE", CONFIG_STR, OFF(image_types_necklace), "1,6,7,2", 0,
     "Default image types for necklaces (same numbers as KARAT_IMAGE_TYPES_EARRINGS)."},
    {"KARAT_STUDIO_WORKERS", CONFIG_INT, OFF(studio_workers), "8", 0,
     "Threads of the one worker pool kept for image work: the pool has KARAT_JOB_WORKERS + "
     "KARAT_STUDIO_WORKERS threads and catalog jobs use at most KARAT_JOB_WORKERS of them."},
    {"KARAT_STUDIO_MAX_IMAGE_BYTES", CONFIG_SIZE, OFF(studio_max_image_bytes), "64MiB", 0,
     "Largest generated image read back from the file store to regenerate it."},
    {"KARAT_STUDIO_MAX_ZIP_BYTES", CONFIG_SIZE, OFF(studio_max_zip_bytes), "512MiB", 0,
     "Largest generated-images ZIP read back from the file store to replace an image in it."},
    CONFIG_MARKET_VARS
    {NULL, 0, 0, NULL, 0, NULL},
};

/* The accepted range of every numeric row (docs/CONFIG.md states them); a
 * value outside it is a configuration error. A numeric row missing here is a
 * bug that config_load() reports (tests/unit/core pins it). */
#define GIB (1LL << 30)
static const struct {
    const char *name;
    long long min, max;
} bounds[] = {
    {"KARAT_CONN_TIMEOUT", 1, 86400},
    {"KARAT_HEADER_TIMEOUT", 1, 3600},
    {"KARAT_BODY_TIMEOUT", 1, 86400},
    {"KARAT_SHUTDOWN_TIMEOUT", 1, 3600},
    {"KARAT_MAX_CONNS_PER_IP", 1, 100000},
    {"KARAT_THREADS", 0, 1024},
    {"KARAT_MAX_UPLOAD_BYTES", 1024, 4 * GIB},
    {"KARAT_MAX_PIXELS", 1, 1000000000},
    {"KARAT_OCR_MAX_PAGES", 1, 10000},
    {"KARAT_MAX_JSON_BYTES", 64, GIB},
    {"KARAT_MAX_JSON_DEPTH", 2, 1000},
    {"KARAT_MAX_FORM_FIELDS", 1, 4096},
    {"KARAT_MAX_FIELD_BYTES", 1024, 64LL << 20},
    {"KARAT_MAX_BATCH", 1, 100000},
    {"KARAT_DEDUP_HASH_MAX", -1, 256},
    {"KARAT_DEDUP_DESC_MIN", -1, 1},
    {"KARAT_DEDUP_SCENE_CANDIDATES", 0, 1024},
    {"KARAT_OFFLINE_MIN_CONFIDENCE", 0, 1},
    {"KARAT_EMBED_DIM", 1, 4096},
    {"KARAT_COLLECTION_EMBED_WEIGHT", 0, 1},
    {"KARAT_COLLECTION_CANDIDATES", 1, 10000},
    {"KARAT_AI_CONCURRENCY", 1, 256},
    {"KARAT_AI_TIMEOUT", 1, 3600},
    {"KARAT_AI_ATTEMPTS", 1, 20},
    {"KARAT_AI_BACKOFF_MS", 0, 600000},
    {"KARAT_AI_BACKOFF_CAP_MS", 0, 3600000},
    {"KARAT_AI_RATE_WAIT_MS", 0, 3600000},
    {"KARAT_AI_MAX_RESPONSE", 1LL << 20, GIB},
    {"KARAT_FETCH_TIMEOUT", 1, 600},
    {"KARAT_FETCH_MAX_REDIRECTS", 0, 20},
    {"KARAT_DOC_MIN_CONFIDENCE", 0, 100},
    {"KARAT_DOC_TOLERANCE", 0, 1000000},
    {"KARAT_BILL_SLOTS", 1, 1024},
    {"KARAT_BILL_SLOTS_PER_CLIENT", 1, 1024},
    {"KARAT_JOB_WORKERS", 1, 64},
    {"KARAT_JOB_SYNC_WAIT", 0, 86400},
    {"KARAT_JOB_LEASE_MS", 300, 3600000},
    {"KARAT_MAX_ACTIVE_JOBS", 1, 100000},
    {"KARAT_MAX_JOBS_PER_CLIENT", 1, 100000},
    {"KARAT_STUDIO_SLOTS", 1, 1024},
    {"KARAT_STUDIO_SLOTS_PER_CLIENT", 1, 1024},
    {"KARAT_TEMPLATE_SLOTS_PER_CLIENT", 1, 64},
    {"KARAT_RETRY_AFTER", 1, 3600},
    {"KARAT_TEMPLATE_MAX_UNPACKED", 1LL << 20, GIB},
    {"KARAT_TEMPLATE_MAX_RATIO", 10, 10000},
    {"KARAT_TEMPLATE_CONCURRENCY", 1, 64},
    {"KARAT_STUDIO_WORKERS", 1, 256},
    {"KARAT_DB_POOL_SIZE", 1, 256},
    {"KARAT_DB_POOL_WAIT_MS", 1, 3600000},
    {"KARAT_SYNC_INTERVAL_MS", 10, 600000},
    {"KARAT_PRUNE_INTERVAL", 0, 7 * 86400},
    {"KARAT_CHANGES_RETENTION", 0, 365 * 86400},
    {"KARAT_SYNC_NODE_TTL", 1, 7 * 86400},
    {"KARAT_CLAIMS_RETENTION", 0, 365 * 86400},
    {"KARAT_SQLITE_BUSY_MS", 1, 3600000},
    {"KARAT_AI_KEY_REST", 1, 7 * 86400},
    {"KARAT_AI_HONOUR_WAIT_MS", 1, 3600000},
    {"KARAT_CONNECT_TIMEOUT", 1, 600},
    {"KARAT_STUDIO_MAX_IMAGE_BYTES", 1LL << 20, 4 * GIB},
    {"KARAT_STUDIO_MAX_ZIP_BYTES", 1LL << 20, 64 * GIB},
    /* ---- S3 */
    {"KARAT_S3_MULTIPART_BYTES", 5LL << 20, 5 * 1024 * GIB},
    {"KARAT_S3_PART_BYTES", 5LL << 20, 5 * GIB},
    {"KARAT_S3_CONNECT_TIMEOUT", 1, 3600},
    {"KARAT_S3_TIMEOUT", 1, 86400},
    {"KARAT_S3_ATTEMPTS", 1, 20},
    {"KARAT_S3_CONNECTIONS", 0, 256},
    {"KARAT_S3_BACKOFF_MS", 0, 600000},
    {"KARAT_S3_BACKOFF_CAP_MS", 0, 3600000},
    {"KARAT_FSCK_GRACE", 0, 30 * 86400},
    /* ---- end S3 */
    CONFIG_MARKET_BOUNDS
};

const struct config_var *config_vars(void)
{
    return vars;
}

static const struct config_var *find_var(const char *name)
{
    for (const struct config_var *v = vars; v->name; v++)
        if (strcmp(v->name, name) == 0)
            return v;
    return NULL;
}

/* 1 (and err) if n is outside v's range, or v has none (a bug). */
static int out_of_range(const struct config_var *v, double n, struct kr_err *err)
{
    for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++)
        if (strcmp(bounds[i].name, v->name) == 0) {
            if (!(n >= (double)bounds[i].min && n <= (double)bounds[i].max)) {
                kr_fail(err, KRS_BAD_CONFIG, "%s: %g is outside %lld..%lld", v->name, n,
                        bounds[i].min, bounds[i].max);
                return 1;
            }
            return 0;
        }
    kr_fail(err, KRS_CONFIG_TABLE_BROKEN, "%s: no range in the configuration table", v->name);
    return 1;
}

static enum kr_code set_var(struct config *cfg, const struct config_var *v, const char *value,
                            struct kr_err *err)
{
    char *base = (char *)cfg + v->offset, *end;
    long long n;
    int b;

    switch (v->type) {
    case CONFIG_STR: {
        char *dup = strdup(value);
        if (!dup)
            return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
        free(*(char **)base);
        *(char **)base = dup;
        return KR_OK;
    }
    case CONFIG_INT: {
        n = strtoll(value, &end, 10);
        if (end == value || *end)
            return kr_fail(err, KRS_BAD_CONFIG, "%s: not an integer: '%s'", v->name, value);
        if (out_of_range(v, (double)n, err))
            return err ? err->code : KR_EINVAL;
        *(int *)base = (int)n;
        return KR_OK;
    }
    case CONFIG_SIZE:
        n = util_parse_size(value);
        if (n < 0)
            return kr_fail(err, KRS_BAD_CONFIG, "%s: not a size: '%s'", v->name, value);
        if (out_of_range(v, (double)n, err))
            return err ? err->code : KR_EINVAL;
        *(long long *)base = n;
        return KR_OK;
    case CONFIG_BOOL:
        b = util_parse_bool(value);
        if (b < 0)
            return kr_fail(err, KRS_BAD_CONFIG, "%s: not a boolean: '%s'", v->name, value);
        *(int *)base = b;
        return KR_OK;
    case CONFIG_DOUBLE: {
        double d = strtod(value, &end);
        if (end == value || *end)
            return kr_fail(err, KRS_BAD_CONFIG, "%s: not a number: '%s'", v->name, value);
        if (out_of_range(v, d, err))
            return err ? err->code : KR_EINVAL;
        *(double *)base = d;
        return KR_OK;
    }
    }
    return KR_EINTERNAL;
}

enum kr_code config_set(struct config *cfg, const char *name, const char *value, struct kr_err *err)
{
    const struct config_var *v = find_var(name);
    if (!v)
        return kr_fail(err, KRS_BAD_CONFIG, "unknown setting %s", name);
    return set_var(cfg, v, value, err);
}

static enum kr_code load_file(struct config *cfg, const char *path, int required,
                              struct kr_err *err)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    enum kr_code rc = KR_OK;
    int lineno = 0;

    if (!f)
        return required ? kr_fail(err, KRS_CONFIG_NOT_FOUND, "cannot read config file %s", path)
                        : KR_OK;
    while (!rc && fgets(line, sizeof line, f)) {
        char *s = util_trim(line), *eq;
        lineno++;
        if (!*s || *s == '#')
            continue;
        eq = strchr(s, '=');
        if (!eq) {
            rc = kr_fail(err, KRS_BAD_CONFIG, "%s:%d: expected NAME=value", path, lineno);
            break;
        }
        *eq = '\0';
        rc = config_set(cfg, util_trim(s), util_trim(eq + 1), err);
    }
    fclose(f);
    return rc;
}

enum kr_code config_defaults(struct config *cfg, struct kr_err *err)
{
    enum kr_code rc = KR_OK;

    memset(cfg, 0, sizeof *cfg);
    for (const struct config_var *v = vars; v->name && !rc; v++)
        rc = set_var(cfg, v, v->def, err);
    return rc;
}

enum kr_code config_load(struct config *cfg, struct kr_err *err)
{
    enum kr_code rc;
    const char *file = getenv("KARAT_CONFIG"), *env;
    char path[4096];

    if ((rc = config_defaults(cfg, err)))
        return rc;
    env = getenv("KARAT_DATA_DIR");
    if (file && *file) {
        rc = load_file(cfg, file, 1, err);
    } else {
        util_fmt(path, sizeof path, "%s/karat.conf", env && *env ? env : cfg->data_dir);
        rc = load_file(cfg, path, 0, err);
    }
    if (rc)
        return rc;
    for (const struct config_var *v = vars; v->name; v++) {
        env = getenv(v->name);
        if (env && (*env || v->type == CONFIG_STR)) {
            rc = set_var(cfg, v, env, err);
            if (rc)
                return rc;
        }
    }
    if (strcmp(cfg->store_backend, "postgres") == 0 && !*cfg->database_url)
        return kr_fail(err, KRS_BAD_CONFIG, "KARAT_STORE=postgres needs KARAT_DATABASE_URL");
    return KR_OK;
}

void config_release(struct config *cfg)
{
    for (const struct config_var *v = vars; v->name; v++) {
        if (v->type == CONFIG_STR) {
            char **p = (char **)((char *)cfg + v->offset);
            free(*p);
            *p = NULL;
        }
    }
}

enum kr_code config_dump(const struct config *cfg, struct buf *out)
{
    enum kr_code rc = KR_OK;
    for (const struct config_var *v = vars; v->name && !rc; v++) {
        const char *base = (const char *)cfg + v->offset;
        switch (v->type) {
        case CONFIG_STR: {
            const char *s = *(char *const *)base;
            char masked[1024];
            if (v->secret == CONFIG_SECRET_DSN && s && *s) {
                config_mask_dsn(s, masked, sizeof masked);
                s = masked;
            }
            rc = buf_appendf(out, "%s=%s\n", v->name,
                             v->secret == 1 && s && *s ? "****(set)" : (s ? s : ""));
            break;
        }
        case CONFIG_INT:
            rc = buf_appendf(out, "%s=%d\n", v->name, *(const int *)base);
            break;
        case CONFIG_SIZE:
            rc = buf_appendf(out, "%s=%lld\n", v->name, *(const long long *)base);
            break;
        case CONFIG_BOOL:
            rc = buf_appendf(out, "%s=%s\n", v->name, *(const int *)base ? "true" : "false");
            break;
        case CONFIG_DOUBLE:
            rc = buf_appendf(out, "%s=%g\n", v->name, *(const double *)base);
            break;
        }
    }
    return rc;
}

const char *config_tmp_dir(const struct config *cfg)
{
    const char *env = getenv("TMPDIR");

    if (cfg->tmp_dir && *cfg->tmp_dir)
        return cfg->tmp_dir;
    return env && *env ? env : "/tmp";
}
