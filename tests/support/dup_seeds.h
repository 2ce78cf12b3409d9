/*
 * dup_seeds.h - items the duplicate rule tells apart, for the multi-node
 * duplicate-race tests (header-only, static; the test links karat_repo).
 *
 * The synthetic items (testutil.h) are simple shapes, so two seeds can look
 * alike to the duplicate rule. ds_pick_seeds() picks DS_GROUPS seeds such
 * that, by the same rule in one embedded repository holding every variant
 * of the seeds picked so far, each variant of a new seed matches exactly the
 * other variants of its own seed: then whatever order concurrent uploads
 * commit in, each group stores exactly one photo.
 */
#ifndef KARAT_DUP_SEEDS_H
#define KARAT_DUP_SEEDS_H

#include <stdint.h>
#include <stdlib.h>

#include "core/config.h"
#include "repo/repo.h"
#include "testutil.h"

#define DS_GROUPS   100
#define DS_VARIANTS 4

/* Variant v of item `seed`: the same photo re-encoded at another quality. */
static unsigned char *ds_variant(int seed, int v, size_t *n)
{
    struct tu_img_opts o = {.width = 640, .height = 640, .seed = seed, .quality = 70 + 4 * v};
    return tu_make_image(&o, n);
}

static int ds_seed_fits(struct repo *r, int seed, struct repo_ingest_res *res)
{
    int64_t ids[DS_VARIANTS];
    struct kr_err err = {0};
    int ok = 1;

    for (int v = 0; v < DS_VARIANTS && ok; v++) {
        size_t n;
        unsigned char *p = ds_variant(seed, v, &n);
        struct repo_ingest_req req = {p, n, "x.jpg", "alyaimg", "alya", 1, 16, NULL};
        assert_int_equal(repo_ingest(r, &req, res, &err), KR_OK);
        ok = res->nmatches == v;
        for (int i = 0; ok && i < res->nmatches; i++) {
            int own = 0;
            for (int j = 0; j < v; j++)
                own |= res->matches[i].id == ids[j];
            ok = own;
        }
        if (ok && res->duplicate) { /* store it anyway: later seeds must differ from it */
            req.check_duplicate = 0;
            assert_int_equal(repo_ingest(r, &req, res, &err), KR_OK);
        }
        ids[v] = res->image.id;
        free(p);
    }
    return ok;
}

/* DS_GROUPS seeds into seeds[] (an embedded repository in a temporary
 * folder; the caller has called image_init()). */
static void ds_pick_seeds(int *seeds)
{
    struct repo_ingest_res *res = malloc(sizeof *res);
    struct kr_err err = {0};
    struct config solo;
    struct repo *r;
    char d[256];
    int have = 0;

    tu_tmpdir(d, sizeof d);
    assert_int_equal(config_load(&solo, &err), KR_OK);
    assert_int_equal(config_set(&solo, "KARAT_DATA_DIR", d, &err), KR_OK);
    assert_int_equal(config_set(&solo, "KARAT_STORE", "sqlite", &err), KR_OK);
    assert_int_equal(config_set(&solo, "KARAT_BLOB", "local", &err), KR_OK);
    assert_int_equal(repo_open(&solo, "http://127.0.0.1:8000", &r, &err), KR_OK);
    for (int seed = 1000; have < DS_GROUPS && seed < 4000; seed++)
        if (ds_seed_fits(r, seed, res))
            seeds[have++] = seed;
    repo_close(r);
    config_release(&solo);
    tu_rmrf(d);
    free(res);
    assert_int_equal(have, DS_GROUPS);
}

#endif
