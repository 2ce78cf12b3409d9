/*
 * utf8.h - the one place Karat measures and shortens UTF-8 text.
 *
 * Limits on text (a marketplace column's characters or bytes, a model
 * field's max_len) are counted in code points, and a shortened text always
 * ends on a code point boundary. When a text is cut, it prefers to end at a
 * word boundary (a space, tab, line break or one of the caller's separator
 * characters) provided one lies in the second half of what fits; trailing
 * spaces and separators and ",;:-" are then dropped, so a cut never ends on
 * a dangling comma or half a word when a whole one is near.
 *
 * The catalog's sheet cells and the AI layer's field checks both use these
 * functions, so the two cut text the same way.
 */
#ifndef KARAT_CORE_UTF8_H
#define KARAT_CORE_UTF8_H

#include <stddef.h>

/* 1 if s[0..n) is valid UTF-8 (no overlong forms, no surrogates, <= U+10FFFF). */
int utf8_valid(const char *s, size_t n);
/* Code points in s[0..n) (continuation bytes are not counted). */
size_t utf8_chars(const char *s, size_t n);
/* Length of the prefix of s[0..n) to keep: n when it fits, else at most
 * max_bytes bytes (0 = no byte limit) and max_chars code points (0 = no
 * limit), ending on a code point boundary, backed up to a word boundary as
 * described above. `sep` (may be NULL) lists extra separator characters.
 * Stops before the first invalid sequence. */
size_t utf8_cut(const char *s, size_t n, size_t max_bytes, size_t max_chars, const char *sep);
/* malloc'd copy of s cut to max_chars code points by utf8_cut (0 = whole
 * copy); NULL when out of memory. */
char *utf8_shorten(const char *s, size_t max_chars);

#endif
