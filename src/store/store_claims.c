/*
 * store_claims.c - the store_* wrappers of the job-claim ops (store.h,
 * "job claims"): argument checks and bounds, then the backend. Kept apart
 * from store.c so the claim block stays one unit. A backend without claims
 * (sqlite) leaves the ops NULL; calling one there is a programming error
 * reported as KR_EUNSUPPORTED, never a silent success.
 */
#include <string.h>

#include "core/bstat.h"
#include "store/store.h"

static enum kr_code check(const struct store *s, const char *job_id, const char *owner,
                          struct kr_err *err)
{
    if (!s || !job_id || !owner)
        return kr_fail(err, KRS_BAD_ARGUMENT, "store: claim: missing argument");
    if (!store_has_claims(s))
        return kr_fail(err, KRS_CLAIMS_UNSUPPORTED, "store: %s keeps no job claims", s->ops->name);
    if (strnlen(job_id, STORE_DOC_KEY_MAX + 1) > STORE_DOC_KEY_MAX ||
        strnlen(owner, STORE_CLAIM_OWNER_MAX + 1) > STORE_CLAIM_OWNER_MAX)
        return kr_fail(err, KRS_STORE_VALUE_TOO_LONG, "store: claim: job id or owner too long");
    return KR_OK;
}

int store_has_claims(const struct store *s)
{
    return s && s->ops->claim_take && s->ops->claim_add && s->ops->claim_renew &&
           s->ops->claim_complete && s->ops->claim_jobs;
}

enum kr_code store_claim_add(struct store *s, const char *job_id, int n, struct kr_err *err)
{
    double t0;
    enum kr_code rc = check(s, job_id, "", err);
    if (!rc && n < 0)
        rc = kr_fail(err, KRS_BAD_ARGUMENT, "store: claim_add: negative count");
    return rc ? rc : BSTAT_TIMED("store", t0, s->ops->claim_add(s, job_id, n, err));
}

enum kr_code store_claim_take(struct store *s, struct store_claim *c, struct kr_err *err)
{
    double t0;
    enum kr_code rc = c ? check(s, c->job_id, c->owner, err)
                        : kr_fail(err, KRS_BAD_ARGUMENT, "store: claim: missing argument");
    if (!rc && (c->lease_ms < 1 || c->index < STORE_CLAIM_FINISH))
        rc = kr_fail(err, KRS_BAD_ARGUMENT, "store: claim_take: bad lease or index");
    return rc ? rc : BSTAT_TIMED("store", t0, s->ops->claim_take(s, c, err));
}

enum kr_code store_claim_renew(struct store *s, const char *owner, long lease_ms,
                               struct kr_err *err)
{
    double t0;
    enum kr_code rc = check(s, "", owner, err);
    if (!rc && lease_ms < 1)
        rc = kr_fail(err, KRS_BAD_ARGUMENT, "store: claim_renew: bad lease");
    return rc ? rc : BSTAT_TIMED("store", t0, s->ops->claim_renew(s, owner, lease_ms, err));
}

enum kr_code store_claim_complete(struct store *s, const struct store_claim *c,
                                  const struct store_claim_doc *d, struct kr_err *err)
{
    double t0;
    enum kr_code rc = c && d && d->ns && d->key && d->json
                          ? check(s, c->job_id, c->owner, err)
                          : kr_fail(err, KRS_BAD_ARGUMENT, "store: claim: missing argument");
    if (!rc && (strnlen(d->ns, STORE_DOC_NS_MAX + 1) > STORE_DOC_NS_MAX ||
                strnlen(d->key, STORE_DOC_KEY_MAX + 1) > STORE_DOC_KEY_MAX ||
                strnlen(d->json, STORE_DOC_JSON_MAX + 1) > STORE_DOC_JSON_MAX))
        rc = kr_fail(err, KRS_STORE_VALUE_TOO_LONG, "store: claim_complete: document too long");
    return rc ? rc : BSTAT_TIMED("store", t0, s->ops->claim_complete(s, c, d, err));
}

enum kr_code store_claim_jobs(struct store *s, int (*cb)(const char *job_id, void *ctx), void *ctx,
                              struct kr_err *err)
{
    enum kr_code rc = cb ? check(s, "", "", err)
                         : kr_fail(err, KRS_BAD_ARGUMENT, "store: claim: missing argument");
    return rc ? rc : s->ops->claim_jobs(s, cb, ctx, err);
}
