/*
 * embedded.c - the structured data marketplace pages embed, read with
 * jansson.
 *
 * JSON-LD: every <script type="application/ld+json"> block is parsed and
 * searched (arrays, "@graph", nested values, bounded in depth) for the
 * first object whose "@type" is, or lists, the wanted schema.org type. A
 * block that is not JSON is skipped: pages carry broken ones.
 *
 * Inline state: Flipkart assigns its page state to
 * window.__INITIAL_STATE__ and Myntra to window.__myx in an inline script.
 * The value after the '=' is parsed with JSON_DISABLE_EOF_CHECK, so the
 * ';' and whatever script follows it end the value instead of failing it.
 */
#include "market/market_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

#define LD_DEPTH 12 /* how deep a JSON-LD block is searched */

static int has_type(const json_t *o, const char *type)
{
    const json_t *t = json_object_get(o, "@type");
    size_t i;
    const json_t *v;
    if (json_is_string(t))
        return strcmp(json_string_value(t), type) == 0;
    json_array_foreach(t, i, v) if (json_is_string(v) &&
                                    strcmp(json_string_value(v), type) == 0) return 1;
    return 0;
}

static json_t *ld_search(json_t *v, const char *type, int depth)
{
    const char *key;
    json_t *c, *hit;
    size_t i;

    if (depth > LD_DEPTH)
        return NULL;
    if (json_is_object(v)) {
        if (has_type(v, type))
            return v;
        json_object_foreach(v, key, c) if ((hit = ld_search(c, type, depth + 1))) return hit;
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, c) if ((hit = ld_search(c, type, depth + 1))) return hit;
    }
    return NULL;
}

json_t *market__ld_find(struct market__page *p, const char *type)
{
    xmlXPathObjectPtr r = market__nodes(p, NULL, "//script[@type='application/ld+json']");
    json_t *found = NULL;

    for (int i = 0; r && !found && i < r->nodesetval->nodeNr; i++) {
        xmlChar *text = xmlNodeGetContent(r->nodesetval->nodeTab[i]);
        json_t *root = text ? json_loads((const char *)text, 0, NULL) : NULL;
        json_t *hit = root ? ld_search(root, type, 0) : NULL;
        if (hit)
            found = json_incref(hit);
        json_decref(root);
        xmlFree(text);
    }
    xmlXPathFreeObject(r);
    return found;
}

json_t *market__script_json(struct market__page *p, const char *marker)
{
    char expr[160];
    xmlXPathObjectPtr r;
    json_t *found = NULL;

    if (util_fmt(expr, sizeof expr, "//script[contains(., '%s')]", marker) != KR_OK)
        return NULL;
    r = market__nodes(p, NULL, expr);
    for (int i = 0; r && !found && i < r->nodesetval->nodeNr; i++) {
        xmlChar *text = xmlNodeGetContent(r->nodesetval->nodeTab[i]);
        const char *at = text ? strstr((const char *)text, marker) : NULL;
        if (at) {
            at += strlen(marker);
            while (*at == ' ' || *at == '\t' || *at == '\n' || *at == '\r')
                at++;
            if (*at == '=') {
                at++;
                found = json_loadb(at, strlen(at), JSON_DISABLE_EOF_CHECK, NULL);
                if (found && !json_is_object(found)) {
                    json_decref(found);
                    found = NULL;
                }
            }
        }
        xmlFree(text);
    }
    xmlXPathFreeObject(r);
    return found;
}

const char *market__jstr(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

double market__jnum(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (json_is_number(v))
        return json_number_value(v);
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        /* a numeric string: digits, commas, one dot ("1,299.00") */
        if (s[strspn(s, "0123456789,. ")] == '\0')
            return market__number(s);
    }
    return NAN;
}

const json_t *market__jpath(const json_t *o, const char *path)
{
    char key[64];
    while (o && *path) {
        size_t k = strcspn(path, ".");
        if (k >= sizeof key)
            return NULL;
        memcpy(key, path, k);
        key[k] = '\0';
        o = json_object_get(o, key);
        path += k + (path[k] == '.');
    }
    return o;
}

void market__jset(char *dst, size_t n, const char *src)
{
    if (dst[0] == '\0' && src)
        market__clean(src, dst, n);
}

static void set_num(double *dst, double v)
{
    if (isnan(*dst) && !isnan(v))
        *dst = v;
}

/* The first offer of "offers" (an object or an array of them). */
static const json_t *first_offer(const json_t *product)
{
    const json_t *o = json_object_get(product, "offers");
    return json_is_array(o) ? json_array_get(o, 0) : o;
}

void market__item_from_ld(const json_t *product, struct market_item *it)
{
    const json_t *offer = first_offer(product);
    const json_t *brand = json_object_get(product, "brand");
    const json_t *seller = json_object_get(offer, "seller");
    const json_t *rating = json_object_get(product, "aggregateRating");
    const json_t *offers = json_object_get(product, "offers");
    double count;

    market__jset(it->title, sizeof it->title, market__jstr(product, "name"));
    market__jset(it->url, sizeof it->url, market__jstr(product, "url"));
    market__jset(it->id, sizeof it->id, market__jstr(product, "sku"));
    market__jset(it->id, sizeof it->id, market__jstr(product, "productID"));
    market__jset(it->brand, sizeof it->brand,
                 json_is_string(brand) ? json_string_value(brand) : market__jstr(brand, "name"));
    market__jset(it->seller, sizeof it->seller,
                 json_is_string(seller) ? json_string_value(seller) : market__jstr(seller, "name"));
    set_num(&it->price, market__jnum(offer, "price"));
    set_num(&it->price, market__jnum(offer, "lowPrice"));
    set_num(&it->rating, market__jnum(rating, "ratingValue"));
    count = market__jnum(rating, "ratingCount");
    if (isnan(count))
        count = market__jnum(rating, "reviewCount");
    if (it->reviews < 0 && count >= 0 && count < 2e9)
        it->reviews = (long)count;
    count = market__jnum(offer, "offerCount");
    if (isnan(count) && json_is_array(offers))
        count = (double)json_array_size(offers);
    if (it->offers < 0 && count >= 0 && count < 1e6)
        it->offers = (int)count;
}
