/*
 * types.c - the studio's vocabulary: image types, products, physical sizes,
 * and turning a /generate-images JSON body into a checked studio_request.
 *
 * Type numbers 1-5 are the original's earring types (1 White Background,
 * 2 Hand Holding, 3 Dimension Image, 4 Lifestyle Nature, 5 Model Wearing);
 * 6-8 name the original's bracelet/necklace prompts that had no number
 * (pastel gradient, rich backdrop, props flat lay), so every product uses
 * one numbering. The default set per product is the caller's
 * (struct studio_env, from KARAT_IMAGE_TYPES_<PRODUCT> in the config
 * table, where the original's sets are the defaults).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "studio/studio_int.h"

#define MAX_MM 2000.0 /* largest size accepted for a dimension label: 2 m */

static const char *const type_names[] = {
    NULL,
    "White Background",
    "Hand Holding",
    "Dimension Image",
    "Lifestyle Nature",
    "Model Wearing",
    "Pastel Gradient",
    "Rich Backdrop",
    "Props Flat Lay",
};

const char *studio_type_name(int type)
{
    return type >= 1 && type <= STUDIO_MAX_TYPES ? type_names[type] : NULL;
}

int studio_type_needs_ai(int type)
{
    return type != STUDIO_WHITE && type != STUDIO_DIMENSION;
}

enum kr_code studio_product_parse(const char *s, enum studio_product *out, struct kr_err *err)
{
    char p[4] = {0};
    for (int i = 0; s && s[i] && i < 3; i++)
        p[i] = (char)tolower((unsigned char)s[i]);
    if (!strcmp(p, "ear"))
        *out = STUDIO_EARRINGS;
    else if (!strcmp(p, "bra"))
        *out = STUDIO_BRACELET;
    else if (!strcmp(p, "nec"))
        *out = STUDIO_NECKLACE;
    else
        return kr_fail(err, KRS_INVALID_PRODUCT_TYPE,
                       "Invalid product_type. Use 'ear', 'bra', or 'nec'");
    return KR_OK;
}

static void known_list(char *out, size_t n)
{
    size_t len = 0;
    out[0] = 0;
    for (int t = 1; t <= STUDIO_MAX_TYPES && len < n; t++)
        len += (size_t)snprintf(out + len, n - len, "%s%d %s", t > 1 ? ", " : "", t, type_names[t]);
}

/* Add one type to the list, refusing unknown and repeated ones. */
static enum kr_code add_type(long v, int *types, int *n, struct kr_err *err)
{
    char known[256];
    if (v < 1 || v > STUDIO_MAX_TYPES) {
        known_list(known, sizeof known);
        return kr_fail(err, KRS_UNKNOWN_IMAGE_TYPE, "unknown image type %ld (known: %s)", v, known);
    }
    for (int i = 0; i < *n; i++)
        if (types[i] == v)
            return kr_fail(err, KRS_DUPLICATE_IMAGE_TYPE, "image type %ld is listed twice", v);
    if (*n >= STUDIO_MAX_TYPES)
        return kr_fail(err, KRS_TOO_MANY_IMAGE_TYPES, "at most %d image types", STUDIO_MAX_TYPES);
    types[(*n)++] = (int)v;
    return KR_OK;
}

enum kr_code studio_types_parse(const char *csv, int *types, int *n, struct kr_err *err)
{
    const char *p = csv;
    *n = 0;
    while (p && *p) {
        char *end;
        long v;
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        v = strtol(p, &end, 10);
        if (end == p || (*end && *end != ',' && *end != ' '))
            return kr_fail(err, KRS_BAD_IMAGE_TYPES,
                           "image types must be numbers separated by commas, like 1,3");
        enum kr_code rc = add_type(v, types, n, err);
        if (rc)
            return rc;
        p = end;
    }
    if (!*n)
        return kr_fail(err, KRS_BAD_IMAGE_TYPES, "no image types given");
    return KR_OK;
}

void studio_env_from_config(const struct config *cfg, struct ai *ai, struct pool *pool,
                            struct studio_env *env)
{
    *env =
        (struct studio_env){.max_pixels = cfg->max_pixels,
                            .default_types = {cfg->image_types_earrings, cfg->image_types_bracelet,
                                              cfg->image_types_necklace},
                            .ai = ai,
                            .pool = pool,
                            .read_max = {cfg->studio_max_image_bytes, cfg->studio_max_zip_bytes}};
}

enum kr_code studio_default_types(const struct studio_env *env, enum studio_product p, int *types,
                                  int *n, struct kr_err *err)
{
    const char *set = env && (unsigned)p < 3 ? env->default_types[p] : NULL;
    enum kr_code rc;
    *n = 0;
    rc = set ? studio_types_parse(set, types, n, err)
             : kr_fail(err, KRS_BAD_OPTION, "no default image types given");
    if (rc)
        kr_err_prefix(err, "KARAT_IMAGE_TYPES_%s: ",
                      p == STUDIO_EARRINGS   ? "EARRINGS"
                      : p == STUDIO_BRACELET ? "BRACELET"
                                             : "NECKLACE");
    return rc;
}

enum kr_code studio_length_parse(const char *s, struct studio_length *out, struct kr_err *err)
{
    char *end;
    double v;
    memset(out, 0, sizeof *out);
    if (!s || !*s)
        return kr_fail(err, KRS_BAD_SIZE_VALUE, "empty size");
    v = strtod(s, &end);
    while (*end == ' ')
        end++;
    if (end == s || !isfinite(v) || v <= 0)
        return kr_fail(err, KRS_BAD_SIZE_VALUE,
                       "'%.40s' is not a positive size such as 25mm or 2.5cm", s);
    if (!*end || util_streq_ci(end, "mm"))
        util_strlcpy(out->unit, "mm", sizeof out->unit);
    else if (util_streq_ci(end, "cm"))
        util_strlcpy(out->unit, "cm", sizeof out->unit);
    else
        return kr_fail(err, KRS_BAD_SIZE_UNIT, "unit '%.20s' is not mm or cm", end);
    if ((out->unit[0] == 'c' ? v * 10 : v) > MAX_MM)
        return kr_fail(err, KRS_BAD_SIZE_VALUE, "%g %s is larger than 2 m", v, out->unit);
    out->value = v;
    out->set = 1;
    return KR_OK;
}

void studio_length_format(const struct studio_length *l, char *out, size_t n)
{
    util_fmt(out, n, "%.4g %s", l->value, l->unit);
}

/* height/width: a number (millimetres) or a string with a unit. */
static enum kr_code json_length(json_t *v, const char *name, struct studio_length *out,
                                struct kr_err *err)
{
    char tmp[64];
    enum kr_code rc;
    memset(out, 0, sizeof *out);
    if (!v || json_is_null(v))
        return KR_OK;
    if (json_is_number(v))
        snprintf(tmp, sizeof tmp, "%.6g", json_number_value(v));
    else if (json_is_string(v) && json_string_length(v) < sizeof tmp)
        util_strlcpy(tmp, json_string_value(v), sizeof tmp);
    else
        return kr_fail(err, KRS_BAD_SIZE_VALUE,
                       "%s must be a number (mm) or a string like \"25mm\"", name);
    rc = studio_length_parse(tmp, out, err);
    if (rc)
        kr_err_prefix(err, "%s: ", name);
    return rc;
}

static enum kr_code json_types(json_t *v, struct studio_request *req, struct kr_err *err)
{
    size_t i;
    json_t *e;
    if (json_is_string(v))
        return studio_types_parse(json_string_value(v), req->types, &req->ntypes, err);
    if (!json_is_array(v) || !json_array_size(v))
        return kr_fail(err, KRS_BAD_IMAGE_TYPES,
                       "image_types must be a non-empty list of numbers, like [1, 3]");
    req->ntypes = 0;
    json_array_foreach(v, i, e)
    {
        enum kr_code rc;
        if (!json_is_integer(e))
            return kr_fail(err, KRS_BAD_IMAGE_TYPES, "image_types must hold numbers");
        rc = add_type((long)json_integer_value(e), req->types, &req->ntypes, err);
        if (rc)
            return rc;
    }
    return KR_OK;
}

enum kr_code studio_size_parse(const char *s, enum studio_size *out, struct kr_err *err)
{
    static const struct {
        const char *a, *b, *c;
        enum studio_size size;
    } names[] = {{"2000x2000", "2000\xc3\x97" "2000", "1:1", STUDIO_SIZE_SQUARE},
                 {"1080x1440", "1080\xc3\x97" "1440", "3:4", STUDIO_SIZE_PORTRAIT}};
    for (size_t i = 0; s && i < sizeof names / sizeof *names; i++)
        if (util_streq_ci(s, names[i].a) || !strcmp(s, names[i].b) || !strcmp(s, names[i].c)) {
            *out = names[i].size;
            return KR_OK;
        }
    return kr_fail(err, KRS_BAD_IMAGE_SIZE,
                   "size must be \"2000x2000\" (square, the default) or \"1080x1440\" (3:4, "
                   "for marketplaces such as Meesho)");
}

const char *studio_size_name(enum studio_size size)
{
    return size == STUDIO_SIZE_PORTRAIT ? "1080x1440" : "2000x2000";
}

void studio_size_dims(enum studio_size size, int *width, int *height)
{
    *width = size == STUDIO_SIZE_PORTRAIT ? STUDIO_PORTRAIT_W : STUDIO_SIDE;
    *height = size == STUDIO_SIZE_PORTRAIT ? STUDIO_PORTRAIT_H : STUDIO_SIDE;
}

/* "size": a string as studio_size_parse takes; absent or null = square. */
static enum kr_code json_size(json_t *v, struct studio_request *req, struct kr_err *err)
{
    if (!v || json_is_null(v))
        return KR_OK;
    if (!json_is_string(v))
        return kr_fail(err, KRS_BAD_IMAGE_SIZE, "size must be a string such as \"1080x1440\"");
    return studio_size_parse(json_string_value(v), &req->size, err);
}

static enum kr_code json_options(json_t *body, struct studio_request *req, struct kr_err *err)
{
    json_t *v = json_object_get(body, "num_images");
    if (v && !json_is_null(v)) {
        json_int_t k = json_is_integer(v) ? json_integer_value(v) : -1;
        if (k < 1 || k > req->ntypes)
            return kr_fail(err, KRS_BAD_NUM_IMAGES,
                           "num_images must be between 1 and %d (the number of image types)",
                           req->ntypes);
        req->ntypes = (int)k;
    }
    v = json_object_get(body, "shadow");
    if (v && !json_is_null(v)) {
        if (!json_is_boolean(v))
            return kr_fail(err, KRS_BAD_SHADOW, "shadow must be true or false");
        req->shadow = json_is_true(v);
    }
    v = json_object_get(body, "marketplace");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v) || !studio_marketplace_ok(json_string_value(v)))
            return kr_fail(err, KRS_BAD_MARKETPLACE,
                           "marketplace must be amazon, flipkart or meesho");
        util_strlcpy(req->marketplace, json_string_value(v), sizeof req->marketplace);
        for (char *c = req->marketplace; *c; c++)
            *c = (char)tolower((unsigned char)*c);
    }
    return KR_OK;
}

enum kr_code studio_request_from_json(json_t *body, const struct studio_env *env,
                                      struct studio_request *req, struct kr_err *err)
{
    json_t *pt = json_object_get(body, "product_type"), *types;
    enum kr_code rc;

    memset(req, 0, sizeof *req);
    util_strlcpy(req->marketplace, STUDIO_MARKETPLACE, sizeof req->marketplace);
    if (!json_is_object(body))
        return kr_fail(err, KRS_BAD_JSON, "the body must be a JSON object");
    if (!json_is_string(pt))
        return kr_fail(err, KRS_INVALID_PRODUCT_TYPE,
                       "Invalid product_type. Use 'ear', 'bra', or 'nec'");
    rc = studio_product_parse(json_string_value(pt), &req->product, err);
    if (rc)
        return rc;
    types = json_object_get(body, "image_types");
    if (types && !json_is_null(types))
        rc = json_types(types, req, err);
    else
        rc = studio_default_types(env, req->product, req->types, &req->ntypes, err);
    if (!rc)
        rc = json_length(json_object_get(body, "height"), "height", &req->height, err);
    if (!rc)
        rc = json_length(json_object_get(body, "width"), "width", &req->width, err);
    if (!rc)
        rc = json_options(body, req, err);
    if (!rc)
        rc = json_size(json_object_get(body, "size"), req, err);
    return rc ? rc : studio_request_check(req, err);
}

enum kr_code studio_request_check(const struct studio_request *req, struct kr_err *err)
{
    if (req->ntypes < 1 || req->ntypes > STUDIO_MAX_TYPES)
        return kr_fail(err, KRS_BAD_IMAGE_TYPES, "no image types to make");
    for (int i = 0; i < req->ntypes; i++) {
        if (!studio_type_name(req->types[i]))
            return kr_fail(err, KRS_UNKNOWN_IMAGE_TYPE, "unknown image type %d", req->types[i]);
        if (req->types[i] == STUDIO_DIMENSION && (!req->height.set || !req->width.set))
            return kr_fail(err, KRS_DIMENSIONS_REQUIRED,
                           "image type 3 (Dimension Image) needs both height and width, such as "
                           "25mm and 12mm");
    }
    if (!studio_marketplace_ok(req->marketplace))
        return kr_fail(err, KRS_BAD_MARKETPLACE, "marketplace must be amazon, flipkart or meesho");
    return KR_OK;
}
