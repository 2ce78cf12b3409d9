/*
 * store_test.h - shared by the store tests: a fully filled image row and
 * an exact comparison (every field, the descriptor bit for bit, the scene
 * keypoints: odd ids carry 1..56 of them, even ids none).
 */
#ifndef KARAT_STORE_TEST_H
#define KARAT_STORE_TEST_H

#include <stdio.h>
#include <string.h>

#include "store/store.h"

static inline void make_image(struct store_image *img, int64_t id, const char *key, int64_t created)
{
    memset(img, 0, sizeof *img);
    img->id = id;
    snprintf(img->sha256, sizeof img->sha256, "%064llx", (unsigned long long)id * 7919);
    for (int i = 0; i < DEDUP_HASH_BYTES; i++)
        img->sig.hash[i] = (uint8_t)(id * 31 + i);
    img->sig.quality = 87;
    img->sig.nkp = id % 2 ? (int)(1 + id % DEDUP_SCENE_KP) : 0;
    for (int k = 0; k < img->sig.nkp; k++) {
        img->sig.kp[k].x = (uint8_t)(id + k * 3);
        img->sig.kp[k].y = (uint8_t)(255 - k);
        for (int j = 0; j < DEDUP_SCENE_DESC; j++)
            img->sig.kp[k].d[j] = (uint8_t)(id * 13 + k * 7 + j);
    }
    for (int i = 0; i < DEDUP_DESC_DIM; i++)
        img->sig.desc[i] = (float)(i % 2 ? -1.0 : 1.0) / (float)(i + 3) + (float)id * 1e-7f;
    snprintf(img->website, sizeof img->website, "alya");
    snprintf(img->bucket, sizeof img->bucket, "alyaimg");
    snprintf(img->key, sizeof img->key, "%s", key);
    snprintf(img->url, sizeof img->url, "https://alyaimg.example/%s", key);
    snprintf(img->filename, sizeof img->filename, "ring (1).JPG");
    snprintf(img->mime, sizeof img->mime, "image/jpeg");
    img->bytes = 5000000000LL + id;
    img->width = 4000;
    img->height = 4800;
    img->created_ms = created;
}

static inline void assert_same_image(const struct store_image *a, const struct store_image *b)
{
    assert_int_equal(a->id, b->id);
    assert_string_equal(a->sha256, b->sha256);
    assert_memory_equal(a->sig.hash, b->sig.hash, DEDUP_HASH_BYTES);
    assert_int_equal(a->sig.quality, b->sig.quality);
    assert_memory_equal(a->sig.desc, b->sig.desc, sizeof a->sig.desc); /* bit-exact */
    assert_int_equal(a->sig.nkp, b->sig.nkp);
    if (a->sig.nkp > 0)
        assert_memory_equal(a->sig.kp, b->sig.kp, (size_t)a->sig.nkp * sizeof a->sig.kp[0]);
    assert_int_equal(b->sig.nqkp, 0); /* the dense set is never stored */
    assert_string_equal(a->website, b->website);
    assert_string_equal(a->bucket, b->bucket);
    assert_string_equal(a->key, b->key);
    assert_string_equal(a->url, b->url);
    assert_string_equal(a->filename, b->filename);
    assert_string_equal(a->mime, b->mime);
    assert_int_equal(a->bytes, b->bytes);
    assert_int_equal(a->width, b->width);
    assert_int_equal(a->height, b->height);
    assert_int_equal(a->created_ms, b->created_ms);
}

#endif
