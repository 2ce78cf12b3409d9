/*
 * watch.h - market watch: fetching the marketplaces' public pages politely,
 * and (later files of this module) rank, offer and competitor look-ups and
 * their tracking over time.
 *
 * The fetcher (watch_fetch) only ever talks to the marketplaces' own hosts:
 * the origin (scheme, host, port) of each marketplace's base URL, from the
 * config table (KARAT_MARKET_AMAZON_URL, ..._FLIPKART_URL, ..._MYNTRA_URL),
 * is the whole allow-list; any other URL is refused (market_host_refused)
 * before a byte is sent. Caller-supplied URLs never reach it; those go
 * through net_fetch's SSRF guard as before. On the allowed hosts it
 *  - honours robots.txt (fetched once per host per KARAT_MARKET_ROBOTS_TTL;
 *    the group of our User-Agent's product token, else "*"; the longest
 *    matching Allow/Disallow wins): a disallowed path fails with its own
 *    slug robots_disallowed, never "not found";
 *  - spaces requests per host with a token bucket (KARAT_MARKET_RATE
 *    requests a second, bursts of KARAT_MARKET_BURST), shared by every
 *    thread using the same fetcher;
 *  - retries 5xx, 429, time-outs and unreachable hosts with doubling
 *    back-off (KARAT_MARKET_ATTEMPTS, KARAT_MARKET_BACKOFF_MS; a Retry-After
 *    in seconds is honoured up to a cap), never another 4xx;
 *  - caches 2xx pages by URL for KARAT_MARKET_CACHE_TTL seconds;
 *  - caps each reply at KARAT_MARKET_MAX_BYTES and sends KARAT_MARKET_USER_AGENT.
 * Redirects are followed, at most 3, and only to an allowed host: every hop
 * is checked against the allow-list and robots.txt again (a redirect off
 * the marketplaces is market_host_refused).
 *
 * Thread safety: one fetcher may be used from any number of threads.
 */
#ifndef KARAT_WATCH_WATCH_H
#define KARAT_WATCH_WATCH_H

#include <stddef.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"

enum watch_market { WATCH_AMAZON, WATCH_FLIPKART, WATCH_MYNTRA, WATCH_NMARKETS };

/* "amazon", "flipkart", "myntra". */
const char *watch_market_name(enum watch_market m);
/* Case-insensitive name -> market; 0 when unknown. */
int watch_market_parse(const char *name, enum watch_market *out);

/* Every field required (watch_fetch_opts_from_config fills them). */
struct watch_fetch_opts {
    const char *base[WATCH_NMARKETS]; /* http(s)://host[:port], no path needed */
    const char *user_agent;           /* non-empty */
    double rate;                      /* requests a second per host; 0: unlimited */
    int burst;                        /* >= 1 */
    int cache_ttl_s;                  /* 0: no cache */
    int robots_ttl_s;                 /* >= 1 */
    int attempts;                     /* >= 1 */
    int backoff_ms;                   /* first retry's wait, doubled each time */
    long timeout_ms;                  /* one request, > 0 */
    long connect_timeout_ms;          /* 0: timeout_ms */
    size_t max_bytes;                 /* reply cap, > 0 */
};

void watch_fetch_opts_from_config(const struct config *cfg, struct watch_fetch_opts *o);

struct watch_fetcher;

/* Bad options or a base URL that is not http(s) with a host -> bad_option. */
enum kr_code watch_fetcher_open(const struct watch_fetch_opts *o, struct watch_fetcher **out,
                                struct kr_err *err);
void watch_fetcher_close(struct watch_fetcher *f);

/* The configured base URL of m, without a trailing '/'. */
const char *watch_market_base(const struct watch_fetcher *f, enum watch_market m);

/* GET url (on an allowed host) into out (released first). 2xx -> KR_OK.
 * Failures: market_host_refused, robots_disallowed, market_page_not_found
 * (404/410), market_unavailable (5xx/429 after the retries), fetch_failed
 * (another status), timeout, upstream_unreachable, too_large. */
enum kr_code watch_fetch(struct watch_fetcher *f, const char *url, struct buf *out,
                         struct kr_err *err);

/* Requests actually sent (robots.txt included; cache hits are not), for tests
 * and metrics. */
unsigned long watch_fetch_sent(struct watch_fetcher *f);

/* ---- look-ups (lookup.c): fetch, parse, answer in the original's shapes ---- */
#include <jansson.h>

/* An ASIN / item id / style id: 1-63 of [A-Za-z0-9_-]. */
int watch_id_ok(const char *id);
/* The answer's key for an id: "asin", "itmid" (Flipkart), "style_id" (Myntra). */
const char *watch_id_key(enum watch_market m);

/* What a look-up gives: the JSON (new reference) and how many of its
 * entries failed, the last failure kept (to answer 502 when all did). */
struct watch_answer {
    json_t *json;
    int total, failed;
    struct kr_err last;
};

struct watch_rank_req {
    enum watch_market market; /* Amazon or Flipkart */
    const char *const *ids;
    size_t nids;
    const char *const *queries;
    size_t nqueries;
    int max_pages; /* 1..WATCH_PAGES_MAX */
};
#define WATCH_PAGES_MAX 20

/* [{"asin"|"itmid", "results": [{"search_query", "page", "position_on_page",
 * "sponsored": [{"page", "position"}], "pages_searched"}]}] */
enum kr_code watch_rank(struct watch_fetcher *f, const struct watch_rank_req *r,
                        struct watch_answer *ans, struct kr_err *err);
/* [{"asin"|"itmid"|"style_id", "title", "price", "mrp", "discount", "rating",
 * "reviews", "best_seller_rank", "seller", "offers", "url"}] */
enum kr_code watch_products(struct watch_fetcher *f, enum watch_market m, const char *const *ids,
                            size_t n, struct watch_answer *ans, struct kr_err *err);
/* Amazon: [{"asin", "offers"}] */
enum kr_code watch_offers(struct watch_fetcher *f, const char *const *ids, size_t n,
                          struct watch_answer *ans, struct kr_err *err);

/* An .xlsx at path: a header row of cols, then one row per object of rows
 * (its values under those keys; numbers as numbers, null as empty). */
enum kr_code watch_xlsx_write(const char *path, const json_t *rows, const char *const *cols,
                              size_t ncols, struct kr_err *err);

/* ---- tracking over time (track.c) ---- */
#include "store/store.h"

/* One observation of w now (o->error points into why: "" or the slug of
 * what failed; numbers that could not be read are -1). */
void watch_observe(struct watch_fetcher *f, const struct store_watch *w, int max_pages,
                   struct store_watch_obs *o, char *why, size_t why_n);

struct watch_run {
    int64_t id;    /* 0: every watch */
    int max_pages; /* KARAT_MARKET_MAX_PAGES */
    /* NULL, or asked before each watch: nonzero stops the run there (karat
     * serve: a stop signal is pending), what was observed so far kept. */
    int (*stop)(void *ctx);
    void *stop_ctx;
};
struct watch_run_res {
    int refreshed, failed; /* watches observed; of them with a failed part */
};
/* Observe the watch (or all) and store each observation in s. Only a store
 * failure (or an unknown id: watch_not_found) fails the run. */
enum kr_code watch_refresh(struct watch_fetcher *f, struct store *s, const struct watch_run *run,
                           struct watch_run_res *res, struct kr_err *err);

#endif
