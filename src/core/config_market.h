/*
 * config_market.h - the market watch rows of the configuration table
 * (src/watch: the marketplaces' base URLs, the polite fetcher's limits, the
 * look-ups' bounds and the watch-list refresh interval). Read only by
 * config.c, which expands CONFIG_MARKET_VARS inside its table of variables
 * and CONFIG_MARKET_BOUNDS inside its table of ranges; kept apart so the
 * table file stays within its size and this feature's rows stay together.
 */
#ifndef KARAT_CORE_CONFIG_MARKET_H
#define KARAT_CORE_CONFIG_MARKET_H

#define CONFIG_MARKET_VARS                                                                       \
    {"KARAT_MARKET_AMAZON_URL", CONFIG_STR, OFF(market_amazon_url), "https://www.amazon.in", 0,  \
     "Base URL of Amazon India for the market watch (its origin is the allow-listed host)."},    \
    {"KARAT_MARKET_FLIPKART_URL", CONFIG_STR, OFF(market_flipkart_url),                          \
     "https://www.flipkart.com", 0, "Base URL of Flipkart for the market watch."},               \
    {"KARAT_MARKET_MYNTRA_URL", CONFIG_STR, OFF(market_myntra_url), "https://www.myntra.com", 0, \
     "Base URL of Myntra for the market watch."},                                                \
    {"KARAT_MARKET_USER_AGENT", CONFIG_STR, OFF(market_user_agent), "KaratBot/1.0", 0,           \
     "User-Agent of market watch requests; its product token (up to the first '/') picks the "   \
     "robots.txt group."},                                                                        \
    {"KARAT_MARKET_RATE", CONFIG_DOUBLE, OFF(market_rate), "1", 0,                                \
     "Requests a second to one marketplace host (token bucket; 0 = unlimited)."},                \
    {"KARAT_MARKET_BURST", CONFIG_INT, OFF(market_burst), "1", 0,                                 \
     "Requests to one marketplace host that may go at once before KARAT_MARKET_RATE applies."},  \
    {"KARAT_MARKET_CACHE_TTL", CONFIG_INT, OFF(market_cache_ttl_s), "300", 0,                    \
     "Seconds a fetched marketplace page is reused (0 = no cache)."},                            \
    {"KARAT_MARKET_ROBOTS_TTL", CONFIG_INT, OFF(market_robots_ttl_s), "86400", 0,                \
     "Seconds a marketplace host's robots.txt is kept before it is fetched again."},             \
    {"KARAT_MARKET_ATTEMPTS", CONFIG_INT, OFF(market_attempts), "3", 0,                           \
     "Attempts per marketplace page on 5xx, 429, time-outs and unreachable hosts."},             \
    {"KARAT_MARKET_BACKOFF_MS", CONFIG_INT, OFF(market_backoff_ms), "1000", 0,                   \
     "Milliseconds before the first retry of a marketplace page, doubled for each next one."},   \
    {"KARAT_MARKET_TIMEOUT", CONFIG_INT, OFF(market_timeout_s), "20", 0,                          \
     "Seconds one marketplace request may take."},                                               \
    {"KARAT_MARKET_MAX_BYTES", CONFIG_SIZE, OFF(market_max_bytes), "8MiB", 0,                     \
     "Largest marketplace page read; a larger one fails as too_large."},                         \
    {"KARAT_MARKET_MAX_PAGES", CONFIG_INT, OFF(market_max_pages), "3", 0,                         \
     "Search result pages /get_rank_product follows per query."},                                \
    {"KARAT_MARKET_MAX_ITEMS", CONFIG_INT, OFF(market_max_items), "20", 0,                        \
     "Most ASINs/item ids (and queries) in one market watch request; more gets 400."},           \
    {"KARAT_WATCH_INTERVAL", CONFIG_INT, OFF(watch_interval_s), "0", 0,                           \
     "Seconds between refreshes of the watch list by `karat serve` (0 = never)."},                \
    {"KARAT_WATCH_MAX", CONFIG_INT, OFF(watch_max), "200", 0,                                     \
     "Most watches in the watch list; POST /watch past it gets 413."},

#define CONFIG_MARKET_BOUNDS                                                                     \
    {"KARAT_MARKET_RATE", 0, 1000}, {"KARAT_MARKET_BURST", 1, 1000},                              \
        {"KARAT_MARKET_CACHE_TTL", 0, 7 * 86400}, {"KARAT_MARKET_ROBOTS_TTL", 1, 30 * 86400},     \
        {"KARAT_MARKET_ATTEMPTS", 1, 10}, {"KARAT_MARKET_BACKOFF_MS", 0, 600000},                \
        {"KARAT_MARKET_TIMEOUT", 1, 600}, {"KARAT_MARKET_MAX_BYTES", 64 * 1024, GIB},             \
        {"KARAT_MARKET_MAX_PAGES", 1, 20}, {"KARAT_MARKET_MAX_ITEMS", 1, 100},                    \
        {"KARAT_WATCH_INTERVAL", 0, 7 * 86400}, {"KARAT_WATCH_MAX", 1, 100000},

#endif
