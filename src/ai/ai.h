/*
 * ai.h - the three jobs Karat asks of a model, behind one interface.
 *
 *   extract: image(s) + a field schema -> a JSON object of field values
 *   copy:    attributes + product type + seller profile -> listing copy
 *   image:   image(s) + a prompt -> a generated or edited image
 *
 * Providers ("offline": measures the image, no network, deterministic;
 * "gemini"; "openai") are `const struct ai_provider_ops` tables. A
 * `struct ai` routes each job to the provider configured for it
 * (KARAT_ATTR_PROVIDER, KARAT_COPY_PROVIDER, KARAT_IMAGE_PROVIDER; defaults
 * follow the original when keys exist, else offline) and owns the key pools,
 * retries with backoff, per-provider concurrency limits and timeouts.
 *
 * Results are validated against the request's schema before they are
 * returned: a reply that does not fit is retried once, then reported as
 * KR_EUPSTREAM ("bad_model_reply"). Fields a provider cannot know stay out
 * of the result and are listed in `notes` with a reason; values are never
 * invented.
 *
 * Ownership: json_t results are new references owned by the caller;
 * ai_image_out.data is malloc'd and freed with ai_image_out_release().
 * Thread safety: an ai instance may be used from many threads.
 */
#ifndef KARAT_AI_AI_H
#define KARAT_AI_AI_H

#include <jansson.h>
#include <stddef.h>

#include "core/config.h"
#include "core/err.h"

struct ai_image {
    const unsigned char *data;
    size_t len;
    const char *mime; /* "image/jpeg", "image/png", ... */
};

/* One output field the model must fill. */
struct ai_field {
    const char *name;
    const char *description;    /* what the field means (may be NULL) */
    const char *const *allowed; /* allowed values, or NULL for free text */
    size_t nallowed;
    int max_len; /* characters; 0 = no limit */
    int multi;   /* 1: a list of values (e.g. keywords) */
};

struct ai_extract_req {
    const struct ai_image *images;
    size_t nimages;
    const char *product_type; /* "earrings", "necklace", "bracelet" */
    const char *marketplace;  /* may be NULL */
    const struct ai_field *fields;
    size_t nfields;
    const char *instructions; /* extra task text (may be NULL) */
};

enum ai_copy_kind {
    AI_COPY_CAPTION,    /* name, description, attributes, colour, final caption */
    AI_COPY_LISTING,    /* title, bullets, description, search terms for a marketplace */
    AI_COPY_REWRITE,    /* rewrite a previous text in a style (/regenerate) */
    AI_COPY_TITLE,      /* a new title from colour + attributes (/regenerate_title) */
    AI_COPY_COLLECTION, /* name + story for a curated collection */
};

struct ai_copy_req {
    enum ai_copy_kind kind;
    const char *product_type;
    const char *marketplace;       /* may be NULL */
    json_t *attributes;            /* borrowed; may be NULL */
    json_t *profile;               /* borrowed seller profile; may be NULL */
    const char *previous;          /* text to rewrite (REWRITE/TITLE) */
    const char *style;             /* style for REWRITE */
    const struct ai_field *fields; /* the keys wanted in the reply, with limits */
    size_t nfields;
    const char *problems; /* a re-ask: what broke the rules in the last reply; may be NULL */
};

struct ai_image_req {
    const struct ai_image *images; /* source photo(s) */
    size_t nimages;
    const char *prompt;
    int width, height; /* wanted output size (provider may round) */
};

struct ai_image_out {
    unsigned char *data;
    size_t len;
    char mime[32];
};

enum ai_role { AI_ROLE_ATTR = 0, AI_ROLE_COPY, AI_ROLE_IMAGE, AI_ROLE_COUNT };

struct ai;

/* Retry and timeout knobs. A server-given wait for a rate-limited key
 * (RetryInfo, retry-after-ms, retry-after) is honoured when
 * 0 < wait <= honour_max_ms; one before a plain retry when 0 < wait <= max_wait_ms. */
struct ai_tuning {
    int max_attempts;     /* HTTP attempts per model call (KARAT_AI_ATTEMPTS) */
    long backoff_base_ms; /* first backoff, doubled per attempt (KARAT_AI_BACKOFF_MS) */
    long backoff_cap_ms;  /* largest backoff; jitter +-25% (KARAT_AI_BACKOFF_CAP_MS) */
    long max_wait_ms;     /* longest wait for a rate-limited key (KARAT_AI_RATE_WAIT_MS) */
    long timeout_ms;      /* per HTTP attempt (KARAT_AI_TIMEOUT) */
    size_t max_response;  /* largest reply body read (KARAT_AI_MAX_RESPONSE) */
    long key_out_ms;      /* a key out of quota or refused rests this long (KARAT_AI_KEY_REST) */
    long honour_max_ms; /* longest server-given key cool-down taken as is (KARAT_AI_HONOUR_WAIT_MS)
                         */
    long connect_timeout_ms; /* per connection set-up (KARAT_CONNECT_TIMEOUT) */
};

/* Everything struct ai is built from. The values (and their defaults) are
 * the config table's; ai_open_opts() has no defaults of its own and refuses
 * a missing one with KR_EINVAL "bad_option". */
struct ai_opts {
    const char *provider[AI_ROLE_COUNT]; /* offline, gemini, openai; "" = by key presence */
    const char *gemini_base, *gemini_model, *gemini_image_model;
    const char *openai_base, *openai_model, *openai_image_model;
    int concurrency;      /* calls in flight per provider */
    long long max_pixels; /* largest photo the offline provider decodes */
    struct ai_tuning tune;
    double min_confidence; /* offline analysis: blank below this (0..1) */
    /* Text embeddings (collections): provider "" = gemini if its key is
     * set, else openai if its key is set, else none; "offline" = none. A
     * NULL or empty model or dim < 1 also means none. */
    const char *embed_provider, *gemini_embed_model, *openai_embed_model;
    int embed_dim;
};
/* opts from the configuration (strings borrowed from cfg). */
void ai_opts_from_config(const struct config *cfg, struct ai_opts *o);

/* Build from opts plus the key pools in the environment: GOOGLE_API_KEY,
 * GOOGLE_API_KEY2..N, OPENAI_API_KEY or API_KEY_GPT. */
enum kr_code ai_open_opts(const struct ai_opts *o, struct ai **out, struct kr_err *err);
/* ai_opts_from_config() + ai_open_opts(). */
enum kr_code ai_open(const struct config *cfg, struct ai **out, struct kr_err *err);
void ai_close(struct ai *ai);
/* "offline", "gemini" or "openai": who does this role. */
const char *ai_provider_name(const struct ai *ai, enum ai_role role);

/* Change the knobs of an open ai (tests shorten them); a zero field keeps
 * the current value. */
void ai_set_tuning(struct ai *ai, const struct ai_tuning *t);
/* HTTP attempts made so far to "gemini" or "openai" (0 for others). */
long long ai_calls_made(struct ai *ai, const char *provider);

/* *out: object {field: value}; *notes (may be NULL): {field: reason} for blanks. */
enum kr_code ai_extract(struct ai *ai, const struct ai_extract_req *req, json_t **out,
                        json_t **notes, struct kr_err *err);
enum kr_code ai_copy(struct ai *ai, const struct ai_copy_req *req, json_t **out,
                     struct kr_err *err);
enum kr_code ai_image(struct ai *ai, const struct ai_image_req *req, struct ai_image_out *out,
                      struct kr_err *err);
void ai_image_out_release(struct ai_image_out *out);

/* ---- text embeddings (embed.c) ---- */
#define AI_EMBED_BATCH 100 /* most texts per ai_embed call */
enum ai_embed_task { AI_EMBED_DOCUMENT = 0, AI_EMBED_QUERY };
/* The embedding model in use as "vendor:model:dim" (the name vectors are
 * cached under: another model or size never mixes with them), or NULL
 * when no provider embeds (offline). */
const char *ai_embed_model(const struct ai *ai);
int ai_embed_dim(const struct ai *ai);
/* Embed texts[0..n-1] (1 <= n <= AI_EMBED_BATCH) in one provider call
 * (with the pool's retries) into out[n * ai_embed_dim()], each vector
 * L2-normalised. KR_EUNSUPPORTED without a provider; a reply of the wrong
 * shape is KR_EUPSTREAM (bad_model_reply). */
enum kr_code ai_embed(struct ai *ai, enum ai_embed_task task, const char *const *texts, int n,
                      float *out, struct kr_err *err);

/* ---- bills (table.c): one band of a bill's table per call ---- */
#define AI_TABLE_ROWS 25     /* rows a reply may hold: far under any output cap */
#define AI_TABLE_MAX_COLS 64 /* columns a reply may have */
struct ai_table_req {
    const struct ai_image *images; /* the bill (one photo) */
    size_t nimages;
    const char *instructions; /* the seller's extra instruction, or NULL */
    size_t after;             /* rows already answered: the reply starts after them */
    /* Refining instead of reading (no images): the rows as JSON text and
     * what to keep ("columns: ...; rows: ..."). */
    const char *data;
};
/* *out = {"headers": [s], "rows": [[s]] (each as long as headers, at most
 * AI_TABLE_ROWS), "extras": [{"key", "value"}], "more": bool}, checked.
 * The attribute provider (KARAT_ATTR_PROVIDER) reads a photo, the copy
 * provider refines data; offline does neither (KR_EUNSUPPORTED). */
enum kr_code ai_table(struct ai *ai, const struct ai_table_req *req, json_t **out,
                      struct kr_err *err);

/* ---- order invoices (order.c): fields the offline rules did not find ---- */
struct ai_order_req {
    const char *text; /* the invoice's text, line by line (data, sent delimited) */
    const struct ai_field *fields; /* the fields wanted (free text, with max_len) */
    size_t nfields;
};
/* *out = {field: value} ("" when the invoice does not show it), checked
 * against the fields; the copy provider (KARAT_COPY_PROVIDER) answers,
 * offline cannot (KR_EUNSUPPORTED). */
enum kr_code ai_order_fields(struct ai *ai, const struct ai_order_req *req, json_t **out,
                             struct kr_err *err);

/* ---- collections (collection_copy.c): title and description ---- */
struct ai_collection_req {
    const char *pieces;   /* one line per chosen piece: name | category | colour | price | attrs */
    const char *audience; /* who it is for ("" when not said) */
    const char *styles;   /* the styles asked for, with their descriptions */
    const char *notes;    /* the seller's manual prompt */
    const char *draft_title, *draft_description; /* the templates' */
};
/* *out = {"title", "description"} (both non-blank, bounded), written by
 * the copy provider (KARAT_COPY_PROVIDER); offline cannot (KR_EUNSUPPORTED:
 * keep the drafts). */
enum kr_code ai_collection_copy(struct ai *ai, const struct ai_collection_req *req, json_t **out,
                                struct kr_err *err);

/* Offline measurements of one photo, used by the offline provider and by
 * callers that want them directly (quality grade for /generate_caption). */
struct ai_measure {
    char metal[32];      /* "gold", "rose gold", "silver", "oxidised silver", ... or "" */
    char stone[32];      /* dominant stone colour name or "" */
    char colour[32];     /* overall colour name for colour fields */
    char background[32]; /* "white", "off-white", "plain", "complex" */
    double fill;         /* item box area / image area */
    double aspect;       /* item box width / height */
    double sharpness;    /* higher is sharper */
    double exposure;     /* mean luminance of the item 0..1 */
    int width, height;
    char grade; /* 'A', 'B' or 'C' */
    char grade_reason[128];
};
enum kr_code ai_measure_image(const struct ai_image *img, long long max_pixels,
                              struct ai_measure *out, struct kr_err *err);

/* Offline analysis of the piece in a photo (analyse.c), every answer with a
 * confidence 0..1 (0: not measured). */
struct ai_analysis {
    char metal[32]; /* "gold", "rose gold", "silver", "oxidised silver", "multi-tone" */
    double metal_conf;
    int stones;             /* coloured (non-metal) regions */
    char stone_colours[64]; /* their colour names, "red, green" */
    double stones_conf;
    int pearls; /* round, bright, low-saturation regions */
    double pearls_conf;
    int pair; /* 1: two matching parts side by side */
    double pair_conf;
    double symmetry; /* mirror overlap of the main part 0..1 */
    double symmetry_conf;
    char shape[32]; /* silhouette class for the product type: "hoop", "jhumka", "bangle" ... */
    double shape_conf;
    int cluster; /* 1: a kundan / polki-like cluster (five or more small set stones together) */
    double cluster_conf;
};
/* The threshold answers of ai_analyse_image() are trusted from (KARAT_OFFLINE_MIN_CONFIDENCE). */
double ai_min_confidence(const struct ai *ai);
/* A cut-out of the piece given by a layer above this one (app/ hands in the
 * studio's segmentation): cut() fills mask (px->width * px->height bytes, 1 =
 * piece) for the decoded photo px, or fails (a busy background, nothing
 * found): the analysis then uses its own cut and doubts a busy photo. */
struct image_px;
struct ai_segmenter {
    enum kr_code (*cut)(void *ctx, const struct image_px *px, unsigned char *mask,
                        struct kr_err *err);
    void *ctx;
};
/* The segmenter the offline provider and ai_segmenter_of() callers use
 * (copied; NULL or a NULL cut: none, the analysis's own cut). */
void ai_set_segmenter(struct ai *ai, const struct ai_segmenter *seg);
const struct ai_segmenter *ai_segmenter_of(const struct ai *ai);
/* seg: NULL for the analysis's own cut (pixels far from the border colour). */
enum kr_code ai_analyse_image(const struct ai_image *img, long long max_pixels,
                              const char *product_type, const struct ai_segmenter *seg,
                              struct ai_analysis *out, struct kr_err *err);

#endif
