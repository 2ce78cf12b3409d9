/*
 * ai_test.h - helpers shared by the AI unit tests (header-only, static):
 * open a struct ai against the fake server with chosen providers and keys,
 * and make a synthetic photo.
 */
#ifndef KARAT_AI_TEST_H
#define KARAT_AI_TEST_H

#include <stdlib.h>
#include <string.h>

#include "ai/ai.h"
#include "core/config.h"
#include "fake_ai.h"
#include "testutil.h"

static void ait_clear_keys(void)
{
    const char *names[] = {"GOOGLE_API_KEY",
                           "GOOGLE_API_KEY2",
                           "GOOGLE_API_KEY3",
                           "OPENAI_API_KEY",
                           "OPENAI_API_KEY2",
                           "API_KEY_GPT",
                           NULL};
    for (int i = 0; names[i]; i++)
        unsetenv(names[i]);
}

/* providers: "attr,copy,image" (empty entries keep the default). */
static struct ai *ait_open(const char *attr, const char *copy, const char *image, const char *base,
                           int concurrency, struct kr_err *err)
{
    struct config cfg;
    struct ai *ai = NULL;
    char conc[16];
    assert_int_equal(config_load(&cfg, NULL), KR_OK);
    config_set(&cfg, "KARAT_ATTR_PROVIDER", attr ? attr : "", NULL);
    config_set(&cfg, "KARAT_COPY_PROVIDER", copy ? copy : "", NULL);
    config_set(&cfg, "KARAT_IMAGE_PROVIDER", image ? image : "", NULL);
    if (base) {
        config_set(&cfg, "GEMINI_BASE_URL", base, NULL);
        config_set(&cfg, "OPENAI_BASE_URL", base, NULL);
    }
    config_set(&cfg, "GEMINI_MODEL", "gemini-test", NULL);
    config_set(&cfg, "GEMINI_IMAGE_MODEL", "gemini-image-test", NULL);
    config_set(&cfg, "OPENAI_MODEL", "gpt-test", NULL);
    config_set(&cfg, "OPENAI_IMAGE_MODEL", "gpt-image-test", NULL);
    snprintf(conc, sizeof conc, "%d", concurrency > 0 ? concurrency : 4);
    config_set(&cfg, "KARAT_AI_CONCURRENCY", conc, NULL);
    if (ai_open(&cfg, &ai, err) != KR_OK)
        ai = NULL;
    config_release(&cfg);
    if (ai) {
        struct ai_tuning t = {
            .backoff_base_ms = 20, .backoff_cap_ms = 100, .max_wait_ms = 3000, .timeout_ms = 5000};
        ai_set_tuning(ai, &t);
    }
    return ai;
}

/* A 1200x1200 JPEG product photo (malloc'd). */
static unsigned char *ait_photo(int seed, size_t *n)
{
    struct tu_img_opts o = {.width = 1200, .height = 1200, .seed = seed};
    return tu_make_image(&o, n);
}

#endif
