/*
 * app.h - the application, assembled from the configuration in one place.
 *
 * `karat serve`, the CLI commands that need more than pixels, and anything
 * else that serves the API (the fuzz harness) get their parts from
 * app_open(), in dependency order:
 *
 *   config -> repo (store + blobs + index) or the store alone -> worker pool
 *   -> net -> ai -> jobs (persisted in the repo's store) and catalog (its
 *   job kinds registered, its io reading photos and saving sheets through
 *   the repo) -> admission slots (the jobs' one handed to jobs/)
 *
 * and gives them back with app_close(), in reverse. struct app_opts says
 * which parts a caller needs (karat serve: APP_SERVER; `karat fsck`: only
 * APP_REPO; ...); the others stay NULL. The worker pool (core/pool.h) is
 * the process's one pool: the studio's images and the catalog jobs' items
 * run on it. It is created in app_open() (so its threads inherit the
 * calling thread's signal mask), but jobs submit nothing before
 * app_start(); app_stop() lets running items finish and starts no more.
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
struct store;
struct watch_fetcher;
struct catalog_io;

/* Kinds of expensive work with their own admission slots (core/admit.h). */
enum app_work { APP_WORK_STUDIO, APP_WORK_TEMPLATE, APP_WORK_JOBS, APP_WORK_BILLS, APP_WORK_COUNT };

/* The parts app_open() can open (bits of app_opts.parts). */
enum app_part {
    APP_REPO = 1 << 0,    /* store + blobs + index in the data folder (and its lock) */
    APP_STORE = 1 << 1,   /* only the record store in the data folder (no lock, no blobs): the
                             SKU cache of `karat catalog --data`; ignored with APP_REPO */
    APP_POOL = 1 << 2,    /* the worker pool */
    APP_AI = 1 << 3,      /* libcurl + the AI providers */
    APP_CATALOG = 1 << 4, /* jobs + catalog; brings APP_POOL and APP_AI */
    APP_ADMIT = 1 << 5,   /* admission slots for the studio, templates and jobs */
};
#define APP_SERVER (APP_REPO | APP_POOL | APP_AI | APP_CATALOG | APP_ADMIT)

struct image_px;
/* The studio's segmentation as an ai_segmenter cut (app_open installs it on
 * the AI layer): mask = alpha >= 128; a busy background fails. */
enum kr_code app_segment_cut(void *ctx, const struct image_px *px, unsigned char *mask,
                             struct kr_err *err);

struct app_opts {
    unsigned parts; /* enum app_part bits */
    /* APP_REPO: the base of file URLs when KARAT_PUBLIC_URL is unset (see
     * app_public_base). */
    const char *public_base;
    /* APP_CATALOG: the seller profile file (NULL: KARAT_SELLER_PROFILE) and
     * the catalog's io (NULL: the app's own, which needs APP_REPO). */
    const char *profile;
    const struct catalog_io *io;
};

struct app {
    const struct config *cfg;
    unsigned parts;
    struct repo *repo;
    struct store *store; /* the repo's store, or APP_STORE's own; NULL without either */
    struct pool *pool;   /* KARAT_JOB_WORKERS + KARAT_STUDIO_WORKERS threads */
    struct ai *ai;
    struct jobs *jobs; /* persisted in the store with APP_REPO, else in memory */
    struct catalog *catalog;
    struct admit *admit[APP_WORK_COUNT]; /* the jobs' one is also held by jobs/ */
    struct watch_fetcher *watch;         /* APP_AI: the market watch's polite fetcher */
};

/* Open the parts o asks for, for cfg (borrowed: it must outlive the app).
 * On failure everything opened so far is closed. */
enum kr_code app_open(const struct config *cfg, const struct app_opts *o, struct app **out,
                      struct kr_err *err);
/* Resume unfinished jobs and let jobs submit their items to the pool. */
enum kr_code app_start(struct app *a, struct kr_err *err);
/* No new job item starts; waiting requests answer at once. */
void app_stop(struct app *a);
/* The process's worker pool for cfg: KARAT_JOB_WORKERS + KARAT_STUDIO_WORKERS
 * threads that free libvips' per-thread buffers when they end (app_open
 * makes it; exported for harnesses that assemble less). */
enum kr_code app_pool_create(const struct config *cfg, struct pool **out, struct kr_err *err);
/* Everything closed in reverse order. NULL is fine. */
void app_close(struct app *a);

/* Products (src/product) that photos become, one call each, best effort
 * (a failure is logged, never the caller's failure: the caption or listing
 * it records has been answered already). The photo is found by its URL in
 * the store; the product is "img-<image id>" or the SKU. */
struct caption_result;
/* A photo /generate_caption described (type: its jewellery type). */
void app_note_caption(struct app *a, const char *url, const struct caption_result *c,
                      const char *type);
/* The same, the product named by sku when it is not NULL or empty (the
 * command line's photos are files the store does not hold). */
void app_note_caption_sku(struct app *a, const char *url, const char *sku,
                          const struct caption_result *c, const char *type);
struct catalog_listed;
/* A photo a catalog job listed (the app's own catalog io does this; the
 * command line's io calls it). */
void app_note_listed(struct app *a, const struct catalog_listed *l);

/* "http://HOST:PORT" of the listen address (a wildcard host becomes the
 * loopback one), for file URLs when KARAT_PUBLIC_URL is not set. */
void app_public_base(const char *listen, char *out, size_t n);

#endif
