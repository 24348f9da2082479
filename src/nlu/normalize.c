/* normalize.c: text to normalised tokens (Unicode, contractions, shorthand, fillers). */
#include "nlu/nlu.h"
#include "nlu/nlu_impl.h"
#include "base/err.h"
#include "base/utf8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Rewrites of one whole (case-folded) word into one or more words: English, and the
 * commonest Spanish SMS forms. Sorted by `from` (strcmp order) for binary search; a
 * unit test checks the order. */
static const struct nlu__rewrite rewrites[] = {
	{"2day", "today"},
	{"2moro", "tomorrow"},
	{"2morrow", "tomorrow"},
	{"2nite", "tonight"},
	{"acct", "account"},
	{"addr", "address"},
	{"ain't", "is not"},
	{"aint", "is not"},
	{"appt", "appointment"},
	{"appts", "appointments"},
	{"apt", "appointment"},
	{"aren't", "are not"},
	{"arent", "are not"},
	{"asap", "as soon as possible"},
	{"b4", "before"},
	{"bc", "because"},
	{"becuase", "because"},
	{"blowin", "blowing"},
	{"bout", "about"},
	{"btw", "by the way"},
	{"can't", "can not"},
	{"cancell", "cancel"},
	{"cannot", "can not"},
	{"cant", "can not"},
	{"comin", "coming"},
	{"coolin", "cooling"},
	{"could've", "could have"},
	{"couldn't", "could not"},
	{"couldnt", "could not"},
	{"cuz", "because"},
	{"didn't", "did not"},
	{"didnt", "did not"},
	{"dnd", "donde"},
	{"doesn't", "does not"},
	{"doesnt", "does not"},
	{"doin", "doing"},
	{"don't", "do not"},
	{"dont", "do not"},
	{"drippin", "dripping"},
	{"gettin", "getting"},
	{"gimme", "give me"},
	{"goin", "going"},
	{"gonna", "going to"},
	{"gotta", "got to"},
	{"hadn't", "had not"},
	{"hasn't", "has not"},
	{"hasnt", "has not"},
	{"haven't", "have not"},
	{"havent", "have not"},
	{"he's", "he is"},
	{"heatin", "heating"},
	{"hrs", "hours"},
	{"i'd", "i would"},
	{"i'll", "i will"},
	{"i'm", "i am"},
	{"i've", "i have"},
	{"idk", "i do not know"},
	{"im", "i am"},
	{"isn't", "is not"},
	{"isnt", "is not"},
	{"it's", "it is"},
	{"ive", "i have"},
	{"k", "ok"},
	{"kk", "ok"},
	{"leakin", "leaking"},
	{"lemme", "let me"},
	{"let's", "let us"},
	{"makin", "making"},
	{"mins", "minutes"},
	{"msg", "message"},
	{"nite", "night"},
	{"nothin", "nothing"},
	{"np", "no problem"},
	{"num", "number"},
	{"nvm", "never mind"},
	{"ofc", "of course"},
	{"okay", "ok"},
	{"pic", "picture"},
	{"pics", "pictures"},
	{"pls", "please"},
	{"plz", "please"},
	{"porfa", "por favor"},
	{"porq", "porque"},
	{"ppl", "people"},
	{"pq", "porque"},
	{"pw", "password"},
	{"pwd", "password"},
	{"q", "que"},
	{"r", "are"},
	{"recieve", "receive"},
	{"recieved", "received"},
	{"runnin", "running"},
	{"schedual", "schedule"},
	{"sec", "second"},
	{"she's", "she is"},
	{"shouldn't", "should not"},
	{"shouldnt", "should not"},
	{"somethin", "something"},
	{"techn", "technician"},
	{"thanx", "thanks"},
	{"that's", "that is"},
	{"thats", "that is"},
	{"there's", "there is"},
	{"theres", "there is"},
	{"thermo", "thermostat"},
	{"they're", "they are"},
	{"thnks", "thanks"},
	{"thnx", "thanks"},
	{"thx", "thanks"},
	{"tmr", "tomorrow"},
	{"tmrw", "tomorrow"},
	{"tommorow", "tomorrow"},
	{"tommorrow", "tomorrow"},
	{"tomoro", "tomorrow"},
	{"tomorow", "tomorrow"},
	{"tonite", "tonight"},
	{"tryin", "trying"},
	{"txt", "text"},
	{"ty", "thanks"},
	{"tysm", "thank you so much"},
	{"tyvm", "thank you very much"},
	{"u", "you"},
	{"ur", "your"},
	{"waitin", "waiting"},
	{"wanna", "want to"},
	{"wasn't", "was not"},
	{"wasnt", "was not"},
	{"wat", "what"},
	{"we're", "we are"},
	{"wen", "when"},
	{"weren't", "were not"},
	{"what's", "what is"},
	{"whats", "what is"},
	{"when's", "when is"},
	{"whens", "when is"},
	{"where's", "where is"},
	{"who's", "who is"},
	{"wo", "without"},
	{"won't", "will not"},
	{"wont", "will not"},
	{"workin", "working"},
	{"would've", "would have"},
	{"wouldn't", "would not"},
	{"wouldnt", "would not"},
	{"wut", "what"},
	{"xfa", "por favor"},
	{"xq", "porque"},
	{"ya", "you"},
	{"yall", "you all"},
	{"yea", "yeah"},
	{"you'll", "you will"},
	{"you're", "you are"},
	{"you've", "you have"},
	{"youre", "you are"},
	{"yw", "you are welcome"},
};

/* Generic contraction suffixes, tried after the whole-word table. */
static const struct nlu__rewrite suffixes[] = {
	{"n't", " not"},
	{"'re", " are"},
	{"'ve", " have"},
	{"'ll", " will"},
	{"'m", " am"},
	{"'d", " would"},
	{"'s", ""},
};

/* Voice-transcript fillers. comma_only: a filler only when a comma follows it. */
static const struct nlu__filler fillers[] = {
	{"ah", false},
	{"basically", true},
	{"er", false},
	{"erm", false},
	{"hm", false},
	{"hmm", false},
	{"like", true},
	{"mhm", false},
	{"mm", false},
	{"uh", false},
	{"uhh", false},
	{"uhm", false},
	{"um", false},
	{"umm", false},
	{"well", true},
};

/* Number words. tens: a multiple of ten that may take a following unit. */
static const struct nlu__numword numwords[] = {
	{"eight", 8, false},     {"eighteen", 18, false}, {"eighty", 80, true},
	{"eleven", 11, false},   {"fifteen", 15, false},  {"fifty", 50, true},
	{"five", 5, false},      {"forty", 40, true},     {"four", 4, false},
	{"fourteen", 14, false}, {"nine", 9, false},      {"nineteen", 19, false},
	{"ninety", 90, true},    {"one", 1, false},       {"seven", 7, false},
	{"seventeen", 17, false}, {"seventy", 70, true},  {"six", 6, false},
	{"sixteen", 16, false},  {"sixty", 60, true},     {"ten", 10, false},
	{"thirteen", 13, false}, {"thirty", 30, true},    {"three", 3, false},
	{"twelve", 12, false},   {"twenty", 20, true},    {"two", 2, false},
	{"zero", 0, false},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

void nlu__tables(const struct nlu__rewrite **rw, size_t *nrw, const struct nlu__filler **fl,
		 size_t *nfl, const struct nlu__numword **nw, size_t *nnw)
{
	*rw = rewrites;
	*nrw = NELEM(rewrites);
	*fl = fillers;
	*nfl = NELEM(fillers);
	*nw = numwords;
	*nnw = NELEM(numwords);
}

static int cmp_key(const void *key, const void *elem)
{
	/* Every table entry starts with its const char * key. */
	return strcmp((const char *)key, *(const char *const *)elem);
}

static const struct nlu__rewrite *find_rewrite(const char *w)
{
	return bsearch(w, rewrites, NELEM(rewrites), sizeof rewrites[0], cmp_key);
}

static const struct nlu__filler *find_filler(const char *w)
{
	return bsearch(w, fillers, NELEM(fillers), sizeof fillers[0], cmp_key);
}

static const struct nlu__numword *find_numword(const char *w)
{
	return bsearch(w, numwords, NELEM(numwords), sizeof numwords[0], cmp_key);
}

/* ---------------------------------------------------------------- token storage */

const char *nlu_tok_norm(const struct nlu_tokens *t, size_t i)
{
	return t->chars.data + t->tok[i].norm;
}

const char *nlu_tok_fold(const struct nlu_tokens *t, size_t i)
{
	return t->chars.data + t->tok[i].fold;
}

void nlu_tokens_free(struct nlu_tokens *t)
{
	free(t->tok);
	buf_free(&t->chars);
	t->tok = NULL;
	t->n = t->cap = 0;
}

int nlu_tokens_join(const struct nlu_tokens *t, bool folded, struct buf *out)
{
	int rc = 0;
	for (size_t i = 0; i < t->n && !rc; i++) {
		if (i && (rc = buf_putc(out, ' ')))
			break;
		rc = buf_puts(out, folded ? nlu_tok_fold(t, i) : nlu_tok_norm(t, i));
	}
	return rc;
}

/* Stores a string (n bytes) in t->chars; *off receives its offset. */
static int put_str(struct nlu_tokens *t, const char *s, size_t n, uint32_t *off)
{
	*off = (uint32_t)t->chars.len;
	int rc = buf_append(&t->chars, s, n);
	return rc ? rc : buf_putc(&t->chars, '\0');
}

/* Appends a token whose norm and fold forms are given. */
static int push_tok(struct nlu_tokens *t, uint32_t start, uint32_t end, const char *norm,
		    size_t nlen, const char *fold, size_t flen, uint32_t flags)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		struct nlu_token *nt = realloc(t->tok, cap * sizeof *nt);
		if (!nt)
			return -ENOMEM;
		t->tok = nt;
		t->cap = cap;
	}
	struct nlu_token *k = &t->tok[t->n];
	int rc = put_str(t, norm, nlen, &k->norm);
	if (rc)
		return rc;
	if (fold == norm && flen == nlen) {
		k->fold = k->norm;
	} else if ((rc = put_str(t, fold, flen, &k->fold))) {
		return rc;
	}
	k->start = start;
	k->end = end;
	bool digits = nlen > 0;
	for (size_t i = 0; i < nlen; i++)
		if (norm[i] < '0' || norm[i] > '9')
			digits = false;
	k->flags = flags | (digits ? NLU_TOK_NUMBER : 0);
	t->n++;
	return 0;
}

/* Appends the words of a space-separated replacement, all with one span. */
static int push_words(struct nlu_tokens *t, uint32_t start, uint32_t end, const char *s)
{
	while (*s) {
		const char *sp = strchr(s, ' ');
		size_t n = sp ? (size_t)(sp - s) : strlen(s);
		if (n) {
			int rc = push_tok(t, start, end, s, n, s, n, NLU_TOK_EXPANDED);
			if (rc)
				return rc;
		}
		s += n;
		if (*s == ' ')
			s++;
	}
	return 0;
}

/* ---------------------------------------------------------------- word splitting */

static bool is_word_cp(utf8proc_int32_t cp)
{
	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
		       (cp >= '0' && cp <= '9');
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME: case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
		return true;
	default:
		return false;
	}
}

static bool is_apostrophe(utf8proc_int32_t cp)
{
	return cp == '\'' || cp == 0x2019 || cp == 0x02BC;
}

/* Decodes the code point at s[i] (valid UTF-8 guaranteed); returns its length. */
static size_t cp_at(const char *s, size_t len, size_t i, utf8proc_int32_t *cp)
{
	utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
					      (utf8proc_ssize_t)(len - i), cp);
	return k > 0 ? (size_t)k : 1;
}

/* Case folds (and NFKC-normalises) one word into norm; the accent-free form into fold.
 * Apostrophes become '\''. ASCII words take a fast path. */
static int fold_word(const char *w, size_t n, struct buf *norm, struct buf *fold)
{
	bool ascii = true;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)w[i] >= 0x80)
			ascii = false;
	buf_reset(norm);
	buf_reset(fold);
	int rc;
	if (ascii) {
		if ((rc = buf_reserve(norm, n)))
			return rc;
		for (size_t i = 0; i < n; i++) {
			char c = w[i];
			norm->data[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
		}
		norm->len = n;
		norm->data[n] = '\0';
		return buf_append(fold, norm->data, n);
	}
	utf8proc_uint8_t *a = NULL, *b = NULL;
	utf8proc_ssize_t la = utf8proc_map((const utf8proc_uint8_t *)w, (utf8proc_ssize_t)n, &a,
					   UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
						   UTF8PROC_CASEFOLD);
	utf8proc_ssize_t lb = utf8proc_map((const utf8proc_uint8_t *)w, (utf8proc_ssize_t)n, &b,
					   UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
						   UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK);
	if (la < 0 || lb < 0) {
		rc = (la == UTF8PROC_ERROR_NOMEM || lb == UTF8PROC_ERROR_NOMEM) ? -ENOMEM
										: -TN_EPARSE;
		goto out;
	}
	/* The typographic apostrophes become the ASCII one. */
	for (int pass = 0; pass < 2; pass++) {
		const char *s = (const char *)(pass ? b : a);
		size_t sl = (size_t)(pass ? lb : la);
		struct buf *dst = pass ? fold : norm;
		for (size_t i = 0; i < sl;) {
			utf8proc_int32_t cp;
			size_t k = cp_at(s, sl, i, &cp);
			rc = is_apostrophe(cp) ? buf_putc(dst, '\'') : buf_append(dst, s + i, k);
			if (rc)
				goto out;
			i += k;
		}
		if (!dst->data && (rc = buf_reserve(dst, 1)))
			goto out;
	}
	rc = 0;
out:
	free(a);
	free(b);
	return rc;
}

/* Applies the contraction and shorthand rules to one folded word and appends the
 * result. fold may differ from norm only by accents; rules match the norm form. */
static int emit_word(struct nlu_tokens *t, uint32_t start, uint32_t end, const struct buf *norm,
		     const struct buf *fold)
{
	const struct nlu__rewrite *r = find_rewrite(norm->data);
	if (r)
		return push_words(t, start, end, r->to);
	for (size_t i = 0; i < NELEM(suffixes); i++) {
		size_t sl = strlen(suffixes[i].from);
		if (norm->len > sl && !strcmp(norm->data + norm->len - sl, suffixes[i].from)) {
			size_t stem = norm->len - sl;
			int rc;
			if (fold->len >= sl)
				rc = push_tok(t, start, end, norm->data, stem, fold->data,
					      fold->len - sl, NLU_TOK_EXPANDED);
			else
				rc = push_tok(t, start, end, norm->data, stem, norm->data, stem,
					      NLU_TOK_EXPANDED);
			if (rc)
				return rc;
			return push_words(t, start, end, suffixes[i].to);
		}
	}
	/* Any other apostrophe is dropped ("o'clock" -> "oclock"). */
	if (memchr(norm->data, '\'', norm->len)) {
		char tmp[256];
		size_t n = 0;
		for (size_t i = 0; i < norm->len && n < sizeof tmp; i++)
			if (norm->data[i] != '\'')
				tmp[n++] = norm->data[i];
		return push_tok(t, start, end, tmp, n, tmp, n, 0);
	}
	return push_tok(t, start, end, norm->data, norm->len, fold->data, fold->len, 0);
}

/* Replaces runs of number words by digits ("twenty five" -> "25"), in place. */
static int numbers_to_digits(struct nlu_tokens *t)
{
	size_t w = 0;
	for (size_t i = 0; i < t->n; i++) {
		struct nlu_token k = t->tok[i];
		const struct nlu__numword *nw = find_numword(t->chars.data + k.norm);
		if (nw) {
			int value = nw->value;
			uint32_t end = k.end;
			if (nw->tens && i + 1 < t->n) {
				const struct nlu__numword *u =
					find_numword(t->chars.data + t->tok[i + 1].norm);
				if (u && u->value >= 1 && u->value <= 9) {
					value += u->value;
					end = t->tok[i + 1].end;
					i++;
				}
			}
			char digits[8];
			int n = snprintf(digits, sizeof digits, "%d", value);
			/* Digits are stored at the end of chars; the token is rewritten. */
			uint32_t off;
			int rc = put_str(t, digits, (size_t)n, &off);
			if (rc)
				return rc;
			k.norm = k.fold = off;
			k.end = end;
			k.flags |= NLU_TOK_NUMBER | NLU_TOK_EXPANDED;
		}
		t->tok[w++] = k;
	}
	t->n = w;
	return 0;
}

int nlu_normalize(const char *text, size_t len, struct nlu_tokens *t)
{
	struct buf norm = BUF_INIT, fold = BUF_INIT;
	int rc = 0;
	t->n = 0;
	buf_reset(&t->chars);
	if (len > NLU_MAX_TEXT)
		return -TN_ELIMIT;
	if (!utf8_valid(text, len))
		return -TN_EPARSE;
	size_t i = 0;
	while (i < len) {
		utf8proc_int32_t cp;
		size_t k = cp_at(text, len, i, &cp);
		if (cp == '$') {
			if ((rc = push_tok(t, (uint32_t)i, (uint32_t)(i + 1), "$", 1, "$", 1, 0)))
				goto out;
			i += k;
			continue;
		}
		if (!is_word_cp(cp)) {
			i += k;
			continue;
		}
		/* A word: word code points, joined by inner apostrophes; "a/c" stays one. */
		size_t start = i, j = i + k;
		while (j < len) {
			utf8proc_int32_t c2, c3;
			size_t k2 = cp_at(text, len, j, &c2);
			if (is_word_cp(c2)) {
				j += k2;
				continue;
			}
			if (is_apostrophe(c2) && j + k2 < len) {
				size_t k3 = cp_at(text, len, j + k2, &c3);
				(void)k3;
				if (is_word_cp(c3)) {
					j += k2;
					continue;
				}
			}
			if (c2 == '/' && j - start == 1 && j + 2 <= len &&
			    ((text[j + 1] | 32) >= 'a' && (text[j + 1] | 32) <= 'z') &&
			    (j + 2 == len || !is_word_cp((unsigned char)text[j + 2]))) {
				j += 2;  /* "a/c", "w/o" */
				continue;
			}
			break;
		}
		if (j - start > 200) {  /* not a word anyone typed: skip it */
			i = j;
			continue;
		}
		/* The slash of "a/c" is dropped before folding. */
		char tmp[256];
		const char *w = text + start;
		size_t wn = j - start;
		if (wn == 3 && w[1] == '/') {
			tmp[0] = w[0];
			tmp[1] = w[2];
			w = tmp;
			wn = 2;
		}
		if ((rc = fold_word(w, wn, &norm, &fold)))
			goto out;
		const struct nlu__filler *f = find_filler(norm.data);
		if (f && (!f->comma_only || (j < len && text[j] == ','))) {
			i = j;
			continue;
		}
		if ((rc = emit_word(t, (uint32_t)start, (uint32_t)j, &norm, &fold)))
			goto out;
		i = j;
	}
	rc = numbers_to_digits(t);
out:
	buf_free(&norm);
	buf_free(&fold);
	if (rc) {
		t->n = 0;
		buf_reset(&t->chars);
	}
	return rc;
}
