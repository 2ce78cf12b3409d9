/*
 * log.h - the one place Karat writes diagnostics.
 *
 * Library code does not print; it reports through struct kr_err. The few
 * things that are logs by nature (the per-request line, start-up notes,
 * background job progress) go through log_msg(), which writes one line to
 * the sink main() installed (stderr by default) under a mutex.
 */
#ifndef KARAT_CORE_LOG_H
#define KARAT_CORE_LOG_H

#include <stdio.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

void log_set_level(enum log_level lvl);
void log_set_stream(FILE *f);
enum log_level log_level_parse(const char *s);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
