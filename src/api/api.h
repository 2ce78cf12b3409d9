/*
 * api.h - Karat's HTTP endpoints: the route table and the handlers.
 *
 * Handlers are grouped by resource, one file each (images.c: upload, dedup,
 * search, delete; files.c: GET /files; ops.c: health, metrics; captions.c;
 * catalog.c; studio.c; jobs.c ...). Every handler gets the shared
 * `struct app` as its `app` argument. routes.c assembles the one table
 * that http/ serves; adding an endpoint = a handler + a row there.
 *
 * Compatibility: paths, field names and response keys follow the original
 * system so its clients keep working; errors
 * are always {"error", "code"} JSON with a 4xx/5xx status.
 */
#ifndef KARAT_API_API_H
#define KARAT_API_API_H

#include <jansson.h>
#include <stddef.h>

#include "app/app.h"
#include "core/config.h"
#include "http/http.h"

/* Every handler gets the application (app/app.h: config, repo, AI, jobs,
 * catalog, studio pool, admission slots) as its `app` argument. A part a
 * handler needs that is missing answers 503. */
struct app;

/* The whole route table. */
const struct http_route *api_routes(size_t *n);
/* Serving without API keys because KARAT_ALLOW_NO_AUTH says so (warned at
 * start and in /health). */
int api_auth_off(const struct config *cfg);

/* Resolve the `website` argument (default "alya") to a bucket (0), or write the
 * original's 400 {"error": "Invalid website. Use 'alya' or 'blysk'"} and return -1. */
int api_bucket_arg(struct app *app, struct http_request *req, struct http_response *res,
                   char *bucket, size_t n);

/* images.c */
/* http_server_opts.scope: the request's base URL (http_req_base_url) for
 * the file URLs made while its handler runs (repo_request_base). */
void api_request_scope(const struct http_request *r, int enter);
void api_image_similarity_search(struct http_request *req, struct http_response *res, void *app);
void api_upload_and_index(struct http_request *req, struct http_response *res, void *app);
void api_image_search(struct http_request *req, struct http_response *res, void *app);
void api_delete_image(struct http_request *req, struct http_response *res, void *app);
/* files.c */
void api_get_file(struct http_request *req, struct http_response *res, void *app);
/* captions.c: /generate_caption, /regenerate, /regenerate_title */
void api_generate_caption(struct http_request *req, struct http_response *res, void *app);
void api_regenerate(struct http_request *req, struct http_response *res, void *app);
void api_regenerate_title(struct http_request *req, struct http_response *res, void *app);
/* A described photo as /generate_caption answers it (shared with `karat
 * caption`): generated_name, quality, description, attributes, prompt, color
 * (new object; the caller adds display_name and s3_url). */
struct caption_result;
json_t *api_caption_json(const struct caption_result *c, const char *type);
/* catalog.c */
void api_catalog_ai(struct http_request *req, struct http_response *res, void *app);
void api_catalog_variations(struct http_request *req, struct http_response *res, void *app);
/* catalog.c: templates, clear_excel_file, job status */
void api_template_put(struct http_request *req, struct http_response *res, void *app);
void api_template_get(struct http_request *req, struct http_response *res, void *app);
void api_clear_excel_file(struct http_request *req, struct http_response *res, void *app);
void api_job_status(struct http_request *req, struct http_response *res, void *app);
/* products.c: products, their import and sync, collections */
void api_list_products(struct http_request *req, struct http_response *res, void *app);
void api_product_get(struct http_request *req, struct http_response *res, void *app);
void api_product_put(struct http_request *req, struct http_response *res, void *app);
void api_product_delete(struct http_request *req, struct http_response *res, void *app);
void api_products_import(struct http_request *req, struct http_response *res, void *app);
void api_products_sync(struct http_request *req, struct http_response *res, void *app);
void api_semantic_filter(struct http_request *req, struct http_response *res, void *app);
void api_collection_styles(struct http_request *req, struct http_response *res, void *app);
void api_collection_get(struct http_request *req, struct http_response *res, void *app);
void api_collection_csv(struct http_request *req, struct http_response *res, void *app);
/* studio.c: /generate-images, /regenerate-image (image studio) */
void api_generate_images(struct http_request *req, struct http_response *res, void *app);
void api_regenerate_image(struct http_request *req, struct http_response *res, void *app);
/* library.c: for the browser app: GET /images (stored photos, newest
 * first), GET /thumbs/{bucket}/{key}?w= (small JPEG), GET /status */
void api_list_images(struct http_request *req, struct http_response *res, void *app);
void api_thumb(struct http_request *req, struct http_response *res, void *app);
void api_status(struct http_request *req, struct http_response *res, void *app);
/* library.c: GET /jobs, the requesting client's recent jobs */
void api_list_jobs(struct http_request *req, struct http_response *res, void *app);
/* documents.c: stored bills (versions) and the per-client undo */
void api_get_document(struct http_request *req, struct http_response *res, void *app);
void api_put_document(struct http_request *req, struct http_response *res, void *app);
void api_undo_invoice(struct http_request *req, struct http_response *res, void *app);
/* bills.c: /further_req (refine rows offline) */
void api_further_req(struct http_request *req, struct http_response *res, void *app);
/* bills_image.c: /process-image-and-prompt/ (read a bill), GET /download/ (2024) */
void api_process_image(struct http_request *req, struct http_response *res, void *app);
void api_download(struct http_request *req, struct http_response *res, void *app);
/* orders.c: /create_order (a marketplace invoice PDF -> the order and its items) */
void api_create_order(struct http_request *req, struct http_response *res, void *app);
/* market.c: rank, competitor and offer look-ups on the marketplaces */
void api_get_rank_product(struct http_request *req, struct http_response *res, void *app);
void api_competitor_analysis(struct http_request *req, struct http_response *res, void *app);
void api_get_number_of_offers(struct http_request *req, struct http_response *res, void *app);
/* watch.c: the market watch list and its history */
void api_watch_add(struct http_request *req, struct http_response *res, void *app);
void api_watch_list(struct http_request *req, struct http_response *res, void *app);
void api_watch_get(struct http_request *req, struct http_response *res, void *app);
void api_watch_delete(struct http_request *req, struct http_response *res, void *app);
void api_watch_refresh(struct http_request *req, struct http_response *res, void *app);
/* ops.c */
void api_health(struct http_request *req, struct http_response *res, void *app);
void api_metrics(struct http_request *req, struct http_response *res, void *app);

#endif
