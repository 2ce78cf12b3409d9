/*
 * sheet_zip.c - the .xlsx package side of template filling (libzip +
 * libxml2): find the data sheet's worksheet part through workbook.xml and
 * its relationships, load the shared strings, and write the package back
 * with only the worksheet part replaced.
 *
 * libzip copies every unchanged entry's compressed bytes as they are, so
 * styles, other sheets, validations and anything we do not understand stay
 * byte-identical. Untrusted input: every part read is bounded
 * (TPL_PART_MAX), encrypted entries are refused, and XML is parsed without
 * network access or entity substitution.
 */
#include "catalog/sheet_tpl.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "core/util.h"

#define TPL_PART_MAX    (64u << 20)
#define TPL_MAX_STRINGS 2000000
#define XML_OPTS        (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

static enum kr_code bad_tpl(struct kr_err *err, const char *why)
{
    return kr_fail(err, KR_EINVAL, "bad_template", "template: %s", why);
}

static enum kr_code read_entry(zip_t *za, zip_int64_t idx, struct buf *out, struct kr_err *err)
{
    zip_stat_t st;
    zip_file_t *f;
    char chunk[65536];
    zip_int64_t got;

    if (zip_stat_index(za, (zip_uint64_t)idx, 0, &st) || !(st.valid & ZIP_STAT_SIZE))
        return bad_tpl(err, "unreadable zip entry");
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
        return bad_tpl(err, "encrypted workbooks are not supported");
    if (st.size > TPL_PART_MAX)
        return kr_fail(err, KR_ELIMIT, "bad_template", "template: part %s is too large", st.name);
    buf_init(out, TPL_PART_MAX);
    if (buf_reserve(out, (size_t)st.size + 1))
        return kr_fail(err, KR_ENOMEM, NULL, "out of memory");
    f = zip_fopen_index(za, (zip_uint64_t)idx, 0);
    if (!f)
        return bad_tpl(err, "cannot open zip entry");
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
        return kr_fail(err, KR_EINVAL, "bad_template", "template: %s is missing", name);
    return read_entry(za, i, out, err);
}

static xmlDocPtr parse_xml(const struct buf *b, const char *name)
{
    if (b->len > (size_t)INT32_MAX)
        return NULL;
    return xmlReadMemory((const char *)b->data, (int)b->len, name, NULL, XML_OPTS);
}

static int is_el(xmlNodePtr n, const char *local)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, local) == 0;
}

/* The r:id of a <sheet> element (any namespace, local name "id"). */
static char *sheet_rid(xmlNodePtr n)
{
    for (xmlAttrPtr a = n->properties; a; a = a->next)
        if (a->ns && strcmp((const char *)a->name, "id") == 0)
            return (char *)xmlNodeGetContent((xmlNodePtr)a);
    return NULL;
}

/* Pick the schema's sheet in workbook.xml: by name (exact, then any case),
 * else by position. Returns its relationship id (xmlFree) or NULL. */
static char *pick_sheet(xmlDocPtr wb, const struct sheet_schema *s)
{
    xmlNodePtr root = xmlDocGetRootElement(wb), sheets = NULL, pick = NULL;
    int idx = 0;
    for (xmlNodePtr n = root ? root->children : NULL; n; n = n->next)
        if (is_el(n, "sheets"))
            sheets = n;
    for (int pass = 0; pass < 2 && !pick; pass++)
        for (size_t m = 0; m < s->nmatch && !pick; m++)
            for (xmlNodePtr n = sheets ? sheets->children : NULL; n && !pick; n = n->next) {
                xmlChar *name = is_el(n, "sheet") ? xmlGetProp(n, BAD_CAST "name") : NULL;
                if (name && (pass ? util_streq_ci((char *)name, s->match[m])
                                  : strcmp((char *)name, s->match[m]) == 0))
                    pick = n;
                xmlFree(name);
            }
    for (xmlNodePtr n = sheets ? sheets->children : NULL; n && !pick; n = n->next)
        if (is_el(n, "sheet") && idx++ == s->sheet_index)
            pick = n;
    return pick ? sheet_rid(pick) : NULL;
}

/* Resolve a relationship target of xl/workbook.xml to a zip entry name. */
static int target_path(const char *target, char *out, size_t n)
{
    if (strstr(target, "..") || strstr(target, "://"))
        return -1;
    if (target[0] == '/')
        return util_fmt(out, n, "%s", target + 1) ? -1 : 0;
    return util_fmt(out, n, "xl/%s", target) ? -1 : 0;
}

/* Walk workbook.xml.rels: the target of rid, and the shared strings part. */
static void read_rels(xmlDocPtr rels, const char *rid, char *part, size_t pn, char *sst, size_t sn)
{
    xmlNodePtr root = xmlDocGetRootElement(rels);
    for (xmlNodePtr n = root ? root->children : NULL; n; n = n->next) {
        xmlChar *id, *target, *type;
        if (!is_el(n, "Relationship"))
            continue;
        id = xmlGetProp(n, BAD_CAST "Id");
        target = xmlGetProp(n, BAD_CAST "Target");
        type = xmlGetProp(n, BAD_CAST "Type");
        if (id && target && strcmp((char *)id, rid) == 0 && target_path((char *)target, part, pn))
            part[0] = '\0';
        if (type && target && strlen((char *)type) > 14 &&
            strcmp((char *)type + strlen((char *)type) - 14, "/sharedStrings") == 0 &&
            target_path((char *)target, sst, sn))
            sst[0] = '\0';
        xmlFree(id);
        xmlFree(target);
        xmlFree(type);
    }
}

static void si_text(xmlNodePtr n, struct buf *b)
{
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (is_el(c, "rPh"))
            continue;
        if (is_el(c, "t")) {
            xmlChar *t = xmlNodeGetContent(c);
            if (t)
                buf_append(b, t, strlen((char *)t));
            xmlFree(t);
        } else if (c->type == XML_ELEMENT_NODE) {
            si_text(c, b);
        }
    }
}

static enum kr_code load_sst(struct tpl *t, const char *name, struct kr_err *err)
{
    struct buf raw, text;
    xmlDocPtr doc;
    xmlNodePtr root;
    enum kr_code rc = KR_OK;
    zip_int64_t idx = name[0] ? zip_name_locate(t->za, name, 0) : -1;

    if (idx < 0)
        return KR_OK; /* no shared strings: every cell is inline */
    if ((rc = read_entry(t->za, idx, &raw, err)))
        return rc;
    doc = parse_xml(&raw, name);
    buf_release(&raw);
    if (!doc)
        return bad_tpl(err, "sharedStrings.xml is not XML");
    root = xmlDocGetRootElement(doc);
    buf_init(&text, 0);
    for (xmlNodePtr n = root ? root->children : NULL; n && !rc; n = n->next) {
        char **grown;
        if (!is_el(n, "si"))
            continue;
        text.len = 0;
        si_text(n, &text);
        grown = t->nsst < TPL_MAX_STRINGS ? realloc(t->sst, (t->nsst + 1) * sizeof *t->sst) : NULL;
        if (!grown)
            rc = kr_fail(err, KR_ELIMIT, "bad_template", "template: too many shared strings");
        else if (!(grown[t->nsst] = strndup(text.data ? (char *)text.data : "", text.len)))
            rc = kr_fail(err, KR_ENOMEM, NULL, "out of memory");
        if (grown) {
            t->sst = grown;
            t->nsst += grown[t->nsst] != NULL;
        }
    }
    buf_release(&text);
    xmlFreeDoc(doc);
    return rc;
}

/* workbook.xml + rels -> the worksheet part name and the shared strings. */
static enum kr_code locate_sheet(struct tpl *t, const struct sheet_schema *s, struct kr_err *err)
{
    struct buf wbx, relx;
    xmlDocPtr wb = NULL, rels = NULL;
    char *rid = NULL, sst[512] = "xl/sharedStrings.xml";
    enum kr_code rc = read_named(t->za, "xl/workbook.xml", &wbx, NULL, err);

    if (rc)
        return rc;
    rc = read_named(t->za, "xl/_rels/workbook.xml.rels", &relx, NULL, err);
    if (!rc) {
        wb = parse_xml(&wbx, "workbook.xml");
        rels = parse_xml(&relx, "workbook.xml.rels");
        buf_release(&relx);
    }
    buf_release(&wbx);
    if (!rc && (!wb || !rels))
        rc = bad_tpl(err, "workbook.xml or its relationships are not XML");
    if (!rc && !(rid = pick_sheet(wb, s)))
        rc = kr_fail(err, KR_EINVAL, "bad_template", "template has no sheet '%s' (or sheet %d)",
                     s->nmatch ? s->match[0] : s->sheet_name, s->sheet_index + 1);
    if (!rc) {
        read_rels(rels, rid, t->part, sizeof t->part, sst, sizeof sst);
        if (!t->part[0])
            rc = bad_tpl(err, "the data sheet has no worksheet part");
    }
    xmlFree(rid);
    xmlFreeDoc(wb);
    xmlFreeDoc(rels);
    return rc ? rc : load_sst(t, sst, err);
}

/* libxml2 must be initialised once before threads use it. */
static void xml_init(void)
{
    xmlInitParser();
}

enum kr_code tpl_open(struct tpl *t, const struct sheet_schema *s, const void *data, size_t n,
                      struct kr_err *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    zip_error_t ze;
    xmlDocPtr check;
    enum kr_code rc;

    pthread_once(&once, xml_init);
    memset(t, 0, sizeof *t);
    zip_error_init(&ze);
    t->src = zip_source_buffer_create(data, n, 0, &ze);
    if (t->src)
        t->za = zip_open_from_source(t->src, 0, &ze);
    zip_error_fini(&ze);
    if (!t->za) {
        zip_source_free(t->src);
        t->src = NULL;
        return bad_tpl(err, "not an .xlsx (zip) file");
    }
    zip_int64_t idx = -1;
    if ((rc = locate_sheet(t, s, err)) || (rc = read_named(t->za, t->part, &t->xml, &idx, err)))
        return rc;
    t->part_index = idx;
    check = parse_xml(&t->xml, t->part); /* well-formed before the lexical pass */
    if (!check)
        return bad_tpl(err, "the data sheet is not well-formed XML");
    xmlFreeDoc(check);
    return KR_OK;
}

void tpl_close(struct tpl *t)
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

/* Remove every empty element of part whose attributes mention calcChain. */
static enum kr_code strip_calc_refs(zip_t *za, const char *name, struct kr_err *err)
{
    struct buf in, out;
    struct xml_tag tag;
    size_t pos = 0, copied = 0;
    zip_int64_t idx;
    zip_source_t *zs;
    enum kr_code rc = read_named(za, name, &in, &idx, err);

    if (rc)
        return rc;
    buf_init(&out, 0);
    while (!rc && xml_next_tag((const char *)in.data, in.len, &pos, &tag) == 1) {
        if (tag.kind != XML_EMPTY ||
            !memmem(in.data + tag.start, tag.end - tag.start, "calcChain", 9))
            continue;
        rc = buf_append(&out, in.data + copied, tag.start - copied);
        copied = tag.end;
    }
    if (!rc)
        rc = buf_append(&out, in.data + copied, in.len - copied);
    buf_release(&in);
    if (rc) {
        buf_release(&out);
        return kr_fail(err, KR_ENOMEM, NULL, "out of memory");
    }
    zs = zip_source_buffer(za, out.data, out.len, 1);
    if (!zs || zip_file_replace(za, (zip_uint64_t)idx, zs, 0) < 0) {
        zip_source_free(zs);
        if (!zs)
            buf_release(&out);
        return bad_tpl(err, "cannot update the package");
    }
    return KR_OK;
}

/* Formulas were removed: the calculation chain would point at them. */
static enum kr_code drop_calc_chain(zip_t *za, struct kr_err *err)
{
    zip_int64_t idx = zip_name_locate(za, "xl/calcChain.xml", 0);
    enum kr_code rc;
    if (idx < 0)
        return KR_OK;
    if (zip_delete(za, (zip_uint64_t)idx) < 0)
        return bad_tpl(err, "cannot remove calcChain.xml");
    rc = strip_calc_refs(za, "[Content_Types].xml", err);
    return rc ? rc : strip_calc_refs(za, "xl/_rels/workbook.xml.rels", err);
}

/* After zip_close(): the new archive is the content of the kept source. */
static enum kr_code read_source(zip_source_t *src, struct buf *out, struct kr_err *err)
{
    zip_int64_t got;
    char chunk[65536];
    enum kr_code rc = KR_OK;

    if (zip_source_open(src) < 0)
        return kr_fail(err, KR_EIO, "xlsx_write", "cannot read the new package");
    out->len = 0;
    while (!rc && (got = zip_source_read(src, chunk, sizeof chunk)) > 0)
        rc = buf_append(out, chunk, (size_t)got);
    zip_source_close(src);
    return rc ? kr_fail(err, rc, "xlsx_write", "package larger than the output limit") : KR_OK;
}

enum kr_code tpl_finish(struct tpl *t, struct buf *xml, int drop_calc, struct buf *out,
                        struct kr_err *err)
{
    size_t len = xml->len;
    unsigned char *data = buf_detach(xml, &len);
    zip_source_t *zs = zip_source_buffer(t->za, data, len, 1);
    enum kr_code rc;

    if (!zs || zip_file_replace(t->za, (zip_uint64_t)t->part_index, zs, 0) < 0) {
        if (zs)
            zip_source_free(zs);
        else
            free(data);
        return bad_tpl(err, "cannot replace the data sheet");
    }
    if (drop_calc && (rc = drop_calc_chain(t->za, err)))
        return rc;
    zip_source_keep(t->src);
    if (zip_close(t->za) < 0) {
        zip_source_free(t->src); /* drop our extra reference; discard frees the rest */
        return kr_fail(err, KR_EIO, "xlsx_write", "cannot write the package: %s",
                       zip_strerror(t->za));
    }
    t->za = NULL;
    rc = read_source(t->src, out, err);
    zip_source_free(t->src);
    t->src = NULL;
    return rc;
}

/* Gather text of a cell's content: <v> text, or <t> text outside <rPh>. */
static void content_text(const char *x, size_t from, size_t to, struct buf *raw, int *formula)
{
    struct xml_tag tag;
    size_t pos = from, text = from;
    int in_v = 0, in_t = 0, in_rph = 0;
    while (xml_next_tag(x, to, &pos, &tag) == 1) {
        if ((in_v || (in_t && !in_rph)) && tag.start > text)
            xml_unescape(x + text, tag.start - text, raw);
        int open = tag.kind == XML_START;
        if (xml_is(&tag, "v"))
            in_v = open;
        else if (xml_is(&tag, "t"))
            in_t = open;
        else if (xml_is(&tag, "rPh"))
            in_rph = open;
        else if (xml_is(&tag, "f"))
            *formula = 1;
        text = tag.end;
    }
}

void tpl_cell_text(const struct tpl *t, const struct xml_sheet *sh, const struct xml_cell *c,
                   struct buf *out, int *has_formula)
{
    struct xml_tag open;
    struct xml_span ty;
    size_t pos = c->start;
    int formula = 0, shared;

    out->len = 0;
    if (!c->empty)
        content_text(sh->x, c->open_end, c->end, out, &formula);
    if (has_formula)
        *has_formula = formula;
    xml_next_tag(sh->x, c->end, &pos, &open);
    shared =
        xml_attr(sh->x, &open, "t", &ty, NULL) && ty.end - ty.start == 1 && sh->x[ty.start] == 's';
    if (shared && out->len) {
        char num[16];
        unsigned long i;
        util_strlcpy(num, out->len < sizeof num ? (const char *)out->data : "x", sizeof num);
        i = strtoul(num, NULL, 10);
        out->len = 0;
        if (i < t->nsst)
            buf_append(out, t->sst[i], strlen(t->sst[i]));
    }
    if (out->data)
        out->data[out->len] = '\0';
}
