/*
 * fetch.c - net_fetch(): download a caller-supplied URL without letting the
 * caller reach things it should not (SSRF guard).
 *
 * Rules, each enforced here rather than trusted to the URL text:
 *  - only http and https, with a host;
 *  - redirects are not followed by curl: each Location is taken back here,
 *    checked again as a new URL, and at most max_redirects are taken;
 *  - the address curl is about to connect to is checked in the
 *    CURLOPT_OPENSOCKETFUNCTION callback, i.e. after name resolution, so a
 *    name that resolves (or re-resolves) to 127.0.0.1, 10.x, fe80::, ... is
 *    refused however it is spelled; proxies are disabled so the checked
 *    address is the real peer;
 *  - a byte cap (Content-Length refused up front, the body cut when it
 *    grows past it) and one deadline for the whole chain of requests.
 * allow_private (KARAT_FETCH_ALLOW_PRIVATE) turns the address rule off for
 * deployments whose images live on a private network.
 */
#include "net/net.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/util.h"
#include "net/net_int.h"

struct guard {
    int allow_private;
    long connect_ms;       /* 0: only the fetch's deadline bounds a connect */
    const char *post_form; /* the first request's form body, NULL: GET */
    int refused;
    char refused_addr[INET6_ADDRSTRLEN];
};

static int v4_public(uint32_t a)
{
    static const struct {
        uint32_t net, mask;
    } blocked[] = {
        {0x00000000, 0xff000000}, /* 0.0.0.0/8 "this network" */
        {0x0a000000, 0xff000000}, /* 10/8 */
        {0x64400000, 0xffc00000}, /* 100.64/10 carrier-grade NAT */
        {0x7f000000, 0xff000000}, /* 127/8 loopback */
        {0xa9fe0000, 0xffff0000}, /* 169.254/16 link-local (cloud metadata) */
        {0xac100000, 0xfff00000}, /* 172.16/12 */
        {0xc0000000, 0xffffff00}, /* 192.0.0/24 protocol assignments */
        {0xc0000200, 0xffffff00}, /* 192.0.2/24 documentation */
        {0xc0a80000, 0xffff0000}, /* 192.168/16 */
        {0xc6120000, 0xfffe0000}, /* 198.18/15 benchmarking */
        {0xc6336400, 0xffffff00}, /* 198.51.100/24 documentation */
        {0xcb007100, 0xffffff00}, /* 203.0.113/24 documentation */
        {0xe0000000, 0xf0000000}, /* 224/4 multicast */
        {0xf0000000, 0xf0000000}, /* 240/4 reserved + broadcast */
    };
    for (size_t i = 0; i < sizeof blocked / sizeof blocked[0]; i++)
        if ((a & blocked[i].mask) == blocked[i].net)
            return 0;
    return 1;
}

/* Whether the first `bits` bits of a equal those of prefix. */
static int v6_in(const unsigned char *a, const unsigned char *prefix, unsigned bits)
{
    unsigned whole = bits / 8, rest = bits % 8;
    if (memcmp(a, prefix, whole) != 0)
        return 0;
    return rest == 0 || ((a[whole] ^ prefix[whole]) & (0xff00u >> rest) & 0xff) == 0;
}

static int v6_public(const unsigned char *b)
{
    /* Never a public peer: loopback/unspecified/IPv4-compatible, SIIT-translated
     * (::ffff:0:0/96), local-use NAT64 (64:ff9b:1::/48, its mapping is the
     * operator's), discard-only, Teredo (2001::/32, the client address is
     * obfuscated), benchmarking, ORCHID, documentation, unique/link/site-local and
     * multicast. */
    static const struct {
        unsigned char p[16];
        unsigned bits;
    } blocked[] = {
        {{0}, 96},
        {{0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0}, 96},
        {{0, 0x64, 0xff, 0x9b, 0, 1}, 48},
        {{0x01, 0x00, 0, 0, 0, 0, 0, 0}, 64},
        {{0x20, 0x01, 0, 0}, 32},
        {{0x20, 0x01, 0, 0x02, 0, 0}, 48},
        {{0x20, 0x01, 0, 0x10}, 28},
        {{0x20, 0x01, 0, 0x20}, 28},
        {{0x20, 0x01, 0x0d, 0xb8}, 32},
        {{0xfc}, 7},
        {{0xfe, 0x80}, 10},
        {{0xfe, 0xc0}, 10},
        {{0xff}, 8},
    };
    static const unsigned char mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char nat64[16] = {0, 0x64, 0xff, 0x9b};
    uint32_t v4 = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15];

    for (size_t i = 0; i < sizeof blocked / sizeof blocked[0]; i++)
        if (v6_in(b, blocked[i].p, blocked[i].bits))
            return 0;
    if (v6_in(b, mapped, 96) || v6_in(b, nat64, 96)) /* judge the embedded IPv4 */
        return v4_public(v4);
    if (b[0] == 0x20 && b[1] == 0x02) /* 6to4: judge the embedded IPv4 */
        return v4_public((uint32_t)b[2] << 24 | (uint32_t)b[3] << 16 | (uint32_t)b[4] << 8 | b[5]);
    return 1;
}

int net_addr_public(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return v4_public(ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr));
    if (sa->sa_family == AF_INET6)
        return v6_public(((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr);
    return 0;
}

static curl_socket_t open_checked(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct guard *g = clientp;
    const struct sockaddr *sa = &a->addr;
    (void)purpose;
    if (!g->allow_private && !net_addr_public(sa)) {
        const void *raw =
            sa->sa_family == AF_INET6
                ? (const void *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr
                : (const void *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
        g->refused = 1;
        if (!inet_ntop(sa->sa_family, raw, g->refused_addr, sizeof g->refused_addr))
            util_strlcpy(g->refused_addr, "?", sizeof g->refused_addr);
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

/* One request of the chain. *next gets a malloc'd Location for a 3xx. */
static enum kr_code fetch_once(const char *url, struct guard *g, long timeout_ms,
                               struct net_response *r, char **next, struct kr_err *err)
{
    CURL *h = curl_easy_init();
    struct net_sink sink = {r, 0};
    enum kr_code rc = KR_OK;
    char *loc = NULL;
    CURLcode cc;

    if (!h)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "cannot create an HTTP handle");
    net__setup_handle(h, &sink, timeout_ms, g->connect_ms);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->body.max);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_checked);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, g);
    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
    if (g->post_form)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, g->post_form);
    cc = curl_easy_perform(h);
    if (g->refused) {
        rc =
            kr_fail(err, KRS_URL_REFUSED,
                    "URL refused: it points to a private or special address (%s)", g->refused_addr);
    } else if (cc != CURLE_OK) {
        rc = net__curl_error(cc, &sink, "fetch", err);
    } else {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
        if (r->status >= 300 && r->status < 400 &&
            curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
            *next = strdup(loc);
    }
    curl_easy_cleanup(h);
    return rc;
}

void net_fetch_opts_from_config(const struct config *cfg, struct net_fetch_opts *o)
{
    *o = (struct net_fetch_opts){.max_bytes = (size_t)cfg->max_upload_bytes,
                                 .timeout_ms = 1000L * cfg->fetch_timeout_s,
                                 .max_redirects = cfg->fetch_max_redirects,
                                 .allow_private = cfg->fetch_allow_private,
                                 .connect_timeout_ms = 1000L * cfg->connect_timeout_s};
}

enum kr_code net_fetch(const char *url, const struct net_fetch_opts *opts, struct buf *out,
                       char *content_type, size_t ct_len, struct kr_err *err)
{
    struct net_fetch_opts o;
    struct guard g = {0};
    struct net_response r;
    char *cur = NULL, *next = NULL;
    enum kr_code rc = KR_OK;
    double deadline;

    if (!opts || !opts->max_bytes || opts->timeout_ms <= 0 || opts->max_redirects < 0)
        return kr_fail(err, KRS_BAD_OPTION, "a fetch needs a size cap and a timeout");
    o = *opts;
    if (out->max && out->max < o.max_bytes)
        o.max_bytes = out->max;
    g.allow_private = o.allow_private;
    g.connect_ms = o.connect_timeout_ms;
    g.post_form = o.post_form;
    deadline = util_now_ms() + (double)o.timeout_ms;
    net_response_init(&r);
    cur = url ? strdup(url) : NULL;
    for (int hop = 0;; hop++) {
        long left = (long)(deadline - util_now_ms());
        if (!cur || !net_url_ok(cur)) {
            rc = kr_fail(err, KRS_URL_REFUSED,
                         "URL refused: only http and https URLs with a host are fetched");
            goto out;
        }
        if (left <= 0) {
            rc = kr_fail(err, KRS_TIMEOUT, "fetch: timed out");
            goto out;
        }
        net_response_release(&r);
        r.body.max = o.max_bytes;
        rc = fetch_once(cur, &g, left, &r, &next, err);
        if (rc)
            goto out;
        if (!next)
            break;
        if (hop >= o.max_redirects) {
            rc = kr_fail(err, KRS_FETCH_FAILED, "fetch: more than %d redirects", o.max_redirects);
            goto out;
        }
        free(cur);
        cur = next;
        next = NULL;
        g.post_form = NULL; /* a redirect is followed with a GET */
    }
    if (r.status < 200 || r.status > 299) {
        rc = kr_fail(err, KRS_FETCH_FAILED, "fetch: the server answered HTTP %ld", r.status);
        goto out;
    }
    if (content_type && ct_len)
        util_strlcpy(content_type, r.content_type, ct_len);
    buf_release(out);
    out->data = buf_detach(&r.body, &out->len);
    out->cap = out->data ? out->len + 1 : 0;
out:
    free(cur);
    free(next);
    net_response_release(&r);
    return rc;
}
