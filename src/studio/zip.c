/*
 * zip.c - the generated images' ZIP, in memory with libzip.
 *
 * Entries are stored, not deflated (JPEGs do not shrink; deflate costs 20x
 * the CPU for about 3 %). Archives are built from the bytes Karat itself just
 * produced or read from its own store, never from HTTP fetches, and every
 * build is read back and checked entry by entry (name and size), so a ZIP
 * never silently misses a file. Replacing an entry keeps its position.
 *
 * libzip's zip_t is not thread-safe; each call here has its own. Changing
 * a stored ZIP (read, replace an entry, write) is serialised per ZIP by
 * studio__zip_lock(key): a small table of key -> mutex with reference
 * counts, so two different ZIPs are rewritten at the same time and the
 * same ZIP never by two requests at once.
 *
 * Also here (second half): the studio_store wrappers and the folder store
 * used by `karat images -o DIR` and the tests. A folder store's URLs are the
 * file paths "DIR/name"; name_of() accepts only bare generated names inside
 * DIR, so regeneration cannot be pointed at any other file; writes are
 * atomic (temp file + rename).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "studio/studio_int.h"
#include "core/util.h"

#define MAX_ENTRIES 256

/* An archive with no entries: just the end-of-central-directory record. */
static const unsigned char empty_zip[22] = {0x50, 0x4b, 0x05, 0x06};

static enum kr_code zfail(struct kr_err *err, const char *what, zip_error_t *ze)
{
    enum kr_code rc = kr_fail(err, KRS_BAD_ZIP, "%s: %s", what, zip_error_strerror(ze));
    zip_error_fini(ze);
    return rc;
}

/* Read the whole (closed, kept) source into a malloc'd buffer. */
static enum kr_code take_bytes(zip_source_t *src, unsigned char **out, size_t *len,
                               struct kr_err *err)
{
    zip_stat_t st;
    zip_int64_t got;

    *out = NULL;
    *len = 0;
    if (zip_source_stat(src, &st) || !(st.valid & ZIP_STAT_SIZE))
        return kr_fail(err, KRS_ZIP_FAILED, "cannot size the new archive");
    if (st.size == 0) { /* libzip writes nothing for an archive with no entries */
        *out = malloc(sizeof empty_zip);
        if (!*out)
            return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
        memcpy(*out, empty_zip, sizeof empty_zip);
        *len = sizeof empty_zip;
        return KR_OK;
    }
    *out = malloc(st.size);
    if (!*out)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    if (zip_source_open(src) < 0) {
        free(*out);
        *out = NULL;
        return kr_fail(err, KRS_ZIP_FAILED, "cannot read the new archive");
    }
    got = zip_source_read(src, *out, st.size);
    zip_source_close(src);
    if (got != (zip_int64_t)st.size) {
        free(*out);
        *out = NULL;
        return kr_fail(err, KRS_ZIP_FAILED, "short read of the new archive");
    }
    *len = st.size;
    return KR_OK;
}

static zip_t *open_mem(const void *data, size_t len, int flags, zip_source_t **src,
                       struct kr_err *err)
{
    zip_error_t ze;
    zip_t *za;
    zip_error_init(&ze);
    *src = zip_source_buffer_create(len ? data : NULL, len, 0, &ze);
    if (!*src) {
        zfail(err, "zip buffer", &ze);
        return NULL;
    }
    za = zip_open_from_source(*src, flags, &ze);
    if (!za) {
        zip_source_free(*src);
        *src = NULL;
        zfail(err, "not a readable ZIP", &ze);
        return NULL;
    }
    zip_error_fini(&ze);
    return za;
}

/* Add or replace one stored entry. */
static enum kr_code put_entry(zip_t *za, const char *name, const void *data, size_t len,
                              struct kr_err *err)
{
    zip_source_t *s = zip_source_buffer(za, data, len, 0);
    zip_int64_t idx = zip_name_locate(za, name, 0);
    if (!s)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "zip entry %s: %s", name, zip_strerror(za));
    if (idx >= 0 ? zip_file_replace(za, (zip_uint64_t)idx, s, 0)
                 : (idx = zip_file_add(za, name, s, ZIP_FL_ENC_UTF_8)) < 0) {
        zip_source_free(s);
        return kr_fail(err, KRS_ZIP_FAILED, "zip entry %s: %s", name, zip_strerror(za));
    }
    if (zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0))
        return kr_fail(err, KRS_ZIP_FAILED, "zip entry %s: %s", name, zip_strerror(za));
    return KR_OK;
}

/* Close the archive into bytes; the source is kept alive across the close. */
static enum kr_code finish(zip_t *za, zip_source_t *src, unsigned char **out, size_t *len,
                           struct kr_err *err)
{
    enum kr_code rc;
    zip_source_keep(src);
    if (zip_close(za) < 0) {
        rc = kr_fail(err, KRS_ZIP_FAILED, "writing the ZIP: %s", zip_strerror(za));
        zip_discard(za);
        zip_source_free(src);
        return rc;
    }
    rc = take_bytes(src, out, len, err);
    zip_source_free(src);
    return rc;
}

/* The archive must hold `name` with exactly `len` bytes. */
static enum kr_code verify_entry(zip_t *za, const char *name, size_t len, struct kr_err *err)
{
    zip_stat_t st;
    if (zip_stat(za, name, 0, &st) || !(st.valid & ZIP_STAT_SIZE) || st.size != len)
        return kr_fail(err, KRS_ZIP_INCOMPLETE, "the ZIP lost %s while it was written", name);
    return KR_OK;
}

static enum kr_code verify(const unsigned char *zip, size_t zlen, const struct studio_file *e,
                           size_t n, struct kr_err *err)
{
    zip_source_t *src;
    zip_t *za = open_mem(zip, zlen, ZIP_RDONLY | ZIP_CHECKCONS, &src, err);
    enum kr_code rc = KR_OK;
    if (!za)
        return KR_EINTERNAL;
    if ((size_t)zip_get_num_entries(za, 0) != n)
        rc = kr_fail(err, KRS_ZIP_INCOMPLETE, "the ZIP has %lld entries, not %zu",
                     (long long)zip_get_num_entries(za, 0), n);
    for (size_t i = 0; !rc && i < n; i++)
        rc = verify_entry(za, e[i].name, e[i].len, err);
    zip_discard(za);
    return rc;
}

enum kr_code studio_zip_build(const struct studio_file *e, size_t n, unsigned char **out,
                              size_t *out_len, struct kr_err *err)
{
    zip_source_t *src;
    zip_t *za;
    enum kr_code rc = KR_OK;

    *out = NULL;
    *out_len = 0;
    if (n > MAX_ENTRIES)
        return kr_fail(err, KRS_TOO_MANY_ENTRIES, "at most %d files in a ZIP", MAX_ENTRIES);
    za = open_mem(NULL, 0, ZIP_TRUNCATE, &src, err);
    if (!za)
        return KR_EINTERNAL;
    for (size_t i = 0; !rc && i < n; i++)
        rc = put_entry(za, e[i].name, e[i].data, e[i].len, err);
    if (rc) {
        zip_discard(za);
        return rc;
    }
    rc = finish(za, src, out, out_len, err);
    if (!rc && n)
        rc = verify(*out, *out_len, e, n, err);
    if (rc) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

enum kr_code studio_zip_replace(const void *zip, size_t zip_len, const struct studio_file *f,
                                unsigned char **out, size_t *out_len, struct kr_err *err)
{
    const char *name = f->name;
    size_t len = f->len;
    zip_source_t *src;
    zip_t *za;
    zip_int64_t before;
    enum kr_code rc;

    *out = NULL;
    *out_len = 0;
    za = open_mem(zip, zip_len, ZIP_CHECKCONS, &src, err);
    if (!za)
        return KR_EINVAL;
    before = zip_get_num_entries(za, 0);
    if (before >= MAX_ENTRIES) {
        zip_discard(za);
        return kr_fail(err, KRS_TOO_MANY_ENTRIES, "the ZIP has too many files");
    }
    rc = put_entry(za, name, f->data, len, err);
    if (rc) {
        zip_discard(za);
        return rc;
    }
    rc = finish(za, src, out, out_len, err);
    if (!rc) { /* same entries (one more if it was absent), the new one the right size */
        zip_t *chk = open_mem(*out, *out_len, ZIP_RDONLY, &src, err);
        rc = chk ? verify_entry(chk, name, len, err) : KR_EINTERNAL;
        if (!rc && zip_get_num_entries(chk, 0) < before)
            rc = kr_fail(err, KRS_ZIP_INCOMPLETE, "the ZIP lost entries");
        if (chk)
            zip_discard(chk);
    }
    if (rc) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

enum kr_code studio_zip_names(const void *zip, size_t zip_len, json_t **names, struct kr_err *err)
{
    zip_source_t *src;
    zip_t *za = open_mem(zip, zip_len, ZIP_RDONLY, &src, err);
    zip_int64_t n;
    *names = NULL;
    if (!za)
        return KR_EINVAL;
    n = zip_get_num_entries(za, 0);
    *names = json_array();
    for (zip_int64_t i = 0; i < n && i < MAX_ENTRIES; i++) {
        const char *nm = zip_get_name(za, (zip_uint64_t)i, 0);
        json_array_append_new(*names, json_string(nm ? nm : ""));
    }
    zip_discard(za);
    return KR_OK;
}

enum kr_code studio_zip_read(const void *zip, size_t zip_len, const char *name, struct buf *out,
                             struct kr_err *err)
{
    zip_source_t *src;
    zip_t *za = open_mem(zip, zip_len, ZIP_RDONLY, &src, err);
    zip_file_t *f;
    char chunk[16384];
    zip_int64_t got;
    enum kr_code rc = KR_OK;

    if (!za)
        return KR_EINVAL;
    f = zip_fopen(za, name, 0);
    if (!f) {
        zip_discard(za);
        return kr_fail(err, KRS_NOT_IN_ZIP, "%s is not in the ZIP", name);
    }
    while (!rc && (got = zip_fread(f, chunk, sizeof chunk)) > 0)
        rc = buf_append(out, chunk, (size_t)got);
    if (rc)
        rc = kr_fail(err, kr_slug_grow(rc), "%s is too large", name);
    zip_fclose(f);
    zip_discard(za);
    return rc;
}

/* ---- where generated files go ------------------------------------------ */

/* ---- one lock per ZIP ------------------------------------------------ */

/* Locks in use, by key; an entry lives while someone holds or waits for it
 * (refs), so the table only ever holds the ZIPs being changed right now. */
struct studio__zip_lock {
    struct studio__zip_lock *next;
    int refs;
    pthread_mutex_t mu;
    char key[];
};

static pthread_mutex_t locks_mu = PTHREAD_MUTEX_INITIALIZER;
static struct studio__zip_lock *locks;

enum kr_code studio__zip_lock(const char *key, struct studio__zip_lock **out, struct kr_err *err)
{
    struct studio__zip_lock *l;

    pthread_mutex_lock(&locks_mu);
    for (l = locks; l && strcmp(l->key, key) != 0; l = l->next)
        ;
    if (!l && (l = calloc(1, sizeof *l + strlen(key) + 1)) != NULL) {
        pthread_mutex_init(&l->mu, NULL);
        memcpy(l->key, key, strlen(key) + 1);
        l->next = locks;
        locks = l;
    }
    if (l)
        l->refs++;
    pthread_mutex_unlock(&locks_mu);
    *out = l;
    if (!l)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory for a ZIP lock");
    pthread_mutex_lock(&l->mu);
    return KR_OK;
}

void studio__zip_unlock(struct studio__zip_lock *l)
{
    struct studio__zip_lock **pp;

    if (!l)
        return;
    pthread_mutex_unlock(&l->mu);
    pthread_mutex_lock(&locks_mu);
    if (--l->refs == 0) {
        for (pp = &locks; *pp != l; pp = &(*pp)->next)
            ;
        *pp = l->next;
        pthread_mutex_destroy(&l->mu);
        free(l);
    }
    pthread_mutex_unlock(&locks_mu);
}

enum kr_code studio_store_put(struct studio_store *s, const struct studio_file *f, char *url,
                              size_t url_len, struct kr_err *err)
{
    return s->ops->put(s, f, url, url_len, err);
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

static enum kr_code dir_put(struct studio_store *s, const struct studio_file *f, char *url,
                            size_t url_len, struct kr_err *err)
{
    struct dir_store *d = (struct dir_store *)s;
    char path[1400];
    enum kr_code rc;
    if (!name_ok(f->name))
        return kr_fail(err, KRS_BAD_NAME, "bad output file name");
    if (util_fmt(path, sizeof path, "%s/%s", d->dir, f->name))
        return kr_fail(err, KRS_PATH_TOO_LONG, "output path too long");
    rc = util_write_file_atomic(path, f->data, f->len, err);
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
        return kr_fail(err, KRS_NOT_GENERATED_FILE, "%.200s is not a generated file in %s",
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
        return kr_fail(err, KRS_NOT_FOUND, "%.200s does not exist", url);
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
        return kr_fail(err, KRS_BAD_DIR, "bad output folder");
    rc = util_mkdirs(dir, err);
    if (rc)
        return rc;
    d = calloc(1, sizeof *d);
    if (!d)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    d->base.ops = &dir_ops;
    util_strlcpy(d->dir, dir, sizeof d->dir);
    while (n > 1 && d->dir[n - 1] == '/')
        d->dir[--n] = '\0';
    *out = &d->base;
    return KR_OK;
}
