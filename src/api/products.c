/*
 * products.c - products and collections over HTTP:
 *
 *   GET    /products                  list with filters and paging
 *   GET    /products/{id}             one product
 *   PUT    /products/{id}             create or replace
 *   DELETE /products/{id}             delete
 *   POST   /products/import           a CSV or JSON file (raw body or form field "file")
 *   POST   /products/sync             pull from KARAT_PRODUCTS_URL with filters
 *   POST   /semantic_filter_jewelry/  curate a collection (the original's shapes)
 *   GET    /collections/styles        the style names and descriptions (for pickers)
 *   GET    /collections/{id}          a stored collection
 *   GET    /collections/{id}/csv      its CSV export (image URLs for social posts)
 *
 * src/product/ does the work; this file reads arguments and shapes
 * answers. Products need the record store (app->store). A collection is
 * ranked by meaning when the AI layer has an embedding provider
 * (KARAT_EMBED_PROVIDER); when that provider fails the answer is ranked
 * offline, says so in "ranking_note", and the server logs it.
 */
#include "api/api_int.h"

#include <stdlib.h>
#include <string.h>

#include "ai/ai.h"
#include "app/app.h"
#include "core/log.h"
#include "net/net.h"
#include "product/product.h"

static int need_store(struct app *app, struct http_response *res)
{
    if (app->store)
        return 0;
    http_res_error(res, KRS_NO_STORE, "products need the server's store");
    return -1;
}

static void answer(struct http_response *res, enum kr_code rc, const struct kr_err *err, int status,
                   json_t *body)
{
    if (rc) {
        json_decref(body);
        http_res_from_err(res, err);
    } else {
        http_res_json(res, status, body);
    }
}

/* The filters of a query string (the original's names are aliases). */
static const char *q2(struct http_request *req, const char *a, const char *b)
{
    const char *v = http_req_query(req, a);
    return v || !b ? v : http_req_query(req, b);
}

static int filter_args(struct http_request *req, struct http_response *res,
                       struct product_filter *f)
{
    *f = (struct product_filter){.category = q2(req, "category", NULL),
                                 .colour = q2(req, "colour", "color"),
                                 .min_price = q2(req, "min_price", "start_price"),
                                 .max_price = q2(req, "max_price", "end_price"),
                                 .from = q2(req, "from", "start_date"),
                                 .to = q2(req, "to", "end_date"),
                                 .text = q2(req, "q", NULL)};
    return api__int_arg(req, res, &(struct api_int_spec){"limit", 50, 1, PRODUCT_PAGE_MAX},
                        &f->limit) ||
           api__int_arg(req, res, &(struct api_int_spec){"offset", 0, 0, 1000000}, &f->offset);
}

void api_list_products(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct product_filter f;
    struct kr_err err = {0};
    json_t *out = NULL;

    if (need_store(app, res) || filter_args(req, res, &f))
        return;
    enum kr_code rc = product_list_json(app->store, &f, &out, &err);
    answer(res, rc, &err, 200, out);
}

void api_product_get(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct kr_err err = {0};
    json_t *out = NULL;

    if (need_store(app, res))
        return;
    enum kr_code rc = product_get_json(app->store, http_req_param(req, "id"), &out, &err);
    answer(res, rc, &err, 200, out);
}

void api_product_put(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct kr_err err = {0};
    json_t *body, *out = NULL;

    if (need_store(app, res) || !(body = http_req_json(req, res)))
        return;
    enum kr_code rc = product_put_json(app->store, http_req_param(req, "id"), body, &out, &err);
    answer(res, rc, &err, 200, out);
}

void api_product_delete(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct kr_err err = {0};
    const char *id = http_req_param(req, "id");

    if (need_store(app, res))
        return;
    enum kr_code rc = product_delete(app->store, id, &err);
    answer(res, rc, &err, 200, json_pack("{s:s, s:b}", "id", id, "deleted", 1));
}

void api_products_import(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct product_import_stats st = {0};
    struct kr_err err = {0};
    const struct buf *body = http_req_body(req);
    const char *data = body ? (const char *)body->data : NULL;
    size_t n = body ? body->len : 0;

    if (need_store(app, res))
        return;
    if (http_req_is_form(req)) {
        const struct http_file *f = NULL;
        if (api__image_file(req, res, "file", &f))
            return;
        data = (const char *)f->data;
        n = f->len;
    }
    if (!data || !n) {
        http_res_error(res, KRS_MISSING_FIELD, "send a CSV or JSON products file as the body");
        return;
    }
    enum kr_code rc = product_import(app->store, data, n, &st, &err);
    answer(res, rc, &err, 200, json_pack("{s:i}", "imported", st.imported));
}

void api_products_sync(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct product_import_stats st = {0};
    struct product_filter f;
    struct net_fetch_opts o;
    struct kr_err err = {0};

    if (need_store(app, res) || filter_args(req, res, &f))
        return;
    net_fetch_opts_from_config(app->cfg, &o);
    enum kr_code rc = product_sync(app->store, app->cfg->products_url, &o, &f, &st, &err);
    answer(res, rc, &err, 200, json_pack("{s:i}", "imported", st.imported));
}

/* unknown_style: the error fields plus every valid name. */
static void reply_unknown_style(struct http_response *res, const struct kr_err *err)
{
    json_t *o = json_object(), *names = json_array();

    api__error_fields(o, err->msg, err->slug_id);
    for (int i = 0; i < product_style_count(); i++)
        json_array_append_new(names, json_string(product_style_name(i)));
    json_object_set_new(o, "valid_styles", names);
    http_res_json(res, kr_slug_status(err->slug_id), o);
}

/* product_embedder.embed over the AI layer. */
static enum kr_code embed_texts(void *ctx, int query, const char *const *texts, int n, float *out,
                                struct kr_err *err)
{
    return ai_embed(ctx, query ? AI_EMBED_QUERY : AI_EMBED_DOCUMENT, texts, n, out, err);
}

/* product_writer.write over the AI layer's copy provider. */
static enum kr_code write_copy(void *ctx, const struct product_copy_ask *q, char **title,
                               char **description, struct kr_err *err)
{
    json_t *o = NULL;
    enum kr_code rc = ai_collection_copy(
        ctx,
        &(struct ai_collection_req){q->pieces, q->audience, q->styles, q->notes, q->draft_title,
                                    q->draft_description},
        &o, err);

    if (!rc) {
        *title = strdup(json_string_value(json_object_get(o, "title")));
        *description = strdup(json_string_value(json_object_get(o, "description")));
        if (!*title || !*description)
            rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    }
    json_decref(o);
    return rc;
}

void api_semantic_filter(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct kr_err err = {0};
    json_t *body, *out = NULL;
    const struct product_embedder emb = {ai_embed_model(app->ai), ai_embed_dim(app->ai),
                                         AI_EMBED_BATCH, embed_texts, app->ai};
    const struct product_writer writer = {write_copy, app->ai};
    const struct product_collection_opts o = {emb.model ? &emb : NULL,
                                              app->cfg->collection_embed_weight,
                                              app->cfg->collection_candidates, &writer};

    if (need_store(app, res) || !(body = http_req_json(req, res)))
        return;
    enum kr_code rc = product_collection(app->store, body, &o, &out, &err);
    if (!rc && json_object_get(out, "ranking_note"))
        log_msg(LOG_WARN, "collection: %s",
                json_string_value(json_object_get(out, "ranking_note")));
    if (rc && err.slug_id == KRS_UNKNOWN_STYLE)
        reply_unknown_style(res, &err);
    else
        answer(res, rc, &err, 200, out);
}

/* Every style a collection request may name, in the table's order. */
void api_collection_styles(struct http_request *req, struct http_response *res, void *app_)
{
    json_t *list = json_array();

    (void)req;
    (void)app_;
    for (int i = 0; i < product_style_count(); i++)
        json_array_append_new(list, json_pack("{s:s, s:s}", "name", product_style_name(i),
                                              "description", product_style_text(i)));
    http_res_json(res, 200, json_pack("{s:o}", "styles", list));
}

void api_collection_get(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct kr_err err = {0};
    json_t *out = NULL;

    if (need_store(app, res))
        return;
    enum kr_code rc = product_collection_get(app->store, http_req_param(req, "id"), &out, &err);
    answer(res, rc, &err, 200, out);
}

void api_collection_csv(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct kr_err err = {0};
    char *csv = NULL;

    if (need_store(app, res))
        return;
    if (product_collection_csv(app->store, http_req_param(req, "id"), &csv, &err)) {
        http_res_from_err(res, &err);
        return;
    }
    http_res_bytes(res, 200, "text/csv; charset=utf-8", csv, strlen(csv));
    free(csv);
}
