/* cmd_converse.c: 'tandem converse': runs scripted conversations (JSON Lines) against a
 * fresh in-memory copy of the demo business, through the same code as the server. */
#include "app/api.h"
#include "app/cli.h"
#include "app/dialog_glue.h"
#include "base/err.h"
#include "base/jsonx.h"
#include "base/str.h"
#include "base/tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tandem converse --tenant SLUG [--now ISO8601] [--agents-online N]\n"
		"                       --script FILE [--json] [--seed FILE]\n\n"
		"Runs each conversation of FILE (JSON Lines, one conversation a line:\n"
		"{\"id\",\"now\"?,\"channel\"?,\"agents_online\"?,\"customer\"?,\"setup\"?,\"turns\":[...]})\n"
		"on a fresh in-memory copy of the demo business and prints what the AI did.\n"
		"  --tenant SLUG       the business (the demo seed's slug, 'demo')\n"
		"  --now ISO8601       the time of every conversation without its own \"now\"\n"
		"  --agents-online N   people available for a handoff (default 1)\n"
		"  --json              one JSON object per conversation instead of a transcript:\n"
		"                      {id, outcome, reason, turns, appointment?, handoff?, outbox?}\n"
		"  --seed FILE         seed this business instead of the built-in demo\n");
}

struct setup_job {
	int64_t tenant_id, now;
	const json_t *conv;
	const struct schedule_business *biz;
	const json_t *techs;
	int64_t customer_id;
	bool linked;
	char err[200];
};

static int64_t tech_id(const json_t *techs, const char *name)
{
	size_t i;
	json_t *v;
	json_array_foreach(techs, i, v)
		if (name && !strcmp(json_string_value(json_object_get(v, "name")), name))
			return json_integer_value(json_object_get(v, "id"));
	return 0;
}

static int run_sql(struct store_conn *c, const char *sql, int n, const int64_t *ints,
		   const char *text, int text_at)
{
	struct store_stmt *st;
	int rc = store_prepare(c, sql, &st);
	if (rc)
		return rc;
	for (int i = 0; i < n; i++)
		if (i + 1 == text_at)
			store_bind_text(st, i + 1, text, -1);
		else
			store_bind_int64(st, i + 1, ints[i]);
	rc = store_step(st);
	store_stmt_finish(st);
	return rc < 0 ? rc : 0;
}

static const char *zip_of(const char *addr, char *out)
{
	out[0] = '\0';
	if (!addr)
		return NULL;
	size_t l = strlen(addr);
	for (size_t i = l; i >= 5; i--) {
		const char *p = addr + i - 5;
		bool ok = true;
		for (int k = 0; k < 5; k++)
			ok &= p[k] >= '0' && p[k] <= '9';
		if (ok && (i == l || addr[i] < '0' || addr[i] > '9') &&
		    (i == 5 || addr[i - 6] < '0' || addr[i - 6] > '9')) {
			memcpy(out, p, 5);
			out[5] = '\0';
			return out;
		}
	}
	return NULL;
}

static int setup_run(struct store_conn *c, void *arg)
{
	struct setup_job *j = arg;
	const json_t *cust = json_object_get(j->conv, "customer");
	const json_t *setup = json_object_get(j->conv, "setup");
	int rc;
	if (!cust)
		return 0;
	/* a customer on file who writes from an identity the business does not know yet
	 * ("known": false) is created but not linked to the conversation */
	j->linked = !json_is_false(json_object_get(cust, "known"));
	const char *addr = json_string_value(json_object_get(setup, "address"));
	char zip[8];
	struct store_customer cu = {.name = json_string_value(json_object_get(cust, "name")),
				    .address = addr, .zip = zip_of(addr, zip)};
	if ((rc = store_customer_create(c, j->tenant_id, &cu, j->now, &j->customer_id)))
		return rc;
	const char *phone = json_string_value(json_object_get(cust, "phone"));
	const char *email = json_string_value(json_object_get(cust, "email"));
	if (phone && (rc = store_identity_add(c, j->tenant_id, j->customer_id, STORE_IDENTITY_PHONE, phone)))
		return rc;
	if (email && (rc = store_identity_add(c, j->tenant_id, j->customer_id, STORE_IDENTITY_EMAIL, email)))
		return rc;
	size_t i;
	json_t *job;
	json_array_foreach(json_object_get(setup, "jobs"), i, job) {
		const char *tname = json_string_value(json_object_get(job, "technician"));
		int64_t tid = tech_id(j->techs, tname), start, end;
		if (tz_parse_iso(json_string_value(json_object_get(job, "start")), j->biz->zone, &start) ||
		    tz_parse_iso(json_string_value(json_object_get(job, "end")), j->biz->zone, &end) ||
		    end <= start) {
			snprintf(j->err, sizeof j->err, "setup.jobs[%zu]: start and end must be ISO 8601, start first", i);
			return -TN_EINVAL_FIELD;
		}
		if (!tid) {
			snprintf(j->err, sizeof j->err, "setup.jobs[%zu]: unknown technician '%s'", i,
				 tname ? tname : "");
			return -TN_EINVAL_FIELD;
		}
		int64_t slots[48];
		int n = schedule_slot_windows(j->biz, start, end, slots, 48);
		if (n <= 0) {
			slots[0] = start;
			n = 1;
		}
		struct store_appointment ap = {
			.customer_id = j->customer_id, .technician_id = tid,
			.service_code = json_string_value(json_object_get(job, "service")),
			.trade = json_string_value(json_object_get(job, "trade")),
			.start_at = start, .end_at = end,
			.job_number = json_string_value(json_object_get(job, "job")), .address = addr};
		if (!ap.service_code)
			ap.service_code = "service_call";
		if (!ap.trade)
			ap.trade = "hvac";
		int64_t id;
		if ((rc = store_appointment_book(c, j->tenant_id, &ap, slots, (size_t)n, &id))) {
			snprintf(j->err, sizeof j->err, "setup.jobs[%zu]: %s", i, tn_strerror(rc));
			return rc;
		}
		const char *status = json_string_value(json_object_get(job, "status"));
		if (status && strcmp(status, "scheduled")) {
			/* a visit under way: en route with an ETA half an hour from now */
			int64_t eta = !strcmp(status, "en_route") ? j->now + 1800 : 0;
			int64_t v[] = {0, eta, j->tenant_id, id};
			if ((rc = run_sql(c, "UPDATE appointments SET status = ?, eta = NULLIF(?, 0) "
					     "WHERE tenant_id = ? AND id = ?", 4, v, status, 1)))
				return rc;
		}
		json_t *inv = json_object_get(job, "invoice");
		if (inv) {
			char number[48];
			const char *jn = ap.job_number ? ap.job_number : "J-0";
			snprintf(number, sizeof number, "INV-%s", jn + (str_starts_with(jn, "J-") ? 2 : 0));
			const char *ist = json_string_value(json_object_get(inv, "status"));
			int64_t cents = (int64_t)(json_number_value(json_object_get(inv, "amount")) * 100 + 0.5);
			struct store_stmt *st;
			if ((rc = store_prepare(c, "INSERT INTO invoices (tenant_id, customer_id, "
						   "appointment_id, number, amount_cents, status, issued_at) "
						   "VALUES (?, ?, ?, ?, ?, ?, ?)", &st)))
				return rc;
			store_bind_int64(st, 1, j->tenant_id);
			store_bind_int64(st, 2, j->customer_id);
			store_bind_int64(st, 3, id);
			store_bind_text(st, 4, number, -1);
			store_bind_int64(st, 5, cents);
			store_bind_text(st, 6, ist && !strcmp(ist, "paid") ? "paid" : "open", -1);
			store_bind_int64(st, 7, end);
			rc = store_step(st);
			store_stmt_finish(st);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

struct conv_job {
	int64_t tenant_id, customer_id, now, id;
	const char *channel;
};

static int conv_create(struct store_conn *c, void *arg)
{
	struct conv_job *j = arg;
	return store_conversation_create(c, j->tenant_id, j->customer_id, j->channel, j->now, &j->id);
}

static void print_transcript(const json_t *res)
{
	printf("== %s: %s (%s)\n", json_string_value(json_object_get(res, "id")),
	       json_string_value(json_object_get(res, "outcome")),
	       json_string_value(json_object_get(res, "reason")));
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(res, "turns"), i, t) {
		printf("customer: %s\n", json_string_value(json_object_get(t, "customer")));
		printf("      ai: %s\n", json_string_value(json_object_get(t, "ai")));
		printf("          [%s %.2f%s]\n", json_string_value(json_object_get(t, "intent")),
		       json_number_value(json_object_get(t, "confidence")),
		       json_is_true(json_object_get(t, "escalate")) ? " escalate" : "");
	}
	printf("\n");
}

/* Runs one conversation; returns its result (new reference) or NULL with err set. */
static json_t *run_conversation(const json_t *seed, const struct nlu_model *m, const char *slug,
				const json_t *conv, int64_t default_now, int default_agents,
				char *err, size_t errlen)
{
	struct store *st = NULL;
	json_t *res = NULL, *techs = NULL, *tenant = NULL, *effects = NULL;
	json_t *appointment = NULL, *handoff = NULL, *outbox = NULL;
	struct dialog_tenant facts = {0};
	bool facts_loaded = false;
	struct api_verr ve;
	int64_t tenant_id = 0, now = default_now;
	int agents = default_agents;
	int rc;
	const char *now_s = json_string_value(json_object_get(conv, "now"));
	if (now_s && tz_parse_iso(now_s, NULL, &now)) {
		snprintf(err, errlen, "\"now\" is not ISO 8601: %s", now_s);
		return NULL;
	}
	if (json_is_integer(json_object_get(conv, "agents_online")))
		agents = (int)json_integer_value(json_object_get(conv, "agents_online"));
	json_t *turns = json_object_get(conv, "turns");
	if (!json_is_array(turns)) {
		snprintf(err, errlen, "\"turns\" must be an array of strings");
		return NULL;
	}
	if ((rc = store_open(":memory:", &st))) {
		snprintf(err, errlen, "cannot open the store: %s", tn_strerror(rc));
		return NULL;
	}
	if (seed_apply(st, seed, NULL, 0, now, &tenant_id, &ve)) {
		snprintf(err, errlen, "seeding failed: %.200s", ve.msg);
		goto out;
	}
	if (store_tenant_get_by_slug(store_reader(st), slug, &tenant)) {
		snprintf(err, errlen, "no business with slug '%s' (the seed's is different)", slug);
		goto out;
	}
	if ((rc = dialog_tenant_load(store_reader(st), tenant_id, now, &facts)) ||
	    (rc = store_technician_list(store_reader(st), tenant_id, &techs))) {
		snprintf(err, errlen, "loading the business failed: %s", tn_strerror(rc));
		goto out;
	}
	facts_loaded = true;
	struct setup_job sj = {.tenant_id = tenant_id, .now = now, .conv = conv, .biz = &facts.biz,
			       .techs = techs};
	if ((rc = store_write_sync(st, setup_run, &sj))) {
		snprintf(err, errlen, "setup failed: %s", sj.err[0] ? sj.err : tn_strerror(rc));
		goto out;
	}
	const char *channel = json_string_value(json_object_get(conv, "channel"));
	struct conv_job cj = {.tenant_id = tenant_id, .customer_id = sj.linked ? sj.customer_id : 0,
			      .now = now,
			      .channel = channel ? channel : "chat"};
	if ((rc = store_write_sync(st, conv_create, &cj))) {
		snprintf(err, errlen, "cannot create the conversation: %s", tn_strerror(rc));
		goto out;
	}
	res = json_object();
	outbox = json_array();
	json_t *out_turns = json_array();
	json_object_set_new(res, "id", json_deep_copy(json_object_get(conv, "id")));
	json_object_set_new(res, "turns", out_turns);
	size_t i;
	json_t *tv;
	json_array_foreach(turns, i, tv) {
		const char *text = json_string_value(tv);
		if (!text) {
			snprintf(err, errlen, "turns[%zu] is not a string", i);
			json_decref(res);
			res = NULL;
			goto out;
		}
		struct dialog_out o;
		dialog_out_init(&o);
		effects = NULL;
		rc = dialog_session_turn(st, m, tenant_id, cj.id, text, now + (int64_t)i * 30, agents,
					 &o, &effects);
		if (rc) {
			snprintf(err, errlen, "turns[%zu]: %s", i, tn_strerror(rc));
			dialog_out_free(&o);
			json_decref(res);
			res = NULL;
			goto out;
		}
		json_array_append_new(out_turns,
				      json_pack("{s:s,s:s,s:s,s:f,s:b}", "customer", text, "ai",
						o.reply.data ? o.reply.data : "", "intent",
						o.nlu.intent.intent, "confidence",
						(double)(int)(o.nlu.intent.confidence * 10000 + 0.5) / 10000,
						"escalate", o.escalation.escalate));
		if (json_object_get(effects, "appointment")) {
			json_decref(appointment);
			appointment = json_incref(json_object_get(effects, "appointment"));
		}
		if (json_object_get(effects, "handoff")) {
			json_decref(handoff);
			handoff = json_incref(json_object_get(effects, "handoff"));
			if (json_object_get(effects, "callback"))
				json_object_set(handoff, "callback", json_object_get(effects, "callback"));
		}
		json_array_extend(outbox, json_object_get(effects, "outbox"));
		json_decref(effects);
		effects = NULL;
		dialog_out_free(&o);
	}
	/* the outcome and its reason come from the stored conversation state */
	json_t *cv = NULL;
	struct dialog_state s;
	dialog_state_init(&s);
	if (!store_conversation_get(store_reader(st), tenant_id, cj.id, &cv))
		dialog_state_from_json(json_object_get(cv, "state"), &s);
	json_decref(cv);
	char reason[200];
	if (s.outcome == DIALOG_OUTCOME_HANDOFF || s.outcome == DIALOG_OUTCOME_CALLBACK)
		dialog_reasons_format(s.reasons, reason, sizeof reason);
	else if (s.outcome == DIALOG_OUTCOME_BOOKED || s.outcome == DIALOG_OUTCOME_RESCHEDULED ||
		 s.outcome == DIALOG_OUTCOME_CANCELLED)
		snprintf(reason, sizeof reason, "%s", s.job_number[0] ? s.job_number : dialog_outcome_name(s.outcome));
	else
		snprintf(reason, sizeof reason, "%s", s.last_intent[0] ? s.last_intent : "none");
	json_object_set_new(res, "outcome", json_string(dialog_outcome_name(s.outcome)));
	json_object_set_new(res, "reason", json_string(reason));
	json_object_set_new(res, "language", json_string(s.lang));
	if (appointment)
		json_object_set(res, "appointment", appointment);
	if (handoff)
		json_object_set(res, "handoff", handoff);
	if (json_array_size(outbox))
		json_object_set(res, "outbox", outbox);
out:
	json_decref(appointment);
	json_decref(handoff);
	json_decref(outbox);
	json_decref(effects);
	json_decref(techs);
	json_decref(tenant);
	if (facts_loaded)
		dialog_tenant_free(&facts);
	store_close(st);
	return res;
}

int cmd_converse(int argc, char **argv)
{
	const char *slug = NULL, *now_s = NULL, *script = NULL, *seed_path = NULL;
	int64_t agents = 1;
	bool as_json = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--json")) {
			as_json = true;
		} else if (i + 1 < argc && !strcmp(a, "--tenant")) {
			slug = argv[++i];
		} else if (i + 1 < argc && !strcmp(a, "--now")) {
			now_s = argv[++i];
		} else if (i + 1 < argc && !strcmp(a, "--script")) {
			script = argv[++i];
		} else if (i + 1 < argc && !strcmp(a, "--seed")) {
			seed_path = argv[++i];
		} else if (i + 1 < argc && !strcmp(a, "--agents-online")) {
			if (str_to_i64(argv[++i], 0, 100000, &agents)) {
				fprintf(stderr, "tandem converse: --agents-online needs a number\n");
				return 2;
			}
		} else {
			fprintf(stderr, "tandem converse: unexpected argument '%s' (see --help)\n", a);
			return 2;
		}
	}
	if (!slug || !script) {
		usage(stderr);
		return 2;
	}
	int64_t now = (int64_t)time(NULL);
	if (now_s && tz_parse_iso(now_s, NULL, &now)) {
		fprintf(stderr, "tandem converse: --now is not ISO 8601 with an offset: %s\n", now_s);
		return 2;
	}
	struct api_verr ve;
	json_t *seed = NULL;
	if (seed_path) {
		json_error_t je;
		seed = json_load_file(seed_path, JSON_REJECT_DUPLICATES, &je);
		if (!seed)
			fprintf(stderr, "tandem converse: %s: %s\n", seed_path, je.text);
	} else {
		seed = seed_demo_document(&ve);
		if (!seed)
			fprintf(stderr, "tandem converse: %s\n", ve.msg);
	}
	if (!seed)
		return 1;
	FILE *f = strcmp(script, "-") ? fopen(script, "r") : stdin;
	if (!f) {
		fprintf(stderr, "tandem converse: cannot open %s\n", script);
		json_decref(seed);
		return 1;
	}
	char err[NLU_MAX_LABEL * 4];
	struct nlu_model *m = NULL;
	if (nlu_model_builtin(&m, err, sizeof err)) {
		fprintf(stderr, "tandem converse: the language model: %s\n", err);
		json_decref(seed);
		if (f != stdin)
			fclose(f);
		return 1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int status = 0, lineno = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\n' || *p == '\0' || *p == '#')
			continue;
		char perr[256];
		json_t *conv = jsonx_parse(line, (size_t)len, true, perr, sizeof perr);
		if (!conv) {
			fprintf(stderr, "tandem converse: %s line %d: %s\n", script, lineno, perr);
			status = 1;
			continue;
		}
		char cerr[256] = "";
		json_t *res = run_conversation(seed, m, slug, conv, now, (int)agents, cerr, sizeof cerr);
		if (!res) {
			fprintf(stderr, "tandem converse: %s line %d: %s\n", script, lineno, cerr);
			status = 1;
		} else if (as_json) {
			char *s = json_dumps(res, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
			if (s)
				printf("%s\n", s);
			free(s);
		} else {
			print_transcript(res);
		}
		fflush(stdout); /* one conversation at a time, for readers of a pipe */
		json_decref(res);
		json_decref(conv);
	}
	free(line);
	if (f != stdin)
		fclose(f);
	nlu_model_free(m);
	json_decref(seed);
	return status;
}
