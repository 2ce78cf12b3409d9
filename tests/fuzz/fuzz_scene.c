/*
 * fuzz_scene.c - libFuzzer target: dedup_scene_unpack(), the decoder of the
 * stored scene keypoints (dedup/scene_match.c), which reads bytes a store
 * hands back. Whatever it accepts must pack back to the same bytes and be
 * usable by the geometric check (against itself, both ways); whatever it
 * refuses must leave no keypoints.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dedup/dedup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct dedup_sig sig, copy;
    static uint8_t out[DEDUP_SCENE_BYTES];
    memset(&sig, 0, sizeof sig);
    sig.nkp = 3; /* must be reset by a refusal */
    if (dedup_scene_unpack(data, size, &sig) != KR_OK) {
        if (sig.nkp != 0)
            abort();
        return 0;
    }
    if (sig.nkp < 0 || sig.nkp > DEDUP_SCENE_KP)
        abort();
    size_t n = dedup_scene_pack(&sig, out);
    if (n != size || (n && memcmp(out, data, n)))
        abort();
    copy = sig;
    if (dedup_scene_inliers(&sig, &copy) < 0 || dedup_scene_inliers(&copy, &sig) > DEDUP_SCENE_KP)
        abort();
    return 0;
}
