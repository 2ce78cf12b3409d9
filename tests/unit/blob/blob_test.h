/*
 * blob_test.h - shared by the blob tests: reading an object back and
 * checking its bytes, and collecting what blob_list() shows.
 */
#ifndef KARAT_BLOB_TEST_H
#define KARAT_BLOB_TEST_H

#include <stdio.h>
#include <string.h>

#include "blob/blob.h"
#include "testutil.h"

/* blob_get() of bucket/key is KR_OK with exactly the n bytes of want. */
static inline void assert_blob(struct blob *b, const char *bucket, const char *key,
                               const void *want, size_t n)
{
    struct buf out;
    struct kr_err err = {0};
    buf_init(&out, n + (1 << 20));
    assert_int_equal(blob_get(b, bucket, key, &out, &err), KR_OK);
    assert_int_equal(out.len, n);
    assert_memory_equal(out.data, want, n);
    buf_release(&out);
}

/* What a listing showed, as "bucket|key"; the callback stops it after
 * stop_after items when that is set. */
struct seen {
    char items[32][300];
    int n;
    int stop_after;
};

static inline int collect(const char *bucket, const char *key, void *ctx)
{
    struct seen *s = ctx;
    if (s->n < 32)
        snprintf(s->items[s->n++], sizeof s->items[0], "%s|%s", bucket, key);
    return s->stop_after && s->n >= s->stop_after;
}

static inline int has(const struct seen *s, const char *item)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->items[i], item) == 0)
            return 1;
    return 0;
}

#endif
