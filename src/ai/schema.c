/*
 * schema.c - the caller's field list as a response schema for each
 * provider, and the check every model reply passes before anyone sees it.
 *
 * Both schemas let each field be null: a model that cannot tell a value
 * from the photo is told to say so instead of guessing, and a null becomes
 * a blank with a note. ai__validate() is strict about shape (an object; a
 * string or list of strings per field; allowed values only, matched without
 * regard to case and returned in the caller's spelling) and lenient only
 * where nothing is invented: numbers become text, an over-long text is
 * shortened at a word boundary with a note.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai_int.h"
#include "core/utf8.h"
#include "core/util.h"

static json_t *allowed_array(const struct ai_field *f, int with_null)
{
    json_t *a = json_array();
    for (size_t i = 0; i < f->nallowed; i++)
        json_array_append_new(a, json_string(f->allowed[i]));
    if (with_null)
        json_array_append_new(a, json_null());
    return a;
}

static json_t *describe(const struct ai_field *f)
{
    char text[1024];
    snprintf(text, sizeof text, "%s", f->description ? f->description : f->name);
    if (f->max_len > 0) {
        size_t n = strlen(text);
        snprintf(text + n, sizeof text - n, " (at most %d characters%s)", f->max_len,
                 f->multi ? " each" : "");
    }
    return json_string(text);
}

json_t *ai__schema_gemini(const struct ai_field *f, size_t n)
{
    json_t *props = json_object(), *req = json_array(), *order = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_pack("{s:s}", "type", "STRING");
        if (f[i].nallowed)
            json_object_set_new(s, "enum", allowed_array(&f[i], 0));
        if (f[i].multi)
            s = json_pack("{s:s,s:o}", "type", "ARRAY", "items", s);
        json_object_set_new(s, "description", describe(&f[i]));
        json_object_set_new(s, "nullable", json_true());
        json_object_set_new(props, f[i].name, s);
        json_array_append_new(req, json_string(f[i].name));
        json_array_append_new(order, json_string(f[i].name));
    }
    return json_pack("{s:s,s:o,s:o,s:o}", "type", "OBJECT", "properties", props, "required", req,
                     "propertyOrdering", order);
}

json_t *ai__schema_openai(const struct ai_field *f, size_t n)
{
    json_t *props = json_object(), *req = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *s;
        if (f[i].multi) {
            json_t *item = json_pack("{s:s}", "type", "string");
            if (f[i].nallowed)
                json_object_set_new(item, "enum", allowed_array(&f[i], 0));
            s = json_pack("{s:[s,s],s:o}", "type", "array", "null", "items", item);
        } else {
            s = json_pack("{s:[s,s]}", "type", "string", "null");
            if (f[i].nallowed)
                json_object_set_new(s, "enum", allowed_array(&f[i], 1));
        }
        json_object_set_new(s, "description", describe(&f[i]));
        json_object_set_new(props, f[i].name, s);
        json_array_append_new(req, json_string(f[i].name));
    }
    return json_pack("{s:s,s:b,s:o,s:o}", "type", "object", "additionalProperties", 0, "properties",
                     props, "required", req);
}

/* One scalar as trimmed text, or NULL if it is not a scalar. */
static char *scalar_text(json_t *v)
{
    char tmp[64];
    if (json_is_string(v)) {
        char *d = strdup(json_string_value(v));
        if (d) {
            char *t = util_trim(d);
            memmove(d, t, strlen(t) + 1);
        }
        return d;
    }
    if (json_is_integer(v))
        snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(tmp, sizeof tmp, "%g", json_real_value(v));
    else if (json_is_boolean(v))
        snprintf(tmp, sizeof tmp, "%s", json_is_true(v) ? "yes" : "no");
    else
        return NULL;
    return strdup(tmp);
}

/* Checked value for one item: allowed spelling, shortened; NULL + *bad. */
static json_t *check_item(const struct ai_field *f, json_t *v, int *bad, int *shortened)
{
    char *t = scalar_text(v), *s;
    json_t *out = NULL;
    if (!t) {
        *bad = 1;
        return NULL;
    }
    if (!*t) {
        free(t);
        return NULL;
    }
    if (f->nallowed) {
        for (size_t i = 0; i < f->nallowed && !out; i++)
            if (util_streq_ci(t, f->allowed[i]))
                out = json_string(f->allowed[i]);
        *bad |= !out;
        free(t);
        return out;
    }
    s = utf8_shorten(t, (size_t)f->max_len);
    *shortened |= s && strlen(s) < strlen(t);
    out = s ? json_string(s) : NULL;
    free(s);
    free(t);
    return out;
}

static json_t *check_field(const struct ai_field *f, json_t *v, int *bad, int *shortened)
{
    size_t i;
    json_t *item;
    if (!json_is_array(v)) {
        json_t *one = check_item(f, v, bad, shortened);
        if (!one || !f->multi)
            return one;
        json_t *arr = json_array();
        json_array_append_new(arr, one);
        return arr;
    }
    json_t *arr = json_array();
    json_array_foreach(v, i, item)
    {
        json_t *c = check_item(f, item, bad, shortened);
        if (c)
            json_array_append_new(arr, c);
    }
    if (!f->multi && json_array_size(arr) && !f->nallowed) {
        /* a list where one text was asked for: join it, nothing is lost */
        struct buf b;
        buf_init(&b, 0);
        json_array_foreach(arr, i, item)
            buf_appendf(&b, "%s%s", i ? ", " : "", json_string_value(item));
        json_decref(arr);
        char *s = utf8_shorten(b.data ? (char *)b.data : "", (size_t)f->max_len);
        arr = json_string(s ? s : "");
        free(s);
        buf_release(&b);
        return arr;
    }
    if (!f->multi) { /* several allowed values for a single-valued field */
        *bad |= json_array_size(arr) > 1;
        json_t *first = json_incref(json_array_get(arr, 0));
        json_decref(arr);
        return first;
    }
    if (!json_array_size(arr)) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

enum kr_code ai__validate(const struct ai_field *f, size_t n, json_t *reply, json_t **out,
                         json_t **notes, struct kr_err *err)
{
    json_t *o, *nt;
    size_t present = 0;
    if (!json_is_object(reply))
        return ai__bad_reply(err, "the model's reply is not an object");
    o = json_object();
    nt = json_object();
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(reply, f[i].name), *c;
        int bad = 0, shortened = 0;
        present += v != NULL;
        if (!v || json_is_null(v)) {
            json_object_set_new(nt, f[i].name, json_string("the model could not tell"));
            continue;
        }
        c = check_field(&f[i], v, &bad, &shortened);
        if (bad) {
            json_decref(c);
            json_decref(o);
            json_decref(nt);
            return ai__bad_reply(err,
                           "the model's value for '%s' does not fit the schema", f[i].name);
        }
        if (!c)
            json_object_set_new(nt, f[i].name, json_string("the model left it blank"));
        else
            json_object_set_new(o, f[i].name, c);
        if (shortened)
            json_object_set_new(nt, f[i].name,
                                json_sprintf("shortened to %d characters", f[i].max_len));
    }
    if (n && !present) {
        json_decref(o);
        json_decref(nt);
        return ai__bad_reply(err,
                       "the model's reply has none of the requested fields");
    }
    *out = o;
    if (notes)
        *notes = nt;
    else
        json_decref(nt);
    return KR_OK;
}

enum kr_code ai__parse_reply_text(const char *text, size_t len, json_t **obj, struct kr_err *err)
{
    json_error_t je;
    json_t *j;
    while (len && isspace((unsigned char)*text))
        text++, len--;
    while (len && isspace((unsigned char)text[len - 1]))
        len--;
    if (len >= 3 && memcmp(text, "```", 3) == 0) {
        const char *nl = memchr(text, '\n', len);
        if (!nl)
            return ai__bad_reply(err, "the model's reply is empty");
        len -= (size_t)(nl + 1 - text);
        text = nl + 1;
        if (len >= 3 && memcmp(text + len - 3, "```", 3) == 0)
            len -= 3;
    }
    j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return ai__bad_reply(err, "the model's reply is not JSON: %s",
                       je.text);
    if (!json_is_object(j)) {
        json_decref(j);
        return ai__bad_reply(err,
                       "the model's reply is not a JSON object");
    }
    *obj = j;
    return KR_OK;
}
