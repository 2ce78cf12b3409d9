/*
 * item.c - one product through the models: photo -> attributes,
 * measurements and listing copy, with the SKU cache in front of each model.
 *
 * Steps (catalog__item_run):
 *   1. read the photo through catalog_io (bounded) and probe it, so a
 *      non-image fails here with a clear error and costs no model call;
 *   2. attributes + measurements (the schema's "attr" and "dims" columns)
 *      in one ai_extract call; a measurement is filled only when the photo
 *      shows a scale (the instructions say so, and providers leave unknown
 *      fields out with a note rather than invent them);
 *   3. listing copy (the "copy" columns: title, bullets, description,
 *      keywords) with ai_copy, given the attributes and the seller profile;
 *      only the copy fields the cache does not hold are asked for; copy that
 *      breaks the marketplace's rules is asked for once more;
 *   4. with a model for attributes, the offline analysis of the photo
 *      (pearls, stones, silhouette) for the row check to compare against.
 * The original paced itself with a 30 s sleep every 5 photos; here the job
 * runner's worker pool and the AI layer's per-provider limits do that.
 *
 * The SKU cache the two model steps consult is at the end of this file.
 */
#include "catalog/catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/util.h"
#include "image/image.h"
#include "store/store.h"

#define DIMS_INSTRUCTIONS                                                                          \
    "Measurement fields: fill them only when the photo shows a ruler or measuring scale; read "    \
    "the size of the piece against it, assuming the scale spans 21 cm along the vertical edge "    \
    "and 15 cm along the horizontal edge. Without a visible scale leave every measurement out."

struct item {
    struct catalog *c;
    const struct sheet_schema *s;
    const char *sku;
    char sizes[64]; /* the seller's height / width ("h=32;w=18"), "" when not given */
    struct ai_image img;
    char sha[65];
    json_t *values, *notes;
    int attr_cached, copy_cached;
};

static enum kr_code read_photo(struct item *x, const char *ref, struct buf *b, struct kr_err *err)
{
    struct image_info info;
    enum kr_code rc;

    if (!ref || !*ref)
        return kr_fail(err, KRS_MISSING_IMAGE, "no image URL for this product");
    buf_init(b, x->c->o.max_image_bytes);
    rc = x->c->o.io.read(x->c->o.io.ctx, ref, b, err);
    if (rc == KR_ELIMIT)
        kr_fail(err, KRS_IMAGE_TOO_LARGE, "the image is larger than %zu bytes",
                x->c->o.max_image_bytes);
    if (!rc && b->len == 0)
        rc = kr_fail(err, KRS_EMPTY_IMAGE, "the image is empty");
    if (!rc)
        rc = image_probe(b->data, b->len, x->c->o.max_pixels, &info, err);
    if (rc) {
        kr_err_prefix(err, "%.200s: ", ref);
        return rc;
    }
    x->img = (struct ai_image){b->data, b->len, info.mime};
    util_sha256_hex(b->data, b->len, x->sha);
    return KR_OK;
}

/* Fields of the given sources into a new array; *n = count (0 is fine). */
static struct ai_field *fields_of(const struct sheet_schema *s, const enum sheet_source *src,
                                  int nsrc, size_t *n)
{
    struct ai_field *f = calloc(CATALOG_MAX_FIELDS, sizeof *f);
    size_t k = 0;

    for (int i = 0; f && i < nsrc; i++) {
        size_t want = sheet_ai_fields(s, src[i], f + k, CATALOG_MAX_FIELDS - k);
        k += want < CATALOG_MAX_FIELDS - k ? want : CATALOG_MAX_FIELDS - k;
    }
    *n = k;
    return f;
}

static void merge(json_t *into, json_t *from)
{
    if (json_is_object(from))
        json_object_update(into, from);
}

static enum kr_code ask_attributes(struct item *x, struct kr_err *err)
{
    static const enum sheet_source src[] = {SHEET_SRC_ATTR, SHEET_SRC_DIMS};
    size_t n;
    struct ai_field *f = fields_of(x->s, src, 2, &n);
    char hash[17];
    json_t *out = NULL, *notes = NULL, *cached;
    enum kr_code rc = KR_OK;

    if (!f)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    catalog__fields_hash(f, n, hash);
    struct catalog_cache_id id = {x->s, "attributes", hash, x->sku, x->sha};
    cached = n ? catalog__cache_get(x->c, &id) : NULL;
    if (cached || n == 0) {
        x->attr_cached = cached != NULL;
        atomic_fetch_add(&x->c->cache_hits, cached != NULL);
        merge(x->values, cached);
        json_decref(cached);
        free(f);
        return KR_OK;
    }
    atomic_fetch_add(&x->c->cache_misses, 1);
    struct ai_extract_req req = {&x->img, 1, sheet_product_type(x->s), sheet_marketplace(x->s),
                                 f,       n, DIMS_INSTRUCTIONS};
    atomic_fetch_add(&x->c->extract_calls, 1);
    rc = ai_extract(x->c->o.ai, &req, &out, &notes, err);
    if (rc == KR_OK) {
        merge(x->values, out);
        merge(x->notes, notes);
        catalog__cache_put(x->c, &id, out);
    } else {
        kr_err_prefix(err, "attributes: ");
    }
    json_decref(out);
    json_decref(notes);
    free(f);
    return rc;
}

/* A value the SKU cache keeps (and so a field it holds): a non-empty string
 * or array, or a number. */
static int worth_keeping(json_t *v)
{
    if (json_is_string(v))
        return json_string_length(v) > 0;
    if (json_is_array(v))
        return json_array_size(v) > 0;
    return json_is_number(v);
}

/* Drop the fields the cache already holds; returns how many are left. */
static size_t missing_only(struct ai_field *f, size_t n, json_t *have)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!worth_keeping(json_object_get(have, f[i].name)))
            f[k++] = f[i];
    return k;
}

/* The rule problems of the copy columns of (values + copy) as one line
 * ("bullet_point2: duplicate_bullet; ..."), or NULL when there are none. */
static char *copy_problems(struct item *x, json_t *copy)
{
    json_t *values = json_deep_copy(x->values), *row = NULL, *warnings = NULL, *w;
    struct buf text;
    size_t i;

    buf_init(&text, 0);
    json_object_update(values, copy);
    if (values && catalog__row(x->s, &(struct catalog_row_src){x->sku, values, NULL}, &row,
                               &warnings, NULL) == KR_OK) {
        json_array_foreach(warnings, i, w)
        {
            const char *col = catalog__str(w, "column"), *pb = catalog__str(w, "problem");
            const struct sheet_column *c = sheet_find_column(x->s, col);
            if (c && c->source == SHEET_SRC_COPY && !strcmp(sheet_problem_severity(pb), "error"))
                buf_appendf(&text, "%s%s: %s (%.80s)", text.len ? "; " : "", col, pb,
                            catalog__str(w, "value"));
        }
    }
    json_decref(values);
    json_decref(row);
    json_decref(warnings);
    if (!text.len) {
        buf_release(&text);
        return NULL;
    }
    return (char *)text.data; /* buf data is malloc'd and NUL-terminated */
}

/* A model's copy that breaks the rules is asked for once more, with the
 * problems listed; the second reply is kept if the call works (its
 * remaining problems become the row's warnings), else the first. The
 * offline provider is deterministic, so it is not asked again. */
static void reask_copy(struct item *x, struct ai_copy_req *req, json_t **out)
{
    char *problems;
    json_t *again = NULL;
    struct kr_err err = {0};

    if (!strcmp(ai_provider_name(x->c->o.ai, AI_ROLE_COPY), "offline") ||
        !(problems = copy_problems(x, *out)))
        return;
    req->problems = problems;
    atomic_fetch_add(&x->c->copy_calls, 1);
    atomic_fetch_add(&x->c->copy_reasks, 1);
    if (ai_copy(x->c->o.ai, req, &again, &err) == KR_OK) {
        json_decref(*out);
        *out = again;
    } else {
        log_warn("listing copy for %s: the re-ask failed (%s); keeping the first reply", x->sku,
                 err.msg);
    }
    req->problems = NULL;
    free(problems);
}

static enum kr_code ask_copy(struct item *x, struct kr_err *err)
{
    static const enum sheet_source src[] = {SHEET_SRC_COPY};
    size_t n, nmiss;
    struct ai_field *f = fields_of(x->s, src, 1, &n);
    char hash[17];
    json_t *cached, *out = NULL;
    enum kr_code rc = KR_OK;

    if (!f)
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    catalog__fields_hash(f, n, hash);
    if (x->sizes[0]) { /* copy written for a given size is its own entry */
        char both[96], hex[65];
        snprintf(both, sizeof both, "%s;%s", hash, x->sizes);
        util_sha256_hex((const unsigned char *)both, strlen(both), hex);
        memcpy(hash, hex, 16);
    }
    struct catalog_cache_id id = {x->s, "copy", hash, x->sku, NULL};
    cached = n ? catalog__cache_get(x->c, &id) : NULL;
    if (!cached)
        cached = json_object();
    nmiss = missing_only(f, n, cached);
    x->copy_cached = n > 0 && nmiss == 0;
    atomic_fetch_add(nmiss ? &x->c->cache_misses : &x->c->cache_hits, n > 0);
    if (nmiss) {
        struct ai_copy_req req = {AI_COPY_LISTING,
                                  sheet_product_type(x->s),
                                  sheet_marketplace(x->s),
                                  x->values,
                                  x->c->o.profile,
                                  NULL,
                                  NULL,
                                  f,
                                  nmiss,
                                  NULL};
        atomic_fetch_add(&x->c->copy_calls, 1);
        rc = ai_copy(x->c->o.ai, &req, &out, err);
        if (rc == KR_OK)
            reask_copy(x, &req, &out);
        if (rc == KR_OK) {
            merge(cached, out); /* cached + new: everything known for this SKU */
            catalog__cache_put(x->c, &id, cached);
        } else {
            kr_err_prefix(err, "listing copy: ");
        }
    }
    if (rc == KR_OK)
        merge(x->values, cached);
    json_decref(out);
    json_decref(cached);
    free(f);
    return rc;
}

/* A model's attributes are checked against the offline analysis of the
 * photo: its trusted answers go into the result as "analysis" (the offline
 * provider's values already come from it). A photo the analysis cannot
 * read adds nothing. */
static json_t *analysis_of(struct item *x)
{
    struct ai_analysis a;
    struct kr_err err = {0};
    double thr = ai_min_confidence(x->c->o.ai);
    json_t *o;

    if (!strcmp(ai_provider_name(x->c->o.ai, AI_ROLE_ATTR), "offline") ||
        ai_analyse_image(&x->img, x->c->o.max_pixels, sheet_product_type(x->s),
                         ai_segmenter_of(x->c->o.ai), &a, &err))
        return json_object();
    o = json_object();
    if (a.pearls_conf >= thr)
        json_object_set_new(o, "pearls", json_integer(a.pearls));
    if (a.stones_conf >= thr)
        json_object_set_new(o, "stones", json_integer(a.stones));
    if (a.shape_conf >= thr && a.shape[0])
        json_object_set_new(o, "shape", json_string(a.shape));
    return o;
}

/* Centimetres per unit of measurement column col: "(mm)", "(cm)", "(inch)"
 * in its name, else the fixed value of its "<name>_unit_of_measure" column;
 * 0 when neither says. */
static double cm_per_unit(const struct sheet_schema *s, const struct sheet_column *col)
{
    char sib[160];
    const struct sheet_column *u;
    const char *unit = col->name;
    if (!strcasestr(unit, "mm") && !strcasestr(unit, "cm") && !strcasestr(unit, "inch")) {
        snprintf(sib, sizeof sib, "%s_unit_of_measure", col->name);
        u = sheet_find_column(s, sib);
        unit = u && u->value ? u->value : "";
    }
    return strcasestr(unit, "mm")     ? 0.1
           : strcasestr(unit, "cm")   ? 1
           : strcasestr(unit, "inch") ? 2.54
                                      : 0;
}

/* The seller's height / width (mm, from the request) into the schema's
 * height / width measurement columns, replacing what the photo gave and
 * its "left blank" note. */
static void given_sizes(struct item *x, const json_t *in)
{
    json_t *h = json_object_get(in, "height_mm"), *w = json_object_get(in, "width_mm");
    if (h || w) /* the copy states the size: a copy cached without it is not reused */
        snprintf(x->sizes, sizeof x->sizes, "h=%g;w=%g", h ? json_number_value(h) : 0,
                 w ? json_number_value(w) : 0);
    static const char *const dim[2] = {"height", "width"}, *const key[2] = {"height_mm",
                                                                            "width_mm"};
    for (size_t i = 0; i < sheet_ncolumns(x->s); i++) {
        const struct sheet_column *col = sheet_column(x->s, i);
        double per = cm_per_unit(x->s, col);
        char v[32];
        for (int k = 0; k < 2; k++) {
            json_t *mm = json_object_get(in, key[k]);
            if (col->source != SHEET_SRC_DIMS || !strcasestr(col->name, dim[k]) || !mm || per <= 0)
                continue;
            snprintf(v, sizeof v, "%.3g", json_number_value(mm) / 10 / per);
            json_object_set_new(x->values, col->name, json_string(v));
            json_object_del(x->notes, col->name);
        }
    }
}

enum kr_code catalog__item_run(struct catalog *c, const struct sheet_schema *s, const json_t *in,
                               json_t **result, struct kr_err *err)
{
    const char *ref = json_string_value(json_object_get(in, "url"));
    const char *sku = json_string_value(json_object_get(in, "sku"));
    struct item x = {.c = c, .s = s, .sku = sku ? sku : ""};
    struct buf photo;
    enum kr_code rc;

    buf_init(&photo, 0);
    x.values = json_object();
    x.notes = json_object();
    rc = x.values && x.notes ? read_photo(&x, ref, &photo, err)
                             : kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    if (!rc)
        rc = ask_attributes(&x, err);
    if (!rc)
        given_sizes(&x, in);
    if (!rc)
        rc = ask_copy(&x, err);
    if (!rc) {
        *result = json_pack("{s:s, s:s, s:s, s:O, s:O, s:{s:b, s:b}, s:o}", "url", ref, "sku", sku,
                            "image_sha256", x.sha, "values", x.values, "notes", x.notes, "cached",
                            "attributes", x.attr_cached, "copy", x.copy_cached, "analysis",
                            analysis_of(&x));
        if (!*result)
            rc = kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    }
    buf_release(&photo);
    json_decref(x.values);
    json_decref(x.notes);
    return rc;
}

/*
 * The SKU cache: what the models already said about a SKU.
 *
 * The original kept one JSON file keyed by SKU alone, so the first
 * marketplace to see a SKU fixed its text for every other, generated titles
 * were never cached under the name that was looked up, and model error
 * replies were cached as data. Here an entry is
 * a store document in ns "sku_cache" keyed by
 *     marketplace/product_type/part/fields-hash/sku
 * where part is "attributes" or "copy" and fields-hash names the exact field
 * set asked (names, limits, allowed values), so a schema change or another
 * marketplace never reuses an answer given to a different question. Values
 * are stored under their column names, only when non-empty; attribute
 * entries also record the photo's SHA-256 and are reused only for the same
 * bytes (copy is kept per SKU whatever the photo, as listing text should
 * stay stable). Callers merge: fields found here are not asked again.
 */

#define NS_CACHE "sku_cache"

void catalog__fields_hash(const struct ai_field *f, size_t n, char out[17])
{
    struct buf b;
    char hex[65];

    buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        buf_appendf(&b, "%s\x1f%d\x1f%d", f[i].name, f[i].max_len, f[i].multi);
        for (size_t k = 0; k < f[i].nallowed; k++)
            buf_appendf(&b, "\x1f%s", f[i].allowed[k]);
        buf_append(&b, "\x1e", 1);
    }
    util_sha256_hex(b.data ? b.data : (const unsigned char *)"", b.len, hex);
    buf_release(&b);
    memcpy(out, hex, 16);
    out[16] = '\0';
}

static void cache_key(const struct sheet_schema *s, const char *part, const char *hash,
                      const char *sku, char *out, size_t n)
{
    snprintf(out, n, "%s/%s/%s/%s/%s", sheet_marketplace(s), sheet_product_type(s), part, hash,
             sku);
}

json_t *catalog__cache_get(struct catalog *c, const struct catalog_cache_id *id)
{
    const struct sheet_schema *s = id->s;
    const char *part = id->part, *fields_hash = id->fields_hash, *sku = id->sku;
    const char *image_sha = id->image_sha;
    char key[512], *text = NULL;
    struct kr_err err = {0};
    json_t *doc, *values = NULL;
    enum kr_code rc;

    if (!c->o.store || !sku || !*sku)
        return NULL;
    cache_key(s, part, fields_hash, sku, key, sizeof key);
    rc = store_doc_get(c->o.store, NS_CACHE, key, &text, &err);
    if (rc) {
        if (rc != KR_ENOTFOUND)
            log_warn("sku cache: %s", err.msg);
        return NULL;
    }
    doc = json_loads(text, 0, NULL);
    free(text);
    if (!image_sha || strcmp(catalog__str(doc, "image_sha256"), image_sha) == 0)
        values = json_incref(json_object_get(doc, "values"));
    json_decref(doc);
    if (values && !json_is_object(values)) {
        json_decref(values);
        values = NULL;
    }
    return values;
}

void catalog__cache_put(struct catalog *c, const struct catalog_cache_id *id, json_t *values)
{
    const struct sheet_schema *s = id->s;
    const char *part = id->part, *fields_hash = id->fields_hash, *sku = id->sku;
    const char *image_sha = id->image_sha;
    char key[512], iso[32], *text;
    struct kr_err err = {0};
    json_t *keep = json_object(), *doc, *v;
    const char *name;

    if (!c->o.store || !sku || !*sku || !keep) {
        json_decref(keep);
        return;
    }
    json_object_foreach(values, name, v)
    {
        if (worth_keeping(v))
            json_object_set(keep, name, v);
    }
    if (json_object_size(keep) == 0) {
        json_decref(keep);
        return;
    }
    util_iso8601(util_epoch_ms(), iso, sizeof iso);
    doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "sku", sku, "marketplace",
                    sheet_marketplace(s), "product_type", sheet_product_type(s), "part", part,
                    "fields", fields_hash, "updated_at", iso, "values", keep);
    if (doc && image_sha)
        json_object_set_new(doc, "image_sha256", json_string(image_sha));
    text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    cache_key(s, part, fields_hash, sku, key, sizeof key);
    if (!text || store_doc_put(c->o.store, NS_CACHE, key, text, &err))
        log_warn("sku cache: cannot record %s: %s", key, text ? err.msg : "out of memory");
    free(text);
}
