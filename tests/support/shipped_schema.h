/*
 * shipped_schema.h - the sheet tests' one way to load a schema shipped in
 * data/marketplaces (under KARAT_SOURCE_DIR, which ctest sets, else the
 * current directory). Header-only: the support library does not link the
 * sheet module, the sheet tests do.
 */
#ifndef KARAT_TEST_SHIPPED_SCHEMA_H
#define KARAT_TEST_SHIPPED_SCHEMA_H

#include <stdio.h>
#include <stdlib.h>

#include "sheet/sheet.h"

/* mp's schema for product type into *out: KR_OK or the loader's code. */
static inline int tu_shipped_schema(const char *mp, const char *type, struct sheet_schema **out)
{
    const char *src = getenv("KARAT_SOURCE_DIR");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/data/marketplaces", src ? src : ".");
    return sheet_schema_load(dir, mp, type, out, NULL);
}

#endif
