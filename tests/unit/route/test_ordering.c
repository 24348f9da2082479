/* test_ordering.c: higher priority first then oldest, positions, estimated waits, and
 * the names of the routing enums. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helper_route.h"

#include "base/err.h"

#include <errno.h>
#include <string.h>

#define V ROUTE_MEDIA_VOICE

static int64_t pos(struct route *r, int64_t e)
{
	int64_t v;
	assert_int_equal(route_position(r, e, &v), 0);
	return v;
}

static void priority_then_fifo(void **state)
{
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	static const struct { int64_t id; enum route_priority p; } in[] = {
		{1, ROUTE_P3}, {2, ROUTE_P3}, {3, ROUTE_P1}, {4, ROUTE_P2}, {5, ROUTE_P1},
		{6, ROUTE_P3}, {7, ROUTE_P2},
	};
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(h_enqueue(r, in[i].id, 1, 1, in[i].p, 0, V, T0 + (int64_t)i), 0);
	static const int64_t order[] = {3, 5, 4, 7, 1, 2, 6};
	for (int i = 0; i < 7; i++)
		assert_int_equal(pos(r, order[i]), i + 1);
	/* one agent serves them in that order */
	h_agent(r, 1, 1, 0, 5, 0, T0 + 10);
	for (int i = 0; i < 7; i++) {
		assert_int_equal(h_offered_agent(r, order[i]), 1);
		assert_int_equal(pos(r, order[i]), 0);
		for (int k = i + 1; k < 7; k++)
			assert_int_equal(pos(r, order[k]), k - i);
		assert_int_equal(route_accept(r, 1, order[i], T0 + 20 + i), 0);
		assert_int_equal(route_release(r, 1, order[i], T0 + 20 + i), 0);
	}
	route_free(r);
}

static void oldest_across_queues_and_skills(void **state)
{
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	h_queue(r, 2, 1, ROUTE_STRATEGY_ROUND_ROBIN);
	/* different queues and skill sets, one agent able to take all of them */
	assert_int_equal(h_enqueue(r, 1, 1, 2, ROUTE_P2, SK(HVAC), V, T0 + 3), 0);
	assert_int_equal(h_enqueue(r, 2, 1, 1, ROUTE_P2, SK(PLUMBING) | SK(ES), V, T0 + 1), 0);
	assert_int_equal(h_enqueue(r, 3, 1, 2, ROUTE_P2, 0, V, T0 + 2), 0);
	assert_int_equal(h_enqueue(r, 4, 1, 1, ROUTE_P3, 0, V, T0), 0);
	assert_int_equal(h_enqueue(r, 5, 1, 1, ROUTE_P2, SK(ELECTRICAL), V, T0 + 4), 0);
	h_agent(r, 1, 1, SK(HVAC) | SK(PLUMBING) | SK(ES), 5, 0, T0 + 10);
	/* agent 1 lacks electrical: entry 5 is skipped */
	static const int64_t order[] = {2, 3, 1, 4};
	for (int i = 0; i < 4; i++) {
		assert_int_equal(h_offered_agent(r, order[i]), 1);
		assert_int_equal(route_accept(r, 1, order[i], T0 + 20 + i), 0);
		assert_int_equal(route_release(r, 1, order[i], T0 + 20 + i), 0);
	}
	assert_int_equal(h_state(r, 5), ROUTE_ENTRY_WAITING);
	route_free(r);
}

static void escalation_reorders(void **state)
{
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P3, 0, V, T0), 0);
	assert_int_equal(h_enqueue(r, 2, 1, 1, ROUTE_P2, 0, V, T0 + 61 * SEC), 0);
	assert_int_equal(pos(r, 2), 1);
	assert_int_equal(pos(r, 1), 2);
	/* entry 1 reaches its P3 SLA and becomes P2, older than entry 2 */
	assert_int_equal(route_tick(r, T0 + 120 * SEC), 0);
	assert_int_equal(pos(r, 1), 1);
	assert_int_equal(pos(r, 2), 2);
	struct route_entry_info e;
	assert_int_equal(route_entry_get(r, 1, &e), 0);
	assert_int_equal(e.priority, ROUTE_P2);
	assert_true(e.breached);
	assert_int_equal(e.sla_at, T0 + 180 * SEC);
	json_t *snap;
	assert_int_equal(route_snapshot(r, 1, T0 + 130 * SEC, &snap), 0);
	json_t *q = json_array_get(json_object_get(snap, "queues"), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(q, "depth"), "p2")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(q, "depth"), "p3")), 0);
	assert_int_equal(json_integer_value(json_object_get(q, "longest_wait_ms")), 130 * SEC);
	json_decref(snap);
	route_free(r);
}

static void estimated_wait(void **state)
{
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	int64_t v;
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P3, 0, V, T0), 0);
	/* nobody staffed: no honest estimate */
	assert_int_equal(route_estimated_wait(r, 1, T0, &v), -EAGAIN);
	assert_int_equal(route_dequeue(r, 1, T0), 0);
	/* two agents, both on calls */
	h_agent(r, 1, 1, 0, 5, 0, T0);
	h_agent(r, 2, 1, 0, 5, 0, T0);
	assert_int_equal(h_enqueue(r, 100, 1, 1, ROUTE_P3, 0, V, T0), 0);
	assert_int_equal(h_enqueue(r, 101, 1, 1, ROUTE_P3, 0, V, T0), 0);
	assert_int_equal(route_accept(r, 1, 100, T0), 0);
	assert_int_equal(route_accept(r, 2, 101, T0), 0);
	for (int64_t e = 1; e <= 5; e++)
		assert_int_equal(h_enqueue(r, e, 1, 1, ROUTE_P3, 0, V, T0 + e), 0);
	/* ceil(position / 2 staffed) x 300 s average handle time */
	static const int64_t want[] = {300, 300, 600, 600, 900};
	for (int64_t e = 1; e <= 5; e++) {
		assert_int_equal(route_estimated_wait(r, e, T0 + 10, &v), 0);
		assert_int_equal(v, want[e - 1] * SEC);
	}
	/* a 100 s call pulls the average down: (4 x 300 + 100) / 5 = 260 s */
	assert_int_equal(route_release(r, 1, 100, T0 + 100 * SEC), 0);
	assert_int_equal(h_offered_agent(r, 1), 1);
	assert_int_equal(route_estimated_wait(r, 1, T0, &v), 0);
	assert_int_equal(v, 0); /* being offered */
	assert_int_equal(route_estimated_wait(r, 2, T0 + 100 * SEC, &v), 0);
	assert_int_equal(v, 260 * SEC);
	/* a newcomer: P3 behind the four waiting (position 5), P1 at the front */
	assert_int_equal(route_queue_estimated_wait(r, 1, ROUTE_P3, &v), 0);
	assert_int_equal(v, 3 * 260 * SEC);
	assert_int_equal(route_queue_estimated_wait(r, 1, ROUTE_P1, &v), 0);
	assert_int_equal(v, 260 * SEC);
	assert_int_equal(route_queue_estimated_wait(r, 9, ROUTE_P1, &v), -TN_ENOTFOUND);
	assert_int_equal(route_queue_estimated_wait(r, 1, ROUTE_PRIORITY_COUNT, &v), -EINVAL);
	/* one agent goes on break: the rest queue behind one agent */
	assert_int_equal(route_agent_set_status(r, 2, ROUTE_STATUS_BREAK, T0 + 101 * SEC), 0);
	assert_int_equal(route_estimated_wait(r, 5, T0 + 101 * SEC, &v), 0);
	assert_int_equal(v, 4 * 260 * SEC);
	route_free(r);
}

static void enum_names(void **state)
{
	enum route_skill s;
	assert_int_equal(route_skill_parse("plumbing", &s), 0);
	assert_int_equal(s, ROUTE_SKILL_PLUMBING);
	assert_string_equal(route_skill_name(ROUTE_SKILL_ES), "es");
	assert_int_equal(route_skill_parse("Plumbing", &s), -EINVAL);
	enum route_priority p;
	assert_int_equal(route_priority_parse("p1", &p), 0);
	assert_int_equal(p, ROUTE_P1);
	assert_true(ROUTE_P1 < ROUTE_P2 && ROUTE_P2 < ROUTE_P3);
	enum route_overflow o;
	assert_int_equal(route_overflow_parse("any_agent", &o), 0);
	assert_int_equal(o, ROUTE_OVERFLOW_ANY_AGENT);
	enum route_status st;
	assert_int_equal(route_status_parse("break", &st), 0);
	assert_int_equal(st, ROUTE_STATUS_BREAK);
	enum route_state sa;
	assert_int_equal(route_state_parse("wrap_up", &sa), 0);
	assert_int_equal(sa, ROUTE_STATE_WRAP_UP);
	enum route_entry_state es;
	assert_int_equal(route_entry_state_parse("callback", &es), 0);
	assert_int_equal(es, ROUTE_ENTRY_CALLBACK);
	enum route_media m;
	assert_int_equal(route_media_parse("chat", &m), 0);
	assert_int_equal(m, ROUTE_MEDIA_CHAT);
	for (int t = 0; t < ROUTE_ACTION_COUNT; t++) {
		enum route_action_type back;
		assert_int_equal(route_action_parse(route_action_name((enum route_action_type)t), &back), 0);
		assert_int_equal(back, t);
	}
	assert_string_equal(route_action_name(ROUTE_ACT_SLA_BREACH), "sla_breach");
	assert_string_equal(route_state_name(ROUTE_STATE_COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(priority_then_fifo),
		cmocka_unit_test(oldest_across_queues_and_skills),
		cmocka_unit_test(escalation_reorders),
		cmocka_unit_test(estimated_wait),
		cmocka_unit_test(enum_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
