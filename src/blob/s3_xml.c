/*
 * s3_xml.c - the XML of S3 replies, read with libxml2.
 *
 * Replies are parsed with no network access, no entity substitution and no
 * DTD loading (XML_PARSE_NONET, nothing that expands entities): a reply is
 * data from a remote service, never trusted to pull more in. Elements are
 * matched by their local name only: S3-compatible services differ in the
 * namespace they declare (s3rver declares a wrong one).
 */
#include "blob/s3_int.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#include "core/util.h"

#define PARSE_OPTS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

static xmlDocPtr parse(const void *xml, size_t n)
{
    if (!xml || n == 0 || n > (size_t)64 << 20)
        return NULL;
    return xmlReadMemory(xml, (int)n, "s3-reply.xml", NULL, PARSE_OPTS);
}

static int named(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && strcmp((const char *)node->name, name) == 0;
}

static const xmlNode *child(const xmlNode *parent, const char *name)
{
    for (const xmlNode *c = parent ? parent->children : NULL; c; c = c->next)
        if (named(c, name))
            return c;
    return NULL;
}

/* The text of node into out ("" when node is NULL or empty). */
static void text_of(const xmlNode *node, char *out, size_t n)
{
    xmlChar *t = node ? xmlNodeGetContent(node) : NULL;
    util_strlcpy(out, t ? (const char *)t : "", n);
    xmlFree(t);
}

/* Depth-first search for the first element named name. */
static const xmlNode *find(const xmlNode *node, const char *name)
{
    for (; node; node = node->next) {
        const xmlNode *hit;
        if (named(node, name))
            return node;
        hit = find(node->children, name);
        if (hit)
            return hit;
    }
    return NULL;
}

void blob__s3_xml_error(const void *xml, size_t n, char *code, size_t cn, char *msg, size_t mn)
{
    xmlDocPtr doc = parse(xml, n);
    const xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;

    code[0] = msg[0] = '\0';
    if (root && named(root, "Error")) {
        text_of(child(root, "Code"), code, cn);
        text_of(child(root, "Message"), msg, mn);
    }
    if (doc)
        xmlFreeDoc(doc);
}

enum kr_code blob__s3_xml_text(const void *xml, size_t n, const char *name, char *out, size_t on,
                          struct kr_err *err)
{
    xmlDocPtr doc = parse(xml, n);
    const xmlNode *hit = doc ? find(xmlDocGetRootElement(doc), name) : NULL;

    if (hit)
        text_of(hit, out, on);
    if (doc)
        xmlFreeDoc(doc);
    if (!hit || !*out)
        return kr_fail(err, KRS_S3_BAD_REPLY, "s3: reply without <%s>", name);
    return KR_OK;
}

enum kr_code blob__s3_xml_list(const void *xml, size_t n, struct s3_list_page *pg,
                               struct kr_err *err)
{
    xmlDocPtr doc = parse(xml, n);
    const xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    char key[1024], trunc[16];

    pg->next[0] = '\0';
    pg->stopped = 0;
    if (!root || !named(root, "ListBucketResult")) {
        if (doc)
            xmlFreeDoc(doc);
        return kr_fail(err, KRS_S3_BAD_REPLY, "s3: not a ListBucketResult");
    }
    for (const xmlNode *c = root->children; c && !pg->stopped; c = c->next) {
        if (!named(c, "Contents"))
            continue;
        text_of(child(c, "Key"), key, sizeof key);
        if (*key && pg->cb(key, pg->ctx))
            pg->stopped = 1;
    }
    text_of(child(root, "IsTruncated"), trunc, sizeof trunc);
    if (strcmp(trunc, "true") == 0)
        text_of(child(root, "NextContinuationToken"), pg->next, sizeof pg->next);
    xmlFreeDoc(doc);
    if (strcmp(trunc, "true") == 0 && !pg->next[0] && !pg->stopped)
        return kr_fail(err, KRS_S3_BAD_REPLY,
                       "s3: truncated listing without a continuation token");
    return KR_OK;
}
