/* test_scale.c: 100,000 entries and 1,000 agents: every entry is served exactly once,
 * by an agent of its tenant, most urgent then oldest first. Behaviour only; speed is
 * measured in bench/route. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helper_route.h"

#include <stdlib.h>
#include <string.h>

#define TENANTS 10
#define AGENTS_PER_TENANT 100
#define ENTRIES 100000

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

struct item {
	int64_t tenant, queue, at;
	enum route_priority p;
	enum route_media m;
	int served;
};

static struct item *items;

static int64_t agent_tenant(int64_t agent)
{
	return (agent - 1) / AGENTS_PER_TENANT + 1;
}

static void hundred_thousand(void **state)
{
	struct route *r = route_new();
	static const enum route_strategy strategies[] = {ROUTE_STRATEGY_LONGEST_IDLE,
	                                                 ROUTE_STRATEGY_ROUND_ROBIN,
	                                                 ROUTE_STRATEGY_LEAST_BUSY};
	for (int64_t t = 1; t <= TENANTS; t++)
		for (int64_t k = 0; k < 2; k++)
			h_queue(r, t * 10 + k, t, strategies[(t + k) % 3]);
	for (int64_t a = 1; a <= TENANTS * AGENTS_PER_TENANT; a++) {
		int64_t t = agent_tenant(a);
		struct route_agent_config c = {.id = a, .tenants = &t, .n_tenants = 1,
		                               .chat_capacity = 2};
		for (int s = 0; s < ROUTE_SKILL_COUNT; s++)
			c.levels[s] = 1 + (int)(next_rand() % 10);
		assert_int_equal(route_agent_add(r, &c, T0), 0);
	}
	items = calloc(ENTRIES + 1, sizeof *items);
	assert_non_null(items);
	int64_t depth[TENANTS + 1][2][ROUTE_PRIORITY_COUNT] = {{{0}}};
	for (int64_t e = 1; e <= ENTRIES; e++) {
		struct item *it = &items[e];
		it->tenant = 1 + (int64_t)(next_rand() % TENANTS);
		int64_t k = next_rand() % 2;
		it->queue = it->tenant * 10 + k;
		it->p = (enum route_priority)(next_rand() % 3);
		it->m = next_rand() % 2 ? ROUTE_MEDIA_CHAT : ROUTE_MEDIA_VOICE;
		it->at = T0 + e;
		uint32_t skills = ROUTE_SKILL_BIT(next_rand() % 4) |
		                  (next_rand() % 2 ? SK(EN) : SK(ES));
		assert_int_equal(h_enqueue(r, e, it->tenant, it->queue, it->p, skills, it->m, it->at), 0);
		depth[it->tenant][k][it->p]++;
	}
	/* positions: the newest entry of a queue and class is behind all of its class and
	 * every more urgent one */
	for (int64_t e = ENTRIES; e > ENTRIES - 50; e--) {
		struct item *it = &items[e];
		int64_t k = it->queue % 10, want = 0, got;
		for (int p = 0; p <= (int)it->p; p++)
			want += depth[it->tenant][k][p];
		/* only entries enqueued later than e in the same class stand behind it */
		for (int64_t later = e + 1; later <= ENTRIES; later++)
			if (items[later].queue == it->queue && items[later].p == it->p)
				want--;
		assert_int_equal(route_position(r, e, &got), 0);
		assert_int_equal(got, want);
	}
	json_t *snap;
	assert_int_equal(route_snapshot(r, 0, T0 + ENTRIES, &snap), 0);
	int64_t total = 0;
	json_t *q;
	size_t qi;
	json_array_foreach(json_object_get(snap, "queues"), qi, q) {
		json_t *d = json_object_get(q, "depth");
		total += json_integer_value(json_object_get(d, "p1")) +
		         json_integer_value(json_object_get(d, "p2")) +
		         json_integer_value(json_object_get(d, "p3"));
	}
	json_decref(snap);
	assert_int_equal(total, ENTRIES);

	/* every agent logs in; each accepts whatever it is offered and finishes at once */
	int64_t now = T0 + ENTRIES + 1;
	for (int64_t a = 1; a <= TENANTS * AGENTS_PER_TENANT; a++)
		assert_int_equal(route_agent_set_status(r, a, ROUTE_STATUS_AVAILABLE, now), 0);
	struct rkey_like { int64_t p, at, id; } last[TENANTS + 1][ROUTE_MEDIA_COUNT];
	memset(last, 0, sizeof last);
	int64_t *took = calloc(TENANTS * AGENTS_PER_TENANT + 1, sizeof *took);
	assert_non_null(took);
	size_t cap = 4096, served = 0;
	int64_t (*offers)[2] = malloc(cap * sizeof *offers);
	assert_non_null(offers);
	for (;;) {
		size_t n, k = 0;
		const struct route_action *acts = route_actions(r, &n);
		for (size_t i = 0; i < n; i++) {
			if (acts[i].type != ROUTE_ACT_OFFER)
				continue;
			const struct route_action *x = &acts[i];
			struct item *it = &items[x->entry_id];
			/* tenancy, and the order within a tenant and medium */
			assert_int_equal(agent_tenant(x->agent_id), it->tenant);
			assert_int_equal(x->tenant_id, it->tenant);
			struct rkey_like *l = &last[it->tenant][it->m];
			assert_true(it->p > l->p || (it->p == l->p && it->at > l->at));
			l->p = it->p;
			l->at = it->at;
			if (k == cap) {
				cap *= 2;
				offers = realloc(offers, cap * sizeof *offers);
				assert_non_null(offers);
			}
			offers[k][0] = x->agent_id;
			offers[k][1] = x->entry_id;
			k++;
		}
		route_actions_clear(r);
		if (k == 0)
			break;
		now++;
		for (size_t i = 0; i < k; i++)
			assert_int_equal(route_accept(r, offers[i][0], offers[i][1], now), 0);
		for (size_t i = 0; i < k; i++) {
			assert_int_equal(route_release(r, offers[i][0], offers[i][1], now + 1), 0);
			items[offers[i][1]].served++;
			took[offers[i][0]]++;
			served++;
		}
	}
	assert_int_equal(served, ENTRIES);
	for (int64_t e = 1; e <= ENTRIES; e++)
		assert_int_equal(items[e].served, 1);
	/* the work was spread over every agent */
	for (int64_t a = 1; a <= TENANTS * AGENTS_PER_TENANT; a++)
		assert_true(took[a] > 0);
	assert_int_equal(route_next_deadline(r, now), INT64_MAX);
	free(offers);
	free(took);
	free(items);
	route_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hundred_thousand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
