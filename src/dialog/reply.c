/* reply.c: reply text from the tenant's templates, and the local-time and price
 * phrases that go into them. */
#include "base/tz.h"
#include "dialog/dialog_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The engine's situations and the template keys that say them (data/templates/). */
static const char *const key_map[][2] = {
	{"disclose", "ai_disclosure"}, {"disclose_again", "ai_disclosure"}, {"intro", "greeting"},
	{"greeting", "affirm.nothing_pending"}, {"fallback", "fallback.clarify_options"},
	{"open_now", "hours.open_now"}, {"closed_now", "hours.closed_now"},
	{"closed_holiday", "hours.holiday"}, {"hours_week", "hours.summary"},
	{"hours_day_open", "hours.day"}, {"hours_day_closed", "hours.day_closed"},
	{"area_yes", "area.covered"}, {"area_no", "area.not_covered"}, {"area_ask", "area.ask_zip"},
	{"services_kb", "services.kb_answer"}, {"services_list", "services.list"},
	{"brands", "services.brands"}, {"book_ask_problem", "book.ask_problem"},
	{"book_ask_address", "book.ask_address"}, {"book_ask_zip", "area.ask_zip"},
	{"book_offers", "book.offer_windows"}, {"book_offers_closed_day", "book.closed_day"},
	{"book_offers_other_day", "book.offer_windows_other_day"},
	{"book_no_slots", "fallback.offer_person"}, {"book_which", "book.offer_windows"},
	{"book_confirm", "book.confirm_ask"}, {"book_done", "book.confirmed"},
	{"book_changed_mind", "deny.nothing_pending"}, {"book_what_change", "book.declined"},
	{"job_none", "appointment.none"}, {"job_ask", "identity.ask"},
	{"resched_ask_time", "reschedule.found"}, {"resched_confirm", "reschedule.confirm_ask"},
	{"resched_done", "reschedule.done"}, {"cancel_confirm", "cancel.confirm_ask"},
	{"cancel_done", "cancel.done"}, {"cancel_kept", "cancel.kept"},
	{"status_scheduled", "status.scheduled"}, {"status_en_route", "status.en_route"},
	{"status_on_site", "status.on_site"}, {"status_completed", "status.completed"},
	{"billing_paid", "billing.invoice_paid"}, {"billing_open", "billing.invoice_open"},
	{"billing_pay", "billing.how_to_pay"}, {"billing_generic", "password.portal"},
	{"reset_sent", "password.sent"}, {"reset_ask", "password.ask_contact"},
	{"contact_ask", "contact.ask_new"}, {"contact_confirm", "contact.confirm_ask"},
	{"contact_done", "contact.updated"}, {"safety_gas", "safety.gas"}, {"safety_co", "safety.co"},
	{"safety_electrical", "safety.electrical"}, {"water_tip", "safety.water"},
	{"handoff", "handoff.requested"}, {"handoff_p1", "emergency.handoff"},
	{"handoff_complaint", "complaint.handoff"}, {"handoff_dispute", "dispute.handoff"},
	{"handoff_frustration", "handoff.frustration"}, {"handoff_loop", "handoff.loop"},
	{"handoff_low_confidence", "handoff.low_confidence"}, {"callback", "handoff.no_agents"},
	{"callback_closed", "handoff.after_hours"}, {"oncall_paged", "emergency.after_hours"},
	{"quick_yes", "quick.yes"}, {"quick_no", "quick.no"}, {"quick_person", "quick.person"},
	{"quick_earliest", "quick.earliest"}, {NULL, NULL}};

/* Situations the shipped templates do not cover, in the engine's own words. */
static const char *const fallback_text[][3] = {
	{"reset_maybe_sent", "Thanks. If that matches an account with us, a reset link is on its way to the contact we have on file.",
	 "Gracias. Si coincide con una cuenta, enviaremos un enlace al contacto que tenemos registrado."},
	{"contact_unverified", "I'm sorry, I can't change account details without confirming who you are. A person on our team can help with that.",
	 "Lo siento, no puedo cambiar datos de la cuenta sin confirmar su identidad. Una persona de nuestro equipo puede ayudarle."},
	{"safety_generic", "For your safety: if anyone is in danger, leave the house and call 911.",
	 "Por su seguridad: si alguien está en peligro, salga de la casa y llame al 911."},
	{"callback_no_phone", "Nobody from our team is free right now. I've queued a callback for {callback_time}. What's the best number to reach you?",
	 "Ahora no hay nadie libre en nuestro equipo. He programado una llamada para {callback_time}. ¿A qué número podemos llamarle?"},
	{"already_escalated", "I've passed that along: a person from our team has your conversation and everything you've told me.",
	 "Ya lo he transmitido: una persona de nuestro equipo tiene su conversación y todo lo que me ha contado."},
	{"page_text", "EMERGENCY {business_name}: {summary}. Call the customer at {phone}.",
	 "EMERGENCIA {business_name}: {summary}. Llame al cliente al {phone}."},
	{"reset_text", "{business_name}: reset your customer portal password at {portal_url} (valid 1 hour). If you didn't ask for this, ignore this message.",
	 "{business_name}: restablezca la contraseña del portal en {portal_url} (válido 1 hora). Si no lo pidió, ignore este mensaje."},
	{"price_one", "{service_name}: {price}.", "{service_name}: {price}."},
	{NULL, NULL, NULL}};

/* Placeholder names of the templates and the engine's names for the same values. */
static const char *const aliases[][2] = {
	{"service_name", "service"}, {"technician", "tech"}, {"job_number", "job"},
	{"slot_list", "offers"}, {"close_time", "close"}, {"service_area_summary", "area"},
	{"kb_answer", "answer"}, {"service_list", "services"}, {"portal_url", "portal"},
	{"contact_masked", "masked"}, {"contact_kind", "kind"}, {"field", "kind"},
	{"new_value", "value"}, {"day_name", "day"}, {"closed_day", "day"}, {"day_hours", "range"},
	{"hours_summary", "hours"}, {"callback_time", "promised"}, {"oncall_name", "tech"},
	{"new_window", "window"}, {"price_note", "price_fact"}, {"invoice_number", "invoice"},
	{"holiday_name", "holiday"}, {"business_name", "business"}, {NULL, NULL}};

static const char *template_text(const struct dialog_env *env, const char *lang,
				 const char *key)
{
	const char *mapped = key;
	for (size_t i = 0; key_map[i][0]; i++)
		if (!strcmp(key_map[i][0], key))
			mapped = key_map[i][1];
	const json_t *all = env->templates ? env->templates : dialog_templates_builtin();
	const char *t = json_string_value(json_object_get(json_object_get(all, lang), mapped));
	if (!t && strcmp(lang, "en"))
		t = json_string_value(json_object_get(json_object_get(all, "en"), mapped));
	if (!t && env->templates) /* a tenant's partial set falls back to the built-in one */
		t = json_string_value(
			json_object_get(json_object_get(dialog_templates_builtin(), "en"), mapped));
	for (size_t i = 0; !t && fallback_text[i][0]; i++)
		if (!strcmp(fallback_text[i][0], key))
			t = fallback_text[i][strcmp(lang, "es") ? 1 : 2];
	return t;
}

/* Values every template may use, computed from the facts. */
static const char *computed_value(const struct dialog_env *env, const struct dialog_state *s,
				  const char *name, size_t nl, char *buf, size_t n)
{
#define NAMED(lit) (nl == sizeof(lit) - 1 && !strncmp(name, lit, nl))
	if (NAMED("service_call_price") || NAMED("after_hours_fee")) {
		const char *want = NAMED("after_hours_fee") ? "after_hours" : "service_call";
		for (size_t i = 0; i < env->n_services; i++)
			if (env->services[i].code && strstr(env->services[i].code, want)) {
				dialog__fmt_money(env->services[i].price_cents, buf, n);
				return buf;
			}
		return NULL;
	}
	if (NAMED("customer_first_name")) {
		const char *full = s->customer_name[0] ? s->customer_name
				   : (env->customer && env->customer->name ? env->customer->name : "");
		size_t l = strcspn(full, " ");
		snprintf(buf, n, "%.*s", (int)l, full);
		return buf;
	}
	if (NAMED("callback_phone")) {
		if (env->customer && env->customer->phone)
			return env->customer->phone;
		return strcmp(s->lang, "es") ? "the number you give us" : "el número que nos indique";
	}
	if (NAMED("business_phone"))
		return env->business_phone ? env->business_phone : "";
	if (NAMED("portal_url"))
		return env->portal_url ? env->portal_url : "";
	if (NAMED("closed_summary")) {
		size_t used = 0;
		buf[0] = '\0';
		for (int d = 0; d < 7 && used + 20 < n; d++)
			if (!env->cal->business->hours[d].n)
				used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? ", " : "",
							 dialog__day_name(s, d));
		if (env->cal->business->n_holidays && used + 24 < n)
			snprintf(buf + used, n - used, "%s%s", used ? (strcmp(s->lang, "es") ? " and on holidays" : " y en días festivos") : "",
				 used ? "" : (strcmp(s->lang, "es") ? "on holidays" : "en días festivos"));
		return buf;
	}
	if (NAMED("horizon_days"))
		return "30";
	if (NAMED("requested_time"))
		return strcmp(s->lang, "es") ? "at that time" : "a esa hora";
	return NULL;
#undef NAMED
}

static const char *lookup(const char *const *kv, const char *name, size_t nl)
{
	for (const char *const *k = kv; k && k[0]; k += 2)
		if (strlen(k[0]) == nl && !strncmp(k[0], name, nl))
			return k[1];
	return NULL;
}

int dialog__say(const struct dialog_env *env, const struct dialog_state *s, struct buf *out,
		const char *key, const char *const *kv)
{
	const char *t = template_text(env, s->lang, key);
	if (!t)
		return 0;
	if (out->len && out->data[out->len - 1] != ' ' && buf_putc(out, ' '))
		return -ENOMEM;
	for (const char *p = t; *p;) {
		const char *open = strchr(p, '{');
		const char *close = open ? strchr(open, '}') : NULL;
		if (!open || !close) {
			if (buf_puts(out, p))
				return -ENOMEM;
			break;
		}
		if (buf_append(out, p, (size_t)(open - p)))
			return -ENOMEM;
		const char *name = open + 1;
		size_t nl = (size_t)(close - open - 1);
		const char *val = lookup(kv, name, nl);
		for (size_t i = 0; !val && aliases[i][0]; i++)
			if (strlen(aliases[i][0]) == nl && !strncmp(aliases[i][0], name, nl))
				val = !strcmp(aliases[i][1], "business") ? env->business_name
									  : lookup(kv, aliases[i][1], strlen(aliases[i][1]));
		char computed[96];
		if (!val && nl == 8 && !strncmp(name, "business", 8))
			val = env->business_name;
		if (!val)
			val = computed_value(env, s, name, nl, computed, sizeof computed);
		if (val && buf_puts(out, val))
			return -ENOMEM;
		p = close + 1;
	}
	/* drop a trailing space left by an empty placeholder */
	while (out->len && out->data[out->len - 1] == ' ')
		out->data[--out->len] = '\0';
	return 0;
}

static const char *const days_en[] = {"Sunday", "Monday", "Tuesday", "Wednesday",
				      "Thursday", "Friday", "Saturday"};
static const char *const days_es[] = {"domingo", "lunes", "martes", "miércoles",
				      "jueves", "viernes", "sábado"};
static const char *const months_en[] = {"January", "February", "March", "April", "May",
					"June", "July", "August", "September", "October",
					"November", "December"};
static const char *const months_es[] = {"enero", "febrero", "marzo", "abril", "mayo",
					"junio", "julio", "agosto", "septiembre", "octubre",
					"noviembre", "diciembre"};

static bool is_es(const struct dialog_state *s)
{
	return s && !strcmp(s->lang, "es");
}

const char *dialog__day_name(const struct dialog_state *s, int wday)
{
	if (wday < 0 || wday > 6)
		return "?";
	return is_es(s) ? days_es[wday] : days_en[wday];
}

static void hm(const struct tz_local *l, char *out, size_t n, bool ampm)
{
	int h = l->hour % 12 ? l->hour % 12 : 12;
	if (ampm)
		snprintf(out, n, "%d:%02d %s", h, l->minute, l->hour < 12 ? "AM" : "PM");
	else
		snprintf(out, n, "%d:%02d", h, l->minute);
}

void dialog__fmt_time(const struct dialog_env *env, int64_t t, char *out, size_t n)
{
	struct tz_local l;
	if (tz_to_local(env->cal->business->zone, t, &l)) {
		snprintf(out, n, "?");
		return;
	}
	hm(&l, out, n, true);
}

void dialog__fmt_day_time(const struct dialog_env *env, const struct dialog_state *s,
			  int64_t t, char *out, size_t n)
{
	struct tz_local l;
	char tm[16];
	if (tz_to_local(env->cal->business->zone, t, &l)) {
		snprintf(out, n, "?");
		return;
	}
	hm(&l, tm, sizeof tm, true);
	if (is_es(s))
		snprintf(out, n, "el %s %d de %s a las %s", days_es[l.wday], l.day,
			 months_es[l.month - 1], tm);
	else
		snprintf(out, n, "%s, %s %d at %s", days_en[l.wday], months_en[l.month - 1], l.day,
			 tm);
}

void dialog__fmt_date(const struct dialog_env *env, const struct dialog_state *s, int64_t t,
		      char *out, size_t n)
{
	struct tz_local l;
	if (tz_to_local(env->cal->business->zone, t, &l)) {
		snprintf(out, n, "?");
		return;
	}
	if (is_es(s))
		snprintf(out, n, "%s %d de %s", days_es[l.wday], l.day, months_es[l.month - 1]);
	else
		snprintf(out, n, "%s, %s %d", days_en[l.wday], months_en[l.month - 1], l.day);
}

static void fmt_window(const struct dialog_env *env, const struct dialog_state *s, int64_t start,
		       int64_t end, bool with_day, char *out, size_t n)
{
	struct tz_local a, b;
	char ta[16], tb[16];
	if (tz_to_local(env->cal->business->zone, start, &a) ||
	    tz_to_local(env->cal->business->zone, end, &b)) {
		snprintf(out, n, "?");
		return;
	}
	bool same_half = (a.hour < 12) == (b.hour < 12 || (b.hour == 12 && b.minute == 0));
	hm(&a, ta, sizeof ta, !same_half);
	hm(&b, tb, sizeof tb, true);
	if (is_es(s))
		snprintf(out, n, "%s%s%d de %s, %s-%s", with_day ? days_es[a.wday] : "",
			 with_day ? " " : "", a.day, months_es[a.month - 1], ta, tb);
	else
		snprintf(out, n, "%s%s%s %d, %s-%s", with_day ? days_en[a.wday] : "",
			 with_day ? ", " : "", months_en[a.month - 1], a.day, ta, tb);
}

void dialog__fmt_window(const struct dialog_env *env, const struct dialog_state *s,
			int64_t start, int64_t end, char *out, size_t n)
{
	fmt_window(env, s, start, end, true, out, n);
}

void dialog__fmt_window_label(const struct dialog_env *env, const struct dialog_state *s,
			      int64_t start, int64_t end, char *out, size_t n)
{
	fmt_window(env, s, start, end, true, out, n);
	if (dialog__utf8_chars(out) > DIALOG_QUICK_CHARS)
		fmt_window(env, s, start, end, false, out, n);
}

void dialog__fmt_money(int64_t cents, char *out, size_t n)
{
	if (cents % 100)
		snprintf(out, n, "$%" PRId64 ".%02d", cents / 100, (int)(cents % 100));
	else
		snprintf(out, n, "$%" PRId64, cents / 100);
}

void dialog__fmt_price(const struct dialog_service *svc, char *out, size_t n)
{
	char m[32];
	dialog__fmt_money(svc->price_cents, m, sizeof m);
	const char *k = svc->price_kind ? svc->price_kind : "fixed";
	if (!strcmp(k, "estimate"))
		snprintf(out, n, "priced by estimate");
	else if (!strcmp(k, "from"))
		snprintf(out, n, "from %s", m);
	else if (!strcmp(k, "monthly"))
		snprintf(out, n, "%s a month", m);
	else
		snprintf(out, n, "%s", m);
	if (svc->description && *svc->description) {
		size_t l = strlen(out);
		snprintf(out + l, n > l ? n - l : 0, " (%s)", svc->description);
	}
}

const struct dialog_service *dialog__service(const struct dialog_env *env, const char *code)
{
	for (size_t i = 0; code && i < env->n_services; i++)
		if (env->services[i].code && !strcmp(env->services[i].code, code))
			return &env->services[i];
	return NULL;
}

const char *dialog__tech_name(const struct dialog_env *env, int64_t id)
{
	for (size_t i = 0; i < env->cal->n_techs; i++)
		if (env->cal->techs[i].id == id && env->cal->techs[i].name)
			return env->cal->techs[i].name;
	return "a technician";
}
