/*
 * routes.c - the one route table Karat serves.
 *
 * Paths and methods follow the original system so its clients keep working;
 * the handlers live in one file per resource (see api.h). Adding an endpoint
 * means adding its handler prototype to api.h and one row here. Every
 * handler follows one return convention (api_int.h): it returns void and
 * leaves its answer in res; its steps that may answer return 0 / -1 (-1 =
 * the answer is written), the others enum kr_code, which the handler turns
 * into the answer with http_res_from_err().
 */
#include "api/api.h"
#include "web/web.h"

static const struct http_route routes[] = {
    /* operations */
    {"GET", "/health", api_health, HTTP_PUBLIC, "health"},
    {"GET", "/metrics", api_metrics, 0, "metrics"},
    /* stored files */
    {"GET", "/files/{bucket}/{key}", api_get_file, HTTP_PREFIX, "files"},
    {"HEAD", "/files/{bucket}/{key}", api_get_file, HTTP_PREFIX, "files"},
    /* images: upload, duplicate detection, search, delete */
    {"POST", "/image_similarity_search", api_image_similarity_search, 0, NULL},
    {"POST", "/upload-and-index", api_upload_and_index, 0, NULL},
    {"POST", "/image-search", api_image_search, 0, NULL},
    {"POST", "/delete_image", api_delete_image, 0, NULL},
    /* captions: describe a photo, rewrite copy */
    {"POST", "/generate_caption", api_generate_caption, 0, NULL},
    {"POST", "/regenerate", api_regenerate, 0, NULL},
    {"POST", "/regenerate_title", api_regenerate_title, 0, NULL},
    /* catalog: marketplace sheets from photos, as jobs */
    {"POST", "/catalog-ai", api_catalog_ai, 0, NULL},
    {"POST", "/catalog_ai_variations", api_catalog_variations, 0, NULL},
    {"POST", "/templates/{marketplace}/{type}", api_template_put, 0, "templates"},
    {"GET", "/templates/{marketplace}/{type}", api_template_get, 0, "templates"},
    {"POST", "/clear_excel_file", api_clear_excel_file, 0, NULL},
    {"GET", "/jobs/{id}", api_job_status, 0, "jobs"},
    /* products and collections (products.c) */
    {"GET", "/products", api_list_products, 0, "products"},
    {"POST", "/products/import", api_products_import, 0, "products"},
    {"POST", "/products/sync", api_products_sync, 0, "products"},
    {"GET", "/products/{id}", api_product_get, 0, "products"},
    {"PUT", "/products/{id}", api_product_put, 0, "products"},
    {"DELETE", "/products/{id}", api_product_delete, 0, "products"},
    {"POST", "/semantic_filter_jewelry/", api_semantic_filter, 0, NULL},
    {"GET", "/collections/styles", api_collection_styles, 0, "collections"},
    {"GET", "/collections/{id}", api_collection_get, 0, "collections"},
    {"GET", "/collections/{id}/csv", api_collection_csv, 0, "collections"},
    /* market watch (market.c) */
    {"POST", "/get_rank_product", api_get_rank_product, 0, NULL},
    {"POST", "/competitor_analysis", api_competitor_analysis, 0, NULL},
    {"POST", "/get_number_of_offers", api_get_number_of_offers, 0, NULL},
    {"POST", "/watch", api_watch_add, 0, "watch"},
    {"GET", "/watch", api_watch_list, 0, "watch"},
    {"GET", "/watch/{id}", api_watch_get, 0, "watch"},
    {"DELETE", "/watch/{id}", api_watch_delete, 0, "watch"},
    {"POST", "/watch/{id}/refresh", api_watch_refresh, 0, "watch"},
    /* image studio: marketplace images from a stored photo */
    {"POST", "/generate-images", api_generate_images, 0, NULL},
    {"POST", "/regenerate-image", api_regenerate_image, 0, NULL},
    /* bills and invoices: checked tables, stored as document versions */
    {"GET", "/documents/{id}", api_get_document, 0, "documents"},
    {"PUT", "/documents/{id}", api_put_document, 0, "documents"},
    {"GET", "/undo_invoice", api_undo_invoice, 0, NULL},
    {"POST", "/further_req", api_further_req, 0, NULL},
    {"POST", "/process-image-and-prompt/", api_process_image, 0, NULL},
    {"GET", "/download/", api_download, 0, NULL},
    {"POST", "/create_order", api_create_order, 0, NULL},
    /* browser app (web/): the page, its assets, the API description; public
     * like /health (they hold no data). The app's own reads need the key. */
    {"GET", "/", web_index, HTTP_PUBLIC, "web"},
    {"GET", "/app/{path}", web_file, HTTP_PUBLIC | HTTP_PREFIX, "web"},
    {"GET", "/openapi.json", web_openapi, HTTP_PUBLIC, "openapi"},
    {"GET", "/docs", web_docs, HTTP_PUBLIC, "docs"},
    {"GET", "/images", api_list_images, 0, "images"},
    {"GET", "/thumbs/{bucket}/{key}", api_thumb, HTTP_PREFIX, "thumbs"},
    {"GET", "/status", api_status, 0, "status"},
    {"GET", "/jobs", api_list_jobs, 0, "jobs"},
};

const struct http_route *api_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
