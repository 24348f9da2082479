/* clock.c: system and fixed clocks. */
#include "base/clock.h"
#include <stddef.h>
#include <time.h>

const struct clock clock_system = {NULL, NULL, 0, 0};

int64_t clock_now_ms(const struct clock *c)
{
	if (c && c->now_ms)
		return c->now_ms(c->ctx);
	if (c && c->fixed)
		return c->fixed_ms;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_now(const struct clock *c)
{
	int64_t ms = clock_now_ms(c);
	return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

void clock_fixed_init(struct clock *c, int64_t ms)
{
	c->now_ms = NULL;
	c->ctx = NULL;
	c->fixed = 1;
	c->fixed_ms = ms;
}

void clock_fixed_set(struct clock *c, int64_t ms)
{
	c->fixed_ms = ms;
}

uint64_t clock_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
