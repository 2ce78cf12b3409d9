/*
 * log.c - serialised one-line logging with an ISO-8601 UTC timestamp.
 */
#include "core/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

static enum log_level cur_level = LOG_INFO;
static FILE *sink;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

void log_set_level(enum log_level lvl)
{
    cur_level = lvl;
}

void log_set_stream(FILE *f)
{
    sink = f;
}

enum log_level log_level_parse(const char *s)
{
    for (int i = 0; i <= LOG_OFF; i++)
        if (s && strcasecmp(s, level_names[i]) == 0)
            return (enum log_level)i;
    return LOG_INFO;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
    struct timeval tv;
    struct tm tm;
    char ts[32];
    va_list ap;
    FILE *out = sink ? sink : stderr;

    if (lvl < cur_level || lvl >= LOG_OFF)
        return;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    pthread_mutex_lock(&log_lock);
    fprintf(out, "%s.%03dZ %-5s ", ts, (int)(tv.tv_usec / 1000), level_names[lvl]);
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
    fputc('\n', out);
    fflush(out);
    pthread_mutex_unlock(&log_lock);
}
