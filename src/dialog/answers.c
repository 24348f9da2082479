/* answers.c: the answers that need no flow: hours, service area, prices, services,
 * appointment status, billing, and the account requests (password reset, contact
 * changes), all from the tenant's facts. */
#include "base/tz.h"
#include "dialog/dialog_internal.h"
#include "kb/kb.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The name of the holiday on local day l ("a holiday" when unnamed), or NULL. */
static const char *holiday_on(const struct dialog_ctx *t, const struct tz_local *l)
{
	const struct schedule_business *b = t->env->cal->business;
	for (size_t i = 0; i < b->n_holidays; i++)
		if (b->holidays[i].year == l->year && b->holidays[i].month == l->month &&
		    b->holidays[i].day == l->day)
			return t->env->holiday_names && t->env->holiday_names[i]
				       ? t->env->holiday_names[i]
				       : (strcmp(t->s->lang, "es") ? "a holiday" : "un día festivo");
	return NULL;
}

void dialog__answer_hours(struct dialog_ctx *t)
{
	const struct schedule_business *b = t->env->cal->business;
	const struct nlu_entity *dt = dialog__entity(t, NLU_ENT_DATETIME, false);
	char a[64], c[64];
	struct tz_local l;
	if (dt && !dt->dt_point && !tz_to_local(b->zone, dt->dt_start, &l) &&
	    dt->dt_end - dt->dt_start >= 3600 * 20) {
		/* a whole day was named: that day's hours */
		const struct schedule_day *d = &b->hours[l.wday];
		const char *holiday = holiday_on(t, &l);
		if (holiday) {
			char date[96], next[96] = "";
			int64_t at;
			dialog__fmt_date(t->env, t->s, dt->dt_start, date, sizeof date);
			if (!schedule_next_open(b, dt->dt_start, &at, NULL))
				dialog__fmt_day_time(t->env, t->s, at, next, sizeof next);
			dialog__reply(t, "closed_holiday", (const char *const[]){"holiday", holiday, "date", date, "next_open", next, NULL});
		} else if (!d->n) {
			dialog__reply(t, "hours_day_closed", (const char *const[]){"day", dialog__day_name(t->s, l.wday), NULL});
		} else {
			snprintf(a, sizeof a, "%d:%02d-%d:%02d", d->range[0].start / 60,
				 d->range[0].start % 60, d->range[d->n - 1].end / 60,
				 d->range[d->n - 1].end % 60);
			dialog__reply(t, "hours_day_open", (const char *const[]){"day", dialog__day_name(t->s, l.wday), "range", a, NULL});
		}
		t->served = true;
		return;
	}
	int64_t at = 0, closes = 0;
	if (schedule_next_open(b, t->now, &at, &closes) == 0) {
		if (at <= t->now) {
			dialog__fmt_time(t->env, closes, c, sizeof c);
			dialog__reply(t, "open_now", (const char *const[]){"close", c, NULL});
		} else {
			dialog__fmt_day_time(t->env, t->s, at, a, sizeof a);
			const char *holiday = tz_to_local(b->zone, t->now, &l) ? NULL : holiday_on(t, &l);
			char today[96];
			dialog__fmt_date(t->env, t->s, t->now, today, sizeof today);
			if (holiday)
				dialog__reply(t, "closed_holiday", (const char *const[]){"holiday", holiday, "date", today, "next_open", a, NULL});
			else
				dialog__reply(t, "closed_now", (const char *const[]){"next_open", a, NULL});
		}
	}
	/* the week, from the business hours */
	char week[256];
	size_t used = 0;
	week[0] = '\0';
	static const int order[] = {1, 2, 3, 4, 5, 6, 0};
	for (int i = 0; i < 7 && used + 48 < sizeof week; i++) {
		const struct schedule_day *d = &b->hours[order[i]];
		const char *name = dialog__day_name(t->s, order[i]);
		if (!d->n)
			continue;
		else
			used += (size_t)snprintf(week + used, sizeof week - used, "%s%s %d:%02d-%d:%02d",
						 used ? ", " : "", name, d->range[0].start / 60,
						 d->range[0].start % 60, d->range[d->n - 1].end / 60,
						 d->range[d->n - 1].end % 60);
	}
	dialog__reply(t, "hours_week", (const char *const[]){"hours", week, NULL});
	t->served = true;
}

void dialog__answer_area(struct dialog_ctx *t)
{
	const struct nlu_entity *z = dialog__entity(t, NLU_ENT_ZIP, false);
	char area[256];
	dialog__area_list(t->env, area, sizeof area);
	if (!z) {
		dialog__reply(t, "area_ask", NULL);
		t->s->flow = DIALOG_FLOW_AREA;
		t->s->await = DIALOG_AWAIT_ZIP;
		t->served = true;
		return;
	}
	if (dialog__zip_served(t->env, z->value))
		dialog__reply(t, "area_yes", (const char *const[]){"zip", z->value, NULL});
	else
		dialog__reply(t, "area_no", (const char *const[]){"zip", z->value, "area", area, NULL});
	if (t->s->flow == DIALOG_FLOW_AREA) {
		t->s->flow = DIALOG_FLOW_NONE;
		t->s->await = DIALOG_AWAIT_NONE;
	}
	t->served = true;
}

void dialog__answer_pricing(struct dialog_ctx *t)
{
	const struct nlu_entity *eq = dialog__entity(t, NLU_ENT_EQUIPMENT, false);
	const struct dialog_service *svc =
		dialog__match_service(t, eq ? dialog__trade_of_equipment(eq->value) : NULL);
	static const char *const call_words[] = {"service call", "trip", "diagnostic",
						 "come out", "visit", NULL};
	if (!svc && dialog__has_any(t, call_words))
		svc = dialog__diagnostic_service(t->env);
	if (!svc && t->s->service_code[0])
		svc = dialog__service(t->env, t->s->service_code);
	char price[256];
	if (svc && svc == dialog__diagnostic_service(t->env)) {
		dialog__reply(t, "pricing.service_call", NULL);
	} else if (svc) {
		char key[40];
		dialog__fmt_money(svc->price_cents, price, sizeof price);
		snprintf(key, sizeof key, "pricing.%s", svc->price_kind ? svc->price_kind : "fixed");
		dialog__reply(t, key, (const char *const[]){"service", svc->name, "price", price, "description", svc->description ? svc->description : "", NULL});
	} else if (dialog__diagnostic_service(t->env)) {
		dialog__reply(t, "pricing.service_call", NULL);
	} else {
		char list[1024];
		size_t used = 0;
		list[0] = '\0';
		for (size_t i = 0; i < t->env->n_services && used + 200 < sizeof list; i++) {
			dialog__fmt_price(&t->env->services[i], price, sizeof price);
			used += (size_t)snprintf(list + used, sizeof list - used, "%s%s %s",
						 i ? "; " : "", t->env->services[i].name, price);
		}
		dialog__reply(t, "price_list", (const char *const[]){"prices", list, NULL});
	}
	t->served = true;
}

void dialog__answer_services(struct dialog_ctx *t)
{
	bool done = false;
	for (size_t i = 0; i < t->env->n_brands; i++) {
		char w[64];
		snprintf(w, sizeof w, "%s", t->env->brands[i]);
		for (char *p = w; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (dialog__has_word(t, w) || dialog__has_word(t, "brand") || dialog__has_word(t, "brands")) {
			char list[256];
			size_t used = 0;
			for (size_t k = 0; k < t->env->n_brands && used + 40 < sizeof list; k++)
				used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
							 k ? ", " : "", t->env->brands[k]);
			dialog__reply(t, "brands", (const char *const[]){"brands", list, NULL});
			done = true;
			break;
		}
	}
	const struct nlu_entity *eq = dialog__entity(t, NLU_ENT_EQUIPMENT, false);
	const struct dialog_service *svc =
		dialog__match_service(t, eq ? dialog__trade_of_equipment(eq->value) : NULL);
	if (svc) {
		char price[256];
		dialog__fmt_price(svc, price, sizeof price);
		dialog__reply(t, "price_one", (const char *const[]){"service", svc->name, "price", price, NULL});
		done = true;
	}
	if (t->env->kb && !done) {
		struct kb_result res[1];
		char q[KB_QUERY_MAX];
		dialog__copy(q, sizeof q, t->text);
		if (kb_search(t->env->kb, q, 1, res) == 1 && res[0].score > 1.0) {
			dialog__reply(t, "services_kb", (const char *const[]){"answer", res[0].snippet, NULL});
			done = true;
		}
	}
	if (!done) {
		char list[512];
		size_t used = 0;
		list[0] = '\0';
		for (size_t i = 0; i < t->env->n_services && used + 80 < sizeof list; i++)
			used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
						 i ? ", " : "", t->env->services[i].name);
		dialog__reply(t, "services_list", (const char *const[]){"services", list, NULL});
	}
	t->served = true;
}

void dialog__answer_status(struct dialog_ctx *t)
{
	const struct dialog_job *j = dialog__find_job(t, true);
	if (!j) {
		dialog__reply(t, t->env->customer ? "job_none" : "job_ask", NULL);
		t->s->await = DIALOG_AWAIT_JOB;
		dialog__copy(t->s->summary_intent, sizeof t->s->summary_intent, "appointment_status");
		return;
	}
	char win[96], eta[32], date[96];
	dialog__fmt_window(t->env, t->s, j->start, j->end, win, sizeof win);
	const char *tech = j->technician ? j->technician : dialog__tech_name(t->env, j->technician_id);
	const char *svc = dialog__service_label(t, j->service_code);
	const char *jn = j->job_number ? j->job_number : "";
	switch (j->status) {
	case SCHEDULE_JOB_EN_ROUTE:
		if (j->eta) {
			dialog__fmt_time(t->env, j->eta, eta, sizeof eta);
			dialog__reply(t, "status_en_route", (const char *const[]){"tech", tech, "service", svc, "job", jn, "eta", eta, NULL});
		} else {
			dialog__reply(t, "status_en_route", (const char *const[]){"tech", tech, "service", svc, "job", jn, "eta", strcmp(t->s->lang, "es") ? "shortly" : "pronto", NULL});
		}
		break;
	case SCHEDULE_JOB_ON_SITE:
		dialog__reply(t, "status_on_site", (const char *const[]){"tech", tech, "service", svc, "job", jn, NULL});
		break;
	case SCHEDULE_JOB_COMPLETED:
		dialog__fmt_window(t->env, t->s, j->start, j->end, date, sizeof date);
		dialog__reply(t, "status_completed", (const char *const[]){"service", svc, "job", jn, "date", date, NULL});
		break;
	case SCHEDULE_JOB_CANCELLED:
		dialog__reply(t, "status.cancelled", (const char *const[]){"service", svc, "job", jn, NULL});
		break;
	default:
		if (t->now > j->end) { /* the window has passed and nobody is on the way */
			dialog__reply(t, "status.late", (const char *const[]){"window", win, "tech", tech, NULL});
			/* the reply says the office is told: this event is how */
			struct dialog_action *a = dialog__action(t, DIALOG_ACT_EVENT);
			if (a) {
				dialog__copy(a->name, sizeof a->name, "appointment_late");
				a->data = json_pack("{s:s,s:I}", "job", jn, "appointment_id", (json_int_t)j->id);
			}
			dialog__outcome(t, DIALOG_OUTCOME_ANSWERED);
			t->served = true;
			return;
		}
		dialog__reply(t, "status_scheduled", (const char *const[]){"service", svc, "job", jn, "window", win, "tech", tech, NULL});
		break;
	}
	if (t->s->await == DIALOG_AWAIT_JOB && t->s->flow == DIALOG_FLOW_NONE)
		t->s->await = DIALOG_AWAIT_NONE;
	t->served = true;
	dialog__outcome(t, DIALOG_OUTCOME_ANSWERED);
}

void dialog__answer_billing(struct dialog_ctx *t)
{
	const struct dialog_job *inv = NULL;
	for (size_t i = 0; t->env->customer && i < t->env->n_jobs; i++) {
		const struct dialog_job *j = &t->env->jobs[i];
		if (j->invoice_number && (!inv || j->start > inv->start))
			inv = j;
	}
	const char *portal = t->env->portal_url ? t->env->portal_url : "";
	if (inv) {
		char amount[32];
		dialog__fmt_money(inv->invoice_cents, amount, sizeof amount);
		bool es = !strcmp(t->s->lang, "es");
		const char *state = inv->invoice_paid ? (es ? "pagada" : "paid") : (es ? "pendiente de pago" : "unpaid");
		(void)state;
		dialog__reply(t, inv->invoice_paid ? "billing_paid" : "billing_open", (const char *const[]){"invoice", inv->invoice_number, "service", dialog__service_label(t, inv->service_code), "amount", amount, NULL});
		if (!inv->invoice_paid)
			dialog__reply(t, "billing_pay", (const char *const[]){"invoice", inv->invoice_number, "amount", amount, "portal", portal, NULL});
	} else {
		dialog__reply(t, "billing_generic", (const char *const[]){"portal", portal, NULL});
	}
	t->served = true;
}

/* Masks a contact for display: "l***@example.com", "***-***-0182". */
static void mask(const char *v, char *out, size_t n)
{
	const char *at = strchr(v, '@');
	if (at)
		snprintf(out, n, "%c***%s", v[0], at);
	else {
		size_t l = strlen(v);
		snprintf(out, n, "***-***-%s", l >= 4 ? v + l - 4 : v);
	}
}

static void reset_link(struct dialog_ctx *t, const char *channel, const char *recipient,
		       enum dialog_action_kind kind)
{
	struct dialog_action *a = dialog__action(t, kind);
	if (!a)
		return;
	struct buf body = BUF_INIT;
	struct dialog_state tmp = *t->s;
	if (dialog__say(t->env, &tmp, &body, "reset_text",
			(const char *const[]){"portal", t->env->portal_url ? t->env->portal_url : "", NULL}) && !t->rc)
		t->rc = -ENOMEM;
	dialog__copy(a->channel, sizeof a->channel, channel);
	dialog__copy(a->recipient, sizeof a->recipient, recipient);
	dialog__copy(a->name, sizeof a->name, "password_reset");
	dialog__copy(a->text, sizeof a->text, body.data ? body.data : "");
	buf_free(&body);
}

void dialog__reset(struct dialog_ctx *t)
{
	const struct dialog_customer *c = t->env->customer;
	struct dialog_state *s = t->s;
	dialog__copy(s->summary_intent, sizeof s->summary_intent, "password_reset");
	if (c && (c->email || c->phone)) {
		char m[160];
		bool email = c->email && *c->email;
		mask(email ? c->email : c->phone, m, sizeof m);
		reset_link(t, email ? "email" : "sms", email ? c->email : c->phone, DIALOG_ACT_SEND);
		bool es = !strcmp(s->lang, "es");
		dialog__reply(t, "reset_sent", (const char *const[]){"kind", email ? (es ? "correo" : "email") : (es ? "teléfono" : "phone number"), "masked", m, NULL});
		s->flow = DIALOG_FLOW_NONE;
		s->await = DIALOG_AWAIT_NONE;
		t->served = true;
		dialog__outcome(t, DIALOG_OUTCOME_ANSWERED);
		return;
	}
	const struct nlu_entity *e = dialog__entity(t, NLU_ENT_EMAIL, false);
	if (!e)
		e = dialog__entity(t, NLU_ENT_PHONE, false);
	if (e) {
		/* the link goes to that contact only if it is on file; the reply never says */
		reset_link(t, e->type == NLU_ENT_EMAIL ? "email" : "sms", e->value,
			   DIALOG_ACT_SEND_IF_ON_FILE);
		dialog__reply(t, "reset_maybe_sent", NULL);
		s->flow = DIALOG_FLOW_NONE;
		s->await = DIALOG_AWAIT_NONE;
		t->served = true;
		dialog__outcome(t, DIALOG_OUTCOME_ANSWERED);
		return;
	}
	dialog__reply(t, "reset_ask", NULL);
	s->flow = DIALOG_FLOW_RESET;
	s->await = DIALOG_AWAIT_IDENTITY;
}

void dialog__contact(struct dialog_ctx *t, bool confirmed)
{
	const struct dialog_customer *c = t->env->customer;
	struct dialog_state *s = t->s;
	dialog__copy(s->summary_intent, sizeof s->summary_intent, "update_contact");
	if (!c || !c->id) {
		dialog__reply(t, "contact_unverified", NULL);
		s->flow = DIALOG_FLOW_NONE;
		s->await = DIALOG_AWAIT_NONE;
		t->served = true;
		return;
	}
	bool es = !strcmp(s->lang, "es");
	if (confirmed && s->new_contact[0]) {
		bool email = strchr(s->new_contact, '@') != NULL;
		struct dialog_action *a = dialog__action(t, DIALOG_ACT_UPDATE_CONTACT);
		if (a) {
			dialog__copy(a->channel, sizeof a->channel, email ? "email" : "phone");
			dialog__copy(a->recipient, sizeof a->recipient, s->new_contact);
		}
		dialog__reply(t, "contact_done", (const char *const[]){"value", s->new_contact, "kind", email ? (es ? "correo" : "email address") : (es ? "teléfono" : "phone number"), NULL});
		s->flow = DIALOG_FLOW_NONE;
		s->await = DIALOG_AWAIT_NONE;
		s->new_contact[0] = '\0';
		t->served = true;
		dialog__outcome(t, DIALOG_OUTCOME_ANSWERED);
		return;
	}
	const struct nlu_entity *e = dialog__entity(t, NLU_ENT_EMAIL, false);
	if (!e)
		e = dialog__entity(t, NLU_ENT_PHONE, true);
	s->flow = DIALOG_FLOW_CONTACT;
	if (!e) {
		dialog__reply(t, "contact_ask", NULL);
		s->await = DIALOG_AWAIT_CONTACT;
		return;
	}
	dialog__copy(s->new_contact, sizeof s->new_contact, e->value);
	bool email = e->type == NLU_ENT_EMAIL;
	dialog__reply(t, "contact_confirm", (const char *const[]){"value", e->value, "kind", email ? (es ? "correo" : "email address") : (es ? "teléfono" : "phone number"), NULL});
	s->await = DIALOG_AWAIT_CONFIRM;
	t->served = true;
}
