/*
 * library.c - what the browser app needs besides the original's endpoints:
 * GET /images (the stored photos, newest first), GET /thumbs/{bucket}/{key}
 * (a small JPEG of a stored image, so pages never load 12 MP originals),
 * GET /status (providers, whether their keys are set, backends, counts) and
 * GET /jobs (the requesting client's most recent jobs, newest first).
 *
 * The listings are the repo's and the jobs' verbs (repo_recent_images,
 * jobs_recent); this file only reads arguments and shapes JSON.
 *
 * Bounds: a listing returns at most 200 photos from the newest 2000; a
 * thumbnail's longest side is one of 64, 128, 256 or 512 px. /status says
 * whether provider keys are set, never their values.
 */
#include "api/api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai.h"
#include "blob/blob.h"
#include "core/util.h"
#include "image/image.h"
#include "jobs/jobs.h"
#include "repo/repo.h"

#define LIST_WINDOW REPO_RECENT_MAX

static json_t *image_json(const struct store_image *img)
{
    char thumb[1400];
    json_t *o = json_object();

    snprintf(thumb, sizeof thumb, "/thumbs/%s/%s?w=256", img->bucket, img->key);
    json_object_set_new(o, "id", json_integer(img->id));
    json_object_set_new(o, "s3_url", json_string(img->url));
    json_object_set_new(o, "thumb_url", json_string(thumb));
    json_object_set_new(o, "website", json_string(img->website));
    json_object_set_new(o, "filename", json_string(img->filename));
    json_object_set_new(o, "width", json_integer(img->width));
    json_object_set_new(o, "height", json_integer(img->height));
    json_object_set_new(o, "bytes", json_integer(img->bytes));
    json_object_set_new(o, "created_ms", json_integer(img->created_ms));
    return o;
}

void api_list_images(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct repo_recent l = {0};
    struct kr_err err = {0};
    char bucket[64];
    int limit, offset;
    const char *site = http_req_query(req, "website");
    json_t *arr, *o;

    if (api__int_arg(req, res, &(struct api_int_spec){"limit", 50, 1, 200}, &limit) ||
        api__int_arg(req, res, &(struct api_int_spec){"offset", 0, 0, LIST_WINDOW - 200}, &offset))
        return;
    if (site && *site) {
        if (api_bucket_arg(app, req, res, bucket, sizeof bucket))
            return;
        l.bucket = bucket;
    }
    l.want = (size_t)(limit + offset);
    l.rows = calloc(l.want, sizeof *l.rows);
    if (!l.rows) {
        http_res_error(res, KRS_OUT_OF_MEMORY, "out of memory");
        return;
    }
    if (repo_recent_images(app->repo, &l, &err)) {
        free(l.rows);
        http_res_from_err(res, &err);
        return;
    }
    arr = json_array();
    for (size_t i = (size_t)offset; i < l.n; i++)
        json_array_append_new(arr, image_json(&l.rows[i]));
    free(l.rows);
    o = json_pack("{s:o, s:I, s:i, s:i}", "images", arr, "indexed",
                  (json_int_t)repo_index_count(app->repo), "limit", limit, "offset", offset);
    http_res_json(res, 200, o);
}

static int thumb_width(struct http_request *req, struct http_response *res)
{
    int w;

    if (api__int_arg(req, res, &(struct api_int_spec){"w", 256, 64, 512}, &w))
        return -1;
    if (w == 64 || w == 128 || w == 256 || w == 512)
        return w;
    http_res_error(res, KRS_INVALID_ARGUMENT, "w must be 64, 128, 256 or 512");
    return -1;
}

void api_thumb(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    const char *bucket = http_req_param(req, "bucket"), *key = http_req_param(req, "key");
    struct image_load_opts lo = {0};
    struct image_px px = {0};
    struct kr_err err = {0};
    unsigned char *jpg = NULL;
    size_t jpg_len = 0;
    struct buf b;
    char sha[65];
    int w = thumb_width(req, res);

    if (w < 0)
        return;
    if (!bucket || !key || !config_bucket_known(app->cfg, bucket) || !blob_name_ok(key, 1)) {
        http_res_error(res, KRS_NOT_FOUND, "no such file");
        return;
    }
    buf_init(&b, (size_t)app->cfg->max_upload_bytes * 8);
    lo.max_side = w;
    lo.max_pixels = app->cfg->max_pixels;
    if (repo_get_file(app->repo, bucket, key, &b, sha, &err) ||
        image_load(b.data, b.len, &lo, &px, NULL, &err) ||
        image_encode(&px, "jpeg", 82, &jpg, &jpg_len, &err)) {
        if (err.code == KR_ENOTFOUND)
            http_res_error(res, KRS_NOT_FOUND, "no such file");
        else
            http_res_from_err(res, &err);
        goto out;
    }
    snprintf(res->etag, sizeof res->etag, "\"%.32s-%d\"", sha, w);
    snprintf(res->extra_headers, sizeof res->extra_headers,
             "Cache-Control: private, max-age=86400\r\n");
    http_res_bytes(res, 200, "image/jpeg", jpg, jpg_len);
out:
    free(jpg);
    image_px_release(&px);
    buf_release(&b);
}

void api_list_jobs(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    char owner[ADMIT_CLIENT_LEN];
    struct kr_err err = {0};
    json_t *jobs = NULL;
    int limit;

    if (api__int_arg(req, res, &(struct api_int_spec){"limit", 10, 1, JOBS_RECENT_MAX}, &limit))
        return;
    if (!app->jobs) {
        http_res_error(res, KRS_UNAVAILABLE, "the job runner is not running");
        return;
    }
    http_req_client(req, owner, sizeof owner);
    if (jobs_recent(app->jobs, owner, (size_t)limit, &jobs, &err)) {
        http_res_from_err(res, &err);
        return;
    }
    http_res_json(res, 200, json_pack("{s:o}", "jobs", jobs));
}

static const char *provider(struct app *app, enum ai_role role)
{
    return app->ai ? ai_provider_name(app->ai, role) : "none";
}

static json_t *keys_json(void)
{
    char *keys[8];
    int gemini = config_env_key_pool("GOOGLE_API_KEY", keys, 8);
    int openai = config_env_key_pool("OPENAI_API_KEY", keys, 8) +
                 config_env_key_pool("API_KEY_GPT", keys, 8);
    return json_pack("{s:b, s:b}", "gemini", gemini > 0, "openai", openai > 0);
}

void api_status(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    const struct config *c = app->cfg;
    json_t *o;
    (void)req;

    o = json_pack("{s:s, s:I, s:I, s:{s:s, s:s, s:s}, s:o, s:{s:s, s:s, s:s}, s:s, s:s, s:s}",
                  "service", "karat", "images_indexed", (json_int_t)repo_index_count(app->repo),
                  "duplicates_found", (json_int_t)repo_duplicates_found(app->repo), "providers",
                  "attributes", provider(app, AI_ROLE_ATTR), "copy",
                  provider(app, AI_ROLE_COPY), "image",
                  provider(app, AI_ROLE_IMAGE), "keys_configured", keys_json(),
                  "backends", "store", c->store_backend, "blob", c->blob_backend, "index",
                  c->index_backend, "buckets", c->buckets, "default_bucket", c->default_bucket,
                  "auth", c->api_keys && *c->api_keys ? "api_keys" : "off");
    if (!o) {
        http_res_error(res, KRS_INTERNAL, "could not build the status");
        return;
    }
    http_res_json(res, 200, o);
}
