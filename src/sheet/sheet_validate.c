/*
 * sheet_validate.c - checking and repairing one listing row against its
 * marketplace schema before it is written.
 *
 * Rules, per column:
 *   - text only: numbers become text, other JSON types are blanked;
 *   - control characters are dropped; single-line columns get spaces for
 *     line breaks; forbidden characters (Amazon title/bullet rules) go;
 *   - allowed-value columns keep an exact value, or the canonical spelling
 *     of a normalised match (see sheet__norm_key), else they are blanked:
 *     a value is never invented;
 *   - character and UTF-8 byte limits cut the text at a word boundary,
 *     never inside a code point;
 *   - required columns left empty, and too few bullets, are reported;
 *   - then the content and consistency checks of sheet_quality.c.
 * Every change is reported as {"column", "problem", "value": original}.
 */
#include "sheet/sheet_int.h"

#include <stdio.h>
#include <string.h>

#include "core/utf8.h"

#define WARN_VALUE_MAX 1000
#define KEY_MAX        512

struct vctx {
    const struct sheet_schema *s;
    json_t *row, *warnings;
    struct buf work;
    enum kr_code rc;
};

static void warn(struct vctx *v, const char *column, const char *problem, const char *value)
{
    size_t n = value ? strlen(value) : 0;
    json_t *w;
    if (n > WARN_VALUE_MAX)
        n = utf8_cut(value, n, WARN_VALUE_MAX, 0, NULL);
    w = json_pack("{s:s, s:s, s:s%}", "column", column, "problem", problem, "value",
                  value ? value : "", n);
    if (!w || json_array_append_new(v->warnings, w))
        v->rc = KR_ENOMEM;
}

/* Remove control characters; single_line also maps line breaks to spaces. */
static void clean_controls(struct buf *b, int single_line)
{
    size_t k = 0;
    for (size_t i = 0; i < b->len; i++) {
        unsigned char c = b->data[i];
        if (single_line && (c == '\n' || c == '\r' || c == '\t'))
            c = ' ';
        else if (c == '\r' && i + 1 < b->len && b->data[i + 1] == '\n')
            continue;
        if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
            continue;
        if (c == ' ' && single_line && k > 0 && b->data[k - 1] == ' ')
            continue;
        b->data[k++] = c;
    }
    b->len = k;
    b->data[k] = '\0';
}

static void trim(struct buf *b)
{
    size_t start = 0;
    while (b->len && strchr(" \t\r\n", b->data[b->len - 1]))
        b->len--;
    while (start < b->len && strchr(" \t\r\n", b->data[start]))
        start++;
    memmove(b->data, b->data + start, b->len - start);
    b->len -= start;
    b->data[b->len] = '\0';
}

static size_t cp_len(const unsigned char *p, size_t n)
{
    size_t l = 1;
    while (l < n && (p[l] & 0xC0) == 0x80)
        l++;
    return l;
}

/* Drop every code point of b that occurs in set; returns how many. */
static int strip_forbidden(struct buf *b, const char *set)
{
    const unsigned char *sp = (const unsigned char *)set;
    size_t k = 0, i = 0, slen = strlen(set);
    int removed = 0;
    while (i < b->len) {
        size_t l = cp_len(b->data + i, b->len - i), lj;
        int hit = 0;
        for (size_t j = 0; j < slen && !hit; j += lj) {
            lj = cp_len(sp + j, slen - j);
            hit = lj == l && memcmp(sp + j, b->data + i, l) == 0;
        }
        if (hit)
            removed++;
        else
            memmove(b->data + k, b->data + i, l), k += l;
        i += l;
    }
    b->len = k;
    b->data[k] = '\0';
    return removed;
}

/* Canonical allowed value for text, or NULL. Exact, then normalised, then
 * plural-insensitive (only when that finds exactly one value). */
static const char *match_allowed(const struct sheet_column *c, const char *text)
{
    char key[KEY_MAX], cand[KEY_MAX];
    const char *found = NULL;

    for (size_t i = 0; i < c->nallowed; i++)
        if (strcmp(c->allowed[i], text) == 0)
            return c->allowed[i];
    for (int plural = 0; plural <= 1; plural++) {
        sheet__norm_key(text, plural, key, sizeof key);
        if (!key[0])
            return NULL;
        for (size_t i = 0; i < c->nallowed; i++) {
            sheet__norm_key(c->allowed[i], plural, cand, sizeof cand);
            if (strcmp(key, cand) != 0)
                continue;
            if (!plural)
                return c->allowed[i];
            if (found && strcmp(found, c->allowed[i]) != 0)
                return NULL; /* ambiguous */
            found = c->allowed[i];
        }
    }
    return found;
}

/* Allowed-value check of b in place (each item when the column has a separator). */
static void check_allowed(struct vctx *v, const struct sheet_column *c, struct buf *b,
                          const char *orig)
{
    struct buf out;
    const char *sep = c->separator;
    size_t seplen = sep ? strlen(sep) : 0, pos = 0;
    int bad = 0;

    buf_init(&out, 0);
    while (pos <= b->len) {
        const char *p = (const char *)b->data + pos;
        const char *e = seplen ? strstr(p, sep) : NULL;
        size_t n = e ? (size_t)(e - p) : b->len - pos;
        char item[KEY_MAX * 2];
        const char *canon;
        snprintf(item, sizeof item, "%.*s", (int)n, p);
        canon = item[0] ? match_allowed(c, item) : NULL;
        if (item[0] && !canon)
            bad = 1;
        if (canon &&
            ((out.len && buf_append(&out, sep, seplen)) || buf_append(&out, canon, strlen(canon))))
            v->rc = KR_ENOMEM;
        pos += n + (e ? seplen : 1);
    }
    if (bad)
        warn(v, c->name, "not_allowed", orig);
    b->len = 0;
    if (buf_append(b, out.data ? (const char *)out.data : "", out.len))
        v->rc = KR_ENOMEM;
    buf_release(&out);
}

static void check_limits(struct vctx *v, const struct sheet_column *c, struct buf *b,
                         const char *orig)
{
    size_t chars = utf8_chars((const char *)b->data, b->len);
    size_t max_chars = c->max_chars ? (size_t)c->max_chars : SHEET_CELL_MAX_CHARS;
    if (chars > max_chars) {
        b->len = utf8_cut((const char *)b->data, b->len, 0, max_chars, c->separator);
        b->data[b->len] = '\0';
        warn(v, c->name, "too_long", orig);
    }
    if (c->max_bytes && b->len > (size_t)c->max_bytes) {
        b->len = utf8_cut((const char *)b->data, b->len, (size_t)c->max_bytes, 0, c->separator);
        b->data[b->len] = '\0';
        warn(v, c->name, "too_many_bytes", orig);
    }
}

/* Current value of c as text into v->work; 0 if absent/blank type. */
static int load_value(struct vctx *v, const struct sheet_column *c, const json_t *val)
{
    char tmp[64];
    const char *t = NULL;
    v->work.len = 0;
    if (json_is_string(val)) {
        if (!utf8_valid(json_string_value(val), json_string_length(val)) ||
            strlen(json_string_value(val)) != json_string_length(val)) {
            warn(v, c->name, "bad_utf8", "");
            return 0;
        }
        t = json_string_value(val);
    } else if (json_is_integer(val)) {
        snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(val));
        t = tmp;
    } else if (json_is_real(val)) {
        snprintf(tmp, sizeof tmp, "%.15g", json_real_value(val));
        t = tmp;
    } else if (val && !json_is_null(val)) {
        warn(v, c->name, "not_text", "");
        return 0;
    }
    if (t && buf_append(&v->work, t, strlen(t)))
        v->rc = KR_ENOMEM;
    return t != NULL;
}

static void check_column(struct vctx *v, const struct sheet_column *c)
{
    json_t *val = json_object_get(v->row, c->name);
    struct buf *b = &v->work;
    char *orig = NULL;

    if (load_value(v, c, val) && b->len) {
        orig = strndup((const char *)b->data, b->len);
        if (!orig) {
            v->rc = KR_ENOMEM;
            return;
        }
        clean_controls(b, c->single_line);
        trim(b);
        if (c->forbidden && strip_forbidden(b, c->forbidden)) {
            warn(v, c->name, "forbidden_chars", orig);
            trim(b);
        }
        if (c->nallowed && b->len)
            check_allowed(v, c, b, orig);
        check_limits(v, c, b, orig);
    }
    if (c->required && b->len == 0)
        warn(v, c->name, "missing_required", "");
    const char *t = b->data ? (const char *)b->data : "";
    if (val && (!json_is_string(val) || b->len != json_string_length(val) ||
                memcmp(t, json_string_value(val), b->len) != 0)) {
        if (json_object_set_new(v->row, c->name, json_stringn(t, b->len)))
            v->rc = KR_ENOMEM;
    }
    free(orig);
}

static void check_unknown(struct vctx *v)
{
    const char *k;
    json_t *val, *tmp;
    json_object_foreach_safe(v->row, tmp, k, val)
    {
        if (sheet_find_column(v->s, k))
            continue;
        warn(v, k, "unknown_column", json_is_string(val) ? json_string_value(val) : "");
        json_object_del(v->row, k);
    }
}

static void check_bullets(struct vctx *v)
{
    const char *first = NULL;
    int have = 0;
    char n[16];
    if (v->s->bullets_max <= 0)
        return;
    for (size_t i = 0; i < v->s->ncols; i++) {
        const struct sheet_column *c = &v->s->cols[i];
        if (c->copy != SHEET_COPY_BULLET)
            continue;
        if (sheet__row_text(v->row, c->name)[0])
            have++;
        else if (!first)
            first = c->name;
    }
    if (have < v->s->bullets_min) {
        snprintf(n, sizeof n, "%d", have);
        warn(v, first ? first : "bullets", "too_few_bullets", n);
    }
}

enum kr_code sheet_validate_row(const struct sheet_schema *s, json_t *row, json_t **warnings,
                                struct kr_err *err)
{
    struct vctx v = {.s = s, .row = row, .warnings = json_array()};

    *warnings = NULL;
    if (!v.warnings)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    if (!json_is_object(row)) {
        json_decref(v.warnings);
        return kr_fail(err, KRS_BAD_ROW, "a row must be a JSON object");
    }
    buf_init(&v.work, 0);
    check_unknown(&v);
    for (size_t i = 0; i < s->ncols && !v.rc; i++)
        check_column(&v, &s->cols[i]);
    if (!v.rc)
        check_bullets(&v);
    if (!v.rc)
        v.rc = sheet__quality(s, row, v.warnings);
    buf_release(&v.work);
    if (v.rc) {
        json_decref(v.warnings);
        return kr_fail(err, kr_slug_grow(v.rc), "out of memory");
    }
    *warnings = v.warnings;
    return KR_OK;
}
