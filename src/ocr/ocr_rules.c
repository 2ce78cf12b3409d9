/*
 * ocr_rules.c - a table's ruling lines found on the prepared plane and erased.
 *
 * Step 4 of ocr_prep.c. Long horizontal and vertical dark runs are recorded
 * as rules (their positions drive the table's rows and columns, ocr_layout.c)
 * and erased, since tesseract reads a rule through a word as letters and, in
 * the single-block layout ocr_read.c asks for, no page layout of tesseract's
 * removes them first. A thick dark band (a header printed white on black) is
 * inverted instead, and its edge rows, dark lines once inverted, erased. A
 * vertical rule runs through the rows where a row rule was erased; it is
 * erased row by row where it runs (its blurred fringe and a column's slant
 * included), and its position and extent (vrules, vspan) let ocr_read.c
 * split a word tesseract read across it. Soft print is sharpened before its
 * rules are looked for (ocr_prep.c): a blurred rule can be lighter than
 * RULE_DARK until then (none of the bench's blurred renders' rules was found
 * unsharpened). On such a page g->recog keeps the rules (a band is inverted
 * there too).
 */
#include <stdlib.h>
#include <string.h>

#include "ocr/ocr_int.h"

#define RULE_DARK 190 /* rules are often printed grey */
#define RULE_EDGE 240 /* an anti-aliased rule's edge */
#define BAND 215 /* a grey band's shade (a group title's background), darker than a rule's fringe */
#define VGAP 12 /* px a vertical rule may be broken by and still be one */
#define TRACE 5 /* px either side of a vertical rule's stripe its remains are looked for in */
#define PIECE 40 /* px: a piece of a cut rule (a table row), longer than a letter's stem */

static enum kr_code push_rule(int **v, size_t *n, int pos, struct kr_err *err)
{
    int *nv = realloc(*v, sizeof(int) * (*n + 1));
    if (!nv)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: rules");
    nv[(*n)++] = pos;
    *v = nv;
    return KR_OK;
}

/* Longest dark run of column x bridging gaps of up to `gap` px when nearly
 * all of it (9/10) is dark; its extent in *a..*b. cut[y] != 0: row y held a
 * horizontal rule, erased before the columns are scanned; it counts as
 * dark, as the vertical rule ran through it (a blurred row rule leaves a
 * gap of 8 px and more in a rule whose pieces are one table row tall). */
static int run_with_gaps(const struct ocr__grey *g, int x, const unsigned char *cut, int gap,
                         int *a, int *b)
{
    int best = 0, start = -1, last = -1, n = 0;
    for (int k = 0; k <= g->h; k++) {
        int dark = k < g->h && (g->px[(size_t)k * g->w + x] < RULE_DARK || cut[k]);
        if (dark) {
            if (start < 0)
                start = k, n = 0;
            last = k;
            n++;
        } else if (start >= 0 && (k == g->h || k - last > gap)) { /* the page's end closes it */
            if (last + 1 - start > best && n * 10 >= (last + 1 - start) * 9) {
                best = last + 1 - start;
                *a = start;
                *b = last + 1;
            }
            start = -1;
        }
    }
    return best;
}

/* Longest unbroken dark run of row y, its extent in *a..*b (the first of
 * equally long ones): run_with_gaps() without gaps, along a row. */
static int row_run(const struct ocr__grey *g, int y, int *a, int *b)
{
    const unsigned char *r = g->px + (size_t)y * g->w;
    int best = 0;
    for (int k = 0; k < g->w;) {
        if (r[k] >= RULE_DARK) {
            k++;
            continue;
        }
        int s = k;
        while (k < g->w && r[k] < RULE_DARK)
            k++;
        if (k - s > best) {
            best = k - s;
            *a = s;
            *b = k;
        }
    }
    return best;
}

/* Row or column i from a to b erased, or inverted (a dark band: in recog
 * too, which keeps the rules but must read the band's text as print). */
static void clear_run(struct ocr__grey *g, int i, int vert, int a, int b, int invert)
{
    for (int k = a; k < b; k++) {
        size_t at = vert ? (size_t)k * g->w + i : (size_t)i * g->w + k;
        g->px[at] = invert ? (unsigned char)(255 - g->px[at]) : 255;
        if (invert && g->recog)
            g->recog[at] = (unsigned char)(255 - g->recog[at]);
    }
}

/* Every dark run of column x at least `min` long within rows lo..hi (a rule
 * broken by a band or a gap; not the letters above or below its table that
 * happen to line up with it). */
static void clear_runs(struct ocr__grey *g, int x, int min, int dark, const int span[2])
{
    int run = 0, lo = span[0] < 0 ? 0 : span[0], hi = span[1] > g->h ? g->h : span[1];
    for (int y = lo; y <= hi; y++) {
        if (y < hi && g->px[(size_t)y * g->w + x] < dark) {
            run++;
            continue;
        }
        if (run >= min)
            clear_run(g, x, 1, y - run, y, 0);
        run = 0;
    }
}

/* Every dark run of row y at least `min` long (what a slightly tilted rule leaves). */
static void clear_hruns(struct ocr__grey *g, int y, int min, int dark)
{
    int run = 0;
    unsigned char *row = g->px + (size_t)y * g->w;
    for (int x = 0; x <= g->w; x++) {
        if (x < g->w && row[x] < dark) {
            run++;
            continue;
        }
        if (run >= min)
            memset(row + x - run, 255, (size_t)run);
        run = 0;
    }
}

/* Horizontal rules (bands thicker than `thick` are inverted, not erased). */
static enum kr_code find_hrules(struct ocr__grey *g, struct ocr__page *p, unsigned char *cut,
                               struct kr_err *err)
{
    int minrun = g->w / 6 > 60 ? g->w / 6 : 60, thick = g->h / 150 + 4;
    int start = -1, ra = 0, rb = 0;
    for (int y = 0; y <= g->h; y++) {
        int a = 0, b = 0, run = y < g->h ? row_run(g, y, &a, &b) : 0;
        if (run >= minrun) {
            if (start < 0) {
                start = y;
                ra = a;
                rb = b;
            }
            continue;
        }
        if (start < 0)
            continue;
        int band = y - start > thick;
        for (int yy = start; yy < y; yy++)
            clear_run(g, yy, 0, ra, rb, band);
        /* the rule's grey edges too; a band's edge rows, which its inversion
         * made dark lines (tesseract read the real bill's band edge as a word
         * as wide as the table, hiding the header word on that line) */
        for (int yy = start - 3; yy < y + 3; yy++)
            if (yy >= 0 && yy < g->h && (!band || yy < start + 3 || yy >= y - 3)) {
                clear_hruns(g, yy, minrun / 8, RULE_EDGE);
                if (!band)
                    cut[yy] = 1;
            }
        if (band) { /* a filled band: rules at both edges, its text now dark on white */
            if (push_rule(&p->hrules, &p->nh, start, err) || push_rule(&p->hrules, &p->nh, y, err))
                return KR_ENOMEM;
        } else if (push_rule(&p->hrules, &p->nh, (start + y) / 2, err)) {
            return KR_ENOMEM;
        }
        start = -1;
    }
    return KR_OK;
}

/* Rows a..b of column x grown by every dark piece at least `min` long that
 * starts or ends within `gap` px of them (a rule cut into pieces). */
static void grow_span(const struct ocr__grey *g, int x, int min, int gap, int span[2])
{
    int run = 0;
    for (int pass = 0; pass < 2; pass++) /* a piece found late may let an earlier one join */
        for (int y = 0; y <= g->h; y++) {
            if (y < g->h && g->px[(size_t)y * g->w + x] < RULE_DARK) {
                run++;
                continue;
            }
            int s = y - run;
            if (run >= min && s <= span[1] + gap && y >= span[0] - gap) {
                span[0] = s < span[0] ? s : span[0];
                span[1] = y > span[1] ? y : span[1];
            }
            run = 0;
        }
}

/* Column x is part of a vertical rule: an unbroken run of at least minrun,
 * the rows where a row rule was erased (cut) counting as dark - the rows'
 * rules, erased first, cut a rule into pieces one table row tall, and on a
 * tall page those are shorter than minrun. Its extent *span: the run and the
 * pieces at least minrun / 4 long less than minrun / 2 from it (only there
 * is the rule cleared: letters above or below the table may line up with
 * it). On a page straightened from a slanted photo (warped) also a run
 * bridging gaps of up to VGAP px, and the extent minrun / 2 longer at both
 * ends. Until the cut rows counted, the rules of a tall ruled page were
 * never found, and blurred ones were read as "|", "1", "]" beside the cells
 * or hid the first columns from tesseract (`photo` 02_ruled_25 173 of 225
 * cells, now 217); clearing them is safe with trace_vrule() and the words
 * split at rules (ocr_read.c): without those it cost cells (02_ruled_25.rot
 * 181 of 225 instead of 206). */
static int vrule_at(const struct ocr__grey *g, const unsigned char *cut, int x, int minrun,
                    int warped, int span[2])
{
    int a = 0, b = 0;
    if (!warped) {
        if (run_with_gaps(g, x, cut, 0, &a, &b) < minrun)
            return 0;
        span[0] = a;
        span[1] = b;
        grow_span(g, x, minrun / 4, minrun / 2, span);
        return 1;
    }
    if (run_with_gaps(g, x, cut, 0, &a, &b) < minrun &&
        run_with_gaps(g, x, cut, VGAP, &a, &b) < minrun)
        return 0;
    span[0] = a;
    span[1] = b;
    grow_span(g, x, minrun / 4, minrun / 2, span);
    span[0] -= minrun / 2;
    span[1] += minrun / 2;
    return 1;
}

/* A stripe of rule columns start..end-1 with their rows span: cleared (dark
 * pieces, and the grey edge three columns either side) once the whole stripe
 * is known, as a slightly slanted rule moves from one column to the next; the
 * span grows by the rule's pieces in those edge columns too. */
static void clear_vrule(struct ocr__grey *g, int start, int end, int minrun, int span[2])
{
    for (int x = start - 3 < 0 ? 0 : start - 3; x < end + 3 && x < g->w; x++)
        grow_span(g, x, PIECE, minrun / 2, span); /* its pieces in the edge columns */
    for (int x = start - 3 < 0 ? 0 : start - 3; x < end + 3 && x < g->w; x++)
        clear_runs(g, x, minrun / 4, x >= start && x < end ? RULE_DARK : RULE_EDGE, span);
}

/* What clear_vrule() leaves of a blurred or slightly slanted rule (its grey
 * fringe, pieces that moved a column over): row by row, the darkest pixel
 * within TRACE px of the stripe start..end-1 and the grey around it are
 * cleared, on rows where that darkness (or an erased row rule, cut) runs
 * down at least PIECE px - a rule's piece, not a letter that ends near it -
 * and one of the window's ends is lighter than a grey band (a group title
 * printed on a grey band across the rule keeps its letters). */
static void trace_vrule(struct ocr__grey *g, int start, int end, const unsigned char *cut,
                        const int span[2])
{
    int lo = start - TRACE < 0 ? 0 : start - TRACE, hi = end + TRACE > g->w ? g->w : end + TRACE;
    int run = 0;
    int top = span[0] < 0 ? 0 : span[0], bottom = span[1] > g->h ? g->h : span[1];
    for (int y = top; y <= bottom; y++) {
        int dark = 0;
        for (int x = lo; y < bottom && x < hi && !dark; x++)
            dark = g->px[(size_t)y * g->w + x] < RULE_DARK || cut[y];
        if (dark) {
            run++;
            continue;
        }
        for (int yy = y - run; run >= PIECE && yy < y; yy++) {
            unsigned char *row = g->px + (size_t)yy * g->w;
            int m = lo;
            if (row[lo] < BAND && row[hi - 1] < BAND)
                continue; /* not a line on white: a grey band */
            for (int x = lo; x < hi; x++)
                m = row[x] < row[m] ? x : m;
            for (int x = m; x >= lo && row[x] < RULE_EDGE; x--)
                row[x] = 255;
            for (int x = m + 1; x < hi && row[x] < RULE_EDGE; x++)
                row[x] = 255;
        }
        run = 0;
    }
}

/* Per column, its longest run of dark (or cut) rows bridging gaps of up to
 * `gap` rows, in one pass along the rows: run_with_gaps() finds no longer
 * run (its 9/10 rule only rejects runs), so a column whose run is shorter
 * than a rule's is skipped without its strided scans. Erasing rules only
 * lightens pixels, so the runs stay upper bounds while find_vrules() erases. */
static int *column_runs(const struct ocr__grey *g, const unsigned char *cut, int gap)
{
    int *run = calloc(3 * (size_t)g->w, sizeof(int)), *start = run + g->w, *last = start + g->w;
    for (int x = 0; run && x < g->w; x++)
        last[x] = -gap - 2; /* a first dark row starts a run */
    for (int y = 0; run && y < g->h; y++) {
        const unsigned char *r = g->px + (size_t)y * g->w;
        for (int x = 0; x < g->w; x++) {
            int dark = cut[y] || r[x] < RULE_DARK, len;
            start[x] = dark && y - last[x] > gap + 1 ? y : start[x];
            last[x] = dark ? y : last[x];
            len = dark ? y + 1 - start[x] : 0;
            run[x] = len > run[x] ? len : run[x];
        }
    }
    return run;
}

static enum kr_code find_vrules(struct ocr__grey *g, struct ocr__page *p, const unsigned char *cut,
                               int warped, struct kr_err *err)
{
    int minrun = g->h / 25 > 40 ? g->h / 25 : 40, start = -1, span[2] = {0, 0}, here[2];
    int *runs = column_runs(g, cut, warped ? VGAP : 0); /* a warped page's rules may have gaps */
    enum kr_code rc = KR_OK;
    if (!runs)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: rules");
    for (int x = 0; x <= g->w && rc == KR_OK; x++) {
        if (x < g->w && runs[x] >= minrun && vrule_at(g, cut, x, minrun, warped, here)) {
            if (start < 0) {
                start = x;
                span[0] = here[0];
                span[1] = here[1];
            }
            span[0] = here[0] < span[0] ? here[0] : span[0];
            span[1] = here[1] > span[1] ? here[1] : span[1];
            continue;
        }
        if (start < 0)
            continue;
        trace_vrule(g, start, x, cut, span);
        clear_vrule(g, start, x, minrun, span);
        size_t nv = p->nv, ns = 2 * nv;
        if (push_rule(&p->vspan, &ns, span[0], err) || push_rule(&p->vspan, &ns, span[1], err) ||
            push_rule(&p->vrules, &p->nv, (start + x) / 2, err))
            rc = KR_ENOMEM;
        start = -1;
    }
    free(runs);
    return rc;
}

enum kr_code ocr__rules(struct ocr__grey *g, struct ocr__page *p, int warped, struct kr_err *err)
{
    unsigned char *cut = calloc((size_t)g->h + 1, 1);
    enum kr_code rc;
    if (!cut)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "ocr: rules");
    rc = find_hrules(g, p, cut, err);
    if (!rc)
        rc = find_vrules(g, p, cut, warped, err);
    free(cut);
    return rc;
}
