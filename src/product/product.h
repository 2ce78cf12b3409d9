/*
 * product.h - products and the collections curated from them.
 *
 * A product is one piece a seller offers: id, SKU, name, description,
 * attributes (a JSON object), colour, category, price, created_at, the
 * stored photos it was made from and the marketplace listings Karat made
 * for it. The record store keeps the rows and their full-text index
 * (store.h, "products"); this module owns what they mean: the JSON form
 * and its validation (product.c), imports from CSV, from JSON in the shape
 * of the original system's products API ({"data": [{"id",
 * "product_name", ...}]}) and from an upstream products URL (import.c),
 * the rows captions and catalog jobs leave behind (product_note), and
 * the collections of POST /semantic_filter_jewelry/ (collection*.c).
 *
 * JSON form of a product (what GET /products/{id} answers):
 *   {"id", "sku", "name", "description", "attributes": {...}, "colour",
 *    "category", "price", "created_at": "2026-01-02T03:04:05Z",
 *    "photo_ids": [int...], "listings": [{...}...]}
 * Input also takes the original's names (product_name, color) and
 * attributes as a JSON text or plain text.
 *
 * Library code: never prints; every failure is a kr_err with a slug.
 * Thread safety: every function may be called from any thread.
 */
#ifndef KARAT_PRODUCT_PRODUCT_H
#define KARAT_PRODUCT_PRODUCT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct store;
struct net_fetch_opts;

#define PRODUCT_PAGE_MAX       200 /* GET /products: most rows per page */
#define PRODUCT_PHOTOS_MAX     64  /* photo ids per product */
#define PRODUCT_LISTINGS_MAX   64  /* listings kept per product */
#define PRODUCT_IMPORT_MAX     100000
#define PRODUCT_COLLECTION_MAX 100 /* collection_size */
#define PRODUCT_EXTRAS_MAX     100 /* extra_jwellery ids */

/* ---- records (product.c) ---- */

/* Validate `in` (a product in JSON form or the original's names) and
 * store it, replacing the row with its id. id_override (may be NULL) is
 * the id from the URL: a body id that differs is refused. *out (may be
 * NULL) gets the stored form. Bad values: KR_EINVAL (bad_product). */
enum kr_code product_put_json(struct store *s, const char *id_override, json_t *in, json_t **out,
                              struct kr_err *err);
/* KR_ENOTFOUND (product_not_found) when absent. */
enum kr_code product_get_json(struct store *s, const char *id, json_t **out, struct kr_err *err);
enum kr_code product_delete(struct store *s, const char *id, struct kr_err *err);

/* Filters of a listing, as text from a query string or the CLI (NULL or ""
 * = no filter); dates are YYYY-MM-DD (a whole day) or ISO 8601 times. */
struct product_filter {
    const char *category, *colour;
    const char *min_price, *max_price;
    const char *from, *to;
    const char *text; /* every word must occur (full-text search) */
    int limit, offset;
};
/* {"products": [...], "limit", "offset", "next_offset" (null at the end)}.
 * A malformed filter is KR_EINVAL (bad_argument). */
enum kr_code product_list_json(struct store *s, const struct product_filter *f, json_t **out,
                               struct kr_err *err);

/* What a caption or a catalog job learnt about one stored photo. The
 * product is the photo's ("img-<image id>" unless sku names one); fields
 * that are NULL or empty leave the stored ones as they are; a listing is
 * appended (one per marketplace + SKU, a newer one replaces it). */
struct product_note {
    int64_t image_id;
    const char *sku, *name, *description, *colour, *category;
    const json_t *attributes; /* object, may be NULL */
    double price;             /* <= 0: unknown */
    const json_t *listing;    /* object (marketplace, sku, title, job...), may be NULL */
};
enum kr_code product_note(struct store *s, const struct product_note *n, struct kr_err *err);

/* ---- import (import.c) ---- */

struct product_import_stats {
    int imported;
};
/* Import a products file: JSON ({"data": [...]} or an array of products)
 * or CSV with a header row (id, sku, name|product_name, description,
 * attributes, colour|color, category, price, created_at, photo_ids).
 * Every record is checked before any is stored: one bad record refuses
 * the whole file (KR_EINVAL, bad_import, naming the record). */
enum kr_code product_import(struct store *s, const char *data, size_t n,
                            struct product_import_stats *st, struct kr_err *err);
/* Fetch `url` under the SSRF rules of o (the original's contract: a form
 * POST of start_date, end_date, start_price, end_price, category from f,
 * answered with {"data": [...]}) and import the answer. */
enum kr_code product_sync(struct store *s, const char *url, const struct net_fetch_opts *o,
                          const struct product_filter *f, struct product_import_stats *st,
                          struct kr_err *err);

/* ---- collections (collection.c, collection_out.c, styles.c) ---- */

/* Number of styles and the i-th style's name and description. */
int product_style_count(void);
const char *product_style_name(int i);
const char *product_style_text(int i);

/* Ranking by meaning: a text embedder (the caller wires a provider in;
 * this module never talks to one itself). embed() writes n vectors of dim
 * floats, L2-normalised, for texts[0..n-1] (n <= batch); query 1 for the
 * request's text, 0 for products' texts. Any failure of it is a provider
 * failure: the collection is then ranked offline and says so. */
struct product_embedder {
    const char *model; /* the cache key's model name ("vendor:model:dim") */
    int dim, batch;
    enum kr_code (*embed)(void *ctx, int query, const char *const *texts, int n, float *out,
                          struct kr_err *err);
    void *ctx;
};
/* A collection's title and description written by a provider (api/ passes
 * the AI layer's copy provider in; product/ does not link it). The ask is
 * what the templates know; write() fills *title and *description
 * (malloc'd) or fails: KR_EUNSUPPORTED means "no provider" (the templates
 * stay, silently), any other failure is reported in "copy_note". */
struct product_copy_ask {
    const char *pieces;   /* one line per chosen piece: name | category | colour | price | attrs */
    const char *audience; /* "" when not said */
    const char *styles;   /* "name: description" per style, one per line */
    const char *notes;    /* the request's manual_prompt */
    const char *draft_title, *draft_description;
};
struct product_writer {
    enum kr_code (*write)(void *ctx, const struct product_copy_ask *q, char **title,
                          char **description, struct kr_err *err);
    void *ctx;
};
struct product_collection_opts {
    const struct product_embedder *emb; /* NULL: offline ranking */
    double weight;                      /* embedding share of the score (0..1) */
    int candidates;                     /* most filtered products ranked by meaning */
    const struct product_writer *writer; /* NULL: title and description from templates */
};

/* POST /semantic_filter_jewelry/: `body` is {"user_needs": {...}}. Picks
 * the pieces (filters exact; with o->emb, the filtered products ranked by
 * embedding similarity blended with BM25, each product's vector cached in
 * the store by (model, text hash); else, or when the provider fails, BM25
 * ranking expanded with the styles, audience and prompt; no near-identical
 * pieces, extras appended once if they exist), writes title and description
 * from templates, stores the collection and answers {"top_jewelry_ids",
 * "collection_description", "collection_title", "collection_id",
 * "ranking": "embeddings"|"offline", "ranking_note" (only when the
 * provider failed: why)}. o may be NULL (offline). A bad request or an
 * unknown style is KR_EINVAL with the reason (unknown_style lists the
 * valid names); a store failure is an error, never a fallback. */
enum kr_code product_collection(struct store *s, json_t *body,
                                const struct product_collection_opts *o, json_t **out,
                                struct kr_err *err);
/* The stored collection (KR_ENOTFOUND: collection_not_found). */
enum kr_code product_collection_get(struct store *s, const char *id, json_t **out,
                                    struct kr_err *err);
/* The collection as CSV (position, id, name, colour, category, price,
 * image_urls) into *csv (malloc'd). */
enum kr_code product_collection_csv(struct store *s, const char *id, char **csv,
                                    struct kr_err *err);

#endif
