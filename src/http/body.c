/*
 * body.c - reading a request body under the limits.
 *
 * Framing first: Content-Length together with Transfer-Encoding, more than
 * one Content-Length, or a transfer coding other than "chunked" -> 400 and
 * the connection is closed (a proxy in front could read the body's end
 * differently: request smuggling).
 *
 * A declared Content-Length over limits.max_body is refused with 413 before
 * anything is stored. If the declared body is within the drain allowance
 * (below) it is read and dropped first, so the client, still sending, is not
 * reset and always reads the 413; a larger one, or one the client holds back
 * until told to continue (Expect: 100-continue), is answered at once and the
 * connection closed.
 * multipart/form-data and application/x-www-form-urlencoded bodies go through
 * MHD_PostProcessor as they stream in: non-file parts become fields (at most
 * max_field_len bytes each), parts with a filename become files (each and all
 * together bounded by max_body), and fields + files together by max_fields.
 * Any other body is kept in one buffer bounded by max_body.
 *
 * A body without a length (chunked) that grows past max_body stops being
 * stored; what has been kept is freed and the rest is read and dropped so
 * the client still gets its 413. Past max_body + max(max_body, 8 MiB) the
 * connection is closed instead: nobody gets to stream forever.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http_int.h"

#define DRAIN_MIN (8u << 20)
#define NAME_MAX_ 256 /* field names and file names */

static const char *header(struct http_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* 1 and *out when a valid Content-Length is present. */
static int content_length(struct http_request *r, uint64_t *out)
{
    const char *cl = header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
    char *end = NULL;
    unsigned long long v;
    if (!cl || *cl < '0' || *cl > '9')
        return 0;
    v = strtoull(cl, &end, 10);
    if (*end != '\0')
        return 0;
    *out = v;
    return 1;
}

int http__body_expected(struct http_request *r)
{
    const char *te = header(r, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    uint64_t cl = 0;
    if (te && strcasestr(te, "chunked"))
        return 1;
    return content_length(r, &cl) && cl > 0;
}

static int type_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    return strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* Free everything stored so far (over a limit, or the request failed). */
static void drop_data(struct http_request *r)
{
    for (int i = 0; i < r->nfields; i++)
        buf_release(&r->fields[i].value);
    for (int i = 0; i < r->nfiles; i++)
        buf_release(&r->files[i].data);
    free(r->fields);
    free(r->files);
    r->fields = NULL;
    r->files = NULL;
    r->nfields = r->nfiles = 0;
    r->cur_kind = 0;
    buf_release(&r->body);
}

static void over_limit(struct http_request *r)
{
    r->too_big = 1;
    drop_data(r);
    http__req_fail(r, KRS_TOO_LARGE, "request body is over the %zu-byte limit",
                   r->srv->lim.max_body);
}

static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *filename, const char *ctype, const char *te,
                               const char *data, uint64_t off, size_t size);

static enum MHD_Result count_length(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    (void)kind;
    (void)value;
    *(int *)cls += strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0;
    return MHD_YES;
}

/* 0 (and a 400 recorded) when the body's framing is ambiguous. */
static int framing_ok(struct http_request *r)
{
    const char *te = header(r, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    int lengths = 0;
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, count_length, &lengths);
    if (te && lengths) {
        http__req_fail(r, KRS_BAD_REQUEST,
                       "Content-Length together with Transfer-Encoding is not accepted");
        return 0;
    }
    if (te && strcasecmp(te, "chunked") != 0) {
        http__req_fail(r, KRS_BAD_REQUEST, "the only transfer coding accepted is chunked");
        return 0;
    }
    if (lengths > 1) {
        http__req_fail(r, KRS_BAD_REQUEST, "more than one Content-Length header");
        return 0;
    }
    return 1;
}

/* Largest number of body bytes read only to be thrown away. */
static uint64_t drain_max(const struct http_request *r)
{
    size_t max = r->srv->lim.max_body;
    return (uint64_t)max + (max > DRAIN_MIN ? max : DRAIN_MIN);
}

int http__body_wait_refusal(struct http_request *r)
{
    const char *expect = header(r, MHD_HTTP_HEADER_EXPECT);
    uint64_t cl = 0;
    if (expect && strcasecmp(expect, "100-continue") == 0)
        return 0; /* the client waits for our word before sending: answer now */
    return r->too_big && content_length(r, &cl) && cl <= drain_max(r);
}

void http__body_begin(struct http_request *r)
{
    const struct http_limits *lim = &r->srv->lim;
    const char *ct = header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
    uint64_t cl = 0;

    buf_init(&r->body, lim->max_body);
    if (!framing_ok(r))
        return;
    if (content_length(r, &cl) && cl > lim->max_body) {
        r->too_big = 1;
        http__req_fail(r, KRS_TOO_LARGE, "request body is %llu bytes; the limit is %zu",
                       (unsigned long long)cl, lim->max_body);
        return;
    }
    if (!ct ||
        !(type_is(ct, "multipart/form-data") || type_is(ct, "application/x-www-form-urlencoded")))
        return;
    r->is_form = 1;
    r->pp = MHD_create_post_processor(r->conn, HTTP_PP_BUFFER, on_part, r);
    if (!r->pp)
        http__req_fail(r, KRS_BAD_FORM, "malformed form content type (multipart needs a boundary)");
}

/* Bytes we read only to throw away: past max_body + max(max_body, 8 MiB)
 * the connection is closed instead. */
static enum MHD_Result drain(const struct http_request *r)
{
    return r->received > drain_max(r) ? MHD_NO : MHD_YES;
}

enum MHD_Result http__body_feed(struct http_request *r, const char *data, size_t n)
{
    r->received += n;
    if (r->preflight)
        return drain(r); /* an OPTIONS body is never stored */
    if (r->received > r->srv->lim.max_body && !r->too_big)
        over_limit(r);
    if (r->too_big)
        return drain(r);
    if (r->fail_status)
        return MHD_YES;
    if (r->pp) {
        if (MHD_post_process(r->pp, data, n) != MHD_YES && !r->fail_status)
            http__req_fail(r, KRS_BAD_FORM, "malformed form data");
        if (r->fail_status)
            drop_data(r);
        return MHD_YES;
    }
    if (buf_append(&r->body, data, n) != KR_OK)
        over_limit(r);
    return MHD_YES;
}

/* Is this call the start of a new part? MHD reports every part at least once
 * (a zero-byte part as one call with size 0), and may report offset 0 twice
 * when the first call had no data yet. */
static int new_part(struct http_request *r, int kind, const char *key, uint64_t off)
{
    if (r->cur_kind != kind)
        return 1;
    if (off != 0)
        return 0;
    if (kind == 1) {
        struct http_field *f = &r->fields[r->nfields - 1];
        return f->value.len != 0 || strcmp(f->name, key) != 0;
    }
    return r->files[r->nfiles - 1].data.len != 0 ||
           strcmp(r->files[r->nfiles - 1].pub.field, key) != 0;
}

static int room_for_part(struct http_request *r)
{
    if (r->nfields + r->nfiles < r->srv->lim.max_fields)
        return 1;
    http__req_fail(r, KRS_TOO_MANY_FIELDS, "more than %d form fields and files",
                   r->srv->lim.max_fields);
    return 0;
}

static int field_data(struct http_request *r, const char *key, const char *data, uint64_t off,
                      size_t size)
{
    struct http_field *f;
    if (new_part(r, 1, key, off)) {
        struct http_field *grown;
        if (!room_for_part(r))
            return 0;
        grown = realloc(r->fields, (size_t)(r->nfields + 1) * sizeof *grown);
        if (!grown)
            return 0;
        r->fields = grown;
        f = &r->fields[r->nfields++];
        f->name = http__arena_strndup(&r->arena, key, strnlen(key, NAME_MAX_));
        buf_init(&f->value, r->srv->lim.max_field_len);
        r->cur_kind = 1;
        if (!f->name || buf_append(&f->value, "", 0) != KR_OK)
            return 0;
    }
    f = &r->fields[r->nfields - 1];
    if (buf_append(&f->value, data, size) != KR_OK) {
        http__req_fail(r, KRS_FIELD_TOO_LARGE, "form field '%s' is over %zu bytes", f->name,
                       r->srv->lim.max_field_len);
        return 0;
    }
    return 1;
}

/* The client's file name without any directory part. */
static const char *base_name(const char *name)
{
    const char *slash = strrchr(name, '/'), *back = strrchr(name, '\\');
    if (back > slash)
        slash = back;
    return slash ? slash + 1 : name;
}

static int start_file(struct http_request *r, const char *key, const char *filename,
                      const char *ctype)
{
    struct http_upload *u, *grown;
    const char *base = base_name(filename);
    if (!room_for_part(r))
        return 0;
    grown = realloc(r->files, (size_t)(r->nfiles + 1) * sizeof *grown);
    if (!grown)
        return 0;
    r->files = grown;
    u = &r->files[r->nfiles++];
    memset(u, 0, sizeof *u);
    buf_init(&u->data, r->srv->lim.max_body);
    u->pub.field = http__arena_strndup(&r->arena, key, strnlen(key, NAME_MAX_));
    u->pub.filename = http__arena_strndup(&r->arena, base, strnlen(base, NAME_MAX_));
    ctype = ctype ? ctype : "application/octet-stream";
    u->pub.content_type = http__arena_strndup(&r->arena, ctype, strnlen(ctype, NAME_MAX_));
    r->cur_kind = 2;
    return u->pub.field && u->pub.filename && u->pub.content_type;
}

/* The next bytes of the current file part (started by start_file). */
static int file_data(struct http_request *r, const char *data, size_t size)
{
    if (buf_append(&r->files[r->nfiles - 1].data, data, size) != KR_OK) {
        over_limit(r);
        return 0;
    }
    return 1;
}

static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *filename, const char *ctype, const char *te,
                               const char *data, uint64_t off, size_t size)
{
    struct http_request *r = cls;
    int ok;
    (void)kind;
    (void)te;
    if (r->fail_status)
        return MHD_NO;
    key = key ? key : "";
    if (filename)
        ok = (!new_part(r, 2, key, off) || start_file(r, key, filename, ctype)) &&
             file_data(r, data, size);
    else
        ok = field_data(r, key, data, off, size);
    if (!ok && !r->fail_status)
        http__req_fail(r, KRS_OUT_OF_MEMORY, "out of memory reading the form");
    return ok ? MHD_YES : MHD_NO;
}

void http__body_finish(struct http_request *r)
{
    if (r->pp) {
        enum MHD_Result ok = MHD_destroy_post_processor(r->pp);
        r->pp = NULL;
        if (ok != MHD_YES && !r->fail_status)
            http__req_fail(r, KRS_BAD_FORM, "malformed or truncated form data");
    }
    for (int i = 0; i < r->nfields && !r->fail_status; i++)
        if (memchr(r->fields[i].value.data, '\0', r->fields[i].value.len))
            http__req_fail(r, KRS_BAD_FORM, "form field '%s' contains a NUL byte",
                           r->fields[i].name);
    if (r->fail_status) {
        drop_data(r);
        return;
    }
    for (int i = 0; i < r->nfiles; i++) {
        struct http_upload *u = &r->files[i];
        u->pub.data = u->data.data ? u->data.data : (const unsigned char *)"";
        u->pub.len = u->data.len;
    }
}

void http__body_release(struct http_request *r)
{
    if (r->pp)
        MHD_destroy_post_processor(r->pp);
    r->pp = NULL;
    drop_data(r);
}
