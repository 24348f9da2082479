/* acd_desk.c: the agent's desk beyond routing: the AI assist panel after each customer
 * message, bookings from the panel (the store's booking path: a taken window is refused),
 * and the supervisor's stats. Loop thread only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/acd_internal.h"
#include "app/app.h"
#include "app/dialog_glue.h"
#include "app/live.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/tz.h"
#include "store/store.h"

/* ---------------------------------------------------------------- assist */

int acd__speaker_of(const char *from, enum assist_speaker *out)
{
	return assist_speaker_parse(from ? from : "system", out);
}

void acd__send_assist(struct acd *a, struct acd_conv *c)
{
	struct live_facts *f = NULL;
	json_t *msgs = NULL, *arts = NULL, *panel = NULL;
	struct assist_message *am = NULL;
	struct assist_service *sv = NULL;
	struct assist_article *aa = NULL;
	const char **names = NULL;
	int64_t now = acd__now_ms() / 1000;
	if (live_facts_get(a->app, c->tenant_id, now, &f))
		goto out;
	if (live_replay(a->app, c->tenant_id, c->conv_id, 0, 500, &msgs))
		goto out;
	const struct dialog_tenant *t = f->t;
	size_t nm = json_array_size(msgs);
	am = calloc(nm ? nm : 1, sizeof *am);
	sv = calloc(t->n_services ? t->n_services : 1, sizeof *sv);
	names = calloc(t->n_techs ? t->n_techs : 1, sizeof *names);
	if (!am || !sv || !names)
		goto out;
	size_t k = 0;
	for (size_t i = 0; i < nm; i++) {
		json_t *m = json_array_get(msgs, i);
		const char *txt = json_string_value(json_object_get(m, "text"));
		if (!txt || acd__speaker_of(json_string_value(json_object_get(m, "from")), &am[k].from))
			continue;
		am[k++].text = txt;
	}
	for (size_t i = 0; i < t->n_services; i++)
		sv[i] = (struct assist_service){t->services[i].code, t->services[i].name,
						t->services[i].trade, t->services[i].windows};
	for (size_t i = 0; i < t->n_techs; i++)
		names[i] = t->techs[i].name;
	size_t na = 0;
	if (!store_kb_list(store_reader(a->app->store), c->tenant_id, &arts)) {
		json_t *list = json_is_array(arts) ? arts : json_object_get(arts, "articles");
		na = json_array_size(list);
		aa = calloc(na ? na : 1, sizeof *aa);
		char (*ids)[24] = calloc(na ? na : 1, sizeof *ids);
		if (!aa || !ids) {
			free(ids);
			goto out;
		}
		for (size_t i = 0; i < na; i++) {
			json_t *art = json_array_get(list, i);
			snprintf(ids[i], sizeof ids[i], "%lld",
				 (long long)json_integer_value(json_object_get(art, "id")));
			json_object_set_new(art, "_id", json_string(ids[i]));
			aa[i].id = json_string_value(json_object_get(art, "_id"));
			aa[i].title = json_string_value(json_object_get(art, "title"));
		}
		free(ids);
	}
	struct acd_agent *g = acd__agent_find(a, c->agent_id);
	char first[128] = "";
	if (g) {
		snprintf(first, sizeof first, "%s", g->name);
		char *sp = strchr(first, ' ');
		if (sp)
			*sp = '\0';
	}
	struct assist_context ctx = {
		.now = now, .zone = t->biz.zone, .business = t->name ? t->name : "",
		.agent = first[0] ? first : NULL, .messages = am, .n_messages = k,
		.services = sv, .n_services = t->n_services, .kb = t->kb, .articles = aa,
		.n_articles = na, .calendar = &t->cal, .tech_names = names};
	if (assist_panel(&ctx, &panel))
		goto out;
	json_object_set_new(panel, "type", json_string("assist"));
	json_object_set_new(panel, "conversation", json_integer(c->conv_id));
	acd__agent_send(g, panel);
out:
	json_decref(panel);
	json_decref(arts);
	json_decref(msgs);
	free(am);
	free(sv);
	free(aa);
	free(names);
	live_facts_unref(f);
}

/* ---------------------------------------------------------------- booking */

struct book_job {
	struct acd *a;
	int64_t tenant_id, conv_id, user_id, tech_id, start, end, now, appt_id;
	int64_t slots[16];
	size_t n_slots;
	char service[64], trade[16], job[24], address[256], notes[512], client_id[72];
	char start_iso[40], end_iso[40];
	char tech_name[128];
};

static int book_run(struct store_conn *c, void *arg)
{
	struct book_job *j = arg;
	json_t *conv = NULL;
	int rc = store_conversation_get(c, j->tenant_id, j->conv_id, &conv);
	if (rc)
		return rc;
	int64_t customer = json_integer_value(json_object_get(conv, "customer_id"));
	json_decref(conv);
	if (!customer) {
		struct store_customer cu = {.address = j->address[0] ? j->address : NULL};
		if ((rc = store_customer_create(c, j->tenant_id, &cu, j->now, &customer)) ||
		    (rc = store_conversation_update(c, j->tenant_id, j->conv_id, -1, NULL, 0, NULL,
						    j->now)))
			return rc;
	}
	struct store_appointment ap = {.customer_id = customer, .technician_id = j->tech_id,
				       .service_code = j->service, .trade = j->trade,
				       .start_at = j->start, .end_at = j->end, .job_number = j->job,
				       .address = j->address[0] ? j->address : NULL,
				       .notes = j->notes[0] ? j->notes : NULL};
	if ((rc = store_appointment_book(c, j->tenant_id, &ap, j->slots, j->n_slots, &j->appt_id)))
		return rc;
	char actor[32];
	acd__actor_of(j->user_id, actor, sizeof actor);
	json_t *d = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I}", "id", (json_int_t)j->appt_id, "job",
			      j->job, "service", j->service, "start", j->start_iso, "end", j->end_iso,
			      "technician_id", (json_int_t)j->tech_id);
	rc = store_event_append(c, j->tenant_id, j->now, "appointment_booked", j->conv_id, actor, d,
				NULL);
	json_decref(d);
	return rc;
}

static void book_done(int result, void *arg)
{
	struct book_job *j = arg;
	if (j->a->closing) {
		free(j);
		return;
	}
	struct acd_agent *g = acd__agent_find(j->a, j->user_id);
	json_t *m;
	if (result == 0) {
		live_facts_bookings_changed(j->a->app, j->tenant_id);
		m = json_pack("{s:s, s:I, s:s, s:{s:I, s:s, s:s, s:s, s:s, s:I, s:s, s:s}}", "type",
			      "booked", "conversation", (json_int_t)j->conv_id, "client_id",
			      j->client_id, "appointment", "id", (json_int_t)j->appt_id, "job", j->job,
			      "service", j->service, "start", j->start_iso, "end", j->end_iso,
			      "technician_id", (json_int_t)j->tech_id, "technician", j->tech_name,
			      "status", "scheduled");
	} else {
		m = json_pack("{s:s, s:s, s:s, s:s}", "type", "error", "code",
			      result == -TN_ECONFLICT ? "conflict" : "internal", "message",
			      result == -TN_ECONFLICT ? "that slot was just taken; pick another"
						      : "the booking failed",
			      "ref", j->client_id);
	}
	acd__agent_send(g, m);
	json_decref(m);
	free(j);
}

int acd_book(struct acd *a, struct acd_session *s, const json_t *req, char *msg, size_t msg_len)
{
	int64_t conv_id = json_integer_value(json_object_get(req, "conversation"));
	struct acd_conv *c = acd__owned(a, s, conv_id, msg, msg_len);
	if (!c)
		return -TN_EFORBIDDEN;
	const char *cid = json_string_value(json_object_get(req, "client_id"));
	const char *svc = json_string_value(json_object_get(req, "service"));
	const json_t *slot = json_object_get(req, "slot");
	const char *start = json_string_value(json_object_get(slot, "start"));
	json_t *tech = json_object_get(slot, "technician_id");
	const char *address = json_string_value(json_object_get(req, "address"));
	const char *notes = json_string_value(json_object_get(req, "notes"));
	if (!cid || !*cid || strlen(cid) > 64 || !svc || !start || !json_is_integer(tech))
		FAIL(-EINVAL, "book needs client_id, service and slot {start, technician_id}");
	if ((address && strlen(address) > 255) || (notes && strlen(notes) > 511))
		FAIL(-EINVAL, "address or notes too long");
	struct live_facts *f = NULL;
	int rc = live_facts_get(a->app, c->tenant_id, acd__now_ms() / 1000, &f);
	if (rc)
		FAIL(rc, "cannot read the business's calendar");
	const struct dialog_tenant *t = f->t;
	const struct dialog_service *sv = NULL;
	for (size_t i = 0; i < t->n_services; i++)
		if (!strcmp(t->services[i].code, svc))
			sv = &t->services[i];
	struct book_job *j = NULL;
	if (!sv) {
		snprintf(msg, msg_len, "no service '%.64s'", svc);
		rc = -EINVAL;
		goto out;
	}
	j = calloc(1, sizeof *j);
	if (!j) {
		rc = -ENOMEM;
		goto out;
	}
	j->a = a;
	j->tenant_id = c->tenant_id;
	j->conv_id = conv_id;
	j->user_id = s->user_id;
	j->tech_id = json_integer_value(tech);
	j->now = acd__now_ms() / 1000;
	if (tz_parse_iso(start, t->biz.zone, &j->start)) {
		snprintf(msg, msg_len, "slot.start is not an ISO time");
		rc = -EINVAL;
		goto out;
	}
	/* the service's windows from the start: the start must begin a window */
	int windows = sv->windows > 0 ? sv->windows : 1;
	struct tz_local lt;
	rc = tz_to_local(t->biz.zone, j->start, &lt);
	int idx = -1;
	for (size_t w = 0; !rc && w < t->biz.n_windows; w++)
		if (t->biz.windows[w].start == lt.hour * 60 + lt.minute)
			idx = (int)w;
	if (rc || idx < 0 || (size_t)(idx + windows) > t->biz.n_windows) {
		snprintf(msg, msg_len, "slot.start is not the start of an appointment window");
		rc = -EINVAL;
		goto out;
	}
	int endm = t->biz.windows[idx + windows - 1].end;
	rc = tz_from_local(t->biz.zone, lt.year, lt.month, lt.day, endm / 60, endm % 60, 0,
			   TZ_EARLIER, &j->end);
	int n = rc ? rc : schedule_slot_windows(&t->biz, j->start, j->end, j->slots, 16);
	if (n <= 0 || j->start <= j->now) {
		snprintf(msg, msg_len, "that slot cannot be booked");
		rc = -EINVAL;
		goto out;
	}
	j->n_slots = (size_t)n;
	bool tech_ok = false;
	for (size_t i = 0; i < t->n_techs; i++)
		if (t->techs[i].id == j->tech_id) {
			tech_ok = true;
			snprintf(j->tech_name, sizeof j->tech_name, "%s",
				 t->techs[i].name ? t->techs[i].name : "");
		}
	if (!tech_ok) {
		snprintf(msg, msg_len, "no technician %lld", (long long)j->tech_id);
		rc = -TN_ENOTFOUND;
		goto out;
	}
	snprintf(j->service, sizeof j->service, "%s", svc);
	snprintf(j->trade, sizeof j->trade, "%s", sv->trade ? sv->trade : "general");
	snprintf(j->job, sizeof j->job, "J-%lld",
		 (long long)live_facts_job_number(a->app, c->tenant_id, true));
	snprintf(j->address, sizeof j->address, "%s", address ? address : "");
	snprintf(j->notes, sizeof j->notes, "%s", notes ? notes : "");
	snprintf(j->client_id, sizeof j->client_id, "%s", cid);
	acd__iso(t->biz.zone, j->start, j->start_iso, sizeof j->start_iso);
	acd__iso(t->biz.zone, j->end, j->end_iso, sizeof j->end_iso);
	rc = store_write_async(a->app->store, book_run, j, book_done, j);
	if (rc)
		snprintf(msg, msg_len, "cannot queue the booking");
	else
		j = NULL;
out:
	free(j);
	live_facts_unref(f);
	return rc;
}

/* ---------------------------------------------------------------- supervisor stats */

static json_t *stats_json(struct acd *a, struct acd_tenant *t, int64_t now)
{
	json_t *snap = NULL;
	if (route_snapshot(a->r, t->id, now, &snap))
		return NULL;
	acd__escalations_count(a, t, NULL, now / 1000);  /* a new day starts from zero */
	json_t *queues = json_array();
	int64_t answered = 0, in_sla = 0, breached = 0, abandoned = 0;
	size_t i;
	json_t *q;
	json_array_foreach(json_object_get(snap, "queues"), i, q) {
		json_t *depth = json_object_get(q, "depth");
		int64_t p1 = json_integer_value(json_object_get(depth, "p1"));
		int64_t p2 = json_integer_value(json_object_get(depth, "p2"));
		int64_t p3 = json_integer_value(json_object_get(depth, "p3"));
		json_t *sla = json_object_get(q, "sla");
		answered += json_integer_value(json_object_get(sla, "answered"));
		in_sla += json_integer_value(json_object_get(sla, "answered_in_sla"));
		breached += json_integer_value(json_object_get(sla, "breached"));
		abandoned += json_integer_value(json_object_get(sla, "abandoned"));
		json_array_append_new(queues, json_pack(
			"{s:O, s:O, s:I, s:{s:I, s:I, s:I}, s:I, s:O, s:O}", "id", json_object_get(q, "id"),
			"name", json_object_get(q, "name"), "depth", (json_int_t)(p1 + p2 + p3),
			"by_priority", "P1", (json_int_t)p1, "P2", (json_int_t)p2, "P3", (json_int_t)p3,
			"longest_wait_seconds",
			(json_int_t)(json_integer_value(json_object_get(q, "longest_wait_ms")) / 1000),
			"offered", json_object_get(q, "offered"), "abandoned",
			json_object_get(sla, "abandoned")));
	}
	json_t *ag = json_object_get(snap, "agents");
	int64_t human = 0, waiting = 0;
	for (struct acd_conv *c = a->convs; c; c = c->next)
		if (c->tenant_id == t->id) {
			human += c->state == CONV_ASSIGNED;
			waiting += c->state == CONV_QUEUED || c->state == CONV_PENDING;
		}
	json_t *open = NULL;
	int64_t n_open = 0;
	if (!store_conversation_list_open(store_reader(a->app->store), t->id, &open))
		n_open = (int64_t)json_array_size(open);
	json_decref(open);
	int64_t ai = n_open - human - waiting;
	char at[40];
	acd__iso(NULL, now / 1000, at, sizeof at);
	json_t *m = json_pack(
		"{s:s, s:o, s:s, s:o, s:{s:I, s:I, s:f, s:I}, s:{s:O, s:O, s:O, s:O, s:O}, "
		"s:{s:I, s:I, s:I}, s:O}",
		"type", "stats", "tenant", acd__tenant_json(a, t->id), "at", at, "queues", queues,
		"sla", "attained", (json_int_t)in_sla, "breached", (json_int_t)breached, "percent",
		answered ? 100.0 * (double)in_sla / (double)answered : 100.0, "abandoned",
		(json_int_t)abandoned, "agents", "available", json_object_get(ag, "available"), "busy",
		json_object_get(ag, "busy"), "wrap_up", json_object_get(ag, "wrap_up"), "break",
		json_object_get(ag, "break"), "offline", json_object_get(ag, "offline"),
		"conversations", "ai", (json_int_t)(ai < 0 ? 0 : ai), "human", (json_int_t)human,
		"waiting", (json_int_t)waiting, "escalations_by_reason", t->escalations);
	json_decref(snap);
	return m;
}

void acd__on_stats(uv_timer_t *timer)
{
	struct acd *a = timer->data;
	int64_t now = acd__now_ms();
	acd__sweep(a, now);
	if (now - a->synced_at >= ACD_CALLBACK_SYNC_S * 1000)
		for (size_t i = 0; i < a->n_tenants; i++)
			acd__sync_callbacks(a, &a->tenants[i]);
	for (size_t i = 0; i < a->n_tenants; i++) {
		struct acd_tenant *t = &a->tenants[i];
		json_t *m = NULL;
		for (struct acd_agent *g = a->agents; g; g = g->next)
			for (struct acd_session *s = g->sessions; s; s = s->next) {
				if (!s->supervisor)
					continue;
				bool may = false;
				for (size_t k = 0; k < s->n_tenants; k++)
					may |= s->tenants[k].tenant_id == t->id &&
					       (!strcmp(s->tenants[k].role, "supervisor") ||
						!strcmp(s->tenants[k].role, "admin"));
				if (!may)
					continue;
				if (!m && !(m = stats_json(a, t, now)))
					break;
				acd_session_send(s, m);
			}
		json_decref(m);
	}
}


/* ---------------------------------------------------------------- metrics */

void acd__metrics(struct buf *out, void *ctx)
{
	struct acd *a = acd_get(ctx);
	if (!a)
		return;
	int64_t now = acd__now_ms();
	buf_puts(out, "# HELP tandem_acd_waiting Conversations waiting for a person, by business.\n"
		      "# TYPE tandem_acd_waiting gauge\n");
	for (size_t i = 0; i < a->n_tenants; i++) {
		int64_t waiting = 0, human = 0;
		for (struct acd_conv *c = a->convs; c; c = c->next)
			if (c->tenant_id == a->tenants[i].id) {
				waiting += c->state == CONV_QUEUED || c->state == CONV_PENDING;
				human += c->state == CONV_ASSIGNED;
			}
		buf_printf(out, "tandem_acd_waiting{tenant=\"%s\"} %lld\n", a->tenants[i].slug,
			   (long long)waiting);
		buf_printf(out, "tandem_acd_with_agent{tenant=\"%s\"} %lld\n", a->tenants[i].slug,
			   (long long)human);
	}
	json_t *snap = NULL;
	if (route_snapshot(a->r, 0, now, &snap))
		return;
	json_t *ag = json_object_get(snap, "agents");
	buf_puts(out, "# HELP tandem_acd_agents Agents known to the router, by status or state.\n"
		      "# TYPE tandem_acd_agents gauge\n");
	const char *keys[] = {"offline", "available", "break", "idle", "offered", "busy", "wrap_up"};
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		buf_printf(out, "tandem_acd_agents{status=\"%s\"} %lld\n", keys[i],
			   (long long)json_integer_value(json_object_get(ag, keys[i])));
	json_decref(snap);
}
