/*
 * fetch.c - the market fetcher (see watch.h for the rules it keeps).
 *
 * State, all behind one mutex: one slot per distinct allowed origin (the
 * marketplaces' base URLs; two markets on one origin share a slot, so the
 * rate limit is per host) with its token bucket and its robots.txt rules,
 * and a small page cache. Waiting is never done under the mutex: a request
 * reserves its token (the bucket may go below zero, which queues later
 * requests behind it) and then sleeps until its turn. A slot's robots.txt is
 * fetched under the slot's own lock, so it is fetched once per TTL however
 * many threads ask at the same moment. The requests themselves go through
 * net_perform (no redirects, a size cap, a deadline); the allow-list check
 * on the URL's origin is what keeps this fetcher on the marketplaces' hosts.
 * A redirect is followed (at most WATCH_REDIRECTS_MAX) only to an allowed
 * host, each hop checked against the allow-list and robots.txt again.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/util.h"
#include "net/net.h"
#include "watch/watch_int.h"

#define CACHE_MAX           64          /* pages kept */
#define CACHE_BYTES_MAX     (64u << 20) /* and their bytes */
#define RETRY_AFTER_CAP_MS  60000.0     /* longest Retry-After honoured */
#define WATCH_REDIRECTS_MAX 3           /* redirects followed, each checked again */

struct host_slot {
    char origin[300]; /* "scheme://host:port", lower case */
    double tokens, refilled_ms;
    pthread_mutex_t robots_lock;
    int robots_ok;
    double robots_at;
    struct watch_robots robots;
};

struct cache_ent {
    char *url;
    char *body;
    size_t len;
    double at;
};

struct watch_fetcher {
    struct watch_fetch_opts o;
    char *base[WATCH_NMARKETS];
    char *ua;
    char ua_header[600];
    char token[64];
    pthread_mutex_t lock;
    struct host_slot slot[WATCH_NMARKETS];
    size_t nslots;
    struct cache_ent cache[CACHE_MAX];
    size_t ncache, cache_bytes;
    unsigned long sent;
};

static const char *const market_names[WATCH_NMARKETS] = {"amazon", "flipkart", "myntra"};

const char *watch_market_name(enum watch_market m)
{
    return (unsigned)m < WATCH_NMARKETS ? market_names[m] : "?";
}

int watch_market_parse(const char *name, enum watch_market *out)
{
    for (int i = 0; name && i < WATCH_NMARKETS; i++)
        if (strcasecmp(name, market_names[i]) == 0) {
            *out = (enum watch_market)i;
            return 1;
        }
    return 0;
}

void watch_fetch_opts_from_config(const struct config *cfg, struct watch_fetch_opts *o)
{
    *o = (struct watch_fetch_opts){
        .base = {cfg->market_amazon_url, cfg->market_flipkart_url, cfg->market_myntra_url},
        .user_agent = cfg->market_user_agent,
        .rate = cfg->market_rate,
        .burst = cfg->market_burst,
        .cache_ttl_s = cfg->market_cache_ttl_s,
        .robots_ttl_s = cfg->market_robots_ttl_s,
        .attempts = cfg->market_attempts,
        .backoff_ms = cfg->market_backoff_ms,
        .timeout_ms = 1000L * cfg->market_timeout_s,
        .connect_timeout_ms = 1000L * cfg->connect_timeout_s,
        .max_bytes = (size_t)cfg->market_max_bytes};
}

/* "scheme://host:port" of url, lower case; 0 when it is not http(s) with a
 * host, or carries user info. *path (may be NULL) gets path + query. */
static int origin_of(const char *url, char *out, size_t n, char **path)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL, *p = NULL, *q = NULL;
    int ok = 0;

    if (!u || !url || strlen(url) > 8192)
        goto out;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK)
        goto out;
    if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)
        goto out;
    ok = util_fmt(out, n, "%s://%s:%s", scheme, host, port) == KR_OK;
    for (char *c = out; *c; c++)
        *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
    if (ok && path) {
        curl_url_get(u, CURLUPART_PATH, &p, 0);
        curl_url_get(u, CURLUPART_QUERY, &q, 0);
        size_t n2 = strlen(p ? p : "/") + (q ? strlen(q) + 1 : 0) + 1;
        *path = malloc(n2);
        ok = *path && util_fmt(*path, n2, "%s%s%s", p ? p : "/", q ? "?" : "", q ? q : "") == KR_OK;
    }
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(user);
    curl_free(p);
    curl_free(q);
    curl_url_cleanup(u);
    return ok;
}

static int opts_ok(const struct watch_fetch_opts *o)
{
    for (int i = 0; i < WATCH_NMARKETS; i++)
        if (!o->base[i] || !*o->base[i])
            return 0;
    return o->user_agent && *o->user_agent && o->rate >= 0 && o->burst >= 1 &&
           o->cache_ttl_s >= 0 && o->robots_ttl_s >= 1 && o->attempts >= 1 && o->backoff_ms >= 0 &&
           o->timeout_ms > 0 && o->max_bytes > 0;
}

static enum kr_code add_slot(struct watch_fetcher *f, int m, struct kr_err *err)
{
    char origin[300];
    size_t len = strlen(f->base[m]);
    while (len && f->base[m][len - 1] == '/')
        f->base[m][--len] = '\0';
    if (!origin_of(f->base[m], origin, sizeof origin, NULL))
        return kr_fail(err, KRS_BAD_OPTION, "%s base URL '%s' is not an http(s) URL with a host",
                       market_names[m], f->base[m]);
    for (size_t i = 0; i < f->nslots; i++)
        if (strcmp(f->slot[i].origin, origin) == 0)
            return KR_OK;
    util_strlcpy(f->slot[f->nslots].origin, origin, sizeof f->slot[0].origin);
    f->slot[f->nslots].tokens = f->o.burst;
    f->slot[f->nslots].refilled_ms = util_now_ms();
    pthread_mutex_init(&f->slot[f->nslots].robots_lock, NULL);
    f->nslots++;
    return KR_OK;
}

enum kr_code watch_fetcher_open(const struct watch_fetch_opts *o, struct watch_fetcher **out,
                                struct kr_err *err)
{
    struct watch_fetcher *f;
    enum kr_code rc = KR_OK;

    *out = NULL;
    if (!o || !opts_ok(o))
        return kr_fail(err, KRS_BAD_OPTION, "the market fetcher needs every option set");
    f = calloc(1, sizeof *f);
    if (!f)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    f->o = *o;
    pthread_mutex_init(&f->lock, NULL);
    f->ua = strdup(o->user_agent);
    for (int i = 0; i < WATCH_NMARKETS; i++)
        f->base[i] = strdup(o->base[i]);
    for (int i = 0; i < WATCH_NMARKETS && !rc; i++)
        rc = f->base[i] && f->ua ? add_slot(f, i, err) : kr_fail(err, KRS_OUT_OF_MEMORY, "oom");
    if (!rc)
        rc = util_fmt(f->ua_header, sizeof f->ua_header, "User-Agent: %s", f->ua);
    if (rc) {
        if (rc != KR_ENOMEM && err && err->slug_id != KRS_BAD_OPTION)
            kr_fail(err, KRS_BAD_OPTION, "the market User-Agent is too long");
        watch_fetcher_close(f);
        return rc;
    }
    watch__ua_token(f->ua, f->token, sizeof f->token);
    *out = f;
    return KR_OK;
}

void watch_fetcher_close(struct watch_fetcher *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->nslots; i++) {
        watch__robots_release(&f->slot[i].robots);
        pthread_mutex_destroy(&f->slot[i].robots_lock);
    }
    for (size_t i = 0; i < f->ncache; i++) {
        free(f->cache[i].url);
        free(f->cache[i].body);
    }
    for (int i = 0; i < WATCH_NMARKETS; i++)
        free(f->base[i]);
    free(f->ua);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

const char *watch_market_base(const struct watch_fetcher *f, enum watch_market m)
{
    return (unsigned)m < WATCH_NMARKETS ? f->base[m] : "";
}

unsigned long watch_fetch_sent(struct watch_fetcher *f)
{
    unsigned long n;
    pthread_mutex_lock(&f->lock);
    n = f->sent;
    pthread_mutex_unlock(&f->lock);
    return n;
}

static void sleep_ms(double ms)
{
    struct timespec ts;
    if (ms <= 0)
        return;
    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000) * 1e6);
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* Take a token from slot s's bucket, waiting for it outside the lock. */
static void rate_wait(struct watch_fetcher *f, struct host_slot *s)
{
    double now, wait = 0;
    pthread_mutex_lock(&f->lock);
    now = util_now_ms();
    if (f->o.rate > 0) {
        s->tokens += (now - s->refilled_ms) * f->o.rate / 1000.0;
        if (s->tokens > f->o.burst)
            s->tokens = f->o.burst;
        s->refilled_ms = now;
        s->tokens -= 1;
        if (s->tokens < 0)
            wait = -s->tokens * 1000.0 / f->o.rate;
    }
    f->sent++;
    pthread_mutex_unlock(&f->lock);
    sleep_ms(wait);
}

/* A transport failure or a status worth another attempt? */
static int retryable(enum kr_code rc, const struct kr_err *e, long status)
{
    if (rc)
        return rc == KR_ETIMEOUT || (e && e->slug_id == KRS_UPSTREAM_UNREACHABLE);
    return status >= 500 || status == 429;
}

/* GET url with the retries; KR_OK means some HTTP status is in r. */
static enum kr_code get_retrying(struct watch_fetcher *f, struct host_slot *s, const char *url,
                                 size_t cap, struct net_response *r, struct kr_err *err)
{
    const char *hdrs[] = {f->ua_header, "Accept-Language: en-IN,en;q=0.8", NULL};
    struct net_request req = {.method = "GET",
                              .url = url,
                              .headers = hdrs,
                              .timeout_ms = f->o.timeout_ms,
                              .max_response = cap,
                              .connect_timeout_ms = f->o.connect_timeout_ms};
    double backoff = f->o.backoff_ms;
    enum kr_code rc = KR_OK;

    for (int attempt = 1;; attempt++) {
        double wait = backoff, ra;
        rate_wait(f, s);
        rc = net_perform(&req, r, err);
        if (attempt >= f->o.attempts || !retryable(rc, err, r->status))
            return rc;
        ra = rc ? 0 : atof(r->retry_after) * 1000.0;
        if (ra > wait)
            wait = ra < RETRY_AFTER_CAP_MS ? ra : RETRY_AFTER_CAP_MS;
        sleep_ms(wait);
        backoff *= 2;
    }
}

/* *allowed: may path be fetched from slot s? Its robots.txt is (re)fetched
 * when older than the TTL; a failure to get it (other than a 4xx, which
 * means "no rules") fails the fetch. */
static enum kr_code robots_check(struct watch_fetcher *f, struct host_slot *s, const char *path,
                                 int *allowed, struct kr_err *err)
{
    struct net_response r;
    char url[320];
    enum kr_code rc = KR_OK;

    pthread_mutex_lock(&s->robots_lock);
    if (s->robots_ok && util_now_ms() - s->robots_at < 1000.0 * f->o.robots_ttl_s)
        goto out;
    net_response_init(&r);
    util_fmt(url, sizeof url, "%s/robots.txt", s->origin);
    rc = get_retrying(f, s, url, WATCH_ROBOTS_MAX, &r, err);
    if (!rc && r.status >= 200 && r.status < 300) {
        struct watch_robots parsed;
        rc = watch__robots_parse(r.body.data ? (const char *)r.body.data : "", r.body.len, f->token,
                                 &parsed, err);
        if (!rc) {
            watch__robots_release(&s->robots);
            s->robots = parsed;
        }
    } else if (!rc && r.status >= 400 && r.status < 500 && r.status != 429) {
        watch__robots_release(&s->robots); /* unavailable: no rules (RFC 9309) */
    } else if (!rc) {
        rc = kr_fail(err, KRS_MARKET_UNAVAILABLE, "%s/robots.txt answered HTTP %ld", s->origin,
                     r.status);
    } else {
        kr_err_prefix(err, "robots.txt: ");
    }
    if (!rc) {
        s->robots_ok = 1;
        s->robots_at = util_now_ms();
    }
    net_response_release(&r);
out:
    *allowed = !rc && watch__robots_allowed(&s->robots, path);
    pthread_mutex_unlock(&s->robots_lock);
    return rc;
}

/* A copy of url's page when cached and younger than the TTL. */
static int cache_get(struct watch_fetcher *f, const char *url, struct buf *out)
{
    int hit = 0;
    pthread_mutex_lock(&f->lock);
    for (size_t i = 0; i < f->ncache; i++) {
        struct cache_ent *c = &f->cache[i];
        if (strcmp(c->url, url) != 0 || util_now_ms() - c->at >= 1000.0 * f->o.cache_ttl_s)
            continue;
        buf_release(out);
        hit = buf_append(out, c->body, c->len) == KR_OK;
        break;
    }
    pthread_mutex_unlock(&f->lock);
    return hit;
}

static void cache_drop(struct watch_fetcher *f, size_t i)
{
    f->cache_bytes -= f->cache[i].len;
    free(f->cache[i].url);
    free(f->cache[i].body);
    f->cache[i] = f->cache[--f->ncache];
}

/* Keep a copy (best effort: out of memory only means no cache entry). The
 * oldest entries make room; a URL already there is replaced. */
static void cache_put(struct watch_fetcher *f, const char *url, const struct buf *page)
{
    struct cache_ent e = {strdup(url), malloc(page->len + 1), page->len, util_now_ms()};
    if (!e.url || !e.body || page->len > CACHE_BYTES_MAX / 4) {
        free(e.url);
        free(e.body);
        return;
    }
    if (page->len)
        memcpy(e.body, page->data, page->len);
    pthread_mutex_lock(&f->lock);
    for (size_t i = 0; i < f->ncache; i++)
        if (strcmp(f->cache[i].url, url) == 0)
            cache_drop(f, i--);
    while (f->ncache && (f->ncache == CACHE_MAX || f->cache_bytes + e.len > CACHE_BYTES_MAX)) {
        size_t old = 0;
        for (size_t i = 1; i < f->ncache; i++)
            if (f->cache[i].at < f->cache[old].at)
                old = i;
        cache_drop(f, old);
    }
    f->cache[f->ncache++] = e;
    f->cache_bytes += e.len;
    pthread_mutex_unlock(&f->lock);
}

/* The final status of a page fetch as a result. */
static enum kr_code status_result(const char *url, long st, struct kr_err *err)
{
    if (st >= 200 && st < 300)
        return KR_OK;
    if (st == 404 || st == 410)
        return kr_fail(err, KRS_MARKET_PAGE_NOT_FOUND, "%s: HTTP %ld", url, st);
    if (st >= 500 || st == 429)
        return kr_fail(err, KRS_MARKET_UNAVAILABLE, "%s: HTTP %ld after retries", url, st);
    return kr_fail(err, KRS_FETCH_FAILED, "%s: HTTP %ld", url, st);
}

/* Where a redirect from cur to loc (absolute or relative) goes, malloc'd;
 * NULL when it is not a URL. */
static char *resolve(const char *cur, const char *loc)
{
    CURLU *u = curl_url();
    char *to = NULL, *out = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, cur, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, loc, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &to, 0) == CURLUE_OK)
        out = strdup(to);
    curl_free(to);
    curl_url_cleanup(u);
    return out;
}

/* One hop: url on an allowed host, allowed by its robots.txt, fetched with
 * the retries into r; *next gets the malloc'd target of a redirect. */
static enum kr_code fetch_hop(struct watch_fetcher *f, const char *url, struct net_response *r,
                              char **next, struct kr_err *err)
{
    char origin[300], *path = NULL;
    struct host_slot *s = NULL;
    enum kr_code rc;
    int allowed = 0;

    *next = NULL;
    if (!origin_of(url, origin, sizeof origin, &path))
        return kr_fail(err, KRS_MARKET_HOST_REFUSED, "not an http(s) URL with a host");
    for (size_t i = 0; i < f->nslots && !s; i++)
        if (strcmp(f->slot[i].origin, origin) == 0)
            s = &f->slot[i];
    rc = s ? robots_check(f, s, path, &allowed, err)
           : kr_fail(err, KRS_MARKET_HOST_REFUSED, "%s is not a marketplace host", origin);
    if (!rc && !allowed)
        rc = kr_fail(err, KRS_ROBOTS_DISALLOWED, "robots.txt of %s disallows %s", s->origin, path);
    if (!rc)
        rc = get_retrying(f, s, url, f->o.max_bytes, r, err);
    if (!rc && r->status >= 300 && r->status < 400 && r->location[0] &&
        strlen(r->location) + 1 < sizeof r->location && !(*next = resolve(url, r->location)))
        rc = kr_fail(err, KRS_FETCH_FAILED, "%s: a redirect to an unreadable Location", url);
    free(path);
    return rc;
}

enum kr_code watch_fetch(struct watch_fetcher *f, const char *url, struct buf *out,
                         struct kr_err *err)
{
    char *cur = url ? strdup(url) : NULL, *next = NULL;
    struct net_response r;
    enum kr_code rc = KR_OK;

    if (!cur)
        return kr_fail(err, KRS_MARKET_HOST_REFUSED, "no URL");
    if (f->o.cache_ttl_s > 0 && cache_get(f, url, out)) {
        free(cur);
        return KR_OK;
    }
    net_response_init(&r);
    for (int hop = 0; !rc; hop++) {
        rc = fetch_hop(f, cur, &r, &next, err);
        if (rc || !next)
            break;
        if (hop >= WATCH_REDIRECTS_MAX)
            rc = kr_fail(err, KRS_FETCH_FAILED, "%s: more than %d redirects", url,
                         WATCH_REDIRECTS_MAX);
        free(cur);
        cur = next; /* checked again: allow-list and robots.txt */
        next = NULL;
    }
    if (!rc)
        rc = status_result(cur, r.status, err);
    if (!rc) {
        buf_release(out);
        out->data = buf_detach(&r.body, &out->len);
        out->cap = out->data ? out->len + 1 : 0;
        if (f->o.cache_ttl_s > 0)
            cache_put(f, url, out);
    }
    net_response_release(&r);
    free(cur);
    free(next);
    return rc;
}
