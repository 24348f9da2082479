/* schedule.h: the business's calendar maths: open hours, free appointment slots,
 * on-call rotation, job states, slot keys and iCalendar export. Pure logic: the caller
 * fills plain structs (from the store) and passes "now"; nothing here keeps state. */
#ifndef TANDEM_SCHEDULE_SCHEDULE_H
#define TANDEM_SCHEDULE_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct tz;

#define SCHEDULE_RANGES_MAX 4      /* [open,close) ranges per weekday */
#define SCHEDULE_HORIZON_MAX 366   /* days a search may look ahead */
#define SCHEDULE_SLOT_KEY_MAX 48   /* bytes of a slot key, with the NUL */

/* Trades a technician can work. */
#define SCHEDULE_TRADES(X)          \
	X(PLUMBING, "plumbing")     \
	X(HVAC, "hvac")             \
	X(ELECTRICAL, "electrical")

enum schedule_trade {
#define SCHEDULE_TRADE_ENUM(id, name) SCHEDULE_TRADE_##id,
	SCHEDULE_TRADES(SCHEDULE_TRADE_ENUM)
#undef SCHEDULE_TRADE_ENUM
	SCHEDULE_TRADE_COUNT
};
#define SCHEDULE_TRADE_BIT(t) (1u << (t))

/* "plumbing", "hvac", "electrical"; "?" when out of range. */
const char *schedule_trade_name(enum schedule_trade t);
/* Parses a trade name. 0 or -EINVAL. */
int schedule_trade_parse(const char *s, enum schedule_trade *out);

/* Job (appointment) states. A booking in any state but cancelled holds its time. */
#define SCHEDULE_JOB_STATES(X)        \
	X(SCHEDULED, "scheduled")     \
	X(EN_ROUTE, "en_route")       \
	X(ON_SITE, "on_site")         \
	X(COMPLETED, "completed")     \
	X(CANCELLED, "cancelled")

enum schedule_job_state {
#define SCHEDULE_JOB_ENUM(id, name) SCHEDULE_JOB_##id,
	SCHEDULE_JOB_STATES(SCHEDULE_JOB_ENUM)
#undef SCHEDULE_JOB_ENUM
	SCHEDULE_JOB_COUNT
};

/* "scheduled", "en_route", ...; "?" when out of range. */
const char *schedule_job_state_name(enum schedule_job_state s);
/* Parses a job state name. 0 or -EINVAL. */
int schedule_job_state_parse(const char *s, enum schedule_job_state *out);
/* True when a job may move from one state to the other: scheduled -> en_route |
 * on_site | cancelled; en_route -> on_site | scheduled (the visit is put back) |
 * cancelled; on_site -> completed. completed and cancelled are final; staying in the
 * same state is not a transition. */
bool schedule_job_transition_ok(enum schedule_job_state from, enum schedule_job_state to);

/* A local time-of-day range in minutes after midnight, [start, end), 0 <= start < end
 * <= 1440. */
struct schedule_range {
	int start, end;
};

/* The ranges of one weekday, sorted and not overlapping; n == 0 means closed. */
struct schedule_day {
	struct schedule_range range[SCHEDULE_RANGES_MAX];
	int n;
};

/* A local calendar date. */
struct schedule_date {
	int year, month, day;
};

/* An instant range in Unix seconds, [start, end). */
struct schedule_interval {
	int64_t start, end;
};

/* The business: everything borrowed, owned by the caller. */
struct schedule_business {
	const struct tz *zone;                   /* the tenant's zone (required) */
	struct schedule_day hours[7];            /* by weekday, 0 = Sunday */
	const struct schedule_date *holidays;    /* closed all day */
	size_t n_holidays;
	const struct schedule_range *windows;    /* appointment windows, sorted, e.g. 08-10 */
	size_t n_windows;
	const char *const *zips;                 /* service area; n_zips == 0 means anywhere */
	size_t n_zips;
};

/* A technician: everything borrowed. */
struct schedule_technician {
	int64_t id;
	const char *name;
	uint32_t trades;                         /* SCHEDULE_TRADE_BIT()s */
	struct schedule_day hours[7];            /* working hours by weekday, 0 = Sunday */
	const char *const *zips;                 /* zips served; n_zips == 0 means all */
	size_t n_zips;
	const struct schedule_interval *time_off;
	size_t n_time_off;
};

/* An existing booking (appointment). Strings are borrowed and may be NULL. */
struct schedule_booking {
	int64_t technician_id;
	int64_t start, end;                      /* Unix seconds, [start, end) */
	enum schedule_job_state status;
	const char *uid;       /* iCalendar UID; NULL: derived from the slot key */
	const char *summary;   /* e.g. "AC repair - Linda Smith"; NULL: "Service appointment" */
	const char *location;  /* the service address, or NULL */
};

/* What the search looks at: borrowed arrays. */
struct schedule_calendar {
	const struct schedule_business *business;
	const struct schedule_technician *techs;
	size_t n_techs;
	const struct schedule_booking *bookings;
	size_t n_bookings;
};

/* Parts of day for preferences, by the window's local start time. */
#define SCHEDULE_PART_MORNING   1u  /* starts before 12:00 */
#define SCHEDULE_PART_AFTERNOON 2u  /* starts 12:00 to before 17:00 */
#define SCHEDULE_PART_EVENING   4u  /* starts 17:00 or later */

/* A slot search. Zero-initialise, then set the fields. */
struct schedule_request {
	int64_t now;               /* Unix seconds */
	int lead_seconds;          /* a window must start at least this long after now */
	enum schedule_trade trade;
	const char *zip;           /* the job's ZIP; NULL: no area check */
	int windows;               /* duration in consecutive appointment windows: 1 = one
	                              window, 5 = a full weekday of the demo business (such
	                              a job fits only on days with that many windows) */
	int64_t pref_start, pref_end;  /* preferred range [start, end) in Unix seconds; a
	                              window matches when it starts inside it; 0/0: none */
	unsigned parts;            /* SCHEDULE_PART_* wanted; 0: any */
	int horizon_days;          /* days to look ahead from today (from the preferred
	                              day when that is later); 0 means 30 */
};

/* One offered slot. */
struct schedule_slot {
	int64_t start, end;        /* Unix seconds */
	int64_t technician_id;
};

/* How well the returned slots met the preference. */
enum schedule_match {
	SCHEDULE_MATCH_PREFERRED,  /* inside the preferred range and part of day */
	SCHEDULE_MATCH_LATER_DAY,  /* the preferred range had nothing: the next open days,
	                              still in the preferred part of day */
	SCHEDULE_MATCH_ANY_TIME,   /* nothing in the preferred part of day either */
	SCHEDULE_MATCH_NONE,       /* no slot at all within the horizon */
};

/* Finds up to max open slots, earliest first, at most one per window start. A slot is
 * `windows` consecutive appointment windows on one business day (not a holiday, inside
 * business hours), starting at least lead_seconds after now, with one technician who
 * has the trade, serves the zip, works the whole span and has no booking (other than
 * cancelled) or time off overlapping it. Among the free technicians for a slot the
 * least-booked one gets it: fewest active bookings from now on plus slots already
 * offered in this answer, then the first in techs[]. Preferences: slots starting
 * inside [pref_start, pref_end) and in `parts`; when there are none, the next open days
 * after pref_start in `parts`; when still none, any part of day. *match (may be NULL)
 * says which. Returns the number of slots (0 when none), -EINVAL for bad arguments,
 * -TN_ENOTFOUND when zip is outside the business's service area, or a tz error. */
int schedule_find_slots(const struct schedule_calendar *cal, const struct schedule_request *req,
			struct schedule_slot *out, size_t max, enum schedule_match *match);

/* Sets *open to whether the business is open at instant now (business hours in its
 * zone, holidays closed). 0, -EINVAL, or a tz error. */
int schedule_is_open(const struct schedule_business *biz, int64_t now, bool *open);

/* Sets *at to the next instant at or after now when the business is open (now itself
 * when open), and *closes (may be NULL) to when that opening ends. 0, -EINVAL,
 * -TN_ENOTFOUND when it never opens within SCHEDULE_HORIZON_MAX days, or a tz error. */
int schedule_next_open(const struct schedule_business *biz, int64_t now, int64_t *at,
		       int64_t *closes);

/* A weekly on-call rotation: members take turns of one week each, handing over at a
 * local weekday and time. Member 0 is on call from the first handover at or after
 * start (a local date) until the next; before that the rotation runs backwards. */
struct schedule_oncall {
	const struct tz *zone;
	const int64_t *members;    /* technician ids, in turn order (borrowed) */
	size_t n_members;
	struct schedule_date start;
	int handover_wday;         /* 0 = Sunday .. 6 */
	int handover_minute;       /* local minutes after midnight, 0..1439 */
};

/* Sets *member to the index in members[] of who is on call at instant t, and *since
 * and *until (each may be NULL) to the handovers around t. DST-correct: handovers
 * happen at the local wall-clock time. 0, -EINVAL for a bad rotation, or a tz error. */
int schedule_oncall_at(const struct schedule_oncall *rot, int64_t t, size_t *member,
		       int64_t *since, int64_t *until);

/* Writes the unique key of one appointment window of one technician into out (n bytes,
 * SCHEDULE_SLOT_KEY_MAX is enough): "t<technician>-<window start>". The store keeps a
 * UNIQUE constraint on this key, one row per window a booking covers (a full-day job
 * holds one key per window), so one window can never be booked twice, even by two
 * nodes at once. 0 or -ENOSPC. */
int schedule_slot_key(int64_t technician_id, int64_t window_start, char *out, size_t n);

/* Writes the start of every appointment window that [start, end) covers on its local
 * day into out (up to max), for the slot keys of a multi-window booking. Returns the
 * count, -EINVAL when start or end is not on a window boundary, or a tz error. */
int schedule_slot_windows(const struct schedule_business *biz, int64_t start, int64_t end,
			  int64_t *out, size_t max);

/* Appends an RFC 5545 VCALENDAR for one technician to out: one VEVENT per booking
 * (UID, DTSTAMP = now, DTSTART/DTEND in UTC, SUMMARY, LOCATION when set, STATUS:
 * CANCELLED for cancelled jobs, CONFIRMED otherwise), CRLF line ends, lines folded at 75
 * octets without splitting a UTF-8 character, text escaped. zone names the calendar's
 * time zone (X-WR-TIMEZONE) and the local times in each DESCRIPTION. 0, -EINVAL (also
 * for text that is not UTF-8 or a booking that ends before it starts), or -ENOMEM (out
 * may then hold part of the calendar). */
int schedule_ical_render(const char *technician_name, const struct schedule_booking *bookings,
			 size_t n, const struct tz *zone, int64_t now, struct buf *out);

/* Fills out with the US federal holidays of year as observed (a Saturday holiday on
 * the Friday before, a Sunday one on the Monday after): New Year's Day, Martin Luther
 * King Jr. Day, Washington's Birthday, Memorial Day, Juneteenth, Independence Day,
 * Labor Day, Columbus Day, Veterans Day, Thanksgiving, Christmas. Returns the count
 * (11) or -ENOSPC when max is too small. */
int schedule_us_holidays(int year, struct schedule_date *out, size_t max);

#endif
