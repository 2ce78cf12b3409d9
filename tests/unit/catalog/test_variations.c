/*
 * test_variations.c - parent/child families, checked in the written .xlsx
 * cell by cell against what each marketplace's sheet needs:
 *   Amazon (earrings, necklace, bracelet): one parent row per family (SKU =
 *     the family code, parent_child=parent, the theme, nothing else: no
 *     price, no attributes), then its children (parent_child=child,
 *     relationship_type=variation, parent_sku, variation_theme, size_name
 *     per size, price) with the values of the photo they belong to;
 *   Flipkart/Shopsy: no parent row, children share the family code in
 *     Group ID; size families are refused (the sheet has no size column);
 *   Meesho: no parent row, sizes in Variation.
 * Also: groups -> photos and SKUs paired correctly, family codes never equal
 * a SKU, bad group arithmetic refused up front, and nothing carried over
 * from one request to the next (the original mutated global dicts).
 */
#include "pipeline_test.h"
#include "variation_want.h"

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

static enum kr_code var_input(struct pt *t, const char *mp, const char *type, struct var_in *v,
                              json_t **params, json_t **items, struct kr_err *err)
{
    struct catalog_var_req r = {
        {mp, type, v->refs, v->skus, 0, NULL, 0, NULL, NULL}, v->groups, v->cats, v->sizes};
    return catalog_variations_input(t->cat, &r, params, items, err);
}

static void make_photos(struct pt *t, char photos[5][700])
{
    char name[32];
    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof name, "photo%d.jpg", i);
        pt_photo(t, name, 10 + i, photos[i], 700);
    }
}

static void set_input(struct var_in *v, char photos[5][700], size_t nphotos,
                      const char *const *skus, size_t nskus, const int *groups,
                      const char *const *cats, size_t ngroups)
{
    static const char *sizes[] = {"S", "M", "L"};
    const char *refs[5];
    for (size_t i = 0; i < nphotos; i++)
        refs[i] = photos[i];
    v->refs = pt_strings(refs, nphotos);
    v->skus = pt_strings(skus, nskus);
    v->groups = ints(groups, ngroups);
    v->cats = pt_strings(cats, ngroups);
    v->sizes = pt_strings(sizes, 3);
}

/* Groups: colour (2 photos, 2 SKUs), size (1 photo, 3 SKUs), colorsize (2 photos x 3 sizes). */
static const char *std_skus[] = {"ER7-RED", "ER7-BLUE", "ER8-S",  "ER8-M",  "ER8-L", "CS-R-S",
                                 "CS-R-M",  "CS-R-L",   "CS-G-S", "CS-G-M", "CS-G-L"};
static const char *std_cats[] = {"color", "size", "colorsize"};
static const int std_groups[] = {2, 3, 6};

static void standard_input(struct var_in *v, char photos[5][700])
{
    set_input(v, photos, 5, std_skus, 11, std_groups, std_cats, 3);
}

/* The schema as the pipeline sees it (profile applied). */
static struct sheet_schema *schema_with(struct pt *t, const char *mp, const char *type,
                                        json_t *profile)
{
    struct sheet_schema *s = pt_schema(t, mp, type);
    if (profile)
        assert_int_equal(sheet_apply_profile(s, profile, NULL), KR_OK);
    return s;
}

/* Attributes of each photo as a plain catalog request writes them (SKUs
 * REF-i): the values a child of photo i must carry. */
static json_t *reference_rows(struct pt *t, const char *mp, const char *type, char photos[5][700])
{
    const char *refs[5], *skus[] = {"REF-0", "REF-1", "REF-2", "REF-3", "REF-4"};
    json_t *r, *s, *st, *out = json_array();
    size_t i;
    json_t *e;
    for (i = 0; i < 5; i++)
        refs[i] = photos[i];
    r = pt_strings(refs, 5);
    s = pt_strings(skus, 5);
    st = pt_catalog(t, mp, type, r, s, NULL, 0);
    assert_string_equal(pt_str(st, "status"), "done");
    json_array_foreach(json_object_get(json_object_get(st, "result"), "results"), i, e)
    {
        json_array_append(out, json_object_get(e, "attributes"));
    }
    assert_int_equal(json_array_size(out), 5);
    json_decref(st);
    json_decref(r);
    json_decref(s);
    return out;
}

/* What column c must hold in a row of w (first_child: the photo whose
 * title a parent row shows). */
static const char *expected_cell(const struct sheet_column *c, const struct want *w, json_t *ref,
                                 int first_child)
{
    if (w->photo < 0) { /* parent row: only its own columns */
        if (!c->parent)
            return "";
        if (c->variation == SHEET_VAR_PARENT_CHILD)
            return "parent";
        if (c->variation == SHEET_VAR_THEME)
            return w->theme;
        if (c->source == SHEET_SRC_SKU)
            return w->sku;
        if (c->source == SHEET_SRC_FIXED)
            return c->value;
        return pt_str(json_array_get(ref, (size_t)first_child), c->name);
    }
    switch (c->variation) {
    case SHEET_VAR_PARENT_CHILD:
        return "child";
    case SHEET_VAR_PARENT_SKU:
        return w->family;
    case SHEET_VAR_RELATIONSHIP:
        return "variation";
    case SHEET_VAR_THEME:
        return w->theme;
    case SHEET_VAR_SIZE:
        return w->size ? w->size : c->value;
    default:
        break;
    }
    if (c->source == SHEET_SRC_SKU)
        return w->sku;
    if (c->source == SHEET_SRC_FIXED)
        return c->value;
    return pt_str(json_array_get(ref, (size_t)w->photo), c->name);
}

/* Every cell of the data rows, in order; parent rows only where the sheet
 * has a parent_child column. Returns the number of rows checked. */
static int check_sheet(const char *path, const struct sheet_schema *s, const struct want *w,
                       size_t nw, json_t *ref)
{
    int row = sheet_first_data_row(s),
        parents = sheet_variation_column(s, SHEET_VAR_PARENT_CHILD) ? 1 : 0;
    for (size_t k = 0; k < nw; k++) {
        if (w[k].photo < 0 && !parents)
            continue;
        int first_child = k + 1 < nw ? w[k + 1].photo : 0;
        for (size_t i = 0; i < sheet_ncolumns(s); i++) {
            const struct sheet_column *c = sheet_column(s, i);
            pt_assert_cell(path, sheet_sheet_name(s), i, row,
                           expected_cell(c, &w[k], ref, first_child));
        }
        row++;
    }
    pt_assert_cell(path, sheet_sheet_name(s), 0, row, ""); /* nothing after the last row */
    return row - sheet_first_data_row(s);
}

/* The response pairs each child SKU with its own photo; entries are in
 * sheet order and each equals its sheet row. */
static void check_results(json_t *result, const struct sheet_schema *s, char photos[5][700],
                          const struct want *w, size_t nw, int parents)
{
    size_t k = 0, i;
    json_t *r;
    json_array_foreach(json_object_get(result, "results"), i, r)
    {
        json_t *a = json_object_get(r, "attributes");
        assert_non_null(a); /* parents and children alike */
        assert_non_null(json_object_get(r, "warnings"));
        while (k < nw && w[k].photo < 0 && !parents)
            k++;
        assert_true(k < nw);
        assert_string_equal(pt_str(a, "skuid"), w[k].sku);
        if (w[k].photo >= 0)
            assert_string_equal(pt_str(a, "filename"), photos[w[k].photo]);
        pt_assert_row(pt_str(result, "excel_file"), s, sheet_first_data_row(s) + (int)i, a);
        k++;
    }
    assert_int_equal(k, nw);
}

/* Run a variations job and return its result (status view in *st). */
static json_t *run_variations(struct pt *t, const char *mp, const char *type, struct var_in *v,
                              json_t **st)
{
    struct kr_err err = {0};
    json_t *params = NULL, *items = NULL;
    if (var_input(t, mp, type, v, &params, &items, &err))
        fail_msg("catalog_variations_input: %s", err.msg);
    *st = pt_run(t, CATALOG_VARIATIONS_JOB, params, items);
    assert_string_equal(pt_str(*st, "status"), "done");
    json_decref(params);
    json_decref(items);
    return json_object_get(*st, "result");
}

/* One pipeline, one marketplace sheet, five photos and their reference rows. */
struct fx {
    struct pt t;
    const char *mp, *type;
    struct sheet_schema *s; /* profile applied, as the pipeline sees it */
    char photos[5][700];
    json_t *ref;
};

static void fx_open(struct fx *f, const char *mp, const char *type, json_t *profile)
{
    pt_open(&f->t, 0, profile);
    f->mp = mp;
    f->type = type;
    f->s = schema_with(&f->t, mp, type, profile);
    make_photos(&f->t, f->photos);
    f->ref = reference_rows(&f->t, mp, type, f->photos);
}

static void fx_close(struct fx *f)
{
    json_decref(f->ref);
    sheet_schema_free(f->s);
    pt_close(&f->t);
}

/* Run v (freed) and check the response and every cell of the sheet against
 * w: nrows rows written, parent rows or not. */
static void fx_check(struct fx *f, struct var_in *v, const struct want *w, size_t nw, int nrows,
                     int parents)
{
    json_t *st, *result = run_variations(&f->t, f->mp, f->type, v, &st);
    assert_int_equal(json_integer_value(json_object_get(result, "rows")), nrows);
    assert_int_equal(json_is_true(json_object_get(result, "parent_rows")), parents);
    assert_int_equal(check_sheet(pt_str(result, "excel_file"), f->s, w, nw, f->ref), nrows);
    check_results(result, f->s, f->photos, w, nw, parents);
    json_decref(st);
    var_free(v);
}

/* Amazon: colour, size and colour+size families with parent rows, for each product type. */
static void test_amazon(void **state)
{
    static const char *types[] = {"earrings", "necklace", "bracelet"};
    json_t *profile = json_pack("{s:s}", "selling_price", "499");
    (void)state;

    for (int ty = 0; ty < 3; ty++) {
        struct fx f;
        struct var_in v;
        fx_open(&f, "amazon", types[ty], profile);
        standard_input(&v, f.photos);
        fx_check(&f, &v, vw_standard, 14, 14, 1);
        /* the values that matter, spelled out (check_sheet derives them) */
        assert_string_equal(sheet_find_column(f.s, "standard_price")->value, "499");
        assert_string_equal(sheet_find_column(f.s, "feed_product_type")->value, types[ty]);
        assert_string_equal(sheet_find_column(f.s, "size_name")->value, "Free");
        assert_true(sheet_find_column(f.s, "item_name")->parent);
        assert_false(sheet_find_column(f.s, "standard_price")->parent);
        assert_false(sheet_find_column(f.s, "part_number")->parent);
        /* the photos differ, so the pairing checks above can fail */
        assert_string_not_equal(pt_str(json_array_get(f.ref, 0), "color_map"),
                                pt_str(json_array_get(f.ref, 1), "color_map"));
        fx_close(&f);
    }
    json_decref(profile);
}

/* Flipkart and Shopsy: no parent rows; children of a family share its code in Group ID. */
static void test_flipkart_shopsy(void **state)
{
    static const char *mps[] = {"flipkart", "shopsy"};
    static const char *skus[] = {"ER7-RED", "ER7-BLUE", "NK-1", "NK-2", "NK-3"};
    static const char *cats[] = {"color", "color"};
    static const int groups[] = {2, 3};
    static const struct want rows[] = {
        {"ER7", -1, "ER7", "ColorName", NULL},     {"ER7-RED", 0, "ER7", "ColorName", NULL},
        {"ER7-BLUE", 1, "ER7", "ColorName", NULL}, {"NK", -1, "NK", "ColorName", NULL},
        {"NK-1", 2, "NK", "ColorName", NULL},      {"NK-2", 3, "NK", "ColorName", NULL},
        {"NK-3", 4, "NK", "ColorName", NULL}};
    (void)state;

    for (int m = 0; m < 2; m++) {
        struct fx f;
        struct var_in v;
        struct kr_err err = {0};
        json_t *params = NULL, *items = NULL;

        fx_open(&f, mps[m], "earrings", NULL);
        assert_string_equal(sheet_variation_column(f.s, SHEET_VAR_PARENT_SKU)->name, "Group ID");
        /* the reference (standalone) rows have no Group ID */
        assert_string_equal(pt_str(json_array_get(f.ref, 0), "Group ID"), "");
        set_input(&v, f.photos, 5, skus, 5, groups, cats, 2);
        fx_check(&f, &v, rows, 7, 5, 0);
        /* size families: the sheet has no size column, so the rows would differ only by SKU */
        standard_input(&v, f.photos);
        assert_int_equal(var_input(&f.t, mps[m], "earrings", &v, &params, &items, &err), KR_EINVAL);
        assert_string_equal(err.slug, "bad_variation");
        assert_non_null(strstr(err.msg, "no size column"));
        assert_null(params);
        assert_null(items);
        var_free(&v);
        fx_close(&f);
    }
}

/* Meesho: no parent rows and no family column; each size goes to Variation. */
static void test_meesho(void **state)
{
    struct fx f;
    struct var_in v;
    (void)state;

    fx_open(&f, "meesho", "earrings", NULL);
    assert_string_equal(sheet_variation_column(f.s, SHEET_VAR_SIZE)->name, "Variation");
    assert_null(sheet_variation_column(f.s, SHEET_VAR_PARENT_SKU));
    standard_input(&v, f.photos);
    fx_check(&f, &v, vw_standard, 14, 11, 0);
    /* colour children keep the fixed "Free size" */
    assert_string_equal(sheet_find_column(f.s, "Variation")->value, "Free size");
    fx_close(&f);
}

/* Two requests in a row on one pipeline: the second (a colour family, then
 * a plain catalog request) inherits neither the theme nor the sizes of the
 * first (size and colour+size families). */
static void test_no_shared_state(void **state)
{
    static const char *skus1[] = {"ER8-S", "ER8-M", "ER8-L", "CS-R-S", "CS-R-M", "CS-R-L"};
    static const char *cats1[] = {"size", "colorsize"};
    static const int groups1[] = {3, 3};
    static const char *skus2[] = {"ER9-RED", "ER9-BLUE"};
    static const char *cats2[] = {"color"};
    static const int groups2[] = {2};
    static const struct want plain = {"PLAIN-1", 0, "", "", NULL};
    struct fx f;
    struct var_in v;
    (void)state;

    fx_open(&f, "amazon", "earrings", NULL);
    set_input(&v, f.photos, 2, skus1, 6, groups1, cats1, 2);
    fx_check(&f, &v, vw_sized, 8, 8, 1);
    set_input(&v, f.photos, 2, skus2, 2, groups2, cats2, 1);
    fx_check(&f, &v, vw_coloured, 3, 3, 1);
    {
        const char *one[] = {f.photos[0]}, *sku[] = {"PLAIN-1"};
        json_t *refs = pt_strings(one, 1), *skus = pt_strings(sku, 1), *st;
        st = pt_catalog(&f.t, "amazon", "earrings", refs, skus, NULL, 0);
        /* a standalone row: every variation column blank, size_name its fixed "Free" */
        for (size_t i = 0; i < sheet_ncolumns(f.s); i++) {
            const struct sheet_column *c = sheet_column(f.s, i);
            pt_assert_cell(pt_str(json_object_get(st, "result"), "excel_file"),
                           sheet_sheet_name(f.s), i, sheet_first_data_row(f.s),
                           c->variation ? c->value : expected_cell(c, &plain, f.ref, 0));
        }
        assert_string_equal(sheet_find_column(f.s, "parent_child")->value, "");
        json_decref(st);
        json_decref(refs);
        json_decref(skus);
    }
    fx_close(&f);
}

/* The family code is the SKUs' common prefix (whole characters, no trailing
 * separator) unless that is too short or a SKU of the request. */
static void test_family_codes(void **state)
{
    static const struct {
        const char *a, *b, *want;
    } cases[] = {
        {"ER7-A", "ER7", "ER7-A-P"},                     /* the prefix is the second SKU */
        {"AB-1", "AB-2", "AB-1-P"},                      /* "AB" is the other group's SKU */
        {"A\xc3\x89-1", "A\xc3\x8a-1", "A\xc3\x89-1-P"}, /* "A\xc3" is half a character */
        {"\xc3\xa9t\xc3\xa9-1", "\xc3\xa9t\xc3\xa9-2", "\xc3\xa9t\xc3\xa9"},
        {"X1", "Y1", "X1-P"},
    };
    static const char *cats[] = {"color", "color"};
    static const int groups[] = {2, 1};
    struct pt t;
    char photos[5][700];
    (void)state;

    pt_open(&t, 0, NULL);
    make_photos(&t, photos);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *skus[] = {cases[i].a, cases[i].b, "AB"};
        struct var_in v;
        struct kr_err err = {0};
        json_t *params = NULL, *items = NULL;
        set_input(&v, photos, 3, skus, 3, groups, cats, 2);
        assert_int_equal(var_input(&t, "amazon", "earrings", &v, &params, &items, &err), KR_OK);
        assert_string_equal(
            pt_str(json_array_get(json_object_get(params, "groups"), 0), "parent_sku"),
            cases[i].want);
        assert_string_equal(
            pt_str(json_array_get(json_object_get(params, "groups"), 1), "parent_sku"), "AB-P");
        json_decref(params);
        json_decref(items);
        var_free(&v);
    }
    { /* two families with one prefix: the second gets its own code */
        const char *skus[] = {"ER7-RED", "ER7-BLUE", "ER7-GREEN", "ER7-PINK"};
        static const int two[] = {2, 2};
        struct var_in v;
        struct kr_err err = {0};
        json_t *params = NULL, *items = NULL, *groups;
        set_input(&v, photos, 4, skus, 4, two, cats, 2);
        assert_int_equal(var_input(&t, "amazon", "earrings", &v, &params, &items, &err), KR_OK);
        groups = json_object_get(params, "groups");
        assert_string_equal(pt_str(json_array_get(groups, 0), "parent_sku"), "ER7");
        assert_string_equal(pt_str(json_array_get(groups, 1), "parent_sku"), "ER7-GREEN-P");
        json_decref(params);
        json_decref(items);
        var_free(&v);
    }
    pt_close(&t);
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
    make_photos(&t, photos);
    standard_input(&v, photos);
    json_decref(v.groups);
    v.groups = ints(wrong_sum, 3); /* colorsize 5 is not colours x 3 sizes */
    assert_int_equal(var_input(&t, "amazon", "earrings", &v, &params, &items, &err), KR_EINVAL);
    json_decref(v.groups);
    v.groups = ints(size_mismatch, 3); /* a size group needs one SKU per size */
    assert_int_equal(var_input(&t, "amazon", "earrings", &v, &params, &items, &err), KR_EINVAL);
    assert_null(params);
    assert_null(items);
    json_decref(v.groups);
    v.groups = ints(wrong_sum, 2); /* fewer groups than categories */
    assert_int_equal(var_input(&t, "amazon", "earrings", &v, &params, &items, &err), KR_EINVAL);
    json_decref(v.cats);
    {
        const char *bad[] = {"color", "shape", "colorsize"};
        v.cats = pt_strings(bad, 3);
        json_decref(v.groups);
        v.groups = ints(std_groups, 3);
    }
    assert_int_equal(var_input(&t, "amazon", "earrings", &v, &params, &items, &err), KR_EINVAL);
    assert_string_equal(err.slug, "bad_variation");
    json_decref(v.cats);
    v.cats = pt_strings(std_cats, 3);
    json_array_set_new(v.skus, 4, json_string("ER8-S")); /* a SKU twice */
    assert_int_equal(var_input(&t, "amazon", "earrings", &v, &params, &items, &err), KR_EINVAL);
    assert_string_equal(err.slug, "duplicate_sku");
    json_array_set_new(v.skus, 4, json_string("ER8-L")); /* and fixed again: accepted */
    assert_int_equal(var_input(&t, "amazon", "earrings", &v, &params, &items, &err), KR_OK);
    json_decref(params);
    json_decref(items);
    var_free(&v);
    pt_close(&t);
}

/* The seller's height / width reach every child row of a family (as in a
 * plain catalog request): the items carry them and the rows fill
 * item_height / item_width from them. */
static void test_given_sizes(void **state)
{
    struct pt t;
    struct var_in v;
    char photos[5][700];
    struct kr_err err = {0};
    json_t *params = NULL, *items = NULL, *sizes = json_array(), *st, *res;
    (void)state;

    pt_open(&t, 0, NULL);
    make_photos(&t, photos);
    standard_input(&v, photos);
    for (int i = 0; i < 5; i++)
        json_array_append_new(sizes, json_pack("{s:f, s:f}", "height_mm", 32.0, "width_mm", 18.0));
    struct catalog_var_req r = {
        {"amazon", "earrings", v.refs, v.skus, 0, NULL, 0, NULL, sizes}, v.groups, v.cats, v.sizes};
    assert_int_equal(catalog_variations_input(t.cat, &r, &params, &items, &err), KR_OK);
    for (size_t i = 0; i < json_array_size(items); i++)
        assert_true(json_real_value(json_object_get(json_array_get(items, i), "height_mm")) == 32.0);
    st = pt_run(&t, CATALOG_VARIATIONS_JOB, params, items);
    assert_string_equal(pt_str(st, "status"), "done");
    res = json_object_get(json_object_get(st, "result"), "results");
    assert_true(json_array_size(res) > 0);
    size_t children = 0;
    for (size_t i = 0; i < json_array_size(res); i++) {
        json_t *a = json_object_get(json_array_get(res, i), "attributes");
        const char *pc = json_string_value(json_object_get(a, "parent_child"));
        if (pc && !strcasecmp(pc, "parent"))
            continue; /* a parent row carries only the family's columns */
        assert_string_equal(pt_str(a, "item_height"), "3.2");
        assert_string_equal(pt_str(a, "item_width"), "1.8");
        children++;
    }
    assert_int_equal(children, 11); /* one row per SKU */
    json_decref(st);
    json_decref(params);
    json_decref(items);
    json_decref(sizes);
    var_free(&v);
    pt_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amazon),       cmocka_unit_test(test_flipkart_shopsy),
        cmocka_unit_test(test_meesho),       cmocka_unit_test(test_no_shared_state),
        cmocka_unit_test(test_family_codes), cmocka_unit_test(test_bad_groups),
        cmocka_unit_test(test_given_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
