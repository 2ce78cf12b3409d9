/*
 * xlsx_read.h - reading .xlsx files back in tests (libzip + libxml2).
 *
 * Small and strict on purpose: it resolves a sheet by name through
 * xl/workbook.xml and its relationships, reads the shared strings, and
 * returns a sheet's cells as text (shared, inline or plain value), all
 * parsed at once (tu_xlsx_rows) or one of them. Used to check spreadsheets
 * Karat writes, cell by cell, in unit and end-to-end tests.
 * Every returned pointer is malloc'd (or a new JSON reference) and freed by
 * the caller, except tu_xlsx_at's.
 */
#ifndef KARAT_TESTS_XLSX_READ_H
#define KARAT_TESTS_XLSX_READ_H

#include <jansson.h>
#include <stddef.h>

/* Every cell of a sheet (NULL = first sheet) of the file at path, parsed
 * once: a JSON array indexed by row number - 1 of arrays indexed by column
 * (A = 0) of the cells' text ("" for a cell without a value), null where a
 * row or cell is absent; NULL when the sheet or file is absent. New. */
json_t *tu_xlsx_rows(const char *path, const char *sheet);
/* Same, for an .xlsx held in memory. */
json_t *tu_xlsx_rows_mem(const void *data, size_t n, const char *sheet);
/* Text of the cell at 0-based column col, 1-based row (as in "B5") of rows,
 * borrowed; NULL when the cell is absent. */
const char *tu_xlsx_at(json_t *rows, int col, int row);
/* The cell reference of 0-based column col and row: (27, 12) -> "AB12". */
void tu_xlsx_ref(int col, int row, char *out, size_t n);

/* Text of cell ref ("B5") on sheet (NULL = first sheet) of the file at path:
 * "" for a cell without a value, NULL when the cell, sheet or file is absent. */
char *tu_xlsx_cell(const char *path, const char *sheet, const char *ref);
/* Same, for an .xlsx held in memory. */
char *tu_xlsx_cell_mem(const void *data, size_t n, const char *sheet, const char *ref);

/* Raw bytes of one zip entry ("xl/styles.xml"), NUL-terminated; NULL if absent. */
unsigned char *tu_xlsx_entry(const char *path, const char *entry, size_t *n);
/* Zip entry name of a sheet's worksheet part ("xl/worksheets/sheet2.xml"). */
char *tu_xlsx_sheet_part(const char *path, const char *sheet);
/* The sheet's worksheet XML, NUL-terminated (for checking validations etc.). */
char *tu_xlsx_sheet_xml(const char *path, const char *sheet);
/* Number of sheets, and the name of sheet i (0-based, malloc'd) via name. */
int tu_xlsx_sheet_count(const char *path);
char *tu_xlsx_sheet_name(const char *path, int i);
/* Number of zip entries; name of entry i (malloc'd). */
int tu_xlsx_entry_count(const char *path);
char *tu_xlsx_entry_name(const char *path, int i);

#endif
