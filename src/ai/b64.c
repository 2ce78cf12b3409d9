/*
 * b64.c - standard base64 (RFC 4648, padded) for inline image data in
 * Gemini parts, OpenAI data URLs and b64_json image replies, done by
 * OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock (libcrypto is linked anyway).
 *
 * OpenSSL's block decoder is strict: a multiple of 4 characters, only the
 * standard alphabet, whitespace only at the ends. Providers are not always
 * that tidy, so ai__b64_decode() first normalises what it accepts - any
 * whitespace anywhere, the URL-safe '-' and '_', missing padding - and
 * refuses what is malformed (other characters, data after '=', more than
 * two '=', a lone trailing character) before OpenSSL sees it. Both
 * directions work in chunks so sizes past INT_MAX cannot overflow
 * OpenSSL's int lengths.
 */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ai/ai_int.h"

#define CHUNK (3u << 20) /* input bytes per EVP_EncodeBlock call (multiple of 3) */

char *ai__b64_encode(const void *data, size_t n)
{
    const unsigned char *p = data;
    char *out;
    size_t o = 0;
    if (n > (SIZE_MAX - 1) / 4 * 3 - 3)
        return NULL;
    out = malloc(4 * ((n + 2) / 3) + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i += CHUNK) {
        size_t k = n - i < CHUNK ? n - i : CHUNK;
        o += (size_t)EVP_EncodeBlock((unsigned char *)out + o, p + i, (int)k);
    }
    out[o] = '\0';
    return out;
}

/* s without whitespace and padding, URL-safe letters mapped to the
 * standard ones, re-padded to a multiple of 4; *data = characters before
 * the padding. NULL when malformed or out of memory. */
static char *normalise(const char *s, size_t slen, size_t *len, size_t *data)
{
    char *t = malloc(slen + 4);
    size_t k = 0, pad = 0;
    if (!t)
        return NULL;
    for (size_t i = 0; i < slen; i++) {
        char c = s[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        if (pad || !(c == '-' || c == '_' || c == '+' || c == '/' || (c >= '0' && c <= '9') ||
                     (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
            goto bad;
        t[k++] = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    if (pad > 2 || k % 4 == 1)
        goto bad;
    *data = k;
    while (k % 4)
        t[k++] = '=';
    *len = k;
    return t;
bad:
    free(t);
    return NULL;
}

unsigned char *ai__b64_decode(const char *s, size_t slen, size_t *n)
{
    size_t len = 0, data = 0, o = 0;
    char *t = normalise(s, slen, &len, &data);
    unsigned char *out = t ? malloc(len / 4 * 3 + 1) : NULL;
    if (!out) {
        free(t);
        return NULL;
    }
    for (size_t i = 0; i < len; i += CHUNK / 3 * 4) {
        size_t k = len - i < CHUNK / 3 * 4 ? len - i : CHUNK / 3 * 4;
        int got = EVP_DecodeBlock(out + o, (const unsigned char *)t + i, (int)k);
        if (got < 0) {
            free(out);
            free(t);
            return NULL;
        }
        o += (size_t)got;
    }
    free(t);
    *n = o - (len - data); /* EVP_DecodeBlock counts each '=' as a zero byte */
    return out;
}
