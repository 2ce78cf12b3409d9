/*
 * cmd_serve.c - `karat serve`: open the repository, start the HTTP server
 * with the api/ route table, wait for SIGINT/SIGTERM, shut down cleanly.
 *
 * Settings that would leave the server open by mistake (see
 * http_server_check: keys that parse to nothing or are short, no keys on a
 * non-loopback address) stop it before anything is opened: exit status 2.
 *
 * Shutdown has a deadline (KARAT_SHUTDOWN_TIMEOUT): new connections are
 * refused, idle ones closed, running requests get the deadline to finish.
 * A watchdog thread armed at the signal ends the process with status 3 if
 * anything (a stuck handler, a job worker in a long call) still holds it
 * up then; the repository is crash-safe, so this is the same as a crash
 * at that moment, and the jobs resume on restart.
 *
 * With KARAT_WATCH_INTERVAL > 0 the thread that waits for the signal also
 * refreshes the market watch list every interval (no thread of its own);
 * a signal that arrives during a refresh stops it after the current watch.
 */
#include "cli/cli.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ai/ai.h"
#include "api/api.h"
#include "app/app.h"
#include "core/log.h"
#include "core/util.h"
#include "repo/repo.h"
#include "watch/watch.h"

static const struct cli_opt opts[] = {
    {"--listen", 1, "HOST:PORT to listen on (KARAT_LISTEN, default 127.0.0.1:8000)"},
    {"--data", 1, "data folder (KARAT_DATA_DIR, default ./var)"},
    {NULL, 0, NULL},
};

#define EXIT_FORCED 3 /* the shutdown deadline passed with work still running */

struct deadline {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
    int seconds;
};

/* Armed at the signal: exits the process if shutdown is not over in time. */
static void *deadline_watch(void *arg)
{
    struct deadline *d = arg;
    struct timespec ts;
    int done;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += d->seconds;
    pthread_mutex_lock(&d->mu);
    while (!d->done && pthread_cond_timedwait(&d->cv, &d->mu, &ts) == 0)
        ;
    done = d->done;
    pthread_mutex_unlock(&d->mu);
    if (!done) {
        log_warn("shutdown: still busy after %d s (KARAT_SHUTDOWN_TIMEOUT); exiting now",
                 d->seconds);
        _exit(EXIT_FORCED);
    }
    return NULL;
}

static void deadline_end(struct deadline *d, pthread_t t)
{
    pthread_mutex_lock(&d->mu);
    d->done = 1;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
    pthread_join(t, NULL);
}

/* Stop taking requests, let running ones finish within the deadline. */
static void stop_serving(struct app *app, struct http_server *srv, int seconds)
{
    int left;
    app_stop(app); /* waiting requests answer at once; jobs resume on restart */
    /* the HTTP side stops half a second before the deadline, so a clean stop
       (joining the connection threads) is not cut off by the watchdog */
    left = http_server_shutdown(srv, seconds * 1000 - 500);
    if (left > 0) {
        log_warn("shutdown: %d request(s) still running after %d s (KARAT_SHUTDOWN_TIMEOUT); "
                 "exiting now",
                 left, seconds);
        _exit(EXIT_FORCED);
    }
}

/* Is a stop signal (SIGTERM, SIGINT: blocked, so pending) waiting? Asked between watches,
 * so a refresh holds a shutdown up by one watch's pages at most. */
static int stop_pending(void *ctx)
{
    sigset_t p;
    (void)ctx;
    return sigpending(&p) == 0 && (sigismember(&p, SIGTERM) == 1 || sigismember(&p, SIGINT) == 1);
}

/* Wait for SIGINT/SIGTERM; meanwhile observe the market watch list every
 * KARAT_WATCH_INTERVAL seconds (0: never). */
static int wait_signal(struct app *app, const sigset_t *set)
{
    const int every = app->cfg->watch_interval_s;
    for (;;) {
        struct timespec ts = {every, 0};
        struct watch_run_res res;
        struct kr_err err = {0};
        int sig = 0;
        if (every <= 0) {
            if (sigwait(set, &sig) == 0)
                return sig;
            continue;
        }
        sig = sigtimedwait(set, NULL, &ts);
        if (sig > 0)
            return sig;
        if (!app->watch || !app->store)
            continue;
        if (watch_refresh(app->watch, app->store,
                          &(struct watch_run){.max_pages = app->cfg->market_max_pages,
                                              .stop = stop_pending},
                          &res, &err))
            log_warn("market watch refresh: %s (%s)", err.msg, err.slug);
        else
            log_info("market watch refresh: %d watches, %d with a failed part", res.refreshed,
                     res.failed);
    }
}

static int run(struct config *cfg)
{
    struct app *app = NULL;
    struct http_server_opts hopts;
    struct http_server *srv = NULL;
    struct kr_err err = {0};
    const struct http_route *routes;
    size_t nroutes;
    char base[512];
    const struct app_opts ao = {APP_SERVER, base, NULL, NULL};
    sigset_t set;
    int sig, rc = 1;

    struct deadline dl = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0,
                          cfg->shutdown_timeout_s};
    pthread_t watch = pthread_self();

    http_opts_from_config(cfg, &hopts);
    hopts.scope = api_request_scope;
    if (http_server_check(&hopts, &err)) {
        fprintf(stderr, "karat: %s\n", err.msg);
        return 2;
    }
    if (api_auth_off(cfg))
        log_warn("listening on %s without API keys (KARAT_ALLOW_NO_AUTH): anyone who can reach "
                 "it can use it",
                 cfg->listen);
    app_public_base(cfg->listen, base, sizeof base);
    /* SIGINT/SIGTERM blocked first, so every thread the app starts inherits the mask */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (app_open(cfg, &ao, &app, &err) || app_start(app, &err)) {
        fprintf(stderr, "karat: %s\n", err.msg);
        rc = err.code == KR_EINVAL ? 2 : 1; /* a setting that cannot work: a configuration error */
        goto out;
    }
    log_info("AI providers: attributes %s, copy %s, images %s",
             ai_provider_name(app->ai, AI_ROLE_ATTR), ai_provider_name(app->ai, AI_ROLE_COPY),
             ai_provider_name(app->ai, AI_ROLE_IMAGE));
    routes = api_routes(&nroutes);
    if (http_server_start(&hopts, routes, nroutes, app, &srv, &err)) {
        fprintf(stderr, "karat: %s\n", err.msg);
        goto out;
    }
    log_info("karat listening on http://%s (data %s, %zu images indexed)", cfg->listen,
             cfg->data_dir, repo_index_count(app->repo));
    sig = wait_signal(app, &set);
    log_info("signal %d: shutting down (at most %d s)", sig, cfg->shutdown_timeout_s);
    if (pthread_create(&watch, NULL, deadline_watch, &dl) != 0)
        watch = pthread_self(); /* no watchdog: the drain below is still bounded */
    stop_serving(app, srv, cfg->shutdown_timeout_s);
    rc = 0;
out:
    app_close(app);
    if (rc == 0 && !pthread_equal(watch, pthread_self()))
        deadline_end(&dl, watch);
    return rc;
}

int cli_cmd_serve(int argc, char **argv)
{
    struct cli_args a;
    struct config cfg;
    struct kr_err err = {0};
    int rc = cli_parse(argc, argv, opts, "karat serve [--listen HOST:PORT] [--data DIR]", &a);

    if (rc)
        return rc;
    if ((rc = cli_start(&cfg, cli_get(&a, opts, "--data"))) != 0)
        return rc;
    if (cli_get(&a, opts, "--listen") &&
        config_set(&cfg, "KARAT_LISTEN", cli_get(&a, opts, "--listen"), &err)) {
        fprintf(stderr, "karat: %s\n", err.msg);
        cli_finish(&cfg);
        return 2;
    }
    log_set_level(log_level_parse(cfg.log_level));
    rc = run(&cfg);
    cli_finish(&cfg);
    return rc;
}
