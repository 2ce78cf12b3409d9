/*
 * blob.c - the blob wrappers: backend registry, name checks, thin calls.
 *
 * Callers never touch b->ops. Every wrapper validates bucket and key with
 * blob_name_ok() before the backend sees them, so no backend can be made to
 * reach outside its own namespace (path traversal, absolute paths, control
 * characters, percent-escapes are all refused with KR_EINVAL). Backends
 * check again themselves (defence in depth: they are also reachable through
 * blob_backend()->...).
 *
 * Adding a backend: write src/blob/<name>.c exposing a `const struct
 * blob_ops`, declare it below and add it to `backends[]`.
 */
#include "blob/blob.h"

#include <stdint.h>
#include <string.h>

#include "core/bstat.h"
extern const struct blob_ops blob_local_ops;
extern const struct blob_ops blob_s3_ops;

static const struct blob_ops *const backends[] = {&blob_local_ops, &blob_s3_ops};

/* Backends added at run time (blob_backend_add), e.g. tests' decorators. */
static const struct blob_ops *added[4];

const struct blob_ops *blob_backend(const char *name)
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

enum kr_code blob_backend_add(const struct blob_ops *ops, struct kr_err *err)
{
    size_t i = 0;

    if (!ops || !ops->name)
        return kr_fail(err, KRS_BAD_ARGUMENT, "blob_backend_add: missing argument");
    if (blob_backend(ops->name))
        return blob_backend(ops->name) == ops
                   ? KR_OK
                   : kr_fail(err, KRS_BACKEND_EXISTS, "blob: backend '%s' exists", ops->name);
    while (i < sizeof added / sizeof added[0] && added[i])
        i++;
    if (i == sizeof added / sizeof added[0])
        return kr_fail(err, KRS_TOO_MANY_BACKENDS, "blob: no room for another backend");
    added[i] = ops;
    return KR_OK;
}

static int name_char_ok(unsigned char c, int allow_slash)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c == '.' || c == '_' || c == '-' || (allow_slash && c == '/');
}

/* Besides the charset and length: no "..", no leading '/' or '.', and (for
 * keys) every '/'-separated segment is non-empty and does not start with '.'.
 * The last rule keeps "a/./b" aliases out and reserves dot-names for the
 * backends' own files (temporary names, the staging area). */
const char *blob_name_problem(const char *s, int allow_slash)
{
    size_t n;

    if (!s || !*s)
        return "empty name";
    n = strnlen(s, 256);
    if (n > 255)
        return "longer than 255 bytes";
    if (strstr(s, ".."))
        return "contains \"..\"";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int seg_start = i == 0 || s[i - 1] == '/';
        if (!name_char_ok(c, allow_slash))
            return c == ' '                ? "contains a space"
                   : c == '/'              ? "contains '/'"
                   : c < 0x20 || c == 0x7f ? "contains a control character"
                                           : "contains a character outside A-Z a-z 0-9 . _ - /";
        if (seg_start && c == '/')
            return "an empty path segment";
        if (seg_start && c == '.')
            return "a name or folder starting with '.'";
    }
    return s[n - 1] == '/' ? "ends with '/'" : NULL;
}

int blob_name_ok(const char *s, int allow_slash)
{
    return blob_name_problem(s, allow_slash) == NULL;
}

static enum kr_code check(struct blob *b, const char *bucket, const char *key, struct kr_err *err)
{
    if (!b)
        return kr_fail(err, KRS_BLOB_CLOSED, "blob: no backend");
    if (!blob_name_ok(bucket, 0))
        return kr_fail(err, KRS_BAD_BUCKET, "blob: invalid bucket name");
    if (!blob_name_ok(key, 1))
        return kr_fail(err, KRS_BAD_KEY, "blob: invalid object key");
    return KR_OK;
}

enum kr_code blob_open(const char *backend, const char *location, struct blob **out,
                       struct kr_err *err)
{
    return blob_open_cfg(backend, location, NULL, out, err);
}

enum kr_code blob_open_cfg(const char *backend, const char *location, const struct config *cfg,
                           struct blob **out, struct kr_err *err)
{
    const struct blob_ops *ops = blob_backend(backend);

    if (!out || !location)
        return kr_fail(err, KRS_BAD_ARGUMENT, "blob_open: missing argument");
    *out = NULL;
    if (!ops)
        return kr_fail(err, KRS_UNKNOWN_BACKEND, "blob: unknown backend '%s'",
                       backend ? backend : "(null)");
    return ops->open(location, cfg, out, err);
}

enum kr_code blob_stage(struct blob *b, const char *bucket, const char *key, const void *data,
                        size_t n, struct kr_err *err)
{
    double t0;
    enum kr_code rc = check(b, bucket, key, err);
    if (rc)
        return rc;
    if (!data && n)
        return kr_fail(err, KRS_BAD_ARGUMENT, "blob_stage: NULL data");
    return BSTAT_TIMED("blob", t0, b->ops->stage(b, bucket, key, data, n, err));
}

enum kr_code blob_publish(struct blob *b, const char *bucket, const char *key, struct kr_err *err)
{
    double t0;
    enum kr_code rc = check(b, bucket, key, err);
    return rc ? rc : BSTAT_TIMED("blob", t0, b->ops->publish(b, bucket, key, err));
}

enum kr_code blob_unpublish(struct blob *b, const char *bucket, const char *key, struct kr_err *err)
{
    double t0;
    enum kr_code rc = check(b, bucket, key, err);
    return rc ? rc : BSTAT_TIMED("blob", t0, b->ops->unpublish(b, bucket, key, err));
}

enum kr_code blob_discard(struct blob *b, const char *bucket, const char *key, struct kr_err *err)
{
    double t0;
    enum kr_code rc = check(b, bucket, key, err);
    return rc ? rc : BSTAT_TIMED("blob", t0, b->ops->discard(b, bucket, key, err));
}

enum kr_code blob_put(struct blob *b, const char *bucket, const char *key, const void *data,
                      size_t n, struct kr_err *err)
{
    double t0;
    enum kr_code rc = check(b, bucket, key, err);
    if (rc)
        return rc;
    if (!data && n)
        return kr_fail(err, KRS_BAD_ARGUMENT, "blob_put: NULL data");
    return BSTAT_TIMED("blob", t0, b->ops->put(b, bucket, key, data, n, err));
}

enum kr_code blob_get(struct blob *b, const char *bucket, const char *key, struct buf *out,
                      struct kr_err *err)
{
    double t0;
    enum kr_code rc = check(b, bucket, key, err);
    if (rc)
        return rc;
    if (!out)
        return kr_fail(err, KRS_BAD_ARGUMENT, "blob_get: NULL buffer");
    return BSTAT_TIMED("blob", t0, b->ops->get(b, bucket, key, out, err));
}

enum kr_code blob_stat(struct blob *b, const char *bucket, const char *key, long long *size,
                       struct kr_err *err)
{
    double t0;
    enum kr_code rc = check(b, bucket, key, err);
    if (rc)
        return rc;
    if (!size)
        return kr_fail(err, KRS_BAD_ARGUMENT, "blob_stat: NULL size");
    return BSTAT_TIMED("blob", t0, b->ops->stat(b, bucket, key, size, err));
}

enum kr_code blob_remove(struct blob *b, const char *bucket, const char *key, struct kr_err *err)
{
    double t0;
    enum kr_code rc = check(b, bucket, key, err);
    return rc ? rc : BSTAT_TIMED("blob", t0, b->ops->remove(b, bucket, key, err));
}

enum kr_code blob_list(struct blob *b, int staged,
                       int (*cb)(const char *bucket, const char *key, void *ctx), void *ctx,
                       struct kr_err *err)
{
    if (!b || !cb)
        return kr_fail(err, KRS_BAD_ARGUMENT, "blob_list: missing argument");
    return b->ops->list(b, staged ? 1 : 0, cb, ctx, err);
}

enum kr_code blob_list_all(struct blob *b, const struct blob_walk *w, struct kr_err *err)
{
    if (!b)
        return kr_fail(err, KRS_BLOB_CLOSED, "blob: no backend");
    if (!w || !w->cb)
        return kr_fail(err, KRS_BAD_ARGUMENT, "blob_list_all: missing callback");
    return b->ops->list_all ? b->ops->list_all(b, w, err) : b->ops->list(b, 0, w->cb, w->ctx, err);
}

enum kr_code blob_mtime(struct blob *b, const char *bucket, const char *key, long long *ms,
                        struct kr_err *err)
{
    double t0;
    enum kr_code rc = check(b, bucket, key, err);
    if (rc)
        return rc;
    if (!ms)
        return kr_fail(err, KRS_BAD_ARGUMENT, "blob_mtime: NULL result");
    return BSTAT_TIMED("blob", t0, b->ops->mtime(b, bucket, key, ms, err));
}

unsigned blob_caps(const struct blob *b)
{
    return b ? b->caps : 0;
}

void blob_close(struct blob *b)
{
    if (b)
        b->ops->close(b);
}
