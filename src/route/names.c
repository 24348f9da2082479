/* names.c: names of the routing enums, from their X-macro lists. */
#include "route/route.h"

#include <errno.h>
#include <string.h>

static int parse(const char *const *names, int n, const char *s)
{
	if (!s)
		return -EINVAL;
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -EINVAL;
}

#define ROUTE_NAME_STR(id, name) name,
#define ROUTE_NAMES(fn, type, list, count)                                 \
	static const char *const fn##_names[] = {list(ROUTE_NAME_STR)};    \
	const char *route_##fn##_name(type v)                              \
	{                                                                  \
		return (int)v >= 0 && (int)v < (count) ? fn##_names[v] : "?"; \
	}                                                                  \
	int route_##fn##_parse(const char *s, type *out)                   \
	{                                                                  \
		int i = parse(fn##_names, (count), s);                     \
		if (i < 0)                                                 \
			return i;                                          \
		*out = (type)i;                                            \
		return 0;                                                  \
	}

ROUTE_NAMES(skill, enum route_skill, ROUTE_SKILLS, ROUTE_SKILL_COUNT)
ROUTE_NAMES(strategy, enum route_strategy, ROUTE_STRATEGIES, ROUTE_STRATEGY_COUNT)
ROUTE_NAMES(priority, enum route_priority, ROUTE_PRIORITIES, ROUTE_PRIORITY_COUNT)
ROUTE_NAMES(overflow, enum route_overflow, ROUTE_OVERFLOWS, ROUTE_OVERFLOW_COUNT)
ROUTE_NAMES(media, enum route_media, ROUTE_MEDIAS, ROUTE_MEDIA_COUNT)
ROUTE_NAMES(status, enum route_status, ROUTE_STATUSES, ROUTE_STATUS_COUNT)
ROUTE_NAMES(state, enum route_state, ROUTE_STATES, ROUTE_STATE_COUNT)
ROUTE_NAMES(entry_state, enum route_entry_state, ROUTE_ENTRY_STATES, ROUTE_ENTRY_STATE_COUNT)
ROUTE_NAMES(action, enum route_action_type, ROUTE_ACTIONS, ROUTE_ACTION_COUNT)
