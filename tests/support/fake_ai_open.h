/*
 * fake_ai_open.h - an AI layer whose copy provider talks to a fake server
 * (tests/support/fake_ai.h), for unit tests of the structured text calls
 * (order fields, collection copy). Header-only: the support library does
 * not link the AI module, the tests that include this do.
 *
 * Both base URLs point at the fake, attributes stay offline, one attempt
 * per call and short backoffs; the keys come from GOOGLE_API_KEY and
 * OPENAI_API_KEY, which the test sets.
 */
#ifndef KARAT_TEST_FAKE_AI_OPEN_H
#define KARAT_TEST_FAKE_AI_OPEN_H

#include "ai/ai.h"
#include "core/config.h"
#include "fake_ai.h"
#include "testutil.h"

static inline struct ai *fake_ai_open_copy(struct fake_ai *srv, const char *copy_provider)
{
    struct config cfg;
    struct kr_err err = {0};
    struct ai *ai = NULL;
    struct ai_tuning t = {
        .backoff_base_ms = 10, .backoff_cap_ms = 50, .max_wait_ms = 1000, .timeout_ms = 5000};

    assert_int_equal(config_load(&cfg, NULL), KR_OK);
    config_set(&cfg, "KARAT_COPY_PROVIDER", copy_provider, NULL);
    config_set(&cfg, "KARAT_ATTR_PROVIDER", "offline", NULL);
    config_set(&cfg, "GEMINI_BASE_URL", fake_ai_base(srv), NULL);
    config_set(&cfg, "OPENAI_BASE_URL", fake_ai_base(srv), NULL);
    config_set(&cfg, "KARAT_AI_ATTEMPTS", "1", NULL);
    assert_int_equal(ai_open(&cfg, &ai, &err), KR_OK);
    config_release(&cfg);
    ai_set_tuning(ai, &t);
    return ai;
}

#endif
