/*
 * utf8.c - UTF-8 validation, counting and word-aware shortening (utf8.h).
 *
 * Sequences are decoded strictly (RFC 3629): lead bytes C2..F4 only, the
 * right number of continuation bytes, no overlong 3- and 4-byte forms, no
 * UTF-16 surrogates, nothing above U+10FFFF. utf8_cut() walks whole
 * sequences only, so it never splits a character and stops at the first
 * invalid byte.
 */
#include "core/utf8.h"

#include <stdlib.h>
#include <string.h>

/* Length of the UTF-8 sequence at s (at most n bytes); 0 if invalid. */
static size_t seq_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0], cp;
    size_t len;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, cp = c & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

int utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t l = seq_len(p + i, n - i);
        if (!l)
            return 0;
        i += l;
    }
    return 1;
}

size_t utf8_chars(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

static int is_break(char c, const char *sep)
{
    return c == ' ' || c == '\n' || c == '\t' || (c && sep && *sep && strchr(sep, c));
}

size_t utf8_cut(const char *s, size_t n, size_t max_bytes, size_t max_chars, const char *sep)
{
    size_t i = 0, chars = 0, cut;
    const unsigned char *p = (const unsigned char *)s;

    if (!max_bytes || max_bytes > n)
        max_bytes = n;
    while (i < n) {
        size_t l = seq_len(p + i, n - i);
        if (!l || i + l > max_bytes || (max_chars && chars == max_chars))
            break;
        i += l;
        chars++;
    }
    if (i >= n)
        return n;
    cut = i;
    /* Prefer ending at a word boundary when one is in the second half. */
    if (!is_break(s[cut], sep)) {
        size_t j = cut;
        while (j > cut / 2 && !is_break(s[j - 1], sep))
            j--;
        if (j > cut / 2)
            cut = j;
    }
    while (cut > 0 && (is_break(s[cut - 1], sep) || strchr(",;:-", s[cut - 1])))
        cut--;
    return cut;
}

char *utf8_shorten(const char *s, size_t max_chars)
{
    size_t n = strlen(s);
    return strndup(s, max_chars ? utf8_cut(s, n, 0, max_chars, NULL) : n);
}
