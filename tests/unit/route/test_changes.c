/* test_changes.c: entries that need a trade (matched by level, relaxed to the customer's
 * language at the any-agent overflow), queue settings changed while entries wait, and an
 * entry raised to a more urgent class while it waits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helper_route.h"

#include "base/err.h"

#include <errno.h>

#define C ROUTE_MEDIA_CHAT

/* Adds an available chat agent of tenant 1 with one trade at trade_level and English. */
static void trade_agent(struct route *r, int64_t id, enum route_skill trade, int trade_level,
			enum route_skill lang)
{
	int64_t tenant = 1;
	struct route_agent_config c = {.id = id, .tenants = &tenant, .n_tenants = 1,
				       .chat_capacity = 3};
	c.levels[trade] = trade_level;
	c.levels[lang] = 5;
	assert_int_equal(route_agent_add(r, &c, T0), 0);
	assert_int_equal(route_agent_set_status(r, id, ROUTE_STATUS_AVAILABLE, T0), 0);
}

static void trade_by_level(void **state)
{
	(void)state;
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	trade_agent(r, 1, ROUTE_SKILL_PLUMBING, 3, ROUTE_SKILL_EN);
	trade_agent(r, 2, ROUTE_SKILL_PLUMBING, 8, ROUTE_SKILL_EN);
	trade_agent(r, 3, ROUTE_SKILL_HVAC, 10, ROUTE_SKILL_EN);
	/* a plumbing chat: both plumbers qualify, the higher level wins; never the HVAC tech */
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P2, SK(PLUMBING) | SK(EN), C, T0), 0);
	assert_int_equal(h_offered_agent(r, 1), 2);
	assert_int_equal(route_decline(r, 2, 1, T0 + SEC), 0);
	assert_int_equal(h_offered_agent(r, 1), 1);
	/* an HVAC chat goes to the HVAC tech even though a plumber is idle */
	assert_int_equal(h_enqueue(r, 2, 1, 1, ROUTE_P2, SK(HVAC) | SK(EN), C, T0 + 2 * SEC), 0);
	assert_int_equal(h_offered_agent(r, 2), 3);
	/* an electrical chat: nobody has the trade, it waits */
	route_actions_clear(r);
	assert_int_equal(h_enqueue(r, 3, 1, 1, ROUTE_P2, SK(ELECTRICAL) | SK(EN), C, T0 + 3 * SEC), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_OFFER), 0);
	assert_int_equal(h_state(r, 3), ROUTE_ENTRY_WAITING);
	route_free(r);
}

static void trade_relaxed_at_overflow(void **state)
{
	(void)state;
	struct route *r = route_new();
	struct route_queue_config q = h_queue_config(1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	q.overflow = ROUTE_OVERFLOW_ANY_AGENT;
	assert_int_equal(route_queue_add(r, &q), 0);
	trade_agent(r, 1, ROUTE_SKILL_PLUMBING, 5, ROUTE_SKILL_EN);
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P1, SK(ELECTRICAL) | SK(EN), C, T0), 0);
	assert_int_equal(h_enqueue(r, 2, 1, 1, ROUTE_P1, SK(ELECTRICAL) | SK(ES), C, T0), 0);
	assert_int_equal(h_offered_agent(r, 1), 0);
	/* past the P1 answer time: any agent of the tenant who speaks the language */
	route_actions_clear(r);
	assert_int_equal(route_tick(r, T0 + 30 * SEC), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_OVERFLOW), 2);
	assert_int_equal(h_nth(r, ROUTE_ACT_OVERFLOW, 0)->to_queue_id, 0);
	assert_int_equal(h_offered_agent(r, 1), 1);
	assert_int_equal(h_offered_agent(r, 2), 0);  /* Spanish: still nobody */
	struct route_entry_info info;
	assert_int_equal(route_entry_get(r, 1, &info), 0);
	assert_true(info.relaxed);
	route_free(r);
}

static void queue_update_sla(void **state)
{
	(void)state;
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P3, 0, C, T0), 0);
	assert_int_equal(route_next_deadline(r, T0), T0 + 120 * SEC);
	/* the answer time drops to 20 s: the running clock keeps its start */
	struct route_queue_config q = h_queue_config(1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	q.sla_ms[ROUTE_P3] = 20 * SEC;
	assert_int_equal(route_queue_update(r, &q, T0 + 10 * SEC), 0);
	assert_int_equal(route_next_deadline(r, T0 + 10 * SEC), T0 + 20 * SEC);
	route_actions_clear(r);
	assert_int_equal(route_tick(r, T0 + 20 * SEC), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_SLA_BREACH), 1);
	/* a clock already past the new time runs at once */
	assert_int_equal(h_enqueue(r, 2, 1, 1, ROUTE_P3, 0, C, T0 + 21 * SEC), 0);
	q.sla_ms[ROUTE_P3] = 1 * SEC;
	assert_int_equal(route_queue_update(r, &q, T0 + 25 * SEC), 0);
	assert_true(route_next_deadline(r, T0 + 25 * SEC) <= T0 + 25 * SEC);
	/* bad input changes nothing */
	struct route_queue_config bad = q;
	bad.sla_ms[ROUTE_P1] = 0;
	assert_int_equal(route_queue_update(r, &bad, T0), -EINVAL);
	bad = q;
	bad.tenant_id = 2;
	assert_int_equal(route_queue_update(r, &bad, T0), -EINVAL);
	bad = q;
	bad.skills = SK(HVAC);
	assert_int_equal(route_queue_update(r, &bad, T0), -EINVAL);
	bad = q;
	bad.id = 9;
	assert_int_equal(route_queue_update(r, &bad, T0), -TN_ENOTFOUND);
	assert_int_equal(route_queue_update(NULL, &q, T0), -EINVAL);
	route_free(r);
}

static void queue_update_strategy(void **state)
{
	(void)state;
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	h_agent(r, 1, 1, 0, 5, 3, T0);
	h_agent(r, 2, 1, 0, 5, 3, T0);
	/* agent 1 (joined first) takes a chat and keeps it */
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P3, 0, C, T0), 0);
	assert_int_equal(h_offered_agent(r, 1), 1);
	assert_int_equal(route_accept(r, 1, 1, T0 + SEC), 0);
	/* to least-busy: the free agent 2 is first now, without anyone logging in again */
	struct route_queue_config q = h_queue_config(1, 1, ROUTE_STRATEGY_LEAST_BUSY);
	assert_int_equal(route_queue_update(r, &q, T0 + 2 * SEC), 0);
	assert_int_equal(h_enqueue(r, 2, 1, 1, ROUTE_P3, 0, C, T0 + 3 * SEC), 0);
	assert_int_equal(h_offered_agent(r, 2), 2);
	json_t *snap;
	assert_int_equal(route_snapshot(r, 1, T0 + 4 * SEC, &snap), 0);
	json_t *jq = json_array_get(json_object_get(snap, "queues"), 0);
	assert_string_equal(json_string_value(json_object_get(jq, "strategy")), "least_busy");
	json_decref(snap);
	route_free(r);
}

static void raise_while_waiting(void **state)
{
	(void)state;
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P3, 0, C, T0), 0);
	assert_int_equal(h_enqueue(r, 2, 1, 1, ROUTE_P2, 0, C, T0 + SEC), 0);
	int64_t pos;
	assert_int_equal(route_position(r, 1, &pos), 0);
	assert_int_equal(pos, 2);
	route_actions_clear(r);
	/* an emergency reported while waiting */
	assert_int_equal(route_raise_priority(r, 1, ROUTE_P1, T0 + 10 * SEC), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_ESCALATE_PRIORITY), 1);
	assert_int_equal(h_nth(r, ROUTE_ACT_ESCALATE_PRIORITY, 0)->priority, ROUTE_P1);
	assert_int_equal(route_position(r, 1, &pos), 0);
	assert_int_equal(pos, 1);
	struct route_entry_info info;
	assert_int_equal(route_entry_get(r, 1, &info), 0);
	assert_int_equal(info.priority, ROUTE_P1);
	assert_int_equal(info.sla_at, T0 + 40 * SEC);  /* the P1 answer time from now */
	/* not more urgent: nothing happens */
	route_actions_clear(r);
	assert_int_equal(route_raise_priority(r, 1, ROUTE_P2, T0 + 11 * SEC), 0);
	assert_int_equal(route_raise_priority(r, 1, ROUTE_P1, T0 + 11 * SEC), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_ESCALATE_PRIORITY), 0);
	/* the first agent gets the raised entry first */
	h_agent(r, 1, 1, 0, 5, 1, T0 + 12 * SEC);
	assert_int_equal(h_offered_agent(r, 1), 1);
	/* an offered entry can still be raised; an assigned one cannot */
	route_actions_clear(r);
	assert_int_equal(route_raise_priority(r, 2, ROUTE_P1, T0 + 13 * SEC), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_ESCALATE_PRIORITY), 1);
	assert_int_equal(route_accept(r, 1, 1, T0 + 14 * SEC), 0);
	assert_int_equal(route_raise_priority(r, 1, ROUTE_P1, T0 + 15 * SEC), -TN_ECONFLICT);
	assert_int_equal(route_raise_priority(r, 99, ROUTE_P1, T0), -TN_ENOTFOUND);
	assert_int_equal(route_raise_priority(r, 2, ROUTE_PRIORITY_COUNT, T0), -EINVAL);
	route_free(r);

	/* raised while the offer rings: it stays offered, in the new class */
	r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	h_agent(r, 1, 1, 0, 5, 1, T0);
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P3, 0, C, T0), 0);
	assert_int_equal(h_state(r, 1), ROUTE_ENTRY_OFFERED);
	route_actions_clear(r);
	assert_int_equal(route_raise_priority(r, 1, ROUTE_P2, T0 + SEC), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_ESCALATE_PRIORITY), 1);
	assert_int_equal(h_state(r, 1), ROUTE_ENTRY_OFFERED);
	assert_int_equal(route_entry_get(r, 1, &info), 0);
	assert_int_equal(info.priority, ROUTE_P2);
	assert_int_equal(route_accept(r, 1, 1, T0 + 2 * SEC), 0);
	route_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(trade_by_level),
		cmocka_unit_test(trade_relaxed_at_overflow),
		cmocka_unit_test(queue_update_sla),
		cmocka_unit_test(queue_update_strategy),
		cmocka_unit_test(raise_while_waiting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
