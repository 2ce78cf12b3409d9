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

/* Second stage, for scenes (no item separable from its background; see
 * src/dedup/scene.c): corner keypoints with 256-bit binary descriptors.
 * Positions are in units of the analysed region's long side (0..1). */
#define DEDUP_SCENE_DESC  16  /* bytes of one descriptor */
#define DEDUP_SCENE_KP    56  /* keypoints stored per photo */
#define DEDUP_SCENE_QKP   200 /* keypoints of a photo being checked (never stored) */
/* Stored form: version byte, count byte, then per keypoint x, y (1/255 of
 * the long side) and the descriptor: at most 2 + 56 * 18 = 1010 bytes. */
#define DEDUP_SCENE_BYTES (2 + DEDUP_SCENE_KP * (2 + DEDUP_SCENE_DESC))

struct dedup_kp {
    uint8_t x, y; /* position, 1/255 of the long side */
    uint8_t d[DEDUP_SCENE_DESC];
};

struct dedup_qkp {
    float x, y; /* position, units of the long side */
    uint8_t d[DEDUP_SCENE_DESC];
};

struct dedup_sig {
    uint8_t hash[DEDUP_HASH_BYTES]; /* PDQ bits of the trimmed item */
    int quality;                    /* PDQ quality 0..100 */
    float desc[DEDUP_DESC_DIM];     /* L2-normalised descriptor */
    /* Rotation probes: set by dedup_compute() for a photo being checked,
     * never stored (a signature read back from a store has none). */
    int nprobes;
    struct dedup_probe probe[DEDUP_PROBES];
    /* Scene keypoints (stored; nkp 0 for catalog shots and for rows signed
     * before the second stage existed, which then skip it). */
    int nkp;
    struct dedup_kp kp[DEDUP_SCENE_KP];
    /* The denser multi-scale set of a photo being checked: set by
     * dedup_compute() for scenes, never stored (like the probes). */
    int nqkp;
    struct dedup_qkp qkp[DEDUP_SCENE_QKP];
};

#endif
