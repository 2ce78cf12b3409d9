/*
 * scene_img.h - generated scene photos for the duplicate tests: a textured
 * frame-filling scene (no plain background, so dedup treats it as a scene
 * and gives it keypoints), windows of it (crops, small turns), and JPEG
 * bytes of raw RGB. Deterministic: the same seed gives the same pixels.
 */
#ifndef KARAT_TESTS_SCENE_IMG_H
#define KARAT_TESTS_SCENE_IMG_H

#include <stddef.h>
#include <stdint.h>

/* A w x h RGB scene: a colour gradient under 160 filled rectangles and
 * discs of random colours, sizes and places (malloc'd). */
unsigned char *tu_scene(uint32_t seed, int w, int h);

/* The window [x0, x0+w) x [y0, y0+h) of the sw x sh scene src, turned by
 * deg about the scene's centre (bilinear), as a w x h RGB image (malloc'd). */
struct tu_window {
    int x0, y0, w, h;
    double deg;
};
unsigned char *tu_scene_window(const unsigned char *src, int sw, int sh, const struct tu_window *win);

/* JPEG bytes (quality q) of a w x h RGB image (g_free'd by the caller). */
unsigned char *tu_rgb_jpeg(const unsigned char *rgb, int w, int h, int q, size_t *n);

#endif
