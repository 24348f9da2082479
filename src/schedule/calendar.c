/* calendar.c: business days and hours, free appointment slots, US federal holidays. */
#include "schedule/schedule_internal.h"

#include "base/err.h"
#include "base/tz.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int schedule__wday(int64_t days)
{
	int64_t w = (days + 4) % 7;  /* 1970-01-01 was a Thursday */
	return (int)(w < 0 ? w + 7 : w);
}

int schedule__local_day(const struct tz *zone, int64_t t, int64_t *days, int *minute)
{
	struct tz_local lt;
	int rc = tz_to_local(zone, t, &lt);
	if (rc)
		return rc;
	*days = tz_days_from_civil(lt.year, lt.month, lt.day);
	*minute = lt.hour * 60 + lt.minute;
	return 0;
}

int schedule__instant(const struct tz *zone, int64_t days, int minute, int64_t *t)
{
	if (minute >= 1440) {
		days += minute / 1440;
		minute %= 1440;
	}
	int y, m, d;
	tz_civil_from_days(days, &y, &m, &d);
	return tz_from_local(zone, y, m, d, minute / 60, minute % 60, 0, TZ_EARLIER, t);
}

void schedule__utc_stamp(int64_t t, char out[17])
{
	int64_t days = t / 86400, sec = t % 86400;
	if (sec < 0) {
		sec += 86400;
		days--;
	}
	int y, m, d;
	tz_civil_from_days(days, &y, &m, &d);
	int v[6] = {y, m, d, (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60)};
	int w[6] = {4, 2, 2, 2, 2, 2};
	char *p = out;
	for (int i = 0; i < 6; i++) {
		if (i == 3)
			*p++ = 'T';
		int x = v[i] < 0 ? 0 : v[i];
		for (int k = w[i] - 1; k >= 0; k--) {
			p[k] = (char)('0' + x % 10);
			x /= 10;
		}
		p += w[i];
	}
	*p++ = 'Z';
	*p = '\0';
}

static bool valid_day(const struct schedule_day *d)
{
	if (d->n < 0 || d->n > SCHEDULE_RANGES_MAX)
		return false;
	for (int i = 0; i < d->n; i++) {
		const struct schedule_range *r = &d->range[i];
		if (r->start < 0 || r->start >= r->end || r->end > 1440)
			return false;
		if (i && r->start < d->range[i - 1].end)
			return false;
	}
	return true;
}

static bool valid_business(const struct schedule_business *b)
{
	if (!b || !b->zone || (b->n_holidays && !b->holidays) || (b->n_windows && !b->windows) ||
	    (b->n_zips && !b->zips))
		return false;
	for (int w = 0; w < 7; w++)
		if (!valid_day(&b->hours[w]))
			return false;
	for (size_t i = 0; i < b->n_windows; i++) {
		const struct schedule_range *r = &b->windows[i];
		if (r->start < 0 || r->start >= r->end || r->end > 1440)
			return false;
		if (i && r->start < b->windows[i - 1].end)
			return false;
	}
	return true;
}

static bool is_holiday(const struct schedule_business *b, int64_t days)
{
	for (size_t i = 0; i < b->n_holidays; i++) {
		const struct schedule_date *h = &b->holidays[i];
		if (tz_days_from_civil(h->year, h->month, h->day) == days)
			return true;
	}
	return false;
}

/* True when [start, end) minutes lies inside one range of d. */
static bool day_covers(const struct schedule_day *d, int start, int end)
{
	for (int i = 0; i < d->n; i++)
		if (d->range[i].start <= start && end <= d->range[i].end)
			return true;
	return false;
}

static bool zip_in(const char *zip, const char *const *zips, size_t n)
{
	if (n == 0 || !zip)
		return true;
	for (size_t i = 0; i < n; i++)
		if (zips[i] && strcmp(zips[i], zip) == 0)
			return true;
	return false;
}

int schedule_is_open(const struct schedule_business *biz, int64_t now, bool *open)
{
	if (!valid_business(biz) || !open)
		return -EINVAL;
	int64_t days;
	int minute;
	int rc = schedule__local_day(biz->zone, now, &days, &minute);
	if (rc)
		return rc;
	*open = !is_holiday(biz, days) && day_covers(&biz->hours[schedule__wday(days)], minute, minute + 1);
	return 0;
}

int schedule_next_open(const struct schedule_business *biz, int64_t now, int64_t *at,
		       int64_t *closes)
{
	if (!valid_business(biz) || !at)
		return -EINVAL;
	int64_t today;
	int minute;
	int rc = schedule__local_day(biz->zone, now, &today, &minute);
	if (rc)
		return rc;
	/* Start a day early: a range late yesterday may still be open (DST edges). */
	for (int64_t day = today - 1; day <= today + SCHEDULE_HORIZON_MAX; day++) {
		if (is_holiday(biz, day))
			continue;
		const struct schedule_day *h = &biz->hours[schedule__wday(day)];
		for (int i = 0; i < h->n; i++) {
			int64_t o, c;
			if ((rc = schedule__instant(biz->zone, day, h->range[i].start, &o)) ||
			    (rc = schedule__instant(biz->zone, day, h->range[i].end, &c)))
				return rc;
			if (c <= now)
				continue;
			*at = o > now ? o : now;
			if (closes)
				*closes = c;
			return 0;
		}
	}
	return -TN_ENOTFOUND;
}

/* One pass of the slot search. */
struct pass {
	int64_t from;      /* earliest slot start */
	int64_t until;     /* slot starts before this; INT64_MAX: no limit */
	unsigned parts;    /* 0: any */
};

/* A technician's busy time (bookings and time off) sorted by start, with the running
 * maximum of the ends, so "does [a, b) overlap anything?" is one binary search. */
struct busy {
	int64_t start, max_end;
};

struct search {
	const struct schedule_calendar *cal;
	const struct schedule_request *req;
	int64_t first_day, last_day;
	unsigned *load;    /* per technician: active bookings from now plus slots offered */
	int64_t *holidays; /* the business's holidays as day numbers */
	struct busy *busy; /* all technicians' busy lists, one after another */
	size_t *busy_at;   /* technician i's list: busy[busy_at[i] .. busy_at[i + 1]) */
};

static unsigned part_of(int minute)
{
	if (minute < 12 * 60)
		return SCHEDULE_PART_MORNING;
	if (minute < 17 * 60)
		return SCHEDULE_PART_AFTERNOON;
	return SCHEDULE_PART_EVENING;
}

static bool tech_free(const struct search *s, size_t ti, int64_t start, int64_t end)
{
	size_t lo = s->busy_at[ti], hi = s->busy_at[ti + 1];
	/* Find the first busy interval starting at or after end; everything before it
	 * starts earlier, and overlaps when the latest end among them is after start. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->busy[mid].start < end)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == s->busy_at[ti] || s->busy[lo - 1].max_end <= start;
}

struct raw_busy {
	size_t tech;
	int64_t start, end;
};

static int cmp_raw_busy(const void *a, const void *b)
{
	const struct raw_busy *x = a, *y = b;
	if (x->tech != y->tech)
		return x->tech < y->tech ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Technician index of id, or n_techs when unknown. */
static size_t tech_index(const struct schedule_calendar *cal, int64_t id)
{
	size_t i = 0;
	while (i < cal->n_techs && cal->techs[i].id != id)
		i++;
	return i;
}

/* Builds the busy lists from bookings (not cancelled) and time off that end after
 * from, and counts each technician's active bookings from now into load. */
static int build_busy(struct search *s, int64_t from)
{
	const struct schedule_calendar *cal = s->cal;
	size_t total = cal->n_bookings;
	for (size_t i = 0; i < cal->n_techs; i++)
		total += cal->techs[i].n_time_off;
	struct raw_busy *raw = total ? calloc(total, sizeof *raw) : NULL;
	s->busy = total ? calloc(total, sizeof *s->busy) : NULL;
	s->busy_at = calloc(cal->n_techs + 1, sizeof *s->busy_at);
	if ((total && (!raw || !s->busy)) || !s->busy_at) {
		free(raw);
		return -ENOMEM;
	}
	size_t n = 0;
	for (size_t k = 0; k < cal->n_bookings; k++) {
		const struct schedule_booking *b = &cal->bookings[k];
		if (b->status == SCHEDULE_JOB_CANCELLED)
			continue;
		size_t ti = tech_index(cal, b->technician_id);
		if (ti == cal->n_techs)
			continue;
		if (b->end > s->req->now)
			s->load[ti]++;
		if (b->end > from && b->end > b->start)
			raw[n++] = (struct raw_busy){ti, b->start, b->end};
	}
	for (size_t ti = 0; ti < cal->n_techs; ti++)
		for (size_t k = 0; k < cal->techs[ti].n_time_off; k++) {
			const struct schedule_interval *o = &cal->techs[ti].time_off[k];
			if (o->end > from && o->end > o->start)
				raw[n++] = (struct raw_busy){ti, o->start, o->end};
		}
	if (n)
		qsort(raw, n, sizeof *raw, cmp_raw_busy);
	size_t r = 0;
	for (size_t ti = 0; ti < cal->n_techs; ti++) {
		s->busy_at[ti] = r;
		int64_t max_end = INT64_MIN;
		for (; r < n && raw[r].tech == ti; r++) {
			if (raw[r].end > max_end)
				max_end = raw[r].end;
			s->busy[r] = (struct busy){raw[r].start, max_end};
		}
	}
	s->busy_at[cal->n_techs] = r;
	free(raw);
	return 0;
}

/* Picks the least-loaded free technician for the span, or -1. */
static long pick_tech(const struct search *s, int wday, int m_start, int m_end, int64_t start,
		      int64_t end)
{
	const struct schedule_calendar *cal = s->cal;
	long best = -1;
	for (size_t i = 0; i < cal->n_techs; i++) {
		const struct schedule_technician *t = &cal->techs[i];
		if (!(t->trades & SCHEDULE_TRADE_BIT(s->req->trade)))
			continue;
		if (!zip_in(s->req->zip, t->zips, t->n_zips))
			continue;
		if (!day_covers(&t->hours[wday], m_start, m_end))
			continue;
		if (best >= 0 && s->load[i] >= s->load[best])
			continue;
		if (!tech_free(s, i, start, end))
			continue;
		best = (long)i;
	}
	return best;
}

static int run_pass(const struct search *s, const struct pass *p, struct schedule_slot *out,
		    size_t max, size_t *n)
{
	const struct schedule_business *b = s->cal->business;
	const size_t w = (size_t)s->req->windows;
	int64_t day0;
	int minute;
	/* Days before the pass's first instant cannot hold a slot. */
	int rc = schedule__local_day(b->zone, p->from, &day0, &minute);
	if (rc)
		return rc;
	if (day0 < s->first_day)
		day0 = s->first_day;
	for (int64_t day = day0; day <= s->last_day && *n < max; day++) {
		int wday = schedule__wday(day);
		const struct schedule_day *hours = &b->hours[wday];
		if (!hours->n)
			continue;
		bool holiday = false;
		for (size_t h = 0; h < b->n_holidays && !holiday; h++)
			holiday = s->holidays[h] == day;
		if (holiday)
			continue;
		for (size_t i = 0; i + w <= b->n_windows && *n < max; i++) {
			const struct schedule_range *first = &b->windows[i], *last = &b->windows[i + w - 1];
			if (p->parts && !(p->parts & part_of(first->start)))
				continue;
			bool ok = true;
			for (size_t k = i; k < i + w && ok; k++) {
				ok = day_covers(hours, b->windows[k].start, b->windows[k].end);
				if (ok && k > i)
					ok = b->windows[k - 1].end == b->windows[k].start;
			}
			if (!ok)
				continue;
			int64_t start, end;
			if ((rc = schedule__instant(b->zone, day, first->start, &start)) ||
			    (rc = schedule__instant(b->zone, day, last->end, &end)))
				return rc;
			if (start < p->from || start >= p->until)
				continue;
			long t = pick_tech(s, wday, first->start, last->end, start, end);
			if (t < 0)
				continue;
			s->load[t]++;
			out[(*n)++] = (struct schedule_slot){start, end, s->cal->techs[t].id};
		}
	}
	return 0;
}

int schedule_find_slots(const struct schedule_calendar *cal, const struct schedule_request *req,
			struct schedule_slot *out, size_t max, enum schedule_match *match)
{
	if (match)
		*match = SCHEDULE_MATCH_NONE;
	if (!cal || !req || !valid_business(cal->business) || (cal->n_techs && !cal->techs) ||
	    (cal->n_bookings && !cal->bookings) || (max && !out))
		return -EINVAL;
	if ((unsigned)req->trade >= SCHEDULE_TRADE_COUNT || req->windows < 1 ||
	    req->lead_seconds < 0 || req->horizon_days < 0 ||
	    req->horizon_days > SCHEDULE_HORIZON_MAX || req->pref_end < req->pref_start ||
	    (req->parts & ~(SCHEDULE_PART_MORNING | SCHEDULE_PART_AFTERNOON | SCHEDULE_PART_EVENING)))
		return -EINVAL;
	for (size_t i = 0; i < cal->n_techs; i++) {
		const struct schedule_technician *t = &cal->techs[i];
		if ((t->n_zips && !t->zips) || (t->n_time_off && !t->time_off))
			return -EINVAL;
		for (int d = 0; d < 7; d++)
			if (!valid_day(&t->hours[d]))
				return -EINVAL;
	}
	const struct schedule_business *b = cal->business;
	if (req->zip && !zip_in(req->zip, b->zips, b->n_zips))
		return -TN_ENOTFOUND;
	if (max == 0 || cal->n_techs == 0 || (size_t)req->windows > b->n_windows)
		return 0;

	struct search s = {.cal = cal, .req = req};
	int minute, rc;
	if ((rc = schedule__local_day(b->zone, req->now, &s.first_day, &minute)))
		return rc;
	/* The horizon counts from today, or from the preferred day when that is later. */
	int64_t base = s.first_day;
	if (req->pref_end > req->pref_start && req->pref_start > req->now &&
	    (rc = schedule__local_day(b->zone, req->pref_start, &base, &minute)))
		return rc;
	s.last_day = base + (req->horizon_days ? req->horizon_days : 30);
	int64_t earliest = req->now + req->lead_seconds;
	s.load = calloc(cal->n_techs, sizeof *s.load);
	if (!s.load)
		return -ENOMEM;
	if ((rc = build_busy(&s, earliest)))
		goto out;
	s.holidays = b->n_holidays ? calloc(b->n_holidays, sizeof *s.holidays) : NULL;
	if (b->n_holidays && !s.holidays) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < b->n_holidays; i++)
		s.holidays[i] = tz_days_from_civil(b->holidays[i].year, b->holidays[i].month,
						   b->holidays[i].day);

	bool has_range = req->pref_end > req->pref_start;
	int64_t from = has_range && req->pref_start > earliest ? req->pref_start : earliest;
	struct pass passes[3];
	enum schedule_match kinds[3];
	int np = 0;
	passes[np] = (struct pass){from, has_range ? req->pref_end : INT64_MAX, req->parts};
	kinds[np++] = SCHEDULE_MATCH_PREFERRED;
	if (has_range) {
		passes[np] = (struct pass){from, INT64_MAX, req->parts};
		kinds[np++] = SCHEDULE_MATCH_LATER_DAY;
	}
	if (req->parts) {
		passes[np] = (struct pass){from, INT64_MAX, 0};
		kinds[np++] = SCHEDULE_MATCH_ANY_TIME;
	}
	size_t n = 0;
	for (int i = 0; i < np && n == 0; i++) {
		if (passes[i].from >= passes[i].until)
			continue;
		if ((rc = run_pass(&s, &passes[i], out, max, &n)))
			goto out;
		if (n && match)
			*match = kinds[i];
	}
	rc = (int)n;
out:
	free(s.load);
	free(s.busy);
	free(s.busy_at);
	free(s.holidays);
	return rc;
}

int schedule_slot_windows(const struct schedule_business *biz, int64_t start, int64_t end,
			  int64_t *out, size_t max)
{
	if (!valid_business(biz) || end <= start || (max && !out))
		return -EINVAL;
	int64_t day;
	int minute, rc;
	if ((rc = schedule__local_day(biz->zone, start, &day, &minute)))
		return rc;
	size_t n = 0;
	bool started = false;
	for (size_t i = 0; i < biz->n_windows; i++) {
		int64_t ws, we;
		if ((rc = schedule__instant(biz->zone, day, biz->windows[i].start, &ws)) ||
		    (rc = schedule__instant(biz->zone, day, biz->windows[i].end, &we)))
			return rc;
		if (ws == start)
			started = true;
		if (!started || ws >= end)
			continue;
		if (we > end)
			return -EINVAL;
		if (n == max)
			return -ENOSPC;
		out[n++] = ws;
		if (we == end)
			return (int)n;
	}
	return -EINVAL;
}

/* ---- US federal holidays ---- */

/* Day number of the nth (1-based) weekday wd of a month; n == -1 means the last. */
static int64_t nth_weekday(int year, int month, int wd, int nth)
{
	if (nth < 0) {
		int64_t last = month == 12 ? tz_days_from_civil(year + 1, 1, 1) - 1
					   : tz_days_from_civil(year, month + 1, 1) - 1;
		return last - ((schedule__wday(last) - wd + 7) % 7);
	}
	int64_t first = tz_days_from_civil(year, month, 1);
	return first + (wd - schedule__wday(first) + 7) % 7 + 7 * (nth - 1);
}

static int64_t observed(int year, int month, int day)
{
	int64_t d = tz_days_from_civil(year, month, day);
	int wd = schedule__wday(d);
	return wd == 6 ? d - 1 : wd == 0 ? d + 1 : d;
}

int schedule_us_holidays(int year, struct schedule_date *out, size_t max)
{
	if (!out && max)
		return -EINVAL;
	int64_t days[] = {
		observed(year, 1, 1),
		nth_weekday(year, 1, 1, 3),    /* Martin Luther King Jr. Day */
		nth_weekday(year, 2, 1, 3),    /* Washington's Birthday */
		nth_weekday(year, 5, 1, -1),   /* Memorial Day */
		observed(year, 6, 19),
		observed(year, 7, 4),
		nth_weekday(year, 9, 1, 1),    /* Labor Day */
		nth_weekday(year, 10, 1, 2),   /* Columbus Day */
		observed(year, 11, 11),
		nth_weekday(year, 11, 4, 4),   /* Thanksgiving */
		observed(year, 12, 25),
	};
	size_t n = sizeof days / sizeof *days;
	if (max < n)
		return -ENOSPC;
	for (size_t i = 0; i < n; i++) {
		struct schedule_date *d = &out[i];
		tz_civil_from_days(days[i], &d->year, &d->month, &d->day);
	}
	return (int)n;
}
