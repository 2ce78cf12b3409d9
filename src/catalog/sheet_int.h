/*
 * sheet_int.h - internals shared by the sheet_*.c files of the catalog
 * module (not part of the public API; see sheet.h).
 *
 * A schema keeps the parsed JSON document alive and points into its
 * strings; everything else it allocates is recorded in `allocs` and freed
 * with it, so the loader never has to unwind half-built columns.
 */
#ifndef KARAT_CATALOG_SHEET_INT_H
#define KARAT_CATALOG_SHEET_INT_H

#include <stddef.h>

#include "catalog/sheet.h"

#define SHEET_MAX_COLUMNS    2000
#define SHEET_MAX_ROW        1048576 /* Excel's last row */
#define SHEET_MAX_COL        16384   /* Excel's last column */
#define SHEET_CELL_MAX_CHARS 32767

struct sheet_preamble {
    int row;
    const char **cells;
    size_t ncells;
};

struct sheet_schema {
    json_t *doc;
    const char *marketplace, *product_type, *code, *sheet_name, *template_file;
    const char **match; /* data sheet names to look for in a template */
    size_t nmatch;
    int sheet_index; /* 0-based fallback position of the data sheet */
    int header_row, label_row, first_data_row;
    int bullets_min, bullets_max;
    struct sheet_preamble *pre;
    size_t npre;
    struct sheet_column *cols;
    size_t ncols;
    void **allocs;
    size_t nallocs, capallocs;
};

/* Allocate memory owned by the schema (zeroed); NULL on ENOMEM. */
void *sheet_alloc(struct sheet_schema *s, size_t n);
char *sheet_strdup(struct sheet_schema *s, const char *str);

/* ---- text helpers (sheet_text.c; UTF-8: core/utf8.h) ---- */

/* Normalised comparison key: ASCII lower case, punctuation and spaces
 * dropped, a few synonyms folded; plural=1 also drops a trailing 's' of each
 * word. Writes into out (size cap), always NUL-terminated. */
void sheet_norm_key(const char *s, int plural, char *out, size_t cap);
/* 1 if value parses completely as a finite decimal number. */
int sheet_is_number(const char *s, double *out);
/* Append text escaped for XML element content (drops characters XML 1.0
 * forbids; escapes Excel's _xHHHH_ sequences). */
enum kr_code sheet_xml_escape(struct buf *b, const char *s, size_t n);
/* Column letters for a 0-based column ("A", "AB") into out (>= 4 bytes). */
void sheet_col_name(int col, char out[8]);

/* The data rows as strings: value of column c in row object (never NULL). */
const char *sheet_row_text(const json_t *row, const char *column);

#endif
