/*
 * fixture.h - a small route table of test handlers and a server on
 * 127.0.0.1 port 0, shared by the http unit tests (each test binary
 * includes it once). Handlers echo what they saw as JSON so tests can
 * assert the parsed request; `fx_calls` counts handler calls so tests can
 * prove a handler was NOT called (413, 401, ...).
 */
#ifndef KARAT_TEST_HTTP_FIXTURE_H
#define KARAT_TEST_HTTP_FIXTURE_H

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"
#include "http/http.h"
#include "testutil.h"

static atomic_int fx_calls;

static inline void h_hello(struct http_request *r, struct http_response *res, void *app)
{
    (void)app;
    fx_calls++;
    http_res_json(res, 200,
                  json_pack("{s:s, s:s}", "hello", "world", "method", http_req_method(r)));
}

static inline void h_params(struct http_request *r, struct http_response *res, void *app)
{
    const char *id = http_req_param(r, "id"), *b = http_req_param(r, "bucket"),
               *k = http_req_param(r, "key");
    (void)app;
    fx_calls++;
    http_res_json(res, 200,
                  json_pack("{s:s?, s:s?, s:s?, s:s, s:s?, s:s?}", "id", id, "bucket", b, "key", k,
                            "path", http_req_path(r), "q", http_req_query(r, "q"), "arg",
                            http_req_arg(r, "a")));
}

static inline void h_search(struct http_request *r, struct http_response *res, void *app)
{
    (void)r;
    (void)app;
    fx_calls++;
    http_res_json(res, 200, json_pack("{s:b}", "search", 1));
}

static inline void h_form(struct http_request *r, struct http_response *res, void *app)
{
    const struct http_file *files[16];
    size_t n = http_req_files(r, NULL, files, 16);
    json_t *arr = json_array();
    char sha[65];
    (void)app;
    fx_calls++;
    for (size_t i = 0; i < n; i++) {
        util_sha256_hex(files[i]->data, files[i]->len, sha);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I, s:s}", "field", files[i]->field,
                                             "filename", files[i]->filename, "ctype",
                                             files[i]->content_type, "len",
                                             (json_int_t)files[i]->len, "sha", sha));
    }
    http_res_json(res, 200,
                  json_pack("{s:o, s:s?, s:s?, s:s?, s:b, s:b}", "files", arr, "name",
                            http_req_form(r, "name"), "note", http_req_form(r, "note"), "arg",
                            http_req_arg(r, "a"), "is_form", http_req_is_form(r), "has_photo",
                            http_req_file(r, "photo") != NULL));
}

static inline void h_json(struct http_request *r, struct http_response *res, void *app)
{
    json_t *j = http_req_json(r, res);
    (void)app;
    fx_calls++;
    if (j)
        http_res_json(res, 200, json_pack("{s:O}", "got", j));
}

static inline void h_body(struct http_request *r, struct http_response *res, void *app)
{
    const struct buf *b = http_req_body(r);
    char sha[65];
    (void)app;
    fx_calls++;
    util_sha256_hex(b->data ? b->data : (const unsigned char *)"", b->len, sha);
    http_res_json(res, 200, json_pack("{s:I, s:s}", "len", (json_int_t)b->len, "sha", sha));
}

static inline void h_slow(struct http_request *r, struct http_response *res, void *app)
{
    (void)r;
    (void)app;
    fx_calls++;
    usleep(1500 * 1000);
    http_res_json(res, 200, json_pack("{s:b}", "slow", 1));
}

static inline void h_nothing(struct http_request *r, struct http_response *res, void *app)
{
    (void)r;
    (void)res;
    (void)app;
    fx_calls++;
}

static inline void h_etag(struct http_request *r, struct http_response *res, void *app)
{
    (void)r;
    (void)app;
    fx_calls++;
    http_res_bytes(res, 200, "text/plain", "tagged", 6);
    snprintf(res->etag, sizeof res->etag, "v1-abc");
    snprintf(res->extra_headers, sizeof res->extra_headers,
             "Cache-Control: max-age=60\r\nbad header line\r\nX-Test: yes\r\n");
}

static inline void h_err(struct http_request *r, struct http_response *res, void *app)
{
    struct kr_err e = {0};
    (void)app;
    fx_calls++;
    kr_fail(&e, (enum kr_slug)atoi(http_req_param(r, "code")), "failed: \"%s\"", "quoted\n");
    http_res_from_err(res, &e);
}

static inline void h_metrics(struct http_request *r, struct http_response *res, void *app)
{
    struct buf b;
    (void)r;
    (void)app;
    buf_init(&b, 0);
    http_metrics_render(&b);
    http_res_bytes(res, 200, "text/plain; version=0.0.4", b.data, b.len);
    buf_release(&b);
}

static inline void h_base(struct http_request *r, struct http_response *res, void *app)
{
    (void)app;
    http_res_json(res, 200, json_pack("{s:s}", "base", http_req_base_url(r)));
}

static const struct http_route fx_routes[] = {
    {"GET", "/hello", h_hello, 0, NULL},
    {"GET", "/items/{id}", h_params, 0, "item"},
    {"GET", "/items/search", h_search, 0, NULL},
    {"DELETE", "/items/{id}", h_params, 0, NULL},
    {"GET", "/files/{bucket}/{key}", h_params, HTTP_PREFIX, NULL},
    {"GET", "/health", h_hello, HTTP_PUBLIC, NULL},
    {"POST", "/form", h_form, 0, NULL},
    {"POST", "/json", h_json, 0, NULL},
    {"POST", "/body", h_body, 0, NULL},
    {"PUT", "/body", h_body, 0, NULL},
    {"GET", "/slow", h_slow, 0, NULL},
    {"GET", "/nothing", h_nothing, 0, NULL},
    {"GET", "/etag", h_etag, 0, NULL},
    {"GET", "/err/{code}", h_err, 0, NULL},
    {"GET", "/metrics", h_metrics, HTTP_PUBLIC, NULL},
    {"GET", "/base", h_base, 0, NULL},
};

struct fx {
    struct http_server *srv;
    char base[64];
};

/* Start the test server; opts may be NULL (tu_http_opts: no keys, the
 * config table's limits, a 10 s idle timeout). */
static inline void fx_start(struct fx *f, const struct http_server_opts *opts)
{
    struct http_server_opts o;
    struct kr_err err = {0};
    tu_http_opts(&o);
    o.conn_timeout_s = 10;
    if (opts)
        o = *opts;
    log_set_level(LOG_WARN);
    enum kr_code rc = http_server_start(&o, fx_routes, sizeof fx_routes / sizeof fx_routes[0], NULL,
                                        &f->srv, &err);
    if (rc != KR_OK)
        fail_msg("server start: %s", err.msg);
    snprintf(f->base, sizeof f->base, "http://127.0.0.1:%d", http_server_port(f->srv));
}

static inline void fx_stop(struct fx *f)
{
    http_server_stop(f->srv);
    f->srv = NULL;
}

static inline const char *fx_url(const struct fx *f, const char *path, char *out, size_t n)
{
    snprintf(out, n, "%s%s", f->base, path);
    return out;
}

/* Parse a response body as JSON (fails the test if it is not). */
static inline json_t *fx_json(const struct tu_resp *r)
{
    json_error_t je;
    json_t *j = json_loadb(r->body, r->len, 0, &je);
    if (!j)
        fail_msg("not JSON (%s): %.200s", je.text, r->body);
    return j;
}

static inline const char *fx_str(json_t *j, const char *key)
{
    return json_string_value(json_object_get(j, key));
}

/* Assert an error reply: status, {"error": <string>, "code": code,
 * "detail": the same string}. */
static inline void fx_assert_error(const struct tu_resp *r, long status, const char *code)
{
    json_t *j = fx_json(r);
    assert_int_equal(r->status, status);
    assert_string_equal(fx_str(j, "code"), code);
    assert_non_null(fx_str(j, "error"));
    assert_string_equal(fx_str(j, "detail"), fx_str(j, "error"));
    assert_int_equal(json_object_size(j), 3);
    assert_string_equal(r->ctype, "application/json");
    json_decref(j);
}

/* Send raw bytes on a new connection and read the reply into reply (up to
 * rn - 1 bytes, NUL-ended) until the server closes or wait_ms pass without
 * data. Returns the reply's status (0: none); *closed tells whether the
 * server closed the connection. */
static inline int fx_raw(int port, const void *data, size_t n, char *reply, size_t rn,
                         int wait_ms, int *closed)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    struct timeval tv = {.tv_sec = wait_ms / 1000, .tv_usec = (wait_ms % 1000) * 1000};
    size_t got = 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0), status = 0;
    ssize_t k = 0;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    for (size_t off = 0; off < n; off += (size_t)k) {
        k = send(fd, (const char *)data + off, n - off, MSG_NOSIGNAL);
        if (k <= 0)
            break;
    }
    while (got < rn - 1 && (k = recv(fd, reply + got, rn - 1 - got, 0)) > 0)
        got += (size_t)k;
    reply[got] = '\0';
    if (closed)
        *closed = k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
    if (strncmp(reply, "HTTP/1.", 7) == 0)
        status = atoi(reply + 9);
    close(fd);
    return status;
}

#endif
