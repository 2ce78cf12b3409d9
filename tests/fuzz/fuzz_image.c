/*
 * fuzz_image.c - libFuzzer target: untrusted image bytes through image/:
 * image_probe() (format, size and orientation from the header, the pixel
 * limit) and, when the probe accepts them, image_load() with shrink-on-load
 * as the upload and dedup paths call it, RGB and RGBA.
 *
 * Limits are smaller than the server's (1 M pixels, 256 px results) so one
 * input stays fast; the code paths are the same. Checks: a probe either
 * fails with a message or reports a known format and a positive size within
 * the limit; a load returns exactly width*height*bands bytes (all read
 * here, so ASan sees a short buffer) no larger than asked.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"

#define MAX_PIXELS (1LL << 20)
#define MAX_SIDE   256

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct kr_err err = {0};
    (void)argc;
    setenv("VIPS_CONCURRENCY", "1", 1);
    setenv("VIPS_WARNING", "0", 1);
    if (image_init((*argv)[0], &err) != KR_OK) {
        fprintf(stderr, "fuzz_image: %s\n", err.msg);
        abort();
    }
    return 0;
}

static void check_px(const struct image_px *px, int bands)
{
    unsigned sum = 0;
    size_t n;
    if (px->width < 1 || px->height < 1 || px->bands != bands || !px->data ||
        (px->width > MAX_SIDE || px->height > MAX_SIDE))
        abort();
    n = (size_t)px->width * (size_t)px->height * (size_t)px->bands;
    for (size_t i = 0; i < n; i++)
        sum += px->data[i];
    (void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    struct image_info info;
    struct image_px px = {0};
    struct kr_err err = {0};
    int alpha = n & 1;
    struct image_load_opts o = {.max_side = MAX_SIDE,
                                .max_pixels = MAX_PIXELS,
                                .keep_alpha = alpha,
                                .min_side = alpha ? 0 : MAX_SIDE / 2};

    if (image_probe(data, n, MAX_PIXELS, &info, &err) != KR_OK) {
        if (!err.msg[0])
            abort();
        return 0;
    }
    if (!info.format || !info.mime || !info.ext || info.width < 1 || info.height < 1 ||
        (long long)info.width * info.height > MAX_PIXELS)
        abort();
    if (image_load(data, n, &o, &px, &info, &err) == KR_OK)
        check_px(&px, alpha ? 4 : 3);
    else if (!err.msg[0])
        abort();
    image_px_release(&px);
    return 0;
}
