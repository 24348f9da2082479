/* json.c: the router as plain data (for restart) and the supervisor snapshot. */
#include "route/internal.h"

#include "base/err.h"
#include "base/jsonx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- writing ---- */

static json_t *skills_json(uint32_t skills)
{
	json_t *a = json_array();
	for (int s = 0; a && s < ROUTE_SKILL_COUNT; s++)
		if ((skills & ROUTE_SKILL_BIT(s)) &&
		    json_array_append_new(a, json_string(route_skill_name((enum route_skill)s))) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *pair(int64_t x, int64_t y)
{
	return json_pack("[II]", (json_int_t)x, (json_int_t)y);
}

static json_t *queue_json(const struct route_queue *q)
{
	const struct route_sla_counters *c = &q->sla;
	return json_pack("{sI sI ss ss s[III] ss sI sI si so sI sI s{sI sI sI sI sI sI}}",
	                 "id", (json_int_t)q->id, "tenant_id", (json_int_t)q->tenant_id,
	                 "name", q->name, "strategy", route_strategy_name(q->strategy),
	                 "sla_ms", (json_int_t)q->sla_ms[0], (json_int_t)q->sla_ms[1],
	                 (json_int_t)q->sla_ms[2],
	                 "overflow", route_overflow_name(q->overflow),
	                 "overflow_queue_id", (json_int_t)q->overflow_queue_id,
	                 "offer_timeout_ms", (json_int_t)q->offer_timeout_ms,
	                 "max_attempts", q->max_attempts, "skills", skills_json(q->skills),
	                 "handle_ms", (json_int_t)q->handle_ms,
	                 "rr_counter", (json_int_t)q->rr_counter,
	                 "sla", "answered", (json_int_t)c->answered,
	                 "answered_in_sla", (json_int_t)c->answered_in_sla,
	                 "breached", (json_int_t)c->breached, "abandoned", (json_int_t)c->abandoned,
	                 "overflowed", (json_int_t)c->overflowed,
	                 "callbacks_offered", (json_int_t)c->callbacks_offered);
}

static json_t *agent_json(const struct route_agent *a)
{
	json_t *tenants = json_array(), *levels = json_object(), *rr = json_array();
	if (!tenants || !levels || !rr)
		goto fail;
	for (size_t i = 0; i < a->n_tenants; i++)
		if (json_array_append_new(tenants, json_integer(a->tenants[i])) < 0)
			goto fail;
	for (int s = 0; s < ROUTE_SKILL_COUNT; s++)
		if (a->levels[s] > 0 &&
		    json_object_set_new(levels, route_skill_name((enum route_skill)s),
		                        json_integer(a->levels[s])) < 0)
			goto fail;
	for (size_t i = 0; i < a->n_rr; i++)
		if (json_array_append_new(rr, pair(a->rr[i].queue_id, a->rr[i].last)) < 0)
			goto fail;
	return json_pack("{sI sI so so si sI ss ss sI sI sI sI so}", "id", (json_int_t)a->id,
	                 "seq", (json_int_t)a->seq, "tenants", tenants, "levels", levels,
	                 "chat_capacity", a->chat_capacity, "wrapup_ms", (json_int_t)a->wrapup_ms,
	                 "status", route_status_name(a->status),
	                 "state", route_state_name(a->state),
	                 "state_since", (json_int_t)a->state_since,
	                 "last_call_end", (json_int_t)a->last_call_end,
	                 "calls_taken", (json_int_t)a->calls_taken,
	                 "wrapup_until", (json_int_t)a->wrapup_until, "rr", rr);
fail:
	json_decref(tenants);
	json_decref(levels);
	json_decref(rr);
	return NULL;
}

static json_t *entry_json(const struct route_entry *e)
{
	json_t *attempts = json_array(), *offers = json_array();
	if (!attempts || !offers)
		goto fail;
	for (size_t i = 0; i < e->n_attempts; i++)
		if (json_array_append_new(attempts, pair(e->attempts[i].agent_id,
		                                         e->attempts[i].count)) < 0)
			goto fail;
	for (const struct route_offer *o = e->offers; o; o = o->next)
		if (json_array_append_new(offers, pair(o->agent->id, o->expires_at)) < 0)
			goto fail;
	return json_pack("{sI sI sI sI ss so ss ss sI sI sI si sb sb sI sI so so}",
	                 "id", (json_int_t)e->id, "conversation_id", (json_int_t)e->conversation_id,
	                 "tenant_id", (json_int_t)e->tenant_id, "queue_id", (json_int_t)e->queue->id,
	                 "priority", route_priority_name(e->priority),
	                 "skills", skills_json(e->skills), "media", route_media_name(e->media),
	                 "state", route_entry_state_name(e->state),
	                 "enqueued_at", (json_int_t)e->enqueued_at, "due_at", (json_int_t)e->due_at,
	                 "sla_at", (json_int_t)e->sla_at, "sla_stage", e->sla_stage,
	                 "breached", e->breached, "relaxed", e->relaxed,
	                 "agent_id", (json_int_t)(e->agent ? e->agent->id : 0),
	                 "assigned_at", (json_int_t)e->assigned_at,
	                 "attempts", attempts, "offers", offers);
fail:
	json_decref(attempts);
	json_decref(offers);
	return NULL;
}

static int out_json(json_t *j, json_t **out)
{
	if (!j)
		return -ENOMEM;
	*out = j;
	return 0;
}

int route_queue_to_json(const struct route *r, int64_t queue_id, json_t **out)
{
	const struct route_queue *q = r ? route__map_get(&r->queues, queue_id) : NULL;
	return q ? out_json(queue_json(q), out) : -TN_ENOTFOUND;
}

int route_agent_to_json(const struct route *r, int64_t agent_id, json_t **out)
{
	const struct route_agent *a = r ? route__map_get(&r->agents, agent_id) : NULL;
	return a ? out_json(agent_json(a), out) : -TN_ENOTFOUND;
}

int route_entry_to_json(const struct route *r, int64_t entry_id, json_t **out)
{
	const struct route_entry *e = r ? route__map_get(&r->entries, entry_id) : NULL;
	return e ? out_json(entry_json(e), out) : -TN_ENOTFOUND;
}

int route_to_json(const struct route *r, json_t **out)
{
	json_t *qs = json_array(), *as = json_array(), *es = json_array();
	int rc = -ENOMEM;
	if (!qs || !as || !es)
		goto out;
	size_t i = 0;
	const struct route_queue *q;
	while ((q = route__map_iter(&r->queues, &i)))
		if (json_array_append_new(qs, queue_json(q)) < 0)
			goto out;
	i = 0;
	const struct route_agent *a;
	while ((a = route__map_iter(&r->agents, &i)))
		if (json_array_append_new(as, agent_json(a)) < 0)
			goto out;
	i = 0;
	const struct route_entry *e;
	while ((e = route__map_iter(&r->entries, &i)))
		if (json_array_append_new(es, entry_json(e)) < 0)
			goto out;
	*out = json_pack("{si sO sO sO}", "version", 1, "queues", qs, "agents", as, "entries", es);
	rc = *out ? 0 : -ENOMEM;
out:
	json_decref(qs);
	json_decref(as);
	json_decref(es);
	return rc;
}

/* ---- reading ---- */

static int get_i64(const json_t *j, const char *key, int64_t *out)
{
	return jsonx_get_int(j, key, out) == 0 ? 0 : -TN_EPARSE;
}

static int get_int(const json_t *j, const char *key, int *out)
{
	int64_t v;
	if (jsonx_get_int(j, key, &v) < 0 || v < -2147483647 || v > 2147483647)
		return -TN_EPARSE;
	*out = (int)v;
	return 0;
}

static int get_name(const json_t *j, const char *key, int (*parse)(const char *, void *),
                    void *out)
{
	const char *s;
	if (jsonx_get_str(j, key, &s) < 0 || parse(s, out) < 0)
		return -TN_EPARSE;
	return 0;
}

/* Adapters so one helper parses every enum. */
#define ROUTE_PARSER(fn, type)                                        \
	static int parse_##fn(const char *s, void *out)               \
	{                                                             \
		return route_##fn##_parse(s, (type *)out);            \
	}
ROUTE_PARSER(strategy, enum route_strategy)
ROUTE_PARSER(overflow, enum route_overflow)
ROUTE_PARSER(priority, enum route_priority)
ROUTE_PARSER(media, enum route_media)
ROUTE_PARSER(status, enum route_status)
ROUTE_PARSER(state, enum route_state)
ROUTE_PARSER(entry_state, enum route_entry_state)

static int get_skills(const json_t *j, const char *key, uint32_t *out)
{
	const json_t *a = json_object_get(j, key);
	size_t i;
	const json_t *v;
	if (!json_is_array(a))
		return -TN_EPARSE;
	*out = 0;
	json_array_foreach(a, i, v) {
		enum route_skill s;
		if (!json_is_string(v) || route_skill_parse(json_string_value(v), &s) < 0)
			return -TN_EPARSE;
		*out |= ROUTE_SKILL_BIT(s);
	}
	return 0;
}

/* An array of [int, int] pairs; calls fn for each. */
static int get_pairs(const json_t *j, const char *key,
                     int (*fn)(void *ctx, int64_t x, int64_t y), void *ctx)
{
	const json_t *a = json_object_get(j, key);
	size_t i;
	const json_t *v;
	if (!json_is_array(a))
		return -TN_EPARSE;
	json_array_foreach(a, i, v) {
		if (!json_is_array(v) || json_array_size(v) != 2 ||
		    !json_is_integer(json_array_get(v, 0)) || !json_is_integer(json_array_get(v, 1)))
			return -TN_EPARSE;
		int rc = fn(ctx, json_integer_value(json_array_get(v, 0)),
		            json_integer_value(json_array_get(v, 1)));
		if (rc < 0)
			return rc;
	}
	return 0;
}

int route_queue_restore(struct route *r, const json_t *j)
{
	struct route_queue_config c = {0};
	int64_t rr, handle;
	const char *name;
	const json_t *sla = json_object_get(j, "sla_ms"), *cnt = json_object_get(j, "sla");
	if (!r || !json_is_object(j))
		return -EINVAL;
	if (get_i64(j, "id", &c.id) || get_i64(j, "tenant_id", &c.tenant_id) ||
	    jsonx_get_str(j, "name", &name) ||
	    get_name(j, "strategy", parse_strategy, &c.strategy) ||
	    get_name(j, "overflow", parse_overflow, &c.overflow) ||
	    get_i64(j, "overflow_queue_id", &c.overflow_queue_id) ||
	    get_i64(j, "offer_timeout_ms", &c.offer_timeout_ms) ||
	    get_int(j, "max_attempts", &c.max_attempts) || get_skills(j, "skills", &c.skills) ||
	    get_i64(j, "handle_ms", &handle) || get_i64(j, "rr_counter", &rr) ||
	    !json_is_array(sla) || json_array_size(sla) != ROUTE_PRIORITY_COUNT ||
	    !json_is_object(cnt))
		return -TN_EPARSE;
	c.name = name;
	c.handle_ms = handle;
	for (int p = 0; p < ROUTE_PRIORITY_COUNT; p++) {
		if (!json_is_integer(json_array_get(sla, (size_t)p)))
			return -TN_EPARSE;
		c.sla_ms[p] = json_integer_value(json_array_get(sla, (size_t)p));
	}
	struct route_sla_counters k;
	if (get_i64(cnt, "answered", &k.answered) ||
	    get_i64(cnt, "answered_in_sla", &k.answered_in_sla) ||
	    get_i64(cnt, "breached", &k.breached) || get_i64(cnt, "abandoned", &k.abandoned) ||
	    get_i64(cnt, "overflowed", &k.overflowed) ||
	    get_i64(cnt, "callbacks_offered", &k.callbacks_offered))
		return -TN_EPARSE;
	struct route_queue *q;
	int rc = route__queue_make(r, &c, &q);
	if (rc < 0)
		return rc;
	q->rr_counter = rr;
	q->sla = k;
	return 0;
}

static int rr_check(void *ctx, int64_t queue_id, int64_t last)
{
	(void)ctx;
	return queue_id > 0 && last >= 0 ? 0 : -TN_EPARSE;
}

static int rr_pair(void *ctx, int64_t queue_id, int64_t last)
{
	return route__rr_set(ctx, queue_id, last);
}

int route_agent_restore(struct route *r, const json_t *j)
{
	struct route_agent_config c = {0};
	int64_t tenants[ROUTE_TENANTS_MAX], seq, since, last_end, calls, wrap;
	enum route_status status;
	enum route_state state;
	const json_t *ts = json_object_get(j, "tenants"), *lv = json_object_get(j, "levels");
	if (!r || !json_is_object(j))
		return -EINVAL;
	if (get_i64(j, "id", &c.id) || get_i64(j, "seq", &seq) ||
	    get_int(j, "chat_capacity", &c.chat_capacity) || get_i64(j, "wrapup_ms", &c.wrapup_ms) ||
	    get_name(j, "status", parse_status, &status) ||
	    get_name(j, "state", parse_state, &state) || get_i64(j, "state_since", &since) ||
	    get_i64(j, "last_call_end", &last_end) || get_i64(j, "calls_taken", &calls) ||
	    get_i64(j, "wrapup_until", &wrap) || !json_is_array(ts) ||
	    json_array_size(ts) > ROUTE_TENANTS_MAX || !json_is_object(lv) || wrap < 0)
		return -TN_EPARSE;
	size_t i;
	const json_t *v;
	json_array_foreach(ts, i, v) {
		if (!json_is_integer(v))
			return -TN_EPARSE;
		tenants[i] = json_integer_value(v);
	}
	c.tenants = tenants;
	c.n_tenants = json_array_size(ts);
	const char *key;
	json_object_foreach((json_t *)lv, key, v) {
		enum route_skill s;
		if (route_skill_parse(key, &s) < 0 || !json_is_integer(v) ||
		    json_integer_value(v) < 0 || json_integer_value(v) > ROUTE_LEVEL_MAX)
			return -TN_EPARSE;
		c.levels[s] = (int)json_integer_value(v);
	}
	int rc = get_pairs(j, "rr", rr_check, NULL);
	if (rc < 0)
		return rc;
	struct route_agent *a;
	rc = route__agent_make(r, &c, seq, &a);
	if (rc < 0)
		return rc;
	a->status = status;
	if (status == ROUTE_STATUS_AVAILABLE)
		route__staffed_change(r, a, +1);
	a->state = state;
	a->state_since = since;
	a->last_call_end = last_end;
	a->calls_taken = calls;
	route__set_wrapup(r, a, wrap);
	return get_pairs(j, "rr", rr_pair, a);
}

struct pair_check {
	struct route *r;
	struct route_entry *e;  /* NULL while only checking */
	int64_t pending[ROUTE_TENANTS_MAX];
};

static int offer_check(void *ctx, int64_t agent_id, int64_t expires_at)
{
	struct pair_check *pc = ctx;
	struct route_agent *a = route__map_get(&pc->r->agents, agent_id);
	if (!a)
		return -TN_ENOTFOUND;
	if (a->offer || expires_at <= 0)
		return -TN_ECONFLICT;
	if (pc->e)
		return route__offer_make(pc->r, pc->e, a, expires_at);
	return 0;
}

static int attempt_pair(void *ctx, int64_t agent_id, int64_t count)
{
	struct pair_check *pc = ctx;
	if (agent_id <= 0 || count < 1 || count > 1000000)
		return -TN_EPARSE;
	return pc->e ? route__attempt_add(pc->e, agent_id, (int)count) : 0;
}

int route_entry_restore(struct route *r, const json_t *j)
{
	struct route_entry_config c = {0};
	enum route_entry_state state;
	int64_t enq, sla_at, agent_id, assigned_at;
	int stage;
	bool breached, relaxed;
	if (!r || !json_is_object(j))
		return -EINVAL;
	if (get_i64(j, "id", &c.id) || get_i64(j, "conversation_id", &c.conversation_id) ||
	    get_i64(j, "tenant_id", &c.tenant_id) || get_i64(j, "queue_id", &c.queue_id) ||
	    get_name(j, "priority", parse_priority, &c.priority) ||
	    get_skills(j, "skills", &c.skills) || get_name(j, "media", parse_media, &c.media) ||
	    get_name(j, "state", parse_entry_state, &state) ||
	    get_i64(j, "enqueued_at", &enq) || get_i64(j, "due_at", &c.due_at) ||
	    get_i64(j, "sla_at", &sla_at) || get_int(j, "sla_stage", &stage) ||
	    jsonx_get_bool(j, "breached", &breached) || jsonx_get_bool(j, "relaxed", &relaxed) ||
	    get_i64(j, "agent_id", &agent_id) || get_i64(j, "assigned_at", &assigned_at))
		return -TN_EPARSE;
	if (state == ROUTE_ENTRY_ABANDONED || stage < 0 || stage > 1 || sla_at < 0)
		return -EINVAL;
	/* check everything that refers to other objects before changing anything */
	struct pair_check pc = {.r = r};
	const json_t *offers = json_object_get(j, "offers");
	int rc = get_pairs(j, "attempts", attempt_pair, &pc);
	if (rc == 0)
		rc = get_pairs(j, "offers", offer_check, &pc);
	if (rc < 0)
		return rc;
	if ((state == ROUTE_ENTRY_OFFERED) != (json_array_size(offers) > 0))
		return -EINVAL;
	struct route_agent *a = NULL;
	if (state == ROUTE_ENTRY_ASSIGNED) {
		a = route__map_get(&r->agents, agent_id);
		if (!a)
			return -TN_ENOTFOUND;
		if (c.media == ROUTE_MEDIA_VOICE ? (a->voice || a->chats)
		                                 : (a->voice || a->chats >= a->chat_capacity))
			return -TN_ECONFLICT;
	}
	struct route_entry *e;
	rc = route__entry_make(r, &c, &e);
	if (rc < 0)
		return rc;
	e->enqueued_at = enq;
	e->sla_stage = stage;
	e->breached = breached;
	e->relaxed = relaxed;
	pc.e = e;
	rc = get_pairs(j, "attempts", attempt_pair, &pc);
	if (rc < 0)
		return rc;
	switch (state) {
	case ROUTE_ENTRY_CALLBACK:
		route__entry_set_state(e, ROUTE_ENTRY_CALLBACK);
		route__set_due(r, e, c.due_at);
		break;
	case ROUTE_ENTRY_WAITING:
		route__entry_wait(e);
		break;
	case ROUTE_ENTRY_OFFERED:
		route__entry_set_state(e, ROUTE_ENTRY_OFFERED);
		rc = get_pairs(j, "offers", offer_check, &pc);
		/* offers are listed newest first: making them prepended each, so reverse */
		struct route_offer *rev = NULL;
		while (e->offers) {
			struct route_offer *o = e->offers;
			e->offers = o->next;
			o->next = rev;
			rev = o;
		}
		e->offers = rev;
		break;
	default:
		route__entry_set_state(e, ROUTE_ENTRY_ASSIGNED);
		e->agent = a;
		e->assigned_at = assigned_at;
		if (c.media == ROUTE_MEDIA_VOICE)
			a->voice = 1;
		else
			a->chats++;
		sla_at = 0;
		break;
	}
	route__set_sla(r, e, sla_at);
	return rc;
}

static int restore_all(struct route *r, const json_t *j, const char *key,
                       int (*fn)(struct route *, const json_t *))
{
	const json_t *a = json_object_get(j, key), *v;
	size_t i;
	if (!json_is_array(a))
		return -TN_EPARSE;
	json_array_foreach(a, i, v) {
		int rc = fn(r, v);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int route_from_json(const json_t *j, int64_t now, struct route **out)
{
	int64_t version;
	if (!json_is_object(j) || jsonx_get_int(j, "version", &version) < 0 || version != 1)
		return -TN_EPARSE;
	struct route *r = route_new();
	if (!r)
		return -ENOMEM;
	int rc = restore_all(r, j, "queues", route_queue_restore);
	if (rc == 0)
		rc = restore_all(r, j, "agents", route_agent_restore);
	if (rc == 0)
		rc = restore_all(r, j, "entries", route_entry_restore);
	if (rc == 0)
		rc = route_resume(r, now);
	if (rc < 0) {
		route_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

/* ---- the supervisor snapshot ---- */

static json_t *queue_snapshot(const struct route_queue *q, int64_t now)
{
	int64_t oldest = INT64_MAX;
	for (int p = 0; p < ROUTE_PRIORITY_COUNT; p++) {
		struct rnode *n = route__tree_first(q->order[p]);
		if (n && n->key.b < oldest)
			oldest = n->key.b;
	}
	const struct route_sla_counters *c = &q->sla;
	return json_pack("{sI sI ss ss s{sI sI sI} sI sI sI sI sI s{sI sI sI sI sI sI}}",
	                 "id", (json_int_t)q->id, "tenant_id", (json_int_t)q->tenant_id,
	                 "name", q->name, "strategy", route_strategy_name(q->strategy),
	                 "depth", "p1", (json_int_t)route__tree_size(q->order[ROUTE_P1]),
	                 "p2", (json_int_t)route__tree_size(q->order[ROUTE_P2]),
	                 "p3", (json_int_t)route__tree_size(q->order[ROUTE_P3]),
	                 "callbacks", (json_int_t)q->n_callbacks,
	                 "offered", (json_int_t)q->n_offered, "assigned", (json_int_t)q->n_assigned,
	                 "longest_wait_ms", (json_int_t)(oldest == INT64_MAX || oldest > now ? 0 : now - oldest),
	                 "average_handle_ms", (json_int_t)q->handle_ms,
	                 "sla", "answered", (json_int_t)c->answered,
	                 "answered_in_sla", (json_int_t)c->answered_in_sla,
	                 "breached", (json_int_t)c->breached, "abandoned", (json_int_t)c->abandoned,
	                 "overflowed", (json_int_t)c->overflowed,
	                 "callbacks_offered", (json_int_t)c->callbacks_offered);
}

static bool serves(const struct route_agent *a, int64_t tenant_id)
{
	for (size_t i = 0; i < a->n_tenants; i++)
		if (a->tenants[i] == tenant_id)
			return true;
	return false;
}

int route_snapshot(const struct route *r, int64_t tenant_id, int64_t now, json_t **out)
{
	json_t *qs = json_array();
	int64_t by_status[ROUTE_STATUS_COUNT] = {0}, by_state[ROUTE_STATE_COUNT] = {0};
	int rc = -ENOMEM;
	if (!r || !out) {
		json_decref(qs);
		return -EINVAL;
	}
	if (!qs)
		return -ENOMEM;
	/* queues in id order, so the view is stable */
	size_t n = 0, i = 0;
	const struct route_queue **list = calloc(r->queues.n + 1, sizeof *list);
	const struct route_queue *q;
	if (!list)
		goto out;
	while ((q = route__map_iter(&r->queues, &i)))
		if (!tenant_id || q->tenant_id == tenant_id)
			list[n++] = q;
	for (size_t a = 1; a < n; a++)
		for (size_t b = a; b > 0 && list[b - 1]->id > list[b]->id; b--) {
			const struct route_queue *t = list[b];
			list[b] = list[b - 1];
			list[b - 1] = t;
		}
	for (size_t k = 0; k < n; k++)
		if (json_array_append_new(qs, queue_snapshot(list[k], now)) < 0)
			goto out;
	i = 0;
	const struct route_agent *a;
	while ((a = route__map_iter(&r->agents, &i))) {
		if (tenant_id && !serves(a, tenant_id))
			continue;
		by_status[a->status]++;
		if (a->status != ROUTE_STATUS_OFFLINE)
			by_state[a->state]++;
	}
	*out = json_pack("{sO s{sI sI sI sI sI sI sI}}", "queues", qs, "agents",
	                 "offline", (json_int_t)by_status[ROUTE_STATUS_OFFLINE],
	                 "available", (json_int_t)by_status[ROUTE_STATUS_AVAILABLE],
	                 "break", (json_int_t)by_status[ROUTE_STATUS_BREAK],
	                 "idle", (json_int_t)by_state[ROUTE_STATE_IDLE],
	                 "offered", (json_int_t)by_state[ROUTE_STATE_OFFERED],
	                 "busy", (json_int_t)by_state[ROUTE_STATE_BUSY],
	                 "wrap_up", (json_int_t)by_state[ROUTE_STATE_WRAP_UP]);
	rc = *out ? 0 : -ENOMEM;
out:
	free(list);
	json_decref(qs);
	return rc;
}
