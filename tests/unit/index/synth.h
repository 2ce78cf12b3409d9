/*
 * synth.h - synthetic signatures for the index tests (random 256-bit hashes,
 * random unit descriptors, near copies at a chosen distance and score),
 * independent of dedup_compute. Deterministic: one xorshift stream per test
 * program.
 */
#ifndef KARAT_TEST_INDEX_SYNTH_H
#define KARAT_TEST_INDEX_SYNTH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "dedup/dedup.h"

static uint64_t rng_state = 88172645463325252ULL;

static inline uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static inline double gauss(void)
{
    double u = ((double)(rnd() >> 11) + 1) / 9007199254740993.0;
    double v = (double)(rnd() >> 11) / 9007199254740992.0;
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

static inline void normalise(float *x)
{
    double n = 0;
    for (int i = 0; i < DEDUP_DESC_DIM; i++)
        n += (double)x[i] * x[i];
    n = sqrt(n);
    for (int i = 0; i < DEDUP_DESC_DIM; i++)
        x[i] = (float)(x[i] / n);
}

static inline void random_unit(float *x)
{
    for (int i = 0; i < DEDUP_DESC_DIM; i++)
        x[i] = (float)gauss();
    normalise(x);
}

static inline void random_hash(uint8_t *h)
{
    for (int i = 0; i < DEDUP_HASH_BYTES; i++)
        h[i] = (uint8_t)rnd();
}

/* A stored-style signature: random hash and descriptor, no probes. */
static inline void random_sig(struct dedup_sig *s)
{
    memset(s, 0, sizeof *s);
    random_hash(s->hash);
    s->quality = 100;
    random_unit(s->desc);
}

static inline float dot(const float *a, const float *b)
{
    double s = 0;
    for (int i = 0; i < DEDUP_DESC_DIM; i++)
        s += (double)a[i] * b[i];
    return (float)s;
}

/* A unit vector whose inner product with unit x is exactly-ish c. */
static inline void at_score(const float *x, double c, float *y)
{
    float u[DEDUP_DESC_DIM];
    random_unit(u);
    double p = dot(u, x);
    for (int i = 0; i < DEDUP_DESC_DIM; i++)
        u[i] = (float)(u[i] - p * x[i]);
    normalise(u);
    for (int i = 0; i < DEDUP_DESC_DIM; i++)
        y[i] = (float)(c * x[i] + sqrt(1 - c * c) * u[i]);
}

/* Flip nbits distinct bits of h. */
static inline void flip_bits(uint8_t *h, int nbits)
{
    int done = 0;
    uint8_t seen[DEDUP_HASH_BYTES * 8] = {0};
    while (done < nbits) {
        int b = (int)(rnd() % (DEDUP_HASH_BYTES * 8));
        if (seen[b])
            continue;
        seen[b] = 1;
        h[b / 8] ^= (uint8_t)(1u << (b % 8));
        done++;
    }
}

#endif
