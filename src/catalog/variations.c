/*
 * variations.c - parent/child families (POST /catalog_ai_variations).
 *
 * A request splits its SKUs into groups (group_sizes), each with a theme:
 *   color      one photo per colour, one SKU per photo;
 *   size       one photo, one SKU per size (size_available);
 *   colorsize  one photo per colour, one SKU per colour x size, colour-major.
 * Each photo is one job item processed exactly like a catalog item (models +
 * SKU cache, keyed by the first SKU of the photo). The finish step writes,
 * per group, a parent row (sheets that have them) and one child row per SKU:
 * the child rows copy their photo's values, with the size and the variation
 * columns set. SKUs must be distinct; each family gets a code (parent SKU)
 * that is neither a SKU nor another family's code.
 *
 * Fixed against the original's variations endpoint: no
 * module-level state is touched (every group builds its own values, so a
 * size group never leaks its theme or size column into later requests);
 * each child's filename is the photo its values came from, and its SKU the
 * one paired with that photo and size; rows go to the requesting
 * marketplace's own sheet with its own schema (parent rows only where the
 * sheet has a parent/child column, never an Amazon row in a Flipkart sheet);
 * every result entry, parents included, is {"attributes", "warnings"}; the
 * themes use Amazon's names (ColorName, SizeName, SizeName-ColorName).
 * Which column plays which part in a family is schema data (the columns'
 * "variation" and "parent" keys, docs/MARKETPLACES.md): Amazon has parent
 * rows, Flipkart/Shopsy children share a Group ID, Meesho children carry
 * their size in Variation. A size family on a sheet without a size column
 * is refused: its rows would differ only by SKU.
 *
 * The second half of this file is the finish step (rows per family).
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

/* Longest common prefix of the group's SKUs (whole UTF-8 characters) without
 * trailing separators, else "<first SKU>-P" ("-P2", ...); never in taken
 * (the request's SKUs and the earlier families' codes). */
static void parent_sku(json_t *skus, json_t *taken, char *out, size_t n)
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
    while (len && ((unsigned char)first[len] & 0xC0) == 0x80) /* inside a character */
        len--;
    while (len && strchr("-_. /", first[len - 1]))
        len--;
    if (len >= 2 && len < strlen(first)) {
        snprintf(out, n, "%.*s", (int)len, first);
        if (!json_object_get(taken, out))
            return;
    }
    snprintf(out, n, "%s-P", first);
    for (int k = 2; k < 100000 && json_object_get(taken, out); k++)
        snprintf(out, n, "%s-P%d", first, k);
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

static enum kr_code check_group(const struct sheet_schema *s, const struct theme *t, size_t g,
                                json_int_t gsize, size_t nsizes, struct kr_err *err)
{
    if (!t)
        return kr_fail(err, KRS_BAD_VARIATION,
                       "group %zu: variations_category must be color, size or colorsize", g + 1);
    if (strcmp(t->category, "color") && !sheet_variation_column(s, SHEET_VAR_SIZE))
        return kr_fail(err, KRS_BAD_VARIATION,
                       "group %zu: the %s %s sheet has no size column, so a %s family cannot be "
                       "listed there",
                       g + 1, sheet_marketplace(s), sheet_product_type(s), t->category);
    if (gsize < 1 || gsize > 1000)
        return kr_fail(err, KRS_BAD_VARIATION, "group %zu: bad group size", g + 1);
    if (strcmp(t->category, "color") && nsizes == 0)
        return kr_fail(err, KRS_BAD_VARIATION, "group %zu: size_available is empty", g + 1);
    if (!strcmp(t->category, "size") && (size_t)gsize != nsizes)
        return kr_fail(err, KRS_BAD_VARIATION,
                       "group %zu: a size group needs one SKU per size (%zu)", g + 1, nsizes);
    if (!strcmp(t->category, "colorsize") && (size_t)gsize % nsizes)
        return kr_fail(err, KRS_BAD_VARIATION,
                       "group %zu: a colorsize group needs colours x %zu sizes SKUs", g + 1,
                       nsizes);
    return KR_OK;
}

/* What the groups of one request are built into. */
struct var_build {
    const struct sheet_schema *s;
    const struct catalog_var_req *r;
    json_t *taken;           /* the request's SKUs and the family codes so far (a set) */
    json_t *groups, *items;  /* params.groups and the job's items */
    size_t sku_at, photo_at; /* the next unused SKU and photo */
};

/* One group: its params entry, and one item per photo it consumes. */
static enum kr_code add_group(struct var_build *b, size_t g, struct kr_err *err)
{
    const struct catalog_var_req *r = b->r;
    const struct theme *t = find_theme(json_string_value(json_array_get(r->categories, g)));
    json_int_t gsize = json_integer_value(json_array_get(r->group_sizes, g));
    size_t nsizes = json_array_size(r->sizes), nphotos, per;
    json_t *skus = json_array();
    char parent[CATALOG_MAX_SKU + 8];
    enum kr_code rc = check_group(b->s, t, g, gsize, nsizes, err);

    if (!rc && b->sku_at + (size_t)gsize > json_array_size(r->base.skus))
        rc = kr_fail(err, KRS_SKU_COUNT_MISMATCH,
                     "group sizes add up to more SKUs "
                     "than skuids holds");
    nphotos = rc ? 0 : photos_for(t, (size_t)gsize, nsizes);
    if (!rc && b->photo_at + nphotos > json_array_size(r->base.refs))
        rc = kr_fail(err, KRS_IMAGE_COUNT_MISMATCH,
                     "the groups need more photos than image_urls holds");
    for (size_t i = 0; !rc && i < (size_t)gsize; i++)
        json_array_append(skus, json_array_get(r->base.skus, b->sku_at + i));
    per = nphotos ? (size_t)gsize / nphotos : 0;
    for (size_t p = 0; !rc && p < nphotos; p++) {
        json_t *mine = json_array();
        for (size_t k = 0; k < per; k++)
            json_array_append(mine, json_array_get(skus, p * per + k));
        json_t *it = json_pack("{s:O, s:O, s:I, s:o}", "url",
                               json_array_get(r->base.refs, b->photo_at + p), "sku",
                               json_array_get(mine, 0), "group", (json_int_t)g, "skus", mine);
        if (it && r->base.sizes) /* the seller's height / width of this photo's piece */
            json_object_update(it, json_array_get(r->base.sizes, b->photo_at + p));
        json_array_append_new(b->items, it);
    }
    if (!rc) {
        parent_sku(skus, b->taken, parent, sizeof parent);
        json_object_set(b->taken, parent, json_true());
        json_array_append_new(b->groups,
                              json_pack("{s:s, s:s, s:s, s:O}", "category", t->category, "theme",
                                        t->amazon, "parent_sku", parent, "skus", skus));
        b->sku_at += (size_t)gsize;
        b->photo_at += nphotos;
    }
    json_decref(skus);
    return rc;
}

enum kr_code catalog_variations_input(struct catalog *c, const struct catalog_var_req *r,
                                      json_t **params, json_t **items, struct kr_err *err)
{
    size_t ngroups = json_array_size(r->group_sizes);
    struct var_build b = {.r = r, .groups = json_array()};
    enum kr_code rc;

    *params = *items = NULL;
    rc = json_array_size(r->base.skus)
             ? catalog__job_params(c, &r->base, params, &b.s, err)
             : kr_fail(err, KRS_MISSING_SKUS, "skuids are required for variations");
    if (!rc)
        rc = catalog__sku_set(r->base.skus, &b.taken, err);
    if (!rc && (ngroups == 0 || json_array_size(r->categories) != ngroups))
        rc = kr_fail(err, KRS_BAD_VARIATION, "give one variations_category per group_sizes entry");
    if (!rc && json_array_size(r->sizes) > CATALOG_MAX_SIZES)
        rc = kr_fail(err, KRS_TOO_MANY_ITEMS, "at most %d sizes", CATALOG_MAX_SIZES);
    *items = b.items = rc ? NULL : json_array();
    for (size_t g = 0; !rc && g < ngroups; g++)
        rc = add_group(&b, g, err);
    if (!rc &&
        (b.sku_at != json_array_size(r->base.skus) || b.photo_at != json_array_size(r->base.refs)))
        rc = kr_fail(err, KRS_COUNT_MISMATCH,
                     "the groups use %zu SKUs and %zu photos, but %zu and %zu were given", b.sku_at,
                     b.photo_at, json_array_size(r->base.skus), json_array_size(r->base.refs));
    if (!rc) {
        json_object_set(*params, "groups", b.groups);
        json_object_set(*params, "sizes", r->sizes ? r->sizes : json_null());
    } else if (*params || *items) {
        json_decref(*params);
        json_decref(*items);
        *params = *items = NULL;
    }
    json_decref(b.groups);
    json_decref(b.taken);
    return rc;
}

/*
 * The finish step of a variations job: per group, a
 * parent row then one child row per SKU, written like any catalog sheet.
 *
 * Inputs (see variations.c): params.groups[g] = {category, theme,
 * parent_sku, skus}; params.sizes; items = one per photo {url, sku, group,
 * skus}. A photo's values (item result) fill every child row of that photo;
 * the child's SKU and size come from its position, the variation columns
 * (schema roles parent_child, parent_sku, relationship, theme, size: on
 * Amazon parent_child, parent_sku, relationship_type, variation_theme,
 * size_name) are set only where the marketplace's schema has them. The
 * parent row (sheets with a parent_child column) holds only the columns
 * marked "parent". A group whose photos all failed gets no parent row; its
 * SKUs carry the photo's error.
 */

struct group_out {
    struct catalog_out *f; /* the whole sheet / response */
    const struct sheet_schema *s;
    json_t *group, *sizes;
    json_t *child_rows, *child_results;
    json_t *first_values; /* values of the group's first good photo */
    const char *first_url;
};

/* ov[the column playing role] = value, when the sheet has such a column. */
static void set_role(json_t *ov, const struct sheet_schema *s, enum sheet_var_role role,
                     const char *value)
{
    const struct sheet_column *c = sheet_variation_column(s, role);
    if (c && value)
        json_object_set_new(ov, c->name, json_string(value));
}

static json_t *child_overrides(struct group_out *o, const char *size)
{
    json_t *ov = json_object();

    set_role(ov, o->s, SHEET_VAR_PARENT_CHILD, "child");
    set_role(ov, o->s, SHEET_VAR_PARENT_SKU, catalog__str(o->group, "parent_sku"));
    set_role(ov, o->s, SHEET_VAR_RELATIONSHIP, "variation");
    set_role(ov, o->s, SHEET_VAR_THEME, catalog__str(o->group, "theme"));
    set_role(ov, o->s, SHEET_VAR_SIZE, size);
    return ov;
}

/* A parent row only names the family: every column the schema does not mark
 * "parent" (price, stock, attributes, the child's own SKU columns, ...) is
 * left blank, and so are warnings about those columns. */
static void keep_parent_columns(const struct sheet_schema *s, json_t *row, json_t *warnings)
{
    size_t i = json_array_size(warnings);

    for (size_t c = 0; c < sheet_ncolumns(s); c++)
        if (!sheet_column(s, c)->parent)
            json_object_del(row, sheet_column(s, c)->name);
    while (i-- > 0) {
        const struct sheet_column *c =
            sheet_find_column(s, catalog__str(json_array_get(warnings, i), "column"));
        if (!c || !c->parent)
            json_array_remove(warnings, i);
    }
}

/* The row of photo url (a parent row when `parent`) into the group's output.
 * item: the photo's item result (children): its "needs review" notes and the
 * offline analysis's disagreements with a provider's attributes join the
 * row's warnings, as for a plain catalog row. */
static enum kr_code add_row(struct group_out *o, const char *url, const struct catalog_row_src *src,
                            int parent, const json_t *item, struct kr_err *err)
{
    const char *sku = src->sku;
    json_t *row = NULL, *warnings = NULL;
    enum kr_code rc = catalog__row(o->s, src, &row, &warnings, err);

    if (rc)
        return rc;
    if (parent)
        keep_parent_columns(o->s, row, warnings);
    if (item) {
        catalog__add_review(warnings, json_object_get(item, "notes"));
        if (sheet_check_analysis(o->s, row, json_object_get(item, "analysis"), warnings)) {
            json_decref(row);
            json_decref(warnings);
            return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
        }
    }
    json_array_append(parent ? o->f->rows : o->child_rows, row);
    json_array_append_new(parent ? o->f->results : o->child_results,
                          catalog__result_entry(o->s, url, sku, row, warnings));
    json_decref(row);
    json_decref(warnings);
    return KR_OK;
}

/* Child rows of one photo. */
static enum kr_code photo_rows(struct group_out *o, json_t *in, const struct jobs_item *it,
                               struct kr_err *err)
{
    json_t *skus = json_object_get(in, "skus"), *values, *sku;
    const char *url = catalog__str(in, "url"), *cat = catalog__str(o->group, "category");
    enum kr_code rc = KR_OK;
    size_t k;

    if (it->status != JOBS_ITEM_DONE) {
        json_array_foreach(skus, k, sku)
        {
            json_array_append_new(o->child_results,
                                  catalog__failed_entry(o->f, url, json_string_value(sku), it));
        }
        return KR_OK;
    }
    values = json_object_get(it->result, "values");
    if (!o->first_values) {
        o->first_values = values;
        o->first_url = url;
    }
    json_array_foreach(skus, k, sku)
    {
        const char *size =
            strcmp(cat, "color") ? json_string_value(json_array_get(o->sizes, k)) : NULL;
        json_t *ov = child_overrides(o, size);
        rc = add_row(o, url, &(struct catalog_row_src){json_string_value(sku), values, ov}, 0,
                     it->result, err);
        json_decref(ov);
        if (rc)
            break;
    }
    return rc;
}

static enum kr_code parent_row(struct group_out *o, struct kr_err *err)
{
    const char *title = catalog__copy_column(o->s, SHEET_COPY_TITLE);
    json_t *values = json_object(), *ov;
    enum kr_code rc;

    if (title)
        json_object_set(values, title, json_object_get(o->first_values, title));
    ov = json_object();
    set_role(ov, o->s, SHEET_VAR_PARENT_CHILD, "parent");
    set_role(ov, o->s, SHEET_VAR_THEME, catalog__str(o->group, "theme"));
    rc = add_row(o, o->first_url,
                 &(struct catalog_row_src){catalog__str(o->group, "parent_sku"), values, ov}, 1,
                 NULL, err);
    json_decref(values);
    json_decref(ov);
    return rc;
}

static enum kr_code one_group(struct group_out *o, size_t g, json_t *inputs,
                              const struct jobs_item *items, size_t n, struct kr_err *err)
{
    enum kr_code rc = KR_OK;
    size_t i;
    json_t *in;

    o->child_rows = json_array();
    o->child_results = json_array();
    o->first_values = NULL;
    json_array_foreach(inputs, i, in)
    {
        if ((size_t)json_integer_value(json_object_get(in, "group")) == g && !rc && i < n)
            rc = photo_rows(o, in, &items[i], err);
    }
    if (!rc && o->first_values && sheet_variation_column(o->s, SHEET_VAR_PARENT_CHILD))
        rc = parent_row(o, err);
    if (!rc) {
        json_array_extend(o->f->rows, o->child_rows);
        json_array_extend(o->f->results, o->child_results);
    }
    json_decref(o->child_rows);
    json_decref(o->child_results);
    return rc;
}

/* The rows callback (catalog__finish): every family in order; the response
 * also names the groups and whether the sheet has parent rows. */
static enum kr_code family_rows(struct catalog_out *f, json_t *inputs,
                                const struct jobs_item *items, size_t n, struct kr_err *err)
{
    struct group_out o = {.f = f, .s = f->s, .sizes = json_object_get(f->params, "sizes")};
    json_t *groups = json_object_get(f->params, "groups");
    enum kr_code rc = KR_OK;

    for (size_t g = 0; !rc && g < json_array_size(groups); g++) {
        o.group = json_array_get(groups, g);
        rc = one_group(&o, g, inputs, items, n, err);
    }
    json_object_set(f->out, "groups", groups);
    json_object_set_new(f->out, "parent_rows",
                        json_boolean(sheet_variation_column(f->s, SHEET_VAR_PARENT_CHILD)));
    return rc;
}

enum kr_code catalog__var_finish(void *ctx, const struct jobs_finished *f, json_t **result,
                                 struct kr_err *err)
{
    return catalog__finish(ctx, "variations", f, family_rows, result, err);
}
