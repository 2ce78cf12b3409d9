/*
 * err.c - filling and naming `struct kr_err` (see err.h).
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

enum kr_code kr_vfail(struct kr_err *e, enum kr_code code, const char *slug, const char *fmt,
                      va_list ap)
{
    if (!e)
        return code;
    e->code = code;
    e->retry = 0;
    e->slug = slug ? slug : kr_code_name(code);
    if (fmt)
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    else
        snprintf(e->msg, sizeof e->msg, "%s", kr_code_name(code));
    return code;
}

enum kr_code kr_fail(struct kr_err *e, enum kr_code code, const char *slug, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kr_vfail(e, code, slug, fmt, ap);
    va_end(ap);
    return code;
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
