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
 * Symbolic links: the root may be one; nothing beneath it may. Every path
 * is resolved from the root's fd with no link followed (local_path.c), and
 * a link met on the way is an error (KR_EIO "blob_symlink_refused"), not
 * "not found". list() skips links.
 *
 * Thread safety: there is no shared mutable state; the file system orders
 * concurrent calls (last rename wins, as with any object store).
 */
#include "blob/blob_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"

extern const struct blob_ops blob_local_ops;

/* Checked downcast: a struct blob handed to these functions must be ours. */
static struct local_blob *local_of(struct blob *b)
{
    if (!b || b->ops != &blob_local_ops)
        abort();
    return (struct local_blob *)b;
}

static enum kr_code io_fail(struct kr_err *err, const char *what, const char *path)
{
    return kr_fail(err, KRS_BLOB_IO, "blob: %s %s: %s", what, path, strerror(errno));
}

static enum kr_code fsync_fd(int fd, const char *rel, struct kr_err *err)
{
    return fsync(fd) == 0 ? KR_OK : io_fail(err, "fsync folder of", rel);
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

/* Temp file next to the target, fsync, rename over the target, fsync the
 * folder (its fd: no path is resolved twice). */
static enum kr_code write_replace(struct local_blob *lb, const struct lb_obj *o, const void *data,
                                  size_t n, struct kr_err *err)
{
    struct lb_loc loc;
    char tmp[32], rnd[17];
    enum kr_code rc = blob__locate(lb, o, 1, &loc, err);
    int fd, bad;

    if (rc)
        return rc;
    util_random_hex(rnd, 8);
    snprintf(tmp, sizeof tmp, ".tmp-%s", rnd);
    fd = openat(loc.dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        rc = io_fail(err, "create in the folder of", loc.rel);
        goto out;
    }
    bad = write_all(fd, data, n) != 0 || fsync(fd) != 0;
    if (close(fd) != 0)
        bad = 1;
    if (bad || renameat(loc.dir_fd, tmp, loc.dir_fd, loc.leaf) != 0) {
        rc = io_fail(err, "write", loc.rel);
        unlinkat(loc.dir_fd, tmp, 0);
        goto out;
    }
    rc = fsync_fd(loc.dir_fd, loc.rel, err);
out:
    blob__release(&loc);
    return rc;
}

static enum kr_code local_open(const char *location, const struct config *cfg, struct blob **out,
                               struct kr_err *err)
{
    struct local_blob *lb;
    char staging[LB_PATH_MAX];
    size_t len = location ? strlen(location) : 0;
    enum kr_code rc;

    (void)cfg;
    while (len > 1 && location[len - 1] == '/')
        len--;
    if (len == 0)
        return kr_fail(err, KRS_BAD_LOCATION, "blob: empty directory");
    lb = calloc(1, sizeof *lb);
    if (!lb)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "blob: out of memory");
    lb->base.ops = &blob_local_ops;
    if (len >= sizeof lb->root) {
        free(lb);
        return kr_fail(err, KRS_PATH_TOO_LONG, "blob: directory path too long");
    }
    memcpy(lb->root, location, len);
    util_fmt(staging, sizeof staging, "%s/" STAGING_DIR, lb->root);
    rc = util_mkdirs(staging, err);
    /* the root itself may be a link (a data folder on another disk); what
     * lies beneath it may not */
    lb->root_fd = rc ? -1 : open(lb->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (!rc && lb->root_fd < 0)
        rc = io_fail(err, "open", lb->root);
    if (rc) {
        free(lb);
        return rc;
    }
    *out = &lb->base;
    return KR_OK;
}

static enum kr_code local_stage(struct blob *b, const char *bucket, const char *key,
                                const void *data, size_t n, struct kr_err *err)
{
    return write_replace(local_of(b), &(struct lb_obj){1, bucket, key}, data, n, err);
}

static enum kr_code local_put(struct blob *b, const char *bucket, const char *key, const void *data,
                              size_t n, struct kr_err *err)
{
    return write_replace(local_of(b), &(struct lb_obj){0, bucket, key}, data, n, err);
}

/* Is the object at loc a file? KR_OK, KR_ENOTFOUND (absent), or an error
 * (a link is refused, not absent). */
static enum kr_code is_file(const struct lb_loc *loc, struct kr_err *err)
{
    struct stat st;
    if (fstatat(loc->dir_fd, loc->leaf, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return blob__errno_fail(errno, "stat", loc->rel, err);
    if (S_ISLNK(st.st_mode))
        return blob__errno_fail(ELOOP, "stat", loc->rel, err);
    return S_ISREG(st.st_mode) ? KR_OK : blob__errno_fail(ENOENT, "stat", loc->rel, err);
}

/* Rename src -> dst (durably). If src is gone but dst exists, the move
 * already happened: KR_OK. */
static enum kr_code move_object(struct local_blob *lb, int from_staged, const char *bucket,
                                const char *key, struct kr_err *err)
{
    struct lb_loc src, dst = {.dir_fd = -1};
    enum kr_code rc = blob__locate(lb, &(struct lb_obj){from_staged, bucket, key}, 0, &src, err);

    if (!rc)
        rc = is_file(&src, err);
    if (rc == KR_ENOTFOUND) { /* done already, or nothing to move */
        rc = blob__locate(lb, &(struct lb_obj){!from_staged, bucket, key}, 0, &dst, err);
        if (!rc)
            rc = is_file(&dst, err);
        if (rc == KR_ENOTFOUND)
            rc = kr_fail(err, KRS_BLOB_NOT_FOUND, "blob: %s/%s is not %s", bucket, key,
                         from_staged ? "staged" : "published");
        goto out;
    }
    if (!rc)
        rc = blob__locate(lb, &(struct lb_obj){!from_staged, bucket, key}, 1, &dst, err);
    if (rc)
        goto out;
    if (renameat(src.dir_fd, src.leaf, dst.dir_fd, dst.leaf) != 0)
        rc = io_fail(err, "rename", src.rel);
    /* a publish needs no fsync: recovery re-publishes a staged blob whose row exists */
    else if (!from_staged && !(rc = fsync_fd(dst.dir_fd, dst.rel, err)))
        rc = fsync_fd(src.dir_fd, src.rel, err);
out:
    blob__release(&src);
    blob__release(&dst);
    return rc;
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
    struct lb_loc loc;
    enum kr_code rc = blob__locate(lb, &(struct lb_obj){staged, bucket, key}, 0, &loc, err);

    if (rc == KR_ENOTFOUND)
        return KR_OK; /* its folder is not there: neither is it */
    if (rc)
        return rc;
    if (unlinkat(loc.dir_fd, loc.leaf, 0) != 0)
        rc = errno == ENOENT ? KR_OK : io_fail(err, "unlink", loc.rel);
    /* discard: a staged blob that comes back after a power cut has no row
     * and is discarded again by recovery, so it needs no fsync */
    else if (!staged)
        rc = fsync_fd(loc.dir_fd, loc.rel, err);
    blob__release(&loc);
    return rc;
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
    struct lb_loc loc;
    enum kr_code rc = blob__locate(lb, &(struct lb_obj){0, bucket, key}, 0, &loc, err);

    if (rc)
        return rc;
    *fd = openat(loc.dir_fd, loc.leaf, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (*fd < 0)
        rc = blob__errno_fail(errno, "open", loc.rel, err);
    else if (fstat(*fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(*fd);
        rc = kr_fail(err, KRS_BLOB_NOT_FOUND, "blob: no object %s/%s", bucket, key);
    }
    blob__release(&loc);
    return rc;
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

static enum kr_code local_mtime(struct blob *b, const char *bucket, const char *key,
                                long long *ms, struct kr_err *err)
{
    struct stat st;
    int fd;
    enum kr_code rc = open_published(local_of(b), bucket, key, &fd, &st, err);

    if (rc)
        return rc;
    *ms = (long long)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
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

/* Why the listing's folder (the root or its staging folder) did not open. */
static enum kr_code list_fail(struct local_blob *lb, int e, const char *path, struct kr_err *err)
{
    struct stat st;
    if ((e == ENOTDIR || e == ELOOP) &&
        fstatat(lb->root_fd, STAGING_DIR, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
        return blob__errno_fail(ELOOP, "list", path, err);
    errno = e;
    return io_fail(err, "list", path);
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
    int stop = 0, fd;

    if (!w)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "blob: out of memory");
    *w = (struct walk){.cb = cb, .ctx = ctx, .err = err};
    util_fmt(w->path, sizeof w->path, "%s%s", lb->root, staged ? "/" STAGING_DIR : "");
    blen = strlen(w->path);
    /* from the root's fd: a linked staging folder is not listed through */
    fd = openat(lb->root_fd, staged ? STAGING_DIR : ".",
                O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        enum kr_code rc = errno == ENOENT ? KR_OK : list_fail(lb, errno, w->path, err);
        if (fd >= 0)
            close(fd);
        free(w);
        return rc;
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
    struct local_blob *lb = local_of(b);
    if (lb->root_fd >= 0)
        close(lb->root_fd);
    free(lb);
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
    .mtime = local_mtime,
    .close = local_close,
};
