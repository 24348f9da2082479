/* features.c: hashed word and character n-gram features of normalised tokens. */
#include "nlu/nlu_impl.h"

#include <string.h>

/* Seeds keep the feature kinds apart in the shared hash space. */
#define SEED_WORD 0x9e3779b9u
#define SEED_BIGRAM 0x85ebca6bu
#define SEED_CHAR 0xc2b2ae35u
#define SEED_SHAPE 0x27d4eb2fu
#define MAX_WORD_CPS 48

static uint32_t fnv1a(uint32_t h, const char *s, size_t n)
{
	h ^= 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/* A final avalanche so that nearby hashes land in distant buckets. */
static uint32_t mix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

struct sink {
	uint32_t *ids;
	size_t n, max;
	uint32_t mask;
};

static void add(struct sink *s, uint32_t h)
{
	if (s->n < s->max)
		s->ids[s->n++] = mix(h) & s->mask;
}

/* Character n-grams of "<w>" by code points. */
static void char_ngrams(struct sink *s, const char *w)
{
	char buf[MAX_WORD_CPS * 4 + 3];
	size_t cps[MAX_WORD_CPS + 3];  /* byte offset of each code point in buf */
	size_t n = 0, len = 0;
	buf[len] = '<';
	cps[n++] = len++;
	for (size_t i = 0; w[i];) {
		if (n > MAX_WORD_CPS)
			return;  /* a very long token: its unigram is enough */
		size_t k = 1;
		unsigned char c = (unsigned char)w[i];
		if (c >= 0xF0) k = 4;
		else if (c >= 0xE0) k = 3;
		else if (c >= 0xC0) k = 2;
		cps[n++] = len;
		memcpy(buf + len, w + i, k);
		len += k;
		i += k;
	}
	cps[n++] = len;
	buf[len++] = '>';
	cps[n] = len;  /* sentinel: end of the last code point */
	for (size_t q = NLU_MINN; q <= NLU_MAXN; q++)
		for (size_t i = 0; i + q <= n; i++)
			add(s, fnv1a(SEED_CHAR, buf + cps[i], cps[i + q] - cps[i]));
}

/* WORD_WEIGHT: word unigrams and bigrams are emitted twice, so each weighs twice a
 * character n-gram. A word has many n-grams; without this they drown the word itself
 * (measured on the held-out data: 0.917 accuracy with weight 1, 0.924 with 2, 0.914
 * with 3). */
size_t nlu__features(const struct nlu_tokens *t, uint32_t bits, uint32_t *ids, size_t max)
{
	struct sink s = {ids, 0, max, (bits >= 32) ? 0xffffffffu : ((1u << bits) - 1)};
	uint32_t prev = fnv1a(SEED_WORD, "<s>", 3);
	for (size_t i = 0; i < t->n; i++) {
		const char *w = nlu_tok_fold(t, i);
		size_t wl = strlen(w);
		uint32_t hw;
		if (t->tok[i].flags & NLU_TOK_NUMBER) {
			char shape[8] = "#";
			shape[1] = (char)('0' + (wl > 9 ? 9 : wl));
			hw = fnv1a(SEED_SHAPE, shape, 2);
			add(&s, hw);
			if (wl <= 2)  /* small numbers carry meaning ("2 hours", "the 15th") */
				add(&s, fnv1a(SEED_WORD, w, wl));
		} else {
			hw = fnv1a(SEED_WORD, w, wl);
			add(&s, hw);
			add(&s, hw);  /* words count twice (WORD_WEIGHT, above) */
			char_ngrams(&s, w);
		}
		add(&s, prev * 31u + hw + SEED_BIGRAM);
		add(&s, prev * 31u + hw + SEED_BIGRAM);
		prev = hw;
	}
	add(&s, prev * 31u + fnv1a(SEED_WORD, "</s>", 4) + SEED_BIGRAM);
	return s.n;
}
