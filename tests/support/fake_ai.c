/*
 * fake_ai.c - scriptable loopback HTTP server for provider and fetch tests
 * (see fake_ai.h). libmicrohttpd, thread per connection; the reply queue and
 * the request log sit under one mutex.
 */
#include "fake_ai.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_QUEUE 256
#define MAX_LOG   1024

struct fake_ai {
    struct MHD_Daemon *d;
    int port;
    char base[64];
    pthread_mutex_t mu;
    struct fake_reply queue[MAX_QUEUE];
    size_t qhead, qtail;
    struct fake_request *log[MAX_LOG];
    size_t nlog;
    int inflight, max_inflight;
    volatile int stopping;
    volatile int released; /* bumped by fake_ai_release: held replies go */
    fake_ai_responder responder; /* answers when the queue is empty (may be NULL) */
    void *responder_arg;
};

struct conn {
    unsigned char *body;
    size_t len, cap;
};

static char *xstrdup(const char *s)
{
    char *p = strdup(s ? s : "");
    if (!p)
        abort();
    return p;
}

static void *xmemdup(const void *d, size_t n)
{
    unsigned char *p = malloc(n + 1);
    if (!p)
        abort();
    if (n)
        memcpy(p, d, n);
    p[n] = 0;
    return p;
}

/* ---- multipart parsing of recorded bodies -------------------------------- */

static char *disp_param(const char *hdrs, size_t hl, const char *key)
{
    char pat[32];
    const char *p;
    snprintf(pat, sizeof pat, " %s=\"", key);
    for (p = hdrs; p && p < hdrs + hl; p++) {
        if (strncasecmp(p, pat, strlen(pat)) == 0 ||
            (p[0] == ';' && strncasecmp(p + 1, pat + 1, strlen(pat) - 1) == 0)) {
            const char *v = strchr(p, '"') + 1, *e = strchr(v, '"');
            return e && e <= hdrs + hl ? strndup(v, (size_t)(e - v)) : NULL;
        }
    }
    return NULL;
}

static void parse_part(struct fake_request *r, const unsigned char *p, size_t n)
{
    const unsigned char *sep = memmem(p, n, "\r\n\r\n", 4);
    struct fake_part *fp;
    const char *ct;
    if (!sep)
        return;
    char *hdrs = xmemdup(p, (size_t)(sep - p));
    size_t hl = (size_t)(sep - p);
    r->parts = realloc(r->parts, (r->nparts + 1) * sizeof *r->parts);
    fp = &r->parts[r->nparts++];
    memset(fp, 0, sizeof *fp);
    fp->name = disp_param(hdrs, hl, "name");
    fp->filename = disp_param(hdrs, hl, "filename");
    ct = strcasestr(hdrs, "content-type:");
    if (ct) {
        ct += 13;
        while (*ct == ' ')
            ct++;
        fp->content_type = strndup(ct, strcspn(ct, "\r\n"));
    }
    fp->len = n - (size_t)(sep + 4 - p);
    fp->data = xmemdup(sep + 4, fp->len);
    free(hdrs);
}

static void parse_multipart(struct fake_request *r)
{
    const char *ct = fake_req_header(r, "Content-Type"), *b;
    char delim[256];
    size_t dl;
    const unsigned char *p, *end = r->body + r->body_len;
    if (!ct || strncasecmp(ct, "multipart/form-data", 19) != 0 || !(b = strstr(ct, "boundary=")))
        return;
    dl = (size_t)snprintf(delim, sizeof delim, "\r\n--%s", b + 9);
    p = memmem(r->body, r->body_len, delim + 2, dl - 2);
    while (p) {
        p += dl - 2;
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            break;
        p += 2; /* CRLF after the delimiter */
        const unsigned char *next = memmem(p, (size_t)(end - p), delim, dl);
        if (!next)
            break;
        parse_part(r, p, (size_t)(next - p));
        p = next + 2;
    }
}

/* ---- the server ----------------------------------------------------------- */

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
    struct fake_request *r = cls;
    (void)kind;
    r->headers = realloc(r->headers, (r->nheaders + 1) * sizeof *r->headers);
    r->headers[r->nheaders].name = xstrdup(k);
    r->headers[r->nheaders].value = xstrdup(v);
    r->nheaders++;
    return MHD_YES;
}

static enum MHD_Result add_query(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
    char **url = cls;
    size_t n = strlen(*url) + strlen(k) + (v ? strlen(v) : 0) + 3;
    char *u = malloc(n);
    (void)kind;
    snprintf(u, n, "%s%s%s%s%s", *url, strchr(*url, '?') ? "&" : "?", k, v ? "=" : "", v ? v : "");
    free(*url);
    *url = u;
    return MHD_YES;
}

static struct fake_request *record(struct fake_ai *f, struct MHD_Connection *c, const char *url,
                                   const char *method, struct conn *cn)
{
    struct fake_request *r = calloc(1, sizeof *r);
    snprintf(r->method, sizeof r->method, "%s", method);
    r->url = xstrdup(url);
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_query, &r->url);
    MHD_get_connection_values(c, MHD_HEADER_KIND, add_header, r);
    r->body = xmemdup(cn->body, cn->len);
    r->body_len = cn->len;
    parse_multipart(r);
    pthread_mutex_lock(&f->mu);
    if (f->nlog < MAX_LOG)
        f->log[f->nlog++] = r;
    pthread_mutex_unlock(&f->mu);
    return r;
}

void fake_ai_set_responder(struct fake_ai *f, fake_ai_responder fn, void *arg)
{
    pthread_mutex_lock(&f->mu);
    f->responder = fn;
    f->responder_arg = arg;
    pthread_mutex_unlock(&f->mu);
}

static struct fake_reply pop_reply(struct fake_ai *f, const struct fake_request *req)
{
    struct fake_reply rep = {
        500, xstrdup("{\"error\":{\"message\":\"fake: no canned reply\"}}"), 0, NULL, NULL, 0};
    fake_ai_responder fn;
    void *arg;
    pthread_mutex_lock(&f->mu);
    fn = f->responder;
    arg = f->responder_arg;
    if (f->qhead != f->qtail) {
        free((char *)rep.body);
        rep = f->queue[f->qhead++ % MAX_QUEUE];
        fn = NULL;
    }
    if (++f->inflight > f->max_inflight)
        f->max_inflight = f->inflight;
    pthread_mutex_unlock(&f->mu);
    if (fn) {
        free((char *)rep.body);
        memset(&rep, 0, sizeof rep);
        fn(req, &rep, arg);
    }
    return rep;
}

static void nap(struct fake_ai *f, int ms)
{
    int gen = f->released;
    if (ms < 0) /* held until fake_ai_release(), at most two minutes */
        for (int i = 0; i < 120000 && !f->stopping && f->released == gen; i += 10) {
            struct timespec ts = {0, 10 * 1000000L};
            nanosleep(&ts, NULL);
        }
    for (int i = 0; i < ms && !f->stopping; i += 10) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static void add_extra_headers(struct MHD_Response *res, const char *lines)
{
    char *copy = xstrdup(lines), *save = NULL;
    for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char *colon = strchr(l, ':');
        if (!colon)
            continue;
        *colon = 0;
        char *v = colon + 1;
        while (*v == ' ')
            v++;
        MHD_add_response_header(res, l, v);
    }
    free(copy);
}

static enum MHD_Result answer(struct fake_ai *f, struct MHD_Connection *c,
                              const struct fake_request *req)
{
    struct fake_reply rep = pop_reply(f, req);
    size_t n = rep.body ? (rep.body_len ? rep.body_len : strlen(rep.body)) : 0;
    struct MHD_Response *res;
    enum MHD_Result ok;

    nap(f, rep.delay_ms);
    res = MHD_create_response_from_buffer(n, (void *)(rep.body ? rep.body : ""),
                                          MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(res, "Content-Type",
                            rep.content_type ? rep.content_type : "application/json");
    if (rep.headers)
        add_extra_headers(res, rep.headers);
    ok = MHD_queue_response(c, (unsigned)rep.status, res);
    MHD_destroy_response(res);
    pthread_mutex_lock(&f->mu);
    f->inflight--;
    pthread_mutex_unlock(&f->mu);
    free((char *)rep.body);
    free((char *)rep.headers);
    free((char *)rep.content_type);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct fake_ai *f = cls;
    struct conn *cn = *con_cls;
    (void)version;
    if (!cn) {
        *con_cls = calloc(1, sizeof *cn);
        return MHD_YES;
    }
    if (*upload_size) {
        if (cn->len + *upload_size > cn->cap) {
            cn->cap = (cn->len + *upload_size) * 2;
            cn->body = realloc(cn->body, cn->cap);
        }
        memcpy(cn->body + cn->len, upload, *upload_size);
        cn->len += *upload_size;
        *upload_size = 0;
        return MHD_YES;
    }
    return answer(f, c, record(f, c, url, method, cn));
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    struct conn *cn = *con_cls;
    (void)cls, (void)c, (void)toe;
    if (cn) {
        free(cn->body);
        free(cn);
        *con_cls = NULL;
    }
}

struct fake_ai *fake_ai_start(void)
{
    struct fake_ai *f = calloc(1, sizeof *f);
    struct sockaddr_in sa = {0};
    const union MHD_DaemonInfo *info;

    pthread_mutex_init(&f->mu, NULL);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    f->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0,
                            NULL, NULL, on_request, f, MHD_OPTION_SOCK_ADDR, &sa,
                            MHD_OPTION_NOTIFY_COMPLETED, on_done, f, MHD_OPTION_END);
    if (!f->d) {
        fprintf(stderr, "fake_ai: cannot start server\n");
        abort();
    }
    info = MHD_get_daemon_info(f->d, MHD_DAEMON_INFO_BIND_PORT);
    f->port = info->port;
    snprintf(f->base, sizeof f->base, "http://127.0.0.1:%d", f->port);
    return f;
}

static void free_request(struct fake_request *r)
{
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    for (size_t i = 0; i < r->nparts; i++) {
        free(r->parts[i].name);
        free(r->parts[i].filename);
        free(r->parts[i].content_type);
        free(r->parts[i].data);
    }
    free(r->headers);
    free(r->parts);
    free(r->url);
    free(r->body);
    free(r);
}

void fake_ai_stop(struct fake_ai *f)
{
    if (!f)
        return;
    f->stopping = 1;
    MHD_stop_daemon(f->d);
    for (size_t i = 0; i < f->nlog; i++)
        free_request(f->log[i]);
    while (f->qhead != f->qtail) {
        struct fake_reply *r = &f->queue[f->qhead++ % MAX_QUEUE];
        free((char *)r->body);
        free((char *)r->headers);
        free((char *)r->content_type);
    }
    pthread_mutex_destroy(&f->mu);
    free(f);
}

const char *fake_ai_base(const struct fake_ai *f)
{
    return f->base;
}

int fake_ai_port(const struct fake_ai *f)
{
    return f->port;
}

void fake_ai_push_reply(struct fake_ai *f, const struct fake_reply *r)
{
    struct fake_reply c = *r;
    size_t n = r->body ? (r->body_len ? r->body_len : strlen(r->body)) : 0;
    c.body = r->body ? xmemdup(r->body, n) : NULL;
    c.body_len = n;
    c.headers = r->headers ? xstrdup(r->headers) : NULL;
    c.content_type = r->content_type ? xstrdup(r->content_type) : NULL;
    pthread_mutex_lock(&f->mu);
    if (f->qtail - f->qhead < MAX_QUEUE)
        f->queue[f->qtail++ % MAX_QUEUE] = c;
    pthread_mutex_unlock(&f->mu);
}

void fake_ai_push(struct fake_ai *f, int status, const char *body)
{
    struct fake_reply r = {status, body, 0, NULL, NULL, 0};
    fake_ai_push_reply(f, &r);
}

size_t fake_ai_pending(struct fake_ai *f)
{
    size_t n;
    pthread_mutex_lock(&f->mu);
    n = f->qtail - f->qhead;
    pthread_mutex_unlock(&f->mu);
    return n;
}

size_t fake_ai_count(struct fake_ai *f)
{
    size_t n;
    pthread_mutex_lock(&f->mu);
    n = f->nlog;
    pthread_mutex_unlock(&f->mu);
    return n;
}

const struct fake_request *fake_ai_request(struct fake_ai *f, size_t i)
{
    const struct fake_request *r = NULL;
    pthread_mutex_lock(&f->mu);
    if (i < f->nlog)
        r = f->log[i];
    pthread_mutex_unlock(&f->mu);
    return r;
}

int fake_ai_max_inflight(struct fake_ai *f)
{
    int n;
    pthread_mutex_lock(&f->mu);
    n = f->max_inflight;
    pthread_mutex_unlock(&f->mu);
    return n;
}

const char *fake_req_header(const struct fake_request *r, const char *name)
{
    for (size_t i = 0; r && i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

json_t *fake_req_json(const struct fake_request *r)
{
    return r ? json_loadb((const char *)r->body, r->body_len, 0, NULL) : NULL;
}

const struct fake_part *fake_req_part(const struct fake_request *r, const char *name, size_t idx)
{
    for (size_t i = 0; r && i < r->nparts; i++)
        if (r->parts[i].name && strcmp(r->parts[i].name, name) == 0 && idx-- == 0)
            return &r->parts[i];
    return NULL;
}

void fake_ai_release(struct fake_ai *f)
{
    __atomic_add_fetch(&f->released, 1, __ATOMIC_SEQ_CST);
}
