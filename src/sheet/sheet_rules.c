/*
 * sheet_rules.c - the content rules for listing text, as data:
 * rules.json next to the marketplace schemas (format in
 * docs/MARKETPLACES.md, "Content rules").
 *
 * A schema loaded from a folder takes the rules of its marketplace from the
 * rules.json of that folder: the phrase lists (promotional claims, price
 * words, other brands), which of them the marketplace forbids (plus URLs,
 * emoji and HTML), its search-term count limit, how often a title may repeat
 * a word, and the plausible size and
 * weight of its product type. No rules.json means no content rules (only
 * "not found" means absent); a malformed one fails the schema load with
 * KR_EINVAL "bad_schema". The parsed document is kept by the schema and the
 * rules point into it.
 */
#include "sheet/sheet_int.h"

#include <libgen.h>
#include <string.h>

#include "core/util.h"

#define RULES_MAX_BYTES (1u << 20)

static int known_forbid(const char *w)
{
    static const char *const k[] = {"promotional", "price", "other_brands", "url", "emoji", "html"};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (strcmp(k[i], w) == 0)
            return 1;
    return 0;
}

static enum kr_code bad(struct kr_err *err, const char *path, const char *what)
{
    return kr_fail(err, KRS_BAD_SCHEMA, "%s: %s", path, what);
}

/* An array of strings, or NULL (absent): 0 ok, -1 wrong shape. */
static int strings(const json_t *a)
{
    size_t i;
    json_t *v;
    if (!a)
        return 0;
    if (!json_is_array(a))
        return -1;
    json_array_foreach(a, i, v) if (!json_is_string(v) || !json_string_length(v)) return -1;
    return 0;
}

static enum kr_code parse(struct sheet_schema *s, json_t *doc, const char *path, struct kr_err *err)
{
    json_t *lists = json_object_get(doc, "lists"), *mp, *forbid, *pl;
    size_t i;
    json_t *v;

    if (!json_is_object(doc) || json_integer_value(json_object_get(doc, "schema")) != 1)
        return bad(err, path, "rules need \"schema\": 1");
    if ((lists && !json_is_object(lists)) || strings(json_object_get(lists, "promotional")) ||
        strings(json_object_get(lists, "price")) ||
        strings(json_object_get(lists, "other_brands")) ||
        strings(json_object_get(doc, "product_words")))
        return bad(err, path, "\"lists\" holds arrays of non-empty strings");
    mp = json_object_get(json_object_get(doc, "marketplaces"), s->marketplace);
    forbid = json_object_get(mp, "forbid");
    if ((mp && !json_is_object(mp)) || strings(forbid))
        return bad(err, path, "a marketplace's rules are {\"forbid\": [...], ...}");
    json_array_foreach(forbid, i, v) if (!known_forbid(json_string_value(v))) return bad(
        err, path, "forbid lists promotional, price, other_brands, url, emoji or html");
    s->rules.doc = doc;
    s->rules.forbid = forbid;
    s->rules.promotional = json_object_get(lists, "promotional");
    s->rules.price = json_object_get(lists, "price");
    s->rules.brands = json_object_get(lists, "other_brands");
    s->rules.product_words = json_object_get(doc, "product_words");
    s->rules.max_terms = (int)json_integer_value(json_object_get(mp, "keywords_max_terms"));
    s->rules.max_repeats = (int)json_integer_value(json_object_get(mp, "title_max_word_repeats"));
    pl = json_object_get(json_object_get(doc, "plausible"), s->product_type);
    s->rules.max_cm = json_number_value(json_object_get(pl, "max_cm"));
    s->rules.max_g = json_number_value(json_object_get(pl, "max_g"));
    return KR_OK;
}

enum kr_code sheet__rules_attach(struct sheet_schema *s, const char *schema_path,
                                 struct kr_err *err)
{
    char dir[4096], path[4200];
    struct buf b;
    json_error_t je;
    json_t *doc = NULL;
    enum kr_code rc;

    util_strlcpy(dir, schema_path, sizeof dir);
    util_fmt(path, sizeof path, "%s/rules.json", dirname(dir));
    if (!util_file_exists(path))
        return KR_OK;
    buf_init(&b, RULES_MAX_BYTES);
    rc = buf_read_file(&b, path, err);
    if (!rc && !(doc = json_loadb((const char *)b.data, b.len, JSON_REJECT_DUPLICATES, &je)))
        rc = kr_fail(err, KRS_BAD_SCHEMA, "%s:%d: %s", path, je.line, je.text);
    buf_release(&b);
    if (!rc && (rc = parse(s, doc, path, err)) != KR_OK)
        json_decref(doc);
    return rc;
}

int sheet__rules_forbid(const struct sheet_schema *s, const char *what)
{
    size_t i;
    json_t *v;
    json_array_foreach(s->rules.forbid, i, v) if (strcmp(json_string_value(v), what) == 0) return 1;
    return 0;
}
