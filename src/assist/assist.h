/* assist.h: the agent's AI assist panel, as pure logic: reply suggestions from the
 * knowledge base and templates, the next free technician slots, live sentiment from the
 * language signals, a booking form filled from what the customer said, and a wrap-up
 * summary draft. No sockets, no store, no global state: the caller passes the
 * conversation, the tenant's facts and "now"; everything returned is plain data. */
#ifndef TANDEM_ASSIST_ASSIST_H
#define TANDEM_ASSIST_ASSIST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nlu/extract.h"
#include "schedule/schedule.h"

struct buf;
struct kb_index;
struct tz;

#define ASSIST_TEXT_MAX 512        /* bytes of one suggestion, with the NUL */
#define ASSIST_SUGGESTIONS_MAX 6   /* suggestions in a panel */
#define ASSIST_KB_MAX 3            /* knowledge-base hits in a panel */
#define ASSIST_SLOTS_MAX 4         /* free slots in a panel */
#define ASSIST_FIELD_MAX 128       /* bytes of one form field, with the NUL */

/* Who said a message. */
#define ASSIST_SPEAKERS(X) X(CUSTOMER, "customer") X(AI, "ai") X(AGENT, "agent") \
	X(SYSTEM, "system")

enum assist_speaker {
#define ASSIST_SPEAKER_ENUM(id, name) ASSIST_##id,
	ASSIST_SPEAKERS(ASSIST_SPEAKER_ENUM)
#undef ASSIST_SPEAKER_ENUM
	ASSIST_SPEAKER_COUNT
};

/* "customer", "ai", "agent", "system"; "?" when out of range. */
const char *assist_speaker_name(enum assist_speaker s);
/* Parses a speaker name. 0 or -EINVAL. */
int assist_speaker_parse(const char *s, enum assist_speaker *out);

/* One message of the conversation, oldest first. Strings borrowed. */
struct assist_message {
	enum assist_speaker from;
	const char *text;          /* UTF-8; invalid text is skipped, never an error */
	int64_t at;                /* Unix seconds */
};

/* One of the tenant's services. Strings borrowed. */
struct assist_service {
	const char *code;          /* "ac_repair" */
	const char *name;          /* "AC repair" */
	const char *trade;         /* "hvac", "plumbing", "electrical", "general" */
	int windows;               /* appointment windows it takes (0 or 1: one) */
};

/* A knowledge-base article's title, to label search hits. Strings borrowed. */
struct assist_article {
	const char *id;            /* as given to kb_index_add */
	const char *title;
};

/* Everything the assist reads. All borrowed; optional parts may be NULL/0. */
struct assist_context {
	int64_t now;                          /* Unix seconds */
	const struct tz *zone;                /* the tenant's zone (NULL: UTC) */
	const char *business;                 /* the business's name (required) */
	const char *agent;                    /* the agent's first name or name; NULL: none */
	const struct assist_message *messages;
	size_t n_messages;
	const struct assist_service *services;
	size_t n_services;
	struct kb_index *kb;                  /* NULL: no knowledge-base suggestions */
	const struct assist_article *articles;
	size_t n_articles;
	const struct schedule_calendar *calendar;  /* NULL: no slots */
	const char *const *tech_names;        /* names parallel to calendar->techs, or NULL */
};

/* Live sentiment. */
struct assist_mood {
	double sentiment;          /* -1..1: recent customer messages, the newest weighing most */
	double frustration;        /* 0..1: the highest of the last three customer messages */
	int urgency;               /* 0..3: the highest of the whole conversation */
	const char *trend;         /* "improving", "worsening" or "steady" (static) */
	bool human_request;        /* the customer asked for a person at some point */
	size_t customer_messages;  /* how many the figures come from */
};

/* Computes the mood from the customer's messages (signals of each one). 0, -EINVAL. */
int assist_mood(const struct assist_context *ctx, struct assist_mood *out);

/* The booking form, filled from the customer's messages: the newest value of each
 * entity wins. Empty strings for what is unknown. */
struct assist_form {
	char service[ASSIST_FIELD_MAX];    /* a service code of the tenant, or "" */
	char trade[16];                    /* the trade of the service or the equipment */
	char equipment[ASSIST_FIELD_MAX];  /* "water_heater" */
	char address[ASSIST_FIELD_MAX];
	char zip[8];
	char phone[32];                    /* E.164 */
	char email[ASSIST_FIELD_MAX];
	char name[ASSIST_FIELD_MAX];
	char preferred[ASSIST_FIELD_MAX];  /* the newest date/time said, as written */
	int64_t pref_start, pref_end;      /* its resolved range (Unix seconds), 0 when none */
};

/* Fills the form from ctx's customer messages. The trade comes from the equipment, else
 * from words of the trade ("leak", "outlet", "furnace"); the service is the repair of
 * the equipment when the tenant has one ("water_heater_repair"), else the general
 * "service_call", else the first service of the trade, else "". 0, -EINVAL. */
int assist_form_fill(const struct assist_context *ctx, struct assist_form *out);

/* One free slot. */
struct assist_slot {
	int64_t start, end;        /* Unix seconds */
	int64_t technician_id;
	const char *technician;    /* borrowed from ctx->tech_names, or NULL */
	char label[64];            /* "Tue Dec 8, 8:00-10:00 AM" in the tenant's zone */
};

/* The next free slots for the form's service (its trade and windows; general and
 * unknown work: any technician), zip and preferred range, through
 * schedule_find_slots with a one-hour lead. Writes up to max slots to out. Returns the
 * count (0 when there is no calendar or no slot), -EINVAL, or -TN_ENOTFOUND when the
 * form's zip is outside the service area. */
int assist_slots(const struct assist_context *ctx, const struct assist_form *form,
		 struct assist_slot *out, size_t max);

/* Sources of a suggestion. */
#define ASSIST_SOURCES(X) X(KB, "kb") X(TEMPLATE, "template")

enum assist_source {
#define ASSIST_SOURCE_ENUM(id, name) ASSIST_SOURCE_##id,
	ASSIST_SOURCES(ASSIST_SOURCE_ENUM)
#undef ASSIST_SOURCE_ENUM
	ASSIST_SOURCE_COUNT
};

/* "kb", "template"; "?" when out of range. */
const char *assist_source_name(enum assist_source s);

struct assist_suggestion {
	char text[ASSIST_TEXT_MAX];
	enum assist_source source;
	char kb_id[64];            /* SOURCE_KB: the article id */
};

/* Reply suggestions for the agent, most useful first: safety or urgency first when the
 * customer reported danger or damage, an apology when frustrated, a greeting when the
 * agent has not spoken yet, what the form still lacks for a booking, a slot offer when
 * slots are given (slots may be NULL/0), then knowledge-base answers to the newest
 * customer message. Writes up to max to out. Returns the count or -EINVAL. */
int assist_suggest(const struct assist_context *ctx, const struct assist_mood *mood,
		   const struct assist_form *form, const struct assist_slot *slots,
		   size_t n_slots, struct assist_suggestion *out, size_t max);

/* A wrap-up summary draft, appended to out as plain text: the customer and their
 * contact, what they reported (their first message), the equipment and address, the
 * urgency and the mood at the end, and outcome (what was done, e.g. "Booked ...";
 * NULL: none). 0, -EINVAL, -ENOMEM. */
int assist_wrapup_draft(const struct assist_context *ctx, const char *outcome, struct buf *out);

/* The whole panel as a new JSON object (owned by the caller):
 * {"sentiment":S,"frustration":F,"urgency":U,"trend":T,"suggestions":[{"text","source"}],
 *  "kb":[{"id","title","snippet"}],"slots":[{"start","end","technician_id","technician",
 *  "label"}],"form":{"service","equipment","address","zip","phone","email","name",
 *  "preferred"}}; times are ISO 8601 in the tenant's zone. 0, -EINVAL, -ENOMEM. */
int assist_panel(const struct assist_context *ctx, json_t **out);

#endif
