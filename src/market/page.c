/*
 * page.c - a marketplace page as a libxml2 HTML document, XPath lookups
 * that answer cleaned text, the numbers pages print, and the bookkeeping
 * of search results.
 *
 * The HTML parser runs with no network access and no error output
 * (HTML_PARSE_NONET | NOERROR | NOWARNING) and is told the page is UTF-8
 * (the marketplaces serve UTF-8; guessing from meta tags buys nothing).
 * Text is cleaned one way everywhere: every run of whitespace, no-break
 * spaces and the direction marks Amazon sprinkles in its detail lists
 * (U+200E, U+200F) becomes one space, the ends are trimmed, and a text too
 * long for its field is cut at a code point boundary.
 */
#include "market/market_int.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PARSE_OPTS (HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING)

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

/* libxml2 is initialised once, before any thread parses. */
static void xml_init(void)
{
    xmlInitParser();
}

enum kr_code market__page_open(const char *html, size_t len, struct market__page *p,
                               struct kr_err *err)
{
    memset(p, 0, sizeof *p);
    pthread_once(&xml_once, xml_init);
    p->doc = htmlReadMemory(html, (int)len, "page.html", "UTF-8", PARSE_OPTS);
    if (!p->doc || !xmlDocGetRootElement(p->doc)) {
        market__page_close(p);
        return kr_fail(err, KRS_MARKET_LAYOUT, "market: the page is not HTML");
    }
    p->xp = xmlXPathNewContext(p->doc);
    if (!p->xp) {
        market__page_close(p);
        return kr_fail(err, KRS_OUT_OF_MEMORY, "market: no memory for XPath");
    }
    return KR_OK;
}

void market__page_close(struct market__page *p)
{
    if (p->xp)
        xmlXPathFreeContext(p->xp);
    if (p->doc)
        xmlFreeDoc(p->doc);
    memset(p, 0, sizeof *p);
}

xmlXPathObjectPtr market__nodes(struct market__page *p, xmlNodePtr ctx, const char *expr)
{
    xmlXPathObjectPtr r;
    p->xp->node = ctx ? ctx : (xmlNodePtr)p->doc;
    r = xmlXPathEvalExpression((const xmlChar *)expr, p->xp);
    if (r && (r->type != XPATH_NODESET || xmlXPathNodeSetIsEmpty(r->nodesetval))) {
        xmlXPathFreeObject(r);
        r = NULL;
    }
    return r;
}

int market__count(struct market__page *p, xmlNodePtr ctx, const char *expr)
{
    xmlXPathObjectPtr r = market__nodes(p, ctx, expr);
    int n = r ? r->nodesetval->nodeNr : 0;
    xmlXPathFreeObject(r);
    return n;
}

int market__text(struct market__page *p, xmlNodePtr ctx, const char *expr, char *out, size_t n)
{
    xmlXPathObjectPtr r = market__nodes(p, ctx, expr);
    out[0] = '\0';
    if (r)
        market__node_text(r->nodesetval->nodeTab[0], out, n);
    xmlXPathFreeObject(r);
    return out[0] != '\0';
}

void market__node_text(xmlNodePtr node, char *out, size_t n)
{
    xmlChar *t = node ? xmlNodeGetContent(node) : NULL;
    market__clean(t ? (const char *)t : "", out, n);
    xmlFree(t);
}

/* Bytes of a "space" at s (ASCII whitespace, U+00A0, U+200B-U+200F,
 * U+202F); 0 when s is not one. */
static size_t space_len(const unsigned char *s)
{
    if (*s == ' ' || (*s >= '\t' && *s <= '\r'))
        return 1;
    if (s[0] == 0xC2 && s[1] == 0xA0)
        return 2;
    if (s[0] == 0xE2 && s[1] == 0x80 && ((s[2] >= 0x8B && s[2] <= 0x8F) || s[2] == 0xAF))
        return 3;
    return 0;
}

void market__clean(const char *src, char *out, size_t n)
{
    const unsigned char *s = (const unsigned char *)(src ? src : "");
    size_t o = 0;
    int pending = 0;

    if (n == 0)
        return;
    while (*s) {
        size_t sp = space_len(s);
        if (sp) {
            pending = o > 0;
            s += sp;
            continue;
        }
        if (pending && o + 1 < n)
            out[o++] = ' ';
        pending = 0;
        if (o + 1 >= n)
            break;
        out[o++] = (char)*s++;
    }
    /* cut at a code point boundary: drop a trailing partial sequence */
    if (*s && o > 0) {
        size_t k = o;
        while (k > 0 && ((unsigned char)out[k - 1] & 0xC0) == 0x80)
            k--;
        if (k > 0 && ((unsigned char)out[k - 1] & 0x80)) {
            unsigned char lead = (unsigned char)out[k - 1];
            size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
            if (o - (k - 1) < need)
                o = k - 1;
        }
        while (o > 0 && out[o - 1] == ' ')
            o--;
    }
    out[o] = '\0';
}

/* Parse the number at s (a digit): digits and grouping commas, then an
 * optional decimal part. *end gets the first byte after it. */
static double number_at(const char *s, const char **end)
{
    char buf[40];
    size_t b = 0;
    for (; (isdigit((unsigned char)*s) || (*s == ',' && isdigit((unsigned char)s[1]))); s++)
        if (*s != ',' && b + 1 < 24)
            buf[b++] = *s;
    if (*s == '.' && isdigit((unsigned char)s[1])) {
        buf[b++] = *s++;
        for (; isdigit((unsigned char)*s); s++)
            if (b + 1 < sizeof buf)
                buf[b++] = *s;
    }
    buf[b] = '\0';
    *end = s;
    return strtod(buf, NULL);
}

double market__number(const char *s)
{
    const char *end;
    if (!s)
        return NAN;
    while (*s && !isdigit((unsigned char)*s))
        s++;
    return *s ? number_at(s, &end) : NAN;
}

long market__count_of(const char *s)
{
    const char *end;
    double v, mul = 1;
    if (!s)
        return -1;
    while (*s && !isdigit((unsigned char)*s))
        s++;
    if (!*s)
        return -1;
    v = number_at(s, &end);
    while (*end == ' ')
        end++;
    if (*end == 'K' || *end == 'k')
        mul = 1e3;
    else if (*end == 'L' && !isalpha((unsigned char)end[1]))
        mul = 1e5;
    else if (*end == 'M' && !isalpha((unsigned char)end[1]))
        mul = 1e6;
    v *= mul;
    return v > 2e9 ? -1 : (long)(v + 0.5);
}

double market__rating(const char *s)
{
    double v = market__number(s);
    return v >= 0 && v <= 5 ? v : NAN;
}

void market__item_reset(struct market_item *it)
{
    memset(it, 0, sizeof *it);
    it->price = it->mrp = it->discount = it->rating = MARKET_UNKNOWN;
    it->reviews = -1;
    it->offers = -1;
}

void market__item_finish(struct market_item *it)
{
    if (!(it->price >= 0))
        it->price = MARKET_UNKNOWN;
    if (!(it->mrp >= 0))
        it->mrp = MARKET_UNKNOWN;
    if (isnan(it->discount) && it->mrp > 0 && it->price >= 0 && it->price < it->mrp)
        it->discount = round((it->mrp - it->price) * 100.0 / it->mrp);
    else if (isnan(it->discount) && it->mrp > 0 && it->price == it->mrp)
        it->discount = 0;
    if (!(it->rating >= 0 && it->rating <= 5))
        it->rating = MARKET_UNKNOWN;
    if (!(it->discount >= 0 && it->discount <= 100))
        it->discount = MARKET_UNKNOWN;
}

enum kr_code market__search_add(struct market_search *s, const struct market_item *it,
                                struct kr_err *err)
{
    int organic = 0, sponsored = 0;
    struct market_item *dst;

    if (s->n >= MARKET_ITEMS_MAX)
        return KR_OK;
    if (!s->items) {
        s->items = calloc(MARKET_ITEMS_MAX, sizeof *s->items);
        if (!s->items)
            return kr_fail(err, KRS_OUT_OF_MEMORY, "market: no memory for results");
    }
    for (int i = 0; i < s->n; i++) {
        organic += !s->items[i].sponsored;
        sponsored += s->items[i].sponsored;
    }
    dst = &s->items[s->n++];
    *dst = *it;
    dst->sponsored = it->sponsored ? 1 : 0;
    dst->slot = s->n;
    dst->position = dst->sponsored ? 0 : organic + 1;
    dst->sponsored_position = dst->sponsored ? sponsored + 1 : 0;
    market__item_finish(dst);
    return KR_OK;
}

void market__id_after(const char *url, const char *marker, size_t skip, int upper, char *id,
                      size_t n)
{
    const char *at = url ? strstr(url, marker) : NULL;
    size_t k;
    if (!at || id[0])
        return;
    at += skip;
    k = strcspn(at, "/?#&");
    if (k == 0 || k >= n)
        return;
    for (size_t i = 0; i < k; i++)
        id[i] = upper ? (char)toupper((unsigned char)at[i]) : at[i];
    id[k] = '\0';
}

void market__canonical(struct market__page *p, struct market_item *it, const char *marker,
                       size_t skip, int upper)
{
    char buf[MARKET_URL_MAX];
    if (!market__text(p, NULL, "//link[@rel='canonical']/@href", buf, sizeof buf))
        return;
    if (!it->url[0])
        memcpy(it->url, buf, sizeof it->url);
    market__id_after(buf, marker, skip, upper, it->id, sizeof it->id);
}

enum kr_code market__search_nodes(struct market__page *p, const char *expr, market__read_fn read,
                                  struct market_search *out, struct kr_err *err)
{
    xmlXPathObjectPtr r = market__nodes(p, NULL, expr);
    enum kr_code rc = KR_OK;
    struct market_item it;

    for (int i = 0; r && rc == KR_OK && i < r->nodesetval->nodeNr && out->n < MARKET_ITEMS_MAX;
         i++) {
        read(p, r->nodesetval->nodeTab[i], &it);
        rc = market__search_add(out, &it, err);
    }
    xmlXPathFreeObject(r);
    return rc;
}
