/*
 * xlsx_write.c - benchmark of the marketplace sheet writer alone.
 *
 * 10,000 rows x 100 columns (1 M cells; 10 columns with dropdowns, 5
 * numeric), rows prepared as JSON beforehand (not timed). Each variant runs
 * RUNS times into a temporary folder; min and median wall time are printed:
 *   sheet_write_xlsx_file   Karat's writer (constant-memory libxlsxwriter)
 *   sheet_write_csv         the same rows as CSV, written to a file (baseline)
 *   raw libxlsxwriter       the same cells straight from C strings, in
 *                           constant-memory and in normal mode (baselines)
 *
 * Usage: bench_xlsx_write [rows] [cols] [runs]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "sheet/sheet.h"
#include "core/util.h"

#define MAX_RUNS 20

static int nrows = 10000, ncols = 100, runs = 5;
static char dir[512];

static char *schema_json(void)
{
    struct buf b;
    buf_init(&b, 0);
    buf_appendf(&b, "{\"schema\":1,\"marketplace\":\"bench\",\"product_type\":\"rows\","
                    "\"code\":\"ben_row\",\"sheet\":{\"name\":\"Template\",\"index\":0},"
                    "\"header_row\":3,\"first_data_row\":4,\"columns\":[");
    for (int c = 0; c < ncols; c++) {
        buf_appendf(&b, "%s{\"name\":\"col%03d\",\"source\":\"attr\"", c ? "," : "", c);
        if (c % 10 == 3) {
            buf_appendf(&b, ",\"allowed\":[");
            for (int v = 0; v < 20; v++)
                buf_appendf(&b, "%s\"Option %d of col %d\"", v ? "," : "", v, c);
            buf_appendf(&b, "]");
        }
        if (c % 20 == 7)
            buf_appendf(&b, ",\"numeric\":true");
        buf_appendf(&b, "}");
    }
    buf_appendf(&b, "]}");
    return (char *)buf_detach(&b, NULL);
}

static char *cell(int r, int c)
{
    static char s[64];
    if (c % 20 == 7)
        snprintf(s, sizeof s, "%d.%d", r, c);
    else if (c % 10 == 3)
        snprintf(s, sizeof s, "Option %d of col %d", (r + c) % 20, c);
    else
        snprintf(s, sizeof s, "Gold plated item %d attr %d", r, c);
    return s;
}

static json_t *make_rows(void)
{
    json_t *rows = json_array();
    char name[16];
    for (int r = 0; r < nrows; r++) {
        json_t *row = json_object();
        for (int c = 0; c < ncols; c++) {
            snprintf(name, sizeof name, "col%03d", c);
            json_object_set_new(row, name, json_string(cell(r, c)));
        }
        json_array_append_new(rows, row);
    }
    return rows;
}

static double raw_xlsx(const char *path, int constant)
{
    lxw_workbook_options o = {.constant_memory = (uint8_t)constant, .tmpdir = dir};
    double t0 = util_now_ms();
    lxw_workbook *wb = workbook_new_opt(path, &o);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Template");
    for (int r = 0; r < nrows; r++)
        for (int c = 0; c < ncols; c++) {
            if (c % 20 == 7)
                worksheet_write_number(ws, (lxw_row_t)(r + 3), (lxw_col_t)c, atof(cell(r, c)),
                                       NULL);
            else
                worksheet_write_string(ws, (lxw_row_t)(r + 3), (lxw_col_t)c, cell(r, c), NULL);
        }
    if (workbook_close(wb))
        return -1;
    return util_now_ms() - t0;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *what, double *t, int n, double base)
{
    qsort(t, (size_t)n, sizeof *t, cmp);
    printf("| %-34s | %8.0f | %8.0f | %6.2f |\n", what, t[0], t[n / 2],
           base > 0 ? t[n / 2] / base : 1.0);
}

int main(int argc, char **argv)
{
    struct sheet_schema *s = NULL;
    struct kr_err err = {0};
    char spath[700], out[700];
    double tx[MAX_RUNS], tc[MAX_RUNS], tr1[MAX_RUNS], tr0[MAX_RUNS];
    long long size = 0;

    if (argc > 1)
        nrows = atoi(argv[1]);
    if (argc > 2)
        ncols = atoi(argv[2]);
    if (argc > 3)
        runs = atoi(argv[3]);
    if (nrows < 1 || ncols < 1 || ncols > 1000 || runs < 1 || runs > MAX_RUNS)
        return fprintf(stderr, "usage: %s [rows] [cols<=1000] [runs<=20]\n", argv[0]), 2;
    snprintf(dir, sizeof dir, "%s/karat-bench-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir))
        return perror("mkdtemp"), 1;
    snprintf(spath, sizeof spath, "%s/bench_rows.json", dir);
    char *js = schema_json();
    util_write_file_atomic(spath, js, strlen(js), NULL);
    free(js);
    if (sheet_schema_load_file(spath, &s, &err))
        return fprintf(stderr, "%s\n", err.msg), 1;
    json_t *rows = make_rows();
    snprintf(out, sizeof out, "%s/out.xlsx", dir);
    for (int i = 0; i < runs; i++) {
        double t0 = util_now_ms();
        if (sheet_write_xlsx_file(s, rows, out, &err))
            return fprintf(stderr, "%s\n", err.msg), 1;
        tx[i] = util_now_ms() - t0;
        FILE *f = fopen(out, "rb");
        fseek(f, 0, SEEK_END);
        size = ftell(f);
        fclose(f);

        struct buf csv;
        buf_init(&csv, 0);
        t0 = util_now_ms();
        sheet_write_csv(s, rows, &csv, NULL);
        snprintf(out, sizeof out, "%s/out.csv", dir);
        util_write_file_atomic(out, csv.data, csv.len, NULL);
        tc[i] = util_now_ms() - t0;
        buf_release(&csv);
        snprintf(out, sizeof out, "%s/raw.xlsx", dir);
        tr1[i] = raw_xlsx(out, 1);
        tr0[i] = raw_xlsx(out, 0);
        snprintf(out, sizeof out, "%s/out.xlsx", dir);
    }
    printf("%d rows x %d columns, %d runs, xlsx %lld bytes\n\n", nrows, ncols, runs, size);
    printf("| %-34s | min (ms) | med (ms) | vs csv |\n|---|---|---|---|\n", "variant");
    qsort(tc, (size_t)runs, sizeof *tc, cmp);
    double base = tc[runs / 2];
    report("sheet_write_xlsx_file", tx, runs, base);
    report("sheet_write_csv (baseline)", tc, runs, base);
    report("raw libxlsxwriter, constant_memory", tr1, runs, base);
    report("raw libxlsxwriter, normal mode", tr0, runs, base);
    json_decref(rows);
    sheet_schema_free(s);
    unlink(out);
    snprintf(out, sizeof out, "%s/out.csv", dir), unlink(out);
    snprintf(out, sizeof out, "%s/raw.xlsx", dir), unlink(out);
    unlink(spath);
    rmdir(dir);
    return 0;
}
