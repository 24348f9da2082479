/* acd_agent.c: agents in the router: their /ws/agent sessions (hello, skills, the
 * callbacks list) and the console's requests (status, accept, decline, messages, typing,
 * handback, release, transfer, wrap-up, subscribe). Loop thread only. */
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
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "base/tz.h"
#include "store/store.h"

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

void acd__callbacks_changed(struct acd *a, int64_t tenant_id)
{
	for (struct acd_agent *g = a->agents; g; g = g->next)
		for (struct acd_session *s = g->sessions; s; s = s->next)
			if (acd__session_has_tenant(s, tenant_id))
				acd_send_callbacks(a, s);
}

/* Puts the agent's conversations that a person owned before a restart, and that the
 * router does not hold yet, back in the router as theirs (route_adopt), so they count
 * against the agent's capacity: called when the agent joins, before any offer can be
 * made to them. One the router refuses (the agent has no room, or no longer serves the
 * business) stays theirs outside the router's count, as it was. */
static void adopt_held(struct acd *a, int64_t agent_id, int64_t now)
{
	for (struct acd_conv *c = a->convs; c; c = c->next) {
		struct route_entry_info info;
		if (c->agent_id != agent_id || c->state != CONV_ASSIGNED ||
		    !route_entry_get(a->r, c->entry_id, &info))
			continue;
		struct route_entry_config e = {.id = c->entry_id, .conversation_id = c->conv_id,
					       .tenant_id = c->tenant_id, .queue_id = c->queue_id,
					       .priority = c->prio, .skills = c->skills,
					       .media = ROUTE_MEDIA_CHAT};
		int64_t at = c->assigned_at > 0 && c->assigned_at <= now ? c->assigned_at : now;
		int rc = route_adopt(a->r, &e, agent_id, at, now);
		if (rc)
			log_warn("acd: conversation %lld stays with user %lld outside the router's "
				 "count of their chats: %s", (long long)c->conv_id, (long long)agent_id,
				 tn_strerror(rc));
		else
			c->assigned_at = at;
	}
}

int acd_session_attach(struct acd *a, struct acd_session *s)
{
	struct acd_agent *g = acd__agent_find(a, s->user_id);
	int64_t now = acd__now_ms();
	for (size_t i = 0; i < s->n_tenants; i++) {
		struct acd_tenant *t;
		int rc = acd__tenant_ensure(a, s->tenants[i].tenant_id, &t);
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
		acd__run_actions(a);
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
	/* the conversations they held before a restart fill their capacity before any offer */
	adopt_held(a, g->id, now);
	acd__run_actions(a);
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
			json_array_append_new(convs, acd__conv_summary(a, c));
	json_t *queues = json_array();
	for (size_t i = 0; queues && i < s->n_tenants; i++) {
		struct acd_tenant *t = acd__tenant_find(a, s->tenants[i].tenant_id);
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
			if (!c->sub && live_subscribe(a->app, c->tenant_id, c->conv_id, acd__on_conv_event, a,
						      &c->sub))
				log_error("acd: cannot follow conversation %lld", (long long)c->conv_id);
			acd__send_assigned(a, c, s);
			acd__send_assist(a, c);
		}
	return 0;
}

void acd__sweep(struct acd *a, int64_t now)
{
	for (struct acd_conv *c = a->convs, *nx; c; c = nx) {
		nx = c->next;
		if (c->state == CONV_RELEASED && now - c->released_at > ACD_WRAPUP_KEEP_MS)
			acd__conv_drop(a, c);
	}
}

/* An agent_status event in each of the agent's tenants. */
static void record_status(struct acd *a, const struct acd_session *s, const char *status)
{
	char actor[32];
	acd__actor_of(s->user_id, actor, sizeof actor);
	json_t *d = json_pack("{s:s}", "status", status);
	for (size_t i = 0; i < s->n_tenants; i++)
		acd__record(a, s->tenants[i].tenant_id, 0, -1, 0, 0, "agent_status", actor, d);
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
		acd__run_actions(a);
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
	acd__send_state(a, s->user_id);
	acd__run_actions(a);
	return 0;
}

int acd_accept(struct acd *a, struct acd_session *s, int64_t offer_id, char *msg, size_t msg_len)
{
	int rc = route_accept(a->r, s->user_id, offer_id, acd__now_ms());
	if (rc == -ETIMEDOUT) {
		acd__run_actions(a);
		FAIL(rc, "the offer expired or was withdrawn");
	}
	if (rc == -TN_ECONFLICT)
		FAIL(rc, "someone else took it");
	if (rc)
		FAIL(rc, "no such offer");
	acd__run_actions(a);
	return 0;
}

int acd_decline(struct acd *a, struct acd_session *s, int64_t offer_id, char *msg, size_t msg_len)
{
	int rc = route_decline(a->r, s->user_id, offer_id, acd__now_ms());
	if (rc)
		FAIL(rc, "no such offer");
	struct acd_conv *c = acd__conv_by_entry(a, offer_id);
	if (c) {
		char actor[32];
		acd__actor_of(s->user_id, actor, sizeof actor);
		acd__record(a, c->tenant_id, c->entry_id, STORE_ENTRY_WAITING, 0, c->conv_id,
		       "offer_declined", actor, NULL);
	}
	json_t *m = json_pack("{s:s, s:I, s:s}", "type", "offer_gone", "offer_id", (json_int_t)offer_id,
			      "reason", "declined");
	acd__agent_send(acd__agent_find(a, s->user_id), m);
	json_decref(m);
	acd__send_state(a, s->user_id);
	acd__run_actions(a);
	return 0;
}

/* The conversation conv_id owned by the session's agent, or NULL with msg set. */
struct acd_conv *acd__owned(struct acd *a, struct acd_session *s, int64_t conv_id, char *msg,
			      size_t msg_len)
{
	struct acd_conv *c = acd__conv_find(a, conv_id);
	if (!c || c->agent_id != s->user_id || c->state != CONV_ASSIGNED ||
	    !acd__session_has_tenant(s, c->tenant_id)) {
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
	rc = route_release(a->r, s->user_id, c->entry_id, acd__now_ms());
	if (rc)  /* one the router never counted (its adoption was refused) */
		log_warn("acd: conversation %lld was not in the router's count of user %lld's "
			 "chats: %s", (long long)c->conv_id, (long long)s->user_id, tn_strerror(rc));
	live_unsubscribe(c->sub);
	c->sub = NULL;
	c->state = CONV_RELEASED;
	c->released_at = acd__now_ms();
	if (c->callback_id)
		acd__callback_status(a, c, STORE_CALLBACK_DONE, s->user_id);
	char actor[32];
	acd__actor_of(s->user_id, actor, sizeof actor);
	acd__record(a, c->tenant_id, c->entry_id, STORE_ENTRY_DONE, 0, c->conv_id, kind, actor, NULL);

	/* the wrap-up draft from the transcript */
	json_t *msgs = NULL;
	struct buf b = BUF_INIT;
	if (!live_replay(a->app, c->tenant_id, c->conv_id, 0, 500, &msgs)) {
		size_t n = json_array_size(msgs), k = 0;
		struct assist_message *am = calloc(n ? n : 1, sizeof *am);
		struct acd_tenant *t = acd__tenant_find(a, c->tenant_id);
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
	acd__send_state(a, s->user_id);
	acd__run_actions(a);
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
	struct acd_tenant *t = acd__tenant_find(a, c->tenant_id);
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
		rc = acd__enqueue(a, tenant, conv_id, queue_id, p, packet, "transfer");
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
	struct acd_conv *c = acd__conv_find(a, conv_id);
	if (!c || !acd__session_has_tenant(s, c->tenant_id) ||
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
	acd__record(a, c->tenant_id, 0, -1, 0, conv_id, "wrapup", actor, d);
	json_decref(d);
	json_t *m = json_pack("{s:s, s:I}", "type", "wrapped_up", "conversation", (json_int_t)conv_id);
	acd__agent_send(acd__agent_find(a, s->user_id), m);
	json_decref(m);
	acd__conv_drop(a, c);
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
