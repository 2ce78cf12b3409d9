/*
 * blob_int.h - what the "local" backend's files share (not public).
 */
#ifndef KARAT_BLOB_BLOB_INT_H
#define KARAT_BLOB_BLOB_INT_H

#include "blob/blob.h"

#define LB_PATH_MAX 4096
#define STAGING_DIR ".staging"

struct local_blob {
    struct blob base;
    int root_fd; /* the location folder, opened once: every path resolves beneath it */
    char root[LB_PATH_MAX - 600]; /* leaves room for "/.staging/<bucket>/<key>" */
};

/* Where an object lives: an open fd of its folder and its file name there. */
struct lb_loc {
    int dir_fd;       /* -1 when not opened */
    const char *leaf; /* points into rel */
    char rel[LB_PATH_MAX];
};

/* An object: (bucket, key), published or staged. */
struct lb_obj {
    int staged;
    const char *bucket;
    const char *key;
};

/* Open the folder of object o beneath the root with no symbolic link
 * anywhere on the way. create: make missing folders (each one fsync'd into
 * its parent). KR_ENOTFOUND if a folder is missing (or is a file); KR_EIO
 * "blob_symlink_refused" if one is a symbolic link. Release with
 * blob__release(). */
enum kr_code blob__locate(struct local_blob *lb, const struct lb_obj *o, int create,
                          struct lb_loc *loc, struct kr_err *err);
void blob__release(struct lb_loc *loc);
/* The errno of a failed call on (a folder of) rel as a kr_code: ENOENT and
 * ENOTDIR -> KR_ENOTFOUND, ELOOP and EXDEV -> the symlink refusal, else KR_EIO. */
enum kr_code blob__errno_fail(int e, const char *what, const char *rel, struct kr_err *err);

/* Tests: 1 = resolve with the per-component walk even where openat2 exists. */
void blob__local_force_walk(int on);

#endif
