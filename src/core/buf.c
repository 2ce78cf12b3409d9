/*
 * buf.c - bounded growable buffer (see buf.h).
 */
#include "core/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void buf_init(struct buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void buf_release(struct buf *b)
{
    free(b->data);
    buf_init(b, b->max);
}

enum kr_code buf_reserve(struct buf *b, size_t extra)
{
    size_t need, cap;
    unsigned char *p;

    if (extra > SIZE_MAX - b->len - 1)
        return KR_ELIMIT;
    need = b->len + extra + 1;
    if (b->max && b->len + extra > b->max)
        return KR_ELIMIT;
    if (need <= b->cap)
        return KR_OK;
    cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    p = realloc(b->data, cap);
    if (!p)
        return KR_ENOMEM;
    b->data = p;
    b->cap = cap;
    return KR_OK;
}

enum kr_code buf_append(struct buf *b, const void *data, size_t n)
{
    enum kr_code rc = buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return KR_OK;
}

enum kr_code buf_appendf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    enum kr_code rc;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return KR_EINVAL;
    rc = buf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return KR_OK;
}

unsigned char *buf_detach(struct buf *b, size_t *len)
{
    unsigned char *p = b->data;
    if (len)
        *len = b->len;
    buf_init(b, b->max);
    return p;
}

enum kr_code buf_read_fd(struct buf *b, int fd, const char *what, struct kr_err *err)
{
    struct stat st;
    enum kr_code rc = KR_OK;

    /* a file: refused from its size, else one allocation of that size */
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        if (b->max && (unsigned long long)st.st_size > b->max - b->len)
            return kr_fail(err, KRS_TOO_LARGE, "%s: %lld bytes, more than the limit %zu", what,
                           (long long)st.st_size, b->max);
        if (buf_reserve(b, (size_t)st.st_size) != KR_OK)
            return kr_fail(err, KRS_OUT_OF_MEMORY, "%s: out of memory", what);
    }
    for (;;) {
        size_t room = b->cap > b->len + 1 ? b->cap - b->len - 1 : 0;
        unsigned char probe;
        if (b->max && room > b->max - b->len)
            room = b->max - b->len;
        /* full: one byte tells the end (the usual case) from more to come */
        ssize_t n = room ? read(fd, b->data + b->len, room) : read(fd, &probe, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return kr_fail(err, KRS_READ_FAILED, "%s: %s", what, strerror(errno));
        if (n == 0)
            break;
        if (room)
            b->len += (size_t)n;
        else if ((rc = buf_append(b, &probe, 1)) != KR_OK)
            return kr_fail(err, kr_slug_grow(rc), "%s: %s", what,
                           rc == KR_ELIMIT ? "larger than the limit" : "out of memory");
    }
    if (b->data)
        b->data[b->len] = '\0';
    return KR_OK;
}

enum kr_code buf_read_file(struct buf *b, const char *path, struct kr_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    enum kr_code rc;

    if (fd < 0)
        return kr_fail(err, errno == ENOENT ? KRS_FILE_NOT_FOUND : KRS_READ_FAILED,
                       "cannot open %s: %s", path, strerror(errno));
    rc = buf_read_fd(b, fd, path, err);
    close(fd);
    return rc;
}
