/* buf.h: a growable byte buffer, always NUL-terminated for convenience. */
#ifndef TANDEM_BASE_BUF_H
#define TANDEM_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;   /* owned; NULL until the first append; data[len] == '\0' */
	size_t len;
	size_t cap;
};

#define BUF_INIT {NULL, 0, 0}

/* Ensures room for extra more bytes (plus the terminator). 0 or -ENOMEM. */
int buf_reserve(struct buf *b, size_t extra);
/* Appends n bytes. 0 or -ENOMEM. */
int buf_append(struct buf *b, const void *data, size_t n);
/* Appends a C string. 0 or -ENOMEM. */
int buf_puts(struct buf *b, const char *s);
/* Appends one byte. 0 or -ENOMEM. */
int buf_putc(struct buf *b, char c);
/* Appends printf-formatted text. 0 or -ENOMEM. */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Removes the first n bytes (n <= len). */
void buf_consume(struct buf *b, size_t n);
/* Empties the buffer but keeps its memory. */
void buf_reset(struct buf *b);
/* Frees the memory; the buffer is BUF_INIT afterwards. */
void buf_free(struct buf *b);
/* Hands the data to the caller (owned, never NULL unless out of memory); resets b. */
char *buf_take(struct buf *b);

#endif
