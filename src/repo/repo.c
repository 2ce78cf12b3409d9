/*
 * repo.c - opening the repository (backends, lock, recovery, index load),
 * URLs and keys, and derived files. Ingest and delete are in ingest.c,
 * the consistency check in fsck.c.
 *
 * Request bases: with KARAT_PUBLIC_URL unset, the HTTP edge hands each
 * handler's thread the base its request may use (http_req_base_url: an
 * allowed Host, else the listen address) through repo_request_base; URLs
 * made on that thread use it. Every such base is also remembered (a small
 * process-wide ring, BASES entries) so that a URL handed out under it - to a
 * browser on "localhost:8000", say - is still this server's own when a
 * catalog job's worker thread reads it later. Only bases the edge allowed
 * get here, and a URL under one only ever names this server's own blobs.
 */
#include "repo/repo_int.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <pthread.h>

#include "core/log.h"
#include "core/util.h"

#define BASES 16

static _Thread_local char request_base[512];
static pthread_mutex_t bases_lock = PTHREAD_MUTEX_INITIALIZER;
static char bases_seen[BASES][512];
static int bases_next;

void repo_request_base(const char *base)
{
    int known = 0;
    util_strlcpy(request_base, base ? base : "", sizeof request_base);
    if (!base || !*base)
        return;
    pthread_mutex_lock(&bases_lock);
    for (int i = 0; i < BASES && !known; i++)
        known = strcmp(bases_seen[i], base) == 0;
    if (!known) {
        util_strlcpy(bases_seen[bases_next], base, sizeof bases_seen[0]);
        bases_next = (bases_next + 1) % BASES;
    }
    pthread_mutex_unlock(&bases_lock);
}

static enum kr_code take_lock(struct repo *r, struct kr_err *err)
{
    char path[4200];
    util_fmt(path, sizeof path, "%s/karat.lock", r->cfg->data_dir);
    r->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (r->lock_fd < 0)
        return kr_fail(err, KRS_LOCK_FAILED, "cannot open %s", path);
    if (flock(r->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return kr_fail(err, KRS_DATA_DIR_BUSY,
                       "data folder %s is in use by another karat process (stop the server, "
                       "or use its HTTP API)",
                       r->cfg->data_dir);
    return KR_OK;
}

/* The index's source of stored signatures (index.h): it keeps quantised
 * descriptors and no scene keypoints, so borderline first-stage scores and
 * scene candidates are checked with the store's rows, one call a batch. */
_Static_assert(IDX_SOURCE_BATCH <= STORE_IDS_MAX, "a source batch is one store call");

static enum kr_code stored_sigs(const int64_t *ids, int n, struct dedup_sig *sigs, uint8_t *found,
                                void *ctx, struct kr_err *err)
{
    struct repo *r = ctx;
    return store_image_sigs_of(r->store, ids, n, sigs, found, err);
}

enum kr_code repo__found(enum kr_code rc, const struct kr_err *e, struct kr_err *err,
                         const char *what)
{
    if (rc == KR_OK || rc == KR_ENOTFOUND)
        return rc;
    if (err) {
        *err = *e;
        if (!err->slug) /* the backend failed without saying why: a bug */
            kr_fail(err, KRS_INTERNAL, "%s failed without detail", kr_code_name(rc));
        kr_err_prefix(err, "%s: ", what);
    }
    return rc;
}

void repo__cleanup_failed(enum kr_code rc, const struct kr_err *e, const char *what,
                          const char *bucket, const char *key)
{
    if (rc != KR_OK && rc != KR_ENOTFOUND)
        log_warn("%s %s/%s failed (recovery or fsck will finish it): %s", what, bucket, key,
                 e->msg);
}

static enum kr_code open_backends(struct repo *r, struct kr_err *err)
{
    char path[4200], opts[64];
    long long rows = 0;
    enum kr_code rc;

    rc = store_location(r->cfg, path, sizeof path, err);
    if (!rc)
        rc = store_open(r->cfg->store_backend, path, &r->store, err);
    if (rc)
        return rc;
    util_fmt(path, sizeof path, "%s/blobs", r->cfg->data_dir);
    rc = blob_open_cfg(r->cfg->blob_backend, path, r->cfg, &r->blob, err);
    if (rc)
        return rc;
    rc = store_image_count(r->store, &rows, err);
    if (rc)
        return rc;
    util_fmt(opts, sizeof opts, "capacity=%lld", rows + 1024);
    rc = idx_open(r->cfg->index_backend, opts, &r->idx, err);
    if (!rc)
        idx_set_source(r->idx, stored_sigs, r);
    return rc;
}

static enum kr_code startup_tasks(struct repo *r, struct kr_err *err)
{
    enum kr_code rc;
    long long n = 0, problems = 0;

    if (r->cfg->clean_orphans_on_startup) {
        struct buf report;
        buf_init(&report, 1 << 20);
        rc = repo_fsck(r, 1, &report, NULL, &problems, err);
        if (!rc && problems)
            log_warn("start-up fsck repaired %lld problem(s)", problems);
        buf_release(&report);
        if (rc)
            return rc;
    }
    if (r->cfg->reindex_on_startup) {
        rc = repo_reindex(r, &n, err);
        if (rc)
            return rc;
        log_info("re-indexed %lld image(s) from their blobs", n);
    }
    return KR_OK;
}

/* A base URL without line breaks or trailing slashes. */
static void set_base(char *out, size_t n, const char *base)
{
    util_strlcpy(out, base ? base : "", n);
    out[strcspn(out, "\r\n")] = '\0';
    while (*out && out[strlen(out) - 1] == '/')
        out[strlen(out) - 1] = '\0';
}

enum kr_code repo_open(const struct config *cfg, const char *public_base, struct repo **out,
                       struct kr_err *err)
{
    struct repo *r = calloc(1, sizeof *r);
    enum kr_code rc;

    if (!r)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    r->cfg = cfg;
    r->lock_fd = -1;
    pthread_mutex_init(&r->wlock, NULL);
    pthread_rwlock_init(&r->stage_lock, NULL);
    set_base(r->public_base, sizeof r->public_base,
             cfg->public_url && *cfg->public_url ? cfg->public_url : public_base);
    set_base(r->listen_base, sizeof r->listen_base, public_base);
    dedup_rule_default(&r->rule, cfg->dedup_hash_max, cfg->dedup_desc_min);
    r->rule.scene_candidates = cfg->dedup_scene_candidates;
    rc = util_mkdirs(cfg->data_dir, err);
    if (!rc)
        rc = take_lock(r, err);
    if (!rc)
        rc = open_backends(r, err);
    if (!rc)
        rc = repo__recover(r, &r->recovered_published, &r->recovered_discarded, err);
    if (!rc)
        rc = repo__sync_init(r, err);
    if (!rc)
        rc = repo__load_index(r, err);
    if (!rc)
        rc = startup_tasks(r, err);
    if (!rc)
        rc = repo__sync_start(r, err);
    if (rc) {
        repo_close(r);
        return rc;
    }
    *out = r;
    return KR_OK;
}

void repo_close(struct repo *r)
{
    if (!r)
        return;
    repo__sync_stop(r);
    if (r->idx)
        idx_close(r->idx);
    if (r->blob)
        blob_close(r->blob);
    if (r->store)
        store_close(r->store);
    if (r->lock_fd >= 0)
        close(r->lock_fd);
    pthread_mutex_destroy(&r->wlock);
    pthread_rwlock_destroy(&r->stage_lock);
    free(r);
}

struct store *repo_store(struct repo *r)
{
    return r->store;
}

struct blob *repo_blob(struct repo *r)
{
    return r->blob;
}

/* Keep q->rows sorted newest first; drop the oldest past q->want. */
static int keep_newest(const struct store_image *img, void *ctx)
{
    struct repo_recent *q = ctx;
    size_t at;

    if (q->bucket && strcmp(img->bucket, q->bucket) != 0)
        return 0;
    if (q->n == q->want && img->created_ms <= q->rows[q->n - 1].created_ms)
        return 0;
    at = q->n < q->want ? q->n++ : q->n - 1;
    while (at > 0 && q->rows[at - 1].created_ms < img->created_ms) {
        q->rows[at] = q->rows[at - 1];
        at--;
    }
    q->rows[at] = *img;
    return 0;
}

enum kr_code repo_recent_images(struct repo *r, struct repo_recent *q, struct kr_err *err)
{
    if (!q || !q->rows || q->want < 1 || q->want > REPO_RECENT_MAX)
        return kr_fail(err, KRS_BAD_ARGUMENT, "repo: a listing keeps 1 to %d rows",
                       REPO_RECENT_MAX);
    q->n = 0;
    return store_image_each(r->store, keep_newest, q, err);
}

const struct config *repo_config(struct repo *r)
{
    return r->cfg;
}

const struct dedup_rule *repo_rule(struct repo *r)
{
    return &r->rule;
}

size_t repo_index_count(struct repo *r)
{
    return idx_count(r->idx);
}

long long repo_duplicates_found(struct repo *r)
{
    return atomic_load(&r->dups_found);
}

void repo_url_for(struct repo *r, const char *bucket, const char *key, char *out, size_t n)
{
    if (repo__s3_url_for(r, bucket, key, out, n))
        return;
    snprintf(out, n, "%s/files/%s/%s",
             request_base[0] && !(r->cfg->public_url && *r->cfg->public_url) ? request_base
                                                                             : r->public_base,
             bucket, key);
}

void repo_new_key(const char *prefix, const char *ext, char *out, size_t n)
{
    struct timeval tv;
    struct tm tm;
    char ts[32], rnd[9];

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    strftime(ts, sizeof ts, "%Y%m%d%H%M%S", &tm);
    util_random_hex(rnd, 4);
    snprintf(out, n, "%s%s%06ld%s%s", prefix ? prefix : "", ts, (long)tv.tv_usec, rnd,
             ext && *ext ? ext : ".jpg");
}

/* Split "bucket/key" (key may hold '/'); both must be valid blob names. */
static enum kr_code split_path(const char *p, char *bucket, size_t blen, char *key, size_t klen,
                               struct kr_err *err)
{
    const char *slash = strchr(p, '/');
    size_t bl;
    if (!slash)
        return kr_fail(err, KRS_NOT_KARAT_URL, "not a Karat file URL");
    bl = (size_t)(slash - p);
    if (bl == 0 || bl >= blen || strlen(slash + 1) >= klen)
        return kr_fail(err, KRS_NOT_KARAT_URL, "not a Karat file URL");
    memcpy(bucket, p, bl);
    bucket[bl] = '\0';
    util_strlcpy(key, slash + 1, klen);
    if (!blob_name_ok(bucket, 0) || !blob_name_ok(key, 1))
        return kr_fail(err, KRS_NOT_KARAT_URL, "not a Karat file URL");
    return KR_OK;
}

int repo__parse_origin(const char *url, struct repo_origin *o, const char **path)
{
    size_t n, h;
    const char *a;

    o->https = strncasecmp(url, "https://", 8) == 0;
    if (!o->https && strncasecmp(url, "http://", 7) != 0)
        return -1;
    a = url + (o->https ? 8 : 7);
    n = strcspn(a, "/?#");
    if (n == 0 ||
        strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") < n)
        return -1;
    if (a[0] == '[') { /* an IPv6 literal */
        const char *close = memchr(a, ']', n);
        h = close ? (size_t)(close - a) + 1 : 0;
    } else {
        h = strcspn(a, ":/?#");
    }
    if (h == 0 || h > n || h >= sizeof o->host)
        return -1;
    for (size_t i = 0; i < h; i++)
        o->host[i] = (char)tolower((unsigned char)a[i]);
    o->host[h] = '\0';
    o->port = o->https ? 443 : 80;
    if (h < n) {
        char *end;
        if (a[h] != ':' || h + 1 == n || n - h - 1 > 5)
            return -1;
        o->port = strtol(a + h + 1, &end, 10);
        if (end != a + n || o->port < 1 || o->port > 65535)
            return -1;
    }
    *path = a + n;
    return 0;
}

/* The "bucket/key" part of url when it is one of this server's file URLs:
 * "/files/..." or BASE/files/... where BASE has the scheme, host and port
 * (and path prefix) of the public base or of the listen address. */
/* path + "/files/" + ... when url is under `base` (scheme, host, port, path prefix). */
static const char *under_base(const char *base, const struct repo_origin *u, const char *path)
{
    struct repo_origin b;
    const char *bpath;
    size_t bl;
    if (!*base || repo__parse_origin(base, &b, &bpath))
        return NULL;
    bl = strlen(bpath);
    if (u->https == b.https && u->port == b.port && strcmp(u->host, b.host) == 0 &&
        strncmp(path, bpath, bl) == 0 && strncmp(path + bl, "/files/", 7) == 0)
        return path + bl + 7;
    return NULL;
}

static const char *own_files_path(struct repo *r, const char *url)
{
    const char *bases[3] = {r->public_base, r->listen_base, request_base}, *path, *p = NULL;
    struct repo_origin u;

    if (strncmp(url, "/files/", 7) == 0)
        return url + 7;
    if (repo__parse_origin(url, &u, &path))
        return NULL;
    for (int i = 0; i < 3 && !p; i++)
        p = under_base(bases[i], &u, path);
    pthread_mutex_lock(&bases_lock);
    for (int i = 0; i < BASES && !p; i++)
        p = under_base(bases_seen[i], &u, path);
    pthread_mutex_unlock(&bases_lock);
    return p;
}

int repo_own_url(struct repo *r, const char *url)
{
    char bucket[64], key[256];
    return url && (own_files_path(r, url) != NULL ||
                   repo__s3_parse(r, url, bucket, sizeof bucket, key, sizeof key) == 0);
}

enum kr_code repo_parse_url(struct repo *r, const char *url, struct repo_object *out,
                            struct kr_err *err)
{
    char *bucket = out->bucket, *key = out->key;
    size_t blen = sizeof out->bucket, klen = sizeof out->key;
    const char *p;

    if (!url || !*url)
        return kr_fail(err, KRS_NOT_KARAT_URL, "empty URL");
    p = own_files_path(r, url);
    if (p)
        return split_path(p, bucket, blen, key, klen, err);
    if (repo__s3_parse(r, url, bucket, blen, key, klen) == 0)
        return KR_OK;
    if (!strstr(url, "://") && url[0] != '/')
        return split_path(url, bucket, blen, key, klen, err); /* "bucket/key" */
    return kr_fail(err, KRS_NOT_KARAT_URL,
                   "not one of this server's file URLs (%s/files/...): %.200s", r->public_base,
                   url);
}

enum kr_code repo_put_file(struct repo *r, const char *bucket, const char *key, const void *data,
                           size_t n, struct kr_err *err)
{
    return blob_put(r->blob, bucket, key, data, n, err);
}

enum kr_code repo_read_url(struct repo *r, const char *url, struct buf *out, struct kr_err *err)
{
    struct repo_object o;
    enum kr_code rc = repo_parse_url(r, url, &o, err);
    if (rc)
        return rc;
    return blob_get(r->blob, o.bucket, o.key, out, err);
}

enum kr_code repo_get_file(struct repo *r, const char *bucket, const char *key, struct buf *out,
                           char sha[65], struct kr_err *err)
{
    struct store_image img;
    enum kr_code rc = blob_get(r->blob, bucket, key, out, err);

    if (rc)
        return rc;
    /* stored photos have their sha256 in the store (derived files live in
       folders: gen_images/, excel_files/ ...); a failed lookup just hashes */
    if (!strchr(key, '/') && store_image_find_key(r->store, bucket, key, &img, NULL) == KR_OK &&
        img.bytes == (long long)out->len)
        memcpy(sha, img.sha256, 65);
    else
        util_sha256_hex(out->data, out->len, sha);
    return KR_OK;
}

enum kr_code repo_find_sha(struct repo *r, const char *sha, struct store_image *out,
                           struct kr_err *err)
{
    return store_image_find_sha(r->store, sha, out, err);
}

enum kr_code repo__idx_add(struct repo *r, int64_t id, const struct dedup_sig *sig,
                           struct kr_err *err)
{
    enum kr_code rc = idx_add(r->idx, id, sig, err);
    atomic_fetch_add(&r->idx_adds, 1); /* after the entry is visible */
    return rc;
}

void repo__match_from(struct repo *r, struct repo_match *m, const struct store_image *img,
                      float distance, float score, int hash_dist)
{
    memset(m, 0, sizeof *m);
    m->id = img->id;
    /* quantised scores can pass 1 by a hair: report within [-1, 1] / [0, 2] */
    m->score = score > 1.0f ? 1.0f : score < -1.0f ? -1.0f : score;
    m->distance = distance < 0.0f ? 0.0f : distance > 2.0f ? 2.0f : distance;
    m->hash_dist = hash_dist;
    repo_url_for(r, img->bucket, img->key, m->url, sizeof m->url);
    util_strlcpy(m->filename, img->filename, sizeof m->filename);
}
