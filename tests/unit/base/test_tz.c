/* test_tz.c: time zones from the tz database, DST transitions, footer rules, corrupt
 * files, ISO 8601. Expected instants were taken from the system's zdump/date once and
 * are written down here; the tests never call the C library's localtime. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/err.h"
#include "base/tz.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct tz *zone(const char *name)
{
	const struct tz *z = NULL;
	int rc = tz_get(name, &z);
	if (rc != 0)
		fail_msg("tz_get(%s) = %d", name, rc);
	assert_non_null(z);
	return z;
}

/* Checks tz_to_local(z, utc) against the expected wall clock and offset. */
static void expect_local(const struct tz *z, int64_t utc, int y, int mo, int d, int h, int mi,
			 int s, int32_t off, bool dst, const char *abbr)
{
	struct tz_local l;
	assert_int_equal(tz_to_local(z, utc, &l), 0);
	if (l.year != y || l.month != mo || l.day != d || l.hour != h || l.minute != mi ||
	    l.second != s || l.utc_offset != off || l.dst != dst || strcmp(l.abbr, abbr) != 0)
		fail_msg("%s @%lld: got %04d-%02d-%02d %02d:%02d:%02d off %d dst %d %s, "
			 "want %04d-%02d-%02d %02d:%02d:%02d off %d dst %d %s",
			 tz_name(z), (long long)utc, l.year, l.month, l.day, l.hour, l.minute,
			 l.second, l.utc_offset, l.dst, l.abbr, y, mo, d, h, mi, s, off, dst, abbr);
	assert_int_equal(tz_offset_at(z, utc), off);
}

static int64_t from_local(const struct tz *z, int y, int mo, int d, int h, int mi, int s,
			  enum tz_resolve r)
{
	int64_t t = 0;
	assert_int_equal(tz_from_local(z, y, mo, d, h, mi, s, r, &t), 0);
	return t;
}

/* ---- America/New_York across the 2026 transitions ---- */

static void test_ny_spring_forward(void **state)
{
	const struct tz *ny = zone("America/New_York");
	assert_string_equal(tz_name(ny), "America/New_York");
	expect_local(ny, 1772953199, 2026, 3, 8, 1, 59, 59, -18000, false, "EST");
	expect_local(ny, 1772953200, 2026, 3, 8, 3, 0, 0, -14400, true, "EDT");
	struct tz_local l;
	assert_int_equal(tz_to_local(ny, 1772953200, &l), 0);
	assert_int_equal(l.wday, 0);   /* Sunday */
	assert_int_equal(l.yday, 66);  /* March 8 is day 67 counting from 1 */

	/* Local to UTC around the gap: 02:00..02:59 do not exist. */
	assert_int_equal(from_local(ny, 2026, 3, 8, 1, 59, 59, TZ_EARLIER), 1772953199);
	assert_int_equal(from_local(ny, 2026, 3, 8, 3, 0, 0, TZ_EARLIER), 1772953200);
	/* 02:30 is moved forward by the hour-long gap: 03:30 EDT. */
	assert_int_equal(from_local(ny, 2026, 3, 8, 2, 30, 0, TZ_EARLIER), 1772953200 + 1800);
	assert_int_equal(from_local(ny, 2026, 3, 8, 2, 30, 0, TZ_LATER), 1772953200 + 1800);
	assert_int_equal(from_local(ny, 2026, 3, 8, 2, 0, 0, TZ_LATER), 1772953200);
}

static void test_ny_fall_back(void **state)
{
	const struct tz *ny = zone("America/New_York");
	expect_local(ny, 1793512799, 2026, 11, 1, 1, 59, 59, -14400, true, "EDT");
	expect_local(ny, 1793512800, 2026, 11, 1, 1, 0, 0, -18000, false, "EST");
	/* 01:30 happens twice: first in EDT (05:30Z), then in EST (06:30Z). */
	assert_int_equal(from_local(ny, 2026, 11, 1, 1, 30, 0, TZ_EARLIER), 1793511000);
	assert_int_equal(from_local(ny, 2026, 11, 1, 1, 30, 0, TZ_LATER), 1793514600);
	/* Either side of the overlap there is one answer whatever the policy. */
	assert_int_equal(from_local(ny, 2026, 11, 1, 0, 59, 59, TZ_LATER), 1793509199);
	assert_int_equal(from_local(ny, 2026, 11, 1, 2, 0, 0, TZ_EARLIER), 1793516400);
	assert_int_equal(from_local(ny, 2026, 11, 1, 2, 0, 0, TZ_LATER), 1793516400);
	/* Round trip of every quarter hour across the transition day. */
	for (int64_t t = 1793512800 - 86400; t < 1793512800 + 86400; t += 900) {
		struct tz_local l;
		assert_int_equal(tz_to_local(ny, t, &l), 0);
		int64_t back = from_local(ny, l.year, l.month, l.day, l.hour, l.minute, l.second,
					  l.dst ? TZ_EARLIER : TZ_LATER);
		assert_int_equal(back, t);
	}
}

static void test_other_us_zones(void **state)
{
	const struct tz *la = zone("America/Los_Angeles");
	expect_local(la, 1784142000, 2026, 7, 15, 12, 0, 0, -25200, true, "PDT");
	expect_local(la, 1772964000, 2026, 3, 8, 3, 0, 0, -25200, true, "PDT");
	expect_local(la, 1772964000 - 1, 2026, 3, 8, 1, 59, 59, -28800, false, "PST");
	assert_int_equal(from_local(la, 2026, 7, 15, 12, 0, 0, TZ_EARLIER), 1784142000);

	const struct tz *phx = zone("America/Phoenix");
	expect_local(phx, 1784142000, 2026, 7, 15, 12, 0, 0, -25200, false, "MST");
	expect_local(phx, 1767243600, 2025, 12, 31, 22, 0, 0, -25200, false, "MST");
	/* No DST: 02:30 on the US spring-forward day exists in Phoenix. */
	assert_int_equal(from_local(phx, 2026, 3, 8, 2, 30, 0, TZ_EARLIER), 1772962200);
	assert_int_equal(from_local(phx, 2026, 3, 8, 2, 30, 0, TZ_LATER), 1772962200);
}

static void test_half_hour_zones(void **state)
{
	const struct tz *kol = zone("Asia/Kolkata");
	expect_local(kol, 1767225600, 2026, 1, 1, 5, 30, 0, 19800, false, "IST");
	assert_int_equal(from_local(kol, 2026, 1, 1, 5, 30, 0, TZ_EARLIER), 1767225600);
	char iso[32];
	assert_int_equal(tz_format_iso(kol, 1767225600, iso, sizeof iso), 0);
	assert_string_equal(iso, "2026-01-01T05:30:00+05:30");

	/* Lord Howe Island moves its clocks by 30 minutes. */
	const struct tz *lh = zone("Australia/Lord_Howe");
	expect_local(lh, 1768435200, 2026, 1, 15, 11, 0, 0, 39600, true, "+11");
	expect_local(lh, 1781481600, 2026, 6, 15, 10, 30, 0, 37800, false, "+1030");
	expect_local(lh, 1775314799, 2026, 4, 5, 1, 59, 59, 39600, true, "+11");
	expect_local(lh, 1775314800, 2026, 4, 5, 1, 30, 0, 37800, false, "+1030");
	expect_local(lh, 1791041400, 2026, 10, 4, 2, 30, 0, 39600, true, "+11");
	/* 01:45 on April 5 happens twice, 30 minutes apart. */
	assert_int_equal(from_local(lh, 2026, 4, 5, 1, 45, 0, TZ_EARLIER), 1775313900);
	assert_int_equal(from_local(lh, 2026, 4, 5, 1, 45, 0, TZ_LATER), 1775315700);
	/* 02:15 on October 4 does not exist: moved forward 30 minutes to 02:45. */
	assert_int_equal(from_local(lh, 2026, 10, 4, 2, 15, 0, TZ_EARLIER), 1791042300);
	/* 2040 comes from the footer rule "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0". */
	expect_local(lh, 2216818800 - 1, 2040, 4, 1, 1, 59, 59, 39600, true, "+11");
	expect_local(lh, 2216818800, 2040, 4, 1, 1, 30, 0, 37800, false, "+1030");
}

static void test_london_and_utc(void **state)
{
	const struct tz *lon = zone("Europe/London");
	expect_local(lon, 1774745999, 2026, 3, 29, 0, 59, 59, 0, false, "GMT");
	expect_local(lon, 1774746000, 2026, 3, 29, 2, 0, 0, 3600, true, "BST");
	expect_local(lon, 1792890000, 2026, 10, 25, 1, 0, 0, 0, false, "GMT");
	expect_local(lon, 1792890000 - 1, 2026, 10, 25, 1, 59, 59, 3600, true, "BST");
	expect_local(lon, 2382480000, 2045, 7, 1, 1, 0, 0, 3600, true, "BST");

	const struct tz *utc = zone("UTC");
	expect_local(utc, 0, 1970, 1, 1, 0, 0, 0, 0, false, "UTC");
	expect_local(utc, 2208988800, 2040, 1, 1, 0, 0, 0, 0, false, "UTC");
	expect_local(utc, -1, 1969, 12, 31, 23, 59, 59, 0, false, "UTC");
	struct tz_local l;
	assert_int_equal(tz_to_local(utc, 0, &l), 0);
	assert_int_equal(l.wday, 4);  /* Thursday */
	assert_int_equal(l.yday, 0);
	assert_int_equal(from_local(utc, 2016, 2, 29, 12, 0, 0, TZ_LATER), 1456747200);
}

/* Instants past the end of the table come from the footer's POSIX rule. */
static void test_footer_rules_2040(void **state)
{
	const struct tz *ny = zone("America/New_York");
	expect_local(ny, 2225030400, 2040, 7, 4, 12, 0, 0, -14400, true, "EDT");
	expect_local(ny, 2240049600, 2040, 12, 25, 7, 0, 0, -18000, false, "EST");
	expect_local(ny, 2215062000, 2040, 3, 11, 3, 0, 0, -14400, true, "EDT");
	expect_local(ny, 2215062000 - 1, 2040, 3, 11, 1, 59, 59, -18000, false, "EST");
	assert_int_equal(from_local(ny, 2040, 3, 11, 2, 30, 0, TZ_EARLIER), 2215063800);

	/* Jerusalem: "M3.4.4/26", a switch time past 24 hours (version 3). */
	const struct tz *jer = zone("Asia/Jerusalem");
	expect_local(jer, 2216073599, 2040, 3, 23, 1, 59, 59, 7200, false, "IST");
	expect_local(jer, 2216073600, 2040, 3, 23, 3, 0, 0, 10800, true, "IDT");
	/* Nuuk: "M3.5.0/-1", a negative switch time (version 3). */
	const struct tz *nuuk = zone("America/Nuuk");
	expect_local(nuuk, 2216250000 - 1, 2040, 3, 24, 22, 59, 59, -7200, false, "-02");
	expect_local(nuuk, 2216250000, 2040, 3, 25, 0, 0, 0, -3600, true, "-01");
	expect_local(nuuk, 2234998800 - 1, 2040, 10, 27, 23, 59, 59, -3600, true, "-01");
	expect_local(nuuk, 2234998800, 2040, 10, 27, 23, 0, 0, -7200, false, "-02");
	/* Santiago: southern hemisphere, DST across the new year, "/24" times. */
	const struct tz *scl = zone("America/Santiago");
	expect_local(scl, 2230171200 - 1, 2040, 9, 1, 23, 59, 59, -14400, false, "-04");
	expect_local(scl, 2230171200, 2040, 9, 2, 1, 0, 0, -10800, true, "-03");
	expect_local(scl, 2217466800, 2040, 4, 7, 23, 0, 0, -14400, false, "-04");
	expect_local(scl, 2237932800, 2040, 11, 30, 21, 0, 0, -10800, true, "-03");
}

static void test_before_1970(void **state)
{
	const struct tz *ny = zone("America/New_York");
	expect_local(ny, -142084800, 1965, 7, 1, 8, 0, 0, -14400, true, "EDT");
	expect_local(ny, -463597200 - 1, 1955, 4, 24, 1, 59, 59, -18000, false, "EST");
	expect_local(ny, -463597200, 1955, 4, 24, 3, 0, 0, -14400, true, "EDT");
	/* Before standard time: local mean time, -4:56:02. */
	expect_local(ny, -2745403200, 1883, 1, 1, 7, 3, 58, -17762, false, "LMT");
	assert_int_equal(from_local(ny, 1883, 1, 1, 7, 3, 58, TZ_EARLIER), -2745403200);
	char iso[26];
	assert_int_equal(tz_format_iso(ny, -2745403200, iso, sizeof iso), 0);
	assert_string_equal(iso, "1883-01-01T07:04:00-04:56");
	int64_t t;
	assert_int_equal(tz_parse_iso(iso, NULL, &t), 0);
	assert_int_equal(t, -2745403200);

	const struct tz *lon = zone("Europe/London");
	struct tz_local l;
	assert_int_equal(tz_to_local(lon, -18489600, &l), 0);
	assert_int_equal(l.hour, 1);
	assert_int_equal(l.utc_offset, 3600);
	assert_int_equal(from_local(zone("UTC"), 1969, 7, 20, 20, 17, 40, TZ_EARLIER), -14182940);
}

static void test_year_and_month_ends(void **state)
{
	const struct tz *ny = zone("America/New_York");
	expect_local(ny, 1798777800, 2026, 12, 31, 23, 30, 0, -18000, false, "EST");
	expect_local(ny, 1798779600, 2027, 1, 1, 0, 0, 0, -18000, false, "EST");
	struct tz_local l;
	assert_int_equal(tz_to_local(ny, 1798779600, &l), 0);
	assert_int_equal(l.wday, 5);
	assert_int_equal(l.yday, 0);
	assert_int_equal(tz_to_local(ny, 1735707599, &l), 0);  /* 2024-12-31, a leap year */
	assert_int_equal(l.yday, 365);
	assert_int_equal(l.wday, 2);
	expect_local(ny, 1772337600 - 1, 2026, 2, 28, 22, 59, 59, -18000, false, "EST");
	expect_local(ny, 1772384400, 2026, 3, 1, 12, 0, 0, -18000, false, "EST");

	/* Fields are normalised before conversion. */
	assert_int_equal(from_local(ny, 2026, 2, 29, 12, 0, 0, TZ_EARLIER), 1772384400);
	assert_int_equal(from_local(ny, 2026, 13, 15, 9, 0, 0, TZ_EARLIER), 1800021600);
	assert_int_equal(from_local(ny, 2026, 3, 1, -1, 0, 0, TZ_EARLIER), 1772337600);
	assert_int_equal(from_local(ny, 2026, 3, 1, 0, -60, 0, TZ_EARLIER), 1772337600);
	assert_int_equal(from_local(ny, 2026, 3, 0, 23, 0, 0, TZ_EARLIER), 1772337600);
	assert_int_equal(from_local(ny, 2026, 2, 28, 22, 59, 3600, TZ_EARLIER), 1772337600 + 3540);
	assert_int_equal(from_local(ny, 2027, 0, 31, 23, 30, 0, TZ_EARLIER), 1798777800);

	/* The calendar itself. */
	assert_int_equal(tz_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(tz_days_from_civil(2000, 2, 29), 11016);
	assert_int_equal(tz_days_from_civil(1600, 3, 1), -135080);
	assert_int_equal(tz_days_from_civil(0, 1, 1), -719528);
	assert_int_equal(tz_days_from_civil(9999, 12, 31), 2932896);
	assert_int_equal(tz_days_from_civil(2026, 13, 1), tz_days_from_civil(2027, 1, 1));
	assert_int_equal(tz_days_from_civil(2026, 0, 1), tz_days_from_civil(2025, 12, 1));
	assert_int_equal(tz_days_from_civil(2026, -11, 1), tz_days_from_civil(2025, 1, 1));
	assert_int_equal(tz_days_from_civil(2026, 3, 0), tz_days_from_civil(2026, 2, 28));
	assert_int_equal(tz_days_from_civil(2024, 3, 0), tz_days_from_civil(2024, 2, 29));
	int prev_y = 0, prev_m = 0, prev_d = 0;
	for (int64_t days = -800000; days <= 800000; days++) {
		int y, m, d;
		tz_civil_from_days(days, &y, &m, &d);
		if (tz_days_from_civil(y, m, d) != days)
			fail_msg("day %lld -> %d-%d-%d does not round trip", (long long)days, y, m, d);
		if (days > -800000) {  /* each day follows the previous one */
			bool next = (y == prev_y && m == prev_m && d == prev_d + 1) ||
				    (y == prev_y && m == prev_m + 1 && d == 1) ||
				    (y == prev_y + 1 && m == 1 && d == 1 && prev_m == 12 && prev_d == 31);
			if (!next)
				fail_msg("%d-%d-%d after %d-%d-%d", y, m, d, prev_y, prev_m, prev_d);
		}
		prev_y = y, prev_m = m, prev_d = d;
	}
}

static void test_bad_arguments(void **state)
{
	const struct tz *ny = zone("America/New_York");
	struct tz_local l;
	int64_t t;
	assert_int_equal(tz_to_local(NULL, 0, &l), -EINVAL);
	assert_int_equal(tz_to_local(ny, 0, NULL), -EINVAL);
	assert_int_equal(tz_to_local(ny, INT64_MAX, &l), -EINVAL);
	assert_int_equal(tz_to_local(ny, INT64_MIN, &l), -EINVAL);
	assert_int_equal(tz_from_local(NULL, 2026, 1, 1, 0, 0, 0, TZ_EARLIER, &t), -EINVAL);
	assert_int_equal(tz_from_local(ny, 2026, 1, 1, 0, 0, 0, (enum tz_resolve)7, &t), -EINVAL);
	assert_int_equal(tz_from_local(ny, 2026, 1, 1, 0, 0, 0, TZ_EARLIER, NULL), -EINVAL);
	assert_int_equal(tz_from_local(ny, 2147483647, 12, 31, 0, 0, 0, TZ_EARLIER, &t), -EINVAL);
	char iso[26];
	assert_int_equal(tz_format_iso(ny, 0, iso, 25), -ENOSPC);
	assert_int_equal(tz_format_iso(ny, 253402318800, iso, sizeof iso), -EINVAL);  /* year 10000 */
}

/* ---- several zones, lookups, refusals ---- */

static void *get_many(void *arg)
{
	static const char *const names[] = {"Europe/Paris", "Asia/Tokyo", "America/Chicago",
					    "Europe/Paris", "Pacific/Auckland"};
	const struct tz **got = arg;
	for (int round = 0; round < 50; round++)
		for (size_t i = 0; i < 5; i++)
			if (tz_get(names[i], &got[i]) != 0)
				got[i] = NULL;
	return NULL;
}

static void test_several_zones(void **state)
{
	const struct tz *ny = zone("America/New_York");
	assert_ptr_equal(zone("America/New_York"), ny);  /* cached */
	const struct tz *la = zone("America/Los_Angeles");
	const struct tz *kol = zone("Asia/Kolkata");
	const struct tz *lon = zone("Europe/London");
	assert_ptr_not_equal(ny, la);
	const int64_t t = 1783180800;  /* 2026-07-04T16:00:00Z */
	assert_int_equal(tz_offset_at(ny, t), -14400);
	assert_int_equal(tz_offset_at(la, t), -25200);
	assert_int_equal(tz_offset_at(kol, t), 19800);
	assert_int_equal(tz_offset_at(lon, t), 3600);
	/* Several threads loading the same zones share one copy of each. */
	pthread_t th[4];
	const struct tz *got[4][5];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, get_many, got[i]), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (int i = 0; i < 4; i++) {
		for (int k = 0; k < 5; k++) {
			assert_non_null(got[i][k]);
			assert_ptr_equal(got[i][k], got[0][k]);
		}
		assert_ptr_equal(got[i][0], got[i][3]);
	}
	assert_string_equal(tz_name(got[0][4]), "Pacific/Auckland");
	assert_int_equal(tz_offset_at(got[0][1], t), 32400);
}

static void test_unknown_and_unsafe_names(void **state)
{
	const struct tz *z = NULL;
	assert_int_equal(tz_get("Mars/Olympus_Mons", &z), -ENOENT);
	assert_int_equal(tz_get("", &z), -ENOENT);
	assert_int_equal(tz_get(NULL, &z), -ENOENT);
	assert_int_equal(tz_get("America", &z), -ENOENT);  /* a directory */
	static const char *const bad[] = {
		"../etc/passwd", "/etc/passwd", "America/../../etc/passwd", "America/./New_York",
		"America//New_York", "America/New_York/", "America/New York", "America/New_York\n",
		"zone.tab", "America\\New_York", "~/zone", "America/New_York%00",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		z = NULL;
		if (tz_get(bad[i], &z) != -ENOENT || z != NULL)
			fail_msg("name \"%s\" was not refused", bad[i]);
	}
	char longname[300];
	memset(longname, 'A', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_int_equal(tz_get(longname, &z), -ENOENT);
}

/* ---- files: corrupt, truncated, synthetic ---- */

static char tmpdir[256];
static unsigned char *ny_data;
static size_t ny_len;

static void write_file(const char *rel, const void *data, size_t n)
{
	char path[512], dir[512];
	snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	*slash = '\0';
	mkdir(dir, 0700);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	if (n)
		assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void read_real_ny(void)
{
	const char *dir = getenv("TZDIR");
	char path[512];
	snprintf(path, sizeof path, "%s/America/New_York", dir && *dir ? dir : "/usr/share/zoneinfo");
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	ny_data = malloc(1 << 16);
	assert_non_null(ny_data);
	ny_len = fread(ny_data, 1, 1 << 16, f);
	fclose(f);
	assert_true(ny_len > 100);
}

/* A tiny TZif writer for hand-made files. */
struct tzif_spec {
	char version;          /* 0 for version 1, else '2', '3' */
	int ntrans;
	const int64_t *trans;
	const uint8_t *idx;
	int ntypes;
	const int32_t *offs;
	const uint8_t *dsts;
	const uint8_t *abbr_idx;
	const char *chars;     /* NUL-separated abbreviations */
	int nchars;
	const char *footer;    /* NULL: none (version 1) */
};

static size_t put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
	return 4;
}

static size_t put_block(unsigned char *p, const struct tzif_spec *s, int tsize)
{
	size_t o = 0;
	memcpy(p, "TZif", 4);
	p[4] = (unsigned char)s->version;
	memset(p + 5, 0, 15);
	o = 20;
	o += put32(p + o, 0);
	o += put32(p + o, 0);
	o += put32(p + o, 0);
	o += put32(p + o, (uint32_t)s->ntrans);
	o += put32(p + o, (uint32_t)s->ntypes);
	o += put32(p + o, (uint32_t)s->nchars);
	for (int i = 0; i < s->ntrans; i++) {
		if (tsize == 8) {
			o += put32(p + o, (uint32_t)((uint64_t)s->trans[i] >> 32));
		}
		o += put32(p + o, (uint32_t)s->trans[i]);
	}
	for (int i = 0; i < s->ntrans; i++)
		p[o++] = s->idx[i];
	for (int i = 0; i < s->ntypes; i++) {
		o += put32(p + o, (uint32_t)s->offs[i]);
		p[o++] = s->dsts[i];
		p[o++] = s->abbr_idx[i];
	}
	memcpy(p + o, s->chars, (size_t)s->nchars);
	return o + (size_t)s->nchars;
}

static size_t build_tzif(unsigned char *p, const struct tzif_spec *s)
{
	size_t o = put_block(p, s, 4);
	if (s->version == 0)
		return o;
	o += put_block(p + o, s, 8);
	size_t fl = strlen(s->footer);
	p[o++] = '\n';
	memcpy(p + o, s->footer, fl);
	o += fl;
	p[o++] = '\n';
	return o;
}

/* One type "XST" -5h, no transitions, and the given footer. */
static void write_rule_zone(const char *rel, const char *footer)
{
	static const int32_t offs[] = {-18000};
	static const uint8_t dsts[] = {0}, ai[] = {0};
	struct tzif_spec s = {'3', 0, NULL, NULL, 1, offs, dsts, ai, "XST", 4, footer};
	unsigned char buf[512];
	write_file(rel, buf, build_tzif(buf, &s));
}

static int get_code(const char *name)
{
	const struct tz *z = NULL;
	int rc = tz_get(name, &z);
	if (rc != 0)
		assert_null(z);
	return rc;
}

static int setup_files(void **state)
{
	read_real_ny();
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof tmpdir, "%s/tandem-tz-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir))
		return -1;
	return 0;
}

static int teardown_files(void **state)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	int rc = system(cmd);
	free(ny_data);
	unsetenv("TZDIR");
	return rc == 0 ? 0 : -1;
}

static void test_corrupt_files_refused(void **state)
{
	unsigned char buf[8192];
	for (size_t i = 0; i < 600; i++)
		buf[i] = (unsigned char)(i * 131 + 7);
	write_file("Bad/Garbage", buf, 600);
	write_file("Bad/Empty", buf, 0);
	write_file("Bad/Text", "this is not a time zone file, just some words in a row\n", 55);
	memcpy(buf, "TZif", 4);  /* right magic, garbage after */
	write_file("Bad/MagicGarbage", buf, 600);
	write_file("Bad/Trunc10", ny_data, 10);
	write_file("Bad/Trunc44", ny_data, 44);
	write_file("Bad/Trunc100", ny_data, 100);
	write_file("Bad/TruncHalf", ny_data, ny_len / 2);
	write_file("Bad/TruncNoNewline", ny_data, ny_len - 1);
	write_file("Good/Copy", ny_data, ny_len);
	memcpy(buf, ny_data, ny_len);
	buf[ny_len] = 'x';
	write_file("Bad/Trailing", buf, ny_len + 1);
	buf[4] = '9';
	write_file("Bad/Version", buf, ny_len);
	memcpy(buf, ny_data, ny_len);
	buf[32] = 0xff;  /* the 32-bit block's time count becomes enormous */
	write_file("Bad/Count", buf, ny_len);
	/* Replace the footer with something that is not a POSIX TZ string. */
	memcpy(buf, ny_data, ny_len);
	size_t foot = ny_len - 2;
	while (buf[foot] != '\n')
		foot--;
	memcpy(buf + foot, "\nnot a rule\n", 12);
	write_file("Bad/Footer", buf, foot + 12);

	/* Hand-made files with one broken field each. */
	static const int64_t tr[] = {100, 50};
	static const uint8_t idx_ok[] = {1, 0}, idx_bad[] = {1, 5};
	static const int32_t offs[] = {-18000, -14400};
	static const uint8_t dsts[] = {0, 1}, ai[] = {0, 4}, ai_bad[] = {0, 9}, dst_bad[] = {0, 2};
	struct tzif_spec s = {'2', 2, tr, idx_ok, 2, offs, dsts, ai, "XST\0XDT", 8, ""};
	write_file("Bad/Descending", buf, build_tzif(buf, &s));
	static const int64_t tr_ok[] = {50, 100};
	s.trans = tr_ok;
	s.idx = idx_bad;
	write_file("Bad/TypeIndex", buf, build_tzif(buf, &s));
	s.idx = idx_ok;
	s.abbr_idx = ai_bad;
	write_file("Bad/AbbrIndex", buf, build_tzif(buf, &s));
	s.abbr_idx = ai;
	s.chars = "XST\0XDTX";  /* the last abbreviation is not terminated */
	write_file("Bad/AbbrUnterminated", buf, build_tzif(buf, &s));
	s.chars = "XST\0XDT";
	s.dsts = dst_bad;
	write_file("Bad/DstFlag", buf, build_tzif(buf, &s));
	s.dsts = dsts;
	s.footer = "XST5XDT,M3.2.0";  /* rule without an end */
	write_file("Bad/HalfRule", buf, build_tzif(buf, &s));
	s.footer = "XST25";  /* offset beyond 24 hours */
	write_file("Bad/BigOffset", buf, build_tzif(buf, &s));
	s.footer = "";
	write_file("Good/Synthetic", buf, build_tzif(buf, &s));

	assert_int_equal(setenv("TZDIR", tmpdir, 1), 0);
	static const char *const bad[] = {
		"Bad/Garbage", "Bad/Empty", "Bad/Text", "Bad/MagicGarbage", "Bad/Trunc10",
		"Bad/Trunc44", "Bad/Trunc100", "Bad/TruncHalf", "Bad/TruncNoNewline", "Bad/Trailing",
		"Bad/Version", "Bad/Count", "Bad/Footer", "Bad/Descending", "Bad/TypeIndex",
		"Bad/AbbrIndex", "Bad/AbbrUnterminated", "Bad/DstFlag", "Bad/HalfRule",
		"Bad/BigOffset",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = get_code(bad[i]);
		if (rc != -TN_EFORMAT)
			fail_msg("%s: got %d, want -TN_EFORMAT", bad[i], rc);
	}
	/* The directory really is the one in TZDIR: a good copy loads and works. */
	const struct tz *copy = zone("Good/Copy");
	expect_local(copy, 1793512800, 2026, 11, 1, 1, 0, 0, -18000, false, "EST");
	expect_local(copy, 2225030400, 2040, 7, 4, 12, 0, 0, -14400, true, "EDT");
	const struct tz *syn = zone("Good/Synthetic");
	expect_local(syn, 49, 1969, 12, 31, 19, 0, 49, -18000, false, "XST");
	expect_local(syn, 50, 1969, 12, 31, 20, 0, 50, -14400, true, "XDT");
	expect_local(syn, 100, 1969, 12, 31, 19, 1, 40, -18000, false, "XST");
	expect_local(syn, 2000000000, 2033, 5, 17, 22, 33, 20, -18000, false, "XST");  /* last type */
	/* A file that does not exist in TZDIR is unknown even if the system has it. */
	assert_int_equal(get_code("Europe/Berlin"), -ENOENT);
	/* A name cannot climb out of TZDIR even when the target is a valid file. */
	char sub[300];
	snprintf(sub, sizeof sub, "%s/Good", tmpdir);
	assert_int_equal(setenv("TZDIR", sub, 1), 0);
	assert_int_equal(get_code("../Good/Copy"), -ENOENT);
	assert_int_equal(get_code("Copy"), 0);
	assert_int_equal(setenv("TZDIR", tmpdir, 1), 0);
}

/* Every truncation and many single-byte corruptions of a real file: each load either
 * fails with -TN_EFORMAT or gives a zone that converts without trouble. */
static void test_damaged_files_never_crash(void **state)
{
	assert_int_equal(setenv("TZDIR", tmpdir, 1), 0);
	char name[64];
	for (size_t len = 0; len < ny_len; len += 5) {
		snprintf(name, sizeof name, "Cut/L%zu", len);
		write_file(name, ny_data, len);
		if (get_code(name) != -TN_EFORMAT)
			fail_msg("a copy cut to %zu bytes was accepted", len);
	}
	unsigned char *copy = malloc(ny_len);
	assert_non_null(copy);
	uint32_t seed = 12345;
	int loaded = 0;
	for (int i = 0; i < 400; i++) {
		memcpy(copy, ny_data, ny_len);
		seed = seed * 1103515245u + 12345u;
		size_t pos = (seed >> 8) % ny_len;
		seed = seed * 1103515245u + 12345u;
		copy[pos] ^= (unsigned char)(1u + (seed >> 16) % 255u);
		snprintf(name, sizeof name, "Flip/F%d", i);
		write_file(name, copy, ny_len);
		const struct tz *z = NULL;
		int rc = tz_get(name, &z);
		if (rc != 0 && rc != -TN_EFORMAT)
			fail_msg("byte %zu changed: %d", pos, rc);
		if (rc == 0) {
			loaded++;
			for (int64_t t = -4000000000; t < 5000000000; t += 9999991) {
				struct tz_local l;
				int64_t back;
				assert_int_equal(tz_to_local(z, t, &l), 0);
				assert_int_equal(tz_from_local(z, l.year, l.month, l.day, l.hour,
							       l.minute, l.second, TZ_EARLIER, &back), 0);
			}
		}
	}
	free(copy);
	/* Most single-byte changes land in transition times or unchecked padding and
	 * still load; the checks above catch the ones that matter. */
	assert_true(loaded > 0);
}

static void test_version1_and_rule_forms(void **state)
{
	unsigned char buf[512];
	/* Version 1: 32-bit times, no footer; the last type holds after the table. */
	static const int64_t tr[] = {1000000000};
	static const uint8_t idx[] = {1};
	static const int32_t offs[] = {3600, 7200};
	static const uint8_t dsts[] = {0, 0}, ai[] = {0, 4};
	struct tzif_spec v1 = {0, 1, tr, idx, 2, offs, dsts, ai, "ONE\0TWO", 8, NULL};
	write_file("Syn/V1", buf, build_tzif(buf, &v1));
	/* A later version whose version 1 block is empty: readers only skip that block. */
	static const int32_t offs2[] = {-18000};
	static const uint8_t d2[] = {0}, a2[] = {0};
	struct tzif_spec empty = {'2', 0, NULL, NULL, 0, NULL, NULL, NULL, "", 0, ""};
	struct tzif_spec full = {'2', 0, NULL, NULL, 1, offs2, d2, a2, "XST", 4, "XST5XDT"};
	size_t o = put_block(buf, &empty, 4);
	o += put_block(buf + o, &full, 8);
	memcpy(buf + o, "\nXST5XDT\n", 9);
	write_file("Syn/EmptyV1", buf, o + 9);
	write_rule_zone("Syn/Julian1", "XST5XDT,J60/2,J300/2");
	write_rule_zone("Syn/Julian0", "XST5XDT,59/2,299/2");
	write_rule_zone("Syn/Permanent", "XST5XDT,0/0,J365/25");
	write_rule_zone("Syn/Quoted", "<-0330>3:30<-0230>,M3.2.0/0:30:15,M11.1.0/1");
	write_rule_zone("Syn/Fixed", "<+0545>-5:45");
	assert_int_equal(setenv("TZDIR", tmpdir, 1), 0);

	/* "XST5XDT" without dates: the customary M3.2.0,M11.1.0. */
	const struct tz *z = zone("Syn/EmptyV1");
	expect_local(z, 1772953199, 2026, 3, 8, 1, 59, 59, -18000, false, "XST");
	expect_local(z, 1772953200, 2026, 3, 8, 3, 0, 0, -14400, true, "XDT");
	z = zone("Syn/V1");
	expect_local(z, 999999999, 2001, 9, 9, 2, 46, 39, 3600, false, "ONE");
	expect_local(z, 1000000000, 2001, 9, 9, 3, 46, 40, 7200, false, "TWO");
	expect_local(z, 4000000000, 2096, 10, 2, 9, 6, 40, 7200, false, "TWO");

	/* Jn never counts February 29: day 60 is March 1 in every year. */
	z = zone("Syn/Julian1");
	expect_local(z, 1772348399, 2026, 3, 1, 1, 59, 59, -18000, false, "XST");
	expect_local(z, 1772348400, 2026, 3, 1, 3, 0, 0, -14400, true, "XDT");
	expect_local(z, 1835420400, 2028, 2, 29, 2, 0, 0, -18000, false, "XST");
	expect_local(z, 1835506800, 2028, 3, 1, 3, 0, 0, -14400, true, "XDT");
	/* n counts it: day 59 is February 29 in a leap year. */
	z = zone("Syn/Julian0");
	expect_local(z, 1772348400, 2026, 3, 1, 3, 0, 0, -14400, true, "XDT");
	expect_local(z, 1835420399, 2028, 2, 29, 1, 59, 59, -18000, false, "XST");
	expect_local(z, 1835420400, 2028, 2, 29, 3, 0, 0, -14400, true, "XDT");
	/* RFC 8536: "XST5XDT,0/0,J365/25" is daylight time all year. */
	z = zone("Syn/Permanent");
	for (int64_t t = 1893456000 - 86400 * 3; t < 1893456000 + 86400 * 400; t += 3600 * 7)
		assert_int_equal(tz_offset_at(z, t), -14400);
	/* Quoted numeric abbreviations, minutes and seconds in offsets and times:
	 * DST starts 2026-03-08 00:30:15 at -03:30, i.e. 04:00:15Z. */
	z = zone("Syn/Quoted");
	expect_local(z, 1772942415 - 1, 2026, 3, 8, 0, 30, 14, -12600, false, "-0330");
	expect_local(z, 1772942415, 2026, 3, 8, 1, 30, 15, -9000, true, "-0230");
	z = zone("Syn/Fixed");
	expect_local(z, 0, 1970, 1, 1, 5, 45, 0, 20700, false, "+0545");
}

/* ---- ISO 8601 ---- */

static void test_iso_format_and_parse(void **state)
{
	const struct tz *ny = zone("America/New_York");
	char s[26];
	assert_int_equal(tz_format_iso(ny, 1772953200, s, sizeof s), 0);
	assert_string_equal(s, "2026-03-08T03:00:00-04:00");
	assert_int_equal(tz_format_iso(ny, 1772953199, s, sizeof s), 0);
	assert_string_equal(s, "2026-03-08T01:59:59-05:00");
	assert_int_equal(tz_format_iso(zone("UTC"), 0, s, sizeof s), 0);
	assert_string_equal(s, "1970-01-01T00:00:00+00:00");

	int64_t t = 0;
	assert_int_equal(tz_parse_iso("2026-03-08T03:00:00-04:00", NULL, &t), 0);
	assert_int_equal(t, 1772953200);
	assert_int_equal(tz_parse_iso("2026-03-08T07:00Z", NULL, &t), 0);
	assert_int_equal(t, 1772953200);
	assert_int_equal(tz_parse_iso("2026-03-08T07:00:00.999Z", ny, &t), 0);
	assert_int_equal(t, 1772953200);
	assert_int_equal(tz_parse_iso("2026-01-01T05:30:00+05:30", NULL, &t), 0);
	assert_int_equal(t, 1767225600);
	/* No offset: read in the zone given, or UTC without one. */
	assert_int_equal(tz_parse_iso("2026-11-01T01:30:00", ny, &t), 0);
	assert_int_equal(t, 1793511000);
	assert_int_equal(tz_parse_iso("2026-07-15T12:00", zone("America/Los_Angeles"), &t), 0);
	assert_int_equal(t, 1784142000);
	assert_int_equal(tz_parse_iso("1970-01-01T00:00:01", NULL, &t), 0);
	assert_int_equal(t, 1);
	assert_int_equal(tz_parse_iso("2024-02-29T00:00Z", NULL, &t), 0);
	assert_int_equal(tz_parse_iso("2000-02-29T00:00Z", NULL, &t), 0);
	assert_int_equal(t, 951782400);

	/* Round trips through several zones, every 97 minutes across 2026. */
	static const char *const names[] = {"America/New_York", "Asia/Kolkata", "Australia/Lord_Howe",
					    "Europe/London", "America/Phoenix", "UTC"};
	for (size_t i = 0; i < 6; i++) {
		const struct tz *z = zone(names[i]);
		for (int64_t u = 1767225600; u < 1798761600; u += 97 * 60) {
			assert_int_equal(tz_format_iso(z, u, s, sizeof s), 0);
			int64_t back;
			assert_int_equal(tz_parse_iso(s, NULL, &back), 0);
			if (back != u)
				fail_msg("%s: %lld -> %s -> %lld", names[i], (long long)u, s, (long long)back);
		}
	}

	static const char *const bad[] = {
		"", "2026", "2026-3-08T03:00Z", "2026-03-8T03:00Z", "2026-02-30T00:00Z",
		"2026-02-29T00:00Z", "1900-02-29T00:00Z", "2026-13-01T00:00Z", "2026-00-01T00:00Z",
		"2026-01-00T00:00Z", "2026-01-01 00:00Z", "2026-01-01t00:00Z", "2026-01-01T24:00Z",
		"2026-01-01T00:60Z", "2026-01-01T00:00:60Z", "2026-01-01T00:00+0500",
		"2026-01-01T00:00+05:00x", "2026-01-01T00:00:00.Z", "2026-01-01T00:00Z ",
		"2026-01-01T00:00+24:00", "2026-01-01T00:00+05:60", "abcd-01-01T00:00Z",
		"2026-01-01T00:00:00+05", "2026-01-01T00", "2026-01-01T0:00Z", " 2026-01-01T00:00Z",
		"2026-01-01T00:00:00.1234567891Z", "+2026-01-01T00:00Z", "2026-01-01T00:00:0Z",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t = 12345;
		if (tz_parse_iso(bad[i], NULL, &t) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(t, 12345);
	}
	assert_int_equal(tz_parse_iso(NULL, NULL, &t), -EINVAL);
	assert_int_equal(tz_parse_iso("2026-01-01T00:00Z", NULL, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ny_spring_forward),
		cmocka_unit_test(test_ny_fall_back),
		cmocka_unit_test(test_other_us_zones),
		cmocka_unit_test(test_half_hour_zones),
		cmocka_unit_test(test_london_and_utc),
		cmocka_unit_test(test_footer_rules_2040),
		cmocka_unit_test(test_before_1970),
		cmocka_unit_test(test_year_and_month_ends),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_several_zones),
		cmocka_unit_test(test_unknown_and_unsafe_names),
		cmocka_unit_test(test_iso_format_and_parse),
		/* These point TZDIR at a temporary directory; they run last. */
		cmocka_unit_test(test_corrupt_files_refused),
		cmocka_unit_test(test_version1_and_rule_forms),
		cmocka_unit_test(test_damaged_files_never_crash),
	};
	return cmocka_run_group_tests(tests, setup_files, teardown_files);
}
