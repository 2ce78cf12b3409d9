/*
 * test_collection_embed.c - product_collection() with an in-process
 * embedder over the fault-injecting store (tests/support/fault.h) on
 * sqlite:
 *   - product vectors are cached: a second request embeds no product;
 *   - the blend: weight 1 ranks by the vectors alone, weight 0 by the
 *     full-text score alone;
 *   - a provider failure ranks offline and says why ("ranking_note");
 *   - a store failure while reading or writing the cache fails the
 *     request (never an offline fallback that hides it).
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "product/product.h"
#include "store/store.h"

#define DIM 4

struct fx {
    char dir[512], loc[600];
    struct store *s;
};

static int doc_texts, fail_provider;

/* Axis k for a text holding "vK" (documents) or "qK" (a query's prompt). */
static enum kr_code embed(void *ctx, int query, const char *const *texts, int n, float *out,
                          struct kr_err *err)
{
    (void)ctx;
    if (fail_provider)
        return kr_fail(err, KRS_AI_FAILED, "fake provider: HTTP 503");
    for (int i = 0; i < n; i++) {
        char tag[4];
        for (int k = 0; k < DIM; k++) {
            snprintf(tag, sizeof tag, "%c%d", query ? 'q' : 'v', k);
            out[i * DIM + k] = strstr(texts[i], tag) ? 1.0f : 0.0f;
        }
        doc_texts += !query;
    }
    return KR_OK;
}

static int setup(void **state)
{
    static struct fx f;
    struct kr_err err = {0};
    struct product_import_stats st;
    char csv[4096] = "id,product_name,description,color,category,price\n";

    fault_register();
    fault_reset();
    tu_tmpdir(f.dir, sizeof f.dir);
    snprintf(f.loc, sizeof f.loc, "%s/karat.db", f.dir);
    assert_int_equal(store_open("fault", f.loc, &f.s, &err), KR_OK);
    /* p0..p11: "vK" with K = i % 4, a word of its own (no two are
     * near-identical); p1 also says "sparkle" (a text match) */
    for (int i = 0; i < 12; i++)
        snprintf(csv + strlen(csv), sizeof csv - strlen(csv),
                 "p%d,Piece %d,code v%d %s mark%dx,gold,ring,%d\n", i, i, i % 4,
                 i == 1 ? "sparkle" : "plain", i, 100 + i);
    assert_int_equal(product_import(f.s, csv, strlen(csv), &st, &err), KR_OK);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    fault_reset();
    store_close(f->s);
    tu_rmrf(f->dir);
    return 0;
}

static enum kr_code collect(struct store *s, double weight, const char *prompt, json_t **out,
                            struct kr_err *err)
{
    const struct product_embedder e = {"fake:test:4", DIM, 5, embed, NULL};
    const struct product_collection_opts o = {&e, weight, 100, NULL};
    char body[300];

    snprintf(body, sizeof body, "{\"user_needs\":{\"collection_size\":3,\"manual_prompt\":\"%s\"}}",
             prompt);
    json_t *in = json_loads(body, 0, NULL);
    enum kr_code rc = product_collection(s, in, &o, out, err);
    json_decref(in);
    return rc;
}

static const char *first_id(json_t *out)
{
    return json_string_value(json_array_get(json_object_get(out, "top_jewelry_ids"), 0));
}

static void test_cached_and_blended(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    json_t *out = NULL, *v;
    size_t i;

    doc_texts = 0;
    assert_int_equal(collect(f->s, 1, "q2", &out, &err), KR_OK);
    assert_int_equal(doc_texts, 12);
    assert_string_equal(json_string_value(json_object_get(out, "ranking")), "embeddings");
    json_array_foreach(json_object_get(out, "top_jewelry_ids"), i, v)
    {
        assert_int_equal(atoi(json_string_value(v) + 1) % 4, 2); /* p2, p6, p10 */
    }
    json_decref(out);
    /* weight 0: the text score alone puts the "sparkle" piece (a v1) first */
    assert_int_equal(collect(f->s, 0, "q2 sparkle", &out, &err), KR_OK);
    assert_string_equal(first_id(out), "p1");
    json_decref(out);
    /* weight 1 with the same prompt: the vectors alone, a v2 piece first */
    assert_int_equal(collect(f->s, 1, "q2 sparkle", &out, &err), KR_OK);
    assert_int_equal(atoi(first_id(out) + 1) % 4, 2);
    json_decref(out);
    assert_int_equal(doc_texts, 12); /* never embedded again */
}

static void test_provider_failure_is_offline(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    json_t *out = NULL;
    (void)f;

    fail_provider = 1;
    assert_int_equal(collect(f->s, 1, "q2", &out, &err), KR_OK);
    fail_provider = 0;
    assert_string_equal(json_string_value(json_object_get(out, "ranking")), "offline");
    assert_non_null(strstr(json_string_value(json_object_get(out, "ranking_note")), "HTTP 503"));
    assert_int_equal(json_array_size(json_object_get(out, "top_jewelry_ids")), 3);
    json_decref(out);
}

static void test_store_failure_is_an_error(void **state)
{
    struct fx *f = *state;
    struct kr_err err = {0};
    json_t *out = NULL;

    fault_arm("store.embedding_get", 0, KR_EIO);
    assert_int_equal(collect(f->s, 1, "q2", &out, &err), KR_EIO);
    assert_null(out);
    fault_reset();
    /* a product with a new text needs a put: failing it fails the request */
    struct product_import_stats st;
    const char *csv =
        "id,product_name,description,color,category,price\np99,New,code v3,gold,ring,5\n";
    assert_int_equal(product_import(f->s, csv, strlen(csv), &st, &err), KR_OK);
    fault_arm("store.embedding_put", 0, KR_EIO);
    assert_int_equal(collect(f->s, 1, "q3", &out, &err), KR_EIO);
    assert_null(out);
    fault_reset();
    assert_int_equal(collect(f->s, 1, "q3", &out, &err), KR_OK);
    assert_string_equal(json_string_value(json_object_get(out, "ranking")), "embeddings");
    json_decref(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cached_and_blended, setup, teardown),
        cmocka_unit_test_setup_teardown(test_provider_failure_is_offline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_failure_is_an_error, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
