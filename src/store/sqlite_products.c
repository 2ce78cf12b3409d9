/*
 * sqlite_products.c - the products table of the "sqlite" store backend.
 *
 * One row per product (schema v3, sqlite_migrate.c), its text indexed by
 * the FTS5 table products_fts (external content: the products rows
 * themselves, kept in step by triggers, so an upsert or delete is one
 * statement and one transaction). A search ranks with FTS5's bm25(),
 * weighting the name above the attributes above the rest; the score
 * handed to the caller is -bm25 (larger is better).
 *
 * Optional filters are bound as NULL when absent ("?2 IS NULL OR ..."),
 * so two prepared statements (with and without words) cover every query.
 * The words arrive checked by store_products.c ([a-z0-9] words): each is
 * quoted and joined with AND or OR into the FTS5 query, so no client text
 * is ever FTS5 syntax.
 *
 * Word document counts (product_word_docs) are one count(*) of an FTS5
 * phrase query per word, so they stem exactly as a search does.
 *
 * Embeddings (schema v5): product_embeddings keyed by (model, text hash),
 * the vector as float32 little endian; a lookup is one indexed select per
 * hash on one connection, a put one IMMEDIATE transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "store/sqlite.h"
#include "store/store_int.h"

#define COLS                                                                                       \
    "p.id, p.sku, p.name, p.description, p.attributes, p.colour, p.category, p.price,"             \
    " p.created_ms, p.photos, p.listings"
#define FILTERS                                                                                    \
    " (?1 IS NULL OR p.id = ?1) AND (?2 IS NULL OR lower(p.category) = lower(?2))"                 \
    " AND (?3 IS NULL OR lower(p.colour) = lower(?3)) AND (?4 IS NULL OR p.price >= ?4)"           \
    " AND (?5 IS NULL OR p.price <= ?5) AND (?6 IS NULL OR p.created_ms >= ?6)"                    \
    " AND (?7 IS NULL OR p.created_ms <= ?7)"
#define BM25 "bm25(products_fts, 4.0, 1.0, 2.0, 1.0, 1.0, 0.5)"

const char *const store_sq_product_sql[SQ_NSTMT] = {
    [SQ_PROD_PUT] = "INSERT INTO products (id, sku, name, description, attributes, colour,"
                    " category, price, created_ms, photos, listings)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                    " ON CONFLICT (id) DO UPDATE SET sku = excluded.sku, name = excluded.name,"
                    " description = excluded.description, attributes = excluded.attributes,"
                    " colour = excluded.colour, category = excluded.category,"
                    " price = excluded.price, created_ms = excluded.created_ms,"
                    " photos = excluded.photos, listings = excluded.listings",
    [SQ_PROD_DELETE] = "DELETE FROM products WHERE id = ?1",
    [SQ_PROD_LIST] = "SELECT " COLS ", 0.0 FROM products p WHERE" FILTERS
                     " ORDER BY p.created_ms DESC, p.id LIMIT ?8 OFFSET ?9",
    [SQ_PROD_SEARCH] =
        "SELECT " COLS ", -" BM25 " FROM products_fts"
        " JOIN products p ON p.seq = products_fts.rowid"
        " WHERE products_fts MATCH ?10 AND" FILTERS " ORDER BY " BM25 ", p.id LIMIT ?8 OFFSET ?9",
    [SQ_PROD_DOCS] = "SELECT count(*) FROM products_fts WHERE products_fts MATCH ?1",
    [SQ_PROD_COUNT] = "SELECT count(*) FROM products",
    [SQ_EMB_GET] = "SELECT dim, vec FROM product_embeddings WHERE model = ?1 AND hash = ?2",
    [SQ_EMB_PUT] =
        "INSERT INTO product_embeddings (model, hash, dim, vec) VALUES (?1, ?2, ?3, ?4)"
        " ON CONFLICT (model, hash) DO UPDATE SET dim = excluded.dim, vec = excluded.vec",
};

static enum kr_code bind_ok(sqlite3_stmt *st, int rc, struct kr_err *err)
{
    return rc == SQLITE_OK ? KR_OK : store_sq_fail(sqlite3_db_handle(st), rc, "bind", err);
}

static enum kr_code bind_put(sqlite3_stmt *st, const struct store_product *p, struct kr_err *err)
{
    const char *v[] = {p->id,         p->sku,    p->name,    p->description,
                       p->attributes, p->colour, p->category};
    enum kr_code rc = KR_OK;

    for (int i = 0; !rc && i < 7; i++)
        rc = store_sq_bind_text(st, i + 1, v[i], STORE_PRODUCT_TEXT_MAX, err);
    if (!rc)
        rc = bind_ok(st, sqlite3_bind_double(st, 8, p->price), err);
    if (!rc)
        rc = bind_ok(st, sqlite3_bind_int64(st, 9, p->created_ms), err);
    if (!rc)
        rc = store_sq_bind_text(st, 10, p->photos, STORE_PRODUCT_TEXT_MAX, err);
    if (!rc)
        rc = store_sq_bind_text(st, 11, p->listings, STORE_PRODUCT_TEXT_MAX, err);
    return rc;
}

/* n rows in one IMMEDIATE transaction (rolled back on a failure by
 * store_sq_release, which never hands on an open transaction). */
enum kr_code store_sq_product_put(struct store *s, const struct store_product *p, int n,
                                  struct kr_err *err)
{
    struct sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    enum kr_code rc = store_sq_begin(s, SQ_PROD_PUT, &c, &st, err);
    int brc = rc ? SQLITE_OK : sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

    if (!rc && brc != SQLITE_OK)
        rc = store_sq_fail(c->db, brc, "begin products", err);
    for (int i = 0; !rc && i < n; i++) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        rc = bind_put(st, &p[i], err);
        if (!rc)
            rc = store_sq_run(c->db, st, "put product", err);
    }
    if (!rc && (brc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
        rc = store_sq_fail(c->db, brc, "commit products", err);
    store_sq_end(s, c, st);
    return rc;
}

enum kr_code store_sq_product_delete(struct store *s, const char *id, struct kr_err *err)
{
    struct sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    enum kr_code rc = store_sq_begin(s, SQ_PROD_DELETE, &c, &st, err);

    if (!rc)
        rc = store_sq_bind_text(st, 1, id, STORE_PRODUCT_ID_MAX, err);
    if (!rc)
        rc = store_sq_run(c->db, st, "delete product", err);
    if (!rc && sqlite3_changes(c->db) == 0)
        rc = kr_fail(err, KRS_PRODUCT_NOT_FOUND, "no product %s", id);
    store_sq_end(s, c, st);
    return rc;
}

/* The FTS5 query for q's words: each quoted, joined with AND or OR. */
static char *fts_query(const struct store_product_query *q)
{
    size_t n = strlen(q->words), cap = n * 2 + STORE_PRODUCT_WORDS_MAX * 8 + 8;
    char *out = malloc(cap), *o = out;

    if (!out)
        return NULL;
    *o++ = '"';
    const char *join = q->any_word ? "\" OR \"" : "\" AND \"";

    for (const char *w = q->words; *w; w++) {
        if (*w == ' ') {
            memcpy(o, join, strlen(join));
            o += strlen(join);
        } else {
            *o++ = *w;
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

static enum kr_code bind_filters(sqlite3_stmt *st, const struct store_product_query *q,
                                 struct kr_err *err)
{
    const char *t[] = {q->id, q->category, q->colour};
    enum kr_code rc = KR_OK;

    for (int i = 0; !rc && i < 3; i++)
        if (t[i])
            rc = store_sq_bind_text(st, i + 1, t[i], STORE_PRODUCT_TEXT_MAX, err);
    if (!rc && q->has_price_min)
        rc = bind_ok(st, sqlite3_bind_double(st, 4, q->price_min), err);
    if (!rc && q->has_price_max)
        rc = bind_ok(st, sqlite3_bind_double(st, 5, q->price_max), err);
    if (!rc && q->has_from)
        rc = bind_ok(st, sqlite3_bind_int64(st, 6, q->from_ms), err);
    if (!rc && q->has_to)
        rc = bind_ok(st, sqlite3_bind_int64(st, 7, q->to_ms), err);
    if (!rc)
        rc = bind_ok(st, sqlite3_bind_int(st, 8, q->limit), err);
    if (!rc)
        rc = bind_ok(st, sqlite3_bind_int(st, 9, q->offset), err);
    return rc;
}

static const char *col(sqlite3_stmt *st, int i)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    return v ? v : "";
}

enum kr_code store_sq_product_query(struct store *s, const struct store_product_query *q,
                                    store_product_cb cb, void *ctx, struct kr_err *err)
{
    struct sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    char *fts = NULL;
    int step = SQLITE_DONE;
    enum kr_code rc = store_sq_begin(s, q->words ? SQ_PROD_SEARCH : SQ_PROD_LIST, &c, &st, err);

    if (!rc)
        rc = bind_filters(st, q, err);
    if (!rc && q->words) {
        fts = fts_query(q);
        rc = fts ? bind_ok(st, sqlite3_bind_text(st, 10, fts, -1, SQLITE_STATIC), err)
                 : kr_fail(err, KRS_OUT_OF_MEMORY, "store: out of memory");
    }
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_product p = {.id = col(st, 0),
                                  .sku = col(st, 1),
                                  .name = col(st, 2),
                                  .description = col(st, 3),
                                  .attributes = col(st, 4),
                                  .colour = col(st, 5),
                                  .category = col(st, 6),
                                  .price = sqlite3_column_double(st, 7),
                                  .created_ms = sqlite3_column_int64(st, 8),
                                  .photos = col(st, 9),
                                  .listings = col(st, 10)};
        if (cb(&p, sqlite3_column_double(st, 11), ctx))
            break;
    }
    if (!rc && step != SQLITE_ROW && step != SQLITE_DONE)
        rc = store_sq_fail(c->db, step, "query products", err);
    store_sq_end(s, c, st);
    free(fts);
    return rc;
}

/* One count(*) statement's answer (a phrase bound as ?1 when word). */
static enum kr_code count_rows(struct store *s, enum sq_stmt id, const char *word, long long *n,
                               struct kr_err *err)
{
    struct sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    char phrase[STORE_PRODUCT_WORDS_MAX + 3];
    enum kr_code rc = store_sq_begin(s, id, &c, &st, err);
    int step;

    if (!rc && word) {
        snprintf(phrase, sizeof phrase, "\"%s\"", word); /* checked [a-z0-9] */
        rc = bind_ok(st, sqlite3_bind_text(st, 1, phrase, -1, SQLITE_TRANSIENT), err);
    }
    if (!rc && (step = sqlite3_step(st)) != SQLITE_ROW)
        rc = store_sq_fail(c->db, step, "count products", err);
    if (!rc)
        *n = sqlite3_column_int64(st, 0);
    store_sq_end(s, c, st);
    return rc;
}

static enum kr_code word_count(struct store *s, const char *word, long long *n,
                               struct kr_err *err)
{
    return count_rows(s, SQ_PROD_DOCS, word, n, err);
}

enum kr_code store_sq_product_word_docs(struct store *s, const char *words, long long *total,
                                        long long *docs, struct kr_err *err)
{
    enum kr_code rc = count_rows(s, SQ_PROD_COUNT, NULL, total, err);

    return rc ? rc : store__word_docs(s, words, docs, word_count, err);
}

/* ---- embeddings ---- */

enum kr_code store_sq_embedding_get(struct store *s, const struct store_embedding_ask *q,
                                    store_embedding_cb cb, void *ctx, struct kr_err *err)
{
    struct sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    float *vec = malloc(STORE_EMBED_DIM_MAX * sizeof *vec);
    enum kr_code rc = vec ? store_sq_begin(s, SQ_EMB_GET, &c, &st, err)
                          : kr_fail(err, KRS_OUT_OF_MEMORY, "store: out of memory");
    int stop = 0;

    if (!rc)
        rc = store_sq_bind_text(st, 1, q->model, STORE_EMBED_MODEL_MAX, err);
    for (int i = 0; !rc && !stop && i < q->n; i++) {
        int step, dim;
        sqlite3_reset(st);
        rc = store_sq_bind_text(st, 2, q->hashes[i], STORE_EMBED_HASH_LEN, err);
        if (rc || (step = sqlite3_step(st)) == SQLITE_DONE)
            continue;
        if (step != SQLITE_ROW) {
            rc = store_sq_fail(c->db, step, "get embedding", err);
            break;
        }
        dim = sqlite3_column_int(st, 0);
        if (dim < 1 || dim > STORE_EMBED_DIM_MAX || sqlite3_column_bytes(st, 1) != 4 * dim) {
            rc = kr_fail(err, KRS_STORE_CORRUPT, "store: embedding %.16s has a bad size",
                         q->hashes[i]);
            break;
        }
        store__f32_decode(sqlite3_column_blob(st, 1), dim, vec);
        stop = cb(q->hashes[i], vec, dim, ctx);
    }
    store_sq_end(s, c, st);
    free(vec);
    return rc;
}

static enum kr_code bind_embedding(sqlite3_stmt *st, const char *model,
                                   const struct store_embedding *e, unsigned char *buf,
                                   struct kr_err *err)
{
    enum kr_code rc = store_sq_bind_text(st, 1, model, STORE_EMBED_MODEL_MAX, err);

    if (!rc)
        rc = store_sq_bind_text(st, 2, e->hash, STORE_EMBED_HASH_LEN, err);
    if (!rc)
        rc = bind_ok(st, sqlite3_bind_int(st, 3, e->dim), err);
    store__f32_encode(e->vec, e->dim, buf);
    if (!rc)
        rc = bind_ok(st, sqlite3_bind_blob(st, 4, buf, 4 * e->dim, SQLITE_STATIC), err);
    return rc;
}

enum kr_code store_sq_embedding_put(struct store *s, const char *model,
                                    const struct store_embedding *e, int n, struct kr_err *err)
{
    struct sq_conn *c = NULL;
    sqlite3_stmt *st = NULL;
    unsigned char *buf = malloc(4 * STORE_EMBED_DIM_MAX);
    enum kr_code rc = buf ? store_sq_begin(s, SQ_EMB_PUT, &c, &st, err)
                          : kr_fail(err, KRS_OUT_OF_MEMORY, "store: out of memory");
    int brc = rc ? SQLITE_OK : sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

    if (!rc && brc != SQLITE_OK)
        rc = store_sq_fail(c->db, brc, "begin embeddings", err);
    for (int i = 0; !rc && i < n; i++) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        rc = bind_embedding(st, model, &e[i], buf, err);
        if (!rc)
            rc = store_sq_run(c->db, st, "put embedding", err);
    }
    if (!rc && (brc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
        rc = store_sq_fail(c->db, brc, "commit embeddings", err);
    store_sq_end(s, c, st);
    free(buf);
    return rc;
}
