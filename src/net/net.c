/*
 * net.c - one libcurl easy handle per call for talking to cloud APIs.
 *
 * net_perform() is deliberately plain: no redirects, http/https only, no
 * proxy surprises beyond what the environment sets, a cap on the reply body
 * (the write callback refuses to grow past it), a whole-transfer timeout,
 * and the few reply headers callers need for retry decisions captured
 * verbatim. HTTP statuses are not errors here; the AI layer reads them.
 *
 * net_fetch() (SSRF-guarded fetching of caller URLs) lives in fetch.c and
 * shares the body/header callbacks through net_int.h.
 */
#include "net/net.h"

#include <curl/curl.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "net/net_int.h"


enum kr_code net_global_init(struct kr_err *err)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return kr_fail(err, KRS_NET_INIT, "libcurl initialisation failed");
    return KR_OK;
}

void net_global_cleanup(void)
{
    curl_global_cleanup();
}

void net_response_init(struct net_response *r)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->body, 0);
}

void net_response_release(struct net_response *r)
{
    buf_release(&r->body);
    r->status = 0;
    r->content_type[0] = r->retry_after[0] = r->retry_after_ms[0] = r->location[0] = '\0';
}

size_t net__on_body(char *data, size_t sz, size_t nm, void *user)
{
    struct net_sink *s = user;
    size_t n = sz * nm;
    if (buf_append(&s->resp->body, data, n) != KR_OK) {
        s->overflow = 1;
        return 0; /* makes curl fail with CURLE_WRITE_ERROR */
    }
    return n;
}

/* Copy the value of "Name: value\r\n" into out if the name matches. */
static void grab_header(const char *line, size_t n, const char *name, char *out, size_t outn)
{
    size_t nl = strlen(name), vl;
    const char *v;
    if (n <= nl || line[nl] != ':' || strncasecmp(line, name, nl) != 0)
        return;
    v = line + nl + 1;
    vl = n - nl - 1;
    while (vl && (*v == ' ' || *v == '\t'))
        v++, vl--;
    while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
        vl--;
    if (vl >= outn)
        vl = outn - 1;
    memcpy(out, v, vl);
    out[vl] = '\0';
}

size_t net__on_header(char *data, size_t sz, size_t nm, void *user)
{
    struct net_sink *s = user;
    size_t n = sz * nm;
    struct net_response *r = s->resp;
    if (n > 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* a new response (after 100-continue or a redirect): forget old values */
        r->content_type[0] = r->retry_after[0] = r->retry_after_ms[0] = r->location[0] = '\0';
        return n;
    }
    grab_header(data, n, "content-type", r->content_type, sizeof r->content_type);
    grab_header(data, n, "retry-after", r->retry_after, sizeof r->retry_after);
    grab_header(data, n, "retry-after-ms", r->retry_after_ms, sizeof r->retry_after_ms);
    grab_header(data, n, "location", r->location, sizeof r->location);
    return n;
}

enum kr_code net__curl_error(CURLcode cc, const struct net_sink *sink, const char *what,
                            struct kr_err *err)
{
    if (sink->overflow)
        return kr_fail(err, KRS_TOO_LARGE, "%s: reply is larger than the limit", what);
    if (cc == CURLE_OPERATION_TIMEDOUT)
        return kr_fail(err, KRS_TIMEOUT, "%s: timed out", what);
    if (cc == CURLE_FILESIZE_EXCEEDED)
        return kr_fail(err, KRS_TOO_LARGE, "%s: reply is larger than the limit", what);
    if (cc == CURLE_OUT_OF_MEMORY)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "%s: out of memory", what);
    return kr_fail(err, KRS_UPSTREAM_UNREACHABLE, "%s: %s", what, curl_easy_strerror(cc));
}

static enum kr_code add_headers(const char *const *headers, struct curl_slist **list)
{
    for (const char *const *h = headers; h && *h; h++) {
        struct curl_slist *n = curl_slist_append(*list, *h);
        if (!n)
            return KR_ENOMEM;
        *list = n;
    }
    return KR_OK;
}

static enum kr_code add_parts(CURL *h, const struct net_request *req, curl_mime **mime)
{
    *mime = curl_mime_init(h);
    if (!*mime)
        return KR_ENOMEM;
    for (size_t i = 0; i < req->nparts; i++) {
        const struct net_part *p = &req->parts[i];
        curl_mimepart *mp = curl_mime_addpart(*mime);
        if (!mp || curl_mime_name(mp, p->name) != CURLE_OK ||
            curl_mime_data(mp, p->data, p->len) != CURLE_OK)
            return KR_ENOMEM;
        if (p->filename && curl_mime_filename(mp, p->filename) != CURLE_OK)
            return KR_ENOMEM;
        if (p->content_type && curl_mime_type(mp, p->content_type) != CURLE_OK)
            return KR_ENOMEM;
    }
    return curl_easy_setopt(h, CURLOPT_MIMEPOST, *mime) == CURLE_OK ? KR_OK : KR_EINTERNAL;
}

void net__setup_handle(CURL *h, struct net_sink *sink, long timeout_ms, long connect_ms)
{
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms > 0 ? connect_ms : timeout_ms);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, net__on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, net__on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, sink);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "karat/1");
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
}

static enum kr_code set_body(CURL *h, const struct net_request *req, curl_mime **mime)
{
    const char *method = req->method;
    if (req->nparts) {
        enum kr_code rc = add_parts(h, req, mime);
        if (rc)
            return rc;
    } else if (req->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
    }
    if (!method)
        return KR_OK;
    if (strcmp(method, "GET") == 0 && !req->nparts && !req->body)
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    else if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "POST") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    return KR_OK;
}

enum kr_code net_perform(const struct net_request *req, struct net_response *r, struct kr_err *err)
{
    CURL *h;
    struct curl_slist *hdrs = NULL;
    curl_mime *mime = NULL;
    struct net_sink sink = {r, 0};
    enum kr_code rc = KR_OK;
    CURLcode cc;

    if (!req || !req->url || !net_url_ok(req->url))
        return kr_fail(err, KRS_BAD_URL, "not an http(s) URL");
    if (req->timeout_ms <= 0 || req->max_response == 0)
        return kr_fail(err, KRS_BAD_OPTION, "a request needs a timeout and a size cap");
    net_response_release(r);
    r->body.max = req->max_response;
    h = curl_easy_init();
    if (!h)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "cannot create an HTTP handle");
    net__setup_handle(h, &sink, req->timeout_ms, req->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    if (add_headers(req->headers, &hdrs) || set_body(h, req, &mime)) {
        rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory building the request");
        goto out;
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        rc = net__curl_error(cc, &sink, "request", err);
        goto out;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
out:
    curl_easy_cleanup(h);
    curl_mime_free(mime);
    curl_slist_free_all(hdrs);
    return rc;
}

int net_url_ok(const char *url)
{
    CURLU *u;
    char *scheme = NULL, *host = NULL;
    int ok = 0;

    if (!url || strlen(url) > 8192)
        return 0;
    u = curl_url();
    if (!u)
        return 0;
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
        ok = (strcasecmp(scheme, "http") == 0 || strcasecmp(scheme, "https") == 0) && *host;
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return ok;
}
