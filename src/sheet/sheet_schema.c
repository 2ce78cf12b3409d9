/*
 * sheet_schema.c - loading marketplace schemas from data/marketplaces/.
 *
 * One JSON file per (marketplace, product type), format in
 * docs/MARKETPLACES.md. The loader is strict: unknown keys, wrong types,
 * duplicate column names and out-of-range rows are errors, so a typo in a
 * hand-edited file fails at load time instead of producing a wrong sheet.
 * Lookup by name follows the original system's rule (first three letters of
 * marketplace and type, case-insensitive) so "Amazon"/"earring" still work.
 */
#include "sheet/sheet_int.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

#define SCHEMA_MAX_BYTES (4u << 20)
#define NAME_MAX_BYTES   255

void *sheet__alloc(struct sheet_schema *s, size_t n)
{
    void *p;
    if (s->nallocs == s->capallocs) {
        size_t cap = s->capallocs ? s->capallocs * 2 : 64;
        void **a = realloc(s->allocs, cap * sizeof *a);
        if (!a)
            return NULL;
        s->allocs = a;
        s->capallocs = cap;
    }
    p = calloc(1, n ? n : 1);
    if (p)
        s->allocs[s->nallocs++] = p;
    return p;
}

char *sheet__strdup(struct sheet_schema *s, const char *str)
{
    size_t n = strlen(str);
    char *p = sheet__alloc(s, n + 1);
    if (p)
        memcpy(p, str, n + 1);
    return p;
}

void sheet_schema_free(struct sheet_schema *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nallocs; i++)
        free(s->allocs[i]);
    free(s->allocs);
    json_decref(s->doc);
    json_decref(s->rules.doc);
    free(s);
}

static enum kr_code bad(struct kr_err *err, const char *what, const char *detail)
{
    return kr_fail(err, KRS_BAD_SCHEMA, "schema: %s%s%s", what, detail ? ": " : "",
                   detail ? detail : "");
}

/* A NUL-free string of 1..max bytes, or NULL. */
static const char *get_str(const json_t *o, const char *key, size_t max)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > max ||
        strlen(json_string_value(v)) != json_string_length(v))
        return NULL;
    return json_string_value(v);
}

/* Integer key in [lo, hi], or def when absent; -1 when present but bad. */
static long long get_int(const json_t *o, const char *key, long long lo, long long hi,
                         long long def)
{
    const json_t *v = json_object_get(o, key);
    if (!v)
        return def;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return -1;
    return json_integer_value(v);
}

static int get_bool(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return v ? (json_is_true(v) ? 1 : json_is_false(v) ? 0 : -1) : 0;
}

/* Array of non-empty strings -> owned const char * array. */
static enum kr_code str_array(struct sheet_schema *s, const json_t *a, const char ***out, size_t *n,
                              const char *what, struct kr_err *err)
{
    size_t i;
    json_t *v;
    *out = NULL;
    *n = 0;
    if (!a)
        return KR_OK;
    if (!json_is_array(a) || json_array_size(a) > 100000)
        return bad(err, what, "not an array of strings");
    *out = sheet__alloc(s, (json_array_size(a) + 1) * sizeof **out);
    if (!*out)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    json_array_foreach(a, i, v)
    {
        if (!json_is_string(v) || json_string_length(v) == 0 ||
            json_string_length(v) > SHEET_CELL_MAX_CHARS ||
            strlen(json_string_value(v)) != json_string_length(v))
            return bad(err, what, "empty or bad string");
        (*out)[i] = json_string_value(v);
    }
    *n = json_array_size(a);
    return KR_OK;
}

static const char *const source_names[] = {"sku", "attr", "dims", "copy", "fixed"};
static const char *const copy_names[] = {"",         "title",   "bullet", "description",
                                         "keywords", "features"};
static const char *const var_names[] = {"",      "parent_child", "parent_sku", "relationship",
                                        "theme", "size"};
static const char *const column_keys[] = {
    "name",     "label",   "source",    "copy",      "description", "allowed",   "aliases",
    "value",    "profile", "separator", "forbidden", "single_line", "max_chars", "max_bytes",
    "required", "numeric", "variation", "parent",    NULL};

static int lookup(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(names[i], s) == 0)
            return (int)i;
    return -1;
}

static enum kr_code check_keys(const json_t *o, const char *const *keys, const char *what,
                               struct kr_err *err)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        int ok = 0;
        for (size_t i = 0; keys[i] && !ok; i++)
            ok = strcmp(keys[i], k) == 0;
        if (!ok)
            return kr_fail(err, KRS_BAD_SCHEMA, "schema: %s: unknown key '%s'", what, k);
    }
    return KR_OK;
}

static enum kr_code parse_limits(const json_t *o, struct sheet_column *c, struct kr_err *err)
{
    long long mc = get_int(o, "max_chars", 1, SHEET_CELL_MAX_CHARS, 0);
    long long mb = get_int(o, "max_bytes", 1, 4 * SHEET_CELL_MAX_CHARS, 0);
    int sl = get_bool(o, "single_line"), rq = get_bool(o, "required"), nu = get_bool(o, "numeric");
    int pa = get_bool(o, "parent");
    if (mc < 0 || mb < 0 || sl < 0 || rq < 0 || nu < 0 || pa < 0)
        return bad(err, c->name, "bad max_chars/max_bytes/single_line/required/numeric/parent");
    c->max_chars = (int)mc;
    c->max_bytes = (int)mb;
    c->single_line = sl;
    c->required = rq;
    c->numeric = nu;
    c->parent = pa;
    return KR_OK;
}

/* "variation": the column's role in a variation family; fixed columns only. */
static enum kr_code parse_variation(const json_t *o, struct sheet_column *c, struct kr_err *err)
{
    int role;

    if (!json_object_get(o, "variation"))
        return KR_OK;
    role = lookup(var_names + 1, SHEET_VAR_COUNT - 1, get_str(o, "variation", 16));
    if (role < 0)
        return bad(err, c->name,
                   "variation must be parent_child, parent_sku, relationship, theme or size");
    if (c->source != SHEET_SRC_FIXED)
        return bad(err, c->name, "'variation' only applies to fixed columns");
    c->variation = (enum sheet_var_role)(role + 1);
    return KR_OK;
}

static enum kr_code parse_column(struct sheet_schema *s, const json_t *o, struct sheet_column *c,
                                 struct kr_err *err)
{
    enum kr_code rc;
    const json_t *v;
    int src, role = 0;

    if (!json_is_object(o))
        return bad(err, "column", "not an object");
    c->name = get_str(o, "name", NAME_MAX_BYTES);
    if (!c->name)
        return bad(err, "column", "missing or bad name");
    if ((rc = check_keys(o, column_keys, c->name, err)))
        return rc;
    src = lookup(source_names, SHEET_SRC_COUNT, get_str(o, "source", 16));
    if (src < 0)
        return bad(err, c->name, "source must be sku, attr, dims, copy or fixed");
    c->source = (enum sheet_source)src;
    if (src == SHEET_SRC_COPY) {
        role = lookup(copy_names + 1, 5, get_str(o, "copy", 16));
        if (role < 0)
            return bad(err, c->name,
                       "copy must be title, bullet, description, keywords or features");
        role++;
    } else if (json_object_get(o, "copy")) {
        return bad(err, c->name, "'copy' only applies to copy columns");
    }
    c->copy = (enum sheet_copy_role)role;
    c->label = get_str(o, "label", SHEET_CELL_MAX_CHARS);
    v = json_object_get(o, "description");
    c->description = json_is_string(v) ? json_string_value(v) : "";
    v = json_object_get(o, "value");
    if ((src == SHEET_SRC_FIXED) != (v != NULL) || (v && !json_is_string(v)))
        return bad(err, c->name, "fixed columns (and only they) need a string value");
    c->value = v ? json_string_value(v) : NULL;
    c->profile_key = get_str(o, "profile", 64);
    if (c->profile_key && src != SHEET_SRC_FIXED)
        return bad(err, c->name, "'profile' only applies to fixed columns");
    c->separator = get_str(o, "separator", 16);
    c->forbidden = get_str(o, "forbidden", 256);
    if ((rc = parse_limits(o, c, err)) || (rc = parse_variation(o, c, err)))
        return rc;
    if ((rc = str_array(s, json_object_get(o, "allowed"), (const char ***)&c->allowed, &c->nallowed,
                        c->name, err)))
        return rc;
    return str_array(s, json_object_get(o, "aliases"), (const char ***)&c->aliases, &c->naliases,
                     c->name, err);
}

static enum kr_code parse_columns(struct sheet_schema *s, const json_t *a, struct kr_err *err)
{
    enum kr_code rc;
    size_t n = json_array_size(a);

    if (!json_is_array(a) || n == 0 || n > SHEET_MAX_COLUMNS)
        return bad(err, "columns", "need 1..2000 columns");
    s->cols = sheet__alloc(s, n * sizeof *s->cols);
    if (!s->cols)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if ((rc = parse_column(s, json_array_get(a, i), &s->cols[i], err)))
            return rc;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(s->cols[j].name, s->cols[i].name) == 0)
                return bad(err, "duplicate column", s->cols[i].name);
            if (s->cols[i].variation && s->cols[j].variation == s->cols[i].variation)
                return bad(err, "two columns with one variation role", s->cols[i].name);
        }
    }
    s->ncols = n;
    return KR_OK;
}

static enum kr_code parse_preamble(struct sheet_schema *s, const json_t *a, struct kr_err *err)
{
    enum kr_code rc;
    if (!a)
        return KR_OK;
    if (!json_is_array(a) || json_array_size(a) > 16)
        return bad(err, "preamble", "not a short array");
    s->npre = json_array_size(a);
    s->pre = sheet__alloc(s, (s->npre + 1) * sizeof *s->pre);
    if (!s->pre)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    for (size_t i = 0; i < s->npre; i++) {
        const json_t *p = json_array_get(a, i);
        long long row = get_int(p, "row", 1, s->first_data_row - 1, -1);
        if (!json_is_object(p) || row < 1 || row == s->header_row || row == s->label_row)
            return bad(err, "preamble", "row must be a free header-area row");
        s->pre[i].row = (int)row;
        if ((rc = str_array(s, json_object_get(p, "cells"), &s->pre[i].cells, &s->pre[i].ncells,
                            "preamble", err)))
            return rc;
    }
    return KR_OK;
}

static int bad_sheet_name(const char *n)
{
    return !n || strlen(n) > 31 || strpbrk(n, "[]:*?/\\") != NULL || n[0] == '\'';
}

static enum kr_code parse_layout(struct sheet_schema *s, const json_t *d, struct kr_err *err)
{
    const json_t *sh = json_object_get(d, "sheet"), *b = json_object_get(d, "bullets");
    long long idx = get_int(sh, "index", 0, 255, 0);
    enum kr_code rc;

    s->sheet_name = get_str(sh, "name", 31);
    if (!json_is_object(sh) || bad_sheet_name(s->sheet_name) || idx < 0)
        return bad(err, "sheet", "needs a valid name (<= 31 chars) and index");
    s->sheet_index = (int)idx;
    if ((rc =
             str_array(s, json_object_get(sh, "match"), &s->match, &s->nmatch, "sheet.match", err)))
        return rc;
    s->header_row = (int)get_int(d, "header_row", 1, 1000, -1);
    s->label_row = (int)get_int(d, "label_row", 1, 1000, 0);
    s->first_data_row = (int)get_int(d, "first_data_row", 2, 1001, -1);
    if (s->header_row < 1 || s->label_row < 0 || s->first_data_row <= s->header_row ||
        s->first_data_row <= s->label_row || s->label_row == s->header_row)
        return bad(err, "rows", "need header_row < first_data_row (label_row optional)");
    s->bullets_min = (int)get_int(b, "min", 0, 100, 0);
    s->bullets_max = (int)get_int(b, "max", 0, 100, 0);
    if (s->bullets_min < 0 || s->bullets_max < s->bullets_min)
        return bad(err, "bullets", "need 0 <= min <= max");
    return parse_preamble(s, json_object_get(d, "preamble"), err);
}

static const char *const top_keys[] = {"schema",         "marketplace", "product_type", "code",
                                       "template_file",  "sheet",       "header_row",   "label_row",
                                       "first_data_row", "preamble",    "bullets",      "columns",
                                       "notes",          NULL};

static enum kr_code parse_doc(struct sheet_schema *s, struct kr_err *err)
{
    enum kr_code rc;
    const json_t *d = s->doc;

    if (!json_is_object(d))
        return bad(err, "top level", "not an object");
    if ((rc = check_keys(d, top_keys, "top level", err)))
        return rc;
    if (get_int(d, "schema", 1, 1, -1) != 1)
        return bad(err, "schema", "version must be 1");
    s->marketplace = get_str(d, "marketplace", 32);
    s->product_type = get_str(d, "product_type", 32);
    s->code = get_str(d, "code", 16);
    s->template_file = get_str(d, "template_file", 255);
    if (!s->marketplace || !s->product_type || !s->code)
        return bad(err, "marketplace/product_type/code", "missing");
    if (!s->template_file)
        s->template_file = "";
    if ((rc = parse_layout(s, d, err)))
        return rc;
    if ((rc = parse_columns(s, json_object_get(d, "columns"), err)))
        return rc;
    if (s->bullets_max > 0) {
        int nb = 0;
        for (size_t i = 0; i < s->ncols; i++)
            nb += s->cols[i].copy == SHEET_COPY_BULLET;
        if (nb < s->bullets_min)
            return bad(err, "bullets", "min is larger than the bullet columns");
    }
    return KR_OK;
}

enum kr_code sheet_schema_load_file(const char *path, struct sheet_schema **out, struct kr_err *err)
{
    struct buf b;
    json_error_t je;
    enum kr_code rc;
    struct sheet_schema *s = calloc(1, sizeof *s);

    *out = NULL;
    if (!s)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    buf_init(&b, SCHEMA_MAX_BYTES);
    rc = buf_read_file(&b, path, err);
    if (!rc) {
        s->doc = json_loadb((const char *)b.data, b.len, JSON_REJECT_DUPLICATES, &je);
        if (!s->doc)
            rc = kr_fail(err, KRS_BAD_SCHEMA, "%s:%d: %s", path, je.line, je.text);
    }
    buf_release(&b);
    if (!rc && (rc = parse_doc(s, err)))
        kr_err_prefix(err, "%s: ", path);
    if (!rc)
        rc = sheet__rules_attach(s, path, err);
    if (rc) {
        sheet_schema_free(s);
        return rc;
    }
    *out = s;
    return KR_OK;
}

const char *sheet_dir(const char *dir)
{
#ifdef KARAT_SOURCE_DATA_DIR
    static _Thread_local char in_tree[4200];
#endif
    if (!dir)
        return "";
#ifdef KARAT_SOURCE_DATA_DIR
    if (*dir && *dir != '/' && !util_file_exists(dir) &&
        !util_fmt(in_tree, sizeof in_tree, "%s/../%s", KARAT_SOURCE_DATA_DIR, dir) &&
        util_file_exists(in_tree))
        return in_tree;
#endif
    return dir;
}

/* "amazon" + "earrings" -> "ama_ear" (the original's marketplace_type rule). */
void sheet_code_of(const char *mp, const char *type, char out[SHEET_CODE_LEN])
{
    size_t k = 0;
    for (size_t i = 0; i < 3 && mp[i]; i++)
        out[k++] = (char)tolower((unsigned char)mp[i]);
    out[k++] = '_';
    for (size_t i = 0; i < 3 && type[i]; i++)
        out[k++] = (char)tolower((unsigned char)type[i]);
    out[k] = '\0';
}

static int safe_name(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-')
            return 0;
    return 1;
}

/* Split "amazon_earrings.json" into its two names; 0 if it is not one. */
static int split_file(const char *fname, char *mp, char *type)
{
    const char *us = strchr(fname, '_'), *dot = strrchr(fname, '.');
    if (!us || !dot || strcmp(dot, ".json") != 0 || us > dot || us - fname > 32 ||
        dot - us - 1 > 32)
        return 0;
    memcpy(mp, fname, (size_t)(us - fname));
    mp[us - fname] = '\0';
    memcpy(type, us + 1, (size_t)(dot - us - 1));
    type[dot - us - 1] = '\0';
    return safe_name(mp) && safe_name(type);
}

enum kr_code sheet_schema_load(const char *dir, const char *marketplace, const char *product_type,
                               struct sheet_schema **out, struct kr_err *err)
{
    char want[SHEET_CODE_LEN], code[SHEET_CODE_LEN], mp[40], type[40], best[300] = "", path[4400];
    int exact = 0, nmatch = 0;
    struct dirent *de;
    DIR *d;

    *out = NULL;
    if (!safe_name(marketplace) || !safe_name(product_type))
        return kr_fail(err, KRS_BAD_MARKETPLACE,
                       "marketplace and type must be 1-32 letters, digits or '-'");
    dir = sheet_dir(dir);
    d = opendir(dir);
    if (!d)
        return kr_fail(err, KRS_NO_SHEET_SCHEMA, "marketplace schema folder %s is missing", dir);
    sheet_code_of(marketplace, product_type, want);
    while ((de = readdir(d)) && !exact) {
        if (!split_file(de->d_name, mp, type) || strlen(de->d_name) >= sizeof best)
            continue;
        sheet_code_of(mp, type, code);
        exact = util_streq_ci(mp, marketplace) && util_streq_ci(type, product_type);
        if (exact || strcmp(code, want) == 0) {
            nmatch += !exact;
            util_strlcpy(best, de->d_name, sizeof best);
        }
    }
    closedir(d);
    if (!best[0])
        return kr_fail(err, KRS_NO_SHEET_SCHEMA,
                       "no sheet schema for marketplace '%s' and type '%s'", marketplace,
                       product_type);
    if (!exact && nmatch > 1)
        return kr_fail(err, KRS_BAD_MARKETPLACE,
                       "'%s'/'%s' matches several schemas; use the full names", marketplace,
                       product_type);
    util_fmt(path, sizeof path, "%s/%s", dir, best);
    return sheet_schema_load_file(path, out, err);
}
