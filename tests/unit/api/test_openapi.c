/*
 * test_openapi.c - the embedded API description against the route table:
 * every route (method + pattern) is documented in /openapi.json, nothing is
 * documented that is not served, operations that need no key are exactly
 * the HTTP_PUBLIC routes, every error answer uses the one error schema; and
 * the embedded asset table holds the app's entry points.
 */
#include <ctype.h>
#include <jansson.h>
#include <string.h>

#include "api/api.h"
#include "testutil.h"
#include "web/web.h"

static json_t *load_spec(void)
{
    const struct web_asset *a = web_asset_find("openapi.json");
    json_error_t e;
    json_t *doc;
    assert_non_null(a);
    doc = json_loadb((const char *)a->data, a->len, 0, &e);
    if (!doc)
        fail_msg("openapi.json: %s (line %d)", e.text, e.line);
    return doc;
}

static void lower(const char *in, char *out, size_t n)
{
    size_t i = 0;
    for (; in[i] && i + 1 < n; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    out[i] = 0;
}

static void test_every_route_documented(void **state)
{
    size_t n;
    const struct http_route *routes = api_routes(&n);
    json_t *doc = load_spec(), *paths = json_object_get(doc, "paths");
    (void)state;
    assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
    for (size_t i = 0; i < n; i++) {
        char m[16];
        json_t *op;
        lower(routes[i].method, m, sizeof m);
        op = json_object_get(json_object_get(paths, routes[i].pattern), m);
        if (!op)
            fail_msg("route %s %s is not in openapi.json", routes[i].method, routes[i].pattern);
        /* public routes say so (security: []), the others inherit the keys */
        json_t *sec = json_object_get(op, "security");
        if ((routes[i].flags & HTTP_PUBLIC) != (sec && json_array_size(sec) == 0))
            fail_msg("route %s %s: public flag and openapi security disagree", routes[i].method,
                     routes[i].pattern);
        assert_non_null(json_object_get(op, "summary"));
        assert_true(json_object_size(json_object_get(op, "responses")) > 0);
    }
    json_decref(doc);
}

static void test_nothing_undocumented_extra(void **state)
{
    size_t n;
    const struct http_route *routes = api_routes(&n);
    json_t *doc = load_spec(), *item;
    const char *path;
    (void)state;
    json_object_foreach(json_object_get(doc, "paths"), path, item) {
        const char *m;
        json_t *op;
        json_object_foreach(item, m, op) {
            int found = 0;
            for (size_t i = 0; i < n && !found; i++) {
                char lm[16];
                lower(routes[i].method, lm, sizeof lm);
                found = strcmp(routes[i].pattern, path) == 0 && strcmp(lm, m) == 0;
            }
            if (!found)
                fail_msg("openapi.json documents %s %s, which is not served", m, path);
            /* every 4xx/5xx answer is the shared error body */
            const char *code;
            json_t *r;
            json_object_foreach(json_object_get(op, "responses"), code, r) {
                if (code[0] >= '4')
                    assert_string_equal(json_string_value(json_object_get(r, "$ref")),
                                        "#/components/responses/Error");
            }
        }
    }
    json_decref(doc);
}

static void test_assets(void **state)
{
    static const char *const want[] = {"index.html", "app.js", "lib.js", "style.css", "docs.html",
                                       "docs.js", "pages/photos.js", "pages/status.js"};
    size_t n;
    (void)state;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_non_null(web_asset_find(want[i]));
    assert_null(web_asset_find("../web/app.js"));
    assert_null(web_asset_find("pages"));
    assert_null(web_asset_find(NULL));
    assert_true(web_assets(&n) != NULL && n >= sizeof want / sizeof want[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_route_documented),
        cmocka_unit_test(test_nothing_undocumented_extra),
        cmocka_unit_test(test_assets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
