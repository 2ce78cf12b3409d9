/*
 * err_slugs.h - Karat's error vocabulary: every failure names one row here.
 *
 * KR_SLUG(NAME, "slug", KR_Exxx, status, "meaning") gives the enum value
 * KRS_NAME (core/err.h), the machine code clients see as "code", the
 * kr_code kr_fail() returns for it, the HTTP status an answer made from it
 * carries, and one line for the error table in docs/API.md (a unit test
 * checks that the table there lists every slug). So a slug always has one
 * code and one status; there is no other place that maps codes to statuses.
 *
 * This file is an X-macro list: it has no include guard on purpose and is
 * read only by core/err.h and core/err.c with KR_SLUG defined. A new failure
 * either reuses a row whose meaning fits or adds one (slug text unique,
 * status 4xx for the caller's fault, 5xx for Karat's or a provider's).
 * The first row is what a zeroed struct kr_err means: an internal error.
 */

/* ---- Karat's own failures (500) ---- */
KR_SLUG(INTERNAL, "internal", KR_EINTERNAL, 500, "a bug or broken invariant in Karat (logged)")
KR_SLUG(OUT_OF_MEMORY, "out_of_memory", KR_ENOMEM, 500, "Karat ran out of memory")
KR_SLUG(CONFIG_TABLE_BROKEN, "config_table_broken", KR_EINTERNAL, 500,
        "a setting has no range in the configuration table (a bug)")
KR_SLUG(DECODE_SHAPE, "decode_shape", KR_EINTERNAL, 500,
        "the image decoder returned an unexpected shape")
KR_SLUG(ENCODE_FAILED, "encode_failed", KR_EINTERNAL, 500, "an image could not be encoded")
KR_SLUG(IMAGE_OP_FAILED, "image_op_failed", KR_EINTERNAL, 500,
        "an image operation failed in libvips")
KR_SLUG(OCR_FAILED, "ocr_failed", KR_EINTERNAL, 500, "text recognition failed on a page")
KR_SLUG(MIGRATE_MISMATCH, "migrate_mismatch", KR_EINTERNAL, 500,
        "a migrated row is missing or different in the destination")
KR_SLUG(NET_INIT, "net_init", KR_EINTERNAL, 500, "the HTTP client library could not start")
KR_SLUG(THREAD_FAILED, "thread_failed", KR_EINTERNAL, 500, "a worker thread could not be started")
KR_SLUG(VIPS_INIT, "vips_init", KR_EINTERNAL, 500, "the image library could not start")
KR_SLUG(ZIP_FAILED, "zip_failed", KR_EINTERNAL, 500, "a ZIP archive could not be written")
KR_SLUG(ZIP_INCOMPLETE, "zip_incomplete", KR_EINTERNAL, 500,
        "a ZIP archive lost an entry while written")
KR_SLUG(BAD_JOB_DOC, "bad_job_doc", KR_EIO, 500, "a stored job document is damaged")
KR_SLUG(BAD_DOC_RECORD, "bad_doc_record", KR_EIO, 500, "a stored bill document is damaged")
KR_SLUG(BAD_TEMPLATE_RECORD, "bad_template_record", KR_EIO, 500,
        "a stored template record is damaged")
KR_SLUG(BLOB_IO, "blob_io", KR_EIO, 500, "the file store failed to read or write")
KR_SLUG(BLOB_SYMLINK_REFUSED, "blob_symlink_refused", KR_EIO, 500,
        "a symbolic link inside the file store was refused")
KR_SLUG(NO_SIGNATURE_SOURCE, "no_signature_source", KR_EIO, 500,
        "the image index cannot read stored signatures to verify its candidates")
KR_SLUG(FSYNC_FAILED, "fsync_failed", KR_EIO, 500, "data could not be flushed to disk")
KR_SLUG(INJECTED_FAULT, "injected_fault", KR_EIO, 500,
        "test builds only: an I/O failure injected by the fault harness")
KR_SLUG(LISTEN_FAILED, "listen_failed", KR_EIO, 500, "the server could not listen on its address")
KR_SLUG(LOCK_FAILED, "lock_failed", KR_EIO, 500, "the data folder could not be locked")
KR_SLUG(MKDIR_FAILED, "mkdir_failed", KR_EIO, 500, "a folder could not be created")
KR_SLUG(NO_SCHEMAS, "no_schemas", KR_EIO, 500, "the marketplace schema folder could not be read")
KR_SLUG(READ_FAILED, "read_failed", KR_EIO, 500, "a file could not be read")
KR_SLUG(SERVER_START, "server_start", KR_EIO, 500, "the HTTP server could not start")
KR_SLUG(SHUTTING_DOWN, "shutting_down", KR_EIO, 500, "the server is stopping")
KR_SLUG(STORE_CORRUPT, "store_corrupt", KR_EIO, 500, "the database is damaged")
KR_SLUG(STORE_IO, "store_io", KR_EIO, 500, "the database failed")
KR_SLUG(STORE_NO_WAL, "store_no_wal", KR_EIO, 500, "the database could not use write-ahead logging")
KR_SLUG(WRITE_FAILED, "write_failed", KR_EIO, 500, "a file could not be written")
KR_SLUG(XLSX_WRITE, "xlsx_write", KR_EIO, 500, "a spreadsheet could not be written")

/* ---- the request is wrong (400) ---- */
KR_SLUG(BAD_REQUEST, "bad_request", KR_EINVAL, 400, "malformed HTTP request (framing, length)")
KR_SLUG(BAD_PATH, "bad_path", KR_EINVAL, 400, "the request path is malformed")
KR_SLUG(BAD_QUERY, "bad_query", KR_EINVAL, 400, "the query string is malformed")
KR_SLUG(BAD_FORM, "bad_form", KR_EINVAL, 400, "malformed multipart or urlencoded form")
KR_SLUG(BAD_JSON, "bad_json", KR_EINVAL, 400, "the JSON body is malformed or has the wrong shape")
KR_SLUG(MISSING_FIELD, "missing_field", KR_EINVAL, 400, "a required field is missing")
KR_SLUG(MISSING_FILE, "missing_file", KR_EINVAL, 400, "a form upload lacks its file field")
KR_SLUG(EMPTY_FILE, "empty_file", KR_EINVAL, 400, "the uploaded file is empty")
KR_SLUG(INVALID_ARGUMENT, "invalid_argument", KR_EINVAL, 400, "an argument has an invalid value")
KR_SLUG(BAD_FILTER, "bad_filter", KR_EINVAL, 400,
        "the row filter (`manual`) is not understood and no AI provider is configured")
KR_SLUG(INVALID_PRODUCT_TYPE, "invalid_product_type", KR_EINVAL, 400, "unknown product type")
KR_SLUG(INVALID_WEBSITE, "invalid_website", KR_EINVAL, 400, "unknown website (alya or blysk)")
KR_SLUG(MISSING_S3_URLS, "missing_s3_urls", KR_EINVAL, 400, "no file URLs were given")
KR_SLUG(SOURCE_NOT_FOUND, "source_not_found", KR_EINVAL, 400,
        "the source image URL could not be fetched")
KR_SLUG(NOT_AN_IMAGE, "not_an_image", KR_EINVAL, 400, "the bytes are not an image Karat reads")
KR_SLUG(CORRUPT_IMAGE, "corrupt_image", KR_EINVAL, 400, "the image cannot be decoded")
KR_SLUG(UNSUPPORTED_IMAGE, "unsupported_image", KR_EINVAL, 400,
        "an image format Karat does not read")
KR_SLUG(EMPTY_IMAGE, "empty_image", KR_EINVAL, 400, "the image has no pixels")
KR_SLUG(IMAGE_TOO_SMALL, "image_too_small", KR_EINVAL, 400, "the image is too small to use")
KR_SLUG(NOT_KARAT_URL, "not_karat_url", KR_EINVAL, 400, "the URL is not one of Karat's files")
KR_SLUG(NOT_GENERATED_FILE, "not_generated_file", KR_EINVAL, 400, "the file is not a generated one")
KR_SLUG(URL_REFUSED, "url_refused", KR_EINVAL, 400,
        "the URL is refused (scheme, private address, or not allowed)")
KR_SLUG(BAD_URL, "bad_url", KR_EINVAL, 400, "the URL is malformed")
KR_SLUG(BAD_ARGUMENT, "bad_argument", KR_EINVAL, 400, "an argument is out of range or malformed")
KR_SLUG(BAD_PRODUCT, "bad_product", KR_EINVAL, 400, "a product record is missing a field or has a bad value")
KR_SLUG(BAD_IMPORT, "bad_import", KR_EINVAL, 400, "a products file (CSV or JSON) or an upstream answer is malformed")
KR_SLUG(UNKNOWN_STYLE, "unknown_style", KR_EINVAL, 400, "a collection style name that is not one of the known styles")
KR_SLUG(NO_PRODUCTS_URL, "no_products_url", KR_EINVAL, 400, "a products sync was asked for but KARAT_PRODUCTS_URL is not set")
KR_SLUG(MISSING_ARGUMENT, "missing_argument", KR_EINVAL, 400, "a required argument is missing")
KR_SLUG(BAD_OPTION, "bad_option", KR_EINVAL, 400, "an option has an invalid value")
KR_SLUG(BAD_VALUE, "bad_value", KR_EINVAL, 400, "a list entry has control characters")
KR_SLUG(VALUE_TOO_LONG, "value_too_long", KR_EINVAL, 400, "a list entry is too long")
KR_SLUG(BAD_NAME, "bad_name", KR_EINVAL, 400, "an invalid bucket or key name")
KR_SLUG(BAD_BUCKET, "bad_bucket", KR_EINVAL, 400, "an invalid bucket name")
KR_SLUG(BAD_KEY, "bad_key", KR_EINVAL, 400, "an invalid file key")
KR_SLUG(BAD_LOCATION, "bad_location", KR_EINVAL, 400, "an invalid storage location")
KR_SLUG(BLOB_CLOSED, "blob_closed", KR_EINVAL, 400, "the file store has no backend")
KR_SLUG(BAD_FILENAME, "bad_filename", KR_EINVAL, 400, "an invalid output file name")
KR_SLUG(BAD_DIR, "bad_dir", KR_EINVAL, 400, "an invalid output folder")
KR_SLUG(BAD_SHA256, "bad_sha256", KR_EINVAL, 400, "not a SHA-256 hex digest")
KR_SLUG(BAD_DESCRIPTOR, "bad_descriptor", KR_EINVAL, 400, "an image descriptor of the wrong size")
KR_SLUG(BAD_RULE, "bad_rule", KR_EINVAL, 400, "an invalid duplicate rule")
KR_SLUG(BAD_INDEX_OPTS, "bad_index_opts", KR_EINVAL, 400, "invalid index options")
KR_SLUG(BAD_TOP_K, "bad_top_k", KR_EINVAL, 400, "top_k is out of range")
KR_SLUG(BAD_FORMAT, "bad_format", KR_EINVAL, 400, "an output image format other than jpeg or png")
KR_SLUG(BAD_QUALITY, "bad_quality", KR_EINVAL, 400, "an image quality out of range")
KR_SLUG(BAD_SIZE, "bad_size", KR_EINVAL, 400, "an invalid image size")
KR_SLUG(BAD_PIXELS, "bad_pixels", KR_EINVAL, 400, "no or malformed pixels")
KR_SLUG(BAD_CANVAS, "bad_canvas", KR_EINVAL, 400, "an invalid canvas size or fill")
KR_SLUG(BAD_PLACEMENT, "bad_placement", KR_EINVAL, 400, "a piece placement out of range")
KR_SLUG(BAD_SHADOW, "bad_shadow", KR_EINVAL, 400, "shadow must be true or false")
KR_SLUG(BAD_IMAGE_SIZE, "bad_image_size", KR_EINVAL, 400,
        "size must be 2000x2000 or 1080x1440")
KR_SLUG(NO_BACKGROUND, "no_background", KR_EINVAL, 400, "no background was given or found")
KR_SLUG(NO_PIECE_FOUND, "no_piece_found", KR_EINVAL, 400,
        "no jewellery piece was found in the photo")
KR_SLUG(DIMENSIONS_REQUIRED, "dimensions_required", KR_EINVAL, 400,
        "this image type needs dimensions")
KR_SLUG(BAD_SIZE_UNIT, "bad_size_unit", KR_EINVAL, 400, "an unknown size unit")
KR_SLUG(BAD_SIZE_VALUE, "bad_size_value", KR_EINVAL, 400,
        "a size value that is not a positive number")
KR_SLUG(BAD_IMAGE_TYPES, "bad_image_types", KR_EINVAL, 400, "an invalid list of image types")
KR_SLUG(UNKNOWN_IMAGE_TYPE, "unknown_image_type", KR_EINVAL, 400, "an unknown image type")
KR_SLUG(DUPLICATE_IMAGE_TYPE, "duplicate_image_type", KR_EINVAL, 400, "an image type listed twice")
KR_SLUG(TOO_MANY_IMAGE_TYPES, "too_many_image_types", KR_EINVAL, 400, "too many image types")
KR_SLUG(BAD_NUM_IMAGES, "bad_num_images", KR_EINVAL, 400, "num_images is out of range")
KR_SLUG(PROVIDER_IMAGE_LIMIT, "provider_image_limit", KR_EINVAL, 400,
        "more input images than the image provider takes")
KR_SLUG(MISSING_IMAGE, "missing_image", KR_EINVAL, 400, "an image is required")
KR_SLUG(MISSING_IMAGES, "missing_images", KR_EINVAL, 400, "images are required")
KR_SLUG(MISSING_PROMPT, "missing_prompt", KR_EINVAL, 400, "a prompt is required")
KR_SLUG(MISSING_TEXT, "missing_text", KR_EINVAL, 400, "there is no previous text to rewrite")
KR_SLUG(NOT_A_DOCUMENT, "not_a_document", KR_EINVAL, 400,
        "the file is neither an image Karat reads nor a PDF")
KR_SLUG(CORRUPT_PDF, "corrupt_pdf", KR_EINVAL, 400, "the PDF is damaged or empty")
KR_SLUG(ENCRYPTED_PDF, "encrypted_pdf", KR_EINVAL, 400,
        "the PDF is encrypted (password protected); save an unprotected copy")
KR_SLUG(NO_TABLE_FOUND, "no_table_found", KR_EINVAL, 400, "no table was found on the bill")
KR_SLUG(NOT_A_PDF, "not_a_pdf", KR_EINVAL, 400, "the file is not a PDF")
KR_SLUG(UNKNOWN_INVOICE, "unknown_invoice", KR_EINVAL, 400,
        "not an Amazon.in, Flipkart or Meesho tax invoice Karat can read")
KR_SLUG(INCOMPLETE_INVOICE, "incomplete_invoice", KR_EINVAL, 400,
        "the invoice's order number or item lines were not found")
KR_SLUG(NO_FIELDS, "no_fields", KR_EINVAL, 400, "attribute extraction needs fields")
KR_SLUG(MISSING_SKUS, "missing_skus", KR_EINVAL, 400, "SKUs are required")
KR_SLUG(SKU_COUNT_MISMATCH, "sku_count_mismatch", KR_EINVAL, 400, "SKU and image counts differ")
KR_SLUG(IMAGE_COUNT_MISMATCH, "image_count_mismatch", KR_EINVAL, 400, "image counts differ")
KR_SLUG(COUNT_MISMATCH, "count_mismatch", KR_EINVAL, 400, "list lengths that must match differ")
KR_SLUG(DUPLICATE_SKU, "duplicate_sku", KR_EINVAL, 400, "a SKU is listed twice")
KR_SLUG(BAD_MARKETPLACE, "bad_marketplace", KR_EINVAL, 400, "an invalid marketplace name")
KR_SLUG(UNKNOWN_MARKETPLACE, "unknown_marketplace", KR_EINVAL, 400,
        "no sheet for this marketplace and product type")
KR_SLUG(BAD_GROUP_SIZES, "bad_group_sizes", KR_EINVAL, 400, "invalid variation group sizes")
KR_SLUG(BAD_VARIATION, "bad_variation", KR_EINVAL, 400, "an invalid variation request")
KR_SLUG(BAD_TEMPLATE, "bad_template", KR_EINVAL, 400, "the .xlsx template cannot be used")
KR_SLUG(BAD_ZIP, "bad_zip", KR_EINVAL, 400, "the ZIP archive is malformed")
KR_SLUG(ZIP_MISMATCH, "zip_mismatch", KR_EINVAL, 400, "a file is not in the named ZIP")
KR_SLUG(BAD_PROFILE, "bad_profile", KR_EINVAL, 400, "the seller profile is malformed")
KR_SLUG(BAD_SCHEMA, "bad_schema", KR_EINVAL, 400, "a marketplace schema is malformed")
KR_SLUG(BAD_ROW, "bad_row", KR_EINVAL, 400, "a sheet row is malformed")
KR_SLUG(BAD_ROWS, "bad_rows", KR_EINVAL, 400, "the sheet rows are malformed")
KR_SLUG(NO_ITEMS, "no_items", KR_EINVAL, 400, "a job needs at least one item")
KR_SLUG(BAD_JOB_KIND, "bad_job_kind", KR_EINVAL, 400, "a job kind without a name or worker")
KR_SLUG(UNKNOWN_JOB_KIND, "unknown_job_kind", KR_EINVAL, 400, "no job kind of this name")
KR_SLUG(STORE_CONSTRAINT, "store_constraint", KR_EINVAL, 400, "the database refused the values")
KR_SLUG(STORE_VALUE_TOO_LONG, "store_value_too_long", KR_EINVAL, 400, "a value too long to store")
KR_SLUG(STORE_BAD_VALUE, "store_bad_value", KR_EINVAL, 400, "a value the database cannot store (invalid UTF-8 or a NUL byte)")
KR_SLUG(BAD_SCHEMA_VERSION, "bad_schema_version", KR_EINVAL, 400, "no such database schema version")
KR_SLUG(BAD_CONFIG, "bad_config", KR_EINVAL, 400, "a setting has an invalid value")
KR_SLUG(BAD_API_KEYS, "bad_api_keys", KR_EINVAL, 400, "an API key is too short or malformed")
KR_SLUG(NO_AUTH, "no_auth", KR_EINVAL, 400, "a non-loopback address without API keys")
KR_SLUG(BAD_LISTEN, "bad_listen", KR_EINVAL, 400, "an invalid listen address")
KR_SLUG(BAD_ROUTE, "bad_route", KR_EINVAL, 400, "an invalid route table entry")
KR_SLUG(BAD_CORS_ORIGINS, "bad_cors_origins", KR_EINVAL, 400, "an invalid CORS origin list")
KR_SLUG(BAD_TRUSTED_PROXIES, "bad_trusted_proxies", KR_EINVAL, 400, "an invalid trusted proxy list")
KR_SLUG(BAD_ALLOWED_HOSTS, "bad_allowed_hosts", KR_EINVAL, 400, "an invalid allowed host list")

/* ---- valid requests this setup cannot do ---- */
KR_SLUG(UNSUPPORTED, "unsupported", KR_EUNSUPPORTED, 400, "this provider cannot do that")
KR_SLUG(AI_NO_KEY, "ai_no_key", KR_EUNSUPPORTED, 400, "the AI provider has no API key")
KR_SLUG(IMAGE_PROVIDER_OFFLINE, "image_provider_offline", KR_EUNSUPPORTED, 400,
        "this image type needs an image model; the image provider is offline")
KR_SLUG(BACKGROUND_TOO_COMPLEX, "background_too_complex", KR_EUNSUPPORTED, 400,
        "the photo's background is too complex to cut out offline")
KR_SLUG(CLAIMS_UNSUPPORTED, "claims_unsupported", KR_EUNSUPPORTED, 400,
        "this store keeps no job claims (one process owns its jobs)")
KR_SLUG(NO_STORE, "no_store", KR_EUNSUPPORTED, 400, "templates need the server's store")
KR_SLUG(STORE_TOO_NEW, "store_too_new", KR_EUNSUPPORTED, 400,
        "the database was written by a newer Karat")
KR_SLUG(STORE_NO_WATCH, "store_no_watch", KR_EUNSUPPORTED, 400,
        "the record store backend has no market watch list")
KR_SLUG(STORE_NO_SYNC, "store_no_sync", KR_EUNSUPPORTED, 400,
        "this store backend shares no changes between nodes (one process writes it)")
KR_SLUG(UNKNOWN_BACKEND, "unknown_backend", KR_EUNSUPPORTED, 400, "no storage backend of that name")
KR_SLUG(UNKNOWN_KIND, "unknown_kind", KR_EUNSUPPORTED, 400,
        "a stored job of a kind this server does not run")
KR_SLUG(METHOD_NOT_ALLOWED, "method_not_allowed", KR_EUNSUPPORTED, 405,
        "known path, other method (Allow lists the methods)")
KR_SLUG(UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", KR_EUNSUPPORTED, 415,
        "an upload endpoint got something other than a form")
KR_SLUG(AI_UNAVAILABLE, "ai_unavailable", KR_EUNSUPPORTED, 503, "the AI layer is not configured")
KR_SLUG(OCR_UNAVAILABLE, "ocr_unavailable", KR_EUNSUPPORTED, 503,
        "offline text recognition is not installed (tesseract language data missing)")
KR_SLUG(UNAVAILABLE, "unavailable", KR_EUNSUPPORTED, 503,
        "the catalog pipeline or job runner is not running")

/* ---- credentials (401) ---- */
KR_SLUG(UNAUTHORIZED, "unauthorized", KR_EAUTH, 401, "API key missing or wrong")

/* ---- not found (404) ---- */
KR_SLUG(NOT_FOUND, "not_found", KR_ENOTFOUND, 404, "no such path, file or image")
KR_SLUG(FILE_NOT_FOUND, "file_not_found", KR_ENOTFOUND, 404, "no such file on disk")
KR_SLUG(CONFIG_NOT_FOUND, "config_not_found", KR_ENOTFOUND, 404, "the config file does not exist")
KR_SLUG(BLOB_NOT_FOUND, "blob_not_found", KR_ENOTFOUND, 404, "no such stored file")
KR_SLUG(S3_BAD_REPLY, "s3_bad_reply", KR_EUPSTREAM, 502, "the object store answered something unreadable")
KR_SLUG(S3_DENIED, "s3_denied", KR_EUPSTREAM, 502,
        "the object store refused Karat's request (credentials, signature, bucket policy)")
KR_SLUG(S3_ERROR, "s3_error", KR_EUPSTREAM, 502, "the object store refused a request")
KR_SLUG(S3_INIT, "s3_init", KR_EINTERNAL, 500, "the object-store client could not be set up")
KR_SLUG(S3_NO_CREDENTIALS, "s3_no_credentials", KR_EINVAL, 400,
        "KARAT_BLOB=s3 without AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
KR_SLUG(S3_SLOW_DOWN, "s3_slow_down", KR_ERATELIMIT, 429, "the object store asked Karat to slow down")
KR_SLUG(S3_TIMEOUT, "s3_timeout", KR_ETIMEOUT, 504, "the object store did not answer in time")
KR_SLUG(S3_UNREACHABLE, "s3_unreachable", KR_EIO, 500, "the object store could not be reached")
KR_SLUG(DOC_NOT_FOUND, "doc_not_found", KR_ENOTFOUND, 404, "no such stored document")
KR_SLUG(IMAGE_NOT_FOUND, "image_not_found", KR_ENOTFOUND, 404, "no such image")
KR_SLUG(PRODUCT_NOT_FOUND, "product_not_found", KR_ENOTFOUND, 404, "no such product")
KR_SLUG(COLLECTION_NOT_FOUND, "collection_not_found", KR_ENOTFOUND, 404, "no such collection")
KR_SLUG(JOB_NOT_FOUND, "job_not_found", KR_ENOTFOUND, 404, "no such job")
KR_SLUG(WATCH_NOT_FOUND, "watch_not_found", KR_ENOTFOUND, 404, "no such market watch")
KR_SLUG(NO_TEMPLATE, "no_template", KR_ENOTFOUND, 404, "no stored template for this sheet")
KR_SLUG(NO_SHEET_SCHEMA, "no_sheet_schema", KR_ENOTFOUND, 404,
        "no sheet schema for this marketplace and product type")
KR_SLUG(NOT_IN_ZIP, "not_in_zip", KR_ENOTFOUND, 404, "no such file in the ZIP")
KR_SLUG(NOT_INDEXED, "not_indexed", KR_ENOTFOUND, 404, "the image is not in the index")
KR_SLUG(PIECE_NOT_IN_SCENE, "piece_not_in_scene", KR_ENOTFOUND, 404,
        "the generated scene does not show the piece")

/* ---- conflicts (409) ---- */
KR_SLUG(ADDRESS_IN_USE, "address_in_use", KR_ECONFLICT, 409, "the listen address is in use")
KR_SLUG(BACKEND_EXISTS, "backend_exists", KR_ECONFLICT, 409,
        "a storage backend of that name exists")
KR_SLUG(DATA_DIR_BUSY, "data_dir_busy", KR_ECONFLICT, 409, "another Karat uses the data folder")
KR_SLUG(ID_EXHAUSTED, "id_exhausted", KR_ECONFLICT, 409, "no free image id for these bytes")
KR_SLUG(CLAIM_BUSY, "claim_busy", KR_ECONFLICT, 409,
        "a job item is done or leased by another node")
KR_SLUG(CLAIM_LOST, "claim_lost", KR_ECONFLICT, 409,
        "a job item's lease ran out and another node took it over")
KR_SLUG(CHANGES_PRUNED, "changes_pruned", KR_ECONFLICT, 409,
        "changes a node had not replayed were pruned: it reloads its index from the store")
KR_SLUG(DOC_CHANGED, "doc_changed", KR_ECONFLICT, 409,
        "the document has a newer version than the one the edit started from")
KR_SLUG(JOB_KIND_TAKEN, "job_kind_taken", KR_ECONFLICT, 409, "a job kind of that name exists")
KR_SLUG(JOB_NOT_FINISHED, "job_not_finished", KR_ECONFLICT, 409, "the job has no result yet")
KR_SLUG(JOBS_STARTED, "jobs_started", KR_ECONFLICT, 409, "the job runner is already started")
KR_SLUG(STORE_CONFLICT, "store_conflict", KR_ECONFLICT, 409, "the record exists already")

/* ---- limits (413) ---- */
KR_SLUG(TOO_LARGE, "too_large", KR_ELIMIT, 413, "a body, file or value is over its size limit")
KR_SLUG(JSON_TOO_LARGE, "json_too_large", KR_ELIMIT, 413, "the JSON body is over its limit")
KR_SLUG(FIELD_TOO_LARGE, "field_too_large", KR_ELIMIT, 413, "a form field is over its limit")
KR_SLUG(TOO_MANY_FIELDS, "too_many_fields", KR_ELIMIT, 413, "too many form fields and files")
KR_SLUG(IMAGE_TOO_LARGE, "image_too_large", KR_ELIMIT, 413, "the image is over its byte limit")
KR_SLUG(TOO_MANY_PIXELS, "too_many_pixels", KR_ELIMIT, 413, "the image is over its pixel limit")
KR_SLUG(TOO_MANY_IMAGES, "too_many_images", KR_ELIMIT, 413, "too many images for one model request")
KR_SLUG(TOO_MANY_ITEMS, "too_many_items", KR_ELIMIT, 413, "too many items in one request")
KR_SLUG(TOO_MANY_PAGES, "too_many_pages", KR_ELIMIT, 413, "the PDF has more pages than allowed")
KR_SLUG(TOO_MANY_ROWS, "too_many_rows", KR_ELIMIT, 413, "the rows do not fit in the sheet")
KR_SLUG(TOO_MANY_SCHEMAS, "too_many_schemas", KR_ELIMIT, 413, "too many marketplace schemas")
KR_SLUG(TOO_MANY_ENTRIES, "too_many_entries", KR_ELIMIT, 413, "too many files for one ZIP")
KR_SLUG(TOO_MANY_BACKENDS, "too_many_backends", KR_ELIMIT, 413,
        "no room for another storage backend")
KR_SLUG(TEMPLATE_TOO_LARGE, "template_too_large", KR_ELIMIT, 413,
        "the .xlsx template is over its limit")
KR_SLUG(PROFILE_TOO_LARGE, "profile_too_large", KR_ELIMIT, 413,
        "the seller profile is over its limit")
KR_SLUG(INDEX_FULL, "index_full", KR_ELIMIT, 413, "the image index is full")
KR_SLUG(PATH_TOO_LONG, "path_too_long", KR_ELIMIT, 413, "a file path is too long")

/* ---- try later (429, with Retry-After) ---- */
KR_SLUG(BUSY, "busy", KR_ERATELIMIT, 429, "no work slot is free")
KR_SLUG(CLIENT_BUSY, "client_busy", KR_ERATELIMIT, 429, "this client uses all its work slots")
KR_SLUG(TOO_MANY_CONNECTIONS, "too_many_connections", KR_ERATELIMIT, 429,
        "too many requests at once from one client behind a trusted proxy")
KR_SLUG(AI_RATE_LIMITED, "ai_rate_limited", KR_ERATELIMIT, 429, "the AI provider's rate limit")

/* ---- a provider failed (502, 503) ---- */
KR_SLUG(AI_AUTH, "ai_auth", KR_EUPSTREAM, 502, "the AI provider refused Karat's API key")
KR_SLUG(AI_FAILED, "ai_failed", KR_EUPSTREAM, 502, "the AI provider kept failing")
KR_SLUG(AI_REQUEST_FAILED, "ai_request_failed", KR_EUPSTREAM, 502, "the AI request failed")
KR_SLUG(BAD_MODEL_REPLY, "bad_model_reply", KR_EUPSTREAM, 502, "the model's reply was unusable")
KR_SLUG(BLOCKED_PROMPT, "blocked_prompt", KR_EUPSTREAM, 502, "the provider refused the prompt")
KR_SLUG(BLOCKED_REPLY, "blocked_reply", KR_EUPSTREAM, 502, "the provider withheld its reply")
KR_SLUG(NO_IMAGE, "no_image", KR_EUPSTREAM, 502, "the image model returned no image")
KR_SLUG(PROVIDER_CUTOUT_FAILED, "provider_cutout_failed", KR_EUPSTREAM, 502,
        "the provider could not cut the piece out")
KR_SLUG(FETCH_FAILED, "fetch_failed", KR_EUPSTREAM, 502, "a URL could not be fetched")
KR_SLUG(UPSTREAM_UNREACHABLE, "upstream_unreachable", KR_EUPSTREAM, 502,
        "a remote service could not be reached")
KR_SLUG(MARKET_BLOCKED, "market_blocked", KR_EUPSTREAM, 502,
        "the marketplace answered with a captcha, robot check or access-denied page")
KR_SLUG(MARKET_LAYOUT, "market_layout", KR_EUPSTREAM, 502,
        "the marketplace page's layout is not one Karat reads (neither its structured data nor known markup)")
/* market watch fetcher (src/watch) */
KR_SLUG(MARKET_HOST_REFUSED, "market_host_refused", KR_EINVAL, 400,
        "the market fetcher only fetches from the configured marketplaces' hosts")
KR_SLUG(ROBOTS_DISALLOWED, "robots_disallowed", KR_EUPSTREAM, 502,
        "the marketplace's robots.txt disallows fetching that page")
KR_SLUG(MARKET_PAGE_NOT_FOUND, "market_page_not_found", KR_ENOTFOUND, 404,
        "the marketplace has no such page (HTTP 404 or 410)")
KR_SLUG(MARKET_UNAVAILABLE, "market_unavailable", KR_EUPSTREAM, 502,
        "the marketplace kept answering 5xx or 429, or its robots.txt could not be read")
KR_SLUG(JOB_FAILED, "job_failed", KR_EUPSTREAM, 502, "the job failed")
KR_SLUG(NO_ROWS, "no_rows", KR_EUPSTREAM, 502, "every item of the job failed")
KR_SLUG(NOTHING_DONE, "nothing_done", KR_EUPSTREAM, 502, "no requested image could be made")
KR_SLUG(AI_QUOTA, "ai_quota", KR_EQUOTA, 503, "the AI provider's quota for Karat's key is used up")

/* ---- too slow (504) ---- */
KR_SLUG(TIMEOUT, "timeout", KR_ETIMEOUT, 504, "an operation timed out")
KR_SLUG(AI_TIMEOUT, "ai_timeout", KR_ETIMEOUT, 504, "the AI provider did not answer in time")
KR_SLUG(STORE_BUSY, "store_busy", KR_ETIMEOUT, 504, "the database stayed locked too long")
KR_SLUG(JOB_RUNNING, "job_running", KR_ETIMEOUT, 504, "the job is still running after the wait")
