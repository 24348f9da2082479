/* internal.h: the router's data structures, shared by the files of src/route only. */
#ifndef TANDEM_ROUTE_INTERNAL_H
#define TANDEM_ROUTE_INTERNAL_H

#include "route/route.h"

/* Bits of a requirement mask above the skills: what the agent can take right now. */
#define ROUTE__VOICE (1u << ROUTE_SKILL_COUNT)
#define ROUTE__CHAT (1u << (ROUTE_SKILL_COUNT + 1))
#define ROUTE__MASKS (1u << (ROUTE_SKILL_COUNT + 2))

/* ---- order-statistics tree (treap with parent pointers and subtree sizes) ---- */

struct rkey {
	int64_t a, b, c, d;  /* compared in order */
};

struct rnode {
	struct rnode *l, *r, *p;
	uint32_t prio;
	uint32_t size;  /* nodes in this subtree; 0 when not in a tree */
	struct rkey key;
};

int route__key_cmp(const struct rkey *x, const struct rkey *y);
/* Inserts n (not in any tree) under its key. O(log n) expected. */
void route__tree_insert(struct rnode **root, struct rnode *n);
/* Removes n from the tree rooted at *root. O(log n) expected. */
void route__tree_remove(struct rnode **root, struct rnode *n);
struct rnode *route__tree_first(struct rnode *root);
struct rnode *route__tree_next(struct rnode *n);
/* Number of nodes before n in its tree. */
size_t route__tree_rank(const struct rnode *n);
static inline size_t route__tree_size(const struct rnode *root) { return root ? root->size : 0; }
static inline bool route__tree_linked(const struct rnode *n) { return n->size != 0; }

#define ROUTE__CONTAINER(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* ---- id map: int64 id (> 0) -> pointer, open addressing ---- */

struct rmap {
	int64_t *keys;
	void **vals;
	size_t cap, n;
};

void *route__map_get(const struct rmap *m, int64_t id);
/* 0 or -ENOMEM; the id must not be present. */
int route__map_put(struct rmap *m, int64_t id, void *v);
void route__map_del(struct rmap *m, int64_t id);
void route__map_free(struct rmap *m);
/* Iteration: *i starts at 0; returns the next value or NULL at the end. */
void *route__map_iter(const struct rmap *m, size_t *i);

/* ---- objects ---- */

struct route_agent;
struct route_queue;
struct route_entry;

struct route_tenant {
	int64_t id;
	struct route_queue **queues;  /* in the order added */
	size_t n_queues, cap_queues;
	struct route_agent **agents;  /* agents serving the tenant */
	size_t n_agents, cap_agents;
	int staffed;                  /* agents with status available */
};

/* Available agents of one queue able to take entries needing `mask`. */
struct route_pool {
	uint32_t mask;
	struct rnode *root;
};

/* One agent's membership of one pool. */
struct route_member {
	struct rnode node;
	struct route_agent *agent;
	struct route_pool *pool;
	struct route_member *next;  /* the agent's list */
};

struct route_sla_counters {
	int64_t answered, answered_in_sla, breached, abandoned, overflowed, callbacks_offered;
};

struct route_queue {
	int64_t id, tenant_id;
	char name[64];
	enum route_strategy strategy;
	int64_t sla_ms[ROUTE_PRIORITY_COUNT];
	enum route_overflow overflow;
	int64_t overflow_queue_id;
	int64_t offer_timeout_ms;
	int max_attempts;
	uint32_t skills;
	int64_t handle_ms;            /* recent average handle time */
	int64_t rr_counter;           /* round_robin: offers made by this queue */
	struct route_tenant *tenant;
	struct rnode *order[ROUTE_PRIORITY_COUNT]; /* waiting entries, per class */
	struct rnode *groups[ROUTE__MASKS];        /* waiting entries, per requirement */
	uint16_t used[ROUTE__MASKS];               /* masks ever needed, in first-use order */
	uint8_t is_used[ROUTE__MASKS];
	size_t n_used;
	struct route_pool *pools[ROUTE__MASKS];    /* created on first need */
	size_t n_callbacks, n_offered, n_assigned;
	struct route_sla_counters sla;
};

struct route_rr {
	int64_t queue_id, last;
};

struct route_offer {
	struct rnode node;            /* in r->offer_timers: (expires_at, entry, agent) */
	struct route_entry *entry;
	struct route_agent *agent;
	int64_t expires_at;
	struct route_offer *next;     /* the entry's list */
};

struct route_agent {
	int64_t id;
	int64_t seq;                  /* join order: the last tie-break */
	int64_t *tenants;
	size_t n_tenants;
	int levels[ROUTE_SKILL_COUNT];
	uint32_t skills;
	int chat_capacity;
	int64_t wrapup_ms;
	enum route_status status;
	enum route_state state;
	int64_t state_since;
	int64_t last_call_end, calls_taken;
	int voice, chats;
	struct route_offer *offer;
	int64_t wrapup_until;
	struct rnode wrap_node;       /* in r->wrap_timers */
	struct route_member *members;
	struct route_rr *rr;
	size_t n_rr, cap_rr;
};

struct route_attempt {
	int64_t agent_id;
	int count;
};

struct route_entry {
	int64_t id, conversation_id, tenant_id;
	struct route_queue *queue;
	enum route_priority priority;
	uint32_t skills;
	enum route_media media;
	int64_t enqueued_at, due_at;
	enum route_entry_state state;
	int64_t sla_at;
	int sla_stage;                /* 0 before overflow, 1 after */
	bool breached, relaxed;
	uint32_t mask;                /* requirement while waiting */
	struct rnode order_node;      /* queue->order[priority] */
	struct rnode group_node;      /* queue->groups[mask] */
	struct rnode sla_node;        /* r->sla_timers */
	struct rnode due_node;        /* r->due_timers */
	struct route_offer *offers;
	struct route_attempt *attempts;
	size_t n_attempts, cap_attempts;
	struct route_agent *agent;    /* when assigned */
	int64_t assigned_at;
};

struct route {
	struct rmap tenants, queues, agents, entries;
	struct rnode *offer_timers, *wrap_timers, *due_timers, *sla_timers;
	int64_t next_seq;
	struct route_action *actions;
	size_t n_actions, cap_actions;
	int oom;                      /* an action could not be recorded */
};

/* route.c, shared with json.c */
struct route_tenant *route__tenant(struct route *r, int64_t id);
uint32_t route__entry_mask(const struct route_entry *e);
void route__agent_refresh(struct route_agent *a, int64_t now);
int route__queue_make(struct route *r, const struct route_queue_config *cfg,
                      struct route_queue **out);
int route__agent_make(struct route *r, const struct route_agent_config *cfg, int64_t seq,
                      struct route_agent **out);
int route__entry_make(struct route *r, const struct route_entry_config *cfg,
                      struct route_entry **out);
void route__entry_wait(struct route_entry *e);
void route__entry_set_state(struct route_entry *e, enum route_entry_state s);
void route__staffed_change(struct route *r, struct route_agent *a, int delta);
int route__attempt_add(struct route_entry *e, int64_t agent_id, int count);
int route__offer_make(struct route *r, struct route_entry *e, struct route_agent *a,
                      int64_t expires_at);
int route__rr_set(struct route_agent *a, int64_t queue_id, int64_t last);
void route__set_sla(struct route *r, struct route_entry *e, int64_t at);
void route__set_due(struct route *r, struct route_entry *e, int64_t at);
void route__set_wrapup(struct route *r, struct route_agent *a, int64_t until);
int route__agent_dispatch(struct route *r, struct route_agent *a, int64_t now);

#endif
