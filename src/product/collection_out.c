/*
 * collection_out.c - what a collection says and where it is kept.
 *
 * Title and description are written from templates filled with the chosen
 * pieces' own attributes: the first style's name (or the colour), the
 * category that most pieces share, the attribute values that recur most
 * (stone, material, finish...), the audience, and the price range. The
 * same pieces always give the same words. With a writer (the AI layer's
 * copy provider, passed in by api/), the provider rewrites both from the
 * pieces' own facts, the request and the drafts (product__provider_copy);
 * when it fails the templates stay and "copy_note" says why.
 *
 * A collection is stored as a document (namespace "collections", key its
 * id): the request, the ids, title and description, and each piece's name,
 * colour, category, price and image URLs as they were when it was made,
 * so GET /collections/{id} and its CSV export show what was answered.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"
#include "product/product_int.h"

#define NS "collections"

static const char *str(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

/* Count of each string value of key `k` (or of attributes) among rows. */
static void tally(const json_t *rows, const char *k, json_t *counts)
{
    json_t *r, *v;
    size_t i;
    const char *ak;

    json_array_foreach(rows, i, r)
    {
        if (k) {
            const char *s = str(r, k);
            if (*s)
                json_object_set_new(
                    counts, s, json_integer(json_integer_value(json_object_get(counts, s)) + 1));
            continue;
        }
        json_object_foreach(json_object_get(r, "attributes"), ak, v)
        {
            const char *s = json_string_value(v);
            if (s && *s && strlen(s) <= 40)
                json_object_set_new(
                    counts, s, json_integer(json_integer_value(json_object_get(counts, s)) + 1));
        }
    }
}

/* The most frequent key of counts, ties by byte order; skip: one to leave out. */
static const char *top(json_t *counts, const char *skip)
{
    const char *k, *best = NULL;
    json_int_t bn = 0;
    json_t *v;

    json_object_foreach(counts, k, v)
    {
        json_int_t n = json_integer_value(v);
        if ((skip && !strcmp(k, skip)) || n < bn || (n == bn && best && strcmp(k, best) > 0))
            continue;
        best = k;
        bn = n;
    }
    return best;
}

static void price_range(const json_t *rows, double *lo, double *hi)
{
    json_t *r;
    size_t i;

    *lo = 1e300;
    *hi = 0;
    json_array_foreach(rows, i, r)
    {
        double p = json_number_value(json_object_get(r, "price"));
        *lo = p < *lo ? p : *lo;
        *hi = p > *hi ? p : *hi;
    }
}

void product__templates(struct product__pick *p)
{
    char **title = &p->title, **description = &p->description;
    json_t *cats = json_object(), *cols = json_object(), *attrs = json_object();
    const char *style = p->nstyles ? product_style_name(p->styles[0]) : NULL;
    const char *cat, *col, *a1, *a2, *aud = str(p->needs, "target_audience");
    size_t n = json_array_size(p->rows);
    double lo, hi;
    struct buf b;

    tally(p->rows, "category", cats);
    tally(p->rows, "colour", cols);
    tally(p->rows, NULL, attrs);
    cat = top(cats, NULL);
    col = top(cols, NULL);
    a1 = top(attrs, NULL);
    a2 = a1 ? top(attrs, a1) : NULL;
    price_range(p->rows, &lo, &hi);
    if (asprintf(title, "The %s %c%s Edit",
                 style ? style
                 : col ? col
                       : "Signature",
                 toupper((unsigned char)(cat ? cat : "Jewellery")[0]),
                 (cat ? cat : "Jewellery") + 1) < 0)
        *title = NULL;
    buf_init(&b, 8192);
    buf_appendf(&b, "%zu %s%s%s piece%s", n, col ? col : "", col ? " " : "",
                cat ? cat : "jewellery", n == 1 ? "" : "s");
    if (*aud)
        buf_appendf(&b, " chosen for %s", aud);
    buf_appendf(&b, ".");
    if (a1)
        buf_appendf(&b, " Featuring %s%s%s.", a1, a2 ? " and " : "", a2 ? a2 : "");
    for (int i = 0; i < p->nstyles && i < 3; i++)
        buf_appendf(&b, " %s", product_style_text(p->styles[i]));
    if (n)
        buf_appendf(&b, lo == hi ? " Priced at %.0f." : " Priced from %.0f to %.0f.", lo, hi);
    *description = b.data ? (char *)buf_detach(&b, &n) : NULL;
    buf_release(&b);
    json_decref(cats);
    json_decref(cols);
    json_decref(attrs);
}

/* One line per chosen piece for the writer: name | category | colour | price | attributes. */
static void pieces_text(const json_t *rows, struct buf *b)
{
    json_t *r;
    size_t i;

    json_array_foreach(rows, i, r)
    {
        char *attrs = json_dumps(json_object_get(r, "attributes"), JSON_COMPACT | JSON_SORT_KEYS);
        buf_appendf(b, "- %s | %s | %s | %.0f | %s\n", str(r, "name"), str(r, "category"),
                    str(r, "colour"), json_number_value(json_object_get(r, "price")),
                    attrs ? attrs : "{}");
        free(attrs);
    }
}

void product__provider_copy(struct product__pick *p, const struct product_writer *w)
{
    struct buf pieces, styles;
    struct kr_err err = {0};
    char *title = NULL, *description = NULL;
    enum kr_code rc;

    p->copy = "template";
    if (!w || !w->write || !p->title || !p->description)
        return;
    buf_init(&pieces, 1 << 16);
    buf_init(&styles, 1 << 14);
    pieces_text(p->rows, &pieces);
    for (int i = 0; i < p->nstyles; i++)
        buf_appendf(&styles, "%s: %s\n", product_style_name(p->styles[i]),
                    product_style_text(p->styles[i]));
    buf_append(&pieces, "", 1);
    buf_append(&styles, "", 1);
    const struct product_copy_ask q = {
        pieces.data ? (char *)pieces.data : "", str(p->needs, "target_audience"),
        styles.data ? (char *)styles.data : "", str(p->needs, "manual_prompt"),
        p->title, p->description};
    rc = w->write(w->ctx, &q, &title, &description, &err);
    if (!rc && title && description) {
        free(p->title);
        free(p->description);
        p->title = title;
        p->description = description;
        p->copy = "provider";
        title = description = NULL;
    } else if (rc != KR_EUNSUPPORTED) {
        snprintf(p->copy_note, sizeof p->copy_note,
                 "the provider's title and description failed (%s): templates used",
                 rc ? err.msg : "no text");
    }
    free(title);
    free(description);
    buf_release(&pieces);
    buf_release(&styles);
}

/* The URLs of a product's photos that are still stored. */
static json_t *image_urls(struct store *s, const json_t *row)
{
    json_t *urls = json_array(), *v;
    struct store_image img;
    struct kr_err ignore = {0};
    size_t i;

    json_array_foreach(json_object_get(row, "photo_ids"), i, v)
    {
        if (store_image_get(s, json_integer_value(v), &img, &ignore) == KR_OK)
            json_array_append_new(urls, json_string(img.url));
    }
    return urls;
}

enum kr_code product__collection_save(struct store *s, const struct product__pick *p, char *id_out,
                                      size_t id_len, struct kr_err *err)
{
    const char *title = p->title, *description = p->description;
    json_t *items = json_array(), *ids = json_array(), *r, *doc;
    char hex[13], iso[32];
    int64_t now = util_epoch_ms();
    enum kr_code rc;
    char *text;
    size_t i;

    util_random_hex(hex, 6);
    snprintf(id_out, id_len, "col-%lld-%s", (long long)now, hex);
    util_iso8601(now, iso, sizeof iso);
    json_array_foreach(p->rows, i, r)
    {
        json_array_append(ids, json_object_get(r, "id"));
        json_array_append_new(
            items,
            json_pack("{s:O, s:O, s:O, s:O, s:O, s:o}", "id", json_object_get(r, "id"), "name",
                      json_object_get(r, "name"), "colour", json_object_get(r, "colour"),
                      "category", json_object_get(r, "category"), "price",
                      json_object_get(r, "price"), "image_urls", image_urls(s, r)));
    }
    doc = json_pack("{s:s, s:s, s:O, s:o, s:s, s:s, s:o}", "id", id_out, "created_at", iso,
                    "user_needs", p->needs, "top_jewelry_ids", ids, "collection_title", title,
                    "collection_description", description, "items", items);
    text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    rc = text ? store_doc_put(s, NS, id_out, text, err)
              : kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    free(text);
    json_decref(doc);
    return rc;
}

enum kr_code product_collection_get(struct store *s, const char *id, json_t **out,
                                    struct kr_err *err)
{
    char *text = NULL;
    enum kr_code rc = strlen(id) > 64 ? KR_ENOTFOUND : store_doc_get(s, NS, id, &text, err);

    *out = NULL;
    if (rc == KR_ENOTFOUND)
        return kr_fail(err, KRS_COLLECTION_NOT_FOUND, "no collection %.64s", id);
    if (!rc) {
        *out = json_loads(text, 0, NULL);
        if (!*out)
            rc = kr_fail(err, KRS_STORE_CORRUPT, "collection %s: stored JSON is damaged", id);
    }
    free(text);
    return rc;
}

/* One CSV cell: quoted, quotes doubled, and a leading = + - @ made inert
 * (spreadsheets would run it as a formula). */
static void cell(struct buf *b, const char *v, int last)
{
    buf_append(b, "\"", 1);
    if (*v == '=' || *v == '+' || *v == '-' || *v == '@')
        buf_append(b, "'", 1);
    for (; *v; v++)
        buf_append(b, *v == '"' ? "\"\"" : v, *v == '"' ? 2 : 1);
    buf_append(b, last ? "\"\r\n" : "\",", last ? 3 : 2);
}

enum kr_code product_collection_csv(struct store *s, const char *id, char **csv, struct kr_err *err)
{
    json_t *doc = NULL, *it, *u;
    enum kr_code rc = product_collection_get(s, id, &doc, err);
    struct buf b;
    size_t i, k, n;

    *csv = NULL;
    if (rc)
        return rc;
    buf_init(&b, 0);
    buf_appendf(&b, "position,id,name,colour,category,price,image_urls\r\n");
    json_array_foreach(json_object_get(doc, "items"), i, it)
    {
        struct buf urls;
        char pos[16], price[32];
        buf_init(&urls, 0);
        json_array_foreach(json_object_get(it, "image_urls"), k, u)
        {
            buf_appendf(&urls, "%s%s", k ? " " : "", json_string_value(u));
        }
        snprintf(pos, sizeof pos, "%zu", i + 1);
        snprintf(price, sizeof price, "%.2f", json_number_value(json_object_get(it, "price")));
        cell(&b, pos, 0);
        cell(&b, str(it, "id"), 0);
        cell(&b, str(it, "name"), 0);
        cell(&b, str(it, "colour"), 0);
        cell(&b, str(it, "category"), 0);
        cell(&b, price, 0);
        cell(&b, urls.data ? (const char *)urls.data : "", 1);
        buf_release(&urls);
    }
    *csv = b.data ? (char *)buf_detach(&b, &n) : NULL;
    buf_release(&b);
    json_decref(doc);
    return *csv ? KR_OK : kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
}
