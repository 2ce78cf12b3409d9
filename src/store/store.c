/*
 * store.c - the store wrappers: backend registry by name, argument checks.
 *
 * Checks that do not depend on the backend live here, once: missing
 * arguments, sha256 shape (64 lower-case hex digits), every string of a
 * store_image NUL-terminated inside its field, lookup strings and document
 * ns/key/json within their bounds (STORE_DOC_*). A value that is too long
 * is KR_EINVAL, never cut. Backends may rely on these checks.
 *
 * Adding a backend: write src/store/<name>.c exposing a `const struct
 * store_ops`, declare it below and list it in `backends[]`.
 */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "core/bstat.h"
#include "core/config.h"
#include "core/util.h"

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_postgres_ops;

static const struct store_ops *const backends[] = {&store_sqlite_ops, &store_postgres_ops};

/* Backends added at run time (store_backend_add), e.g. tests' decorators. */
static const struct store_ops *added[4];

const struct store_ops *store_backend(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (strcmp(backends[i]->name, name) == 0)
            return backends[i];
    for (size_t i = 0; i < sizeof added / sizeof added[0] && added[i]; i++)
        if (strcmp(added[i]->name, name) == 0)
            return added[i];
    return NULL;
}

enum kr_code store_backend_add(const struct store_ops *ops, struct kr_err *err)
{
    size_t i = 0;

    if (!ops || !ops->name)
        return kr_fail(err, KRS_BAD_ARGUMENT, "store_backend_add: missing argument");
    if (store_backend(ops->name))
        return store_backend(ops->name) == ops
                   ? KR_OK
                   : kr_fail(err, KRS_BACKEND_EXISTS, "store: backend '%s' exists", ops->name);
    while (i < sizeof added / sizeof added[0] && added[i])
        i++;
    if (i == sizeof added / sizeof added[0])
        return kr_fail(err, KRS_TOO_MANY_BACKENDS, "store: no room for another backend");
    added[i] = ops;
    return KR_OK;
}

enum kr_code store_location(const struct config *cfg, char *out, size_t n, struct kr_err *err)
{
    int server =
        strcmp(cfg->store_backend, "sqlite") != 0 && cfg->database_url && *cfg->database_url;

    if (strcmp(cfg->store_backend, "postgres") == 0 && !server)
        return kr_fail(err, KRS_BAD_CONFIG, "KARAT_STORE=postgres needs KARAT_DATABASE_URL");
    if (server)
        return util_fmt(out, n, "pool=%d;wait_ms=%d;%s", cfg->db_pool_size, cfg->db_pool_wait_ms,
                        cfg->database_url)
                   ? kr_fail(err, KRS_PATH_TOO_LONG, "store: KARAT_DATABASE_URL too long")
                   : KR_OK;
    return util_fmt(out, n, "busy_ms=%d;%s/karat.db", cfg->sqlite_busy_ms, cfg->data_dir)
               ? kr_fail(err, KRS_PATH_TOO_LONG, "store: database path too long")
               : KR_OK;
}

static enum kr_code missing(struct kr_err *err, const char *what)
{
    return kr_fail(err, KRS_BAD_ARGUMENT, "store: %s: missing argument", what);
}

static enum kr_code too_long(struct kr_err *err, const char *what, size_t max)
{
    return kr_fail(err, KRS_STORE_VALUE_TOO_LONG, "store: %s is longer than %zu bytes", what, max);
}

/* s is a string of at most max bytes. */
static enum kr_code bounded(const char *s, size_t max, const char *what, struct kr_err *err)
{
    if (!s)
        return missing(err, what);
    return strnlen(s, max + 1) > max ? too_long(err, what, max) : KR_OK;
}

static enum kr_code check_sha(const char *sha, struct kr_err *err)
{
    if (!sha)
        return missing(err, "sha256");
    for (int i = 0; i < 64; i++)
        if (!((sha[i] >= '0' && sha[i] <= '9') || (sha[i] >= 'a' && sha[i] <= 'f')))
            return kr_fail(err, KRS_BAD_SHA256, "store: sha256 must be 64 hex digits");
    return sha[64] ? kr_fail(err, KRS_BAD_SHA256, "store: sha256 must be 64 hex digits") : KR_OK;
}

/* Every string field holds its NUL (the field size bounds the value). */
static enum kr_code check_image(const struct store_image *img, struct kr_err *err)
{
#define FIELD_OK(f)                                                                                \
    do {                                                                                           \
        if (!memchr(img->f, '\0', sizeof img->f))                                                  \
            return too_long(err, #f, sizeof img->f - 1);                                           \
    } while (0)
    FIELD_OK(sha256);
    FIELD_OK(website);
    FIELD_OK(bucket);
    FIELD_OK(key);
    FIELD_OK(url);
    FIELD_OK(filename);
    FIELD_OK(mime);
#undef FIELD_OK
    if (!img->bucket[0] || !img->key[0])
        return kr_fail(err, KRS_BAD_ARGUMENT, "store: an image needs a bucket and key");
    return check_sha(img->sha256, err);
}

static enum kr_code check_doc(struct store *s, const char *ns, const char *key, struct kr_err *err)
{
    enum kr_code rc = s ? bounded(ns, STORE_DOC_NS_MAX, "document ns", err) : missing(err, "doc");
    if (!rc && !*ns)
        rc = kr_fail(err, KRS_BAD_ARGUMENT, "store: empty document ns");
    if (!rc && key)
        rc = bounded(key, STORE_DOC_KEY_MAX, "document key", err);
    return rc;
}

enum kr_code store_open(const char *backend, const char *location, struct store **out,
                        struct kr_err *err)
{
    const struct store_ops *ops = store_backend(backend);

    if (!out || !location)
        return missing(err, "open");
    *out = NULL;
    if (!ops)
        return kr_fail(err, KRS_UNKNOWN_BACKEND, "store: unknown backend '%s'",
                       backend ? backend : "(null)");
    return ops->open(location, out, err);
}

enum kr_code store_image_insert(struct store *s, const struct store_image *img, struct kr_err *err)
{
    double t0;
    if (!s || !img)
        return missing(err, "image_insert");
    enum kr_code rc = check_image(img, err);
    return rc ? rc : BSTAT_TIMED("store", t0, s->ops->image_insert(s, img, err));
}

enum kr_code store_image_delete(struct store *s, int64_t id, struct kr_err *err)
{
    double t0;
    return s ? BSTAT_TIMED("store", t0, s->ops->image_delete(s, id, err))
             : missing(err, "image_delete");
}

enum kr_code store_image_get(struct store *s, int64_t id, struct store_image *out,
                             struct kr_err *err)
{
    double t0;
    return s && out ? BSTAT_TIMED("store", t0, s->ops->image_get(s, id, out, err))
                    : missing(err, "image_get");
}

/* image_get_ids for a backend without it: one image_get per id. */
static enum kr_code get_each_id(struct store *s, const int64_t *ids, int n,
                                int (*cb)(const struct store_image *img, void *ctx), void *ctx,
                                struct kr_err *err)
{
    struct store_image *img = malloc(sizeof *img);
    enum kr_code rc = img ? KR_OK : kr_fail(err, KRS_OUT_OF_MEMORY, "store: out of memory");

    for (int i = 0; i < n && rc == KR_OK; i++) {
        struct kr_err e = {0};
        rc = s->ops->image_get(s, ids[i], img, &e);
        if (rc == KR_ENOTFOUND) {
            rc = KR_OK; /* no row: not reported */
            continue;
        }
        if (rc != KR_OK && err)
            *err = e;
        if (rc == KR_OK && cb(img, ctx))
            break;
    }
    free(img);
    return rc;
}

enum kr_code store_image_get_ids(struct store *s, const int64_t *ids, int n,
                                 int (*cb)(const struct store_image *img, void *ctx), void *ctx,
                                 struct kr_err *err)
{
    double t0;

    if (!s || !cb || (n > 0 && !ids) || (!s->ops->image_get_ids && !s->ops->image_get))
        return missing(err, "image_get_ids");
    if (n < 0 || n > STORE_IDS_MAX)
        return kr_fail(err, KRS_INVALID_ARGUMENT, "store: %d ids at once (at most %d)", n,
                       STORE_IDS_MAX);
    if (n == 0)
        return KR_OK;
    return BSTAT_TIMED("store", t0,
                       s->ops->image_get_ids ? s->ops->image_get_ids(s, ids, n, cb, ctx, err)
                                             : get_each_id(s, ids, n, cb, ctx, err));
}

/* store_image_get_placed's context: the caller's cb and the positions it has had. */
struct placed {
    const int64_t *ids;
    int n;
    int (*cb)(const struct store_image *img, int i, void *ctx);
    void *ctx;
    uint8_t done[STORE_IDS_MAX];
};

static int row_into_places(const struct store_image *img, void *ctx)
{
    struct placed *p = ctx;
    for (int i = 0; i < p->n; i++)
        if (p->ids[i] == img->id && !p->done[i]) {
            p->done[i] = 1;
            if (p->cb(img, i, p->ctx))
                return 1;
        }
    return 0;
}

enum kr_code store_image_get_placed(struct store *s, const int64_t *ids, int n,
                                    int (*cb)(const struct store_image *img, int i, void *ctx),
                                    void *ctx, struct kr_err *err)
{
    struct placed p = {ids, n, cb, ctx, {0}};

    if (!cb)
        return missing(err, "image_get_placed");
    return store_image_get_ids(s, ids, n, row_into_places, &p, err); /* checks 0 <= n <= max */
}

/* One row of store_image_sigs_of: its signature into its place. */
struct sigs_of {
    struct dedup_sig *sigs;
    uint8_t *found;
};

static int sig_into_place(const struct store_image *img, int i, void *ctx)
{
    struct sigs_of *b = ctx;
    b->sigs[i] = img->sig;
    b->found[i] = 1;
    return 0;
}

enum kr_code store_image_sigs_of(struct store *s, const int64_t *ids, int n, struct dedup_sig *sigs,
                                 uint8_t *found, struct kr_err *err)
{
    struct sigs_of b = {sigs, found};

    if (n > 0 && (!sigs || !found))
        return missing(err, "image_sigs_of");
    if (n > 0)
        memset(found, 0, (size_t)n);
    return store_image_get_placed(s, ids, n, sig_into_place, &b, err);
}

enum kr_code store_image_find_key(struct store *s, const char *bucket, const char *key,
                                  struct store_image *out, struct kr_err *err)
{
    double t0;
    enum kr_code rc = s && out ? bounded(bucket, sizeof out->bucket - 1, "bucket", err)
                               : missing(err, "image_find_key");
    if (!rc)
        rc = bounded(key, sizeof out->key - 1, "key", err);
    return rc ? rc : BSTAT_TIMED("store", t0, s->ops->image_find_key(s, bucket, key, out, err));
}

enum kr_code store_image_find_url(struct store *s, const char *url, struct store_image *out,
                                  struct kr_err *err)
{
    double t0;
    enum kr_code rc =
        s && out ? bounded(url, sizeof out->url - 1, "url", err) : missing(err, "image_find_url");
    return rc ? rc : BSTAT_TIMED("store", t0, s->ops->image_find_url(s, url, out, err));
}

enum kr_code store_image_find_sha(struct store *s, const char *sha256, struct store_image *out,
                                  struct kr_err *err)
{
    double t0;
    enum kr_code rc = s && out ? check_sha(sha256, err) : missing(err, "image_find_sha");
    return rc ? rc : BSTAT_TIMED("store", t0, s->ops->image_find_sha(s, sha256, out, err));
}

enum kr_code store_image_update_sig(struct store *s, int64_t id, const struct dedup_sig *sig,
                                    struct kr_err *err)
{
    double t0;
    return s && sig ? BSTAT_TIMED("store", t0, s->ops->image_update_sig(s, id, sig, err))
                    : missing(err, "image_update_sig");
}

enum kr_code store_image_each(struct store *s, int (*cb)(const struct store_image *img, void *ctx),
                              void *ctx, struct kr_err *err)
{
    return s && cb ? s->ops->image_each(s, cb, ctx, err) : missing(err, "image_each");
}

enum kr_code store_image_sigs(struct store *s, int (*cb)(const struct store_image *img, void *ctx),
                              void *ctx, struct kr_err *err)
{
    if (!s || !cb)
        return missing(err, "image_sigs");
    return s->ops->image_sigs ? s->ops->image_sigs(s, cb, ctx, err)
                              : s->ops->image_each(s, cb, ctx, err);
}

enum kr_code store_image_count(struct store *s, long long *n, struct kr_err *err)
{
    double t0;
    return s && n ? BSTAT_TIMED("store", t0, s->ops->image_count(s, n, err))
                  : missing(err, "image_count");
}

enum kr_code store_doc_put(struct store *s, const char *ns, const char *key, const char *json,
                           struct kr_err *err)
{
    double t0;
    enum kr_code rc = key ? check_doc(s, ns, key, err) : missing(err, "doc_put");
    if (!rc)
        rc = bounded(json, STORE_DOC_JSON_MAX, "document", err);
    return rc ? rc : BSTAT_TIMED("store", t0, s->ops->doc_put(s, ns, key, json, err));
}

enum kr_code store_doc_add(struct store *s, const char *ns, const char *key, const char *json,
                           struct kr_err *err)
{
    double t0;
    enum kr_code rc = key ? check_doc(s, ns, key, err) : missing(err, "doc_add");
    if (!rc)
        rc = bounded(json, STORE_DOC_JSON_MAX, "document", err);
    return rc ? rc : BSTAT_TIMED("store", t0, s->ops->doc_add(s, ns, key, json, err));
}

enum kr_code store_doc_get(struct store *s, const char *ns, const char *key, char **json,
                           struct kr_err *err)
{
    double t0;
    enum kr_code rc = key && json ? check_doc(s, ns, key, err) : missing(err, "doc_get");
    if (json)
        *json = NULL;
    return rc ? rc : BSTAT_TIMED("store", t0, s->ops->doc_get(s, ns, key, json, err));
}

enum kr_code store_doc_delete(struct store *s, const char *ns, const char *key, struct kr_err *err)
{
    double t0;
    enum kr_code rc = key ? check_doc(s, ns, key, err) : missing(err, "doc_delete");
    return rc ? rc : BSTAT_TIMED("store", t0, s->ops->doc_delete(s, ns, key, err));
}

enum kr_code store_doc_each(struct store *s, const char *ns,
                            int (*cb)(const char *key, const char *json, void *ctx), void *ctx,
                            struct kr_err *err)
{
    enum kr_code rc = cb ? check_doc(s, ns, NULL, err) : missing(err, "doc_each");
    return rc ? rc : s->ops->doc_each(s, ns, cb, ctx, err);
}

void store_close(struct store *s)
{
    if (s)
        s->ops->close(s);
}

/* ---- multi-node sync (branch h-sync) --------------------------------------- */

static enum kr_code no_sync(struct kr_err *err)
{
    return kr_fail(err, KRS_STORE_NO_SYNC, "store: this backend shares no changes between nodes");
}

enum kr_code store_change_head(struct store *s, int64_t *seq, struct kr_err *err)
{
    double t0;
    if (!s || !seq)
        return missing(err, "change_head");
    return s->ops->change_head ? BSTAT_TIMED("store", t0, s->ops->change_head(s, seq, err))
                               : no_sync(err);
}

enum kr_code store_changes(struct store *s, int64_t after, struct store_change *out, int max,
                           int *n, struct kr_err *err)
{
    double t0;
    if (!s || !out || !n)
        return missing(err, "changes");
    *n = 0;
    if (max < 1 || max > STORE_CHANGES_MAX)
        return kr_fail(err, KRS_STORE_BAD_VALUE, "store: changes: page size out of range");
    return s->ops->changes ? BSTAT_TIMED("store", t0, s->ops->changes(s, after, out, max, n, err))
                           : no_sync(err);
}

enum kr_code store_change_wait(struct store *s, int timeout_ms, struct kr_err *err)
{
    if (!s)
        return missing(err, "change_wait");
    return s->ops->change_wait ? s->ops->change_wait(s, timeout_ms, err) : no_sync(err);
}

enum kr_code store_dedup_lock(struct store *s, void **token, struct kr_err *err)
{
    if (!s || !token)
        return missing(err, "dedup_lock");
    *token = NULL;
    return s->ops->dedup_lock ? s->ops->dedup_lock(s, token, err) : no_sync(err);
}

void store_dedup_unlock(struct store *s, void *token)
{
    if (s && token && s->ops->dedup_unlock)
        s->ops->dedup_unlock(s, token);
}

enum kr_code store_sync_report(struct store *s, const char *node, int64_t seq, struct kr_err *err)
{
    double t0;
    if (!s || !node || !*node)
        return missing(err, "sync_report");
    if (strlen(node) > STORE_DOC_KEY_MAX)
        return kr_fail(err, KRS_STORE_VALUE_TOO_LONG, "store: sync_report: node name too long");
    return s->ops->sync_report ? BSTAT_TIMED("store", t0, s->ops->sync_report(s, node, seq, err))
                               : no_sync(err);
}

enum kr_code store_prune(struct store *s, const struct store_prune *p, struct store_prune_res *out,
                         struct kr_err *err)
{
    double t0;
    if (!s || !p || !out)
        return missing(err, "prune");
    memset(out, 0, sizeof *out);
    if (p->changes_retention_ms < 0 || p->node_ttl_ms < 0 || p->claims_retention_ms < 0)
        return kr_fail(err, KRS_BAD_ARGUMENT, "store: prune: negative period");
    return s->ops->prune ? BSTAT_TIMED("store", t0, s->ops->prune(s, p, out, err)) : no_sync(err);
}
