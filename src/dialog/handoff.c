/* handoff.c: the handoff packet: what a person sees before they say a word. */
#include "base/tz.h"
#include "dialog/dialog_internal.h"

#include <stdio.h>
#include <string.h>

static const char *trade_words(const char *trade)
{
	if (!trade || !*trade)
		return "service";
	return trade;
}

static json_t *customer_json(const struct dialog_env *env, const struct dialog_state *s)
{
	const struct dialog_customer *c = env->customer;
	json_t *o = json_object(), *jobs = json_array();
	if (!o || !jobs) {
		json_decref(o);
		json_decref(jobs);
		return NULL;
	}
	const char *name = c && c->name ? c->name : (s->customer_name[0] ? s->customer_name : NULL);
	json_object_set_new(o, "id", json_integer(c ? c->id : 0));
	json_object_set_new(o, "known", json_boolean(c && c->id));
	json_object_set_new(o, "name", name ? json_string(name) : json_null());
	json_object_set_new(o, "phones", json_array());
	json_object_set_new(o, "emails", json_array());
	if (c && c->phone)
		json_array_append_new(json_object_get(o, "phones"), json_string(c->phone));
	if (c && c->email)
		json_array_append_new(json_object_get(o, "emails"), json_string(c->email));
	const char *addr = s->address[0] ? s->address : (c ? c->address : NULL);
	json_object_set_new(o, "address", addr ? json_string(addr) : json_null());
	for (size_t i = 0; i < env->n_jobs; i++) {
		const struct dialog_job *j = &env->jobs[i];
		char a[32] = "", b[32] = "";
		tz_format_iso(env->cal->business->zone, j->start, a, sizeof a);
		tz_format_iso(env->cal->business->zone, j->end, b, sizeof b);
		json_array_append_new(jobs, json_pack("{s:s?,s:s?,s:s,s:s,s:s,s:s?}", "job",
						      j->job_number, "service", j->service_code,
						      "start", a, "end", b, "status",
						      schedule_job_state_name(j->status), "technician",
						      j->technician));
	}
	json_object_set_new(o, "jobs", jobs);
	return o;
}

json_t *dialog_handoff_packet(const struct dialog_env *env, const struct dialog_state *s,
			      const struct nlu_result *nlu, int64_t now)
{
	json_t *p = json_object();
	if (!p)
		return NULL;
	const struct tz *zone = env->cal->business->zone;
	json_object_set_new(p, "customer", customer_json(env, s));
	json_object_set_new(p, "channel", json_string(env->channel ? env->channel : "chat"));
	json_object_set_new(p, "language", json_string(s->lang));
	json_object_set_new(p, "intent", json_string(s->summary_intent[0] ? s->summary_intent
							      : s->last_intent));
	json_t *ents = NULL;
	if (nlu && !nlu_entities_to_json(&nlu->entities, zone, &ents))
		json_object_set_new(p, "entities", ents);
	else
		json_object_set_new(p, "entities", json_array());
	json_object_set_new(p, "sentiment", json_real(s->sentiment));
	json_object_set_new(p, "frustration", json_real(s->frustration));
	json_object_set_new(p, "urgency", json_integer(s->urgency));
	char pr[4];
	snprintf(pr, sizeof pr, "P%d", s->priority ? s->priority : 2);
	json_object_set_new(p, "priority", json_string(pr));
	json_t *reasons = json_array();
	for (unsigned i = 0; i < DIALOG_REASON_COUNT; i++)
		if (s->reasons & (1u << i))
			json_array_append_new(reasons, json_string(dialog_reason_name((enum dialog_reason)i)));
	json_object_set_new(p, "reasons", reasons);

	/* the summary: who, where, what, why */
	const struct dialog_customer *c = env->customer;
	const char *who = s->customer_name[0] ? s->customer_name
			  : (c && c->name ? c->name : "Unidentified customer");
	const char *where = s->address[0] ? s->address : (c && c->address ? c->address : NULL);
	char reason_list[160];
	dialog_reasons_format(s->reasons, reason_list, sizeof reason_list);
	char summary[1024];
	snprintf(summary, sizeof summary, "%s%s%s: \"%s\"%s%s%s (%s).", who, where ? ", " : "",
		 where ? where : "", s->problem[0] ? s->problem : "(no details yet)",
		 s->equipment[0] ? "; equipment " : "", s->equipment, "",
		 reason_list[0] ? reason_list : "no escalation");
	json_object_set_new(p, "summary", json_string(summary));

	/* open slots for the trade, and the suggested next step */
	json_t *slots = json_array();
	struct schedule_slot found[3];
	int n = 0;
	struct schedule_request req = {.now = now, .lead_seconds = 3600, .windows = 1,
				       .horizon_days = 14,
				       .zip = s->zip[0] ? s->zip : (c && c->zip ? c->zip : NULL)};
	if (!schedule_trade_parse(s->trade, &req.trade)) {
		n = schedule_find_slots(env->cal, &req, found, 3, NULL);
		if (n < 0) { /* outside the area, or bad data: offer without the area check */
			req.zip = NULL;
			n = schedule_find_slots(env->cal, &req, found, 3, NULL);
		}
	}
	for (int i = 0; i < n; i++) {
		char a[32] = "", b[32] = "";
		tz_format_iso(zone, found[i].start, a, sizeof a);
		tz_format_iso(zone, found[i].end, b, sizeof b);
		json_array_append_new(slots, json_pack("{s:s,s:s,s:I,s:s}", "start", a, "end", b,
						       "technician_id", (json_int_t)found[i].technician_id,
						       "technician", dialog__tech_name(env, found[i].technician_id)));
	}
	json_object_set_new(p, "open_slots", slots);
	char next[400];
	struct dialog_state en = *s;
	memcpy(en.lang, "en", 3);
	if (s->reasons & ((1u << DIALOG_REASON_LIFE_SAFETY) | (1u << DIALOG_REASON_PROPERTY_EMERGENCY)))
		snprintf(next, sizeof next, "call the customer now and dispatch the on-call %s technician",
			 trade_words(s->trade));
	else if (s->reasons & (1u << DIALOG_REASON_BILLING_DISPUTE))
		snprintf(next, sizeof next, "review the invoice and charges with the customer");
	else if (s->reasons & (1u << DIALOG_REASON_COMPLAINT))
		snprintf(next, sizeof next, "apologise, review the last visit and offer a return visit%s",
			 n > 0 ? " at one of the open slots" : "");
	else if (n > 0) {
		char win[96];
		dialog__fmt_window(env, &en, found[0].start, found[0].end, win, sizeof win);
		snprintf(next, sizeof next, "offer %s with %s, %s", win,
			 dialog__tech_name(env, found[0].technician_id), trade_words(s->trade));
	} else
		snprintf(next, sizeof next, "greet the customer by name and continue with their %s request",
			 s->summary_intent[0] ? s->summary_intent : "open");
	json_object_set_new(p, "suggested_next_step", json_string(next));
	int pi = s->priority >= 1 && s->priority <= 3 ? s->priority : 2;
	int sla = env->sla_seconds[pi] > 0 ? env->sla_seconds[pi] : (pi == 1 ? 60 : 300);
	char dl[32] = "";
	tz_format_iso(zone, now + sla, dl, sizeof dl);
	json_object_set_new(p, "sla_deadline", json_string(dl));
	if (s->promised_at) {
		char pa[32] = "";
		tz_format_iso(zone, s->promised_at, pa, sizeof pa);
		json_object_set_new(p, "callback_promised_at", json_string(pa));
	}
	return p;
}
