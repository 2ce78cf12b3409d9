/*
 * fake_ai.h - a scriptable HTTP server on 127.0.0.1 for tests that talk to
 * cloud APIs (Gemini, OpenAI) or fetch URLs.
 *
 * A test queues canned replies (status, body, extra headers, a delay) and
 * the server answers requests with them in order; with the queue empty it
 * answers 500. Every request is recorded (method, path + query, headers,
 * body, and multipart parts parsed out) so the test can assert on the wire
 * format the client produced. The helpers at the bottom build reply bodies
 * in the providers' real wire formats (Gemini generateContent, OpenAI
 * chat completions and image edits).
 *
 * Runs libmicrohttpd with a thread per connection, so a delayed reply does
 * not hold up others; fake_ai_max_inflight() reports the most requests that
 * were being answered at once.
 */
#ifndef KARAT_FAKE_AI_H
#define KARAT_FAKE_AI_H

#include <jansson.h>
#include <stddef.h>

struct fake_reply {
    int status;
    const char *body;         /* copied; NULL = empty */
    size_t body_len;          /* 0 = strlen(body) */
    const char *content_type; /* default application/json */
    const char *headers;      /* extra "Name: value\n" lines, copied; may be NULL */
    int delay_ms;             /* wait before answering; < 0: until fake_ai_release() */
};

struct fake_header {
    char *name; /* as received */
    char *value;
};

struct fake_part {
    char *name;
    char *filename; /* NULL for plain fields */
    char *content_type;
    unsigned char *data;
    size_t len;
};

struct fake_request {
    char method[16];
    char *url; /* path + "?" + query as received */
    struct fake_header *headers;
    size_t nheaders;
    unsigned char *body;
    size_t body_len;
    struct fake_part *parts; /* when the body is multipart/form-data */
    size_t nparts;
};

struct fake_ai;

/* Start on 127.0.0.1, a free port. Aborts the test process on failure. */
struct fake_ai *fake_ai_start(void);
void fake_ai_stop(struct fake_ai *f);
/* "http://127.0.0.1:PORT" */
const char *fake_ai_base(const struct fake_ai *f);
int fake_ai_port(const struct fake_ai *f);

void fake_ai_push_reply(struct fake_ai *f, const struct fake_reply *r);
/* Shorthand: JSON body, no extra headers, no delay. */
void fake_ai_push(struct fake_ai *f, int status, const char *body);
/* Let every reply now held (delay_ms < 0) be answered. */
void fake_ai_release(struct fake_ai *f);
/* With the queue empty, answer with fn(request, arg) instead of the 500:
 * fn fills *out (body and headers malloc'd, freed after sending). For
 * servers that must answer any number of requests (tests/tools/fake_provider). */
typedef void (*fake_ai_responder)(const struct fake_request *r, struct fake_reply *out, void *arg);
void fake_ai_set_responder(struct fake_ai *f, fake_ai_responder fn, void *arg);
/* Replies still queued. */
size_t fake_ai_pending(struct fake_ai *f);

size_t fake_ai_count(struct fake_ai *f);
/* The i-th request received (0-based); valid until fake_ai_stop. NULL if none. */
const struct fake_request *fake_ai_request(struct fake_ai *f, size_t i);
int fake_ai_max_inflight(struct fake_ai *f);

/* Header value by case-insensitive name, or NULL. */
const char *fake_req_header(const struct fake_request *r, const char *name);
/* Body parsed as JSON (new reference) or NULL. */
json_t *fake_req_json(const struct fake_request *r);
/* The idx-th part with this name (0-based), or NULL. */
const struct fake_part *fake_req_part(const struct fake_request *r, const char *name, size_t idx);

/* ---- reply bodies in the real wire formats (malloc'd strings) ---- */
char *fake_b64(const void *data, size_t n);
/* generateContent success whose text part is `text` (e.g. a JSON document). */
char *fake_gemini_text(const char *text);
/* Image-model success: a text part then an inlineData part. */
char *fake_gemini_image(const void *png, size_t n, const char *mime);
/* 429 RESOURCE_EXHAUSTED with QuotaFailure (PerDay or PerMinute quotaId) and RetryInfo. */
char *fake_gemini_429(const char *retry_delay, int per_day);
/* HTTP 200 with promptFeedback.blockReason and no candidates. */
char *fake_gemini_blocked(const char *reason);
/* Chat completion whose message content is `content`. */
char *fake_openai_chat(const char *content);
/* Images API reply with one b64_json item. */
char *fake_openai_image(const void *png, size_t n);
/* 429 error envelope: insufficient_quota when quota, else rate_limit_exceeded. */
char *fake_openai_429(int quota);

#endif
