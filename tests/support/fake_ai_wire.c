/*
 * fake_ai_wire.c - reply bodies in the real Gemini and OpenAI wire formats
 * for the fake server (the providers' documented request/response shapes).
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "fake_ai.h"

char *fake_b64(const void *data, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    if (out)
        EVP_EncodeBlock((unsigned char *)out, data, (int)n);
    return out;
}

static char *dump(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

static json_t *usage(void)
{
    return json_pack("{s:i,s:i,s:i}", "promptTokenCount", 1294, "candidatesTokenCount", 125,
                     "totalTokenCount", 1419);
}

char *fake_gemini_text(const char *text)
{
    return dump(json_pack(
        "{s:[{s:{s:s,s:[{s:s}]},s:s,s:i,s:[{s:s,s:s}]}],s:o,s:s,s:s}", "candidates", "content",
        "role", "model", "parts", "text", text, "finishReason", "STOP", "index", 0, "safetyRatings",
        "category", "HARM_CATEGORY_HARASSMENT", "probability", "NEGLIGIBLE", "usageMetadata",
        usage(), "modelVersion", "gemini-2.0-flash", "responseId", "fake-response-1"));
}

char *fake_gemini_image(const void *png, size_t n, const char *mime)
{
    char *b64 = fake_b64(png, n);
    char *s = dump(json_pack("{s:[{s:{s:s,s:[{s:s},{s:{s:s,s:s}}]},s:s}],s:o,s:s}", "candidates",
                             "content", "role", "model", "parts", "text", "Here is your image: ",
                             "inlineData", "mimeType", mime, "data", b64, "finishReason", "STOP",
                             "usageMetadata", usage(), "modelVersion", "gemini-2.5-flash-image"));
    free(b64);
    return s;
}

char *fake_gemini_429(const char *retry_delay, int per_day)
{
    const char *quota = per_day ? "GenerateRequestsPerDayPerProjectPerModel-FreeTier"
                                : "GenerateRequestsPerMinutePerProjectPerModel-FreeTier";
    json_t *details = json_pack(
        "[{s:s,s:[{s:s,s:s,s:{s:s,s:s},s:s}]},{s:s,s:[{s:s,s:s}]}]", "@type",
        "type.googleapis.com/google.rpc.QuotaFailure", "violations", "quotaMetric",
        "generativelanguage.googleapis.com/generate_content_free_tier_requests", "quotaId", quota,
        "quotaDimensions", "location", "global", "model", "gemini-2.0-flash", "quotaValue", "15",
        "@type", "type.googleapis.com/google.rpc.Help", "links", "description",
        "Learn more about Gemini API quotas", "url",
        "https://ai.google.dev/gemini-api/docs/rate-limits");
    if (retry_delay)
        json_array_append_new(details, json_pack("{s:s,s:s}", "@type",
                                                 "type.googleapis.com/google.rpc.RetryInfo",
                                                 "retryDelay", retry_delay));
    return dump(json_pack("{s:{s:i,s:s,s:s,s:o}}", "error", "code", 429, "message",
                          "You exceeded your current quota, please check your plan and billing "
                          "details.",
                          "status", "RESOURCE_EXHAUSTED", "details", details));
}

char *fake_gemini_blocked(const char *reason)
{
    return dump(json_pack("{s:{s:s,s:[{s:s,s:s}]},s:{s:i,s:i}}", "promptFeedback", "blockReason",
                          reason, "safetyRatings", "category", "HARM_CATEGORY_DANGEROUS_CONTENT",
                          "probability", "HIGH", "usageMetadata", "promptTokenCount", 12,
                          "totalTokenCount", 12));
}

char *fake_openai_chat(const char *content)
{
    return dump(
        json_pack("{s:s,s:s,s:i,s:s,s:[{s:i,s:{s:s,s:s,s:n,s:[]},s:n,s:s}],s:{s:i,s:i,s:i}}", "id",
                  "chatcmpl-fake1", "object", "chat.completion", "created", 1741570283, "model",
                  "gpt-4.1-2025-04-14", "choices", "index", 0, "message", "role", "assistant",
                  "content", content, "refusal", "annotations", "logprobs", "finish_reason", "stop",
                  "usage", "prompt_tokens", 1117, "completion_tokens", 46, "total_tokens", 1163));
}

char *fake_openai_image(const void *png, size_t n)
{
    char *b64 = fake_b64(png, n);
    char *s = dump(json_pack("{s:i,s:[{s:s}],s:s,s:s,s:s,s:s}", "created", 1713833628, "data",
                             "b64_json", b64, "background", "opaque", "output_format", "png",
                             "size", "1024x1024", "quality", "high"));
    free(b64);
    return s;
}

char *fake_openai_429(int quota)
{
    if (quota)
        return dump(json_pack("{s:{s:s,s:s,s:n,s:s}}", "error", "message",
                              "You exceeded your current quota, please check your plan and "
                              "billing details.",
                              "type", "insufficient_quota", "param", "code", "insufficient_quota"));
    return dump(json_pack("{s:{s:s,s:s,s:n,s:s}}", "error", "message",
                          "Rate limit reached for gpt-4.1 on requests per min (RPM): Limit 3. "
                          "Please try again in 20ms.",
                          "type", "requests", "param", "code", "rate_limit_exceeded"));
}
