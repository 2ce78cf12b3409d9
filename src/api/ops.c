/*
 * ops.c - what operators poll: GET /health (no auth; "warnings" lists
 * settings an operator should know about, such as KARAT_ALLOW_NO_AUTH;
 * "backends" checks the store and the blob store live and gives each
 * backend's call statistics; "index_sync" the node's index lag) and GET /metrics
 * (Prometheus text: per-route counters and latency from http/, plus the
 * repository's and the admission slots' gauges refreshed on each scrape).
 */
#include "api/api_int.h"

#include <stdio.h>

#include "core/bstat.h"
#include "core/util.h"

int api_auth_off(const struct config *cfg)
{
    return cfg->allow_no_auth && !(cfg->api_keys && *cfg->api_keys);
}

/* Server mode: how far this node's index is behind the shared store
 * ("index_sync"); NULL in embedded mode. *ok = 0 when the store could not
 * say (the lag is then unknown). */
static json_t *index_sync(struct app *app, int *ok)
{
    struct repo_sync_status st;
    struct kr_err e = {0};
    enum kr_code rc = repo_sync_status(app->repo, &st, &e);

    *ok = rc == KR_OK;
    if (!st.on)
        return NULL;
    if (rc)
        return json_pack("{s:s,s:I,s:I}", "error", e.msg, "seq", (json_int_t)st.seq,
                         "ms_since_sync", (json_int_t)st.since_ms);
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "seq", (json_int_t)st.seq, "head",
                     (json_int_t)st.head, "lag", (json_int_t)st.lag, "ms_since_sync",
                     (json_int_t)st.since_ms, "failures", (json_int_t)st.failures, "reloads",
                     (json_int_t)st.reloads);
}

/* A backend's calls since start-up (core/bstat.h) into o. */
static void call_stats(json_t *o, const char *series)
{
    struct bstat st;
    char when[40] = "";
    if (bstat_get(series, &st)) {
        json_object_set_new(o, "calls", json_integer(0));
        json_object_set_new(o, "errors", json_integer(0));
        return;
    }
    json_object_set_new(o, "calls", json_integer((json_int_t)st.calls));
    json_object_set_new(o, "errors", json_integer((json_int_t)st.errors));
    json_object_set_new(o, "mean_ms", json_real(st.calls ? st.sum_ms / (double)st.calls : 0));
    json_object_set_new(o, "last_ms", json_real(st.last_ms));
    if (st.last_error_epoch_ms) {
        util_iso8601(st.last_error_epoch_ms, when, sizeof when);
        json_object_set_new(o, "last_error_at", json_string(when));
    }
}

/* "backends": the store and the blob store checked live now (latency_ms,
 * ok, error) with their call statistics; each configured AI provider's
 * statistics only (a health check never calls a paid API). *ok = 0 when a
 * live check failed. */
static json_t *backends(struct app *app, int *ok)
{
    static const char *const providers[] = {"gemini", "openai"};
    struct repo_probe p[2];
    json_t *o = json_object(), *prov = json_object();

    repo_probe(app->repo, p);
    for (int i = 0; i < 2; i++) {
        json_t *b = json_pack("{s:s,s:b,s:f}", "backend", p[i].backend, "ok", p[i].ok, "latency_ms",
                              p[i].ms);
        if (!p[i].ok)
            json_object_set_new(b, "error", json_string(p[i].error));
        *ok &= p[i].ok;
        call_stats(b, p[i].name);
        json_object_set_new(o, p[i].name, b);
    }
    for (size_t i = 0; i < sizeof providers / sizeof providers[0]; i++) {
        json_t *b = json_object();
        call_stats(b, providers[i]);
        json_object_set_new(prov, providers[i], b);
    }
    json_object_set_new(o, "providers", prov);
    return o;
}

void api_health(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    json_t *o = json_object();
    int sync_ok = 1, live_ok = 1;
    json_t *sync = index_sync(app, &sync_ok);
    json_t *bk = backends(app, &live_ok);
    (void)req;
    json_object_set_new(o, "status", json_string(sync_ok && live_ok ? "ok" : "degraded"));
    json_object_set_new(o, "backends", bk);
    if (sync)
        json_object_set_new(o, "index_sync", sync);
    json_object_set_new(o, "service", json_string("karat"));
    json_object_set_new(o, "images_indexed", json_integer((json_int_t)repo_index_count(app->repo)));
    if (api_auth_off(app->cfg))
        json_object_set_new(o, "warnings",
                            json_pack("[s]", "authentication is off (KARAT_ALLOW_NO_AUTH): anyone "
                                             "who can reach this server can use it"));
    http_res_json(res, 200, o);
}

/* karat_admission_{in_use,slots}{work="..."} for each kind of admitted work. */
static void admission_gauges(struct app *app)
{
    static const char *const work[APP_WORK_COUNT] = {
        [APP_WORK_STUDIO] = "studio", [APP_WORK_TEMPLATE] = "templates", [APP_WORK_JOBS] = "jobs",
        [APP_WORK_BILLS] = "bills"};
    char name[128];

    for (int i = 0; i < APP_WORK_COUNT; i++) {
        if (!app->admit[i])
            continue;
        if (!http_metrics_name(name, sizeof name, "karat_admission_in_use", "work", work[i]))
            http_metrics_set_gauge(name, "Admission slots in use, per kind of work",
                                   admit_in_use(app->admit[i]));
        if (!http_metrics_name(name, sizeof name, "karat_admission_slots", "work", work[i]))
            http_metrics_set_gauge(name, "Admission slots, per kind of work (the configured bound)",
                                   admit_slots(app->admit[i]));
    }
}

/* Server mode: karat_index_sync_{lag,ms_since,failures}. */
static void sync_gauges(struct app *app)
{
    struct repo_sync_status st;
    struct kr_err e = {0};

    if (repo_sync_status(app->repo, &st, &e) || !st.on)
        return; /* embedded, or the store cannot say: no gauge beats a wrong one */
    http_metrics_set_gauge("karat_index_sync_lag",
                           "Store changes this node's index has not replayed yet", (double)st.lag);
    http_metrics_set_gauge("karat_index_sync_ms_since",
                           "Milliseconds since this node's index last caught up with the store",
                           (double)st.since_ms);
    http_metrics_set_gauge("karat_index_sync_failures",
                           "Index catch-ups that failed since start-up (each is retried)",
                           (double)st.failures);
}

void api_metrics(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct buf out;
    (void)req;

    admission_gauges(app);

    http_metrics_set_gauge("karat_images_indexed", "Images in the similarity index",
                           (double)repo_index_count(app->repo));
    http_metrics_set_gauge("karat_duplicates_found", "Uploads refused as duplicates since start-up",
                           (double)repo_duplicates_found(app->repo));
    sync_gauges(app);
    buf_init(&out, 0);
    if (http_metrics_render(&out)) {
        buf_release(&out);
        http_res_error(res, KRS_INTERNAL, "could not render metrics");
        return;
    }
    http_res_bytes(res, 200, "text/plain; version=0.0.4", out.data, out.len);
    buf_release(&out);
}
