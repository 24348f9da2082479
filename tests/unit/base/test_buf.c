/* test_buf.c: the growable byte buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/buf.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void test_append_and_terminator(void **state)
{
	struct buf b = BUF_INIT;
	assert_null(b.data);
	assert_int_equal(buf_append(&b, "abc", 3), 0);
	assert_int_equal(b.len, 3);
	assert_string_equal(b.data, "abc");
	assert_int_equal(buf_puts(&b, "def"), 0);
	assert_int_equal(buf_putc(&b, '!'), 0);
	assert_string_equal(b.data, "abcdef!");
	assert_int_equal(b.len, 7);
	assert_true(b.cap > b.len);
	/* Binary data with NUL bytes keeps its length. */
	assert_int_equal(buf_append(&b, "\0x", 2), 0);
	assert_int_equal(b.len, 9);
	assert_memory_equal(b.data, "abcdef!\0x", 9);
	assert_int_equal(b.data[9], '\0');
	assert_int_equal(buf_append(&b, NULL, 0), 0);
	assert_int_equal(b.len, 9);
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
}

static void test_growth(void **state)
{
	struct buf b = BUF_INIT;
	char chunk[100];
	for (int i = 0; i < 1000; i++) {
		memset(chunk, 'a' + i % 26, sizeof chunk);
		assert_int_equal(buf_append(&b, chunk, sizeof chunk), 0);
	}
	assert_int_equal(b.len, 100000);
	assert_true(b.cap >= 100001);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(b.data[i * 100 + 99], 'a' + i % 26);
	assert_int_equal(b.data[b.len], '\0');
	/* A reservation that cannot be met fails without touching the buffer. */
	assert_int_equal(buf_reserve(&b, SIZE_MAX - 10), -ENOMEM);
	assert_int_equal(b.len, 100000);
	buf_free(&b);
}

static void test_printf(void **state)
{
	struct buf b = BUF_INIT;
	assert_int_equal(buf_printf(&b, "%d-%s", 42, "x"), 0);
	assert_string_equal(b.data, "42-x");
	char big[5000];
	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(buf_printf(&b, "[%s]", big), 0);
	assert_int_equal(b.len, 4 + 5001);
	assert_int_equal(b.data[4], '[');
	assert_int_equal(b.data[b.len - 1], ']');
	assert_int_equal(strlen(b.data), b.len);
	buf_free(&b);
}

static void test_consume_reset_take(void **state)
{
	struct buf b = BUF_INIT;
	assert_int_equal(buf_puts(&b, "hello world"), 0);
	buf_consume(&b, 6);
	assert_string_equal(b.data, "world");
	assert_int_equal(b.len, 5);
	buf_consume(&b, 0);
	assert_string_equal(b.data, "world");
	buf_consume(&b, 5);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	assert_int_equal(buf_puts(&b, "again"), 0);
	size_t cap = b.cap;
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, cap);  /* memory kept */
	assert_string_equal(b.data, "");
	assert_int_equal(buf_puts(&b, "taken"), 0);
	char *p = buf_take(&b);
	assert_string_equal(p, "taken");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	free(p);
	/* Taking an empty buffer still gives an owned empty string. */
	p = buf_take(&b);
	assert_non_null(p);
	assert_string_equal(p, "");
	free(p);
	buf_reset(&b);  /* harmless on an empty buffer */
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_and_terminator),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_consume_reset_take),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
