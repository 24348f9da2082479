/* kb_internal.h: shared between the kb module's files only (not an interface). */
#ifndef TANDEM_KB_INTERNAL_H
#define TANDEM_KB_INTERNAL_H

#include "kb/kb.h"

#include <stdbool.h>
#include <stddef.h>

#define KB_TOKEN_MAX 64  /* longer tokens (bytes, case-folded) are ignored */

struct sb_stemmer;

/* The text pipeline: case folding, tokenising, stopwords, stemming. */
struct kb_analyser {
	struct sb_stemmer *stem[KB_LANG_COUNT];
};

/* Called once per term; a non-zero return stops the walk and is passed back. */
typedef int (*kb_term_fn)(void *ctx, const char *term, size_t len);

/* Creates the stemmers. 0 or -ENOMEM. */
int kb__analyser_init(struct kb_analyser *a);
void kb__analyser_fini(struct kb_analyser *a);

/* Validates text[0..len) as UTF-8 and returns it case-folded and NFC-composed in *out
 * (owned, free()), its length in *outlen. 0, -TN_EPARSE or -ENOMEM. */
int kb__fold(const char *text, size_t len, char **out, size_t *outlen);

/* Guesses the language of folded text. *evidence is false when nothing pointed either
 * way (the result is then KB_LANG_EN). */
enum kb_lang kb__detect(const char *folded, size_t len, bool *evidence);

/* Walks the terms of folded text in language lang: tokens, minus stopwords and
 * one-letter words, stemmed. Returns 0, the callback's non-zero value, or -ENOMEM. */
int kb__terms(struct kb_analyser *a, enum kb_lang lang, const char *folded, size_t len,
	      kb_term_fn fn, void *ctx);

/* True when word (case-folded) is a stopword of lang. */
bool kb__stopword(enum kb_lang lang, const char *word);

#endif
