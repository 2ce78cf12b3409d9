/*
 * local_path.c - resolving object paths beneath the local backend's root
 * without following symbolic links.
 *
 * Names are already checked (blob_name_ok: no "..", no leading '/' or '.'),
 * but a symbolic link placed inside the root (a bucket folder linked to
 * /etc, say) would still lead a read, write or delete outside it. So the
 * folder of an object is opened with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS) relative to the root's fd, and the object itself is
 * then reached with *at() calls and O_NOFOLLOW on that folder's fd.
 *
 * Fallback: glibc may lack the wrapper (the raw syscall is used) and a
 * kernel before 5.6 (or a seccomp filter) answers ENOSYS. Then, and to
 * create missing folders, the path is walked one component at a time with
 * openat(O_NOFOLLOW | O_DIRECTORY) from the root's fd: equally strict,
 * because each step refuses a link and names hold no "..". A component
 * that fails with ELOOP or ENOTDIR is looked at with fstatat() so a link is
 * refused and a file is "not found".
 *
 * A symbolic link is refused as an error (KR_EIO, "blob_symlink_refused"),
 * never as "not found": a data folder moved to another disk behind a link
 * must stop fsck, not make it delete every row.
 */
#include "blob/blob_int.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/util.h"

static atomic_int no_openat2; /* 1 once the kernel said ENOSYS (or a test asked) */

void blob__local_force_walk(int on)
{
    atomic_store(&no_openat2, on ? 1 : 0);
}

enum kr_code blob__errno_fail(int e, const char *what, const char *rel, struct kr_err *err)
{
    if (e == ENOENT || e == ENOTDIR)
        return kr_fail(err, KRS_BLOB_NOT_FOUND, "blob: no object at %s", rel);
    if (e == ELOOP || e == EXDEV)
        return kr_fail(err, KRS_BLOB_SYMLINK_REFUSED,
                       "blob: %s: a symbolic link on the way is refused (the blob folder must "
                       "hold real folders and files)",
                       rel);
    return kr_fail(err, KRS_BLOB_IO, "blob: %s %s: %s", what, rel, strerror(e));
}

/* Why openat(O_NOFOLLOW | O_DIRECTORY) of name failed with e: a link is
 * ELOOP, a file ENOTDIR, whatever the kernel said first. */
static int why(int dir, const char *name, int e)
{
    struct stat st;
    if (e != ELOOP && e != ENOTDIR)
        return e;
    if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno;
    return S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR;
}

/* Open (creating if asked) one component below dir; -1 with errno set. */
static int step(int dir, const char *name, int create)
{
    int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    if (fd >= 0 || errno != ENOENT || !create)
        return fd >= 0 ? fd : (errno = why(dir, name, errno), -1);
    if (mkdirat(dir, name, 0755) == 0) {
        if (fsync(dir) != 0) /* the new entry is as durable as what goes in it */
            return -1;
    } else if (errno != EEXIST) {
        return -1;
    }
    fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    return fd >= 0 ? fd : (errno = why(dir, name, errno), -1);
}

static enum kr_code walk(struct local_blob *lb, const char *rel, int create, int *out,
                         struct kr_err *err)
{
    char copy[LB_PATH_MAX], *save = NULL;
    int cur = openat(lb->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (cur < 0)
        return blob__errno_fail(errno, "open", lb->root, err);
    util_strlcpy(copy, rel, sizeof copy);
    for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        int next = step(cur, c, create);
        int e = errno;
        close(cur);
        if (next < 0)
            return blob__errno_fail(e, create ? "mkdir" : "open", rel, err);
        cur = next;
    }
    *out = cur;
    return KR_OK;
}

/* openat2 beneath the root; -1 with errno (ENOSYS where unavailable). */
static int open_beneath(int root, const char *rel)
{
    struct open_how how = {.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS};
    long fd;
    int tries = 0;

    do /* EAGAIN: a concurrent rename elsewhere; resolving again is safe */
        fd = syscall(SYS_openat2, root, rel, &how, sizeof how);
    while (fd < 0 && errno == EAGAIN && ++tries < 8);
    return (int)fd;
}

static enum kr_code open_dir(struct local_blob *lb, const char *rel, int create, int *out,
                             struct kr_err *err)
{
    if (*rel && !atomic_load(&no_openat2)) {
        int fd = open_beneath(lb->root_fd, rel);
        if (fd >= 0) {
            *out = fd;
            return KR_OK;
        }
        if (errno == ENOSYS)
            atomic_store(&no_openat2, 1);
        else if (errno != ENOENT || !create)
            return blob__errno_fail(errno, "open", rel, err); /* RESOLVE_NO_SYMLINKS: a link is ELOOP */
    }
    return walk(lb, rel, create, out, err);
}

enum kr_code blob__locate(struct local_blob *lb, const struct lb_obj *o, int create,
                          struct lb_loc *loc, struct kr_err *err)
{
    int staged = o->staged;
    const char *bucket = o->bucket, *key = o->key;
    char *slash;

    loc->dir_fd = -1;
    if (!blob_name_ok(bucket, 0) || !blob_name_ok(key, 1))
        return kr_fail(err, KRS_BAD_NAME, "blob: invalid bucket or key");
    if (util_fmt(loc->rel, sizeof loc->rel, "%s%s%s/%s", staged ? STAGING_DIR : "",
                 staged ? "/" : "", bucket, key))
        return kr_fail(err, KRS_PATH_TOO_LONG, "blob: path too long");
    slash = strrchr(loc->rel, '/');
    *slash = '\0';
    loc->leaf = slash + 1;
    enum kr_code rc = open_dir(lb, loc->rel, create, &loc->dir_fd, err);
    *slash = '/';
    return rc;
}

void blob__release(struct lb_loc *loc)
{
    if (loc->dir_fd >= 0)
        close(loc->dir_fd);
    loc->dir_fd = -1;
}
