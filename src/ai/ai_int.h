/*
 * ai_int.h - what the parts of the AI layer share (not for other modules).
 *
 *   ai.c       struct ai, provider routing, validate-and-retry-once
 *   pool.c     key pools, per-provider concurrency gates, ai__send() with
 *              key rotation and capped exponential backoff
 *   schema.c   field list -> Gemini/OpenAI response schema; reply -> validated object
 *   prompts.c  system prompts (our own words) and seller data as delimited JSON
 *   gemini.c, openai.c, offline.c (+ offline_copy.c)   the three providers
 *   measure.c  ai_measure_image()
 *   b64.c      base64
 *   embed.c    text embeddings (Gemini batchEmbedContents, OpenAI /v1/embeddings)
 */
#ifndef KARAT_AI_AI_INT_H
#define KARAT_AI_AI_INT_H

#include <pthread.h>

#include "ai/ai.h"
#include "core/buf.h"
#include "net/net.h"

enum ai_vendor { AI_VENDOR_GEMINI = 0, AI_VENDOR_OPENAI, AI_VENDOR_COUNT };

/* A model call with a structured reply: the remote providers' one shape. */
struct ai_prompt {
    char *system; /* our instructions */
    char *user;   /* task text + delimited seller data */
    const struct ai_image *images;
    size_t nimages;
    const struct ai_field *fields; /* the reply object's keys */
    size_t nfields;
    json_t *schema; /* borrowed; when set, the reply's schema instead of one made from fields */
    double temperature;
};
void ai__prompt_release(struct ai_prompt *p);

struct ai_provider_ops {
    const char *name;
    /* Offline answers these directly; remote providers leave them NULL and
     * implement `structured` instead (ai.c builds the prompt). */
    enum kr_code (*extract)(struct ai *ai, const struct ai_extract_req *req, json_t **out,
                            json_t **notes, struct kr_err *err);
    enum kr_code (*copy)(struct ai *ai, const struct ai_copy_req *req, json_t **out,
                         struct kr_err *err);
    /* One model call; *obj = the reply parsed as a JSON object (not yet
     * validated). Unusable replies: KR_EUPSTREAM "bad_model_reply". */
    enum kr_code (*structured)(struct ai *ai, const struct ai_prompt *p, json_t **obj,
                               struct kr_err *err);
    enum kr_code (*image)(struct ai *ai, const struct ai_image_req *req, struct ai_image_out *out,
                          struct kr_err *err);
};

extern const struct ai_provider_ops ai_offline_ops;
extern const struct ai_provider_ops ai_gemini_ops;
extern const struct ai_provider_ops ai_openai_ops;

#define AI_MAX_KEYS 16

enum ai_key_state { AI_KEY_OK = 0, AI_KEY_RATE, AI_KEY_QUOTA, AI_KEY_AUTH };

struct ai_key {
    char *value;
    enum ai_key_state state;
    double until_ms; /* not used before this (monotonic ms) */
};

struct ai_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct ai_key keys[AI_MAX_KEYS];
    int nkeys;
    int next;     /* round-robin cursor */
    int inflight; /* calls in flight to this vendor */
    int limit;
    long long calls; /* HTTP attempts made (for tests and metrics) */
};

struct ai {
    const struct ai_provider_ops *role[AI_ROLE_COUNT];
    struct ai_pool pool[AI_VENDOR_COUNT];
    struct ai_tuning tune;
    char *gemini_base, *gemini_model, *gemini_image_model;
    char *openai_base, *openai_model, *openai_image_model;
    long long max_pixels;
    double min_confidence;
    struct ai_segmenter seg; /* cut == NULL: none */
    /* text embeddings (embed.c): vendor -1 = none */
    int embed_vendor, embed_dim;
    char embed_model[160]; /* the vendor's model id */
    char embed_name[200];  /* "vendor:model:dim", ai_embed_model() */
};

/* pool.c */
void ai__pool_init(struct ai_pool *p, char **keys, int nkeys, int limit);
void ai__pool_release(struct ai_pool *p);
/* POST req (without auth) to vendor with key rotation, retries, the gate and
 * the timeout. On KR_OK, resp holds a 2xx reply. */
enum kr_code ai__send(struct ai *ai, enum ai_vendor v, const struct net_request *req,
                     struct net_response *resp, struct kr_err *err);
/* ai__send, then the 2xx body parsed as JSON into *root (new reference). */
enum kr_code ai__send_json(struct ai *ai, enum ai_vendor v, const struct net_request *req,
                          json_t **root, struct kr_err *err);
/* Parse "38s" / "45.8s" (RetryInfo) to ms; -1 if not a duration. */
long ai__parse_duration_ms(const char *s);

/* schema.c */
json_t *ai__schema_gemini(const struct ai_field *f, size_t n);
json_t *ai__schema_openai(const struct ai_field *f, size_t n);
/* table.c: the bill reply's schema (Gemini's dialect when gemini, else OpenAI's strict one). */
json_t *ai__table_schema(int gemini);
/* KR_EUPSTREAM "bad_model_reply": the model answered, but unusably; marked
 * retryable (kr_retryable), since asking once more often gives a usable reply. */
enum kr_code ai__bad_reply(struct kr_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Check a reply object against the fields: *out = accepted values, *notes =
 * {field: reason} for blanks and shortened values. KR_EUPSTREAM
 * "bad_model_reply" when it does not fit. */
/* One structured call through ops, validated against p's fields into *out
 * (notes: as ai__validate); an unusable reply is asked once more. */
enum kr_code ai__structured(struct ai *ai, const struct ai_provider_ops *ops,
                            const struct ai_prompt *p, json_t **out, json_t **notes,
                            struct kr_err *err);
enum kr_code ai__validate(const struct ai_field *f, size_t n, json_t *reply, json_t **out,
                         json_t **notes, struct kr_err *err);
/* Model text -> JSON object, tolerating a ```json fence. */
enum kr_code ai__parse_reply_text(const char *text, size_t len, json_t **obj, struct kr_err *err);

/* prompts.c */
enum kr_code ai__prompt_extract(const struct ai_extract_req *req, struct ai_prompt *p);
enum kr_code ai__prompt_copy(const struct ai_copy_req *req, struct ai_prompt *p);
/* Fields used when a copy request names none. */
const struct ai_field *ai__default_copy_fields(enum ai_copy_kind kind, size_t *n);

/* offline_copy.c: the offline provider's copy job */
enum kr_code ai__offline_copy(struct ai *ai, const struct ai_copy_req *req, json_t **out,
                             struct kr_err *err);

/* What the offline copy knows about a piece, gathered from the attributes
 * (whatever their column names) and the seller profile. Lower case words,
 * "" when unknown. */
struct ai__facts {
    char type[64];       /* product type: "earrings" */
    char shape[64];      /* silhouette / sub-type as a noun phrase: "hoop earrings" */
    char colour[64];     /* overall colour */
    char metal[64];      /* metal tone */
    char stone[64];      /* stone colour */
    char gem[64];        /* named stone kind ("kundan", "american diamond") */
    char material[64];   /* base material */
    char plating[64];    /* plating */
    char occasion[64];   /* first occasion */
    char style[64];      /* collection / style: "ethnic" */
    char closure[64];    /* clasp / back / closure */
    char size[96];       /* "about 32 x 18 mm" or "" */
    char weight[48];     /* "about 6 g" or "" */
    char brand[64];      /* seller profile */
    const char *care, *packaging, *warranty; /* seller profile, borrowed; may be NULL */
    int pearls;          /* 1 when the attributes name pearls */
    int pair;            /* 1 pair, 0 single, -1 unknown */
    int women;           /* audience is women (default for these types) */
};
/* offline_fields.c: 1 when the analysis answers field f: *out = buf, or
 * NULL with why ("needs review: ..." / "does not apply: ..."). */
struct ai__field_ask {
    const struct ai_analysis *a;
    double thr;       /* confidence below which a field is left for review */
    const char *type; /* product type, or NULL */
    char *buf;        /* the value's room */
    size_t n;
    char *why; /* the reason's room */
    size_t wn;
};
int ai__offline_field(const struct ai_field *f, const struct ai__field_ask *q, const char **out);
/* offline_words.c: the sentences, from facts. Each writes into out (size n). */
/* Title within limit bytes (0: none), least needed parts dropped first. */
void ai__words_title(const struct ai__facts *f, int with_brand, size_t limit, char *out, size_t n);
/* Bullet i (0..4): design; material and finish; size and weight; occasion
 * and styling; care, packaging and warranty. */
void ai__words_bullet(const struct ai__facts *f, int i, char *out, size_t n);
void ai__words_description(const struct ai__facts *f, char *out, size_t n);
void ai__words_features(const struct ai__facts *f, char *out, size_t n);
/* Search terms (at most max) that share no word with title; new array. */
json_t *ai__words_keywords(const struct ai__facts *f, const char *title, size_t max);

/* measure.c: the pixel vocabulary shared with analyse.c */
enum ai_cls {
    C_GOLD,
    C_ROSE,
    C_SILVER,
    C_OXID,
    C_WHITE,
    C_PEARL,
    C_BLACK,
    C_RED,
    C_ORANGE,
    C_YELLOW,
    C_GREEN,
    C_TEAL,
    C_BLUE,
    C_PURPLE,
    C_PINK,
    C_BROWN,
    C_COUNT
};
extern const char *const ai__cls_name[C_COUNT];
#define IS_METAL(c) ((c) <= C_OXID)
/* Jewellery colour class of one RGB pixel. */
enum ai_cls ai__classify(const unsigned char *p);
/* Median border colour of an RGB image and the border's spread. */
struct image_px;
void ai__border_stats(const struct image_px *px, unsigned char bg[3], double *spread);

/* analyse_cut.c: mask (px's size, 0/1, the analysis's own cut) kept only
 * within seg's cut grown a little; 1 when it was (*piece: pixels left), 0
 * when there is no segmenter, it found no piece (KR_EINVAL: a busy
 * background) or left almost nothing (mask unchanged); -1 on any other
 * failure (err set). */
int ai__cut_within(unsigned char *mask, const struct image_px *px, const struct ai_segmenter *seg,
                   size_t *piece, struct kr_err *err);

/* embed.c: choose the embedding vendor and model at open (KR_EINVAL
 * bad_config for a named provider without a key). */
enum kr_code ai__embed_setup(struct ai *ai, const struct ai_opts *o, struct kr_err *err);

/* b64.c */
char *ai__b64_encode(const void *data, size_t n);
/* Decodes standard base64 (whitespace ignored); NULL if malformed. */
unsigned char *ai__b64_decode(const char *s, size_t slen, size_t *n);

/* "base" + "path", with one slash between; malloc'd. */
char *ai__join_url(const char *base, const char *path);
/* openai.c: base + "/v1" (unless base ends in it) + path; malloc'd. */
char *ai__openai_url(const char *base, const char *path);

#endif
