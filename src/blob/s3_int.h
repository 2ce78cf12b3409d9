/*
 * s3_int.h - what the "s3" backend's files share (not public).
 *
 * s3.c has the ops, s3_http.c one signed request with its retries (libcurl
 * signs: CURLOPT_AWS_SIGV4), s3_xml.c the XML replies (libxml2).
 */
#ifndef KARAT_BLOB_S3_INT_H
#define KARAT_BLOB_S3_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "blob/blob.h"

#define S3_BUCKETS_MAX 16
#define S3_POOL_MAX    256 /* the most idle handles KARAT_S3_CONNECTIONS may keep */

struct s3_blob {
    struct blob base;
    char scheme[8];   /* "https" or "http" */
    char host[256];   /* endpoint host[:port], no bucket */
    char prefix[256]; /* path of the endpoint URL ("" or "/x"), no trailing '/' */
    char region[64];
    int path_style;
    char *access_key, *secret_key, *session_token;
    long long multipart_bytes, part_bytes;
    int connect_timeout_s, timeout_s, attempts, backoff_ms, backoff_cap_ms;
    char buckets[S3_BUCKETS_MAX][64]; /* the configured buckets, for list() */
    int nbuckets;
    /* Idle easy handles (each with its open connections), s3_http.c. */
    pthread_mutex_t pool_mu;
    void *pool[S3_POOL_MAX]; /* CURL * */
    int npool, pool_max;
    atomic_long connects; /* connections opened so far (CURLINFO_NUM_CONNECTS) */
};

/* One request: what to send. Keys are percent-encoded by blob__s3_call; query
 * must already be sorted by name and encoded (curl 7.88 signs it verbatim). */
struct s3_req {
    const char *method; /* GET, PUT, HEAD, DELETE, POST */
    const char *bucket;
    const char *key;   /* NULL: the bucket itself */
    const char *query; /* without '?', or NULL */
    const void *body;
    size_t body_len;
    const char *content_type; /* NULL: none */
    struct buf *out;          /* a 2xx reply's body (bounded), or NULL */
};

/* What came back. */
struct s3_resp {
    long status;
    char code[64];      /* the <Code> of an error body ("" if none) */
    char etag[128];     /* ETag header, quotes kept */
    long long length;   /* Content-Length (-1 unknown) */
    long long mtime_ms; /* Last-Modified (-1 unknown) */
};

/* Send rq, retrying 500/502/503/504, 400 RequestTimeout and connection
 * failures or timeouts with backoff (s->attempts in all); never another
 * 4xx. KR_OK for 2xx; KR_ENOTFOUND for 404 NoSuchKey, or a 404 without a
 * body (HEAD: the caller tells a missing bucket apart); otherwise an error
 * (KR_EAUTH for 401/403, KR_ERATELIMIT for SlowDown after the last attempt,
 * KR_ETIMEOUT, KR_ELIMIT when the reply outgrows rq->out, else KR_EIO or
 * KR_EUPSTREAM) with S3's code and message in err. */
enum kr_code blob__s3_call(struct s3_blob *s, const struct s3_req *rq, struct s3_resp *rs,
                           struct kr_err *err);
/* The URL of (bucket, key) on the endpoint (path-style or virtual-hosted),
 * key percent-encoded except '/'. */
void blob__s3_url(const struct s3_blob *s, const char *bucket, const char *key, char *out,
                  size_t n);
/* RFC 3986 percent-encoding of s (upper-case hex); '/' kept if keep_slash. */
void blob__s3_encode(const char *s, int keep_slash, char *out, size_t n);

/* XML replies. Element names are matched without their namespace. */
/* The <Code> and <Message> of an <Error> body (empty strings if none). */
void blob__s3_xml_error(const void *xml, size_t n, char *code, size_t cn, char *msg, size_t mn);
/* A walk over the pages of ListObjectsV2: cb for each <Contents><Key>
 * (nonzero to stop: stopped = 1); next gets the <NextContinuationToken>
 * when <IsTruncated> is true ("" when done). */
struct s3_list_page {
    int (*cb)(const char *key, void *ctx);
    void *ctx;
    char next[1024];
    int stopped;
};
/* One page of the walk. */
enum kr_code blob__s3_xml_list(const void *xml, size_t n, struct s3_list_page *pg,
                               struct kr_err *err);
/* The text of the first element named name (e.g. "UploadId"). */
enum kr_code blob__s3_xml_text(const void *xml, size_t n, const char *name, char *out, size_t on,
                               struct kr_err *err);

/* Multipart upload of data to (bucket, key) in s->part_bytes parts
 * (s3_multipart.c); an upload that fails is aborted. */
enum kr_code blob__s3_multipart(struct s3_blob *s, const char *bucket, const char *key,
                                const void *data, size_t n, struct kr_err *err);

/* Tests: keys per ListObjectsV2 page (1..1000; default 1000). */
void blob__s3_list_page(int n);
/* Close the idle handles (s3_close). */
void blob__s3_pool_close(struct s3_blob *s);
/* Tests and benchmarks: connections b (an s3 blob) has opened so far. */
long blob__s3_connects(struct blob *b);

#endif
