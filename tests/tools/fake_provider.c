/*
 * fake_provider.c - a stand-alone fake image provider for the browser suite.
 *
 * The browser test (tests/browser/app.test.mjs) starts this program, reads
 * the first line of its standard output ("http://127.0.0.1:PORT") and points
 * `karat serve` at it with OPENAI_BASE_URL and KARAT_IMAGE_PROVIDER=openai,
 * so the AI scene types (2, 4-8) run over the real wire format: the server's
 * multipart POST /v1/images/edits is answered in OpenAI's Images API format
 * (tests/support/fake_ai*.c, the same fake the C tests use).
 *
 * The "scene" is the reference image Karat sent (the piece on white) with
 * the white replaced by a soft pastel gradient, so the piece is where Karat's
 * locate step looks for it and every scene type succeeds. Any other request
 * gets a 404 in OpenAI's error format, except the market watch's page paths,
 * answered with the marketplace fixtures (tests/support/market_fix.h) so the
 * documented /get_rank_product, /competitor_analysis and /get_number_of_offers
 * examples run against it (the suite points KARAT_MARKET_*_URL here). Runs until SIGTERM/SIGINT or until its
 * standard input reaches end of file (the test process went away).
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vips/vips.h>

#include "fake_ai.h"
#include "market_fix.h"

/* The white of an image (its first three bands, as sRGB) turned into a vertical pastel gradient, as PNG. */
static unsigned char *scene_from(const void *data, size_t n, size_t *out_len)
{
    VipsImage *in = vips_image_new_from_buffer(data, n, "", NULL), *rgb = NULL, *flat = NULL;
    unsigned char *px = NULL, *png = NULL;
    size_t len = 0;
    void *buf = NULL;
    int w, h;

    if (!in)
        return NULL;
    if (vips_colourspace(in, &rgb, VIPS_INTERPRETATION_sRGB, NULL) ||
        vips_extract_band(rgb, &flat, 0, "n", 3, NULL))
        goto out;
    w = flat->Xsize;
    h = flat->Ysize;
    px = vips_image_write_to_memory(flat, &len);
    if (!px || len != (size_t)w * h * 3)
        goto out;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned char *p = px + ((size_t)y * w + x) * 3;
            if (p[0] >= 238 && p[1] >= 238 && p[2] >= 238) {
                p[0] = (unsigned char)(236 - 20 * y / h);
                p[1] = (unsigned char)(214 + 10 * x / w);
                p[2] = (unsigned char)(226 + 12 * y / h);
            }
        }
    {
        VipsImage *im = vips_image_new_from_memory(px, len, w, h, 3, VIPS_FORMAT_UCHAR);
        if (im && !vips_pngsave_buffer(im, &buf, out_len, "compression", 1, NULL))
            png = buf;
        if (im)
            g_object_unref(im);
    }
out:
    g_free(px);
    if (flat)
        g_object_unref(flat);
    if (rgb)
        g_object_unref(rgb);
    g_object_unref(in);
    return png;
}

static void respond(const struct fake_request *r, struct fake_reply *out, void *arg)
{
    const struct fake_part *img = fake_req_part(r, "image[]", 0);
    unsigned char *png;
    size_t n = 0;
    (void)arg;
    if (market_fix_answer(r, out))
        return;
    if (!img)
        img = fake_req_part(r, "image", 0);
    if (strstr(r->url, "/images/edits") && img && (png = scene_from(img->data, img->len, &n))) {
        out->status = 200;
        out->body = fake_openai_image(png, n);
        g_free(png);
        return;
    }
    fprintf(stderr, "fake_provider: %s %s (image part: %s, %zu bytes): %s\n", r->method, r->url,
            img ? "yes" : "no", img ? img->len : 0, vips_error_buffer());
    vips_error_clear();
    out->status = 404;
    out->body = strdup("{\"error\":{\"message\":\"fake provider: only /v1/images/edits with an "
                       "image\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}");
}

static void *watch_stdin(void *arg)
{
    char b[256];
    (void)arg;
    while (read(0, b, sizeof b) > 0)
        ;
    kill(getpid(), SIGTERM);
    return NULL;
}

int main(int argc, char **argv)
{
    struct fake_ai *f;
    sigset_t set;
    pthread_t t;
    int sig;
    (void)argc;
    if (VIPS_INIT(argv[0]))
        return 1;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    f = fake_ai_start();
    fake_ai_set_responder(f, respond, NULL);
    printf("%s\n", fake_ai_base(f));
    fflush(stdout);
    pthread_create(&t, NULL, watch_stdin, NULL);
    pthread_detach(t);
    sigwait(&set, &sig);
    fake_ai_stop(f);
    vips_shutdown();
    return 0;
}
