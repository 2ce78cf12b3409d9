/*
 * ocr.c - ocr_read_document(): sniff the bytes, read every page, check limits.
 *
 * "%PDF-" bytes go to ocr_read.c; anything else must be an image that
 * image_probe() recognises (JPEG, PNG, WebP, HEIC when libvips has the heif
 * loader), checked against max_pixels from the header before decoding.
 * The decoded RGB is turned grey here and handed to ocr_prep.c + tesseract;
 * the words go through ocr_layout.c, and known glyph misreadings are put
 * right (ocr_fix.c). A page with no header line and no rows
 * is "no_table_found".
 *
 * Output in the original's shapes (second half of this file): JSON
 * {"table": [{header: value, ...}, ...], "extras": {key: value}} with values as
 * strings exactly as read (an empty cell is ""; a repeated header gets " (2)"
 * so no column is lost in an object); products CSV (the headers, one row per
 * table row) and extras CSV (one row of keys, one of values), quoted as
 * Python's csv.writer does, rows ending in CRLF; xlsx with sheets "table" and
 * "extras" through libxlsxwriter.
 */
#include "ocr/ocr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "image/image.h"
#include "ocr/ocr_int.h"

void ocr_table_free(struct ocr_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ncols; i++)
        free(t->headers ? t->headers[i] : NULL);
    for (size_t i = 0; t->cells && i < t->nrows * t->ncols; i++)
        free(t->cells[i].text);
    for (size_t i = 0; i < t->nextras; i++) {
        free(t->extras[i].key);
        free(t->extras[i].value);
    }
    free(t->headers);
    free(t->cells);
    free(t->extras);
    memset(t, 0, sizeof *t);
}

static enum kr_code grey_from_px(const struct image_px *px, struct ocr__grey *g, struct kr_err *err)
{
    size_t n = (size_t)px->width * px->height;
    if (!(g->px = malloc(n ? n : 1)))
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: grey plane");
    g->w = px->width;
    g->h = px->height;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *s = px->data + i * px->bands;
        g->px[i] = (unsigned char)((s[0] * 299 + s[1] * 587 + s[2] * 114 + 500) / 1000);
    }
    return KR_OK;
}

static enum kr_code read_image(const void *bytes, size_t len, const struct ocr_opts *o,
                               struct ocr_table *t, struct kr_err *err)
{
    struct image_info info;
    struct image_px px = {0};
    struct ocr__grey g = {0};
    struct ocr__page page = {0};
    long long maxpx = o && o->max_pixels ? (long long)o->max_pixels : 0;
    enum kr_code rc = image_probe(bytes, len, maxpx, &info, err);
    if (rc == KR_EINVAL) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        return kr_fail(err, KRS_NOT_A_DOCUMENT, "not an image or PDF (%s)", why);
    }
    if (rc)
        return rc;
    struct image_load_opts lo = {.max_side = 0, .max_pixels = maxpx};
    if ((rc = image_load(bytes, len, &lo, &px, &info, err)) ||
        (rc = grey_from_px(&px, &g, err)))
        goto out;
    image_px_release(&px);
    if ((rc = ocr__read_pixels(&g, o, &page, err)) || (rc = ocr__layout(&page, t, err)))
        goto out;
    ocr__fix_misreads(t);
    t->pages = 1;
out:
    image_px_release(&px);
    free(g.px);
    ocr__page_free(&page);
    return rc;
}

enum kr_code ocr_read_document(const void *bytes, size_t len, const struct ocr_opts *o,
                               struct ocr_table *out, struct kr_err *err)
{
    struct ocr_table t = {0};
    enum kr_code rc;
    memset(out, 0, sizeof *out);
    if (!bytes || len == 0)
        return kr_fail(err, KRS_EMPTY_FILE, "the document is empty (0 bytes)");
    if (len >= 5 && memcmp(bytes, "%PDF-", 5) == 0)
        rc = ocr__read_pdf(bytes, len, o, &t, err);
    else
        rc = read_image(bytes, len, o, &t, err);
    if (rc == KR_OK && t.ncols == 0 && t.nrows == 0)
        rc = kr_fail(err, KRS_NO_TABLE_FOUND, "no table with a header row was found");
    if (rc) {
        ocr_table_free(&t);
        return rc;
    }
    *out = t;
    return KR_OK;
}

/* ---- output shapes ---- */

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
