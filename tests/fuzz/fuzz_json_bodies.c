/*
 * fuzz_json_bodies.c - libFuzzer target: JSON request bodies of every POST
 * endpoint, through the real route table (api_routes) and handlers served
 * in-process by http/, with the app `karat serve` builds: a repository in a
 * temporary folder, the offline AI providers, the catalog and its job kinds.
 *
 * Input: the first byte picks the endpoint, the rest is the body, sent as
 * application/json. The endpoints that read JSON (/delete_image,
 * /catalog-ai, /catalog_ai_variations, /clear_excel_file, /generate-images,
 * /further_req)
 * parse and validate it; the form-only ones must refuse it with a 4xx.
 * Checks: every reply is below 500 and a JSON document (http.h: errors are
 * always JSON). The market endpoints may answer 502/503: every marketplace
 * fetch fails here (a closed port), which is what those codes report.
 *
 * Side effects are kept out: the job runner is opened without a store and
 * never started, and KARAT_JOB_SYNC_WAIT=0, so an accepted catalog request
 * is queued in memory (202) instead of fetching photo URLs; the repository
 * starts empty, so /delete_image and /generate-images find nothing to
 * delete or read.
 */
#include <ftw.h>
#include <jansson.h>
#include <stdint.h>

#include "ai/ai.h"
#include "api/api.h"
#include "core/config.h"
#include "core/log.h"
#include "fuzz_http.h"
#include "image/image.h"
#include "jobs/jobs.h"
#include "net/net.h"
#include "repo/repo.h"

static const char *const paths[] = {
    /* read a JSON body */
    "/delete_image", "/catalog-ai", "/catalog_ai_variations", "/clear_excel_file",
    "/generate-images",
    /* forms or query only: a JSON body is refused */
    "/image_similarity_search", "/upload-and-index", "/image-search", "/generate_caption",
    "/regenerate", "/regenerate_title", "/regenerate-image", "/templates/amazon/earrings",
    /* bills: /further_req reads JSON (and stores its result), the bill upload is a form */
    "/further_req", "/process-image-and-prompt/",
    /* products and collections, market watch (its marketplace URLs point at a closed
     * loopback port: every fetch fails at once, nothing leaves the machine) */
    "/semantic_filter_jewelry/", "/products/import", "/get_rank_product", "/competitor_analysis",
    "/get_number_of_offers", "/watch"};
#define NPATHS (sizeof paths / sizeof paths[0])

static struct config cfg;
static struct app *app;
static struct http_server *srv;
static struct fz_conn conn = {.fd = -1};
static char data_dir[256];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(p);
}

static void cleanup(void)
{
    nftw(data_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void check(enum kr_code rc, const struct kr_err *err)
{
    if (rc)
        fz_die(err->msg);
}

static void environment(void)
{
    static const char *const unset[] = {"GEMINI_API_KEY", "GOOGLE_API_KEY", "OPENAI_API_KEY",
                                        "KARAT_CONFIG",   "KARAT_API_KEYS", NULL};
    const char *tmp = getenv("TMPDIR");
    for (int i = 0; unset[i]; i++)
        unsetenv(unset[i]);
    snprintf(data_dir, sizeof data_dir, "%s/karat-fuzz-json.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(data_dir))
        fz_die("mkdtemp");
    atexit(cleanup);
    setenv("KARAT_DATA_DIR", data_dir, 1);
    setenv("KARAT_LISTEN", "127.0.0.1:0", 1);
    setenv("KARAT_ATTR_PROVIDER", "offline", 1);
    setenv("KARAT_COPY_PROVIDER", "offline", 1);
    setenv("KARAT_IMAGE_PROVIDER", "offline", 1);
    setenv("KARAT_JOB_SYNC_WAIT", "0", 1);
    setenv("VIPS_CONCURRENCY", "1", 1);
    setenv("KARAT_EMBED_PROVIDER", "offline", 1);
    setenv("KARAT_MARKET_AMAZON_URL", "http://127.0.0.1:9", 1);
    setenv("KARAT_MARKET_FLIPKART_URL", "http://127.0.0.1:9", 1);
    setenv("KARAT_MARKET_MYNTRA_URL", "http://127.0.0.1:9", 1);
    setenv("KARAT_MARKET_ATTEMPTS", "1", 1);
    setenv("KARAT_MARKET_RATE", "0", 1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct http_server_opts o;
    const struct http_route *routes;
    struct kr_err err = {0};
    size_t nroutes;
    (void)argc;
    log_set_level(LOG_OFF);
    environment();
    check(config_load(&cfg, &err), &err);
    check(image_init((*argv)[0], &err), &err);
    /* the app karat serve builds; app_start is never called, so jobs stay queued */
    check(app_open(&cfg, &(struct app_opts){APP_SERVER, "http://127.0.0.1:8000", NULL, NULL}, &app,
                   &err),
          &err);
    http_opts_from_config(&cfg, &o); /* what karat serve listens with, on a free port */
    o.listen = "127.0.0.1:0";
    o.api_keys = NULL;
    o.conn_timeout_s = 30;
    routes = api_routes(&nroutes);
    check(http_server_start(&o, routes, nroutes, app, &srv, &err), &err);
    conn.port = http_server_port(srv);
    return 0;
}

/* 502/503 from a market endpoint: its fetches failed (nothing listens). */
static int upstream_failure(const char *path, int status)
{
    return (status == 502 || status == 503) &&
           (!strcmp(path, "/get_rank_product") || !strcmp(path, "/competitor_analysis") ||
            !strcmp(path, "/get_number_of_offers"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    static struct fz_resp r;
    char head[512];
    json_t *j;

    if (n < 1)
        return 0;
    snprintf(head, sizeof head,
             "POST %s HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\n",
             paths[data[0] % NPATHS], n - 1);
    fz_exchange(&conn, head, data + 1, n - 1, &r);
    if (r.status == 0)
        fz_die("no reply");
    if (r.status >= 500 && !upstream_failure(paths[data[0] % NPATHS], r.status)) {
        fprintf(stderr, "fuzz_json_bodies: %s -> %d %s\n", paths[data[0] % NPATHS], r.status,
                r.body);
        abort();
    }
    j = json_loadb(r.body, r.len, 0, NULL);
    if (!j)
        fz_die("reply is not JSON");
    json_decref(j);
    return 0;
}
