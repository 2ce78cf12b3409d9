/*
 * sheet_part.c - the small XML parts of a seller's template, read as
 * streams by the module's one reader (sheet_xml.c), which also refuses
 * what no part may hold: the data sheet's worksheet part found through
 * workbook.xml and its relationships, and the shared strings. No part is
 * ever a tree.
 */
#include "sheet/sheet_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

#define TPL_MAX_STRINGS 2000000
#define TPL_MAX_SHEETS  10000

static enum kr_code bad_tpl(struct kr_err *err, const char *name, const char *why)
{
    return kr_fail(err, KRS_BAD_TEMPLATE, "template: %s %s", name, why);
}

/* The <sheet> elements of workbook.xml, in order: name and r:id. */
struct sheets {
    char **name, **rid;
    size_t n, cap;
};

static void sheets_free(struct sheets *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->name[i]), free(l->rid[i]);
    free(l->name);
    free(l->rid);
}

/* The r:id of the current <sheet>: the attribute "id" in a namespace. */
static char *sheet_rid(xmlTextReaderPtr r)
{
    char *id = NULL;
    for (int more = xmlTextReaderMoveToFirstAttribute(r); more == 1 && !id;
         more = xmlTextReaderMoveToNextAttribute(r))
        if (xmlTextReaderConstNamespaceUri(r) && !xmlTextReaderIsNamespaceDecl(r) &&
            strcmp((const char *)xmlTextReaderConstLocalName(r), "id") == 0)
            id = strdup((const char *)xmlTextReaderConstValue(r));
    xmlTextReaderMoveToElement(r);
    return id ? id : strdup("");
}

static enum kr_code sheets_add(struct sheets *l, xmlTextReaderPtr r, struct kr_err *err)
{
    char *name = (char *)xmlTextReaderGetAttribute(r, BAD_CAST "name");
    if (l->n >= TPL_MAX_SHEETS) {
        xmlFree(name);
        return kr_fail(err, KRS_TEMPLATE_TOO_LARGE, "template: too many sheets");
    }
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 16;
        char **a = realloc(l->name, nc * sizeof *a),
             **b = a ? realloc(l->rid, nc * sizeof *b) : NULL;
        if (a)
            l->name = a;
        if (b)
            l->rid = b, l->cap = nc;
        if (!b) {
            xmlFree(name);
            return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
        }
    }
    l->name[l->n] = strdup(name ? name : "");
    l->rid[l->n] = sheet_rid(r);
    xmlFree(name);
    if (!l->name[l->n] || !l->rid[l->n]) {
        free(l->name[l->n]), free(l->rid[l->n]);
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    }
    l->n++;
    return KR_OK;
}

/* workbook.xml streamed: the <sheet> children of the root's <sheets>. */
static enum kr_code read_sheets(const struct buf *wbx, struct sheets *l, struct kr_err *err)
{
    struct sheet_xr x;
    enum kr_code rc = sheet__xml_open(&x, wbx, "xl/workbook.xml", err);
    int got = 0, in_sheets = 0;

    while (!rc && (got = sheet__xml_read(&x)) == 1) {
        int d = sheet__xml_depth(&x), el = sheet__xml_type(&x) == XML_READER_TYPE_ELEMENT;
        if (d == 1 && sheet__xml_is(&x, "sheets", 0))
            in_sheets = el && !xmlTextReaderIsEmptyElement(x.r);
        else if (in_sheets && el && d == 2 && sheet__xml_is(&x, "sheet", 0))
            rc = sheets_add(l, x.r, err);
    }
    if (!rc && got != 0)
        rc = sheet__xml_fail(&x, err);
    sheet__xml_close(&x);
    return rc;
}

/* Pick the schema's sheet: by name (exact, then any case), else by
 * position. Its relationship id, or NULL. */
static const char *pick_sheet(const struct sheets *l, const struct sheet_schema *s)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t m = 0; m < s->nmatch; m++)
            for (size_t i = 0; i < l->n; i++)
                if (pass ? util_streq_ci(l->name[i], s->match[m])
                         : strcmp(l->name[i], s->match[m]) == 0)
                    return l->rid[i];
    return s->sheet_index >= 0 && (size_t)s->sheet_index < l->n ? l->rid[s->sheet_index] : NULL;
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

/* Relationship attribute name of the current element into out (cap 1024). */
static int rel_attr(struct sheet_xr *x, const char *name, char *out)
{
    return sheet__xml_attr(x, name, out, 1024) == 1;
}

/* workbook.xml.rels streamed: the target of rid, and the shared strings part. */
static enum kr_code read_rels(const struct buf *relx, const char *rid, char part[SHEET__PART_MAX],
                              char sst[SHEET__PART_MAX], struct kr_err *err)
{
    static const char sst_type[] = "/sharedStrings";
    char id[1024], target[1024], type[1024];
    struct sheet_xr x;
    enum kr_code rc = sheet__xml_open(&x, relx, "xl/_rels/workbook.xml.rels", err);
    int got = 0;

    while (!rc && (got = sheet__xml_read(&x)) == 1) {
        size_t tl;
        if (sheet__xml_depth(&x) != 1 || sheet__xml_type(&x) != XML_READER_TYPE_ELEMENT ||
            !sheet__xml_is(&x, "Relationship", 0) || !rel_attr(&x, "Target", target))
            continue;
        if (rel_attr(&x, "Id", id) && strcmp(id, rid) == 0 && target_path(target, part, SHEET__PART_MAX))
            part[0] = '\0';
        tl = rel_attr(&x, "Type", type) ? strlen(type) : 0;
        if (tl > strlen(sst_type) && strcmp(type + tl - strlen(sst_type), sst_type) == 0 &&
            target_path(target, sst, SHEET__PART_MAX))
            sst[0] = '\0';
    }
    if (!rc && got != 0)
        rc = sheet__xml_fail(&x, err);
    sheet__xml_close(&x);
    return rc;
}

enum kr_code sheet__tpl_find_sheet(const struct buf *wbx, const struct buf *relx,
                                   const struct sheet_schema *s, char part[SHEET__PART_MAX],
                                   char sst[SHEET__PART_MAX], struct kr_err *err)
{
    struct sheets l = {0};
    const char *rid;
    enum kr_code rc = read_sheets(wbx, &l, err);

    part[0] = '\0';
    if (!rc && !(rid = pick_sheet(&l, s)))
        rc = kr_fail(err, KRS_BAD_TEMPLATE, "template has no sheet '%s' (or sheet %d)",
                     s->nmatch ? s->match[0] : s->sheet_name, s->sheet_index + 1);
    if (!rc)
        rc = read_rels(relx, rid, part, sst, err);
    if (!rc && !part[0])
        rc = bad_tpl(err, "the data sheet", "has no worksheet part");
    sheets_free(&l);
    return rc;
}

/* Shared strings, streamed: the text of each <si>, its <t> elements joined,
 * phonetic runs (<rPh>) left out. */
struct sst_read {
    struct tpl *t;
    size_t cap;
    struct buf text;
    int in_si, in_t, rph_depth;
};

static enum kr_code sst_push(struct sst_read *s, struct kr_err *err)
{
    struct tpl *t = s->t;
    if (t->nsst >= TPL_MAX_STRINGS)
        return kr_fail(err, KRS_TEMPLATE_TOO_LARGE, "template: too many shared strings");
    if (t->nsst == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 256;
        char **grown = realloc(t->sst, nc * sizeof *t->sst);
        if (!grown)
            return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
        t->sst = grown;
        s->cap = nc;
    }
    t->sst[t->nsst] = strndup(s->text.data ? (char *)s->text.data : "", s->text.len);
    if (!t->sst[t->nsst])
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    t->nsst++;
    s->text.len = 0;
    return KR_OK;
}

static enum kr_code sst_node(struct sst_read *s, xmlTextReaderPtr r, struct kr_err *err)
{
    int type = xmlTextReaderNodeType(r), empty = xmlTextReaderIsEmptyElement(r);
    const char *name = (const char *)xmlTextReaderConstLocalName(r);
    int start = type == XML_READER_TYPE_ELEMENT, end = type == XML_READER_TYPE_END_ELEMENT;

    if ((start || end) && name && strcmp(name, "si") == 0) {
        s->in_si = start && !empty;
        return end || empty ? sst_push(s, err) : KR_OK;
    }
    if (!s->in_si)
        return KR_OK;
    if ((start || end) && name && strcmp(name, "rPh") == 0 && !empty)
        s->rph_depth += start ? 1 : -1;
    else if ((start || end) && name && strcmp(name, "t") == 0)
        s->in_t = start && !empty;
    else if (s->in_t && !s->rph_depth &&
             (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
              type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE)) {
        const xmlChar *v = xmlTextReaderConstValue(r);
        if (v && buf_append(&s->text, v, strlen((const char *)v)))
            return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    }
    return KR_OK;
}

enum kr_code sheet__tpl_load_sst(struct tpl *t, const struct buf *raw, const char *name,
                                 struct kr_err *err)
{
    struct sst_read s = {.t = t};
    struct sheet_xr x;
    enum kr_code rc = sheet__xml_open(&x, raw, name, err);
    int got = 0;

    buf_init(&s.text, 0);
    while (!rc && (got = sheet__xml_read(&x)) == 1)
        rc = sst_node(&s, x.r, err);
    if (!rc && got != 0)
        rc = sheet__xml_fail(&x, err);
    sheet__xml_close(&x);
    buf_release(&s.text);
    return rc;
}
