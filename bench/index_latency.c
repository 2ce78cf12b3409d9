/*
 * index_latency.c - duplicate-check and top-k latency of the embedded index,
 * and the process memory it costs, at one index size N per run.
 *
 *   bench_index_latency N [QUERIES] [BACKEND] [PROBES] [OPTS] [scene [sqlite=DIR]]
 *
 * PROBES: rotation probes per query (default DEDUP_PROBES, unrelated to the
 * photo's hash: the worst case; "4t": typical probes near it, see
 * add_probes; 0 = the photo's own hash only, the baseline); OPTS: more
 * backend options, e.g. "scan=avx2" for the kernel a CPU without AVX-512
 * runs, "scan=generic" for the plain C one (src/index/embedded_scan.c).
 *
 * Fills the index with N synthetic signatures (random 256-bit hashes,
 * random unit descriptors; entry i is regenerated from its number, so the
 * program never holds N float signatures itself; load_s times the idx_add
 * calls only), prints VmRSS/VmHWM after loading, then runs QUERIES (default 2000) queries: even
 * ones are near duplicates of a random stored entry (8 bits flipped, descriptor at inner product
 * 0.99), odd ones random; every query carries DEDUP_PROBES rotation probes with unrelated
 * hashes (the slowest case for the scan). Each query is timed around idx_find_dups() (the shipped
 * rule, dedup_rule_default: 72 bits, 0.975) and, separately, idx_search(k=5). One line of key=value
 * pairs goes to stdout (bench/index.sh makes the table). Run one N per process so the memory
 * numbers are not mixed.
 *
 * "scene" (issue 15): every entry is also a scene photo with DEDUP_SCENE_KP random keypoints
 * (so every entry carries the second stage's ~1 KB and its postings), the rule verifies
 * KARAT_DEDUP_SCENE_CANDIDATES' default 16 candidates, and every query carries
 * DEDUP_SCENE_QKP dense keypoints. Queries cycle through four kinds: a near duplicate (the first
 * stage finds it, so the second does not run), a scene copy of a stored entry (an unrelated
 * hash and descriptor, so only the second stage can find it: its first 40 keypoints seen
 * through a 10 %-per-side crop, each descriptor bit flipped with probability SCENE_FLIP, the
 * rest random) and two new photos (random everything: both stages run in full, the common
 * upload). Latency is reported for all queries and per kind (dupq, copyq, newq).
 * scene_bytes_per_photo: the scene stage's heap per scene photo, walked
 * (keys, postings with their buckets' overhead, the bucket table, the
 * slot's pointer). The index keeps no scene keypoints: verification reads each candidate's
 * through the index's source. By default the source regenerates them from
 * the entry's number (the index's own cost); with "sqlite=DIR" the bench
 * first writes every entry into a fresh sqlite store under DIR (as the
 * server's embedded mode keeps them; filled with synchronous off, not
 * timed with the index) and the source reads the store, as repo/ does.
 * dupcpu: the duplicate checks' thread CPU time (on a loaded machine the wall time mostly
 * measures waiting for a core).
 */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistd.h>

#include "core/util.h"
#include "index/index.h"
#include "index/index_int.h"
#include "store/sqlite.h"
#include "store/store.h"

#define BATCH      4096 /* signatures generated, then added, at a time */
#define SCENE_FLIP 0.08 /* per-bit flip rate of a scene copy's descriptors */

struct rng {
    uint64_t s;
};

static uint64_t next(struct rng *r) /* splitmix64 */
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double gauss(struct rng *r)
{
    double u = ((double)(next(r) >> 11) + 1) / 9007199254740993.0;
    double v = (double)(next(r) >> 11) / 9007199254740992.0;
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

static void unit(struct rng *r, float *x)
{
    double n = 0;
    for (int i = 0; i < DEDUP_DESC_DIM; i++) {
        x[i] = (float)gauss(r);
        n += (double)x[i] * x[i];
    }
    n = sqrt(n);
    for (int i = 0; i < DEDUP_DESC_DIM; i++)
        x[i] = (float)(x[i] / n);
}

static void sig_of(uint64_t seed, struct dedup_sig *s)
{
    struct rng r = {seed * 0x2545f4914f6cdd1dULL + 1};
    memset(s, 0, sizeof *s);
    for (int i = 0; i < DEDUP_HASH_BYTES; i += 8) {
        uint64_t w = next(&r);
        memcpy(s->hash + i, &w, 8);
    }
    s->quality = 100;
    unit(&r, s->desc);
}

/* Entry seed's scene keypoints (random, regenerated from the seed). */
static void scene_of(uint64_t seed, struct dedup_sig *s)
{
    struct rng r0 = {seed ^ 0x5ce7e5ce7e5ce7e5ULL},
               r = {next(&r0)}; /* streams that never overlap */
    s->nkp = DEDUP_SCENE_KP;
    for (int k = 0; k < DEDUP_SCENE_KP; k++) {
        uint64_t w[2] = {next(&r), next(&r)}, p = next(&r);
        memcpy(s->kp[k].d, w, DEDUP_SCENE_DESC);
        s->kp[k].x = (uint8_t)p;
        s->kp[k].y = (uint8_t)(p >> 8);
    }
}

/* A checked photo's dense keypoints: a scene copy of entry `of` (>= 0) or a
 * new photo (of < 0); see the header. */
static void dense_of(struct rng *r, long of, struct dedup_sig *s)
{
    struct dedup_sig st;
    int n = 0;

    if (of >= 0) {
        scene_of((uint64_t)of, &st);
        for (int k = 0; k < 40; k++) {
            float x = (st.kp[k].x / 255.0f - 0.1f) / 0.8f, y = (st.kp[k].y / 255.0f - 0.1f) / 0.8f;
            if (x < 0 || y < 0 || x > 1 || y > 1)
                continue;
            s->qkp[n] = (struct dedup_qkp){.x = x, .y = y};
            memcpy(s->qkp[n].d, st.kp[k].d, DEDUP_SCENE_DESC);
            for (int b = 0; b < DEDUP_SCENE_DESC * 8; b++)
                if ((double)(next(r) >> 11) / 9007199254740992.0 < SCENE_FLIP)
                    s->qkp[n].d[b / 8] ^= (uint8_t)(1u << (b % 8));
            n++;
        }
    }
    for (; n < DEDUP_SCENE_QKP; n++) {
        uint64_t w[2] = {next(r), next(r)}, p = next(r);
        memcpy(s->qkp[n].d, w, DEDUP_SCENE_DESC);
        s->qkp[n].x = (float)(p & 0xffff) / 65535.0f;
        s->qkp[n].y = (float)(p >> 16 & 0xffff) / 65535.0f;
    }
    s->nqkp = n;
    s->nkp = DEDUP_SCENE_KP; /* a checked photo has its stored set too (the strongest ones) */
    for (int k = 0; k < DEDUP_SCENE_KP; k++) {
        s->kp[k].x = (uint8_t)(s->qkp[k].x * 255);
        s->kp[k].y = (uint8_t)(s->qkp[k].y * 255);
        memcpy(s->kp[k].d, s->qkp[k].d, DEDUP_SCENE_DESC);
    }
}

/* The stored signature of an entry, for borderline decisions and the scene
 * stage's verification (the server reads it from the store; here it is
 * regenerated from the seed, or read from the sqlite store with "sqlite="). */
static enum kr_code stored_of(const int64_t *ids, int n, struct dedup_sig *sigs, uint8_t *found,
                              void *ctx, struct kr_err *err)
{
    int *scene = ctx;
    (void)err;
    for (int i = 0; i < n; i++) {
        sig_of((uint64_t)ids[i], &sigs[i]);
        if (*scene)
            scene_of((uint64_t)ids[i], &sigs[i]);
        found[i] = 1;
    }
    return KR_OK;
}

/* "sqlite=": the rows from the store, as repo/ reads them. */
static enum kr_code stored_in(const int64_t *ids, int n, struct dedup_sig *sigs, uint8_t *found,
                              void *ctx, struct kr_err *err)
{
    return store_image_sigs_of(ctx, ids, n, sigs, found, err);
}

/* A fresh sqlite store under dir (synchronous off, only to fill it fast),
 * for "sqlite=DIR". */
static struct store *open_store(const char *dir)
{
    char path[600];
    struct store *st;
    struct sq_conn *c;
    struct kr_err err = {0};

    snprintf(path, sizeof path, "%s/index_latency.db", dir);
    for (const char *ext = ""; ext; ext = *ext ? (ext[1] == 'w' ? "-shm" : NULL) : "-wal") {
        char f[640];
        snprintf(f, sizeof f, "%s%s", path, ext);
        unlink(f);
    }
    if (store_open("sqlite", path, &st, &err) != KR_OK ||
        store_sq_acquire(store_sq_of(st), &c, &err) != KR_OK) {
        fprintf(stderr, "store: %s\n", err.msg);
        exit(1);
    }
    sqlite3_exec(c->db, "PRAGMA synchronous = OFF", NULL, NULL, NULL);
    store_sq_release(store_sq_of(st), c);
    return st;
}

/* Row i of the "sqlite=" store: its signature and made-up names. */
static void store_row(long i, const struct dedup_sig *sig, struct kr_err *err, struct store *st)
{
    static struct store_image img;
    memset(&img, 0, sizeof img);
    img.id = i + 1;
    img.sig = *sig;
    snprintf(img.sha256, sizeof img.sha256, "%064lx", (unsigned long)i);
    snprintf(img.bucket, sizeof img.bucket, "bench");
    snprintf(img.key, sizeof img.key, "%010ld.jpg", i);
    snprintf(img.mime, sizeof img.mime, "image/jpeg");
    img.width = 4000;
    img.height = 3000;
    if (store_image_insert(st, &img, err) != KR_OK) {
        fprintf(stderr, "insert: %s\n", err->msg);
        exit(1);
    }
}

/* A near duplicate of s: 8 distinct bits flipped, descriptor at score 0.99 (a
 * re-encoded or resized copy: see Duplicate detection quality, score p5). */
static void near_dup(struct rng *r, struct dedup_sig *s)
{
    float u[DEDUP_DESC_DIM];
    double p = 0, c = 0.99;
    int flipped = 0;
    uint8_t seen[DEDUP_HASH_BYTES * 8] = {0};

    while (flipped < 8) {
        int b = (int)(next(r) % (DEDUP_HASH_BYTES * 8));
        if (!seen[b]++) {
            s->hash[b / 8] ^= (uint8_t)(1u << (b % 8));
            flipped++;
        }
    }
    unit(r, u);
    for (int i = 0; i < DEDUP_DESC_DIM; i++)
        p += (double)u[i] * s->desc[i];
    double n = 0;
    for (int i = 0; i < DEDUP_DESC_DIM; i++) {
        u[i] = (float)(u[i] - p * s->desc[i]);
        n += (double)u[i] * u[i];
    }
    for (int i = 0; i < DEDUP_DESC_DIM; i++)
        s->desc[i] = (float)(c * s->desc[i] + sqrt(1 - c * c) * u[i] / sqrt(n));
}

/* The rotation probes a checked photo carries (dedup.h). Worst case (flip
 * = 0): hashes unrelated to the photo's own, so the triangle-inequality
 * shortcuts never skip them. Typical (flip = 1): the photo's hash with 25
 * bits flipped for the +-1.5 degree probes and 50 for +-3 degrees, the
 * medians measured on the 400 development-set originals. */
static void add_probes(struct rng *r, struct dedup_sig *s, int nprobes, int typical)
{
    static const int typical_bits[4] = {25, 25, 50, 50};
    s->nprobes = nprobes;
    for (int k = 0; k < nprobes; k++) {
        if (typical) {
            memcpy(s->probe[k].hash, s->hash, sizeof s->hash);
            for (int b = 0; b < typical_bits[k % 4]; b++) {
                int bit = (int)(next(r) % (DEDUP_HASH_BYTES * 8)); /* repeats: a few fewer */
                s->probe[k].hash[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            }
        } else {
            for (int i = 0; i < DEDUP_HASH_BYTES; i += 8) {
                uint64_t w = next(r);
                memcpy(s->probe[k].hash + i, &w, 8);
            }
        }
        memcpy(s->probe[k].desc, s->desc, sizeof s->desc);
    }
}

/* Heap bytes the scene stage holds per scene photo, walking the embedded
 * index: each block's usable size plus glibc's 8-byte header (keys, bucket
 * postings), the bucket-pointer table, and the slot's pointer. */
static double scene_bytes(struct idx *ix)
{
    struct emb_idx *e = idx__emb_of(ix);
    double keys = 0, bucks = 0, table = 0;
    size_t nb = (size_t)VOTE_TABLES << VOTE_BITS;

    for (size_t s = 0; s < e->n; s++)
        if (e->vkeys[s])
            keys += (double)malloc_usable_size(e->vkeys[s]) + 8;
    for (size_t b = 0; e->vbuck && b < nb; b++)
        if (e->vbuck[b])
            bucks += (double)malloc_usable_size(e->vbuck[b]) + 8;
    table = e->vbuck ? (double)nb * sizeof *e->vbuck : 0;
    if (!e->nscene)
        return 0;
    printf(" scene_keys_b=%.1f scene_postings_b=%.1f scene_table_b=%.1f", keys / e->nscene,
           bucks / e->nscene, table / e->nscene);
    return (keys + bucks + table) / e->nscene + sizeof *e->vkeys;
}

static long status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    size_t n = strlen(field);

    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            kb = strtol(line + n + 1, NULL, 10);
    fclose(f);
    return kb;
}

/* This thread's CPU time: on a loaded machine, what the check itself costs. */
static double cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(double *v, int n, double p)
{
    int i = (int)ceil(p * n) - 1;
    return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

static void report(const char *name, double *ms, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += ms[i];
    qsort(ms, (size_t)n, sizeof *ms, cmp_double);
    printf(" %s_p50_ms=%.3f %s_p99_ms=%.3f %s_max_ms=%.3f %s_mean_ms=%.3f", name, pct(ms, n, 0.50),
           name, pct(ms, n, 0.99), name, ms[n - 1], name, sum / n);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100000;
    int nq = argc > 2 ? atoi(argv[2]) : 2000;
    const char *backend = argc > 3 ? argv[3] : "embedded";
    int nprobes = argc > 4 ? atoi(argv[4]) : DEDUP_PROBES;
    int typical = argc > 4 && strchr(argv[4], 't') != NULL; /* "4t": typical probes */
    const char *more = argc > 5 ? argv[5] : "";
    int scene = argc > 6 && !strcmp(argv[6], "scene");
    const char *sq = argc > 7 && !strncmp(argv[7], "sqlite=", 7) ? argv[7] + 7 : NULL;
    struct store *st = sq ? open_store(sq) : NULL;
    double store_s = 0;
    struct dedup_rule rule;
    struct idx *ix;
    struct kr_err err = {0};
    struct dedup_sig s;
    struct idx_hit hits[16];
    char opts[128];
    int nh, found = 0, dup_found = 0, false_dups = 0, copy_found = 0, nkind[3] = {0, 0, 0};
    double *dup_ms = malloc(sizeof(double) * (size_t)nq);
    double *top_ms = malloc(sizeof(double) * (size_t)nq);
    double *cpu = malloc(sizeof(double) * (size_t)nq);
    struct dedup_sig *batch = malloc(BATCH * sizeof *batch);
    double *kind_ms[3], *kind_cpu[3];
    for (int k = 0; k < 3; k++) {
        kind_ms[k] = malloc(sizeof(double) * (size_t)nq);
        kind_cpu[k] = malloc(sizeof(double) * (size_t)nq);
    }

    dedup_rule_default(&rule, -1, -1);
    rule.scene_candidates = scene ? 16 : 0;

    if (n < 1 || nq < 2 || !dup_ms || !top_ms || !batch || nprobes < 0 || nprobes > DEDUP_PROBES) {
        fprintf(stderr,
                "usage: %s N [QUERIES] [BACKEND] [PROBES 0-%d] [OPTS] [scene [sqlite=DIR]]\n",
                argv[0], DEDUP_PROBES);
        return 2;
    }
    snprintf(opts, sizeof opts, "capacity=%ld%s%s", n, *more ? "," : "", more);
    if (idx_open(backend, opts, &ix, &err) != KR_OK) {
        fprintf(stderr, "idx_open: %s\n", err.msg);
        return 1;
    }
    if (st)
        idx_set_source(ix, stored_in, st);
    else
        idx_set_source(ix, stored_of, &scene);
    double add_ms = 0; /* idx_add only, not generating the signatures */
    for (long i = 0; i < n; i += BATCH) {
        long m = n - i < BATCH ? n - i : BATCH;
        for (long j = 0; j < m; j++) {
            sig_of((uint64_t)(i + j), &batch[j]);
            if (scene)
                scene_of((uint64_t)(i + j), &batch[j]);
        }
        double ts = util_now_ms();
        for (long j = 0; st && j < m; j++)
            store_row(i + j, &batch[j], &err, st); /* id i + j + 1 */
        store_s += (util_now_ms() - ts) / 1e3;
        double t0 = util_now_ms();
        for (long j = 0; j < m; j++)
            if (idx_add(ix, i + j + (st != NULL), &batch[j], &err) != KR_OK) {
                fprintf(stderr, "idx_add: %s\n", err.msg);
                return 1;
            }
        add_ms += util_now_ms() - t0;
    }
    free(batch);
    double load_s = add_ms / 1e3;
    long rss = status_kb("VmRSS"), hwm = status_kb("VmHWM");

    struct rng qr = {12345};
    for (int q = 0; q < nq; q++) {
        long target = (long)(next(&qr) % (uint64_t)n);
        int kind = scene ? q % 4 : q % 2; /* 0 near duplicate, 1 scene copy, else new */
        sig_of(kind == 0 ? (uint64_t)target : (uint64_t)(n + q), &s);
        if (kind == 0)
            near_dup(&qr, &s);
        add_probes(&qr, &s, nprobes, typical);
        if (scene)
            dense_of(&qr, kind == 1 ? target : -1, &s);
        double a = util_now_ms(), ca = cpu_ms();
        if (idx_find_dups(ix, &(struct idx_dup_query){&s, &rule}, hits, 16, &nh, &err) != KR_OK) {
            fprintf(stderr, "idx_find_dups: %s\n", err.msg);
            return 1;
        }
        double b = util_now_ms();
        cpu[q] = cpu_ms() - ca;
        if (kind == 0)
            dup_found += nh > 0 && hits[0].id == target + (st != NULL);
        else if (kind == 1)
            copy_found += nh > 0 && hits[0].id == target + (st != NULL);
        else
            false_dups += nh;
        kind_cpu[kind > 2 ? 2 : kind][nkind[kind > 2 ? 2 : kind]] = cpu[q];
        kind_ms[kind > 2 ? 2 : kind][nkind[kind > 2 ? 2 : kind]++] = b - a;
        idx_search(ix, s.desc, 5, hits, &nh, &err);
        double c = util_now_ms();
        dup_ms[q] = b - a;
        top_ms[q] = c - b;
        if (kind == 0 && nh > 0 && hits[0].id == target + (st != NULL))
            found++;
    }
    printf("n=%ld probes=%d%s queries=%d load_s=%.2f rss_mb=%.1f hwm_mb=%.1f", n, nprobes,
           typical ? "t" : "", nq, load_s, rss / 1024.0, hwm / 1024.0);
    if (st)
        printf(" source=sqlite store_fill_s=%.1f", store_s);
    if (scene && !strcmp(backend, "embedded"))
        printf(" scene_bytes_per_photo=%.1f", scene_bytes(ix));
    report("dup", dup_ms, nq);
    report("dupcpu", cpu, nq);
    report("top5", top_ms, nq);
    if (scene) {
        static const char *names[3] = {"dupq", "copyq", "newq"};
        static const char *cnames[3] = {"dupqcpu", "copyqcpu", "newqcpu"};
        for (int k = 0; k < 3; k++)
            if (nkind[k]) {
                report(names[k], kind_ms[k], nkind[k]);
                report(cnames[k], kind_cpu[k], nkind[k]);
            }
        printf(" scene copies_found=%d/%d", copy_found, nkind[1]);
    }
    int ndup = scene ? nkind[0] : nq / 2;
    printf(" dups_found=%d/%d false_dups=%d top5_top1=%d/%d rss_after_mb=%.1f\n", dup_found, ndup,
           false_dups, found, ndup, status_kb("VmRSS") / 1024.0);
    for (int k = 0; k < 3; k++) {
        free(kind_ms[k]);
        free(kind_cpu[k]);
    }
    idx_close(ix);
    if (st)
        store_close(st);
    free(dup_ms);
    free(top_ms);
    free(cpu);
    return 0;
}
