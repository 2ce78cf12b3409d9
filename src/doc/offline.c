/*
 * offline.c - the offline bill reader (OCR), behind one function.
 *
 * The reader itself (libtesseract word boxes, table structure, poppler's
 * text layer for PDFs) is the ocr/ module, built separately; this build
 * does not have it yet, so every bill is answered 503
 * bill_offline_unavailable. Connecting it means replacing this body with
 * a call to ocr_read_document() and moving its struct ocr_table into a
 * struct doc_table (headers, cells with their confidences, extras, pages).
 */
#include "doc/doc_int.h"

enum kr_code doc__extract_offline(const struct doc_extract_req *req, struct doc_table *out,
                                  struct kr_err *err)
{
    (void)req;
    (void)out;
    return kr_fail(err, KRS_BILL_OFFLINE_UNAVAILABLE,
                   "offline bill reading is not available in this build");
}
