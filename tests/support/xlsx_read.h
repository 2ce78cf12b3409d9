/*
 * xlsx_read.h - reading .xlsx files back in tests (libzip + libxml2).
 *
 * Small and strict on purpose: it resolves a sheet by name through
 * xl/workbook.xml and its relationships, reads the shared strings, and
 * returns one cell's text (shared, inline or plain value). Used to check
 * spreadsheets Karat writes, cell by cell, in unit and end-to-end tests.
 * Every returned pointer is malloc'd and freed by the caller.
 */
#ifndef KARAT_TESTS_XLSX_READ_H
#define KARAT_TESTS_XLSX_READ_H

#include <stddef.h>

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
