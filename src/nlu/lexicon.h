/* lexicon.h: internal to nlu/: the tokenizer and word helpers shared by the entity,
 * date/time and signal extractors. Not part of the module's public interface. */
#ifndef TANDEM_NLU_LEXICON_H
#define TANDEM_NLU_LEXICON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tz;
struct nlu_entities;

#define NLU_TOK_MAX 384     /* tokens looked at per message; the rest is ignored */
#define NLU_TOK_LOW 32      /* bytes of the lower-cased copy kept per token */

enum nlu_tok_kind {
	NLU_TOK_WORD,   /* letters (any non-ASCII byte counts as a letter) and inner apostrophes */
	NLU_TOK_NUM,    /* a run of ASCII digits */
	NLU_TOK_PUNCT,  /* any other single character */
};

struct nlu_tok {
	size_t start, end;          /* byte span in the text */
	enum nlu_tok_kind kind;
	char low[NLU_TOK_LOW];      /* lower-cased ASCII, curly apostrophes made straight */
	int64_t num;                /* NLU_TOK_NUM: the value (saturates at 10^15) */
	unsigned ndigits;           /* NLU_TOK_NUM: number of digits */
	bool caps;                  /* a word of two or more letters, all upper-case */
	bool space_before;          /* white space (or the start) precedes the token */
};

struct nlu_toks {
	const char *text;
	size_t len;
	size_t n;
	struct nlu_tok t[NLU_TOK_MAX];
};

/* Splits text[0..len) into tokens (valid UTF-8 assumed). */
void nlu__tokenize(const char *text, size_t len, struct nlu_toks *out);
/* True when token i exists and its lower-cased text equals word. */
bool nlu__tok_is(const struct nlu_toks *tk, size_t i, const char *word);
/* Index in the NULL-terminated list words of token i's text, or -1. */
int nlu__tok_in(const struct nlu_toks *tk, size_t i, const char *const *words);
/* Matches phrase (words separated by single spaces; punctuation written as its own
 * word, "a / c") at token i. Returns the number of tokens matched, 0 when no match. */
size_t nlu__phrase(const struct nlu_toks *tk, size_t i, const char *phrase);
/* Matches the longest phrase of the NULL-terminated list at i. Returns its token count
 * (0: none) and its index in *which. */
size_t nlu__phrase_any(const struct nlu_toks *tk, size_t i, const char *const *phrases,
		       int *which);
/* Reads a number written in words or digits at token i: "7", "forty-five", "two
 * hundred and fifty", "a hundred". Returns the tokens used (0: none); value in *v. */
size_t nlu__number(const struct nlu_toks *tk, size_t i, int64_t *v);
/* Reads a number written in words only ("four", "twenty five"). As nlu__number. */
size_t nlu__number_words(const struct nlu_toks *tk, size_t i, int64_t *v);
/* Reads a day-of-month ordinal: "15th", "15", "fifteenth", "twenty-first". Returns the
 * tokens used (0: none) and the day in *day (1..31). digits_ok admits a bare number. */
size_t nlu__ordinal(const struct nlu_toks *tk, size_t i, bool digits_ok, int *day);
/* True when byte c is an ASCII letter or digit. */
bool nlu__isalnum(unsigned char c);

/* Adds the date/time entities of tk to out (resolved against now in zone). */
void nlu__extract_datetimes(const struct nlu_toks *tk, int64_t now, const struct tz *zone,
			    struct nlu_entities *out);
/* Formats utc as ISO 8601 local time in zone (UTC when NULL) with its offset. */
void nlu__format_iso(const struct tz *zone, int64_t utc, char *out, size_t n);

#endif
