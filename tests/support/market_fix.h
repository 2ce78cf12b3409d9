/*
 * market_fix.h - a loopback stand-in for Amazon.in, Flipkart and Myntra that
 * serves the fixture pages of tests/data/market/ (written to mirror the real
 * pages' structure) at the paths the market look-ups ask for:
 *   /robots.txt                        404 (no rules), unless market_fix_robots() set one
 *   /s?k=Q&page=N                      amazon_search_p1/p2.html; Q "blocked..." the captcha
 *                                      page, Q "nothing..." amazon_search_empty.html
 *   /search?q=Q&page=N                 flipkart_search.html (one page)
 *   /dp/ASIN                           amazon_product.html; ASIN B0BLOCKED* the captcha page
 *   /gp/offer-listing/ASIN             amazon_offers.html; B0BLOCKED* the captcha page
 *   /product/p/ITMID                   flipkart_product.html
 *   /STYLEID (digits)                  myntra_product.html
 * Anything else is a 404. Point KARAT_MARKET_*_URL at market_fix_base().
 */
#ifndef KARAT_MARKET_FIX_H
#define KARAT_MARKET_FIX_H

struct fake_ai;
struct fake_request;
struct fake_reply;

/* Answer r from the fixtures when its path is one of the above (1), else
 * leave out alone (0). For servers that answer other requests too
 * (tests/tools/fake_provider). */
int market_fix_answer(const struct fake_request *r, struct fake_reply *out);

/* Start on 127.0.0.1 (the fixtures read from KARAT_SOURCE_DIR or the
 * source tree); aborts the test on failure. Stop with fake_ai_stop(). */
struct fake_ai *market_fix_start(void);
/* The "KARAT_MARKET_AMAZON_URL=...", ..._FLIPKART_URL, ..._MYNTRA_URL
 * settings for it, plus no rate limit and fast retries, as env lines in out
 * (6 entries, static storage of the caller's). */
void market_fix_env(const struct fake_ai *f, char out[6][128]);

#endif
