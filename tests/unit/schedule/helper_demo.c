/* helper_demo.c: the demo business for the schedule tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/tz.h"
#include "helper_demo.h"

static const char *const area[] = {
	"28202", "28203", "28204", "28205", "28206", "28207", "28208", "28209", "28210",
	"28211", "28212", "28213", "28214", "28215", "28216", "28226", "28227", "28277",
	"28105", "28104", "28173",
};

static void business_hours(struct schedule_day hours[7])
{
	memset(hours, 0, 7 * sizeof *hours);
	for (int w = 1; w <= 5; w++)
		hours[w] = (struct schedule_day){{{7 * 60, 18 * 60}}, 1};
	hours[6] = (struct schedule_day){{{8 * 60, 14 * 60}}, 1};
}

void demo_init(struct demo *d)
{
	memset(d, 0, sizeof *d);
	const struct tz *zone;
	assert_int_equal(tz_get("America/New_York", &zone), 0);
	d->biz.zone = zone;
	business_hours(d->biz.hours);
	size_t nh = 0;
	for (int y = 2026; y <= 2028; y++) {
		int n = schedule_us_holidays(y, d->holidays + nh, 11);
		assert_int_equal(n, 11);
		nh += (size_t)n;
	}
	d->biz.holidays = d->holidays;
	d->biz.n_holidays = nh;
	for (int i = 0; i < 5; i++)
		d->windows[i] = (struct schedule_range){(8 + 2 * i) * 60, (10 + 2 * i) * 60};
	d->biz.windows = d->windows;
	d->biz.n_windows = 5;
	d->biz.zips = area;
	d->biz.n_zips = sizeof area / sizeof *area;

	static const char *const names[4] = {"Dana Whitfield", "Marcus Bell", "Priya Raman", "Luis Ortega"};
	static const enum schedule_trade trades[4] = {SCHEDULE_TRADE_PLUMBING, SCHEDULE_TRADE_HVAC,
						      SCHEDULE_TRADE_HVAC, SCHEDULE_TRADE_ELECTRICAL};
	for (int i = 0; i < 4; i++) {
		d->techs[i].id = i + 1;
		d->techs[i].name = names[i];
		d->techs[i].trades = SCHEDULE_TRADE_BIT(trades[i]);
		business_hours(d->techs[i].hours);
	}
	d->cal.business = &d->biz;
	d->cal.techs = d->techs;
	d->cal.n_techs = 4;
}

int64_t demo_local(const struct demo *d, int y, int mo, int day, int h, int mi)
{
	int64_t t;
	assert_int_equal(tz_from_local(d->biz.zone, y, mo, day, h, mi, 0, TZ_EARLIER, &t), 0);
	return t;
}

int64_t demo_utc(int y, int mo, int day, int h, int mi)
{
	return tz_days_from_civil(y, mo, day) * 86400 + h * 3600 + mi * 60;
}

struct schedule_request demo_request(int64_t now, enum schedule_trade trade)
{
	struct schedule_request r;
	memset(&r, 0, sizeof r);
	r.now = now;
	r.lead_seconds = 3600;
	r.trade = trade;
	r.windows = 1;
	return r;
}
