/*
 * test_offline.c - the offline provider and ai_measure_image: colour names,
 * background, the A/B/C grade (sharp vs blurred vs small), honest blanks
 * with reasons, copy composed only from given attributes, determinism,
 * "cannot generate scenes", and provider defaults / configuration errors.
 */
#include <vips/vips.h>

#include "ai_test.h"
#include "image/image.h"

static unsigned char *blurred(const unsigned char *d, size_t n, size_t *on)
{
    VipsImage *im = vips_image_new_from_buffer(d, n, "", NULL), *bl = NULL;
    void *out = NULL;
    assert_non_null(im);
    assert_int_equal(vips_gaussblur(im, &bl, 6, NULL), 0);
    assert_int_equal(vips_jpegsave_buffer(bl, &out, on, NULL), 0);
    g_object_unref(im);
    g_object_unref(bl);
    return out;
}

static struct ai *offline(void)
{
    struct kr_err err = {0};
    struct ai *ai = ait_open(NULL, NULL, NULL, NULL, 0, &err);
    assert_non_null(ai);
    return ai;
}

static void test_measure(void **state)
{
    size_t n, bn;
    unsigned char *d = ait_photo(2, &n), *b = blurred(d, n, &bn);
    struct ai_image im = {d, n, "image/jpeg"}, bim = {b, bn, "image/jpeg"};
    struct ai_measure m, mb;
    struct kr_err err = {0};
    (void)state;

    assert_int_equal(ai_measure_image(&im, 0, &m, &err), KR_OK);
    assert_string_equal(m.metal, "rose gold");
    assert_string_equal(m.colour, "rose gold");
    assert_string_equal(m.background, "white");
    assert_int_equal(m.width, 1200);
    assert_true(m.fill > 0.2 && m.fill < 0.6);
    assert_true(m.aspect > 0.5 && m.aspect < 0.8);
    assert_int_equal(m.grade, 'A');

    assert_int_equal(ai_measure_image(&bim, 0, &mb, &err), KR_OK);
    assert_true(mb.sharpness < m.sharpness / 5);
    assert_int_equal(mb.grade, 'C');
    assert_non_null(strstr(mb.grade_reason, "blurry"));

    struct tu_img_opts small = {.width = 300, .height = 300, .seed = 2};
    struct tu_img_opts grey = {.width = 1200, .height = 1200, .seed = 3, .bg = 120};
    unsigned char *s = tu_make_image(&small, &n);
    struct ai_image sim = {s, n, "image/jpeg"};
    assert_int_equal(ai_measure_image(&sim, 0, &m, &err), KR_OK);
    assert_int_equal(m.grade, 'C');
    assert_non_null(strstr(m.grade_reason, "resolution"));
    free(s);
    s = tu_make_image(&grey, &n);
    sim.data = s;
    sim.len = n;
    assert_int_equal(ai_measure_image(&sim, 0, &m, &err), KR_OK);
    assert_string_equal(m.background, "plain");
    assert_int_equal(m.grade, 'B');
    free(s);

    struct ai_image junk = {(const unsigned char *)"not an image", 12, "image/jpeg"};
    assert_int_not_equal(ai_measure_image(&junk, 0, &m, &err), KR_OK);
    /* pixel limit enforced */
    assert_int_equal(ai_measure_image(&im, 1000, &m, &err), KR_ELIMIT);
    free(d);
    g_free(b);
}

static void test_offline_extract(void **state)
{
    struct ai *ai = offline();
    size_t n;
    unsigned char *d = ait_photo(2, &n);
    struct ai_image im = {d, n, "image/jpeg"};
    const char *const colours[] = {"Gold", "Silver", "Rose-Gold", "Multicolor"};
    const char *const grades[] = {"A", "B", "C"};
    const char *const types[] = {"Earring", "Necklace"};
    const char *const materials[] = {"Brass", "Alloy"};
    const char *const pearl_types[] = {"Freshwater", "NA"};
    struct ai_field f[] = {
        {"Color", NULL, colours, 4, 0, 0},    {"quality", NULL, grades, 3, 0, 0},
        {"Type", NULL, types, 2, 0, 0},       {"Base Material", NULL, materials, 2, 0, 0},
        {"stone_color", NULL, NULL, 0, 0, 0}, {"color_map", NULL, NULL, 0, 0, 1},
        {"Pearl Grade", NULL, NULL, 0, 0, 0}, {"Pearl Type", NULL, pearl_types, 2, 0, 0},
    };
    struct ai_extract_req req = {
        .images = &im, .nimages = 1, .product_type = "earrings", .fields = f, .nfields = 8};
    json_t *out = NULL, *notes = NULL, *out2 = NULL;
    struct kr_err err = {0};
    (void)state;

    assert_string_equal(ai_provider_name(ai, AI_ROLE_ATTR), "offline");
    assert_int_equal(ai_extract(ai, &req, &out, &notes, &err), KR_OK);
    assert_string_equal(json_string_value(json_object_get(out, "Color")), "Rose-Gold");
    assert_string_equal(json_string_value(json_object_get(out, "quality")), "A");
    assert_string_equal(json_string_value(json_object_get(out, "Type")), "Earring");
    assert_string_equal(json_string_value(json_array_get(json_object_get(out, "color_map"), 0)),
                        "Rose Gold");
    /* not knowable from pixels: blank with a reason, never invented */
    assert_null(json_object_get(out, "Base Material"));
    assert_non_null(json_string_value(json_object_get(notes, "Base Material")));
    assert_null(json_object_get(out, "stone_color"));
    assert_non_null(json_object_get(notes, "stone_color"));
    /* issue 12: a pearl grade is not the photo's quality grade; no pearl -> NA */
    assert_null(json_object_get(out, "Pearl Grade"));
    assert_string_equal(json_string_value(json_object_get(out, "Pearl Type")), "NA");
    /* deterministic */
    assert_int_equal(ai_extract(ai, &req, &out2, NULL, &err), KR_OK);
    assert_true(json_equal(out, out2));
    json_decref(out);
    json_decref(out2);
    json_decref(notes);
    free(d);
    ai_close(ai);
}

static void test_offline_copy(void **state)
{
    struct ai *ai = offline();
    json_t *attrs =
        json_pack("{s:s,s:s,s:s}", "color", "Gold", "stone_color", "Red", "Occasion", "Party");
    json_t *profile = json_pack("{s:s}", "brand", "Alya");
    struct ai_field lf[] = {{"title", NULL, NULL, 0, 40, 0},
                            {"bullets", NULL, NULL, 0, 0, 1},
                            {"description", NULL, NULL, 0, 0, 0},
                            {"hsn_code", NULL, NULL, 0, 0, 0}};
    struct ai_copy_req req = {.kind = AI_COPY_LISTING,
                              .product_type = "Earrings",
                              .attributes = attrs,
                              .profile = profile,
                              .fields = lf,
                              .nfields = 4};
    json_t *out = NULL;
    struct kr_err err = {0};
    (void)state;

    assert_int_equal(ai_copy(ai, &req, &out, &err), KR_OK);
    const char *title = json_string_value(json_object_get(out, "title"));
    assert_non_null(title);
    assert_true(strlen(title) <= 40);
    assert_non_null(strstr(title, "Alya"));
    assert_non_null(strstr(title, "Gold"));
    assert_non_null(strstr(json_string_value(json_object_get(out, "description")), "red stones"));
    assert_non_null(strstr(json_string_value(json_object_get(out, "description")), "party"));
    assert_int_equal(json_array_size(json_object_get(out, "bullets")), 5);
    assert_null(json_object_get(out, "hsn_code")); /* nothing to say: left out */
    json_decref(out);

    struct ai_copy_req rw = {
        .kind = AI_COPY_REWRITE, .previous = "A bright gold earring.", .style = "Boldness"};
    assert_int_equal(ai_copy(ai, &rw, &out, &err), KR_OK);
    const char *text = json_string_value(json_object_get(out, "text"));
    assert_non_null(strstr(text, "A bright gold earring."));
    assert_string_not_equal(text, "A bright gold earring.");
    json_decref(out);

    struct ai_copy_req tt = {.kind = AI_COPY_TITLE,
                             .product_type = "earrings",
                             .previous = "Gold Earrings With Red Stones",
                             .attributes = attrs};
    assert_int_equal(ai_copy(ai, &tt, &out, &err), KR_OK);
    assert_string_not_equal(json_string_value(json_object_get(out, "title")),
                            "Gold Earrings With Red Stones");
    json_decref(out);

    struct ai_copy_req empty = {.kind = AI_COPY_REWRITE, .previous = ""};
    assert_int_equal(ai_copy(ai, &empty, &out, &err), KR_EINVAL);
    json_decref(attrs);
    json_decref(profile);
    ai_close(ai);
}

/* Count sentence ends ('.', '!', '?' followed by a space or the end). */
static int sentences(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += strchr(".!?", *s) && (s[1] == ' ' || !s[1]);
    return n;
}

/* Issue 12: the copy of a sheet's columns follows the rules: five distinct
 * bullets, none the title, no column names in the text, 2-4 sentences of
 * description, search terms that do not repeat the title's words. */
static void test_offline_listing_rules(void **state)
{
    struct ai *ai = offline();
    json_t *attrs =
        json_pack("{s:s,s:s,s:s,s:[s],s:s}", "item_type_name", "Hoop Earrings", "color_name",
                  "Gold", "stone_color", "Red", "occasion_type1", "Festive", "Pearl Grade", "NA");
    json_t *profile =
        json_pack("{s:s,s:s}", "brand", "Alya Jewels", "packaging", "Ships in a gift box.");
    struct ai_field lf[] = {
        {"item_name", NULL, NULL, 0, 200, 0},
        {"bullet_point1", NULL, NULL, 0, 500, 0},
        {"bullet_point2", NULL, NULL, 0, 500, 0},
        {"bullet_point3", NULL, NULL, 0, 500, 0},
        {"bullet_point4", NULL, NULL, 0, 500, 0},
        {"bullet_point5", NULL, NULL, 0, 500, 0},
        {"product_description", NULL, NULL, 0, 2000, 0},
        {"generic_keywords", NULL, NULL, 0, 199, 1},
    };
    struct ai_copy_req req = {.kind = AI_COPY_LISTING,
                              .product_type = "earrings",
                              .marketplace = "amazon",
                              .attributes = attrs,
                              .profile = profile,
                              .fields = lf,
                              .nfields = 8};
    json_t *out = NULL;
    struct kr_err err = {0};
    (void)state;

    assert_int_equal(ai_copy(ai, &req, &out, &err), KR_OK);
    const char *title = json_string_value(json_object_get(out, "item_name"));
    /* Amazon.in's order: brand, material / plating, stone, type, key feature, audience */
    assert_string_equal(title, "Alya Jewels Gold-Tone Red Stone Hoop Earrings For Women");
    for (int i = 1; i <= 5; i++) {
        char k[32];
        snprintf(k, sizeof k, "bullet_point%d", i);
        const char *b = json_string_value(json_object_get(out, k));
        assert_non_null(b);
        assert_string_not_equal(b, title);
        assert_null(strstr(b, "item_type_name"));
        assert_null(strstr(b, "Pearl"));
        for (int j = 1; j < i; j++) {
            snprintf(k, sizeof k, "bullet_point%d", j);
            assert_string_not_equal(b, json_string_value(json_object_get(out, k)));
        }
    }
    assert_non_null(strstr(json_string_value(json_object_get(out, "bullet_point5")), "gift box"));
    const char *d = json_string_value(json_object_get(out, "product_description"));
    assert_true(sentences(d) >= 2 && sentences(d) <= 4);
    assert_null(strstr(d, ":"));
    json_t *kw = json_object_get(out, "generic_keywords");
    assert_true(json_array_size(kw) >= 3 && json_array_size(kw) <= 5);
    size_t i;
    json_t *v;
    json_array_foreach(kw, i, v)
    {
        assert_null(strcasestr(title, json_string_value(v)));
        assert_null(strstr(json_string_value(v), "earring"));
    }
    json_decref(out);
    json_decref(attrs);
    json_decref(profile);
    ai_close(ai);
}

/* Issue 12 §2: the title names the plating and a key feature from the
 * facts (never a field name), and drops the least needed parts to fit. */
static void test_offline_title_order(void **state)
{
    struct ai *ai = offline();
    json_t *attrs = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "item_type_name", "Jhumka Earrings",
                              "base_material", "Brass", "plating", "Gold Plated", "stone_type",
                              "Kundan", "closure_type", "Push Back", "Pearl Type", "Freshwater");
    json_t *profile = json_pack("{s:s}", "brand", "Alya Jewels");
    struct ai_field lf[] = {{"item_name", NULL, NULL, 0, 200, 0}};
    struct ai_copy_req req = {.kind = AI_COPY_LISTING,
                              .product_type = "earrings",
                              .marketplace = "amazon",
                              .attributes = attrs,
                              .profile = profile,
                              .fields = lf,
                              .nfields = 1};
    json_t *out = NULL;
    struct kr_err err = {0};
    (void)state;

    assert_int_equal(ai_copy(ai, &req, &out, &err), KR_OK);
    assert_string_equal(
        json_string_value(json_object_get(out, "item_name")),
        "Alya Jewels Brass Gold Plated Kundan Jhumka Earrings With Pearls For Women");
    json_decref(out);
    json_object_del(attrs, "Pearl Type"); /* no pearls: the closure is the key feature */
    assert_int_equal(ai_copy(ai, &req, &out, &err), KR_OK);
    assert_non_null(strstr(json_string_value(json_object_get(out, "item_name")),
                           "Jhumka Earrings With Push Back Closure For Women"));
    json_decref(out);
    lf[0].max_len = 60; /* too long: material, then the key feature go */
    assert_int_equal(ai_copy(ai, &req, &out, &err), KR_OK);
    const char *t = json_string_value(json_object_get(out, "item_name"));
    assert_true(strlen(t) <= 60);
    assert_string_equal(t, "Alya Jewels Gold Plated Kundan Jhumka Earrings For Women");
    json_decref(out);
    json_decref(attrs);
    json_decref(profile);
    ai_close(ai);
}

/* PNG bytes of an RGB buffer of w x h (malloc'd, size in *n); frees px. */
static unsigned char *png_of(unsigned char *px, int w, int h, size_t *n)
{
    void *png = NULL;
    unsigned char *out;
    VipsImage *im = vips_image_new_from_memory(px, (size_t)w * h * 3, w, h, 3, VIPS_FORMAT_UCHAR);
    assert_int_equal(vips_pngsave_buffer(im, &png, n, NULL), 0);
    out = malloc(*n);
    memcpy(out, png, *n);
    g_free(png);
    g_object_unref(im);
    free(px);
    return out;
}

/* A PNG of w x h: white, with a gold disc of radius r at each centre, a red
 * dot in each when red (malloc'd bytes in *n). */
static unsigned char *discs(int w, int h, const int (*c)[2], int nc, int r, int red, size_t *n)
{
    unsigned char *px = malloc((size_t)w * h * 3);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned char *p = px + ((size_t)y * w + x) * 3;
            p[0] = p[1] = p[2] = 255;
            for (int k = 0; k < nc; k++) {
                int dx = x - c[k][0], dy = y - c[k][1];
                if (dx * dx + dy * dy <= r * r)
                    p[0] = 212, p[1] = 175, p[2] = 55;
                if (red && dx * dx + dy * dy <= r * r / 9)
                    p[0] = 200, p[1] = 15, p[2] = 35;
            }
        }
    return png_of(px, w, h, n);
}

/* Issue 12 §1: the piece's metal tone, stones, pair and silhouette, each
 * with a confidence; a pearl field with surely no pearls gets NA. */
static void test_analyse(void **state)
{
    static const int two[][2] = {{150, 200}, {450, 200}}, one[][2] = {{300, 200}};
    struct ai_analysis a;
    struct kr_err err = {0};
    size_t n;
    (void)state;
    unsigned char *d = discs(600, 400, two, 2, 60, 0, &n);
    struct ai_image im = {d, n, "image/png"};
    assert_int_equal(ai_analyse_image(&im, 1000000, "earrings", NULL, &a, &err), KR_OK);
    assert_string_equal(a.metal, "gold");
    assert_true(a.metal_conf >= 0.9);
    assert_int_equal(a.pair, 1);
    assert_true(a.pair_conf >= 0.6);
    assert_int_equal(a.stones, 0);
    assert_int_equal(a.pearls, 0);
    assert_string_equal(a.shape, "stud");
    assert_true(a.symmetry > 0.9);
    free(d);
    d = discs(600, 400, one, 1, 80, 1, &n);
    im = (struct ai_image){d, n, "image/png"};
    assert_int_equal(ai_analyse_image(&im, 1000000, "earrings", NULL, &a, &err), KR_OK);
    assert_int_equal(a.pair, 0);
    assert_int_equal(a.stones, 1);
    assert_non_null(strstr(a.stone_colours, "red"));
    free(d);
}

/* A segmenter from above: the left half of the frame is the piece (only
 * where the photo is not white), or a failure when ctx is non-NULL. */
static enum kr_code left_half(void *ctx, const struct image_px *px, unsigned char *mask,
                              struct kr_err *err)
{
    if (ctx)
        return kr_fail(err, KRS_NO_PIECE_FOUND, "busy");
    for (int y = 0; y < px->height; y++)
        for (int x = 0; x < px->width / 2; x++)
            mask[y * px->width + x] = px->data[((size_t)y * px->width + x) * 3 + 2] < 200;
    return KR_OK;
}

/* Issue 12 §1: the analysis measures the cut it is given (the studio's
 * segmentation in the server), and falls back to its own when that fails. */
static void test_analyse_given_cut(void **state)
{
    static const int two[][2] = {{150, 200}, {450, 200}};
    struct ai_segmenter seg = {left_half, NULL}, busy = {left_half, &seg};
    struct ai_analysis a;
    struct kr_err err = {0};
    size_t n;
    (void)state;
    unsigned char *d = discs(600, 400, two, 2, 60, 0, &n);
    struct ai_image im = {d, n, "image/png"};
    assert_int_equal(ai_analyse_image(&im, 1000000, "earrings", &seg, &a, &err), KR_OK);
    assert_int_equal(a.pair, 0); /* only the left disc was cut */
    assert_true(a.pair_conf >= 0.6);
    assert_int_equal(ai_analyse_image(&im, 1000000, "earrings", &busy, &a, &err), KR_OK);
    assert_int_equal(a.pair, 1); /* its own cut sees both */
    free(d);
}

/* A 600x400 PNG painted by paint(x, y, rgb) over white (malloc'd bytes in *n). */
static unsigned char *painted(void (*paint)(int, int, unsigned char *), size_t *n)
{
    int w = 600, h = 400;
    unsigned char *px = malloc((size_t)w * h * 3);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned char *p = px + ((size_t)y * w + x) * 3;
            p[0] = p[1] = p[2] = 255;
            paint(x, y, p);
        }
    return png_of(px, w, h, n);
}

static int in_disc(int x, int y, int cx, int cy, int r)
{
    return (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r;
}

static void gold(unsigned char *p)
{
    p[0] = 212, p[1] = 175, p[2] = 55;
}

/* a stud, a stem and a crescent with its horns up */
static void chandbali(int x, int y, unsigned char *p)
{
    if (in_disc(x, y, 300, 60, 20) || (x >= 296 && x <= 304 && y >= 60 && y <= 250) ||
        (in_disc(x, y, 300, 210, 110) && !in_disc(x, y, 300, 150, 90)))
        gold(p);
}

/* a tall band open to the left */
static void ear_cuff(int x, int y, unsigned char *p)
{
    double e = (x - 300) * (x - 300) / 4900.0 + (y - 200) * (y - 200) / 22500.0;
    if (e >= 0.72 && e <= 1 && !(x < 300 && abs(y - 200) < 100))
        gold(p);
}

/* seven small stones, each framed in gold, on a gold disc */
static void cluster(int x, int y, unsigned char *p)
{
    if (!in_disc(x, y, 300, 200, 70))
        return;
    gold(p);
    for (int k = 0; k < 7; k++) {
        int sx = 300 + (k < 6 ? (int)(32 * cos(k * M_PI / 3)) : 0);
        int sy = 200 + (k < 6 ? (int)(32 * sin(k * M_PI / 3)) : 0);
        if (in_disc(x, y, sx, sy, 11))
            p[0] = k % 2 ? 250 : 200, p[1] = k % 2 ? 250 : 15, p[2] = k % 2 ? 255 : 35;
    }
}

static void strands(int x, int y, unsigned char *p, int n)
{
    for (int k = 0; k < n && y >= 40; k++) {
        double ry = 150 + 60 * k,
               e = (x - 300) * (x - 300) / 48400.0 + (y - 40) * (y - 40) / (ry * ry);
        if (fabs(sqrt(e) - 1) * ry < 3)
            gold(p);
    }
}

static void layered(int x, int y, unsigned char *p)
{
    strands(x, y, p, 3);
}

static void chain(int x, int y, unsigned char *p)
{
    strands(x, y, p, 1);
}

/* bracelets seen from above: a thin closed ring, a thick one, one with a
 * gap on the right, and a chain lying in a low wave */
static void ring(int x, int y, unsigned char *p, int band, int open)
{
    double d = sqrt((x - 300) * (x - 300) + (y - 200) * (y - 200));
    if (d <= 150 && d >= 150 - band && !(open && x > 300 && abs(y - 200) < 70))
        gold(p);
}

static void bangle(int x, int y, unsigned char *p)
{
    ring(x, y, p, 12, 0);
}

static void kada(int x, int y, unsigned char *p)
{
    ring(x, y, p, 45, 0);
}

static void cuff(int x, int y, unsigned char *p)
{
    ring(x, y, p, 40, 1);
}

static void chain_bracelet(int x, int y, unsigned char *p)
{
    if (x >= 60 && x <= 540 && fabs(y - (200 + 35 * sin(x / 40.0))) < 5)
        gold(p);
}

/* Issue 12 §1: the silhouettes added later (chandbali, ear cuff, layered)
 * and a kundan / polki-like cluster, whose pale stones are not pearls. */
static void test_analyse_more(void **state)
{
    static const struct {
        void (*paint)(int, int, unsigned char *);
        const char *type, *shape;
        int cluster;
    } cases[] = {{chandbali, "earrings", "chandbali", 0},
                 {ear_cuff, "earrings", "ear cuff", 0},
                 {cluster, "earrings", "stud", 1},
                 {layered, "necklaces", "layered", 0},
                 {chain, "necklaces", "chain", 0},
                 {bangle, "bracelets", "bangle", 0},
                 {kada, "bracelets", "kada", 0},
                 {cuff, "bracelets", "cuff", 0},
                 {chain_bracelet, "bracelets", "chain", 0}};
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ai_analysis a;
        struct kr_err err = {0};
        size_t n;
        unsigned char *d = painted(cases[i].paint, &n);
        struct ai_image im = {d, n, "image/png"};
        assert_int_equal(ai_analyse_image(&im, 1000000, cases[i].type, NULL, &a, &err), KR_OK);
        print_message("%s: %s (%.2f) cluster %d (%.2f) pearls %d (%.2f)\n", cases[i].shape, a.shape,
                      a.shape_conf, a.cluster, a.cluster_conf, a.pearls, a.pearls_conf);
        assert_string_equal(a.shape, cases[i].shape);
        assert_true(a.shape_conf >= 0.6);
        assert_int_equal(a.cluster, cases[i].cluster);
        assert_true(a.cluster_conf >= 0.6);
        assert_int_equal(a.pearls, 0);
        if (cases[i].cluster)
            assert_true(a.stones >= 5);
        free(d);
    }
}

static void test_offline_image_unsupported(void **state)
{
    struct ai *ai = offline();
    struct ai_image_req req = {NULL, 0, "a scene", 0, 0};
    struct ai_image_out out;
    struct kr_err err = {0};
    (void)state;
    assert_int_equal(ai_image(ai, &req, &out, &err), KR_EUNSUPPORTED);
    assert_string_equal(err.msg, "offline provider cannot generate scenes");
    assert_null(out.data);
    ai_close(ai);
}

static void test_provider_choice(void **state)
{
    struct kr_err err = {0};
    struct ai *ai;
    (void)state;
    ait_clear_keys();
    setenv("GOOGLE_API_KEY", "g", 1);
    ai = ait_open(NULL, NULL, NULL, NULL, 0, &err);
    assert_string_equal(ai_provider_name(ai, AI_ROLE_ATTR), "gemini");
    assert_string_equal(ai_provider_name(ai, AI_ROLE_COPY), "offline");
    assert_string_equal(ai_provider_name(ai, AI_ROLE_IMAGE), "offline");
    ai_close(ai);
    assert_null(ait_open(NULL, "openai", NULL, NULL, 0, &err));
    assert_string_equal(err.slug, "bad_config");
    assert_non_null(strstr(err.msg, "OPENAI_API_KEY"));
    assert_null(ait_open("claude", NULL, NULL, NULL, 0, &err));
    assert_string_equal(err.slug, "bad_config");
    ai = ait_open("OFFLINE", NULL, NULL, NULL, 0, &err);
    assert_string_equal(ai_provider_name(ai, AI_ROLE_ATTR), "offline");
    ai_close(ai);
    ait_clear_keys();
}

/* The AI layer has no defaults of its own: every option comes from the
 * config table (ai_opts_from_config), and a missing one is refused. */
static void test_options_required(void **state)
{
    struct config cfg;
    struct ai_opts o;
    struct ai *ai = NULL;
    struct kr_err err = {0};
    (void)state;
    ait_clear_keys();
    assert_int_equal(config_load(&cfg, NULL), KR_OK);
    ai_opts_from_config(&cfg, &o);
    assert_string_equal(o.gemini_model, cfg.gemini_model);
    assert_int_equal(o.tune.max_attempts, cfg.ai_attempts);
    assert_int_equal(o.tune.timeout_ms, cfg.ai_timeout_s * 1000L);
    assert_int_equal(o.tune.max_response, (size_t)cfg.ai_max_response);
    assert_int_equal(o.tune.key_out_ms, cfg.ai_key_rest_s * 1000L);
    assert_int_equal(o.tune.honour_max_ms, cfg.ai_honour_wait_ms);
    assert_int_equal(o.tune.connect_timeout_ms, cfg.connect_timeout_s * 1000L);
    assert_int_equal(ai_open_opts(&o, &ai, &err), KR_OK);
    ai_close(ai);
    o.tune.key_out_ms = 0; /* no key rest of its own */
    assert_int_equal(ai_open_opts(&o, &ai, &err), KR_EINVAL);
    o.tune.key_out_ms = cfg.ai_key_rest_s * 1000L;
    assert_int_equal(ai_open_opts(&o, &ai, &err), KR_OK);
    ai_close(ai);
    o.tune.max_response = 0; /* no reply size cap of its own */
    assert_int_equal(ai_open_opts(&o, &ai, &err), KR_EINVAL);
    assert_string_equal(err.slug, "bad_option");
    assert_null(ai);
    config_set(&cfg, "GEMINI_MODEL", "", NULL);
    assert_int_equal(ai_open(&cfg, &ai, &err), KR_EINVAL);
    assert_string_equal(err.slug, "bad_option");
    assert_non_null(strstr(err.msg, "Gemini model"));
    assert_null(ai);
    config_set(&cfg, "GEMINI_MODEL", "m", NULL);
    assert_int_equal(config_set(&cfg, "KARAT_AI_TIMEOUT", "0", NULL), KR_EINVAL); /* bounds */
    cfg.ai_timeout_s = 0; /* and the layer itself refuses what the table would not allow */
    assert_int_equal(ai_open(&cfg, &ai, &err), KR_EINVAL);
    assert_string_equal(err.slug, "bad_option");
    config_release(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_measure),
        cmocka_unit_test(test_offline_extract),
        cmocka_unit_test(test_offline_copy),
        cmocka_unit_test(test_offline_listing_rules),
        cmocka_unit_test(test_analyse),
        cmocka_unit_test(test_offline_title_order),
        cmocka_unit_test(test_analyse_more),
        cmocka_unit_test(test_analyse_given_cut),
        cmocka_unit_test(test_offline_image_unsupported),
        cmocka_unit_test(test_provider_choice),
        cmocka_unit_test(test_options_required),
    };
    ait_clear_keys();
    image_init("test_offline", NULL);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    image_shutdown();
    return rc;
}
