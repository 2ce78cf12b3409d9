/*
 * test_caption.c - the caption core on its own (no HTTP): a photo described
 * by the offline provider comes back as a struct (grade A/B/C, a colour, a
 * name and caption, attributes as an array), the same photo gives the same
 * description, and bytes that are not an image are refused before any AI
 * call with nothing left to free.
 */
#include "../ai/ai_test.h"
#include "caption/caption.h"

static void test_describe_offline(void **state)
{
    struct kr_err err = {0};
    struct ai *ai;
    struct caption_result a, b;
    size_t n;
    unsigned char *photo = ait_photo(3, &n);
    (void)state;

    ait_clear_keys(); /* the offline provider, whatever the environment holds */
    ai = ait_open(NULL, NULL, NULL, NULL, 0, &err);
    assert_non_null(ai);
    assert_int_equal(
        caption_describe(ai, 50000000,
                         &(struct caption_req){.data = photo, .len = n, .type = "earrings"}, &a,
                         &err),
        KR_OK);
    assert_true(a.grade == 'A' || a.grade == 'B' || a.grade == 'C');
    assert_true(a.colour[0] != '\0');
    assert_non_null(a.name);
    assert_non_null(a.description);
    assert_true(json_is_array(a.attributes));
    assert_int_equal(
        caption_describe(ai, 50000000,
                         &(struct caption_req){.data = photo, .len = n, .type = "earrings"}, &b,
                         &err),
        KR_OK);
    assert_int_equal(a.grade, b.grade);
    assert_string_equal(a.colour, b.colour);
    assert_string_equal(a.description, b.description);
    assert_true(json_equal(a.attributes, b.attributes));
    caption_result_free(&a);
    caption_result_free(&b);
    caption_result_free(&b); /* freeing twice is harmless: the struct is cleared */
    free(photo);
    ai_close(ai);
}

static void test_not_an_image(void **state)
{
    struct kr_err err = {0};
    struct ai *ai = ait_open(NULL, NULL, NULL, NULL, 0, &err);
    struct caption_result r;
    (void)state;

    assert_non_null(ai);
    assert_int_equal(
        caption_describe(ai, 50000000,
                         &(struct caption_req){.data = "hello", .len = 5, .type = "ring"}, &r,
                         &err),
        KR_EINVAL);
    assert_null(r.name);
    assert_null(r.attributes);
    caption_result_free(&r);
    ai_close(ai);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_describe_offline),
        cmocka_unit_test(test_not_an_image),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
