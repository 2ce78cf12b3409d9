/*
 * pg_fx.h - the fixture of the postgres store tests that play two nodes:
 * a fresh database (pgtest.h) with two store handles on it (header-only,
 * static).
 */
#ifndef KARAT_PG_FX_H
#define KARAT_PG_FX_H

#include <stdio.h>
#include <stdlib.h>

#include "pgtest.h"
#include "store/store.h"
#include "testutil.h"

struct fx {
    char url[1024];
    char loc[1200];
    struct store *a, *b; /* two nodes */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct kr_err err = {0};
    tu_pg_create_db(f->url, sizeof f->url);
    snprintf(f->loc, sizeof f->loc, "pool=4;wait_ms=5000;%s", f->url);
    assert_int_equal(store_open("postgres", f->loc, &f->a, &err), KR_OK);
    assert_int_equal(store_open("postgres", f->loc, &f->b, &err), KR_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->a);
    store_close(f->b);
    tu_pg_drop_db(f->url);
    free(f);
    return 0;
}

#endif
