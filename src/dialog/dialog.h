/* dialog.h: the AI first responder's decisions. This first part is the escalation
 * policy of the product (docs/architecture.md, "Escalation"): given what the NLU
 * understood of a turn and the state of the conversation, decide whether a person is
 * needed, how urgently, and why. Pure logic: no I/O, no clock of its own. */
#ifndef TANDEM_DIALOG_DIALOG_H
#define TANDEM_DIALOG_DIALOG_H

#include <stdbool.h>
#include <stddef.h>

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

#endif
