/*
 * sig.h - the plain data of a photo's signature, without the code that
 * computes it.
 *
 * Stores and indexes keep and compare signatures but never decode pixels, so
 * they include this header only: it pulls in no image library. dedup.h
 * (which computes signatures from image/ pixels and holds the duplicate
 * rule) includes it.
 */
#ifndef KARAT_DEDUP_SIG_H
#define KARAT_DEDUP_SIG_H

#include <stdint.h>

#define DEDUP_HASH_BYTES 32
#define DEDUP_DESC_DIM   64

/* Most rotation probes a signature carries (see dedup_match). */
#define DEDUP_PROBES 4

/* The hash and descriptor of the item turned by a small angle. */
struct dedup_probe {
    uint8_t hash[DEDUP_HASH_BYTES];
    float desc[DEDUP_DESC_DIM];
};

struct dedup_sig {
    uint8_t hash[DEDUP_HASH_BYTES]; /* PDQ bits of the trimmed item */
    int quality;                    /* PDQ quality 0..100 */
    float desc[DEDUP_DESC_DIM];     /* L2-normalised descriptor */
    /* Rotation probes: set by dedup_compute() for a photo being checked,
     * never stored (a signature read back from a store has none). */
    int nprobes;
    struct dedup_probe probe[DEDUP_PROBES];
};

#endif
