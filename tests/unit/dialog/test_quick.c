/* test_quick.c: the quick replies the engine offers, and each one sent back as the
 * customer's text: the offered windows lead to the confirmation of that window, yes and
 * no at the confirmation book or ask for another time, the services lead on to the
 * address, "earliest available" to new windows, and "talk to a person" to a person. In
 * English and Spanish; never more than five of at most 40 characters, none once a
 * person has the conversation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/tz.h"
#include "dialog/dialog.h"

static struct nlu_model *model;
static const struct tz *ny;
static struct schedule_business biz;
static struct schedule_technician techs[3];
static struct schedule_calendar cal;
static const struct schedule_range windows[] = {{480, 600}, {600, 720}, {720, 840}, {840, 960}, {960, 1080}};
static const char *const zips[] = {"28105", "28205", "28207"};
/* the services of the demo business, in its order */
static const struct dialog_service services[] = {
	{"service_call", "Diagnostic / service call", "general", 8900, "fixed", 1, NULL},
	{"ac_tune_up", "AC tune-up", "hvac", 12900, "fixed", 1, NULL},
	{"furnace_tune_up", "Furnace tune-up", "hvac", 12900, "fixed", 1, NULL},
	{"comfort_club", "Comfort Club maintenance plan", "general", 1500, "monthly", 1, NULL},
	{"drain_cleaning", "Drain cleaning", "plumbing", 14900, "from", 1, NULL},
	{"water_heater_repair", "Water heater repair", "plumbing", 18900, "from", 1, NULL},
	{"tankless_install", "Tankless water heater install", "plumbing", 320000, "from", 5, NULL},
	{"outlet_switch_repair", "Electrical outlet / switch repair", "electrical", 12500, "from", 1, NULL},
	{"panel_upgrade", "Electrical panel upgrade", "electrical", 0, "estimate", 5, NULL},
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
		.cal = &cal, .services = services, .n_services = sizeof services / sizeof services[0],
		.agents_online = agents, .customer = c, .next_job_seq = 1001, .channel = "chat"};
	dialog_thresholds_default(&e.thresholds);
	e.sla_seconds[1] = 60;
	e.sla_seconds[2] = 300;
	e.sla_seconds[3] = 1800;
	return e;
}

static size_t chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static void show(const struct dialog_state *s, const struct dialog_out *o)
{
	fprintf(stderr, "# await=%s intent=%s reply=%s\n", dialog_await_name(s->await),
		o->intent ? o->intent : "", o->reply.data ? o->reply.data : "");
	for (size_t i = 0; i < o->n_quick; i++)
		fprintf(stderr, "#   [%s]\n", o->quick[i]);
}

/* One turn; the quick replies always keep to the limits. */
static void turn(const struct dialog_env *e, struct dialog_state *s, const char *text,
		 int64_t now, struct dialog_out *o)
{
	assert_int_equal(dialog_turn(e, s, text, strlen(text), now, o), 0);
	if (getenv("QUICK_DEBUG")) {
		fprintf(stderr, "> %s\n", text);
		show(s, o);
	}
	assert_true(o->n_quick <= 5);
	for (size_t i = 0; i < o->n_quick; i++) {
		assert_true(chars(o->quick[i]) >= 1);
		assert_true(chars(o->quick[i]) <= 40);
		for (size_t k = 0; k < i; k++)
			assert_string_not_equal(o->quick[i], o->quick[k]);
	}
}

static const struct dialog_action *find_action(const struct dialog_out *o,
					       enum dialog_action_kind k)
{
	for (size_t i = 0; i < o->n_actions; i++)
		if (o->actions[i].kind == k)
			return &o->actions[i];
	return NULL;
}

static bool offered(const struct dialog_out *o, const char *text)
{
	for (size_t i = 0; i < o->n_quick; i++)
		if (!strcmp(o->quick[i], text))
			return true;
	return false;
}

/* The windows are offered as the reply phrases them; each one sent back is the window
 * confirmed, "Yes" books exactly it. */
static void check_windows(const char *first, const char *yes, const char *no, const char *lang)
{
	struct dialog_env e = env_for(&linda, 1);
	struct dialog_state s0, s;
	struct dialog_out o;
	dialog_state_init(&s0);
	dialog_out_init(&o);
	int64_t now = at("2026-12-03T10:00:00-05:00");
	turn(&e, &s0, first, now, &o);
	assert_string_equal(s0.lang, lang);
	assert_int_equal(s0.await, DIALOG_AWAIT_CHOICE);
	assert_int_equal(s0.n_offers, 3);
	assert_int_equal((int)o.n_quick, 3);
	char labels[3][DIALOG_QUICK_BYTES];
	for (int k = 0; k < 3; k++) {
		assert_non_null(strstr(o.reply.data, o.quick[k])); /* phrased as in the reply */
		memcpy(labels[k], o.quick[k], sizeof labels[k]);
	}
	for (int k = 0; k < 3; k++) {
		s = s0;
		turn(&e, &s, labels[k], now + 30, &o);
		assert_false(o.escalation.escalate);
		assert_int_equal(s.await, DIALOG_AWAIT_CONFIRM);
		assert_int_equal(s.chosen, k);
		assert_int_equal((int)o.n_quick, 2);
		assert_string_equal(o.quick[0], yes);
		assert_string_equal(o.quick[1], no);
		struct dialog_state confirm = s;
		turn(&e, &s, yes, now + 60, &o);
		const struct dialog_action *b = find_action(&o, DIALOG_ACT_BOOK);
		assert_non_null(b);
		assert_int_equal(b->start, s0.offers[k].start);
		assert_int_equal(b->technician_id, s0.offers[k].technician_id);
		assert_int_equal(s.outcome, DIALOG_OUTCOME_BOOKED);
		assert_int_equal((int)o.n_quick, 0);
		/* "No" at the confirmation: nothing booked, another time is asked for */
		s = confirm;
		turn(&e, &s, no, now + 60, &o);
		assert_null(find_action(&o, DIALOG_ACT_BOOK));
		assert_int_equal(s.await, DIALOG_AWAIT_TIME);
		assert_int_equal((int)o.n_quick, 1);
		char earliest[DIALOG_QUICK_BYTES];
		memcpy(earliest, o.quick[0], sizeof earliest);
		turn(&e, &s, earliest, now + 90, &o);
		assert_int_equal(s.await, DIALOG_AWAIT_CHOICE);
		assert_true(s.n_offers > 0);
		assert_int_equal((int)o.n_quick, s.n_offers);
	}
	dialog_out_free(&o);
}

static void test_windows_yes_no_english(void **state)
{
	(void)state;
	check_windows("my furnace needs a tune-up", "Yes", "No", "en");
}

static void test_windows_yes_no_spanish(void **state)
{
	(void)state;
	check_windows("hola, necesito una cita para mi aire acondicionado", "Sí", "No", "es");
}

/* A long weekday and month make a window too long for a button: the weekday goes, and
 * the shorter text is still understood. */
static void test_long_window_label(void **state)
{
	(void)state;
	struct dialog_env e = env_for(&linda, 1);
	struct dialog_state s0, s;
	struct dialog_out o;
	dialog_state_init(&s0);
	dialog_out_init(&o);
	int64_t now = at("2026-09-29T17:00:00-04:00"); /* a Tuesday evening */
	turn(&e, &s0, "hola, necesito una cita para mi aire acondicionado", now, &o);
	assert_int_equal(s0.await, DIALOG_AWAIT_CHOICE);
	assert_non_null(strstr(o.reply.data, "miércoles 30 de septiembre, 8:00-10:00 AM"));
	bool shortened = false;
	for (size_t k = 0; k < o.n_quick; k++)
		shortened |= !strcmp(o.quick[k], "30 de septiembre, 8:00-10:00 AM");
	assert_true(shortened); /* with "miércoles" it is 41 characters */
	char labels[DIALOG_OFFERS_MAX][DIALOG_QUICK_BYTES];
	int n = (int)o.n_quick;
	assert_int_equal(n, s0.n_offers);
	for (int k = 0; k < n; k++)
		memcpy(labels[k], o.quick[k], sizeof labels[k]);
	for (int k = 0; k < n; k++) {
		s = s0;
		turn(&e, &s, labels[k], now + 30, &o);
		assert_int_equal(s.await, DIALOG_AWAIT_CONFIRM);
		assert_int_equal(s.chosen, k);
	}
	dialog_out_free(&o);
}

/* Asked which service, the customer gets the services by name (at most two a trade,
 * none without a trade of its own); each one sent back is that service. */
static void test_services(void **state)
{
	(void)state;
	struct dialog_env e = env_for(NULL, 1);
	struct dialog_state s0, s;
	struct dialog_out o;
	dialog_state_init(&s0);
	dialog_out_init(&o);
	int64_t now = at("2026-12-03T10:00:00-05:00");
	turn(&e, &s0, "I'd like to book an appointment", now, &o);
	assert_int_equal(s0.flow, DIALOG_FLOW_BOOK);
	assert_int_equal(s0.await, DIALOG_AWAIT_PROBLEM);
	const char *want[] = {"AC tune-up", "Furnace tune-up", "Drain cleaning", "Water heater repair",
			      "Electrical outlet / switch repair"};
	const char *codes[] = {"ac_tune_up", "furnace_tune_up", "drain_cleaning", "water_heater_repair",
			       "outlet_switch_repair"};
	assert_int_equal((int)o.n_quick, 5);
	for (int k = 0; k < 5; k++)
		assert_string_equal(o.quick[k], want[k]);
	for (int k = 0; k < 5; k++) {
		s = s0;
		turn(&e, &s, want[k], now + 30, &o);
		assert_string_equal(s.service_code, codes[k]);
		assert_int_equal(s.await, DIALOG_AWAIT_ADDRESS);
		assert_false(o.escalation.escalate);
		assert_int_equal((int)o.n_quick, 0); /* an address is the customer's to give */
	}
	/* with an address the windows follow */
	s = s0;
	turn(&e, &s, "Drain cleaning", now + 30, &o);
	turn(&e, &s, "It's 500 Oak Street, 28205", now + 60, &o);
	assert_int_equal(s.await, DIALOG_AWAIT_CHOICE);
	assert_int_equal((int)o.n_quick, s.n_offers);
	char second[DIALOG_QUICK_BYTES];
	memcpy(second, o.quick[1], sizeof second);
	turn(&e, &s, second, now + 90, &o);
	assert_int_equal(s.chosen, 1);
	assert_int_equal(s.await, DIALOG_AWAIT_CONFIRM);
	dialog_out_free(&o);
}

/* After a turn the AI did not understand, and when it asked whether a person is wanted,
 * "Talk to a person" is offered; sent back it hands the conversation over, and nothing
 * is offered once a person has it. */
static void test_person(void **state)
{
	(void)state;
	struct dialog_out o;
	dialog_out_init(&o);
	int64_t now = at("2026-12-03T10:00:00-05:00");
	const char *lines[][2] = {{"hi", "blah blah what"},
				  {"hola", "hmm la cosa esa"},
				  {"hi", "can you write me a poem about the ocean?"}};
	const char *person[] = {"Talk to a person", "Hablar con una persona", "Talk to a person"};
	for (int i = 0; i < 3; i++) {
		struct dialog_env e = env_for(NULL, 1);
		struct dialog_state s;
		dialog_state_init(&s);
		turn(&e, &s, lines[i][0], now, &o);
		assert_false(offered(&o, person[i]));
		turn(&e, &s, lines[i][1], now + 30, &o);
		assert_true(offered(&o, person[i]));
		turn(&e, &s, person[i], now + 60, &o);
		assert_true(o.escalation.escalate);
		assert_true(o.escalation.reasons & (1u << DIALOG_REASON_HUMAN_REQUEST));
		assert_non_null(find_action(&o, DIALOG_ACT_HANDOFF));
		assert_int_equal((int)o.n_quick, 0);
		turn(&e, &s, "hello?", now + 90, &o);
		assert_int_equal((int)o.n_quick, 0);
	}
	/* with nobody online the same reply promises a callback */
	struct dialog_env e = env_for(&linda, 0);
	struct dialog_state s;
	dialog_state_init(&s);
	turn(&e, &s, "blah blah what", now, &o);
	assert_true(offered(&o, "Talk to a person"));
	turn(&e, &s, "Talk to a person", now + 30, &o);
	assert_non_null(find_action(&o, DIALOG_ACT_CALLBACK));
	assert_int_equal((int)o.n_quick, 0);
	dialog_out_free(&o);
}

static void test_quick_json(void **state)
{
	(void)state;
	struct dialog_out o;
	dialog_out_init(&o);
	json_t *a = dialog_quick_json(&o);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	struct dialog_env e = env_for(&linda, 1);
	struct dialog_state s;
	dialog_state_init(&s);
	turn(&e, &s, "my furnace needs a tune-up", at("2026-12-03T10:00:00-05:00"), &o);
	a = dialog_quick_json(&o);
	assert_int_equal(json_array_size(a), 3);
	assert_string_equal(json_string_value(json_array_get(a, 2)), o.quick[2]);
	json_decref(a);
	dialog_out_free(&o);
	assert_int_equal((int)o.n_quick, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_windows_yes_no_english),
		cmocka_unit_test(test_windows_yes_no_spanish),
		cmocka_unit_test(test_long_window_label),
		cmocka_unit_test(test_services),
		cmocka_unit_test(test_person),
		cmocka_unit_test(test_quick_json),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
