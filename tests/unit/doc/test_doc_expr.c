/*
 * test_doc_expr.c - the /further_req filter language (doc_expr_*) and
 * doc_refine(): which rows and columns stay, and what a bad filter says;
 * column names match ignoring case and spaces (inner ones too).
 */
#include "testutil.h"

#include <string.h>

#include "doc/doc.h"

static struct doc_table t;

static int setup(void **state)
{
    json_error_t je;
    json_t *r = json_loads(
        "[{\"Description\":\"Gold "
        "Ring\",\"Purity\":\"22K\",\"Qty\":\"2\",\"Amount\":\"\xe2\x82\xb9 "
        "1,23,456.50\"},"
        "{\"Description\":\"Silver Chain\",\"Purity\":\"925\",\"Qty\":\"1\",\"Amount\":\"Rs. "
        "900/-\"},"
        "{\"Description\":\"gold earring "
        "(pair)\",\"Purity\":\"916\",\"Qty\":\"3\",\"Amount\":\"12,000\"},"
        "{\"Description\":\"Diamond Ring\",\"Purity\":\"18K\",\"Qty\":\"1\",\"Amount\":\"\"}]",
        0, &je);
    struct kr_err err = {0};
    (void)state;
    assert_int_equal(doc_table_from_json(r, NULL, &t, &err), KR_OK);
    json_decref(r);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    doc_table_free(&t);
    return 0;
}

/* The rows text keeps, as a bit mask (row 0 = bit 0). */
static unsigned rows(const char *text)
{
    struct doc_expr *e;
    struct kr_err err = {0};
    unsigned m = 0;

    if (doc_expr_parse(text, &t, &e, &err))
        fail_msg("\"%s\": %s", text, err.msg);
    for (size_t r = 0; r < t.nrows; r++)
        m |= (unsigned)doc_expr_match(e, &t, r) << r;
    doc_expr_free(e);
    return m;
}

static void bad(const char *text, const char *says)
{
    struct doc_expr *e = NULL;
    struct kr_err err = {0};

    assert_int_equal(doc_expr_parse(text, &t, &e, &err), KR_EINVAL);
    assert_null(e);
    assert_string_equal(err.slug, "bad_filter");
    if (!strstr(err.msg, says))
        fail_msg("\"%s\": \"%s\" lacks \"%s\"", text, err.msg, says);
}

static void test_filters(void **state)
{
    (void)state;
    assert_int_equal(rows("Amount > 1000"), 0x5);
    assert_int_equal(rows("amount>=12000"), 0x5);
    assert_int_equal(rows("Amount > \xe2\x82\xb9"
                          "1,00,000"),
                     0x1);
    assert_int_equal(rows("Amount < 1000"), 0x2); /* a blank amount is no number */
    assert_int_equal(rows("Description contains ring"), 0xd);
    assert_int_equal(rows("Description contains \"(pair)\""), 0x4);
    assert_int_equal(rows("Purity = 22K and Qty >= 2"), 0x5); /* 916 is 22K */
    assert_int_equal(rows("Purity = 22K and Qty >= 3"), 0x4);
    assert_int_equal(rows("purity = 18k or purity = 925"), 0xa);
    assert_int_equal(rows("not (Description contains gold)"), 0xa);
    assert_int_equal(rows("NOT Description contains gold AND Qty = 1"), 0xa);
    assert_int_equal(rows("(Qty = 1 or Qty = 3) and not Purity != 916"), 0x4);
    assert_int_equal(rows("Description = 'silver chain'"), 0x2);
    assert_int_equal(rows("`Description` = diamond ring"), 0x8);
    assert_int_equal(rows("Qty <> 1"), 0x5);
}

static void test_errors(void **state)
{
    (void)state;
    bad("Amout > 1000", "no column \"Amout\" at character 1 "); /* where the name starts */
    bad("Qty = 1 and Colour = red", "no column \"Colour\" at character 13 ");
    bad("Amount 1000", "an operator");
    bad("Amount between 1 and 2", "after \"Amount\" at character 8 "); /* at "between" */
    bad("Amount >", "a value was expected");
    bad("Amount > lots", "a number was expected");
    bad("(Qty = 1", "a closing bracket");
    bad("Qty = 1)", "without an opening one");
    bad("Qty = 1 Qty = 2", "\"and\" or \"or\" was expected");
    bad("Description = \"ring", "an unclosed quote");
    bad("", "ends too early");
    bad("show me the expensive ones", "no column \"show me the expensive ones\"");
    char deep[200];
    memset(deep, '(', 100);
    strcpy(deep + 100, "Qty = 1");
    bad(deep, "too deep");
}

static void test_refine(void **state)
{
    struct doc_table out;
    struct kr_err err = {0};
    (void)state;
    assert_int_equal(doc_refine(&t, " amount , DESCRIPTION", "Qty >= 2", &out, &err), KR_OK);
    assert_int_equal(out.ncols, 2);
    assert_string_equal(out.headers[0], "Amount");
    assert_string_equal(out.headers[1], "Description");
    assert_int_equal(out.nrows, 2);
    assert_string_equal(doc_cell_at(&out, 1, 1)->text, "gold earring (pair)");
    doc_table_free(&out);
    assert_int_equal(doc_refine(&t, "all", "", &out, &err), KR_OK);
    assert_int_equal(out.ncols, 4);
    assert_int_equal(out.nrows, 4);
    doc_table_free(&out);
    assert_int_equal(doc_refine(&t, "Amount, Weight", NULL, &out, &err), KR_EINVAL);
    assert_non_null(strstr(err.msg, "no column \"Weight\""));
    assert_int_equal(doc_refine(&t, " , ,", NULL, &out, &err), KR_EINVAL); /* not a row of {} */
    assert_string_equal(err.slug, "bad_filter");
    assert_non_null(strstr(err.msg, "no column named"));
    assert_int_equal(doc_refine(&t, "", "Qty > 10", &out, &err), KR_OK);
    assert_int_equal(out.nrows, 0);
    assert_int_equal(out.ncols, 4);
    doc_table_free(&out);
}

/* Column names are matched ignoring case and spaces, in `columns` and in
 * the filter alike: "netwt" and "NET WT" both name "Net Wt". */
static void test_names_ignore_spaces(void **state)
{
    json_t *r = json_loads("[{\"Item\":\"Ring\",\"Net Wt\":\"4.5 g\",\"HSN Code\":\"7113\"},"
                           "{\"Item\":\"Chain\",\"Net Wt\":\"12.1 g\",\"HSN Code\":\"7113\"}]",
                           0, NULL);
    struct doc_table in, out;
    struct kr_err err = {0};
    (void)state;
    assert_non_null(r);
    assert_int_equal(doc_table_from_json(r, NULL, &in, &err), KR_OK);
    json_decref(r);
    assert_int_equal(doc_refine(&in, "netwt, HSNCODE", "NET WT > 5", &out, &err), KR_OK);
    assert_int_equal(out.ncols, 2);
    assert_string_equal(out.headers[0], "Net Wt");
    assert_string_equal(out.headers[1], "HSN Code");
    assert_int_equal(out.nrows, 1);
    assert_string_equal(doc_cell_at(&out, 0, 0)->text, "12.1 g");
    doc_table_free(&out);
    doc_table_free(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_refine),
        cmocka_unit_test(test_names_ignore_spaces),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
