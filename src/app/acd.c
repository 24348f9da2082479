/* acd.c: the router inside the server: tenants' queues, agents' sessions, the router's
 * timer, and the execution of its actions (offers, ownership, events, customer notices,
 * callbacks), plus the agent console's requests. Loop thread only. */
#include "app/acd_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/dialog_glue.h"
#include "app/live.h"
#include "assist/assist.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/jsonx.h"
#include "base/log.h"
#include "base/str.h"
#include "base/tz.h"
#include "http/http.h"
#include "store/store.h"

int64_t acd__now_ms(void)
{
	return clock_now_ms(NULL);
}

struct acd *acd_get(struct app *app)
{
	return app ? app->ext[ACD_EXT_SLOT] : NULL;
}

/* ---------------------------------------------------------------- lookups */

static struct acd_tenant *tenant_find(struct acd *a, int64_t id)
{
	for (size_t i = 0; i < a->n_tenants; i++)
		if (a->tenants[i].id == id)
			return &a->tenants[i];
	return NULL;
}

struct acd_agent *acd__agent_find(struct acd *a, int64_t id)
{
	for (struct acd_agent *g = a->agents; g; g = g->next)
		if (g->id == id)
			return g;
	return NULL;
}

static struct acd_conv *conv_by_entry(struct acd *a, int64_t entry_id)
{
	for (struct acd_conv *c = a->convs; c; c = c->next)
		if (c->entry_id == entry_id)
			return c;
	return NULL;
}

static struct acd_conv *conv_find(struct acd *a, int64_t conv_id)
{
	for (struct acd_conv *c = a->convs; c; c = c->next)
		if (c->conv_id == conv_id)
			return c;
	return NULL;
}

static void conv_drop(struct acd *a, struct acd_conv *c)
{
	for (struct acd_conv **p = &a->convs; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	live_unsubscribe(c->sub);
	json_decref(c->packet);
	free(c);
}

static int tenant_ensure(struct acd *a, int64_t tenant_id, struct acd_tenant **out);

static bool session_has_tenant(const struct acd_session *s, int64_t tenant_id)
{
	for (size_t i = 0; i < s->n_tenants; i++)
		if (s->tenants[i].tenant_id == tenant_id)
			return true;
	return false;
}

/* ---------------------------------------------------------------- sending */

void acd_session_send(struct acd_session *s, const json_t *msg)
{
	struct buf b = BUF_INIT;
	if (!jsonx_dump(&b, msg)) {
		int rc = ws_send_text(s->ws, b.data, b.len);
		if (rc == -ENOBUFS)
			ws_close(s->ws, 1008, "too slow to keep up");
	}
	buf_free(&b);
}

void acd__agent_send(struct acd_agent *g, const json_t *msg)
{
	if (!g || !msg)
		return;
	for (struct acd_session *s = g->sessions; s; s = s->next)
		acd_session_send(s, msg);
}

void acd__iso(const struct tz *zone, int64_t unix_s, char *out, size_t n)
{
	if (zone && !tz_format_iso(zone, unix_s, out, n))
		return;
	/* UTC: "2026-12-03T14:21:42Z" */
	int64_t days = unix_s >= 0 ? unix_s / 86400 : -((-unix_s + 86399) / 86400);
	int64_t secs = unix_s - days * 86400;
	int y, m, d;
	tz_civil_from_days(days, &y, &m, &d);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, (int)(secs / 3600),
		 (int)(secs / 60 % 60), (int)(secs % 60));
}

json_t *acd__tenant_json(struct acd *a, int64_t tenant_id)
{
	struct acd_tenant *t = tenant_find(a, tenant_id);
	return json_pack("{s:s, s:s}", "slug", t ? t->slug : "", "name", t ? t->name : "");
}

static const char *prio_label(enum route_priority p)
{
	static const char *const l[] = {"P1", "P2", "P3"};
	return (unsigned)p < ROUTE_PRIORITY_COUNT ? l[p] : "P3";
}

static void send_state(struct acd *a, int64_t agent_id)
{
	struct acd_agent *g = acd__agent_find(a, agent_id);
	struct route_agent_info info;
	if (!g || route_agent_get(a->r, agent_id, &info))
		return;
	char since[40];
	acd__iso(NULL, info.state_since / 1000, since, sizeof since);
	json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:i}", "type", "state", "status",
			      route_status_name(info.status), "state", route_state_name(info.state),
			      "since", since, "chats", info.chats);
	acd__agent_send(g, m);
	json_decref(m);
}

/* Tells the customer's windows (every subscriber of the conversation). */
static void tell_customer(struct acd *a, int64_t tenant_id, int64_t conv_id, json_t *ev)
{
	if (ev)
		live_notify(a->app, tenant_id, conv_id, ev);
	json_decref(ev);
}

/* ---------------------------------------------------------------- durable records */

/* One fire-and-forget write: an optional queue-entry status change and an event. */
struct record_job {
	int64_t tenant_id, entry_id, user_id, conv_id, at;
	int status;                   /* enum store_entry_status, or -1 */
	char kind[40];
	char actor[32];
	json_t *data;                 /* owned by the job (a private copy) */
};

static int record_run(struct store_conn *c, void *arg)
{
	struct record_job *j = arg;
	int rc = 0;
	if (j->status >= 0 && j->entry_id > 0 && j->entry_id < ACD_CALLBACK_ENTRY_BASE)
		rc = store_queue_entry_update(c, j->tenant_id, j->entry_id,
					      (enum store_entry_status)j->status, j->user_id, j->at);
	if (rc == -TN_ECONFLICT)
		rc = 0;  /* already finished: the event still counts */
	if (!rc && j->kind[0])
		rc = store_event_append(c, j->tenant_id, j->at, j->kind, j->conv_id, j->actor, j->data,
					NULL);
	json_decref(j->data);
	free(j);
	return rc;
}

/* Queues the record; data is borrowed (copied). Failures are logged. */
static void record(struct acd *a, int64_t tenant_id, int64_t entry_id, int status, int64_t user_id,
		   int64_t conv_id, const char *kind, const char *actor, const json_t *data)
{
	struct record_job *j = calloc(1, sizeof *j);
	if (!j) {
		log_error("acd: out of memory recording %s", kind);
		return;
	}
	j->tenant_id = tenant_id;
	j->entry_id = entry_id;
	j->status = status;
	j->user_id = user_id;
	j->conv_id = conv_id;
	j->at = acd__now_ms() / 1000;
	snprintf(j->kind, sizeof j->kind, "%s", kind ? kind : "");
	snprintf(j->actor, sizeof j->actor, "%s", actor ? actor : "system");
	j->data = data ? json_deep_copy(data) : NULL;
	if (store_write_async(a->app->store, record_run, j, NULL, NULL)) {
		log_error("acd: cannot queue the record of %s", kind);
		json_decref(j->data);
		free(j);
	}
}

void acd__actor_of(int64_t user_id, char *out, size_t n)
{
	snprintf(out, n, "user:%lld", (long long)user_id);
}

/* ---------------------------------------------------------------- the timer */

static void run_actions(struct acd *a);
static void run_abandons(struct acd *a, int64_t now);

static void on_timer(uv_timer_t *t)
{
	struct acd *a = t->data;
	int64_t now = acd__now_ms();
	if (route_tick(a->r, now))
		log_error("acd: the router ran out of memory in a tick");
	run_actions(a);
	run_abandons(a, now);
}

/* The earliest abandon grace to end, or INT64_MAX. */
static int64_t next_abandon(const struct acd *a)
{
	int64_t d = INT64_MAX;
	for (const struct acd_conv *c = a->convs; c; c = c->next)
		if (c->abandon_at > 0 && c->abandon_at < d)
			d = c->abandon_at;
	return d;
}

static void arm_timer(struct acd *a)
{
	int64_t now = acd__now_ms();
	int64_t d = route_next_deadline(a->r, now);
	int64_t ab = next_abandon(a);
	if (ab < d)
		d = ab;
	if (d == INT64_MAX) {
		uv_timer_stop(&a->timer);
		return;
	}
	uint64_t delay = d <= now ? 0 : (uint64_t)(d - now);
	uv_timer_start(&a->timer, on_timer, delay, 0);
}

/* ---------------------------------------------------------------- the customer's place */

/* Tells the customer of a waiting conversation their position and honest wait; when
 * the wait passes the class's answer time (a surge) the notice offers a callback at a
 * time current staffing can keep. */
static void tell_position(struct acd *a, struct acd_conv *c)
{
	int64_t pos = 0, wait = 0;
	if (c->callback_id || route_position(a->r, c->entry_id, &pos) || pos == 0)
		return;  /* offered or assigned already: nothing to wait for */
	int rc = route_estimated_wait(a->r, c->entry_id, acd__now_ms(), &wait);
	json_t *ev = json_pack("{s:s, s:s, s:I}", "type", "handoff", "state", "queued", "position",
			       (json_int_t)pos);
	if (!ev)
		return;
	struct acd_tenant *t = tenant_find(a, c->tenant_id);
	if (rc == 0) {
		json_object_set_new(ev, "wait_seconds", json_integer((wait + 999) / 1000));
		if (t && wait > t->sla_ms[c->prio]) {
			char due[40];
			acd__iso(NULL, (acd__now_ms() + wait) / 1000, due, sizeof due);
			json_object_set_new(ev, "surge", json_true());
			json_object_set_new(ev, "callback_offer", json_string(due));
		}
	} else {
		json_object_set_new(ev, "wait_seconds", json_null());
	}
	tell_customer(a, c->tenant_id, c->conv_id, ev);
}

/* ---------------------------------------------------------------- callbacks */

struct callback_job {
	struct acd *a;
	int64_t tenant_id, conv_id, entry_id, promised_at, now, id;
	char phone[32];
	char reason[64];
};

static int callback_run(struct store_conn *c, void *arg)
{
	struct callback_job *j = arg;
	struct store_callback cb = {.conversation_id = j->conv_id,
				    .phone = j->phone[0] ? j->phone : NULL,
				    .reason = j->reason, .promised_at = j->promised_at};
	json_t *conv = NULL;
	if (!store_conversation_get(c, j->tenant_id, j->conv_id, &conv))
		cb.customer_id = json_integer_value(json_object_get(conv, "customer_id"));
	json_decref(conv);
	int rc = store_callback_create(c, j->tenant_id, &cb, j->now, &j->id);
	if (!rc && j->entry_id > 0 && j->entry_id < ACD_CALLBACK_ENTRY_BASE) {
		rc = store_queue_entry_update(c, j->tenant_id, j->entry_id, STORE_ENTRY_DONE, 0, j->now);
		if (rc == -TN_ECONFLICT)
			rc = 0;
	}
	if (!rc) {
		json_t *d = json_pack("{s:I, s:I, s:s}", "callback_id", (json_int_t)j->id, "promised_at",
				      (json_int_t)j->promised_at, "reason", j->reason);
		rc = store_event_append(c, j->tenant_id, j->now, "callback_queued", j->conv_id,
					"system", d, NULL);
		json_decref(d);
	}
	return rc;
}

static void callbacks_changed(struct acd *a, int64_t tenant_id);

static void callback_done(int result, void *arg)
{
	struct callback_job *j = arg;
	if (j->a->closing) {
		free(j);
		return;
	}
	if (result) {
		log_error("acd: cannot queue the callback of conversation %lld: %s",
			  (long long)j->conv_id, tn_strerror(result));
	} else {
		char due[40];
		acd__iso(NULL, j->promised_at, due, sizeof due);
		json_t *ev = json_pack("{s:s, s:s}", "type", "callback", "due", due);
		if (ev && j->phone[0])
			json_object_set_new(ev, "phone", json_string(j->phone));
		tell_customer(j->a, j->tenant_id, j->conv_id, ev);
		callbacks_changed(j->a, j->tenant_id);
		struct acd_tenant *t = tenant_find(j->a, j->tenant_id);
		if (t)
			acd__sync_callbacks(j->a, t);
	}
	free(j);
}

static int idle_agents(struct acd *a, int64_t tenant_id)
{
	int n = 0;
	for (struct acd_agent *g = a->agents; g; g = g->next) {
		struct route_agent_info info;
		if (!g->sessions || route_agent_get(a->r, g->id, &info) ||
		    info.status != ROUTE_STATUS_AVAILABLE || info.state != ROUTE_STATE_IDLE)
			continue;
		for (struct acd_session *s = g->sessions; s; s = s->next)
			if (session_has_tenant(s, tenant_id)) {
				n++;
				break;
			}
	}
	return n;
}

/* The customer's phone on file into out ("" when none): the handoff packet's, else an
 * identity of the conversation's customer in the store. */
static void customer_phone(struct acd *a, const struct acd_conv *c, char *out, size_t n)
{
	const json_t *cu = json_object_get(c->packet, "customer");
	const char *phone = json_string_value(json_array_get(json_object_get(cu, "phones"), 0));
	if (!phone)
		phone = json_string_value(json_object_get(cu, "phone"));
	out[0] = '\0';
	if (phone && *phone) {
		snprintf(out, n, "%s", phone);
		return;
	}
	struct store_conn *r = store_reader(a->app->store);
	json_t *conv = NULL, *cust = NULL;
	int64_t cust_id = 0;
	if (!store_conversation_get(r, c->tenant_id, c->conv_id, &conv))
		cust_id = json_integer_value(json_object_get(conv, "customer_id"));
	if (cust_id > 0 && !store_customer_get(r, c->tenant_id, cust_id, &cust)) {
		size_t i;
		json_t *id;
		json_array_foreach(json_object_get(cust, "identities"), i, id) {
			const char *kind = json_string_value(json_object_get(id, "kind"));
			const char *v = json_string_value(json_object_get(id, "value"));
			if (kind && v && !strcmp(kind, "phone")) {
				snprintf(out, n, "%s", v);
				break;
			}
		}
	}
	json_decref(cust);
	json_decref(conv);
}

/* Nobody could take the conversation: a callback at a time the current staffing can
 * keep (the queue's estimated wait for a routine entry, and never sooner than the
 * business's answer time for routine requests). */
static void queue_callback(struct acd *a, struct acd_conv *c, const char *reason)
{
	struct callback_job *j = calloc(1, sizeof *j);
	if (!j)
		return;
	j->a = a;
	j->tenant_id = c->tenant_id;
	j->conv_id = c->conv_id;
	j->entry_id = c->entry_id;
	j->now = acd__now_ms() / 1000;
	int64_t wait = 0;
	if (idle_agents(a, c->tenant_id) > 0)
		wait = 0;  /* someone is free now: the business's own answer time can be kept */
	else if (route_queue_estimated_wait(a->r, c->queue_id, ROUTE_P3, &wait))
		wait = 3600 * 1000;  /* nobody staffed now: an hour */
	struct acd_tenant *t = tenant_find(a, c->tenant_id);
	int64_t floor_ms = t ? t->sla_ms[ROUTE_P3] : 1800 * 1000;
	int64_t wait_s = (wait < floor_ms ? floor_ms : wait) / 1000;
	j->promised_at = j->now + wait_s;
	snprintf(j->reason, sizeof j->reason, "%s", reason);
	customer_phone(a, c, j->phone, sizeof j->phone);
	if (store_write_async(a->app->store, callback_run, j, callback_done, j))
		free(j);
}

/* A callback's status change (in progress with its agent, done, cancelled) and its event. */
struct callback_status_job {
	int64_t tenant_id, callback_id, user_id, conv_id, now;
	enum store_callback_status status;
};

static int callback_status_run(struct store_conn *c, void *arg)
{
	struct callback_status_job *j = arg;
	int rc = store_callback_update(c, j->tenant_id, j->callback_id, j->status, j->user_id, NULL,
				       j->now);
	if (!rc) {
		char actor[32];
		acd__actor_of(j->user_id, actor, sizeof actor);
		json_t *d = json_pack("{s:I, s:s}", "callback_id", (json_int_t)j->callback_id, "status",
				      store_callback_status_name(j->status));
		rc = store_event_append(c, j->tenant_id, j->now, "callback_status", j->conv_id,
					j->user_id ? actor : "system", d, NULL);
		json_decref(d);
	}
	free(j);
	return rc;
}

static void callback_status(struct acd *a, const struct acd_conv *c, enum store_callback_status st,
			    int64_t user_id)
{
	struct callback_status_job *j = calloc(1, sizeof *j);
	if (!j)
		return;
	*j = (struct callback_status_job){c->tenant_id, c->callback_id, user_id, c->conv_id,
					  acd__now_ms() / 1000, st};
	if (store_write_async(a->app->store, callback_status_run, j, NULL, NULL))
		free(j);
}

/* ---------------------------------------------------------------- assignment */

static void on_conv_event(void *ctx, int64_t conv_id, const json_t *ev, const char *text,
			  size_t len);

static json_t *conv_summary(struct acd *a, const struct acd_conv *c)
{
	json_t *m = json_pack("{s:I, s:o, s:s, s:s, s:O?}", "conversation", (json_int_t)c->conv_id,
			      "tenant", acd__tenant_json(a, c->tenant_id), "priority", prio_label(c->prio),
			      "state", c->state == CONV_ASSIGNED ? "assigned" : "released",
			      "packet", c->packet);
	return m;
}

/* Sends the owner "assigned" with the packet and the transcript so far. */
static void send_assigned(struct acd *a, struct acd_conv *c, struct acd_session *only)
{
	json_t *msgs = NULL;
	if (live_replay(a->app, c->tenant_id, c->conv_id, 0, 500, &msgs))
		msgs = json_array();
	json_t *m = json_pack("{s:s, s:I, s:o, s:s, s:O?, s:o}", "type", "assigned", "conversation",
			      (json_int_t)c->conv_id, "tenant", acd__tenant_json(a, c->tenant_id),
			      "priority", prio_label(c->prio), "packet", c->packet, "messages",
			      msgs ? msgs : json_array());
	if (only)
		acd_session_send(only, m);
	else
		acd__agent_send(acd__agent_find(a, c->agent_id), m);
	json_decref(m);
}

static void on_assigned(struct acd *a, const struct route_action *act)
{
	struct acd_conv *c = conv_by_entry(a, act->entry_id);
	struct acd_agent *g = acd__agent_find(a, act->agent_id);
	if (!c || !g)
		return;
	c->state = CONV_ASSIGNED;
	c->agent_id = g->id;
	c->abandon_at = 0;
	int rc = live_set_owner(a->app, c->tenant_id, c->conv_id, g->id, g->name);
	if (rc)
		log_error("acd: cannot give conversation %lld to user %lld: %s", (long long)c->conv_id,
			  (long long)g->id, tn_strerror(rc));
	char actor[32];
	acd__actor_of(g->id, actor, sizeof actor);
	json_t *d = json_pack("{s:I, s:s}", "agent_id", (json_int_t)g->id, "agent", g->name);
	record(a, c->tenant_id, c->entry_id, STORE_ENTRY_ASSIGNED, g->id, c->conv_id, "assigned",
	       actor, d);
	if (c->callback_id)
		callback_status(a, c, STORE_CALLBACK_IN_PROGRESS, g->id);
	json_decref(d);
	if (!c->sub && live_subscribe(a->app, c->tenant_id, c->conv_id, on_conv_event, a, &c->sub))
		log_error("acd: cannot follow conversation %lld", (long long)c->conv_id);
	send_assigned(a, c, NULL);
	acd__send_assist(a, c);  /* the panel from what the customer said to the AI */
}

/* ---------------------------------------------------------------- actions */

static void on_offer(struct acd *a, const struct route_action *act)
{
	struct acd_conv *c = conv_by_entry(a, act->entry_id);
	struct acd_agent *g = acd__agent_find(a, act->agent_id);
	if (!c || !g)
		return;
	char exp[40];
	acd__iso(NULL, act->at / 1000, exp, sizeof exp);
	json_t *m = json_pack("{s:s, s:I, s:I, s:o, s:s, s:s, s:I, s:O?}", "type", "offer", "offer_id",
			      (json_int_t)c->entry_id, "conversation", (json_int_t)c->conv_id,
			      "tenant", acd__tenant_json(a, c->tenant_id), "priority",
			      prio_label(act->priority), "expires_at", exp, "expires_in_ms",
			      (json_int_t)(act->at - acd__now_ms()), "packet", c->packet);
	if (m && c->callback_id)
		json_object_set_new(m, "callback", json_pack("{s:I}", "id", (json_int_t)c->callback_id));
	acd__agent_send(g, m);
	json_decref(m);
	json_t *d = json_pack("{s:I, s:I}", "agent_id", (json_int_t)g->id, "expires_at",
			      (json_int_t)(act->at / 1000));
	record(a, c->tenant_id, c->entry_id, STORE_ENTRY_OFFERED, g->id, c->conv_id, "offered",
	       "system", d);
	json_decref(d);
}

static void on_offer_gone(struct acd *a, const struct route_action *act)
{
	struct acd_conv *c = conv_by_entry(a, act->entry_id);
	struct route_entry_info info;
	const char *reason = act->type == ROUTE_ACT_OFFER_EXPIRED ? "expired" : "withdrawn";
	if (act->type == ROUTE_ACT_OFFER_WITHDRAWN && !route_entry_get(a->r, act->entry_id, &info) &&
	    info.state == ROUTE_ENTRY_ASSIGNED)
		reason = "taken";
	json_t *m = json_pack("{s:s, s:I, s:s}", "type", "offer_gone", "offer_id",
			      (json_int_t)act->entry_id, "reason", reason);
	acd__agent_send(acd__agent_find(a, act->agent_id), m);
	json_decref(m);
	if (c) {
		json_t *d = json_pack("{s:I, s:s}", "agent_id", (json_int_t)act->agent_id, "reason",
				      reason);
		record(a, c->tenant_id, c->entry_id, STORE_ENTRY_WAITING, 0, c->conv_id,
		       act->type == ROUTE_ACT_OFFER_EXPIRED ? "offer_expired" : "offer_withdrawn",
		       "system", d);
		json_decref(d);
	}
}

static void on_queue_event(struct acd *a, const struct route_action *act, const char *kind)
{
	struct acd_conv *c = conv_by_entry(a, act->entry_id);
	if (!c)
		return;
	c->prio = act->priority;
	json_t *d = json_pack("{s:s, s:I, s:I}", "priority", prio_label(act->priority), "queue_id",
			      (json_int_t)act->queue_id, "to_queue_id", (json_int_t)act->to_queue_id);
	record(a, c->tenant_id, 0, -1, 0, c->conv_id, kind, "system", d);
	json_decref(d);
	if (act->type == ROUTE_ACT_OVERFLOW && act->to_queue_id)
		c->queue_id = act->to_queue_id;
	if (c->state == CONV_QUEUED)
		tell_position(a, c);
}

static void run_actions(struct acd *a)
{
	for (int round = 0; round < 64; round++) {
		size_t n = 0;
		const struct route_action *acts = route_actions(a->r, &n);
		if (n == 0)
			break;
		struct route_action *copy = malloc(n * sizeof *copy);
		if (!copy) {
			log_error("acd: out of memory executing %zu router actions", n);
			route_actions_clear(a->r);
			break;
		}
		memcpy(copy, acts, n * sizeof *copy);
		route_actions_clear(a->r);
		for (size_t i = 0; i < n; i++) {
			const struct route_action *act = &copy[i];
			switch (act->type) {
			case ROUTE_ACT_OFFER:
				on_offer(a, act);
				send_state(a, act->agent_id);
				break;
			case ROUTE_ACT_OFFER_EXPIRED:
			case ROUTE_ACT_OFFER_WITHDRAWN:
				on_offer_gone(a, act);
				send_state(a, act->agent_id);
				break;
			case ROUTE_ACT_ASSIGNED:
				on_assigned(a, act);
				send_state(a, act->agent_id);
				break;
			case ROUTE_ACT_SLA_BREACH:
				on_queue_event(a, act, "sla_breach");
				break;
			case ROUTE_ACT_ESCALATE_PRIORITY:
				on_queue_event(a, act, "priority_raised");
				break;
			case ROUTE_ACT_OVERFLOW:
				on_queue_event(a, act, "overflow");
				break;
			case ROUTE_ACT_CALLBACK_OFFER: {
				struct acd_conv *c = conv_by_entry(a, act->entry_id);
				if (c && c->callback_id) {
					/* a due callback nobody took: it stays on the list */
					c->state = CONV_PARKED;
					record(a, c->tenant_id, 0, -1, 0, c->conv_id, "callback_unanswered",
					       "system", NULL);
				} else if (c) {
					queue_callback(a, c, "nobody answered in time");
					conv_drop(a, c);
				}
				break;
			}
			case ROUTE_ACT_CALLBACK_DUE: {
				struct acd_conv *c = conv_by_entry(a, act->entry_id);
				if (c)
					record(a, c->tenant_id, 0, -1, 0, c->conv_id, "callback_due",
					       "system", NULL);
				break;
			}
			case ROUTE_ACT_WRAPUP_END:
				send_state(a, act->agent_id);
				break;
			default:
				break;
			}
		}
		free(copy);
	}
	arm_timer(a);
}

/* ---------------------------------------------------------------- enqueueing */

struct enqueue_job {
	struct acd *a;
	int64_t tenant_id, conv_id, queue_id, entry_id, now;
	int priority;
	char reason[64];
};

static int enqueue_run(struct store_conn *c, void *arg)
{
	struct enqueue_job *j = arg;
	int rc = store_queue_entry_add(c, j->tenant_id, j->queue_id, j->conv_id, j->priority + 1,
				       j->reason, j->now, 0, &j->entry_id);
	if (!rc) {
		json_t *d = json_pack("{s:I, s:I, s:s}", "entry_id", (json_int_t)j->entry_id, "queue_id",
				      (json_int_t)j->queue_id, "reason", j->reason);
		rc = store_event_append(c, j->tenant_id, j->now, "queued", j->conv_id, "system", d,
					NULL);
		json_decref(d);
	}
	return rc;
}

static int enter_router(struct acd *a, struct acd_conv *c)
{
	struct route_entry_config e = {.id = c->entry_id, .conversation_id = c->conv_id,
				       .tenant_id = c->tenant_id, .queue_id = c->queue_id,
				       .priority = c->prio, .skills = c->skills,
				       .media = ROUTE_MEDIA_CHAT};
	int rc = route_enqueue(a->r, &e, acd__now_ms());
	if (rc)
		return rc;
	c->state = CONV_QUEUED;
	run_actions(a);
	if (c->state == CONV_QUEUED)
		tell_position(a, c);
	return 0;
}

static void enqueue_done(int result, void *arg)
{
	struct enqueue_job *j = arg;
	if (j->a->closing) {
		free(j);
		return;
	}
	struct acd *a = j->a;
	struct acd_conv *c = conv_find(a, j->conv_id);
	if (!c || c->state != CONV_PENDING) {
		free(j);
		return;
	}
	if (result) {
		log_error("acd: cannot queue conversation %lld: %s", (long long)j->conv_id,
			  tn_strerror(result));
		conv_drop(a, c);
		free(j);
		return;
	}
	c->entry_id = j->entry_id;
	int rc = enter_router(a, c);
	if (rc) {
		log_error("acd: the router refused conversation %lld: %s", (long long)c->conv_id,
			  tn_strerror(rc));
		queue_callback(a, c, "routing failed");
		conv_drop(a, c);
	}
	free(j);
}

/* The customer's language as a skill the entry needs, when some agent of the tenant has
 * language skills on record (otherwise every agent is taken to speak it). */
static uint32_t language_skill(struct acd *a, int64_t tenant_id, const json_t *packet)
{
	enum route_skill lang;
	const char *l = json_string_value(json_object_get(packet, "language"));
	if (!l || route_skill_parse(l, &lang) || !(ROUTE_SKILL_BIT(lang) & ROUTE_LANG_BITS))
		return 0;
	json_t *rows = NULL;
	uint32_t need = 0;
	if (store_agent_skill_list(store_reader(a->app->store), tenant_id, 0, &rows))
		return 0;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		enum route_skill sk;
		if (!route_skill_parse(json_string_value(json_object_get(row, "skill")), &sk) &&
		    (ROUTE_SKILL_BIT(sk) & ROUTE_LANG_BITS) &&
		    json_integer_value(json_object_get(row, "level")) > 0)
			need = ROUTE_SKILL_BIT(lang);
	}
	json_decref(rows);
	return need;
}

/* Queues conversation conv_id of tenant in queue_id with class prio (the packet is
 * borrowed). 0 or an error. */
static int enqueue(struct acd *a, int64_t tenant_id, int64_t conv_id, int64_t queue_id,
		   enum route_priority prio, const json_t *packet, const char *reason)
{
	struct acd_conv *c = conv_find(a, conv_id);
	struct route_entry_info info;
	if (c && c->callback_id && (c->state == CONV_PARKED ||
				    (c->state == CONV_QUEUED && !route_entry_get(a->r, c->entry_id, &info) &&
				     (info.state == ROUTE_ENTRY_CALLBACK || info.state == ROUTE_ENTRY_WAITING)))) {
		/* the customer is back and needs a person now: the callback is superseded */
		if (c->state == CONV_QUEUED)
			route_dequeue(a->r, c->entry_id, acd__now_ms());
		callback_status(a, c, STORE_CALLBACK_CANCELLED, 0);
		conv_drop(a, c);
		c = NULL;
	}
	if (c && c->state != CONV_RELEASED)
		return -TN_ECONFLICT;
	if (c)
		conv_drop(a, c);
	c = calloc(1, sizeof *c);
	struct enqueue_job *j = calloc(1, sizeof *j);
	if (!c || !j) {
		free(c);
		free(j);
		return -ENOMEM;
	}
	c->conv_id = conv_id;
	c->tenant_id = tenant_id;
	c->queue_id = queue_id;
	c->prio = prio;
	c->state = CONV_PENDING;
	c->queued_at = acd__now_ms();
	c->packet = packet ? json_deep_copy(packet) : json_object();
	c->skills = language_skill(a, tenant_id, c->packet);
	c->next = a->convs;
	a->convs = c;
	j->a = a;
	j->tenant_id = tenant_id;
	j->conv_id = conv_id;
	j->queue_id = queue_id;
	j->priority = (int)prio;
	j->now = acd__now_ms() / 1000;
	snprintf(j->reason, sizeof j->reason, "%s", reason ? reason : "handoff");
	int rc = store_write_async(a->app->store, enqueue_run, j, enqueue_done, j);
	if (rc) {
		free(j);
		conv_drop(a, c);
	}
	return rc;
}

/* ---------------------------------------------------------------- the customer leaves */

/* Whether the conversation is waiting for a person (not yet accepted, not a callback). */
static bool conv_waiting(struct acd *a, const struct acd_conv *c)
{
	struct route_entry_info info;
	if (c->callback_id)
		return false;
	if (c->state == CONV_PENDING)
		return true;
	return c->state == CONV_QUEUED && !route_entry_get(a->r, c->entry_id, &info) &&
	       (info.state == ROUTE_ENTRY_WAITING || info.state == ROUTE_ENTRY_OFFERED);
}

/* The abandon grace of c ended: with a phone on file the entry becomes a callback,
 * otherwise it leaves the queue as abandoned. An outstanding offer is withdrawn. */
static void abandon(struct acd *a, struct acd_conv *c, int64_t now)
{
	if (c->state == CONV_PENDING) {
		c->abandon_at = now + 1000;  /* its queue row is still being written */
		return;
	}
	if (!conv_waiting(a, c))
		return;
	char phone[32];
	customer_phone(a, c, phone, sizeof phone);
	int rc = phone[0] ? route_dequeue_callback(a->r, c->entry_id, now)
			  : route_dequeue(a->r, c->entry_id, now);
	if (rc) {
		log_error("acd: cannot take conversation %lld out of its queue: %s",
			  (long long)c->conv_id, tn_strerror(rc));
		return;
	}
	run_actions(a);  /* the offer out, if any, is withdrawn while c is still known */
	if (phone[0]) {
		queue_callback(a, c, "the customer left the chat");
	} else {
		json_t *d = json_pack("{s:I, s:I, s:s, s:I}", "entry_id", (json_int_t)c->entry_id,
				      "queue_id", (json_int_t)c->queue_id, "priority",
				      prio_label(c->prio), "wait_seconds",
				      (json_int_t)((now - c->queued_at) / 1000));
		record(a, c->tenant_id, c->entry_id, STORE_ENTRY_ABANDONED, 0, c->conv_id, "abandoned",
		       "system", d);
		json_decref(d);
	}
	conv_drop(a, c);
}

static void run_abandons(struct acd *a, int64_t now)
{
	bool again = true;
	while (again) {
		again = false;
		for (struct acd_conv *c = a->convs; c; c = c->next)
			if (c->abandon_at > 0 && c->abandon_at <= now) {
				c->abandon_at = 0;
				abandon(a, c, now);  /* may drop c: start over */
				again = true;
				break;
			}
	}
	arm_timer(a);
}

void acd_customer_presence(struct app *app, int64_t tenant_id, int64_t conv_id, bool present)
{
	struct acd *a = acd_get(app);
	struct acd_conv *c = a && !a->closing ? conv_find(a, conv_id) : NULL;
	if (!c || c->tenant_id != tenant_id)
		return;
	if (present)
		c->abandon_at = 0;
	else if (!c->abandon_at && conv_waiting(a, c))
		c->abandon_at = acd__now_ms() + a->abandon_grace_ms;
	arm_timer(a);
}

/* ---------------------------------------------------------------- live hooks */

static int agents_hook(void *ctx, int64_t tenant_id)
{
	struct acd *a = ctx;
	int n = 0;
	for (struct acd_agent *g = a->agents; g; g = g->next) {
		struct route_agent_info info;
		if (!g->sessions || route_agent_get(a->r, g->id, &info) ||
		    info.status != ROUTE_STATUS_AVAILABLE)
			continue;
		for (struct acd_session *s = g->sessions; s; s = s->next)
			if (session_has_tenant(s, tenant_id)) {
				n++;
				break;
			}
	}
	return n;
}

static void handoff_hook(void *ctx, int64_t tenant_id, int64_t conv_id, int priority,
			 const json_t *packet)
{
	struct acd *a = ctx;
	struct acd_tenant *t = NULL;
	if (tenant_ensure(a, tenant_id, &t) || t->n_queues == 0) {
		log_error("acd: a handoff for tenant %lld, which has no queue", (long long)tenant_id);
		return;
	}
	enum route_priority p = priority <= 1 ? ROUTE_P1 : priority == 2 ? ROUTE_P2 : ROUTE_P3;
	const json_t *reasons = json_object_get(packet, "reasons");
	size_t i;
	const json_t *r;
	json_array_foreach(reasons, i, r) {
		const char *name = json_is_string(r) ? json_string_value(r)
						     : json_string_value(json_object_get(r, "code"));
		if (name && t->escalations) {
			json_t *cur = json_object_get(t->escalations, name);
			json_object_set_new(t->escalations, name,
					    json_integer((cur ? json_integer_value(cur) : 0) + 1));
		}
	}
	int rc = enqueue(a, tenant_id, conv_id, t->queues[0], p, packet, "handoff");
	if (rc && rc != -TN_ECONFLICT)
		log_error("acd: cannot queue conversation %lld: %s", (long long)conv_id,
			  tn_strerror(rc));
}

/* ---------------------------------------------------------------- conversation events */

static void on_conv_event(void *ctx, int64_t conv_id, const json_t *ev, const char *text,
			  size_t len)
{
	(void)text;
	(void)len;
	struct acd *a = ctx;
	struct acd_conv *c = conv_find(a, conv_id);
	if (!c || c->state != CONV_ASSIGNED)
		return;
	const char *type = json_string_value(json_object_get(ev, "type"));
	if (!type || (strcmp(type, "message") && strcmp(type, "typing")))
		return;
	if (!strcmp(type, "typing") &&
	    strcmp(json_string_value(json_object_get(ev, "from")) ? json_string_value(
			   json_object_get(ev, "from")) : "customer", "customer"))
		return;  /* the agent's own indicator */
	json_t *m = json_deep_copy(ev);
	if (!m)
		return;
	json_object_set_new(m, "conversation", json_integer(conv_id));
	acd__agent_send(acd__agent_find(a, c->agent_id), m);
	json_decref(m);
	const char *from = json_string_value(json_object_get(ev, "from"));
	if (!strcmp(type, "message") && from && !strcmp(from, "customer"))
		acd__send_assist(a, c);
}

/* ---------------------------------------------------------------- sessions */

static int agent_levels(struct acd *a, const struct acd_session *s, int levels[ROUTE_SKILL_COUNT])
{
	memset(levels, 0, ROUTE_SKILL_COUNT * sizeof *levels);
	bool any = false;
	for (size_t i = 0; i < s->n_tenants; i++) {
		json_t *rows = NULL;
		if (store_agent_skill_list(store_reader(a->app->store), s->tenants[i].tenant_id,
					   s->user_id, &rows))
			continue;
		size_t k;
		json_t *row;
		json_array_foreach(rows, k, row) {
			enum route_skill sk;
			int lvl = (int)json_integer_value(json_object_get(row, "level"));
			if (route_skill_parse(json_string_value(json_object_get(row, "skill")), &sk))
				continue;
			if (lvl > levels[sk])
				levels[sk] = lvl > ROUTE_LEVEL_MAX ? ROUTE_LEVEL_MAX : lvl;
			any = true;
		}
		json_decref(rows);
	}
	if (!any)  /* no skills recorded: a generalist */
		for (int i = 0; i < ROUTE_SKILL_COUNT; i++)
			levels[i] = 5;
	return 0;
}

static json_t *callbacks_json(struct acd *a, const struct acd_session *s)
{
	json_t *items = json_array();
	for (size_t i = 0; items && i < s->n_tenants; i++) {
		json_t *rows = NULL;
		if (store_callback_list_open(store_reader(a->app->store), s->tenants[i].tenant_id, &rows))
			continue;
		size_t k;
		json_t *row;
		json_array_foreach(rows, k, row) {
			char due[40];
			acd__iso(NULL, json_integer_value(json_object_get(row, "promised_at")), due, sizeof due);
			json_t *it = json_pack("{s:O, s:{s:s, s:s}, s:O, s:O, s:s, s:O, s:O, s:O}", "id",
					       json_object_get(row, "id"), "tenant", "slug",
					       s->tenants[i].slug, "name", s->tenants[i].name,
					       "customer", json_object_get(row, "customer_id"), "phone",
					       json_object_get(row, "phone"), "due", due, "reason",
					       json_object_get(row, "reason"), "status",
					       json_object_get(row, "status"), "conversation",
					       json_object_get(row, "conversation_id"));
			if (it)
				json_array_append_new(items, it);
		}
		json_decref(rows);
	}
	return items;
}

void acd_send_callbacks(struct acd *a, struct acd_session *s)
{
	json_t *m = json_pack("{s:s, s:o}", "type", "callbacks", "items", callbacks_json(a, s));
	if (m)
		acd_session_send(s, m);
	json_decref(m);
}

static void callbacks_changed(struct acd *a, int64_t tenant_id)
{
	for (struct acd_agent *g = a->agents; g; g = g->next)
		for (struct acd_session *s = g->sessions; s; s = s->next)
			if (session_has_tenant(s, tenant_id))
				acd_send_callbacks(a, s);
}

int acd_session_attach(struct acd *a, struct acd_session *s)
{
	struct acd_agent *g = acd__agent_find(a, s->user_id);
	int64_t now = acd__now_ms();
	for (size_t i = 0; i < s->n_tenants; i++) {
		struct acd_tenant *t;
		int rc = tenant_ensure(a, s->tenants[i].tenant_id, &t);
		if (rc)
			return rc;
	}
	/* The agent's first session (again): their tenants and skills as the store has them
	 * now. A returning agent who holds no conversation is added afresh, so a new
	 * membership or skill counts from this session on. */
	struct route_agent_info held;
	if (g && !g->sessions && !route_agent_get(a->r, g->id, &held) && held.chats == 0 &&
	    held.voice == 0 && !route_agent_remove(a->r, g->id, now)) {
		for (struct acd_agent **p = &a->agents; *p; p = &(*p)->next)
			if (*p == g) {
				*p = g->next;
				break;
			}
		free(g);
		g = NULL;
		run_actions(a);
	}
	if (!g) {
		g = calloc(1, sizeof *g);
		if (!g)
			return -ENOMEM;
		g->id = s->user_id;
		snprintf(g->name, sizeof g->name, "%s", s->name);
		int64_t tenants[ROUTE_TENANTS_MAX];
		for (size_t i = 0; i < s->n_tenants; i++)
			tenants[i] = s->tenants[i].tenant_id;
		struct route_agent_config cfg = {.id = g->id, .tenants = tenants,
						 .n_tenants = s->n_tenants,
						 .chat_capacity = ACD_CHAT_CAPACITY, .wrapup_ms = 0};
		agent_levels(a, s, cfg.levels);
		int rc = route_agent_add(a->r, &cfg, now);
		if (rc) {
			free(g);
			return rc;
		}
		g->next = a->agents;
		a->agents = g;
	}
	s->next = g->sessions;
	g->sessions = s;
	s->attached = true;

	struct route_agent_info info;
	route_agent_get(a->r, g->id, &info);
	json_t *tenants = json_array(), *convs = json_array();
	for (size_t i = 0; tenants && i < s->n_tenants; i++)
		json_array_append_new(tenants, json_pack("{s:s, s:s, s:s}", "slug", s->tenants[i].slug,
							 "name", s->tenants[i].name, "role",
							 s->tenants[i].role));
	for (struct acd_conv *c = a->convs; convs && c; c = c->next)
		if (c->agent_id == g->id && c->state == CONV_ASSIGNED)
			json_array_append_new(convs, conv_summary(a, c));
	json_t *queues = json_array();
	for (size_t i = 0; queues && i < s->n_tenants; i++) {
		struct acd_tenant *t = tenant_find(a, s->tenants[i].tenant_id);
		for (size_t q = 0; t && q < t->n_queues; q++)
			json_array_append_new(queues, json_pack("{s:I, s:s, s:s}", "id",
								(json_int_t)t->queues[q], "name",
								t->queue_names[q], "tenant", t->slug));
	}
	json_t *hello = json_pack("{s:s, s:{s:I, s:s, s:s}, s:o, s:s, s:s, s:o, s:o, s:o}", "type",
				  "hello", "agent", "id", (json_int_t)g->id, "name", s->name, "email",
				  s->email, "tenants", tenants ? tenants : json_array(), "status",
				  route_status_name(info.status), "state", route_state_name(info.state),
				  "conversations", convs ? convs : json_array(), "callbacks",
				  callbacks_json(a, s), "queues", queues ? queues : json_array());
	if (hello)
		acd_session_send(s, hello);
	json_decref(hello);
	/* an owned conversation's transcript and panel again (a reconnecting console) */
	for (struct acd_conv *c = a->convs; c; c = c->next)
		if (c->agent_id == g->id && c->state == CONV_ASSIGNED) {
			if (!c->sub && live_subscribe(a->app, c->tenant_id, c->conv_id, on_conv_event, a,
						      &c->sub))
				log_error("acd: cannot follow conversation %lld", (long long)c->conv_id);
			send_assigned(a, c, s);
			acd__send_assist(a, c);
		}
	return 0;
}

void acd__sweep(struct acd *a, int64_t now)
{
	for (struct acd_conv *c = a->convs, *nx; c; c = nx) {
		nx = c->next;
		if (c->state == CONV_RELEASED && now - c->released_at > ACD_WRAPUP_KEEP_MS)
			conv_drop(a, c);
	}
}

/* An agent_status event in each of the agent's tenants. */
static void record_status(struct acd *a, const struct acd_session *s, const char *status)
{
	char actor[32];
	acd__actor_of(s->user_id, actor, sizeof actor);
	json_t *d = json_pack("{s:s}", "status", status);
	for (size_t i = 0; i < s->n_tenants; i++)
		record(a, s->tenants[i].tenant_id, 0, -1, 0, 0, "agent_status", actor, d);
	json_decref(d);
}

void acd_session_detach(struct acd *a, struct acd_session *s)
{
	struct acd_agent *g = acd__agent_find(a, s->user_id);
	s->attached = false;
	if (!g)
		return;
	for (struct acd_session **p = &g->sessions; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			break;
		}
	if (!g->sessions) {
		struct route_agent_info info;
		bool was_offline = !route_agent_get(a->r, g->id, &info) &&
				   info.status == ROUTE_STATUS_OFFLINE;
		route_agent_set_status(a->r, g->id, ROUTE_STATUS_OFFLINE, acd__now_ms());
		if (!was_offline)
			record_status(a, s, "offline");
		run_actions(a);
	}
}

/* ---------------------------------------------------------------- requests */

int acd_set_status(struct acd *a, struct acd_session *s, const char *status, char *msg,
		   size_t msg_len)
{
	enum route_status st;
	if (!status || route_status_parse(status, &st))
		FAIL(-EINVAL, "status must be available, break or offline");
	int rc = route_agent_set_status(a->r, s->user_id, st, acd__now_ms());
	if (rc)
		FAIL(rc, "cannot set the status: %s", tn_strerror(rc));
	record_status(a, s, status);
	send_state(a, s->user_id);
	run_actions(a);
	return 0;
}

int acd_accept(struct acd *a, struct acd_session *s, int64_t offer_id, char *msg, size_t msg_len)
{
	int rc = route_accept(a->r, s->user_id, offer_id, acd__now_ms());
	if (rc == -ETIMEDOUT) {
		run_actions(a);
		FAIL(rc, "the offer expired or was withdrawn");
	}
	if (rc == -TN_ECONFLICT)
		FAIL(rc, "someone else took it");
	if (rc)
		FAIL(rc, "no such offer");
	run_actions(a);
	return 0;
}

int acd_decline(struct acd *a, struct acd_session *s, int64_t offer_id, char *msg, size_t msg_len)
{
	int rc = route_decline(a->r, s->user_id, offer_id, acd__now_ms());
	if (rc)
		FAIL(rc, "no such offer");
	struct acd_conv *c = conv_by_entry(a, offer_id);
	if (c) {
		char actor[32];
		acd__actor_of(s->user_id, actor, sizeof actor);
		record(a, c->tenant_id, c->entry_id, STORE_ENTRY_WAITING, 0, c->conv_id,
		       "offer_declined", actor, NULL);
	}
	json_t *m = json_pack("{s:s, s:I, s:s}", "type", "offer_gone", "offer_id", (json_int_t)offer_id,
			      "reason", "declined");
	acd__agent_send(acd__agent_find(a, s->user_id), m);
	json_decref(m);
	send_state(a, s->user_id);
	run_actions(a);
	return 0;
}

/* The conversation conv_id owned by the session's agent, or NULL with msg set. */
struct acd_conv *acd__owned(struct acd *a, struct acd_session *s, int64_t conv_id, char *msg,
			      size_t msg_len)
{
	struct acd_conv *c = conv_find(a, conv_id);
	if (!c || c->agent_id != s->user_id || c->state != CONV_ASSIGNED ||
	    !session_has_tenant(s, c->tenant_id)) {
		snprintf(msg, msg_len, "you do not own conversation %lld", (long long)conv_id);
		return NULL;
	}
	return c;
}

struct post_ctx {
	struct acd *a;
	int64_t user_id, conv_id;
	char client_id[72];
};

static void post_done(int rc, const struct live_turn_result *r, void *arg)
{
	struct post_ctx *p = arg;
	if (p->a->closing) {
		free(p);
		return;
	}
	struct acd_agent *g = acd__agent_find(p->a, p->user_id);
	json_t *m;
	if (rc)
		m = json_pack("{s:s, s:s, s:s, s:s}", "type", "error", "code", "internal", "message",
			      "the message was not stored", "ref", p->client_id);
	else
		m = json_pack("{s:s, s:s, s:I, s:I}", "type", "ack", "client_id", p->client_id, "seq",
			      (json_int_t)r->seq, "conversation", (json_int_t)p->conv_id);
	acd__agent_send(g, m);
	json_decref(m);
	free(p);
}

int acd_agent_message(struct acd *a, struct acd_session *s, int64_t conv_id, const char *text,
		      const char *client_id, char *msg, size_t msg_len)
{
	struct acd_conv *c = acd__owned(a, s, conv_id, msg, msg_len);
	if (!c)
		return -TN_EFORBIDDEN;
	struct post_ctx *p = calloc(1, sizeof *p);
	if (!p)
		FAIL(-ENOMEM, "out of memory");
	p->a = a;
	p->user_id = s->user_id;
	p->conv_id = conv_id;
	snprintf(p->client_id, sizeof p->client_id, "%s", client_id);
	int rc = live_post_agent_message(a->app, c->tenant_id, conv_id, s->user_id, s->name, text,
					 client_id, post_done, p, NULL);
	if (rc) {
		free(p);
		FAIL(rc, "cannot send: %s", tn_strerror(rc));
	}
	return 0;
}

int acd_agent_typing(struct acd *a, struct acd_session *s, int64_t conv_id, bool on)
{
	char msg[128];
	struct acd_conv *c = acd__owned(a, s, conv_id, msg, sizeof msg);
	if (!c)
		return -TN_EFORBIDDEN;
	live_typing(a->app, c->tenant_id, conv_id, "agent", on);
	return 0;
}

/* Ends the agent's hold on the conversation: the AI owns it again, the router and the
 * store know, and the agent gets the wrap-up draft. */
/* The AI takes a conversation back with its context: the stored dialog state keeps
 * everything it learned but is no longer "escalated" (which would make the AI only say
 * that a person has the conversation). Runs on the writer before the owner change. */
struct resume_job {
	int64_t tenant_id, conv_id, now;
};

static int resume_run(struct store_conn *c, void *arg)
{
	struct resume_job *j = arg;
	json_t *conv = NULL, *state = NULL;
	int rc = store_conversation_get(c, j->tenant_id, j->conv_id, &conv);
	const json_t *sj = conv ? json_object_get(conv, "state") : NULL;
	struct dialog_state ds;
	if (!rc && json_is_object(sj) && !dialog_state_from_json(sj, &ds) && ds.escalated) {
		ds.escalated = false;
		ds.priority = DIALOG_P_NONE;
		ds.failures = 0;
		ds.low_conf_streak = 0;
		ds.promised_at = 0;
		state = dialog_state_to_json(&ds);
		rc = state ? store_conversation_update(c, j->tenant_id, j->conv_id, -1, NULL, 0, state,
						       j->now)
			   : -ENOMEM;
	}
	json_decref(state);
	json_decref(conv);
	free(j);
	return rc;
}

static int release(struct acd *a, struct acd_session *s, struct acd_conv *c, const char *kind)
{
	struct resume_job *rj = calloc(1, sizeof *rj);
	if (!rj)
		return -ENOMEM;
	*rj = (struct resume_job){c->tenant_id, c->conv_id, acd__now_ms() / 1000};
	int rc = store_write_async(a->app->store, resume_run, rj, NULL, NULL);
	if (rc) {
		free(rj);
		return rc;
	}
	rc = live_set_owner(a->app, c->tenant_id, c->conv_id, 0, NULL);
	if (rc)
		return rc;
	route_release(a->r, s->user_id, c->entry_id, acd__now_ms());
	live_unsubscribe(c->sub);
	c->sub = NULL;
	c->state = CONV_RELEASED;
	c->released_at = acd__now_ms();
	if (c->callback_id)
		callback_status(a, c, STORE_CALLBACK_DONE, s->user_id);
	char actor[32];
	acd__actor_of(s->user_id, actor, sizeof actor);
	record(a, c->tenant_id, c->entry_id, STORE_ENTRY_DONE, 0, c->conv_id, kind, actor, NULL);

	/* the wrap-up draft from the transcript */
	json_t *msgs = NULL;
	struct buf b = BUF_INIT;
	if (!live_replay(a->app, c->tenant_id, c->conv_id, 0, 500, &msgs)) {
		size_t n = json_array_size(msgs), k = 0;
		struct assist_message *am = calloc(n ? n : 1, sizeof *am);
		struct acd_tenant *t = tenant_find(a, c->tenant_id);
		for (size_t i = 0; am && i < n; i++) {
			json_t *m = json_array_get(msgs, i);
			const char *txt = json_string_value(json_object_get(m, "text"));
			if (txt && !acd__speaker_of(json_string_value(json_object_get(m, "from")), &am[k].from))
				am[k++].text = txt;
		}
		struct assist_context ctx = {.now = acd__now_ms() / 1000, .business = t ? t->name : "",
					     .messages = am, .n_messages = k};
		if (am && !assist_wrapup_draft(&ctx, NULL, &b) && !buf_putc(&b, '\0')) {
			json_t *d = json_pack("{s:s, s:I, s:s}", "type", "wrapup_draft", "conversation",
					      (json_int_t)c->conv_id, "summary", b.data);
			acd__agent_send(acd__agent_find(a, s->user_id), d);
			json_decref(d);
		}
		free(am);
	}
	buf_free(&b);
	json_decref(msgs);
	send_state(a, s->user_id);
	run_actions(a);
	return 0;
}

int acd_handback(struct acd *a, struct acd_session *s, int64_t conv_id, char *msg, size_t msg_len)
{
	struct acd_conv *c = acd__owned(a, s, conv_id, msg, msg_len);
	if (!c)
		return -TN_EFORBIDDEN;
	int rc = release(a, s, c, "handback");
	if (rc)
		FAIL(rc, "cannot hand it back: %s", tn_strerror(rc));
	return 0;
}

int acd_release(struct acd *a, struct acd_session *s, int64_t conv_id, char *msg, size_t msg_len)
{
	struct acd_conv *c = acd__owned(a, s, conv_id, msg, msg_len);
	if (!c)
		return -TN_EFORBIDDEN;
	int rc = release(a, s, c, "released");
	if (rc)
		FAIL(rc, "cannot release it: %s", tn_strerror(rc));
	return 0;
}

int acd_transfer(struct acd *a, struct acd_session *s, int64_t conv_id, int64_t queue_id,
		 char *msg, size_t msg_len)
{
	struct acd_conv *c = acd__owned(a, s, conv_id, msg, msg_len);
	if (!c)
		return -TN_EFORBIDDEN;
	struct acd_tenant *t = tenant_find(a, c->tenant_id);
	bool ok = false;
	for (size_t i = 0; t && i < t->n_queues; i++)
		ok |= t->queues[i] == queue_id;
	if (!ok)
		FAIL(-TN_ENOTFOUND, "no queue %lld in this business", (long long)queue_id);
	json_t *packet = json_incref(c->packet);
	int64_t tenant = c->tenant_id;
	enum route_priority p = c->prio;
	int rc = release(a, s, c, "transferred");
	if (!rc)
		rc = enqueue(a, tenant, conv_id, queue_id, p, packet, "transfer");
	json_decref(packet);
	if (rc)
		FAIL(rc, "cannot transfer: %s", tn_strerror(rc));
	return 0;
}

int acd_wrapup(struct acd *a, struct acd_session *s, int64_t conv_id, const char *summary,
	       const char *disposition, char *msg, size_t msg_len)
{
	if (!summary || !disposition || !*disposition || strlen(summary) > 8000 ||
	    strlen(disposition) > 64)
		FAIL(-EINVAL, "wrapup needs summary (up to 8000 bytes) and disposition");
	struct acd_conv *c = conv_find(a, conv_id);
	if (!c || !session_has_tenant(s, c->tenant_id) ||
	    (c->agent_id != s->user_id))
		FAIL(-TN_ENOTFOUND, "no conversation %lld of yours to wrap up", (long long)conv_id);
	if (c->state == CONV_ASSIGNED) {
		int rc = release(a, s, c, "released");
		if (rc)
			FAIL(rc, "cannot release it: %s", tn_strerror(rc));
	}
	char actor[32];
	acd__actor_of(s->user_id, actor, sizeof actor);
	json_t *d = json_pack("{s:s, s:s}", "summary", summary, "disposition", disposition);
	record(a, c->tenant_id, 0, -1, 0, conv_id, "wrapup", actor, d);
	json_decref(d);
	json_t *m = json_pack("{s:s, s:I}", "type", "wrapped_up", "conversation", (json_int_t)conv_id);
	acd__agent_send(acd__agent_find(a, s->user_id), m);
	json_decref(m);
	conv_drop(a, c);
	return 0;
}

int acd_subscribe(struct acd *a, struct acd_session *s, const char *topic, char *msg,
		  size_t msg_len)
{
	(void)a;
	if (!topic || strcmp(topic, "supervisor"))
		FAIL(-EINVAL, "the only topic is supervisor");
	bool may = false;
	for (size_t i = 0; i < s->n_tenants; i++)
		may |= !strcmp(s->tenants[i].role, "supervisor") || !strcmp(s->tenants[i].role, "admin");
	if (!may)
		FAIL(-TN_EFORBIDDEN, "supervisors and admins only");
	s->supervisor = true;
	return 0;
}

/* ---------------------------------------------------------------- open and close */

struct queue_job {
	int64_t tenant_id, id;
	int sla;
};

static int queue_create_run(struct store_conn *c, void *arg)
{
	struct queue_job *j = arg;
	return store_queue_create(c, j->tenant_id, "default", NULL, j->sla, 3, &j->id);
}

static int load_tenant(struct acd *a, struct acd_tenant *t, int64_t now_s)
{
	struct store_conn *r = store_reader(a->app->store);
	struct live_facts *f = NULL;
	int sla[4] = {0, 60, 300, 1800};
	if (!live_facts_get(a->app, t->id, now_s, &f)) {
		for (int i = 1; i <= 3; i++)
			if (f->t->sla_seconds[i] > 0)
				sla[i] = f->t->sla_seconds[i];
		live_facts_unref(f);
	}
	for (int p = 0; p < ROUTE_PRIORITY_COUNT; p++)
		t->sla_ms[p] = (int64_t)sla[p + 1] * 1000;
	json_t *qs = NULL;
	int rc = store_queue_list(r, t->id, &qs);
	if (rc)
		return rc;
	if (json_array_size(qs) == 0) {
		struct queue_job j = {.tenant_id = t->id, .sla = sla[3]};
		rc = store_write_sync(a->app->store, queue_create_run, &j);
		json_decref(qs);
		qs = NULL;
		if (rc || (rc = store_queue_list(r, t->id, &qs)))
			return rc;
	}
	size_t i;
	json_t *q;
	json_array_foreach(qs, i, q) {
		if (t->n_queues >= ACD_QUEUES_MAX)
			break;
		struct route_queue_config cfg = {
			.id = json_integer_value(json_object_get(q, "id")), .tenant_id = t->id,
			.name = json_string_value(json_object_get(q, "name")),
			.strategy = ROUTE_STRATEGY_LONGEST_IDLE, .overflow = ROUTE_OVERFLOW_CALLBACK,
			.offer_timeout_ms = a->offer_ms, .max_attempts = 2,
			.handle_ms = ACD_HANDLE_MS};
		for (int p = 0; p < ROUTE_PRIORITY_COUNT; p++)
			cfg.sla_ms[p] = t->sla_ms[p];
		if ((rc = route_queue_add(a->r, &cfg)))
			break;
		snprintf(t->queue_names[t->n_queues], sizeof t->queue_names[0], "%s",
			 cfg.name ? cfg.name : "");
		t->queues[t->n_queues++] = cfg.id;
	}
	json_decref(qs);
	return rc;
}

/* Rebuilds the router's entries from the store's live queue entries. */
static int restore_entries(struct acd *a, struct acd_tenant *t)
{
	struct store_conn *r = store_reader(a->app->store);
	json_t *rows = NULL;
	int rc = store_queue_entry_list_live(r, t->id, &rows);
	if (rc)
		return rc;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		struct acd_conv *c = calloc(1, sizeof *c);
		if (!c) {
			rc = -ENOMEM;
			break;
		}
		c->entry_id = json_integer_value(json_object_get(row, "id"));
		c->conv_id = json_integer_value(json_object_get(row, "conversation_id"));
		c->queue_id = json_integer_value(json_object_get(row, "queue_id"));
		c->tenant_id = t->id;
		c->queued_at = json_integer_value(json_object_get(row, "entered_at")) * 1000;
		int64_t p = json_integer_value(json_object_get(row, "priority")) - 1;
		c->prio = p <= 0 ? ROUTE_P1 : p == 1 ? ROUTE_P2 : ROUTE_P3;
		json_t *h = NULL;
		if (!store_handoff_latest(r, t->id, c->conv_id, &h))
			c->packet = json_incref(json_object_get(h, "packet"));
		json_decref(h);
		if (!c->packet)
			c->packet = json_object();
		const char *st = json_string_value(json_object_get(row, "status"));
		c->next = a->convs;
		a->convs = c;
		if (st && !strcmp(st, "assigned")) {
			/* stays with its owner, who sees it on reconnecting */
			c->state = CONV_ASSIGNED;
			c->agent_id = json_integer_value(json_object_get(row, "assigned_user_id"));
			continue;
		}
		struct route_entry_config e = {.id = c->entry_id, .conversation_id = c->conv_id,
					       .tenant_id = t->id, .queue_id = c->queue_id,
					       .priority = c->prio, .media = ROUTE_MEDIA_CHAT};
		c->state = CONV_QUEUED;
		if ((rc = route_enqueue(a->r, &e, acd__now_ms()))) {
			log_error("acd: cannot restore queue entry %lld: %s", (long long)c->entry_id,
				  tn_strerror(rc));
			conv_drop(a, c);
			rc = 0;
		}
	}
	json_decref(rows);
	return rc;
}

void acd__sync_callbacks(struct acd *a, struct acd_tenant *t)
{
	struct store_conn *r = store_reader(a->app->store);
	json_t *rows = NULL;
	a->synced_at = acd__now_ms();
	if (t->n_queues == 0 || store_callback_list_open(r, t->id, &rows))
		return;
	size_t i;
	json_t *row;
	bool routed = false;
	json_array_foreach(rows, i, row) {
		int64_t id = json_integer_value(json_object_get(row, "id"));
		int64_t conv_id = json_integer_value(json_object_get(row, "conversation_id"));
		const char *st = json_string_value(json_object_get(row, "status"));
		if (conv_id <= 0 || !st)
			continue;  /* a callback without a conversation is only listed */
		bool known = false;
		for (struct acd_conv *c = a->convs; c; c = c->next)
			known |= c->callback_id == id;
		struct acd_conv *old = conv_find(a, conv_id);
		if (known || (old && old->state != CONV_RELEASED))
			continue;
		if (old)
			conv_drop(a, old);
		struct acd_conv *c = calloc(1, sizeof *c);
		if (!c)
			break;
		c->conv_id = conv_id;
		c->tenant_id = t->id;
		c->queue_id = t->queues[0];
		c->callback_id = id;
		c->entry_id = ACD_CALLBACK_ENTRY_BASE + id;
		c->prio = ROUTE_P3;
		json_t *h = NULL;
		if (!store_handoff_latest(r, t->id, conv_id, &h))
			c->packet = json_incref(json_object_get(h, "packet"));
		json_decref(h);
		if (!c->packet)
			c->packet = json_object();
		json_object_set_new(c->packet, "callback", json_pack("{s:I, s:O, s:O, s:O}", "id",
				    (json_int_t)id, "phone", json_object_get(row, "phone"), "reason",
				    json_object_get(row, "reason"), "promised_at",
				    json_object_get(row, "promised_at")));
		c->next = a->convs;
		a->convs = c;
		int64_t user = json_integer_value(json_object_get(row, "assigned_user_id"));
		if (!strcmp(st, "in_progress") && user > 0) {
			c->state = CONV_ASSIGNED;  /* with its agent since before a restart */
			c->agent_id = user;
			continue;
		}
		int64_t due = json_integer_value(json_object_get(row, "promised_at")) * 1000;
		struct route_entry_config e = {.id = c->entry_id, .conversation_id = conv_id,
					       .tenant_id = t->id, .queue_id = c->queue_id,
					       .priority = ROUTE_P3, .media = ROUTE_MEDIA_CHAT,
					       .due_at = due > a->synced_at ? due : 0};
		c->state = CONV_QUEUED;
		if (route_enqueue(a->r, &e, a->synced_at)) {
			conv_drop(a, c);
			continue;
		}
		routed = true;
	}
	json_decref(rows);
	if (routed && !a->closing && a->app->ext[ACD_EXT_SLOT] == a)
		run_actions(a);
}

/* The tenant, loaded on first use when it was created after start-up. */
static int tenant_ensure(struct acd *a, int64_t tenant_id, struct acd_tenant **out)
{
	if ((*out = tenant_find(a, tenant_id)))
		return 0;
	json_t *tj = NULL;
	int rc = store_tenant_get(store_reader(a->app->store), tenant_id, &tj);
	if (rc)
		return rc;
	struct acd_tenant *grown = realloc(a->tenants, (a->n_tenants + 1) * sizeof *grown);
	if (!grown) {
		json_decref(tj);
		return -ENOMEM;
	}
	a->tenants = grown;
	struct acd_tenant *t = &a->tenants[a->n_tenants];
	memset(t, 0, sizeof *t);
	t->id = tenant_id;
	snprintf(t->slug, sizeof t->slug, "%s", json_string_value(json_object_get(tj, "slug")));
	snprintf(t->name, sizeof t->name, "%s", json_string_value(json_object_get(tj, "name")));
	json_decref(tj);
	t->escalations = json_object();
	a->n_tenants++;
	if ((rc = load_tenant(a, t, acd__now_ms() / 1000)) || (rc = restore_entries(a, t)))
		return rc;  /* the tenant stays, without queues: handoffs become callbacks */
	acd__sync_callbacks(a, t);
	*out = t;
	return 0;
}

int acd_open(struct app *app)
{
	struct acd *a = calloc(1, sizeof *a);
	if (!a)
		return -ENOMEM;
	a->app = app;
	a->offer_ms = ACD_OFFER_MS_DEFAULT;
	const char *env = getenv("TANDEM_OFFER_TIMEOUT_MS");
	int64_t v;
	if (env && *env && !str_to_i64(env, 1000, 3600000, &v))
		a->offer_ms = v;
	a->abandon_grace_ms = ACD_ABANDON_GRACE_MS_DEFAULT;
	env = getenv("TANDEM_ABANDON_GRACE_MS");
	if (env && *env && !str_to_i64(env, 100, 86400000, &v))
		a->abandon_grace_ms = v;
	json_t *tenants = NULL;
	int rc = -ENOMEM;
	if (!(a->r = route_new()))
		goto fail;
	if ((rc = store_tenant_list(store_reader(app->store), &tenants)))
		goto fail;
	size_t n = json_array_size(tenants);
	a->tenants = calloc(n ? n : 1, sizeof *a->tenants);
	if (!a->tenants) {
		rc = -ENOMEM;
		goto fail;
	}
	int64_t now_s = acd__now_ms() / 1000;
	for (size_t i = 0; i < n; i++) {
		json_t *tj = json_array_get(tenants, i);
		struct acd_tenant *t = &a->tenants[a->n_tenants++];
		t->id = json_integer_value(json_object_get(tj, "id"));
		snprintf(t->slug, sizeof t->slug, "%s", json_string_value(json_object_get(tj, "slug")));
		snprintf(t->name, sizeof t->name, "%s", json_string_value(json_object_get(tj, "name")));
		t->escalations = json_object();
		if ((rc = load_tenant(a, t, now_s)) || (rc = restore_entries(a, t)))
			goto fail;
		acd__sync_callbacks(a, t);
	}
	json_decref(tenants);
	tenants = NULL;
	uv_timer_init(&app->loop, &a->timer);
	uv_timer_init(&app->loop, &a->stats_timer);
	a->timer.data = a->stats_timer.data = a;
	a->open_handles = 2;
	uv_unref((uv_handle_t *)&a->timer);
	uv_unref((uv_handle_t *)&a->stats_timer);
	uv_timer_start(&a->stats_timer, acd__on_stats, 1000, 1000);
	app->ext[ACD_EXT_SLOT] = a;
	live_set_agents_hook(app, agents_hook, a);
	live_set_handoff_hook(app, handoff_hook, a);
	route_resume(a->r, acd__now_ms());
	route_actions_clear(a->r);  /* nobody is connected yet: nothing to offer */
	arm_timer(a);
	log_info("acd: %zu tenants, router ready (offer timeout %lld ms, abandon grace %lld ms)",
		 a->n_tenants, (long long)a->offer_ms, (long long)a->abandon_grace_ms);
	return 0;
fail:
	json_decref(tenants);
	for (size_t i = 0; i < a->n_tenants; i++)
		json_decref(a->tenants[i].escalations);
	while (a->convs)
		conv_drop(a, a->convs);
	free(a->tenants);
	route_free(a->r);
	free(a);
	return rc;
}

static void free_acd(struct acd *a)
{
	while (a->convs)
		conv_drop(a, a->convs);
	while (a->agents) {
		struct acd_agent *g = a->agents;
		a->agents = g->next;
		free(g);
	}
	for (size_t i = 0; i < a->n_tenants; i++)
		json_decref(a->tenants[i].escalations);
	free(a->tenants);
	route_free(a->r);
	free(a);
}

static void on_timer_closed(uv_handle_t *h)
{
	struct acd *a = h->data;
	if (--a->open_handles == 0)
		free_acd(a);
}

void acd_close(struct app *app)
{
	struct acd *a = acd_get(app);
	if (!a)
		return;
	app->ext[ACD_EXT_SLOT] = NULL;
	a->closing = true;
	for (struct acd_conv *c = a->convs; c; c = c->next) {
		live_unsubscribe(c->sub);
		c->sub = NULL;
	}
	live_set_agents_hook(app, NULL, NULL);
	live_set_handoff_hook(app, NULL, NULL);
	uv_close((uv_handle_t *)&a->timer, on_timer_closed);
	uv_close((uv_handle_t *)&a->stats_timer, on_timer_closed);
}
