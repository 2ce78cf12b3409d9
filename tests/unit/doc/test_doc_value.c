/*
 * test_doc_value.c - doc_parse_value(): printed bill strings -> values
 * (Indian grouping, currency marks, "/-", percent, weights, purity, HSN),
 * and the table's wire form (doc_table_from_json's shape and bounds).
 */
#include "testutil.h"

#include <math.h>
#include <string.h>

#include "doc/doc.h"

static void want(const char *text, enum doc_kind kind, double num)
{
    struct doc_value v;

    doc_parse_value(text, &v);
    if (v.kind != kind || fabs(v.num - num) > 1e-9)
        fail_msg("\"%s\": kind %d num %g, want kind %d num %g", text, v.kind, v.num, kind, num);
}

static void test_money_and_numbers(void **state)
{
    (void)state;
    want("\xe2\x82\xb9"
         "1,23,456.50",
         DOC_MONEY, 123456.50);
    want("\xe2\x82\xb9 2,579.90", DOC_MONEY, 2579.90);
    want("Rs. 1,200/-", DOC_MONEY, 1200);
    want("Rs 50", DOC_MONEY, 50);
    want("INR 12,34,567", DOC_MONEY, 1234567);
    want("500/-", DOC_MONEY, 500);
    want("$2,579.90", DOC_MONEY, 2579.90);
    want("1500 INR", DOC_MONEY, 1500);
    want("-\xe2\x82\xb9"
         "0.40",
         DOC_MONEY, -0.40);
    want("(1,200.00)", DOC_NUMBER, -1200);
    want("  2 ", DOC_NUMBER, 2);
    want("0450", DOC_NUMBER, 450);
    want("1,234.5", DOC_NUMBER, 1234.5);
    want("3%", DOC_PERCENT, 3);
    want("1.5 %", DOC_PERCENT, 1.5);
    want("", DOC_EMPTY, 0);
    want("   ", DOC_EMPTY, 0);
    want("HC ED VISIT LEVEL 4", DOC_TEXT, 0);
    want("10/10/21", DOC_TEXT, 0);
    want("1,2,", DOC_TEXT, 0);
    want("12abc", DOC_TEXT, 0);
    want("Rs.", DOC_TEXT, 0);
    want("5 g/-", DOC_TEXT, 0); /* a weight is not money */
    /* a comma the OCR read as a space before the last group, after a comma */
    want("\xe2\x82\xb9"
         "9,49 849.45",
         DOC_MONEY, 949849.45);
    want("1,234 567", DOC_NUMBER, 1234567);
    want("2 500", DOC_TEXT, 0);        /* no comma before: two numbers, not one */
    want("1,000 2500", DOC_TEXT, 0);   /* four digits after the space */
    want("1,000 250 g", DOC_TEXT, 0);  /* another group follows */
    want("1,000 25", DOC_TEXT, 0);     /* two digits: not a group */
}

static void test_weights_purity_hsn(void **state)
{
    struct doc_value v;
    (void)state;
    want("10.5 g", DOC_WEIGHT, 10.5);
    want("10.500gms", DOC_WEIGHT, 10.5);
    want("250 mg", DOC_WEIGHT, 0.25);
    want("1.5 ct", DOC_WEIGHT, 0.3);
    want("22K", DOC_PURITY, 916);
    want("18 KT", DOC_PURITY, 750);
    want("24 karat", DOC_PURITY, 999);
    want("22 ct", DOC_PURITY, 916); /* a whole karat count in ct is purity */
    want("17K", DOC_TEXT, 0);
    want("HSN 7113", DOC_HSN, 7113);
    want("HSN: 711319", DOC_HSN, 711319);
    want("HSN/SAC 7117", DOC_HSN, 7117);
    want("HSN 71", DOC_TEXT, 0);
    doc_parse_value("916", &v);
    assert_int_equal(doc_purity_fineness(&v), 916);
    doc_parse_value("22K", &v);
    assert_int_equal(doc_purity_fineness(&v), 916);
    doc_parse_value("750", &v); /* the bare 18K hallmark, and the others */
    assert_int_equal(doc_purity_fineness(&v), 750);
    doc_parse_value("585", &v);
    assert_int_equal(doc_purity_fineness(&v), 585);
    doc_parse_value("999", &v);
    assert_int_equal(doc_purity_fineness(&v), 999);
    doc_parse_value("917", &v);
    assert_int_equal(doc_purity_fineness(&v), 0);
    doc_parse_value("750.5", &v);
    assert_int_equal(doc_purity_fineness(&v), 0);
    assert_true(doc_hsn_jewellery("7113"));
    assert_true(doc_hsn_jewellery("HSN 71171900"));
    assert_false(doc_hsn_jewellery("7114"));
    assert_false(doc_hsn_jewellery("711"));
    assert_false(doc_hsn_jewellery("711319001"));
}

static void test_table_json(void **state)
{
    json_error_t je;
    json_t *rows =
        json_loads("[{\"Item\":\"Ring\",\"Qty\":2},{\"Item\":\"Chain\",\"Wt\":\"5 g\"}]", 0, &je);
    json_t *extras = json_loads("{\"GSTIN\":\"27AAAAA0000A1Z5\",\"Total\":\"Rs. 100\"}", 0, &je);
    struct doc_table t, c;
    struct kr_err err = {0};
    json_t *back;
    (void)state;

    assert_int_equal(doc_table_from_json(rows, extras, &t, &err), KR_OK);
    assert_int_equal(t.ncols, 3);
    assert_int_equal(t.nrows, 2);
    assert_string_equal(t.headers[2], "Wt");
    assert_string_equal(doc_cell_at(&t, 0, 1)->text, "2");
    assert_string_equal(doc_cell_at(&t, 1, 1)->text, "");
    assert_int_equal(doc_cell_at(&t, 1, 2)->v.kind, DOC_WEIGHT);
    assert_int_equal(doc_cell_at(&t, 0, 0)->conf, -1);
    assert_int_equal(t.nextras, 2);
    assert_int_equal(doc_table_copy(&t, &c, &err), KR_OK);
    back = doc_rows_json(&c);
    assert_string_equal(json_string_value(json_object_get(json_array_get(back, 1), "Wt")), "5 g");
    json_decref(back);
    back = doc_extras_json(&c);
    assert_string_equal(json_string_value(json_object_get(back, "Total")), "Rs. 100");
    json_decref(back);
    doc_table_free(&c);
    doc_table_free(&t);
    json_decref(rows);
    rows = json_loads("[{\"a\":[1]}]", 0, &je);
    assert_int_equal(doc_table_from_json(rows, NULL, &t, &err), KR_EINVAL);
    assert_non_null(strstr(err.msg, "row 0 column \"a\""));
    json_decref(rows);
    rows = json_loads("[1]", 0, &je);
    assert_int_equal(doc_table_from_json(rows, NULL, &t, &err), KR_EINVAL);
    json_decref(rows);
    assert_int_equal(doc_table_from_json(extras, NULL, &t, &err), KR_EINVAL);
    json_decref(extras);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_money_and_numbers),
        cmocka_unit_test(test_weights_purity_hsn),
        cmocka_unit_test(test_table_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
