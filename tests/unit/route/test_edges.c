/* test_edges.c: logging out mid-offer, two accepts, late accepts, capacity, missing
 * skills and overflow at the SLA, timeouts, declines, tenancy, wrap-up, bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helper_route.h"

#include "base/err.h"

#include <errno.h>
#include <string.h>

#define P SK(PLUMBING)
#define V ROUTE_MEDIA_VOICE
#define C ROUTE_MEDIA_CHAT

static enum route_state agent_state(struct route *r, int64_t a)
{
	struct route_agent_info ai;
	assert_int_equal(route_agent_get(r, a, &ai), 0);
	return ai.state;
}

static void logout_mid_offer(void **state)
{
	static const enum route_status away[] = {ROUTE_STATUS_OFFLINE, ROUTE_STATUS_BREAK};
	for (int i = 0; i < 2; i++) {
		struct route *r = route_new();
		h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
		h_agent(r, 1, 1, P, 5, 0, T0);
		h_agent(r, 2, 1, P, 5, 0, T0);
		assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P2, P, V, T0), 0);
		assert_int_equal(h_offered_agent(r, 1), 1);
		route_actions_clear(r);
		assert_int_equal(route_agent_set_status(r, 1, away[i], T0 + 3 * SEC), 0);
		/* the offer is withdrawn and the entry goes to the other agent at once */
		assert_int_equal(h_count(r, ROUTE_ACT_OFFER_WITHDRAWN), 1);
		assert_int_equal(h_nth(r, ROUTE_ACT_OFFER_WITHDRAWN, 0)->agent_id, 1);
		assert_int_equal(h_count(r, ROUTE_ACT_OFFER), 1);
		assert_int_equal(h_nth(r, ROUTE_ACT_OFFER, 0)->agent_id, 2);
		assert_int_equal(h_nth(r, ROUTE_ACT_OFFER, 0)->at, T0 + 23 * SEC);
		struct route_agent_info ai;
		assert_int_equal(route_agent_get(r, 1, &ai), 0);
		assert_int_equal(ai.status, away[i]);
		assert_int_equal(ai.state, ROUTE_STATE_IDLE);
		assert_int_equal(ai.state_since, T0 + 3 * SEC);
		assert_int_equal(ai.offer_entry_id, 0);
		/* a late accept from the agent who left fails clearly */
		assert_int_equal(route_accept(r, 1, 1, T0 + 4 * SEC), -ETIMEDOUT);
		assert_int_equal(route_accept(r, 2, 1, T0 + 4 * SEC), 0);
		/* back to available: nothing waits, so no offer */
		route_actions_clear(r);
		assert_int_equal(route_agent_set_status(r, 1, ROUTE_STATUS_AVAILABLE, T0 + 5 * SEC), 0);
		assert_int_equal(h_count(r, ROUTE_ACT_OFFER), 0);
		route_free(r);
	}
	/* the only agent logs out: the entry waits, and is offered when they return */
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	h_agent(r, 1, 1, P, 5, 0, T0);
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P3, P, V, T0), 0);
	assert_int_equal(route_agent_set_status(r, 1, ROUTE_STATUS_OFFLINE, T0 + 1), 0);
	assert_int_equal(h_state(r, 1), ROUTE_ENTRY_WAITING);
	route_actions_clear(r);
	assert_int_equal(route_agent_set_status(r, 1, ROUTE_STATUS_AVAILABLE, T0 + 2), 0);
	assert_int_equal(h_offered_agent(r, 1), 1);
	/* removing an agent mid-offer also puts the entry back */
	assert_int_equal(route_agent_remove(r, 1, T0 + 3), 0);
	assert_int_equal(h_state(r, 1), ROUTE_ENTRY_WAITING);
	assert_int_equal(route_agent_get(r, 1, &(struct route_agent_info){0}), -TN_ENOTFOUND);
	route_free(r);
}

static void accepts_race_and_expire(void **state)
{
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	h_agent(r, 1, 1, P, 5, 0, T0);
	h_agent(r, 2, 1, P, 5, 0, T0);
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P3, P, V, T0), 0);
	assert_int_equal(h_offered_agent(r, 1), 1);
	/* an agent without the offer cannot take it */
	assert_int_equal(route_accept(r, 2, 1, T0 + 1), -TN_ENOTFOUND);
	assert_int_equal(route_accept(r, 1, 1, T0 + 2), 0);
	/* the same accept again, and another agent's: exactly one owner */
	assert_int_equal(route_accept(r, 1, 1, T0 + 3), -TN_ECONFLICT);
	assert_int_equal(route_accept(r, 2, 1, T0 + 3), -TN_ECONFLICT);
	struct route_entry_info e;
	assert_int_equal(route_entry_get(r, 1, &e), 0);
	assert_int_equal(e.agent_id, 1);
	/* an accept at the expiry instant is too late, even before the timer ran */
	assert_int_equal(h_enqueue(r, 2, 1, 1, ROUTE_P3, P, V, T0 + 10 * SEC), 0);
	assert_int_equal(h_offered_agent(r, 2), 2);
	route_actions_clear(r);
	assert_int_equal(route_accept(r, 2, 2, T0 + 30 * SEC), -ETIMEDOUT);
	assert_int_equal(h_count(r, ROUTE_ACT_OFFER_EXPIRED), 1);
	/* agent 2 is the only free agent: the entry is offered to them again */
	assert_int_equal(h_offered_agent(r, 2), 2);
	assert_int_equal(route_accept(r, 2, 2, T0 + 31 * SEC), 0);
	/* unknown ids */
	assert_int_equal(route_accept(r, 9, 2, T0), -TN_ENOTFOUND);
	assert_int_equal(route_accept(r, 2, 9, T0), -TN_ENOTFOUND);
	route_free(r);
}

static void offer_timeout_next_agent(void **state)
{
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	h_agent(r, 1, 1, P, 5, 0, T0);
	h_agent(r, 2, 1, P, 5, 0, T0);
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P3, P, V, T0), 0);
	assert_int_equal(h_offered_agent(r, 1), 1);
	assert_int_equal(route_next_deadline(r, T0), T0 + 20 * SEC);
	route_actions_clear(r);
	assert_int_equal(route_tick(r, T0 + 20 * SEC - 1), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_OFFER_EXPIRED), 0);
	assert_int_equal(route_tick(r, T0 + 20 * SEC), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_OFFER_EXPIRED), 1);
	assert_int_equal(h_nth(r, ROUTE_ACT_OFFER_EXPIRED, 0)->agent_id, 1);
	/* the next agent, not the one who let it ring */
	assert_int_equal(h_offered_agent(r, 1), 2);
	/* a late accept after the timer ran */
	assert_int_equal(route_accept(r, 1, 1, T0 + 21 * SEC), -ETIMEDOUT);
	/* nobody answers: each agent gets it up to max_attempts (2) times */
	assert_int_equal(route_tick(r, T0 + 40 * SEC), 0);
	assert_int_equal(h_offered_agent(r, 1), 1);
	assert_int_equal(route_tick(r, T0 + 60 * SEC), 0);
	assert_int_equal(h_offered_agent(r, 1), 2);
	route_actions_clear(r);
	assert_int_equal(route_tick(r, T0 + 80 * SEC), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_OFFER), 0);
	assert_int_equal(h_state(r, 1), ROUTE_ENTRY_WAITING);
	/* a third agent logs in and gets it */
	h_agent(r, 3, 1, P, 5, 0, T0 + 81 * SEC);
	assert_int_equal(h_offered_agent(r, 1), 3);
	route_free(r);
}

static void decline(void **state)
{
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	h_agent(r, 1, 1, P, 5, 0, T0);
	h_agent(r, 2, 1, P, 5, 0, T0);
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P3, P, V, T0), 0);
	assert_int_equal(route_decline(r, 2, 1, T0 + 1), -TN_ENOTFOUND);
	assert_int_equal(route_decline(r, 1, 1, T0 + 1), 0);
	assert_int_equal(h_offered_agent(r, 1), 2);
	assert_int_equal(route_decline(r, 2, 1, T0 + 2), 0);
	/* a decline is final: nobody is left */
	assert_int_equal(h_state(r, 1), ROUTE_ENTRY_WAITING);
	assert_int_equal(agent_state(r, 1), ROUTE_STATE_IDLE);
	/* a new entry still reaches agent 1 */
	assert_int_equal(h_enqueue(r, 2, 1, 1, ROUTE_P3, P, V, T0 + 3), 0);
	assert_int_equal(h_offered_agent(r, 2), 1);
	route_free(r);
}

static void chat_capacity(void **state)
{
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	h_agent(r, 1, 1, P, 5, 2, T0);
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P3, P, C, T0), 0);
	assert_int_equal(route_accept(r, 1, 1, T0 + 1), 0);
	/* one chat held, room for another */
	assert_int_equal(h_enqueue(r, 2, 1, 1, ROUTE_P3, P, C, T0 + 2), 0);
	assert_int_equal(h_offered_agent(r, 2), 1);
	assert_int_equal(route_accept(r, 1, 2, T0 + 3), 0);
	struct route_agent_info ai;
	assert_int_equal(route_agent_get(r, 1, &ai), 0);
	assert_int_equal(ai.chats, 2);
	assert_int_equal(ai.state, ROUTE_STATE_BUSY);
	/* full: a third chat waits, and a call needs the whole agent */
	assert_int_equal(h_enqueue(r, 3, 1, 1, ROUTE_P3, P, V, T0 + 4), 0);
	assert_int_equal(h_enqueue(r, 4, 1, 1, ROUTE_P3, P, C, T0 + 5), 0);
	assert_int_equal(h_state(r, 3), ROUTE_ENTRY_WAITING);
	assert_int_equal(h_state(r, 4), ROUTE_ENTRY_WAITING);
	/* one chat ends: the older call still cannot fit, the chat can */
	assert_int_equal(route_release(r, 1, 1, T0 + 6), 0);
	assert_int_equal(h_state(r, 3), ROUTE_ENTRY_WAITING);
	assert_int_equal(h_offered_agent(r, 4), 1);
	assert_int_equal(route_accept(r, 1, 4, T0 + 7), 0);
	assert_int_equal(route_release(r, 1, 2, T0 + 8), 0);
	assert_int_equal(h_state(r, 3), ROUTE_ENTRY_WAITING);
	assert_int_equal(route_release(r, 1, 4, T0 + 9), 0);
	/* empty-handed now: the call */
	assert_int_equal(h_offered_agent(r, 3), 1);
	assert_int_equal(route_accept(r, 1, 3, T0 + 10), 0);
	/* on a call, no chat is offered even with chat room */
	assert_int_equal(h_enqueue(r, 5, 1, 1, ROUTE_P1, P, C, T0 + 11), 0);
	assert_int_equal(h_state(r, 5), ROUTE_ENTRY_WAITING);
	/* a voice-only agent (capacity 0) never gets chats */
	h_agent(r, 2, 1, P, 5, 0, T0 + 12);
	assert_int_equal(h_state(r, 5), ROUTE_ENTRY_WAITING);
	route_free(r);
}

static void missing_skill_overflow(void **state)
{
	static const enum route_overflow rules[] = {ROUTE_OVERFLOW_ANY_AGENT, ROUTE_OVERFLOW_QUEUE,
	                                            ROUTE_OVERFLOW_CALLBACK};
	for (int i = 0; i < 3; i++) {
		struct route *r = route_new();
		struct route_queue_config q = h_queue_config(1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
		q.overflow = rules[i];
		q.overflow_queue_id = rules[i] == ROUTE_OVERFLOW_QUEUE ? 2 : 0;
		assert_int_equal(route_queue_add(r, &q), 0);
		h_queue(r, 2, 1, ROUTE_STRATEGY_LONGEST_IDLE);
		h_agent(r, 1, 1, P | SK(EN), 5, 0, T0);
		h_agent(r, 2, 1, SK(HVAC) | SK(ES), 5, 0, T0);
		route_actions_clear(r);
		/* plumbing in Spanish: nobody online has both */
		assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P3, P | SK(ES), V, T0), 0);
		assert_int_equal(h_state(r, 1), ROUTE_ENTRY_WAITING);
		assert_int_equal(h_count(r, ROUTE_ACT_OFFER), 0);
		assert_int_equal(route_next_deadline(r, T0), T0 + 120 * SEC);
		/* at the P3 SLA: breach, raised to P2 */
		assert_int_equal(route_tick(r, T0 + 120 * SEC), 0);
		assert_int_equal(h_count(r, ROUTE_ACT_SLA_BREACH), 1);
		assert_int_equal(h_count(r, ROUTE_ACT_ESCALATE_PRIORITY), 1);
		assert_int_equal(h_nth(r, ROUTE_ACT_ESCALATE_PRIORITY, 0)->priority, ROUTE_P2);
		/* at the P2 SLA: raised to P1 (the breach is reported once) */
		assert_int_equal(route_tick(r, T0 + 180 * SEC), 0);
		assert_int_equal(h_count(r, ROUTE_ACT_SLA_BREACH), 1);
		assert_int_equal(h_nth(r, ROUTE_ACT_ESCALATE_PRIORITY, 1)->priority, ROUTE_P1);
		assert_int_equal(h_count(r, ROUTE_ACT_OVERFLOW), 0);
		route_actions_clear(r);
		/* at the P1 SLA: the queue's overflow rule */
		assert_int_equal(route_tick(r, T0 + 210 * SEC), 0);
		if (rules[i] == ROUTE_OVERFLOW_ANY_AGENT) {
			assert_int_equal(h_count(r, ROUTE_ACT_OVERFLOW), 1);
			assert_int_equal(h_nth(r, ROUTE_ACT_OVERFLOW, 0)->to_queue_id, 0);
			/* any agent of the tenant who speaks Spanish */
			assert_int_equal(h_offered_agent(r, 1), 2);
			struct route_entry_info e;
			assert_int_equal(route_entry_get(r, 1, &e), 0);
			assert_true(e.relaxed);
		} else if (rules[i] == ROUTE_OVERFLOW_QUEUE) {
			assert_int_equal(h_count(r, ROUTE_ACT_OVERFLOW), 1);
			assert_int_equal(h_nth(r, ROUTE_ACT_OVERFLOW, 0)->queue_id, 1);
			assert_int_equal(h_nth(r, ROUTE_ACT_OVERFLOW, 0)->to_queue_id, 2);
			struct route_entry_info e;
			assert_int_equal(route_entry_get(r, 1, &e), 0);
			assert_int_equal(e.queue_id, 2);
			assert_int_equal(e.state, ROUTE_ENTRY_WAITING);
			/* still nobody with both skills: at queue 2's P1 SLA, a callback */
			route_actions_clear(r);
			assert_int_equal(route_tick(r, T0 + 240 * SEC - 1), 0);
			assert_int_equal(h_count(r, ROUTE_ACT_CALLBACK_OFFER), 0);
			assert_int_equal(route_tick(r, T0 + 240 * SEC), 0);
			assert_int_equal(h_count(r, ROUTE_ACT_CALLBACK_OFFER), 1);
			assert_int_equal(h_nth(r, ROUTE_ACT_CALLBACK_OFFER, 0)->conversation_id, 1001);
			assert_int_equal(route_entry_get(r, 1, &e), -TN_ENOTFOUND);
		} else {
			assert_int_equal(h_count(r, ROUTE_ACT_OVERFLOW), 0);
			assert_int_equal(h_count(r, ROUTE_ACT_CALLBACK_OFFER), 1);
			assert_int_equal(route_entry_get(r, 1, &(struct route_entry_info){0}),
			                 -TN_ENOTFOUND);
		}
		route_free(r);
	}
}

static void sla_waits_for_offer(void **state)
{
	for (int answer = 0; answer < 2; answer++) {
		struct route *r = route_new();
		h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
		h_agent(r, 1, 1, 0, 5, 0, T0);
		assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P1, 0, V, T0), 0);
		assert_int_equal(route_tick(r, T0 + 20 * SEC), 0);
		assert_int_equal(h_offered_agent(r, 1), 1); /* second and last attempt */
		route_actions_clear(r);
		/* the P1 SLA passes while it rings: reported, but no callback yet */
		assert_int_equal(route_tick(r, T0 + 30 * SEC), 0);
		assert_int_equal(h_count(r, ROUTE_ACT_SLA_BREACH), 1);
		assert_int_equal(h_count(r, ROUTE_ACT_CALLBACK_OFFER), 0);
		assert_int_equal(h_state(r, 1), ROUTE_ENTRY_OFFERED);
		assert_int_equal(route_next_deadline(r, T0 + 30 * SEC), T0 + 40 * SEC);
		route_actions_clear(r);
		if (answer) {
			/* answered late: no callback, and counted outside the SLA */
			assert_int_equal(route_accept(r, 1, 1, T0 + 35 * SEC), 0);
			assert_int_equal(route_tick(r, T0 + 40 * SEC), 0);
			assert_int_equal(h_count(r, ROUTE_ACT_CALLBACK_OFFER), 0);
			json_t *snap;
			assert_int_equal(route_snapshot(r, 1, T0 + 41 * SEC, &snap), 0);
			json_t *sla = json_object_get(json_array_get(json_object_get(snap, "queues"), 0), "sla");
			assert_int_equal(json_integer_value(json_object_get(sla, "answered")), 1);
			assert_int_equal(json_integer_value(json_object_get(sla, "answered_in_sla")), 0);
			json_decref(snap);
		} else {
			/* the offer expires, then the deferred overflow: a callback offer */
			assert_int_equal(route_tick(r, T0 + 40 * SEC), 0);
			size_t n;
			const struct route_action *a = route_actions(r, &n);
			assert_int_equal(n, 2);
			assert_int_equal(a[0].type, ROUTE_ACT_OFFER_EXPIRED);
			assert_int_equal(a[1].type, ROUTE_ACT_CALLBACK_OFFER);
			assert_int_equal(route_entry_get(r, 1, &(struct route_entry_info){0}), -TN_ENOTFOUND);
			assert_int_equal(route_next_deadline(r, T0 + 40 * SEC), INT64_MAX);
		}
		route_free(r);
	}
}

static void any_agent_without_language(void **state)
{
	struct route *r = route_new();
	struct route_queue_config q = h_queue_config(1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	q.overflow = ROUTE_OVERFLOW_ANY_AGENT;
	q.skills = SK(ELECTRICAL);
	assert_int_equal(route_queue_add(r, &q), 0);
	h_agent(r, 1, 1, SK(HVAC), 5, 0, T0);
	/* the queue needs electrical; the only agent lacks it */
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P1, 0, V, T0), 0);
	assert_int_equal(h_state(r, 1), ROUTE_ENTRY_WAITING);
	assert_int_equal(route_tick(r, T0 + 30 * SEC), 0);
	/* relaxed to any agent of the tenant */
	assert_int_equal(h_offered_agent(r, 1), 1);
	route_free(r);
}

static void callbacks_wait_until_due(void **state)
{
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	h_agent(r, 1, 1, P, 5, 0, T0);
	route_actions_clear(r);
	int64_t due = T0 + 3600 * SEC;
	assert_int_equal(h_callback(r, 1, 1, 1, due, T0), 0);
	assert_int_equal(h_state(r, 1), ROUTE_ENTRY_CALLBACK);
	assert_int_equal(h_count(r, ROUTE_ACT_OFFER), 0);
	int64_t v;
	assert_int_equal(route_position(r, 1, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(route_estimated_wait(r, 1, T0 + 600 * SEC, &v), 0);
	assert_int_equal(v, 3000 * SEC);
	assert_int_equal(route_next_deadline(r, T0), due);
	/* the agent logging out and in again does not pull it forward */
	assert_int_equal(route_agent_set_status(r, 1, ROUTE_STATUS_BREAK, T0 + 1), 0);
	assert_int_equal(route_agent_set_status(r, 1, ROUTE_STATUS_AVAILABLE, T0 + 2), 0);
	assert_int_equal(route_tick(r, due - 1), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_OFFER), 0);
	assert_int_equal(h_state(r, 1), ROUTE_ENTRY_CALLBACK);
	assert_int_equal(route_tick(r, due), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_CALLBACK_DUE), 1);
	assert_int_equal(h_offered_agent(r, 1), 1);
	/* a callback due in the past is an ordinary entry */
	assert_int_equal(h_callback(r, 2, 1, 1, T0, due), 0);
	assert_int_equal(h_state(r, 2), ROUTE_ENTRY_WAITING);
	route_free(r);
}

static void tenancy(void **state)
{
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	h_queue(r, 2, 2, ROUTE_STRATEGY_LONGEST_IDLE);
	h_agent(r, 1, 1, ROUTE_SKILL_ALL, 5, 0, T0);
	/* tenant 2's entry never goes to tenant 1's agent */
	assert_int_equal(h_enqueue(r, 1, 2, 2, ROUTE_P1, 0, V, T0), 0);
	assert_int_equal(h_state(r, 1), ROUTE_ENTRY_WAITING);
	/* an entry claiming another tenant's queue is refused */
	assert_int_equal(h_enqueue(r, 2, 1, 2, ROUTE_P1, 0, V, T0), -TN_ENOTFOUND);
	assert_int_equal(route_entry_get(r, 2, &(struct route_entry_info){0}), -TN_ENOTFOUND);
	/* an answering-service agent serving both tenants gets the oldest of either */
	int64_t both[] = {1, 2};
	h_agent_multi(r, 3, both, 2, ROUTE_SKILL_ALL, 0, T0);
	assert_int_equal(h_enqueue(r, 3, 1, 1, ROUTE_P1, 0, V, T0 + 1), 0);
	assert_int_equal(h_offered_agent(r, 3), 1);
	route_actions_clear(r);
	assert_int_equal(route_agent_set_status(r, 3, ROUTE_STATUS_AVAILABLE, T0 + 2), 0);
	assert_int_equal(h_offered_agent(r, 1), 3);
	assert_int_equal(route_accept(r, 3, 1, T0 + 3), 0);
	assert_int_equal(route_release(r, 3, 1, T0 + 4), 0);
	/* many entries of both tenants: tenant 1's agent only ever sees tenant 1 */
	assert_int_equal(route_accept(r, 1, 3, T0 + 5), 0);
	assert_int_equal(route_release(r, 1, 3, T0 + 6), 0);
	route_actions_clear(r);
	for (int64_t e = 10; e < 40; e++) {
		int64_t t = e % 2 ? 1 : 2;
		assert_int_equal(h_enqueue(r, e, t, t, ROUTE_P3, 0, V, T0 + 10 + e), 0);
	}
	for (int round = 0; round < 40; round++) {
		size_t n;
		const struct route_action *a = route_actions(r, &n);
		int64_t offers[8][2];
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			if (a[i].type != ROUTE_ACT_OFFER)
				continue;
			assert_true(a[i].agent_id != 1 || a[i].tenant_id == 1);
			assert_true(k < 8);
			offers[k][0] = a[i].agent_id;
			offers[k][1] = a[i].entry_id;
			k++;
		}
		route_actions_clear(r);
		for (size_t i = 0; i < k; i++) {
			assert_int_equal(route_accept(r, offers[i][0], offers[i][1], T0 + 100 + round), 0);
			assert_int_equal(route_release(r, offers[i][0], offers[i][1], T0 + 100 + round), 0);
		}
	}
	json_t *snap;
	assert_int_equal(route_snapshot(r, 2, T0 + 200, &snap), 0);
	/* tenant 2's view holds only its own queue and the agent who serves it */
	assert_int_equal(json_array_size(json_object_get(snap, "queues")), 1);
	assert_int_equal(json_integer_value(json_object_get(
		json_array_get(json_object_get(snap, "queues"), 0), "id")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(snap, "agents"),
	                                                    "available")), 1);
	json_decref(snap);
	for (int64_t e = 10; e < 40; e++)
		assert_int_equal(route_entry_get(r, e, &(struct route_entry_info){0}), -TN_ENOTFOUND);
	route_free(r);
}

static void wrap_up(void **state)
{
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	int64_t t = 1;
	struct route_agent_config c = {.id = 1, .tenants = &t, .n_tenants = 1, .wrapup_ms = 30 * SEC};
	assert_int_equal(route_agent_add(r, &c, T0), 0);
	assert_int_equal(route_agent_set_status(r, 1, ROUTE_STATUS_AVAILABLE, T0), 0);
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P3, 0, V, T0), 0);
	assert_int_equal(route_accept(r, 1, 1, T0 + 1 * SEC), 0);
	assert_int_equal(route_release(r, 1, 1, T0 + 61 * SEC), 0);
	struct route_agent_info ai;
	assert_int_equal(route_agent_get(r, 1, &ai), 0);
	assert_int_equal(ai.state, ROUTE_STATE_WRAP_UP);
	assert_int_equal(ai.state_since, T0 + 61 * SEC);
	assert_int_equal(ai.wrapup_until, T0 + 91 * SEC);
	assert_int_equal(ai.last_call_end, T0 + 61 * SEC);
	assert_int_equal(ai.calls_taken, 1);
	/* nothing is offered during wrap-up */
	assert_int_equal(h_enqueue(r, 2, 1, 1, ROUTE_P3, 0, V, T0 + 62 * SEC), 0);
	assert_int_equal(h_state(r, 2), ROUTE_ENTRY_WAITING);
	assert_int_equal(route_next_deadline(r, T0 + 62 * SEC), T0 + 91 * SEC);
	route_actions_clear(r);
	assert_int_equal(route_tick(r, T0 + 91 * SEC), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_WRAPUP_END), 1);
	assert_int_equal(h_offered_agent(r, 2), 1);
	assert_int_equal(route_accept(r, 1, 2, T0 + 92 * SEC), 0);
	assert_int_equal(route_release(r, 1, 2, T0 + 93 * SEC), 0);
	/* ending wrap-up early */
	assert_int_equal(h_enqueue(r, 3, 1, 1, ROUTE_P3, 0, V, T0 + 94 * SEC), 0);
	assert_int_equal(h_state(r, 3), ROUTE_ENTRY_WAITING);
	assert_int_equal(route_wrapup_done(r, 1, T0 + 95 * SEC), 0);
	assert_int_equal(h_offered_agent(r, 3), 1);
	assert_int_equal(route_wrapup_done(r, 1, T0 + 96 * SEC), -TN_ECONFLICT);
	route_free(r);
}

/* A customer who left but has a phone on file is called back: the entry leaves like an
 * abandoned one (the offer out is withdrawn) but counts as a callback offered. */
static void leave_for_callback(void **state)
{
	(void)state;
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	h_agent(r, 1, 1, 0, 5, 0, T0);
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P3, 0, V, T0), 0);
	assert_int_equal(h_offered_agent(r, 1), 1);
	assert_int_equal(h_enqueue(r, 2, 1, 1, ROUTE_P3, 0, V, T0), 0);
	route_actions_clear(r);
	assert_int_equal(route_dequeue_callback(r, 1, T0 + 5 * SEC), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_OFFER_WITHDRAWN), 1);
	assert_int_equal(h_count(r, ROUTE_ACT_CALLBACK_OFFER), 0);
	/* the agent is free again and gets the next entry */
	assert_int_equal(h_offered_agent(r, 2), 1);
	assert_int_equal(route_dequeue_callback(r, 1, T0 + 5 * SEC), -TN_ENOTFOUND);
	assert_int_equal(route_accept(r, 1, 2, T0 + 6 * SEC), 0);
	assert_int_equal(route_dequeue_callback(r, 2, T0 + 7 * SEC), -TN_ECONFLICT);
	json_t *snap;
	assert_int_equal(route_snapshot(r, 0, T0 + 8 * SEC, &snap), 0);
	json_t *sla = json_object_get(json_array_get(json_object_get(snap, "queues"), 0), "sla");
	assert_int_equal(json_integer_value(json_object_get(sla, "callbacks_offered")), 1);
	assert_int_equal(json_integer_value(json_object_get(sla, "abandoned")), 0);
	json_decref(snap);
	route_free(r);
}

static void abandon_and_counters(void **state)
{
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	h_agent(r, 1, 1, 0, 5, 0, T0);
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P3, 0, V, T0), 0);
	route_actions_clear(r);
	/* the customer leaves while it rings */
	assert_int_equal(route_dequeue(r, 1, T0 + 5 * SEC), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_OFFER_WITHDRAWN), 1);
	assert_int_equal(agent_state(r, 1), ROUTE_STATE_IDLE);
	assert_int_equal(route_dequeue(r, 1, T0 + 5 * SEC), -TN_ENOTFOUND);
	/* answered in time, then answered late */
	assert_int_equal(h_enqueue(r, 2, 1, 1, ROUTE_P3, 0, V, T0 + 10 * SEC), 0);
	assert_int_equal(route_accept(r, 1, 2, T0 + 11 * SEC), 0);
	assert_int_equal(route_dequeue(r, 2, T0 + 12 * SEC), -TN_ECONFLICT);
	assert_int_equal(h_enqueue(r, 3, 1, 1, ROUTE_P3, 0, V, T0 + 12 * SEC), 0);
	assert_int_equal(route_tick(r, T0 + 132 * SEC), 0);
	assert_int_equal(route_release(r, 1, 2, T0 + 140 * SEC), 0);
	assert_int_equal(route_accept(r, 1, 3, T0 + 141 * SEC), 0);
	json_t *snap;
	assert_int_equal(route_snapshot(r, 0, T0 + 150 * SEC, &snap), 0);
	json_t *q = json_array_get(json_object_get(snap, "queues"), 0);
	json_t *sla = json_object_get(q, "sla");
	assert_int_equal(json_integer_value(json_object_get(sla, "answered")), 2);
	assert_int_equal(json_integer_value(json_object_get(sla, "answered_in_sla")), 1);
	assert_int_equal(json_integer_value(json_object_get(sla, "breached")), 1);
	assert_int_equal(json_integer_value(json_object_get(sla, "abandoned")), 1);
	assert_int_equal(json_integer_value(json_object_get(q, "assigned")), 1);
	assert_string_equal(json_string_value(json_object_get(q, "strategy")), "longest_idle");
	json_t *ag = json_object_get(snap, "agents");
	assert_int_equal(json_integer_value(json_object_get(ag, "available")), 1);
	assert_int_equal(json_integer_value(json_object_get(ag, "busy")), 1);
	assert_int_equal(json_integer_value(json_object_get(ag, "idle")), 0);
	json_decref(snap);
	/* an agent holding a conversation cannot be removed */
	assert_int_equal(route_agent_remove(r, 1, T0 + 151 * SEC), -TN_ECONFLICT);
	assert_int_equal(route_release(r, 1, 3, T0 + 152 * SEC), 0);
	assert_int_equal(route_release(r, 1, 3, T0 + 152 * SEC), -TN_ENOTFOUND);
	assert_int_equal(route_agent_remove(r, 1, T0 + 153 * SEC), 0);
	route_free(r);
}

static void bad_input(void **state)
{
	struct route *r = route_new();
	struct route_queue_config q = h_queue_config(1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	struct route_queue_config b = q;
	b.sla_ms[1] = 0;
	assert_int_equal(route_queue_add(r, &b), -EINVAL);
	b = q;
	b.offer_timeout_ms = 0;
	assert_int_equal(route_queue_add(r, &b), -EINVAL);
	b = q;
	b.strategy = ROUTE_STRATEGY_COUNT;
	assert_int_equal(route_queue_add(r, &b), -EINVAL);
	b = q;
	b.overflow = ROUTE_OVERFLOW_QUEUE;
	assert_int_equal(route_queue_add(r, &b), -EINVAL); /* no overflow queue */
	b = q;
	b.name = "";
	assert_int_equal(route_queue_add(r, &b), -EINVAL);
	assert_int_equal(route_queue_add(r, &q), 0);
	assert_int_equal(route_queue_add(r, &q), -TN_ECONFLICT);

	int64_t t[] = {1, 1};
	struct route_agent_config a = {.id = 1, .tenants = t, .n_tenants = 2};
	assert_int_equal(route_agent_add(r, &a, T0), -EINVAL); /* a tenant twice */
	a.n_tenants = 1;
	a.levels[0] = 11;
	assert_int_equal(route_agent_add(r, &a, T0), -EINVAL);
	a.levels[0] = 5;
	a.chat_capacity = ROUTE_CHAT_MAX + 1;
	assert_int_equal(route_agent_add(r, &a, T0), -EINVAL);
	a.chat_capacity = 1;
	assert_int_equal(route_agent_add(r, &a, T0), 0);
	assert_int_equal(route_agent_add(r, &a, T0), -TN_ECONFLICT);
	assert_int_equal(route_agent_set_status(r, 1, ROUTE_STATUS_COUNT, T0), -EINVAL);
	assert_int_equal(route_agent_set_status(r, 2, ROUTE_STATUS_AVAILABLE, T0), -TN_ENOTFOUND);

	assert_int_equal(h_enqueue(r, 0, 1, 1, ROUTE_P3, 0, V, T0), -EINVAL);
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_PRIORITY_COUNT, 0, V, T0), -EINVAL);
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P3, 1u << 20, V, T0), -EINVAL);
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P3, 0, ROUTE_MEDIA_COUNT, T0), -EINVAL);
	assert_int_equal(h_enqueue(r, 1, 1, 7, ROUTE_P3, 0, V, T0), -TN_ENOTFOUND);
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P3, 0, V, T0), 0);
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P3, 0, V, T0), -TN_ECONFLICT);
	int64_t v;
	assert_int_equal(route_position(r, 5, &v), -TN_ENOTFOUND);
	assert_int_equal(route_estimated_wait(r, 5, T0, &v), -TN_ENOTFOUND);
	assert_int_equal(route_wrapup_done(r, 5, T0), -TN_ENOTFOUND);
	assert_int_equal(route_release(r, 1, 1, T0), -TN_ENOTFOUND);
	assert_int_equal(route_next_deadline(r, T0), T0 + 120 * SEC);
	route_free(r);
	/* an empty router has no deadline */
	r = route_new();
	assert_int_equal(route_next_deadline(r, T0), INT64_MAX);
	assert_int_equal(route_tick(r, T0), 0);
	route_free(r);
	route_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(logout_mid_offer),
		cmocka_unit_test(accepts_race_and_expire),
		cmocka_unit_test(offer_timeout_next_agent),
		cmocka_unit_test(decline),
		cmocka_unit_test(chat_capacity),
		cmocka_unit_test(missing_skill_overflow),
		cmocka_unit_test(sla_waits_for_offer),
		cmocka_unit_test(any_agent_without_language),
		cmocka_unit_test(callbacks_wait_until_due),
		cmocka_unit_test(tenancy),
		cmocka_unit_test(wrap_up),
		cmocka_unit_test(abandon_and_counters),
		cmocka_unit_test(leave_for_callback),
		cmocka_unit_test(bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
