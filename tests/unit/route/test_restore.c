/* test_restore.c: the router saved as JSON and rebuilt gives the same state and the
 * same next actions; malformed saved state is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helper_route.h"

#include "base/err.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define V ROUTE_MEDIA_VOICE
#define C ROUTE_MEDIA_CHAT

/* A router with something in every state: offers out (one and ring-all), conversations
 * held, wrap-up, break, offline, callbacks, escalated and overflowed entries. */
static struct route *busy_router(void)
{
	struct route *r = route_new();
	struct route_queue_config q1 = h_queue_config(1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	q1.overflow = ROUTE_OVERFLOW_QUEUE;
	q1.overflow_queue_id = 2;
	assert_int_equal(route_queue_add(r, &q1), 0);
	h_queue(r, 2, 1, ROUTE_STRATEGY_RING_ALL);
	struct route_queue_config q3 = h_queue_config(3, 2, ROUTE_STRATEGY_ROUND_ROBIN);
	q3.overflow = ROUTE_OVERFLOW_ANY_AGENT;
	q3.skills = SK(ELECTRICAL);
	assert_int_equal(route_queue_add(r, &q3), 0);
	h_queue(r, 4, 2, ROUTE_STRATEGY_LEAST_BUSY);

	int64_t t1 = 1, t2 = 2, both[] = {1, 2};
	struct route_agent_config a1 = {.id = 1, .tenants = &t1, .n_tenants = 1,
	                                .chat_capacity = 2, .wrapup_ms = 10 * SEC};
	a1.levels[ROUTE_SKILL_PLUMBING] = 7;
	a1.levels[ROUTE_SKILL_EN] = 3;
	assert_int_equal(route_agent_add(r, &a1, T0), 0);
	assert_int_equal(route_agent_set_status(r, 1, ROUTE_STATUS_AVAILABLE, T0), 0);
	h_agent(r, 2, 1, ROUTE_SKILL_ALL, 4, 1, T0);
	h_agent_multi(r, 3, both, 2, ROUTE_SKILL_ALL, 3, T0);
	assert_int_equal(route_agent_set_status(r, 3, ROUTE_STATUS_AVAILABLE, T0), 0);
	h_agent(r, 4, 2, SK(ELECTRICAL) | SK(ES), 6, 0, T0);
	h_agent_multi(r, 5, &t1, 1, SK(HVAC), 0, T0);          /* offline */
	h_agent(r, 6, 2, SK(ELECTRICAL), 2, 0, T0);
	assert_int_equal(route_agent_set_status(r, 6, ROUTE_STATUS_BREAK, T0 + 1), 0);
	(void)t2;

	int64_t now = T0 + 1000;
	/* conversations held and finished */
	for (int64_t e = 1; e <= 3; e++) {
		assert_int_equal(h_enqueue(r, e, 1, 1, ROUTE_P3, SK(PLUMBING), C, now), 0);
		struct route_entry_info ei;
		assert_int_equal(route_entry_get(r, e, &ei), 0);
		assert_int_equal(route_accept(r, ei.offer_agent_id, e, now + 5), 0);
		now += 10;
	}
	assert_int_equal(route_release(r, 1, 1, now + 20 * SEC), 0); /* agent 1 wraps up */
	now += 21 * SEC;
	/* tenant 2: round robin with a queue skill */
	assert_int_equal(h_enqueue(r, 10, 2, 3, ROUTE_P2, SK(ES), V, now), 0);
	assert_int_equal(h_enqueue(r, 11, 2, 3, ROUTE_P2, SK(ES), V, now + 1), 0);
	/* an entry nobody can take (it will escalate and overflow) */
	assert_int_equal(h_enqueue(r, 12, 2, 3, ROUTE_P3, SK(HVAC) | SK(ES), V, now + 2), 0);
	assert_int_equal(h_enqueue(r, 13, 1, 1, ROUTE_P3, SK(GENERAL) | SK(ES), C, now + 3), 0);
	/* ring-all, and a callback */
	assert_int_equal(h_enqueue(r, 14, 1, 2, ROUTE_P1, 0, C, now + 4), 0);
	assert_int_equal(h_callback(r, 15, 1, 1, now + 300 * SEC, now + 5), 0);
	assert_int_equal(h_enqueue(r, 16, 2, 4, ROUTE_P2, 0, C, now + 6), 0);
	assert_int_equal(route_tick(r, now + 25 * SEC), 0); /* some offers expire */
	route_actions_clear(r);
	return r;
}

static json_t *roundtrip_text(const json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	assert_non_null(s);
	json_error_t err;
	json_t *back = json_loads(s, 0, &err);
	free(s);
	assert_non_null(back);
	return back;
}

static void assert_same_state(struct route *a, struct route *b)
{
	json_t *ja, *jb;
	assert_int_equal(route_to_json(a, &ja), 0);
	static const char *const kinds[] = {"queues", "agents", "entries"};
	for (int k = 0; k < 3; k++) {
		json_t *arr = json_object_get(ja, kinds[k]), *x;
		size_t i;
		json_array_foreach(arr, i, x) {
			int64_t id = json_integer_value(json_object_get(x, "id"));
			int rc = k == 0 ? route_queue_to_json(b, id, &jb)
			       : k == 1 ? route_agent_to_json(b, id, &jb) : route_entry_to_json(b, id, &jb);
			assert_int_equal(rc, 0);
			if (!json_equal(x, jb)) {
				char *sa = json_dumps(x, JSON_SORT_KEYS), *sb = json_dumps(jb, JSON_SORT_KEYS);
				print_error("differs:\n%s\n%s\n", sa, sb);
				free(sa);
				free(sb);
				fail();
			}
			json_decref(jb);
		}
	}
	assert_int_equal(route_to_json(b, &jb), 0);
	for (int k = 0; k < 3; k++)
		assert_int_equal(json_array_size(json_object_get(ja, kinds[k])),
		                 json_array_size(json_object_get(jb, kinds[k])));
	json_decref(ja);
	json_decref(jb);
}

static size_t seen[ROUTE_ACTION_COUNT];

static void assert_same_actions(struct route *a, struct route *b)
{
	size_t n;
	const struct route_action *acts = route_actions(a, &n);
	for (size_t i = 0; i < n; i++)
		seen[acts[i].type]++;
	char *sa = h_actions_text(a), *sb = h_actions_text(b);
	assert_string_equal(sa, sb);
	free(sa);
	free(sb);
	route_actions_clear(a);
	route_actions_clear(b);
}

static void rebuild_same_next_actions(void **state)
{
	struct route *r = busy_router();
	json_t *saved;
	assert_int_equal(route_to_json(r, &saved), 0);
	json_t *loaded = roundtrip_text(saved);
	json_decref(saved);
	struct route *b;
	int64_t now = T0 + 100 * SEC;
	assert_int_equal(route_from_json(loaded, now, &b), 0);
	json_decref(loaded);
	/* a consistent saved state resumes without any action */
	size_t n;
	route_actions(b, &n);
	assert_int_equal(n, 0);
	assert_same_state(r, b);
	assert_int_equal(route_next_deadline(r, now), route_next_deadline(b, now));
	/* the same things happen to both, in the same order, for ten minutes */
	int64_t pos_a, pos_b, ew_a, ew_b;
	for (int64_t e = 10; e <= 16; e++) {
		int rca = route_position(r, e, &pos_a), rcb = route_position(b, e, &pos_b);
		assert_int_equal(rca, rcb);
		if (rca == 0)
			assert_int_equal(pos_a, pos_b);
		rca = route_estimated_wait(r, e, now, &ew_a);
		rcb = route_estimated_wait(b, e, now, &ew_b);
		assert_int_equal(rca, rcb);
		if (rca == 0)
			assert_int_equal(ew_a, ew_b);
	}
	size_t total = 0;
	for (int step = 0; step < 60; step++) {
		int64_t t = now + step * 10 * SEC;
		assert_int_equal(route_tick(r, t), 0);
		assert_int_equal(route_tick(b, t), 0);
		route_actions(r, &n);
		total += n;
		/* whoever holds an offer accepts it on even steps; conversations end on odd */
		const struct route_action *acts = route_actions(r, &n);
		int64_t pairs[64][2];
		size_t k = 0;
		for (size_t i = 0; i < n && k < 64; i++)
			if (acts[i].type == ROUTE_ACT_OFFER && step % 2 == 0) {
				pairs[k][0] = acts[i].agent_id;
				pairs[k][1] = acts[i].entry_id;
				k++;
			}
		assert_same_actions(r, b);
		for (size_t i = 0; i < k; i++)
			assert_int_equal(route_accept(r, pairs[i][0], pairs[i][1], t + 1),
			                 route_accept(b, pairs[i][0], pairs[i][1], t + 1));
		if (step % 2 == 1)
			for (int64_t e = 1; e <= 16; e++) {
				struct route_entry_info ea, eb;
				if (route_entry_get(r, e, &ea) < 0 || ea.state != ROUTE_ENTRY_ASSIGNED)
					continue;
				assert_int_equal(route_entry_get(b, e, &eb), 0);
				assert_int_equal(eb.agent_id, ea.agent_id);
				assert_int_equal(route_release(r, ea.agent_id, e, t + 2), 0);
				assert_int_equal(route_release(b, ea.agent_id, e, t + 2), 0);
			}
		assert_same_actions(r, b);
		assert_int_equal(route_next_deadline(r, t), route_next_deadline(b, t));
		if (step == 7) {
			/* new work arrives in both */
			assert_int_equal(h_enqueue(r, 40, 1, 1, ROUTE_P1, 0, V, t + 3), 0);
			assert_int_equal(h_enqueue(b, 40, 1, 1, ROUTE_P1, 0, V, t + 3), 0);
			assert_int_equal(route_agent_set_status(r, 5, ROUTE_STATUS_AVAILABLE, t + 4), 0);
			assert_int_equal(route_agent_set_status(b, 5, ROUTE_STATUS_AVAILABLE, t + 4), 0);
			route_actions(r, &n);
			total += n;
			assert_same_actions(r, b);
		}
	}
	/* the scenario did something: offers, escalations, an overflow, the callback */
	assert_true(total > 10);
	static const enum route_action_type kinds[] = {
		ROUTE_ACT_OFFER, ROUTE_ACT_OFFER_EXPIRED, ROUTE_ACT_ASSIGNED, ROUTE_ACT_SLA_BREACH,
		ROUTE_ACT_ESCALATE_PRIORITY, ROUTE_ACT_OVERFLOW, ROUTE_ACT_CALLBACK_DUE,
		ROUTE_ACT_WRAPUP_END};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (!seen[kinds[i]])
			print_error("never seen: %s\n", route_action_name(kinds[i]));
		assert_true(seen[kinds[i]] > 0);
	}
	assert_same_state(r, b);
	route_free(r);
	route_free(b);
}

static void rebuild_object_by_object(void **state)
{
	struct route *r = busy_router();
	json_t *all;
	assert_int_equal(route_to_json(r, &all), 0);
	struct route *b = route_new();
	static const char *const kinds[] = {"queues", "agents", "entries"};
	int (*fns[])(struct route *, const json_t *) = {route_queue_restore, route_agent_restore,
	                                                route_entry_restore};
	for (int k = 0; k < 3; k++) {
		json_t *x;
		size_t i;
		json_array_foreach(json_object_get(all, kinds[k]), i, x)
			assert_int_equal(fns[k](b, x), 0);
	}
	assert_int_equal(route_resume(b, T0 + 100 * SEC), 0);
	assert_same_state(r, b);
	/* restoring the same object twice is a conflict */
	json_t *x = json_array_get(json_object_get(all, "entries"), 0);
	assert_int_equal(route_entry_restore(b, x), -TN_ECONFLICT);
	x = json_array_get(json_object_get(all, "agents"), 0);
	assert_int_equal(route_agent_restore(b, x), -TN_ECONFLICT);
	json_decref(all);
	route_free(r);
	route_free(b);
}

static void malformed_state(void **state)
{
	struct route *r = busy_router();
	json_t *all;
	assert_int_equal(route_to_json(r, &all), 0);
	struct route *b;
	/* wrong version, missing parts */
	json_t *bad = json_deep_copy(all);
	json_object_set_new(bad, "version", json_integer(2));
	assert_int_equal(route_from_json(bad, T0, &b), -TN_EPARSE);
	json_decref(bad);
	bad = json_deep_copy(all);
	json_object_del(bad, "agents");
	assert_int_equal(route_from_json(bad, T0, &b), -TN_EPARSE);
	json_decref(bad);
	/* a field of the wrong type, an unknown name */
	bad = json_deep_copy(all);
	json_object_set_new(json_array_get(json_object_get(bad, "queues"), 0), "strategy",
	                    json_string("fastest"));
	assert_int_equal(route_from_json(bad, T0, &b), -TN_EPARSE);
	json_decref(bad);
	bad = json_deep_copy(all);
	json_object_set_new(json_array_get(json_object_get(bad, "entries"), 0), "enqueued_at",
	                    json_string("soon"));
	assert_int_equal(route_from_json(bad, T0, &b), -TN_EPARSE);
	json_decref(bad);
	/* entries without their agents: an offer or assignment to nobody */
	bad = json_deep_copy(all);
	json_array_clear(json_object_get(bad, "agents"));
	assert_int_equal(route_from_json(bad, T0, &b), -TN_ENOTFOUND);
	json_decref(bad);
	/* an entry of a queue that does not exist */
	struct route *empty = route_new();
	json_t *e = json_array_get(json_object_get(all, "entries"), 0);
	assert_int_equal(route_entry_restore(empty, e), -TN_ENOTFOUND);
	json_t *num = json_integer(3);
	assert_int_equal(route_entry_restore(empty, num), -EINVAL);
	json_decref(num);
	route_free(empty);
	json_decref(all);
	route_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rebuild_same_next_actions),
		cmocka_unit_test(rebuild_object_by_object),
		cmocka_unit_test(malformed_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
