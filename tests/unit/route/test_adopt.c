/* test_adopt.c: entries put straight into the assigned state on an agent (route_adopt,
 * for conversations a person owned before a restart): they fill the agent's capacity like
 * accepted offers, are refused beyond it, and release, wrap-up, transfer, going offline,
 * the snapshot and saving and rebuilding all work on them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helper_route.h"

#include "base/err.h"

#include <errno.h>

#define C ROUTE_MEDIA_CHAT
#define V ROUTE_MEDIA_VOICE

static struct route_entry_config cfg_of(int64_t id, int64_t tenant, int64_t queue,
					enum route_media m)
{
	return (struct route_entry_config){.id = id, .conversation_id = id + 1000,
					   .tenant_id = tenant, .queue_id = queue,
					   .priority = ROUTE_P2, .media = m};
}

/* Adopts entry id (chat, tenant 1, queue 1) on agent, assigned a minute before now. */
static int adopt(struct route *r, int64_t id, int64_t agent, int64_t now)
{
	struct route_entry_config c = cfg_of(id, 1, 1, C);
	return route_adopt(r, &c, agent, now - 60 * SEC, now);
}

static struct route_agent_info agent_info(struct route *r, int64_t id)
{
	struct route_agent_info info;
	assert_int_equal(route_agent_get(r, id, &info), 0);
	return info;
}

static void adopt_within_capacity(void **state)
{
	(void)state;
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	h_agent(r, 1, 1, 0, 5, 2, T0);
	route_actions_clear(r);
	assert_int_equal(adopt(r, 10, 1, T0 + SEC), 0);
	assert_int_equal(adopt(r, 11, 1, T0 + SEC), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_ASSIGNED), 0);  /* nothing to tell anyone */
	struct route_agent_info a = agent_info(r, 1);
	assert_int_equal(a.chats, 2);
	assert_int_equal(a.state, ROUTE_STATE_BUSY);
	assert_int_equal(a.calls_taken, 0);
	struct route_entry_info e;
	assert_int_equal(route_entry_get(r, 10, &e), 0);
	assert_int_equal(e.state, ROUTE_ENTRY_ASSIGNED);
	assert_int_equal(e.agent_id, 1);
	assert_int_equal(e.conversation_id, 1010);
	assert_int_equal(e.sla_at, 0);
	/* the snapshot counts them with the agent, not as answered since start-up */
	json_t *snap = NULL;
	assert_int_equal(route_snapshot(r, 1, T0 + SEC, &snap), 0);
	json_t *q = json_array_get(json_object_get(snap, "queues"), 0);
	assert_int_equal(json_integer_value(json_object_get(q, "assigned")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(q, "sla"), "answered")), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(snap, "agents"), "busy")), 1);
	json_decref(snap);
	route_free(r);
}

static void adopt_beyond_capacity(void **state)
{
	(void)state;
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	h_agent(r, 1, 1, 0, 5, 2, T0);
	assert_int_equal(adopt(r, 10, 1, T0 + SEC), 0);
	assert_int_equal(adopt(r, 11, 1, T0 + SEC), 0);
	assert_int_equal(adopt(r, 12, 1, T0 + SEC), -TN_ECONFLICT);
	struct route_entry_info e;
	assert_int_equal(route_entry_get(r, 12, &e), -TN_ENOTFOUND);  /* nothing was made */
	assert_int_equal(agent_info(r, 1).chats, 2);

	/* a call takes the whole agent: not beside chats, and no chat beside it */
	h_agent(r, 2, 1, 0, 5, 3, T0);
	struct route_entry_config v = cfg_of(20, 1, 1, V);
	assert_int_equal(route_adopt(r, &v, 1, T0, T0 + SEC), -TN_ECONFLICT);
	assert_int_equal(route_adopt(r, &v, 2, T0, T0 + SEC), 0);
	assert_int_equal(agent_info(r, 2).voice, 1);
	assert_int_equal(adopt(r, 21, 2, T0 + SEC), -TN_ECONFLICT);
	/* a voice-only agent (capacity 0) takes no chat */
	h_agent(r, 3, 1, 0, 5, 0, T0);
	assert_int_equal(adopt(r, 30, 3, T0 + SEC), -TN_ECONFLICT);
	route_free(r);
}

static void adopt_bad_input(void **state)
{
	(void)state;
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	h_queue(r, 2, 2, ROUTE_STRATEGY_LONGEST_IDLE);
	h_agent(r, 1, 1, 0, 5, 3, T0);
	struct route_entry_config c = cfg_of(10, 1, 1, C);
	assert_int_equal(route_adopt(r, &c, 99, T0, T0 + SEC), -TN_ENOTFOUND);   /* no agent */
	struct route_entry_config other = cfg_of(10, 2, 2, C);
	assert_int_equal(route_adopt(r, &other, 1, T0, T0 + SEC), -TN_ENOTFOUND); /* not theirs */
	struct route_entry_config noq = cfg_of(10, 1, 7, C);
	assert_int_equal(route_adopt(r, &noq, 1, T0, T0 + SEC), -TN_ENOTFOUND);  /* no queue */
	assert_int_equal(route_adopt(r, &c, 1, T0 + 2 * SEC, T0 + SEC), -EINVAL); /* future */
	assert_int_equal(route_adopt(r, &c, 1, 0, T0 + SEC), -EINVAL);
	assert_int_equal(route_adopt(r, NULL, 1, T0, T0 + SEC), -EINVAL);
	struct route_entry_config bad = c;
	bad.media = ROUTE_MEDIA_COUNT;
	assert_int_equal(route_adopt(r, &bad, 1, T0, T0 + SEC), -EINVAL);
	/* an id already in the router */
	assert_int_equal(h_enqueue(r, 10, 1, 1, ROUTE_P3, 0, C, T0), 0);
	assert_int_equal(route_adopt(r, &c, 1, T0, T0 + SEC), -TN_ECONFLICT);
	/* none of it changed the agent's load */
	struct route_agent_info a = agent_info(r, 1);
	assert_int_equal(a.chats, 0);
	assert_int_equal(a.offer_entry_id, 10);
	route_free(r);
}

static void release_after_adopt(void **state)
{
	(void)state;
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	h_agent(r, 1, 1, 0, 5, 2, T0);
	struct route_entry_config c = cfg_of(10, 1, 1, C);
	assert_int_equal(route_adopt(r, &c, 1, T0 - 100 * SEC, T0), 0);
	assert_int_equal(route_release(r, 2, 10, T0 + SEC), -TN_ENOTFOUND);  /* not theirs */
	assert_int_equal(route_release(r, 1, 10, T0), 0);
	struct route_agent_info a = agent_info(r, 1);
	assert_int_equal(a.chats, 0);
	assert_int_equal(a.state, ROUTE_STATE_IDLE);
	assert_int_equal(a.last_call_end, T0);
	struct route_entry_info e;
	assert_int_equal(route_entry_get(r, 10, &e), -TN_ENOTFOUND);
	/* the 100 s it was held feed the queue's average: (4 x 300 + 100) / 5 = 260 s */
	json_t *snap = NULL;
	assert_int_equal(route_snapshot(r, 1, T0, &snap), 0);
	json_t *q = json_array_get(json_object_get(snap, "queues"), 0);
	assert_int_equal(json_integer_value(json_object_get(q, "average_handle_ms")), 260 * SEC);
	assert_int_equal(json_integer_value(json_object_get(q, "assigned")), 0);
	json_decref(snap);
	route_free(r);

	/* with a wrap-up time the agent goes to wrap-up, ended early or by the timer */
	r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	int64_t tenant = 1;
	struct route_agent_config ac = {.id = 1, .tenants = &tenant, .n_tenants = 1,
					.chat_capacity = 1, .wrapup_ms = 30 * SEC};
	assert_int_equal(route_agent_add(r, &ac, T0), 0);
	assert_int_equal(route_agent_set_status(r, 1, ROUTE_STATUS_AVAILABLE, T0), 0);
	assert_int_equal(adopt(r, 10, 1, T0 + SEC), 0);
	assert_int_equal(adopt(r, 11, 1, T0 + SEC), -TN_ECONFLICT);
	assert_int_equal(route_release(r, 1, 10, T0 + 2 * SEC), 0);
	assert_int_equal(agent_info(r, 1).state, ROUTE_STATE_WRAP_UP);
	assert_int_equal(route_wrapup_done(r, 1, T0 + 3 * SEC), 0);
	assert_int_equal(agent_info(r, 1).state, ROUTE_STATE_IDLE);
	route_free(r);
}

static void no_offer_while_adopted_fill(void **state)
{
	(void)state;
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	/* as after a restart: the agent joins offline, takes back their chats, then is
	 * available */
	int64_t tenant = 1;
	struct route_agent_config ac = {.id = 1, .tenants = &tenant, .n_tenants = 1,
					.chat_capacity = 3};
	assert_int_equal(route_agent_add(r, &ac, T0), 0);
	for (int64_t id = 10; id < 13; id++)
		assert_int_equal(adopt(r, id, 1, T0), 0);
	assert_int_equal(route_agent_set_status(r, 1, ROUTE_STATUS_AVAILABLE, T0), 0);
	route_actions_clear(r);
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P3, 0, C, T0 + SEC), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_OFFER), 0);
	assert_int_equal(h_state(r, 1), ROUTE_ENTRY_WAITING);
	/* the timers do not change that: past its answer time the entry is raised to P2,
	 * and still nobody is offered it */
	assert_int_equal(route_tick(r, T0 + 122 * SEC), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_ESCALATE_PRIORITY), 1);
	assert_int_equal(h_count(r, ROUTE_ACT_OFFER), 0);
	/* a release frees a place: the waiting entry is offered at once */
	assert_int_equal(route_release(r, 1, 11, T0 + 123 * SEC), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_OFFER), 1);
	assert_int_equal(h_offered_agent(r, 1), 1);
	assert_int_equal(route_accept(r, 1, 1, T0 + 124 * SEC), 0);
	assert_int_equal(agent_info(r, 1).chats, 3);
	/* full again: the next one waits */
	route_actions_clear(r);
	assert_int_equal(h_enqueue(r, 2, 1, 1, ROUTE_P3, 0, C, T0 + 125 * SEC), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_OFFER), 0);
	route_free(r);

	/* an offer out that an adopted chat leaves no room for is withdrawn */
	r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	h_agent(r, 1, 1, 0, 5, 1, T0);
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P3, 0, C, T0), 0);
	assert_int_equal(h_offered_agent(r, 1), 1);
	route_actions_clear(r);
	assert_int_equal(adopt(r, 10, 1, T0 + SEC), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_OFFER_WITHDRAWN), 1);
	assert_int_equal(h_state(r, 1), ROUTE_ENTRY_WAITING);
	assert_int_equal(agent_info(r, 1).offer_entry_id, 0);
	h_agent(r, 2, 1, 0, 5, 1, T0 + 2 * SEC);  /* the next agent gets it */
	assert_int_equal(h_offered_agent(r, 1), 2);
	route_free(r);
}

static void adopted_offline_transfer_and_saved(void **state)
{
	(void)state;
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	h_queue(r, 2, 1, ROUTE_STRATEGY_LONGEST_IDLE);
	h_agent(r, 1, 1, 0, 5, 2, T0);
	assert_int_equal(adopt(r, 10, 1, T0 + SEC), 0);
	assert_int_equal(adopt(r, 11, 1, T0 + SEC), 0);
	/* offline: the conversations stay; the agent cannot be removed while holding them */
	assert_int_equal(route_agent_set_status(r, 1, ROUTE_STATUS_OFFLINE, T0 + 2 * SEC), 0);
	assert_int_equal(agent_info(r, 1).chats, 2);
	assert_int_equal(route_agent_remove(r, 1, T0 + 2 * SEC), -TN_ECONFLICT);
	assert_int_equal(route_agent_set_status(r, 1, ROUTE_STATUS_AVAILABLE, T0 + 3 * SEC), 0);

	/* saved and rebuilt: still assigned to the agent, still filling their capacity */
	json_t *saved = NULL;
	assert_int_equal(route_to_json(r, &saved), 0);
	struct route *b = NULL;
	assert_int_equal(route_from_json(saved, T0 + 4 * SEC, &b), 0);
	json_decref(saved);
	struct route_entry_info e;
	assert_int_equal(route_entry_get(b, 11, &e), 0);
	assert_int_equal(e.state, ROUTE_ENTRY_ASSIGNED);
	assert_int_equal(e.agent_id, 1);
	assert_int_equal(agent_info(b, 1).chats, 2);
	route_actions_clear(b);
	assert_int_equal(h_enqueue(b, 1, 1, 1, ROUTE_P3, 0, C, T0 + 5 * SEC), 0);
	assert_int_equal(h_count(b, ROUTE_ACT_OFFER), 0);

	/* a transfer is a release and a new entry in the other queue: the agent has a place
	 * again, so the waiting entry comes first (older), then the transferred one waits */
	assert_int_equal(route_release(b, 1, 10, T0 + 6 * SEC), 0);
	assert_int_equal(h_offered_agent(b, 1), 1);
	assert_int_equal(h_enqueue(b, 12, 1, 2, ROUTE_P3, 0, C, T0 + 6 * SEC), 0);
	assert_int_equal(h_state(b, 12), ROUTE_ENTRY_WAITING);
	assert_int_equal(route_accept(b, 1, 1, T0 + 7 * SEC), 0);
	assert_int_equal(route_release(b, 1, 11, T0 + 8 * SEC), 0);
	assert_int_equal(h_offered_agent(b, 12), 1);
	route_free(b);
	route_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(adopt_within_capacity),
		cmocka_unit_test(adopt_beyond_capacity),
		cmocka_unit_test(adopt_bad_input),
		cmocka_unit_test(release_after_adopt),
		cmocka_unit_test(no_offer_while_adopted_fill),
		cmocka_unit_test(adopted_offline_transfer_and_saved),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
