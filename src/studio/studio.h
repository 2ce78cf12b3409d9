/*
 * studio.h - the image studio: marketplace images made from one product photo.
 *
 * What it makes (image types, numbered as the original's earring types and
 * extended for bracelets and necklaces):
 *   1 White Background  - offline: the piece cut out of the photo by classical
 *                         segmentation (holes in hoops, rings and chains stay
 *                         transparent), centred on pure white 2000x2000, the
 *                         piece's longest side at 85 %, sRGB JPEG.
 *   3 Dimension Image   - offline: the same cut-out with height and width
 *                         arrows and labels (cairo + pango, DejaVu Sans).
 *   2 Hand Holding, 4 Lifestyle Nature, 5 Model Wearing, 6 Pastel Gradient,
 *   7 Rich Backdrop, 8 Props Flat Lay
 *                       - a scene from the image provider (ai_image()); the
 *                         piece's own pixels are then composited onto the scene
 *                         where and at the scale the scene shows it, so the
 *                         product is never altered.
 * Every output is checked against the marketplace's main-image rules
 * (studio_check_image), and the report travels with the item.
 *
 * Layers, bottom up:
 *   segment  - pixels -> alpha mask (background model, hysteresis, holes);
 *   cutout   - photo bytes -> the piece as RGBA at output resolution;
 *   compose  - cut-out -> white canvas / dimension drawing / scene composite;
 *   check    - encoded image -> compliance report;
 *   zip      - in-memory stored (not deflated) archives with libzip;
 *   generate - one request -> items in parallel -> store -> ZIP -> JSON.
 * Where files go is a `struct studio_store` (api/ stores into the repo under
 * S3_BUCKET/gen_images/, the CLI into a folder), so studio/ never picks
 * buckets or talks HTTP.
 *
 * Ownership: *_release() frees what the matching call filled; json_t results
 * are new references owned by the caller.
 * Thread safety: all functions may be called from any thread after
 * image_init(); a studio_store must be safe for concurrent use.
 */
#ifndef KARAT_STUDIO_STUDIO_H
#define KARAT_STUDIO_STUDIO_H

#include <jansson.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "image/image.h"

struct ai;
struct pool;

#define STUDIO_SIDE         2000 /* output canvas side, pixels */
#define STUDIO_FILL         0.85 /* piece's longest side / canvas side on type 1 */
#define STUDIO_MAX_TYPES    8
#define STUDIO_MARKETPLACE  "amazon" /* compliance rules when a request names none */
#define STUDIO_JPEG_QUALITY 92       /* every generated JPEG */
#define STUDIO_PORTRAIT_W   1080     /* the 3:4 size for marketplaces such as Meesho */
#define STUDIO_PORTRAIT_H   1440

/* ---- image types and requests ---------------------------------------- */

enum studio_type {
    STUDIO_WHITE = 1,
    STUDIO_HAND = 2,
    STUDIO_DIMENSION = 3,
    STUDIO_LIFESTYLE = 4,
    STUDIO_MODEL = 5,
    STUDIO_PASTEL = 6,
    STUDIO_BACKDROP = 7,
    STUDIO_PROPS = 8,
};

enum studio_product { STUDIO_EARRINGS = 0, STUDIO_BRACELET, STUDIO_NECKLACE };

/* "White Background" ...; NULL for an unknown type. */
const char *studio_type_name(int type);
/* 1 if the type needs an image provider (a scene), 0 if it is made offline. */
int studio_type_needs_ai(int type);
/* "earrings", "bracelet"/"bracelets", "necklace", or their first three letters
 * ("ear", "bra", "nec"), any case. KR_EINVAL "invalid_product_type" otherwise. */
enum kr_code studio_product_parse(const char *s, enum studio_product *out, struct kr_err *err);
struct studio_env;
/* The default type list for a product: env->default_types[p]
 * (KARAT_IMAGE_TYPES_<PRODUCT>); KR_EINVAL when it is missing or bad. */
enum kr_code studio_default_types(const struct studio_env *env, enum studio_product p, int *types,
                                  int *n, struct kr_err *err);
/* "1,3" -> {1, 3}; unknown or repeated types are KR_EINVAL. */
enum kr_code studio_types_parse(const char *csv, int *types, int *n, struct kr_err *err);

/* A physical length for the dimension image: "25mm", "2.5 cm", "25". */
struct studio_length {
    int set;
    double value;
    char unit[3]; /* "mm" or "cm" */
};
enum kr_code studio_length_parse(const char *s, struct studio_length *out, struct kr_err *err);
/* "25 mm", "2.5 cm" */
void studio_length_format(const struct studio_length *l, char *out, size_t n);

/* Output size: STUDIO_SIDE square (default) or STUDIO_PORTRAIT_W x _H (3:4). */
enum studio_size { STUDIO_SIZE_SQUARE = 0, STUDIO_SIZE_PORTRAIT = 1 };
/* "2000x2000" or "1080x1440" (also "1:1", "3:4"; 'x' or the multiplication
 * sign); KR_EINVAL "bad_image_size" otherwise. */
enum kr_code studio_size_parse(const char *s, enum studio_size *out, struct kr_err *err);
/* "2000x2000" / "1080x1440" */
const char *studio_size_name(enum studio_size size);
/* The canvas of a size in pixels. */
void studio_size_dims(enum studio_size size, int *width, int *height);

struct studio_request {
    enum studio_product product;
    int types[STUDIO_MAX_TYPES];
    int ntypes;
    struct studio_length height, width; /* needed by type 3 */
    int shadow;                         /* soft contact shadow on types 1 and 3 */
    char marketplace[16];               /* compliance rules: amazon (default), flipkart, meesho */
    enum studio_size size;              /* output canvas */
};

/* Parse the /generate-images JSON body (everything but s3_urls):
 * product_type, image_types (array or "1,3"), num_images, height, width,
 * shadow, marketplace, size. Validates all of it (unknown type, type 3 without
 * sizes, num_images out of range ...) with KR_EINVAL and a clear message. */
enum kr_code studio_request_from_json(json_t *body, const struct studio_env *env,
                                      struct studio_request *req, struct kr_err *err);
/* Shared final check: types non-empty, type 3 has both sizes, marketplace known. */
enum kr_code studio_request_check(const struct studio_request *req, struct kr_err *err);

/* ---- segmentation ---------------------------------------------------- */

struct studio_mask {
    int width, height;
    unsigned char *alpha; /* width*height, 0 = background .. 255 = piece */
};
void studio_mask_release(struct studio_mask *m);

struct studio_seg_info {
    int complex;        /* 1: background too busy to cut out reliably */
    char why[160];      /* the reason when complex */
    double bg_noise;    /* robust spread of background around its model */
    double border_busy; /* fraction of the border that does not fit the model */
    double fg_fraction; /* piece pixels / all pixels */
    int components;     /* separate pieces kept (a pair of earrings = 2) */
    int holes_kept;     /* enclosed background regions left transparent */
    int holes_filled;   /* enclosed regions judged to be part of the piece */
    int x0, y0, x1, y1; /* piece bounding box, x1/y1 exclusive (0s if none) */
};

/* Segment an RGB (or RGBA, alpha ignored) image: fit a smooth background
 * model to the border, mark what differs from it (hysteresis), drop specks,
 * keep enclosed regions that look like the background as holes, and give
 * edges a soft alpha. Always fills *out when it returns KR_OK, even if the
 * background is flagged complex (callers decide); KR_EINVAL "no_piece_found"
 * when nothing stands out. */
enum kr_code studio_segment(const struct image_px *px, struct studio_mask *out,
                            struct studio_seg_info *info, struct kr_err *err);

/* ---- cut-out --------------------------------------------------------- */

/* The piece, cropped to its bounding box, RGBA with straight (not
 * premultiplied) soft alpha, sampled so its longest side is about
 * `long_side` pixels; colours at the edges are freed of the old background. */
struct studio_cutout {
    struct image_px rgba;
    double box_x, box_y, box_w, box_h; /* the piece in source pixels */
    struct studio_seg_info seg;
};
void studio_cutout_release(struct studio_cutout *c);

/* Photo bytes -> cut-out. KR_EUNSUPPORTED "background_too_complex" when the
 * background cannot be separated reliably (seg info still filled);
 * image errors from image/ pass through (not_an_image, too_many_pixels). */
enum kr_code studio_cutout_make(const void *data, size_t n, long long max_pixels, int long_side,
                                struct studio_cutout *out, struct kr_err *err);

/* ---- composition ----------------------------------------------------- */

struct studio_compose_opts {
    int side;    /* canvas width (default STUDIO_SIDE) */
    int height;  /* canvas height (0: side, a square); the piece fits fill x both sides */
    double fill; /* piece's longest side / side (default STUDIO_FILL) */
    int shadow;  /* soft contact shadow below the piece */
};
/* Where the piece landed on the canvas (pixels, x1/y1 exclusive). */
struct studio_box {
    int x0, y0, x1, y1;
};

/* Pure white RGB canvas with the piece centred, aspect kept. */
enum kr_code studio_compose_white(const struct studio_cutout *c,
                                  const struct studio_compose_opts *o, struct image_px *out,
                                  struct studio_box *box, struct kr_err *err);
/* Draw height and width arrows with labels next to `box` on an RGB canvas. */
enum kr_code studio_draw_dimensions(struct image_px *canvas, const struct studio_box *box,
                                    const struct studio_length *height,
                                    const struct studio_length *width, struct kr_err *err);

/* Where a cut-out appears in a scene: top-left and scale of the cut-out's
 * rgba image; score is the masked normalised correlation (-1..1). */
struct studio_place {
    double x, y, scale;
    double score;
};
/* Find the cut-out in a scene (RGB). KR_ENOTFOUND "piece_not_in_scene",
 * marked retryable (err->retry: another scene may show it), when no
 * placement scores at least `min_score`. */
enum kr_code studio_locate(const struct image_px *scene, const struct studio_cutout *c,
                           double min_score, struct studio_place *out, struct kr_err *err);
/* Alpha-composite the cut-out onto the scene at `place` (in place). */
enum kr_code studio_paste(struct image_px *scene, const struct studio_cutout *c,
                          const struct studio_place *place, struct kr_err *err);
/* Pad to a square with white and resize to side x side: no distortion. */
enum kr_code studio_square(const struct image_px *in, int side, struct image_px *out,
                           struct kr_err *err);
/* Re-compose a square scene as w x h (w < h, e.g. 3:4) without distortion:
 * a full-height window of the scene's aspect, centred on `piece` (the piece's
 * box in the scene), or, when the piece is too wide for that window, the
 * whole scene letterboxed with white above and below; then resized. */
enum kr_code studio_portrait(const struct image_px *square, const struct studio_box *piece,
                             const int size[2], struct image_px *out, struct kr_err *err);

/* A scene to make: its image type, the product, the piece's cut-out, and
 * the largest provider image accepted (pixels). */
struct studio_scene_req {
    int type;
    enum studio_product product;
    const struct studio_cutout *cut;
    long long max_pixels;
    enum studio_size size; /* output canvas (the scene is re-composed for 3:4) */
};
/* A scene of req->type from the image provider with the piece composited back
 * (at req->size): the provider is shown the cut-out on white. KR_EUNSUPPORTED
 * "image_provider_offline" when images are offline (ai NULL or "offline");
 * KR_ENOTFOUND "piece_not_in_scene" when two scenes in a row do not show the
 * piece recognisably. */
enum kr_code studio_scene_make(struct ai *ai, const struct studio_scene_req *req,
                               struct image_px *out, struct kr_err *err);
/* The prompt used for a scene type. */
void studio_scene_prompt(int type, enum studio_product product, char *out, size_t n);

/* ---- compliance ------------------------------------------------------ */

/* An image to check: encoded bytes, the marketplace whose rules apply
 * ("amazon", "flipkart", "meesho"; NULL = STUDIO_MARKETPLACE) and the
 * largest source accepted (0 = no limit). */
struct studio_check_req {
    const void *data;
    size_t n;
    const char *marketplace;
    long long max_pixels;
};
/* Main-image compliance: background purity, fill ratio, pixel size, format,
 * colour space. *report: {"marketplace", "ok", "checks": {...}, "failures":
 * [...]}; *ok is 1 when every check passes. Errors only for bytes that are
 * not an image or a limit. */
enum kr_code studio_check_image(const struct studio_check_req *req, json_t **report, int *ok,
                                struct kr_err *err);
/* 1 if the marketplace name is known. */
int studio_marketplace_ok(const char *name);

/* ---- ZIP ------------------------------------------------------------- */

/* A named file's bytes: a ZIP entry, or a generated file to store. */
struct studio_file {
    const char *name;
    const void *data;
    size_t len;
};
/* A new archive with these entries, stored (not deflated), in this order. */
enum kr_code studio_zip_build(const struct studio_file *e, size_t n, unsigned char **out,
                              size_t *out_len, struct kr_err *err);
/* A copy of `zip` where entry f->name has f's bytes (same position) or is
 * appended when absent. The input is not modified. */
enum kr_code studio_zip_replace(const void *zip, size_t zip_len, const struct studio_file *f,
                                unsigned char **out, size_t *out_len, struct kr_err *err);
/* Entry names, in order, as a JSON array (new reference). */
enum kr_code studio_zip_names(const void *zip, size_t zip_len, json_t **names, struct kr_err *err);
/* Bytes of one entry into out (bounded by out->max). KR_ENOTFOUND if absent. */
enum kr_code studio_zip_read(const void *zip, size_t zip_len, const char *name, struct buf *out,
                             struct kr_err *err);

/* ---- where generated files go ---------------------------------------- */

struct studio_store;
struct studio_store_ops {
    /* Store generated file f (f->name: a bare file name); write its URL. */
    enum kr_code (*put)(struct studio_store *s, const struct studio_file *f, char *url,
                        size_t url_len, struct kr_err *err);
    /* Read a file this store holds, by URL (bounded by out->max). */
    enum kr_code (*get)(struct studio_store *s, const char *url, struct buf *out,
                        struct kr_err *err);
    /* The bare file name behind a URL of this store; KR_EINVAL "not_generated_file"
     * when the URL is not one of this store's generated files. */
    enum kr_code (*name_of)(struct studio_store *s, const char *url, char *name, size_t n,
                            struct kr_err *err);
    void (*close)(struct studio_store *s);
};
struct studio_store {
    const struct studio_store_ops *ops;
};

enum kr_code studio_store_put(struct studio_store *s, const struct studio_file *f, char *url,
                              size_t url_len, struct kr_err *err);
enum kr_code studio_store_get(struct studio_store *s, const char *url, struct buf *out,
                              struct kr_err *err);
enum kr_code studio_store_name_of(struct studio_store *s, const char *url, char *name, size_t n,
                                  struct kr_err *err);
void studio_store_close(struct studio_store *s);

/* A folder: URLs are the file paths (DIR/name). */
enum kr_code studio_store_dir_open(const char *dir, struct studio_store **out, struct kr_err *err);

/* ---- whole requests -------------------------------------------------- */

/* What the studio takes from the process, filled by the caller (from its
 * configuration: studio_env_from_config); the studio has no defaults of its
 * own and refuses a missing option with KR_EINVAL "bad_option". */
struct studio_env {
    long long max_pixels;         /* largest source image, width x height (> 0) */
    const char *default_types[3]; /* per enum studio_product, "1,2,4,5" style */
    struct ai *ai;                /* image provider; NULL = offline */
    struct pool *pool;            /* the process's worker pool (app_open): a request's images run
                                     on it in parallel (studio_generate) */
    struct studio_read_limits {   /* largest stored file studio_regenerate reads back (> 0) */
        long long image_bytes;    /* a generated image (KARAT_STUDIO_MAX_IMAGE_BYTES) */
        long long zip_bytes;      /* a request's ZIP (KARAT_STUDIO_MAX_ZIP_BYTES) */
    } read_max;
};
/* env from cfg (KARAT_MAX_PIXELS, KARAT_IMAGE_TYPES_*, KARAT_STUDIO_MAX_*_BYTES) plus the
 * caller's ai and pool. */
void studio_env_from_config(const struct config *cfg, struct ai *ai, struct pool *pool,
                            struct studio_env *env);

struct studio_source {
    const void *data;
    size_t len;
    const char *url;  /* echoed as original_image_url */
    const char *name; /* the source's file name; its stem prefixes output names */
};

/* POST /generate-images: every requested type, in parallel on env->pool, stored in `st`
 * with fresh unique names, then the ZIP of every item that succeeded.
 * *out = {"original_image_url", "gen_images": [...], "zip_url"}; a failed
 * item carries "error" and "code" and the rest still return. Returns an
 * error only when nothing could be attempted (bad source image, store down). */
enum kr_code studio_generate(const struct studio_env *env, const struct studio_source *src,
                             const struct studio_request *req, struct studio_store *st,
                             json_t **out, struct kr_err *err);

struct studio_regen_request {
    const char *old_generated_url;
    const char *old_zip_url;
    int prompt_index;
    enum studio_product product;
    struct studio_length height, width; /* when regenerating a type 3 image */
    int shadow;
    char marketplace[16];
    /* the size of the old image is kept (read from its pixels) */
};

/* POST /regenerate-image: make the new image first; only when that worked,
 * replace the old file and its ZIP entry (old bytes restored if the ZIP
 * write fails). Any failure leaves the old image and ZIP as they were.
 * *out = {"image_url", "zip_url", "image_type", "image_type_name", "compliance"}. */
enum kr_code studio_regenerate(const struct studio_env *env, const struct studio_source *src,
                               const struct studio_regen_request *req, struct studio_store *st,
                               json_t **out, struct kr_err *err);

#endif
