/* assist.c: the agent's AI assist panel: mood, booking form, slots, suggestions,
 * wrap-up draft, and the panel as JSON. */
#include "assist/assist.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/tz.h"
#include "base/utf8.h"
#include "kb/kb.h"

static const char *const speaker_names[] = {
#define ASSIST_SPEAKER_NAME(id, name) name,
	ASSIST_SPEAKERS(ASSIST_SPEAKER_NAME)
#undef ASSIST_SPEAKER_NAME
};

static const char *const source_names[] = {
#define ASSIST_SOURCE_NAME(id, name) name,
	ASSIST_SOURCES(ASSIST_SOURCE_NAME)
#undef ASSIST_SOURCE_NAME
};

const char *assist_speaker_name(enum assist_speaker s)
{
	return (unsigned)s < ASSIST_SPEAKER_COUNT ? speaker_names[s] : "?";
}

int assist_speaker_parse(const char *s, enum assist_speaker *out)
{
	if (!s || !out)
		return -EINVAL;
	for (int i = 0; i < ASSIST_SPEAKER_COUNT; i++)
		if (!strcmp(s, speaker_names[i])) {
			*out = (enum assist_speaker)i;
			return 0;
		}
	return -EINVAL;
}

const char *assist_source_name(enum assist_source s)
{
	return (unsigned)s < ASSIST_SOURCE_COUNT ? source_names[s] : "?";
}

static bool ctx_ok(const struct assist_context *ctx)
{
	return ctx && ctx->business && (ctx->messages || ctx->n_messages == 0) &&
	       (ctx->services || ctx->n_services == 0) && (ctx->articles || ctx->n_articles == 0);
}

/* A usable customer message: text present and valid UTF-8. */
static bool customer_text(const struct assist_message *m)
{
	return m->from == ASSIST_CUSTOMER && m->text && *m->text &&
	       utf8_valid(m->text, strlen(m->text));
}

static void copy_field(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;  /* never cut a UTF-8 sequence */
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ---------------------------------------------------------------- mood */

int assist_mood(const struct assist_context *ctx, struct assist_mood *out)
{
	if (!ctx_ok(ctx) || !out)
		return -EINVAL;
	memset(out, 0, sizeof *out);
	out->trend = "steady";
	double smooth = 0, first_half = 0, second_half = 0;
	double recent_frust[3] = {0, 0, 0};
	size_t n = 0;
	for (size_t i = 0; i < ctx->n_messages; i++) {
		const struct assist_message *m = &ctx->messages[i];
		if (!customer_text(m))
			continue;
		struct nlu_signals s;
		if (nlu_extract_signals(m->text, strlen(m->text), &s))
			continue;
		/* exponential smoothing: the newest message weighs 0.6 */
		smooth = n == 0 ? s.sentiment : 0.4 * smooth + 0.6 * s.sentiment;
		recent_frust[n % 3] = s.frustration;
		if (s.urgency > out->urgency)
			out->urgency = s.urgency;
		if (s.human_request)
			out->human_request = true;
		if (n == 0)
			first_half = s.sentiment;
		second_half = s.sentiment;
		n++;
	}
	out->customer_messages = n;
	if (n == 0)
		return 0;
	out->sentiment = fmax(-1.0, fmin(1.0, smooth));
	for (int i = 0; i < 3; i++)
		if (recent_frust[i] > out->frustration)
			out->frustration = recent_frust[i];
	if (n >= 2) {
		double d = second_half - first_half;
		if (d > 0.15)
			out->trend = "improving";
		else if (d < -0.15)
			out->trend = "worsening";
	}
	return 0;
}

/* ---------------------------------------------------------------- form */

static const char *trade_of_equipment(const char *eq)
{
	static const char *const hvac[] = {"air_conditioner", "heat_pump", "furnace", "boiler",
					   "thermostat", "ductwork", "mini_split", NULL};
	static const char *const elec[] = {"electrical_panel", "outlet", "breaker", "ceiling_fan",
					   "generator", "ev_charger", "smoke_detector",
					   "co_detector", NULL};
	for (const char *const *p = hvac; *p; p++)
		if (!strcmp(*p, eq))
			return "hvac";
	for (const char *const *p = elec; *p; p++)
		if (!strcmp(*p, eq))
			return "electrical";
	return "plumbing";
}

/* True when text holds word as a whole word, ASCII case-insensitively. */
static bool has_word(const char *text, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = text; *p; p++) {
		if (p != text && ((p[-1] >= 'a' && p[-1] <= 'z') || (p[-1] >= 'A' && p[-1] <= 'Z')))
			continue;
		size_t i = 0;
		while (i < wl && p[i] && (p[i] | 0x20) == word[i])
			i++;
		if (i == wl) {
			char c = p[wl] | 0x20;
			if (!(c >= 'a' && c <= 'z'))
				return true;
		}
	}
	return false;
}

static const char *trade_of_words(const char *text)
{
	static const char *const plumb[] = {"leak", "leaking", "drain", "clog", "clogged", "pipe",
					    "pipes", "toilet", "sink", "plumber", "plumbing",
					    "sewer", "faucet", "water", "ceiling", "flood",
					    "flooding", NULL};
	static const char *const elec[] = {"outlet", "breaker", "electrical", "electrician",
					   "power", "wiring", "switch", "sparks", NULL};
	static const char *const hvac[] = {"ac", "heat", "heating", "cooling", "furnace", "hvac",
					   "cold", NULL};
	for (const char *const *p = plumb; *p; p++)
		if (has_word(text, *p))
			return "plumbing";
	for (const char *const *p = elec; *p; p++)
		if (has_word(text, *p))
			return "electrical";
	for (const char *const *p = hvac; *p; p++)
		if (has_word(text, *p))
			return "hvac";
	return NULL;
}

static const struct assist_service *pick_service(const struct assist_context *ctx,
						 const char *trade, const char *equipment)
{
	if (!trade)
		return NULL;
	/* the equipment named in a service code of the trade ("water_heater_repair") */
	if (*equipment)
		for (size_t i = 0; i < ctx->n_services; i++) {
			const struct assist_service *s = &ctx->services[i];
			if (s->code && s->trade && !strcmp(s->trade, trade) &&
			    strstr(s->code, equipment) && strstr(s->code, "repair"))
				return s;
		}
	/* the general service call (diagnosis first), then any service of the trade */
	for (size_t i = 0; i < ctx->n_services; i++) {
		const struct assist_service *s = &ctx->services[i];
		if (s->code && !strcmp(s->code, "service_call"))
			return s;
	}
	for (size_t i = 0; i < ctx->n_services; i++) {
		const struct assist_service *s = &ctx->services[i];
		if (s->code && s->trade && !strcmp(s->trade, trade))
			return s;
	}
	return NULL;
}

int assist_form_fill(const struct assist_context *ctx, struct assist_form *out)
{
	if (!ctx_ok(ctx) || !out)
		return -EINVAL;
	memset(out, 0, sizeof *out);
	const char *word_trade = NULL;
	for (size_t i = 0; i < ctx->n_messages; i++) {
		const struct assist_message *m = &ctx->messages[i];
		if (!customer_text(m))
			continue;
		struct nlu_entities e;
		if (nlu_extract_entities(m->text, strlen(m->text), ctx->now, ctx->zone, &e))
			continue;
		for (size_t k = 0; k < e.count; k++) {
			const struct nlu_entity *x = &e.items[k];
			switch (x->type) {
			case NLU_ENT_PHONE:
				copy_field(out->phone, sizeof out->phone, x->value);
				break;
			case NLU_ENT_EMAIL:
				copy_field(out->email, sizeof out->email, x->value);
				break;
			case NLU_ENT_ZIP:
				copy_field(out->zip, sizeof out->zip, x->value);
				break;
			case NLU_ENT_ADDRESS:
				copy_field(out->address, sizeof out->address, x->value);
				break;
			case NLU_ENT_EQUIPMENT:
				copy_field(out->equipment, sizeof out->equipment, x->value);
				break;
			case NLU_ENT_PERSON_NAME:
				copy_field(out->name, sizeof out->name, x->value);
				break;
			case NLU_ENT_DATETIME:
				copy_field(out->preferred, sizeof out->preferred, x->text);
				out->pref_start = x->dt_start;
				out->pref_end = x->dt_end + (x->dt_point ? 3600 : 1);
				break;
			default:
				break;
			}
		}
		const char *t = trade_of_words(m->text);
		if (t)
			word_trade = t;
	}
	const char *trade = *out->equipment ? trade_of_equipment(out->equipment) : word_trade;
	if (trade)
		copy_field(out->trade, sizeof out->trade, trade);
	const struct assist_service *s = pick_service(ctx, trade, out->equipment);
	if (s)
		copy_field(out->service, sizeof out->service, s->code);
	return 0;
}

/* ---------------------------------------------------------------- slots */

static const struct assist_service *find_service(const struct assist_context *ctx,
						 const char *code)
{
	for (size_t i = 0; i < ctx->n_services; i++)
		if (ctx->services[i].code && !strcmp(ctx->services[i].code, code))
			return &ctx->services[i];
	return NULL;
}

static void hour_label(int h, int m, char *out, size_t n, bool suffix)
{
	int h12 = h % 12 == 0 ? 12 : h % 12;
	if (m)
		snprintf(out, n, "%d:%02d%s", h12, m, suffix ? (h < 12 ? " AM" : " PM") : "");
	else
		snprintf(out, n, "%d:00%s", h12, suffix ? (h < 12 ? " AM" : " PM") : "");
}

static void slot_label(const struct tz *zone, int64_t start, int64_t end, char *out, size_t n)
{
	static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tz_local a, b;
	if (!zone || tz_to_local(zone, start, &a) || tz_to_local(zone, end, &b)) {
		snprintf(out, n, "%lld", (long long)start);
		return;
	}
	char s1[16], s2[16];
	bool same_half = (a.hour < 12) == (b.hour < 12);
	hour_label(a.hour, a.minute, s1, sizeof s1, !same_half);
	hour_label(b.hour, b.minute, s2, sizeof s2, true);
	snprintf(out, n, "%s %s %d, %s-%s", wd[a.wday], mo[a.month - 1], a.day, s1, s2);
}

int assist_slots(const struct assist_context *ctx, const struct assist_form *form,
		 struct assist_slot *out, size_t max)
{
	if (!ctx_ok(ctx) || !form || (!out && max))
		return -EINVAL;
	if (!ctx->calendar || max == 0)
		return 0;
	struct schedule_request req;
	memset(&req, 0, sizeof req);
	req.now = ctx->now;
	req.lead_seconds = 3600;
	req.windows = 1;
	const struct assist_service *svc = *form->service ? find_service(ctx, form->service) : NULL;
	if (svc && svc->windows > 1)
		req.windows = svc->windows;
	enum schedule_trade trade;
	const char *tname = svc && svc->trade && strcmp(svc->trade, "general") ? svc->trade
										: form->trade;
	bool any_trade = !*tname || schedule_trade_parse(tname, &trade) != 0;
	req.zip = *form->zip ? form->zip : NULL;
	if (form->pref_start && form->pref_end > form->pref_start && form->pref_end > ctx->now) {
		req.pref_start = form->pref_start;
		req.pref_end = form->pref_end;
	}
	struct schedule_slot found[ASSIST_SLOTS_MAX * 3];
	size_t want = max < ASSIST_SLOTS_MAX ? max : ASSIST_SLOTS_MAX;
	size_t n = 0;
	if (!any_trade) {
		req.trade = trade;
		int rc = schedule_find_slots(ctx->calendar, &req, found, want, NULL);
		if (rc < 0)
			return rc;
		n = (size_t)rc;
	} else {
		/* work of no trade: any technician; the earliest slots over every trade */
		for (int t = 0; t < SCHEDULE_TRADE_COUNT; t++) {
			req.trade = (enum schedule_trade)t;
			int rc = schedule_find_slots(ctx->calendar, &req, found + n, want, NULL);
			if (rc < 0)
				return rc;
			n += (size_t)rc;
		}
		/* sort by start and keep one per start time */
		for (size_t i = 1; i < n; i++)
			for (size_t j = i; j > 0 && found[j].start < found[j - 1].start; j--) {
				struct schedule_slot tmp = found[j];
				found[j] = found[j - 1];
				found[j - 1] = tmp;
			}
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (k == 0 || found[k - 1].start != found[i].start)
				found[k++] = found[i];
		n = k < want ? k : want;
	}
	for (size_t i = 0; i < n; i++) {
		out[i].start = found[i].start;
		out[i].end = found[i].end;
		out[i].technician_id = found[i].technician_id;
		out[i].technician = NULL;
		if (ctx->tech_names)
			for (size_t t = 0; t < ctx->calendar->n_techs; t++)
				if (ctx->calendar->techs[t].id == found[i].technician_id)
					out[i].technician = ctx->tech_names[t];
		slot_label(ctx->zone, found[i].start, found[i].end, out[i].label, sizeof out[i].label);
	}
	return (int)n;
}

/* ---------------------------------------------------------------- suggestions */

static void add_sugg(struct assist_suggestion *out, size_t max, size_t *n, enum assist_source src,
		     const char *kb_id, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void add_sugg(struct assist_suggestion *out, size_t max, size_t *n, enum assist_source src,
		     const char *kb_id, const char *fmt, ...)
{
	if (*n >= max)
		return;
	struct assist_suggestion *s = &out[*n];
	memset(s, 0, sizeof *s);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->text, sizeof s->text, fmt, ap);
	va_end(ap);
	/* vsnprintf may cut a UTF-8 sequence: drop a partial tail */
	size_t len = strlen(s->text);
	while (len > 0 && !utf8_valid(s->text, len))
		s->text[--len] = '\0';
	s->source = src;
	if (kb_id)
		copy_field(s->kb_id, sizeof s->kb_id, kb_id);
	(*n)++;
}

static bool agent_spoke(const struct assist_context *ctx)
{
	for (size_t i = 0; i < ctx->n_messages; i++)
		if (ctx->messages[i].from == ASSIST_AGENT)
			return true;
	return false;
}

static const char *last_customer(const struct assist_context *ctx)
{
	for (size_t i = ctx->n_messages; i-- > 0;)
		if (customer_text(&ctx->messages[i]))
			return ctx->messages[i].text;
	return NULL;
}

/* The first word of a name ("Linda Smith" -> "Linda"), into out. */
static void first_name(const char *name, char *out, size_t n)
{
	copy_field(out, n, name);
	char *sp = strchr(out, ' ');
	if (sp)
		*sp = '\0';
}

int assist_suggest(const struct assist_context *ctx, const struct assist_mood *mood,
		   const struct assist_form *form, const struct assist_slot *slots,
		   size_t n_slots, struct assist_suggestion *out, size_t max)
{
	if (!ctx_ok(ctx) || !mood || !form || (!out && max) || (!slots && n_slots))
		return -EINVAL;
	size_t n = 0;
	char who[ASSIST_FIELD_MAX] = "";
	if (*form->name)
		first_name(form->name, who, sizeof who);

	if (!agent_spoke(ctx)) {
		if (ctx->agent && *who)
			add_sugg(out, max, &n, ASSIST_SOURCE_TEMPLATE, NULL,
				 "Hi %s, this is %s with %s. I've read your conversation so far and "
				 "I'm taking it from here.", who, ctx->agent, ctx->business);
		else if (ctx->agent)
			add_sugg(out, max, &n, ASSIST_SOURCE_TEMPLATE, NULL,
				 "Hi, this is %s with %s. I've read your conversation so far and "
				 "I'm taking it from here.", ctx->agent, ctx->business);
		else
			add_sugg(out, max, &n, ASSIST_SOURCE_TEMPLATE, NULL,
				 "Hi, thanks for contacting %s. I've read your conversation so far and "
				 "I'm taking it from here.", ctx->business);
	}
	if (mood->urgency >= 3)
		add_sugg(out, max, &n, ASSIST_SOURCE_TEMPLATE, NULL,
			 "Your safety comes first: please leave the house now and call 911 or "
			 "your utility from outside. We'll send a technician as soon as it's safe.");
	else if (mood->urgency == 2)
		add_sugg(out, max, &n, ASSIST_SOURCE_TEMPLATE, NULL,
			 "If you can, shut off the water at the main valve and keep people and "
			 "electronics away from the wet area. I'm getting a technician out to you "
			 "as fast as possible.");
	if (mood->frustration >= 0.5 || mood->sentiment <= -0.5)
		add_sugg(out, max, &n, ASSIST_SOURCE_TEMPLATE, NULL,
			 "I'm sorry about the trouble%s%s. Let's get this sorted out right now.",
			 *who ? ", " : "", who);
	if (n_slots > 0) {
		if (n_slots >= 2)
			add_sugg(out, max, &n, ASSIST_SOURCE_TEMPLATE, NULL,
				 "I can get a technician out %s or %s. Which works better for you?",
				 slots[0].label, slots[1].label);
		else
			add_sugg(out, max, &n, ASSIST_SOURCE_TEMPLATE, NULL,
				 "I can get a technician out %s. Does that work for you?",
				 slots[0].label);
	}
	/* what a booking still needs */
	if (!*form->address && !*form->zip)
		add_sugg(out, max, &n, ASSIST_SOURCE_TEMPLATE, NULL,
			 "What's the address where you need the service?");
	else if (!*form->phone)
		add_sugg(out, max, &n, ASSIST_SOURCE_TEMPLATE, NULL,
			 "What's the best phone number to reach you in case the technician "
			 "needs to call?");
	else if (!*form->name)
		add_sugg(out, max, &n, ASSIST_SOURCE_TEMPLATE, NULL,
			 "May I have your name for the appointment?");

	/* knowledge-base answers to the newest customer message */
	const char *q = last_customer(ctx);
	if (ctx->kb && q && n < max) {
		struct kb_result hits[ASSIST_KB_MAX];
		char query[KB_QUERY_MAX];
		copy_field(query, sizeof query, q);
		int k = kb_search(ctx->kb, query, ASSIST_KB_MAX, hits);
		for (int i = 0; i < k && n < max; i++)
			add_sugg(out, max, &n, ASSIST_SOURCE_KB, hits[i].id, "%s", hits[i].snippet);
	}
	return (int)n;
}

/* ---------------------------------------------------------------- wrap-up */

int assist_wrapup_draft(const struct assist_context *ctx, const char *outcome, struct buf *out)
{
	if (!ctx_ok(ctx) || !out)
		return -EINVAL;
	struct assist_form f;
	struct assist_mood m;
	int rc = assist_form_fill(ctx, &f);
	if (!rc)
		rc = assist_mood(ctx, &m);
	if (rc)
		return rc;
	const char *first = NULL;
	size_t from_customer = 0, from_agent = 0, from_ai = 0;
	for (size_t i = 0; i < ctx->n_messages; i++) {
		const struct assist_message *msg = &ctx->messages[i];
		if (customer_text(msg)) {
			if (!first)
				first = msg->text;
			from_customer++;
		} else if (msg->from == ASSIST_AGENT) {
			from_agent++;
		} else if (msg->from == ASSIST_AI) {
			from_ai++;
		}
	}
	rc = buf_printf(out, "Customer: %s", *f.name ? f.name : "name not given");
	if (!rc && *f.phone)
		rc = buf_printf(out, ", %s", f.phone);
	if (!rc && *f.email)
		rc = buf_printf(out, ", %s", f.email);
	if (!rc && first) {
		char issue[241];
		copy_field(issue, sizeof issue, first);
		rc = buf_printf(out, ".\nReported: \"%s%s\"", issue,
				strlen(first) >= sizeof issue ? "..." : "");
	}
	if (!rc && *f.equipment)
		rc = buf_printf(out, ".\nEquipment: %s", f.equipment);
	if (!rc && (*f.address || *f.zip))
		rc = buf_printf(out, ".\nAddress: %s%s%s", f.address, *f.address && *f.zip &&
				!strstr(f.address, f.zip) ? " " : "",
				strstr(f.address, f.zip) ? "" : f.zip);
	if (!rc && m.urgency >= 2)
		rc = buf_printf(out, ".\nUrgency: %s", m.urgency >= 3 ? "life safety" : "property damage");
	if (!rc && m.customer_messages)
		rc = buf_printf(out, ".\nMood at the end: %s (%s)",
				m.sentiment <= -0.3 ? "negative" : m.sentiment >= 0.3 ? "positive" : "neutral",
				m.trend);
	if (!rc)
		rc = buf_printf(out, ".\nMessages: %zu from the customer, %zu from the AI, %zu from the "
				"agent", from_customer, from_ai, from_agent);
	if (!rc && outcome && *outcome)
		rc = buf_printf(out, ".\nOutcome: %s", outcome);
	if (!rc)
		rc = buf_puts(out, ".");
	return rc;
}

/* ---------------------------------------------------------------- the panel */

static const char *article_title(const struct assist_context *ctx, const char *id)
{
	for (size_t i = 0; i < ctx->n_articles; i++)
		if (ctx->articles[i].id && !strcmp(ctx->articles[i].id, id))
			return ctx->articles[i].title;
	return "";
}

/* ISO 8601 in zone, or in UTC ("...Z") without one. */
static void iso_time(const struct tz *zone, int64_t t, char *out, size_t n)
{
	if (zone && !tz_format_iso(zone, t, out, n))
		return;
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t secs = t - days * 86400;
	int y, m, d;
	tz_civil_from_days(days, &y, &m, &d);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, (int)(secs / 3600),
		 (int)(secs / 60 % 60), (int)(secs % 60));
}

static int set_new(json_t *obj, const char *key, json_t *v)
{
	return v && !json_object_set_new(obj, key, v) ? 0 : -ENOMEM;
}

static double round3(double x)
{
	return round(x * 1000.0) / 1000.0;
}

int assist_panel(const struct assist_context *ctx, json_t **out)
{
	if (!ctx_ok(ctx) || !out)
		return -EINVAL;
	*out = NULL;
	struct assist_mood mood;
	struct assist_form form;
	struct assist_slot slots[ASSIST_SLOTS_MAX];
	struct assist_suggestion sugg[ASSIST_SUGGESTIONS_MAX];
	int rc = assist_mood(ctx, &mood);
	if (!rc)
		rc = assist_form_fill(ctx, &form);
	if (rc)
		return rc;
	int ns = assist_slots(ctx, &form, slots, ASSIST_SLOTS_MAX);
	if (ns < 0)
		ns = 0;  /* out of area or no calendar: the panel shows no slots */
	int ng = assist_suggest(ctx, &mood, &form, slots, (size_t)ns, sugg, ASSIST_SUGGESTIONS_MAX);
	if (ng < 0)
		return ng;

	json_t *p = json_object();
	json_t *js = json_array(), *jk = json_array(), *jl = json_array(), *jf = json_object();
	rc = p && js && jk && jl && jf ? 0 : -ENOMEM;
	if (rc) {
		json_decref(js);
		json_decref(jk);
		json_decref(jl);
		json_decref(jf);
		goto out;
	}
	rc = set_new(p, "suggestions", js);
	rc = rc ? rc : set_new(p, "kb", jk);
	rc = rc ? rc : set_new(p, "slots", jl);
	rc = rc ? rc : set_new(p, "form", jf);
	if (rc)
		goto out;
	rc = set_new(p, "sentiment", json_real(round3(mood.sentiment)));
	rc = rc ? rc : set_new(p, "frustration", json_real(round3(mood.frustration)));
	rc = rc ? rc : set_new(p, "urgency", json_integer(mood.urgency));
	rc = rc ? rc : set_new(p, "trend", json_string(mood.trend));
	rc = rc ? rc : set_new(p, "human_request", json_boolean(mood.human_request));
	for (int i = 0; !rc && i < ng; i++) {
		json_t *o = json_pack("{s:s, s:s}", "text", sugg[i].text, "source",
				      assist_source_name(sugg[i].source));
		rc = o && !json_array_append_new(js, o) ? 0 : -ENOMEM;
		if (!rc && sugg[i].source == ASSIST_SOURCE_KB) {
			o = json_pack("{s:s, s:s, s:s}", "id", sugg[i].kb_id, "title",
				      article_title(ctx, sugg[i].kb_id), "snippet", sugg[i].text);
			rc = o && !json_array_append_new(jk, o) ? 0 : -ENOMEM;
		}
	}
	for (int i = 0; !rc && i < ns; i++) {
		char a[40], b[40];
		iso_time(ctx->zone, slots[i].start, a, sizeof a);
		iso_time(ctx->zone, slots[i].end, b, sizeof b);
		json_t *o = json_pack("{s:s, s:s, s:I, s:s?, s:s}", "start", a, "end", b,
				      "technician_id", (json_int_t)slots[i].technician_id, "technician",
				      slots[i].technician, "label", slots[i].label);
		rc = o && !json_array_append_new(jl, o) ? 0 : -ENOMEM;
	}
	const struct { const char *key, *val; } fields[] = {
		{"service", form.service}, {"trade", form.trade}, {"equipment", form.equipment},
		{"address", form.address}, {"zip", form.zip}, {"phone", form.phone},
		{"email", form.email}, {"name", form.name}, {"preferred", form.preferred},
	};
	for (size_t i = 0; !rc && i < sizeof fields / sizeof *fields; i++)
		rc = set_new(jf, fields[i].key, json_string(fields[i].val));
out:
	if (rc) {
		json_decref(p);
		return rc;
	}
	*out = p;
	return 0;
}
