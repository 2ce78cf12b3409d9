/*
 * sheet_text.c - text helpers of the sheet layer: the normalised key used to
 * match model answers to allowed values, number detection, and XML escaping
 * for cells. UTF-8 checks and shortening are core/utf8.h's.
 */
#include "sheet/sheet_int.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Synonyms folded before comparing (both sides are folded the same way). */
static const char *const synonyms[][2] = {
    {"colour", "color"},
    {"colours", "colors"},
    {"grey", "gray"},
    {"oxidized", "oxidised"},
    {"jewelry", "jewellery"},
    {"multicolour", "multicolor"},
    {"and", ""},
};

static void fold_word(const char *w, size_t n, int plural, char *out, size_t cap, size_t *k)
{
    char word[64];
    const char *use = word;
    if (n >= sizeof word)
        n = sizeof word - 1;
    for (size_t i = 0; i < n; i++)
        word[i] = (char)tolower((unsigned char)w[i]);
    word[n] = '\0';
    for (size_t i = 0; i < sizeof synonyms / sizeof synonyms[0]; i++)
        if (strcmp(word, synonyms[i][0]) == 0)
            use = synonyms[i][1];
    n = strlen(use);
    if (plural && n > 3 && use[n - 1] == 's')
        n--;
    for (size_t i = 0; i < n && *k + 1 < cap; i++)
        out[(*k)++] = use[i];
}

void sheet__norm_key(const char *s, int plural, char *out, size_t cap)
{
    size_t k = 0, i = 0;
    while (s[i]) {
        size_t start;
        /* Word = run of ASCII letters/digits or non-ASCII bytes. */
        while (s[i] && !isalnum((unsigned char)s[i]) && !((unsigned char)s[i] & 0x80))
            i++;
        start = i;
        while (s[i] && (isalnum((unsigned char)s[i]) || ((unsigned char)s[i] & 0x80)))
            i++;
        if (i > start)
            fold_word(s + start, i - start, plural, out, cap, &k);
    }
    out[k] = '\0';
}

int sheet__is_number(const char *s, double *out)
{
    char *end;
    double v;
    if (!s || !*s || isspace((unsigned char)*s) || strlen(s) > 40)
        return 0;
    for (const char *p = s; *p; p++)
        if (!strchr("0123456789.-+eE", *p))
            return 0;
    v = strtod(s, &end);
    if (*end || !isfinite(v))
        return 0;
    if (out)
        *out = v;
    return 1;
}

static int is_hex4_escape(const char *s, size_t n)
{
    if (n < 7 || s[0] != '_' || s[1] != 'x' || s[6] != '_')
        return 0;
    for (int i = 2; i < 6; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

enum kr_code sheet__xml_escape(struct buf *b, const char *s, size_t n)
{
    size_t run = 0;
    enum kr_code rc = KR_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;
        if (c == '&')
            rep = "&amp;";
        else if (c == '<')
            rep = "&lt;";
        else if (c == '>')
            rep = "&gt;";
        else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            rep = "";
        else if (c == '_' && is_hex4_escape(s + i, n - i))
            rep = "_x005F_";
        else if (c == '\r')
            rep = "&#13;";
        if (!rep)
            continue;
        rc = buf_append(b, s + run, i - run);
        if (!rc)
            rc = buf_append(b, rep, strlen(rep));
        run = i + 1;
    }
    return rc ? rc : buf_append(b, s + run, n - run);
}

void sheet__col_name(int col, char out[8])
{
    char tmp[8];
    int k = 0, j = 0;
    col++;
    while (col > 0 && k < 7) {
        int r = (col - 1) % 26;
        tmp[k++] = (char)('A' + r);
        col = (col - 1) / 26;
    }
    while (k > 0)
        out[j++] = tmp[--k];
    out[j] = '\0';
}

const char *sheet__row_text(const json_t *row, const char *column)
{
    const json_t *v = json_object_get(row, column);
    return json_is_string(v) ? json_string_value(v) : "";
}
