/*
 * ops.c - what operators poll: GET /health (no auth; "warnings" lists
 * settings an operator should know about, such as KARAT_ALLOW_NO_AUTH) and GET /metrics
 * (Prometheus text: per-route counters and latency from http/, plus the
 * repository's and the admission slots' gauges refreshed on each scrape).
 */
#include "api/api_int.h"

#include <stdio.h>

int api_auth_off(const struct config *cfg)
{
    return cfg->allow_no_auth && !(cfg->api_keys && *cfg->api_keys);
}

void api_health(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    json_t *o = json_object();
    (void)req;
    json_object_set_new(o, "status", json_string("ok"));
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
        [APP_WORK_STUDIO] = "studio", [APP_WORK_TEMPLATE] = "templates", [APP_WORK_JOBS] = "jobs"};
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

void api_metrics(struct http_request *req, struct http_response *res, void *app_)
{
    struct app *app = app_;
    struct buf out;
    (void)req;

    admission_gauges(app);

    http_metrics_set_gauge("karat_images_indexed", "Images in the similarity index",
                           (double)repo_index_count(app->repo));
    http_metrics_set_gauge("karat_duplicates_found",
                           "Uploads refused as duplicates since start-up",
                           (double)repo_duplicates_found(app->repo));
    buf_init(&out, 0);
    if (http_metrics_render(&out)) {
        buf_release(&out);
        http_res_error(res, KRS_INTERNAL, "could not render metrics");
        return;
    }
    http_res_bytes(res, 200, "text/plain; version=0.0.4", out.data, out.len);
    buf_release(&out);
}
