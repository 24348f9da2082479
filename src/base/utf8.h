/* utf8.h: UTF-8 validation. */
#ifndef TANDEM_BASE_UTF8_H
#define TANDEM_BASE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool utf8_valid(const char *s, size_t n);
/* Length (1..4) of the well-formed UTF-8 sequence that starts s[0..n), or 0 when s does
 * not start with one (bad lead byte, overlong, surrogate, > U+10FFFF, truncated, n == 0). */
size_t utf8_seq_len(const char *s, size_t n);

#endif
