/*
 * web.c - serving the embedded assets (see web.h).
 *
 * The table itself is generated (web_assets.c in the build directory, from
 * web/ by embed.cmake); this file only looks paths up and answers with the
 * right content type, an ETag and headers that keep the page to its own
 * scripts (Content-Security-Policy) and stop type sniffing. Assets change
 * only with the binary, so clients revalidate (no-cache) and get 304s.
 */
#include "web/web.h"

#include <stdio.h>
#include <string.h>

/* Generated: the table and its size. */
extern const struct web_asset web__assets[];
extern const size_t web__nassets;

static const char *type_for(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

const struct web_asset *web_assets(size_t *n)
{
    *n = web__nassets;
    return web__assets;
}

const struct web_asset *web_asset_find(const char *path)
{
    for (size_t i = 0; path && i < web__nassets; i++)
        if (strcmp(web__assets[i].path, path) == 0)
            return &web__assets[i];
    return NULL;
}

static void answer(struct http_response *res, const char *path)
{
    const struct web_asset *a = web_asset_find(path);

    /* Only whole names from the table are served: "..", "%00" or a folder
     * can never name anything. */
    if (!a) {
        http_res_error(res, KRS_NOT_FOUND, "no such file");
        return;
    }
    snprintf(res->etag, sizeof res->etag, "\"%s\"", a->etag);
    snprintf(res->extra_headers, sizeof res->extra_headers,
             "Cache-Control: no-cache\r\n"
             "Content-Security-Policy: default-src 'self'; img-src 'self' blob: data:; "
             "connect-src 'self'; style-src 'self'; script-src 'self'; object-src 'none'; "
             "base-uri 'none'; frame-ancestors 'none'\r\n");
    http_res_bytes(res, 200, type_for(a->path), a->data, a->len);
}

void web_index(struct http_request *req, struct http_response *res, void *app)
{
    (void)req;
    (void)app;
    answer(res, "index.html");
}

void web_file(struct http_request *req, struct http_response *res, void *app)
{
    (void)app;
    answer(res, http_req_param(req, "path"));
}

void web_openapi(struct http_request *req, struct http_response *res, void *app)
{
    (void)req;
    (void)app;
    answer(res, "openapi.json");
}

void web_docs(struct http_request *req, struct http_response *res, void *app)
{
    (void)req;
    (void)app;
    answer(res, "docs.html");
}
