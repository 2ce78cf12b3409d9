/*
 * files.c - a bill's table as files: the original's legacy CSV pair and an
 * .xlsx workbook.
 *
 * Legacy CSVs (the 2024 versions of the original answered with them):
 *   products: a header of the table's columns, then one line per row;
 *   extras:   one header line of every extras key, one line of the values.
 * Quoting is Python csv.writer's default (QUOTE_MINIMAL): a field with a
 * comma, a double quote, CR or LF is quoted and its quotes doubled; lines
 * end with CRLF. Karat's rows always carry every column (blank cells are
 * ""), so the original's "stop at the first row that lacks a header key"
 * never stops early.
 *
 * The workbook (libxlsxwriter) has a "Table" sheet (headers, rows) and an
 * "Extras" sheet (key, value), every cell a string as printed. It is
 * written to a private file in the scratch folder, read back and removed.
 */
#include "doc/doc_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "core/buf.h"
#include "core/util.h"

static enum kr_code csv_field(struct buf *b, const char *s, int first)
{
    enum kr_code rc = first ? KR_OK : buf_append(b, ",", 1);

    if (rc)
        return rc;
    if (!strpbrk(s, ",\"\r\n"))
        return buf_append(b, s, strlen(s));
    if ((rc = buf_append(b, "\"", 1)))
        return rc;
    for (; *s && !rc; s++)
        rc = *s == '"' ? buf_append(b, "\"\"", 2) : buf_append(b, s, 1);
    return rc ? rc : buf_append(b, "\"", 1);
}

static enum kr_code csv_fail(enum kr_code rc, struct kr_err *err)
{
    return rc == KR_ELIMIT ? kr_fail(err, KRS_INTERNAL, "a bill's CSV is larger than its buffer")
                           : kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
}

enum kr_code doc_csv_table(const struct doc_table *t, struct buf *out, struct kr_err *err)
{
    enum kr_code rc = KR_OK;

    for (size_t c = 0; c < t->ncols && !rc; c++)
        rc = csv_field(out, t->headers[c], c == 0);
    if (!rc)
        rc = buf_append(out, "\r\n", 2);
    for (size_t r = 0; r < t->nrows && !rc; r++) {
        for (size_t c = 0; c < t->ncols && !rc; c++)
            rc = csv_field(out, doc_cell_at(t, r, c)->text, c == 0);
        if (!rc)
            rc = buf_append(out, "\r\n", 2);
    }
    return rc ? csv_fail(rc, err) : KR_OK;
}

enum kr_code doc_csv_extras(const struct doc_table *t, struct buf *out, struct kr_err *err)
{
    enum kr_code rc = KR_OK;

    for (size_t i = 0; i < t->nextras && !rc; i++)
        rc = csv_field(out, t->extras[i].key, i == 0);
    if (!rc)
        rc = buf_append(out, "\r\n", 2);
    for (size_t i = 0; i < t->nextras && !rc; i++)
        rc = csv_field(out, t->extras[i].value, i == 0);
    if (!rc)
        rc = buf_append(out, "\r\n", 2);
    return rc ? csv_fail(rc, err) : KR_OK;
}

static int write_sheets(lxw_workbook *wb, const struct doc_table *t)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Table");
    lxw_worksheet *ex = workbook_add_worksheet(wb, "Extras");
    int bad = !ws || !ex;

    for (size_t c = 0; !bad && c < t->ncols; c++) {
        bad |= worksheet_write_string(ws, 0, (lxw_col_t)c, t->headers[c], NULL) != LXW_NO_ERROR;
        for (size_t r = 0; !bad && r < t->nrows; r++)
            bad |= worksheet_write_string(ws, (lxw_row_t)(r + 1), (lxw_col_t)c,
                                          doc_cell_at(t, r, c)->text, NULL) != LXW_NO_ERROR;
    }
    if (!bad)
        bad |= worksheet_write_string(ex, 0, 0, "Key", NULL) != LXW_NO_ERROR ||
               worksheet_write_string(ex, 0, 1, "Value", NULL) != LXW_NO_ERROR;
    for (size_t i = 0; !bad && i < t->nextras; i++)
        bad |= worksheet_write_string(ex, (lxw_row_t)(i + 1), 0, t->extras[i].key, NULL) !=
                   LXW_NO_ERROR ||
               worksheet_write_string(ex, (lxw_row_t)(i + 1), 1, t->extras[i].value, NULL) !=
                   LXW_NO_ERROR;
    return bad ? -1 : 0;
}

enum kr_code doc_xlsx(const struct doc_table *t, const char *tmp_dir, struct buf *out,
                      struct kr_err *err)
{
    char path[1024], hex[17];
    lxw_workbook_options wo = {.constant_memory = LXW_FALSE, .tmpdir = (char *)tmp_dir};
    lxw_workbook *wb;
    enum kr_code rc;
    int bad;

    if (access(tmp_dir, W_OK | X_OK)) /* before libxlsxwriter, which would print the failure */
        return kr_fail(err, KRS_XLSX_WRITE, "the scratch folder %.200s is not writable", tmp_dir);
    util_random_hex(hex, 8);
    snprintf(path, sizeof path, "%s/karat-bill-%s.xlsx", tmp_dir, hex);
    if (!(wb = workbook_new_opt(path, &wo)))
        return kr_fail(err, KRS_XLSX_WRITE, "cannot create a workbook in %s", tmp_dir);
    bad = write_sheets(wb, t);
    if (workbook_close(wb) != LXW_NO_ERROR || bad) {
        unlink(path);
        return kr_fail(err, KRS_XLSX_WRITE, "the bill's workbook could not be written");
    }
    rc = buf_read_file(out, path, err);
    unlink(path);
    return rc;
}
