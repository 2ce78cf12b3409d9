/*
 * postgres_products.c - the products table of the "postgres" store backend.
 *
 * Same contract as sqlite_products.c: an upsert by id, a delete that says
 * KR_ENOTFOUND only when the row is absent, and one query statement whose
 * optional filters are parameters bound as NULL when absent. The text is
 * indexed by a generated tsvector column (schema v4, GIN index) weighting
 * the name (A) above the attributes (B) above the description, colour and
 * category (C) and the SKU (D); a search ranks with ts_rank. The words
 * arrive checked by store_products.c ([a-z0-9] words) and are joined with
 * & or | into a to_tsquery text, so no client text is ever query syntax.
 *
 * Results come back in binary form: text columns as their bytes, the price
 * and score are cast to text (exact round trip), created_ms is a bigint.
 *
 * Word document counts: one count(*) over the tsvector index per word.
 *
 * Embeddings (schema v7): product_embeddings keyed by (model, text hash),
 * the vector as float32 little endian bytea. A lookup is one statement for
 * the whole batch (hash = ANY of an array literal: the hashes are checked
 * hex, so the literal needs no quoting); a put is one transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres.h"
#include "store/store_int.h"

#define FILTERS                                                                                    \
    " ($1::text IS NULL OR id = $1) AND ($2::text IS NULL OR lower(category) = lower($2))"         \
    " AND ($3::text IS NULL OR lower(colour) = lower($3))"                                         \
    " AND ($4::float8 IS NULL OR price >= $4) AND ($5::float8 IS NULL OR price <= $5)"             \
    " AND ($6::bigint IS NULL OR created_ms >= $6) AND ($7::bigint IS NULL OR created_ms <= $7)"   \
    " AND ($10::text IS NULL OR tsv @@ to_tsquery('english', $10))"

const char *const store_pg__product_sql[PG_NSTMT] = {
    [PG_PROD_PUT] = "INSERT INTO products (id, sku, name, description, attributes, colour,"
                    " category, price, created_ms, photos, listings)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::float8, $9, $10, $11)"
                    " ON CONFLICT (id) DO UPDATE SET sku = excluded.sku, name = excluded.name,"
                    " description = excluded.description, attributes = excluded.attributes,"
                    " colour = excluded.colour, category = excluded.category,"
                    " price = excluded.price, created_ms = excluded.created_ms,"
                    " photos = excluded.photos, listings = excluded.listings",
    [PG_PROD_DELETE] = "DELETE FROM products WHERE id = $1",
    [PG_PROD_QUERY] =
        "SELECT id, sku, name, description, attributes, colour, category, price::text,"
        " created_ms, photos, listings, r.score::float8::text FROM products,"
        " LATERAL (SELECT CASE WHEN $10::text IS NULL THEN 0::real"
        " ELSE ts_rank(tsv, to_tsquery('english', $10)) END AS score) r"
        " WHERE" FILTERS " ORDER BY r.score DESC,"
        " CASE WHEN $10::text IS NULL THEN created_ms END DESC, id LIMIT $8 OFFSET $9",
    [PG_PROD_DOCS] = "SELECT count(*) FROM products WHERE tsv @@ to_tsquery('english', $1)",
    [PG_PROD_COUNT] = "SELECT count(*) FROM products",
    [PG_EMB_GET] = "SELECT hash, dim, vec FROM product_embeddings"
                   " WHERE model = $1 AND hash = ANY ($2::text[])",
    [PG_EMB_PUT] =
        "INSERT INTO product_embeddings (model, hash, dim, vec)"
        " VALUES ($1, $2, $3::integer, $4)"
        " ON CONFLICT (model, hash) DO UPDATE SET dim = excluded.dim, vec = excluded.vec",
};

/* One row's parameters; the price as text in price (40 bytes). */
static void put_params(struct pg_params *pp, const struct store_product *p, char *price)
{
    memset(pp, 0, sizeof *pp);
    snprintf(price, 40, "%.17g", p->price);
    store_pg__text(pp, p->id);
    store_pg__text(pp, p->sku);
    store_pg__text(pp, p->name);
    store_pg__text(pp, p->description);
    store_pg__text(pp, p->attributes);
    store_pg__text(pp, p->colour);
    store_pg__text(pp, p->category);
    store_pg__text(pp, price);
    store_pg__int(pp, (long long)p->created_ms);
    store_pg__text(pp, p->photos);
    store_pg__text(pp, p->listings);
}

enum kr_code store_pg__product_put(struct store *s, const struct store_product *p, int n,
                                   struct kr_err *err)
{
    struct pg_params *pp = calloc((size_t)n, sizeof *pp);
    char(*price)[40] = calloc((size_t)n, sizeof *price);
    enum kr_code rc;

    if (!pp || !price) {
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "store: out of memory");
        goto out;
    }
    for (int i = 0; i < n; i++)
        put_params(&pp[i], &p[i], price[i]);
    rc = store_pg__exec_batch(s, PG_PROD_PUT, pp, n, err);
out:
    free(pp);
    free(price);
    return rc;
}

enum kr_code store_pg__product_delete(struct store *s, const char *id, struct kr_err *err)
{
    struct pg_params p = {0};
    PGresult *r = NULL;
    enum kr_code rc;

    store_pg__text(&p, id);
    rc = store_pg__exec(s, PG_PROD_DELETE, &p, &r, err);
    if (!rc && store_pg__changes(r) == 0)
        rc = kr_fail(err, KRS_PRODUCT_NOT_FOUND, "no product %s", id);
    PQclear(r);
    return rc;
}

/* The to_tsquery text for the words: joined with & or |. */
static char *ts_query(const struct store_product_query *q)
{
    char *out = malloc(strlen(q->words) * 3 + 1), *o = out;

    if (!out)
        return NULL;
    for (const char *w = q->words; *w; w++) {
        if (*w == ' ') {
            *o++ = ' ';
            *o++ = q->any_word ? '|' : '&';
        }
        *o++ = *w;
    }
    *o = '\0';
    return out;
}

/* Optional number as text into buf, or NULL. */
static const char *opt_num(int has, const char *fmt, double v, char *buf, size_t n)
{
    if (!has)
        return NULL;
    snprintf(buf, n, fmt, v);
    return buf;
}

static enum kr_code each_row(PGresult *r, store_product_cb cb, void *ctx, struct kr_err *err)
{
    for (int i = 0; i < PQntuples(r); i++) {
        struct store_product p = {.id = PQgetvalue(r, i, 0),
                                  .sku = PQgetvalue(r, i, 1),
                                  .name = PQgetvalue(r, i, 2),
                                  .description = PQgetvalue(r, i, 3),
                                  .attributes = PQgetvalue(r, i, 4),
                                  .colour = PQgetvalue(r, i, 5),
                                  .category = PQgetvalue(r, i, 6),
                                  .price = strtod(PQgetvalue(r, i, 7), NULL),
                                  .photos = PQgetvalue(r, i, 9),
                                  .listings = PQgetvalue(r, i, 10)};
        enum kr_code rc = store_pg__get_i64(r, i, 8, &p.created_ms, err);
        if (rc)
            return rc;
        if (cb(&p, strtod(PQgetvalue(r, i, 11), NULL), ctx))
            break;
    }
    return KR_OK;
}

enum kr_code store_pg__product_query(struct store *s, const struct store_product_query *q,
                                     store_product_cb cb, void *ctx, struct kr_err *err)
{
    struct pg_params p = {0};
    char lo[40], hi[40], from[24], to[24];
    char *words = q->words ? ts_query(q) : NULL;
    PGresult *r = NULL;
    enum kr_code rc;

    if (q->words && !words)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "store: out of memory");
    store_pg__text(&p, q->id);
    store_pg__text(&p, q->category);
    store_pg__text(&p, q->colour);
    store_pg__text(&p, opt_num(q->has_price_min, "%.17g", q->price_min, lo, sizeof lo));
    store_pg__text(&p, opt_num(q->has_price_max, "%.17g", q->price_max, hi, sizeof hi));
    snprintf(from, sizeof from, "%lld", (long long)q->from_ms);
    snprintf(to, sizeof to, "%lld", (long long)q->to_ms);
    store_pg__text(&p, q->has_from ? from : NULL);
    store_pg__text(&p, q->has_to ? to : NULL);
    store_pg__int(&p, q->limit);
    store_pg__int(&p, q->offset);
    store_pg__text(&p, words);
    rc = store_pg__exec(s, PG_PROD_QUERY, &p, &r, err);
    if (!rc)
        rc = each_row(r, cb, ctx, err);
    PQclear(r);
    free(words);
    return rc;
}

static enum kr_code count_rows(struct store *s, enum pg_stmt id, const char *word, long long *n,
                               struct kr_err *err)
{
    struct pg_params p = {0};
    PGresult *r = NULL;
    int64_t v = 0;
    enum kr_code rc;

    if (word)
        store_pg__text(&p, word);
    rc = store_pg__exec(s, id, &p, &r, err);
    if (!rc && PQntuples(r) != 1)
        rc = kr_fail(err, KRS_STORE_CORRUPT, "store: a count gave no row");
    if (!rc)
        rc = store_pg__get_i64(r, 0, 0, &v, err);
    *n = v;
    PQclear(r);
    return rc;
}

static enum kr_code word_count(struct store *s, const char *word, long long *n, struct kr_err *err)
{
    return count_rows(s, PG_PROD_DOCS, word, n, err);
}

enum kr_code store_pg__product_word_docs(struct store *s, const char *words, long long *total,
                                         long long *docs, struct kr_err *err)
{
    enum kr_code rc = count_rows(s, PG_PROD_COUNT, NULL, total, err);

    return rc ? rc : store__word_docs(s, words, docs, word_count, err);
}

/* ---- embeddings ---- */

static enum kr_code each_embedding(PGresult *r, store_embedding_cb cb, void *ctx,
                                   struct kr_err *err)
{
    float *vec = malloc(STORE_EMBED_DIM_MAX * sizeof *vec);
    enum kr_code rc = vec ? KR_OK : kr_fail(err, KRS_OUT_OF_MEMORY, "store: out of memory");

    for (int i = 0; !rc && i < PQntuples(r); i++) {
        int dim = 0;
        rc = store_pg__get_i32(r, i, 1, &dim, err);
        if (!rc && (dim < 1 || dim > STORE_EMBED_DIM_MAX || PQgetlength(r, i, 2) != 4 * dim))
            rc = kr_fail(err, KRS_STORE_CORRUPT, "store: an embedding has a bad size");
        if (rc)
            break;
        store__f32_decode((const unsigned char *)PQgetvalue(r, i, 2), dim, vec);
        if (cb(PQgetvalue(r, i, 0), vec, dim, ctx))
            break;
    }
    free(vec);
    return rc;
}

enum kr_code store_pg__embedding_get(struct store *s, const struct store_embedding_ask *q,
                                     store_embedding_cb cb, void *ctx, struct kr_err *err)
{
    struct pg_params p = {0};
    char *arr = malloc((size_t)q->n * (STORE_EMBED_HASH_LEN + 1) + 3), *o = arr;
    PGresult *r = NULL;
    enum kr_code rc;

    if (!arr)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "store: out of memory");
    *o++ = '{';
    for (int i = 0; i < q->n; i++) {
        if (i)
            *o++ = ',';
        memcpy(o, q->hashes[i], STORE_EMBED_HASH_LEN);
        o += STORE_EMBED_HASH_LEN;
    }
    *o++ = '}';
    *o = '\0';
    store_pg__text(&p, q->model);
    store_pg__text(&p, arr);
    rc = store_pg__exec(s, PG_EMB_GET, &p, &r, err);
    if (!rc)
        rc = each_embedding(r, cb, ctx, err);
    PQclear(r);
    free(arr);
    return rc;
}

enum kr_code store_pg__embedding_put(struct store *s, const char *model,
                                     const struct store_embedding *e, int n, struct kr_err *err)
{
    struct pg_params *pp = calloc((size_t)n, sizeof *pp);
    size_t total = 0, at = 0;
    unsigned char *buf;
    enum kr_code rc;

    for (int i = 0; i < n; i++)
        total += 4 * (size_t)e[i].dim;
    buf = malloc(total);

    if (!pp || !buf) {
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "store: out of memory");
        goto out;
    }
    for (int i = 0; i < n; i++) {
        unsigned char *b = buf + at;
        at += 4 * (size_t)e[i].dim;
        store__f32_encode(e[i].vec, e[i].dim, b);
        store_pg__text(&pp[i], model);
        store_pg__text(&pp[i], e[i].hash);
        store_pg__int(&pp[i], e[i].dim);
        store_pg__bin(&pp[i], b, 4 * e[i].dim);
    }
    rc = store_pg__exec_batch(s, PG_EMB_PUT, pp, n, err);
out:
    free(pp);
    free(buf);
    return rc;
}
