/*
 * ai.c - struct ai: which provider does which job, and the one rule every
 * structured reply goes through.
 *
 * ai_open() reads the provider choice per role (KARAT_ATTR_PROVIDER,
 * KARAT_COPY_PROVIDER, KARAT_IMAGE_PROVIDER); an empty choice follows the
 * original system when its key is present (attributes: gemini, copy and
 * images: openai) and is "offline" otherwise. Key pools come from the
 * environment (GOOGLE_API_KEY, GOOGLE_API_KEY2..N; OPENAI_API_KEY[2..N] and
 * API_KEY_GPT). A provider named explicitly without a key is a
 * configuration error, reported at start-up rather than on the first call.
 *
 * ai_extract()/ai_copy() with a remote provider: build our prompt
 * (prompts.c), make one structured call, validate it against the fields
 * (schema.c). A reply that does not parse or fit is retried once, then
 * reported as KR_EUPSTREAM "bad_model_reply"; nothing here caches.
 */
#include <stdlib.h>
#include <string.h>

#include "ai/ai_int.h"
#include "core/util.h"
#include "image/image.h"

/* Photos larger than this (bytes or pixels on the long side) are re-encoded
 * before they are sent to a model: providers cap inline data (Gemini about
 * 20 MB per request) and more pixels do not help a description. */
#define SEND_MAX_BYTES  (3u << 20)
#define SEND_MAX_SIDE   2048
#define MAX_SEND_IMAGES 16

static const struct ai_provider_ops *const providers[] = {&ai_offline_ops, &ai_gemini_ops,
                                                          &ai_openai_ops};

char *ai__join_url(const char *base, const char *path)
{
    size_t bl = strlen(base);
    char *u;
    while (bl && base[bl - 1] == '/')
        bl--;
    while (*path == '/')
        path++;
    size_t n = bl + strlen(path) + 2;
    u = malloc(n);
    if (u)
        snprintf(u, n, "%.*s/%s", (int)bl, base, path);
    return u;
}

static enum kr_code choose(struct ai *ai, enum ai_role role, const char *setting, const char *var,
                           const char *fallback, struct kr_err *err)
{
    const char *want = setting && *setting ? setting : fallback;
    for (size_t i = 0; i < sizeof providers / sizeof providers[0]; i++) {
        if (!util_streq_ci(want, providers[i]->name))
            continue;
        ai->role[role] = providers[i];
        if ((providers[i] == &ai_gemini_ops && !ai->pool[AI_VENDOR_GEMINI].nkeys) ||
            (providers[i] == &ai_openai_ops && !ai->pool[AI_VENDOR_OPENAI].nkeys))
            return kr_fail(err, KRS_BAD_CONFIG, "%s=%s but no API key for it is set (%s)", var,
                           want,
                           providers[i] == &ai_gemini_ops ? "GOOGLE_API_KEY"
                                                          : "OPENAI_API_KEY or API_KEY_GPT");
        return KR_OK;
    }
    return kr_fail(err, KRS_BAD_CONFIG, "%s: unknown provider '%s' (offline, gemini or openai)",
                   var, want);
}

static void load_pools(struct ai *ai, int concurrency)
{
    char *keys[AI_MAX_KEYS];
    int n = config_env_key_pool("GOOGLE_API_KEY", keys, AI_MAX_KEYS);
    ai__pool_init(&ai->pool[AI_VENDOR_GEMINI], keys, n, concurrency);
    n = config_env_key_pool("OPENAI_API_KEY", keys, AI_MAX_KEYS);
    n += config_env_key_pool("API_KEY_GPT", keys + n, AI_MAX_KEYS - n);
    ai__pool_init(&ai->pool[AI_VENDOR_OPENAI], keys, n, concurrency);
}

void ai_opts_from_config(const struct config *cfg, struct ai_opts *o)
{
    *o = (struct ai_opts){
        .provider = {cfg->attr_provider, cfg->copy_provider, cfg->image_provider},
        .gemini_base = cfg->gemini_base_url,
        .gemini_model = cfg->gemini_model,
        .gemini_image_model = cfg->gemini_image_model,
        .openai_base = cfg->openai_base_url,
        .openai_model = cfg->openai_model,
        .openai_image_model = cfg->openai_image_model,
        .concurrency = cfg->ai_concurrency,
        .max_pixels = cfg->max_pixels,
        .tune = {cfg->ai_attempts, cfg->ai_backoff_ms, cfg->ai_backoff_cap_ms, cfg->ai_rate_wait_ms,
                 cfg->ai_timeout_s * 1000L, (size_t)cfg->ai_max_response,
                 cfg->ai_key_rest_s * 1000L, cfg->ai_honour_wait_ms,
                 cfg->connect_timeout_s * 1000L},
        .min_confidence = cfg->offline_min_confidence,
        .embed_provider = cfg->embed_provider,
        .gemini_embed_model = cfg->gemini_embed_model,
        .openai_embed_model = cfg->openai_embed_model,
        .embed_dim = cfg->embed_dim,
    };
}

/* The first option that is missing or out of range, or NULL. */
static const char *bad_option(const struct ai_opts *o)
{
    const char *const strs[] = {o->gemini_base, o->gemini_model, o->gemini_image_model,
                                o->openai_base, o->openai_model, o->openai_image_model};
    const char *const names[] = {"Gemini base URL", "Gemini model", "Gemini image model",
                                 "OpenAI base URL", "OpenAI model", "OpenAI image model"};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (!strs[i] || !*strs[i])
            return names[i];
    if (o->concurrency < 1)
        return "concurrency";
    if (o->max_pixels < 1)
        return "pixel limit";
    if (o->min_confidence < 0 || o->min_confidence > 1)
        return "offline confidence threshold";
    if (o->tune.max_attempts < 1 || o->tune.backoff_base_ms < 1 || o->tune.backoff_cap_ms < 1 ||
        o->tune.max_wait_ms < 1 || o->tune.timeout_ms < 1 || o->tune.max_response < 1 ||
        o->tune.key_out_ms < 1 || o->tune.honour_max_ms < 1 || o->tune.connect_timeout_ms < 1)
        return "retry and timeout settings";
    return NULL;
}

enum kr_code ai_open(const struct config *cfg, struct ai **out, struct kr_err *err)
{
    struct ai_opts o;
    ai_opts_from_config(cfg, &o);
    return ai_open_opts(&o, out, err);
}

enum kr_code ai_open_opts(const struct ai_opts *o, struct ai **out, struct kr_err *err)
{
    const char *bad = bad_option(o);
    struct ai *ai;
    int has_g, has_o;
    enum kr_code rc;

    *out = NULL;
    if (bad)
        return kr_fail(err, KRS_BAD_OPTION, "AI layer: no valid %s given", bad);
    if (!(ai = calloc(1, sizeof *ai)))
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    load_pools(ai, o->concurrency);
    ai->gemini_base = strdup(o->gemini_base);
    ai->gemini_model = strdup(o->gemini_model);
    ai->gemini_image_model = strdup(o->gemini_image_model);
    ai->openai_base = strdup(o->openai_base);
    ai->openai_model = strdup(o->openai_model);
    ai->openai_image_model = strdup(o->openai_image_model);
    ai->max_pixels = o->max_pixels;
    ai->min_confidence = o->min_confidence;
    ai->tune = o->tune;
    has_g = ai->pool[AI_VENDOR_GEMINI].nkeys > 0;
    has_o = ai->pool[AI_VENDOR_OPENAI].nkeys > 0;
    if (!ai->gemini_base || !ai->gemini_model || !ai->gemini_image_model || !ai->openai_base ||
        !ai->openai_model || !ai->openai_image_model) {
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
        goto fail;
    }
    if ((rc = choose(ai, AI_ROLE_ATTR, o->provider[AI_ROLE_ATTR], "KARAT_ATTR_PROVIDER",
                     has_g ? "gemini" : "offline", err)) ||
        (rc = choose(ai, AI_ROLE_COPY, o->provider[AI_ROLE_COPY], "KARAT_COPY_PROVIDER",
                     has_o ? "openai" : "offline", err)) ||
        (rc = choose(ai, AI_ROLE_IMAGE, o->provider[AI_ROLE_IMAGE], "KARAT_IMAGE_PROVIDER",
                     has_o ? "openai" : "offline", err)) ||
        (rc = ai__embed_setup(ai, o, err)))
        goto fail;
    *out = ai;
    return KR_OK;
fail:
    ai_close(ai);
    return rc;
}

void ai_close(struct ai *ai)
{
    if (!ai)
        return;
    for (int v = 0; v < AI_VENDOR_COUNT; v++)
        ai__pool_release(&ai->pool[v]);
    free(ai->gemini_base);
    free(ai->gemini_model);
    free(ai->gemini_image_model);
    free(ai->openai_base);
    free(ai->openai_model);
    free(ai->openai_image_model);
    free(ai);
}

void ai_set_segmenter(struct ai *ai, const struct ai_segmenter *seg)
{
    ai->seg = seg ? *seg : (struct ai_segmenter){0};
}

const struct ai_segmenter *ai_segmenter_of(const struct ai *ai)
{
    return ai->seg.cut ? &ai->seg : NULL;
}

double ai_min_confidence(const struct ai *ai)
{
    return ai->min_confidence;
}

const char *ai_provider_name(const struct ai *ai, enum ai_role role)
{
    if (!ai || (unsigned)role >= AI_ROLE_COUNT || !ai->role[role])
        return "offline";
    return ai->role[role]->name;
}

/* Every field of struct ai_tuning, for ai_set_tuning(). */
#define AI_TUNING_FIELDS(X)                                                                        \
    X(max_attempts) X(backoff_base_ms) X(backoff_cap_ms) X(max_wait_ms) X(timeout_ms)              \
    X(max_response) X(key_out_ms) X(honour_max_ms) X(connect_timeout_ms)
#define AI_TAKE_SET(f)                                                                             \
    if (t->f > 0)                                                                                  \
        ai->tune.f = t->f;

void ai_set_tuning(struct ai *ai, const struct ai_tuning *t)
{
    AI_TUNING_FIELDS(AI_TAKE_SET)
}

long long ai_calls_made(struct ai *ai, const char *provider)
{
    int v = util_streq_ci(provider, "gemini")   ? AI_VENDOR_GEMINI
            : util_streq_ci(provider, "openai") ? AI_VENDOR_OPENAI
                                                : -1;
    long long n;
    if (v < 0)
        return 0;
    pthread_mutex_lock(&ai->pool[v].mu);
    n = ai->pool[v].calls;
    pthread_mutex_unlock(&ai->pool[v].mu);
    return n;
}

enum kr_code ai__bad_reply(struct kr_err *err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    kr_vfail(err, KRS_BAD_MODEL_REPLY, fmt, ap);
    va_end(ap);
    return kr_retryable(err, KR_EUPSTREAM);
}

/* One structured call, validated; an unusable reply is tried once more. */
enum kr_code ai__structured(struct ai *ai, const struct ai_provider_ops *ops,
                               const struct ai_prompt *p, json_t **out, json_t **notes,
                               struct kr_err *err)
{
    enum kr_code rc = KR_OK;
    for (int attempt = 0; attempt < 2; attempt++) {
        json_t *reply = NULL;
        rc = ops->structured(ai, p, &reply, err);
        if (!rc) {
            rc = ai__validate(p->fields, p->nfields, reply, out, notes, err);
            json_decref(reply);
        }
        if (!rc || !err || !err->retry)
            break;
    }
    return rc;
}

struct send_images {
    struct ai_image im[MAX_SEND_IMAGES];
    unsigned char *owned[MAX_SEND_IMAGES];
    size_t n;
};

static void send_images_release(struct send_images *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->owned[i]);
}

/* Copy the image list, shrinking big photos to a JPEG of SEND_MAX_SIDE. */
static enum kr_code shrink_images(const struct ai *ai, const struct ai_image *in, size_t n,
                                  struct send_images *s, struct kr_err *err)
{
    memset(s, 0, sizeof *s);
    if (n > MAX_SEND_IMAGES)
        return kr_fail(err, KRS_TOO_MANY_IMAGES, "at most %d images per request", MAX_SEND_IMAGES);
    for (s->n = 0; s->n < n; s->n++) {
        struct image_info info;
        struct image_px px = {0};
        struct image_load_opts o = {.max_side = SEND_MAX_SIDE, .max_pixels = ai->max_pixels};
        size_t i = s->n;
        enum kr_code rc;
        s->im[i] = in[i];
        if ((rc = image_probe(in[i].data, in[i].len, ai->max_pixels, &info, err)))
            return rc;
        s->im[i].mime = info.mime;
        if (in[i].len <= SEND_MAX_BYTES && info.oriented_width <= SEND_MAX_SIDE &&
            info.oriented_height <= SEND_MAX_SIDE)
            continue;
        rc = image_load(in[i].data, in[i].len, &o, &px, &info, err);
        if (!rc)
            rc = image_encode(&px, "jpeg", 88, &s->owned[i], &s->im[i].len, err);
        image_px_release(&px);
        if (rc)
            return rc;
        s->im[i].data = s->owned[i];
        s->im[i].mime = "image/jpeg";
    }
    return KR_OK;
}

static enum kr_code check_images(const struct ai_image *im, size_t n, struct kr_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (!im[i].data || !im[i].len)
            return kr_fail(err, KRS_MISSING_IMAGE, "image %zu is empty", i + 1);
    return KR_OK;
}

enum kr_code ai_extract(struct ai *ai, const struct ai_extract_req *req, json_t **out,
                        json_t **notes, struct kr_err *err)
{
    const struct ai_provider_ops *ops = ai->role[AI_ROLE_ATTR];
    struct ai_prompt p;
    enum kr_code rc;

    *out = NULL;
    if (notes)
        *notes = NULL;
    if (!req->nimages || !req->images)
        return kr_fail(err, KRS_MISSING_IMAGE, "attribute extraction needs a photo");
    if (!req->nfields || !req->fields)
        return kr_fail(err, KRS_NO_FIELDS, "attribute extraction needs fields");
    if ((rc = check_images(req->images, req->nimages, err)))
        return rc;
    if (ops->extract)
        return ops->extract(ai, req, out, notes, err);
    struct send_images send;
    if ((rc = shrink_images(ai, req->images, req->nimages, &send, err))) {
        send_images_release(&send);
        return rc;
    }
    if (ai__prompt_extract(req, &p)) {
        send_images_release(&send);
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    }
    p.images = send.im;
    p.nimages = send.n;
    rc = ai__structured(ai, ops, &p, out, notes, err);
    ai__prompt_release(&p);
    send_images_release(&send);
    return rc;
}

enum kr_code ai_copy(struct ai *ai, const struct ai_copy_req *req, json_t **out, struct kr_err *err)
{
    const struct ai_provider_ops *ops = ai->role[AI_ROLE_COPY];
    struct ai_prompt p;
    enum kr_code rc;

    *out = NULL;
    if ((req->kind == AI_COPY_REWRITE || req->kind == AI_COPY_TITLE) &&
        (!req->previous || !*req->previous))
        return kr_fail(err, KRS_MISSING_TEXT, "there is no previous text to rewrite");
    if (ops->copy)
        return ops->copy(ai, req, out, err);
    if (ai__prompt_copy(req, &p))
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    rc = ai__structured(ai, ops, &p, out, NULL, err);
    ai__prompt_release(&p);
    return rc;
}

enum kr_code ai_image(struct ai *ai, const struct ai_image_req *req, struct ai_image_out *out,
                      struct kr_err *err)
{
    const struct ai_provider_ops *ops = ai->role[AI_ROLE_IMAGE];
    enum kr_code rc;
    memset(out, 0, sizeof *out);
    if ((rc = check_images(req->images, req->nimages, err)))
        return rc;
    if (!ops->image)
        return kr_fail(err, KRS_UNSUPPORTED, "%s cannot generate images", ops->name);
    return ops->image(ai, req, out, err);
}

void ai_image_out_release(struct ai_image_out *out)
{
    free(out->data);
    memset(out, 0, sizeof *out);
}
