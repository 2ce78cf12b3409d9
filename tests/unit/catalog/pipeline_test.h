/*
 * pipeline_test.h - fixture for the catalog pipeline tests (header-only,
 * static): a temp folder, the offline AI provider, a real store for the SKU
 * cache, an in-memory job runner, and io callbacks that read local paths
 * and save outputs into the temp folder. Plus helpers to check a written
 * workbook cell by cell against the rows the job reported.
 */
#ifndef KARAT_PIPELINE_TEST_H
#define KARAT_PIPELINE_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai.h"
#include "catalog/catalog.h"
#include "sheet/sheet.h"
#include "core/config.h"
#include "core/pool.h"
#include "image/image.h"
#include "jobs/jobs.h"
#include "store/store.h"
#include "testutil.h"
#include "xlsx_read.h"

struct pt {
    char dir[512];
    struct ai *ai;
    struct store *store;
    struct catalog *cat;
    struct jobs *jobs;
    struct pool *pool;
    int saves, reads;
    int listed; /* catalog_io.listed calls (items run on pool threads: atomic) */
};

static void pt_listed(void *ctx, const struct catalog_listed *l)
{
    struct pt *t = ctx;
    if (l->ref && l->sku && l->marketplace && l->product_type && json_is_object(l->values))
        __atomic_fetch_add(&t->listed, 1, __ATOMIC_SEQ_CST);
}

static enum kr_code pt_read(void *ctx, const char *ref, struct buf *out, struct kr_err *err)
{
    struct pt *t = ctx;
    t->reads++;
    return buf_read_file(out, ref, err);
}

static enum kr_code pt_save(void *ctx, const struct catalog_file *f, char *where, size_t wn,
                            struct kr_err *err)
{
    struct pt *t = ctx;
    snprintf(where, wn, "%s/out-%d.%s", t->dir, ++t->saves, f->ext);
    tu_write_file(where, f->data, f->len);
    (void)err;
    return KR_OK;
}

static struct ai *pt_offline_ai(void)
{
    struct config cfg;
    struct ai *ai = NULL;
    assert_int_equal(config_load(&cfg, NULL), KR_OK);
    config_set(&cfg, "KARAT_ATTR_PROVIDER", "offline", NULL);
    config_set(&cfg, "KARAT_COPY_PROVIDER", "offline", NULL);
    config_set(&cfg, "KARAT_IMAGE_PROVIDER", "offline", NULL);
    assert_int_equal(ai_open(&cfg, &ai, NULL), KR_OK);
    config_release(&cfg);
    return ai;
}

/* with_store: the SKU cache lives in dir/karat.db. ai: taken over (NULL: offline). */
static void pt_open_ai(struct pt *t, int with_store, json_t *profile, struct ai *ai)
{
    struct kr_err err = {0};
    struct catalog_opts o = {0};
    char path[700];

    memset(t, 0, sizeof *t);
    assert_int_equal(image_init("test", &err), KR_OK);
    tu_tmpdir(t->dir, sizeof t->dir);
    t->ai = ai ? ai : pt_offline_ai();
    if (with_store) {
        snprintf(path, sizeof path, "%s/karat.db", t->dir);
        assert_int_equal(store_open("sqlite", path, &t->store, &err), KR_OK);
    }
    struct config cfg;
    assert_int_equal(config_load(&cfg, NULL), KR_OK);
    catalog_opts_from_config(&cfg, &o);
    o.ai = t->ai;
    o.store = t->store;
    o.profile = profile;
    o.io = (struct catalog_io){t, pt_read, pt_save, pt_listed};
    assert_int_equal(catalog_open(&o, &t->cat, &err), KR_OK);
    config_release(&cfg); /* catalog_open copies what it keeps */
    assert_int_equal(pool_create(3, image_thread_cleanup, &t->pool, &err), KR_OK);
    assert_int_equal(jobs_open(NULL, t->pool, 3, &t->jobs, &err), KR_OK);
    assert_int_equal(catalog_register_jobs(t->cat, t->jobs, &err), KR_OK);
    assert_int_equal(jobs_start(t->jobs, &err), KR_OK);
}

static void pt_open(struct pt *t, int with_store, json_t *profile)
{
    pt_open_ai(t, with_store, profile, NULL);
}

static void pt_close(struct pt *t)
{
    jobs_close(t->jobs);
    pool_destroy(t->pool);
    catalog_close(t->cat);
    store_close(t->store);
    ai_close(t->ai);
    tu_rmrf(t->dir);
}

/* A synthetic photo saved as dir/name; its path in path. */
static void pt_photo(struct pt *t, const char *name, int seed, char *path, size_t n)
{
    struct tu_img_opts o = {.width = 640, .height = 640, .seed = seed};
    tu_write_image(t->dir, name, &o);
    snprintf(path, n, "%s/%s", t->dir, name);
}

static json_t *pt_strings(const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

/* Submit a job, wait, return its status view (new reference). */
static json_t *pt_run(struct pt *t, const char *kind, json_t *params, json_t *items)
{
    char id[JOBS_ID_LEN];
    struct kr_err err = {0};
    json_t *st = NULL;
    assert_int_equal(
        jobs_submit(t->jobs, &(struct jobs_submit_req){NULL, kind, params, items}, id, &err),
        KR_OK);
    assert_int_equal(jobs_wait(t->jobs, id, 60000, &err), KR_OK);
    assert_int_equal(jobs_status(t->jobs, id, &st, &err), KR_OK);
    return st;
}

/* A catalog job for (mp, type) over refs/skus; returns the status view. */
static json_t *pt_catalog(struct pt *t, const char *mp, const char *type, json_t *refs,
                          json_t *skus, const char *template_ref, int append)
{
    struct catalog_req r = {mp, type, refs, skus, 0, template_ref, append, NULL, NULL};
    json_t *params = NULL, *items = NULL, *st;
    struct kr_err err = {0};
    enum kr_code rc = catalog_job_input(t->cat, &r, &params, &items, &err);
    if (rc)
        fail_msg("catalog_job_input: %s", err.msg);
    st = pt_run(t, CATALOG_JOB, params, items);
    json_decref(params);
    json_decref(items);
    return st;
}

static const char *pt_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static struct sheet_schema *pt_schema(struct pt *t, const char *mp, const char *type)
{
    struct sheet_schema *s = NULL;
    const char *src = getenv("KARAT_SOURCE_DIR");
    char dir[1024];
    (void)t;
    snprintf(dir, sizeof dir, "%s/data/marketplaces", src ? src : ".");
    assert_int_equal(sheet_schema_load(dir, mp, type, &s, NULL), KR_OK);
    return s;
}

/* Cell (column i, row) of rows (tu_xlsx_rows of sheet) equals want ("" for empty). */
static void pt_cell_is(json_t *rows, const char *sheet, size_t col, int row, const char *want)
{
    const char *got = tu_xlsx_at(rows, (int)col, row);
    char ref[16];
    if ((!got && !*want) || (got && strcmp(got, want) == 0))
        return;
    tu_xlsx_ref((int)col, row, ref, sizeof ref);
    fail_msg("%s %s: got '%s', want '%s'", sheet, ref, got ? got : "(absent)", want);
}

/* The same, for the workbook at path. */
static void pt_assert_cell(const char *path, const char *sheet, size_t col, int row,
                           const char *want)
{
    json_t *rows = tu_xlsx_rows(path, sheet);
    pt_cell_is(rows, sheet, col, row, want);
    json_decref(rows);
}

/* Every column of the fresh workbook at `row` holds attributes[column]. */
static void pt_assert_row(const char *path, const struct sheet_schema *s, int row,
                          json_t *attributes)
{
    json_t *rows = tu_xlsx_rows(path, sheet_sheet_name(s));
    for (size_t i = 0; i < sheet_ncolumns(s); i++) {
        const char *name = sheet_column(s, i)->name;
        pt_cell_is(rows, sheet_sheet_name(s), i, row, pt_str(attributes, name));
    }
    json_decref(rows);
}

#endif
