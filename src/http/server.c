/*
 * server.c - the MHD daemon and the life of one request.
 *
 * MHD runs thread-per-connection (one blocking handler never stalls other
 * clients). addr.c binds the listen socket, conn.c watches connections
 * (deadlines, the per-address limit, draining at shutdown).
 *
 * Before anything listens, http_server_check() refuses settings that would
 * quietly leave the server open: API keys that parse to nothing or are too
 * short, and no keys at all on a non-loopback address unless allow_no_auth.
 *
 * A request moves through three phases:
 *   NEW   MHD has the URI (URI-log callback allocates the request);
 *   BODY  first access call: route, auth, Content-Length and form set-up.
 *         A refusal of a request that carries a body is answered right away,
 *         so MHD never reads the body (and closes the connection), except a
 *         413 for a declared length body.c is willing to drain: answered
 *         after the body, so a client still sending is not reset before it
 *         reads the answer. Any other answer waits for a later call: MHD
 *         0.9.75 drops keep-alive when a response is queued on the first call;
 *   DONE  body complete: the handler runs and the response is queued.
 * MHD's completion callback writes the log line, records metrics and frees
 * the request, whatever happened on the way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"
#include "http/http_int.h"


/* ---- request phases ------------------------------------------------------- */

/* Path and query from the raw URI; 0 (and a failure recorded) if unusable. */
static int split_uri(struct http_request *r)
{
    const char *u = r->uri;
    int absolute = strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0;
    size_t plen;
    if (absolute) { /* absolute-form: drop scheme and authority */
        u = strstr(u, "//") + 2;
        u += strcspn(u, "/?#");
    }
    plen = strcspn(u, "?#");
    r->path = absolute && plen == 0 ? "/" : http__arena_strndup(&r->arena, u, plen);
    if (!r->path || r->path[0] != '/') {
        http__req_fail(r, KRS_BAD_PATH, "the request path must start with '/'");
        return 0;
    }
    if (u[plen] == '?') {
        const char *q = u + plen + 1;
        char *qs = http__arena_strndup(&r->arena, q, strcspn(q, "#"));
        r->nquery = qs ? http__query_parse(&r->arena, qs, r->query, HTTP_MAX_QUERY) : 0;
        if (r->nquery < 0) {
            r->nquery = 0;
            http__req_fail(r, KRS_BAD_QUERY, "the query string contains a NUL byte");
            return 0;
        }
    }
    return 1;
}

/* Route, authenticate and set up the body. Failures go to http__req_fail. */
static void admit(struct http_request *r)
{
    struct http_server *s = r->srv;
    enum http_match_result mr;

    if (!split_uri(r))
        return;
    if (!http__conns_admit(s, r->conn)) {
        http__req_fail(r, KRS_TOO_MANY_CONNECTIONS,
                       "too many requests at once from your address (at most %d)", s->conns.per_ip);
        return;
    }
    mr = http__route_match(s->routes, s->nroutes, r->method, r->path, &r->arena, &r->m);
    if (strcmp(r->method, "OPTIONS") == 0 && mr == HTTP_MATCH_METHOD)
        r->preflight = 1; /* answered by the server, no key needed */
    else if (mr == HTTP_MATCH_NONE)
        http__req_fail(r, KRS_NOT_FOUND, "no such endpoint");
    else if (mr == HTTP_MATCH_METHOD)
        http__req_fail(r, KRS_METHOD_NOT_ALLOWED, "%s is not allowed here (allowed: %s)", r->method,
                       r->m.allow);
    else if (mr == HTTP_MATCH_BAD)
        http__req_fail(r, KRS_BAD_PATH, "a path parameter contains a NUL byte");
    else if (!(r->m.route->r.flags & HTTP_PUBLIC) && !http__auth_ok(s, r->conn))
        http__req_fail(r, KRS_UNAUTHORIZED,
                       "missing or wrong API key (Authorization: Bearer KEY or X-API-Key)");
    if (!r->fail_status && !r->preflight)
        http__body_begin(r);
}

static enum MHD_Result respond(struct http_request *r)
{
    struct http_response res;
    enum MHD_Result ok;

    r->phase = HTTP_PHASE_DONE;
    http__conns_phase(r->srv, r->conn, HTTP_CONN_BUSY);
    http__res_init(&res);
    if (!r->fail_status && !r->preflight)
        http__body_finish(r);
    if (r->fail_status) {
        http_res_error(&res, r->fail_slug, "%s", r->fail_msg);
    } else if (r->preflight) {
        res.status = 204;
    } else {
        if (r->srv->scope)
            r->srv->scope(r, 1);
        r->m.route->r.handler(r, &res, r->srv->app);
        if (r->srv->scope)
            r->srv->scope(r, 0);
        if (res.status == 0)
            http_res_error(&res, KRS_INTERNAL, "the handler produced no response");
    }
    ok = http__res_queue(r, &res);
    http__res_release(&res);
    http__conns_phase(r->srv, r->conn, HTTP_CONN_SEND);
    return ok;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
    struct http_request *r = *con_cls;
    (void)cls;
    (void)url;
    (void)version;
    if (!r)
        return MHD_NO; /* allocation failed in on_uri */
    if (r->phase == HTTP_PHASE_NEW) {
        r->phase = HTTP_PHASE_BODY;
        r->conn = c;
        snprintf(r->method, sizeof r->method, "%s", method);
        http__conns_phase(r->srv, c, HTTP_CONN_BODY);
        admit(r);
        if (r->fail_status && http__body_expected(r) && !http__body_wait_refusal(r))
            return respond(r); /* refuse before reading the body */
        return MHD_YES;
    }
    if (r->phase == HTTP_PHASE_DONE) {
        *upload_size = 0; /* answered already; nothing more is wanted */
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        return http__body_feed(r, upload, n);
    }
    return respond(r);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    struct http_request *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->srv = cls;
    r->conn = c;
    r->t0 = util_now_ms();
    r->uri = http__arena_strndup(&r->arena, uri, strlen(uri));
    buf_init(&r->body, r->srv->lim.max_body);
    if (!r->uri) {
        free(r);
        return NULL;
    }
    http__metrics_inflight(1);
    return r;
}

/* The path for the log: no query string (it may hold secrets), printable. */
static void log_path(const struct http_request *r, char *out, size_t n)
{
    const char *p = r->path ? r->path : r->uri;
    if (p[0] != '/')
        p = "(not a path)"; /* could be an absolute URI with user:password@ */
    size_t len = strcspn(p, "?#");
    snprintf(out, n, "%.*s", (int)(len < 200 ? len : 200), p);
    for (char *p = out; *p; p++)
        if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
            *p = '?';
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_server *s = cls;
    struct http_request *r = *con_cls;
    char path[256];
    double ms;
    http__conns_phase(s, c, HTTP_CONN_HEAD); /* keep-alive: the next head's deadline */
    if (!r)
        return;
    ms = util_now_ms() - r->t0;
    log_path(r, path, sizeof path);
    log_info("%s %s %d %zu %.1fms%s", r->method[0] ? r->method : "-", path, r->status, r->bytes, ms,
             toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (connection ended early)");
    if (r->status)
        http__metrics_observe(r->m.route ? r->m.route->metric_id : s->unmatched_metric, r->status,
                             ms);
    http__metrics_inflight(-1);
    http__body_release(r);
    json_decref(r->json);
    http__arena_free(&r->arena);
    free(r);
    *con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    (void)cls;
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\r\n")] = '\0';
    log_debug("http: %s", msg);
}

/* ---- start / stop --------------------------------------------------------- */

void http_opts_from_config(const struct config *cfg, struct http_server_opts *o)
{
    *o = (struct http_server_opts){
        .listen = cfg->listen,
        .api_keys = cfg->api_keys,
        .allow_no_auth = cfg->allow_no_auth,
        .cors_origins = cfg->cors_origins,
        .trusted_proxies = cfg->trusted_proxies,
        .allowed_hosts = cfg->allowed_hosts,
        .conn_timeout_s = cfg->conn_timeout_s,
        .head_timeout_s = cfg->header_timeout_s,
        .body_timeout_s = cfg->body_timeout_s,
        .max_conns_per_ip = cfg->max_conns_per_ip,
        .retry_after_s = cfg->retry_after_s,
        .limits = {(size_t)cfg->max_upload_bytes, (size_t)cfg->max_json_bytes,
                   cfg->max_json_depth, cfg->max_form_fields, (size_t)cfg->max_field_bytes},
    };
}

/* Every number is required: there are no defaults below the config table. */
static enum kr_code check_numbers(const struct http_server_opts *o, struct kr_err *err)
{
    const struct http_limits *l = &o->limits;
    if (o->conn_timeout_s > 0 && o->head_timeout_s > 0 && o->body_timeout_s > 0 &&
        o->max_conns_per_ip > 0 && o->retry_after_s > 0 && l->max_body > 0 && l->max_json > 0 &&
        l->max_json_depth > 0 && l->max_fields > 0 && l->max_field_len > 0)
        return KR_OK;
    return kr_fail(err, KRS_BAD_OPTION,
                   "every HTTP timeout, limit and count must be given (> 0)");
}

static void server_free(struct http_server *s)
{
    if (!s)
        return;
    http__conns_free(s);
    http__free_list(s->keys, s->nkeys);
    http__free_list(s->origins, s->norigins);
    http__free_list(s->hosts, s->nhosts);
    free(s->routes);
    free(s);
}

/* The per-address limit is conn.c's (accept policy), not MHD's: behind a
 * trusted proxy it counts X-Forwarded-For addresses instead of the peer. */
static struct MHD_Daemon *start_mhd(struct http_server *s, int fd, int timeout_s)
{
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_AUTO | MHD_USE_ERROR_LOG;
    return MHD_start_daemon(
        flags, 0, http__conns_accept, s, on_access, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
        MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_NOTIFY_CONNECTION,
        http__conns_notify, s, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)timeout_s, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)HTTP_MAX_CONNS, MHD_OPTION_END);
}

/* Keys parsed into s (NULL: checked and dropped), then the no-keys rule. */
static enum kr_code check_auth(const struct http_server_opts *o, struct http_server *s,
                               struct kr_err *err)
{
    char *keys[HTTP_MAX_LIST];
    int n = 0, loopback = 0;
    enum kr_code rc = http__keys_parse(o->api_keys, s ? s->keys : keys, &n, err);
    if (rc != KR_OK)
        return rc;
    if (s)
        s->nkeys = n;
    else
        http__free_list(keys, n);
    if (n > 0 || o->allow_no_auth)
        return KR_OK;
    rc = http__listen_loopback(o->listen, &loopback, err);
    if (rc == KR_OK && !loopback)
        rc = kr_fail(err, KRS_NO_AUTH,
                     "refusing to listen on %s without API keys: set KARAT_API_KEYS, listen on a "
                     "loopback address, or set KARAT_ALLOW_NO_AUTH=1 to serve anyone who can "
                     "reach it",
                     o->listen);
    return rc;
}

enum kr_code http_server_check(const struct http_server_opts *opts, struct kr_err *err)
{
    struct http_cidr proxies[HTTP_MAX_LIST];
    int n;
    enum kr_code rc = check_numbers(opts, err);
    if (rc == KR_OK)
        rc = check_auth(opts, NULL, err);
    return rc != KR_OK ? rc : http__cidr_list(opts->trusted_proxies, proxies, &n, err);
}

enum kr_code http_server_start(const struct http_server_opts *opts, const struct http_route *routes,
                               size_t nroutes, void *app, struct http_server **out,
                               struct kr_err *err)
{
    struct http_server *s = calloc(1, sizeof *s);
    enum kr_code rc;
    int fd = -1;

    *out = NULL;
    if (!s)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "http server");
    s->app = app;
    s->lim = opts->limits;
    if ((rc = check_numbers(opts, err)) != KR_OK)
        goto out;
    rc = http__routes_compile(routes, nroutes, &s->routes, err);
    if (rc != KR_OK)
        goto out;
    s->nroutes = nroutes;
    s->unmatched_metric = http__metrics_route_id("-", "(unmatched)");
    if ((rc = check_auth(opts, s, err)) != KR_OK || (rc = http__conns_init(s, opts, err)) != KR_OK)
        goto out;
    s->norigins = http__split_list(opts->cors_origins, s->origins, HTTP_MAX_LIST);
    if (s->norigins < 0) {
        s->norigins = 0;
        rc = kr_fail(err, KRS_BAD_CORS_ORIGINS,
                     "KARAT_CORS_ORIGINS: more than %d origins, or out of memory", HTTP_MAX_LIST);
        goto out;
    }
    snprintf(s->retry_after, sizeof s->retry_after, "%d", opts->retry_after_s);
    s->scope = opts->scope;
    rc = http__listen_open(s, opts->listen, &fd, err);
    if (rc == KR_OK)
        rc = http__hosts_init(s, opts->allowed_hosts, err);
    if (rc != KR_OK)
        goto out;
    s->mhd = start_mhd(s, fd, opts->conn_timeout_s);
    if (!s->mhd) {
        close(fd);
        rc = kr_fail(err, KRS_SERVER_START, "the HTTP server could not start on %s", opts->listen);
        goto out;
    }
    *out = s;
    return KR_OK;
out:
    server_free(s);
    return rc;
}

int http_server_port(const struct http_server *s)
{
    return s ? s->port : -1;
}

void http_server_stop(struct http_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->mhd); /* joins connection threads, closes the listen socket */
    server_free(s);
}

int http_server_shutdown(struct http_server *s, int grace_ms)
{
    int running;
    if (!s)
        return 0;
    running = http__conns_drain(s, grace_ms);
    if (running == 0)
        http_server_stop(s);
    return running;
}
