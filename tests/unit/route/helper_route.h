/* helper_route.h: small builders and action queries for the routing tests. */
#ifndef TANDEM_TESTS_ROUTE_HELPER_H
#define TANDEM_TESTS_ROUTE_HELPER_H

#include "route/route.h"

#define T0 1767225600000LL /* 2026-01-01 00:00 UTC, in ms */
#define SEC 1000LL

#define SK(s) ROUTE_SKILL_BIT(ROUTE_SKILL_##s)

/* A queue config with test defaults: SLA 30/60/120 s (P1/P2/P3), offer timeout 20 s,
 * 2 attempts per agent, callback overflow, 300 s average handle time. */
struct route_queue_config h_queue_config(int64_t id, int64_t tenant, enum route_strategy s);
/* Adds a queue with the defaults; fails the test on error. */
void h_queue(struct route *r, int64_t id, int64_t tenant, enum route_strategy s);
/* Adds an agent serving one tenant with each skill in `skills` at `level`, then sets it
 * available at now; fails the test on error. */
void h_agent(struct route *r, int64_t id, int64_t tenant, uint32_t skills, int level,
             int chat_capacity, int64_t now);
/* Adds an offline agent serving n tenants (levels 5), not yet available. */
void h_agent_multi(struct route *r, int64_t id, const int64_t *tenants, size_t n,
                   uint32_t skills, int chat_capacity, int64_t now);
/* Enqueues entry id (conversation id = id + 1000) and returns the result code. */
int h_enqueue(struct route *r, int64_t id, int64_t tenant, int64_t queue,
              enum route_priority p, uint32_t skills, enum route_media m, int64_t now);
/* Like h_enqueue, with a due time (a callback). */
int h_callback(struct route *r, int64_t id, int64_t tenant, int64_t queue, int64_t due,
               int64_t now);
/* Number of actions of a type since the last clear. */
size_t h_count(struct route *r, enum route_action_type t);
/* The n-th (0-based) action of a type, or NULL. */
const struct route_action *h_nth(struct route *r, enum route_action_type t, size_t n);
/* The agent the entry is currently offered to (single offer), or 0. */
int64_t h_offered_agent(struct route *r, int64_t entry_id);
/* The entry's state. */
enum route_entry_state h_state(struct route *r, int64_t entry_id);
/* All actions as one line of text (type:entry:agent ...), for comparisons; owned. */
char *h_actions_text(struct route *r);

#endif
