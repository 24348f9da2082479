/* test_slots.c: free appointment slots and opening hours for the demo business. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/err.h"
#include "helper_demo.h"

static struct demo D;

static int setup(void **state)
{
	demo_init(&D);
	return 0;
}

static int find(const struct schedule_request *req, struct schedule_slot *out, size_t max,
		enum schedule_match *m)
{
	return schedule_find_slots(&D.cal, req, out, max, m);
}

static void sunday_request_offers_monday(void **state)
{
	int64_t now = demo_local(&D, 2026, 12, 6, 10, 0);  /* Sunday */
	bool open = true;
	assert_int_equal(schedule_is_open(&D.biz, now, &open), 0);
	assert_false(open);
	struct schedule_request req = demo_request(now, SCHEDULE_TRADE_HVAC);
	struct schedule_slot s[3];
	enum schedule_match m;
	assert_int_equal(find(&req, s, 3, &m), 3);
	assert_int_equal(m, SCHEDULE_MATCH_PREFERRED);
	assert_int_equal(s[0].start, demo_local(&D, 2026, 12, 7, 8, 0));
	assert_int_equal(s[0].end, demo_local(&D, 2026, 12, 7, 10, 0));
	assert_int_equal(s[1].start, demo_local(&D, 2026, 12, 7, 10, 0));
	assert_int_equal(s[2].start, demo_local(&D, 2026, 12, 7, 12, 0));
}

static void friday_evening_offers_saturday_then_monday(void **state)
{
	int64_t now = demo_local(&D, 2026, 12, 4, 17, 30);
	struct schedule_request req = demo_request(now, SCHEDULE_TRADE_HVAC);
	struct schedule_slot s[5];
	assert_int_equal(find(&req, s, 5, NULL), 5);
	assert_int_equal(s[0].start, demo_local(&D, 2026, 12, 5, 8, 0));
	assert_int_equal(s[1].start, demo_local(&D, 2026, 12, 5, 10, 0));
	assert_int_equal(s[2].start, demo_local(&D, 2026, 12, 5, 12, 0));
	assert_int_equal(s[2].end, demo_local(&D, 2026, 12, 5, 14, 0));
	/* Saturday closes at 14:00 and Sunday is closed. */
	assert_int_equal(s[3].start, demo_local(&D, 2026, 12, 7, 8, 0));
	assert_int_equal(s[4].start, demo_local(&D, 2026, 12, 7, 10, 0));
}

static void lead_time_and_never_in_the_past(void **state)
{
	int64_t now = demo_local(&D, 2026, 12, 7, 9, 30);  /* Monday, mid-window */
	struct schedule_request req = demo_request(now, SCHEDULE_TRADE_HVAC);
	struct schedule_slot s[2];
	assert_int_equal(find(&req, s, 2, NULL), 2);
	/* 08-10 has begun and 10-12 starts within the hour's lead. */
	assert_int_equal(s[0].start, demo_local(&D, 2026, 12, 7, 12, 0));
	req.lead_seconds = 0;
	assert_int_equal(find(&req, s, 2, NULL), 2);
	assert_int_equal(s[0].start, demo_local(&D, 2026, 12, 7, 10, 0));
	for (int i = 0; i < 2; i++)
		assert_true(s[i].start >= now);
}

static void thanksgiving_is_skipped(void **state)
{
	int64_t now = demo_local(&D, 2026, 11, 25, 17, 0);  /* Wednesday before */
	struct schedule_request req = demo_request(now, SCHEDULE_TRADE_PLUMBING);
	struct schedule_slot s[1];
	assert_int_equal(find(&req, s, 1, NULL), 1);
	assert_int_equal(s[0].start, demo_local(&D, 2026, 11, 27, 8, 0));
	bool open = true;
	int64_t thanksgiving = demo_local(&D, 2026, 11, 26, 10, 0);
	assert_int_equal(schedule_is_open(&D.biz, thanksgiving, &open), 0);
	assert_false(open);
	int64_t at, closes;
	assert_int_equal(schedule_next_open(&D.biz, thanksgiving, &at, &closes), 0);
	assert_int_equal(at, demo_local(&D, 2026, 11, 27, 7, 0));
	assert_int_equal(closes, demo_local(&D, 2026, 11, 27, 18, 0));
}

static void dst_weeks_give_right_utc(void **state)
{
	/* Spring forward on Sunday 2026-03-08: Saturday is EST (-5), Monday EDT (-4). */
	struct schedule_request req = demo_request(demo_local(&D, 2026, 3, 6, 17, 30), SCHEDULE_TRADE_HVAC);
	struct schedule_slot s[8];
	assert_int_equal(find(&req, s, 8, NULL), 8);
	assert_int_equal(s[0].start, demo_utc(2026, 3, 7, 13, 0));
	assert_int_equal(s[3].start, demo_utc(2026, 3, 9, 12, 0));
	assert_int_equal(s[7].start, demo_utc(2026, 3, 9, 20, 0));
	assert_int_equal(s[7].end, demo_utc(2026, 3, 9, 22, 0));
	/* Fall back on Sunday 2026-11-01: Saturday is EDT, Monday EST. */
	req.now = demo_utc(2026, 10, 30, 21, 30);  /* Friday 17:30 EDT */
	assert_int_equal(find(&req, s, 8, NULL), 8);
	assert_int_equal(s[0].start, demo_utc(2026, 10, 31, 12, 0));
	assert_int_equal(s[3].start, demo_utc(2026, 11, 2, 13, 0));
	assert_int_equal(s[7].end, demo_utc(2026, 11, 2, 23, 0));
	/* Opening hours follow the wall clock too. */
	int64_t at;
	assert_int_equal(schedule_next_open(&D.biz, demo_utc(2026, 3, 8, 15, 0), &at, NULL), 0);
	assert_int_equal(at, demo_utc(2026, 3, 9, 11, 0));
	assert_int_equal(schedule_next_open(&D.biz, demo_utc(2026, 11, 1, 15, 0), &at, NULL), 0);
	assert_int_equal(at, demo_utc(2026, 11, 2, 12, 0));
}

static void trades_go_to_the_right_technician(void **state)
{
	struct schedule_request req = demo_request(demo_local(&D, 2026, 12, 7, 6, 0), SCHEDULE_TRADE_PLUMBING);
	struct schedule_slot s[10];
	int n = find(&req, s, 10, NULL);
	assert_int_equal(n, 10);
	for (int i = 0; i < n; i++)
		assert_int_equal(s[i].technician_id, DANA);
	req.trade = SCHEDULE_TRADE_ELECTRICAL;
	assert_int_equal(find(&req, s, 10, NULL), 10);
	for (int i = 0; i < 10; i++)
		assert_int_equal(s[i].technician_id, LUIS);
	req.trade = SCHEDULE_TRADE_HVAC;
	assert_int_equal(find(&req, s, 10, NULL), 10);
	for (int i = 0; i < 10; i++)
		assert_true(s[i].technician_id == MARCUS || s[i].technician_id == PRIYA);
}

static void full_day_needs_a_whole_free_day(void **state)
{
	struct schedule_request req = demo_request(demo_local(&D, 2026, 12, 4, 17, 30), SCHEDULE_TRADE_HVAC);
	req.windows = 5;
	struct schedule_slot s[2];
	/* Saturday has only three windows: the first full day is Monday. */
	assert_int_equal(find(&req, s, 2, NULL), 1 + 1);
	assert_int_equal(s[0].start, demo_local(&D, 2026, 12, 7, 8, 0));
	assert_int_equal(s[0].end, demo_local(&D, 2026, 12, 7, 18, 0));
	assert_int_equal(s[1].start, demo_local(&D, 2026, 12, 8, 8, 0));
	/* One booked window makes Monday unusable for that technician only. */
	struct schedule_booking b[2] = {
		{MARCUS, demo_local(&D, 2026, 12, 7, 14, 0), demo_local(&D, 2026, 12, 7, 16, 0),
		 SCHEDULE_JOB_SCHEDULED, NULL, NULL, NULL},
		{PRIYA, demo_local(&D, 2026, 12, 7, 16, 0), demo_local(&D, 2026, 12, 7, 18, 0),
		 SCHEDULE_JOB_SCHEDULED, NULL, NULL, NULL},
	};
	D.cal.bookings = b;
	D.cal.n_bookings = 1;
	assert_int_equal(find(&req, s, 1, NULL), 1);
	assert_int_equal(s[0].start, demo_local(&D, 2026, 12, 7, 8, 0));
	assert_int_equal(s[0].technician_id, PRIYA);
	D.cal.n_bookings = 2;
	assert_int_equal(find(&req, s, 1, NULL), 1);
	assert_int_equal(s[0].start, demo_local(&D, 2026, 12, 8, 8, 0));
	D.cal.bookings = NULL;
	D.cal.n_bookings = 0;
}

static void bookings_and_time_off_are_avoided(void **state)
{
	int64_t mon8 = demo_local(&D, 2026, 12, 7, 8, 0), mon10 = demo_local(&D, 2026, 12, 7, 10, 0);
	struct schedule_booking b[3] = {
		{MARCUS, mon8, mon10, SCHEDULE_JOB_SCHEDULED, NULL, NULL, NULL},
		{PRIYA, mon8, mon10, SCHEDULE_JOB_EN_ROUTE, NULL, NULL, NULL},
		{DANA, mon8, mon10, SCHEDULE_JOB_CANCELLED, NULL, NULL, NULL},
	};
	D.cal.bookings = b;
	D.cal.n_bookings = 3;
	struct schedule_request req = demo_request(demo_local(&D, 2026, 12, 6, 12, 0), SCHEDULE_TRADE_HVAC);
	struct schedule_slot s[1];
	assert_int_equal(find(&req, s, 1, NULL), 1);
	assert_int_equal(s[0].start, mon10);
	/* A cancelled booking frees its window. */
	req.trade = SCHEDULE_TRADE_PLUMBING;
	assert_int_equal(find(&req, s, 1, NULL), 1);
	assert_int_equal(s[0].start, mon8);
	/* Time off blocks like a booking: Dana off all Monday morning. */
	struct schedule_interval off = {mon8, demo_local(&D, 2026, 12, 7, 12, 0)};
	D.techs[0].time_off = &off;
	D.techs[0].n_time_off = 1;
	assert_int_equal(find(&req, s, 1, NULL), 1);
	assert_int_equal(s[0].start, demo_local(&D, 2026, 12, 7, 12, 0));
	D.techs[0].time_off = NULL;
	D.techs[0].n_time_off = 0;
	D.cal.bookings = NULL;
	D.cal.n_bookings = 0;
}

static void overlapping_busy_time(void **state)
{
	/* A long booking hidden behind a later-starting short one still blocks. */
	struct schedule_booking b[3] = {
		{DANA, demo_local(&D, 2026, 12, 7, 8, 0), demo_local(&D, 2026, 12, 7, 18, 0),
		 SCHEDULE_JOB_SCHEDULED, NULL, NULL, NULL},
		{DANA, demo_local(&D, 2026, 12, 7, 9, 0), demo_local(&D, 2026, 12, 7, 10, 0),
		 SCHEDULE_JOB_ON_SITE, NULL, NULL, NULL},
		{DANA, demo_local(&D, 2026, 12, 7, 12, 0), demo_local(&D, 2026, 12, 7, 13, 0),
		 SCHEDULE_JOB_SCHEDULED, NULL, NULL, NULL},
	};
	D.cal.bookings = b;
	D.cal.n_bookings = 3;
	/* And a week's vacation Tuesday to the next Monday morning. */
	struct schedule_interval off = {demo_local(&D, 2026, 12, 8, 0, 0), demo_local(&D, 2026, 12, 14, 10, 0)};
	D.techs[0].time_off = &off;
	D.techs[0].n_time_off = 1;
	struct schedule_request req = demo_request(demo_local(&D, 2026, 12, 6, 12, 0), SCHEDULE_TRADE_PLUMBING);
	struct schedule_slot s[2];
	assert_int_equal(find(&req, s, 2, NULL), 2);
	assert_int_equal(s[0].start, demo_local(&D, 2026, 12, 14, 10, 0));
	assert_int_equal(s[1].start, demo_local(&D, 2026, 12, 14, 12, 0));
	D.techs[0].time_off = NULL;
	D.techs[0].n_time_off = 0;
	D.cal.bookings = NULL;
	D.cal.n_bookings = 0;
}

static void busy_calendar(void **state)
{
	/* Both HVAC technicians booked solid for three weeks except one window. */
	static struct schedule_booking b[2 * 21 * 5];
	size_t n = 0;
	int64_t hole = demo_local(&D, 2026, 12, 23, 14, 0);
	for (int day = 7; day < 28; day++)
		for (int w = 0; w < 5; w++)
			for (int64_t t = MARCUS; t <= PRIYA; t++) {
				int64_t st = demo_local(&D, 2026, 12, day, 8 + 2 * w, 0);
				if (st == hole && t == PRIYA)
					continue;
				b[n++] = (struct schedule_booking){t, st, st + 7200, SCHEDULE_JOB_SCHEDULED,
								   NULL, NULL, NULL};
			}
	D.cal.bookings = b;
	D.cal.n_bookings = n;
	struct schedule_request req = demo_request(demo_local(&D, 2026, 12, 6, 12, 0), SCHEDULE_TRADE_HVAC);
	struct schedule_slot s[2];
	assert_int_equal(find(&req, s, 2, NULL), 2);
	assert_int_equal(s[0].start, hole);
	assert_int_equal(s[0].technician_id, PRIYA);
	/* Then nothing until the bookings stop: Monday the 28th. */
	assert_int_equal(s[1].start, demo_local(&D, 2026, 12, 28, 8, 0));
	D.cal.bookings = NULL;
	D.cal.n_bookings = 0;
}

static void least_booked_first(void **state)
{
	struct schedule_booking b[3];
	for (int i = 0; i < 3; i++)
		b[i] = (struct schedule_booking){MARCUS, demo_local(&D, 2026, 12, 9 + i, 8, 0),
						 demo_local(&D, 2026, 12, 9 + i, 10, 0),
						 SCHEDULE_JOB_SCHEDULED, NULL, NULL, NULL};
	D.cal.bookings = b;
	D.cal.n_bookings = 3;
	struct schedule_request req = demo_request(demo_local(&D, 2026, 12, 6, 12, 0), SCHEDULE_TRADE_HVAC);
	struct schedule_slot s[5];
	assert_int_equal(find(&req, s, 5, NULL), 5);
	/* Priya (no bookings) gets the first windows until she has caught up with Marcus. */
	assert_int_equal(s[0].technician_id, PRIYA);
	assert_int_equal(s[1].technician_id, PRIYA);
	assert_int_equal(s[2].technician_id, PRIYA);
	assert_int_equal(s[3].technician_id, MARCUS);
	assert_int_equal(s[4].technician_id, PRIYA);
	/* Past bookings do not count against anyone. */
	req.now = demo_local(&D, 2026, 12, 12, 12, 0);
	assert_int_equal(find(&req, s, 2, NULL), 2);
	assert_int_equal(s[0].technician_id, MARCUS);
	assert_int_equal(s[1].technician_id, PRIYA);
	D.cal.bookings = NULL;
	D.cal.n_bookings = 0;
}

static void preferences_and_fallbacks(void **state)
{
	int64_t now = demo_local(&D, 2026, 12, 3, 15, 0);  /* Thursday */
	struct schedule_request req = demo_request(now, SCHEDULE_TRADE_HVAC);
	struct schedule_slot s[5];
	enum schedule_match m;
	/* "next Tuesday afternoon" */
	req.pref_start = demo_local(&D, 2026, 12, 8, 0, 0);
	req.pref_end = demo_local(&D, 2026, 12, 9, 0, 0);
	req.parts = SCHEDULE_PART_AFTERNOON;
	assert_int_equal(find(&req, s, 5, &m), 3);
	assert_int_equal(m, SCHEDULE_MATCH_PREFERRED);
	assert_int_equal(s[0].start, demo_local(&D, 2026, 12, 8, 12, 0));
	assert_int_equal(s[2].start, demo_local(&D, 2026, 12, 8, 16, 0));
	/* "between 4 and 6 on Tuesday" */
	req.pref_start = demo_local(&D, 2026, 12, 8, 16, 0);
	req.pref_end = demo_local(&D, 2026, 12, 8, 18, 0);
	req.parts = 0;
	assert_int_equal(find(&req, s, 5, &m), 1);
	assert_int_equal(s[0].start, demo_local(&D, 2026, 12, 8, 16, 0));
	/* Sunday is closed: fall back to the next open day. */
	req.pref_start = demo_local(&D, 2026, 12, 6, 0, 0);
	req.pref_end = demo_local(&D, 2026, 12, 7, 0, 0);
	req.parts = SCHEDULE_PART_MORNING;
	assert_int_equal(find(&req, s, 2, &m), 2);
	assert_int_equal(m, SCHEDULE_MATCH_LATER_DAY);
	assert_int_equal(s[0].start, demo_local(&D, 2026, 12, 7, 8, 0));
	assert_int_equal(s[1].start, demo_local(&D, 2026, 12, 7, 10, 0));
	/* A full preferred day falls back too: Dana booked all of Tuesday. */
	struct schedule_booking full = {DANA, demo_local(&D, 2026, 12, 8, 8, 0),
					demo_local(&D, 2026, 12, 8, 18, 0), SCHEDULE_JOB_SCHEDULED,
					NULL, NULL, NULL};
	D.cal.bookings = &full;
	D.cal.n_bookings = 1;
	req.trade = SCHEDULE_TRADE_PLUMBING;
	req.pref_start = demo_local(&D, 2026, 12, 8, 0, 0);
	req.pref_end = demo_local(&D, 2026, 12, 9, 0, 0);
	req.parts = 0;
	assert_int_equal(find(&req, s, 1, &m), 1);
	assert_int_equal(m, SCHEDULE_MATCH_LATER_DAY);
	assert_int_equal(s[0].start, demo_local(&D, 2026, 12, 9, 8, 0));
	D.cal.bookings = NULL;
	D.cal.n_bookings = 0;
	/* A preferred day months ahead is searched even with a short horizon. */
	req.pref_start = demo_local(&D, 2027, 4, 6, 0, 0);  /* a Tuesday */
	req.pref_end = demo_local(&D, 2027, 4, 7, 0, 0);
	req.horizon_days = 7;
	assert_int_equal(find(&req, s, 1, &m), 1);
	assert_int_equal(m, SCHEDULE_MATCH_PREFERRED);
	assert_int_equal(s[0].start, demo_local(&D, 2027, 4, 6, 8, 0));
	req.horizon_days = 0;
	/* No window starts in the evening: any time is offered instead, and said so. */
	req.pref_start = req.pref_end = 0;
	req.parts = SCHEDULE_PART_EVENING;
	assert_int_equal(find(&req, s, 1, &m), 1);
	assert_int_equal(m, SCHEDULE_MATCH_ANY_TIME);
	assert_int_equal(s[0].start, demo_local(&D, 2026, 12, 3, 16, 0));  /* now + the lead */
}

static void service_area(void **state)
{
	struct schedule_request req = demo_request(demo_local(&D, 2026, 12, 6, 12, 0), SCHEDULE_TRADE_HVAC);
	struct schedule_slot s[4];
	req.zip = "90210";
	assert_int_equal(find(&req, s, 4, NULL), -TN_ENOTFOUND);
	/* Priya only covers Matthews. */
	static const char *const matthews[] = {"28105", "28104"};
	D.techs[2].zips = matthews;
	D.techs[2].n_zips = 2;
	req.zip = "28202";
	assert_int_equal(find(&req, s, 4, NULL), 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(s[i].technician_id, MARCUS);
	req.zip = "28105";
	assert_int_equal(find(&req, s, 4, NULL), 4);
	assert_int_equal(s[0].technician_id, MARCUS);
	assert_int_equal(s[1].technician_id, PRIYA);
	D.techs[2].zips = NULL;
	D.techs[2].n_zips = 0;
}

static void opening_hours(void **state)
{
	bool open;
	int64_t at, closes;
	int64_t mon0659 = demo_local(&D, 2026, 12, 7, 6, 59);
	assert_int_equal(schedule_is_open(&D.biz, mon0659, &open), 0);
	assert_false(open);
	assert_int_equal(schedule_next_open(&D.biz, mon0659, &at, &closes), 0);
	assert_int_equal(at, demo_local(&D, 2026, 12, 7, 7, 0));
	assert_int_equal(closes, demo_local(&D, 2026, 12, 7, 18, 0));
	assert_int_equal(schedule_is_open(&D.biz, at, &open), 0);
	assert_true(open);
	int64_t mid = demo_local(&D, 2026, 12, 7, 12, 34);
	assert_int_equal(schedule_next_open(&D.biz, mid, &at, NULL), 0);
	assert_int_equal(at, mid);
	int64_t sat2 = demo_local(&D, 2026, 12, 5, 14, 0);
	assert_int_equal(schedule_is_open(&D.biz, sat2 - 1, &open), 0);
	assert_true(open);
	assert_int_equal(schedule_is_open(&D.biz, sat2, &open), 0);
	assert_false(open);
	assert_int_equal(schedule_next_open(&D.biz, sat2, &at, NULL), 0);
	assert_int_equal(at, demo_local(&D, 2026, 12, 7, 7, 0));
	/* A business that never opens. */
	struct schedule_business closed = D.biz;
	memset(closed.hours, 0, sizeof closed.hours);
	assert_int_equal(schedule_next_open(&closed, sat2, &at, NULL), -TN_ENOTFOUND);
}

static void bad_arguments(void **state)
{
	struct schedule_request req = demo_request(demo_local(&D, 2026, 12, 6, 12, 0), SCHEDULE_TRADE_HVAC);
	struct schedule_slot s[1];
	req.windows = 0;
	assert_int_equal(find(&req, s, 1, NULL), -EINVAL);
	req.windows = 6;  /* longer than any day */
	assert_int_equal(find(&req, s, 1, NULL), 0);
	req.windows = 1;
	req.trade = SCHEDULE_TRADE_COUNT;
	assert_int_equal(find(&req, s, 1, NULL), -EINVAL);
	req.trade = SCHEDULE_TRADE_HVAC;
	req.horizon_days = SCHEDULE_HORIZON_MAX + 1;
	assert_int_equal(find(&req, s, 1, NULL), -EINVAL);
	req.horizon_days = 0;
	assert_int_equal(find(&req, s, 0, NULL), 0);
	struct schedule_business bad = D.biz;
	bad.hours[1] = (struct schedule_day){{{600, 500}}, 1};
	struct schedule_calendar cal = D.cal;
	cal.business = &bad;
	assert_int_equal(schedule_find_slots(&cal, &req, s, 1, NULL), -EINVAL);
	bool open;
	assert_int_equal(schedule_is_open(&bad, 0, &open), -EINVAL);
	bad = D.biz;
	bad.zone = NULL;
	assert_int_equal(schedule_is_open(&bad, 0, &open), -EINVAL);
	/* A horizon too short to reach an open day finds nothing. */
	req.now = demo_local(&D, 2026, 12, 5, 15, 0);  /* Saturday after closing */
	req.horizon_days = 1;
	enum schedule_match m = SCHEDULE_MATCH_PREFERRED;
	assert_int_equal(find(&req, s, 1, &m), 0);
	assert_int_equal(m, SCHEDULE_MATCH_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sunday_request_offers_monday),
		cmocka_unit_test(friday_evening_offers_saturday_then_monday),
		cmocka_unit_test(lead_time_and_never_in_the_past),
		cmocka_unit_test(thanksgiving_is_skipped),
		cmocka_unit_test(dst_weeks_give_right_utc),
		cmocka_unit_test(trades_go_to_the_right_technician),
		cmocka_unit_test(full_day_needs_a_whole_free_day),
		cmocka_unit_test(bookings_and_time_off_are_avoided),
		cmocka_unit_test(overlapping_busy_time),
		cmocka_unit_test(busy_calendar),
		cmocka_unit_test(least_booked_first),
		cmocka_unit_test(preferences_and_fallbacks),
		cmocka_unit_test(service_area),
		cmocka_unit_test(opening_hours),
		cmocka_unit_test(bad_arguments),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
