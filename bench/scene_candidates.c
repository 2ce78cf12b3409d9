/*
 * scene_candidates.c - what the embedded index's scene candidate stage
 * (src/index/embedded_vote.c) loses against the exhaustive check, on the
 * scene families of bench/dedup_quality.sh, among many stored photos.
 *
 *   bench_scene_candidates MANIFEST [--fill N] [--candidates K] [--threads T]
 *                          [--cache FILE] [--queries Q]
 *
 * MANIFEST as for bench_dedup_quality (dedup_quality.sh writes it). Every
 * photo original is stored in an embedded index as a
 * store gives it back (no probes, no dense set; the exhaustive check below
 * sees the same, and the index re-scores borderline first-stage cases with
 * the exact descriptor as the server does), with N filler scene photos
 * (default 0): each filler keypoint's descriptor bit is set with that
 * bit's frequency among the originals' stored keypoints (so the keys keep
 * the real descriptors' biases, without copying any real keypoint), at a
 * random position. Then every copy in a "scene-*" family is checked:
 *   exhaustive: dedup_match(copy, p) holds for some stored original p (its
 *     own first) - what `karat dedup` and the pair benches decide (first
 *     stage, then the scene stage), i.e. verification against every stored
 *     photo;
 *   index: idx_find_dups(copy) with rule.scene_candidates = K (default 16)
 *     reports a duplicate (the upload would be refused as one).
 * Per family: copies, exhaustive catches, index catches, "lost" (caught
 * exhaustively, missed by the index: what the candidate stage costs) and
 * "extra" (the index's duplicates that the exhaustive check does not call
 * one: should stay 0, a filler matched).
 * Then Q (default 200) extra timed duplicate checks of random copies:
 * p50/p99/max latency at this index size.
 *
 * --cache FILE keeps the computed signatures (raw structs, this build only)
 * so repeated runs skip decoding.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"
#include "dedup/dedup.h"
#include "image/image.h"
#include "index/index.h"

struct row {
    char path[512], id[128], family[64];
    int orig, ok;
    struct dedup_sig sig;
};

static struct row *rows;
static int nrows;

static void field(char **p, char *out, size_t cap)
{
    size_t n = strcspn(*p, "\t");
    util_strlcpy(out, *p, n + 1 < cap ? n + 1 : cap);
    *p += n + ((*p)[n] == '\t');
}

static int load_manifest(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    int cap = 0;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        char *p = line, skip[64];
        line[strcspn(line, "\n")] = 0;
        if (!*line)
            continue;
        if (nrows == cap) {
            cap = cap ? cap * 2 : 1024;
            rows = realloc(rows, (size_t)cap * sizeof *rows);
        }
        memset(&rows[nrows], 0, sizeof rows[0]);
        field(&p, rows[nrows].path, sizeof rows[nrows].path);
        field(&p, rows[nrows].id, sizeof rows[nrows].id);
        field(&p, rows[nrows].family, sizeof rows[nrows].family);
        field(&p, skip, sizeof skip);
        nrows++;
    }
    fclose(f);
    for (int i = 0; i < nrows; i++) {
        rows[i].orig = -1;
        for (int j = 0; j < nrows && rows[i].orig < 0; j++)
            if (!strcmp(rows[j].family, "orig") && !strcmp(rows[j].id, rows[i].id))
                rows[i].orig = j;
    }
    return 0;
}

/* Only the rows this bench uses: photo originals and scene copies. */
static int wanted(const struct row *r)
{
    return (!strcmp(r->family, "orig") && !strncmp(r->id, "photo_", 6)) ||
           !strncmp(r->family, "scene-", 6);
}

/* Row i's signature from its file (ok stays 0 and the row is skipped on failure). */
static void sign_row(int i)
{
    struct buf b;
    struct kr_err err = {0};

    buf_init(&b, 0);
    rows[i].ok = buf_read_file(&b, rows[i].path, &err) == KR_OK &&
                 dedup_compute_bytes(b.data, b.len, 0, &rows[i].sig, NULL, &err) == KR_OK;
    if (!rows[i].ok)
        fprintf(stderr, "skip %s: %s\n", rows[i].path, err.msg);
    buf_release(&b);
}

/* Thread t of nthreads signs rows t, t + nthreads, ... */
struct share {
    int t, nthreads;
};

static void *worker(void *arg)
{
    const struct share *sh = arg;
    for (int i = sh->t; i < nrows; i += sh->nthreads)
        if (wanted(&rows[i]))
            sign_row(i);
    image_thread_cleanup();
    return NULL;
}

static void compute(int threads, const char *cache)
{
    FILE *f = cache ? fopen(cache, "rb") : NULL;
    pthread_t th[64];
    struct share sh[64];

    if (f) {
        for (int i = 0; i < nrows; i++)
            if (fread(&rows[i].ok, sizeof rows[i].ok, 1, f) != 1 ||
                fread(&rows[i].sig, sizeof rows[i].sig, 1, f) != 1) {
                fprintf(stderr, "cache %s does not fit this manifest\n", cache);
                exit(1);
            }
        fclose(f);
        return;
    }
    for (int t = 0; t < threads; t++) {
        sh[t] = (struct share){t, threads};
        pthread_create(&th[t], NULL, worker, &sh[t]);
    }
    for (int t = 0; t < threads; t++)
        pthread_join(th[t], NULL);
    f = cache ? fopen(cache, "wb") : NULL;
    for (int i = 0; f && i < nrows; i++) {
        fwrite(&rows[i].ok, sizeof rows[i].ok, 1, f);
        fwrite(&rows[i].sig, sizeof rows[i].sig, 1, f);
    }
    if (f)
        fclose(f);
}

static const uint64_t rng = 0x2545F4914F6CDD1DULL;
static uint64_t pick = rng;          /* the timed queries' choice of copies */
static uint32_t rnd_of(uint64_t *st) /* a 64-bit LCG's high 32 bits: plenty for fillers */
{
    *st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(*st >> 32);
}

#define FILLER0 1000000000LL              /* id of filler 0 */
static double ones[DEDUP_SCENE_DESC * 8]; /* each bit's frequency among the originals */

/* Filler f (regenerated from its number, so the source can give it back). */
static void filler(long f, struct dedup_sig *s)
{
    uint64_t st = rng ^ ((uint64_t)f * 0x9e3779b97f4a7c15ULL);

    memset(s, 0, sizeof *s);
    for (int b = 0; b < DEDUP_HASH_BYTES; b++)
        s->hash[b] = (uint8_t)rnd_of(&st);
    for (int d = 0; d < DEDUP_DESC_DIM; d++)
        s->desc[d] = (float)((int)(rnd_of(&st) % 2001) - 1000) / 8000.0f;
    s->nkp = DEDUP_SCENE_KP;
    for (int k = 0; k < DEDUP_SCENE_KP; k++) {
        for (int b = 0; b < DEDUP_SCENE_DESC * 8; b++)
            if (rnd_of(&st) / 4294967296.0 < ones[b])
                s->kp[k].d[b / 8] |= (uint8_t)(1u << (b % 8));
        s->kp[k].x = (uint8_t)rnd_of(&st);
        s->kp[k].y = (uint8_t)rnd_of(&st);
    }
}

/* Stored signatures, as the server's store gives them: originals by row
 * number, fillers regenerated. */
static enum kr_code stored_of(const int64_t *ids, int n, struct dedup_sig *sigs, uint8_t *found,
                              void *ctx, struct kr_err *err)
{
    (void)ctx;
    (void)err;
    for (int i = 0; i < n; i++) {
        int64_t id = ids[i];
        found[i] = id >= FILLER0 || (id >= 0 && id < nrows);
        if (id >= FILLER0)
            filler((long)(id - FILLER0), &sigs[i]);
        else if (found[i])
            sigs[i] = rows[id].sig;
    }
    return KR_OK;
}

/* Originals as a store returns them (ids = row numbers), then n fillers. */
static void fill_index(struct idx *ix, long n)
{
    struct dedup_sig *s = calloc(1, sizeof *s);
    struct kr_err err = {0};
    long np = 0;

    for (int i = 0; i < nrows; i++) {
        if (!rows[i].ok || strcmp(rows[i].family, "orig"))
            continue;
        if (idx_add(ix, i, &rows[i].sig, &err) != KR_OK)
            fprintf(stderr, "idx_add: %s\n", err.msg), exit(1);
        for (int k = 0; k < rows[i].sig.nkp; k++, np++)
            for (int b = 0; b < DEDUP_SCENE_DESC * 8; b++)
                ones[b] += rows[i].sig.kp[k].d[b / 8] >> (b % 8) & 1;
    }
    for (int b = 0; b < DEDUP_SCENE_DESC * 8 && np > 0; b++)
        ones[b] /= (double)np;
    for (long f = 0; f < n && np > 0; f++) {
        filler(f, s);
        if (idx_add(ix, FILLER0 + f, s, &err) != KR_OK)
            fprintf(stderr, "idx_add: %s\n", err.msg), exit(1);
    }
    free(s);
}

/* The index's answer for row r: 0 no duplicate, 1 some, 2 its own original
 * among them. */
static int index_finds(struct idx *ix, const struct dedup_rule *rule, int r, double *ms)
{
    struct idx_hit hits[16];
    struct kr_err err = {0};
    int n = 0, own = 0;
    double t0 = util_now_ms();

    if (idx_find_dups(ix, &(struct idx_dup_query){&rows[r].sig, rule}, hits, 16, &n, &err) != KR_OK)
        fprintf(stderr, "idx_find_dups: %s\n", err.msg), exit(1);
    if (ms)
        *ms = util_now_ms() - t0;
    for (int i = 0; i < n; i++)
        own |= hits[i].id == rows[r].orig;
    return own ? 2 : n > 0;
}

/* The exhaustive answer: does dedup_match() call r a duplicate of any
 * stored original (its own first)? */
static int exhaustive(const struct dedup_rule *rule, int r)
{
    float d;
    if (dedup_match(&rows[r].sig, &rows[rows[r].orig].sig, rule, &d))
        return 1;
    for (int j = 0; j < nrows; j++)
        if (j != rows[r].orig && rows[j].ok && !strcmp(rows[j].family, "orig") &&
            dedup_match(&rows[r].sig, &rows[j].sig, rule, &d))
            return 1;
    return 0;
}

struct fam {
    char name[64];
    int n, exh, idx, lost, extra;
};

static void report(struct idx *ix, const struct dedup_rule *rule)
{
    struct fam fams[64], all = {"all scene families", 0, 0, 0, 0, 0};
    int nf = 0;

    for (int r = 0; r < nrows; r++) {
        int o = rows[r].orig, k;
        if (!rows[r].ok || strncmp(rows[r].family, "scene-", 6) || o < 0 || !rows[o].ok)
            continue;
        for (k = 0; k < nf && strcmp(fams[k].name, rows[r].family); k++)
            ;
        if (k == nf && nf < 64) {
            memset(&fams[nf], 0, sizeof fams[nf]);
            util_strlcpy(fams[nf++].name, rows[r].family, sizeof fams[0].name);
        }
        int ex = exhaustive(rule, r), in = index_finds(ix, rule, r, NULL) > 0;
        if (ex && !in && getenv("SCENE_MISSES"))
            printf("lost %s: inliers with its original %d\n", rows[r].path,
                   dedup_scene_inliers(&rows[r].sig, &rows[o].sig));
        struct fam *fs[2] = {&fams[k < nf ? k : 0], &all};
        for (int j = 0; j < 2; j++) {
            fs[j]->n++;
            fs[j]->exh += ex;
            fs[j]->idx += in;
            fs[j]->lost += ex && !in;
            fs[j]->extra += in && !ex;
        }
    }
    printf("%-22s %6s %10s %8s %6s %9s %6s\n", "family", "copies", "exhaustive", "index", "lost",
           "loss rate", "extra");
    for (int k = 0; k <= nf; k++) {
        struct fam *f = k < nf ? &fams[k] : &all;
        printf("%-22s %6d %10d %8d %6d %9.4f %6d\n", f->name, f->n, f->exh, f->idx, f->lost,
               f->exh ? (double)f->lost / f->exh : 0.0, f->extra);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void timing(struct idx *ix, const struct dedup_rule *rule, int queries)
{
    int *cand = malloc((size_t)nrows * sizeof *cand), nc = 0;
    double *ms = malloc((size_t)(queries > 0 ? queries : 1) * sizeof *ms);

    for (int r = 0; r < nrows; r++)
        if (rows[r].ok && !strncmp(rows[r].family, "scene-", 6) && rows[r].orig >= 0)
            cand[nc++] = r;
    for (int q = 0; q < queries && nc > 0; q++)
        index_finds(ix, rule, cand[rnd_of(&pick) % (uint32_t)nc], &ms[q]);
    if (nc > 0 && queries > 0) {
        qsort(ms, (size_t)queries, sizeof *ms, cmp_double);
        printf("duplicate check of scene copies: queries=%d p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
               queries, ms[queries / 2], ms[(queries * 99) / 100], ms[queries - 1]);
    }
    free(cand);
    free(ms);
}

int main(int argc, char **argv)
{
    long fill = 0;
    int threads = 2, queries = 200, cands = 16;
    const char *cache = NULL;
    struct dedup_rule rule;
    struct idx *ix = NULL;
    struct kr_err err = {0};

    if (argc < 2 || load_manifest(argv[1]) != 0) {
        fprintf(stderr,
                "usage: %s MANIFEST [--fill N] [--candidates K] [--threads T] "
                "[--cache FILE] [--queries Q]\n",
                argv[0]);
        return 2;
    }
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--fill"))
            fill = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--candidates"))
            cands = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--threads"))
            threads = atoi(argv[i + 1]) > 0 && atoi(argv[i + 1]) <= 64 ? atoi(argv[i + 1]) : 2;
        else if (!strcmp(argv[i], "--cache"))
            cache = argv[i + 1];
        else if (!strcmp(argv[i], "--queries"))
            queries = atoi(argv[i + 1]);
    }
    if (image_init(argv[0], NULL) != KR_OK)
        return fprintf(stderr, "image_init failed\n"), 1;
    compute(threads, cache);
    for (int i = 0; i < nrows; i++)
        if (!strcmp(rows[i].family, "orig")) { /* stored: no probes, no dense set */
            rows[i].sig.nprobes = 0;
            rows[i].sig.nqkp = 0;
        }
    dedup_rule_default(&rule, -1, -1);
    rule.scene_candidates = cands;
    if (idx_open("embedded", NULL, &ix, &err) != KR_OK)
        return fprintf(stderr, "idx_open: %s\n", err.msg), 1;
    idx_set_source(ix, stored_of, NULL);
    fill_index(ix, fill);
    printf("indexed: %zu photos (%ld fillers), candidates %d\n", idx_count(ix), fill, cands);
    report(ix, &rule);
    timing(ix, &rule, queries);
    idx_close(ix);
    return 0;
}
