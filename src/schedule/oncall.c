/* oncall.c: who is on call at an instant, for a weekly rotation handed over locally. */
#include "schedule/schedule_internal.h"

#include "base/tz.h"

#include <errno.h>

int schedule_oncall_at(const struct schedule_oncall *rot, int64_t t, size_t *member,
		       int64_t *since, int64_t *until)
{
	if (!rot || !rot->zone || !rot->members || rot->n_members == 0 || !member ||
	    rot->handover_wday < 0 || rot->handover_wday > 6 || rot->handover_minute < 0 ||
	    rot->handover_minute >= 1440 || rot->start.month < 1 || rot->start.month > 12 ||
	    rot->start.day < 1 || rot->start.day > 31)
		return -EINVAL;
	const int hw = rot->handover_wday, hm = rot->handover_minute;
	/* The first handover at or after the start date. */
	int64_t epoch = tz_days_from_civil(rot->start.year, rot->start.month, rot->start.day);
	epoch += (hw - schedule__wday(epoch) + 7) % 7;

	int64_t today;
	int minute;
	int rc = schedule__local_day(rot->zone, t, &today, &minute);
	if (rc)
		return rc;
	/* The latest handover day on or before today, then back a week if its handover
	 * is still ahead of t. */
	int64_t day = today - (schedule__wday(today) - hw + 7) % 7;
	int64_t h;
	if ((rc = schedule__instant(rot->zone, day, hm, &h)))
		return rc;
	if (h > t) {
		day -= 7;
		if ((rc = schedule__instant(rot->zone, day, hm, &h)))
			return rc;
	}
	int64_t weeks = (day - epoch) / 7;  /* exact: both are handover weekdays */
	int64_t n = (int64_t)rot->n_members;
	*member = (size_t)(((weeks % n) + n) % n);
	if (since)
		*since = h;
	if (until && (rc = schedule__instant(rot->zone, day + 7, hm, until)))
		return rc;
	return 0;
}
