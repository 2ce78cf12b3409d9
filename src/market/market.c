/*
 * market.c - the public entry points of market.h: argument checks, the
 * blocked-page check that runs before any parse, and the dispatch to the
 * parser of each marketplace and page kind (one file each).
 *
 * Blocked pages are recognised by bounded substring scans of the raw
 * bytes, so a captcha is reported as such even when it is not valid HTML.
 * The markers are the texts such pages show (Amazon's "Enter the
 * characters you see below" and its validateCaptcha form, "Robot Check",
 * the CDN's "Access Denied" page that Flipkart and Myntra answer with, the
 * "are you a human" challenges). They are specific enough that a real
 * product page (reviews included) does not carry them.
 */
#include "market/market_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"

static const char *const site_names[MARKET_SITE_COUNT] = {"amazon", "flipkart", "myntra"};

int market_site_from_name(const char *name)
{
    for (int i = 0; name && i < MARKET_SITE_COUNT; i++)
        if (strcasecmp(name, site_names[i]) == 0)
            return i;
    return -1;
}

const char *market_site_name(enum market_site site)
{
    return (unsigned)site < MARKET_SITE_COUNT ? site_names[site] : "unknown";
}

/* Case-insensitive search for needle in the first len bytes of hay. */
static int contains_ci(const char *hay, size_t len, const char *needle)
{
    size_t m = strlen(needle);
    int c0 = tolower((unsigned char)needle[0]);
    for (size_t i = 0; m && i + m <= len; i++)
        if (tolower((unsigned char)hay[i]) == c0 && strncasecmp(hay + i, needle, m) == 0)
            return 1;
    return 0;
}

static const struct {
    const char *marker, *why;
} blocked_markers[] = {
    {"/errors/validateCaptcha", "Amazon captcha (validateCaptcha form)"},
    {"Enter the characters you see below", "Amazon captcha"},
    {"Type the characters you see in this image", "Amazon captcha"},
    {"<title>Robot Check</title>", "robot check page"},
    {"api-services-support@amazon.com", "Amazon automated-access notice"},
    {"<title>Access Denied</title>", "access denied page"},
    {"You don't have permission to access", "access denied page"},
    {"<title>Are you a human?</title>", "robot check page"},
    {"verify you are a human", "robot check page"},
};

int market_is_blocked(const char *html, size_t len, char *why, size_t why_n)
{
    /* the markers sit near the top of such (small) pages */
    size_t scan = len < ((size_t)256 << 10) ? len : ((size_t)256 << 10);
    if (!html)
        return 0;
    for (size_t i = 0; i < sizeof blocked_markers / sizeof blocked_markers[0]; i++)
        if (contains_ci(html, scan, blocked_markers[i].marker)) {
            if (why && why_n)
                util_strlcpy(why, blocked_markers[i].why, why_n);
            return 1;
        }
    return 0;
}

/* What every parse does first: the site, the page (non-empty, within the
 * size cap, not a blocked page), then the document. */
static enum kr_code open_page(enum market_site site, const char *html, size_t len,
                              struct market__page *p, struct kr_err *err)
{
    char why[128];
    if ((unsigned)site >= MARKET_SITE_COUNT)
        return kr_fail(err, KRS_INVALID_ARGUMENT, "market: unknown site %d", (int)site);
    if (!html || len == 0)
        return kr_fail(err, KRS_INVALID_ARGUMENT, "market: empty page");
    if (len > MARKET_PAGE_MAX)
        return kr_fail(err, KRS_TOO_LARGE, "market: page of %zu bytes (limit %zu)", len,
                       MARKET_PAGE_MAX);
    if (market_is_blocked(html, len, why, sizeof why))
        return kr_fail(err, KRS_MARKET_BLOCKED, "market: blocked: %s", why);
    return market__page_open(html, len, p, err);
}

enum kr_code market_parse_search(enum market_site site, const char *html, size_t len,
                                 struct market_search *out, struct kr_err *err)
{
    struct market__page p;
    enum kr_code rc;
    if (!out)
        return kr_fail(err, KRS_INVALID_ARGUMENT, "market: no output");
    memset(out, 0, sizeof *out);
    rc = open_page(site, html, len, &p, err);
    if (rc != KR_OK)
        return rc;
    if (site == MARKET_AMAZON)
        rc = market__amazon_search(&p, out, err);
    else if (site == MARKET_FLIPKART)
        rc = market__flipkart_search(&p, out, err);
    else
        rc = kr_fail(err, KRS_UNSUPPORTED, "market: myntra search pages are not read");
    market__page_close(&p);
    if (rc != KR_OK)
        market_search_free(out);
    else if (out->page < 1)
        out->page = 1;
    return rc;
}

void market_search_free(struct market_search *s)
{
    if (!s)
        return;
    free(s->items);
    memset(s, 0, sizeof *s);
}

enum kr_code market_parse_product(enum market_site site, const char *html, size_t len,
                                  struct market_item *out, struct kr_err *err)
{
    struct market__page p;
    enum kr_code rc;
    if (!out)
        return kr_fail(err, KRS_INVALID_ARGUMENT, "market: no output");
    market__item_reset(out);
    rc = open_page(site, html, len, &p, err);
    if (rc != KR_OK)
        return rc;
    if (site == MARKET_AMAZON)
        rc = market__amazon_product(&p, out, err);
    else if (site == MARKET_FLIPKART)
        rc = market__flipkart_product(&p, out, err);
    else
        rc = market__myntra_product(&p, out, err);
    market__page_close(&p);
    if (rc == KR_OK)
        market__item_finish(out);
    else
        market__item_reset(out);
    return rc;
}

enum kr_code market_parse_offers(const char *html, size_t len, int *count, struct kr_err *err)
{
    struct market__page p;
    enum kr_code rc;
    if (!count)
        return kr_fail(err, KRS_INVALID_ARGUMENT, "market: no output");
    *count = -1;
    rc = open_page(MARKET_AMAZON, html, len, &p, err);
    if (rc != KR_OK)
        return rc;
    rc = market__amazon_offers(&p, count, err);
    market__page_close(&p);
    if (rc != KR_OK)
        *count = -1;
    return rc;
}
