/*
 * list.c - GET /products and `karat products list`: filters from text,
 * dates, prices, and the search words every full-text query is made of.
 *
 * Filters arrive as text (a query string, CLI flags) and are judged here:
 * a malformed one is a 400 naming it, never ignored. A bare date means the
 * whole day (from its first to its last millisecond, UTC). Search words
 * are lower-case ASCII letter/digit runs with common English words
 * dropped, so what reaches the store can never be query syntax; text
 * without any such word is refused when it is a filter (it would match
 * nothing anyway).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/util.h"
#include "product/product_int.h"

#define WORD_MAX 40

int product__parse_date(const char *s, int end_of_day, int64_t *ms)
{
    struct tm tm = {0};
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, frac = 0;
    time_t t;

    if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return -1;
    if (s[n] == 'T' || s[n] == ' ') {
        int m = 0;
        if (sscanf(s + n + 1, "%2d:%2d:%2d%n", &h, &mi, &sec, &m) != 3 || m != 8)
            return -1;
        n += 1 + m;
        if (s[n] == '.')
            for (n++; isdigit((unsigned char)s[n]); n++)
                frac = frac < 100 ? frac * 10 + (s[n] - '0') : frac;
        if (s[n] == 'Z')
            n++;
        else if (!strcmp(s + n, "+00:00"))
            n += 6;
        end_of_day = 0;
    }
    if (s[n] || y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        sec > 60)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    t = timegm(&tm);
    if (t == (time_t)-1 || tm.tm_mday != d) /* 2025-02-30 normalises to March */
        return -1;
    *ms = (int64_t)t * 1000 + (end_of_day ? 86399999 : 0);
    return 0;
}

int product__parse_price(const char *s, double *v)
{
    char *end;
    double x;

    if (!s || !*s)
        return -1;
    x = strtod(s, &end);
    while (*end == ' ')
        end++;
    if (*end || !(x >= 0 && x <= 1e12))
        return -1;
    *v = x;
    return 0;
}

static int stop_word(const char *w, size_t n)
{
    static const char *const stop[] = {"a",    "an",   "and",  "are", "as",   "at",  "be",
                                       "by",   "for",  "from", "in",  "into", "is",  "it",
                                       "its",  "of",   "on",   "or",  "that", "the", "their",
                                       "them", "they", "this", "to",  "with", "who", "your"};
    for (size_t i = 0; i < sizeof stop / sizeof stop[0]; i++)
        if (strlen(stop[i]) == n && !memcmp(stop[i], w, n))
            return 1;
    return 0;
}

static int has_word(const struct product_words *w, const char *x, size_t n)
{
    for (const char *p = w->s; p && *p;) {
        const char *e = strchr(p, ' ');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == n && !memcmp(p, x, n))
            return 1;
        p = e ? e + 1 : p + l;
    }
    return 0;
}

enum kr_code product__words_add(struct product_words *w, const char *text, int max,
                                struct kr_err *err)
{
    char word[WORD_MAX + 1];
    size_t n = 0;

    for (const char *p = text ? text : "";; p++) {
        if (isalnum((unsigned char)*p) && (unsigned char)*p < 0x80) {
            if (n < WORD_MAX)
                word[n++] = (char)tolower((unsigned char)*p);
            continue;
        }
        if (n >= 2 && !stop_word(word, n) && !has_word(w, word, n) && w->n < max) {
            if (w->len + n + 2 > w->cap) {
                size_t cap = w->cap ? w->cap * 2 : 256;
                char *s = realloc(w->s, cap);
                if (!s)
                    return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
                w->s = s;
                w->cap = cap;
            }
            if (w->len)
                w->s[w->len++] = ' ';
            memcpy(w->s + w->len, word, n);
            w->len += n;
            w->s[w->len] = '\0';
            w->n++;
        }
        n = 0;
        if (!*p)
            break;
    }
    return KR_OK;
}

void product__words_free(struct product_words *w)
{
    free(w->s);
    memset(w, 0, sizeof *w);
}

static enum kr_code bad_filter(struct kr_err *err, const char *name)
{
    return kr_fail(err, KRS_BAD_ARGUMENT, "filter %s is malformed", name);
}

static int set(const char *s)
{
    return s && *s;
}

/* f's filters into q (words into w, which q->words points to). */
static enum kr_code filter_query(const struct product_filter *f, struct store_product_query *q,
                                 struct product_words *w, struct kr_err *err)
{
    enum kr_code rc = KR_OK;

    q->category = set(f->category) ? f->category : NULL;
    q->colour = set(f->colour) ? f->colour : NULL;
    if ((q->has_price_min = set(f->min_price)) && product__parse_price(f->min_price, &q->price_min))
        return bad_filter(err, "min_price");
    if ((q->has_price_max = set(f->max_price)) && product__parse_price(f->max_price, &q->price_max))
        return bad_filter(err, "max_price");
    if ((q->has_from = set(f->from)) && product__parse_date(f->from, 0, &q->from_ms))
        return bad_filter(err, "from (YYYY-MM-DD)");
    if ((q->has_to = set(f->to)) && product__parse_date(f->to, 1, &q->to_ms))
        return bad_filter(err, "to (YYYY-MM-DD)");
    if (set(f->text)) {
        rc = product__words_add(w, f->text, 32, err);
        if (!rc && !w->n)
            rc = kr_fail(err, KRS_BAD_ARGUMENT, "filter q has no searchable word");
        q->words = w->s;
    }
    return rc;
}

static int add_row(const struct store_product *p, double score, void *ctx)
{
    (void)score;
    json_array_append_new(ctx, product__row_json(p));
    return 0;
}

enum kr_code product_list_json(struct store *s, const struct product_filter *f, json_t **out,
                               struct kr_err *err)
{
    struct store_product_query q = {0};
    struct product_words w = {0};
    json_t *rows = json_array();
    enum kr_code rc;

    *out = NULL;
    if (f->limit < 1 || f->limit > PRODUCT_PAGE_MAX || f->offset < 0 ||
        f->offset > STORE_PRODUCT_PAGE_MAX * 100)
        rc = kr_fail(err, KRS_BAD_ARGUMENT, "limit must be 1..%d, offset >= 0", PRODUCT_PAGE_MAX);
    else
        rc = filter_query(f, &q, &w, err);
    q.limit = f->limit + 1; /* one more says whether a next page exists */
    q.offset = f->offset;
    if (!rc)
        rc = store_product_query(s, &q, add_row, rows, err);
    if (!rc) {
        int more = (int)json_array_size(rows) > f->limit;
        if (more)
            json_array_remove(rows, (size_t)f->limit);
        *out = json_pack("{s:O, s:i, s:i, s:o}", "products", rows, "limit", f->limit, "offset",
                         f->offset, "next_offset",
                         more ? json_integer(f->offset + f->limit) : json_null());
    }
    json_decref(rows);
    product__words_free(&w);
    return rc;
}
