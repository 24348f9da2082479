/* acd.c: the router inside the server: the router's timer and the execution of its
 * actions (offers, ownership, events, customer notices, callbacks), handoffs entering the
 * queue, and customers who leave while they wait. Loop thread only. Sessions and the
 * console's requests are in acd_agent.c; tenants, queues and restart in acd_tenant.c. */
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

struct acd_tenant *acd__tenant_find(struct acd *a, int64_t id)
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

struct acd_conv *acd__conv_by_entry(struct acd *a, int64_t entry_id)
{
	for (struct acd_conv *c = a->convs; c; c = c->next)
		if (c->entry_id == entry_id)
			return c;
	return NULL;
}

struct acd_conv *acd__conv_find(struct acd *a, int64_t conv_id)
{
	for (struct acd_conv *c = a->convs; c; c = c->next)
		if (c->conv_id == conv_id)
			return c;
	return NULL;
}

void acd__conv_drop(struct acd *a, struct acd_conv *c)
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

bool acd__session_has_tenant(const struct acd_session *s, int64_t tenant_id)
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
	struct acd_tenant *t = acd__tenant_find(a, tenant_id);
	return json_pack("{s:s, s:s}", "slug", t ? t->slug : "", "name", t ? t->name : "");
}

const char *acd__prio_label(enum route_priority p)
{
	static const char *const l[] = {"P1", "P2", "P3"};
	return (unsigned)p < ROUTE_PRIORITY_COUNT ? l[p] : "P3";
}

void acd__send_state(struct acd *a, int64_t agent_id)
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

/* One fire-and-forget write: an optional queue-entry status change, an optional move
 * of the entry (a raised class, another queue) and an event. */
struct record_job {
	int64_t tenant_id, entry_id, user_id, conv_id, at;
	int status;                   /* enum store_entry_status, or -1 */
	int64_t move_queue_id;        /* with move_priority: store_queue_entry_move (0: none) */
	int move_priority;
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
	if (!rc && (j->move_queue_id || j->move_priority) && j->entry_id > 0 &&
	    j->entry_id < ACD_CALLBACK_ENTRY_BASE)
		rc = store_queue_entry_move(c, j->tenant_id, j->entry_id, j->move_queue_id,
					    j->move_priority);
	if (rc == -TN_ECONFLICT)
		rc = 0;  /* already finished: the event still counts */
	if (!rc && j->kind[0])
		rc = store_event_append(c, j->tenant_id, j->at, j->kind, j->conv_id, j->actor, j->data,
					NULL);
	json_decref(j->data);
	free(j);
	return rc;
}

static struct record_job *record_new(int64_t tenant_id, int64_t entry_id, int status,
				     int64_t user_id, int64_t conv_id, const char *kind,
				     const char *actor, const json_t *data)
{
	struct record_job *j = calloc(1, sizeof *j);
	if (!j) {
		log_error("acd: out of memory recording %s", kind);
		return NULL;
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
	return j;
}

static void record_submit(struct acd *a, struct record_job *j)
{
	if (j && store_write_async(a->app->store, record_run, j, NULL, NULL)) {
		log_error("acd: cannot queue the record of %s", j->kind);
		json_decref(j->data);
		free(j);
	}
}

/* Queues the record; data is borrowed (copied). Failures are logged. */
void acd__record(struct acd *a, int64_t tenant_id, int64_t entry_id, int status, int64_t user_id,
		   int64_t conv_id, const char *kind, const char *actor, const json_t *data)
{
	record_submit(a, record_new(tenant_id, entry_id, status, user_id, conv_id, kind, actor,
				    data));
}

/* An event about a waiting entry that also moves it in the store: to queue_id (0 keeps
 * it) and route priority prio (-1 keeps it), so a restart rebuilds it where it is now. */
static void record_move(struct acd *a, int64_t tenant_id, int64_t entry_id, int64_t conv_id,
			int64_t queue_id, int prio, const char *kind, const json_t *data)
{
	struct record_job *j = record_new(tenant_id, entry_id, -1, 0, conv_id, kind, "system", data);
	if (j) {
		j->move_queue_id = queue_id;
		j->move_priority = prio >= 0 ? prio + 1 : 0;
	}
	record_submit(a, j);
}

void acd__actor_of(int64_t user_id, char *out, size_t n)
{
	snprintf(out, n, "user:%lld", (long long)user_id);
}

/* ---------------------------------------------------------------- the timer */

static void run_abandons(struct acd *a, int64_t now);

static void on_timer(uv_timer_t *t)
{
	struct acd *a = t->data;
	int64_t now = acd__now_ms();
	if (route_tick(a->r, now))
		log_error("acd: the router ran out of memory in a tick");
	acd__run_actions(a);
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

void acd__arm_timer(struct acd *a)
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
	struct acd_tenant *t = acd__tenant_find(a, c->tenant_id);
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
	bool requested;               /* the customer asked for it (the surge's offer) */
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
		if (ev && j->requested)
			json_object_set_new(ev, "requested", json_true());
		tell_customer(j->a, j->tenant_id, j->conv_id, ev);
		acd__callbacks_changed(j->a, j->tenant_id);
		struct acd_tenant *t = acd__tenant_find(j->a, j->tenant_id);
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
			if (acd__session_has_tenant(s, tenant_id)) {
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

/* Queues a callback for c: to phone (NULL: the phone on file), promised at promised_s,
 * or when promised_s is 0 at a time the current staffing can keep (the queue's
 * estimated wait for a routine entry, and never sooner than the business's answer time
 * for routine requests); requested when the customer asked for it. */
static void queue_callback_with(struct acd *a, struct acd_conv *c, const char *reason,
				const char *phone, int64_t promised_s, bool requested)
{
	struct callback_job *j = calloc(1, sizeof *j);
	if (!j)
		return;
	j->a = a;
	j->tenant_id = c->tenant_id;
	j->conv_id = c->conv_id;
	j->entry_id = c->entry_id;
	j->now = acd__now_ms() / 1000;
	j->requested = requested;
	if (promised_s > j->now) {
		j->promised_at = promised_s;
	} else {
		int64_t wait = 0;
		if (idle_agents(a, c->tenant_id) > 0)
			wait = 0;  /* someone is free now: the business's own answer time can be kept */
		else if (route_queue_estimated_wait(a->r, c->queue_id, ROUTE_P3, &wait))
			wait = 3600 * 1000;  /* nobody staffed now: an hour */
		struct acd_tenant *t = acd__tenant_find(a, c->tenant_id);
		int64_t floor_ms = t ? t->sla_ms[ROUTE_P3] : 1800 * 1000;
		j->promised_at = j->now + (wait < floor_ms ? floor_ms : wait) / 1000;
	}
	snprintf(j->reason, sizeof j->reason, "%s", reason);
	if (phone && *phone)
		snprintf(j->phone, sizeof j->phone, "%s", phone);
	else
		customer_phone(a, c, j->phone, sizeof j->phone);
	if (store_write_async(a->app->store, callback_run, j, callback_done, j))
		free(j);
}

/* Nobody could take the conversation: a callback when the staffing can keep it. */
static void queue_callback(struct acd *a, struct acd_conv *c, const char *reason)
{
	queue_callback_with(a, c, reason, NULL, 0, false);
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

void acd__callback_status(struct acd *a, const struct acd_conv *c, enum store_callback_status st,
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

json_t *acd__conv_summary(struct acd *a, const struct acd_conv *c)
{
	json_t *m = json_pack("{s:I, s:o, s:s, s:s, s:O?}", "conversation", (json_int_t)c->conv_id,
			      "tenant", acd__tenant_json(a, c->tenant_id), "priority", acd__prio_label(c->prio),
			      "state", c->state == CONV_ASSIGNED ? "assigned" : "released",
			      "packet", c->packet);
	return m;
}

/* Sends the owner "assigned" with the packet and the transcript so far. */
void acd__send_assigned(struct acd *a, struct acd_conv *c, struct acd_session *only)
{
	json_t *msgs = NULL;
	if (live_replay(a->app, c->tenant_id, c->conv_id, 0, 500, &msgs))
		msgs = json_array();
	json_t *m = json_pack("{s:s, s:I, s:o, s:s, s:O?, s:o}", "type", "assigned", "conversation",
			      (json_int_t)c->conv_id, "tenant", acd__tenant_json(a, c->tenant_id),
			      "priority", acd__prio_label(c->prio), "packet", c->packet, "messages",
			      msgs ? msgs : json_array());
	if (only)
		acd_session_send(only, m);
	else
		acd__agent_send(acd__agent_find(a, c->agent_id), m);
	json_decref(m);
}

static void on_assigned(struct acd *a, const struct route_action *act)
{
	struct acd_conv *c = acd__conv_by_entry(a, act->entry_id);
	struct acd_agent *g = acd__agent_find(a, act->agent_id);
	if (!c || !g)
		return;
	c->state = CONV_ASSIGNED;
	c->agent_id = g->id;
	c->abandon_at = 0;
	c->assigned_at = act->at;
	int rc = live_set_owner(a->app, c->tenant_id, c->conv_id, g->id, g->name);
	if (rc)
		log_error("acd: cannot give conversation %lld to user %lld: %s", (long long)c->conv_id,
			  (long long)g->id, tn_strerror(rc));
	char actor[32];
	acd__actor_of(g->id, actor, sizeof actor);
	json_t *d = json_pack("{s:I, s:s}", "agent_id", (json_int_t)g->id, "agent", g->name);
	acd__record(a, c->tenant_id, c->entry_id, STORE_ENTRY_ASSIGNED, g->id, c->conv_id, "assigned",
	       actor, d);
	if (c->callback_id)
		acd__callback_status(a, c, STORE_CALLBACK_IN_PROGRESS, g->id);
	json_decref(d);
	if (!c->sub && live_subscribe(a->app, c->tenant_id, c->conv_id, acd__on_conv_event, a, &c->sub))
		log_error("acd: cannot follow conversation %lld", (long long)c->conv_id);
	acd__send_assigned(a, c, NULL);
	acd__send_assist(a, c);  /* the panel from what the customer said to the AI */
}

/* ---------------------------------------------------------------- actions */

static void on_offer(struct acd *a, const struct route_action *act)
{
	struct acd_conv *c = acd__conv_by_entry(a, act->entry_id);
	struct acd_agent *g = acd__agent_find(a, act->agent_id);
	if (!c || !g)
		return;
	char exp[40];
	acd__iso(NULL, act->at / 1000, exp, sizeof exp);
	json_t *m = json_pack("{s:s, s:I, s:I, s:o, s:s, s:s, s:I, s:O?}", "type", "offer", "offer_id",
			      (json_int_t)c->entry_id, "conversation", (json_int_t)c->conv_id,
			      "tenant", acd__tenant_json(a, c->tenant_id), "priority",
			      acd__prio_label(act->priority), "expires_at", exp, "expires_in_ms",
			      (json_int_t)(act->at - acd__now_ms()), "packet", c->packet);
	if (m && c->callback_id)
		json_object_set_new(m, "callback", json_pack("{s:I}", "id", (json_int_t)c->callback_id));
	acd__agent_send(g, m);
	json_decref(m);
	json_t *d = json_pack("{s:I, s:I}", "agent_id", (json_int_t)g->id, "expires_at",
			      (json_int_t)(act->at / 1000));
	acd__record(a, c->tenant_id, c->entry_id, STORE_ENTRY_OFFERED, g->id, c->conv_id, "offered",
	       "system", d);
	json_decref(d);
}

static void on_offer_gone(struct acd *a, const struct route_action *act)
{
	struct acd_conv *c = acd__conv_by_entry(a, act->entry_id);
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
		acd__record(a, c->tenant_id, c->entry_id, STORE_ENTRY_WAITING, 0, c->conv_id,
		       act->type == ROUTE_ACT_OFFER_EXPIRED ? "offer_expired" : "offer_withdrawn",
		       "system", d);
		json_decref(d);
	}
}

static void on_queue_event(struct acd *a, const struct route_action *act, const char *kind)
{
	struct acd_conv *c = acd__conv_by_entry(a, act->entry_id);
	if (!c)
		return;
	c->prio = act->priority;
	json_t *d = json_pack("{s:s, s:I, s:I}", "priority", acd__prio_label(act->priority), "queue_id",
			      (json_int_t)act->queue_id, "to_queue_id", (json_int_t)act->to_queue_id);
	if (d && act->type == ROUTE_ACT_ESCALATE_PRIORITY)
		json_object_set_new(d, "why", json_string(act->entry_id == a->raising ? "escalated"
											: "answer_time"));
	bool raise = act->type == ROUTE_ACT_ESCALATE_PRIORITY;
	bool moved = act->type == ROUTE_ACT_OVERFLOW && act->to_queue_id;
	if (raise || moved)
		record_move(a, c->tenant_id, act->entry_id, c->conv_id, moved ? act->to_queue_id : 0,
			    raise ? (int)act->priority : -1, kind, d);
	else
		acd__record(a, c->tenant_id, 0, -1, 0, c->conv_id, kind, "system", d);
	json_decref(d);
	if (act->type == ROUTE_ACT_OVERFLOW && act->to_queue_id)
		c->queue_id = act->to_queue_id;
	if (c->state == CONV_QUEUED)
		tell_position(a, c);
}

void acd__run_actions(struct acd *a)
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
				acd__send_state(a, act->agent_id);
				break;
			case ROUTE_ACT_OFFER_EXPIRED:
			case ROUTE_ACT_OFFER_WITHDRAWN:
				on_offer_gone(a, act);
				acd__send_state(a, act->agent_id);
				break;
			case ROUTE_ACT_ASSIGNED:
				on_assigned(a, act);
				acd__send_state(a, act->agent_id);
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
				struct acd_conv *c = acd__conv_by_entry(a, act->entry_id);
				if (c && c->callback_id) {
					/* a due callback nobody took: it stays on the list */
					c->state = CONV_PARKED;
					acd__record(a, c->tenant_id, 0, -1, 0, c->conv_id, "callback_unanswered",
					       "system", NULL);
				} else if (c) {
					queue_callback(a, c, "nobody answered in time");
					acd__conv_drop(a, c);
				}
				break;
			}
			case ROUTE_ACT_CALLBACK_DUE: {
				struct acd_conv *c = acd__conv_by_entry(a, act->entry_id);
				if (c)
					acd__record(a, c->tenant_id, 0, -1, 0, c->conv_id, "callback_due",
					       "system", NULL);
				break;
			}
			case ROUTE_ACT_WRAPUP_END:
				acd__send_state(a, act->agent_id);
				break;
			default:
				break;
			}
		}
		free(copy);
	}
	acd__arm_timer(a);
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
	acd__run_actions(a);
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
	struct acd_conv *c = acd__conv_find(a, j->conv_id);
	if (!c || c->state != CONV_PENDING) {
		free(j);
		return;
	}
	if (result) {
		log_error("acd: cannot queue conversation %lld: %s", (long long)j->conv_id,
			  tn_strerror(result));
		acd__conv_drop(a, c);
		free(j);
		return;
	}
	c->entry_id = j->entry_id;
	int rc = enter_router(a, c);
	if (rc) {
		log_error("acd: the router refused conversation %lld: %s", (long long)c->conv_id,
			  tn_strerror(rc));
		queue_callback(a, c, "routing failed");
		acd__conv_drop(a, c);
	}
	free(j);
}

#define TRADE_BITS (ROUTE_SKILL_BIT(ROUTE_SKILL_HVAC) | ROUTE_SKILL_BIT(ROUTE_SKILL_PLUMBING) | \
		    ROUTE_SKILL_BIT(ROUTE_SKILL_ELECTRICAL))

/* The skill named s when it is one of mask, else 0. */
static uint32_t skill_in(const char *s, uint32_t mask)
{
	enum route_skill sk;
	if (!s || route_skill_parse(s, &sk))
		return 0;
	return ROUTE_SKILL_BIT(sk) & mask;
}

/* The conversation's trade: the packet's, else the one the AI noted in its state. */
static uint32_t conv_trade(struct acd *a, int64_t tenant_id, int64_t conv_id, const json_t *packet)
{
	uint32_t t = skill_in(json_string_value(json_object_get(packet, "trade")), TRADE_BITS);
	json_t *conv = NULL;
	if (t || store_conversation_get(store_reader(a->app->store), tenant_id, conv_id, &conv))
		return t;
	t = skill_in(json_string_value(json_object_get(json_object_get(conv, "state"), "trade")),
		     TRADE_BITS);
	json_decref(conv);
	return t;
}

/* The skills an entry needs: the customer's language and the conversation's trade
 * (hvac, plumbing, electrical), each once some agent of the tenant has a skill of that
 * kind on record (otherwise every agent is taken to have it). */
uint32_t acd__entry_skills(struct acd *a, int64_t tenant_id, int64_t conv_id,
			     const json_t *packet)
{
	uint32_t want = skill_in(json_string_value(json_object_get(packet, "language")),
				 ROUTE_LANG_BITS) |
			conv_trade(a, tenant_id, conv_id, packet);
	json_t *rows = NULL;
	if (!want || store_agent_skill_list(store_reader(a->app->store), tenant_id, 0, &rows))
		return 0;
	uint32_t kinds = 0;  /* which kinds of skill are on record */
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		if (json_integer_value(json_object_get(row, "level")) <= 0)
			continue;
		uint32_t b = skill_in(json_string_value(json_object_get(row, "skill")), ROUTE_SKILL_ALL);
		kinds |= (b & ROUTE_LANG_BITS) ? ROUTE_LANG_BITS : (b & TRADE_BITS) ? TRADE_BITS : 0;
	}
	json_decref(rows);
	return want & kinds;
}

/* Queues conversation conv_id of tenant in queue_id with class prio (the packet is
 * borrowed). 0 or an error. */
int acd__enqueue(struct acd *a, int64_t tenant_id, int64_t conv_id, int64_t queue_id,
		   enum route_priority prio, const json_t *packet, const char *reason)
{
	struct acd_conv *c = acd__conv_find(a, conv_id);
	struct route_entry_info info;
	if (c && c->callback_id && (c->state == CONV_PARKED ||
				    (c->state == CONV_QUEUED && !route_entry_get(a->r, c->entry_id, &info) &&
				     (info.state == ROUTE_ENTRY_CALLBACK || info.state == ROUTE_ENTRY_WAITING)))) {
		/* the customer is back and needs a person now: the callback is superseded */
		if (c->state == CONV_QUEUED)
			route_dequeue(a->r, c->entry_id, acd__now_ms());
		acd__callback_status(a, c, STORE_CALLBACK_CANCELLED, 0);
		acd__conv_drop(a, c);
		c = NULL;
	}
	if (c && c->state != CONV_RELEASED)
		return -TN_ECONFLICT;
	if (c)
		acd__conv_drop(a, c);
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
	c->skills = acd__entry_skills(a, tenant_id, conv_id, c->packet);
	c->next = a->convs;
	a->convs = c;
	/* a chat customer who closed the window during the AI's turn is already away */
	size_t k;
	json_t *ch;
	json_array_foreach(json_object_get(json_object_get(c->packet, "conversation"), "channels"), k, ch)
		if (!strcmp(json_string_value(ch) ?: "", "chat") &&
		    !ws_chat_customer_present(a->app, tenant_id, conv_id))
			c->abandon_at = acd__now_ms() + a->abandon_grace_ms;
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
		acd__conv_drop(a, c);
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
	acd__run_actions(a);  /* the offer out, if any, is withdrawn while c is still known */
	if (phone[0]) {
		queue_callback(a, c, "the customer left the chat");
	} else {
		json_t *d = json_pack("{s:I, s:I, s:s, s:I}", "entry_id", (json_int_t)c->entry_id,
				      "queue_id", (json_int_t)c->queue_id, "priority",
				      acd__prio_label(c->prio), "wait_seconds",
				      (json_int_t)((now - c->queued_at) / 1000));
		acd__record(a, c->tenant_id, c->entry_id, STORE_ENTRY_ABANDONED, 0, c->conv_id, "abandoned",
		       "system", d);
		json_decref(d);
	}
	acd__conv_drop(a, c);
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
	acd__arm_timer(a);
}

void acd_customer_presence(struct app *app, int64_t tenant_id, int64_t conv_id, bool present)
{
	struct acd *a = acd_get(app);
	struct acd_conv *c = a && !a->closing ? acd__conv_find(a, conv_id) : NULL;
	if (!c || c->tenant_id != tenant_id)
		return;
	if (present)
		c->abandon_at = 0;
	else if (!c->abandon_at && conv_waiting(a, c))
		c->abandon_at = acd__now_ms() + a->abandon_grace_ms;
	acd__arm_timer(a);
}

int acd_customer_callback(struct app *app, int64_t tenant_id, int64_t conv_id, const char *phone,
			  char *msg, size_t msg_len)
{
	struct acd *a = acd_get(app);
	struct acd_conv *c = a && !a->closing ? acd__conv_find(a, conv_id) : NULL;
	if (!c || c->tenant_id != tenant_id || c->state != CONV_QUEUED || !conv_waiting(a, c)) {
		snprintf(msg, msg_len, "this conversation is not waiting for a person");
		return -TN_ECONFLICT;
	}
	char ph[32];
	if (phone && *phone)
		snprintf(ph, sizeof ph, "%s", phone);
	else
		customer_phone(a, c, ph, sizeof ph);
	if (!ph[0]) {
		snprintf(msg, msg_len, "a phone number is needed to call you back");
		return -TN_EINVAL_FIELD;
	}
	/* the time the surge notice offered: now plus the entry's estimated wait */
	int64_t now = acd__now_ms(), wait = 0, due_s = 0;
	if (!route_estimated_wait(a->r, c->entry_id, now, &wait))
		due_s = (now + wait) / 1000;
	int rc = route_dequeue_callback(a->r, c->entry_id, now);
	if (rc) {
		snprintf(msg, msg_len, "the callback could not be queued");
		return rc;
	}
	acd__run_actions(a);  /* an offer out is withdrawn while c is still known */
	queue_callback_with(a, c, "the customer asked for a callback", ph, due_s, true);
	acd__conv_drop(a, c);
	acd__arm_timer(a);
	return 0;
}

/* ---------------------------------------------------------------- live hooks */

int acd__agents_hook(void *ctx, int64_t tenant_id)
{
	struct acd *a = ctx;
	int n = 0;
	for (struct acd_agent *g = a->agents; g; g = g->next) {
		struct route_agent_info info;
		if (!g->sessions || route_agent_get(a->r, g->id, &info) ||
		    info.status != ROUTE_STATUS_AVAILABLE)
			continue;
		for (struct acd_session *s = g->sessions; s; s = s->next)
			if (acd__session_has_tenant(s, tenant_id)) {
				n++;
				break;
			}
	}
	return n;
}

/* A conversation that waits and is handed off again (the customer reported an
 * emergency meanwhile): the newer packet replaces the old one and a more urgent class
 * raises the entry (a priority_raised event, a new position for the customer). False
 * when the conversation does not wait in a queue. */
static bool raise_waiting(struct acd *a, struct acd_conv *c, enum route_priority p,
			  const json_t *packet)
{
	if (!c || c->callback_id || (c->state != CONV_PENDING && c->state != CONV_QUEUED))
		return false;
	json_t *copy = packet ? json_deep_copy(packet) : NULL;
	if (copy) {
		json_decref(c->packet);
		c->packet = copy;
	}
	if (p >= c->prio)
		return true;  /* no more urgent than it already is */
	if (c->state == CONV_PENDING) {
		/* its queue row is still being written: it enters the router in the new class */
		json_t *d = json_pack("{s:s, s:s}", "priority", acd__prio_label(p), "why", "escalated");
		c->prio = p;
		acd__record(a, c->tenant_id, 0, -1, 0, c->conv_id, "priority_raised", "system", d);
		json_decref(d);
		return true;
	}
	int rc = route_raise_priority(a->r, c->entry_id, p, acd__now_ms());
	if (rc)
		log_error("acd: cannot raise conversation %lld: %s", (long long)c->conv_id,
			  tn_strerror(rc));
	a->raising = c->entry_id;
	acd__run_actions(a);  /* ESCALATE_PRIORITY: the event and the customer's new place */
	a->raising = 0;
	return true;
}

void acd__handoff_hook(void *ctx, int64_t tenant_id, int64_t conv_id, int priority,
		       const json_t *packet)
{
	struct acd *a = ctx;
	struct acd_tenant *t = NULL;
	if (acd__tenant_ensure(a, tenant_id, &t) || t->n_queues == 0) {
		log_error("acd: a handoff for tenant %lld, which has no queue", (long long)tenant_id);
		return;
	}
	enum route_priority p = priority <= 1 ? ROUTE_P1 : priority == 2 ? ROUTE_P2 : ROUTE_P3;
	acd__escalations_count(a, t, json_object_get(packet, "reasons"), acd__now_ms() / 1000);
	if (raise_waiting(a, acd__conv_find(a, conv_id), p, packet))
		return;
	int rc = acd__enqueue(a, tenant_id, conv_id, t->queues[0], p, packet, "handoff");
	if (rc && rc != -TN_ECONFLICT)
		log_error("acd: cannot queue conversation %lld: %s", (long long)conv_id,
			  tn_strerror(rc));
}

/* ---------------------------------------------------------------- conversation events */

void acd__on_conv_event(void *ctx, int64_t conv_id, const json_t *ev, const char *text,
			  size_t len)
{
	(void)text;
	(void)len;
	struct acd *a = ctx;
	struct acd_conv *c = acd__conv_find(a, conv_id);
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
