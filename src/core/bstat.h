/*
 * bstat.h - how each backend answers: calls, failures and latency of every
 * call this process makes to its store ("store"), its blob store ("blob")
 * and each AI provider ("gemini", "openai"), for /metrics (a latency
 * histogram and error counters per backend) and /health.
 *
 * The modules that call a backend time each call themselves
 * (bstat_done() around the call); readers take a consistent copy with
 * bstat_snapshot(). A fixed table (BSTAT_MAX names) under one mutex: a name
 * past it is dropped, never grown. A failure is a backend's own: "not
 * found", a conflict, a refused argument or a local limit are answers, not
 * failures.
 */
#ifndef KARAT_CORE_BSTAT_H
#define KARAT_CORE_BSTAT_H

#include <stdint.h>

#include "core/err.h"

#define BSTAT_MAX     16
#define BSTAT_BUCKETS 12

/* Upper bounds (ms) of the histogram buckets; one more bucket is +Inf. */
extern const double bstat_bucket_ms[BSTAT_BUCKETS];

struct bstat {
    char name[32];
    uint64_t calls, errors;
    uint64_t bucket[BSTAT_BUCKETS + 1]; /* calls per bucket (not cumulative) */
    double sum_ms, last_ms;
    int64_t last_error_epoch_ms; /* 0: none yet */
};

/* The start of a timed call (monotonic milliseconds). */
double bstat_start(void);
/* Record a call to backend that began at t0 and ended with rc; returns rc. */
enum kr_code bstat_done(const char *backend, double t0, enum kr_code rc);
/* An expression worth call's kr_code: t0 (a local double) set, call made,
 * then recorded under backend (the comma sequences t0 before the call). */
#define BSTAT_TIMED(backend, t0, call) ((t0) = bstat_start(), bstat_done((backend), (t0), (call)))
/* Record a call that took ms, failed or not. */
void bstat_observe(const char *backend, double ms, int failed);
/* Copy up to max series into out (in first-seen order); returns how many. */
int bstat_snapshot(struct bstat *out, int max);
/* One backend's series into out; 0, or -1 if it has none yet. */
int bstat_get(const char *backend, struct bstat *out);

#endif
