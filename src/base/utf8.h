/* utf8.h: UTF-8 validation. */
#ifndef TANDEM_BASE_UTF8_H
#define TANDEM_BASE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool utf8_valid(const char *s, size_t n);

#endif
