/*
 * test_bills.c - the bill endpoints on the real server: POST /further_req
 * (columns, the row filter, malformed bodies), the stored document and its
 * versions (GET/PUT /documents/{id}) and the per-client undo history
 * (GET /undo_invoice with the original's strings).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static struct tu_server srv;

static int setup(void **state)
{
    static const char *const env[] = {NULL};
    (void)state;
    return tu_server_start_tmp(&srv, env);
}

static int teardown(void **state)
{
    (void)state;
    return tu_server_finish(&srv);
}

static json_t *call(const char *method, const char *path, const char *body, long want,
                    struct tu_resp *keep)
{
    char url[512];
    struct tu_resp r = {0};
    json_error_t je;
    json_t *j;

    snprintf(url, sizeof url, "%s%s", srv.base, path);
    assert_int_equal(tu_request(method, url, body ? "application/json" : NULL, body,
                                body ? strlen(body) : 0, NULL, &r),
                     0);
    if (r.status != want)
        fail_msg("%s %s: %ld %s (want %ld)", method, path, r.status, r.body, want);
    j = json_loads(r.body, JSON_DECODE_ANY, &je);
    assert_non_null(j);
    if (keep)
        *keep = r;
    else
        tu_resp_free(&r);
    return j;
}

static void want_code(const char *method, const char *path, const char *body, long status,
                      const char *code, const char *says)
{
    json_t *j = call(method, path, body, status, NULL);
    const char *detail = json_string_value(json_object_get(j, "detail"));

    assert_string_equal(json_string_value(json_object_get(j, "code")), code);
    if (says && (!detail || !strstr(detail, says)))
        fail_msg("%s %s: detail \"%s\" lacks \"%s\"", method, path, detail, says);
    json_decref(j);
}

#define ROWS                                                                                       \
    "[{\"Description\":\"Gold Ring\",\"Purity\":\"22K\",\"Qty\":\"2\",\"Rate\":\"500\","           \
    "\"Amount\":\"1,000\"},"                                                                       \
    "{\"Description\":\"Silver Chain\",\"Purity\":\"925\",\"Qty\":\"1\",\"Rate\":\"900\","         \
    "\"Amount\":\"Rs. 900/-\"},"                                                                   \
    "{\"Description\":\"Gold Earring\",\"Purity\":\"916\",\"Qty\":\"3\",\"Rate\":\"4,000\","       \
    "\"Amount\":\"\xe2\x82\xb9 12,000\"}]"

static void test_malformed_bodies(void **state)
{
    (void)state;
    want_code("POST", "/further_req", "{\"data\": [", 400, "bad_json", NULL);
    want_code("POST", "/further_req", "[1, 2]", 400, "bad_json", NULL);
    want_code("POST", "/further_req", "{\"columns\": \"\", \"manual\": \"\"}", 400, "missing_field",
              "data");
    want_code("POST", "/further_req", "{\"data\": [], \"manual\": \"\"}", 400, "missing_field",
              "columns");
    want_code("POST", "/further_req", "{\"data\": [], \"columns\": 5, \"manual\": \"\"}", 400,
              "bad_json", "columns");
    want_code("POST", "/further_req", "{\"data\": 5, \"columns\": \"\", \"manual\": \"\"}", 400,
              "bad_json", "array");
    want_code("POST", "/further_req",
              "{\"data\": [{\"a\": {}}], \"columns\": \"\", \"manual\": \"\"}", 400, "bad_json",
              "row 0");
    want_code("POST", "/further_req", "{\"data\": [7], \"columns\": \"\", \"manual\": \"\"}", 400,
              "bad_json", "row 0");
    want_code("POST", "/further_req",
              "{\"data\": " ROWS ", \"columns\": \"\", \"manual\": \"Amout > 1000\"}", 400,
              "bad_filter", "no column \"Amout\"");
    want_code("POST", "/further_req",
              "{\"data\": " ROWS ", \"columns\": \"\", \"manual\": \"Amount >\"}", 400,
              "bad_filter", "a value was expected");
    want_code("POST", "/further_req",
              "{\"data\": " ROWS ", \"columns\": \"Weight\", \"manual\": \"\"}", 400, "bad_filter",
              "no column \"Weight\"");
    want_code("POST", "/further_req",
              "{\"data\": " ROWS ", \"columns\": \"\", \"manual\": \"\", \"id\": 3}", 400,
              "bad_json", "id");
    want_code("POST", "/further_req",
              "{\"data\": " ROWS ", \"columns\": \"\", \"manual\": \"\", \"id\": \"nope\"}", 404,
              "doc_not_found", NULL);
    want_code("GET", "/documents/0123456789abcdef0123456789abcdef", NULL, 404, "doc_not_found",
              NULL);
    want_code("GET", "/documents/..%2f..%2fetc", NULL, 404, "doc_not_found", NULL);
    want_code("PUT", "/documents/0123456789abcdef0123456789abcdef", "{\"table\": []}", 404,
              "doc_not_found", NULL);
    want_code("PUT", "/documents/0123456789abcdef0123456789abcdef", "{\"extras\": {}}", 400,
              "missing_field", NULL);
}

static void test_refine_versions_undo(void **state)
{
    struct tu_resp r;
    char hdr[128], path[128], body[1024];
    json_t *j;
    (void)state;

    j = call("GET", "/undo_invoice", NULL, 200, NULL);
    assert_string_equal(json_string_value(j), "Undo file does not exist.");
    json_decref(j);
    j = call("POST", "/further_req",
             "{\"data\": " ROWS ", \"columns\": \"description, AMOUNT\", "
             "\"manual\": \"Purity = 22K and Qty >= 2\"}",
             200, &r);
    assert_int_equal(json_array_size(j), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 1), "Amount")),
                        "\xe2\x82\xb9 12,000");
    assert_int_equal(json_object_size(json_array_get(j, 0)), 2);
    json_decref(j);
    assert_non_null(tu_resp_header(&r, "X-Document-Id", hdr, sizeof hdr));
    tu_resp_free(&r);
    snprintf(path, sizeof path, "/documents/%s", hdr);
    j = call("GET", path, NULL, 200, NULL);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 1);
    assert_string_equal(json_string_value(json_object_get(j, "source")), "refine");
    assert_int_equal(json_array_size(json_object_get(j, "warnings")), 0);
    json_decref(j);
    /* a manual edit with a wrong amount: version 2, flagged */
    j = call(
        "PUT", path,
        "{\"table\": [{\"Item\":\"Ring\",\"Qty\":\"2\",\"Rate\":\"500\",\"Amount\":\"1,100\"}],"
        " \"extras\": {\"Invoice No\": \"7\"}}",
        200, NULL);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 2);
    assert_string_equal(json_string_value(json_object_get(j, "source")), "edit");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(j, "warnings"), 0), "kind")),
                        "line_amount");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "extras"), "Invoice No")), "7");
    json_decref(j);
    /* an edit that names the version it started from: a stale one is refused */
    want_code("PUT", path, "{\"table\": [{\"Item\":\"Ring\"}], \"version\": 1}", 409,
              "doc_changed", "latest is 2");
    /* a malformed version is the same error on PUT as on GET */
    want_code("PUT", path, "{\"table\": [{\"Item\":\"Ring\"}], \"version\": \"2\"}", 400,
              "invalid_argument", "version");
    want_code("PUT", path, "{\"table\": [{\"Item\":\"Ring\"}], \"version\": 0}", 400,
              "invalid_argument", "version");
    snprintf(body, sizeof body, "%s?version=two", path);
    want_code("GET", body, NULL, 400, "invalid_argument", "version");
    /* a row with no cells means nothing: refused, naming the row */
    want_code("PUT", path, "{\"table\": [{}]}", 400, "invalid_argument", "row 1");
    want_code("PUT", path, "{\"table\": [{\"Item\":\"Ring\"}, {}]}", 400, "invalid_argument",
              "row 2");
    j = call("GET", path, NULL, 200, NULL); /* none of them wrote a version */
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 2);
    json_decref(j);
    /* undo: back to the refinement (its rows, as the original answered) */
    j = call("GET", "/undo_invoice", NULL, 200, NULL);
    assert_true(json_is_array(j));
    assert_int_equal(json_array_size(j), 2);
    json_decref(j);
    j = call("GET", "/undo_invoice", NULL, 200, NULL);
    assert_string_equal(json_string_value(j), "no file to undo");
    json_decref(j);
    j = call("GET", "/undo_invoice", NULL, 200, NULL);
    assert_string_equal(json_string_value(j), "No actions to undo.");
    json_decref(j);
    /* the document itself keeps its versions */
    snprintf(path, sizeof path, "/documents/%s?version=1", hdr);
    j = call("GET", path, NULL, 200, NULL);
    assert_int_equal(json_array_size(json_object_get(j, "table")), 2);
    json_decref(j);
    /* rows refining the stored document: its next version keeps the document's extras */
    snprintf(body, sizeof body,
             "{\"data\": " ROWS ", \"columns\": \"\", \"manual\": \"Qty >= 2\", \"id\": \"%s\"}",
             hdr);
    json_decref(call("POST", "/further_req", body, 200, NULL));
    snprintf(path, sizeof path, "/documents/%s", hdr);
    j = call("GET", path, NULL, 200, NULL);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 3);
    assert_string_equal(json_string_value(json_object_get(j, "source")), "refine");
    assert_int_equal(json_array_size(json_object_get(j, "table")), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "extras"), "Invoice No")), "7");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed_bodies),
        cmocka_unit_test(test_refine_versions_undo),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
