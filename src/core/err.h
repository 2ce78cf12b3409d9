/*
 * err.h - Karat's one result enum and the error struct that carries detail.
 *
 * Every fallible function returns `enum kr_code` (KR_OK == 0 means success)
 * and, when it can say more, fills a caller-provided `struct kr_err`. The
 * error struct is only written on failure, so calls can be chained. The
 * layer that owns the user (HTTP handler or CLI) decides what to show:
 * api/ maps codes to HTTP statuses in one place, cli/ prints the message.
 * Library code never prints and never exits.
 *
 * `slug` is the stable machine code sent to clients as "code" (for example
 * "not_an_image"); `msg` is the human sentence. Slugs are for clients:
 * code that acts on a failure looks at `code` and `retry`, never at the slug
 * text.
 */
#ifndef KARAT_CORE_ERR_H
#define KARAT_CORE_ERR_H

#include <stdarg.h>

enum kr_code {
    KR_OK = 0,
    KR_ENOMEM,       /* allocation failed */
    KR_EINVAL,       /* bad input from the caller */
    KR_ENOTFOUND,    /* no such thing */
    KR_ECONFLICT,    /* exists already / state conflict */
    KR_EIO,          /* disk, database or socket failure */
    KR_ETIMEOUT,     /* an operation took too long */
    KR_EUPSTREAM,    /* a remote service failed or answered nonsense */
    KR_ELIMIT,       /* a configured size/count limit was exceeded */
    KR_EUNSUPPORTED, /* valid request this build/backend cannot do */
    KR_EAUTH,        /* missing or wrong credentials */
    KR_ERATELIMIT,   /* remote rate limit; retry later */
    KR_EQUOTA,       /* remote quota exhausted; do not retry with this key */
    KR_EINTERNAL,    /* a bug or broken invariant */
    KR_CODE_COUNT
};

#define KR_ERR_MSG 512

struct kr_err {
    enum kr_code code;
    const char *slug; /* static string, machine-readable; never NULL after kr_fail */
    char msg[KR_ERR_MSG];
    int retry; /* 1: the same request asked again may well succeed (a model's
                  unusable reply, a generated image that misses the piece);
                  set with kr_retryable(), cleared by every kr_fail() */
};

/* Record a failure in `e` (may be NULL) and return `code`, so callers write
 * `return kr_fail(err, KR_EINVAL, "bad_json", "JSON: %s", why);`. */
enum kr_code kr_fail(struct kr_err *e, enum kr_code code, const char *slug, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
enum kr_code kr_vfail(struct kr_err *e, enum kr_code code, const char *slug, const char *fmt,
                      va_list ap);

/* Mark the failure just recorded in `e` (may be NULL) as worth one more
 * attempt and return rc: `return kr_retryable(err, kr_fail(err, ...));`. */
enum kr_code kr_retryable(struct kr_err *e, enum kr_code rc);

/* Prefix the message already in `e` with more context ("store: " ...). */
void kr_err_prefix(struct kr_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void kr_err_clear(struct kr_err *e);

/* Stable lower-case name of a code, e.g. "invalid". */
const char *kr_code_name(enum kr_code code);

#endif
