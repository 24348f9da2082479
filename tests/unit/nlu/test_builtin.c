/* test_builtin.c: the built-in model, trained from the embedded data/nlu/train.jsonl,
 * measured on data/nlu/heldout.jsonl (which it never saw). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "nlu/nlu.h"

#include <stdio.h>
#include <string.h>

/* Floors set a little under what the model measured when they were written
 * (accuracy 0.924, out-of-scope recall 35/40 = 0.875 on 722 held-out examples). */
#define ACCURACY_FLOOR 0.90
#define OOS_RECALL_FLOOR 0.80

/* The product's canonical intents (docs: product.md). */
static const char *const intents[] = {
	"book_service", "reschedule", "cancel_appointment", "appointment_status", "hours",
	"service_area", "pricing", "services_offered", "billing_question", "billing_dispute",
	"password_reset", "update_contact", "complaint", "emergency", "human_request",
	"greeting", "goodbye", "affirm", "deny", "out_of_scope",
};

/* Training is the slow part under the sanitizers: the tests share one model. */
static int setup(void **state)
{
	struct nlu_model *m = NULL;
	char err[256];
	if (nlu_model_builtin(&m, err, sizeof err)) {
		fprintf(stderr, "built-in model: %s\n", err);
		return -1;
	}
	*state = m;
	return 0;
}

static int teardown(void **state)
{
	nlu_model_free(*state);
	return 0;
}

static void test_heldout_accuracy(void **state)
{
	const struct nlu_model *m = *state;
	struct nlu_dataset ds = NLU_DATASET_INIT;
	char err[256];
	if (nlu_dataset_load(&ds, TANDEM_DATA_DIR "/nlu/heldout.jsonl", err, sizeof err))
		fail_msg("%s", err);
	assert_true(ds.n >= 100);
	size_t ok = 0, oos = 0, oos_hit = 0;
	for (size_t i = 0; i < ds.n; i++) {
		struct nlu_prediction p;
		assert_int_equal(nlu_classify(m, ds.ex[i].text, strlen(ds.ex[i].text), NULL, &p), 0);
		ok += !strcmp(p.intent, ds.ex[i].label);
		if (!strcmp(ds.ex[i].label, "out_of_scope")) {
			oos++;
			oos_hit += !strcmp(p.intent, "out_of_scope");
		}
	}
	double acc = (double)ok / (double)ds.n;
	printf("built-in model: accuracy %.4f on %zu held-out examples, out-of-scope recall "
	       "%zu/%zu, threshold %.3f\n",
	       acc, ds.n, oos_hit, oos, (double)nlu_model_threshold(m));
	assert_true(acc >= ACCURACY_FLOOR);
	assert_true(oos >= 10);
	assert_true((double)oos_hit / (double)oos >= OOS_RECALL_FLOOR);
	nlu_dataset_free(&ds);
}

static void test_canonical_labels(void **state)
{
	const struct nlu_model *m = *state;
	assert_int_equal(nlu_model_label_count(m), sizeof intents / sizeof intents[0]);
	for (size_t i = 0; i < sizeof intents / sizeof intents[0]; i++) {
		bool found = false;
		for (size_t j = 0; j < nlu_model_label_count(m); j++)
			found |= !strcmp(nlu_model_label(m, j), intents[i]);
		if (!found)
			fail_msg("the built-in model lacks intent %s", intents[i]);
	}
	assert_string_equal(nlu_model_oos_label(m), "out_of_scope");
	float thr = nlu_model_threshold(m);
	assert_true(thr > 0 && thr < 0.9f);
	/* Clear messages from the product's own examples. */
	struct nlu_prediction p;
	const char *s = "water is pouring through my ceiling";
	assert_int_equal(nlu_classify(m, s, strlen(s), NULL, &p), 0);
	assert_string_equal(p.intent, "emergency");
	s = "let me talk to a real person";
	assert_int_equal(nlu_classify(m, s, strlen(s), NULL, &p), 0);
	assert_string_equal(p.intent, "human_request");
}

static void test_builtin_is_deterministic(void **state)
{
	const struct nlu_model *a = *state;
	struct nlu_model *b = NULL;
	char err[256];
	struct buf ea = BUF_INIT, eb = BUF_INIT;
	assert_int_equal(nlu_model_builtin(&b, err, sizeof err), 0);
	assert_int_equal(nlu_model_encode(a, &ea), 0);
	assert_int_equal(nlu_model_encode(b, &eb), 0);
	assert_int_equal(ea.len, eb.len);
	assert_memory_equal(ea.data, eb.data, ea.len);
	buf_free(&ea);
	buf_free(&eb);
	nlu_model_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heldout_accuracy),
		cmocka_unit_test(test_canonical_labels),
		cmocka_unit_test(test_builtin_is_deterministic),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
