/*
 * local.c - the "local" blob backend: objects are files under one directory.
 *
 * Layout under the location directory DIR:
 *   DIR/<bucket>/<key>            published objects (keys may hold '/')
 *   DIR/.staging/<bucket>/<key>   staged objects, not visible as objects
 *   .../.tmp-<random>             a write in progress (same folder as its target)
 * Valid names never start a path segment with '.' (blob_name_ok), so the
 * dot-names above can never collide with an object and list() skips them.
 *
 * Durability: every write goes to a temporary file that is fsync'd, then
 * renamed over its target, then the folder is fsync'd; folders created on
 * the way are fsync'd into their parents. So after stage()/put() returns, the
 * bytes survive a power loss. unpublish() and remove() fsync the folders they
 * touched. publish() and discard() do not (see blob.h: crash recovery
 * repeats them, so losing them to a power cut is harmless) - that saves two
 * of the five fsyncs of an upload. publish()/unpublish() are atomic renames
 * (same file system).
 *
 * publish() and unpublish() are idempotent so crash recovery can repeat them:
 * publish() of an object that is already published and no longer staged is
 * KR_OK, and likewise for unpublish(); KR_ENOTFOUND only if neither exists.
 *
 * Thread safety: there is no shared mutable state; the file system orders
 * concurrent calls (last rename wins, as with any object store).
 */
#include "blob/blob.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"

#define LB_PATH_MAX 4096
#define STAGING_DIR ".staging"

struct local_blob {
    struct blob base;
    char root[LB_PATH_MAX - 600]; /* leaves room for "/.staging/<bucket>/<key>" */
};

extern const struct blob_ops blob_local_ops;

/* Checked downcast: a struct blob handed to these functions must be ours. */
static struct local_blob *local_of(struct blob *b)
{
    if (!b || b->ops != &blob_local_ops)
        abort();
    return (struct local_blob *)b;
}

/* The file path of (bucket, key), published or staged; refuses bad names. */
static enum kr_code obj_path(struct local_blob *lb, int staged, const char *bucket, const char *key,
                             char *out, size_t n, struct kr_err *err)
{
    if (!blob_name_ok(bucket, 0) || !blob_name_ok(key, 1))
        return kr_fail(err, KR_EINVAL, "bad_name", "blob: invalid bucket or key");
    if (util_fmt(out, n, "%s/%s%s%s/%s", lb->root, staged ? STAGING_DIR : "", staged ? "/" : "",
                 bucket, key))
        return kr_fail(err, KR_ELIMIT, "path_too_long", "blob: path too long");
    return KR_OK;
}

static enum kr_code io_fail(struct kr_err *err, const char *what, const char *path)
{
    return kr_fail(err, KR_EIO, "blob_io", "blob: %s %s: %s", what, path, strerror(errno));
}

static enum kr_code fsync_dir(const char *dir, struct kr_err *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int r;

    if (fd < 0)
        return io_fail(err, "open dir", dir);
    r = fsync(fd);
    close(fd);
    return r == 0 ? KR_OK : io_fail(err, "fsync dir", dir);
}

/* fsync the folder holding `path` (path is writable scratch: cut at the last '/'). */
static enum kr_code fsync_parent(const char *path, struct kr_err *err)
{
    char dir[LB_PATH_MAX];
    char *slash;

    util_strlcpy(dir, path, sizeof dir);
    slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return fsync_dir("/", err);
    *slash = '\0';
    return fsync_dir(dir, err);
}

/* Create the folders leading to `path` (below root), fsyncing each new one
 * into its parent so the new entry is as durable as the file put in it. */
static enum kr_code make_parents(struct local_blob *lb, const char *path, struct kr_err *err)
{
    char tmp[LB_PATH_MAX];
    size_t skip = strlen(lb->root) + 1;

    util_strlcpy(tmp, path, sizeof tmp);
    for (char *p = tmp + skip; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) == 0) {
            enum kr_code rc = fsync_parent(tmp, err);
            if (rc)
                return rc;
        } else if (errno != EEXIST) {
            return io_fail(err, "mkdir", tmp);
        }
        *p = '/';
    }
    return KR_OK;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Temp file next to target, fsync, rename over target, fsync the folder. */
static enum kr_code write_replace(struct local_blob *lb, const char *target, const void *data,
                                  size_t n, struct kr_err *err)
{
    char tmp[LB_PATH_MAX], rnd[17];
    const char *slash = strrchr(target, '/');
    enum kr_code rc = make_parents(lb, target, err);
    int fd, bad;

    if (rc)
        return rc;
    util_random_hex(rnd, 8);
    if (util_fmt(tmp, sizeof tmp, "%.*s/.tmp-%s", (int)(slash - target), target, rnd))
        return kr_fail(err, KR_ELIMIT, "path_too_long", "blob: path too long");
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return io_fail(err, "create", tmp);
    bad = write_all(fd, data, n) != 0 || fsync(fd) != 0;
    if (close(fd) != 0)
        bad = 1;
    if (bad || rename(tmp, target) != 0) {
        rc = io_fail(err, "write", target);
        unlink(tmp);
        return rc;
    }
    return fsync_parent(target, err);
}

static enum kr_code local_open(const char *location, struct blob **out, struct kr_err *err)
{
    struct local_blob *lb;
    char staging[LB_PATH_MAX];
    size_t len = location ? strlen(location) : 0;
    enum kr_code rc;

    while (len > 1 && location[len - 1] == '/')
        len--;
    if (len == 0)
        return kr_fail(err, KR_EINVAL, "bad_location", "blob: empty directory");
    lb = calloc(1, sizeof *lb);
    if (!lb)
        return kr_fail(err, KR_ENOMEM, NULL, "blob: out of memory");
    lb->base.ops = &blob_local_ops;
    if (len >= sizeof lb->root) {
        free(lb);
        return kr_fail(err, KR_ELIMIT, "path_too_long", "blob: directory path too long");
    }
    memcpy(lb->root, location, len);
    util_fmt(staging, sizeof staging, "%s/" STAGING_DIR, lb->root);
    rc = util_mkdirs(staging, err);
    if (rc) {
        free(lb);
        return rc;
    }
    *out = &lb->base;
    return KR_OK;
}

/* stage() and put() differ only in the area they write to. */
static enum kr_code write_object(struct blob *b, int staged, const char *bucket, const char *key,
                                 const void *data, size_t n, struct kr_err *err)
{
    struct local_blob *lb = local_of(b);
    char path[LB_PATH_MAX];
    enum kr_code rc = obj_path(lb, staged, bucket, key, path, sizeof path, err);

    return rc ? rc : write_replace(lb, path, data, n, err);
}

static enum kr_code local_stage(struct blob *b, const char *bucket, const char *key,
                                const void *data, size_t n, struct kr_err *err)
{
    return write_object(b, 1, bucket, key, data, n, err);
}

static enum kr_code local_put(struct blob *b, const char *bucket, const char *key, const void *data,
                              size_t n, struct kr_err *err)
{
    return write_object(b, 0, bucket, key, data, n, err);
}

/* Rename src -> dst (durably). If src is gone but dst exists, the move
 * already happened: KR_OK. */
static enum kr_code move_object(struct local_blob *lb, int from_staged, const char *bucket,
                                const char *key, struct kr_err *err)
{
    char src[LB_PATH_MAX], dst[LB_PATH_MAX];
    struct stat st;
    enum kr_code rc = obj_path(lb, from_staged, bucket, key, src, sizeof src, err);

    if (!rc)
        rc = obj_path(lb, !from_staged, bucket, key, dst, sizeof dst, err);
    if (rc)
        return rc;
    if (lstat(src, &st) != 0) {
        if (errno != ENOENT)
            return io_fail(err, "stat", src);
        if (lstat(dst, &st) == 0 && S_ISREG(st.st_mode))
            return KR_OK;
        return kr_fail(err, KR_ENOTFOUND, "blob_not_found", "blob: %s/%s is not %s", bucket, key,
                       from_staged ? "staged" : "published");
    }
    rc = make_parents(lb, dst, err);
    if (rc)
        return rc;
    if (rename(src, dst) != 0)
        return io_fail(err, "rename", src);
    if (from_staged)
        return KR_OK; /* publish: recovery re-publishes a staged blob whose row exists */
    rc = fsync_parent(dst, err);
    return rc ? rc : fsync_parent(src, err);
}

static enum kr_code local_publish(struct blob *b, const char *bucket, const char *key,
                                  struct kr_err *err)
{
    return move_object(local_of(b), 1, bucket, key, err);
}

static enum kr_code local_unpublish(struct blob *b, const char *bucket, const char *key,
                                    struct kr_err *err)
{
    return move_object(local_of(b), 0, bucket, key, err);
}

static enum kr_code unlink_object(struct local_blob *lb, int staged, const char *bucket,
                                  const char *key, struct kr_err *err)
{
    char path[LB_PATH_MAX];
    enum kr_code rc = obj_path(lb, staged, bucket, key, path, sizeof path, err);

    if (rc)
        return rc;
    if (unlink(path) != 0)
        return (errno == ENOENT || errno == ENOTDIR) ? KR_OK : io_fail(err, "unlink", path);
    /* discard: a staged blob that comes back after a power cut has no row
     * and is discarded again by recovery, so it needs no fsync */
    return staged ? KR_OK : fsync_parent(path, err);
}

static enum kr_code local_discard(struct blob *b, const char *bucket, const char *key,
                                  struct kr_err *err)
{
    return unlink_object(local_of(b), 1, bucket, key, err);
}

static enum kr_code local_remove(struct blob *b, const char *bucket, const char *key,
                                 struct kr_err *err)
{
    return unlink_object(local_of(b), 0, bucket, key, err);
}

/* Open a published object for reading; KR_ENOTFOUND if it is not a file. */
static enum kr_code open_published(struct local_blob *lb, const char *bucket, const char *key,
                                   int *fd, struct stat *st, struct kr_err *err)
{
    char path[LB_PATH_MAX];
    enum kr_code rc = obj_path(lb, 0, bucket, key, path, sizeof path, err);

    if (rc)
        return rc;
    *fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (*fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
            return kr_fail(err, KR_ENOTFOUND, "blob_not_found", "blob: no object %s/%s", bucket,
                           key);
        return io_fail(err, "open", path);
    }
    if (fstat(*fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(*fd);
        return kr_fail(err, KR_ENOTFOUND, "blob_not_found", "blob: no object %s/%s", bucket, key);
    }
    return KR_OK;
}

static enum kr_code local_get(struct blob *b, const char *bucket, const char *key, struct buf *out,
                              struct kr_err *err)
{
    struct stat st;
    int fd;
    enum kr_code rc = open_published(local_of(b), bucket, key, &fd, &st, err);

    if (rc)
        return rc;
    char what[512];
    snprintf(what, sizeof what, "blob %s/%s", bucket, key);
    rc = buf_read_fd(out, fd, what, err);
    close(fd);
    return rc;
}

static enum kr_code local_stat(struct blob *b, const char *bucket, const char *key, long long *size,
                               struct kr_err *err)
{
    struct stat st;
    int fd;
    enum kr_code rc = open_published(local_of(b), bucket, key, &fd, &st, err);

    if (rc)
        return rc;
    *size = (long long)st.st_size;
    close(fd);
    return KR_OK;
}

/* ---- list: walk <base>/<bucket>/<key...> ---------------------------------- */

struct walk {
    int (*cb)(const char *bucket, const char *key, void *ctx);
    void *ctx;
    const char *bucket;
    char path[LB_PATH_MAX];
    char key[512];
    struct kr_err *err;
};

/* Kind of an entry without following links: 'd', 'f' or 0 (skip). */
static int entry_kind(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return 0;
    return S_ISDIR(st.st_mode) ? 'd' : S_ISREG(st.st_mode) ? 'f' : 0;
}

/* Returns 0 to go on, 1 if cb stopped, -1 on error (w->err filled). */
static int walk_keys(struct walk *w, size_t plen, size_t klen)
{
    DIR *d = opendir(w->path);
    struct dirent *e;
    int stop = 0;

    if (!d) {
        io_fail(w->err, "opendir", w->path);
        return -1;
    }
    while (!stop && (e = readdir(d)) != NULL) {
        size_t nlen = strlen(e->d_name);
        if (e->d_name[0] == '.' || plen + nlen + 2 > sizeof w->path ||
            klen + nlen + 2 > sizeof w->key)
            continue;
        snprintf(w->path + plen, sizeof w->path - plen, "/%s", e->d_name);
        snprintf(w->key + klen, sizeof w->key - klen, "%s%s", klen ? "/" : "", e->d_name);
        int kind = entry_kind(w->path);
        if (kind == 'd')
            stop = walk_keys(w, plen + 1 + nlen, klen + (klen ? 1 : 0) + nlen);
        else if (kind == 'f' && blob_name_ok(w->key, 1))
            stop = w->cb(w->bucket, w->key, w->ctx) ? 1 : 0;
    }
    closedir(d);
    w->path[plen] = '\0';
    w->key[klen] = '\0';
    return stop;
}

static enum kr_code local_list(struct blob *b, int staged,
                               int (*cb)(const char *bucket, const char *key, void *ctx), void *ctx,
                               struct kr_err *err)
{
    struct local_blob *lb = local_of(b);
    struct walk *w = calloc(1, sizeof *w);
    DIR *d;
    struct dirent *e;
    size_t blen;
    int stop = 0;

    if (!w)
        return kr_fail(err, KR_ENOMEM, NULL, "blob: out of memory");
    *w = (struct walk){.cb = cb, .ctx = ctx, .err = err};
    util_fmt(w->path, sizeof w->path, "%s%s", lb->root, staged ? "/" STAGING_DIR : "");
    blen = strlen(w->path);
    d = opendir(w->path);
    if (!d) {
        free(w);
        return errno == ENOENT ? KR_OK : io_fail(err, "opendir", lb->root);
    }
    while (stop == 0 && (e = readdir(d)) != NULL) {
        if (!blob_name_ok(e->d_name, 0))
            continue;
        snprintf(w->path + blen, sizeof w->path - blen, "/%s", e->d_name);
        if (entry_kind(w->path) != 'd')
            continue;
        w->bucket = e->d_name;
        stop = walk_keys(w, strlen(w->path), 0);
    }
    closedir(d);
    free(w);
    return stop < 0 ? (err ? err->code : KR_EIO) : KR_OK;
}

static void local_close(struct blob *b)
{
    free(local_of(b));
}

const struct blob_ops blob_local_ops = {
    .name = "local",
    .open = local_open,
    .stage = local_stage,
    .publish = local_publish,
    .unpublish = local_unpublish,
    .discard = local_discard,
    .put = local_put,
    .get = local_get,
    .stat = local_stat,
    .remove = local_remove,
    .list = local_list,
    .close = local_close,
};
