/*
 * sheet_part.c - the XML parts of a seller's template (libxml2): the safety
 * check every part passes before anything parses it, the data sheet's
 * worksheet part found through workbook.xml and its relationships, and the
 * shared strings read as a stream.
 *
 * Untrusted input. OOXML never has a DOCTYPE, and a DOCTYPE is the only way
 * to declare the entities behind "billion laughs" style expansion, so a part
 * whose prolog holds one is refused before libxml2 sees it (a lexical look
 * at the prolog, which is why parts must be in an ASCII-compatible encoding
 * such as UTF-8, as Excel writes them). The part is then streamed once
 * through xmlTextReader (no entity substitution, no DTD loading, no network)
 * to prove it well-formed in constant memory; only workbook.xml and its
 * relationships, which are small and bounded, are then built as trees.
 * The worksheet itself is never a tree: sheet_xml.c reads its bytes.
 */
#include "sheet/sheet_int.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlreader.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

#define XML_OPTS        (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)
#define XML_MAXDEPTH    64 /* worksheets nest 5 deep; workbooks a little more */
#define TPL_MAX_STRINGS 2000000

static enum kr_code bad_tpl(struct kr_err *err, const char *name, const char *why)
{
    return kr_fail(err, KRS_BAD_TEMPLATE, "template: %s %s", name, why);
}

/* The prolog: BOM, XML declaration, comments, processing instructions and
 * space up to the first element. 0 fine, else the refusal reason. */
static const char *prolog_problem(const unsigned char *x, size_t n)
{
    size_t p = n >= 3 && memcmp(x, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    while (p < n) {
        const void *e;
        if (x[p] && strchr(" \t\r\n", x[p])) {
            p++;
        } else if (x[p] != '<') {
            return "is not UTF-8 XML";
        } else if (n - p >= 4 && memcmp(x + p, "<!--", 4) == 0) {
            if (!(e = memmem(x + p + 4, n - p - 4, "-->", 3)))
                return "is not well-formed XML";
            p = (size_t)((const unsigned char *)e - x) + 3;
        } else if (n - p >= 2 && x[p + 1] == '?') {
            if (!(e = memmem(x + p + 2, n - p - 2, "?>", 2)))
                return "is not well-formed XML";
            p = (size_t)((const unsigned char *)e - x) + 2;
        } else if (n - p >= 2 && x[p + 1] == '!') {
            return "has a DOCTYPE (never part of an .xlsx; refused)";
        } else {
            return NULL;
        }
    }
    return "is not well-formed XML";
}

static void no_report(void *ctx, const char *fmt, ...)
{
    (void)ctx;
    (void)fmt;
}

static void no_structured_report(void *ctx, xmlErrorPtr e)
{
    (void)ctx;
    (void)e;
}

/* libxml2 prints some errors (input encoding, I/O) to stderr whatever the
 * parse options say; the failure itself reaches us as a parse failure, so
 * this thread's reports are silenced (the handlers are per thread). */
static void quiet(void)
{
    xmlSetGenericErrorFunc(NULL, no_report);
    xmlSetStructuredErrorFunc(NULL, no_structured_report);
}

static xmlTextReaderPtr reader_for(const struct buf *b, const char *name)
{
    if (b->len > (size_t)INT32_MAX)
        return NULL;
    quiet();
    return xmlReaderForMemory(b->data ? (const char *)b->data : "", (int)b->len, name, NULL,
                              XML_OPTS);
}

enum kr_code sheet__tpl_xml_check(const struct buf *b, const char *name, struct kr_err *err)
{
    const char *why = prolog_problem(b->data, b->len);
    xmlTextReaderPtr r;
    int rc;

    if (why)
        return bad_tpl(err, name, why);
    if (!(r = reader_for(b, name)))
        return bad_tpl(err, name, "is too large");
    while ((rc = xmlTextReaderRead(r)) == 1) {
        int type = xmlTextReaderNodeType(r);
        if (type == XML_READER_TYPE_DOCUMENT_TYPE || type == XML_READER_TYPE_ENTITY_REFERENCE) {
            why = "has a DOCTYPE (never part of an .xlsx; refused)";
            break;
        }
        if (xmlTextReaderDepth(r) > XML_MAXDEPTH) {
            why = "is nested too deeply";
            break;
        }
    }
    xmlFreeTextReader(r);
    if (!why && rc != 0)
        why = "is not well-formed XML";
    return why ? bad_tpl(err, name, why) : KR_OK;
}

/* A small part (already through sheet__tpl_xml_check) as a tree; NULL if not XML. */
static xmlDocPtr parse_small(const struct buf *b, const char *name)
{
    xmlDocPtr d;
    quiet();
    d = b->len <= (size_t)INT32_MAX
                      ? xmlReadMemory((const char *)b->data, (int)b->len, name, NULL, XML_OPTS)
                      : NULL;
    if (d && (d->intSubset || d->extSubset)) {
        xmlFreeDoc(d);
        d = NULL;
    }
    return d;
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

enum kr_code sheet__tpl_find_sheet(const struct buf *wbx, const struct buf *relx,
                                   const struct sheet_schema *s, char part[SHEET__PART_MAX],
                                   char sst[SHEET__PART_MAX], struct kr_err *err)
{
    const size_t pn = SHEET__PART_MAX, sn = SHEET__PART_MAX;
    xmlDocPtr wb = NULL, rels = NULL;
    char *rid = NULL;
    enum kr_code rc = sheet__tpl_xml_check(wbx, "xl/workbook.xml", err);

    if (!rc)
        rc = sheet__tpl_xml_check(relx, "xl/_rels/workbook.xml.rels", err);
    if (!rc && (!(wb = parse_small(wbx, "workbook.xml")) ||
                !(rels = parse_small(relx, "workbook.xml.rels"))))
        rc = bad_tpl(err, "workbook.xml or its relationships", "are not XML");
    if (!rc && !(rid = pick_sheet(wb, s)))
        rc = kr_fail(err, KRS_BAD_TEMPLATE, "template has no sheet '%s' (or sheet %d)",
                     s->nmatch ? s->match[0] : s->sheet_name, s->sheet_index + 1);
    part[0] = '\0';
    if (!rc) {
        read_rels(rels, rid, part, pn, sst, sn);
        if (!part[0])
            rc = bad_tpl(err, "the data sheet", "has no worksheet part");
    }
    xmlFree(rid);
    xmlFreeDoc(wb);
    xmlFreeDoc(rels);
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
    xmlTextReaderPtr r;
    enum kr_code rc = sheet__tpl_xml_check(raw, name, err);
    int got = 0;

    if (rc)
        return rc;
    if (!(r = reader_for(raw, name)))
        return bad_tpl(err, name, "is too large");
    buf_init(&s.text, 0);
    while (!rc && (got = xmlTextReaderRead(r)) == 1)
        rc = sst_node(&s, r, err);
    xmlFreeTextReader(r);
    buf_release(&s.text);
    if (!rc && got != 0)
        rc = bad_tpl(err, name, "is not well-formed XML");
    return rc;
}
