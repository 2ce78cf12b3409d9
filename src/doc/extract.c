/*
 * extract.c - a bill's bytes -> its table: who reads it.
 *
 * doc_extract() tries, in order: a fake reader a test harness registered
 * (doc_extract_fake; never set by karat itself), then the offline reader
 * (doc__extract_offline in offline.c). A provider (Gemini/OpenAI vision)
 * path is not in this build yet: see docs/API.md. After reading, every
 * cell's value is parsed from its printed string.
 */
#include "doc/doc_int.h"

#include <stdatomic.h>

static _Atomic(doc_extract_fn) fake;

void doc_extract_fake(doc_extract_fn fn)
{
    atomic_store(&fake, fn);
}

enum kr_code doc_extract(const struct doc_extract_req *req, struct doc_table *out,
                         struct kr_err *err)
{
    doc_extract_fn fn = atomic_load(&fake);
    enum kr_code rc;

    memset(out, 0, sizeof *out);
    rc = fn ? fn(req, out, err) : doc__extract_offline(req, out, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < out->nrows * out->ncols; i++)
        doc_parse_value(out->cells[i].text, &out->cells[i].v);
    return KR_OK;
}
