/*
 * catalog_pipeline.c - how fast the catalog pipeline turns photos into a
 * marketplace sheet (docs/BENCHMARKS.md, "Catalog pipeline").
 *
 *   bench_catalog_pipeline server N DELAY_MS KARAT_BIN [WORKERS AI_CONC]
 *       End to end through the real server: an in-process fake provider
 *       (Gemini generateContent for attributes, OpenAI chat completions for
 *       copy, both answering after DELAY_MS, and the product photos at
 *       /img/K.jpg) on 127.0.0.1; `karat serve` started with
 *       KARAT_JOB_WORKERS=WORKERS (default 8) and KARAT_AI_CONCURRENCY=AI_CONC
 *       (default 4); one synchronous POST /catalog-ai of N photo URLs, timed
 *       from request to response (fetch, both model calls per product,
 *       xlsx + csv written). Prints wall time, rows, requests seen and the
 *       most requests each fake provider had in flight at once.
 *
 *   bench_catalog_pipeline offline N DIR [WORKERS]
 *       In-process, offline provider: N synthetic 1200x1200 JPEG photos in
 *       DIR (made on first use), one catalog job over all of them with
 *       WORKERS job workers (default: nproc), timed from submit to the
 *       finished workbook. Prints products per second.
 *
 * One line of key=value pairs goes to stdout.
 */
#include <jansson.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ai/ai.h"
#include "catalog/catalog.h"
#include "core/config.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/util.h"
#include "image/image.h"
#include "jobs/jobs.h"
#include "net/net.h"

/* ---- synthetic photos: a coloured disc with a ring, on white ---- */

static unsigned char *synth_photo(int seed, int side, size_t *len)
{
    struct image_px px = {side, side, 3, malloc((size_t)side * side * 3)};
    unsigned char *out = NULL, c[3] = {(unsigned char)(90 + seed * 37 % 150),
                                       (unsigned char)(60 + seed * 53 % 180),
                                       (unsigned char)(40 + seed * 71 % 200)};
    double r0 = side * (0.18 + (seed % 7) * 0.02), cx = side / 2.0, cy = side / 2.0;

    for (int y = 0; y < side; y++)
        for (int x = 0; x < side; x++) {
            double d = (x - cx) * (x - cx) + (y - cy) * (y - cy);
            unsigned char *p = px.data + ((size_t)y * side + x) * 3;
            int in = d < r0 * r0, ring = d < (r0 * 1.6) * (r0 * 1.6) && d > (r0 * 1.4) * (r0 * 1.4);
            for (int k = 0; k < 3; k++)
                p[k] = in ? c[k] : ring ? (unsigned char)(200 - k * 40) : 255;
        }
    if (image_encode(&px, "jpeg", 90, &out, len, NULL))
        out = NULL;
    free(px.data);
    return out;
}

/* ---- fake provider ---- */

struct fake {
    struct MHD_Daemon *d;
    int port, delay_ms;
    unsigned char **photos;
    size_t *lens, n;
    char *gemini, *openai;
    atomic_int gem_now, gem_max, oai_now, oai_max, gem_count, oai_count;
};

static void bump(atomic_int *now, atomic_int *max)
{
    int v = atomic_fetch_add(now, 1) + 1, m;
    while ((m = atomic_load(max)) < v && !atomic_compare_exchange_weak(max, &m, v))
        ;
}

static enum MHD_Result reply(struct MHD_Connection *c, int status, const char *type,
                             const void *data, size_t n)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(n, (void *)data, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result rc;
    MHD_add_response_header(r, "Content-Type", type);
    rc = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    struct fake *f = cls;
    int gem = strstr(url, ":generateContent") != NULL, oai = strstr(url, "/chat/") != NULL;
    (void)method;
    (void)version;
    (void)upload;
    if (!*con_cls) { /* first call: headers only */
        *con_cls = f;
        return MHD_YES;
    }
    if (*upload_size) { /* the request body is not needed */
        *upload_size = 0;
        return MHD_YES;
    }
    if (!strncmp(url, "/img/", 5)) {
        size_t k = (size_t)atol(url + 5);
        return k < f->n ? reply(c, 200, "image/jpeg", f->photos[k], f->lens[k])
                        : reply(c, 404, "text/plain", "no", 2);
    }
    if (!gem && !oai)
        return reply(c, 404, "text/plain", "no", 2);
    bump(gem ? &f->gem_now : &f->oai_now, gem ? &f->gem_max : &f->oai_max);
    atomic_fetch_add(gem ? &f->gem_count : &f->oai_count, 1);
    usleep((useconds_t)f->delay_ms * 1000);
    atomic_fetch_sub(gem ? &f->gem_now : &f->oai_now, 1);
    return reply(c, 200, "application/json", gem ? f->gemini : f->openai,
                 strlen(gem ? f->gemini : f->openai));
}

static char *dump(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

static void fake_start(struct fake *f)
{
    const char *attrs = "{\"color_map\":\"Gold\",\"style_name\":\"Traditional\","
                        "\"item_type_name\":\"Jhumkis\",\"material_type\":\"Metal\","
                        "\"color_name\":\"Antique Gold\"}";
    const char *copy = "{\"item_name\":\"Alya Jewels Antique Gold Jhumka Earrings\","
                       "\"product_description\":\"Traditional jhumka earrings.\","
                       "\"bullet_point1\":\"LOOK: dome\",\"bullet_point2\":\"FINISH: gold\","
                       "\"bullet_point3\":\"STONES: none\",\"bullet_point4\":\"COMFORT: light\","
                       "\"bullet_point5\":\"GIFT: festive\",\"generic_keywords\":\"jhumka\"}";
    const union MHD_DaemonInfo *info;

    f->gemini = dump(json_pack("{s:[{s:{s:s,s:[{s:s}]},s:s}]}", "candidates", "content", "role",
                               "model", "parts", "text", attrs, "finishReason", "STOP"));
    f->openai = dump(json_pack("{s:s,s:s,s:[{s:i,s:{s:s,s:s},s:s}]}", "id", "chatcmpl-bench",
                               "object", "chat.completion", "choices", "index", 0, "message",
                               "role", "assistant", "content", copy, "finish_reason", "stop"));
    f->d =
        MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL,
                         NULL, handle, f, MHD_OPTION_CONNECTION_LIMIT, 512u, MHD_OPTION_END);
    if (!f->d) {
        fprintf(stderr, "cannot start the fake provider\n");
        exit(1);
    }
    info = MHD_get_daemon_info(f->d, MHD_DAEMON_INFO_BIND_PORT);
    f->port = info->port;
}

/* ---- server mode ---- */

static int free_port(void)
{
    struct fake probe = {0};
    probe.d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handle, &probe,
                               MHD_OPTION_END);
    int port = MHD_get_daemon_info(probe.d, MHD_DAEMON_INFO_BIND_PORT)->port;
    MHD_stop_daemon(probe.d);
    return port;
}

static pid_t start_server(const char *bin, int port, const char *dir, struct fake *f,
                          const char *workers, const char *conc)
{
    char listen[64], fb[128];
    pid_t pid;

    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    snprintf(fb, sizeof fb, "http://127.0.0.1:%d", f->port);
    pid = fork();
    if (pid == 0) {
        setenv("GOOGLE_API_KEY", "bench-g", 1);
        setenv("OPENAI_API_KEY", "bench-o", 1);
        setenv("KARAT_ATTR_PROVIDER", "gemini", 1);
        setenv("KARAT_COPY_PROVIDER", "openai", 1);
        setenv("KARAT_IMAGE_PROVIDER", "offline", 1);
        setenv("GEMINI_BASE_URL", fb, 1);
        setenv("OPENAI_BASE_URL", fb, 1);
        setenv("KARAT_FETCH_ALLOW_PRIVATE", "1", 1);
        setenv("KARAT_JOB_WORKERS", workers, 1);
        setenv("KARAT_AI_CONCURRENCY", conc, 1);
        setenv("KARAT_MAX_BATCH", "100000", 1);
        setenv("KARAT_MAX_JSON_BYTES", "16MiB", 1);
        setenv("KARAT_JOB_SYNC_WAIT", "3600", 1);
        setenv("KARAT_LOG_LEVEL", "warn", 1);
        execl(bin, bin, "serve", "--listen", listen, "--data", dir, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) {
        struct net_request rq = {
            .method = "GET", .url = NULL, .timeout_ms = 1000, .max_response = 1 << 20};
        struct net_response rs;
        char url[128];
        snprintf(url, sizeof url, "http://%s/health", listen);
        rq.url = url;
        net_response_init(&rs);
        int ok = net_perform(&rq, &rs, NULL) == KR_OK && rs.status == 200;
        net_response_release(&rs);
        if (ok)
            return pid;
        usleep(50000);
    }
    fprintf(stderr, "karat serve did not come up\n");
    kill(pid, SIGKILL);
    exit(1);
}

static int run_server(int n, int delay_ms, const char *bin, const char *workers, const char *conc)
{
    struct fake f = {.delay_ms = delay_ms, .n = (size_t)n};
    char dir[] = "/tmp/karat-bench-XXXXXX", url[128], item[160], cmd[300];
    int port = free_port(), rows;
    json_t *urls = json_array(), *skus = json_array(), *body, *res;
    struct net_response rs;
    const char *hdrs[] = {"Content-Type: application/json", NULL};
    double t0, ms;
    pid_t pid;

    f.photos = calloc((size_t)n, sizeof *f.photos);
    f.lens = calloc((size_t)n, sizeof *f.lens);
    for (int i = 0; i < n; i++)
        f.photos[i] = synth_photo(i, 800, &f.lens[i]);
    fake_start(&f);
    if (!mkdtemp(dir))
        return 1;
    pid = start_server(bin, port, dir, &f, workers, conc);
    for (int i = 0; i < n; i++) {
        snprintf(item, sizeof item, "http://127.0.0.1:%d/img/%d.jpg", f.port, i);
        json_array_append_new(urls, json_string(item));
        snprintf(item, sizeof item, "BENCH-%04d", i);
        json_array_append_new(skus, json_string(item));
    }
    body = json_pack("{s:o, s:o, s:s, s:s}", "image_urls", urls, "skuids", skus, "type", "earrings",
                     "marketplace", "amazon");
    char *text = dump(body);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/catalog-ai", port);
    struct net_request rq = {.method = "POST",
                             .url = url,
                             .headers = hdrs,
                             .body = text,
                             .body_len = strlen(text),
                             .timeout_ms = 3600000,
                             .max_response = 64u << 20};
    net_response_init(&rs);
    t0 = util_now_ms();
    if (net_perform(&rq, &rs, NULL) != KR_OK || rs.status != 200) {
        fprintf(stderr, "POST /catalog-ai: %ld %.300s\n", rs.status,
                rs.body.data ? (char *)rs.body.data : "");
        return 1;
    }
    ms = util_now_ms() - t0;
    res = json_loadb((const char *)rs.body.data, rs.body.len, 0, NULL);
    rows = (int)json_integer_value(json_object_get(res, "rows"));
    printf("mode=server products=%d provider_delay_ms=%d job_workers=%s ai_concurrency=%s "
           "wall_s=%.2f rows=%d gemini_requests=%d openai_requests=%d gemini_max_inflight=%d "
           "openai_max_inflight=%d products_per_s=%.2f\n",
           n, delay_ms, workers, conc, ms / 1000, rows, atomic_load(&f.gem_count),
           atomic_load(&f.oai_count), atomic_load(&f.gem_max), atomic_load(&f.oai_max),
           n / (ms / 1000));
    fflush(stdout);
    json_decref(res);
    net_response_release(&rs);
    free(text);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    MHD_stop_daemon(f.d);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    for (int i = 0; i < n; i++)
        free(f.photos[i]);
    free(f.photos);
    free(f.lens);
    free(f.gemini);
    free(f.openai);
    return rows == n ? 0 : 1;
}

/* ---- offline mode ---- */

struct local_io {
    char out[512];
};

static enum kr_code local_read(void *ctx, const char *ref, struct buf *out, struct kr_err *err)
{
    (void)ctx;
    return buf_read_file(out, ref, err);
}

static enum kr_code local_save(void *ctx, const struct catalog_file *f, char *where, size_t wn,
                               struct kr_err *err)
{
    struct local_io *io = ctx;
    snprintf(where, wn, "%s/catalog.%s", io->out, f->ext);
    return util_write_file_atomic(where, f->data, f->len, err);
}

/* DIR/NNNN.jpg for 0..n-1, made when missing; refs into a new array. */
static json_t *photo_files(const char *dir, int n)
{
    json_t *refs = json_array();
    char path[1024];
    struct kr_err err = {0};

    if (util_mkdirs(dir, &err)) {
        fprintf(stderr, "%s: %s\n", dir, err.msg);
        exit(1);
    }
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%04d.jpg", dir, i);
        if (!util_file_exists(path)) {
            size_t len;
            unsigned char *img = synth_photo(i, 1200, &len);
            if (!img || util_write_file_atomic(path, img, len, &err)) {
                fprintf(stderr, "%s: cannot write\n", path);
                exit(1);
            }
            free(img);
        }
        json_array_append_new(refs, json_string(path));
    }
    return refs;
}

static int run_offline(int n, const char *dir, int workers)
{
    struct config cfg;
    struct ai *ai = NULL;
    struct catalog *cat = NULL;
    struct jobs *jobs = NULL;
    struct pool *pool = NULL;
    struct local_io io;
    struct kr_err err = {0};
    json_t *refs = photo_files(dir, n), *params = NULL, *items = NULL, *st = NULL;
    char id[JOBS_ID_LEN];
    double t0, ms;
    int rows = 0;

    snprintf(io.out, sizeof io.out, "%s/out", dir);
    config_load(&cfg, NULL);
    log_set_level(log_level_parse(cfg.log_level));
    config_set(&cfg, "KARAT_ATTR_PROVIDER", "offline", NULL);
    config_set(&cfg, "KARAT_COPY_PROVIDER", "offline", NULL);
    config_set(&cfg, "KARAT_IMAGE_PROVIDER", "offline", NULL);
    struct catalog_opts o = {.io = {&io, local_read, local_save}};
    struct catalog_req q = {"amazon", "earrings", refs, NULL, 0, NULL, 0, NULL, NULL};
    if (util_mkdirs(io.out, &err) || ai_open(&cfg, &ai, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return 1;
    }
    catalog_opts_from_config(&cfg, &o);
    o.ai = ai;
    /* the pool the app makes has KARAT_STUDIO_WORKERS more threads, idle here */
    if (catalog_open(&o, &cat, &err) || pool_create(workers, image_thread_cleanup, &pool, &err) ||
        jobs_open(NULL, pool, workers, &jobs, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return 1;
    }
    if (catalog_register_jobs(cat, jobs, &err) || jobs_start(jobs, &err) ||
        catalog_job_input(cat, &q, &params, &items, &err)) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return 1;
    }
    t0 = util_now_ms();
    if (jobs_submit(jobs, &(struct jobs_submit_req){NULL, CATALOG_JOB, params, items}, id, &err) ||
        jobs_wait(jobs, id, -1, &err) || jobs_status(jobs, id, &st, &err)) {
        fprintf(stderr, "job: %s\n", err.msg);
        return 1;
    }
    ms = util_now_ms() - t0;
    rows = (int)json_integer_value(json_object_get(json_object_get(st, "result"), "rows"));
    printf("mode=offline products=%d job_workers=%d wall_s=%.2f rows=%d products_per_s=%.1f\n", n,
           workers, ms / 1000, rows, n / (ms / 1000));
    fflush(stdout);
    json_decref(st);
    json_decref(params);
    json_decref(items);
    json_decref(refs);
    jobs_close(jobs);
    pool_destroy(pool);
    catalog_close(cat);
    ai_close(ai);
    config_release(&cfg);
    return rows == n ? 0 : 1;
}

int main(int argc, char **argv)
{
    struct kr_err err = {0};

    if (image_init(argv[0], &err) || net_global_init(&err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    if (argc >= 5 && !strcmp(argv[1], "server"))
        return run_server(atoi(argv[2]), atoi(argv[3]), argv[4], argc > 5 ? argv[5] : "8",
                          argc > 6 ? argv[6] : "4");
    if (argc >= 4 && !strcmp(argv[1], "offline"))
        return run_offline(atoi(argv[2]), argv[3],
                           argc > 4 ? atoi(argv[4]) : (int)sysconf(_SC_NPROCESSORS_ONLN));
    fprintf(stderr,
            "usage: %s server N DELAY_MS KARAT_BIN [WORKERS AI_CONC]\n"
            "       %s offline N DIR [WORKERS]\n",
            argv[0], argv[0]);
    return 2;
}
