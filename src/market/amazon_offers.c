/*
 * amazon_offers.c - the number of offers on Amazon.in's offer listing.
 *
 * Two page shapes are read. The "All offers" display (aod, what
 * /gp/offer-listing/ASIN and /gp/aod/ajax/?asin= answer today) states its
 * count in input#aod-total-offer-count and in
 * #aod-filter-offer-count-string ("4 options"), and lists the featured
 * offer in #aod-pinned-offer and the others as #aod-offer blocks (the
 * same id repeated). The older offer-listing page lists div.olpOffer rows.
 * The stated count is preferred; otherwise the listed offers (featured
 * included) are counted. An aod container with no offer is 0 offers; a
 * page with neither shape is a layout Karat does not know.
 */
#include "market/market_int.h"

enum kr_code market__amazon_offers(struct market__page *p, int *count, struct kr_err *err)
{
    char buf[MARKET_TEXT_MAX];
    long n = -1;

    if (market__text(p, NULL, "//input[@id='aod-total-offer-count']/@value", buf, sizeof buf))
        n = market__count_of(buf);
    if (n < 0 && market__text(p, NULL, "//*[@id='aod-filter-offer-count-string']", buf, sizeof buf))
        n = market__count_of(buf);
    if (n < 0 && market__count(p, NULL, "//*[@id='aod-container' or @id='aod-offer-list']"))
        n = market__count(p, NULL, "//*[@id='aod-pinned-offer' or @id='aod-offer']");
    if (n < 0 && market__count(p, NULL, "//*[@id='olpOfferList' or " MARKET_CLASS("olpOffer") "]"))
        n = market__count(p, NULL, "//div[" MARKET_CLASS("olpOffer") "]");
    if (n < 0)
        return kr_fail(err, KRS_MARKET_LAYOUT,
                       "market: an Amazon offer page with no offer count and no offer list");
    *count = n > 100000 ? 100000 : (int)n;
    return KR_OK;
}
