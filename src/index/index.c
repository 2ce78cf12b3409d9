/*
 * index.c - the idx wrappers: backend registry by name, argument checks,
 * and defaults for optional ops.
 *
 * Every check that does not depend on the backend lives here, once:
 * signatures must carry finite descriptor components within [-1, 1] (what
 * an L2-normalised vector has; the embedded backend's quantisation error
 * bound relies on it), hit counts are bounded by IDX_MAX_HITS, the rule's
 * hash radius is 0..256 bits.
 *
 * Adding a backend: write src/index/<name>.c exposing a `const struct
 * idx_ops`, declare it below and list it in `backends[]`.
 */
#include "index/index.h"

#include <math.h>
#include <string.h>

extern const struct idx_ops idx_embedded_ops;

static const struct idx_ops *const backends[] = {&idx_embedded_ops};

/* A little slack for float rounding in the normalisation. */
#define DESC_ABS_MAX 1.0001f

const struct idx_ops *idx_backend(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (strcmp(backends[i]->name, name) == 0)
            return backends[i];
    return NULL;
}

static enum kr_code check_desc(const float *desc, struct kr_err *err)
{
    if (!desc)
        return kr_fail(err, KRS_BAD_ARGUMENT, "index: missing descriptor");
    for (int i = 0; i < DEDUP_DESC_DIM; i++)
        if (!isfinite(desc[i]) || fabsf(desc[i]) > DESC_ABS_MAX)
            return kr_fail(err, KRS_BAD_DESCRIPTOR,
                           "index: descriptor component %d is %g (not normalised)", i,
                           (double)desc[i]);
    return KR_OK;
}

static enum kr_code check_out(struct idx *ix, struct idx_hit *hits, int max, int *nhits,
                              struct kr_err *err)
{
    if (nhits)
        *nhits = 0;
    if (!ix || !nhits || (max > 0 && !hits))
        return kr_fail(err, KRS_BAD_ARGUMENT, "index: missing argument");
    if (max < 0 || max > IDX_MAX_HITS)
        return kr_fail(err, KRS_BAD_ARGUMENT, "index: %d hits asked, limit %d", max, IDX_MAX_HITS);
    return KR_OK;
}

enum kr_code idx_open(const char *backend, const char *opts, struct idx **out, struct kr_err *err)
{
    const struct idx_ops *ops = idx_backend(backend);

    if (!out)
        return kr_fail(err, KRS_BAD_ARGUMENT, "idx_open: missing argument");
    *out = NULL;
    if (!ops)
        return kr_fail(err, KRS_UNKNOWN_BACKEND, "index: unknown backend '%s'",
                       backend ? backend : "(null)");
    return ops->open(opts, out, err);
}

enum kr_code idx_add(struct idx *ix, int64_t id, const struct dedup_sig *sig, struct kr_err *err)
{
    if (!ix || !sig)
        return kr_fail(err, KRS_BAD_ARGUMENT, "idx_add: missing argument");
    enum kr_code rc = check_desc(sig->desc, err);
    return rc ? rc : ix->ops->add(ix, id, sig, err);
}

enum kr_code idx_remove(struct idx *ix, int64_t id, struct kr_err *err)
{
    if (!ix)
        return kr_fail(err, KRS_BAD_ARGUMENT, "idx_remove: missing index");
    return ix->ops->remove(ix, id, err);
}

enum kr_code idx_find_dups(struct idx *ix, const struct idx_dup_query *dq, struct idx_hit *hits,
                           int max, int *nhits, struct kr_err *err)
{
    enum kr_code rc = check_out(ix, hits, max, nhits, err);
    const struct dedup_sig *q = dq ? dq->sig : NULL;
    const struct dedup_rule *rule = dq ? dq->rule : NULL;

    if (rc)
        return rc;
    if (!q || !rule)
        return kr_fail(err, KRS_BAD_ARGUMENT, "idx_find_dups: missing argument");
    if (rule->hash_max < 0 || rule->hash_max > DEDUP_HASH_BYTES * 8 || !isfinite(rule->desc_min) ||
        rule->scene_candidates < 0 || rule->scene_candidates > IDX_MAX_HITS)
        return kr_fail(err, KRS_BAD_RULE, "index: bad duplicate rule (%d, %g)", rule->hash_max,
                       (double)rule->desc_min);
    rc = check_desc(q->desc, err);
    if (rc || max == 0)
        return rc;
    return ix->ops->find_dups(ix, dq, hits, max, nhits, err);
}

enum kr_code idx_search(struct idx *ix, const float *desc, int k, struct idx_hit *hits, int *nhits,
                        struct kr_err *err)
{
    enum kr_code rc = check_out(ix, hits, k, nhits, err);

    if (!rc)
        rc = check_desc(desc, err);
    if (rc || k == 0)
        return rc;
    return ix->ops->search(ix, desc, k, hits, nhits, err);
}

int idx_contains(struct idx *ix, int64_t id)
{
    return ix ? ix->ops->contains(ix, id) : 0;
}

size_t idx_count(struct idx *ix)
{
    return ix ? ix->ops->count(ix) : 0;
}

void idx_each(struct idx *ix, int (*cb)(int64_t id, void *ctx), void *ctx)
{
    if (ix && cb)
        ix->ops->each(ix, cb, ctx);
}

void idx_close(struct idx *ix)
{
    if (ix)
        ix->ops->close(ix);
}

void idx_set_source(struct idx *ix, idx_source_fn fn, void *ctx)
{
    if (ix && ix->ops->set_source)
        ix->ops->set_source(ix, fn, ctx);
}
