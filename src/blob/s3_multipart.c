/*
 * s3_multipart.c - uploading a large object in parts.
 *
 * CreateMultipartUpload (POST KEY?uploads=) -> UploadPart for each slice of
 * s->part_bytes (PUT KEY?partNumber=N&uploadId=ID, each part its own signed
 * request with its own x-amz-content-sha256 and retries) ->
 * CompleteMultipartUpload (POST KEY?uploadId=ID with the parts' ETags).
 * The object appears only when the upload completes, so a failure leaves
 * no object; the upload is then aborted (DELETE KEY?uploadId=ID) so its
 * parts are not kept (and billed). Complete can answer 200 with an <Error>
 * body: that is a failure too.
 */
#include "blob/s3_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

struct upload {
    struct s3_blob *s;
    const char *bucket, *key;
    char id_enc[1200]; /* the UploadId, percent-encoded for queries */
    struct buf done;   /* the <Part> list for Complete */
};

static enum kr_code initiate(struct upload *u, struct kr_err *err)
{
    struct buf body;
    struct s3_req rq = {"POST", u->bucket, u->key, "uploads=", NULL, 0,
                        util_content_type(u->key), &body};
    struct s3_resp rs;
    char id[400];
    enum kr_code rc;

    buf_init(&body, 1 << 20);
    rc = blob__s3_call(u->s, &rq, &rs, err);
    if (!rc)
        rc = blob__s3_xml_text(body.data, body.len, "UploadId", id, sizeof id, err);
    buf_release(&body);
    if (!rc)
        blob__s3_encode(id, 0, u->id_enc, sizeof u->id_enc);
    return rc;
}

static enum kr_code put_part(struct upload *u, int num, const void *data, size_t n,
                             struct kr_err *err)
{
    char query[1400];
    struct s3_req rq = {"PUT", u->bucket, u->key, query, data, n, NULL, NULL};
    struct s3_resp rs;
    enum kr_code rc;

    snprintf(query, sizeof query, "partNumber=%d&uploadId=%s", num, u->id_enc);
    rc = blob__s3_call(u->s, &rq, &rs, err);
    if (!rc && !rs.etag[0])
        rc = kr_fail(err, KRS_S3_BAD_REPLY, "s3: part %d of %s/%s: no ETag", num,
                     u->bucket, u->key);
    if (!rc && strpbrk(rs.etag, "<>&"))
        rc = kr_fail(err, KRS_S3_BAD_REPLY, "s3: part %d of %s/%s: odd ETag", num,
                     u->bucket, u->key);
    if (!rc)
        rc = buf_appendf(&u->done, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", num,
                         rs.etag);
    return rc;
}

static enum kr_code complete(struct upload *u, struct kr_err *err)
{
    char query[1300], code[64], msg[256];
    struct buf body;
    struct s3_req rq = {"POST", u->bucket, u->key, query, NULL, 0, "application/xml", &body};
    struct s3_resp rs;
    enum kr_code rc = buf_appendf(&u->done, "</CompleteMultipartUpload>");

    if (rc)
        return kr_fail(err, kr_slug_grow(rc), "s3: out of memory");
    snprintf(query, sizeof query, "uploadId=%s", u->id_enc);
    rq.body = u->done.data;
    rq.body_len = u->done.len;
    buf_init(&body, 1 << 20);
    rc = blob__s3_call(u->s, &rq, &rs, err);
    if (!rc) {
        blob__s3_xml_error(body.data, body.len, code, sizeof code, msg, sizeof msg);
        if (*code)
            rc = kr_fail(err, KRS_S3_ERROR, "s3: completing %s/%s: %s %s", u->bucket,
                         u->key, code, msg);
    }
    buf_release(&body);
    return rc;
}

static void abort_upload(struct upload *u)
{
    char query[1300];
    struct s3_req rq = {"DELETE", u->bucket, u->key, query, NULL, 0, NULL, NULL};
    struct s3_resp rs;
    struct kr_err e = {0};

    snprintf(query, sizeof query, "uploadId=%s", u->id_enc);
    (void)blob__s3_call(u->s, &rq, &rs, &e); /* best effort: a lifecycle rule cleans the rest */
}

enum kr_code blob__s3_multipart(struct s3_blob *s, const char *bucket, const char *key,
                           const void *data, size_t n, struct kr_err *err)
{
    struct upload u = {.s = s, .bucket = bucket, .key = key};
    size_t part = (size_t)s->part_bytes, off = 0;
    enum kr_code rc;

    if (n / part >= 10000)
        return kr_fail(err, KRS_TOO_LARGE, "s3: %s/%s needs over 10000 parts", bucket,
                       key);
    buf_init(&u.done, 0);
    rc = initiate(&u, err);
    if (rc)
        goto out;
    rc = buf_appendf(&u.done, "<CompleteMultipartUpload>");
    for (int num = 1; !rc && off < n; num++) {
        size_t len = n - off < part ? n - off : part;
        rc = put_part(&u, num, (const unsigned char *)data + off, len, err);
        off += len;
    }
    if (!rc)
        rc = complete(&u, err);
    if (rc)
        abort_upload(&u);
out:
    buf_release(&u.done);
    return rc;
}
