/*
 * s3_server.c - starting and steering the tests' S3 server (s3_server.h).
 *
 * The proxy (python3 with Debian's botocore) starts s3rver itself on a
 * free port, then listens on another and prints "PORT n"; we read that
 * line from a pipe. Control requests (/__karat/...) are plain HTTP.
 */
#include "s3_server.h"

#include <curl/curl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blob/blob.h"
#include "core/config.h"
#include "core/util.h"
#include "testutil.h"

static int read_port(int fd)
{
    char line[128];
    size_t n = 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};

    while (n + 1 < sizeof line && poll(&p, 1, 120000) == 1) {
        ssize_t r = read(fd, line + n, 1);
        if (r <= 0)
            return -1;
        if (line[n] == '\n') {
            line[n] = '\0';
            if (strncmp(line, "PORT ", 5) == 0)
                return atoi(line + 5);
            n = 0; /* some other line */
            continue;
        }
        n++;
    }
    return -1;
}

int s3srv_start(struct s3srv *s)
{
    const char *src = getenv("KARAT_SOURCE_DIR");
    const char *buckets[] = {S3SRV_BUCKETS};
    char script[1024];
    const char *argv[32];
    int fds[2], argc = 0;

    memset(s, 0, sizeof *s);
    snprintf(script, sizeof script, "%s/tests/s3/sigv4_proxy.py", src ? src : ".");
    tu_tmpdir(s->dir, sizeof s->dir);
    argv[argc++] = "/usr/bin/python3";
    argv[argc++] = script;
    argv[argc++] = "--dir";
    argv[argc++] = s->dir;
    for (size_t i = 0; i < sizeof buckets / sizeof buckets[0]; i++) {
        argv[argc++] = "--bucket";
        argv[argc++] = buckets[i];
    }
    argv[argc] = NULL;
    if (pipe(fds) != 0)
        return -1;
    s->pid = fork();
    if (s->pid == 0) {
        setpgid(0, 0); /* its own group: stopping it stops s3rver too */
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    s->port = s->pid > 0 ? read_port(fds[0]) : -1;
    close(fds[0]);
    if (s->port <= 0) {
        fprintf(stderr, "s3srv: the S3 test server did not start (%s)\n", script);
        s3srv_stop(s);
        return -1;
    }
    snprintf(s->endpoint, sizeof s->endpoint, "http://127.0.0.1:%d", s->port);
    return 0;
}

void s3srv_stop(struct s3srv *s)
{
    if (s->pid > 0) {
        kill(-s->pid, SIGTERM);
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
    if (s->dir[0])
        tu_rmrf(s->dir);
    s->dir[0] = '\0';
}

int s3srv_group_start(struct s3srv *s)
{
    if (s3srv_start(s) != 0)
        return -1;
    s3srv_setenv(s, "S3RVER");
    return 0;
}

static int remove_one(const char *bucket, const char *key, void *ctx)
{
    struct kr_err err = {0};
    void **b_failed = ctx;
    if (blob_remove(b_failed[0], bucket, key, &err) != KR_OK) {
        b_failed[1] = b_failed[0]; /* failed: stop */
        return 1;
    }
    return 0;
}

int s3srv_empty(struct blob *b)
{
    struct kr_err err = {0};
    void *ctx[2] = {b, NULL};
    return blob_list(b, 0, remove_one, ctx, &err) != KR_OK || ctx[1] ? -1 : 0;
}

void s3srv_setenv(const struct s3srv *s, const char *secret)
{
    setenv("KARAT_BLOB", "s3", 1);
    setenv("AWS_ENDPOINT_URL", s->endpoint, 1);
    setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
    setenv("AWS_SECRET_ACCESS_KEY", secret, 1);
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("KARAT_BUCKETS", S3SRV_BUCKET_MAP, 1);
    setenv("KARAT_S3_BACKOFF_MS", "10", 1);
    setenv("KARAT_S3_BACKOFF_CAP_MS", "100", 1);
}

static json_t *control(const struct s3srv *s, const char *what, const char *body)
{
    char url[256];
    struct tu_resp r = {0};
    json_t *j;

    snprintf(url, sizeof url, "%s/__karat/%s", s->endpoint, what);
    assert_int_equal(tu_post(url, "application/json", body, strlen(body), NULL, &r), 0);
    assert_int_equal(r.status, 200);
    j = json_loads(r.body, 0, NULL);
    tu_resp_free(&r);
    assert_non_null(j);
    return j;
}

void s3srv_fault(const struct s3srv *s, const char *method, const char *key_part, int status,
                 const char *code, int count, double hang_s)
{
    json_t *f = json_pack("{s:s, s:s, s:i, s:s, s:i, s:f}", "method", method, "key", key_part,
                          "status", status, "code", code, "count", count, "hang", hang_s);
    char *body = json_dumps(f, 0);
    json_decref(control(s, "fault", body));
    free(body);
    json_decref(f);
}

void s3srv_stall_after(const struct s3srv *s, const char *method, int count, double stall_s)
{
    json_t *f = json_pack("{s:s, s:i, s:f}", "method", method, "count", count, "after", stall_s);
    char *body = json_dumps(f, 0);
    json_decref(control(s, "fault", body));
    free(body);
    json_decref(f);
}

void s3srv_reset(const struct s3srv *s)
{
    json_decref(control(s, "reset", "{}"));
}

long s3srv_count(const struct s3srv *s, const char *method)
{
    json_t *j = control(s, "stats", "{}");
    long n = (long)json_integer_value(json_object_get(json_object_get(j, "stats"), method));
    json_decref(j);
    return n;
}

void s3srv_type(const struct s3srv *s, const char *bucket_key, char *out, size_t n)
{
    json_t *j = control(s, "stats", "{}");
    const char *t = json_string_value(json_object_get(json_object_get(j, "types"), bucket_key));
    snprintf(out, n, "%s", t ? t : "");
    json_decref(j);
}

static int count_photo(const char *bucket, const char *key, void *ctx)
{
    (void)bucket;
    if (!strchr(key, '/'))
        ++*(long *)ctx;
    return 0;
}

long s3srv_photo_objects(void)
{
    struct config cfg;
    struct kr_err err = {0};
    struct blob *b;
    long n = 0;
    assert_int_equal(config_load(&cfg, &err), KR_OK);
    assert_int_equal(blob_open_cfg("s3", "", &cfg, &b, &err), KR_OK);
    assert_int_equal(blob_list(b, 0, count_photo, &n, &err), KR_OK);
    blob_close(b);
    config_release(&cfg);
    return n;
}

static size_t sink(char *p, size_t size, size_t n, void *ctx)
{
    (void)p;
    (void)ctx;
    return size * n;
}

long s3srv_put_raw(const struct s3srv *s, const char *bucket, const char *key_path,
                   const void *data, size_t n)
{
    CURL *c = curl_easy_init();
    char url[1024], hex[65], hdr[100];
    struct curl_slist *h;
    long status = 0;

    snprintf(url, sizeof url, "%s/%s/%s", s->endpoint, bucket, key_path);
    util_sha256_hex(data, n, hex);
    snprintf(hdr, sizeof hdr, "x-amz-content-sha256: %s", hex);
    h = curl_slist_append(NULL, hdr);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, "aws:amz:us-east-1:s3");
    curl_easy_setopt(c, CURLOPT_USERPWD, "S3RVER:S3RVER");
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, data);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    return status;
}
