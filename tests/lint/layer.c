/*
 * layer.c - a lint fixture (never compiled): scripts/lint --self-test checks that
 * each call marked "lint-expect" below is flagged (the repo's backends are reached
 * only from src/app and src/repo), and nothing else.
 */
struct repo;

int list(struct repo *r)
{
    /* lint-expect: layer repo_store */
    return store_image_each(repo_store(r), 0, 0, 0);
}

int damage(struct repo *r)
{
    /* lint-expect: layer repo_blob */
    return blob_remove(repo_blob(r), "b", "k", 0);
}
