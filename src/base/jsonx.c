/* jsonx.c: JSON helpers. */
#include "base/jsonx.h"
#include "base/buf.h"
#include "base/utf8.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

int jsonx_quote(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	int rc = buf_reserve(b, n + 2);
	if (rc)
		return rc;
	buf_putc(b, '"');
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char tmp[7];
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			if (c >= 0x80) {
				/* Keep well-formed UTF-8; replace each bad byte with U+FFFD so the
				 * output is always valid JSON. */
				size_t len = utf8_seq_len(s + i, n - i);
				if (len > 0) {
					i += len - 1;
					continue;
				}
				esc = "\\ufffd";
			} else if (c < 0x20) {
				tmp[0] = '\\'; tmp[1] = 'u'; tmp[2] = '0'; tmp[3] = '0';
				tmp[4] = hex[c >> 4]; tmp[5] = hex[c & 15]; tmp[6] = 0;
				esc = tmp;
			}
		}
		if (esc) {
			if ((rc = buf_append(b, s + start, i - start)) || (rc = buf_puts(b, esc)))
				return rc;
			start = i + 1;
		}
	}
	if ((rc = buf_append(b, s + start, n - start)))
		return rc;
	return buf_putc(b, '"');
}

json_t *jsonx_parse(const char *text, size_t len, bool want_object, char *err, size_t errlen)
{
	if (!utf8_valid(text, len)) {
		snprintf(err, errlen, "body is not valid UTF-8");
		return NULL;
	}
	json_error_t je;
	json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (!v) {
		snprintf(err, errlen, "malformed JSON at line %d column %d: %s", je.line, je.column, je.text);
		return NULL;
	}
	if (want_object && !json_is_object(v)) {
		snprintf(err, errlen, "expected a JSON object");
		json_decref(v);
		return NULL;
	}
	return v;
}

static int dump_cb(const char *data, size_t n, void *ctx)
{
	return buf_append(ctx, data, n) ? -1 : 0;
}

int jsonx_dump(struct buf *b, const json_t *v)
{
	return json_dump_callback(v, dump_cb, b, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15)) ? -ENOMEM : 0;
}

static json_t *field(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_null(v) ? NULL : v;
}

int jsonx_get_str(const json_t *obj, const char *key, const char **out)
{
	json_t *v = field(obj, key);
	if (!v)
		return -ENOENT;
	if (!json_is_string(v))
		return -EINVAL;
	*out = json_string_value(v);
	return 0;
}

int jsonx_get_int(const json_t *obj, const char *key, int64_t *out)
{
	json_t *v = field(obj, key);
	if (!v)
		return -ENOENT;
	if (!json_is_integer(v))
		return -EINVAL;
	*out = json_integer_value(v);
	return 0;
}

int jsonx_get_num(const json_t *obj, const char *key, double *out)
{
	json_t *v = field(obj, key);
	if (!v)
		return -ENOENT;
	if (!json_is_number(v))
		return -EINVAL;
	*out = json_number_value(v);
	return 0;
}

int jsonx_get_bool(const json_t *obj, const char *key, bool *out)
{
	json_t *v = field(obj, key);
	if (!v)
		return -ENOENT;
	if (!json_is_boolean(v))
		return -EINVAL;
	*out = json_is_true(v);
	return 0;
}
