/*
 * watch_int.h - what the files of src/watch/ share: the robots.txt rules
 * (robots.c) the fetcher (fetch.c) keeps per host. Not for other modules.
 */
#ifndef KARAT_WATCH_WATCH_INT_H
#define KARAT_WATCH_WATCH_INT_H

#include <stddef.h>

#include "core/err.h"
#include "watch/watch.h"

/* Longest robots.txt read (RFC 9309 asks for at least 500 KiB). */
#define WATCH_ROBOTS_MAX (512u * 1024u)

struct watch_rule {
    int allow;
    char *pattern; /* '*' any run of characters, a final '$' the end of the path */
};

/* The rules that apply to one user agent on one host. */
struct watch_robots {
    struct watch_rule *rules;
    size_t n, cap;
};

/* The product token robots.txt groups are matched against: the User-Agent up
 * to its first '/', space or ';' ("KaratBot/1.0" -> "KaratBot"). */
void watch__ua_token(const char *ua, char *out, size_t n);

/* The rules of the groups naming token (case-insensitive), else those of the
 * "*" groups, else none (everything allowed). Unknown lines are ignored. */
enum kr_code watch__robots_parse(const char *text, size_t len, const char *token,
                                 struct watch_robots *out, struct kr_err *err);
/* 1 if path (with its query) may be fetched: the longest matching pattern
 * decides, Allow winning a tie; no match allows. */
int watch__robots_allowed(const struct watch_robots *r, const char *path);
void watch__robots_release(struct watch_robots *r);

/* "error" and "detail" (the message) and "code" (the slug) of a failed entry. */
#include <jansson.h>
void watch__error_fields(json_t *o, const struct kr_err *e);

#endif
