/*
 * pool.c - getting one HTTP request answered by a cloud model provider.
 *
 * ai__send() owns everything between "here is a request" and "here is a 2xx
 * reply": it picks a key from the vendor's pool (round robin over keys that
 * are not cooling down), puts the key in a header (x-goog-api-key or
 * Authorization: Bearer, never the URL), waits for a slot under the
 * vendor's concurrency limit, and reads the error envelope of a failure:
 *
 *   429 per-minute / rate_limit_exceeded -> that key cools down for the
 *       server's wait (RetryInfo.retryDelay, retry-after-ms, retry-after)
 *       or a backoff; the next key is tried at once if there is one;
 *   429 per-day quota / insufficient_quota -> that key is out for KARAT_AI_KEY_REST
 *       (not retried); KR_EQUOTA when no key is left;
 *   401 / API_KEY_INVALID -> that key is out; KR_EUPSTREAM "ai_auth" when none is
 *   left (the server's provider keys are wrong: 502, never the client's 401);
 *   408, 409, 5xx, connection failures -> capped exponential backoff with jitter;
 *   a timeout -> KR_ETIMEOUT at once (the caller's time is already spent);
 *   other 4xx -> KR_EUPSTREAM with the provider's message.
 * Keys never appear in errors or logs.
 */
#include <curl/curl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ai/ai_int.h"
#include "core/bstat.h"
#include "core/util.h"

void ai__pool_init(struct ai_pool *p, char **keys, int nkeys, int limit)
{
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    for (int i = 0; i < nkeys && p->nkeys < AI_MAX_KEYS; i++) {
        int dup = 0;
        for (int j = 0; j < p->nkeys; j++)
            dup |= strcmp(p->keys[j].value, keys[i]) == 0;
        if (dup)
            continue;
        p->keys[p->nkeys].value = strdup(keys[i]);
        if (p->keys[p->nkeys].value)
            p->nkeys++;
    }
    p->limit = limit > 0 ? limit : 1;
}

void ai__pool_release(struct ai_pool *p)
{
    for (int i = 0; i < p->nkeys; i++) {
        /* wipe before free: keys are secrets */
        volatile char *v = p->keys[i].value;
        for (size_t j = 0; v[j]; j++)
            v[j] = 0;
        free(p->keys[i].value);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
}

static void sleep_ms(double ms)
{
    struct timespec ts;
    if (ms <= 0)
        return;
    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)fmod(ms, 1000.0) * 1000000L;
    nanosleep(&ts, NULL);
}

static long backoff_ms(const struct ai_tuning *t, int attempt)
{
    double d = (double)t->backoff_base_ms * pow(2.0, attempt);
    unsigned short r;
    if (d > (double)t->backoff_cap_ms)
        d = (double)t->backoff_cap_ms;
    util_random(&r, sizeof r);
    return (long)(d * (0.75 + 0.5 * (r / 65535.0)));
}

/* Pick a usable key: *idx >= 0, or *wait_ms > 0 (all cooling), or neither
 * (all out: *why says which state dominated). */
static void pick_key(struct ai_pool *p, int *idx, double *wait_ms, enum ai_key_state *why)
{
    double now = util_now_ms(), soonest = -1;
    *idx = -1;
    *wait_ms = 0;
    *why = AI_KEY_OK;
    pthread_mutex_lock(&p->mu);
    for (int k = 0; k < p->nkeys; k++) {
        int i = (p->next + k) % p->nkeys;
        struct ai_key *key = &p->keys[i];
        if (key->until_ms <= now) {
            key->state = AI_KEY_OK;
            *idx = i;
            p->next = (i + 1) % p->nkeys;
            break;
        }
        if (key->state == AI_KEY_RATE && (soonest < 0 || key->until_ms < soonest))
            soonest = key->until_ms;
        if (key->state > *why)
            *why = key->state;
    }
    pthread_mutex_unlock(&p->mu);
    if (*idx < 0 && soonest > 0) {
        *wait_ms = soonest - now;
        *why = AI_KEY_RATE; /* a key will come back soon */
    }
}

static void mark_key(struct ai_pool *p, int idx, enum ai_key_state st, double for_ms)
{
    pthread_mutex_lock(&p->mu);
    p->keys[idx].state = st;
    p->keys[idx].until_ms = util_now_ms() + for_ms;
    pthread_mutex_unlock(&p->mu);
}

static void gate_enter(struct ai_pool *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->inflight >= p->limit)
        pthread_cond_wait(&p->cv, &p->mu);
    p->inflight++;
    p->calls++;
    pthread_mutex_unlock(&p->mu);
}

static void gate_leave(struct ai_pool *p)
{
    pthread_mutex_lock(&p->mu);
    p->inflight--;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

long ai__parse_duration_ms(const char *s)
{
    char *end;
    double d;
    if (!s || !*s)
        return -1;
    d = strtod(s, &end);
    if (end == s || d < 0 || (*end && strcmp(end, "s") != 0))
        return -1;
    return (long)(d * 1000.0);
}

/* What a failed reply means. */
struct verdict {
    enum { V_RETRY, V_KEY_RATE, V_KEY_QUOTA, V_KEY_AUTH, V_FAIL } kind;
    long wait_ms; /* server-given wait, or -1 */
    char msg[240];
};

static long header_wait_ms(const struct net_response *r)
{
    char *end;
    double d;
    if (r->retry_after_ms[0]) {
        d = strtod(r->retry_after_ms, &end);
        if (end != r->retry_after_ms)
            return (long)d;
    }
    if (r->retry_after[0]) {
        d = strtod(r->retry_after, &end);
        if (end != r->retry_after && !*end)
            return (long)(d * 1000);
        time_t t = curl_getdate(r->retry_after, NULL);
        if (t > 0)
            return (long)(difftime(t, time(NULL)) * 1000);
    }
    return -1;
}

/* Gemini google.rpc.Status details: RetryInfo delay; PerDay quota; bad key. */
static void read_gemini_details(json_t *details, struct verdict *v, int *per_day, int *bad_key)
{
    size_t i, j;
    json_t *d, *viol;
    json_array_foreach(details, i, d)
    {
        const char *type = json_string_value(json_object_get(d, "@type"));
        if (!type)
            continue;
        if (strstr(type, "RetryInfo"))
            v->wait_ms = ai__parse_duration_ms(json_string_value(json_object_get(d, "retryDelay")));
        if (strstr(type, "ErrorInfo")) {
            const char *reason = json_string_value(json_object_get(d, "reason"));
            *bad_key |= reason && strcmp(reason, "API_KEY_INVALID") == 0;
        }
        json_array_foreach(json_object_get(d, "violations"), j, viol)
        {
            const char *q = json_string_value(json_object_get(viol, "quotaId"));
            *per_day |= q && strstr(q, "PerDay") != NULL;
        }
    }
}

static void judge(enum ai_vendor vendor, const struct net_response *r, struct verdict *v)
{
    json_t *root = json_loadb((const char *)r->body.data, r->body.len, 0, NULL);
    json_t *e = json_object_get(root, "error");
    const char *msg = json_string_value(json_object_get(e, "message"));
    const char *code = json_string_value(json_object_get(e, "code"));
    const char *type = json_string_value(json_object_get(e, "type"));
    int per_day = 0, bad_key = 0;
    long st = r->status;

    v->wait_ms = -1;
    snprintf(v->msg, sizeof v->msg, "%s", msg ? msg : "no error message");
    if (vendor == AI_VENDOR_GEMINI)
        read_gemini_details(json_object_get(e, "details"), v, &per_day, &bad_key);
    if (v->wait_ms < 0)
        v->wait_ms = header_wait_ms(r);
    int quota = per_day || (code && strcmp(code, "insufficient_quota") == 0) ||
                (type && strcmp(type, "insufficient_quota") == 0);
    if (st == 429)
        v->kind = quota ? V_KEY_QUOTA : V_KEY_RATE;
    else if (st == 401 || bad_key)
        v->kind = V_KEY_AUTH;
    else if (st == 408 || st == 409 || st >= 500)
        v->kind = V_RETRY;
    else
        v->kind = V_FAIL;
    json_decref(root);
}

static enum kr_code attempt(struct ai *ai, enum ai_vendor vendor, int key,
                            const struct net_request *req, struct net_response *resp,
                            struct kr_err *err)
{
    struct ai_pool *p = &ai->pool[vendor];
    const char *const *h;
    const char *hdrs[24];
    char auth[1100];
    size_t n = 0;
    struct net_request r = *req;
    enum kr_code rc;
    double t0;

    for (h = req->headers; h && *h && n < 22; h++)
        hdrs[n++] = *h;
    if (vendor == AI_VENDOR_GEMINI)
        snprintf(auth, sizeof auth, "x-goog-api-key: %s", p->keys[key].value);
    else
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", p->keys[key].value);
    hdrs[n++] = auth;
    hdrs[n] = NULL;
    r.headers = hdrs;
    r.timeout_ms = ai->tune.timeout_ms;
    r.max_response = ai->tune.max_response;
    r.connect_timeout_ms = ai->tune.connect_timeout_ms;
    gate_enter(p);
    t0 = bstat_start();
    rc = net_perform(&r, resp, err);
    bstat_observe(vendor == AI_VENDOR_GEMINI ? "gemini" : "openai", bstat_start() - t0,
                  rc != KR_OK || resp->status < 200 || resp->status >= 300);
    gate_leave(p);
    memset(auth, 0, sizeof auth);
    return rc;
}

static enum kr_code out_of_keys(enum ai_vendor vendor, enum ai_key_state why, const char *last,
                                struct kr_err *err)
{
    const char *who = vendor == AI_VENDOR_GEMINI ? "gemini" : "openai";
    if (why == AI_KEY_AUTH)
        return kr_fail(err, KRS_AI_AUTH, "%s: no valid API key (%s)", who, last);
    if (why == AI_KEY_QUOTA)
        return kr_fail(err, KRS_AI_QUOTA, "%s: quota exhausted on every key (%s)", who, last);
    return kr_fail(err, KRS_AI_RATE_LIMITED, "%s: rate limited (%s)", who, last);
}

enum kr_code ai__send(struct ai *ai, enum ai_vendor vendor, const struct net_request *req,
                      struct net_response *resp, struct kr_err *err)
{
    struct ai_pool *p = &ai->pool[vendor];
    const char *who = vendor == AI_VENDOR_GEMINI ? "gemini" : "openai";
    char last[240] = "no attempt made";
    enum kr_code rc;

    if (p->nkeys == 0)
        return kr_fail(err, KRS_AI_NO_KEY, "%s: no API key configured", who);
    for (int tries = 0; tries < ai->tune.max_attempts;) {
        int idx;
        double wait;
        enum ai_key_state why;
        struct verdict v;

        pick_key(p, &idx, &wait, &why);
        if (idx < 0) {
            if (wait <= 0 || wait > (double)ai->tune.max_wait_ms)
                return out_of_keys(vendor, why ? why : AI_KEY_RATE, last, err);
            sleep_ms(wait);
            continue;
        }
        tries++;
        rc = attempt(ai, vendor, idx, req, resp, err);
        if (rc == KR_ETIMEOUT)
            return kr_fail(err, KRS_AI_TIMEOUT, "%s: no reply within %ld ms", who,
                           ai->tune.timeout_ms);
        if (rc == KR_ELIMIT || rc == KR_ENOMEM || rc == KR_EINVAL)
            return rc;
        if (rc) {
            snprintf(last, sizeof last, "%s", err ? err->msg : "transport failure");
            if (tries < ai->tune.max_attempts) /* no sleep before giving up */
                sleep_ms((double)backoff_ms(&ai->tune, tries - 1));
            continue;
        }
        if (resp->status >= 200 && resp->status < 300)
            return KR_OK;
        judge(vendor, resp, &v);
        snprintf(last, sizeof last, "HTTP %ld: %s", resp->status, v.msg);
        switch (v.kind) {
        case V_KEY_QUOTA:
            mark_key(p, idx, AI_KEY_QUOTA, (double)ai->tune.key_out_ms);
            break;
        case V_KEY_AUTH:
            mark_key(p, idx, AI_KEY_AUTH, (double)ai->tune.key_out_ms);
            break;
        case V_KEY_RATE: {
            long w = v.wait_ms > 0 && v.wait_ms <= ai->tune.honour_max_ms
                         ? v.wait_ms
                         : backoff_ms(&ai->tune, tries - 1);
            mark_key(p, idx, AI_KEY_RATE, (double)w);
            break;
        }
        case V_RETRY:
            if (tries < ai->tune.max_attempts)
                sleep_ms((double)(v.wait_ms > 0 && v.wait_ms <= ai->tune.max_wait_ms
                                      ? v.wait_ms
                                      : backoff_ms(&ai->tune, tries - 1)));
            break;
        case V_FAIL:
            return kr_fail(err, KRS_AI_REQUEST_FAILED, "%s: %s", who, last);
        }
    }
    {
        int idx;
        double wait;
        enum ai_key_state why;
        pick_key(p, &idx, &wait, &why);
        if (idx < 0 && (why == AI_KEY_QUOTA || why == AI_KEY_AUTH))
            return out_of_keys(vendor, why, last, err);
    }
    return kr_fail(err, resp->status == 429 ? KRS_AI_RATE_LIMITED : KRS_AI_FAILED,
                   "%s: gave up after %d attempts (%s)", who, ai->tune.max_attempts, last);
}

enum kr_code ai__send_json(struct ai *ai, enum ai_vendor vendor, const struct net_request *req,
                           json_t **root, struct kr_err *err)
{
    struct net_response r;
    enum kr_code rc;
    net_response_init(&r);
    rc = ai__send(ai, vendor, req, &r, err);
    if (!rc) {
        *root = json_loadb((const char *)r.body.data, r.body.len, 0, NULL);
        if (!*root)
            rc = ai__bad_reply(err, "%s: the reply is not JSON",
                               vendor == AI_VENDOR_GEMINI ? "gemini" : "openai");
    }
    net_response_release(&r);
    return rc;
}
