/*
 * market.h - reading marketplace pages: Amazon.in, Flipkart and Myntra
 * search results, product pages and Amazon's offer listing.
 *
 * This module only parses bytes a caller fetched (the fetcher, rate
 * limits and the endpoints live elsewhere); it never touches the network.
 * Pages are read with libxml2's HTML parser (no network, no errors
 * printed) and XPath. The structured data a page embeds is preferred to
 * its class names: JSON-LD (<script type="application/ld+json">, schema.org
 * Product / Offer / AggregateRating / ItemList), Flipkart's
 * `window.__INITIAL_STATE__ = {...}` and Myntra's `window.__myx = {...}`.
 * Markup (ids, data attributes, class names) is the fallback.
 *
 * Every parse answers one of four ways, in this order of checks:
 *   - a captcha, robot check or "Access Denied" page: KR_EUPSTREAM with
 *     the slug KRS_MARKET_BLOCKED. Never read as "no results".
 *   - a page whose layout is not recognised (neither structured data nor
 *     any known markup): KR_EUPSTREAM, KRS_MARKET_LAYOUT. Never read as
 *     "not found" either.
 *   - a real "no results" search page: KR_OK with n == 0.
 *   - KR_OK with what was read.
 * Amazon's own "page not found" product page is KR_ENOTFOUND (not_found):
 * the product does not exist (a fetcher sees a 404 status as well).
 * Other failures: KR_EINVAL (invalid_argument) for a NULL or empty page or
 * an unknown site, KR_ELIMIT (too_large) for a page over MARKET_PAGE_MAX,
 * KR_EUNSUPPORTED (unsupported) for a site/page pair with no parser
 * (Myntra search), KR_ENOMEM.
 *
 * Unknown values: numbers are MARKET_UNKNOWN (NAN, test with isnan) for
 * the doubles and -1 for the integers; strings are "". Strings are UTF-8,
 * whitespace-collapsed and cut (at a character boundary) to their array.
 *
 * Library code: never prints. Thread safety: every function may be called
 * from any thread (libxml2 is initialised once, on the first parse).
 */
#ifndef KARAT_MARKET_MARKET_H
#define KARAT_MARKET_MARKET_H

#include <math.h>
#include <stddef.h>

#include "core/err.h"

enum market_site { MARKET_AMAZON, MARKET_FLIPKART, MARKET_MYNTRA, MARKET_SITE_COUNT };
enum market_page { MARKET_PAGE_SEARCH, MARKET_PAGE_PRODUCT, MARKET_PAGE_OFFERS };

#define MARKET_PAGE_MAX  ((size_t)8 << 20) /* bytes of one page */
#define MARKET_ITEMS_MAX 120               /* results kept from one search page */
#define MARKET_ID_MAX    64
#define MARKET_TITLE_MAX 512
#define MARKET_URL_MAX   1024
#define MARKET_TEXT_MAX  256
#define MARKET_UNKNOWN   ((double)NAN)

struct market_item {
    char id[MARKET_ID_MAX];  /* ASIN, Flipkart itmid (upper case, "ITM..."), Myntra style id */
    char pid[MARKET_ID_MAX]; /* Flipkart product id (pid=...); "" elsewhere */
    char title[MARKET_TITLE_MAX];
    char url[MARKET_URL_MAX]; /* as the page gives it (often relative) */
    char brand[MARKET_TEXT_MAX];
    double price;               /* selling price in rupees */
    double mrp;                 /* list price (M.R.P.) in rupees */
    double discount;            /* percent off the MRP, 0-100 (the page's, else computed) */
    double rating;              /* average stars, 0-5, as precise as the page gives it */
    long reviews;               /* number of ratings (ratingCount before reviewCount); -1 unknown */
    char rank[MARKET_TEXT_MAX]; /* best-seller ranks as shown, "(See Top 100 ...)" dropped:
                                   "#12,345 in Jewellery #87 in Drop & Dangle Earrings" */
    char seller[MARKET_TEXT_MAX]; /* the seller of the featured offer */
    int offers;             /* offers shown on the page (Amazon "New (4) from", JSON-LD offerCount;
                               Myntra: its sellers); -1 unknown */
    int sponsored;          /* 1: an ad slot */
    int slot;               /* 1-based over every result on the page */
    int position;           /* 1-based among organic results; 0 for a sponsored one */
    int sponsored_position; /* 1-based among sponsored results; 0 for an organic one */
};

struct market_search {
    struct market_item *items; /* n entries, page order; market_search_free */
    int n;
    int page;          /* the page number shown (1 when the page does not say) */
    int has_next_page; /* 1: a next-page link is present */
    long total;        /* results the page says there are; -1 unknown */
};

/* "amazon", "flipkart", "myntra" (case-insensitive) -> site; -1 if none. */
int market_site_from_name(const char *name);
const char *market_site_name(enum market_site site);

/* A search results page of `site` (Amazon or Flipkart). *out is filled on
 * KR_OK only (zeroed on entry; free it with market_search_free). */
enum kr_code market_parse_search(enum market_site site, const char *html, size_t len,
                                 struct market_search *out, struct kr_err *err);
void market_search_free(struct market_search *s);

/* A product page of `site`; *out is reset (unknowns) on entry. */
enum kr_code market_parse_product(enum market_site site, const char *html, size_t len,
                                  struct market_item *out, struct kr_err *err);

/* Amazon's offer listing (the "All offers" display, /gp/offer-listing or
 * the aod ajax page): *count = the number of offers (the page's own count
 * when it states one, else the offers listed). */
enum kr_code market_parse_offers(const char *html, size_t len, int *count, struct kr_err *err);

/* 1 when the page is a captcha / robot check / access-denied page (what
 * the parsers answer KRS_MARKET_BLOCKED for), and a short reason in why
 * (may be NULL); 0 otherwise. Cheap: a bounded substring scan, no parse. */
int market_is_blocked(const char *html, size_t len, char *why, size_t why_n);

#endif
