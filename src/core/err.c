/*
 * err.c - the error vocabulary's table and filling `struct kr_err` (see err.h).
 *
 * The table is built from core/err_slugs.h, so the enum and the rows cannot
 * drift apart.
 */
#include "core/err.h"

#include <stdio.h>
#include <string.h>

static const char *const code_names[KR_CODE_COUNT] = {
    [KR_OK] = "ok",
    [KR_ENOMEM] = "out_of_memory",
    [KR_EINVAL] = "invalid",
    [KR_ENOTFOUND] = "not_found",
    [KR_ECONFLICT] = "conflict",
    [KR_EIO] = "io_error",
    [KR_ETIMEOUT] = "timeout",
    [KR_EUPSTREAM] = "upstream_error",
    [KR_ELIMIT] = "limit_exceeded",
    [KR_EUNSUPPORTED] = "unsupported",
    [KR_EAUTH] = "unauthorized",
    [KR_ERATELIMIT] = "rate_limited",
    [KR_EQUOTA] = "quota_exhausted",
    [KR_EINTERNAL] = "internal",
};

const char *kr_code_name(enum kr_code code)
{
    if ((unsigned)code >= KR_CODE_COUNT)
        return "unknown";
    return code_names[code];
}

static const struct slug_row {
    const char *text;
    enum kr_code code;
    int status;
    const char *meaning;
} slug_rows[KRS_COUNT] = {
#define KR_SLUG(name, text, code, status, meaning) [KRS_##name] = {text, code, status, meaning},
#include "core/err_slugs.h"
#undef KR_SLUG
};

static const struct slug_row *row_of(enum kr_slug s)
{
    return &slug_rows[(unsigned)s < KRS_COUNT ? s : KRS_INTERNAL];
}

const char *kr_slug_text(enum kr_slug s)
{
    return row_of(s)->text;
}

enum kr_code kr_slug_code(enum kr_slug s)
{
    return row_of(s)->code;
}

int kr_slug_status(enum kr_slug s)
{
    return row_of(s)->status;
}

const char *kr_slug_meaning(enum kr_slug s)
{
    return row_of(s)->meaning;
}

int kr_slug_find(const char *text)
{
    for (int i = 0; text && i < KRS_COUNT; i++)
        if (strcmp(slug_rows[i].text, text) == 0)
            return i;
    return -1;
}

enum kr_slug kr_slug_grow(enum kr_code rc)
{
    return rc == KR_ELIMIT ? KRS_TOO_LARGE : KRS_OUT_OF_MEMORY;
}

enum kr_code kr_vfail(struct kr_err *e, enum kr_slug s, const char *fmt, va_list ap)
{
    const struct slug_row *row = row_of(s);
    if (!e)
        return row->code;
    e->code = row->code;
    e->slug_id = (unsigned)s < KRS_COUNT ? s : KRS_INTERNAL;
    e->slug = row->text;
    e->retry = 0;
    if (fmt)
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    else
        snprintf(e->msg, sizeof e->msg, "%s", row->meaning);
    return row->code;
}

enum kr_code kr_fail(struct kr_err *e, enum kr_slug s, const char *fmt, ...)
{
    enum kr_code rc;
    va_list ap;
    va_start(ap, fmt);
    rc = kr_vfail(e, s, fmt, ap);
    va_end(ap);
    return rc;
}

enum kr_code kr_retryable(struct kr_err *e, enum kr_code rc)
{
    if (e && rc)
        e->retry = 1;
    return rc;
}

void kr_err_prefix(struct kr_err *e, const char *fmt, ...)
{
    char head[KR_ERR_MSG], old[KR_ERR_MSG];
    va_list ap;

    if (!e)
        return;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    {
        size_t h = strlen(head);
        if (h >= sizeof e->msg)
            h = sizeof e->msg - 1;
        memcpy(e->msg, head, h);
        size_t rest = strnlen(old, sizeof old - 1);
        if (rest > sizeof e->msg - 1 - h)
            rest = sizeof e->msg - 1 - h;
        memcpy(e->msg + h, old, rest);
        e->msg[h + rest] = '\0';
    }
}

void kr_err_clear(struct kr_err *e)
{
    if (!e)
        return;
    e->code = KR_OK;
    e->slug = NULL;
    e->msg[0] = '\0';
}
