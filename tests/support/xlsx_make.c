/*
 * xlsx_make.c - test archives made in memory (see xlsx_make.h).
 */
#include "xlsx_make.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "core/buf.h"

#define NS_MAIN "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NS_REL  "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define NS_PKG  "http://schemas.openxmlformats.org/package/2006/relationships"

unsigned char *tu_zip_make(const struct tu_zip_entry *e, size_t n, size_t *len)
{
    zip_error_t ze;
    zip_source_t *src;
    zip_t *za;
    zip_stat_t st;
    unsigned char *out = NULL;

    zip_error_init(&ze);
    src = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_source_keep(src);
    za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    for (size_t i = 0; za && i < n; i++) {
        size_t l = e[i].len ? e[i].len : strlen(e[i].data);
        zip_source_t *s = zip_source_buffer(za, e[i].data, l, 0);
        if (!s || zip_file_add(za, e[i].name, s, ZIP_FL_ENC_UTF_8) < 0)
            zip_source_free(s);
    }
    if (za && zip_close(za) == 0 && zip_source_stat(src, &st) == 0 && zip_source_open(src) == 0) {
        out = malloc(st.size ? st.size : 1);
        *len = out ? (size_t)zip_source_read(src, out, st.size) : 0;
        zip_source_close(src);
    }
    zip_source_free(src);
    zip_error_fini(&ze);
    return out;
}

static const char default_sheet[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<worksheet xmlns=\"" NS_MAIN "\"><dimension ref=\"A1:B1\"/><sheetData><row r=\"1\">"
    "<c r=\"A1\" t=\"inlineStr\"><is><t>Seller SKU ID</t></is></c>"
    "<c r=\"B1\" t=\"inlineStr\"><is><t>Color</t></is></c></row></sheetData></worksheet>";

unsigned char *tu_xlsx_min(const struct tu_xlsx_parts *p, size_t *len)
{
    char ct[1024], rels[1024], wb[1024];
    struct tu_zip_entry e[6],
        sheet = {"xl/worksheets/sheet1.xml", p->sheet ? p->sheet : default_sheet, p->sheet_len};
    size_t n = 0;

    snprintf(ct, sizeof ct,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types "
             "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
             "<Default Extension=\"rels\" "
             "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
             "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
             "<Override PartName=\"/xl/workbook.xml\" "
             "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet."
             "main+xml\"/></Types>");
    snprintf(rels, sizeof rels,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"" NS_PKG "\">"
             "<Relationship Id=\"rId1\" Type=\"" NS_REL "/worksheet\" "
             "Target=\"worksheets/sheet1.xml\"/>%s</Relationships>",
             p->sst ? "<Relationship Id=\"rId2\" Type=\"" NS_REL "/sharedStrings\" "
                      "Target=\"sharedStrings.xml\"/>"
                    : "");
    snprintf(wb, sizeof wb,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"" NS_MAIN "\" "
             "xmlns:r=\"" NS_REL "\"><sheets><sheet name=\"%s\" sheetId=\"1\" r:id=\"rId1\"/>"
             "</sheets></workbook>",
             p->sheet_name ? p->sheet_name : "earring");
    if (p->sheet_pos == 0)
        e[n++] = sheet;
    e[n++] = (struct tu_zip_entry){"[Content_Types].xml", ct, 0};
    e[n++] = (struct tu_zip_entry){"xl/workbook.xml", p->workbook ? p->workbook : wb, 0};
    if (p->sheet_pos > 0)
        e[n++] = sheet;
    e[n++] = (struct tu_zip_entry){"xl/_rels/workbook.xml.rels", rels, 0};
    if (p->sst)
        e[n++] = (struct tu_zip_entry){"xl/sharedStrings.xml", p->sst, 0};
    if (p->sheet_pos < 0)
        e[n++] = sheet;
    return tu_zip_make(e, n, len);
}

char *tu_xml_laughs(const char *before, const char *after, size_t size, int n)
{
    struct buf b;
    buf_init(&b, 0);
    buf_appendf(&b, "<?xml version=\"1.0\"?>\n<!-- a comment first -->\n"
                    "<!DOCTYPE x [<!ENTITY e \"");
    for (size_t i = 0; i < size; i++)
        buf_append(&b, "a", 1);
    buf_appendf(&b, "\">]>%s", before);
    for (int i = 0; i < n; i++)
        buf_append(&b, "&e;", 3);
    buf_appendf(&b, "%s", after);
    return (char *)buf_detach(&b, &size);
}

static unsigned get16(const unsigned char *p)
{
    return p[0] | (unsigned)p[1] << 8;
}

int tu_zip_break_offset(unsigned char *zip, size_t len, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i + 46 <= len; i++) {
        if (memcmp(zip + i, "PK\x01\x02", 4) || get16(zip + i + 28) != nl || i + 46 + nl > len ||
            memcmp(zip + i + 46, name, nl))
            continue;
        zip[i + 42]++; /* low byte of the local header offset */
        return 0;
    }
    return -1;
}
