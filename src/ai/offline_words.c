/*
 * offline_words.c - the offline copy's sentences, written from facts
 * (struct ai__facts, gathered by offline_copy.c) and never from field names.
 *
 * Every text states only what the facts hold; where a fact is unknown the
 * sentence is built without it or says where the seller's data is. The five
 * bullets each cover one theme (design; material and finish; size and
 * weight; occasion and styling; care, packaging and warranty), so no two
 * say the same thing, and none is the title. The description has two to
 * four sentences. Search terms never share a word with the title (words are
 * compared without case and a plural 's').
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ai/ai_int.h"
#include "core/util.h"

#define WORD_MAX 64

static void title_case(char *s)
{
    for (char *p = s; *p; p++)
        if (p == s || p[-1] == ' ' || p[-1] == '-')
            *p = (char)toupper((unsigned char)*p);
}

static void cap_first(char *s)
{
    if (*s)
        *s = (char)toupper((unsigned char)*s);
}

/* "gold tone" / "oxidised silver" / "" : the metal's look as an adjective. */
static void tone(const struct ai__facts *f, char *out, size_t n)
{
    const char *m = f->metal[0] ? f->metal : f->colour;
    if (!*m || strcmp(m, "multicolour") == 0)
        util_strlcpy(out, m, n);
    else if (strstr(m, "oxidi") || strstr(m, "antique"))
        util_strlcpy(out, m, n);
    else
        snprintf(out, n, "%s-tone", m);
}

/* The thing itself: "hoop earrings", else the product type. */
static const char *noun(const struct ai__facts *f)
{
    return f->shape[0] ? f->shape : f->type;
}

/* " set with red stones and pearls" / " with pearls" / "" */
static void adornment(const struct ai__facts *f, const char *verb, char *out, size_t n)
{
    const char *stone = f->gem[0] ? f->gem : f->stone;
    if (stone[0] && f->pearls)
        snprintf(out, n, " %s %s stones and pearls", verb, stone);
    else if (stone[0])
        snprintf(out, n, " %s %s stones", verb, stone);
    else if (f->pearls)
        snprintf(out, n, " %s pearls", verb);
    else
        out[0] = '\0';
}

/* A value that says nothing ("NA", "None", "Not Applicable"). */
static int empty_fact(const char *v)
{
    return !v[0] || util_streq_ci(v, "na") || util_streq_ci(v, "n/a") || util_streq_ci(v, "none") ||
           util_streq_ci(v, "not applicable");
}

/* The metal tone a phrase names first ("rose gold" before "gold"), or NULL. */
static const char *tone_word(const char *t)
{
    static const char *const tones[] = {"rose", "gold", "silver", "copper", "bronze", "platinum"};
    for (size_t i = 0; i < sizeof tones / sizeof tones[0]; i++)
        if (strcasestr(t, tones[i]))
            return tones[i];
    return NULL;
}

/* 1 when phrase names no metal tone, or the same as the colour and metal
 * facts (the title's tone must agree with the colour column). */
static int tone_agrees(const struct ai__facts *f, const char *phrase)
{
    const char *pt = tone_word(phrase), *ct = tone_word(f->colour), *mt = tone_word(f->metal);
    return !pt || ((!ct || !strcmp(pt, ct)) && (!mt || !strcmp(pt, mt)));
}

/* "gold-plated" from the plating fact, else the metal's tone (also when
 * the plating names another tone than the piece's colour: the title's
 * tone must agree with the colour column). */
static void finish_words(const struct ai__facts *f, char *out, size_t n)
{
    tone(f, out, n);
    if (!empty_fact(f->plating) && tone_agrees(f, f->plating))
        snprintf(out, n, "%s%s", f->plating, strcasestr(f->plating, "plat") ? "" : "-plated");
    else
        tone(f, out, n);
}

/* The key feature after the type: pearls, else the closure, else nothing. */
static void key_feature(const struct ai__facts *f, char *out, size_t n)
{
    if (f->pearls)
        snprintf(out, n, "with pearls");
    else if (!empty_fact(f->closure))
        snprintf(out, n, "with %s%s", f->closure, strcasestr(f->closure, "clos") ? "" : " closure");
    else
        out[0] = '\0';
}

/* Amazon.in's order: brand, material / plating, stone, type, key feature,
 * audience. Within limit bytes (0: none) the parts go, least needed first:
 * the material, the key feature, the stone. */
void ai__words_title(const struct ai__facts *f, int with_brand, size_t limit, char *out, size_t n)
{
    char fin[WORD_MAX + 8], feat[WORD_MAX + 16], stone[WORD_MAX + 8] = "";
    const char *gem = f->gem[0] ? f->gem : f->stone, *mat = f->material;
    finish_words(f, fin, sizeof fin);
    key_feature(f, feat, sizeof feat);
    if (gem[0] && !empty_fact(gem) && tone_agrees(f, gem))
        snprintf(stone, sizeof stone, "%s%s", gem, f->gem[0] ? "" : " stone");
    if (empty_fact(mat) || strcasestr(fin, mat) || !tone_agrees(f, mat))
        mat = "";
    for (int drop = 0; drop < 4; drop++) {
        const char *part[] = {with_brand ? f->brand : "",
                              drop < 1 ? mat : "",
                              fin,
                              drop < 3 ? stone : "",
                              noun(f),
                              drop < 2 ? feat : "",
                              f->women ? "for women" : ""};
        size_t l = 0;
        out[0] = '\0';
        for (size_t i = 0; i < sizeof part / sizeof part[0]; i++)
            if (part[i][0] && l + 1 < n)
                l += (size_t)snprintf(out + l, n - l, "%s%s", l ? " " : "", part[i]);
        if (!limit || l <= limit)
            break;
    }
    title_case(out);
}

static void bullet_design(const struct ai__facts *f, char *out, size_t n)
{
    char adorn[160], style[96] = "";
    adornment(f, "set with", adorn, sizeof adorn);
    if (f->style[0])
        snprintf(style, sizeof style, ", in %s %s style", strchr("aeiou", f->style[0]) ? "an" : "a",
                 f->style);
    snprintf(out, n, "DESIGN: %s%s%s%s.",
             f->pair == 1   ? "A matching pair of "
             : f->pair == 0 ? "A single "
                            : "",
             noun(f), adorn, style);
    cap_first(out + 8);
}

static void bullet_material(const struct ai__facts *f, char *out, size_t n)
{
    char t[WORD_MAX];
    tone(f, t, sizeof t);
    if (f->material[0])
        snprintf(out, n, "MATERIAL AND FINISH: Made of %s%s%s%s%s finish.", f->material,
                 f->plating[0] ? ", " : "", f->plating, t[0] ? ", with a " : "", t[0] ? t : "");
    else if (t[0])
        snprintf(out, n, "MATERIAL AND FINISH: An even %s finish across the metal%s%s.", t,
                 f->plating[0] ? ", " : "", f->plating);
    else
        snprintf(out, n,
                 "MATERIAL AND FINISH: The base material and finish are listed in the "
                 "product details.");
    if (f->material[0] && !t[0])
        snprintf(out, n, "MATERIAL AND FINISH: Made of %s%s%s.", f->material,
                 f->plating[0] ? ", " : "", f->plating);
}

static void bullet_size(const struct ai__facts *f, char *out, size_t n)
{
    if (f->size[0] || f->weight[0])
        snprintf(out, n, "SIZE AND WEIGHT: %s%s%s%s%s.", f->size[0] ? "Measures " : "", f->size,
                 f->size[0] && f->weight[0] ? " and weighs " : "",
                 !f->size[0] && f->weight[0] ? "Weighs " : "", f->weight);
    else
        snprintf(out, n,
                 "SIZE AND WEIGHT: Compare the measurements in the listing details "
                 "with a piece you already own before ordering.");
}

static void bullet_occasion(const struct ai__facts *f, char *out, size_t n)
{
    snprintf(out, n, "OCCASION AND STYLING: Suits %s wear and goes well with %s outfits.",
             f->occasion[0] ? f->occasion : "festive, party and everyday",
             f->style[0] ? f->style : "ethnic and western");
}

static void bullet_care(const struct ai__facts *f, char *out, size_t n)
{
    snprintf(
        out, n, "CARE, PACKAGING AND WARRANTY: %s%s%s%s%s",
        f->care
            ? f->care
            : "Keep it dry and away from perfume and lotions, and store it in a soft pouch after "
              "wear.",
        f->packaging ? " " : "", f->packaging ? f->packaging : "", f->warranty ? " " : "",
        f->warranty ? f->warranty : "");
}

void ai__words_bullet(const struct ai__facts *f, int i, char *out, size_t n)
{
    static void (*const make[])(const struct ai__facts *, char *, size_t) = {
        bullet_design, bullet_material, bullet_size, bullet_occasion, bullet_care};
    make[i < 0 ? 0 : i > 4 ? 4 : i](f, out, n);
}

void ai__words_description(const struct ai__facts *f, char *out, size_t n)
{
    char t[WORD_MAX], adorn[160], more[256] = "";
    const char *nn = noun(f);
    int plural = f->pair == 1 || (strlen(nn) > 1 && nn[strlen(nn) - 1] == 's');
    const char *pron = plural ? "They" : "It";
    tone(f, t, sizeof t);
    adornment(f, "set with", adorn, sizeof adorn);
    if (f->material[0])
        snprintf(more, sizeof more, " %s %s made of %s%s%s.", pron, plural ? "are" : "is",
                 f->material, f->plating[0] ? " with " : "", f->plating);
    else if (f->size[0])
        snprintf(more, sizeof more, " %s %s %s.", pron, plural ? "measure" : "measures", f->size);
    snprintf(out, n, "%s%s%s%s%s.%s Wear %s for %s occasions with %s outfits. %s",
             f->pair == 1   ? "A pair of "
             : f->pair == 0 ? "A "
                            : "",
             t, t[0] ? " " : "", nn, adorn, more, plural ? "them" : "it",
             f->occasion[0] ? f->occasion : "festive, party and everyday",
             f->style[0] ? f->style : "ethnic and western",
             f->care  ? f->care
             : plural ? "Keep them dry and away from perfume to preserve the finish."
                      : "Keep it dry and away from perfume to preserve the finish.");
    cap_first(out);
}

void ai__words_features(const struct ai__facts *f, char *out, size_t n)
{
    char t[WORD_MAX], adorn[160];
    tone(f, t, sizeof t);
    adornment(f, "with", adorn, sizeof adorn);
    snprintf(out, n, "%s%s%s%s, suits %s wear", t[0] ? t : "", t[0] ? " finish" : "",
             adorn[0] ? "," : "", adorn, f->occasion[0] ? f->occasion : "everyday");
    if (f->pair >= 0)
        strncat(out, f->pair ? ", sold as a pair" : ", sold as a single piece",
                n - strlen(out) - 1);
    cap_first(out);
}

/* 1 if some word of term is a word of text. */
static int shares_word(const char *term, const char *text)
{
    char a[WORD_MAX], b[WORD_MAX];
    for (const char *p = term; *p;) {
        size_t l = strcspn(p, " -,&/");
        util_word_key(p, l, a, sizeof a);
        for (const char *q = text; a[0] && *q;) {
            size_t m = strcspn(q, " -,&/");
            util_word_key(q, m, b, sizeof b);
            if (strcmp(a, b) == 0)
                return 1;
            q += m + (q[m] != '\0');
        }
        p += l + (p[l] != '\0');
    }
    return 0;
}

json_t *ai__words_keywords(const struct ai__facts *f, const char *title, size_t max)
{
    char buf[WORD_MAX * 2];
    const char *cand[16];
    size_t nc = 0, i;
    json_t *list = json_array(), *v;
    if (strstr(f->type, "earring"))
        cand[nc++] = "ear rings", cand[nc++] = "ear wear";
    else if (strstr(f->type, "necklace"))
        cand[nc++] = "neckpiece", cand[nc++] = "neckwear";
    else if (strstr(f->type, "bracelet"))
        cand[nc++] = "wristwear", cand[nc++] = "hand accessory";
    cand[nc++] = f->occasion[0] ? f->occasion : "festive";
    cand[nc++] = f->style[0] ? f->style : "accessories";
    cand[nc++] = "jewellery";
    cand[nc++] = "gift for her";
    cand[nc++] = "ladies";
    cand[nc++] = "girls";
    if (strcmp(f->metal, "gold") == 0 || strcmp(f->colour, "gold") == 0)
        cand[nc++] = "golden";
    for (i = 0; i < nc && json_array_size(list) < max; i++) {
        size_t k;
        int dup = 0;
        util_strlcpy(buf, cand[i], sizeof buf);
        for (char *p = buf; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        if (!buf[0] || shares_word(buf, title) || (f->brand[0] && shares_word(buf, f->brand)))
            continue;
        json_array_foreach(list, k, v) dup |= shares_word(buf, json_string_value(v));
        if (!dup)
            json_array_append_new(list, json_string(buf));
    }
    return list;
}
