/*
 * studio.c - POST /generate-images and POST /regenerate-image (the
 * original's image-studio endpoints), on top of studio/.
 *
 * The source photo must be one of Karat's own files: it is read through
 * repo_read_url() from the blob store, never fetched over HTTP (the original
 * fetched any caller URL: SSRF). Generated images and ZIPs go to S3_BUCKET
 * under gen_images/ with names the studio makes unique per request; the
 * regeneration endpoint accepts only URLs of such files (the original let a
 * caller delete or overwrite any key). Request fields and response keys are
 * the original's; the extra ones are documented in docs/API.md.
 */
#include "api/api_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "studio/studio.h"

#define GEN_PREFIX "gen_images/"

/* ---- the repo as a studio store: S3_BUCKET/gen_images/<name> ---- */

struct repo_store {
    struct studio_store base;
    struct repo *repo;
    const char *bucket;
};

static enum kr_code rs_put(struct studio_store *s, const struct studio_file *f, char *url,
                           size_t url_len, struct kr_err *err)
{
    struct repo_store *r = (struct repo_store *)s;
    char key[300];
    enum kr_code rc;
    if (util_fmt(key, sizeof key, GEN_PREFIX "%s", f->name))
        return kr_fail(err, KRS_BAD_NAME, "output name too long");
    rc = repo_put_file(r->repo, r->bucket, key, f->data, f->len, err);
    if (!rc)
        repo_url_for(r->repo, r->bucket, key, url, url_len);
    return rc;
}

static enum kr_code rs_name_of(struct studio_store *s, const char *url, char *name, size_t n,
                               struct kr_err *err)
{
    struct repo_store *r = (struct repo_store *)s;
    struct repo_object o;
    enum kr_code rc = repo_parse_url(r->repo, url, &o, err);
    const char *key = o.key;
    if (rc || strcmp(o.bucket, r->bucket) != 0 || strncmp(key, GEN_PREFIX, strlen(GEN_PREFIX)) ||
        strchr(key + strlen(GEN_PREFIX), '/'))
        return kr_fail(err, KRS_NOT_GENERATED_FILE,
                       "%.200s is not a file Karat generated (%s/" GEN_PREFIX "...)",
                       url ? url : "(none)", r->bucket);
    util_strlcpy(name, key + strlen(GEN_PREFIX), n);
    return KR_OK;
}

static enum kr_code rs_get(struct studio_store *s, const char *url, struct buf *out,
                           struct kr_err *err)
{
    struct repo_store *r = (struct repo_store *)s;
    char name[256];
    enum kr_code rc = rs_name_of(s, url, name, sizeof name, err);
    return rc ? rc : repo_read_url(r->repo, url, out, err);
}

static void rs_close(struct studio_store *s)
{
    (void)s; /* lives on the handler's stack */
}

static const struct studio_store_ops repo_store_ops = {rs_put, rs_get, rs_name_of, rs_close};

static void store_init(struct repo_store *s, struct app *app)
{
    s->base.ops = &repo_store_ops;
    s->repo = app->repo;
    s->bucket = app->cfg->default_bucket;
}

/* ---- the source photo ---- */

/* The source photo a request names: its bytes, its file name, and the two
 * as the studio takes them (src points into the other fields). */
struct source_photo {
    struct buf bytes;
    char name[256];
    struct studio_source src;
};

/* Read the Karat file URL in request field `field` into p (release p->bytes
 * in every case); -1 after writing the error response. */
static int read_source(struct app *app, const char *url, const char *field, struct source_photo *p,
                       struct http_response *res)
{
    struct buf *b = &p->bytes;
    struct repo_object o;
    const char *key = o.key;
    struct kr_err err;
    enum kr_code rc;

    buf_init(b, (size_t)app->cfg->max_upload_bytes);
    rc = repo_parse_url(app->repo, url, &o, &err);
    if (rc) {
        http_res_error(res, KRS_NOT_KARAT_URL,
                       "%s must be a Karat file URL (.../files/BUCKET/KEY); Karat does not fetch "
                       "other URLs",
                       field);
        return -1;
    }
    rc = repo_read_url(app->repo, url, b, &err);
    if (rc == KR_ENOTFOUND) {
        http_res_error(res, KRS_SOURCE_NOT_FOUND, "Failed to fetch image from URL: %.300s", url);
        return -1;
    }
    if (rc) {
        http_res_from_err(res, &err);
        return -1;
    }
    util_strlcpy(p->name, strrchr(key, '/') ? strrchr(key, '/') + 1 : key, sizeof p->name);
    p->src = (struct studio_source){b->data, b->len, url, p->name};
    return 0;
}

/* s3_urls: one URL, as a string or a one-element list. */
static const char *source_url(json_t *body)
{
    json_t *v = json_object_get(body, "s3_urls");
    if (json_is_array(v) && json_array_size(v) == 1)
        v = json_array_get(v, 0);
    return json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) < 2048
               ? json_string_value(v)
               : NULL;
}

void api_generate_images(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct studio_env env;
    struct studio_request sr;
    struct source_photo photo;
    struct repo_store st;
    json_t *body = http_req_json(req, res), *out = NULL;
    const char *url;
    struct kr_err err;
    char client[ADMIT_CLIENT_LEN];

    if (!body)
        return;
    studio_env_from_config(app->cfg, app->ai, NULL, &env);
    url = source_url(body);
    if (!url) {
        http_res_error(res, KRS_MISSING_S3_URLS, "s3_urls must hold the photo's Karat URL");
        return;
    }
    env.pool = app->pool;
    if (studio_request_from_json(body, &env, &sr, &err)) {
        http_res_from_err(res, &err);
        return;
    }
    if (api__admit(app, APP_WORK_STUDIO, req, res, client))
        return;
    if (read_source(app, url, "s3_urls", &photo, res))
        goto out;
    store_init(&st, app);
    if (studio_generate(&env, &photo.src, &sr, &st.base, &out, &err))
        http_res_from_err(res, &err);
    else
        http_res_json(res, 200, out);
out:
    buf_release(&photo.bytes);
    api__release(app, APP_WORK_STUDIO, client);
}

/* The optional form fields of /regenerate-image; -1 after writing a 400. */
static int regen_options(struct http_request *req, struct http_response *res,
                         struct studio_regen_request *rq)
{
    const char *pt = http_req_arg(req, "product_type"), *v;
    struct kr_err err;

    if (api__int_arg(req, res, &(struct api_int_spec){"prompt_index", -1, 0, 63},
                     &rq->prompt_index))
        return -1;
    if (!pt || studio_product_parse(pt, &rq->product, &err) || rq->prompt_index < 0) {
        http_res_error(res, KRS_INVALID_ARGUMENT, "Invalid product_type or prompt_index");
        return -1;
    }
    if (((v = http_req_arg(req, "height")) && *v && studio_length_parse(v, &rq->height, &err)) ||
        ((v = http_req_arg(req, "width")) && *v && studio_length_parse(v, &rq->width, &err))) {
        http_res_from_err(res, &err);
        return -1;
    }
    if (api__bool_arg(req, res, "shadow", 0, &rq->shadow))
        return -1;
    v = http_req_arg(req, "marketplace");
    util_strlcpy(rq->marketplace, v && *v ? v : STUDIO_MARKETPLACE, sizeof rq->marketplace);
    return 0;
}

void api_regenerate_image(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct studio_env env;
    struct studio_regen_request rq = {0};
    struct source_photo photo;
    struct repo_store st;
    const char *orig = http_req_arg(req, "original_image_url");
    json_t *out = NULL;
    struct kr_err err;
    char client[ADMIT_CLIENT_LEN];

    studio_env_from_config(app->cfg, app->ai, NULL, &env); /* one image: no pool needed */
    rq.old_generated_url = http_req_arg(req, "old_generated_url");
    rq.old_zip_url = http_req_arg(req, "old_zip_url");
    if (!orig || !*orig || !rq.old_generated_url || !*rq.old_generated_url || !rq.old_zip_url ||
        !*rq.old_zip_url) {
        http_res_error(res, KRS_MISSING_FIELD,
                       "original_image_url, old_generated_url, old_zip_url, product_type and "
                       "prompt_index are required");
        return;
    }
    if (regen_options(req, res, &rq) || api__admit(app, APP_WORK_STUDIO, req, res, client))
        return;
    if (read_source(app, orig, "original_image_url", &photo, res))
        goto out;
    store_init(&st, app);
    if (studio_regenerate(&env, &photo.src, &rq, &st.base, &out, &err))
        http_res_from_err(res, &err);
    else
        http_res_json(res, 200, out);
out:
    buf_release(&photo.bytes);
    api__release(app, APP_WORK_STUDIO, client);
}
