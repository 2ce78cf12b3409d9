/*
 * test_schema.c - the AI layer's small pure parts: base64 both ways, the
 * reply parser (code fences, non-objects), ai__validate (allowed values in
 * the caller's spelling, shortening with a note, wrong shapes rejected),
 * the two schema builders, and RetryInfo durations.
 */
#include <stdlib.h>
#include <string.h>

#include "ai/ai_int.h"
#include "testutil.h"

static void test_b64(void **state)
{
    const char *cases[][2] = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foobar", "Zm9vYmFy"}};
    (void)state;
    for (size_t i = 0; i < 5; i++) {
        char *e = ai__b64_encode(cases[i][0], strlen(cases[i][0]));
        size_t n = 99;
        unsigned char *d = ai__b64_decode(cases[i][1], strlen(cases[i][1]), &n);
        assert_string_equal(e, cases[i][1]);
        assert_int_equal(n, strlen(cases[i][0]));
        assert_memory_equal(d, cases[i][0], n);
        free(e);
        free(d);
    }
    size_t n;
    assert_null(ai__b64_decode("Zm9v!", 5, &n));
    assert_null(ai__b64_decode("Zg==Zg==", 8, &n));
    assert_null(ai__b64_decode("Zm9vY", 5, &n));    /* a lone trailing character */
    assert_null(ai__b64_decode("Zg===", 5, &n));    /* three '=' */
    assert_null(ai__b64_decode("Zm9v\x80", 5, &n)); /* not ASCII */
    /* what providers send and the decoder tolerates: whitespace anywhere,
     * the URL-safe alphabet, missing padding */
    const char *loose[][2] = {
        {"Zm9v\nYmFy", "foobar"}, {" Zm 9v\r\nYg== ", "foob"}, {"Zm8", "fo"}, {"Zg", "f"},
        {"-_-_", "\xfb\xff\xbf"}, {"+/+/", "\xfb\xff\xbf"}};
    for (size_t i = 0; i < 6; i++) {
        unsigned char *d = ai__b64_decode(loose[i][0], strlen(loose[i][0]), &n);
        assert_non_null(d);
        assert_int_equal(n, strlen(loose[i][1]));
        assert_memory_equal(d, loose[i][1], n);
        free(d);
    }
}

/* Larger than one OpenSSL block call: every byte value, both directions. */
static void test_b64_large(void **state)
{
    size_t len = (7u << 20) + 1, n = 0; /* 7 MiB + 1: one padding character */
    unsigned char *src = malloc(len), *back;
    char *e;
    (void)state;
    assert_non_null(src);
    for (size_t i = 0; i < len; i++)
        src[i] = (unsigned char)(i * 131 + (i >> 9));
    e = ai__b64_encode(src, len);
    assert_non_null(e);
    assert_int_equal(strlen(e), 4 * ((len + 2) / 3));
    assert_string_equal(e + strlen(e) - 1, "=");
    back = ai__b64_decode(e, strlen(e), &n);
    assert_non_null(back);
    assert_int_equal(n, len);
    assert_memory_equal(back, src, len);
    free(back);
    free(e);
    free(src);
}

static void test_parse_reply(void **state)
{
    json_t *o = NULL;
    struct kr_err err = {0};
    const char *fenced = "```json\n{\"a\": 1}\n```\n";
    (void)state;
    assert_int_equal(ai__parse_reply_text(fenced, strlen(fenced), &o, &err), KR_OK);
    assert_int_equal(json_integer_value(json_object_get(o, "a")), 1);
    json_decref(o);
    assert_int_equal(ai__parse_reply_text("[1,2]", 5, &o, &err), KR_EUPSTREAM);
    assert_string_equal(err.slug, "bad_model_reply");
    assert_int_equal(ai__parse_reply_text("{\"a\":1,\"a\":2}", 13, &o, &err), KR_EUPSTREAM);
    assert_int_equal(ai__parse_reply_text("", 0, &o, &err), KR_EUPSTREAM);
}

static void test_validate(void **state)
{
    const char *const allowed[] = {"Rose Gold", "Silver"};
    struct ai_field f[] = {{"color", NULL, allowed, 2, 0, 0},
                           {"title", NULL, NULL, 0, 12, 0},
                           {"tags", NULL, NULL, 0, 0, 1},
                           {"count", NULL, NULL, 0, 0, 0}};
    json_t *reply = json_pack("{s:s,s:s,s:s,s:i,s:s}", "color", "rose gold", "title",
                              "Twelve chars and more", "tags", "one", "count", 3, "extra", "x");
    json_t *out = NULL, *notes = NULL;
    struct kr_err err = {0};
    (void)state;
    assert_int_equal(ai__validate(f, 4, reply, &out, &notes, &err), KR_OK);
    assert_string_equal(json_string_value(json_object_get(out, "color")), "Rose Gold");
    assert_string_equal(json_string_value(json_object_get(out, "title")), "Twelve chars");
    assert_non_null(json_object_get(notes, "title"));
    assert_string_equal(json_string_value(json_array_get(json_object_get(out, "tags"), 0)), "one");
    assert_string_equal(json_string_value(json_object_get(out, "count")), "3");
    assert_null(json_object_get(out, "extra"));
    json_decref(out);
    json_decref(notes);
    json_decref(reply);

    /* the sheet's rule (core/utf8.h): a word boundary only when it keeps half */
    reply = json_pack("{s:s}", "title", "abcd efghijklmnop");
    assert_int_equal(ai__validate(f, 4, reply, &out, NULL, &err), KR_OK);
    assert_string_equal(json_string_value(json_object_get(out, "title")), "abcd efghijk");
    json_decref(out);
    json_decref(reply);

    reply = json_pack("{s:s}", "color", "Gold");
    assert_int_equal(ai__validate(f, 4, reply, &out, NULL, &err), KR_EUPSTREAM);
    json_decref(reply);
    reply = json_pack("{s:{s:i}}", "title", "a", 1);
    assert_int_equal(ai__validate(f, 4, reply, &out, NULL, &err), KR_EUPSTREAM);
    json_decref(reply);
    reply = json_pack("{s:s}", "unrelated", "x");
    assert_int_equal(ai__validate(f, 4, reply, &out, NULL, &err), KR_EUPSTREAM);
    json_decref(reply);
}

static void test_schemas_and_durations(void **state)
{
    const char *const allowed[] = {"A", "B"};
    struct ai_field f[] = {{"q", "grade", allowed, 2, 0, 0}, {"tags", NULL, NULL, 0, 30, 1}};
    json_t *g = ai__schema_gemini(f, 2), *o = ai__schema_openai(f, 2);
    (void)state;
    json_t *gq = json_object_get(json_object_get(g, "properties"), "q");
    assert_true(json_is_true(json_object_get(gq, "nullable")));
    assert_int_equal(json_array_size(json_object_get(gq, "enum")), 2);
    json_t *gt = json_object_get(json_object_get(g, "properties"), "tags");
    assert_string_equal(json_string_value(json_object_get(gt, "type")), "ARRAY");
    json_t *oq = json_object_get(json_object_get(o, "properties"), "q");
    assert_int_equal(json_array_size(json_object_get(oq, "enum")), 3); /* + null */
    assert_true(json_is_null(json_array_get(json_object_get(oq, "enum"), 2)));
    assert_true(json_is_false(json_object_get(o, "additionalProperties")));
    json_decref(g);
    json_decref(o);
    assert_int_equal(ai__parse_duration_ms("38s"), 38000);
    assert_int_equal(ai__parse_duration_ms("45.5s"), 45500);
    assert_int_equal(ai__parse_duration_ms("soon"), -1);
    assert_int_equal(ai__parse_duration_ms(NULL), -1);
}

/* The bill reply's schema: OpenAI's strict mode wants every object closed
 * (additionalProperties false) with all its properties required; Gemini's
 * dialect has upper-case types and a property order. */
static void check_object(json_t *o, int gemini)
{
    json_t *props = json_object_get(o, "properties"), *v;
    const char *k;

    assert_string_equal(json_string_value(json_object_get(o, "type")), gemini ? "OBJECT" : "object");
    assert_int_equal(json_array_size(json_object_get(o, "required")), json_object_size(props));
    if (gemini)
        assert_int_equal(json_array_size(json_object_get(o, "propertyOrdering")),
                         json_object_size(props));
    else
        assert_true(json_is_false(json_object_get(o, "additionalProperties")));
    json_object_foreach(props, k, v) {
        json_t *items = json_object_get(v, "items");
        if (items && json_object_get(items, "properties"))
            check_object(items, gemini);
    }
}

static void test_table_schema(void **state)
{
    (void)state;
    for (int gemini = 0; gemini < 2; gemini++) {
        json_t *s = ai__table_schema(gemini);
        json_t *rows = json_object_get(json_object_get(s, "properties"), "rows");
        check_object(s, gemini);
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(json_object_get(rows, "items"),
                                                              "items"),
                                              "type")),
            gemini ? "STRING" : "string");
        assert_non_null(json_object_get(json_object_get(s, "properties"), "more"));
        json_decref(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64),
        cmocka_unit_test(test_b64_large),
        cmocka_unit_test(test_parse_reply),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_schemas_and_durations),
        cmocka_unit_test(test_table_schema),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
