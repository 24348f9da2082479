/* test_classify.c: training and classification on a generic label set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helper_nlu.h"
#include "base/err.h"

#include "base/tz.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *classify(const struct nlu_model *m, const char *text)
{
	static struct nlu_prediction p;
	assert_int_equal(nlu_classify(m, text, strlen(text), NULL, &p), 0);
	return p.intent;
}

static void test_learns_any_label_set(void **state)
{
	(void)state;
	struct nlu_model *m = helper_toy_model(7);
	assert_int_equal(nlu_model_label_count(m), 4);
	/* Labels are sorted. */
	assert_string_equal(nlu_model_label(m, 0), "out_of_scope");
	assert_string_equal(nlu_model_label(m, 3), "weather");
	assert_null(nlu_model_label(m, 4));
	assert_string_equal(nlu_model_oos_label(m), "out_of_scope");
	/* Unseen phrasings of each class. */
	assert_string_equal(classify(m, "please play some jazz music"), "play_music");
	assert_string_equal(classify(m, "set a timer for twelve minutes"), "set_timer");
	assert_string_equal(classify(m, "is it gonna rain tomorrow?"), "weather");
	assert_string_equal(classify(m, "tell me a joke about France"), "out_of_scope");
	nlu_model_free(m);
}

static void test_ranking(void **state)
{
	(void)state;
	struct nlu_model *m = helper_toy_model(1);
	struct nlu_prediction p;
	const char *s = "play the weather song";
	assert_int_equal(nlu_classify(m, s, strlen(s), NULL, &p), 0);
	assert_int_equal(p.nranked, 4);
	float sum = 0;
	for (size_t i = 0; i < p.nranked; i++) {
		sum += p.ranked[i].confidence;
		if (i)
			assert_true(p.ranked[i - 1].confidence >= p.ranked[i].confidence);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(p.ranked[i].intent, p.ranked[j].intent);
	}
	assert_float_equal(sum, 1.0f, 1e-4);
	assert_float_equal(p.confidence, p.ranked[0].confidence, 0);
	assert_float_equal(p.margin, p.ranked[0].confidence - p.ranked[1].confidence, 1e-6);
	nlu_model_free(m);
}

static void test_threshold_and_tenant_label(void **state)
{
	(void)state;
	struct nlu_model *m = helper_toy_model(1);
	float thr = nlu_model_threshold(m);
	assert_true(thr >= 0 && thr < 1);
	struct nlu_prediction p;
	const char *s = "play some jazz";
	/* A threshold no answer reaches turns every answer into the tenant's label. */
	struct nlu_classify_opts o = {.threshold = 1.0f, .oos_label = "none_of_these"};
	assert_int_equal(nlu_classify(m, s, strlen(s), &o, &p), 0);
	assert_string_equal(p.intent, "none_of_these");
	assert_true(p.below_threshold);
	assert_string_equal(p.ranked[0].intent, "play_music");
	/* Threshold zero never overrides. */
	o.threshold = 0;
	assert_int_equal(nlu_classify(m, s, strlen(s), &o, &p), 0);
	assert_string_equal(p.intent, "play_music");
	assert_false(p.below_threshold);
	/* Without options the model's own oos label is used. */
	o.threshold = 1.0f;
	o.oos_label = NULL;
	assert_int_equal(nlu_classify(m, s, strlen(s), &o, &p), 0);
	assert_string_equal(p.intent, "out_of_scope");
	nlu_model_free(m);
}

static void test_deterministic(void **state)
{
	(void)state;
	struct nlu_model *a = helper_toy_model(42), *b = helper_toy_model(42),
			 *c = helper_toy_model(43);
	struct buf ea = BUF_INIT, eb = BUF_INIT, ec = BUF_INIT;
	assert_int_equal(nlu_model_encode(a, &ea), 0);
	assert_int_equal(nlu_model_encode(b, &eb), 0);
	assert_int_equal(nlu_model_encode(c, &ec), 0);
	assert_int_equal(ea.len, eb.len);
	assert_memory_equal(ea.data, eb.data, ea.len);
	/* Another seed shuffles differently, so the weights differ. */
	assert_true(ea.len != ec.len || memcmp(ea.data, ec.data, ea.len));
	buf_free(&ea);
	buf_free(&eb);
	buf_free(&ec);
	nlu_model_free(a);
	nlu_model_free(b);
	nlu_model_free(c);
}

static void test_bad_training_input(void **state)
{
	(void)state;
	struct nlu_dataset ds = NLU_DATASET_INIT;
	struct nlu_model *m = (struct nlu_model *)&ds;  /* must be reset to NULL */
	char err[256] = "";
	assert_int_equal(nlu_dataset_add(&ds, "hello", "greeting"), 0);
	assert_int_equal(nlu_dataset_add(&ds, "hi", "greeting"), 0);
	assert_int_equal(nlu_train(&ds, NULL, &m, err, sizeof err), -EINVAL);
	assert_null(m);
	assert_non_null(strstr(err, "labels"));
	assert_int_equal(nlu_dataset_add(&ds, "bye", "goodbye"), 0);
	struct nlu_train_opts o;
	nlu_train_opts_default(&o);
	o.epochs = 0;
	assert_int_equal(nlu_train(&ds, &o, &m, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "epochs"));
	nlu_train_opts_default(&o);
	o.bucket_bits = 30;
	assert_int_equal(nlu_train(&ds, &o, &m, err, sizeof err), -EINVAL);
	/* Two labels, no out-of-scope class: trains, no threshold. */
	assert_int_equal(nlu_train(&ds, NULL, &m, err, sizeof err), 0);
	assert_float_equal(nlu_model_threshold(m), 0, 0);
	assert_null(nlu_model_oos_label(m));
	struct nlu_prediction p;
	assert_int_equal(nlu_classify(m, "\xff", 1, NULL, &p), -TN_EPARSE);
	assert_int_equal(nlu_model_label_count(m), 2);
	assert_int_equal(nlu_classify(m, "", 0, NULL, &p), 0);
	assert_int_equal(p.nranked, 2);
	nlu_model_free(m);
	/* Examples the data set refuses. */
	assert_int_equal(nlu_dataset_add(&ds, "", "x"), -EINVAL);
	assert_int_equal(nlu_dataset_add(&ds, "x", ""), -EINVAL);
	assert_int_equal(nlu_dataset_add(&ds, "bad \xc3", "x"), -EINVAL);
	nlu_dataset_free(&ds);
}

static void test_dataset_parse(void **state)
{
	(void)state;
	struct nlu_dataset ds = NLU_DATASET_INIT;
	char err[256] = "";
	const char *good = "# comment\n{\"text\":\"hi\",\"intent\":\"greeting\"}\r\n\n"
			   "  {\"intent\":\"goodbye\",\"text\":\"bye now\",\"extra\":1}";
	assert_int_equal(nlu_dataset_parse(&ds, good, strlen(good), err, sizeof err), 0);
	assert_int_equal(ds.n, 2);
	assert_string_equal(ds.ex[1].text, "bye now");
	assert_string_equal(ds.ex[1].label, "goodbye");
	const char *bad = "{\"text\":\"hi\",\"intent\":\"greeting\"}\n{\"text\":\"no label\"}\n";
	assert_int_equal(nlu_dataset_parse(&ds, bad, strlen(bad), err, sizeof err), -TN_EPARSE);
	assert_non_null(strstr(err, "line 2"));
	assert_non_null(strstr(err, "intent"));
	const char *notjson = "{\"text\": \"hi\", \"intent\": }\n";
	assert_int_equal(nlu_dataset_parse(&ds, notjson, strlen(notjson), err, sizeof err),
			 -TN_EPARSE);
	assert_non_null(strstr(err, "line 1"));
	const char *badutf = "{\"text\":\"h\xff\",\"intent\":\"x\"}\n";
	assert_int_equal(nlu_dataset_parse(&ds, badutf, strlen(badutf), err, sizeof err),
			 -TN_EPARSE);
	assert_int_equal(nlu_dataset_load(&ds, "/nonexistent/x.jsonl", err, sizeof err), -ENOENT);
	assert_non_null(strstr(err, "cannot open"));
	nlu_dataset_free(&ds);
}

static void test_analyze_and_json(void **state)
{
	(void)state;
	struct nlu_model *m = helper_toy_model(1);
	const struct tz *ny = NULL;
	assert_int_equal(tz_get("America/New_York", &ny), 0);
	int64_t now = 0;
	assert_int_equal(tz_parse_iso("2026-07-14T09:30:00-04:00", NULL, &now), 0);
	struct nlu_result r;
	const char *s = "set a timer for tomorrow, call me at 704 555 0182";
	assert_int_equal(nlu_analyze(m, s, strlen(s), now, ny, &r), 0);
	assert_string_equal(r.intent.intent, "set_timer");
	bool date = false, phone = false;
	for (size_t i = 0; i < r.entities.count; i++) {
		date |= r.entities.items[i].type == NLU_ENT_DATETIME;
		phone |= r.entities.items[i].type == NLU_ENT_PHONE &&
			 !strcmp(r.entities.items[i].value, "+17045550182");
	}
	assert_true(date);
	assert_true(phone);

	json_t *o = NULL;
	assert_int_equal(nlu_result_to_json(&r, ny, &o), 0);
	assert_string_equal(json_string_value(json_object_get(o, "intent")), "set_timer");
	json_t *ranking = json_object_get(o, "ranking");
	assert_int_equal(json_array_size(ranking), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ranking, 0), "intent")),
			    "set_timer");
	double c = json_real_value(json_object_get(o, "confidence"));
	assert_true(c > 0 && c <= 1);
	/* Rounded to 4 decimals. */
	assert_float_equal(c * 1e4, (double)(long)(c * 1e4 + 0.5), 1e-6);
	assert_true(json_is_array(json_object_get(o, "entities")));
	assert_int_equal(json_array_size(json_object_get(o, "entities")), r.entities.count);
	for (const char *k = "sentiment\0frustration\0urgency\0human_request\0evidence\0margin\0";
	     *k; k += strlen(k) + 1)
		if (!json_object_get(o, k))
			fail_msg("no %s in the JSON", k);
	json_decref(o);

	/* Invalid UTF-8 leaves an empty result and an error. */
	assert_int_equal(nlu_analyze(m, "\xff", 1, now, ny, &r), -TN_EPARSE);
	assert_int_equal(r.entities.count, 0);
	assert_null(r.intent.intent);
	nlu_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_learns_any_label_set),
		cmocka_unit_test(test_ranking),
		cmocka_unit_test(test_threshold_and_tenant_label),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_bad_training_input),
		cmocka_unit_test(test_dataset_parse),
		cmocka_unit_test(test_analyze_and_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
