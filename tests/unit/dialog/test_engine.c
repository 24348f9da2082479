/* test_engine.c: the conversation engine over a hand-built business: disclosure, booking
 * with choice and confirmation, corrections, change of mind, closed days, out of area,
 * escalation with safety first, handoff and callback, the chatbot loop, resuming from
 * the JSON state, Spanish, and account requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/tz.h"
#include "dialog/dialog.h"

static struct nlu_model *model;
static const struct tz *ny;
static struct schedule_business biz;
static struct schedule_technician techs[3];
static const char *const tech_phones[3] = {"+17045550111", "+17045550112", "+17045550114"};
static struct schedule_calendar cal;
static struct schedule_oncall rot;
static const int64_t rot_members[] = {1, 2, 3};
static const struct schedule_range windows[] = {{480, 600}, {600, 720}, {720, 840}, {840, 960}, {960, 1080}};
static const char *const zips[] = {"28105", "28205", "28207"};
static const struct dialog_service services[] = {
	{"service_call", "Diagnostic / service call", "general", 8900, "fixed", 1, NULL},
	{"furnace_tune_up", "Furnace tune-up", "hvac", 12900, "fixed", 1, NULL},
	{"water_heater_repair", "Water heater repair", "plumbing", 18900, "from", 1, NULL},
	{"after_hours_fee", "After-hours emergency fee", "general", 15000, "fixed", 1, NULL},
};
static const struct dialog_customer linda = {7, "Linda Smith", "+17045550182",
					     "linda@example.com", "1420 Providence Rd 28207", "28207"};

static int64_t at(const char *iso)
{
	int64_t t;
	assert_int_equal(tz_parse_iso(iso, NULL, &t), 0);
	return t;
}

static int group_setup(void **state)
{
	(void)state;
	char err[128];
	assert_int_equal(nlu_model_builtin(&model, err, sizeof err), 0);
	assert_int_equal(tz_get("America/New_York", &ny), 0);
	biz.zone = ny;
	for (int d = 1; d <= 5; d++)
		biz.hours[d] = (struct schedule_day){{{420, 1080}}, 1};
	biz.hours[6] = (struct schedule_day){{{480, 840}}, 1};
	biz.windows = windows;
	biz.n_windows = 5;
	biz.zips = zips;
	biz.n_zips = 3;
	const char *names[] = {"Dana Whitfield", "Marcus Bell", "Luis Ortega"};
	uint32_t trades[] = {SCHEDULE_TRADE_BIT(SCHEDULE_TRADE_PLUMBING),
			     SCHEDULE_TRADE_BIT(SCHEDULE_TRADE_HVAC),
			     SCHEDULE_TRADE_BIT(SCHEDULE_TRADE_ELECTRICAL)};
	for (int i = 0; i < 3; i++) {
		techs[i].id = i + 1;
		techs[i].name = names[i];
		techs[i].trades = trades[i];
		memcpy(techs[i].hours, biz.hours, sizeof biz.hours);
	}
	cal = (struct schedule_calendar){&biz, techs, 3, NULL, 0};
	rot = (struct schedule_oncall){ny, rot_members, 3, {2026, 1, 5}, 1, 480};
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	nlu_model_free(model);
	return 0;
}

static struct dialog_env env_for(const struct dialog_customer *c, int agents)
{
	struct dialog_env e = {
		.model = model, .business_name = "Brightline", .portal_url = "https://portal.example",
		.cal = &cal, .tech_phones = tech_phones, .oncall = &rot, .services = services,
		.n_services = sizeof services / sizeof services[0], .agents_online = agents,
		.customer = c, .next_job_seq = 1001, .channel = "chat"};
	dialog_thresholds_default(&e.thresholds);
	e.sla_seconds[1] = 60;
	e.sla_seconds[2] = 300;
	e.sla_seconds[3] = 1800;
	return e;
}

static void turn(const struct dialog_env *e, struct dialog_state *s, const char *text,
		 int64_t now, struct dialog_out *o)
{
	assert_int_equal(dialog_turn(e, s, text, strlen(text), now, o), 0);
	assert_non_null(o->reply.data);
}

static const struct dialog_action *find_action(const struct dialog_out *o,
					       enum dialog_action_kind k, const char *name)
{
	for (size_t i = 0; i < o->n_actions; i++)
		if (o->actions[i].kind == k && (!name || !strcmp(o->actions[i].name, name)))
			return &o->actions[i];
	return NULL;
}

static void test_disclosure_first_and_when_asked(void **state)
{
	(void)state;
	struct dialog_env e = env_for(NULL, 1);
	struct dialog_state s;
	struct dialog_out o;
	dialog_state_init(&s);
	dialog_out_init(&o);
	int64_t now = at("2026-12-03T10:00:00-05:00");
	turn(&e, &s, "how much is a service call?", now, &o);
	assert_non_null(strstr(o.reply.data, "an AI"));
	assert_non_null(find_action(&o, DIALOG_ACT_EVENT, "ai_disclosed"));
	assert_non_null(strstr(o.reply.data, "$89"));
	turn(&e, &s, "thanks. what are your hours?", now + 30, &o);
	assert_null(find_action(&o, DIALOG_ACT_EVENT, "ai_disclosed"));
	turn(&e, &s, "wait, are you a bot?", now + 60, &o);
	assert_non_null(strstr(o.reply.data, "an AI"));
	assert_non_null(find_action(&o, DIALOG_ACT_EVENT, "ai_disclosed"));
	dialog_out_free(&o);
}

static void test_booking_choice_confirm_and_resume(void **state)
{
	(void)state;
	struct dialog_env e = env_for(&linda, 1);
	struct dialog_state s;
	struct dialog_out o;
	dialog_state_init(&s);
	dialog_out_init(&o);
	int64_t now = at("2026-12-03T10:00:00-05:00");
	turn(&e, &s, "my furnace needs a tune-up", now, &o);
	assert_int_equal(s.flow, DIALOG_FLOW_BOOK);
	assert_int_equal(s.await, DIALOG_AWAIT_CHOICE);
	assert_int_equal(s.n_offers, 3);
	assert_string_equal(s.service_code, "furnace_tune_up");
	assert_string_equal(s.zip, "28207");
	for (int i = 0; i < 3; i++)
		assert_int_equal(s.offers[i].technician_id, 2); /* the HVAC technician */
	struct dialog_offer second = s.offers[1];
	turn(&e, &s, "the second one", now + 30, &o);
	assert_int_equal(s.await, DIALOG_AWAIT_CONFIRM);
	assert_int_equal(s.chosen, 1);
	assert_false(o.escalation.escalate);

	/* the state goes through JSON (a restart) and the booking continues */
	json_t *j = dialog_state_to_json(&s);
	assert_non_null(j);
	struct dialog_state r;
	assert_int_equal(dialog_state_from_json(j, &r), 0);
	json_decref(j);
	assert_int_equal(r.chosen, 1);
	assert_int_equal(r.offers[1].start, second.start);
	turn(&e, &r, "yes, book it", now + 60, &o);
	const struct dialog_action *b = find_action(&o, DIALOG_ACT_BOOK, NULL);
	assert_non_null(b);
	assert_int_equal(b->start, second.start);
	assert_int_equal(b->end, second.end);
	assert_int_equal(b->technician_id, 2);
	assert_string_equal(b->service_code, "furnace_tune_up");
	assert_string_equal(b->job_number, "J-1001");
	assert_int_equal(o.outcome, DIALOG_OUTCOME_BOOKED);
	assert_int_equal(r.outcome, DIALOG_OUTCOME_BOOKED);
	assert_int_equal(r.flow, DIALOG_FLOW_NONE);
	assert_non_null(strstr(o.reply.data, "J-1001"));
	assert_non_null(strstr(o.reply.data, "$129"));
	dialog_out_free(&o);
}

static void test_correction_and_change_of_mind(void **state)
{
	(void)state;
	struct dialog_env e = env_for(&linda, 1);
	struct dialog_state s;
	struct dialog_out o;
	dialog_state_init(&s);
	dialog_out_init(&o);
	int64_t now = at("2026-12-03T10:00:00-05:00"); /* a Thursday */
	turn(&e, &s, "I need a furnace tune-up", now, &o);
	turn(&e, &s, "the first one", now + 30, &o);
	assert_int_equal(s.await, DIALOG_AWAIT_CONFIRM);
	turn(&e, &s, "actually make it Friday", now + 60, &o);
	assert_int_equal(s.await, DIALOG_AWAIT_CHOICE);
	assert_true(s.n_offers > 0);
	for (int i = 0; i < s.n_offers; i++) {
		struct tz_local l;
		tz_to_local(ny, s.offers[i].start, &l);
		assert_int_equal(l.wday, 5);
	}
	turn(&e, &s, "never mind, forget it", now + 90, &o);
	assert_null(find_action(&o, DIALOG_ACT_BOOK, NULL));
	assert_int_equal(s.flow, DIALOG_FLOW_NONE);
	assert_int_not_equal(s.outcome, DIALOG_OUTCOME_BOOKED);
	dialog_out_free(&o);
}

static void test_sunday_and_out_of_area(void **state)
{
	(void)state;
	struct dialog_env e = env_for(&linda, 1);
	struct dialog_state s;
	struct dialog_out o;
	dialog_state_init(&s);
	dialog_out_init(&o);
	int64_t now = at("2026-12-03T10:00:00-05:00");
	turn(&e, &s, "can someone fix my water heater on Sunday?", now, &o);
	assert_int_equal(s.await, DIALOG_AWAIT_CHOICE);
	assert_non_null(strstr(o.reply.data, "Sunday"));
	for (int i = 0; i < s.n_offers; i++) {
		struct tz_local l;
		tz_to_local(ny, s.offers[i].start, &l);
		assert_int_not_equal(l.wday, 0);
		assert_int_equal(s.offers[i].technician_id, 1); /* plumbing */
	}

	struct dialog_env anon = env_for(NULL, 1);
	dialog_state_init(&s);
	turn(&anon, &s, "I need a furnace tune-up", now, &o);
	assert_int_equal(s.await, DIALOG_AWAIT_ADDRESS);
	turn(&anon, &s, "55 Ocean Ave Miami 33139", now + 30, &o);
	assert_non_null(strstr(o.reply.data, "33139"));
	assert_non_null(strstr(o.reply.data, "outside"));
	assert_null(find_action(&o, DIALOG_ACT_BOOK, NULL));
	assert_int_equal(s.flow, DIALOG_FLOW_NONE);
	assert_int_equal(s.n_offers, 0);
	dialog_out_free(&o);
}

static void test_gas_smell_safety_first_then_person(void **state)
{
	(void)state;
	struct dialog_env e = env_for(NULL, 2);
	struct dialog_state s;
	struct dialog_out o;
	dialog_state_init(&s);
	dialog_out_init(&o);
	turn(&e, &s, "I smell gas in my kitchen", at("2026-12-03T10:00:00-05:00"), &o);
	assert_true(o.escalation.escalate);
	assert_true(o.escalation.safety_first);
	assert_int_equal(o.escalation.priority, DIALOG_P1);
	assert_true(strncmp(o.reply.data, "If you smell gas", 16) == 0); /* before anything */
	const struct dialog_action *h = find_action(&o, DIALOG_ACT_HANDOFF, NULL);
	assert_non_null(h);
	assert_string_equal(json_string_value(json_array_get(json_object_get(h->packet, "reasons"), 0)),
			    "life_safety");
	assert_string_equal(json_string_value(json_object_get(h->packet, "priority")), "P1");
	assert_non_null(json_object_get(h->packet, "summary"));
	assert_non_null(json_object_get(h->packet, "suggested_next_step"));
	assert_non_null(json_object_get(h->packet, "sla_deadline"));
	assert_int_equal(s.outcome, DIALOG_OUTCOME_HANDOFF);
	dialog_out_free(&o);
}

static void test_flooding_at_2am_pages_oncall(void **state)
{
	(void)state;
	struct dialog_env e = env_for(&linda, 0);
	struct dialog_state s;
	struct dialog_out o;
	dialog_state_init(&s);
	dialog_out_init(&o);
	int64_t now = at("2026-12-05T02:00:00-05:00");
	turn(&e, &s, "my basement is flooding", now, &o);
	assert_true(o.escalation.page_oncall);
	const struct dialog_action *cb = find_action(&o, DIALOG_ACT_CALLBACK, NULL);
	assert_non_null(cb);
	assert_true(cb->promised_at > now);
	assert_string_equal(cb->recipient, "+17045550182");
	const struct dialog_action *pg = find_action(&o, DIALOG_ACT_SEND, "oncall_page");
	assert_non_null(pg);
	size_t m;
	assert_int_equal(schedule_oncall_at(&rot, now, &m, NULL, NULL), 0);
	assert_int_equal(pg->technician_id, rot_members[m]);
	assert_string_equal(pg->recipient, tech_phones[rot_members[m] - 1]);
	assert_null(find_action(&o, DIALOG_ACT_HANDOFF, NULL));
	assert_int_equal(s.outcome, DIALOG_OUTCOME_CALLBACK);
	dialog_out_free(&o);
}

static void test_person_asked_for_first(void **state)
{
	(void)state;
	struct dialog_env e = env_for(NULL, 1);
	struct dialog_state s;
	struct dialog_out o;
	dialog_state_init(&s);
	dialog_out_init(&o);
	turn(&e, &s, "let me talk to a real person", at("2026-12-03T10:00:00-05:00"), &o);
	assert_true(o.escalation.escalate);
	assert_true(o.escalation.reasons & (1u << DIALOG_REASON_HUMAN_REQUEST));
	assert_non_null(find_action(&o, DIALOG_ACT_HANDOFF, NULL));
	assert_non_null(strstr(o.reply.data, "an AI")); /* still disclosed */
	dialog_out_free(&o);
}

static void test_loop_escalates(void **state)
{
	(void)state;
	struct dialog_env e = env_for(NULL, 1);
	struct dialog_state s;
	struct dialog_out o;
	dialog_state_init(&s);
	dialog_out_init(&o);
	int64_t now = at("2026-12-03T10:00:00-05:00");
	const char *lines[] = {"I need a furnace tune-up", "zzz qqq", "hmm the thing", "blah blah what"};
	bool escalated = false;
	for (int i = 0; i < 4 && !escalated; i++) {
		turn(&e, &s, lines[i], now + i * 30, &o);
		escalated = o.escalation.escalate;
	}
	assert_true(escalated);
	assert_true(o.escalation.reasons & ((1u << DIALOG_REASON_LOW_CONFIDENCE) |
					    (1u << DIALOG_REASON_REPEATED_FAILURE)));
	dialog_out_free(&o);
}

static void test_spanish(void **state)
{
	(void)state;
	struct dialog_env e = env_for(&linda, 1);
	struct dialog_state s;
	struct dialog_out o;
	dialog_state_init(&s);
	dialog_out_init(&o);
	turn(&e, &s, "hola, necesito una cita para mi aire acondicionado", at("2026-12-03T10:00:00-05:00"), &o);
	assert_string_equal(s.lang, "es");
	assert_non_null(strstr(o.reply.data, "inteligencia artificial"));
	assert_int_equal(s.flow, DIALOG_FLOW_BOOK);
	dialog_out_free(&o);
}

static void test_password_reset_reveals_nothing(void **state)
{
	(void)state;
	struct dialog_state s;
	struct dialog_out o;
	dialog_out_init(&o);
	int64_t now = at("2026-12-03T10:00:00-05:00");
	struct dialog_env known = env_for(&linda, 1);
	dialog_state_init(&s);
	turn(&known, &s, "I can't log in to the customer portal", now, &o);
	const struct dialog_action *a = find_action(&o, DIALOG_ACT_SEND, "password_reset");
	assert_non_null(a);
	assert_string_equal(a->recipient, "linda@example.com");
	assert_null(strstr(o.reply.data, "linda@example.com")); /* masked */

	struct dialog_env anon = env_for(NULL, 1);
	dialog_state_init(&s);
	turn(&anon, &s, "I forgot my password for the portal", now, &o);
	assert_int_equal(s.await, DIALOG_AWAIT_IDENTITY);
	assert_null(find_action(&o, DIALOG_ACT_SEND, NULL));
	turn(&anon, &s, "it's 704 555 0199", now + 30, &o);
	a = find_action(&o, DIALOG_ACT_SEND_IF_ON_FILE, NULL);
	assert_non_null(a);
	assert_string_equal(a->recipient, "+17045550199");
	assert_non_null(strstr(o.reply.data, "If that matches"));
	dialog_out_free(&o);
}

static void test_state_json_rejects_bad_input(void **state)
{
	(void)state;
	struct dialog_state s;
	json_t *j = json_pack("{s:s}", "flow", "teleport");
	assert_int_equal(dialog_state_from_json(j, &s), -TN_EPARSE);
	assert_int_equal(s.flow, DIALOG_FLOW_NONE);
	json_decref(j);
	j = json_pack("{s:s}", "turns", "three");
	assert_int_equal(dialog_state_from_json(j, &s), -TN_EPARSE);
	json_decref(j);
	assert_int_equal(dialog_state_from_json(NULL, &s), -TN_EPARSE);
	struct dialog_env e = env_for(NULL, 1);
	struct dialog_out o;
	dialog_out_init(&o);
	dialog_state_init(&s);
	assert_int_equal(dialog_turn(&e, &s, "\xff\xfe", 2, 0, &o), -TN_EPARSE);
	assert_int_equal(s.turns, 0); /* unchanged on error */
	dialog_out_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disclosure_first_and_when_asked),
		cmocka_unit_test(test_booking_choice_confirm_and_resume),
		cmocka_unit_test(test_correction_and_change_of_mind),
		cmocka_unit_test(test_sunday_and_out_of_area),
		cmocka_unit_test(test_gas_smell_safety_first_then_person),
		cmocka_unit_test(test_flooding_at_2am_pages_oncall),
		cmocka_unit_test(test_person_asked_for_first),
		cmocka_unit_test(test_loop_escalates),
		cmocka_unit_test(test_spanish),
		cmocka_unit_test(test_password_reset_reveals_nothing),
		cmocka_unit_test(test_state_json_rejects_bad_input),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
