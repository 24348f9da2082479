/* route.h: the ACD (automatic call distributor): queues, agents, entries, offers, SLA
 * timers, overflow and callbacks. Pure logic: no sockets, no threads, no global state;
 * every operation takes "now" (Unix milliseconds) from the caller, who drives it from
 * the loop's timers with route_tick() and route_next_deadline().
 *
 * Vocabulary. An agent's STATUS is set by the human (offline, available, break); its
 * STATE is set by the router (idle, offered, busy, wrap_up). A queue belongs to one
 * tenant; an agent serves one or more tenants and only ever receives entries of those
 * tenants. An entry (a queue member) is one conversation waiting for a human.
 *
 * Outputs. Operations do not call back into the app: they append "actions" (OFFER,
 * ASSIGNED, SLA_BREACH, OVERFLOW, ...) to the router's action list, which the app reads
 * with route_actions() and empties with route_actions_clear() after executing them.
 *
 * Cost. Waiting entries are kept per queue in order-statistics trees (treaps) keyed by
 * (priority class, enqueued_at, id), one tree per required-skill set, plus one per
 * priority class for positions. Available agents are kept per queue and required-skill
 * set in trees keyed by the queue's strategy. Matching an entry to an agent, or an agent
 * to an entry, is O(log n) in entries and agents (times the number of queues of the
 * agent's tenants and of distinct skill sets in use, both small and independent of n);
 * position is O(log n); timers are trees keyed by due time, so route_tick() costs
 * O(log n) per expired timer. Only ring_all touches every eligible agent, because it
 * offers to all of them. See docs/internals/route.md.
 *
 * Errors. Functions return 0 or a negative errno: -EINVAL for bad arguments,
 * -TN_ENOTFOUND for an unknown id, -TN_ECONFLICT for an operation the current state does
 * not allow, -ETIMEDOUT for an accept of an offer that has expired or been withdrawn,
 * -ENOMEM. A failed call with bad input changes nothing. On -ENOMEM in the middle of an
 * operation the router stays internally consistent but some actions may be missing;
 * the app should rebuild it from its last serialised state. */
#ifndef TANDEM_ROUTE_ROUTE_H
#define TANDEM_ROUTE_ROUTE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct route;

/* Skills: trades, and languages. An entry needing several goes only to agents with all
 * of them; an agent holds each with a level 1..10 (0 = does not have it). */
#define ROUTE_SKILLS(X)                  \
	X(HVAC, "hvac")                  \
	X(PLUMBING, "plumbing")          \
	X(ELECTRICAL, "electrical")      \
	X(GENERAL, "general")            \
	X(EN, "en")                      \
	X(ES, "es")

enum route_skill {
#define ROUTE_SKILL_ENUM(id, name) ROUTE_SKILL_##id,
	ROUTE_SKILLS(ROUTE_SKILL_ENUM)
#undef ROUTE_SKILL_ENUM
	ROUTE_SKILL_COUNT
};
#define ROUTE_SKILL_BIT(s) (1u << (s))
#define ROUTE_SKILL_ALL ((1u << ROUTE_SKILL_COUNT) - 1u)
#define ROUTE_LANG_BITS (ROUTE_SKILL_BIT(ROUTE_SKILL_EN) | ROUTE_SKILL_BIT(ROUTE_SKILL_ES))
#define ROUTE_LEVEL_MAX 10

/* Queue strategies: which available agent gets the next entry. */
#define ROUTE_STRATEGIES(X)                 \
	X(LONGEST_IDLE, "longest_idle")     \
	X(ROUND_ROBIN, "round_robin")       \
	X(LEAST_BUSY, "least_busy")         \
	X(RING_ALL, "ring_all")

enum route_strategy {
#define ROUTE_STRATEGY_ENUM(id, name) ROUTE_STRATEGY_##id,
	ROUTE_STRATEGIES(ROUTE_STRATEGY_ENUM)
#undef ROUTE_STRATEGY_ENUM
	ROUTE_STRATEGY_COUNT
};

/* Priority classes, most urgent first (P1 emergency, P2 escalated, P3 routine and
 * callbacks). A lower enum value is served first. */
#define ROUTE_PRIORITIES(X) X(P1, "p1") X(P2, "p2") X(P3, "p3")

enum route_priority {
#define ROUTE_PRIORITY_ENUM(id, name) ROUTE_##id,
	ROUTE_PRIORITIES(ROUTE_PRIORITY_ENUM)
#undef ROUTE_PRIORITY_ENUM
	ROUTE_PRIORITY_COUNT
};

/* What happens when an entry still waits at the SLA of the most urgent class: move to
 * another queue of the tenant, relax the skills to any agent of the tenant who speaks
 * the customer's language, or offer the customer a callback. */
#define ROUTE_OVERFLOWS(X)              \
	X(CALLBACK, "callback")         \
	X(QUEUE, "queue")               \
	X(ANY_AGENT, "any_agent")

enum route_overflow {
#define ROUTE_OVERFLOW_ENUM(id, name) ROUTE_OVERFLOW_##id,
	ROUTE_OVERFLOWS(ROUTE_OVERFLOW_ENUM)
#undef ROUTE_OVERFLOW_ENUM
	ROUTE_OVERFLOW_COUNT
};

/* A voice call takes the whole agent; an agent holds up to chat_capacity chats. */
#define ROUTE_MEDIAS(X) X(VOICE, "voice") X(CHAT, "chat")

enum route_media {
#define ROUTE_MEDIA_ENUM(id, name) ROUTE_MEDIA_##id,
	ROUTE_MEDIAS(ROUTE_MEDIA_ENUM)
#undef ROUTE_MEDIA_ENUM
	ROUTE_MEDIA_COUNT
};

/* Agent status, set by the human. */
#define ROUTE_STATUSES(X) X(OFFLINE, "offline") X(AVAILABLE, "available") X(BREAK, "break")

enum route_status {
#define ROUTE_STATUS_ENUM(id, name) ROUTE_STATUS_##id,
	ROUTE_STATUSES(ROUTE_STATUS_ENUM)
#undef ROUTE_STATUS_ENUM
	ROUTE_STATUS_COUNT
};

/* Agent state, set by the router: idle (no conversation, no offer), offered (an offer
 * is out to them), busy (holding at least one conversation), wrap_up (after a
 * conversation, until route_wrapup_done() or the wrap-up time passes). */
#define ROUTE_STATES(X) X(IDLE, "idle") X(OFFERED, "offered") X(BUSY, "busy") \
	X(WRAP_UP, "wrap_up")

enum route_state {
#define ROUTE_STATE_ENUM(id, name) ROUTE_STATE_##id,
	ROUTE_STATES(ROUTE_STATE_ENUM)
#undef ROUTE_STATE_ENUM
	ROUTE_STATE_COUNT
};

/* Entry states: callback (a callback not yet due: never offered before due_at),
 * waiting, offered (one offer, or several under ring_all), assigned (an agent accepted),
 * abandoned (only ever reported: an abandoned entry leaves the router). */
#define ROUTE_ENTRY_STATES(X) X(CALLBACK, "callback") X(WAITING, "waiting") \
	X(OFFERED, "offered") X(ASSIGNED, "assigned") X(ABANDONED, "abandoned")

enum route_entry_state {
#define ROUTE_ENTRY_STATE_ENUM(id, name) ROUTE_ENTRY_##id,
	ROUTE_ENTRY_STATES(ROUTE_ENTRY_STATE_ENUM)
#undef ROUTE_ENTRY_STATE_ENUM
	ROUTE_ENTRY_STATE_COUNT
};

/* What the app must do. Fields not listed for a type are 0.
 * OFFER           show entry to agent; it expires at `at` (route_tick() expires it).
 * OFFER_EXPIRED   the agent did not answer in time; the offer is gone.
 * OFFER_WITHDRAWN the offer is gone (someone else accepted under ring_all, the agent
 *                 logged out, the customer left).
 * ASSIGNED        the agent owns the conversation from now (`at` = now).
 * SLA_BREACH      the entry waited past its SLA (once per entry).
 * ESCALATE_PRIORITY the entry moved up to class `priority`.
 * OVERFLOW        the entry moved to queue `to_queue_id` (0: any agent of the tenant
 *                 who speaks the customer's language).
 * CALLBACK_OFFER  nobody could take it: offer the customer a callback. The entry has
 *                 left the router; enqueue the callback later with a due time.
 * CALLBACK_DUE    a callback entry reached its due time and now waits for an agent.
 * WRAPUP_END      the agent's wrap-up time is over (`agent_id`). */
#define ROUTE_ACTIONS(X)                          \
	X(OFFER, "offer")                         \
	X(OFFER_EXPIRED, "offer_expired")         \
	X(OFFER_WITHDRAWN, "offer_withdrawn")     \
	X(ASSIGNED, "assigned")                   \
	X(SLA_BREACH, "sla_breach")               \
	X(ESCALATE_PRIORITY, "escalate_priority") \
	X(OVERFLOW, "overflow")                   \
	X(CALLBACK_OFFER, "callback_offer")       \
	X(CALLBACK_DUE, "callback_due")           \
	X(WRAPUP_END, "wrapup_end")

enum route_action_type {
#define ROUTE_ACTION_ENUM(id, name) ROUTE_ACT_##id,
	ROUTE_ACTIONS(ROUTE_ACTION_ENUM)
#undef ROUTE_ACTION_ENUM
	ROUTE_ACTION_COUNT
};

struct route_action {
	enum route_action_type type;
	int64_t entry_id;         /* 0 for WRAPUP_END */
	int64_t conversation_id;
	int64_t tenant_id;
	int64_t queue_id;         /* the entry's queue when the action was made */
	int64_t agent_id;         /* OFFER*, ASSIGNED, WRAPUP_END */
	int64_t at;               /* OFFER: expires_at; ASSIGNED: accepted at */
	int64_t to_queue_id;      /* OVERFLOW */
	enum route_priority priority; /* the entry's class after the action */
};

/* Names of the enums ("?" when out of range) and their parsers (0 or -EINVAL;
 * exact, case-sensitive names). */
const char *route_skill_name(enum route_skill s);
int route_skill_parse(const char *s, enum route_skill *out);
const char *route_strategy_name(enum route_strategy s);
int route_strategy_parse(const char *s, enum route_strategy *out);
const char *route_priority_name(enum route_priority p);
int route_priority_parse(const char *s, enum route_priority *out);
const char *route_overflow_name(enum route_overflow o);
int route_overflow_parse(const char *s, enum route_overflow *out);
const char *route_media_name(enum route_media m);
int route_media_parse(const char *s, enum route_media *out);
const char *route_status_name(enum route_status s);
int route_status_parse(const char *s, enum route_status *out);
const char *route_state_name(enum route_state s);
int route_state_parse(const char *s, enum route_state *out);
const char *route_entry_state_name(enum route_entry_state s);
int route_entry_state_parse(const char *s, enum route_entry_state *out);
const char *route_action_name(enum route_action_type t);
int route_action_parse(const char *s, enum route_action_type *out);

/* ---- the router ---- */

/* A new, empty router (owned; free with route_free). NULL when out of memory. */
struct route *route_new(void);
/* Frees the router and everything in it. NULL is allowed. */
void route_free(struct route *r);

/* Actions produced since the last route_actions_clear(), oldest first. The array is
 * borrowed and valid until the next call that changes the router. */
const struct route_action *route_actions(const struct route *r, size_t *n);
/* Forgets the actions read so far. */
void route_actions_clear(struct route *r);

/* ---- queues ---- */

struct route_queue_config {
	int64_t id;                   /* > 0, unique */
	int64_t tenant_id;            /* > 0 */
	const char *name;             /* copied; 1..63 bytes */
	enum route_strategy strategy; /* ROUTE_STRATEGY_LONGEST_IDLE is the default (0) */
	int64_t sla_ms[ROUTE_PRIORITY_COUNT]; /* > 0: time to answer, per class */
	enum route_overflow overflow;
	int64_t overflow_queue_id;    /* ROUTE_OVERFLOW_QUEUE: a queue of the same tenant */
	int64_t offer_timeout_ms;     /* > 0, e.g. 20000 */
	int max_attempts;             /* offers of one entry to one agent, >= 1 */
	uint32_t skills;              /* ROUTE_SKILL_BIT set every entry of it needs; 0 */
	int64_t handle_ms;            /* initial average handle time (> 0) for estimates */
};

/* Adds a queue. The overflow queue may be added later; if it is missing (or of another
 * tenant) when the overflow happens, the entry gets a callback offer instead.
 * 0, -EINVAL (bad field), -TN_ECONFLICT (id exists), -ENOMEM. */
int route_queue_add(struct route *r, const struct route_queue_config *cfg);

/* Changes a queue's settings while it runs (cfg->id names it; its tenant and skills
 * cannot change): the strategy re-orders the available agents at once, a new answer time
 * applies to the clocks already running (each keeps its start), the offer timeout and
 * attempts to the next offers, the overflow rule to the next overflow. Produces no
 * actions; a clock that is now past runs at the next route_tick(). 0, -EINVAL,
 * -TN_ENOTFOUND, -ENOMEM. */
int route_queue_update(struct route *r, const struct route_queue_config *cfg, int64_t now);

/* ---- agents ---- */

#define ROUTE_TENANTS_MAX 64  /* tenants one agent may serve */
#define ROUTE_CHAT_MAX 32     /* chats one agent may hold */

struct route_agent_config {
	int64_t id;                   /* > 0, unique (the user id) */
	const int64_t *tenants;       /* borrowed; 1..ROUTE_TENANTS_MAX distinct ids > 0 */
	size_t n_tenants;
	int levels[ROUTE_SKILL_COUNT];/* 0 (lacks it) or 1..10 per skill */
	int chat_capacity;            /* 0..ROUTE_CHAT_MAX; 0 = voice only */
	int64_t wrapup_ms;            /* >= 0: wrap-up after each conversation */
};

/* Adds an agent, offline and idle since now. 0, -EINVAL, -TN_ECONFLICT (id exists),
 * -ENOMEM. */
int route_agent_add(struct route *r, const struct route_agent_config *cfg, int64_t now);
/* Removes an agent; an outstanding offer is withdrawn and its entry offered to someone
 * else. -TN_ENOTFOUND, or -TN_ECONFLICT while the agent still holds conversations
 * (release them first). */
int route_agent_remove(struct route *r, int64_t agent_id, int64_t now);
/* Sets the agent's status. Leaving "available" withdraws an outstanding offer (its
 * entry goes to the next agent) but keeps conversations already accepted; becoming
 * available may produce an OFFER at once. 0, -EINVAL, -TN_ENOTFOUND. */
int route_agent_set_status(struct route *r, int64_t agent_id, enum route_status status,
                           int64_t now);
/* Starts a new day for least_busy: every agent's calls_taken becomes 0. */
void route_reset_daily(struct route *r);

/* ---- entries ---- */

struct route_entry_config {
	int64_t id;                 /* > 0, unique (the queue entry id) */
	int64_t conversation_id;
	int64_t tenant_id;          /* must be the queue's tenant */
	int64_t queue_id;
	enum route_priority priority;
	uint32_t skills;            /* ROUTE_SKILL_BIT set: trades and language needed */
	enum route_media media;
	int64_t due_at;             /* callbacks: not offered before; 0 = now */
};

/* Puts an entry in its queue. A callback (due_at > now) waits in state callback until
 * due; otherwise the entry waits and may be offered at once. Its SLA clock starts at
 * now (or due_at). 0, -EINVAL, -TN_ENOTFOUND (no such queue), -TN_ECONFLICT (id exists),
 * -ENOMEM. */
int route_enqueue(struct route *r, const struct route_entry_config *cfg, int64_t now);
/* The customer left (abandoned): the entry leaves the router and any offers of it are
 * withdrawn. -TN_ENOTFOUND, -TN_ECONFLICT when it is assigned (use route_release). */
int route_dequeue(struct route *r, int64_t entry_id, int64_t now);
/* The customer left but will be called back: like route_dequeue, but counted among the
 * queue's callbacks offered instead of its abandoned entries. */
int route_dequeue_callback(struct route *r, int64_t entry_id, int64_t now);

/* The entry became more urgent while it waits (the customer reported an emergency):
 * it moves up to class p (ESCALATE_PRIORITY) and the new class's answer time runs from
 * now. A class no more urgent than the entry's changes nothing. -EINVAL, -TN_ENOTFOUND,
 * -TN_ECONFLICT when it is not waiting or offered (a callback not yet due, assigned). */
int route_raise_priority(struct route *r, int64_t entry_id, enum route_priority p, int64_t now);

/* The agent accepts the offered entry. Exactly one accept wins: the entry becomes
 * assigned, ASSIGNED is emitted and any other offers of it (ring_all) are withdrawn.
 * A second accept gets -TN_ECONFLICT (someone else has it); an accept at or after the
 * offer's expiry, or after it was withdrawn, gets -ETIMEDOUT (an expired offer is
 * expired on the spot, with OFFER_EXPIRED); an accept without any offer, or of an
 * unknown entry or agent, gets -TN_ENOTFOUND. */
int route_accept(struct route *r, int64_t agent_id, int64_t entry_id, int64_t now);
/* The agent declines the offer: the entry goes to another agent and is never offered
 * to this agent again. -TN_ENOTFOUND when the agent has no offer of that entry. */
int route_decline(struct route *r, int64_t agent_id, int64_t entry_id, int64_t now);
/* The agent finished the conversation: the entry leaves the router, the agent's handle
 * time feeds the queue's average and the agent goes to wrap-up (or straight back to
 * idle when its wrap-up time is 0). -TN_ENOTFOUND when the entry is not assigned to
 * that agent. */
int route_release(struct route *r, int64_t agent_id, int64_t entry_id, int64_t now);
/* Puts an entry straight into the assigned state on agent_id, as if the agent had
 * accepted it at assigned_at: for a conversation a person already owned before the
 * router was rebuilt (a restart). It counts against the agent's capacity exactly as an
 * accepted offer does (a voice entry takes the whole agent, chats up to the capacity),
 * so no offer goes to an agent it fills; release, wrap-up, the agent going offline,
 * inspection and saving work on it as on an accepted entry. It is not counted among the
 * queue's answered entries nor the agent's calls taken (it was answered before). An
 * offer out to the agent that no longer fits is withdrawn (its entry goes to the next
 * agent). No ASSIGNED action is produced. -EINVAL (bad field, assigned_at not in
 * 1..now), -TN_ENOTFOUND (no such agent, an agent not serving the entry's tenant, no
 * such queue), -TN_ECONFLICT (the agent has no room for it, or the id exists), -ENOMEM. */
int route_adopt(struct route *r, const struct route_entry_config *cfg, int64_t agent_id,
                int64_t assigned_at, int64_t now);
/* Ends the agent's wrap-up early. -TN_ENOTFOUND, -TN_ECONFLICT when not in wrap-up. */
int route_wrapup_done(struct route *r, int64_t agent_id, int64_t now);

/* Runs every timer due at or before now, in time order: expires offers (the entry goes
 * to the next agent), ends wrap-ups, makes callbacks due, and at each SLA deadline
 * reports the breach, raises the class one step (P3 -> P2 -> P1) and, past the P1
 * SLA, applies the queue's overflow rule; past the overflow's own SLA the entry gets a
 * callback offer. 0 or -ENOMEM. */
int route_tick(struct route *r, int64_t now);
/* The earliest time route_tick() has work, or INT64_MAX when there is none. A value <=
 * now means "tick now". */
int64_t route_next_deadline(const struct route *r, int64_t now);

/* The entry's 1-based position in its queue (all skills, classes ahead first, then
 * older entries), or 0 when it is not waiting (callback, offered, assigned).
 * 0 or -TN_ENOTFOUND. */
int route_position(const struct route *r, int64_t entry_id, int64_t *out);
/* Estimated wait in ms: position / agents staffed (available, of the tenant), rounded
 * up, times the queue's recent average handle time; for a callback the time to its due
 * time; 0 when offered or assigned. -EAGAIN when no agent of the tenant is available
 * (no honest estimate), -TN_ENOTFOUND. */
int route_estimated_wait(const struct route *r, int64_t entry_id, int64_t now, int64_t *out);

/* The wait a new entry of class p would face in the queue now, by the same rule as
 * route_estimated_wait() (it would stand behind every waiting entry of its class and
 * the more urgent ones): for telling a customer before they join, or for a callback
 * time the current staffing can keep. -EINVAL, -TN_ENOTFOUND, -EAGAIN (nobody staffed). */
int route_queue_estimated_wait(const struct route *r, int64_t queue_id, enum route_priority p,
                               int64_t *out);

/* ---- inspection ---- */

struct route_entry_info {
	int64_t id, conversation_id, tenant_id, queue_id;
	enum route_priority priority;
	uint32_t skills;            /* as enqueued */
	enum route_media media;
	enum route_entry_state state;
	int64_t enqueued_at, due_at, sla_at;
	bool breached, relaxed;
	int64_t agent_id;           /* assigned agent, else 0 */
	size_t n_offers;            /* outstanding offers */
	int64_t offer_agent_id;     /* the agent of the newest outstanding offer, else 0 */
};
/* Copies an entry's public fields. 0 or -TN_ENOTFOUND. */
int route_entry_get(const struct route *r, int64_t entry_id, struct route_entry_info *out);

struct route_agent_info {
	int64_t id;
	enum route_status status;
	enum route_state state;
	int64_t state_since;
	int64_t last_call_end, calls_taken;
	int voice, chats;           /* conversations held */
	int64_t offer_entry_id;     /* 0 when no offer is out */
	int64_t wrapup_until;       /* 0 when not in wrap-up */
};
/* Copies an agent's public fields. 0 or -TN_ENOTFOUND. */
int route_agent_get(const struct route *r, int64_t agent_id, struct route_agent_info *out);

/* The supervisor view for one tenant (0 = all): {queues: [{id, tenant_id, name,
 * strategy, depth: {p1, p2, p3}, callbacks, offered, assigned, longest_wait_ms,
 * average_handle_ms, sla: {answered, answered_in_sla, breached, abandoned, overflowed,
 * callbacks_offered}}], agents: {offline, available, break, idle, offered, busy,
 * wrap_up}} (agents counted by status, and the available and on-break ones also by
 * state). The caller owns *out. 0 or -ENOMEM. */
int route_snapshot(const struct route *r, int64_t tenant_id, int64_t now, json_t **out);

/* ---- restart ---- */

/* Plain-data copies of one object with every time preserved (owned by the caller):
 * a queue's configuration and counters, an agent's configuration, status, state,
 * timers and counters, and an entry with its offers, attempts and SLA timer.
 * 0, -TN_ENOTFOUND, -ENOMEM. */
int route_queue_to_json(const struct route *r, int64_t queue_id, json_t **out);
int route_agent_to_json(const struct route *r, int64_t agent_id, json_t **out);
int route_entry_to_json(const struct route *r, int64_t entry_id, json_t **out);

/* Rebuild, in this order: every queue, every agent, every entry, then route_resume().
 * Each adds one object from its JSON (borrowed) exactly as it was, without producing
 * actions. -TN_EPARSE (malformed), -EINVAL, -TN_ECONFLICT (duplicate id, or an offer to
 * an agent who already has one), -TN_ENOTFOUND (unknown queue or agent), -ENOMEM. */
int route_queue_restore(struct route *r, const json_t *j);
int route_agent_restore(struct route *r, const json_t *j);
int route_entry_restore(struct route *r, const json_t *j);
/* Finishes a rebuild: puts available agents back in the agent indexes and matches any
 * waiting entry with an eligible agent (none when the state was saved from a router
 * between operations). Timers already past are run by the next route_tick(). */
int route_resume(struct route *r, int64_t now);

/* The whole router as {version: 1, queues: [...], agents: [...], entries: [...]}
 * (owned by the caller). 0 or -ENOMEM. */
int route_to_json(const struct route *r, json_t **out);
/* A new router rebuilt from route_to_json() output (owned; route_free). 0 or the first
 * restore error (nothing is returned then). */
int route_from_json(const json_t *j, int64_t now, struct route **out);

#endif
