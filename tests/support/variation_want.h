/*
 * variation_want.h - the expected sheet rows of the variation families the
 * catalog tests send (unit tests through the pipeline, API tests through the
 * server), so both check the same thing: a row per parent (photo < 0) and
 * per child SKU, in sheet order, with the family code (parent SKU), the
 * Amazon theme and the child's size (NULL: the sheet's fixed size).
 */
#ifndef KARAT_TESTS_VARIATION_WANT_H
#define KARAT_TESTS_VARIATION_WANT_H

#include <stddef.h>

struct want {
    const char *sku;
    int photo; /* index of the photo the child was sent with; -1 for a parent row */
    const char *family, *theme, *size;
};

/* SKUs ER7-RED,ER7-BLUE | ER8-S,M,L | CS-R-S,M,L,CS-G-S,M,L; group sizes
 * 2,3,6; color,size,colorsize; sizes S,M,L; five photos. */
static const struct want vw_standard[] = {
    {"ER7", -1, "ER7", "ColorName", NULL},          {"ER7-RED", 0, "ER7", "ColorName", NULL},
    {"ER7-BLUE", 1, "ER7", "ColorName", NULL},      {"ER8", -1, "ER8", "SizeName", NULL},
    {"ER8-S", 2, "ER8", "SizeName", "S"},           {"ER8-M", 2, "ER8", "SizeName", "M"},
    {"ER8-L", 2, "ER8", "SizeName", "L"},           {"CS", -1, "CS", "SizeName-ColorName", NULL},
    {"CS-R-S", 3, "CS", "SizeName-ColorName", "S"}, {"CS-R-M", 3, "CS", "SizeName-ColorName", "M"},
    {"CS-R-L", 3, "CS", "SizeName-ColorName", "L"}, {"CS-G-S", 4, "CS", "SizeName-ColorName", "S"},
    {"CS-G-M", 4, "CS", "SizeName-ColorName", "M"}, {"CS-G-L", 4, "CS", "SizeName-ColorName", "L"},
};
#define VW_STANDARD_SKUS                                                                           \
    "ER7-RED,ER7-BLUE,ER8-S,ER8-M,ER8-L,CS-R-S,CS-R-M,CS-R-L,CS-G-S,CS-G-M,CS-G-L"

/* SKUs ER8-S,M,L | CS-R-S,M,L; group sizes 3,3; size,colorsize; two photos
 * (one colour in the colorsize family, so its code is "CS-R"). */
static const struct want vw_sized[] = {
    {"ER8", -1, "ER8", "SizeName", NULL},
    {"ER8-S", 0, "ER8", "SizeName", "S"},
    {"ER8-M", 0, "ER8", "SizeName", "M"},
    {"ER8-L", 0, "ER8", "SizeName", "L"},
    {"CS-R", -1, "CS-R", "SizeName-ColorName", NULL},
    {"CS-R-S", 1, "CS-R", "SizeName-ColorName", "S"},
    {"CS-R-M", 1, "CS-R", "SizeName-ColorName", "M"},
    {"CS-R-L", 1, "CS-R", "SizeName-ColorName", "L"},
};
#define VW_SIZED_SKUS "ER8-S,ER8-M,ER8-L,CS-R-S,CS-R-M,CS-R-L"

/* SKUs ER9-RED,ER9-BLUE; one colour family of two photos (sent after vw_sized). */
static const struct want vw_coloured[] = {{"ER9", -1, "ER9", "ColorName", NULL},
                                          {"ER9-RED", 0, "ER9", "ColorName", NULL},
                                          {"ER9-BLUE", 1, "ER9", "ColorName", NULL}};
#define VW_COLOURED_SKUS "ER9-RED,ER9-BLUE"

#endif
