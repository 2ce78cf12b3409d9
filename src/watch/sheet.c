/*
 * sheet.c - the .xlsx files the market look-ups leave in the file store
 * (excel_files/<marketplace>_products.xlsx, excel_files/amazon_offers.xlsx):
 * one sheet, a header row, one row per entry of the answer. Written with
 * libxlsxwriter to a path the caller chose (its scratch folder); the caller
 * stores the bytes through the blob layer.
 */
#include <xlsxwriter.h>

#include "watch/watch_int.h"

/* One cell: strings as strings, numbers as numbers, anything else empty. */
static void write_cell(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const json_t *v)
{
    if (json_is_string(v))
        worksheet_write_string(ws, r, c, json_string_value(v), NULL);
    else if (json_is_number(v))
        worksheet_write_number(ws, r, c, json_number_value(v), NULL);
}

enum kr_code watch_xlsx_write(const char *path, const json_t *rows, const char *const *cols,
                              size_t ncols, struct kr_err *err)
{
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, "products") : NULL;
    size_t i;
    json_t *row;

    if (!ws) {
        if (wb)
            workbook_close(wb);
        return kr_fail(err, KRS_WRITE_FAILED, "cannot create the workbook %s", path);
    }
    for (size_t c = 0; c < ncols; c++)
        worksheet_write_string(ws, 0, (lxw_col_t)c, cols[c], NULL);
    json_array_foreach(rows, i, row) for (size_t c = 0; c < ncols; c++)
        write_cell(ws, (lxw_row_t)(i + 1), (lxw_col_t)c, json_object_get(row, cols[c]));
    if (workbook_close(wb) != LXW_NO_ERROR)
        return kr_fail(err, KRS_WRITE_FAILED, "cannot write the workbook %s", path);
    return KR_OK;
}
