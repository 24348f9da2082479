/* test_jsonx.c: JSON quoting, bounded parsing and typed field access. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/jsonx.h"
#include <errno.h>
#include <string.h>

/* Quotes s and parses the result back: the round trip must give s exactly. */
static void quote_roundtrip(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	assert_int_equal(jsonx_quote(&b, s, n), 0);
	/* jansson itself, so that an escaped NUL may come back. */
	json_error_t je;
	json_t *v = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	if (!v)
		fail_msg("quoted text %s does not parse: %s", b.data, je.text);
	assert_true(json_is_string(v));
	assert_int_equal(json_string_length(v), n);
	assert_memory_equal(json_string_value(v), s, n);
	json_decref(v);
	buf_free(&b);
}

static void test_quote(void **state)
{
	struct buf b = BUF_INIT;
	assert_int_equal(jsonx_quote(&b, "plain", 5), 0);
	assert_string_equal(b.data, "\"plain\"");
	buf_reset(&b);
	assert_int_equal(jsonx_quote(&b, "a\"b\\c\nd\re\tf", 11), 0);
	assert_string_equal(b.data, "\"a\\\"b\\\\c\\nd\\re\\tf\"");
	buf_reset(&b);
	/* Every other control character becomes \u00XX, NUL included. */
	assert_int_equal(jsonx_quote(&b, "\x01\x1f\0\b\f", 5), 0);
	assert_string_equal(b.data, "\"\\u0001\\u001f\\u0000\\u0008\\u000c\"");
	for (size_t i = 0; i < b.len; i++)
		assert_true((unsigned char)b.data[i] >= 0x20);
	buf_reset(&b);
	/* Well-formed UTF-8 passes through untouched. */
	assert_int_equal(jsonx_quote(&b, "caf\xc3\xa9 \xf0\x9f\x94\xa7", 10), 0);
	assert_string_equal(b.data, "\"caf\xc3\xa9 \xf0\x9f\x94\xa7\"");
	buf_reset(&b);
	/* Bytes that are not UTF-8 become U+FFFD, so the line stays valid JSON. */
	assert_int_equal(jsonx_quote(&b, "a\xff" "b\xc3", 4), 0);
	assert_string_equal(b.data, "\"a\\ufffdb\\ufffd\"");
	char err[100];
	json_t *v = jsonx_parse(b.data, b.len, false, err, sizeof err);
	assert_non_null(v);
	assert_string_equal(json_string_value(v), "a\xef\xbf\xbd" "b\xef\xbf\xbd");
	json_decref(v);
	buf_reset(&b);
	assert_int_equal(jsonx_quote(&b, "", 0), 0);
	assert_string_equal(b.data, "\"\"");
	buf_free(&b);

	quote_roundtrip("a\0b", 3);
	quote_roundtrip("</script>\x7f", 10);
	char all[128];
	for (int i = 0; i < 128; i++)
		all[i] = (char)i;
	quote_roundtrip(all, sizeof all);
}

static void test_parse(void **state)
{
	char err[200] = "";
	const char *ok = "{\"name\":\"Ana\",\"n\":3}";
	json_t *v = jsonx_parse(ok, strlen(ok), true, err, sizeof err);
	assert_non_null(v);
	assert_true(json_is_object(v));
	json_decref(v);
	/* Only the first len bytes are read. */
	v = jsonx_parse("{}garbage", 2, true, err, sizeof err);
	assert_non_null(v);
	json_decref(v);

	/* Invalid UTF-8, raw or inside a string, is refused with a reason. */
	const char *bad_utf8 = "{\"a\":\"\xc3\x28\"}";
	err[0] = '\0';
	assert_null(jsonx_parse(bad_utf8, strlen(bad_utf8), true, err, sizeof err));
	assert_non_null(strstr(err, "UTF-8"));
	const char *surrogate = "{\"a\":\"\xed\xa0\x80\"}";
	assert_null(jsonx_parse(surrogate, strlen(surrogate), true, err, sizeof err));
	const char *overlong = "{\"a\":\"\xc0\xaf\"}";
	assert_null(jsonx_parse(overlong, strlen(overlong), true, err, sizeof err));

	/* Duplicate keys are refused. */
	const char *dup = "{\"a\":1,\"b\":2,\"a\":3}";
	err[0] = '\0';
	assert_null(jsonx_parse(dup, strlen(dup), true, err, sizeof err));
	assert_true(strlen(err) > 0);

	/* When an object is wanted, nothing else will do. */
	static const char *const not_obj[] = {"[1,2]", "\"text\"", "42", "true", "null"};
	for (size_t i = 0; i < 5; i++) {
		err[0] = '\0';
		assert_null(jsonx_parse(not_obj[i], strlen(not_obj[i]), true, err, sizeof err));
		assert_string_equal(err, "expected a JSON object");
		v = jsonx_parse(not_obj[i], strlen(not_obj[i]), false, err, sizeof err);
		if (!v)
			fail_msg("\"%s\" refused without want_object: %s", not_obj[i], err);
		json_decref(v);
	}

	/* Malformed documents. */
	static const char *const broken[] = {"", "{", "{\"a\":}", "{\"a\" 1}", "{'a':1}",
					     "{\"a\":1,}", "{\"a\":01}", "{\"a\":\"\\u0000\"}",
					     "{} {}", "{\"a\":\"x\ny\"}"};
	for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
		err[0] = '\0';
		v = jsonx_parse(broken[i], strlen(broken[i]), false, err, sizeof err);
		if (v)
			fail_msg("accepted \"%s\"", broken[i]);
		assert_true(strlen(err) > 0);
	}
	/* A tiny error buffer is respected. */
	char small[8];
	memset(small, 'x', sizeof small);
	assert_null(jsonx_parse("{", 1, true, small, sizeof small));
	assert_int_equal(small[7], '\0');
}

static void test_dump(void **state)
{
	json_t *v = json_pack("{s:s, s:i, s:[b, n]}", "k", "v\"", "n", 5, "a", 1);
	assert_non_null(v);
	struct buf b = BUF_INIT;
	assert_int_equal(jsonx_dump(&b, v), 0);
	assert_null(strchr(b.data, ' '));
	assert_null(strchr(b.data, '\n'));
	char err[100];
	json_t *back = jsonx_parse(b.data, b.len, true, err, sizeof err);
	assert_non_null(back);
	assert_true(json_equal(v, back));
	json_decref(back);
	buf_reset(&b);
	json_t *s = json_string("bare");
	assert_int_equal(jsonx_dump(&b, s), 0);
	assert_string_equal(b.data, "\"bare\"");
	json_decref(s);
	/* reals are written as people read them, not with binary noise */
	buf_reset(&b);
	json_t *r = json_pack("[f, f]", 0.6, 0.45);
	assert_int_equal(jsonx_dump(&b, r), 0);
	assert_string_equal(b.data, "[0.6,0.45]");
	json_decref(r);
	json_decref(v);
	buf_free(&b);
}

static void test_getters(void **state)
{
	const char *text = "{\"s\":\"str\",\"i\":-7,\"big\":9007199254740993,\"f\":2.5,"
			   "\"b\":false,\"nul\":null}";
	char err[100];
	json_t *o = jsonx_parse(text, strlen(text), true, err, sizeof err);
	assert_non_null(o);
	const char *s = NULL;
	int64_t i = 0;
	double d = 0;
	bool b = true;

	assert_int_equal(jsonx_get_str(o, "s", &s), 0);
	assert_string_equal(s, "str");
	assert_int_equal(jsonx_get_int(o, "i", &i), 0);
	assert_int_equal(i, -7);
	assert_int_equal(jsonx_get_int(o, "big", &i), 0);
	assert_true(i == INT64_C(9007199254740993));
	assert_int_equal(jsonx_get_num(o, "f", &d), 0);
	assert_true(d == 2.5);
	assert_int_equal(jsonx_get_num(o, "i", &d), 0);  /* integers are numbers */
	assert_true(d == -7.0);
	assert_int_equal(jsonx_get_bool(o, "b", &b), 0);
	assert_false(b);

	/* Absent or null: -ENOENT, and the output is left alone. */
	s = "keep";
	assert_int_equal(jsonx_get_str(o, "missing", &s), -ENOENT);
	assert_int_equal(jsonx_get_str(o, "nul", &s), -ENOENT);
	assert_string_equal(s, "keep");
	assert_int_equal(jsonx_get_int(o, "nul", &i), -ENOENT);
	assert_int_equal(jsonx_get_num(o, "missing", &d), -ENOENT);
	assert_int_equal(jsonx_get_bool(o, "missing", &b), -ENOENT);

	/* Wrong type: -EINVAL. */
	i = 99;
	assert_int_equal(jsonx_get_str(o, "i", &s), -EINVAL);
	assert_int_equal(jsonx_get_int(o, "s", &i), -EINVAL);
	assert_int_equal(jsonx_get_int(o, "f", &i), -EINVAL);  /* 2.5 is not an integer */
	assert_int_equal(i, 99);
	assert_int_equal(jsonx_get_num(o, "s", &d), -EINVAL);
	assert_int_equal(jsonx_get_bool(o, "i", &b), -EINVAL);
	assert_int_equal(jsonx_get_bool(o, "s", &b), -EINVAL);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_getters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
