/*
 * cmd_lint_sheet.c - `karat lint-sheet FILE.xlsx --marketplace M --type T`:
 * the row check every catalog row gets (sheet_validate_row: allowed values,
 * limits, the marketplace's content rules, cross-field consistency), run on
 * any bulk sheet, including ones Karat did not write.
 *
 * Prints a JSON report, one entry per data row: its sheet row number, SKU
 * (the first SKU column), score, passed and warnings (each with its
 * severity). A required attribute or measurement left blank is the
 * seller's to fill: reported as "needs_review", which does not fail a row.
 * Exit 0 when every row passes, 1 when one fails, 2 when the file or the
 * marketplace cannot be read.
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "sheet/sheet.h"

#define USAGE "karat lint-sheet FILE.xlsx --marketplace M --type T"

static const struct cli_opt opts[] = {
    {"--marketplace", 1, "amazon, flipkart, meesho or shopsy"},
    {"--type", 1, "earrings, necklace or bracelet"},
    {"--data", 1, "data folder (for karat.conf: KARAT_MARKETPLACES_DIR, upload limits)"},
    {NULL, 0, NULL},
};

static const char *sku_of(const struct sheet_schema *s, json_t *values)
{
    for (size_t i = 0; i < sheet_ncolumns(s); i++)
        if (sheet_column(s, i)->source == SHEET_SRC_SKU) {
            const char *v = json_string_value(json_object_get(values, sheet_column(s, i)->name));
            return v ? v : "";
        }
    return "";
}

/* One row's entry; *failed set when it fails. */
static json_t *lint_row(const struct sheet_schema *s, json_t *in, int *failed)
{
    json_t *values = json_object_get(in, "values"), *row = json_deep_copy(values);
    json_t *warnings = NULL, *w;
    struct kr_err err = {0};
    size_t i;
    int bad = 0, score;

    if (!row || sheet_validate_row(s, row, &warnings, &err)) {
        json_decref(row);
        return NULL;
    }
    json_array_foreach(warnings, i, w)
    {
        const struct sheet_column *c =
            sheet_find_column(s, json_string_value(json_object_get(w, "column")));
        const char *p = json_string_value(json_object_get(w, "problem"));
        if (c && (c->source == SHEET_SRC_ATTR || c->source == SHEET_SRC_DIMS) &&
            strcmp(p, "missing_required") == 0)
            json_object_set_new(w, "problem", json_string("needs_review"));
        json_object_set_new(
            w, "severity",
            json_string(sheet_problem_severity(json_string_value(json_object_get(w, "problem")))));
    }
    score = sheet_row_score(warnings, &bad);
    *failed |= bad;
    json_decref(row);
    return json_pack("{s:O, s:s, s:i, s:b, s:o}", "row", json_object_get(in, "row"), "sku",
                     sku_of(s, values), "score", score, "passed", !bad, "warnings", warnings);
}

static int lint(const struct config *cfg, const char *path, const char *mp, const char *type)
{
    struct sheet_tpl_limits lim = {(size_t)cfg->template_max_unpacked,
                                   (unsigned)cfg->template_max_ratio};
    struct sheet_schema *s = NULL;
    struct kr_err err = {0};
    struct buf b;
    json_t *rows = NULL, *results = json_array(), *in, *report = NULL;
    size_t i;
    int failed = 0, rc = 2;

    buf_init(&b, (size_t)cfg->max_upload_bytes);
    if (sheet_schema_load(cfg->marketplaces_dir, mp, type, &s, &err) ||
        buf_read_file(&b, path, &err) || sheet_read_rows(s, b.data, b.len, &lim, &rows, &err)) {
        fprintf(stderr, "karat lint-sheet: %s: %s\n", path, err.msg);
        goto out;
    }
    json_array_foreach(rows, i, in)
    {
        json_t *e = lint_row(s, in, &failed);
        if (!e || json_array_append_new(results, e)) {
            fprintf(stderr, "karat lint-sheet: out of memory\n");
            goto out;
        }
    }
    report = json_pack("{s:s, s:s, s:s, s:i, s:b, s:O}", "file", path, "marketplace",
                       sheet_marketplace(s), "product_type", sheet_product_type(s), "rows",
                       (int)json_array_size(rows), "passed", !failed, "results", results);
    json_dumpf(report, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    rc = failed ? 1 : 0;
out:
    json_decref(report);
    json_decref(results);
    json_decref(rows);
    sheet_schema_free(s);
    buf_release(&b);
    return rc;
}

int cli_cmd_lint_sheet(int argc, char **argv)
{
    struct cli_args a;
    struct config cfg;
    const char *m, *t;
    int rc = cli_parse(argc, argv, opts, USAGE, &a);

    if (rc)
        return rc;
    m = cli_get(&a, opts, "--marketplace");
    t = cli_get(&a, opts, "--type");
    if (a.npos != 1 || !m || !t) {
        fprintf(stderr, "usage: %s\n", USAGE);
        return 2;
    }
    if (cli_start(&cfg, cli_get(&a, opts, "--data")))
        return 2;
    rc = lint(&cfg, a.pos[0], m, t);
    cli_finish(&cfg);
    return rc;
}
