/*
 * buf.h - a growable byte buffer with an upper bound.
 *
 * Untrusted input (request bodies, uploaded files, remote replies) is read
 * into a `struct buf` whose `max` is the configured limit: an append past it
 * fails with KR_ELIMIT instead of growing. The buffer always keeps a NUL
 * after `len` bytes, so text can be used as a C string.
 *
 * Ownership: buf_init() takes nothing; buf_release() frees the storage and
 * leaves an empty, reusable buffer; buf_detach() hands the storage to the caller.
 */
#ifndef KARAT_CORE_BUF_H
#define KARAT_CORE_BUF_H

#include <stddef.h>

#include "core/err.h"

struct buf {
    unsigned char *data;
    size_t len;
    size_t cap;
    size_t max; /* 0 means no limit */
};

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
enum kr_code buf_append(struct buf *b, const void *data, size_t n);
enum kr_code buf_appendf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
enum kr_code buf_reserve(struct buf *b, size_t extra);
unsigned char *buf_detach(struct buf *b, size_t *len);

/* Read fd to its end, appended to `b` (bounded by b->max; `what` names it
 * in errors). A regular file is sized first: one allocation, and one over
 * the limit is refused before any byte is read (KR_ELIMIT "too_large"). */
enum kr_code buf_read_fd(struct buf *b, int fd, const char *what, struct kr_err *err);
/* buf_read_fd() of the file at path (KR_ENOTFOUND if it does not exist). */
enum kr_code buf_read_file(struct buf *b, const char *path, struct kr_err *err);

#endif
