/*
 * analyse_cut.c - the cut a layer above gives the offline analysis
 * (struct ai_segmenter; app/ hands in the studio's segmentation).
 *
 * The given cut says where the piece is; the analysis keeps its own cut's
 * pixels (far from the border colour) inside it, grown by a fortieth of the
 * side. So shadows, clutter and a busy background away from the piece are
 * dropped, while the detail the analysis rules measure stays: fine strands
 * a cut-out may thin or break, and pale set stones that a cut-out fills but
 * the cluster rule needs as holes.
 */
#include <stdlib.h>
#include <string.h>

#include "ai/ai_int.h"
#include "image/image.h"

/* Grow mask m (w x h, 0/1) by r px in x then in y (a square). */
static void dilate(unsigned char *m, int w, int h, int r, unsigned char *tmp)
{
    for (int pass = 0; pass < 2; pass++) {
        int len = pass ? h : w, lines = pass ? w : h;
        memcpy(tmp, m, (size_t)w * h);
        for (int l = 0; l < lines; l++)
            for (int i = 0, last = -r - 1; i < len; i++) {
                /* the last set pixel at or before i + r along the line */
                int k = i + r < len ? i + r : len - 1;
                for (int j = last > i - r ? last + 1 : i - r; j <= k; j++)
                    if (j >= 0 && tmp[pass ? j * w + l : l * w + j])
                        last = j;
                m[pass ? i * w + l : l * w + i] = last >= i - r;
            }
    }
}

/* ai_int.h: mask kept within the given cut grown by a fortieth of the side. */
int ai__cut_within(unsigned char *mask, const struct image_px *px, const struct ai_segmenter *seg,
                   size_t *piece, struct kr_err *err)
{
    int w = px->width, h = px->height;
    size_t n = (size_t)w * h, k = 0;
    unsigned char *m, *tmp;
    struct kr_err e = {0}; /* a busy background's refusal is no failure of the analysis */
    enum kr_code rc;
    int ok = 0, r = (w > h ? w : h) / 40 + 2;
    if (!seg || !seg->cut)
        return 0;
    m = calloc(n, 1);
    tmp = malloc(n);
    rc = m && tmp ? seg->cut(seg->ctx, px, m, &e) : kr_fail(&e, KRS_OUT_OF_MEMORY, "out of memory");
    if (rc && rc != KR_EINVAL && err) /* only "no piece / busy background" falls back */
        *err = e;
    ok = rc && rc != KR_EINVAL ? -1 : 0;
    if (!rc) {
        for (size_t i = 0; i < n; i++)
            m[i] = m[i] != 0;
        dilate(m, w, h, r, tmp);
        for (size_t i = 0; i < n; i++)
            k += m[i] && mask[i];
        ok = k >= n / 500;
        for (size_t i = 0; ok && i < n; i++)
            mask[i] = m[i] && mask[i];
    }
    if (ok > 0)
        *piece = k;
    free(m);
    free(tmp);
    return ok;
}
