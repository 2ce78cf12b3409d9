/*
 * bills_image.c - POST /process-image-and-prompt/ (a bill photo or PDF ->
 * a checked table) and the 2024 contract's GET /download/.
 *
 * The upload (multipart `image`; `prompt` is passed to a provider, ignored
 * offline) is read by doc_extract() (the AI layer's attribute provider in
 * bands of rows, the offline reader as fallback). It is checked first: a PDF by its signature,
 * anything else must be an image the decoder accepts within the pixel limit. The same bytes
 * uploaded before are recognised by their SHA-256 and answered from the
 * stored document (no second reading), with "duplicate_of"; a new upload
 * whose table equals a stored one is read, stored and reported the same
 * way. Then the table is checked (warnings), written as the legacy CSV pair
 * and an .xlsx under bills/ in the default bucket, stored as a document
 * version and pushed onto the client's undo history; the extras CSV is
 * what /download/ serves that client afterwards.
 */
#include "api/api_int.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "doc/doc.h"
#include "image/image.h"

#define FILE_MAX (64u << 20) /* bytes of one CSV or workbook */

struct bill_files {
    char csv[1400], extras_csv[1400], xlsx[1400]; /* URLs */
    char extras_key[600];
};

static enum kr_code put_one(struct app *app, const char *key, const struct buf *b, char *url,
                            size_t n, struct kr_err *err)
{
    enum kr_code rc = repo_put_file(app->repo, app->cfg->default_bucket, key, b->data, b->len, err);

    if (!rc)
        repo_url_for(app->repo, app->cfg->default_bucket, key, url, n);
    return rc;
}

/* The three files of t under bills/ (one fresh key, three names). */
static enum kr_code write_files(struct app *app, const struct doc_table *t, struct bill_files *f,
                                struct kr_err *err)
{
    char base[200], key[600];
    struct buf b;
    enum kr_code rc;
    size_t n;

    repo_new_key("", ".csv", base, sizeof base);
    n = strlen(base) - 4; /* without ".csv" */
    buf_init(&b, FILE_MAX);
    snprintf(key, sizeof key, "bills/%.*s.csv", (int)n, base);
    if ((rc = doc_csv_table(t, &b, err)) ||
        (rc = put_one(app, key, &b, f->csv, sizeof f->csv, err)))
        goto out;
    b.len = 0;
    snprintf(f->extras_key, sizeof f->extras_key, "bills/%.*s_extras.csv", (int)n, base);
    if ((rc = doc_csv_extras(t, &b, err)) ||
        (rc = put_one(app, f->extras_key, &b, f->extras_csv, sizeof f->extras_csv, err)))
        goto out;
    b.len = 0;
    snprintf(key, sizeof key, "bills/%.*s.xlsx", (int)n, base);
    if ((rc = doc_xlsx(t, config_tmp_dir(app->cfg), &b, err)) ||
        (rc = put_one(app, key, &b, f->xlsx, sizeof f->xlsx, err)))
        goto out;
out:
    buf_release(&b);
    return rc;
}

/* Is the upload a PDF or an image we accept? -1 after the error answer. */
static int check_upload(struct app *app, const struct http_file *f, struct http_response *res,
                        struct doc_extract_req *xr)
{
    struct image_info info;
    struct kr_err err = {0};

    xr->ocr = doc_ocr_opts(app->cfg);
    xr->is_pdf = f->len >= 5 && !memcmp(f->data, "%PDF-", 5);
    if (xr->is_pdf) {
        xr->mime = "application/pdf";
        return 0;
    }
    if (!image_probe(f->data, f->len, app->cfg->max_pixels, &info, &err)) {
        xr->mime = info.mime;
        return 0;
    }
    http_res_from_err(res, &err);
    return -1;
}

struct bill {
    struct doc_table t;
    struct doc_saved saved;
    struct bill_files files;
};

/* Read (or find) the bill, write its files, store it. */
static enum kr_code process(struct app *app, const struct doc_extract_req *xr, const char *client,
                            struct bill *b, struct kr_err *err)
{
    struct doc_state st;
    char sha[65], dup[DOC_ID_LEN];
    enum kr_code rc;

    util_sha256_hex(xr->bytes, xr->len, sha);
    if ((rc = doc_store_find_upload(app->store, sha, dup, err)))
        return rc;
    if (*dup) { /* the same bytes again: the stored document, not a second reading */
        if ((rc = doc_store_get(app->store, dup, 0, &st, err)))
            return rc;
        b->t = st.table;
        util_strlcpy(b->saved.id, st.id, sizeof b->saved.id);
        util_strlcpy(b->saved.duplicate_of, dup, sizeof b->saved.duplicate_of);
        b->saved.version = st.version;
        return write_files(app, &b->t, &b->files, err);
    }
    if ((rc = doc_extract(xr, &b->t, err)) || (rc = write_files(app, &b->t, &b->files, err)))
        return rc;
    return doc_store_save(app->store,
                          &(struct doc_save_req){NULL, &b->t, DOC_SRC_EXTRACT, client, sha, 0},
                          &b->saved, err);
}

void api_process_image(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    const struct http_file *f;
    struct bill b = {0};
    struct kr_err err = {0};
    char client[ADMIT_CLIENT_LEN];
    json_t *o = NULL;
    struct doc_extract_req xr = {0};
    struct doc_check_opts co;

    api__doc_check_opts(app, &co);
    xr.check = &co;
    if (api__doc_store(app, res) || api__image_file(req, res, "image", &f) ||
        check_upload(app, f, res, &xr))
        return;
    xr.bytes = f->data;
    xr.len = f->len;
    xr.prompt = http_req_form(req, "prompt");
    xr.ai = app->ai;
    if (api__admit(app, APP_WORK_BILLS, req, res, client))
        return;
    if (process(app, &xr, client, &b, &err) ||
        doc_store_note_download(app->store, client, app->cfg->default_bucket, b.files.extras_key,
                                &err) ||
        api__doc_json(app, &b.t, &o, &err)) {
        http_res_from_err(res, &err);
        goto out;
    }
    json_object_set_new(o, "csv_file", json_string(b.files.csv));
    json_object_set_new(o, "extras_csv_file", json_string(b.files.extras_csv));
    json_object_set_new(o, "xlsx_file", json_string(b.files.xlsx));
    json_object_set_new(o, "id", json_string(b.saved.id));
    json_object_set_new(o, "version", json_integer(b.saved.version));
    if (*b.saved.duplicate_of)
        json_object_set_new(o, "duplicate_of", json_string(b.saved.duplicate_of));
    http_res_json(res, 200, o);
out:
    api__release(app, APP_WORK_BILLS, client);
    doc_table_free(&b.t);
}

void api_download(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct kr_err err = {0};
    char client[ADMIT_CLIENT_LEN], sha[65];
    struct doc_download d;
    struct buf b;
    enum kr_code rc;

    if (api__doc_store(app, res))
        return;
    http_req_client(req, client, sizeof client);
    if (doc_store_last_download(app->store, client, &d, &err)) {
        http_res_from_err(res, &err);
        return;
    }
    buf_init(&b, FILE_MAX);
    rc = *d.key ? repo_get_file(app->repo, d.bucket, d.key, &b, sha, &err) : KR_ENOTFOUND;
    if (rc == KR_ENOTFOUND) /* the original's answer, status 200 */
        http_res_json(res, 200, json_pack("{s:s}", "error", "File not found"));
    else if (rc)
        http_res_from_err(res, &err);
    else {
        snprintf(res->extra_headers, sizeof res->extra_headers,
                 "Content-Disposition: attachment; filename=\"output_extra.csv\"\r\n");
        http_res_bytes(res, 200, "text/csv", b.data, b.len);
    }
    buf_release(&b);
}
