/*
 * test_variations.c - parent/child families: groups -> photos and SKUs
 * paired correctly, one row per SKU with its size, parent rows only where
 * the marketplace's sheet has parent/child columns, every result wrapped
 * in "attributes", bad group arithmetic refused up front, and nothing left
 * behind for the next request (the original mutated global dicts).
 */
#include "pipeline_test.h"

static json_t *ints(const int *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_integer(v[i]));
    return a;
}

struct var_in {
    json_t *refs, *skus, *groups, *cats, *sizes;
};

static void var_free(struct var_in *v)
{
    json_decref(v->refs);
    json_decref(v->skus);
    json_decref(v->groups);
    json_decref(v->cats);
    json_decref(v->sizes);
}

static enum kr_code var_input(struct pt *t, const char *mp, struct var_in *v, json_t **params,
                              json_t **items, struct kr_err *err)
{
    struct catalog_var_req r = {
        {mp, "earrings", v->refs, v->skus, 0, NULL, 0}, v->groups, v->cats, v->sizes};
    return catalog_variations_input(t->cat, &r, params, items, err);
}

/* Groups: colour (2 photos, 2 SKUs), size (1 photo, 3 SKUs), colorsize (2 photos x 3 sizes). */
static void standard_input(struct pt *t, struct var_in *v, char photos[5][700])
{
    static const char *skus[] = {"ER7-RED", "ER7-BLUE", "ER8-S",  "ER8-M",  "ER8-L", "CS-R-S",
                                 "CS-R-M",  "CS-R-L",   "CS-G-S", "CS-G-M", "CS-G-L"};
    static const char *cats[] = {"color", "size", "colorsize"}, *sizes[] = {"S", "M", "L"};
    static const int groups[] = {2, 3, 6};
    const char *refs[5];
    char name[32];
    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof name, "photo%d.jpg", i);
        pt_photo(t, name, 10 + i, photos[i], 700);
        refs[i] = photos[i];
    }
    v->refs = pt_strings(refs, 5);
    v->skus = pt_strings(skus, 11);
    v->groups = ints(groups, 3);
    v->cats = pt_strings(cats, 3);
    v->sizes = pt_strings(sizes, 3);
}

/* Expected (sku -> photo index, size) for standard_input. */
static const struct {
    const char *sku;
    int photo;
    const char *size;
} expect[] = {{"ER7-RED", 0, NULL}, {"ER7-BLUE", 1, NULL}, {"ER8-S", 2, "S"},  {"ER8-M", 2, "M"},
              {"ER8-L", 2, "L"},    {"CS-R-S", 3, "S"},    {"CS-R-M", 3, "M"}, {"CS-R-L", 3, "L"},
              {"CS-G-S", 4, "S"},   {"CS-G-M", 4, "M"},    {"CS-G-L", 4, "L"}};

static void check_children(json_t *results, char photos[5][700], int has_parent,
                           const struct sheet_schema *s)
{
    size_t k = 0, i;
    json_t *r;
    int parents = 0;

    json_array_foreach(results, i, r)
    {
        json_t *a = json_object_get(r, "attributes");
        assert_non_null(a); /* parents and children alike */
        assert_non_null(json_object_get(r, "warnings"));
        if (!strcmp(pt_str(a, "parent_child"), "parent")) {
            parents++;
            continue;
        }
        assert_true(k < 11);
        assert_string_equal(pt_str(a, "skuid"), expect[k].sku);
        assert_string_equal(pt_str(a, "filename"), photos[expect[k].photo]);
        if (expect[k].size && sheet_find_column(s, "size_name"))
            assert_string_equal(pt_str(a, "size_name"), expect[k].size);
        if (has_parent) {
            assert_string_equal(pt_str(a, "parent_child"), "child");
            assert_true(strlen(pt_str(a, "parent_sku")) > 0);
        }
        k++;
    }
    assert_int_equal(k, 11);
    assert_int_equal(parents, has_parent ? 3 : 0);
}

static void run_marketplace(const char *mp)
{
    struct pt t;
    struct var_in v;
    char photos[5][700];
    struct kr_err err = {0};
    json_t *params = NULL, *items = NULL, *st, *result;
    struct sheet_schema *s;
    int has_parent;

    pt_open(&t, 0, NULL);
    s = pt_schema(&t, mp, "earrings");
    has_parent = sheet_find_column(s, "parent_child") != NULL;
    standard_input(&t, &v, photos);
    assert_int_equal(var_input(&t, mp, &v, &params, &items, &err), KR_OK);
    assert_int_equal(json_array_size(items), 5); /* one model pass per photo */
    st = pt_run(&t, CATALOG_VARIATIONS_JOB, params, items);
    assert_string_equal(pt_str(st, "status"), "done");
    result = json_object_get(st, "result");
    assert_int_equal(json_integer_value(json_object_get(result, "rows")),
                     11 + (has_parent ? 3 : 0));
    assert_true(json_is_true(json_object_get(result, "parent_rows")) == has_parent);
    check_children(json_object_get(result, "results"), photos, has_parent, s);
    /* the rows are on this marketplace's own data sheet, in result order */
    {
        size_t sku_col = 0;
        while (sheet_column(s, sku_col)->source != SHEET_SRC_SKU)
            sku_col++;
        json_t *first =
            json_object_get(json_array_get(json_object_get(result, "results"), 0), "attributes");
        pt_assert_cell(pt_str(result, "excel_file"), sheet_sheet_name(s), sku_col,
                       sheet_first_data_row(s), pt_str(first, "skuid"));
        pt_assert_row(pt_str(result, "excel_file"), s, sheet_first_data_row(s), first);
    }
    /* the groups carry Amazon's theme names and a parent SKU no child uses */
    assert_string_equal(pt_str(json_array_get(json_object_get(result, "groups"), 2), "theme"),
                        "SizeName-ColorName");
    assert_string_equal(pt_str(json_array_get(json_object_get(result, "groups"), 0), "parent_sku"),
                        "ER7");
    assert_string_equal(pt_str(json_array_get(json_object_get(result, "groups"), 1), "parent_sku"),
                        "ER8");
    json_decref(st);
    json_decref(params);
    json_decref(items);

    /* a plain catalog request afterwards is untouched by the size groups */
    {
        const char *one[] = {photos[0]}, *sku[] = {"PLAIN-1"};
        json_t *refs = pt_strings(one, 1), *skus = pt_strings(sku, 1);
        st = pt_catalog(&t, mp, "earrings", refs, skus, NULL, 0);
        json_t *a = json_object_get(
            json_array_get(json_object_get(json_object_get(st, "result"), "results"), 0),
            "attributes");
        assert_null(json_object_get(a, "parent_sku"));
        assert_null(json_object_get(a, "relationship_type"));
        if (sheet_find_column(s, "size_name"))
            assert_string_not_equal(pt_str(a, "size_name"), "L");
        json_decref(st);
        json_decref(refs);
        json_decref(skus);
    }
    var_free(&v);
    sheet_schema_free(s);
    pt_close(&t);
}

static void test_amazon(void **state)
{
    (void)state;
    run_marketplace("amazon");
}

static void test_flipkart(void **state)
{
    (void)state;
    run_marketplace("flipkart");
}

static void test_meesho(void **state)
{
    (void)state;
    run_marketplace("meesho");
}

static void test_bad_groups(void **state)
{
    struct pt t;
    struct var_in v;
    char photos[5][700];
    struct kr_err err = {0};
    json_t *params = NULL, *items = NULL;
    static const int wrong_sum[] = {2, 3, 5}, size_mismatch[] = {2, 2, 6};
    (void)state;

    pt_open(&t, 0, NULL);
    standard_input(&t, &v, photos);
    json_decref(v.groups);
    v.groups = ints(wrong_sum, 3); /* colorsize 5 is not colours x 3 sizes */
    assert_int_equal(var_input(&t, "amazon", &v, &params, &items, &err), KR_EINVAL);
    json_decref(v.groups);
    v.groups = ints(size_mismatch, 3); /* a size group needs one SKU per size */
    assert_int_equal(var_input(&t, "amazon", &v, &params, &items, &err), KR_EINVAL);
    assert_null(params);
    assert_null(items);
    json_decref(v.groups);
    v.groups = ints(wrong_sum, 2); /* fewer groups than categories */
    assert_int_equal(var_input(&t, "amazon", &v, &params, &items, &err), KR_EINVAL);
    json_decref(v.cats);
    {
        const char *bad[] = {"color", "shape", "colorsize"};
        static const int ok[] = {2, 3, 6};
        v.cats = pt_strings(bad, 3);
        json_decref(v.groups);
        v.groups = ints(ok, 3);
    }
    assert_int_equal(var_input(&t, "amazon", &v, &params, &items, &err), KR_EINVAL);
    assert_string_equal(err.slug, "bad_variation");
    var_free(&v);
    pt_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amazon),
        cmocka_unit_test(test_flipkart),
        cmocka_unit_test(test_meesho),
        cmocka_unit_test(test_bad_groups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
