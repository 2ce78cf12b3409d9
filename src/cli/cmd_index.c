/*
 * cmd_index.c - `karat index DIR [--website alya]`: bulk-index a folder.
 *
 * Files are read and ingested on all cores through repo_ingest(), the same
 * path the upload endpoint uses (so duplicates are judged by the same rule).
 * Bytes already stored (same sha256) are skipped without decoding. Ends
 * with a summary: indexed, skipped, duplicates, failures with reasons.
 */
#include "cli/cli.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "cli/walk.h"
#include "core/log.h"
#include "core/util.h"
#include "image/image.h"
#include "repo/repo.h"

static const struct cli_opt opts[] = {
    {"--website", 1, "website whose bucket receives the photos (default alya)"},
    {"--data", 1, "data folder (KARAT_DATA_DIR, default ./var)"},
    {"--threads", 1, "worker threads (default: 3 per core, so fsync waits overlap)"},
    {"--no-dedup", 0, "store every new file even if it looks like a stored one"},
    {NULL, 0, NULL},
};

struct job {
    struct repo *repo;
    struct cli_walk_list files;
    const char *bucket, *website;
    int check;
    atomic_llong indexed, skipped, duplicates, failed;
    char **reasons; /* per file, NULL when fine */
};

static void index_one(size_t i, void *ctx)
{
    struct job *j = ctx;
    struct buf b;
    struct kr_err err = {0};
    struct store_image img;
    struct repo_ingest_res res;
    char sha[65];
    const char *name = strrchr(j->files.v[i], '/');

    buf_init(&b, (size_t)repo_config(j->repo)->max_upload_bytes);
    if (buf_read_file(&b, j->files.v[i], &err))
        goto fail;
    util_sha256_hex(b.data, b.len, sha);
    enum kr_code found = repo_find_sha(j->repo, sha, &img, &err);
    if (found == KR_OK) {
        atomic_fetch_add(&j->skipped, 1);
        goto out;
    }
    if (found != KR_ENOTFOUND) /* a failed lookup is not "not stored yet" */
        goto fail;
    struct repo_ingest_req req = {
        b.data, b.len, name ? name + 1 : j->files.v[i], j->bucket, j->website, j->check, 1, sha};
    if (repo_ingest(j->repo, &req, &res, &err))
        goto fail;
    atomic_fetch_add(res.duplicate ? &j->duplicates : &j->indexed, 1);
    goto out;
fail:
    atomic_fetch_add(&j->failed, 1);
    j->reasons[i] = strdup(err.msg);
out:
    buf_release(&b);
}

static int report(struct job *j, double ms)
{
    size_t n = j->files.n;
    printf("indexed %lld, skipped %lld (already stored), duplicates %lld, failures %lld "
           "of %zu file(s) in %.1f s (%.1f files/s)\n",
           (long long)j->indexed, (long long)j->skipped, (long long)j->duplicates,
           (long long)j->failed, n, ms / 1000, ms > 0 ? (double)n * 1000 / ms : 0.0);
    for (size_t i = 0; i < n; i++) {
        if (j->reasons[i])
            printf("  failed: %s: %s\n", j->files.v[i], j->reasons[i]);
        free(j->reasons[i]);
    }
    return j->failed ? 1 : 0;
}

static int run(struct config *cfg, struct cli_args *a, int threads)
{
    struct job j = {0};
    struct app *app = NULL;
    struct kr_err err = {0};
    char bucket[64];
    double t0;
    int rc;

    j.website = cli_get(a, opts, "--website") ? cli_get(a, opts, "--website") : "alya";
    if (!config_bucket_for(cfg, j.website, bucket, sizeof bucket)) {
        fprintf(stderr, "karat index: unknown website '%s'\n", j.website);
        return 2;
    }
    j.bucket = bucket;
    j.check = cli_get(a, opts, "--no-dedup") == NULL;
    if (cli_walk_collect(a->pos, a->npos, &j.files))
        return 2;
    if (app_open(cfg, &(struct app_opts){APP_REPO, "http://127.0.0.1:8000", NULL, NULL}, &app,
                 &err)) {
        fprintf(stderr, "karat index: %s\n", err.msg);
        cli_walk_free(&j.files);
        return 2;
    }
    j.repo = app->repo;
    j.reasons = calloc(j.files.n + 1, sizeof *j.reasons);
    util_malloc_keep_large();
    t0 = util_now_ms();
    /* each file ends in fsyncs (blob, row): three threads per core keep
     * the cores busy while some wait for the disk (2 per core measured
     * about 2 % slower on 2 cores, docs/BENCHMARKS.md) */
    if (threads <= 0)
        threads = 3 * (int)sysconf(_SC_NPROCESSORS_ONLN);
    cli_walk_parallel(j.files.n, threads, "indexing", index_one, &j);
    rc = report(&j, util_now_ms() - t0);
    free(j.reasons);
    app_close(app);
    cli_walk_free(&j.files);
    return rc;
}

int cli_cmd_index(int argc, char **argv)
{
    struct cli_args a;
    struct config cfg;
    int rc = cli_parse(
        argc, argv, opts,
        "karat index DIR... [--website alya] [--threads N] [--no-dedup] [--data DIR]", &a);
    if (rc)
        return rc;
    if (a.npos < 1) {
        fprintf(stderr, "karat index: which folder? (see --help)\n");
        return 2;
    }
    if (cli_start(&cfg, cli_get(&a, opts, "--data")))
        return 2;
    log_set_level(LOG_WARN);
    if (cli_set(&cfg, "KARAT_THREADS", cli_get(&a, opts, "--threads"))) {
        cli_finish(&cfg);
        return 2;
    }
    rc = run(&cfg, &a, cfg.threads);
    cli_finish(&cfg);
    return rc;
}
