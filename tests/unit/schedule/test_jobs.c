/* test_jobs.c: job states and transitions, trades, slot keys, US holidays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <errno.h>

#include "helper_demo.h"

static void job_state_names(void **state)
{
	static const char *const names[] = {"scheduled", "en_route", "on_site", "completed", "cancelled"};
	for (int i = 0; i < SCHEDULE_JOB_COUNT; i++) {
		enum schedule_job_state s;
		assert_string_equal(schedule_job_state_name((enum schedule_job_state)i), names[i]);
		assert_int_equal(schedule_job_state_parse(names[i], &s), 0);
		assert_int_equal(s, i);
	}
	enum schedule_job_state s;
	assert_int_equal(schedule_job_state_parse("Scheduled", &s), -EINVAL);
	assert_int_equal(schedule_job_state_parse("", &s), -EINVAL);
	assert_int_equal(schedule_job_state_parse(NULL, &s), -EINVAL);
	assert_string_equal(schedule_job_state_name(SCHEDULE_JOB_COUNT), "?");
	enum schedule_trade t;
	assert_int_equal(schedule_trade_parse("plumbing", &t), 0);
	assert_int_equal(t, SCHEDULE_TRADE_PLUMBING);
	assert_string_equal(schedule_trade_name(SCHEDULE_TRADE_ELECTRICAL), "electrical");
	assert_int_equal(schedule_trade_parse("roofing", &t), -EINVAL);
}

static void transitions(void **state)
{
	assert_true(schedule_job_transition_ok(SCHEDULE_JOB_SCHEDULED, SCHEDULE_JOB_EN_ROUTE));
	assert_true(schedule_job_transition_ok(SCHEDULE_JOB_SCHEDULED, SCHEDULE_JOB_CANCELLED));
	assert_true(schedule_job_transition_ok(SCHEDULE_JOB_SCHEDULED, SCHEDULE_JOB_ON_SITE));
	assert_true(schedule_job_transition_ok(SCHEDULE_JOB_EN_ROUTE, SCHEDULE_JOB_ON_SITE));
	assert_true(schedule_job_transition_ok(SCHEDULE_JOB_EN_ROUTE, SCHEDULE_JOB_SCHEDULED));
	assert_true(schedule_job_transition_ok(SCHEDULE_JOB_ON_SITE, SCHEDULE_JOB_COMPLETED));
	assert_false(schedule_job_transition_ok(SCHEDULE_JOB_SCHEDULED, SCHEDULE_JOB_COMPLETED));
	assert_false(schedule_job_transition_ok(SCHEDULE_JOB_ON_SITE, SCHEDULE_JOB_CANCELLED));
	assert_false(schedule_job_transition_ok(SCHEDULE_JOB_SCHEDULED, SCHEDULE_JOB_SCHEDULED));
	for (int to = 0; to < SCHEDULE_JOB_COUNT; to++) {
		assert_false(schedule_job_transition_ok(SCHEDULE_JOB_COMPLETED, (enum schedule_job_state)to));
		assert_false(schedule_job_transition_ok(SCHEDULE_JOB_CANCELLED, (enum schedule_job_state)to));
	}
	assert_false(schedule_job_transition_ok(SCHEDULE_JOB_COUNT, SCHEDULE_JOB_SCHEDULED));
}

static void slot_keys(void **state)
{
	char a[SCHEDULE_SLOT_KEY_MAX], b[SCHEDULE_SLOT_KEY_MAX];
	assert_int_equal(schedule_slot_key(2, 1796644800, a, sizeof a), 0);
	assert_string_equal(a, "t2-1796644800");
	assert_int_equal(schedule_slot_key(3, 1796644800, b, sizeof b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(schedule_slot_key(2, 1796652000, b, sizeof b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(schedule_slot_key(INT64_MIN, INT64_MIN, a, sizeof a), 0);
	assert_int_equal(schedule_slot_key(2, 1796644800, a, 5), -ENOSPC);
}

static void slot_windows_of_a_booking(void **state)
{
	struct demo d;
	demo_init(&d);
	int64_t w[8];
	int64_t mon8 = demo_local(&d, 2026, 3, 9, 8, 0), mon18 = demo_local(&d, 2026, 3, 9, 18, 0);
	assert_int_equal(schedule_slot_windows(&d.biz, mon8, mon18, w, 8), 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(w[i], mon8 + i * 7200);
	assert_int_equal(schedule_slot_windows(&d.biz, mon8 + 7200, mon8 + 3 * 7200, w, 8), 2);
	assert_int_equal(w[1], mon8 + 2 * 7200);
	assert_int_equal(schedule_slot_windows(&d.biz, mon8 + 60, mon8 + 7200, w, 8), -EINVAL);
	assert_int_equal(schedule_slot_windows(&d.biz, mon8, mon8 + 3600, w, 8), -EINVAL);
	assert_int_equal(schedule_slot_windows(&d.biz, mon8, mon18, w, 2), -ENOSPC);
}

static bool has(const struct schedule_date *d, int n, int y, int m, int day)
{
	for (int i = 0; i < n; i++)
		if (d[i].year == y && d[i].month == m && d[i].day == day)
			return true;
	return false;
}

static void us_holidays(void **state)
{
	struct schedule_date d[11];
	assert_int_equal(schedule_us_holidays(2026, d, 11), 11);
	assert_true(has(d, 11, 2026, 1, 1));
	assert_true(has(d, 11, 2026, 1, 19));   /* MLK: third Monday */
	assert_true(has(d, 11, 2026, 2, 16));
	assert_true(has(d, 11, 2026, 5, 25));   /* last Monday of May */
	assert_true(has(d, 11, 2026, 6, 19));
	assert_true(has(d, 11, 2026, 7, 3));    /* July 4th is a Saturday */
	assert_true(has(d, 11, 2026, 9, 7));
	assert_true(has(d, 11, 2026, 10, 12));
	assert_true(has(d, 11, 2026, 11, 11));
	assert_true(has(d, 11, 2026, 11, 26));  /* Thanksgiving */
	assert_true(has(d, 11, 2026, 12, 25));
	assert_int_equal(schedule_us_holidays(2027, d, 11), 11);
	assert_true(has(d, 11, 2027, 12, 24));  /* Christmas is a Saturday */
	assert_true(has(d, 11, 2027, 6, 18));   /* Juneteenth is a Saturday */
	assert_true(has(d, 11, 2027, 7, 5));    /* July 4th is a Sunday */
	assert_true(has(d, 11, 2027, 5, 31));
	assert_int_equal(schedule_us_holidays(2026, d, 10), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(job_state_names),
		cmocka_unit_test(transitions),
		cmocka_unit_test(slot_keys),
		cmocka_unit_test(slot_windows_of_a_booking),
		cmocka_unit_test(us_holidays),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
