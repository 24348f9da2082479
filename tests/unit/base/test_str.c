/* test_str.c: checked conversions and small string helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/str.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void test_to_i64(void **state)
{
	int64_t v = 7;
	assert_int_equal(str_to_i64("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(str_to_i64("-42", -100, 100, &v), 0);
	assert_int_equal(v, -42);
	assert_int_equal(str_to_i64("9223372036854775807", INT64_MIN, INT64_MAX, &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(str_to_i64("-9223372036854775808", INT64_MIN, INT64_MAX, &v), 0);
	assert_true(v == INT64_MIN);
	v = 7;
	assert_int_equal(str_to_i64("9223372036854775808", INT64_MIN, INT64_MAX, &v), -ERANGE);
	assert_int_equal(str_to_i64("11", 0, 10, &v), -ERANGE);
	assert_int_equal(str_to_i64("-1", 0, 10, &v), -ERANGE);
	assert_int_equal(v, 7);  /* untouched on failure */
	static const char *const bad[] = {"", " 1", "1 ", "1a", "a1", "0x10", "1.5", "-", "+", "--1"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (str_to_i64(bad[i], INT64_MIN, INT64_MAX, &v) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(str_to_i64(NULL, 0, 1, &v), -EINVAL);
	assert_int_equal(v, 7);
}

static void test_ndup(void **state)
{
	char *p = str_ndup("abcdef", 3);
	assert_non_null(p);
	assert_string_equal(p, "abc");
	free(p);
	p = str_ndup("a\0b", 3);  /* copies bytes, NUL included */
	assert_non_null(p);
	assert_memory_equal(p, "a\0b", 4);
	free(p);
	p = str_ndup("", 0);
	assert_non_null(p);
	assert_string_equal(p, "");
	free(p);
}

static void test_compare(void **state)
{
	assert_true(str_starts_with("tandem", "tan"));
	assert_true(str_starts_with("tandem", ""));
	assert_true(str_starts_with("tandem", "tandem"));
	assert_false(str_starts_with("tan", "tandem"));
	assert_false(str_starts_with("tandem", "Tan"));

	assert_true(str_ieq_n("Content-Type: x", 12, "content-type"));
	assert_false(str_ieq_n("Content-Type", 11, "content-type"));
	assert_false(str_ieq_n("Content-Typf", 12, "content-type"));
	assert_true(str_ieq_n("", 0, ""));

	assert_true(str_ct_equal("secret", "secret", 6));
	assert_false(str_ct_equal("secret", "secreT", 6));
	assert_false(str_ct_equal("Secret", "secret", 6));
	assert_true(str_ct_equal("a\0b", "a\0b", 3));
	assert_false(str_ct_equal("a\0b", "a\0c", 3));
	assert_true(str_ct_equal("x", "y", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_to_i64),
		cmocka_unit_test(test_ndup),
		cmocka_unit_test(test_compare),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
