/*
 * sheet_int.h - internals shared by the files of the sheet module (not
 * part of the public API; see sheet.h): schema allocation and text helpers
 * (sheet_schema.c, sheet_text.c), and template filling (sheet_xml.c: the
 * one XML reader of every part and its serialiser; sheet_zip.c: the xlsx
 * package; sheet_part.c: its small XML parts; sheet_fill.c and
 * sheet_walk.c: the filler).
 *
 * A schema keeps the parsed JSON document alive and points into its
 * strings; everything else it allocates is recorded in `allocs` and freed
 * with it, so the loader never has to unwind half-built columns.
 */
#ifndef KARAT_SHEET_SHEET_INT_H
#define KARAT_SHEET_SHEET_INT_H

#include <stddef.h>

#include <libxml/xmlreader.h>

#include "sheet/sheet.h"

#define SHEET_MAX_COLUMNS    2000
#define SHEET_MAX_ROW        1048576 /* Excel's last row */
#define SHEET_MAX_COL        16384   /* Excel's last column */
#define SHEET_CELL_MAX_CHARS 32767

struct sheet_preamble {
    int row;
    const char **cells;
    size_t ncells;
};

/* Content rules of the schema's marketplace (sheet_rules.c); all NULL/0
 * when the folder has no rules.json. Arrays point into doc. */
struct sheet_rules {
    json_t *doc;
    const json_t *forbid, *promotional, *price, *brands, *product_words;
    int max_terms;        /* search terms per row; 0 = no limit */
    int max_repeats;      /* times one title word may appear; 0 = no limit */
    double max_cm, max_g; /* plausible largest size and weight; 0 = unchecked */
};

struct sheet_schema {
    json_t *doc;
    struct sheet_rules rules;
    const char *marketplace, *product_type, *code, *sheet_name, *template_file;
    const char **match; /* data sheet names to look for in a template */
    size_t nmatch;
    int sheet_index; /* 0-based fallback position of the data sheet */
    int header_row, label_row, first_data_row;
    int bullets_min, bullets_max;
    struct sheet_preamble *pre;
    size_t npre;
    struct sheet_column *cols;
    size_t ncols;
    void **allocs;
    size_t nallocs, capallocs;
};

/* Allocate memory owned by the schema (zeroed); NULL on ENOMEM. */
void *sheet__alloc(struct sheet_schema *s, size_t n);
char *sheet__strdup(struct sheet_schema *s, const char *str);

/* ---- content rules (sheet_rules.c) and checks (sheet_quality.c) ---- */

/* Load rules.json from the schema file's folder into s->rules (absent: none). */
enum kr_code sheet__rules_attach(struct sheet_schema *s, const char *schema_path,
                                 struct kr_err *err);
/* 1 if the marketplace forbids what ("promotional", "url", ...). */
int sheet__rules_forbid(const struct sheet_schema *s, const char *what);
/* The content and consistency checks of sheet_validate_row() on a repaired
 * row: appends {"column", "problem", "value"} to warnings. */
enum kr_code sheet__quality(const struct sheet_schema *s, const json_t *row, json_t *warnings);

/* ---- text helpers (sheet_text.c; UTF-8: core/utf8.h) ---- */

/* Normalised comparison key: ASCII lower case, punctuation and spaces
 * dropped, a few synonyms folded; plural=1 also drops a trailing 's' of each
 * word. Writes into out (size cap), always NUL-terminated. */
void sheet__norm_key(const char *s, int plural, char *out, size_t cap);
/* 1 if value parses completely as a finite decimal number. */
int sheet__is_number(const char *s, double *out);
/* Append text escaped for XML element content (drops characters XML 1.0
 * forbids; escapes Excel's _xHHHH_ sequences). */
enum kr_code sheet__xml_escape(struct buf *b, const char *s, size_t n);
/* Column letters for a 0-based column ("A", "AB") into out (>= 4 bytes). */
void sheet__col_name(int col, char out[8]);

/* The data rows as strings: value of column c in row object (never NULL). */
const char *sheet__row_text(const json_t *row, const char *column);

/* ---- the XML reader and serialiser (sheet_xml.c) ---- */

/* One part being read by libxml2's xmlTextReader: no network, no DTD
 * loading, no entity substitution, XML_PARSE_HUGE off, depth bounded; a
 * DOCTYPE is refused. With out set, sheet__xml_copy() and
 * sheet__xml_put_open() write the part back from the node stream. */
struct sheet_xr {
    xmlTextReaderPtr r;
    const char *name; /* the part, for messages */
    const char *why;  /* why reading stopped early (NULL: not stopped) */
    struct buf *out;  /* serialiser output; NULL: nothing written */
    int decl;         /* the XML declaration is written */
    enum kr_code rc;  /* KR_ENOMEM once an append to out failed */
};

/* Start reading part b (named name; b must outlive x). KR_EINVAL
 * "bad_template" when its prolog is not UTF-8 XML or holds a DOCTYPE. */
enum kr_code sheet__xml_open(struct sheet_xr *x, const struct buf *b, const char *name,
                             struct kr_err *err);
/* Next node: 1, 0 at the end of the part, -1 refused (x->why says why). */
int sheet__xml_read(struct sheet_xr *x);
/* The error for a part that stopped (or failed to serialise). */
enum kr_code sheet__xml_fail(const struct sheet_xr *x, struct kr_err *err);
void sheet__xml_close(struct sheet_xr *x);

/* The current node's type (XML_READER_TYPE_*) and depth (root: 0). */
int sheet__xml_type(const struct sheet_xr *x);
int sheet__xml_depth(const struct sheet_xr *x);
/* 1 if the current node is a start or end tag with this local name; main=1
 * also wants SpreadsheetML's main namespace (transitional or strict). */
int sheet__xml_is(const struct sheet_xr *x, const char *local, int main);
/* Attribute name of the current start tag copied into out: 1, 0 if absent,
 * -1 if longer than cap - 1. */
int sheet__xml_attr(const struct sheet_xr *x, const char *name, char *out, size_t cap);

/* A start tag written from the reader's current one. */
struct sheet_xml_open {
    const char *drop; /* attribute left out, or NULL */
    const char *mark; /* attribute whose value's span in out is recorded */
    size_t mark_start, mark_end;
    int open; /* leave "<name attrs" unterminated for the caller */
};
void sheet__xml_put_open(struct sheet_xr *x, struct sheet_xml_open *o);
/* The current node written as it was read (nothing if x->out is NULL). */
void sheet__xml_copy(struct sheet_xr *x);
/* Raw bytes onto x->out. */
void sheet__xml_put(struct sheet_xr *x, const void *p, size_t n);
void sheet__xml_puts(struct sheet_xr *x, const char *s);
/* s escaped for element content (attr=0) or a double-quoted attribute. */
void sheet__xml_put_escaped(struct sheet_xr *x, const char *s, int attr);

int sheet__xml_cell_ref(const char *s, size_t n, int *col, int *row);

/* ---- the xlsx package (sheet_zip.c) ---- */

#define SHEET__PART_MAX 512 /* bytes of a part name in the package, with its NUL */

struct tpl {
    void *za, *src;       /* zip_t, zip_source_t */
    char part[SHEET__PART_MAX]; /* worksheet part of the data sheet, "xl/worksheets/sheet3.xml" */
    long long part_index; /* its zip index */
    char **sst;           /* shared strings (plain text) */
    size_t nsst;
    struct buf xml; /* the worksheet part */
};

/* Open the template (data is only read, and must outlive t), check its
 * limits (lim NULL or zero fields: the SHEET_TPL_ defaults), find the
 * schema's data sheet, read it and the shared strings. */
enum kr_code sheet__tpl_open(struct tpl *t, const struct sheet_schema *s, const void *data,
                             size_t n, const struct sheet_tpl_limits *lim, struct kr_err *err);
/* Write a new package into out: the template's entries with the worksheet
 * part replaced by xml (taken over once reached), calcChain dropped when
 * formulas were removed. */
enum kr_code sheet__tpl_finish(struct tpl *t, struct buf *xml, int drop_calc_chain, struct buf *out,
                               struct kr_err *err);
void sheet__tpl_close(struct tpl *t);

/* ---- the XML parts (sheet_part.c) ---- */

/* From workbook.xml and its relationships: the data sheet's worksheet part
 * name, and the shared strings part name (sst keeps its value if none). */
enum kr_code sheet__tpl_find_sheet(const struct buf *wb, const struct buf *rels,
                                   const struct sheet_schema *s, char part[SHEET__PART_MAX],
                                   char sst[SHEET__PART_MAX], struct kr_err *err);
/* The shared strings part raw (named name) into t->sst, streamed. */
enum kr_code sheet__tpl_load_sst(struct tpl *t, const struct buf *raw, const char *name,
                                 struct kr_err *err);

/* ---- the filler (sheet_fill.c: columns and the result; sheet_walk.c: one
 * pass over the worksheet) ---- */

struct sheet_own {
    int col;   /* template column */
    size_t si; /* schema column */
};

struct sheet_header {
    int col;
    char text[256];
};

struct sheet_fill {
    const struct sheet_schema *s;
    struct tpl t;
    struct sheet_xr x;
    struct sheet_own *own; /* owned columns, by template column */
    size_t nown;
    int mapped;               /* own is final */
    struct sheet_header *hdr; /* the header row's texts, until mapped */
    size_t nhdr, caphdr;
    const json_t *rows;
    size_t nrows, k; /* new rows; the next one to write */
    enum sheet_fill_mode mode;
    int start;                 /* row of the first new row; 0: not known yet */
    int formulas;              /* a formula was overwritten or cleared */
    int last_content;          /* last data row with a value or formula */
    char prefix[32];           /* namespace prefix of sheetData incl. ':' ("" usually) */
    char dimref[64];           /* <dimension ref> as read ... */
    size_t dim_start, dim_end; /* ... and where it went in the output */
    int has_dim;
    struct buf tmp;  /* the current cell's text */
    json_t *missing; /* schema columns the template lacks, or NULL */
    enum kr_code rc; /* KR_ENOMEM */
    const char *bad; /* why the worksheet's layout is unsupported */
    /* read-only walks (sheet_read.c): each data-row cell with text, once
     * the columns are mapped */
    void (*on_cell)(struct sheet_fill *f, int row, int col, const char *text);
    void *cell_ctx;
};

/* One pass over the worksheet part: written to out, or (out NULL, f->start
 * 0) only read, to find f->last_content. */
enum kr_code sheet__fill_walk(struct sheet_fill *f, struct buf *out, struct kr_err *err);
/* A cell of the header row, as read (before the columns are mapped). */
void sheet__fill_header(struct sheet_fill *f, int col, const char *text);
/* Map the schema's columns to the template's (once; the first data row
 * needs it). */
void sheet__fill_map(struct sheet_fill *f);

#endif
