/*
 * dedup_int.h - the steps of the signature, shared by the files of the
 * dedup module and exposed to its unit tests (not to other modules).
 *
 *   dedup.c   public API: decode, compute, rule, hex
 *   trim.c    find the item: background colour from the border, bounding box
 *   pdq.c     PDQ-style hash of a luma plane (Jarosz blur, 64x64, DCT, median)
 *   desc.c    the 64-float descriptor of the item
 *   scene.c   scene keypoints (second stage), scene_match.c their check
 */
#ifndef KARAT_DEDUP_DEDUP_INT_H
#define KARAT_DEDUP_DEDUP_INT_H

#include <stdint.h>

#include "dedup/dedup.h"

#define DEDUP_PDQ_SIDE 64

/* ---- trim.c ---- */

/* Half-open box [x0, x1) x [y0, y1) in pixels of the analysed image. */
struct dedup_box {
    int x0, y0, x1, y1;
    int trimmed;         /* 1 if a background was found and cut away */
    int solid;           /* trimmed, and the item fills its box (a pasted photo) */
    unsigned char bg[3]; /* estimated background colour */
    /* Moments of the item (trimmed only): centre and spread (standard
     * deviation) in pixels, from soft item weights. Unlike the box, they
     * barely move when the item turns a few degrees. */
    float cx, cy, sx, sy;
    /* Trimmed only: the share of the item's pixels on its edge (a
     * 4-neighbour is background). Near 1 for content drawn in strokes one
     * or two pixels thick (a page of text), low for an item (measured:
     * 0.77-0.82 for rendered pages of text and their copies, at most 0.24
     * for the 350 objects and coins of the development set). */
    float thin;
};

/* Find the item in interleaved RGB (3 bytes per pixel, rows of `stride`
 * bytes): estimate the background from the border ring, mark pixels that
 * differ from it, drop small specks and far-away small marks (watermarks in
 * a corner), and return the bounding box plus a margin. When no uniform
 * background is found the box is the whole image. */
void dedup__trim(const unsigned char *rgb, int w, int h, int stride, struct dedup_box *box);

/* ---- pdq.c ---- */

/* PDQ's partial DCT: coefficients 1..16 of each axis of a 64x64 block. */
void dedup__dct64to16(const float in[DEDUP_PDQ_SIDE * DEDUP_PDQ_SIDE], float out[16 * 16]);

/* Blur (two X,Y passes of Jarosz box filters) and decimate a rows x cols
 * float plane to 64x64. `work` must hold (rows + 1) * cols floats;
 * `plane` is overwritten. */
void dedup__pdq_downscale(float *plane, float *work, int rows, int cols,
                         float out[DEDUP_PDQ_SIDE * DEDUP_PDQ_SIDE]);

/* PDQ quality (0..100) of a 64x64 buffer: the gradient sum / 90. */
int dedup__pdq_quality(const float buf[DEDUP_PDQ_SIDE * DEDUP_PDQ_SIDE]);

/* Bits of a 16x16 coefficient block: coef > median, PDQ's bit order, stored
 * so that the hex of the 32 bytes equals PDQ's hex string. */
void dedup__pdq_bits(const float coef[16 * 16], uint8_t hash[DEDUP_HASH_BYTES]);

/* The whole hash of a 64x64 buffer (DCT + bits) and its quality. */
void dedup__pdq_hash64(const float buf[DEDUP_PDQ_SIDE * DEDUP_PDQ_SIDE],
                      uint8_t hash[DEDUP_HASH_BYTES], int *quality);

/* ---- desc.c ---- */

/* The descriptor of the item: `luma64` is the 64x64 PDQ buffer of the
 * trimmed item, `rgb` the analysed image and `box` the item found in it. */
void dedup__describe(const float luma64[DEDUP_PDQ_SIDE * DEDUP_PDQ_SIDE], const unsigned char *rgb,
                    int stride, const struct dedup_box *box, float desc[DEDUP_DESC_DIM]);

/* The descriptor of the item turned by a probe angle: the layout part from
 * the turned 64x64 buffer `luma64`, the rest (colour, aspect) as in the
 * item's own descriptor `canon`. */
void dedup__describe_turned(const float luma64[DEDUP_PDQ_SIDE * DEDUP_PDQ_SIDE],
                           const struct dedup_box *box, const float canon[DEDUP_DESC_DIM],
                           float desc[DEDUP_DESC_DIM]);

/* ---- scene.c, scene_match.c ---- */

/* Scene keypoints of the analysed w x h image (rows of w * 3 bytes), given
 * the trim step's box: the stored set and the dense set of a photo being
 * checked into out->kp / out->qkp, or fewer / none for a catalog shot
 * (scene.c decides). Returns 0, -1 if out of memory. */
int dedup__scene(const unsigned char *rgb, int w, int h, const struct dedup_box *box,
                 struct dedup_sig *out);

/* Inliers of the best similarity between q's dense keypoints (its stored
 * ones if it has none) and s's stored keypoints; 0 if either has none. */
int dedup__scene_inliers(const struct dedup_sig *q, const struct dedup_sig *s);

#endif
