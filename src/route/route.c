/* route.c: the router: queues, agents, entries, matching, offers and their outcomes. */
#include "route/internal.h"

#include "base/err.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- actions ---- */

static void emit(struct route *r, enum route_action_type type, const struct route_entry *e,
                 const struct route_agent *a, int64_t at, int64_t to_queue)
{
	if (r->n_actions == r->cap_actions) {
		size_t cap = r->cap_actions ? r->cap_actions * 2 : 32;
		struct route_action *n = realloc(r->actions, cap * sizeof *n);
		if (!n) {
			r->oom = 1;
			return;
		}
		r->actions = n;
		r->cap_actions = cap;
	}
	struct route_action *x = &r->actions[r->n_actions++];
	memset(x, 0, sizeof *x);
	x->type = type;
	if (e) {
		x->entry_id = e->id;
		x->conversation_id = e->conversation_id;
		x->tenant_id = e->tenant_id;
		x->queue_id = e->queue->id;
		x->priority = e->priority;
	}
	x->agent_id = a ? a->id : 0;
	x->at = at;
	x->to_queue_id = to_queue;
}

const struct route_action *route_actions(const struct route *r, size_t *n)
{
	*n = r->n_actions;
	return r->actions;
}

void route_actions_clear(struct route *r)
{
	r->n_actions = 0;
}

/* An operation's result: an action that could not be recorded is reported once. */
static int result(struct route *r, int rc)
{
	if (r->oom) {
		r->oom = 0;
		return -ENOMEM;
	}
	return rc;
}

/* ---- router ---- */

struct route *route_new(void)
{
	struct route *r = calloc(1, sizeof *r);
	if (r)
		r->next_seq = 1;
	return r;
}

static void offer_free_all(struct route_entry *e)
{
	while (e->offers) {
		struct route_offer *o = e->offers;
		e->offers = o->next;
		free(o);
	}
}

void route_free(struct route *r)
{
	if (!r)
		return;
	size_t i = 0;
	struct route_entry *e;
	while ((e = route__map_iter(&r->entries, &i))) {
		offer_free_all(e);
		free(e->attempts);
		free(e);
	}
	i = 0;
	struct route_agent *a;
	while ((a = route__map_iter(&r->agents, &i))) {
		while (a->members) {
			struct route_member *m = a->members;
			a->members = m->next;
			free(m);
		}
		free(a->tenants);
		free(a->rr);
		free(a);
	}
	i = 0;
	struct route_queue *q;
	while ((q = route__map_iter(&r->queues, &i))) {
		for (unsigned m = 0; m < ROUTE__MASKS; m++)
			free(q->pools[m]);
		free(q);
	}
	i = 0;
	struct route_tenant *t;
	while ((t = route__map_iter(&r->tenants, &i))) {
		free(t->queues);
		free(t->agents);
		free(t);
	}
	route__map_free(&r->entries);
	route__map_free(&r->agents);
	route__map_free(&r->queues);
	route__map_free(&r->tenants);
	free(r->actions);
	free(r);
}

struct route_tenant *route__tenant(struct route *r, int64_t id)
{
	struct route_tenant *t = route__map_get(&r->tenants, id);
	if (t)
		return t;
	t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->id = id;
	if (route__map_put(&r->tenants, id, t) < 0) {
		free(t);
		return NULL;
	}
	return t;
}

/* Room for one more element in an array of n: returns the (possibly moved) array, or
 * NULL when out of memory (the old array is kept). */
static void *grow(void *arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return arr;
	size_t c = *cap ? *cap * 2 : 4;
	void *p = realloc(arr, c * size);
	if (p)
		*cap = c;
	return p;
}

/* ---- queues ---- */

static bool queue_config_ok(const struct route_queue_config *c)
{
	if (!c || c->id <= 0 || c->tenant_id <= 0 || !c->name || !c->name[0] ||
	    strlen(c->name) >= sizeof ((struct route_queue *)0)->name)
		return false;
	if ((unsigned)c->strategy >= ROUTE_STRATEGY_COUNT ||
	    (unsigned)c->overflow >= ROUTE_OVERFLOW_COUNT)
		return false;
	for (int p = 0; p < ROUTE_PRIORITY_COUNT; p++)
		if (c->sla_ms[p] <= 0)
			return false;
	if (c->overflow == ROUTE_OVERFLOW_QUEUE && (c->overflow_queue_id <= 0 ||
	                                            c->overflow_queue_id == c->id))
		return false;
	return c->offer_timeout_ms > 0 && c->max_attempts >= 1 &&
	       (c->skills & ~ROUTE_SKILL_ALL) == 0 && c->handle_ms > 0;
}

int route__queue_make(struct route *r, const struct route_queue_config *cfg,
                      struct route_queue **out)
{
	if (!r || !queue_config_ok(cfg))
		return -EINVAL;
	if (route__map_get(&r->queues, cfg->id))
		return -TN_ECONFLICT;
	struct route_tenant *t = route__tenant(r, cfg->tenant_id);
	if (!t)
		return -ENOMEM;
	struct route_queue **qs = grow(t->queues, &t->cap_queues, t->n_queues, sizeof *qs);
	if (!qs)
		return -ENOMEM;
	t->queues = qs;
	struct route_queue *q = calloc(1, sizeof *q);
	if (!q)
		return -ENOMEM;
	q->id = cfg->id;
	q->tenant_id = cfg->tenant_id;
	memcpy(q->name, cfg->name, strlen(cfg->name) + 1);
	q->strategy = cfg->strategy;
	memcpy(q->sla_ms, cfg->sla_ms, sizeof q->sla_ms);
	q->overflow = cfg->overflow;
	q->overflow_queue_id = cfg->overflow == ROUTE_OVERFLOW_QUEUE ? cfg->overflow_queue_id : 0;
	q->offer_timeout_ms = cfg->offer_timeout_ms;
	q->max_attempts = cfg->max_attempts;
	q->skills = cfg->skills;
	q->handle_ms = cfg->handle_ms;
	q->tenant = t;
	if (route__map_put(&r->queues, q->id, q) < 0) {
		free(q);
		return -ENOMEM;
	}
	t->queues[t->n_queues++] = q;
	*out = q;
	return 0;
}

int route_queue_add(struct route *r, const struct route_queue_config *cfg)
{
	struct route_queue *q;
	return route__queue_make(r, cfg, &q);
}

/* ---- agents: eligibility and the pools of available agents ---- */

/* What the agent could take now: its skills plus the media it has room for. */
static uint32_t agent_cap(const struct route_agent *a)
{
	uint32_t cap = a->skills;
	if (!a->voice && a->chats == 0)
		cap |= ROUTE__VOICE;
	if (!a->voice && a->chats < a->chat_capacity)
		cap |= ROUTE__CHAT;
	return cap;
}

static bool agent_eligible(const struct route_agent *a)
{
	return a->status == ROUTE_STATUS_AVAILABLE && !a->offer && !a->wrapup_until &&
	       (agent_cap(a) & (ROUTE__VOICE | ROUTE__CHAT));
}

void route__agent_refresh(struct route_agent *a, int64_t now)
{
	enum route_state s = ROUTE_STATE_IDLE;
	if (a->offer)
		s = ROUTE_STATE_OFFERED;
	else if (a->wrapup_until)
		s = ROUTE_STATE_WRAP_UP;
	else if (a->voice || a->chats)
		s = ROUTE_STATE_BUSY;
	if (s != a->state) {
		a->state = s;
		a->state_since = now;
	}
}

static int64_t rr_get(const struct route_agent *a, int64_t queue_id)
{
	for (size_t i = 0; i < a->n_rr; i++)
		if (a->rr[i].queue_id == queue_id)
			return a->rr[i].last;
	return 0;
}

int route__rr_set(struct route_agent *a, int64_t queue_id, int64_t last)
{
	for (size_t i = 0; i < a->n_rr; i++)
		if (a->rr[i].queue_id == queue_id) {
			a->rr[i].last = last;
			return 0;
		}
	struct route_rr *rr = grow(a->rr, &a->cap_rr, a->n_rr, sizeof *rr);
	if (!rr)
		return -ENOMEM;
	a->rr = rr;
	a->rr[a->n_rr].queue_id = queue_id;
	a->rr[a->n_rr].last = last;
	a->n_rr++;
	return 0;
}

/* The agent's place in a pool: the strategy's key, then the higher summed level of the
 * skills the pool needs, then join order. */
static struct rkey pool_key(const struct route_queue *q, const struct route_agent *a,
                            uint32_t mask)
{
	int64_t level = 0;
	for (int s = 0; s < ROUTE_SKILL_COUNT; s++)
		if (mask & ROUTE_SKILL_BIT(s))
			level += a->levels[s];
	switch (q->strategy) {
	case ROUTE_STRATEGY_LEAST_BUSY:
		return (struct rkey){a->voice + a->chats, a->calls_taken, -level, a->seq};
	case ROUTE_STRATEGY_ROUND_ROBIN:
		return (struct rkey){rr_get(a, q->id), -level, a->seq, 0};
	default:
		return (struct rkey){a->last_call_end, -level, a->seq, 0};
	}
}

static int member_add(struct route_queue *q, struct route_pool *p, struct route_agent *a)
{
	struct route_member *m = calloc(1, sizeof *m);
	if (!m)
		return -ENOMEM;
	m->agent = a;
	m->pool = p;
	m->node.key = pool_key(q, a, p->mask);
	route__tree_insert(&p->root, &m->node);
	m->next = a->members;
	a->members = m;
	return 0;
}

static void agent_leave(struct route_agent *a)
{
	while (a->members) {
		struct route_member *m = a->members;
		a->members = m->next;
		route__tree_remove(&m->pool->root, &m->node);
		free(m);
	}
}

static int agent_join(struct route *r, struct route_agent *a)
{
	if (!agent_eligible(a))
		return 0;
	uint32_t cap = agent_cap(a);
	for (size_t i = 0; i < a->n_tenants; i++) {
		struct route_tenant *t = route__map_get(&r->tenants, a->tenants[i]);
		for (size_t k = 0; t && k < t->n_queues; k++) {
			struct route_queue *q = t->queues[k];
			for (size_t u = 0; u < q->n_used; u++) {
				struct route_pool *p = q->pools[q->used[u]];
				if (p && (p->mask & ~cap) == 0 && member_add(q, p, a) < 0)
					return -ENOMEM;
			}
		}
	}
	return 0;
}

/* The pool of a queue for one requirement, created and filled on first use. */
static int pool_get(struct route_queue *q, uint32_t mask, struct route_pool **out)
{
	struct route_pool *p = q->pools[mask];
	if (!p) {
		p = calloc(1, sizeof *p);
		if (!p)
			return -ENOMEM;
		p->mask = mask;
		q->pools[mask] = p;
		struct route_tenant *t = q->tenant;
		for (size_t i = 0; i < t->n_agents; i++) {
			struct route_agent *a = t->agents[i];
			if (agent_eligible(a) && (mask & ~agent_cap(a)) == 0 &&
			    member_add(q, p, a) < 0)
				return -ENOMEM;
		}
	}
	*out = p;
	return 0;
}

/* ---- entries ---- */

uint32_t route__entry_mask(const struct route_entry *e)
{
	uint32_t m = e->relaxed ? (e->skills & ROUTE_LANG_BITS) : (e->skills | e->queue->skills);
	return m | (e->media == ROUTE_MEDIA_VOICE ? ROUTE__VOICE : ROUTE__CHAT);
}

void route__entry_set_state(struct route_entry *e, enum route_entry_state s)
{
	struct route_queue *q = e->queue;
	if (e->state == ROUTE_ENTRY_CALLBACK)
		q->n_callbacks--;
	else if (e->state == ROUTE_ENTRY_OFFERED)
		q->n_offered--;
	else if (e->state == ROUTE_ENTRY_ASSIGNED)
		q->n_assigned--;
	e->state = s;
	if (s == ROUTE_ENTRY_CALLBACK)
		q->n_callbacks++;
	else if (s == ROUTE_ENTRY_OFFERED)
		q->n_offered++;
	else if (s == ROUTE_ENTRY_ASSIGNED)
		q->n_assigned++;
}

/* Puts a waiting entry in its queue's trees. */
void route__entry_wait(struct route_entry *e)
{
	struct route_queue *q = e->queue;
	route__entry_set_state(e, ROUTE_ENTRY_WAITING);
	e->mask = route__entry_mask(e);
	struct rkey k = {e->priority, e->enqueued_at, e->id, 0};
	e->order_node.key = k;
	e->group_node.key = k;
	route__tree_insert(&q->order[e->priority], &e->order_node);
	if (!q->is_used[e->mask]) {
		q->is_used[e->mask] = 1;
		q->used[q->n_used++] = (uint16_t)e->mask;
	}
	route__tree_insert(&q->groups[e->mask], &e->group_node);
}

static void entry_unwait(struct route_entry *e)
{
	struct route_queue *q = e->queue;
	if (route__tree_linked(&e->order_node))
		route__tree_remove(&q->order[e->priority], &e->order_node);
	if (route__tree_linked(&e->group_node))
		route__tree_remove(&q->groups[e->mask], &e->group_node);
}

/* Attempts are kept sorted by agent id: an entry rung at many agents (ring_all) still
 * answers "how often was this agent offered it?" in O(log k). */
static size_t attempt_find(const struct route_entry *e, int64_t agent_id)
{
	size_t lo = 0, hi = e->n_attempts;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (e->attempts[mid].agent_id < agent_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int attempts_of(const struct route_entry *e, int64_t agent_id)
{
	size_t i = attempt_find(e, agent_id);
	return i < e->n_attempts && e->attempts[i].agent_id == agent_id ? e->attempts[i].count : 0;
}

int route__attempt_add(struct route_entry *e, int64_t agent_id, int count)
{
	size_t i = attempt_find(e, agent_id);
	if (i < e->n_attempts && e->attempts[i].agent_id == agent_id) {
		e->attempts[i].count += count;
		return 0;
	}
	struct route_attempt *at = grow(e->attempts, &e->cap_attempts, e->n_attempts, sizeof *at);
	if (!at)
		return -ENOMEM;
	e->attempts = at;
	memmove(&at[i + 1], &at[i], (e->n_attempts - i) * sizeof *at);
	at[i].agent_id = agent_id;
	at[i].count = count;
	e->n_attempts++;
	return 0;
}

static void timer_set(struct rnode **root, struct rnode *n, int64_t at, int64_t id)
{
	if (route__tree_linked(n))
		route__tree_remove(root, n);
	if (at) {
		n->key = (struct rkey){at, id, 0, 0};
		route__tree_insert(root, n);
	}
}

void route__set_sla(struct route *r, struct route_entry *e, int64_t at)
{
	e->sla_at = at;
	timer_set(&r->sla_timers, &e->sla_node, at, e->id);
}

void route__set_due(struct route *r, struct route_entry *e, int64_t at)
{
	timer_set(&r->due_timers, &e->due_node, at, e->id);
}

void route__set_wrapup(struct route *r, struct route_agent *a, int64_t until)
{
	a->wrapup_until = until;
	timer_set(&r->wrap_timers, &a->wrap_node, until, a->seq);
}

static void offer_unlink(struct route *r, struct route_offer *o)
{
	struct route_entry *e = o->entry;
	route__tree_remove(&r->offer_timers, &o->node);
	for (struct route_offer **p = &e->offers; *p; p = &(*p)->next)
		if (*p == o) {
			*p = o->next;
			break;
		}
	o->agent->offer = NULL;
	free(o);
}

/* Removes an entry that is not assigned from every structure and frees it; its offers
 * must be gone already. */
static void entry_free(struct route *r, struct route_entry *e)
{
	entry_unwait(e);
	route__entry_set_state(e, ROUTE_ENTRY_ABANDONED);
	route__set_sla(r, e, 0);
	route__set_due(r, e, 0);
	route__map_del(&r->entries, e->id);
	free(e->attempts);
	free(e);
}

/* ---- matching ---- */

int route__offer_make(struct route *r, struct route_entry *e, struct route_agent *a,
                      int64_t expires_at)
{
	struct route_offer *o = calloc(1, sizeof *o);
	if (!o)
		return -ENOMEM;
	o->entry = e;
	o->agent = a;
	o->expires_at = expires_at;
	o->node.key = (struct rkey){expires_at, e->id, a->seq, 0};
	route__tree_insert(&r->offer_timers, &o->node);
	o->next = e->offers;
	e->offers = o;
	a->offer = o;
	return 0;
}

static int offer(struct route *r, struct route_entry *e, struct route_agent *a, int64_t now)
{
	struct route_queue *q = e->queue;
	int64_t expires = now + q->offer_timeout_ms;
	/* allocate everything first, so running out of memory changes nothing */
	int rc = route__offer_make(r, e, a, expires);
	if (rc < 0)
		return rc;
	rc = route__attempt_add(e, a->id, 1);
	if (rc == 0 && q->strategy == ROUTE_STRATEGY_ROUND_ROBIN)
		rc = route__rr_set(a, q->id, q->rr_counter + 1);
	if (rc < 0) {
		offer_unlink(r, a->offer);
		return rc;
	}
	if (q->strategy == ROUTE_STRATEGY_ROUND_ROBIN)
		q->rr_counter++;
	if (e->state == ROUTE_ENTRY_WAITING) {
		entry_unwait(e);
		route__entry_set_state(e, ROUTE_ENTRY_OFFERED);
	}
	agent_leave(a);
	route__agent_refresh(a, now);
	emit(r, ROUTE_ACT_OFFER, e, a, expires, 0);
	return 0;
}

/* Finds an agent for an entry that just started waiting. Agents who were already
 * offered this entry come last, and only below the queue's attempt limit. */
static int entry_dispatch(struct route *r, struct route_entry *e, int64_t now)
{
	struct route_queue *q = e->queue;
	struct route_pool *p;
	if (e->state != ROUTE_ENTRY_WAITING)
		return 0;
	int rc = pool_get(q, e->mask, &p);
	if (rc < 0 || !p->root)
		return rc;
	if (q->strategy == ROUTE_STRATEGY_RING_ALL) {
		size_t n = 0, cap = route__tree_size(p->root);
		struct route_agent **all = malloc(cap * sizeof *all);
		if (!all)
			return -ENOMEM;
		for (struct rnode *x = route__tree_first(p->root); x; x = route__tree_next(x)) {
			struct route_agent *a = ROUTE__CONTAINER(x, struct route_member, node)->agent;
			if (attempts_of(e, a->id) < q->max_attempts)
				all[n++] = a;
		}
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = offer(r, e, all[i], now);
		free(all);
		return rc;
	}
	struct route_agent *fallback = NULL;
	for (struct rnode *x = route__tree_first(p->root); x; x = route__tree_next(x)) {
		struct route_agent *a = ROUTE__CONTAINER(x, struct route_member, node)->agent;
		int n = attempts_of(e, a->id);
		if (n == 0)
			return offer(r, e, a, now);
		if (n < q->max_attempts && !fallback)
			fallback = a;
	}
	return fallback ? offer(r, e, fallback, now) : 0;
}

/* Finds the best waiting entry for an agent who may just have become eligible: the
 * most urgent class, then the oldest, over every queue of the agent's tenants. */
int route__agent_dispatch(struct route *r, struct route_agent *a, int64_t now)
{
	if (!agent_eligible(a))
		return 0;
	uint32_t cap = agent_cap(a);
	struct route_entry *best = NULL;
	for (size_t i = 0; i < a->n_tenants; i++) {
		struct route_tenant *t = route__map_get(&r->tenants, a->tenants[i]);
		for (size_t k = 0; t && k < t->n_queues; k++) {
			struct route_queue *q = t->queues[k];
			for (size_t u = 0; u < q->n_used; u++) {
				uint32_t mask = q->used[u];
				if (mask & ~cap)
					continue;
				for (struct rnode *x = route__tree_first(q->groups[mask]); x;
				     x = route__tree_next(x)) {
					if (best && route__key_cmp(&x->key, &best->group_node.key) >= 0)
						break;
					struct route_entry *e =
						ROUTE__CONTAINER(x, struct route_entry, group_node);
					if (attempts_of(e, a->id) < q->max_attempts) {
						best = e;
						break;
					}
				}
			}
		}
	}
	return best ? offer(r, best, a, now) : 0;
}

/* The agent's eligibility or keys may have changed: re-index and look for work. */
static int agent_ready(struct route *r, struct route_agent *a, int64_t now)
{
	agent_leave(a);
	route__agent_refresh(a, now);
	int rc = agent_join(r, a);
	if (rc == 0)
		rc = route__agent_dispatch(r, a, now);
	return rc;
}

/* An offer of e ended: with none left it waits again and goes to the next agent. */
static int entry_after_offer(struct route *r, struct route_entry *e, int64_t now)
{
	if (e->offers || e->state != ROUTE_ENTRY_OFFERED)
		return 0;
	route__entry_wait(e);
	return entry_dispatch(r, e, now);
}

static int offer_expire(struct route *r, struct route_offer *o, int64_t now)
{
	struct route_entry *e = o->entry;
	struct route_agent *a = o->agent;
	emit(r, ROUTE_ACT_OFFER_EXPIRED, e, a, o->expires_at, 0);
	offer_unlink(r, o);
	/* The agent is re-indexed first so that, under ring_all, an entry whose last offer
	 * expired rings every eligible agent again; for the other strategies the entry
	 * still prefers agents it has not been offered to. */
	int rc = agent_ready(r, a, now);
	int rc2 = entry_after_offer(r, e, now);
	return rc < 0 ? rc : rc2;
}

/* ---- agents: operations ---- */

static bool agent_config_ok(const struct route_agent_config *c)
{
	if (!c || c->id <= 0 || !c->tenants || c->n_tenants == 0 ||
	    c->n_tenants > ROUTE_TENANTS_MAX || c->chat_capacity < 0 ||
	    c->chat_capacity > ROUTE_CHAT_MAX || c->wrapup_ms < 0)
		return false;
	for (size_t i = 0; i < c->n_tenants; i++) {
		if (c->tenants[i] <= 0)
			return false;
		for (size_t k = 0; k < i; k++)
			if (c->tenants[k] == c->tenants[i])
				return false;
	}
	for (int s = 0; s < ROUTE_SKILL_COUNT; s++)
		if (c->levels[s] < 0 || c->levels[s] > ROUTE_LEVEL_MAX)
			return false;
	return true;
}

static void tenant_drop_agent(struct route_tenant *t, const struct route_agent *a)
{
	for (size_t i = 0; i < t->n_agents; i++)
		if (t->agents[i] == a) {
			memmove(&t->agents[i], &t->agents[i + 1], (t->n_agents - i - 1) * sizeof *t->agents);
			t->n_agents--;
			return;
		}
}

static void agent_destroy(struct route *r, struct route_agent *a)
{
	agent_leave(a);
	route__set_wrapup(r, a, 0);
	for (size_t i = 0; i < a->n_tenants; i++) {
		struct route_tenant *t = route__map_get(&r->tenants, a->tenants[i]);
		if (!t)
			continue;
		tenant_drop_agent(t, a);
		if (a->status == ROUTE_STATUS_AVAILABLE)
			t->staffed--;
	}
	route__map_del(&r->agents, a->id);
	free(a->tenants);
	free(a->rr);
	free(a);
}

int route__agent_make(struct route *r, const struct route_agent_config *cfg, int64_t seq,
                      struct route_agent **out)
{
	if (!r || !agent_config_ok(cfg) || seq <= 0)
		return -EINVAL;
	if (route__map_get(&r->agents, cfg->id))
		return -TN_ECONFLICT;
	struct route_agent *a = calloc(1, sizeof *a);
	if (!a)
		return -ENOMEM;
	a->tenants = calloc(cfg->n_tenants, sizeof *a->tenants);
	if (!a->tenants || route__map_put(&r->agents, cfg->id, a) < 0) {
		free(a->tenants);
		free(a);
		return -ENOMEM;
	}
	a->id = cfg->id;
	a->seq = seq;
	if (seq >= r->next_seq)
		r->next_seq = seq + 1;
	for (int s = 0; s < ROUTE_SKILL_COUNT; s++) {
		a->levels[s] = cfg->levels[s];
		if (cfg->levels[s] > 0)
			a->skills |= ROUTE_SKILL_BIT(s);
	}
	a->chat_capacity = cfg->chat_capacity;
	a->wrapup_ms = cfg->wrapup_ms;
	a->status = ROUTE_STATUS_OFFLINE;
	a->state = ROUTE_STATE_IDLE;
	for (size_t i = 0; i < cfg->n_tenants; i++) {
		struct route_tenant *t = route__tenant(r, cfg->tenants[i]);
		struct route_agent **as = t ? grow(t->agents, &t->cap_agents, t->n_agents, sizeof *as) : NULL;
		if (!as) {
			agent_destroy(r, a);
			return -ENOMEM;
		}
		t->agents = as;
		t->agents[t->n_agents++] = a;
		a->tenants[a->n_tenants++] = cfg->tenants[i];
	}
	*out = a;
	return 0;
}

int route_agent_add(struct route *r, const struct route_agent_config *cfg, int64_t now)
{
	struct route_agent *a;
	int rc = route__agent_make(r, cfg, r ? r->next_seq : 1, &a);
	if (rc == 0)
		a->state_since = now;
	return rc;
}

void route__staffed_change(struct route *r, struct route_agent *a, int delta)
{
	for (size_t i = 0; i < a->n_tenants; i++) {
		struct route_tenant *t = route__map_get(&r->tenants, a->tenants[i]);
		if (t)
			t->staffed += delta;
	}
}

/* Withdraws the agent's outstanding offer; its entry goes to the next agent. */
static int withdraw_agent_offer(struct route *r, struct route_agent *a, int64_t now)
{
	struct route_offer *o = a->offer;
	if (!o)
		return 0;
	struct route_entry *e = o->entry;
	emit(r, ROUTE_ACT_OFFER_WITHDRAWN, e, a, 0, 0);
	offer_unlink(r, o);
	return entry_after_offer(r, e, now);
}

int route_agent_remove(struct route *r, int64_t agent_id, int64_t now)
{
	struct route_agent *a = r ? route__map_get(&r->agents, agent_id) : NULL;
	if (!a)
		return -TN_ENOTFOUND;
	if (a->voice || a->chats)
		return -TN_ECONFLICT;
	agent_leave(a);
	if (a->status == ROUTE_STATUS_AVAILABLE)
		route__staffed_change(r, a, -1);
	a->status = ROUTE_STATUS_OFFLINE;
	int rc = withdraw_agent_offer(r, a, now);
	agent_destroy(r, a);
	return result(r, rc);
}

int route_agent_set_status(struct route *r, int64_t agent_id, enum route_status status,
                           int64_t now)
{
	if (!r || (unsigned)status >= ROUTE_STATUS_COUNT)
		return -EINVAL;
	struct route_agent *a = route__map_get(&r->agents, agent_id);
	if (!a)
		return -TN_ENOTFOUND;
	if (a->status == status)
		return 0;
	if (a->status == ROUTE_STATUS_AVAILABLE)
		route__staffed_change(r, a, -1);
	if (status == ROUTE_STATUS_AVAILABLE)
		route__staffed_change(r, a, +1);
	a->status = status;
	int rc = 0;
	if (status != ROUTE_STATUS_AVAILABLE) {
		agent_leave(a);
		rc = withdraw_agent_offer(r, a, now);
	}
	int rc2 = agent_ready(r, a, now);
	return result(r, rc < 0 ? rc : rc2);
}

void route_reset_daily(struct route *r)
{
	size_t i = 0;
	struct route_agent *a;
	while ((a = route__map_iter(&r->agents, &i))) {
		a->calls_taken = 0;
		/* least_busy keys include calls_taken: re-index the agents in pools */
		if (a->members) {
			agent_leave(a);
			(void)agent_join(r, a);
		}
	}
}

/* ---- entries: operations ---- */

static bool entry_config_ok(const struct route_entry_config *c)
{
	return c && c->id > 0 && c->conversation_id > 0 && c->tenant_id > 0 && c->queue_id > 0 &&
	       (unsigned)c->priority < ROUTE_PRIORITY_COUNT && (c->skills & ~ROUTE_SKILL_ALL) == 0 &&
	       (unsigned)c->media < ROUTE_MEDIA_COUNT && c->due_at >= 0;
}

int route__entry_make(struct route *r, const struct route_entry_config *cfg,
                      struct route_entry **out)
{
	if (!r || !entry_config_ok(cfg))
		return -EINVAL;
	struct route_queue *q = route__map_get(&r->queues, cfg->queue_id);
	if (!q || q->tenant_id != cfg->tenant_id)
		return -TN_ENOTFOUND;
	if (route__map_get(&r->entries, cfg->id))
		return -TN_ECONFLICT;
	struct route_entry *e = calloc(1, sizeof *e);
	if (!e)
		return -ENOMEM;
	if (route__map_put(&r->entries, cfg->id, e) < 0) {
		free(e);
		return -ENOMEM;
	}
	e->id = cfg->id;
	e->conversation_id = cfg->conversation_id;
	e->tenant_id = cfg->tenant_id;
	e->queue = q;
	e->priority = cfg->priority;
	e->skills = cfg->skills;
	e->media = cfg->media;
	e->due_at = cfg->due_at;
	e->state = ROUTE_ENTRY_ABANDONED; /* not counted until placed */
	*out = e;
	return 0;
}

int route_enqueue(struct route *r, const struct route_entry_config *cfg, int64_t now)
{
	struct route_entry *e;
	int rc = route__entry_make(r, cfg, &e);
	if (rc < 0)
		return rc;
	struct route_queue *q = e->queue;
	if (cfg->due_at > now) {
		e->enqueued_at = cfg->due_at;
		route__entry_set_state(e, ROUTE_ENTRY_CALLBACK);
		route__set_due(r, e, cfg->due_at);
		route__set_sla(r, e, cfg->due_at + q->sla_ms[e->priority]);
		return 0;
	}
	e->enqueued_at = now;
	route__set_sla(r, e, now + q->sla_ms[e->priority]);
	route__entry_wait(e);
	return result(r, entry_dispatch(r, e, now));
}

/* Withdraws every offer of an entry that left the waiting trees, re-indexing each
 * agent (who cannot get e again: it is no longer waiting). */
static int withdraw_entry_offers(struct route *r, struct route_entry *e, int64_t now)
{
	int rc = 0;
	while (e->offers) {
		struct route_offer *o = e->offers;
		struct route_agent *a = o->agent;
		emit(r, ROUTE_ACT_OFFER_WITHDRAWN, e, a, 0, 0);
		offer_unlink(r, o);
		int rc2 = agent_ready(r, a, now);
		if (rc == 0)
			rc = rc2;
	}
	return rc;
}

/* The entry leaves the router, counted as abandoned or as a callback offered. */
static int dequeue(struct route *r, int64_t entry_id, bool callback, int64_t now)
{
	struct route_entry *e = r ? route__map_get(&r->entries, entry_id) : NULL;
	if (!e)
		return -TN_ENOTFOUND;
	if (e->state == ROUTE_ENTRY_ASSIGNED)
		return -TN_ECONFLICT;
	if (callback)
		e->queue->sla.callbacks_offered++;
	else
		e->queue->sla.abandoned++;
	entry_unwait(e);
	/* park it in a state no agent can be offered, then withdraw */
	route__entry_set_state(e, ROUTE_ENTRY_ABANDONED);
	int rc = withdraw_entry_offers(r, e, now);
	entry_free(r, e);
	return result(r, rc);
}

int route_dequeue(struct route *r, int64_t entry_id, int64_t now)
{
	return dequeue(r, entry_id, false, now);
}

int route_dequeue_callback(struct route *r, int64_t entry_id, int64_t now)
{
	return dequeue(r, entry_id, true, now);
}

/* ---- changes while running ---- */

/* Puts every member of the queue's pools back under the queue's (new) strategy key. */
static int queue_rekey(struct route_queue *q)
{
	for (size_t u = 0; u < q->n_used; u++) {
		struct route_pool *p = q->pools[q->used[u]];
		size_t n = p ? route__tree_size(p->root) : 0, k = 0;
		if (n == 0)
			continue;
		struct route_member **all = malloc(n * sizeof *all);
		if (!all)
			return -ENOMEM;
		for (struct rnode *x = route__tree_first(p->root); x; x = route__tree_next(x))
			all[k++] = ROUTE__CONTAINER(x, struct route_member, node);
		for (size_t i = 0; i < k; i++) {
			route__tree_remove(&p->root, &all[i]->node);
			all[i]->node.key = pool_key(q, all[i]->agent, p->mask);
			route__tree_insert(&p->root, &all[i]->node);
		}
		free(all);
	}
	return 0;
}

int route_queue_update(struct route *r, const struct route_queue_config *cfg, int64_t now)
{
	struct route_queue *q = r && cfg ? route__map_get(&r->queues, cfg->id) : NULL;
	if (!r || !queue_config_ok(cfg))
		return -EINVAL;
	if (!q)
		return -TN_ENOTFOUND;
	if (cfg->tenant_id != q->tenant_id || cfg->skills != q->skills)
		return -EINVAL;
	int64_t old_sla[ROUTE_PRIORITY_COUNT];
	memcpy(old_sla, q->sla_ms, sizeof old_sla);
	memcpy(q->name, cfg->name, strlen(cfg->name) + 1);
	memcpy(q->sla_ms, cfg->sla_ms, sizeof q->sla_ms);
	q->overflow = cfg->overflow;
	q->overflow_queue_id = cfg->overflow == ROUTE_OVERFLOW_QUEUE ? cfg->overflow_queue_id : 0;
	q->offer_timeout_ms = cfg->offer_timeout_ms;
	q->max_attempts = cfg->max_attempts;
	/* a running answer-time clock keeps its start and takes the new length */
	size_t it = 0;
	for (struct route_entry *e; (e = route__map_iter(&r->entries, &it));) {
		if (e->queue != q || !route__tree_linked(&e->sla_node))
			continue;
		int64_t at = e->sla_at - old_sla[e->priority] + q->sla_ms[e->priority];
		route__set_sla(r, e, at > now ? at : now);
	}
	if (cfg->strategy == q->strategy)
		return 0;
	q->strategy = cfg->strategy;
	return queue_rekey(q);
}

int route_raise_priority(struct route *r, int64_t entry_id, enum route_priority p, int64_t now)
{
	if (!r || (unsigned)p >= ROUTE_PRIORITY_COUNT)
		return -EINVAL;
	struct route_entry *e = route__map_get(&r->entries, entry_id);
	if (!e)
		return -TN_ENOTFOUND;
	if (e->state != ROUTE_ENTRY_WAITING && e->state != ROUTE_ENTRY_OFFERED)
		return -TN_ECONFLICT;
	if (p >= e->priority)
		return 0;  /* already this urgent */
	bool waiting = e->state == ROUTE_ENTRY_WAITING;
	if (waiting)
		entry_unwait(e);
	e->priority = p;
	if (waiting)
		route__entry_wait(e);
	emit(r, ROUTE_ACT_ESCALATE_PRIORITY, e, NULL, 0, 0);
	route__set_sla(r, e, now + e->queue->sla_ms[p]);
	return result(r, 0);
}

int route_accept(struct route *r, int64_t agent_id, int64_t entry_id, int64_t now)
{
	if (!r)
		return -EINVAL;
	struct route_agent *a = route__map_get(&r->agents, agent_id);
	struct route_entry *e = route__map_get(&r->entries, entry_id);
	if (!a || !e)
		return -TN_ENOTFOUND;
	struct route_offer *o = a->offer;
	if (!o || o->entry != e) {
		if (e->state == ROUTE_ENTRY_ASSIGNED)
			return -TN_ECONFLICT;
		if (attempts_of(e, agent_id) > 0)
			return -ETIMEDOUT;
		return -TN_ENOTFOUND;
	}
	if (now >= o->expires_at) {
		int rc = offer_expire(r, o, now);
		return result(r, rc < 0 ? rc : -ETIMEDOUT);
	}
	struct route_queue *q = e->queue;
	offer_unlink(r, o);
	route__entry_set_state(e, ROUTE_ENTRY_ASSIGNED);
	e->agent = a;
	e->assigned_at = now;
	if (e->media == ROUTE_MEDIA_VOICE)
		a->voice = 1;
	else
		a->chats++;
	a->calls_taken++;
	q->sla.answered++;
	if (!e->breached && now < e->sla_at)
		q->sla.answered_in_sla++;
	route__set_sla(r, e, 0);
	emit(r, ROUTE_ACT_ASSIGNED, e, a, now, 0);
	int rc = withdraw_entry_offers(r, e, now);
	int rc2 = agent_ready(r, a, now);
	return result(r, rc < 0 ? rc : rc2);
}

int route_decline(struct route *r, int64_t agent_id, int64_t entry_id, int64_t now)
{
	if (!r)
		return -EINVAL;
	struct route_agent *a = route__map_get(&r->agents, agent_id);
	struct route_entry *e = route__map_get(&r->entries, entry_id);
	if (!a || !e || !a->offer || a->offer->entry != e)
		return -TN_ENOTFOUND;
	/* a decline is final for this agent and entry */
	int n = attempts_of(e, agent_id);
	if (n < e->queue->max_attempts && route__attempt_add(e, agent_id, e->queue->max_attempts - n) < 0)
		return -ENOMEM;
	offer_unlink(r, a->offer);
	int rc = entry_after_offer(r, e, now);
	int rc2 = agent_ready(r, a, now);
	return result(r, rc < 0 ? rc : rc2);
}

int route_release(struct route *r, int64_t agent_id, int64_t entry_id, int64_t now)
{
	if (!r)
		return -EINVAL;
	struct route_agent *a = route__map_get(&r->agents, agent_id);
	struct route_entry *e = route__map_get(&r->entries, entry_id);
	if (!a || !e || e->state != ROUTE_ENTRY_ASSIGNED || e->agent != a)
		return -TN_ENOTFOUND;
	struct route_queue *q = e->queue;
	int64_t handle = now - e->assigned_at;
	if (handle > 0) {
		/* a recent average: each conversation weighs a fifth */
		q->handle_ms = (q->handle_ms * 4 + handle) / 5;
		if (q->handle_ms < 1)
			q->handle_ms = 1;
	}
	if (e->media == ROUTE_MEDIA_VOICE)
		a->voice = 0;
	else
		a->chats--;
	a->last_call_end = now;
	entry_free(r, e);
	if (a->wrapup_ms > 0)
		route__set_wrapup(r, a, now + a->wrapup_ms);
	return result(r, agent_ready(r, a, now));
}

/* Whether the agent has room for one more conversation of medium m. */
static bool agent_has_room(const struct route_agent *a, enum route_media m)
{
	return (agent_cap(a) & (m == ROUTE_MEDIA_VOICE ? ROUTE__VOICE : ROUTE__CHAT)) != 0;
}

static bool agent_serves(const struct route_agent *a, int64_t tenant_id)
{
	for (size_t i = 0; i < a->n_tenants; i++)
		if (a->tenants[i] == tenant_id)
			return true;
	return false;
}

int route_adopt(struct route *r, const struct route_entry_config *cfg, int64_t agent_id,
                int64_t assigned_at, int64_t now)
{
	if (!r || !entry_config_ok(cfg) || assigned_at <= 0 || assigned_at > now)
		return -EINVAL;
	struct route_agent *a = route__map_get(&r->agents, agent_id);
	if (!a || !agent_serves(a, cfg->tenant_id))
		return -TN_ENOTFOUND;
	if (!agent_has_room(a, cfg->media))
		return -TN_ECONFLICT;
	struct route_entry *e;
	int rc = route__entry_make(r, cfg, &e);
	if (rc < 0)
		return rc;
	e->enqueued_at = assigned_at;
	route__entry_set_state(e, ROUTE_ENTRY_ASSIGNED);
	e->agent = a;
	e->assigned_at = assigned_at;
	if (e->media == ROUTE_MEDIA_VOICE)
		a->voice = 1;
	else
		a->chats++;
	/* an offer out that the agent no longer has room for goes to the next agent */
	struct route_offer *o = a->offer;
	if (o && !agent_has_room(a, o->entry->media))
		rc = withdraw_agent_offer(r, a, now);
	int rc2 = agent_ready(r, a, now);
	return result(r, rc < 0 ? rc : rc2);
}

int route_wrapup_done(struct route *r, int64_t agent_id, int64_t now)
{
	struct route_agent *a = r ? route__map_get(&r->agents, agent_id) : NULL;
	if (!a)
		return -TN_ENOTFOUND;
	if (!a->wrapup_until)
		return -TN_ECONFLICT;
	route__set_wrapup(r, a, 0);
	return result(r, agent_ready(r, a, now));
}

/* ---- timers ---- */

static int64_t latest_offer_expiry(const struct route_entry *e)
{
	int64_t t = 0;
	for (const struct route_offer *o = e->offers; o; o = o->next)
		if (o->expires_at > t)
			t = o->expires_at;
	return t;
}

static int sla_fire(struct route *r, struct route_entry *e, int64_t now)
{
	struct route_queue *q = e->queue;
	if (!e->breached) {
		e->breached = true;
		q->sla.breached++;
		emit(r, ROUTE_ACT_SLA_BREACH, e, NULL, 0, 0);
	}
	bool waiting = e->state == ROUTE_ENTRY_WAITING;
	if (e->priority > ROUTE_P1) {
		if (waiting)
			entry_unwait(e);
		e->priority--;
		emit(r, ROUTE_ACT_ESCALATE_PRIORITY, e, NULL, 0, 0);
		route__set_sla(r, e, now + q->sla_ms[e->priority]);
		if (waiting)
			route__entry_wait(e);
		return 0;
	}
	if (!waiting) {
		/* an offer is out: decide when it has been answered or has expired */
		route__set_sla(r, e, latest_offer_expiry(e));
		return 0;
	}
	if (e->sla_stage == 0 && q->overflow != ROUTE_OVERFLOW_CALLBACK) {
		e->sla_stage = 1;
		if (q->overflow == ROUTE_OVERFLOW_QUEUE) {
			struct route_queue *to = route__map_get(&r->queues, q->overflow_queue_id);
			if (to && to->tenant_id == e->tenant_id && to != q) {
				q->sla.overflowed++;
				emit(r, ROUTE_ACT_OVERFLOW, e, NULL, 0, to->id);
				entry_unwait(e);
				route__entry_set_state(e, ROUTE_ENTRY_ABANDONED);
				e->queue = to;
				route__set_sla(r, e, now + to->sla_ms[e->priority]);
				route__entry_wait(e);
				return entry_dispatch(r, e, now);
			}
		} else {
			q->sla.overflowed++;
			emit(r, ROUTE_ACT_OVERFLOW, e, NULL, 0, 0);
			entry_unwait(e);
			e->relaxed = true;
			route__set_sla(r, e, now + q->sla_ms[e->priority]);
			route__entry_wait(e);
			return entry_dispatch(r, e, now);
		}
	}
	q->sla.callbacks_offered++;
	emit(r, ROUTE_ACT_CALLBACK_OFFER, e, NULL, 0, 0);
	entry_free(r, e);
	return 0;
}

static int64_t head_time(struct rnode *root)
{
	struct rnode *n = route__tree_first(root);
	return n ? n->key.a : INT64_MAX;
}

int64_t route_next_deadline(const struct route *r, int64_t now)
{
	(void)now;
	int64_t t = head_time(r->offer_timers);
	int64_t w = head_time(r->wrap_timers), d = head_time(r->due_timers),
		s = head_time(r->sla_timers);
	if (w < t)
		t = w;
	if (d < t)
		t = d;
	if (s < t)
		t = s;
	return t;
}

int route_tick(struct route *r, int64_t now)
{
	if (!r)
		return -EINVAL;
	int rc = 0;
	for (;;) {
		/* the earliest timer first; at equal times offers, wrap-ups, callbacks, SLAs */
		struct rnode **roots[4] = {&r->offer_timers, &r->wrap_timers, &r->due_timers,
		                           &r->sla_timers};
		int which = -1;
		int64_t best = INT64_MAX;
		for (int i = 0; i < 4; i++) {
			int64_t t = head_time(*roots[i]);
			if (t <= now && t < best) {
				best = t;
				which = i;
			}
		}
		if (which < 0)
			break;
		struct rnode *n = route__tree_first(*roots[which]);
		int rc2 = 0;
		if (which == 0) {
			rc2 = offer_expire(r, ROUTE__CONTAINER(n, struct route_offer, node), now);
		} else if (which == 1) {
			struct route_agent *a = ROUTE__CONTAINER(n, struct route_agent, wrap_node);
			route__set_wrapup(r, a, 0);
			emit(r, ROUTE_ACT_WRAPUP_END, NULL, a, 0, 0);
			rc2 = agent_ready(r, a, now);
		} else if (which == 2) {
			struct route_entry *e = ROUTE__CONTAINER(n, struct route_entry, due_node);
			route__set_due(r, e, 0);
			route__entry_wait(e);
			emit(r, ROUTE_ACT_CALLBACK_DUE, e, NULL, 0, 0);
			rc2 = entry_dispatch(r, e, now);
		} else {
			struct route_entry *e = ROUTE__CONTAINER(n, struct route_entry, sla_node);
			route__set_sla(r, e, 0);
			rc2 = sla_fire(r, e, now);
		}
		if (rc2 < 0 && rc == 0)
			rc = rc2;
	}
	return result(r, rc);
}

/* ---- queries ---- */

static int64_t position_of(const struct route_entry *e)
{
	if (e->state != ROUTE_ENTRY_WAITING)
		return 0;
	const struct route_queue *q = e->queue;
	size_t pos = route__tree_rank(&e->order_node) + 1;
	for (int p = 0; p < (int)e->priority; p++)
		pos += route__tree_size(q->order[p]);
	return (int64_t)pos;
}

int route_position(const struct route *r, int64_t entry_id, int64_t *out)
{
	const struct route_entry *e = r ? route__map_get(&r->entries, entry_id) : NULL;
	if (!e)
		return -TN_ENOTFOUND;
	*out = position_of(e);
	return 0;
}

int route_estimated_wait(const struct route *r, int64_t entry_id, int64_t now, int64_t *out)
{
	const struct route_entry *e = r ? route__map_get(&r->entries, entry_id) : NULL;
	if (!e)
		return -TN_ENOTFOUND;
	if (e->state == ROUTE_ENTRY_CALLBACK) {
		*out = e->due_at > now ? e->due_at - now : 0;
		return 0;
	}
	if (e->state != ROUTE_ENTRY_WAITING) {
		*out = 0;
		return 0;
	}
	int staffed = e->queue->tenant->staffed;
	if (staffed <= 0)
		return -EAGAIN;
	int64_t pos = position_of(e);
	*out = (pos + staffed - 1) / staffed * e->queue->handle_ms;
	return 0;
}

int route_queue_estimated_wait(const struct route *r, int64_t queue_id, enum route_priority p,
                               int64_t *out)
{
	if (!r || !out || (unsigned)p >= ROUTE_PRIORITY_COUNT)
		return -EINVAL;
	const struct route_queue *q = route__map_get(&r->queues, queue_id);
	if (!q)
		return -TN_ENOTFOUND;
	int staffed = q->tenant->staffed;
	if (staffed <= 0)
		return -EAGAIN;
	int64_t pos = 1;
	for (int c = 0; c <= (int)p; c++)
		pos += (int64_t)route__tree_size(q->order[c]);
	*out = (pos + staffed - 1) / staffed * q->handle_ms;
	return 0;
}

int route_entry_get(const struct route *r, int64_t entry_id, struct route_entry_info *out)
{
	const struct route_entry *e = r ? route__map_get(&r->entries, entry_id) : NULL;
	if (!e)
		return -TN_ENOTFOUND;
	memset(out, 0, sizeof *out);
	out->id = e->id;
	out->conversation_id = e->conversation_id;
	out->tenant_id = e->tenant_id;
	out->queue_id = e->queue->id;
	out->priority = e->priority;
	out->skills = e->skills;
	out->media = e->media;
	out->state = e->state;
	out->enqueued_at = e->enqueued_at;
	out->due_at = e->due_at;
	out->sla_at = e->sla_at;
	out->breached = e->breached;
	out->relaxed = e->relaxed;
	out->agent_id = e->agent ? e->agent->id : 0;
	for (const struct route_offer *o = e->offers; o; o = o->next)
		out->n_offers++;
	out->offer_agent_id = e->offers ? e->offers->agent->id : 0;
	return 0;
}

int route_agent_get(const struct route *r, int64_t agent_id, struct route_agent_info *out)
{
	const struct route_agent *a = r ? route__map_get(&r->agents, agent_id) : NULL;
	if (!a)
		return -TN_ENOTFOUND;
	memset(out, 0, sizeof *out);
	out->id = a->id;
	out->status = a->status;
	out->state = a->state;
	out->state_since = a->state_since;
	out->last_call_end = a->last_call_end;
	out->calls_taken = a->calls_taken;
	out->voice = a->voice;
	out->chats = a->chats;
	out->offer_entry_id = a->offer ? a->offer->entry->id : 0;
	out->wrapup_until = a->wrapup_until;
	return 0;
}

int route_resume(struct route *r, int64_t now)
{
	if (!r)
		return -EINVAL;
	size_t i = 0;
	struct route_agent *a;
	int rc = 0;
	while ((a = route__map_iter(&r->agents, &i)) && rc == 0)
		rc = agent_ready(r, a, now);
	return result(r, rc);
}
