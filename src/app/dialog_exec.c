/* dialog_exec.c: one conversation turn against the store, in two halves: prepared on
 * the loop thread (state read, dialog_turn run with the tenant's facts) and persisted by
 * a store job (the customer message with its NLU result and client id, the AI reply, the
 * new state and the actions' effects, atomically). The server queues the job
 * asynchronously (live.c); the command line runs it synchronously (dialog_session_turn). */
#include "app/dialog_glue.h"
#include "base/err.h"
#include "base/jsonx.h"
#include "base/tz.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dialog_write {
	int64_t tenant_id, conv_id, customer_id;
	const char *channel;
	const char *text;      /* owned copy */
	const char *client_id; /* owned copy, or NULL */
	const struct tz *zone;
	const struct schedule_business *biz;  /* borrowed from the tenant's facts */
	struct dialog_out *out;
	struct dialog_state before;  /* the state before the turn, for the fallback */
	json_t *nlu;           /* NLU result of the customer message */
	json_t *state;         /* the new state */
	json_t *effects;       /* filled by the job */
	json_t *turn;          /* the turn's summary, filled by the job */
	int64_t now;
	int64_t seq, reply_seq; /* the customer message's and the reply's seq */
	bool duplicate;        /* the client id was stored before: nothing written */
	bool escalated_to_person;
	bool link_customer;    /* the customer was identified this turn: link them */
	json_t *channels;      /* the conversation's channels (owned) */
	char channel_buf[16];
	dialog_start_fn *start; /* makes the conversation first (a new one), or NULL */
	void *start_arg;
};

/* Completes a packet with what only the store knows: the conversation and transcript. */
static void packet_complete(struct dialog_write *j, json_t *packet, json_t *transcript)
{
	json_t *ch = json_deep_copy(j->channels);
	if (!ch)
		ch = json_array();
	if (json_array_size(ch) == 0 && j->channel)
		json_array_append_new(ch, json_string(j->channel));
	json_object_set_new(packet, "conversation",
			    json_pack("{s:I,s:o}", "id", (json_int_t)j->conv_id, "channels", ch));
	json_object_set(packet, "transcript", transcript);
}

static int exec_sql(struct store_conn *c, const char *sql, const char *types, ...)
{
	struct store_stmt *st;
	int rc = store_prepare(c, sql, &st);
	if (rc)
		return rc;
	va_list ap;
	va_start(ap, types);
	for (int i = 0; types[i]; i++) {
		if (types[i] == 'i')
			store_bind_int64(st, i + 1, va_arg(ap, int64_t));
		else if (types[i] == 'I') { /* an id where 0 means none */
			int64_t v = va_arg(ap, int64_t);
			if (v)
				store_bind_int64(st, i + 1, v);
			else
				store_bind_null(st, i + 1);
		}
		else if (types[i] == 's') {
			const char *s = va_arg(ap, const char *);
			if (s)
				store_bind_text(st, i + 1, s, -1);
			else
				store_bind_null(st, i + 1);
		} else if (types[i] == 'j')
			store_bind_json(st, i + 1, va_arg(ap, const json_t *));
	}
	va_end(ap);
	rc = store_step(st);
	store_stmt_finish(st);
	return rc < 0 ? rc : 0;
}

static int outbox_add(struct store_conn *c, struct dialog_write *j, const struct dialog_action *a)
{
	int rc = exec_sql(c,
			  "INSERT INTO outbox (tenant_id, channel, recipient, subject, body, "
			  "next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			  "issssii", j->tenant_id, a->channel, a->recipient,
			  a->name, a->text, j->now, j->now);
	if (rc)
		return rc;
	json_t *ob = json_object_get(j->effects, "outbox");
	json_array_append_new(ob, json_pack("{s:s,s:s,s:s,s:s}", "purpose", a->name, "channel",
					    a->channel, "recipient", a->recipient, "body", a->text));
	return 0;
}

static int slot_starts(const struct schedule_business *biz, int64_t start, int64_t end,
		       int64_t *out, size_t max)
{
	int n = schedule_slot_windows(biz, start, end, out, max);
	return n;
}

static int do_action(struct store_conn *c, struct dialog_write *j, struct dialog_action *a,
		     json_t *transcript)
{
	int rc = 0;
	int64_t slots[48];
	char iso_a[32] = "", iso_b[32] = "";
	switch (a->kind) {
	case DIALOG_ACT_BOOK: {
		int n = slot_starts(j->biz, a->start, a->end, slots, 48);
		if (n <= 0)
			return n < 0 ? n : -TN_ECONFLICT;
		if (!j->customer_id) {
			struct store_customer cu = {.address = a->address[0] ? a->address : NULL,
						    .zip = a->zip[0] ? a->zip : NULL};
			if ((rc = store_customer_create(c, j->tenant_id, &cu, j->now, &j->customer_id)) ||
			    (rc = exec_sql(c, "UPDATE conversations SET customer_id = ? WHERE tenant_id = ? AND id = ?",
					   "iii", j->customer_id, j->tenant_id, j->conv_id)))
				return rc;
		}
		struct store_appointment ap = {
			.customer_id = j->customer_id, .technician_id = a->technician_id,
			.service_code = a->service_code, .trade = a->trade, .start_at = a->start,
			.end_at = a->end, .job_number = a->job_number,
			.address = a->address[0] ? a->address : NULL, .notes = a->text[0] ? a->text : NULL};
		int64_t id;
		if ((rc = store_appointment_book(c, j->tenant_id, &ap, slots, (size_t)n, &id)))
			return rc;
		exec_sql(c, "UPDATE appointments SET conversation_id = ? WHERE tenant_id = ? AND id = ?",
			 "iii", j->conv_id, j->tenant_id, id);
		tz_format_iso(j->zone, a->start, iso_a, sizeof iso_a);
		tz_format_iso(j->zone, a->end, iso_b, sizeof iso_b);
		json_object_set_new(j->effects, "appointment",
				    json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:I,s:s}", "id", (json_int_t)id,
					      "job", a->job_number, "service", a->service_code, "trade",
					      a->trade, "start", iso_a, "end", iso_b, "technician_id",
					      (json_int_t)a->technician_id, "status", "scheduled"));
		return store_event_append(c, j->tenant_id, j->now, "appointment_booked", j->conv_id,
					  "ai", json_object_get(j->effects, "appointment"), NULL);
	}
	case DIALOG_ACT_RESCHEDULE: {
		int n = slot_starts(j->biz, a->start, a->end, slots, 48);
		if (n <= 0)
			return n < 0 ? n : -TN_ECONFLICT;
		if ((rc = exec_sql(c, "DELETE FROM appointment_slots WHERE tenant_id = ? AND appointment_id = ?",
				   "ii", j->tenant_id, a->appointment_id)) ||
		    (rc = exec_sql(c, "UPDATE appointments SET start_at = ?, end_at = ?, technician_id = ?, "
				      "status = 'scheduled', updated_at = ? WHERE tenant_id = ? AND id = ? "
				      "AND status IN ('scheduled', 'en_route')",
				   "iiiiii", a->start, a->end, a->technician_id, j->now, j->tenant_id,
				   a->appointment_id)))
			return rc;
		if (store_changes(c) != 1)
			return -TN_ENOTFOUND;
		for (int i = 0; i < n; i++)
			if ((rc = exec_sql(c, "INSERT INTO appointment_slots (tenant_id, technician_id, "
					      "slot_start, appointment_id) VALUES (?, ?, ?, ?)",
					   "iiii", j->tenant_id, a->technician_id, slots[i], a->appointment_id)))
				return rc;
		tz_format_iso(j->zone, a->start, iso_a, sizeof iso_a);
		tz_format_iso(j->zone, a->end, iso_b, sizeof iso_b);
		json_object_set_new(j->effects, "appointment",
				    json_pack("{s:I,s:s,s:s,s:s,s:I,s:s}", "id", (json_int_t)a->appointment_id,
					      "job", a->job_number, "start", iso_a, "end", iso_b,
					      "technician_id", (json_int_t)a->technician_id, "status",
					      "scheduled"));
		return store_event_append(c, j->tenant_id, j->now, "appointment_rescheduled",
					  j->conv_id, "ai", json_object_get(j->effects, "appointment"), NULL);
	}
	case DIALOG_ACT_CANCEL:
		if ((rc = store_appointment_cancel(c, j->tenant_id, a->appointment_id)))
			return rc;
		json_object_set_new(j->effects, "appointment",
				    json_pack("{s:I,s:s,s:s}", "id", (json_int_t)a->appointment_id,
					      "job", a->job_number, "status", "cancelled"));
		return store_event_append(c, j->tenant_id, j->now, "appointment_cancelled", j->conv_id,
					  "ai", json_object_get(j->effects, "appointment"), NULL);
	case DIALOG_ACT_SEND:
		return outbox_add(c, j, a);
	case DIALOG_ACT_SEND_IF_ON_FILE: {
		int64_t who;
		enum store_identity_kind k = strcmp(a->channel, "email") ? STORE_IDENTITY_PHONE
									  : STORE_IDENTITY_EMAIL;
		rc = store_customer_find_by_identity(c, j->tenant_id, k, a->recipient, &who);
		if (rc == -TN_ENOTFOUND)
			return 0; /* nothing is sent and nothing is said */
		return rc ? rc : outbox_add(c, j, a);
	}
	case DIALOG_ACT_UPDATE_CONTACT: {
		enum store_identity_kind k = strcmp(a->channel, "email") ? STORE_IDENTITY_PHONE
									  : STORE_IDENTITY_EMAIL;
		if (!j->customer_id)
			return -TN_ENOTFOUND;
		rc = store_identity_add(c, j->tenant_id, j->customer_id, k, a->recipient);
		if (rc)
			return rc;
		return store_event_append(c, j->tenant_id, j->now, "contact_updated", j->conv_id, "ai",
					  NULL, NULL);
	}
	case DIALOG_ACT_CALLBACK:
		if (!strcmp(a->name, "set_phone")) {
			/* by the promised time first: the (tenant, status, promised_at) index finds
			 * it without visiting every pending callback */
			if ((rc = exec_sql(c, "UPDATE callbacks SET phone = ? WHERE tenant_id = ? AND "
					      "status = 'pending' AND promised_at = ? AND conversation_id = ?",
					   "siii", a->recipient, j->tenant_id, a->promised_at, j->conv_id)))
				return rc;
			if (store_changes(c) == 0 &&
			    (rc = exec_sql(c, "UPDATE callbacks SET phone = ? WHERE tenant_id = ? AND "
					      "conversation_id = ? AND status = 'pending'",
					   "sii", a->recipient, j->tenant_id, j->conv_id)))
				return rc;
			tz_format_iso(j->zone, a->promised_at, iso_a, sizeof iso_a);
			json_object_set_new(j->effects, "callback",
					    json_pack("{s:s,s:s}", "promised_at", iso_a, "phone", a->recipient));
			return 0;
		}
		if (a->packet)
			packet_complete(j, a->packet, transcript);
		if ((rc = exec_sql(c,
				   "INSERT INTO callbacks (tenant_id, customer_id, conversation_id, phone, "
				   "reason, promised_at, notes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
				   "iIissisi", j->tenant_id,
				   j->customer_id ? j->customer_id : (int64_t)0, j->conv_id,
				   a->recipient[0] ? a->recipient : NULL, a->text, a->promised_at,
				   json_string_value(json_object_get(a->packet, "summary")), j->now)))
			return rc;
		tz_format_iso(j->zone, a->promised_at, iso_a, sizeof iso_a);
		json_object_set_new(j->effects, "callback",
				    json_pack("{s:s,s:s}", "promised_at", iso_a, "reason", a->text));
		if (a->packet) {
			/* the packet is what the person calling back reads first: kept like a
			 * handoff's */
			const char *pr = json_string_value(json_object_get(a->packet, "priority"));
			if ((rc = exec_sql(c,
					   "INSERT INTO handoffs (tenant_id, conversation_id, priority, "
					   "reasons, packet, created_at) VALUES (?, ?, ?, ?, ?, ?)",
					   "iiijji", j->tenant_id, j->conv_id,
					   (int64_t)(pr && pr[0] == 'P' ? pr[1] - '0' : 3),
					   json_object_get(a->packet, "reasons"), a->packet, j->now)))
				return rc;
			json_object_set(j->effects, "handoff", a->packet);
		}
		j->escalated_to_person = true;
		return store_event_append(c, j->tenant_id, j->now, "callback_queued", j->conv_id, "ai",
					  json_object_get(j->effects, "callback"), NULL);
	case DIALOG_ACT_HANDOFF: {
		json_t *reasons = json_object_get(a->packet, "reasons");
		const char *pr = json_string_value(json_object_get(a->packet, "priority"));
		packet_complete(j, a->packet, transcript);
		if ((rc = exec_sql(c,
				   "INSERT INTO handoffs (tenant_id, conversation_id, priority, reasons, "
				   "packet, created_at) VALUES (?, ?, ?, ?, ?, ?)",
				   "iiijji", j->tenant_id, j->conv_id,
				   (int64_t)(pr && pr[0] == 'P' ? pr[1] - '0' : 2), reasons, a->packet, j->now)))
			return rc;
		json_object_set(j->effects, "handoff", a->packet);
		j->escalated_to_person = true;
		json_t *data = json_pack("{s:O}", "reasons", reasons);
		rc = store_event_append(c, j->tenant_id, j->now, "handoff", j->conv_id, "ai", data, NULL);
		json_decref(data);
		return rc;
	}
	case DIALOG_ACT_EVENT:
		return store_event_append(c, j->tenant_id, j->now, a->name, j->conv_id, "ai", a->data, NULL);
	case DIALOG_ACT_COUNT:
		break;
	}
	return 0;
}

/* Whether the engine waits for something that identifies the customer's appointment. */
static bool needs_identity(const struct dialog_state *s)
{
	return s->await == DIALOG_AWAIT_JOB;
}

/* Finds the customer a job number, phone or email in text belongs to (0: none). Used only
 * to find an appointment: the engine reveals an account's details to whoever can name
 * its job number or phone on file, as a phone agent would, and never for account
 * changes (those need the channel identity). */
static int64_t identify(struct store_conn *c, int64_t tenant_id, const char *text, int64_t now,
			const struct tz *zone)
{
	struct nlu_entities ents;
	int64_t id = 0;
	if (nlu_extract_entities(text, strlen(text), now, zone, &ents))
		return 0;
	for (size_t i = 0; i < ents.count && !id; i++) {
		const struct nlu_entity *e = &ents.items[i];
		if (e->type == NLU_ENT_PHONE || e->type == NLU_ENT_EMAIL) {
			if (store_customer_find_by_identity(c, tenant_id, e->type == NLU_ENT_PHONE
							    ? STORE_IDENTITY_PHONE : STORE_IDENTITY_EMAIL,
							    e->value, &id))
				id = 0;
		} else if (e->type == NLU_ENT_JOB_NUMBER) {
			struct store_stmt *st;
			if (store_prepare(c, "SELECT customer_id FROM appointments WHERE tenant_id = ? "
					     "AND job_number = ?", &st))
				continue;
			store_bind_int64(st, 1, tenant_id);
			store_bind_text(st, 2, e->value, -1);
			if (store_step(st) == STORE_ROW)
				id = store_col_int64(st, 0);
			store_stmt_finish(st);
		}
	}
	return id;
}

/* The turn as answered to the client and kept with the customer message, so a repeated
 * client id gets the same answer: {intent, confidence, escalation, outcome,
 * appointment?, callback?, handoff (bool)}. */
static json_t *turn_summary(const struct dialog_write *j)
{
	const struct dialog_out *o = j->out;
	json_t *reasons = json_array();
	for (int r = 0; r < DIALOG_REASON_COUNT; r++)
		if (o->escalation.reasons & (1u << r))
			json_array_append_new(reasons, json_string(dialog_reason_name((enum dialog_reason)r)));
	json_t *esc = json_pack("{s:b,s:o,s:o}", "escalate", o->escalation.escalate, "priority",
				o->escalation.priority ? json_sprintf("P%d", (int)o->escalation.priority)
						       : json_null(),
				"reasons", reasons);
	json_t *t = json_pack("{s:s,s:f,s:o,s:s,s:b}", "intent", o->intent ? o->intent : "",
			      "confidence", (double)(int)(o->confidence * 10000 + 0.5) / 10000,
			      "escalation", esc, "outcome", dialog_outcome_name(o->outcome),
			      "handoff", json_object_get(j->effects, "handoff") != NULL);
	if (!t)
		return NULL;
	json_t *v;
	if ((v = json_object_get(j->effects, "appointment")))
		json_object_set(t, "appointment", v);
	if ((v = json_object_get(j->effects, "callback")))
		json_object_set(t, "callback", v);
	return t;
}

int dialog_write_job(struct store_conn *c, void *arg)
{
	struct dialog_write *j = arg;
	struct dialog_out *o = j->out;
	int rc;
	if (j->start) {
		/* the conversation is made by this same write, before its first turn */
		int64_t cust = 0;
		if ((rc = j->start(c, j->start_arg, &j->conv_id, &cust)) < 0)
			return rc;
		if (rc == 1)
			return -EEXIST; /* one was there already: the turn runs again on it */
		if (!j->customer_id)
			j->customer_id = cust;
	}
	j->escalated_to_person = false;
	j->duplicate = false;
	json_decref(j->turn);
	j->turn = NULL;
	struct store_message cm = {.sender = "customer", .channel = j->channel, .text = j->text,
				   .client_msg_id = j->client_id, .nlu = j->nlu};
	struct store_message am = {.sender = "ai", .channel = j->channel,
				   .text = o->reply.data ? o->reply.data : ""};
	if ((rc = store_message_append(c, j->tenant_id, j->conv_id, &cm, j->now, &j->seq)) < 0)
		return rc;
	if (rc == 1) { /* this client id was stored before: nothing more is written */
		j->duplicate = true;
		return 0;
	}
	/* the quick replies are kept with the reply, so a reload offers them again */
	json_t *quick = o->n_quick ? dialog_quick_json(o) : NULL;
	if (o->n_quick && !quick)
		return -ENOMEM;
	am.quick_replies = quick;
	rc = store_message_append(c, j->tenant_id, j->conv_id, &am, j->now, &j->reply_seq);
	json_decref(quick);
	if (rc < 0)
		return rc;
	if (j->link_customer &&
	    (rc = exec_sql(c, "UPDATE conversations SET customer_id = ? WHERE tenant_id = ? AND id = ?",
			   "iii", j->customer_id, j->tenant_id, j->conv_id)))
		return rc;
	/* the transcript goes into handoff packets only: read it when one is made */
	json_t *transcript = NULL;
	for (size_t k = 0; k < o->n_actions && !transcript; k++)
		if (o->actions[k].kind == DIALOG_ACT_HANDOFF ||
		    (o->actions[k].kind == DIALOG_ACT_CALLBACK && o->actions[k].packet)) {
			json_t *msgs = NULL;
			if ((rc = store_message_list(c, j->tenant_id, j->conv_id, 0, 10000, &msgs)))
				return rc;
			transcript = json_array();
			size_t i;
			json_t *m;
			json_array_foreach(msgs, i, m)
				json_array_append_new(transcript,
						      json_pack("{s:O,s:O,s:O}", "sender",
								json_object_get(m, "sender"), "text",
								json_object_get(m, "text"), "at",
								json_object_get(m, "created_at")));
			json_decref(msgs);
		}
	for (size_t k = 0; k < o->n_actions && !rc; k++)
		rc = do_action(c, j, &o->actions[k], transcript);
	json_decref(transcript);
	if (rc)
		return rc;
	/* the summary is kept with the customer message (idempotent answers) */
	if (!(j->turn = turn_summary(j)))
		return -ENOMEM;
	json_t *nlu = json_deep_copy(j->nlu);
	if (!nlu)
		return -ENOMEM;
	json_object_set(nlu, "turn", j->turn);
	rc = exec_sql(c, "UPDATE messages SET nlu = ? WHERE tenant_id = ? AND conversation_id = ? "
			 "AND seq = ?", "jiii", nlu, j->tenant_id, j->conv_id, j->seq);
	json_decref(nlu);
	if (rc)
		return rc;
	return store_conversation_update(c, j->tenant_id, j->conv_id,
					 j->escalated_to_person ? STORE_CONV_WAITING : -1, NULL, 0,
					 j->state, j->now);
}

static int prepare(struct store_conn *rd, const struct nlu_model *m, const struct dialog_tenant *t,
		   int64_t conv_id, const json_t *conv, int64_t customer_id, const char *text,
		   const char *client_id, int64_t now, int agents_online, int64_t next_job_seq,
		   struct dialog_out *out, struct dialog_write **wout);

int dialog_write_prepare(struct store_conn *rd, const struct nlu_model *m,
			 const struct dialog_tenant *t, int64_t conv_id, const char *text,
			 const char *client_id, int64_t now, int agents_online,
			 int64_t next_job_seq, struct dialog_out *out, struct dialog_write **wout)
{
	json_t *conv = NULL;
	int rc = store_conversation_get(rd, t->tenant_id, conv_id, &conv);
	if (rc)
		return rc;
	rc = prepare(rd, m, t, conv_id, conv, 0, text, client_id, now, agents_online, next_job_seq,
		     out, wout);
	json_decref(conv);
	return rc;
}

int dialog_write_prepare_new(struct store_conn *rd, const struct nlu_model *m,
			     const struct dialog_tenant *t, int64_t customer_id, const char *text,
			     const char *client_id, int64_t now, int agents_online,
			     int64_t next_job_seq, dialog_start_fn *start, void *start_arg,
			     struct dialog_out *out, struct dialog_write **wout)
{
	if (!start)
		return -EINVAL;
	int rc = prepare(rd, m, t, 0, NULL, customer_id, text, client_id, now, agents_online,
			 next_job_seq, out, wout);
	if (!rc) {
		(*wout)->start = start;
		(*wout)->start_arg = start_arg;
	}
	return rc;
}

int64_t dialog_write_conv_id(const struct dialog_write *w)
{
	return w->conv_id;
}

/* Both prepares: conv is the conversation's row, or NULL for one that the write job
 * makes first (a fresh state; customer_id the customer it is for, 0 when new). */
static int prepare(struct store_conn *rd, const struct nlu_model *m, const struct dialog_tenant *t,
		   int64_t conv_id, const json_t *conv, int64_t customer_id, const char *text,
		   const char *client_id, int64_t now, int agents_online, int64_t next_job_seq,
		   struct dialog_out *out, struct dialog_write **wout)
{
	struct dialog_customer_facts cf = {0};
	struct dialog_state state;
	struct dialog_write *j = NULL;
	int64_t tenant_id = t->tenant_id;
	int rc = 0;
	if (conv)
		customer_id = json_integer_value(json_object_get(conv, "customer_id"));
	const char *channel = json_string_value(json_array_get(json_object_get(conv, "channels"), 0));
	if (dialog_state_from_json(json_object_get(conv, "state"), &state))
		dialog_state_init(&state);
	bool identified = false;
	if (!customer_id && needs_identity(&state)) {
		customer_id = identify(rd, tenant_id, text, now, t->biz.zone);
		identified = customer_id != 0;
	}
	if ((rc = dialog_customer_load(rd, tenant_id, customer_id, &cf)))
		goto out;
	if (next_job_seq <= 0) {
		/* the next job number follows the highest one in use (a clash is refused by
		 * the store's unique key and the turn says so) */
		next_job_seq = 1001;
		struct store_stmt *q;
		if (!store_prepare(rd, "SELECT MAX(CAST(SUBSTR(job_number, 3) AS INTEGER)) FROM "
				       "appointments WHERE tenant_id = ? AND job_number LIKE 'J-%'", &q)) {
			store_bind_int64(q, 1, tenant_id);
			if (store_step(q) == STORE_ROW && !store_col_is_null(q, 0) &&
			    store_col_int64(q, 0) >= 1000)
				next_job_seq = store_col_int64(q, 0) + 1;
			store_stmt_finish(q);
		}
	}
	j = calloc(1, sizeof *j);
	if (!j) {
		rc = -ENOMEM;
		goto out;
	}
	snprintf(j->channel_buf, sizeof j->channel_buf, "%s", channel ? channel : "chat");
	struct dialog_env env = {
		.model = m, .templates = NULL, .business_name = t->name, .business_phone = t->phone,
		.portal_url = t->portal_url, .cal = &t->cal, .holiday_names = t->holiday_names,
		.tech_phones = t->tech_phones,
		.oncall = t->has_oncall ? &t->oncall : NULL, .services = t->services,
		.n_services = t->n_services, .brands = t->brands, .n_brands = t->n_brands, .kb = t->kb,
		.thresholds = t->thresholds, .agents_online = agents_online,
		.customer = cf.customer.id ? &cf.customer : NULL, .jobs = cf.jobs, .n_jobs = cf.n_jobs,
		.next_job_seq = next_job_seq, .channel = j->channel_buf};
	memcpy(env.sla_seconds, t->sla_seconds, sizeof env.sla_seconds);
	j->before = state;
	if ((rc = dialog_turn(&env, &state, text, strlen(text), now, out)))
		goto out;
	j->tenant_id = tenant_id;
	j->conv_id = conv_id;
	j->customer_id = customer_id;
	j->channel = j->channel_buf;
	j->text = strdup(text);
	j->client_id = client_id && *client_id ? strdup(client_id) : NULL;
	j->zone = t->biz.zone;
	j->biz = &t->biz;
	j->out = out;
	j->now = now;
	j->link_customer = identified;
	j->channels = json_deep_copy(json_object_get(conv, "channels"));
	j->effects = json_pack("{s:[]}", "outbox");
	j->state = dialog_state_to_json(&state);
	if (!j->text || (client_id && *client_id && !j->client_id) || !j->state || !j->effects ||
	    nlu_result_to_json(&out->nlu, t->biz.zone, &j->nlu)) {
		rc = -ENOMEM;
		goto out;
	}
	*wout = j;
	j = NULL;
out:
	dialog_write_free(j);
	dialog_customer_free(&cf);
	return rc;
}

bool dialog_write_fallback(struct dialog_write *j, int rc)
{
	struct dialog_out *out = j->out;
	if (!rc || rc == -ENOMEM || rc == -EEXIST || out->n_actions == 0)
		return false;
	/* an action failed (e.g. the window was just taken): keep the conversation going
	 * with the earlier state and say so */
	json_decref(j->state);
	struct dialog_state before = j->before;
	before.turns++;
	j->state = dialog_state_to_json(&before);
	size_t keep = 0;
	for (size_t k = 0; k < out->n_actions; k++)
		if (out->actions[k].kind == DIALOG_ACT_EVENT)
			out->actions[keep++] = out->actions[k];
		else {
			json_decref(out->actions[k].packet);
			json_decref(out->actions[k].data);
		}
	out->n_actions = keep;
	out->outcome = DIALOG_OUTCOME_OPEN;
	out->n_quick = 0; /* they answered the turn that could not be completed */
	buf_reset(&out->reply);
	buf_puts(&out->reply, strcmp(before.lang, "es")
		 ? "I'm sorry, I couldn't complete that just now; it was taken or changed a moment ago. Let's pick another option."
		 : "Lo siento, no pude completarlo; acaba de cambiar. Elijamos otra opción.");
	json_decref(j->effects);
	j->effects = json_pack("{s:[],s:s}", "outbox", "error", tn_strerror(rc));
	return j->state && j->effects;
}

const json_t *dialog_write_effects(const struct dialog_write *j)
{
	return j->effects;
}

json_t *dialog_write_take_effects(struct dialog_write *j)
{
	json_t *e = j->effects;
	j->effects = NULL;
	return e;
}

const json_t *dialog_write_turn(const struct dialog_write *j)
{
	return j->turn;
}

const json_t *dialog_write_nlu(const struct dialog_write *j)
{
	return j->nlu;
}

void dialog_write_seqs(const struct dialog_write *j, int64_t *seq, int64_t *reply_seq,
		       bool *duplicate)
{
	if (seq)
		*seq = j->seq;
	if (reply_seq)
		*reply_seq = j->reply_seq;
	if (duplicate)
		*duplicate = j->duplicate;
}

void dialog_write_free(struct dialog_write *j)
{
	if (!j)
		return;
	free((void *)j->text);
	free((void *)j->client_id);
	json_decref(j->nlu);
	json_decref(j->state);
	json_decref(j->effects);
	json_decref(j->turn);
	json_decref(j->channels);
	free(j);
}

int dialog_session_turn(struct store *st, const struct nlu_model *m, int64_t tenant_id,
			int64_t conv_id, const char *text, int64_t now, int agents_online,
			struct dialog_out *out, json_t **effects)
{
	struct store_conn *rd = store_reader(st);
	struct dialog_tenant t;
	struct dialog_write *w = NULL;
	int rc = dialog_tenant_load(rd, tenant_id, now, &t);
	if (rc)
		return rc;
	rc = dialog_write_prepare(rd, m, &t, conv_id, text, NULL, now, agents_online, 0, out, &w);
	if (!rc) {
		rc = store_write_sync(st, dialog_write_job, w);
		if (rc && dialog_write_fallback(w, rc))
			rc = store_write_sync(st, dialog_write_job, w);
	}
	if (!rc && effects)
		*effects = dialog_write_take_effects(w);
	dialog_write_free(w);
	dialog_tenant_free(&t);
	return rc;
}
