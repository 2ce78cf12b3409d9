/*
 * captions_legacy.c - the 2024 contract of /generate_caption that the
 * original's Streamlit caption page still uses: several photos in the
 * repeated multipart field `files` (no `file`, usually no `type`), answered
 * as one CSV table when the client asks for CSV (Accept: text/csv), else as
 * {"results": [...]} JSON with the same rows.
 *
 * Columns are the original's: display_name, generated_name, quality,
 * description, attributes (joined with ", "), prompt. Each photo goes through
 * the same pipeline as a single upload (duplicate check and store, then the
 * caption); a duplicate or a failed photo still gets its row (description
 * "duplicate of URL" / "error: message", other cells empty), so the table
 * always has one row per photo, in upload order. Nothing here is new
 * behaviour for clients that send `file`.
 */
#include "api/api_int.h"

#include <stdlib.h>
#include <string.h>

#include "caption/caption.h"

static const char *const COLS[] = {"display_name", "generated_name", "quality",
                                   "description",  "attributes",     "prompt"};
#define NCOLS (sizeof COLS / sizeof COLS[0])

/* One CSV cell (RFC 4180 quoting; a leading = + - @ is quoted as text so a
 * spreadsheet does not run it as a formula). */
static void csv_cell(struct buf *b, const char *s, int last)
{
    int quote = strpbrk(s, ",\"\r\n") != NULL || strchr("=+-@", s[0]) != NULL;
    if (quote) {
        buf_append(b, "\"", 1);
        if (strchr("=+-@", s[0]) && s[0])
            buf_append(b, "'", 1);
        for (; *s; s++) {
            if (*s == '"')
                buf_append(b, "\"\"", 2);
            else
                buf_append(b, s, 1);
        }
        buf_append(b, "\"", 1);
    } else {
        buf_append(b, s, strlen(s));
    }
    buf_append(b, last ? "\r\n" : ",", last ? 2 : 1);
}

static const char *text_of(json_t *row, const char *col, char *tmp, size_t n)
{
    json_t *v = json_object_get(row, col);
    size_t k = 0, i;
    json_t *x;

    if (json_is_string(v))
        return json_string_value(v);
    tmp[0] = 0;
    json_array_foreach(v, i, x) {
        if (json_is_string(x) && k + strlen(json_string_value(x)) + 3 < n)
            k += (size_t)snprintf(tmp + k, n - k, "%s%s", i ? ", " : "", json_string_value(x));
    }
    return tmp;
}

static json_t *one_photo(struct app *app, const struct http_file *f, const char *type,
                         const char *bucket, const char *site)
{
    char name[256];
    struct caption_outcome o;
    struct kr_err err = {0};
    json_t *row;

    api__display_name(f->filename, name, sizeof name);
    struct caption_req cr = {.data = f->data, .len = f->len, .type = type, .filename = name,
                             .bucket = bucket, .website = site, .check_duplicate = 1};
    if (caption_photo(app->ai, app->repo, app->cfg->max_pixels, &cr, &o, &err)) {
        row = json_pack("{s:s, s:s+}", "display_name", name, "description", "error: ", err.msg);
    } else if (o.duplicate) {
        row = json_pack("{s:s, s:s+, s:s}", "display_name", name, "description", "duplicate of ",
                        o.match.url, "s3_url", o.match.url);
    } else {
        app_note_caption(app, o.url, &o.caption, type); /* the photo is a product now */
        row = api_caption_json(&o.caption, type);
        json_object_set_new(row, "display_name", json_string(name));
        json_object_set_new(row, "s3_url", json_string(o.url));
    }
    caption_result_free(&o.caption);
    return row;
}

static void reply(struct http_request *req, struct http_response *res, json_t *rows)
{
    const char *accept = http_req_header(req, "Accept");
    struct buf b;
    char tmp[4096];
    size_t i;
    json_t *row;

    if (!accept || !strstr(accept, "text/csv")) {
        http_res_json(res, 200, json_pack("{s:o}", "results", rows));
        return;
    }
    buf_init(&b, 0);
    for (size_t c = 0; c < NCOLS; c++)
        csv_cell(&b, COLS[c], c + 1 == NCOLS);
    json_array_foreach(rows, i, row) {
        for (size_t c = 0; c < NCOLS; c++)
            csv_cell(&b, text_of(row, COLS[c], tmp, sizeof tmp), c + 1 == NCOLS);
    }
    json_decref(rows);
    snprintf(res->extra_headers, sizeof res->extra_headers,
             "Content-Disposition: attachment; filename=\"gemini_output.csv\"\r\n");
    http_res_bytes(res, 200, "text/csv; charset=utf-8", b.data, b.len);
    buf_release(&b);
}

int api__caption_legacy(struct app *app, struct http_request *req, struct http_response *res)
{
    const struct http_file *files[256];
    const char *type = http_req_arg(req, "type"), *site = http_req_arg(req, "website");
    char bucket[64];
    size_t n;
    json_t *rows;

    if (http_req_file(req, "file") || !(n = http_req_files(req, "files", files, 256)))
        return 0;
    if (api_bucket_arg(app, req, res, bucket, sizeof bucket))
        return 1;
    if (n > (size_t)app->cfg->max_batch || n >= 256) {
        http_res_error(res, KRS_TOO_MANY_ITEMS, "at most %d photos per request",
                       app->cfg->max_batch < 255 ? app->cfg->max_batch : 255);
        return 1;
    }
    if (!app->ai) {
        http_res_error(res, KRS_AI_UNAVAILABLE, "the AI layer is not configured");
        return 1;
    }
    if (!type || !*type || strlen(type) > 100)
        type = "jewellery";
    rows = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(rows, one_photo(app, files[i], type, bucket,
                                              site && *site ? site : "alya"));
    reply(req, res, rows);
    return 1;
}
