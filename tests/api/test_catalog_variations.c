/*
 * test_catalog_variations.c - POST /catalog_ai_variations on the real server
 * (offline provider, a seller profile with a selling price), the workbooks
 * downloaded and read cell by cell by header name:
 *   Amazon: a parent row per family (item_sku = family code, parent_child,
 *     variation_theme, brand and title; no price, quantity or part number),
 *     children with parent_child=child, relationship_type=variation,
 *     parent_sku, the theme, size_name per size and the price; each SKU on
 *     the photo it was given with;
 *   Flipkart: no parent row, children share the family code in Group ID;
 *     size families are refused (no size column);
 *   requests one after another share nothing: a colour family after size
 *     families gets ColorName and size_name Free, a plain /catalog-ai row no
 *     variation values at all.
 */
#include "catalog_api.h"
#include "variation_want.h"

static struct tu_server srv;
static char dir[256];

static int setup(void **state)
{
    static char profile[600];
    char path[400];
    const char *const env[] = {"KARAT_ATTR_PROVIDER=offline", "KARAT_COPY_PROVIDER=offline",
                               "KARAT_IMAGE_PROVIDER=offline", profile, NULL};
    const char *doc = "{\"brand\": \"Alya Jewels\", \"selling_price\": \"499\"}";
    (void)state;
    tu_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/profile.json", dir);
    tu_write_file(path, doc, strlen(doc));
    snprintf(profile, sizeof profile, "KARAT_SELLER_PROFILE=%s", path);
    return tu_server_start(&srv, dir, env) ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    return tu_server_finish(&srv);
}

/* A downloaded workbook's data sheet, parsed once, and where its header row is. */
struct book {
    json_t *rows;
    const char *sheet;
    int header_row;
};

static struct book fetch(json_t *resp, const char *sheet, int header_row)
{
    struct book b = {NULL, sheet, header_row};
    size_t n;
    unsigned char *x = ca_download(&srv, ca_str(resp, "excel_file"), &n);
    b.rows = tu_xlsx_rows_mem(x, n, sheet);
    free(x);
    return b;
}

/* Text of the cell in the column headed `name` (borrowed; NULL when absent). */
static const char *cell_text(const struct book *b, int row, const char *name)
{
    for (int col = 0; col < 400; col++) {
        const char *h = tu_xlsx_at(b->rows, col, b->header_row);
        if (h && strcmp(h, name) == 0)
            return tu_xlsx_at(b->rows, col, row);
    }
    fail_msg("no column %s in %s", name, b->sheet);
    return NULL;
}

static void cell_is(const struct book *b, int row, const char *name, const char *want)
{
    const char *got = cell_text(b, row, name);
    if (strcmp(got ? got : "", want) != 0)
        fail_msg("%s row %d: got '%s', want '%s'", name, row, got ? got : "(absent)", want);
}

static json_t *post_variations(const char *mp, const char *groups, const char *cats,
                               const char *urls, const char *skus, long *status)
{
    json_t *b =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "number_of_grps", "x", "group_sizes",
                  groups, "image_urls", urls, "variations_category", cats, "size_available",
                  "S,M,L", "type", "earrings", "marketplace", mp, "skuids", skus);
    json_t *j = ca_post_json(&srv, "/catalog_ai_variations", b, status);
    json_decref(b);
    return j;
}

static void amazon_parent(const struct book *b, int row, const struct want *w)
{
    static const char *blank[] = {
        "part_number", "standard_price",      "quantity",      "parent_sku", "relationship_type",
        "size_name",   "product_description", "bullet_point1", "color_map",  "country_of_origin"};
    const char *next_title;
    cell_is(b, row, "item_sku", w->sku);
    cell_is(b, row, "parent_child", "parent");
    cell_is(b, row, "variation_theme", w->theme);
    cell_is(b, row, "feed_product_type", "earrings");
    cell_is(b, row, "brand_name", "Alya Jewels");
    cell_is(b, row, "update_delete", "Update");
    for (size_t i = 0; i < sizeof blank / sizeof blank[0]; i++)
        cell_is(b, row, blank[i], "");
    /* the title of the family's first child */
    next_title = cell_text(b, row + 1, "item_name");
    assert_non_null(next_title);
    assert_true(strlen(next_title) > 5);
    cell_is(b, row, "item_name", next_title);
}

static void amazon_child(const struct book *b, int row, const struct want *w)
{
    cell_is(b, row, "item_sku", w->sku);
    cell_is(b, row, "part_number", w->sku);
    cell_is(b, row, "parent_child", "child");
    cell_is(b, row, "relationship_type", "variation");
    cell_is(b, row, "parent_sku", w->family);
    cell_is(b, row, "variation_theme", w->theme);
    cell_is(b, row, "size_name", w->size ? w->size : "Free");
    cell_is(b, row, "standard_price", "499");
    cell_is(b, row, "quantity", "1");
}

/* Rows from 4 (parents included) and the response in the same order; each
 * child's filename is its own photo. */
static void check_amazon(json_t *resp, const struct want *w, size_t nw, char **urls)
{
    struct book b = fetch(resp, "Template", 3);
    json_t *results = json_object_get(resp, "results");
    assert_int_equal(json_array_size(results), nw);
    assert_true(json_is_true(json_object_get(resp, "parent_rows")));
    for (size_t k = 0; k < nw; k++) {
        json_t *a = json_object_get(json_array_get(results, k), "attributes");
        assert_string_equal(ca_str(a, "skuid"), w[k].sku);
        if (w[k].photo < 0) {
            amazon_parent(&b, 4 + (int)k, &w[k]);
        } else {
            amazon_child(&b, 4 + (int)k, &w[k]);
            assert_string_equal(ca_str(a, "filename"), urls[w[k].photo]);
        }
        assert_true(ca_assert_row_in(b.rows, "Template", 3, 4 + (int)k, a) > 50);
    }
    cell_is(&b, 4 + (int)nw, "item_sku", "");
    json_decref(b.rows);
}

static void upload_photos(char **u, int n, int seed, char *list, size_t len)
{
    size_t at = 0;
    for (int k = 0; k < n; k++) {
        u[k] = ca_upload(&srv, seed + k);
        at += (size_t)snprintf(list + at, len - at, "%s%s", k ? "," : "", u[k]);
    }
}

/* One Amazon variations request, answered 200 and checked row by row. */
static void amazon_request(const char *groups, const char *cats, const char *list, const char *skus,
                           const struct want *w, size_t nw, char **u)
{
    long st;
    json_t *j = post_variations("amazon", groups, cats, list, skus, &st);
    assert_int_equal(st, 200);
    check_amazon(j, w, nw, u);
    json_decref(j);
}

static void test_amazon_colour_size_colorsize(void **state)
{
    char *u[5], list[2048];
    (void)state;

    upload_photos(u, 5, 61, list, sizeof list);
    amazon_request("2,3,6", "color,size,colorsize", list, VW_STANDARD_SKUS, vw_standard, 14, u);
    for (int k = 0; k < 5; k++)
        free(u[k]);
}

static void test_requests_share_nothing(void **state)
{
    static const char *variation_cols[] = {"parent_child", "parent_sku", "relationship_type",
                                           "variation_theme"};
    char *u[2], list[1024];
    long st;
    json_t *j, *b;
    (void)state;

    upload_photos(u, 2, 71, list, sizeof list);
    amazon_request("3,3", "size,colorsize", list, VW_SIZED_SKUS, vw_sized, 8, u);
    /* the next request: a colour family gets ColorName and size_name Free */
    amazon_request("2", "color", list, VW_COLOURED_SKUS, vw_coloured, 3, u);
    /* and a plain listing no variation values at all */
    b = json_pack("{s:s, s:s, s:s, s:s}", "image_urls", u[0], "skuids", "PLAIN-1", "type",
                  "earrings", "marketplace", "amazon");
    j = ca_post_json(&srv, "/catalog-ai", b, &st);
    assert_int_equal(st, 200);
    {
        struct book bk = fetch(j, "Template", 3);
        for (size_t i = 0; i < 4; i++)
            cell_is(&bk, 4, variation_cols[i], "");
        cell_is(&bk, 4, "size_name", "Free");
        cell_is(&bk, 4, "item_sku", "PLAIN-1");
        cell_is(&bk, 4, "standard_price", "499");
        json_decref(bk.rows);
    }
    json_decref(j);
    json_decref(b);
    for (int k = 0; k < 2; k++)
        free(u[k]);
}

static void test_flipkart_group_id(void **state)
{
    static const char *skus[] = {"FK1-RED", "FK1-BLUE", "FK2-A", "FK2-B"};
    static const char *family[] = {"FK1", "FK1", "FK2", "FK2"};
    char *u[4], list[2048];
    long st;
    json_t *j, *results;
    (void)state;

    upload_photos(u, 4, 81, list, sizeof list);
    j = post_variations("flipkart", "2,2", "color,color", list, "FK1-RED,FK1-BLUE,FK2-A,FK2-B",
                        &st);
    assert_int_equal(st, 200);
    assert_false(json_is_true(json_object_get(j, "parent_rows")));
    results = json_object_get(j, "results");
    assert_int_equal(json_array_size(results), 4); /* children only */
    {
        struct book b = fetch(j, "earring", 1);
        for (int k = 0; k < 4; k++) {
            json_t *a = json_object_get(json_array_get(results, (size_t)k), "attributes");
            assert_string_equal(ca_str(a, "filename"), u[k]);
            cell_is(&b, 5 + k, "Seller SKU ID", skus[k]);
            cell_is(&b, 5 + k, "Group ID", family[k]);
            cell_is(&b, 5 + k, "Your selling price (INR)", "499");
            assert_true(ca_assert_row_in(b.rows, "earring", 1, 5 + k, a) > 50);
        }
        cell_is(&b, 9, "Seller SKU ID", "");
        json_decref(b.rows);
    }
    json_decref(j);
    /* no size column on Flipkart earrings: a size family is refused up front */
    j = post_variations("flipkart", "3", "size", u[0], "FK3-S,FK3-M,FK3-L", &st);
    assert_int_equal(st, 400);
    assert_string_equal(ca_str(j, "code"), "bad_variation");
    json_decref(j);
    for (int k = 0; k < 4; k++)
        free(u[k]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amazon_colour_size_colorsize),
        cmocka_unit_test(test_requests_share_nothing),
        cmocka_unit_test(test_flipkart_group_id),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
