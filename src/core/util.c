/*
 * util.c - clocks, SHA-256 (OpenSSL EVP), randomness, durable file writes.
 */
#include "core/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

double util_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int64_t util_epoch_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void util_iso8601(int64_t epoch_ms, char *out, size_t n)
{
    time_t t = (time_t)(epoch_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void util_sha256(const void *data, size_t n, unsigned char out[32])
{
    unsigned int len = 32;
    EVP_Digest(data, n, out, &len, EVP_sha256(), NULL);
}

void util_sha256_hex(const void *data, size_t n, char hex[65])
{
    unsigned char d[32];
    util_sha256(data, n, d);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

void util_random(void *out, size_t n)
{
    unsigned char *p = out;
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(p + got, n - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (got < n) {
        unsigned int seed = (unsigned int)util_epoch_ms() ^ (unsigned int)getpid();
        for (; got < n; got++)
            p[got] = (unsigned char)rand_r(&seed);
    }
}

void util_random_hex(char *out, size_t nbytes)
{
    unsigned char tmp[64];
    if (nbytes > sizeof tmp)
        nbytes = sizeof tmp;
    util_random(tmp, nbytes);
    for (size_t i = 0; i < nbytes; i++)
        snprintf(out + 2 * i, 3, "%02x", tmp[i]);
}

enum kr_code util_mkdirs(const char *path, struct kr_err *err)
{
    char tmp[4096];
    size_t len = util_strlcpy(tmp, path, sizeof tmp);

    if (len >= sizeof tmp)
        return kr_fail(err, KRS_PATH_TOO_LONG, "path too long: %s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return kr_fail(err, KRS_MKDIR_FAILED, "mkdir %s: %s", tmp, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        return kr_fail(err, KRS_MKDIR_FAILED, "mkdir %s: %s", tmp, strerror(errno));
    return KR_OK;
}

enum kr_code util_fsync_dir_of(const char *path, struct kr_err *err)
{
    char tmp[4096];
    int fd;

    util_strlcpy(tmp, path, sizeof tmp);
    fd = open(dirname(tmp), O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return kr_fail(err, KRS_FSYNC_FAILED, "open dir of %s: %s", path, strerror(errno));
    fsync(fd);
    close(fd);
    return KR_OK;
}

static enum kr_code write_all(int fd, const void *data, size_t n)
{
    const unsigned char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return KR_EIO;
        p += w;
        n -= (size_t)w;
    }
    return KR_OK;
}

enum kr_code util_write_file_atomic(const char *path, const void *data, size_t n,
                                    struct kr_err *err)
{
    char tmp[4200], rnd[17];
    int fd;
    enum kr_code rc;

    util_random_hex(rnd, 8);
    if (util_fmt(tmp, sizeof tmp, "%s.tmp-%s", path, rnd))
        return kr_fail(err, KRS_PATH_TOO_LONG, "path too long: %s", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return kr_fail(err, KRS_WRITE_FAILED, "create %s: %s", tmp, strerror(errno));
    rc = write_all(fd, data, n);
    if (!rc && fsync(fd) != 0)
        rc = KR_EIO;
    close(fd);
    if (!rc && rename(tmp, path) != 0)
        rc = KR_EIO;
    if (rc) {
        unlink(tmp);
        return kr_fail(err, KRS_WRITE_FAILED, "write %s: %s", path, strerror(errno));
    }
    return util_fsync_dir_of(path, err);
}

int util_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

enum kr_code util_fmt(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = vsnprintf(out, n, fmt, ap);
    va_end(ap);
    return (r < 0 || (size_t)r >= n) ? KR_ELIMIT : KR_OK;
}

size_t util_strlcpy(char *dst, const char *src, size_t n)
{
    size_t len = strlen(src);
    if (n) {
        size_t c = len < n - 1 ? len : n - 1;
        memcpy(dst, src, c);
        dst[c] = '\0';
    }
    return len;
}

char *util_trim(char *s)
{
    char *e;
    while (*s && isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

void util_word_key(const char *w, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++)
        out[k++] = (char)tolower((unsigned char)w[i]);
    if (k > 3 && out[k - 1] == 's')
        k--;
    out[k] = '\0';
}

int util_streq_ci(const char *a, const char *b)
{
    return a && b && strcasecmp(a, b) == 0;
}

int util_parse_bool(const char *s)
{
    static const char *yes[] = {"1", "true", "yes", "on"}, *no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (util_streq_ci(s, yes[i]))
            return 1;
        if (util_streq_ci(s, no[i]))
            return 0;
    }
    return -1;
}

long long util_parse_size(const char *s)
{
    char *end;
    double v;
    long long mul = 1;

    if (!s || !*s)
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || !(v >= 0)) /* negative, or NaN */
        return -1;
    while (*end == ' ')
        end++;
    if (!strcasecmp(end, "k") || !strcasecmp(end, "kb") || !strcasecmp(end, "kib"))
        mul = 1024;
    else if (!strcasecmp(end, "m") || !strcasecmp(end, "mb") || !strcasecmp(end, "mib"))
        mul = 1024 * 1024;
    else if (!strcasecmp(end, "g") || !strcasecmp(end, "gb") || !strcasecmp(end, "gib"))
        mul = 1024LL * 1024 * 1024;
    else if (*end)
        return -1;
    if (v * (double)mul > 9e18)
        return -1;
    return (long long)(v * (double)mul);
}

void util_malloc_keep_large(void)
{
#ifdef __GLIBC__
    /* blocks up to 32 MiB come from the heap; the heap is given back only
     * when 64 MiB at its top are free */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
}

const char *util_content_type(const char *key)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".jpg", "image/jpeg"}, {".jpeg", "image/jpeg"}, {".png", "image/png"},
        {".webp", "image/webp"}, {".gif", "image/gif"}, {".heic", "image/heic"},
        {".heif", "image/heif"}, {".avif", "image/avif"}, {".tif", "image/tiff"},
        {".tiff", "image/tiff"}, {".zip", "application/zip"}, {".csv", "text/csv"},
        {".json", "application/json"},
        {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    };
    const char *dot = strrchr(key, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcasecmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}
