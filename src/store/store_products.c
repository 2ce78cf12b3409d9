/*
 * store_products.c - the store_* wrappers of the product ops (store.h,
 * "products"): argument checks and bounds, once for every backend, then
 * the backend. A value longer than its bound is refused (KR_EINVAL), never
 * cut; a word list is checked to be what the backends may splice into a
 * full-text query ([a-z0-9] words separated by single spaces), so no
 * backend ever sees query syntax from a client. The embedding cache ops
 * are checked the same way (model name bounded, hashes SHA-256 hex, sizes
 * 1..STORE_EMBED_DIM_MAX).
 */
#include <string.h>

#include "store/store.h"

static enum kr_code check_text(const char *v, size_t max, const char *what, struct kr_err *err)
{
    if (!v)
        return kr_fail(err, KRS_BAD_ARGUMENT, "store: product: missing %s", what);
    if (strnlen(v, max + 1) > max)
        return kr_fail(err, KRS_STORE_VALUE_TOO_LONG, "store: product %s is longer than %zu bytes",
                       what, max);
    return KR_OK;
}

static enum kr_code check_words(const char *w, struct kr_err *err)
{
    int n = 0;

    if (!w)
        return KR_OK;
    for (const char *p = w; *p; p++) {
        int word = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9');
        if (!word && !(*p == ' ' && p > w && p[-1] != ' ' && p[1]))
            return kr_fail(err, KRS_BAD_ARGUMENT, "store: product search words are malformed");
        if (*p == ' ')
            n++;
    }
    if (!*w || n + 1 > STORE_PRODUCT_WORDS_MAX)
        return kr_fail(err, KRS_BAD_ARGUMENT, "store: product search needs 1..%d words",
                       STORE_PRODUCT_WORDS_MAX);
    return KR_OK;
}

static enum kr_code check_product(const struct store_product *p, struct kr_err *err)
{
    const char *v[] = {p->sku,    p->name,     p->description, p->attributes,
                       p->colour, p->category, p->photos,      p->listings};
    static const char *const what[] = {"sku",    "name",     "description", "attributes",
                                       "colour", "category", "photos",      "listings"};
    enum kr_code rc = check_text(p->id, STORE_PRODUCT_ID_MAX, "id", err);

    if (!rc && !*p->id)
        rc = kr_fail(err, KRS_BAD_ARGUMENT, "store: product: empty id");
    for (size_t i = 0; !rc && i < sizeof v / sizeof v[0]; i++)
        rc = check_text(v[i], STORE_PRODUCT_TEXT_MAX, what[i], err);
    return rc;
}

enum kr_code store_product_put_many(struct store *s, const struct store_product *p, int n,
                                    struct kr_err *err)
{
    enum kr_code rc = KR_OK;

    if (!s || !p || n < 1 || n > STORE_PRODUCT_BATCH_MAX)
        return kr_fail(err, KRS_BAD_ARGUMENT, "store: product_put: 1..%d rows",
                       STORE_PRODUCT_BATCH_MAX);
    for (int i = 0; !rc && i < n; i++)
        rc = check_product(&p[i], err);
    return rc ? rc : s->ops->product_put(s, p, n, err);
}

enum kr_code store_product_put(struct store *s, const struct store_product *p, struct kr_err *err)
{
    return store_product_put_many(s, p, 1, err);
}

enum kr_code store_product_delete(struct store *s, const char *id, struct kr_err *err)
{
    enum kr_code rc = s ? check_text(id, STORE_PRODUCT_ID_MAX, "id", err)
                        : kr_fail(err, KRS_BAD_ARGUMENT, "store: product_delete: no store");
    return rc ? rc : s->ops->product_delete(s, id, err);
}

enum kr_code store_product_query(struct store *s, const struct store_product_query *q,
                                 store_product_cb cb, void *ctx, struct kr_err *err)
{
    enum kr_code rc = KR_OK;

    if (!s || !q || !cb)
        return kr_fail(err, KRS_BAD_ARGUMENT, "store: product_query: missing argument");
    if (q->limit < 1 || q->limit > STORE_PRODUCT_PAGE_MAX || q->offset < 0)
        return kr_fail(err, KRS_BAD_ARGUMENT, "store: product_query: limit 1..%d, offset >= 0",
                       STORE_PRODUCT_PAGE_MAX);
    if (q->id)
        rc = check_text(q->id, STORE_PRODUCT_ID_MAX, "id", err);
    if (!rc && q->category)
        rc = check_text(q->category, STORE_PRODUCT_TEXT_MAX, "category", err);
    if (!rc && q->colour)
        rc = check_text(q->colour, STORE_PRODUCT_TEXT_MAX, "colour", err);
    if (!rc)
        rc = check_words(q->words, err);
    return rc ? rc : s->ops->product_query(s, q, cb, ctx, err);
}

enum kr_code store_product_word_docs(struct store *s, const char *words, long long *total,
                                     long long *docs, struct kr_err *err)
{
    enum kr_code rc = KR_OK;

    if (!s || !words || !total || !docs)
        return kr_fail(err, KRS_BAD_ARGUMENT, "store: product_word_docs: missing argument");
    rc = check_words(words, err);
    return rc ? rc : s->ops->product_word_docs(s, words, total, docs, err);
}

/* ---- embeddings ---- */

static enum kr_code check_model(struct store *s, const char *model, int n, struct kr_err *err)
{
    if (!s || !model || !*model || n < 1 || n > STORE_EMBED_BATCH_MAX)
        return kr_fail(err, KRS_BAD_ARGUMENT, "store: embeddings: a model and 1..%d rows",
                       STORE_EMBED_BATCH_MAX);
    return check_text(model, STORE_EMBED_MODEL_MAX, "embedding model", err);
}

static enum kr_code check_hash(const char *h, struct kr_err *err)
{
    size_t n = h ? strspn(h, "0123456789abcdef") : 0;

    if (n != STORE_EMBED_HASH_LEN || h[n])
        return kr_fail(err, KRS_BAD_ARGUMENT, "store: embedding hash is not a SHA-256 hex");
    return KR_OK;
}

enum kr_code store_embedding_get(struct store *s, const struct store_embedding_ask *q,
                                 store_embedding_cb cb, void *ctx, struct kr_err *err)
{
    enum kr_code rc = q ? check_model(s, q->model, q->n, err)
                        : kr_fail(err, KRS_BAD_ARGUMENT, "store: embedding_get: missing argument");

    if (!rc && (!q->hashes || !cb))
        rc = kr_fail(err, KRS_BAD_ARGUMENT, "store: embedding_get: missing argument");
    for (int i = 0; !rc && i < q->n; i++)
        rc = check_hash(q->hashes[i], err);
    return rc ? rc : s->ops->embedding_get(s, q, cb, ctx, err);
}

enum kr_code store_embedding_put(struct store *s, const char *model,
                                 const struct store_embedding *e, int n, struct kr_err *err)
{
    enum kr_code rc = check_model(s, model, n, err);

    if (!rc && !e)
        rc = kr_fail(err, KRS_BAD_ARGUMENT, "store: embedding_put: missing argument");
    for (int i = 0; !rc && i < n; i++) {
        rc = check_hash(e[i].hash, err);
        if (!rc && (!e[i].vec || e[i].dim < 1 || e[i].dim > STORE_EMBED_DIM_MAX))
            rc = kr_fail(err, KRS_BAD_ARGUMENT, "store: embedding of 1..%d numbers",
                         STORE_EMBED_DIM_MAX);
    }
    return rc ? rc : s->ops->embedding_put(s, model, e, n, err);
}
