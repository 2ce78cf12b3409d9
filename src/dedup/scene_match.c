/*
 * scene_match.c - the geometric check of the scene stage and the stored
 * form of scene keypoints (see scene.c for the signal, sig.h for sizes).
 *
 * dedup__scene_inliers(q, s): q is the photo being checked (its dense
 * multi-scale set, or its stored keypoints when it has none), s a stored
 * photo (its stored keypoints only, which is all a store or an index keeps).
 *   1. correspondences: for each stored keypoint, its nearest q keypoint
 *      within HD_MAX bits, if clearly nearer than any elsewhere (ratio test);
 *   2. every pair of correspondences of two different stored keypoints at
 *      least MIN_SPAN apart gives a similarity (2 points fix scale, turn and
 *      shift); kept only if the scale is within SCALE_MIN..SCALE_MAX and the
 *      turn within 10 degrees (a copy, not a different view);
 *   3. its inliers: stored keypoints that it brings within TOL of one of
 *      their correspondences; the best count over all proposals is the
 *      answer. At most 56 correspondences, so at most 1,540 proposals of 56
 *      checks each: well under a millisecond, done only for candidates.
 *
 * Stored form (dedup_scene_pack/unpack): byte 0 the version (1), byte 1
 * the count n (<= DEDUP_SCENE_KP), then n records of x, y, 16 descriptor
 * bytes. Anything else is refused by unpack (it reads untrusted bytes from a
 * store); an empty blob is "no keypoints" (rows from before the stage).
 */
#include "dedup/dedup_int.h"

#include <math.h>
#include <string.h>

#define HD_MAX      (DEDUP_SCENE_DESC * 2)
#define MIN_SPAN    0.08f
#define TOL         0.015f
#define SCALE_MIN   0.45f
#define SCALE_MAX   2.2f
#define COS_MIN_TURN 0.9848f /* cos(10 degrees) */
#define MAX_CORR    DEDUP_SCENE_KP
#define RATIO10     8 /* distinctive: best < 0.8 x best elsewhere */
#define PACK_VERSION 1

struct corr {
    float sx, sy, qx, qy;
    int j, q;
};

static int hamming(const uint8_t *a, const uint8_t *b)
{
    int d = 0;
    for (int i = 0; i < DEDUP_SCENE_DESC; i += 8) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        d += __builtin_popcountll(x ^ y);
    }
    return d;
}

/* Correspondences of s's stored keypoints among the n dense points qp:
 * each stored keypoint's nearest dense one within HD_MAX bits, kept only
 * if it is distinctive: nearer than RATIO x the nearest one elsewhere (more
 * than 2 TOL away; the same corner found at another level is not
 * "elsewhere"). A repeated pattern (a grid, a grating, lines of text)
 * offers as good a match one period away, so it gives none. */
static int correspond(const struct dedup_qkp *qp, int n, const struct dedup_sig *s,
                      struct corr *c)
{
    int nc = 0;
    for (int j = 0; j < s->nkp && j < DEDUP_SCENE_KP; j++) {
        int b1 = -1, d1 = HD_MAX + 1, d2 = 4 * DEDUP_SCENE_DESC * 8;
        int dist[DEDUP_SCENE_QKP];
        for (int i = 0; i < n; i++) {
            dist[i] = hamming(s->kp[j].d, qp[i].d);
            if (dist[i] < d1) {
                b1 = i;
                d1 = dist[i];
            }
        }
        if (b1 < 0)
            continue;
        for (int i = 0; i < n; i++) {
            float dx = qp[i].x - qp[b1].x, dy = qp[i].y - qp[b1].y;
            if (dist[i] < d2 && dx * dx + dy * dy > 4 * TOL * TOL)
                d2 = dist[i];
        }
        if (d1 * 10 > d2 * RATIO10)
            continue;
        c[nc++] = (struct corr){s->kp[j].x / 255.0f, s->kp[j].y / 255.0f, qp[b1].x, qp[b1].y, j, b1};
    }
    return nc;
}

/* Stored keypoints brought within TOL of a correspondence by the map
 * q = [c -s; s c] (p - a) + b, one to one: a dense keypoint counts for one
 * stored keypoint only (a generic corner near many predictions is one). */
static int inliers(const struct corr *c, int nc, float cs, float sn, const struct corr *a)
{
    uint64_t hit = 0;
    int used[MAX_CORR], nused = 0;
    for (int k = 0; k < nc; k++) {
        float px = c[k].sx - a->sx, py = c[k].sy - a->sy;
        float ex = cs * px - sn * py + a->qx - c[k].qx, ey = sn * px + cs * py + a->qy - c[k].qy;
        int dup = (hit >> c[k].j) & 1;
        for (int u = 0; u < nused && !dup; u++)
            dup = used[u] == c[k].q;
        if (dup || ex * ex + ey * ey > TOL * TOL)
            continue;
        hit |= 1ull << c[k].j;
        used[nused++] = c[k].q;
    }
    return nused;
}

int dedup__scene_inliers(const struct dedup_sig *q, const struct dedup_sig *s)
{
    struct dedup_qkp own[DEDUP_SCENE_KP];
    const struct dedup_qkp *qp = q->qkp;
    struct corr c[MAX_CORR];
    int n = q->nqkp < DEDUP_SCENE_QKP ? q->nqkp : DEDUP_SCENE_QKP, nc, best = 0;

    if (n <= 0) {
        n = q->nkp < DEDUP_SCENE_KP ? q->nkp : DEDUP_SCENE_KP;
        for (int i = 0; i < n; i++) {
            own[i].x = q->kp[i].x / 255.0f;
            own[i].y = q->kp[i].y / 255.0f;
            memcpy(own[i].d, q->kp[i].d, DEDUP_SCENE_DESC);
        }
        qp = own;
    }
    if (n <= 0 || s->nkp <= 0)
        return 0;
    nc = correspond(qp, n, s, c);
    for (int a = 0; a < nc; a++)
        for (int b = a + 1; b < nc; b++) {
            float vx = c[b].sx - c[a].sx, vy = c[b].sy - c[a].sy;
            float wx = c[b].qx - c[a].qx, wy = c[b].qy - c[a].qy;
            float l2 = vx * vx + vy * vy, cs, sn, sc;
            if (c[a].j == c[b].j || l2 < MIN_SPAN * MIN_SPAN)
                continue;
            cs = (vx * wx + vy * wy) / l2;
            sn = (vx * wy - vy * wx) / l2;
            sc = sqrtf(cs * cs + sn * sn);
            if (sc < SCALE_MIN || sc > SCALE_MAX || cs < COS_MIN_TURN * sc)
                continue;
            int k = inliers(c, nc, cs, sn, &c[a]);
            best = k > best ? k : best;
        }
    return best;
}

size_t dedup_scene_pack(const struct dedup_sig *sig, uint8_t out[DEDUP_SCENE_BYTES])
{
    int n = sig->nkp < DEDUP_SCENE_KP ? sig->nkp : DEDUP_SCENE_KP;
    uint8_t *p = out + 2;
    if (n <= 0)
        return 0;
    out[0] = PACK_VERSION;
    out[1] = (uint8_t)n;
    for (int i = 0; i < n; i++) {
        *p++ = sig->kp[i].x;
        *p++ = sig->kp[i].y;
        memcpy(p, sig->kp[i].d, DEDUP_SCENE_DESC);
        p += DEDUP_SCENE_DESC;
    }
    return (size_t)(p - out);
}

enum kr_code dedup_scene_unpack(const void *data, size_t n, struct dedup_sig *sig)
{
    const uint8_t *p = data;
    int k;
    sig->nkp = 0;
    if (n == 0)
        return KR_OK;
    if (!p || n < 2 || p[0] != PACK_VERSION)
        return KR_EINVAL;
    k = p[1];
    if (k < 1 || k > DEDUP_SCENE_KP || n != 2 + (size_t)k * (2 + DEDUP_SCENE_DESC))
        return KR_EINVAL;
    p += 2;
    for (int i = 0; i < k; i++) {
        sig->kp[i].x = *p++;
        sig->kp[i].y = *p++;
        memcpy(sig->kp[i].d, p, DEDUP_SCENE_DESC);
        p += DEDUP_SCENE_DESC;
    }
    sig->nkp = k;
    return KR_OK;
}
