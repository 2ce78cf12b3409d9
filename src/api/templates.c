/*
 * templates.c - the seller's own marketplace templates and jobs:
 *   POST /templates/{marketplace}/{type}  upload an .xlsx (multipart "file")
 *   GET  /templates/{marketplace}/{type}  what is stored
 *   POST /clear_excel_file                reset the stored template's data rows
 *                                          (JSON or form: type, marketplace)
 *   GET  /jobs/{id}                       a job's progress, items and files
 *
 * The original had /clear_excel_file unrouted and called the clear helper
 * at the start of every /catalog-ai request, before anything was processed
 * (SEED_SYSTEM.md §3.4, §9 item 33); here clearing is an explicit request
 * and catalog jobs never modify the stored template (catalog/templates.c).
 */
#include "api/api_int.h"

#include <string.h>

#include "catalog/catalog.h"
#include "jobs/jobs.h"

static int have_catalog(struct api_app *app, struct http_response *res)
{
    if (app->catalog)
        return 1;
    http_res_error(res, 503, "unavailable", "the catalog pipeline is not running");
    return 0;
}

void api_template_put(struct http_request *req, struct http_response *res, void *app_)
{
    struct api_app *app = app_;
    const struct http_file *f = http_req_file(req, "file");
    struct kr_err err = {0};
    json_t *doc = NULL;

    if (!have_catalog(app, res))
        return;
    if (!f && !http_req_files(req, NULL, &f, 1)) {
        http_res_error(res, http_req_is_form(req) ? 400 : 415, "missing_file",
                       "send the .xlsx template as multipart/form-data in the field 'file'");
        return;
    }
    if (catalog_template_put(app->catalog, http_req_param(req, "marketplace"),
                             http_req_param(req, "type"), f->data, f->len, f->filename, &doc,
                             &err)) {
        http_res_from_err(res, &err);
        return;
    }
    http_res_json(res, 201, doc);
}

void api_template_get(struct http_request *req, struct http_response *res, void *app_)
{
    struct api_app *app = app_;
    struct kr_err err = {0};
    json_t *doc = NULL;

    if (!have_catalog(app, res))
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
    struct api_app *app = app_;
    struct kr_err err = {0};
    json_t *body = NULL, *doc = NULL;
    const char *type, *mp;

    if (!have_catalog(app, res))
        return;
    if (!http_req_is_form(req) && http_req_body(req)->len && !(body = http_req_json(req, res)))
        return;
    type = body ? json_string_value(json_object_get(body, "type")) : http_req_arg(req, "type");
    mp = body ? json_string_value(json_object_get(body, "marketplace"))
              : http_req_arg(req, "marketplace");
    if (!type || !mp) {
        http_res_error(res, 400, "missing_field", "type and marketplace are required");
        return;
    }
    if (catalog_template_clear(app->catalog, mp, type, &doc, &err)) {
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
    struct api_app *app = app_;
    struct kr_err err = {0};
    json_t *st = NULL, *result;

    if (!app->jobs) {
        http_res_error(res, 503, "unavailable", "the job runner is not running");
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
