/*
 * test_doc_provider.c - reading a bill with a provider (Gemini's wire
 * format, from the fake server of tests/support/fake_ai.h): a 120-row bill
 * comes back whole in bands of AI_TABLE_ROWS, each call asking for the rows
 * after those read; a reply of the wrong shape is asked again; a provider
 * that fails falls back to the offline reader, whose failure is then the
 * answer (bytes that are no image: not_a_document). With OpenAI as the
 * provider the same bands come through its chat API (the photo as a data
 * URL, the schema as a strict json_schema), and a PDF, which OpenAI's chat
 * cannot take, is read offline without a call.
 */
#include "testutil.h"

#include "image/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai.h"
#include "core/config.h"
#include "doc/doc.h"
#include "fake_ai.h"

static struct fake_ai *srv;
static struct ai *ai;

static int setup(void **state)
{
    struct config cfg;
    struct kr_err err = {0};
    struct ai_tuning t = {
        .backoff_base_ms = 10, .backoff_cap_ms = 50, .max_wait_ms = 1000, .timeout_ms = 5000};
    (void)state;
    if (image_init("test_doc_provider", &err))
        return -1; /* the offline reader (ocr/) decodes through image/ */
    setenv("GOOGLE_API_KEY", "g-key-one", 1);
    srv = fake_ai_start();
    assert_int_equal(config_load(&cfg, NULL), KR_OK);
    config_set(&cfg, "KARAT_ATTR_PROVIDER", "gemini", NULL);
    config_set(&cfg, "KARAT_COPY_PROVIDER", "gemini", NULL);
    config_set(&cfg, "GEMINI_BASE_URL", fake_ai_base(srv), NULL);
    config_set(&cfg, "GEMINI_MODEL", "gemini-test", NULL);
    config_set(&cfg, "KARAT_AI_ATTEMPTS", "1", NULL);
    assert_int_equal(ai_open(&cfg, &ai, &err), KR_OK);
    config_release(&cfg);
    ai_set_tuning(ai, &t);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ai_close(ai);
    fake_ai_stop(srv);
    unsetenv("GOOGLE_API_KEY");
    return 0;
}

/* A band of rows first..first+n-1 (1-based) in Gemini's reply format, or
 * OpenAI's when openai is set. */
static void push_band_as(int openai, int first, int n, int more, int extra_cols)
{
    json_t *rows = json_array(), *o;
    char no[16], amt[16], *text, *body;

    for (int i = first; i < first + n; i++) {
        snprintf(no, sizeof no, "%d", i);
        snprintf(amt, sizeof amt, "%d", 100 * i);
        json_t *r = json_pack("[s,s,s,s]", no, "Ring", "1", amt);
        if (extra_cols)
            json_array_append_new(r, json_string("x"));
        json_array_append_new(rows, r);
    }
    o = json_pack("{s:[s,s,s,s],s:o,s:[{s:s,s:s}],s:b}", "headers", "Sl No", "Item", "Qty",
                  "Amount", "rows", rows, "extras", "key", "Invoice No", "value", "A-17", "more",
                  more);
    text = json_dumps(o, JSON_COMPACT);
    body = openai ? fake_openai_chat(text) : fake_gemini_text(text);
    fake_ai_push(srv, 200, body);
    free(body);
    free(text);
    json_decref(o);
}

static void push_band(int first, int n, int more, int extra_cols)
{
    push_band_as(0, first, n, more, extra_cols);
}

static enum kr_code read_bill(struct doc_table *t, struct kr_err *err)
{
    struct doc_extract_req req = {.bytes = "fake photo bytes", .len = 16, .is_pdf = 0,
                                  .prompt = "use the printed headers", .ai = ai,
                                  .mime = "image/jpeg", .ocr = {.max_pages = 5, .max_pixels = 1 << 24}};
    return doc_extract(&req, t, err);
}

static void test_long_bill_whole(void **state)
{
    struct doc_table t;
    struct kr_err err = {0};
    size_t before = fake_ai_count(srv);
    (void)state;
    for (int b = 0; b < 4; b++)
        push_band(1 + 25 * b, 25, 1, 0);
    push_band(101, 20, 0, 0);
    assert_int_equal(read_bill(&t, &err), KR_OK);
    assert_int_equal(t.nrows, 120);
    assert_int_equal(t.ncols, 4);
    assert_string_equal(doc_cell_at(&t, 119, 0)->text, "120");
    assert_string_equal(doc_cell_at(&t, 60, 3)->text, "6100");
    assert_int_equal(doc_cell_at(&t, 60, 3)->v.kind, DOC_NUMBER);
    assert_string_equal(t.extras[0].value, "A-17");
    assert_int_equal(t.nextras, 1);
    assert_int_equal(fake_ai_count(srv) - before, 5);
    for (int b = 0; b < 5; b++) { /* each call asks for the rows after those read */
        json_t *body = fake_req_json(fake_ai_request(srv, before + (size_t)b));
        char *dump = json_dumps(body, 0), want[64];
        snprintf(want, sizeof want, "Rows already read: %d.", 25 * b);
        assert_non_null(strstr(dump, want));
        assert_non_null(strstr(dump, "responseSchema"));
        assert_non_null(strstr(dump, "use the printed headers"));
        free(dump);
        json_decref(body);
    }
    doc_table_free(&t);
}

/* A PDF goes to Gemini inline, as application/pdf. */
static void test_pdf_to_gemini(void **state)
{
    struct doc_table t;
    struct kr_err err = {0};
    struct doc_extract_req req = {.bytes = "%PDF-1.7 fake", .len = 13, .is_pdf = 1, .ai = ai,
                                  .mime = "application/pdf", .ocr = {.max_pages = 5, .max_pixels = 1 << 24}};
    size_t before = fake_ai_count(srv);
    char *dump;
    json_t *body;
    (void)state;
    push_band(1, 2, 0, 0);
    assert_int_equal(doc_extract(&req, &t, &err), KR_OK);
    assert_int_equal(t.nrows, 2);
    body = fake_req_json(fake_ai_request(srv, before));
    dump = json_dumps(body, 0);
    assert_non_null(strstr(dump, "application/pdf"));
    free(dump);
    json_decref(body);
    doc_table_free(&t);
}

static void test_bad_shape_asked_again(void **state)
{
    struct doc_table t;
    struct kr_err err = {0};
    (void)state;
    push_band(1, 3, 0, 1); /* rows longer than the headers */
    push_band(1, 3, 0, 0);
    assert_int_equal(read_bill(&t, &err), KR_OK);
    assert_int_equal(t.nrows, 3);
    doc_table_free(&t);
}

static enum kr_code offline_stand_in(const struct doc_extract_req *req, struct doc_table *out,
                                     struct kr_err *err)
{
    json_t *rows = json_pack("[{s:s}]", "Read", "offline");
    enum kr_code rc = doc_table_from_json(rows, NULL, out, err);
    (void)req;
    json_decref(rows);
    return rc;
}

static void test_fallback(void **state)
{
    struct doc_table t;
    struct kr_err err = {0};
    (void)state;
    /* a later band with other columns: the provider's reading fails */
    push_band(1, 25, 1, 0);
    {
        json_t *o = json_pack("{s:[s],s:[[s]],s:[],s:b}", "headers", "Only", "rows", "x", "extras",
                              "more", 0);
        char *text = json_dumps(o, JSON_COMPACT), *body = fake_gemini_text(text);
        fake_ai_push(srv, 200, body);
        free(body);
        free(text);
        json_decref(o);
    }
    assert_int_not_equal(read_bill(&t, &err), KR_OK);
    /* the offline reader ran too: it cannot read these bytes, and says so */
    assert_string_equal(err.slug, "not_a_document");
    fake_ai_push(srv, 400,
                 "{\"error\":{\"code\":400,\"message\":\"bad\",\"status\":\"INVALID_ARGUMENT\"}}");
    doc_extract_fake(offline_stand_in);
    assert_int_equal(read_bill(&t, &err), KR_OK);
    assert_string_equal(doc_cell_at(&t, 0, 0)->text, "offline");
    doc_table_free(&t);
    doc_extract_fake(NULL);
}

/* A filter Karat's language cannot parse, refined by the provider. */
static void test_refine_by_provider(void **state)
{
    json_error_t je;
    json_t *rows = json_loads("[{\"Description\":\"Gold Ring\",\"Amount\":\"1,000\"},"
                              "{\"Description\":\"Silver Chain\",\"Amount\":\"900\"},"
                              "{\"Description\":\"Gold Earring\",\"Amount\":\"12,000\"}]",
                              0, &je);
    json_t *o =
        json_pack("{s:[s,s],s:[[s,s],[s,s]],s:[],s:b}", "headers", "Description", "Amount", "rows",
                  "Gold Ring", "1,000", "Gold Earring", "12,000", "extras", "more", 0);
    char *text = json_dumps(o, JSON_COMPACT), *body = fake_gemini_text(text), *dump;
    struct doc_table in, out;
    struct kr_err err = {0};
    size_t before = fake_ai_count(srv);
    (void)state;
    fake_ai_push(srv, 200, body);
    assert_int_equal(doc_table_from_json(rows, NULL, &in, &err), KR_OK);
    assert_int_equal(doc_refine(&in, "", "only the gold ones", &out, &err), KR_EINVAL);
    assert_true(doc_refine_ai_ready(ai));
    assert_int_equal(doc_refine_ai(ai, &in, "", "only the gold ones", &out, &err), KR_OK);
    assert_int_equal(out.nrows, 2);
    assert_string_equal(doc_cell_at(&out, 1, 1)->text, "12,000");
    assert_int_equal(doc_cell_at(&out, 1, 1)->v.kind, DOC_NUMBER);
    json_t *req = fake_req_json(fake_ai_request(srv, before));
    dump = json_dumps(req, 0);
    assert_non_null(strstr(dump, "rows to keep: only the gold ones"));
    assert_non_null(strstr(dump, "Silver Chain"));
    assert_null(strstr(dump, "inlineData"));
    free(dump);
    json_decref(req);
    doc_table_free(&in);
    doc_table_free(&out);
    json_decref(rows);
    json_decref(o);
    free(text);
    free(body);
}

/* The AI layer with OpenAI reading bills (attributes), pointed at the fake. */
static struct ai *open_openai(void)
{
    struct config cfg;
    struct kr_err err = {0};
    struct ai *o = NULL;

    setenv("OPENAI_API_KEY", "sk-test-one", 1);
    assert_int_equal(config_load(&cfg, NULL), KR_OK);
    config_set(&cfg, "KARAT_ATTR_PROVIDER", "openai", NULL);
    config_set(&cfg, "OPENAI_BASE_URL", fake_ai_base(srv), NULL);
    config_set(&cfg, "KARAT_AI_ATTEMPTS", "1", NULL);
    assert_int_equal(ai_open(&cfg, &o, &err), KR_OK);
    config_release(&cfg);
    unsetenv("OPENAI_API_KEY");
    return o;
}

static void test_openai_bill(void **state)
{
    struct ai *o = open_openai();
    struct doc_table t;
    struct kr_err err = {0};
    struct doc_extract_req req = {.bytes = "fake photo bytes",
                                  .len = 16,
                                  .ai = o,
                                  .mime = "image/jpeg",
                                  .ocr = {.max_pages = 5, .max_pixels = 1 << 24}};
    size_t before = fake_ai_count(srv);
    (void)state;

    push_band_as(1, 1, 25, 1, 0);
    push_band_as(1, 26, 5, 0, 0);
    assert_int_equal(doc_extract(&req, &t, &err), KR_OK);
    assert_int_equal(t.nrows, 30);
    assert_string_equal(doc_cell_at(&t, 29, 0)->text, "30");
    assert_string_equal(t.extras[0].value, "A-17");
    assert_int_equal(fake_ai_count(srv) - before, 2);
    for (size_t b = 0; b < 2; b++) {
        const struct fake_request *r = fake_ai_request(srv, before + b);
        json_t *body = fake_req_json(r);
        json_t *js = json_object_get(json_object_get(body, "response_format"), "json_schema");
        char *dump = json_dumps(body, 0), want[64];
        assert_non_null(strstr(r->url, "/chat/completions"));
        assert_true(json_is_true(json_object_get(js, "strict")));
        assert_non_null(json_object_get(json_object_get(json_object_get(js, "schema"),
                                                        "properties"),
                                        "rows"));
        assert_non_null(strstr(dump, "data:image/jpeg;base64,"));
        snprintf(want, sizeof want, "Rows already read: %zu.", 25 * b);
        assert_non_null(strstr(dump, want));
        free(dump);
        json_decref(body);
    }
    doc_table_free(&t);
    /* a PDF: read offline (these bytes are no PDF poppler opens), OpenAI never asked */
    req.bytes = "%PDF-1.7 fake";
    req.len = 13;
    req.is_pdf = 1;
    req.mime = "application/pdf";
    assert_int_not_equal(doc_extract(&req, &t, &err), KR_OK);
    assert_string_equal(err.slug, "corrupt_pdf");
    assert_int_equal(fake_ai_count(srv) - before, 2);
    ai_close(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_bill_whole),
        cmocka_unit_test(test_pdf_to_gemini),
        cmocka_unit_test(test_bad_shape_asked_again),
        cmocka_unit_test(test_fallback),
        cmocka_unit_test(test_refine_by_provider),
        cmocka_unit_test(test_openai_bill),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
