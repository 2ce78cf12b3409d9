/*
 * collection.c - POST /semantic_filter_jewelry/: pick a collection.
 *
 * The original sent the filters to an upstream API and applied none of
 * its own, used only the first style, embedded every product on every
 * request and appended the extra ids even when chosen already. Here:
 *
 *  1. The request is judged first (types, ranges, every style known:
 *     an unknown one is unknown_style, and the API lists the valid names).
 *  2. Filters (category, colour, price range, date range) are part of the
 *     store query, so every product returned satisfies them exactly.
 *  3. Ranking is offline full-text search (BM25 in SQLite FTS5, ts_rank
 *     in PostgreSQL) over the product text. Every style counts: one ranked
 *     list per style, its query the words of the style's name and
 *     description plus the audience and manual prompt (any word may match;
 *     more and rarer matches rank higher; words more than half of the
 *     products hold are dropped, see drop_common); the lists
 *     are taken in turns, so each style has its share. Products that match
 *     no word follow, newest first.
 *  4. Diversity: going down the ranking, a piece near-identical to one
 *     already chosen is skipped: by the duplicate rule on the first photos'
 *     signatures when both have photos, else by the overlap of their words
 *     (Jaccard >= NEAR_TEXT).
 *  5. extra_jwellery ids are appended in order, each once, only when not
 *     chosen already and only when the product exists (filters do not
 *     apply to them: the caller asked for them by name).
 *  6. Title and description come from templates (collection_out.c),
 *     rewritten by the copy provider when one is configured (o->writer;
 *     "copy": "provider", else "template" and, if it failed, "copy_note").
 *
 * With an embedder (o->emb), step 3's lists are made by meaning instead
 * (collection_embed.c: every filtered candidate scored by its cached
 * vector against the list's query vector, blended with the same full-text
 * score), and the answer says "ranking": "embeddings". When the provider
 * fails, the offline lists are used and "ranking_note" says why; a store
 * failure fails the request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedup/dedup.h"
#include "product/product_int.h"

#define NEAR_TEXT     0.9
#define POOL_PER_ITEM 10
#define POOL_MIN      100
#define POOL_MAX      2000
#define QUERY_WORDS   STORE_PRODUCT_WORDS_MAX
#define STYLES_MAX    59

struct needs {
    int size;
    const char *colour, *category, *audience, *prompt;
    int styles[STYLES_MAX], nstyles;
    struct store_product_query q; /* the filters */
    json_t *extras;               /* array of id strings */
};

static enum kr_code bad(struct kr_err *err, const char *field, const char *why)
{
    return kr_fail(err, KRS_BAD_JSON, "user_needs.%s %s", field, why);
}

/* An optional string field ("" when absent or null). */
static enum kr_code opt_str(json_t *o, const char *k, const char **out, struct kr_err *err)
{
    json_t *v = json_object_get(o, k);

    *out = json_is_string(v) ? json_string_value(v) : "";
    if (v && !json_is_null(v) && !json_is_string(v))
        return bad(err, k, "must be a string");
    if (strlen(*out) > 4096)
        return bad(err, k, "is too long");
    return KR_OK;
}

static enum kr_code opt_price(json_t *o, const char *k, int *has, double *v, struct kr_err *err)
{
    json_t *x = json_object_get(o, k);

    *has = x && !json_is_null(x);
    if (!*has)
        return KR_OK;
    if (json_is_number(x))
        *v = json_number_value(x);
    else if (!json_is_string(x) || product__parse_price(json_string_value(x), v))
        return bad(err, k, "must be a number >= 0");
    return *v >= 0 && *v <= 1e12 ? KR_OK : bad(err, k, "must be a number >= 0");
}

static enum kr_code opt_date(json_t *o, const char *k, int end, int *has, int64_t *ms,
                             struct kr_err *err)
{
    json_t *x = json_object_get(o, k);

    *has = x && !json_is_null(x) && !(json_is_string(x) && !*json_string_value(x));
    if (*has && (!json_is_string(x) || product__parse_date(json_string_value(x), end, ms)))
        return bad(err, k, "must be a date YYYY-MM-DD");
    return KR_OK;
}

static enum kr_code parse_styles(json_t *o, struct needs *n, struct kr_err *err)
{
    json_t *a = json_object_get(o, "category_description"), *v;
    size_t i;

    if (json_is_string(a)) /* one style given as text: taken as a list of one */
        a = json_pack("[O]", a);
    else
        json_incref(a);
    if (a && !json_is_array(a)) {
        json_decref(a);
        return bad(err, "category_description", "must be a list of style names");
    }
    json_array_foreach(a, i, v)
    {
        int k = product__style_find(json_string_value(v)), dup = 0;
        if (k < 0) {
            enum kr_code rc =
                kr_fail(err, KRS_UNKNOWN_STYLE, "unknown style \"%.64s\" in category_description",
                        json_is_string(v) ? json_string_value(v) : "(not text)");
            json_decref(a);
            return rc;
        }
        for (int j = 0; j < n->nstyles; j++)
            dup |= n->styles[j] == k;
        if (!dup && n->nstyles < STYLES_MAX)
            n->styles[n->nstyles++] = k;
    }
    json_decref(a);
    return KR_OK;
}

static enum kr_code parse_extras(json_t *o, struct needs *n, struct kr_err *err)
{
    json_t *a = json_object_get(o, "extra_jwellery"), *v;
    size_t i;

    n->extras = json_array();
    if (!a || json_is_null(a))
        return KR_OK;
    if (!json_is_array(a) || json_array_size(a) > PRODUCT_EXTRAS_MAX)
        return bad(err, "extra_jwellery", "must be a list of at most 100 ids");
    json_array_foreach(a, i, v)
    {
        char num[32];
        if (json_is_integer(v))
            snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        else if (!json_is_string(v) || !*json_string_value(v) ||
                 strlen(json_string_value(v)) > STORE_PRODUCT_ID_MAX)
            return bad(err, "extra_jwellery", "must hold product ids");
        json_array_append_new(n->extras,
                              json_string(json_is_integer(v) ? num : json_string_value(v)));
    }
    return KR_OK;
}

static enum kr_code parse_needs(json_t *body, struct needs *n, struct kr_err *err)
{
    json_t *o = json_object_get(body, "user_needs"), *sz = json_object_get(o, "collection_size");
    enum kr_code rc;

    if (!json_is_object(o))
        return kr_fail(err, KRS_BAD_JSON, "the body must be {\"user_needs\": {...}}");
    if (!json_is_integer(sz) || json_integer_value(sz) < 1 ||
        json_integer_value(sz) > PRODUCT_COLLECTION_MAX)
        return bad(err, "collection_size", "must be an integer 1..100");
    n->size = (int)json_integer_value(sz);
    rc = opt_str(o, "color", &n->colour, err);
    if (!rc)
        rc = opt_str(o, "category", &n->category, err);
    if (!rc)
        rc = opt_str(o, "target_audience", &n->audience, err);
    if (!rc)
        rc = opt_str(o, "manual_prompt", &n->prompt, err);
    if (!rc)
        rc = opt_price(o, "start_price", &n->q.has_price_min, &n->q.price_min, err);
    if (!rc)
        rc = opt_price(o, "end_price", &n->q.has_price_max, &n->q.price_max, err);
    if (!rc)
        rc = opt_date(o, "start_date", 0, &n->q.has_from, &n->q.from_ms, err);
    if (!rc)
        rc = opt_date(o, "end_date", 1, &n->q.has_to, &n->q.to_ms, err);
    if (!rc && n->q.has_price_min && n->q.has_price_max && n->q.price_min > n->q.price_max)
        rc = bad(err, "start_price", "is above end_price");
    if (!rc && n->q.has_from && n->q.has_to && n->q.from_ms > n->q.to_ms)
        rc = bad(err, "start_date", "is after end_date");
    if (!rc)
        rc = parse_styles(o, n, err);
    if (!rc)
        rc = parse_extras(o, n, err);
    if (rc)
        return rc;
    n->q.colour = *n->colour ? n->colour : NULL;
    n->q.category = *n->category ? n->category : NULL;
    return KR_OK;
}

/* ---- choosing ---- */

struct cand {
    json_t *row;
    struct product_words words; /* its text, for the text similarity */
    int has_sig;
    struct dedup_sig sig;
};

struct pick {
    struct store *s;
    struct needs *n;
    struct dedup_rule rule;
    struct cand *c; /* chosen */
    int nc;
    json_t *seen;  /* id -> true, every product looked at */
    int page_rows; /* rows the current query handed over */
    const struct product_collection_opts *o; /* may be NULL */
    const char *ranking;                     /* "offline" or "embeddings" */
    char note[KR_ERR_MSG + 64];              /* why embeddings were not used, or "" */
};

static double jaccard(const struct product_words *a, const struct product_words *b)
{
    int inter = 0;

    if (!a->n || !b->n)
        return 0;
    for (const char *p = a->s; *p;) {
        const char *e = strchr(p, ' ');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        for (const char *q = b->s; *q;) {
            const char *f = strchr(q, ' ');
            size_t m = f ? (size_t)(f - q) : strlen(q);
            if (l == m && !memcmp(p, q, l)) {
                inter++;
                break;
            }
            q = f ? f + 1 : q + m;
        }
        p = e ? e + 1 : p + l;
    }
    return (double)inter / (double)(a->n + b->n - inter);
}

static const char *jstr(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

static void cand_fill(struct pick *pk, struct cand *c, const json_t *row)
{
    struct kr_err ignore = {0};
    json_t *ph = json_object_get(row, "photo_ids");
    char *attrs = json_dumps(json_object_get(row, "attributes"), JSON_COMPACT);
    struct store_image img;

    product__words_add(&c->words, jstr(row, "name"), QUERY_WORDS, &ignore);
    product__words_add(&c->words, jstr(row, "description"), QUERY_WORDS, &ignore);
    product__words_add(&c->words, attrs, QUERY_WORDS, &ignore);
    product__words_add(&c->words, jstr(row, "colour"), QUERY_WORDS, &ignore);
    free(attrs);
    /* A photo whose row is gone (or any failure) just means no signature:
     * the text rule decides then. */
    if (json_array_size(ph) &&
        store_image_get(pk->s, json_integer_value(json_array_get(ph, 0)), &img, &ignore) == KR_OK) {
        c->sig = img.sig;
        c->has_sig = 1;
    }
}

static int near_identical(const struct pick *pk, const struct cand *a)
{
    for (int i = 0; i < pk->nc; i++) {
        const struct cand *b = &pk->c[i];
        if (a->has_sig && b->has_sig ? dedup_match(&a->sig, &b->sig, &pk->rule, NULL)
                                     : jaccard(&a->words, &b->words) >= NEAR_TEXT)
            return 1;
    }
    return 0;
}

/* Take row (a reference is taken) unless seen or near-identical to a chosen one. */
static void consider_row(struct pick *pk, json_t *row)
{
    struct cand c = {0};
    const char *id = jstr(row, "id");

    if (pk->nc >= pk->n->size || json_object_get(pk->seen, id))
        return;
    json_object_set_new(pk->seen, id, json_true());
    cand_fill(pk, &c, row);
    if (near_identical(pk, &c)) {
        product__words_free(&c.words);
        return;
    }
    c.row = json_incref(row);
    pk->c[pk->nc++] = c;
}

static int consider(const struct store_product *p, double score, void *ctx)
{
    struct pick *pk = ctx;
    json_t *row;

    (void)score;
    pk->page_rows++;
    if (pk->nc >= pk->n->size)
        return 1;
    if (json_object_get(pk->seen, p->id))
        return 0;
    row = product__row_json(p);
    consider_row(pk, row);
    json_decref(row);
    return pk->nc >= pk->n->size;
}

static int collect_row(const struct store_product *p, double score, void *ctx)
{
    (void)score;
    json_array_append_new(ctx, product__row_json(p));
    return 0;
}

/* Words of style k (k < 0: none), then the audience and prompt. Not the
 * colour and category: they are exact filters, so every candidate has
 * them, and as search words they only made every product match (BM25
 * then scored thousands of rows for no change in order). */
static enum kr_code query_words(const struct needs *n, int k, struct product_words *w,
                                struct kr_err *err)
{
    const char *more[] = {k >= 0 ? product_style_name(k) : "", k >= 0 ? product_style_text(k) : "",
                          n->audience, n->prompt};
    enum kr_code rc = KR_OK;

    for (size_t i = 0; !rc && i < sizeof more / sizeof more[0]; i++)
        rc = product__words_add(w, more[i], QUERY_WORDS, err);
    return rc;
}

/* The text list k's query vector is made from (malloc'd). */
static char *query_text(const struct needs *n, int k)
{
    const char *style = k >= 0 ? product_style_name(k) : "",
               *desc = k >= 0 ? product_style_text(k) : "";
    size_t len = strlen(style) + strlen(desc) + strlen(n->colour) + strlen(n->category) +
                 strlen(n->audience) + strlen(n->prompt) + 96;
    char *t = malloc(len);

    if (t)
        snprintf(t, len, "Jewellery collection. %s%s%s Colour: %s. Category: %s. For: %s. %s",
                 style, *style ? ": " : "", desc, n->colour, n->category, n->audience, n->prompt);
    return t;
}

/* got[0..lists-1] by meaning (pk->ranking set to "embeddings" when done). */
static enum kr_code by_meaning(struct pick *pk, int lists, struct product_words *w, json_t **got,
                               struct kr_err *err)
{
    const char *queries[STYLES_MAX], *words[STYLES_MAX];
    struct product__embed_in in = {.s = pk->s,
                                   .o = pk->o,
                                   .f = &pk->n->q,
                                   .nlists = lists,
                                   .queries = queries,
                                   .words = words};
    enum kr_code rc = KR_OK;
    int done = 0;

    for (int i = 0; i < lists; i++) {
        queries[i] = query_text(pk->n, pk->n->nstyles ? pk->n->styles[i] : -1);
        words[i] = w[i].s;
        if (!queries[i])
            rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    }
    if (!rc)
        rc = product__embed_rank(&in, got, &done, pk->note, sizeof pk->note, err);
    if (!rc && done)
        pk->ranking = "embeddings";
    for (int i = 0; i < lists; i++)
        free((char *)queries[i]);
    return rc;
}

/* Leave out of every list the words more than half of the products hold:
 * BM25 gives them no weight (their IDF is clamped to ~0), yet they make
 * nearly every product a match to be scored. Words whose count is not
 * known (past the union's bound) stay. */
static enum kr_code drop_common(struct pick *pk, struct product_words *w, int lists,
                                struct kr_err *err)
{
    struct product_words u = {0};
    long long total = 0, *docs = NULL;
    json_t *common = json_object();
    enum kr_code rc = KR_OK;
    int k = 0;

    for (int i = 0; !rc && i < lists; i++)
        rc = product__words_add(&u, w[i].s, QUERY_WORDS, err);
    if (!rc && u.n && !(docs = calloc((size_t)u.n, sizeof *docs)))
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    if (!rc && u.n)
        rc = store_product_word_docs(pk->s, u.s, &total, docs, err);
    for (const char *p = u.s; !rc && p && *p; k++) {
        size_t n = strcspn(p, " ");
        char word[STORE_PRODUCT_WORDS_MAX];
        snprintf(word, sizeof word, "%.*s", (int)n, p);
        if (docs[k] * 2 > total)
            json_object_set_new(common, word, json_true());
        p += n + (p[n] == ' ');
    }
    for (int i = 0; !rc && json_object_size(common) && i < lists; i++) {
        struct product_words kept = {0};
        for (const char *p = w[i].s; !rc && p && *p;) {
            size_t n = strcspn(p, " ");
            char word[STORE_PRODUCT_WORDS_MAX];
            snprintf(word, sizeof word, "%.*s", (int)n, p);
            if (!json_object_get(common, word))
                rc = product__words_add(&kept, word, QUERY_WORDS, err);
            p += n + (p[n] == ' ');
        }
        product__words_free(&w[i]);
        w[i] = kept;
    }
    free(docs);
    json_decref(common);
    product__words_free(&u);
    return rc;
}

/* One ranked list per style (a single list without styles), then taken
 * in turns, so every style has its share of the collection. */
static enum kr_code ranked(struct pick *pk, int limit, struct kr_err *err)
{
    struct needs *n = pk->n;
    int lists = n->nstyles ? n->nstyles : 1;
    json_t *got[STYLES_MAX] = {0};
    struct product_words w[STYLES_MAX] = {{0}};
    enum kr_code rc = KR_OK;
    size_t most = 0;

    for (int i = 0; !rc && i < lists; i++)
        rc = query_words(n, n->nstyles ? n->styles[i] : -1, &w[i], err);
    if (!rc)
        rc = drop_common(pk, w, lists, err);
    if (!rc && pk->o && pk->o->emb)
        rc = by_meaning(pk, lists, w, got, err);
    for (int i = 0, offline = !got[0]; !rc && offline && i < lists; i++) {
        struct store_product_query q = n->q;
        json_t *list = json_array();
        q.limit = limit;
        q.words = w[i].s;
        q.any_word = 1;
        if (w[i].n)
            rc = store_product_query(pk->s, &q, collect_row, list, err);
        got[i] = list;
    }
    for (int i = 0; !rc && i < lists; i++)
        most = json_array_size(got[i]) > most ? json_array_size(got[i]) : most;
    for (size_t r = 0; !rc && r < most && pk->nc < n->size; r++)
        for (int i = 0; i < lists; i++)
            if (r < json_array_size(got[i]))
                consider_row(pk, json_array_get(got[i], r));
    for (int i = 0; i < lists; i++) {
        json_decref(got[i]);
        product__words_free(&w[i]);
    }
    return rc;
}

static enum kr_code choose(struct pick *pk, struct kr_err *err)
{
    struct needs *n = pk->n;
    struct store_product_query q = n->q;
    int styles = n->nstyles ? n->nstyles : 1;
    int pool = n->size * POOL_PER_ITEM / styles;
    enum kr_code rc = ranked(pk,
                             pool < POOL_MIN   ? POOL_MIN
                             : pool > POOL_MAX ? POOL_MAX
                                               : pool,
                             err);

    /* Then the rest that pass the filters, newest first, page by page. */
    q.limit = POOL_MAX;
    for (q.offset = 0; !rc && pk->nc < n->size; q.offset += q.limit) {
        pk->page_rows = 0;
        rc = store_product_query(pk->s, &q, consider, pk, err);
        if (pk->page_rows < q.limit)
            break; /* the last page */
    }
    return rc;
}

/* Append the extras that exist and are not chosen yet. */
static enum kr_code add_extras(struct pick *pk, json_t *rows, struct kr_err *err)
{
    json_t *v, *p;
    size_t i;

    json_array_foreach(pk->n->extras, i, v)
    {
        const char *id = json_string_value(v);
        int chosen = 0;
        for (size_t k = 0; k < json_array_size(rows); k++)
            chosen |=
                !strcmp(id, json_string_value(json_object_get(json_array_get(rows, k), "id")));
        if (chosen)
            continue;
        enum kr_code rc = product_get_json(pk->s, id, &p, err);
        if (rc == KR_ENOTFOUND)
            continue;
        if (rc)
            return rc;
        json_array_append_new(rows, p);
    }
    return KR_OK;
}

static json_t *answer(const struct pick *pk, const json_t *rows, const struct product__pick *p,
                      const char *id)
{
    const char *title = p->title, *desc = p->description;
    json_t *ids = json_array(), *v;
    size_t i;

    json_array_foreach(rows, i, v)
    {
        json_array_append(ids, json_object_get(v, "id"));
    }
    json_t *o =
        json_pack("{s:o, s:s, s:s, s:s, s:s}", "top_jewelry_ids", ids, "collection_description",
                  desc, "collection_title", title, "collection_id", id, "ranking", pk->ranking);
    if (o && *pk->note)
        json_object_set_new(o, "ranking_note", json_string(pk->note));
    if (o)
        json_object_set_new(o, "copy", json_string(p->copy ? p->copy : "template"));
    if (o && *p->copy_note)
        json_object_set_new(o, "copy_note", json_string(p->copy_note));
    return o;
}

enum kr_code product_collection(struct store *s, json_t *body,
                                const struct product_collection_opts *o, json_t **out,
                                struct kr_err *err)
{
    struct needs n = {0};
    struct pick pk = {.s = s, .n = &n, .seen = json_object(), .o = o, .ranking = "offline"};
    json_t *rows = json_array();
    struct product__pick p = {.rows = rows, .needs = json_object_get(body, "user_needs")};
    char id[64];
    enum kr_code rc = parse_needs(body, &n, err);

    *out = NULL;
    dedup_rule_default(&pk.rule, -1, -1);
    pk.c = calloc(PRODUCT_COLLECTION_MAX, sizeof *pk.c);
    if (!rc && !pk.c)
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    if (!rc)
        rc = choose(&pk, err);
    for (int i = 0; i < pk.nc; i++)
        json_array_append(rows, pk.c[i].row);
    if (!rc)
        rc = add_extras(&pk, rows, err);
    if (!rc && !json_array_size(rows))
        rc = kr_fail(err, KRS_PRODUCT_NOT_FOUND, "No matching jewelry found");
    if (!rc) {
        p.styles = n.styles;
        p.nstyles = n.nstyles;
        product__templates(&p);
        product__provider_copy(&p, o ? o->writer : NULL);
        rc = p.title && p.description ? product__collection_save(s, &p, id, sizeof id, err)
                                      : kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    }
    if (!rc)
        *out = answer(&pk, rows, &p, id);
    for (int i = 0; pk.c && i < pk.nc; i++) {
        json_decref(pk.c[i].row);
        product__words_free(&pk.c[i].words);
    }
    free(pk.c);
    free(p.title);
    free(p.description);
    json_decref(rows);
    json_decref(pk.seen);
    json_decref(n.extras);
    return rc;
}
