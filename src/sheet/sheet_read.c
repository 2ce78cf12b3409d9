/*
 * sheet_read.c - the data rows of any bulk sheet (xlsx) as row objects, for
 * checking sheets Karat did not write (`karat lint-sheet`).
 *
 * The package, the data sheet and its shared strings are found and read by
 * the same code that fills templates (sheet_zip.c, sheet_part.c,
 * sheet_xml.c), with the same limits. The header row (the schema's) is
 * matched to the schema's columns: the column name, then an alias, then a
 * normalised comparison (case, spaces, punctuation); Meesho-style headers
 * with help text after a blank line are matched on their first part. Every
 * row from the first data row on with text in a matched column becomes
 * {"row": N, "values": {column: text}}.
 */
#include "sheet/sheet_int.h"

#include <stdlib.h>
#include <string.h>

#define HEAD_MAX 256

struct reader {
    const struct sheet_schema *s;
    struct tpl t;
    struct xml_sheet sh;
    int *col_of; /* schema column -> sheet column, -1 when absent */
    struct buf text;
};

/* Cell text into r->text, cut at a blank line when head. */
static const char *cell_text(struct reader *r, const struct xml_cell *c, int head)
{
    char *t, *cut;
    sheet__tpl_cell_text(&r->t, &r->sh, c, &r->text, NULL);
    if (buf_append(&r->text, "", 1))
        return "";
    t = (char *)r->text.data;
    if (head && ((cut = strstr(t, "\n\n")) || (cut = strstr(t, "\r\n\r\n"))))
        *cut = '\0';
    return t;
}

/* How well header h names column c: 3 exact name, 2 alias, 1 normalised, 0 not. */
static int header_match(const struct sheet_column *c, const char *h)
{
    char a[HEAD_MAX * 2], b[HEAD_MAX * 2];
    int best = 0;
    if (strcmp(h, c->name) == 0)
        return 3;
    sheet__norm_key(h, 0, b, sizeof b);
    for (size_t k = 0; k <= c->naliases; k++) {
        const char *name = k ? c->aliases[k - 1] : c->name;
        if (k && strcmp(h, name) == 0)
            best = 2;
        sheet__norm_key(name, 0, a, sizeof a);
        if (!best && a[0] && strcmp(a, b) == 0)
            best = 1;
    }
    return best;
}

static enum kr_code map_header(struct reader *r)
{
    const struct xml_row *hr = NULL;
    int *score = calloc(r->s->ncols ? r->s->ncols : 1, sizeof *score);

    r->col_of = malloc((r->s->ncols ? r->s->ncols : 1) * sizeof *r->col_of);
    if (!score || !r->col_of) {
        free(score);
        return KR_ENOMEM;
    }
    for (size_t i = 0; i < r->s->ncols; i++)
        r->col_of[i] = -1;
    for (size_t i = 0; i < r->sh.nrows && !hr; i++)
        if (r->sh.rows[i].r == r->s->header_row)
            hr = &r->sh.rows[i];
    for (size_t k = 0; hr && k < hr->ncells; k++) {
        const struct xml_cell *c = &r->sh.cells[hr->cell0 + k];
        char h[HEAD_MAX];
        snprintf(h, sizeof h, "%s", cell_text(r, c, 1));
        for (size_t i = 0; h[0] && i < r->s->ncols; i++) {
            int m = header_match(&r->s->cols[i], h);
            if (m > score[i])
                score[i] = m, r->col_of[i] = c->col;
        }
    }
    free(score);
    return KR_OK;
}

/* Row er as {column: text}; NULL when no matched column has text. */
static json_t *row_values(struct reader *r, const struct xml_row *er)
{
    json_t *o = json_object();
    for (size_t k = 0; o && k < er->ncells; k++) {
        const struct xml_cell *c = &r->sh.cells[er->cell0 + k];
        for (size_t i = 0; i < r->s->ncols; i++) {
            if (r->col_of[i] != c->col)
                continue;
            const char *t = cell_text(r, c, 0);
            if (t[0])
                json_object_set_new(o, r->s->cols[i].name, json_string(t));
        }
    }
    if (o && json_object_size(o) == 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

enum kr_code sheet_read_rows(const struct sheet_schema *s, const void *xlsx, size_t n,
                             const struct sheet_tpl_limits *lim, json_t **rows, struct kr_err *err)
{
    struct reader r = {.s = s};
    json_t *out = json_array();
    enum kr_code rc = out ? sheet__tpl_open(&r.t, s, xlsx, n, lim, err)
                          : kr_fail(err, KR_ENOMEM, NULL, "out of memory");

    *rows = NULL;
    buf_init(&r.text, 0);
    if (!rc && sheet__xml_sheet_scan(&r.sh, (const char *)r.t.xml.data, r.t.xml.len))
        rc = kr_fail(err, KR_EINVAL, "bad_template", "sheet: unsupported worksheet layout");
    if (!rc && map_header(&r))
        rc = kr_fail(err, KR_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; !rc && i < r.sh.nrows; i++) {
        const struct xml_row *er = &r.sh.rows[i];
        json_t *v = er->r >= s->first_data_row ? row_values(&r, er) : NULL;
        if (v && json_array_append_new(out, json_pack("{s:i, s:o}", "row", er->r, "values", v)))
            rc = kr_fail(err, KR_ENOMEM, NULL, "out of memory");
    }
    buf_release(&r.text);
    free(r.col_of);
    sheet__xml_sheet_release(&r.sh);
    sheet__tpl_close(&r.t);
    if (rc)
        json_decref(out);
    else
        *rows = out;
    return rc;
}
