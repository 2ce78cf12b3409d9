/*
 * notes.c - photos becoming products: what a caption and a catalog job
 * learnt about a stored photo, recorded through product_note() (src/product).
 *
 * The one place both hooks meet the products table: the photo is looked up
 * by its URL in the store (an image that is not ours, or gone, is noted
 * without a photo id), then one product_note() call. Best effort: the
 * caption or listing was answered already, so a failure is logged as a
 * warning and changes nothing the caller sees. The command line's
 * `karat caption` and `karat catalog` record through the same calls
 * (their photos are files, not stored photos: the SKU names the product).
 */
#include "app/app_int.h"

#include <jansson.h>
#include <string.h>

#include "caption/caption.h"
#include "catalog/catalog.h"
#include "core/log.h"
#include "product/product.h"
#include "store/store.h"

static void note(struct app *a, const char *url, struct product_note *n)
{
    struct store_image img;
    struct kr_err err = {0};
    enum kr_code rc;

    if (!a || !a->store || !url || !*url)
        return;
    rc = store_image_find_url(a->store, url, &img, &err);
    if (rc && rc != KR_ENOTFOUND) {
        log_warn("product for %s: %s", url, err.msg);
        return;
    }
    n->image_id = rc ? 0 : img.id;
    if (!n->image_id && !(n->sku && *n->sku))
        return; /* neither a stored photo nor a SKU: nothing to name it by */
    if (product_note(a->store, n, &err))
        log_warn("product for %s: %s", url, err.msg);
}

void app_note_caption(struct app *a, const char *url, const struct caption_result *c,
                      const char *type)
{
    app_note_caption_sku(a, url, NULL, c, type);
}

void app_note_caption_sku(struct app *a, const char *url, const char *sku,
                          const struct caption_result *c, const char *type)
{
    json_t *attrs =
        json_pack("{s:O}", "caption_attributes", c->attributes ? c->attributes : json_array());
    struct product_note n = {.sku = sku,
                             .name = c->name,
                             .description = c->description,
                             .colour = c->colour,
                             .category = type,
                             .attributes = attrs};

    note(a, url, &n);
    json_decref(attrs);
}

/* The row's title: the first value under a key that names one. */
static const char *title_of(const json_t *values)
{
    const char *k;
    json_t *v;

    json_object_foreach((json_t *)values, k, v)
    {
        if (json_is_string(v) && (strstr(k, "title") || strstr(k, "name")))
            return json_string_value(v);
    }
    return "";
}

void app__listed(void *ctx, const struct catalog_listed *l)
{
    app_note_listed(ctx, l);
}

void app_note_listed(struct app *a, const struct catalog_listed *l)
{
    const char *title = title_of(l->values);
    json_t *listing =
        json_pack("{s:s, s:s, s:s, s:s}", "marketplace", l->marketplace, "sku",
                  l->sku ? l->sku : "", "product_type", l->product_type, "title", title);
    struct product_note n = {
        .sku = l->sku, .name = title, .category = l->product_type, .listing = listing};

    note(a, l->ref, &n);
    json_decref(listing);
}
