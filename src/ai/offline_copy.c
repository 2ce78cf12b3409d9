/*
 * offline_copy.c - listing copy without a model (the offline provider's
 * `copy`): fixed templates filled from the attributes given, the product
 * type and the seller profile.
 *
 * The facts used are only: colour, metal colour, stone colour, any other
 * attribute values as "name: value" details, the brand from the profile,
 * the product type, and for rewrites the previous text and the style. Each
 * requested field is matched by what its name asks for (a name or title, a
 * description or caption, bullets, search terms, a colour, attributes, a
 * story); a field with no material is left out rather than made up.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai_int.h"
#include "core/util.h"

struct facts {
    char colour[64], stone[64], metal[64], type[64], brand[64];
    struct buf details; /* "name: value; ..." */
    json_t *keywords;   /* list of words for search terms */
};

static int has(const char *s, const char *w)
{
    return s && strcasestr(s, w) != NULL;
}

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

static void cap_first(char *s)
{
    if (*s)
        *s = (char)toupper((unsigned char)*s);
}

static void add_keyword(json_t *list, const char *w)
{
    size_t i;
    json_t *v;
    if (!w || !*w || json_array_size(list) >= 12)
        return;
    json_array_foreach(list, i, v) if (util_streq_ci(json_string_value(v), w)) return;
    json_array_append_new(list, json_string(w));
}

static void take_attr(struct facts *f, const char *key, const char *val)
{
    if (!*val)
        return;
    if ((has(key, "stone") || has(key, "gem")) && has(key, "colo"))
        util_strlcpy(f->stone, val, sizeof f->stone);
    else if (has(key, "metal") && has(key, "colo"))
        util_strlcpy(f->metal, val, sizeof f->metal);
    else if (has(key, "colo") && !f->colour[0])
        util_strlcpy(f->colour, val, sizeof f->colour);
    else if (!has(key, "quality") && !has(key, "background"))
        buf_appendf(&f->details, "%s%s: %s", f->details.len ? "; " : "", key, val);
    add_keyword(f->keywords, val);
}

static void gather(const struct ai_copy_req *req, struct facts *f)
{
    const char *k;
    json_t *v;
    memset(f, 0, sizeof *f);
    buf_init(&f->details, 4096);
    f->keywords = json_array();
    util_strlcpy(f->type, req->product_type && *req->product_type ? req->product_type : "jewellery",
                 sizeof f->type);
    lower(f->type);
    if (json_is_string(req->attributes))
        buf_appendf(&f->details, "%s", json_string_value(req->attributes));
    json_object_foreach(req->attributes, k, v)
    {
        if (json_is_string(v))
            take_attr(f, k, json_string_value(v));
        else if (json_is_array(v) && json_is_string(json_array_get(v, 0)))
            take_attr(f, k, json_string_value(json_array_get(v, 0)));
    }
    json_object_foreach(req->profile, k, v) if (has(k, "brand") && json_is_string(v))
        util_strlcpy(f->brand, json_string_value(v), sizeof f->brand);
    if (!f->colour[0])
        util_strlcpy(f->colour, f->metal, sizeof f->colour);
    lower(f->colour);
    lower(f->stone);
    add_keyword(f->keywords, f->type);
}

/* "Gold Earrings with Red Stones" style name. */
static void make_name(const struct facts *f, char *out, size_t n)
{
    snprintf(out, n, "%s%s%s%s%s", f->colour, f->colour[0] ? " " : "", f->type,
             f->stone[0] ? " with " : "", f->stone);
    if (f->stone[0])
        strncat(out, " stones", n - strlen(out) - 1);
    for (char *p = out; *p; p++)
        if (p == out || p[-1] == ' ')
            *p = (char)toupper((unsigned char)*p);
}

static void make_description(const struct facts *f, char *out, size_t n)
{
    size_t tl = strlen(f->type);
    int plural = tl > 1 && f->type[tl - 1] == 's';
    const char *first = f->colour[0] ? f->colour : f->type;
    const char *art = plural ? "" : strchr("aeiou", first[0]) ? "an " : "a ";
    snprintf(out, n, "%s%s%s%s%s%s%s.%s%s%s", art, f->colour, f->colour[0] ? "-tone " : "", f->type,
             f->stone[0] ? " set with " : "", f->stone, f->stone[0] ? " stones" : "",
             f->details.len ? " Details: " : "", f->details.len ? (char *)f->details.data : "",
             f->details.len ? "." : "");
    cap_first(out);
}

static const char *style_lead(const char *style)
{
    static const struct {
        const char *style, *lead;
    } leads[] = {
        {"elegance", "Quietly elegant."},  {"charm", "Full of charm."},
        {"luxury", "A touch of luxury."},  {"modern", "Clean and modern."},
        {"timeless", "A timeless piece."}, {"delica", "Delicate and light."},
        {"bold", "Bold by design."},       {"romance", "Made for romantic moments."},
        {"earth", "Earthy and natural."},  {"artist", "An artful piece."},
    };
    for (size_t i = 0; style && i < sizeof leads / sizeof leads[0]; i++)
        if (has(style, leads[i].style))
            return leads[i].lead;
    return NULL;
}

/* Text for one requested field, or NULL when there is nothing honest to say. */
static json_t *field_text(const struct ai_copy_req *req, const struct ai_field *fd,
                          const struct facts *f)
{
    char a[1024], b[1200];
    const char *n = fd->name;
    make_name(f, a, sizeof a);
    if (req->kind == AI_COPY_REWRITE && (has(n, "text") || has(n, "desc"))) {
        const char *lead = style_lead(req->style);
        snprintf(b, sizeof b, "%s%s%s", lead ? lead : "", lead ? " " : "", req->previous);
        return json_string(b);
    }
    if (req->kind == AI_COPY_COLLECTION && has(n, "name")) {
        snprintf(b, sizeof b, "The %s%s%s Edit", f->colour, f->colour[0] ? " " : "", f->type);
        for (char *p = b; *p; p++)
            if (p == b || p[-1] == ' ')
                *p = (char)toupper((unsigned char)*p);
        return json_string(b);
    }
    if (has(n, "name") || has(n, "title")) {
        if (f->brand[0]) {
            snprintf(b, sizeof b, "%s %s", f->brand, a);
            memcpy(a, b, sizeof a - 1);
            a[sizeof a - 1] = '\0';
        }
        if (req->kind == AI_COPY_TITLE && req->previous && util_streq_ci(a, req->previous)) {
            snprintf(b, sizeof b, "%s in %s", f->type, f->colour[0] ? f->colour : "a classic tone");
            cap_first(b);
            return json_string(b);
        }
        return json_string(a);
    }
    if (has(n, "desc") || has(n, "caption") || has(n, "story") || has(n, "text")) {
        make_description(f, b, sizeof b);
        return json_string(b);
    }
    if (has(n, "bullet")) {
        json_t *l = json_array();
        if (f->colour[0])
            json_array_append_new(l, json_sprintf("Colour: %s", f->colour));
        if (f->stone[0])
            json_array_append_new(l, json_sprintf("Stone colour: %s", f->stone));
        if (f->details.len)
            json_array_append_new(l, json_sprintf("Details: %s", (char *)f->details.data));
        return l;
    }
    if (has(n, "search") || has(n, "keyword") || has(n, "tag"))
        return json_deep_copy(f->keywords);
    if (has(n, "colo"))
        return f->colour[0] ? json_string(f->colour) : NULL;
    if (has(n, "attribute"))
        return f->details.len ? json_string((char *)f->details.data) : NULL;
    return NULL;
}

/* Apply the field's limits; drop values outside its allowed list. */
static json_t *fit(const struct ai_field *fd, json_t *v)
{
    json_t *out = NULL, *reply = json_object(), *checked = NULL;
    json_object_set_new(reply, fd->name, v);
    if (ai__validate(fd, 1, reply, &checked, NULL, NULL) == KR_OK) {
        out = json_incref(json_object_get(checked, fd->name));
        json_decref(checked);
    }
    json_decref(reply);
    return out;
}

enum kr_code ai__offline_copy(struct ai *ai, const struct ai_copy_req *req, json_t **out,
                             struct kr_err *err)
{
    struct facts f;
    size_t nf;
    const struct ai_field *fields =
        req->nfields ? req->fields : ai__default_copy_fields(req->kind, &nf);
    json_t *o = json_object();
    (void)ai;
    nf = req->nfields ? req->nfields : nf;
    gather(req, &f);
    for (size_t i = 0; i < nf; i++) {
        json_t *v = field_text(req, &fields[i], &f);
        json_t *c = v ? fit(&fields[i], v) : NULL;
        if (c)
            json_object_set_new(o, fields[i].name, c);
    }
    buf_release(&f.details);
    json_decref(f.keywords);
    if (!o) {
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    }
    *out = o;
    return KR_OK;
}
