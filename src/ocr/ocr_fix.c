/*
 * ocr_fix.c - known OCR misreadings of a bill's glyphs put right, after layout.
 *
 * Tesseract's English data has no rupee sign. A clear "₹" reads as "%" (put
 * right word by word in ocr_read.c); a soft or tilted one reads as a digit or
 * a letter glued to the amount: "₹75,826.84" as "275,826.84", "375,826.84"
 * or "Z75,826.84". Those are recognisable by Indian digit grouping: after
 * the last three digits, digits go in pairs ("2,75,826.84"), so a first group
 * of three digits ("275,826.84") is not a number printed that way, while the
 * same string without its first character is. The fix is made only on a
 * bill that is Indian by its own evidence (a "₹" or a lakh-grouped number
 * such as "1,02,226.25" somewhere in its cells or extras), and only in
 * extras values (the totals and taxes, where the sign is printed): a western
 * "275,826.84" on another bill stays as it is.
 * Also: a date in the extras whose leading "0" read as "(" ("(5/02/2026"),
 * and a purity cell "22k" (a capital K read small; karat is written "K").
 * Only OCR'd tables come here (a PDF's text layer is exact).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ocr/ocr_int.h"

#define RUPEE "\xe2\x82\xb9"

/* s is digits in Indian grouping with at least one comma: 1-2 digits, then
 * ",dd" groups, then ",ddd", then optionally ".dd"; nothing else. */
static int indian_grouped(const char *s)
{
    size_t n = 0;
    while (isdigit((unsigned char)s[n]))
        n++;
    if (n < 1 || n > 2 || s[n] != ',')
        return 0;
    s += n;
    for (;;) {
        if (s[0] != ',' || !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[2]))
            return 0;
        if (isdigit((unsigned char)s[3])) { /* ",ddd": the last group */
            s += 4;
            break;
        }
        s += 3;
    }
    if (*s == '.')
        return isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2]) && !s[3];
    return !*s;
}

/* A lakh-grouped number (",dd," in digits) or a rupee sign anywhere in s. */
static int indian_evidence(const char *s)
{
    if (!s)
        return 0;
    if (strstr(s, RUPEE))
        return 1;
    for (; *s; s++)
        if (isdigit((unsigned char)s[0]) && s[1] == ',' && isdigit((unsigned char)s[2]) &&
            isdigit((unsigned char)s[3]) && s[4] == ',' && isdigit((unsigned char)s[5]))
            return 1;
    return 0;
}

static int table_is_indian(const struct ocr_table *t)
{
    for (size_t i = 0; i < t->nextras; i++)
        if (indian_evidence(t->extras[i].value))
            return 1;
    for (size_t i = 0; t->cells && i < t->nrows * t->ncols; i++)
        if (indian_evidence(t->cells[i].text))
            return 1;
    return 0;
}

/* "275,826.84" / "Z75,826.84" -> "₹75,826.84" (a new string), else NULL. */
static char *rupee_misread(const char *v)
{
    if (!v[0] || !strchr("23Zz", v[0]) || !indian_grouped(v + 1))
        return NULL;
    if (isdigit((unsigned char)v[0]) && indian_grouped(v))
        return NULL; /* "21,533.39" is a number as printed: nothing to tell */
    size_t n = strlen(v);
    char *o = malloc(n + sizeof RUPEE);
    if (o) {
        memcpy(o, RUPEE, sizeof RUPEE - 1);
        memcpy(o + sizeof RUPEE - 1, v + 1, n);
    }
    return o;
}

/* "(5/02/2026" -> "05/02/2026" in place. */
static void date_paren(char *v)
{
    size_t n = strlen(v);
    if (v[0] == '(' && isdigit((unsigned char)v[1]) && v[2] == '/' && isdigit((unsigned char)v[3]) &&
        isdigit((unsigned char)v[4]) && v[5] == '/' && (n == 8 || n == 10))
        v[0] = '0';
}

/* "22k" / "18k" as a whole cell -> "22K" in place. */
static void karat_case(char *v)
{
    if (v && isdigit((unsigned char)v[0]) && isdigit((unsigned char)v[1]) && v[2] == 'k' && !v[3])
        v[2] = 'K';
}

void ocr__fix_misreads(struct ocr_table *t)
{
    int indian = table_is_indian(t);
    for (size_t i = 0; i < t->nextras; i++) {
        char *v = t->extras[i].value, *fixed = indian ? rupee_misread(v) : NULL;
        if (fixed) {
            free(v);
            t->extras[i].value = v = fixed;
        }
        date_paren(v);
    }
    for (size_t i = 0; t->cells && i < t->nrows * t->ncols; i++)
        karat_case(t->cells[i].text);
}
