/*
 * sheet_access.c - read-only views of a loaded schema: names, layout,
 * columns, the fields to ask the models for, and the list of every schema
 * in the folder (for GET endpoints and `karat` commands).
 */
#include "sheet/sheet_int.h"

#include <dirent.h>
#include <string.h>

#include "core/util.h"

const char *sheet_marketplace(const struct sheet_schema *s)
{
    return s->marketplace;
}

const char *sheet_product_type(const struct sheet_schema *s)
{
    return s->product_type;
}

const char *sheet_code(const struct sheet_schema *s)
{
    return s->code;
}

const char *sheet_sheet_name(const struct sheet_schema *s)
{
    return s->sheet_name;
}

const char *sheet_template_file(const struct sheet_schema *s)
{
    return s->template_file;
}

int sheet_header_row(const struct sheet_schema *s)
{
    return s->header_row;
}

int sheet_first_data_row(const struct sheet_schema *s)
{
    return s->first_data_row;
}

void sheet_bullet_range(const struct sheet_schema *s, int *min, int *max)
{
    *min = s->bullets_min;
    *max = s->bullets_max;
}

size_t sheet_ncolumns(const struct sheet_schema *s)
{
    return s->ncols;
}

const struct sheet_column *sheet_column(const struct sheet_schema *s, size_t i)
{
    return i < s->ncols ? &s->cols[i] : NULL;
}

const struct sheet_column *sheet_find_column(const struct sheet_schema *s, const char *name)
{
    for (size_t i = 0; name && i < s->ncols; i++)
        if (strcmp(s->cols[i].name, name) == 0)
            return &s->cols[i];
    return NULL;
}

const struct sheet_column *sheet_variation_column(const struct sheet_schema *s,
                                                  enum sheet_var_role role)
{
    for (size_t i = 0; role != SHEET_VAR_NONE && i < s->ncols; i++)
        if (s->cols[i].variation == role)
            return &s->cols[i];
    return NULL;
}

size_t sheet_ai_fields(const struct sheet_schema *s, enum sheet_source src, struct ai_field *out,
                       size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < s->ncols; i++) {
        const struct sheet_column *c = &s->cols[i];
        if (c->source != src)
            continue;
        if (out && n < max) {
            int lim = c->max_chars;
            if (c->max_bytes && (!lim || c->max_bytes < lim))
                lim = c->max_bytes;
            out[n] = (struct ai_field){.name = c->name,
                                       .description = c->description,
                                       .allowed = c->allowed,
                                       .nallowed = c->nallowed,
                                       .max_len = lim,
                                       .multi = c->separator != NULL};
        }
        n++;
    }
    return n;
}

json_t *sheet_fixed_values(const struct sheet_schema *s)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < s->ncols; i++)
        if (s->cols[i].source == SHEET_SRC_FIXED &&
            json_object_set_new(o, s->cols[i].name, json_string(s->cols[i].value))) {
            json_decref(o);
            return NULL;
        }
    return o;
}

static json_t *list_entry(const struct sheet_schema *s)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:I}", "marketplace", s->marketplace, "product_type",
                     s->product_type, "code", s->code, "sheet", s->sheet_name, "columns",
                     (json_int_t)s->ncols);
}

static int entry_cmp(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = strcmp(json_string_value(json_object_get(x, "marketplace")),
                   json_string_value(json_object_get(y, "marketplace")));
    return c ? c
             : strcmp(json_string_value(json_object_get(x, "product_type")),
                      json_string_value(json_object_get(y, "product_type")));
}

/* Sort a JSON array of list entries in place. */
static enum kr_code sort_entries(json_t *arr, struct kr_err *err)
{
    size_t n = json_array_size(arr);
    json_t **v = calloc(n ? n : 1, sizeof *v);
    if (!v)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(arr, i));
    qsort(v, n, sizeof *v, entry_cmp);
    json_array_clear(arr);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, v[i]);
    free(v);
    return KR_OK;
}

enum kr_code sheet_list(const char *dir, json_t **out, struct kr_err *err)
{
    char path[4400];
    struct dirent *de;
    json_t *arr = json_array();
    DIR *d;

    *out = NULL;
    dir = sheet_dir(dir);
    if (!arr)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    d = opendir(dir);
    if (!d) {
        json_decref(arr);
        return kr_fail(err, KRS_NO_SHEET_SCHEMA, "marketplace schema folder %s is missing", dir);
    }
    while ((de = readdir(d))) {
        struct sheet_schema *s = NULL;
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0 || de->d_name[0] == '.')
            continue;
        if (util_fmt(path, sizeof path, "%s/%s", dir, de->d_name) ||
            sheet_schema_load_file(path, &s, NULL))
            continue;
        json_array_append_new(arr, list_entry(s));
        sheet_schema_free(s);
    }
    closedir(d);
    if (sort_entries(arr, err)) {
        json_decref(arr);
        return KR_ENOMEM;
    }
    *out = arr;
    return KR_OK;
}
