/*
 * ocr_data.h - tests/unit/ocr's shared step: a bill image from tests/data
 * read as the server reads it offline (eng for the page, Devanagari lines
 * re-read with hin+eng), its headers printed for the test log. Fails the
 * test when the file cannot be read or the reading fails.
 */
#ifndef KARAT_TEST_OCR_DATA_H
#define KARAT_TEST_OCR_DATA_H

#include <stdio.h>
#include <stdlib.h>

#include "core/buf.h"
#include "ocr/ocr.h"

static void read_data_bill(const char *name, struct ocr_table *t)
{
    char path[1024];
    const char *src = getenv("KARAT_SOURCE_DIR");
    struct buf b;
    struct kr_err err = {0};
    struct ocr_opts o = {
        .max_pages = 5, .max_pixels = 50000000, .langs = "eng", .script_langs = "hin+eng"};

    snprintf(path, sizeof path, "%s/tests/data/%s", src ? src : ".", name);
    buf_init(&b, 16u << 20);
    assert_int_equal(buf_read_file(&b, path, &err), KR_OK);
    memset(t, 0, sizeof *t);
    if (ocr_read_document(b.data, b.len, &o, t, &err) != KR_OK)
        fail_msg("ocr_read_document %s: %s (%s)", name, err.msg, err.slug);
    for (size_t c = 0; c < t->ncols; c++)
        printf("  # header %zu: %s\n", c, t->headers[c]);
    buf_release(&b);
}

#endif
