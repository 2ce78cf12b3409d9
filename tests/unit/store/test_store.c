/*
 * test_store.c - the wrappers of store.c above any backend:
 * store_image_get_placed, the rows of a batch of ids each at its position
 * among them. A scripted backend (its own image_get_ids) returns rows out
 * of order, one of them twice and one nobody asked for; the sqlite backend
 * (no image_get_ids: one image_get per id) returns an id asked twice twice
 * and nothing for an id with no row. Each position is called back at most
 * once, with its own row; a missing row is no error.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store_test.h"

/* ---- the scripted backend: image_get_ids answers script[] in its order ---- */

static int64_t script[8];
static int nscript;
static enum kr_code script_rc; /* what the call returns after the rows */

static enum kr_code scripted_get_ids(struct store *s, const int64_t *ids, int n,
                                     int (*cb)(const struct store_image *img, void *ctx),
                                     void *ctx, struct kr_err *err)
{
    struct store_image img;
    (void)s, (void)ids, (void)n;

    for (int i = 0; i < nscript; i++) {
        make_image(&img, script[i], "k.jpg", 1);
        if (cb(&img, ctx))
            return KR_OK;
    }
    return script_rc ? kr_fail(err, KRS_STORE_IO, "scripted failure") : KR_OK;
}

static const struct store_ops scripted_ops = {.name = "scripted",
                                              .image_get_ids = scripted_get_ids};

/* ---- what the callback saw ---- */

struct seen {
    int n;
    int64_t id[16];
    int pos[16];
    int stop_after; /* nonzero: stop after that many calls */
    int bad;        /* a row whose content is not its id's */
};

static int note(const struct store_image *img, int i, void *ctx)
{
    struct seen *w = ctx;
    struct store_image want;

    make_image(&want, img->id, "", 0);
    if (memcmp(want.sig.hash, img->sig.hash, DEDUP_HASH_BYTES) != 0)
        w->bad++;
    w->id[w->n] = img->id;
    w->pos[w->n++] = i;
    return w->stop_after && w->n == w->stop_after;
}

static void assert_seen(const struct seen *w, int n, const int64_t *id, const int *pos)
{
    assert_int_equal(w->n, n);
    assert_int_equal(w->bad, 0);
    for (int k = 0; k < n; k++) {
        assert_int_equal(w->id[k], id[k]);
        assert_int_equal(w->pos[k], pos[k]);
    }
}

/* Rows out of order, 30 twice, 99 never asked for, 20 asked for with no row. */
static void test_placed_out_of_order(void **state)
{
    struct store s = {&scripted_ops};
    const int64_t ids[4] = {10, 20, 30, 10};
    struct seen w = {0};
    struct kr_err err = {0};
    (void)state;

    memcpy(script, (int64_t[]){30, 99, 10, 30}, 4 * sizeof script[0]);
    nscript = 4;
    script_rc = KR_OK;
    assert_int_equal(store_image_get_placed(&s, ids, 4, note, &w, &err), KR_OK);
    assert_null(err.slug);
    assert_seen(&w, 3, (int64_t[]){30, 10, 10}, (int[]){2, 0, 3});

    /* a nonzero callback stops the read; a backend's failure passes through */
    w = (struct seen){.stop_after = 2};
    assert_int_equal(store_image_get_placed(&s, ids, 4, note, &w, &err), KR_OK);
    assert_seen(&w, 2, (int64_t[]){30, 10}, (int[]){2, 0});
    w = (struct seen){0};
    script_rc = KR_EIO;
    assert_int_equal(store_image_get_placed(&s, ids, 4, note, &w, &err), KR_EIO);
    assert_string_equal(err.msg, "scripted failure");
    assert_int_equal(w.n, 3);
    script_rc = KR_OK;
}

/* The same through sqlite: an id asked twice comes back twice, one per
 * image_get; a missing row is left out with no error behind. */
static void test_placed_sqlite(void **state)
{
    char dir[512], db[600];
    struct store *s = NULL;
    struct store_image img;
    struct kr_err err = {0};
    const int64_t ids[4] = {30, 404, 10, 30};
    struct seen w = {0};
    int64_t many[STORE_IDS_MAX + 1] = {0};
    (void)state;

    tu_tmpdir(dir, sizeof dir);
    snprintf(db, sizeof db, "%s/karat.db", dir);
    assert_int_equal(store_open("sqlite", db, &s, &err), KR_OK);
    for (int64_t id = 10; id <= 30; id += 10) {
        make_image(&img, id, id == 10 ? "a.jpg" : id == 20 ? "b.jpg" : "c.jpg", id);
        assert_int_equal(store_image_insert(s, &img, &err), KR_OK);
    }
    assert_int_equal(store_image_get_placed(s, ids, 4, note, &w, &err), KR_OK);
    assert_null(err.slug);
    assert_seen(&w, 3, (int64_t[]){30, 30, 10}, (int[]){0, 3, 2});

    /* store_image_sigs_of, its user: an id asked twice is found at both places */
    struct dedup_sig sigs[4];
    uint8_t found[4] = {9, 9, 9, 9};
    assert_int_equal(store_image_sigs_of(s, ids, 4, sigs, found, &err), KR_OK);
    assert_memory_equal(found, ((uint8_t[4]){1, 0, 1, 1}), 4);
    for (int k = 0; k < 4; k++) { /* each found place holds its own id's signature */
        if (!found[k])
            continue;
        make_image(&img, ids[k], "", 0);
        assert_memory_equal(sigs[k].hash, img.sig.hash, DEDUP_HASH_BYTES);
    }

    /* the limits of store_image_get_ids, and a callback is required */
    w = (struct seen){0};
    assert_int_equal(store_image_get_placed(s, ids, 0, note, &w, &err), KR_OK);
    assert_int_equal(store_image_get_placed(s, many, STORE_IDS_MAX + 1, note, &w, &err),
                     KR_EINVAL);
    assert_int_equal(store_image_get_placed(s, ids, 4, NULL, &w, &err), KR_EINVAL);
    assert_int_equal(w.n, 0);
    store_close(s);
    tu_rmrf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_placed_out_of_order),
        cmocka_unit_test(test_placed_sqlite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
