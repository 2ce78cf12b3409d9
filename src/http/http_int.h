/*
 * http_int.h - internals shared by the files of the http module.
 *
 * Not for other modules: they see only http.h. The pieces are
 *   server.c   MHD daemon, the per-request state machine, start and stop;
 *   addr.c     the listen address, peer addresses and trusted-proxy CIDRs;
 *   conn.c     connections: head/body deadlines, per-address limit, drain;
 *   route.c    route table compile + match, percent-decoding, query parsing;
 *   gate.c     API keys and CORS origins (what may pass, which headers go back);
 *   body.c     request body under the limits: MHD_PostProcessor for forms,
 *              a bounded buffer otherwise;
 *   request.c  handler-facing accessors, JSON parsing, base URL, the arena;
 *   response.c response helpers, the one kr_code -> status map, MHD response;
 *   metrics.c  Prometheus counters, histograms and application metrics.
 *
 * A request is allocated when MHD logs its URI (before headers are parsed)
 * and freed in MHD's completion callback, after the log line and metrics.
 */
#ifndef KARAT_HTTP_HTTP_INT_H
#define KARAT_HTTP_HTTP_INT_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>

#include "http/http.h"

#define HTTP_MAX_SEGS             32  /* path segments in a route pattern */
#define HTTP_MAX_PARAMS           8   /* {params} in one pattern */
#define HTTP_MAX_QUERY            64  /* query parameters kept (the rest are ignored) */
#define HTTP_MAX_LIST             32  /* API keys / CORS origins / trusted proxies */
#define HTTP_MIN_KEY_LEN          16  /* shortest API key accepted */
#define HTTP_ALLOW_LEN            128 /* "GET, HEAD, POST, OPTIONS" */
#define HTTP_MAX_CONNS            512 /* concurrent connections (one thread each) */
#define HTTP_PP_BUFFER            16384
#define HTTP_ADDR_STR             48  /* an IPv6 address as text, and a NUL */

/* ---- arena: strings that live as long as the request ---- */
struct http_arena_block;
struct http_arena {
    struct http_arena_block *head;
};
void *http__arena_alloc(struct http_arena *a, size_t n);
char *http__arena_strndup(struct http_arena *a, const char *s, size_t n);
void http__arena_free(struct http_arena *a);

struct http_kv {
    const char *name;
    const char *value;
};

/* ---- routes ---- */
struct http_seg {
    const char *text; /* literal text, or the param name */
    size_t len;
    int is_param;
};

struct http_croute {
    struct http_route r;
    struct http_seg segs[HTTP_MAX_SEGS];
    int nsegs;
    int score;     /* specificity: literal segments win over params */
    int metric_id; /* series in metrics.c */
};

enum http_match_result { HTTP_MATCH_OK, HTTP_MATCH_NONE, HTTP_MATCH_METHOD, HTTP_MATCH_BAD };

struct http_match {
    const struct http_croute *route;
    struct http_kv params[HTTP_MAX_PARAMS];
    int nparams;
    char allow[HTTP_ALLOW_LEN]; /* methods the path accepts (405, OPTIONS) */
};

enum kr_code http__routes_compile(const struct http_route *in, size_t n, struct http_croute **out,
                                 struct kr_err *err);
enum http_match_result http__route_match(const struct http_croute *routes, size_t n,
                                        const char *method, const char *path, struct http_arena *a,
                                        struct http_match *m);
/* Decode %XX (and '+' -> ' ' when plus) in place; returns the new length.
 * Invalid escapes are kept as they are. */
size_t http__pct_decode(char *s, size_t n, int plus);
/* Parse "a=1&b=x%20y" into out (arena strings); -1 if a value holds a NUL. */
int http__query_parse(struct http_arena *a, const char *q, struct http_kv *out, int max);

/* ---- addresses (addr.c) ---- */
struct http_addr {
    unsigned char b[16]; /* IPv6; IPv4 as ::ffff:a.b.c.d */
};
struct http_cidr {
    struct http_addr addr; /* host bits cleared */
    int bits;              /* prefix length over the 16 bytes */
};
/* Bind listen ("HOST:PORT"); sets s->host and s->port. */
enum kr_code http__listen_open(struct http_server *s, const char *listen, int *fd_out,
                              struct kr_err *err);
/* *loopback = 1 when every address listen resolves to is a loopback one. */
enum kr_code http__listen_loopback(const char *listen, int *loopback, struct kr_err *err);
int http__addr_from_sockaddr(const struct sockaddr *sa, struct http_addr *out); /* -1: not IP */
int http__addr_parse(const char *s, struct http_addr *out);                      /* -1: not IP */
void http__addr_str(const struct http_addr *a, char *out, size_t n);
int http__addr_loopback(const struct http_addr *a);
int http__cidr_match(const struct http_cidr *c, const struct http_addr *a);
/* Comma-separated addresses / CIDRs; KR_EINVAL "bad_trusted_proxies". */
enum kr_code http__cidr_list(const char *s, struct http_cidr *out, int *n, struct kr_err *err);

/* ---- connections (conn.c) ---- */
enum http_conn_phase { HTTP_CONN_HEAD, HTTP_CONN_BODY, HTTP_CONN_BUSY, HTTP_CONN_SEND };
struct http_conn;
struct http_conns {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* watchdog sleep and stop; phase changes wake drain */
    struct http_conn *head;
    pthread_t thread;
    int ready, running, stop, draining;
    int per_ip, head_ms, body_ms;
    struct http_cidr proxies[HTTP_MAX_LIST];
    int nproxies;
};

/* ---- server and request ---- */
struct http_server {
    struct MHD_Daemon *mhd;
    int port;
    char host[80]; /* listen host as given, for the base-URL fallback */
    struct http_croute *routes;
    size_t nroutes;
    void *app;
    struct http_limits lim;
    char *keys[HTTP_MAX_LIST];
    int nkeys;
    char *origins[HTTP_MAX_LIST];
    int norigins;
    char *hosts[HTTP_MAX_LIST]; /* allowed Host names (host.c) */
    int nhosts;
    void (*scope)(const struct http_request *r, int enter); /* opts->scope */
    int unmatched_metric; /* series for requests that matched no route */
    char retry_after[16]; /* Retry-After value for a 429 without one */
    struct http_conns conns;
};

struct http_field {
    const char *name;
    struct buf value;
};

struct http_upload {
    struct http_file pub;
    struct buf data;
};

enum http_phase { HTTP_PHASE_NEW, HTTP_PHASE_BODY, HTTP_PHASE_DONE };

struct http_request {
    struct http_server *srv;
    struct MHD_Connection *conn;
    struct http_arena arena;
    enum http_phase phase;
    double t0;
    char method[16];
    char *uri;        /* raw request target as received */
    const char *path; /* raw path (no query), still percent-encoded */
    struct http_match m;
    struct http_kv query[HTTP_MAX_QUERY];
    int nquery;
    int preflight; /* OPTIONS answered by the server */
    /* body */
    struct MHD_PostProcessor *pp;
    int is_form;
    struct buf body;
    uint64_t received;
    int too_big;
    struct http_field *fields;
    int nfields;
    struct http_upload *files;
    int nfiles;
    int cur_kind; /* part being filled: 0 none, 1 field, 2 file */
    /* an error decided by the server before the handler runs */
    int fail_status; /* 0 none, else the status of fail_slug */
    enum kr_slug fail_slug;
    char fail_msg[200];
    /* results */
    json_t *json;
    char base_url[300];
    int status;
    size_t bytes;
};

void http__req_fail(struct http_request *r, enum kr_slug slug, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- gate.c ---- */
/* Non-empty trimmed items of a comma-separated list, strdup'ed into out;
 * -1 (nothing kept) when there are more than max or memory runs out. */
int http__split_list(const char *s, char **out, int max);
/* ---- allowed hosts (host.c) ---- */
/* s->hosts from the comma-separated list, or the defaults when it is empty
 * (after s->host is known); KR_EINVAL "bad_allowed_hosts" when too many. */
enum kr_code http__hosts_init(struct http_server *s, const char *list, struct kr_err *err);
/* KARAT_API_KEYS into out[HTTP_MAX_LIST]: KR_EINVAL "bad_api_keys" when s is
 * not empty yet gives no key, or a key is shorter than HTTP_MIN_KEY_LEN. */
enum kr_code http__keys_parse(const char *s, char **out, int *n, struct kr_err *err);
void http__free_list(char **list, int n);
int http__auth_ok(const struct http_server *s, struct MHD_Connection *c);
/* The allowed Origin of this request (to echo back), or NULL. */
const char *http__cors_origin(const struct http_server *s, struct MHD_Connection *c);

/* ---- conn.c ---- */
enum kr_code http__conns_init(struct http_server *s, const struct http_server_opts *o,
                             struct kr_err *err);
void http__conns_free(struct http_server *s);
/* MHD callbacks (cls = the server): accept policy and connection start/close. */
enum MHD_Result http__conns_accept(void *cls, const struct sockaddr *sa, socklen_t len);
void http__conns_notify(void *cls, struct MHD_Connection *c, void **ctx,
                       enum MHD_ConnectionNotificationCode code);
void http__conns_phase(struct http_server *s, struct MHD_Connection *c, enum http_conn_phase ph);
/* Head arrived: 0 when the client behind a trusted proxy is over its limit. */
int http__conns_admit(struct http_server *s, struct MHD_Connection *c);
/* The address the per-address limit counts for this connection (the
 * X-Forwarded-For client behind a trusted proxy, else the peer). */
void http__conns_client(struct http_server *s, struct MHD_Connection *c, char *out, size_t n);
/* 1 when the connection's peer is a trusted proxy. */
int http__conns_trusted(struct http_server *s, struct MHD_Connection *c);
/* Refuse new connections, close those waiting for a request, wait up to
 * grace_ms for the others; returns how many handlers still run. */
int http__conns_drain(struct http_server *s, int grace_ms);

/* ---- request.c ---- */
/* Deepest [ / { nesting outside JSON strings (scan stops once past limit). */
int http__json_depth(const unsigned char *s, size_t n, int limit);

/* ---- body.c ---- */
/* Check Content-Length and set up parsing; on refusal calls http__req_fail. */
void http__body_begin(struct http_request *r);
/* A chunk of body; returns MHD_NO to drop the connection (endless upload). */
enum MHD_Result http__body_feed(struct http_request *r, const char *data, size_t n);
/* End of body: flush the form parser, expose files; may call http__req_fail. */
void http__body_finish(struct http_request *r);
void http__body_release(struct http_request *r);
/* A 413 for a declared length small enough to read and drop first (so the
 * client is not reset mid-send): answer after the body, not at once. */
int http__body_wait_refusal(struct http_request *r);
/* Does the request carry a body (Content-Length > 0 or chunked)? */
int http__body_expected(struct http_request *r);

/* ---- response.c ---- */
void http__res_init(struct http_response *res);
void http__res_release(struct http_response *res);
/* Build and queue the MHD response (ETag/304, CORS, Allow, extra headers). */
enum MHD_Result http__res_queue(struct http_request *r, struct http_response *res);

/* ---- metrics.c ---- */
int http__metrics_route_id(const char *method, const char *route);
void http__metrics_observe(int id, int status, double ms);
void http__metrics_inflight(int delta);

#endif
