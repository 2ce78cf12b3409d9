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

/* Read a whole file into `b` (bounded by b->max). */
enum kr_code buf_read_file(struct buf *b, const char *path, struct kr_err *err);

#endif
