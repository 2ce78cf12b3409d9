/*
 * b64.c - standard base64 (RFC 4648, padded) for inline image data in
 * Gemini parts, OpenAI data URLs and b64_json image replies.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ai/ai_internal.h"

static const char enc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *ai_b64_encode(const void *data, size_t n)
{
    const unsigned char *p = data;
    char *out, *o;
    size_t i;
    if (n > (SIZE_MAX - 1) / 4 * 3 - 3)
        return NULL;
    out = malloc(4 * ((n + 2) / 3) + 1);
    if (!out)
        return NULL;
    o = out;
    for (i = 0; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = enc[v >> 18];
        *o++ = enc[(v >> 12) & 63];
        *o++ = enc[(v >> 6) & 63];
        *o++ = enc[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        *o++ = enc[v >> 18];
        *o++ = enc[(v >> 12) & 63];
        *o++ = i + 1 < n ? enc[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    *o = '\0';
    return out;
}

static int dec(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

unsigned char *ai_b64_decode(const char *s, size_t slen, size_t *n)
{
    unsigned char *out = malloc(slen / 4 * 3 + 4), *o = out;
    uint32_t acc = 0;
    int bits = 0, pad = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < slen; i++) {
        unsigned char c = (unsigned char)s[i];
        int d;
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        d = dec(c);
        if (d < 0 || pad) {
            free(out);
            return NULL;
        }
        acc = acc << 6 | (uint32_t)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *o++ = (unsigned char)(acc >> bits);
        }
    }
    if (pad > 2 || bits >= 6) {
        free(out);
        return NULL;
    }
    *n = (size_t)(o - out);
    return out;
}
