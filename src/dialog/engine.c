/* engine.c: one customer turn: read it (NLU, in the context of the pending question),
 * decide on escalation, advance the flow, write the reply and list the actions. */
#include "base/err.h"
#include "base/tz.h"
#include "dialog/dialog_internal.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>


/* ---------------------------------------------------------------- small helpers */

void dialog__reply(struct dialog_ctx *t, const char *key, const char *const *kv)
{
	int rc = dialog__say(t->env, t->s, t->r, key, kv);
	if (rc && !t->rc)
		t->rc = rc;
}

static bool is(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

const struct nlu_entity *dialog__entity(const struct dialog_ctx *t, enum nlu_entity_type type, bool last)
{
	const struct nlu_entity *found = NULL;
	for (size_t i = 0; i < t->nlu->entities.count; i++)
		if (t->nlu->entities.items[i].type == type) {
			found = &t->nlu->entities.items[i];
			if (!last)
				break;
		}
	return found;
}

/* True when word (lower case, may hold spaces) occurs as whole words in the text. */
bool dialog__has_word(const struct dialog_ctx *t, const char *word)
{
	char pat[80];
	snprintf(pat, sizeof pat, " %s ", word);
	return strstr(t->low, pat) != NULL;
}

bool dialog__has_any(const struct dialog_ctx *t, const char *const *words)
{
	for (; *words; words++)
		if (dialog__has_word(t, *words))
			return true;
	return false;
}

struct dialog_action *dialog__action(struct dialog_ctx *t, enum dialog_action_kind kind)
{
	struct dialog_out *o = t->out;
	if (o->n_actions >= DIALOG_ACTIONS_MAX)
		return NULL;
	struct dialog_action *a = &o->actions[o->n_actions++];
	memset(a, 0, sizeof *a);
	a->kind = kind;
	return a;
}

static void event(struct dialog_ctx *t, const char *name, json_t *data)
{
	struct dialog_action *a = dialog__action(t, DIALOG_ACT_EVENT);
	if (!a) {
		json_decref(data);
		return;
	}
	dialog__copy(a->name, sizeof a->name, name);
	a->data = data;
}

void dialog__outcome(struct dialog_ctx *t, enum dialog_outcome o)
{
	if ((int)o > (int)t->out->outcome)
		t->out->outcome = o;
	struct dialog_state *s = t->s;
	if (s->outcome == DIALOG_OUTCOME_HANDOFF || s->outcome == DIALOG_OUTCOME_CALLBACK)
		return; /* a person is needed: that stays the conversation's outcome */
	if ((int)o > (int)s->outcome || o == DIALOG_OUTCOME_HANDOFF ||
	    o == DIALOG_OUTCOME_CALLBACK)
		s->outcome = o;
}

static void lower_text(struct dialog_ctx *t)
{
	size_t j = 0;
	t->low[j++] = ' ';
	for (size_t i = 0; i < t->len && j + 2 < sizeof t->low; i++) {
		unsigned char c = (unsigned char)t->text[i];
		if (c >= 0x80)
			t->low[j++] = (char)c; /* keep UTF-8 letters as they are */
		else if (isalnum(c) || c == '\'')
			t->low[j++] = (char)tolower(c);
		else
			t->low[j++] = ' ';
	}
	t->low[j++] = ' ';
	t->low[j] = '\0';
}

/* Spanish is recognised by its function words and letters. */
static bool looks_spanish(const struct dialog_ctx *t)
{
	static const char *const words[] = {"hola", "necesito", "quiero", "gracias", "por favor",
					    "una cita", "mi casa", "está", "estan", "están",
					    "tengo", "huele", "fuga", "cuánto", "cuanto",
					    "ustedes", "puede", "usted", "buenos", "buenas",
					    "ayuda", "señor", "sí", "mañana", "agua",
					    "el técnico", "calentador", "persona", "hablar", NULL};
	int hits = 0;
	for (const char *const *w = words; *w; w++)
		hits += dialog__has_word(t, *w);
	if (memchr(t->text, 0xC2, t->len) && (strstr(t->text, "¿") || strstr(t->text, "¡")))
		hits++;
	if (strstr(t->text, "ñ"))
		hits++;
	return hits >= 1;
}

static bool looks_english(const struct dialog_ctx *t)
{
	static const char *const words[] = {"the", "my", "is", "can", "you", "please",
					    "what", "when", "how", "need", "want", NULL};
	int hits = 0;
	for (const char *const *w = words; *w; w++)
		hits += dialog__has_word(t, *w);
	return hits >= 2;
}

/* ---------------------------------------------------------------- facts */

const char *dialog__trade_of_equipment(const char *eq)
{
	static const char *const hvac[] = {"air_conditioner", "heat_pump", "furnace", "boiler",
					   "thermostat", "ductwork", "mini_split", NULL};
	static const char *const elec[] = {"electrical_panel", "outlet", "breaker", "ceiling_fan",
					   "generator", "ev_charger", "smoke_detector",
					   "co_detector", NULL};
	if (!eq || !*eq)
		return NULL;
	for (const char *const *p = hvac; *p; p++)
		if (!strcmp(*p, eq))
			return "hvac";
	for (const char *const *p = elec; *p; p++)
		if (!strcmp(*p, eq))
			return "electrical";
	return "plumbing";
}

static const char *trade_of_words(const struct dialog_ctx *t)
{
	static const char *const plumb[] = {"leak", "leaking", "drain", "clog", "clogged", "pipe",
					    "toilet", "sink", "plumber", "plumbing", "sewer",
					    "faucet", "fuga", "plomero", NULL};
	static const char *const elec[] = {"outlet", "breaker", "electrical", "electrician",
					   "power", "wiring", "switch", "electricista", NULL};
	static const char *const hvac[] = {"ac", "a c", "heat", "heating", "cooling", "furnace",
					   "hvac", "air", "aire", "calefacción", NULL};
	if (dialog__has_any(t, plumb))
		return "plumbing";
	if (dialog__has_any(t, elec))
		return "electrical";
	if (dialog__has_any(t, hvac))
		return "hvac";
	return NULL;
}

static const char *trade_of_evidence(const struct nlu_signals *sg)
{
	for (size_t i = 0; i < sg->evidence_count; i++)
		switch (sg->evidence[i].code) {
		case NLU_EV_GAS_SMELL:
		case NLU_EV_CO_ALARM:
		case NLU_EV_NO_HEAT_FREEZING:
		case NLU_EV_NO_COOLING_EXTREME_HEAT:
			return "hvac";
		case NLU_EV_FLOODING:
		case NLU_EV_ACTIVE_LEAK:
		case NLU_EV_BURST_PIPE:
		case NLU_EV_SEWAGE:
		case NLU_EV_WATER_THROUGH_CEILING:
			return "plumbing";
		case NLU_EV_SPARKS:
		case NLU_EV_BURNING_SMELL:
		case NLU_EV_ELECTRICAL_FIRE:
		case NLU_EV_SMOKE:
			return "electrical";
		default:
			break;
		}
	return NULL;
}

/* Words of a service name or code that say what it is (not generic ones). */
static bool generic_word(const char *w)
{
	static const char *const g[] = {"service", "repair", "call", "from", "with", "water",
					"heater", "visit", "diagnostic", "plan", "maintenance",
					"upgrade", NULL};
	for (const char *const *p = g; *p; p++)
		if (!strcmp(*p, w))
			return true;
	return false;
}

static int service_score(const struct dialog_ctx *t, const struct dialog_service *svc,
			 const char *eq_trade)
{
	char words[256];
	int score = 0;
	snprintf(words, sizeof words, "%s %s", svc->code ? svc->code : "",
		 svc->name ? svc->name : "");
	for (char *p = words; *p; p++)
		*p = isalnum((unsigned char)*p) ? (char)tolower((unsigned char)*p) : ' ';
	bool install = strstr(words, "install") != NULL;
	char *save = NULL;
	for (char *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (strlen(w) < 4)
			continue;
		char alt[64];
		snprintf(alt, sizeof alt, "%.*s", (int)strlen(w) - 1, w); /* "tuneup" ~ "tune up" */
		if (dialog__has_word(t, w) || (!strcmp(w, "tuneup") && dialog__has_word(t, "tune up")) ||
		    (strlen(w) > 5 && strstr(t->low, alt)))
			score += generic_word(w) ? 1 : 3;
	}
	static const char *const install_words[] = {"install", "installed", "installation",
						    "replace", "new", "instalar", NULL};
	if (install && !dialog__has_any(t, install_words))
		score -= 3;
	if (eq_trade && svc->trade && !strcmp(svc->trade, eq_trade))
		score += 1;
	return score;
}

/* Picks the service the customer wants from the text; NULL when nothing fits. */
const struct dialog_service *dialog__match_service(const struct dialog_ctx *t, const char *eq_trade)
{
	const struct dialog_service *best = NULL;
	int best_score = 2;
	for (size_t i = 0; i < t->env->n_services; i++) /* a quick reply: the name as offered */
		if (dialog__text_is(t, t->env->services[i].name))
			return &t->env->services[i];
	for (size_t i = 0; i < t->env->n_services; i++) {
		int sc = service_score(t, &t->env->services[i], eq_trade);
		if (sc > best_score) {
			best = &t->env->services[i];
			best_score = sc;
		}
	}
	return best;
}

/* The diagnostic visit: the service whose code or name says "service call". */
const struct dialog_service *dialog__diagnostic_service(const struct dialog_env *env)
{
	for (size_t i = 0; i < env->n_services; i++) {
		const struct dialog_service *svc = &env->services[i];
		if ((svc->code && (strstr(svc->code, "service_call") || strstr(svc->code, "diagnostic"))) ||
		    (svc->name && strstr(svc->name, "iagnostic")))
			return svc;
	}
	return NULL;
}

bool dialog__zip_served(const struct dialog_env *env, const char *zip)
{
	const struct schedule_business *b = env->cal->business;
	if (!b->n_zips)
		return true;
	for (size_t i = 0; i < b->n_zips; i++)
		if (!strcmp(b->zips[i], zip))
			return true;
	return false;
}

void dialog__area_list(const struct dialog_env *env, char *out, size_t n)
{
	const struct schedule_business *b = env->cal->business;
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < b->n_zips && used + 8 < n; i++)
		used += (size_t)snprintf(out + used, n - used, "%s%s", i ? ", " : "", b->zips[i]);
}

const struct dialog_job *dialog__find_job(const struct dialog_ctx *t, bool include_done)
{
	const struct nlu_entity *jn = dialog__entity(t, NLU_ENT_JOB_NUMBER, false);
	const char *want = jn ? jn->value : (t->s->job_number[0] ? t->s->job_number : NULL);
	const struct dialog_job *best = NULL;
	for (size_t i = 0; i < t->env->n_jobs; i++) {
		const struct dialog_job *j = &t->env->jobs[i];
		if (want) {
			if (j->job_number && !strcmp(j->job_number, want))
				return j;
			continue;
		}
		if (j->status == SCHEDULE_JOB_CANCELLED)
			continue;
		bool active = j->status != SCHEDULE_JOB_COMPLETED;
		if (!include_done && !active)
			continue;
		/* the soonest active job; else the latest completed one */
		if (!best || (active && best->status == SCHEDULE_JOB_COMPLETED) ||
		    (active && j->start < best->start) ||
		    (!active && best->status == SCHEDULE_JOB_COMPLETED && j->start > best->start))
			best = j;
	}
	return best;
}

const char *dialog__service_label(const struct dialog_ctx *t, const char *code)
{
	const struct dialog_service *svc = dialog__service(t->env, code);
	return svc && svc->name ? svc->name : (code && *code ? code : "service");
}

/* ---------------------------------------------------------------- booking */

static void offers_text(struct dialog_ctx *t, char *out, size_t n)
{
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; i < t->s->n_offers && used + 8 < n; i++) {
		char w[96];
		dialog__fmt_window(t->env, t->s, t->s->offers[i].start, t->s->offers[i].end, w, sizeof w);
		used += (size_t)snprintf(out + used, n - used, "%s(%d) %s %s %s", i ? ", " : "",
					 i + 1, w, strcmp(t->s->lang, "es") ? "with" : "con",
					 dialog__tech_name(t->env, t->s->offers[i].technician_id));
	}
}

static int service_windows(const struct dialog_ctx *t)
{
	const struct dialog_service *svc = dialog__service(t->env, t->s->service_code);
	int w = svc ? svc->windows : 1;
	if (w <= 0)
		w = (int)t->env->cal->business->n_windows;
	return w > 0 ? w : 1;
}

static bool day_closed(const struct dialog_ctx *t, int64_t at, int *wday)
{
	const struct schedule_business *b = t->env->cal->business;
	struct tz_local l;
	if (tz_to_local(b->zone, at, &l))
		return false;
	*wday = l.wday;
	if (!b->hours[l.wday].n)
		return true;
	for (size_t i = 0; i < b->n_holidays; i++)
		if (b->holidays[i].year == l.year && b->holidays[i].month == l.month &&
		    b->holidays[i].day == l.day)
			return true;
	return false;
}

/* Searches windows for the pending booking and offers them. */
static void offer_slots(struct dialog_ctx *t)
{
	struct dialog_state *s = t->s;
	struct schedule_request req = {
		.now = t->now,
		.lead_seconds = 3600,
		.zip = s->zip[0] ? s->zip : NULL,
		.windows = service_windows(t),
		.pref_start = s->pref_start,
		.pref_end = s->pref_end,
		.parts = s->parts,
		.horizon_days = 30,
	};
	if (schedule_trade_parse(s->trade, &req.trade))
		req.trade = SCHEDULE_TRADE_HVAC;
	struct schedule_slot slots[DIALOG_OFFERS_MAX];
	enum schedule_match match = SCHEDULE_MATCH_NONE;
	int n = schedule_find_slots(t->env->cal, &req, slots, DIALOG_OFFERS_MAX, &match);
	const char *svc = dialog__service_label(t, s->service_code);
	if (n <= 0) {
		dialog__reply(t, "book_no_slots", (const char *const[]){"service", svc, NULL});
		s->n_offers = 0;
		s->await = DIALOG_AWAIT_NONE;
		t->failed = true;
		return;
	}
	s->n_offers = n;
	s->chosen = -1;
	for (int i = 0; i < n; i++)
		s->offers[i] = (struct dialog_offer){slots[i].start, slots[i].end, slots[i].technician_id};
	char list[512];
	offers_text(t, list, sizeof list);
	int wday = 0;
	if (s->pref_start && match != SCHEDULE_MATCH_PREFERRED && day_closed(t, s->pref_start, &wday))
		dialog__reply(t, "book_offers_closed_day", (const char *const[]){"day", dialog__day_name(s, wday), "closed_reason", strcmp(s->lang, "es") ? "no business hours that day" : "no abrimos ese día", "service", svc, "offers", list, NULL});
	else if (s->pref_start && match != SCHEDULE_MATCH_PREFERRED)
		dialog__reply(t, "book_offers_other_day", (const char *const[]){"service", svc, "offers", list, NULL});
	else
		dialog__reply(t, "book_offers", (const char *const[]){"service", svc, "offers", list, NULL});
	s->await = DIALOG_AWAIT_CHOICE;
	t->served = true;
}

/* Takes a preferred time from the turn's date/time entity. True when there was one. */
static bool take_preference(struct dialog_ctx *t)
{
	const struct nlu_entity *dt = dialog__entity(t, NLU_ENT_DATETIME, true);
	static const char *const soon[] = {"asap", "soonest", "earliest", "as soon as possible",
					   "lo antes posible", "any time", "anytime", NULL};
	if (dt && !dt->dt_point) {
		t->s->pref_start = dt->dt_start;
		t->s->pref_end = dt->dt_end + 1;
		t->s->parts = 0;
		return true;
	}
	if ((dt && dt->dt_point) || dialog__has_any(t, soon)) {
		t->s->pref_start = t->s->pref_end = 0;
		t->s->parts = 0;
		return true;
	}
	return false;
}

/* Which offer the customer picked, or -1. */
static int pick_offer(struct dialog_ctx *t)
{
	struct dialog_state *s = t->s;
	static const char *const ord[3][8] = {
		{"first", "1st", "1", "primera", "primer", "uno", NULL},
		{"second", "2nd", "2", "segunda", "segundo", "dos", NULL},
		{"third", "3rd", "3", "tercera", "tercer", "tres", NULL}};
	for (int i = 0; i < s->n_offers; i++) { /* a quick reply: the window as offered */
		char label[DIALOG_QUICK_BYTES];
		dialog__fmt_window_label(t->env, s, s->offers[i].start, s->offers[i].end, label,
					 sizeof label);
		if (dialog__text_is(t, label))
			return i;
	}
	const struct nlu_entity *dt = dialog__entity(t, NLU_ENT_DATETIME, true);
	if (dt) {
		for (int i = 0; i < s->n_offers; i++)
			if (s->offers[i].start >= dt->dt_start && s->offers[i].start <= dt->dt_end &&
			    (dt->dt_end - dt->dt_start < 86000 || dt->dt_point ||
			     s->offers[i].end - 1 <= dt->dt_end + 86400))
				return i;
		/* a time of day alone ("the 10 o'clock one") */
		struct tz_local a, b;
		const struct tz *z = t->env->cal->business->zone;
		if (!tz_to_local(z, dt->dt_start, &a))
			for (int i = 0; i < s->n_offers; i++)
				if (!tz_to_local(z, s->offers[i].start, &b) && a.hour == b.hour &&
				    a.minute == b.minute && dt->dt_end - dt->dt_start < 4 * 3600)
					return i;
		return -1;
	}
	for (int i = 0; i < 3 && i < s->n_offers; i++)
		if (dialog__has_any(t, ord[i]))
			return i;
	if ((dialog__has_word(t, "last") || dialog__has_word(t, "último") || dialog__has_word(t, "última")) && s->n_offers)
		return s->n_offers - 1;
	if (is(t->nlu->intent.intent, "affirm") && (s->n_offers == 1 || dialog__has_word(t, "earliest") ||
						   dialog__has_word(t, "soonest")))
		return 0;
	if (dialog__has_word(t, "earliest") || dialog__has_word(t, "soonest") || dialog__has_word(t, "that one"))
		return 0;
	return -1;
}

static void price_fact(struct dialog_ctx *t, char *out, size_t n)
{
	const struct dialog_service *svc = dialog__service(t->env, t->s->service_code);
	out[0] = '\0';
	if (!svc)
		return;
	char p[64], key[40];
	struct buf b = BUF_INIT;
	dialog__fmt_money(svc->price_cents, p, sizeof p);
	if (svc == dialog__diagnostic_service(t->env))
		snprintf(key, sizeof key, "price_note.service_call");
	else
		snprintf(key, sizeof key, "price_note.%s", svc->price_kind ? svc->price_kind : "fixed");
	if (dialog__say(t->env, t->s, &b, key, (const char *const[]){"price", p, NULL}) && !t->rc)
		t->rc = -ENOMEM;
	dialog__copy(out, n, b.data ? b.data : "");
	buf_free(&b);
}

static void confirm_prompt(struct dialog_ctx *t)
{
	struct dialog_state *s = t->s;
	const struct dialog_offer *o = &s->offers[s->chosen];
	char win[96], pf[320], old[96] = "";
	dialog__fmt_window(t->env, s, o->start, o->end, win, sizeof win);
	price_fact(t, pf, sizeof pf);
	const char *svc = dialog__service_label(t, s->service_code);
	const char *tech = dialog__tech_name(t->env, o->technician_id);
	if (s->flow == DIALOG_FLOW_RESCHEDULE) {
		for (size_t i = 0; i < t->env->n_jobs; i++)
			if (t->env->jobs[i].id == s->job_id)
				dialog__fmt_window(t->env, s, t->env->jobs[i].start, t->env->jobs[i].end,
						   old, sizeof old);
		dialog__reply(t, "resched_confirm", (const char *const[]){"service", svc, "old_window", old, "window", win, "tech", tech, NULL});
	} else {
		dialog__reply(t, "book_confirm", (const char *const[]){"service", svc, "window", win, "tech", tech, "address", s->address[0] ? s->address : s->zip, "price_fact", pf, NULL});
	}
	s->await = DIALOG_AWAIT_CONFIRM;
	t->served = true;
}

static void end_flow(struct dialog_state *s)
{
	s->flow = DIALOG_FLOW_NONE;
	s->await = DIALOG_AWAIT_NONE;
	s->n_offers = 0;
	s->chosen = -1;
	s->pref_start = s->pref_end = 0;
	s->parts = 0;
}

static void execute_booking(struct dialog_ctx *t)
{
	struct dialog_state *s = t->s;
	const struct dialog_offer *o = &s->offers[s->chosen];
	char win[96], pf[320];
	dialog__fmt_window(t->env, s, o->start, o->end, win, sizeof win);
	price_fact(t, pf, sizeof pf);
	const char *svc = dialog__service_label(t, s->service_code);
	const char *tech = dialog__tech_name(t->env, o->technician_id);
	if (s->flow == DIALOG_FLOW_RESCHEDULE) {
		struct dialog_action *a = dialog__action(t, DIALOG_ACT_RESCHEDULE);
		if (a) {
			a->appointment_id = s->job_id;
			a->start = o->start;
			a->end = o->end;
			a->technician_id = o->technician_id;
			dialog__copy(a->job_number, sizeof a->job_number, s->job_number);
			dialog__copy(a->service_code, sizeof a->service_code, s->service_code);
			dialog__copy(a->trade, sizeof a->trade, s->trade);
		}
		dialog__reply(t, "resched_done", (const char *const[]){"service", svc, "job", s->job_number, "window", win, "tech", tech, NULL});
		dialog__outcome(t, DIALOG_OUTCOME_RESCHEDULED);
	} else {
		snprintf(s->job_number, sizeof s->job_number, "J-%" PRId64,
			 t->env->next_job_seq > 0 ? t->env->next_job_seq : (int64_t)1);
		struct dialog_action *a = dialog__action(t, DIALOG_ACT_BOOK);
		if (a) {
			a->start = o->start;
			a->end = o->end;
			a->technician_id = o->technician_id;
			dialog__copy(a->job_number, sizeof a->job_number, s->job_number);
			dialog__copy(a->service_code, sizeof a->service_code, s->service_code);
			dialog__copy(a->trade, sizeof a->trade, s->trade);
			dialog__copy(a->address, sizeof a->address, s->address);
			dialog__copy(a->zip, sizeof a->zip, s->zip);
			dialog__copy(a->text, sizeof a->text, s->problem);
		}
		char first[64];
		snprintf(first, sizeof first, "%.*s", (int)strcspn(tech, " "), tech);
		dialog__reply(t, "book_done", (const char *const[]){"service", svc, "window", win, "tech", tech, "technician_first_name", first, "address", s->address[0] ? s->address : s->zip, "job", s->job_number, "price_fact", pf, NULL});
		dialog__outcome(t, DIALOG_OUTCOME_BOOKED);
	}
	end_flow(s);
	t->served = true;
}

/* Moves the booking forward as far as the facts allow. */
static void book_advance(struct dialog_ctx *t)
{
	struct dialog_state *s = t->s;
	const struct dialog_customer *c = t->env->customer;
	if (!s->service_code[0] || !s->trade[0]) {
		dialog__reply(t, "book_ask_problem", NULL);
		s->await = DIALOG_AWAIT_PROBLEM;
		return;
	}
	if (!s->address[0] && !s->zip[0] && c && (c->address || c->zip)) {
		dialog__copy(s->address, sizeof s->address, c->address);
		dialog__copy(s->zip, sizeof s->zip, c->zip);
	}
	if (!s->address[0] && !s->zip[0]) {
		dialog__reply(t, "book_ask_address", NULL);
		s->await = DIALOG_AWAIT_ADDRESS;
		return;
	}
	if (!s->zip[0]) {
		dialog__reply(t, "book_ask_zip", (const char *const[]){"address", s->address, NULL});
		s->await = DIALOG_AWAIT_ZIP;
		return;
	}
	if (!dialog__zip_served(t->env, s->zip)) {
		char area[256];
		dialog__area_list(t->env, area, sizeof area);
		dialog__reply(t, "area_no", (const char *const[]){"zip", s->zip, "area", area, NULL});
		event(t, "out_of_area", json_pack("{s:s}", "zip", s->zip));
		end_flow(s);
		t->served = true;
		dialog__outcome(t, DIALOG_OUTCOME_ANSWERED);
		return;
	}
	if (s->chosen >= 0 && s->chosen < s->n_offers) {
		confirm_prompt(t);
		return;
	}
	offer_slots(t);
}

/* Reads the service, equipment, address and time a message gives for a booking. */
static void book_absorb(struct dialog_ctx *t)
{
	struct dialog_state *s = t->s;
	const struct nlu_entity *eq = dialog__entity(t, NLU_ENT_EQUIPMENT, false);
	const struct nlu_entity *addr = dialog__entity(t, NLU_ENT_ADDRESS, true);
	const struct nlu_entity *zip = dialog__entity(t, NLU_ENT_ZIP, true);
	const char *eq_trade = eq ? dialog__trade_of_equipment(eq->value) : NULL;
	if (eq)
		dialog__copy(s->equipment, sizeof s->equipment, eq->value);
	const struct dialog_service *svc = dialog__match_service(t, eq_trade ? eq_trade : s->trade[0] ? s->trade : NULL);
	const char *wtrade = eq_trade ? eq_trade : trade_of_words(t);
	if (!svc && (wtrade || eq) && !s->service_code[0])
		svc = dialog__diagnostic_service(t->env);
	if (svc && strcmp(svc->code, s->service_code)) {
		dialog__copy(s->service_code, sizeof s->service_code, svc->code);
		s->n_offers = 0;
		s->chosen = -1;
	}
	if (svc && svc->trade && strcmp(svc->trade, "general"))
		dialog__copy(s->trade, sizeof s->trade, svc->trade);
	else if (wtrade)
		dialog__copy(s->trade, sizeof s->trade, wtrade);
	if ((svc || eq || wtrade) && !s->problem[0])
		dialog__copy(s->problem, sizeof s->problem, t->text);
	if (addr) {
		dialog__copy(s->address, sizeof s->address, addr->value);
		s->zip[0] = '\0';
		s->n_offers = 0;
		s->chosen = -1;
	}
	if (zip) {
		if (strcmp(s->zip, zip->value)) {
			s->n_offers = 0;
			s->chosen = -1;
		}
		dialog__copy(s->zip, sizeof s->zip, zip->value);
	}
	if (take_preference(t)) {
		s->n_offers = 0;
		s->chosen = -1;
	}
}

static void start_booking(struct dialog_ctx *t)
{
	struct dialog_state *s = t->s;
	if (s->flow != DIALOG_FLOW_BOOK) {
		end_flow(s);
		s->service_code[0] = s->trade[0] = s->equipment[0] = s->problem[0] = '\0';
		s->flow = DIALOG_FLOW_BOOK;
	}
	dialog__copy(s->summary_intent, sizeof s->summary_intent, "book_service");
	book_absorb(t);
	book_advance(t);
}

/* reschedule and cancel start by finding the appointment */
static bool take_job(struct dialog_ctx *t)
{
	struct dialog_state *s = t->s;
	const struct dialog_job *j = dialog__find_job(t, false);
	if (!j) {
		dialog__reply(t, t->env->customer ? "job_none" : "job_ask", NULL);
		s->await = DIALOG_AWAIT_JOB;
		return false;
	}
	s->job_id = j->id;
	dialog__copy(s->job_number, sizeof s->job_number, j->job_number);
	dialog__copy(s->service_code, sizeof s->service_code, j->service_code);
	dialog__copy(s->trade, sizeof s->trade, j->trade);
	dialog__copy(s->address, sizeof s->address, j->address);
	return true;
}

static const struct dialog_job *current_job(const struct dialog_ctx *t)
{
	for (size_t i = 0; i < t->env->n_jobs; i++)
		if (t->env->jobs[i].id == t->s->job_id)
			return &t->env->jobs[i];
	return NULL;
}

static void resched_advance(struct dialog_ctx *t)
{
	struct dialog_state *s = t->s;
	const struct dialog_job *j = current_job(t);
	if (!j && !take_job(t))
		return;
	j = current_job(t);
	if (!j)
		return;
	if (s->chosen >= 0 && s->chosen < s->n_offers) {
		confirm_prompt(t);
		return;
	}
	if (!s->pref_start && s->await != DIALOG_AWAIT_TIME && !s->n_offers) {
		char win[96];
		dialog__fmt_window(t->env, s, j->start, j->end, win, sizeof win);
		dialog__reply(t, "resched_ask_time", (const char *const[]){"service", dialog__service_label(t, j->service_code), "window", win, "tech", j->technician ? j->technician : dialog__tech_name(t->env, j->technician_id), NULL});
		s->await = DIALOG_AWAIT_TIME;
		t->served = true;
		return;
	}
	offer_slots(t);
}

static void start_reschedule(struct dialog_ctx *t)
{
	struct dialog_state *s = t->s;
	end_flow(s);
	s->job_id = 0;
	s->job_number[0] = '\0';
	s->flow = DIALOG_FLOW_RESCHEDULE;
	dialog__copy(s->summary_intent, sizeof s->summary_intent, "reschedule");
	/* "move Thursday's visit to next week": the last date is the new one */
	const struct nlu_entity *first = dialog__entity(t, NLU_ENT_DATETIME, false);
	const struct nlu_entity *last = dialog__entity(t, NLU_ENT_DATETIME, true);
	if (!take_job(t))
		return;
	if (last && (last != first || !dialog__has_word(t, "appointment's")))
		take_preference(t);
	resched_advance(t);
}

static void cancel_advance(struct dialog_ctx *t)
{
	struct dialog_state *s = t->s;
	const struct dialog_job *j = current_job(t);
	if (!j) {
		if (!take_job(t))
			return;
		j = current_job(t);
		if (!j)
			return;
	}
	char win[96];
	dialog__fmt_window(t->env, s, j->start, j->end, win, sizeof win);
	dialog__reply(t, "cancel_confirm", (const char *const[]){"service", dialog__service_label(t, j->service_code), "window", win, "job", s->job_number, NULL});
	s->await = DIALOG_AWAIT_CONFIRM;
	t->served = true;
}

static void start_cancel(struct dialog_ctx *t)
{
	struct dialog_state *s = t->s;
	end_flow(s);
	s->job_id = 0;
	s->job_number[0] = '\0';
	s->flow = DIALOG_FLOW_CANCEL;
	dialog__copy(s->summary_intent, sizeof s->summary_intent, "cancel_appointment");
	cancel_advance(t);
}

static void execute_cancel(struct dialog_ctx *t)
{
	struct dialog_state *s = t->s;
	const struct dialog_job *j = current_job(t);
	char win[96] = "";
	if (j)
		dialog__fmt_window(t->env, s, j->start, j->end, win, sizeof win);
	struct dialog_action *a = dialog__action(t, DIALOG_ACT_CANCEL);
	if (a) {
		a->appointment_id = s->job_id;
		dialog__copy(a->job_number, sizeof a->job_number, s->job_number);
	}
	dialog__reply(t, "cancel_done", (const char *const[]){"service", dialog__service_label(t, s->service_code), "window", win, "job", s->job_number, NULL});
	dialog__outcome(t, DIALOG_OUTCOME_CANCELLED);
	end_flow(s);
	t->served = true;
}

/* ---------------------------------------------------------------- context */

static bool intent_is(const struct dialog_ctx *t, const char *name, double min)
{
	return is(t->nlu->intent.intent, name) && t->nlu->intent.confidence >= min;
}

static bool changed_mind(const struct dialog_ctx *t)
{
	static const char *const words[] = {"never mind", "nevermind", "forget it", "forget about it",
					    "don't book", "do not book", "no longer", "olvídelo",
					    "mejor no", NULL};
	return dialog__has_any(t, words) ||
	       (t->s->flow == DIALOG_FLOW_BOOK && intent_is(t, "cancel_appointment", 0.5));
}

/* True when the message answers what the engine asked for last. */
static bool answers_pending(struct dialog_ctx *t)
{
	struct dialog_state *s = t->s;
	const char *in = t->nlu->intent.intent;
	switch (s->await) {
	case DIALOG_AWAIT_NONE:
		return false;
	case DIALOG_AWAIT_PROBLEM:
		return dialog__entity(t, NLU_ENT_EQUIPMENT, false) || trade_of_words(t) ||
		       dialog__match_service(t, NULL);
	case DIALOG_AWAIT_ADDRESS:
	case DIALOG_AWAIT_ZIP:
		return dialog__entity(t, NLU_ENT_ADDRESS, false) || dialog__entity(t, NLU_ENT_ZIP, false);
	case DIALOG_AWAIT_TIME:
		return dialog__entity(t, NLU_ENT_DATETIME, false) || dialog__has_word(t, "asap") ||
		       dialog__has_word(t, "earliest") || dialog__has_word(t, "soonest") || dialog__has_word(t, "any time") ||
		       dialog__has_word(t, "lo antes posible");
	case DIALOG_AWAIT_CHOICE:
		return pick_offer(t) >= 0 || dialog__entity(t, NLU_ENT_DATETIME, false) || is(in, "deny") ||
		       changed_mind(t);
	case DIALOG_AWAIT_CONFIRM:
		return is(in, "affirm") || is(in, "deny") || dialog__entity(t, NLU_ENT_DATETIME, false) ||
		       changed_mind(t) || dialog__has_word(t, "yes") || dialog__has_word(t, "sí");
	case DIALOG_AWAIT_JOB:
		return dialog__entity(t, NLU_ENT_JOB_NUMBER, false) || dialog__entity(t, NLU_ENT_PHONE, false);
	case DIALOG_AWAIT_IDENTITY:
	case DIALOG_AWAIT_CONTACT:
		return dialog__entity(t, NLU_ENT_PHONE, false) || dialog__entity(t, NLU_ENT_EMAIL, false);
	case DIALOG_AWAIT_PERSON:
		return is(in, "affirm") || is(in, "deny");
	case DIALOG_AWAIT_COUNT:
		break;
	}
	return false;
}

static void continue_flow(struct dialog_ctx *t)
{
	struct dialog_state *s = t->s;
	const char *in = t->nlu->intent.intent;
	bool yes = is(in, "affirm") || (dialog__has_word(t, "yes") && !is(in, "deny")) || dialog__has_word(t, "sí");
	switch (s->await) {
	case DIALOG_AWAIT_PROBLEM:
	case DIALOG_AWAIT_ADDRESS:
	case DIALOG_AWAIT_ZIP:
		if (s->flow == DIALOG_FLOW_AREA) {
			dialog__answer_area(t);
			return;
		}
		book_absorb(t);
		book_advance(t);
		return;
	case DIALOG_AWAIT_TIME:
		take_preference(t);
		s->n_offers = 0;
		s->chosen = -1;
		if (s->flow == DIALOG_FLOW_RESCHEDULE)
			offer_slots(t);
		else
			book_advance(t);
		return;
	case DIALOG_AWAIT_CHOICE: {
		if (changed_mind(t)) {
			dialog__reply(t, "book_changed_mind", NULL);
			end_flow(s);
			t->served = true;
			return;
		}
		int k = pick_offer(t);
		if (k >= 0) {
			s->chosen = k;
			confirm_prompt(t);
			return;
		}
		if (dialog__entity(t, NLU_ENT_DATETIME, false)) {
			take_preference(t);
			offer_slots(t);
			return;
		}
		dialog__reply(t, "book_what_change", NULL);
		s->await = DIALOG_AWAIT_TIME;
		t->served = true;
		return;
	}
	case DIALOG_AWAIT_CONFIRM:
		if (changed_mind(t) && s->flow != DIALOG_FLOW_CANCEL) {
			dialog__reply(t, "book_changed_mind", NULL);
			end_flow(s);
			t->served = true;
			return;
		}
		if (s->flow == DIALOG_FLOW_CONTACT) {
			if (yes)
				dialog__contact(t, true);
			else {
				dialog__reply(t, "contact_ask", NULL);
				s->await = DIALOG_AWAIT_CONTACT;
			}
			return;
		}
		if (s->flow == DIALOG_FLOW_CANCEL) {
			if (yes || changed_mind(t)) {
				execute_cancel(t);
			} else {
				const struct dialog_job *j = current_job(t);
				char win[96] = "";
				if (j)
					dialog__fmt_window(t->env, s, j->start, j->end, win, sizeof win);
				dialog__reply(t, "cancel_kept", (const char *const[]){"window", win, NULL});
				end_flow(s);
				t->served = true;
			}
			return;
		}
		if (dialog__entity(t, NLU_ENT_DATETIME, false)) { /* "actually make it Friday" */
			take_preference(t);
			offer_slots(t);
			return;
		}
		if (yes) {
			execute_booking(t);
			return;
		}
		dialog__reply(t, "book_what_change", NULL);
		s->chosen = -1;
		s->n_offers = 0;
		s->await = DIALOG_AWAIT_TIME;
		t->served = true;
		return;
	case DIALOG_AWAIT_JOB:
		if (s->flow == DIALOG_FLOW_RESCHEDULE) {
			start_reschedule(t);
		} else if (s->flow == DIALOG_FLOW_CANCEL) {
			start_cancel(t);
		} else {
			dialog__answer_status(t);
		}
		return;
	case DIALOG_AWAIT_IDENTITY:
		dialog__reset(t);
		return;
	case DIALOG_AWAIT_CONTACT:
		dialog__contact(t, false);
		return;
	case DIALOG_AWAIT_PERSON: /* "yes" became a request for a person above */
		dialog__reply(t, "anything_else", NULL);
		s->await = DIALOG_AWAIT_NONE;
		return;
	case DIALOG_AWAIT_NONE:
	case DIALOG_AWAIT_COUNT:
		break;
	}
}

/* The pending question again, after an aside. */
static void reprompt(struct dialog_ctx *t)
{
	struct dialog_state *s = t->s;
	char list[512];
	switch (s->await) {
	case DIALOG_AWAIT_PROBLEM: dialog__reply(t, "book_ask_problem", NULL); break;
	case DIALOG_AWAIT_ADDRESS: dialog__reply(t, "book_ask_address", NULL); break;
	case DIALOG_AWAIT_ZIP: dialog__reply(t, "area_ask", NULL); break;
	case DIALOG_AWAIT_CHOICE:
		offers_text(t, list, sizeof list);
		dialog__reply(t, "book_which", (const char *const[]){"offers", list, NULL});
		break;
	case DIALOG_AWAIT_CONFIRM:
		if (s->flow == DIALOG_FLOW_BOOK || s->flow == DIALOG_FLOW_RESCHEDULE)
			if (s->chosen >= 0)
				confirm_prompt(t);
		break;
	default:
		break;
	}
}

/* ---------------------------------------------------------------- escalation */

static void safety_text(struct dialog_ctx *t)
{
	const struct nlu_signals *sg = &t->nlu->signals;
	if (nlu_signals_has(sg, NLU_EV_GAS_SMELL))
		dialog__reply(t, "safety_gas", NULL);
	else if (nlu_signals_has(sg, NLU_EV_CO_ALARM))
		dialog__reply(t, "safety_co", NULL);
	else if (nlu_signals_has(sg, NLU_EV_SPARKS) || nlu_signals_has(sg, NLU_EV_BURNING_SMELL) ||
		 nlu_signals_has(sg, NLU_EV_ELECTRICAL_FIRE) || nlu_signals_has(sg, NLU_EV_SMOKE))
		dialog__reply(t, "safety_electrical", NULL);
	else
		dialog__reply(t, "safety_generic", NULL);
}

static bool water_damage(const struct nlu_signals *sg)
{
	return nlu_signals_has(sg, NLU_EV_FLOODING) || nlu_signals_has(sg, NLU_EV_ACTIVE_LEAK) ||
	       nlu_signals_has(sg, NLU_EV_BURST_PIPE) ||
	       nlu_signals_has(sg, NLU_EV_WATER_THROUGH_CEILING);
}

static int64_t oncall_tech(const struct dialog_ctx *t, const char **phone)
{
	const struct schedule_oncall *rot = t->env->oncall;
	size_t m;
	*phone = NULL;
	if (!rot || !rot->n_members || schedule_oncall_at(rot, t->now, &m, NULL, NULL))
		return 0;
	int64_t id = rot->members[m];
	for (size_t i = 0; i < t->env->cal->n_techs; i++)
		if (t->env->cal->techs[i].id == id && t->env->tech_phones)
			*phone = t->env->tech_phones[i];
	return id;
}

static void escalate(struct dialog_ctx *t, const struct dialog_escalation *e)
{
	struct dialog_state *s = t->s;
	const struct dialog_env *env = t->env;
	s->escalated = true;
	s->reasons |= e->reasons;
	if (!s->priority || (int)e->priority < s->priority)
		s->priority = (int)e->priority;
	if (!s->problem[0] || e->priority == DIALOG_P1)
		dialog__copy(s->problem, sizeof s->problem, t->text);
	if (!s->trade[0]) {
		const char *tr = trade_of_evidence(&t->nlu->signals);
		const struct nlu_entity *eq = dialog__entity(t, NLU_ENT_EQUIPMENT, false);
		if (!tr && eq)
			tr = dialog__trade_of_equipment(eq->value);
		if (!tr)
			tr = trade_of_words(t);
		dialog__copy(s->trade, sizeof s->trade, tr);
	}
	if (!s->summary_intent[0] || e->priority == DIALOG_P1)
		dialog__copy(s->summary_intent, sizeof s->summary_intent, t->nlu->intent.intent);
	char reasons[160];
	dialog_reasons_format(e->reasons, reasons, sizeof reasons);
	event(t, "escalated", json_pack("{s:s,s:i,s:b}", "reasons", reasons, "priority",
					(int)e->priority, "safety_first", e->safety_first));
	if (water_damage(&t->nlu->signals))
		dialog__reply(t, "water_tip", NULL);
	int p = e->priority >= DIALOG_P1 && e->priority <= DIALOG_P3 ? (int)e->priority : 2;
	int sla = env->sla_seconds[p] > 0 ? env->sla_seconds[p] : (p == 1 ? 60 : 300);
	if (env->agents_online > 0) {
		const char *key = "handoff";
		if (e->priority == DIALOG_P1)
			key = "handoff_p1";
		else if (e->reasons & (1u << DIALOG_REASON_HUMAN_REQUEST))
			key = "handoff";
		else if (e->reasons & (1u << DIALOG_REASON_BILLING_DISPUTE))
			key = "handoff_dispute";
		else if (e->reasons & (1u << DIALOG_REASON_COMPLAINT))
			key = "handoff_complaint";
		else if (e->reasons & (1u << DIALOG_REASON_FRUSTRATION))
			key = "handoff_frustration";
		else if (e->reasons & (1u << DIALOG_REASON_REPEATED_FAILURE))
			key = "handoff_loop";
		else if (e->reasons & (1u << DIALOG_REASON_LOW_CONFIDENCE))
			key = "handoff_low_confidence";
		dialog__reply(t, key, NULL);
		struct dialog_action *a = dialog__action(t, DIALOG_ACT_HANDOFF);
		if (a) {
			a->packet = dialog_handoff_packet(env, s, t->nlu, t->now);
			if (!a->packet && !t->rc)
				t->rc = -ENOMEM;
		}
		dialog__outcome(t, DIALOG_OUTCOME_HANDOFF);
	} else {
		int64_t promised = t->now + sla;
		if (!e->page_oncall && !t->open) {
			int64_t at;
			if (!schedule_next_open(env->cal->business, t->now, &at, NULL))
				promised = at + sla;
		}
		s->promised_at = promised;
		char when[96];
		dialog__fmt_day_time(env, s, promised, when, sizeof when);
		const char *phone = env->customer && env->customer->phone ? env->customer->phone : NULL;
		char opens[96] = "";
		int64_t at;
		if (!t->open && !schedule_next_open(env->cal->business, t->now, &at, NULL))
			dialog__fmt_day_time(env, s, at, opens, sizeof opens);
		if (e->page_oncall)
			; /* the page below says who calls back */
		else if (!phone)
			dialog__reply(t, "callback_no_phone", (const char *const[]){"promised", when, NULL});
		else
			dialog__reply(t, t->open ? "callback" : "callback_closed", (const char *const[]){"promised", when, "next_open", opens, NULL});
		struct dialog_action *a = dialog__action(t, DIALOG_ACT_CALLBACK);
		if (a) {
			a->promised_at = promised;
			dialog__copy(a->recipient, sizeof a->recipient, phone);
			dialog__copy(a->text, sizeof a->text, reasons);
			a->packet = dialog_handoff_packet(env, s, t->nlu, t->now);
		}
		dialog__outcome(t, DIALOG_OUTCOME_CALLBACK);
	}
	if (e->page_oncall) {
		const char *tphone;
		int64_t tech = oncall_tech(t, &tphone);
		struct dialog_action *a = dialog__action(t, DIALOG_ACT_SEND);
		if (a) {
			char summary[256], minutes[16];
			snprintf(summary, sizeof summary, "%s%s%s", s->customer_name[0] ? s->customer_name : "",
				 s->customer_name[0] ? ": " : "", s->problem);
			struct buf body = BUF_INIT;
			const char *cphone = env->customer && env->customer->phone ? env->customer->phone : "unknown";
			if (dialog__say(env, s, &body, "page_text",
					(const char *const[]){"summary", summary, "phone", cphone, NULL}) && !t->rc)
				t->rc = -ENOMEM;
			dialog__copy(a->channel, sizeof a->channel, "sms");
			if (tphone)
				dialog__copy(a->recipient, sizeof a->recipient, tphone);
			else
				snprintf(a->recipient, sizeof a->recipient, "technician:%" PRId64, tech);
			a->technician_id = tech;
			dialog__copy(a->name, sizeof a->name, "oncall_page");
			dialog__copy(a->text, sizeof a->text, body.data ? body.data : "");
			buf_free(&body);
			snprintf(minutes, sizeof minutes, "%d", (sla + 59) / 60);
			if (tech)
				dialog__reply(t, "oncall_paged", (const char *const[]){"tech", dialog__tech_name(env, tech), "minutes", minutes, NULL});
		}
		event(t, "oncall_paged", json_pack("{s:I}", "technician_id", (json_int_t)tech));
	}
	end_flow(s);
	t->served = true;
}

/* ---------------------------------------------------------------- several requests */

/* Answers information questions in the other sentences of a message ("...and what are
 * your hours?"). */
static void answer_asides(struct dialog_ctx *t, const char *main_intent)
{
	static const char *const info[] = {"hours", "service_area", "pricing", "services_offered", NULL};
	const char *p = t->text, *end = t->text + t->len;
	bool done[4] = {false};
	while (p < end) {
		const char *q = p;
		while (q < end && *q != '.' && *q != '?' && *q != '!' && *q != ';')
			q++;
		/* " and " also separates requests */
		const char *a = NULL;
		for (const char *x = p; x + 5 <= q; x++)
			if (!strncmp(x, " and ", 5) || !strncmp(x, " also ", 6)) {
				a = x;
				break;
			}
		if (a)
			q = a;
		if (q > p && (size_t)(q - p) < t->len) {
			struct nlu_prediction pr;
			if (!nlu_classify(t->env->model, p, (size_t)(q - p), NULL, &pr) && pr.confidence >= 0.7)
				for (int i = 0; info[i]; i++)
					if (!strcmp(pr.intent, info[i]) && !is(main_intent, info[i]) && !done[i]) {
						done[i] = true;
						struct dialog_ctx sub = *t;
						sub.text = p;
						sub.len = (size_t)(q - p);
						lower_text(&sub);
						if (i == 0)
							dialog__answer_hours(&sub);
						else if (i == 1)
							dialog__answer_area(&sub);
						else if (i == 2)
							dialog__answer_pricing(&sub);
						else
							dialog__answer_services(&sub);
						t->rc = sub.rc;
					}
		}
		p = q + (a ? 5 : 1);
	}
}

/* When the message is an information question but one of its sentences asks for a
 * flow (book, reschedule, cancel, status), the flow is the main request. */
static const char *flow_clause(struct dialog_ctx *t, const char *in, double *conf)
{
	static const char *const info[] = {"hours", "service_area", "pricing", "services_offered", NULL};
	static const char *const flows[] = {"book_service", "reschedule", "cancel_appointment",
					    "appointment_status", NULL};
	bool is_info = false;
	for (int i = 0; info[i]; i++)
		is_info |= is(in, info[i]);
	if (!is_info)
		return in;
	const char *p = t->text, *end = t->text + t->len;
	while (p < end) {
		const char *q = p;
		while (q < end && *q != '.' && *q != '?' && *q != '!' && *q != ';')
			q++;
		if (q > p && (size_t)(q - p) < t->len) {
			struct nlu_prediction pr;
			if (!nlu_classify(t->env->model, p, (size_t)(q - p), NULL, &pr) && pr.confidence >= 0.7)
				for (int i = 0; flows[i]; i++)
					if (!strcmp(pr.intent, flows[i])) {
						*conf = pr.confidence;
						return flows[i];
					}
		}
		p = q + 1;
	}
	return in;
}

/* ---------------------------------------------------------------- the turn */

static void dispatch(struct dialog_ctx *t, const char *in, double conf)
{
	struct dialog_state *s = t->s;
	bool pending = s->await != DIALOG_AWAIT_NONE;
	if (conf < t->env->thresholds.low_confidence && !is(in, "affirm") && !is(in, "deny"))
		in = "unknown";
	if (is(in, "greeting")) {
		if (!t->intro)
			dialog__reply(t, "greeting", NULL);
		t->served = true;
	} else if (is(in, "goodbye")) {
		dialog__reply(t, "goodbye", NULL);
		end_flow(s);
		s->closed = true;
		t->served = true;
		return;
	} else if (is(in, "hours")) {
		dialog__answer_hours(t);
	} else if (is(in, "service_area")) {
		dialog__answer_area(t);
		pending = false;
	} else if (is(in, "pricing")) {
		dialog__answer_pricing(t);
	} else if (is(in, "services_offered")) {
		dialog__answer_services(t);
	} else if (is(in, "billing_question")) {
		dialog__answer_billing(t);
	} else if (is(in, "book_service")) {
		start_booking(t);
		return;
	} else if (is(in, "reschedule")) {
		start_reschedule(t);
		return;
	} else if (is(in, "cancel_appointment")) {
		if (s->flow == DIALOG_FLOW_BOOK) {
			dialog__reply(t, "book_changed_mind", NULL);
			end_flow(s);
			t->served = true;
			return;
		}
		start_cancel(t);
		return;
	} else if (is(in, "appointment_status")) {
		dialog__answer_status(t);
		return;
	} else if (is(in, "password_reset")) {
		dialog__reset(t);
		return;
	} else if (is(in, "update_contact")) {
		dialog__contact(t, false);
		return;
	} else if (is(in, "out_of_scope")) {
		dialog__reply(t, "out_of_scope", NULL);
		s->await = DIALOG_AWAIT_PERSON;
		t->served = true;
		return;
	} else if (is(in, "deny") && s->await == DIALOG_AWAIT_NONE) {
		dialog__reply(t, "anything_else", NULL);
		t->served = true;
	} else if (is(in, "affirm") && s->await == DIALOG_AWAIT_NONE) {
		dialog__reply(t, "greeting", NULL);
		t->served = true;
	} else {
		dialog__reply(t, "fallback", NULL);
		t->failed = true;
		if (pending)
			reprompt(t);
		return;
	}
	if (t->served && s->outcome < DIALOG_OUTCOME_ANSWERED &&
	    !is(in, "greeting") && !is(in, "affirm") && !is(in, "deny"))
		dialog__outcome(t, DIALOG_OUTCOME_ANSWERED);
	if (pending && s->await != DIALOG_AWAIT_NONE)
		reprompt(t);
}

int dialog_turn(const struct dialog_env *env, struct dialog_state *state, const char *text,
		size_t len, int64_t now, struct dialog_out *out)
{
	if (!env || !state || !out || (!text && len) || !env->model || !env->cal ||
	    !env->cal->business || !env->cal->business->zone)
		return -EINVAL;
	dialog_out_free(out);
	struct dialog_state s = *state;
	struct dialog_ctx t = {.env = env, .s = &s, .out = out, .r = &out->reply, .nlu = &out->nlu,
			 .text = text ? text : "", .len = len, .now = now};
	int rc = nlu_analyze(env->model, t.text, len, now, env->cal->business->zone, &out->nlu);
	if (rc) {
		dialog_out_free(out);
		return rc;
	}
	lower_text(&t);
	if (schedule_is_open(env->cal->business, now, &t.open))
		t.open = false;
	s.turns++;
	if (looks_spanish(&t))
		memcpy(s.lang, "es", 3);
	else if (looks_english(&t))
		memcpy(s.lang, "en", 3);

	const struct nlu_signals *sg = &out->nlu.signals;
	if (sg->urgency > s.urgency)
		s.urgency = sg->urgency;
	s.frustration = sg->frustration;
	s.sentiment = sg->sentiment;
	const struct nlu_entity *name = dialog__entity(&t, NLU_ENT_PERSON_NAME, false);
	if (name)
		dialog__copy(s.customer_name, sizeof s.customer_name, name->value);
	else if (!s.customer_name[0] && env->customer && env->customer->name)
		dialog__copy(s.customer_name, sizeof s.customer_name, env->customer->name);

	/* Read the turn in context: an answer to the pending question counts as understood,
	 * whatever the classifier made of "the second one". */
	const char *in = out->nlu.intent.intent;
	double conf = out->nlu.intent.confidence;
	t.understood = answers_pending(&t);
	bool strong_other = (is(in, "emergency") || is(in, "human_request") ||
			     is(in, "billing_dispute") || is(in, "complaint")) && conf >= 0.7;
	struct dialog_turn_facts f = {
		.intent = in,
		.confidence = conf,
		.urgency = sg->urgency,
		.frustration = sg->frustration,
		.human_request = sg->human_request,
		.low_confidence_streak = s.low_conf_streak,
		.failures_same_request = s.failures,
	};
	if (t.understood && !strong_other) {
		f.intent = s.flow != DIALOG_FLOW_NONE ? dialog_flow_name(s.flow)
			   : s.summary_intent[0] ? s.summary_intent : in;
		f.confidence = 1.0;
	} else if (is(in, "emergency") && conf < 0.5 && sg->urgency < 2) {
		/* the classifier alone, unsure, with no emergency words: not an emergency,
		 * just a turn it did not understand */
		f.intent = "unknown";
	}
	if (s.await == DIALOG_AWAIT_PERSON && (is(in, "affirm") || dialog__has_word(&t, "yes")))
		f.human_request = true;
	struct dialog_escalation *e = &out->escalation;
	dialog_escalation_decide(&f, &env->thresholds, t.open, e);
	s.low_conf_streak = e->low_confidence_turn ? s.low_conf_streak + 1 : 0;
	out->intent = f.intent;
	out->confidence = f.confidence;

	bool escalating = e->escalate && (!s.escalated || (int)e->priority < s.priority ||
					  e->safety_first || (e->reasons & ~s.reasons & ((1u << DIALOG_REASON_LIFE_SAFETY) | (1u << DIALOG_REASON_PROPERTY_EMERGENCY))));
	if (escalating && e->safety_first)
		safety_text(&t);
	bool bot_q = nlu_signals_has(sg, NLU_EV_BOT_QUESTION);
	if (!s.disclosed && !escalating && is(in, "greeting") && conf >= 0.6 && !bot_q) {
		/* the greeting says it is an AI */
		char opens[96] = "";
		int64_t next;
		if (env->customer && env->customer->name && *env->customer->name) {
			dialog__reply(&t, "greeting.returning", NULL);
		} else if (!t.open && !schedule_next_open(env->cal->business, now, &next, NULL)) {
			dialog__fmt_day_time(env, &s, next, opens, sizeof opens);
			dialog__reply(&t, "greeting.after_hours", (const char *const[]){"next_open", opens, NULL});
		} else {
			dialog__reply(&t, "intro", NULL);
		}
		event(&t, "ai_disclosed", json_pack("{s:s}", "why", "first_reply"));
		s.disclosed = true;
		t.intro = true;
	} else if (!s.disclosed || bot_q) {
		dialog__reply(&t, s.disclosed ? "disclose_again" : "disclose", NULL);
		event(&t, "ai_disclosed", json_pack("{s:s}", "why", s.disclosed ? "asked" : "first_reply"));
		s.disclosed = true;
	}

	if (escalating) {
		escalate(&t, e);
	} else if (s.escalated && s.promised_at && dialog__entity(&t, NLU_ENT_PHONE, false) &&
		   !(env->customer && env->customer->phone)) {
		/* the number for a callback queued without one */
		const struct nlu_entity *ph = dialog__entity(&t, NLU_ENT_PHONE, false);
		char when[96];
		dialog__fmt_day_time(env, &s, s.promised_at, when, sizeof when);
		struct dialog_action *a = dialog__action(&t, DIALOG_ACT_CALLBACK);
		if (a) {
			dialog__copy(a->name, sizeof a->name, "set_phone");
			dialog__copy(a->recipient, sizeof a->recipient, ph->value);
			a->promised_at = s.promised_at;
		}
		dialog__reply(&t, "callback.queued", (const char *const[]){"callback_phone", ph->value, "callback_time", when, NULL});
		t.served = true;
	} else if (s.escalated && !is(in, "goodbye")) {
		dialog__reply(&t, "already_escalated", NULL);
		t.served = true;
	} else if (t.understood) {
		continue_flow(&t);
		t.served = true;
	} else if (s.await != DIALOG_AWAIT_NONE && s.flow == DIALOG_FLOW_BOOK &&
		   (dialog__entity(&t, NLU_ENT_ADDRESS, false) || dialog__entity(&t, NLU_ENT_ZIP, false) ||
		    (dialog__entity(&t, NLU_ENT_EQUIPMENT, false) && !is(in, "book_service")))) {
		/* a correction of something given earlier */
		book_absorb(&t);
		book_advance(&t);
	} else if (bot_q && conf < 0.7) {
		t.served = true; /* the disclosure was the answer */
		if (s.await != DIALOG_AWAIT_NONE)
			reprompt(&t);
	} else {
		/* several requests in one message: answer the questions first, then start
		 * the flow one of the sentences asks for */
		const char *main_in = flow_clause(&t, in, &conf);
		answer_asides(&t, main_in);
		dispatch(&t, main_in, conf);
	}

	if (t.failed || (!t.served && !t.understood))
		s.failures++;
	else
		s.failures = 0;
	dialog__copy(s.last_intent, sizeof s.last_intent, in);
	dialog__quick_replies(&t);
	if (!t.rc && !out->reply.len)
		t.rc = buf_puts(&out->reply, "");
	if (t.rc) {
		dialog_out_free(out);
		return t.rc;
	}
	*state = s;
	return 0;
}
