/*
 * host.c - the base URL a request's answers may use, and which Host names
 * are allowed to form it.
 *
 * Returned URLs (when KARAT_PUBLIC_URL is unset) follow the name the client
 * used only when that name is trusted; otherwise they use the listen
 * address, so a spoofed Host can never put someone else's site into a
 * response (cache poisoning, links in job results):
 *   - Host is used when its host part (without the port) is one of the
 *     allowed host names (KARAT_ALLOWED_HOSTS, like Django's ALLOWED_HOSTS:
 *     exact names, any case; ".example.com" also matches every subdomain).
 *     An empty list means the listen host, "localhost", the loopback
 *     addresses and the machine's own name (gethostname).
 *   - X-Forwarded-Host and X-Forwarded-Proto are read only when the peer is a
 *     trusted proxy (KARAT_TRUSTED_PROXIES); the forwarded host must be
 *     allowed as well. From any other peer they are ignored.
 *   - Otherwise: http://LISTEN_HOST:PORT (127.0.0.1 / ::1 for a wildcard).
 * The first entry of a comma-separated forwarded header is the client-facing
 * one. The result is cached in the request.
 */
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/util.h"
#include "http/http_int.h"

/* host[:port] characters only, 1..255 bytes. */
static int host_ok(const char *h)
{
    size_t n = h ? strlen(h) : 0;
    if (n == 0 || n > 255)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)h[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_'))
            return 0;
    }
    return 1;
}

/* The host part of host[:port]: "[::1]:80" -> "::1", "a.b:80" -> "a.b". */
static void host_part(const char *h, char *out, size_t n)
{
    size_t len;
    if (h[0] == '[') {
        const char *close = strchr(h, ']');
        len = close ? (size_t)(close - h - 1) : strlen(h + 1);
        snprintf(out, n, "%.*s", (int)len, h + 1);
        return;
    }
    len = strchr(h, ':') && strchr(h, ':') == strrchr(h, ':') ? (size_t)(strchr(h, ':') - h)
                                                               : strlen(h);
    snprintf(out, n, "%.*s", (int)len, h);
}

static int allowed(const struct http_server *s, const char *hostport)
{
    char h[256];
    size_t hl;
    host_part(hostport, h, sizeof h);
    hl = strlen(h);
    if (hl && h[hl - 1] == '.') /* "example.com." is example.com */
        h[--hl] = '\0';
    for (int i = 0; i < s->nhosts; i++) {
        const char *e = s->hosts[i];
        size_t el = strlen(e);
        if (strcasecmp(e, h) == 0)
            return 1;
        if (e[0] == '.' && (strcasecmp(e + 1, h) == 0 ||
                            (hl > el && strcasecmp(h + hl - el, e) == 0)))
            return 1;
    }
    return 0;
}

enum kr_code http__hosts_init(struct http_server *s, const char *list, struct kr_err *err)
{
    char me[256] = "", dflt[800];
    if (list && *list) {
        s->nhosts = http__split_list(list, s->hosts, HTTP_MAX_LIST);
    } else {
        if (gethostname(me, sizeof me - 1) != 0)
            me[0] = '\0';
        snprintf(dflt, sizeof dflt, "localhost,127.0.0.1,::1,%s,%s", s->host, me);
        s->nhosts = http__split_list(dflt, s->hosts, HTTP_MAX_LIST);
    }
    if (s->nhosts < 0) {
        s->nhosts = 0;
        return kr_fail(err, KRS_BAD_ALLOWED_HOSTS,
                       "KARAT_ALLOWED_HOSTS: more than %d names, or out of memory", HTTP_MAX_LIST);
    }
    return KR_OK;
}

/* The first entry of a comma-separated header, trimmed, into out. */
static const char *first_entry(const char *v, char *out, size_t n)
{
    if (!v)
        return NULL;
    snprintf(out, n, "%.*s", (int)strcspn(v, ","), v);
    return util_trim(out);
}

const char *http_req_base_url(const struct http_request *r)
{
    struct http_request *w = (struct http_request *)r; /* cache; request-private */
    const char *host = http_req_header(r, MHD_HTTP_HEADER_HOST), *lh = r->srv->host;
    const char *scheme = "http";
    char fh[300], fp[16];

    if (w->base_url[0])
        return w->base_url;
    if (http__conns_trusted(r->srv, r->conn)) {
        const char *xh = first_entry(http_req_header(r, "X-Forwarded-Host"), fh, sizeof fh);
        const char *xp = first_entry(http_req_header(r, "X-Forwarded-Proto"), fp, sizeof fp);
        if (xh && *xh)
            host = xh;
        if (xp && (!strcasecmp(xp, "https") || !strcasecmp(xp, "http")))
            scheme = !strcasecmp(xp, "https") ? "https" : "http";
    }
    if (host_ok(host) && allowed(r->srv, host)) {
        snprintf(w->base_url, sizeof w->base_url, "%s://%s", scheme, host);
        return w->base_url;
    }
    if (!*lh || strcmp(lh, "0.0.0.0") == 0)
        lh = "127.0.0.1";
    else if (strcmp(lh, "::") == 0)
        lh = "::1";
    snprintf(w->base_url, sizeof w->base_url, strchr(lh, ':') ? "http://[%s]:%d" : "http://%s:%d",
             lh, r->srv->port);
    return w->base_url;
}
