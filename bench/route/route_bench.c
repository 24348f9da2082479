/* route_bench.c: routing throughput: enqueues into a backlog, assignments drained from
 * that backlog by 1,000 agents, and full cycles (enqueue, offer, accept, release) with
 * agents idle. Prints the median of several runs as its last lines. */
#include "route/route.h"
#include "base/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TENANTS 10
#define PER_TENANT 100
#define AGENTS (TENANTS * PER_TENANT)

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "route_bench: %s failed (%d)\n", what, rc);
	exit(1);
}

static struct route *setup(int64_t now, int available)
{
	struct route *r = route_new();
	if (!r)
		die("route_new", -1);
	static const enum route_strategy s[] = {ROUTE_STRATEGY_LONGEST_IDLE,
	                                        ROUTE_STRATEGY_ROUND_ROBIN,
	                                        ROUTE_STRATEGY_LEAST_BUSY};
	for (int64_t t = 1; t <= TENANTS; t++)
		for (int64_t k = 0; k < 2; k++) {
			struct route_queue_config q = {
				.id = t * 10 + k, .tenant_id = t, .name = "q", .strategy = s[(t + k) % 3],
				.sla_ms = {30000, 60000, 120000}, .offer_timeout_ms = 20000,
				.max_attempts = 2, .handle_ms = 300000};
			int rc = route_queue_add(r, &q);
			if (rc)
				die("queue_add", rc);
		}
	for (int64_t a = 1; a <= AGENTS; a++) {
		int64_t t = (a - 1) / PER_TENANT + 1;
		struct route_agent_config c = {.id = a, .tenants = &t, .n_tenants = 1,
		                               .chat_capacity = 2};
		/* every agent has two of the four trades and one or both languages */
		c.levels[rnd() % 4] = 1 + (int)(rnd() % 10);
		c.levels[rnd() % 4] = 1 + (int)(rnd() % 10);
		c.levels[ROUTE_SKILL_EN] = 5;
		if (rnd() % 2)
			c.levels[ROUTE_SKILL_ES] = 5;
		int rc = route_agent_add(r, &c, now);
		if (!rc && available)
			rc = route_agent_set_status(r, a, ROUTE_STATUS_AVAILABLE, now);
		if (rc)
			die("agent_add", rc);
	}
	return r;
}

static struct route_entry_config entry(int64_t id)
{
	int64_t t = 1 + rnd() % TENANTS;
	struct route_entry_config c = {
		.id = id, .conversation_id = id, .tenant_id = t, .queue_id = t * 10 + rnd() % 2,
		.priority = (enum route_priority)(rnd() % 3),
		.skills = ROUTE_SKILL_BIT(rnd() % 4) | ROUTE_SKILL_BIT(ROUTE_SKILL_EN),
		.media = rnd() % 2 ? ROUTE_MEDIA_CHAT : ROUTE_MEDIA_VOICE};
	return c;
}

/* Accepts every offer made since the last call and releases it at once; returns the
 * number of assignments. */
static size_t serve(struct route *r, int64_t *now)
{
	size_t n, k = 0, done = 0;
	const struct route_action *a = route_actions(r, &n);
	static int64_t (*pairs)[2];
	static size_t cap;
	if (n > cap) {
		cap = n * 2;
		pairs = realloc(pairs, cap * sizeof *pairs);
		if (!pairs)
			die("realloc", -1);
	}
	for (size_t i = 0; i < n; i++)
		if (a[i].type == ROUTE_ACT_OFFER) {
			pairs[k][0] = a[i].agent_id;
			pairs[k][1] = a[i].entry_id;
			k++;
		}
	route_actions_clear(r);
	(*now)++;
	for (size_t i = 0; i < k; i++) {
		int rc = route_accept(r, pairs[i][0], pairs[i][1], *now);
		if (rc)
			die("accept", rc);
		rc = route_release(r, pairs[i][0], pairs[i][1], *now);
		if (rc)
			die("release", rc);
		done++;
	}
	return done;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int64_t backlog = argc > 1 ? strtoll(argv[1], NULL, 10) : 200000;
	int runs = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5;
	if (backlog < 1 || runs < 1 || runs > 50)
		die("arguments", -1);
	double enq[50], drain[50], cycle[50];
	for (int run = 0; run < runs; run++) {
		int64_t now = 1767225600000LL;
		/* 1: a backlog builds up while every agent is logged out */
		struct route *r = setup(now, 0);
		uint64_t t0 = clock_mono_ns();
		for (int64_t e = 1; e <= backlog; e++) {
			struct route_entry_config c = entry(e);
			int rc = route_enqueue(r, &c, now + e);
			if (rc)
				die("enqueue", rc);
		}
		uint64_t t1 = clock_mono_ns();
		enq[run] = (double)backlog / ((double)(t1 - t0) / 1e9);
		/* 2: agents log in and drain it: each assignment is an agent finding the best
		 * entry over its tenant's queues, an accept and a release */
		now += backlog + 1;
		for (int64_t a = 1; a <= AGENTS; a++)
			route_agent_set_status(r, a, ROUTE_STATUS_AVAILABLE, now);
		size_t served = 0, got;
		t0 = clock_mono_ns();
		while ((got = serve(r, &now)) > 0)
			served += got;
		t1 = clock_mono_ns();
		drain[run] = (double)served / ((double)(t1 - t0) / 1e9);
		route_free(r);
		/* 3: agents idle, entries arrive one at a time: enqueue, offer, accept, release */
		r = setup(now, 1);
		int64_t cycles = backlog / 2;
		t0 = clock_mono_ns();
		for (int64_t e = 1; e <= cycles; e++) {
			struct route_entry_config c = entry(e);
			int rc = route_enqueue(r, &c, ++now);
			if (rc)
				die("enqueue", rc);
			serve(r, &now);
		}
		t1 = clock_mono_ns();
		cycle[run] = (double)cycles / ((double)(t1 - t0) / 1e9);
		route_free(r);
		fprintf(stderr, "run %d: enqueue %.0f/s, drain %.0f/s (%zu served), cycle %.0f/s\n",
		        run + 1, enq[run], drain[run], served, cycle[run]);
	}
	qsort(enq, (size_t)runs, sizeof enq[0], cmp_double);
	qsort(drain, (size_t)runs, sizeof drain[0], cmp_double);
	qsort(cycle, (size_t)runs, sizeof cycle[0], cmp_double);
	printf("agents %d (%d tenants, 2 queues each), backlog %lld entries, median of %d runs\n",
	       AGENTS, TENANTS, (long long)backlog, runs);
	printf("enqueue into a growing backlog: %.0f entries/s\n", enq[runs / 2]);
	printf("assignments draining the backlog (offer+accept+release): %.0f/s\n", drain[runs / 2]);
	printf("full cycles with idle agents (enqueue+offer+accept+release): %.0f/s\n",
	       cycle[runs / 2]);
	return 0;
}
