/*
 * test_products.c - /products, /products/import, /products/sync,
 * /semantic_filter_jewelry/ and /collections on the real server (ctest
 * runs it on sqlite and, as api.test_products.pg, on PostgreSQL).
 *
 * Covers: create/read/replace/delete with bad inputs changing nothing;
 * imports in the original's JSON shape and CSV, a bad record refusing the
 * whole file; list filters and paging; the upstream products URL synced
 * with the filters as a form POST (a loopback fake; the SSRF guard still
 * refuses it on a server without KARAT_FETCH_ALLOW_PRIVATE); a captioned
 * photo becoming a product; collections: filters exact, extras once and
 * only if they exist, unknown style listing the valid names, bad inputs,
 * the stored collection and its CSV export; karat caption and karat
 * catalog with --data recording their photos as products.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_ai.h"
#include "testutil.h"

static struct tu_server srv, guarded;
static struct fake_ai *fake;

static int setup(void **state)
{
    static char purl[200];
    (void)state;
    fake = fake_ai_start();
    snprintf(purl, sizeof purl, "KARAT_PRODUCTS_URL=%s/api/get-all-products", fake_ai_base(fake));
    const char *const env[] = {"KARAT_ATTR_PROVIDER=",
                               "KARAT_COPY_PROVIDER=",
                               "KARAT_IMAGE_PROVIDER=",
                               "KARAT_FETCH_ALLOW_PRIVATE=true",
                               purl,
                               NULL};
    const char *const env_guard[] = {purl, NULL};
    unsetenv("GOOGLE_API_KEY");
    unsetenv("OPENAI_API_KEY");
    return tu_server_start_tmp(&srv, env) || tu_server_start_tmp(&guarded, env_guard) ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    int rc = tu_server_finish(&srv) | tu_server_finish(&guarded);
    fake_ai_stop(fake);
    return rc;
}

/* METHOD path with an optional JSON/text body; the parsed answer (NULL when
 * not JSON), *status set. */
static json_t *call(const char *method, const char *path, const char *ctype, const char *body,
                    long *status)
{
    char url[1024];
    struct tu_resp r;
    json_t *j;

    snprintf(url, sizeof url, "%s%s", srv.base, path);
    assert_int_equal(tu_request(method, url, ctype, body, body ? strlen(body) : 0, NULL, &r), 0);
    *status = r.status;
    j = json_loads(r.body ? r.body : "", 0, NULL);
    tu_resp_free(&r);
    return j;
}

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* st is read here, after call() set it (not as an argument beside the call). */
static void expect(json_t *j, const long *stp, long want, const char *code)
{
    long st = *stp;
    if (st != want) {
        char *t = j ? json_dumps(j, 0) : NULL;
        fprintf(stderr, "status %ld, wanted %ld: %s\n", st, want, t ? t : "(not JSON)");
        free(t);
    }
    assert_int_equal(st, want);
    if (code)
        assert_string_equal(str(j, "code"), code);
    json_decref(j);
}

static void test_crud_and_bad_inputs(void **state)
{
    long st;
    json_t *j;
    (void)state;

    j = call("PUT", "/products/p-1", "application/json",
             "{\"sku\":\"S1\",\"product_name\":\"Leaf studs\",\"color\":\"Gold\","
             "\"category\":\"Earrings\",\"price\":\"450\",\"attributes\":\"{\\\"stone\\\":"
             "\\\"emerald\\\"}\",\"created_at\":\"2025-05-01\",\"photo_ids\":[3]}",
             &st);
    assert_int_equal(st, 200);
    assert_string_equal(str(j, "id"), "p-1");
    assert_string_equal(str(j, "name"), "Leaf studs");
    assert_string_equal(str(j, "colour"), "Gold");
    assert_true(json_number_value(json_object_get(j, "price")) == 450);
    assert_string_equal(str(json_object_get(j, "attributes"), "stone"), "emerald");
    assert_string_equal(str(j, "created_at"), "2025-05-01T00:00:00Z");
    json_decref(j);
    /* bad inputs: 400 and nothing changed */
    expect(call("PUT", "/products/p-1", "application/json", "{\"id\":\"other\"}", &st), &st, 400,
           "bad_product");
    expect(call("PUT", "/products/p-1", "application/json", "{\"price\":[1]}", &st), &st, 400,
           "bad_product");
    expect(call("PUT", "/products/p-1", "application/json", "{\"price\":-3}", &st), &st, 400,
           "bad_product");
    expect(call("PUT", "/products/p-1", "application/json", "{\"created_at\":\"2025-02-30\"}", &st),
           &st, 400, "bad_product");
    expect(call("PUT", "/products/p-1", "application/json", "{\"photo_ids\":[\"x\"]}", &st), &st,
           400, "bad_product");
    expect(call("PUT", "/products/p-1", "application/json", "{not json", &st), &st, 400, NULL);
    j = call("GET", "/products/p-1", NULL, NULL, &st);
    assert_int_equal(st, 200);
    assert_string_equal(str(j, "name"), "Leaf studs");
    json_decref(j);
    /* delete, then absent */
    expect(call("DELETE", "/products/p-1", NULL, NULL, &st), &st, 200, NULL);
    expect(call("GET", "/products/p-1", NULL, NULL, &st), &st, 404, "product_not_found");
    expect(call("DELETE", "/products/p-1", NULL, NULL, &st), &st, 404, "product_not_found");
}

static const char catalog_json[] =
    "{\"data\":["
    "{\"id\":1,\"product_name\":\"Floral gold jhumka\",\"description\":\"temple work\","
    "\"attributes\":{\"stone\":\"ruby\"},\"color\":\"gold\",\"category\":\"earrings\","
    "\"price\":900,\"created_at\":\"2025-01-10\"},"
    "{\"id\":2,\"product_name\":\"Silver minimal hoop\",\"description\":\"plain\","
    "\"attributes\":{},\"color\":\"silver\",\"category\":\"earrings\",\"price\":300,"
    "\"created_at\":\"2025-02-10\"},"
    "{\"id\":3,\"product_name\":\"Gold leaf necklace\",\"description\":\"botanical leaves\","
    "\"attributes\":{\"stone\":\"emerald\"},\"color\":\"Gold\",\"category\":\"necklace\","
    "\"price\":2500,\"created_at\":\"2025-03-10\"},"
    "{\"id\":4,\"product_name\":\"Gold star studs\",\"description\":\"celestial stars\","
    "\"attributes\":{\"stone\":\"zircon\"},\"color\":\"gold\",\"category\":\"earrings\","
    "\"price\":150,\"created_at\":\"2025-04-10\"},"
    "{\"id\":5,\"product_name\":\"Gold pearl drops\",\"description\":\"soft pearls\","
    "\"attributes\":{\"stone\":\"pearl\"},\"color\":\"gold\",\"category\":\"earrings\","
    "\"price\":5000,\"created_at\":\"2026-01-10\"}]}";

static int ids_in(json_t *list, const char *key, const char *want)
{
    json_t *v;
    size_t i;
    char got[256] = "";
    json_array_foreach(list, i, v)
    {
        const char *id = key ? str(v, key) : json_string_value(v);
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? "," : "", id);
    }
    if (strcmp(got, want))
        fprintf(stderr, "ids %s, wanted %s\n", got, want);
    return strcmp(got, want) == 0;
}

static void test_import_and_list(void **state)
{
    long st;
    json_t *j;
    (void)state;

    j = call("POST", "/products/import", "application/json", catalog_json, &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "imported")), 5);
    json_decref(j);
    j = call("GET", "/products?category=EARRINGS&color=gold&start_price=100&end_price=1000", NULL,
             NULL, &st);
    assert_int_equal(st, 200);
    assert_true(ids_in(json_object_get(j, "products"), "id", "4,1"));
    json_decref(j);
    j = call("GET", "/products?from=2025-02-10&to=2025-04-10&q=gold", NULL, NULL, &st);
    assert_true(ids_in(json_object_get(j, "products"), "id", "4,3") ||
                ids_in(json_object_get(j, "products"), "id", "3,4")); /* by relevance */
    json_decref(j);
    j = call("GET", "/products?category=earrings&limit=2&offset=1", NULL, NULL, &st);
    assert_true(ids_in(json_object_get(j, "products"), "id", "4,2"));
    assert_int_equal(json_integer_value(json_object_get(j, "next_offset")), 3);
    json_decref(j);
    expect(call("GET", "/products?min_price=abc", NULL, NULL, &st), &st, 400, "bad_argument");
    expect(call("GET", "/products?from=2025-13-01", NULL, NULL, &st), &st, 400, "bad_argument");
    expect(call("GET", "/products?limit=0", NULL, NULL, &st), &st, 400, NULL);
    expect(call("GET", "/products?q=%2B%2B", NULL, NULL, &st), &st, 400, "bad_argument");
    /* a CSV with one bad record: refused whole, nothing stored */
    expect(call("POST", "/products/import", "text/csv", "id,name,price\nc1,Ring,10\nc2,Band,ten\n",
                &st),
           &st, 400, "bad_import");
    expect(call("GET", "/products/c1", NULL, NULL, &st), &st, 404, "product_not_found");
    j = call("POST", "/products/import", "text/csv",
             "id,name,price,color,category\r\nc1,\"Ring, \"\"big\"\"\",10,red,rings\r\n", &st);
    assert_int_equal(st, 200);
    json_decref(j);
    j = call("GET", "/products/c1", NULL, NULL, &st);
    assert_string_equal(str(j, "name"), "Ring, \"big\"");
    json_decref(j);
    expect(call("POST", "/products/import", "application/json", "{\"data\":7}", &st), &st, 400,
           "bad_import");
    expect(call("POST", "/products/import", "text/csv", "id,name\n\"c9,Ring\n", &st), &st, 400,
           "bad_import"); /* a quote never closed */
    expect(call("POST", "/products/import", "text/csv", "id,name\n,no id\n", &st), &st, 400,
           "bad_import");
    expect(call("GET", "/products/c9", NULL, NULL, &st), &st, 404, "product_not_found");
}

static void test_sync_upstream(void **state)
{
    long st;
    json_t *j;
    char url[300];
    struct tu_resp r;
    (void)state;

    fake_ai_push(fake, 200,
                 "{\"data\":[{\"id\":\"u1\",\"product_name\":\"Upstream ring\","
                 "\"description\":\"d\",\"attributes\":\"gold band\",\"color\":\"gold\","
                 "\"category\":\"rings\",\"price\":\"1200\"}]}");
    size_t before = fake_ai_count(fake);
    j = call("POST", "/products/sync?category=rings&start_date=2025-01-01", NULL, NULL, &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "imported")), 1);
    json_decref(j);
    const struct fake_request *fr = fake_ai_request(fake, before);
    assert_non_null(fr);
    assert_string_equal(fr->method, "POST");
    assert_non_null(strstr(fr->url, "/api/get-all-products"));
    assert_non_null(memmem(fr->body, fr->body_len, "category=rings", 14));
    assert_non_null(memmem(fr->body, fr->body_len, "start_date=2025-01-01", 21));
    j = call("GET", "/products/u1", NULL, NULL, &st);
    assert_string_equal(str(json_object_get(j, "attributes"), "text"), "gold band");
    json_decref(j);
    /* the SSRF guard stays on: loopback refused without KARAT_FETCH_ALLOW_PRIVATE */
    snprintf(url, sizeof url, "%s/products/sync", guarded.base);
    assert_int_equal(tu_post(url, NULL, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "url_refused"));
    tu_resp_free(&r);
}

static void test_caption_makes_a_product(void **state)
{
    struct tu_img_opts o = {.width = 900, .height = 900, .seed = 41};
    size_t n;
    unsigned char *img = tu_make_image(&o, &n);
    char url[300];
    struct tu_resp r;
    long st;
    (void)state;

    snprintf(url, sizeof url, "%s/generate_caption", srv.base);
    struct tu_part parts[] = {{"file", "studs.jpg", "image/jpeg", img, n},
                              {"type", NULL, NULL, "earrings", 0}};
    assert_int_equal(tu_post_multipart(url, parts, 2, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    tu_resp_free(&r);
    free(img);
    json_t *j = call("GET", "/products?category=earrings&limit=200", NULL, NULL, &st), *p;
    size_t i;
    int found = 0;
    json_array_foreach(json_object_get(j, "products"), i, p)
    {
        if (!strncmp(str(p, "id"), "img-", 4) && json_array_size(json_object_get(p, "photo_ids")))
            found++;
    }
    assert_int_equal(found, 1);
    json_decref(j);
}

/* A stored photo listed by a catalog job becomes the SKU's product, with
 * the listing and the photo. */
static void test_catalog_job_makes_a_product(void **state)
{
    struct tu_img_opts o = {.width = 800, .height = 800, .seed = 77};
    size_t n;
    unsigned char *img = tu_make_image(&o, &n);
    char url[300], body[1500];
    struct tu_resp r;
    long st;
    json_t *j;
    (void)state;

    snprintf(url, sizeof url, "%s/upload-and-index", srv.base);
    struct tu_part part = {"file", "up.jpg", "image/jpeg", img, n};
    assert_int_equal(tu_post_multipart(url, &part, 1, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    j = json_loads(r.body, 0, NULL);
    tu_resp_free(&r);
    free(img);
    snprintf(body, sizeof body,
             "{\"image_urls\":\"%s\",\"type\":\"earrings\",\"marketplace\":\"flipkart\","
             "\"skuids\":\"CAT-1\"}",
             str(j, "s3_url"));
    json_decref(j);
    j = call("POST", "/catalog-ai", "application/json", body, &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "rows")), 1);
    json_decref(j);
    j = call("GET", "/products/CAT-1", NULL, NULL, &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_array_size(json_object_get(j, "photo_ids")), 1);
    json_t *l = json_array_get(json_object_get(j, "listings"), 0);
    assert_string_equal(str(l, "marketplace"), "flipkart");
    assert_string_equal(str(l, "sku"), "CAT-1");
    assert_string_equal(str(j, "category"), "earrings");
    json_decref(j);
}

static json_t *collect(const char *needs, long *st)
{
    char body[2048];
    snprintf(body, sizeof body, "{\"user_needs\":%s}", needs);
    return call("POST", "/semantic_filter_jewelry/", "application/json", body, st);
}

static void test_collections(void **state)
{
    long st;
    json_t *j, *c;
    char path[200];
    (void)state;

    j = call("POST", "/products/import", "application/json", catalog_json, &st);
    json_decref(j);
    j = collect("{\"collection_size\":5,\"color\":\"gold\",\"category\":\"earrings\","
                "\"category_description\":[\"Celestial\",\"Floral\"],\"target_audience\":"
                "\"college women\",\"manual_prompt\":\"festive\",\"start_price\":100,"
                "\"end_price\":1000,\"start_date\":\"2025-01-01\",\"end_date\":\"2025-12-31\","
                "\"extra_jwellery\":[\"4\",\"3\",\"3\",\"nope\"]}",
                &st);
    assert_int_equal(st, 200);
    /* filters exact: 1 and 4 only (5 is too dear, 2 silver, 3 a necklace);
     * extras: 4 is chosen already, 3 once, "nope" does not exist */
    json_t *ids = json_object_get(j, "top_jewelry_ids");
    assert_int_equal(json_array_size(ids), 3);
    assert_string_equal(json_string_value(json_array_get(ids, 2)), "3");
    assert_non_null(strstr(str(j, "collection_title"), "Celestial"));
    assert_true(strlen(str(j, "collection_description")) > 20);
    snprintf(path, sizeof path, "/collections/%s", str(j, "collection_id"));
    c = call("GET", path, NULL, NULL, &st);
    assert_int_equal(st, 200);
    assert_true(json_equal(json_object_get(c, "top_jewelry_ids"), ids));
    json_decref(c);
    strcat(path, "/csv");
    char url[400];
    struct tu_resp r;
    snprintf(url, sizeof url, "%s%s", srv.base, path);
    assert_int_equal(tu_get(url, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.ctype, "text/csv"));
    assert_non_null(strstr(r.body, "position,id,name,colour,category,price,image_urls"));
    assert_non_null(strstr(r.body, "Gold leaf necklace"));
    tu_resp_free(&r);
    json_decref(j);

    /* the style names a picker offers: the same 59, each with its text,
     * and not taken for a collection id */
    j = call("GET", "/collections/styles", NULL, NULL, &st);
    assert_int_equal(st, 200);
    json_t *styles = json_object_get(j, "styles");
    assert_int_equal(json_array_size(styles), 59);
    assert_true(strlen(str(json_array_get(styles, 0), "name")) > 0);
    assert_true(strlen(str(json_array_get(styles, 0), "description")) > 10);
    json_decref(j);

    /* an unknown style: 400 listing the 59 valid names */
    j = collect("{\"collection_size\":3,\"category_description\":[\"Floral\",\"Shiny\"]}", &st);
    assert_int_equal(st, 400);
    assert_string_equal(str(j, "code"), "unknown_style");
    assert_int_equal(json_array_size(json_object_get(j, "valid_styles")), 59);
    json_decref(j);
    const char *bad[] = {
        "{\"collection_size\":0}",
        "{\"collection_size\":\"5\"}",
        "{\"collection_size\":101}",
        "{\"collection_size\":3,\"start_price\":500,\"end_price\":100}",
        "{\"collection_size\":3,\"start_date\":\"2025-13-01\"}",
        "{\"collection_size\":3,\"start_date\":\"2025-06-01\",\"end_date\":\"2025-01-01\"}",
        "{\"collection_size\":3,\"extra_jwellery\":\"4\"}",
        "{\"collection_size\":3,\"color\":7}",
        "{\"collection_size\":3,\"category_description\":[7]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        j = collect(bad[i], &st);
        if (st != 400)
            fprintf(stderr, "%s -> %ld\n", bad[i], st);
        expect(j, &st, 400, NULL);
    }
    expect(call("POST", "/semantic_filter_jewelry/", "application/json", "[1]", &st), &st, 400,
           NULL);
    expect(collect("{\"collection_size\":3,\"category\":\"anklets\"}", &st), &st, 404,
           "product_not_found");
    expect(call("GET", "/collections/col-1-none", NULL, NULL, &st), &st, 404,
           "collection_not_found");
}

/* karat products import FILE and list, on the server's own store (no
 * repository lock: it runs beside karat serve). */
static void test_cli(void **state)
{
    char path[700], *out = NULL;
    const char *bin = getenv("KARAT_BIN");
    const char *env[] = {srv.pg_env[0] ? "KARAT_STORE=postgres" : NULL, srv.pg_env, NULL};
    const char *const *e = srv.pg_env[0] ? env : NULL;
    (void)state;

    snprintf(path, sizeof path, "%s/cli-products.csv", srv.data_dir);
    const char *csv = "id,product_name,color,category,price\ncli-1,Cli ring,gold,rings,77\n";
    tu_write_file(path, csv, strlen(csv));
    const char *imp[] = {bin, "products", "import", path, "--data", srv.data_dir, NULL};
    assert_int_equal(tu_run(imp, e, &out), 0);
    assert_non_null(strstr(out, "\"imported\": 1"));
    free(out);
    const char *list[] = {bin, "products", "list", "--q", "cli ring", "--data", srv.data_dir, NULL};
    assert_int_equal(tu_run(list, e, &out), 0);
    assert_non_null(strstr(out, "\"cli-1\""));
    free(out);
    out = NULL;
    const char *bad[] = {bin, "products", "list", "--min-price", "x", "--data", srv.data_dir, NULL};
    assert_int_equal(tu_run(bad, e, &out), 1);
    free(out);
    const char *usage[] = {bin, "products", "frobnicate", NULL};
    assert_int_equal(tu_run(usage, NULL, NULL), 2);
}

/* karat caption and karat catalog with --data record their photos as
 * products in that store, as the server's caption and catalog jobs do. */
static void test_cli_caption_and_catalog_record_products(void **state)
{
    struct tu_img_opts o = {.width = 800, .height = 800, .seed = 91};
    size_t n;
    unsigned char *img = tu_make_image(&o, &n);
    char photo[700], xlsx[700], *out = NULL;
    const char *bin = getenv("KARAT_BIN");
    const char *env[] = {srv.pg_env[0] ? "KARAT_STORE=postgres" : NULL, srv.pg_env, NULL};
    const char *const *e = srv.pg_env[0] ? env : NULL;
    long st;
    json_t *j;
    (void)state;

    snprintf(photo, sizeof photo, "%s/cli-hoops.jpg", srv.data_dir);
    snprintf(xlsx, sizeof xlsx, "%s/cli-out.xlsx", srv.data_dir);
    tu_write_file(photo, img, n);
    free(img);
    const char *cap[] = {bin, "caption", photo, "--type", "earrings", "--data", srv.data_dir, NULL};
    assert_int_equal(tu_run(cap, e, &out), 0);
    free(out);
    out = NULL;
    j = call("GET", "/products/cli-hoops", NULL, NULL, &st); /* named by the file */
    assert_int_equal(st, 200);
    assert_string_equal(str(j, "category"), "earrings");
    assert_true(strlen(str(j, "description")) > 0);
    json_decref(j);
    const char *cat[] = {bin,        "catalog", "--marketplace", "flipkart", "--type",
                         "earrings", "--sku",   "CLI-CAT-1",     "--data",   srv.data_dir,
                         "-o",       xlsx,      photo,           NULL};
    assert_int_equal(tu_run(cat, e, &out), 0);
    free(out);
    j = call("GET", "/products/CLI-CAT-1", NULL, NULL, &st);
    assert_int_equal(st, 200);
    assert_string_equal(str(json_array_get(json_object_get(j, "listings"), 0), "marketplace"),
                        "flipkart");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crud_and_bad_inputs),
        cmocka_unit_test(test_import_and_list),
        cmocka_unit_test(test_sync_upstream),
        cmocka_unit_test(test_caption_makes_a_product),
        cmocka_unit_test(test_catalog_job_makes_a_product),
        cmocka_unit_test(test_collections),
        cmocka_unit_test(test_cli),
        cmocka_unit_test(test_cli_caption_and_catalog_record_products),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
