/*
 * fuzz_market.c - libFuzzer target: every marketplace page parser
 * (src/market) on arbitrary bytes: search pages of Amazon, Flipkart and
 * Myntra, product pages of all three, Amazon's offer listing, and the
 * blocked-page check.
 *
 * Checks: a failure names a slug; a success leaves every string field
 * NUL-terminated inside its array (read here so ASan sees it), numbers
 * either NAN or in range (prices >= 0, discount 0-100, rating 0-5), counts
 * >= -1, and search positions that agree with the sponsored flags (slots
 * 1..n, organic and sponsored positions each counting up from 1).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "market/market.h"

#define FIELD_OK(f) (memchr((f), 0, sizeof(f)) != NULL && strlen(f) < sizeof(f))

static void check_item(const struct market_item *it)
{
    if (!FIELD_OK(it->id) || !FIELD_OK(it->pid) || !FIELD_OK(it->title) || !FIELD_OK(it->url) ||
        !FIELD_OK(it->brand) || !FIELD_OK(it->rank) || !FIELD_OK(it->seller))
        abort();
    if (!isnan(it->price) && !(it->price >= 0))
        abort();
    if (!isnan(it->mrp) && !(it->mrp >= 0))
        abort();
    if (!isnan(it->discount) && !(it->discount >= 0 && it->discount <= 100))
        abort();
    if (!isnan(it->rating) && !(it->rating >= 0 && it->rating <= 5))
        abort();
    if (it->reviews < -1 || it->offers < -1)
        abort();
}

static void check_search(const struct market_search *s)
{
    int organic = 0, sponsored = 0;
    if (s->n < 0 || s->n > MARKET_ITEMS_MAX || (s->n > 0 && !s->items) || s->page < 1)
        abort();
    for (int i = 0; i < s->n; i++) {
        const struct market_item *it = &s->items[i];
        check_item(it);
        if (it->slot != i + 1)
            abort();
        if (it->sponsored ? it->sponsored_position != ++sponsored || it->position != 0
                          : it->position != ++organic || it->sponsored_position != 0)
            abort();
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    xmlInitParser();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    const char *html = (const char *)data;
    char why[64];

    for (int site = 0; site < MARKET_SITE_COUNT; site++) {
        struct kr_err err = {0};
        struct market_search s;
        struct market_item it;

        if (market_parse_search(site, html, n, &s, &err) == KR_OK)
            check_search(&s);
        else if (!err.slug || s.items)
            abort();
        market_search_free(&s);
        memset(&err, 0, sizeof err);
        if (market_parse_product(site, html, n, &it, &err) == KR_OK)
            check_item(&it);
        else if (!err.slug)
            abort();
    }
    {
        struct kr_err err = {0};
        int count;
        if (market_parse_offers(html, n, &count, &err) == KR_OK ? count < 0 : !err.slug)
            abort();
    }
    if (market_is_blocked(html, n, why, sizeof why) && !FIELD_OK(why))
        abort();
    return 0;
}
