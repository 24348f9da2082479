/* dialog_internal.h: helpers shared by the dialog engine's files (not an interface). */
#ifndef TANDEM_DIALOG_INTERNAL_H
#define TANDEM_DIALOG_INTERNAL_H

#include "dialog/dialog.h"

/* Appends the template key in the state's language to out (a space first when out is
 * not empty), replacing each {name} with the value paired with it in kv (a NULL-
 * terminated list of name, value pairs). Unknown placeholders are left out. A key the
 * language lacks falls back to English. 0 or -ENOMEM. */
int dialog__say(const struct dialog_env *env, const struct dialog_state *s, struct buf *out,
		const char *key, const char *const *kv);

/* Formats an appointment window as local text ("Friday, December 4, 8:00-10:00 AM"). */
void dialog__fmt_window(const struct dialog_env *env, const struct dialog_state *s,
			int64_t start, int64_t end, char *out, size_t n);
/* Formats a local time of day ("4:30 PM") or a day and time ("Monday at 7:00 AM"). */
void dialog__fmt_time(const struct dialog_env *env, int64_t t, char *out, size_t n);
void dialog__fmt_day_time(const struct dialog_env *env, const struct dialog_state *s,
			  int64_t t, char *out, size_t n);
/* "Friday" / "viernes" for local weekday wday. */
const char *dialog__day_name(const struct dialog_state *s, int wday);
/* The price fact of a service ("$129", "from $149", "$15 a month", "by estimate"). */
void dialog__fmt_price(const struct dialog_service *svc, char *out, size_t n);
/* Dollars from cents ("$1,250.00" style without separators: "$1250.00"). */
void dialog__fmt_money(int64_t cents, char *out, size_t n);

/* The service with this code, or NULL. */
const struct dialog_service *dialog__service(const struct dialog_env *env, const char *code);
/* The technician's name, or "a technician". */
const char *dialog__tech_name(const struct dialog_env *env, int64_t id);

/* Appends a string of at most n-1 bytes into dst, NUL-terminated (truncating). */
void dialog__copy(char *dst, size_t n, const char *src);

#endif
