/*
 * caption.c - the caption pipeline (see caption.h).
 *
 * Order (the original's): cheap checks first (the bytes are an image within
 * the pixel limit), then the duplicate check and store in one repo_ingest (a
 * duplicate stops here: nothing is stored, no AI call is made), then the two
 * AI jobs. Attributes come from the attribute provider, with quality
 * constrained to A/B/C and falling back to the measured grade; the name and
 * caption come from the copy provider, written from those attributes plus
 * the measured colour and stone colour.
 */
#include "caption/caption.h"

#include <stdlib.h>
#include <string.h>

#include "ai/ai.h"
#include "core/util.h"
#include "image/image.h"

static const char *const grades[] = {"A", "B", "C"};
static const char *const styles[] = {"Elegance",     "Charm",    "Luxury",   "Modernity",
                                     "Timelessness", "Delicacy", "Boldness", "Romance",
                                     "Earthiness",   "Artistry"};

static const struct ai_field attr_fields[] = {
    {"quality",
     "photo grade: A = sharp, well lit, clean plain background; B = usable with visible flaws; "
     "C = poor. If a letter A, B or C is written on the photo, give that letter",
     grades, 3, 0, 0},
    {"color", "the main colour of the piece (metal tone or dominant colour)", NULL, 0, 40, 0},
    {"attributes", "visible design features of the piece, one short phrase each", NULL, 0, 80, 1},
    {"styles", "the styles the piece expresses", styles, 10, 0, 1},
};

static const struct ai_field copy_fields[] = {
    {"name", "a short, distinctive product name", NULL, 0, 80, 0},
    {"final_caption", "a one-line e-commerce caption", NULL, 0, 200, 0},
};

void caption_result_free(struct caption_result *r)
{
    if (!r)
        return;
    free(r->name);
    free(r->description);
    json_decref(r->attributes);
    memset(r, 0, sizeof *r);
}

static void title_case(char *s)
{
    for (char *p = s; *p; p++)
        if ((p == s || p[-1] == ' ') && *p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
}

/* The model's attribute list, else what was measured. */
static json_t *attributes_for(json_t *ext, const struct ai_measure *m)
{
    json_t *a = json_object_get(ext, "attributes");
    if (json_array_size(a))
        return json_incref(a);
    a = json_array();
    if (m->metal[0])
        json_array_append_new(a, json_sprintf("%s tone", m->metal));
    if (m->stone[0])
        json_array_append_new(a, json_sprintf("%s stones", m->stone));
    return a;
}

static enum kr_code fill_result(json_t *ext, json_t *copy, const struct ai_measure *m,
                                struct caption_result *out, struct kr_err *err)
{
    const char *q = json_string_value(json_object_get(ext, "quality"));
    const char *color = json_string_value(json_object_get(ext, "color"));
    const char *caption = json_string_value(json_object_get(copy, "final_caption"));
    const char *name = json_string_value(json_object_get(copy, "name"));

    out->grade = q && (q[0] == 'A' || q[0] == 'B' || q[0] == 'C') ? q[0] : m->grade;
    util_strlcpy(out->colour, color ? color : m->colour, sizeof out->colour);
    if (!color)
        title_case(out->colour);
    out->name = strdup(name ? name : "");
    out->description = strdup(caption ? caption : "");
    out->attributes = attributes_for(ext, m);
    if (!out->name || !out->description || !out->attributes) {
        caption_result_free(out);
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    }
    return KR_OK;
}

enum kr_code caption_describe(struct ai *ai, long long max_pixels, const struct caption_req *req,
                              struct caption_result *out, struct kr_err *err)
{
    const void *data = req->data;
    size_t len = req->len;
    const char *type = req->type;
    struct image_info info;
    struct ai_measure m;
    json_t *ext = NULL, *copy = NULL, *attrs;
    enum kr_code rc;

    memset(out, 0, sizeof *out);
    if ((rc = image_probe(data, len, max_pixels, &info, err)))
        return rc;
    struct ai_image im = {data, len, info.mime};
    if ((rc = ai_measure_image(&im, max_pixels, &m, err)))
        return rc;
    struct ai_extract_req xr = {
        .images = &im, .nimages = 1, .product_type = type, .fields = attr_fields, .nfields = 4};
    if ((rc = ai_extract(ai, &xr, &ext, NULL, err)))
        return rc;
    attrs = json_deep_copy(ext);
    json_object_del(attrs, "quality");
    if (!json_object_get(attrs, "color") && m.colour[0])
        json_object_set_new(attrs, "color", json_string(m.colour));
    if (m.stone[0])
        json_object_set_new(attrs, "stone_color", json_string(m.stone));
    struct ai_copy_req cr = {.kind = AI_COPY_CAPTION,
                             .product_type = type,
                             .attributes = attrs,
                             .fields = copy_fields,
                             .nfields = 2};
    rc = ai_copy(ai, &cr, &copy, err);
    if (!rc)
        rc = fill_result(ext, copy, &m, out, err);
    json_decref(attrs);
    json_decref(ext);
    json_decref(copy);
    return rc;
}

enum kr_code caption_photo(struct ai *ai, struct repo *repo, long long max_pixels,
                           const struct caption_req *req, struct caption_outcome *out,
                           struct kr_err *err)
{
    struct image_info info;
    struct repo_ingest_res *r;
    enum kr_code rc;

    memset(out, 0, sizeof *out);
    if ((rc = image_probe(req->data, req->len, max_pixels, &info, err)))
        return rc;
    if (!(r = calloc(1, sizeof *r))) /* 16 matches of 1.3 KB: not on the stack */
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    struct repo_ingest_req in = {.data = req->data,
                                 .len = req->len,
                                 .filename = req->filename,
                                 .bucket = req->bucket,
                                 .website = req->website,
                                 .check_duplicate = req->check_duplicate,
                                 .top_k = 1};
    rc = repo_ingest(repo, &in, r, err);
    if (!rc && r->duplicate && r->nmatches > 0) {
        out->duplicate = 1;
        out->match = r->matches[0];
    } else if (!rc) {
        out->stored = 1;
        util_strlcpy(out->url, r->image.url, sizeof out->url);
        rc = caption_describe(ai, max_pixels, req, &out->caption, err);
    }
    free(r);
    return rc;
}
