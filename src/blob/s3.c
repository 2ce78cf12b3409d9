/*
 * s3.c - the "s3" blob backend: objects in an S3-compatible service.
 *
 * Selected by KARAT_BLOB=s3. Settings come from the configuration table
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION,
 * AWS_ENDPOINT_URL, KARAT_S3_*); the bucket of an object is its real
 * bucket, the key its real key (the original system's layout: photos at
 * the root, gen_images/, excel_files/).
 *
 * S3 has no rename, so this is an in-place backend (BLOB_IN_PLACE, see
 * blob.h): stage() is the PUT of the final object under a key that is
 * never reused, publish() does nothing, unpublish() is a HEAD that says
 * whether the object is there, discard() and remove() DELETE it. repo/
 * then writes "object, then row" and deletes "row, then object", and an
 * object left without a row by a crash is fsck's to remove after a grace
 * period (mtime() gives its Last-Modified).
 *
 * Addressing: virtual-hosted (BUCKET.HOST/KEY) unless KARAT_S3_PATH_STYLE
 * or the endpoint's host is an IP address or localhost (HOST/BUCKET/KEY).
 * Only "not found" is absent: a 404 to HEAD has no body, so it is checked
 * against the bucket (a missing bucket is an error, not a missing object).
 *
 * Thread safety: the struct is read-only after open(); every call makes
 * its own requests (s3_http.c).
 */
#include "blob/s3_int.h"

#include <curl/curl.h>
#include <libxml/parser.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

extern const struct blob_ops blob_s3_ops;

static int list_page = 1000;

void blob__s3_list_page(int n)
{
    list_page = n > 0 && n <= 1000 ? n : 1000;
}

static struct s3_blob *s3_of(struct blob *b)
{
    if (!b || b->ops != &blob_s3_ops)
        abort();
    return (struct s3_blob *)b;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int global_ok;

static void global_init(void)
{
    global_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    xmlInitParser();
}

/* Is host (no port) an IP address or localhost? Then path-style. */
static int host_is_ip(const char *host)
{
    size_t n = strcspn(host, ":");
    if (host[0] == '[' || (n == 9 && strncmp(host, "localhost", 9) == 0))
        return 1;
    return strspn(host, "0123456789.") == n;
}

/* AWS_ENDPOINT_URL (or AWS S3 of the region) into scheme, host, prefix. */
static enum kr_code set_endpoint(struct s3_blob *s, const struct config *cfg, struct kr_err *err)
{
    const char *url = cfg->aws_endpoint_url ? cfg->aws_endpoint_url : "", *h;
    size_t hn;

    if (!*url) {
        util_strlcpy(s->scheme, "https", sizeof s->scheme);
        snprintf(s->host, sizeof s->host, "s3.%s.amazonaws.com", s->region);
        s->path_style = cfg->s3_path_style;
        return KR_OK;
    }
    if (strncmp(url, "https://", 8) == 0)
        util_strlcpy(s->scheme, "https", sizeof s->scheme);
    else if (strncmp(url, "http://", 7) == 0)
        util_strlcpy(s->scheme, "http", sizeof s->scheme);
    else
        return kr_fail(err, KRS_BAD_CONFIG, "AWS_ENDPOINT_URL: not an http(s) URL");
    h = url + strlen(s->scheme) + 3;
    hn = strcspn(h, "/?#");
    if (hn == 0 || hn >= sizeof s->host || strcspn(h, "?#@ ") < strlen(h))
        return kr_fail(err, KRS_BAD_CONFIG, "AWS_ENDPOINT_URL: bad host");
    memcpy(s->host, h, hn);
    s->host[hn] = '\0';
    util_strlcpy(s->prefix, h + hn, sizeof s->prefix);
    while (*s->prefix && s->prefix[strlen(s->prefix) - 1] == '/')
        s->prefix[strlen(s->prefix) - 1] = '\0';
    s->path_style = cfg->s3_path_style || host_is_ip(s->host);
    return KR_OK;
}

static void add_bucket(struct s3_blob *s, const char *b)
{
    for (int i = 0; i < s->nbuckets; i++)
        if (strcmp(s->buckets[i], b) == 0)
            return;
    if (s->nbuckets < S3_BUCKETS_MAX && blob_name_ok(b, 0))
        util_strlcpy(s->buckets[s->nbuckets++], b, sizeof s->buckets[0]);
}

/* S3_BUCKET and the buckets of KARAT_BUCKETS: what list() walks. */
static void set_buckets(struct s3_blob *s, const struct config *cfg)
{
    char copy[1024], *save = NULL;

    if (cfg->default_bucket && *cfg->default_bucket)
        add_bucket(s, cfg->default_bucket);
    util_strlcpy(copy, cfg->buckets ? cfg->buckets : "", sizeof copy);
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(t, '=');
        if (eq)
            add_bucket(s, util_trim(eq + 1));
    }
}

static enum kr_code from_config(struct s3_blob *s, const struct config *cfg, struct kr_err *err)
{
    if (!cfg->aws_access_key_id || !*cfg->aws_access_key_id || !cfg->aws_secret_access_key ||
        !*cfg->aws_secret_access_key)
        return kr_fail(err, KRS_S3_NO_CREDENTIALS,
                       "KARAT_BLOB=s3 needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    util_strlcpy(s->region, cfg->aws_region && *cfg->aws_region ? cfg->aws_region : "us-east-1",
                 sizeof s->region);
    if (strspn(s->region, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(s->region))
        return kr_fail(err, KRS_BAD_CONFIG, "AWS_REGION: not a region name");
    s->access_key = strdup(cfg->aws_access_key_id);
    s->secret_key = strdup(cfg->aws_secret_access_key);
    s->session_token = strdup(cfg->aws_session_token ? cfg->aws_session_token : "");
    if (!s->access_key || !s->secret_key || !s->session_token)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "s3: out of memory");
    s->multipart_bytes = cfg->s3_multipart_bytes;
    s->part_bytes = cfg->s3_part_bytes;
    s->connect_timeout_s = cfg->s3_connect_timeout_s;
    s->timeout_s = cfg->s3_timeout_s;
    s->pool_max = cfg->s3_connections < S3_POOL_MAX ? cfg->s3_connections : S3_POOL_MAX;
    s->attempts = cfg->s3_attempts < 1 ? 1 : cfg->s3_attempts;
    s->backoff_ms = cfg->s3_backoff_ms;
    s->backoff_cap_ms = cfg->s3_backoff_cap_ms;
    set_buckets(s, cfg);
    return set_endpoint(s, cfg, err);
}

static void s3_close(struct blob *b)
{
    struct s3_blob *s = s3_of(b);
    blob__s3_pool_close(s);
    free(s->access_key);
    free(s->secret_key);
    free(s->session_token);
    free(s);
}

static enum kr_code s3_open(const char *location, const struct config *cfg, struct blob **out,
                            struct kr_err *err)
{
    struct config own;
    struct s3_blob *s;
    enum kr_code rc;

    (void)location;
    pthread_once(&once, global_init);
    if (!global_ok)
        return kr_fail(err, KRS_S3_INIT, "s3: libcurl did not initialise");
    s = calloc(1, sizeof *s);
    if (!s)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "s3: out of memory");
    pthread_mutex_init(&s->pool_mu, NULL);
    s->base.ops = &blob_s3_ops;
    s->base.caps = BLOB_IN_PLACE | BLOB_PUBLIC_URLS;
    if (cfg) {
        rc = from_config(s, cfg, err);
    } else {
        rc = config_load(&own, err);
        if (!rc)
            rc = from_config(s, &own, err);
        config_release(&own);
    }
    if (rc) {
        s3_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return KR_OK;
}

/* PUT (or a multipart upload past the threshold) with the key's type. */
static enum kr_code s3_write(struct blob *b, const char *bucket, const char *key, const void *data,
                             size_t n, struct kr_err *err)
{
    struct s3_blob *s = s3_of(b);
    struct s3_req rq = {"PUT", bucket, key, NULL, data, n, util_content_type(key), NULL};
    struct s3_resp rs;

    if ((long long)n > s->multipart_bytes)
        return blob__s3_multipart(s, bucket, key, data, n, err);
    return blob__s3_call(s, &rq, &rs, err);
}

static enum kr_code s3_publish(struct blob *b, const char *bucket, const char *key,
                               struct kr_err *err)
{
    (void)s3_of(b);
    (void)bucket;
    (void)key;
    (void)err;
    return KR_OK; /* stage() wrote the object in place */
}

/* A HEAD's 404 has no body: absent only if the bucket itself answers. */
static enum kr_code bucket_answers(struct s3_blob *s, const char *bucket, const char *key,
                                   struct kr_err *err)
{
    struct buf body;
    struct s3_req rq = {"GET", bucket, NULL, "list-type=2&max-keys=1", NULL, 0, NULL, &body};
    struct s3_resp rs;
    enum kr_code rc;

    buf_init(&body, 1 << 20);
    rc = blob__s3_call(s, &rq, &rs, err);
    buf_release(&body);
    if (rc == KR_ENOTFOUND) /* a 404 that is not NoSuchKey cannot come back; to be sure */
        rc = kr_fail(err, KRS_S3_ERROR, "s3: bucket %s does not answer", bucket);
    if (rc)
        return rc;
    return kr_fail(err, KRS_BLOB_NOT_FOUND, "s3: no object %s/%s", bucket, key);
}

static enum kr_code head(struct blob *b, const char *bucket, const char *key, struct s3_resp *rs,
                         struct kr_err *err)
{
    struct s3_blob *s = s3_of(b);
    struct s3_req rq = {"HEAD", bucket, key, NULL, NULL, 0, NULL, NULL};
    enum kr_code rc = blob__s3_call(s, &rq, rs, err);

    return rc == KR_ENOTFOUND && !*rs->code ? bucket_answers(s, bucket, key, err) : rc;
}

static enum kr_code s3_unpublish(struct blob *b, const char *bucket, const char *key,
                                 struct kr_err *err)
{
    struct s3_resp rs;
    return head(b, bucket, key, &rs, err); /* the object stays until discard() */
}

static enum kr_code s3_stat(struct blob *b, const char *bucket, const char *key, long long *size,
                            struct kr_err *err)
{
    struct s3_resp rs;
    enum kr_code rc = head(b, bucket, key, &rs, err);
    if (!rc && rs.length < 0)
        return kr_fail(err, KRS_S3_BAD_REPLY, "s3: HEAD %s/%s: no Content-Length", bucket, key);
    if (!rc)
        *size = rs.length;
    return rc;
}

static enum kr_code s3_mtime(struct blob *b, const char *bucket, const char *key, long long *ms,
                             struct kr_err *err)
{
    struct s3_resp rs;
    enum kr_code rc = head(b, bucket, key, &rs, err);
    if (!rc && rs.mtime_ms < 0)
        return kr_fail(err, KRS_S3_BAD_REPLY, "s3: HEAD %s/%s: no Last-Modified", bucket, key);
    if (!rc)
        *ms = rs.mtime_ms;
    return rc;
}

/* DELETE; a missing object is fine (S3 answers 204 anyway). */
static enum kr_code s3_delete(struct blob *b, const char *bucket, const char *key,
                              struct kr_err *err)
{
    struct s3_req rq = {"DELETE", bucket, key, NULL, NULL, 0, NULL, NULL};
    struct s3_resp rs;
    enum kr_code rc = blob__s3_call(s3_of(b), &rq, &rs, err);
    return rc == KR_ENOTFOUND ? KR_OK : rc;
}

static enum kr_code s3_get(struct blob *b, const char *bucket, const char *key, struct buf *out,
                           struct kr_err *err)
{
    struct s3_req rq = {"GET", bucket, key, NULL, NULL, 0, NULL, out};
    struct s3_resp rs;
    return blob__s3_call(s3_of(b), &rq, &rs, err);
}

struct list_ctx {
    const char *bucket;
    const struct blob_walk *w;
};

/* As local: odd names are passed over (and reported when asked to). */
static int list_one(const char *key, void *ctx)
{
    struct list_ctx *l = ctx;
    const char *why = blob_name_problem(key, 1);
    if (!why)
        return l->w->cb(l->bucket, key, l->w->ctx);
    if (l->w->skipped)
        l->w->skipped(l->bucket, key, why, l->w->ctx);
    return 0;
}

/* ListObjectsV2 of one bucket, page after page. */
static enum kr_code list_bucket(struct s3_blob *s, struct list_ctx *l, int *stopped,
                                struct kr_err *err)
{
    char etok[3200], query[3400];
    struct buf body;
    struct s3_req rq = {"GET", l->bucket, NULL, query, NULL, 0, NULL, &body};
    struct s3_resp rs;
    struct s3_list_page pg = {.cb = list_one, .ctx = l};
    enum kr_code rc = KR_OK;

    buf_init(&body, 16 << 20);
    do {
        blob__s3_encode(pg.next, 0, etok, sizeof etok);
        if (pg.next[0])
            snprintf(query, sizeof query, "continuation-token=%s&list-type=2&max-keys=%d", etok,
                     list_page);
        else
            snprintf(query, sizeof query, "list-type=2&max-keys=%d", list_page);
        body.len = 0;
        rc = blob__s3_call(s, &rq, &rs, err);
        if (!rc)
            rc = blob__s3_xml_list(body.data, body.len, &pg, err);
    } while (!rc && !pg.stopped && pg.next[0]);
    *stopped = pg.stopped;
    buf_release(&body);
    return rc;
}

static enum kr_code s3_list_all(struct blob *b, const struct blob_walk *w, struct kr_err *err)
{
    struct s3_blob *s = s3_of(b);
    struct list_ctx l = {NULL, w};
    int stopped = 0;
    enum kr_code rc = KR_OK;

    for (int i = 0; !rc && !stopped && i < s->nbuckets; i++) {
        l.bucket = s->buckets[i];
        rc = list_bucket(s, &l, &stopped, err);
    }
    return rc;
}

static enum kr_code s3_list(struct blob *b, int staged,
                            int (*cb)(const char *bucket, const char *key, void *ctx), void *ctx,
                            struct kr_err *err)
{
    const struct blob_walk w = {cb, NULL, ctx};
    return staged ? KR_OK : s3_list_all(b, &w, err); /* no staging area */
}

const struct blob_ops blob_s3_ops = {
    .name = "s3",
    .open = s3_open,
    .stage = s3_write,
    .publish = s3_publish,
    .unpublish = s3_unpublish,
    .discard = s3_delete,
    .put = s3_write,
    .get = s3_get,
    .stat = s3_stat,
    .remove = s3_delete,
    .list = s3_list,
    .list_all = s3_list_all,
    .mtime = s3_mtime,
    .close = s3_close,
};
