/*
 * store_watch.c - the store_* wrappers of the market watch ops (store.h,
 * "market watch"): argument checks once for every backend, then the
 * backend; a backend without the ops answers KR_EUNSUPPORTED.
 */
#include <string.h>

#include "store/store.h"

static enum kr_code have(struct store *s, const void *op, struct kr_err *err)
{
    (void)s;
    return op ? KR_OK : kr_fail(err, KRS_STORE_NO_WATCH, "store: this backend has no watch list");
}

static enum kr_code check_text(const char *v, const char *what, struct kr_err *err)
{
    if (!v)
        return kr_fail(err, KRS_BAD_ARGUMENT, "store: watch: missing %s", what);
    if (strnlen(v, STORE_WATCH_TEXT_MAX + 1) > STORE_WATCH_TEXT_MAX)
        return kr_fail(err, KRS_STORE_VALUE_TOO_LONG, "store: watch %s is too long", what);
    return KR_OK;
}

enum kr_code store_watch_add(struct store *s, const struct store_watch *w, int64_t *id,
                             struct kr_err *err)
{
    enum kr_code rc = have(s, s->ops->watch_add, err);
    if (!rc)
        rc = check_text(w->market, "marketplace", err);
    if (!rc)
        rc = check_text(w->item, "item", err);
    if (!rc)
        rc = check_text(w->query, "query", err);
    return rc ? rc : s->ops->watch_add(s, w, id, err);
}

enum kr_code store_watch_delete(struct store *s, int64_t id, struct kr_err *err)
{
    enum kr_code rc = have(s, s->ops->watch_delete, err);
    return rc ? rc : s->ops->watch_delete(s, id, err);
}

enum kr_code store_watch_each(struct store *s, int64_t id, store_watch_cb cb, void *ctx,
                              struct kr_err *err)
{
    enum kr_code rc = have(s, s->ops->watch_each, err);
    return rc ? rc : s->ops->watch_each(s, id, cb, ctx, err);
}

enum kr_code store_watch_observe(struct store *s, const struct store_watch_obs *o,
                                 struct kr_err *err)
{
    enum kr_code rc = have(s, s->ops->watch_observe, err);
    if (!rc && o->error)
        rc = check_text(o->error, "error", err);
    return rc ? rc : s->ops->watch_observe(s, o, err);
}

enum kr_code store_watch_history(struct store *s, int64_t id, int limit, store_watch_obs_cb cb,
                                 void *ctx, struct kr_err *err)
{
    enum kr_code rc = have(s, s->ops->watch_history, err);
    if (!rc && limit < 1)
        rc = kr_fail(err, KRS_BAD_ARGUMENT, "store: watch history needs a limit");
    return rc ? rc : s->ops->watch_history(s, id, limit, cb, ctx, err);
}
