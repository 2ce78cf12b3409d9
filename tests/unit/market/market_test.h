/*
 * market_test.h - what the market parser tests share: reading a fixture
 * page from tests/data/market (under $KARAT_SOURCE_DIR, else the working
 * folder) and parsing it in one call.
 */
#ifndef KARAT_TEST_MARKET_TEST_H
#define KARAT_TEST_MARKET_TEST_H

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#include "market/market.h"

/* The fixture's bytes (malloc'd, NUL-terminated); the test fails if absent. */
static inline char *mt_load(const char *name, size_t *len)
{
    const char *src = getenv("KARAT_SOURCE_DIR");
    char path[1024];
    unsigned char *data;

    snprintf(path, sizeof path, "%s/tests/data/market/%s", src ? src : ".", name);
    data = tu_read_file(path, len);
    if (!data)
        fail_msg("fixture %s is missing", path);
    return (char *)data;
}

static inline enum kr_code mt_search(enum market_site site, const char *name,
                                     struct market_search *out, struct kr_err *err)
{
    size_t len;
    char *html = mt_load(name, &len);
    enum kr_code rc = market_parse_search(site, html, len, out, err);
    free(html);
    return rc;
}

static inline enum kr_code mt_product(enum market_site site, const char *name,
                                      struct market_item *out, struct kr_err *err)
{
    size_t len;
    char *html = mt_load(name, &len);
    enum kr_code rc = market_parse_product(site, html, len, out, err);
    free(html);
    return rc;
}

#endif
