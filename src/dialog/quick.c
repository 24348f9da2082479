/* quick.c: the quick replies offered with a reply. Each one is something the engine
 * understands in the context it is offered in (a window as the engine phrases it, a
 * yes or a no at a confirmation, a service by its name, a request for a person), so a
 * customer who taps it instead of typing moves the conversation on the same way. They
 * come from the state after the turn and the tenant's facts: nothing is invented. */
#include "dialog/dialog_internal.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

size_t dialog__utf8_chars(const char *s)
{
	size_t n = 0;
	for (; s && *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* The words of s (len bytes) lower-cased and separated by single spaces, ASCII
 * punctuation and spacing dropped, into out (n bytes, truncated). */
static void words_of(const char *s, size_t len, char *out, size_t n)
{
	size_t j = 0;
	bool gap = false;
	for (size_t i = 0; i < len && j + 2 < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80 || isalnum(c)) {
			if (gap && j)
				out[j++] = ' ';
			gap = false;
			out[j++] = (char)(c >= 0x80 ? c : tolower(c));
		} else {
			gap = true;
		}
	}
	out[j] = '\0';
}

bool dialog__text_is(const struct dialog_ctx *t, const char *label)
{
	char a[DIALOG_QUICK_BYTES * 2], b[DIALOG_QUICK_BYTES * 2];
	if (!label || t->len >= sizeof a)
		return false;
	words_of(t->text, t->len, a, sizeof a);
	words_of(label, strlen(label), b, sizeof b);
	return b[0] && !strcmp(a, b);
}

/* Adds text as the next quick reply when it is short enough, new and there is room. */
static void add(struct dialog_ctx *t, const char *text)
{
	struct dialog_out *o = t->out;
	size_t chars = dialog__utf8_chars(text);
	if (!text || !chars || chars > DIALOG_QUICK_CHARS || strlen(text) >= DIALOG_QUICK_BYTES ||
	    o->n_quick >= DIALOG_QUICK_MAX)
		return;
	for (size_t i = 0; i < o->n_quick; i++)
		if (!strcmp(o->quick[i], text))
			return;
	dialog__copy(o->quick[o->n_quick++], DIALOG_QUICK_BYTES, text);
}

/* Adds the template key's text in the customer's language. */
static void add_key(struct dialog_ctx *t, const char *key)
{
	struct buf b = BUF_INIT;
	if (dialog__say(t->env, t->s, &b, key, NULL)) {
		if (!t->rc)
			t->rc = -ENOMEM;
	} else if (b.data) {
		add(t, b.data);
	}
	buf_free(&b);
}

/* The offered windows, as the engine phrases them. */
static void add_offers(struct dialog_ctx *t)
{
	const struct dialog_state *s = t->s;
	for (int i = 0; i < s->n_offers && i < DIALOG_OFFERS_MAX; i++) {
		char w[DIALOG_QUICK_BYTES];
		dialog__fmt_window_label(t->env, s, s->offers[i].start, s->offers[i].end, w, sizeof w);
		add(t, w);
	}
}

/* Services a visit can be booked for, by name: of the trade already known, else at
 * most two of each trade so the choice covers the business. Services without a trade
 * of their own (a diagnostic visit, a fee, a plan) need the customer's words. */
static void add_services(struct dialog_ctx *t)
{
	const struct dialog_env *env = t->env;
	const char *trade = t->s->trade[0] ? t->s->trade : NULL;
	const char *seen[DIALOG_QUICK_MAX];
	int per[DIALOG_QUICK_MAX] = {0};
	size_t n_seen = 0;
	for (size_t i = 0; i < env->n_services && t->out->n_quick < DIALOG_QUICK_MAX; i++) {
		const struct dialog_service *svc = &env->services[i];
		if (!svc->name || !svc->code || !svc->trade || !strcmp(svc->trade, "general") ||
		    (svc->price_kind && !strcmp(svc->price_kind, "monthly")) ||
		    (trade && strcmp(trade, svc->trade)))
			continue;
		size_t k = 0;
		while (k < n_seen && strcmp(seen[k], svc->trade))
			k++;
		if (k == n_seen) {
			if (n_seen == DIALOG_QUICK_MAX)
				continue;
			seen[n_seen++] = svc->trade;
		}
		if (!trade && per[k] >= 2)
			continue;
		size_t before = t->out->n_quick;
		add(t, svc->name);
		per[k] += t->out->n_quick > before;
	}
}

void dialog__quick_replies(struct dialog_ctx *t)
{
	const struct dialog_state *s = t->s;
	t->out->n_quick = 0;
	if (s->escalated)
		return; /* a person has the conversation, or a callback is promised */
	switch (s->await) {
	case DIALOG_AWAIT_CHOICE:
		add_offers(t);
		break;
	case DIALOG_AWAIT_CONFIRM:
		add_key(t, "quick_yes");
		add_key(t, "quick_no");
		break;
	case DIALOG_AWAIT_PROBLEM:
		if (s->flow == DIALOG_FLOW_BOOK)
			add_services(t);
		break;
	case DIALOG_AWAIT_TIME:
		add_key(t, "quick_earliest");
		break;
	default:
		break;
	}
	/* a person, whenever the AI could not help or asked whether one is wanted: the
	 * policy hands any request for a person over (or promises a callback) */
	if (t->failed || s->await == DIALOG_AWAIT_PERSON)
		add_key(t, "quick_person");
}

json_t *dialog_quick_json(const struct dialog_out *out)
{
	json_t *a = json_array();
	for (size_t i = 0; a && out && i < out->n_quick; i++)
		if (json_array_append_new(a, json_string(out->quick[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}
