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
/* The same window as a quick reply: as above when it fits DIALOG_QUICK_CHARS, else
 * without the weekday ("September 30, 10:00 AM-12:00 PM"). */
void dialog__fmt_window_label(const struct dialog_env *env, const struct dialog_state *s,
			      int64_t start, int64_t end, char *out, size_t n);
/* The number of characters (code points) of UTF-8 text s. */
size_t dialog__utf8_chars(const char *s);
/* Formats a local time of day ("4:30 PM") or a day and time ("Monday at 7:00 AM"). */
void dialog__fmt_time(const struct dialog_env *env, int64_t t, char *out, size_t n);
void dialog__fmt_day_time(const struct dialog_env *env, const struct dialog_state *s,
			  int64_t t, char *out, size_t n);
/* Formats the local date of t ("Friday, December 25" / "viernes 25 de diciembre"). */
void dialog__fmt_date(const struct dialog_env *env, const struct dialog_state *s, int64_t t,
		      char *out, size_t n);
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

/* ---------------------------------------------------------------- one turn */

/* Everything one turn works with (engine.c builds it; the flows read and change it). */
struct dialog_ctx {
	const struct dialog_env *env;
	struct dialog_state *s;
	struct dialog_out *out;
	struct buf *r;
	const struct nlu_result *nlu;
	const char *text;
	size_t len;
	char low[1024];        /* the text lower-cased, punctuation as spaces, padded */
	int64_t now;
	bool open;
	bool understood;       /* the turn answered the pending question */
	bool served;           /* something useful was done this turn */
	bool failed;           /* the turn was not understood */
	bool intro;            /* the greeting with the disclosure was said */
	int rc;                /* first error (ENOMEM) */
};

/* Appends template key to the turn's reply (see dialog__say); records ENOMEM in t->rc. */
void dialog__reply(struct dialog_ctx *t, const char *key, const char *const *kv);
/* The first (or, with last, the last) entity of type in the turn, or NULL. */
const struct nlu_entity *dialog__entity(const struct dialog_ctx *t, enum nlu_entity_type type,
					bool last);
/* Whether word (lower case, may hold spaces) occurs as whole words in the turn's text;
 * whether any of the NULL-terminated words does. */
bool dialog__has_word(const struct dialog_ctx *t, const char *word);
bool dialog__has_any(const struct dialog_ctx *t, const char *const *words);
/* A new zeroed action of kind at the end of the turn's list, or NULL when full. */
struct dialog_action *dialog__action(struct dialog_ctx *t, enum dialog_action_kind kind);
/* Records what the turn achieved, in the turn and in the conversation's state. */
void dialog__outcome(struct dialog_ctx *t, enum dialog_outcome o);
/* The trade of an equipment name ("furnace" -> "hvac"), or NULL. */
const char *dialog__trade_of_equipment(const char *eq);
/* The service the turn's words ask for (eq_trade may be NULL), or NULL. */
const struct dialog_service *dialog__match_service(const struct dialog_ctx *t, const char *eq_trade);
/* The diagnostic visit among the services, or NULL. */
const struct dialog_service *dialog__diagnostic_service(const struct dialog_env *env);
/* Whether zip is in the business's service area. */
bool dialog__zip_served(const struct dialog_env *env, const char *zip);
/* The service area as "28202, 28203, ..." into out (n bytes). */
void dialog__area_list(const struct dialog_env *env, char *out, size_t n);
/* The job the turn or state names, else the soonest active one (with include_done, the
 * last completed one when none is active), or NULL. */
const struct dialog_job *dialog__find_job(const struct dialog_ctx *t, bool include_done);
/* The name of the service with this code, or the code. */
const char *dialog__service_label(const struct dialog_ctx *t, const char *code);

/* Whether the turn's text, ignoring case, punctuation and spacing, is exactly label
 * (a quick reply sent back as it was offered). */
bool dialog__text_is(const struct dialog_ctx *t, const char *label);
/* Fills the turn's quick replies from where the conversation now stands (quick.c). */
void dialog__quick_replies(struct dialog_ctx *t);

/* Answers (answers.c): each replies from the facts and updates the state. */
void dialog__answer_hours(struct dialog_ctx *t);
void dialog__answer_area(struct dialog_ctx *t);
void dialog__answer_pricing(struct dialog_ctx *t);
void dialog__answer_services(struct dialog_ctx *t);
void dialog__answer_status(struct dialog_ctx *t);
void dialog__answer_billing(struct dialog_ctx *t);
/* password_reset: the link to the contact on file; contact changes after confirmation. */
void dialog__reset(struct dialog_ctx *t);
void dialog__contact(struct dialog_ctx *t, bool confirmed);

#endif
