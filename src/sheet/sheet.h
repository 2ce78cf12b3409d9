/*
 * sheet.h - the marketplace sheet layer of the catalog module.
 *
 * A marketplace listing sheet (Amazon flat file, Flipkart/Shopsy listing
 * template, Meesho catalog sheet) is described by DATA, not code: one JSON
 * schema per (marketplace, product type) in data/marketplaces/
 * (<marketplace>_<type>.json, format in docs/MARKETPLACES.md; the folder is
 * the caller's: the config's KARAT_MARKETPLACES_DIR). A schema lists the sheet's
 * columns in output order; each column says where its value comes from
 * (SKU, photo attribute, measured dimension, listing copy, seller constant),
 * its allowed values and its length limits.
 *
 * What this layer does, in pipeline order:
 *   1. sheet_schema_load()       pick the schema for ("amazon", "earrings");
 *   2. sheet_profile_load() +
 *      sheet_apply_profile()     put the seller's brand/HSN/GST/... into the
 *                                fixed columns;
 *   3. sheet_ai_fields()         the fields to ask the models for, as
 *                                struct ai_field (attributes, dimensions, copy);
 *   4. sheet_row_build()         SKU + model answers + fixed values -> one row
 *                                (a JSON object column -> string);
 *   5. sheet_validate_row()      fix or blank what does not fit, with warnings;
 *   6. sheet_write_xlsx() / sheet_write_csv()  a fresh file in the
 *                                marketplace layout, or
 *      sheet_template_fill() / sheet_template_clear()  the seller's own
 *                                template, edited in place (only the data
 *                                rows of the data sheet change; every other
 *                                zip entry is copied byte for byte).
 *
 * Rows are jansson objects {column name: string}; a missing key is an empty
 * cell. Keys are the schema's column names, so model replies keyed by column
 * name drop straight into a row.
 *
 * Ownership: a struct sheet_schema is owned by whoever loaded it and freed
 * with sheet_schema_free(); every const char * it hands out lives as long as
 * the schema. json_t results are new references owned by the caller.
 * Thread safety: a schema is read-only after sheet_apply_profile(), so one
 * schema may be shared by threads for everything except that call.
 */
#ifndef KARAT_SHEET_SHEET_H
#define KARAT_SHEET_SHEET_H

#include <jansson.h>
#include <stddef.h>

#include "ai/ai.h"
#include "core/buf.h"
#include "core/err.h"

/* Where a column's value comes from. */
enum sheet_source {
    SHEET_SRC_SKU = 0, /* the product SKU, set by sheet_row_build() */
    SHEET_SRC_ATTR,    /* an attribute the vision model reads off the photo */
    SHEET_SRC_DIMS,    /* a measurement, asked only when the photo shows a scale */
    SHEET_SRC_COPY,    /* listing text from the copy model (title, bullets, ...) */
    SHEET_SRC_FIXED,   /* a seller constant: schema default, overridden by the profile */
    SHEET_SRC_COUNT
};

/* What kind of listing text a SHEET_SRC_COPY column holds. */
enum sheet_copy_role {
    SHEET_COPY_NONE = 0,
    SHEET_COPY_TITLE,
    SHEET_COPY_BULLET,
    SHEET_COPY_DESCRIPTION,
    SHEET_COPY_KEYWORDS, /* search terms / search keywords */
    SHEET_COPY_FEATURES, /* one-line key features */
};

/* What a column holds in a variation family (POST /catalog_ai_variations):
 * set by the variations step, blank (or the column's fixed value) on
 * standalone rows. A sheet with a SHEET_VAR_PARENT_CHILD column gets one
 * parent row per family; the others list the children only. */
enum sheet_var_role {
    SHEET_VAR_NONE = 0,
    SHEET_VAR_PARENT_CHILD, /* "parent" on the parent row, "child" on children */
    SHEET_VAR_PARENT_SKU,   /* children: the family's code (parent SKU, group/style id) */
    SHEET_VAR_RELATIONSHIP, /* children: "variation" */
    SHEET_VAR_THEME,        /* parent and children: ColorName, SizeName, SizeName-ColorName */
    SHEET_VAR_SIZE,         /* children of size families: the child's size */
    SHEET_VAR_COUNT
};

/* One column of the data sheet. Strings are never NULL unless noted. */
struct sheet_column {
    const char *name;  /* header key, matched against the template's header row */
    const char *label; /* text for the label row of fresh files, or NULL */
    enum sheet_source source;
    enum sheet_copy_role copy;  /* SHEET_COPY_NONE unless source == SHEET_SRC_COPY */
    const char *description;    /* what the value means (for model prompts); may be "" */
    const char *const *allowed; /* canonical allowed values, or NULL (free text) */
    size_t nallowed;
    const char *const *aliases; /* other spellings of the header seen in templates */
    size_t naliases;
    const char *value;             /* SHEET_SRC_FIXED: the value written; else NULL */
    const char *profile_key;       /* seller-profile key that overrides value, or NULL */
    const char *separator;         /* multi-valued text: joiner between items ("::"), or NULL */
    const char *forbidden;         /* characters removed from the value (UTF-8), or NULL */
    int single_line;               /* line breaks are replaced by spaces */
    int max_chars;                 /* limit in Unicode characters; 0 = none */
    int max_bytes;                 /* limit in UTF-8 bytes; 0 = none */
    int required;                  /* the marketplace rejects a row without it */
    int numeric;                   /* written as a number cell when the text is a number */
    enum sheet_var_role variation; /* role in a family; only fixed columns have one */
    int parent;                    /* written on parent rows (all other cells stay blank) */
};

struct sheet_schema;

/* ---- schemas ---- */

/* The schema folder to read for dir (the caller's, from the config's
 * KARAT_MARKETPLACES_DIR; this module has no default: NULL is ""): dir
 * itself, or, when dir is relative and missing from the working directory
 * but present in this build's source tree (tests, a binary run from
 * elsewhere), that copy. The result lasts until this thread's next call. */
const char *sheet_dir(const char *dir);

/* The marketplace code of a (marketplace, product type) pair, as the
 * original named its sheets: the first three characters of each, lower
 * case, joined by '_' ("Amazon", "earrings" -> "ama_ear"). */
#define SHEET_CODE_LEN 8
void sheet_code_of(const char *marketplace, const char *product_type, char out[SHEET_CODE_LEN]);

/* Load the schema for (marketplace, product_type) from dir (see sheet_dir()).
 * Names are matched case-insensitively, and like the original system by
 * their first three letters ("Amazon"/"ama"/"amazon", "earring"/"earrings").
 * KR_ENOTFOUND ("unknown_marketplace") when no file matches; KR_EINVAL
 * ("bad_schema") when the file is malformed. */
enum kr_code sheet_schema_load(const char *dir, const char *marketplace, const char *product_type,
                               struct sheet_schema **out, struct kr_err *err);
/* Load one schema file by path (tests, tools). */
enum kr_code sheet_schema_load_file(const char *path, struct sheet_schema **out,
                                    struct kr_err *err);
void sheet_schema_free(struct sheet_schema *s);

/* Every schema in dir as a new array [{"marketplace","product_type","code",
 * "sheet","columns"}], sorted by marketplace then type. Files that do not
 * load are skipped. */
enum kr_code sheet_list(const char *dir, json_t **out, struct kr_err *err);

const char *sheet_marketplace(const struct sheet_schema *s);   /* "amazon" */
const char *sheet_product_type(const struct sheet_schema *s);  /* "earrings" */
const char *sheet_code(const struct sheet_schema *s);          /* "ama_ear" */
const char *sheet_sheet_name(const struct sheet_schema *s);    /* data sheet in fresh files */
const char *sheet_template_file(const struct sheet_schema *s); /* "earrings_amz.xlsx" */
int sheet_header_row(const struct sheet_schema *s);            /* 1-based row of header keys */
int sheet_first_data_row(const struct sheet_schema *s);        /* 1-based */
/* Bullet count the marketplace wants (Amazon: 3..5); 0/0 when no bullets. */
void sheet_bullet_range(const struct sheet_schema *s, int *min, int *max);

size_t sheet_ncolumns(const struct sheet_schema *s);
const struct sheet_column *sheet_column(const struct sheet_schema *s, size_t i);
/* Column by exact name; NULL if absent. */
const struct sheet_column *sheet_find_column(const struct sheet_schema *s, const char *name);
/* The column playing a variation role (at most one per role); NULL if none. */
const struct sheet_column *sheet_variation_column(const struct sheet_schema *s,
                                                  enum sheet_var_role role);

/* The columns with source src (SHEET_SRC_ATTR, SHEET_SRC_DIMS or
 * SHEET_SRC_COPY) as struct ai_field, in column order: name = column name,
 * allowed, max_len (max_chars; a byte-limited column gets its byte count,
 * which ASCII text meets exactly; sheet_validate_row() enforces the bytes)
 * and multi (= the column has a separator). Writes at most max entries and
 * returns how many columns there are; pointers live as long as the schema. */
size_t sheet_ai_fields(const struct sheet_schema *s, enum sheet_source src, struct ai_field *out,
                       size_t max);

/* The fixed columns as a new object {column: value} (profile applied). */
json_t *sheet_fixed_values(const struct sheet_schema *s);

/* ---- seller profile ---- */

/* Read and check a seller profile (a JSON object of short strings, see
 * data/profiles/example.json). *out is a new reference. */
enum kr_code sheet_profile_load(const char *path, json_t **out, struct kr_err *err);
/* Same, from bytes (an uploaded profile). */
enum kr_code sheet_profile_parse(const char *text, size_t n, json_t **out, struct kr_err *err);
/* Put the profile's values into s's fixed columns: a column whose
 * profile_key is set in the profile takes that value; the profile's
 * "columns" object ({column: value}, optionally per marketplace under
 * "marketplaces": {"amazon": {...}}) sets fixed columns by name. */
enum kr_code sheet_apply_profile(struct sheet_schema *s, const json_t *profile, struct kr_err *err);

/* ---- rows ---- */

/* Build one row: SKU columns <- sku (kept whole, dots included), fixed
 * columns <- their values, every other column <- values[column] when present
 * (strings as is, numbers printed, arrays of strings joined with the
 * column's separator, or ", "). Keys of values that are not columns are
 * ignored. *row is a new object. */
enum kr_code sheet_row_build(const struct sheet_schema *s, const char *sku, const json_t *values,
                             json_t **row, struct kr_err *err);

/* Check and repair one row in place. Allowed-value columns keep an exact
 * value, or are rewritten to the canonical spelling of a normalised match
 * (case, spaces, punctuation, a few synonyms), else blanked; too-long text is
 * cut at a word boundary (never inside a UTF-8 sequence); missing required
 * columns, too few bullets and unknown keys are reported. *warnings is a new
 * array of {"column", "problem", "value"} (value = the original text), empty
 * when the row was fine. Problems: "not_allowed", "too_long", "too_many_bytes",
 * "missing_required", "too_few_bullets", "unknown_column", "not_text",
 * "bad_utf8", "forbidden_chars". */
enum kr_code sheet_validate_row(const struct sheet_schema *s, json_t *row, json_t **warnings,
                                struct kr_err *err);
/* After the repairs, sheet_validate_row() checks what the row says against
 * the marketplace's content rules (rules.json next to the schemas) and
 * itself, adding problems: "promotional", "price_in_text", "other_brand",
 * "url", "emoji", "html", "leaked_field_name", "duplicate_bullet",
 * "bullet_repeats_title", "keyword_repeats_title", "too_many_keywords",
 * "title_word_repeats",
 * "short_description", "colour_mismatch", "type_mismatch",
 * "pearls_disagree", "implausible_number". Callers add "needs_review" for
 * fields left for the seller. */

/* A row against the offline analysis of its photo: analysis holds only
 * the answers trusted (confidence at least the threshold): {"pearls": n,
 * "stones": n, "shape": "hoop"}. Appends "pearls_disagree" (a pearl column
 * filled without pearls, or NA with pearls), "stones_disagree" (a stone
 * column filled while the photo has no stones), "type_disagrees" (a type
 * column naming another silhouette) to warnings. */
enum kr_code sheet_check_analysis(const struct sheet_schema *s, const json_t *row,
                                  const json_t *analysis, json_t *warnings);

/* "error" (the row fails), "warning" or "review" (needs_review). */
const char *sheet_problem_severity(const char *problem);
/* A row's score from its warnings: 100, minus 20 per error and 5 per
 * warning, at least 0; *failed (may be NULL) = 1 when any is an error. */
int sheet_row_score(const json_t *warnings, int *failed);

/* ---- output ---- */

/* A fresh .xlsx of rows (array of row objects) in the marketplace layout:
 * the data sheet named as the marketplace names it (first; or, when the
 * marketplace's sheet is known only by position, at that position after
 * placeholder sheets), the template's header rows, data from the first data
 * row, a dropdown on
 * every allowed-value column (inline list when short, else a reference to a
 * hidden "Lists" sheet). To a file (libxlsxwriter's scratch files beside it), or
 * into out (replacing its contents). */
enum kr_code sheet_write_xlsx_file(const struct sheet_schema *s, const json_t *rows,
                                   const char *path, struct kr_err *err);
/* The same into out, through a private file in tmp_dir (required: the caller's
 * KARAT_TMP_DIR, config_tmp_dir()); libxlsxwriter's scratch files go there too. */
enum kr_code sheet_write_xlsx(const struct sheet_schema *s, const json_t *rows, const char *tmp_dir,
                              struct buf *out, struct kr_err *err);
/* The same rows as CSV (RFC 4180, UTF-8, CRLF): one header line of column
 * names, then one line per row. When a row has the key SHEET_KEY_SCORE
 * (set by the catalog from sheet_row_score()), two more columns follow the
 * schema's: the score and the reasons. Appends to out. */
#define SHEET_KEY_SCORE   "quality_score"
#define SHEET_KEY_REASONS "quality_reasons"
enum kr_code sheet_write_csv(const struct sheet_schema *s, const json_t *rows, struct buf *out,
                             struct kr_err *err);

/* Limits on a seller's template, checked from the zip's central directory
 * before anything is inflated, on every fill and clear: the total
 * uncompressed bytes of its entries, and (once that passes 1 MiB) its
 * compression ratio, uncompressed bytes per archive byte. Both required
 * (> 0; the caller's KARAT_TEMPLATE_MAX_UNPACKED / KARAT_TEMPLATE_MAX_RATIO,
 * catalog_opts_from_config): a missing one is KR_EINVAL "bad_option". Past
 * either: KR_ELIMIT "template_too_large". */
struct sheet_tpl_limits {
    size_t max_unpacked;
    unsigned max_ratio;
};

enum sheet_fill_mode {
    SHEET_FILL_REPLACE = 0, /* clear the data rows first, write from the first data row */
    SHEET_FILL_APPEND,      /* write after the last non-empty data row */
};

/* A fill of a seller-uploaded template: its xlsx bytes (only read), the
 * limits they are read within (required), the rows and the mode. */
struct sheet_fill_req {
    const void *xlsx;
    size_t n;
    const struct sheet_tpl_limits *lim;
    const json_t *rows;
    enum sheet_fill_mode mode;
};

/* Fill a seller-uploaded template (req->xlsx) in place: find the data sheet
 * (by the schema's sheet names, else its index), map the header row to
 * columns (exact, alias, then case/space-insensitive; Meesho-style
 * "Name\n\nhelp text" headers are cut at the blank line), write rows as
 * inline strings into existing styled cells or new ones. Template columns
 * the schema does not know are never touched. The new workbook goes into
 * out (replacing its contents). *missing (may be NULL) gets a new array of
 * the schema's column names the template lacks. Bad or hostile files fail
 * with KR_EINVAL "bad_template" (a part with a DOCTYPE, malformed XML or
 * zip, encrypted entries) or KR_ELIMIT "template_too_large" (req->lim);
 * memory stays within a small multiple of the worksheet's and shared
 * strings' sizes. */
enum kr_code sheet_template_fill(const struct sheet_schema *s, const struct sheet_fill_req *req,
                                 struct buf *out, json_t **missing, struct kr_err *err);
/* The data rows of a bulk sheet (xlsx bytes, any origin) for schema s: the
 * data sheet and header row found as sheet_template_fill() finds them
 * (same limits, same refusals), each row from the first data row on with
 * text in a schema column as {"row": N (1-based), "values": {column: text}}.
 * *rows is a new array. */
enum kr_code sheet_read_rows(const struct sheet_schema *s, const void *xlsx, size_t n,
                             const struct sheet_tpl_limits *lim, json_t **rows,
                             struct kr_err *err);
/* Clear the data rows of the template's data sheet (values and formulas
 * removed from every row from the first data row on; cell styles kept). */
enum kr_code sheet_template_clear(const struct sheet_schema *s, const void *xlsx, size_t n,
                                  const struct sheet_tpl_limits *lim, struct buf *out,
                                  struct kr_err *err);

#endif
