/*
 * probe.c - a live check of the store and the blob store for /health.
 *
 * Each probe is one cheap lookup that goes to the backend and back: the
 * document ("health", "probe") and the object S3_BUCKET/karat-health-probe,
 * which nobody writes. "Not found" (or, should someone write them, found)
 * means the backend answered; any other code is reported with its message.
 * The calls go through the store/blob wrappers, so they also count in the
 * per-backend statistics (core/bstat.h) like any other call.
 */
#include "repo/repo_int.h"

#include <stdlib.h>

#include "core/bstat.h"
#include "core/util.h"

static void verdict(struct repo_probe *p, double t0, enum kr_code rc, const struct kr_err *e)
{
    p->ms = bstat_start() - t0;
    p->ok = rc == KR_OK || rc == KR_ENOTFOUND;
    if (!p->ok)
        util_strlcpy(p->error, e->msg[0] ? e->msg : "the backend failed", sizeof p->error);
}

void repo_probe(struct repo *r, struct repo_probe out[2])
{
    const char *bucket =
        r->cfg->default_bucket && *r->cfg->default_bucket ? r->cfg->default_bucket : "alyaimg";
    struct kr_err e = {0};
    char *json = NULL;
    long long size = 0;
    double t0;
    enum kr_code rc;

    out[0] = (struct repo_probe){.name = "store", .backend = r->cfg->store_backend};
    out[1] = (struct repo_probe){.name = "blob", .backend = r->cfg->blob_backend};
    t0 = bstat_start();
    rc = store_doc_get(r->store, "health", "probe", &json, &e);
    free(json);
    verdict(&out[0], t0, rc, &e);
    e = (struct kr_err){0};
    t0 = bstat_start();
    rc = blob_stat(r->blob, bucket, "karat-health-probe", &size, &e);
    verdict(&out[1], t0, rc, &e);
}
