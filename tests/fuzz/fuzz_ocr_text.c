/*
 * fuzz_ocr_text.c - libFuzzer target: the offline bill reader's text paths.
 *
 * Input starting "%PDF-" goes through ocr_read_document() (poppler: open,
 * encryption and page checks, the text layer split into words, a page
 * without text rendered small and prepared - deskew, rules - but not
 * OCR'd, since loading tesseract's model takes seconds), with 2 pages and
 * 200 000 pixels at most so one input stays fast. Any other input is a list of words, one
 * per line "x0 y0 x1 y1 text", handed to the layout (lines, segments,
 * header, columns, rows, extras) as a page's words would be; a form feed
 * starts a second page, read with the first page's header carried. Checks: the
 * result is either an error with a slug or a table whose every cell,
 * header and extra is a string, all read here so ASan sees them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "ocr/ocr_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct kr_err err = {0};
    (void)argc;
    setenv("VIPS_CONCURRENCY", "1", 1);
    setenv("VIPS_WARNING", "0", 1);
    if (image_init((*argv)[0], &err) != KR_OK) {
        fprintf(stderr, "fuzz_ocr_text: %s\n", err.msg);
        abort();
    }
    return 0;
}

static void touch(const struct ocr_table *t)
{
    size_t sum = 0;
    for (size_t c = 0; c < t->ncols; c++)
        sum += strlen(t->headers[c]);
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        sum += t->cells[i].text ? strlen(t->cells[i].text) : 0;
    for (size_t i = 0; i < t->nextras; i++)
        sum += strlen(t->extras[i].key) + strlen(t->extras[i].value);
    (void)sum;
}

/* One page's words from "x0 y0 x1 y1 text" lines of s. */
static void page_words(char *s, struct ocr__page *p)
{
    struct kr_err err = {0};
    char *save = NULL;

    for (char *line = strtok_r(s, "\n", &save); line && p->n < 5000;
         line = strtok_r(NULL, "\n", &save)) {
        struct ocr__word w = {0};
        int used = 0;
        if (sscanf(line, "%d %d %d %d %n", &w.x0, &w.y0, &w.x1, &w.y1, &used) != 4 ||
            !line[used] || w.x0 < -100000 || w.x1 > 100000 || w.y0 < -100000 ||
            w.y1 > 100000 || w.x1 < w.x0 || w.y1 < w.y0)
            continue;
        w.conf = 90;
        if (ocr__page_add(p, &w, line + used, strlen(line + used), &err))
            break;
    }
}

/* The words before a form feed are page 1, those after it page 2, laid out
 * as a PDF's pages are: page 2 with page 1's header carried. */
static void words(const uint8_t *data, size_t n)
{
    struct ocr__page p1 = {0}, p2 = {0};
    struct ocr__carry carry = {0};
    struct ocr_table t = {0};
    struct kr_err err = {0};
    char *s = malloc(n + 1), *ff;
    if (!s)
        return;
    memcpy(s, data, n);
    s[n] = 0;
    ff = strchr(s, '\f');
    if (ff)
        *ff = 0;
    page_words(s, &p1);
    if (ff)
        page_words(ff + 1, &p2);
    if (ocr__layout(&p1, &t, &carry, &err) == KR_OK &&
        (!ff || ocr__layout(&p2, &t, &carry, &err) == KR_OK))
        touch(&t);
    ocr__carry_free(&carry);
    ocr_table_free(&t);
    ocr__page_free(&p1);
    ocr__page_free(&p2);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    if (n >= 5 && memcmp(data, "%PDF-", 5) == 0) {
        struct ocr_opts o = {2, 200000, NULL, "eng", 1, NULL};
        struct ocr_table t = {0};
        struct kr_err err = {0};
        enum kr_code rc = ocr_read_document(data, n, &o, &t, &err);
        if (rc == KR_OK)
            touch(&t);
        else if (!err.slug || !err.msg[0])
            abort();
        ocr_table_free(&t);
        return 0;
    }
    words(data, n);
    return 0;
}
