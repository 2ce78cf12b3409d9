/*
 * sheet_read.c - the data rows of any bulk sheet (xlsx) as row objects, for
 * checking sheets Karat did not write (`karat lint-sheet`).
 *
 * Nothing here parses XML: the package, the data sheet, its shared strings
 * and the header row are found and read by the code that fills templates
 * (sheet_zip.c, sheet_part.c, the streaming walk of sheet_walk.c), with the
 * same limits and refusals, in its read-only mode. The walk maps the header
 * row to the schema's columns as a fill does (sheet__fill_map) and hands
 * every data-row cell with text to on_cell(); cells of a matched column are
 * gathered per row into {"row": N, "values": {column: text}}. Rows with no
 * text in a matched column are left out.
 */
#include "sheet/sheet_int.h"

#include <stdlib.h>
#include <string.h>

struct reader {
    json_t *out;    /* the rows so far */
    int row;        /* the row being gathered, 0 before the first */
    json_t *values; /* its {column: text}, or NULL */
};

/* The row being gathered appended to the output (if it has any value). */
static void flush(struct sheet_fill *f, struct reader *r)
{
    if (r->values && json_object_size(r->values) > 0 &&
        json_array_append_new(r->out, json_pack("{s:i, s:O}", "row", r->row, "values", r->values)))
        f->rc = KR_ENOMEM;
    json_decref(r->values);
    r->values = NULL;
}

static void on_cell(struct sheet_fill *f, int row, int col, const char *text)
{
    struct reader *r = f->cell_ctx;
    const char *name = NULL;

    for (size_t k = 0; k < f->nown && !name; k++)
        if (f->own[k].col == col)
            name = f->s->cols[f->own[k].si].name;
    if (!name)
        return;
    if (row != r->row) {
        flush(f, r);
        r->row = row;
    }
    if (!r->values && !(r->values = json_object()))
        f->rc = KR_ENOMEM;
    else if (json_object_set_new(r->values, name, json_string(text)))
        f->rc = KR_ENOMEM;
}

enum kr_code sheet_read_rows(const struct sheet_schema *s, const void *xlsx, size_t n,
                             const struct sheet_tpl_limits *lim, json_t **rows, struct kr_err *err)
{
    struct reader r = {.out = json_array()};
    struct sheet_fill f = {.s = s, .mode = SHEET_FILL_APPEND, .on_cell = on_cell, .cell_ctx = &r};
    enum kr_code rc = r.out ? sheet__tpl_open(&f.t, s, xlsx, n, lim, err)
                            : kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");

    *rows = NULL;
    buf_init(&f.tmp, 0);
    if (!rc)
        rc = sheet__fill_walk(&f, NULL, err);
    if (!rc) {
        flush(&f, &r);
        if (f.rc)
            rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    }
    json_decref(r.values);
    buf_release(&f.tmp);
    free(f.own);
    free(f.hdr);
    if (r.out)
        sheet__tpl_close(&f.t);
    if (rc)
        json_decref(r.out);
    else
        *rows = r.out;
    return rc;
}
