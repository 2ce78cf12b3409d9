/*
 * amazon_search.c - an Amazon.in search results page.
 *
 * Amazon's search pages embed no structured data for their results, so
 * this reads markup, anchored on attributes rather than styling classes:
 * a result is a div[data-component-type="s-search-result"] with a
 * non-empty data-asin. Widgets (sponsored-brand carousels, "more results"
 * rows) are other components or have an empty data-asin, so they are not
 * results and take no position.
 *
 * A result is sponsored when any of Amazon's ad marks is on it: the
 * AdHolder class, a sponsored-label element (puis-/s-sponsored-label-*),
 * a "Sponsored" label, an "Sponsored Ad - " aria-label on the title, or a
 * link through the ad redirects (/sspa/click, slredirect). Organic
 * positions count organic results only, from 1 on each page.
 *
 * Titles come in two layouts: h2 > a > span (older) and a > h2 with the
 * brand in a separate h2 outside the link (2024). The page number is the
 * selected pagination item; a next page exists when "Next" is a link (on
 * the last page it is a disabled span). "No results for ..." with no
 * result is a real empty page; no result and no such text is a layout
 * Karat does not know.
 */
#include "market/market_int.h"

#include <math.h>
#include <string.h>

#define RESULTS "//div[@data-component-type='s-search-result'][normalize-space(@data-asin)!='']"

#define SPONSORED                                                                                  \
    "self::*[" MARKET_CLASS(                                                                       \
        "AdHolder") "] | .//*[contains(@class,'sponsored-label')]"                                 \
                    " | .//span[normalize-space(.)='Sponsored'] | "                                \
                    ".//h2[starts-with(@aria-label,'Sponsored')]"                                  \
                    " | .//a[contains(@href,'/sspa/click') or contains(@href,'slredirect')]"

static void read_result(struct market__page *p, xmlNodePtr node, struct market_item *it)
{
    char buf[MARKET_TEXT_MAX];
    xmlChar *asin = xmlGetProp(node, (const xmlChar *)"data-asin");

    market__item_reset(it);
    market__clean(asin ? (const char *)asin : "", it->id, sizeof it->id);
    xmlFree(asin);
    market__text(p, node, "(.//a//h2 | .//h2[.//a])[1]", it->title, sizeof it->title);
    market__text(p, node, "(.//a[.//h2]/@href | .//h2//a/@href)[1]", it->url, sizeof it->url);
    market__text(p, node, ".//h2[not(.//a) and not(ancestor::a)]", it->brand, sizeof it->brand);
    it->sponsored = market__count(p, node, SPONSORED) > 0;
    if (market__text(p, node,
                     ".//span[" MARKET_CLASS("a-price") " and not(@data-a-strike)]"
                                                        "/span[@class='a-offscreen']",
                     buf, sizeof buf))
        it->price = market__number(buf);
    if (market__text(p, node, ".//span[@data-a-strike='true']/span[@class='a-offscreen']", buf,
                     sizeof buf))
        it->mrp = market__number(buf);
    if (market__text(p, node, ".//span[not(*) and contains(., '% off')]", buf, sizeof buf))
        it->discount = market__number(buf);
    if (market__text(p, node, ".//span[@class='a-icon-alt']", buf, sizeof buf))
        it->rating = market__rating(buf);
    if (market__text(p, node, "(.//*[contains(@aria-label,' rating')]/@aria-label)[1]", buf,
                     sizeof buf) ||
        market__text(p, node, ".//span[" MARKET_CLASS("s-underline-text") "]", buf, sizeof buf))
        it->reviews = market__count_of(buf);
}

/* "1-48 of over 2,000 results for" -> 2000; "48 results for" -> 48. */
static long total_of(const char *s)
{
    const char *of = strstr(s, " of ");
    return market__count_of(of ? of + 4 : s);
}

static void read_pagination(struct market__page *p, struct market_search *out)
{
    char buf[MARKET_TEXT_MAX];
    if (market__text(p, NULL, "//*[" MARKET_CLASS("s-pagination-selected") "]", buf, sizeof buf))
        out->page = (int)market__count_of(buf);
    out->has_next_page = market__count(p, NULL, "//a[" MARKET_CLASS("s-pagination-next") "]") > 0;
    out->total = -1;
    if (market__text(p, NULL,
                     "//*[@data-component-type='s-result-info-bar']"
                     "//span[not(*)][contains(., 'result')]",
                     buf, sizeof buf))
        out->total = total_of(buf);
}

enum kr_code market__amazon_search(struct market__page *p, struct market_search *out,
                                   struct kr_err *err)
{
    enum kr_code rc = market__search_nodes(p, RESULTS, read_result, out, err);

    if (rc != KR_OK)
        return rc;
    read_pagination(p, out);
    if (out->n == 0 && !market__count(p, NULL,
                                      "//*[not(self::script)][starts-with(normalize-space(text()),"
                                      "'No results for')]"))
        return kr_fail(err, KRS_MARKET_LAYOUT,
                       "market: an Amazon page with no search results and no 'No results' "
                       "notice");
    return KR_OK;
}
