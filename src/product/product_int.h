/*
 * product_int.h - shared by the files of src/product/ (not public).
 */
#ifndef KARAT_PRODUCT_PRODUCT_INT_H
#define KARAT_PRODUCT_PRODUCT_INT_H

#include "product/product.h"
#include "store/store.h"

/* A product checked into JSON form (product.c); *out is new. */
enum kr_code product__normalise(json_t *in, const char *id_override, json_t **out,
                                struct kr_err *err);
/* Store a normalised product. */
enum kr_code product__store(struct store *s, const json_t *p, struct kr_err *err);
/* Store arr[from..from+n-1] (normalised) in one transaction (n <= STORE_PRODUCT_BATCH_MAX). */
enum kr_code product__store_many(struct store *s, const json_t *arr, size_t from, int n,
                                 struct kr_err *err);
/* A stored row in JSON form. */
json_t *product__row_json(const struct store_product *p);

/* Dates: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.fff][Z]; end_of_day makes a
 * bare date mean its last millisecond. 0 ok, -1 malformed. */
int product__parse_date(const char *s, int end_of_day, int64_t *ms);
/* A number >= 0 from text; 0 ok, -1 malformed. */
int product__parse_price(const char *s, double *v);

/* Search words of text, appended to a set (lower-case [a-z0-9] runs, no
 * stop words, each once); the set is a space-separated string. */
struct product_words {
    char *s;
    size_t len, cap;
    int n;
};
enum kr_code product__words_add(struct product_words *w, const char *text, int max,
                                struct kr_err *err);
void product__words_free(struct product_words *w);

/* Index of a style by name (ASCII case ignored), -1 if none. */
int product__style_find(const char *name);

/* collection_embed.c: nlists ranked lists by meaning. queries[i] is list
 * i's text to embed, words[i] its full-text words (NULL or "" = none);
 * the candidates are the products passing f (newest first, at most
 * o->candidates). On KR_OK either *done = 1 and got[i] = the candidates as
 * rows (JSON form) best first, or *done = 0 (the provider failed; why in
 * note) and got is untouched. Store failures are errors. */
struct product__embed_in {
    struct store *s;
    const struct product_collection_opts *o;
    const struct store_product_query *f;
    int nlists;
    const char *const *queries, *const *words;
};
enum kr_code product__embed_rank(const struct product__embed_in *in, json_t **got, int *done,
                                 char *note, size_t nn, struct kr_err *err);
/* The text a product is embedded by (malloc'd; NULL: out of memory). */
char *product__embed_text(const json_t *row);

/* collection_out.c: title, description and the stored document. */
struct product__pick {
    json_t *rows;  /* chosen products in JSON form, in order */
    json_t *needs; /* the request's user_needs */
    const int *styles;
    int nstyles;
    char *title, *description; /* product__templates' (malloc'd) */
    const char *copy;          /* "template" or "provider" */
    char copy_note[KR_ERR_MSG + 64]; /* why the provider's copy was not used, or "" */
};
void product__templates(struct product__pick *p);
/* With a writer: the provider's title and description replace the
 * templates' (sets copy, or copy_note when the provider failed). */
void product__provider_copy(struct product__pick *p, const struct product_writer *w);
/* Store p as a new collection; its id into id_out. */
enum kr_code product__collection_save(struct store *s, const struct product__pick *p, char *id_out,
                                      size_t id_len, struct kr_err *err);

#endif
