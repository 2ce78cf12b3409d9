/*
 * sheet_int.h - internals shared by the files of the sheet module (not
 * part of the public API; see sheet.h): schema allocation and text helpers
 * (sheet_schema.c, sheet_text.c), and template filling (sheet_xml.c: the
 * lexical sheetData reader; sheet_zip.c: the xlsx package; sheet_part.c: its
 * XML parts; sheet_fill.c: the filler).
 *
 * A schema keeps the parsed JSON document alive and points into its
 * strings; everything else it allocates is recorded in `allocs` and freed
 * with it, so the loader never has to unwind half-built columns.
 */
#ifndef KARAT_SHEET_SHEET_INT_H
#define KARAT_SHEET_SHEET_INT_H

#include <stddef.h>

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

/* ---- lexical XML (sheet_xml.c) ---- */

enum xml_kind { XML_START = 1, XML_END, XML_EMPTY };

struct xml_tag {
    size_t start, end; /* bytes of "<...>" */
    const char *name;  /* qualified name, not NUL-terminated */
    size_t nlen;
    enum xml_kind kind;
};

struct xml_span {
    size_t start, end;
};

struct xml_cell {
    size_t start, end, open_end; /* whole element; end of its start tag */
    int col;                     /* 0-based */
    int empty;                   /* <c .../> */
};

struct xml_row {
    size_t start, end, open_end;
    int r; /* 1-based row number */
    int empty;
    size_t cell0, ncells; /* its cells in xml_sheet.cells */
};

struct xml_sheet {
    const char *x;
    size_t n;
    struct xml_tag dim;       /* <dimension>, name == NULL if absent */
    struct xml_tag data_open; /* <sheetData> (kind XML_EMPTY when self-closing) */
    size_t data_close;        /* start of </sheetData> (or end of the empty tag) */
    char prefix[32];          /* namespace prefix of sheetData incl. ':' ("" usually) */
    size_t plen;
    struct xml_row *rows;
    size_t nrows, caprows;
    struct xml_cell *cells;
    size_t ncells, capcells;
};

int sheet__xml_next_tag(const char *x, size_t n, size_t *pos, struct xml_tag *t);
/* 1 if the tag's local name (after any prefix) is local. */
int sheet__xml_is(const struct xml_tag *t, const char *local);
/* Find attribute name in start tag t: value span and the whole name="..." span. */
int sheet__xml_attr(const char *x, const struct xml_tag *t, const char *name, struct xml_span *val,
             struct xml_span *whole);
/* Decode XML entities and character references of s[0..n) onto b. */
void sheet__xml_unescape(const char *s, size_t n, struct buf *b);
int sheet__xml_cell_ref(const char *s, size_t n, int *col, int *row);
/* Record rows and cells of the worksheet XML x; 0 ok, -1 unsupported/malformed. */
int sheet__xml_sheet_scan(struct xml_sheet *sh, const char *x, size_t n);
void sheet__xml_sheet_release(struct xml_sheet *sh);

/* ---- the xlsx package (sheet_zip.c) ---- */

struct tpl {
    void *za, *src;       /* zip_t, zip_source_t */
    char part[512];       /* worksheet part of the data sheet, "xl/worksheets/sheet3.xml" */
    long long part_index; /* its zip index */
    char **sst;           /* shared strings (plain text) */
    size_t nsst;
    struct buf xml; /* the worksheet part */
};

/* Open the template (data is only read, and must outlive t), check its
 * limits (lim NULL or zero fields: the SHEET_TPL_ defaults), find the
 * schema's data sheet, read it and the shared strings. */
enum kr_code sheet__tpl_open(struct tpl *t, const struct sheet_schema *s, const void *data, size_t n,
                      const struct sheet_tpl_limits *lim, struct kr_err *err);
/* Write a new package into out: the template's entries with the worksheet
 * part replaced by xml (taken over once reached), calcChain dropped when
 * formulas were removed. */
enum kr_code sheet__tpl_finish(struct tpl *t, struct buf *xml, int drop_calc_chain, struct buf *out,
                        struct kr_err *err);
void sheet__tpl_close(struct tpl *t);

/* ---- the XML parts (sheet_part.c) ---- */

/* A part fit to parse: ASCII-compatible (UTF-8), no DOCTYPE, well-formed
 * (streamed, never a tree). KR_EINVAL "bad_template" otherwise. */
enum kr_code sheet__tpl_xml_check(const struct buf *b, const char *name, struct kr_err *err);
/* From workbook.xml and its relationships: the data sheet's worksheet part
 * name, and the shared strings part name (sst keeps its value if none). */
enum kr_code sheet__tpl_find_sheet(const struct buf *wb, const struct buf *rels,
                            const struct sheet_schema *s, char *part, size_t pn, char *sst,
                            size_t sn, struct kr_err *err);
/* The shared strings part raw (named name) into t->sst, streamed. */
enum kr_code sheet__tpl_load_sst(struct tpl *t, const struct buf *raw, const char *name,
                          struct kr_err *err);

/* Text of a cell: shared string, inline string, or raw value; "" if none.
 * *has_formula tells whether it holds a formula. */
void sheet__tpl_cell_text(const struct tpl *t, const struct xml_sheet *sh, const struct xml_cell *c,
                   struct buf *out, int *has_formula);

#endif
