/*
 * sheet_xlsx.c - fresh spreadsheets in a marketplace's layout: .xlsx with
 * libxlsxwriter, and CSV.
 *
 * The .xlsx mirrors the real template: the data sheet carries the
 * marketplace's sheet name (Meesho's, known only by position, sits behind
 * a placeholder sheet at that position), the preamble/label/header rows sit
 * where the template has them and data starts at the template's first data
 * row. Every allowed-value column gets a dropdown over its data rows: an
 * inline list when it fits Excel's 255-character limit, else a range on a
 * hidden "Lists" sheet. Workbooks are written in constant-memory mode (rows
 * strictly in order), which keeps memory flat for 10k-row sheets.
 *
 * CSV is RFC 4180 with the header keys as the only header line; cells that
 * a spreadsheet would run as formulas get a leading apostrophe.
 */
#include "sheet/sheet_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "core/utf8.h"
#include "core/util.h"

#define INLINE_LIST_MAX     255
#define DROPDOWN_SPARE_ROWS 1000

struct xw {
    const struct sheet_schema *s;
    lxw_workbook *wb;
    lxw_worksheet *data, *lists;
    lxw_format *bold;
    const char *lists_name;
    struct buf tmp;
    lxw_error lerr;
};

/* Text safe for a cell: control characters dropped, cut at the cell limit. */
static const char *cell_text(struct xw *x, const char *t)
{
    size_t n = strlen(t), k = 0;
    int clean = 1;
    for (size_t i = 0; i < n && clean; i++)
        clean = (unsigned char)t[i] >= 0x20 || t[i] == '\n' || t[i] == '\t';
    if (clean && n <= SHEET_CELL_MAX_CHARS)
        return t;
    x->tmp.len = 0;
    if (buf_reserve(&x->tmp, n + 1))
        return "";
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] >= 0x20 || t[i] == '\n' || t[i] == '\t')
            x->tmp.data[k++] = (unsigned char)t[i];
    k = utf8_cut((const char *)x->tmp.data, k, 0, SHEET_CELL_MAX_CHARS, NULL);
    x->tmp.data[k] = '\0';
    x->tmp.len = k;
    return (const char *)x->tmp.data;
}

/* How a cell is written: text; a number when the text is one (else text);
 * a header label (bold text). */
enum cell_kind { CELL_TEXT, CELL_NUMBER, CELL_HEADER };

static void put_cell(struct xw *x, lxw_worksheet *ws, int row, int col, const char *t,
                     enum cell_kind kind)
{
    int numeric = kind == CELL_NUMBER;
    lxw_format *f = kind == CELL_HEADER ? x->bold : NULL;
    double d;
    lxw_error e;
    if (!t || !*t)
        return;
    if (numeric && sheet__is_number(t, &d))
        e = worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, d, f);
    else
        e = worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col, cell_text(x, t), f);
    if (e && !x->lerr)
        x->lerr = e;
}

/* Rows above the data: preamble, label and header rows, in row order. */
static void write_header_area(struct xw *x)
{
    const struct sheet_schema *s = x->s;
    for (int r = 1; r < s->first_data_row; r++) {
        for (size_t i = 0; i < s->npre; i++)
            for (size_t j = 0; s->pre[i].row == r && j < s->pre[i].ncells; j++)
                put_cell(x, x->data, r - 1, (int)j, s->pre[i].cells[j], CELL_TEXT);
        for (size_t c = 0; c < s->ncols; c++) {
            const struct sheet_column *col = &s->cols[c];
            if (r == s->label_row)
                put_cell(x, x->data, r - 1, (int)c, col->label ? col->label : col->name, CELL_TEXT);
            else if (r == s->header_row)
                put_cell(x, x->data, r - 1, (int)c, col->name, CELL_HEADER);
        }
    }
}

static void write_rows(struct xw *x, const json_t *rows)
{
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        int r = x->s->first_data_row - 1 + (int)i;
        for (size_t c = 0; c < x->s->ncols && !x->lerr; c++) {
            const struct sheet_column *col = &x->s->cols[c];
            put_cell(x, x->data, r, (int)c, sheet__row_text(row, col->name),
                     col->numeric ? CELL_NUMBER : CELL_TEXT);
        }
    }
}

static int fits_inline(const struct sheet_column *c)
{
    size_t total = 0;
    for (size_t i = 0; i < c->nallowed; i++) {
        if (strpbrk(c->allowed[i], ",\""))
            return 0;
        total += strlen(c->allowed[i]) + (i > 0);
    }
    return total <= INLINE_LIST_MAX;
}

/* Long lists go to the hidden sheet, one column per dropdown, row by row
 * (constant-memory mode needs rows in order). */
static void write_lists(struct xw *x, const int *list_col)
{
    size_t longest = 0;
    for (size_t c = 0; c < x->s->ncols; c++)
        if (list_col[c] >= 0 && x->s->cols[c].nallowed > longest)
            longest = x->s->cols[c].nallowed;
    for (size_t r = 0; r < longest; r++)
        for (size_t c = 0; c < x->s->ncols; c++)
            if (list_col[c] >= 0 && r < x->s->cols[c].nallowed)
                put_cell(x, x->lists, (int)r, list_col[c], x->s->cols[c].allowed[r], CELL_TEXT);
}

static void add_dropdown(struct xw *x, size_t c, int list_col, int last_row)
{
    const struct sheet_column *col = &x->s->cols[c];
    lxw_data_validation dv = {0};
    char formula[128], letters[8];
    lxw_error e;

    if (list_col < 0) {
        dv.validate = LXW_VALIDATION_TYPE_LIST;
        dv.value_list = (char **)col->allowed; /* NULL-terminated by the loader */
    } else {
        sheet__col_name(list_col, letters);
        snprintf(formula, sizeof formula, "=%s!$%s$1:$%s$%zu", x->lists_name, letters, letters,
                 col->nallowed);
        dv.validate = LXW_VALIDATION_TYPE_LIST_FORMULA;
        dv.value_formula = formula;
    }
    e = worksheet_data_validation_range(x->data, (lxw_row_t)(x->s->first_data_row - 1),
                                        (lxw_col_t)c, (lxw_row_t)last_row, (lxw_col_t)c, &dv);
    if (e && !x->lerr)
        x->lerr = e;
}

static enum kr_code add_dropdowns(struct xw *x, size_t nrows, struct kr_err *err)
{
    const struct sheet_schema *s = x->s;
    int *list_col = calloc(s->ncols, sizeof *list_col), next = 0;
    long last = (long)s->first_data_row - 1 + (long)nrows + DROPDOWN_SPARE_ROWS - 1;

    if (!list_col)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    if (last > SHEET_MAX_ROW - 1)
        last = SHEET_MAX_ROW - 1;
    for (size_t c = 0; c < s->ncols; c++)
        list_col[c] = s->cols[c].nallowed && !fits_inline(&s->cols[c]) ? next++ : -1;
    if (next && x->lists)
        write_lists(x, list_col);
    for (size_t c = 0; c < s->ncols; c++)
        if (s->cols[c].nallowed && (list_col[c] < 0 || x->lists))
            add_dropdown(x, c, list_col[c], (int)last);
    free(list_col);
    return KR_OK;
}

static int needs_lists(const struct sheet_schema *s)
{
    for (size_t c = 0; c < s->ncols; c++)
        if (s->cols[c].nallowed && !fits_inline(&s->cols[c]))
            return 1;
    return 0;
}

/* Placeholder sheets in front of a data sheet known only by position. */
static void add_placeholders(struct xw *x)
{
    char name[32], note[256];
    if (x->s->nmatch > 0)
        return;
    for (int i = 0; i < x->s->sheet_index; i++) {
        snprintf(name, sizeof name, i ? "Info %d" : "Info", i + 1);
        lxw_worksheet *ws = workbook_add_worksheet(x->wb, name);
        snprintf(note, sizeof note, "Listings for %s (%s) are on the sheet '%s'.",
                 x->s->marketplace, x->s->product_type, x->s->sheet_name);
        if (ws)
            worksheet_write_string(ws, 0, 0, note, NULL);
    }
}

static enum kr_code open_book(struct xw *x, const char *path, int has_lists, struct kr_err *err)
{
    char dir[4096], *slash;
    lxw_workbook_options o = {.constant_memory = LXW_TRUE, .tmpdir = dir};

    /* constant_memory spills rows to scratch files: beside the output file */
    if (util_strlcpy(dir, path, sizeof dir) >= sizeof dir)
        return kr_fail(err, KRS_PATH_TOO_LONG, "workbook path too long");
    slash = strrchr(dir, '/');
    if (!slash)
        util_strlcpy(dir, ".", sizeof dir);
    else
        slash[slash == dir] = '\0';
    x->wb = workbook_new_opt(path, &o);
    if (!x->wb)
        return kr_fail(err, KRS_XLSX_WRITE, "cannot create workbook %s", path);
    add_placeholders(x);
    x->data = workbook_add_worksheet(x->wb, x->s->sheet_name);
    x->lists_name = strcmp(x->s->sheet_name, "Lists") ? "Lists" : "ValidLists";
    if (x->data && has_lists) {
        x->lists = workbook_add_worksheet(x->wb, x->lists_name);
        if (x->lists)
            worksheet_hide(x->lists);
    }
    x->bold = workbook_add_format(x->wb);
    if (!x->data || (has_lists && !x->lists) || !x->bold)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "cannot add sheets");
    format_set_bold(x->bold);
    worksheet_activate(x->data);
    return KR_OK;
}

enum kr_code sheet_write_xlsx_file(const struct sheet_schema *s, const json_t *rows,
                                   const char *path, struct kr_err *err)
{
    struct xw x = {.s = s};
    enum kr_code rc;
    lxw_error e;

    if (!json_is_array(rows) || json_array_size(rows) > (size_t)(SHEET_MAX_ROW - s->first_data_row))
        return kr_fail(err, KRS_BAD_ROWS, "rows must be an array within Excel's rows");
    buf_init(&x.tmp, 0);
    rc = open_book(&x, path, needs_lists(s), err);
    if (!rc) {
        write_header_area(&x);
        write_rows(&x, rows);
        rc = add_dropdowns(&x, json_array_size(rows), err);
    }
    e = x.wb ? workbook_close(x.wb) : LXW_NO_ERROR;
    buf_release(&x.tmp);
    if (!rc && (x.lerr || e))
        rc =
            kr_fail(err, KRS_XLSX_WRITE, "writing %s: %s", path, lxw_strerror(x.lerr ? x.lerr : e));
    if (rc)
        unlink(path);
    return rc;
}

enum kr_code sheet_write_xlsx(const struct sheet_schema *s, const json_t *rows, const char *tmp_dir,
                              struct buf *out, struct kr_err *err)
{
    char path[4096];
    enum kr_code rc;
    int fd;

    if (!tmp_dir || !*tmp_dir)
        return kr_fail(err, KRS_BAD_OPTION, "sheet: no temporary folder (KARAT_TMP_DIR)");
    /* libxlsxwriter writes to a file: a private one made by mkstemp() */
    if (util_fmt(path, sizeof path, "%s/karat-sheet-XXXXXX", tmp_dir))
        return kr_fail(err, KRS_PATH_TOO_LONG, "KARAT_TMP_DIR too long");
    fd = mkstemp(path);
    if (fd < 0)
        return kr_fail(err, KRS_XLSX_WRITE, "cannot create a temporary file in %s", tmp_dir);
    close(fd);
    rc = sheet_write_xlsx_file(s, rows, path, err);
    if (!rc) {
        out->len = 0;
        rc = buf_read_file(out, path, err);
    }
    unlink(path);
    return rc;
}

/* One CSV field: quoted when needed; formula-looking text gets a ' first. */
static enum kr_code csv_field(struct buf *b, const char *t)
{
    size_t n = strlen(t);
    int formula = n && (strchr("=+@\t\r", t[0]) ||
                        (t[0] == '-' && n > 1 && !isdigit((unsigned char)t[1]) && t[1] != '.'));
    int quote = formula || strpbrk(t, ",\"\r\n") || (n && (t[0] == ' ' || t[n - 1] == ' '));
    enum kr_code rc = quote ? buf_append(b, "\"", 1) : KR_OK;

    if (!rc && formula)
        rc = buf_append(b, "'", 1);
    for (const char *p = t; !rc && *p; p++)
        rc = *p == '"' ? buf_append(b, "\"\"", 2) : buf_append(b, p, 1);
    if (!rc && quote)
        rc = buf_append(b, "\"", 1);
    return rc;
}

/* One CSV line of the schema's columns: names (row == NULL) or a row's
 * values; with quality, the row's score and reasons after them. */
static enum kr_code csv_line(const struct sheet_schema *s, const json_t *row, int quality,
                             struct buf *out)
{
    static const char *const extra[] = {SHEET_KEY_SCORE, SHEET_KEY_REASONS};
    enum kr_code rc = KR_OK;
    for (size_t c = 0; c < s->ncols && !rc; c++) {
        const char *name = s->cols[c].name;
        if (c)
            rc = buf_append(out, ",", 1);
        if (!rc)
            rc = csv_field(out, row ? sheet__row_text(row, name) : name);
    }
    for (int i = 0; quality && i < 2 && !rc; i++) {
        rc = buf_append(out, ",", 1);
        if (!rc)
            rc = csv_field(out, row ? sheet__row_text(row, extra[i]) : extra[i]);
    }
    return rc ? rc : buf_append(out, "\r\n", 2);
}

enum kr_code sheet_write_csv(const struct sheet_schema *s, const json_t *rows, struct buf *out,
                             struct kr_err *err)
{
    enum kr_code rc;
    size_t i;
    json_t *row;
    int quality = 0;

    if (!json_is_array(rows))
        return kr_fail(err, KRS_BAD_ROWS, "rows must be an array");
    json_array_foreach(rows, i, row) quality |= json_object_get(row, SHEET_KEY_SCORE) != NULL;
    rc = csv_line(s, NULL, quality, out);
    json_array_foreach(rows, i, row)
    {
        if (rc)
            break;
        rc = csv_line(s, row, quality, out);
    }
    return rc ? kr_fail(err, kr_slug_grow(rc), "CSV larger than the output limit") : KR_OK;
}
