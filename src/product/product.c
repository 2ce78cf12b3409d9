/*
 * product.c - product records: the JSON form, its validation, and the
 * store calls behind GET/PUT/DELETE /products/{id} and product_note().
 *
 * Normalising is the one place input is judged: every field is checked
 * for its type and bound and turned into the canonical JSON form before
 * anything is stored, so a bad field changes nothing. The original's
 * names (product_name, color) are read as aliases; an id may be a string
 * or an integer (the original's API sends numbers); attributes may be an
 * object, a JSON text of one, or plain text (kept as {"text": ...}).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "product/product_int.h"

#define DEF_TEXT_MAX 4096 /* name, sku, colour, category (bytes) */

static enum kr_code bad(struct kr_err *err, const char *field, const char *why)
{
    return kr_fail(err, KRS_BAD_PRODUCT, "product: %s %s", field, why);
}

/* The first of names present in in (NULL if none). */
static json_t *field(json_t *in, const char *a, const char *b)
{
    json_t *v = json_object_get(in, a);
    return v || !b ? v : json_object_get(in, b);
}

/* A text field: its name, an alias (may be NULL), its bound, its key in
 * the normalised form. */
struct text_field {
    const char *a, *b;
    size_t max;
    const char *key;
};

/* A string field (NULL/absent = ""); numbers are taken as text too. */
static enum kr_code text(json_t *in, const struct text_field *f, json_t *out, struct kr_err *err)
{
    const char *a = f->a, *key = f->key;
    size_t max = f->max;
    json_t *v = field(in, a, f->b);
    char num[64];
    const char *s = "";

    if (json_is_string(v)) {
        s = json_string_value(v);
    } else if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        s = num;
    } else if (v && !json_is_null(v)) {
        return bad(err, a, "must be a string");
    }
    if (strlen(s) > max)
        return bad(err, a, "is too long");
    json_object_set_new(out, key, json_string(s));
    return json_object_get(out, key) ? KR_OK : bad(err, a, "is not valid UTF-8");
}

static enum kr_code id_of(json_t *in, const char *over, json_t *out, struct kr_err *err)
{
    enum kr_code rc =
        text(in, &(struct text_field){"id", NULL, STORE_PRODUCT_ID_MAX, "id"}, out, err);
    const char *id = json_string_value(json_object_get(out, "id"));

    if (rc)
        return rc;
    if (over && *id && strcmp(over, id) != 0)
        return bad(err, "id", "differs from the id in the path");
    if (over)
        json_object_set_new(out, "id", json_string(id = over));
    if (!id || !*id || strlen(id) > STORE_PRODUCT_ID_MAX)
        return bad(err, "id", "is required (1..128 bytes)");
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '/')
            return bad(err, "id", "has a control character or '/'");
    return json_object_get(out, "id") ? KR_OK : bad(err, "id", "is not valid UTF-8");
}

static enum kr_code attrs_of(json_t *in, json_t *out, struct kr_err *err)
{
    json_t *v = json_object_get(in, "attributes"), *o = NULL;

    if (!v || json_is_null(v))
        o = json_object();
    else if (json_is_object(v))
        o = json_deep_copy(v);
    else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        o = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(o)) {
            json_decref(o);
            o = json_pack("{s:s}", "text", s);
        }
    } else {
        return bad(err, "attributes", "must be an object or text");
    }
    json_object_set_new(out, "attributes", o);
    return KR_OK;
}

static enum kr_code price_of(json_t *in, json_t *out, struct kr_err *err)
{
    json_t *v = json_object_get(in, "price");
    double p = 0;

    if (json_is_number(v))
        p = json_number_value(v);
    else if (json_is_string(v) && product__parse_price(json_string_value(v), &p) != 0)
        return bad(err, "price", "is not a number");
    else if (v && !json_is_null(v) && !json_is_string(v))
        return bad(err, "price", "must be a number");
    if (!(p >= 0 && p <= 1e12))
        return bad(err, "price", "must be 0..1e12");
    json_object_set_new(out, "price", json_real(p));
    return KR_OK;
}

static enum kr_code created_of(json_t *in, json_t *out, struct kr_err *err)
{
    json_t *v = json_object_get(in, "created_at");
    int64_t ms = util_epoch_ms();
    char iso[32];

    if (json_is_string(v) && product__parse_date(json_string_value(v), 0, &ms) != 0)
        return bad(err, "created_at", "is not a date (YYYY-MM-DD or ISO 8601)");
    if (v && !json_is_null(v) && !json_is_string(v))
        return bad(err, "created_at", "must be a date string");
    util_iso8601(ms, iso, sizeof iso);
    json_object_set_new(out, "created_at", json_string(iso));
    return KR_OK;
}

/* photo_ids: integers >= 1; listings: objects. */
static enum kr_code lists_of(json_t *in, json_t *out, struct kr_err *err)
{
    json_t *ph = field(in, "photo_ids", "photos"), *li = json_object_get(in, "listings"), *v;
    size_t i;

    if (ph && !json_is_null(ph) && (!json_is_array(ph) || json_array_size(ph) > PRODUCT_PHOTOS_MAX))
        return bad(err, "photo_ids", "must be a list of at most 64 image ids");
    json_array_foreach(ph, i, v)
    {
        if (!json_is_integer(v) || json_integer_value(v) < 1)
            return bad(err, "photo_ids", "must hold positive integers");
    }
    if (li && !json_is_null(li) &&
        (!json_is_array(li) || json_array_size(li) > PRODUCT_LISTINGS_MAX))
        return bad(err, "listings", "must be a list of at most 64 objects");
    json_array_foreach(li, i, v)
    {
        if (!json_is_object(v))
            return bad(err, "listings", "must hold objects");
    }
    json_object_set_new(out, "photo_ids", json_is_array(ph) ? json_deep_copy(ph) : json_array());
    json_object_set_new(out, "listings", json_is_array(li) ? json_deep_copy(li) : json_array());
    return KR_OK;
}

enum kr_code product__normalise(json_t *in, const char *id_override, json_t **out,
                                struct kr_err *err)
{
    json_t *p = json_object();
    enum kr_code rc;

    *out = NULL;
    if (!json_is_object(in)) {
        json_decref(p);
        return bad(err, "record", "must be a JSON object");
    }
    rc = id_of(in, id_override, p, err);
    if (!rc)
        rc = text(in, &(struct text_field){"sku", NULL, DEF_TEXT_MAX, "sku"}, p, err);
    if (!rc)
        rc = text(in, &(struct text_field){"name", "product_name", DEF_TEXT_MAX, "name"}, p, err);
    if (!rc)
        rc = text(in,
                  &(struct text_field){"description", NULL, STORE_PRODUCT_TEXT_MAX, "description"},
                  p, err);
    if (!rc)
        rc = attrs_of(in, p, err);
    if (!rc)
        rc = text(in, &(struct text_field){"colour", "color", DEF_TEXT_MAX, "colour"}, p, err);
    if (!rc)
        rc = text(in, &(struct text_field){"category", NULL, DEF_TEXT_MAX, "category"}, p, err);
    if (!rc)
        rc = price_of(in, p, err);
    if (!rc)
        rc = created_of(in, p, err);
    if (!rc)
        rc = lists_of(in, p, err);
    if (rc)
        json_decref(p);
    else
        *out = p;
    return rc;
}

static const char *str(const json_t *p, const char *k)
{
    const char *v = json_string_value(json_object_get(p, k));
    return v ? v : "";
}

/* The row of a normalised product; its three JSON texts are malloc'd. */
static int row_of(const json_t *p, struct store_product *row)
{
    *row = (struct store_product){
        .id = str(p, "id"),
        .sku = str(p, "sku"),
        .name = str(p, "name"),
        .description = str(p, "description"),
        .attributes = json_dumps(json_object_get(p, "attributes"), JSON_COMPACT | JSON_SORT_KEYS),
        .colour = str(p, "colour"),
        .category = str(p, "category"),
        .price = json_number_value(json_object_get(p, "price")),
        .photos = json_dumps(json_object_get(p, "photo_ids"), JSON_COMPACT),
        .listings = json_dumps(json_object_get(p, "listings"), JSON_COMPACT)};
    if (product__parse_date(str(p, "created_at"), 0, &row->created_ms) != 0)
        row->created_ms = util_epoch_ms();
    return row->attributes && row->photos && row->listings ? 0 : -1;
}

static void row_free(struct store_product *row)
{
    free((char *)row->attributes);
    free((char *)row->photos);
    free((char *)row->listings);
}

enum kr_code product__store_many(struct store *s, const json_t *arr, size_t from, int n,
                                 struct kr_err *err)
{
    struct store_product *rows = calloc((size_t)n, sizeof *rows);
    enum kr_code rc = rows ? KR_OK : kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    int made = 0;

    for (; !rc && made < n; made++)
        if (row_of(json_array_get(arr, from + (size_t)made), &rows[made]))
            rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    if (!rc)
        rc = store_product_put_many(s, rows, n, err);
    for (int i = 0; i < made; i++)
        row_free(&rows[i]);
    free(rows);
    return rc;
}

enum kr_code product__store(struct store *s, const json_t *p, struct kr_err *err)
{
    json_t *one = json_pack("[O]", p);
    enum kr_code rc = one ? product__store_many(s, one, 0, 1, err)
                          : kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    json_decref(one);
    return rc;
}

json_t *product__row_json(const struct store_product *p)
{
    char iso[32];
    json_t *a = json_loads(p->attributes, 0, NULL), *ph = json_loads(p->photos, 0, NULL),
           *li = json_loads(p->listings, 0, NULL);

    util_iso8601(p->created_ms, iso, sizeof iso);
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:f, s:s, s:o, s:o}", "id", p->id, "sku",
                     p->sku, "name", p->name, "description", p->description, "attributes",
                     a ? a : json_object(), "colour", p->colour, "category", p->category, "price",
                     p->price, "created_at", iso, "photo_ids", ph ? ph : json_array(), "listings",
                     li ? li : json_array());
}

enum kr_code product_put_json(struct store *s, const char *id_override, json_t *in, json_t **out,
                              struct kr_err *err)
{
    json_t *p = NULL;
    enum kr_code rc = product__normalise(in, id_override, &p, err);

    if (!rc)
        rc = product__store(s, p, err);
    if (!rc && out)
        rc = product_get_json(s, json_string_value(json_object_get(p, "id")), out, err);
    json_decref(p);
    return rc;
}

static int keep_row(const struct store_product *p, double score, void *ctx)
{
    (void)score;
    *(json_t **)ctx = product__row_json(p);
    return 1;
}

enum kr_code product_get_json(struct store *s, const char *id, json_t **out, struct kr_err *err)
{
    struct store_product_query q = {.id = id, .limit = 1};
    enum kr_code rc;

    *out = NULL;
    rc = store_product_query(s, &q, keep_row, out, err);
    if (!rc && !*out)
        rc = kr_fail(err, KRS_PRODUCT_NOT_FOUND, "no product %s", id);
    return rc;
}

enum kr_code product_delete(struct store *s, const char *id, struct kr_err *err)
{
    return store_product_delete(s, id, err);
}

/* Merge n's fields into the stored (or a new) product p. */
static void note_merge(json_t *p, const struct product_note *n)
{
    const char *f[][2] = {{"sku", n->sku},
                          {"name", n->name},
                          {"description", n->description},
                          {"colour", n->colour},
                          {"category", n->category}};
    json_t *photos = json_object_get(p, "photo_ids"), *v, *li;
    size_t i;
    int has = 0;

    for (size_t k = 0; k < sizeof f / sizeof f[0]; k++)
        if (f[k][1] && *f[k][1])
            json_object_set_new(p, f[k][0], json_string(f[k][1]));
    if (json_is_object(n->attributes))
        json_object_update(json_object_get(p, "attributes"), (json_t *)n->attributes);
    if (n->price > 0)
        json_object_set_new(p, "price", json_real(n->price));
    json_array_foreach(photos, i, v)
    {
        has |= json_integer_value(v) == n->image_id;
    }
    if (!has && n->image_id > 0 && json_array_size(photos) < PRODUCT_PHOTOS_MAX)
        json_array_append_new(photos, json_integer(n->image_id));
    if (!json_is_object(n->listing))
        return;
    li = json_object_get(p, "listings");
    json_array_foreach(li, i, v)
    {
        if (util_streq_ci(str(v, "marketplace"), str(n->listing, "marketplace")) &&
            strcmp(str(v, "sku"), str(n->listing, "sku")) == 0) {
            json_array_remove(li, i);
            break;
        }
    }
    if (json_array_size(li) >= PRODUCT_LISTINGS_MAX)
        json_array_remove(li, 0);
    json_array_append_new(li, json_deep_copy(n->listing));
}

enum kr_code product_note(struct store *s, const struct product_note *n, struct kr_err *err)
{
    char id[STORE_PRODUCT_ID_MAX + 1];
    json_t *p = NULL, *norm = NULL;
    enum kr_code rc;

    if (n->sku && *n->sku)
        snprintf(id, sizeof id, "%s", n->sku);
    else
        snprintf(id, sizeof id, "img-%lld", (long long)n->image_id);
    rc = product_get_json(s, id, &p, err);
    if (rc == KR_ENOTFOUND) {
        p = json_pack("{s:s}", "id", id);
        rc = p ? KR_OK : kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    }
    if (!rc) {
        if (!json_is_object(json_object_get(p, "attributes")))
            json_object_set_new(p, "attributes", json_object());
        if (!json_is_array(json_object_get(p, "photo_ids")))
            json_object_set_new(p, "photo_ids", json_array());
        if (!json_is_array(json_object_get(p, "listings")))
            json_object_set_new(p, "listings", json_array());
        note_merge(p, n);
        rc = product__normalise(p, NULL, &norm, err);
    }
    if (!rc)
        rc = product__store(s, norm, err);
    json_decref(p);
    json_decref(norm);
    return rc;
}
