/* test_utf8.c: UTF-8 validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/utf8.h"
#include <string.h>

#define VALID(lit) assert_true(utf8_valid(lit, sizeof lit - 1))
#define INVALID(lit) assert_false(utf8_valid(lit, sizeof lit - 1))

static void test_valid(void **state)
{
	VALID("");
	VALID("plain ASCII, with\ttabs\nand newlines");
	VALID("a\0b");                          /* NUL is a character */
	VALID("caf\xc3\xa9");                   /* U+00E9, two bytes */
	VALID("\xc2\x80");                      /* U+0080, smallest two-byte */
	VALID("\xdf\xbf");                      /* U+07FF */
	VALID("\xe0\xa0\x80");                  /* U+0800, smallest three-byte */
	VALID("\xe2\x82\xac");                  /* euro sign */
	VALID("\xed\x9f\xbf");                  /* U+D7FF, just below the surrogates */
	VALID("\xee\x80\x80");                  /* U+E000, just above them */
	VALID("\xef\xbf\xbf");                  /* U+FFFF */
	VALID("\xf0\x90\x80\x80");              /* U+10000, smallest four-byte */
	VALID("\xf0\x9f\x94\xa7");              /* wrench emoji */
	VALID("\xf4\x8f\xbf\xbf");              /* U+10FFFF, the last code point */
	VALID("\xe6\xb0\xb4\xe7\xae\xa1\xe5\xb7\xa5 plumber \xd0\xb2\xd0\xbe\xd0\xb4\xd0\xb0");
}

static void test_overlong(void **state)
{
	INVALID("\xc0\x80");                    /* NUL in two bytes */
	INVALID("\xc1\xbf");                    /* U+007F in two bytes */
	INVALID("\xe0\x80\x80");
	INVALID("\xe0\x9f\xbf");                /* U+07FF in three bytes */
	INVALID("\xf0\x80\x80\x80");
	INVALID("\xf0\x8f\xbf\xbf");            /* U+FFFF in four bytes */
	INVALID("\xc0\xaf");                    /* the classic overlong '/' */
}

static void test_surrogates_and_range(void **state)
{
	INVALID("\xed\xa0\x80");                /* U+D800 */
	INVALID("\xed\xbf\xbf");                /* U+DFFF */
	INVALID("\xed\xa0\xbd\xed\xb2\xa9");    /* a CESU-8 surrogate pair */
	INVALID("\xf4\x90\x80\x80");            /* U+110000 */
	INVALID("\xf5\x80\x80\x80");
	INVALID("\xf7\xbf\xbf\xbf");
	INVALID("\xf8\x88\x80\x80\x80");        /* five-byte form */
	INVALID("\xfc\x84\x80\x80\x80\x80");    /* six-byte form */
	INVALID("\xfe");
	INVALID("\xff");
}

static void test_truncated_and_stray(void **state)
{
	INVALID("\xc3");                        /* lead byte at the end */
	INVALID("caf\xc3");
	INVALID("\xe2\x82");
	INVALID("\xf0\x9f\x94");
	INVALID("\xe2\x82x");                   /* continuation replaced by ASCII */
	INVALID("\x80");                        /* stray continuation bytes */
	INVALID("a\xbfz");
	INVALID("\xc3\xa9\xa9");
	/* The length is honoured: a valid sequence cut by n is invalid. */
	assert_false(utf8_valid("\xe2\x82\xac", 2));
	assert_true(utf8_valid("\xe2\x82\xac", 3));
	assert_true(utf8_valid("ab\xff", 2));
	assert_true(utf8_valid(NULL, 0));
}

static void test_seq_len(void **state)
{
	assert_int_equal(utf8_seq_len("a", 1), 1);
	assert_int_equal(utf8_seq_len("\xc3\xa9", 2), 2);
	assert_int_equal(utf8_seq_len("\xe2\x82\xac!", 4), 3);
	assert_int_equal(utf8_seq_len("\xf0\x9f\x94\xa7", 4), 4);
	assert_int_equal(utf8_seq_len("\xf0\x9f\x94\xa7", 3), 0);
	assert_int_equal(utf8_seq_len("\xed\xa0\x80", 3), 0);
	assert_int_equal(utf8_seq_len("\xc0\x80", 2), 0);
	assert_int_equal(utf8_seq_len("\x80", 1), 0);
	assert_int_equal(utf8_seq_len("", 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_surrogates_and_range),
		cmocka_unit_test(test_truncated_and_stray),
		cmocka_unit_test(test_seq_len),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
