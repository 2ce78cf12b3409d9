/*
 * store.c - where generated files go: the studio_store wrappers and the
 * folder backend used by `karat images -o DIR` and by the tests.
 *
 * A folder store's URLs are the file paths "DIR/name". Names are bare file
 * names made by the studio ([A-Za-z0-9._-], no slashes); name_of() accepts
 * only paths inside DIR, so a caller cannot point regeneration at any other
 * file. Writes are atomic (temp file + rename), so a reader sees the old or
 * the new bytes, never a mix.
 */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "studio/internal.h"

enum kr_code studio_store_put(struct studio_store *s, const char *name, const void *data, size_t n,
                              char *url, size_t url_len, struct kr_err *err)
{
    return s->ops->put(s, name, data, n, url, url_len, err);
}

enum kr_code studio_store_get(struct studio_store *s, const char *url, struct buf *out,
                              struct kr_err *err)
{
    return s->ops->get(s, url, out, err);
}

enum kr_code studio_store_name_of(struct studio_store *s, const char *url, char *name, size_t n,
                                  struct kr_err *err)
{
    return s->ops->name_of(s, url, name, n, err);
}

void studio_store_close(struct studio_store *s)
{
    if (s)
        s->ops->close(s);
}

struct dir_store {
    struct studio_store base;
    char dir[1024];
};

/* A generated file name: 1..200 of [A-Za-z0-9._-], not starting with '.'. */
static int name_ok(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > 200 || s[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static enum kr_code dir_put(struct studio_store *s, const char *name, const void *data, size_t n,
                            char *url, size_t url_len, struct kr_err *err)
{
    struct dir_store *d = (struct dir_store *)s;
    char path[1400];
    enum kr_code rc;
    if (!name_ok(name))
        return kr_fail(err, KR_EINVAL, "bad_name", "bad output file name");
    if (util_fmt(path, sizeof path, "%s/%s", d->dir, name))
        return kr_fail(err, KR_ELIMIT, "path_too_long", "output path too long");
    rc = util_write_file_atomic(path, data, n, err);
    if (!rc)
        util_strlcpy(url, path, url_len);
    return rc;
}

static enum kr_code dir_name_of(struct studio_store *s, const char *url, char *name, size_t n,
                                struct kr_err *err)
{
    struct dir_store *d = (struct dir_store *)s;
    size_t dl = strlen(d->dir);
    if (!url || strncmp(url, d->dir, dl) != 0 || url[dl] != '/' || !name_ok(url + dl + 1))
        return kr_fail(err, KR_EINVAL, "not_generated_file", "%.200s is not a generated file in %s",
                       url ? url : "(null)", d->dir);
    util_strlcpy(name, url + dl + 1, n);
    return KR_OK;
}

static enum kr_code dir_get(struct studio_store *s, const char *url, struct buf *out,
                            struct kr_err *err)
{
    char name[256];
    enum kr_code rc = dir_name_of(s, url, name, sizeof name, err);
    if (rc)
        return rc;
    if (!util_file_exists(url))
        return kr_fail(err, KR_ENOTFOUND, "not_found", "%.200s does not exist", url);
    return buf_read_file(out, url, err);
}

static void dir_close(struct studio_store *s)
{
    free(s);
}

static const struct studio_store_ops dir_ops = {dir_put, dir_get, dir_name_of, dir_close};

enum kr_code studio_store_dir_open(const char *dir, struct studio_store **out, struct kr_err *err)
{
    struct dir_store *d;
    size_t n = dir ? strlen(dir) : 0;
    enum kr_code rc;

    *out = NULL;
    if (!n || n >= sizeof d->dir)
        return kr_fail(err, KR_EINVAL, "bad_dir", "bad output folder");
    rc = util_mkdirs(dir, err);
    if (rc)
        return rc;
    d = calloc(1, sizeof *d);
    if (!d)
        return kr_fail(err, KR_ENOMEM, "out_of_memory", "out of memory");
    d->base.ops = &dir_ops;
    util_strlcpy(d->dir, dir, sizeof d->dir);
    while (n > 1 && d->dir[n - 1] == '/')
        d->dir[--n] = '\0';
    *out = &d->base;
    return KR_OK;
}
