/*
 * app.h - the application, assembled from the configuration in one place.
 *
 * `karat serve` (and anything else that serves the API, such as the fuzz
 * harness) gets every part from app_open(), in dependency order:
 *
 *   config -> repo (store + blobs + index) -> net -> ai -> jobs (persisted in
 *   the store) -> admission slots -> catalog (its job kinds registered, its
 *   io reading photos and saving sheets through the repo) -> studio pool
 *
 * and gives them back with app_close(), in reverse. Job workers start only
 * with app_start(), so the caller chooses the thread (and signal mask) they
 * inherit; app_stop() makes them finish their current item.
 *
 * The parts are plain pointers: api/ handlers read them (struct app is what
 * every handler gets as its `app` argument); nothing else may replace them
 * once app_open() returned.
 */
#ifndef KARAT_APP_APP_H
#define KARAT_APP_APP_H

#include <stddef.h>

#include "core/config.h"
#include "core/err.h"

struct repo;
struct ai;
struct jobs;
struct catalog;
struct pool;
struct admit;
struct http_server_opts;

/* Kinds of expensive work with their own admission slots (core/admit.h). */
enum app_work { APP_WORK_STUDIO, APP_WORK_TEMPLATE, APP_WORK_JOBS, APP_WORK_COUNT };

struct app {
    const struct config *cfg;
    struct repo *repo;
    struct ai *ai;
    struct jobs *jobs;
    struct catalog *catalog;
    struct pool *studio_pool;            /* KARAT_STUDIO_WORKERS threads for image work */
    struct admit *admit[APP_WORK_COUNT]; /* the jobs' one is also held by jobs/ */
};

/* Open every part for cfg (borrowed: it must outlive the app). public_base
 * is the base of file URLs when KARAT_PUBLIC_URL is unset (see
 * app_public_base). On failure everything opened so far is closed. */
enum kr_code app_open(const struct config *cfg, const char *public_base, struct app **out,
                      struct kr_err *err);
/* Resume unfinished jobs and start the job workers (they inherit the
 * calling thread's signal mask). */
enum kr_code app_start(struct app *a, struct kr_err *err);
/* No new job item starts; waiting requests answer at once. */
void app_stop(struct app *a);
/* Everything closed in reverse order. NULL is fine. */
void app_close(struct app *a);

/* "http://HOST:PORT" of the listen address (a wildcard host becomes the
 * loopback one), for file URLs when KARAT_PUBLIC_URL is not set. */
void app_public_base(const char *listen, char *out, size_t n);
/* The HTTP server's options from the configuration. */
void app_http_opts(const struct config *cfg, struct http_server_opts *o);

#endif
