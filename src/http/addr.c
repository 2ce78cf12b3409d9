/*
 * addr.c - addresses: the one we listen on, and the ones that talk to us.
 *
 * Listening: "HOST:PORT" or "[V6]:PORT" is resolved and bound here (not by
 * MHD) so a taken port gives a clear error and port 0 reports the port it
 * got. http__listen_loopback() tells whether every address a listen setting
 * resolves to is a loopback one (the no-keys rule in server.c).
 *
 * Peers: an IPv4 or IPv6 address is kept as 16 bytes (IPv4 as ::ffff:a.b.c.d)
 * so one comparison serves both families and IPv4-mapped peers match IPv4
 * rules. KARAT_TRUSTED_PROXIES entries are addresses or CIDR blocks
 * ("10.0.0.0/8", "fd00::/8", "192.0.2.7").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/util.h"
#include "http/http_int.h"

#define LISTEN_BACKLOG 128

/* ---- listening ------------------------------------------------------------ */

/* "host:port", "[v6]:port" -> host (may be empty) and port digits. */
static enum kr_code split_listen(const char *listen, char *host, size_t hn, char *port, size_t pn,
                                 struct kr_err *err)
{
    const char *colon, *h = listen, *hend;
    char *end = NULL;
    long p;

    if (!listen || !*listen)
        return kr_fail(err, KRS_BAD_LISTEN, "listen address is empty");
    if (listen[0] == '[') {
        h = listen + 1;
        hend = strchr(h, ']');
        colon = hend && hend[1] == ':' ? hend + 1 : NULL;
    } else {
        colon = strrchr(listen, ':');
        hend = colon;
    }
    if (!colon || !hend || (size_t)(hend - h) >= hn ||
        (listen[0] != '[' && memchr(h, ':', hend - h)))
        return kr_fail(err, KRS_BAD_LISTEN, "listen address '%s' is not HOST:PORT", listen);
    p = strtol(colon + 1, &end, 10);
    if (colon[1] < '0' || colon[1] > '9' || *end || p < 0 || p > 65535)
        return kr_fail(err, KRS_BAD_LISTEN, "bad port in listen address '%s'", listen);
    snprintf(host, hn, "%.*s", (int)(hend - h), h);
    snprintf(port, pn, "%ld", p);
    return KR_OK;
}

static int bind_one(const struct addrinfo *ai, int *err_no)
{
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1;
    if (fd < 0) {
        *err_no = errno;
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ai->ai_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
        *err_no = errno;
        close(fd);
        return -1;
    }
    return fd;
}

static int bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return -1;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

enum kr_code http__listen_open(struct http_server *s, const char *listen, int *fd_out,
                               struct kr_err *err)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char port[8];
    int fd = -1, err_no = 0, rc;

    if (split_listen(listen, s->host, sizeof s->host, port, sizeof port, err) != KR_OK)
        return err ? err->code : KR_EINVAL;
    rc = getaddrinfo(s->host[0] ? s->host : NULL, port, &hints, &res);
    if (rc != 0)
        return kr_fail(err, KRS_BAD_LISTEN, "cannot resolve '%s': %s", listen, gai_strerror(rc));
    for (const struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
        fd = bind_one(ai, &err_no);
    freeaddrinfo(res);
    if (fd < 0 && err_no == EADDRINUSE)
        return kr_fail(err, KRS_ADDRESS_IN_USE,
                       "cannot listen on %s: the address is already in use", listen);
    if (fd < 0)
        return kr_fail(err, KRS_LISTEN_FAILED, "cannot listen on %s: %s", listen, strerror(err_no));
    s->port = bound_port(fd);
    *fd_out = fd;
    return KR_OK;
}

enum kr_code http__listen_loopback(const char *listen, int *loopback, struct kr_err *err)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char host[80], port[8];
    int rc;

    *loopback = 0;
    if (split_listen(listen, host, sizeof host, port, sizeof port, err) != KR_OK)
        return err ? err->code : KR_EINVAL;
    if (!host[0])
        return KR_OK; /* every interface */
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0)
        return kr_fail(err, KRS_BAD_LISTEN, "cannot resolve '%s': %s", listen, gai_strerror(rc));
    *loopback = 1;
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        struct http_addr a;
        if (http__addr_from_sockaddr(ai->ai_addr, &a) != 0 || !http__addr_loopback(&a))
            *loopback = 0;
    }
    freeaddrinfo(res);
    return KR_OK;
}

/* ---- peers ---------------------------------------------------------------- */

static const unsigned char v4_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int http__addr_from_sockaddr(const struct sockaddr *sa, struct http_addr *out)
{
    memset(out, 0, sizeof *out);
    if (sa->sa_family == AF_INET) {
        memcpy(out->b, v4_prefix, 12);
        memcpy(out->b + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        memcpy(out->b, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
        return 0;
    }
    return -1;
}

int http__addr_parse(const char *s, struct http_addr *out)
{
    struct in_addr v4;
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, s, &v4) == 1) {
        memcpy(out->b, v4_prefix, 12);
        memcpy(out->b + 12, &v4, 4);
        return 0;
    }
    return inet_pton(AF_INET6, s, out->b) == 1 ? 0 : -1;
}

static int is_v4(const struct http_addr *a)
{
    return memcmp(a->b, v4_prefix, 12) == 0;
}

void http__addr_str(const struct http_addr *a, char *out, size_t n)
{
    if (!inet_ntop(is_v4(a) ? AF_INET : AF_INET6, is_v4(a) ? a->b + 12 : a->b, out,
                   (socklen_t)n))
        snprintf(out, n, "?");
}

int http__addr_loopback(const struct http_addr *a)
{
    static const unsigned char v6_loop[16] = {[15] = 1};
    return is_v4(a) ? a->b[12] == 127 : memcmp(a->b, v6_loop, 16) == 0;
}

int http__cidr_match(const struct http_cidr *c, const struct http_addr *a)
{
    int full = c->bits / 8, rest = c->bits % 8;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    if (memcmp(c->addr.b, a->b, (size_t)full) != 0)
        return 0;
    return rest == 0 || ((c->addr.b[full] ^ a->b[full]) & mask) == 0;
}

/* "ADDR" or "ADDR/BITS" (BITS counted in the address's own family). */
static int cidr_parse(char *s, struct http_cidr *out)
{
    char *slash = strchr(s, '/'), *end = NULL;
    long bits;
    if (slash)
        *slash = '\0';
    if (http__addr_parse(s, &out->addr) != 0)
        return -1;
    bits = is_v4(&out->addr) ? 32 : 128;
    if (slash) {
        long max = bits;
        bits = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end || bits < 0 || bits > max)
            return -1;
    }
    out->bits = (int)bits + (is_v4(&out->addr) ? 96 : 0);
    for (int i = out->bits; i < 128; i++) /* host bits off, so matching needs no mask */
        out->addr.b[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
    return 0;
}

enum kr_code http__cidr_list(const char *s, struct http_cidr *out, int *n, struct kr_err *err)
{
    char *items[HTTP_MAX_LIST];
    int k = http__split_list(s, items, HTTP_MAX_LIST), bad = -1;
    *n = 0;
    if (k < 0)
        return kr_fail(err, KRS_BAD_TRUSTED_PROXIES,
                       "KARAT_TRUSTED_PROXIES: more than %d entries, or out of memory",
                       HTTP_MAX_LIST);
    for (int i = 0; i < k && bad < 0; i++)
        if (cidr_parse(items[i], &out[i]) != 0)
            bad = i;
    if (bad >= 0) {
        kr_fail(err, KRS_BAD_TRUSTED_PROXIES,
                "KARAT_TRUSTED_PROXIES: '%s' is not an address or ADDRESS/BITS", items[bad]);
        http__free_list(items, k);
        return KR_EINVAL;
    }
    http__free_list(items, k);
    *n = k;
    return KR_OK;
}
