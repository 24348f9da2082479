/* acd_tenant.c: the ACD's tenants and queues (loaded at start-up or on first use, and
 * again when their settings change), the rebuild of the router from the store after a
 * restart, open callbacks entering the router, and opening and closing the ACD. Loop
 * thread only. */
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

/* The tenant's answer times per class, from its settings (escalation.sla_seconds) as
 * live's facts have them now, and the start of today and of tomorrow in its zone into
 * day[0] and day[1]. */
static void read_settings(struct acd *a, struct acd_tenant *t, int64_t now_s, int64_t day[2])
{
	struct live_facts *f = NULL;
	int sla[4] = {0, 60, 300, 1800};
	const struct tz *zone = NULL;
	if (!live_facts_get(a->app, t->id, now_s, &f)) {
		for (int i = 1; i <= 3; i++)
			if (f->t->sla_seconds[i] > 0)
				sla[i] = f->t->sla_seconds[i];
		zone = f->t->biz.zone;
	}
	for (int p = 0; p < ROUTE_PRIORITY_COUNT; p++)
		t->sla_ms[p] = (int64_t)sla[p + 1] * 1000;
	struct tz_local l;
	day[0] = now_s - now_s % 86400;  /* UTC without a zone */
	day[1] = day[0] + 86400;
	if (zone && !tz_to_local(zone, now_s, &l) &&
	    (tz_from_local(zone, l.year, l.month, l.day, 0, 0, 0, TZ_EARLIER, &day[0]) ||
	     tz_from_local(zone, l.year, l.month, l.day + 1, 0, 0, 0, TZ_EARLIER, &day[1]))) {
		day[0] = now_s - now_s % 86400;
		day[1] = day[0] + 86400;
	}
	live_facts_unref(f);
}

/* The router's configuration of queue row q: the tenant's answer times, and the row's
 * settings {"strategy": name, "offer_timeout_seconds": n} over the defaults. */
static struct route_queue_config queue_config(struct acd *a, const struct acd_tenant *t,
					      const json_t *q)
{
	struct route_queue_config cfg = {
		.id = json_integer_value(json_object_get(q, "id")), .tenant_id = t->id,
		.name = json_string_value(json_object_get(q, "name")),
		.strategy = ROUTE_STRATEGY_LONGEST_IDLE, .overflow = ROUTE_OVERFLOW_ANY_AGENT,
		.offer_timeout_ms = a->offer_ms, .max_attempts = 2, .handle_ms = ACD_HANDLE_MS};
	for (int p = 0; p < ROUTE_PRIORITY_COUNT; p++)
		cfg.sla_ms[p] = t->sla_ms[p];
	const json_t *set = json_object_get(q, "settings");
	json_t *parsed = json_is_string(set) ? json_loads(json_string_value(set), 0, NULL) : NULL;
	if (parsed)
		set = parsed;
	enum route_strategy st;
	if (!route_strategy_parse(json_string_value(json_object_get(set, "strategy")), &st))
		cfg.strategy = st;
	json_int_t to = json_integer_value(json_object_get(set, "offer_timeout_seconds"));
	if (to >= 1 && to <= 3600)
		cfg.offer_timeout_ms = (int64_t)to * 1000;
	json_decref(parsed);
	return cfg;
}

/* The tenant's queue rows, creating its "default" queue when it has none. */
static int queue_rows(struct acd *a, struct acd_tenant *t, json_t **out)
{
	struct store_conn *r = store_reader(a->app->store);
	int rc = store_queue_list(r, t->id, out);
	if (rc || json_array_size(*out) > 0)
		return rc;
	struct queue_job j = {.tenant_id = t->id, .sla = (int)(t->sla_ms[ROUTE_P3] / 1000)};
	json_decref(*out);
	*out = NULL;
	if ((rc = store_write_sync(a->app->store, queue_create_run, &j)))
		return rc;
	return store_queue_list(r, t->id, out);
}

/* Puts the tenant's queues in the router: new ones are added, known ones take their
 * current settings. */
static int apply_queues(struct acd *a, struct acd_tenant *t, const json_t *qs)
{
	size_t i;
	json_t *q;
	json_array_foreach(qs, i, q) {
		struct route_queue_config cfg = queue_config(a, t, q);
		size_t k = 0;
		while (k < t->n_queues && t->queues[k] != cfg.id)
			k++;
		if (k == t->n_queues && t->n_queues >= ACD_QUEUES_MAX)
			break;
		int rc = k < t->n_queues ? route_queue_update(a->r, &cfg, acd__now_ms())
					 : route_queue_add(a->r, &cfg);
		if (rc)
			return rc;
		snprintf(t->queue_names[k], sizeof t->queue_names[0], "%s", cfg.name ? cfg.name : "");
		if (k == t->n_queues)
			t->queues[t->n_queues++] = cfg.id;
	}
	return 0;
}

/* Rebuilds today's escalations by reason from the event log: one query on the
 * (tenant, kind, at) index over today's handoffs. */
static int escalations_rebuild(struct acd *a, struct acd_tenant *t, const int64_t day[2])
{
	json_decref(t->escalations);
	t->escalations = json_object();
	t->escalations_day = day[0];
	t->escalations_until = day[1];
	struct store_stmt *st;
	int rc = store_prepare(store_reader(a->app->store),
			       "SELECT data FROM events WHERE tenant_id = ? AND kind = 'handoff' "
			       "AND at >= ?", &st);
	if (rc)
		return rc;
	store_bind_int64(st, 1, t->id);
	store_bind_int64(st, 2, day[0]);
	while ((rc = store_step(st)) == STORE_ROW) {
		const char *text = store_col_text(st, 0);
		json_t *d = text ? json_loads(text, 0, NULL) : NULL;
		acd__escalations_count(a, t, json_object_get(d, "reasons"), day[0]);
		json_decref(d);
	}
	store_stmt_finish(st);
	return rc < 0 ? rc : 0;
}

void acd__escalations_count(struct acd *a, struct acd_tenant *t, const json_t *reasons,
			    int64_t now_s)
{
	if (now_s >= t->escalations_until || !t->escalations) {  /* a new day: from zero */
		int64_t day[2];
		read_settings(a, t, now_s, day);
		json_decref(t->escalations);
		t->escalations = json_object();
		t->escalations_day = day[0];
		t->escalations_until = day[1];
	}
	size_t i;
	const json_t *r;
	json_array_foreach(reasons, i, r) {
		const char *name = json_is_string(r) ? json_string_value(r)
						     : json_string_value(json_object_get(r, "code"));
		if (!name || !t->escalations)
			continue;
		json_t *cur = json_object_get(t->escalations, name);
		json_object_set_new(t->escalations, name,
				    json_integer((cur ? json_integer_value(cur) : 0) + 1));
	}
}

static int load_tenant(struct acd *a, struct acd_tenant *t, int64_t now_s)
{
	int64_t day[2];
	read_settings(a, t, now_s, day);
	int rc = escalations_rebuild(a, t, day);
	if (rc)
		log_error("acd: cannot count today's escalations of tenant %lld: %s",
			  (long long)t->id, tn_strerror(rc));
	json_t *qs = NULL;
	if ((rc = queue_rows(a, t, &qs)))
		return rc;
	rc = apply_queues(a, t, qs);
	json_decref(qs);
	return rc;
}

void acd_tenant_changed(struct app *app, int64_t tenant_id)
{
	struct acd *a = acd_get(app);
	struct acd_tenant *t = a && !a->closing ? acd__tenant_find(a, tenant_id) : NULL;
	if (!t)
		return;  /* not loaded yet: it is read fresh on first use */
	int64_t day[2];
	read_settings(a, t, acd__now_ms() / 1000, day);
	json_t *qs = NULL;
	int rc = store_queue_list(store_reader(a->app->store), t->id, &qs);
	if (!rc)
		rc = apply_queues(a, t, qs);
	json_decref(qs);
	if (rc)
		log_error("acd: cannot apply the new queue settings of tenant %lld: %s",
			  (long long)tenant_id, tn_strerror(rc));
	acd__run_actions(a);
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
			/* stays with its owner, who sees it on reconnecting; it enters the router's
			 * count of their chats when they join it (acd_session_attach) */
			c->state = CONV_ASSIGNED;
			c->agent_id = json_integer_value(json_object_get(row, "assigned_user_id"));
			c->assigned_at = json_integer_value(json_object_get(row, "assigned_at")) * 1000;
			continue;
		}
		c->skills = acd__entry_skills(a, t->id, c->conv_id, c->packet);
		struct route_entry_config e = {.id = c->entry_id, .conversation_id = c->conv_id,
					       .tenant_id = t->id, .queue_id = c->queue_id,
					       .priority = c->prio, .skills = c->skills,
					       .media = ROUTE_MEDIA_CHAT};
		c->state = CONV_QUEUED;
		/* nobody is on the chat after a restart until their widget reconnects (which
		 * tells presence and stops this clock): a chat customer who never comes back
		 * leaves the queue after the grace, as if they had left just now */
		json_t *conv = NULL;
		if (!store_conversation_get(r, t->id, c->conv_id, &conv)) {
			size_t k;
			json_t *ch;
			json_array_foreach(json_object_get(conv, "channels"), k, ch)
				if (!strcmp(json_string_value(ch) ?: "", "chat"))
					c->abandon_at = acd__now_ms() + a->abandon_grace_ms;
		}
		json_decref(conv);
		if ((rc = route_enqueue(a->r, &e, acd__now_ms()))) {
			log_error("acd: cannot restore queue entry %lld: %s", (long long)c->entry_id,
				  tn_strerror(rc));
			acd__conv_drop(a, c);
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
		struct acd_conv *old = acd__conv_find(a, conv_id);
		if (known || (old && old->state != CONV_RELEASED))
			continue;
		if (old)
			acd__conv_drop(a, old);
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
			c->state = CONV_ASSIGNED;  /* with its agent since before a restart: */
			c->agent_id = user;        /* adopted when they join the router */
			continue;
		}
		int64_t due = json_integer_value(json_object_get(row, "promised_at")) * 1000;
		struct route_entry_config e = {.id = c->entry_id, .conversation_id = conv_id,
					       .tenant_id = t->id, .queue_id = c->queue_id,
					       .priority = ROUTE_P3, .media = ROUTE_MEDIA_CHAT,
					       .due_at = due > a->synced_at ? due : 0};
		c->state = CONV_QUEUED;
		if (route_enqueue(a->r, &e, a->synced_at)) {
			acd__conv_drop(a, c);
			continue;
		}
		routed = true;
	}
	json_decref(rows);
	if (routed && !a->closing && a->app->ext[ACD_EXT_SLOT] == a)
		acd__run_actions(a);
}

/* The tenant, loaded on first use when it was created after start-up. */
int acd__tenant_ensure(struct acd *a, int64_t tenant_id, struct acd_tenant **out)
{
	if ((*out = acd__tenant_find(a, tenant_id)))
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
	live_set_agents_hook(app, acd__agents_hook, a);
	live_set_handoff_hook(app, acd__handoff_hook, a);
	route_resume(a->r, acd__now_ms());
	route_actions_clear(a->r);  /* nobody is connected yet: nothing to offer */
	acd__arm_timer(a);
	log_info("acd: %zu tenants, router ready (offer timeout %lld ms, abandon grace %lld ms)",
		 a->n_tenants, (long long)a->offer_ms, (long long)a->abandon_grace_ms);
	return 0;
fail:
	json_decref(tenants);
	for (size_t i = 0; i < a->n_tenants; i++)
		json_decref(a->tenants[i].escalations);
	while (a->convs)
		acd__conv_drop(a, a->convs);
	free(a->tenants);
	route_free(a->r);
	free(a);
	return rc;
}

static void free_acd(struct acd *a)
{
	while (a->convs)
		acd__conv_drop(a, a->convs);
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
