/* lexicon.c: the tokenizer and number/ordinal word tables shared by the extractors. */
#include "nlu/lexicon.h"

#include <string.h>

bool nlu__isalnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Length of a three-byte punctuation mark that must not be glued to words
 * (U+2013, U+2014 dashes, U+2018..U+201D quotes), else 0. */
static size_t unicode_punct(const unsigned char *s, size_t left)
{
	if (left >= 3 && s[0] == 0xE2 && s[1] == 0x80 &&
	    (s[2] == 0x93 || s[2] == 0x94 || (s[2] >= 0x98 && s[2] <= 0x9D)))
		return 3;
	/* the Spanish opening marks U+00A1 and U+00BF */
	if (left >= 2 && s[0] == 0xC2 && (s[1] == 0xA1 || s[1] == 0xBF))
		return 2;
	return 0;
}

static bool is_curly_apostrophe(const unsigned char *s, size_t left)
{
	return left >= 3 && s[0] == 0xE2 && s[1] == 0x80 && s[2] == 0x99;
}

void nlu__tokenize(const char *text, size_t len, struct nlu_toks *out)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;
	bool space = true;

	out->text = text;
	out->len = len;
	out->n = 0;
	while (i < len && out->n < NLU_TOK_MAX) {
		unsigned char c = s[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			space = true;
			i++;
			continue;
		}
		struct nlu_tok *t = &out->t[out->n];
		memset(t, 0, sizeof *t);
		t->start = i;
		t->space_before = space;
		space = false;
		size_t lo = 0;
		if (c >= '0' && c <= '9') {
			t->kind = NLU_TOK_NUM;
			while (i < len && s[i] >= '0' && s[i] <= '9') {
				if (t->num < 1000000000000000LL)
					t->num = t->num * 10 + (s[i] - '0');
				if (lo + 1 < NLU_TOK_LOW)
					t->low[lo++] = (char)s[i];
				t->ndigits++;
				i++;
			}
		} else if (is_alpha(c) || (c >= 0x80 && !unicode_punct(s + i, len - i))) {
			unsigned letters = 0, upper = 0;
			t->kind = NLU_TOK_WORD;
			while (i < len) {
				unsigned char d = s[i];
				if (is_alpha(d)) {
					letters++;
					if (d <= 'Z') {
						upper++;
						d = (unsigned char)(d - 'A' + 'a');
					}
					if (lo + 1 < NLU_TOK_LOW)
						t->low[lo++] = (char)d;
					i++;
				} else if ((d == '\'' || is_curly_apostrophe(s + i, len - i)) &&
					   lo > 0) {
					size_t w = d == '\'' ? 1 : 3;
					if (i + w >= len || !(is_alpha(s[i + w]) || s[i + w] >= 0x80) ||
					    unicode_punct(s + i + w, len - i - w))
						break;
					if (lo + 1 < NLU_TOK_LOW)
						t->low[lo++] = '\'';
					i += w;
				} else if (d >= 0x80 && !unicode_punct(s + i, len - i)) {
					if (lo + 1 < NLU_TOK_LOW)
						t->low[lo++] = (char)d;
					i++;
				} else {
					break;
				}
			}
			/* Keep a cut multi-byte sequence from dangling at the end of low. */
			if (lo + 1 >= NLU_TOK_LOW) {
				while (lo > 0 && ((unsigned char)t->low[lo - 1] & 0xC0) == 0x80)
					lo--;
				if (lo > 0 && (unsigned char)t->low[lo - 1] >= 0xC0)
					lo--;
			}
			t->caps = letters >= 2 && upper == letters;
		} else {
			size_t w = unicode_punct(s + i, len - i);
			t->kind = NLU_TOK_PUNCT;
			if (w == 3 && (s[i + 2] == 0x93 || s[i + 2] == 0x94))
				t->low[lo++] = '-';
			else if (w == 3)
				t->low[lo++] = s[i + 2] <= 0x9B ? '\'' : '"';
			else if (w == 2)
				t->low[lo++] = s[i + 1] == 0xA1 ? '!' : '?';
			else
				t->low[lo++] = (char)c;
			i += w ? w : 1;
		}
		t->low[lo] = '\0';
		t->end = i;
		out->n++;
	}
}

bool nlu__tok_is(const struct nlu_toks *tk, size_t i, const char *word)
{
	return i < tk->n && strcmp(tk->t[i].low, word) == 0;
}

int nlu__tok_in(const struct nlu_toks *tk, size_t i, const char *const *words)
{
	if (i >= tk->n)
		return -1;
	for (int k = 0; words[k]; k++)
		if (strcmp(tk->t[i].low, words[k]) == 0)
			return k;
	return -1;
}

size_t nlu__phrase(const struct nlu_toks *tk, size_t i, const char *phrase)
{
	const char *p = phrase;
	size_t n = 0;
	/* most phrases fail on their first byte: check it before anything else */
	if (i >= tk->n || tk->t[i].low[0] != phrase[0])
		return 0;
	for (;;) {
		if (i + n >= tk->n)
			return 0;
		const char *w = tk->t[i + n].low;
		while (*p && *p != ' ' && *w == *p) {
			p++;
			w++;
		}
		if (*w != '\0' || (*p != ' ' && *p != '\0'))
			return 0;
		n++;
		if (!*p)
			return n;
		p++;
	}
}

size_t nlu__phrase_any(const struct nlu_toks *tk, size_t i, const char *const *phrases,
		       int *which)
{
	size_t best = 0;
	for (int k = 0; phrases[k]; k++) {
		size_t n = nlu__phrase(tk, i, phrases[k]);
		if (n > best) {
			best = n;
			if (which)
				*which = k;
		}
	}
	return best;
}

static const char *const ones[] = {
	"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
	"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
	"seventeen", "eighteen", "nineteen", NULL,
};
static const char *const tens[] = {
	"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
	"ninety", NULL,
};
static const char *const ordinals[] = {
	"", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
	"ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
	"sixteenth", "seventeenth", "eighteenth", "nineteenth", NULL,
};
static const char *const tens_ordinals[] = { "", "", "twentieth", "thirtieth", NULL };

/* Reads "twenty", "twenty five", "twenty-five", or a single ones word: 0..99. */
static size_t below_hundred(const struct nlu_toks *tk, size_t i, int64_t *v)
{
	int k = nlu__tok_in(tk, i, ones);
	if (k >= 0) {
		*v = k;
		return 1;
	}
	k = nlu__tok_in(tk, i, tens);
	if (k < 2)
		return 0;
	*v = 10 * k;
	size_t j = i + 1;
	if (nlu__tok_is(tk, j, "-"))
		j++;
	int u = nlu__tok_in(tk, j, ones);
	if (u >= 1 && u <= 9) {
		*v += u;
		return j + 1 - i;
	}
	return 1;
}

size_t nlu__number_words(const struct nlu_toks *tk, size_t i, int64_t *v)
{
	int64_t total = 0, part = 0;
	size_t j = i;
	bool any = false;

	if (nlu__tok_is(tk, j, "a") &&
	    (nlu__tok_is(tk, j + 1, "hundred") || nlu__tok_is(tk, j + 1, "thousand"))) {
		part = 1;
		j++;
		any = true;
	} else {
		size_t n = below_hundred(tk, j, &part);
		if (!n)
			return 0;
		j += n;
		any = true;
	}
	for (;;) {
		if (nlu__tok_is(tk, j, "hundred") && part > 0 && part < 100) {
			part *= 100;
			j++;
			size_t k = j;
			if (nlu__tok_is(tk, k, "and"))
				k++;
			int64_t rest;
			size_t n = below_hundred(tk, k, &rest);
			if (n && rest > 0) {
				part += rest;
				j = k + n;
			}
			continue;
		}
		if (nlu__tok_is(tk, j, "thousand") && part > 0 && total == 0) {
			total = part * 1000;
			part = 0;
			j++;
			size_t k = j;
			if (nlu__tok_is(tk, k, "and"))
				k++;
			int64_t rest;
			size_t n = below_hundred(tk, k, &rest);
			if (n && rest > 0) {
				part = rest;
				j = k + n;
			}
			continue;
		}
		break;
	}
	if (!any)
		return 0;
	*v = total + part;
	return j - i;
}

size_t nlu__number(const struct nlu_toks *tk, size_t i, int64_t *v)
{
	if (i < tk->n && tk->t[i].kind == NLU_TOK_NUM) {
		*v = tk->t[i].num;
		return 1;
	}
	return nlu__number_words(tk, i, v);
}

size_t nlu__ordinal(const struct nlu_toks *tk, size_t i, bool digits_ok, int *day)
{
	static const char *const suffix[] = { "st", "nd", "rd", "th", NULL };
	if (i >= tk->n)
		return 0;
	const struct nlu_tok *t = &tk->t[i];
	if (t->kind == NLU_TOK_NUM) {
		if (t->ndigits > 2 || t->num < 1 || t->num > 31)
			return 0;
		*day = (int)t->num;
		if (nlu__tok_in(tk, i + 1, suffix) >= 0 && !tk->t[i + 1].space_before)
			return 2;
		return digits_ok ? 1 : 0;
	}
	int k = nlu__tok_in(tk, i, ordinals);
	if (k >= 1) {
		*day = k;
		return 1;
	}
	k = nlu__tok_in(tk, i, tens_ordinals);
	if (k >= 2) {
		*day = 10 * k;
		return 1;
	}
	k = nlu__tok_in(tk, i, tens);
	if (k == 2 || k == 3) {
		size_t j = i + 1;
		if (nlu__tok_is(tk, j, "-"))
			j++;
		int u = nlu__tok_in(tk, j, ordinals);
		if (u >= 1 && u <= 9 && 10 * k + u <= 31) {
			*day = 10 * k + u;
			return j + 1 - i;
		}
	}
	return 0;
}
