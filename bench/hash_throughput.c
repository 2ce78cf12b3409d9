/*
 * hash_throughput.c - decode + signature speed, the number that bounds bulk
 * ingest and REINDEX_ON_STARTUP.
 *
 *   bench_hash_throughput [--threads N] [--reps R] FILE...
 *
 * All files are read into memory first (no disk in the timing). Reports, for
 * 1 thread (and its CPU time per image) and for N threads: images/s of
 * dedup_compute_bytes() (decode with
 * shrink-on-load + trim + PDQ + descriptor); and, on 1 thread, the split
 * between image_load() alone and dedup_compute() alone. bench/hash_throughput.sh
 * runs it next to `djpeg -scale 1/8` over the same files (the decode floor).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/util.h"
#include "dedup/dedup.h"
#include "image/image.h"

struct file {
    unsigned char *data;
    size_t n;
};

static struct file *files;
static int nfiles, reps = 3, next_job, errors;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int take_job(void)
{
    int j;
    pthread_mutex_lock(&lock);
    j = next_job < nfiles * reps ? next_job++ : -1;
    pthread_mutex_unlock(&lock);
    return j;
}

static void *worker(void *arg)
{
    int j;
    (void)arg;
    while ((j = take_job()) >= 0) {
        struct dedup_sig sig;
        struct file *f = &files[j % nfiles];
        if (dedup_compute_bytes(f->data, f->n, 0, &sig, NULL, NULL) != KR_OK) {
            pthread_mutex_lock(&lock);
            errors++;
            pthread_mutex_unlock(&lock);
        }
    }
    image_thread_cleanup();
    return NULL;
}

static double run(int threads)
{
    pthread_t th[64];
    double t0 = util_now_ms();
    next_job = 0;
    for (int i = 0; i < threads; i++)
        pthread_create(&th[i], NULL, worker, NULL);
    for (int i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    return (double)nfiles * reps / ((util_now_ms() - t0) / 1000);
}

/* CPU time of the process so far (one thread runs: the work of that run,
 * unlike wall time on a loaded machine). */
static double cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1000.0 + t.tv_nsec / 1e6;
}

/* Single thread: decode only, then signature only on the decoded pixels. */
static void split(double *decode_ms, double *sig_ms)
{
    struct image_load_opts o = {.max_side = dedup_load_side(), .min_side = dedup_load_side() / 2};
    struct image_px *px = calloc((size_t)nfiles, sizeof *px);
    double t0 = util_now_ms(), t1;
    for (int i = 0; i < nfiles; i++)
        if (image_load(files[i].data, files[i].n, &o, &px[i], NULL, NULL) != KR_OK)
            errors++;
    t1 = util_now_ms();
    for (int r = 0; r < reps; r++)
        for (int i = 0; i < nfiles; i++) {
            struct dedup_sig sig;
            if (px[i].data)
                dedup_compute(&px[i], &sig, NULL);
        }
    *decode_ms = (t1 - t0) / nfiles;
    *sig_ms = (util_now_ms() - t1) / ((double)nfiles * reps);
    for (int i = 0; i < nfiles; i++)
        image_px_release(&px[i]);
    free(px);
}

static int read_all(const char *path, struct file *f)
{
    struct buf b;
    buf_init(&b, 0);
    if (buf_read_file(&b, path, NULL) != KR_OK) {
        buf_release(&b);
        return -1;
    }
    f->data = buf_detach(&b, &f->n);
    return 0;
}

int main(int argc, char **argv)
{
    int threads = 2;
    double one, many, dec, sig;
    long long bytes = 0;

    files = calloc((size_t)argc, sizeof *files);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (read_all(argv[i], &files[nfiles]) == 0)
            bytes += (long long)files[nfiles++].n;
        else
            fprintf(stderr, "cannot read %s\n", argv[i]);
    }
    if (!nfiles || threads < 1 || threads > 64 || reps < 1) {
        fprintf(stderr, "usage: %s [--threads N] [--reps R] FILE...\n", argv[0]);
        return 2;
    }
    if (image_init(argv[0], NULL) != KR_OK)
        return 1;
    run(1); /* warm-up */
    double c0 = cpu_ms();
    one = run(1);
    double cpu1 = (cpu_ms() - c0) / ((double)nfiles * reps);
    many = run(threads);
    split(&dec, &sig);
    printf("files %d (%.0f KB average), reps %d, load side %d\n", nfiles, bytes / 1024.0 / nfiles,
           reps, dedup_load_side());
    printf("decode+signature, 1 thread:  %.1f images/s (%.2f ms/image)\n", one, 1000 / one);
    printf("decode+signature, 1 thread, CPU time: %.2f ms/image\n", cpu1);
    printf("decode+signature, %d threads: %.1f images/s\n", threads, many);
    printf("split, 1 thread: image_load %.2f ms/image, dedup_compute %.2f ms/image\n", dec, sig);
    if (errors)
        printf("errors: %d\n", errors);
    return errors ? 1 : 0;
}
