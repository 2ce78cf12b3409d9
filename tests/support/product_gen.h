/*
 * product_gen.h - a generated products catalog with known attributes, for
 * the collection tests (tests/unit/product) and bench/collection.c.
 *
 * Product i (id "g<i>") has category, colour, price, created day and motif
 * fixed by i, so a test can tell what every filter must admit; names and
 * descriptions mix a motif word family (floral, celestial, ...) with
 * words that differ per piece. pg_motif(i) tells which family a piece is.
 */
#ifndef KARAT_PRODUCT_GEN_H
#define KARAT_PRODUCT_GEN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const pg_cats[] = {"earrings", "necklace", "ring", "bracelet"};
static const char *const pg_cols[] = {"gold", "silver", "rose gold"};
/* motif families: [family][word] */
static const char *const pg_motifs[][3] = {
    {"floral", "petal", "blossom"},   {"star", "moon", "celestial"},
    {"leaf", "vine", "botanical"},    {"geometric", "hexagon", "angular"},
    {"temple", "kundan", "heritage"}, {"plain", "sleek", "slim"},
};
static const char *const pg_adj[] = {"dainty",  "bold",    "classic",  "modern",
                                     "vintage", "bright",  "polished", "brushed",
                                     "layered", "twisted", "handmade"};
#define PG_NMOTIF 6

static inline int pg_motif(int i)
{
    return (i * 7 + i / 13) % PG_NMOTIF;
}
static inline const char *pg_cat(int i)
{
    return pg_cats[i % 4];
}
static inline const char *pg_col(int i)
{
    return pg_cols[(i / 4) % 3];
}
static inline int pg_price(int i)
{
    return 100 + (i * 37) % 4900;
}
/* created: day (i % 730) after 2024-01-01, as text */
static inline void pg_date(int i, char *out, size_t n)
{
    int d = i % 730, y = 2024, m = 1;
    static const int len[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (d >= 366) {
        d -= 366;
        y = 2025;
    }
    while (d >= len[m - 1] - (y == 2025 && m == 2)) {
        d -= len[m - 1] - (y == 2025 && m == 2);
        m++;
    }
    snprintf(out, n, "%04d-%02d-%02d", y, m, d + 1);
}

/* The JSON array text of n products (malloc'd). */
static inline char *pg_catalog(int n)
{
    size_t cap = (size_t)n * 400 + 16, len = 0;
    char *s = malloc(cap), date[16];
    len += (size_t)snprintf(s, cap, "[");
    for (int i = 0; i < n; i++) {
        const char *const *m = pg_motifs[pg_motif(i)];
        pg_date(i, date, sizeof date);
        len += (size_t)snprintf(
            s + len, cap - len,
            "%s{\"id\":\"g%d\",\"sku\":\"SKU%d\",\"product_name\":\"%s %s %s %s no%d\","
            "\"description\":\"%s %s piece with %s detail, batch%d\","
            "\"attributes\":{\"motif\":\"%s\",\"finish\":\"%s\"},\"color\":\"%s\","
            "\"category\":\"%s\",\"price\":%d,\"created_at\":\"%s\"}",
            i ? "," : "", i, i, pg_adj[i % 11], m[i % 3], pg_col(i), pg_cat(i), i,
            pg_adj[(i / 11) % 11], m[(i + 1) % 3], m[(i + 2) % 3], i / 50, m[0],
            pg_adj[(i / 3) % 11], pg_col(i), pg_cat(i), pg_price(i), date);
    }
    snprintf(s + len, cap - len, "]");
    return s;
}

#endif
