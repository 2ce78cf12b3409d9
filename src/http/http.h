/*
 * http.h - Karat's HTTP server: libmicrohttpd underneath, a declarative
 * route table on top.
 *
 * The server runs MHD in thread-per-connection mode, so a handler may block
 * (AI calls, image work) without stalling other clients. For each request it
 *   1. matches the route table (method + pattern with {name} segments),
 *   2. checks the API key unless the route is HTTP_PUBLIC,
 *   3. reads the body under the configured limits: multipart/form-data is
 *      parsed as it streams in (MHD_PostProcessor) into fields and files,
 *      other bodies are buffered; over the limit -> 413 without storing,
 *   4. calls the handler, which fills a struct http_response,
 *   5. logs one line (method, path, status, bytes, ms) and records metrics.
 * Errors are always JSON: {"error": "human message", "code": "machine_code",
 * "detail": the same message (FastAPI clients read detail)}.
 *
 * Handlers never see MHD types. Strings in a request live as long as the
 * request. A handler owns nothing it did not allocate.
 *
 * Details others rely on (tests in tests/unit/http/ pin each one):
 * - Routing: literal segments must be equal, {name} takes one non-empty
 *   segment, decoded after matching ("a%2Fb" stays one param); a decoded NUL
 *   -> 400 bad_path. HTTP_PREFIX: the last param takes the rest of the path.
 *   One trailing slash is ignored. The most specific route wins (more
 *   literal segments, then non-prefix), then table order. HEAD uses the GET
 *   route. No path match -> 404 not_found; path but not method -> 405
 *   method_not_allowed with Allow. OPTIONS on a known path -> 204 with Allow
 *   (a preflight: no key needed). Route strings must outlive the server.
 * - Auth: with api_keys set, "Authorization: Bearer KEY" or "X-API-Key: KEY"
 *   (constant-time compare) else 401 unauthorized. Unknown paths 404 first.
 *   Keys that parse to nothing, keys under 16 characters, or no keys on a
 *   non-loopback address without allow_no_auth: the server does not start.
 * - CORS: only origins listed in cors_origins are echoed; "*" in the list
 *   sends "*"; Access-Control-Allow-Credentials is never sent. With any
 *   origins configured every answer carries Vary: Origin.
 * - Limits: every field of struct http_limits is required (the config
 *   table's KARAT_MAX_* values, through http_opts_from_config); there are no
 *   defaults here. Content-Length over max_body -> 413 too_large
 *   (nothing stored): after reading and dropping the body when it is at most
 *   max_body + max(max_body, 8 MiB), else at once with the connection
 *   closed; a chunked body past max_body -> 413 after draining (dropped past
 *   that same bound).
 *   Too many parts -> 413 too_many_fields; a long field -> 413
 *   field_too_large; malformed form -> 400 bad_form.
 * - Forms: a part with a filename (even "" or zero bytes) is a file, any
 *   other part a field. file->filename has no directory part; a missing
 *   content type reads "application/octet-stream"; file->data is never NULL.
 *   Repeated names: http_req_form/http_req_file give the first,
 *   http_req_files all files in upload order. A field with a NUL -> 400.
 * - JSON: top level must be an object or array; > max_json -> 413
 *   json_too_large; deeper than max_json_depth or bad syntax -> 400 bad_json
 *   (message has line and column); form data -> 400 bad_json.
 * - Responses: content_type defaults to application/json; a "Content-Type:"
 *   line in extra_headers overrides it. A 429 gets "Retry-After:
 *   retry_after_s" unless the handler set one. etag is quoted if not already;
 *   If-None-Match on GET/HEAD with status 200 -> 304 without body. A handler
 *   that sets no status -> 500 internal.
 * - Framing: Content-Length with Transfer-Encoding, a coding other than
 *   chunked, or two Content-Lengths -> 400 bad_request, connection closed.
 * - Connections: at most 512 at once (one thread each), and at most
 *   max_conns_per_ip from one client address (more are closed at once, so
 *   one client's stalled uploads cannot take every thread); from a peer in
 *   trusted_proxies the client is the X-Forwarded-For one, and over the limit
 *   -> 429 too_many_connections. A request head must arrive within
 *   head_timeout_s, its body within body_timeout_s (totals, not idle time),
 *   else the connection is closed; conn_timeout_s is the idle limit.
 *   Errors MHD itself sends (unparseable request line, header block over
 *   ~32 KiB) are MHD's short HTML replies, not JSON.
 */
#ifndef KARAT_HTTP_HTTP_H
#define KARAT_HTTP_HTTP_H

#include <jansson.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"

struct http_request;

struct http_response {
    int status;
    const char *content_type; /* static string; default application/json */
    struct buf body;
    char etag[80];           /* optional */
    char extra_headers[512]; /* optional "Name: value\r\n" lines */
};

struct http_file {
    const char *field;        /* form field name */
    const char *filename;     /* client's file name (untrusted; never a path) */
    const char *content_type; /* client's declared type (untrusted) */
    const unsigned char *data;
    size_t len;
};

typedef void (*http_handler)(struct http_request *req, struct http_response *res, void *app);

enum http_route_flags {
    HTTP_PUBLIC = 1 << 0, /* no API key needed (/health) */
    HTTP_PREFIX = 1 << 1, /* the last {param} takes the rest of the path, slashes included */
};

struct http_route {
    const char *method;  /* "GET", "POST", ... */
    const char *pattern; /* "/files/{bucket}/{key}" */
    http_handler handler;
    unsigned flags;
    const char *name; /* metrics label; defaults to pattern */
};

struct http_limits {
    size_t max_body; /* request body / upload bytes */
    size_t max_json; /* JSON body bytes */
    int max_json_depth;
    int max_fields;       /* form fields + files */
    size_t max_field_len; /* a non-file form field */
};

struct http_server_opts {
    const char *listen;   /* "HOST:PORT" (IPv4, [IPv6] or name) */
    const char *api_keys; /* comma-separated, each >= 16 chars; NULL/empty = no auth */
    int allow_no_auth;    /* no keys on a non-loopback address is an error unless set */
    const char *cors_origins;
    const char *trusted_proxies; /* addresses/CIDRs whose X-Forwarded-* are believed */
    /* Host names a request's Host (or a trusted proxy's X-Forwarded-Host) may
     * use for http_req_base_url; NULL/empty = the listen host, localhost, the
     * loopback addresses and the machine's name. */
    const char *allowed_hosts;
    /* Called around every handler on its thread (enter 1, then 0); NULL = none. */
    void (*scope)(const struct http_request *r, int enter);
    /* Every number below is required (> 0; http_server_check refuses a
     * missing one): http_opts_from_config fills them from the config table. */
    int conn_timeout_s;   /* without progress */
    int head_timeout_s;   /* request head in total */
    int body_timeout_s;   /* request body in total */
    int max_conns_per_ip; /* simultaneous connections from one client address */
    int retry_after_s;    /* Retry-After of a 429 that sets none itself */
    struct http_limits limits;
};

/* o from cfg (KARAT_LISTEN, KARAT_API_KEYS, the timeouts and the request
 * limits); the strings are cfg's, so cfg must outlive o. */
void http_opts_from_config(const struct config *cfg, struct http_server_opts *o);

struct http_server;

/* Check opts without binding: KR_EINVAL "bad_api_keys" (a non-empty key list
 * with no key, or a key under 16 characters), "no_auth" (no keys, a
 * non-loopback listen address and no allow_no_auth), "bad_trusted_proxies",
 * "bad_listen". http_server_start runs the same check. */
enum kr_code http_server_check(const struct http_server_opts *opts, struct kr_err *err);
/* (and KR_EINVAL "bad_option" for a missing number) */
/* Bind opts->listen and serve. Errors: those of http_server_check,
 * KR_EINVAL "bad_route", KR_ECONFLICT "address_in_use", KR_EIO
 * "listen_failed" / "server_start". */
enum kr_code http_server_start(const struct http_server_opts *opts, const struct http_route *routes,
                               size_t nroutes, void *app, struct http_server **out,
                               struct kr_err *err);
/* Port actually bound (useful with port 0). */
int http_server_port(const struct http_server *s);
/* Waits for running handlers; never call it from inside a handler. NULL is fine. */
void http_server_stop(struct http_server *s);
/* Graceful stop: new connections are refused and idle ones closed at once;
 * requests under way get up to grace_ms to finish, then are cut off.
 * Returns 0 and stops the server (as http_server_stop) unless a handler is
 * still running then: returns how many, and leaves the server as it is
 * (stopping would wait for them; the caller may exit instead). */
int http_server_shutdown(struct http_server *s, int grace_ms);

/* ---- request accessors (valid during the handler) ---- */
const char *http_req_method(const struct http_request *r);
const char *http_req_path(const struct http_request *r);
/* {name} from the route pattern, URL-decoded. */
const char *http_req_param(const struct http_request *r, const char *name);
const char *http_req_query(const struct http_request *r, const char *name);
/* A non-file multipart or urlencoded form field. */
const char *http_req_form(const struct http_request *r, const char *name);
/* Query first, then form (the original read some fields from either). */
const char *http_req_arg(const struct http_request *r, const char *name);
const char *http_req_header(const struct http_request *r, const char *name);
const struct http_file *http_req_file(const struct http_request *r, const char *field);
/* All files with this field name (n returned); field NULL = every file. */
size_t http_req_files(const struct http_request *r, const char *field, const struct http_file **out,
                      size_t max);
const struct buf *http_req_body(const struct http_request *r);
/* Is the body multipart or urlencoded form data? */
int http_req_is_form(const struct http_request *r);
/* Parse the body as JSON under the limits (size, depth). On failure returns
 * NULL and has already set a 400/413 error on res. The result is owned by
 * the request (do not decref). */
json_t *http_req_json(struct http_request *r, struct http_response *res);
/* Base URL for this request's answers: "SCHEME://HOST[:PORT]" from Host when
 * its host name is allowed (opts.allowed_hosts), from X-Forwarded-Host/-Proto
 * only when the peer is a trusted proxy (and that host is allowed), else the
 * listen address ("http://127.0.0.1:8000"); never an arbitrary Host. */
const char *http_req_base_url(const struct http_request *r);
/* Who is asking, for per-client limits: "key:" and 16 hex digits of the
 * SHA-256 of the API key the request passed the gate with, or, without API
 * keys, "addr:" and the client's address (the X-Forwarded-For client behind
 * a trusted proxy). Never the key itself. */
void http_req_client(const struct http_request *r, char *out, size_t n);

/* ---- response helpers ---- */
/* Steals `body` (decrefs it). */
void http_res_json(struct http_response *res, int status, json_t *body);
/* An error answer: the status is the slug's (core/err_slugs.h: the one
 * mapping for the whole server), the body {"error": msg, "code": slug,
 * "detail": msg}. A 429 gets Retry-After. */
void http_res_error(struct http_response *res, enum kr_slug slug, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same from a failure: status of err->slug_id, message err->msg. A NULL
 * err, or one that records no failure, is a 500 internal (a bug). */
void http_res_from_err(struct http_response *res, const struct kr_err *err);
void http_res_bytes(struct http_response *res, int status, const char *content_type,
                    const void *data, size_t n);

/* ---- metrics (Prometheus text) ---- */
/* Application counters/gauges shown on /metrics next to the per-route ones
 * (karat_http_requests_total{method,route,status="2xx"},
 * karat_http_request_duration_ms histogram, karat_http_requests_in_flight).
 * name is "family" or "family{label=\"value\"}" (see http_metrics_name);
 * an invalid name is ignored, a negative counter delta too. Thread-safe.
 * http_metrics_render appends everything to out (KR_ELIMIT if out->max hit). */
void http_metrics_set_gauge(const char *name, const char *help, double value);
void http_metrics_add_counter(const char *name, const char *help, double delta);
enum kr_code http_metrics_render(struct buf *out);
/* Build `family{label="value"}` (value escaped) to pass as a metric name. */
enum kr_code http_metrics_name(char *out, size_t n, const char *family, const char *label,
                               const char *value);

#endif
