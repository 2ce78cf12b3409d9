/*
 * bstat.c - per-backend call statistics (bstat.h): a fixed table of named
 * series under one mutex, found by a linear scan (a handful of names).
 */
#include "core/bstat.h"

#include <pthread.h>
#include <string.h>

#include "core/util.h"

const double bstat_bucket_ms[BSTAT_BUCKETS] = {1,   5,   10,   25,   50,   100,
                                               250, 500, 1000, 2500, 5000, 10000};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct bstat table[BSTAT_MAX];
static int used;

double bstat_start(void)
{
    return util_now_ms();
}

/* Codes that are answers from a working backend, not its failures. */
static int is_failure(enum kr_code rc)
{
    switch (rc) {
    case KR_OK:
    case KR_EINVAL:
    case KR_ENOTFOUND:
    case KR_ECONFLICT:
    case KR_ELIMIT:
    case KR_EUNSUPPORTED:
        return 0;
    default:
        return 1;
    }
}

enum kr_code bstat_done(const char *backend, double t0, enum kr_code rc)
{
    bstat_observe(backend, util_now_ms() - t0, is_failure(rc));
    return rc;
}

/* The series of name (made on first use); NULL when the table is full. */
static struct bstat *series(const char *name)
{
    for (int i = 0; i < used; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    if (used == BSTAT_MAX)
        return NULL;
    util_strlcpy(table[used].name, name, sizeof table[used].name);
    return &table[used++];
}

void bstat_observe(const char *backend, double ms, int failed)
{
    struct bstat *s;
    int b = 0;

    if (!backend || !*backend)
        return;
    if (ms < 0)
        ms = 0;
    while (b < BSTAT_BUCKETS && ms > bstat_bucket_ms[b])
        b++;
    pthread_mutex_lock(&mu);
    s = series(backend);
    if (s) {
        s->calls++;
        s->bucket[b]++;
        s->sum_ms += ms;
        s->last_ms = ms;
        if (failed) {
            s->errors++;
            s->last_error_epoch_ms = util_epoch_ms();
        }
    }
    pthread_mutex_unlock(&mu);
}

int bstat_snapshot(struct bstat *out, int max)
{
    int n;
    pthread_mutex_lock(&mu);
    n = used < max ? used : max;
    if (n > 0)
        memcpy(out, table, (size_t)n * sizeof *out);
    pthread_mutex_unlock(&mu);
    return n < 0 ? 0 : n;
}

int bstat_get(const char *backend, struct bstat *out)
{
    int rc = -1;
    pthread_mutex_lock(&mu);
    for (int i = 0; i < used && rc; i++)
        if (strcmp(table[i].name, backend) == 0) {
            *out = table[i];
            rc = 0;
        }
    pthread_mutex_unlock(&mu);
    return rc;
}
