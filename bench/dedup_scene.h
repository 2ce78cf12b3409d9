/*
 * dedup_scene.h - the scene stage's part of bench_dedup_quality's report
 * (issue 15), included once by dedup_quality.c after its rows, is_orig(),
 * same_pair() and combos: kept apart so each file stays readable.
 *
 *   scene_family_report: per family, hits of the first stage (hash and
 *     descriptor), hits the scene stage adds, the keypoint inliers of the
 *     copies against their originals (min, p5, p50), and the scene hits a
 *     16-candidate cap (the index's default) would lose;
 *   scene_negative_report: the scene stage's inliers on every negative pair
 *     (distinct originals, copies against other originals), the pairs it
 *     would call duplicates at the rule's threshold, and the closest ones;
 *     natural pairs (another shot of the same scene) and bursts reported
 *     apart; similar_report: each similar:X group of like scenes.
 *
 * The copy is the first argument of dedup_match, as the new upload is in
 * the server: its dense keypoints against the original's stored ones.
 */
#ifndef KARAT_BENCH_DEDUP_SCENE_H
#define KARAT_BENCH_DEDUP_SCENE_H

/* The rank (0 = best) of r's original among all originals with keypoints
 * by descriptor score against r: the index verifies only the best
 * KARAT_DEDUP_SCENE_CANDIDATES (16) of them with the scene stage. */
static int candidate_rank(const struct row *r)
{
    float own = dedup_desc_score(r->sig.desc, rows[r->orig].sig.desc);
    int rank = 0;
    for (int j = 0; j < nrows; j++)
        if (is_orig(&rows[j]) && rows[j].ok && rows[j].sig.nkp > 0 && j != r->orig &&
            dedup_desc_score(r->sig.desc, rows[j].sig.desc) > own)
            rank++;
    return rank;
}

static void scene_family_report(const struct dedup_rule *rule)
{
    printf("\nscene stage by family (first stage = hash + descriptor; inliers of copies with "
           "keypoints; beyond16 = scene hits whose original ranks 17th or lower by descriptor "
           "score, lost to a 16-candidate cap)\n%-22s %6s %7s %7s %8s | inliers min p5 p50 | "
           "beyond16\n",
           "family", "n", "stage1", "+scene", "recall");
    for (int k = 0; k < nfams; k++) {
        struct fam *f = &fams[k];
        int *in = malloc((size_t)f->n * sizeof *in), nin = 0, s1 = 0, s2 = 0, capped = 0;
        for (int i = 0; i < f->n; i++) {
            const struct row *r = &rows[f->row[i]];
            int a = combos_pass(&f->c[i], rule->hash_max, rule->desc_min);
            s1 += a;
            int b = !a && dedup_scene_match(&r->sig, &rows[r->orig].sig, rule);
            s2 += b;
            capped += b && candidate_rank(r) >= 16;
            if (r->sig.nkp > 0 && rows[r->orig].sig.nkp > 0)
                in[nin++] = dedup_scene_inliers(&r->sig, &rows[r->orig].sig);
        }
        qsort(in, (size_t)nin, sizeof *in, cmp_int);
        printf("%-22s %6d %7d %7d %8.4f | %11d %2d %3d | %d\n", f->name, f->n, s1, s2,
               f->n ? (double)(s1 + s2) / f->n : 0, nin ? in[0] : -1, nin ? in[nin / 20] : -1,
               nin ? in[nin / 2] : -1, capped);
        free(in);
    }
}

struct scene_neg {
    int a, b, inl;
};

static int cmp_scene_neg(const void *x, const void *y)
{
    const struct scene_neg *a = x, *b = y;
    return b->inl != a->inl ? b->inl - a->inl : a->a - b->a;
}

/* Per "similar:X" group (different photos of like scenes): pairs of its
 * originals and of copies against the group's other originals, matches
 * under the whole rule, and the most scene inliers any of them reached. */
static void similar_report(const struct dedup_rule *rule)
{
    for (int g = 0; g < nrows; g++) {
        const char *grp = rows[g].group;
        int first = 1, fp = 0, worst = 0, wa = -1, wb = -1;
        long pairs = 0;
        if (!is_orig(&rows[g]) || strncmp(grp, "similar:", 8))
            continue;
        for (int k = 0; k < g && first; k++)
            first = !(is_orig(&rows[k]) && !strcmp(rows[k].group, grp));
        if (!first)
            continue;
        for (int i = 0; i < nrows; i++) {
            if (!rows[i].ok || rows[i].orig < 0 || strcmp(rows[rows[i].orig].group, grp))
                continue;
            for (int j = 0; j < nrows; j++) {
                const struct row *o = &rows[j];
                if (!is_orig(o) || !o->ok || o->orig == rows[i].orig || strcmp(o->group, grp))
                    continue;
                int inl = dedup_scene_inliers(&rows[i].sig, &o->sig);
                pairs++;
                fp += dedup_match(&rows[i].sig, &o->sig, rule, NULL);
                if (inl > worst || wa < 0) {
                    worst = inl;
                    wa = i;
                    wb = j;
                }
            }
        }
        printf("  %s: %d matched of %ld pairs; most inliers %d", grp, fp, pairs, worst);
        if (wa >= 0)
            printf(" (%s %s ~ %s)", rows[wa].id, rows[wa].variant, rows[wb].id);
        printf("\n");
    }
}

static void scene_negative_report(const struct dedup_rule *rule, int closest)
{
    struct scene_neg *n = NULL;
    long cap = 0, nn = 0, pairs[2] = {0, 0};
    int fp[2] = {0, 0}, hist[DEDUP_SCENE_KP + 2] = {0};
    for (int i = 0; i < nrows; i++) {
        if (!rows[i].ok || rows[i].orig < 0 || rows[i].sig.nkp <= 0)
            continue;
        for (int j = 0; j < nrows; j++) {
            const struct row *o = &rows[j];
            if (!is_orig(o) || !o->ok || o->orig == rows[i].orig || o->sig.nkp <= 0 ||
                (is_orig(&rows[i]) && j <= i) || same_pair(&rows[rows[i].orig], o))
                continue;
            int inl = dedup_scene_inliers(&rows[i].sig, &o->sig), kind = !is_orig(&rows[i]);
            pairs[kind]++;
            fp[kind] += inl >= rule->scene_min;
            hist[inl > DEDUP_SCENE_KP ? DEDUP_SCENE_KP + 1 : inl]++;
            if (nn == cap) {
                cap = cap ? cap * 2 : 4096;
                n = realloc(n, (size_t)cap * sizeof *n);
            }
            n[nn++] = (struct scene_neg){i, j, inl};
        }
    }
    printf("\nscene stage on negatives (both with keypoints; duplicate at >= %d inliers):\n",
           rule->scene_min);
    printf("  distinct originals: %d of %ld pairs; copies vs other originals: %d of %ld pairs\n",
           fp[0], pairs[0], fp[1], pairs[1]);
    printf("  inliers histogram:");
    for (int k = 0; k <= DEDUP_SCENE_KP + 1; k++)
        if (hist[k])
            printf(" %d:%d", k, hist[k]);
    printf("\n");
    qsort(n, (size_t)nn, sizeof *n, cmp_scene_neg);
    printf("  closest negatives by inliers:\n");
    for (long k = 0; k < nn && k < closest; k++)
        printf("    %2d %s (%s) ~ %s\n", n[k].inl, rows[n[k].a].id, rows[n[k].a].variant,
               rows[n[k].b].id);
    free(n);
    similar_report(rule);
    printf("  natural pairs and bursts (information):");
    for (int i = 0; i < nrows; i++)
        for (int j = i + 1; j < nrows; j++)
            if (is_orig(&rows[i]) && is_orig(&rows[j]) && rows[i].ok && rows[j].ok &&
                same_pair(&rows[i], &rows[j]))
                printf(" %s~%s=%d", rows[i].id, rows[j].id,
                       dedup_scene_inliers(&rows[i].sig, &rows[j].sig));
    printf("\n");
}

#endif
