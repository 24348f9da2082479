/* str.h: small string helpers with checked conversions. */
#ifndef TANDEM_BASE_STR_H
#define TANDEM_BASE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parses a whole decimal integer in [min, max]. 0, or -EINVAL/-ERANGE. */
int str_to_i64(const char *s, int64_t min, int64_t max, int64_t *out);
/* Copies at most n bytes of s into a new NUL-terminated string (owned). NULL on ENOMEM. */
char *str_ndup(const char *s, size_t n);
/* True when s begins with prefix. */
bool str_starts_with(const char *s, const char *prefix);
/* Case-insensitive ASCII equality of a[0..n) and the C string b. */
bool str_ieq_n(const char *a, size_t n, const char *b);
/* Constant-time comparison of two equal-length byte strings. */
bool str_ct_equal(const void *a, const void *b, size_t n);

#endif
