/*
 * dedup_quality.c - recall and false positives of the duplicate rule on a
 * manifest of originals and transformed copies (bench/dedup_quality.sh
 * builds it and describes the set).
 *
 *   bench_dedup_quality MANIFEST [--threads N] [--rule HASH_MAX DESC_MIN]
 *                       [--sweep] [--misses] [--closest N] [--by-kind] [--fp]
 *                       [--scene-min N]
 *
 * MANIFEST rows: path, original id, family, variant, group (tab-separated).
 * Family "orig" marks the originals; families starting with "info-" are
 * reported but are not targets. Group "pair:X" marks natural pairs (another
 * shot of the same scene) and "burst:X" simulated burst frames, which are
 * reported apart and never counted as false positives; "coin:X" marks the
 * hard-negative coin groups and "similar:X" different photos of like scenes
 * (beaches, pages of text, streets), negatives reported per group.
 *
 * Signatures come from the real dedup_compute_bytes() and the decisions
 * from dedup_match(), so this measures exactly what the server does.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"
#include "dedup/dedup.h"
#include "image/image.h"

struct row {
    char *path, *id, *family, *variant, *group;
    int orig; /* index of this row's original */
    int ok;
    struct dedup_sig sig;
};

static struct row *rows;
static int nrows, next_job;
static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;

static char *dupfield(char **p)
{
    char *s = *p, *t = strchr(s, '\t');
    if (t) {
        *t = 0;
        *p = t + 1;
    } else {
        *p = s + strlen(s);
    }
    return strdup(s);
}

static int load_manifest(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    int cap = 0;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        char *p = line;
        line[strcspn(line, "\n")] = 0;
        if (!*line)
            continue;
        if (nrows == cap) {
            cap = cap ? cap * 2 : 1024;
            rows = realloc(rows, (size_t)cap * sizeof *rows);
        }
        memset(&rows[nrows], 0, sizeof rows[0]);
        rows[nrows].path = dupfield(&p);
        rows[nrows].id = dupfield(&p);
        rows[nrows].family = dupfield(&p);
        rows[nrows].variant = dupfield(&p);
        rows[nrows].group = dupfield(&p);
        nrows++;
    }
    fclose(f);
    for (int i = 0; i < nrows; i++) {
        rows[i].orig = -1;
        for (int j = 0; j < nrows; j++)
            if (!strcmp(rows[j].family, "orig") && !strcmp(rows[j].id, rows[i].id)) {
                rows[i].orig = j;
                break;
            }
    }
    return 0;
}

static void *worker(void *arg)
{
    (void)arg;
    for (;;) {
        int i;
        struct buf b;
        struct kr_err err = {0};
        pthread_mutex_lock(&job_lock);
        i = next_job++;
        pthread_mutex_unlock(&job_lock);
        if (i >= nrows)
            break;
        buf_init(&b, 0);
        if (buf_read_file(&b, rows[i].path, &err) == KR_OK &&
            dedup_compute_bytes(b.data, b.len, 0, &rows[i].sig, NULL, &err) == KR_OK)
            rows[i].ok = 1;
        else
            fprintf(stderr, "skip %s: %s\n", rows[i].path, err.msg);
        buf_release(&b);
    }
    image_thread_cleanup();
    return NULL;
}

static int is_orig(const struct row *r)
{
    return !strcmp(r->family, "orig");
}

/* Two originals of the same natural pair or simulated burst: not a false
 * positive. */
static int same_pair(const struct row *a, const struct row *b)
{
    return (!strncmp(a->group, "pair:", 5) || !strncmp(a->group, "burst:", 6)) &&
           !strcmp(a->group, b->group);
}

/* ---- pairs under the rule ------------------------------------------------ */

/* The (hash distance, descriptor score) combinations dedup_match() tries for
 * a pair: a against b, each of a's rotation probes against b, each of b's
 * against a. A pair matches a rule iff one combination passes both tests. */
#define MAX_COMBOS (1 + 2 * DEDUP_PROBES)
struct combos {
    int n;
    short dist[MAX_COMBOS];
    float score[MAX_COMBOS];
};

static void add_probe_combos(const struct dedup_sig *a, const struct dedup_sig *b, struct combos *c)
{
    for (int i = 0; i < a->nprobes; i++) {
        c->dist[c->n] = (short)dedup_hash_distance(a->probe[i].hash, b->hash);
        c->score[c->n++] = dedup_desc_score(a->probe[i].desc, b->desc);
    }
}

static void pair_combos(const struct dedup_sig *a, const struct dedup_sig *b, struct combos *c)
{
    c->n = 1;
    c->dist[0] = (short)dedup_hash_distance(a->hash, b->hash);
    c->score[0] = dedup_desc_score(a->desc, b->desc);
    add_probe_combos(a, b, c);
    add_probe_combos(b, a, c);
}

static int combos_pass(const struct combos *c, int hmax, float dmin)
{
    for (int i = 0; i < c->n; i++)
        if (c->dist[i] <= hmax && c->score[i] >= dmin)
            return 1;
    return 0;
}

static int combos_min_dist(const struct combos *c)
{
    int d = 1 << 20;
    for (int i = 0; i < c->n; i++)
        d = c->dist[i] < d ? c->dist[i] : d;
    return d;
}

/* ---- families -------------------------------------------------------- */

#define MAX_FAM 32
struct fam {
    const char *name;
    int n, hit;
    int *dist;
    float *score;
    struct combos *c; /* for --sweep */
    int *row;         /* the copy's row */
};
static struct fam fams[MAX_FAM];
static int nfams;

static struct fam *fam_of(const char *name)
{
    for (int i = 0; i < nfams; i++)
        if (!strcmp(fams[i].name, name))
            return &fams[i];
    if (nfams == MAX_FAM)
        return NULL;
    fams[nfams].name = strdup(name);
    return &fams[nfams++];
}

/* by_kind: split each family into ":photo" and ":object" rows. */
static void collect_positives(int by_kind)
{
    for (int i = 0; i < nrows; i++) {
        struct row *r = &rows[i];
        struct fam *f;
        char name[64];
        if (is_orig(r) || r->orig < 0 || !r->ok || !rows[r->orig].ok)
            continue;
        snprintf(name, sizeof name, "%s%s", r->family,
                 !by_kind                      ? ""
                 : strncmp(r->id, "photo_", 6) ? ":object"
                                               : ":photo");
        if (!(f = fam_of(name)))
            continue;
        f->dist = realloc(f->dist, (size_t)(f->n + 1) * sizeof *f->dist);
        f->score = realloc(f->score, (size_t)(f->n + 1) * sizeof *f->score);
        f->c = realloc(f->c, (size_t)(f->n + 1) * sizeof *f->c);
        f->row = realloc(f->row, (size_t)(f->n + 1) * sizeof *f->row);
        f->row[f->n] = i;
        f->dist[f->n] = dedup_hash_distance(r->sig.hash, rows[r->orig].sig.hash);
        f->score[f->n] = dedup_desc_score(r->sig.desc, rows[r->orig].sig.desc);
        pair_combos(&r->sig, &rows[r->orig].sig, &f->c[f->n]);
        f->n++;
    }
}

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

static void family_report(const struct dedup_rule *rule, int misses)
{
    printf("\n%-16s %6s %6s %8s | hash dist p50 p95 max | desc score min p5 p50\n", "family", "n",
           "hits", "recall");
    for (int k = 0; k < nfams; k++) {
        struct fam *f = &fams[k];
        int *d = malloc((size_t)f->n * sizeof *d);
        float *s = malloc((size_t)f->n * sizeof *s);
        f->hit = 0;
        for (int i = 0; i < f->n; i++) { /* the server's rule itself decides */
            const struct row *r = &rows[f->row[i]];
            int m = dedup_match(&r->sig, &rows[r->orig].sig, rule, NULL);
            f->hit += m;
            if (m != (combos_pass(&f->c[i], rule->hash_max, rule->desc_min) ||
                      dedup_scene_match(&r->sig, &rows[r->orig].sig, rule)))
                printf("warning: --sweep's combinations disagree with dedup_match on %s\n",
                       r->path);
        }
        memcpy(d, f->dist, (size_t)f->n * sizeof *d);
        memcpy(s, f->score, (size_t)f->n * sizeof *s);
        qsort(d, (size_t)f->n, sizeof *d, cmp_int);
        qsort(s, (size_t)f->n, sizeof *s, cmp_float);
        printf("%-16s %6d %6d %8.4f | %13d %3d %3d | %14.3f %5.3f %5.3f\n", f->name, f->n, f->hit,
               f->n ? (double)f->hit / f->n : 0, d[f->n / 2], d[f->n * 95 / 100], d[f->n - 1], s[0],
               s[f->n / 20], s[f->n / 2]);
        free(d);
        free(s);
    }
    if (!misses)
        return;
    printf("\nmissed positives:\n");
    for (int i = 0; i < nrows; i++) {
        struct row *r = &rows[i];
        float dist;
        if (is_orig(r) || r->orig < 0 || !r->ok || !rows[r->orig].ok ||
            dedup_match(&r->sig, &rows[r->orig].sig, rule, &dist))
            continue;
        printf("  %-14s %-40s d=%3d s=%.3f q=%d/%d inl=%d kp=%d/%d\n", r->family,
               r->path + strlen(r->path) - (strlen(r->path) > 40 ? 40 : strlen(r->path)),
               dedup_hash_distance(r->sig.hash, rows[r->orig].sig.hash), 1 - dist, r->sig.quality,
               rows[r->orig].sig.quality, dedup_scene_inliers(&r->sig, &rows[r->orig].sig),
               r->sig.nqkp, rows[r->orig].sig.nkp);
    }
}

/* ---- negatives ------------------------------------------------------- */

struct neg {
    int a, b, dist; /* dist: smallest over the combinations */
    float score;    /* of a against b */
    struct combos c;
};
static struct neg *negs; /* every negative pair with hash distance <= NEG_KEEP */
static int nnegs;
#define NEG_KEEP 96

static void add_neg(int a, int b)
{
    struct combos c;
    static int cap;
    int d;
    pair_combos(&rows[a].sig, &rows[b].sig, &c);
    d = combos_min_dist(&c);
    if (d > NEG_KEEP)
        return;
    if (nnegs == cap) {
        cap = cap ? cap * 2 : 4096;
        negs = realloc(negs, (size_t)cap * sizeof *negs);
    }
    negs[nnegs++] = (struct neg){a, b, d, dedup_desc_score(rows[a].sig.desc, rows[b].sig.desc), c};
}

/* Originals against originals (kind 0) and transformed copies against
 * other originals (kind 1, a stricter test). */
static void collect_negatives(void)
{
    for (int i = 0; i < nrows; i++) {
        if (!rows[i].ok || rows[i].orig < 0)
            continue;
        for (int j = 0; j < nrows; j++) {
            if (!is_orig(&rows[j]) || !rows[j].ok || rows[j].orig == rows[i].orig)
                continue;
            if (is_orig(&rows[i]) && j <= i)
                continue;
            if (same_pair(&rows[rows[i].orig], &rows[j]))
                continue;
            add_neg(i, j);
        }
    }
}

static int neg_match(const struct neg *n, const struct dedup_rule *rule)
{
    return dedup_match(&rows[n->a].sig, &rows[n->b].sig, rule, NULL);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The originals whose copies matched another original, with counts. */
static void list_false_positives(const struct dedup_rule *rule)
{
    char **lines = calloc((size_t)nnegs + 1, sizeof *lines);
    int n = 0;
    for (int k = 0; k < nnegs; k++)
        if (neg_match(&negs[k], rule) &&
            asprintf(&lines[n], "%s ~ %s", rows[negs[k].a].id, rows[negs[k].b].id) > 0)
            n++;
    qsort(lines, (size_t)n, sizeof *lines, cmp_str);
    printf("\nfalse positives by pair of originals (copies of the first matched the second):\n");
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && !strcmp(lines[j], lines[i]))
            j++;
        printf("  %3d x %s\n", j - i, lines[i]);
        i = j;
    }
    for (int i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
}

static void negative_report(const struct dedup_rule *rule, int closest)
{
    long orig_pairs = 0, cross = 0, coin_pairs = 0;
    int fp_orig = 0, fp_cross = 0, fp_coin = 0, fp_coin_group = 0, min_coin = 256;
    int norig = 0;
    for (int i = 0; i < nrows; i++)
        norig += is_orig(&rows[i]) && rows[i].ok;
    orig_pairs = (long)norig * (norig - 1) / 2;
    for (int i = 0; i < nrows; i++)
        if (!is_orig(&rows[i]) && rows[i].ok && rows[i].orig >= 0)
            cross += norig - 1;
    for (int i = 0; i < nrows; i++)
        for (int j = i + 1; j < nrows; j++)
            if (is_orig(&rows[i]) && is_orig(&rows[j]) && !strncmp(rows[i].group, "coin:", 5) &&
                !strncmp(rows[j].group, "coin:", 5))
                coin_pairs++;
    for (int k = 0; k < nnegs; k++) {
        struct neg *n = &negs[k];
        int m = neg_match(n, rule), both_orig = is_orig(&rows[n->a]);
        int coins = both_orig && !strncmp(rows[n->a].group, "coin:", 5) &&
                    !strncmp(rows[n->b].group, "coin:", 5);
        if (both_orig)
            fp_orig += m;
        else
            fp_cross += m;
        if (coins) {
            fp_coin += m;
            fp_coin_group += m && !strcmp(rows[n->a].group, rows[n->b].group);
            if (n->dist < min_coin)
                min_coin = n->dist;
        }
    }
    printf("\nfalse-positive pairs, distinct originals: %d of %ld pairs (%d originals)\n", fp_orig,
           orig_pairs, norig);
    printf("false-positive pairs, copies vs other originals: %d of %ld pairs\n", fp_cross, cross);
    printf("hard negatives, coins: %d of %ld pairs (%d within a country group); closest hash "
           "distance %d\n",
           fp_coin, coin_pairs, fp_coin_group, min_coin);
    if (closest <= 0)
        return;
    printf("\nclosest negative pairs by hash distance (originals only):\n");
    for (int d = 0, shown = 0; d <= NEG_KEEP && shown < closest; d++)
        for (int k = 0; k < nnegs && shown < closest; k++)
            if (negs[k].dist == d && is_orig(&rows[negs[k].a])) {
                printf("  d=%3d s=%.3f %s %s  %s\n", d, negs[k].score, rows[negs[k].a].id,
                       rows[negs[k].b].id, neg_match(&negs[k], rule) ? "MATCH" : "");
                shown++;
            }
}

static void pair_report(const struct dedup_rule *rule)
{
    printf("\nnatural pairs (another shot of the same scene; reported, not scored):\n");
    for (int i = 0; i < nrows; i++)
        for (int j = i + 1; j < nrows; j++) {
            struct row *a = &rows[i], *b = &rows[j];
            float dist;
            if (!is_orig(a) || !is_orig(b) || !a->ok || !b->ok || !same_pair(a, b))
                continue;
            printf("  %-28s %-28s d=%3d s=%.3f %s\n", a->id, b->id,
                   dedup_hash_distance(a->sig.hash, b->sig.hash),
                   dedup_desc_score(a->sig.desc, b->sig.desc),
                   dedup_match(&a->sig, &b->sig, rule, &dist) ? "match" : "no match");
        }
}

#include "dedup_scene.h"

/* ---- calibration sweep ----------------------------------------------- */

static double min_recall(int hmax, float dmin)
{
    double worst = 1;
    for (int k = 0; k < nfams; k++) {
        struct fam *f = &fams[k];
        int hit = 0;
        if (!strncmp(f->name, "info-", 5) || !f->n)
            continue;
        for (int i = 0; i < f->n; i++)
            hit += combos_pass(&f->c[i], hmax, dmin);
        if ((double)hit / f->n < worst)
            worst = (double)hit / f->n;
    }
    return worst;
}

static int fp_count(int hmax, float dmin)
{
    int fp = 0;
    for (int k = 0; k < nnegs; k++)
        fp += combos_pass(&negs[k].c, hmax, dmin);
    return fp;
}

static void sweep(void)
{
    printf("\ncalibration sweep: worst required-family recall with zero false positives\n");
    printf("(originals and copies-vs-originals), per hash_max:\n");
    for (int h = 8; h <= 96; h += 4) {
        /* FP falls and recall falls as desc_min rises: the lowest zero-FP
         * desc_min is the best one for this hash_max. */
        float d = 0.50f;
        while (d <= 0.9951f && fp_count(h, d))
            d += 0.0025f;
        if (d > 0.9951f)
            printf("  hash_max %2d: no zero-FP desc_min\n", h);
        else
            printf("  hash_max %2d: desc_min >= %.3f -> worst recall %.4f\n", h, d,
                   min_recall(h, d));
    }
}

int main(int argc, char **argv)
{
    struct dedup_rule rule;
    int threads = 2, do_sweep = 0, misses = 0, closest = 15, by_kind = 0, fps = 0;
    double t0;
    pthread_t th[64];

    dedup_rule_default(&rule, -1, -1);
    if (argc < 2 || load_manifest(argv[1])) {
        fprintf(stderr,
                "usage: %s MANIFEST [--threads N] [--rule H D] [--sweep] [--misses] "
                "[--closest N] [--by-kind] [--fp]\n",
                argv[0]);
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--rule") && i + 2 < argc) {
            rule.hash_max = atoi(argv[++i]);
            rule.desc_min = (float)atof(argv[++i]);
        } else if (!strcmp(argv[i], "--sweep"))
            do_sweep = 1;
        else if (!strcmp(argv[i], "--misses"))
            misses = 1;
        else if (!strcmp(argv[i], "--by-kind"))
            by_kind = 1;
        else if (!strcmp(argv[i], "--fp"))
            fps = 1;
        else if (!strcmp(argv[i], "--scene-min") && i + 1 < argc)
            rule.scene_min = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--closest") && i + 1 < argc)
            closest = atoi(argv[++i]);
    }
    if (threads < 1 || threads > 64)
        threads = 2;
    if (image_init(argv[0], NULL) != KR_OK)
        return 1;
    t0 = util_now_ms();
    for (int i = 0; i < threads; i++)
        pthread_create(&th[i], NULL, worker, NULL);
    for (int i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    printf("signatures: %d images in %.1f s on %d threads\n", nrows, (util_now_ms() - t0) / 1000,
           threads);
    printf("rule: hash distance <= %d and descriptor score >= %.3f; scene stage >= %d inliers\n",
           rule.hash_max, rule.desc_min, rule.scene_min);
    collect_positives(by_kind);
    collect_negatives();
    family_report(&rule, misses);
    negative_report(&rule, closest);
    if (fps)
        list_false_positives(&rule);
    pair_report(&rule);
    scene_family_report(&rule);
    scene_negative_report(&rule, closest);
    if (do_sweep)
        sweep();
    return 0;
}
