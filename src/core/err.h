/*
 * err.h - Karat's one result enum and the error struct that carries detail.
 *
 * Every fallible function returns `enum kr_code` (KR_OK == 0 means success)
 * and, when it can say more, fills a caller-provided `struct kr_err`. The
 * error struct is only written on failure, so calls can be chained. The
 * layer that owns the user decides what to show: the HTTP edge answers
 * with the slug's status (http_res_from_err), cli/ prints the message.
 * Library code never prints and never exits.
 *
 * Every failure names one slug of the error vocabulary (core/err_slugs.h,
 * `enum kr_slug`): the stable machine code sent to clients as "code" (for
 * example "not_an_image"). The slug fixes the kr_code kr_fail() returns and
 * the HTTP status of an answer made from it, so a slug always means one
 * code and one status. `msg` is the human sentence. Code that acts on a
 * failure looks at `code`, `retry` or `slug_id`, never at the slug text.
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

enum kr_slug {
#define KR_SLUG(name, text, code, status, meaning) KRS_##name,
#include "core/err_slugs.h"
#undef KR_SLUG
    KRS_COUNT
};

/* The row of `s` (an out-of-range value reads as KRS_INTERNAL). */
const char *kr_slug_text(enum kr_slug s);    /* "not_an_image" */
enum kr_code kr_slug_code(enum kr_slug s);   /* KR_EINVAL */
int kr_slug_status(enum kr_slug s);          /* 400 */
const char *kr_slug_meaning(enum kr_slug s); /* the docs/API.md line */
/* The slug whose text is `text`; -1 when there is none (stored documents). */
int kr_slug_find(const char *text);
/* What a failed buffer append means: KR_ELIMIT -> KRS_TOO_LARGE, anything
 * else -> KRS_OUT_OF_MEMORY. */
enum kr_slug kr_slug_grow(enum kr_code rc);

#define KR_ERR_MSG 512

struct kr_err {
    enum kr_code code;
    enum kr_slug slug_id; /* what failed: fixes code and HTTP status */
    const char *slug;     /* kr_slug_text(slug_id), for printing; never NULL after kr_fail */
    char msg[KR_ERR_MSG];
    int retry; /* 1: the same request asked again may well succeed (a model's
                  unusable reply, a generated image that misses the piece);
                  set with kr_retryable(), cleared by every kr_fail() */
};

/* Record a failure in `e` (may be NULL) and return the slug's code, so
 * callers write `return kr_fail(err, KRS_BAD_JSON, "JSON: %s", why);`. */
enum kr_code kr_fail(struct kr_err *e, enum kr_slug s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
enum kr_code kr_vfail(struct kr_err *e, enum kr_slug s, const char *fmt, va_list ap);

/* Mark the failure just recorded in `e` (may be NULL) as worth one more
 * attempt and return rc: `return kr_retryable(err, kr_fail(err, ...));`. */
enum kr_code kr_retryable(struct kr_err *e, enum kr_code rc);

/* Prefix the message already in `e` with more context ("store: " ...). */
void kr_err_prefix(struct kr_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void kr_err_clear(struct kr_err *e);

/* Stable lower-case name of a code, e.g. "invalid". */
const char *kr_code_name(enum kr_code code);

#endif
