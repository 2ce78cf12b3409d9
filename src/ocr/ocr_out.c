/*
 * ocr_out.c - a read table in the original's shapes: JSON, legacy CSVs, xlsx.
 *
 * JSON: {"table": [{header: value, ...}, ...], "extras": {key: value}} with
 * values as strings exactly as read (an empty cell is ""); a header that
 * repeats gets " (2)", " (3)" so no column is lost in an object. Products
 * CSV: one header row (the headers), one row per table row; extras CSV: one
 * header row of the keys and one row of the values; quoting as Python's
 * csv.writer does (a field with a comma, quote or line break is quoted,
 * quotes doubled), rows end in CRLF. xlsx: sheet "table" and sheet
 * "extras" (key, value) through libxlsxwriter.
 */
#include "ocr/ocr.h"

#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

static const char *hdr_name(const struct ocr_table *t, size_t j, char *tmp, size_t cap)
{
    int seen = 1;
    for (size_t i = 0; i < j; i++)
        seen += strcmp(t->headers[i], t->headers[j]) == 0;
    if (seen == 1 && t->headers[j][0])
        return t->headers[j];
    snprintf(tmp, cap, "%s (%d)", t->headers[j][0] ? t->headers[j] : "column", seen);
    return tmp;
}

json_t *ocr_table_json(const struct ocr_table *t)
{
    json_t *o = json_object(), *rows = json_array(), *ex = json_object();
    char tmp[512];
    if (!o || !rows || !ex)
        goto fail;
    for (size_t r = 0; r < t->nrows; r++) {
        json_t *row = json_object();
        if (!row || json_array_append_new(rows, row))
            goto fail;
        for (size_t c = 0; c < t->ncols; c++) {
            const char *v = t->cells[r * t->ncols + c].text;
            if (json_object_set_new(row, hdr_name(t, c, tmp, sizeof tmp), json_string(v ? v : "")))
                goto fail;
        }
    }
    for (size_t i = 0; i < t->nextras; i++)
        if (json_object_set_new(ex, t->extras[i].key, json_string(t->extras[i].value)))
            goto fail;
    json_object_set_new(o, "table", rows);
    json_object_set_new(o, "extras", ex);
    return o;
fail:
    json_decref(o);
    json_decref(rows);
    json_decref(ex);
    return NULL;
}

static enum kr_code csv_field(struct buf *b, const char *s, int first)
{
    enum kr_code rc = first ? KR_OK : buf_append(b, ",", 1);
    s = s ? s : "";
    if (rc || !strpbrk(s, ",\"\r\n"))
        return rc ? rc : buf_append(b, s, strlen(s));
    if ((rc = buf_append(b, "\"", 1)))
        return rc;
    for (; *s && !rc; s++)
        rc = *s == '"' ? buf_append(b, "\"\"", 2) : buf_append(b, s, 1);
    return rc ? rc : buf_append(b, "\"", 1);
}

enum kr_code ocr_table_csv(const struct ocr_table *t, struct buf *out, struct kr_err *err)
{
    enum kr_code rc = KR_OK;
    for (size_t c = 0; c < t->ncols && !rc; c++)
        rc = csv_field(out, t->headers[c], c == 0);
    if (!rc)
        rc = buf_append(out, "\r\n", 2);
    for (size_t r = 0; r < t->nrows && !rc; r++) {
        for (size_t c = 0; c < t->ncols && !rc; c++)
            rc = csv_field(out, t->cells[r * t->ncols + c].text, c == 0);
        if (!rc)
            rc = buf_append(out, "\r\n", 2);
    }
    return rc ? kr_fail(err, KRS_TOO_LARGE, "the CSV is over its size limit") : KR_OK;
}

enum kr_code ocr_extras_csv(const struct ocr_table *t, struct buf *out, struct kr_err *err)
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
    return rc ? kr_fail(err, KRS_TOO_LARGE, "the CSV is over its size limit") : KR_OK;
}

enum kr_code ocr_table_xlsx(const struct ocr_table *t, const char *path, struct kr_err *err)
{
    lxw_workbook *wb = workbook_new(path);
    if (!wb)
        return kr_fail(err, KRS_XLSX_WRITE, "cannot create %s", path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "table");
    lxw_worksheet *we = workbook_add_worksheet(wb, "extras");
    for (size_t c = 0; ws && c < t->ncols; c++)
        worksheet_write_string(ws, 0, (lxw_col_t)c, t->headers[c], NULL);
    for (size_t r = 0; ws && r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            const char *v = t->cells[r * t->ncols + c].text;
            worksheet_write_string(ws, (lxw_row_t)(r + 1), (lxw_col_t)c, v ? v : "", NULL);
        }
    for (size_t i = 0; we && i < t->nextras; i++) {
        worksheet_write_string(we, (lxw_row_t)i, 0, t->extras[i].key, NULL);
        worksheet_write_string(we, (lxw_row_t)i, 1, t->extras[i].value, NULL);
    }
    if (workbook_close(wb) != LXW_NO_ERROR)
        return kr_fail(err, KRS_XLSX_WRITE, "cannot write %s", path);
    return KR_OK;
}
