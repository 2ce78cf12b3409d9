/*
 * sqlite_images.c - the images table of the "sqlite" store backend.
 *
 * One row per stored image (schema in sqlite_migrate.c). The signature is
 * kept as hash BLOB(32), quality, and "desc" BLOB(256): 64 float32 in
 * little-endian order, written and read byte by byte so the file is the
 * same on any host. Text columns map 1:1 onto the fixed-size fields of
 * struct store_image (table `store__text_cols`); a value that does not fit its
 * field is refused (KR_EINVAL) both ways, never cut.
 *
 * image_each streams: one prepared SELECT ... ORDER BY id stepped row by
 * row into one struct, so start-up can load 10^6 rows in constant memory.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite.h"
#include "store/store_int.h"

#define COLS STORE__IMAGE_COLS
#define SELECT_IMG "SELECT " COLS " FROM images "

const char *const store_sq_image_sql[SQ_NSTMT] = {
    [SQ_IMG_INSERT] = "INSERT INTO images (" COLS ") VALUES "
                      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    [SQ_IMG_DELETE] = "DELETE FROM images WHERE id = ?1",
    [SQ_IMG_GET] = SELECT_IMG "WHERE id = ?1",
    [SQ_IMG_FIND_KEY] = SELECT_IMG "WHERE bucket = ?1 AND \"key\" = ?2",
    [SQ_IMG_FIND_URL] = SELECT_IMG "WHERE url = ?1 ORDER BY created_ms, id LIMIT 1",
    [SQ_IMG_FIND_SHA] = SELECT_IMG "WHERE sha256 = ?1 ORDER BY created_ms, id LIMIT 1",
    [SQ_IMG_UPDATE_SIG] = "UPDATE images SET hash = ?2, quality = ?3, \"desc\" = ?4, scene = ?5 WHERE id = ?1",
    [SQ_IMG_EACH] = SELECT_IMG "ORDER BY id",
    [SQ_IMG_COUNT] = "SELECT count(*) FROM images",
};

/* ---- encoding -------------------------------------------------------------- */

/* Bind sig's scene keypoints to parameter col (NULL when it has none). */
static int bind_scene(sqlite3_stmt *st, int col, const struct dedup_sig *sig)
{
    uint8_t buf[DEDUP_SCENE_BYTES];
    size_t n;
    const void *v = store__scene_encode(sig, buf, &n);

    return v ? sqlite3_bind_blob(st, col, v, (int)n, SQLITE_TRANSIENT) : sqlite3_bind_null(st, col);
}

/* Bind hash, quality, desc of sig to columns first, first+1, first+2, and
 * its scene keypoints to scene_col. */
static enum kr_code bind_sig(sqlite3_stmt *st, int first, int scene_col,
                             const struct dedup_sig *sig, struct kr_err *err)
{
    unsigned char desc[STORE__DESC_BYTES];
    int rc;

    store__desc_encode(sig->desc, desc);
    rc = sqlite3_bind_blob(st, first, sig->hash, DEDUP_HASH_BYTES, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(st, first + 1, sig->quality);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(st, first + 2, desc, STORE__DESC_BYTES, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK)
        rc = bind_scene(st, scene_col, sig);
    return rc == SQLITE_OK ? KR_OK : store_sq_fail(sqlite3_db_handle(st), rc, "bind", err);
}

static enum kr_code bind_image(sqlite3_stmt *st, const struct store_image *img, struct kr_err *err)
{
    enum kr_code rc = bind_sig(st, STORE__C_HASH + 1, STORE__C_SCENE + 1, &img->sig, err);
    int r = SQLITE_OK;

    for (size_t i = 0; i < STORE__NTEXT && !rc; i++)
        rc = store_sq_bind_text(st, store__text_cols[i].col + 1, (const char *)img + store__text_cols[i].off,
                                store__text_cols[i].size - 1, err);
    if (rc)
        return rc;
    r = sqlite3_bind_int64(st, STORE__C_ID + 1, img->id);
    if (r == SQLITE_OK)
        r = sqlite3_bind_int64(st, STORE__C_BYTES + 1, img->bytes);
    if (r == SQLITE_OK)
        r = sqlite3_bind_int(st, STORE__C_WIDTH + 1, img->width);
    if (r == SQLITE_OK)
        r = sqlite3_bind_int(st, STORE__C_HEIGHT + 1, img->height);
    if (r == SQLITE_OK)
        r = sqlite3_bind_int64(st, STORE__C_CREATED + 1, img->created_ms);
    return r == SQLITE_OK ? KR_OK : store_sq_fail(sqlite3_db_handle(st), r, "bind", err);
}

static enum kr_code decode_row(sqlite3_stmt *st, struct store_image *o, struct kr_err *err)
{
    o->id = sqlite3_column_int64(st, STORE__C_ID);
    for (size_t i = 0; i < STORE__NTEXT; i++) {
        const unsigned char *t = sqlite3_column_text(st, store__text_cols[i].col);
        size_t n = (size_t)sqlite3_column_bytes(st, store__text_cols[i].col);
        if (n >= store__text_cols[i].size)
            return kr_fail(err, KRS_STORE_VALUE_TOO_LONG,
                           "store: image %lld: column %d holds %zu bytes, more than fits",
                           (long long)o->id, store__text_cols[i].col, n);
        memcpy((char *)o + store__text_cols[i].off, t ? (const char *)t : "", t ? n : 0);
        ((char *)o + store__text_cols[i].off)[t ? n : 0] = '\0';
    }
    const void *hash = sqlite3_column_blob(st, STORE__C_HASH);
    int hn = sqlite3_column_bytes(st, STORE__C_HASH);
    const void *desc = sqlite3_column_blob(st, STORE__C_DESC);
    int dn = sqlite3_column_bytes(st, STORE__C_DESC);
    if (!hash || hn != DEDUP_HASH_BYTES || !desc || dn != STORE__DESC_BYTES)
        return kr_fail(err, KRS_STORE_CORRUPT, "store: image %lld has a malformed signature",
                       (long long)o->id);
    memcpy(o->sig.hash, hash, DEDUP_HASH_BYTES);
    store__desc_decode(desc, o->sig.desc);
    o->sig.quality = sqlite3_column_int(st, STORE__C_QUALITY);
    o->sig.nprobes = 0;
    enum kr_code rc = store__scene_decode(sqlite3_column_blob(st, STORE__C_SCENE),
                                          (size_t)sqlite3_column_bytes(st, STORE__C_SCENE), o->id,
                                          &o->sig, err);
    if (rc)
        return rc;
    o->bytes = sqlite3_column_int64(st, STORE__C_BYTES);
    o->width = sqlite3_column_int(st, STORE__C_WIDTH);
    o->height = sqlite3_column_int(st, STORE__C_HEIGHT);
    o->created_ms = sqlite3_column_int64(st, STORE__C_CREATED);
    return KR_OK;
}

/* ---- one-row lookups ------------------------------------------------------- */

/* What a lookup binds: id (when t1 is NULL), or one or two strings. */
struct lookup {
    enum sq_stmt stmt;
    int64_t id;
    const char *t1, *t2;
    size_t max1, max2;
};

static enum kr_code bind_lookup(sqlite3_stmt *st, const struct lookup *l, struct kr_err *err)
{
    enum kr_code rc = KR_OK;

    if (!l->t1) {
        int r = sqlite3_bind_int64(st, 1, l->id);
        return r == SQLITE_OK ? KR_OK : store_sq_fail(sqlite3_db_handle(st), r, "bind", err);
    }
    rc = store_sq_bind_text(st, 1, l->t1, l->max1, err);
    if (!rc && l->t2)
        rc = store_sq_bind_text(st, 2, l->t2, l->max2, err);
    return rc;
}

static enum kr_code find_one(struct store *s, const struct lookup *l, struct store_image *out,
                             struct kr_err *err)
{
    struct sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    enum kr_code rc = store_sq_begin(s, l->stmt, &c, &st, err);
    int step;

    if (!rc)
        rc = bind_lookup(st, l, err);
    if (rc)
        goto out;
    step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        rc = decode_row(st, out, err);
    else if (step == SQLITE_DONE)
        rc = kr_fail(err, KRS_IMAGE_NOT_FOUND, "store: no such image");
    else
        rc = store_sq_fail(c->db, step, "find image", err);
out:
    store_sq_end(s, c, st);
    return rc;
}

enum kr_code store_sq_image_get(struct store *s, int64_t id, struct store_image *out,
                                struct kr_err *err)
{
    struct lookup l = {.stmt = SQ_IMG_GET, .id = id};
    return find_one(s, &l, out, err);
}

enum kr_code store_sq_image_find_key(struct store *s, const char *bucket, const char *key,
                                     struct store_image *out, struct kr_err *err)
{
    struct lookup l = {SQ_IMG_FIND_KEY,    0, bucket, key, sizeof out->bucket - 1,
                       sizeof out->key - 1};
    return find_one(s, &l, out, err);
}

enum kr_code store_sq_image_find_url(struct store *s, const char *url, struct store_image *out,
                                     struct kr_err *err)
{
    struct lookup l = {SQ_IMG_FIND_URL, 0, url, NULL, sizeof out->url - 1, 0};
    return find_one(s, &l, out, err);
}

enum kr_code store_sq_image_find_sha(struct store *s, const char *sha256, struct store_image *out,
                                     struct kr_err *err)
{
    struct lookup l = {SQ_IMG_FIND_SHA, 0, sha256, NULL, sizeof out->sha256 - 1, 0};
    return find_one(s, &l, out, err);
}

/* ---- writes ---------------------------------------------------------------- */

/* Run a write statement prepared and bound by `bind`; KR_ENOTFOUND when
 * `need_row` and nothing changed. */
static enum kr_code write_one(struct store *s, enum sq_stmt id,
                              enum kr_code (*bind)(sqlite3_stmt *, const void *, struct kr_err *),
                              const void *arg, int need_row, struct kr_err *err)
{
    struct sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    enum kr_code rc = store_sq_begin(s, id, &c, &st, err);

    if (!rc)
        rc = bind(st, arg, err);
    if (!rc)
        rc = store_sq_run(c->db, st, "write image", err);
    if (!rc && need_row && sqlite3_changes(c->db) == 0)
        rc = kr_fail(err, KRS_IMAGE_NOT_FOUND, "store: no such image");
    store_sq_end(s, c, st);
    return rc;
}

static enum kr_code bind_insert(sqlite3_stmt *st, const void *arg, struct kr_err *err)
{
    return bind_image(st, arg, err);
}

static enum kr_code bind_id(sqlite3_stmt *st, const void *arg, struct kr_err *err)
{
    int r = sqlite3_bind_int64(st, 1, *(const int64_t *)arg);
    return r == SQLITE_OK ? KR_OK : store_sq_fail(sqlite3_db_handle(st), r, "bind", err);
}

struct sig_update {
    int64_t id;
    const struct dedup_sig *sig;
};

static enum kr_code bind_update(sqlite3_stmt *st, const void *arg, struct kr_err *err)
{
    const struct sig_update *u = arg;
    enum kr_code rc = bind_id(st, &u->id, err);
    return rc ? rc : bind_sig(st, 2, 5, u->sig, err);
}

enum kr_code store_sq_image_insert(struct store *s, const struct store_image *img,
                                   struct kr_err *err)
{
    return write_one(s, SQ_IMG_INSERT, bind_insert, img, 0, err);
}

enum kr_code store_sq_image_delete(struct store *s, int64_t id, struct kr_err *err)
{
    return write_one(s, SQ_IMG_DELETE, bind_id, &id, 1, err);
}

enum kr_code store_sq_image_update_sig(struct store *s, int64_t id, const struct dedup_sig *sig,
                                       struct kr_err *err)
{
    struct sig_update u = {id, sig};
    return write_one(s, SQ_IMG_UPDATE_SIG, bind_update, &u, 1, err);
}

/* ---- scans ----------------------------------------------------------------- */

enum kr_code store_sq_image_each(struct store *s,
                                 int (*cb)(const struct store_image *img, void *ctx), void *ctx,
                                 struct kr_err *err)
{
    struct sq_conn *c = NULL;
    struct store_image *img = malloc(sizeof *img);
    sqlite3_stmt *st = NULL;
    enum kr_code rc = img ? store_sq_begin(s, SQ_IMG_EACH, &c, &st, err)
                          : kr_fail(err, KRS_OUT_OF_MEMORY, "store: out of memory");
    int step;

    if (rc)
        goto out;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        rc = decode_row(st, img, err);
        if (rc || cb(img, ctx))
            break;
    }
    if (!rc && step != SQLITE_ROW && step != SQLITE_DONE)
        rc = store_sq_fail(c->db, step, "list images", err);
out:
    store_sq_end(s, c, st);
    free(img);
    return rc;
}

enum kr_code store_sq_image_count(struct store *s, long long *n, struct kr_err *err)
{
    struct sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    enum kr_code rc = store_sq_begin(s, SQ_IMG_COUNT, &c, &st, err);
    int step;

    if (rc)
        goto out;
    step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    else
        rc = store_sq_fail(c->db, step, "count images", err);
out:
    store_sq_end(s, c, st);
    return rc;
}
