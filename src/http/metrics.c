/*
 * metrics.c - counters and histograms for /metrics (Prometheus text format).
 *
 * Two kinds of series live in one process-wide registry under one mutex:
 *   - per route (registered when a server compiles its table, keyed by
 *     method + route name): requests by status class and a latency
 *     histogram in milliseconds;
 *   - each backend's calls (core/bstat.h keeps them): a latency histogram
 *     and a failure counter per backend, rendered on every scrape;
 *   - application metrics set by name through http_metrics_set_gauge() and
 *     http_metrics_add_counter(). A name may carry labels,
 *     `karat_ai_calls_total{provider="gemini"}` (build it with
 *     http_metrics_name() so the value is escaped); series of one family
 *     share one # HELP / # TYPE header.
 * The registry has fixed room (METRIC_ROUTES, METRIC_APP); past that new
 * series are dropped rather than grown, so a caller cannot exhaust memory.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core/bstat.h"
#include "http/http_int.h"

#define METRIC_ROUTES 256
#define METRIC_APP    256
#define NBUCKETS      12

static const double bucket_ms[NBUCKETS] = {1,   5,   10,   25,   50,   100,
                                           250, 500, 1000, 2500, 5000, 10000};

struct route_series {
    char method[16];
    char route[160];
    uint64_t by_class[5]; /* 1xx..5xx */
    uint64_t bucket[NBUCKETS + 1];
    uint64_t count;
    double sum_ms;
};

struct app_series {
    char family[128];
    char labels[256]; /* "" or "{a=\"b\"}" */
    char help[256];
    int counter;
    double value;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct route_series routes[METRIC_ROUTES];
static int nroutes;
static struct app_series apps[METRIC_APP];
static int napps;
static atomic_int inflight;

int http__metrics_route_id(const char *method, const char *route)
{
    char m[sizeof routes[0].method], r[sizeof routes[0].route]; /* as stored */
    int id = -1;
    snprintf(m, sizeof m, "%s", method);
    snprintf(r, sizeof r, "%s", route);
    pthread_mutex_lock(&mu);
    for (int i = 0; i < nroutes && id < 0; i++)
        if (strcmp(routes[i].method, m) == 0 && strcmp(routes[i].route, r) == 0)
            id = i;
    if (id < 0 && nroutes < METRIC_ROUTES) {
        id = nroutes++;
        memcpy(routes[id].method, m, sizeof m);
        memcpy(routes[id].route, r, sizeof r);
    }
    pthread_mutex_unlock(&mu);
    return id;
}

void http__metrics_observe(int id, int status, double ms)
{
    struct route_series *s;
    int b = 0;
    if (id < 0 || id >= METRIC_ROUTES || status < 100 || status > 599)
        return;
    while (b < NBUCKETS && ms > bucket_ms[b])
        b++;
    pthread_mutex_lock(&mu);
    s = &routes[id];
    s->by_class[status / 100 - 1]++;
    s->bucket[b]++;
    s->count++;
    s->sum_ms += ms;
    pthread_mutex_unlock(&mu);
}

void http__metrics_inflight(int delta)
{
    atomic_fetch_add(&inflight, delta);
}

/* ---- application metrics --------------------------------------------------- */

static int name_char(char c, int first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (!first && c >= '0' && c <= '9');
}

/* `{k="v",k2="v2"}` with escaped values, or nothing at all. */
static int labels_ok(const char *s)
{
    if (*s == '\0')
        return 1;
    if (*s++ != '{')
        return 0;
    while (*s != '}') {
        if (!name_char(*s, 1) || *s == ':')
            return 0;
        while (name_char(*s, 0) && *s != ':')
            s++;
        if (*s++ != '=' || *s++ != '"')
            return 0;
        for (; *s != '"'; s++) {
            if (*s == '\0' || *s == '\n')
                return 0;
            if (*s == '\\' && (s[1] != '\\' && s[1] != '"' && s[1] != 'n'))
                return 0;
            s += *s == '\\';
        }
        s++;
        if (*s == ',')
            s++;
        else if (*s != '}')
            return 0;
    }
    return s[1] == '\0';
}

/* Split "family{labels}" and check both; 0 if the name is not valid. */
static int split_name(const char *name, char *family, size_t fn, const char **labels)
{
    size_t n = strcspn(name, "{");
    if (n == 0 || n >= fn || !name_char(name[0], 1))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!name_char(name[i], 0))
            return 0;
    memcpy(family, name, n);
    family[n] = '\0';
    *labels = name + n;
    return strlen(*labels) < sizeof apps[0].labels && labels_ok(*labels);
}

static void app_update(const char *name, const char *help, int counter, double v)
{
    char family[sizeof apps[0].family];
    const char *labels;
    struct app_series *s = NULL;
    if (!name || !split_name(name, family, sizeof family, &labels))
        return;
    pthread_mutex_lock(&mu);
    for (int i = 0; i < napps && !s; i++)
        if (strcmp(apps[i].family, family) == 0 && strcmp(apps[i].labels, labels) == 0)
            s = &apps[i];
    if (!s && napps < METRIC_APP) {
        s = &apps[napps++];
        snprintf(s->family, sizeof s->family, "%s", family);
        snprintf(s->labels, sizeof s->labels, "%s", labels);
        snprintf(s->help, sizeof s->help, "%s", help ? help : "");
        s->counter = counter;
    }
    if (s && s->counter == counter)
        s->value = counter ? s->value + v : v;
    pthread_mutex_unlock(&mu);
}

void http_metrics_set_gauge(const char *name, const char *help, double value)
{
    app_update(name, help, 0, value);
}

void http_metrics_add_counter(const char *name, const char *help, double delta)
{
    if (delta >= 0 && !isnan(delta))
        app_update(name, help, 1, delta);
}

static void escape(const char *in, char *out, size_t n)
{
    size_t o = 0;
    for (; in && *in && o + 3 < n; in++) {
        char c = *in == '\n' ? 'n' : *in;
        if (*in == '\\' || *in == '"' || *in == '\n')
            out[o++] = '\\';
        out[o++] = c;
    }
    if (n)
        out[o < n ? o : n - 1] = '\0';
}

enum kr_code http_metrics_name(char *out, size_t n, const char *family, const char *label,
                               const char *value)
{
    char esc[256];
    int w;
    escape(value, esc, sizeof esc);
    w = snprintf(out, n, "%s{%s=\"%s\"}", family, label, esc);
    return w < 0 || (size_t)w >= n ? KR_ELIMIT : KR_OK;
}

/* ---- rendering ---------------------------------------------------------------- */

static void fmt_value(char *out, size_t n, double v)
{
    if (isnan(v))
        snprintf(out, n, "NaN");
    else if (isinf(v))
        snprintf(out, n, v > 0 ? "+Inf" : "-Inf");
    else
        snprintf(out, n, "%.15g", v);
}

static enum kr_code header(struct buf *out, const char *name, const char *help, const char *type)
{
    enum kr_code rc = buf_appendf(out, "# HELP %s ", name);
    for (const char *p = help; !rc && *p; p++)
        rc = *p == '\\'   ? buf_append(out, "\\\\", 2)
             : *p == '\n' ? buf_append(out, "\\n", 2)
                          : buf_append(out, p, 1);
    return rc ? rc : buf_appendf(out, "\n# TYPE %s %s\n", name, type);
}

/* method="GET",route="/x" with both values escaped */
static void route_labels(const struct route_series *s, char *out, size_t n)
{
    char m[sizeof s->method * 2], r[sizeof s->route * 2];
    escape(s->method, m, sizeof m);
    escape(s->route, r, sizeof r);
    snprintf(out, n, "method=\"%s\",route=\"%s\"", m, r);
}

static enum kr_code render_counts(struct buf *out)
{
    static const char *cls[5] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    enum kr_code rc = header(out, "karat_http_requests_total",
                             "HTTP requests by route and status class.", "counter");
    for (int i = 0; i < nroutes && !rc; i++) {
        char l[800];
        route_labels(&routes[i], l, sizeof l);
        for (int c = 0; c < 5 && !rc; c++)
            if (routes[i].by_class[c])
                rc = buf_appendf(out, "karat_http_requests_total{%s,status=\"%s\"} %llu\n", l,
                                 cls[c], (unsigned long long)routes[i].by_class[c]);
    }
    return rc;
}

static enum kr_code render_histogram(struct buf *out)
{
    const char *h = "karat_http_request_duration_ms";
    enum kr_code rc =
        header(out, h, "Request time from request line to response, milliseconds.", "histogram");
    for (int i = 0; i < nroutes && !rc; i++) {
        const struct route_series *s = &routes[i];
        uint64_t cum = 0;
        char l[800], sum[64];
        route_labels(s, l, sizeof l);
        for (int b = 0; b <= NBUCKETS && !rc; b++) {
            char le[32];
            cum += s->bucket[b];
            fmt_value(le, sizeof le, b < NBUCKETS ? bucket_ms[b] : INFINITY);
            rc = buf_appendf(out, "%s_bucket{%s,le=\"%s\"} %llu\n", h, l, le,
                             (unsigned long long)cum);
        }
        fmt_value(sum, sizeof sum, s->sum_ms);
        if (!rc)
            rc = buf_appendf(out, "%s_sum{%s} %s\n%s_count{%s} %llu\n", h, l, sum, h, l,
                             (unsigned long long)s->count);
    }
    return rc;
}

static enum kr_code render_apps(struct buf *out)
{
    enum kr_code rc = KR_OK;
    for (int i = 0; i < napps && !rc; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = strcmp(apps[j].family, apps[i].family) == 0;
        if (seen)
            continue; /* printed with the first series of its family */
        rc = header(out, apps[i].family, apps[i].help, apps[i].counter ? "counter" : "gauge");
        for (int j = i; j < napps && !rc; j++) {
            char v[64];
            if (strcmp(apps[j].family, apps[i].family) != 0)
                continue;
            fmt_value(v, sizeof v, apps[j].value);
            rc = buf_appendf(out, "%s%s %s\n", apps[j].family, apps[j].labels, v);
        }
    }
    return rc;
}

/* Each backend's call latency (histogram) and failures (core/bstat.h). */
static enum kr_code render_backends(struct buf *out)
{
    const char *h = "karat_backend_duration_ms", *e = "karat_backend_errors_total";
    struct bstat st[BSTAT_MAX];
    int n = bstat_snapshot(st, BSTAT_MAX);
    enum kr_code rc = header(out, h,
                             "Time of each call this node made to a backend (store, blob, AI "
                             "provider), milliseconds.",
                             "histogram");
    for (int i = 0; i < n && !rc; i++) {
        uint64_t cum = 0;
        char sum[64];
        for (int b = 0; b <= BSTAT_BUCKETS && !rc; b++) {
            char le[32];
            cum += st[i].bucket[b];
            fmt_value(le, sizeof le, b < BSTAT_BUCKETS ? bstat_bucket_ms[b] : INFINITY);
            rc = buf_appendf(out, "%s_bucket{backend=\"%s\",le=\"%s\"} %llu\n", h, st[i].name, le,
                             (unsigned long long)cum);
        }
        fmt_value(sum, sizeof sum, st[i].sum_ms);
        if (!rc)
            rc = buf_appendf(out, "%s_sum{backend=\"%s\"} %s\n%s_count{backend=\"%s\"} %llu\n", h,
                             st[i].name, sum, h, st[i].name, (unsigned long long)st[i].calls);
    }
    if (!rc)
        rc = header(out, e, "Calls to a backend that failed (not-found answers are not failures).",
                    "counter");
    for (int i = 0; i < n && !rc; i++)
        rc = buf_appendf(out, "%s{backend=\"%s\"} %llu\n", e, st[i].name,
                         (unsigned long long)st[i].errors);
    return rc;
}

enum kr_code http_metrics_render(struct buf *out)
{
    enum kr_code rc;
    pthread_mutex_lock(&mu);
    rc = render_counts(out);
    if (!rc)
        rc = render_histogram(out);
    if (!rc)
        rc = header(out, "karat_http_requests_in_flight", "Requests being served now.", "gauge");
    if (!rc)
        rc = buf_appendf(out, "karat_http_requests_in_flight %d\n", atomic_load(&inflight));
    if (!rc)
        rc = render_apps(out);
    if (!rc)
        rc = render_backends(out);
    pthread_mutex_unlock(&mu);
    return rc;
}
