/* enums.c: names of the store's enums, generated from the X-macro lists in store.h. */
#include "store/store.h"
#include <errno.h>
#include <string.h>

#define NAME_ENTRY(name, str) str,

static int parse(const char *const *names, int n, const char *s)
{
	if (!s)
		return -EINVAL;
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -EINVAL;
}

static const char *const price_kinds[] = {STORE_PRICE_KINDS(NAME_ENTRY)};
static const char *const roles[] = {STORE_ROLES(NAME_ENTRY)};
static const char *const identity_kinds[] = {STORE_IDENTITY_KINDS(NAME_ENTRY)};
static const char *const conv_statuses[] = {STORE_CONV_STATUSES(NAME_ENTRY)};
static const char *const appt_statuses[] = {STORE_APPT_STATUSES(NAME_ENTRY)};
static const char *const entry_statuses[] = {STORE_ENTRY_STATUSES(NAME_ENTRY)};
static const char *const callback_statuses[] = {STORE_CALLBACK_STATUSES(NAME_ENTRY)};

#define ENUM_FUNCS(type, prefix, table, count)                          \
	const char *prefix##_name(enum type v)                              \
	{                                                                   \
		return (int)v >= 0 && (int)v < (count) ? table[v] : "unknown";  \
	}                                                                   \
	int prefix##_parse(const char *s, enum type *out)                   \
	{                                                                   \
		int i = parse(table, (count), s);                               \
		if (i < 0)                                                      \
			return i;                                                   \
		*out = (enum type)i;                                            \
		return 0;                                                       \
	}

ENUM_FUNCS(store_price_kind, store_price_kind, price_kinds, STORE_PRICE__COUNT)
ENUM_FUNCS(store_role, store_role, roles, STORE_ROLE__COUNT)
ENUM_FUNCS(store_identity_kind, store_identity_kind, identity_kinds, STORE_IDENTITY__COUNT)
ENUM_FUNCS(store_conv_status, store_conv_status, conv_statuses, STORE_CONV__COUNT)
ENUM_FUNCS(store_appt_status, store_appt_status, appt_statuses, STORE_APPT__COUNT)
ENUM_FUNCS(store_entry_status, store_entry_status, entry_statuses, STORE_ENTRY__COUNT)
ENUM_FUNCS(store_callback_status, store_callback_status, callback_statuses,
           STORE_CALLBACK__COUNT)
