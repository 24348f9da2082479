/* tz.h: IANA time zones from the system tz database (TZif files, RFC 8536).
 * UTC <-> local conversion, DST-correct, for any number of zones in one process. */
#ifndef TANDEM_BASE_TZ_H
#define TANDEM_BASE_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tz;  /* a loaded zone: immutable, cached for the life of the process */

/* Broken-down local time. */
struct tz_local {
	int year;       /* e.g. 2026 */
	int month;      /* 1..12 */
	int day;        /* 1..31 */
	int hour;       /* 0..23 */
	int minute;     /* 0..59 */
	int second;     /* 0..59 */
	int wday;       /* 0 = Sunday .. 6 = Saturday */
	int yday;       /* 0..365 */
	int32_t utc_offset;  /* seconds east of UTC in force at that instant */
	bool dst;
	char abbr[8];   /* "EST", "EDT", ... */
};

/* How tz_from_local treats a local time that occurs twice (fall back) or never
 * (spring forward). A skipped time is always moved forward by the gap. */
enum tz_resolve {
	TZ_EARLIER,  /* the first of two occurrences (the DST one in the fall) */
	TZ_LATER,    /* the second occurrence */
};

/* Finds and loads zone name ("America/New_York", "UTC"). Loaded zones are cached and
 * shared; the pointer stays valid for the life of the process. Thread-safe.
 * The tz directory is $TZDIR or /usr/share/zoneinfo. Returns 0, -ENOENT for an unknown
 * zone or a name that is not a plain IANA name (no "..", no leading '/'),
 * -TN_EFORMAT for a corrupt file, -ENOMEM, or another negative errno when the file
 * cannot be read. Failures are not cached. */
int tz_get(const char *name, const struct tz **out);
/* The zone's IANA name (borrowed). */
const char *tz_name(const struct tz *z);
/* Converts Unix seconds to local time in z. 0 or -EINVAL (NULL argument, or an instant
 * beyond about +-31 million years). */
int tz_to_local(const struct tz *z, int64_t utc, struct tz_local *out);
/* Converts a local wall-clock time in z to Unix seconds. Fields are normalised first
 * (day 32 becomes the next month's 1st). 0 or -EINVAL. */
int tz_from_local(const struct tz *z, int year, int month, int day, int hour, int minute,
		  int second, enum tz_resolve resolve, int64_t *utc);
/* The UTC offset (seconds) in force in z at instant utc (0 when z is NULL). */
int32_t tz_offset_at(const struct tz *z, int64_t utc);
/* Formats instant utc as ISO 8601 local time with offset, "2026-03-08T03:00:00-04:00"
 * (26 bytes with the NUL). Offsets with seconds (old local mean time) are written
 * truncated to whole minutes, with the local time matching, so the instant is exact.
 * 0, -ENOSPC when n < 26, or -EINVAL for a year outside 0000..9999. */
int tz_format_iso(const struct tz *z, int64_t utc, char *out, size_t n);
/* Parses ISO 8601 "YYYY-MM-DDTHH:MM[:SS][.fff](Z|+HH:MM|-HH:MM)" to Unix seconds.
 * Without an offset the time is read in zone z (UTC when z is NULL). 0 or -EINVAL. */
int tz_parse_iso(const char *s, const struct tz *z, int64_t *utc);
/* Days since 1970-01-01 for a proleptic Gregorian date, and back. */
int64_t tz_days_from_civil(int year, int month, int day);
void tz_civil_from_days(int64_t days, int *year, int *month, int *day);

#endif
