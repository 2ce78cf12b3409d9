/*
 * dedup.c - signature of a photo and the duplicate rule (see dedup.h).
 *
 * dedup_compute(): pixels -> (alpha on white, oversized input box-reduced)
 * -> trim.c finds the item -> the item's frame (hash_box below) -> its
 * luma goes through pdq.c (hash + quality) -> desc.c builds the descriptor
 * from the same 64x64 buffer and the item's colours.
 *
 * Mapping the item to PDQ's square: the frame is stretched, like PDQ
 * stretches every image (its reference resizes to 512x512 ignoring aspect),
 * but never more than ASPECT_MAX:1 (the short side is widened with the
 * background colour), and the aspect ratio stretching throws away is kept in
 * the descriptor. Padding every item to a square would spend hash bits on
 * background.
 *
 * Rotation probes. PDQ bits of fine detail (textures, print, long thin
 * items) flip when a copy is turned by a degree or two. So a signature
 * computed here also carries the hash and descriptor of the same 64x64
 * buffer turned by a few small angles (turn64: bilinear, an affine map of
 * the grid because the frame was stretched to the square); they cost about
 * 0.1 ms and are never stored. A turned copy then meets one of the
 * original's stored hash through the probe nearest its angle.
 *
 * The rule (dedup_match): duplicate iff, for the pair itself or for one
 * probe of either photo against the other's own hash and descriptor, hash
 * distance <= hash_max AND descriptor score >= desc_min. Nothing else:
 * PDQ's quality-50 gate was not used, because trimmed small or smooth items are exactly the catalog
 * case it would drop, and the development set shows no false positive
 * without it. Both thresholds were calibrated on the development set
 * (bench/dedup_quality.sh --sweep; docs/BENCHMARKS.md): the descriptor
 * threshold is set by the look-alike euro coins, the hash threshold by 2
 * degree rotations. A range query on the hash (radius hash_max) for the
 * photo and each probe, followed by the descriptor test, finds every match
 * (index/ does exactly that with the new photo's probes).
 *
 * dedup_compute_bytes() decodes with image_load() at dedup_load_side(), but
 * accepts anything from half that size up, so a JPEG is usually served by
 * the DCT shrink-on-load alone (no resampling pass).
 */
#include "dedup/dedup_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LOAD_SIDE    512
#define WORK_MAX     1024 /* larger pixel buffers are box-reduced first */
#define MIN_HASHABLE 5
#define ASPECT_MAX   2
#define FRAME_K      2.0

/* Calibrated on the development set (docs/BENCHMARKS.md, "Duplicate
 * detection quality"); bench/dedup_quality.sh re-derives them. */
#define RULE_HASH_MAX 72
#define RULE_DESC_MIN 0.975f
#define RULE_SCENE_MIN 8

/* Rotation probes, degrees, both ways: spaced so a copy turned by up to
 * about 4 degrees either way is within 0.75 degrees of one (a 64x64 PDQ
 * buffer tolerates that, docs/BENCHMARKS.md). */
static const double probe_deg[DEDUP_PROBES] = {-1.5, 1.5, -3, 3};

int dedup_load_side(void)
{
    return LOAD_SIDE;
}

void dedup_rule_default(struct dedup_rule *rule, int hash_max_override, double desc_min_override)
{
    rule->hash_max = hash_max_override >= 0 ? hash_max_override : RULE_HASH_MAX;
    rule->desc_min = desc_min_override >= 0 ? (float)desc_min_override : RULE_DESC_MIN;
    rule->scene_min = RULE_SCENE_MIN;
    rule->scene_candidates = 0;
}

/* An RGB copy of px that dedup can work on: alpha flattened onto white and
 * at most WORK_MAX on the longest side (integer box reduction). *out stays
 * NULL when px can be used as is. Returns 0, or -1 if out of memory. */
static int working_copy(const struct image_px *px, unsigned char **out, int *w, int *h)
{
    int f = 1, longest = px->width > px->height ? px->width : px->height;
    unsigned char *o;

    *out = NULL;
    while (longest / f > WORK_MAX)
        f++;
    if (f == 1 && px->bands == 3)
        return 0;
    *w = px->width / f;
    *h = px->height / f;
    o = malloc((size_t)*w * *h * 3);
    if (!o)
        return -1;
    for (int y = 0; y < *h; y++)
        for (int x = 0; x < *w; x++) {
            unsigned int acc[3] = {0, 0, 0};
            for (int dy = 0; dy < f; dy++) {
                const unsigned char *p =
                    px->data + (((size_t)(y * f + dy) * px->width) + (size_t)x * f) * px->bands;
                for (int dx = 0; dx < f; dx++, p += px->bands) {
                    unsigned int a = px->bands == 4 ? p[3] : 255;
                    for (int c = 0; c < 3; c++)
                        acc[c] += (p[c] * a + 255 * (255 - a) + 127) / 255;
                }
            }
            for (int c = 0; c < 3; c++)
                o[((size_t)y * *w + x) * 3 + c] = (unsigned char)(acc[c] / (unsigned)(f * f));
        }
    *out = o;
    return 0;
}

/* The part of the image that is hashed. Scenes: all of it; a photo pasted
 * on a plain canvas ("solid" item): its box, no margin. A trimmed item:
 * a frame centred on the item's centroid, FRAME_K standard deviations each
 * way (a filled rectangle needs 1.73, a disc 2), at most ASPECT_MAX
 * elongated (the short side widened, beyond the image if need be, where the
 * background colour is used). Stretching a 5:1 bracelet to the square
 * would turn a one-pixel change of its frame into a 5 % shift; and a frame
 * from moments rather than the box barely moves when the item is rotated a
 * few degrees. */
static void hash_box(const struct dedup_box *b, struct dedup_box *v)
{
    double hx, hy;
    *v = *b;
    if (!b->trimmed || b->solid)
        return;
    hx = FRAME_K * b->sx;
    hy = FRAME_K * b->sy;
    if (hx > ASPECT_MAX * hy)
        hy = hx / ASPECT_MAX;
    else if (hy > ASPECT_MAX * hx)
        hx = hy / ASPECT_MAX;
    hx = hx < MIN_HASHABLE ? MIN_HASHABLE : hx;
    hy = hy < MIN_HASHABLE ? MIN_HASHABLE : hy;
    v->x0 = (int)lround(b->cx - hx);
    v->x1 = (int)lround(b->cx + hx);
    v->y0 = (int)lround(b->cy - hy);
    v->y1 = (int)lround(b->cy + hy);
}

/* Luma (PDQ's weights) of box v of the image; outside the image, the
 * background. */
static void luma_plane(const unsigned char *rgb, int w, int h, const struct dedup_box *v,
                       float *plane)
{
    int vw = v->x1 - v->x0, vh = v->y1 - v->y0;
    float bg = 0.299f * v->bg[0] + 0.587f * v->bg[1] + 0.114f * v->bg[2];
    for (int y = 0; y < vh; y++) {
        int iy = v->y0 + y;
        float *o = plane + (size_t)y * vw;
        for (int x = 0; x < vw; x++) {
            int ix = v->x0 + x;
            const unsigned char *p = rgb + ((size_t)iy * w + ix) * 3;
            o[x] = iy < 0 || iy >= h || ix < 0 || ix >= w
                       ? bg
                       : 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
        }
    }
}

/* Find the item (trim) and fill the 64x64 PDQ buffer of its frame (the
 * luma of the hashed region, blurred and decimated); *frame is that region
 * in pixels. Returns 1, 0 if the region is too small to hash (the buffer is
 * still filled), -1 if out of memory. */
static int item_buffer(const unsigned char *rgb, int w, int h, struct dedup_box *box,
                       float buf64[DEDUP_PDQ_SIDE * DEDUP_PDQ_SIDE], struct dedup_box *frame)
{
    int fw, fh;
    float *plane;

    dedup__trim(rgb, w, h, w * 3, box);
    hash_box(box, frame);
    fw = frame->x1 - frame->x0;
    fh = frame->y1 - frame->y0;
    /* the plane, then the work area dedup__pdq_downscale() needs */
    plane = malloc((size_t)(2 * fh + 1) * fw * sizeof *plane);
    if (!plane)
        return -1;
    luma_plane(rgb, w, h, frame, plane);
    dedup__pdq_downscale(plane, plane + (size_t)fw * fh, fh, fw, buf64);
    free(plane);
    return fw >= MIN_HASHABLE && fh >= MIN_HASHABLE;
}

/* Bilinear sample of the 64x64 buffer at (x, y), clamped to its edges. */
static float sample64(const float *b, float x, float y)
{
    const float hi = DEDUP_PDQ_SIDE - 1;
    x = x < 0 ? 0 : x > hi ? hi : x;
    y = y < 0 ? 0 : y > hi ? hi : y;
    int x0 = (int)x, y0 = (int)y;
    int x1 = x0 < DEDUP_PDQ_SIDE - 1 ? x0 + 1 : x0, y1 = y0 < DEDUP_PDQ_SIDE - 1 ? y0 + 1 : y0;
    float fx = x - x0, fy = y - y0;
    float top = b[y0 * DEDUP_PDQ_SIDE + x0] * (1 - fx) + b[y0 * DEDUP_PDQ_SIDE + x1] * fx;
    float bot = b[y1 * DEDUP_PDQ_SIDE + x0] * (1 - fx) + b[y1 * DEDUP_PDQ_SIDE + x1] * fx;
    return top * (1 - fy) + bot * fy;
}

/* The 64x64 buffer of a frame fw x fh pixels, turned by deg degrees about
 * its centre (in pixel space: the buffer is the frame stretched to a
 * square, so the turn is an affine map of the grid). */
static void turn64(const float *in, int fw, int fh, double deg, float *out)
{
    const double c = cos(deg * M_PI / 180), s = sin(deg * M_PI / 180);
    const double gx = fw / (double)DEDUP_PDQ_SIDE, gy = fh / (double)DEDUP_PDQ_SIDE;
    const double mid = DEDUP_PDQ_SIDE / 2.0;
    for (int v = 0; v < DEDUP_PDQ_SIDE; v++)
        for (int u = 0; u < DEDUP_PDQ_SIDE; u++) {
            double px = (u + 0.5 - mid) * gx, py = (v + 0.5 - mid) * gy;
            double qx = c * px - s * py, qy = s * px + c * py;
            out[v * DEDUP_PDQ_SIDE + u] =
                sample64(in, (float)(qx / gx + mid - 0.5), (float)(qy / gy + mid - 0.5));
        }
}

static void add_probes(const float *buf64, const struct dedup_box *box,
                       const struct dedup_box *frame, struct dedup_sig *out)
{
    int fw = frame->x1 - frame->x0, fh = frame->y1 - frame->y0;
    float turned[DEDUP_PDQ_SIDE * DEDUP_PDQ_SIDE];
    for (int i = 0; i < DEDUP_PROBES; i++) {
        turn64(buf64, fw, fh, probe_deg[i], turned);
        dedup__pdq_hash64(turned, out->probe[i].hash, NULL);
        dedup__describe_turned(turned, box, out->desc, out->probe[i].desc);
    }
    out->nprobes = DEDUP_PROBES;
}

static enum kr_code signature(const unsigned char *rgb, int w, int h, struct dedup_sig *out,
                              struct kr_err *err)
{
    struct dedup_box box, frame;
    float buf64[DEDUP_PDQ_SIDE * DEDUP_PDQ_SIDE];
    int ok = item_buffer(rgb, w, h, &box, buf64, &frame);

    if (ok < 0)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "dedup: no memory for a %dx%d image", w, h);
    if (ok) {
        dedup__pdq_hash64(buf64, out->hash, &out->quality);
    } else {
        memset(out->hash, 0, sizeof out->hash);
        out->quality = 0;
    }
    dedup__describe(buf64, rgb, w * 3, &box, out->desc);
    if (ok)
        add_probes(buf64, &box, &frame, out);
    if (dedup__scene(rgb, w, h, &box, out))
        return kr_fail(err, KRS_OUT_OF_MEMORY, "dedup: no memory for scene keypoints");
    return KR_OK;
}

enum kr_code dedup_compute(const struct image_px *px, struct dedup_sig *out, struct kr_err *err)
{
    unsigned char *copy;
    int w = 0, h = 0;
    enum kr_code rc;

    memset(out, 0, sizeof *out);
    if (!px || !px->data || px->width <= 0 || px->height <= 0 || (px->bands != 3 && px->bands != 4))
        return kr_fail(err, KRS_BAD_PIXELS, "dedup needs RGB or RGBA pixels");
    if (working_copy(px, &copy, &w, &h))
        return kr_fail(err, KRS_OUT_OF_MEMORY, "dedup: no memory for a working copy");
    if (copy)
        rc = signature(copy, w, h, out, err);
    else
        rc = signature(px->data, px->width, px->height, out, err);
    free(copy);
    return rc;
}

enum kr_code dedup_compute_bytes(const void *data, size_t n, long long max_pixels,
                                 struct dedup_sig *out, struct image_info *info, struct kr_err *err)
{
    struct image_load_opts o = {
        .max_side = LOAD_SIDE, .min_side = LOAD_SIDE / 2, .max_pixels = max_pixels};
    struct image_px px;
    enum kr_code rc = image_load(data, n, &o, &px, info, err);
    if (rc != KR_OK) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    rc = dedup_compute(&px, out, err);
    image_px_release(&px);
    return rc;
}

int dedup_hash_distance(const uint8_t a[DEDUP_HASH_BYTES], const uint8_t b[DEDUP_HASH_BYTES])
{
    int d = 0;
    for (int i = 0; i < DEDUP_HASH_BYTES; i += 8) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        d += __builtin_popcountll(x ^ y);
    }
    return d;
}

float dedup_desc_score(const float a[DEDUP_DESC_DIM], const float b[DEDUP_DESC_DIM])
{
    float s = 0;
    for (int i = 0; i < DEDUP_DESC_DIM; i++)
        s += a[i] * b[i];
    return s;
}

/* Best descriptor score among a's probes that the rule accepts against
 * b's own hash and descriptor; -2 if none. */
static float probe_best(const struct dedup_sig *a, const struct dedup_sig *b,
                        const struct dedup_rule *rule)
{
    int n = a->nprobes < DEDUP_PROBES ? a->nprobes : DEDUP_PROBES;
    float best = -2;
    for (int i = 0; i < n; i++) {
        const struct dedup_probe *p = &a->probe[i];
        float s;
        if (dedup_hash_distance(p->hash, b->hash) > rule->hash_max)
            continue;
        s = dedup_desc_score(p->desc, b->desc);
        if (s >= rule->desc_min && s > best)
            best = s;
    }
    return best;
}

int dedup_scene_inliers(const struct dedup_sig *a, const struct dedup_sig *b)
{
    if (a->nkp <= 0 || b->nkp <= 0)
        return 0;
    if (a->nqkp <= 0 && b->nqkp > 0)
        return dedup__scene_inliers(b, a);
    return dedup__scene_inliers(a, b);
}

int dedup_scene_match(const struct dedup_sig *a, const struct dedup_sig *b,
                      const struct dedup_rule *rule)
{
    return rule->scene_min > 0 && dedup_scene_inliers(a, b) >= rule->scene_min;
}

int dedup_match(const struct dedup_sig *a, const struct dedup_sig *b, const struct dedup_rule *rule,
                float *distance)
{
    float score = dedup_desc_score(a->desc, b->desc);
    int d = dedup_hash_distance(a->hash, b->hash);
    int match = d <= rule->hash_max && score >= rule->desc_min;
    float pa = probe_best(a, b, rule), pb = probe_best(b, a, rule);
    float best = match ? score : -2;

    best = pa > best ? pa : best;
    best = pb > best ? pb : best;
    if (distance)
        *distance = 1.0f - (best > -2 ? best : score);
    if (best > -2)
        return 1;
    return dedup_scene_match(a, b, rule);
}

void dedup_hash_hex(const uint8_t hash[DEDUP_HASH_BYTES], char out[65])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < DEDUP_HASH_BYTES; i++) {
        out[2 * i] = digits[hash[i] >> 4];
        out[2 * i + 1] = digits[hash[i] & 15];
    }
    out[64] = 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

enum kr_code dedup_hash_parse(const char *hex, uint8_t out[DEDUP_HASH_BYTES])
{
    uint8_t tmp[DEDUP_HASH_BYTES];
    if (!hex)
        return KR_EINVAL;
    for (int i = 0; i < DEDUP_HASH_BYTES; i++) {
        int hi = hexval(hex[2 * i]), lo = hi < 0 ? -1 : hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return KR_EINVAL;
        tmp[i] = (uint8_t)(hi << 4 | lo);
    }
    if (hex[64] != 0)
        return KR_EINVAL;
    memcpy(out, tmp, sizeof tmp);
    return KR_OK;
}
