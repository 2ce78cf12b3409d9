/*
 * captions.c - /generate_caption, /regenerate and /regenerate_title
 * (SEED_SYSTEM.md §1.1, §1.4, §1.5), plus api_caption_photo(), which
 * `karat caption` shares so the CLI prints the same JSON.
 *
 * /generate_caption keeps the original's order: cheap checks (website,
 * type, the file is an image within limits) -> duplicate check and store
 * (one repo_ingest) -> caption. A duplicate answers {display_name, s3_url,
 * duplicate: "duplicate found"} and stores nothing. If captioning fails
 * after the photo was stored, the answer is a JSON error that carries the
 * stored s3_url, so the client can retry the caption without uploading a
 * copy. The caption itself is two AI jobs: attributes from the photo (the
 * attribute provider; quality constrained to A/B/C, falling back to the
 * measured grade), then the name and caption written from those attributes
 * (the copy provider). Response keys are the original's.
 */
#include "api/api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai.h"
#include "core/util.h"
#include "image/image.h"

#define MAX_TEXT_ARG 4000

static const char *const grades[] = {"A", "B", "C"};
static const char *const styles[] = {"Elegance",     "Charm",    "Luxury",   "Modernity",
                                     "Timelessness", "Delicacy", "Boldness", "Romance",
                                     "Earthiness",   "Artistry"};

static const struct ai_field attr_fields[] = {
    {"quality",
     "photo grade: A = sharp, well lit, clean plain background; B = usable with visible flaws; "
     "C = poor. If a letter A, B or C is written on the photo, give that letter",
     grades, 3, 0, 0},
    {"color", "the main colour of the piece (metal tone or dominant colour)", NULL, 0, 40, 0},
    {"attributes", "visible design features of the piece, one short phrase each", NULL, 0, 80, 1},
    {"styles", "the styles the piece expresses", styles, 10, 0, 1},
};

static const struct ai_field copy_fields[] = {
    {"name", "a short, distinctive product name", NULL, 0, 80, 0},
    {"final_caption", "a one-line e-commerce caption", NULL, 0, 200, 0},
};

static void title_case(char *s)
{
    for (char *p = s; *p; p++)
        if ((p == s || p[-1] == ' ') && *p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
}

/* Attributes as the response shows them: the model's list, else what was measured. */
static json_t *attributes_for(json_t *ext, const struct ai_measure *m)
{
    json_t *a = json_object_get(ext, "attributes");
    if (json_array_size(a))
        return json_incref(a);
    a = json_array();
    if (m->metal[0])
        json_array_append_new(a, json_sprintf("%s tone", m->metal));
    if (m->stone[0])
        json_array_append_new(a, json_sprintf("%s stones", m->stone));
    return a;
}

static json_t *result_json(const char *type, json_t *ext, json_t *copy, const struct ai_measure *m)
{
    const char *q = json_string_value(json_object_get(ext, "quality"));
    const char *color = json_string_value(json_object_get(ext, "color"));
    const char *caption = json_string_value(json_object_get(copy, "final_caption"));
    char quality[2] = {q && (q[0] == 'A' || q[0] == 'B' || q[0] == 'C') ? q[0] : m->grade, 0};
    char col[64];
    json_t *attrs = attributes_for(ext, m), *o = json_object();
    char *attr_text = json_dumps(attrs, JSON_COMPACT);

    util_strlcpy(col, color ? color : m->colour, sizeof col);
    if (!color)
        title_case(col);
    const char *gname = json_string_value(json_object_get(copy, "name"));
    json_object_set_new(o, "generated_name", json_string(gname ? gname : ""));
    json_object_set_new(o, "quality", json_string(quality));
    json_object_set_new(o, "description", json_string(caption ? caption : ""));
    json_object_set_new(o, "attributes", attrs);
    json_object_set_new(o, "prompt",
                        json_sprintf("Write a catchy one-line listing description for the %s "
                                     "described here. Caption: \"%s\" Attributes: %s",
                                     type, caption ? caption : "", attr_text ? attr_text : "[]"));
    json_object_set_new(o, "color", json_string(col));
    free(attr_text);
    return o;
}

enum kr_code api_caption_photo(struct ai *ai, long long max_pixels, const void *data, size_t len,
                               const char *type, json_t **out, struct kr_err *err)
{
    struct image_info info;
    struct ai_measure m;
    json_t *ext = NULL, *copy = NULL, *attrs;
    enum kr_code rc;

    *out = NULL;
    if ((rc = image_probe(data, len, max_pixels, &info, err)))
        return rc;
    struct ai_image im = {data, len, info.mime};
    if ((rc = ai_measure_image(&im, max_pixels, &m, err)))
        return rc;
    struct ai_extract_req xr = {
        .images = &im, .nimages = 1, .product_type = type, .fields = attr_fields, .nfields = 4};
    if ((rc = ai_extract(ai, &xr, &ext, NULL, err)))
        return rc;
    attrs = json_deep_copy(ext);
    json_object_del(attrs, "quality");
    if (!json_object_get(attrs, "color") && m.colour[0])
        json_object_set_new(attrs, "color", json_string(m.colour));
    if (m.stone[0])
        json_object_set_new(attrs, "stone_color", json_string(m.stone));
    struct ai_copy_req cr = {.kind = AI_COPY_CAPTION,
                             .product_type = type,
                             .attributes = attrs,
                             .fields = copy_fields,
                             .nfields = 2};
    rc = ai_copy(ai, &cr, &copy, err);
    if (!rc)
        *out = result_json(type, ext, copy, &m);
    json_decref(attrs);
    json_decref(ext);
    json_decref(copy);
    return rc;
}

/* Our provider failing on credentials is not the client's 401. */
static int ai_status(const struct kr_err *err)
{
    return err->code == KR_EAUTH ? 503 : http_status_for(err->code);
}

static int want_check(const char *v)
{
    return !v || !*v || util_streq_ci(v, "yes") || util_parse_bool(v) == 1;
}

static void reply_duplicate(struct http_response *res, const struct repo_ingest_res *r)
{
    const struct repo_match *m = &r->matches[0];
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
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:b}", "error", err->msg, "code",
                          err->slug ? err->slug : kr_code_name(err->code), "display_name", name,
                          "s3_url", url, "stored", 1);
    http_res_json(res, ai_status(err), o);
}

void api_generate_caption(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    const struct http_file *f;
    const char *type = http_req_arg(req, "type"), *site = http_req_arg(req, "website");
    char bucket[64], name[256];
    struct image_info info;
    struct repo_ingest_res r;
    struct kr_err err = {0};
    json_t *cap = NULL;

    if (!api_bucket_arg(app, req, res, bucket, sizeof bucket))
        return;
    if (!type || !*type || strlen(type) > 100) {
        http_res_error(res, 400, "missing_field",
                       "type is required (e.g. earrings), at most 100 characters");
        return;
    }
    if (!(f = api__image_file(req, res, "file")))
        return;
    if (!app->ai) {
        http_res_error(res, 503, "ai_unavailable", "the AI layer is not configured");
        return;
    }
    if (image_probe(f->data, f->len, app->cfg->max_pixels, &info, &err)) {
        http_res_from_err(res, &err);
        return;
    }
    api__display_name(f->filename, name, sizeof name);
    struct repo_ingest_req in = {.data = f->data,
                                 .len = f->len,
                                 .filename = name,
                                 .bucket = bucket,
                                 .website = site && *site ? site : "alya",
                                 .check_duplicate =
                                     want_check(http_req_arg(req, "check_duplicate")),
                                 .top_k = 1};
    if (repo_ingest(app->repo, &in, &r, &err)) {
        http_res_from_err(res, &err);
        return;
    }
    if (r.duplicate && r.nmatches > 0) {
        reply_duplicate(res, &r);
        return;
    }
    if (api_caption_photo(app->ai, app->cfg->max_pixels, f->data, f->len, type, &cap, &err)) {
        reply_caption_failed(res, &err, name, r.image.url);
        return;
    }
    json_object_set_new(cap, "display_name", json_string(name));
    json_object_set_new(cap, "s3_url", json_string(r.image.url));
    http_res_json(res, 200, cap);
}

/* A required, bounded text form field; writes the 400 itself. */
static const char *text_arg(struct http_request *req, struct http_response *res, const char *n)
{
    const char *v = http_req_arg(req, n);
    if (!v || !*v) {
        http_res_error(res, 400, "missing_field", "%s is required", n);
        return NULL;
    }
    if (strlen(v) > MAX_TEXT_ARG) {
        http_res_error(res, 413, "too_large", "%s is longer than %d bytes", n, MAX_TEXT_ARG);
        return NULL;
    }
    return v;
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
            kr_fail(&e, KR_EUPSTREAM, "bad_model_reply", "the model returned no text");
        http_res_error(res, ai_status(&e), e.slug ? e.slug : "ai_failed", "%s", e.msg);
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
    if (!(prev = text_arg(req, res, "previous_prompt")) || !(style = text_arg(req, res, "style")))
        return;
    if (!app->ai) {
        http_res_error(res, 503, "ai_unavailable", "the AI layer is not configured");
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
    if (!(prev = text_arg(req, res, "previous_title")) || !(color = text_arg(req, res, "color")) ||
        !(attrs = text_arg(req, res, "attributes")))
        return;
    if (!app->ai) {
        http_res_error(res, 503, "ai_unavailable", "the AI layer is not configured");
        return;
    }
    a = json_pack("{s:s,s:s}", "color", color, "attributes", attrs);
    struct ai_copy_req cr = {.kind = AI_COPY_TITLE, .previous = prev, .attributes = a};
    rc = ai_copy(app->ai, &cr, &out, &err);
    json_decref(a);
    reply_text(res, rc, &err, out, "title");
}
