/* schedule_internal.h: local-calendar helpers shared by the schedule module's files. */
#ifndef TANDEM_SCHEDULE_INTERNAL_H
#define TANDEM_SCHEDULE_INTERNAL_H

#include "schedule/schedule.h"

#include <stdint.h>

/* Weekday (0 = Sunday) of a day number (days since 1970-01-01). */
int schedule__wday(int64_t days);
/* The local day number and minute of day of instant t in zone. 0 or a tz error. */
int schedule__local_day(const struct tz *zone, int64_t t, int64_t *days, int *minute);
/* The instant of local wall-clock minute (0..1440) of day number days in zone; a time
 * that does not exist (spring forward) moves forward, a repeated one takes the first. */
int schedule__instant(const struct tz *zone, int64_t days, int minute, int64_t *t);
/* Formats instant t as UTC "YYYYMMDDTHHMMSSZ" (17 bytes with the NUL). */
void schedule__utc_stamp(int64_t t, char out[17]);

#endif
