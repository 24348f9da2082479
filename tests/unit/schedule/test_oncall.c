/* test_oncall.c: weekly on-call rotation handed over at a local weekday and time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "helper_demo.h"

static struct demo D;
static const int64_t members[4] = {MARCUS, PRIYA, DANA, LUIS};

static struct schedule_oncall rotation(void)
{
	demo_init(&D);
	/* Starts Monday 2026-01-05, handed over every Monday at 08:00 local. */
	return (struct schedule_oncall){D.biz.zone, members, 4, {2026, 1, 5}, 1, 8 * 60};
}

static int64_t who(const struct schedule_oncall *r, int64_t t)
{
	size_t m = 99;
	assert_int_equal(schedule_oncall_at(r, t, &m, NULL, NULL), 0);
	assert_true(m < 4);
	return members[m];
}

static void handover_at_the_boundary(void **state)
{
	struct schedule_oncall r = rotation();
	int64_t h0 = demo_local(&D, 2026, 1, 5, 8, 0);
	assert_int_equal(who(&r, h0), MARCUS);
	assert_int_equal(who(&r, h0 - 1), LUIS);  /* before the start it runs backwards */
	int64_t h1 = demo_local(&D, 2026, 1, 12, 8, 0);
	assert_int_equal(who(&r, h1 - 1), MARCUS);
	assert_int_equal(who(&r, h1), PRIYA);
	assert_int_equal(who(&r, demo_local(&D, 2026, 1, 18, 23, 0)), PRIYA);  /* Sunday */
	assert_int_equal(who(&r, demo_local(&D, 2026, 1, 19, 8, 0)), DANA);
	assert_int_equal(who(&r, demo_local(&D, 2026, 1, 26, 8, 0)), LUIS);
	assert_int_equal(who(&r, demo_local(&D, 2026, 2, 2, 8, 0)), MARCUS);
	size_t m;
	int64_t since, until;
	assert_int_equal(schedule_oncall_at(&r, h1 + 3600, &m, &since, &until), 0);
	assert_int_equal(since, h1);
	assert_int_equal(until, demo_local(&D, 2026, 1, 19, 8, 0));
}

static void handover_across_dst(void **state)
{
	struct schedule_oncall r = rotation();
	/* Monday 2026-03-09 is nine weeks in and the first Monday on EDT: 08:00 is 12:00Z. */
	int64_t h = demo_utc(2026, 3, 9, 12, 0);
	assert_int_equal(who(&r, h - 1), MARCUS);
	assert_int_equal(who(&r, h), PRIYA);
	size_t m;
	int64_t since, until;
	assert_int_equal(schedule_oncall_at(&r, h - 1, &m, &since, &until), 0);
	assert_int_equal(since, demo_utc(2026, 3, 2, 13, 0));  /* 08:00 EST */
	assert_int_equal(until, h);
	assert_int_equal(until - since, 7 * 86400 - 3600);  /* the short week */
	/* Fall back: Monday 2026-11-02 08:00 EST is 13:00Z. */
	int64_t f = demo_utc(2026, 11, 2, 13, 0);
	assert_int_not_equal(who(&r, f - 1), who(&r, f));
}

static void start_not_on_the_handover_day(void **state)
{
	struct schedule_oncall r = rotation();
	r.start = (struct schedule_date){2026, 1, 1};  /* a Thursday: first handover Monday */
	assert_int_equal(who(&r, demo_local(&D, 2026, 1, 5, 8, 0)), MARCUS);
	assert_int_equal(who(&r, demo_local(&D, 2026, 1, 2, 12, 0)), LUIS);
	/* Friday 17:00 handover. */
	r.handover_wday = 5;
	r.handover_minute = 17 * 60;
	assert_int_equal(who(&r, demo_local(&D, 2026, 1, 2, 16, 59)), LUIS);
	assert_int_equal(who(&r, demo_local(&D, 2026, 1, 2, 17, 0)), MARCUS);
	assert_int_equal(who(&r, demo_local(&D, 2026, 1, 9, 17, 0)), PRIYA);
}

static void bad_rotation(void **state)
{
	struct schedule_oncall r = rotation();
	size_t m;
	r.n_members = 0;
	assert_int_equal(schedule_oncall_at(&r, 0, &m, NULL, NULL), -EINVAL);
	r.n_members = 4;
	r.handover_wday = 7;
	assert_int_equal(schedule_oncall_at(&r, 0, &m, NULL, NULL), -EINVAL);
	r.handover_wday = 1;
	r.handover_minute = 1440;
	assert_int_equal(schedule_oncall_at(&r, 0, &m, NULL, NULL), -EINVAL);
	r.handover_minute = 0;
	r.zone = NULL;
	assert_int_equal(schedule_oncall_at(&r, 0, &m, NULL, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handover_at_the_boundary),
		cmocka_unit_test(handover_across_dst),
		cmocka_unit_test(start_not_on_the_handover_day),
		cmocka_unit_test(bad_rotation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
