/*
 * sheet_zip.c - the .xlsx package side of template filling (libzip): the
 * archive's limits checked on its central directory before anything is
 * inflated, the parts the filler needs read with bounds (their XML is
 * sheet_part.c's), and the filled workbook written as a NEW archive.
 *
 * The template's bytes belong to the caller (an upload, a stored file) and
 * are only ever read: libzip reads them through a read-only buffer source,
 * and the output is a separate archive into which every entry but the
 * worksheet is copied still compressed (ZIP_FL_COMPRESSED), so styles,
 * other sheets, validations and anything we do not understand keep their
 * bytes. (Writing the new package back into the input's own source, as an
 * earlier version did, let libzip 1.7 free and reuse the caller's buffer
 * when the worksheet was an archive's last entry.)
 *
 * Untrusted input: the entry count, the total uncompressed size and the
 * archive's compression ratio are capped (struct sheet_tpl_limits) from the
 * declared sizes, which libzip enforces while inflating; local headers must
 * agree with the central directory (ZIP_CHECKCONS); encrypted entries are
 * refused.
 */
#include "sheet/sheet_int.h"

#include <libxml/parser.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

#include "core/util.h"

#define TPL_MAX_ENTRIES 10000
#define TPL_RATIO_FROM  (1u << 20) /* the ratio is judged past 1 MiB unpacked */

static enum kr_code bad_tpl(struct kr_err *err, const char *why)
{
    return kr_fail(err, KRS_BAD_TEMPLATE, "template: %s", why);
}

#define too_large(err, ...) kr_fail(err, KRS_TEMPLATE_TOO_LARGE, "template: " __VA_ARGS__)

static enum kr_code read_entry(zip_t *za, zip_int64_t idx, struct buf *out, struct kr_err *err)
{
    zip_stat_t st;
    zip_file_t *f;
    char chunk[65536];
    zip_int64_t got;

    if (zip_stat_index(za, (zip_uint64_t)idx, 0, &st) || !(st.valid & ZIP_STAT_SIZE))
        return bad_tpl(err, "unreadable zip entry");
    buf_init(out, 0);
    if (buf_reserve(out, (size_t)st.size + 1))
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    f = zip_fopen_index(za, (zip_uint64_t)idx, 0);
    if (!f) {
        buf_release(out);
        return bad_tpl(err, "cannot open zip entry");
    }
    while ((got = zip_fread(f, chunk, sizeof chunk)) > 0)
        if (out->len + (size_t)got > st.size || buf_append(out, chunk, (size_t)got))
            break;
    zip_fclose(f);
    if (got != 0 || out->len != st.size) {
        buf_release(out);
        return bad_tpl(err, "corrupt zip entry");
    }
    return KR_OK;
}

static enum kr_code read_named(zip_t *za, const char *name, struct buf *out, zip_int64_t *idx,
                               struct kr_err *err)
{
    zip_int64_t i = zip_name_locate(za, name, 0);
    if (idx)
        *idx = i;
    if (i < 0)
        return kr_fail(err, KRS_BAD_TEMPLATE, "template: %s is missing", name);
    return read_entry(za, i, out, err);
}

/* Limits, from the central directory: nothing is inflated yet. */
static enum kr_code check_archive(zip_t *za, size_t n, const struct sheet_tpl_limits *lim,
                                  struct kr_err *err)
{
    zip_int64_t count = zip_get_num_entries(za, 0);
    unsigned long long total = 0;
    zip_stat_t st;

    if (count < 0 || count > TPL_MAX_ENTRIES)
        return too_large(err, "more than %d zip entries", TPL_MAX_ENTRIES);
    for (zip_int64_t i = 0; i < count; i++) {
        if (zip_stat_index(za, (zip_uint64_t)i, 0, &st) || !(st.valid & ZIP_STAT_SIZE))
            return bad_tpl(err, "unreadable zip entry");
        if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
            return bad_tpl(err, "encrypted workbooks are not supported");
        total += st.size;
        if (st.size > lim->max_unpacked || total > lim->max_unpacked)
            return too_large(err, "unpacks to more than %zu bytes", lim->max_unpacked);
    }
    if (total > TPL_RATIO_FROM && total > (unsigned long long)lim->max_ratio * n)
        return too_large(err, "compression ratio above %u:1 (%llu bytes from %zu)", lim->max_ratio,
                         total, n);
    return KR_OK;
}

/* libxml2 must be initialised once before threads use it. */
static void xml_init(void)
{
    xmlInitParser();
}

static enum kr_code open_zip(struct tpl *t, const void *data, size_t n, struct kr_err *err)
{
    zip_error_t ze;
    int code;

    zip_error_init(&ze);
    t->src = zip_source_buffer_create(data, n, 0, &ze);
    if (t->src)
        t->za = zip_open_from_source(t->src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    code = zip_error_code_zip(&ze);
    zip_error_fini(&ze);
    if (t->za)
        return KR_OK;
    zip_source_free(t->src);
    t->src = NULL;
    if (code == ZIP_ER_MEMORY)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    return bad_tpl(err, code == ZIP_ER_NOZIP ? "not an .xlsx (zip) file"
                                             : "damaged zip archive (central directory or "
                                               "entry headers do not agree)");
}

static enum kr_code read_parts(struct tpl *t, const struct sheet_schema *s, struct kr_err *err)
{
    struct buf wbx, relx, raw;
    char sst[SHEET__PART_MAX] = "xl/sharedStrings.xml";
    zip_int64_t idx;
    enum kr_code rc = read_named(t->za, "xl/workbook.xml", &wbx, NULL, err);

    if (rc)
        return rc;
    rc = read_named(t->za, "xl/_rels/workbook.xml.rels", &relx, NULL, err);
    if (!rc) {
        rc = sheet__tpl_find_sheet(&wbx, &relx, s, t->part, sst, err);
        buf_release(&relx);
    }
    buf_release(&wbx);
    idx = !rc && sst[0] ? zip_name_locate(t->za, sst, 0) : -1;
    if (idx >= 0 && !(rc = read_entry(t->za, idx, &raw, err))) {
        rc = sheet__tpl_load_sst(t, &raw, sst, err);
        buf_release(&raw);
    }
    if (!rc && !(rc = read_named(t->za, t->part, &t->xml, &idx, err)))
        t->part_index = idx;
    return rc; /* the worksheet is checked as the filler reads it */
}

enum kr_code sheet__tpl_open(struct tpl *t, const struct sheet_schema *s, const void *data,
                             size_t n, const struct sheet_tpl_limits *lim, struct kr_err *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    enum kr_code rc;

    pthread_once(&once, xml_init);
    memset(t, 0, sizeof *t);
    if (!lim || !lim->max_unpacked || !lim->max_ratio)
        return kr_fail(err, KRS_BAD_OPTION,
                       "template: no size limits (KARAT_TEMPLATE_MAX_UNPACKED, _RATIO)");
    if ((rc = open_zip(t, data, n, err)) || (rc = check_archive(t->za, n, lim, err)))
        return rc;
    return read_parts(t, s, err);
}

void sheet__tpl_close(struct tpl *t)
{
    if (t->za)
        zip_discard(t->za);
    else
        zip_source_free(t->src);
    for (size_t i = 0; i < t->nsst; i++)
        free(t->sst[i]);
    free(t->sst);
    buf_release(&t->xml);
    memset(t, 0, sizeof *t);
}

/* Whether the current element is what names the calculation chain: the
 * workbook's relationship of type .../calcChain, or the content types'
 * <Override> for /xl/calcChain.xml (part names ignore case). Only these:
 * another part whose name or target merely contains "calcChain" (a shared
 * strings part, say) keeps its entry, or the package would lose it. */
static int names_calc_chain(const struct sheet_xr *x)
{
    static const char calc_type[] = "/calcChain";
    char v[1024];
    size_t n;

    if (sheet__xml_type(x) != XML_READER_TYPE_ELEMENT || !xmlTextReaderIsEmptyElement(x->r))
        return 0;
    if (sheet__xml_is(x, "Relationship", 0) && sheet__xml_attr(x, "Type", v, sizeof v) == 1) {
        n = strlen(v);
        return n >= strlen(calc_type) && strcmp(v + n - strlen(calc_type), calc_type) == 0;
    }
    return sheet__xml_is(x, "Override", 0) && sheet__xml_attr(x, "PartName", v, sizeof v) == 1 &&
           strcasecmp(v, "/xl/calcChain.xml") == 0;
}

/* Entry idx of the template (a small XML part) written back without what
 * names the calculation chain (formulas were removed: the chain would
 * point at them, and its part is left out). */
static enum kr_code strip_calc_refs(zip_t *za, zip_int64_t idx, struct buf *out, struct kr_err *err)
{
    struct buf in;
    struct sheet_xr x;
    const char *name = zip_get_name(za, (zip_uint64_t)idx, ZIP_FL_ENC_RAW);
    enum kr_code rc = read_entry(za, idx, &in, err);
    int got = 0;

    if (rc)
        return rc;
    buf_init(out, 0);
    rc = sheet__xml_open(&x, &in, name ? name : "a package part", err);
    x.out = out;
    while (!rc && !x.rc && (got = sheet__xml_read(&x)) == 1)
        if (!names_calc_chain(&x))
            sheet__xml_copy(&x);
    if (!rc && (got != 0 || x.rc))
        rc = sheet__xml_fail(&x, err);
    sheet__xml_close(&x);
    buf_release(&in);
    if (rc)
        buf_release(out);
    return rc;
}

/* Add b (taken over) as entry name of the new archive. */
static enum kr_code add_bytes(zip_t *oz, const char *name, struct buf *b, struct kr_err *err)
{
    size_t len = b->len;
    unsigned char *data = buf_detach(b, &len);
    zip_source_t *zs = zip_source_buffer(oz, data, len, 1);

    if (!zs || zip_file_add(oz, name, zs, ZIP_FL_ENC_GUESS) < 0) {
        if (zs)
            zip_source_free(zs);
        else
            free(data);
        return kr_fail(err, KRS_OUT_OF_MEMORY, "cannot build the package");
    }
    return KR_OK;
}

/* Entry i of the template into the new archive, still compressed. */
static enum kr_code add_copy(zip_t *oz, zip_t *za, zip_uint64_t i, const char *name,
                             struct kr_err *err)
{
    zip_stat_t st;
    zip_source_t *zs = zip_source_zip(oz, za, i, ZIP_FL_COMPRESSED, 0, -1);
    zip_int64_t k = zs ? zip_file_add(oz, name, zs, ZIP_FL_ENC_GUESS) : -1;

    if (k < 0) {
        zip_source_free(zs);
        return bad_tpl(err, "duplicate or unreadable zip entry");
    }
    if (zip_stat_index(za, i, 0, &st) == 0) {
        if ((st.valid & ZIP_STAT_COMP_METHOD) && st.comp_method == ZIP_CM_STORE)
            zip_set_file_compression(oz, (zip_uint64_t)k, ZIP_CM_STORE, 0);
        if (st.valid & ZIP_STAT_MTIME)
            zip_file_set_mtime(oz, (zip_uint64_t)k, st.mtime, 0);
    }
    return KR_OK;
}

/* Every entry of the template, in order, into oz: the worksheet replaced by
 * xml, and when drop_calc calcChain.xml left out and its mentions stripped. */
static enum kr_code add_entries(struct tpl *t, zip_t *oz, struct buf *xml, int drop_calc,
                                struct kr_err *err)
{
    zip_int64_t count = zip_get_num_entries(t->za, 0);
    zip_int64_t calc = drop_calc ? zip_name_locate(t->za, "xl/calcChain.xml", 0) : -1;
    zip_int64_t ct = zip_name_locate(t->za, "[Content_Types].xml", 0);
    zip_int64_t rels = zip_name_locate(t->za, "xl/_rels/workbook.xml.rels", 0);
    enum kr_code rc = KR_OK;

    for (zip_int64_t i = 0; !rc && i < count; i++) {
        const char *name = zip_get_name(t->za, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
        struct buf b;
        if (!name)
            rc = bad_tpl(err, "unreadable zip entry name");
        else if (i == t->part_index)
            rc = add_bytes(oz, name, xml, err);
        else if (i == calc)
            continue;
        else if (calc >= 0 && (i == ct || i == rels) && !(rc = strip_calc_refs(t->za, i, &b, err)))
            rc = add_bytes(oz, name, &b, err);
        else if (!rc)
            rc = add_copy(oz, t->za, (zip_uint64_t)i, name, err);
    }
    return rc;
}

/* After zip_close(): the new archive is the content of the kept source. */
static enum kr_code read_source(zip_source_t *src, struct buf *out, struct kr_err *err)
{
    zip_int64_t got;
    char chunk[65536];
    enum kr_code rc = KR_OK;

    if (zip_source_open(src) < 0)
        return kr_fail(err, KRS_XLSX_WRITE, "cannot read the new package");
    out->len = 0;
    while (!rc && (got = zip_source_read(src, chunk, sizeof chunk)) > 0)
        rc = buf_append(out, chunk, (size_t)got);
    zip_source_close(src);
    return rc ? kr_fail(err, kr_slug_grow(rc), "package larger than the output limit") : KR_OK;
}

enum kr_code sheet__tpl_finish(struct tpl *t, struct buf *xml, int drop_calc, struct buf *out,
                               struct kr_err *err)
{
    zip_error_t ze;
    zip_source_t *dst;
    zip_t *oz = NULL;
    enum kr_code rc;

    zip_error_init(&ze);
    dst = zip_source_buffer_create(NULL, 0, 0, &ze);
    if (dst) {
        zip_source_keep(dst); /* the archive's reference goes with it; ours stays */
        oz = zip_open_from_source(dst, ZIP_TRUNCATE, &ze);
    }
    zip_error_fini(&ze);
    if (!oz) {
        zip_source_free(dst);
        zip_source_free(dst);
        return kr_fail(err, KRS_OUT_OF_MEMORY, "cannot start the new package");
    }
    rc = add_entries(t, oz, xml, drop_calc, err);
    if (!rc && zip_close(oz) < 0) {
        int code = zip_error_code_zip(zip_get_error(oz));
        rc = code == ZIP_ER_MEMORY
                 ? kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory")
                 : kr_fail(err, KRS_BAD_TEMPLATE, "template: a zip entry cannot be copied: %s",
                           zip_strerror(oz));
    }
    if (rc)
        zip_discard(oz);
    else
        rc = read_source(dst, out, err);
    zip_source_free(dst);
    return rc;
}
