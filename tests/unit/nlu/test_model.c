/* test_model.c: the binary model format: round trips and refusal of bad files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helper_nlu.h"
#include "nlu/nlu_impl.h"
#include "base/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *texts[] = {
	"play some jazz", "set a timer for 10 minutes", "will it snow", "who won the game",
	"", "caf\xc3\xa9 music timer rain", "zzzz qqqq",
};

/* Same probabilities, same order, for every text. */
static void assert_same_predictions(const struct nlu_model *a, const struct nlu_model *b)
{
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		struct nlu_prediction pa, pb;
		assert_int_equal(nlu_classify(a, texts[i], strlen(texts[i]), NULL, &pa), 0);
		assert_int_equal(nlu_classify(b, texts[i], strlen(texts[i]), NULL, &pb), 0);
		assert_string_equal(pa.intent, pb.intent);
		assert_int_equal(pa.nranked, pb.nranked);
		for (size_t r = 0; r < pa.nranked; r++) {
			assert_string_equal(pa.ranked[r].intent, pb.ranked[r].intent);
			assert_memory_equal(&pa.ranked[r].confidence, &pb.ranked[r].confidence,
					    sizeof(float));
		}
	}
}

static void test_round_trip_memory(void **state)
{
	(void)state;
	struct nlu_model *m = helper_toy_model(3), *back = NULL;
	struct buf a = BUF_INIT, b = BUF_INIT;
	char err[256];
	assert_int_equal(nlu_model_encode(m, &a), 0);
	assert_int_equal(nlu_model_decode(a.data, a.len, &back, err, sizeof err), 0);
	assert_same_predictions(m, back);
	assert_float_equal(nlu_model_threshold(m), nlu_model_threshold(back), 0);
	assert_string_equal(nlu_model_oos_label(back), "out_of_scope");
	/* Re-encoding gives the same bytes. */
	assert_int_equal(nlu_model_encode(back, &b), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	buf_free(&a);
	buf_free(&b);
	nlu_model_free(back);
	nlu_model_free(m);
}

static void test_round_trip_file(void **state)
{
	(void)state;
	char path[] = "/tmp/tandem-nlu-model-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct nlu_model *m = helper_toy_model(5), *back = NULL;
	char err[256];
	assert_int_equal(nlu_model_save(m, path, err, sizeof err), 0);
	assert_int_equal(nlu_model_load(path, &back, err, sizeof err), 0);
	assert_same_predictions(m, back);
	nlu_model_free(back);
	nlu_model_free(m);
	unlink(path);
	assert_int_equal(nlu_model_load(path, &back, err, sizeof err), -ENOENT);
	assert_null(back);
	assert_non_null(strstr(err, "cannot open"));
	m = helper_toy_model(5);
	assert_int_equal(nlu_model_save(m, "/nonexistent/dir/m", err, sizeof err), -ENOENT);
	assert_non_null(strstr(err, "cannot create"));
	nlu_model_free(m);
}

/* Decoding must fail with -TN_EFORMAT and a message containing want. */
static void expect_refused(const void *data, size_t len, const char *want)
{
	struct nlu_model *m = (struct nlu_model *)1;
	char err[256] = "";
	assert_int_equal(nlu_model_decode(data, len, &m, err, sizeof err), -TN_EFORMAT);
	assert_null(m);
	if (want && !strstr(err, want))
		fail_msg("error '%s' does not mention '%s'", err, want);
}

/* Rewrites the trailing CRC so that only the deliberate change is wrong. */
static void fix_crc(struct buf *b)
{
	uint32_t c = nlu__crc32(0, b->data, b->len - 4);
	for (int i = 0; i < 4; i++)
		b->data[b->len - 4 + i] = (char)(c >> (8 * i));
}

static void test_refuses_bad_files(void **state)
{
	(void)state;
	struct nlu_model *m = helper_toy_model(9);
	struct buf good = BUF_INIT, b = BUF_INIT;
	assert_int_equal(nlu_model_encode(m, &good), 0);
	nlu_model_free(m);

	/* Foreign files. */
	expect_refused("", 0, "not a tandem NLU model");
	expect_refused("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, "not a tandem NLU model");
	expect_refused("{\"text\":\"hi\",\"intent\":\"x\"}\n", 27, "not a tandem NLU model");

	/* Every truncation is refused. */
	for (size_t n = 0; n < good.len; n += (n < 200 ? 1 : 97))
		expect_refused(good.data, n, NULL);
	expect_refused(good.data, good.len - 1, "truncated");
	expect_refused(good.data, 40, "truncated");

	/* A flipped bit anywhere after the magic is caught (checksum or validation). */
	for (size_t i = 8; i < good.len; i += good.len / 300 + 1) {
		buf_reset(&b);
		assert_int_equal(buf_append(&b, good.data, good.len), 0);
		b.data[i] ^= 0x10;
		expect_refused(b.data, b.len, NULL);
	}
	buf_reset(&b);
	assert_int_equal(buf_append(&b, good.data, good.len), 0);
	b.data[b.len - 20] ^= 0x01;  /* inside the weights: only the checksum can tell */
	expect_refused(b.data, b.len, "checksum");

	/* A future version, with a valid checksum, is refused by version. */
	buf_reset(&b);
	assert_int_equal(buf_append(&b, good.data, good.len), 0);
	b.data[8] = 2;
	fix_crc(&b);
	expect_refused(b.data, b.len, "version 2");

	/* A different feature scheme. */
	buf_reset(&b);
	assert_int_equal(buf_append(&b, good.data, good.len), 0);
	b.data[12] = 9;
	fix_crc(&b);
	expect_refused(b.data, b.len, "retrain");

	/* Trailing bytes. */
	buf_reset(&b);
	assert_int_equal(buf_append(&b, good.data, good.len), 0);
	assert_int_equal(buf_append(&b, "\0\0\0\0", 4), 0);
	expect_refused(b.data, b.len, "unexpected bytes");

	/* A NaN weight with a valid checksum. */
	buf_reset(&b);
	assert_int_equal(buf_append(&b, good.data, good.len), 0);
	memcpy(b.data + b.len - 4 - 4 * 4 - 4, "\x00\x00\xc0\x7f", 4);
	fix_crc(&b);
	expect_refused(b.data, b.len, "finite");

	/* The untouched file still loads. */
	struct nlu_model *ok = NULL;
	char err[256];
	assert_int_equal(nlu_model_decode(good.data, good.len, &ok, err, sizeof err), 0);
	nlu_model_free(ok);
	buf_free(&good);
	buf_free(&b);
}

static void test_load_refuses_foreign_file(void **state)
{
	(void)state;
	char path[512], err[256];
	struct nlu_model *m = NULL;
	snprintf(path, sizeof path, "%s/tests/data/nlu/toy.jsonl", TANDEM_SOURCE_DIR);
	assert_int_equal(nlu_model_load(path, &m, err, sizeof err), -TN_EFORMAT);
	assert_null(m);
	assert_non_null(strstr(err, "toy.jsonl"));
	assert_non_null(strstr(err, "not a tandem NLU model"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_memory),
		cmocka_unit_test(test_round_trip_file),
		cmocka_unit_test(test_refuses_bad_files),
		cmocka_unit_test(test_load_refuses_foreign_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
