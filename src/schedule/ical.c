/* ical.c: a technician's bookings as an RFC 5545 iCalendar (VCALENDAR of VEVENTs). */
#include "schedule/schedule_internal.h"

#include "base/buf.h"
#include "base/tz.h"
#include "base/utf8.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define LINE_MAX_OCTETS 75

/* Appends one content line, folded at 75 octets (continuations start with a space)
 * without splitting a UTF-8 character, ended by CRLF. */
static int put_line(struct buf *out, const char *line, size_t n)
{
	int rc;
	size_t room = LINE_MAX_OCTETS;
	while (n > room) {
		size_t cut = room;
		while (cut > 0 && ((unsigned char)line[cut] & 0xC0) == 0x80)
			cut--;
		if (cut == 0)  /* not UTF-8 (callers validate): cut anywhere, but progress */
			cut = room;
		if ((rc = buf_append(out, line, cut)) || (rc = buf_puts(out, "\r\n ")))
			return rc;
		line += cut;
		n -= cut;
		room = LINE_MAX_OCTETS - 1;  /* the leading space counts */
	}
	if ((rc = buf_append(out, line, n)) || (rc = buf_puts(out, "\r\n")))
		return rc;
	return 0;
}

/* Appends s escaped as an iCalendar TEXT value; control characters are dropped. */
static int put_text(struct buf *b, const char *s)
{
	int rc = 0;
	for (; *s && !rc; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\\' || c == ';' || c == ',') {
			char esc[2] = {'\\', (char)c};
			rc = buf_append(b, esc, 2);
		} else if (c == '\n') {
			rc = buf_puts(b, "\\n");
		} else if (c < 0x20 || c == 0x7F) {
			continue;
		} else {
			rc = buf_putc(b, (char)c);
		}
	}
	return rc;
}

/* Builds "NAME:" + escaped text in line, then emits it folded. */
static int prop_text(struct buf *out, struct buf *line, const char *name, const char *value)
{
	int rc;
	buf_reset(line);
	if ((rc = buf_puts(line, name)) || (rc = buf_putc(line, ':')) || (rc = put_text(line, value)))
		return rc;
	return put_line(out, line->data, line->len);
}

static int prop_raw(struct buf *out, struct buf *line, const char *name, const char *value)
{
	int rc;
	buf_reset(line);
	if ((rc = buf_printf(line, "%s:%s", name, value)))
		return rc;
	return put_line(out, line->data, line->len);
}

static int local_desc(const struct tz *zone, const char *tech, const struct schedule_booking *b,
		      struct buf *desc)
{
	struct tz_local s, e;
	int rc;
	if ((rc = tz_to_local(zone, b->start, &s)) || (rc = tz_to_local(zone, b->end, &e)))
		return rc;
	return buf_printf(desc, "Technician: %s\nLocal time: %04d-%02d-%02d %02d:%02d-%02d:%02d %s (%s)\nStatus: %s",
			  tech, s.year, s.month, s.day, s.hour, s.minute, e.hour, e.minute, s.abbr,
			  tz_name(zone), schedule_job_state_name(b->status));
}

static bool text_ok(const char *s)
{
	return !s || utf8_valid(s, strlen(s));
}

int schedule_ical_render(const char *technician_name, const struct schedule_booking *bookings,
			 size_t n, const struct tz *zone, int64_t now, struct buf *out)
{
	if (!technician_name || (n && !bookings) || !zone || !out)
		return -EINVAL;
	if (!text_ok(technician_name))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (bookings[i].end <= bookings[i].start ||
		    (unsigned)bookings[i].status >= SCHEDULE_JOB_COUNT ||
		    !text_ok(bookings[i].uid) || !text_ok(bookings[i].summary) ||
		    !text_ok(bookings[i].location))
			return -EINVAL;
	struct buf line = BUF_INIT, desc = BUF_INIT;
	char stamp[17], start[17], end[17], uid[SCHEDULE_SLOT_KEY_MAX + 16];
	int rc;
	schedule__utc_stamp(now, stamp);
	if ((rc = put_line(out, "BEGIN:VCALENDAR", 15)) ||
	    (rc = prop_raw(out, &line, "VERSION", "2.0")) ||
	    (rc = prop_raw(out, &line, "PRODID", "-//tandem//schedule//EN")) ||
	    (rc = prop_raw(out, &line, "CALSCALE", "GREGORIAN")) ||
	    (rc = prop_raw(out, &line, "METHOD", "PUBLISH")) ||
	    (rc = prop_text(out, &line, "X-WR-CALNAME", technician_name)) ||
	    (rc = prop_text(out, &line, "X-WR-TIMEZONE", tz_name(zone))))
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct schedule_booking *b = &bookings[i];
		const char *u = b->uid;
		if (!u) {
			char key[SCHEDULE_SLOT_KEY_MAX];
			if ((rc = schedule_slot_key(b->technician_id, b->start, key, sizeof key)))
				goto out;
			snprintf(uid, sizeof uid, "%s@tandem", key);
			u = uid;
		}
		schedule__utc_stamp(b->start, start);
		schedule__utc_stamp(b->end, end);
		buf_reset(&desc);
		if ((rc = local_desc(zone, technician_name, b, &desc)))
			goto out;
		if ((rc = put_line(out, "BEGIN:VEVENT", 12)) ||
		    (rc = prop_text(out, &line, "UID", u)) ||
		    (rc = prop_raw(out, &line, "DTSTAMP", stamp)) ||
		    (rc = prop_raw(out, &line, "DTSTART", start)) ||
		    (rc = prop_raw(out, &line, "DTEND", end)) ||
		    (rc = prop_text(out, &line, "SUMMARY", b->summary ? b->summary : "Service appointment")) ||
		    (b->location && (rc = prop_text(out, &line, "LOCATION", b->location))) ||
		    (rc = prop_text(out, &line, "DESCRIPTION", desc.data)) ||
		    (rc = prop_raw(out, &line, "STATUS",
				   b->status == SCHEDULE_JOB_CANCELLED ? "CANCELLED" : "CONFIRMED")) ||
		    (rc = put_line(out, "END:VEVENT", 10)))
			goto out;
	}
	rc = put_line(out, "END:VCALENDAR", 13);
out:
	buf_free(&line);
	buf_free(&desc);
	return rc;
}
