/* clock.h: the one injectable source of "now". Every decision takes time from a clock. */
#ifndef TANDEM_BASE_CLOCK_H
#define TANDEM_BASE_CLOCK_H

#include <stdint.h>

struct clock {
	/* Returns Unix time in milliseconds. NULL means the system clock. */
	int64_t (*now_ms)(void *ctx);
	void *ctx;
	int64_t fixed_ms;  /* used when now_ms is NULL and fixed is set */
	int fixed;
};

/* The system clock. */
extern const struct clock clock_system;

/* Unix milliseconds from c (the system clock when c is NULL). */
int64_t clock_now_ms(const struct clock *c);
/* Unix seconds from c. */
int64_t clock_now(const struct clock *c);
/* A clock fixed at ms; advance it with clock_fixed_set. */
void clock_fixed_init(struct clock *c, int64_t ms);
void clock_fixed_set(struct clock *c, int64_t ms);
/* Monotonic nanoseconds, for measuring durations only. */
uint64_t clock_mono_ns(void);

#endif
