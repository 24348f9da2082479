/* helper_demo.h: the demo business (Brightline) as schedule structs, for the tests. */
#ifndef TANDEM_TEST_SCHEDULE_DEMO_H
#define TANDEM_TEST_SCHEDULE_DEMO_H

#include "schedule/schedule.h"

enum { DANA = 1, MARCUS = 2, PRIYA = 3, LUIS = 4 };

struct demo {
	struct schedule_business biz;
	struct schedule_technician techs[4];
	struct schedule_date holidays[33];
	struct schedule_range windows[5];
	struct schedule_calendar cal;
};

/* Fills d (which must not move afterwards): America/New_York, Mon-Fri 07-18, Sat
 * 08-14, US federal holidays 2026-2028, windows 08-10 .. 16-18, four technicians who
 * work the business hours, no bookings. */
void demo_init(struct demo *d);
/* Unix seconds of a local wall-clock time in the demo zone. */
int64_t demo_local(const struct demo *d, int y, int mo, int day, int h, int mi);
/* Unix seconds of a UTC time, computed without the zone code. */
int64_t demo_utc(int y, int mo, int day, int h, int mi);
/* A request for one window of trade at now, lead one hour, no preference. */
struct schedule_request demo_request(int64_t now, enum schedule_trade trade);

#endif
