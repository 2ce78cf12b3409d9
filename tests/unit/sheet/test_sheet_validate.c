/*
 * test_sheet_validate.c - row validation: allowed values (exact, normalised,
 * never invented), Amazon.in text limits in characters and UTF-8 bytes,
 * required columns, bullets, forbidden characters, junk input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sheet/sheet.h"
#include "testutil.h"

static struct sheet_schema *amazon, *meesho, *flipkart;

static int setup(void **state)
{
    char dir[1024];
    const char *src = getenv("KARAT_SOURCE_DIR");
    (void)state;
    snprintf(dir, sizeof dir, "%s/data/marketplaces", src ? src : ".");
    return sheet_schema_load(dir, "amazon", "earrings", &amazon, NULL) ||
           sheet_schema_load(dir, "meesho", "bracelet", &meesho, NULL) ||
           sheet_schema_load(dir, "flipkart", "earrings", &flipkart, NULL);
}

static int teardown(void **state)
{
    (void)state;
    sheet_schema_free(amazon);
    sheet_schema_free(meesho);
    sheet_schema_free(flipkart);
    return 0;
}

/* A complete, valid Amazon earrings row built from the schema. */
static json_t *good_row(void)
{
    json_t *values =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "item_name",
                  "Gold-plated kundan jhumka earrings with pearl drops", "product_description",
                  "Handcrafted jhumkas. Light enough for a long day.", "bullet_point1",
                  "Festive look", "bullet_point2", "Brass base", "bullet_point3", "Kundan stones",
                  "item_type_name", "Earrings", "material_type", "Brass", "gem_type", "Pearl",
                  "stone_color", "Red", "generic_keywords", "ethnic festive");
    json_t *row = NULL;
    assert_int_equal(sheet_row_build(amazon, "ER-001", values, &row, NULL), KR_OK);
    json_decref(values);
    return row;
}

static const char *str(json_t *row, const char *k)
{
    json_t *v = json_object_get(row, k);
    return json_is_string(v) ? json_string_value(v) : "(absent)";
}

/* Warning for column with problem, or NULL. */
static json_t *find_warn(json_t *w, const char *column, const char *problem)
{
    size_t i;
    json_t *x;
    json_array_foreach(w, i, x)
    {
        if (strcmp(str(x, "column"), column) == 0 && strcmp(str(x, "problem"), problem) == 0)
            return x;
    }
    return NULL;
}

static int utf8_ok(const char *s)
{
    json_t *j = json_string(s);
    json_decref(j);
    return j != NULL;
}

static json_t *validate(struct sheet_schema *s, json_t *row)
{
    json_t *w = NULL;
    assert_int_equal(sheet_validate_row(s, row, &w, NULL), KR_OK);
    assert_non_null(w);
    return w;
}

static void test_good_row_is_clean(void **state)
{
    (void)state;
    json_t *row = good_row(), *w = validate(amazon, row);
    if (json_array_size(w))
        fail_msg("unexpected warnings: %s", json_dumps(w, 0));
    assert_string_equal(str(row, "item_type_name"), "Earrings");
    json_decref(w);
    json_decref(row);
}

static void test_allowed_values(void **state)
{
    (void)state;
    json_t *row = good_row(), *w;
    json_object_set_new(row, "stone_color", json_string("  red "));       /* case + spaces */
    json_object_set_new(row, "color_map", json_string("gray"));           /* synonym */
    json_object_set_new(row, "item_type_name", json_string("jhumki"));    /* plural */
    json_object_set_new(row, "clasp_type", json_string("hook-and-loop")); /* not in the list */
    json_object_set_new(row, "stones_shape", json_string("ROUND"));
    w = validate(amazon, row);
    assert_string_equal(str(row, "stone_color"), "Red");
    assert_string_equal(str(row, "color_map"), "Grey");
    assert_string_equal(str(row, "item_type_name"), "Jhumkis");
    assert_string_equal(str(row, "stones_shape"), "Round");
    assert_string_equal(str(row, "clasp_type"), ""); /* blanked, never invented */
    json_t *x = find_warn(w, "clasp_type", "not_allowed");
    assert_non_null(x);
    assert_string_equal(str(x, "value"), "hook-and-loop");
    assert_null(find_warn(w, "stone_color", "not_allowed"));
    assert_int_equal(json_array_size(w), 1);
    json_decref(w);
    json_decref(row);
}

static void test_title_and_description_limits(void **state)
{
    (void)state;
    char title[400] = "", desc[2600] = "";
    json_t *row = good_row(), *w;
    while (strlen(title) < 300)
        strcat(title, "Kundan jhumka ");
    while (strlen(desc) < 2500)
        strcat(desc, "Lovely pearl drops. ");
    json_object_set_new(row, "item_name", json_string(title));
    json_object_set_new(row, "product_description", json_string(desc));
    w = validate(amazon, row);
    const char *t = str(row, "item_name"), *d = str(row, "product_description");
    assert_true(strlen(t) <= 200 && strlen(t) > 150);
    assert_true(t[strlen(t) - 1] != ' ');
    assert_int_equal(strncmp(t + strlen(t) - 6, "jhumka", 6), 0); /* cut at a word boundary */
    assert_true(strlen(d) <= 2000 && strlen(d) > 1900);
    assert_non_null(find_warn(w, "item_name", "too_long"));
    assert_string_equal(str(find_warn(w, "item_name", "too_long"), "value"), title);
    assert_non_null(find_warn(w, "product_description", "too_long"));
    json_decref(w);
    json_decref(row);
}

/* Amazon.in search terms: < 200 BYTES; multi-byte text must not be cut mid
 * code point. "झुमके" is 5 code points, 15 bytes. */
static void test_search_terms_bytes(void **state)
{
    (void)state;
    char kw[1024] = "";
    json_t *row = good_row(), *w;
    while (strlen(kw) < 400)
        strcat(kw, "\xe0\xa4\x9d\xe0\xa5\x81\xe0\xa4\xae\xe0\xa4\x95\xe0\xa5\x87 "); /* झुमके */
    json_object_set_new(row, "generic_keywords", json_string(kw));
    w = validate(amazon, row);
    const char *k = str(row, "generic_keywords");
    size_t n = strlen(k);
    assert_true(n < 200);
    assert_true(n >= 150);
    assert_int_equal(n % 16, 15); /* whole words: 15 bytes + space each, minus last space */
    assert_true(utf8_ok(k));      /* still valid UTF-8 */
    assert_non_null(find_warn(w, "generic_keywords", "too_many_bytes"));
    /* under the limit in characters but not in bytes: 70 chars * 3 bytes */
    char one[512] = "";
    for (int i = 0; i < 70; i++)
        strcat(one, "\xe2\x82\xb9"); /* ₹, no spaces at all */
    json_decref(w);
    json_object_set_new(row, "generic_keywords", json_string(one));
    w = validate(amazon, row);
    k = str(row, "generic_keywords");
    assert_int_equal(strlen(k), 198); /* 66 whole code points */
    assert_true(utf8_ok(k));
    json_decref(w);
    json_decref(row);
}

static void test_required_and_bullets(void **state)
{
    (void)state;
    json_t *row = good_row(), *w;
    json_object_del(row, "item_name");
    json_object_set_new(row, "bullet_point2", json_string("   "));
    json_object_set_new(row, "bullet_point3", json_null());
    w = validate(amazon, row);
    assert_non_null(find_warn(w, "item_name", "missing_required"));
    json_t *b = find_warn(w, "bullet_point2", "too_few_bullets");
    assert_non_null(b);
    assert_string_equal(str(b, "value"), "1");
    assert_string_equal(str(row, "bullet_point2"), "");
    json_decref(w);
    json_decref(row);
}

static void test_forbidden_unknown_and_junk(void **state)
{
    (void)state;
    json_t *row = good_row(), *w;
    json_object_set_new(row, "item_name", json_string("Best earrings!!! {sale} $99"));
    json_object_set_new(row, "bullet_point1", json_string("Shiny\xe2\x84\xa2 finish\x01"));
    json_object_set_new(row, "mystery", json_string("x"));
    json_object_set_new(row, "theme", json_pack("{s:i}", "a", 1));
    json_object_set_new(row, "quantity", json_integer(3)); /* fixed column, numeric JSON */
    w = validate(amazon, row);
    assert_string_equal(str(row, "item_name"), "Best earrings sale 99");
    assert_string_equal(str(row, "bullet_point1"), "Shiny finish");
    assert_non_null(find_warn(w, "item_name", "forbidden_chars"));
    assert_non_null(find_warn(w, "mystery", "unknown_column"));
    assert_null(json_object_get(row, "mystery"));
    assert_non_null(find_warn(w, "theme", "not_text"));
    assert_string_equal(str(row, "theme"), "");
    assert_string_equal(str(row, "quantity"), "3");
    json_decref(w);
    json_decref(row);
    json_t *arr = json_array();
    assert_int_equal(sheet_validate_row(amazon, arr, &w, NULL), KR_EINVAL);
    json_decref(arr);
}

static void test_meesho_and_flipkart(void **state)
{
    (void)state;
    json_t *values =
        json_pack("{s:s, s:s, s:s, s:s}", "Product Name", "Oxidised cuff", "Product Description",
                  "A cuff.", "Closure", "lobster clasp", "Color", "purple-ish");
    json_t *row = NULL, *w;
    assert_int_equal(sheet_row_build(meesho, "BR-9", values, &row, NULL), KR_OK);
    w = validate(meesho, row);
    assert_string_equal(str(row, "Fields + Description:"), "BR-9");
    assert_string_equal(str(row, "Color"), "");
    assert_string_equal(str(row, "Closure"), "Lobster Clasp");
    assert_non_null(find_warn(w, "Color", "not_allowed"));
    json_decref(w);
    json_decref(row);
    json_decref(values);

    /* '::'-separated keywords; one-line key features */
    values = json_pack("{s:s, s:s, s:s}", "Search Keywords", "jhumka::earrings", "Key Features",
                       "Light\nweight\r\n  brass", "Description", "A light pair. Brass base.");
    assert_int_equal(sheet_row_build(flipkart, "E1", values, &row, NULL), KR_OK);
    w = validate(flipkart, row);
    assert_string_equal(str(row, "Key Features"), "Light weight brass");
    assert_string_equal(str(row, "Search Keywords"), "jhumka::earrings");
    assert_null(find_warn(w, "Your selling price (INR)", "missing_required"));
    if (json_array_size(w))
        fail_msg("unexpected warnings: %s", json_dumps(w, 0));
    json_decref(w);
    json_decref(row);
    json_decref(values);
}

/* Issue 12: content rules (rules.json) and cross-field checks, with a score. */
static void test_content_rules(void **state)
{
    (void)state;
    json_t *row = good_row(), *w;
    int failed = 0;
    json_object_set_new(row, "item_name", json_string("Silver-Tone Hoop Earrings, Best Seller"));
    json_object_set_new(row, "color_name", json_string("Gold"));
    json_object_set_new(row, "bullet_point1",
                        json_string("Colour: gold, Details: item_type_name: "
                                    "Earrings"));
    json_object_set_new(row, "bullet_point2",
                        json_string("colour: GOLD, details: item_type_name: "
                                    "earrings"));
    json_object_set_new(row, "bullet_point3",
                        json_string("Now 50% off, only Rs. 299 \xF0\x9F\x92\x8E"));
    json_object_set_new(row, "product_description",
                        json_string("Like Tanishq. See <b>www.example.in</b> today."));
    json_object_set_new(row, "generic_keywords", json_string("hoop party"));
    w = validate(amazon, row);
    assert_non_null(find_warn(w, "item_name", "promotional"));
    assert_non_null(find_warn(w, "item_name", "colour_mismatch"));
    assert_non_null(find_warn(w, "bullet_point1", "leaked_field_name"));
    assert_non_null(find_warn(w, "bullet_point2", "duplicate_bullet"));
    assert_non_null(find_warn(w, "bullet_point3", "price_in_text"));
    assert_non_null(find_warn(w, "bullet_point3", "emoji"));
    assert_non_null(find_warn(w, "product_description", "other_brand"));
    assert_non_null(find_warn(w, "product_description", "url"));
    assert_non_null(find_warn(w, "product_description", "html"));
    assert_non_null(find_warn(w, "generic_keywords", "keyword_repeats_title"));
    assert_null(find_warn(w, "item_name", "title_word_repeats"));
    assert_true(sheet_row_score(w, &failed) < 50);
    assert_true(failed);
    json_decref(w);
    json_decref(row);

    /* Flipkart earrings: a pearl grade without pearls, a 16 cm earring,
     * more than 5 search terms, a necklace type */
    json_t *values =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "Pearl Grade", "A", "Height (mm)", "160",
                  "Search Keywords", "a::b::c::d::e::f", "Description", "A light pair. Brass base.",
                  "Type", "Earring", "Sub Type", "Necklace Drops");
    assert_int_equal(sheet_row_build(flipkart, "E2", values, &row, NULL), KR_OK);
    w = validate(flipkart, row);
    assert_non_null(find_warn(w, "Pearl Grade", "pearls_disagree"));
    assert_non_null(find_warn(w, "Height (mm)", "implausible_number"));
    assert_non_null(find_warn(w, "Search Keywords", "too_many_keywords"));
    assert_string_equal(sheet_problem_severity("needs_review"), "review");
    assert_string_equal(sheet_problem_severity("pearls_disagree"), "error");
    json_decref(w);
    json_decref(row);
    json_decref(values);

    /* Amazon: one title word at most twice ("and", "with" ... aside) */
    row = good_row();
    json_object_set_new(row, "item_name",
                        json_string("Gold Jhumka Earrings with Gold Beads and Gold Pearl Drops"));
    w = validate(amazon, row);
    assert_non_null(find_warn(w, "item_name", "title_word_repeats"));
    json_decref(w);
    json_decref(row);

    /* a clean row scores 100 */
    row = good_row();
    w = validate(amazon, row);
    assert_int_equal(sheet_row_score(w, &failed), 100);
    assert_false(failed);
    json_decref(w);
    json_decref(row);
}

/* Issue 12 §3: a row against the photo's analysis. */
static void test_against_analysis(void **state)
{
    (void)state;
    json_t *values =
        json_pack("{s:s, s:s, s:s, s:s}", "Pearl Type", "Freshwater", "Type", "Stud Earring",
                  "Gemstone", "Ruby", "Description", "A light pair. Brass base.");
    json_t *row = NULL, *w = json_array(),
           *a = json_pack("{s:i, s:i, s:s}", "pearls", 0, "stones", 0, "shape", "hoop");
    assert_int_equal(sheet_row_build(flipkart, "E3", values, &row, NULL), KR_OK);
    assert_int_equal(sheet_check_analysis(flipkart, row, a, w), KR_OK);
    assert_non_null(find_warn(w, "Pearl Type", "pearls_disagree"));
    assert_non_null(find_warn(w, "Type", "type_disagrees"));
    assert_non_null(find_warn(w, "Gemstone", "stones_disagree"));
    json_decref(w);
    /* agreeing analysis, or none: nothing to say */
    w = json_array();
    json_decref(a);
    a = json_pack("{s:i, s:i, s:s}", "pearls", 2, "stones", 1, "shape", "stud");
    assert_int_equal(sheet_check_analysis(flipkart, row, a, w), KR_OK);
    assert_int_equal(sheet_check_analysis(flipkart, row, NULL, w), KR_OK);
    assert_int_equal(json_array_size(w), 0);
    json_decref(w);
    json_decref(a);
    json_decref(row);
    json_decref(values);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_row_is_clean),
        cmocka_unit_test(test_allowed_values),
        cmocka_unit_test(test_title_and_description_limits),
        cmocka_unit_test(test_search_terms_bytes),
        cmocka_unit_test(test_required_and_bullets),
        cmocka_unit_test(test_forbidden_unknown_and_junk),
        cmocka_unit_test(test_meesho_and_flipkart),
        cmocka_unit_test(test_content_rules),
        cmocka_unit_test(test_against_analysis),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
