/* extract.h: entities (date/time, phone, email, ZIP, address, job and invoice numbers,
 * money, equipment, names) and signals (sentiment, frustration, urgency, a request for
 * a person) found in one customer message by rules and lexicons. Pure functions: no
 * global state, "now" and the zone are passed in. */
#ifndef TANDEM_NLU_EXTRACT_H
#define TANDEM_NLU_EXTRACT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tz;

/* Entity types; the strings are the canonical names used in JSON, tests and data. */
#define NLU_ENTITY_TYPES(X)                       \
	X(NLU_ENT_DATETIME, "datetime")           \
	X(NLU_ENT_PHONE, "phone")                 \
	X(NLU_ENT_EMAIL, "email")                 \
	X(NLU_ENT_ZIP, "zip")                     \
	X(NLU_ENT_ADDRESS, "address")             \
	X(NLU_ENT_JOB_NUMBER, "job_number")       \
	X(NLU_ENT_INVOICE_NUMBER, "invoice_number") \
	X(NLU_ENT_MONEY, "money")                 \
	X(NLU_ENT_EQUIPMENT, "equipment")         \
	X(NLU_ENT_PERSON_NAME, "person_name")

enum nlu_entity_type {
#define NLU_X_(e, s) e,
	NLU_ENTITY_TYPES(NLU_X_)
#undef NLU_X_
	NLU_ENT__COUNT
};

/* The canonical name of t ("datetime", ...), or "unknown" when out of range. Static. */
const char *nlu_entity_type_name(enum nlu_entity_type t);
/* Parses a canonical entity type name. 0, or -EINVAL for an unknown name. */
int nlu_entity_type_parse(const char *s, enum nlu_entity_type *out);

#define NLU_ENTITY_VALUE_MAX 128   /* bytes, NUL included; longer values are cut */
#define NLU_ENTITY_TEXT_MAX 128    /* bytes of surface text kept, NUL included */
#define NLU_ENTITIES_MAX 32        /* entities kept per message, in text order */
#define NLU_ISO_MAX 32             /* "2026-03-08T03:00:00-04:00" + NUL fits */

/* One entity. Spans are half-open [start, end) over the original text. */
struct nlu_entity {
	enum nlu_entity_type type;
	size_t start, end;                  /* byte offsets in the text given */
	size_t cstart, cend;                /* code point offsets (for JavaScript clients) */
	char text[NLU_ENTITY_TEXT_MAX];     /* the surface text, as written (cut if long) */
	/* Canonical value: E.164 phone ("+17045550182"), lower-cased email, 5-digit zip,
	 * "J-48213", "INV-5521", equipment snake_case name ("water_heater"), a name as
	 * said ("Linda Smith"), an address with normalised spacing, money as "189.00".
	 * For datetime: the ISO start (same as dt_start_iso). */
	char value[NLU_ENTITY_VALUE_MAX];
	double amount;                      /* money only: dollars (189.0) */
	/* datetime only: the resolved interval in Unix seconds, both ends inclusive
	 * ("tomorrow" is 00:00:00 .. 23:59:59 local); a point has dt_start == dt_end. */
	int64_t dt_start, dt_end;
	bool dt_point;
	char dt_start_iso[NLU_ISO_MAX];     /* ISO 8601 with the zone's offset for that date */
	char dt_end_iso[NLU_ISO_MAX];
};

struct nlu_entities {
	struct nlu_entity items[NLU_ENTITIES_MAX];
	size_t count;
};

/* Finds the entities in text[0..len) (UTF-8, any case, not NUL-terminated necessarily).
 * Date/time expressions are resolved against now (Unix seconds) in zone (NULL means
 * UTC), following the product's date/time rules (business-hours reading of bare hours,
 * whole days as 00:00:00-23:59:59, past dates rolling forward, DST-correct; no dates are
 * found when now lies outside the years 1900-9999). Entities do
 * not overlap, except that a ZIP inside an address is reported as well; they are stored
 * in text order in *out (caller-owned; overwritten; at most NLU_ENTITIES_MAX kept). Returns 0, -EINVAL for NULL arguments (text may be NULL when
 * len is 0), or -TN_EPARSE when the text is not valid UTF-8 (out is then empty). */
int nlu_extract_entities(const char *text, size_t len, int64_t now, const struct tz *zone,
			 struct nlu_entities *out);

/* Evidence codes behind the signals; the strings are the names used in JSON. */
#define NLU_EVIDENCE_CODES(X)                                  \
	/* urgency 3: life safety */                            \
	X(NLU_EV_GAS_SMELL, "gas_smell")                        \
	X(NLU_EV_CO_ALARM, "co_alarm")                          \
	X(NLU_EV_SPARKS, "sparks")                              \
	X(NLU_EV_BURNING_SMELL, "burning_smell")                \
	X(NLU_EV_SMOKE, "smoke")                                \
	X(NLU_EV_ELECTRICAL_FIRE, "electrical_fire")            \
	/* urgency 2: property damage, exposure */              \
	X(NLU_EV_FLOODING, "flooding")                          \
	X(NLU_EV_ACTIVE_LEAK, "active_leak")                    \
	X(NLU_EV_BURST_PIPE, "burst_pipe")                      \
	X(NLU_EV_SEWAGE, "sewage")                              \
	X(NLU_EV_WATER_THROUGH_CEILING, "water_through_ceiling") \
	X(NLU_EV_NO_HEAT_FREEZING, "no_heat_freezing")          \
	X(NLU_EV_NO_COOLING_EXTREME_HEAT, "no_cooling_extreme_heat") \
	X(NLU_EV_VULNERABLE_PERSON, "vulnerable_person")        \
	/* urgency 1: wording */                                \
	X(NLU_EV_URGENT_WORDING, "urgent_wording")              \
	/* frustration */                                       \
	X(NLU_EV_SHOUTING, "shouting")                          \
	X(NLU_EV_REPEATED_PUNCTUATION, "repeated_punctuation")  \
	X(NLU_EV_PROFANITY, "profanity")                        \
	X(NLU_EV_REPEAT_CONTACT, "repeat_contact")              \
	X(NLU_EV_AGAIN, "again")                                \
	X(NLU_EV_RIDICULOUS, "ridiculous")                      \
	X(NLU_EV_UNACCEPTABLE, "unacceptable")                  \
	X(NLU_EV_SARCASM, "sarcasm")                            \
	/* sentiment words */                                   \
	X(NLU_EV_NEGATIVE, "negative")                          \
	X(NLU_EV_POSITIVE, "positive")                          \
	/* request for a person */                              \
	X(NLU_EV_DIRECT_REQUEST, "direct_request")              \
	X(NLU_EV_INDIRECT_REQUEST, "indirect_request")         \
	X(NLU_EV_BOT_QUESTION, "bot_question")

enum nlu_evidence_code {
#define NLU_X_(e, s) e,
	NLU_EVIDENCE_CODES(NLU_X_)
#undef NLU_X_
	NLU_EV__COUNT
};

/* The name of an evidence code ("gas_smell", ...), or "unknown". Static. */
const char *nlu_evidence_name(enum nlu_evidence_code c);

#define NLU_EVIDENCE_MAX 16

struct nlu_evidence {
	enum nlu_evidence_code code;
	size_t start, end;       /* byte span of the words that triggered it */
};

/* Signals independent of the intent. */
struct nlu_signals {
	double sentiment;        /* -1 (very negative) .. 1 (very positive) */
	double frustration;      /* 0 .. 1 */
	int urgency;             /* 0 none, 1 soon, 2 property damage/exposure, 3 life safety */
	bool human_request;      /* the customer asked for a person (directly or not) */
	struct nlu_evidence evidence[NLU_EVIDENCE_MAX];  /* in text order, de-duplicated */
	size_t evidence_count;
};

/* Computes the signals of text[0..len) (UTF-8) into *out (caller-owned; overwritten).
 * Negation-aware: "no smell of gas", "not an emergency" raise nothing. Returns 0,
 * -EINVAL for NULL arguments, or -TN_EPARSE for invalid UTF-8 (out is then zeroed). */
int nlu_extract_signals(const char *text, size_t len, struct nlu_signals *out);

/* True when the signals carry evidence code c. */
bool nlu_signals_has(const struct nlu_signals *s, enum nlu_evidence_code c);

/* Renders entities as a new JSON array (owned by the caller, json_decref):
 *   [{"type":"phone","value":"+17045550182","text":"704 555 0182","span":[s,e]}, ...]
 * money has a numeric "value" (189.0); datetime has "start" and "end" ISO strings
 * formatted in zone (NULL: the strings computed at extraction) and "point" (bool)
 * instead of "value". Spans are code point offsets. 0 or -ENOMEM. */
int nlu_entities_to_json(const struct nlu_entities *ents, const struct tz *zone, json_t **out);

/* Renders signals as a new JSON object (owned by the caller):
 *   {"sentiment":-0.6,"frustration":0.7,"urgency":3,"human_request":false,
 *    "evidence":[{"code":"gas_smell","span":[s,e]}, ...]}
 * Evidence spans are byte offsets. 0 or -ENOMEM. */
int nlu_signals_to_json(const struct nlu_signals *s, json_t **out);

#endif
