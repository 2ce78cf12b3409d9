/*
 * test_contract.c - the store contract, run against every backend: image
 * rows round-trip exactly, conflicts and lookups (oldest by sha256),
 * streaming image_each in id order with the store usable from the
 * callback, documents in key order, bounds (too long is KR_EINVAL, never
 * cut), many threads at once, and products (filters, full-text ranking,
 * upsert and delete, word document counts), the embedding cache (put, get,
 * replace, models apart, bounds) and the market watch list (ids, history
 * newest first, delete with its history, not found). Scene keypoints
 * (images.scene) round-trip through
 * insert, update_sig (set, replaced, cleared), image_sigs and image_get_ids
 * (the rows of a set of ids, missing ones left out, at most STORE_IDS_MAX).
 *
 * The backend is KARAT_TEST_STORE: "sqlite" (default) or "postgres" (a
 * fresh database per test on the tests' cluster, tests/support/pgtest.h).
 * ctest runs this file once per backend (unit.store.test_contract and
 * unit.store.test_contract.pg).
 */
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "pgtest.h"
#include "store/store.h"
#include "store_test.h"

struct fx {
    char dir[512];
    char loc[1200];
    const char *backend;
    struct store *s;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct kr_err err = {0};

    tu_tmpdir(f->dir, sizeof f->dir);
    if (tu_pg_mode()) {
        f->backend = "postgres";
        tu_pg_create_db(f->loc, sizeof f->loc);
    } else {
        f->backend = "sqlite";
        snprintf(f->loc, sizeof f->loc, "%s/karat.db", f->dir);
    }
    assert_int_equal(store_open(f->backend, f->loc, &f->s, &err), KR_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->s);
    if (tu_pg_mode())
        tu_pg_drop_db(f->loc);
    tu_rmrf(f->dir);
    free(f);
    return 0;
}

static void test_image_round_trip(void **state)
{
    struct fx *f = *state;
    struct store_image in, out, tmp;
    struct kr_err err = {0};
    long long n = -1;

    make_image(&in, 1234567890123LL, "20260101000000000001.jpg", 1700000000000LL);
    assert_int_equal(store_image_insert(f->s, &in, &err), KR_OK);
    assert_int_equal(store_image_get(f->s, in.id, &out, &err), KR_OK);
    assert_same_image(&in, &out);
    assert_int_equal(store_image_find_key(f->s, "alyaimg", in.key, &out, &err), KR_OK);
    assert_same_image(&in, &out);
    assert_int_equal(store_image_find_url(f->s, in.url, &out, &err), KR_OK);
    assert_int_equal(out.id, in.id);
    assert_int_equal(store_image_count(f->s, &n, &err), KR_OK);
    assert_int_equal(n, 1);

    /* conflicts: same id, or same (bucket, key) */
    make_image(&tmp, in.id, "other.jpg", 1);
    assert_int_equal(store_image_insert(f->s, &tmp, &err), KR_ECONFLICT);
    assert_string_equal(err.slug, "store_conflict");
    make_image(&tmp, 99, in.key, 1);
    assert_int_equal(store_image_insert(f->s, &tmp, &err), KR_ECONFLICT);
    snprintf(tmp.bucket, sizeof tmp.bucket, "blyskimg"); /* other bucket: fine */
    assert_int_equal(store_image_insert(f->s, &tmp, &err), KR_OK);

    /* survives close + reopen */
    store_close(f->s);
    assert_int_equal(store_open(f->backend, f->loc, &f->s, &err), KR_OK);
    assert_int_equal(store_image_get(f->s, in.id, &out, &err), KR_OK);
    assert_same_image(&in, &out);

    assert_int_equal(store_image_delete(f->s, in.id, &err), KR_OK);
    assert_int_equal(store_image_delete(f->s, in.id, &err), KR_ENOTFOUND);
    assert_int_equal(store_image_get(f->s, in.id, &out, &err), KR_ENOTFOUND);
    assert_int_equal(store_image_find_key(f->s, "alyaimg", in.key, &out, &err), KR_ENOTFOUND);
}

static void test_find_sha_oldest_and_update_sig(void **state)
{
    struct fx *f = *state;
    struct store_image a, b, out;
    struct kr_err err = {0};

    make_image(&a, 10, "a.jpg", 2000);
    make_image(&b, 5, "b.jpg", 3000); /* lower id, but newer */
    memcpy(b.sha256, a.sha256, sizeof a.sha256);
    assert_int_equal(store_image_insert(f->s, &a, &err), KR_OK);
    assert_int_equal(store_image_insert(f->s, &b, &err), KR_OK);
    assert_int_equal(store_image_find_sha(f->s, a.sha256, &out, &err), KR_OK);
    assert_int_equal(out.id, 10);
    char other[65];
    memset(other, 'f', 64);
    other[64] = '\0';
    assert_int_equal(store_image_find_sha(f->s, other, &out, &err), KR_ENOTFOUND);

    struct dedup_sig sig = b.sig; /* id 5's 6 scene keypoints replaced by id 11's 12 */
    struct store_image c;
    make_image(&c, 11, "c.jpg", 1);
    assert_int_equal(b.sig.nkp, 6);
    sig.nkp = c.sig.nkp;
    memcpy(sig.kp, c.sig.kp, sizeof sig.kp);
    sig.quality = 12;
    sig.desc[0] = -0.0f;
    sig.desc[63] = 1e-30f;
    sig.hash[31] ^= 0xff;
    assert_int_equal(store_image_update_sig(f->s, 5, &sig, &err), KR_OK);
    assert_int_equal(store_image_get(f->s, 5, &out, &err), KR_OK);
    assert_memory_equal(out.sig.hash, sig.hash, sizeof sig.hash);
    assert_memory_equal(out.sig.desc, sig.desc, sizeof sig.desc);
    assert_int_equal(out.sig.quality, sig.quality);
    assert_int_equal(out.sig.nprobes, 0); /* probes are never stored */
    assert_int_equal(out.sig.nkp, sig.nkp);
    assert_memory_equal(out.sig.kp, sig.kp, (size_t)sig.nkp * sizeof sig.kp[0]);
    sig.nkp = 0; /* cleared: the row reads back with none */
    assert_int_equal(store_image_update_sig(f->s, 5, &sig, &err), KR_OK);
    assert_int_equal(store_image_get(f->s, 5, &out, &err), KR_OK);
    assert_int_equal(out.sig.nkp, 0);
    assert_string_equal(out.key, "b.jpg"); /* the rest untouched */
    assert_int_equal(store_image_update_sig(f->s, 6, &sig, &err), KR_ENOTFOUND);
}

struct walk {
    struct store *s;
    int64_t last;
    int n, stop_at, nested_ok;
};

static int walk_cb(const struct store_image *img, void *ctx)
{
    struct walk *w = ctx;
    struct store_image again;
    struct kr_err err = {0};

    assert_true(img->id > w->last); /* id order */
    w->last = img->id;
    w->n++;
    /* the store may be used from inside the callback */
    if (store_image_get(w->s, img->id, &again, &err) == KR_OK && again.id == img->id)
        w->nested_ok++;
    return w->stop_at && w->n >= w->stop_at;
}

struct sig_sum {
    int n, bad;
    int64_t ids;
};

static int sig_cb(const struct store_image *img, void *ctx)
{
    struct sig_sum *sum = ctx;
    struct store_image want;

    make_image(&want, img->id, "", 0);
    sum->n++;
    sum->ids += img->id;
    sum->bad += memcmp(img->sig.hash, want.sig.hash, DEDUP_HASH_BYTES) != 0 ||
                memcmp(img->sig.desc, want.sig.desc, sizeof want.sig.desc) != 0 ||
                img->sig.quality != want.sig.quality || img->sig.nkp != want.sig.nkp ||
                memcmp(img->sig.kp, want.sig.kp, (size_t)want.sig.nkp * sizeof want.sig.kp[0]) != 0;
    return 0;
}

static void test_image_each(void **state)
{
    struct fx *f = *state;
    struct store_image img;
    struct kr_err err = {0};
    char key[32];

    for (int i = 0; i < 50; i++) {
        int64_t id = (int64_t)((i * 37) % 50) + 1; /* inserted out of order */
        snprintf(key, sizeof key, "k%lld.jpg", (long long)id);
        make_image(&img, id, key, 1000 + i);
        assert_int_equal(store_image_insert(f->s, &img, &err), KR_OK);
    }
    struct walk w = {.s = f->s};
    assert_int_equal(store_image_each(f->s, walk_cb, &w, &err), KR_OK);
    assert_int_equal(w.n, 50);
    assert_int_equal(w.nested_ok, 50);
    assert_int_equal(w.last, 50);
    w = (struct walk){.s = f->s, .stop_at = 7};
    assert_int_equal(store_image_each(f->s, walk_cb, &w, &err), KR_OK);
    assert_int_equal(w.n, 7);
    /* the index's start-up read: every id and signature, any order */
    struct sig_sum sum = {0};
    assert_int_equal(store_image_sigs(f->s, sig_cb, &sum, &err), KR_OK);
    assert_int_equal(sum.n, 50);
    assert_int_equal(sum.ids, 50 * 51 / 2);
    assert_int_equal(sum.bad, 0);
    /* the index's candidate read: the rows of the ids that exist, any order */
    const int64_t ids[4] = {3, 999, 50, 17};
    int64_t many[STORE_IDS_MAX + 1] = {0};
    sum = (struct sig_sum){0};
    memset(&err, 0, sizeof err);
    assert_int_equal(store_image_get_ids(f->s, ids, 4, sig_cb, &sum, &err), KR_OK);
    assert_null(err.slug); /* the missing id leaves no error behind */
    assert_int_equal(sum.n, 3);
    assert_int_equal(sum.ids, 3 + 50 + 17);
    assert_int_equal(sum.bad, 0);
    sum = (struct sig_sum){0};
    assert_int_equal(store_image_get_ids(f->s, ids, 0, sig_cb, &sum, &err), KR_OK);
    assert_int_equal(sum.n, 0);
    for (int i = 0; i <= STORE_IDS_MAX; i++)
        many[i] = i + 1;
    assert_int_equal(store_image_get_ids(f->s, many, STORE_IDS_MAX, sig_cb, &sum, &err), KR_OK);
    assert_int_equal(sum.n, 50);
    assert_int_equal(store_image_get_ids(f->s, many, STORE_IDS_MAX + 1, sig_cb, &sum, &err),
                     KR_EINVAL);
    /* the same by position, as the index's source reads it */
    struct dedup_sig *sigs = calloc(4, sizeof *sigs);
    uint8_t found[4] = {9, 9, 9, 9};
    struct store_image want;
    assert_int_equal(store_image_sigs_of(f->s, ids, 4, sigs, found, &err), KR_OK);
    assert_memory_equal(found, ((uint8_t[4]){1, 0, 1, 1}), 4);
    make_image(&want, 50, "", 0);
    assert_memory_equal(sigs[2].hash, want.sig.hash, DEDUP_HASH_BYTES);
    free(sigs);
}

static void test_bounds(void **state)
{
    struct fx *f = *state;
    struct store_image img, out;
    struct kr_err err = {0};
    static char big[2048];

    make_image(&img, 1, "x.jpg", 1);
    memset(img.website, 'w', sizeof img.website); /* no NUL inside the field */
    assert_int_equal(store_image_insert(f->s, &img, &err), KR_EINVAL);
    assert_string_equal(err.slug, "store_value_too_long");
    make_image(&img, 1, "x.jpg", 1);
    img.sha256[10] = 'G';
    assert_int_equal(store_image_insert(f->s, &img, &err), KR_EINVAL);
    make_image(&img, 1, "x.jpg", 1);
    img.sha256[63] = '\0';
    assert_int_equal(store_image_insert(f->s, &img, &err), KR_EINVAL);
    make_image(&img, 1, "", 1);
    assert_int_equal(store_image_insert(f->s, &img, &err), KR_EINVAL);

    memset(big, 'u', sizeof big - 1);
    assert_int_equal(store_image_find_url(f->s, big, &out, &err), KR_EINVAL);
    assert_int_equal(store_image_find_key(f->s, "alyaimg", big, &out, &err), KR_EINVAL);
    big[sizeof out.url - 1] = '\0'; /* exactly the limit is fine */
    assert_int_equal(store_image_find_url(f->s, big, &out, &err), KR_ENOTFOUND);
    assert_int_equal(store_image_find_sha(f->s, "abc", &out, &err), KR_EINVAL);
}

static int doc_cb(const char *key, const char *json, void *ctx)
{
    char *acc = ctx;
    size_t n = strlen(acc);
    snprintf(acc + n, 256 - n, "%s=%s;", key, json);
    return 0;
}

static void test_docs(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    char *json = NULL, acc[256] = "";

    assert_int_equal(store_doc_put(f->s, "jobs", "b", "{\"n\":1}", &err), KR_OK);
    assert_int_equal(store_doc_put(f->s, "jobs", "a", "{}", &err), KR_OK);
    assert_int_equal(store_doc_put(f->s, "job_items:xyz", "a", "[1]", &err), KR_OK);
    assert_int_equal(store_doc_put(f->s, "jobs", "b", "{\"n\":2}", &err), KR_OK); /* replace */
    assert_int_equal(store_doc_get(f->s, "jobs", "b", &json, &err), KR_OK);
    assert_string_equal(json, "{\"n\":2}");
    free(json);
    assert_int_equal(store_doc_get(f->s, "jobs", "zzz", &json, &err), KR_ENOTFOUND);
    assert_null(json);
    assert_int_equal(store_doc_each(f->s, "jobs", doc_cb, acc, &err), KR_OK);
    assert_string_equal(acc, "a={};b={\"n\":2};"); /* key order, one ns only */
    assert_int_equal(store_doc_delete(f->s, "jobs", "a", &err), KR_OK);
    assert_int_equal(store_doc_delete(f->s, "jobs", "a", &err), KR_ENOTFOUND);

    /* insert only: a second add of one key is a conflict and changes nothing */
    assert_int_equal(store_doc_add(f->s, "jobs", "c", "{\"v\":1}", &err), KR_OK);
    assert_int_equal(store_doc_add(f->s, "jobs", "c", "{\"v\":2}", &err), KR_ECONFLICT);
    assert_string_equal(err.slug, "store_conflict");
    assert_int_equal(store_doc_get(f->s, "jobs", "c", &json, &err), KR_OK);
    assert_string_equal(json, "{\"v\":1}");
    free(json);
    assert_int_equal(store_doc_add(f->s, "jobs", "c2", "{}", &err), KR_OK); /* others still add */

    /* bounds */
    char *big = malloc(STORE_DOC_JSON_MAX + 2);
    memset(big, ' ', STORE_DOC_JSON_MAX + 1);
    big[STORE_DOC_JSON_MAX + 1] = '\0';
    assert_int_equal(store_doc_put(f->s, "jobs", "big", big, &err), KR_EINVAL);
    big[STORE_DOC_KEY_MAX + 1] = '\0';
    assert_int_equal(store_doc_put(f->s, "jobs", big, "{}", &err), KR_EINVAL);
    assert_int_equal(store_doc_get(f->s, "jobs", big, &json, &err), KR_EINVAL);
    big[STORE_DOC_KEY_MAX] = '\0';
    assert_int_equal(store_doc_put(f->s, "jobs", big, "{}", &err), KR_OK);
    big[STORE_DOC_NS_MAX + 1] = '\0';
    assert_int_equal(store_doc_put(f->s, big, "k", "{}", &err), KR_EINVAL);
    assert_int_equal(store_doc_put(f->s, "", "k", "{}", &err), KR_EINVAL);
    free(big);
}

struct worker {
    struct store *s;
    int base;
    int failures;
    char first[KR_ERR_MSG]; /* the first failure's message */
};

/* A write, asked again while the store answers KR_ETIMEOUT: the contract's
 * answer when writers queue longer than the backend waits (SQLite's busy
 * timeout on a heavily loaded machine, a busy pool), which commits nothing.
 * Any other failure counts. */
static enum kr_code put_image(struct store *s, const struct store_image *img, struct kr_err *err)
{
    enum kr_code rc;
    for (int i = 0; (rc = store_image_insert(s, img, err)) == KR_ETIMEOUT && i < 20; i++)
        ;
    return rc;
}

static enum kr_code put_doc(struct store *s, const char *key, const char *json, struct kr_err *err)
{
    enum kr_code rc;
    for (int i = 0; (rc = store_doc_put(s, "t", key, json, err)) == KR_ETIMEOUT && i < 20; i++)
        ;
    return rc;
}

static void *insert_many(void *arg)
{
    struct worker *w = arg;
    struct store_image img, out;
    struct kr_err err = {0};
    char key[32], json[32];

    for (int i = 0; i < 300; i++) {
        int64_t id = w->base + i;
        snprintf(key, sizeof key, "t%lld.jpg", (long long)id);
        make_image(&img, id, key, id);
        snprintf(json, sizeof json, "{\"i\":%d}", i);
        if (put_image(w->s, &img, &err) != KR_OK ||
            store_image_get(w->s, id, &out, &err) != KR_OK ||
            put_doc(w->s, key, json, &err) != KR_OK) {
            if (!w->failures++)
                snprintf(w->first, sizeof w->first, "%s (%s)", err.msg, kr_code_name(err.code));
        }
    }
    return NULL;
}

static void test_threads(void **state)
{
    struct fx *f = *state;
    struct worker w[4];
    pthread_t t[4];
    struct kr_err err = {0};
    long long n = 0;

    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){.s = f->s, .base = 1 + i * 1000};
        pthread_create(&t[i], NULL, insert_many, &w[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        if (w[i].failures)
            fail_msg("worker %d: %d failures, first: %s", i, w[i].failures, w[i].first);
    }
    assert_int_equal(store_image_count(f->s, &n, &err), KR_OK);
    assert_int_equal(n, 1200);
}

/* ---- products ---- */

struct prod_seen {
    int n;
    char ids[16][32];
    double score[16];
    char name[64];
    double price;
};

static int prod_cb(const struct store_product *p, double score, void *ctx)
{
    struct prod_seen *r = ctx;
    if (r->n < 16) {
        snprintf(r->ids[r->n], sizeof r->ids[0], "%s", p->id);
        r->score[r->n] = score;
    }
    snprintf(r->name, sizeof r->name, "%s", p->name);
    r->price = p->price;
    r->n++;
    return 0;
}

static void put_product(struct store *s, const char *id, const char *name, const char *colour,
                        double price, int64_t created)
{
    struct kr_err err = {0};
    struct store_product p = {.id = id,
                              .sku = "SKU-1",
                              .name = name,
                              .description = "a handmade piece",
                              .attributes = "{\"stone\":\"pearl\"}",
                              .colour = colour,
                              .category = "Earrings",
                              .price = price,
                              .created_ms = created,
                              .photos = "[]",
                              .listings = "[]"};
    assert_int_equal(store_product_put(s, &p, &err), KR_OK);
}

static struct prod_seen query(struct store *s, struct store_product_query q)
{
    struct prod_seen r = {0};
    struct kr_err err = {0};
    if (!q.limit)
        q.limit = 10;
    assert_int_equal(store_product_query(s, &q, prod_cb, &r, &err), KR_OK);
    return r;
}

static void test_products(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    struct prod_seen r;
    char big[STORE_PRODUCT_ID_MAX + 2];

    put_product(f->s, "p1", "Floral gold jhumka", "Gold", 499.5, 1000);
    put_product(f->s, "p2", "Silver hoop", "silver", 1200, 2000);
    put_product(f->s, "p3", "Gold hoop with floral charm", "gold", 2500, 3000);
    r = query(f->s, (struct store_product_query){.id = "p1"});
    assert_int_equal(r.n, 1);
    assert_string_equal(r.name, "Floral gold jhumka");
    assert_true(r.price == 499.5);
    r = query(f->s, (struct store_product_query){0}); /* newest first */
    assert_int_equal(r.n, 3);
    assert_string_equal(r.ids[0], "p3");
    r = query(f->s, (struct store_product_query){.colour = "GOLD", .category = "earrings"});
    assert_int_equal(r.n, 2);
    r = query(f->s,
              (struct store_product_query){
                  .has_price_min = 1, .price_min = 499.5, .has_price_max = 1, .price_max = 1200});
    assert_int_equal(r.n, 2);
    r = query(f->s, (struct store_product_query){
                        .has_from = 1, .from_ms = 2000, .has_to = 1, .to_ms = 2999});
    assert_int_equal(r.n, 1);
    assert_string_equal(r.ids[0], "p2");
    r = query(f->s, (struct store_product_query){.words = "floral hoop"});
    assert_int_equal(r.n, 1);
    assert_string_equal(r.ids[0], "p3");
    r = query(f->s, (struct store_product_query){.words = "floral jhumka", .any_word = 1});
    assert_int_equal(r.n, 2);
    assert_string_equal(r.ids[0], "p1"); /* both words beat one */
    assert_true(r.score[0] > r.score[1]);
    /* a word every engine ignores (an English stop word to PostgreSQL)
     * matches nothing and is no error */
    r = query(f->s, (struct store_product_query){.words = "very"});
    assert_int_equal(r.n, 0);
    r = query(f->s, (struct store_product_query){.limit = 1, .offset = 1});
    assert_int_equal(r.n, 1);
    assert_string_equal(r.ids[0], "p2");
    /* an upsert replaces the row and its indexed text */
    put_product(f->s, "p1", "Pearl stud", "white", 10, 1000);
    r = query(f->s, (struct store_product_query){.words = "jhumka"});
    assert_int_equal(r.n, 0);
    r = query(f->s, (struct store_product_query){.words = "stud"});
    assert_int_equal(r.n, 1);
    /* delete; absent is "not found" */
    assert_int_equal(store_product_delete(f->s, "p1", &err), KR_OK);
    assert_int_equal(store_product_delete(f->s, "p1", &err), KR_ENOTFOUND);
    assert_int_equal(err.slug_id, KRS_PRODUCT_NOT_FOUND);
    r = query(f->s, (struct store_product_query){.id = "p1"});
    assert_int_equal(r.n, 0);
    /* bounds and malformed words are refused before the backend */
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    struct store_product p = {.id = big,
                              .sku = "",
                              .name = "",
                              .description = "",
                              .attributes = "{}",
                              .colour = "",
                              .category = "",
                              .photos = "[]",
                              .listings = "[]"};
    assert_int_equal(store_product_put(f->s, &p, &err), KR_EINVAL);
    struct store_product_query bad = {.words = "gold OR\"x", .limit = 5};
    assert_int_equal(store_product_query(f->s, &bad, prod_cb, &r, &err), KR_EINVAL);
    bad.words = "gold  hoop";
    assert_int_equal(store_product_query(f->s, &bad, prod_cb, &r, &err), KR_EINVAL);
}

/* How many products hold each word (the backend's stemming: "hoops"
 * finds "hoop"), and the total. */
static void test_product_word_docs(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    long long total = -1, docs[3] = {-1, -1, -1};

    put_product(f->s, "p1", "Floral gold jhumka", "Gold", 499.5, 1000);
    put_product(f->s, "p2", "Silver hoop", "silver", 1200, 2000);
    put_product(f->s, "p3", "Gold hoop with floral charm", "gold", 2500, 3000);
    assert_int_equal(store_product_word_docs(f->s, "gold hoops zebra", &total, docs, &err), KR_OK);
    assert_int_equal(total, 3);
    assert_int_equal(docs[0], 2);
    assert_int_equal(docs[1], 2);
    assert_int_equal(docs[2], 0);
    assert_int_equal(store_product_word_docs(f->s, "gold OR", &total, docs, &err), KR_EINVAL);
}

struct emb_seen {
    int n;
    char hash[4][65];
    float first[4];
    int dim[4];
};

static int emb_cb(const char *hash, const float *vec, int dim, void *ctx)
{
    struct emb_seen *e = ctx;
    snprintf(e->hash[e->n], sizeof e->hash[0], "%s", hash);
    e->first[e->n] = vec[dim - 1];
    e->dim[e->n++] = dim;
    return 0;
}

/* Cached embeddings: put, get (absent hashes not called back), replace,
 * models kept apart, bad arguments refused. */
static void test_embeddings(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    char h1[65], h2[65], h3[65];
    float v1[3] = {0.5f, -1.25f, 3e-8f}, v2[2] = {1, 2};
    struct emb_seen e = {0};

    util_sha256_hex("one", 3, h1);
    util_sha256_hex("two", 3, h2);
    util_sha256_hex("three", 5, h3);
    struct store_embedding put[2] = {{h1, 3, v1}, {h2, 2, v2}};
    assert_int_equal(store_embedding_put(f->s, "m:a:3", put, 2, &err), KR_OK);
    const char *ask[3] = {h3, h2, h1};
    assert_int_equal(
        store_embedding_get(f->s, &(struct store_embedding_ask){"m:a:3", ask, 3}, emb_cb, &e, &err),
        KR_OK);
    assert_int_equal(e.n, 2);
    for (int i = 0; i < 2; i++) {
        int one = !strcmp(e.hash[i], h1);
        assert_true(one || !strcmp(e.hash[i], h2));
        assert_int_equal(e.dim[i], one ? 3 : 2);
        assert_true(e.first[i] == (one ? 3e-8f : 2.0f)); /* exact float32 round trip */
    }
    e.n = 0; /* another model has none of them */
    assert_int_equal(
        store_embedding_get(f->s, &(struct store_embedding_ask){"m:b:3", ask, 3}, emb_cb, &e, &err),
        KR_OK);
    assert_int_equal(e.n, 0);
    v1[2] = 7; /* replace */
    assert_int_equal(store_embedding_put(f->s, "m:a:3", put, 1, &err), KR_OK);
    assert_int_equal(store_embedding_get(f->s, &(struct store_embedding_ask){"m:a:3", ask + 2, 1},
                                         emb_cb, &e, &err),
                     KR_OK);
    assert_int_equal(e.n, 1);
    assert_true(e.first[0] == 7.0f);
    const char *bad[1] = {"not-a-hash"};
    assert_int_equal(
        store_embedding_get(f->s, &(struct store_embedding_ask){"m:a:3", bad, 1}, emb_cb, &e, &err),
        KR_EINVAL);
    struct store_embedding zero = {h1, 0, v1};
    assert_int_equal(store_embedding_put(f->s, "m:a:3", &zero, 1, &err), KR_EINVAL);
    assert_int_equal(store_embedding_put(f->s, "", put, 1, &err), KR_EINVAL);
}

/* ---- market watch list ---- */

static int count_watch(const struct store_watch *w, void *ctx)
{
    struct store_watch *last = ctx;
    last->id = w->id;
    last->created_ms++; /* used as a counter */
    assert_string_equal(w->market, "amazon");
    return 0;
}

static int keep_obs(const struct store_watch_obs *o, void *ctx)
{
    struct store_watch_obs *out = ctx;
    int i = (int)out[0].watch_id++; /* out[0].watch_id counts; rows from out[1] */
    out[i + 1] = *o;
    out[i + 1].error = strcmp(o->error, "market_blocked") == 0 ? "B" : "";
    return 0;
}

static void test_watch(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    struct store_watch w = {0, "amazon", "B0TARGET01", "kundan earrings", 1000}, seen = {0};
    struct store_watch_obs got[4] = {{0}};
    int64_t id = 0, id2 = 0;

    assert_int_equal(store_watch_add(f->s, &w, &id, &err), KR_OK);
    w.item = "B0OTHER001";
    w.query = "";
    assert_int_equal(store_watch_add(f->s, &w, &id2, &err), KR_OK);
    assert_true(id > 0 && id2 > id);
    for (int i = 0; i < 3; i++) {
        struct store_watch_obs o = {id,         5000 + i,  1, 4 + i,
                                    i ? -1 : 2, 799.5 - i, 4, i == 2 ? "market_blocked" : ""};
        assert_int_equal(store_watch_observe(f->s, &o, &err), KR_OK);
    }
    assert_int_equal(store_watch_history(f->s, id, 2, keep_obs, got, &err), KR_OK);
    assert_int_equal(got[0].watch_id, 2); /* the newest two, newest first */
    assert_int_equal(got[1].at_ms, 5002);
    assert_int_equal(got[1].rank, 6);
    assert_int_equal(got[1].sponsored, -1);
    assert_string_equal(got[1].error, "B");
    assert_int_equal(got[2].at_ms, 5001);
    assert_true(got[2].price == 798.5);
    assert_int_equal(got[2].offers, 4);
    assert_int_equal(store_watch_each(f->s, 0, count_watch, &seen, &err), KR_OK);
    assert_int_equal(seen.created_ms, 2);
    memset(&seen, 0, sizeof seen);
    assert_int_equal(store_watch_each(f->s, id2, count_watch, &seen, &err), KR_OK);
    assert_int_equal(seen.created_ms, 1);
    assert_int_equal(seen.id, id2);
    assert_int_equal(store_watch_delete(f->s, id, &err), KR_OK);
    assert_int_equal(store_watch_delete(f->s, id, &err), KR_ENOTFOUND);
    assert_int_equal(err.slug_id, KRS_WATCH_NOT_FOUND);
    memset(got, 0, sizeof got);
    assert_int_equal(store_watch_history(f->s, id, 10, keep_obs, got, &err), KR_OK);
    assert_int_equal(got[0].watch_id, 0); /* the history went with it */
    w.market = NULL;
    assert_int_equal(store_watch_add(f->s, &w, &id, &err), KR_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_image_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_sha_oldest_and_update_sig, setup, teardown),
        cmocka_unit_test_setup_teardown(test_image_each, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_docs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_products, setup, teardown),
        cmocka_unit_test_setup_teardown(test_product_word_docs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_embeddings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
