/*
 * sheet_xml.c - the one XML reader of a template's parts, and the
 * serialiser that writes a part back from that reader's node stream.
 *
 * Every part (workbook, relationships, shared strings, the worksheet, the
 * content types) is read here by libxml2's xmlTextReader, so they all agree
 * on what the markup is: a comment, CDATA section or processing
 * instruction that merely contains "<sheetData/>" is text to everyone.
 * The reader streams (constant memory whatever the size; no tree is ever
 * built), never touches the network, loads no DTD, substitutes no entity,
 * keeps libxml2's default size limits (XML_PARSE_HUGE off), and stops past
 * XML_MAXDEPTH levels. OOXML never has a DOCTYPE, and a DOCTYPE is the only
 * way to declare the entities behind "billion laughs" expansion, so a part
 * whose prolog holds one is refused before libxml2 sees it (a lexical look
 * at the prolog, which is why parts must be in an ASCII-compatible encoding
 * such as UTF-8, as Excel writes them), and the reader refuses one too.
 *
 * The serialiser writes each node back as read: start tags with their
 * attributes (namespace declarations included) in order, double-quoted;
 * text escaped (&, <, >); comments, CDATA and PIs as they were; an empty
 * element <a/> stays empty and <a></a> stays a pair. What can change is
 * only spelling the reader does not report: the XML declaration (rewritten
 * as UTF-8), quote characters, character references, whitespace between
 * attributes and outside the root.
 */
#include "sheet/sheet_int.h"

#include <libxml/parser.h>
#include <string.h>

#define XML_OPTS     (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)
#define XML_MAXDEPTH 64 /* worksheets nest 5 deep; workbooks a little more */
#define NS_MAIN      "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NS_STRICT    "http://purl.oclc.org/ooxml/spreadsheetml/main"
#define NO_DOCTYPE   "has a DOCTYPE (never part of an .xlsx; refused)"

/* The prolog: BOM, XML declaration, comments, processing instructions and
 * space up to the first element. NULL fine, else the refusal reason. */
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
            return NO_DOCTYPE;
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

enum kr_code sheet__xml_open(struct sheet_xr *x, const struct buf *b, const char *name,
                             struct kr_err *err)
{
    memset(x, 0, sizeof *x);
    x->name = name;
    x->why = prolog_problem(b->data, b->len);
    if (!x->why && b->len > (size_t)INT32_MAX)
        x->why = "is too large";
    if (x->why)
        return sheet__xml_fail(x, err);
    /* libxml2 prints some errors (input encoding, I/O) to stderr whatever
     * the options say; they reach us as failures anyway, so this thread's
     * reports are silenced (the handlers are per thread) */
    xmlSetGenericErrorFunc(NULL, no_report);
    xmlSetStructuredErrorFunc(NULL, no_structured_report);
    x->r = xmlReaderForMemory((const char *)b->data, (int)b->len, name, NULL, XML_OPTS);
    return x->r ? KR_OK : kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
}

int sheet__xml_read(struct sheet_xr *x)
{
    int rc = xmlTextReaderRead(x->r), type;
    if (rc == 0)
        return 0;
    if (rc < 0) {
        x->why = "is not well-formed XML";
        return -1;
    }
    type = xmlTextReaderNodeType(x->r);
    if (type == XML_READER_TYPE_DOCUMENT_TYPE || type == XML_READER_TYPE_ENTITY_REFERENCE ||
        type == XML_READER_TYPE_ENTITY)
        x->why = NO_DOCTYPE;
    else if (xmlTextReaderDepth(x->r) > XML_MAXDEPTH)
        x->why = "is nested too deeply";
    return x->why ? -1 : 1;
}

enum kr_code sheet__xml_fail(const struct sheet_xr *x, struct kr_err *err)
{
    if (x->rc)
        return kr_fail(err, kr_slug_grow(x->rc), "out of memory");
    return kr_fail(err, KRS_BAD_TEMPLATE, "template: %s %s", x->name,
                   x->why ? x->why : "is not well-formed XML");
}

void sheet__xml_close(struct sheet_xr *x)
{
    if (x->r)
        xmlFreeTextReader(x->r);
    x->r = NULL;
}

int sheet__xml_type(const struct sheet_xr *x)
{
    return xmlTextReaderNodeType(x->r);
}

int sheet__xml_depth(const struct sheet_xr *x)
{
    return xmlTextReaderDepth(x->r);
}

int sheet__xml_is(const struct sheet_xr *x, const char *local, int main)
{
    int type = xmlTextReaderNodeType(x->r);
    const char *name = (const char *)xmlTextReaderConstLocalName(x->r), *ns;
    if ((type != XML_READER_TYPE_ELEMENT && type != XML_READER_TYPE_END_ELEMENT) || !name ||
        strcmp(name, local) != 0)
        return 0;
    if (!main)
        return 1;
    ns = (const char *)xmlTextReaderConstNamespaceUri(x->r);
    return ns && (strcmp(ns, NS_MAIN) == 0 || strcmp(ns, NS_STRICT) == 0);
}

int sheet__xml_attr(const struct sheet_xr *x, const char *name, char *out, size_t cap)
{
    const char *v;
    size_t n;
    if (xmlTextReaderMoveToAttribute(x->r, BAD_CAST name) != 1)
        return 0;
    v = (const char *)xmlTextReaderConstValue(x->r);
    n = v ? strlen(v) : 0;
    if (n < cap)
        memcpy(out, v ? v : "", n + 1);
    xmlTextReaderMoveToElement(x->r);
    return n < cap ? 1 : -1;
}

void sheet__xml_put(struct sheet_xr *x, const void *p, size_t n)
{
    if (x->out && !x->rc && buf_append(x->out, p, n))
        x->rc = KR_ENOMEM;
}

void sheet__xml_puts(struct sheet_xr *x, const char *s)
{
    sheet__xml_put(x, s, strlen(s));
}

void sheet__xml_put_escaped(struct sheet_xr *x, const char *s, int attr)
{
    static const char special[] = "&<>\r\"\n\t"; /* text escapes the first four */
    static const char *const rep[] = {"&amp;", "&lt;", "&gt;", "&#13;", "&quot;", "&#10;", "&#9;"};
    for (;;) {
        size_t n = strcspn(s, attr ? special : "&<>\r");
        sheet__xml_put(x, s, n);
        if (!s[n])
            return;
        sheet__xml_puts(x, rep[strchr(special, s[n]) - special]);
        s += n + 1;
    }
}

/* The XML declaration, before the first node written. */
static void put_decl(struct sheet_xr *x)
{
    const char *v = (const char *)xmlTextReaderConstXmlVersion(x->r);
    int sa = xmlTextReaderStandalone(x->r);
    x->decl = 1;
    sheet__xml_puts(x, "<?xml version=\"");
    sheet__xml_puts(x, v && strcmp(v, "1.1") == 0 ? "1.1" : "1.0");
    sheet__xml_puts(x, "\" encoding=\"UTF-8\"");
    sheet__xml_puts(x, sa == 1   ? " standalone=\"yes\"?>\n"
                       : sa == 0 ? " standalone=\"no\"?>\n"
                                 : "?>\n");
}

void sheet__xml_put_open(struct sheet_xr *x, struct sheet_xml_open *o)
{
    int empty = xmlTextReaderIsEmptyElement(x->r);
    if (!x->out)
        return;
    if (!x->decl)
        put_decl(x);
    sheet__xml_puts(x, "<");
    sheet__xml_puts(x, (const char *)xmlTextReaderConstName(x->r));
    for (int more = xmlTextReaderMoveToFirstAttribute(x->r); more == 1;
         more = xmlTextReaderMoveToNextAttribute(x->r)) {
        const char *name = (const char *)xmlTextReaderConstName(x->r);
        const char *v = (const char *)xmlTextReaderConstValue(x->r);
        if (o && o->drop && strcmp(name, o->drop) == 0)
            continue;
        sheet__xml_puts(x, " ");
        sheet__xml_puts(x, name);
        sheet__xml_puts(x, "=\"");
        if (o && o->mark && strcmp(name, o->mark) == 0)
            o->mark_start = x->out->len;
        sheet__xml_put_escaped(x, v ? v : "", 1);
        if (o && o->mark && strcmp(name, o->mark) == 0)
            o->mark_end = x->out->len;
        sheet__xml_puts(x, "\"");
    }
    xmlTextReaderMoveToElement(x->r);
    if (!o || !o->open)
        sheet__xml_puts(x, empty ? "/>" : ">");
}

void sheet__xml_copy(struct sheet_xr *x)
{
    const char *v;
    if (!x->out)
        return;
    switch (xmlTextReaderNodeType(x->r)) {
    case XML_READER_TYPE_ELEMENT:
        sheet__xml_put_open(x, NULL);
        return;
    case XML_READER_TYPE_END_ELEMENT:
        sheet__xml_puts(x, "</");
        sheet__xml_puts(x, (const char *)xmlTextReaderConstName(x->r));
        sheet__xml_puts(x, ">");
        return;
    case XML_READER_TYPE_TEXT:
    case XML_READER_TYPE_WHITESPACE:
    case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
        v = (const char *)xmlTextReaderConstValue(x->r);
        sheet__xml_put_escaped(x, v ? v : "", 0);
        return;
    default:
        break;
    }
    if (!x->decl)
        put_decl(x);
    v = (const char *)xmlTextReaderConstValue(x->r);
    switch (xmlTextReaderNodeType(x->r)) {
    case XML_READER_TYPE_CDATA:
        sheet__xml_puts(x, "<![CDATA["), sheet__xml_puts(x, v ? v : ""), sheet__xml_puts(x, "]]>");
        break;
    case XML_READER_TYPE_COMMENT:
        sheet__xml_puts(x, "<!--"), sheet__xml_puts(x, v ? v : ""), sheet__xml_puts(x, "-->");
        break;
    case XML_READER_TYPE_PROCESSING_INSTRUCTION:
        sheet__xml_puts(x, "<?");
        sheet__xml_puts(x, (const char *)xmlTextReaderConstName(x->r));
        if (v && *v)
            sheet__xml_puts(x, " "), sheet__xml_puts(x, v);
        sheet__xml_puts(x, "?>");
        break;
    default:
        break; /* nothing else reaches the stream without a DTD */
    }
}

/* "AB12" -> col 27 (0-based), row 12; 0 if malformed. */
int sheet__xml_cell_ref(const char *s, size_t n, int *col, int *row)
{
    size_t i = 0;
    long c = 0, r = 0;
    while (i < n && s[i] >= 'A' && s[i] <= 'Z' && c <= SHEET_MAX_COL)
        c = c * 26 + (s[i++] - 'A' + 1);
    if (c == 0 || c > SHEET_MAX_COL)
        return 0;
    while (i < n && s[i] >= '0' && s[i] <= '9' && r <= SHEET_MAX_ROW)
        r = r * 10 + (s[i++] - '0');
    if (i != n || r < 1 || r > SHEET_MAX_ROW)
        return 0;
    *col = (int)c - 1;
    *row = (int)r;
    return 1;
}
