/* log.c: JSON-lines logging. */
#include "base/log.h"
#include "base/buf.h"
#include "base/jsonx.h"
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

static atomic_int min_level = LOG_INFO;  /* read by every thread that logs */
static FILE *log_stream;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

#define LOG_LEVELS(X) X(LOG_DEBUG, "debug") X(LOG_INFO, "info") X(LOG_WARN, "warn") X(LOG_ERROR, "error")

static const char *level_name(enum log_level l)
{
	switch (l) {
#define X(v, s) case v: return s;
	LOG_LEVELS(X)
#undef X
	}
	return "info";
}

int log_level_parse(const char *s, enum log_level *out)
{
#define X(v, name) if (strcmp(s, name) == 0) { *out = v; return 0; }
	LOG_LEVELS(X)
#undef X
	return -EINVAL;
}

void log_set_level(enum log_level level) { atomic_store(&min_level, (int)level); }

void log_set_stream(FILE *f)
{
	pthread_mutex_lock(&log_lock);
	log_stream = f;
	pthread_mutex_unlock(&log_lock);
}

void log_json_line(const char *line)
{
	pthread_mutex_lock(&log_lock);
	FILE *f = log_stream ? log_stream : stderr;
	fputs(line, f);
	fputc('\n', f);
	fflush(f);
	pthread_mutex_unlock(&log_lock);
}

void log_write(enum log_level level, const char *fmt, ...)
{
	if ((int)level < atomic_load(&min_level))
		return;
	struct buf msg = BUF_INIT, line = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char when[64];
	snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	buf_printf(&line, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":", when, level_name(level));
	jsonx_quote(&line, msg.data ? msg.data : "", msg.len);
	buf_putc(&line, '}');
	if (line.data)
		log_json_line(line.data);
	buf_free(&msg);
	buf_free(&line);
}
