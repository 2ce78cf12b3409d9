/*
 * s3_http.c - one S3 request: URL, signing, retries, the reply.
 *
 * Signing is libcurl's (CURLOPT_AWS_SIGV4 "aws:amz:REGION:s3"); nothing
 * here computes a signature. We add x-amz-content-sha256 with the SHA-256
 * of the body ourselves: libcurl then signs with it (7.87+), and the
 * service can check the body. Queries come in sorted and encoded, because
 * curl 7.88 (Debian bookworm) signs the query string verbatim.
 *
 * Retries: a connection failure or timeout, 500/502/503/504 and 400
 * RequestTimeout are tried again after a backoff (doubling from
 * s->backoff_ms, capped, with jitter), at most s->attempts tries in all.
 * Any other 4xx is final at once: asking again cannot change the answer.
 * Only 404 NoSuchKey (or a bodiless 404 to HEAD, which the caller checks)
 * is "not found".
 *
 * Connections are reused: a call borrows an idle easy handle from the
 * blob's pool (a mutex-guarded stack, at most KARAT_S3_CONNECTIONS kept)
 * and gives it back after; libcurl keeps each handle's connections open,
 * so the next request on it skips the TCP (and TLS) handshake. One handle
 * serves one call at a time, so calls from many threads need no other
 * lock; more calls at once than the pool holds get fresh handles, and
 * those past the cap are closed when given back. Replies are bounded: a
 * 2xx body by rq->out's max, an error body by ERR_BODY_MAX.
 */
#include "blob/s3_int.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/util.h"

#define ERR_BODY_MAX (64 * 1024)

void blob__s3_encode(const char *s, int keep_slash, char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    for (; *s && o + 4 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
}

void blob__s3_url(const struct s3_blob *s, const char *bucket, const char *key, char *out, size_t n)
{
    char ek[800];

    blob__s3_encode(key ? key : "", 1, ek, sizeof ek);
    if (s->path_style)
        snprintf(out, n, "%s://%s%s/%s%s%s", s->scheme, s->host, s->prefix, bucket, key ? "/" : "",
                 ek);
    else
        snprintf(out, n, "%s://%s.%s%s/%s", s->scheme, bucket, s->host, s->prefix, ek);
}

struct call_ctx {
    const struct s3_req *rq;
    struct s3_resp *rs;
    CURL *h;
    struct buf errbody;
    size_t out_start; /* rq->out's length before the call: retries start there */
    int over;         /* the reply outgrew rq->out */
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    struct call_ctx *c = ud;
    size_t n = size * nmemb;
    long st = 0;

    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &st);
    if (st >= 200 && st < 300) {
        if (c->rq->out && buf_append(c->rq->out, p, n) != KR_OK) {
            c->over = 1;
            return 0;
        }
        return n;
    }
    if (c->errbody.len + n <= ERR_BODY_MAX)
        buf_append(&c->errbody, p, n);
    return n;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    struct call_ctx *c = ud;
    size_t n = size * nmemb, len;

    if (n > 5 && strncasecmp(p, "etag:", 5) == 0) {
        const char *v = p + 5;
        while (*v == ' ' && v < p + n)
            v++;
        len = (size_t)(p + n - v);
        while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
            len--;
        if (len < sizeof c->rs->etag) {
            memcpy(c->rs->etag, v, len);
            c->rs->etag[len] = '\0';
        }
    }
    return n;
}

static struct curl_slist *make_headers(const struct s3_blob *s, const struct s3_req *rq)
{
    char line[2200], sha[65];
    struct curl_slist *h = NULL, *t;

    util_sha256_hex(rq->body ? rq->body : "", rq->body ? rq->body_len : 0, sha);
    snprintf(line, sizeof line, "x-amz-content-sha256: %s", sha);
    h = curl_slist_append(h, line);
    if (h && rq->content_type) {
        snprintf(line, sizeof line, "Content-Type: %s", rq->content_type);
        t = curl_slist_append(h, line);
        h = t ? t : (curl_slist_free_all(h), NULL);
    }
    if (h && s->session_token && *s->session_token) {
        snprintf(line, sizeof line, "x-amz-security-token: %s", s->session_token);
        t = curl_slist_append(h, line);
        h = t ? t : (curl_slist_free_all(h), NULL);
    }
    return h;
}

static void set_method(CURL *h, const struct s3_req *rq)
{
    if (strcmp(rq->method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(rq->method, "PUT") == 0 || strcmp(rq->method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body ? (const char *)rq->body : "");
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method);
    } else if (strcmp(rq->method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method);
    }
}

/* One try: status, headers and bodies into c; the curl result. */
static CURLcode attempt(struct s3_blob *s, struct call_ctx *c, struct curl_slist *hdrs)
{
    char url[2400], ep[900], sigv4[128];
    const struct s3_req *rq = c->rq;
    curl_off_t len = -1;
    curl_off_t ft = -1;
    long conns = 0;
    CURLcode cc;

    blob__s3_url(s, rq->bucket, rq->key, ep, sizeof ep);
    snprintf(url, sizeof url, "%s%s%s", ep, rq->query ? "?" : "", rq->query ? rq->query : "");
    snprintf(sigv4, sizeof sigv4, "aws:amz:%s:s3", s->region);
    curl_easy_reset(c->h);
    curl_easy_setopt(c->h, CURLOPT_URL, url);
    curl_easy_setopt(c->h, CURLOPT_AWS_SIGV4, sigv4);
    curl_easy_setopt(c->h, CURLOPT_USERNAME, s->access_key);
    curl_easy_setopt(c->h, CURLOPT_PASSWORD, s->secret_key);
    curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->h, CURLOPT_CONNECTTIMEOUT, (long)s->connect_timeout_s);
    curl_easy_setopt(c->h, CURLOPT_TIMEOUT, (long)s->timeout_s);
    curl_easy_setopt(c->h, CURLOPT_FILETIME, 1L);
    curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(c->h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c->h, CURLOPT_HEADERDATA, c);
    set_method(c->h, rq);
    c->errbody.len = 0;
    c->over = 0;
    if (rq->out)
        rq->out->len = c->out_start;
    memset(c->rs, 0, sizeof *c->rs);
    cc = curl_easy_perform(c->h);
    if (curl_easy_getinfo(c->h, CURLINFO_NUM_CONNECTS, &conns) == CURLE_OK && conns > 0)
        atomic_fetch_add(&s->connects, conns); /* new connections this try needed */
    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &c->rs->status);
    curl_easy_getinfo(c->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
    curl_easy_getinfo(c->h, CURLINFO_FILETIME_T, &ft);
    c->rs->length = (long long)len;
    c->rs->mtime_ms = ft >= 0 ? (long long)ft * 1000 : -1;
    if (cc == CURLE_OK && c->rs->status >= 300 && c->errbody.len) {
        char msg[256];
        blob__s3_xml_error(c->errbody.data, c->errbody.len, c->rs->code, sizeof c->rs->code, msg,
                           sizeof msg);
    }
    return cc;
}

static int retryable_curl(CURLcode cc)
{
    return cc == CURLE_COULDNT_CONNECT || cc == CURLE_OPERATION_TIMEDOUT ||
           cc == CURLE_SEND_ERROR || cc == CURLE_RECV_ERROR || cc == CURLE_GOT_NOTHING ||
           cc == CURLE_PARTIAL_FILE || cc == CURLE_COULDNT_RESOLVE_HOST ||
           cc == CURLE_SSL_CONNECT_ERROR;
}

static int retryable_status(const struct s3_resp *rs)
{
    long st = rs->status;
    return st == 500 || st == 502 || st == 503 || st == 504 ||
           (st == 400 && strcmp(rs->code, "RequestTimeout") == 0);
}

static void backoff(const struct s3_blob *s, int tried)
{
    long long d = s->backoff_ms;
    unsigned r;
    struct timespec ts;

    for (int i = 1; i < tried && d < s->backoff_cap_ms; i++)
        d *= 2;
    if (d > s->backoff_cap_ms)
        d = s->backoff_cap_ms;
    util_random(&r, sizeof r);
    d = d / 2 + (d > 1 ? (long long)(r % (unsigned)(d / 2 + 1)) : 0);
    ts.tv_sec = (time_t)(d / 1000);
    ts.tv_nsec = (long)(d % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* The final answer of a call as a kr_code, S3's code and message in err. */
static enum kr_code verdict(const struct s3_req *rq, CURLcode cc, const struct call_ctx *c,
                            struct kr_err *err)
{
    const struct s3_resp *rs = c->rs;
    const char *what = rq->key ? rq->key : "";

    if (cc == CURLE_WRITE_ERROR && c->over)
        return kr_fail(err, KRS_TOO_LARGE, "s3: %s %s/%s: reply over the limit", rq->method,
                       rq->bucket, what);
    if (cc == CURLE_OPERATION_TIMEDOUT)
        return kr_fail(err, KRS_S3_TIMEOUT, "s3: %s %s/%s: timed out", rq->method, rq->bucket,
                       what);
    if (cc != CURLE_OK)
        return kr_fail(err, KRS_S3_UNREACHABLE, "s3: %s %s/%s: %s", rq->method, rq->bucket, what,
                       curl_easy_strerror(cc));
    if (rs->status >= 200 && rs->status < 300)
        return KR_OK;
    if (rs->status == 404 &&
        (strcmp(rs->code, "NoSuchKey") == 0 || (!*rs->code && strcmp(rq->method, "HEAD") == 0)))
        return kr_fail(err, KRS_BLOB_NOT_FOUND, "s3: no object %s/%s", rq->bucket, what);
    if (rs->status == 401 || rs->status == 403)
        return kr_fail(err, KRS_S3_DENIED, "s3: %s %s/%s: %ld %s", rq->method, rq->bucket, what,
                       rs->status, rs->code);
    if (rs->status == 503) /* SlowDown (a HEAD's comes without its code) */
        return kr_fail(err, KRS_S3_SLOW_DOWN, "s3: %s %s/%s: 503 %s", rq->method, rq->bucket, what,
                       rs->code);
    return kr_fail(err, KRS_S3_ERROR, "s3: %s %s/%s: %ld %s", rq->method, rq->bucket, what,
                   rs->status, rs->code);
}

static CURL *take_handle(struct s3_blob *s)
{
    CURL *h = NULL;
    pthread_mutex_lock(&s->pool_mu);
    if (s->npool > 0)
        h = s->pool[--s->npool];
    pthread_mutex_unlock(&s->pool_mu);
    return h ? h : curl_easy_init();
}

static void give_handle(struct s3_blob *s, CURL *h)
{
    pthread_mutex_lock(&s->pool_mu);
    if (s->npool < s->pool_max) {
        s->pool[s->npool++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&s->pool_mu);
    if (h)
        curl_easy_cleanup(h);
}

void blob__s3_pool_close(struct s3_blob *s)
{
    for (int i = 0; i < s->npool; i++)
        curl_easy_cleanup(s->pool[i]);
    s->npool = 0;
    pthread_mutex_destroy(&s->pool_mu);
}

long blob__s3_connects(struct blob *b)
{
    return atomic_load(&((struct s3_blob *)b)->connects);
}

enum kr_code blob__s3_call(struct s3_blob *s, const struct s3_req *rq, struct s3_resp *rs,
                           struct kr_err *err)
{
    struct call_ctx c = {.rq = rq, .rs = rs};
    struct curl_slist *hdrs = make_headers(s, rq);
    CURLcode cc = CURLE_OK;
    enum kr_code rc;

    c.h = take_handle(s);
    if (!c.h || !hdrs) {
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "s3: out of memory");
        goto out;
    }
    buf_init(&c.errbody, ERR_BODY_MAX + 1);
    c.out_start = rq->out ? rq->out->len : 0;
    for (int tried = 1;; tried++) {
        cc = attempt(s, &c, hdrs);
        if (tried >= s->attempts || (cc == CURLE_OK && !retryable_status(rs)) ||
            (cc != CURLE_OK && !retryable_curl(cc)))
            break;
        backoff(s, tried);
    }
    rc = verdict(rq, cc, &c, err);
    if (rc && rq->out)
        rq->out->len = c.out_start; /* nothing of a failed reply is kept */
    buf_release(&c.errbody);
out:
    if (c.h)
        give_handle(s, c.h);
    curl_slist_free_all(hdrs);
    return rc;
}
