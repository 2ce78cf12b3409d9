/*
 * gemini.c - the Gemini provider: REST generateContent (v1beta).
 *
 * Structured calls send our system text as systemInstruction, the user
 * text and the photos as inlineData parts, and the field list as a
 * responseSchema with responseMimeType application/json; the reply's text
 * parts (thoughts skipped) are concatenated and parsed. Image calls go to
 * the image model with responseModalities TEXT+IMAGE and read the first
 * inlineData part. A blocked prompt (HTTP 200, no candidates, a
 * promptFeedback.blockReason) and a reply stopped for safety are errors
 * with their own codes, not crashes and not retried. Safety settings are
 * not sent, so the provider's defaults apply.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai_int.h"
#include "core/util.h"

static json_t *image_parts(const struct ai_image *im, size_t n, json_t *parts)
{
    for (size_t i = 0; i < n && parts; i++) {
        char *b64 = ai__b64_encode(im[i].data, im[i].len);
        if (!b64) {
            json_decref(parts);
            return NULL;
        }
        json_array_append_new(parts,
                              json_pack("{s:{s:s,s:s}}", "inlineData", "mimeType",
                                        im[i].mime ? im[i].mime : "image/jpeg", "data", b64));
        free(b64);
    }
    return parts;
}

/* POST body to models/{model}:generateContent; *root = parsed 2xx reply. */
static enum kr_code call(struct ai *ai, const char *model, json_t *body, json_t **root,
                         struct kr_err *err)
{
    static const char *const hdrs[] = {"Content-Type: application/json", NULL};
    char path[300];
    char *url, *text = json_dumps(body, JSON_COMPACT);
    enum kr_code rc;

    snprintf(path, sizeof path, "/v1beta/models/%s:generateContent", model);
    url = ai__join_url(ai->gemini_base, path);
    if (!text || !url) {
        free(text);
        free(url);
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    }
    struct net_request req = {.method = "POST",
                              .url = url,
                              .headers = hdrs,
                              .body = text,
                              .body_len = strlen(text)}; /* size cap and timeout: ai__send */
    rc = ai__send_json(ai, AI_VENDOR_GEMINI, &req, root, err);
    free(url);
    free(text);
    return rc;
}

static int safety_stop(const char *fr)
{
    static const char *const stops[] = {
        "SAFETY",     "BLOCKLIST",    "PROHIBITED_CONTENT",       "SPII",
        "RECITATION", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION",
        NULL};
    for (int i = 0; fr && stops[i]; i++)
        if (strcmp(fr, stops[i]) == 0)
            return 1;
    return 0;
}

/* The first candidate's parts, or the reason there are none. */
static enum kr_code first_parts(json_t *root, json_t **parts, const char **finish,
                                struct kr_err *err)
{
    json_t *c = json_array_get(json_object_get(root, "candidates"), 0);
    const char *fr;
    if (!c) {
        const char *why = json_string_value(
            json_object_get(json_object_get(root, "promptFeedback"), "blockReason"));
        if (why)
            return kr_fail(err, KRS_BLOCKED_PROMPT, "gemini blocked the request (blockReason %s)",
                           why);
        return ai__bad_reply(err, "gemini: the reply has no candidates");
    }
    fr = json_string_value(json_object_get(c, "finishReason"));
    if (safety_stop(fr))
        return kr_fail(err, KRS_BLOCKED_REPLY, "gemini stopped the reply (%s)", fr);
    *parts = json_object_get(json_object_get(c, "content"), "parts");
    *finish = fr;
    return KR_OK;
}

static enum kr_code reply_object(json_t *root, json_t **obj, struct kr_err *err)
{
    json_t *parts = NULL, *p;
    const char *fr = NULL;
    struct buf text;
    size_t i;
    enum kr_code rc = first_parts(root, &parts, &fr, err);
    if (rc)
        return rc;
    if (fr && strcmp(fr, "STOP") != 0)
        return ai__bad_reply(err, "gemini: no usable output (%s)", fr);
    buf_init(&text, 4u << 20);
    json_array_foreach(parts, i, p)
    {
        const char *t = json_string_value(json_object_get(p, "text"));
        if (t && !json_is_true(json_object_get(p, "thought")) && buf_append(&text, t, strlen(t))) {
            buf_release(&text);
            return ai__bad_reply(err, "gemini: reply too long");
        }
    }
    if (!text.len)
        rc = ai__bad_reply(err, "gemini: the reply has no text");
    else
        rc = ai__parse_reply_text((const char *)text.data, text.len, obj, err);
    buf_release(&text);
    return rc;
}

static enum kr_code gemini_structured(struct ai *ai, const struct ai_prompt *p, json_t **obj,
                                      struct kr_err *err)
{
    json_t *parts = image_parts(p->images, p->nimages, json_pack("[{s:s}]", "text", p->user));
    json_t *body, *root = NULL;
    enum kr_code rc;
    if (!parts)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    body =
        json_pack("{s:{s:[{s:s}]},s:[{s:s,s:o}],s:{s:f,s:i,s:s,s:o}}", "systemInstruction", "parts",
                  "text", p->system, "contents", "role", "user", "parts", parts, "generationConfig",
                  "temperature", p->temperature, "maxOutputTokens", 2048, "responseMimeType",
                  "application/json", "responseSchema",
                  p->schema ? json_incref(p->schema) : ai__schema_gemini(p->fields, p->nfields));
    if (!body)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    rc = call(ai, ai->gemini_model, body, &root, err);
    if (!rc)
        rc = reply_object(root, obj, err);
    json_decref(root);
    json_decref(body);
    return rc;
}

static const char *aspect_for(int w, int h)
{
    static const struct {
        const char *name;
        double r;
    } ratios[] = {{"1:1", 1.0},     {"2:3", 2.0 / 3},   {"3:2", 1.5},       {"3:4", 0.75},
                  {"4:3", 4.0 / 3}, {"9:16", 9.0 / 16}, {"16:9", 16.0 / 9}, {"21:9", 21.0 / 9}};
    const char *best = "1:1";
    double want, diff = 1e9;
    if (w <= 0 || h <= 0)
        return best;
    want = log((double)w / h);
    for (size_t i = 0; i < sizeof ratios / sizeof ratios[0]; i++) {
        double d = fabs(log(ratios[i].r) - want);
        if (d < diff) {
            diff = d;
            best = ratios[i].name;
        }
    }
    return best;
}

static enum kr_code image_from_parts(json_t *parts, const char *fr, struct ai_image_out *out,
                                     struct kr_err *err)
{
    json_t *p;
    size_t i;
    json_array_foreach(parts, i, p)
    {
        json_t *in = json_object_get(p, "inlineData");
        const char *data = json_string_value(json_object_get(in, "data"));
        const char *mime = json_string_value(json_object_get(in, "mimeType"));
        if (!data)
            continue;
        out->data = ai__b64_decode(data, strlen(data), &out->len);
        if (!out->data || !out->len) {
            free(out->data);
            out->data = NULL;
            return ai__bad_reply(err,
                           "gemini: image data is not base64");
        }
        util_strlcpy(out->mime, mime ? mime : "image/png", sizeof out->mime);
        return KR_OK;
    }
    return kr_fail(err, KRS_NO_IMAGE, "gemini returned no image (%s)", fr ? fr : "no finishReason");
}

static enum kr_code gemini_image(struct ai *ai, const struct ai_image_req *req,
                                 struct ai_image_out *out, struct kr_err *err)
{
    json_t *parts = image_parts(req->images, req->nimages,
                                json_pack("[{s:s}]", "text", req->prompt ? req->prompt : ""));
    json_t *body, *root = NULL, *cparts = NULL;
    const char *fr = NULL;
    enum kr_code rc;
    if (!parts)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    body = json_pack("{s:[{s:s,s:o}],s:{s:[s,s],s:{s:s}}}", "contents", "role", "user", "parts",
                     parts, "generationConfig", "responseModalities", "TEXT", "IMAGE",
                     "imageConfig", "aspectRatio", aspect_for(req->width, req->height));
    if (!body)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    rc = call(ai, ai->gemini_image_model, body, &root, err);
    if (!rc)
        rc = first_parts(root, &cparts, &fr, err);
    if (!rc)
        rc = image_from_parts(cparts, fr, out, err);
    json_decref(root);
    json_decref(body);
    return rc;
}

const struct ai_provider_ops ai_gemini_ops = {
    .name = "gemini",
    .structured = gemini_structured,
    .image = gemini_image,
};
