/*
 * caption.h - captioning one jewellery photo, the core of /generate_caption
 * and `karat caption`: decode (header probe, limits) -> duplicate check and
 * store (one repo_ingest) -> describe (two AI jobs: attributes from the
 * photo, then the name and caption written from them).
 *
 * The HTTP layer only parses the request and shapes the answer, the CLI only
 * reads a file and prints; both hand the photo here and get the description
 * back as a struct. Prefix caption_.
 *
 * Ownership: everything in a struct caption_result is owned by it
 * (caption_result_free); nothing here prints.
 */
#ifndef KARAT_CAPTION_CAPTION_H
#define KARAT_CAPTION_CAPTION_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"
#include "repo/repo.h"

struct ai;

/* A photo described. */
struct caption_result {
    char *name;         /* short product name ("" when the model gave none) */
    char grade;         /* photo quality, 'A', 'B' or 'C' (the model's, else measured) */
    char *description;  /* one-line e-commerce caption ("" when none) */
    json_t *attributes; /* array of short phrases (the model's, else the measured metal
                           tone and stone colour); kept as a JSON array because clients
                           get it as one and the copy prompt quotes it as JSON */
    char colour[64];    /* main colour (the model's, else the measured one, Title Case) */
};
void caption_result_free(struct caption_result *r);

struct caption_req;

/* Describe the photo req->data (nothing is stored, so only data, len and
 * type are read): probe it within max_pixels, measure it, ask the AI layer
 * for copy written for req->type. */
enum kr_code caption_describe(struct ai *ai, long long max_pixels, const struct caption_req *req,
                              struct caption_result *out, struct kr_err *err);

struct caption_req {
    const void *data;
    size_t len;
    const char *type;     /* jewellery type for the copy */
    const char *filename; /* the client's name for it (recorded only) */
    const char *bucket;   /* where it is stored, already resolved */
    const char *website;
    int check_duplicate; /* 0: store it whatever it looks like */
};

struct caption_outcome {
    int duplicate;             /* 1: match is a stored copy; nothing stored or described */
    struct repo_match match;   /* the duplicate found */
    int stored;                /* 1: the photo was stored at url (even if describing failed) */
    char url[1024];
    struct caption_result caption; /* when the call returns KR_OK and it is no duplicate */
};

/* The whole pipeline: probe, duplicate check and store, describe. A failure
 * after the photo was stored leaves out->stored and out->url set, so the
 * caller can say where it is (a retry need not upload a copy). */
enum kr_code caption_photo(struct ai *ai, struct repo *repo, long long max_pixels,
                           const struct caption_req *req, struct caption_outcome *out,
                           struct kr_err *err);

#endif
