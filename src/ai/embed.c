/*
 * embed.c - text embeddings from the cloud providers (ai.h, "text
 * embeddings"), used to rank collections by meaning.
 *
 * Which provider: KARAT_EMBED_PROVIDER, or when it is empty Gemini if a
 * Gemini key is set, else OpenAI if an OpenAI key is set, else none (the
 * callers then rank offline). One call embeds up to AI_EMBED_BATCH texts:
 *
 *   Gemini  POST /v1beta/models/{model}:batchEmbedContents
 *           {"requests": [{"model": "models/{model}", "content": {"parts":
 *            [{"text"}]}, "taskType": RETRIEVAL_DOCUMENT|RETRIEVAL_QUERY,
 *            "outputDimensionality": dim}...]} -> {"embeddings": [{"values"}]}
 *   OpenAI  POST /v1/embeddings {"model", "input": [...], "dimensions": dim,
 *           "encoding_format": "float"} -> {"data": [{"index", "embedding"}]}
 *
 * The requests go through ai__send (key pools, retries, backoff, the
 * per-vendor gate). Every vector is checked (as many as asked, at least
 * dim finite numbers; a longer one is cut to dim, which is what the
 * providers' own dimension reduction does) and L2-normalised here, so an
 * inner product is the cosine whatever the model returns.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai_int.h"
#include "core/util.h"

enum kr_code ai__embed_setup(struct ai *ai, const struct ai_opts *o, struct kr_err *err)
{
    const char *want = o->embed_provider ? o->embed_provider : "";
    int has_g = ai->pool[AI_VENDOR_GEMINI].nkeys > 0, has_o = ai->pool[AI_VENDOR_OPENAI].nkeys > 0;
    const char *model;

    ai->embed_vendor = -1;
    if (!*want)
        want = has_g ? "gemini" : has_o ? "openai" : "offline";
    if (util_streq_ci(want, "offline"))
        return KR_OK;
    if (util_streq_ci(want, "gemini"))
        ai->embed_vendor = AI_VENDOR_GEMINI;
    else if (util_streq_ci(want, "openai"))
        ai->embed_vendor = AI_VENDOR_OPENAI;
    else
        return kr_fail(err, KRS_BAD_CONFIG,
                       "KARAT_EMBED_PROVIDER: unknown provider '%s' (offline, gemini or openai)",
                       want);
    if (!ai->pool[ai->embed_vendor].nkeys)
        return kr_fail(err, KRS_BAD_CONFIG, "KARAT_EMBED_PROVIDER=%s but no API key for it is set",
                       want);
    model = ai->embed_vendor == AI_VENDOR_GEMINI ? o->gemini_embed_model : o->openai_embed_model;
    if (!model || !*model || o->embed_dim < 1 || o->embed_dim > 4096 ||
        strlen(model) >= sizeof ai->embed_model) {
        ai->embed_vendor = -1; /* no model or size given: embeddings stay off */
        return KR_OK;
    }
    snprintf(ai->embed_model, sizeof ai->embed_model, "%s", model);
    snprintf(ai->embed_name, sizeof ai->embed_name, "%s:%s:%d",
             ai->embed_vendor == AI_VENDOR_GEMINI ? "gemini" : "openai", model, o->embed_dim);
    ai->embed_dim = o->embed_dim;
    return KR_OK;
}

const char *ai_embed_model(const struct ai *ai)
{
    return ai && ai->embed_vendor >= 0 ? ai->embed_name : NULL;
}

int ai_embed_dim(const struct ai *ai)
{
    return ai && ai->embed_vendor >= 0 ? ai->embed_dim : 0;
}

/* One vector (a JSON array of numbers) into out[dim], normalised. */
static enum kr_code take_vector(json_t *values, int dim, float *out, struct kr_err *err)
{
    double sum = 0;

    if (!json_is_array(values) || json_array_size(values) < (size_t)dim)
        return ai__bad_reply(err, "an embedding has %zu numbers, wanted %d",
                             json_array_size(values), dim);
    for (int i = 0; i < dim; i++) {
        json_t *v = json_array_get(values, (size_t)i);
        double x = json_number_value(v);
        if (!json_is_number(v) || !isfinite(x))
            return ai__bad_reply(err, "an embedding holds something that is not a number");
        out[i] = (float)x;
        sum += x * x;
    }
    if (!(sum > 0))
        return ai__bad_reply(err, "an embedding is all zeros");
    for (int i = 0; i < dim; i++)
        out[i] = (float)(out[i] / sqrt(sum));
    return KR_OK;
}

static enum kr_code post(struct ai *ai, char *url, json_t *body, json_t **root, struct kr_err *err)
{
    static const char *const hdrs[] = {"Content-Type: application/json", NULL};
    char *text = json_dumps(body, JSON_COMPACT);
    enum kr_code rc;

    if (!text || !url) {
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    } else {
        struct net_request req = {
            .method = "POST", .url = url, .headers = hdrs, .body = text, .body_len = strlen(text)};
        rc = ai__send_json(ai, (enum ai_vendor)ai->embed_vendor, &req, root, err);
    }
    free(text);
    free(url);
    return rc;
}

static enum kr_code gemini_embed(struct ai *ai, enum ai_embed_task task, const char *const *texts,
                                 int n, float *out, struct kr_err *err)
{
    char path[300], model[200];
    json_t *reqs = json_array(), *root = NULL, *list;
    enum kr_code rc;

    snprintf(path, sizeof path, "/v1beta/models/%s:batchEmbedContents", ai->embed_model);
    snprintf(model, sizeof model, "models/%s", ai->embed_model);
    for (int i = 0; i < n; i++)
        json_array_append_new(
            reqs, json_pack("{s:s, s:{s:[{s:s}]}, s:s, s:i}", "model", model, "content", "parts",
                            "text", texts[i], "taskType",
                            task == AI_EMBED_QUERY ? "RETRIEVAL_QUERY" : "RETRIEVAL_DOCUMENT",
                            "outputDimensionality", ai->embed_dim));
    json_t *body = json_pack("{s:o}", "requests", reqs);
    rc = post(ai, ai__join_url(ai->gemini_base, path), body, &root, err);
    json_decref(body);
    list = json_object_get(root, "embeddings");
    if (!rc && json_array_size(list) != (size_t)n)
        rc = ai__bad_reply(err, "Gemini answered %zu embeddings for %d texts",
                           json_array_size(list), n);
    for (int i = 0; !rc && i < n; i++)
        rc = take_vector(json_object_get(json_array_get(list, (size_t)i), "values"), ai->embed_dim,
                         out + (size_t)i * (size_t)ai->embed_dim, err);
    json_decref(root);
    return rc;
}

static enum kr_code openai_embed(struct ai *ai, const char *const *texts, int n, float *out,
                                 struct kr_err *err)
{
    json_t *input = json_array(), *root = NULL, *list, *v;
    enum kr_code rc;
    char *seen = calloc((size_t)n, 1);
    size_t i;

    for (int k = 0; k < n; k++)
        json_array_append_new(input, json_string(texts[k]));
    json_t *body = json_pack("{s:s, s:o, s:i, s:s}", "model", ai->embed_model, "input", input,
                             "dimensions", ai->embed_dim, "encoding_format", "float");
    rc = seen ? post(ai, ai__openai_url(ai->openai_base, "/embeddings"), body, &root, err)
              : kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    json_decref(body);
    list = json_object_get(root, "data");
    if (!rc && json_array_size(list) != (size_t)n)
        rc = ai__bad_reply(err, "OpenAI answered %zu embeddings for %d texts",
                           json_array_size(list), n);
    json_array_foreach(list, i, v)
    {
        json_int_t at = json_integer_value(json_object_get(v, "index"));
        if (rc)
            break;
        if (!json_is_integer(json_object_get(v, "index")) || at < 0 || at >= n || seen[at])
            rc = ai__bad_reply(err, "OpenAI embedding %zu has a bad index", i);
        else
            rc = take_vector(json_object_get(v, "embedding"), ai->embed_dim,
                             out + (size_t)at * (size_t)ai->embed_dim, err);
        if (!rc)
            seen[at] = 1;
    }
    json_decref(root);
    free(seen);
    return rc;
}

enum kr_code ai_embed(struct ai *ai, enum ai_embed_task task, const char *const *texts, int n,
                      float *out, struct kr_err *err)
{
    if (!ai || ai->embed_vendor < 0)
        return kr_fail(err, KRS_UNSUPPORTED, "no embedding provider is configured");
    if (!texts || !out || n < 1 || n > AI_EMBED_BATCH)
        return kr_fail(err, KRS_BAD_ARGUMENT, "ai_embed: 1..%d texts", AI_EMBED_BATCH);
    for (int i = 0; i < n; i++)
        if (!texts[i])
            return kr_fail(err, KRS_BAD_ARGUMENT, "ai_embed: text %d is missing", i);
    return ai->embed_vendor == AI_VENDOR_GEMINI ? gemini_embed(ai, task, texts, n, out, err)
                                                : openai_embed(ai, texts, n, out, err);
}
