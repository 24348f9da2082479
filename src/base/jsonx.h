/* jsonx.h: JSON helpers over jansson: quoting, bounded parsing, typed field access. */
#ifndef TANDEM_BASE_JSONX_H
#define TANDEM_BASE_JSONX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

/* Appends s (n bytes, any content) to b as a quoted JSON string. Control characters are
 * escaped; bytes that are not well-formed UTF-8 become U+FFFD, so the result is always
 * valid JSON. 0 or -ENOMEM. */
int jsonx_quote(struct buf *b, const char *s, size_t n);

/* Parses a JSON document of len bytes. The text must be valid UTF-8 and the top level
 * an object when want_object (any JSON value otherwise); duplicate keys are refused.
 * On failure returns NULL and writes a one-line reason to
 * err (errlen bytes). The caller owns the result (json_decref). */
json_t *jsonx_parse(const char *text, size_t len, bool want_object, char *err, size_t errlen);

/* Serialises v compactly into b (reals with 15 significant digits, so 0.6 stays "0.6").
 * 0 or -ENOMEM. */
int jsonx_dump(struct buf *b, const json_t *v);

/* Field access on an object. Each returns 0 when present and of the right type,
 * -ENOENT when absent (or null), -EINVAL when of the wrong type. Borrowed pointers. */
int jsonx_get_str(const json_t *obj, const char *key, const char **out);
int jsonx_get_int(const json_t *obj, const char *key, int64_t *out);
int jsonx_get_num(const json_t *obj, const char *key, double *out);
int jsonx_get_bool(const json_t *obj, const char *key, bool *out);

#endif
