/*
 * response.c - filling a struct http_response, and turning it into MHD's.
 *
 * Handlers use the http_res_* helpers; each one replaces whatever body was
 * set before, so a handler may start a reply and then switch to an error.
 * Errors are always {"error": "...", "code": "...", "detail": "..."} with the
 * status of their slug: the table in core/err_slugs.h is the ONE place where
 * a failure becomes an HTTP status.
 *
 * http__res_queue() adds the headers the server owns: Content-Type (default
 * application/json; a "Content-Type:" line in extra_headers overrides it),
 * ETag (quoted if the handler did not) with If-None-Match -> 304 for GET and
 * HEAD, Allow on 405 and OPTIONS, and CORS headers for allowed origins
 * (Vary: Origin on every answer once CORS is configured).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http_int.h"

void http__res_init(struct http_response *res)
{
    memset(res, 0, sizeof *res);
    buf_init(&res->body, 0);
}

void http__res_release(struct http_response *res)
{
    buf_release(&res->body);
}

static void set_body(struct http_response *res, int status, const char *ctype, const void *data,
                     size_t n)
{
    buf_release(&res->body);
    res->status = status;
    res->content_type = ctype;
    if (buf_append(&res->body, data ? data : "", data ? n : 0) != KR_OK) {
        static const char oom[] = "{\"error\":\"out of memory\",\"code\":\"out_of_memory\"}";
        buf_release(&res->body);
        res->status = 500;
        res->content_type = "application/json";
        buf_append(&res->body, oom, sizeof oom - 1);
    }
}

void http_res_bytes(struct http_response *res, int status, const char *content_type,
                    const void *data, size_t n)
{
    set_body(res, status, content_type, data, n);
}

void http_res_json(struct http_response *res, int status, json_t *body)
{
    char *s = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
    json_decref(body);
    if (!s) {
        http_res_error(res, KRS_INTERNAL, "response could not be encoded as JSON");
        return;
    }
    set_body(res, status, "application/json", s, strlen(s));
    free(s);
}

/* A JSON string from text that may not be UTF-8 (file names, upstream
 * replies): non-ASCII bytes become '?' if the text is not valid UTF-8. */
static json_t *safe_string(const char *s)
{
    json_t *j = json_string(s);
    char copy[KR_ERR_MSG * 2];
    if (j)
        return j;
    snprintf(copy, sizeof copy, "%s", s);
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80 || (unsigned char)*p < 0x20)
            *p = '?';
    return json_string(copy);
}

static void error_body(struct http_response *res, enum kr_slug slug, const char *msg)
{
    json_t *o = json_object();
    int status = kr_slug_status(slug);
    char *s;
    json_object_set_new(o, "error", safe_string(msg));
    json_object_set_new(o, "code", json_string(kr_slug_text(slug)));
    json_object_set_new(o, "detail", safe_string(msg)); /* what FastAPI clients read */
    s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (s)
        set_body(res, status, "application/json", s, strlen(s));
    else
        set_body(res, status, "application/json",
                 "{\"error\":\"error\",\"code\":\"error\",\"detail\":\"error\"}", 49);
    free(s);
}

void http_res_error(struct http_response *res, enum kr_slug slug, const char *fmt, ...)
{
    char msg[KR_ERR_MSG * 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    error_body(res, slug, msg);
}

void http_res_from_err(struct http_response *res, const struct kr_err *err)
{
    if (!err || err->code == KR_OK || !err->slug) /* an "error" that is not one is a bug */
        error_body(res, KRS_INTERNAL, err && err->msg[0] ? err->msg : "unknown failure");
    else
        error_body(res, err->slug_id, err->msg[0] ? err->msg : kr_slug_meaning(err->slug_id));
}

/* ---- building the MHD response ------------------------------------------- */

static const char *strip_weak(const char *t, size_t *n)
{
    if (*n >= 2 && t[0] == 'W' && t[1] == '/') {
        *n -= 2;
        return t + 2;
    }
    return t;
}

/* Does If-None-Match list our (quoted) tag, or "*"? Weak comparison. */
static int etag_matches(const char *inm, const char *tag)
{
    size_t tn = strlen(tag);
    tag = strip_weak(tag, &tn);
    while (inm && *inm) {
        size_t n;
        const char *t;
        inm += strspn(inm, " \t,");
        n = strcspn(inm, ",");
        while (n && (inm[n - 1] == ' ' || inm[n - 1] == '\t'))
            n--;
        t = strip_weak(inm, &n);
        if ((n == 1 && t[0] == '*') || (n == tn && n && memcmp(t, tag, n) == 0))
            return 1;
        inm += strcspn(inm, ",");
    }
    return 0;
}

static void quoted_etag(const struct http_response *res, char *out, size_t n)
{
    const char *e = res->etag;
    if (e[0] == '"' || (e[0] == 'W' && e[1] == '/'))
        snprintf(out, n, "%.*s", (int)strnlen(e, sizeof res->etag), e);
    else
        snprintf(out, n, "\"%.*s\"", (int)strnlen(e, sizeof res->etag), e);
    if (strpbrk(out, "\r\n"))
        out[0] = '\0';
}

static int token_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* "Name: value" lines from the handler; bad lines are skipped. */
static void add_extra_headers(struct MHD_Response *mr, const struct http_response *res)
{
    char copy[sizeof res->extra_headers + 1], *save = NULL;
    snprintf(copy, sizeof copy, "%.*s", (int)strnlen(res->extra_headers, sizeof res->extra_headers),
             res->extra_headers);
    for (char *l = strtok_r(copy, "\r\n", &save); l; l = strtok_r(NULL, "\r\n", &save)) {
        char *colon = strchr(l, ':'), *v, *p = l;
        while (p < colon && token_char((unsigned char)*p))
            p++;
        if (!colon || colon == l || p != colon)
            continue;
        *colon = '\0';
        v = colon + 1 + strspn(colon + 1, " \t");
        if (strcasecmp(l, "Content-Length") == 0 || strcasecmp(l, "Transfer-Encoding") == 0)
            continue;
        MHD_add_response_header(mr, l, v);
    }
}

/* With CORS configured every answer depends on Origin (headers or none), so
 * every answer says Vary: Origin: a cache must not hand one origin's answer
 * to another. */
static void add_cors(struct http_request *r, struct MHD_Response *mr)
{
    const char *origin = http__cors_origin(r->srv, r->conn);
    if (r->srv->norigins > 0)
        MHD_add_response_header(mr, "Vary", "Origin");
    if (!origin)
        return;
    MHD_add_response_header(mr, "Access-Control-Allow-Origin", origin);
    if (!r->preflight) {
        MHD_add_response_header(mr, "Access-Control-Expose-Headers", "ETag, Content-Disposition");
        return;
    }
    MHD_add_response_header(mr, "Access-Control-Allow-Methods", r->m.allow);
    MHD_add_response_header(mr, "Access-Control-Allow-Headers",
                            "Authorization, X-API-Key, Content-Type, If-None-Match");
    MHD_add_response_header(mr, "Access-Control-Max-Age", "600");
}

static void add_headers(struct http_request *r, struct MHD_Response *mr,
                        const struct http_response *res, int status, const char *etag)
{
    add_extra_headers(mr, res);
    if (status != 204 && status != 304 &&
        !MHD_get_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE))
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
                                res->content_type ? res->content_type : "application/json");
    if (etag[0])
        MHD_add_response_header(mr, MHD_HTTP_HEADER_ETAG, etag);
    if (status == 405 || r->preflight)
        MHD_add_response_header(mr, MHD_HTTP_HEADER_ALLOW, r->m.allow);
    MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
    if (status == 429 && !MHD_get_response_header(mr, MHD_HTTP_HEADER_RETRY_AFTER))
        MHD_add_response_header(mr, MHD_HTTP_HEADER_RETRY_AFTER, r->srv->retry_after);
    add_cors(r, mr);
}

enum MHD_Result http__res_queue(struct http_request *r, struct http_response *res)
{
    struct MHD_Response *mr;
    char etag[96] = "";
    unsigned char *data;
    size_t len = 0;
    enum MHD_Result ok;
    int status;

    if (res->status < 200 || res->status > 599)
        http_res_error(res, KRS_INTERNAL, "handler set invalid status %d", res->status);
    status = res->status;
    if (res->etag[0])
        quoted_etag(res, etag, sizeof etag);
    if (etag[0] && status == 200 && (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD")) &&
        etag_matches(http_req_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH), etag))
        status = 304;
    if (status == 204 || status == 304)
        buf_release(&res->body);
    data = buf_detach(&res->body, &len);
    mr = data ? MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE)
              : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!mr) {
        free(data);
        return MHD_NO;
    }
    add_headers(r, mr, res, status, etag);
    ok = MHD_queue_response(r->conn, (unsigned)status, mr);
    MHD_destroy_response(mr);
    r->status = ok == MHD_YES ? status : 0;
    r->bytes = len;
    return ok;
}
