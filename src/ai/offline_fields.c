/*
 * offline_fields.c - the offline provider's answers that come from the
 * analysis of the piece (analyse.c): pearls, diamonds, stone counts,
 * pairs, metal tone and the silhouette in type fields.
 *
 * Rules: an answer below the confidence threshold is left blank with a
 * reason that starts "needs review" and names the field; a field that does
 * not apply (a pearl field when the photo surely shows no pearls) gets the
 * marketplace's not-applicable value where its allowed values have one,
 * else stays blank with a "does not apply" reason. Fields this file does not
 * know are left to offline.c (colours, background, grade).
 */
#include <stdio.h>
#include <string.h>

#include "ai/ai_int.h"
#include "core/util.h"

static int has(const char *s, const char *w)
{
    return s && strcasestr(s, w) != NULL;
}

static const char *na_value(const struct ai_field *f)
{
    static const char *const na[] = {"NA", "N/A", "Not Applicable", "None"};
    for (size_t i = 0; i < f->nallowed; i++)
        for (size_t k = 0; k < sizeof na / sizeof na[0]; k++)
            if (util_streq_ci(f->allowed[i], na[k]))
                return f->allowed[i];
    return NULL;
}

static const char *review(char *why, size_t wn, const char *field, const char *what, double conf)
{
    snprintf(why, wn, "needs review: %s (%s; confidence %.2f)", field, what, conf);
    return NULL;
}

static const char *not_applicable(const struct ai_field *f, char *buf, size_t n, char *why,
                                  size_t wn, const char *what)
{
    const char *na = na_value(f);
    if (na)
        return util_strlcpy(buf, na, n), buf;
    snprintf(why, wn, "does not apply: %s", what);
    return NULL;
}

/* Allowed value naming the silhouette, or NULL. */
static const char *spell_shape(const struct ai_field *f, const char *shape)
{
    static const struct {
        const char *shape, *names[7];
    } syn[] = {
        {"stud", {"Stud Earrings", "Stud Earring", "Studs", "Stud", NULL}},
        {"hoop", {"Hoop Earrings", "Hoop Earring", "Hoops", "Closed Hoop", "Hoop", NULL}},
        {"drop",
         {"Drop Earrings", "Drops & Danglers", "Dangle Earrings", "Drop Earring", "Drops",
          "Danglers", NULL}},
        {"jhumka", {"Jhumki Earring", "Jhumkis", "Jhumkas", "Jhumka", "Jhumki", NULL}},
        {"chandbali", {"Chandbali Earring", "Chandbalis", "Chandbali", NULL}},
        {"ear cuff", {"Ear Cuffs", "Ear Cuff", "Ear cuffs", "Earcuff", "Cuff Earring", NULL}},
        {"choker", {"Choker", "Choker Necklaces", "Chokers", NULL}},
        {"layered", {"Layered Necklace", "Layered", NULL}},
        {"chain", {"Chain", "Chain Link Bracelets", "Chains", NULL}},
        {"bangle", {"Bangle", "Bangles", "Bangle Style", NULL}},
        {"kada", {"Kada", "Kadas", "Bangle", NULL}},
        {"cuff", {"Cuff Bracelets", "Cuff", "Cuffs", NULL}},
    };
    for (size_t i = 0; i < sizeof syn / sizeof syn[0]; i++) {
        if (strcmp(syn[i].shape, shape) != 0)
            continue;
        for (size_t k = 0; syn[i].names[k]; k++)
            for (size_t j = 0; j < f->nallowed; j++)
                if (util_streq_ci(f->allowed[j], syn[i].names[k]))
                    return f->allowed[j];
    }
    return NULL;
}

static const char *pearl_field(const struct ai_field *f, const struct ai__field_ask *q)
{
    const struct ai_analysis *a = q->a;
    double thr = q->thr;
    char *buf = q->buf, *why = q->why;
    size_t n = q->n, wn = q->wn;
    if (a->pearls_conf < thr)
        return review(why, wn, f->name, "pearls uncertain", a->pearls_conf);
    if (!a->pearls)
        return not_applicable(f, buf, n, why, wn, "no pearls in the photo");
    if (has(f->name, "number"))
        return snprintf(buf, n, "%d", a->pearls), buf;
    if (has(f->name, "colo") && !f->nallowed)
        return util_strlcpy(buf, "White", n), buf;
    return review(why, wn, f->name, "pearl kind and grade are not visible", a->pearls_conf);
}

static const char *stone_field(const struct ai_field *f, const struct ai__field_ask *q)
{
    const struct ai_analysis *a = q->a;
    double thr = q->thr;
    char *buf = q->buf, *why = q->why;
    size_t n = q->n, wn = q->wn;
    if (a->stones_conf < thr)
        return review(why, wn, f->name, "stones uncertain", a->stones_conf);
    if (!a->stones)
        return f->nallowed ? not_applicable(f, buf, n, why, wn, "no stones in the photo")
                           : (util_strlcpy(buf, "0", n), buf);
    return snprintf(buf, n, "%d", a->stones), buf;
}

/* 1 when this file answers field f (value in *out, or NULL with why). */
int ai__offline_field(const struct ai_field *f, const struct ai__field_ask *q, const char **out)
{
    const struct ai_analysis *a = q->a;
    double thr = q->thr;
    char *buf = q->buf, *why = q->why;
    size_t n = q->n, wn = q->wn;
    const char *type = q->type;
    const char *name = f->name, *v;
    *out = NULL;
    if (has(name, "pearl") && !has(name, "colo") && !has(name, "number") && !has(name, "type") &&
        a->pearls_conf >= thr && a->pearls)
        return *out = review(why, wn, name, "pearl kind and grade are not visible", 1), 1;
    if (has(name, "pearl") && (!has(name, "colo") || !a->pearls || a->pearls_conf < thr))
        return *out = pearl_field(f, q), 1;
    if (has(name, "diamond") || has(name, "clarity"))
        return *out = a->stones_conf >= thr && !a->stones
                          ? not_applicable(f, buf, n, why, wn, "no stones in the photo")
                          : review(why, wn, name, "diamonds cannot be confirmed offline",
                                   a->stones_conf),
               1;
    if (has(name, "number") && (has(name, "stone") || has(name, "gem")))
        return *out = stone_field(f, q), 1;
    if (has(name, "pair") && !f->nallowed && type && has(type, "earring")) {
        if (a->pair_conf < thr || !a->pair)
            return *out = review(why, wn, name, "pair or single uncertain", a->pair_conf), 1;
        return *out = (util_strlcpy(buf, "1", n), buf), 1;
    }
    if (has(name, "metal") && has(name, "colo") && a->metal_conf < thr)
        return *out = review(why, wn, name, "metal tone uncertain", a->metal_conf), 1;
    if (f->nallowed && (has(name, "type") || has(name, "style")) && a->shape[0] &&
        a->shape_conf >= thr && (v = spell_shape(f, a->shape)))
        return *out = (util_strlcpy(buf, v, n), buf), 1;
    return 0;
}
