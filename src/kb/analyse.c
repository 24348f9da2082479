/* analyse.c: the kb text pipeline: case folding, tokenising, stopwords, stemming. */
#include "kb/kb_internal.h"

#include "base/err.h"
#include "base/utf8.h"

#include <errno.h>
#include <libstemmer.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static const char *const stemmer_names[KB_LANG_COUNT] = {
	[KB_LANG_EN] = "english",
	[KB_LANG_ES] = "spanish",
};

static const char *const lang_names[KB_LANG_COUNT] = {
#define KB_LANG_NAME(id, name) [KB_LANG_##id] = name,
	KB_LANGS(KB_LANG_NAME)
#undef KB_LANG_NAME
};

const char *kb_lang_name(enum kb_lang lang)
{
	if ((unsigned)lang >= KB_LANG_COUNT)
		return "?";
	return lang_names[lang];
}

int kb_lang_parse(const char *s, enum kb_lang *out)
{
	if (!s)
		return -EINVAL;
	for (int i = 0; i < KB_LANG_COUNT; i++)
		if (strcmp(s, lang_names[i]) == 0) {
			*out = (enum kb_lang)i;
			return 0;
		}
	return -EINVAL;
}

int kb__analyser_init(struct kb_analyser *a)
{
	memset(a, 0, sizeof *a);
	for (int i = 0; i < KB_LANG_COUNT; i++) {
		a->stem[i] = sb_stemmer_new(stemmer_names[i], NULL);
		if (!a->stem[i]) {
			kb__analyser_fini(a);
			return -ENOMEM;
		}
	}
	return 0;
}

void kb__analyser_fini(struct kb_analyser *a)
{
	for (int i = 0; i < KB_LANG_COUNT; i++) {
		if (a->stem[i])
			sb_stemmer_delete(a->stem[i]);
		a->stem[i] = NULL;
	}
}

int kb__fold(const char *text, size_t len, char **out, size_t *outlen)
{
	*out = NULL;
	*outlen = 0;
	if (!utf8_valid(text, len) || memchr(text, '\0', len))
		return -TN_EPARSE;
	bool ascii = true;
	for (size_t i = 0; i < len && ascii; i++)
		ascii = (unsigned char)text[i] < 0x80;
	if (ascii) {
		/* Plain ASCII (most text) folds to lower case and is already composed. */
		char *p = malloc(len + 1);
		if (!p)
			return -ENOMEM;
		for (size_t i = 0; i < len; i++)
			p[i] = text[i] >= 'A' && text[i] <= 'Z' ? (char)(text[i] + 32) : text[i];
		p[len] = '\0';
		*out = p;
		*outlen = len;
		return 0;
	}
	utf8proc_uint8_t *dst = NULL;
	utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)text, (utf8proc_ssize_t)len,
					  &dst, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
	if (n < 0)
		return n == UTF8PROC_ERROR_NOMEM ? -ENOMEM : -TN_EPARSE;
	*out = (char *)dst;
	*outlen = (size_t)n;
	return 0;
}

static bool is_word_cp(utf8proc_int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
	case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
		return true;
	default:
		return false;
	}
}

static bool is_apostrophe(utf8proc_int32_t cp)
{
	return cp == '\'' || cp == 0x2019;
}

/* Calls fn for each raw token (folded, apostrophes normalised to '), in order.
 * Tokens longer than KB_TOKEN_MAX - 1 bytes are skipped. */
static int walk_tokens(const char *text, size_t len, kb_term_fn fn, void *ctx)
{
	const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)text;
	char tok[KB_TOKEN_MAX];
	size_t tn = 0;
	bool too_long = false;
	size_t i = 0;
	while (i <= len) {
		utf8proc_int32_t cp = -1;
		utf8proc_ssize_t step = 1;
		if (i < len) {
			step = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &cp);
			if (step <= 0)
				return -TN_EPARSE;  /* kb__fold validated the text */
		}
		bool word = cp >= 0 && is_word_cp(cp);
		if (!word && cp >= 0 && is_apostrophe(cp) && tn > 0 && i + (size_t)step < len) {
			/* Keep an apostrophe between two word characters ("don't"). */
			utf8proc_int32_t next;
			utf8proc_ssize_t ns = utf8proc_iterate(s + i + step,
							       (utf8proc_ssize_t)(len - i - (size_t)step), &next);
			if (ns > 0 && is_word_cp(next)) {
				if (tn + 1 < sizeof tok)
					tok[tn++] = '\'';
				else
					too_long = true;
				i += (size_t)step;
				continue;
			}
		}
		if (word) {
			if (tn + (size_t)step < sizeof tok) {
				memcpy(tok + tn, s + i, (size_t)step);
				tn += (size_t)step;
			} else {
				too_long = true;
			}
		} else if (tn > 0 || too_long) {
			if (!too_long) {
				tok[tn] = '\0';
				int rc = fn(ctx, tok, tn);
				if (rc)
					return rc;
			}
			tn = 0;
			too_long = false;
		}
		i += (size_t)step;
	}
	return 0;
}

struct detect_ctx {
	int en, es;
};

static bool has_spanish_letter(const char *tok)
{
	/* á é í ó ú ü ñ, case-folded and composed: all are C3 xx in UTF-8. */
	static const unsigned char marks[] = {0xA1, 0xA9, 0xAD, 0xB3, 0xBA, 0xBC, 0xB1};
	for (const unsigned char *p = (const unsigned char *)tok; *p; p++)
		if (p[0] == 0xC3 && p[1] && memchr(marks, p[1], sizeof marks))
			return true;
	return false;
}

static int detect_token(void *vctx, const char *tok, size_t len)
{
	struct detect_ctx *c = vctx;
	bool en = kb__stopword(KB_LANG_EN, tok), es = kb__stopword(KB_LANG_ES, tok);
	if (en && !es)
		c->en++;
	else if (es && !en)
		c->es++;
	if (has_spanish_letter(tok))
		c->es++;
	return 0;
}

enum kb_lang kb__detect(const char *folded, size_t len, bool *evidence)
{
	struct detect_ctx c = {0, 0};
	walk_tokens(folded, len, detect_token, &c);
	/* Inverted punctuation marks only occur in Spanish. */
	if (memmem(folded, len, "\xC2\xBF", 2) || memmem(folded, len, "\xC2\xA1", 2))
		c.es += 2;
	*evidence = c.en != c.es;
	return c.es > c.en ? KB_LANG_ES : KB_LANG_EN;
}

struct terms_ctx {
	struct kb_analyser *a;
	enum kb_lang lang;
	kb_term_fn fn;
	void *ctx;
};

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int term_token(void *vctx, const char *tok, size_t len)
{
	struct terms_ctx *c = vctx;
	if (kb__stopword(c->lang, tok))
		return 0;
	if (all_digits(tok, len))
		return c->fn(c->ctx, tok, len);
	/* One-letter words carry no meaning worth ranking on. */
	utf8proc_int32_t cp;
	if (utf8proc_iterate((const utf8proc_uint8_t *)tok, (utf8proc_ssize_t)len, &cp) ==
	    (utf8proc_ssize_t)len)
		return 0;
	const sb_symbol *st = sb_stemmer_stem(c->a->stem[c->lang], (const sb_symbol *)tok, (int)len);
	if (!st)
		return -ENOMEM;
	int sl = sb_stemmer_length(c->a->stem[c->lang]);
	if (sl <= 0)
		return 0;
	return c->fn(c->ctx, (const char *)st, (size_t)sl);
}

int kb__terms(struct kb_analyser *a, enum kb_lang lang, const char *folded, size_t len,
	      kb_term_fn fn, void *ctx)
{
	struct terms_ctx c = {a, lang, fn, ctx};
	return walk_tokens(folded, len, term_token, &c);
}
