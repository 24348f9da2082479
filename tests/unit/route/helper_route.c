/* helper_route.c: small builders and action queries for the routing tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helper_route.h"

#include "base/buf.h"

#include <stdlib.h>

struct route_queue_config h_queue_config(int64_t id, int64_t tenant, enum route_strategy s)
{
	struct route_queue_config c = {
		.id = id,
		.tenant_id = tenant,
		.name = "main",
		.strategy = s,
		.sla_ms = {30 * SEC, 60 * SEC, 120 * SEC},
		.overflow = ROUTE_OVERFLOW_CALLBACK,
		.offer_timeout_ms = 20 * SEC,
		.max_attempts = 2,
		.handle_ms = 300 * SEC,
	};
	return c;
}

void h_queue(struct route *r, int64_t id, int64_t tenant, enum route_strategy s)
{
	struct route_queue_config c = h_queue_config(id, tenant, s);
	assert_int_equal(route_queue_add(r, &c), 0);
}

void h_agent_multi(struct route *r, int64_t id, const int64_t *tenants, size_t n,
                   uint32_t skills, int chat_capacity, int64_t now)
{
	struct route_agent_config c = {.id = id, .tenants = tenants, .n_tenants = n,
	                               .chat_capacity = chat_capacity};
	for (int s = 0; s < ROUTE_SKILL_COUNT; s++)
		c.levels[s] = (skills & ROUTE_SKILL_BIT(s)) ? 5 : 0;
	assert_int_equal(route_agent_add(r, &c, now), 0);
}

void h_agent(struct route *r, int64_t id, int64_t tenant, uint32_t skills, int level,
             int chat_capacity, int64_t now)
{
	struct route_agent_config c = {.id = id, .tenants = &tenant, .n_tenants = 1,
	                               .chat_capacity = chat_capacity};
	for (int s = 0; s < ROUTE_SKILL_COUNT; s++)
		c.levels[s] = (skills & ROUTE_SKILL_BIT(s)) ? level : 0;
	assert_int_equal(route_agent_add(r, &c, now), 0);
	assert_int_equal(route_agent_set_status(r, id, ROUTE_STATUS_AVAILABLE, now), 0);
}

int h_enqueue(struct route *r, int64_t id, int64_t tenant, int64_t queue,
              enum route_priority p, uint32_t skills, enum route_media m, int64_t now)
{
	struct route_entry_config c = {.id = id, .conversation_id = id + 1000,
	                               .tenant_id = tenant, .queue_id = queue, .priority = p,
	                               .skills = skills, .media = m};
	return route_enqueue(r, &c, now);
}

int h_callback(struct route *r, int64_t id, int64_t tenant, int64_t queue, int64_t due,
               int64_t now)
{
	struct route_entry_config c = {.id = id, .conversation_id = id + 1000,
	                               .tenant_id = tenant, .queue_id = queue,
	                               .priority = ROUTE_P3, .media = ROUTE_MEDIA_VOICE,
	                               .due_at = due};
	return route_enqueue(r, &c, now);
}

size_t h_count(struct route *r, enum route_action_type t)
{
	size_t n, k = 0;
	const struct route_action *a = route_actions(r, &n);
	for (size_t i = 0; i < n; i++)
		k += a[i].type == t;
	return k;
}

const struct route_action *h_nth(struct route *r, enum route_action_type t, size_t nth)
{
	size_t n;
	const struct route_action *a = route_actions(r, &n);
	for (size_t i = 0; i < n; i++)
		if (a[i].type == t && nth-- == 0)
			return &a[i];
	return NULL;
}

int64_t h_offered_agent(struct route *r, int64_t entry_id)
{
	struct route_entry_info e;
	assert_int_equal(route_entry_get(r, entry_id, &e), 0);
	if (e.state != ROUTE_ENTRY_OFFERED)
		return 0;
	assert_int_equal(e.n_offers, 1);
	return e.offer_agent_id;
}

enum route_entry_state h_state(struct route *r, int64_t entry_id)
{
	struct route_entry_info e;
	assert_int_equal(route_entry_get(r, entry_id, &e), 0);
	return e.state;
}

char *h_actions_text(struct route *r)
{
	struct buf b = BUF_INIT;
	size_t n;
	const struct route_action *a = route_actions(r, &n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(buf_printf(&b, "%s:%lld:%lld:%lld:%lld:%lld:%s ",
		                            route_action_name(a[i].type), (long long)a[i].entry_id,
		                            (long long)a[i].agent_id, (long long)a[i].queue_id,
		                            (long long)a[i].at, (long long)a[i].to_queue_id,
		                            route_priority_name(a[i].priority)), 0);
	char *s = buf_take(&b);
	assert_non_null(s);
	return s;
}
