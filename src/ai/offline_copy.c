/*
 * offline_copy.c - listing copy without a model (the offline provider's
 * `copy`): facts gathered from the attributes given, the product type and
 * the seller profile, then written out by offline_words.c.
 *
 * Attributes arrive keyed by marketplace column names ("stone_color",
 * "Metal Color", "item_type_name", "Occasion", ...). Each is read for what
 * it says (a colour, a metal, a stone, a silhouette, an occasion, a size),
 * never copied as "name: value", so no column name reaches the text. Values
 * that say "not applicable" ("NA", "None") are skipped. The profile gives
 * the brand and the care, packaging and warranty lines. Each requested field
 * is matched by what its name asks for (a title, a numbered bullet, bullets,
 * a description, key features, search terms, a colour, attributes, a
 * story); a field with no material is left out rather than made up.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai_int.h"
#include "core/util.h"

static int has(const char *s, const char *w)
{
    return s && strcasestr(s, w) != NULL;
}

static void lower_copy(char *dst, const char *src, size_t n)
{
    util_strlcpy(dst, src, n);
    for (; *dst; dst++)
        *dst = (char)tolower((unsigned char)*dst);
}

static int not_applicable(const char *v)
{
    static const char *const na[] = {"na", "n/a", "none", "no", "not applicable", "other", "0"};
    for (size_t i = 0; i < sizeof na / sizeof na[0]; i++)
        if (util_streq_ci(v, na[i]))
            return 1;
    return 0;
}

/* A silhouette value as a noun phrase that names the product type. */
static void shape_of(const char *val, const char *type, char *out, size_t n)
{
    static const char *const stems[] = {"earring", "necklace", "bracelet", "bangle",      "chain",
                                        "choker",  "kada",     "jhumk",    "chandbali",   "stud",
                                        "hoop",    "cuff",     "pendant",  "mangalsutra", "anklet"};
    char v[64];
    lower_copy(v, val, sizeof v);
    if (strchr(v, '&')) /* "drops & danglers" -> "drop" */
        v[strcspn(v, " &")] = '\0';
    size_t l = strlen(v);
    for (size_t i = 0; i < sizeof stems / sizeof stems[0]; i++)
        if (strstr(v, stems[i]) && (strstr(v, "earring") || strstr(v, "necklace") ||
                                    strstr(v, "bracelet") || !strstr(type, "earring"))) {
            util_strlcpy(out, v, n);
            return;
        }
    if (l > 3 && v[l - 1] == 's' && v[l - 2] != 's')
        v[l - 1] = '\0';
    snprintf(out, n, "%s %s", v, type);
}

/* "32 x 18 mm": a measurement column adds its number to f->size. */
static void take_size(struct ai__facts *f, const char *key, const char *val)
{
    char *end;
    double d = strtod(val, &end);
    size_t l = strlen(f->size);
    const char *unit = has(key, "mm") ? "mm" : has(key, "inch") ? "in" : "cm";
    if (end == val || d <= 0 || l + 24 >= sizeof f->size)
        return;
    if (l && strstr(f->size, unit))
        f->size[l - strlen(unit) - 1] = '\0', l = strlen(f->size);
    snprintf(f->size + l, sizeof f->size - l, "%s%g %s", l ? " x " : "about ", d, unit);
}

static void set_once(char *dst, size_t n, const char *val)
{
    if (!dst[0])
        lower_copy(dst, val, n);
}

static void take_attr(struct ai__facts *f, const char *key, const char *val)
{
    if (!*val || not_applicable(val))
        return;
    if (has(key, "pair") && !has(key, "type")) {
        f->pair = strtol(val, NULL, 10) >= 1;
        return;
    }
    if (has(key, "pearl")) {
        f->pearls |= has(key, "type") || has(key, "number") || has(key, "colo");
        return;
    }
    size_t kl = strlen(key);
    if (has(key, "number") || has(key, "count") || has(key, "quantity") ||
        (kl > 3 && util_streq_ci(key + kl - 3, "_id")))
        return; /* counts and ids are not words for the copy */
    if (has(key, "height") || has(key, "width") || has(key, "diameter") ||
        (has(key, "length") && !has(key, "unit") && !has(key, "necklace length")))
        take_size(f, key, val);
    else if (has(key, "weight"))
        snprintf(f->weight, sizeof f->weight, "about %s g", val);
    else if ((has(key, "stone") || has(key, "gem")) && has(key, "colo"))
        set_once(f->stone, sizeof f->stone, val);
    else if (has(key, "metal") && has(key, "colo"))
        set_once(f->metal, sizeof f->metal, val);
    else if (has(key, "colo") && !has(key, "brand"))
        set_once(f->colour, sizeof f->colour, val);
    else if (has(key, "gem") || (has(key, "stone") && has(key, "type")))
        set_once(f->gem, sizeof f->gem, val);
    else if (has(key, "material") || has(key, "base metal"))
        set_once(f->material, sizeof f->material, val);
    else if (has(key, "plating"))
        set_once(f->plating, sizeof f->plating, val);
    else if (has(key, "occasion"))
        set_once(f->occasion, sizeof f->occasion, val);
    else if (has(key, "collection") || util_streq_ci(key, "style_name"))
        set_once(f->style, sizeof f->style, val);
    else if (has(key, "clasp") || has(key, "closure") || has(key, "back"))
        set_once(f->closure, sizeof f->closure, val);
    else if ((has(key, "type") || has(key, "style")) && !has(key, "gender") && !has(key, "feed") &&
             !has(key, "relationship") && !has(key, "setting") && !has(key, "chain"))
        if (!f->shape[0] || util_streq_ci(key, "Sub Type"))
            shape_of(val, f->type, f->shape, sizeof f->shape);
}

static const char *profile_str(json_t *profile, const char *key)
{
    const char *v = json_string_value(json_object_get(profile, key));
    return v && *v ? v : NULL;
}

static void gather(const struct ai_copy_req *req, struct ai__facts *f)
{
    const char *k;
    json_t *v;
    memset(f, 0, sizeof *f);
    f->pair = -1;
    lower_copy(f->type, req->product_type && *req->product_type ? req->product_type : "jewellery",
               sizeof f->type);
    f->women = !has(f->type, "men") || has(f->type, "women");
    json_object_foreach(req->attributes, k, v)
    {
        if (json_is_string(v))
            take_attr(f, k, json_string_value(v));
        else if (json_is_array(v) && json_is_string(json_array_get(v, 0)))
            take_attr(f, k, json_string_value(json_array_get(v, 0)));
        else if (json_is_number(v)) {
            char num[32];
            snprintf(num, sizeof num, "%g", json_number_value(v));
            take_attr(f, k, num);
        }
    }
    if (util_streq_ci(f->shape, f->type) || (f->shape[0] && !strcmp(f->shape, f->type)))
        f->shape[0] = '\0';
    json_object_foreach(req->profile, k, v) if (has(k, "brand") && json_is_string(v))
        util_strlcpy(f->brand, json_string_value(v), sizeof f->brand);
    f->care = profile_str(req->profile, "care");
    f->packaging = profile_str(req->profile, "packaging");
    f->warranty = profile_str(req->profile, "warranty");
    if (!f->colour[0])
        util_strlcpy(f->colour, f->metal, sizeof f->colour);
    if (strcmp(f->stone, f->metal) == 0 || strcmp(f->stone, f->colour) == 0)
        f->stone[0] = '\0';
    if (has(f->gem, "pearl"))
        f->pearls = 1, f->gem[0] = '\0';
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

/* The bullet number at the end of a field name ("bullet_point3" -> 2), or -1. */
static int bullet_index(const char *name)
{
    size_t l = strlen(name);
    while (l && isdigit((unsigned char)name[l - 1]))
        l--;
    return name[l] ? (int)strtol(name + l, NULL, 10) - 1 : -1;
}

static json_t *listing_text(const char *n, const struct ai__facts *f, const char *title)
{
    char b[1200];
    if (has(n, "bullet")) {
        int i = bullet_index(n);
        if (i >= 5)
            return NULL;
        if (i >= 0) {
            ai__words_bullet(f, i, b, sizeof b);
            return json_string(b);
        }
        json_t *l = json_array();
        for (i = 0; i < 5; i++) {
            ai__words_bullet(f, i, b, sizeof b);
            json_array_append_new(l, json_string(b));
        }
        return l;
    }
    if (has(n, "feature")) {
        ai__words_features(f, b, sizeof b);
        return json_string(b);
    }
    if (has(n, "desc") || has(n, "caption") || has(n, "story") || has(n, "text")) {
        ai__words_description(f, b, sizeof b);
        return json_string(b);
    }
    if (has(n, "search") || has(n, "keyword") || has(n, "tag"))
        return ai__words_keywords(f, title, 5);
    if (has(n, "colo"))
        return f->colour[0] ? json_string(f->colour) : NULL;
    if (has(n, "attribute")) {
        ai__words_features(f, b, sizeof b);
        return json_string(b);
    }
    return NULL;
}

/* Text for one requested field, or NULL when there is nothing honest to say. */
static json_t *field_text(const struct ai_copy_req *req, const struct ai_field *fd,
                          const struct ai__facts *f, const char *title)
{
    char b[1200];
    const char *n = fd->name;
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
        if (req->kind == AI_COPY_TITLE && req->previous && util_streq_ci(title, req->previous)) {
            snprintf(b, sizeof b, "%s in %s", f->type, f->colour[0] ? f->colour : "a classic tone");
            b[0] = (char)toupper((unsigned char)b[0]);
            return json_string(b);
        }
        return json_string(title);
    }
    return listing_text(n, f, title);
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
    struct ai__facts f;
    char title[512];
    size_t nf, limit = 0;
    const struct ai_field *fields =
        req->nfields ? req->fields : ai__default_copy_fields(req->kind, &nf);
    json_t *o = json_object();
    (void)ai;
    if (!o)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    nf = req->nfields ? req->nfields : nf;
    gather(req, &f);
    /* Amazon titles open with the brand; the other marketplaces have a brand column. */
    for (size_t i = 0; i < nf; i++) /* the tightest title / name field */
        if ((has(fields[i].name, "name") || has(fields[i].name, "title")) &&
            fields[i].max_len > 0 && (!limit || (size_t)fields[i].max_len < limit))
            limit = (size_t)fields[i].max_len;
    ai__words_title(&f, !req->marketplace || has(req->marketplace, "amazon"), limit, title,
                    sizeof title);
    for (size_t i = 0; i < nf; i++) {
        json_t *v = field_text(req, &fields[i], &f, title);
        json_t *c = v ? fit(&fields[i], v) : NULL;
        if (c)
            json_object_set_new(o, fields[i].name, c);
    }
    *out = o;
    return KR_OK;
}
