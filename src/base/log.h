/* log.h: structured logging, one JSON object a line on stderr (or a chosen stream). */
#ifndef TANDEM_BASE_LOG_H
#define TANDEM_BASE_LOG_H

#include <stdio.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Sets the minimum level written (default LOG_INFO) and the stream (default stderr). */
void log_set_level(enum log_level level);
void log_set_stream(FILE *f);
/* Parses "debug", "info", "warn", "error"; -EINVAL otherwise. */
int log_level_parse(const char *s, enum log_level *out);

/* Writes {"ts":...,"level":...,"msg":...} with the message printf-formatted. Thread-safe. */
void log_write(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes a caller-built JSON object line as is (must be one line, no newline). Thread-safe. */
void log_json_line(const char *line);

#define log_debug(...) log_write(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_write(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_write(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)

#endif
