/*
 * app.c - open and close the application's parts in order (see app.h), and
 * the catalog's io: how the pipeline reads a photo (Karat's own files from
 * the repo, anything else through the SSRF-guarded fetch) and saves a sheet
 * (a new key under excel_files/ in the default bucket).
 *
 * Every value comes from the configuration table; nothing here has a
 * default of its own.
 */
#include "app/app_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai.h"
#include "catalog/catalog.h"
#include "core/admit.h"
#include "core/pool.h"
#include "core/util.h"
#include "image/image.h"
#include "jobs/jobs.h"
#include "net/net.h"
#include "repo/repo.h"
#include "sheet/sheet.h"
#include "store/store.h"
#include "studio/studio.h"
#include "watch/watch.h"

/* ---- the catalog's io ---- */

static enum kr_code io_read(void *ctx, const char *ref, struct buf *out, struct kr_err *err)
{
    struct app *a = ctx;
    struct net_fetch_opts o;

    if (repo_own_url(a->repo, ref)) /* the one own-URL rule, in repo/ */
        return repo_read_url(a->repo, ref, out, err);
    if (!net_url_ok(ref))
        return kr_fail(err, KRS_URL_REFUSED, "only http and https URLs can be fetched");
    net_fetch_opts_from_config(a->cfg, &o); /* out->max lowers its size cap */
    return net_fetch(ref, &o, out, NULL, 0, err);
}

/* A catalog output file under a new key in excel_files/ of the default
 * bucket (S3_BUCKET); url receives its public URL. */
static enum kr_code io_save(void *ctx, const struct catalog_file *f, char *url, size_t un,
                            struct kr_err *err)
{
    struct app *a = ctx;
    const char *bucket = a->cfg->default_bucket;
    char key[160];
    enum kr_code rc;

    repo_new_key("excel_files/", strcmp(f->ext, "csv") == 0 ? ".csv" : ".xlsx", key, sizeof key);
    rc = repo_put_file(a->repo, bucket, key, f->data, f->len, err);
    if (!rc)
        repo_url_for(a->repo, bucket, key, url, un);
    return rc;
}

/* ---- parts ---- */

static enum kr_code open_catalog(struct app *a, const struct app_opts *ao, struct kr_err *err)
{
    const struct config *c = a->cfg;
    const char *prof = ao->profile ? ao->profile : c->seller_profile;
    struct catalog_opts o = {0};
    json_t *profile = NULL;
    enum kr_code rc;

    if (!ao->io && !a->repo)
        return kr_fail(err, KRS_BAD_OPTION, "the catalog's own io needs the repo");
    if ((rc = jobs_open(a->repo ? a->store : NULL, a->pool, c->job_workers, &a->jobs, err)) ||
        (rc = jobs_set_lease(a->jobs, c->job_lease_ms, err)))
        return rc;
    if (prof && *prof && (rc = sheet_profile_load(prof, &profile, err)))
        return rc;
    catalog_opts_from_config(c, &o);
    o.ai = a->ai;
    o.store = a->store;
    o.profile = profile;
    o.io = ao->io ? *ao->io : (struct catalog_io){a, io_read, io_save, app__listed};
    rc = catalog_open(&o, &a->catalog, err);
    json_decref(profile);
    return rc ? rc : catalog_register_jobs(a->catalog, a->jobs, err);
}

static enum kr_code open_admission(struct app *a, struct kr_err *err)
{
    const struct config *c = a->cfg;
    const struct admit_opts o[APP_WORK_COUNT] = {
        [APP_WORK_STUDIO] = {"image studio", c->studio_slots, c->studio_slots_per_client},
        [APP_WORK_TEMPLATE] = {"templates", c->template_concurrency, c->template_slots_per_client},
        [APP_WORK_JOBS] = {"catalog jobs", c->max_active_jobs, c->max_jobs_per_client},
        [APP_WORK_BILLS] = {"bills", c->bill_slots, c->bill_slots_per_client},
    };
    enum kr_code rc = KR_OK;

    for (int i = 0; i < APP_WORK_COUNT && !rc; i++)
        rc = admit_open(&o[i], &a->admit[i], err);
    if (!rc && a->jobs)
        jobs_set_admission(a->jobs, a->admit[APP_WORK_JOBS]);
    return rc;
}

/* The record store alone (APP_STORE): in the data folder, or PostgreSQL. */
static enum kr_code open_store(struct app *a, struct kr_err *err)
{
    char path[4096];
    enum kr_code rc;

    if ((rc = util_mkdirs(a->cfg->data_dir, err)) ||
        (rc = store_location(a->cfg, path, sizeof path, err)))
        return rc;
    return store_open(a->cfg->store_backend, path, &a->store, err);
}

enum kr_code app_pool_create(const struct config *cfg, struct pool **out, struct kr_err *err)
{
    enum kr_code rc =
        pool_create(cfg->job_workers + cfg->studio_workers, image_thread_cleanup, out, err);
    if (rc)
        kr_err_prefix(err, "KARAT_JOB_WORKERS + KARAT_STUDIO_WORKERS: ");
    return rc;
}

static enum kr_code open_parts(struct app *a, const struct app_opts *o, struct kr_err *err)
{
    const struct config *cfg = a->cfg;
    unsigned p = a->parts;
    enum kr_code rc = KR_OK;

    if ((p & APP_REPO) && !(rc = repo_open(cfg, o->public_base, &a->repo, err)))
        a->store = repo_store(a->repo);
    else if (!rc && (p & APP_STORE))
        rc = open_store(a, err);
    if (!rc && (p & APP_POOL))
        rc = app_pool_create(cfg, &a->pool, err);
    if (!rc && (p & APP_AI) && !(rc = net_global_init(err)) && !(rc = ai_open(cfg, &a->ai, err)))
        ai_set_segmenter(a->ai, &(struct ai_segmenter){app_segment_cut, NULL});
    if (!rc && (p & APP_AI)) { /* the market watch's fetcher shares libcurl */
        struct watch_fetch_opts wo;
        watch_fetch_opts_from_config(cfg, &wo);
        rc = watch_fetcher_open(&wo, &a->watch, err);
    }
    if (!rc && (p & APP_CATALOG))
        rc = open_catalog(a, o, err);
    if (!rc && (p & APP_ADMIT))
        rc = open_admission(a, err);
    return rc;
}

/* The studio's segmentation as the offline analysis's cut (ai/ sits below
 * studio/, so it is handed in here): a busy background is a failure, and
 * the analysis then uses its own cut and doubts its answers. */
enum kr_code app_segment_cut(void *ctx, const struct image_px *px, unsigned char *mask,
                             struct kr_err *err)
{
    struct studio_mask m = {0};
    struct studio_seg_info info;
    enum kr_code rc = studio_segment(px, &m, &info, err);
    (void)ctx;
    if (!rc && info.complex)
        rc = kr_fail(err, KRS_NO_PIECE_FOUND, "busy background: %s", info.why);
    for (size_t i = 0; !rc && i < (size_t)px->width * px->height; i++)
        mask[i] = m.alpha[i] >= 128;
    studio_mask_release(&m);
    return rc;
}

enum kr_code app_open(const struct config *cfg, const struct app_opts *o, struct app **out,
                      struct kr_err *err)
{
    struct app *a = calloc(1, sizeof *a);
    enum kr_code rc;

    *out = NULL;
    if (!a)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    a->cfg = cfg;
    a->parts = o->parts;
    if (a->parts & APP_CATALOG)
        a->parts |= APP_POOL | APP_AI;
    if (a->parts & APP_REPO)
        a->parts &= ~(unsigned)APP_STORE;
    if ((rc = open_parts(a, o, err))) {
        app_close(a);
        return rc;
    }
    *out = a;
    return KR_OK;
}

enum kr_code app_start(struct app *a, struct kr_err *err)
{
    return a->jobs ? jobs_start(a->jobs, err) : KR_OK;
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
    jobs_close(a->jobs); /* its items off the pool before the pool and what they use go */
    pool_destroy(a->pool);
    catalog_close(a->catalog);
    for (int i = 0; i < APP_WORK_COUNT; i++)
        admit_close(a->admit[i]);
    ai_close(a->ai);
    watch_fetcher_close(a->watch);
    if (a->parts & APP_AI)
        net_global_cleanup();
    if (a->repo)
        repo_close(a->repo);
    else
        store_close(a->store);
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
