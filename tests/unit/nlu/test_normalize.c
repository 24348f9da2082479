/* test_normalize.c: normalisation of customer text into tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "nlu/nlu.h"
#include "nlu/nlu_impl.h"
#include "base/err.h"

#include <stdlib.h>
#include <string.h>

/* Normalises s and checks the joined result (folded or not). */
static void expect_join(const char *s, bool folded, const char *want)
{
	struct nlu_tokens t = NLU_TOKENS_INIT;
	struct buf b = BUF_INIT;
	assert_int_equal(nlu_normalize(s, strlen(s), &t), 0);
	assert_int_equal(nlu_tokens_join(&t, folded, &b), 0);
	assert_string_equal(b.data ? b.data : "", want);
	buf_free(&b);
	nlu_tokens_free(&t);
}

static void test_shorthand_and_contractions(void **state)
{
	(void)state;
	expect_join("ac aint coolin", false, "ac is not cooling");
	expect_join("Can't come tmrw, pls call wen ur free", false,
		    "can not come tomorrow please call when your free");
	expect_join("I won't be home, I'm at work", false, "i will not be home i am at work");
	expect_join("don\xe2\x80\x99t send the tech", false, "do not send the tech");
	expect_join("thx, appt moved? u r great", false,
		    "thanks appointment moved you are great");
	expect_join("the heater isn't working and the AC doesn't either", false,
		    "the heater is not working and the ac does not either");
	expect_join("they've said she'll come", false, "they have said she will come");
	expect_join("my a/c is out", false, "my ac is out");
	expect_join("porfa, q tecnico viene xq no hay agua", false,
		    "por favor que tecnico viene porque no hay agua");
}

static void test_fillers(void **state)
{
	(void)state;
	expect_join("um so uh the AC, like, stopped umm working", false,
		    "so the ac stopped working");
	/* "like" is only a filler when a comma follows it. */
	expect_join("I would like a tune-up", false, "i would like a tune up");
	expect_join("Well, I like it", false, "i like it");
}

static void test_numbers(void **state)
{
	(void)state;
	expect_join("twenty five dollars for two units", false, "25 dollars for 2 units");
	expect_join("ninety", false, "90");
	expect_join("$189 at 4:30", false, "$ 189 at 4 30");

	struct nlu_tokens t = NLU_TOKENS_INIT;
	const char *s = "pay twenty five now";
	assert_int_equal(nlu_normalize(s, strlen(s), &t), 0);
	assert_int_equal(t.n, 3);
	assert_string_equal(nlu_tok_norm(&t, 1), "25");
	assert_true(t.tok[1].flags & NLU_TOK_NUMBER);
	/* The span covers both words. */
	assert_int_equal(t.tok[1].start, 4);
	assert_int_equal(t.tok[1].end, 15);
	assert_false(t.tok[0].flags & NLU_TOK_NUMBER);
	nlu_tokens_free(&t);
}

static void test_spans(void **state)
{
	(void)state;
	struct nlu_tokens t = NLU_TOKENS_INIT;
	const char *s = "Hello,  WORLD!! can't";
	assert_int_equal(nlu_normalize(s, strlen(s), &t), 0);
	assert_int_equal(t.n, 4);
	assert_string_equal(nlu_tok_norm(&t, 0), "hello");
	assert_int_equal(t.tok[0].start, 0);
	assert_int_equal(t.tok[0].end, 5);
	assert_string_equal(nlu_tok_norm(&t, 1), "world");
	assert_int_equal(t.tok[1].start, 8);
	assert_int_equal(t.tok[1].end, 13);
	/* Both words of an expansion keep the span of "can't". */
	assert_string_equal(nlu_tok_norm(&t, 2), "can");
	assert_string_equal(nlu_tok_norm(&t, 3), "not");
	assert_int_equal(t.tok[2].start, 16);
	assert_int_equal(t.tok[3].end, 21);
	assert_true(t.tok[3].flags & NLU_TOK_EXPANDED);
	nlu_tokens_free(&t);
}

static void test_unicode(void **state)
{
	(void)state;
	/* NFKC: a ligature and full-width letters. */
	expect_join("\xef\xac\x81x my \xef\xbc\xa1\xef\xbc\xa3", false, "fix my ac");
	/* Spanish keeps accents in the norm form and drops them in the folded one. */
	expect_join("Ma\xc3\xb1" "ana NECESITO cancelaci\xc3\xb3n", false,
		    "ma\xc3\xb1" "ana necesito cancelaci\xc3\xb3n");
	expect_join("Ma\xc3\xb1" "ana NECESITO cancelaci\xc3\xb3n", true,
		    "manana necesito cancelacion");
	/* Combining accent written separately composes first. */
	expect_join("CAFE\xcc\x81", false, "caf\xc3\xa9");
	/* Emoji and symbols are not words. */
	expect_join("hi \xf0\x9f\x98\x80 there", false, "hi there");
}

static void test_invalid_input(void **state)
{
	(void)state;
	struct nlu_tokens t = NLU_TOKENS_INIT;
	assert_int_equal(nlu_normalize("ok", 2, &t), 0);
	assert_int_equal(t.n, 1);
	assert_int_equal(nlu_normalize("bad \xff byte", 10, &t), -TN_EPARSE);
	assert_int_equal(t.n, 0);
	assert_int_equal(nlu_normalize("\xc0\xaf", 2, &t), -TN_EPARSE);      /* overlong */
	assert_int_equal(nlu_normalize("\xed\xa0\x80", 3, &t), -TN_EPARSE);  /* surrogate */
	assert_int_equal(nlu_normalize("caf\xc3", 4, &t), -TN_EPARSE);       /* cut short */
	char *big = malloc(NLU_MAX_TEXT + 1);
	assert_non_null(big);
	memset(big, 'a', NLU_MAX_TEXT + 1);
	assert_int_equal(nlu_normalize(big, NLU_MAX_TEXT + 1, &t), -TN_ELIMIT);
	/* A huge single "word" is skipped, not a crash. */
	assert_int_equal(nlu_normalize(big, NLU_MAX_TEXT, &t), 0);
	assert_int_equal(t.n, 0);
	free(big);
	assert_int_equal(nlu_normalize("", 0, &t), 0);
	assert_int_equal(t.n, 0);
	/* Embedded NUL bytes are separators, not terminators. */
	assert_int_equal(nlu_normalize("a\0b", 3, &t), 0);
	assert_int_equal(t.n, 2);
	nlu_tokens_free(&t);
}

static void test_tables_sorted(void **state)
{
	(void)state;
	const struct nlu__rewrite *rw;
	const struct nlu__filler *fl;
	const struct nlu__numword *nw;
	size_t nrw, nfl, nnw;
	nlu__tables(&rw, &nrw, &fl, &nfl, &nw, &nnw);
	assert_true(nrw > 50);
	for (size_t i = 1; i < nrw; i++)
		if (strcmp(rw[i - 1].from, rw[i].from) >= 0)
			fail_msg("rewrites out of order at %s", rw[i].from);
	for (size_t i = 1; i < nfl; i++)
		if (strcmp(fl[i - 1].word, fl[i].word) >= 0)
			fail_msg("fillers out of order at %s", fl[i].word);
	for (size_t i = 1; i < nnw; i++)
		if (strcmp(nw[i - 1].word, nw[i].word) >= 0)
			fail_msg("number words out of order at %s", nw[i].word);
	/* Every rewrite entry is found through the public path. */
	for (size_t i = 0; i < nrw; i++) {
		struct nlu_tokens t = NLU_TOKENS_INIT;
		struct buf b = BUF_INIT;
		assert_int_equal(nlu_normalize(rw[i].from, strlen(rw[i].from), &t), 0);
		assert_int_equal(nlu_tokens_join(&t, false, &b), 0);
		if (strcmp(b.data, rw[i].to))
			fail_msg("%s -> %s, want %s", rw[i].from, b.data, rw[i].to);
		buf_free(&b);
		nlu_tokens_free(&t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shorthand_and_contractions),
		cmocka_unit_test(test_fillers),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_spans),
		cmocka_unit_test(test_unicode),
		cmocka_unit_test(test_invalid_input),
		cmocka_unit_test(test_tables_sorted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
