/* test_first_turn.c: a conversation made by its first message's own write
 * (dialog_write_prepare_new + dialog_write_job): the conversation, both messages and the
 * turn's state land in one commit; when the start finds an open conversation instead,
 * the job writes nothing and names it; the next turn goes on from the stored state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "app/api.h"
#include "app/dialog_glue.h"
#include "base/err.h"
#include "nlu/nlu.h"
#include "store/store.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1796313600 /* 2026-12-03T12:00:00Z, a Thursday */

struct fx {
	struct store *s;
	struct nlu_model *m;
	struct dialog_tenant t;
	int64_t tenant_id;
};

/* The start: a new customer and conversation, or (find_open) the customer's open one. */
struct start {
	int64_t tenant_id, customer_id, conv_id;
	bool find_open;
	int calls;
};

static int start_fn(struct store_conn *c, void *arg, int64_t *conv_id, int64_t *customer_id)
{
	struct start *st = arg;
	st->calls++;
	int rc;
	if (st->find_open && !store_conversation_find_open(c, st->tenant_id, st->customer_id,
							    conv_id))
		return 1;
	if (!st->customer_id) {
		struct store_customer cu = {0};
		if ((rc = store_customer_create(c, st->tenant_id, &cu, NOW, &st->customer_id)))
			return rc;
	}
	if ((rc = store_conversation_create(c, st->tenant_id, st->customer_id, "chat", NOW,
					    &st->conv_id)))
		return rc;
	*conv_id = st->conv_id;
	*customer_id = st->customer_id;
	return 0;
}

static int count(struct store *s, const char *sql, int64_t id)
{
	struct store_stmt *q;
	assert_int_equal(store_prepare(store_reader(s), sql, &q), 0);
	store_bind_int64(q, 1, id);
	assert_int_equal(store_step(q), STORE_ROW);
	int n = (int)store_col_int64(q, 0);
	store_stmt_finish(q);
	return n;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	assert_int_equal(store_open(":memory:", &f->s), 0);
	char path[512];
	snprintf(path, sizeof path, "%s/demo/brightline.json", TANDEM_DATA_DIR);
	json_error_t je;
	json_t *seed = json_load_file(path, 0, &je);
	assert_non_null(seed);
	struct api_verr e = {0};
	assert_int_equal(seed_apply(f->s, seed, NULL, 0, NOW, &f->tenant_id, &e), 0);
	json_decref(seed);
	char err[256];
	assert_int_equal(nlu_model_builtin(&f->m, err, sizeof err), 0);
	assert_int_equal(dialog_tenant_load(store_reader(f->s), f->tenant_id, NOW, &f->t), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	dialog_tenant_free(&f->t);
	nlu_model_free(f->m);
	store_close(f->s);
	free(f);
	return 0;
}

/* One turn through the two halves; rc of the job. */
static int turn_new(struct fx *f, struct start *st, const char *text, const char *cid,
		    struct dialog_write **w, struct dialog_out *out)
{
	dialog_out_init(out);
	int rc = dialog_write_prepare_new(store_reader(f->s), f->m, &f->t, st->customer_id, text,
					  cid, NOW, 0, 0, start_fn, st, out, w);
	assert_int_equal(rc, 0);
	return store_write_sync(f->s, dialog_write_job, *w);
}

static void test_made_with_its_first_turn_in_one_commit(void **state)
{
	struct fx *f = *state;
	struct start st = {.tenant_id = f->tenant_id};
	struct dialog_write *w = NULL;
	struct dialog_out out;
	struct store_stats before, after;
	store_stats_get(f->s, &before);
	assert_int_equal(turn_new(f, &st, "I need a furnace tune-up", "first-1", &w, &out), 0);
	store_stats_get(f->s, &after);
	assert_int_equal(after.batches - before.batches, 1);
	assert_int_equal(st.calls, 1);
	assert_true(st.conv_id > 0);
	assert_int_equal(dialog_write_conv_id(w), st.conv_id);
	int64_t seq, reply_seq;
	bool dup;
	dialog_write_seqs(w, &seq, &reply_seq, &dup);
	assert_int_equal(seq, 1);
	assert_int_equal(reply_seq, 2);
	assert_false(dup);
	assert_int_equal(count(f->s, "SELECT COUNT(*) FROM messages WHERE conversation_id = ?",
			       st.conv_id), 2);
	/* the state was stored with the conversation: the next turn goes on from it */
	json_t *conv = NULL;
	assert_int_equal(store_conversation_get(store_reader(f->s), f->tenant_id, st.conv_id, &conv), 0);
	const char *flow = json_string_value(json_object_get(json_object_get(conv, "state"), "flow"));
	assert_non_null(flow);
	assert_string_equal(flow, "book_service");
	json_decref(conv);
	dialog_write_free(w);
	dialog_out_free(&out);

	struct dialog_out out2;
	dialog_out_init(&out2);
	struct dialog_write *w2 = NULL;
	assert_int_equal(dialog_write_prepare(store_reader(f->s), f->m, &f->t, st.conv_id,
					      "1420 providence rd charlotte 28207", "first-2", NOW, 0,
					      0, &out2, &w2), 0);
	assert_int_equal(store_write_sync(f->s, dialog_write_job, w2), 0);
	dialog_write_seqs(w2, &seq, &reply_seq, &dup);
	assert_int_equal(seq, 3);
	assert_non_null(strstr(out2.reply.data, "(1)")); /* windows offered: the flow went on */
	dialog_write_free(w2);
	dialog_out_free(&out2);
}

static void test_an_open_conversation_found_writes_nothing(void **state)
{
	struct fx *f = *state;
	struct start made = {.tenant_id = f->tenant_id};
	struct dialog_write *w = NULL;
	struct dialog_out out;
	assert_int_equal(turn_new(f, &made, "what are your hours?", "tab-a", &w, &out), 0);
	dialog_write_free(w);
	dialog_out_free(&out);
	int msgs = count(f->s, "SELECT COUNT(*) FROM messages WHERE tenant_id = ?", f->tenant_id);
	int convs = count(f->s, "SELECT COUNT(*) FROM conversations WHERE tenant_id = ?", f->tenant_id);
	/* another tab of the same customer starts at the same moment */
	struct start other = {.tenant_id = f->tenant_id, .customer_id = made.customer_id,
			      .find_open = true};
	assert_int_equal(turn_new(f, &other, "I want to talk to a person", "tab-b", &w, &out),
			 -EEXIST);
	assert_int_equal(dialog_write_conv_id(w), made.conv_id);
	assert_false(dialog_write_fallback(w, -EEXIST)); /* no apology in its place */
	assert_int_equal(count(f->s, "SELECT COUNT(*) FROM messages WHERE tenant_id = ?", f->tenant_id),
			 msgs);
	assert_int_equal(count(f->s, "SELECT COUNT(*) FROM conversations WHERE tenant_id = ?",
			       f->tenant_id), convs);
	assert_int_equal(count(f->s, "SELECT COUNT(*) FROM handoffs WHERE tenant_id = ?",
			       f->tenant_id), 0);
	dialog_write_free(w);
	dialog_out_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_made_with_its_first_turn_in_one_commit),
		cmocka_unit_test(test_an_open_conversation_found_writes_nothing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
