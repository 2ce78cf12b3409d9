/*
 * fault.c - the rule table behind the fault-injecting backends (see fault.h).
 *
 * A small fixed table of rules under one mutex; each decorated call asks
 * fault_check() with its op name. Rules count the calls they match from the
 * moment they are armed, so "the 2nd blob.stat" means the 2nd one after
 * fault_arm(), whatever ran before.
 */
#include "fault.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob/blob.h"
#include "store/store.h"

#define FAULT_RULES 16

struct rule {
    char op[48];
    int nth; /* 0 = every call */
    long seen, fired;
    enum kr_code code;
};

static struct rule rules[FAULT_RULES];
static int nrules;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void fault_arm(const char *op, int nth, enum kr_code code)
{
    pthread_mutex_lock(&lock);
    if (nrules < FAULT_RULES) {
        struct rule *r = &rules[nrules++];
        memset(r, 0, sizeof *r);
        snprintf(r->op, sizeof r->op, "%s", op);
        r->nth = nth < 0 ? 0 : nth;
        r->code = code;
    }
    pthread_mutex_unlock(&lock);
}

void fault_reset(void)
{
    pthread_mutex_lock(&lock);
    nrules = 0;
    pthread_mutex_unlock(&lock);
}

long fault_fired(const char *op)
{
    long n = 0;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < nrules; i++)
        if (strcmp(rules[i].op, op) == 0)
            n += rules[i].fired;
    pthread_mutex_unlock(&lock);
    return n;
}

/* The slug an injected failure of `code` carries: "injected_fault" for an
 * I/O failure (the usual case), else a real slug with that code. */
static enum kr_slug injected_slug(enum kr_code code)
{
    static const enum kr_slug by_code[KR_CODE_COUNT] = {
        [KR_ENOMEM] = KRS_OUT_OF_MEMORY,
        [KR_EINVAL] = KRS_BAD_ARGUMENT,
        [KR_ENOTFOUND] = KRS_NOT_FOUND,
        [KR_ECONFLICT] = KRS_STORE_CONFLICT,
        [KR_EIO] = KRS_INJECTED_FAULT,
        [KR_ETIMEOUT] = KRS_TIMEOUT,
        [KR_EUPSTREAM] = KRS_UPSTREAM_UNREACHABLE,
        [KR_ELIMIT] = KRS_TOO_LARGE,
        [KR_EUNSUPPORTED] = KRS_UNSUPPORTED,
        [KR_EAUTH] = KRS_UNAUTHORIZED,
        [KR_ERATELIMIT] = KRS_BUSY,
        [KR_EQUOTA] = KRS_AI_QUOTA,
        [KR_EINTERNAL] = KRS_INTERNAL,
    };
    return (unsigned)code < KR_CODE_COUNT && code != KR_OK ? by_code[code] : KRS_INTERNAL;
}

enum kr_code fault_check(const char *op, struct kr_err *err)
{
    enum kr_code code = KR_OK;

    pthread_mutex_lock(&lock);
    for (int i = 0; i < nrules && code == KR_OK; i++) {
        struct rule *r = &rules[i];
        if (strcmp(r->op, op) != 0)
            continue;
        r->seen++;
        if (r->nth == 0 || r->seen == r->nth) {
            r->fired++;
            code = r->code;
        }
    }
    pthread_mutex_unlock(&lock);
    if (code == KR_OK)
        return KR_OK;
    return kr_fail(err, injected_slug(code), "injected fault: %s failed (%s)", op,
                   kr_code_name(code));
}

static int code_named(const char *name, size_t n, enum kr_code *out)
{
    for (int c = KR_ENOMEM; c < KR_CODE_COUNT; c++) {
        const char *cn = kr_code_name((enum kr_code)c);
        if (strlen(cn) == n && strncmp(cn, name, n) == 0) {
            *out = (enum kr_code)c;
            return 0;
        }
    }
    return -1;
}

/* One "op=N:code" item into r; 0 or -1. */
static int parse_item(const char *s, size_t n, struct rule *r)
{
    const char *eq = memchr(s, '=', n), *colon = memchr(s, ':', n);
    char *end;

    if (!eq || !colon || colon < eq || (size_t)(eq - s) >= sizeof r->op || eq == s)
        return -1;
    memset(r, 0, sizeof *r);
    memcpy(r->op, s, (size_t)(eq - s));
    if (eq[1] == '*' && eq + 2 == colon)
        r->nth = 0;
    else if ((r->nth = (int)strtol(eq + 1, &end, 10)) < 1 || end != colon)
        return -1;
    return code_named(colon + 1, n - (size_t)(colon + 1 - s), &r->code);
}

int fault_arm_spec(const char *spec)
{
    struct rule parsed[FAULT_RULES];
    int n = 0;

    for (const char *p = spec; p && *p;) {
        size_t len = strcspn(p, ",");
        if (len && (n == FAULT_RULES || parse_item(p, len, &parsed[n++])))
            return -1;
        p += len + (p[len] == ',');
    }
    for (int i = 0; i < n; i++)
        fault_arm(parsed[i].op, parsed[i].nth, parsed[i].code);
    return 0;
}

extern const struct blob_ops fault_blob_ops;
extern const struct store_ops fault_store_ops;

void fault_register(void)
{
    blob_backend_add(&fault_blob_ops, NULL);
    store_backend_add(&fault_store_ops, NULL);
}
