/*
 * fault_store.c - the "fault" store backend: "sqlite" (or "postgres", given
 * a server location) behind fault_check().
 *
 * Every op asks fault_check("store.<op>") first and, unless a rule fails
 * the call, passes it to the wrapped backend unchanged (see fault.h).
 * Over a backend with job claims (postgres) the instance uses a copy of the
 * ops that passes those on too, so "has claims" is the inner store's answer.
 */
#include "fault.h"

#include <stdlib.h>
#include <string.h>

#include "store/store.h"

struct fault_store {
    struct store base;
    struct store *inner;
};

static struct store *inner(struct store *s)
{
    return ((struct fault_store *)s)->inner;
}

#define PASS(op, call) FAULT_PASS("store." op, call)

extern const struct store_ops fault_store_ops;
static struct store_ops fault_claim_ops; /* fault_store_ops + the claim ops */

/* ---- job claims ---- */

static enum kr_code f_claim_add(struct store *s, const char *job_id, int n, struct kr_err *err)
{
    PASS("claim_add", store_claim_add(inner(s), job_id, n, err));
}

static enum kr_code f_claim_take(struct store *s, struct store_claim *c, struct kr_err *err)
{
    PASS("claim_take", store_claim_take(inner(s), c, err));
}

static enum kr_code f_claim_renew(struct store *s, const char *owner, long lease_ms,
                                  struct kr_err *err)
{
    PASS("claim_renew", store_claim_renew(inner(s), owner, lease_ms, err));
}

static enum kr_code f_claim_complete(struct store *s, const struct store_claim *c,
                                     const struct store_claim_doc *d, struct kr_err *err)
{
    PASS("claim_complete", store_claim_complete(inner(s), c, d, err));
}

static enum kr_code f_claim_jobs(struct store *s, int (*cb)(const char *job_id, void *ctx),
                                 void *ctx, struct kr_err *err)
{
    PASS("claim_jobs", store_claim_jobs(inner(s), cb, ctx, err));
}

static enum kr_code f_open(const char *location, struct store **out, struct kr_err *err)
{
    struct fault_store *fs;
    enum kr_code rc = fault_check("store.open", err);

    if (rc)
        return rc;
    fs = calloc(1, sizeof *fs);
    if (!fs)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    /* store_location() gives a server store "pool=N;..." + its URL */
    rc = store_open(strncmp(location, "pool=", 5) == 0 ? "postgres" : "sqlite", location,
                    &fs->inner, err);
    if (rc) {
        free(fs);
        return rc;
    }
    fs->base.ops = &fault_store_ops;
    if (store_has_claims(fs->inner)) {
        fault_claim_ops = fault_store_ops;
        fault_claim_ops.claim_add = f_claim_add;
        fault_claim_ops.claim_take = f_claim_take;
        fault_claim_ops.claim_renew = f_claim_renew;
        fault_claim_ops.claim_complete = f_claim_complete;
        fault_claim_ops.claim_jobs = f_claim_jobs;
        fs->base.ops = &fault_claim_ops;
    }
    *out = &fs->base;
    return KR_OK;
}

static enum kr_code f_image_insert(struct store *s, const struct store_image *img,
                                   struct kr_err *err)
{
    PASS("image_insert", store_image_insert(inner(s), img, err));
}

static enum kr_code f_image_delete(struct store *s, int64_t id, struct kr_err *err)
{
    PASS("image_delete", store_image_delete(inner(s), id, err));
}

static enum kr_code f_image_get(struct store *s, int64_t id, struct store_image *out,
                                struct kr_err *err)
{
    PASS("image_get", store_image_get(inner(s), id, out, err));
}

static enum kr_code f_image_get_ids(struct store *s, const int64_t *ids, int n,
                                    int (*cb)(const struct store_image *img, void *ctx), void *ctx,
                                    struct kr_err *err)
{
    PASS("image_get_ids", store_image_get_ids(inner(s), ids, n, cb, ctx, err));
}

static enum kr_code f_image_find_key(struct store *s, const char *bucket, const char *key,
                                     struct store_image *out, struct kr_err *err)
{
    PASS("image_find_key", store_image_find_key(inner(s), bucket, key, out, err));
}

static enum kr_code f_image_find_url(struct store *s, const char *url, struct store_image *out,
                                     struct kr_err *err)
{
    PASS("image_find_url", store_image_find_url(inner(s), url, out, err));
}

static enum kr_code f_image_find_sha(struct store *s, const char *sha256, struct store_image *out,
                                     struct kr_err *err)
{
    PASS("image_find_sha", store_image_find_sha(inner(s), sha256, out, err));
}

static enum kr_code f_image_update_sig(struct store *s, int64_t id, const struct dedup_sig *sig,
                                       struct kr_err *err)
{
    PASS("image_update_sig", store_image_update_sig(inner(s), id, sig, err));
}

static enum kr_code f_image_each(struct store *s,
                                 int (*cb)(const struct store_image *img, void *ctx), void *ctx,
                                 struct kr_err *err)
{
    PASS("image_each", store_image_each(inner(s), cb, ctx, err));
}

static enum kr_code f_image_count(struct store *s, long long *n, struct kr_err *err)
{
    PASS("image_count", store_image_count(inner(s), n, err));
}

static enum kr_code f_doc_put(struct store *s, const char *ns, const char *key, const char *json,
                              struct kr_err *err)
{
    PASS("doc_put", store_doc_put(inner(s), ns, key, json, err));
}

static enum kr_code f_doc_add(struct store *s, const char *ns, const char *key, const char *json,
                              struct kr_err *err)
{
    PASS("doc_add", store_doc_add(inner(s), ns, key, json, err));
}

static enum kr_code f_doc_get(struct store *s, const char *ns, const char *key, char **json,
                              struct kr_err *err)
{
    PASS("doc_get", store_doc_get(inner(s), ns, key, json, err));
}

static enum kr_code f_doc_delete(struct store *s, const char *ns, const char *key,
                                 struct kr_err *err)
{
    PASS("doc_delete", store_doc_delete(inner(s), ns, key, err));
}

static enum kr_code f_doc_each(struct store *s, const char *ns,
                               int (*cb)(const char *key, const char *json, void *ctx), void *ctx,
                               struct kr_err *err)
{
    PASS("doc_each", store_doc_each(inner(s), ns, cb, ctx, err));
}

/* ---- multi-node sync (branch h-sync) ---- */

static enum kr_code f_change_head(struct store *s, int64_t *seq, struct kr_err *err)
{
    PASS("change_head", store_change_head(inner(s), seq, err));
}

static enum kr_code f_changes(struct store *s, int64_t after, struct store_change *out, int max,
                              int *n, struct kr_err *err)
{
    PASS("changes", store_changes(inner(s), after, out, max, n, err));
}

static enum kr_code f_change_wait(struct store *s, int timeout_ms, struct kr_err *err)
{
    PASS("change_wait", store_change_wait(inner(s), timeout_ms, err));
}

static enum kr_code f_dedup_lock(struct store *s, void **token, struct kr_err *err)
{
    PASS("dedup_lock", store_dedup_lock(inner(s), token, err));
}

static void f_dedup_unlock(struct store *s, void *token)
{
    store_dedup_unlock(inner(s), token);
}

/* ---- products ---- */

static enum kr_code f_product_put(struct store *s, const struct store_product *p, int n,
                                  struct kr_err *err)
{
    PASS("product_put", store_product_put_many(inner(s), p, n, err));
}

static enum kr_code f_product_delete(struct store *s, const char *id, struct kr_err *err)
{
    PASS("product_delete", store_product_delete(inner(s), id, err));
}

static enum kr_code f_product_query(struct store *s, const struct store_product_query *q,
                                    store_product_cb cb, void *ctx, struct kr_err *err)
{
    PASS("product_query", store_product_query(inner(s), q, cb, ctx, err));
}

static enum kr_code f_product_word_docs(struct store *s, const char *words, long long *total,
                                        long long *docs, struct kr_err *err)
{
    PASS("product_word_docs", store_product_word_docs(inner(s), words, total, docs, err));
}

static enum kr_code f_embedding_get(struct store *s, const struct store_embedding_ask *q,
                                    store_embedding_cb cb, void *ctx, struct kr_err *err)
{
    PASS("embedding_get", store_embedding_get(inner(s), q, cb, ctx, err));
}

static enum kr_code f_embedding_put(struct store *s, const char *model,
                                    const struct store_embedding *e, int n, struct kr_err *err)
{
    PASS("embedding_put", store_embedding_put(inner(s), model, e, n, err));
}

/* ---- market watch list ---- */

static enum kr_code f_watch_add(struct store *s, const struct store_watch *w, int64_t *id,
                                struct kr_err *err)
{
    PASS("watch_add", store_watch_add(inner(s), w, id, err));
}

static enum kr_code f_watch_delete(struct store *s, int64_t id, struct kr_err *err)
{
    PASS("watch_delete", store_watch_delete(inner(s), id, err));
}

static enum kr_code f_watch_each(struct store *s, int64_t id, store_watch_cb cb, void *ctx,
                                 struct kr_err *err)
{
    PASS("watch_each", store_watch_each(inner(s), id, cb, ctx, err));
}

static enum kr_code f_watch_observe(struct store *s, const struct store_watch_obs *o,
                                    struct kr_err *err)
{
    PASS("watch_observe", store_watch_observe(inner(s), o, err));
}

static enum kr_code f_watch_history(struct store *s, int64_t id, int limit,
                                    store_watch_obs_cb cb, void *ctx, struct kr_err *err)
{
    PASS("watch_history", store_watch_history(inner(s), id, limit, cb, ctx, err));
}

static enum kr_code f_sync_report(struct store *s, const char *node, int64_t seq,
                                  struct kr_err *err)
{
    PASS("sync_report", store_sync_report(inner(s), node, seq, err));
}

static enum kr_code f_prune(struct store *s, const struct store_prune *p,
                            struct store_prune_res *out, struct kr_err *err)
{
    PASS("prune", store_prune(inner(s), p, out, err));
}

static void f_close(struct store *s)
{
    store_close(inner(s));
    free(s);
}

const struct store_ops fault_store_ops = {
    .name = "fault",
    .open = f_open,
    .image_insert = f_image_insert,
    .image_delete = f_image_delete,
    .image_get = f_image_get,
    .image_get_ids = f_image_get_ids,
    .image_find_key = f_image_find_key,
    .image_find_url = f_image_find_url,
    .image_find_sha = f_image_find_sha,
    .image_update_sig = f_image_update_sig,
    .image_each = f_image_each,
    .image_count = f_image_count,
    .doc_put = f_doc_put,
    .doc_add = f_doc_add,
    .doc_get = f_doc_get,
    .doc_delete = f_doc_delete,
    .doc_each = f_doc_each,
    .close = f_close,
    .change_head = f_change_head,
    .changes = f_changes,
    .change_wait = f_change_wait,
    .dedup_lock = f_dedup_lock,
    .dedup_unlock = f_dedup_unlock,
    .product_put = f_product_put,
    .product_delete = f_product_delete,
    .product_query = f_product_query,
    .product_word_docs = f_product_word_docs,
    .embedding_get = f_embedding_get,
    .embedding_put = f_embedding_put,
    .watch_add = f_watch_add,
    .watch_delete = f_watch_delete,
    .watch_each = f_watch_each,
    .watch_observe = f_watch_observe,
    .watch_history = f_watch_history,
    .sync_report = f_sync_report,
    .prune = f_prune,
};
