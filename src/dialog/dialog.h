/* dialog.h: the AI first responder. The first part is the escalation policy of the
 * product (docs/architecture.md, "Escalation"): given what the NLU understood of a turn
 * and the state of the conversation, decide whether a person is needed, how urgently,
 * and why. The second part is the conversation engine: a state that serialises to JSON
 * and dialog_turn(), which reads one customer message and produces the reply, the
 * escalation decision and the actions the caller performs against the store.
 * Pure logic: no I/O, no clock of its own (docs/internals/dialog.md). */
#ifndef TANDEM_DIALOG_DIALOG_H
#define TANDEM_DIALOG_DIALOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "nlu/nlu.h"
#include "schedule/schedule.h"

struct kb_index;

/* Why a conversation goes to a person. Names are part of the API and the event log. */
#define DIALOG_REASONS(X)                                                       \
	X(DIALOG_REASON_LIFE_SAFETY, "life_safety")                             \
	X(DIALOG_REASON_PROPERTY_EMERGENCY, "property_emergency")               \
	X(DIALOG_REASON_HUMAN_REQUEST, "human_request")                         \
	X(DIALOG_REASON_BILLING_DISPUTE, "billing_dispute")                     \
	X(DIALOG_REASON_COMPLAINT, "complaint")                                 \
	X(DIALOG_REASON_FRUSTRATION, "frustration")                             \
	X(DIALOG_REASON_REPEATED_FAILURE, "repeated_failure")                   \
	X(DIALOG_REASON_LOW_CONFIDENCE, "low_confidence")

enum dialog_reason {
#define X(v, s) v,
	DIALOG_REASONS(X)
#undef X
	DIALOG_REASON_COUNT
};

/* The canonical name of a reason ("life_safety"), or "unknown". */
const char *dialog_reason_name(enum dialog_reason r);
/* Parses a canonical name. 0, or -EINVAL. */
int dialog_reason_parse(const char *s, enum dialog_reason *out);

/* Priority classes of the routing queues. P1 is served first. */
enum dialog_priority { DIALOG_P_NONE = 0, DIALOG_P1 = 1, DIALOG_P2 = 2, DIALOG_P3 = 3 };

/* A tenant's escalation thresholds (each tenant can change the defaults). */
struct dialog_thresholds {
	double frustration;        /* frustration score at or above which a person takes over */
	double low_confidence;     /* an intent confidence below this is a low-confidence turn */
	int low_confidence_turns;  /* this many low-confidence turns in a row escalate */
	int repeat_failures;       /* the same request failing this many times escalates */
};

/* The defaults of the product's escalation policy. */
void dialog_thresholds_default(struct dialog_thresholds *t);

/* What one customer turn looked like, from the NLU and the conversation so far. */
struct dialog_turn_facts {
	const char *intent;        /* canonical intent label (borrowed) */
	double confidence;         /* classifier confidence of intent, 0..1 */
	int urgency;               /* 0 none .. 3 life-safety */
	double frustration;        /* 0..1 */
	bool human_request;        /* a person was asked for, directly or indirectly */
	int low_confidence_streak; /* low-confidence turns in a row before this one */
	int failures_same_request; /* earlier turns where the same request was not resolved */
};

/* The decision for one turn. */
struct dialog_escalation {
	bool escalate;                 /* a person is needed now */
	enum dialog_priority priority; /* P1 or P2 when escalating, DIALOG_P_NONE otherwise */
	bool safety_first;             /* give the safety instruction before anything else */
	bool page_oncall;              /* after hours and an emergency: page the on-call tech */
	bool low_confidence_turn;      /* this turn counts toward the low-confidence streak */
	unsigned reasons;              /* bit set of (1u << enum dialog_reason) */
};

/* Decides whether turn f needs a person under thresholds t. open is whether the business
 * is open (staffed) now. Fills out; never fails. */
void dialog_escalation_decide(const struct dialog_turn_facts *f, const struct dialog_thresholds *t,
			      bool open, struct dialog_escalation *out);

/* Writes the names of the reasons in set as a comma-separated list into out (n bytes).
 * Returns the number of reasons. */
int dialog_reasons_format(unsigned set, char *out, size_t n);

/* ==================================================================================
 * The conversation engine
 * ================================================================================== */

/* One service the business sells, with its price facts (borrowed strings). */
struct dialog_service {
	const char *code;         /* "ac_tuneup" */
	const char *name;         /* "AC or furnace tune-up" */
	const char *trade;        /* "hvac", "plumbing", "electrical", or "general" */
	int64_t price_cents;
	const char *price_kind;   /* "fixed", "from", "monthly", "estimate" */
	int windows;              /* appointment windows it takes; 0 = a full day */
	const char *description;  /* may be NULL */
};

/* One of the customer's jobs (appointments) with its invoice, if any. Borrowed. */
struct dialog_job {
	int64_t id;                    /* appointment id in the store */
	const char *job_number;        /* "J-48213" */
	const char *service_code;
	const char *trade;
	int64_t technician_id;
	const char *technician;        /* technician's name, may be NULL */
	int64_t start, end;            /* Unix seconds */
	enum schedule_job_state status;
	int64_t eta;                   /* 0: none */
	const char *address;           /* may be NULL */
	const char *invoice_number;    /* NULL: no invoice */
	int64_t invoice_cents;
	bool invoice_paid;
};

/* The customer as identified by the channel (phone or email on file). Borrowed. */
struct dialog_customer {
	int64_t id;               /* 0: unknown */
	const char *name, *phone, *email, *address, *zip;  /* each may be NULL */
};

/* Read access to the tenant's facts for one turn: all borrowed, owned by the caller,
 * unchanged during dialog_turn. Fill with what the store holds (src/app does). */
struct dialog_env {
	const struct nlu_model *model;        /* required */
	const json_t *templates;              /* {"en":{key:text},"es":{...}}; NULL: built-in */
	const char *business_name;
	const char *business_phone;           /* may be NULL */
	const char *portal_url;               /* may be NULL */
	const struct schedule_calendar *cal;  /* required: business (zone, hours, holidays,
	                                         windows, zips), technicians, bookings */
	const char *const *holiday_names;     /* parallel to cal->business->holidays; the
	                                         array and its entries may be NULL */
	const char *const *tech_phones;       /* parallel to cal->techs (E.164 or NULL); the
	                                         array may be NULL */
	const struct schedule_oncall *oncall; /* may be NULL */
	const struct dialog_service *services;
	size_t n_services;
	const char *const *brands;
	size_t n_brands;
	struct kb_index *kb;                  /* may be NULL */
	struct dialog_thresholds thresholds;
	int sla_seconds[4];                   /* answer deadline by priority (index 1..3) */
	int agents_online;                    /* people who can take a handoff now */
	const struct dialog_customer *customer;  /* NULL: not identified */
	const struct dialog_job *jobs;        /* the customer's jobs */
	size_t n_jobs;
	int64_t next_job_seq;                 /* a new booking's job number is J-<this> */
	const char *channel;                  /* "chat", "sms", ...; may be NULL */
};

/* The flows the engine can be in. */
#define DIALOG_FLOWS(X)                          \
	X(DIALOG_FLOW_NONE, "none")              \
	X(DIALOG_FLOW_BOOK, "book_service")      \
	X(DIALOG_FLOW_RESCHEDULE, "reschedule")  \
	X(DIALOG_FLOW_CANCEL, "cancel_appointment") \
	X(DIALOG_FLOW_RESET, "password_reset")   \
	X(DIALOG_FLOW_CONTACT, "update_contact") \
	X(DIALOG_FLOW_AREA, "service_area")

enum dialog_flow {
#define X(v, s) v,
	DIALOG_FLOWS(X)
#undef X
	DIALOG_FLOW_COUNT
};

/* What the engine asked for last and waits for. */
#define DIALOG_AWAITS(X)                          \
	X(DIALOG_AWAIT_NONE, "none")              \
	X(DIALOG_AWAIT_PROBLEM, "problem")        \
	X(DIALOG_AWAIT_ADDRESS, "address")        \
	X(DIALOG_AWAIT_CHOICE, "choice")          \
	X(DIALOG_AWAIT_CONFIRM, "confirm")        \
	X(DIALOG_AWAIT_TIME, "time")              \
	X(DIALOG_AWAIT_JOB, "job")                \
	X(DIALOG_AWAIT_IDENTITY, "identity")      \
	X(DIALOG_AWAIT_CONTACT, "contact")        \
	X(DIALOG_AWAIT_ZIP, "zip")                \
	X(DIALOG_AWAIT_PERSON, "person")

enum dialog_await {
#define X(v, s) v,
	DIALOG_AWAITS(X)
#undef X
	DIALOG_AWAIT_COUNT
};

/* Conversation outcomes, strongest last but escalation wins (see dialog_state.outcome). */
#define DIALOG_OUTCOMES(X)                          \
	X(DIALOG_OUTCOME_OPEN, "open")              \
	X(DIALOG_OUTCOME_ANSWERED, "answered")      \
	X(DIALOG_OUTCOME_BOOKED, "booked")          \
	X(DIALOG_OUTCOME_RESCHEDULED, "rescheduled") \
	X(DIALOG_OUTCOME_CANCELLED, "cancelled")    \
	X(DIALOG_OUTCOME_HANDOFF, "handoff")        \
	X(DIALOG_OUTCOME_CALLBACK, "callback")

enum dialog_outcome {
#define X(v, s) v,
	DIALOG_OUTCOMES(X)
#undef X
	DIALOG_OUTCOME_COUNT
};

/* Canonical names ("book_service", "choice", "booked"); "unknown" when out of range. */
const char *dialog_flow_name(enum dialog_flow f);
const char *dialog_await_name(enum dialog_await a);
const char *dialog_outcome_name(enum dialog_outcome o);
/* Parse canonical names. 0 or -EINVAL. */
int dialog_flow_parse(const char *s, enum dialog_flow *out);
int dialog_await_parse(const char *s, enum dialog_await *out);
int dialog_outcome_parse(const char *s, enum dialog_outcome *out);

#define DIALOG_OFFERS_MAX 3
#define DIALOG_TEXT_MAX 160

/* One window offered to the customer. */
struct dialog_offer {
	int64_t start, end, technician_id;
};

/* The state of one conversation: plain data, serialised with dialog_state_to_json after
 * every turn and restored with dialog_state_from_json (a restart resumes it). */
struct dialog_state {
	int turns;                      /* customer turns seen */
	bool disclosed;                 /* the AI has said it is an AI */
	char lang[4];                   /* "en" or "es" */
	enum dialog_flow flow;
	enum dialog_await await;
	/* book_service, reschedule */
	char service_code[48];
	char trade[16];
	char equipment[40];
	char problem[DIALOG_TEXT_MAX];  /* the customer's words about what is wrong */
	char address[DIALOG_TEXT_MAX];
	char zip[8];
	int64_t pref_start, pref_end;   /* preferred range, 0/0: none */
	unsigned parts;                 /* SCHEDULE_PART_* wanted */
	struct dialog_offer offers[DIALOG_OFFERS_MAX];
	int n_offers;
	int chosen;                     /* index in offers, -1: none */
	int64_t job_id;                 /* the appointment being changed or booked */
	char job_number[24];
	/* identity and contact changes */
	bool verified;
	char new_contact[128];
	/* escalation bookkeeping */
	int low_conf_streak;
	int failures;                   /* turns in a row where the request was not served */
	char last_intent[32];
	bool escalated;
	int priority;                   /* enum dialog_priority of the escalation */
	unsigned reasons;               /* every reason seen, bit set */
	int64_t promised_at;            /* callback promise, 0: none */
	/* results */
	enum dialog_outcome outcome;
	bool closed;                    /* the customer said goodbye */
	char customer_name[80];
	int urgency;                    /* highest seen */
	double frustration;             /* last seen */
	double sentiment;               /* last seen */
	char summary_intent[32];        /* what the conversation is about */
};

/* Resets s to the start of a new conversation. */
void dialog_state_init(struct dialog_state *s);
/* Renders s as a new JSON object (owned by the caller). NULL on ENOMEM. */
json_t *dialog_state_to_json(const struct dialog_state *s);
/* Restores s from j (as written by dialog_state_to_json; unknown keys ignored, missing
 * keys keep their initial values). 0, or -TN_EPARSE when j is not an object or a field
 * has the wrong type or an unknown name (s is then initialised). */
int dialog_state_from_json(const json_t *j, struct dialog_state *s);

/* What the caller must do after a turn. Names are used in the event log and tests. */
#define DIALOG_ACTIONS(X)                                  \
	X(DIALOG_ACT_BOOK, "book_appointment")             \
	X(DIALOG_ACT_RESCHEDULE, "reschedule_appointment") \
	X(DIALOG_ACT_CANCEL, "cancel_appointment")         \
	X(DIALOG_ACT_SEND, "send_message")                 \
	X(DIALOG_ACT_SEND_IF_ON_FILE, "send_if_on_file")   \
	X(DIALOG_ACT_UPDATE_CONTACT, "update_contact")     \
	X(DIALOG_ACT_CALLBACK, "create_callback")          \
	X(DIALOG_ACT_HANDOFF, "handoff")                   \
	X(DIALOG_ACT_EVENT, "event")

enum dialog_action_kind {
#define X(v, s) v,
	DIALOG_ACTIONS(X)
#undef X
	DIALOG_ACT_COUNT
};

/* The canonical name of an action kind ("book_appointment"), or "unknown". */
const char *dialog_action_name(enum dialog_action_kind k);

/* One action. Which fields matter depends on kind:
 * BOOK: service_code, trade, start, end, technician_id, address, zip, job_number, text
 *   (notes). RESCHEDULE: appointment_id, start, end, technician_id. CANCEL:
 *   appointment_id. SEND: channel ("sms"/"email"), recipient, text (body), name (a
 *   purpose such as "password_reset" or "oncall_page"). SEND_IF_ON_FILE: as SEND, but
 *   only when recipient is a contact on file of some customer (no account is revealed
 *   either way). UPDATE_CONTACT: channel ("phone"/"email") and recipient (the new
 *   value). CALLBACK: promised_at, recipient (phone, may be empty), text (reason),
 *   packet (owned, may be NULL); with name "set_phone" it gives the phone number of the
 *   callback already queued for this conversation.
 *   HANDOFF: packet. EVENT: name (the event kind, e.g. "ai_disclosed"), data. */
struct dialog_action {
	enum dialog_action_kind kind;
	char name[32];
	char service_code[48];
	char trade[16];
	char job_number[24];
	int64_t appointment_id;
	int64_t start, end, technician_id;
	int64_t promised_at;
	char channel[8];
	char recipient[128];
	char address[DIALOG_TEXT_MAX];
	char zip[8];
	char text[512];
	json_t *packet;   /* HANDOFF: owned (freed by dialog_out_free) */
	json_t *data;     /* EVENT: owned, may be NULL */
};

#define DIALOG_ACTIONS_MAX 12

/* Quick replies: short answers the customer can tap instead of typing, in the
 * customer's language, each one understood by the engine in the context it is offered
 * in (docs/internals/dialog.md, "Quick replies"). At most DIALOG_QUICK_MAX of at most
 * DIALOG_QUICK_CHARS characters (UTF-8, so up to 4 bytes each). */
#define DIALOG_QUICK_MAX 5
#define DIALOG_QUICK_CHARS 40
#define DIALOG_QUICK_BYTES (DIALOG_QUICK_CHARS * 4 + 1)

/* The result of one turn. Initialise with dialog_out_init, free with dialog_out_free. */
struct dialog_out {
	struct buf reply;               /* the AI's reply text (UTF-8) */
	struct nlu_result nlu;          /* what the NLU said (strings borrowed from model) */
	const char *intent;             /* the intent acted on (may differ from nlu's when
	                                   the turn was read in context, e.g. "affirm") */
	double confidence;
	struct dialog_escalation escalation;
	struct dialog_action actions[DIALOG_ACTIONS_MAX];
	size_t n_actions;
	enum dialog_outcome outcome;    /* what this turn achieved (OPEN: nothing final) */
	char quick[DIALOG_QUICK_MAX][DIALOG_QUICK_BYTES]; /* quick replies offered with the
	                                   reply, in order (none when nothing fits) */
	size_t n_quick;
};

/* Zeroes o. */
void dialog_out_init(struct dialog_out *o);
/* Frees what o owns (reply, packets, event data) and zeroes it; o can be reused. */
void dialog_out_free(struct dialog_out *o);

/* Runs one customer turn: analyses text (UTF-8, len bytes) with env->model at instant
 * now in the business's zone, applies the escalation policy, advances the flow in *s
 * and fills *out (previous contents freed first) with the reply, the NLU result, the
 * decision and the actions for the caller. Never invents prices or promises: facts
 * come from env. Returns 0, -EINVAL (NULL argument, no model or calendar), -TN_EPARSE
 * (invalid UTF-8), -TN_ELIMIT (text over NLU_MAX_TEXT) or -ENOMEM; on error *s is
 * unchanged. */
int dialog_turn(const struct dialog_env *env, struct dialog_state *s, const char *text,
		size_t len, int64_t now, struct dialog_out *out);

/* The quick replies of out as a new JSON array of strings (empty when none); NULL on
 * ENOMEM. */
json_t *dialog_quick_json(const struct dialog_out *out);

/* Builds the handoff packet (new JSON object, owned by the caller) for the conversation
 * in s: customer, intent, entities of the last turn (nlu, may be NULL), sentiment,
 * frustration, urgency, reasons, summary, suggested next step, open slots and SLA
 * deadline. The caller adds conversation id, channels and transcript. NULL on ENOMEM. */
json_t *dialog_handoff_packet(const struct dialog_env *env, const struct dialog_state *s,
			      const struct nlu_result *nlu, int64_t now);

/* The reply templates compiled into the binary ({"en":{...},"es":{...}}), parsed once
 * and shared (borrowed; lives for the process). NULL when they fail to parse. */
const json_t *dialog_templates_builtin(void);

#endif
