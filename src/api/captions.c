/*
 * captions.c - /generate_caption, /regenerate and /regenerate_title (the
 * original's caption endpoints, same fields), plus api_caption_json(), the caption's
 * wire form, which `karat caption` shares so the CLI prints the same JSON.
 *
 * /generate_caption checks its arguments (website, type, a file, the AI
 * layer) and hands the photo to caption/ (probe -> duplicate check and
 * store -> describe); this file only shapes the answer. A duplicate answers
 * {display_name, s3_url, duplicate: "duplicate found"} and stores nothing. If
 * captioning fails after the photo was stored, the answer is a JSON error
 * that carries the stored s3_url, so the client can retry the caption
 * without uploading a copy. Response keys are the original's.
 */
#include "api/api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai.h"
#include "caption/caption.h"
#include "core/util.h"

#define MAX_TEXT_ARG 4000

json_t *api_caption_json(const struct caption_result *c, const char *type)
{
    json_t *o = json_object();
    char *attr_text = json_dumps(c->attributes, JSON_COMPACT);
    char quality[2] = {c->grade, 0};

    json_object_set_new(o, "generated_name", json_string(c->name));
    json_object_set_new(o, "quality", json_string(quality));
    json_object_set_new(o, "description", json_string(c->description));
    json_object_set(o, "attributes", c->attributes);
    json_object_set_new(o, "prompt",
                        json_sprintf("Write a catchy one-line listing description for the %s "
                                     "described here. Caption: \"%s\" Attributes: %s",
                                     type, c->description, attr_text ? attr_text : "[]"));
    json_object_set_new(o, "color", json_string(c->colour));
    free(attr_text);
    return o;
}

static int want_check(const char *v)
{
    return !v || !*v || util_streq_ci(v, "yes") || util_parse_bool(v) == 1;
}

static void reply_duplicate(struct http_response *res, const struct repo_match *m)
{
    const char *slash = strrchr(m->url, '/');
    json_t *o = json_object();
    json_object_set_new(o, "display_name",
                        json_string(m->filename[0] ? m->filename
                                    : slash        ? slash + 1
                                                   : m->url));
    json_object_set_new(o, "s3_url", json_string(m->url));
    json_object_set_new(o, "duplicate", json_string("duplicate found"));
    http_res_json(res, 200, o);
}

static void reply_caption_failed(struct http_response *res, const struct kr_err *err,
                                 const char *name, const char *url)
{
    json_t *o =
        json_pack("{s:s,s:s,s:s,s:s,s:b}", "error", err->msg, "code", kr_slug_text(err->slug_id),
                  "display_name", name, "s3_url", url, "stored", 1);
    http_res_json(res, kr_slug_status(err->slug_id), o);
}

void api_generate_caption(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    const struct http_file *f;
    const char *type = http_req_arg(req, "type"), *site = http_req_arg(req, "website");
    char bucket[64], name[256];
    struct caption_outcome o;
    struct kr_err err = {0};
    json_t *cap;

    if (api__caption_legacy(app, req, res))
        return;
    if (api_bucket_arg(app, req, res, bucket, sizeof bucket))
        return;
    if (!type || !*type || strlen(type) > 100) {
        http_res_error(res, KRS_MISSING_FIELD,
                       "type is required (e.g. earrings), at most 100 characters");
        return;
    }
    if (api__image_file(req, res, "file", &f))
        return;
    if (!app->ai) {
        http_res_error(res, KRS_AI_UNAVAILABLE, "the AI layer is not configured");
        return;
    }
    api__display_name(f->filename, name, sizeof name);
    struct caption_req cr = {.data = f->data,
                             .len = f->len,
                             .type = type,
                             .filename = name,
                             .bucket = bucket,
                             .website = site && *site ? site : "alya",
                             .check_duplicate = want_check(http_req_arg(req, "check_duplicate"))};
    if (caption_photo(app->ai, app->repo, app->cfg->max_pixels, &cr, &o, &err)) {
        if (o.stored)
            reply_caption_failed(res, &err, name, o.url);
        else
            http_res_from_err(res, &err);
    } else if (o.duplicate) {
        reply_duplicate(res, &o.match);
    } else {
        app_note_caption(app, o.url, &o.caption, type); /* the photo is a product now */
        cap = api_caption_json(&o.caption, type);
        json_object_set_new(cap, "display_name", json_string(name));
        json_object_set_new(cap, "s3_url", json_string(o.url));
        http_res_json(res, 200, cap);
    }
    caption_result_free(&o.caption);
}

/* A required, bounded text form field into *out; -1 after writing the 400 or 413. */
static int text_arg(struct http_request *req, struct http_response *res, const char *n,
                    const char **out)
{
    const char *v = http_req_arg(req, n);
    if (!v || !*v) {
        http_res_error(res, KRS_MISSING_FIELD, "%s is required", n);
        return -1;
    }
    if (strlen(v) > MAX_TEXT_ARG) {
        http_res_error(res, KRS_TOO_LARGE, "%s is longer than %d bytes", n, MAX_TEXT_ARG);
        return -1;
    }
    *out = v;
    return 0;
}

/* The original answers these two with a bare JSON string. */
static void reply_text(struct http_response *res, enum kr_code rc, const struct kr_err *err,
                       json_t *out, const char *key)
{
    json_t *s = json_object_get(out, key);
    char *body;
    if (rc || !json_is_string(s)) {
        struct kr_err e = *err;
        if (!rc)
            kr_fail(&e, KRS_BAD_MODEL_REPLY, "the model returned no text");
        http_res_from_err(res, &e);
        json_decref(out);
        return;
    }
    body = json_dumps(s, JSON_ENCODE_ANY);
    http_res_bytes(res, 200, "application/json", body, body ? strlen(body) : 0);
    free(body);
    json_decref(out);
}

void api_regenerate(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    const char *prev, *style;
    json_t *out = NULL;
    struct kr_err err = {0};
    enum kr_code rc;
    if (text_arg(req, res, "previous_prompt", &prev) || text_arg(req, res, "style", &style))
        return;
    if (!app->ai) {
        http_res_error(res, KRS_AI_UNAVAILABLE, "the AI layer is not configured");
        return;
    }
    struct ai_copy_req cr = {.kind = AI_COPY_REWRITE, .previous = prev, .style = style};
    rc = ai_copy(app->ai, &cr, &out, &err);
    reply_text(res, rc, &err, out, "text");
}

void api_regenerate_title(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    const char *prev, *color, *attrs;
    json_t *out = NULL, *a;
    struct kr_err err = {0};
    enum kr_code rc;
    if (text_arg(req, res, "previous_title", &prev) || text_arg(req, res, "color", &color) ||
        text_arg(req, res, "attributes", &attrs))
        return;
    if (!app->ai) {
        http_res_error(res, KRS_AI_UNAVAILABLE, "the AI layer is not configured");
        return;
    }
    a = json_pack("{s:s,s:s}", "color", color, "attributes", attrs);
    struct ai_copy_req cr = {.kind = AI_COPY_TITLE, .previous = prev, .attributes = a};
    rc = ai_copy(app->ai, &cr, &out, &err);
    json_decref(a);
    reply_text(res, rc, &err, out, "title");
}
