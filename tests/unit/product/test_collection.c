/*
 * test_collection.c - collections over a generated catalog of 10^4
 * products with known attributes (product_gen.h), on the store backend of
 * KARAT_TEST_STORE (sqlite by default; ctest also runs it on PostgreSQL as
 * unit.product.test_collection.pg):
 *   - every returned id (extras aside) satisfies category, colour, price
 *     and date filters;
 *   - styles change the ranking measurably: with Floral most chosen pieces
 *     are of the floral family, with Celestial of the star family, and the
 *     two collections share few ids;
 *   - extras are appended once, only when not chosen and only if they exist;
 *   - no two chosen pieces are near-identical by their words.
 * Correctness only: the timing is measured by bench/collection.c.
 * Also product_note (a listing per marketplace + SKU) and date parsing.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgtest.h"
#include "product/product.h"
#include "product_gen.h"
#include "store/store.h"

#define N 10000

struct fx {
    char dir[512], loc[1200];
    struct store *s;
};

static int setup(void **state)
{
    static struct fx f;
    struct kr_err err = {0};
    struct product_import_stats st;
    char *cat = pg_catalog(N);

    tu_tmpdir(f.dir, sizeof f.dir);
    if (tu_pg_mode())
        tu_pg_create_db(f.loc, sizeof f.loc);
    else
        snprintf(f.loc, sizeof f.loc, "%s/karat.db", f.dir);
    assert_int_equal(store_open(tu_pg_mode() ? "postgres" : "sqlite", f.loc, &f.s, &err), KR_OK);
    assert_int_equal(product_import(f.s, cat, strlen(cat), &st, &err), KR_OK);
    assert_int_equal(st.imported, N);
    free(cat);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->s);
    if (tu_pg_mode())
        tu_pg_drop_db(f->loc);
    tu_rmrf(f->dir);
    return 0;
}

static json_t *collect(struct store *s, const char *needs)
{
    char body[2048];
    struct kr_err err = {0};
    json_t *in, *out = NULL;

    snprintf(body, sizeof body, "{\"user_needs\":%s}", needs);
    in = json_loads(body, 0, NULL);
    assert_non_null(in);
    if (product_collection(s, in, NULL, &out, &err))
        fail_msg("collection: %s", err.msg);
    json_decref(in);
    return out;
}

static int gen_index(const char *id)
{
    assert_true(id[0] == 'g');
    return atoi(id + 1);
}

static void test_filters_exact(void **state)
{
    struct fx *f = *state;
    json_t *out = collect(f->s, "{\"collection_size\":40,\"color\":\"Gold\",\"category\":"
                                "\"earrings\",\"category_description\":[\"Floral\",\"Festive\"],"
                                "\"start_price\":500,\"end_price\":2500,\"start_date\":"
                                "\"2024-03-01\",\"end_date\":\"2025-06-30\"}");
    json_t *ids = json_object_get(out, "top_jewelry_ids"), *v;
    size_t i;
    char date[16];

    assert_int_equal(json_array_size(ids), 40);
    json_array_foreach(ids, i, v)
    {
        int g = gen_index(json_string_value(v));
        pg_date(g, date, sizeof date);
        assert_string_equal(pg_cat(g), "earrings");
        assert_string_equal(pg_col(g), "gold");
        assert_true(pg_price(g) >= 500 && pg_price(g) <= 2500);
        assert_true(strcmp(date, "2024-03-01") >= 0 && strcmp(date, "2025-06-30") <= 0);
    }
    json_decref(out);
}

/* How many of the ids are of motif family m. */
static int of_family(json_t *ids, int m)
{
    json_t *v;
    size_t i;
    int n = 0;
    json_array_foreach(ids, i, v)
    {
        n += pg_motif(gen_index(json_string_value(v))) == m;
    }
    return n;
}

static void test_styles_change_the_ranking(void **state)
{
    struct fx *f = *state;
    json_t *a = collect(f->s, "{\"collection_size\":20,\"category\":\"necklace\","
                              "\"category_description\":[\"Floral\"]}");
    json_t *b = collect(f->s, "{\"collection_size\":20,\"category\":\"necklace\","
                              "\"category_description\":[\"Celestial\"]}");
    json_t *ia = json_object_get(a, "top_jewelry_ids"), *ib = json_object_get(b, "top_jewelry_ids");
    json_t *v;
    size_t i;
    int shared = 0;

    assert_int_equal(json_array_size(ia), 20);
    assert_int_equal(json_array_size(ib), 20);
    /* family 0 = floral, 1 = celestial (product_gen.h) */
    assert_true(of_family(ia, 0) >= 16);
    assert_true(of_family(ib, 1) >= 16);
    json_array_foreach(ia, i, v)
    {
        for (size_t k = 0; k < json_array_size(ib); k++)
            shared += json_equal(v, json_array_get(ib, k));
    }
    assert_true(shared <= 2);
    /* every style counts: two styles draw from both families */
    json_t *c = collect(f->s, "{\"collection_size\":20,\"category\":\"necklace\","
                              "\"category_description\":[\"Floral\",\"Celestial\"]}");
    json_t *ic = json_object_get(c, "top_jewelry_ids");
    assert_true(of_family(ic, 0) >= 3 && of_family(ic, 1) >= 3);
    assert_non_null(strstr(json_string_value(json_object_get(a, "collection_title")), "Floral"));
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

static void test_extras_once(void **state)
{
    struct fx *f = *state;
    json_t *first = collect(f->s, "{\"collection_size\":5,\"category\":\"ring\","
                                  "\"category_description\":[\"Geometric\"]}");
    const char *chosen =
        json_string_value(json_array_get(json_object_get(first, "top_jewelry_ids"), 0));
    char needs[512];
    snprintf(needs, sizeof needs,
             "{\"collection_size\":5,\"category\":\"ring\",\"category_description\":"
             "[\"Geometric\"],\"extra_jwellery\":[\"%s\",\"g1\",\"g1\",\"missing\",\"g3\"]}",
             chosen);
    json_t *out = collect(f->s, needs), *ids = json_object_get(out, "top_jewelry_ids");

    /* 5 chosen + g1 + g3 (a necklace and a bracelet: not chosen by the filter) */
    assert_int_equal(json_array_size(ids), 7);
    for (size_t i = 0; i < json_array_size(ids); i++)
        for (size_t k = i + 1; k < json_array_size(ids); k++)
            assert_false(json_equal(json_array_get(ids, i), json_array_get(ids, k)));
    assert_string_equal(json_string_value(json_array_get(ids, 5)), "g1");
    assert_string_equal(json_string_value(json_array_get(ids, 6)), "g3");
    json_decref(first);
    json_decref(out);
}

static void test_note_and_dates(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    json_t *p = NULL, *l1 = json_pack("{s:s, s:s, s:s}", "marketplace", "amazon", "sku", "N1",
                                      "title", "first");
    json_t *l2 =
        json_pack("{s:s, s:s, s:s}", "marketplace", "Amazon", "sku", "N1", "title", "second");
    struct product_note n = {.image_id = 77, .sku = "N1", .name = "Noted", .listing = l1};

    assert_int_equal(product_note(f->s, &n, &err), KR_OK);
    n.listing = l2;
    n.name = NULL; /* keeps the stored name */
    assert_int_equal(product_note(f->s, &n, &err), KR_OK);
    assert_int_equal(product_get_json(f->s, "N1", &p, &err), KR_OK);
    assert_string_equal(json_string_value(json_object_get(p, "name")), "Noted");
    assert_int_equal(json_array_size(json_object_get(p, "listings")), 1);
    assert_int_equal(json_array_size(json_object_get(p, "photo_ids")), 1);
    json_decref(p);
    json_decref(l1);
    json_decref(l2);
}

/* A signature: seed decides the hash bits and which half of the
 * descriptor is lit (two seeds of different parity are far apart). */
static void make_sig(struct dedup_sig *g, int seed)
{
    memset(g, 0, sizeof *g);
    for (int i = 0; i < DEDUP_HASH_BYTES; i++)
        g->hash[i] = (uint8_t)(seed % 2 ? 0xA5 ^ i : 0x3C + i * 7);
    g->quality = 90;
    for (int i = 0; i < DEDUP_DESC_DIM; i++)
        g->desc[i] = (i % 2 == seed % 2) ? 0.1767767f : 0; /* 32 lit: unit length */
}

/* Diversity by photos: two products whose photos are the same piece are
 * not both chosen, even with different words; two whose photos differ are,
 * even with the same words. */
static void test_diversity_by_photos(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    struct store_image img;
    const int sig_of[] = {1, 1, 2};
    const char *names[] = {"Anklet alpha chain", "Beaded toe ring set", "Anklet alpha chain"};

    for (int i = 0; i < 3; i++) {
        char key[32], json[512];
        memset(&img, 0, sizeof img);
        img.id = 900001 + i;
        snprintf(img.sha256, sizeof img.sha256, "%064d", 900001 + i);
        make_sig(&img.sig, sig_of[i]);
        snprintf(key, sizeof key, "d%d.jpg", i);
        snprintf(img.website, sizeof img.website, "alya");
        snprintf(img.bucket, sizeof img.bucket, "alyaimg");
        snprintf(img.key, sizeof img.key, "%s", key);
        snprintf(img.url, sizeof img.url, "http://x.test/files/alyaimg/%s", key);
        snprintf(img.mime, sizeof img.mime, "image/jpeg");
        assert_int_equal(store_image_insert(f->s, &img, &err), KR_OK);
        snprintf(json, sizeof json,
                 "{\"id\":\"d%d\",\"name\":\"%s\",\"category\":\"anklet\",\"photo_ids\":[%d]}", i,
                 names[i], 900001 + i);
        json_t *in = json_loads(json, 0, NULL);
        assert_int_equal(product_put_json(f->s, NULL, in, NULL, &err), KR_OK);
        json_decref(in);
    }
    json_t *out = collect(f->s, "{\"collection_size\":3,\"category\":\"anklet\"}");
    json_t *ids = json_object_get(out, "top_jewelry_ids");
    int d0 = 0, d1 = 0, d2 = 0;
    for (size_t i = 0; i < json_array_size(ids); i++) {
        const char *id = json_string_value(json_array_get(ids, i));
        d0 += !strcmp(id, "d0");
        d1 += !strcmp(id, "d1");
        d2 += !strcmp(id, "d2");
    }
    assert_int_equal(json_array_size(ids), 2);
    assert_int_equal(d0 + d1, 1); /* same photo: one of them */
    assert_int_equal(d2, 1);      /* same words as d0, another photo: kept */
    json_decref(out);
}

/* The writer (a fake provider): what it is asked, and what it answers. */
struct fake_writer {
    enum kr_code rc;
    int calls;
    char pieces[4096], drafts[512];
};

static enum kr_code fake_write(void *ctx, const struct product_copy_ask *q, char **title,
                               char **description, struct kr_err *err)
{
    struct fake_writer *w = ctx;

    w->calls++;
    snprintf(w->pieces, sizeof w->pieces, "%s", q->pieces);
    snprintf(w->drafts, sizeof w->drafts, "%s / %s / %s", q->draft_title, q->audience,
             q->styles);
    if (w->rc)
        return kr_fail(err, w->rc == KR_EUNSUPPORTED ? KRS_UNSUPPORTED : KRS_AI_FAILED,
                       "the fake says no");
    *title = strdup("Temple Gold for Brides");
    *description = strdup("Five gold pieces for a wedding day.");
    return KR_OK;
}

static json_t *collect_with(struct store *s, const char *needs, struct fake_writer *w)
{
    char body[2048];
    struct kr_err err = {0};
    const struct product_writer pw = {fake_write, w};
    const struct product_collection_opts o = {NULL, 0, 0, &pw};
    json_t *in, *out = NULL;

    snprintf(body, sizeof body, "{\"user_needs\":%s}", needs);
    in = json_loads(body, 0, NULL);
    if (product_collection(s, in, &o, &out, &err))
        fail_msg("collection: %s", err.msg);
    json_decref(in);
    return out;
}

/* Title and description from the provider: it gets the chosen pieces'
 * facts, the audience, the styles and the templates' drafts; its words are
 * answered and stored. A failing provider leaves the templates with a
 * note; "no provider" (offline) leaves them silently. */
static void test_provider_copy(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    struct fake_writer w = {0};
    const char *needs = "{\"collection_size\": 5, \"category\": \"earrings\", "
                        "\"target_audience\": \"brides\", \"category_description\": [\"Floral\"]}";
    json_t *j = collect_with(f->s, needs, &w), *stored = NULL;

    assert_int_equal(w.calls, 1);
    assert_string_equal(json_string_value(json_object_get(j, "collection_title")),
                        "Temple Gold for Brides");
    assert_string_equal(json_string_value(json_object_get(j, "copy")), "provider");
    assert_null(json_object_get(j, "copy_note"));
    for (const char *p = w.pieces; *p; p = strchr(p, '\n') + 1) /* 5 lines, all earrings */
        assert_non_null(strstr(p, "| earrings |"));
    assert_non_null(strstr(w.drafts, "brides"));
    assert_non_null(strstr(w.drafts, "Floral:"));
    assert_int_equal(product_collection_get(f->s,
                                            json_string_value(json_object_get(j, "collection_id")),
                                            &stored, &err),
                     KR_OK);
    assert_string_equal(json_string_value(json_object_get(stored, "collection_title")),
                        "Temple Gold for Brides");
    json_decref(stored);
    json_decref(j);

    w.rc = KR_EUPSTREAM;
    j = collect_with(f->s, needs, &w);
    assert_string_equal(json_string_value(json_object_get(j, "copy")), "template");
    assert_non_null(strstr(json_string_value(json_object_get(j, "copy_note")), "fake says no"));
    assert_string_not_equal(json_string_value(json_object_get(j, "collection_title")),
                            "Temple Gold for Brides");
    json_decref(j);
    w.rc = KR_EUNSUPPORTED;
    j = collect_with(f->s, needs, &w);
    assert_string_equal(json_string_value(json_object_get(j, "copy")), "template");
    assert_null(json_object_get(j, "copy_note"));
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filters_exact),
        cmocka_unit_test(test_styles_change_the_ranking),
        cmocka_unit_test(test_extras_once),
        cmocka_unit_test(test_note_and_dates),
        cmocka_unit_test(test_diversity_by_photos),
        cmocka_unit_test(test_provider_copy),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
