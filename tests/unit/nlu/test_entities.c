/* test_entities.c: phone, email, ZIP, address, job and invoice numbers, money, equipment
 * and names: canonical values, spans, what must not be read as an entity, bad input and
 * the JSON form. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "base/err.h"
#include "base/tz.h"
#include "nlu/extract.h"

#include <stdlib.h>
#include <string.h>

struct ent_case {
	const char *text;
	enum nlu_entity_type type;
	const char *value;    /* canonical value; for money the amount as "%.2f" */
	const char *surface;  /* the text span expected, or NULL to skip */
};

static const struct ent_case cases[] = {
	{ "my number is 704 555 0182", NLU_ENT_PHONE, "+17045550182", "704 555 0182" },
	{ "(704) 555-0182", NLU_ENT_PHONE, "+17045550182", "(704) 555-0182" },
	{ "call 704-555-0182 please", NLU_ENT_PHONE, "+17045550182", "704-555-0182" },
	{ "704.555.0182", NLU_ENT_PHONE, "+17045550182", NULL },
	{ "text 7045550182", NLU_ENT_PHONE, "+17045550182", "7045550182" },
	{ "+1 704 555 0182", NLU_ENT_PHONE, "+17045550182", "+1 704 555 0182" },
	{ "1-704-555-0182", NLU_ENT_PHONE, "+17045550182", "1-704-555-0182" },
	{ "+17045550182", NLU_ENT_PHONE, "+17045550182", NULL },
	{ "call me at 980 555 1234 after 5", NLU_ENT_PHONE, "+19805551234", "980 555 1234" },
	{ "new number (980)555-1234.", NLU_ENT_PHONE, "+19805551234", "(980)555-1234" },
	{ "Linda.Smith@Example.COM", NLU_ENT_EMAIL, "linda.smith@example.com", NULL },
	{ "email me at bob_99+hvac@mail.co.uk.", NLU_ENT_EMAIL, "bob_99+hvac@mail.co.uk",
	  "bob_99+hvac@mail.co.uk" },
	{ "it's JANE@GMAIL.COM thanks", NLU_ENT_EMAIL, "jane@gmail.com", "JANE@GMAIL.COM" },
	{ "do you cover Matthews 28105?", NLU_ENT_ZIP, "28105", "28105" },
	{ "zip code 28207", NLU_ENT_ZIP, "28207", NULL },
	{ "I'm in 28173", NLU_ENT_ZIP, "28173", NULL },
	{ "1420 providence rd charlotte 28207", NLU_ENT_ZIP, "28207", NULL },
	{ "1420 providence rd charlotte 28207", NLU_ENT_ADDRESS,
	  "1420 providence rd charlotte 28207", NULL },
	{ "we're at 123  Oak   St, Charlotte, NC 28202 by the park", NLU_ENT_ADDRESS,
	  "123 Oak St, Charlotte, NC 28202", NULL },
	{ "4500 Park Rd Apt 4B", NLU_ENT_ADDRESS, "4500 Park Rd Apt 4B", NULL },
	{ "the house is 88 W 5th Street", NLU_ENT_ADDRESS, "88 W 5th Street", NULL },
	{ "job 48213", NLU_ENT_JOB_NUMBER, "J-48213", "job 48213" },
	{ "work order #48213", NLU_ENT_JOB_NUMBER, "J-48213", "work order #48213" },
	{ "my job number is 48213", NLU_ENT_JOB_NUMBER, "J-48213", NULL },
	{ "ref J-48213", NLU_ENT_JOB_NUMBER, "J-48213", "J-48213" },
	{ "WO-777123", NLU_ENT_JOB_NUMBER, "J-777123", NULL },
	{ "invoice 5521", NLU_ENT_INVOICE_NUMBER, "INV-5521", "invoice 5521" },
	{ "about invoice #5521", NLU_ENT_INVOICE_NUMBER, "INV-5521", NULL },
	{ "INV-5521 is wrong", NLU_ENT_INVOICE_NUMBER, "INV-5521", "INV-5521" },
	{ "invoice number: 99120", NLU_ENT_INVOICE_NUMBER, "INV-99120", NULL },
	{ "it was $189", NLU_ENT_MONEY, "189.00", "$189" },
	{ "189 bucks for that?", NLU_ENT_MONEY, "189.00", "189 bucks" },
	{ "two hundred dollars", NLU_ENT_MONEY, "200.00", "two hundred dollars" },
	{ "they quoted $3,200", NLU_ENT_MONEY, "3200.00", "$3,200" },
	{ "$89.50", NLU_ENT_MONEY, "89.50", NULL },
	{ "a hundred bucks", NLU_ENT_MONEY, "100.00", NULL },
	{ "$15/month plan", NLU_ENT_MONEY, "15.00", "$15" },
	{ "150 dollars", NLU_ENT_MONEY, "150.00", NULL },
	{ "two hundred and fifty dollars", NLU_ENT_MONEY, "250.00", NULL },
	{ "the AC is blowing warm air", NLU_ENT_EQUIPMENT, "air_conditioner", "AC" },
	{ "my a/c quit", NLU_ENT_EQUIPMENT, "air_conditioner", "a/c" },
	{ "the air conditioner", NLU_ENT_EQUIPMENT, "air_conditioner", NULL },
	{ "the heater is off", NLU_ENT_EQUIPMENT, "furnace", NULL },
	{ "hot water heater leaking", NLU_ENT_EQUIPMENT, "water_heater", "hot water heater" },
	{ "furnace tune-up", NLU_ENT_EQUIPMENT, "furnace", NULL },
	{ "the breaker box buzzes", NLU_ENT_EQUIPMENT, "electrical_panel", "breaker box" },
	{ "heat pump", NLU_ENT_EQUIPMENT, "heat_pump", NULL },
	{ "la bomba de calor no calienta", NLU_ENT_EQUIPMENT, "heat_pump", "bomba de calor" },
	{ "the outside unit is iced up", NLU_ENT_EQUIPMENT, "air_conditioner", "outside unit" },
	{ "install a tankless water heater", NLU_ENT_EQUIPMENT, "tankless_water_heater", NULL },
	{ "mini split in the garage", NLU_ENT_EQUIPMENT, "mini_split", NULL },
	{ "garbage disposal is jammed", NLU_ENT_EQUIPMENT, "garbage_disposal", NULL },
	{ "sump pump", NLU_ENT_EQUIPMENT, "sump_pump", NULL },
	{ "ceiling fan wobbles", NLU_ENT_EQUIPMENT, "ceiling_fan", NULL },
	{ "EV charger install", NLU_ENT_EQUIPMENT, "ev_charger", NULL },
	{ "smoke detector chirping", NLU_ENT_EQUIPMENT, "smoke_detector", NULL },
	{ "carbon monoxide detector", NLU_ENT_EQUIPMENT, "co_detector", NULL },
	{ "thermostat is blank", NLU_ENT_EQUIPMENT, "thermostat", NULL },
	{ "toilet runs", NLU_ENT_EQUIPMENT, "toilet", NULL },
	{ "kitchen faucet drips", NLU_ENT_EQUIPMENT, "faucet", NULL },
	{ "the boiler", NLU_ENT_EQUIPMENT, "boiler", NULL },
	{ "standby generator", NLU_ENT_EQUIPMENT, "generator", NULL },
	{ "an outlet sparked", NLU_ENT_EQUIPMENT, "outlet", NULL },
	{ "the circuit breaker trips", NLU_ENT_EQUIPMENT, "breaker", NULL },
	{ "sewer line backup", NLU_ENT_EQUIPMENT, "sewer_line", NULL },
	{ "main water line", NLU_ENT_EQUIPMENT, "water_line", NULL },
	{ "shower drain clogged", NLU_ENT_EQUIPMENT, "drain", NULL },
	{ "clean the ductwork", NLU_ENT_EQUIPMENT, "ductwork", NULL },
	{ "hi, this is Linda Smith", NLU_ENT_PERSON_NAME, "Linda Smith", "Linda Smith" },
	{ "my name is john doe", NLU_ENT_PERSON_NAME, "john doe", NULL },
	{ "me llamo María García", NLU_ENT_PERSON_NAME, "María García", NULL },
	{ "Hi, I'm Marcus, my AC died", NLU_ENT_PERSON_NAME, "Marcus", NULL },
	{ "this is Mrs. Smith at 123 Oak St", NLU_ENT_PERSON_NAME, "Mrs. Smith", NULL },
	{ "Please update our account. Kind regards, Frank Miller", NLU_ENT_PERSON_NAME,
	  "Frank Miller", NULL },
	{ "We have two small children. - Monica", NLU_ENT_PERSON_NAME, "Monica", NULL },
	{ "Thanks, Teresa.", NLU_ENT_PERSON_NAME, "Teresa", NULL },
};

/* Texts and the entity types that must not be found in them. */
static const struct {
	const char *text;
	enum nlu_entity_type type;
} absent[] = {
	{ "it's a Trane XR14", NLU_ENT_MONEY },
	{ "I have 2 dogs", NLU_ENT_MONEY },
	{ "it's 20 degrees", NLU_ENT_MONEY },
	{ "85 inside", NLU_ENT_MONEY },
	{ "SEER 16 unit, 3 tons", NLU_ENT_MONEY },
	{ "I paid 150 for the visit", NLU_ENT_MONEY },
	{ "555 0182", NLU_ENT_PHONE },
	{ "123 456 7890", NLU_ENT_PHONE },
	{ "order 70455501823", NLU_ENT_PHONE },
	{ "model 2045550182X", NLU_ENT_PHONE },
	{ "job 48213", NLU_ENT_ZIP },
	{ "$28105", NLU_ENT_ZIP },
	{ "28105 dollars", NLU_ENT_ZIP },
	{ "a 12000 btu unit", NLU_ENT_ZIP },
	{ "at home", NLU_ENT_EMAIL },
	{ "me@localhost", NLU_ENT_EMAIL },
	{ "this is ridiculous", NLU_ENT_PERSON_NAME },
	{ "I'm frustrated", NLU_ENT_PERSON_NAME },
	{ "this is urgent", NLU_ENT_PERSON_NAME },
	{ "I'm not home", NLU_ENT_PERSON_NAME },
	{ "my name is spelled wrong on the account", NLU_ENT_PERSON_NAME },
	{ "thanks, Brightline team", NLU_ENT_PERSON_NAME },
	{ "Thanks, Dana will call you later", NLU_ENT_PERSON_NAME },
	{ "THIS IS UNACCEPTABLE", NLU_ENT_PERSON_NAME },
	{ "I have 2 dogs", NLU_ENT_DATETIME },
	{ "invoice 12 is open", NLU_ENT_INVOICE_NUMBER },
	{ "my job is stressful", NLU_ENT_JOB_NUMBER },
	{ "the AC-DC converter", NLU_ENT_ADDRESS },
	{ "I have 2 kids and 3 dogs", NLU_ENT_ADDRESS },
	{ "I live on 5th street", NLU_ENT_ADDRESS },
	{ "u guys go out 2 indian trail?", NLU_ENT_ADDRESS },
	{ "my account number is 123456", NLU_ENT_ZIP },
	{ "we paid 3200 for the install", NLU_ENT_MONEY },
};

static const struct nlu_entity *find(const struct nlu_entities *e, enum nlu_entity_type t)
{
	for (size_t k = 0; k < e->count; k++)
		if (e->items[k].type == t)
			return &e->items[k];
	return NULL;
}

static void test_values(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		const struct ent_case *c = &cases[k];
		struct nlu_entities e;
		assert_int_equal(nlu_extract_entities(c->text, strlen(c->text), 0, NULL, &e), 0);
		const struct nlu_entity *f = find(&e, c->type);
		if (!f)
			fail_msg("\"%s\": no %s", c->text, nlu_entity_type_name(c->type));
		if (strcmp(f->value, c->value) != 0)
			fail_msg("\"%s\": %s is \"%s\", want \"%s\"", c->text,
				 nlu_entity_type_name(c->type), f->value, c->value);
		if (c->surface && strcmp(f->text, c->surface) != 0)
			fail_msg("\"%s\": span \"%s\", want \"%s\"", c->text, f->text, c->surface);
		/* the span points at the surface text */
		assert_true(f->end <= strlen(c->text) && f->start < f->end);
		assert_memory_equal(c->text + f->start, f->text, f->end - f->start);
	}
}

static void test_absent(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof absent / sizeof absent[0]; k++) {
		struct nlu_entities e;
		const char *t = absent[k].text;
		assert_int_equal(nlu_extract_entities(t, strlen(t), 0, NULL, &e), 0);
		const struct nlu_entity *f = find(&e, absent[k].type);
		if (f)
			fail_msg("\"%s\": unexpected %s \"%s\"", t, nlu_entity_type_name(absent[k].type),
				 f->text);
	}
}

static void test_money_amounts(void **state)
{
	(void)state;
	struct nlu_entities e;
	const char *t = "they said $189 but charged me 250 bucks and $3,200.75";
	assert_int_equal(nlu_extract_entities(t, strlen(t), 0, NULL, &e), 0);
	assert_int_equal(e.count, 3);
	assert_true(e.items[0].amount == 189.0);
	assert_true(e.items[1].amount == 250.0);
	assert_true(e.items[2].amount == 3200.75);
}

static void test_mixed_message(void **state)
{
	(void)state;
	const struct tz *z;
	assert_int_equal(tz_get("America/New_York", &z), 0);
	int64_t now;
	assert_int_equal(tz_parse_iso("2026-03-04T10:00:00", z, &now), 0);
	const char *t = "This is Linda Smith, job 48213: the water heater at 1420 Providence Rd "
			"is leaking again, call 704 555 0182 tomorrow after 3";
	struct nlu_entities e;
	assert_int_equal(nlu_extract_entities(t, strlen(t), now, z, &e), 0);
	static const enum nlu_entity_type want[] = {
		NLU_ENT_PERSON_NAME, NLU_ENT_JOB_NUMBER, NLU_ENT_EQUIPMENT, NLU_ENT_ADDRESS,
		NLU_ENT_PHONE, NLU_ENT_DATETIME,
	};
	assert_int_equal(e.count, sizeof want / sizeof want[0]);
	for (size_t k = 0; k < e.count; k++) {
		assert_int_equal(e.items[k].type, want[k]);
		if (k)
			assert_true(e.items[k].start >= e.items[k - 1].end);
	}
	assert_string_equal(e.items[3].value, "1420 Providence Rd");
	assert_string_equal(e.items[5].dt_start_iso, "2026-03-05T15:00:00-05:00");
}

static void test_bad_input(void **state)
{
	(void)state;
	struct nlu_entities e;
	e.count = 7;
	assert_int_equal(nlu_extract_entities("caf\xc3", 4, 0, NULL, &e), -TN_EPARSE);
	assert_int_equal(e.count, 0);
	assert_int_equal(nlu_extract_entities("\xed\xa0\x80 job 12345", 13, 0, NULL, &e), -TN_EPARSE);
	assert_int_equal(nlu_extract_entities(NULL, 3, 0, NULL, &e), -EINVAL);
	assert_int_equal(nlu_extract_entities("x", 1, 0, NULL, NULL), -EINVAL);
	assert_int_equal(nlu_extract_entities(NULL, 0, 0, NULL, &e), 0);
	assert_int_equal(e.count, 0);
	/* an embedded NUL is just a byte; the length decides */
	assert_int_equal(nlu_extract_entities("job 48213\0 invoice 5521", 23, 0, NULL, &e), 0);
	assert_int_equal(e.count, 2);
}

static void test_unterminated_text(void **state)
{
	(void)state;
	/* the text need not end with a NUL: every entity reads only inside len (the
	 * sanitizers catch a read past the exact-size buffer) */
	static const char src[] = "zip 28105, job 48213, $189, 704 555 0182, a@b.co, tomorrow";
	size_t n = sizeof src - 1;
	char *t = malloc(n);
	assert_non_null(t);
	memcpy(t, src, n);
	struct nlu_entities e;
	assert_int_equal(nlu_extract_entities(t, n, 0, NULL, &e), 0);
	assert_int_equal(e.count, 6);
	assert_string_equal(e.items[0].value, "28105");
	assert_string_equal(e.items[5].text, "tomorrow");
	struct nlu_signals s;
	assert_int_equal(nlu_extract_signals(t, n, &s), 0);
	free(t);
}

static void test_capacity(void **state)
{
	(void)state;
	/* more entities than fit: the first NLU_ENTITIES_MAX are kept, in order */
	char text[4096];
	size_t n = 0;
	for (int k = 0; k < 60; k++)
		n += (size_t)snprintf(text + n, sizeof text - n, "job %d, ", 10000 + k);
	struct nlu_entities e;
	assert_int_equal(nlu_extract_entities(text, n, 0, NULL, &e), 0);
	assert_int_equal(e.count, NLU_ENTITIES_MAX);
	assert_string_equal(e.items[0].value, "J-10000");
	assert_string_equal(e.items[NLU_ENTITIES_MAX - 1].value, "J-10031");
}

static void test_type_names(void **state)
{
	(void)state;
	static const char *const names[] = {
		"datetime", "phone", "email", "zip", "address", "job_number", "invoice_number",
		"money", "equipment", "person_name",
	};
	assert_int_equal(NLU_ENT__COUNT, sizeof names / sizeof names[0]);
	for (int k = 0; k < NLU_ENT__COUNT; k++) {
		enum nlu_entity_type t;
		assert_string_equal(nlu_entity_type_name((enum nlu_entity_type)k), names[k]);
		assert_int_equal(nlu_entity_type_parse(names[k], &t), 0);
		assert_int_equal(t, k);
	}
	enum nlu_entity_type t;
	assert_int_equal(nlu_entity_type_parse("phone_number", &t), -EINVAL);
	assert_string_equal(nlu_entity_type_name(NLU_ENT__COUNT), "unknown");
}

static void test_json(void **state)
{
	(void)state;
	const struct tz *z;
	assert_int_equal(tz_get("America/New_York", &z), 0);
	int64_t now;
	assert_int_equal(tz_parse_iso("2026-03-04T10:00:00", z, &now), 0);
	const char *t = "¡Hola! $189 for Sunday? call 704 555 0182";
	struct nlu_entities e;
	assert_int_equal(nlu_extract_entities(t, strlen(t), now, z, &e), 0);
	json_t *j = NULL;
	assert_int_equal(nlu_entities_to_json(&e, z, &j), 0);
	assert_int_equal(json_array_size(j), 3);
	json_t *money = json_array_get(j, 0);
	assert_string_equal(json_string_value(json_object_get(money, "type")), "money");
	assert_true(json_real_value(json_object_get(money, "value")) == 189.0);
	/* "¡" is two bytes and one code point */
	assert_int_equal(json_integer_value(json_array_get(json_object_get(money, "span"), 0)), 7);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(money, "span"), 1)), 11);
	json_t *dt = json_array_get(j, 1);
	assert_string_equal(json_string_value(json_object_get(dt, "type")), "datetime");
	assert_string_equal(json_string_value(json_object_get(dt, "start")), "2026-03-08T00:00:00-05:00");
	assert_string_equal(json_string_value(json_object_get(dt, "end")), "2026-03-08T23:59:59-04:00");
	assert_true(json_is_false(json_object_get(dt, "point")));
	assert_null(json_object_get(dt, "value"));
	json_t *ph = json_array_get(j, 2);
	assert_string_equal(json_string_value(json_object_get(ph, "value")), "+17045550182");
	assert_string_equal(json_string_value(json_object_get(ph, "text")), "704 555 0182");
	json_decref(j);
	assert_int_equal(nlu_entities_to_json(NULL, z, &j), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_money_amounts),
		cmocka_unit_test(test_mixed_message),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_unterminated_text),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
