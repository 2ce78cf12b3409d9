/*
 * store_int.h - private to src/store: what the backends share about an
 * image row (rows.c): the column list and order, which columns map onto
 * which text field of struct store_image, and the portable descriptor
 * encoding (64 float32, little endian, byte by byte, so a database file
 * or dump is the same on any host and moves between backends unchanged).
 * The scene keypoints (second duplicate stage) are a nullable column of
 * their own, in dedup_scene_pack's versioned form.
 */
#ifndef KARAT_STORE_STORE_INT_H
#define KARAT_STORE_STORE_INT_H

#include <stddef.h>

#include "store/store.h"

#define STORE__IMAGE_COLS                                                                          \
    "id, sha256, hash, quality, \"desc\", website, bucket, \"key\", url, filename, mime, bytes, "  \
    "width, height, created_ms, scene"

/* Column numbers (0-based) in STORE__IMAGE_COLS. */
enum {
    STORE__C_ID,
    STORE__C_SHA,
    STORE__C_HASH,
    STORE__C_QUALITY,
    STORE__C_DESC,
    STORE__C_BYTES = 11,
    STORE__C_WIDTH,
    STORE__C_HEIGHT,
    STORE__C_CREATED,
    STORE__C_SCENE /* the scene keypoints (dedup_scene_pack bytes), NULL if none */
};

#define STORE__DESC_BYTES (DEDUP_DESC_DIM * 4)
#define STORE__NTEXT      7

/* The text columns: column number, offset and size of the field. */
struct store__text_col {
    int col;
    size_t off, size;
};
extern const struct store__text_col store__text_cols[STORE__NTEXT];

/* n float32 <-> 4n bytes, little endian (descriptors, embeddings). */
/* product_word_docs' loop, shared by the backends: docs[i] = count(word i)
 * for each space-separated word (a word too long to look up counts 0). */
typedef enum kr_code (*store__word_count_fn)(struct store *s, const char *word, long long *n,
                                             struct kr_err *err);
enum kr_code store__word_docs(struct store *s, const char *words, long long *docs,
                              store__word_count_fn count, struct kr_err *err);
void store__f32_encode(const float *d, int n, unsigned char *out);
void store__f32_decode(const unsigned char *in, int n, float *d);
void store__desc_encode(const float *d, unsigned char *out);
void store__desc_decode(const unsigned char *in, float *d);

/* The scene column: its bytes for a signature (NULL and *n 0 when it has no
 * keypoints; out is the caller's buffer), and back (data NULL or n 0: no
 * keypoints, as for rows written before the column existed; malformed
 * bytes: KR_ECORRUPT-class failure naming the image). */
const void *store__scene_encode(const struct dedup_sig *sig, uint8_t out[DEDUP_SCENE_BYTES],
                                size_t *n);
enum kr_code store__scene_decode(const void *data, size_t n, int64_t id, struct dedup_sig *sig,
                                 struct kr_err *err);

#endif
