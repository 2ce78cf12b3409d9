/*
 * test_openai.c - the OpenAI provider against the fake server: chat
 * completions wire format (Bearer key, image as data URL, strict
 * json_schema), rate_limit_exceeded with retry-after-ms, insufficient_quota
 * on one key, refusal, malformed content, images edits multipart and
 * generations JSON.
 */
#include "ai_test.h"
#include "core/util.h"
#include "image/image.h"
#include "net/net.h"

static struct fake_ai *srv;
static unsigned char *photo;
static size_t photo_len;
static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 9, 8, 7};

static const struct ai_field fields[] = {
    {"title", "listing title", NULL, 0, 60, 0},
    {"bullets", "bullet points", NULL, 0, 100, 1},
};

static int setup(void **state)
{
    (void)state;
    ait_clear_keys();
    setenv("OPENAI_API_KEY", "sk-one", 1);
    setenv("API_KEY_GPT", "sk-two", 1);
    photo = ait_photo(1, &photo_len);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(photo);
    ait_clear_keys();
    return 0;
}

static int each_setup(void **state)
{
    (void)state;
    srv = fake_ai_start();
    return 0;
}

static int each_teardown(void **state)
{
    (void)state;
    fake_ai_stop(srv);
    return 0;
}

static struct ai *open_openai(void)
{
    struct kr_err err = {0};
    struct ai *ai = ait_open("openai", NULL, NULL, fake_ai_base(srv), 4, &err);
    assert_non_null(ai);
    /* defaults with an OpenAI key: copy and images go to openai */
    assert_string_equal(ai_provider_name(ai, AI_ROLE_COPY), "openai");
    assert_string_equal(ai_provider_name(ai, AI_ROLE_IMAGE), "openai");
    return ai;
}

static void push_chat(const char *content)
{
    char *b = fake_openai_chat(content);
    fake_ai_push(srv, 200, b);
    free(b);
}

static enum kr_code listing(struct ai *ai, json_t **out, struct kr_err *err)
{
    json_t *attrs = json_pack("{s:s,s:s}", "color", "Gold", "stone_color", "Red");
    struct ai_copy_req req = {.kind = AI_COPY_LISTING,
                              .product_type = "earrings",
                              .marketplace = "amazon",
                              .attributes = attrs,
                              .fields = fields,
                              .nfields = 2};
    enum kr_code rc = ai_copy(ai, &req, out, err);
    json_decref(attrs);
    return rc;
}

static void test_chat_wire_format(void **state)
{
    struct ai *ai = open_openai();
    struct ai_image im = {photo, photo_len, "image/jpeg"};
    const char *const allowed[] = {"Gold", "Silver"};
    struct ai_field f[] = {{"color", NULL, allowed, 2, 0, 0}};
    struct ai_extract_req req = {
        .images = &im, .nimages = 1, .product_type = "necklace", .fields = f, .nfields = 1};
    json_t *out = NULL;
    struct kr_err err = {0};
    (void)state;

    push_chat("{\"color\":\"Silver\"}");
    assert_int_equal(ai_extract(ai, &req, &out, NULL, &err), KR_OK);
    assert_string_equal(json_string_value(json_object_get(out, "color")), "Silver");
    const struct fake_request *r = fake_ai_request(srv, 0);
    assert_string_equal(r->url, "/v1/chat/completions");
    assert_string_equal(fake_req_header(r, "Authorization"), "Bearer sk-one");
    json_t *body = fake_req_json(r);
    assert_string_equal(json_string_value(json_object_get(body, "model")), "gpt-test");
    json_t *msgs = json_object_get(body, "messages");
    assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 0), "role")),
                        "system");
    json_t *content = json_object_get(json_array_get(msgs, 1), "content");
    json_t *img = json_object_get(json_array_get(content, 1), "image_url");
    assert_true(strncmp(json_string_value(json_object_get(img, "url")), "data:image/jpeg;base64,",
                        23) == 0);
    json_t *rf = json_object_get(body, "response_format");
    assert_string_equal(json_string_value(json_object_get(rf, "type")), "json_schema");
    json_t *js = json_object_get(rf, "json_schema");
    assert_true(json_is_true(json_object_get(js, "strict")));
    json_t *schema = json_object_get(js, "schema");
    assert_true(json_is_false(json_object_get(schema, "additionalProperties")));
    assert_string_equal(json_string_value(json_array_get(json_object_get(schema, "required"), 0)),
                        "color");
    json_decref(body);
    json_decref(out);
    ai_close(ai);
}

static void test_rate_limit_then_quota(void **state)
{
    struct ai *ai = open_openai();
    json_t *out = NULL;
    struct kr_err err = {0};
    char *rate = fake_openai_429(0), *quota = fake_openai_429(1);
    struct fake_reply r429 = {429, rate, 0, NULL, "retry-after-ms: 250\n", 0};
    (void)state;

    /* a rate limit on key one: key two answers at once */
    fake_ai_push_reply(srv, &r429);
    push_chat("{\"title\":\"Gold Earrings\",\"bullets\":[\"Colour: gold\"]}");
    assert_int_equal(listing(ai, &out, &err), KR_OK);
    assert_string_equal(json_string_value(json_object_get(out, "title")), "Gold Earrings");
    assert_int_equal(json_array_size(json_object_get(out, "bullets")), 1);
    assert_string_equal(fake_req_header(fake_ai_request(srv, 1), "Authorization"), "Bearer sk-two");
    json_decref(out);

    /* insufficient_quota on key two; key one's 250 ms cool-down is waited out */
    fake_ai_push(srv, 429, quota);
    push_chat("{\"title\":\"T\",\"bullets\":null}");
    assert_int_equal(listing(ai, &out, &err), KR_OK);
    assert_string_equal(fake_req_header(fake_ai_request(srv, 2), "Authorization"), "Bearer sk-two");
    assert_string_equal(fake_req_header(fake_ai_request(srv, 3), "Authorization"), "Bearer sk-one");
    json_decref(out);

    /* key one out of quota too */
    fake_ai_push(srv, 429, quota);
    assert_int_equal(listing(ai, &out, &err), KR_EQUOTA);
    assert_null(strstr(err.msg, "sk-"));
    free(rate);
    free(quota);
    ai_close(ai);
}

static void test_refusal_and_malformed(void **state)
{
    struct ai *ai = open_openai();
    json_t *out = NULL;
    struct kr_err err = {0};
    (void)state;
    fake_ai_push(srv, 200,
                 "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
                 "\"refusal\":\"I can't help with that.\"},\"finish_reason\":\"stop\"}]}");
    assert_int_equal(listing(ai, &out, &err), KR_EUPSTREAM);
    assert_string_equal(err.slug, "blocked_reply");
    assert_int_equal(fake_ai_count(srv), 1);

    push_chat("{\"title\": 12, \"bullets\": {\"a\": 1}}"); /* wrong shape */
    push_chat("no json at all");
    assert_int_equal(listing(ai, &out, &err), KR_EUPSTREAM);
    assert_string_equal(err.slug, "bad_model_reply");
    assert_int_equal(fake_ai_count(srv), 3);
    ai_close(ai);
}

static void test_image_edit_multipart(void **state)
{
    struct ai *ai = open_openai();
    struct kr_err err = {0};
    struct ai_image ims[2] = {{photo, photo_len, "image/jpeg"}, {png, sizeof png, "image/png"}};
    struct ai_image_req req = {ims, 2, "A studio shot on white", 1600, 1000};
    struct ai_image_out out;
    char *reply = fake_openai_image(png, sizeof png);
    (void)state;

    fake_ai_push(srv, 200, reply);
    assert_int_equal(ai_image(ai, &req, &out, &err), KR_OK);
    assert_int_equal(out.len, sizeof png);
    assert_memory_equal(out.data, png, sizeof png);
    ai_image_out_release(&out);
    const struct fake_request *r = fake_ai_request(srv, 0);
    assert_string_equal(r->url, "/v1/images/edits");
    assert_non_null(strstr(fake_req_header(r, "Content-Type"), "multipart/form-data"));
    assert_memory_equal(fake_req_part(r, "model", 0)->data, "gpt-image-test", 14);
    const struct fake_part *a = fake_req_part(r, "image[]", 0), *b = fake_req_part(r, "image[]", 1);
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a->content_type, "image/jpeg");
    assert_string_equal(b->content_type, "image/png");
    assert_non_null(a->filename);
    assert_int_equal(a->len, photo_len);
    assert_memory_equal(fake_req_part(r, "size", 0)->data, "1536x1024", 9);
    assert_memory_equal(fake_req_part(r, "prompt", 0)->data, "A studio shot on white", 22);
    assert_null(fake_req_part(r, "response_format", 0));

    /* no source photo: the generations endpoint with a JSON body */
    fake_ai_push(srv, 200, reply);
    struct ai_image_req gen = {NULL, 0, "A gift box", 0, 0};
    assert_int_equal(ai_image(ai, &gen, &out, &err), KR_OK);
    ai_image_out_release(&out);
    r = fake_ai_request(srv, 1);
    assert_string_equal(r->url, "/v1/images/generations");
    json_t *body = fake_req_json(r);
    assert_string_equal(json_string_value(json_object_get(body, "model")), "gpt-image-test");
    assert_string_equal(json_string_value(json_object_get(body, "size")), "1024x1024");
    json_decref(body);

    /* a moderation block is a clear error */
    fake_ai_push(srv, 400,
                 "{\"error\":{\"message\":\"Your request was rejected by the safety system.\","
                 "\"type\":\"image_generation_user_error\",\"param\":null,\"code\":"
                 "\"moderation_blocked\"}}");
    assert_int_equal(ai_image(ai, &gen, &out, &err), KR_EUPSTREAM);
    assert_non_null(strstr(err.msg, "safety system"));
    free(reply);
    ai_close(ai);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_chat_wire_format, each_setup, each_teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit_then_quota, each_setup, each_teardown),
        cmocka_unit_test_setup_teardown(test_refusal_and_malformed, each_setup, each_teardown),
        cmocka_unit_test_setup_teardown(test_image_edit_multipart, each_setup, each_teardown),
    };
    net_global_init(NULL);
    image_init("test_openai", NULL);
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    image_shutdown();
    net_global_cleanup();
    return rc;
}
