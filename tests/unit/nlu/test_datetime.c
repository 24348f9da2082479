/* test_datetime.c: date/time entities resolved against a fixed "now" and zone, checked
 * against values worked out by hand from the product's date/time rules, including the
 * DST changes of 2026 in America/New_York, month and year ends and leap day 2028. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "base/tz.h"
#include "nlu/extract.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct dt_case {
	const char *now;     /* local time in the zone */
	const char *text;
	const char *start;   /* ISO with offset; NULL: no date/time entity */
	const char *end;
};

#define NY "America/New_York"

/* Wednesday 2026-03-04 10:00 EST; DST starts Sunday 2026-03-08 at 02:00. */
#define N1 "2026-03-04T10:00:00"
/* Saturday 2026-03-07 20:00 EST, the evening before the change. */
#define N2 "2026-03-07T20:00:00"
/* Friday 2026-10-30 09:00 EDT; DST ends Sunday 2026-11-01 at 02:00. */
#define N3 "2026-10-30T09:00:00"
/* Thursday 2026-12-31 15:00 EST, the year end. */
#define N4 "2026-12-31T15:00:00"
/* Saturday 2026-01-31 16:00 EST, a month end. */
#define N6 "2026-01-31T16:00:00"

static const struct dt_case ny_cases[] = {
	{ N1, "today", "2026-03-04T00:00:00-05:00", "2026-03-04T23:59:59-05:00" },
	{ N1, "can you come tomorrow?", "2026-03-05T00:00:00-05:00", "2026-03-05T23:59:59-05:00" },
	{ N1, "day after tomorrow", "2026-03-06T00:00:00-05:00", "2026-03-06T23:59:59-05:00" },
	{ N1, "tonight", "2026-03-04T18:00:00-05:00", "2026-03-04T23:59:59-05:00" },
	{ N1, "this morning", "2026-03-04T08:00:00-05:00", "2026-03-04T12:00:00-05:00" },
	{ N1, "tomorrow morning", "2026-03-05T08:00:00-05:00", "2026-03-05T12:00:00-05:00" },
	{ N1, "tomorrow afternoon", "2026-03-05T12:00:00-05:00", "2026-03-05T17:00:00-05:00" },
	{ N1, "friday evening", "2026-03-06T17:00:00-05:00", "2026-03-06T21:00:00-05:00" },
	{ N1, "Wednesday", "2026-03-04T00:00:00-05:00", "2026-03-04T23:59:59-05:00" },
	{ N1, "Thursday", "2026-03-05T00:00:00-05:00", "2026-03-05T23:59:59-05:00" },
	{ N1, "Tuesday", "2026-03-10T00:00:00-04:00", "2026-03-10T23:59:59-04:00" },
	{ N1, "next Tuesday", "2026-03-10T00:00:00-04:00", "2026-03-10T23:59:59-04:00" },
	{ N1, "next Wednesday", "2026-03-11T00:00:00-04:00", "2026-03-11T23:59:59-04:00" },
	{ N1, "this Friday", "2026-03-06T00:00:00-05:00", "2026-03-06T23:59:59-05:00" },
	{ N1, "on Monday", "2026-03-09T00:00:00-04:00", "2026-03-09T23:59:59-04:00" },
	{ N1, "Sunday", "2026-03-08T00:00:00-05:00", "2026-03-08T23:59:59-04:00" },
	{ N1, "between 4 and 6", "2026-03-04T16:00:00-05:00", "2026-03-04T18:00:00-05:00" },
	{ N1, "between 4 and 6 tomorrow", "2026-03-05T16:00:00-05:00", "2026-03-05T18:00:00-05:00" },
	{ N1, "after 3", "2026-03-04T15:00:00-05:00", "2026-03-04T23:59:59-05:00" },
	{ N1, "before noon", "2026-03-04T10:00:00-05:00", "2026-03-04T12:00:00-05:00" },
	{ N1, "before noon tomorrow", "2026-03-05T00:00:00-05:00", "2026-03-05T12:00:00-05:00" },
	{ N1, "in 2 hours", "2026-03-04T12:00:00-05:00", "2026-03-04T12:00:00-05:00" },
	{ N1, "in 30 minutes", "2026-03-04T10:30:00-05:00", "2026-03-04T10:30:00-05:00" },
	{ N1, "in an hour", "2026-03-04T11:00:00-05:00", "2026-03-04T11:00:00-05:00" },
	{ N1, "asap", "2026-03-04T10:00:00-05:00", "2026-03-04T10:00:00-05:00" },
	{ N1, "right now", "2026-03-04T10:00:00-05:00", "2026-03-04T10:00:00-05:00" },
	{ N1, "this weekend", "2026-03-07T00:00:00-05:00", "2026-03-08T23:59:59-04:00" },
	{ N1, "next week", "2026-03-09T00:00:00-04:00", "2026-03-15T23:59:59-04:00" },
	{ N1, "the 15th", "2026-03-15T00:00:00-04:00", "2026-03-15T23:59:59-04:00" },
	{ N1, "on the 3rd", "2026-04-03T00:00:00-04:00", "2026-04-03T23:59:59-04:00" },
	{ N1, "Jan 3rd", "2027-01-03T00:00:00-05:00", "2027-01-03T23:59:59-05:00" },
	{ N1, "March 15", "2026-03-15T00:00:00-04:00", "2026-03-15T23:59:59-04:00" },
	{ N1, "3/15", "2026-03-15T00:00:00-04:00", "2026-03-15T23:59:59-04:00" },
	{ N1, "March 2nd", "2027-03-02T00:00:00-05:00", "2027-03-02T23:59:59-05:00" },
	{ N1, "the 15th of April", "2026-04-15T00:00:00-04:00", "2026-04-15T23:59:59-04:00" },
	{ N1, "at 4", "2026-03-04T16:00:00-05:00", "2026-03-04T16:00:00-05:00" },
	{ N1, "at 9", "2026-03-05T09:00:00-05:00", "2026-03-05T09:00:00-05:00" },
	{ N1, "at 11", "2026-03-04T11:00:00-05:00", "2026-03-04T11:00:00-05:00" },
	{ N1, "tomorrow at 8", "2026-03-05T08:00:00-05:00", "2026-03-05T08:00:00-05:00" },
	{ N1, "tomorrow at 7", "2026-03-05T07:00:00-05:00", "2026-03-05T07:00:00-05:00" },
	{ N1, "tomorrow at 12", "2026-03-05T12:00:00-05:00", "2026-03-05T12:00:00-05:00" },
	{ N1, "tomorrow at 6", "2026-03-05T18:00:00-05:00", "2026-03-05T18:00:00-05:00" },
	{ N1, "tomorrow at 6am", "2026-03-05T06:00:00-05:00", "2026-03-05T06:00:00-05:00" },
	{ N1, "tomorrow at 9 pm", "2026-03-05T21:00:00-05:00", "2026-03-05T21:00:00-05:00" },
	{ N1, "four thirty tomorrow", "2026-03-05T16:30:00-05:00", "2026-03-05T16:30:00-05:00" },
	{ N1, "half past two on Friday", "2026-03-06T14:30:00-05:00", "2026-03-06T14:30:00-05:00" },
	{ N1, "a quarter to five tomorrow", "2026-03-05T16:45:00-05:00", "2026-03-05T16:45:00-05:00" },
	{ N1, "noon tomorrow", "2026-03-05T12:00:00-05:00", "2026-03-05T12:00:00-05:00" },
	{ N1, "midnight", "2026-03-05T00:00:00-05:00", "2026-03-05T00:00:00-05:00" },
	{ N1, "tomorrow at 10:30am", "2026-03-05T10:30:00-05:00", "2026-03-05T10:30:00-05:00" },
	{ N1, "Friday at 2pm", "2026-03-06T14:00:00-05:00", "2026-03-06T14:00:00-05:00" },
	{ N1, "mañana", "2026-03-05T00:00:00-05:00", "2026-03-05T23:59:59-05:00" },
	{ N1, "hoy", "2026-03-04T00:00:00-05:00", "2026-03-04T23:59:59-05:00" },
	{ N1, "el martes entre las 2 y las 4", "2026-03-10T14:00:00-04:00", "2026-03-10T16:00:00-04:00" },
	{ N1, "a las 3 de la tarde", "2026-03-04T15:00:00-05:00", "2026-03-04T15:00:00-05:00" },
	{ N1, "hoy después de las 5", "2026-03-04T17:00:00-05:00", "2026-03-04T23:59:59-05:00" },
	{ N1, "el lunes", "2026-03-09T00:00:00-04:00", "2026-03-09T23:59:59-04:00" },
	{ N1, "tonight at 8", "2026-03-04T20:00:00-05:00", "2026-03-04T20:00:00-05:00" },
	{ N1, "tomorrow between 10 and 2", "2026-03-05T10:00:00-05:00", "2026-03-05T14:00:00-05:00" },
	{ N1, "Sunday at 2:30am", "2026-03-08T03:30:00-04:00", "2026-03-08T03:30:00-04:00" },
	{ N1, "Sunday at 1:30am", "2026-03-08T01:30:00-05:00", "2026-03-08T01:30:00-05:00" },
	{ N1, "Sunday at 3am", "2026-03-08T03:00:00-04:00", "2026-03-08T03:00:00-04:00" },
	{ N1, "Saturday at 11pm", "2026-03-07T23:00:00-05:00", "2026-03-07T23:00:00-05:00" },
	{ N1, "at 7 in the evening", "2026-03-04T19:00:00-05:00", "2026-03-04T19:00:00-05:00" },
	{ N1, "anytime after 1 on thursday", "2026-03-05T13:00:00-05:00", "2026-03-05T23:59:59-05:00" },
	{ N1, "from 8 to 10 on monday", "2026-03-09T08:00:00-04:00", "2026-03-09T10:00:00-04:00" },
	{ N1, "2-4pm friday", "2026-03-06T14:00:00-05:00", "2026-03-06T16:00:00-05:00" },
	{ N1, "at 10 on the 9th", "2026-03-09T10:00:00-04:00", "2026-03-09T10:00:00-04:00" },
	{ N1, "Mon 3/9 at 10", "2026-03-09T10:00:00-04:00", "2026-03-09T10:00:00-04:00" },
	{ N1, "March 9th, 10-12", "2026-03-09T10:00:00-04:00", "2026-03-09T12:00:00-04:00" },
	{ N1, "Thursday the 5th", "2026-03-05T00:00:00-05:00", "2026-03-05T23:59:59-05:00" },
	{ N1, "a week from today", "2026-03-11T00:00:00-04:00", "2026-03-11T23:59:59-04:00" },
	{ N1, "two weeks from tomorrow", "2026-03-19T00:00:00-04:00", "2026-03-19T23:59:59-04:00" },
	{ N1, "sat morning", "2026-03-07T08:00:00-05:00", "2026-03-07T12:00:00-05:00" },
	{ N1, "the 10 to 12 window on Tuesday", "2026-03-10T10:00:00-04:00", "2026-03-10T12:00:00-04:00" },
	{ N1, "good morning, can you come tomorrow morning?", "2026-03-05T08:00:00-05:00", "2026-03-05T12:00:00-05:00" },
	{ N1, "12am", "2026-03-05T00:00:00-05:00", "2026-03-05T00:00:00-05:00" },
	{ N1, "at 5-0", "2026-03-04T17:00:00-05:00", "2026-03-05T00:00:00-05:00" },
	{ N1, "between 9 and 11am on Tuesday", "2026-03-10T09:00:00-04:00", "2026-03-10T11:00:00-04:00" },
	{ N2, "tomorrow", "2026-03-08T00:00:00-05:00", "2026-03-08T23:59:59-04:00" },
	{ N2, "tomorrow morning", "2026-03-08T08:00:00-04:00", "2026-03-08T12:00:00-04:00" },
	{ N2, "in 2 hours", "2026-03-07T22:00:00-05:00", "2026-03-07T22:00:00-05:00" },
	{ N2, "in 8 hours", "2026-03-08T05:00:00-04:00", "2026-03-08T05:00:00-04:00" },
	{ N2, "this weekend", "2026-03-07T00:00:00-05:00", "2026-03-08T23:59:59-04:00" },
	{ N2, "after 3", "2026-03-08T15:00:00-04:00", "2026-03-08T23:59:59-04:00" },
	{ N2, "tonight", "2026-03-07T18:00:00-05:00", "2026-03-07T23:59:59-05:00" },
	{ N2, "next week", "2026-03-09T00:00:00-04:00", "2026-03-15T23:59:59-04:00" },
	{ N2, "midnight", "2026-03-08T00:00:00-05:00", "2026-03-08T00:00:00-05:00" },
	{ N3, "Sunday", "2026-11-01T00:00:00-04:00", "2026-11-01T23:59:59-05:00" },
	{ N3, "Sunday at 1:30am", "2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-04:00" },
	{ N3, "Sunday at 3", "2026-11-01T15:00:00-05:00", "2026-11-01T15:00:00-05:00" },
	{ N3, "this weekend", "2026-10-31T00:00:00-04:00", "2026-11-01T23:59:59-05:00" },
	{ N3, "next week", "2026-11-02T00:00:00-05:00", "2026-11-08T23:59:59-05:00" },
	{ N3, "tomorrow", "2026-10-31T00:00:00-04:00", "2026-10-31T23:59:59-04:00" },
	{ N3, "in 2 hours", "2026-10-30T11:00:00-04:00", "2026-10-30T11:00:00-04:00" },
	{ N3, "November 1st", "2026-11-01T00:00:00-04:00", "2026-11-01T23:59:59-05:00" },
	{ N3, "Oct 15", "2027-10-15T00:00:00-04:00", "2027-10-15T23:59:59-04:00" },
	{ N3, "the 31st", "2026-10-31T00:00:00-04:00", "2026-10-31T23:59:59-04:00" },
	{ N3, "Monday morning", "2026-11-02T08:00:00-05:00", "2026-11-02T12:00:00-05:00" },
	{ N3, "Sunday evening", "2026-11-01T17:00:00-05:00", "2026-11-01T21:00:00-05:00" },
	{ N4, "tomorrow", "2027-01-01T00:00:00-05:00", "2027-01-01T23:59:59-05:00" },
	{ N4, "the 2nd", "2027-01-02T00:00:00-05:00", "2027-01-02T23:59:59-05:00" },
	{ N4, "Jan 3rd", "2027-01-03T00:00:00-05:00", "2027-01-03T23:59:59-05:00" },
	{ N4, "December 30", "2027-12-30T00:00:00-05:00", "2027-12-30T23:59:59-05:00" },
	{ N4, "next week", "2027-01-04T00:00:00-05:00", "2027-01-10T23:59:59-05:00" },
	{ N4, "this weekend", "2027-01-02T00:00:00-05:00", "2027-01-03T23:59:59-05:00" },
	{ N4, "after 2", "2027-01-01T14:00:00-05:00", "2027-01-01T23:59:59-05:00" },
	{ N4, "after 4", "2026-12-31T16:00:00-05:00", "2026-12-31T23:59:59-05:00" },
	{ N4, "in 2 hours", "2026-12-31T17:00:00-05:00", "2026-12-31T17:00:00-05:00" },
	{ N4, "Friday", "2027-01-01T00:00:00-05:00", "2027-01-01T23:59:59-05:00" },
	{ N4, "at 10", "2027-01-01T10:00:00-05:00", "2027-01-01T10:00:00-05:00" },
	{ N4, "before noon", "2027-01-01T00:00:00-05:00", "2027-01-01T12:00:00-05:00" },
	{ N4, "12/31", "2026-12-31T00:00:00-05:00", "2026-12-31T23:59:59-05:00" },
	{ N6, "tomorrow", "2026-02-01T00:00:00-05:00", "2026-02-01T23:59:59-05:00" },
	{ N6, "the 31st", "2026-01-31T00:00:00-05:00", "2026-01-31T23:59:59-05:00" },
	{ N6, "the 30th", "2026-03-30T00:00:00-04:00", "2026-03-30T23:59:59-04:00" },
	{ N6, "Monday", "2026-02-02T00:00:00-05:00", "2026-02-02T23:59:59-05:00" },
	{ N6, "next week", "2026-02-02T00:00:00-05:00", "2026-02-08T23:59:59-05:00" },
	{ N6, "this weekend", "2026-01-31T00:00:00-05:00", "2026-02-01T23:59:59-05:00" },
	{ N6, "2/28", "2026-02-28T00:00:00-05:00", "2026-02-28T23:59:59-05:00" },
	{ N6, "the morning", "2026-02-01T08:00:00-05:00", "2026-02-01T12:00:00-05:00" },
};

/* Sunday 2028-02-27 12:00 UTC, two days before leap day. */
#define N5 "2028-02-27T12:00:00"
static const struct dt_case utc_cases[] = {
	{ N5, "Feb 29", "2028-02-29T00:00:00+00:00", "2028-02-29T23:59:59+00:00" },
	{ N5, "Tuesday", "2028-02-29T00:00:00+00:00", "2028-02-29T23:59:59+00:00" },
	{ N5, "the 29th", "2028-02-29T00:00:00+00:00", "2028-02-29T23:59:59+00:00" },
	{ N5, "the 30th", "2028-03-30T00:00:00+00:00", "2028-03-30T23:59:59+00:00" },
	{ N5, "2/29/2028", "2028-02-29T00:00:00+00:00", "2028-02-29T23:59:59+00:00" },
	{ N5, "day after tomorrow", "2028-02-29T00:00:00+00:00", "2028-02-29T23:59:59+00:00" },
	{ N5, "next week", "2028-02-28T00:00:00+00:00", "2028-03-05T23:59:59+00:00" },
	{ N5, "this weekend", "2028-02-26T00:00:00+00:00", "2028-02-27T23:59:59+00:00" },
	{ N5, "Sunday", "2028-02-27T00:00:00+00:00", "2028-02-27T23:59:59+00:00" },
	{ N5, "March 1st", "2028-03-01T00:00:00+00:00", "2028-03-01T23:59:59+00:00" },
	{ N5, "March 1st, 2029", "2029-03-01T00:00:00+00:00", "2029-03-01T23:59:59+00:00" },
	{ N5, "2028-03-02", "2028-03-02T00:00:00+00:00", "2028-03-02T23:59:59+00:00" },
	{ "2027-03-01T09:00:00", "Feb 29", "2028-02-29T00:00:00+00:00", "2028-02-29T23:59:59+00:00" },
};

/* Text with numbers that are not dates or times. */
static const char *const not_dates[] = {
	"I have 2 dogs",
	"it's 20 degrees in here",
	"85 inside and climbing",
	"it's a Trane XR14",
	"the thermostat is set to 72",
	"my unit is 3 tons",
	"a 1/2 inch pipe is leaking",
	"you're open 24/7 right?",
	"this is the first time it happened",
	"I may need a new filter",
	"the tech sat in his truck",
	"call 704 555 0182",
	"invoice 5521 was $189",
	"the tech sat 2 hours in the truck",
	"Nov 31",
	"2/30",
	"13/45",
	"it started last night",
	"Good morning, do you service Matthews?",
	"good afternoon! quick question",
	"buenas tardes",
};

static int64_t iso(const char *s, const struct tz *z)
{
	int64_t t = 0;
	assert_int_equal(tz_parse_iso(s, z, &t), 0);
	return t;
}

static void run_cases(const struct dt_case *cases, size_t n, const char *zone_name)
{
	const struct tz *z;
	assert_int_equal(tz_get(zone_name, &z), 0);
	for (size_t k = 0; k < n; k++) {
		const struct dt_case *c = &cases[k];
		struct nlu_entities e;
		int64_t now = iso(c->now, z);
		assert_int_equal(nlu_extract_entities(c->text, strlen(c->text), now, z, &e), 0);
		const struct nlu_entity *dt = NULL;
		for (size_t m = 0; m < e.count; m++)
			if (e.items[m].type == NLU_ENT_DATETIME)
				dt = &e.items[m];
		if (!dt)
			fail_msg("no date/time in \"%s\"", c->text);
		if (strcmp(dt->dt_start_iso, c->start) != 0 || strcmp(dt->dt_end_iso, c->end) != 0)
			fail_msg("\"%s\" at %s: got %s .. %s, want %s .. %s", c->text, c->now,
				 dt->dt_start_iso, dt->dt_end_iso, c->start, c->end);
		assert_int_equal(dt->dt_start, iso(c->start, NULL));
		assert_int_equal(dt->dt_end, iso(c->end, NULL));
		assert_true(dt->dt_point == (dt->dt_start == dt->dt_end));
	}
}

static void test_new_york(void **state)
{
	(void)state;
	run_cases(ny_cases, sizeof ny_cases / sizeof ny_cases[0], NY);
}

static void test_utc_and_leap_day(void **state)
{
	(void)state;
	run_cases(utc_cases, sizeof utc_cases / sizeof utc_cases[0], "UTC");
}

static void test_null_zone_is_utc(void **state)
{
	(void)state;
	struct nlu_entities e;
	int64_t now = iso("2028-02-27T12:00:00Z", NULL);
	assert_int_equal(nlu_extract_entities("tomorrow at 4", 13, now, NULL, &e), 0);
	assert_int_equal(e.count, 1);
	assert_string_equal(e.items[0].dt_start_iso, "2028-02-28T16:00:00+00:00");
	assert_true(e.items[0].dt_point);
}

static void test_extreme_now(void **state)
{
	(void)state;
	const struct tz *z;
	assert_int_equal(tz_get(NY, &z), 0);
	static const int64_t nows[] = { INT64_MIN, -2208988801LL, 253402300800LL, INT64_MAX };
	for (size_t k = 0; k < sizeof nows / sizeof nows[0]; k++) {
		struct nlu_entities e;
		assert_int_equal(nlu_extract_entities("tomorrow at 4, job 48213", 24, nows[k], z, &e), 0);
		assert_int_equal(e.count, 1);
		assert_int_equal(e.items[0].type, NLU_ENT_JOB_NUMBER);
	}
	/* the far end of the range still resolves */
	struct nlu_entities e;
	assert_int_equal(nlu_extract_entities("tomorrow", 8, 253402200000LL, NULL, &e), 0);
	assert_int_equal(e.count, 1);
	assert_string_equal(e.items[0].dt_start_iso, "9999-12-31T00:00:00+00:00");
}

static void test_not_dates(void **state)
{
	(void)state;
	const struct tz *z;
	assert_int_equal(tz_get(NY, &z), 0);
	int64_t now = iso(N1, z);
	for (size_t k = 0; k < sizeof not_dates / sizeof not_dates[0]; k++) {
		struct nlu_entities e;
		const char *t = not_dates[k];
		assert_int_equal(nlu_extract_entities(t, strlen(t), now, z, &e), 0);
		for (size_t m = 0; m < e.count; m++)
			if (e.items[m].type == NLU_ENT_DATETIME)
				fail_msg("\"%s\": unexpected date/time \"%s\"", t, e.items[m].text);
	}
}

static void test_spans_and_two_dates(void **state)
{
	(void)state;
	const struct tz *z;
	assert_int_equal(tz_get(NY, &z), 0);
	const char *t = "not tomorrow, but Friday after 3 works";
	struct nlu_entities e;
	assert_int_equal(nlu_extract_entities(t, strlen(t), iso(N1, z), z, &e), 0);
	assert_int_equal(e.count, 2);
	assert_string_equal(e.items[0].text, "tomorrow");
	assert_int_equal(e.items[0].start, 4);
	assert_int_equal(e.items[0].end, 12);
	assert_string_equal(e.items[1].text, "Friday after 3");
	assert_string_equal(e.items[1].dt_start_iso, "2026-03-06T15:00:00-05:00");
	assert_string_equal(e.items[1].dt_end_iso, "2026-03-06T23:59:59-05:00");
	/* code point spans differ from byte spans after a non-ASCII letter */
	const char *s = "mañana a las 4";
	assert_int_equal(nlu_extract_entities(s, strlen(s), iso(N1, z), z, &e), 0);
	assert_int_equal(e.count, 1);
	assert_int_equal(e.items[0].end, strlen(s));
	assert_int_equal(e.items[0].cend, strlen(s) - 1);
	assert_string_equal(e.items[0].dt_start_iso, "2026-03-05T16:00:00-05:00");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_york),
		cmocka_unit_test(test_utc_and_leap_day),
		cmocka_unit_test(test_null_zone_is_utc),
		cmocka_unit_test(test_extreme_now),
		cmocka_unit_test(test_not_dates),
		cmocka_unit_test(test_spans_and_two_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
