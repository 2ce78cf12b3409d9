/*
 * fault_blob.c - the "fault" blob backend: "local" (or the backend named by
 * KARAT_FAULT_BLOB_INNER, e.g. "s3") behind fault_check().
 *
 * Every op asks fault_check("blob.<op>") first and, unless a rule fails the
 * call, passes it to the wrapped backend unchanged (see fault.h).
 */
#include "fault.h"

#include <stdlib.h>
#include <string.h>

#include "blob/blob.h"

struct fault_blob {
    struct blob base;
    struct blob *inner;
};

static struct blob *inner(struct blob *b)
{
    return ((struct fault_blob *)b)->inner;
}

#define PASS(op, call) FAULT_PASS("blob." op, call)

extern const struct blob_ops fault_blob_ops;

static enum kr_code f_open(const char *location, const struct config *cfg, struct blob **out,
                           struct kr_err *err)
{
    struct fault_blob *fb;
    const char *in = getenv("KARAT_FAULT_BLOB_INNER");
    enum kr_code rc = fault_check("blob.open", err);

    if (rc)
        return rc;
    fb = calloc(1, sizeof *fb);
    if (!fb)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    rc = blob_open_cfg(in && *in && strcmp(in, "fault") ? in : "local", location, cfg, &fb->inner,
                       err);
    if (rc) {
        free(fb);
        return rc;
    }
    fb->base.ops = &fault_blob_ops;
    fb->base.caps = blob_caps(fb->inner);
    *out = &fb->base;
    return KR_OK;
}

static enum kr_code f_stage(struct blob *b, const char *bucket, const char *key, const void *data,
                            size_t n, struct kr_err *err)
{
    PASS("stage", blob_stage(inner(b), bucket, key, data, n, err));
}

static enum kr_code f_publish(struct blob *b, const char *bucket, const char *key,
                              struct kr_err *err)
{
    PASS("publish", blob_publish(inner(b), bucket, key, err));
}

static enum kr_code f_unpublish(struct blob *b, const char *bucket, const char *key,
                                struct kr_err *err)
{
    PASS("unpublish", blob_unpublish(inner(b), bucket, key, err));
}

static enum kr_code f_discard(struct blob *b, const char *bucket, const char *key,
                              struct kr_err *err)
{
    PASS("discard", blob_discard(inner(b), bucket, key, err));
}

static enum kr_code f_put(struct blob *b, const char *bucket, const char *key, const void *data,
                          size_t n, struct kr_err *err)
{
    PASS("put", blob_put(inner(b), bucket, key, data, n, err));
}

static enum kr_code f_get(struct blob *b, const char *bucket, const char *key, struct buf *out,
                          struct kr_err *err)
{
    PASS("get", blob_get(inner(b), bucket, key, out, err));
}

static enum kr_code f_stat(struct blob *b, const char *bucket, const char *key, long long *size,
                           struct kr_err *err)
{
    PASS("stat", blob_stat(inner(b), bucket, key, size, err));
}

static enum kr_code f_remove(struct blob *b, const char *bucket, const char *key,
                             struct kr_err *err)
{
    PASS("remove", blob_remove(inner(b), bucket, key, err));
}

static enum kr_code f_list(struct blob *b, int staged,
                           int (*cb)(const char *bucket, const char *key, void *ctx), void *ctx,
                           struct kr_err *err)
{
    PASS("list", blob_list(inner(b), staged, cb, ctx, err));
}

static enum kr_code f_mtime(struct blob *b, const char *bucket, const char *key, long long *ms,
                            struct kr_err *err)
{
    PASS("mtime", blob_mtime(inner(b), bucket, key, ms, err));
}

static void f_close(struct blob *b)
{
    blob_close(inner(b));
    free(b);
}

const struct blob_ops fault_blob_ops = {
    .name = "fault",
    .open = f_open,
    .stage = f_stage,
    .publish = f_publish,
    .unpublish = f_unpublish,
    .discard = f_discard,
    .put = f_put,
    .get = f_get,
    .stat = f_stat,
    .remove = f_remove,
    .list = f_list,
    .mtime = f_mtime,
    .close = f_close,
};
