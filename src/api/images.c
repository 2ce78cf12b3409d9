/*
 * images.c - uploading photos with duplicate detection, similarity search
 * and deletion: the original's upload and delete endpoints, plus
 * /upload-and-index and /image-search, which the original's documentation
 * named but its server never had.
 *
 * Each handler validates its arguments first, so bad input changes nothing;
 * the store/blob/index work is one call into repo/.
 */
#include "api/api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* Common front half of the two upload endpoints. */
struct upload {
    const struct http_file *file;
    char bucket[64];
    const char *website;
    char name[256];
};

static int read_upload(struct app *app, struct http_request *req, struct http_response *res,
                       struct upload *up)
{
    if (api_bucket_arg(app, req, res, up->bucket, sizeof up->bucket))
        return -1;
    up->website = http_req_arg(req, "website");
    if (!up->website || !*up->website)
        up->website = "alya";
    if (api__image_file(req, res, "file", &up->file))
        return -1;
    api__display_name(up->file->filename, up->name, sizeof up->name);
    return 0;
}

static enum kr_code ingest(struct app *app, const struct upload *up, int check, int top_k,
                           struct repo_ingest_res *out, struct kr_err *err)
{
    struct repo_ingest_req in = {
        .data = up->file->data,
        .len = up->file->len,
        .filename = up->name,
        .bucket = up->bucket,
        .website = up->website,
        .check_duplicate = check,
        .top_k = top_k,
    };
    return repo_ingest(app->repo, &in, out, err);
}

static json_t *duplicate_json(const struct repo_ingest_res *r)
{
    json_t *o = json_object(), *arr = json_array();
    for (int i = 0; i < r->nmatches; i++)
        json_array_append_new(arr, api__match_json(&r->matches[i], 0));
    json_object_set_new(o, "duplicate_found", json_true());
    json_object_set_new(o, "results", arr);
    return o;
}

void api_image_similarity_search(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct upload up;
    struct repo_ingest_res r;
    struct kr_err err = {0};
    int top_k, check;
    json_t *o;

    if (api__int_arg(req, res, &(struct api_int_spec){"top_k", 1, 1, 16}, &top_k) ||
        api__bool_arg(req, res, "check_duplicate", 1, &check) || read_upload(app, req, res, &up))
        return;
    if (ingest(app, &up, check, top_k, &r, &err)) {
        http_res_from_err(res, &err);
        return;
    }
    if (r.duplicate) {
        http_res_json(res, 200, duplicate_json(&r));
        return;
    }
    o = json_object();
    json_object_set_new(o, "duplicate_found", json_false());
    if (!check)
        json_object_set_new(o, "duplicate_check", json_string("skipped"));
    json_object_set_new(o, "image_name", json_string(up.name));
    json_object_set_new(o, "s3_url", json_string(r.image.url));
    json_object_set_new(o, "id", json_integer(r.image.id));
    http_res_json(res, 200, o);
}

void api_upload_and_index(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct upload up;
    struct repo_ingest_res r;
    struct kr_err err = {0};
    json_t *o;

    if (read_upload(app, req, res, &up))
        return;
    if (ingest(app, &up, 0, 1, &r, &err)) {
        http_res_from_err(res, &err);
        return;
    }
    o = json_object();
    json_object_set_new(o, "s3_url", json_string(r.image.url));
    json_object_set_new(o, "indexed", json_true());
    json_object_set_new(o, "id", json_integer(r.image.id));
    http_res_json(res, 200, o);
}

void api_image_search(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    const struct http_file *f;
    struct repo_match hits[64];
    struct kr_err err = {0};
    int top_k, n = 0;
    json_t *arr, *o;

    if (api__int_arg(req, res, &(struct api_int_spec){"top_k", 5, 1, REPO_SEARCH_MAX}, &top_k) ||
        api__image_file(req, res, "file", &f))
        return;
    if (repo_search(app->repo, &(struct repo_search_req){f->data, f->len, top_k}, hits, &n, &err)) {
        http_res_from_err(res, &err);
        return;
    }
    arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, api__match_json(&hits[i], 1));
    o = json_object();
    json_object_set_new(o, "results", arr);
    http_res_json(res, 200, o);
}

/* One URL of a /delete_image list -> its per-URL result object. A failure
 * of Karat's own (5xx: the store or disk) is kept in *failed so the answer
 * never reads as "not found" when nothing could be deleted. */
static json_t *delete_one(struct app *app, const char *url, int *deleted, struct kr_err *failed)
{
    struct kr_err err = {0};
    json_t *o = json_object();

    json_object_set_new(o, "s3_url", json_string(url));
    if (repo_delete_url(app->repo, url, NULL, &err) == KR_OK) {
        json_object_set_new(o, "deleted", json_true());
        (*deleted)++;
    } else {
        json_object_set_new(o, "deleted", json_false());
        json_object_set_new(o, "error", json_string(err.msg));
        json_object_set_new(o, "code", json_string(kr_slug_text(err.slug_id)));
        if (kr_slug_status(err.slug_id) >= 500)
            *failed = err;
    }
    return o;
}

void api_delete_image(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    json_t *body = http_req_json(req, res), *results, *o;
    const char *list;
    char *copy, *save = NULL;
    int total = 0, deleted = 0;
    struct kr_err failed = {0};

    if (!body)
        return;
    list = json_string_value(json_object_get(body, "s3_url"));
    if (!list || strspn(list, " \t,") == strlen(list)) {
        http_res_error(res, KRS_MISSING_FIELD,
                       "s3_url (a comma-separated list of URLs) is required");
        return;
    }
    copy = strdup(list);
    results = json_array();
    for (char *t = strtok_r(copy, ",", &save); t && total < app->cfg->max_batch;
         t = strtok_r(NULL, ",", &save)) {
        char *u = util_trim(t);
        if (!*u)
            continue;
        total++;
        json_array_append_new(results, delete_one(app, u, &deleted, &failed));
    }
    free(copy);
    o = json_object();
    json_object_set_new(o, "status", json_string(deleted == total && total ? "success"
                                                 : deleted ? "partial" : "failed"));
    json_object_set_new(o, "results", results);
    if (!deleted && failed.code) {
        api__error_fields(o, failed.msg, failed.slug_id);
    } else if (!deleted) {
        failed.slug_id = KRS_NOT_FOUND;
        api__error_fields(o, "Image not found", KRS_NOT_FOUND);
    }
    http_res_json(res, deleted ? 200 : kr_slug_status(failed.slug_id), o);
}
