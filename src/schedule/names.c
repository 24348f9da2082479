/* names.c: schedule enums (trades, job states), job state transitions and slot keys. */
#include "schedule/schedule.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *const trade_names[SCHEDULE_TRADE_COUNT] = {
#define SCHEDULE_TRADE_NAME(id, name) [SCHEDULE_TRADE_##id] = name,
	SCHEDULE_TRADES(SCHEDULE_TRADE_NAME)
#undef SCHEDULE_TRADE_NAME
};

static const char *const job_names[SCHEDULE_JOB_COUNT] = {
#define SCHEDULE_JOB_NAME(id, name) [SCHEDULE_JOB_##id] = name,
	SCHEDULE_JOB_STATES(SCHEDULE_JOB_NAME)
#undef SCHEDULE_JOB_NAME
};

const char *schedule_trade_name(enum schedule_trade t)
{
	return (unsigned)t < SCHEDULE_TRADE_COUNT ? trade_names[t] : "?";
}

int schedule_trade_parse(const char *s, enum schedule_trade *out)
{
	if (!s)
		return -EINVAL;
	for (int i = 0; i < SCHEDULE_TRADE_COUNT; i++)
		if (strcmp(s, trade_names[i]) == 0) {
			*out = (enum schedule_trade)i;
			return 0;
		}
	return -EINVAL;
}

const char *schedule_job_state_name(enum schedule_job_state s)
{
	return (unsigned)s < SCHEDULE_JOB_COUNT ? job_names[s] : "?";
}

int schedule_job_state_parse(const char *s, enum schedule_job_state *out)
{
	if (!s)
		return -EINVAL;
	for (int i = 0; i < SCHEDULE_JOB_COUNT; i++)
		if (strcmp(s, job_names[i]) == 0) {
			*out = (enum schedule_job_state)i;
			return 0;
		}
	return -EINVAL;
}

#define BIT(s) (1u << SCHEDULE_JOB_##s)

/* Allowed next states, by current state. */
static const unsigned job_next[SCHEDULE_JOB_COUNT] = {
	[SCHEDULE_JOB_SCHEDULED] = BIT(EN_ROUTE) | BIT(ON_SITE) | BIT(CANCELLED),
	[SCHEDULE_JOB_EN_ROUTE] = BIT(ON_SITE) | BIT(SCHEDULED) | BIT(CANCELLED),
	[SCHEDULE_JOB_ON_SITE] = BIT(COMPLETED),
	[SCHEDULE_JOB_COMPLETED] = 0,
	[SCHEDULE_JOB_CANCELLED] = 0,
};

bool schedule_job_transition_ok(enum schedule_job_state from, enum schedule_job_state to)
{
	if ((unsigned)from >= SCHEDULE_JOB_COUNT || (unsigned)to >= SCHEDULE_JOB_COUNT)
		return false;
	return (job_next[from] >> to) & 1u;
}

int schedule_slot_key(int64_t technician_id, int64_t window_start, char *out, size_t n)
{
	if (!out)
		return -EINVAL;
	int w = snprintf(out, n, "t%" PRId64 "-%" PRId64, technician_id, window_start);
	if (w < 0 || (size_t)w >= n)
		return -ENOSPC;
	return 0;
}
