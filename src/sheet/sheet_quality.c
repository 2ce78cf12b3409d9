/*
 * sheet_quality.c - what a listing row must not say, and what must agree,
 * checked after sheet_validate_row() has repaired the row (so limits and
 * allowed values are already reported). One set of checks for every row,
 * whoever wrote it: the offline provider, a model, or a seller's own sheet
 * read by `karat lint-sheet`.
 *
 * Text checks, on every copy column (title, bullets, description, key
 * features, search terms), from the marketplace's rules (sheet_rules.c):
 *   promotional, price_in_text, other_brand, url, emoji, html;
 *   leaked_field_name ("item_type_name: Earrings", "Pearl Grade: A").
 * Row checks: duplicate_bullet, bullet_repeats_title,
 * keyword_repeats_title, too_many_keywords, title_word_repeats,
 * short_description;
 * colour_mismatch (the title names another metal tone than the colour
 * column), type_mismatch (another product type in a type column or the
 * title), pearls_disagree (a pearl field filled while nothing else in the
 * row mentions pearls), implausible_number (a size or weight the product
 * type cannot have).
 * Severity and the row's score: sheet_problem_severity(), sheet_row_score().
 */
#include "sheet/sheet_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"

#define TEXT_MAX 4096

struct qctx {
    const struct sheet_schema *s;
    const json_t *row;
    json_t *warnings;
    enum kr_code rc;
};

static void warn(struct qctx *q, const char *column, const char *problem, const char *value)
{
    json_t *w = json_pack("{s:s, s:s, s:s%}", "column", column, "problem", problem, "value", value,
                          strlen(value) > 200 ? (size_t)200 : strlen(value));
    if (!w || json_array_append_new(q->warnings, w))
        q->rc = KR_ENOMEM;
}

static int word_char(unsigned char c)
{
    return isalnum(c) || c >= 0x80;
}

/* Case-insensitive whole-word search of phrase in text; the hit or NULL. */
static const char *find_phrase(const char *text, const char *phrase)
{
    size_t n = strlen(phrase);
    for (const char *p = text; (p = strcasestr(p, phrase)) != NULL; p++) {
        int left =
            p == text || !word_char((unsigned char)p[-1]) || !word_char((unsigned char)phrase[0]);
        int right = !word_char((unsigned char)p[n]) || !word_char((unsigned char)phrase[n - 1]);
        if (left && right)
            return p;
    }
    return NULL;
}

static const char *find_any(const char *text, const json_t *list)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i,
                       v) if (find_phrase(text, json_string_value(v))) return json_string_value(v);
    return NULL;
}

/* Emoji and pictographs: U+1F000-1FAFF, U+2600-27BF, U+2B00-2BFF, U+FE0F. */
static int has_emoji(const char *t)
{
    const unsigned char *p = (const unsigned char *)t;
    for (; *p; p++) {
        unsigned cp;
        if (*p >= 0xF0 && p[1] && p[2] && p[3])
            cp = ((p[0] & 7u) << 18) | ((p[1] & 63u) << 12) | ((p[2] & 63u) << 6) | (p[3] & 63u);
        else if (*p >= 0xE0 && p[1] && p[2])
            cp = ((p[0] & 15u) << 12) | ((p[1] & 63u) << 6) | (p[2] & 63u);
        else
            continue;
        if ((cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0x2600 && cp <= 0x27BF) ||
            (cp >= 0x2B00 && cp <= 0x2BFF) || cp == 0xFE0F)
            return 1;
    }
    return 0;
}

static int has_html(const char *t)
{
    for (const char *p = strchr(t, '<'); p; p = strchr(p + 1, '<'))
        if ((isalpha((unsigned char)p[1]) || p[1] == '/' || p[1] == '!') && strchr(p, '>'))
            return 1;
    for (const char *p = strchr(t, '&'); p; p = strchr(p + 1, '&')) {
        size_t n = 1;
        while (isalnum((unsigned char)p[n]) || (n == 1 && p[n] == '#'))
            n++;
        if (n > 2 && p[n] == ';')
            return 1;
    }
    return 0;
}

static int has_url(const char *t)
{
    const char *at = strchr(t, '@');
    return strcasestr(t, "http://") || strcasestr(t, "https://") || strcasestr(t, "www.") ||
           find_phrase(t, ".com") ||
           (at && at > t && word_char((unsigned char)at[-1]) && strchr(at, '.') &&
            word_char((unsigned char)at[1]));
}

/* A price: a currency sign or word followed by a number, or a price word. */
static const char *price_hit(const struct sheet_schema *s, const char *t)
{
    const char *w = find_any(t, s->rules.price);
    if (w)
        return w;
    for (const char *p = t; *p; p++)
        if (isdigit((unsigned char)*p) && (p[1] == '%' || (p > t && p[-1] == '$')))
            return "a price or discount";
    return NULL;
}

/* "name:" of any column of the schema, or a snake_case word followed by ':'. */
static const char *leaked_name(const struct sheet_schema *s, const char *t)
{
    for (size_t i = 0; i < s->ncols; i++) {
        const char *n = s->cols[i].name, *p;
        size_t l = strlen(n);
        if (l < 4)
            continue;
        for (p = t; (p = strcasestr(p, n)) != NULL; p += l)
            if ((p == t || !word_char((unsigned char)p[-1])) && p[l] == ':')
                return n;
    }
    for (const char *p = strchr(t, '_'); p; p = strchr(p + 1, '_'))
        if (p > t && isalpha((unsigned char)p[-1]) && isalpha((unsigned char)p[1]) &&
            p[strspn(p, "_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")] == ':')
            return "a field name";
    return NULL;
}

static void check_text(struct qctx *q, const struct sheet_column *c, const char *t)
{
    const char *hit;
    if (sheet__rules_forbid(q->s, "promotional") && (hit = find_any(t, q->s->rules.promotional)))
        warn(q, c->name, "promotional", hit);
    if (sheet__rules_forbid(q->s, "price") && (hit = price_hit(q->s, t)))
        warn(q, c->name, "price_in_text", hit);
    if (sheet__rules_forbid(q->s, "other_brands") && (hit = find_any(t, q->s->rules.brands)))
        warn(q, c->name, "other_brand", hit);
    if (sheet__rules_forbid(q->s, "url") && has_url(t))
        warn(q, c->name, "url", t);
    if (sheet__rules_forbid(q->s, "emoji") && has_emoji(t))
        warn(q, c->name, "emoji", t);
    if (sheet__rules_forbid(q->s, "html") && has_html(t))
        warn(q, c->name, "html", t);
    if ((hit = leaked_name(q->s, t)))
        warn(q, c->name, "leaked_field_name", hit);
}

static const char *copy_text(struct qctx *q, enum sheet_copy_role role, const char **column)
{
    for (size_t i = 0; i < q->s->ncols; i++)
        if (q->s->cols[i].copy == role) {
            *column = q->s->cols[i].name;
            return sheet__row_text(q->row, q->s->cols[i].name);
        }
    *column = NULL;
    return "";
}

static void check_bullets(struct qctx *q, const char *title)
{
    char a[TEXT_MAX], b[TEXT_MAX], t[TEXT_MAX];
    sheet__norm_key(title, 0, t, sizeof t);
    for (size_t i = 0; i < q->s->ncols; i++) {
        const struct sheet_column *c = &q->s->cols[i];
        const char *v = sheet__row_text(q->row, c->name);
        if (c->copy != SHEET_COPY_BULLET || !v[0])
            continue;
        sheet__norm_key(v, 0, a, sizeof a);
        if (t[0] && (strcmp(a, t) == 0 || (strlen(t) >= 20 && strstr(a, t))))
            warn(q, c->name, "bullet_repeats_title", v);
        for (size_t j = 0; j < i; j++) {
            const struct sheet_column *d = &q->s->cols[j];
            if (d->copy != SHEET_COPY_BULLET)
                continue;
            sheet__norm_key(sheet__row_text(q->row, d->name), 0, b, sizeof b);
            if (strcmp(a, b) == 0) {
                warn(q, c->name, "duplicate_bullet", v);
                break;
            }
        }
    }
}

static int title_has_word(const char *title, const char *w, size_t n)
{
    static const char *const stop[] = {"and", "for", "the", "with", "of", "in", "a", "an", "to"};
    char a[64], b[64];
    util_word_key(w, n, a, sizeof a);
    for (size_t i = 0; i < sizeof stop / sizeof stop[0]; i++)
        if (strcmp(a, stop[i]) == 0)
            return 0;
    for (const char *p = title; a[0] && *p;) {
        size_t m = strcspn(p, " -,&/:()");
        util_word_key(p, m, b, sizeof b);
        if (m && strcmp(a, b) == 0)
            return 1;
        p += m + (p[m] != '\0');
    }
    return 0;
}

/* A title word (articles, prepositions and conjunctions aside) used more
 * often than the marketplace allows. */
static void check_title_repeats(struct qctx *q, const char *tcol, const char *title)
{
    char a[64], b[64];
    if (!q->s->rules.max_repeats || !tcol)
        return;
    for (const char *p = title; *p;) {
        size_t m = strcspn(p, " -,&/:()"), k;
        int times = 0;
        util_word_key(p, m, a, sizeof a);
        for (const char *r = title; m > 2 && *r; r += k + (r[k] != '\0')) {
            k = strcspn(r, " -,&/:()");
            util_word_key(r, k, b, sizeof b);
            times += k && strcmp(a, b) == 0;
        }
        if (times > q->s->rules.max_repeats && title_has_word(title, p, m)) {
            warn(q, tcol, "title_word_repeats", a);
            return;
        }
        p += m + (p[m] != '\0');
    }
}

static void check_keywords(struct qctx *q, const char *title)
{
    const char *col, *kw = copy_text(q, SHEET_COPY_KEYWORDS, &col);
    const struct sheet_column *c = col ? sheet_find_column(q->s, col) : NULL;
    const char *sep = c && c->separator ? c->separator : ",";
    int terms = 0;
    if (!kw[0])
        return;
    for (const char *p = kw; *p;) {
        const char *e = strstr(p, sep);
        size_t n = e ? (size_t)(e - p) : strlen(p);
        terms += n > 0;
        p += n + (e ? strlen(sep) : 0);
    }
    if (q->s->rules.max_terms && terms > q->s->rules.max_terms)
        warn(q, col, "too_many_keywords", kw);
    for (const char *p = kw; *p;) {
        size_t m = strcspn(p, " ,;:");
        if (m && title_has_word(title, p, m)) {
            char w[64];
            snprintf(w, sizeof w, "%.*s", (int)(m < 60 ? m : 60), p);
            warn(q, col, "keyword_repeats_title", w);
            return;
        }
        p += m + (p[m] != '\0');
    }
}

/* The metal tone a text names ("rose gold" before "gold"), or NULL. */
static const char *tone_in(const char *t)
{
    static const char *const tones[] = {"rose gold", "gold",   "silver",
                                        "copper",    "bronze", "platinum"};
    for (size_t i = 0; i < sizeof tones / sizeof tones[0]; i++) {
        const char *p = find_phrase(t, tones[i]);
        if (p && !(i == 1 && p >= t + 5 && strncasecmp(p - 5, "rose ", 5) == 0))
            return tones[i];
    }
    return NULL;
}

static int is_colour_column(const struct sheet_column *c)
{
    const char *n = c->name;
    return c->source == SHEET_SRC_ATTR && strcasestr(n, "colo") && !strcasestr(n, "stone") &&
           !strcasestr(n, "gem") && !strcasestr(n, "pearl") && !strcasestr(n, "map") &&
           !strcasestr(n, "brand") && !strcasestr(n, "metal") && !strcasestr(n, "diamond");
}

/* Title tone vs the colour column, when both name a metal tone. */
static void check_colour(struct qctx *q, const char *tcol, const char *title)
{
    const char *tt = tone_in(title);
    for (size_t i = 0; tt && i < q->s->ncols; i++) {
        const char *v = sheet__row_text(q->row, q->s->cols[i].name), *vt;
        if (!is_colour_column(&q->s->cols[i]) || !v[0] || !(vt = tone_in(v)))
            continue;
        if (strcmp(vt, tt) != 0)
            warn(q, tcol, "colour_mismatch", v);
        return;
    }
}

/* Another product type named in a type column or the title. */
static void check_type(struct qctx *q, const char *tcol, const char *title)
{
    size_t i;
    json_t *w;
    json_array_foreach(q->s->rules.product_words, i, w)
    {
        const char *word = json_string_value(w);
        if (strcasestr(q->s->product_type, word) || strcasestr(word, q->s->product_type))
            continue;
        if (tcol && strcasestr(title, word))
            warn(q, tcol, "type_mismatch", title);
        for (size_t k = 0; k < q->s->ncols; k++) {
            const struct sheet_column *c = &q->s->cols[k];
            const char *v = sheet__row_text(q->row, c->name);
            if (c->source == SHEET_SRC_ATTR && strcasestr(c->name, "type") &&
                !strcasestr(c->name, "pearl") && strcasestr(v, word))
                warn(q, c->name, "type_mismatch", v);
        }
    }
}

static int not_applicable(const char *v)
{
    return !v[0] || !strcasecmp(v, "NA") || !strcasecmp(v, "N/A") || !strcasecmp(v, "None") ||
           !strcasecmp(v, "Not Applicable") || !strcasecmp(v, "No");
}

/* A pearl field filled while no other cell mentions pearls. */
static void check_pearls(struct qctx *q)
{
    const char *filled = NULL;
    int mentioned = 0;
    for (size_t i = 0; i < q->s->ncols; i++) {
        const struct sheet_column *c = &q->s->cols[i];
        const char *v = sheet__row_text(q->row, c->name);
        if (strcasestr(c->name, "pearl")) {
            if (!not_applicable(v) && !filled)
                filled = c->name;
        } else if (strcasestr(v, "pearl")) {
            mentioned = 1;
        }
    }
    if (filled && !mentioned)
        warn(q, filled, "pearls_disagree", sheet__row_text(q->row, filled));
}

/* Sizes (cm, mm, inches) and weights (g, kg) against the product type. */
static void check_numbers(struct qctx *q)
{
    for (size_t i = 0; i < q->s->ncols; i++) {
        const struct sheet_column *c = &q->s->cols[i];
        const char *n = c->name, *v = sheet__row_text(q->row, n);
        double d, limit;
        int weight = strcasestr(n, "weight") != NULL;
        if ((c->source != SHEET_SRC_ATTR && c->source != SHEET_SRC_DIMS) || !v[0] ||
            strcasestr(n, "package") || strcasestr(n, "shipping") || strcasestr(n, "unit") ||
            !sheet__is_number(v, &d))
            continue;
        if (!weight && !strcasestr(n, "height") && !strcasestr(n, "width") &&
            !strcasestr(n, "length") && !strcasestr(n, "diameter"))
            continue;
        if (weight)
            d *= strcasestr(n, "kg") ? 1000 : 1, limit = q->s->rules.max_g;
        else
            d /= strcasestr(n, "mm") ? 10 : 1, d *= strcasestr(n, "inch") ? 2.54 : 1,
                limit = q->s->rules.max_cm;
        if (d < 0 || (limit > 0 && d > limit))
            warn(q, n, "implausible_number", v);
    }
}

static int sentences(const char *t)
{
    int n = 0;
    for (; *t; t++)
        n += (*t == '.' || *t == '!' || *t == '?') && (t[1] == ' ' || t[1] == '\n' || !t[1]);
    return n;
}

enum kr_code sheet__quality(const struct sheet_schema *s, const json_t *row, json_t *warnings)
{
    struct qctx q = {s, row, warnings, KR_OK};
    const char *tcol, *dcol, *title = copy_text(&q, SHEET_COPY_TITLE, &tcol);
    const char *desc = copy_text(&q, SHEET_COPY_DESCRIPTION, &dcol);

    for (size_t i = 0; i < s->ncols; i++) {
        const char *t = sheet__row_text(row, s->cols[i].name);
        if (s->cols[i].source == SHEET_SRC_COPY && t[0])
            check_text(&q, &s->cols[i], t);
    }
    check_bullets(&q, title);
    check_keywords(&q, title);
    check_title_repeats(&q, tcol, title);
    if (dcol && desc[0] && sentences(desc) < 2)
        warn(&q, dcol, "short_description", desc);
    check_colour(&q, tcol, title);
    check_type(&q, tcol, title);
    check_pearls(&q);
    check_numbers(&q);
    return q.rc;
}

/* Silhouette family of a text ("Drops & Danglers" -> "drop"), or NULL. */
static const char *family(const char *t)
{
    static const char *const fam[][2] = {
        {"stud", "stud"},    {"hoop", "hoop"},           {"drop", "drop"},     {"dangl", "drop"},
        {"jhumk", "jhumka"}, {"chandbali", "chandbali"}, {"cuff", "cuff"},     {"choker", "choker"},
        {"chain", "chain"},  {"pendant", "pendant"},     {"bangle", "bangle"}, {"kada", "bangle"}};
    for (size_t i = 0; i < sizeof fam / sizeof fam[0]; i++)
        if (strcasestr(t, fam[i][0]))
            return fam[i][1];
    return NULL;
}

static int stone_column(const struct sheet_column *c)
{
    return c->source == SHEET_SRC_ATTR && !strcasestr(c->name, "pearl") &&
           ((strcasestr(c->name, "stone") && !strcasestr(c->name, "clarity")) ||
            strcasestr(c->name, "gem"));
}

enum kr_code sheet_check_analysis(const struct sheet_schema *s, const json_t *row,
                                  const json_t *analysis, json_t *warnings)
{
    struct qctx q = {s, row, warnings, KR_OK};
    json_t *pearls = json_object_get(analysis, "pearls"),
           *stones = json_object_get(analysis, "stones");
    const char *shape = json_string_value(json_object_get(analysis, "shape"));
    shape = shape ? family(shape) : NULL;
    for (size_t i = 0; i < s->ncols && json_is_object(analysis); i++) {
        const struct sheet_column *c = &s->cols[i];
        const char *v = sheet__row_text(row, c->name), *f;
        if (!v[0] || c->source != SHEET_SRC_ATTR)
            continue;
        if (strcasestr(c->name, "pearl") && json_is_integer(pearls) &&
            (json_integer_value(pearls) == 0) != not_applicable(v))
            warn(&q, c->name, "pearls_disagree", v);
        else if (stone_column(c) && json_is_integer(stones) && json_integer_value(stones) == 0 &&
                 !not_applicable(v) && strcmp(v, "0") != 0 && !strcasestr(v, "pearl"))
            warn(&q, c->name, "stones_disagree", v);
        else if (shape && (strcasestr(c->name, "type") || strcasestr(c->name, "style")) &&
                 (f = family(v)) && strcmp(f, shape) != 0)
            warn(&q, c->name, "type_disagrees", v);
    }
    return q.rc;
}

const char *sheet_problem_severity(const char *problem)
{
    static const char *const warning[] = {"unknown_column", "short_description"};
    if (strcmp(problem, "needs_review") == 0)
        return "review";
    for (size_t i = 0; i < sizeof warning / sizeof warning[0]; i++)
        if (strcmp(problem, warning[i]) == 0)
            return "warning";
    return "error";
}

int sheet_row_score(const json_t *warnings, int *failed)
{
    int score = 100, bad = 0;
    size_t i;
    json_t *w;
    json_array_foreach(warnings, i, w)
    {
        const char *sev = sheet_problem_severity(json_string_value(json_object_get(w, "problem")));
        if (strcmp(sev, "error") == 0)
            score -= 20, bad = 1;
        else if (strcmp(sev, "warning") == 0)
            score -= 5;
    }
    if (failed)
        *failed = bad;
    return score < 0 ? 0 : score;
}
