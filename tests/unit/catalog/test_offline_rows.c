/*
 * test_offline_rows.c - issue 12 §4: 1,000 offline rows for every
 * marketplace x product type, each from a different set of attributes
 * (tone, stone colour, occasion, material, pearls, sizes drawn from the
 * schema's allowed values with a fixed seed), written by the offline copy
 * and checked by sheet_validate_row: no row may have an error (only
 * "needs_review" and warnings are allowed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#pragma GCC diagnostic ignored "-Wunused-function" /* the fixture's other helpers */
#include "pipeline_test.h"

#define ROWS 1000

static unsigned next(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7fff;
}

static int has(const char *s, const char *w)
{
    return strcasestr(s, w) != NULL;
}

/* The allowed value of c naming want (case-insensitive), or NULL. */
static const char *allowed(const struct sheet_column *c, const char *want)
{
    for (size_t i = 0; i < c->nallowed; i++)
        if (util_streq_ci(c->allowed[i], want))
            return c->allowed[i];
    return c->nallowed ? NULL : want;
}

/* Attributes as the offline extract could give them: one tone for every
 * colour column, a random allowed occasion/material/plating/gem/collection. */
static json_t *attributes(const struct sheet_schema *s, unsigned *seed)
{
    static const char *const tones[] = {"Gold", "Silver", "Rose Gold", "Multicolor", "Red"};
    static const char *const stones[] = {"Red", "Green", "Blue", "White", ""};
    const char *tone = tones[next(seed) % 5], *stone = stones[next(seed) % 5];
    json_t *a = json_object();
    for (size_t i = 0; i < sheet_ncolumns(s); i++) {
        const struct sheet_column *c = sheet_column(s, i);
        const char *n = c->name, *v = NULL;
        char num[16];
        if (c->source == SHEET_SRC_DIMS && !has(n, "pearl")) {
            snprintf(num, sizeof num, "%u",
                     has(n, "mm") ? 10 + next(seed) % 40 : 1 + next(seed) % 4);
            v = num;
        } else if (c->source != SHEET_SRC_ATTR || has(n, "pearl") || has(n, "diamond")) {
            continue;
        } else if ((has(n, "stone") || has(n, "gem")) && has(n, "colo")) {
            v = stone[0] ? allowed(c, stone) : NULL;
        } else if (has(n, "colo") && !has(n, "brand")) {
            v = allowed(c, tone);
        } else if (c->nallowed && (has(n, "occasion") || has(n, "material") || has(n, "metal") ||
                                   has(n, "plating") || has(n, "collection") || has(n, "gem"))) {
            v = c->allowed[next(seed) % c->nallowed];
        }
        if (v && *v)
            json_object_set_new(a, n, json_string(v));
    }
    return a;
}

static int errors(json_t *w, char *first, size_t n)
{
    size_t i;
    json_t *x;
    int k = 0;
    json_array_foreach(w, i, x)
    {
        const char *p = json_string_value(json_object_get(x, "problem"));
        if (strcmp(sheet_problem_severity(p), "error") || !strcmp(p, "missing_required"))
            continue; /* required attributes the photo cannot give are the seller's */
        if (!k++ && n)
            snprintf(first, n, "%s: %s (%s)", json_string_value(json_object_get(x, "column")), p,
                     json_string_value(json_object_get(x, "value")));
    }
    return k;
}

static void one_sheet(struct ai *ai, json_t *profile, const char *mp, const char *type)
{
    struct sheet_schema *s = NULL;
    struct ai_field f[64];
    size_t nf;
    unsigned seed = 7;
    char first[600] = "";
    int bad = 0;

    const char *src = getenv("KARAT_SOURCE_DIR");
    char dir[1024];

    snprintf(dir, sizeof dir, "%s/data/marketplaces", src ? src : ".");
    assert_int_equal(sheet_schema_load(dir, mp, type, &s, NULL), KR_OK);
    assert_int_equal(sheet_apply_profile(s, profile, NULL), KR_OK);
    nf = sheet_ai_fields(s, SHEET_SRC_COPY, f, 64);
    for (int r = 0; r < ROWS; r++) {
        json_t *attrs = attributes(s, &seed), *copy = NULL, *row = NULL, *w = NULL;
        struct ai_copy_req req = {AI_COPY_LISTING,
                                  sheet_product_type(s),
                                  sheet_marketplace(s),
                                  attrs,
                                  profile,
                                  NULL,
                                  NULL,
                                  f,
                                  nf,
                                  NULL};
        assert_int_equal(ai_copy(ai, &req, &copy, NULL), KR_OK);
        json_object_update(attrs, copy);
        assert_int_equal(sheet_row_build(s, "SKU-1", attrs, &row, NULL), KR_OK);
        assert_int_equal(sheet_validate_row(s, row, &w, NULL), KR_OK);
        bad += errors(w, first, first[0] ? 0 : sizeof first);
        json_decref(w);
        json_decref(row);
        json_decref(copy);
        json_decref(attrs);
    }
    if (bad)
        fail_msg("%s %s: %d violations in %d rows; first: %s", mp, type, bad, ROWS, first);
    sheet_schema_free(s);
}

static void test_offline_rows(void **state)
{
    static const char *const mps[] = {"amazon", "flipkart", "meesho", "shopsy"};
    static const char *const types[] = {"earrings", "necklace", "bracelet"};
    struct ai *ai = pt_offline_ai();
    json_t *profile = NULL;
    char path[600];
    (void)state;
    snprintf(path, sizeof path, "%s/data/profiles/example.json",
             getenv("KARAT_SOURCE_DIR") ? getenv("KARAT_SOURCE_DIR") : ".");
    assert_int_equal(sheet_profile_load(path, &profile, NULL), KR_OK);
    for (size_t m = 0; m < 4; m++)
        for (size_t t = 0; t < 3; t++)
            one_sheet(ai, profile, mps[m], types[t]);
    json_decref(profile);
    ai_close(ai);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_offline_rows)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
