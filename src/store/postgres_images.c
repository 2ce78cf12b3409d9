/*
 * postgres_images.c - the images table of the "postgres" store backend.
 *
 * One row per stored image (schema in postgres_migrate.c), the same
 * columns and rules as the sqlite backend: the signature is hash
 * bytea(32), quality, "desc" bytea(256) (64 float32, little endian,
 * written and read byte by byte, so bit-exact on any host); a text value
 * that does not fit its struct store_image field is refused (KR_EINVAL)
 * on read, never cut. Lookups by url and sha256 give the oldest row
 * (created_ms, then id), as in SQLite.
 *
 * image_get_ids is one statement for up to STORE_IDS_MAX ids (an array
 * parameter, "{1,2,3}"), so the index's candidate reads cost one round trip.
 *
 * image_each reads PG_PAGE_ROWS rows at a time in id order after the last
 * id seen (keyset paging on the primary key), in constant memory and with
 * no connection held while the callback runs. image_sigs, what start-up
 * loads the index from, is one statement for the four columns the index
 * needs (a sequential scan, no order), streamed in libpq's single-row
 * mode: one round trip, constant memory, no page re-planned per 500 rows.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres.h"
#include "store/store_int.h"

#define COLS       STORE__IMAGE_COLS
#define SELECT_IMG "SELECT " COLS " FROM images "

const char *const store_pg__image_sql[PG_NSTMT] = {
    [PG_IMG_INSERT] = "INSERT INTO images (" COLS ") VALUES "
                      "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    [PG_IMG_DELETE] = "DELETE FROM images WHERE id = $1",
    [PG_IMG_GET] = SELECT_IMG "WHERE id = $1",
    [PG_IMG_FIND_KEY] = SELECT_IMG "WHERE bucket = $1 AND \"key\" = $2",
    [PG_IMG_FIND_URL] = SELECT_IMG "WHERE url = $1 ORDER BY created_ms, id LIMIT 1",
    [PG_IMG_FIND_SHA] = SELECT_IMG "WHERE sha256 = $1 ORDER BY created_ms, id LIMIT 1",
    [PG_IMG_UPDATE_SIG] =
        "UPDATE images SET hash = $2, quality = $3, \"desc\" = $4, scene = $5 WHERE id = $1",
    [PG_IMG_PAGE] = SELECT_IMG "WHERE id > $1 ORDER BY id LIMIT $2",
    [PG_IMG_COUNT] = "SELECT count(*) FROM images",
    [PG_IMG_GET_IDS] = SELECT_IMG "WHERE id = ANY($1::bigint[])",
};

/* ---- encoding -------------------------------------------------------------- */

/* The scene parameter (NULL when sig has none); buf is the caller's. */
static void scene_param(struct pg_params *p, const struct dedup_sig *sig,
                        uint8_t buf[DEDUP_SCENE_BYTES])
{
    size_t n;
    const void *v = store__scene_encode(sig, buf, &n);
    store_pg__bin(p, v, (int)n);
}

/* Parameters of an insert, in COLS order; desc and scene are the caller's buffers. */
static void image_params(struct pg_params *p, const struct store_image *img, unsigned char *desc,
                         uint8_t scene[DEDUP_SCENE_BYTES])
{
    store__desc_encode(img->sig.desc, desc);
    store_pg__int(p, img->id);
    store_pg__text(p, img->sha256);
    store_pg__bin(p, img->sig.hash, DEDUP_HASH_BYTES);
    store_pg__int(p, img->sig.quality);
    store_pg__bin(p, desc, STORE__DESC_BYTES);
    for (size_t i = 1; i < STORE__NTEXT; i++)
        store_pg__text(p, (const char *)img + store__text_cols[i].off);
    store_pg__int(p, img->bytes);
    store_pg__int(p, img->width);
    store_pg__int(p, img->height);
    store_pg__int(p, img->created_ms);
    scene_param(p, &img->sig, scene);
}

/* Signature columns at their STORE__IMAGE_COLS positions, scene at scene_col. */
static enum kr_code decode_sig(const PGresult *r, int row, int scene_col, struct store_image *o,
                               struct kr_err *err)
{
    if (PQgetisnull(r, row, STORE__C_HASH) ||
        PQgetlength(r, row, STORE__C_HASH) != DEDUP_HASH_BYTES ||
        PQgetisnull(r, row, STORE__C_DESC) ||
        PQgetlength(r, row, STORE__C_DESC) != STORE__DESC_BYTES)
        return kr_fail(err, KRS_STORE_CORRUPT, "store: image %lld has a malformed signature",
                       (long long)o->id);
    memcpy(o->sig.hash, PQgetvalue(r, row, STORE__C_HASH), DEDUP_HASH_BYTES);
    store__desc_decode((const unsigned char *)PQgetvalue(r, row, STORE__C_DESC), o->sig.desc);
    o->sig.nprobes = 0;
    enum kr_code rc =
        store__scene_decode(PQgetisnull(r, row, scene_col) ? NULL : PQgetvalue(r, row, scene_col),
                            (size_t)PQgetlength(r, row, scene_col), o->id, &o->sig, err);
    return rc ? rc : store_pg__get_i32(r, row, STORE__C_QUALITY, &o->sig.quality, err);
}

enum kr_code store_pg__decode_row(const PGresult *r, int row, struct store_image *o,
                                  struct kr_err *err)
{
    enum kr_code rc = store_pg__get_i64(r, row, STORE__C_ID, &o->id, err);
    int64_t bytes = 0;

    for (size_t i = 0; i < STORE__NTEXT && !rc; i++) {
        size_t n = (size_t)PQgetlength(r, row, store__text_cols[i].col);
        if (n >= store__text_cols[i].size)
            return kr_fail(err, KRS_STORE_VALUE_TOO_LONG,
                           "store: image %lld: column %d holds %zu bytes, more than fits",
                           (long long)o->id, store__text_cols[i].col, n);
        memcpy((char *)o + store__text_cols[i].off, PQgetvalue(r, row, store__text_cols[i].col), n);
        ((char *)o + store__text_cols[i].off)[n] = '\0';
    }
    if (!rc)
        rc = decode_sig(r, row, STORE__C_SCENE, o, err);
    if (!rc)
        rc = store_pg__get_i64(r, row, STORE__C_BYTES, &bytes, err);
    o->bytes = bytes;
    if (!rc)
        rc = store_pg__get_i32(r, row, STORE__C_WIDTH, &o->width, err);
    if (!rc)
        rc = store_pg__get_i32(r, row, STORE__C_HEIGHT, &o->height, err);
    if (!rc)
        rc = store_pg__get_i64(r, row, STORE__C_CREATED, &o->created_ms, err);
    return rc;
}

/* ---- one-row lookups ------------------------------------------------------- */

static enum kr_code find_one(struct store *s, enum pg_stmt id, const struct pg_params *p,
                             struct store_image *out, struct kr_err *err)
{
    PGresult *r = NULL;
    enum kr_code rc = store_pg__exec(s, id, p, &r, err);

    if (rc)
        return rc;
    if (PQntuples(r) == 0)
        rc = kr_fail(err, KRS_IMAGE_NOT_FOUND, "store: no such image");
    else
        rc = store_pg__decode_row(r, 0, out, err);
    PQclear(r);
    return rc;
}

enum kr_code store_pg__image_get(struct store *s, int64_t id, struct store_image *out,
                                 struct kr_err *err)
{
    struct pg_params p = {0};
    store_pg__int(&p, id);
    return find_one(s, PG_IMG_GET, &p, out, err);
}

enum kr_code store_pg__image_find_key(struct store *s, const char *bucket, const char *key,
                                      struct store_image *out, struct kr_err *err)
{
    struct pg_params p = {0};
    store_pg__text(&p, bucket);
    store_pg__text(&p, key);
    return find_one(s, PG_IMG_FIND_KEY, &p, out, err);
}

enum kr_code store_pg__image_find_url(struct store *s, const char *url, struct store_image *out,
                                      struct kr_err *err)
{
    struct pg_params p = {0};
    store_pg__text(&p, url);
    return find_one(s, PG_IMG_FIND_URL, &p, out, err);
}

enum kr_code store_pg__image_find_sha(struct store *s, const char *sha256, struct store_image *out,
                                      struct kr_err *err)
{
    struct pg_params p = {0};
    store_pg__text(&p, sha256);
    return find_one(s, PG_IMG_FIND_SHA, &p, out, err);
}

/* ---- writes ---------------------------------------------------------------- */

/* Run a write; KR_ENOTFOUND when need_row and no row changed. */
static enum kr_code write_one(struct store *s, enum pg_stmt id, const struct pg_params *p,
                              int need_row, struct kr_err *err)
{
    PGresult *r = NULL;
    enum kr_code rc = store_pg__exec(s, id, p, &r, err);

    if (!rc && need_row && store_pg__changes(r) == 0)
        rc = kr_fail(err, KRS_IMAGE_NOT_FOUND, "store: no such image");
    PQclear(r);
    return rc;
}

enum kr_code store_pg__image_insert(struct store *s, const struct store_image *img,
                                    struct kr_err *err)
{
    struct pg_params p = {0};
    unsigned char desc[STORE__DESC_BYTES];
    uint8_t scene[DEDUP_SCENE_BYTES];

    image_params(&p, img, desc, scene);
    return write_one(s, PG_IMG_INSERT, &p, 0, err);
}

enum kr_code store_pg__image_delete(struct store *s, int64_t id, struct kr_err *err)
{
    struct pg_params p = {0};
    store_pg__int(&p, id);
    return write_one(s, PG_IMG_DELETE, &p, 1, err);
}

enum kr_code store_pg__image_update_sig(struct store *s, int64_t id, const struct dedup_sig *sig,
                                        struct kr_err *err)
{
    struct pg_params p = {0};
    unsigned char desc[STORE__DESC_BYTES];
    uint8_t scene[DEDUP_SCENE_BYTES];

    store__desc_encode(sig->desc, desc);
    store_pg__int(&p, id);
    store_pg__bin(&p, sig->hash, DEDUP_HASH_BYTES);
    store_pg__int(&p, sig->quality);
    store_pg__bin(&p, desc, STORE__DESC_BYTES);
    scene_param(&p, sig, scene);
    return write_one(s, PG_IMG_UPDATE_SIG, &p, 1, err);
}

/* ---- scans ----------------------------------------------------------------- */

/* Call cb for each row of one page; *last = the last id seen, *stop set
 * when cb asked to stop. */
static enum kr_code each_in_page(const PGresult *r, struct store_image *img,
                                 int (*cb)(const struct store_image *img, void *ctx), void *ctx,
                                 int *stop, struct kr_err *err)
{
    for (int i = 0; i < PQntuples(r); i++) {
        enum kr_code rc = store_pg__decode_row(r, i, img, err);
        if (rc)
            return rc;
        if (cb(img, ctx)) {
            *stop = 1;
            break;
        }
    }
    return KR_OK;
}

enum kr_code store_pg__image_each(struct store *s,
                                  int (*cb)(const struct store_image *img, void *ctx), void *ctx,
                                  struct kr_err *err)
{
    struct store_image *img = malloc(sizeof *img);
    enum kr_code rc = img ? KR_OK : kr_fail(err, KRS_OUT_OF_MEMORY, "store: out of memory");
    int64_t last = INT64_MIN;
    int rows = PG_PAGE_ROWS, stop = 0;

    while (!rc && !stop && rows == PG_PAGE_ROWS) {
        struct pg_params p = {0};
        PGresult *r = NULL;
        store_pg__int(&p, last);
        store_pg__int(&p, PG_PAGE_ROWS);
        rc = store_pg__exec(s, PG_IMG_PAGE, &p, &r, err);
        if (rc)
            break;
        rows = PQntuples(r);
        rc = each_in_page(r, img, cb, ctx, &stop, err);
        if (!rc && rows > 0)
            rc = store_pg__get_i64(r, rows - 1, STORE__C_ID, &last, err);
        PQclear(r);
    }
    free(img);
    return rc;
}

enum kr_code store_pg__image_get_ids(struct store *s, const int64_t *ids, int n,
                                     int (*cb)(const struct store_image *img, void *ctx), void *ctx,
                                     struct kr_err *err)
{
    char list[STORE_IDS_MAX * 21 + 3];
    size_t len = 0;
    struct pg_params p = {0};
    struct store_image *img = malloc(sizeof *img);
    PGresult *r = NULL;
    enum kr_code rc = img ? KR_OK : kr_fail(err, KRS_OUT_OF_MEMORY, "store: out of memory");
    int stop = 0;

    if (n < 0 || n > STORE_IDS_MAX) {
        free(img);
        return kr_fail(err, KRS_INVALID_ARGUMENT, "store: %d ids at once", n);
    }
    list[len++] = '{';
    for (int i = 0; i < n && len < sizeof list; i++) /* 20 digits and a comma each: it fits */
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%lld", i ? "," : "",
                                (long long)ids[i]);
    snprintf(list + len, sizeof list - len, "}");
    store_pg__text(&p, list);
    if (!rc)
        rc = store_pg__exec(s, PG_IMG_GET_IDS, &p, &r, err);
    if (!rc)
        rc = each_in_page(r, img, cb, ctx, &stop, err);
    PQclear(r);
    free(img);
    return rc;
}

/* The signature columns at their STORE__IMAGE_COLS positions (decode_sig). */
#define SIGS_SQL     "SELECT id, NULL::text, hash, quality, \"desc\", scene FROM images"
#define SIGS_C_SCENE 5

/* One streamed row into img (id and signature) and cb; *stop when cb says. */
static enum kr_code sig_row(const PGresult *r, struct store_image *img,
                            int (*cb)(const struct store_image *img, void *ctx), void *ctx,
                            int *stop, struct kr_err *err)
{
    enum kr_code rc = store_pg__get_i64(r, 0, STORE__C_ID, &img->id, err);

    if (!rc)
        rc = decode_sig(r, 0, SIGS_C_SCENE, img, err);
    if (!rc && cb(img, ctx))
        *stop = 1;
    return rc;
}

enum kr_code store_pg__image_sigs(struct store *s,
                                  int (*cb)(const struct store_image *img, void *ctx), void *ctx,
                                  struct kr_err *err)
{
    struct pg_store *q = store_pg__of(s);
    struct store_image *img = calloc(1, sizeof *img);
    struct pg_conn *c = NULL;
    enum kr_code rc = img ? store_pg__acquire(q, &c, err)
                          : kr_fail(err, KRS_OUT_OF_MEMORY, "store: out of memory");
    int stop = 0, broken = 0;
    PGresult *r;

    if (rc)
        goto out;
    atomic_fetch_add(&q->round_trips, 1);
    if (!PQsendQueryParams(c->db, SIGS_SQL, 0, NULL, NULL, NULL, NULL, 1) ||
        !PQsetSingleRowMode(c->db)) {
        rc = store_pg__fail(c->db, NULL, "read signatures", err);
        broken = 1;
        goto out;
    }
    /* rows until the final TUPLES_OK (or an error); on a stop or a failure
     * the rest is not read: the connection is closed instead */
    while (!broken && (r = PQgetResult(c->db)) != NULL) {
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_SINGLE_TUPLE)
            rc = sig_row(r, img, cb, ctx, &stop, err);
        else if (st != PGRES_TUPLES_OK)
            rc = store_pg__fail(c->db, r, "read signatures", err);
        broken = rc != KR_OK || stop;
        PQclear(r);
    }
out:
    if (c)
        store_pg__release(q, c, broken);
    free(img);
    return rc;
}

enum kr_code store_pg__image_count(struct store *s, long long *n, struct kr_err *err)
{
    PGresult *r = NULL;
    int64_t v = 0;
    enum kr_code rc = store_pg__exec(s, PG_IMG_COUNT, NULL, &r, err);

    if (!rc)
        rc = PQntuples(r) == 1 ? store_pg__get_i64(r, 0, 0, &v, err)
                               : kr_fail(err, KRS_STORE_IO, "store: count images: no row");
    if (!rc)
        *n = v;
    PQclear(r);
    return rc;
}
