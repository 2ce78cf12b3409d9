/*
 * collection.c - how long POST /semantic_filter_jewelry/'s work takes on a
 * catalog of N generated products (tests/support/product_gen.h), offline.
 *
 *   bench_collection [N [REQUESTS [DIR]]]   (defaults 10000, 200, $TMPDIR or /tmp)
 *
 * Imports N products into a fresh sqlite store under DIR (timed), then
 * runs REQUESTS collections (product_collection: parse, filtered BM25
 * queries, one per style, diversity, extras, templates, the stored
 * document) cycling through request shapes: no style, one style, three
 * styles, with and without price/date filters, sizes 5..50. The HTTP layer
 * is not in the figure (see the load benchmark for it). One line of
 * key=value pairs goes to stdout: import seconds, then per-request
 * latency p50, p95 and max in milliseconds, wall clock and CPU time (the
 * CPU figure is what a request costs on an idle core; the wall figure
 * includes the fsync of the stored collection and any load).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../tests/support/product_gen.h"
#include "core/util.h"
#include "product/product.h"
#include "store/store.h"

static const char *const shapes[] = {
    "{\"collection_size\":5,\"color\":\"gold\",\"category\":\"earrings\"}",
    "{\"collection_size\":10,\"category\":\"necklace\",\"category_description\":[\"Floral\"],"
    "\"target_audience\":\"college women\",\"manual_prompt\":\"festive\"}",
    "{\"collection_size\":20,\"color\":\"silver\",\"category_description\":[\"Celestial\","
    "\"Geometric\",\"Heritage\"],\"start_price\":300,\"end_price\":3000,"
    "\"start_date\":\"2024-06-01\",\"end_date\":\"2025-06-01\"}",
    "{\"collection_size\":50,\"category\":\"ring\",\"category_description\":[\"Minimalist\","
    "\"Botanical\"],\"extra_jwellery\":[\"g1\",\"g2\",\"missing\"]}",
};

/* CPU time of this process in ms (what the request cost, whatever the
 * machine's load; the store runs in this thread). */
static double cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10000, reqs = argc > 2 ? atoi(argv[2]) : 200;
    const char *tmp = getenv("TMPDIR");
    char dir[512], path[600];
    struct kr_err err = {0};
    struct store *s = NULL;
    struct product_import_stats st;
    double *ms = calloc((size_t)(reqs > 0 ? reqs : 1), sizeof *ms), t0, c0;
    double *cpu = calloc((size_t)(reqs > 0 ? reqs : 1), sizeof *cpu);
    char *cat = pg_catalog(n);

    snprintf(dir, sizeof dir, "%s/karat-bench-coll-XXXXXX",
             argc > 3 ? argv[3]
             : tmp    ? tmp
                      : "/tmp");
    if (!ms || !cpu || !cat || n < 1 || reqs < 1 || !mkdtemp(dir))
        return 2;
    snprintf(path, sizeof path, "%s/karat.db", dir);
    if (store_open("sqlite", path, &s, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    t0 = util_now_ms();
    if (product_import(s, cat, strlen(cat), &st, &err)) {
        fprintf(stderr, "import: %s\n", err.msg);
        return 1;
    }
    printf("products=%d import_s=%.2f", n, (util_now_ms() - t0) / 1000);
    for (int i = 0; i < reqs; i++) {
        char body[1024];
        json_t *in, *out = NULL;
        snprintf(body, sizeof body, "{\"user_needs\":%s}", shapes[i % 4]);
        in = json_loads(body, 0, NULL);
        t0 = util_now_ms();
        c0 = cpu_ms();
        if (product_collection(s, in, NULL, &out, &err)) {
            fprintf(stderr, "collection: %s\n", err.msg);
            return 1;
        }
        ms[i] = util_now_ms() - t0;
        cpu[i] = cpu_ms() - c0;
        json_decref(in);
        json_decref(out);
    }
    qsort(ms, (size_t)reqs, sizeof *ms, cmp);
    qsort(cpu, (size_t)reqs, sizeof *cpu, cmp);
    printf(" requests=%d p50_ms=%.2f p95_ms=%.2f max_ms=%.2f cpu_p50_ms=%.2f cpu_p95_ms=%.2f"
           " cpu_max_ms=%.2f\n",
           reqs, ms[reqs / 2], ms[(int)(reqs * 0.95)], ms[reqs - 1], cpu[reqs / 2],
           cpu[(int)(reqs * 0.95)], cpu[reqs - 1]);
    store_close(s);
    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    if (system(path) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    free(ms);
    free(cpu);
    free(cat);
    return 0;
}
