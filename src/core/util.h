/*
 * util.h - small helpers every module needs: clocks, hashing, randomness,
 * file-system steps that must be durable, and bounded string copies.
 *
 * Nothing here allocates unless its name says so (_dup, _alloc).
 */
#ifndef KARAT_CORE_UTIL_H
#define KARAT_CORE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Milliseconds since an arbitrary point (monotonic) / since the epoch. */
double util_now_ms(void);
int64_t util_epoch_ms(void);
/* UTC "2026-11-22T03:04:05Z" into out (>= 21 bytes). */
void util_iso8601(int64_t epoch_ms, char *out, size_t n);

/* SHA-256 of data as 64 lower-case hex digits + NUL (hex must hold 65). */
void util_sha256_hex(const void *data, size_t n, char hex[65]);
void util_sha256(const void *data, size_t n, unsigned char out[32]);

/* For bulk commands that handle one large buffer after another (decoded
 * photos, file contents): keep freed large blocks in the heap for reuse
 * instead of returning them to the kernel each time (each new mapping
 * costs page faults again). No-op outside glibc. */
void util_malloc_keep_large(void);

/* Cryptographically random bytes; falls back to time-seeded if the OS fails. */
void util_random(void *out, size_t n);
void util_random_hex(char *out, size_t nbytes); /* writes 2*nbytes hex + NUL */

/* mkdir -p; existing directories are fine. */
enum kr_code util_mkdirs(const char *path, struct kr_err *err);
/* Write a whole file durably: temp file in the same folder, fsync, rename, fsync dir. */
enum kr_code util_write_file_atomic(const char *path, const void *data, size_t n,
                                    struct kr_err *err);
/* fsync the directory that holds path. */
enum kr_code util_fsync_dir_of(const char *path, struct kr_err *err);
int util_file_exists(const char *path);

/* snprintf into out; returns KR_ELIMIT if truncated. */
enum kr_code util_fmt(char *out, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Copy at most n-1 bytes and always NUL-terminate; returns strlen(src). */
size_t util_strlcpy(char *dst, const char *src, size_t n);
/* Trim ASCII whitespace in place; returns s. */
char *util_trim(char *s);
/* Case-insensitive equality; NULL-safe. */
int util_streq_ci(const char *a, const char *b);
/* Word w[0..n) as a comparison key into out (size cap): ASCII lower case,
 * a plural 's' dropped from words of more than 3 letters. */
void util_word_key(const char *w, size_t n, char *out, size_t cap);
/* Parse "true/1/yes/on" vs "false/0/no/off"; returns -1 if neither. */
int util_parse_bool(const char *s);
/* Parse sizes like "25MiB", "512k", "1048576"; returns -1 on error. */
long long util_parse_size(const char *s);
/* The Content-Type of a file by its name's extension (case-insensitive);
 * "application/octet-stream" when unknown. */
const char *util_content_type(const char *name);

#endif
