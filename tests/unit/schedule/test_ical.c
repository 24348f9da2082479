/* test_ical.c: the iCalendar export parses with libical and keeps every field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <libical/ical.h>
#include <string.h>

#include "base/buf.h"
#include "helper_demo.h"

static const char long_summary[] =
	"Tankless water heater install, Rinnai RU199iN; bring the vent kit, the gas line "
	"adapter and a second person \\ ask for Mrs. Smith at the side door";

static void render(struct demo *d, struct schedule_booking *b, struct buf *out)
{
	demo_init(d);
	int64_t mon8 = demo_local(d, 2026, 3, 9, 8, 0);
	b[0] = (struct schedule_booking){DANA, mon8, mon8 + 10 * 3600, SCHEDULE_JOB_SCHEDULED,
					 "job-48213@brightline.example", long_summary,
					 "1420 Providence Rd, Charlotte, NC 28207"};
	b[1] = (struct schedule_booking){DANA, demo_local(d, 2026, 11, 2, 16, 0),
					 demo_local(d, 2026, 11, 2, 18, 0), SCHEDULE_JOB_CANCELLED,
					 NULL, "Drain cleaning – Ñandú García", NULL};
	int64_t now = demo_utc(2026, 3, 1, 12, 0);
	assert_int_equal(schedule_ical_render("Dana Whitfield", b, 2, d->biz.zone, now, out), 0);
}

static void lines_are_folded_and_crlf(void **state)
{
	struct demo d;
	struct schedule_booking b[2];
	struct buf out = BUF_INIT;
	render(&d, b, &out);
	assert_true(strncmp(out.data, "BEGIN:VCALENDAR\r\n", 17) == 0);
	assert_true(out.len > 2 && strcmp(out.data + out.len - 2, "\r\n") == 0);
	bool folded = false;
	for (const char *line = out.data; *line;) {
		const char *eol = strstr(line, "\r\n");
		assert_non_null(eol);
		assert_true(eol - line <= 75);
		/* A line never ends inside a UTF-8 sequence. */
		if (eol > line)
			assert_true(((unsigned char)eol[-1] & 0xC0) != 0xC0);
		if (*line == ' ')
			folded = true;
		for (const char *p = line; p < eol; p++)
			assert_true(*p != '\n' && *p != '\r');
		line = eol + 2;
	}
	assert_true(folded);
	assert_non_null(strstr(out.data, "DTSTART:20260309T120000Z\r\n"));
	assert_non_null(strstr(out.data, "DTEND:20260309T220000Z\r\n"));
	assert_non_null(strstr(out.data, "DTSTART:20261102T210000Z\r\n"));
	assert_non_null(strstr(out.data, "DTSTAMP:20260301T120000Z\r\n"));
	assert_non_null(strstr(out.data, "STATUS:CANCELLED\r\n"));
	assert_non_null(strstr(out.data, "UID:t1-1793653200@tandem\r\n"));
	buf_free(&out);
}

static void libical_parses_it(void **state)
{
	struct demo d;
	struct schedule_booking b[2];
	struct buf out = BUF_INIT;
	render(&d, b, &out);
	icalcomponent *cal = icalparser_parse_string(out.data);
	assert_non_null(cal);
	assert_int_equal(icalcomponent_isa(cal), ICAL_VCALENDAR_COMPONENT);
	assert_int_equal(icalcomponent_count_errors(cal), 0);
	assert_int_equal(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT), 2);

	icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	assert_string_equal(icalcomponent_get_uid(ev), "job-48213@brightline.example");
	assert_string_equal(icalcomponent_get_summary(ev), long_summary);
	assert_string_equal(icalcomponent_get_location(ev), "1420 Providence Rd, Charlotte, NC 28207");
	struct icaltimetype st = icalcomponent_get_dtstart(ev), en = icalcomponent_get_dtend(ev);
	assert_true(icaltime_is_utc(st));
	assert_int_equal((int64_t)icaltime_as_timet(st), b[0].start);
	assert_int_equal((int64_t)icaltime_as_timet(en), b[0].end);
	assert_int_equal(icalcomponent_get_status(ev), ICAL_STATUS_CONFIRMED);
	const char *desc = icalcomponent_get_description(ev);
	assert_non_null(desc);
	assert_non_null(strstr(desc, "2026-03-09 08:00-18:00 EDT"));
	assert_non_null(strchr(desc, '\n'));

	ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT);
	assert_string_equal(icalcomponent_get_summary(ev), "Drain cleaning – Ñandú García");
	assert_int_equal(icalcomponent_get_status(ev), ICAL_STATUS_CANCELLED);
	assert_int_equal((int64_t)icaltime_as_timet(icalcomponent_get_dtstart(ev)), b[1].start);
	assert_null(icalcomponent_get_first_property(ev, ICAL_LOCATION_PROPERTY));
	assert_non_null(strstr(icalcomponent_get_description(ev), "16:00-18:00 EST"));

	icalcomponent_free(cal);
	buf_free(&out);
}

static void empty_calendar_and_errors(void **state)
{
	struct demo d;
	demo_init(&d);
	struct buf out = BUF_INIT;
	assert_int_equal(schedule_ical_render("Luis, Ortega; \"Sparky\"", NULL, 0, d.biz.zone, 0, &out), 0);
	icalcomponent *cal = icalparser_parse_string(out.data);
	assert_non_null(cal);
	assert_int_equal(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT), 0);
	icalcomponent_free(cal);
	assert_non_null(strstr(out.data, "X-WR-CALNAME:Luis\\, Ortega\\; \"Sparky\"\r\n"));
	assert_non_null(strstr(out.data, "X-WR-TIMEZONE:America/New_York\r\n"));
	struct schedule_booking bad = {LUIS, 100, 100, SCHEDULE_JOB_SCHEDULED, NULL, NULL, NULL};
	assert_int_equal(schedule_ical_render("Luis", &bad, 1, d.biz.zone, 0, &out), -EINVAL);
	assert_int_equal(schedule_ical_render(NULL, NULL, 0, d.biz.zone, 0, &out), -EINVAL);
	bad.end = 200;
	bad.summary = "caf\xE9";  /* Latin-1, not UTF-8 */
	assert_int_equal(schedule_ical_render("Luis", &bad, 1, d.biz.zone, 0, &out), -EINVAL);
	bad.summary = "caf\xC3\xA9";
	buf_reset(&out);
	assert_int_equal(schedule_ical_render("Luis", &bad, 1, d.biz.zone, 0, &out), 0);
	assert_non_null(strstr(out.data, "SUMMARY:caf\xC3\xA9\r\n"));
	buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines_are_folded_and_crlf),
		cmocka_unit_test(libical_parses_it),
		cmocka_unit_test(empty_calendar_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
