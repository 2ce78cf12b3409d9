/*
 * s3_server.h - a real S3 protocol server on loopback for tests: s3rver
 * (npm, tests/s3) behind tests/s3/sigv4_proxy.py, which refuses any request
 * whose SigV4 signature botocore does not reproduce, and can fail chosen
 * requests on demand (5xx, stalls, dropped connections).
 *
 * Each test process starts its own pair on free ports in a temporary
 * folder (safe under ctest -j), and stops it at the end; a pair whose test
 * process died stops by itself.
 */
#ifndef KARAT_TEST_S3_SERVER_H
#define KARAT_TEST_S3_SERVER_H

#include <sys/types.h>

/* The buckets every server is started with, and the KARAT_BUCKETS map
 * that names them all (so blob_list() walks every one). */
#define S3SRV_BUCKETS "alyaimg", "blyskimg", "bk", "b", "b2"
#define S3SRV_BUCKET_MAP "alya=alyaimg,blysk=blyskimg,t1=bk,t2=b,t3=b2"

struct blob;

struct s3srv {
    pid_t pid;
    int port;
    char dir[512];
    char endpoint[64]; /* "http://127.0.0.1:PORT" */
};

/* Start s3rver + the verifying proxy (access key S3RVER, secret S3RVER);
 * 0 when it answers, -1 (and a message on stderr) if not. */
int s3srv_start(struct s3srv *s);
void s3srv_stop(struct s3srv *s);
/* A test file's group setup: s3srv_start() then s3srv_setenv(s, "S3RVER"). */
int s3srv_group_start(struct s3srv *s);
/* Remove every object blob_list() shows (a test's clean start on the
 * shared server); 0, or -1 if listing or a removal failed. */
int s3srv_empty(struct blob *b);
/* Set AWS_* (endpoint, key S3RVER, the secret given, region) and
 * KARAT_BLOB=s3 and KARAT_BUCKETS covering S3SRV_BUCKETS in this process's
 * environment, for config_load() and for servers it starts. */
void s3srv_setenv(const struct s3srv *s, const char *secret);
/* Fail the next `count` requests of method whose key contains key_part
 * ("" any) with status/code; hang_s > 0 stalls that long first. */
void s3srv_fault(const struct s3srv *s, const char *method, const char *key_part, int status,
                 const char *code, int count, double hang_s);
/* Pass the next `count` requests of method on to s3rver, then hold each
 * answer back for stall_s seconds (the object is stored; the client does
 * not know yet). s3srv_count(s, "stalled") counts the stalls begun. */
void s3srv_stall_after(const struct s3srv *s, const char *method, int count, double stall_s);
/* Clear faults and counters. */
void s3srv_reset(const struct s3srv *s);
/* Signed requests of method seen since the last reset (faulted ones too). */
long s3srv_count(const struct s3srv *s, const char *method);
/* The Content-Type the last PUT of /bucket/key sent ("" if none) into out. */
void s3srv_type(const struct s3srv *s, const char *bucket_key, char *out, size_t n);

/* PUT data as bucket/key_path (already URL-encoded, e.g. "my%20ring.jpg"),
 * signed like any client's, bypassing blob/'s name checks: an object the
 * original system could have written. The HTTP status (0: no answer). */
long s3srv_put_raw(const struct s3srv *s, const char *bucket, const char *key_path,
                   const void *data, size_t n);
/* Photo objects (flat keys: derived files live under folders) in every
 * configured bucket, listed through blob/s3 with this process's
 * environment (s3srv_setenv); fails the test if the listing fails. */
long s3srv_photo_objects(void);

#endif
