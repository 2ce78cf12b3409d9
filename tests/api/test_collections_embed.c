/*
 * test_collections_embed.c - POST /semantic_filter_jewelry/ ranked with
 * text embeddings, on the real server with a Gemini key and a fake
 * Gemini on loopback answering batchEmbedContents in its wire format
 * (ctest runs it on sqlite and, as api.test_collections_embed.pg, on
 * PostgreSQL).
 *
 * The fake's vectors are made from the texts: a product text holding
 * "vecK" points along axis K, a query holding "axis<name of K>" along
 * axis K; so a collection asked for "axisthree" must be the vec3 pieces,
 * though no word of the request occurs in any product. It counts the
 * product (RETRIEVAL_DOCUMENT) texts it was asked to embed:
 *   - two requests over the same 50 products embed each product once;
 *   - a product whose text changed is embedded again (and only it);
 *   - the filters stay exact under the embedding ranking;
 *   - the provider answering 500: the collection is ranked offline and
 *     says so ("ranking": "offline", "ranking_note").
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_ai.h"
#include "testutil.h"

#define NPRODUCTS 50
#define DIM       8

static struct tu_server srv;
static struct fake_ai *fake;
static int doc_texts, query_texts, failing, bad_wire; /* the fake's threads: atomics */

static const char *const axis_names[DIM] = {"axiszero", "axisone",  "axistwo", "axisthree",
                                            "axisfour", "axisfive", "axissix", "axisseven"};

static json_t *vector_for(const char *text, int query)
{
    json_t *v = json_array();
    for (int k = 0; k < DIM; k++) {
        char tag[16];
        snprintf(tag, sizeof tag, "vec%d", k);
        int on = query ? strstr(text, axis_names[k]) != NULL : strstr(text, tag) != NULL;
        json_array_append_new(v, json_real(on ? 1.0 : 0.05));
    }
    return json_pack("{s:o}", "values", v);
}

/* The fake Gemini: batchEmbedContents only. */
static void respond(const struct fake_request *r, struct fake_reply *out, void *arg)
{
    json_t *body = fake_req_json(r), *reqs = json_object_get(body, "requests"), *v, *embs;
    size_t i;
    (void)arg;

    out->status = 400;
    out->body = strdup("{\"error\":{\"code\":400,\"message\":\"fake: not an embedding "
                       "request\",\"status\":\"INVALID_ARGUMENT\"}}");
    if (__atomic_load_n(&failing, __ATOMIC_SEQ_CST)) {
        free((char *)out->body);
        out->status = 500;
        out->body = strdup("{\"error\":{\"code\":500,\"message\":\"Internal error "
                           "encountered.\",\"status\":\"INTERNAL\"}}");
    } else if (strstr(r->url, "/v1beta/models/gemini-embedding-001:batchEmbedContents") &&
               json_is_array(reqs) && fake_req_header(r, "x-goog-api-key")) {
        embs = json_array();
        json_array_foreach(reqs, i, v)
        {
            const char *task = json_string_value(json_object_get(v, "taskType"));
            const char *text = json_string_value(json_object_get(
                json_array_get(json_object_get(json_object_get(v, "content"), "parts"), 0),
                "text"));
            int query = task && !strcmp(task, "RETRIEVAL_QUERY");
            const char *model = json_string_value(json_object_get(v, "model"));
            if (!model || strcmp(model, "models/gemini-embedding-001") ||
                json_integer_value(json_object_get(v, "outputDimensionality")) != DIM)
                __atomic_store_n(&bad_wire, 1, __ATOMIC_SEQ_CST);
            __atomic_add_fetch(query ? &query_texts : &doc_texts, 1, __ATOMIC_SEQ_CST);
            json_array_append_new(embs, vector_for(text ? text : "", query));
        }
        free((char *)out->body);
        out->status = 200;
        json_t *reply = json_pack("{s:o}", "embeddings", embs);
        out->body = json_dumps(reply, JSON_COMPACT);
        json_decref(reply);
    }
    json_decref(body);
}

static int setup(void **state)
{
    static char gbase[200];
    (void)state;
    fake = fake_ai_start();
    fake_ai_set_responder(fake, respond, NULL);
    snprintf(gbase, sizeof gbase, "GEMINI_BASE_URL=%s", fake_ai_base(fake));
    const char *const env[] = {"GOOGLE_API_KEY=g-test",
                               "KARAT_ATTR_PROVIDER=offline",
                               "KARAT_COPY_PROVIDER=offline",
                               "KARAT_IMAGE_PROVIDER=offline",
                               "KARAT_EMBED_PROVIDER=",
                               "KARAT_EMBED_DIM=8",
                               "KARAT_AI_ATTEMPTS=1",
                               gbase,
                               NULL};
    unsetenv("OPENAI_API_KEY");
    unsetenv("API_KEY_GPT");
    return tu_server_start_tmp(&srv, env) ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    int rc = tu_server_finish(&srv);
    fake_ai_stop(fake);
    return rc;
}

static json_t *call(const char *method, const char *path, const char *body, long want)
{
    char url[1024];
    struct tu_resp r;
    json_t *j;

    snprintf(url, sizeof url, "%s%s", srv.base, path);
    assert_int_equal(
        tu_request(method, url, "application/json", body, body ? strlen(body) : 0, NULL, &r), 0);
    if (r.status != want)
        fprintf(stderr, "%s %s: status %ld: %s\n", method, path, r.status, r.body ? r.body : "");
    assert_int_equal(r.status, want);
    j = json_loads(r.body ? r.body : "", 0, NULL);
    tu_resp_free(&r);
    return j;
}

/* Product N: "vec(N % 8)" in its text, a ring when N % 3 == 0. */
static void import_products(void)
{
    json_t *data = json_array();
    for (int n = 0; n < NPRODUCTS; n++) {
        char id[16], desc[96];
        snprintf(id, sizeof id, "e-%d", n);
        snprintf(desc, sizeof desc, "handmade piece number %d with code vec%d", n, n % 8);
        json_array_append_new(data,
                              json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "id", id, "product_name",
                                        id, "description", desc, "color", "gold", "category",
                                        n % 3 ? "earrings" : "rings", "price", 100 + n));
    }
    json_t *file = json_pack("{s:o}", "data", data);
    char *text = json_dumps(file, JSON_COMPACT);
    json_decref(file);
    json_t *j = call("POST", "/products/import", text, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "imported")), NPRODUCTS);
    json_decref(j);
    free(text);
}

/* A collection of size pieces, asked by a query along axis. */
static json_t *collect(int size, int axis, int rings)
{
    char body[300];
    snprintf(body, sizeof body,
             "{\"user_needs\":{\"collection_size\":%d,\"manual_prompt\":\"%s\"%s}}", size,
             axis_names[axis], rings ? ",\"category\":\"rings\"" : "");
    return call("POST", "/semantic_filter_jewelry/", body, 200);
}

/* Every id's number n has n % 8 == axis (and is a ring when rings),
 * except the id `moved` (a product whose text changed; may be NULL). */
static void expect_axis_but(json_t *j, int size, int axis, int rings, const char *moved)
{
    json_t *ids = json_object_get(j, "top_jewelry_ids"), *v;
    size_t i;

    assert_string_equal(json_string_value(json_object_get(j, "ranking")), "embeddings");
    assert_null(json_object_get(j, "ranking_note"));
    assert_int_equal(__atomic_load_n(&bad_wire, __ATOMIC_SEQ_CST), 0);
    assert_int_equal(json_array_size(ids), size);
    json_array_foreach(ids, i, v)
    {
        int n = atoi(json_string_value(v) + 2);
        if (moved && !strcmp(json_string_value(v), moved))
            continue;
        if (n % 8 != axis || (rings && n % 3))
            fprintf(stderr, "id %s in a collection for axis %d%s\n", json_string_value(v), axis,
                    rings ? " (rings)" : "");
        assert_int_equal(n % 8, axis);
        if (rings)
            assert_int_equal(n % 3, 0);
    }
}

static void expect_axis(json_t *j, int size, int axis, int rings)
{
    expect_axis_but(j, size, axis, rings, NULL);
}

static void test_embedded_once_and_ranked_by_vectors(void **state)
{
    json_t *j;
    (void)state;

    import_products();
    j = collect(5, 3, 0);
    expect_axis(j, 5, 3, 0);
    json_decref(j);
    assert_int_equal(__atomic_load_n(&doc_texts, __ATOMIC_SEQ_CST), NPRODUCTS);
    int queries = __atomic_load_n(&query_texts, __ATOMIC_SEQ_CST);
    assert_true(queries >= 1);
    /* another request over the same products: no product embedded again */
    j = collect(5, 5, 0);
    expect_axis(j, 5, 5, 0);
    json_decref(j);
    assert_int_equal(__atomic_load_n(&doc_texts, __ATOMIC_SEQ_CST), NPRODUCTS);
    assert_true(__atomic_load_n(&query_texts, __ATOMIC_SEQ_CST) > queries);
    /* filters stay exact: rings only (e-3 and e-27 are the vec3 rings) */
    j = collect(2, 3, 1);
    expect_axis(j, 2, 3, 1);
    json_decref(j);
    assert_int_equal(__atomic_load_n(&doc_texts, __ATOMIC_SEQ_CST), NPRODUCTS);
}

static void test_changed_text_embedded_again(void **state)
{
    json_t *j;
    (void)state;

    /* e-8 (vec0) becomes a vec5 piece: only it is embedded again */
    j = call("PUT", "/products/e-8",
             "{\"product_name\":\"e-8\",\"description\":\"recut piece now with code vec5\","
             "\"color\":\"gold\",\"category\":\"earrings\",\"price\":108}",
             200);
    json_decref(j);
    j = collect(7, 5, 0);
    expect_axis_but(j, 7, 5, 0, "e-8"); /* the six vec5 pieces and e-8 */
    char *ids = json_dumps(json_object_get(j, "top_jewelry_ids"), 0);
    assert_non_null(strstr(ids, "\"e-8\""));
    free(ids);
    json_decref(j);
    assert_int_equal(__atomic_load_n(&doc_texts, __ATOMIC_SEQ_CST), NPRODUCTS + 1);
}

static void test_provider_failure_falls_back(void **state)
{
    json_t *j;
    (void)state;

    __atomic_store_n(&failing, 1, __ATOMIC_SEQ_CST);
    /* a new product text needs embedding: the provider's 500 is not the request's failure */
    json_decref(call("PUT", "/products/e-60",
                     "{\"product_name\":\"e-60\",\"description\":\"new piece vec1\","
                     "\"color\":\"gold\",\"category\":\"rings\",\"price\":160}",
                     200));
    j = collect(3, 3, 0);
    assert_string_equal(json_string_value(json_object_get(j, "ranking")), "offline");
    assert_non_null(strstr(json_string_value(json_object_get(j, "ranking_note")), "500"));
    assert_int_equal(json_array_size(json_object_get(j, "top_jewelry_ids")), 3);
    json_decref(j);
    __atomic_store_n(&failing, 0, __ATOMIC_SEQ_CST);
    /* the provider is back: only the new text is embedded */
    j = collect(5, 3, 0);
    expect_axis(j, 5, 3, 0);
    json_decref(j);
    assert_int_equal(__atomic_load_n(&doc_texts, __ATOMIC_SEQ_CST), NPRODUCTS + 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_embedded_once_and_ranked_by_vectors),
        cmocka_unit_test(test_changed_text_embedded_again),
        cmocka_unit_test(test_provider_failure_falls_back),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
