/* test_kb.c: knowledge-base index: relevance, stemming, languages, errors, removal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "kb/kb.h"

struct article {
	const char *id, *title, *body, *tags;
};

/* A small, realistic knowledge base for the demo business. */
static const struct article demo[] = {
	{"fee", "Service call fee",
	 "Our diagnostic service call is $89. That is the trip charge for a technician to come "
	 "out to your home and find the problem. The fee is waived if you go ahead with the repair.",
	 "pricing, diagnostic, trip charge"},
	{"drain", "Drain cleaning",
	 "Clogged sink, slow tub or backed-up shower? Our plumbers clean drains with a snake or a "
	 "hydro-jet. Drain cleaning starts from $149 per drain. Main sewer lines are quoted on site.",
	 "plumbing, clog, drain"},
	{"tuneup", "AC and furnace tune-up",
	 "A tune-up keeps your air conditioner or furnace running efficiently. A technician checks "
	 "refrigerant, cleans the coils and tests the thermostat. A tune-up costs $129.",
	 "hvac, maintenance"},
	{"club", "Comfort Club maintenance plan",
	 "The Comfort Club is $15 a month. Members get two tune-ups a year, no trip fee and "
	 "priority booking when it is busy.",
	 "membership, maintenance plan"},
	{"hours", "Business hours",
	 "We are open Monday to Friday from 7 AM to 6 PM and Saturday from 8 AM to 2 PM. We are "
	 "closed on Sundays and federal holidays. Emergencies are answered around the clock.",
	 "hours, open, closed"},
	{"water-heater", "Water heater repair",
	 "No hot water? We repair gas and electric water heaters of every brand. Water heater "
	 "repair starts from $189. We also install tankless water heaters from $3,200.",
	 "plumbing, water heater, tankless"},
	{"es-desague", "Limpieza de desagües",
	 "¿Su fregadero está tapado? Nuestros plomeros limpian desagües y tuberías tapadas. La "
	 "limpieza de desagües cuesta desde $149 por desagüe.",
	 "plomería, desagüe"},
	{"es-visita", "Cargo por visita de servicio",
	 "La visita de diagnóstico cuesta $89. Es el cargo para que un técnico vaya a su casa. "
	 "Se descuenta si usted aprueba la reparación.",
	 "precios"},
};

static struct kb_index *load(void)
{
	struct kb_index *idx;
	assert_int_equal(kb_index_new(&idx), 0);
	for (size_t i = 0; i < sizeof demo / sizeof *demo; i++)
		assert_int_equal(kb_index_add(idx, demo[i].id, demo[i].title, demo[i].body, demo[i].tags), 0);
	assert_int_equal(kb_index_count(idx), sizeof demo / sizeof *demo);
	return idx;
}

static const char *top(struct kb_index *idx, const char *query, struct kb_result *r)
{
	int n = kb_search(idx, query, 3, r);
	assert_true(n >= 1);
	return r[0].id;
}

static void relevance_english(void **state)
{
	struct kb_index *idx = load();
	struct kb_result r[3];
	assert_string_equal(top(idx, "how much do you charge to come out", r), "fee");
	assert_true(strstr(r[0].snippet, "come out") != NULL);
	assert_string_equal(top(idx, "my sink is clogged what does it cost", r), "drain");
	assert_true(strstr(r[0].snippet, "$149") != NULL || strstr(r[0].snippet, "Clogged") != NULL);
	assert_string_equal(top(idx, "are you open on saturday?", r), "hours");
	assert_true(strstr(r[0].snippet, "Saturday") != NULL);
	assert_string_equal(top(idx, "NO HOT WATER", r), "water-heater");
	assert_string_equal(top(idx, "tankless install price", r), "water-heater");
	assert_true(strstr(r[0].snippet, "tankless") != NULL);
	assert_string_equal(top(idx, "what is the comfort club", r), "club");
	assert_int_equal(r[0].lang, KB_LANG_EN);
	/* Scores are ordered best first. */
	int n = kb_search(idx, "tune-up maintenance", 3, r);
	assert_true(n >= 2);
	assert_true(r[0].score >= r[1].score);
	assert_true(r[1].score > 0);
	kb_index_free(idx);
}

static void relevance_spanish(void **state)
{
	struct kb_index *idx = load();
	struct kb_result r[3];
	assert_string_equal(top(idx, "¿Cuánto cuesta destapar el fregadero?", r), "es-desague");
	assert_int_equal(r[0].lang, KB_LANG_ES);
	assert_true(strstr(r[0].snippet, "fregadero") != NULL);
	assert_string_equal(top(idx, "cuanto cobran por la visita de un tecnico", r), "es-visita");
	/* Without accents and without stopwords the query still finds the article. */
	assert_string_equal(top(idx, "desagues tapados", r), "es-desague");
	kb_index_free(idx);
}

static void stemming(void **state)
{
	struct kb_index *idx;
	assert_int_equal(kb_index_new(&idx), 0);
	assert_int_equal(kb_index_add(idx, "a", "Gutters", "We clean gutters every autumn.", NULL), 0);
	assert_int_equal(kb_index_add(idx, "b", "Ducts", "Ductwork inspection and sealing.", NULL), 0);
	struct kb_result r[2];
	assert_int_equal(kb_search(idx, "cleaning", 2, r), 1);
	assert_string_equal(r[0].id, "a");
	assert_int_equal(kb_search(idx, "inspections", 2, r), 1);
	assert_string_equal(r[0].id, "b");
	assert_int_equal(kb_search(idx, "SEALED", 2, r), 1);
	assert_string_equal(r[0].id, "b");
	kb_index_free(idx);
}

static void title_outweighs_body(void **state)
{
	struct kb_index *idx;
	assert_int_equal(kb_index_new(&idx), 0);
	assert_int_equal(kb_index_add(idx, "body", "Other topics", "Thermostat batteries and more.", NULL), 0);
	assert_int_equal(kb_index_add(idx, "title", "Thermostat help", "Batteries and more.", NULL), 0);
	struct kb_result r[2];
	assert_int_equal(kb_search(idx, "thermostat", 2, r), 2);
	assert_string_equal(r[0].id, "title");
	assert_true(r[0].score > r[1].score);
	kb_index_free(idx);
}

static void empty_and_garbage(void **state)
{
	struct kb_index *idx = load();
	struct kb_result r[3];
	assert_int_equal(kb_search(idx, "", 3, r), 0);
	assert_int_equal(kb_search(idx, "   !!! ??? ...", 3, r), 0);
	assert_int_equal(kb_search(idx, "the and of to", 3, r), 0);
	assert_int_equal(kb_search(idx, "xqzzv blorptangle", 3, r), 0);
	assert_int_equal(kb_search(idx, "drain", 0, NULL), 0);
	char big[KB_QUERY_MAX + 2];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(kb_search(idx, big, 3, r), -TN_ELIMIT);
	assert_int_equal(kb_search(idx, NULL, 3, r), -EINVAL);
	kb_index_free(idx);
}

static void invalid_utf8(void **state)
{
	struct kb_index *idx = load();
	struct kb_result r[3];
	assert_int_equal(kb_search(idx, "drain \xC3\x28 cleaning", 3, r), -TN_EPARSE);
	assert_int_equal(kb_search(idx, "\xED\xA0\x80", 3, r), -TN_EPARSE);  /* surrogate */
	assert_int_equal(kb_index_add(idx, "bad", "Title \xFF", "body", NULL), -TN_EPARSE);
	assert_int_equal(kb_index_add(idx, "bad", "Title", "body \xC0\xAF", NULL), -TN_EPARSE);
	assert_int_equal(kb_index_add(idx, "bad", "Title", "body", "tag \x80"), -TN_EPARSE);
	assert_int_equal(kb_index_count(idx), sizeof demo / sizeof *demo);
	/* A failed replacement keeps the old article. */
	assert_int_equal(kb_index_add(idx, "fee", "Fee", "New text \xF5\x80\x80\x80", NULL), -TN_EPARSE);
	assert_string_equal(top(idx, "trip charge", r), "fee");
	assert_int_equal(kb_index_add(idx, "", "T", "B", NULL), -EINVAL);
	char id[KB_ID_MAX + 1];
	memset(id, 'x', KB_ID_MAX);
	id[KB_ID_MAX] = '\0';
	assert_int_equal(kb_index_add(idx, id, "T", "B", NULL), -TN_ELIMIT);
	kb_index_free(idx);
}

static void removal_and_replace(void **state)
{
	struct kb_index *idx = load();
	struct kb_result r[8];
	assert_string_equal(top(idx, "drain cleaning", r), "drain");
	assert_int_equal(kb_index_remove(idx, "drain"), 0);
	assert_int_equal(kb_index_remove(idx, "drain"), -TN_ENOTFOUND);
	assert_int_equal(kb_index_count(idx), sizeof demo / sizeof *demo - 1);
	int n = kb_search(idx, "drain cleaning", 8, r);
	for (int i = 0; i < n; i++)
		assert_string_not_equal(r[i].id, "drain");
	/* Replacing an article re-indexes it: old words no longer match it. */
	assert_int_equal(kb_index_add(idx, "hours", "Opening times", "Open weekdays only.", NULL), 0);
	assert_int_equal(kb_index_count(idx), sizeof demo / sizeof *demo - 1);
	assert_int_equal(kb_search(idx, "saturday", 8, r), 0);
	assert_string_equal(top(idx, "weekdays", r), "hours");
	/* The freed slot is reused and searchable. */
	assert_int_equal(kb_index_add(idx, "drain2", "Drain snaking", "We snake drains.", NULL), 0);
	assert_string_equal(top(idx, "snake my drain", r), "drain2");
	kb_index_free(idx);
}

static void many_articles(void **state)
{
	struct kb_index *idx;
	assert_int_equal(kb_index_new(&idx), 0);
	char id[32], body[128];
	for (int i = 0; i < 2000; i++) {
		snprintf(id, sizeof id, "a%d", i);
		snprintf(body, sizeof body, "Article number %d about widget%d and common words.", i, i);
		assert_int_equal(kb_index_add(idx, id, "Common title", body, NULL), 0);
	}
	for (int i = 0; i < 2000; i += 2) {
		snprintf(id, sizeof id, "a%d", i);
		assert_int_equal(kb_index_remove(idx, id), 0);
	}
	assert_int_equal(kb_index_count(idx), 1000);
	struct kb_result r[5];
	assert_int_equal(kb_search(idx, "widget1235", 5, r), 1);
	assert_string_equal(r[0].id, "a1235");
	assert_int_equal(kb_search(idx, "widget1234", 5, r), 0);
	assert_int_equal(kb_search(idx, "common", 5, r), 5);
	kb_index_free(idx);
}

static void long_snippet_is_cut(void **state)
{
	struct kb_index *idx;
	assert_int_equal(kb_index_new(&idx), 0);
	char body[2048] = "Short intro. ";
	for (int i = 0; i < 60; i++)
		strncat(body, "heater words ", sizeof body - strlen(body) - 1);
	assert_int_equal(kb_index_add(idx, "x", "Long", body, NULL), 0);
	struct kb_result r[1];
	assert_int_equal(kb_search(idx, "heater", 1, r), 1);
	size_t n = strlen(r[0].snippet);
	assert_true(n < KB_SNIPPET_MAX);
	assert_string_equal(r[0].snippet + n - 3, "...");
	assert_true(strncmp(r[0].snippet, "heater", 6) == 0);
	kb_index_free(idx);
}

/* Random bytes and random mixed-script text never crash and are answered or refused. */
static void random_input(void **state)
{
	struct kb_index *idx = load();
	struct kb_result r[3];
	uint32_t seed = 12345;
	static const char *const pieces[] = {"drain", " ", "¿", "ñ", "É", "'", "’", "a", "\n",
					     "ß", "日本", "e\xCC\x81", ".", "$149", "don't", "\xF0\x9F\x94\xA7"};
	char q[256];
	for (int iter = 0; iter < 2000; iter++) {
		size_t n = 0;
		seed = seed * 1103515245u + 12345u;
		bool bytes = (seed >> 16) & 1;
		size_t len = (seed >> 20) % 200;
		while (n < len) {
			seed = seed * 1103515245u + 12345u;
			if (bytes) {
				q[n++] = (char)(((seed >> 16) % 255) + 1);
			} else {
				const char *p = pieces[(seed >> 16) % (sizeof pieces / sizeof *pieces)];
				size_t pl = strlen(p);
				if (n + pl >= len)
					break;
				memcpy(q + n, p, pl);
				n += pl;
			}
		}
		q[n] = '\0';
		int rc = kb_search(idx, q, 3, r);
		assert_true(rc >= 0 || rc == -TN_EPARSE);
		if (!bytes)
			assert_true(rc >= 0);
		for (int i = 0; i < rc; i++)
			assert_true(r[i].score > 0 && strlen(r[i].snippet) < KB_SNIPPET_MAX);
		if (!bytes && iter % 10 == 0)
			assert_int_equal(kb_index_add(idx, "rand", q, q, q), 0);
	}
	kb_index_free(idx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(relevance_english),
		cmocka_unit_test(relevance_spanish),
		cmocka_unit_test(stemming),
		cmocka_unit_test(title_outweighs_body),
		cmocka_unit_test(empty_and_garbage),
		cmocka_unit_test(invalid_utf8),
		cmocka_unit_test(removal_and_replace),
		cmocka_unit_test(many_articles),
		cmocka_unit_test(long_snippet_is_cut),
		cmocka_unit_test(random_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
