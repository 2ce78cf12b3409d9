/*
 * net.h - outbound HTTP for Karat (libcurl underneath).
 *
 * Two uses: talking to cloud APIs (Gemini, OpenAI, later S3 and Milvus)
 * through net_perform(), and fetching caller-supplied image URLs through
 * net_fetch(), which is the SSRF guard: http/https only, a size cap, a
 * timeout, a bounded number of redirects each re-checked, and loopback,
 * private, link-local and other special addresses refused (the check is done
 * on the address curl actually connects to, not only on the name) unless
 * allow_private is set.
 *
 * Thread safety: call net_global_init() once in main(); every other function
 * may be called from any thread.
 */
#ifndef KARAT_NET_NET_H
#define KARAT_NET_NET_H

#include <stddef.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"

enum kr_code net_global_init(struct kr_err *err);
void net_global_cleanup(void);

/* A part of a multipart/form-data request body. */
struct net_part {
    const char *name;
    const char *filename; /* NULL for plain fields */
    const char *content_type;
    const void *data;
    size_t len;
};

struct net_request {
    const char *method; /* "GET", "POST", ... (default POST if body/parts, else GET) */
    const char *url;
    const char *const *headers; /* NULL-terminated "Name: value" list, may be NULL */
    const void *body;           /* raw body (e.g. JSON), or NULL */
    size_t body_len;
    const struct net_part *parts; /* multipart body instead of `body` */
    size_t nparts;
    long timeout_ms;     /* whole transfer, > 0 (required) */
    size_t max_response; /* response body cap, > 0 (required) */
    long connect_timeout_ms; /* connection set-up; 0: only timeout_ms bounds it */
};

struct net_response {
    long status;
    struct buf body;
    char content_type[128];
    char retry_after[64];    /* Retry-After header, verbatim */
    char retry_after_ms[64]; /* retry-after-ms header (OpenAI), verbatim */
    char location[2048];     /* Location header of a 3xx, verbatim (cut to fit) */
};

void net_response_init(struct net_response *r);
void net_response_release(struct net_response *r);

/* Perform the request. Transport failures -> KR_EUPSTREAM / KR_ETIMEOUT;
 * any HTTP status is KR_OK (the caller looks at r->status). A missing
 * timeout_ms or max_response -> KR_EINVAL "bad_option". */
enum kr_code net_perform(const struct net_request *req, struct net_response *r, struct kr_err *err);

/* All required (no defaults here: net_fetch_opts_from_config fills them). */
struct net_fetch_opts {
    size_t max_bytes;  /* > 0; a smaller out->max lowers it */
    long timeout_ms;   /* the whole fetch, redirects included, > 0 */
    int max_redirects; /* >= 0; 0 follows none */
    int allow_private; /* KARAT_FETCH_ALLOW_PRIVATE */
    long connect_timeout_ms; /* each connection's set-up (KARAT_CONNECT_TIMEOUT); 0: timeout_ms */
    /* NULL: a GET. Else an application/x-www-form-urlencoded body POSTed to
     * the URL (a redirect is then followed with a GET, as browsers do). */
    const char *post_form;
};
/* o from cfg: KARAT_FETCH_TIMEOUT, KARAT_FETCH_MAX_REDIRECTS,
 * KARAT_FETCH_ALLOW_PRIVATE, KARAT_CONNECT_TIMEOUT, and KARAT_MAX_UPLOAD_BYTES
 * as max_bytes. */
void net_fetch_opts_from_config(const struct config *cfg, struct net_fetch_opts *o);

/* Fetch a caller-supplied URL under the SSRF rules. Non-2xx -> KR_EUPSTREAM
 * ("fetch_failed"); refused URL -> KR_EINVAL ("url_refused"); too large ->
 * KR_ELIMIT. content_type (may be NULL) receives the reply's type. */
enum kr_code net_fetch(const char *url, const struct net_fetch_opts *opts, struct buf *out,
                       char *content_type, size_t ct_len, struct kr_err *err);

/* 1 if the address may be fetched without allow_private: not loopback,
 * private, link-local, unique-local, multicast, unspecified, documentation
 * or reserved (IPv4-mapped/NAT64/6to4 IPv6 judged by the embedded IPv4). */
struct sockaddr;
int net_addr_public(const struct sockaddr *sa);

/* 1 if the URL's scheme is http/https and it has a host; no DNS. */
int net_url_ok(const char *url);

#endif
