/*
 * openai.c - the OpenAI provider.
 *
 * Structured calls use Chat Completions with the photos as data-URL
 * image_url parts and response_format json_schema (strict: every field
 * required and nullable, no extra properties). A refusal
 * (message.refusal) or finish_reason content_filter is reported as
 * blocked; finish_reason length as an unusable reply. Images go to
 * /v1/images/edits as multipart (model, one image[] part per photo with
 * its real content type, prompt, size, n) or, with no photo, to
 * /v1/images/generations as JSON; the reply's data[0].b64_json is decoded.
 * response_format is not sent to the image API (GPT image models always
 * answer base64).
 */
#include <stdlib.h>
#include <string.h>

#include "ai/ai_int.h"
#include "core/util.h"

char *ai__openai_url(const char *base, const char *path)
{
    size_t n = strlen(base);
    char full[128];
    /* OPENAI_BASE_URL may or may not end in /v1 */
    int has_v1 = n >= 3 && strcmp(base + n - 3, "/v1") == 0;
    has_v1 |= n >= 4 && strcmp(base + n - 4, "/v1/") == 0;
    snprintf(full, sizeof full, "%s%s", has_v1 ? "" : "/v1", path);
    return ai__join_url(base, full);
}

static enum kr_code post(struct ai *ai, const char *path, const struct net_request *tmpl,
                         json_t **root, struct kr_err *err)
{
    struct net_request req = *tmpl;
    enum kr_code rc;
    char *url = ai__openai_url(ai->openai_base, path);
    if (!url)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    req.url = url;
    req.method = "POST";
    rc = ai__send_json(ai, AI_VENDOR_OPENAI, &req, root, err);
    free(url);
    return rc;
}

static enum kr_code post_json(struct ai *ai, const char *path, json_t *body, json_t **root,
                              struct kr_err *err)
{
    static const char *const hdrs[] = {"Content-Type: application/json", NULL};
    char *text = json_dumps(body, JSON_COMPACT);
    enum kr_code rc;
    if (!text)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    struct net_request req = {.headers = hdrs, .body = text, .body_len = strlen(text)};
    rc = post(ai, path, &req, root, err);
    free(text);
    return rc;
}

static json_t *user_content(const struct ai_prompt *p)
{
    json_t *c = json_pack("[{s:s,s:s}]", "type", "text", "text", p->user);
    for (size_t i = 0; c && i < p->nimages; i++) {
        const char *mime = p->images[i].mime ? p->images[i].mime : "image/jpeg";
        char *b64 = ai__b64_encode(p->images[i].data, p->images[i].len);
        size_t n = b64 ? strlen(b64) + strlen(mime) + 16 : 0;
        char *url = b64 ? malloc(n) : NULL;
        if (!url) {
            free(b64);
            json_decref(c);
            return NULL;
        }
        snprintf(url, n, "data:%s;base64,%s", mime, b64);
        json_array_append_new(c, json_pack("{s:s,s:{s:s,s:s}}", "type", "image_url", "image_url",
                                           "url", url, "detail", "auto"));
        free(url);
        free(b64);
    }
    return c;
}

static enum kr_code chat_object(json_t *root, json_t **obj, struct kr_err *err)
{
    json_t *ch = json_array_get(json_object_get(root, "choices"), 0);
    json_t *msg = json_object_get(ch, "message");
    const char *fr = json_string_value(json_object_get(ch, "finish_reason"));
    const char *refusal = json_string_value(json_object_get(msg, "refusal"));
    const char *content = json_string_value(json_object_get(msg, "content"));
    if (refusal)
        return kr_fail(err, KRS_BLOCKED_REPLY, "openai: the model refused: %.200s", refusal);
    if (fr && strcmp(fr, "content_filter") == 0)
        return kr_fail(err, KRS_BLOCKED_REPLY, "openai: the content filter stopped the reply");
    if (!ch)
        return ai__bad_reply(err, "openai: the reply has no choices");
    if (fr && strcmp(fr, "stop") != 0)
        return ai__bad_reply(err, "openai: no usable output (%s)", fr);
    if (!content)
        return ai__bad_reply(err, "openai: the reply has no content");
    return ai__parse_reply_text(content, strlen(content), obj, err);
}

static enum kr_code openai_structured(struct ai *ai, const struct ai_prompt *p, json_t **obj,
                                      struct kr_err *err)
{
    json_t *content = user_content(p), *body, *root = NULL;
    enum kr_code rc;
    if (!content)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    body = json_pack("{s:s,s:[{s:s,s:s},{s:s,s:o}],s:f,s:{s:s,s:{s:s,s:b,s:o}}}", "model",
                     ai->openai_model, "messages", "role", "system", "content", p->system, "role",
                     "user", "content", content, "temperature", p->temperature, "response_format",
                     "type", "json_schema", "json_schema", "name", "karat_reply", "strict", 1,
                     "schema",
                     p->schema ? json_incref(p->schema) : ai__schema_openai(p->fields, p->nfields));
    if (!body)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    rc = post_json(ai, "/chat/completions", body, &root, err);
    if (!rc)
        rc = chat_object(root, obj, err);
    json_decref(root);
    json_decref(body);
    return rc;
}

static const char *size_for(int w, int h)
{
    if (w > 0 && h > 0 && w * 5 > h * 6)
        return "1536x1024";
    if (w > 0 && h > 0 && h * 5 > w * 6)
        return "1024x1536";
    return "1024x1024";
}

static const char *ext_for(const char *mime)
{
    if (util_streq_ci(mime, "image/png"))
        return "png";
    if (util_streq_ci(mime, "image/webp"))
        return "webp";
    if (util_streq_ci(mime, "image/jpeg"))
        return "jpg";
    return NULL;
}

static enum kr_code edit(struct ai *ai, const struct ai_image_req *req, json_t **root,
                         struct kr_err *err)
{
    struct net_part parts[20];
    char names[16][24];
    const char *size = size_for(req->width, req->height);
    size_t n = 0;
    if (req->nimages > 16)
        return kr_fail(err, KRS_PROVIDER_IMAGE_LIMIT, "openai takes at most 16 images");
    parts[n++] = (struct net_part){"model", NULL, NULL, ai->openai_image_model,
                                   strlen(ai->openai_image_model)};
    for (size_t i = 0; i < req->nimages; i++) {
        const char *mime = req->images[i].mime ? req->images[i].mime : "image/jpeg";
        const char *ext = ext_for(mime);
        if (!ext)
            return kr_fail(err, KRS_UNSUPPORTED_IMAGE,
                           "openai edits take PNG, JPEG or WebP, not %s", mime);
        snprintf(names[i], sizeof names[i], "image%zu.%s", i, ext);
        parts[n++] =
            (struct net_part){"image[]", names[i], mime, req->images[i].data, req->images[i].len};
    }
    parts[n++] = (struct net_part){"prompt", NULL, NULL, req->prompt, strlen(req->prompt)};
    parts[n++] = (struct net_part){"size", NULL, NULL, size, strlen(size)};
    parts[n++] = (struct net_part){"n", NULL, NULL, "1", 1};
    struct net_request r = {.parts = parts, .nparts = n};
    return post(ai, "/images/edits", &r, root, err);
}

static enum kr_code openai_image(struct ai *ai, const struct ai_image_req *req,
                                 struct ai_image_out *out, struct kr_err *err)
{
    json_t *root = NULL, *body;
    const char *b64;
    enum kr_code rc;
    if (!req->prompt || !*req->prompt)
        return kr_fail(err, KRS_MISSING_PROMPT, "an image request needs a prompt");
    if (req->nimages) {
        rc = edit(ai, req, &root, err);
    } else {
        body = json_pack("{s:s,s:s,s:i,s:s}", "model", ai->openai_image_model, "prompt",
                         req->prompt, "n", 1, "size", size_for(req->width, req->height));
        rc = post_json(ai, "/images/generations", body, &root, err);
        json_decref(body);
    }
    if (rc)
        goto out;
    b64 = json_string_value(
        json_object_get(json_array_get(json_object_get(root, "data"), 0), "b64_json"));
    if (!b64) {
        rc = kr_fail(err, KRS_NO_IMAGE, "openai returned no image");
        goto out;
    }
    out->data = ai__b64_decode(b64, strlen(b64), &out->len);
    if (!out->data || !out->len) {
        free(out->data);
        out->data = NULL;
        rc = ai__bad_reply(err, "openai: image data is not base64");
        goto out;
    }
    util_strlcpy(out->mime, "image/png", sizeof out->mime);
out:
    json_decref(root);
    return rc;
}

const struct ai_provider_ops ai_openai_ops = {
    .name = "openai",
    .structured = openai_structured,
    .image = openai_image,
};
