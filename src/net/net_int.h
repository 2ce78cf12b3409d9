/*
 * net_int.h - pieces shared by net.c (API calls) and fetch.c (guarded
 * fetches of caller URLs). Not for other modules.
 */
#ifndef KARAT_NET_NET_INT_H
#define KARAT_NET_NET_INT_H

#include <curl/curl.h>

#include "net/net.h"

/* Where a transfer writes: the response, and whether the body cap was hit. */
struct net_sink {
    struct net_response *resp;
    int overflow;
};

size_t net__on_body(char *data, size_t sz, size_t nm, void *user);
size_t net__on_header(char *data, size_t sz, size_t nm, void *user);
/* Timeouts (connect_ms <= 0: only timeout_ms bounds the connect), protocols
 * http/https, callbacks into sink. */
void net__setup_handle(CURL *h, struct net_sink *sink, long timeout_ms, long connect_ms);
/* Map a failed transfer to a kr_code (limit, timeout, unreachable). */
enum kr_code net__curl_error(CURLcode cc, const struct net_sink *sink, const char *what,
                            struct kr_err *err);

#endif
