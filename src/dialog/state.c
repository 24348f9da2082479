/* state.c: the conversation state and its JSON form, names of the engine's enums, the
 * turn result, and the built-in reply templates. */
#include "base/err.h"
#include "base/jsonx.h"
#include "dialog/dialog_internal.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

extern const unsigned char dialog_templates_en[];
extern const size_t dialog_templates_en_len;
extern const unsigned char dialog_templates_es[];
extern const size_t dialog_templates_es_len;

#define NAME_TABLE(prefix, LIST)                                        \
	static const char *const prefix##_names[] = {                   \
		LIST(NAME_ENTRY)                                        \
	};
#define NAME_ENTRY(v, s) [v] = s,
NAME_TABLE(flow, DIALOG_FLOWS)
NAME_TABLE(await, DIALOG_AWAITS)
NAME_TABLE(outcome, DIALOG_OUTCOMES)
NAME_TABLE(action, DIALOG_ACTIONS)
#undef NAME_ENTRY

static const char *name_of(const char *const *names, unsigned n, unsigned v)
{
	return v < n ? names[v] : "unknown";
}

static int parse_of(const char *const *names, unsigned n, const char *s, int *out)
{
	for (unsigned i = 0; s && i < n; i++)
		if (!strcmp(s, names[i])) {
			*out = (int)i;
			return 0;
		}
	return -EINVAL;
}

const char *dialog_flow_name(enum dialog_flow f)
{
	return name_of(flow_names, DIALOG_FLOW_COUNT, (unsigned)f);
}
const char *dialog_await_name(enum dialog_await a)
{
	return name_of(await_names, DIALOG_AWAIT_COUNT, (unsigned)a);
}
const char *dialog_outcome_name(enum dialog_outcome o)
{
	return name_of(outcome_names, DIALOG_OUTCOME_COUNT, (unsigned)o);
}
const char *dialog_action_name(enum dialog_action_kind k)
{
	return name_of(action_names, DIALOG_ACT_COUNT, (unsigned)k);
}

int dialog_flow_parse(const char *s, enum dialog_flow *out)
{
	int v, rc = parse_of(flow_names, DIALOG_FLOW_COUNT, s, &v);
	if (!rc)
		*out = (enum dialog_flow)v;
	return rc;
}
int dialog_await_parse(const char *s, enum dialog_await *out)
{
	int v, rc = parse_of(await_names, DIALOG_AWAIT_COUNT, s, &v);
	if (!rc)
		*out = (enum dialog_await)v;
	return rc;
}
int dialog_outcome_parse(const char *s, enum dialog_outcome *out)
{
	int v, rc = parse_of(outcome_names, DIALOG_OUTCOME_COUNT, s, &v);
	if (!rc)
		*out = (enum dialog_outcome)v;
	return rc;
}

void dialog__copy(char *dst, size_t n, const char *src)
{
	if (!n)
		return;
	size_t l = src ? strlen(src) : 0;
	if (l >= n) {
		l = n - 1;
		/* do not cut a UTF-8 sequence in half */
		while (l > 0 && ((unsigned char)src[l] & 0xC0) == 0x80)
			l--;
	}
	if (l)
		memcpy(dst, src, l);
	dst[l] = '\0';
}

void dialog_state_init(struct dialog_state *s)
{
	memset(s, 0, sizeof *s);
	memcpy(s->lang, "en", 3);
	s->chosen = -1;
}

/* One table drives both directions of the JSON form. */
enum field_kind { F_INT, F_I64, F_BOOL, F_STR, F_DBL, F_UINT };
struct field {
	const char *key;
	enum field_kind kind;
	size_t off, size;
};
#define FLD(k, kind, m) {k, kind, offsetof(struct dialog_state, m), sizeof(((struct dialog_state *)0)->m)}
static const struct field fields[] = {
	FLD("turns", F_INT, turns),
	FLD("disclosed", F_BOOL, disclosed),
	FLD("lang", F_STR, lang),
	FLD("service_code", F_STR, service_code),
	FLD("trade", F_STR, trade),
	FLD("equipment", F_STR, equipment),
	FLD("problem", F_STR, problem),
	FLD("address", F_STR, address),
	FLD("zip", F_STR, zip),
	FLD("pref_start", F_I64, pref_start),
	FLD("pref_end", F_I64, pref_end),
	FLD("parts", F_UINT, parts),
	FLD("chosen", F_INT, chosen),
	FLD("job_id", F_I64, job_id),
	FLD("job_number", F_STR, job_number),
	FLD("verified", F_BOOL, verified),
	FLD("new_contact", F_STR, new_contact),
	FLD("low_conf_streak", F_INT, low_conf_streak),
	FLD("failures", F_INT, failures),
	FLD("last_intent", F_STR, last_intent),
	FLD("escalated", F_BOOL, escalated),
	FLD("priority", F_INT, priority),
	FLD("reasons", F_UINT, reasons),
	FLD("promised_at", F_I64, promised_at),
	FLD("closed", F_BOOL, closed),
	FLD("customer_name", F_STR, customer_name),
	FLD("urgency", F_INT, urgency),
	FLD("frustration", F_DBL, frustration),
	FLD("sentiment", F_DBL, sentiment),
	FLD("summary_intent", F_STR, summary_intent),
};
#undef FLD

json_t *dialog_state_to_json(const struct dialog_state *s)
{
	json_t *o = json_object(), *offers = json_array();
	if (!o || !offers)
		goto fail;
	const char *base = (const char *)s;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const struct field *f = &fields[i];
		const void *p = base + f->off;
		json_t *v = NULL;
		switch (f->kind) {
		case F_INT: v = json_integer(*(const int *)p); break;
		case F_UINT: v = json_integer(*(const unsigned *)p); break;
		case F_I64: v = json_integer(*(const int64_t *)p); break;
		case F_BOOL: v = json_boolean(*(const bool *)p); break;
		case F_STR: v = json_string((const char *)p); break;
		case F_DBL: v = json_real(*(const double *)p); break;
		}
		if (json_object_set_new(o, f->key, v))
			goto fail;
	}
	if (json_object_set_new(o, "flow", json_string(dialog_flow_name(s->flow))) ||
	    json_object_set_new(o, "await", json_string(dialog_await_name(s->await))) ||
	    json_object_set_new(o, "outcome", json_string(dialog_outcome_name(s->outcome))))
		goto fail;
	for (int i = 0; i < s->n_offers && i < DIALOG_OFFERS_MAX; i++) {
		json_t *w = json_pack("{s:I,s:I,s:I}", "start", (json_int_t)s->offers[i].start,
				      "end", (json_int_t)s->offers[i].end, "technician_id",
				      (json_int_t)s->offers[i].technician_id);
		if (json_array_append_new(offers, w))
			goto fail;
	}
	if (json_object_set_new(o, "offers", offers))
		goto fail_o;
	return o;
fail:
	json_decref(offers);
fail_o:
	json_decref(o);
	return NULL;
}

int dialog_state_from_json(const json_t *j, struct dialog_state *s)
{
	dialog_state_init(s);
	if (!json_is_object(j))
		return -TN_EPARSE;
	char *base = (char *)s;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const struct field *f = &fields[i];
		json_t *v = json_object_get(j, f->key);
		void *p = base + f->off;
		if (!v || json_is_null(v))
			continue;
		switch (f->kind) {
		case F_INT:
		case F_UINT:
		case F_I64:
			if (!json_is_integer(v))
				goto bad;
			if (f->kind == F_INT)
				*(int *)p = (int)json_integer_value(v);
			else if (f->kind == F_UINT)
				*(unsigned *)p = (unsigned)json_integer_value(v);
			else
				*(int64_t *)p = json_integer_value(v);
			break;
		case F_BOOL:
			if (!json_is_boolean(v))
				goto bad;
			*(bool *)p = json_is_true(v);
			break;
		case F_STR:
			if (!json_is_string(v))
				goto bad;
			dialog__copy(p, f->size, json_string_value(v));
			break;
		case F_DBL:
			if (!json_is_number(v))
				goto bad;
			*(double *)p = json_number_value(v);
			break;
		}
	}
	const char *name;
	if (!jsonx_get_str(j, "flow", &name) && dialog_flow_parse(name, &s->flow))
		goto bad;
	if (!jsonx_get_str(j, "await", &name) && dialog_await_parse(name, &s->await))
		goto bad;
	if (!jsonx_get_str(j, "outcome", &name) && dialog_outcome_parse(name, &s->outcome))
		goto bad;
	json_t *offers = json_object_get(j, "offers");
	if (offers && !json_is_array(offers))
		goto bad;
	for (size_t i = 0; i < json_array_size(offers) && i < DIALOG_OFFERS_MAX; i++) {
		json_t *w = json_array_get(offers, i);
		int64_t a, b, t;
		if (jsonx_get_int(w, "start", &a) || jsonx_get_int(w, "end", &b) ||
		    jsonx_get_int(w, "technician_id", &t))
			goto bad;
		s->offers[s->n_offers++] = (struct dialog_offer){a, b, t};
	}
	if (s->chosen >= s->n_offers || s->chosen < -1)
		s->chosen = -1;
	if (strcmp(s->lang, "es"))
		memcpy(s->lang, "en", 3);
	return 0;
bad:
	dialog_state_init(s);
	return -TN_EPARSE;
}

void dialog_out_init(struct dialog_out *o)
{
	memset(o, 0, sizeof *o);
}

void dialog_out_free(struct dialog_out *o)
{
	buf_free(&o->reply);
	for (size_t i = 0; i < o->n_actions; i++) {
		json_decref(o->actions[i].packet);
		json_decref(o->actions[i].data);
	}
	memset(o, 0, sizeof *o);
}

static json_t *builtin_templates;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

static void builtin_load(void)
{
	char err[128];
	json_t *all = json_object();
	json_t *en = jsonx_parse((const char *)dialog_templates_en, dialog_templates_en_len, true,
				 err, sizeof err);
	json_t *es = jsonx_parse((const char *)dialog_templates_es, dialog_templates_es_len, true,
				 err, sizeof err);
	if (!all || !en || json_object_set_new(all, "en", en)) {
		json_decref(all);
		json_decref(es);
		return;
	}
	if (es)
		json_object_set_new(all, "es", es);
	builtin_templates = all;
}

const json_t *dialog_templates_builtin(void)
{
	pthread_once(&builtin_once, builtin_load);
	return builtin_templates;
}
