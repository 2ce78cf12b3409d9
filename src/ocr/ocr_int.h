/*
 * ocr_int.h - what the files of ocr/ share: a page as positioned words.
 *
 * Every source of text (tesseract on pixels, poppler's text layer) produces
 * the same thing, a list of words with boxes in page pixels, plus the
 * horizontal and vertical ruling lines found on the page (y or x positions).
 * ocr_layout.c turns that into the table; nothing there knows where the
 * words came from.
 */
#ifndef KARAT_OCR_OCR_INT_H
#define KARAT_OCR_OCR_INT_H

#include <stddef.h>
#include <stdlib.h>

#include "core/err.h"
#include "ocr/ocr.h"

struct ocr__word {
    int x0, y0, x1, y1; /* box, page pixels, x1/y1 exclusive */
    int conf;           /* 0-100, -1 from a text layer */
    char *text;         /* UTF-8, owned */
};

struct ocr__page {
    struct ocr__word *w;
    size_t n, cap;
    int *hrules; /* y of horizontal ruling lines, ascending */
    size_t nh;
    int *vrules; /* x of vertical ruling lines, ascending */
    int *vspan;  /* vertical rule i runs from y vspan[2i] to vspan[2i + 1] */
    size_t nv;
    int width, height;
};

/* Grey 8-bit plane, owned. recog: what tesseract's recogniser reads when
 * it is not px, else NULL (ocr__prepare() keeps a soft page's plane with
 * the rules px has had erased: see ocr_prep.c); same size as px. */
struct ocr__grey {
    int w, h;
    unsigned char *px;
    unsigned char *recog;
};

static inline void ocr__grey_free(struct ocr__grey *g)
{
    free(g->px);
    free(g->recog);
    g->px = g->recog = NULL;
}

/* (int)floor(v) for |v| < 2^31 (a page's coordinates): the cast truncates
 * towards zero, one less for a negative fraction; without SSE4.1 gcc
 * expands floor() into a dozen instructions. */
static inline int ocr__ifloor(double v)
{
    int i = (int)v;
    return i - (v < i);
}

/* g sampled bilinearly at (sx, sy), 255 outside it (ocr_prep.c's deskew,
 * ocr_persp.c's warp). Four equal neighbours are returned as they are:
 * their weighted sum is that value within far less than the 0.5 the
 * rounding adds, so the result is the same byte, without the arithmetic
 * (most of a page is paper). */
static inline unsigned char ocr__bilinear(const struct ocr__grey *g, double sx, double sy)
{
    /* outside, or not a number (a degenerate warp): paper. Inside, (int)
     * is floor() and x0 + 1, y0 + 1 are still in the plane. */
    if (!(sx >= 0 && sy >= 0 && sx < g->w - 1 && sy < g->h - 1))
        return 255;
    int x0 = (int)sx, y0 = (int)sy;
    const unsigned char *r = g->px + (size_t)y0 * g->w + x0;
    if (r[0] == r[1] && r[0] == r[g->w] && r[0] == r[g->w + 1])
        return r[0];
    double fx = sx - x0, fy = sy - y0;
    return (unsigned char)((r[0] * (1 - fx) + r[1] * fx) * (1 - fy) +
                           (r[g->w] * (1 - fx) + r[g->w + 1] * fx) * fy + 0.5);
}

/* A phrase of one line: words closer than a space apart (ocr_lines.c). */
struct ocr__seg {
    int x0, y0, x1, y1;
    int conf; /* lowest of its words */
    int col;  /* table column, -1 none */
    char *text;
};
struct ocr__line {
    int y0, y1;
    size_t first, n; /* its segments, left to right */
};
struct ocr__lines {
    struct ocr__seg *seg;
    size_t nseg, capseg;
    struct ocr__line *line;
    size_t nline, capline;
    int h;   /* median word height */
    int gap; /* widest gap inside a segment */
};
enum kr_code ocr__lines_build(const struct ocr__page *p, struct ocr__lines *L, struct kr_err *err);
void ocr__lines_free(struct ocr__lines *L);
int ocr__median_height(const struct ocr__page *p);

enum kr_code ocr__page_add(struct ocr__page *p, const struct ocr__word *w, const char *text,
                           size_t len, struct kr_err *err);
void ocr__page_free(struct ocr__page *p);

/* Deskew, contrast-normalise, find and erase ruling lines (ocr_prep.c). */
enum kr_code ocr__prepare(struct ocr__grey *g, struct ocr__page *p, struct kr_err *err);
/* The angle in [-5, 5] degrees whose horizontal projection of the dark
 * pixels is sharpest (the page's skew; ocr_persp.c). */
double ocr__skew_angle(const struct ocr__grey *g);
/* A slanted photo's perspective undone when it is more than a rotation by skew
 * degrees (the page's text-line angle); *done 1 when the plane was warped (the
 * rotation with it), 0 when nothing changed (ocr_persp.c). */
enum kr_code ocr__unwarp(struct ocr__grey *g, double skew, int *done, struct kr_err *err);
/* The page's ruling lines recorded in p (hrules, vrules, vspan) and erased
 * from g->px; warped: the plane was straightened by ocr__unwarp() (its rules
 * may have gaps) (ocr_rules.c). */
enum kr_code ocr__rules(struct ocr__grey *g, struct ocr__page *p, int warped, struct kr_err *err);
/* A tesseract handle with karat's settings (languages from o, LSTM only, one
 * OpenMP thread, single-block layout); *api NULL on error:
 * ocr_unavailable when a language file is missing. Release with
 * ocr__tess_close() (NULL is fine) (ocr_read.c). */
struct TessBaseAPI;
enum kr_code ocr__tess_open(const struct ocr_opts *o, struct TessBaseAPI **api,
                            struct kr_err *err);
void ocr__tess_close(struct TessBaseAPI *api);
/* The words tesseract recognised, appended to p (noise marks dropped, "%"
 * before a digit made "₹"); g, when not NULL, the plane it read, in p's
 * coordinates: an unsure word is split where its symbols lie on blank
 * paper or far apart (ocr_read.c). */
enum kr_code ocr__tess_words(struct TessBaseAPI *api, const struct ocr__grey *g,
                             struct ocr__page *p, struct kr_err *err);
/* A column of print no word covers (ink outside every word's box, in glyph
 * rows) read with api as a block and added to p (ocr_missed.c). */
enum kr_code ocr__missed_ink(struct TessBaseAPI *api, const struct ocr__grey *g,
                             struct ocr__page *p, struct kr_err *err);
/* Lines of p printed in Devanagari (a headline: ocr__headline) re-read with
 * o->script_langs, their words replacing p's; nothing when script_langs is
 * empty, already among o->langs, or not installed (ocr_script.c). */
enum kr_code ocr__script_lines(const struct ocr__grey *g, const struct ocr_opts *o,
                               struct ocr__page *p, struct kr_err *err);
/* 1 when a pixel row of the box's upper three fifths on g has two or more
 * unbroken ink runs 1.5-15 h long (the headlines of Devanagari words) (ocr_script.c). */
int ocr__headline(const struct ocr__grey *g, int x0, int y0, int x1, int y1, int h);
/* Tesseract on a prepared plane; words appended to p, Devanagari lines
 * re-read (ocr_read.c). */
enum kr_code ocr__tess_read(const struct ocr__grey *g, const struct ocr_opts *o,
                            struct ocr__page *p, struct kr_err *err);
/* Pixels (decoded by image/) to words: prepare + tesseract (ocr_read.c). */
enum kr_code ocr__read_pixels(struct ocr__grey *g, const struct ocr_opts *o,
                              struct ocr__page *p, struct kr_err *err);
/* Known glyph misreadings in an OCR'd table put right: "(" for a date's
 * leading 0, "22k" for "22K" (ocr_fix.c; a misread rupee sign is doc/fix.c's). */
void ocr__fix_misreads(struct ocr_table *t);
/* One page's words into the table; pages after the first append rows (ocr_layout.c). */
/* The table's columns as the last header found drew them, carried from one
 * PDF page to the next: a page whose table goes on without repeating its
 * header is read with them (ocr_layout.c). */
struct ocr__carry {
    struct ocr__seg cols[64];
    size_t ncols;
};
void ocr__carry_free(struct ocr__carry *c);
/* carry may be NULL (one page). */
enum kr_code ocr__layout(const struct ocr__page *p, struct ocr_table *t, struct ocr__carry *carry,
                         struct kr_err *err);
/* A PDF opened from memory with the page limit checked (encrypted_pdf, corrupt_pdf,
 * too_many_pages); *n its pages. Release with g_object_unref (ocr_pdf.c). */
struct _PopplerDocument;
enum kr_code ocr__pdf_open(const void *bytes, size_t len, const struct ocr_opts *o,
                           struct _PopplerDocument **doc, int *n, struct kr_err *err);
/* Page i's words: its text layer, else rendered and OCR'd (ocr_pdf.c). */
enum kr_code ocr__pdf_page_words(struct _PopplerDocument *doc, int i, const struct ocr_opts *o,
                                 struct ocr__page *p, struct kr_err *err);
/* PDF bytes: every page, text layer or rendered + OCR (ocr_pdf.c). */
enum kr_code ocr__read_pdf(const void *bytes, size_t len, const struct ocr_opts *o,
                           struct ocr_table *t, struct kr_err *err);

#endif
