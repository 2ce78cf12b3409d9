/*
 * shipped_schema.h - the sheet tests' one way to load a schema shipped in
 * data/marketplaces (under KARAT_SOURCE_DIR, which ctest sets, else the
 * current directory). Header-only: the support library does not link the
 * sheet module, the sheet tests do.
 * Also the template tests' fixture: the Flipkart earrings schema in tu_fk,
 * loaded by tu_fk_setup / freed by tu_fk_teardown (cmocka group setup and
 * teardown), and tu_fk_one_row(), one row of it (SKU-1, Color Gold).
 */
#ifndef KARAT_TEST_SHIPPED_SCHEMA_H
#define KARAT_TEST_SHIPPED_SCHEMA_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "sheet/sheet.h"
#include "testutil.h"

/* mp's schema for product type into *out: KR_OK or the loader's code. */
static inline int tu_shipped_schema(const char *mp, const char *type, struct sheet_schema **out)
{
    const char *src = getenv("KARAT_SOURCE_DIR");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/data/marketplaces", src ? src : ".");
    return sheet_schema_load(dir, mp, type, out, NULL);
}

static struct sheet_schema *tu_fk;

static inline int tu_fk_setup(void **state)
{
    (void)state;
    return tu_shipped_schema("flipkart", "earrings", &tu_fk);
}

static inline int tu_fk_teardown(void **state)
{
    (void)state;
    sheet_schema_free(tu_fk);
    tu_fk = NULL;
    return 0;
}

/* Rows to fill with: one product, SKU-1, Color Gold (caller decrefs). */
static inline json_t *tu_fk_one_row(void)
{
    json_t *rows = json_array(), *row = NULL;
    json_t *v = json_pack("{s:s}", "Color", "Gold");
    assert_int_equal(sheet_row_build(tu_fk, "SKU-1", v, &row, NULL), KR_OK);
    json_array_append_new(rows, row);
    json_decref(v);
    return rows;
}

#endif
