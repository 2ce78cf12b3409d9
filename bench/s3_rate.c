/*
 * s3_rate.c - requests per second of the s3 blob backend, and how many
 * connections it opened for them (connection reuse, KARAT_S3_CONNECTIONS).
 *
 *   with_s3 bench_s3_rate [REQUESTS_PER_THREAD [THREADS [BYTES]]]
 *
 * Against the S3 endpoint the environment names (AWS_ENDPOINT_URL etc.;
 * with_s3 starts s3rver behind the tests' SigV4-verifying proxy): each
 * thread does REQUESTS_PER_THREAD / 2 rounds of PUT BYTES (default 4096)
 * then HEAD of its own keys, through one blob handle shared by all
 * threads, as a server's workers do. The run is made twice in the same
 * process: first with KARAT_S3_CONNECTIONS=0 (a new connection per
 * request: the baseline), then with the configured value (default 16).
 * One line of key=value pairs per run goes to stdout.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob/blob.h"
#include "blob/s3_int.h"
#include "core/config.h"
#include "core/util.h"

struct job {
    struct blob *b;
    int id, rounds;
    const char *data;
    size_t n;
    int failed;
};

static void *worker(void *arg)
{
    struct job *j = arg;
    struct kr_err err = {0};
    char key[64];
    for (int i = 0; i < j->rounds && !j->failed; i++) {
        long long size = 0;
        snprintf(key, sizeof key, "bench-%d-%d.jpg", j->id, i);
        j->failed = blob_put(j->b, "alyaimg", key, j->data, j->n, &err) ||
                    blob_stat(j->b, "alyaimg", key, &size, &err);
    }
    if (j->failed)
        fprintf(stderr, "s3_rate: %s\n", err.msg);
    return NULL;
}

static int run(const char *connections, int per_thread, int threads, size_t n)
{
    struct config cfg;
    struct kr_err err = {0};
    struct blob *b;
    struct job jobs[64];
    pthread_t th[64];
    char *data = calloc(1, n);
    double t0, secs;
    int failed = 0;

    if (!data || config_load(&cfg, &err) ||
        (connections && config_set(&cfg, "KARAT_S3_CONNECTIONS", connections, &err)) ||
        blob_open_cfg("s3", "", &cfg, &b, &err)) {
        fprintf(stderr, "s3_rate: %s\n", err.msg);
        return 1;
    }
    t0 = util_now_ms();
    for (int i = 0; i < threads; i++) {
        jobs[i] = (struct job){b, i, per_thread / 2, data, n, 0};
        pthread_create(&th[i], NULL, worker, &jobs[i]);
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        failed |= jobs[i].failed;
    }
    secs = (util_now_ms() - t0) / 1000.0;
    printf("s3_connections=%d threads=%d requests=%d bytes=%zu seconds=%.2f req_per_s=%.1f "
           "connections_opened=%ld\n",
           cfg.s3_connections, threads, threads * (per_thread / 2) * 2, n, secs,
           threads * (per_thread / 2) * 2 / secs, blob__s3_connects(b));
    blob_close(b);
    config_release(&cfg);
    free(data);
    return failed;
}

int main(int argc, char **argv)
{
    int per_thread = argc > 1 ? atoi(argv[1]) : 1000;
    int threads = argc > 2 ? atoi(argv[2]) : 4;
    size_t n = argc > 3 ? (size_t)atol(argv[3]) : 4096;

    if (per_thread < 2 || threads < 1 || threads > 64 || n < 1) {
        fprintf(stderr, "usage: bench_s3_rate [REQUESTS_PER_THREAD [THREADS [BYTES]]]\n");
        return 2;
    }
    return run("0", per_thread, threads, n) || run(NULL, per_thread, threads, n);
}
