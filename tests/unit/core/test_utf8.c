/*
 * test_utf8.c - core/utf8.h: the one UTF-8 measuring and shortening rule
 * shared by the catalog's sheet cells and the AI layer's field checks.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"

static size_t cut(const char *s, size_t max_bytes, size_t max_chars, const char *sep)
{
    return utf8_cut(s, strlen(s), max_bytes, max_chars, sep);
}

static void test_valid_and_count(void **state)
{
    (void)state;
    assert_true(utf8_valid("d\xc3\xa9j\xc3\xa0 vu", 9));
    assert_true(utf8_valid("\xf0\x9f\x92\x8d", 4));  /* U+1F48D ring */
    assert_false(utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
    assert_false(utf8_valid("\xe0\x80\xaf", 3));     /* overlong, 3 bytes */
    assert_false(utf8_valid("\xed\xa0\x80", 3));     /* surrogate D800 */
    assert_false(utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
    assert_false(utf8_valid("\xc3", 1));             /* truncated */
    assert_false(utf8_valid("\xc3(", 2));            /* bad continuation */
    assert_int_equal(utf8_chars("d\xc3\xa9j\xc3\xa0", 6), 4);
    assert_int_equal(utf8_chars("\xf0\x9f\x92\x8d!", 5), 2);
    assert_int_equal(utf8_chars("", 0), 0);
}

/* A cut never splits a character, whichever limit stops it. */
static void test_multibyte_boundaries(void **state)
{
    const char *s = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"; /* four 2-byte letters, no space */
    const char *ring = "ab\xf0\x9f\x92\x8d";            /* 2 + 4 bytes */
    (void)state;
    assert_int_equal(cut(s, 0, 3, NULL), 6);
    assert_int_equal(cut(s, 5, 0, NULL), 4); /* byte 5 is inside the 3rd letter */
    assert_int_equal(cut(s, 7, 0, NULL), 6);
    assert_int_equal(cut(s, 8, 0, NULL), 8); /* fits */
    assert_int_equal(cut(ring, 5, 0, NULL), 2);
    assert_int_equal(cut(ring, 0, 2, NULL), 2);
    assert_int_equal(cut(ring, 0, 3, NULL), 6);
    assert_int_equal(cut("ab\xc3(", 0, 0, NULL), 2); /* stops before invalid bytes */
    assert_int_equal(cut("", 0, 5, NULL), 0);
}

/* A word boundary in the second half of what fits wins; trailing spaces,
 * separators and ",;:-" go. */
static void test_word_boundaries(void **state)
{
    char *t;
    (void)state;
    assert_int_equal(cut("Perle d\xc3\xa9licate", 0, 9, NULL), 5);   /* "Perle" */
    assert_int_equal(cut("Twelve chars and more", 0, 12, NULL), 12); /* cut at a space */
    assert_int_equal(cut("Gold, silver", 0, 8, NULL), 4);            /* "Gold" (no comma) */
    /* no boundary in the second half: the characters that fit stay */
    assert_int_equal(cut("ab cdefghijkl", 0, 10, NULL), 10);
    /* the caller's separators are boundaries too */
    assert_int_equal(cut("red|green|blue", 0, 12, "|"), 9);
    assert_int_equal(cut("red|green|blue", 0, 12, NULL), 12);
    assert_int_equal(cut("one two\tthree", 0, 10, NULL), 7);
    assert_int_equal(cut("one two - three", 0, 10, NULL), 7);
    assert_int_equal(cut("short", 0, 10, NULL), 5);

    t = utf8_shorten("Perle d\xc3\xa9licate", 9);
    assert_string_equal(t, "Perle");
    free(t);
    t = utf8_shorten("Perle d\xc3\xa9licate", 0);
    assert_string_equal(t, "Perle d\xc3\xa9licate");
    free(t);
    t = utf8_shorten("\xc3\xa9t\xc3\xa9 d\xc3\xa9j\xc3\xa0", 6); /* "été déjà" -> "été" */
    assert_string_equal(t, "\xc3\xa9t\xc3\xa9");
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_and_count),
        cmocka_unit_test(test_multibyte_boundaries),
        cmocka_unit_test(test_word_boundaries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
