/* test_signals.c: urgency levels with their evidence, negation, frustration cues,
 * sentiment direction, requests for a person, bad input and the JSON form. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "base/err.h"
#include "nlu/extract.h"

#include <string.h>

static struct nlu_signals sig(const char *text)
{
	struct nlu_signals s;
	assert_int_equal(nlu_extract_signals(text, strlen(text), &s), 0);
	return s;
}

struct urgency_case {
	const char *text;
	int urgency;
	int evidence;   /* enum nlu_evidence_code expected, or -1 */
};

static const struct urgency_case urgency_cases[] = {
	{ "I smell gas in the kitchen", 3, NLU_EV_GAS_SMELL },
	{ "there's a gas smell near the furnace", 3, NLU_EV_GAS_SMELL },
	{ "huele a gas en la cocina", 3, NLU_EV_GAS_SMELL },
	{ "the CO detector is going off", 3, NLU_EV_CO_ALARM },
	{ "our carbon monoxide alarm keeps beeping", 3, NLU_EV_CO_ALARM },
	{ "the outlet is sparking", 3, NLU_EV_SPARKS },
	{ "sparks came out of the panel", 3, NLU_EV_SPARKS },
	{ "there's a burning smell from the vents", 3, NLU_EV_BURNING_SMELL },
	{ "smoke coming from the breaker box", 3, NLU_EV_SMOKE },
	{ "I think there's an electrical fire", 3, NLU_EV_ELECTRICAL_FIRE },
	{ "water is pouring through my ceiling", 2, NLU_EV_WATER_THROUGH_CEILING },
	{ "the basement is flooding", 2, NLU_EV_FLOODING },
	{ "a pipe burst under the sink", 2, NLU_EV_BURST_PIPE },
	{ "sewage backing up into the tub", 2, NLU_EV_SEWAGE },
	{ "the water heater is leaking all over", 2, NLU_EV_ACTIVE_LEAK },
	{ "no heat and it's 20 degrees", 2, NLU_EV_NO_HEAT_FREEZING },
	{ "furnace not working and it's freezing", 2, NLU_EV_NO_HEAT_FREEZING },
	{ "no heat, we have a newborn", 2, NLU_EV_NO_HEAT_FREEZING },
	{ "the AC is out and it's 98 degrees inside", 2, NLU_EV_NO_COOLING_EXTREME_HEAT },
	{ "no ac and my elderly mother lives with us", 2, NLU_EV_NO_COOLING_EXTREME_HEAT },
	{ "need someone asap, it's urgent", 1, NLU_EV_URGENT_WORDING },
	{ "can you come right away", 1, NLU_EV_URGENT_WORDING },
	{ "es urgente", 1, NLU_EV_URGENT_WORDING },
	{ "no tengo calefacción y hace mucho frío", 2, NLU_EV_NO_HEAT_FREEZING },
	{ "hay una fuga de agua en la cocina", 2, NLU_EV_ACTIVE_LEAK },
	{ "the gas meter is hissing", 3, NLU_EV_GAS_SMELL },
	{ "¡huele a gas en mi casa!", 3, NLU_EV_GAS_SMELL },
	{ "the CO monitor says 200 ppm", 3, NLU_EV_CO_ALARM },
	{ "the wires in the panel look burnt", 3, NLU_EV_BURNING_SMELL },
	{ "water is coming out of the ceiling fan", 2, NLU_EV_WATER_THROUGH_CEILING },
	{ "there's an inch of water on the basement floor", 2, NLU_EV_FLOODING },
	{ "the dishwasher line burst", 2, NLU_EV_BURST_PIPE },
	{ "the sewer line backed up into the house", 2, NLU_EV_SEWAGE },
	{ "our heat went out and it's supposed to get down to 10 tonight", 2, NLU_EV_NO_HEAT_FREEZING },
	{ "no heat its 18 out and I got kids", 2, NLU_EV_NO_HEAT_FREEZING },
	{ "my grandmother is 90 and the AC quit", 2, NLU_EV_NO_COOLING_EXTREME_HEAT },
	{ "the CO detector just needs replacing, it's chirping for a low battery", 0, -1 },
	{ "is someone coming to fix the leak under my sink", 0, -1 },
	{ "the bathroom sink drips a little", 0, -1 },
	{ "the hot water heater is out and it's freezing outside", 0, -1 },
	{ "I'd like a furnace tune-up next week", 0, -1 },
	{ "no heat but it's 60 degrees out, no rush", 0, -1 },
	{ "the AC is out, it's 80 degrees", 0, -1 },
	{ "no smell of gas, just a weird noise", 0, -1 },
	{ "I don't smell gas", 0, -1 },
	{ "it's not an emergency", 0, -1 },
	{ "there's no leak anymore", 0, -1 },
	{ "my smoke detector is chirping", 0, -1 },
	{ "can you install a fire alarm", 0, -1 },
	{ "without any sparks or smoke", 0, -1 },
	{ "it's 20 degrees outside, can I book a tune-up", 0, -1 },
	{ "I have a slow leak under the sink", 0, -1 },
	{ "the furnace won't fire up", 0, -1 },
	{ "is a gas leak check included", 0, -1 },
	{ "I had a leak last year that you fixed", 0, -1 },
	{ "the flood light is out", 0, -1 },
	{ "my toilet is overflowing", 2, NLU_EV_FLOODING },
	{ "the breaker keeps tripping and I smell something burning", 3, NLU_EV_BURNING_SMELL },
};

static void test_urgency(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof urgency_cases / sizeof urgency_cases[0]; k++) {
		const struct urgency_case *c = &urgency_cases[k];
		struct nlu_signals s = sig(c->text);
		if (s.urgency != c->urgency)
			fail_msg("\"%s\": urgency %d, want %d", c->text, s.urgency, c->urgency);
		if (c->evidence >= 0 && !nlu_signals_has(&s, (enum nlu_evidence_code)c->evidence))
			fail_msg("\"%s\": no %s", c->text,
				 nlu_evidence_name((enum nlu_evidence_code)c->evidence));
	}
}

static void test_evidence_spans(void **state)
{
	(void)state;
	const char *t = "hi, I smell gas and the outlet is sparking";
	struct nlu_signals s = sig(t);
	assert_int_equal(s.urgency, 3);
	assert_int_equal(s.evidence_count, 2);
	assert_int_equal(s.evidence[0].code, NLU_EV_GAS_SMELL);
	assert_int_equal(s.evidence[0].start, 6);
	assert_int_equal(s.evidence[0].end, 15);
	assert_int_equal(s.evidence[1].code, NLU_EV_SPARKS);
	assert_memory_equal(t + s.evidence[1].start, "sparking", 8);
}

struct frustration_case {
	const char *text;
	int evidence;
};

static const struct frustration_case frustration_cases[] = {
	{ "WHY IS NOBODY ANSWERING", NLU_EV_SHOUTING },
	{ "where is the tech!!!", NLU_EV_REPEATED_PUNCTUATION },
	{ "hello???", NLU_EV_REPEATED_PUNCTUATION },
	{ "this damn thing broke", NLU_EV_PROFANITY },
	{ "what the hell is going on", NLU_EV_PROFANITY },
	{ "this is the third time I've called", NLU_EV_REPEAT_CONTACT },
	{ "how many times do I have to explain", NLU_EV_REPEAT_CONTACT },
	{ "the leak is back again", NLU_EV_AGAIN },
	{ "this is ridiculous", NLU_EV_RIDICULOUS },
	{ "that is unacceptable", NLU_EV_UNACCEPTABLE },
	{ "I'm fed up with this", NLU_EV_UNACCEPTABLE },
	{ "great, just great", NLU_EV_SARCASM },
	{ "thanks for nothing", NLU_EV_SARCASM },
};

static void test_frustration(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof frustration_cases / sizeof frustration_cases[0]; k++) {
		const struct frustration_case *c = &frustration_cases[k];
		struct nlu_signals s = sig(c->text);
		if (!nlu_signals_has(&s, (enum nlu_evidence_code)c->evidence))
			fail_msg("\"%s\": no %s", c->text,
				 nlu_evidence_name((enum nlu_evidence_code)c->evidence));
		if (!(s.frustration > 0.1))
			fail_msg("\"%s\": frustration %.3f", c->text, s.frustration);
		if (!(s.sentiment < 0))
			fail_msg("\"%s\": sentiment %.3f", c->text, s.sentiment);
	}
	/* calm messages and ordinary capitals */
	static const char *const calm[] = {
		"can you service my AC on Friday?",
		"I need an HVAC tune-up, ASAP is fine",
		"OK thanks",
		"hello, what are your hours?",
	};
	for (size_t k = 0; k < sizeof calm / sizeof calm[0]; k++) {
		struct nlu_signals s = sig(calm[k]);
		if (s.frustration != 0)
			fail_msg("\"%s\": frustration %.3f", calm[k], s.frustration);
		assert_false(nlu_signals_has(&s, NLU_EV_SHOUTING));
	}
	/* more cues, more frustration */
	struct nlu_signals one = sig("this is ridiculous");
	struct nlu_signals many = sig("THIS IS RIDICULOUS!!! third time calling, damn it");
	assert_true(many.frustration > one.frustration);
	assert_true(many.frustration <= 1.0);
	assert_true(many.sentiment < one.sentiment);
	assert_true(many.sentiment >= -1.0);
}

static void test_sentiment(void **state)
{
	(void)state;
	struct nlu_signals pos = sig("thank you so much, the tech was excellent and friendly");
	assert_true(pos.sentiment > 0.3);
	assert_true(pos.sentiment <= 1.0);
	assert_true(nlu_signals_has(&pos, NLU_EV_POSITIVE));
	struct nlu_signals neg = sig("the technician was rude and the work is terrible");
	assert_true(neg.sentiment < -0.3);
	assert_true(nlu_signals_has(&neg, NLU_EV_NEGATIVE));
	struct nlu_signals flipped = sig("I'm not happy with the repair");
	assert_true(flipped.sentiment < 0);
	struct nlu_signals neutral = sig("what time do you open on Saturday");
	assert_true(neutral.sentiment == 0);
	struct nlu_signals sarcastic = sig("oh great, the AC broke again");
	assert_true(sarcastic.sentiment < 0);
}

static void test_human_request(void **state)
{
	(void)state;
	static const char *const direct[] = {
		"let me talk to a real person",
		"agent",
		"representative please",
		"operator!",
		"I want to speak to a manager",
		"quiero hablar con una persona",
		"transfer me to someone",
	};
	for (size_t k = 0; k < sizeof direct / sizeof direct[0]; k++) {
		struct nlu_signals s = sig(direct[k]);
		if (!s.human_request || !nlu_signals_has(&s, NLU_EV_DIRECT_REQUEST))
			fail_msg("\"%s\": no direct request", direct[k]);
	}
	static const char *const more_direct[] = {
		"human", "rep pls", "0", "get me a person", "I don't want to talk to a bot",
		"no quiero hablar con un robot", "I'm done with the chatbot",
	};
	for (size_t k = 0; k < sizeof more_direct / sizeof more_direct[0]; k++) {
		struct nlu_signals s = sig(more_direct[k]);
		if (!s.human_request)
			fail_msg("\"%s\": no request", more_direct[k]);
	}
	static const char *const not_requests[] = {
		"is anyone in the office now", "hi, anyone there?",
		"I'd like to speak about a bad experience", "send it to my property manager",
		"I have 0 complaints", "the person who came was great",
	};
	for (size_t k = 0; k < sizeof not_requests / sizeof not_requests[0]; k++) {
		struct nlu_signals s = sig(not_requests[k]);
		if (s.human_request)
			fail_msg("\"%s\": unexpected request", not_requests[k]);
	}
	static const char *const indirect[] = {
		"is there someone I can actually talk to?",
		"can I speak with somebody about this bill",
		"I need to talk to someone who can help",
	};
	for (size_t k = 0; k < sizeof indirect / sizeof indirect[0]; k++) {
		struct nlu_signals s = sig(indirect[k]);
		if (!s.human_request)
			fail_msg("\"%s\": no request", indirect[k]);
	}
	struct nlu_signals bot = sig("are you a bot?");
	assert_true(nlu_signals_has(&bot, NLU_EV_BOT_QUESTION));
	assert_false(bot.human_request);
	struct nlu_signals bot2 = sig("are you a bot? this is ridiculous");
	assert_true(bot2.human_request);
	struct nlu_signals no = sig("I don't need to talk to a person, just book me");
	assert_false(no.human_request);
	struct nlu_signals ins = sig("my agent at the insurance company said to call");
	assert_false(ins.human_request);
	struct nlu_signals none = sig("book me for Friday");
	assert_false(none.human_request);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct nlu_signals s;
	s.urgency = 3;
	assert_int_equal(nlu_extract_signals("gas \xff", 5, &s), -TN_EPARSE);
	assert_int_equal(s.urgency, 0);
	assert_int_equal(s.evidence_count, 0);
	assert_int_equal(nlu_extract_signals(NULL, 1, &s), -EINVAL);
	assert_int_equal(nlu_extract_signals("x", 1, NULL), -EINVAL);
	assert_int_equal(nlu_extract_signals("", 0, &s), 0);
	assert_int_equal(s.urgency, 0);
	/* evidence is bounded */
	const char *t = "gas smell, sparks, smoke, fire, flooding, burst pipe, sewage, leak, "
			"urgent, ridiculous, unacceptable, damn, again, third time, just great, "
			"agent, WHY WHY!!! baby elderly terrible awful";
	assert_int_equal(nlu_extract_signals(t, strlen(t), &s), 0);
	assert_int_equal(s.evidence_count, NLU_EVIDENCE_MAX);
	assert_int_equal(s.urgency, 3);
	for (size_t k = 1; k < s.evidence_count; k++)
		assert_true(s.evidence[k].start >= s.evidence[k - 1].start);
}

static void test_json(void **state)
{
	(void)state;
	struct nlu_signals s = sig("I SMELL GAS!!! get me a real person");
	json_t *j = NULL;
	assert_int_equal(nlu_signals_to_json(&s, &j), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "urgency")), 3);
	assert_true(json_is_true(json_object_get(j, "human_request")));
	assert_true(json_real_value(json_object_get(j, "sentiment")) < 0);
	assert_true(json_real_value(json_object_get(j, "frustration")) > 0);
	json_t *ev = json_object_get(j, "evidence");
	assert_true(json_array_size(ev) >= 3);
	bool gas = false;
	for (size_t k = 0; k < json_array_size(ev); k++) {
		json_t *e = json_array_get(ev, k);
		if (strcmp(json_string_value(json_object_get(e, "code")), "gas_smell") == 0) {
			gas = true;
			assert_int_equal(json_integer_value(json_array_get(json_object_get(e, "span"), 0)), 2);
		}
	}
	assert_true(gas);
	json_decref(j);
	assert_string_equal(nlu_evidence_name(NLU_EV_NO_HEAT_FREEZING), "no_heat_freezing");
	assert_string_equal(nlu_evidence_name(NLU_EV__COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urgency),
		cmocka_unit_test(test_evidence_spans),
		cmocka_unit_test(test_frustration),
		cmocka_unit_test(test_sentiment),
		cmocka_unit_test(test_human_request),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
