/*
 * variation_rows.c - the finish step of a variations job: per group, a
 * parent row then one child row per SKU, written like any catalog sheet.
 *
 * Inputs (see variations.c): params.groups[g] = {category, theme,
 * parent_sku, skus}; params.sizes; items = one per photo {url, sku, group,
 * skus}. A photo's values (item result) fill every child row of that photo;
 * the child's SKU and size come from its position, the variation columns
 * (parent_child, parent_sku, relationship_type, variation_theme, size_name)
 * are set only where the marketplace's schema has them. A group whose
 * photos all failed gets no parent row; its SKUs carry the photo's error.
 */
#include "catalog/catalog_int.h"

#include <string.h>

#include "core/log.h"

struct group_out {
    const struct sheet_schema *s;
    json_t *group, *sizes;
    json_t *rows, *results; /* the whole sheet / response */
    json_t *child_rows, *child_results;
    json_t *first_values; /* values of the group's first good photo */
    const char *first_url;
};

static json_t *child_overrides(struct group_out *o, const char *size)
{
    json_t *ov = json_pack("{s:s, s:s, s:s, s:s}", "parent_child", "child", "parent_sku",
                           catalog_str(o->group, "parent_sku"), "relationship_type", "variation",
                           "variation_theme", catalog_str(o->group, "theme"));
    if (ov && size)
        json_object_set_new(ov, "size_name", json_string(size));
    return ov;
}

static enum kr_code add_row(struct group_out *o, const char *url, const char *sku, json_t *values,
                            json_t *overrides, int parent, struct kr_err *err)
{
    json_t *row = NULL, *warnings = NULL;
    enum kr_code rc = catalog_row(o->s, sku, values, overrides, &row, &warnings, err);

    if (rc)
        return rc;
    if (parent) { /* a parent row only names the family: blank attributes are expected */
        size_t i = json_array_size(warnings);
        while (i-- > 0) {
            const char *p = catalog_str(json_array_get(warnings, i), "problem");
            if (!strcmp(p, "missing_required") || !strcmp(p, "too_few_bullets"))
                json_array_remove(warnings, i);
        }
    }
    json_array_append(parent ? o->rows : o->child_rows, row);
    json_array_append_new(parent ? o->results : o->child_results,
                          catalog_result_entry(o->s, url, sku, row, warnings));
    json_decref(row);
    json_decref(warnings);
    return KR_OK;
}

/* Child rows of one photo. */
static enum kr_code photo_rows(struct group_out *o, json_t *in, json_t *doc, struct kr_err *err)
{
    json_t *skus = json_object_get(in, "skus"), *values, *sku;
    const char *url = catalog_str(in, "url"), *cat = catalog_str(o->group, "category");
    enum kr_code rc = KR_OK;
    size_t k;

    if (strcmp(catalog_str(doc, "status"), "done") != 0) {
        json_array_foreach(skus, k, sku)
        {
            json_array_append_new(
                o->child_results,
                catalog_failed_entry(url, json_string_value(sku), json_object_get(doc, "error")));
        }
        return KR_OK;
    }
    values = json_object_get(json_object_get(doc, "result"), "values");
    if (!o->first_values) {
        o->first_values = values;
        o->first_url = url;
    }
    json_array_foreach(skus, k, sku)
    {
        const char *size =
            strcmp(cat, "color") ? json_string_value(json_array_get(o->sizes, k)) : NULL;
        json_t *ov = child_overrides(o, size);
        rc = add_row(o, url, json_string_value(sku), values, ov, 0, err);
        json_decref(ov);
        if (rc)
            break;
    }
    return rc;
}

static enum kr_code parent_row(struct group_out *o, struct kr_err *err)
{
    const char *title = catalog_copy_column(o->s, SHEET_COPY_TITLE);
    json_t *values = json_object(), *ov;
    enum kr_code rc;

    if (title)
        json_object_set(values, title, json_object_get(o->first_values, title));
    ov = json_pack("{s:s, s:s}", "parent_child", "parent", "variation_theme",
                   catalog_str(o->group, "theme"));
    rc = add_row(o, o->first_url, catalog_str(o->group, "parent_sku"), values, ov, 1, err);
    json_decref(values);
    json_decref(ov);
    return rc;
}

static enum kr_code one_group(struct group_out *o, size_t g, json_t *inputs, json_t *docs,
                              struct kr_err *err)
{
    enum kr_code rc = KR_OK;
    size_t i;
    json_t *in;

    o->child_rows = json_array();
    o->child_results = json_array();
    o->first_values = NULL;
    json_array_foreach(inputs, i, in)
    {
        if ((size_t)json_integer_value(json_object_get(in, "group")) == g && !rc)
            rc = photo_rows(o, in, json_array_get(docs, i), err);
    }
    if (!rc && o->first_values && sheet_find_column(o->s, "parent_child"))
        rc = parent_row(o, err);
    if (!rc) {
        json_array_extend(o->rows, o->child_rows);
        json_array_extend(o->results, o->child_results);
    }
    json_decref(o->child_rows);
    json_decref(o->child_results);
    return rc;
}

enum kr_code catalog_var_finish(void *ctx, const char *job_id, json_t *params, json_t *inputs,
                                json_t *docs, json_t **result, struct kr_err *err)
{
    struct catalog *c = ctx;
    struct group_out o = {0};
    json_t *groups = json_object_get(params, "groups"), *out = NULL;
    enum kr_code rc = catalog_schema(c, catalog_str(params, "marketplace"),
                                     catalog_str(params, "product_type"), &o.s, err);

    o.sizes = json_object_get(params, "sizes");
    o.rows = json_array();
    o.results = json_array();
    for (size_t g = 0; !rc && g < json_array_size(groups); g++) {
        o.group = json_array_get(groups, g);
        rc = one_group(&o, g, inputs, docs, err);
    }
    if (!rc && json_array_size(o.rows) == 0)
        rc = kr_fail(err, KR_EUPSTREAM, "no_rows", "no product photo could be processed");
    if (!rc) {
        out = json_pack("{s:O, s:O, s:s, s:s, s:I, s:b}", "results", o.results, "groups", groups,
                        "marketplace", sheet_marketplace(o.s), "product_type",
                        sheet_product_type(o.s), "rows", (json_int_t)json_array_size(o.rows),
                        "parent_rows", sheet_find_column(o.s, "parent_child") != NULL);
        rc = out ? catalog_write_files(c, o.s, params, o.rows, out, err)
                 : kr_fail(err, KR_ENOMEM, NULL, "out of memory");
    }
    if (!rc)
        log_info("variations job %s: %zu rows written", job_id, json_array_size(o.rows));
    json_decref(o.rows);
    json_decref(o.results);
    if (rc)
        json_decref(out);
    else
        *result = out;
    return rc;
}
