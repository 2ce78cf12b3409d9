/*
 * params.c - a lint fixture (never compiled): scripts/lint --self-test checks that
 * every function or function pointer marked "lint-expect" below is flagged, and
 * nothing else.
 */
#include <stddef.h>

struct sink {
    /* lint-expect: params put */
    int (*put)(void *ctx, const char *bucket, const char *key, const void *data, size_t n,
               int flags, char *err);
    int (*get)(void *ctx, const char *key, void *out, size_t n, int flags, char *err);
};

/* lint-expect: params too_many */
static int too_many(int a, int b, int c, int d, int e, int f, int g)
{
    return a + b + c + d + e + f + g;
}

static int six(int a, int b, int c, int d, int e, int (*cb)(int x, int y))
{
    return cb(a + b, c + d + e);
}

/* A comma inside a function-pointer parameter is not a parameter of its own. */
static void none(void) {}

/* lint-expect: params on_part */
static int on_part(void *cls, int kind, const char *key, const char *filename,
                   const char *content_type, const char *encoding, const char *data,
                   unsigned long off, size_t size)
{
    return too_many(kind, 0, 0, 0, 0, 0, 0) + six(0, 0, 0, 0, 0, NULL) + (cls != NULL) +
           (key && filename && content_type && encoding && data && off && size);
}
