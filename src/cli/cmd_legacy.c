/*
 * cmd_legacy.c - `karat import-legacy` and `karat migrate-to-server`.
 *
 * import-legacy adopts the original system's bucket(s) in place
 * (KARAT_BLOB=s3): it walks every configured bucket page by page (never
 * holding the whole listing) and hands each object to repo_adopt() as it
 * comes (photos at the root get rows, gen_images/ and excel_files/ are
 * recorded as derived files), with a progress line on stderr and a summary
 * on stdout. Keys no Karat name can hold (a space, a quote, ...) are
 * passed over and listed in the summary with the reason, like objects that
 * are not readable photos. Whether an object is done is read from
 * the store, so a second run adopts nothing new and a killed run resumes.
 * An object that cannot be decoded or is too large is listed with its
 * reason and the run goes on; any store or S3 failure stops it (exit 2).
 * --ids reads the original's id -> URL map to keep its ids; --sku-cache
 * carries its data_store.json into the SKU cache
 * (catalog_import_legacy_cache).
 *
 * migrate-to-server copies an embedded data folder (--from DIR: SQLite +
 * local blobs) into the server-mode backends the environment names
 * (repo_migrate), then prints what it copied and checked.
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "catalog/catalog.h"
#include "core/log.h"
#include "core/util.h"
#include "repo/repo.h"

/* The original's id of one object ("BUCKET/KEY"), from --ids. */
struct known_id {
    char *name;
    int64_t id;
};

struct legacy {
    struct repo *repo;
    struct known_id *ids; /* sorted by name */
    size_t nids;
    long long listed, adopted, photos, derived, dups, known, ids_kept, unreadable, gone, skipped;
    int failed; /* 2: a failure stopped the walk (printed) */
    int tty;
    struct buf report; /* one line per unreadable or skipped object */
};

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct known_id *)a)->name, ((const struct known_id *)b)->name);
}

/* The original's int_hash_to_path.json: {"ID": "URL"}; each URL is
 * resolved by the one own-URL rule (a URL that is not Karat's is ignored). */
static int load_ids(struct legacy *l, const char *path)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je), *v;
    const char *id;
    struct repo_object o;
    struct kr_err err = {0};
    char name[400];

    if (!json_is_object(root) || !(l->ids = calloc(json_object_size(root) + 1, sizeof *l->ids))) {
        fprintf(stderr, "karat import-legacy: %s: not a JSON object: %s\n", path, je.text);
        json_decref(root);
        return 2;
    }
    json_object_foreach(root, id, v)
    {
        const char *url = json_string_value(v);
        if (!url || repo_parse_url(l->repo, url, &o, &err))
            continue;
        util_fmt(name, sizeof name, "%s/%s", o.bucket, o.key);
        l->ids[l->nids].id = strtoll(id, NULL, 10);
        if ((l->ids[l->nids].name = strdup(name)))
            l->nids++;
    }
    json_decref(root);
    qsort(l->ids, l->nids, sizeof *l->ids, by_name);
    return 0;
}

static int64_t original_id(const struct legacy *l, char *name)
{
    struct known_id want = {name, 0}, *hit;
    hit = l->nids ? bsearch(&want, l->ids, l->nids, sizeof *l->ids, by_name) : NULL;
    return hit ? hit->id : -1;
}

static void count(struct legacy *l, const struct repo_adopt_res *res)
{
    if (!res->adopted) {
        l->known++;
        return;
    }
    l->adopted++;
    l->derived += res->derived;
    l->photos += !res->derived;
    l->dups += res->duplicate;
    l->ids_kept += res->id_kept;
}

static void progress(const struct legacy *l, int last)
{
    if (l->tty || last || l->listed % 100 == 0)
        fprintf(stderr,
                "%simport-legacy: %lld objects, %lld adopted, %lld unreadable, %lld skipped%s",
                l->tty ? "\r" : "", l->listed, l->adopted, l->unreadable, l->skipped,
                l->tty && !last ? "" : "\n");
}

/* The walk's callback: adopt one object as it is listed; 1 stops the walk
 * on a failure that ends the run. */
static int adopt_one(const char *bucket, const char *key, void *ctx)
{
    struct legacy *l = ctx;
    struct repo_adopt_res res;
    struct kr_err err = {0};
    char name[400];
    enum kr_code rc;

    util_fmt(name, sizeof name, "%s/%s", bucket, key);
    rc = repo_adopt(l->repo, &(struct repo_adopt_req){bucket, key, NULL, original_id(l, name)},
                    &res, &err);
    l->listed++;
    if (rc == KR_OK) {
        count(l, &res);
    } else if (rc == KR_ENOTFOUND) {
        l->gone++;
    } else if (rc == KR_EINVAL || rc == KR_ELIMIT || rc == KR_EUNSUPPORTED) {
        l->unreadable++;
        buf_appendf(&l->report, "unreadable %s: %s\n", name, err.msg);
    } else {
        fprintf(stderr, "\nkarat import-legacy: %s: %s\n", name, err.msg);
        l->failed = 2;
        return 1;
    }
    progress(l, 0);
    return 0;
}

/* A key the listing passed over: into the summary, quoted, with bytes that
 * are not printable ASCII as \xNN (a key is the bucket owner's text). */
static void skipped_one(const char *bucket, const char *key, const char *why, void *ctx)
{
    struct legacy *l = ctx;
    l->listed++;
    l->skipped++;
    buf_appendf(&l->report, "skipped %s/\"", bucket);
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
            buf_appendf(&l->report, "\\x%02x", *p);
        else
            buf_append(&l->report, p, 1);
    buf_appendf(&l->report, "\": %s (not a name Karat can store; rename it to adopt it)\n", why);
}

static int import_cache(struct app *app, const char *path)
{
    struct buf b;
    struct kr_err err = {0};
    struct catalog_legacy_stats st;
    enum kr_code rc;

    buf_init(&b, 64u << 20);
    rc = buf_read_file(&b, path, &err);
    if (!rc)
        rc = catalog_import_legacy_cache(app->store, b.data ? (const char *)b.data : "", &st, &err);
    buf_release(&b);
    if (rc) {
        fprintf(stderr, "karat import-legacy: %s: %s\n", path, err.msg);
        return 2;
    }
    printf("sku cache: %lld SKUs, %lld imported, %lld already there, %lld skipped (no usable "
           "value or a cached error)\n",
           st.skus, st.imported, st.kept, st.skipped);
    return 0;
}

static int run_import(struct config *cfg, const char *ids, const char *cache)
{
    const struct app_opts o = {APP_REPO, "http://127.0.0.1:8000", NULL, NULL};
    struct app *app = NULL;
    struct kr_err err = {0};
    struct legacy l = {0};
    int rc = 2;

    log_set_level(LOG_WARN);
    if (strcmp(cfg->blob_backend, "s3") != 0) {
        fprintf(stderr, "karat import-legacy: adopts an S3 bucket: set KARAT_BLOB=s3\n");
        return 2;
    }
    if (app_open(cfg, &o, &app, &err)) {
        fprintf(stderr, "karat import-legacy: %s\n", err.msg);
        return 2;
    }
    l.repo = app->repo;
    l.tty = isatty(2);
    buf_init(&l.report, 0);
    if (ids && load_ids(&l, ids))
        goto out;
    if (repo_list_objects(l.repo, &(struct blob_walk){adopt_one, skipped_one, &l}, &err)) {
        fprintf(stderr, "karat import-legacy: listing: %s\n", err.msg);
        goto out;
    }
    if (l.failed || (cache && import_cache(app, cache)))
        goto out;
    progress(&l, 1);
    printf("objects %lld: adopted %lld (photos %lld, derived files %lld), duplicates among them "
           "%lld, original ids kept %lld, already recorded %lld, unreadable %lld, gone %lld, "
           "skipped %lld\n",
           l.listed, l.adopted, l.photos, l.derived, l.dups, l.ids_kept, l.known, l.unreadable,
           l.gone, l.skipped);
    fputs(l.report.data ? (const char *)l.report.data : "", stdout);
    rc = 0;
out:
    buf_release(&l.report);
    for (size_t i = 0; i < l.nids; i++)
        free(l.ids[i].name);
    free(l.ids);
    app_close(app);
    return rc;
}

static const struct cli_opt import_opts[] = {
    {"--ids", 1, "the original's int_hash_to_path.json: keep its ids"},
    {"--sku-cache", 1, "the original's data_store.json: into the SKU cache"},
    {"--data", 1, "data folder (KARAT_DATA_DIR, default ./var)"},
    {NULL, 0, NULL},
};

int cli_cmd_import_legacy(int argc, char **argv)
{
    struct cli_args a;
    struct config cfg;
    int rc = cli_parse(argc, argv, import_opts,
                       "karat import-legacy [--ids FILE] [--sku-cache FILE] [--data DIR]", &a);

    if (rc)
        return rc;
    if (cli_start(&cfg, cli_get(&a, import_opts, "--data")))
        return 2;
    rc = run_import(&cfg, cli_get(&a, import_opts, "--ids"),
                    cli_get(&a, import_opts, "--sku-cache"));
    cli_finish(&cfg);
    return rc;
}

static int run_migrate(struct config *src_cfg, struct config *dst_cfg)
{
    const struct app_opts o = {APP_REPO, "http://127.0.0.1:8000", NULL, NULL};
    struct app *src = NULL, *dst = NULL;
    struct kr_err err = {0};
    struct repo_migrate_stats st;
    int rc = 2;

    log_set_level(LOG_WARN);
    if (!strcmp(dst_cfg->blob_backend, "local")) {
        fprintf(stderr, "karat migrate-to-server: the destination needs KARAT_BLOB=s3 (and "
                        "KARAT_STORE=postgres for several nodes)\n");
        return 2;
    }
    if (app_open(src_cfg, &o, &src, &err) || app_open(dst_cfg, &o, &dst, &err)) {
        fprintf(stderr, "karat migrate-to-server: %s\n", err.msg);
        goto out;
    }
    if (repo_migrate(src->repo, dst->repo, &st, &err)) {
        fprintf(stderr, "karat migrate-to-server: %s\n", err.msg);
        goto out;
    }
    printf("objects %lld (copied %lld), rows %lld (copied %lld), documents %lld (copied %lld), "
           "rows verified %lld\n",
           st.objects, st.objects_copied, st.rows, st.rows_copied, st.docs, st.docs_copied,
           st.verified);
    rc = 0;
out:
    app_close(dst);
    app_close(src);
    return rc;
}

static const struct cli_opt migrate_opts[] = {
    {"--from", 1, "the embedded data folder to copy (SQLite + local files)"},
    {"--data", 1, "this node's data folder (KARAT_DATA_DIR, default ./var)"},
    {NULL, 0, NULL},
};

int cli_cmd_migrate_to_server(int argc, char **argv)
{
    struct cli_args a;
    struct config src, dst;
    const char *from;
    int rc =
        cli_parse(argc, argv, migrate_opts, "karat migrate-to-server --from DIR [--data DIR]", &a);

    if (rc)
        return rc;
    from = cli_get(&a, migrate_opts, "--from");
    if (!from) {
        fprintf(stderr, "karat migrate-to-server: --from DIR is required\n");
        return 2;
    }
    if (cli_start(&dst, cli_get(&a, migrate_opts, "--data")))
        return 2;
    rc = cli_config(&src, from);
    if (!rc)
        rc = cli_set(&src, "KARAT_STORE", "sqlite") || cli_set(&src, "KARAT_BLOB", "local");
    if (!rc && !strcmp(src.data_dir, dst.data_dir)) {
        fprintf(stderr, "karat migrate-to-server: --from and --data must differ\n");
        rc = 2;
    }
    if (!rc)
        rc = run_migrate(&src, &dst);
    config_release(&src);
    cli_finish(&dst);
    return rc ? 2 : 0;
}
