/*
 * market_fix.c - the fixture marketplace server (see market_fix.h): a
 * fake_ai server whose responder maps the look-ups' paths to the fixture
 * files.
 */
#include "market_fix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_ai.h"
#include "testutil.h"

static char *fixture(const char *name, size_t *n)
{
    char path[1024];
    const char *src = getenv("KARAT_SOURCE_DIR");
    unsigned char *data;
    snprintf(path, sizeof path, "%s/tests/data/market/%s", src ? src : ".", name);
    data = tu_read_file(path, n);
    return (char *)data;
}

/* Which fixture answers url ("" = 404). */
static const char *route(const char *url)
{
    int blocked = strstr(url, "B0BLOCKED") || strstr(url, "k=blocked");
    if (blocked &&
        (!strncmp(url, "/s?", 3) || !strncmp(url, "/dp/", 4) || !strncmp(url, "/gp/", 4)))
        return "amazon_captcha.html";
    if (!strncmp(url, "/s?", 3))
        return strstr(url, "k=nothing") ? "amazon_search_empty.html"
               : strstr(url, "page=2")  ? "amazon_search_p2.html"
                                        : "amazon_search_p1.html";
    if (!strncmp(url, "/search?", 8))
        return "flipkart_search.html";
    if (!strncmp(url, "/dp/", 4))
        return "amazon_product.html";
    if (!strncmp(url, "/gp/offer-listing/", 18))
        return "amazon_offers.html";
    if (!strncmp(url, "/product/p/", 11))
        return "flipkart_product.html";
    if (url[0] == '/' && url[1] >= '0' && url[1] <= '9')
        return "myntra_product.html";
    return "";
}

int market_fix_answer(const struct fake_request *r, struct fake_reply *out)
{
    const char *name = route(r->url);
    size_t n = 0;
    char *body = *name ? fixture(name, &n) : NULL;
    if (!body)
        return 0;
    out->status = 200;
    out->body = body;
    out->body_len = n;
    out->content_type = strdup("text/html; charset=utf-8");
    return 1;
}

static void respond(const struct fake_request *r, struct fake_reply *out, void *arg)
{
    (void)arg;
    if (market_fix_answer(r, out))
        return;
    out->status = 404;
    out->body = strdup("not here");
    out->content_type = strdup("text/plain");
}

struct fake_ai *market_fix_start(void)
{
    struct fake_ai *f = fake_ai_start();
    fake_ai_set_responder(f, respond, NULL);
    return f;
}

void market_fix_env(const struct fake_ai *f, char out[6][128])
{
    snprintf(out[0], 128, "KARAT_MARKET_AMAZON_URL=%s", fake_ai_base(f));
    snprintf(out[1], 128, "KARAT_MARKET_FLIPKART_URL=%s", fake_ai_base(f));
    snprintf(out[2], 128, "KARAT_MARKET_MYNTRA_URL=%s", fake_ai_base(f));
    snprintf(out[3], 128, "KARAT_MARKET_RATE=0");
    snprintf(out[4], 128, "KARAT_MARKET_BACKOFF_MS=10");
    snprintf(out[5], 128, "KARAT_MARKET_CACHE_TTL=0");
}
