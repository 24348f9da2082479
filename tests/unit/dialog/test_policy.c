/* test_policy.c: the escalation policy decides as the product's policy says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "dialog/dialog.h"

static struct dialog_thresholds th;

static struct dialog_turn_facts facts(const char *intent, double conf)
{
	struct dialog_turn_facts f = {.intent = intent, .confidence = conf};
	return f;
}

static int has(const struct dialog_escalation *e, enum dialog_reason r)
{
	return (e->reasons & (1u << r)) != 0;
}

static void test_routine_stays_with_ai(void **state)
{
	struct dialog_escalation e;
	struct dialog_turn_facts f = facts("book_service", 0.93);
	dialog_escalation_decide(&f, &th, true, &e);
	assert_false(e.escalate);
	assert_int_equal(e.priority, DIALOG_P_NONE);
	assert_int_equal(e.reasons, 0);
	assert_false(e.low_confidence_turn);
}

static void test_gas_smell_is_p1_with_safety_first(void **state)
{
	struct dialog_escalation e;
	struct dialog_turn_facts f = facts("emergency", 0.9);
	f.urgency = 3;
	dialog_escalation_decide(&f, &th, true, &e);
	assert_true(e.escalate);
	assert_int_equal(e.priority, DIALOG_P1);
	assert_true(e.safety_first);
	assert_false(e.page_oncall);
	assert_true(has(&e, DIALOG_REASON_LIFE_SAFETY));
	/* after hours the on-call technician is paged as well */
	dialog_escalation_decide(&f, &th, false, &e);
	assert_true(e.page_oncall);
}

static void test_flooding_is_p1_without_safety_script(void **state)
{
	struct dialog_escalation e;
	struct dialog_turn_facts f = facts("emergency", 0.8);
	f.urgency = 2;
	dialog_escalation_decide(&f, &th, false, &e);
	assert_int_equal(e.priority, DIALOG_P1);
	assert_false(e.safety_first);
	assert_true(e.page_oncall);
	assert_true(has(&e, DIALOG_REASON_PROPERTY_EMERGENCY));
	/* an emergency intent without graded urgency still goes to a person */
	f.urgency = 0;
	dialog_escalation_decide(&f, &th, true, &e);
	assert_true(has(&e, DIALOG_REASON_PROPERTY_EMERGENCY));
}

static void test_human_request_from_signal_or_intent(void **state)
{
	struct dialog_escalation e;
	struct dialog_turn_facts f = facts("greeting", 0.7);
	f.human_request = true;
	dialog_escalation_decide(&f, &th, true, &e);
	assert_true(e.escalate);
	assert_int_equal(e.priority, DIALOG_P2);
	assert_true(has(&e, DIALOG_REASON_HUMAN_REQUEST));
	f = facts("human_request", 0.95);
	dialog_escalation_decide(&f, &th, true, &e);
	assert_true(has(&e, DIALOG_REASON_HUMAN_REQUEST));
}

static void test_disputes_and_complaints(void **state)
{
	struct dialog_escalation e;
	struct dialog_turn_facts f = facts("billing_dispute", 0.9);
	dialog_escalation_decide(&f, &th, true, &e);
	assert_true(has(&e, DIALOG_REASON_BILLING_DISPUTE));
	assert_int_equal(e.priority, DIALOG_P2);
	f = facts("complaint", 0.9);
	dialog_escalation_decide(&f, &th, true, &e);
	assert_true(has(&e, DIALOG_REASON_COMPLAINT));
	f = facts("billing_question", 0.9);
	dialog_escalation_decide(&f, &th, true, &e);
	assert_false(e.escalate);
}

static void test_frustration_threshold(void **state)
{
	struct dialog_escalation e;
	struct dialog_turn_facts f = facts("appointment_status", 0.9);
	f.frustration = 0.59;
	dialog_escalation_decide(&f, &th, true, &e);
	assert_false(e.escalate);
	f.frustration = 0.6;
	dialog_escalation_decide(&f, &th, true, &e);
	assert_true(has(&e, DIALOG_REASON_FRUSTRATION));
	/* a tenant that raised its threshold keeps the conversation */
	struct dialog_thresholds lax = th;
	lax.frustration = 0.8;
	dialog_escalation_decide(&f, &lax, true, &e);
	assert_false(e.escalate);
}

static void test_chatbot_loop(void **state)
{
	struct dialog_escalation e;
	struct dialog_turn_facts f = facts("pricing", 0.30);
	dialog_escalation_decide(&f, &th, true, &e);
	assert_true(e.low_confidence_turn);
	assert_false(e.escalate); /* the first low-confidence turn gets a clarifying question */
	f.low_confidence_streak = 1;
	dialog_escalation_decide(&f, &th, true, &e);
	assert_true(has(&e, DIALOG_REASON_LOW_CONFIDENCE));
	assert_int_equal(e.priority, DIALOG_P2);
	/* yes/no never count as low confidence */
	f = facts("affirm", 0.2);
	f.low_confidence_streak = 5;
	dialog_escalation_decide(&f, &th, true, &e);
	assert_false(e.low_confidence_turn);
	assert_false(e.escalate);
}

static void test_repeated_failure(void **state)
{
	struct dialog_escalation e;
	struct dialog_turn_facts f = facts("reschedule", 0.9);
	f.failures_same_request = 1;
	dialog_escalation_decide(&f, &th, true, &e);
	assert_false(e.escalate);
	f.failures_same_request = 2;
	dialog_escalation_decide(&f, &th, true, &e);
	assert_true(has(&e, DIALOG_REASON_REPEATED_FAILURE));
}

static void test_highest_priority_wins_and_reasons_listed(void **state)
{
	struct dialog_escalation e;
	struct dialog_turn_facts f = facts("complaint", 0.9);
	f.urgency = 2;
	f.frustration = 0.9;
	dialog_escalation_decide(&f, &th, true, &e);
	assert_int_equal(e.priority, DIALOG_P1);
	char list[128];
	assert_int_equal(dialog_reasons_format(e.reasons, list, sizeof list), 3);
	assert_string_equal(list, "property_emergency,complaint,frustration");
	char tiny[10];
	dialog_reasons_format(e.reasons, tiny, sizeof tiny);
	assert_true(strlen(tiny) < sizeof tiny);
}

static void test_reason_names_round_trip(void **state)
{
	for (unsigned i = 0; i < DIALOG_REASON_COUNT; i++) {
		enum dialog_reason r;
		assert_int_equal(dialog_reason_parse(dialog_reason_name((enum dialog_reason)i), &r), 0);
		assert_int_equal(r, i);
	}
	enum dialog_reason r;
	assert_int_not_equal(dialog_reason_parse("nope", &r), 0);
	assert_string_equal(dialog_reason_name(DIALOG_REASON_COUNT), "unknown");
}

int main(void)
{
	dialog_thresholds_default(&th);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routine_stays_with_ai),
		cmocka_unit_test(test_gas_smell_is_p1_with_safety_first),
		cmocka_unit_test(test_flooding_is_p1_without_safety_script),
		cmocka_unit_test(test_human_request_from_signal_or_intent),
		cmocka_unit_test(test_disputes_and_complaints),
		cmocka_unit_test(test_frustration_threshold),
		cmocka_unit_test(test_chatbot_loop),
		cmocka_unit_test(test_repeated_failure),
		cmocka_unit_test(test_highest_priority_wins_and_reasons_listed),
		cmocka_unit_test(test_reason_names_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
