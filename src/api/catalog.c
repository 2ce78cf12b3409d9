/*
 * catalog.c - POST /catalog-ai and POST /catalog_ai_variations
 * (the original's catalog endpoints). The pipeline itself, and how it reads
 * photos and saves sheets, are assembled in app/.
 *
 * Both endpoints take the original's JSON (comma-separated strings; JSON
 * lists are accepted too) or multipart form data with the photos uploaded
 * as files. Every argument is checked first; only an accepted request's
 * uploads are saved (default bucket, catalog_uploads/), before the job is
 * submitted, so the job refers to them by URL and can resume after a restart. The
 * request becomes a job: with ?async=1 the answer is 202 {"job_id"} at once;
 * otherwise the request waits (KARAT_JOB_SYNC_WAIT) and returns the job's
 * result, {"results", "excel_file", "csv_file"}, or 202 with the job id when
 * the wait runs out.
 *
 * Templates, /clear_excel_file and GET /jobs/{id} are at the end.
 */
#include "api/api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai.h"
#include "catalog/catalog.h"
#include "sheet/sheet.h"
#include "core/log.h"
#include "core/util.h"
#include "image/image.h"
#include "jobs/jobs.h"
#include "studio/studio.h"
#include "net/net.h"

/* ---- request parsing ---- */

/* A text argument from the JSON body or the form, as a JSON value (borrowed
 * for JSON, new string for forms: *tmp keeps it alive). */
static json_t *arg(struct http_request *req, json_t *body, const char *name, json_t *tmp)
{
    const char *v;
    if (body)
        return json_object_get(body, name);
    v = http_req_form(req, name);
    if (!v)
        v = http_req_query(req, name);
    if (!v)
        return NULL;
    json_array_append_new(tmp, json_string(v));
    return json_array_get(tmp, json_array_size(tmp) - 1);
}

static const char *text_arg(struct http_request *req, json_t *body, const char *name, json_t *tmp)
{
    return json_string_value(arg(req, body, name, tmp));
}

/* Uploaded photos: each is probed and given its key and URL (refs) and the
 * client's file name (names, where its default SKU comes from), but nothing
 * is written yet: the request is checked in full first, store_uploads()
 * saves them only once it is accepted. */
#define MAX_UPLOADS 256

struct upload_plan {
    size_t n;
    const struct http_file *files[MAX_UPLOADS];
    char keys[MAX_UPLOADS][160];
};

static enum kr_code plan_uploads(struct app *app, struct http_request *req, struct upload_plan *up,
                                 json_t *refs, json_t *names, struct kr_err *err)
{
    char url[1024];

    up->n = http_req_files(req, NULL, up->files, MAX_UPLOADS);
    for (size_t i = 0; i < up->n; i++) {
        struct image_info info;
        enum kr_code rc =
            image_probe(up->files[i]->data, up->files[i]->len, app->cfg->max_pixels, &info, err);
        if (rc) {
            kr_err_prefix(err, "file %zu: ", i + 1);
            return rc;
        }
        if (json_array_size(refs) >= (size_t)app->cfg->max_batch)
            return kr_fail(err, KRS_TOO_MANY_ITEMS, "at most %d images",
                           app->cfg->max_batch);
        /* a new key in catalog_uploads/ of the default bucket; nothing is written yet */
        repo_new_key("catalog_uploads/", info.ext, up->keys[i], sizeof up->keys[i]);
        repo_url_for(app->repo, app->cfg->default_bucket, up->keys[i], url, sizeof url);
        json_array_append_new(refs, json_string(url));
        api__display_name(up->files[i]->filename, url, sizeof url);
        json_array_append_new(names, json_string(url));
    }
    return KR_OK;
}

/* Write the planned uploads (the request has been accepted). */
static enum kr_code store_uploads(struct app *app, const struct upload_plan *up, struct kr_err *err)
{
    enum kr_code rc = KR_OK;

    for (size_t i = 0; !rc && i < up->n; i++)
        rc = repo_put_file(app->repo, app->cfg->default_bucket, up->keys[i], up->files[i]->data,
                           up->files[i]->len, err);
    return rc;
}

struct parsed {
    json_t *names, *sizes;
    json_t *body, *tmp, *refs, *skus;
    struct catalog_req r;
    struct upload_plan up;
};

static void parsed_free(struct parsed *p)
{
    json_decref(p->names);
    json_decref(p->sizes);
    json_decref(p->tmp);
    json_decref(p->refs);
    json_decref(p->skus);
}

/* Multipart: the files come after any image_urls. The names default SKUs
 * come from: the URL of each image_urls entry, the client's file name of
 * each upload (catalog/ makes them unique). */
static enum kr_code default_skus(struct app *app, struct http_request *req, struct parsed *p,
                                 struct kr_err *err)
{
    json_t *uploads = json_array();
    enum kr_code rc = plan_uploads(app, req, &p->up, p->refs, uploads, err);

    p->names = json_array();
    for (size_t i = 0; !rc && i < json_array_size(p->refs) - json_array_size(uploads); i++)
        json_array_append(p->names, json_array_get(p->refs, i));
    json_array_extend(p->names, uploads);
    json_decref(uploads);
    return rc;
}

/* A yes/no argument: JSON true/false (or null: def), or a string
 * util_parse_bool knows; anything else is a 400 written to res (-1). */
static int flag_arg(json_t *v, const char *name, int def, int *out, struct http_response *res)
{
    int b = !v || json_is_null(v) ? def
            : json_is_boolean(v)  ? json_is_true(v)
            : json_is_string(v)   ? util_parse_bool(json_string_value(v))
                                  : -1;
    if (b < 0) {
        http_res_error(res, KRS_INVALID_ARGUMENT, "%s must be true or false (yes/no, 1/0)", name);
        return -1;
    }
    *out = b;
    return 0;
}

/* "height" or "width": one length for every image or one per image ("25mm",
 * "2.5 cm", a bare number is mm; a list as for skuids), in mm into each of
 * the n objects of sizes under key. Absent: nothing. */
static enum kr_code size_arg(json_t *v, const char *name, const char *key, json_t *sizes,
                             struct kr_err *err)
{
    size_t n = json_array_size(sizes), k;
    json_t *strs = json_array();
    enum kr_code rc = KR_OK;
    char num[32];

    if (json_is_number(v))
        snprintf(num, sizeof num, "%g", json_number_value(v)),
            json_array_append_new(strs, json_string(num));
    else if (v && !json_is_null(v))
        rc = catalog_list_arg(v, n + 1, 32, name, strs, err);
    if (rc == KR_ELIMIT)
        rc = kr_fail(err, KRS_BAD_SIZE_VALUE, "%s: more values than images", name);
    k = json_array_size(strs);
    if (!rc && k && k != 1 && k != n)
        rc = kr_fail(err, KRS_BAD_SIZE_VALUE,
                     "%s: %zu values for %zu images (one, or one per image)", name, k, n);
    for (size_t i = 0; !rc && k && i < n; i++) {
        struct studio_length l;
        rc = studio_length_parse(json_string_value(json_array_get(strs, k == 1 ? 0 : i)), &l, err);
        if (!rc)
            json_object_set_new(json_array_get(sizes, i), key,
                                json_real(l.unit[0] == 'c' ? l.value * 10 : l.value));
        else
            kr_err_prefix(err, "%s: ", name);
    }
    json_decref(strs);
    return rc;
}

/* The fields both endpoints share; writes the error response on failure. */
static int parse_common(struct app *app, struct http_request *req, struct http_response *res,
                        struct parsed *p)
{
    struct kr_err err = {0};
    size_t max = (size_t)app->cfg->max_batch;
    enum kr_code rc;

    memset(p, 0, sizeof *p);
    if (!http_req_is_form(req) && !(p->body = http_req_json(req, res)))
        return -1;
    if (p->body && !json_is_object(p->body)) {
        http_res_error(res, KRS_BAD_JSON, "expected a JSON object");
        return -1;
    }
    p->tmp = json_array();
    p->refs = json_array();
    p->skus = json_array();
    /* nothing is written here: uploads are saved once the whole request is accepted */
    p->r.marketplace = text_arg(req, p->body, "marketplace", p->tmp);
    p->r.product_type = text_arg(req, p->body, "type", p->tmp);
    if (flag_arg(arg(req, p->body, "use_template", p->tmp), "use_template", 1, &p->r.use_template,
                 res) ||
        flag_arg(arg(req, p->body, "append", p->tmp), "append", 0, &p->r.append, res))
        return -1;
    if (!p->r.marketplace || !p->r.product_type) {
        http_res_error(res, KRS_MISSING_FIELD, "type and marketplace are required");
        return -1;
    }
    rc = catalog_list_arg(arg(req, p->body, "image_urls", p->tmp), max, CATALOG_MAX_REF,
                          "image_urls", p->refs, &err);
    if (!rc)
        rc = catalog_list_arg(arg(req, p->body, "skuids", p->tmp), max, CATALOG_MAX_SKU, "skuids",
                              p->skus, &err);
    if (!rc && !p->body)
        rc = default_skus(app, req, p, &err);
    if (!rc && (arg(req, p->body, "height", p->tmp) || arg(req, p->body, "width", p->tmp))) {
        p->sizes = json_array();
        for (size_t i = 0; i < json_array_size(p->refs); i++)
            json_array_append_new(p->sizes, json_object());
        rc = size_arg(arg(req, p->body, "height", p->tmp), "height", "height_mm", p->sizes, &err);
        if (!rc)
            rc = size_arg(arg(req, p->body, "width", p->tmp), "width", "width_mm", p->sizes, &err);
    }
    if (rc) {
        http_res_from_err(res, &err);
        return -1;
    }
    p->r.refs = p->refs;
    p->r.skus = p->skus;
    p->r.names = p->names;
    p->r.sizes = p->sizes;
    return 0;
}

/* ---- submit, then wait or not ---- */

/* The status of a stored error {"code": slug}; a slug this build does not
 * know (written by another version) answers as a failed job. */
static int stored_status(json_t *error)
{
    int s = kr_slug_find(json_string_value(json_object_get(error, "code")));
    return kr_slug_status(s < 0 ? KRS_JOB_FAILED : (enum kr_slug)s);
}

/* A failed job: the status its failed items' slugs share (so a batch of
 * refused URLs is a 400, not a 502), else the status of the job's error. */
static void respond_failed(struct http_response *res, json_t *st, const char *id)
{
    json_t *e = json_object_get(st, "error"), *item;
    int shared = -1;
    size_t i;

    json_array_foreach(json_object_get(st, "items"), i, item)
    {
        json_t *ie = json_object_get(item, "error");
        int s;
        if (!json_is_object(ie))
            continue;
        s = stored_status(ie);
        shared = shared == -1 || shared == s ? s : 0;
    }
    json_t *body =
        json_pack("{s:O*, s:O*, s:O*, s:s, s:O*}", "error", json_object_get(e, "message"), "code",
                  json_object_get(e, "code"), "detail", json_object_get(e, "message"), "job_id", id,
                  "items", json_object_get(st, "items"));
    http_res_json(res, shared > 0 ? shared : stored_status(e), body);
}

/* Submit the job (it takes the client's reserved slot) and answer with its
 * result, or 202 while it runs. */
static void respond_job(struct app *app, struct http_request *req, struct http_response *res,
                        const struct jobs_submit_req *job)
{
    char id[JOBS_ID_LEN];
    struct kr_err err = {0};
    json_t *st = NULL;
    struct jobs_outcome oc;
    const char *async = http_req_query(req, "async");
    enum kr_code rc = jobs_submit(app->jobs, job, id, &err);

    if (rc) {
        http_res_from_err(res, &err);
        return;
    }
    if (!(async && util_parse_bool(async) == 1))
        rc = jobs_wait(app->jobs, id, app->cfg->job_sync_wait_s * 1000L, &err);
    if ((async && util_parse_bool(async) == 1) || rc == KR_ETIMEOUT || rc == KR_EIO) {
        http_res_json(res, rc == KR_EIO ? 503 : 202,
                      json_pack("{s:s, s:o, s:s}", "job_id", id, "status_url",
                                json_sprintf("/jobs/%s", id), "status",
                                rc == KR_EIO ? "interrupted" : "queued"));
        return;
    }
    if (rc || (rc = jobs_outcome(app->jobs, id, &oc, &err)) ||
        (rc = jobs_status(app->jobs, id, &st, &err))) {
        http_res_from_err(res, &err);
        return;
    }
    if (oc.state == JOBS_DONE) {
        json_t *out = json_deep_copy(json_object_get(st, "result"));
        json_object_set_new(out, "job_id", json_string(id));
        http_res_json(res, 200, out);
    } else {
        respond_failed(res, st, id);
    }
    json_decref(st);
}

/* The catalog is open (app_open opens it; a harness may serve without it);
 * -1 after writing the 503. */
static int ready(struct app *app, struct http_response *res)
{
    if (app->catalog)
        return 0;
    http_res_error(res, KRS_UNAVAILABLE, "the catalog pipeline is not running");
    return -1;
}

void api_catalog_ai(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct parsed p = {0};
    struct kr_err err = {0};
    json_t *params = NULL, *items = NULL;
    char client[ADMIT_CLIENT_LEN];

    if (ready(app, res) || api__admit(app, APP_WORK_JOBS, req, res, client))
        return;
    if (parse_common(app, req, res, &p)) {
        api__release(app, APP_WORK_JOBS, client);
    } else if (catalog_job_input(app->catalog, &p.r, &params, &items, &err) ||
               store_uploads(app, &p.up, &err)) {
        http_res_from_err(res, &err);
        api__release(app, APP_WORK_JOBS, client);
    } else {
        respond_job(app, req, res, &(struct jobs_submit_req){client, CATALOG_JOB, params, items});
    }
    json_decref(params);
    json_decref(items);
    parsed_free(&p);
}

/* "3,2" -> [3, 2]; 400 on anything but positive integers. */
static enum kr_code int_list(json_t *strings, json_t *out, struct kr_err *err)
{
    size_t i;
    json_t *v;

    json_array_foreach(strings, i, v)
    {
        char *end;
        long n = strtol(json_string_value(v), &end, 10);
        if (*end || n < 1 || n > 1000)
            return kr_fail(err, KRS_BAD_GROUP_SIZES,
                           "group_sizes must be positive integers, got '%s'", json_string_value(v));
        json_array_append_new(out, json_integer(n));
    }
    return KR_OK;
}

void api_catalog_variations(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct parsed p = {0};
    struct kr_err err = {0};
    struct catalog_var_req vr;
    json_t *sizes_s = json_array(), *cats = json_array(), *sizes = json_array(),
           *ints = json_array(), *params = NULL, *items = NULL;
    enum kr_code rc;
    char client[ADMIT_CLIENT_LEN];

    if (ready(app, res) || api__admit(app, APP_WORK_JOBS, req, res, client))
        goto out;
    if (parse_common(app, req, res, &p)) {
        api__release(app, APP_WORK_JOBS, client);
        goto out;
    }
    rc = catalog_list_arg(arg(req, p.body, "group_sizes", p.tmp), 256, 8, "group_sizes", sizes_s,
                          &err);
    if (!rc)
        rc = int_list(sizes_s, ints, &err);
    if (!rc)
        rc = catalog_list_arg(arg(req, p.body, "variations_category", p.tmp), 256, 16,
                              "variations_category", cats, &err);
    if (!rc)
        rc = catalog_list_arg(arg(req, p.body, "size_available", p.tmp), CATALOG_MAX_SIZES, 64,
                              "size_available", sizes, &err);
    vr = (struct catalog_var_req){p.r, ints, cats, sizes};
    if (!rc)
        rc = catalog_variations_input(app->catalog, &vr, &params, &items, &err);
    if (!rc) /* every argument checked: only now are the uploads written */
        rc = store_uploads(app, &p.up, &err);
    if (rc) {
        http_res_from_err(res, &err);
        api__release(app, APP_WORK_JOBS, client);
    } else {
        respond_job(app, req, res,
                    &(struct jobs_submit_req){client, CATALOG_VARIATIONS_JOB, params, items});
    }
out:
    parsed_free(&p);
    json_decref(params);
    json_decref(items);
    json_decref(sizes_s);
    json_decref(cats);
    json_decref(sizes);
    json_decref(ints);
}

/*
 * Templates: the seller's own marketplace templates and jobs:
 *   POST /templates/{marketplace}/{type}  upload an .xlsx (multipart "file")
 *   GET  /templates/{marketplace}/{type}  what is stored
 *   POST /clear_excel_file                reset the stored template's data rows
 *                                          (JSON or form: type, marketplace)
 *   GET  /jobs/{id}                       a job's progress, items and files
 *
 * The original had /clear_excel_file unrouted and called the clear helper
 * at the start of every /catalog-ai request, before anything was
 * processed; here clearing is an explicit request
 * and catalog jobs never modify the stored template (catalog/request.c).
 */

/* A template call's error; "busy" (all template slots taken) says when to
 * come back. */
void api_template_put(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    const struct http_file *f = http_req_file(req, "file");
    struct kr_err err = {0};
    json_t *doc = NULL;
    char client[ADMIT_CLIENT_LEN];
    char name[256];

    if (ready(app, res))
        return;
    if (!f && !http_req_files(req, NULL, &f, 1)) {
        http_res_error(res, http_req_is_form(req) ? KRS_MISSING_FILE : KRS_UNSUPPORTED_MEDIA_TYPE,
                       "send the .xlsx template as multipart/form-data in the field 'file'");
        return;
    }
    api__display_name(f->filename, name, sizeof name);
    if (api__admit(app, APP_WORK_TEMPLATE, req, res, client))
        return;
    struct catalog_template_upload up = {http_req_param(req, "marketplace"),
                                         http_req_param(req, "type"), f->data, f->len, name};
    if (catalog_template_put(app->catalog, &up, &doc, &err))
        http_res_from_err(res, &err);
    else
        http_res_json(res, 201, doc);
    api__release(app, APP_WORK_TEMPLATE, client);
}

void api_template_get(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct kr_err err = {0};
    json_t *doc = NULL;

    if (ready(app, res))
        return;
    if (catalog_template_get(app->catalog, http_req_param(req, "marketplace"),
                             http_req_param(req, "type"), &doc, &err)) {
        http_res_from_err(res, &err);
        return;
    }
    http_res_json(res, 200, doc);
}

void api_clear_excel_file(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct kr_err err = {0};
    json_t *body = NULL, *doc = NULL;
    const char *type, *mp;
    char client[ADMIT_CLIENT_LEN];
    enum kr_code rc;

    if (ready(app, res))
        return;
    if (!http_req_is_form(req) && http_req_body(req)->len && !(body = http_req_json(req, res)))
        return;
    type = body ? json_string_value(json_object_get(body, "type")) : http_req_arg(req, "type");
    mp = body ? json_string_value(json_object_get(body, "marketplace"))
              : http_req_arg(req, "marketplace");
    if (!type || !mp) {
        http_res_error(res, KRS_MISSING_FIELD, "type and marketplace are required");
        return;
    }
    if (api__admit(app, APP_WORK_TEMPLATE, req, res, client))
        return;
    rc = catalog_template_clear(app->catalog, mp, type, &doc, &err);
    api__release(app, APP_WORK_TEMPLATE, client);
    if (rc) {
        http_res_from_err(res, &err);
        return;
    }
    json_object_set_new(
        doc, "message",
        json_sprintf("Cleared rows from row %d in %s",
                     (int)json_integer_value(json_object_get(doc, "cleared_from_row")),
                     json_string_value(json_object_get(doc, "filename"))));
    json_object_set(doc, "excel_file", json_object_get(doc, "url"));
    http_res_json(res, 200, doc);
}

void api_job_status(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct kr_err err = {0};
    json_t *st = NULL, *result;

    if (!app->jobs) {
        http_res_error(res, KRS_UNAVAILABLE, "the job runner is not running");
        return;
    }
    if (jobs_status(app->jobs, http_req_param(req, "id"), &st, &err)) {
        http_res_from_err(res, &err);
        return;
    }
    result = json_object_get(st, "result"); /* the file URLs at the top, as clients expect */
    if (json_object_get(result, "excel_file"))
        json_object_set(st, "excel_file", json_object_get(result, "excel_file"));
    if (json_object_get(result, "csv_file"))
        json_object_set(st, "csv_file", json_object_get(result, "csv_file"));
    http_res_json(res, 200, st);
}
