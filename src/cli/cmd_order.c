/*
 * cmd_order.c - `karat order PDF [--json]`: read one marketplace order/tax
 * invoice PDF (Amazon.in, Flipkart, Meesho) with the code POST
 * /create_order uses (doc_order_read: the text layer and the marketplace's
 * label rules; with a text AI provider configured, the fields the rules
 * left empty are asked of it and kept when the invoice shows them).
 *
 * Prints the order as "key: value" lines and one line per item, or with
 * --json the /create_order body {"parsed_data", "products_data"}. Nothing
 * is stored. Exit status: 0 read, 2 failure (the reason on stderr).
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdio.h>

#include "ai/ai.h"
#include "core/buf.h"
#include "core/config.h"
#include "doc/doc.h"

static const struct cli_opt opts[] = {
    {"--json", 0, "print the /create_order JSON {parsed_data, products_data}"},
    {"--data", 1, "data folder (for karat.conf; nothing is written)"},
    {NULL, 0, NULL},
};

#define USAGE "karat order PDF [--json]"

static void print_text(const struct doc_order *o)
{
    for (int f = 0; f < DOC_ORD_NFIELDS; f++)
        printf("%s: %s\n", doc_order_key(f), o->f[f]);
    for (size_t i = 0; i < o->nitems; i++) {
        printf("item %zu:", i + 1);
        for (int f = 0; f < DOC_ITEM_NFIELDS; f++)
            if (*o->items[i].f[f])
                printf(" %s=%s", doc_item_key(f), o->items[i].f[f]);
        putchar('\n');
    }
}

static int order_file(const struct config *cfg, const struct cli_args *a)
{
    struct kr_err err = {0};
    struct doc_order o = {0};
    struct ocr_opts oo = doc_ocr_opts(cfg);
    struct ai *ai = NULL;
    struct buf b;
    int rc = 2;

    buf_init(&b, (size_t)cfg->max_upload_bytes);
    if (buf_read_file(&b, a->pos[0], &err) || ai_open(cfg, &ai, &err) ||
        doc_order_read(b.data, b.len, &oo, ai, &o, &err)) {
        fprintf(stderr, "karat order: %s (%s)\n", err.msg, err.slug ? err.slug : "error");
        goto out;
    }
    if (cli_get(a, opts, "--json")) {
        json_t *j = doc_order_json(&o);
        if (!j) {
            fprintf(stderr, "karat order: out of memory\n");
            goto out;
        }
        json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(j);
    } else {
        print_text(&o);
    }
    rc = 0;
out:
    doc_order_free(&o);
    ai_close(ai);
    buf_release(&b);
    return rc;
}

int cli_cmd_order(int argc, char **argv)
{
    return cli_run_on_file(argc, argv, opts, USAGE, order_file);
}
