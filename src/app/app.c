/*
 * app.c - open and close the application's parts in order (see app.h), and
 * the catalog's io: how the pipeline reads a photo (Karat's own files from
 * the repo, anything else through the SSRF-guarded fetch) and saves a sheet
 * (a new key under excel_files/ in the default bucket).
 *
 * Every value comes from the configuration table; nothing here has a
 * default of its own.
 */
#include "app/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai.h"
#include "catalog/catalog.h"
#include "core/admit.h"
#include "core/pool.h"
#include "http/http.h"
#include "image/image.h"
#include "jobs/jobs.h"
#include "net/net.h"
#include "repo/repo.h"
#include "sheet/sheet.h"
#include "studio/studio.h"

#define FETCH_TIMEOUT_MS    15000 /* a photo, not a model call */
#define FETCH_MAX_REDIRECTS 3

/* ---- the catalog's io ---- */

static enum kr_code io_read(void *ctx, const char *ref, struct buf *out, struct kr_err *err)
{
    struct app *a = ctx;
    struct net_fetch_opts o = {0};

    if (repo_own_url(a->repo, ref)) /* the one own-URL rule, in repo/ */
        return repo_read_url(a->repo, ref, out, err);
    if (!net_url_ok(ref))
        return kr_fail(err, KRS_URL_REFUSED, "only http and https URLs can be fetched");
    o.max_bytes = out->max;
    o.timeout_ms = FETCH_TIMEOUT_MS;
    o.max_redirects = FETCH_MAX_REDIRECTS;
    o.allow_private = a->cfg->fetch_allow_private;
    return net_fetch(ref, &o, out, NULL, 0, err);
}

/* A catalog output file under a new key in excel_files/ of the default
 * bucket (S3_BUCKET); url receives its public URL. */
static enum kr_code io_save(void *ctx, const struct catalog_file *f, char *url, size_t un,
                            struct kr_err *err)
{
    struct app *a = ctx;
    const char *bucket = a->cfg->default_bucket;
    char name[96], key[160];
    enum kr_code rc;

    repo_new_key(strcmp(f->ext, "csv") == 0 ? ".csv" : ".xlsx", name, sizeof name);
    snprintf(key, sizeof key, "excel_files/%s", name);
    rc = repo_put_file(a->repo, bucket, key, f->data, f->len, err);
    if (!rc)
        repo_url_for(a->repo, bucket, key, url, un);
    return rc;
}

/* ---- parts ---- */

static enum kr_code open_catalog(struct app *a, struct kr_err *err)
{
    const struct config *c = a->cfg;
    struct catalog_opts o = {0};
    json_t *profile = NULL;
    enum kr_code rc;

    if (c->seller_profile && *c->seller_profile &&
        (rc = sheet_profile_load(c->seller_profile, &profile, err)))
        return rc;
    catalog_opts_from_config(c, &o);
    o.ai = a->ai;
    o.store = repo_store(a->repo);
    o.profile = profile;
    o.io = (struct catalog_io){a, io_read, io_save};
    rc = catalog_open(&o, &a->catalog, err);
    json_decref(profile);
    return rc ? rc : catalog_register_jobs(a->catalog, a->jobs, err);
}

static enum kr_code open_admission(struct app *a, struct kr_err *err)
{
    const struct config *c = a->cfg;
    const struct admit_opts o[APP_WORK_COUNT] = {
        [APP_WORK_STUDIO] = {"image studio", c->studio_slots, c->studio_slots_per_client},
        [APP_WORK_TEMPLATE] = {"templates", c->template_concurrency,
                               c->template_slots_per_client},
        [APP_WORK_JOBS] = {"catalog jobs", c->max_active_jobs, c->max_jobs_per_client},
    };
    enum kr_code rc = KR_OK;

    for (int i = 0; i < APP_WORK_COUNT && !rc; i++)
        rc = admit_open(&o[i], &a->admit[i], err);
    if (!rc)
        jobs_set_admission(a->jobs, a->admit[APP_WORK_JOBS]);
    return rc;
}

enum kr_code app_open(const struct config *cfg, const char *public_base, struct app **out,
                      struct kr_err *err)
{
    struct app *a = calloc(1, sizeof *a);
    enum kr_code rc;

    *out = NULL;
    if (!a)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    a->cfg = cfg;
    if ((rc = repo_open(cfg, public_base, &a->repo, err)) || (rc = net_global_init(err)) ||
        (rc = ai_open(cfg, &a->ai, err)) ||
        (rc = jobs_open(repo_store(a->repo), cfg->job_workers, &a->jobs, err)) ||
        (rc = open_admission(a, err)) || (rc = open_catalog(a, err)) ||
        (rc = studio_pool_create(cfg, &a->studio_pool, err))) {
        app_close(a);
        return rc;
    }
    jobs_on_thread_exit(a->jobs, image_thread_cleanup);
    *out = a;
    return KR_OK;
}

enum kr_code app_start(struct app *a, struct kr_err *err)
{
    return jobs_start(a->jobs, err);
}

void app_stop(struct app *a)
{
    if (a)
        jobs_stop(a->jobs);
}

void app_close(struct app *a)
{
    if (!a)
        return;
    jobs_close(a->jobs); /* workers gone before what they use */
    pool_destroy(a->studio_pool);
    catalog_close(a->catalog);
    for (int i = 0; i < APP_WORK_COUNT; i++)
        admit_close(a->admit[i]);
    ai_close(a->ai);
    repo_close(a->repo);
    free(a);
}

/* ---- the HTTP edge's settings ---- */

void app_public_base(const char *listen, char *out, size_t n)
{
    const char *colon = strrchr(listen, ':');
    if (!strncmp(listen, "0.0.0.0:", 8) || !strncmp(listen, "[::]:", 5))
        snprintf(out, n, "http://127.0.0.1%s", colon ? colon : ":8000");
    else
        snprintf(out, n, "http://%s", listen);
}

void app_http_opts(const struct config *cfg, struct http_server_opts *o)
{
    memset(o, 0, sizeof *o);
    o->listen = cfg->listen;
    o->api_keys = cfg->api_keys;
    o->allow_no_auth = cfg->allow_no_auth;
    o->cors_origins = cfg->cors_origins;
    o->trusted_proxies = cfg->trusted_proxies;
    o->conn_timeout_s = cfg->conn_timeout_s;
    o->head_timeout_s = cfg->header_timeout_s;
    o->body_timeout_s = cfg->body_timeout_s;
    o->max_conns_per_ip = cfg->max_conns_per_ip;
    o->retry_after_s = cfg->retry_after_s;
    o->limits.max_body = (size_t)cfg->max_upload_bytes;
    o->limits.max_json = (size_t)cfg->max_json_bytes;
    o->limits.max_json_depth = cfg->max_json_depth;
    o->limits.max_fields = cfg->max_form_fields;
    o->limits.max_field_len = (size_t)cfg->max_field_bytes;
}
