/*
 * app_int.h - shared by the files of src/app/ (not public).
 */
#ifndef KARAT_APP_APP_INT_H
#define KARAT_APP_APP_INT_H

#include "app/app.h"

struct catalog_listed;
/* A photo a catalog job listed: catalog_io.listed of the app's own io
 * (notes.c), recorded as a product. */
void app__listed(void *ctx, const struct catalog_listed *l);

#endif
