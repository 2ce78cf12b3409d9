/*
 * ocr_fix.c - known OCR misreadings of a bill's glyphs put right, after layout.
 *
 * A date in the extras whose leading "0" read as "(" ("(5/02/2026"), and a
 * purity cell "22k" (a capital K read small; karat is written "K"). Both are
 * unambiguous, so they are put right here, silently. A rupee sign read as a
 * digit or a letter ("275,826.84" for "₹75,826.84") is not: whether a leading
 * "2" is a misread "₹" or a wrong amount takes the bill's arithmetic, so it is
 * put right in doc/fix.c (doc_fix_ocr), which also reports what it changed.
 * Only OCR'd tables come here (a PDF's text layer is exact).
 */
#include <ctype.h>
#include <string.h>

#include "ocr/ocr_int.h"

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
    for (size_t i = 0; i < t->nextras; i++)
        date_paren(t->extras[i].value);
    for (size_t i = 0; t->cells && i < t->nrows * t->ncols; i++)
        karat_case(t->cells[i].text);
}
