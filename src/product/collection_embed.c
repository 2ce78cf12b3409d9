/*
 * collection_embed.c - ranking a collection's candidates by meaning.
 *
 * The original embedded every product on every request into a vector
 * store it never cleared. Here each product's text is embedded once per
 * model: the vector is cached in the store under (model, SHA-256 of the
 * text), so a request only embeds products it has never seen with that
 * text (a changed product has a new hash and is embedded again; an old
 * vector is simply never asked for again). Per request:
 *
 *  1. The candidates: products passing the exact filters, newest first, at
 *     most o->candidates (the filters stay part of the store query).
 *  2. Their cached vectors in batches of STORE_EMBED_BATCH_MAX; the texts
 *     with none are embedded (o->emb->batch at a time) and stored.
 *  3. One query vector per list (each style's words with the audience,
 *     colour, category and prompt), and each list's full-text scores
 *     (BM25 / ts_rank) over the same candidates.
 *  4. score = w * cosine + (1 - w) * text score / the list's best text
 *     score; each list is the candidates best first.
 *
 * A provider failure (embed() returning an error) is not the request's
 * failure: *done stays 0 with the reason, and the caller ranks offline and
 * says so. A store failure is an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "product/product_int.h"

struct cands {
    json_t *rows;  /* candidates in JSON form */
    char **hash;   /* per candidate: its text's hash (hex) */
    json_t *slot;  /* hash -> index into vec (integer) */
    float *vec;    /* nslots * dim */
    char *have;    /* per slot: vector known */
    int *slot_row; /* per slot: the first candidate with its text */
    int n, nslots, dim;
};

static void cands_free(struct cands *c)
{
    for (int i = 0; c->hash && i < c->n; i++)
        free(c->hash[i]);
    free(c->hash);
    free(c->vec);
    free(c->have);
    free(c->slot_row);
    json_decref(c->rows);
    json_decref(c->slot);
}

static const char *jstr(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

char *product__embed_text(const json_t *row)
{
    char *attrs = json_dumps(json_object_get(row, "attributes"), JSON_COMPACT | JSON_SORT_KEYS);
    size_t n;
    char *t;

    if (!attrs)
        return NULL;
    n = strlen(jstr(row, "name")) + strlen(jstr(row, "description")) + strlen(attrs) +
        strlen(jstr(row, "colour")) + strlen(jstr(row, "category")) + 64;
    if ((t = malloc(n)))
        snprintf(t, n, "%s. %s. Category: %s. Colour: %s. Attributes: %s", jstr(row, "name"),
                 jstr(row, "description"), jstr(row, "category"), jstr(row, "colour"), attrs);
    free(attrs);
    return t;
}

static int collect(const struct store_product *p, double score, void *ctx)
{
    (void)score;
    json_array_append_new(ctx, product__row_json(p));
    return 0;
}

/* Candidates, their hashes and slots (one per distinct text). */
static enum kr_code load(const struct product__embed_in *in, struct cands *c, struct kr_err *err)
{
    struct store_product_query q = *in->f;
    enum kr_code rc;

    q.words = NULL;
    q.limit = in->o->candidates;
    q.offset = 0;
    c->rows = json_array();
    c->slot = json_object();
    if ((rc = store_product_query(in->s, &q, collect, c->rows, err)))
        return rc;
    c->n = (int)json_array_size(c->rows);
    c->dim = in->o->emb->dim;
    c->hash = calloc((size_t)c->n + 1, sizeof *c->hash);
    c->slot_row = calloc((size_t)c->n + 1, sizeof *c->slot_row);
    c->have = calloc((size_t)c->n + 1, 1);
    c->vec = calloc(((size_t)c->n + 1) * (size_t)c->dim, sizeof *c->vec);
    if (!c->hash || !c->slot_row || !c->have || !c->vec)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    for (int i = 0; i < c->n; i++) {
        char *t = product__embed_text(json_array_get(c->rows, (size_t)i));
        if (!t || !(c->hash[i] = malloc(65))) {
            free(t);
            return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
        }
        util_sha256_hex(t, strlen(t), c->hash[i]);
        free(t);
        if (!json_object_get(c->slot, c->hash[i])) {
            json_object_set_new(c->slot, c->hash[i], json_integer(c->nslots));
            c->slot_row[c->nslots++] = i;
        }
    }
    return KR_OK;
}

static int cached(const char *hash, const float *vec, int dim, void *ctx)
{
    struct cands *c = ctx;
    json_t *k = json_object_get(c->slot, hash);

    if (k && dim == c->dim) { /* another size under the same model name: embed again */
        memcpy(c->vec + json_integer_value(k) * c->dim, vec, (size_t)dim * sizeof *vec);
        c->have[json_integer_value(k)] = 1;
    }
    return 0;
}

/* Embed the slots with no vector, a batch at a time, storing each batch.
 * A provider failure: *failed = 1 (err says why), KR_OK. */
static enum kr_code embed_missing(const struct product__embed_in *in, struct cands *c, int *failed,
                                  struct kr_err *err)
{
    const struct product_embedder *e = in->o->emb;
    int *missing = malloc(((size_t)c->nslots + 1) * sizeof *missing), nmissing = 0;
    char **texts = calloc((size_t)e->batch, sizeof *texts);
    struct store_embedding *put = calloc((size_t)e->batch, sizeof *put);
    float *buf = malloc((size_t)e->batch * (size_t)c->dim * sizeof *buf);
    enum kr_code rc =
        missing && texts && put && buf ? KR_OK : kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");

    for (int i = 0; !rc && i < c->nslots; i++)
        if (!c->have[i])
            missing[nmissing++] = i;
    for (int at = 0; !rc && !*failed && at < nmissing; at += e->batch) {
        int n = nmissing - at < e->batch ? nmissing - at : e->batch;
        for (int k = 0; !rc && k < n; k++) {
            int row = c->slot_row[missing[at + k]];
            texts[k] = product__embed_text(json_array_get(c->rows, (size_t)row));
            put[k] = (struct store_embedding){c->hash[row], c->dim,
                                              c->vec + (size_t)missing[at + k] * (size_t)c->dim};
            if (!texts[k])
                rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
        }
        if (!rc && e->embed(e->ctx, 0, (const char *const *)texts, n, buf, err) != KR_OK)
            *failed = 1;
        for (int k = 0; !rc && !*failed && k < n; k++) {
            memcpy((float *)put[k].vec, buf + (size_t)k * (size_t)c->dim,
                   (size_t)c->dim * sizeof *buf);
            c->have[missing[at + k]] = 1;
        }
        if (!rc && !*failed)
            rc = store_embedding_put(in->s, e->model, put, n, err);
        for (int k = 0; k < n; k++) {
            free(texts[k]);
            texts[k] = NULL;
        }
    }
    free(missing);
    free(texts);
    free(put);
    free(buf);
    return rc;
}

/* Cached vectors, then the missing ones embedded. */
static enum kr_code vectors(const struct product__embed_in *in, struct cands *c, int *failed,
                            struct kr_err *err)
{
    const char **h = malloc(STORE_EMBED_BATCH_MAX * sizeof *h);
    enum kr_code rc = h ? KR_OK : kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");

    for (int at = 0; !rc && at < c->nslots; at += STORE_EMBED_BATCH_MAX) {
        int n = c->nslots - at < STORE_EMBED_BATCH_MAX ? c->nslots - at : STORE_EMBED_BATCH_MAX;
        for (int k = 0; k < n; k++)
            h[k] = c->hash[c->slot_row[at + k]];
        rc = store_embedding_get(in->s, &(struct store_embedding_ask){in->o->emb->model, h, n},
                                 cached, c, err);
    }
    free(h);
    return rc ? rc : embed_missing(in, c, failed, err);
}

struct text_scores {
    json_t *by_id; /* id -> score */
    double best;
};

static int text_score(const struct store_product *p, double score, void *ctx)
{
    struct text_scores *t = ctx;

    json_object_set_new(t->by_id, p->id, json_real(score));
    t->best = score > t->best ? score : t->best;
    return 0;
}

struct scored {
    double score;
    int row;
};

static int by_score(const void *a, const void *b)
{
    const struct scored *x = a, *y = b;
    return x->score > y->score ? -1 : x->score < y->score ? 1 : x->row - y->row;
}

/* List i: every candidate, best blended score first. */
static enum kr_code one_list(const struct product__embed_in *in, const struct cands *c,
                             const float *qv, const char *words, json_t **out, struct kr_err *err)
{
    struct text_scores t = {json_object(), 0};
    struct scored *sc = malloc(((size_t)c->n + 1) * sizeof *sc);
    double w = in->o->weight;
    enum kr_code rc = sc ? KR_OK : kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");

    if (!rc && words && *words) {
        struct store_product_query q = *in->f;
        q.words = words;
        q.any_word = 1;
        q.limit = in->o->candidates;
        q.offset = 0;
        rc = store_product_query(in->s, &q, text_score, &t, err);
    }
    for (int i = 0; !rc && i < c->n; i++) {
        const json_t *row = json_array_get(c->rows, (size_t)i);
        const float *v = c->vec + json_integer_value(json_object_get(c->slot, c->hash[i])) * c->dim;
        double dot = 0, ts = json_real_value(json_object_get(t.by_id, jstr(row, "id")));
        for (int k = 0; k < c->dim; k++)
            dot += (double)v[k] * qv[k];
        sc[i] = (struct scored){w * dot + (1 - w) * (t.best > 0 ? ts / t.best : 0), i};
    }
    if (!rc) {
        qsort(sc, (size_t)c->n, sizeof *sc, by_score);
        *out = json_array();
        for (int i = 0; i < c->n; i++)
            json_array_append(*out, json_array_get(c->rows, (size_t)sc[i].row));
    }
    free(sc);
    json_decref(t.by_id);
    return rc;
}

enum kr_code product__embed_rank(const struct product__embed_in *in, json_t **got, int *done,
                                 char *note, size_t nn, struct kr_err *err)
{
    const struct product_embedder *e = in->o->emb;
    struct cands c = {0};
    struct kr_err perr = {0};
    float *qv = NULL;
    int failed = 0;
    enum kr_code rc = load(in, &c, err);

    *done = 0;
    if (!rc && (rc = vectors(in, &c, &failed, &perr)))
        *err = perr; /* a store failure: a provider's sets failed, never rc */
    if (!rc && !failed && !(qv = malloc((size_t)in->nlists * (size_t)c.dim * sizeof *qv)))
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    for (int at = 0; !rc && !failed && c.n && at < in->nlists; at += e->batch) {
        int n = in->nlists - at < e->batch ? in->nlists - at : e->batch;
        failed = e->embed(e->ctx, 1, in->queries + at, n, qv + (size_t)at * (size_t)c.dim, &perr) !=
                 KR_OK;
    }
    for (int i = 0; !rc && !failed && i < in->nlists; i++)
        rc = one_list(in, &c, qv + (size_t)i * (size_t)c.dim, in->words[i], &got[i], err);
    if (!rc && !failed)
        *done = 1;
    if (failed)
        snprintf(note, nn, "embeddings unavailable (%s): ranked offline", perr.msg);
    for (int i = 0; rc && i < in->nlists; i++) {
        json_decref(got[i]); /* a list made before a failure */
        got[i] = NULL;
    }
    free(qv);
    cands_free(&c);
    return rc;
}
