/*
 * market_int.h - what the market parsers share (internal to src/market).
 *
 * page.c: a parsed page (libxml2 HTML document + XPath context), XPath
 * lookups that answer cleaned text, number parsing ("₹1,23,456.00",
 * "4.1 out of 5 stars", "1.2K ratings") and the bookkeeping of search
 * results (slots, organic and sponsored positions).
 * embedded.c: the structured data pages embed: JSON-LD blocks and the
 * JSON assigned to a variable in an inline script (Flipkart's
 * window.__INITIAL_STATE__, Myntra's window.__myx), and small JSON getters.
 * One file per marketplace and page kind answers market__<site>_<page>.
 */
#ifndef KARAT_MARKET_MARKET_INT_H
#define KARAT_MARKET_MARKET_INT_H

#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>

#include "market/market.h"

/* XPath: the element has class c among its classes. */
#define MARKET_CLASS(c) "contains(concat(' ',normalize-space(@class),' '),' " c " ')"

struct market__page {
    htmlDocPtr doc;
    xmlXPathContextPtr xp;
};

/* ---- page.c ---- */

/* Parse html (already checked: non-empty, within MARKET_PAGE_MAX, not
 * blocked) into p. KR_ENOMEM, or KR_EUPSTREAM market_layout when libxml2
 * makes no document of it. */
enum kr_code market__page_open(const char *html, size_t len, struct market__page *p,
                               struct kr_err *err);
void market__page_close(struct market__page *p);

/* The nodes expr selects under ctx (NULL = the document); NULL when none.
 * Free with xmlXPathFreeObject. */
xmlXPathObjectPtr market__nodes(struct market__page *p, xmlNodePtr ctx, const char *expr);
int market__count(struct market__page *p, xmlNodePtr ctx, const char *expr);
/* Cleaned text of the first node expr selects (an attribute: its value)
 * into out; 1 when it is non-empty, else 0 and out = "". */
int market__text(struct market__page *p, xmlNodePtr ctx, const char *expr, char *out, size_t n);
/* Cleaned text of node (whitespace runs, NBSP and direction marks become
 * one space, trimmed, cut at a code point boundary). */
void market__node_text(xmlNodePtr node, char *out, size_t n);
/* Clean src the same way into out. */
void market__clean(const char *src, char *out, size_t n);

/* The first number in s: digits with grouping commas, an optional
 * decimal part; NAN when there is none. "₹1,23,456.50" -> 123456.5. */
double market__number(const char *s);
/* A count: the first number, times 1000 / 100000 / 10^6 when followed by
 * K, L (lakh) or M; -1 when there is none. "1.2K ratings" -> 1200. */
long market__count_of(const char *s);
/* A star rating 0-5 from "4.1 out of 5 stars"; NAN otherwise. */
double market__rating(const char *s);

/* Unknowns everywhere (see market.h). */
void market__item_reset(struct market_item *it);
/* Derived values: the discount from price and MRP when the page gave none. */
void market__item_finish(struct market_item *it);

/* The id in url after marker (skipping `skip` bytes of it) up to the next
 * '/', '?', '#' or '&', into an empty id: ("/x/dp/B0A?r", "/dp/", 4) ->
 * "B0A". upper: upper-cased. */
void market__id_after(const char *url, const char *marker, size_t skip, int upper, char *id,
                      size_t n);
/* The canonical link: into an empty url, and its id as market__id_after. */
void market__canonical(struct market__page *p, struct market_item *it, const char *marker,
                       size_t skip, int upper);

/* Every node expr selects, read by `read` and appended as a result. */
typedef void (*market__read_fn)(struct market__page *p, xmlNodePtr node, struct market_item *it);
enum kr_code market__search_nodes(struct market__page *p, const char *expr, market__read_fn read,
                                  struct market_search *out, struct kr_err *err);

/* Append *it to s as the next result (slot, organic or sponsored position
 * from it->sponsored). Past MARKET_ITEMS_MAX results are dropped. */
enum kr_code market__search_add(struct market_search *s, const struct market_item *it,
                                struct kr_err *err);

/* ---- embedded.c ---- */

/* The first schema.org object of @type `type` in the page's JSON-LD blocks
 * (top level, arrays, @graph, nested values); a new reference or NULL. */
json_t *market__ld_find(struct market__page *p, const char *type);
/* Title, url, brand, id (sku/productID), price, offers' seller and count,
 * rating and review count from a schema.org Product, where not set yet. */
void market__item_from_ld(const json_t *product, struct market_item *it);
/* The JSON value assigned after `marker` ("window.__INITIAL_STATE__") in an
 * inline script; a new reference, NULL when absent or not JSON. */
json_t *market__script_json(struct market__page *p, const char *marker);

/* o[key] when it is a string (else NULL). */
const char *market__jstr(const json_t *o, const char *key);
/* o[key] as a number (a JSON number or a numeric string); NAN otherwise. */
double market__jnum(const json_t *o, const char *key);
/* The value at a dotted path of object keys ("pricing.mrp.value"); NULL. */
const json_t *market__jpath(const json_t *o, const char *path);
/* Copy a JSON string (cleaned) into an empty field; a non-empty one stays. */
void market__jset(char *dst, size_t n, const char *src);

/* ---- the parsers (one file each) ---- */

enum kr_code market__amazon_search(struct market__page *p, struct market_search *out,
                                   struct kr_err *err);
enum kr_code market__amazon_product(struct market__page *p, struct market_item *out,
                                    struct kr_err *err);
enum kr_code market__amazon_offers(struct market__page *p, int *count, struct kr_err *err);
enum kr_code market__flipkart_search(struct market__page *p, struct market_search *out,
                                     struct kr_err *err);
enum kr_code market__flipkart_product(struct market__page *p, struct market_item *out,
                                      struct kr_err *err);
enum kr_code market__myntra_product(struct market__page *p, struct market_item *out,
                                    struct kr_err *err);

#endif
