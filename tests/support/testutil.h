/*
 * testutil.h - shared helpers for Karat's unit, API and crash tests.
 *
 * - temporary folders that are removed afterwards;
 * - synthetic catalog photos made with libvips (an object on a plain
 *   background, deterministic from a seed), so no photo is committed;
 * - starting the real `karat` binary (KARAT_BIN) on a free loopback port
 *   and talking to it over HTTP with libcurl.
 * cmocka is included here so test files need only this header.
 */
#ifndef KARAT_TESTUTIL_H
#define KARAT_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/types.h>

/* ---- files ---- */
void tu_tmpdir(char *out, size_t n); /* mkdtemp under $TMPDIR or /tmp */
void tu_rmrf(const char *path);
void tu_write_file(const char *path, const void *data, size_t n);
unsigned char *tu_read_file(const char *path, size_t *n); /* malloc'd, NULL if absent */

/* ---- synthetic images ---- */
struct tu_img_opts {
    int width, height;  /* canvas */
    int seed;           /* which "item": shape, colours, texture */
    double scale;       /* item size relative to the shorter side (default 0.7) */
    int bg;             /* background grey level (default 255) */
    const char *format; /* "jpeg" (default), "png", "webp" */
    int quality;        /* JPEG/WebP quality (default 90) */
};
/* A deterministic object photo; returns malloc'd encoded bytes. */
unsigned char *tu_make_image(const struct tu_img_opts *o, size_t *n);
/* The same, written to dir/name. */
void tu_write_image(const char *dir, const char *name, const struct tu_img_opts *o);

/* ---- the real server ---- */
struct tu_server {
    pid_t pid;
    int port;
    char base[64]; /* "http://127.0.0.1:PORT" */
    char data_dir[512];
    char log_path[600];
    char pg_env[1100]; /* "KARAT_DATABASE_URL=..." in pg mode (pgtest.h), else "" */
};
/* Start KARAT_BIN serve on a free port with data_dir; env is a NULL-terminated
 * list of "NAME=value" added to the environment. Waits for /health. */
int tu_server_start(struct tu_server *s, const char *data_dir, const char *const *env);
/* SIGTERM and wait; returns the exit status. */
int tu_server_stop(struct tu_server *s);
/* tu_server_start() on a new temporary data folder. */
int tu_server_start_tmp(struct tu_server *s, const char *const *env);
/* Stop the server and remove its data folder; 0, or -1 when the server had
 * crashed or leaked (ASan): a cmocka teardown's result. */
int tu_server_finish(struct tu_server *s);
int tu_free_port(void);
/* HTTP server options for an in-process test server: every number from the
 * config table's defaults (http_opts_from_config), listening on 127.0.0.1:0
 * with no API keys, CORS origins or trusted proxies; change what the test is
 * about. */
struct http_server_opts;
void tu_http_opts(struct http_server_opts *o);
/* A TCP connection to 127.0.0.1:port from source address 127.0.0.<host>
 * (host 0: the system's choice), to stand for different client hosts.
 * Fails the test if it cannot connect. */
int tu_connect(int port, int host);

/* ---- HTTP client ---- */
struct tu_resp {
    long status;
    char *body; /* NUL-terminated, malloc'd */
    size_t len;
    char ctype[128];
    char etag[128];
    char headers[2048]; /* raw response header lines ("Name: value\r\n"), truncated */
};
void tu_resp_free(struct tu_resp *r);
/* Is url a stored file's URL in bucket: /files/BUCKET/..., or with
 * KARAT_BLOB=s3 in the environment (the suite's S3 variant) the endpoint's
 * path-style AWS_ENDPOINT_URL/BUCKET/...? */
int tu_file_url_in(const char *url, const char *bucket);

/* headers: NULL-terminated "Name: value" list (may be NULL). */
int tu_get(const char *url, const char *const *headers, struct tu_resp *r);
int tu_post(const char *url, const char *ctype, const void *body, size_t n,
            const char *const *headers, struct tu_resp *r);

/* Any method (PUT, DELETE, OPTIONS, ...); body may be NULL, ctype may be NULL. */
int tu_request(const char *method, const char *url, const char *ctype, const void *body, size_t n,
               const char *const *headers, struct tu_resp *r);
/* Value of a response header (first match, case-insensitive name) into out; NULL if absent. */
const char *tu_resp_header(const struct tu_resp *r, const char *name, char *out, size_t n);

/* A multipart part: a file when filename != NULL, else a plain field. */
struct tu_part {
    const char *name;
    const char *filename;
    const char *ctype;
    const void *data;
    size_t len; /* for fields, 0 means strlen(data) */
};
int tu_post_multipart(const char *url, const struct tu_part *parts, size_t nparts,
                      const char *const *headers, struct tu_resp *r);

/* Run a command line with the environment list added, capture stdout (malloc'd
 * into *out if out != NULL); returns the exit status or -1. */
int tu_run(const char *const *argv, const char *const *env, char **out);

#endif
