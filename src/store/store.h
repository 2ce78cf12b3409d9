/*
 * store.h - the record store: one row per image, plus small JSON documents.
 *
 * Backends ("sqlite": embedded, WAL, versioned migrations; "postgres": a
 * PostgreSQL server shared by several nodes, bounded connection pool)
 * sit behind `const struct store_ops`; callers use the store_* wrappers.
 * The store is the source of truth: indexes are rebuilt from it, blobs are
 * checked against it (fsck).
 *
 * Besides images, a namespaced document table (ns, key) -> JSON text serves
 * jobs, the SKU cache and templates, so new features need no new backend
 * code. Each single call is atomic.
 *
 * Thread safety: a store may be used from many threads at once.
 * Ownership: strings returned through char ** are malloc'd; the caller frees.
 */
#ifndef KARAT_STORE_STORE_H
#define KARAT_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "dedup/sig.h"

/* Bounds (bytes, without the NUL) checked by the wrappers: longer values
 * are refused with KR_EINVAL, never cut. Image strings are bounded by their
 * fields below (a field must hold its NUL); sha256 is 64 lower-case hex. */
#define STORE_DOC_NS_MAX   128
#define STORE_DOC_KEY_MAX  1024
#define STORE_DOC_JSON_MAX (16 * 1024 * 1024)

struct store_image {
    int64_t id;
    char sha256[65];
    struct dedup_sig sig;
    char website[32];
    char bucket[64];
    char key[256];
    char url[1024];
    char filename[256]; /* the client's name, informational only */
    char mime[32];
    long long bytes;
    int width, height;
    int64_t created_ms;
};

struct store;

struct store_ops {
    const char *name;
    /* `location`: the sqlite backend takes "[busy_ms=M;]PATH" (a database
     * file path), the postgres backend "[pool=N;][wait_ms=M;]CONNINFO"
     * (store_location()). */
    enum kr_code (*open)(const char *location, struct store **out, struct kr_err *err);
    /* KR_ECONFLICT if the id, or the (bucket, key), exists. */
    enum kr_code (*image_insert)(struct store *s, const struct store_image *img,
                                 struct kr_err *err);
    /* KR_ENOTFOUND if absent. */
    enum kr_code (*image_delete)(struct store *s, int64_t id, struct kr_err *err);
    enum kr_code (*image_get)(struct store *s, int64_t id, struct store_image *out,
                              struct kr_err *err);
    enum kr_code (*image_find_key)(struct store *s, const char *bucket, const char *key,
                                   struct store_image *out, struct kr_err *err);
    enum kr_code (*image_find_url)(struct store *s, const char *url, struct store_image *out,
                                   struct kr_err *err);
    /* The oldest image with these bytes; KR_ENOTFOUND if none. */
    enum kr_code (*image_find_sha)(struct store *s, const char *sha256, struct store_image *out,
                                   struct kr_err *err);
    enum kr_code (*image_update_sig)(struct store *s, int64_t id, const struct dedup_sig *sig,
                                     struct kr_err *err);
    /* Every image in id order; cb returns nonzero to stop early. */
    enum kr_code (*image_each)(struct store *s, int (*cb)(const struct store_image *img, void *ctx),
                               void *ctx, struct kr_err *err);
    enum kr_code (*image_count)(struct store *s, long long *n, struct kr_err *err);

    enum kr_code (*doc_put)(struct store *s, const char *ns, const char *key, const char *json,
                            struct kr_err *err);
    /* KR_ENOTFOUND if absent; *json is malloc'd. */
    enum kr_code (*doc_get)(struct store *s, const char *ns, const char *key, char **json,
                            struct kr_err *err);
    /* KR_ENOTFOUND if absent. */
    enum kr_code (*doc_delete)(struct store *s, const char *ns, const char *key,
                               struct kr_err *err);
    /* Every document of ns in key order; cb returns nonzero to stop early. */
    enum kr_code (*doc_each)(struct store *s, const char *ns,
                             int (*cb)(const char *key, const char *json, void *ctx), void *ctx,
                             struct kr_err *err);
    void (*close)(struct store *s);
};

struct store {
    const struct store_ops *ops;
};

struct config;
/* The location store_open() takes for cfg's store: "busy_ms=M;DATA_DIR/karat.db"
 * (M = KARAT_SQLITE_BUSY_MS), or,
 * when KARAT_DATABASE_URL is set and KARAT_STORE is not "sqlite",
 * "pool=N;wait_ms=M;" + KARAT_DATABASE_URL (the postgres backend's form;
 * a decorator such as the tests' "fault" store passes it on). KR_EINVAL
 * for postgres without a URL, KR_ELIMIT if it does not fit out. */
enum kr_code store_location(const struct config *cfg, char *out, size_t n, struct kr_err *err);

const struct store_ops *store_backend(const char *name);
/* Make ops available by its name (a backend outside this folder, such as
 * the tests' fault-injecting decorators). Not thread-safe: call before any
 * store_open(). Adding the same ops again is KR_OK. */
enum kr_code store_backend_add(const struct store_ops *ops, struct kr_err *err);

enum kr_code store_open(const char *backend, const char *location, struct store **out,
                        struct kr_err *err);
enum kr_code store_image_insert(struct store *s, const struct store_image *img, struct kr_err *err);
enum kr_code store_image_delete(struct store *s, int64_t id, struct kr_err *err);
enum kr_code store_image_get(struct store *s, int64_t id, struct store_image *out,
                             struct kr_err *err);
enum kr_code store_image_find_key(struct store *s, const char *bucket, const char *key,
                                  struct store_image *out, struct kr_err *err);
enum kr_code store_image_find_url(struct store *s, const char *url, struct store_image *out,
                                  struct kr_err *err);
enum kr_code store_image_find_sha(struct store *s, const char *sha256, struct store_image *out,
                                  struct kr_err *err);
enum kr_code store_image_update_sig(struct store *s, int64_t id, const struct dedup_sig *sig,
                                    struct kr_err *err);
enum kr_code store_image_each(struct store *s, int (*cb)(const struct store_image *img, void *ctx),
                              void *ctx, struct kr_err *err);
enum kr_code store_image_count(struct store *s, long long *n, struct kr_err *err);
enum kr_code store_doc_put(struct store *s, const char *ns, const char *key, const char *json,
                           struct kr_err *err);
enum kr_code store_doc_get(struct store *s, const char *ns, const char *key, char **json,
                           struct kr_err *err);
enum kr_code store_doc_delete(struct store *s, const char *ns, const char *key, struct kr_err *err);
enum kr_code store_doc_each(struct store *s, const char *ns,
                            int (*cb)(const char *key, const char *json, void *ctx), void *ctx,
                            struct kr_err *err);
void store_close(struct store *s);

#endif
