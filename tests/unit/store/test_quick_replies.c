/* test_quick_replies.c: the quick replies kept with an AI message (migration 0004): they
 * come back from store_message_list as they were stored, a message without them lists
 * null, and a malformed list is refused with nothing written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helper_store.h"
#include "base/err.h"
#include <stdlib.h>
#include <string.h>

struct fx {
	char *dir;
	struct store *s;
	int64_t tenant, conv;
	const json_t *quick;   /* the next job's quick replies */
	int rc;
};

TH_JOB(job_seed, fx,
	int err = store_tenant_create(c, "quick", "Quick Co", "UTC", NULL, &f->tenant);
	if (!err)
		err = store_conversation_create(c, f->tenant, 0, "chat", 1000, &f->conv);
	return err;)

TH_JOB(job_ai, fx,
	struct store_message m = {.sender = "ai", .channel = "chat", .text = "Which one works?",
	                          .quick_replies = f->quick};
	f->rc = store_message_append(c, f->tenant, f->conv, &m, 1100, NULL);
	return 0;)

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->dir = th_tmpdir();
	char *path = th_path(f->dir, "t.db");
	f->s = th_open(path);
	free(path);
	assert_int_equal(store_write_sync(f->s, job_seed, f), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_close(f->s);
	th_rmdir(f->dir);
	free(f);
	return 0;
}

static int append(struct fx *f, const char *json)
{
	json_t *q = json ? json_loads(json, JSON_DECODE_ANY, NULL) : NULL;
	assert_true(!json || q);
	f->quick = q;
	assert_int_equal(store_write_sync(f->s, job_ai, f), 0);
	json_decref(q);
	return f->rc;
}

static void test_kept_and_listed(void **state)
{
	struct fx *f = *state;
	assert_int_equal(append(f, "[\"Friday, December 4, 8:00-10:00 AM\",\"Sí\",\"No\"]"), 0);
	assert_int_equal(append(f, NULL), 0);
	json_t *rows = NULL;
	assert_int_equal(store_message_list(store_reader(f->s), f->tenant, f->conv, 0, 10, &rows), 0);
	assert_int_equal(json_array_size(rows), 2);
	char *s = th_dump(json_object_get(json_array_get(rows, 0), "quick_replies"));
	assert_string_equal(s, "[\"Friday, December 4, 8:00-10:00 AM\",\"Sí\",\"No\"]");
	free(s);
	assert_true(json_is_null(json_object_get(json_array_get(rows, 1), "quick_replies")));
	json_decref(rows);
}

static void test_malformed_refused(void **state)
{
	struct fx *f = *state;
	char long_one[200];
	memset(long_one, 'a', 170);
	snprintf(long_one + 170, sizeof long_one - 170, "\"]");
	char json[220];
	snprintf(json, sizeof json, "[\"%s", long_one);
	const char *bad[] = {"{\"a\":\"b\"}", "\"Yes\"", "[]", "[\"\"]", "[1]", "[\"Yes\",null]",
	                     "[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]", json};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(append(f, bad[i]), -TN_EINVAL_FIELD);
	assert_int_equal(th_scalar(store_reader(f->s), "SELECT COUNT(*) FROM messages"), 0);
	assert_int_equal(th_scalar(store_reader(f->s), "SELECT last_seq FROM conversations"), 0);
	/* eight of 160 bytes is the most */
	char ok[8 * 170 + 8] = "[";
	size_t used = 1;
	for (int i = 0; i < 8; i++)
		used += (size_t)snprintf(ok + used, sizeof ok - used, "%s\"%c%.*s\"", i ? "," : "",
		                         'a' + i, 159, long_one);
	snprintf(ok + used, sizeof ok - used, "]");
	assert_int_equal(append(f, ok), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kept_and_listed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
