/*
 * rows.c - the image row layout every backend shares (store_int.h), and
 * the little-endian float32 form of descriptors and embeddings, and the
 * word loop of product_word_docs that both backends run.
 */
#include <stdio.h>
#include <string.h>

#include "dedup/dedup.h"

#include "store/store_int.h"

#define TEXT_COL(c, f)                                                                             \
    {                                                                                              \
        c, offsetof(struct store_image, f), sizeof(((struct store_image *)0)->f)                   \
    }

const struct store__text_col store__text_cols[STORE__NTEXT] = {
    TEXT_COL(STORE__C_SHA, sha256),
    TEXT_COL(5, website),
    TEXT_COL(6, bucket),
    TEXT_COL(7, key),
    TEXT_COL(8, url),
    TEXT_COL(9, filename),
    TEXT_COL(10, mime),
};

enum kr_code store__word_docs(struct store *s, const char *words, long long *docs,
                              store__word_count_fn count, struct kr_err *err)
{
    char word[STORE_PRODUCT_WORDS_MAX];
    enum kr_code rc = KR_OK;
    int i = 0;

    for (const char *w = words; !rc && *w; i++) {
        size_t n = strcspn(w, " ");
        snprintf(word, sizeof word, "%.*s", (int)n, w);
        docs[i] = 0;
        if (n < sizeof word)
            rc = count(s, word, &docs[i], err);
        w += n + (w[n] == ' ');
    }
    return rc;
}

void store__f32_encode(const float *d, int n, unsigned char *out)
{
    for (int i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &d[i], 4);
        for (int b = 0; b < 4; b++)
            out[4 * i + b] = (unsigned char)(u >> (8 * b));
    }
}

void store__f32_decode(const unsigned char *in, int n, float *d)
{
    for (int i = 0; i < n; i++) {
        uint32_t u = 0;
        for (int b = 0; b < 4; b++)
            u |= (uint32_t)in[4 * i + b] << (8 * b);
        memcpy(&d[i], &u, 4);
    }
}

void store__desc_encode(const float *d, unsigned char *out)
{
    store__f32_encode(d, DEDUP_DESC_DIM, out);
}

void store__desc_decode(const unsigned char *in, float *d)
{
    store__f32_decode(in, DEDUP_DESC_DIM, d);
}

const void *store__scene_encode(const struct dedup_sig *sig, uint8_t out[DEDUP_SCENE_BYTES],
                                size_t *n)
{
    *n = dedup_scene_pack(sig, out);
    return *n ? out : NULL;
}

enum kr_code store__scene_decode(const void *data, size_t n, int64_t id, struct dedup_sig *sig,
                                 struct kr_err *err)
{
    sig->nqkp = 0;
    if (dedup_scene_unpack(data, data ? n : 0, sig) != KR_OK)
        return kr_fail(err, KRS_STORE_CORRUPT, "store: image %lld has malformed scene keypoints",
                       (long long)id);
    return KR_OK;
}
