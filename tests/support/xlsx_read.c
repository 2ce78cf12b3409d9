/*
 * xlsx_read.c - test-side .xlsx reader (see xlsx_read.h).
 *
 * Independent of src/sheet on purpose: it parses the package with libxml2
 * DOM (not the sheet module's streaming reader), so a test that writes with
 * Karat and reads back with this file checks two implementations against
 * each other.
 */
#include "xlsx_read.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#define XOPTS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

static unsigned char *entry_of(zip_t *za, const char *name, size_t *n)
{
    zip_stat_t st;
    zip_file_t *f;
    unsigned char *p;
    if (zip_stat(za, name, 0, &st) || !(st.valid & ZIP_STAT_SIZE) || st.size > (1u << 30))
        return NULL;
    p = malloc(st.size + 1);
    f = p ? zip_fopen(za, name, 0) : NULL;
    if (!f || zip_fread(f, p, st.size) != (zip_int64_t)st.size) {
        if (f)
            zip_fclose(f);
        free(p);
        return NULL;
    }
    zip_fclose(f);
    p[st.size] = '\0';
    if (n)
        *n = st.size;
    return p;
}

static xmlDocPtr doc_of(zip_t *za, const char *name)
{
    size_t n = 0;
    unsigned char *p = entry_of(za, name, &n);
    xmlDocPtr d = p ? xmlReadMemory((const char *)p, (int)n, name, NULL, XOPTS) : NULL;
    free(p);
    return d;
}

static int is_el(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (is_el(c, name))
            return c;
    return NULL;
}

/* <sheet> element number i, or the one named name (when name != NULL). */
static xmlNodePtr sheet_el(xmlDocPtr wb, const char *name, int i)
{
    int k = 0;
    for (xmlNodePtr c = child(child(xmlDocGetRootElement(wb), "sheets"), "sheet"); c; c = c->next) {
        if (!is_el(c, "sheet"))
            continue;
        xmlChar *nm = xmlGetProp(c, BAD_CAST "name");
        int hit = name ? nm && strcmp((char *)nm, name) == 0 : k == i;
        xmlFree(nm);
        if (hit)
            return c;
        k++;
    }
    return NULL;
}

static char *part_of(zip_t *za, const char *sheet)
{
    xmlDocPtr wb = doc_of(za, "xl/workbook.xml"), rels = doc_of(za, "xl/_rels/workbook.xml.rels");
    xmlNodePtr s = wb ? sheet_el(wb, sheet, 0) : NULL;
    char *rid = NULL, *out = NULL;
    for (xmlAttrPtr a = s ? s->properties : NULL; a && !rid; a = a->next)
        if (a->ns && strcmp((const char *)a->name, "id") == 0)
            rid = (char *)xmlNodeGetContent((xmlNodePtr)a);
    for (xmlNodePtr r = rels && rid ? xmlDocGetRootElement(rels)->children : NULL; r && !out;
         r = r->next) {
        xmlChar *id = is_el(r, "Relationship") ? xmlGetProp(r, BAD_CAST "Id") : NULL;
        if (id && strcmp((char *)id, rid) == 0) {
            xmlChar *t = xmlGetProp(r, BAD_CAST "Target");
            out = malloc(strlen((char *)t) + 4);
            if (t[0] == '/')
                strcpy(out, (char *)t + 1);
            else
                strcpy(out, "xl/"), strcat(out, (char *)t);
            xmlFree(t);
        }
        xmlFree(id);
    }
    xmlFree(rid);
    xmlFreeDoc(wb);
    xmlFreeDoc(rels);
    return out;
}

/* Every <si> of the shared strings as text, in order (runs joined). */
static json_t *shared_strings(zip_t *za)
{
    xmlDocPtr d = doc_of(za, "xl/sharedStrings.xml");
    json_t *out = json_array();
    for (xmlNodePtr si = d ? xmlDocGetRootElement(d)->children : NULL; si; si = si->next) {
        size_t len = 0;
        char *text = is_el(si, "si") ? calloc(1, 1) : NULL;
        for (xmlNodePtr c = text ? si->children : NULL; c; c = c->next) {
            xmlNodePtr t = is_el(c, "t") ? c : is_el(c, "r") ? child(c, "t") : NULL;
            xmlChar *txt = t ? xmlNodeGetContent(t) : NULL;
            if (txt) {
                text = realloc(text, len + strlen((char *)txt) + 1);
                strcpy(text + len, (char *)txt);
                len += strlen((char *)txt);
            }
            xmlFree(txt);
        }
        if (text)
            json_array_append_new(out, json_stringn_nocheck(text, len));
        free(text);
    }
    xmlFreeDoc(d);
    return out;
}

/* A cell's text (shared, inline or plain value); NULL for a shared string
 * that does not exist. */
static json_t *cell_text(json_t *strings, xmlNodePtr c)
{
    xmlChar *t = xmlGetProp(c, BAD_CAST "t");
    xmlNodePtr v = child(c, "v"), is = child(c, "is");
    json_t *out;
    if (t && strcmp((char *)t, "inlineStr") == 0 && is) {
        xmlChar *s = xmlNodeGetContent(is);
        out = json_string_nocheck((char *)s);
        xmlFree(s);
    } else if (v) {
        xmlChar *s = xmlNodeGetContent(v);
        out = t && strcmp((char *)t, "s") == 0
                  ? json_incref(json_array_get(strings, (size_t)atol((char *)s)))
                  : json_string_nocheck((char *)s);
        xmlFree(s);
    } else {
        out = json_string("");
    }
    xmlFree(t);
    return out;
}

/* "AB12" -> column 27, row 12; 0 when ref is not a cell reference. */
static int parse_ref(const char *ref, int *col, int *row)
{
    int c = 0, k = 0;
    char *end;
    long r;
    for (; k < 3 && ref[k] >= 'A' && ref[k] <= 'Z'; k++)
        c = c * 26 + (ref[k] - 'A' + 1);
    if (k == 0 || ref[k] < '1' || ref[k] > '9')
        return 0;
    r = strtol(ref + k, &end, 10);
    if (*end || r > 1048576)
        return 0;
    *col = c - 1;
    *row = (int)r;
    return 1;
}

/* rows[row - 1][col] = text, unless that cell was already seen. */
static void put_cell(json_t *rows, int col, int row, json_t *text)
{
    json_t *r;
    while (json_array_size(rows) < (size_t)row)
        json_array_append_new(rows, json_null());
    r = json_array_get(rows, (size_t)row - 1);
    if (json_is_null(r)) {
        r = json_array();
        json_array_set_new(rows, (size_t)row - 1, r);
    }
    while (json_array_size(r) <= (size_t)col)
        json_array_append_new(r, json_null());
    if (json_is_null(json_array_get(r, (size_t)col)) && text)
        json_array_set(r, (size_t)col, text);
}

static json_t *rows_in(zip_t *za, const char *sheet)
{
    char *part = za ? part_of(za, sheet) : NULL;
    xmlDocPtr d = part ? doc_of(za, part) : NULL;
    xmlNodePtr data = d ? child(xmlDocGetRootElement(d), "sheetData") : NULL;
    json_t *rows = data ? json_array() : NULL, *strings = data ? shared_strings(za) : NULL;
    for (xmlNodePtr row = data ? data->children : NULL; row; row = row->next)
        for (xmlNodePtr c = is_el(row, "row") ? row->children : NULL; c; c = c->next) {
            xmlChar *r = is_el(c, "c") ? xmlGetProp(c, BAD_CAST "r") : NULL;
            int col, rn;
            if (r && parse_ref((char *)r, &col, &rn)) {
                json_t *text = cell_text(strings, c);
                put_cell(rows, col, rn, text);
                json_decref(text);
            }
            xmlFree(r);
        }
    json_decref(strings);
    xmlFreeDoc(d);
    free(part);
    return rows;
}

json_t *tu_xlsx_rows(const char *path, const char *sheet)
{
    zip_t *za = zip_open(path, ZIP_RDONLY, NULL);
    json_t *rows = rows_in(za, sheet);
    if (za)
        zip_discard(za);
    return rows;
}

json_t *tu_xlsx_rows_mem(const void *data, size_t n, const char *sheet)
{
    zip_source_t *src = zip_source_buffer_create(data, n, 0, NULL);
    zip_t *za = src ? zip_open_from_source(src, ZIP_RDONLY, NULL) : NULL;
    json_t *rows = rows_in(za, sheet);
    if (za)
        zip_discard(za);
    else
        zip_source_free(src);
    return rows;
}

const char *tu_xlsx_at(json_t *rows, int col, int row)
{
    return row < 1 || col < 0 ? NULL
                              : json_string_value(json_array_get(
                                    json_array_get(rows, (size_t)row - 1), (size_t)col));
}

void tu_xlsx_ref(int col, int row, char *out, size_t n)
{
    char letters[4] = "";
    int k = 3;
    for (int c = col + 1; c > 0 && k > 0; c = (c - 1) / 26)
        letters[--k] = (char)('A' + (c - 1) % 26);
    snprintf(out, n, "%s%d", letters + k, row);
}

/* The cell named ref in rows, malloc'd. */
static char *cell_of(json_t *rows, const char *ref)
{
    int col, row;
    const char *text = parse_ref(ref, &col, &row) ? tu_xlsx_at(rows, col, row) : NULL;
    char *out = text ? strdup(text) : NULL;
    json_decref(rows);
    return out;
}

char *tu_xlsx_cell(const char *path, const char *sheet, const char *ref)
{
    return cell_of(tu_xlsx_rows(path, sheet), ref);
}

char *tu_xlsx_cell_mem(const void *data, size_t n, const char *sheet, const char *ref)
{
    return cell_of(tu_xlsx_rows_mem(data, n, sheet), ref);
}

unsigned char *tu_xlsx_entry(const char *path, const char *entry, size_t *n)
{
    zip_t *za = zip_open(path, ZIP_RDONLY, NULL);
    unsigned char *p = za ? entry_of(za, entry, n) : NULL;
    if (za)
        zip_discard(za);
    return p;
}

char *tu_xlsx_sheet_part(const char *path, const char *sheet)
{
    zip_t *za = zip_open(path, ZIP_RDONLY, NULL);
    char *p = za ? part_of(za, sheet) : NULL;
    if (za)
        zip_discard(za);
    return p;
}

char *tu_xlsx_sheet_xml(const char *path, const char *sheet)
{
    char *part = tu_xlsx_sheet_part(path, sheet);
    char *x = part ? (char *)tu_xlsx_entry(path, part, NULL) : NULL;
    free(part);
    return x;
}

int tu_xlsx_sheet_count(const char *path)
{
    zip_t *za = zip_open(path, ZIP_RDONLY, NULL);
    xmlDocPtr wb = za ? doc_of(za, "xl/workbook.xml") : NULL;
    int n = 0;
    while (wb && sheet_el(wb, NULL, n))
        n++;
    xmlFreeDoc(wb);
    if (za)
        zip_discard(za);
    return n;
}

char *tu_xlsx_sheet_name(const char *path, int i)
{
    zip_t *za = zip_open(path, ZIP_RDONLY, NULL);
    xmlDocPtr wb = za ? doc_of(za, "xl/workbook.xml") : NULL;
    xmlNodePtr s = wb ? sheet_el(wb, NULL, i) : NULL;
    xmlChar *nm = s ? xmlGetProp(s, BAD_CAST "name") : NULL;
    char *out = nm ? strdup((char *)nm) : NULL;
    xmlFree(nm);
    xmlFreeDoc(wb);
    if (za)
        zip_discard(za);
    return out;
}

int tu_xlsx_entry_count(const char *path)
{
    zip_t *za = zip_open(path, ZIP_RDONLY, NULL);
    int n = za ? (int)zip_get_num_entries(za, 0) : -1;
    if (za)
        zip_discard(za);
    return n;
}

char *tu_xlsx_entry_name(const char *path, int i)
{
    zip_t *za = zip_open(path, ZIP_RDONLY, NULL);
    const char *nm = za ? zip_get_name(za, (zip_uint64_t)i, 0) : NULL;
    char *out = nm ? strdup(nm) : NULL;
    if (za)
        zip_discard(za);
    return out;
}
