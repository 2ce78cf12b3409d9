/*
 * request.c - what a handler can ask of its request.
 *
 * Everything returned here lives in the request (its arena, its body
 * buffers, or MHD's connection pool) and is valid until the handler returns.
 * JSON bodies are parsed on demand under two limits: max_json bytes and
 * max_json_depth, the latter checked by a scan outside strings before
 * jansson sees the text, so a deep "[[[[..." never reaches the parser.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "http/http_int.h"

/* ---- arena ---------------------------------------------------------------- */

struct http_arena_block {
    struct http_arena_block *next;
    size_t used, cap;
    max_align_t data[];
};

#define ARENA_BLOCK 4096

void *http__arena_alloc(struct http_arena *a, size_t n)
{
    struct http_arena_block *b = a->head;
    size_t align = _Alignof(max_align_t), need = (n + align - 1) / align * align;
    if (need < n)
        return NULL;
    if (!b || b->cap - b->used < need) {
        size_t cap = need > ARENA_BLOCK ? need : ARENA_BLOCK;
        b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->cap = cap;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    b->used += need;
    return (char *)b->data + b->used - need;
}

char *http__arena_strndup(struct http_arena *a, const char *s, size_t n)
{
    char *p = n + 1 ? http__arena_alloc(a, n + 1) : NULL;
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void http__arena_free(struct http_arena *a)
{
    while (a->head) {
        struct http_arena_block *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

/* ---- accessors ------------------------------------------------------------ */

void http__req_fail(struct http_request *r, enum kr_slug slug, const char *fmt, ...)
{
    va_list ap;
    if (r->fail_status)
        return; /* the first reason wins */
    r->fail_status = kr_slug_status(slug);
    r->fail_slug = slug;
    va_start(ap, fmt);
    vsnprintf(r->fail_msg, sizeof r->fail_msg, fmt, ap);
    va_end(ap);
}

const char *http_req_method(const struct http_request *r)
{
    return r->method;
}

const char *http_req_path(const struct http_request *r)
{
    return r->path;
}

static const char *kv_find(const struct http_kv *kv, int n, const char *name)
{
    for (int i = 0; name && i < n; i++)
        if (strcmp(kv[i].name, name) == 0)
            return kv[i].value;
    return NULL;
}

const char *http_req_param(const struct http_request *r, const char *name)
{
    return kv_find(r->m.params, r->m.nparams, name);
}

const char *http_req_query(const struct http_request *r, const char *name)
{
    return kv_find(r->query, r->nquery, name);
}

const char *http_req_form(const struct http_request *r, const char *name)
{
    for (int i = 0; name && i < r->nfields; i++)
        if (strcmp(r->fields[i].name, name) == 0)
            return (const char *)r->fields[i].value.data;
    return NULL;
}

const char *http_req_arg(const struct http_request *r, const char *name)
{
    const char *v = http_req_query(r, name);
    return v ? v : http_req_form(r, name);
}

const char *http_req_header(const struct http_request *r, const char *name)
{
    return name ? MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name) : NULL;
}

const struct http_file *http_req_file(const struct http_request *r, const char *field)
{
    const struct http_file *f = NULL;
    return http_req_files(r, field, &f, 1) ? f : NULL;
}

size_t http_req_files(const struct http_request *r, const char *field, const struct http_file **out,
                      size_t max)
{
    size_t n = 0;
    for (int i = 0; i < r->nfiles && n < max; i++)
        if (!field || strcmp(r->files[i].pub.field, field) == 0)
            out[n++] = &r->files[i].pub;
    return n;
}

const struct buf *http_req_body(const struct http_request *r)
{
    return &r->body;
}

int http_req_is_form(const struct http_request *r)
{
    return r->is_form;
}

/* ---- JSON ----------------------------------------------------------------- */

/* Deepest [ / { nesting outside strings, stopping once past limit. */
int http__json_depth(const unsigned char *s, size_t n, int limit)
{
    int depth = 0, deepest = 0, in_str = 0;
    for (size_t i = 0; i < n && deepest <= limit; i++) {
        unsigned char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > deepest)
                deepest = depth;
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return deepest;
}

json_t *http_req_json(struct http_request *r, struct http_response *res)
{
    const struct http_limits *lim = &r->srv->lim;
    json_error_t je;
    int depth;

    if (r->json)
        return r->json;
    if (r->is_form) {
        http_res_error(res, KRS_BAD_JSON, "expected a JSON body, got form data");
        return NULL;
    }
    if (r->body.len > lim->max_json) {
        http_res_error(res, KRS_JSON_TOO_LARGE, "JSON body is %zu bytes; the limit is %zu",
                       r->body.len, lim->max_json);
        return NULL;
    }
    depth = http__json_depth(r->body.data, r->body.len, lim->max_json_depth);
    if (depth > lim->max_json_depth) {
        http_res_error(res, KRS_BAD_JSON, "JSON nests deeper than %d levels", lim->max_json_depth);
        return NULL;
    }
    r->json = json_loadb(r->body.data ? (const char *)r->body.data : "", r->body.len, 0, &je);
    if (!r->json)
        http_res_error(res, KRS_BAD_JSON, "invalid JSON at line %d, column %d: %s", je.line,
                       je.column, je.text);
    return r->json;
}

/* ---- client identity ------------------------------------------------------- */

/* The API key the request carries (already checked by the gate when keys are set). */
static const char *presented_key(const struct http_request *r)
{
    const char *v = http_req_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
    if (v && strncasecmp(v, "Bearer ", 7) == 0)
        return v + 7 + strspn(v + 7, " ");
    return http_req_header(r, "X-API-Key");
}

void http_req_client(const struct http_request *r, char *out, size_t n)
{
    const char *k = r->srv->nkeys > 0 ? presented_key(r) : NULL;
    char addr[HTTP_ADDR_STR], hex[65];

    if (k) {
        util_sha256_hex(k, strlen(k), hex);
        snprintf(out, n, "key:%.16s", hex);
        return;
    }
    http__conns_client(r->srv, r->conn, addr, sizeof addr);
    snprintf(out, n, "addr:%s", addr);
}
