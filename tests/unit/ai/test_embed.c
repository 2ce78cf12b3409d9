/*
 * test_embed.c - ai_embed() against a fake provider on loopback: the
 * Gemini batchEmbedContents and OpenAI /v1/embeddings wire formats (URL,
 * auth header, body), replies turned into normalised vectors in the
 * texts' order (OpenAI's "index" honoured), malformed replies refused, and
 * the provider choice (default by key, explicit without a key refused,
 * "offline" = no embeddings).
 */
#include <math.h>

#include "ai_test.h"

static struct fake_ai *srv;

static int each_setup(void **state)
{
    (void)state;
    ait_clear_keys();
    srv = fake_ai_start();
    return 0;
}

static int each_teardown(void **state)
{
    (void)state;
    fake_ai_stop(srv);
    ait_clear_keys();
    return 0;
}

/* An ai with the embedding provider `prov` ("" = default) and size 3. */
static struct ai *open_embed(const char *prov, struct kr_err *err)
{
    struct config cfg;
    struct ai *ai = NULL;

    assert_int_equal(config_load(&cfg, NULL), KR_OK);
    config_set(&cfg, "KARAT_ATTR_PROVIDER", "offline", NULL);
    config_set(&cfg, "KARAT_COPY_PROVIDER", "offline", NULL);
    config_set(&cfg, "KARAT_IMAGE_PROVIDER", "offline", NULL);
    config_set(&cfg, "KARAT_EMBED_PROVIDER", prov, NULL);
    config_set(&cfg, "KARAT_EMBED_DIM", "3", NULL);
    config_set(&cfg, "GEMINI_BASE_URL", fake_ai_base(srv), NULL);
    config_set(&cfg, "OPENAI_BASE_URL", fake_ai_base(srv), NULL);
    if (ai_open(&cfg, &ai, err) != KR_OK)
        ai = NULL;
    config_release(&cfg);
    if (ai) {
        struct ai_tuning t = {.max_attempts = 1, .timeout_ms = 5000};
        ai_set_tuning(ai, &t);
    }
    return ai;
}

static void near(float got, double want)
{
    assert_true(fabs(got - want) < 1e-6);
}

static void test_gemini_wire_and_vectors(void **state)
{
    const char *texts[] = {"gold hoops", "silver studs"};
    float out[6];
    struct kr_err err = {0};
    struct ai *ai;
    (void)state;

    setenv("GOOGLE_API_KEY", "g-one", 1);
    setenv("OPENAI_API_KEY", "sk-one", 1); /* Gemini first when both are set */
    assert_non_null(ai = open_embed("", &err));
    assert_string_equal(ai_embed_model(ai), "gemini:gemini-embedding-001:3");
    fake_ai_push(srv, 200, "{\"embeddings\":[{\"values\":[3,4,0]},{\"values\":[0,0,2,9]}]}");
    assert_int_equal(ai_embed(ai, AI_EMBED_DOCUMENT, texts, 2, out, &err), KR_OK);
    near(out[0], 0.6);
    near(out[1], 0.8);
    near(out[2], 0);
    near(out[5], 1); /* a longer vector is cut to the size, then normalised */
    const struct fake_request *r = fake_ai_request(srv, 0);
    assert_string_equal(r->url, "/v1beta/models/gemini-embedding-001:batchEmbedContents");
    assert_string_equal(fake_req_header(r, "x-goog-api-key"), "g-one");
    json_t *b = fake_req_json(r), *q = json_array_get(json_object_get(b, "requests"), 1);
    assert_string_equal(json_string_value(json_object_get(q, "model")),
                        "models/gemini-embedding-001");
    assert_string_equal(json_string_value(json_object_get(q, "taskType")), "RETRIEVAL_DOCUMENT");
    assert_int_equal(json_integer_value(json_object_get(q, "outputDimensionality")), 3);
    assert_string_equal(
        json_string_value(json_object_get(
            json_array_get(json_object_get(json_object_get(q, "content"), "parts"), 0), "text")),
        "silver studs");
    json_decref(b);
    /* a query, and replies that do not fit */
    fake_ai_push(srv, 200, "{\"embeddings\":[{\"values\":[1,0,0]}]}");
    assert_int_equal(ai_embed(ai, AI_EMBED_QUERY, texts, 1, out, &err), KR_OK);
    b = fake_req_json(fake_ai_request(srv, 1));
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(b, "requests"), 0), "taskType")),
                        "RETRIEVAL_QUERY");
    json_decref(b);
    fake_ai_push(srv, 200, "{\"embeddings\":[{\"values\":[1,0,0]}]}");
    assert_int_equal(ai_embed(ai, AI_EMBED_DOCUMENT, texts, 2, out, &err), KR_EUPSTREAM);
    fake_ai_push(srv, 200, "{\"embeddings\":[{\"values\":[0,0,0]}]}");
    assert_int_equal(ai_embed(ai, AI_EMBED_DOCUMENT, texts, 1, out, &err), KR_EUPSTREAM);
    fake_ai_push(srv, 200, "{\"embeddings\":[{\"values\":[1,\"x\",0]}]}");
    assert_int_equal(ai_embed(ai, AI_EMBED_DOCUMENT, texts, 1, out, &err), KR_EUPSTREAM);
    assert_int_equal(ai_embed(ai, AI_EMBED_DOCUMENT, texts, 0, out, &err), KR_EINVAL);
    ai_close(ai);
}

static void test_openai_wire_and_order(void **state)
{
    const char *texts[] = {"gold hoops", "silver studs"};
    float out[6];
    struct kr_err err = {0};
    struct ai *ai;
    (void)state;

    setenv("OPENAI_API_KEY", "sk-one", 1);
    assert_non_null(ai = open_embed("", &err));
    assert_string_equal(ai_embed_model(ai), "openai:text-embedding-3-small:3");
    fake_ai_push(srv, 200,
                 "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":1,"
                 "\"embedding\":[0,2,0]},{\"object\":\"embedding\",\"index\":0,\"embedding\":"
                 "[5,0,0]}],\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":4,"
                 "\"total_tokens\":4}}");
    assert_int_equal(ai_embed(ai, AI_EMBED_QUERY, texts, 2, out, &err), KR_OK);
    near(out[0], 1);
    near(out[4], 1); /* index 1 went to the second text */
    const struct fake_request *r = fake_ai_request(srv, 0);
    assert_string_equal(r->url, "/v1/embeddings");
    assert_string_equal(fake_req_header(r, "Authorization"), "Bearer sk-one");
    json_t *b = fake_req_json(r);
    assert_string_equal(json_string_value(json_object_get(b, "model")), "text-embedding-3-small");
    assert_int_equal(json_integer_value(json_object_get(b, "dimensions")), 3);
    assert_string_equal(json_string_value(json_array_get(json_object_get(b, "input"), 1)),
                        "silver studs");
    json_decref(b);
    /* the same index twice */
    fake_ai_push(srv, 200,
                 "{\"data\":[{\"index\":0,\"embedding\":[1,0,0]},{\"index\":0,\"embedding\":"
                 "[1,0,0]}]}");
    assert_int_equal(ai_embed(ai, AI_EMBED_QUERY, texts, 2, out, &err), KR_EUPSTREAM);
    /* a provider error after the retries */
    fake_ai_push(srv, 500, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}");
    assert_int_not_equal(ai_embed(ai, AI_EMBED_QUERY, texts, 1, out, &err), KR_OK);
    ai_close(ai);
}

static void test_provider_choice(void **state)
{
    struct kr_err err = {0};
    struct ai *ai;
    float out[3];
    const char *t[] = {"x"};
    (void)state;

    assert_non_null(ai = open_embed("", &err)); /* no keys: no embeddings */
    assert_null(ai_embed_model(ai));
    assert_int_equal(ai_embed(ai, AI_EMBED_QUERY, t, 1, out, &err), KR_EUNSUPPORTED);
    ai_close(ai);
    assert_null(open_embed("gemini", &err)); /* named without its key */
    assert_string_equal(err.slug, "bad_config");
    setenv("GOOGLE_API_KEY", "g-one", 1);
    assert_non_null(ai = open_embed("offline", &err));
    assert_null(ai_embed_model(ai));
    ai_close(ai);
    assert_null(open_embed("milvus", &err));
    assert_int_equal(fake_ai_count(srv), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_gemini_wire_and_vectors, each_setup, each_teardown),
        cmocka_unit_test_setup_teardown(test_openai_wire_and_order, each_setup, each_teardown),
        cmocka_unit_test_setup_teardown(test_provider_choice, each_setup, each_teardown),
    };
    (void)ait_open; /* the shared header's helpers this file does not need */
    (void)ait_photo;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
