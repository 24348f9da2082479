/* test_assist.c: the agent's assist panel: mood, form, slots, suggestions, wrap-up draft
 * and the panel JSON, for a plumbing, HVAC and electrical business in New York time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "assist/assist.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/tz.h"
#include "kb/kb.h"

static const char *const area[] = {"28202", "28203", "28277"};
static const struct assist_service services[] = {
	{"service_call", "Diagnostic / service call", "general", 1},
	{"ac_tune_up", "AC tune-up", "hvac", 1},
	{"drain_cleaning", "Drain cleaning", "plumbing", 1},
	{"water_heater_repair", "Water heater repair", "plumbing", 1},
	{"panel_upgrade", "Panel upgrade", "electrical", 5},
};
static const char *const tech_names[] = {"Dana Whitfield", "Marcus Bell", "Luis Ortega"};
static const struct assist_article articles[] = {
	{"1", "Business hours"},
	{"2", "Water heater warranty"},
};

struct fixture {
	struct schedule_business biz;
	struct schedule_technician techs[3];
	struct schedule_range windows[5];
	struct schedule_booking bookings[2];
	struct schedule_calendar cal;
	struct kb_index *kb;
	struct assist_context ctx;
};

static struct fixture F;

static void hours(struct schedule_day h[7])
{
	memset(h, 0, 7 * sizeof *h);
	for (int w = 1; w <= 5; w++)
		h[w] = (struct schedule_day){{{7 * 60, 18 * 60}}, 1};
}

static int64_t local(int y, int mo, int d, int h, int mi)
{
	int64_t t;
	assert_int_equal(tz_from_local(F.biz.zone, y, mo, d, h, mi, 0, TZ_EARLIER, &t), 0);
	return t;
}

static int setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof F);
	const struct tz *zone;
	assert_int_equal(tz_get("America/New_York", &zone), 0);
	F.biz.zone = zone;
	hours(F.biz.hours);
	for (int i = 0; i < 5; i++)
		F.windows[i] = (struct schedule_range){(8 + 2 * i) * 60, (10 + 2 * i) * 60};
	F.biz.windows = F.windows;
	F.biz.n_windows = 5;
	F.biz.zips = area;
	F.biz.n_zips = 3;
	const enum schedule_trade tr[3] = {SCHEDULE_TRADE_PLUMBING, SCHEDULE_TRADE_HVAC,
					   SCHEDULE_TRADE_ELECTRICAL};
	for (int i = 0; i < 3; i++) {
		F.techs[i].id = 10 + i;
		F.techs[i].name = tech_names[i];
		F.techs[i].trades = SCHEDULE_TRADE_BIT(tr[i]);
		hours(F.techs[i].hours);
	}
	F.cal.business = &F.biz;
	F.cal.techs = F.techs;
	F.cal.n_techs = 3;
	assert_int_equal(kb_index_new(&F.kb), 0);
	assert_int_equal(kb_index_add(F.kb, "1", "Business hours",
				      "We are open Monday to Friday from 7 AM to 6 PM.", "hours open"), 0);
	assert_int_equal(kb_index_add(F.kb, "2", "Water heater warranty",
				      "Water heaters we install carry a six year tank warranty.",
				      "warranty"), 0);
	F.ctx.now = local(2026, 12, 2, 9, 0);  /* Wednesday 9 AM */
	F.ctx.zone = zone;
	F.ctx.business = "Brightline";
	F.ctx.agent = "Avery";
	F.ctx.services = services;
	F.ctx.n_services = sizeof services / sizeof *services;
	F.ctx.kb = F.kb;
	F.ctx.articles = articles;
	F.ctx.n_articles = 2;
	F.ctx.calendar = &F.cal;
	F.ctx.tech_names = tech_names;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kb_index_free(F.kb);
	return 0;
}

static void names_round_trip(void **state)
{
	(void)state;
	for (int i = 0; i < ASSIST_SPEAKER_COUNT; i++) {
		enum assist_speaker s;
		assert_int_equal(assist_speaker_parse(assist_speaker_name((enum assist_speaker)i), &s), 0);
		assert_int_equal(s, i);
	}
	enum assist_speaker s;
	assert_int_equal(assist_speaker_parse("robot", &s), -EINVAL);
	assert_string_equal(assist_speaker_name(ASSIST_SPEAKER_COUNT), "?");
	assert_string_equal(assist_source_name(ASSIST_SOURCE_KB), "kb");
}

static void mood_follows_the_customer(void **state)
{
	(void)state;
	struct assist_message msgs[] = {
		{ASSIST_CUSTOMER, "Hi, thanks so much, great service last time", 0},
		{ASSIST_AI, "How can I help?", 0},
		{ASSIST_CUSTOMER, "Water is pouring through the ceiling!!! This is ridiculous", 0},
	};
	F.ctx.messages = msgs;
	F.ctx.n_messages = 3;
	struct assist_mood m;
	assert_int_equal(assist_mood(&F.ctx, &m), 0);
	assert_int_equal(m.customer_messages, 2);
	assert_int_equal(m.urgency, 2);
	assert_true(m.frustration >= 0.3);
	assert_true(m.sentiment < 0);
	assert_string_equal(m.trend, "worsening");

	/* nothing from the customer: neutral */
	F.ctx.n_messages = 0;
	assert_int_equal(assist_mood(&F.ctx, &m), 0);
	assert_int_equal(m.customer_messages, 0);
	assert_int_equal(m.urgency, 0);
	assert_string_equal(m.trend, "steady");
	assert_int_equal(assist_mood(NULL, &m), -EINVAL);
}

static void form_takes_the_newest_values(void **state)
{
	(void)state;
	struct assist_message msgs[] = {
		{ASSIST_CUSTOMER, "my water heater is leaking, call me at 704-555-0100", 0},
		{ASSIST_AI, "I can help with that. What's the address?", 0},
		{ASSIST_CUSTOMER, "This is Linda Smith, 412 Elm Street, Charlotte 28203. "
				  "Actually use 704-555-0182 and linda@example.com, tomorrow morning", 0},
		{ASSIST_CUSTOMER, "\xff\xfe not text", 0},
	};
	F.ctx.messages = msgs;
	F.ctx.n_messages = 4;
	struct assist_form f;
	assert_int_equal(assist_form_fill(&F.ctx, &f), 0);
	assert_string_equal(f.equipment, "water_heater");
	assert_string_equal(f.trade, "plumbing");
	assert_string_equal(f.service, "water_heater_repair");
	assert_string_equal(f.phone, "+17045550182");
	assert_string_equal(f.email, "linda@example.com");
	assert_string_equal(f.zip, "28203");
	assert_non_null(strstr(f.address, "412 Elm"));
	assert_non_null(strstr(f.name, "Linda"));
	assert_string_equal(f.preferred, "tomorrow morning");
	assert_true(f.pref_start >= local(2026, 12, 3, 0, 0));
	assert_true(f.pref_start < local(2026, 12, 4, 0, 0));

	/* no equipment: the trade from the words, the general service call */
	struct assist_message leak[] = {{ASSIST_CUSTOMER, "water is coming through my ceiling", 0}};
	F.ctx.messages = leak;
	F.ctx.n_messages = 1;
	assert_int_equal(assist_form_fill(&F.ctx, &f), 0);
	assert_string_equal(f.trade, "plumbing");
	assert_string_equal(f.service, "service_call");
	assert_string_equal(f.phone, "");
	assert_string_equal(f.preferred, "");
}

static void slots_respect_trade_bookings_and_area(void **state)
{
	(void)state;
	struct assist_form f;
	memset(&f, 0, sizeof f);
	strcpy(f.service, "water_heater_repair");
	strcpy(f.trade, "plumbing");
	strcpy(f.zip, "28203");
	struct assist_slot s[ASSIST_SLOTS_MAX];
	int n = assist_slots(&F.ctx, &f, s, ASSIST_SLOTS_MAX);
	assert_int_equal(n, ASSIST_SLOTS_MAX);
	/* 9 AM now, one hour lead: 10-12 is the first window, with the plumber */
	assert_int_equal(s[0].start, local(2026, 12, 2, 10, 0));
	assert_int_equal(s[0].end, local(2026, 12, 2, 12, 0));
	assert_int_equal(s[0].technician_id, 10);
	assert_string_equal(s[0].technician, "Dana Whitfield");
	assert_string_equal(s[0].label, "Wed Dec 2, 10:00 AM-12:00 PM");
	assert_string_equal(s[1].label, "Wed Dec 2, 12:00-2:00 PM");

	/* a booking takes the plumber's first window */
	F.bookings[0] = (struct schedule_booking){10, local(2026, 12, 2, 10, 0),
						  local(2026, 12, 2, 12, 0), SCHEDULE_JOB_SCHEDULED,
						  NULL, NULL, NULL};
	F.cal.bookings = F.bookings;
	F.cal.n_bookings = 1;
	n = assist_slots(&F.ctx, &f, s, 2);
	assert_int_equal(n, 2);
	assert_int_equal(s[0].start, local(2026, 12, 2, 12, 0));
	F.cal.n_bookings = 0;

	/* a preferred day */
	f.pref_start = local(2026, 12, 4, 12, 0);
	f.pref_end = local(2026, 12, 4, 18, 0);
	n = assist_slots(&F.ctx, &f, s, 1);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].start, local(2026, 12, 4, 12, 0));
	f.pref_start = f.pref_end = 0;

	/* a general job goes to any technician */
	strcpy(f.service, "service_call");
	f.trade[0] = '\0';
	n = assist_slots(&F.ctx, &f, s, 3);
	assert_int_equal(n, 3);
	assert_int_equal(s[0].start, local(2026, 12, 2, 10, 0));
	assert_int_equal(s[1].start, local(2026, 12, 2, 12, 0));

	/* outside the service area */
	strcpy(f.zip, "90210");
	assert_int_equal(assist_slots(&F.ctx, &f, s, 3), -TN_ENOTFOUND);

	/* no calendar, no slots */
	F.ctx.calendar = NULL;
	assert_int_equal(assist_slots(&F.ctx, &f, s, 3), 0);
	F.ctx.calendar = &F.cal;
}

static bool has_text(const struct assist_suggestion *s, int n, const char *needle,
		     enum assist_source src)
{
	for (int i = 0; i < n; i++)
		if (s[i].source == src && strstr(s[i].text, needle))
			return true;
	return false;
}

static void suggestions_fit_the_situation(void **state)
{
	(void)state;
	struct assist_message msgs[] = {
		{ASSIST_CUSTOMER, "My name is Linda Smith. Water is pouring through the ceiling!", 0},
		{ASSIST_AI, "I'm getting a person for you.", 0},
	};
	F.ctx.messages = msgs;
	F.ctx.n_messages = 2;
	struct assist_mood m;
	struct assist_form f;
	struct assist_slot slots[2];
	struct assist_suggestion s[ASSIST_SUGGESTIONS_MAX];
	assert_int_equal(assist_mood(&F.ctx, &m), 0);
	assert_int_equal(assist_form_fill(&F.ctx, &f), 0);
	int ns = assist_slots(&F.ctx, &f, slots, 2);
	assert_int_equal(ns, 2);
	int n = assist_suggest(&F.ctx, &m, &f, slots, (size_t)ns, s, ASSIST_SUGGESTIONS_MAX);
	assert_true(n >= 4);
	/* the greeting first, with both names, then the water */
	assert_int_equal(s[0].source, ASSIST_SOURCE_TEMPLATE);
	assert_non_null(strstr(s[0].text, "Hi Linda, this is Avery with Brightline"));
	assert_non_null(strstr(s[1].text, "shut off the water"));
	assert_true(has_text(s, n, slots[0].label, ASSIST_SOURCE_TEMPLATE));
	assert_true(has_text(s, n, "address", ASSIST_SOURCE_TEMPLATE));

	/* once the agent has spoken, no greeting; a question goes to the knowledge base */
	struct assist_message later[] = {
		{ASSIST_CUSTOMER, "hello", 0},
		{ASSIST_AGENT, "Hi, this is Avery.", 0},
		{ASSIST_CUSTOMER, "What are your hours on Monday? I'm at 412 Elm Street 28203, "
				  "704-555-0182, Linda", 0},
	};
	F.ctx.messages = later;
	F.ctx.n_messages = 3;
	assert_int_equal(assist_mood(&F.ctx, &m), 0);
	assert_int_equal(assist_form_fill(&F.ctx, &f), 0);
	n = assist_suggest(&F.ctx, &m, &f, NULL, 0, s, ASSIST_SUGGESTIONS_MAX);
	assert_true(n >= 1);
	assert_false(has_text(s, n, "taking it from here", ASSIST_SOURCE_TEMPLATE));
	assert_false(has_text(s, n, "shut off", ASSIST_SOURCE_TEMPLATE));
	assert_true(has_text(s, n, "Monday to Friday", ASSIST_SOURCE_KB));
	bool kb1 = false;
	for (int i = 0; i < n; i++)
		if (s[i].source == ASSIST_SOURCE_KB && !strcmp(s[i].kb_id, "1"))
			kb1 = true;
	assert_true(kb1);

	/* max bounds the output */
	assert_int_equal(assist_suggest(&F.ctx, &m, &f, NULL, 0, s, 1), 1);
	assert_int_equal(assist_suggest(&F.ctx, NULL, &f, NULL, 0, s, 1), -EINVAL);
}

static void frustration_brings_an_apology(void **state)
{
	(void)state;
	struct assist_message msgs[] = {
		{ASSIST_CUSTOMER, "This is the THIRD time I'm writing!!! Unacceptable. "
				  "Nobody ever calls back, ridiculous", 0},
	};
	F.ctx.messages = msgs;
	F.ctx.n_messages = 1;
	struct assist_mood m;
	struct assist_form f;
	struct assist_suggestion s[ASSIST_SUGGESTIONS_MAX];
	assert_int_equal(assist_mood(&F.ctx, &m), 0);
	assert_true(m.frustration >= 0.5);
	assert_int_equal(assist_form_fill(&F.ctx, &f), 0);
	int n = assist_suggest(&F.ctx, &m, &f, NULL, 0, s, ASSIST_SUGGESTIONS_MAX);
	assert_true(has_text(s, n, "I'm sorry", ASSIST_SOURCE_TEMPLATE));
}

static void wrapup_draft_summarises(void **state)
{
	(void)state;
	struct assist_message msgs[] = {
		{ASSIST_CUSTOMER, "Water is pouring through the ceiling of my kitchen", 0},
		{ASSIST_AI, "I'm getting a person for you.", 0},
		{ASSIST_AGENT, "Hi, this is Avery.", 0},
		{ASSIST_CUSTOMER, "I'm Linda Smith, 412 Elm Street 28203, 704-555-0182", 0},
	};
	F.ctx.messages = msgs;
	F.ctx.n_messages = 4;
	struct buf b = BUF_INIT;
	assert_int_equal(assist_wrapup_draft(&F.ctx, "Booked a plumber for Wed Dec 2, 10-12", &b), 0);
	assert_int_equal(buf_putc(&b, '\0'), 0);
	const char *t = b.data;
	assert_non_null(strstr(t, "Linda"));
	assert_non_null(strstr(t, "+17045550182"));
	assert_non_null(strstr(t, "Reported: \"Water is pouring through the ceiling of my kitchen\""));
	assert_non_null(strstr(t, "412 Elm"));
	assert_non_null(strstr(t, "Urgency: property damage"));
	assert_non_null(strstr(t, "2 from the customer, 1 from the AI, 1 from the agent"));
	assert_non_null(strstr(t, "Outcome: Booked a plumber"));
	buf_free(&b);
	assert_int_equal(assist_wrapup_draft(&F.ctx, NULL, NULL), -EINVAL);
}

static void panel_json_has_every_part(void **state)
{
	(void)state;
	struct assist_message msgs[] = {
		{ASSIST_CUSTOMER, "My water heater is leaking, I'm at 412 Elm Street 28203", 0},
	};
	F.ctx.messages = msgs;
	F.ctx.n_messages = 1;
	json_t *p = NULL;
	assert_int_equal(assist_panel(&F.ctx, &p), 0);
	assert_non_null(p);
	assert_true(json_is_number(json_object_get(p, "sentiment")));
	assert_true(json_is_number(json_object_get(p, "frustration")));
	assert_int_equal(json_integer_value(json_object_get(p, "urgency")), 2);
	json_t *sl = json_object_get(p, "slots");
	assert_true(json_array_size(sl) >= 1);
	json_t *s0 = json_array_get(sl, 0);
	assert_string_equal(json_string_value(json_object_get(s0, "start")),
			    "2026-12-02T10:00:00-05:00");
	assert_string_equal(json_string_value(json_object_get(s0, "technician")), "Dana Whitfield");
	json_t *f = json_object_get(p, "form");
	assert_string_equal(json_string_value(json_object_get(f, "service")), "water_heater_repair");
	assert_string_equal(json_string_value(json_object_get(f, "zip")), "28203");
	json_t *kb = json_object_get(p, "kb");
	assert_true(json_array_size(kb) >= 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(kb, 0), "title")),
			    "Water heater warranty");
	assert_true(json_array_size(json_object_get(p, "suggestions")) >= 2);
	json_decref(p);

	/* out of the area: no slots, the rest still there */
	struct assist_message far[] = {{ASSIST_CUSTOMER, "leaking pipe at 1 Main Street 90210", 0}};
	F.ctx.messages = far;
	assert_int_equal(assist_panel(&F.ctx, &p), 0);
	assert_int_equal(json_array_size(json_object_get(p, "slots")), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(p, "form"), "zip")),
			    "90210");
	json_decref(p);
	assert_int_equal(assist_panel(NULL, &p), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_round_trip),
		cmocka_unit_test_setup_teardown(mood_follows_the_customer, setup, teardown),
		cmocka_unit_test_setup_teardown(form_takes_the_newest_values, setup, teardown),
		cmocka_unit_test_setup_teardown(slots_respect_trade_bookings_and_area, setup, teardown),
		cmocka_unit_test_setup_teardown(suggestions_fit_the_situation, setup, teardown),
		cmocka_unit_test_setup_teardown(frustration_brings_an_apology, setup, teardown),
		cmocka_unit_test_setup_teardown(wrapup_draft_summarises, setup, teardown),
		cmocka_unit_test_setup_teardown(panel_json_has_every_part, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
