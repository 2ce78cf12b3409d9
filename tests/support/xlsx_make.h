/*
 * xlsx_make.h - building small and hostile .xlsx packages in memory for
 * tests (libzip): the one place test archives are made by hand.
 *
 * tu_zip_make() writes entries in the order given, so a test decides where
 * the worksheet sits in the archive. tu_xlsx_min() is the smallest workbook
 * the template reader accepts (one sheet, its relationships, content types),
 * with any part replaced, so each hostile part (a DOCTYPE, an inflated
 * worksheet, odd names) is tested on its own. Returned bytes are malloc'd.
 */
#ifndef KARAT_TESTS_XLSX_MAKE_H
#define KARAT_TESTS_XLSX_MAKE_H

#include <stddef.h>

struct tu_zip_entry {
    const char *name;
    const void *data;
    size_t len; /* 0: strlen(data) */
};

/* A zip of n entries, deflated, in order; *len its size. */
unsigned char *tu_zip_make(const struct tu_zip_entry *e, size_t n, size_t *len);

struct tu_xlsx_parts {
    const char *sheet_name; /* workbook's <sheet name>; NULL "earring" (raw XML text) */
    const char *workbook;   /* whole xl/workbook.xml; NULL: built from sheet_name */
    const char *sheet;      /* xl/worksheets/sheet1.xml; NULL: a header row A1:B1 */
    size_t sheet_len;       /* 0: strlen(sheet) */
    const char *sst;        /* xl/sharedStrings.xml; NULL: none */
    int sheet_pos;          /* worksheet entry position: 0 first, 1 middle, -1 last */
};

/* A one-sheet workbook of p; *len its size. */
unsigned char *tu_xlsx_min(const struct tu_xlsx_parts *p, size_t *len);

/* An XML part whose DOCTYPE declares entity e as size bytes, then
 * before, "&e;" n times, after (the "billion laughs" shape). malloc'd. */
char *tu_xml_laughs(const char *before, const char *after, size_t size, int n);

/* Damage the central directory: the named entry's local header offset is
 * moved by one byte. 0 done, -1 no such entry. */
int tu_zip_break_offset(unsigned char *zip, size_t len, const char *name);

#endif
