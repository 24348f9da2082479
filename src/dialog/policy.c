/* policy.c: the escalation policy, one decision per customer turn. */
#include "dialog/dialog.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const reason_names[] = {
#define X(v, s) [v] = s,
	DIALOG_REASONS(X)
#undef X
};

const char *dialog_reason_name(enum dialog_reason r)
{
	if ((unsigned)r >= DIALOG_REASON_COUNT)
		return "unknown";
	return reason_names[r];
}

int dialog_reason_parse(const char *s, enum dialog_reason *out)
{
	for (unsigned i = 0; i < DIALOG_REASON_COUNT; i++)
		if (!strcmp(s, reason_names[i])) {
			*out = (enum dialog_reason)i;
			return 0;
		}
	return -EINVAL;
}

void dialog_thresholds_default(struct dialog_thresholds *t)
{
	t->frustration = 0.6;
	t->low_confidence = 0.45;
	t->low_confidence_turns = 2;
	t->repeat_failures = 2;
}

static void add(struct dialog_escalation *e, enum dialog_reason r, enum dialog_priority p)
{
	e->reasons |= 1u << r;
	e->escalate = true;
	if (e->priority == DIALOG_P_NONE || p < e->priority)
		e->priority = p;
}

static bool is(const char *intent, const char *name)
{
	return intent && !strcmp(intent, name);
}

void dialog_escalation_decide(const struct dialog_turn_facts *f, const struct dialog_thresholds *t,
			      bool open, struct dialog_escalation *out)
{
	memset(out, 0, sizeof *out);

	/* 1. Life safety: the safety instruction first, then a person at once. */
	if (f->urgency >= 3) {
		out->safety_first = true;
		add(out, DIALOG_REASON_LIFE_SAFETY, DIALOG_P1);
	}
	/* 2. Property damage, or the classifier saw an emergency the lexicon did not grade. */
	else if (f->urgency == 2 || is(f->intent, "emergency")) {
		add(out, DIALOG_REASON_PROPERTY_EMERGENCY, DIALOG_P1);
	}
	if (out->escalate && !open)
		out->page_oncall = true;

	/* 3. A direct request for a person: transfer, never argue. */
	if (f->human_request || is(f->intent, "human_request"))
		add(out, DIALOG_REASON_HUMAN_REQUEST, DIALOG_P2);

	/* 4. Disputes and complaints belong to people. */
	if (is(f->intent, "billing_dispute"))
		add(out, DIALOG_REASON_BILLING_DISPUTE, DIALOG_P2);
	if (is(f->intent, "complaint"))
		add(out, DIALOG_REASON_COMPLAINT, DIALOG_P2);

	/* 5. Frustration, the same request failing, or the chatbot loop. */
	if (f->frustration >= t->frustration)
		add(out, DIALOG_REASON_FRUSTRATION, DIALOG_P2);
	if (t->repeat_failures > 0 && f->failures_same_request >= t->repeat_failures)
		add(out, DIALOG_REASON_REPEATED_FAILURE, DIALOG_P2);

	/* Dialogue acts (yes/no) carry little intent signal; they never count as low confidence. */
	bool dialogue_act = is(f->intent, "affirm") || is(f->intent, "deny");
	out->low_confidence_turn = !dialogue_act && f->confidence < t->low_confidence;
	if (out->low_confidence_turn && t->low_confidence_turns > 0 &&
	    f->low_confidence_streak + 1 >= t->low_confidence_turns)
		add(out, DIALOG_REASON_LOW_CONFIDENCE, DIALOG_P2);
}

int dialog_reasons_format(unsigned set, char *out, size_t n)
{
	int count = 0;
	size_t used = 0;
	if (n)
		out[0] = '\0';
	for (unsigned i = 0; i < DIALOG_REASON_COUNT; i++) {
		if (!(set & (1u << i)))
			continue;
		int w = snprintf(out + used, n > used ? n - used : 0, "%s%s", count ? "," : "",
				 reason_names[i]);
		if (w > 0 && used + (size_t)w < n)
			used += (size_t)w;
		else
			used = n ? n - 1 : 0;
		count++;
	}
	return count;
}
