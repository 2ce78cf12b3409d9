/*
 * sheet_profile.c - the seller profile and building rows.
 *
 * A seller profile is a small JSON object of the seller's constants (brand,
 * manufacturer, packer, HSN, GST %, country of origin, MRP, stock, package
 * size ...; data/profiles/example.json). Schema columns name the profile key
 * that overrides their default ("profile": "brand"), so one profile serves
 * every marketplace. "columns" / "marketplaces" in the profile set any fixed
 * column by its exact name when a seller needs a per-marketplace value.
 *
 * sheet_row_build() puts the three value sources together: fixed columns
 * come from the (profile-applied) schema, SKU columns get the SKU, and every
 * other column takes the models' answer keyed by column name. Model answers
 * never override fixed columns: the model is not asked for them.
 */
#include "sheet/sheet_int.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"

#define PROFILE_MAX_BYTES (256u << 10)
#define PROFILE_MAX_VALUE 4096

/* A profile value as text (strings, integers, reals); NULL otherwise. */
static const char *value_text(const json_t *v, char *tmp, size_t n)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(tmp, n, "%lld", (long long)json_integer_value(v));
        return tmp;
    }
    if (json_is_real(v)) {
        snprintf(tmp, n, "%.15g", json_real_value(v));
        return tmp;
    }
    return NULL;
}

static int scalar_ok(const json_t *v)
{
    if (json_is_string(v))
        return json_string_length(v) <= PROFILE_MAX_VALUE &&
               strlen(json_string_value(v)) == json_string_length(v);
    return json_is_integer(v) || json_is_real(v);
}

/* {key: scalar}; nested allowed for "columns" and "marketplaces". */
static enum kr_code check_map(const json_t *o, int depth, struct kr_err *err)
{
    const char *k;
    json_t *v;
    if (!json_is_object(o) || json_object_size(o) > 1000)
        return kr_fail(err, KRS_BAD_PROFILE, "profile: expected an object of values");
    json_object_foreach((json_t *)o, k, v)
    {
        int nested = depth == 0 && (strcmp(k, "columns") == 0 || strcmp(k, "marketplaces") == 0);
        if (strlen(k) > 255)
            return kr_fail(err, KRS_BAD_PROFILE, "profile: key too long");
        if (nested || (depth == 1 && json_is_object(v) && depth < 2)) {
            enum kr_code rc = check_map(v, depth + 1, err);
            if (rc)
                return rc;
        } else if (!scalar_ok(v)) {
            return kr_fail(err, KRS_BAD_PROFILE,
                           "profile: '%s' must be a string (<= %d bytes) or a number", k,
                           PROFILE_MAX_VALUE);
        }
    }
    return KR_OK;
}

enum kr_code sheet_profile_parse(const char *text, size_t n, json_t **out, struct kr_err *err)
{
    json_error_t je;
    json_t *p;
    enum kr_code rc;

    *out = NULL;
    if (n > PROFILE_MAX_BYTES)
        return kr_fail(err, KRS_PROFILE_TOO_LARGE, "profile larger than %u bytes",
                       PROFILE_MAX_BYTES);
    p = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
    if (!p)
        return kr_fail(err, KRS_BAD_PROFILE, "profile: line %d: %s", je.line, je.text);
    rc = check_map(p, 0, err);
    if (rc) {
        json_decref(p);
        return rc;
    }
    *out = p;
    return KR_OK;
}

enum kr_code sheet_profile_load(const char *path, json_t **out, struct kr_err *err)
{
    struct buf b;
    enum kr_code rc;
    buf_init(&b, PROFILE_MAX_BYTES);
    rc = buf_read_file(&b, path, err);
    if (!rc)
        rc = sheet_profile_parse((const char *)b.data, b.len, out, err);
    buf_release(&b);
    return rc;
}

static enum kr_code set_fixed(struct sheet_schema *s, struct sheet_column *c, const json_t *v,
                              struct kr_err *err)
{
    char tmp[64];
    const char *t = value_text(v, tmp, sizeof tmp);
    char *copy;
    if (!t || c->source != SHEET_SRC_FIXED)
        return KR_OK;
    copy = sheet__strdup(s, t);
    if (!copy)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    c->value = copy;
    return KR_OK;
}

/* Apply {column: value} to fixed columns by exact name. */
static enum kr_code apply_columns(struct sheet_schema *s, const json_t *cols, struct kr_err *err)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)cols, k, v)
    {
        struct sheet_column *c = (struct sheet_column *)sheet_find_column(s, k);
        enum kr_code rc = c ? set_fixed(s, c, v, err) : KR_OK;
        if (rc)
            return rc;
    }
    return KR_OK;
}

enum kr_code sheet_apply_profile(struct sheet_schema *s, const json_t *profile, struct kr_err *err)
{
    enum kr_code rc;
    const json_t *mps;

    if (!profile)
        return KR_OK;
    if (!json_is_object(profile))
        return kr_fail(err, KRS_BAD_PROFILE, "profile: expected an object");
    for (size_t i = 0; i < s->ncols; i++) {
        struct sheet_column *c = &s->cols[i];
        if (c->profile_key && (rc = set_fixed(s, c, json_object_get(profile, c->profile_key), err)))
            return rc;
    }
    if ((rc = apply_columns(s, json_object_get(profile, "columns"), err)))
        return rc;
    mps = json_object_get(profile, "marketplaces");
    if (json_is_object(mps)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)mps, k, v)
        {
            if (util_streq_ci(k, s->marketplace) && (rc = apply_columns(s, v, err)))
                return rc;
        }
    }
    return KR_OK;
}

/* A model answer as one string: scalars printed, arrays joined. */
static enum kr_code answer_text(const json_t *v, const char *sep, struct buf *b)
{
    char tmp[64];
    const char *t;
    size_t i;
    json_t *item;

    if (json_is_array(v)) {
        size_t k = 0;
        json_array_foreach(v, i, item)
        {
            t = value_text(item, tmp, sizeof tmp);
            if (!t || !*t)
                continue;
            if ((k++ && buf_appendf(b, "%s", sep ? sep : ", ")) || buf_appendf(b, "%s", t))
                return KR_ENOMEM;
        }
        return KR_OK;
    }
    if (json_is_true(v) || json_is_false(v))
        return buf_appendf(b, "%s", json_is_true(v) ? "Yes" : "No");
    t = value_text(v, tmp, sizeof tmp);
    return t ? buf_append(b, t, strlen(t)) : KR_OK;
}

static enum kr_code put(json_t *row, const char *k, const char *v, size_t n)
{
    json_t *s = json_stringn(v, n);
    if (!s)
        return KR_EINVAL; /* not UTF-8 */
    return json_object_set_new(row, k, s) ? KR_ENOMEM : KR_OK;
}

enum kr_code sheet_row_build(const struct sheet_schema *s, const char *sku, const json_t *values,
                             json_t **row, struct kr_err *err)
{
    enum kr_code rc = KR_OK;
    struct buf b;
    json_t *r = json_object();

    *row = NULL;
    if (!r)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    buf_init(&b, 1u << 20);
    for (size_t i = 0; i < s->ncols && !rc; i++) {
        const struct sheet_column *c = &s->cols[i];
        const json_t *v = json_object_get(values, c->name);
        if (c->source == SHEET_SRC_FIXED)
            rc = put(r, c->name, c->value, strlen(c->value));
        else if (c->source == SHEET_SRC_SKU)
            rc = put(r, c->name, sku ? sku : "", sku ? strlen(sku) : 0);
        else if (v && !json_is_null(v)) {
            b.len = 0;
            rc = answer_text(v, c->separator, &b);
            if (!rc)
                rc = put(r, c->name, b.len ? (const char *)b.data : "", b.len);
        }
    }
    buf_release(&b);
    if (rc) {
        json_decref(r);
        return kr_fail(err, rc == KR_EINVAL ? KRS_BAD_ROW : kr_slug_grow(rc),
                       "cannot build row: %s", kr_code_name(rc));
    }
    *row = r;
    return KR_OK;
}
