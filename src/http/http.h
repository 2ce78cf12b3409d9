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
 * Errors are always JSON: {"error": "human message", "code": "machine_code"}.
 *
 * Handlers never see MHD types. Strings in a request live as long as the
 * request. A handler owns nothing it did not allocate.
 */
#ifndef KARAT_HTTP_HTTP_H
#define KARAT_HTTP_HTTP_H

#include <jansson.h>
#include <stddef.h>

#include "core/buf.h"
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
    const char *api_keys; /* comma-separated; NULL/empty = no auth */
    const char *cors_origins;
    int conn_timeout_s;
    struct http_limits limits;
};

struct http_server;

enum kr_code http_server_start(const struct http_server_opts *opts, const struct http_route *routes,
                               size_t nroutes, void *app, struct http_server **out,
                               struct kr_err *err);
/* Port actually bound (useful with port 0). */
int http_server_port(const struct http_server *s);
void http_server_stop(struct http_server *s);

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
/* Base URL this request came in on ("http://host:port"), from Host. */
const char *http_req_base_url(const struct http_request *r);

/* ---- response helpers ---- */
/* Steals `body` (decrefs it). */
void http_res_json(struct http_response *res, int status, json_t *body);
void http_res_error(struct http_response *res, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Status from err->code (one mapping for the whole server), body from err. */
void http_res_from_err(struct http_response *res, const struct kr_err *err);
int http_status_for(enum kr_code code);
void http_res_bytes(struct http_response *res, int status, const char *content_type,
                    const void *data, size_t n);

/* ---- metrics (Prometheus text) ---- */
/* Application counters/gauges shown on /metrics next to the per-route ones. */
void http_metrics_set_gauge(const char *name, const char *help, double value);
void http_metrics_add_counter(const char *name, const char *help, double delta);
enum kr_code http_metrics_render(struct buf *out);
/* Build `family{label="value"}` (value escaped) to pass as a metric name. */
enum kr_code http_metrics_name(char *out, size_t n, const char *family, const char *label,
                               const char *value);

#endif
