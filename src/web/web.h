/*
 * web.h - the browser app, /openapi.json and /docs, served from assets
 * compiled into the binary.
 *
 * Every file under web/ in the source tree is turned into a C array at build
 * time (src/web/embed.cmake writes web_assets.c into the build directory), so
 * running Karat needs no build step and no files next to the binary. The app
 * is plain ES modules: web/app.js holds the page table; a page is one file
 * web/pages/NAME.js plus one row in that table (docs/ARCHITECTURE.md).
 *
 * All four handlers are public (HTTP_PUBLIC), like /health: the assets and
 * the API description hold no data; every call the app makes goes through
 * the API with the key the user signed in with.
 */
#ifndef KARAT_WEB_WEB_H
#define KARAT_WEB_WEB_H

#include <stddef.h>

#include "http/http.h"

/* One embedded file: path relative to web/ ("app.js", "pages/photos.js"). */
struct web_asset {
    const char *path;
    const unsigned char *data;
    size_t len;
    const char *etag; /* MD5 of the bytes, computed at build time */
};

/* The embedded file at path, or NULL. */
const struct web_asset *web_asset_find(const char *path);
/* Every embedded file (n returned). */
const struct web_asset *web_assets(size_t *n);

/* GET / : the app's page (index.html). */
void web_index(struct http_request *req, struct http_response *res, void *app);
/* GET /app/{path} : the app's scripts, styles and icons. */
void web_file(struct http_request *req, struct http_response *res, void *app);
/* GET /openapi.json : the OpenAPI 3.1 description of every route. */
void web_openapi(struct http_request *req, struct http_response *res, void *app);
/* GET /docs : the interactive API reference (renders /openapi.json). */
void web_docs(struct http_request *req, struct http_response *res, void *app);

#endif
