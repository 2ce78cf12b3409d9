/*
 * test_internals.c - the http module's pure parts without a server: route
 * compile and match (specificity, HEAD, Allow, prefix, trailing slash),
 * percent-decoding, query parsing, the JSON depth scan, the arena, the
 * response helpers' JSON shape, and addresses / trusted-proxy CIDRs.
 */
#include "fixture.h"
#include "http/http_int.h"

#define noop h_nothing

static const struct http_route table[] = {
    {"GET", "/", noop, 0, NULL},
    {"GET", "/a/{x}", noop, 0, NULL},
    {"GET", "/a/b", noop, 0, NULL},
    {"POST", "/a/{x}", noop, 0, NULL},
    {"HEAD", "/h", noop, 0, NULL},
    {"GET", "/h", noop, 0, NULL},
    {"GET", "/f/{rest}", noop, HTTP_PREFIX, NULL},
    {"GET", "/f/{x}/meta", noop, 0, NULL},
    {"PUT", "/p/{a}/{b}/", noop, 0, NULL},
};
#define NT (sizeof table / sizeof table[0])

struct want {
    const char *method, *path;
    enum http_match_result res;
    int route;           /* index into table, -1 if none */
    const char *p1, *p2; /* first two param values */
    const char *allow;
};

static void test_match(void **state)
{
    static const struct want cases[] = {
        {"GET", "/", HTTP_MATCH_OK, 0, NULL, NULL, "GET, HEAD, OPTIONS"},
        {"GET", "/a/b", HTTP_MATCH_OK, 2, NULL, NULL, NULL},
        {"POST", "/a/b", HTTP_MATCH_OK, 3, "b", NULL, "GET, POST, HEAD, OPTIONS"},
        {"GET", "/a/c%2Fd", HTTP_MATCH_OK, 1, "c/d", NULL, NULL},
        {"GET", "/a/c/", HTTP_MATCH_OK, 1, "c", NULL, NULL},
        {"GET", "/a/c/d", HTTP_MATCH_NONE, -1, NULL, NULL, ""},
        {"DELETE", "/a/c", HTTP_MATCH_METHOD, -1, NULL, NULL, "GET, POST, HEAD, OPTIONS"},
        {"HEAD", "/a/c", HTTP_MATCH_OK, 1, "c", NULL, NULL},
        {"HEAD", "/h", HTTP_MATCH_OK, 4, NULL, NULL, "HEAD, GET, OPTIONS"},
        {"GET", "/f/x/meta", HTTP_MATCH_OK, 7, "x", NULL, NULL},
        {"GET", "/f/x/y/z/", HTTP_MATCH_OK, 6, "x/y/z/", NULL, NULL},
        {"GET", "/f/%2e%2e/a", HTTP_MATCH_OK, 6, "../a", NULL, NULL},
        {"GET", "/f", HTTP_MATCH_NONE, -1, NULL, NULL, NULL},
        {"PUT", "/p/1/2", HTTP_MATCH_OK, 8, "1", "2", NULL},
        {"PUT", "/p/1%002", HTTP_MATCH_NONE, -1, NULL, NULL, NULL},
        {"PUT", "/p/1%00/2", HTTP_MATCH_BAD, -1, NULL, NULL, NULL},
        {"GET", "//", HTTP_MATCH_NONE, -1, NULL, NULL, NULL},
        {"GET", "/a//", HTTP_MATCH_NONE, -1, NULL, NULL, NULL},
    };
    struct http_croute *cr = NULL;
    struct kr_err err = {0};
    (void)state;
    assert_int_equal(http__routes_compile(table, NT, &cr, &err), KR_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct want *w = &cases[i];
        struct http_arena a = {0};
        struct http_match m;
        enum http_match_result res = http__route_match(cr, NT, w->method, w->path, &a, &m);
        if (res != w->res)
            fail_msg("%s %s: got %d want %d", w->method, w->path, res, w->res);
        if (w->route >= 0)
            assert_ptr_equal(m.route, &cr[w->route]);
        if (w->p1)
            assert_string_equal(m.params[0].value, w->p1);
        if (w->p2)
            assert_string_equal(m.params[1].value, w->p2);
        if (w->allow)
            assert_string_equal(m.allow, w->allow);
        http__arena_free(&a);
    }
    free(cr);
}

static void test_decode(void **state)
{
    static const struct {
        const char *in;
        int plus;
        const char *out;
    } cases[] = {
        {"%41%4a%4A", 0, "AJJ"},
        {"%", 0, "%"},
        {"%4", 0, "%4"},
        {"a%2", 0, "a%2"},
        {"a+b", 1, "a b"},
        {"a+b", 0, "a+b"},
        {"%zz", 0, "%zz"},
        {"%e2%82%b9", 0, "\xe2\x82\xb9"},
        {"", 0, ""},
        {"%%41", 0, "%A"},
        {"100%", 1, "100%"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[64];
        size_t n;
        snprintf(buf, sizeof buf, "%s", cases[i].in);
        n = http__pct_decode(buf, strlen(buf), cases[i].plus);
        assert_int_equal(n, strlen(cases[i].out));
        assert_string_equal(buf, cases[i].out);
    }
}

static void test_query(void **state)
{
    struct http_arena a = {0};
    struct http_kv kv[4];
    int n;
    (void)state;
    n = http__query_parse(&a, "a=1&&b=&=x&c&d=%41+&e=5&f=6", kv, 4);
    assert_int_equal(n, 4);
    assert_string_equal(kv[0].name, "a");
    assert_string_equal(kv[0].value, "1");
    assert_string_equal(kv[1].name, "b");
    assert_string_equal(kv[1].value, "");
    assert_string_equal(kv[2].name, "c");
    assert_string_equal(kv[3].name, "d");
    assert_string_equal(kv[3].value, "A ");
    assert_int_equal(http__query_parse(&a, "a=%00", kv, 4), -1);
    assert_int_equal(http__query_parse(&a, "%00=1", kv, 4), -1);
    assert_int_equal(http__query_parse(&a, "", kv, 4), 0);
    assert_int_equal(http__query_parse(&a, NULL, kv, 4), 0);
    http__arena_free(&a);
}

static void test_json_depth(void **state)
{
    static const struct {
        const char *s;
        int depth;
    } cases[] = {
        {"1", 0},
        {"[]", 1},
        {"[[],[[]]]", 3},
        {"{\"a\":[{\"b\":1}]}", 3},
        {"[\"[[[[\"]", 1},
        {"[\"\\\"[[[\"]", 1},
        {"[\"\\\\\",[[1]]]", 3},
        {"]]]][", 1},
        {"[[[[[[[[[[", 10},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(
            http__json_depth((const unsigned char *)cases[i].s, strlen(cases[i].s), 100),
            cases[i].depth);
    /* the scan stops once past the limit */
    assert_int_equal(http__json_depth((const unsigned char *)"[[[[[[[[[[", 10, 3), 4);
}

static void test_arena(void **state)
{
    struct http_arena a = {0};
    char *big;
    (void)state;
    for (int i = 0; i < 1000; i++) {
        char *s = http__arena_strndup(&a, "hello world", 5);
        assert_string_equal(s, "hello");
        assert_int_equal(((uintptr_t)http__arena_alloc(&a, 3)) % _Alignof(max_align_t), 0);
    }
    big = http__arena_alloc(&a, 100000);
    memset(big, 1, 100000);
    assert_null(http__arena_alloc(&a, SIZE_MAX - 4));
    http__arena_free(&a);
    http__arena_free(&a);
}

static json_t *body_json(const struct http_response *res)
{
    json_error_t je;
    json_t *j = json_loadb((const char *)res->body.data, res->body.len, 0, &je);
    if (!j)
        fail_msg("not JSON: %s", je.text);
    return j;
}

static void test_response_helpers(void **state)
{
    struct http_response res;
    struct kr_err e = {0};
    json_t *j;
    (void)state;
    http__res_init(&res);
    http_res_bytes(&res, 200, "text/plain", "abc", 3);
    http_res_error(&res, KRS_BAD_NAME, "bad name: %s", "x\xc3(y\x01");
    assert_int_equal(res.status, 400);
    j = body_json(&res);
    assert_string_equal(json_string_value(json_object_get(j, "error")), "bad name: x?(y?");
    assert_string_equal(json_string_value(json_object_get(j, "code")), "bad_name");
    assert_string_equal(res.content_type, "application/json");
    json_decref(j);

    http_res_json(&res, 201, NULL);
    assert_int_equal(res.status, 500);
    http_res_json(&res, 201, json_pack("{s:i}", "a", 1));
    assert_int_equal(res.status, 201);
    assert_string_equal((char *)res.body.data, "{\"a\":1}");

    http_res_from_err(&res, NULL);
    assert_int_equal(res.status, 500);
    kr_fail(&e, KRS_IMAGE_NOT_FOUND, "no item %d", 7);
    http_res_from_err(&res, &e);
    assert_int_equal(res.status, 404);
    j = body_json(&res);
    assert_string_equal(json_string_value(json_object_get(j, "code")), "image_not_found");
    assert_string_equal(json_string_value(json_object_get(j, "error")), "no item 7");
    assert_string_equal(json_string_value(json_object_get(j, "detail")), "no item 7");
    json_decref(j);
    e.code = KR_OK;
    http_res_from_err(&res, &e);
    assert_int_equal(res.status, 500);
    /* a slug out of range reads as internal */
    http_res_error(&res, (enum kr_slug)KRS_COUNT, "x");
    assert_int_equal(res.status, 500);
    http__res_release(&res);
}

static int in_list(const char *list, const char *addr)
{
    struct http_cidr c[HTTP_MAX_LIST];
    struct http_addr a;
    struct kr_err err = {0};
    int n, hit = 0;
    assert_int_equal(http__cidr_list(list, c, &n, &err), KR_OK);
    assert_int_equal(http__addr_parse(addr, &a), 0);
    for (int i = 0; i < n; i++)
        hit |= http__cidr_match(&c[i], &a);
    return hit;
}

static void test_addresses(void **state)
{
    struct http_addr a;
    char s[HTTP_ADDR_STR];
    (void)state;
    assert_true(in_list("10.0.0.0/8", "10.200.3.4"));
    assert_false(in_list("10.0.0.0/8", "11.0.0.1"));
    assert_true(in_list("192.0.2.7", "192.0.2.7"));
    assert_false(in_list("192.0.2.7", "192.0.2.8"));
    assert_true(in_list("10.1.2.3/12", "10.15.255.255")); /* host bits in the entry are dropped */
    assert_false(in_list("10.1.2.3/12", "10.16.0.0"));
    assert_true(in_list("10.0.0.0/8", "::ffff:10.9.8.7")); /* IPv4-mapped peers match IPv4 */
    assert_true(in_list("fd00::/8", "fd12::1"));
    assert_false(in_list("fd00::/8", "fe80::1"));
    assert_true(in_list("2001:db8::/33", "2001:db8:7fff::1"));
    assert_false(in_list("2001:db8::/33", "2001:db8:8000::1"));
    assert_true(in_list("0.0.0.0/0", "203.0.113.9"));
    assert_false(in_list("0.0.0.0/0", "2001:db8::1")); /* an IPv4 block holds no IPv6 */
    assert_int_equal(http__addr_parse("::ffff:127.0.0.1", &a), 0);
    assert_true(http__addr_loopback(&a));
    http__addr_str(&a, s, sizeof s);
    assert_string_equal(s, "127.0.0.1");
    assert_int_equal(http__addr_parse("::1", &a), 0);
    assert_true(http__addr_loopback(&a));
    assert_int_equal(http__addr_parse("128.0.0.1", &a), 0);
    assert_false(http__addr_loopback(&a));
    assert_int_equal(http__addr_parse("1.2.3.4:80", &a), -1);
    assert_int_equal(http__addr_parse("", &a), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match), cmocka_unit_test(test_decode),
        cmocka_unit_test(test_query), cmocka_unit_test(test_json_depth),
        cmocka_unit_test(test_arena), cmocka_unit_test(test_response_helpers),
        cmocka_unit_test(test_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
