/*
 * test_collection_copy.c - a collection's title and description written by
 * the copy provider (ai_collection_copy), against the fake server of
 * tests/support/fake_ai.h in Gemini's and OpenAI's wire formats.
 *
 * The request carries the pieces and the drafts inside the data delimiters
 * and asks for exactly "title" and "description" (the schema); the reply's
 * two strings come back; a blank title is an error (the caller keeps its
 * templates); a 500 is an error; the offline
 * provider is never asked (KR_EUNSUPPORTED).
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai.h"
#include "core/config.h"
#include "fake_ai.h"
#include "fake_ai_open.h"

static struct fake_ai *srv;

static const struct ai_collection_req ASK = {
    "- Lotus Jhumka | earrings | Gold | 1299 | {\"motif\":\"lotus\"}\n", "brides",
    "Floral: flowers and petals\n", "for the wedding season", "The Floral Earrings Edit",
    "1 Gold earrings piece chosen for brides."};

static struct ai *open_ai(const char *provider)
{
    return fake_ai_open_copy(srv, provider);
}

static int setup(void **state)
{
    (void)state;
    setenv("GOOGLE_API_KEY", "g-key-one", 1);
    setenv("OPENAI_API_KEY", "sk-test-one", 1);
    srv = fake_ai_start();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fake_ai_stop(srv);
    unsetenv("GOOGLE_API_KEY");
    unsetenv("OPENAI_API_KEY");
    return 0;
}

/* The request's schema asks for title and description; the data is delimited. */
static void check_request(const char *provider, size_t at)
{
    json_t *body = fake_req_json(fake_ai_request(srv, at)), *props;
    char *dump = json_dumps(body, 0);

    assert_non_null(dump);
    assert_non_null(strstr(dump, "<<<"));
    assert_non_null(strstr(dump, "Lotus Jhumka | earrings | Gold | 1299"));
    assert_non_null(strstr(dump, "The Floral Earrings Edit"));
    props = !strcmp(provider, "gemini")
                ? json_object_get(json_object_get(json_object_get(body, "generationConfig"),
                                                  "responseSchema"),
                                  "properties")
                : json_object_get(json_object_get(json_object_get(json_object_get(
                                                      body, "response_format"),
                                                  "json_schema"),
                                  "schema"),
                                  "properties");
    assert_int_equal(json_object_size(props), 2);
    assert_non_null(json_object_get(props, "title"));
    assert_non_null(json_object_get(props, "description"));
    free(dump);
    json_decref(body);
}

static void writes(const char *provider, char *reply)
{
    struct ai *ai = open_ai(provider);
    struct kr_err err = {0};
    json_t *out = NULL;
    size_t before = fake_ai_count(srv);

    fake_ai_push(srv, 200, reply);
    free(reply);
    assert_int_equal(ai_collection_copy(ai, &ASK, &out, &err), KR_OK);
    assert_int_equal(fake_ai_count(srv) - before, 1);
    check_request(provider, before);
    assert_string_equal(json_string_value(json_object_get(out, "title")), "Lotus Bridal Jhumkas");
    assert_string_equal(json_string_value(json_object_get(out, "description")),
                        "Gold lotus jhumkas for brides.");
    json_decref(out);
    ai_close(ai);
}

static const char REPLY[] =
    "{\"title\": \"Lotus Bridal Jhumkas\", \"description\": \"Gold lotus jhumkas for brides.\"}";

static void test_gemini(void **state)
{
    (void)state;
    writes("gemini", fake_gemini_text(REPLY));
}

static void test_openai(void **state)
{
    (void)state;
    writes("openai", fake_openai_chat(REPLY));
}

static void test_failures(void **state)
{
    struct ai *ai = open_ai("gemini"), *off = open_ai("offline");
    struct kr_err err = {0};
    json_t *out = NULL;
    char *blank = fake_gemini_text("{\"title\": \"  \", \"description\": \"Gold.\"}");
    size_t before = fake_ai_count(srv);
    (void)state;

    fake_ai_push(srv, 200, blank); /* a blank title: refused (the caller keeps its drafts) */
    assert_int_not_equal(ai_collection_copy(ai, &ASK, &out, &err), KR_OK);
    assert_string_equal(err.slug, "bad_model_reply");
    assert_null(out);
    assert_int_equal(fake_ai_count(srv) - before, 1);
    fake_ai_push(srv, 500, "{\"error\": {\"code\": 500, \"message\": \"down\"}}");
    assert_int_not_equal(ai_collection_copy(ai, &ASK, &out, &err), KR_OK);
    assert_null(out);
    before = fake_ai_count(srv);
    assert_int_equal(ai_collection_copy(off, &ASK, &out, &err), KR_EUNSUPPORTED);
    assert_int_equal(fake_ai_count(srv), before); /* offline: nobody asked */
    free(blank);
    ai_close(ai);
    ai_close(off);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gemini),
        cmocka_unit_test(test_openai),
        cmocka_unit_test(test_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
