/* test_log.c: log lines are one valid JSON object each, filtered by level. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/jsonx.h"
#include "base/log.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static FILE *stream;

static int setup(void **state)
{
	stream = tmpfile();
	if (!stream)
		return -1;
	log_set_stream(stream);
	log_set_level(LOG_INFO);
	return 0;
}

static int teardown(void **state)
{
	log_set_stream(NULL);
	log_set_level(LOG_INFO);
	fclose(stream);
	return 0;
}

/* Reads every line written since the last call; each must be a JSON object. */
static size_t read_lines(json_t **out, size_t max)
{
	fflush(stream);
	rewind(stream);
	size_t n = 0;
	char line[8192];
	while (fgets(line, sizeof line, stream)) {
		size_t len = strlen(line);
		assert_true(len > 0 && line[len - 1] == '\n');
		char err[200];
		json_t *v = jsonx_parse(line, len - 1, true, err, sizeof err);
		if (!v)
			fail_msg("log line is not a JSON object (%s): %s", err, line);
		assert_true(n < max);
		out[n++] = v;
	}
	assert_int_equal(ftruncate(fileno(stream), 0), 0);
	rewind(stream);
	return n;
}

static void free_lines(json_t **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(v[i]);
}

static void test_lines_are_json(void **state)
{
	log_info("service booked for %s at %d", "Ana", 4);
	log_warn("quote \" backslash \\ newline \n tab \t control \x01 end");
	log_error("bad bytes \xff\xfe kept as a valid line");
	json_t *v[8];
	size_t n = read_lines(v, 8);
	assert_int_equal(n, 3);
	const char *s;
	assert_int_equal(jsonx_get_str(v[0], "level", &s), 0);
	assert_string_equal(s, "info");
	assert_int_equal(jsonx_get_str(v[0], "msg", &s), 0);
	assert_string_equal(s, "service booked for Ana at 4");
	assert_int_equal(jsonx_get_str(v[0], "ts", &s), 0);
	assert_int_equal(strlen(s), 24);  /* 2026-12-03T14:05:00.123Z */
	assert_int_equal(s[10], 'T');
	assert_int_equal(s[23], 'Z');
	assert_int_equal(jsonx_get_str(v[1], "level", &s), 0);
	assert_string_equal(s, "warn");
	assert_int_equal(jsonx_get_str(v[1], "msg", &s), 0);
	assert_string_equal(s, "quote \" backslash \\ newline \n tab \t control \x01 end");
	assert_int_equal(jsonx_get_str(v[2], "level", &s), 0);
	assert_string_equal(s, "error");
	assert_int_equal(jsonx_get_str(v[2], "msg", &s), 0);
	assert_non_null(strstr(s, "bad bytes "));
	free_lines(v, n);
}

static void test_levels_filter(void **state)
{
	log_set_level(LOG_WARN);
	log_debug("hidden debug");
	log_info("hidden info");
	log_warn("shown warn");
	log_error("shown error");
	json_t *v[8];
	size_t n = read_lines(v, 8);
	assert_int_equal(n, 2);
	const char *s;
	assert_int_equal(jsonx_get_str(v[0], "msg", &s), 0);
	assert_string_equal(s, "shown warn");
	assert_int_equal(jsonx_get_str(v[1], "msg", &s), 0);
	assert_string_equal(s, "shown error");
	free_lines(v, n);

	log_set_level(LOG_DEBUG);
	log_debug("now debug shows");
	n = read_lines(v, 8);
	assert_int_equal(n, 1);
	assert_int_equal(jsonx_get_str(v[0], "level", &s), 0);
	assert_string_equal(s, "debug");
	free_lines(v, n);

	log_set_level(LOG_ERROR);
	log_warn("hidden");
	assert_int_equal(read_lines(v, 8), 0);
	log_set_level(LOG_INFO);
}

static void test_level_parse_and_raw_lines(void **state)
{
	enum log_level l = LOG_ERROR;
	assert_int_equal(log_level_parse("debug", &l), 0);
	assert_int_equal(l, LOG_DEBUG);
	assert_int_equal(log_level_parse("info", &l), 0);
	assert_int_equal(l, LOG_INFO);
	assert_int_equal(log_level_parse("warn", &l), 0);
	assert_int_equal(l, LOG_WARN);
	assert_int_equal(log_level_parse("error", &l), 0);
	assert_int_equal(l, LOG_ERROR);
	assert_int_equal(log_level_parse("WARN", &l), -EINVAL);
	assert_int_equal(log_level_parse("", &l), -EINVAL);
	assert_int_equal(log_level_parse("warning", &l), -EINVAL);
	assert_int_equal(l, LOG_ERROR);

	log_json_line("{\"event\":\"handoff\",\"n\":2}");
	json_t *v[4];
	size_t n = read_lines(v, 4);
	assert_int_equal(n, 1);
	int64_t i;
	assert_int_equal(jsonx_get_int(v[0], "n", &i), 0);
	assert_int_equal(i, 2);
	free_lines(v, n);
}

static void *log_many(void *arg)
{
	for (int i = 0; i < 200; i++)
		log_info("thread %d line %d %s", *(int *)arg, i, "padding padding padding padding");
	return NULL;
}

static void test_threads_do_not_interleave(void **state)
{
	pthread_t th[4];
	int ids[4] = {0, 1, 2, 3};
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, log_many, &ids[i]), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	static json_t *v[800];
	size_t n = read_lines(v, 800);  /* fails on any torn line */
	assert_int_equal(n, 800);
	free_lines(v, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_are_json),
		cmocka_unit_test(test_levels_filter),
		cmocka_unit_test(test_level_parse_and_raw_lines),
		cmocka_unit_test(test_threads_do_not_interleave),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
