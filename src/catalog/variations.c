/*
 * variations.c - parent/child families (POST /catalog_ai_variations).
 *
 * A request splits its SKUs into groups (group_sizes), each with a theme:
 *   color      one photo per colour, one SKU per photo;
 *   size       one photo, one SKU per size (size_available);
 *   colorsize  one photo per colour, one SKU per colour x size, colour-major.
 * Each photo is one job item processed exactly like a catalog item (models +
 * SKU cache, keyed by the first SKU of the photo). The finish step writes,
 * per group, one parent row and one child row per SKU: the child rows copy
 * their photo's values, with the size and the variation columns set.
 *
 * Fixed against the original (SEED_SYSTEM §1.11, §9 items 12 and 28): no
 * module-level state is touched (every group builds its own values, so a
 * size group never leaks its theme or size column into later requests);
 * each child's filename is the photo its values came from, and its SKU the
 * one paired with that photo and size; rows go to the requesting
 * marketplace's own sheet with its own schema (parent rows only where the
 * sheet has parent/child columns, never an Amazon row in a Flipkart sheet);
 * every result entry, parents included, is {"attributes", "warnings"}; the
 * themes use Amazon's names (ColorName, SizeName, SizeName-ColorName).
 */
#include "catalog/catalog_int.h"

#include <string.h>

#include "core/util.h"

struct theme {
    const char *category, *amazon;
};
static const struct theme themes[] = {
    {"color", "ColorName"}, {"size", "SizeName"}, {"colorsize", "SizeName-ColorName"}};

static const struct theme *find_theme(const char *category)
{
    for (size_t i = 0; i < sizeof themes / sizeof themes[0]; i++)
        if (util_streq_ci(category, themes[i].category))
            return &themes[i];
    return NULL;
}

/* Longest common prefix of the group's SKUs without trailing separators,
 * else "<first SKU>-P"; never equal to a child SKU. */
static void parent_sku(json_t *skus, char *out, size_t n)
{
    const char *first = json_string_value(json_array_get(skus, 0));
    size_t len = strlen(first), i;
    json_t *v;

    json_array_foreach(skus, i, v)
    {
        const char *s = json_string_value(v);
        size_t k = 0;
        while (k < len && s[k] == first[k])
            k++;
        len = k;
    }
    while (len && strchr("-_. /", first[len - 1]))
        len--;
    if (len < 2 || len == strlen(first))
        snprintf(out, n, "%s-P", first);
    else
        snprintf(out, n, "%.*s", (int)len, first);
}

/* Photos a group consumes. */
static size_t photos_for(const struct theme *t, size_t gsize, size_t nsizes)
{
    if (strcmp(t->category, "size") == 0)
        return 1;
    if (strcmp(t->category, "colorsize") == 0)
        return gsize / nsizes;
    return gsize;
}

static enum kr_code check_group(const struct theme *t, size_t g, json_int_t gsize, size_t nsizes,
                                struct kr_err *err)
{
    if (!t)
        return kr_fail(err, KR_EINVAL, "bad_variation",
                       "group %zu: variations_category must be color, size or colorsize", g + 1);
    if (gsize < 1 || gsize > 1000)
        return kr_fail(err, KR_EINVAL, "bad_variation", "group %zu: bad group size", g + 1);
    if (strcmp(t->category, "color") && nsizes == 0)
        return kr_fail(err, KR_EINVAL, "bad_variation", "group %zu: size_available is empty",
                       g + 1);
    if (!strcmp(t->category, "size") && (size_t)gsize != nsizes)
        return kr_fail(err, KR_EINVAL, "bad_variation",
                       "group %zu: a size group needs one SKU per size (%zu)", g + 1, nsizes);
    if (!strcmp(t->category, "colorsize") && (size_t)gsize % nsizes)
        return kr_fail(err, KR_EINVAL, "bad_variation",
                       "group %zu: a colorsize group needs colours x %zu sizes SKUs", g + 1,
                       nsizes);
    return KR_OK;
}

/* One group: its params entry, and one item per photo it consumes. */
static enum kr_code add_group(const struct catalog_var_req *r, size_t g, size_t *sku_at,
                              size_t *photo_at, json_t *groups, json_t *items, struct kr_err *err)
{
    const struct theme *t = find_theme(json_string_value(json_array_get(r->categories, g)));
    json_int_t gsize = json_integer_value(json_array_get(r->group_sizes, g));
    size_t nsizes = json_array_size(r->sizes), nphotos, per;
    json_t *skus = json_array();
    char parent[CATALOG_MAX_SKU + 8];
    enum kr_code rc = check_group(t, g, gsize, nsizes, err);

    if (!rc && *sku_at + (size_t)gsize > json_array_size(r->base.skus))
        rc = kr_fail(err, KR_EINVAL, "sku_count_mismatch",
                     "group sizes add up to more SKUs "
                     "than skuids holds");
    nphotos = rc ? 0 : photos_for(t, (size_t)gsize, nsizes);
    if (!rc && *photo_at + nphotos > json_array_size(r->base.refs))
        rc = kr_fail(err, KR_EINVAL, "image_count_mismatch",
                     "the groups need more photos than image_urls holds");
    for (size_t i = 0; !rc && i < (size_t)gsize; i++)
        json_array_append(skus, json_array_get(r->base.skus, *sku_at + i));
    per = nphotos ? (size_t)gsize / nphotos : 0;
    for (size_t p = 0; !rc && p < nphotos; p++) {
        json_t *mine = json_array();
        for (size_t k = 0; k < per; k++)
            json_array_append(mine, json_array_get(skus, p * per + k));
        json_array_append_new(items, json_pack("{s:O, s:O, s:I, s:o}", "url",
                                               json_array_get(r->base.refs, *photo_at + p), "sku",
                                               json_array_get(mine, 0), "group", (json_int_t)g,
                                               "skus", mine));
    }
    if (!rc) {
        parent_sku(skus, parent, sizeof parent);
        json_array_append_new(groups,
                              json_pack("{s:s, s:s, s:s, s:O}", "category", t->category, "theme",
                                        t->amazon, "parent_sku", parent, "skus", skus));
        *sku_at += (size_t)gsize;
        *photo_at += nphotos;
    }
    json_decref(skus);
    return rc;
}

enum kr_code catalog_variations_input(struct catalog *c, const struct catalog_var_req *r,
                                      json_t **params, json_t **items, struct kr_err *err)
{
    size_t ngroups = json_array_size(r->group_sizes), sku_at = 0, photo_at = 0;
    json_t *groups = json_array();
    enum kr_code rc;

    *params = *items = NULL;
    rc = json_array_size(r->base.skus)
             ? catalog_job_params(c, &r->base, params, err)
             : kr_fail(err, KR_EINVAL, "missing_skus", "skuids are required for variations");
    if (!rc && (ngroups == 0 || json_array_size(r->categories) != ngroups))
        rc = kr_fail(err, KR_EINVAL, "bad_variation",
                     "give one variations_category per group_sizes entry");
    if (!rc && json_array_size(r->sizes) > CATALOG_MAX_SIZES)
        rc = kr_fail(err, KR_ELIMIT, "too_many_items", "at most %d sizes", CATALOG_MAX_SIZES);
    *items = rc ? NULL : json_array();
    for (size_t g = 0; !rc && g < ngroups; g++)
        rc = add_group(r, g, &sku_at, &photo_at, groups, *items, err);
    if (!rc &&
        (sku_at != json_array_size(r->base.skus) || photo_at != json_array_size(r->base.refs)))
        rc = kr_fail(err, KR_EINVAL, "count_mismatch",
                     "the groups use %zu SKUs and %zu photos, but %zu and %zu were given", sku_at,
                     photo_at, json_array_size(r->base.skus), json_array_size(r->base.refs));
    if (!rc) {
        json_object_set(*params, "groups", groups);
        json_object_set(*params, "sizes", r->sizes ? r->sizes : json_null());
    } else if (*params || *items) {
        json_decref(*params);
        json_decref(*items);
        *params = *items = NULL;
    }
    json_decref(groups);
    return rc;
}
