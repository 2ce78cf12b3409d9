/*
 * test_sheet_schema.c - marketplace schemas load, say what the original
 * system's sheets need (with its known bugs fixed), and the seller profile
 * reaches the fixed columns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "sheet/sheet.h"
#include "testutil.h"

static char dir[1024];

static struct sheet_schema *load(const char *mp, const char *type)
{
    struct sheet_schema *s = NULL;
    struct kr_err err = {0};
    enum kr_code rc = sheet_schema_load(dir, mp, type, &s, &err);
    if (rc)
        fail_msg("%s/%s: %s", mp, type, err.msg);
    return s;
}

static void test_every_schema_loads(void **state)
{
    static const char *mps[] = {"amazon", "flipkart", "meesho", "shopsy"};
    static const char *types[] = {"earrings", "necklace", "bracelet"};
    (void)state;
    for (int m = 0; m < 4; m++)
        for (int t = 0; t < 3; t++) {
            struct sheet_schema *s = load(mps[m], types[t]);
            assert_string_equal(sheet_marketplace(s), mps[m]);
            assert_string_equal(sheet_product_type(s), types[t]);
            assert_true(sheet_ncolumns(s) >= 15);
            assert_true(sheet_first_data_row(s) > sheet_header_row(s));
            /* every sheet has a SKU column and a description the copy model writes */
            int sku = 0, desc = 0;
            for (size_t i = 0; i < sheet_ncolumns(s); i++) {
                sku += sheet_column(s, i)->source == SHEET_SRC_SKU;
                desc += sheet_column(s, i)->copy == SHEET_COPY_DESCRIPTION;
            }
            assert_true(sku >= 1);
            assert_int_equal(desc, 1);
            sheet_schema_free(s);
        }
}

static void test_list(void **state)
{
    json_t *l = NULL;
    (void)state;
    assert_int_equal(sheet_list(dir, &l, NULL), KR_OK);
    assert_int_equal(json_array_size(l), 12);
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "marketplace")),
                        "amazon");
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "product_type")),
                        "bracelet");
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 11), "code")),
                        "sho_nec");
    json_decref(l);
}

static void test_lookup_rules(void **state)
{
    struct sheet_schema *s = NULL;
    struct kr_err err = {0};
    (void)state;
    s = load("Amazon", "earring"); /* the original's three-letter rule */
    assert_string_equal(sheet_code(s), "ama_ear");
    assert_string_equal(sheet_sheet_name(s), "Template");
    assert_int_equal(sheet_header_row(s), 3);
    assert_int_equal(sheet_first_data_row(s), 4);
    sheet_schema_free(s);
    assert_int_equal(sheet_schema_load(dir, "etsy", "earrings", &s, &err), KR_ENOTFOUND);
    assert_string_equal(err.slug, "no_sheet_schema");
    assert_null(s);
    assert_int_equal(sheet_schema_load(dir, "../amazon", "earrings", &s, &err), KR_EINVAL);
    assert_int_equal(sheet_schema_load(dir, "amazon", "ring", &s, &err), KR_ENOTFOUND);
}

static void test_env_dir(void **state)
{
    char tmp[512], path[700];
    struct sheet_schema *s = NULL;
    static const char doc[] =
        "{\"schema\":1,\"marketplace\":\"etsy\",\"product_type\":\"rings\",\"code\":\"ets_rin\","
        "\"sheet\":{\"name\":\"Listings\",\"index\":0},\"header_row\":1,\"first_data_row\":2,"
        "\"columns\":[{\"name\":\"SKU\",\"source\":\"sku\"},{\"name\":\"Title\",\"source\":"
        "\"copy\",\"copy\":\"title\",\"max_chars\":140},{\"name\":\"Description\",\"source\":"
        "\"copy\",\"copy\":\"description\"}]}";
    (void)state;
    tu_tmpdir(tmp, sizeof tmp);
    snprintf(path, sizeof path, "%s/etsy_rings.json", tmp);
    tu_write_file(path, doc, strlen(doc));
    /* the folder comes from the config (KARAT_MARKETPLACES_DIR), passed in:
     * the sheet module reads no environment */
    setenv("KARAT_MARKETPLACES_DIR", tmp, 1);
    struct config cfg;
    assert_int_equal(config_load(&cfg, NULL), KR_OK);
    assert_string_equal(cfg.marketplaces_dir, tmp);
    assert_string_equal(sheet_dir(cfg.marketplaces_dir), tmp);
    assert_int_equal(sheet_schema_load(cfg.marketplaces_dir, "etsy", "rings", &s, NULL), KR_OK);
    assert_int_equal(sheet_find_column(s, "Title")->max_chars, 140);
    sheet_schema_free(s);
    assert_int_equal(sheet_schema_load(NULL, "etsy", "rings", &s, NULL), KR_ENOTFOUND);
    config_release(&cfg);
    unsetenv("KARAT_MARKETPLACES_DIR");
    /* the config's default: the working directory's data/marketplaces, or this tree's */
    assert_int_equal(config_load(&cfg, NULL), KR_OK);
    assert_non_null(strstr(sheet_dir(cfg.marketplaces_dir), "data/marketplaces"));
    assert_int_equal(sheet_schema_load(cfg.marketplaces_dir, "amazon", "earrings", &s, NULL),
                     KR_OK);
    sheet_schema_free(s);
    config_release(&cfg);
    tu_rmrf(tmp);
}

static void expect_bad(const char *doc, const char *needle)
{
    char tmp[512], path[700];
    struct sheet_schema *s = NULL;
    struct kr_err err = {0};
    tu_tmpdir(tmp, sizeof tmp);
    snprintf(path, sizeof path, "%s/x_y.json", tmp);
    tu_write_file(path, doc, strlen(doc));
    assert_int_equal(sheet_schema_load_file(path, &s, &err), KR_EINVAL);
    assert_null(s);
    if (!strstr(err.msg, needle))
        fail_msg("expected '%s' in: %s", needle, err.msg);
    tu_rmrf(tmp);
}

#define HEAD                                                                                       \
    "{\"schema\":1,\"marketplace\":\"x\",\"product_type\":\"y\",\"code\":\"x_y\",\"sheet\":{"      \
    "\"name\":\"S\",\"index\":0},\"header_row\":1,\"first_data_row\":2,"

static void test_bad_schemas(void **state)
{
    (void)state;
    expect_bad(HEAD "\"columns\":[{\"name\":\"a\",\"source\":\"sku\",\"colour\":1}]}",
               "unknown key");
    expect_bad(HEAD "\"columns\":[{\"name\":\"a\",\"source\":\"sku\"},{\"name\":\"a\",\"source\":"
                    "\"attr\"}]}",
               "duplicate");
    expect_bad(HEAD "\"columns\":[{\"name\":\"a\",\"source\":\"fixed\"}]}", "fixed");
    expect_bad(HEAD "\"columns\":[{\"name\":\"a\",\"source\":\"magic\"}]}", "source");
    expect_bad(HEAD "\"columns\":[{\"name\":\"a\",\"source\":\"attr\",\"allowed\":[\"\"]}]}",
               "empty");
    expect_bad(HEAD "\"columns\":[]}", "columns");
    expect_bad("{\"schema\":1,\"marketplace\":\"x\",\"product_type\":\"y\",\"code\":\"x\","
               "\"sheet\":{\"name\":\"a/b\"},\"header_row\":1,\"first_data_row\":2,\"columns\":[]}",
               "sheet");
    expect_bad("[1,2", "x_y.json");
    expect_bad(HEAD "\"columns\":[{\"name\":\"a\",\"source\":\"attr\",\"variation\":\"size\"}]}",
               "only applies to fixed");
    expect_bad(HEAD "\"columns\":[{\"name\":\"a\",\"source\":\"fixed\",\"value\":\"\","
                    "\"variation\":\"colour\"}]}",
               "variation must be");
    expect_bad(HEAD "\"columns\":[{\"name\":\"a\",\"source\":\"fixed\",\"value\":\"\","
                    "\"variation\":\"size\"},{\"name\":\"b\",\"source\":\"fixed\",\"value\":"
                    "\"\",\"variation\":\"size\"}]}",
               "one variation role");
    expect_bad(HEAD "\"columns\":[{\"name\":\"a\",\"source\":\"sku\",\"parent\":1}]}", "parent");
}

/* Variation columns: Amazon's four at flat-file positions 29-32 (between
 * target_gender, 18, and stone_color, 33) with their allowed values, and
 * size_name; Flipkart/Shopsy share a Group ID; Meesho sizes go to Variation. */
static void test_variation_columns(void **state)
{
    static const char *types[] = {"earrings", "necklace", "bracelet"};
    static const char *amazon[] = {"target_gender", "relationship_type", "variation_theme",
                                   "parent_sku",    "parent_child",      "stone_color"};
    static const enum sheet_var_role roles[] = {SHEET_VAR_NONE,         SHEET_VAR_RELATIONSHIP,
                                                SHEET_VAR_THEME,        SHEET_VAR_PARENT_SKU,
                                                SHEET_VAR_PARENT_CHILD, SHEET_VAR_NONE};
    (void)state;
    for (int ty = 0; ty < 3; ty++) {
        struct sheet_schema *s = load("amazon", types[ty]);
        size_t at = 0;
        while (strcmp(sheet_column(s, at)->name, amazon[0]) != 0)
            at++;
        for (int k = 0; k < 6; k++) {
            const struct sheet_column *c = sheet_column(s, at + (size_t)k);
            assert_string_equal(c->name, amazon[k]);
            assert_int_equal(c->variation, roles[k]);
            if (roles[k]) {
                assert_int_equal(c->source, SHEET_SRC_FIXED);
                assert_string_equal(c->value, "");
            }
        }
        const struct sheet_column *c = sheet_find_column(s, "variation_theme");
        assert_int_equal(c->nallowed, 3);
        assert_string_equal(c->allowed[0], "ColorName");
        assert_string_equal(c->allowed[1], "SizeName");
        assert_string_equal(c->allowed[2], "SizeName-ColorName");
        c = sheet_find_column(s, "parent_child");
        assert_int_equal(c->nallowed, 2);
        assert_string_equal(c->allowed[0], "parent");
        assert_string_equal(c->allowed[1], "child");
        assert_string_equal(sheet_find_column(s, "relationship_type")->allowed[0], "variation");
        assert_ptr_equal(sheet_variation_column(s, SHEET_VAR_SIZE),
                         sheet_find_column(s, "size_name"));
        /* parent rows: identity, title and the family columns only */
        int parents = 0;
        for (size_t i = 0; i < sheet_ncolumns(s); i++)
            parents += sheet_column(s, i)->parent;
        assert_int_equal(parents, 8);
        assert_true(sheet_find_column(s, "item_sku")->parent);
        assert_false(sheet_find_column(s, "standard_price")->parent);
        assert_false(sheet_find_column(s, "parent_sku")->parent);
        sheet_schema_free(s);

        for (int m = 0; m < 2; m++) {
            s = load(m ? "shopsy" : "flipkart", types[ty]);
            assert_string_equal(sheet_variation_column(s, SHEET_VAR_PARENT_SKU)->name, "Group ID");
            assert_null(sheet_variation_column(s, SHEET_VAR_PARENT_CHILD));
            assert_null(sheet_variation_column(s, SHEET_VAR_SIZE));
            sheet_schema_free(s);
        }
        s = load("meesho", types[ty]);
        assert_string_equal(sheet_variation_column(s, SHEET_VAR_SIZE)->name, "Variation");
        assert_null(sheet_variation_column(s, SHEET_VAR_PARENT_CHILD));
        assert_null(sheet_variation_column(s, SHEET_VAR_PARENT_SKU));
        sheet_schema_free(s);
    }
}

/* The original's bugs (MARKETPLACES.md section 7) are fixed in the data. */
static void test_known_bugs_fixed(void **state)
{
    struct sheet_schema *s;
    (void)state;
    s = load("meesho", "bracelet"); /* "ClosureColor": a missing comma */
    assert_null(sheet_find_column(s, "ClosureColor"));
    assert_int_equal(sheet_find_column(s, "Closure")->nallowed, 7);
    assert_int_equal(sheet_find_column(s, "Color")->nallowed, 30);
    assert_string_equal(sheet_find_column(s, "Variation")->aliases[0], "variation");
    sheet_schema_free(s);

    s = load("amazon", "earrings"); /* bullets 6-10 never had a producer */
    assert_null(sheet_find_column(s, "bullet_point6"));
    int lo, hi;
    sheet_bullet_range(s, &lo, &hi);
    assert_int_equal(lo, 3);
    assert_int_equal(hi, 5);
    assert_int_equal(sheet_find_column(s, "item_name")->max_chars, 200);
    assert_int_equal(sheet_find_column(s, "generic_keywords")->max_bytes, 199);
    assert_int_equal(sheet_find_column(s, "product_description")->max_chars, 2000);
    assert_int_equal(sheet_find_column(s, "item_width")->source, SHEET_SRC_DIMS);
    assert_int_equal(sheet_find_column(s, "stone_color")->nallowed, 65);
    assert_string_equal(sheet_find_column(s, "product_tax_code")->value, "A_GEN_JEWELLERY");
    assert_int_equal(sheet_find_column(s, "stones_type")->source, SHEET_SRC_ATTR);
    sheet_schema_free(s);

    s = load("amazon", "necklace");
    assert_null(sheet_find_column(s, "gender"));
    assert_null(sheet_find_column(s, "Metal ID"));
    assert_string_equal(sheet_find_column(s, "metals_id")->value, "1");
    assert_string_equal(sheet_find_column(s, "recommended_browse_nodes")->value, "7124388031");
    assert_int_equal(sheet_find_column(s, "stones_color")->nallowed, 64);
    assert_string_equal(sheet_find_column(s, "manufacturer_contact_information")->value,
                        "marketplacesupport@alyajewels.com");
    sheet_schema_free(s);

    s = load("flipkart", "earrings"); /* dimension keys now reach the sheet */
    assert_int_equal(sheet_find_column(s, "Width (mm)")->source, SHEET_SRC_DIMS);
    assert_string_equal(sheet_find_column(s, "Local handling fee (INR)")->aliases[0],
                        "Local delivery charge (INR)");
    assert_string_equal(sheet_sheet_name(s), "earring");
    sheet_schema_free(s);

    s = load("shopsy", "necklace");
    assert_string_equal(sheet_sheet_name(s), "shopsy_necklace_chain");
    assert_string_equal(sheet_find_column(s, "Brand")->value, "Alya Jewels");
    sheet_schema_free(s);

    s = load("flipkart", "bracelet");
    const struct sheet_column *c = sheet_find_column(s, "Stretchable");
    assert_string_equal(c->allowed[0], "Yes");
    assert_string_equal(c->allowed[1], "No");
    sheet_schema_free(s);
}

static void test_ai_fields(void **state)
{
    struct ai_field f[64];
    struct sheet_schema *s = load("amazon", "earrings");
    (void)state;
    size_t n = sheet_ai_fields(s, SHEET_SRC_COPY, f, 64);
    assert_int_equal(n, 8); /* title, description, 5 bullets, search terms */
    int saw_kw = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].name, "generic_keywords") == 0) {
            saw_kw = 1;
            assert_int_equal(f[i].max_len, 199);
            assert_int_equal(f[i].multi, 1);
        }
    assert_true(saw_kw);
    n = sheet_ai_fields(s, SHEET_SRC_ATTR, f, 2); /* only 2 written, count returned */
    assert_true(n > 20);
    assert_string_equal(f[0].name, "stone_color");
    assert_int_equal(f[0].nallowed, 65);
    assert_string_equal(f[0].allowed[0], "D");
    assert_int_equal(sheet_ai_fields(s, SHEET_SRC_DIMS, NULL, 0), 3);
    sheet_schema_free(s);
}

static void test_profile(void **state)
{
    char path[1200];
    json_t *p = NULL, *fixed;
    struct kr_err err = {0};
    struct sheet_schema *s = load("amazon", "earrings");
    static const char custom[] =
        "{\"brand\":\"Kundan "
        "House\",\"mrp\":899,\"marketplaces\":{\"amazon\":{\"quantity\":\"7\"}},"
        "\"columns\":{\"condition_type\":\"New\"}}";
    (void)state;
    snprintf(path, sizeof path, "%s/../profiles/example.json", dir);
    assert_int_equal(sheet_profile_load(path, &p, &err), KR_OK);
    assert_string_equal(json_string_value(json_object_get(p, "hsn")), "71171900");
    json_decref(p);

    assert_int_equal(sheet_profile_parse(custom, strlen(custom), &p, &err), KR_OK);
    assert_int_equal(sheet_apply_profile(s, p, &err), KR_OK);
    fixed = sheet_fixed_values(s);
    assert_string_equal(json_string_value(json_object_get(fixed, "brand_name")), "Kundan House");
    assert_string_equal(json_string_value(json_object_get(fixed, "maximum_retail_price")), "899");
    assert_string_equal(json_string_value(json_object_get(fixed, "quantity")), "7");
    assert_string_equal(json_string_value(json_object_get(fixed, "manufacturer")), "Alya Jewels");
    json_decref(fixed);
    json_decref(p);
    sheet_schema_free(s);

    assert_int_equal(sheet_profile_parse("{\"brand\":[1]}", 13, &p, &err), KR_EINVAL);
    assert_int_equal(sheet_profile_parse("[]", 2, &p, &err), KR_EINVAL);
    assert_int_equal(sheet_profile_parse("{\"a\":1,\"a\":2}", 13, &p, &err), KR_EINVAL);
}

static void test_row_build(void **state)
{
    json_t *row = NULL;
    struct sheet_schema *s = load("flipkart", "earrings");
    json_t *values =
        json_pack("{s:s, s:[s,s,s], s:i, s:s, s:s}", "Type", "Jhumki", "Search Keywords", "jhumka",
                  "earrings", "ethnic", "Number of Gemstones", 12, "Brand", "Fake Brand",
                  "not_a_column", "x");
    (void)state;
    assert_int_equal(sheet_row_build(s, "ER-1.5", values, &row, NULL), KR_OK);
    /* the SKU keeps its dot (the original cut everything after it) */
    assert_string_equal(json_string_value(json_object_get(row, "Seller SKU ID")), "ER-1.5");
    assert_string_equal(json_string_value(json_object_get(row, "Model Number")), "ER-1.5");
    assert_string_equal(json_string_value(json_object_get(row, "Search Keywords")),
                        "jhumka::earrings::ethnic");
    assert_string_equal(json_string_value(json_object_get(row, "Number of Gemstones")), "12");
    /* fixed columns are not taken from the model */
    assert_string_equal(json_string_value(json_object_get(row, "Brand")), "Alya Jewels");
    assert_null(json_object_get(row, "not_a_column"));
    assert_null(json_object_get(row, "Color"));
    json_decref(row);
    json_decref(values);
    sheet_schema_free(s);
}

/* One code rule for the loader and the catalog's schema cache. */
static void test_code_of(void **state)
{
    char code[SHEET_CODE_LEN];
    (void)state;
    sheet_code_of("Amazon", "earrings", code);
    assert_string_equal(code, "ama_ear");
    sheet_code_of("FLIPKART", "Necklace", code);
    assert_string_equal(code, "fli_nec");
    sheet_code_of("a_b", "x-y", code); /* not letters: kept as they are */
    assert_string_equal(code, "a_b_x-y");
    sheet_code_of("", "", code);
    assert_string_equal(code, "_");
}

int main(void)
{
    const char *src = getenv("KARAT_SOURCE_DIR");
    snprintf(dir, sizeof dir, "%s/data/marketplaces", src ? src : ".");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_of),
        cmocka_unit_test(test_every_schema_loads),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_lookup_rules),
        cmocka_unit_test(test_env_dir),
        cmocka_unit_test(test_bad_schemas),
        cmocka_unit_test(test_known_bugs_fixed),
        cmocka_unit_test(test_variation_columns),
        cmocka_unit_test(test_ai_fields),
        cmocka_unit_test(test_profile),
        cmocka_unit_test(test_row_build),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
