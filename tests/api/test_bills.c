/*
 * test_bills.c - the bill endpoints on the real server: POST /further_req
 * (columns, the row filter, malformed bodies), the stored document and its
 * versions (GET/PUT /documents/{id}) and the per-client undo history
 * (GET /undo_invoice with the original's strings): one history per client
 * address without API keys (clients bind 127.0.0.N to stand for hosts), one
 * per API key with keys (two keys from the same address do not share one).
 */
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

/* method url (with headers hdrs, or none) answered want: its body as JSON;
 * the response itself into *keep when asked. */
static json_t *call_url(const char *method, const char *url, const char *const *hdrs,
                        const char *body, long want, struct tu_resp *keep)
{
    struct tu_resp r = {0};
    json_error_t je;
    json_t *j;

    assert_int_equal(tu_request(method, url, body ? "application/json" : NULL, body,
                                body ? strlen(body) : 0, hdrs, &r),
                     0);
    if (r.status != want)
        fail_msg("%s %s: %ld %s (want %ld)", method, url, r.status, r.body, want);
    j = json_loads(r.body, JSON_DECODE_ANY, &je);
    assert_non_null(j);
    if (keep)
        *keep = r;
    else
        tu_resp_free(&r);
    return j;
}

static json_t *call(const char *method, const char *path, const char *body, long want,
                    struct tu_resp *keep)
{
    char url[512];

    snprintf(url, sizeof url, "%s%s", srv.base, path);
    return call_url(method, url, NULL, body, want, keep);
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
    /* two edits, then undo: an edit's entry is the whole document, so the
     * answer is the document as the first edit left it (version 4) */
    json_decref(call("PUT", path, "{\"table\": [{\"Item\":\"Chain\",\"Amount\":\"900\"}]}", 200,
                     NULL));
    json_decref(call("PUT", path, "{\"table\": [{\"Item\":\"Chain\",\"Amount\":\"950\"}]}", 200,
                     NULL));
    j = call("GET", "/undo_invoice", NULL, 200, NULL);
    assert_true(json_is_object(j));
    assert_string_equal(json_string_value(json_object_get(j, "id")), hdr);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 4);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(j, "table"), 0), "Amount")),
                        "900");
    assert_non_null(json_object_get(j, "warnings"));
    json_decref(j);
}

/* One request to srv from source address 127.0.0.<host> (a raw connection,
 * so the server sees that address); the answer's status must be want and
 * its body is returned as JSON. */
static json_t *call_from(int host, const char *method, const char *path, const char *body,
                         long want)
{
    char req[2048], resp[16384];
    size_t n = 0;
    ssize_t k;
    int fd = tu_connect(srv.port, host);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    const char *text;
    json_t *j;

    snprintf(req, sizeof req,
             "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
             "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
             method, path, body ? strlen(body) : 0, body ? body : "");
    assert_int_equal(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
    while (n < sizeof resp - 1 && poll(&p, 1, 30000) > 0 &&
           (k = recv(fd, resp + n, sizeof resp - 1 - n, 0)) > 0)
        n += (size_t)k;
    close(fd);
    resp[n] = 0;
    if (strncmp(resp, "HTTP/1.", 7) || atol(resp + 9) != want)
        fail_msg("%s %s from 127.0.0.%d: %.300s (want %ld)", method, path, host, resp, want);
    assert_non_null(text = strstr(resp, "\r\n\r\n"));
    j = json_loads(text + 4, JSON_DECODE_ANY, NULL);
    if (!j)
        fail_msg("%s %s: not JSON: %.300s", method, path, text + 4);
    return j;
}

static void want_undo_from(int host, const char *says)
{
    json_t *j = call_from(host, "GET", "/undo_invoice", NULL, 200);

    if (!json_is_string(j) || strcmp(json_string_value(j), says))
        fail_msg("undo from 127.0.0.%d: %s, want \"%s\"", host, json_dumps(j, JSON_ENCODE_ANY),
                 says);
    json_decref(j);
}

/* Without keys each client address has its own history: a result from one
 * host is not undone by another, and another's empty history says so. */
static void test_undo_per_address(void **state)
{
    const char *body = "{\"data\": " ROWS ", \"columns\": \"\", \"manual\": \"Qty >= 2\"}";
    (void)state;

    json_decref(call_from(2, "POST", "/further_req", body, 200));
    json_decref(call_from(2, "POST", "/further_req", body, 200));
    want_undo_from(3, "Undo file does not exist.");
    json_decref(call_from(3, "POST", "/further_req", body, 200));
    want_undo_from(3, "no file to undo"); /* 3's only entry; 2's two are still there */
    json_t *j = call_from(2, "GET", "/undo_invoice", NULL, 200);
    assert_true(json_is_array(j));
    assert_int_equal(json_array_size(j), 2);
    json_decref(j);
    want_undo_from(2, "no file to undo");
    want_undo_from(2, "No actions to undo.");
    want_undo_from(3, "No actions to undo.");
}

/* The answer of method path with API key key (as X-API-Key), status want. */
static json_t *call_key(const struct tu_server *s, const char *key, const char *method,
                        const char *path, const char *body, long want)
{
    char url[512], hdr[128];
    const char *hdrs[] = {hdr, NULL};

    snprintf(url, sizeof url, "%s%s", s->base, path);
    snprintf(hdr, sizeof hdr, "X-API-Key: %s", key);
    return call_url(method, url, hdrs, body, want, NULL);
}

static void want_undo_key(const struct tu_server *s, const char *key, const char *says)
{
    json_t *j = call_key(s, key, "GET", "/undo_invoice", NULL, 200);

    if (!json_is_string(j) || strcmp(json_string_value(j), says))
        fail_msg("undo with key %s: %s, want \"%s\"", key, json_dumps(j, JSON_ENCODE_ANY), says);
    json_decref(j);
}

/* With keys the history is the key's: two keys on one address (this test's)
 * keep apart, and a key's results are undone by that key alone. */
static void test_undo_per_key(void **state)
{
    static const char *const env[] = {"KARAT_API_KEYS=k1-secret-0123456, k2-other-0123456", NULL};
    const char *body = "{\"data\": " ROWS ", \"columns\": \"\", \"manual\": \"Qty >= 2\"}";
    struct tu_server s;
    (void)state;

    assert_int_equal(tu_server_start_tmp(&s, env), 0);
    json_decref(call_key(&s, "k1-secret-0123456", "POST", "/further_req", body, 200));
    json_decref(call_key(&s, "k1-secret-0123456", "POST", "/further_req", body, 200));
    want_undo_key(&s, "k2-other-0123456", "Undo file does not exist.");
    json_t *j = call_key(&s, "k1-secret-0123456", "GET", "/undo_invoice", NULL, 200);
    assert_true(json_is_array(j));
    json_decref(j);
    want_undo_key(&s, "k1-secret-0123456", "no file to undo");
    want_undo_key(&s, "k2-other-0123456", "Undo file does not exist.");
    assert_int_equal(tu_server_finish(&s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed_bodies),
        cmocka_unit_test(test_refine_versions_undo),
        cmocka_unit_test(test_undo_per_address),
        cmocka_unit_test(test_undo_per_key),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
