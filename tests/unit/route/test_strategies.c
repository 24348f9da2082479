/* test_strategies.c: longest_idle, round_robin, least_busy and ring_all pick the agent
 * each promises, and a higher skill level wins at equal strategy keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helper_route.h"

#include "base/err.h"

#include <errno.h>

#define P SK(PLUMBING)

/* Offers e to whoever the strategy picks, has them accept, and returns the agent. */
static int64_t take(struct route *r, int64_t e, enum route_media m, int64_t now)
{
	route_actions_clear(r);
	assert_int_equal(h_enqueue(r, e, 1, 1, ROUTE_P3, P, m, now), 0);
	int64_t a = h_offered_agent(r, e);
	assert_true(a > 0);
	assert_int_equal(route_accept(r, a, e, now), 0);
	assert_int_equal(h_state(r, e), ROUTE_ENTRY_ASSIGNED);
	return a;
}

/* Three agents take one call each, then hang up in the order 3, 2, 1 (agent 3 first),
 * so longest idle and round robin disagree about who is next. */
static void staggered(struct route *r, enum route_strategy s)
{
	h_queue(r, 1, 1, s);
	for (int64_t a = 1; a <= 3; a++)
		h_agent(r, a, 1, P, 5, 0, T0);
	assert_int_equal(take(r, 101, ROUTE_MEDIA_VOICE, T0), 1);
	assert_int_equal(take(r, 102, ROUTE_MEDIA_VOICE, T0 + 1), 2);
	assert_int_equal(take(r, 103, ROUTE_MEDIA_VOICE, T0 + 2), 3);
	assert_int_equal(route_release(r, 3, 103, T0 + 10 * SEC), 0);
	assert_int_equal(route_release(r, 2, 102, T0 + 20 * SEC), 0);
	assert_int_equal(route_release(r, 1, 101, T0 + 30 * SEC), 0);
}

static void longest_idle(void **state)
{
	struct route *r = route_new();
	staggered(r, ROUTE_STRATEGY_LONGEST_IDLE);
	/* agent 3 hung up first: idle longest */
	assert_int_equal(take(r, 104, ROUTE_MEDIA_VOICE, T0 + 40 * SEC), 3);
	assert_int_equal(take(r, 105, ROUTE_MEDIA_VOICE, T0 + 41 * SEC), 2);
	assert_int_equal(route_release(r, 3, 104, T0 + 50 * SEC), 0);
	/* agent 1 (ended at 30 s) has now been idle longer than agent 3 (ended at 50 s) */
	assert_int_equal(take(r, 106, ROUTE_MEDIA_VOICE, T0 + 60 * SEC), 1);
	assert_int_equal(take(r, 107, ROUTE_MEDIA_VOICE, T0 + 61 * SEC), 3);
	route_free(r);
}

static void round_robin(void **state)
{
	struct route *r = route_new();
	staggered(r, ROUTE_STRATEGY_ROUND_ROBIN);
	/* the rotation continues after agent 3, whoever hung up first */
	int64_t want[] = {1, 2, 3, 1, 2, 3};
	for (int i = 0; i < 6; i++) {
		int64_t e = 200 + i, now = T0 + (40 + i) * SEC;
		int64_t a = take(r, e, ROUTE_MEDIA_VOICE, now);
		assert_int_equal(a, want[i]);
		assert_int_equal(route_release(r, a, e, now + 1), 0);
	}
	route_free(r);
}

static void round_robin_skips_busy(void **state)
{
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_ROUND_ROBIN);
	for (int64_t a = 1; a <= 3; a++)
		h_agent(r, a, 1, P, 5, 0, T0);
	assert_int_equal(take(r, 1, ROUTE_MEDIA_VOICE, T0), 1);
	assert_int_equal(take(r, 2, ROUTE_MEDIA_VOICE, T0), 2);
	assert_int_equal(route_release(r, 1, 1, T0 + 1), 0);
	/* agent 2 is busy; 3 is next in turn, then 1 */
	assert_int_equal(take(r, 3, ROUTE_MEDIA_VOICE, T0 + 2), 3);
	assert_int_equal(take(r, 4, ROUTE_MEDIA_VOICE, T0 + 3), 1);
	route_free(r);
}

static void least_busy(void **state)
{
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_LEAST_BUSY);
	h_agent(r, 1, 1, P, 5, 3, T0);
	h_agent(r, 2, 1, P, 5, 3, T0);
	/* chats go to whoever holds the fewest */
	assert_int_equal(take(r, 1, ROUTE_MEDIA_CHAT, T0), 1);
	assert_int_equal(take(r, 2, ROUTE_MEDIA_CHAT, T0 + 1), 2);
	assert_int_equal(take(r, 3, ROUTE_MEDIA_CHAT, T0 + 2), 1);
	assert_int_equal(route_release(r, 1, 1, T0 + 3), 0);
	assert_int_equal(route_release(r, 1, 3, T0 + 4), 0);
	/* agent 1 holds none now, agent 2 holds one */
	assert_int_equal(take(r, 4, ROUTE_MEDIA_CHAT, T0 + 5), 1);
	assert_int_equal(route_release(r, 1, 4, T0 + 6), 0);
	assert_int_equal(route_release(r, 2, 2, T0 + 7), 0);
	/* both hold none: agent 2 took fewer today (1 against 3) */
	assert_int_equal(take(r, 5, ROUTE_MEDIA_VOICE, T0 + 8), 2);
	assert_int_equal(route_release(r, 2, 5, T0 + 9), 0);
	assert_int_equal(take(r, 6, ROUTE_MEDIA_VOICE, T0 + 10), 2);
	assert_int_equal(route_release(r, 2, 6, T0 + 11), 0);
	/* a new day: counts reset, join order decides */
	route_reset_daily(r);
	assert_int_equal(take(r, 7, ROUTE_MEDIA_VOICE, T0 + 12), 1);
	route_free(r);
}

static void ring_all(void **state)
{
	struct route *r = route_new();
	h_queue(r, 1, 1, ROUTE_STRATEGY_RING_ALL);
	for (int64_t a = 1; a <= 3; a++)
		h_agent(r, a, 1, P, 5, 0, T0);
	h_agent(r, 4, 1, SK(HVAC), 5, 0, T0); /* lacks the skill: never rung */
	route_actions_clear(r);
	assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P3, P, ROUTE_MEDIA_VOICE, T0), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_OFFER), 3);
	struct route_entry_info e;
	assert_int_equal(route_entry_get(r, 1, &e), 0);
	assert_int_equal(e.n_offers, 3);
	assert_int_equal(e.state, ROUTE_ENTRY_OFFERED);
	for (int64_t a = 1; a <= 3; a++) {
		struct route_agent_info ai;
		assert_int_equal(route_agent_get(r, a, &ai), 0);
		assert_int_equal(ai.state, ROUTE_STATE_OFFERED);
		assert_int_equal(ai.offer_entry_id, 1);
	}
	route_actions_clear(r);
	/* agents 2 and 1 accept in the same millisecond: the first wins */
	assert_int_equal(route_accept(r, 2, 1, T0 + 5 * SEC), 0);
	assert_int_equal(route_accept(r, 1, 1, T0 + 5 * SEC), -TN_ECONFLICT);
	assert_int_equal(h_count(r, ROUTE_ACT_ASSIGNED), 1);
	assert_int_equal(h_nth(r, ROUTE_ACT_ASSIGNED, 0)->agent_id, 2);
	assert_int_equal(h_count(r, ROUTE_ACT_OFFER_WITHDRAWN), 2);
	int64_t w0 = h_nth(r, ROUTE_ACT_OFFER_WITHDRAWN, 0)->agent_id;
	int64_t w1 = h_nth(r, ROUTE_ACT_OFFER_WITHDRAWN, 1)->agent_id;
	assert_true((w0 == 1 && w1 == 3) || (w0 == 3 && w1 == 1));
	for (int64_t a = 1; a <= 3; a += 2) {
		struct route_agent_info ai;
		assert_int_equal(route_agent_get(r, a, &ai), 0);
		assert_int_equal(ai.state, ROUTE_STATE_IDLE);
		assert_int_equal(ai.offer_entry_id, 0);
	}
	/* the next entry rings the two agents still free; nobody answers */
	route_actions_clear(r);
	assert_int_equal(h_enqueue(r, 2, 1, 1, ROUTE_P3, P, ROUTE_MEDIA_VOICE, T0 + 6 * SEC), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_OFFER), 2);
	route_actions_clear(r);
	assert_int_equal(route_tick(r, T0 + 26 * SEC), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_OFFER_EXPIRED), 2);
	/* both are rung again (second attempt of two) */
	assert_int_equal(h_count(r, ROUTE_ACT_OFFER), 2);
	route_actions_clear(r);
	assert_int_equal(route_tick(r, T0 + 46 * SEC), 0);
	assert_int_equal(h_count(r, ROUTE_ACT_OFFER_EXPIRED), 2);
	assert_int_equal(h_count(r, ROUTE_ACT_OFFER), 0);
	assert_int_equal(h_state(r, 2), ROUTE_ENTRY_WAITING);
	route_free(r);
}

static void level_breaks_ties(void **state)
{
	static const enum route_strategy all[] = {ROUTE_STRATEGY_LONGEST_IDLE,
	                                          ROUTE_STRATEGY_ROUND_ROBIN,
	                                          ROUTE_STRATEGY_LEAST_BUSY};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		struct route *r = route_new();
		h_queue(r, 1, 1, all[i]);
		h_agent(r, 1, 1, P | SK(ES), 3, 0, T0);
		h_agent(r, 2, 1, P | SK(ES), 9, 0, T0);
		h_agent(r, 3, 1, P | SK(ES), 6, 0, T0);
		route_actions_clear(r);
		assert_int_equal(h_enqueue(r, 1, 1, 1, ROUTE_P3, P | SK(ES), ROUTE_MEDIA_VOICE, T0), 0);
		assert_int_equal(h_offered_agent(r, 1), 2);
		assert_int_equal(h_enqueue(r, 2, 1, 1, ROUTE_P3, P | SK(ES), ROUTE_MEDIA_VOICE, T0), 0);
		assert_int_equal(h_offered_agent(r, 2), 3);
		route_free(r);
	}
}

static void strategy_names(void **state)
{
	static const char *const names[] = {"longest_idle", "round_robin", "least_busy",
	                                    "ring_all"};
	for (int i = 0; i < ROUTE_STRATEGY_COUNT; i++) {
		enum route_strategy s;
		assert_string_equal(route_strategy_name((enum route_strategy)i), names[i]);
		assert_int_equal(route_strategy_parse(names[i], &s), 0);
		assert_int_equal(s, i);
	}
	enum route_strategy s;
	assert_int_equal(route_strategy_parse("random", &s), -EINVAL);
	assert_int_equal(route_strategy_parse(NULL, &s), -EINVAL);
	assert_string_equal(route_strategy_name(ROUTE_STRATEGY_COUNT), "?");
	/* the default strategy is longest idle */
	struct route_queue_config c = {0};
	assert_int_equal(c.strategy, ROUTE_STRATEGY_LONGEST_IDLE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(longest_idle),
		cmocka_unit_test(round_robin),
		cmocka_unit_test(round_robin_skips_busy),
		cmocka_unit_test(least_busy),
		cmocka_unit_test(ring_all),
		cmocka_unit_test(level_breaks_ties),
		cmocka_unit_test(strategy_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
