/*
 * test_scene_votes.c - the scene candidates' inverted index
 * (src/index/embedded_vote.c) stays exactly the index of the keypoints the
 * embedded index holds through adds, re-adds (new keypoints, none), removals
 * that move slots, and close (ASan: nothing leaks); and a photo's own
 * keypoints, a few bits changed, make it a candidate while removed photos
 * never are.
 *
 * Postings are 3 bytes, so a scene photo beyond slot 2^24 is refused with
 * index_full and nothing changes: a lowered limit (the vote_slots test
 * hook) checks that, and that catalog shots still fit there.
 *
 * The check walks every bucket: each posting names a live slot whose kept
 * keys hold that bucket, and the number of postings equals the number of
 * keys of the live slots; and each live id's kept keys are those of its
 * photo's first VOTE_KP descriptors (computed here bit by bit).
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "index/index.h"
#include "index/index_int.h"

#include "synth.h"

#define N_IDS 600

static void random_scene(struct dedup_sig *s, int nkp)
{
    random_sig(s);
    s->nkp = nkp;
    for (int k = 0; k < nkp; k++) {
        s->kp[k].x = (uint8_t)rnd();
        s->kp[k].y = (uint8_t)rnd();
        for (int j = 0; j < DEDUP_SCENE_DESC; j++)
            s->kp[k].d[j] = (uint8_t)rnd();
    }
}

/* Table t's key of descriptor d: bits [t VOTE_BITS, (t + 1) VOTE_BITS). */
static uint32_t key_of(const uint8_t *d, int t)
{
    uint32_t v = 0;
    for (int b = 0; b < VOTE_BITS; b++) {
        int bit = t * VOTE_BITS + b;
        v |= (uint32_t)(d[bit / 8] >> (bit % 8) & 1) << b;
    }
    return v;
}

/* Does the slot's key list k hold bucket b? */
static int has_bucket(const uint8_t *k, uint32_t b)
{
    for (int i = 0; i < idx__vkey_count(k); i++)
        if (idx__vkey(k, i) == b)
            return 1;
    return 0;
}

/* Every posting names a live slot whose keys hold that bucket, and the
 * postings number the keys. */
static void check_postings(struct idx *ix)
{
    struct emb_idx *e = idx__emb_of(ix);
    size_t want = 0, got = 0;

    for (size_t s = 0; s < e->n; s++)
        if (e->vkeys[s])
            want += (size_t)idx__vkey_count(e->vkeys[s]);
    for (size_t b = 0; e->vbuck && b < (size_t)VOTE_TABLES << VOTE_BITS; b++) {
        const uint8_t *v = e->vbuck[b];
        for (uint32_t i = 0, n = v ? idx__vote_count(v) : 0; i < n; i++) {
            uint32_t s = idx__vote_slot(v, i); /* a bucket: count, then 3-byte postings */
            assert_true(s < e->n);
            assert_non_null(e->vkeys[s]);
            assert_true(has_bucket(e->vkeys[s], (uint32_t)b));
            got++;
        }
        if (v)
            assert_true(idx__vote_count(v) > 0); /* empty buckets are freed */
    }
    assert_int_equal(got, want);
}

/* id's keys are those of sig's first VOTE_KP keypoints, in order (none
 * for a photo without keypoints). */
static void check_keys(struct idx *ix, int64_t id, const struct dedup_sig *sig)
{
    struct emb_idx *e = idx__emb_of(ix);
    long s = idx__emb_slot(e, id);
    int nk = sig->nkp < VOTE_KP ? sig->nkp : VOTE_KP, i = 0;

    assert_true(s >= 0);
    if (nk == 0) {
        assert_null(e->vkeys[s]);
        return;
    }
    assert_non_null(e->vkeys[s]);
    assert_int_equal(idx__vkey_count(e->vkeys[s]), nk * VOTE_TABLES);
    for (int k = 0; k < nk; k++)
        for (int t = 0; t < VOTE_TABLES; t++, i++)
            assert_int_equal(idx__vkey(e->vkeys[s], i),
                             ((uint32_t)t << VOTE_BITS) + key_of(sig->kp[k].d, t));
}

/* Is id among the voted candidates of its own keypoints with 3 bits changed each? */
static int voted(struct idx *ix, const struct dedup_sig *s, int64_t id)
{
    struct emb_idx *e = idx__emb_of(ix);
    struct dedup_sig *q = malloc(sizeof *q);
    uint32_t slots[16];
    int n, hit = 0;

    *q = *s;
    q->nqkp = s->nkp;
    for (int k = 0; k < s->nkp; k++) {
        q->qkp[k] = (struct dedup_qkp){.x = s->kp[k].x / 255.0f, .y = s->kp[k].y / 255.0f};
        memcpy(q->qkp[k].d, s->kp[k].d, DEDUP_SCENE_DESC);
        for (int f = 0; f < 3; f++)
            q->qkp[k].d[rnd() % DEDUP_SCENE_DESC] ^= (uint8_t)(1u << (rnd() % 8));
    }
    n = idx__emb_vote_top(e, q, 16, slots);
    assert_true(n >= 0);
    for (int i = 0; i < n; i++)
        hit |= e->ids[slots[i]] == id;
    free(q);
    return hit;
}

static void test_votes_follow_entries(void **state)
{
    struct idx *ix = NULL;
    struct kr_err err = {0};
    struct dedup_sig *sigs = calloc(N_IDS, sizeof *sigs);
    int live[N_IDS] = {0};
    (void)state;

    assert_int_equal(idx_open("embedded", NULL, &ix, &err), KR_OK);
    for (int i = 0; i < N_IDS; i++) {
        random_scene(&sigs[i], i % 5 == 0 ? 0 : 1 + i % DEDUP_SCENE_KP);
        assert_int_equal(idx_add(ix, i, &sigs[i], &err), KR_OK);
        live[i] = 1;
    }
    check_postings(ix);
    for (int round = 0; round < 3000; round++) {
        int i = (int)(rnd() % N_IDS);
        if (live[i] && rnd() % 2) {
            assert_int_equal(idx_remove(ix, i, &err), KR_OK);
            live[i] = 0;
        } else {
            if (rnd() % 3 == 0) /* new keypoints (or none) for the same id */
                random_scene(&sigs[i], (int)(rnd() % (DEDUP_SCENE_KP + 1)));
            assert_int_equal(idx_add(ix, i, &sigs[i], &err), KR_OK);
            live[i] = 1;
        }
        if (round % 500 == 0)
            check_postings(ix);
    }
    check_postings(ix);
    for (int i = 0; i < N_IDS; i++)
        if (live[i])
            check_keys(ix, i, &sigs[i]);
    for (int i = 0; i < N_IDS; i++)
        if (sigs[i].nkp >= 12)
            assert_int_equal(voted(ix, &sigs[i], i), live[i]);
    for (int i = 0; i < N_IDS; i++)
        if (live[i])
            assert_int_equal(idx_remove(ix, i, &err), KR_OK);
    check_postings(ix);
    idx_close(ix);
    free(sigs);
}

#define LIMIT 40

/* Add id with sig and expect rc; on a refusal, index_full. */
static void add_expect(struct idx *ix, int64_t id, const struct dedup_sig *sig, enum kr_code rc)
{
    struct kr_err err = {0};
    assert_int_equal(idx_add(ix, id, sig, &err), rc);
    if (rc != KR_OK)
        assert_int_equal(err.slug_id, KRS_INDEX_FULL);
}

static void test_slot_limit(void **state)
{
    struct idx *ix = NULL;
    struct kr_err err = {0};
    struct dedup_sig *sigs = calloc(LIMIT + 4, sizeof *sigs), *cat = calloc(1, sizeof *cat);
    enum kr_code full = kr_slug_code(KRS_INDEX_FULL);
    (void)state;

    assert_int_equal(idx_open("embedded", NULL, &ix, &err), KR_OK);
    idx__emb_of(ix)->vote_slots = LIMIT;
    random_scene(cat, 0); /* a catalog shot: no keypoints */
    for (int i = 0; i < LIMIT + 4; i++)
        random_scene(&sigs[i], 1 + i % DEDUP_SCENE_KP);
    for (int i = 0; i < LIMIT; i++)
        add_expect(ix, i, &sigs[i], KR_OK);
    add_expect(ix, LIMIT, &sigs[LIMIT], full); /* slot LIMIT: refused */
    assert_int_equal(idx_count(ix), LIMIT);
    check_postings(ix);
    add_expect(ix, 100, cat, KR_OK);             /* a catalog shot fits at slot LIMIT */
    add_expect(ix, 100, &sigs[LIMIT + 1], full); /* ... but not re-added with keypoints */
    assert_null(idx__emb_of(ix)->vkeys[LIMIT]);
    check_keys(ix, 100, cat);
    add_expect(ix, 3, &sigs[LIMIT + 2], KR_OK); /* a replace below the limit */
    check_postings(ix);
    /* removals move the last slots down: then scene photos fit again */
    assert_int_equal(idx_remove(ix, 0, &err), KR_OK); /* the catalog shot moves to slot 0 */
    add_expect(ix, LIMIT + 1, &sigs[LIMIT + 1], full);
    assert_int_equal(idx_remove(ix, 1, &err), KR_OK);
    add_expect(ix, LIMIT + 1, &sigs[LIMIT + 1], KR_OK);
    check_postings(ix);
    check_keys(ix, LIMIT + 1, &sigs[LIMIT + 1]);
    check_keys(ix, 3, &sigs[LIMIT + 2]);
    assert_true(voted(ix, &sigs[LIMIT + 1], LIMIT + 1));
    assert_true(voted(ix, &sigs[LIMIT + 2], 3));
    idx_close(ix);
    free(sigs);
    free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_votes_follow_entries),
        cmocka_unit_test(test_slot_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
