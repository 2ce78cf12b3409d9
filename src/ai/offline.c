/*
 * offline.c - the provider that needs no network and always answers the
 * same way for the same input.
 *
 * extract: measures the first photo (measure.c) and fills only what a
 * measurement can honestly say: colour fields (overall, metal, stone), the
 * background, a quality grade, and a product-type field whose allowed
 * values contain the seller's type. A field with allowed values is filled
 * only when one of them names what was measured. Every other field stays
 * blank with a reason in `notes`.
 * copy: composes text from the attributes it is given, the product type and
 * the seller profile (brand) with fixed templates; it states nothing the
 * attributes do not. Fields it has no material for are left out.
 * image: not possible offline (KR_EUNSUPPORTED).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai_int.h"
#include "core/utf8.h"
#include "core/util.h"

/* Case-insensitive "does s contain w". */
static int has(const char *s, const char *w)
{
    return s && strcasestr(s, w) != NULL;
}

/* Equality ignoring case, spaces, hyphens and underscores. */
static int loose_eq(const char *a, const char *b)
{
    for (;;) {
        while (*a == ' ' || *a == '-' || *a == '_')
            a++;
        while (*b == ' ' || *b == '-' || *b == '_')
            b++;
        if (!*a || !*b)
            return !*a && !*b;
        if (tolower((unsigned char)*a++) != tolower((unsigned char)*b++))
            return 0;
    }
}

static void title_case(const char *in, char *out, size_t n)
{
    int start = 1;
    size_t i = 0;
    for (; *in && i + 1 < n; in++, i++) {
        out[i] = start ? (char)toupper((unsigned char)*in) : *in;
        start = *in == ' ' || *in == '-';
    }
    out[i] = '\0';
}

/* Spellings marketplaces use for a measured colour name, best first. */
static const char *const *synonyms(const char *name)
{
    static const char *const gold[] = {"gold", "yellow gold", "golden", "yellow", NULL};
    static const char *const rose[] = {"rose gold", "pink gold", "rose", "copper", NULL};
    static const char *const silver[] = {"silver", "grey", "gray", "metallic", NULL};
    static const char *const oxid[] = {"oxidised silver", "oxidized silver",
                                       "oxidised",        "oxidized",
                                       "black silver",    "grey",
                                       "silver",          NULL};
    static const char *const white[] = {"white", "off white", "cream", NULL};
    static const char *const pearl[] = {"pearl",     "pearl white", "cream",
                                        "off white", "white",       NULL};
    static const char *const multi[] = {"multicolour",  "multicolor", "multi color",
                                        "multi colour", "multi",      NULL};
    static const char *const teal[] = {"turquoise", "teal", "aqua", "sea green", NULL};
    static const char *const purple[] = {"purple", "violet", NULL};
    static const char *const brown[] = {"brown", "bronze", NULL};
    static const struct {
        const char *name;
        const char *const *list;
    } map[] = {
        {"gold", gold},     {"rose gold", rose}, {"silver", silver},     {"oxidised silver", oxid},
        {"white", white},   {"pearl", pearl},    {"multicolour", multi}, {"turquoise", teal},
        {"purple", purple}, {"brown", brown}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].name, name) == 0)
            return map[i].list;
    return NULL;
}

/* The caller's spelling of a measured name: an allowed value, or title case. */
static int spell(const struct ai_field *f, const char *name, char *out, size_t n)
{
    const char *const *syn = synonyms(name);
    const char *one[] = {name, NULL};
    if (!f->nallowed) {
        title_case(name, out, n);
        return 1;
    }
    for (const char *const *s = syn ? syn : one; *s; s++)
        for (size_t i = 0; i < f->nallowed; i++)
            if (loose_eq(*s, f->allowed[i])) {
                util_strlcpy(out, f->allowed[i], n);
                return 1;
            }
    return 0;
}

/* A product type ("earrings") among allowed values ("Earring", "Earrings"). */
static int spell_type(const struct ai_field *f, const char *type, char *out, size_t n)
{
    char sing[64];
    size_t l;
    if (!type || !*type || !f->nallowed)
        return 0;
    util_strlcpy(sing, type, sizeof sing);
    l = strlen(sing);
    if (l > 1 && (sing[l - 1] == 's' || sing[l - 1] == 'S'))
        sing[l - 1] = '\0';
    for (size_t i = 0; i < f->nallowed; i++)
        if (loose_eq(type, f->allowed[i]) || loose_eq(sing, f->allowed[i])) {
            util_strlcpy(out, f->allowed[i], n);
            return 1;
        }
    return 0;
}

/* Value for one field from the measurement; NULL and *why when blank. */
static const char *field_value(const struct ai_field *f, const struct ai_measure *m,
                               const char *type, char *buf, size_t n, const char **why)
{
    const char *name = f->name, *src = NULL;
    char grade[2] = {m->grade, 0};
    *why = "the offline provider cannot tell this from the photo";
    if (has(name, "quality") || has(name, "grade"))
        src = grade;
    else if ((has(name, "stone") || has(name, "gem") || has(name, "pearl")) && has(name, "colo"))
        src = m->stone[0] ? m->stone : NULL, *why = "no stone colour stands out in the photo";
    else if (has(name, "metal") && has(name, "colo"))
        src = m->metal[0] ? m->metal : NULL, *why = "no metal colour stands out in the photo";
    else if (has(name, "colo"))
        src = m->colour[0] ? m->colour : NULL, *why = "no item colour could be measured";
    else if (has(name, "background"))
        src = m->background;
    else if (loose_eq(name, "type") || has(name, "product_type") || has(name, "item_type") ||
             has(name, "category"))
        return spell_type(f, type, buf, n) ||
                       (!f->nallowed && type && *type && util_strlcpy(buf, type, n))
                   ? buf
                   : NULL;
    if (!src)
        return NULL;
    if (src == grade && !f->nallowed) {
        util_strlcpy(buf, grade, n);
        return buf;
    }
    if (spell(f, src, buf, n))
        return buf;
    *why = "the measured colour matches none of the allowed values";
    return NULL;
}

static json_t *as_value(const struct ai_field *f, const char *v)
{
    char *s = utf8_shorten(v, (size_t)f->max_len);
    json_t *j = json_string(s ? s : v);
    free(s);
    return f->multi ? json_pack("[o]", j) : j;
}

static enum kr_code offline_extract(struct ai *ai, const struct ai_extract_req *req, json_t **out,
                                    json_t **notes, struct kr_err *err)
{
    struct ai_measure m;
    struct ai_analysis a;
    json_t *o, *nt;
    enum kr_code rc = ai_measure_image(&req->images[0], ai->max_pixels, &m, err);
    if (!rc)
        rc = ai_analyse_image(&req->images[0], ai->max_pixels, req->product_type,
                              ai_segmenter_of(ai), &a, err);
    if (rc)
        return rc;
    if (a.metal_conf >= ai->min_confidence && strcmp(a.metal, "multi-tone") != 0)
        util_strlcpy(m.metal, a.metal, sizeof m.metal);
    if (a.stones_conf >= ai->min_confidence && a.stones && !m.stone[0]) /* first stone colour */
        snprintf(m.stone, sizeof m.stone, "%.*s", (int)strcspn(a.stone_colours, ","),
                 a.stone_colours);
    o = json_object();
    nt = json_object();
    for (size_t i = 0; i < req->nfields; i++) {
        char buf[128], whybuf[200];
        const char *why = whybuf, *v;
        struct ai__field_ask q = {&a,     ai->min_confidence, req->product_type, buf, sizeof buf,
                                  whybuf, sizeof whybuf};
        if (!ai__offline_field(&req->fields[i], &q, &v))
            v = field_value(&req->fields[i], &m, req->product_type, buf, sizeof buf, &why);
        if (v)
            json_object_set_new(o, req->fields[i].name, as_value(&req->fields[i], v));
        else
            json_object_set_new(nt, req->fields[i].name, json_string(why));
    }
    *out = o;
    if (notes)
        *notes = nt;
    else
        json_decref(nt);
    return KR_OK;
}

static enum kr_code offline_image(struct ai *ai, const struct ai_image_req *req,
                                  struct ai_image_out *out, struct kr_err *err)
{
    (void)ai, (void)req, (void)out;
    return kr_fail(err, KRS_UNSUPPORTED, "offline provider cannot generate scenes");
}

const struct ai_provider_ops ai_offline_ops = {
    .name = "offline",
    .extract = offline_extract,
    .copy = ai__offline_copy,
    .image = offline_image,
};
