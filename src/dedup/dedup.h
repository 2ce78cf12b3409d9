/*
 * dedup.h - the signature of one photo and the duplicate rule.
 *
 * A signature is computed from decoded pixels (image/): the item is found
 * first (near-uniform background trimmed), then a PDQ-style 256-bit hash
 * with its quality, plus a normalised float descriptor used both as the
 * second signal of the duplicate rule (so two different but similar items
 * are not called duplicates) and for "similar images" ranking with
 * inner-product scores. Exact byte duplicates are caught earlier by sha256
 * (see repo/).
 *
 * The rule is one function, dedup_match(), used by the server, the CLI
 * (`karat dedup`) and the benchmarks alike. The signature's plain data
 * (struct dedup_sig) is in dedup/sig.h, for code that only keeps it.
 */
#ifndef KARAT_DEDUP_DEDUP_H
#define KARAT_DEDUP_DEDUP_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "dedup/sig.h"
#include "image/image.h"

struct dedup_rule {
    int hash_max;   /* largest Hamming distance that may match */
    float desc_min; /* smallest descriptor inner product that may match */
    int scene_min;  /* fewest scene keypoint inliers that make a match */
    /* Index only: how many stored scene photos (most keypoint votes
     * first, src/index/embedded_vote.c) a duplicate check verifies with
     * the second stage; 0 (the
     * default here; the server sets KARAT_DEDUP_SCENE_CANDIDATES) = none. */
    int scene_candidates;
};

/* The calibrated defaults (see docs/BENCHMARKS.md); overrides < 0 keep them. */
void dedup_rule_default(struct dedup_rule *rule, int hash_max_override, double desc_min_override);

/* Longest side dedup wants from image_load() (shrink-on-load target). */
int dedup_load_side(void);

enum kr_code dedup_compute(const struct image_px *px, struct dedup_sig *out, struct kr_err *err);
/* Decode (bounded by max_pixels) and compute in one call; info may be NULL. */
enum kr_code dedup_compute_bytes(const void *data, size_t n, long long max_pixels,
                                 struct dedup_sig *out, struct image_info *info,
                                 struct kr_err *err);

int dedup_hash_distance(const uint8_t a[DEDUP_HASH_BYTES], const uint8_t b[DEDUP_HASH_BYTES]);
float dedup_desc_score(const float a[DEDUP_DESC_DIM], const float b[DEDUP_DESC_DIM]);

/* 1 if a and b are the same photo by the rule: hash distance <= hash_max
 * and descriptor score >= desc_min, for a and b themselves or for one of
 * a's rotation probes against b, or one of b's against a (nothing else, so
 * a hash range query of radius hash_max per probe finds every candidate).
 * *distance (may be NULL) gets 1 - the best descriptor score among the
 * combinations that match (of a and b themselves if none does), the number
 * reported to clients.
 * Second stage, only when the first finds no match and both carry scene
 * keypoints: a's dense set (or, if a has none, b's) against the other's
 * stored keypoints, a match with at least scene_min inliers. The index
 * runs the same check on its candidates: the new photo is a. */
int dedup_match(const struct dedup_sig *a, const struct dedup_sig *b, const struct dedup_rule *rule,
                float *distance);

/* The second stage alone (dedup_match calls it when the first fails):
 * the inliers of the best similarity (a's dense keypoints against b's
 * stored ones, or b's dense against a's when only b has a dense set; 0 when
 * either has no keypoints), and whether they reach rule->scene_min. */
int dedup_scene_inliers(const struct dedup_sig *a, const struct dedup_sig *b);
int dedup_scene_match(const struct dedup_sig *a, const struct dedup_sig *b,
                      const struct dedup_rule *rule);

/* The stored form of a signature's scene keypoints (sig.h): pack writes
 * at most DEDUP_SCENE_BYTES and returns the length, 0 when there are none;
 * unpack reads untrusted bytes (0 bytes: none) and refuses anything
 * malformed with KR_EINVAL, setting sig->nkp and sig->kp only. */
size_t dedup_scene_pack(const struct dedup_sig *sig, uint8_t out[DEDUP_SCENE_BYTES]);
enum kr_code dedup_scene_unpack(const void *data, size_t n, struct dedup_sig *sig);

/* Hex form of the hash (64 chars + NUL) and back. */
void dedup_hash_hex(const uint8_t hash[DEDUP_HASH_BYTES], char out[65]);
enum kr_code dedup_hash_parse(const char *hex, uint8_t out[DEDUP_HASH_BYTES]);

#endif
